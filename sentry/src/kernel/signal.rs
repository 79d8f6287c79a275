//! Signal bookkeeping: pending sets (standard signals coalesce, real-time
//! signals queue), handler tables shared by CLONE_SIGHAND, and Linux's
//! default actions.

use std::collections::VecDeque;
use std::sync::Mutex;

use syscalls::consts::*;
use syscalls::types::{KernelSigaction, Siginfo};

pub const SIG_DFL: u64 = 0;
pub const SIG_IGN: u64 = 1;

/// Bit for signal `sig` (1-based) in a 64-bit set.
pub fn bit(sig: i32) -> u64 {
    1u64 << (sig - 1)
}

/// SIGKILL and SIGSTOP can be neither caught, blocked nor ignored.
pub const UNBLOCKABLE: u64 = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1));

/// Synchronous signals that come from faults (delivered first).
const SYNCHRONOUS: u64 = (1 << (SIGSEGV - 1))
    | (1 << (SIGBUS - 1))
    | (1 << (SIGILL - 1))
    | (1 << (SIGTRAP - 1))
    | (1 << (SIGFPE - 1))
    | (1 << (SIGSYS - 1));

/// What SIG_DFL does for a signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultAction {
    Terminate,
    Core,
    Ignore,
    Stop,
    Continue,
}

pub fn default_action(sig: i32) -> DefaultAction {
    match sig {
        SIGQUIT | SIGILL | SIGTRAP | SIGABRT | SIGBUS | SIGFPE | SIGSEGV | SIGXCPU | SIGXFSZ
        | SIGSYS => DefaultAction::Core,
        SIGCHLD | SIGURG | SIGWINCH => DefaultAction::Ignore,
        SIGCONT => DefaultAction::Continue,
        SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU => DefaultAction::Stop,
        _ => DefaultAction::Terminate,
    }
}

/// Signals waiting for delivery to a task or a thread group.
#[derive(Default, Clone)]
pub struct Pending {
    /// Which signals are pending.
    pub set: u64,
    /// Their siginfo, in arrival order; one entry per standard signal, any
    /// number per real-time signal.
    queue: VecDeque<Siginfo>,
}

impl Pending {
    /// Queues `info`. A standard signal already pending is not queued again.
    pub fn push(&mut self, info: Siginfo) {
        let sig = info.si_signo;
        if sig < SIGRTMIN && self.set & bit(sig) != 0 {
            return;
        }
        self.set |= bit(sig);
        self.queue.push_back(info);
    }

    /// Takes the next deliverable signal not in `blocked`: synchronous
    /// signals first, then the lowest-numbered one, as Linux does.
    pub fn take(&mut self, blocked: u64) -> Option<Siginfo> {
        let ready = self.set & !(blocked & !UNBLOCKABLE);
        if ready == 0 {
            return None;
        }
        let pick = if ready & SYNCHRONOUS != 0 {
            ready & SYNCHRONOUS
        } else {
            ready
        };
        let sig = pick.trailing_zeros() as i32 + 1;
        self.take_signal(sig)
    }

    /// Takes one instance of `sig` if pending.
    pub fn take_signal(&mut self, sig: i32) -> Option<Siginfo> {
        let i = self.queue.iter().position(|s| s.si_signo == sig)?;
        let info = self.queue.remove(i).expect("position found");
        if !self.queue.iter().any(|s| s.si_signo == sig) {
            self.set &= !bit(sig);
        }
        Some(info)
    }

    /// If a signal from POSIX timer `id` (or an interval timer, for other
    /// codes) is still waiting here, adds `n` to its si_overrun (POSIX
    /// timers only) and returns true.
    pub fn bump_timer_overrun(&mut self, sig: i32, id: i32, code: i32, n: u32) -> bool {
        let Some(s) = self.queue.iter_mut().find(|s| {
            s.si_signo == sig
                && s.si_code == code
                && (code != super::timers::SI_TIMER || s.fields[0] as u32 as i32 == id)
        }) else {
            return false;
        };
        if code == super::timers::SI_TIMER {
            let ov = ((s.fields[0] >> 32) as u32)
                .saturating_add(n)
                .min(i32::MAX as u32);
            s.fields[0] = (s.fields[0] & 0xffff_ffff) | (u64::from(ov) << 32);
        }
        true
    }

    /// Drops every pending instance of the signals in `mask`.
    pub fn discard(&mut self, mask: u64) {
        self.queue.retain(|s| mask & bit(s.si_signo) == 0);
        self.set &= !mask;
    }
}

/// A signal handler table, shared by tasks cloned with CLONE_SIGHAND.
pub struct SigHand {
    pub actions: Mutex<[KernelSigaction; 64]>,
}

impl SigHand {
    pub fn new() -> SigHand {
        SigHand {
            actions: Mutex::new([KernelSigaction::default(); 64]),
        }
    }

    pub fn copy(&self) -> SigHand {
        SigHand {
            actions: Mutex::new(*self.lock()),
        }
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, [KernelSigaction; 64]> {
        self.actions.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn action(&self, sig: i32) -> KernelSigaction {
        self.lock()[(sig - 1) as usize]
    }

    /// Whether `sig` would be discarded at generation time: ignored,
    /// explicitly or by default.
    pub fn ignores(&self, sig: i32) -> bool {
        let a = self.action(sig);
        a.handler == SIG_IGN || a.handler == SIG_DFL && default_action(sig) == DefaultAction::Ignore
    }

    /// execve: handlers go back to SIG_DFL, ignored signals stay ignored.
    pub fn reset_for_exec(&self) {
        for a in self.lock().iter_mut() {
            if a.handler != SIG_IGN {
                *a = KernelSigaction::default();
            }
        }
    }
}

impl Default for SigHand {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(sig: i32, val: u64) -> Siginfo {
        let mut i = Siginfo::kill(sig, 0, 1, 0);
        i.fields[2] = val;
        i
    }

    #[test]
    fn standard_signals_coalesce_and_rt_signals_queue() {
        let mut p = Pending::default();
        p.push(info(SIGUSR1, 1));
        p.push(info(SIGUSR1, 2));
        p.push(info(SIGRTMIN, 3));
        p.push(info(SIGRTMIN, 4));
        assert_eq!(p.take(0).unwrap().si_signo, SIGUSR1);
        assert!(p.take_signal(SIGUSR1).is_none());
        assert_eq!(p.take(0).unwrap().fields[2], 3);
        assert_eq!(p.take(0).unwrap().fields[2], 4);
        assert!(p.take(0).is_none());
    }

    #[test]
    fn blocked_signals_wait_and_sync_signals_go_first() {
        let mut p = Pending::default();
        p.push(info(SIGHUP, 0));
        p.push(info(SIGSEGV, 0));
        assert!(p.take(bit(SIGHUP) | bit(SIGSEGV)).is_none());
        assert_eq!(p.take(0).unwrap().si_signo, SIGSEGV);
        assert_eq!(p.take(0).unwrap().si_signo, SIGHUP);
        // SIGKILL cannot be blocked.
        p.push(info(SIGKILL, 0));
        assert_eq!(p.take(u64::MAX).unwrap().si_signo, SIGKILL);
    }
}
