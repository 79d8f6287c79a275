//! Signal dispositions and masks. Recorded now; delivery comes with #3.

use syscalls::consts::*;
use syscalls::types::KernelSigaction;
use syscalls::Errno;

use super::SysResult;
use crate::kernel::Task;

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
    Ok(0)
}
