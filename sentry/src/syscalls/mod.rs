//! Syscall handlers, one family per file, and the dispatch table.
//!
//! The table is built from `syscalls::for_each_syscall!`, the same rows that
//! give `--strace` its argument shapes and `docs/compatibility.md` its
//! statuses: every Supported or Partial row must name a handler of the same
//! name in `handlers` (or the sentry does not compile), and Unsupported rows
//! get ENOSYS.

mod dir;
mod epoll;
mod fcntl;
mod fdevents;
mod file;
mod fsops;
pub(crate) mod futex;
mod identity;
mod inotify;
mod mmap;
pub(crate) mod mount;
mod openat2;
mod poll;
mod process;
mod signal;
pub(crate) mod socket;
mod splice;
mod stat;
mod time;
mod timer;
mod xattr;

use std::sync::atomic::{AtomicBool, Ordering};

use syscalls::Errno;

use crate::kernel::Task;
use crate::vfs::PATH_MAX;

pub type SysResult = Result<u64, Errno>;
pub type Handler = fn(&mut Task, &[u64; 6]) -> SysResult;

/// Every implemented syscall, by its kernel name.
mod handlers {
    pub use super::dir::{
        chdir, fchdir, getcwd, getdents64, link, linkat, mkdir, mkdirat, rename, renameat,
        renameat2, rmdir, symlink, symlinkat, unlink, unlinkat,
    };
    pub use super::epoll::{
        epoll_create, epoll_create1, epoll_ctl, epoll_pwait, epoll_pwait2, epoll_wait,
    };
    pub use super::fcntl::{flock, memfd_create};
    pub use super::fdevents::{
        eventfd, eventfd2, signalfd, signalfd4, timerfd_create, timerfd_gettime, timerfd_settime,
    };
    pub use super::file::{
        close, creat, dup, dup2, dup3, fcntl, fdatasync, fsync, ftruncate, ioctl, lseek, open,
        openat, pipe, pipe2, pread64, preadv, preadv2, pwrite64, pwritev, pwritev2, read, readv,
        sendfile, truncate, write, writev,
    };
    pub use super::fsops::{
        chroot, close_range, fadvise64, fallocate, futimesat, getdents, mknod, mknodat,
        name_to_handle_at, open_by_handle_at, readahead, sync, sync_file_range, syncfs, utime,
        utimes,
    };
    pub use super::futex::futex;
    pub use super::identity::{
        capget, capset, getcpu, getegid, geteuid, getgid, getgroups, getpgid, getpgrp, getpid,
        getppid, getpriority, getrandom, getresgid, getresuid, getrlimit, getsid, gettid, getuid,
        prctl, prlimit64, sched_get_priority_max, sched_get_priority_min, sched_getaffinity,
        sched_getparam, sched_getscheduler, sched_setaffinity, sched_setparam, sched_setscheduler,
        sched_yield, setfsgid, setfsuid, setgid, setgroups, setpgid, setpriority, setregid,
        setresgid, setresuid, setreuid, setsid, setuid, sysinfo, umask, uname,
    };
    pub use super::inotify::{inotify_add_watch, inotify_init, inotify_init1, inotify_rm_watch};
    pub use super::mmap::{
        brk, madvise, mincore, mlock, mlock2, mlockall, mmap, mprotect, mremap, msync, munlock,
        munlockall, munmap,
    };
    pub use super::mount::{mount, pivot_root, umount2};
    pub use super::openat2::openat2;
    pub use super::poll::{poll, ppoll, pselect6, select};
    pub use super::process::{
        arch_prctl, clone, clone3, execve, execveat, exit, exit_group, fork, get_robust_list,
        set_robust_list, set_tid_address, unshare, vfork, wait4, waitid,
    };
    pub use super::signal::{
        kill, pause, pidfd_getfd, pidfd_open, pidfd_send_signal, rt_sigaction, rt_sigpending,
        rt_sigprocmask, rt_sigqueueinfo, rt_sigreturn, rt_sigsuspend, rt_sigtimedwait,
        rt_tgsigqueueinfo, sigaltstack, tgkill, tkill,
    };
    pub use super::socket::{
        accept, accept4, bind, connect, getpeername, getsockname, getsockopt, listen, recvfrom,
        recvmmsg, recvmsg, sendmmsg, sendmsg, sendto, setsockopt, shutdown, socket, socketpair,
    };
    pub use super::splice::{copy_file_range, splice, tee, vmsplice};
    pub use super::stat::{
        access, chmod, chown, faccessat, faccessat2, fchmod, fchmodat, fchown, fchownat, fstat,
        fstatfs, lchown, lstat, newfstatat, readlink, readlinkat, stat, statfs, statx, utimensat,
    };
    pub use super::time::{
        clock_getres, clock_gettime, clock_nanosleep, clock_settime, getrusage, gettimeofday,
        nanosleep, restart_syscall, settimeofday, time, times,
    };
    pub use super::timer::{
        alarm, getitimer, setitimer, timer_create, timer_delete, timer_getoverrun, timer_gettime,
        timer_settime,
    };
    pub use super::xattr::{
        fgetxattr, flistxattr, fremovexattr, fsetxattr, getxattr, lgetxattr, listxattr, llistxattr,
        lremovexattr, lsetxattr, removexattr, setxattr,
    };
}

macro_rules! handler_for {
    (Unsupported, $name:ident) => {
        None
    };
    ($status:ident, $name:ident) => {
        Some(handlers::$name as Handler)
    };
}

macro_rules! build_dispatch {
    ($(($nr:literal, $name:ident, $status:ident, $note:literal,
        [$($kind:ident $(($param:literal))?),*])),* $(,)?) => {
        static DISPATCH: [Option<Handler>; syscalls::MAX_NR] = {
            let mut t: [Option<Handler>; syscalls::MAX_NR] = [None; syscalls::MAX_NR];
            $( t[$nr] = handler_for!($status, $name); )*
            t
        };
    };
}

syscalls::for_each_syscall!(build_dispatch);

/// Whether ENOSYS for this number was already logged.
static WARNED: [AtomicBool; syscalls::MAX_NR] =
    [const { AtomicBool::new(false) }; syscalls::MAX_NR];

pub fn dispatch(task: &mut Task, nr: u64, args: &[u64; 6]) -> SysResult {
    match DISPATCH.get(nr as usize).copied().flatten() {
        Some(h) => h(task, args),
        None => {
            let first = WARNED
                .get(nr as usize)
                .is_none_or(|w| !w.swap(true, Ordering::Relaxed));
            if first {
                let name = syscalls::info(nr).map_or("unknown", |i| i.name);
                tracing::warn!(nr, name, "unsupported syscall: ENOSYS");
            }
            Err(Errno::ENOSYS)
        }
    }
}

/// Reads a path argument: ENAMETOOLONG past PATH_MAX, ENOENT when empty.
pub(crate) fn read_path(task: &Task, addr: u64) -> Result<Vec<u8>, Errno> {
    let p = task.mm().read_cstr(addr, PATH_MAX - 1)?;
    if p.is_empty() {
        return Err(Errno::ENOENT);
    }
    Ok(p)
}

/// Reads a path argument that may be empty (AT_EMPTY_PATH callers).
pub(crate) fn read_path_maybe_empty(task: &Task, addr: u64) -> Result<Vec<u8>, Errno> {
    task.mm().read_cstr(addr, PATH_MAX - 1)
}

/// The fd number in a syscall argument.
pub(crate) fn fd_arg(a: u64) -> i32 {
    a as i32
}
