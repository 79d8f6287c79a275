//! Advisory file locks, as Linux keeps them (fs/locks.c):
//!
//! - POSIX record locks (fcntl F_SETLK/F_SETLKW), owned by an fd table
//!   (Linux's `files_struct`, which is the process for everything but
//!   CLONE_FILES siblings): byte ranges that split and merge, released when
//!   the owner closes *any* fd of the file and when the table goes away.
//! - OFD locks (F_OFD_SETLK...), the same ranges owned by an open file
//!   description, released when its last reference goes; they conflict with
//!   POSIX locks of every other owner.
//! - flock(2) locks: whole-file, owned by the open file description,
//!   independent of the record locks.
//!
//! Files are identified by (device, inode number), so every open of a file —
//! through the overlay, through another hard link of a gofer file — meets
//! the same locks. Blocked requests sleep on the task's blocker and retry
//! whenever a lock of the file is released or changed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, OnceLock, Weak};

use syscalls::Errno;

use super::File;
use crate::kernel::{current_task, TaskShared};

/// Largest file offset a lock may reach (Linux's OFFSET_MAX): a lock to EOF
/// ends here.
pub const OFFSET_MAX: u64 = i64::MAX as u64;

/// How far the deadlock detector follows a chain of waiters (Linux's
/// MAX_DEADLK_ITERATIONS).
const MAX_DEADLK_ITERATIONS: usize = 10;

/// (device, inode number).
pub type LockKey = (u64, u64);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LockOwner {
    /// A POSIX lock: the id of the fd table that set it.
    Posix(u64),
    /// An OFD lock: the address of the open file description.
    Ofd(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockType {
    Read,
    Write,
}

/// One locked byte range `start..=end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordLock {
    pub owner: LockOwner,
    /// The process that set it (F_GETLK reports it for POSIX locks).
    pub pid: i32,
    pub start: u64,
    pub end: u64,
    pub ty: LockType,
}

impl RecordLock {
    fn overlaps(&self, start: u64, end: u64) -> bool {
        self.start <= end && start <= self.end
    }
}

/// The first lock of another owner that keeps `owner` from taking
/// `start..=end` as `ty`.
pub fn find_conflict(
    locks: &[RecordLock],
    owner: LockOwner,
    start: u64,
    end: u64,
    ty: LockType,
) -> Option<RecordLock> {
    locks
        .iter()
        .find(|l| {
            l.owner != owner
                && l.overlaps(start, end)
                && (l.ty == LockType::Write || ty == LockType::Write)
        })
        .copied()
}

/// Sets (`Some(ty)`) or clears (`None`) `owner`'s lock on `start..=end`:
/// its locks there are cut back or split, and the new lock merges with its
/// neighbours of the same type. Returns whether anything changed.
pub fn apply_lock(
    locks: &mut Vec<RecordLock>,
    owner: LockOwner,
    pid: i32,
    start: u64,
    end: u64,
    ty: Option<LockType>,
) -> bool {
    let before = locks.clone();
    let mut out = Vec::with_capacity(locks.len() + 2);
    for l in locks.drain(..) {
        if l.owner != owner || !l.overlaps(start, end) {
            out.push(l);
            continue;
        }
        if l.start < start {
            out.push(RecordLock {
                end: start - 1,
                ..l
            });
        }
        if l.end > end {
            out.push(RecordLock {
                start: end + 1,
                ..l
            });
        }
    }
    if let Some(ty) = ty {
        let mut new = RecordLock {
            owner,
            pid,
            start,
            end,
            ty,
        };
        out.retain(|l| {
            let adjacent = l.owner == owner
                && l.ty == ty
                && (l.end.checked_add(1) == Some(new.start)
                    || new.end.checked_add(1) == Some(l.start));
            if adjacent {
                new.start = new.start.min(l.start);
                new.end = new.end.max(l.end);
            }
            !adjacent
        });
        out.push(new);
    }
    out.sort_by_key(|l| (l.start, l.end));
    *locks = out;
    *locks != before
}

#[derive(Default)]
struct FileLocks {
    records: Vec<RecordLock>,
    /// flock(2) locks: (open file description address, type).
    flocks: Vec<(usize, LockType)>,
    /// Tasks waiting for a lock of this file.
    waiters: Vec<Weak<TaskShared>>,
}

impl FileLocks {
    fn wake(&mut self) {
        for w in self.waiters.drain(..) {
            if let Some(t) = w.upgrade() {
                t.wake();
            }
        }
    }

    fn add_waiter(&mut self, t: &Arc<TaskShared>) {
        if !self.waiters.iter().any(|w| w.as_ptr() == Arc::as_ptr(t)) {
            self.waiters.push(Arc::downgrade(t));
        }
    }

    fn is_empty(&self) -> bool {
        self.records.is_empty() && self.flocks.is_empty() && self.waiters.is_empty()
    }
}

#[derive(Default)]
struct Table {
    files: HashMap<LockKey, FileLocks>,
    /// POSIX locks held per fd table id.
    posix_held: HashMap<u64, usize>,
    /// Blocked POSIX requests: (tid, waiting owner, owner in the way).
    blocked: Vec<(i32, LockOwner, LockOwner)>,
}

impl Table {
    /// Recounts the POSIX locks of `owner` after a change on `key`.
    fn recount(&mut self, owner: LockOwner, before: usize, key: LockKey) {
        let LockOwner::Posix(id) = owner else { return };
        let after = self
            .files
            .get(&key)
            .map_or(0, |f| f.records.iter().filter(|l| l.owner == owner).count());
        let n = self.posix_held.entry(id).or_insert(0);
        *n = (*n + after).saturating_sub(before);
        if *n == 0 {
            self.posix_held.remove(&id);
        }
        if after >= before {
            POSIX_LOCKS.fetch_add(after - before, Ordering::Relaxed);
        } else {
            POSIX_LOCKS.fetch_sub(before - after, Ordering::Relaxed);
        }
    }

    fn count(&self, owner: LockOwner, key: LockKey) -> usize {
        self.files
            .get(&key)
            .map_or(0, |f| f.records.iter().filter(|l| l.owner == owner).count())
    }

    /// Whether `me` waiting for `other` would close a cycle of waits.
    fn deadlocks(&self, me: LockOwner, other: LockOwner) -> bool {
        let mut cur = other;
        for _ in 0..MAX_DEADLK_ITERATIONS {
            if cur == me {
                return true;
            }
            match self.blocked.iter().find(|b| b.1 == cur) {
                Some(b) => cur = b.2,
                None => return false,
            }
        }
        false
    }

    fn gc(&mut self, key: LockKey) {
        if self.files.get(&key).is_some_and(FileLocks::is_empty) {
            self.files.remove(&key);
        }
    }
}

static TABLE: LazyLock<Mutex<Table>> = LazyLock::new(Mutex::default);
/// POSIX locks held anywhere: closes skip the table while there are none.
static POSIX_LOCKS: AtomicUsize = AtomicUsize::new(0);

fn table() -> MutexGuard<'static, Table> {
    TABLE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Per open file description: which file its locks are on (learnt at its
/// first lock operation, so a description that never locked has none).
#[derive(Default)]
pub struct DescLocks {
    key: OnceLock<LockKey>,
}

/// The lock key of `file`.
pub fn key_of(file: &File) -> Result<LockKey, Errno> {
    if let Some(k) = file.locks.key.get() {
        return Ok(*k);
    }
    let a = file.inode.attr()?;
    Ok(*file.locks.key.get_or_init(|| (a.dev, a.ino)))
}

fn desc_id(file: &File) -> usize {
    file as *const File as usize
}

/// Runs `attempt` under the table lock until it gives an answer; when it
/// gives none the task sleeps until a lock of `key` changes. A signal ends
/// the wait with ERESTARTSYS.
fn wait_for(
    key: LockKey,
    mut attempt: impl FnMut(&mut Table, Option<&Arc<TaskShared>>) -> Option<Result<(), Errno>>,
) -> Result<(), Errno> {
    let Some(me) = current_task() else {
        return attempt(&mut table(), None).unwrap_or(Err(Errno::EAGAIN));
    };
    let tid = me.tid();
    let r = me.blocker.wait_until(None, || {
        let mut t = table();
        let r = attempt(&mut t, Some(&me));
        if r.is_none() {
            t.files.entry(key).or_default().add_waiter(&me);
        }
        r
    });
    let mut t = table();
    t.blocked.retain(|b| b.0 != tid);
    if let Some(f) = t.files.get_mut(&key) {
        f.waiters.retain(|w| w.as_ptr() != Arc::as_ptr(&me));
    }
    t.gc(key);
    r.unwrap_or(Err(Errno::ERESTARTSYS))
}

/// F_GETLK / F_OFD_GETLK: the first lock that would keep `owner` from
/// taking `start..=end` as `ty`.
pub fn test_record(
    file: &File,
    owner: LockOwner,
    start: u64,
    end: u64,
    ty: LockType,
) -> Result<Option<RecordLock>, Errno> {
    let key = key_of(file)?;
    let t = table();
    Ok(t.files
        .get(&key)
        .and_then(|f| find_conflict(&f.records, owner, start, end, ty)))
}

/// F_SETLK(W) / F_OFD_SETLK(W): sets or clears a record lock, waiting for
/// conflicting locks to go if `wait`.
pub fn set_record(
    file: &File,
    owner: LockOwner,
    pid: i32,
    start: u64,
    end: u64,
    ty: Option<LockType>,
    wait: bool,
) -> Result<(), Errno> {
    let key = key_of(file)?;
    wait_for(key, |t, me| {
        let conflict = ty.and_then(|ty| {
            t.files
                .get(&key)
                .and_then(|f| find_conflict(&f.records, owner, start, end, ty))
        });
        if let Some(c) = conflict {
            if !wait {
                return Some(Err(Errno::EAGAIN));
            }
            // Linux's detector follows POSIX owners only.
            if matches!((owner, c.owner), (LockOwner::Posix(_), LockOwner::Posix(_))) {
                if t.deadlocks(owner, c.owner) {
                    return Some(Err(Errno::EDEADLK));
                }
                if let Some(me) = me {
                    let tid = me.tid();
                    t.blocked.retain(|b| b.0 != tid);
                    t.blocked.push((tid, owner, c.owner));
                }
            }
            return None;
        }
        let before = t.count(owner, key);
        let f = t.files.entry(key).or_default();
        if apply_lock(&mut f.records, owner, pid, start, end, ty) {
            f.wake();
        }
        t.recount(owner, before, key);
        t.gc(key);
        Some(Ok(()))
    })
}

/// flock(2): takes (`Some`) or drops (`None`) the description's whole-file
/// lock. A conversion drops the old lock first, as Linux does.
pub fn flock(file: &File, ty: Option<LockType>, wait: bool) -> Result<(), Errno> {
    let key = key_of(file)?;
    let id = desc_id(file);
    {
        let mut t = table();
        let f = t.files.entry(key).or_default();
        match f.flocks.iter().position(|&(d, _)| d == id) {
            Some(i) if Some(f.flocks[i].1) == ty => return Ok(()),
            Some(i) => {
                f.flocks.remove(i);
                f.wake();
            }
            None => {}
        }
        if ty.is_none() {
            t.gc(key);
            return Ok(());
        }
    }
    let Some(ty) = ty else { return Ok(()) };
    wait_for(key, |t, _| {
        let f = t.files.entry(key).or_default();
        let busy = f
            .flocks
            .iter()
            .any(|&(d, lt)| d != id && (lt == LockType::Write || ty == LockType::Write));
        if !busy {
            f.flocks.push((id, ty));
            return Some(Ok(()));
        }
        if !wait {
            return Some(Err(Errno::EWOULDBLOCK));
        }
        None
    })
}

/// An fd of `file` in fd table `table_id` was closed: that table's POSIX
/// locks on the file go.
pub fn fd_closed(table_id: u64, file: &File) {
    if POSIX_LOCKS.load(Ordering::Relaxed) == 0 || file.is_path_only() {
        return;
    }
    if !table().posix_held.contains_key(&table_id) {
        return;
    }
    let Ok(key) = key_of(file) else { return };
    let owner = LockOwner::Posix(table_id);
    let mut t = table();
    let before = t.count(owner, key);
    if before == 0 {
        return;
    }
    if let Some(f) = t.files.get_mut(&key) {
        f.records.retain(|l| l.owner != owner);
        f.wake();
    }
    t.recount(owner, before, key);
    t.gc(key);
}

/// Fd table `table_id` is gone: any POSIX lock it still holds (one whose
/// file could not be told at a close) goes too.
pub fn table_released(table_id: u64) {
    if POSIX_LOCKS.load(Ordering::Relaxed) == 0 {
        return;
    }
    let mut t = table();
    if !t.posix_held.contains_key(&table_id) {
        return;
    }
    let owner = LockOwner::Posix(table_id);
    let keys: Vec<LockKey> = t.files.keys().copied().collect();
    for key in keys {
        let before = t.count(owner, key);
        if before == 0 {
            continue;
        }
        if let Some(f) = t.files.get_mut(&key) {
            f.records.retain(|l| l.owner != owner);
            f.wake();
        }
        t.recount(owner, before, key);
        t.gc(key);
    }
}

/// The last reference to an open file description went: its OFD and
/// flock locks go.
pub fn desc_released(file: &File) {
    let Some(&key) = file.locks.key.get() else {
        return;
    };
    let id = desc_id(file);
    let mut t = table();
    if let Some(f) = t.files.get_mut(&key) {
        let n = f.records.len() + f.flocks.len();
        f.records.retain(|l| l.owner != LockOwner::Ofd(id));
        f.flocks.retain(|&(d, _)| d != id);
        if f.records.len() + f.flocks.len() != n {
            f.wake();
        }
    }
    t.gc(key);
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: LockOwner = LockOwner::Posix(1);
    const B: LockOwner = LockOwner::Posix(2);

    fn l(owner: LockOwner, start: u64, end: u64, ty: LockType) -> RecordLock {
        RecordLock {
            owner,
            pid: 0,
            start,
            end,
            ty,
        }
    }

    #[test]
    fn unlocking_the_middle_splits_a_lock() {
        let mut v = Vec::new();
        apply_lock(&mut v, A, 0, 0, 99, Some(LockType::Write));
        apply_lock(&mut v, A, 0, 40, 59, None);
        assert_eq!(
            v,
            vec![l(A, 0, 39, LockType::Write), l(A, 60, 99, LockType::Write)]
        );
    }

    #[test]
    fn adjacent_locks_of_one_type_merge_and_types_split() {
        let mut v = Vec::new();
        apply_lock(&mut v, A, 0, 0, 9, Some(LockType::Read));
        apply_lock(&mut v, A, 0, 10, 19, Some(LockType::Read));
        assert_eq!(v, vec![l(A, 0, 19, LockType::Read)]);
        apply_lock(&mut v, A, 0, 5, 14, Some(LockType::Write));
        assert_eq!(
            v,
            vec![
                l(A, 0, 4, LockType::Read),
                l(A, 5, 14, LockType::Write),
                l(A, 15, 19, LockType::Read)
            ]
        );
        apply_lock(&mut v, A, 0, 5, 14, Some(LockType::Read));
        assert_eq!(v, vec![l(A, 0, 19, LockType::Read)]);
    }

    #[test]
    fn conflicts_need_another_owner_and_a_writer() {
        let mut v = Vec::new();
        apply_lock(&mut v, A, 0, 0, OFFSET_MAX, Some(LockType::Read));
        assert_eq!(find_conflict(&v, B, 5, 5, LockType::Read), None);
        assert!(find_conflict(&v, B, 5, 5, LockType::Write).is_some());
        assert_eq!(find_conflict(&v, A, 5, 5, LockType::Write), None);
        apply_lock(&mut v, B, 0, 0, 0, Some(LockType::Read));
        assert!(find_conflict(&v, A, 0, 0, LockType::Write).is_some());
        assert!(!apply_lock(&mut v, B, 0, 1, 5, None));
    }

    #[test]
    fn a_cycle_of_posix_waits_is_a_deadlock() {
        let c = LockOwner::Posix(3);
        let mut t = Table::default();
        t.blocked.push((10, A, B));
        assert!(t.deadlocks(B, A));
        assert!(!t.deadlocks(c, A));
        t.blocked.push((11, B, c));
        assert!(t.deadlocks(c, A));
    }
}
