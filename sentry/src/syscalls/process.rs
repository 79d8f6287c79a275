//! The process itself: exit, execve, TLS, tid address, robust lists.

use syscalls::consts::*;
use syscalls::Errno;

use super::{fd_arg, read_path, read_path_maybe_empty, SysResult};
use crate::kernel::{ExitStatus, Task};

/// Ends the calling thread (the process, if it was the last one).
pub fn exit(t: &mut Task, a: &[u64; 6]) -> SysResult {
    t.exiting = Some(ExitStatus::Code(a[0] as i32 & 0xff));
    Ok(0)
}

/// Ends every thread of the process.
pub fn exit_group(t: &mut Task, a: &[u64; 6]) -> SysResult {
    t.tg.start_exit(ExitStatus::Code(a[0] as i32 & 0xff));
    Ok(0)
}

pub fn set_tid_address(t: &mut Task, a: &[u64; 6]) -> SysResult {
    t.clear_child_tid = a[0];
    Ok(t.tid as u64)
}

/// The list is recorded; walking it on thread death comes with threads.
pub fn set_robust_list(t: &mut Task, a: &[u64; 6]) -> SysResult {
    if a[1] != 24 {
        return Err(Errno::EINVAL);
    }
    t.robust_list = (a[0], a[1]);
    t.shared
        .robust_head
        .store(a[0], std::sync::atomic::Ordering::Relaxed);
    Ok(0)
}

/// get_robust_list(tid, head_ptr, len_ptr): the head a thread registered
/// (0 for the caller), for callers allowed to inspect it.
pub fn get_robust_list(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let tid = a[0] as i32;
    let head = if tid == 0 {
        t.robust_list.0
    } else {
        let target = t.kernel.task(tid).ok_or(Errno::ESRCH)?;
        let same_process =
            t.tg.threads
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .any(|x| std::sync::Arc::ptr_eq(x, &target));
        let uids = *target.uids.lock().unwrap_or_else(|e| e.into_inner());
        let ptrace_cap = t.creds.has_cap(crate::kernel::task_caps::CAP_SYS_PTRACE);
        if !same_process && !ptrace_cap && uids.iter().any(|&u| u != t.creds.uid) {
            return Err(Errno::EPERM);
        }
        target
            .robust_head
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    t.mm().write_obj(a[1], &head)?;
    t.mm().write_obj(a[2], &24u64)?;
    Ok(0)
}

pub fn arch_prctl(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (code, addr) = (a[0] as i32, a[1]);
    match code {
        ARCH_SET_FS | ARCH_SET_GS => {
            if addr >= platform::TASK_SIZE {
                return Err(Errno::EPERM);
            }
            if code == ARCH_SET_FS {
                t.cpu.regs.fs_base = addr;
            } else {
                t.cpu.regs.gs_base = addr;
            }
            Ok(0)
        }
        ARCH_GET_FS => {
            let v = t.cpu.regs.fs_base;
            t.mm().write_obj(addr, &v)?;
            Ok(0)
        }
        ARCH_GET_GS => {
            let v = t.cpu.regs.gs_base;
            t.mm().write_obj(addr, &v)?;
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}

/// Reads a NULL-terminated array of string pointers (argv, envp).
fn read_strings(t: &Task, addr: u64) -> Result<Vec<Vec<u8>>, Errno> {
    let mut out = Vec::new();
    if addr == 0 {
        return Ok(out);
    }
    let mut total = 0usize;
    for i in 0.. {
        let p: u64 = t.mm().read_obj(addr + i * 8)?;
        if p == 0 {
            break;
        }
        let s = t.mm().read_cstr(p, 32 * 4096).map_err(|e| {
            if e == Errno::ENAMETOOLONG {
                Errno::E2BIG
            } else {
                e
            }
        })?;
        total += s.len() + 9;
        if total > (crate::mm::STACK_SIZE / 4) as usize {
            return Err(Errno::E2BIG);
        }
        out.push(s);
    }
    Ok(out)
}

/// execve from a single-threaded process.
pub fn execve(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let path = read_path(t, a[0])?;
    let argv = read_strings(t, a[1])?;
    let envp = read_strings(t, a[2])?;
    crate::loader::exec(t, AT_FDCWD, &path, argv, envp)?;
    Ok(0)
}

pub fn execveat(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (dirfd, flags) = (fd_arg(a[0]), a[4] as u32);
    if flags & !(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0 {
        return Err(Errno::EINVAL);
    }
    let path = read_path_maybe_empty(t, a[1])?;
    let target = if path.is_empty() {
        if flags & AT_EMPTY_PATH == 0 {
            return Err(Errno::ENOENT);
        }
        crate::loader::ExecTarget::Fd(dirfd)
    } else {
        crate::loader::ExecTarget::Path {
            dirfd,
            path,
            follow: flags & AT_SYMLINK_NOFOLLOW == 0,
        }
    };
    let argv = read_strings(t, a[2])?;
    let envp = read_strings(t, a[3])?;
    crate::loader::exec_target(t, target, argv, envp)?;
    Ok(0)
}

use crate::kernel::clone::{CloneArgs, NAMESPACES};

/// clone(flags, stack, parent_tid, child_tid, tls) — the x86-64 order.
pub fn clone(t: &mut Task, a: &[u64; 6]) -> SysResult {
    // clone(2) returns a pidfd through parent_tid, so not both.
    if a[0] & CLONE_PIDFD != 0 && a[0] & CLONE_PARENT_SETTID != 0 {
        return Err(Errno::EINVAL);
    }
    let args = CloneArgs {
        flags: a[0] & !0xff,
        exit_signal: a[0] & 0xff,
        stack: a[1],
        parent_tid: a[2],
        child_tid: a[3],
        tls: a[4],
        ..CloneArgs::default()
    };
    t.clone_task(&args).map(|tid| tid as u64)
}

pub fn fork(t: &mut Task, _a: &[u64; 6]) -> SysResult {
    let args = CloneArgs {
        exit_signal: SIGCHLD as u64,
        ..CloneArgs::default()
    };
    t.clone_task(&args).map(|tid| tid as u64)
}

pub fn vfork(t: &mut Task, _a: &[u64; 6]) -> SysResult {
    let args = CloneArgs {
        flags: CLONE_VM | CLONE_VFORK,
        exit_signal: SIGCHLD as u64,
        ..CloneArgs::default()
    };
    t.clone_task(&args).map(|tid| tid as u64)
}

/// clone3(args, size): struct clone_args of 64 bytes or more.
pub fn clone3(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let size = a[1] as usize;
    if size < 64 {
        return Err(Errno::EINVAL);
    }
    if size > 4096 {
        return Err(Errno::E2BIG);
    }
    let mut raw = vec![0u8; size];
    t.mm().copy_in(a[0], &mut raw)?;
    // Fields this kernel does not know must be zero.
    if raw[88.min(size)..].iter().any(|&b| b != 0) {
        return Err(Errno::E2BIG);
    }
    let word = |i: usize| u64::from_le_bytes(raw[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
    let args = CloneArgs {
        flags: word(0),
        pidfd: word(1),
        child_tid: word(2),
        parent_tid: word(3),
        exit_signal: word(4),
        stack: word(5),
        stack_size: word(6),
        tls: word(7),
    };
    let set_tid_size = if size >= 80 { word(9) } else { 0 };
    if set_tid_size != 0 {
        return Err(Errno::EINVAL.with_msg("clone3 set_tid is not supported"));
    }
    const KNOWN: u64 = 0xffff_ff00 | CLONE_NEWTIME | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP;
    if args.flags & !KNOWN != 0 || args.exit_signal & !0xff != 0 {
        return Err(Errno::EINVAL);
    }
    if (args.stack == 0) != (args.stack_size == 0) {
        return Err(Errno::EINVAL);
    }
    if args.flags & (CLONE_THREAD | CLONE_PARENT) != 0 && args.exit_signal != 0 {
        return Err(Errno::EINVAL);
    }
    t.clone_task(&args).map(|tid| tid as u64)
}

/// unshare(flags): gives the caller its own copy of what it shared. Only
/// a single-threaded caller may "unshare" its memory, signal handlers or
/// thread group (which it then shares with nobody). CLONE_NEWNS (with
/// CAP_SYS_ADMIN) gives the caller a copy of its mount tree; other new
/// namespaces are refused as clone refuses them.
pub fn unshare(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let mut f = a[0];
    const KNOWN: u64 = CLONE_FILES
        | CLONE_FS
        | CLONE_SYSVSEM
        | CLONE_THREAD
        | CLONE_SIGHAND
        | CLONE_VM
        | NAMESPACES;
    if f & !KNOWN != 0 {
        return Err(Errno::EINVAL);
    }
    if f & CLONE_NEWUSER != 0 {
        f |= CLONE_THREAD | CLONE_FS;
    }
    if f & CLONE_NEWNS != 0 {
        f |= CLONE_FS;
    }
    if f & (CLONE_THREAD | CLONE_SIGHAND | CLONE_VM) != 0 {
        let alone = t.tg.threads.lock().unwrap_or_else(|e| e.into_inner()).len() == 1;
        let mm_alone = std::sync::Arc::strong_count(t.mm()) == 1;
        if !alone || (f & CLONE_VM != 0 && !mm_alone) {
            return Err(Errno::EINVAL);
        }
    }
    if f & NAMESPACES & !CLONE_NEWNS != 0 {
        return Err(Errno::EPERM.with_msg("new namespaces inside the sandbox are not supported"));
    }
    if f & CLONE_NEWNS != 0 && !t.creds.has_cap(super::mount::CAP_SYS_ADMIN) {
        return Err(Errno::EPERM);
    }
    if f & CLONE_FILES != 0 && std::sync::Arc::strong_count(&t.files) > 1 {
        t.files = t.files.fork();
    }
    if f & CLONE_NEWNS != 0 {
        let (ns, fs) = super::mount::copy_mount_ns(&t.mnt_ns, &t.fs);
        t.mnt_ns = ns;
        t.fs = fs;
    } else if f & CLONE_FS != 0 && std::sync::Arc::strong_count(&t.fs) > 1 {
        t.fs = t.fs.fork();
    }
    t.publish();
    Ok(0)
}

const WNOTHREAD: u32 = __WNOTHREAD;
const WALL: u32 = __WALL;
const WCLONE: u32 = __WCLONE;

/// Which children a wait is for.
#[derive(Clone, Copy)]
enum WaitFor {
    Any,
    Pid(i32),
    Pgid(i32),
}

/// What a wait reports about a child.
enum WaitKind {
    Exited(crate::kernel::ExitStatus),
    Stopped(i32),
    Continued,
}

/// A child that can be reported.
struct Waited {
    pid: i32,
    kind: WaitKind,
    /// An exited child's usage (zero for stop and continue reports).
    usage: crate::kernel::Usage,
}

/// Finds (and, unless WNOWAIT, reaps) an exited child matching `which`;
/// blocks unless WNOHANG. Ok(None) means WNOHANG and nothing to report.
fn do_wait(t: &mut Task, which: WaitFor, options: u32) -> Result<Option<Waited>, Errno> {
    let my_pgid = t.tg.pgid();
    let tg = t.tg.clone();
    let kernel = t.kernel.clone();
    let matches = |c: &crate::kernel::ThreadGroup| {
        let id_ok = match which {
            WaitFor::Any => true,
            WaitFor::Pid(p) => c.pid == p,
            WaitFor::Pgid(0) => c.pgid() == my_pgid,
            WaitFor::Pgid(g) => c.pgid() == g,
        };
        // Without __WALL, "clone" children (exit signal other than SIGCHLD)
        // are waited for only with __WCLONE, and the others only without.
        let kind_ok =
            options & WALL != 0 || ((c.exit_signal != SIGCHLD) == (options & WCLONE != 0));
        id_ok && kind_ok
    };
    let check = || -> Option<Result<Option<Waited>, Errno>> {
        let mut children = tg.children.lock().unwrap_or_else(|e| e.into_inner());
        let candidates: Vec<usize> = (0..children.len())
            .filter(|&i| matches(&children[i]))
            .collect();
        if candidates.is_empty() {
            return Some(Err(Errno::ECHILD));
        }
        if options & WEXITED != 0 {
            for &i in &candidates {
                if children[i].is_zombie() {
                    let c = children[i].clone();
                    let status = c.exiting().unwrap_or(crate::kernel::ExitStatus::Code(0));
                    let usage = c.total_usage();
                    if options & WNOWAIT == 0 {
                        children.remove(i);
                        kernel.release_group(c.pid);
                        tg.children_usage
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .add(&usage);
                    }
                    return Some(Ok(Some(Waited {
                        pid: c.pid,
                        kind: WaitKind::Exited(status),
                        usage,
                    })));
                }
            }
        }
        let want_stopped = options & WUNTRACED != 0;
        let want_continued = options & WCONTINUED != 0;
        if want_stopped || want_continued {
            for &i in &candidates {
                let c = &children[i];
                match c.take_report(want_stopped, want_continued, options & WNOWAIT != 0) {
                    Some(crate::kernel::ChildReport::Stopped(sig)) => {
                        return Some(Ok(Some(Waited {
                            pid: c.pid,
                            kind: WaitKind::Stopped(sig),
                            usage: Default::default(),
                        })))
                    }
                    Some(crate::kernel::ChildReport::Continued) => {
                        return Some(Ok(Some(Waited {
                            pid: c.pid,
                            kind: WaitKind::Continued,
                            usage: Default::default(),
                        })))
                    }
                    None => {}
                }
            }
        }
        if options & WNOHANG != 0 {
            return Some(Ok(None));
        }
        None
    };
    match t.shared.blocker.wait_until(None, check) {
        Ok(r) => r,
        Err(_) => Err(Errno::ERESTARTSYS),
    }
}

fn wait_status(k: &WaitKind) -> i32 {
    match k {
        WaitKind::Exited(crate::kernel::ExitStatus::Code(c)) => (c & 0xff) << 8,
        WaitKind::Exited(crate::kernel::ExitStatus::Signal { signo, core }) => {
            signo | if *core { 0x80 } else { 0 }
        }
        WaitKind::Stopped(sig) => (sig << 8) | 0x7f,
        WaitKind::Continued => 0xffff,
    }
}

/// wait4(pid, status, options, rusage).
pub fn wait4(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (pid, status_addr, options) = (a[0] as i32, a[1], a[2] as u32);
    if options & !(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE) != 0 {
        return Err(Errno::EINVAL);
    }
    let which = match pid {
        -1 => WaitFor::Any,
        0 => WaitFor::Pgid(0),
        p if p > 0 => WaitFor::Pid(p),
        i32::MIN => return Err(Errno::ESRCH),
        p => WaitFor::Pgid(-p),
    };
    match do_wait(t, which, options | WEXITED)? {
        None => Ok(0),
        Some(w) => {
            if status_addr != 0 {
                t.mm().write_obj(status_addr, &wait_status(&w.kind))?;
            }
            if a[3] != 0 {
                t.mm().write_obj(a[3], &w.usage.to_rusage())?;
            }
            Ok(w.pid as u64)
        }
    }
}

/// waitid(idtype, id, infop, options, rusage).
pub fn waitid(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (idtype, id, infop, options) = (a[0] as u32, a[1] as i32, a[2], a[3] as u32);
    if options & !(WNOHANG | WUNTRACED | WEXITED | WCONTINUED | WNOWAIT | WNOTHREAD | WALL | WCLONE)
        != 0
        || options & (WEXITED | WUNTRACED | WCONTINUED) == 0
    {
        return Err(Errno::EINVAL);
    }
    let which = match idtype {
        0 => WaitFor::Any,
        1 if id > 0 => WaitFor::Pid(id),
        2 if id >= 0 => WaitFor::Pgid(id),
        1 | 2 => return Err(Errno::EINVAL),
        3 => {
            let f = t.files.get(id)?;
            WaitFor::Pid(crate::fs::pidfd::pidfd_of(&f)?.pid)
        }
        _ => return Err(Errno::EINVAL),
    };
    let r = do_wait(t, which, options)?;
    let usage = r.as_ref().map(|w| w.usage).unwrap_or_default();
    if infop != 0 {
        let info = match r {
            None => syscalls::types::Siginfo::default(),
            Some(w) => {
                let (code, st) = match w.kind {
                    WaitKind::Exited(crate::kernel::ExitStatus::Code(c)) => (1, c),
                    WaitKind::Exited(crate::kernel::ExitStatus::Signal { signo, core }) => {
                        (if core { 3 } else { 2 }, signo)
                    }
                    WaitKind::Stopped(sig) => (5, sig),
                    WaitKind::Continued => (6, SIGCONT),
                };
                syscalls::types::Siginfo::sigchld(code, w.pid, t.creds.uid, st, 0, 0)
            }
        };
        t.mm().write_obj(infop, &info)?;
    }
    if a[4] != 0 {
        t.mm().write_obj(a[4], &usage.to_rusage())?;
    }
    Ok(0)
}
