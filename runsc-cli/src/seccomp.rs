//! Host seccomp allow-lists, one per process role, as data: each syscall
//! with the reason the role needs it. Anything else kills the process.
//!
//! `RVISOR_SECCOMP_LOG=1` makes a violation log (kernel audit log) instead
//! of kill, to find what a new code path needs.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use seccompiler::{BpfProgram, SeccompAction, SeccompFilter, TargetArch};

type Rule = (i64, &'static str);

/// The sentry after boot: memory, threads, ptrace, the gofer socket, host
/// stdio. No path-based file access at all.
const SENTRY: &[Rule] = &[
    (libc::SYS_read, "host stdio, gofer socket, donated files"),
    (libc::SYS_write, "host stdio, logs"),
    (libc::SYS_readv, "vectored host I/O"),
    (libc::SYS_writev, "vectored host I/O, logs"),
    (libc::SYS_pread64, "donated gofer files"),
    (
        libc::SYS_preadv,
        "donated gofer files, straight into application memory",
    ),
    (
        libc::SYS_pwritev,
        "donated gofer files, straight from application memory",
    ),
    (
        libc::SYS_pwrite64,
        "donated gofer files (--overlay=none), memory-file writes",
    ),
    (
        libc::SYS_lseek,
        "host stdio offsets, SEEK_DATA/SEEK_HOLE of donated files",
    ),
    (libc::SYS_close, "donated files, fids"),
    (libc::SYS_fstat, "host stdio attributes"),
    (libc::SYS_newfstatat, "fstat via fstatat(AT_EMPTY_PATH)"),
    (libc::SYS_statx, "fstat via statx"),
    (libc::SYS_fcntl, "descriptor flags"),
    (libc::SYS_dup, "stdio copies"),
    (libc::SYS_ioctl, "terminal ioctls on host stdio"),
    (libc::SYS_poll, "poll on host stdio"),
    (libc::SYS_ppoll, "poll on host stdio"),
    (libc::SYS_sendmsg, "9P requests"),
    (libc::SYS_recvmsg, "9P replies with donated fds"),
    (libc::SYS_sendto, "9P requests"),
    (libc::SYS_recvfrom, "9P replies"),
    (libc::SYS_mmap, "sentry heap and thread stacks"),
    (libc::SYS_munmap, "sentry heap and thread stacks"),
    (libc::SYS_mprotect, "thread stack guards"),
    (libc::SYS_mremap, "sentry heap"),
    (libc::SYS_madvise, "sentry heap"),
    (libc::SYS_brk, "sentry heap"),
    (libc::SYS_ftruncate, "growing the memory file"),
    (
        libc::SYS_fallocate,
        "releasing memory-file pages, fallocate of donated files",
    ),
    (libc::SYS_futex, "sentry locks and thread joins"),
    (libc::SYS_clone, "task threads"),
    (libc::SYS_clone3, "task threads"),
    (libc::SYS_set_robust_list, "new threads (glibc)"),
    (libc::SYS_rseq, "new threads (glibc)"),
    (libc::SYS_prctl, "thread names"),
    (libc::SYS_sigaltstack, "thread signal stacks (Rust std)"),
    (libc::SYS_rt_sigaction, "signal setup"),
    (libc::SYS_rt_sigprocmask, "thread creation"),
    (libc::SYS_rt_sigreturn, "signal return"),
    (libc::SYS_sched_getaffinity, "CPU count"),
    (
        libc::SYS_sched_setaffinity,
        "pinning stub threads to their tracer's CPU",
    ),
    (libc::SYS_sched_yield, "sched_yield for the application"),
    (libc::SYS_getcpu, "the tracer's CPU (vDSO fallback)"),
    (libc::SYS_ptrace, "the ptrace platform"),
    (libc::SYS_wait4, "ptrace stops"),
    (libc::SYS_waitid, "ptrace stops"),
    (libc::SYS_kill, "killing stub processes"),
    (libc::SYS_tgkill, "interrupting stub threads"),
    (libc::SYS_getpid, "self identification"),
    (libc::SYS_gettid, "tracer identity"),
    (libc::SYS_nanosleep, "nanosleep for the application"),
    (libc::SYS_clock_nanosleep, "nanosleep for the application"),
    (
        libc::SYS_clock_gettime,
        "clocks (vDSO fallback, CPU clocks of stubs)",
    ),
    (libc::SYS_clock_getres, "clock resolution"),
    (libc::SYS_gettimeofday, "clocks (vDSO fallback)"),
    (libc::SYS_getrandom, "randomness for the application"),
    (libc::SYS_sysinfo, "sysinfo for the application"),
    (libc::SYS_exit, "thread exit"),
    (libc::SYS_exit_group, "sandbox exit"),
    (
        libc::SYS_openat,
        "answered ENOENT by NO_PATHS (glibc opens /sys files lazily)",
    ),
    (libc::SYS_open, "answered ENOENT by NO_PATHS"),
];

/// Path-based opens the sentry's libc makes by itself (malloc reading
/// /sys/devices/system/cpu/online for its arena limit): they fail with
/// ENOENT, as they would anyway in the empty root, and libc falls back.
const NO_PATHS: &[Rule] = &[
    (libc::SYS_openat, "libc's lazy /sys and /proc reads"),
    (libc::SYS_open, "libc's lazy /sys and /proc reads"),
];

/// The gofer after confinement: path walks relative to its root, file I/O,
/// and its one socket.
const GOFER: &[Rule] = &[
    (libc::SYS_read, "file data, the socket"),
    (libc::SYS_write, "file data, the socket"),
    (libc::SYS_pread64, "file data"),
    (libc::SYS_pwrite64, "file data"),
    (libc::SYS_readv, "the socket"),
    (libc::SYS_writev, "the socket"),
    (libc::SYS_lseek, "directory offsets"),
    (
        libc::SYS_openat,
        "walking one component at a time (O_NOFOLLOW)",
    ),
    (libc::SYS_close, "fids"),
    (libc::SYS_fstat, "getattr"),
    (libc::SYS_newfstatat, "getattr"),
    (libc::SYS_statx, "getattr"),
    (libc::SYS_fstatfs, "statfs"),
    (libc::SYS_getdents64, "readdir"),
    (libc::SYS_readlinkat, "readlink"),
    (libc::SYS_mkdirat, "mkdir (--overlay=none)"),
    (libc::SYS_unlinkat, "unlink (--overlay=none)"),
    (libc::SYS_renameat, "rename (--overlay=none)"),
    (libc::SYS_renameat2, "rename (--overlay=none)"),
    (libc::SYS_symlinkat, "symlink (--overlay=none)"),
    (libc::SYS_linkat, "link (--overlay=none)"),
    (libc::SYS_fchmodat, "chmod (--overlay=none)"),
    (libc::SYS_fchmod, "chmod fallback"),
    (libc::SYS_fchownat, "chown (--overlay=none)"),
    (libc::SYS_utimensat, "utimes (--overlay=none)"),
    (libc::SYS_ftruncate, "truncate (--overlay=none)"),
    (libc::SYS_fsync, "fsync"),
    (libc::SYS_fdatasync, "fsync"),
    (libc::SYS_fgetxattr, "Txattrwalk of a user.* name"),
    (libc::SYS_flistxattr, "Txattrwalk listing names"),
    (
        libc::SYS_fsetxattr,
        "Txattrcreate (--overlay=none, rw mounts)",
    ),
    (
        libc::SYS_fremovexattr,
        "Txattrcreate removing (--overlay=none, rw mounts)",
    ),
    (libc::SYS_fcntl, "descriptor flags"),
    (libc::SYS_sendmsg, "replies with donated fds"),
    (libc::SYS_recvmsg, "requests"),
    (libc::SYS_sendto, "replies"),
    (libc::SYS_recvfrom, "requests"),
    (libc::SYS_mmap, "heap"),
    (libc::SYS_munmap, "heap"),
    (libc::SYS_mremap, "heap"),
    (libc::SYS_madvise, "heap"),
    (libc::SYS_brk, "heap"),
    (libc::SYS_futex, "locks"),
    (libc::SYS_rt_sigaction, "signal setup"),
    (libc::SYS_rt_sigprocmask, "signal setup"),
    (libc::SYS_rt_sigreturn, "signal return"),
    (libc::SYS_sigaltstack, "Rust std"),
    (libc::SYS_getrandom, "hash map seeds"),
    (libc::SYS_clock_gettime, "clocks (vDSO fallback)"),
    (libc::SYS_exit, "exit"),
    (libc::SYS_exit_group, "exit"),
];

fn program(rules: &[Rule]) -> Result<BpfProgram> {
    let allowed: BTreeMap<i64, Vec<seccompiler::SeccompRule>> =
        rules.iter().map(|&(nr, _why)| (nr, vec![])).collect();
    let mismatch = if std::env::var_os("RVISOR_SECCOMP_LOG").is_some() {
        SeccompAction::Log
    } else {
        SeccompAction::KillProcess
    };
    let filter = SeccompFilter::new(allowed, mismatch, SeccompAction::Allow, TargetArch::x86_64)
        .context("building the seccomp filter")?;
    filter.try_into().context("compiling the seccomp filter")
}

/// Confines every thread of the sentry to its allow-list. Two filters: the
/// kernel applies the most restrictive answer of all, so NO_PATHS turns
/// the opens the allow-list lets through into ENOENT.
pub fn install_sentry() -> Result<()> {
    let deny: BTreeMap<i64, Vec<seccompiler::SeccompRule>> =
        NO_PATHS.iter().map(|&(nr, _why)| (nr, vec![])).collect();
    let deny: BpfProgram = SeccompFilter::new(
        deny,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::ENOENT as u32),
        TargetArch::x86_64,
    )
    .context("building the sentry's path filter")?
    .try_into()
    .context("compiling the sentry's path filter")?;
    seccompiler::apply_filter_all_threads(&deny).context("installing the sentry's path filter")?;
    let prog = program(SENTRY)?;
    seccompiler::apply_filter_all_threads(&prog).context("installing the sentry's seccomp filter")
}

/// Confines the gofer (its main thread and the volume threads started
/// before this) to its allow-list.
pub fn install_gofer() -> Result<()> {
    let prog = program(GOFER)?;
    seccompiler::apply_filter_all_threads(&prog).context("installing the gofer's seccomp filter")
}
