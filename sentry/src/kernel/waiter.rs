//! Readiness notification: the hook every waitable object (pipes, inotify,
//! pidfds, eventfd, timerfd, signalfd, epoll, sockets, ptys) offers to the
//! things that wait on it (a task in poll/read, an epoll instance).
//!
//! An object keeps a `WaitQueue`; whoever wants to hear about it registers
//! a `Waker` with the events it cares about; when the object's readiness
//! may have changed it calls `notify` with the poll bits concerned. The
//! queue holds wakers weakly: a waker that is dropped (an epoll item
//! deleted, a task gone) simply stops being called.
//!
//! Lock order: `notify` may be called with the object's own locks held, so
//! a `Waker::wake` must never call back into a file (no `FileOps::poll`
//! from inside `wake`); it records the event and wakes sleepers.

use std::sync::{Arc, Mutex, Weak};

use super::TaskShared;

/// Every poll event bit: a registration with this mask hears everything.
pub const ALL_EVENTS: u32 = !0;

/// Something that wants to hear when an object's readiness may have changed.
pub trait Waker: Send + Sync {
    /// `events` are the poll bits (POLLIN, POLLOUT, POLLHUP, …) that may
    /// have changed; `ALL_EVENTS` when the notifier does not say.
    fn wake(&self, events: u32);

    /// Whether this waker is exclusive (an EPOLLEXCLUSIVE epoll item): a
    /// notification stops at the first exclusive waker whose `wake`
    /// reports that it woke a sleeper, as Linux's exclusive wait entries.
    fn exclusive(&self) -> bool {
        false
    }

    /// `wake` for an exclusive waker; true if it woke someone (which ends
    /// the notification's round of exclusive wakers).
    fn wake_exclusive(&self, events: u32) -> bool {
        self.wake(events);
        true
    }
}

impl Waker for TaskShared {
    fn wake(&self, _events: u32) {
        TaskShared::wake(self);
    }
}

struct Entry {
    waker: Weak<dyn Waker>,
    mask: u32,
}

impl Entry {
    fn is(&self, w: &Arc<dyn Waker>) -> bool {
        std::ptr::addr_eq(self.waker.as_ptr(), Arc::as_ptr(w))
    }
}

/// The wakers registered on one waitable object.
#[derive(Default)]
pub struct WaitQueue {
    entries: Mutex<Vec<Entry>>,
}

impl WaitQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers `w` for `mask` (added to its mask if already registered).
    pub fn add(&self, w: &Arc<dyn Waker>, mask: u32) {
        let mut e = self.lock();
        if let Some(x) = e.iter_mut().find(|x| x.is(w)) {
            x.mask |= mask;
            return;
        }
        // Registrations of dead wakers go as new ones come.
        e.retain(|x| x.waker.strong_count() > 0);
        e.push(Entry {
            waker: Arc::downgrade(w),
            mask,
        });
    }

    /// Registers a task to be woken on any event (a blocking read, poll).
    pub fn add_task(&self, t: &Arc<TaskShared>) {
        let w: Arc<dyn Waker> = t.clone();
        self.add(&w, ALL_EVENTS);
    }

    /// Unregisters `w`.
    pub fn remove(&self, w: &Arc<dyn Waker>) {
        self.lock().retain(|x| !x.is(w));
    }

    /// Wakes the wakers whose mask meets `events`.
    pub fn notify(&self, events: u32) {
        let live: Vec<Arc<dyn Waker>> = {
            let mut e = self.lock();
            e.retain(|x| x.waker.strong_count() > 0);
            e.iter()
                .filter(|x| x.mask & events != 0)
                .filter_map(|x| x.waker.upgrade())
                .collect()
        };
        // Every non-exclusive waker hears it; exclusive ones in the order
        // they came, until one wakes a sleeper.
        let mut exclusive_done = false;
        for w in live {
            if !w.exclusive() {
                w.wake(events);
            } else if !exclusive_done {
                exclusive_done = w.wake_exclusive(events);
            }
        }
    }

    /// Wakes every waker.
    pub fn notify_all(&self) {
        self.notify(ALL_EVENTS);
    }

    /// Whether anything is registered (tests, diagnostics).
    pub fn is_empty(&self) -> bool {
        let mut e = self.lock();
        e.retain(|x| x.waker.strong_count() > 0);
        e.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[derive(Default)]
    struct Counter(AtomicU32);

    impl Waker for Counter {
        fn wake(&self, events: u32) {
            self.0.fetch_or(events, Ordering::SeqCst);
        }
    }

    #[test]
    fn notify_reaches_matching_live_wakers_only() {
        let q = WaitQueue::default();
        let a = Arc::new(Counter::default());
        let b = Arc::new(Counter::default());
        let (wa, wb): (Arc<dyn Waker>, Arc<dyn Waker>) = (a.clone(), b.clone());
        q.add(&wa, 0x1);
        q.add(&wb, 0x4);
        q.notify(0x1);
        assert_eq!(a.0.load(Ordering::SeqCst), 0x1);
        assert_eq!(b.0.load(Ordering::SeqCst), 0);
        q.remove(&wa);
        q.notify(0x5);
        assert_eq!(a.0.load(Ordering::SeqCst), 0x1);
        assert_eq!(b.0.load(Ordering::SeqCst), 0x5);
        drop((wb, b));
        assert!(q.is_empty());
    }

    /// An exclusive waker that says whether it "had a sleeper".
    struct Excl(AtomicU32, bool);

    impl Waker for Excl {
        fn wake(&self, _events: u32) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
        fn exclusive(&self) -> bool {
            true
        }
        fn wake_exclusive(&self, events: u32) -> bool {
            self.wake(events);
            self.1
        }
    }

    #[test]
    fn exclusive_wakers_stop_at_the_first_that_woke_someone() {
        let q = WaitQueue::default();
        let idle = Arc::new(Excl(AtomicU32::new(0), false));
        let busy = Arc::new(Excl(AtomicU32::new(0), true));
        let last = Arc::new(Excl(AtomicU32::new(0), true));
        let plain = Arc::new(Counter::default());
        let ws: [Arc<dyn Waker>; 4] = [idle.clone(), busy.clone(), last.clone(), plain.clone()];
        for w in &ws {
            q.add(w, 0x1);
        }
        q.notify(0x1);
        assert_eq!(idle.0.load(Ordering::SeqCst), 1);
        assert_eq!(busy.0.load(Ordering::SeqCst), 1);
        assert_eq!(last.0.load(Ordering::SeqCst), 0);
        assert_eq!(plain.0.load(Ordering::SeqCst), 0x1);
    }

    #[test]
    fn adding_twice_widens_the_mask() {
        let q = WaitQueue::default();
        let a = Arc::new(Counter::default());
        let wa: Arc<dyn Waker> = a.clone();
        q.add(&wa, 0x1);
        q.add(&wa, 0x4);
        q.notify(0x4);
        assert_eq!(a.0.load(Ordering::SeqCst), 0x4);
        assert_eq!(q.lock().len(), 1);
    }
}
