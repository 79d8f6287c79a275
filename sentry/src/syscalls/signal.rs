//! Signal dispositions and masks. Recorded now; delivery comes with #3.

use syscalls::consts::*;
use syscalls::types::KernelSigaction;
use syscalls::Errno;

use super::SysResult;
use crate::kernel::{ExitStatus, Task};

const SIGSET_SIZE: u64 = 8;
/// SIGKILL and SIGSTOP can be neither caught nor blocked.
const UNBLOCKABLE: u64 = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1));

pub fn rt_sigaction(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (sig, act, oact) = (a[0] as i32, a[1], a[2]);
    if a[3] != SIGSET_SIZE || !(1..=64).contains(&sig) {
        return Err(Errno::EINVAL);
    }
    let new: Option<KernelSigaction> = if act != 0 {
        Some(t.mm().read_obj(act)?)
    } else {
        None
    };
    if new.is_some() && (sig == SIGKILL || sig == SIGSTOP) {
        return Err(Errno::EINVAL);
    }
    let mut acts = t.lock_sigactions();
    let i = (sig - 1) as usize;
    let old = acts[i];
    if let Some(mut n) = new {
        n.mask &= !UNBLOCKABLE;
        acts[i] = n;
    }
    drop(acts);
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
    let old = t.sigmask;
    if set != 0 {
        let s: u64 = t.mm().read_obj(set)?;
        t.sigmask = match how {
            SIG_BLOCK => old | s,
            SIG_UNBLOCK => old & !s,
            SIG_SETMASK => s,
            _ => return Err(Errno::EINVAL),
        } & !UNBLOCKABLE;
    }
    if oset != 0 {
        t.mm().write_obj(oset, &old)?;
    }
    deliver_unblocked(t);
    Ok(0)
}

/// What SIG_DFL does for a signal.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Default {
    Terminate,
    Core,
    Ignore,
    Stop,
}

fn default_action(sig: i32) -> Default {
    match sig {
        SIGQUIT | SIGILL | SIGTRAP | SIGABRT | SIGBUS | SIGFPE | SIGSEGV | SIGXCPU | SIGXFSZ
        | SIGSYS => Default::Core,
        SIGCHLD | SIGURG | SIGWINCH | SIGCONT => Default::Ignore,
        SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU => Default::Stop,
        _ => Default::Terminate,
    }
}

/// Sends `sig` to the calling process, the only one there is until fork.
/// Default actions and SIG_IGN are carried out; blocked signals stay
/// pending until unblocked; delivery to handlers comes with #3.
fn send_to_self(t: &mut Task, sig: i32) -> SysResult {
    if sig == 0 {
        return Ok(0);
    }
    if !(1..=64).contains(&sig) {
        return Err(Errno::EINVAL);
    }
    let bit = 1u64 << (sig - 1);
    if t.sigmask & bit != 0 && sig != SIGKILL && sig != SIGSTOP {
        t.pending_signals |= bit;
        return Ok(0);
    }
    act_on(t, sig)
}

/// Carries out the disposition of `sig` for the calling process.
fn act_on(t: &mut Task, sig: i32) -> SysResult {
    let handler = t.lock_sigactions()[(sig - 1) as usize].handler;
    match handler {
        SIG_IGN_HANDLER => Ok(0),
        SIG_DFL_HANDLER => {
            // Linux's rule for a pid namespace's init: signals from inside
            // the namespace without a handler are dropped, SIGKILL included.
            if t.tg.pid == 1 {
                return Ok(0);
            }
            match default_action(sig) {
                Default::Ignore => Ok(0),
                Default::Stop => {
                    Err(Errno::ENOSYS.with_msg("job-control stops are not supported yet"))
                }
                d => {
                    t.exiting = Some(ExitStatus::Signal {
                        signo: sig,
                        core: d == Default::Core,
                    });
                    Ok(0)
                }
            }
        }
        _ => Err(Errno::ENOSYS.with_msg("signal handlers are not delivered yet")),
    }
}

const SIG_DFL_HANDLER: u64 = 0;
const SIG_IGN_HANDLER: u64 = 1;

/// Acts on pending signals that the mask no longer blocks.
pub(crate) fn deliver_unblocked(t: &mut Task) {
    let ready = t.pending_signals & !t.sigmask;
    for sig in 1..=64 {
        if ready & (1 << (sig - 1)) != 0 {
            t.pending_signals &= !(1 << (sig - 1));
            let _ = act_on(t, sig);
            if t.exiting.is_some() {
                return;
            }
        }
    }
}

pub fn kill(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (pid, sig) = (a[0] as i32, a[1] as i32);
    let (pgid, _) = *t.tg.pgid_sid.lock().unwrap_or_else(|e| e.into_inner());
    let me = pid == t.tg.pid || pid == 0 || pid == -pgid;
    if pid == -1 {
        // Every process but init and the caller: there are none yet.
        return Err(Errno::ESRCH);
    }
    if !me {
        return Err(Errno::ESRCH);
    }
    send_to_self(t, sig)
}

pub fn tkill(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let tid = a[0] as i32;
    if tid <= 0 {
        return Err(Errno::EINVAL);
    }
    if tid != t.tid {
        return Err(Errno::ESRCH);
    }
    send_to_self(t, a[1] as i32)
}

pub fn tgkill(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (tgid, tid) = (a[0] as i32, a[1] as i32);
    if tgid <= 0 || tid <= 0 {
        return Err(Errno::EINVAL);
    }
    if tgid != t.tg.pid || tid != t.tid {
        return Err(Errno::ESRCH);
    }
    send_to_self(t, a[2] as i32)
}
