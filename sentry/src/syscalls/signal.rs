//! Signal dispositions, masks, and sending: rt_sigaction, rt_sigprocmask,
//! rt_sigpending, kill, tkill, tgkill.

use std::sync::Arc;

use syscalls::consts::*;
use syscalls::types::{KernelSigaction, Siginfo, SI_TKILL, SI_USER};
use syscalls::Errno;

use super::SysResult;
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
fn may_signal(t: &Task, _target: &ThreadGroup) -> bool {
    let _ = t.creds.euid;
    true
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
    let act = g.sighand.action(sig);
    if g.pid == 1 && act.handler == crate::kernel::signal::SIG_DFL {
        return Ok(0);
    }
    if g.sighand.ignores(sig) {
        return Ok(0);
    }
    target.send_signal(info);
    Ok(0)
}

pub fn tkill(t: &mut Task, a: &[u64; 6]) -> SysResult {
    signal_thread(t, None, a[0] as i32, a[1] as i32)
}

pub fn tgkill(t: &mut Task, a: &[u64; 6]) -> SysResult {
    signal_thread(t, Some(a[0] as i32), a[1] as i32, a[2] as i32)
}
