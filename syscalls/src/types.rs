//! `#[repr(C)]` structs with the exact x86-64 kernel layout, for copying to
//! and from application memory with `bytemuck::bytes_of` /
//! `bytemuck::pod_read_unaligned`.
//!
//! Every struct is `Pod`: padding the C compiler would insert is spelled
//! out as `_pad*` fields (zero them), and each size is checked at compile
//! time against the kernel's. Field names are the kernel's, except where
//! the short names (`Rlimit::cur`, `Iovec::base`, `KernelSigaction::mask`)
//! were agreed across crates.

use bytemuck::{Pod, Zeroable};
use std::mem::size_of;

use crate::consts::NCCS;

/// `struct timespec` (`__kernel_timespec` on x86-64).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct Timespec {
    pub tv_sec: i64,
    pub tv_nsec: i64,
}
const _: () = assert!(size_of::<Timespec>() == 16);

/// `struct timeval` (`__kernel_old_timeval`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct Timeval {
    pub tv_sec: i64,
    pub tv_usec: i64,
}
const _: () = assert!(size_of::<Timeval>() == 16);

/// `struct timezone`, the obsolete second argument of gettimeofday(2).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct Timezone {
    pub tz_minuteswest: i32,
    pub tz_dsttime: i32,
}
const _: () = assert!(size_of::<Timezone>() == 8);

/// `struct itimerspec` (timer_settime(2), timerfd_settime(2)).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct Itimerspec {
    pub it_interval: Timespec,
    pub it_value: Timespec,
}
const _: () = assert!(size_of::<Itimerspec>() == 32);

/// `struct itimerval` (setitimer(2)).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct Itimerval {
    pub it_interval: Timeval,
    pub it_value: Timeval,
}
const _: () = assert!(size_of::<Itimerval>() == 32);

/// The kernel's `struct stat` on x86-64 (`asm/stat.h`), filled by stat(2),
/// fstat(2), lstat(2) and newfstatat(2).
///
/// The kernel declares the time fields `unsigned long`; they are `i64`
/// here as in glibc's `time_t`, which has the same layout.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct Stat {
    pub st_dev: u64,
    pub st_ino: u64,
    pub st_nlink: u64,
    pub st_mode: u32,
    pub st_uid: u32,
    pub st_gid: u32,
    pub _pad0: u32,
    pub st_rdev: u64,
    pub st_size: i64,
    pub st_blksize: i64,
    /// Number of 512-byte blocks allocated.
    pub st_blocks: i64,
    pub st_atime: i64,
    pub st_atime_nsec: i64,
    pub st_mtime: i64,
    pub st_mtime_nsec: i64,
    pub st_ctime: i64,
    pub st_ctime_nsec: i64,
    pub _unused: [i64; 3],
}
const _: () = assert!(size_of::<Stat>() == 144);

/// `struct statx_timestamp`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct StatxTimestamp {
    pub tv_sec: i64,
    pub tv_nsec: u32,
    pub _reserved: i32,
}
const _: () = assert!(size_of::<StatxTimestamp>() == 16);

/// `struct statx` (`linux/stat.h`, as of Linux 6.16), filled by statx(2).
/// Fields whose `STATX_*` bit is not set in `stx_mask` must be zero.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct Statx {
    pub stx_mask: u32,
    pub stx_blksize: u32,
    pub stx_attributes: u64,
    pub stx_nlink: u32,
    pub stx_uid: u32,
    pub stx_gid: u32,
    pub stx_mode: u16,
    pub _spare0: u16,
    pub stx_ino: u64,
    pub stx_size: u64,
    pub stx_blocks: u64,
    pub stx_attributes_mask: u64,
    pub stx_atime: StatxTimestamp,
    pub stx_btime: StatxTimestamp,
    pub stx_ctime: StatxTimestamp,
    pub stx_mtime: StatxTimestamp,
    pub stx_rdev_major: u32,
    pub stx_rdev_minor: u32,
    pub stx_dev_major: u32,
    pub stx_dev_minor: u32,
    pub stx_mnt_id: u64,
    pub stx_dio_mem_align: u32,
    pub stx_dio_offset_align: u32,
    pub stx_subvol: u64,
    pub stx_atomic_write_unit_min: u32,
    pub stx_atomic_write_unit_max: u32,
    pub stx_atomic_write_segments_max: u32,
    pub stx_dio_read_offset_align: u32,
    pub stx_atomic_write_unit_max_opt: u32,
    pub _spare2: u32,
    pub _spare3: [u64; 8],
}
const _: () = assert!(size_of::<Statx>() == 256);

/// `struct statfs` on x86-64 (`asm-generic/statfs.h` with 64-bit words),
/// filled by statfs(2) and fstatfs(2).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct Statfs {
    pub f_type: i64,
    pub f_bsize: i64,
    pub f_blocks: u64,
    pub f_bfree: u64,
    pub f_bavail: u64,
    pub f_files: u64,
    pub f_ffree: u64,
    pub f_fsid: [i32; 2],
    pub f_namelen: i64,
    pub f_frsize: i64,
    pub f_flags: i64,
    pub f_spare: [i64; 4],
}
const _: () = assert!(size_of::<Statfs>() == 120);

/// Length of each `Utsname` field, including the NUL.
pub const UTSNAME_FIELD_LEN: usize = 65;

/// `struct new_utsname`, filled by uname(2): six NUL-terminated strings.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct Utsname {
    pub sysname: [u8; UTSNAME_FIELD_LEN],
    pub nodename: [u8; UTSNAME_FIELD_LEN],
    pub release: [u8; UTSNAME_FIELD_LEN],
    pub version: [u8; UTSNAME_FIELD_LEN],
    pub machine: [u8; UTSNAME_FIELD_LEN],
    pub domainname: [u8; UTSNAME_FIELD_LEN],
}
const _: () = assert!(size_of::<Utsname>() == 6 * 65);

impl Utsname {
    /// `s` as a field: truncated to 64 bytes, NUL-padded.
    pub fn field(s: &str) -> [u8; UTSNAME_FIELD_LEN] {
        let mut out = [0u8; UTSNAME_FIELD_LEN];
        let n = s.len().min(UTSNAME_FIELD_LEN - 1);
        out[..n].copy_from_slice(&s.as_bytes()[..n]);
        out
    }
}

impl Default for Utsname {
    fn default() -> Self {
        Zeroable::zeroed()
    }
}

/// `struct sysinfo`, filled by sysinfo(2).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct Sysinfo {
    /// Seconds since boot.
    pub uptime: i64,
    /// 1, 5 and 15 minute load averages, scaled by `1 << 16`.
    pub loads: [u64; 3],
    pub totalram: u64,
    pub freeram: u64,
    pub sharedram: u64,
    pub bufferram: u64,
    pub totalswap: u64,
    pub freeswap: u64,
    pub procs: u16,
    pub pad: u16,
    pub _pad1: u32,
    pub totalhigh: u64,
    pub freehigh: u64,
    /// Unit of the memory sizes, in bytes.
    pub mem_unit: u32,
    /// The kernel's `_f[0]` plus the tail padding to 8 bytes.
    pub _f: u32,
}
const _: () = assert!(size_of::<Sysinfo>() == 112);

/// `struct rlimit64` (prlimit64(2); getrlimit(2) has the same layout on x86-64).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct Rlimit {
    /// Soft limit (`rlim_cur`).
    pub cur: u64,
    /// Hard limit (`rlim_max`).
    pub max: u64,
}
const _: () = assert!(size_of::<Rlimit>() == 16);

/// `struct iovec` (readv(2), writev(2), ...).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct Iovec {
    /// `iov_base`: application address.
    pub base: u64,
    /// `iov_len`: length in bytes.
    pub len: u64,
}
const _: () = assert!(size_of::<Iovec>() == 16);

/// `struct tms`, filled by times(2); in clock ticks.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct Tms {
    pub tms_utime: i64,
    pub tms_stime: i64,
    pub tms_cutime: i64,
    pub tms_cstime: i64,
}
const _: () = assert!(size_of::<Tms>() == 32);

/// `struct rusage` (getrusage(2), wait4(2)).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct Rusage {
    pub ru_utime: Timeval,
    pub ru_stime: Timeval,
    pub ru_maxrss: i64,
    pub ru_ixrss: i64,
    pub ru_idrss: i64,
    pub ru_isrss: i64,
    pub ru_minflt: i64,
    pub ru_majflt: i64,
    pub ru_nswap: i64,
    pub ru_inblock: i64,
    pub ru_oublock: i64,
    pub ru_msgsnd: i64,
    pub ru_msgrcv: i64,
    pub ru_nsignals: i64,
    pub ru_nvcsw: i64,
    pub ru_nivcsw: i64,
}
const _: () = assert!(size_of::<Rusage>() == 144);

/// `struct winsize` (`TIOCGWINSZ`, `TIOCSWINSZ`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct Winsize {
    pub ws_row: u16,
    pub ws_col: u16,
    pub ws_xpixel: u16,
    pub ws_ypixel: u16,
}
const _: () = assert!(size_of::<Winsize>() == 8);

/// The kernel's `struct termios` (`TCGETS`, `TCSETS*`), which is not glibc's:
/// 19 control characters and no speed fields.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct Termios {
    pub c_iflag: u32,
    pub c_oflag: u32,
    pub c_cflag: u32,
    pub c_lflag: u32,
    pub c_line: u8,
    pub c_cc: [u8; NCCS],
}
const _: () = assert!(size_of::<Termios>() == 36);

/// The `struct sigaction` that rt_sigaction(2) takes on x86-64
/// (`struct kernel_sigaction`; glibc's user-space struct differs).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct KernelSigaction {
    /// `sa_handler`/`sa_sigaction`, or `SIG_DFL`/`SIG_IGN`.
    pub handler: u64,
    /// `SA_*` flags.
    pub flags: u64,
    /// `sa_restorer`: where the handler returns to (calls rt_sigreturn).
    pub restorer: u64,
    /// Signals blocked while the handler runs; bit `n - 1` is signal `n`.
    pub mask: u64,
}
const _: () = assert!(size_of::<KernelSigaction>() == 32);

/// `stack_t` (sigaltstack(2)).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct StackT {
    pub ss_sp: u64,
    pub ss_flags: i32,
    pub _pad0: u32,
    pub ss_size: u64,
}
const _: () = assert!(size_of::<StackT>() == 24);

/// `siginfo_t`: 128 bytes, of which the first 16 are common and the rest a
/// union whose shape depends on `si_code` and the signal. `fields` is that
/// union as 8-byte words; the constructors place the members where the
/// kernel does.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct Siginfo {
    pub si_signo: i32,
    pub si_errno: i32,
    pub si_code: i32,
    pub _pad0: i32,
    pub fields: [u64; 14],
}
const _: () = assert!(size_of::<Siginfo>() == 128);

/// `si_code` of a signal sent by kill(2).
pub const SI_USER: i32 = 0;
/// `si_code` of a signal sent by the kernel.
pub const SI_KERNEL: i32 = 0x80;
/// `si_code` of a signal sent by sigqueue(3).
pub const SI_QUEUE: i32 = -1;
/// `si_code` of a signal sent by tkill(2)/tgkill(2).
pub const SI_TKILL: i32 = -6;

fn pid_uid_word(pid: i32, uid: u32) -> u64 {
    (pid as u32 as u64) | ((uid as u64) << 32)
}

impl Siginfo {
    /// `_kill` layout: `si_pid` at offset 16, `si_uid` at 20 (kill, tkill, SI_USER).
    pub fn kill(signo: i32, code: i32, pid: i32, uid: u32) -> Siginfo {
        let mut info = Siginfo {
            si_signo: signo,
            si_code: code,
            ..Siginfo::default()
        };
        info.fields[0] = pid_uid_word(pid, uid);
        info
    }

    /// `_sigchld` layout: `si_pid`, `si_uid`, `si_status` at 24,
    /// `si_utime` at 32, `si_stime` at 40 (clock ticks).
    pub fn sigchld(code: i32, pid: i32, uid: u32, status: i32, utime: i64, stime: i64) -> Siginfo {
        let mut info = Siginfo {
            si_signo: crate::consts::SIGCHLD,
            si_code: code,
            ..Siginfo::default()
        };
        info.fields[0] = pid_uid_word(pid, uid);
        info.fields[1] = status as u32 as u64;
        info.fields[2] = utime as u64;
        info.fields[3] = stime as u64;
        info
    }

    /// `_sigfault` layout: `si_addr` at offset 16 (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP).
    pub fn fault(signo: i32, code: i32, addr: u64) -> Siginfo {
        let mut info = Siginfo {
            si_signo: signo,
            si_code: code,
            ..Siginfo::default()
        };
        info.fields[0] = addr;
        info
    }

    /// Whether the kernel raised this for a fault of the task itself
    /// (SEGV_*, BUS_*, FPE_*, ILL_*, TRAP_* codes, or SI_KERNEL).
    pub fn is_fault(&self) -> bool {
        const SIGILL: i32 = 4;
        const SIGTRAP: i32 = 5;
        const SIGBUS: i32 = 7;
        const SIGFPE: i32 = 8;
        const SIGSEGV: i32 = 11;
        self.si_code > 0 && matches!(self.si_signo, SIGILL | SIGTRAP | SIGBUS | SIGFPE | SIGSEGV)
    }

    /// `si_pid` of the `_kill`, `_rt` and `_sigchld` layouts.
    pub fn pid(&self) -> i32 {
        self.fields[0] as u32 as i32
    }

    /// `si_uid` of the `_kill`, `_rt` and `_sigchld` layouts.
    pub fn uid(&self) -> u32 {
        (self.fields[0] >> 32) as u32
    }

    /// `si_addr` of the `_sigfault` layout.
    pub fn addr(&self) -> u64 {
        self.fields[0]
    }
}

/// `struct flock` (fcntl(2) `F_GETLK`, `F_SETLK`, `F_SETLKW`, `F_OFD_*`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct Flock {
    pub l_type: i16,
    pub l_whence: i16,
    pub _pad0: u32,
    pub l_start: i64,
    pub l_len: i64,
    pub l_pid: i32,
    pub _pad1: u32,
}
const _: () = assert!(size_of::<Flock>() == 32);

/// `struct epoll_event`, which is packed on x86-64 (and only there).
#[repr(C, packed)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct EpollEvent {
    pub events: u32,
    pub data: u64,
}
const _: () = assert!(size_of::<EpollEvent>() == 12);

/// `struct pollfd` (poll(2), ppoll(2)).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct Pollfd {
    pub fd: i32,
    pub events: i16,
    pub revents: i16,
}
const _: () = assert!(size_of::<Pollfd>() == 8);

/// `struct robust_list_head` (set_robust_list(2)).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct RobustListHead {
    /// Address of the first entry; the list is circular through this head.
    pub list: u64,
    /// Offset from an entry to its futex word.
    pub futex_offset: i64,
    /// Entry being locked or unlocked right now, if any.
    pub list_op_pending: u64,
}
const _: () = assert!(size_of::<RobustListHead>() == 24);

/// `struct clone_args` (clone3(2)), as of `CLONE_ARGS_SIZE_VER2`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct CloneArgs {
    pub flags: u64,
    pub pidfd: u64,
    pub child_tid: u64,
    pub parent_tid: u64,
    pub exit_signal: u64,
    pub stack: u64,
    pub stack_size: u64,
    pub tls: u64,
    pub set_tid: u64,
    pub set_tid_size: u64,
    pub cgroup: u64,
}
const _: () = assert!(size_of::<CloneArgs>() == 88);

/// `struct open_how` (openat2(2)).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct OpenHow {
    pub flags: u64,
    pub mode: u64,
    pub resolve: u64,
}
const _: () = assert!(size_of::<OpenHow>() == 24);

/// `struct sockaddr_un`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct SockaddrUn {
    pub sun_family: u16,
    pub sun_path: [u8; 108],
}
const _: () = assert!(size_of::<SockaddrUn>() == 110);

impl Default for SockaddrUn {
    fn default() -> Self {
        Zeroable::zeroed()
    }
}

/// `struct sockaddr_in`; port and address in network byte order.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct SockaddrIn {
    pub sin_family: u16,
    pub sin_port: u16,
    pub sin_addr: [u8; 4],
    pub sin_zero: [u8; 8],
}
const _: () = assert!(size_of::<SockaddrIn>() == 16);

/// `struct sockaddr_in6`; port in network byte order.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct SockaddrIn6 {
    pub sin6_family: u16,
    pub sin6_port: u16,
    pub sin6_flowinfo: u32,
    pub sin6_addr: [u8; 16],
    pub sin6_scope_id: u32,
}
const _: () = assert!(size_of::<SockaddrIn6>() == 28);

/// Size of the fixed part of a `struct linux_dirent64`: `d_ino` (8),
/// `d_off` (8), `d_reclen` (2), `d_type` (1); the name follows.
pub const DIRENT64_HEADER_LEN: usize = 19;

/// Length of the getdents64(2) record for a name of `name_len` bytes: the
/// header, the name, its NUL, rounded up to 8 bytes.
pub const fn dirent64_reclen(name_len: usize) -> usize {
    (DIRENT64_HEADER_LEN + name_len + 1 + 7) & !7
}

/// Appends one `struct linux_dirent64` record to `buf`, as getdents64(2)
/// returns it, and returns its length (`d_reclen`).
///
/// `name` must not contain NUL and is at most `NAME_MAX` bytes (any Linux
/// file name is); the record is NUL-terminated and zero-padded to a
/// multiple of 8. Callers check that the record fits the application's
/// buffer with [`dirent64_reclen`] first.
pub fn push_dirent64(buf: &mut Vec<u8>, ino: u64, off: i64, d_type: u8, name: &[u8]) -> usize {
    debug_assert!(!name.contains(&0), "dirent name with a NUL");
    debug_assert!(
        name.len() <= crate::consts::NAME_MAX,
        "dirent name too long"
    );
    let reclen = dirent64_reclen(name.len());
    buf.reserve(reclen);
    buf.extend_from_slice(&ino.to_ne_bytes());
    buf.extend_from_slice(&off.to_ne_bytes());
    // A name of at most NAME_MAX bytes keeps reclen far below u16::MAX.
    buf.extend_from_slice(&(reclen as u16).to_ne_bytes());
    buf.push(d_type);
    buf.extend_from_slice(name);
    let padding = reclen - DIRENT64_HEADER_LEN - name.len();
    buf.resize(buf.len() + padding, 0);
    reclen
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::offset_of;

    #[test]
    fn struct_sizes() {
        assert_eq!(size_of::<Stat>(), 144);
        assert_eq!(size_of::<Statx>(), 256);
        assert_eq!(size_of::<StatxTimestamp>(), 16);
        assert_eq!(size_of::<Timespec>(), 16);
        assert_eq!(size_of::<Timeval>(), 16);
        assert_eq!(size_of::<Timezone>(), 8);
        assert_eq!(size_of::<Utsname>(), 390);
        assert_eq!(size_of::<Sysinfo>(), 112);
        assert_eq!(size_of::<Rlimit>(), 16);
        assert_eq!(size_of::<Iovec>(), 16);
        assert_eq!(size_of::<Tms>(), 32);
        assert_eq!(size_of::<Rusage>(), 144);
        assert_eq!(size_of::<Winsize>(), 8);
        assert_eq!(size_of::<Termios>(), 36);
        assert_eq!(size_of::<KernelSigaction>(), 32);
        assert_eq!(size_of::<Statfs>(), 120);
        assert_eq!(size_of::<Flock>(), 32);
        assert_eq!(size_of::<EpollEvent>(), 12);
        assert_eq!(size_of::<Siginfo>(), 128);
    }

    /// Offsets printed by gcc's `offsetof` for the x86-64 uapi headers.
    #[test]
    fn field_offsets_match_the_kernel() {
        assert_eq!(offset_of!(Stat, st_mode), 24);
        assert_eq!(offset_of!(Stat, st_rdev), 40);
        assert_eq!(offset_of!(Stat, st_size), 48);
        assert_eq!(offset_of!(Stat, st_atime), 72);
        assert_eq!(offset_of!(Stat, st_ctime_nsec), 112);
        assert_eq!(offset_of!(Statx, stx_mode), 28);
        assert_eq!(offset_of!(Statx, stx_ino), 32);
        assert_eq!(offset_of!(Statx, stx_atime), 64);
        assert_eq!(offset_of!(Statx, stx_mtime), 112);
        assert_eq!(offset_of!(Statx, stx_rdev_major), 128);
        assert_eq!(offset_of!(Statx, stx_mnt_id), 144);
        assert_eq!(offset_of!(Statx, stx_subvol), 160);
        assert_eq!(offset_of!(Statx, stx_dio_read_offset_align), 180);
        assert_eq!(offset_of!(Statx, _spare3), 192);
        assert_eq!(offset_of!(Statfs, f_fsid), 56);
        assert_eq!(offset_of!(Statfs, f_namelen), 64);
        assert_eq!(offset_of!(Statfs, f_spare), 88);
        assert_eq!(offset_of!(Sysinfo, procs), 80);
        assert_eq!(offset_of!(Sysinfo, totalhigh), 88);
        assert_eq!(offset_of!(Sysinfo, mem_unit), 104);
        assert_eq!(offset_of!(Utsname, machine), 260);
        assert_eq!(offset_of!(Rusage, ru_maxrss), 32);
        assert_eq!(offset_of!(Rusage, ru_nivcsw), 136);
        assert_eq!(offset_of!(Termios, c_line), 16);
        assert_eq!(offset_of!(Termios, c_cc), 17);
        assert_eq!(offset_of!(Flock, l_start), 8);
        assert_eq!(offset_of!(Flock, l_pid), 24);
        assert_eq!(offset_of!(EpollEvent, data), 4);
        assert_eq!(offset_of!(StackT, ss_size), 16);
        assert_eq!(offset_of!(SockaddrIn6, sin6_scope_id), 24);
    }

    #[test]
    fn siginfo_members_sit_where_the_kernel_puts_them() {
        let info = Siginfo::kill(15, SI_USER, 42, 1000);
        let bytes = bytemuck::bytes_of(&info);
        assert_eq!(&bytes[0..4], &15i32.to_ne_bytes());
        assert_eq!(&bytes[8..12], &SI_USER.to_ne_bytes());
        assert_eq!(&bytes[16..20], &42i32.to_ne_bytes());
        assert_eq!(&bytes[20..24], &1000u32.to_ne_bytes());
        assert_eq!((info.pid(), info.uid()), (42, 1000));

        let chld = Siginfo::sigchld(1, -7, 0, 3, 10, 20);
        let bytes = bytemuck::bytes_of(&chld);
        assert_eq!(&bytes[16..20], &(-7i32).to_ne_bytes());
        assert_eq!(&bytes[24..28], &3i32.to_ne_bytes());
        assert_eq!(&bytes[32..40], &10i64.to_ne_bytes());
        assert_eq!(&bytes[40..48], &20i64.to_ne_bytes());
        assert_eq!(chld.pid(), -7);

        let fault = Siginfo::fault(11, 1, 0xdead_beef);
        assert_eq!(
            &bytemuck::bytes_of(&fault)[16..24],
            &0xdead_beefu64.to_ne_bytes()
        );
        assert_eq!(fault.addr(), 0xdead_beef);
    }

    #[test]
    fn pod_round_trip() {
        let st = Stat {
            st_ino: 7,
            st_mode: 0o100644,
            st_size: 12,
            ..Stat::default()
        };
        let bytes = bytemuck::bytes_of(&st).to_vec();
        assert_eq!(bytes.len(), 144);
        let back: Stat = bytemuck::pod_read_unaligned(&bytes);
        assert_eq!(back, st);

        let ev = EpollEvent {
            events: 1,
            data: 0x1122_3344_5566_7788,
        };
        let bytes = bytemuck::bytes_of(&ev);
        assert_eq!(&bytes[4..12], &0x1122_3344_5566_7788u64.to_ne_bytes());
    }

    #[test]
    fn utsname_fields_are_nul_terminated() {
        let f = Utsname::field("Linux");
        assert_eq!(&f[..6], b"Linux\0");
        let long = "x".repeat(100);
        let f = Utsname::field(&long);
        assert_eq!(f[63], b'x');
        assert_eq!(f[64], 0);
        assert_eq!(Utsname::default().sysname, [0; 65]);
    }

    #[test]
    fn dirent64_record_matches_hand_built() {
        let mut buf = vec![0xaa]; // records append after what is there
        let len = push_dirent64(&mut buf, 0x0102_0304_0506_0708, 42, 4, b"etc");
        // 19 header + 3 name + 1 NUL = 23, rounded up to 24.
        assert_eq!(len, 24);
        let mut want = vec![0xaa];
        want.extend_from_slice(&0x0102_0304_0506_0708u64.to_le_bytes());
        want.extend_from_slice(&42i64.to_le_bytes());
        want.extend_from_slice(&24u16.to_le_bytes());
        want.push(4); // DT_DIR
        want.extend_from_slice(b"etc\0");
        want.push(0); // padding to 8
        assert_eq!(buf, want);

        // A name that leaves exactly room for the NUL: 19 + 4 + 1 = 24.
        let mut buf = Vec::new();
        assert_eq!(push_dirent64(&mut buf, 1, 1, 8, b"abcd"), 24);
        assert_eq!(&buf[19..24], b"abcd\0");
        // One more byte needs a new 8-byte block.
        assert_eq!(push_dirent64(&mut buf, 2, 2, 8, b"abcde"), 32);
        assert_eq!(buf.len(), 56);
        assert_eq!(u16::from_le_bytes([buf[24 + 16], buf[24 + 17]]), 32);
        assert_eq!(dirent64_reclen(0), 24);
        assert_eq!(dirent64_reclen(255), 280);
    }
}
