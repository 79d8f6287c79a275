//! The stub: the only code of a stub process other than the application's.
//!
//! A stub process is an address space for the application. It is made from a
//! template process that the platform forks once from the sentry: the forked
//! child closes every file descriptor but the memory file's, installs the stub
//! seccomp filter, maps the stub page at [`STUB_BASE`], jumps there, and the
//! stub code unmaps everything else. New address spaces are `clone`s of the
//! template (injected by its tracer), new stub threads `clone`s of a process's
//! first thread, so they inherit nothing of the sentry.
//!
//! Entry points (offsets into the stub page):
//! - `ENTRY`: first code of the template, `rdi` = STUB_BASE, `rsi` = end of the
//!   stub region, `rdx` = length from there to the top of the address space.
//! - `LOOP`: `pause()` forever; threads wait here to be seized.
//! - `INJECT`: `syscall; int3` — the tracer sets the registers, continues, and
//!   reads the result at the SIGTRAP stop that follows.
//! - `CLONE`: like INJECT, but the new child (rax == 0) goes to LOOP.

use std::sync::OnceLock;

use seccompiler::{BpfProgram, SeccompAction, SeccompFilter, TargetArch};

/// Where the stub page lives in every stub process. Everything the application
/// may map is below it. Above `mmap_base` of any host process, so the stub
/// never lands on the stack or code of the thread that forks the template.
pub const STUB_BASE: u64 = 0x7fff_fffe_0000;
/// End of the region reserved for the stub (one page used).
pub const STUB_END: u64 = STUB_BASE + 0x1_0000;
/// Top of a host user address space with 4-level paging (TASK_SIZE).
pub const TASK_SIZE: u64 = 0x7fff_ffff_f000;

std::arch::global_asm!(
    ".pushsection .rodata.rvisor_stub,\"a\"",
    ".balign 16",
    ".globl rvisor_stub_start",
    "rvisor_stub_start:",
    // ENTRY: munmap(0, STUB_BASE); munmap(stub_end, len_above).
    "mov r12, rsi",
    "mov r13, rdx",
    "mov rsi, rdi",
    "xor edi, edi",
    "mov eax, 11",
    "syscall",
    "mov rdi, r12",
    "mov rsi, r13",
    "mov eax, 11",
    "syscall",
    ".globl rvisor_stub_loop",
    "rvisor_stub_loop:",
    "mov eax, 34",
    "syscall",
    "jmp rvisor_stub_loop",
    ".balign 16",
    ".globl rvisor_stub_inject",
    "rvisor_stub_inject:",
    "syscall",
    "int3",
    ".balign 16",
    ".globl rvisor_stub_clone",
    "rvisor_stub_clone:",
    "syscall",
    "test rax, rax",
    "jz rvisor_stub_loop",
    "int3",
    ".globl rvisor_stub_end",
    "rvisor_stub_end:",
    ".popsection",
);

extern "C" {
    static rvisor_stub_start: u8;
    static rvisor_stub_loop: u8;
    static rvisor_stub_inject: u8;
    static rvisor_stub_clone: u8;
    static rvisor_stub_end: u8;
}

/// The stub code and the offsets of its entry points.
pub(crate) struct StubCode {
    pub bytes: &'static [u8],
    pub loop_off: u64,
    pub inject_off: u64,
    pub clone_off: u64,
}

pub(crate) fn code() -> &'static StubCode {
    static CODE: OnceLock<StubCode> = OnceLock::new();
    CODE.get_or_init(|| {
        // SAFETY: the symbols are labels inside one read-only blob emitted by
        // the global_asm! above; we only take their addresses and read the
        // bytes between start and end, which the assembler placed contiguously.
        unsafe {
            let start = &raw const rvisor_stub_start as usize;
            let end = &raw const rvisor_stub_end as usize;
            let at = |p: *const u8| (p as usize - start) as u64;
            StubCode {
                bytes: std::slice::from_raw_parts(start as *const u8, end - start),
                loop_off: at(&raw const rvisor_stub_loop),
                inject_off: at(&raw const rvisor_stub_inject),
                clone_off: at(&raw const rvisor_stub_clone),
            }
        }
    })
}

/// Host syscalls a stub may make by itself (its own entry code) or when the
/// sentry injects them. Application syscalls never reach this filter: under
/// PTRACE_SYSEMU the host skips both the syscall and seccomp. The filter only
/// matters if the stub ever runs untraced.
fn allowed_syscalls() -> [(i64, &'static str); 9] {
    [
        (libc::SYS_mmap, "map the memory file into the address space"),
        (libc::SYS_munmap, "unmap application memory; stub entry"),
        (
            libc::SYS_mprotect,
            "change protection of application memory",
        ),
        (libc::SYS_clone, "new stub processes and stub threads"),
        (libc::SYS_pause, "idle loop while waiting to be traced"),
        (libc::SYS_exit, "stub thread exit when its tracer is done"),
        (libc::SYS_exit_group, "stub process exit"),
        (libc::SYS_madvise, "release application memory"),
        (libc::SYS_getpid, "harmless, used by tests"),
    ]
}

pub(crate) fn seccomp_program() -> Result<BpfProgram, String> {
    let rules = allowed_syscalls()
        .iter()
        .map(|&(nr, _why)| (nr, vec![]))
        .collect();
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::KillProcess,
        SeccompAction::Allow,
        TargetArch::x86_64,
    )
    .map_err(|e| e.to_string())?;
    filter
        .try_into()
        .map_err(|e: seccompiler::BackendError| e.to_string())
}

extern "C" {
    /// Offset of the registered rseq area from the thread pointer (glibc ≥ 2.35).
    static __rseq_offset: isize;
    /// Size of the registered rseq area, 0 if glibc did not register one.
    static __rseq_size: u32;
}

const RSEQ_FLAG_UNREGISTER: u64 = 1;
const RSEQ_SIG: u64 = 0x5305_3053;

/// Undoes glibc's rseq registration for the calling thread.
///
/// # Safety
/// Async-signal-safe; only for the forked template child.
unsafe fn unregister_rseq() {
    // SAFETY: glibc defines both symbols; reading them is a plain load.
    let (offset, size) = unsafe { (__rseq_offset, __rseq_size) };
    if size == 0 {
        return;
    }
    let tp: u64;
    // SAFETY: on x86-64 glibc, %fs:0 holds the thread pointer itself.
    unsafe { std::arch::asm!("mov {}, fs:0", out(reg) tp, options(nostack, readonly)) };
    let area = (tp as i64 + offset as i64) as u64;
    // glibc registers a 32-byte area; newer ones may report a larger size.
    for len in [32u64, size as u64] {
        // SAFETY: rseq takes plain integers here and only validates them.
        let r = unsafe { libc::syscall(libc::SYS_rseq, area, len, RSEQ_FLAG_UNREGISTER, RSEQ_SIG) };
        if r == 0 {
            return;
        }
    }
}

/// Runs in the child right after `fork()` from the platform's master thread:
/// only async-signal-safe calls, no allocation. Never returns.
///
/// # Safety
/// Must be called only in a freshly forked child, with `prog` pointing to a
/// valid BPF program and `memory_fd` an open descriptor.
pub(crate) unsafe fn template_child(memory_fd: i32, prog: &BpfProgram) -> ! {
    let fail = |code: i32| -> ! {
        // SAFETY: _exit is always safe to call.
        unsafe { libc::_exit(code) }
    };
    // SAFETY: the whole block makes plain host calls with valid arguments in a
    // single-threaded child; pointers refer to locals or to the BPF program
    // and stub bytes, which the fork copied.
    unsafe {
        if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
            fail(101);
        }
        // The kernel updates a thread's rseq area (glibc's, in the forking
        // thread's TLS) on return to user space; that memory is about to go.
        unregister_rseq();
        // Keep only the memory file.
        if memory_fd > 0 {
            libc::syscall(libc::SYS_close_range, 0u32, (memory_fd - 1) as u32, 0u32);
        }
        libc::syscall(
            libc::SYS_close_range,
            (memory_fd + 1) as u32,
            u32::MAX,
            0u32,
        );
        // Stub processes are the template's children: reap them automatically.
        libc::signal(libc::SIGCHLD, libc::SIG_IGN);
        let mut empty: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut empty);
        libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());

        let code = code();
        let page = libc::mmap(
            STUB_BASE as *mut libc::c_void,
            crate::PAGE_SIZE as usize,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
            -1,
            0,
        );
        if page as u64 != STUB_BASE {
            fail(102);
        }
        std::ptr::copy_nonoverlapping(code.bytes.as_ptr(), page as *mut u8, code.bytes.len());
        if libc::mprotect(
            page,
            crate::PAGE_SIZE as usize,
            libc::PROT_READ | libc::PROT_EXEC,
        ) != 0
        {
            fail(103);
        }

        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
            fail(104);
        }
        let fprog = libc::sock_fprog {
            len: prog.len() as u16,
            filter: prog.as_ptr() as *mut libc::sock_filter,
        };
        if libc::prctl(libc::PR_SET_SECCOMP, libc::SECCOMP_MODE_FILTER, &fprog) != 0 {
            fail(105);
        }

        std::arch::asm!(
            "jmp {entry}",
            entry = in(reg) STUB_BASE,
            in("rdi") STUB_BASE,
            in("rsi") STUB_END,
            in("rdx") TASK_SIZE - STUB_END,
            options(noreturn)
        );
    }
}
