//! Futexes: wait queues keyed by a user address.
//!
//! Private futexes are keyed by (address space, address); shared ones by the
//! memory-file offset behind the address, so every address space that maps
//! the same page meets in the same queue.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::blocker::Interrupted;
use super::TaskShared;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FutexKey {
    Private { mm: usize, addr: u64 },
    Shared { frame: u64 },
}

/// One waiting task.
pub struct Waiter {
    bitset: u32,
    woken: AtomicBool,
    task: Arc<TaskShared>,
}

impl Waiter {
    fn wake(&self) {
        self.woken.store(true, Ordering::SeqCst);
        self.task.blocker.notify();
    }
}

#[derive(Default)]
pub struct FutexTable {
    queues: Mutex<HashMap<FutexKey, VecDeque<Arc<Waiter>>>>,
}

/// How a wait ended.
#[derive(Debug, PartialEq, Eq)]
pub enum WaitResult {
    Woken,
    TimedOut,
    Interrupted,
}

impl FutexTable {
    /// Queues a waiter on `key` if `still_valid` (run under the table lock,
    /// so no wake can slip between the check and the queueing) says so.
    pub fn enqueue(
        &self,
        key: FutexKey,
        bitset: u32,
        task: &Arc<TaskShared>,
        still_valid: impl FnOnce() -> bool,
    ) -> Option<Arc<Waiter>> {
        let mut q = self.queues.lock().unwrap_or_else(|e| e.into_inner());
        if !still_valid() {
            return None;
        }
        let w = Arc::new(Waiter {
            bitset,
            woken: AtomicBool::new(false),
            task: task.clone(),
        });
        q.entry(key).or_default().push_back(w.clone());
        Some(w)
    }

    /// Blocks until `w` is woken, `deadline` passes, or the task is
    /// interrupted.
    pub fn wait(&self, key: FutexKey, w: &Arc<Waiter>, deadline: Option<Instant>) -> WaitResult {
        let r = w
            .task
            .blocker
            .wait_until(deadline, || w.woken.load(Ordering::SeqCst).then_some(()));
        if r.is_ok() {
            return WaitResult::Woken;
        }
        // Leave the queue, unless a wake got us meanwhile.
        let mut q = self.queues.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(queue) = q.get_mut(&key) {
            queue.retain(|x| !Arc::ptr_eq(x, w));
            if queue.is_empty() {
                q.remove(&key);
            }
        }
        drop(q);
        if w.woken.load(Ordering::SeqCst) {
            WaitResult::Woken
        } else if r == Err(Interrupted::TimedOut) {
            WaitResult::TimedOut
        } else {
            WaitResult::Interrupted
        }
    }

    /// Wakes up to `n` waiters on `key` whose bitset meets `bitset`.
    pub fn wake(&self, key: FutexKey, n: usize, bitset: u32) -> usize {
        let mut q = self.queues.lock().unwrap_or_else(|e| e.into_inner());
        self.wake_locked(&mut q, key, n, bitset)
    }

    fn wake_locked(
        &self,
        q: &mut HashMap<FutexKey, VecDeque<Arc<Waiter>>>,
        key: FutexKey,
        n: usize,
        bitset: u32,
    ) -> usize {
        let Some(queue) = q.get_mut(&key) else {
            return 0;
        };
        let mut woken = 0;
        let mut i = 0;
        while i < queue.len() && woken < n {
            if queue[i].bitset & bitset != 0 {
                let w = queue.remove(i).expect("index in range");
                w.wake();
                woken += 1;
            } else {
                i += 1;
            }
        }
        if queue.is_empty() {
            q.remove(&key);
        }
        woken
    }

    /// Wakes up to `n_wake` waiters on `from` and moves up to `n_move` of the
    /// rest to `to`, if `check` (run under the lock) allows. Returns the
    /// number woken plus moved, or None if `check` failed.
    pub fn requeue(
        &self,
        from: FutexKey,
        to: FutexKey,
        n_wake: usize,
        n_move: usize,
        check: impl FnOnce() -> bool,
    ) -> Option<usize> {
        let mut q = self.queues.lock().unwrap_or_else(|e| e.into_inner());
        if !check() {
            return None;
        }
        let woken = self.wake_locked(&mut q, from, n_wake, u32::MAX);
        let mut moved = Vec::new();
        if let Some(queue) = q.get_mut(&from) {
            while moved.len() < n_move {
                match queue.pop_front() {
                    Some(w) => moved.push(w),
                    None => break,
                }
            }
            if queue.is_empty() {
                q.remove(&from);
            }
        }
        let n = moved.len();
        q.entry(to).or_default().extend(moved);
        Some(woken + n)
    }

    /// FUTEX_WAKE_OP: runs `op` (the atomic update of the second word,
    /// saying whether its condition held) under the table lock, then wakes
    /// up to `n1` waiters on `k1` and, if the condition held, `n2` on `k2`.
    pub fn wake_op<E>(
        &self,
        k1: FutexKey,
        n1: usize,
        k2: FutexKey,
        n2: usize,
        op: impl FnOnce() -> Result<bool, E>,
    ) -> Result<usize, E> {
        let mut q = self.queues.lock().unwrap_or_else(|e| e.into_inner());
        let cond = op()?;
        let mut n = self.wake_locked(&mut q, k1, n1, u32::MAX);
        if cond {
            n += self.wake_locked(&mut q, k2, n2, u32::MAX);
        }
        Ok(n)
    }
}
