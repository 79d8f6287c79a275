//! Signal dispositions, masks, and sending: rt_sigaction, rt_sigprocmask,
//! rt_sigpending, kill, tkill, tgkill.

use std::sync::Arc;

use syscalls::consts::*;
use syscalls::types::{KernelSigaction, Siginfo, SI_TKILL, SI_USER};
use syscalls::Errno;

use super::SysResult;
use crate::kernel::sigframe;
use crate::kernel::signal::{bit, UNBLOCKABLE};
use crate::kernel::{Task, ThreadGroup};

const SIGSET_SIZE: u64 = 8;

fn valid_signal(sig: i32) -> Result<(), Errno> {
    if (1..=64).contains(&sig) {
        Ok(())
    } else {
        Err(Errno::EINVAL)
    }
}

pub fn rt_sigaction(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (sig, act, oact) = (a[0] as i32, a[1], a[2]);
    if a[3] != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    valid_signal(sig)?;
    let new: Option<KernelSigaction> = if act != 0 {
        Some(t.mm().read_obj(act)?)
    } else {
        None
    };
    if new.is_some() && (sig == SIGKILL || sig == SIGSTOP) {
        return Err(Errno::EINVAL);
    }
    let old = {
        let mut acts = t.tg.sighand.lock();
        let i = (sig - 1) as usize;
        let old = acts[i];
        if let Some(mut n) = new {
            n.mask &= !UNBLOCKABLE;
            acts[i] = n;
        }
        old
    };
    if let Some(n) = new {
        // Setting a signal to be ignored discards it where it is pending.
        if n.handler == crate::kernel::signal::SIG_IGN {
            t.tg.pending
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .discard(bit(sig));
            for th in
                t.tg.threads
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .iter()
            {
                th.sig().pending.discard(bit(sig));
            }
        }
    }
    if oact != 0 {
        t.mm().write_obj(oact, &old)?;
    }
    Ok(0)
}

pub fn rt_sigprocmask(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (how, set, oset) = (a[0] as i32, a[1], a[2]);
    if a[3] != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let old = t.sigmask();
    if set != 0 {
        let s: u64 = t.mm().read_obj(set)?;
        let new = match how {
            SIG_BLOCK => old | s,
            SIG_UNBLOCK => old & !s,
            SIG_SETMASK => s,
            _ => return Err(Errno::EINVAL),
        };
        t.set_sigmask(new);
    }
    if oset != 0 {
        t.mm().write_obj(oset, &old)?;
    }
    Ok(0)
}

pub fn rt_sigpending(t: &mut Task, a: &[u64; 6]) -> SysResult {
    if a[1] > SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let mine = t.shared.sig().pending.set;
    let process = t.tg.pending.lock().unwrap_or_else(|e| e.into_inner()).set;
    let set = (mine | process) & t.sigmask();
    t.mm().copy_out(a[0], &set.to_le_bytes()[..a[1] as usize])?;
    Ok(0)
}

/// Whether the caller may signal `target` (kill(2)'s permission rule):
/// privileged, or a real/effective uid matching the target's real or saved
/// uid. Every process of the sandbox shares credentials for now.
/// Linux's kill_ok_by_cred: the sender's real or effective uid is the
/// target's real or saved uid, or the sender has CAP_KILL.
fn may_signal(t: &Task, target: &ThreadGroup) -> bool {
    if t.creds.has_cap(crate::kernel::task_caps::CAP_KILL) || std::ptr::eq(&*t.tg, target) {
        return true;
    }
    let Some([uid, _, suid]) = target.uids() else {
        return true; // No thread left: a zombie, which ignores signals.
    };
    [t.creds.uid, t.creds.euid]
        .iter()
        .any(|&mine| mine == uid || mine == suid)
}

/// Sends `sig` to a process; sig 0 only checks.
fn signal_group(t: &Task, g: &Arc<ThreadGroup>, sig: i32, code: i32) -> Result<(), Errno> {
    if !may_signal(t, g) {
        return Err(Errno::EPERM);
    }
    if sig != 0 {
        g.send_signal(Siginfo::kill(sig, code, t.tg.pid, t.creds.uid), true);
    }
    Ok(())
}

pub fn kill(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (pid, sig) = (a[0] as i32, a[1] as i32);
    if sig != 0 {
        valid_signal(sig)?;
    }
    if pid > 0 {
        let g = t.kernel.group(pid).ok_or(Errno::ESRCH)?;
        signal_group(t, &g, sig, SI_USER)?;
        return Ok(0);
    }
    let targets: Vec<Arc<ThreadGroup>> = match pid {
        // Every process but init and the caller.
        -1 => t
            .kernel
            .all_groups()
            .into_iter()
            .filter(|g| g.pid != 1 && g.pid != t.tg.pid)
            .collect(),
        0 => {
            let pgid = t.tg.pgid();
            t.kernel
                .all_groups()
                .into_iter()
                .filter(|g| g.pgid() == pgid)
                .collect()
        }
        i32::MIN => return Err(Errno::ESRCH),
        _ => t
            .kernel
            .all_groups()
            .into_iter()
            .filter(|g| g.pgid() == -pid)
            .collect(),
    };
    let targets: Vec<_> = targets.into_iter().filter(|g| !g.is_zombie()).collect();
    if targets.is_empty() {
        return Err(Errno::ESRCH);
    }
    let mut sent = false;
    for g in &targets {
        sent |= signal_group(t, g, sig, SI_USER).is_ok();
    }
    if sent {
        Ok(0)
    } else {
        Err(Errno::EPERM)
    }
}

fn signal_thread(t: &Task, tgid: Option<i32>, tid: i32, sig: i32) -> SysResult {
    if tid <= 0 || tgid.is_some_and(|g| g <= 0) {
        return Err(Errno::EINVAL);
    }
    if sig != 0 {
        valid_signal(sig)?;
    }
    let target = t.kernel.task(tid).ok_or(Errno::ESRCH)?;
    let g = t
        .kernel
        .all_groups()
        .into_iter()
        .find(|g| {
            g.threads
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .any(|x| Arc::ptr_eq(x, &target))
        })
        .ok_or(Errno::ESRCH)?;
    if tgid.is_some_and(|p| p != g.pid) {
        return Err(Errno::ESRCH);
    }
    if !may_signal(t, &g) {
        return Err(Errno::EPERM);
    }
    if sig == 0 {
        return Ok(0);
    }
    let info = Siginfo::kill(sig, SI_TKILL, t.tg.pid, t.creds.uid);
    if sig == SIGKILL {
        g.send_signal(info, true);
        return Ok(0);
    }
    if !g.discards(sig, target.sig().blocked(), true) {
        target.send_signal(info);
    }
    Ok(0)
}

pub fn tkill(t: &mut Task, a: &[u64; 6]) -> SysResult {
    signal_thread(t, None, a[0] as i32, a[1] as i32)
}

pub fn tgkill(t: &mut Task, a: &[u64; 6]) -> SysResult {
    signal_thread(t, Some(a[0] as i32), a[1] as i32, a[2] as i32)
}

/// EFLAGS bits a signal frame may change (Linux's FIX_EFLAGS).
const FIX_EFLAGS: u64 = 0x5_0DD5;

/// rt_sigreturn: restores what the frame saved. A frame that cannot be
/// read or makes no sense kills the task with SIGSEGV, never the sentry.
pub fn rt_sigreturn(t: &mut Task, _a: &[u64; 6]) -> SysResult {
    let frame = t.cpu.regs.rsp.wrapping_sub(8);
    let mut uc = vec![0u8; sigframe::UCONTEXT_SIZE];
    if t.mm()
        .copy_in(frame + sigframe::UC_OFFSET, &mut uc)
        .is_err()
    {
        return bad_frame(t);
    }
    let r = sigframe::parse_ucontext(&uc);
    // FP state first: a bad one makes the whole frame bad.
    let fp = if r.fpstate == 0 {
        None
    } else {
        let mut head = vec![0u8; 576];
        if t.mm().copy_in(r.fpstate, &mut head).is_err() {
            return bad_frame(t);
        }
        match sigframe::xstate_size(&head) {
            Some(size) => {
                let mut image = vec![0u8; size + 4];
                if t.mm().copy_in(r.fpstate, &mut image).is_err() {
                    return bad_frame(t);
                }
                let magic2 = u32::from_le_bytes(image[size..].try_into().expect("4 bytes"));
                image.truncate(size);
                if magic2 != sigframe::FP_XSTATE_MAGIC2 {
                    // Treated as a legacy frame, like Linux does.
                    image.truncate(512);
                    image.resize(576, 0);
                    image[512..520].copy_from_slice(&3u64.to_le_bytes());
                }
                Some(image)
            }
            None => {
                let mut image = head;
                image[464..512].fill(0);
                image[512..576].fill(0);
                // XSTATE_BV: x87 and SSE from the legacy area.
                image[512..520].copy_from_slice(&3u64.to_le_bytes());
                Some(image)
            }
        }
    };
    // The alternate stack comes back as sigaltstack would set it.
    if set_altstack(t, &r.stack, r.regs.rsp).is_err() {
        return bad_frame(t);
    }
    let cur = t.cpu.regs;
    let mut regs = r.regs;
    regs.fs_base = cur.fs_base;
    regs.gs_base = cur.gs_base;
    regs.cs = 0x33;
    regs.ss = 0x2b;
    regs.ds = cur.ds;
    regs.es = cur.es;
    regs.fs = cur.fs;
    regs.gs = cur.gs;
    regs.eflags = (cur.eflags & !FIX_EFLAGS) | (regs.eflags & FIX_EFLAGS);
    regs.orig_rax = u64::MAX;
    t.cpu.regs = regs;
    match fp {
        Some(image) => t.cpu.fp_load = Some(image),
        None => t.cpu.fp_reset = true,
    }
    t.set_sigmask(r.mask & !UNBLOCKABLE);
    t.restart_block = None;
    // The syscall "returns" the restored rax.
    Ok(t.cpu.regs.rax)
}

fn bad_frame(t: &mut Task) -> SysResult {
    t.force_signal(Siginfo::kill(SIGSEGV, syscalls::types::SI_KERNEL, 0, 0));
    Ok(t.cpu.regs.rax)
}

/// Installs `ss` as the alternate stack (sigaltstack's rules).
fn set_altstack(t: &mut Task, ss: &sigframe::StackT, sp: u64) -> Result<(), Errno> {
    if t.on_altstack(sp) {
        // Changing the stack we run on is refused; an unchanged one is fine.
        return if *ss == t.altstack
            || ss.flags == SS_ONSTACK && ss.sp == t.altstack.sp && ss.size == t.altstack.size
        {
            Ok(())
        } else {
            Err(Errno::EPERM)
        };
    }
    let mode = ss.flags & !(SS_AUTODISARM as i32);
    match mode {
        SS_DISABLE => {
            t.altstack = sigframe::StackT {
                flags: SS_DISABLE,
                ..sigframe::StackT::default()
            };
        }
        0 | SS_ONSTACK => {
            if (ss.size as usize) < MINSIGSTKSZ {
                return Err(Errno::ENOMEM);
            }
            t.altstack = sigframe::StackT {
                sp: ss.sp,
                flags: ss.flags & SS_AUTODISARM as i32,
                size: ss.size,
            };
        }
        _ => return Err(Errno::EINVAL),
    }
    Ok(())
}

pub fn sigaltstack(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (ss, old) = (a[0], a[1]);
    let sp = t.cpu.regs.rsp;
    let new = if ss != 0 {
        let mut b = [0u8; 24];
        t.mm().copy_in(ss, &mut b)?;
        Some(sigframe::StackT {
            sp: u64::from_le_bytes(b[0..8].try_into().expect("8")),
            flags: i32::from_le_bytes(b[8..12].try_into().expect("4")),
            size: u64::from_le_bytes(b[16..24].try_into().expect("8")),
        })
    } else {
        None
    };
    if old != 0 {
        let cur = t.altstack;
        let flags = if t.on_altstack(sp) {
            SS_ONSTACK
        } else {
            cur.flags
        };
        let mut b = [0u8; 24];
        b[0..8].copy_from_slice(&cur.sp.to_le_bytes());
        b[8..12].copy_from_slice(&flags.to_le_bytes());
        b[16..24].copy_from_slice(&cur.size.to_le_bytes());
        t.mm().copy_out(old, &b)?;
    }
    if let Some(n) = new {
        if t.on_altstack(sp) {
            return Err(Errno::EPERM);
        }
        set_altstack(t, &n, sp)?;
    }
    Ok(0)
}

/// rt_sigsuspend: waits for a signal with a temporary mask; returns EINTR
/// once a handler has run.
pub fn rt_sigsuspend(t: &mut Task, a: &[u64; 6]) -> SysResult {
    if a[1] != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let mask: u64 = t.mm().read_obj(a[0])?;
    let old = t.sigmask();
    t.saved_mask = Some(old);
    t.set_sigmask(mask);
    let _ = t
        .shared
        .blocker
        .wait_until(None, || t.signal_deliverable().then_some(()));
    Err(Errno::ERESTARTNOHAND)
}

pub fn pause(t: &mut Task, _a: &[u64; 6]) -> SysResult {
    let _ = t
        .shared
        .blocker
        .wait_until(None, || t.signal_deliverable().then_some(()));
    Err(Errno::ERESTARTNOHAND)
}

/// rt_sigtimedwait(set, info, timeout, sigsetsize): takes a pending signal
/// of `set`, waiting for one if need be.
pub fn rt_sigtimedwait(t: &mut Task, a: &[u64; 6]) -> SysResult {
    if a[3] != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let set: u64 = t.mm().read_obj::<u64>(a[0])? & !UNBLOCKABLE;
    let deadline = if a[2] != 0 {
        let ts: syscalls::types::Timespec = t.mm().read_obj(a[2])?;
        if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
            return Err(Errno::EINVAL);
        }
        Some(
            std::time::Instant::now()
                + std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32),
        )
    } else {
        None
    };
    let take = |t: &Task| -> Option<Siginfo> {
        let mine = t.shared.sig().pending.set & set;
        if mine != 0 {
            let sig = mine.trailing_zeros() as i32 + 1;
            return t.shared.sig().pending.take_signal(sig);
        }
        let mut g = t.tg.pending.lock().unwrap_or_else(|e| e.into_inner());
        let theirs = g.set & set;
        if theirs != 0 {
            return g.take_signal(theirs.trailing_zeros() as i32 + 1);
        }
        None
    };
    let info = match take(t) {
        Some(i) => i,
        None => {
            if deadline.is_some_and(|d| d <= std::time::Instant::now()) {
                return Err(Errno::EAGAIN);
            }
            // Signals of `set` are taken here rather than by a handler:
            // let them wake this wait even though they are blocked.
            let shared = t.shared.clone();
            let tg = t.tg.clone();
            shared.sig().waiting = set;
            let r = shared.blocker.wait_until(deadline, || {
                let pending = shared.sig().pending.set
                    | tg.pending.lock().unwrap_or_else(|e| e.into_inner()).set;
                (pending & set != 0).then_some(())
            });
            shared.sig().waiting = 0;
            match r {
                Ok(()) => match take(t) {
                    Some(i) => i,
                    None => return Err(Errno::ERESTARTSYS),
                },
                Err(crate::kernel::blocker::Interrupted::TimedOut) => return Err(Errno::EAGAIN),
                Err(_) => return Err(Errno::ERESTARTNOHAND),
            }
        }
    };
    crate::kernel::timers::note_dequeued(&t.tg, &info);
    if a[1] != 0 {
        t.mm().write_obj(a[1], &info)?;
    }
    Ok(info.si_signo as u64)
}

/// rt_sigqueueinfo(tgid, sig, info): a process-directed signal with the
/// caller's siginfo, which may not claim to come from the kernel.
pub fn rt_sigqueueinfo(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (pid, sig) = (a[0] as i32, a[1] as i32);
    valid_signal(sig)?;
    let mut info: Siginfo = t.mm().read_obj(a[2])?;
    let g = t.kernel.group(pid).ok_or(Errno::ESRCH)?;
    if (info.si_code >= 0 || info.si_code == SI_TKILL) && g.pid != t.tg.pid {
        return Err(Errno::EPERM);
    }
    info.si_signo = sig;
    g.send_signal(info, true);
    Ok(0)
}

pub fn rt_tgsigqueueinfo(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (tgid, tid, sig) = (a[0] as i32, a[1] as i32, a[2] as i32);
    if tgid <= 0 || tid <= 0 {
        return Err(Errno::EINVAL);
    }
    valid_signal(sig)?;
    let mut info: Siginfo = t.mm().read_obj(a[3])?;
    let g = t.kernel.group(tgid).ok_or(Errno::ESRCH)?;
    if (info.si_code >= 0 || info.si_code == SI_TKILL) && g.pid != t.tg.pid {
        return Err(Errno::EPERM);
    }
    let target = t.kernel.task(tid).ok_or(Errno::ESRCH)?;
    if !g
        .threads
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .any(|x| Arc::ptr_eq(x, &target))
    {
        return Err(Errno::ESRCH);
    }
    info.si_signo = sig;
    if !g.discards(sig, target.sig().blocked(), true) {
        target.send_signal(info);
    }
    Ok(0)
}

/// pidfd_open(pid, flags): a handle on process `pid`.
pub fn pidfd_open(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (pid, flags) = (a[0] as i32, a[1] as u32);
    if flags & !O_NONBLOCK != 0 || pid <= 0 {
        return Err(Errno::EINVAL);
    }
    let g = match t.kernel.group(pid) {
        Some(g) => g,
        // A thread that is not a process leader.
        None if t.kernel.task(pid).is_some() => return Err(Errno::EINVAL),
        None => return Err(Errno::ESRCH),
    };
    let owner = crate::vfs::Owner {
        uid: t.creds.fsuid,
        gid: t.creds.fsgid,
    };
    let file = crate::fs::pidfd::new_pidfd(&g, owner, flags);
    let limit = t.limit(RLIMIT_NOFILE).cur as usize;
    Ok(t.files.alloc(file, true, 0, limit)? as u64)
}

/// pidfd_send_signal(pidfd, sig, info, flags).
pub fn pidfd_send_signal(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let f = t.files.get(a[0] as i32)?;
    let pid = crate::fs::pidfd::pidfd_of(&f)?;
    let sig = a[1] as i32;
    if a[3] != 0 {
        return Err(Errno::EINVAL);
    }
    if sig != 0 {
        valid_signal(sig)?;
    }
    let g = pid
        .process()
        .filter(|g| !g.is_zombie())
        .ok_or(Errno::ESRCH)?;
    if !may_signal(t, &g) {
        return Err(Errno::EPERM);
    }
    if sig == 0 {
        return Ok(0);
    }
    let info = if a[2] != 0 {
        let mut info: Siginfo = t.mm().read_obj(a[2])?;
        if info.si_signo != sig {
            return Err(Errno::EINVAL);
        }
        if (info.si_code >= 0 || info.si_code == SI_TKILL) && g.pid != t.tg.pid {
            return Err(Errno::EPERM);
        }
        info.si_signo = sig;
        info
    } else {
        Siginfo::kill(sig, SI_USER, t.tg.pid, t.creds.uid)
    };
    g.send_signal(info, true);
    Ok(0)
}

/// pidfd_getfd: duplicating another process's descriptors needs
/// PTRACE_MODE_ATTACH rights, which the sandbox does not grant yet.
pub fn pidfd_getfd(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let f = t.files.get(a[0] as i32)?;
    crate::fs::pidfd::pidfd_of(&f)?;
    if a[2] != 0 {
        return Err(Errno::EINVAL);
    }
    Err(Errno::EPERM)
}
