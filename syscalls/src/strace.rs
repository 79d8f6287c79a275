//! `--strace` formatting: a syscall and its result as strace(1) prints them.
//!
//! Pure functions of the syscall number, the six argument registers, the
//! result and a [`MemReader`] over the application's memory. Nothing here
//! can fail: memory that cannot be read is shown as the pointer's value.
//!
//! A line is built in two halves so that a blocking call can be logged
//! when it starts: [`format_entry`] gives the name and the arguments up to
//! the first one the kernel fills, [`format_exit`] the rest and the result.
//! [`format_call`] is the two together.

use std::fmt::Write as _;

use crate::consts::*;
use crate::table::{info, ArgKind, SyscallInfo};
use crate::Errno;

/// Bytes of a buffer or string shown before `...`, as strace's default `-s 32`.
pub const STRING_LIMIT: usize = 32;
/// Entries of an argv/envp array shown before `...`.
pub const ARRAY_LIMIT: usize = 32;
/// Entries of an iovec array shown before `...`.
pub const IOVEC_LIMIT: usize = 16;

/// Read access to the traced task's memory.
///
/// Implementations copy: the application may change its memory at any
/// time, and a bad address is an ordinary event, answered with `None`.
pub trait MemReader {
    /// Exactly `len` bytes at `addr`, or `None` if any of them is unreadable.
    fn read_bytes(&self, addr: u64, len: usize) -> Option<Vec<u8>>;

    /// The bytes at `addr` up to, not including, the first NUL, reading at
    /// most `max` bytes (so a result of `max` bytes may be cut short).
    /// `None` if the memory before the NUL (or before `max`) is unreadable.
    fn read_cstr(&self, addr: u64, max: usize) -> Option<Vec<u8>>;
}

/// A [`MemReader`] for when there is no memory to read: every pointer is
/// shown as its value.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoMemory;

impl MemReader for NoMemory {
    fn read_bytes(&self, _addr: u64, _len: usize) -> Option<Vec<u8>> {
        None
    }

    fn read_cstr(&self, _addr: u64, _max: usize) -> Option<Vec<u8>> {
        None
    }
}

/// The start of the line: `openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC`.
///
/// Stops before the first argument the kernel fills (`read(3`), with no
/// closing parenthesis; [`format_exit`] continues from there.
pub fn format_entry(nr: u64, args: &[u64; 6], mem: &dyn MemReader) -> String {
    let Some(row) = info(nr) else {
        let shown: Vec<String> = args.iter().map(|&a| hex(a)).collect();
        return format!("syscall_{nr}({}", shown.join(", "));
    };
    let mut line = format!("{}(", row.name);
    for (i, &kind) in row.args.iter().enumerate().take(first_output(row)) {
        if i > 0 {
            line.push_str(", ");
        }
        line.push_str(&format_arg(kind, i, args, None, mem));
    }
    line
}

/// The end of the line: the arguments from the first one the kernel fills,
/// then `) = 3` or `) = -1 ENOENT (No such file or directory)`.
///
/// Kernel-internal restart codes print as strace shows them, `) = ?
/// ERESTARTSYS (To be restarted if SA_RESTART is set)`. A message attached
/// to the error follows it: `: no such dentry`.
pub fn format_exit(
    nr: u64,
    args: &[u64; 6],
    ret: Result<u64, Errno>,
    mem: &dyn MemReader,
) -> String {
    let mut line = String::new();
    let row = info(nr);
    if let Some(row) = row {
        for (i, &kind) in row.args.iter().enumerate().skip(first_output(row)) {
            if i > 0 {
                line.push_str(", ");
            }
            line.push_str(&format_arg(kind, i, args, Some(ret), mem));
        }
    }
    line.push_str(") = ");
    match ret {
        Ok(value) if row.is_some_and(returns_address) => line.push_str(&hex(value)),
        Ok(value) => {
            let _ = write!(line, "{value}");
        }
        Err(e) if e.is_restart() => {
            let _ = write!(line, "? {e}");
        }
        Err(e) => {
            let _ = write!(line, "-1 {e}");
        }
    }
    line
}

/// The whole line, like strace(1): `name(args) = result`.
pub fn format_call(
    nr: u64,
    args: &[u64; 6],
    ret: Result<u64, Errno>,
    mem: &dyn MemReader,
) -> String {
    let mut line = format_entry(nr, args, mem);
    line.push_str(&format_exit(nr, args, ret, mem));
    line
}

/// Index of the first argument shown after the call.
fn first_output(row: &SyscallInfo) -> usize {
    row.args
        .iter()
        .position(|kind| kind.is_output())
        .unwrap_or(row.args.len())
}

/// Calls whose result is an address, shown in hex.
fn returns_address(row: &SyscallInfo) -> bool {
    matches!(row.name, "mmap" | "mremap" | "brk" | "shmat")
}

/// One argument. `ret` is `None` before the call, when output arguments
/// are not shown.
fn format_arg(
    kind: ArgKind,
    index: usize,
    args: &[u64; 6],
    ret: Option<Result<u64, Errno>>,
    mem: &dyn MemReader,
) -> String {
    let a = args[index];
    let param = |i: u8| args[usize::from(i)];
    // The value an output argument shows: the call's result, if it succeeded.
    let done = match ret {
        Some(Ok(n)) => Some(n),
        _ => None,
    };
    match kind {
        ArgKind::Int | ArgKind::Fd => (a as u32 as i32).to_string(),
        ArgKind::Uint => (a as u32).to_string(),
        ArgKind::Usize => a.to_string(),
        ArgKind::Long => (a as i64).to_string(),
        ArgKind::Hex => hex(a),
        ArgKind::Ptr => ptr(a),
        ArgKind::DirFd => match a as u32 as i32 {
            AT_FDCWD => "AT_FDCWD".to_string(),
            fd => fd.to_string(),
        },
        ArgKind::Path => cstr(mem, a, PATH_MAX),
        ArgKind::InBuf(len) => buffer(mem, a, param(len)),
        ArgKind::OutBuf(len) => match done {
            Some(n) => buffer(mem, a, n.min(param(len))),
            None => ptr(a),
        },
        ArgKind::OutPath => match done {
            Some(_) => cstr(mem, a, PATH_MAX),
            None => ptr(a),
        },
        ArgKind::OpenFlags => open_flags(a),
        ArgKind::Mode => mode(a as u32),
        ArgKind::AtFlags => flags(a as u32 as u64, AT_FLAGS),
        ArgKind::UnlinkFlags => flags(a as u32 as u64, &[(AT_REMOVEDIR as u64, "AT_REMOVEDIR")]),
        ArgKind::MmapProt => match a {
            0 => "PROT_NONE".to_string(),
            _ => flags(a, PROT_FLAGS),
        },
        ArgKind::MmapFlags => mmap_flags(a),
        ArgKind::Signal => signal_name(a as u32 as i32),
        ArgKind::SigHow => named(a as u32 as i32, SIG_HOWS),
        ArgKind::SigSet => sigset(mem, a),
        ArgKind::OutSigSet => match done {
            Some(_) => sigset(mem, a),
            None => ptr(a),
        },
        ArgKind::FcntlCmd => named(a as u32, FCNTL_CMDS),
        ArgKind::IoctlCmd => match lookup(a as u32, IOCTL_CMDS) {
            Some(name) => name.to_string(),
            None => hex(a as u32 as u64),
        },
        ArgKind::ClockId => named(a as u32 as i32, CLOCK_IDS),
        ArgKind::Whence => named(a as u32, WHENCES),
        ArgKind::StrArray => str_array(mem, a),
        ArgKind::Iovec(count) => iovecs(mem, a, param(count), None),
        ArgKind::OutIovec(count) => match done {
            Some(n) => iovecs(mem, a, param(count), Some(n)),
            None => ptr(a),
        },
        ArgKind::Timespec => timespec(mem, a),
        ArgKind::OutTimespec => match done {
            Some(_) => timespec(mem, a),
            None => ptr(a),
        },
        ArgKind::CloneFlags => clone_flags(a),
        ArgKind::StatxMask => statx_mask(a as u32),
        ArgKind::RenameFlags => flags(a as u32 as u64, RENAME_FLAGS),
        ArgKind::AccessMode => match a as u32 {
            F_OK => "F_OK".to_string(),
            m => flags(u64::from(m), ACCESS_MODES),
        },
        ArgKind::ArchPrctlCode => match lookup(a as u32 as i32, ARCH_PRCTL_CODES) {
            Some(name) => name.to_string(),
            None => hex(a as u32 as u64),
        },
        ArgKind::PrctlOption => named(a as u32 as i32, PRCTL_OPTIONS),
        ArgKind::MadviseAdvice => named(a as u32 as i32, MADVISE_ADVICE),
        ArgKind::MremapFlags => flags(a, MREMAP_FLAGS),
        ArgKind::FutexOp => futex_op(a as u32 as i32),
        ArgKind::WaitOptions => flags(a as u32 as u64, WAIT_OPTIONS),
        ArgKind::RlimitResource => named(a as u32, RLIMIT_RESOURCES),
        ArgKind::GetrandomFlags => flags(a as u32 as u64, GETRANDOM_FLAGS),
        ArgKind::CloexecFlags => flags(a as u32 as u64, CLOEXEC_FLAGS),
        ArgKind::SockDomain => named(a as u32 as i32, SOCK_DOMAINS),
        ArgKind::SockType => sock_type(a as u32 as i32),
        ArgKind::Sockaddr(len) => sockaddr(mem, a, param(len)),
    }
}

const SOCK_DOMAINS: &[(i32, &str)] = &[
    (AF_UNSPEC, "AF_UNSPEC"),
    (AF_UNIX, "AF_UNIX"),
    (AF_INET, "AF_INET"),
    (AF_INET6, "AF_INET6"),
    (AF_NETLINK, "AF_NETLINK"),
    (AF_PACKET, "AF_PACKET"),
];

/// `SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC`.
fn sock_type(t: i32) -> String {
    const TYPES: &[(i32, &str)] = &[
        (SOCK_STREAM, "SOCK_STREAM"),
        (SOCK_DGRAM, "SOCK_DGRAM"),
        (SOCK_RAW, "SOCK_RAW"),
        (SOCK_SEQPACKET, "SOCK_SEQPACKET"),
    ];
    let mut s = named(t & SOCK_TYPE_MASK, TYPES);
    let rest = (t & !SOCK_TYPE_MASK) as u32 as u64;
    if rest != 0 {
        s.push('|');
        s.push_str(&flags(
            rest,
            &[
                (SOCK_NONBLOCK as u64, "SOCK_NONBLOCK"),
                (SOCK_CLOEXEC as u64, "SOCK_CLOEXEC"),
            ],
        ));
    }
    s
}

/// A sockaddr: unix addresses in full (`@name` for abstract ones), other
/// families by name only.
fn sockaddr(mem: &dyn MemReader, addr: u64, len: u64) -> String {
    if addr == 0 {
        return "NULL".to_string();
    }
    let len = len.min(128) as usize;
    let Some(b) = mem.read_bytes(addr, len) else {
        return ptr(addr);
    };
    if b.len() < 2 {
        return format!("{{sa_family=?}}, {}", ptr(addr));
    }
    let family = i32::from(u16::from_ne_bytes([b[0], b[1]]));
    let fam = named(family, SOCK_DOMAINS);
    if family != AF_UNIX || b.len() == 2 {
        return format!("{{sa_family={fam}}}");
    }
    let path = &b[2..];
    let shown = if path[0] == 0 {
        format!("@{}", quote(&path[1..], false))
    } else {
        let end = path.iter().position(|&c| c == 0).unwrap_or(path.len());
        quote(&path[..end], false)
    };
    format!("{{sa_family=AF_UNIX, sun_path={shown}}}")
}

// ---------------------------------------------------------------------------
// Scalars.

fn hex(v: u64) -> String {
    if v == 0 {
        "0".to_string()
    } else {
        format!("{v:#x}")
    }
}

fn ptr(v: u64) -> String {
    if v == 0 {
        "NULL".to_string()
    } else {
        format!("{v:#x}")
    }
}

fn lookup<T: PartialEq + Copy>(value: T, table: &[(T, &'static str)]) -> Option<&'static str> {
    table
        .iter()
        .find(|(v, _)| *v == value)
        .map(|(_, name)| *name)
}

/// The name of an enumerated value, or the value in decimal.
fn named<T: PartialEq + Copy + ToString>(value: T, table: &[(T, &'static str)]) -> String {
    lookup(value, table).map_or_else(|| value.to_string(), str::to_string)
}

/// Bit flags as `A|B|0x40`: each name whose bits are all set, in table
/// order (so put composite values first), then what is left in hex.
fn flags(value: u64, table: &[(u64, &'static str)]) -> String {
    let mut parts = Vec::new();
    let mut left = value;
    push_flags(&mut parts, &mut left, table);
    finish_flags(parts, left)
}

fn push_flags(parts: &mut Vec<String>, left: &mut u64, table: &[(u64, &'static str)]) {
    for &(bits, name) in table {
        if bits != 0 && *left & bits == bits {
            parts.push(name.to_string());
            *left &= !bits;
        }
    }
}

fn finish_flags(mut parts: Vec<String>, left: u64) -> String {
    if left != 0 {
        parts.push(format!("{left:#x}"));
    }
    if parts.is_empty() {
        "0".to_string()
    } else {
        parts.join("|")
    }
}

fn open_flags(value: u64) -> String {
    let value = value as u32;
    let mut parts = vec![match value & O_ACCMODE {
        O_RDONLY => "O_RDONLY".to_string(),
        O_WRONLY => "O_WRONLY".to_string(),
        O_RDWR => "O_RDWR".to_string(),
        mode => format!("{mode:#x}"),
    }];
    let mut left = u64::from(value & !O_ACCMODE);
    push_flags(&mut parts, &mut left, OPEN_FLAGS);
    finish_flags(parts, left)
}

fn mode(m: u32) -> String {
    let perms = format!("0{:02o}", m & 0o7777);
    let kind = lookup(m & S_IFMT, FILE_TYPES);
    let rest = m & !(S_IFMT | 0o7777);
    let mut out = match (m & S_IFMT, kind) {
        (0, _) => perms,
        (_, Some(kind)) => format!("{kind}|{perms}"),
        (bits, None) => format!("{bits:#o}|{perms}"),
    };
    if rest != 0 {
        let _ = write!(out, "|0{rest:o}");
    }
    out
}

fn mmap_flags(value: u64) -> String {
    let value = value as u32;
    let mut parts = Vec::new();
    match value & MAP_TYPE {
        0 => {}
        MAP_SHARED => parts.push("MAP_SHARED".to_string()),
        MAP_PRIVATE => parts.push("MAP_PRIVATE".to_string()),
        MAP_SHARED_VALIDATE => parts.push("MAP_SHARED_VALIDATE".to_string()),
        MAP_DROPPABLE => parts.push("MAP_DROPPABLE".to_string()),
        kind => parts.push(format!("{kind:#x}")),
    }
    let mut left = u64::from(value & !MAP_TYPE);
    // With MAP_HUGETLB, bits 26..32 are log2 of the page size, not flags.
    let huge = (value >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;
    if value & MAP_HUGETLB != 0 && huge != 0 {
        left &= !(u64::from(MAP_HUGE_MASK) << MAP_HUGE_SHIFT);
        push_flags(&mut parts, &mut left, MMAP_FLAGS);
        parts.push(format!("{huge}<<MAP_HUGE_SHIFT"));
    } else {
        push_flags(&mut parts, &mut left, MMAP_FLAGS);
    }
    finish_flags(parts, left)
}

fn clone_flags(value: u64) -> String {
    let mut parts = Vec::new();
    let mut left = value;
    push_flags(&mut parts, &mut left, CLONE_FLAGS);
    // The low byte is clone(2)'s exit signal, except for CLONE_NEWTIME's bit
    // (unshare(2) and setns(2)), which no signal number reaches.
    if left & CLONE_NEWTIME != 0 {
        parts.push("CLONE_NEWTIME".to_string());
        left &= !CLONE_NEWTIME;
    }
    let signal = left & CSIGNAL;
    if signal != 0 {
        parts.push(signal_name(signal as i32));
        left &= !CSIGNAL;
    }
    finish_flags(parts, left)
}

fn statx_mask(mask: u32) -> String {
    let mut parts = Vec::new();
    let mut left = u64::from(mask);
    push_flags(&mut parts, &mut left, STATX_MASK_BITS);
    finish_flags(parts, left)
}

fn futex_op(op: i32) -> String {
    let cmd = op & FUTEX_CMD_MASK;
    let mut out = match lookup(cmd, FUTEX_CMDS) {
        Some(name) => name.to_string(),
        None => cmd.to_string(),
    };
    if op & FUTEX_PRIVATE_FLAG != 0 {
        out.push_str("_PRIVATE");
    }
    if op & FUTEX_CLOCK_REALTIME != 0 {
        out.push_str("|FUTEX_CLOCK_REALTIME");
    }
    out
}

/// `SIGTERM`, `SIGRTMIN`, `SIGRT_3`, or the number.
pub fn signal_name(sig: i32) -> String {
    match sig {
        1..=31 => SIGNAL_NAMES[(sig - 1) as usize].to_string(),
        SIGRTMIN => "SIGRTMIN".to_string(),
        33..=SIGRTMAX => format!("SIGRT_{}", sig - SIGRTMIN),
        _ => sig.to_string(),
    }
}

// ---------------------------------------------------------------------------
// Memory.

/// `s` quoted and escaped like strace: printable ASCII as is, C escapes
/// for the usual controls, octal for the rest.
fn quote(bytes: &[u8], cut: bool) -> String {
    let mut out = String::with_capacity(bytes.len() + 5);
    out.push('"');
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'\r' => out.push_str("\\r"),
            0x0b => out.push_str("\\v"),
            0x0c => out.push_str("\\f"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                // Three digits when a digit follows, so "\0" "1" stays apart.
                let digit_follows = bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
                if digit_follows {
                    let _ = write!(out, "\\{b:03o}");
                } else {
                    let _ = write!(out, "\\{b:o}");
                }
            }
        }
    }
    out.push('"');
    if cut {
        out.push_str("...");
    }
    out
}

/// `len` bytes at `addr`, cut at [`STRING_LIMIT`].
fn buffer(mem: &dyn MemReader, addr: u64, len: u64) -> String {
    if addr == 0 {
        return "NULL".to_string();
    }
    let shown = usize::try_from(len).map_or(STRING_LIMIT, |len| len.min(STRING_LIMIT));
    match mem.read_bytes(addr, shown) {
        Some(bytes) => quote(&bytes, len > shown as u64),
        None => ptr(addr),
    }
}

/// A NUL-terminated string of at most `max` bytes.
fn cstr(mem: &dyn MemReader, addr: u64, max: usize) -> String {
    if addr == 0 {
        return "NULL".to_string();
    }
    match mem.read_cstr(addr, max + 1) {
        Some(mut bytes) => {
            let cut = bytes.len() > max;
            bytes.truncate(max);
            quote(&bytes, cut)
        }
        None => ptr(addr),
    }
}

fn read_u64(mem: &dyn MemReader, addr: u64) -> Option<u64> {
    let bytes = mem.read_bytes(addr, 8)?;
    Some(u64::from_ne_bytes(bytes.try_into().ok()?))
}

/// `["ls", "-l"]`, each string cut at [`STRING_LIMIT`].
fn str_array(mem: &dyn MemReader, addr: u64) -> String {
    if addr == 0 {
        return "NULL".to_string();
    }
    let mut items = Vec::new();
    for i in 0..=ARRAY_LIMIT {
        let Some(p) = read_u64(mem, addr.wrapping_add(8 * i as u64)) else {
            if i == 0 {
                return ptr(addr);
            }
            items.push("...".to_string());
            break;
        };
        if p == 0 {
            break;
        }
        if i == ARRAY_LIMIT {
            items.push("...".to_string());
            break;
        }
        items.push(cstr(mem, p, STRING_LIMIT));
    }
    format!("[{}]", items.join(", "))
}

/// `[{iov_base="abc", iov_len=3}, ...]`. With `filled`, the kernel wrote
/// that many bytes in order across the buffers, and only those are shown.
fn iovecs(mem: &dyn MemReader, addr: u64, count: u64, filled: Option<u64>) -> String {
    if addr == 0 {
        return "NULL".to_string();
    }
    let shown = usize::try_from(count).map_or(IOVEC_LIMIT, |n| n.min(IOVEC_LIMIT));
    let Some(raw) = mem.read_bytes(addr, shown * 16) else {
        return ptr(addr);
    };
    let mut left = filled;
    let mut items = Vec::with_capacity(shown + 1);
    for entry in raw.chunks_exact(16) {
        let base = u64::from_ne_bytes(entry[..8].try_into().unwrap_or_default());
        let len = u64::from_ne_bytes(entry[8..].try_into().unwrap_or_default());
        let data = match left.as_mut() {
            None => buffer(mem, base, len),
            Some(left) => {
                let n = len.min(*left);
                *left -= n;
                buffer(mem, base, n)
            }
        };
        items.push(format!("{{iov_base={data}, iov_len={len}}}"));
    }
    if count > shown as u64 {
        items.push("...".to_string());
    }
    format!("[{}]", items.join(", "))
}

fn timespec(mem: &dyn MemReader, addr: u64) -> String {
    if addr == 0 {
        return "NULL".to_string();
    }
    match mem.read_bytes(addr, 16) {
        Some(bytes) => {
            let ts: crate::types::Timespec = bytemuck::pod_read_unaligned(&bytes);
            format!("{{tv_sec={}, tv_nsec={}}}", ts.tv_sec, ts.tv_nsec)
        }
        None => ptr(addr),
    }
}

/// `[INT TERM]`, or `~[...]` listing the signals not in the set when that
/// is shorter, like strace.
fn sigset(mem: &dyn MemReader, addr: u64) -> String {
    if addr == 0 {
        return "NULL".to_string();
    }
    let Some(set) = read_u64(mem, addr) else {
        return ptr(addr);
    };
    let (prefix, bits) = if set.count_ones() > 32 {
        ("~", !set)
    } else {
        ("", set)
    };
    let names: Vec<String> = (1..=64)
        .filter(|sig| bits & (1u64 << (sig - 1)) != 0)
        .map(|sig| {
            let name = signal_name(sig);
            name.strip_prefix("SIG")
                .map_or(name.clone(), str::to_string)
        })
        .collect();
    format!("{prefix}[{}]", names.join(" "))
}

// ---------------------------------------------------------------------------
// Names.

const SIGNAL_NAMES: [&str; 31] = [
    "SIGHUP",
    "SIGINT",
    "SIGQUIT",
    "SIGILL",
    "SIGTRAP",
    "SIGABRT",
    "SIGBUS",
    "SIGFPE",
    "SIGKILL",
    "SIGUSR1",
    "SIGSEGV",
    "SIGUSR2",
    "SIGPIPE",
    "SIGALRM",
    "SIGTERM",
    "SIGSTKFLT",
    "SIGCHLD",
    "SIGCONT",
    "SIGSTOP",
    "SIGTSTP",
    "SIGTTIN",
    "SIGTTOU",
    "SIGURG",
    "SIGXCPU",
    "SIGXFSZ",
    "SIGVTALRM",
    "SIGPROF",
    "SIGWINCH",
    "SIGIO",
    "SIGPWR",
    "SIGSYS",
];

/// `O_*` bits after the access mode; composites before their parts.
const OPEN_FLAGS: &[(u64, &str)] = &[
    (O_TMPFILE as u64, "O_TMPFILE"),
    (O_SYNC as u64, "O_SYNC"),
    (O_CREAT as u64, "O_CREAT"),
    (O_EXCL as u64, "O_EXCL"),
    (O_NOCTTY as u64, "O_NOCTTY"),
    (O_TRUNC as u64, "O_TRUNC"),
    (O_APPEND as u64, "O_APPEND"),
    (O_NONBLOCK as u64, "O_NONBLOCK"),
    (O_DSYNC as u64, "O_DSYNC"),
    (O_ASYNC as u64, "O_ASYNC"),
    (O_DIRECT as u64, "O_DIRECT"),
    (O_LARGEFILE as u64, "O_LARGEFILE"),
    (O_DIRECTORY as u64, "O_DIRECTORY"),
    (O_NOFOLLOW as u64, "O_NOFOLLOW"),
    (O_NOATIME as u64, "O_NOATIME"),
    (O_CLOEXEC as u64, "O_CLOEXEC"),
    (O_PATH as u64, "O_PATH"),
];

const CLOEXEC_FLAGS: &[(u64, &str)] = &[
    (O_NONBLOCK as u64, "O_NONBLOCK"),
    (O_DIRECT as u64, "O_DIRECT"),
    (O_CLOEXEC as u64, "O_CLOEXEC"),
];

const AT_FLAGS: &[(u64, &str)] = &[
    (AT_SYMLINK_NOFOLLOW as u64, "AT_SYMLINK_NOFOLLOW"),
    (AT_EACCESS as u64, "AT_EACCESS"),
    (AT_SYMLINK_FOLLOW as u64, "AT_SYMLINK_FOLLOW"),
    (AT_NO_AUTOMOUNT as u64, "AT_NO_AUTOMOUNT"),
    (AT_EMPTY_PATH as u64, "AT_EMPTY_PATH"),
    (AT_STATX_FORCE_SYNC as u64, "AT_STATX_FORCE_SYNC"),
    (AT_STATX_DONT_SYNC as u64, "AT_STATX_DONT_SYNC"),
    (AT_RECURSIVE as u64, "AT_RECURSIVE"),
];

const FILE_TYPES: &[(u32, &str)] = &[
    (S_IFSOCK, "S_IFSOCK"),
    (S_IFLNK, "S_IFLNK"),
    (S_IFREG, "S_IFREG"),
    (S_IFBLK, "S_IFBLK"),
    (S_IFDIR, "S_IFDIR"),
    (S_IFCHR, "S_IFCHR"),
    (S_IFIFO, "S_IFIFO"),
];

const PROT_FLAGS: &[(u64, &str)] = &[
    (PROT_READ as u64, "PROT_READ"),
    (PROT_WRITE as u64, "PROT_WRITE"),
    (PROT_EXEC as u64, "PROT_EXEC"),
    (PROT_SEM as u64, "PROT_SEM"),
    (PROT_GROWSDOWN as u64, "PROT_GROWSDOWN"),
    (PROT_GROWSUP as u64, "PROT_GROWSUP"),
];

const MMAP_FLAGS: &[(u64, &str)] = &[
    (MAP_FIXED as u64, "MAP_FIXED"),
    (MAP_ANONYMOUS as u64, "MAP_ANONYMOUS"),
    (MAP_32BIT as u64, "MAP_32BIT"),
    (MAP_GROWSDOWN as u64, "MAP_GROWSDOWN"),
    (MAP_DENYWRITE as u64, "MAP_DENYWRITE"),
    (MAP_EXECUTABLE as u64, "MAP_EXECUTABLE"),
    (MAP_LOCKED as u64, "MAP_LOCKED"),
    (MAP_NORESERVE as u64, "MAP_NORESERVE"),
    (MAP_POPULATE as u64, "MAP_POPULATE"),
    (MAP_NONBLOCK as u64, "MAP_NONBLOCK"),
    (MAP_STACK as u64, "MAP_STACK"),
    (MAP_HUGETLB as u64, "MAP_HUGETLB"),
    (MAP_SYNC as u64, "MAP_SYNC"),
    (MAP_FIXED_NOREPLACE as u64, "MAP_FIXED_NOREPLACE"),
    (MAP_UNINITIALIZED as u64, "MAP_UNINITIALIZED"),
];

const MREMAP_FLAGS: &[(u64, &str)] = &[
    (MREMAP_MAYMOVE as u64, "MREMAP_MAYMOVE"),
    (MREMAP_FIXED as u64, "MREMAP_FIXED"),
    (MREMAP_DONTUNMAP as u64, "MREMAP_DONTUNMAP"),
];

const RENAME_FLAGS: &[(u64, &str)] = &[
    (RENAME_NOREPLACE as u64, "RENAME_NOREPLACE"),
    (RENAME_EXCHANGE as u64, "RENAME_EXCHANGE"),
    (RENAME_WHITEOUT as u64, "RENAME_WHITEOUT"),
];

const ACCESS_MODES: &[(u64, &str)] = &[
    (R_OK as u64, "R_OK"),
    (W_OK as u64, "W_OK"),
    (X_OK as u64, "X_OK"),
];

const GETRANDOM_FLAGS: &[(u64, &str)] = &[
    (GRND_NONBLOCK as u64, "GRND_NONBLOCK"),
    (GRND_RANDOM as u64, "GRND_RANDOM"),
    (GRND_INSECURE as u64, "GRND_INSECURE"),
];

const WAIT_OPTIONS: &[(u64, &str)] = &[
    (WNOHANG as u64, "WNOHANG"),
    (WUNTRACED as u64, "WSTOPPED"),
    (WEXITED as u64, "WEXITED"),
    (WCONTINUED as u64, "WCONTINUED"),
    (WNOWAIT as u64, "WNOWAIT"),
    (__WNOTHREAD as u64, "__WNOTHREAD"),
    (__WALL as u64, "__WALL"),
    (__WCLONE as u64, "__WCLONE"),
];

/// `CLONE_*` above the exit-signal byte.
const CLONE_FLAGS: &[(u64, &str)] = &[
    (CLONE_VM, "CLONE_VM"),
    (CLONE_FS, "CLONE_FS"),
    (CLONE_FILES, "CLONE_FILES"),
    (CLONE_SIGHAND, "CLONE_SIGHAND"),
    (CLONE_PIDFD, "CLONE_PIDFD"),
    (CLONE_PTRACE, "CLONE_PTRACE"),
    (CLONE_VFORK, "CLONE_VFORK"),
    (CLONE_PARENT, "CLONE_PARENT"),
    (CLONE_THREAD, "CLONE_THREAD"),
    (CLONE_NEWNS, "CLONE_NEWNS"),
    (CLONE_SYSVSEM, "CLONE_SYSVSEM"),
    (CLONE_SETTLS, "CLONE_SETTLS"),
    (CLONE_PARENT_SETTID, "CLONE_PARENT_SETTID"),
    (CLONE_CHILD_CLEARTID, "CLONE_CHILD_CLEARTID"),
    (CLONE_DETACHED, "CLONE_DETACHED"),
    (CLONE_UNTRACED, "CLONE_UNTRACED"),
    (CLONE_CHILD_SETTID, "CLONE_CHILD_SETTID"),
    (CLONE_NEWCGROUP, "CLONE_NEWCGROUP"),
    (CLONE_NEWUTS, "CLONE_NEWUTS"),
    (CLONE_NEWIPC, "CLONE_NEWIPC"),
    (CLONE_NEWUSER, "CLONE_NEWUSER"),
    (CLONE_NEWPID, "CLONE_NEWPID"),
    (CLONE_NEWNET, "CLONE_NEWNET"),
    (CLONE_IO, "CLONE_IO"),
    (CLONE_CLEAR_SIGHAND, "CLONE_CLEAR_SIGHAND"),
    (CLONE_INTO_CGROUP, "CLONE_INTO_CGROUP"),
];

const STATX_MASK_BITS: &[(u64, &str)] = &[
    (STATX_BASIC_STATS as u64, "STATX_BASIC_STATS"),
    (STATX_TYPE as u64, "STATX_TYPE"),
    (STATX_MODE as u64, "STATX_MODE"),
    (STATX_NLINK as u64, "STATX_NLINK"),
    (STATX_UID as u64, "STATX_UID"),
    (STATX_GID as u64, "STATX_GID"),
    (STATX_ATIME as u64, "STATX_ATIME"),
    (STATX_MTIME as u64, "STATX_MTIME"),
    (STATX_CTIME as u64, "STATX_CTIME"),
    (STATX_INO as u64, "STATX_INO"),
    (STATX_SIZE as u64, "STATX_SIZE"),
    (STATX_BLOCKS as u64, "STATX_BLOCKS"),
    (STATX_BTIME as u64, "STATX_BTIME"),
    (STATX_MNT_ID as u64, "STATX_MNT_ID"),
    (STATX_DIOALIGN as u64, "STATX_DIOALIGN"),
    (STATX_MNT_ID_UNIQUE as u64, "STATX_MNT_ID_UNIQUE"),
    (STATX_SUBVOL as u64, "STATX_SUBVOL"),
    (STATX_WRITE_ATOMIC as u64, "STATX_WRITE_ATOMIC"),
    (STATX_DIO_READ_ALIGN as u64, "STATX_DIO_READ_ALIGN"),
    (STATX__RESERVED as u64, "STATX__RESERVED"),
];

const SIG_HOWS: &[(i32, &str)] = &[
    (SIG_BLOCK, "SIG_BLOCK"),
    (SIG_UNBLOCK, "SIG_UNBLOCK"),
    (SIG_SETMASK, "SIG_SETMASK"),
];

const FCNTL_CMDS: &[(u32, &str)] = &[
    (F_DUPFD, "F_DUPFD"),
    (F_GETFD, "F_GETFD"),
    (F_SETFD, "F_SETFD"),
    (F_GETFL, "F_GETFL"),
    (F_SETFL, "F_SETFL"),
    (F_GETLK, "F_GETLK"),
    (F_SETLK, "F_SETLK"),
    (F_SETLKW, "F_SETLKW"),
    (F_SETOWN, "F_SETOWN"),
    (F_GETOWN, "F_GETOWN"),
    (F_SETSIG, "F_SETSIG"),
    (F_GETSIG, "F_GETSIG"),
    (F_SETOWN_EX, "F_SETOWN_EX"),
    (F_GETOWN_EX, "F_GETOWN_EX"),
    (F_GETOWNER_UIDS, "F_GETOWNER_UIDS"),
    (F_OFD_GETLK, "F_OFD_GETLK"),
    (F_OFD_SETLK, "F_OFD_SETLK"),
    (F_OFD_SETLKW, "F_OFD_SETLKW"),
    (F_SETLEASE, "F_SETLEASE"),
    (F_GETLEASE, "F_GETLEASE"),
    (F_NOTIFY, "F_NOTIFY"),
    (F_DUPFD_QUERY, "F_DUPFD_QUERY"),
    (F_CREATED_QUERY, "F_CREATED_QUERY"),
    (F_CANCELLK, "F_CANCELLK"),
    (F_DUPFD_CLOEXEC, "F_DUPFD_CLOEXEC"),
    (F_SETPIPE_SZ, "F_SETPIPE_SZ"),
    (F_GETPIPE_SZ, "F_GETPIPE_SZ"),
    (F_ADD_SEALS, "F_ADD_SEALS"),
    (F_GET_SEALS, "F_GET_SEALS"),
    (F_GET_RW_HINT, "F_GET_RW_HINT"),
    (F_SET_RW_HINT, "F_SET_RW_HINT"),
    (F_GET_FILE_RW_HINT, "F_GET_FILE_RW_HINT"),
    (F_SET_FILE_RW_HINT, "F_SET_FILE_RW_HINT"),
];

const IOCTL_CMDS: &[(u32, &str)] = &[
    (TCGETS, "TCGETS"),
    (TCSETS, "TCSETS"),
    (TCSETSW, "TCSETSW"),
    (TCSETSF, "TCSETSF"),
    (TCGETA, "TCGETA"),
    (TCSETA, "TCSETA"),
    (TCSETAW, "TCSETAW"),
    (TCSETAF, "TCSETAF"),
    (TCSBRK, "TCSBRK"),
    (TCXONC, "TCXONC"),
    (TCFLSH, "TCFLSH"),
    (TIOCEXCL, "TIOCEXCL"),
    (TIOCNXCL, "TIOCNXCL"),
    (TIOCSCTTY, "TIOCSCTTY"),
    (TIOCGPGRP, "TIOCGPGRP"),
    (TIOCSPGRP, "TIOCSPGRP"),
    (TIOCOUTQ, "TIOCOUTQ"),
    (TIOCSTI, "TIOCSTI"),
    (TIOCGWINSZ, "TIOCGWINSZ"),
    (TIOCSWINSZ, "TIOCSWINSZ"),
    (TIOCMGET, "TIOCMGET"),
    (TIOCMBIS, "TIOCMBIS"),
    (TIOCMBIC, "TIOCMBIC"),
    (TIOCMSET, "TIOCMSET"),
    (FIONREAD, "FIONREAD"),
    (TIOCLINUX, "TIOCLINUX"),
    (TIOCCONS, "TIOCCONS"),
    (TIOCPKT, "TIOCPKT"),
    (FIONBIO, "FIONBIO"),
    (TIOCNOTTY, "TIOCNOTTY"),
    (TIOCSETD, "TIOCSETD"),
    (TIOCGETD, "TIOCGETD"),
    (TCSBRKP, "TCSBRKP"),
    (TIOCSBRK, "TIOCSBRK"),
    (TIOCCBRK, "TIOCCBRK"),
    (TIOCGSID, "TIOCGSID"),
    (TIOCGPTN, "TIOCGPTN"),
    (TIOCSPTLCK, "TIOCSPTLCK"),
    (TIOCSIG, "TIOCSIG"),
    (TIOCVHANGUP, "TIOCVHANGUP"),
    (TIOCGPKT, "TIOCGPKT"),
    (TIOCGPTLCK, "TIOCGPTLCK"),
    (TIOCGPTPEER, "TIOCGPTPEER"),
    (FIONCLEX, "FIONCLEX"),
    (FIOCLEX, "FIOCLEX"),
    (FIOASYNC, "FIOASYNC"),
    (FIOQSIZE, "FIOQSIZE"),
];

const CLOCK_IDS: &[(i32, &str)] = &[
    (CLOCK_REALTIME, "CLOCK_REALTIME"),
    (CLOCK_MONOTONIC, "CLOCK_MONOTONIC"),
    (CLOCK_PROCESS_CPUTIME_ID, "CLOCK_PROCESS_CPUTIME_ID"),
    (CLOCK_THREAD_CPUTIME_ID, "CLOCK_THREAD_CPUTIME_ID"),
    (CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW"),
    (CLOCK_REALTIME_COARSE, "CLOCK_REALTIME_COARSE"),
    (CLOCK_MONOTONIC_COARSE, "CLOCK_MONOTONIC_COARSE"),
    (CLOCK_BOOTTIME, "CLOCK_BOOTTIME"),
    (CLOCK_REALTIME_ALARM, "CLOCK_REALTIME_ALARM"),
    (CLOCK_BOOTTIME_ALARM, "CLOCK_BOOTTIME_ALARM"),
    (CLOCK_TAI, "CLOCK_TAI"),
];

const WHENCES: &[(u32, &str)] = &[
    (SEEK_SET, "SEEK_SET"),
    (SEEK_CUR, "SEEK_CUR"),
    (SEEK_END, "SEEK_END"),
    (SEEK_DATA, "SEEK_DATA"),
    (SEEK_HOLE, "SEEK_HOLE"),
];

const ARCH_PRCTL_CODES: &[(i32, &str)] = &[
    (ARCH_SET_GS, "ARCH_SET_GS"),
    (ARCH_SET_FS, "ARCH_SET_FS"),
    (ARCH_GET_FS, "ARCH_GET_FS"),
    (ARCH_GET_GS, "ARCH_GET_GS"),
    (ARCH_GET_CPUID, "ARCH_GET_CPUID"),
    (ARCH_SET_CPUID, "ARCH_SET_CPUID"),
    (ARCH_GET_XCOMP_SUPP, "ARCH_GET_XCOMP_SUPP"),
    (ARCH_GET_XCOMP_PERM, "ARCH_GET_XCOMP_PERM"),
    (ARCH_REQ_XCOMP_PERM, "ARCH_REQ_XCOMP_PERM"),
    (ARCH_GET_XCOMP_GUEST_PERM, "ARCH_GET_XCOMP_GUEST_PERM"),
    (ARCH_REQ_XCOMP_GUEST_PERM, "ARCH_REQ_XCOMP_GUEST_PERM"),
    (ARCH_MAP_VDSO_X32, "ARCH_MAP_VDSO_X32"),
    (ARCH_MAP_VDSO_32, "ARCH_MAP_VDSO_32"),
    (ARCH_MAP_VDSO_64, "ARCH_MAP_VDSO_64"),
];

const PRCTL_OPTIONS: &[(i32, &str)] = &[
    (PR_SET_PDEATHSIG, "PR_SET_PDEATHSIG"),
    (PR_GET_PDEATHSIG, "PR_GET_PDEATHSIG"),
    (PR_GET_DUMPABLE, "PR_GET_DUMPABLE"),
    (PR_SET_DUMPABLE, "PR_SET_DUMPABLE"),
    (PR_GET_UNALIGN, "PR_GET_UNALIGN"),
    (PR_SET_UNALIGN, "PR_SET_UNALIGN"),
    (PR_GET_KEEPCAPS, "PR_GET_KEEPCAPS"),
    (PR_SET_KEEPCAPS, "PR_SET_KEEPCAPS"),
    (PR_GET_FPEMU, "PR_GET_FPEMU"),
    (PR_SET_FPEMU, "PR_SET_FPEMU"),
    (PR_GET_FPEXC, "PR_GET_FPEXC"),
    (PR_SET_FPEXC, "PR_SET_FPEXC"),
    (PR_GET_TIMING, "PR_GET_TIMING"),
    (PR_SET_TIMING, "PR_SET_TIMING"),
    (PR_SET_NAME, "PR_SET_NAME"),
    (PR_GET_NAME, "PR_GET_NAME"),
    (PR_GET_ENDIAN, "PR_GET_ENDIAN"),
    (PR_SET_ENDIAN, "PR_SET_ENDIAN"),
    (PR_GET_SECCOMP, "PR_GET_SECCOMP"),
    (PR_SET_SECCOMP, "PR_SET_SECCOMP"),
    (PR_CAPBSET_READ, "PR_CAPBSET_READ"),
    (PR_CAPBSET_DROP, "PR_CAPBSET_DROP"),
    (PR_GET_TSC, "PR_GET_TSC"),
    (PR_SET_TSC, "PR_SET_TSC"),
    (PR_GET_SECUREBITS, "PR_GET_SECUREBITS"),
    (PR_SET_SECUREBITS, "PR_SET_SECUREBITS"),
    (PR_SET_TIMERSLACK, "PR_SET_TIMERSLACK"),
    (PR_GET_TIMERSLACK, "PR_GET_TIMERSLACK"),
    (PR_TASK_PERF_EVENTS_DISABLE, "PR_TASK_PERF_EVENTS_DISABLE"),
    (PR_TASK_PERF_EVENTS_ENABLE, "PR_TASK_PERF_EVENTS_ENABLE"),
    (PR_MCE_KILL, "PR_MCE_KILL"),
    (PR_MCE_KILL_GET, "PR_MCE_KILL_GET"),
    (PR_SET_MM, "PR_SET_MM"),
    (PR_SET_CHILD_SUBREAPER, "PR_SET_CHILD_SUBREAPER"),
    (PR_GET_CHILD_SUBREAPER, "PR_GET_CHILD_SUBREAPER"),
    (PR_SET_NO_NEW_PRIVS, "PR_SET_NO_NEW_PRIVS"),
    (PR_GET_NO_NEW_PRIVS, "PR_GET_NO_NEW_PRIVS"),
    (PR_GET_TID_ADDRESS, "PR_GET_TID_ADDRESS"),
    (PR_SET_THP_DISABLE, "PR_SET_THP_DISABLE"),
    (PR_GET_THP_DISABLE, "PR_GET_THP_DISABLE"),
    (PR_MPX_ENABLE_MANAGEMENT, "PR_MPX_ENABLE_MANAGEMENT"),
    (PR_MPX_DISABLE_MANAGEMENT, "PR_MPX_DISABLE_MANAGEMENT"),
    (PR_SET_FP_MODE, "PR_SET_FP_MODE"),
    (PR_GET_FP_MODE, "PR_GET_FP_MODE"),
    (PR_CAP_AMBIENT, "PR_CAP_AMBIENT"),
    (PR_SVE_SET_VL, "PR_SVE_SET_VL"),
    (PR_SVE_GET_VL, "PR_SVE_GET_VL"),
    (PR_GET_SPECULATION_CTRL, "PR_GET_SPECULATION_CTRL"),
    (PR_SET_SPECULATION_CTRL, "PR_SET_SPECULATION_CTRL"),
    (PR_PAC_RESET_KEYS, "PR_PAC_RESET_KEYS"),
    (PR_SET_TAGGED_ADDR_CTRL, "PR_SET_TAGGED_ADDR_CTRL"),
    (PR_GET_TAGGED_ADDR_CTRL, "PR_GET_TAGGED_ADDR_CTRL"),
    (PR_SET_IO_FLUSHER, "PR_SET_IO_FLUSHER"),
    (PR_GET_IO_FLUSHER, "PR_GET_IO_FLUSHER"),
    (PR_SET_SYSCALL_USER_DISPATCH, "PR_SET_SYSCALL_USER_DISPATCH"),
    (PR_PAC_SET_ENABLED_KEYS, "PR_PAC_SET_ENABLED_KEYS"),
    (PR_PAC_GET_ENABLED_KEYS, "PR_PAC_GET_ENABLED_KEYS"),
    (PR_SCHED_CORE, "PR_SCHED_CORE"),
    (PR_SME_SET_VL, "PR_SME_SET_VL"),
    (PR_SME_GET_VL, "PR_SME_GET_VL"),
    (PR_SET_PTRACER, "PR_SET_PTRACER"),
    (PR_SET_VMA, "PR_SET_VMA"),
];

const MADVISE_ADVICE: &[(i32, &str)] = &[
    (MADV_NORMAL, "MADV_NORMAL"),
    (MADV_RANDOM, "MADV_RANDOM"),
    (MADV_SEQUENTIAL, "MADV_SEQUENTIAL"),
    (MADV_WILLNEED, "MADV_WILLNEED"),
    (MADV_DONTNEED, "MADV_DONTNEED"),
    (MADV_FREE, "MADV_FREE"),
    (MADV_REMOVE, "MADV_REMOVE"),
    (MADV_DONTFORK, "MADV_DONTFORK"),
    (MADV_DOFORK, "MADV_DOFORK"),
    (MADV_MERGEABLE, "MADV_MERGEABLE"),
    (MADV_UNMERGEABLE, "MADV_UNMERGEABLE"),
    (MADV_HUGEPAGE, "MADV_HUGEPAGE"),
    (MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE"),
    (MADV_DONTDUMP, "MADV_DONTDUMP"),
    (MADV_DODUMP, "MADV_DODUMP"),
    (MADV_WIPEONFORK, "MADV_WIPEONFORK"),
    (MADV_KEEPONFORK, "MADV_KEEPONFORK"),
    (MADV_COLD, "MADV_COLD"),
    (MADV_PAGEOUT, "MADV_PAGEOUT"),
    (MADV_POPULATE_READ, "MADV_POPULATE_READ"),
    (MADV_POPULATE_WRITE, "MADV_POPULATE_WRITE"),
    (MADV_DONTNEED_LOCKED, "MADV_DONTNEED_LOCKED"),
    (MADV_COLLAPSE, "MADV_COLLAPSE"),
    (MADV_HWPOISON, "MADV_HWPOISON"),
    (MADV_SOFT_OFFLINE, "MADV_SOFT_OFFLINE"),
    (MADV_GUARD_INSTALL, "MADV_GUARD_INSTALL"),
    (MADV_GUARD_REMOVE, "MADV_GUARD_REMOVE"),
];

const FUTEX_CMDS: &[(i32, &str)] = &[
    (FUTEX_WAIT, "FUTEX_WAIT"),
    (FUTEX_WAKE, "FUTEX_WAKE"),
    (FUTEX_FD, "FUTEX_FD"),
    (FUTEX_REQUEUE, "FUTEX_REQUEUE"),
    (FUTEX_CMP_REQUEUE, "FUTEX_CMP_REQUEUE"),
    (FUTEX_WAKE_OP, "FUTEX_WAKE_OP"),
    (FUTEX_LOCK_PI, "FUTEX_LOCK_PI"),
    (FUTEX_UNLOCK_PI, "FUTEX_UNLOCK_PI"),
    (FUTEX_TRYLOCK_PI, "FUTEX_TRYLOCK_PI"),
    (FUTEX_WAIT_BITSET, "FUTEX_WAIT_BITSET"),
    (FUTEX_WAKE_BITSET, "FUTEX_WAKE_BITSET"),
    (FUTEX_WAIT_REQUEUE_PI, "FUTEX_WAIT_REQUEUE_PI"),
    (FUTEX_CMP_REQUEUE_PI, "FUTEX_CMP_REQUEUE_PI"),
    (FUTEX_LOCK_PI2, "FUTEX_LOCK_PI2"),
];

const RLIMIT_RESOURCES: &[(u32, &str)] = &[
    (RLIMIT_CPU, "RLIMIT_CPU"),
    (RLIMIT_FSIZE, "RLIMIT_FSIZE"),
    (RLIMIT_DATA, "RLIMIT_DATA"),
    (RLIMIT_STACK, "RLIMIT_STACK"),
    (RLIMIT_CORE, "RLIMIT_CORE"),
    (RLIMIT_RSS, "RLIMIT_RSS"),
    (RLIMIT_NPROC, "RLIMIT_NPROC"),
    (RLIMIT_NOFILE, "RLIMIT_NOFILE"),
    (RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK"),
    (RLIMIT_AS, "RLIMIT_AS"),
    (RLIMIT_LOCKS, "RLIMIT_LOCKS"),
    (RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING"),
    (RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE"),
    (RLIMIT_NICE, "RLIMIT_NICE"),
    (RLIMIT_RTPRIO, "RLIMIT_RTPRIO"),
    (RLIMIT_RTTIME, "RLIMIT_RTTIME"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{nr, TABLE};
    use std::collections::HashMap;

    /// Application memory as regions keyed by start address.
    #[derive(Default)]
    struct FakeMem {
        regions: HashMap<u64, Vec<u8>>,
    }

    impl FakeMem {
        fn with(mut self, addr: u64, bytes: &[u8]) -> Self {
            self.regions.insert(addr, bytes.to_vec());
            self
        }

        fn with_u64s(self, addr: u64, words: &[u64]) -> Self {
            let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_ne_bytes()).collect();
            self.with(addr, &bytes)
        }

        fn region(&self, addr: u64) -> Option<&[u8]> {
            self.regions.iter().find_map(|(&start, bytes)| {
                let off = addr.checked_sub(start)?;
                let off = usize::try_from(off).ok()?;
                bytes.get(off..)
            })
        }
    }

    impl MemReader for FakeMem {
        fn read_bytes(&self, addr: u64, len: usize) -> Option<Vec<u8>> {
            self.region(addr)?.get(..len).map(<[u8]>::to_vec)
        }

        fn read_cstr(&self, addr: u64, max: usize) -> Option<Vec<u8>> {
            let bytes = self.region(addr)?;
            match bytes.iter().take(max).position(|&b| b == 0) {
                Some(end) => Some(bytes[..end].to_vec()),
                None if bytes.len() >= max => Some(bytes[..max].to_vec()),
                None => None, // runs off the mapping before a NUL
            }
        }
    }

    const BAD: u64 = 0xdead_0000;

    fn call(nr: u64, args: [u64; 6], ret: Result<u64, Errno>, mem: &FakeMem) -> String {
        format_call(nr, &args, ret, mem)
    }

    /// One argument of kind `kind` at index 0, formatted before the call
    /// (after it, for output kinds, with `ret`).
    fn arg(kind: ArgKind, args: [u64; 6], ret: Result<u64, Errno>, mem: &FakeMem) -> String {
        let ret = kind.is_output().then_some(ret);
        format_arg(kind, 0, &args, ret, mem)
    }

    fn val(kind: ArgKind, v: u64) -> String {
        arg(kind, [v, 0, 0, 0, 0, 0], Ok(0), &FakeMem::default())
    }

    #[test]
    fn socket_arguments() {
        assert_eq!(val(ArgKind::SockDomain, 1), "AF_UNIX");
        assert_eq!(
            val(ArgKind::SockType, (SOCK_STREAM | SOCK_CLOEXEC) as u64),
            "SOCK_STREAM|SOCK_CLOEXEC"
        );
        let mut path = (AF_UNIX as u16).to_ne_bytes().to_vec();
        path.extend_from_slice(b"/tmp/s\0");
        let mem = FakeMem::default().with(0x1000, &path);
        assert_eq!(
            arg(
                ArgKind::Sockaddr(1),
                [0x1000, path.len() as u64, 0, 0, 0, 0],
                Ok(0),
                &mem
            ),
            r#"{sa_family=AF_UNIX, sun_path="/tmp/s"}"#
        );
        let mut abs = (AF_UNIX as u16).to_ne_bytes().to_vec();
        abs.extend_from_slice(b"\0x");
        let mem = FakeMem::default().with(0x1000, &abs);
        assert_eq!(
            arg(ArgKind::Sockaddr(1), [0x1000, 4, 0, 0, 0, 0], Ok(0), &mem),
            r#"{sa_family=AF_UNIX, sun_path=@"x"}"#
        );
    }

    #[test]
    fn openat_line() {
        let mem = FakeMem::default().with(0x1000, b"/etc/passwd\0");
        let args = [
            AT_FDCWD as u32 as u64,
            0x1000,
            u64::from(O_RDONLY | O_CLOEXEC),
            0,
            0,
            0,
        ];
        assert_eq!(
            format_entry(nr::openat, &args, &mem),
            "openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC, 000"
        );
        assert_eq!(format_exit(nr::openat, &args, Ok(3), &mem), ") = 3");
        assert_eq!(
            call(nr::openat, args, Err(Errno::ENOENT), &mem),
            "openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC, 000) = -1 ENOENT (No such file or directory)"
        );
    }

    #[test]
    fn output_buffers_print_after_the_call() {
        let mem = FakeMem::default().with(0x2000, b"hello\nworld");
        let args = [3, 0x2000, 4096, 0, 0, 0];
        assert_eq!(format_entry(nr::read, &args, &mem), "read(3");
        assert_eq!(
            format_exit(nr::read, &args, Ok(5), &mem),
            ", \"hello\", 4096) = 5"
        );
        assert_eq!(
            call(nr::read, args, Ok(11), &mem),
            "read(3, \"hello\\nworld\", 4096) = 11"
        );
        // On failure the kernel wrote nothing: the pointer.
        assert_eq!(
            call(nr::read, args, Err(Errno::EAGAIN), &mem),
            "read(3, 0x2000, 4096) = -1 EAGAIN (Resource temporarily unavailable)"
        );
        // The first argument is the output: the entry half stops at "(".
        let mem = FakeMem::default().with(0x3000, b"/home\0");
        assert_eq!(
            format_entry(nr::getcwd, &[0x3000, 4096, 0, 0, 0, 0], &mem),
            "getcwd("
        );
        assert_eq!(
            call(nr::getcwd, [0x3000, 4096, 0, 0, 0, 0], Ok(6), &mem),
            "getcwd(\"/home\", 4096) = 6"
        );
    }

    #[test]
    fn input_buffers_are_escaped_and_cut() {
        let data: Vec<u8> = (0..40u8).map(|i| b'a' + (i % 26)).collect();
        let mem = FakeMem::default()
            .with(0x1000, &data)
            .with(0x2000, b"\"q\\\x00\x01\x1b7\t\r\x0b\x0c\xff");
        assert_eq!(
            call(nr::write, [1, 0x1000, 40, 0, 0, 0], Ok(40), &mem),
            "write(1, \"abcdefghijklmnopqrstuvwxyzabcdef\"..., 40) = 40"
        );
        assert_eq!(
            call(nr::write, [1, 0x2000, 12, 0, 0, 0], Ok(12), &mem),
            "write(1, \"\\\"q\\\\\\0\\1\\0337\\t\\r\\v\\f\\377\", 12) = 12"
        );
        // A length beyond the mapping: only 32 bytes are read, so it still shows.
        assert_eq!(
            arg(ArgKind::InBuf(1), [0x1000, 0, 0, 0, 0, 0], Ok(0), &mem),
            "\"\""
        );
        assert_eq!(
            arg(
                ArgKind::InBuf(1),
                [0x1000, u64::MAX, 0, 0, 0, 0],
                Ok(0),
                &mem
            ),
            "\"abcdefghijklmnopqrstuvwxyzabcdef\"..."
        );
    }

    #[test]
    fn bad_pointers_print_as_hex() {
        let mem = FakeMem::default().with(0x1000, b"no nul here");
        assert_eq!(
            call(nr::open, [BAD, 0, 0, 0, 0, 0], Err(Errno::EFAULT), &mem),
            "open(0xdead0000, O_RDONLY, 000) = -1 EFAULT (Bad address)"
        );
        // A string that runs off its mapping is unreadable too.
        assert_eq!(val(ArgKind::Path, 0x1000), "0x1000");
        assert_eq!(val(ArgKind::Path, 0), "NULL");
        assert_eq!(
            call(nr::write, [1, BAD, 3, 0, 0, 0], Err(Errno::EFAULT), &mem),
            "write(1, 0xdead0000, 3) = -1 EFAULT (Bad address)"
        );
        assert_eq!(val(ArgKind::Timespec, BAD), "0xdead0000");
        assert_eq!(val(ArgKind::SigSet, BAD), "0xdead0000");
        assert_eq!(val(ArgKind::StrArray, BAD), "0xdead0000");
        assert_eq!(
            arg(ArgKind::Iovec(1), [BAD, 2, 0, 0, 0, 0], Ok(0), &mem),
            "0xdead0000"
        );
        assert_eq!(val(ArgKind::Ptr, BAD), "0xdead0000");
        assert_eq!(val(ArgKind::Ptr, 0), "NULL");
        assert_eq!(
            arg(ArgKind::OutTimespec, [BAD, 0, 0, 0, 0, 0], Ok(0), &mem),
            "0xdead0000"
        );
    }

    #[test]
    fn long_paths_are_cut() {
        let mut long = vec![b'a'; PATH_MAX + 10];
        long.push(0);
        let mem = FakeMem::default().with(0x1000, &long);
        let shown = arg(ArgKind::Path, [0x1000, 0, 0, 0, 0, 0], Ok(0), &mem);
        assert!(shown.ends_with("\"..."), "{shown}");
        assert_eq!(shown.len(), PATH_MAX + 5);
    }

    #[test]
    fn unknown_numbers() {
        let mem = FakeMem::default();
        assert_eq!(
            call(400, [1, 0, 0xff, 0, 0, 0], Err(Errno::ENOSYS), &mem),
            "syscall_400(0x1, 0, 0xff, 0, 0, 0) = -1 ENOSYS (Function not implemented)"
        );
        assert_eq!(
            format_entry(1 << 40, &[0; 6], &mem),
            "syscall_1099511627776(0, 0, 0, 0, 0, 0"
        );
    }

    #[test]
    fn results() {
        let mem = FakeMem::default();
        let mmap = [0, 8192, 3, 0x22, u64::MAX, 0];
        assert_eq!(
            call(nr::mmap, mmap, Ok(0x7f00_0000_0000), &mem),
            "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000"
        );
        assert_eq!(
            call(nr::brk, [0; 6], Ok(0x55_0000), &mem),
            "brk(NULL) = 0x550000"
        );
        assert_eq!(
            call(
                nr::nanosleep,
                [0, 0, 0, 0, 0, 0],
                Err(Errno::ERESTART_RESTARTBLOCK),
                &mem
            ),
            "nanosleep(NULL, NULL) = ? ERESTART_RESTARTBLOCK (Interrupted by signal)"
        );
        assert_eq!(
            call(
                nr::close,
                [9, 0, 0, 0, 0, 0],
                Err(Errno::EBADF.with_msg("fd not open")),
                &mem
            ),
            "close(9) = -1 EBADF (Bad file descriptor): fd not open"
        );
        assert_eq!(call(nr::getpid, [0; 6], Ok(1), &mem), "getpid() = 1");
        assert_eq!(
            call(nr::lseek, [3, (-5i64) as u64, 2, 0, 0, 0], Ok(95), &mem),
            "lseek(3, -5, SEEK_END) = 95"
        );
    }

    #[test]
    fn scalars() {
        assert_eq!(val(ArgKind::Int, u64::MAX), "-1");
        assert_eq!(val(ArgKind::Int, 0xffff_ffff_0000_0007), "7");
        assert_eq!(val(ArgKind::Uint, u64::MAX), "4294967295");
        assert_eq!(val(ArgKind::Usize, u64::MAX), "18446744073709551615");
        assert_eq!(val(ArgKind::Long, u64::MAX), "-1");
        assert_eq!(val(ArgKind::Hex, 0), "0");
        assert_eq!(val(ArgKind::Hex, 255), "0xff");
        assert_eq!(val(ArgKind::Fd, 0xffff_ffff), "-1");
        assert_eq!(val(ArgKind::DirFd, AT_FDCWD as u32 as u64), "AT_FDCWD");
        assert_eq!(val(ArgKind::DirFd, AT_FDCWD as i64 as u64), "AT_FDCWD");
        assert_eq!(val(ArgKind::DirFd, 5), "5");
    }

    #[test]
    fn open_flags_decoder() {
        let f = |v: u32| val(ArgKind::OpenFlags, u64::from(v));
        assert_eq!(f(0), "O_RDONLY");
        assert_eq!(f(O_WRONLY | O_CREAT | O_TRUNC), "O_WRONLY|O_CREAT|O_TRUNC");
        assert_eq!(
            f(O_RDWR | O_EXCL | O_APPEND | O_NONBLOCK),
            "O_RDWR|O_EXCL|O_APPEND|O_NONBLOCK"
        );
        assert_eq!(f(O_RDWR | O_TMPFILE), "O_RDWR|O_TMPFILE");
        assert_eq!(
            f(O_DIRECTORY | O_NOFOLLOW),
            "O_RDONLY|O_DIRECTORY|O_NOFOLLOW"
        );
        assert_eq!(f(O_WRONLY | O_SYNC), "O_WRONLY|O_SYNC");
        assert_eq!(f(O_WRONLY | O_DSYNC), "O_WRONLY|O_DSYNC");
        assert_eq!(f(O_PATH | O_CLOEXEC), "O_RDONLY|O_CLOEXEC|O_PATH");
        assert_eq!(
            f(O_NOCTTY | O_LARGEFILE | O_DIRECT | O_NOATIME | O_ASYNC),
            "O_RDONLY|O_NOCTTY|O_ASYNC|O_DIRECT|O_LARGEFILE|O_NOATIME"
        );
        assert_eq!(f(3 | 0x4000_0000), "0x3|0x40000000");
    }

    #[test]
    fn mode_decoder() {
        assert_eq!(val(ArgKind::Mode, 0o644), "0644");
        assert_eq!(val(ArgKind::Mode, 0), "000");
        assert_eq!(val(ArgKind::Mode, 0o7), "007");
        assert_eq!(val(ArgKind::Mode, 0o4755), "04755");
        assert_eq!(
            val(ArgKind::Mode, u64::from(S_IFCHR | 0o600)),
            "S_IFCHR|0600"
        );
        assert_eq!(
            val(ArgKind::Mode, u64::from(S_IFIFO | 0o666)),
            "S_IFIFO|0666"
        );
        assert_eq!(val(ArgKind::Mode, 0o1_000_644), "0644|01000000");
    }

    #[test]
    fn at_flag_decoders() {
        assert_eq!(val(ArgKind::AtFlags, 0), "0");
        assert_eq!(
            val(
                ArgKind::AtFlags,
                u64::from(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)
            ),
            "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH"
        );
        assert_eq!(val(ArgKind::AtFlags, u64::from(AT_EACCESS)), "AT_EACCESS");
        assert_eq!(
            val(
                ArgKind::AtFlags,
                u64::from(AT_SYMLINK_FOLLOW | AT_NO_AUTOMOUNT | AT_STATX_DONT_SYNC | AT_RECURSIVE)
            ),
            "AT_SYMLINK_FOLLOW|AT_NO_AUTOMOUNT|AT_STATX_DONT_SYNC|AT_RECURSIVE"
        );
        assert_eq!(
            val(ArgKind::AtFlags, u64::from(AT_STATX_FORCE_SYNC | 1)),
            "AT_STATX_FORCE_SYNC|0x1"
        );
        assert_eq!(
            val(ArgKind::UnlinkFlags, u64::from(AT_REMOVEDIR)),
            "AT_REMOVEDIR"
        );
        assert_eq!(val(ArgKind::UnlinkFlags, 0), "0");
        assert_eq!(val(ArgKind::UnlinkFlags, 0x201), "AT_REMOVEDIR|0x1");
        assert_eq!(
            val(
                ArgKind::RenameFlags,
                u64::from(RENAME_NOREPLACE | RENAME_WHITEOUT)
            ),
            "RENAME_NOREPLACE|RENAME_WHITEOUT"
        );
        assert_eq!(
            val(ArgKind::RenameFlags, u64::from(RENAME_EXCHANGE)),
            "RENAME_EXCHANGE"
        );
        assert_eq!(val(ArgKind::AccessMode, 0), "F_OK");
        assert_eq!(val(ArgKind::AccessMode, 7), "R_OK|W_OK|X_OK");
        assert_eq!(val(ArgKind::AccessMode, 0x14), "R_OK|0x10");
    }

    #[test]
    fn mmap_decoders() {
        assert_eq!(val(ArgKind::MmapProt, 0), "PROT_NONE");
        assert_eq!(val(ArgKind::MmapProt, 7), "PROT_READ|PROT_WRITE|PROT_EXEC");
        assert_eq!(
            val(
                ArgKind::MmapProt,
                u64::from(PROT_READ | PROT_GROWSDOWN | PROT_SEM)
            ),
            "PROT_READ|PROT_SEM|PROT_GROWSDOWN"
        );
        assert_eq!(val(ArgKind::MmapProt, 0x10), "0x10");
        let f = |v: u32| val(ArgKind::MmapFlags, u64::from(v));
        assert_eq!(f(MAP_SHARED), "MAP_SHARED");
        assert_eq!(
            f(MAP_PRIVATE | MAP_FIXED | MAP_DENYWRITE),
            "MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE"
        );
        assert_eq!(
            f(MAP_SHARED_VALIDATE | MAP_SYNC),
            "MAP_SHARED_VALIDATE|MAP_SYNC"
        );
        assert_eq!(
            f(MAP_PRIVATE
                | MAP_ANONYMOUS
                | MAP_STACK
                | MAP_GROWSDOWN
                | MAP_NORESERVE
                | MAP_POPULATE),
            "MAP_PRIVATE|MAP_ANONYMOUS|MAP_GROWSDOWN|MAP_NORESERVE|MAP_POPULATE|MAP_STACK"
        );
        assert_eq!(
            f(MAP_PRIVATE | MAP_FIXED_NOREPLACE | MAP_32BIT | MAP_LOCKED),
            "MAP_PRIVATE|MAP_32BIT|MAP_LOCKED|MAP_FIXED_NOREPLACE"
        );
        assert_eq!(
            f(MAP_DROPPABLE | MAP_ANONYMOUS),
            "MAP_DROPPABLE|MAP_ANONYMOUS"
        );
        assert_eq!(
            f(MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (21 << MAP_HUGE_SHIFT)),
            "MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|21<<MAP_HUGE_SHIFT"
        );
        assert_eq!(
            f(MAP_PRIVATE | MAP_UNINITIALIZED),
            "MAP_PRIVATE|MAP_UNINITIALIZED"
        );
        assert_eq!(f(0), "0");
        assert_eq!(f(0x5 | 0x200), "0x5|0x200");
        assert_eq!(f(MAP_ANONYMOUS), "MAP_ANONYMOUS");
        assert_eq!(val(ArgKind::MremapFlags, 0), "0");
        assert_eq!(
            val(
                ArgKind::MremapFlags,
                u64::from(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)
            ),
            "MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP"
        );
        assert_eq!(
            val(ArgKind::MadviseAdvice, MADV_DONTNEED as u64),
            "MADV_DONTNEED"
        );
        assert_eq!(
            val(ArgKind::MadviseAdvice, MADV_GUARD_REMOVE as u64),
            "MADV_GUARD_REMOVE"
        );
        assert_eq!(val(ArgKind::MadviseAdvice, 77), "77");
    }

    #[test]
    fn signal_decoders() {
        assert_eq!(val(ArgKind::Signal, 9), "SIGKILL");
        assert_eq!(val(ArgKind::Signal, 1), "SIGHUP");
        assert_eq!(val(ArgKind::Signal, 31), "SIGSYS");
        assert_eq!(val(ArgKind::Signal, 32), "SIGRTMIN");
        assert_eq!(val(ArgKind::Signal, 35), "SIGRT_3");
        assert_eq!(val(ArgKind::Signal, 64), "SIGRT_32");
        assert_eq!(val(ArgKind::Signal, 0), "0");
        assert_eq!(val(ArgKind::Signal, 65), "65");
        assert_eq!(val(ArgKind::SigHow, 0), "SIG_BLOCK");
        assert_eq!(val(ArgKind::SigHow, 1), "SIG_UNBLOCK");
        assert_eq!(val(ArgKind::SigHow, 2), "SIG_SETMASK");
        assert_eq!(val(ArgKind::SigHow, 3), "3");

        let int_term = (1u64 << (SIGINT - 1)) | (1u64 << (SIGTERM - 1));
        let rt = (1u64 << 31) | (1u64 << 32);
        let mem = FakeMem::default()
            .with_u64s(0x1000, &[int_term])
            .with_u64s(0x2000, &[0])
            .with_u64s(0x3000, &[!(1u64 << (SIGKILL - 1))])
            .with_u64s(0x4000, &[rt]);
        let set = |addr| arg(ArgKind::SigSet, [addr, 0, 0, 0, 0, 0], Ok(0), &mem);
        assert_eq!(set(0x1000), "[INT TERM]");
        assert_eq!(set(0x2000), "[]");
        assert_eq!(set(0x3000), "~[KILL]");
        assert_eq!(set(0x4000), "[RTMIN RT_1]");
        assert_eq!(set(0), "NULL");
        assert_eq!(
            call(
                nr::rt_sigprocmask,
                [0, 0x1000, 0x2000, 8, 0, 0],
                Ok(0),
                &mem
            ),
            "rt_sigprocmask(SIG_BLOCK, [INT TERM], [], 8) = 0"
        );
        assert_eq!(
            format_entry(nr::rt_sigprocmask, &[0, 0x1000, 0x2000, 8, 0, 0], &mem),
            "rt_sigprocmask(SIG_BLOCK, [INT TERM]"
        );
        assert_eq!(
            call(nr::kill, [42, 15, 0, 0, 0, 0], Ok(0), &mem),
            "kill(42, SIGTERM) = 0"
        );
        assert_eq!(
            call(nr::rt_sigaction, [17, 0x5000, 0, 8, 0, 0], Ok(0), &mem),
            "rt_sigaction(SIGCHLD, 0x5000, NULL, 8) = 0"
        );
    }

    #[test]
    fn command_decoders() {
        assert_eq!(val(ArgKind::FcntlCmd, u64::from(F_GETFL)), "F_GETFL");
        assert_eq!(
            val(ArgKind::FcntlCmd, u64::from(F_DUPFD_CLOEXEC)),
            "F_DUPFD_CLOEXEC"
        );
        assert_eq!(val(ArgKind::FcntlCmd, 999), "999");
        assert_eq!(val(ArgKind::IoctlCmd, u64::from(TCGETS)), "TCGETS");
        assert_eq!(val(ArgKind::IoctlCmd, u64::from(TIOCGWINSZ)), "TIOCGWINSZ");
        assert_eq!(val(ArgKind::IoctlCmd, u64::from(FIOCLEX)), "FIOCLEX");
        assert_eq!(val(ArgKind::IoctlCmd, u64::from(TIOCGPTN)), "TIOCGPTN");
        assert_eq!(val(ArgKind::IoctlCmd, 0xc020_6600), "0xc0206600");
        assert_eq!(val(ArgKind::ClockId, 1), "CLOCK_MONOTONIC");
        assert_eq!(val(ArgKind::ClockId, 11), "CLOCK_TAI");
        assert_eq!(val(ArgKind::ClockId, (-6i64) as u64), "-6");
        assert_eq!(val(ArgKind::Whence, 0), "SEEK_SET");
        assert_eq!(val(ArgKind::Whence, 4), "SEEK_HOLE");
        assert_eq!(val(ArgKind::Whence, 5), "5");
        assert_eq!(
            val(ArgKind::ArchPrctlCode, ARCH_SET_FS as u64),
            "ARCH_SET_FS"
        );
        assert_eq!(
            val(ArgKind::ArchPrctlCode, ARCH_GET_GS as u64),
            "ARCH_GET_GS"
        );
        assert_eq!(val(ArgKind::ArchPrctlCode, 0x3001), "0x3001");
        assert_eq!(val(ArgKind::PrctlOption, PR_SET_NAME as u64), "PR_SET_NAME");
        assert_eq!(val(ArgKind::PrctlOption, PR_SET_VMA as u64), "PR_SET_VMA");
        assert_eq!(val(ArgKind::PrctlOption, 1000), "1000");
        assert_eq!(
            val(ArgKind::RlimitResource, u64::from(RLIMIT_NOFILE)),
            "RLIMIT_NOFILE"
        );
        assert_eq!(val(ArgKind::RlimitResource, 16), "16");
    }

    #[test]
    fn misc_flag_decoders() {
        assert_eq!(
            val(ArgKind::FutexOp, FUTEX_WAIT_PRIVATE as u64),
            "FUTEX_WAIT_PRIVATE"
        );
        assert_eq!(val(ArgKind::FutexOp, FUTEX_WAKE as u64), "FUTEX_WAKE");
        assert_eq!(
            val(
                ArgKind::FutexOp,
                (FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME) as u64
            ),
            "FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME"
        );
        assert_eq!(val(ArgKind::FutexOp, 99), "99");
        assert_eq!(val(ArgKind::WaitOptions, 0), "0");
        assert_eq!(
            val(ArgKind::WaitOptions, u64::from(WNOHANG | __WALL)),
            "WNOHANG|__WALL"
        );
        assert_eq!(
            val(
                ArgKind::WaitOptions,
                u64::from(WSTOPPED | WEXITED | WCONTINUED | WNOWAIT)
            ),
            "WSTOPPED|WEXITED|WCONTINUED|WNOWAIT"
        );
        assert_eq!(val(ArgKind::GetrandomFlags, 0), "0");
        assert_eq!(
            val(
                ArgKind::GetrandomFlags,
                u64::from(GRND_NONBLOCK | GRND_INSECURE)
            ),
            "GRND_NONBLOCK|GRND_INSECURE"
        );
        assert_eq!(val(ArgKind::GetrandomFlags, 2 | 8), "GRND_RANDOM|0x8");
        assert_eq!(
            val(ArgKind::CloexecFlags, u64::from(O_CLOEXEC)),
            "O_CLOEXEC"
        );
        assert_eq!(
            val(
                ArgKind::CloexecFlags,
                u64::from(O_CLOEXEC | O_NONBLOCK | O_DIRECT)
            ),
            "O_NONBLOCK|O_DIRECT|O_CLOEXEC"
        );
        assert_eq!(val(ArgKind::CloexecFlags, u64::from(EFD_SEMAPHORE)), "0x1");
        assert_eq!(
            val(ArgKind::StatxMask, u64::from(STATX_BASIC_STATS)),
            "STATX_BASIC_STATS"
        );
        assert_eq!(
            val(ArgKind::StatxMask, u64::from(STATX_ALL)),
            "STATX_BASIC_STATS|STATX_BTIME"
        );
        assert_eq!(
            val(
                ArgKind::StatxMask,
                u64::from(STATX_TYPE | STATX_MODE | STATX_MNT_ID_UNIQUE)
            ),
            "STATX_TYPE|STATX_MODE|STATX_MNT_ID_UNIQUE"
        );
        assert_eq!(val(ArgKind::StatxMask, 0x4000_0000), "0x40000000");
    }

    #[test]
    fn clone_flag_decoder() {
        let threads = CLONE_VM
            | CLONE_FS
            | CLONE_FILES
            | CLONE_SIGHAND
            | CLONE_THREAD
            | CLONE_SYSVSEM
            | CLONE_SETTLS
            | CLONE_PARENT_SETTID
            | CLONE_CHILD_CLEARTID;
        assert_eq!(
            val(ArgKind::CloneFlags, threads),
            "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID"
        );
        assert_eq!(
            val(
                ArgKind::CloneFlags,
                CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | 17
            ),
            "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD"
        );
        assert_eq!(
            val(ArgKind::CloneFlags, CLONE_NEWUSER | CLONE_NEWTIME),
            "CLONE_NEWUSER|CLONE_NEWTIME"
        );
        assert_eq!(val(ArgKind::CloneFlags, 0), "0");
        assert_eq!(val(ArgKind::CloneFlags, 1 << 40), "0x10000000000");
    }

    #[test]
    fn memory_decoders() {
        let mem = FakeMem::default()
            .with(0x1000, b"ls\0")
            .with(0x1100, b"-l\0")
            .with_u64s(0x2000, &[0x1000, 0x1100, 0])
            .with_u64s(0x3000, &[0x1000, BAD, 0])
            .with_u64s(0x4000, &[0x1000]) // no terminating NULL readable
            .with_u64s(0x5000, &[5, 999_999_999])
            .with_u64s(0x6000, &[0x1000, 2, 0x1100, 3])
            .with(0x7000, b"\0\0");
        let f = |kind: ArgKind, addr: u64| arg(kind, [addr, 2, 0, 0, 0, 0], Ok(0), &mem);
        assert_eq!(f(ArgKind::StrArray, 0x2000), "[\"ls\", \"-l\"]");
        assert_eq!(f(ArgKind::StrArray, 0x3000), "[\"ls\", 0xdead0000]");
        assert_eq!(f(ArgKind::StrArray, 0x4000), "[\"ls\", ...]");
        assert_eq!(f(ArgKind::StrArray, 0), "NULL");
        assert_eq!(
            f(ArgKind::Timespec, 0x5000),
            "{tv_sec=5, tv_nsec=999999999}"
        );
        assert_eq!(f(ArgKind::Timespec, 0), "NULL");
        assert_eq!(
            f(ArgKind::Iovec(1), 0x6000),
            "[{iov_base=\"ls\", iov_len=2}, {iov_base=\"-l\\0\", iov_len=3}]"
        );
        assert_eq!(
            arg(ArgKind::Iovec(1), [0x6000, 1000, 0, 0, 0, 0], Ok(0), &mem)
                .matches("iov_base")
                .count(),
            0 // 16 entries do not fit the mapping: the pointer is shown
        );
        assert_eq!(f(ArgKind::OutPath, 0x1100), "\"-l\"");
        assert_eq!(
            arg(
                ArgKind::OutPath,
                [0x1100, 0, 0, 0, 0, 0],
                Err(Errno::ERANGE),
                &mem
            ),
            "0x1100"
        );

        // readv: the 3 bytes returned fill the first buffer, then one of the second.
        assert_eq!(
            call(nr::readv, [0, 0x6000, 2, 0, 0, 0], Ok(3), &mem),
            "readv(0, [{iov_base=\"ls\", iov_len=2}, {iov_base=\"-\", iov_len=3}], 2) = 3"
        );
        assert_eq!(
            format_entry(nr::readv, &[0, 0x6000, 2, 0, 0, 0], &mem),
            "readv(0"
        );
        assert_eq!(
            call(nr::readv, [0, 0x6000, 2, 0, 0, 0], Err(Errno::EINTR), &mem),
            "readv(0, 0x6000, 2) = -1 EINTR (Interrupted system call)"
        );
        assert_eq!(
            call(nr::clock_gettime, [1, 0x5000, 0, 0, 0, 0], Ok(0), &mem),
            "clock_gettime(CLOCK_MONOTONIC, {tv_sec=5, tv_nsec=999999999}) = 0"
        );
        assert_eq!(
            call(
                nr::execve,
                [0x1000, 0x2000, 0, 0, 0, 0],
                Err(Errno::ENOENT),
                &mem
            ),
            "execve(\"ls\", [\"ls\", \"-l\"], NULL) = -1 ENOENT (No such file or directory)"
        );
        assert_eq!(
            call(nr::getrandom, [0x7000, 2, 1, 0, 0, 0], Ok(2), &mem),
            "getrandom(\"\\0\\0\", 2, GRND_NONBLOCK) = 2"
        );
    }

    #[test]
    fn long_arrays_are_cut() {
        let mut words = vec![0x1000u64; ARRAY_LIMIT + 5];
        words.push(0);
        let iov: Vec<u64> = (0..IOVEC_LIMIT + 2).flat_map(|_| [0x1000u64, 1]).collect();
        let mem = FakeMem::default()
            .with(0x1000, b"x\0")
            .with_u64s(0x2000, &words)
            .with_u64s(0x8000, &iov);
        let argv = arg(ArgKind::StrArray, [0x2000, 0, 0, 0, 0, 0], Ok(0), &mem);
        assert_eq!(argv.matches("\"x\"").count(), ARRAY_LIMIT);
        assert!(argv.ends_with(", ...]"), "{argv}");
        let iovs = arg(
            ArgKind::Iovec(1),
            [0x8000, (IOVEC_LIMIT + 2) as u64, 0, 0, 0, 0],
            Ok(0),
            &mem,
        );
        assert_eq!(iovs.matches("iov_len=1").count(), IOVEC_LIMIT);
        assert!(iovs.ends_with(", ...]"), "{iovs}");
    }

    /// Every row formats with hostile arguments without panicking, shows
    /// its name and as many arguments as it declares.
    #[test]
    fn every_row_formats() {
        let mem = FakeMem::default()
            .with(0x1000, &[0xffu8; 64])
            .with_u64s(0x2000, &[u64::MAX; 8]);
        let arg_sets = [
            [0u64; 6],
            [u64::MAX; 6],
            [0x1000; 6],
            [0x2000, 0x1000, 0x2000, 0x1000, 0x2000, 0x1000],
            [BAD; 6],
        ];
        for row in TABLE {
            for args in &arg_sets {
                for ret in [Ok(0), Ok(u64::MAX), Err(Errno::EFAULT)] {
                    let line = format_call(u64::from(row.nr), args, ret, &mem);
                    assert!(line.starts_with(&format!("{}(", row.name)), "{line}");
                    assert!(line.contains(") = "), "{line}");
                }
            }
        }
    }
}
