//! The syscall table: every x86-64 Linux syscall with its number, name,
//! argument shapes and rvisor's support status.
//!
//! The rows live in one place, the
//! [`for_each_syscall!`](crate::for_each_syscall) macro, so that the sentry's
//! dispatch table, `--strace` and `docs/compatibility.md` cannot disagree
//! about them. To change a syscall's status, edit its row.

use std::fmt;

/// How an argument is shown by `--strace` (and what it is).
///
/// Kinds with a parameter name another argument by its index (0-based):
/// `InBuf(2)` is a buffer whose length is argument 2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArgKind {
    /// C `int`: the low 32 bits, signed decimal.
    Int,
    /// C `unsigned int`: the low 32 bits, unsigned decimal.
    Uint,
    /// `size_t` / `unsigned long`: unsigned decimal.
    Usize,
    /// `long` / `off_t` / `ssize_t`: signed 64-bit decimal.
    Long,
    /// A word shown in hex (flags without a decoder, opaque values).
    Hex,
    /// A file descriptor: signed decimal.
    Fd,
    /// A directory file descriptor of an `*at` call: `AT_FDCWD` or decimal.
    DirFd,
    /// A NUL-terminated string the application passes in (usually a path).
    Path,
    /// Bytes the application passes in; the length is the argument at the
    /// index. Shown quoted and escaped, cut at 32 bytes with `...`.
    InBuf(u8),
    /// Bytes the kernel writes; the argument at the index is the buffer's
    /// size. Shown after the call, as many bytes as the call returned.
    OutBuf(u8),
    /// A NUL-terminated string the kernel writes (getcwd(2)); shown after the call.
    OutPath,
    /// A pointer shown as `NULL` or hex; the memory is not read.
    Ptr,
    /// open(2) flags: access mode then `O_*` bits.
    OpenFlags,
    /// A file mode in octal (`0644`), with the `S_IF*` type if present.
    Mode,
    /// `AT_*` flags of the `*at` calls (0x200 shown as `AT_EACCESS`).
    AtFlags,
    /// unlinkat(2) flags: `AT_REMOVEDIR`.
    UnlinkFlags,
    /// `PROT_*` bits.
    MmapProt,
    /// mmap(2) flags: mapping type then `MAP_*` bits.
    MmapFlags,
    /// A signal number: `SIGTERM`, `SIGRT_3`.
    Signal,
    /// rt_sigprocmask(2) `how`: `SIG_BLOCK`, `SIG_UNBLOCK`, `SIG_SETMASK`.
    SigHow,
    /// A pointer to a 64-bit signal set the application passes in: `[INT TERM]`.
    SigSet,
    /// A pointer to a signal set the kernel writes; shown after the call.
    OutSigSet,
    /// fcntl(2) command: `F_GETFL`.
    FcntlCmd,
    /// ioctl(2) request: `TCGETS`, else hex.
    IoctlCmd,
    /// A clock id: `CLOCK_MONOTONIC`.
    ClockId,
    /// lseek(2) whence: `SEEK_SET`.
    Whence,
    /// A NULL-terminated array of string pointers (argv, envp).
    StrArray,
    /// An array of `struct iovec` the application passes in, with its
    /// contents; the count is the argument at the index.
    Iovec(u8),
    /// An array of `struct iovec` the kernel fills; the count is the
    /// argument at the index. Shown after the call, up to the bytes returned.
    OutIovec(u8),
    /// A pointer to a `struct timespec` the application passes in.
    Timespec,
    /// A pointer to a `struct timespec` the kernel writes; shown after the call.
    OutTimespec,
    /// clone(2)/unshare(2)/setns(2) flags: `CLONE_*`, and the exit signal.
    CloneFlags,
    /// statx(2) mask: `STATX_*`.
    StatxMask,
    /// renameat2(2) flags: `RENAME_*`.
    RenameFlags,
    /// access(2) mode: `F_OK` or `R_OK|W_OK|X_OK`.
    AccessMode,
    /// arch_prctl(2) code: `ARCH_SET_FS`.
    ArchPrctlCode,
    /// prctl(2) option: `PR_SET_NAME`.
    PrctlOption,
    /// madvise(2) advice: `MADV_DONTNEED`.
    MadviseAdvice,
    /// mremap(2) flags: `MREMAP_*`.
    MremapFlags,
    /// futex(2) op: `FUTEX_WAIT_PRIVATE`, `|FUTEX_CLOCK_REALTIME`.
    FutexOp,
    /// wait4(2)/waitid(2) options: `WNOHANG`, `__WALL`.
    WaitOptions,
    /// A resource of getrlimit(2)/prlimit64(2): `RLIMIT_NOFILE`.
    RlimitResource,
    /// getrandom(2) flags: `GRND_*`.
    GetrandomFlags,
    /// Flags of calls that create a descriptor and share open(2)'s bits for
    /// them (dup3, pipe2, eventfd2, epoll_create1, accept4, ...):
    /// `O_CLOEXEC`, `O_NONBLOCK`, `O_DIRECT`.
    CloexecFlags,
    /// socket(2) domain: `AF_UNIX`.
    SockDomain,
    /// socket(2) type: `SOCK_STREAM|SOCK_CLOEXEC`.
    SockType,
    /// A socket address the application passes in; its length is the
    /// argument at the index: `{sa_family=AF_UNIX, sun_path="/tmp/s"}`.
    Sockaddr(u8),
}

impl ArgKind {
    /// Whether the kernel fills this argument, so that `--strace` shows it
    /// after the call rather than before.
    pub const fn is_output(self) -> bool {
        matches!(
            self,
            ArgKind::OutBuf(_)
                | ArgKind::OutPath
                | ArgKind::OutSigSet
                | ArgKind::OutIovec(_)
                | ArgKind::OutTimespec
        )
    }

    /// The index of the argument this one refers to (a length or a count).
    pub const fn param(self) -> Option<u8> {
        match self {
            ArgKind::InBuf(i)
            | ArgKind::OutBuf(i)
            | ArgKind::Iovec(i)
            | ArgKind::OutIovec(i)
            | ArgKind::Sockaddr(i) => Some(i),
            _ => None,
        }
    }
}

/// How much of a syscall rvisor implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// Implemented with the behaviour applications rely on.
    Supported,
    /// Implemented in part; the row's note says what is missing.
    Partial,
    /// Returns `ENOSYS`.
    Unsupported,
}

impl Status {
    /// `"supported"`, `"partial"` or `"unsupported"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Supported => "supported",
            Status::Partial => "partial",
            Status::Unsupported => "unsupported",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the syscall table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyscallInfo {
    /// The x86-64 syscall number.
    pub nr: u32,
    /// The kernel's name (`newfstatat`, `_sysctl`).
    pub name: &'static str,
    pub status: Status,
    /// What is missing (`Partial`), why not (`Unsupported`), or empty.
    pub note: &'static str,
    /// The arguments, in order; as many as the syscall takes.
    pub args: &'static [ArgKind],
}

/// Calls `$cb!` with one row per x86-64 Linux syscall, in number order:
/// `(nr, name, Status, "note", [ArgKind, ...])`.
///
/// `nr` is an integer literal, `name` the kernel's name as an identifier,
/// `Status` one of `Supported`, `Partial`, `Unsupported`, the note a string
/// literal, and each argument an [`ArgKind`] variant name with an optional
/// integer-literal parameter. Rows are separated by commas, with no comma
/// after the last. A callback matches them with
///
/// ```text
/// $( ($nr:literal, $name:ident, $status:ident, $note:literal,
///     [$($kind:ident $(($param:literal))?),*]) ),* $(,)?
/// ```
///
/// Numbers 335..=423 are unused on x86-64 (they hold the x32 and 32-bit
/// compat range on other tables); there are no rows for them.
#[macro_export]
macro_rules! for_each_syscall {
    ($cb:ident) => {
        $cb! {
            (0, read, Supported, "", [Fd, OutBuf(2), Usize]),
            (1, write, Supported, "", [Fd, InBuf(2), Usize]),
            (2, open, Supported, "", [Path, OpenFlags, Mode]),
            (3, close, Supported, "", [Fd]),
            (4, stat, Supported, "", [Path, Ptr]),
            (5, fstat, Supported, "", [Fd, Ptr]),
            (6, lstat, Supported, "", [Path, Ptr]),
            (7, poll, Supported, "", [Ptr, Uint, Int]),
            (8, lseek, Supported, "", [Fd, Long, Whence]),
            (9, mmap, Partial, "shared mappings of host (gofer) files are a sandbox-side cache written back on msync, munmap, fsync and exit: changes the host makes meanwhile are not seen", [Ptr, Usize, MmapProt, MmapFlags, Fd, Hex]),
            (10, mprotect, Supported, "", [Ptr, Usize, MmapProt]),
            (11, munmap, Supported, "", [Ptr, Usize]),
            (12, brk, Supported, "", [Ptr]),
            (13, rt_sigaction, Supported, "", [Signal, Ptr, Ptr, Usize]),
            (14, rt_sigprocmask, Supported, "", [SigHow, SigSet, OutSigSet, Usize]),
            (15, rt_sigreturn, Supported, "", []),
            (16, ioctl, Partial, "FIONREAD, FIOCLEX, FIONCLEX, FIONBIO on every file, FIOASYNC on pipes; on ptys termios, window size, job control, TIOCGPTN/TIOCSPTLCK/TIOCGPTPEER, TCFLSH, TCXONC, TIOCSIG, but no TIOCSTI, TIOCPKT, TIOCVHANGUP, TCGETA/TCSETA*, TIOCEXCL; TCGETS, TIOCGWINSZ and termios calls on host terminals", [Fd, IoctlCmd, Hex]),
            (17, pread64, Supported, "", [Fd, OutBuf(2), Usize, Long]),
            (18, pwrite64, Supported, "", [Fd, InBuf(2), Usize, Long]),
            (19, readv, Supported, "", [Fd, OutIovec(2), Usize]),
            (20, writev, Supported, "", [Fd, Iovec(2), Usize]),
            (21, access, Supported, "", [Path, AccessMode]),
            (22, pipe, Supported, "", [Ptr]),
            (23, select, Supported, "", [Int, Ptr, Ptr, Ptr, Ptr]),
            (24, sched_yield, Supported, "", []),
            (25, mremap, Partial, "MREMAP_DONTUNMAP and old_size 0 (duplicating shared mappings) not yet", [Ptr, Usize, Usize, MremapFlags, Ptr]),
            (26, msync, Supported, "", [Ptr, Usize, Hex]),
            (27, mincore, Supported, "", [Ptr, Usize, Ptr]),
            (28, madvise, Partial, "DONTNEED drops pages, DONTFORK/DOFORK honoured; FREE keeps pages; other advice accepted", [Ptr, Usize, MadviseAdvice]),
            (29, shmget, Unsupported, "", [Hex, Usize, Hex]),
            (30, shmat, Unsupported, "", [Int, Ptr, Hex]),
            (31, shmctl, Unsupported, "", [Int, Int, Ptr]),
            (32, dup, Supported, "", [Fd]),
            (33, dup2, Supported, "", [Fd, Fd]),
            (34, pause, Supported, "", []),
            (35, nanosleep, Supported, "", [Timespec, Ptr]),
            (36, getitimer, Supported, "", [Int, Ptr]),
            (37, alarm, Supported, "", [Uint]),
            (38, setitimer, Partial, "ITIMER_VIRTUAL and ITIMER_PROF count the program's CPU time on a 10 ms tick", [Int, Ptr, Ptr]),
            (39, getpid, Supported, "", []),
            (40, sendfile, Partial, "copies through a sentry buffer (no zero-copy path yet)", [Fd, Fd, Ptr, Usize]),
            (41, socket, Partial, "AF_UNIX only; other families EAFNOSUPPORT until the network stack", [SockDomain, SockType, Int]),
            (42, connect, Partial, "AF_UNIX only; other families EAFNOSUPPORT until the network stack", [Fd, Sockaddr(2), Uint]),
            (43, accept, Partial, "AF_UNIX only; other families EAFNOSUPPORT until the network stack", [Fd, Ptr, Ptr]),
            (44, sendto, Partial, "AF_UNIX only; other families EAFNOSUPPORT until the network stack", [Fd, InBuf(2), Usize, Hex, Sockaddr(5), Uint]),
            (45, recvfrom, Partial, "AF_UNIX only; other families EAFNOSUPPORT until the network stack", [Fd, OutBuf(2), Usize, Hex, Ptr, Ptr]),
            (46, sendmsg, Partial, "AF_UNIX only; other families EAFNOSUPPORT until the network stack", [Fd, Ptr, Hex]),
            (47, recvmsg, Partial, "AF_UNIX only; other families EAFNOSUPPORT until the network stack", [Fd, Ptr, Hex]),
            (48, shutdown, Partial, "AF_UNIX only; other families EAFNOSUPPORT until the network stack", [Fd, Int]),
            (49, bind, Partial, "AF_UNIX only; other families EAFNOSUPPORT until the network stack", [Fd, Sockaddr(2), Uint]),
            (50, listen, Partial, "AF_UNIX only; other families EAFNOSUPPORT until the network stack", [Fd, Int]),
            (51, getsockname, Partial, "AF_UNIX only; other families EAFNOSUPPORT until the network stack", [Fd, Ptr, Ptr]),
            (52, getpeername, Partial, "AF_UNIX only; other families EAFNOSUPPORT until the network stack", [Fd, Ptr, Ptr]),
            (53, socketpair, Partial, "AF_UNIX only; other families EAFNOSUPPORT until the network stack", [SockDomain, SockType, Int, Ptr]),
            (54, setsockopt, Partial, "AF_UNIX only; other families EAFNOSUPPORT until the network stack", [Fd, Int, Int, Ptr, Uint]),
            (55, getsockopt, Partial, "AF_UNIX only; other families EAFNOSUPPORT until the network stack", [Fd, Int, Int, Ptr, Ptr]),
            (56, clone, Partial, "namespace flags other than CLONE_NEWNS EPERM, CLONE_INTO_CGROUP EINVAL", [CloneFlags, Ptr, Ptr, Ptr, Hex]),
            (57, fork, Supported, "", []),
            (58, vfork, Supported, "", []),
            (59, execve, Partial, "set-user-ID and set-group-ID bits and file capabilities are ignored", [Path, StrArray, StrArray]),
            (60, exit, Supported, "", [Int]),
            (61, wait4, Partial, "rusage is zero", [Int, Ptr, WaitOptions, Ptr]),
            (62, kill, Supported, "", [Int, Signal]),
            (63, uname, Supported, "", [Ptr]),
            (64, semget, Unsupported, "", [Hex, Int, Hex]),
            (65, semop, Unsupported, "", [Int, Ptr, Usize]),
            (66, semctl, Unsupported, "", [Int, Int, Int, Hex]),
            (67, shmdt, Unsupported, "", [Ptr]),
            (68, msgget, Unsupported, "", [Hex, Hex]),
            (69, msgsnd, Unsupported, "", [Int, Ptr, Usize, Hex]),
            (70, msgrcv, Unsupported, "", [Int, Ptr, Usize, Long, Hex]),
            (71, msgctl, Unsupported, "", [Int, Int, Ptr]),
            (72, fcntl, Partial, "SIGIO for O_ASYNC only from pipes; F_SETLEASE and F_NOTIFY are EINVAL", [Fd, FcntlCmd, Hex]),
            (73, flock, Supported, "", [Fd, Hex]),
            (74, fsync, Supported, "", [Fd]),
            (75, fdatasync, Supported, "", [Fd]),
            (76, truncate, Supported, "", [Path, Long]),
            (77, ftruncate, Supported, "", [Fd, Long]),
            (78, getdents, Supported, "", [Fd, Ptr, Uint]),
            (79, getcwd, Supported, "", [OutPath, Usize]),
            (80, chdir, Supported, "", [Path]),
            (81, fchdir, Supported, "", [Fd]),
            (82, rename, Supported, "", [Path, Path]),
            (83, mkdir, Supported, "", [Path, Mode]),
            (84, rmdir, Supported, "", [Path]),
            (85, creat, Supported, "", [Path, Mode]),
            (86, link, Supported, "", [Path, Path]),
            (87, unlink, Supported, "", [Path]),
            (88, symlink, Supported, "", [Path, Path]),
            (89, readlink, Supported, "", [Path, OutBuf(2), Usize]),
            (90, chmod, Supported, "", [Path, Mode]),
            (91, fchmod, Supported, "", [Fd, Mode]),
            (92, chown, Supported, "", [Path, Int, Int]),
            (93, fchown, Supported, "", [Fd, Int, Int]),
            (94, lchown, Supported, "", [Path, Int, Int]),
            (95, umask, Supported, "", [Mode]),
            (96, gettimeofday, Supported, "", [Ptr, Ptr]),
            (97, getrlimit, Supported, "", [RlimitResource, Ptr]),
            (98, getrusage, Partial, "RUSAGE_CHILDREN is zero until children exist", [Int, Ptr]),
            (99, sysinfo, Supported, "", [Ptr]),
            (100, times, Partial, "children times are zero until children exist", [Ptr]),
            (101, ptrace, Unsupported, "", [Int, Int, Ptr, Hex]),
            (102, getuid, Supported, "", []),
            (103, syslog, Unsupported, "", [Int, Ptr, Int]),
            (104, getgid, Supported, "", []),
            (105, setuid, Supported, "", [Int]),
            (106, setgid, Supported, "", [Int]),
            (107, geteuid, Supported, "", []),
            (108, getegid, Supported, "", []),
            (109, setpgid, Supported, "", [Int, Int]),
            (110, getppid, Supported, "", []),
            (111, getpgrp, Supported, "", []),
            (112, setsid, Supported, "", []),
            (113, setreuid, Supported, "", [Int, Int]),
            (114, setregid, Supported, "", [Int, Int]),
            (115, getgroups, Supported, "", [Int, Ptr]),
            (116, setgroups, Supported, "", [Int, Ptr]),
            (117, setresuid, Supported, "", [Int, Int, Int]),
            (118, getresuid, Supported, "", [Ptr, Ptr, Ptr]),
            (119, setresgid, Supported, "", [Int, Int, Int]),
            (120, getresgid, Supported, "", [Ptr, Ptr, Ptr]),
            (121, getpgid, Supported, "", [Int]),
            (122, setfsuid, Supported, "", [Int]),
            (123, setfsgid, Supported, "", [Int]),
            (124, getsid, Supported, "", [Int]),
            (125, capget, Supported, "", [Ptr, Ptr]),
            (126, capset, Supported, "", [Ptr, Ptr]),
            (127, rt_sigpending, Supported, "", [OutSigSet, Usize]),
            (128, rt_sigtimedwait, Supported, "", [SigSet, Ptr, Timespec, Usize]),
            (129, rt_sigqueueinfo, Supported, "", [Int, Signal, Ptr]),
            (130, rt_sigsuspend, Supported, "", [SigSet, Usize]),
            (131, sigaltstack, Supported, "", [Ptr, Ptr]),
            (132, utime, Supported, "", [Path, Ptr]),
            (133, mknod, Partial, "no device nodes (EPERM); FIFOs and sockets on tmpfs and the overlay only", [Path, Mode, Hex]),
            (134, uselib, Unsupported, "obsolete (a.out)", [Path]),
            (135, personality, Unsupported, "", [Hex]),
            (136, ustat, Unsupported, "obsolete", [Hex, Ptr]),
            (137, statfs, Supported, "", [Path, Ptr]),
            (138, fstatfs, Supported, "", [Fd, Ptr]),
            (139, sysfs, Unsupported, "obsolete", [Int, Hex, Hex]),
            (140, getpriority, Supported, "", [Int, Int]),
            (141, setpriority, Partial, "nice is recorded, not applied", [Int, Int, Int]),
            (142, sched_setparam, Partial, "priority 0 only", [Int, Ptr]),
            (143, sched_getparam, Supported, "", [Int, Ptr]),
            (144, sched_setscheduler, Partial, "SCHED_OTHER/BATCH/IDLE accepted; real-time policies EPERM", [Int, Int, Ptr]),
            (145, sched_getscheduler, Partial, "every task is SCHED_OTHER", [Int]),
            (146, sched_get_priority_max, Supported, "", [Int]),
            (147, sched_get_priority_min, Supported, "", [Int]),
            (148, sched_rr_get_interval, Unsupported, "", [Int, OutTimespec]),
            (149, mlock, Partial, "accepted: memory is never swapped out; RLIMIT_MEMLOCK not enforced", [Ptr, Usize]),
            (150, munlock, Supported, "", [Ptr, Usize]),
            (151, mlockall, Partial, "as mlock", [Hex]),
            (152, munlockall, Supported, "", []),
            (153, vhangup, Unsupported, "", []),
            (154, modify_ldt, Unsupported, "", [Int, Ptr, Usize]),
            (155, pivot_root, Partial, "moves the root and cwd of the caller's fs context only, not of every task in the namespace", [Path, Path]),
            (156, _sysctl, Unsupported, "removed from Linux (5.5)", [Ptr]),
            (157, prctl, Partial, "names, pdeathsig, dumpable, no_new_privs, child subreaper, keepcaps, capability bounding set, seccomp mode; other options EINVAL", [PrctlOption, Hex, Hex, Hex, Hex]),
            (158, arch_prctl, Supported, "", [ArchPrctlCode, Hex]),
            (159, adjtimex, Unsupported, "", [Ptr]),
            (160, setrlimit, Unsupported, "", [RlimitResource, Ptr]),
            (161, chroot, Supported, "", [Path]),
            (162, sync, Supported, "", []),
            (163, acct, Unsupported, "", [Path]),
            (164, settimeofday, Partial, "always EPERM: the sandbox may not set the clock", [Ptr, Ptr]),
            (165, mount, Partial, "tmpfs, proc, sysfs, bind (MS_REC), remount, MS_MOVE; propagation flags are recorded but nothing propagates; other file system types ENODEV", [Path, Path, Path, Hex, Ptr]),
            (166, umount2, Supported, "", [Path, Hex]),
            (167, swapon, Unsupported, "", [Path, Hex]),
            (168, swapoff, Unsupported, "", [Path]),
            (169, reboot, Unsupported, "", [Hex, Hex, Hex, Ptr]),
            (170, sethostname, Unsupported, "", [InBuf(1), Usize]),
            (171, setdomainname, Unsupported, "", [InBuf(1), Usize]),
            (172, iopl, Unsupported, "", [Int]),
            (173, ioperm, Unsupported, "", [Hex, Hex, Int]),
            (174, create_module, Unsupported, "not implemented in Linux either", [Path, Usize]),
            (175, init_module, Unsupported, "", [Ptr, Usize, Path]),
            (176, delete_module, Unsupported, "", [Path, Hex]),
            (177, get_kernel_syms, Unsupported, "not implemented in Linux either", [Ptr]),
            (178, query_module, Unsupported, "not implemented in Linux either", [Path, Int, Ptr, Usize, Ptr]),
            (179, quotactl, Unsupported, "", [Hex, Path, Int, Ptr]),
            (180, nfsservctl, Unsupported, "not implemented in Linux either", [Int, Ptr, Ptr]),
            (181, getpmsg, Unsupported, "not implemented in Linux either", [Fd, Ptr, Ptr, Ptr, Ptr]),
            (182, putpmsg, Unsupported, "not implemented in Linux either", [Fd, Ptr, Ptr, Int, Int]),
            (183, afs_syscall, Unsupported, "not implemented in Linux either", []),
            (184, tuxcall, Unsupported, "not implemented in Linux either", []),
            (185, security, Unsupported, "not implemented in Linux either", []),
            (186, gettid, Supported, "", []),
            (187, readahead, Supported, "", [Fd, Long, Usize]),
            (188, setxattr, Partial, "on gofer-backed files (bind mounts, --overlay=none) only user.* reaches the host (other namespaces EOPNOTSUPP); system.* (POSIX ACLs) is EOPNOTSUPP", [Path, Path, InBuf(3), Usize, Hex]),
            (189, lsetxattr, Partial, "on gofer-backed files (bind mounts, --overlay=none) only user.* reaches the host (other namespaces EOPNOTSUPP); system.* (POSIX ACLs) is EOPNOTSUPP", [Path, Path, InBuf(3), Usize, Hex]),
            (190, fsetxattr, Partial, "on gofer-backed files (bind mounts, --overlay=none) only user.* reaches the host (other namespaces EOPNOTSUPP); system.* (POSIX ACLs) is EOPNOTSUPP", [Fd, Path, InBuf(3), Usize, Hex]),
            (191, getxattr, Partial, "on gofer-backed files (bind mounts, --overlay=none) only user.* reaches the host (other namespaces EOPNOTSUPP); system.* (POSIX ACLs) is EOPNOTSUPP", [Path, Path, OutBuf(3), Usize]),
            (192, lgetxattr, Partial, "on gofer-backed files (bind mounts, --overlay=none) only user.* reaches the host (other namespaces EOPNOTSUPP); system.* (POSIX ACLs) is EOPNOTSUPP", [Path, Path, OutBuf(3), Usize]),
            (193, fgetxattr, Partial, "on gofer-backed files (bind mounts, --overlay=none) only user.* reaches the host (other namespaces EOPNOTSUPP); system.* (POSIX ACLs) is EOPNOTSUPP", [Fd, Path, OutBuf(3), Usize]),
            (194, listxattr, Partial, "gofer-backed files (bind mounts, --overlay=none) list only their user.* attributes", [Path, OutBuf(2), Usize]),
            (195, llistxattr, Partial, "gofer-backed files (bind mounts, --overlay=none) list only their user.* attributes", [Path, OutBuf(2), Usize]),
            (196, flistxattr, Partial, "gofer-backed files (bind mounts, --overlay=none) list only their user.* attributes", [Fd, OutBuf(2), Usize]),
            (197, removexattr, Partial, "on gofer-backed files (bind mounts, --overlay=none) only user.* reaches the host (other namespaces EOPNOTSUPP); system.* (POSIX ACLs) is EOPNOTSUPP", [Path, Path]),
            (198, lremovexattr, Partial, "on gofer-backed files (bind mounts, --overlay=none) only user.* reaches the host (other namespaces EOPNOTSUPP); system.* (POSIX ACLs) is EOPNOTSUPP", [Path, Path]),
            (199, fremovexattr, Partial, "on gofer-backed files (bind mounts, --overlay=none) only user.* reaches the host (other namespaces EOPNOTSUPP); system.* (POSIX ACLs) is EOPNOTSUPP", [Fd, Path]),
            (200, tkill, Supported, "", [Int, Signal]),
            (201, time, Supported, "", [Ptr]),
            (202, futex, Partial, "PI operations (LOCK_PI, UNLOCK_PI, TRYLOCK_PI, *_REQUEUE_PI, LOCK_PI2) answer ENOSYS", [Ptr, FutexOp, Int, Ptr, Ptr, Hex]),
            (203, sched_setaffinity, Partial, "accepted; the sentry places threads itself", [Int, Usize, Ptr]),
            (204, sched_getaffinity, Partial, "reports the sandbox's CPUs", [Int, Usize, Ptr]),
            (205, set_thread_area, Unsupported, "", [Ptr]),
            (206, io_setup, Unsupported, "", [Uint, Ptr]),
            (207, io_destroy, Unsupported, "", [Hex]),
            (208, io_getevents, Unsupported, "", [Hex, Long, Long, Ptr, Timespec]),
            (209, io_submit, Unsupported, "", [Hex, Long, Ptr]),
            (210, io_cancel, Unsupported, "", [Hex, Ptr, Ptr]),
            (211, get_thread_area, Unsupported, "", [Ptr]),
            (212, lookup_dcookie, Unsupported, "removed from Linux", [Hex, Ptr, Usize]),
            (213, epoll_create, Supported, "", [Int]),
            (214, epoll_ctl_old, Unsupported, "not implemented in Linux either", []),
            (215, epoll_wait_old, Unsupported, "not implemented in Linux either", []),
            (216, remap_file_pages, Unsupported, "obsolete", [Ptr, Usize, Hex, Usize, Hex]),
            (217, getdents64, Supported, "", [Fd, Ptr, Uint]),
            (218, set_tid_address, Supported, "", [Ptr]),
            (219, restart_syscall, Supported, "", []),
            (220, semtimedop, Unsupported, "", [Int, Ptr, Usize, Timespec]),
            (221, fadvise64, Supported, "", [Fd, Long, Usize, Int]),
            (222, timer_create, Partial, "SIGEV_SIGNAL, SIGEV_THREAD_ID, SIGEV_NONE; CPU-clock timers on a 10 ms tick", [ClockId, Ptr, Ptr]),
            (223, timer_settime, Supported, "", [Int, Hex, Ptr, Ptr]),
            (224, timer_gettime, Supported, "", [Int, Ptr]),
            (225, timer_getoverrun, Supported, "", [Int]),
            (226, timer_delete, Supported, "", [Int]),
            (227, clock_settime, Partial, "EPERM for CLOCK_REALTIME (no CAP_SYS_TIME in the sandbox), EINVAL for the rest", [ClockId, Timespec]),
            (228, clock_gettime, Supported, "", [ClockId, OutTimespec]),
            (229, clock_getres, Supported, "", [ClockId, OutTimespec]),
            (230, clock_nanosleep, Supported, "", [ClockId, Hex, Timespec, Ptr]),
            (231, exit_group, Supported, "", [Int]),
            (232, epoll_wait, Supported, "", [Fd, Ptr, Int, Int]),
            (233, epoll_ctl, Supported, "", [Fd, Int, Fd, Ptr]),
            (234, tgkill, Supported, "", [Int, Int, Signal]),
            (235, utimes, Supported, "", [Path, Ptr]),
            (236, vserver, Unsupported, "not implemented in Linux either", []),
            (237, mbind, Unsupported, "", [Ptr, Usize, Int, Ptr, Usize, Hex]),
            (238, set_mempolicy, Unsupported, "", [Int, Ptr, Usize]),
            (239, get_mempolicy, Unsupported, "", [Ptr, Ptr, Usize, Ptr, Hex]),
            (240, mq_open, Unsupported, "POSIX message queues (/dev/mqueue) are not implemented", [Path, OpenFlags, Mode, Ptr]),
            (241, mq_unlink, Unsupported, "POSIX message queues (/dev/mqueue) are not implemented", [Path]),
            (242, mq_timedsend, Unsupported, "POSIX message queues (/dev/mqueue) are not implemented", [Fd, InBuf(2), Usize, Uint, Timespec]),
            (243, mq_timedreceive, Unsupported, "POSIX message queues (/dev/mqueue) are not implemented", [Fd, OutBuf(2), Usize, Ptr, Timespec]),
            (244, mq_notify, Unsupported, "POSIX message queues (/dev/mqueue) are not implemented", [Fd, Ptr]),
            (245, mq_getsetattr, Unsupported, "POSIX message queues (/dev/mqueue) are not implemented", [Fd, Ptr, Ptr]),
            (246, kexec_load, Unsupported, "", [Hex, Usize, Ptr, Hex]),
            (247, waitid, Partial, "rusage is zero", [Int, Int, Ptr, WaitOptions, Ptr]),
            (248, add_key, Unsupported, "", [Path, Path, InBuf(3), Usize, Int]),
            (249, request_key, Unsupported, "", [Path, Path, Path, Int]),
            (250, keyctl, Unsupported, "", [Int, Hex, Hex, Hex, Hex]),
            (251, ioprio_set, Unsupported, "", [Int, Int, Int]),
            (252, ioprio_get, Unsupported, "", [Int, Int]),
            (253, inotify_init, Supported, "", []),
            (254, inotify_add_watch, Supported, "", [Fd, Path, Hex]),
            (255, inotify_rm_watch, Supported, "", [Fd, Int]),
            (256, migrate_pages, Unsupported, "", [Int, Usize, Ptr, Ptr]),
            (257, openat, Supported, "", [DirFd, Path, OpenFlags, Mode]),
            (258, mkdirat, Supported, "", [DirFd, Path, Mode]),
            (259, mknodat, Partial, "no device nodes (EPERM); FIFOs and sockets on tmpfs and the overlay only", [DirFd, Path, Mode, Hex]),
            (260, fchownat, Supported, "", [DirFd, Path, Int, Int, AtFlags]),
            (261, futimesat, Supported, "", [DirFd, Path, Ptr]),
            (262, newfstatat, Supported, "", [DirFd, Path, Ptr, AtFlags]),
            (263, unlinkat, Supported, "", [DirFd, Path, UnlinkFlags]),
            (264, renameat, Supported, "", [DirFd, Path, DirFd, Path]),
            (265, linkat, Supported, "", [DirFd, Path, DirFd, Path, AtFlags]),
            (266, symlinkat, Supported, "", [Path, DirFd, Path]),
            (267, readlinkat, Supported, "", [DirFd, Path, OutBuf(3), Usize]),
            (268, fchmodat, Supported, "", [DirFd, Path, Mode]),
            (269, faccessat, Supported, "", [DirFd, Path, AccessMode]),
            (270, pselect6, Supported, "", [Int, Ptr, Ptr, Ptr, Timespec, Ptr]),
            (271, ppoll, Supported, "", [Ptr, Uint, Timespec, SigSet, Usize]),
            (272, unshare, Partial, "CLONE_FILES, CLONE_FS, CLONE_NEWNS and single-threaded CLONE_VM/SIGHAND/THREAD; other new namespaces EPERM", [CloneFlags]),
            (273, set_robust_list, Supported, "", [Ptr, Usize]),
            (274, get_robust_list, Supported, "", [Int, Ptr, Ptr]),
            (275, splice, Partial, "copies through a sentry buffer (no zero-copy path yet)", [Fd, Ptr, Fd, Ptr, Usize, Hex]),
            (276, tee, Partial, "copies through a sentry buffer (no zero-copy path yet)", [Fd, Fd, Usize, Hex]),
            (277, sync_file_range, Supported, "", [Fd, Long, Long, Hex]),
            (278, vmsplice, Partial, "copies user memory into the pipe (SPLICE_F_GIFT gives no page gifting)", [Fd, Iovec(2), Usize, Hex]),
            (279, move_pages, Unsupported, "", [Int, Usize, Ptr, Ptr, Ptr, Hex]),
            (280, utimensat, Supported, "", [DirFd, Path, Ptr, AtFlags]),
            (281, epoll_pwait, Supported, "", [Fd, Ptr, Int, Int, SigSet, Usize]),
            (282, signalfd, Supported, "", [Fd, SigSet, Usize]),
            (283, timerfd_create, Supported, "", [ClockId, CloexecFlags]),
            (284, eventfd, Supported, "", [Uint]),
            (285, fallocate, Partial, "gofer files only with a donated host fd (else EOPNOTSUPP); on tmpfs and the overlay COLLAPSE/INSERT/UNSHARE_RANGE and WRITE_ZEROES give EOPNOTSUPP", [Fd, Hex, Long, Long]),
            (286, timerfd_settime, Supported, "", [Fd, Hex, Ptr, Ptr]),
            (287, timerfd_gettime, Supported, "", [Fd, Ptr]),
            (288, accept4, Partial, "AF_UNIX only; other families EAFNOSUPPORT until the network stack", [Fd, Ptr, Ptr, CloexecFlags]),
            (289, signalfd4, Supported, "", [Fd, SigSet, Usize, CloexecFlags]),
            (290, eventfd2, Supported, "", [Uint, CloexecFlags]),
            (291, epoll_create1, Supported, "", [CloexecFlags]),
            (292, dup3, Supported, "", [Fd, Fd, CloexecFlags]),
            (293, pipe2, Supported, "", [Ptr, CloexecFlags]),
            (294, inotify_init1, Supported, "", [CloexecFlags]),
            (295, preadv, Supported, "", [Fd, OutIovec(2), Usize, Long, Long]),
            (296, pwritev, Supported, "", [Fd, Iovec(2), Usize, Long, Long]),
            (297, rt_tgsigqueueinfo, Supported, "", [Int, Int, Signal, Ptr]),
            (298, perf_event_open, Unsupported, "", [Ptr, Int, Int, Fd, Hex]),
            (299, recvmmsg, Partial, "AF_UNIX only; other families EAFNOSUPPORT until the network stack", [Fd, Ptr, Uint, Hex, Timespec]),
            (300, fanotify_init, Unsupported, "", [Hex, Hex]),
            (301, fanotify_mark, Unsupported, "", [Fd, Hex, Hex, DirFd, Path]),
            (302, prlimit64, Supported, "", [Int, RlimitResource, Ptr, Ptr]),
            (303, name_to_handle_at, Partial, "no file system exports handles: EOPNOTSUPP after the path walk", [DirFd, Path, Ptr, Ptr, AtFlags]),
            (304, open_by_handle_at, Partial, "no handles exist: EPERM without CAP_DAC_READ_SEARCH, else ESTALE", [Fd, Ptr, OpenFlags]),
            (305, clock_adjtime, Unsupported, "", [ClockId, Ptr]),
            (306, syncfs, Partial, "flushes the given file only (the sentry buffers no file data)", [Fd]),
            (307, sendmmsg, Partial, "AF_UNIX only; other families EAFNOSUPPORT until the network stack", [Fd, Ptr, Uint, Hex]),
            (308, setns, Unsupported, "", [Fd, CloneFlags]),
            (309, getcpu, Supported, "", [Ptr, Ptr, Ptr]),
            (310, process_vm_readv, Unsupported, "", [Int, Ptr, Usize, Ptr, Usize, Hex]),
            (311, process_vm_writev, Unsupported, "", [Int, Iovec(2), Usize, Ptr, Usize, Hex]),
            (312, kcmp, Unsupported, "", [Int, Int, Int, Hex, Hex]),
            (313, finit_module, Unsupported, "", [Fd, Path, Hex]),
            (314, sched_setattr, Unsupported, "", [Int, Ptr, Hex]),
            (315, sched_getattr, Unsupported, "", [Int, Ptr, Uint, Hex]),
            (316, renameat2, Supported, "", [DirFd, Path, DirFd, Path, RenameFlags]),
            (317, seccomp, Unsupported, "", [Uint, Hex, Ptr]),
            (318, getrandom, Supported, "", [OutBuf(1), Usize, GetrandomFlags]),
            (319, memfd_create, Partial, "MFD_HUGETLB gives EINVAL", [Path, Hex]),
            (320, kexec_file_load, Unsupported, "", [Fd, Fd, Usize, Path, Hex]),
            (321, bpf, Unsupported, "", [Int, Ptr, Uint]),
            (322, execveat, Partial, "as execve: set-user-ID bits ignored", [DirFd, Path, StrArray, StrArray, AtFlags]),
            (323, userfaultfd, Unsupported, "", [CloexecFlags]),
            (324, membarrier, Unsupported, "", [Int, Hex, Int]),
            (325, mlock2, Partial, "as mlock", [Ptr, Usize, Hex]),
            (326, copy_file_range, Partial, "copies through a sentry buffer; EXDEV across file systems", [Fd, Ptr, Fd, Ptr, Usize, Hex]),
            (327, preadv2, Supported, "", [Fd, OutIovec(2), Usize, Long, Long, Hex]),
            (328, pwritev2, Supported, "", [Fd, Iovec(2), Usize, Long, Long, Hex]),
            (329, pkey_mprotect, Unsupported, "", [Ptr, Usize, MmapProt, Int]),
            (330, pkey_alloc, Unsupported, "", [Hex, Hex]),
            (331, pkey_free, Unsupported, "", [Int]),
            (332, statx, Supported, "", [DirFd, Path, AtFlags, StatxMask, Ptr]),
            (333, io_pgetevents, Unsupported, "", [Hex, Long, Long, Ptr, Timespec, Ptr]),
            (334, rseq, Unsupported, "", [Ptr, Uint, Hex, Hex]),
            (424, pidfd_send_signal, Supported, "", [Fd, Signal, Ptr, Hex]),
            (425, io_uring_setup, Unsupported, "", [Uint, Ptr]),
            (426, io_uring_enter, Unsupported, "", [Fd, Uint, Uint, Hex, Ptr, Usize]),
            (427, io_uring_register, Unsupported, "", [Fd, Uint, Ptr, Uint]),
            (428, open_tree, Unsupported, "", [DirFd, Path, Hex]),
            (429, move_mount, Unsupported, "", [DirFd, Path, DirFd, Path, Hex]),
            (430, fsopen, Unsupported, "", [Path, Hex]),
            (431, fsconfig, Unsupported, "", [Fd, Uint, Path, Ptr, Int]),
            (432, fsmount, Unsupported, "", [Fd, Hex, Hex]),
            (433, fspick, Unsupported, "", [DirFd, Path, Hex]),
            (434, pidfd_open, Supported, "", [Int, Hex]),
            (435, clone3, Partial, "as clone; set_tid not supported", [Ptr, Usize]),
            (436, close_range, Supported, "", [Uint, Uint, Hex]),
            (437, openat2, Supported, "", [DirFd, Path, Ptr, Usize]),
            (438, pidfd_getfd, Partial, "EPERM: taking another process's descriptors is not allowed yet", [Fd, Int, Hex]),
            (439, faccessat2, Supported, "", [DirFd, Path, AccessMode, AtFlags]),
            (440, process_madvise, Unsupported, "", [Fd, Ptr, Usize, MadviseAdvice, Hex]),
            (441, epoll_pwait2, Supported, "", [Fd, Ptr, Int, Timespec, SigSet, Usize]),
            (442, mount_setattr, Unsupported, "", [DirFd, Path, AtFlags, Ptr, Usize]),
            (443, quotactl_fd, Unsupported, "", [Fd, Hex, Int, Ptr]),
            (444, landlock_create_ruleset, Unsupported, "", [Ptr, Usize, Hex]),
            (445, landlock_add_rule, Unsupported, "", [Fd, Int, Ptr, Hex]),
            (446, landlock_restrict_self, Unsupported, "", [Fd, Hex]),
            (447, memfd_secret, Unsupported, "", [Hex]),
            (448, process_mrelease, Unsupported, "", [Fd, Hex]),
            (449, futex_waitv, Unsupported, "", [Ptr, Uint, Hex, Timespec, ClockId]),
            (450, set_mempolicy_home_node, Unsupported, "", [Ptr, Usize, Usize, Hex]),
            (451, cachestat, Unsupported, "", [Fd, Ptr, Ptr, Hex]),
            (452, fchmodat2, Unsupported, "", [DirFd, Path, Mode, AtFlags]),
            (453, map_shadow_stack, Unsupported, "", [Ptr, Usize, Hex]),
            (454, futex_wake, Unsupported, "", [Ptr, Hex, Int, Hex]),
            (455, futex_wait, Unsupported, "", [Ptr, Hex, Hex, Hex, Timespec, ClockId]),
            (456, futex_requeue, Unsupported, "", [Ptr, Hex, Int, Int]),
            (457, statmount, Unsupported, "", [Ptr, Ptr, Usize, Hex]),
            (458, listmount, Unsupported, "", [Ptr, Ptr, Usize, Hex]),
            (459, lsm_get_self_attr, Unsupported, "", [Uint, Ptr, Ptr, Hex]),
            (460, lsm_set_self_attr, Unsupported, "", [Uint, Ptr, Usize, Hex]),
            (461, lsm_list_modules, Unsupported, "", [Ptr, Ptr, Hex]),
            (462, mseal, Unsupported, "", [Ptr, Usize, Hex]),
            (463, setxattrat, Unsupported, "", [DirFd, Path, AtFlags, Path, Ptr, Usize]),
            (464, getxattrat, Unsupported, "", [DirFd, Path, AtFlags, Path, Ptr, Usize]),
            (465, listxattrat, Unsupported, "", [DirFd, Path, AtFlags, OutBuf(4), Usize]),
            (466, removexattrat, Unsupported, "", [DirFd, Path, AtFlags, Path]),
            (467, open_tree_attr, Unsupported, "", [DirFd, Path, Hex, Ptr, Usize]),
            (468, file_getattr, Unsupported, "", [DirFd, Path, Ptr, Usize, AtFlags]),
            (469, file_setattr, Unsupported, "", [DirFd, Path, Ptr, Usize, AtFlags])
        }
    };
}

macro_rules! build_table {
    ($(($nr:literal, $name:ident, $status:ident, $note:literal,
        [$($kind:ident $(($param:literal))?),*])),* $(,)?) => {
        const ROWS: &[SyscallInfo] = &[$(
            SyscallInfo {
                nr: $nr,
                name: stringify!($name),
                status: Status::$status,
                note: $note,
                args: &[$(ArgKind::$kind $(($param))?),*],
            }
        ),*];

        /// Syscall numbers by the kernel's names, as the raw `u64` a
        /// syscall instruction leaves in `rax`: `syscalls::nr::openat`.
        #[allow(non_upper_case_globals)]
        pub mod nr {
            $(
                #[doc = concat!("`", stringify!($name), "`")]
                pub const $name: u64 = $nr;
            )*
        }
    };
}

for_each_syscall!(build_table);

/// Every syscall, in increasing number order.
pub static TABLE: &[SyscallInfo] = ROWS;

/// One past the highest syscall number.
pub const MAX_NR: usize = ROWS[ROWS.len() - 1].nr as usize + 1;

const NO_ROW: u16 = u16::MAX;

// Rows are in strictly increasing order, checked when the crate compiles.
const _: () = {
    let mut i = 1;
    while i < ROWS.len() {
        assert!(ROWS[i - 1].nr < ROWS[i].nr, "syscall rows out of order");
        i += 1;
    }
    assert!(ROWS.len() < NO_ROW as usize);
};

/// Position in `TABLE` of each number's row, or `NO_ROW`.
static INDEX: [u16; MAX_NR] = {
    let mut index = [NO_ROW; MAX_NR];
    let mut i = 0;
    while i < ROWS.len() {
        index[ROWS[i].nr as usize] = i as u16;
        i += 1;
    }
    index
};

/// The row for syscall number `nr`, if it is one.
pub fn info(nr: u64) -> Option<&'static SyscallInfo> {
    let slot = *INDEX.get(usize::try_from(nr).ok()?)?;
    if slot == NO_ROW {
        None
    } else {
        Some(&TABLE[slot as usize])
    }
}

/// The row for the syscall the kernel calls `name`.
pub fn by_name(name: &str) -> Option<&'static SyscallInfo> {
    TABLE.iter().find(|row| row.name == name)
}

/// How many rows have each status: (supported, partial, unsupported).
pub fn status_counts() -> (usize, usize, usize) {
    TABLE
        .iter()
        .fold((0, 0, 0), |(s, p, u), row| match row.status {
            Status::Supported => (s + 1, p, u),
            Status::Partial => (s, p + 1, u),
            Status::Unsupported => (s, p, u + 1),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn rows_are_in_strictly_increasing_order() {
        for pair in TABLE.windows(2) {
            assert!(
                pair[0].nr < pair[1].nr,
                "{} before {}",
                pair[0].name,
                pair[1].name
            );
        }
        assert_eq!(TABLE[0].nr, 0);
        assert_eq!(MAX_NR, 470);
        assert_eq!(TABLE.last().map(|r| r.name), Some("file_setattr"));
    }

    #[test]
    fn names_are_unique() {
        let mut seen = HashSet::new();
        for row in TABLE {
            assert!(seen.insert(row.name), "{} twice", row.name);
        }
    }

    /// Every `__NR_x N` of the installed x86-64 header has a row with that
    /// name and number, and every row below the header's highest number
    /// is in the header.
    #[test]
    fn complete_against_unistd_64_h() {
        const HEADER: &str = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h";
        let Ok(text) = std::fs::read_to_string(HEADER) else {
            println!("note: {HEADER} is missing; not checking the table against it");
            return;
        };
        let mut header_max = 0;
        let mut in_header = HashSet::new();
        for line in text.lines() {
            let mut words = line.split_whitespace();
            if words.next() != Some("#define") {
                continue;
            }
            let (Some(macro_name), Some(value)) = (words.next(), words.next()) else {
                continue;
            };
            let Some(name) = macro_name.strip_prefix("__NR_") else {
                continue;
            };
            let nr: u64 = value.parse().expect("numeric __NR_ value");
            let row = info(nr).unwrap_or_else(|| panic!("no row for {name} ({nr})"));
            assert_eq!(row.name, name, "row {nr}");
            header_max = header_max.max(nr);
            in_header.insert(nr);
        }
        assert!(header_max >= 334, "header looks truncated");
        for row in TABLE {
            if u64::from(row.nr) <= header_max {
                assert!(
                    in_header.contains(&u64::from(row.nr)),
                    "{} not in {HEADER}",
                    row.name
                );
            }
        }
    }

    #[test]
    fn argument_references_point_at_existing_arguments() {
        for row in TABLE {
            assert!(
                row.args.len() <= 6,
                "{} has {} args",
                row.name,
                row.args.len()
            );
            for (i, kind) in row.args.iter().enumerate() {
                if let Some(p) = kind.param() {
                    let p = usize::from(p);
                    assert!(p < row.args.len(), "{} arg {i} refers to arg {p}", row.name);
                    assert_ne!(p, i, "{} arg {i} refers to itself", row.name);
                    assert!(
                        matches!(row.args[p], ArgKind::Usize | ArgKind::Uint | ArgKind::Int),
                        "{} arg {i}: arg {p} is no length",
                        row.name
                    );
                }
            }
        }
    }

    #[test]
    fn notes_follow_the_rules() {
        for row in TABLE {
            match row.status {
                Status::Supported => assert_eq!(row.note, "", "{}", row.name),
                Status::Partial => assert!(!row.note.is_empty(), "{} needs a note", row.name),
                Status::Unsupported => {}
            }
            assert!(
                !row.note.contains('\n') && !row.note.contains('|'),
                "{}",
                row.name
            );
        }
    }

    #[test]
    fn lookups() {
        let openat = info(257).unwrap();
        assert_eq!(openat.name, "openat");
        assert_eq!(openat.status, Status::Supported);
        assert_eq!(
            openat.args,
            &[
                ArgKind::DirFd,
                ArgKind::Path,
                ArgKind::OpenFlags,
                ArgKind::Mode
            ]
        );
        assert_eq!(info(335), None);
        assert_eq!(info(423), None);
        assert_eq!(info(424).map(|r| r.name), Some("pidfd_send_signal"));
        assert_eq!(info(MAX_NR as u64), None);
        assert_eq!(info(u64::MAX), None);
        assert_eq!(by_name("_sysctl").map(|r| r.nr), Some(156));
        assert_eq!(by_name("rseq").map(|r| r.status), Some(Status::Unsupported));
        assert_eq!(by_name("fcntl").map(|r| r.status), Some(Status::Partial));
        assert_eq!(nr::read, 0);
        assert_eq!(nr::newfstatat, 262);
        assert_eq!(nr::mseal, 462);
        let (s, p, u) = status_counts();
        assert_eq!(s + p + u, TABLE.len());
        assert_eq!(TABLE.len(), 335 + 46);
    }

    /// The callback form consumers use compiles and sees every row.
    #[test]
    fn callback_sees_every_row() {
        macro_rules! count_rows {
            ($(($nr:literal, $name:ident, $status:ident, $note:literal,
                [$($kind:ident $(($param:literal))?),*])),* $(,)?) => {
                [$(($nr, stringify!($name))),*]
            };
        }
        let rows = crate::for_each_syscall!(count_rows);
        assert_eq!(rows.len(), TABLE.len());
        assert_eq!(rows[2], (2, "open"));
    }
}
