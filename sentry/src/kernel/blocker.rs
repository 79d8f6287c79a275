//! Sleeping in the sentry: every blocking syscall waits on its task's
//! `Blocker`, which the event it waits for *and* signal delivery can wake.

use std::sync::{Condvar, Mutex};
use std::time::Instant;

/// Why a wait ended without its condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interrupted {
    /// A signal (or a group exit) needs the task.
    Signal,
    TimedOut,
}

#[derive(Default)]
struct State {
    /// Bumped by every notification, so a waiter can tell whether something
    /// happened between checking its condition and going to sleep.
    seq: u64,
    interrupted: bool,
    /// The task is asleep here (state S in /proc).
    sleeping: bool,
}

thread_local! {
    /// Set when this thread woke a task asleep on its blocker: the task
    /// loop yields the CPU once before resuming its own application code,
    /// so that a woken task sharing the CPU runs before the waker's next
    /// system call instead of after it.
    static WOKE_A_SLEEPER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread woke a sleeping task since the last call.
pub fn take_woke_a_sleeper() -> bool {
    WOKE_A_SLEEPER.with(|w| w.replace(false))
}

#[derive(Default)]
pub struct Blocker {
    state: Mutex<State>,
    cond: Condvar,
}

impl Blocker {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Something the task may be waiting for happened.
    pub fn notify(&self) {
        let mut s = self.lock();
        s.seq += 1;
        if s.sleeping {
            WOKE_A_SLEEPER.with(|w| w.set(true));
        }
        drop(s);
        self.cond.notify_all();
    }

    /// The task must stop waiting (a signal, a kill).
    pub fn interrupt(&self) {
        let mut s = self.lock();
        s.interrupted = true;
        s.seq += 1;
        drop(s);
        self.cond.notify_all();
    }

    /// Clears a pending interruption once the task has handled it.
    pub fn clear_interrupt(&self) {
        self.lock().interrupted = false;
    }

    pub fn is_interrupted(&self) -> bool {
        self.lock().interrupted
    }

    /// Whether the task sleeps in a wait now.
    pub fn is_sleeping(&self) -> bool {
        self.lock().sleeping
    }

    fn set_sleeping(&self, on: bool) {
        self.lock().sleeping = on;
    }

    /// Waits until `check` returns a value, the task is interrupted, or
    /// `deadline` passes. `check` runs without the blocker's lock held and
    /// again after every notification.
    pub fn wait_until<T>(
        &self,
        deadline: Option<Instant>,
        mut check: impl FnMut() -> Option<T>,
    ) -> Result<T, Interrupted> {
        loop {
            let seq = self.lock().seq;
            if let Some(v) = check() {
                return Ok(v);
            }
            let mut s = self.lock();
            if s.interrupted {
                return Err(Interrupted::Signal);
            }
            while s.seq == seq && !s.interrupted {
                s.sleeping = true;
                match deadline {
                    None => s = self.cond.wait(s).unwrap_or_else(|e| e.into_inner()),
                    Some(d) => {
                        let now = Instant::now();
                        if now >= d {
                            s.sleeping = false;
                            drop(s);
                            // One last look: the event may have just happened.
                            return check().ok_or(Interrupted::TimedOut);
                        }
                        s = self
                            .cond
                            .wait_timeout(s, d - now)
                            .unwrap_or_else(|e| e.into_inner())
                            .0;
                    }
                }
            }
            s.sleeping = false;
        }
    }

    /// Sleeps until `deadline` unless interrupted.
    pub fn sleep_until(&self, deadline: Instant) -> Result<(), Interrupted> {
        match self.wait_until(Some(deadline), || None::<()>) {
            Err(Interrupted::TimedOut) => Ok(()),
            Err(e) => Err(e),
            Ok(()) => Ok(()),
        }
    }
}

/// Runs `wait`, a wait outside the blocker (a host poll a kick ends), with
/// the calling task shown asleep (state S in /proc) meanwhile.
pub fn asleep<T>(wait: impl FnOnce() -> T) -> T {
    let task = super::current_task();
    if let Some(t) = &task {
        t.blocker.set_sleeping(true);
    }
    let r = wait();
    if let Some(t) = &task {
        t.blocker.set_sleeping(false);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn notify_wakes_a_waiter_whose_condition_now_holds() {
        let b = Arc::new(Blocker::default());
        let flag = Arc::new(AtomicBool::new(false));
        let (b2, f2) = (b.clone(), flag.clone());
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            f2.store(true, Ordering::SeqCst);
            b2.notify();
        });
        let r = b.wait_until(None, || flag.load(Ordering::SeqCst).then_some(7));
        assert_eq!(r, Ok(7));
        t.join().unwrap();
    }

    #[test]
    fn interrupt_and_timeout_end_waits() {
        let b = Blocker::default();
        let d = Instant::now() + Duration::from_millis(10);
        assert_eq!(
            b.wait_until(Some(d), || None::<()>),
            Err(Interrupted::TimedOut)
        );
        b.interrupt();
        assert_eq!(b.wait_until(None, || None::<()>), Err(Interrupted::Signal));
        b.clear_interrupt();
        assert!(b
            .sleep_until(Instant::now() + Duration::from_millis(1))
            .is_ok());
    }
}
