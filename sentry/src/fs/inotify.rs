//! inotify(7): watches on inodes, and the event queue an inotify fd reads.
//!
//! A watch names a file by its device and inode numbers, as Linux's inode
//! does: the overlay and the gofer may hand out more than one inode object
//! for one file (hard links looked up by different names). The watch holds
//! a reference to the inode it was added on, so those numbers stay its own. Events come from one-line hooks in
//! the syscall handlers and the VFS (`notify_*`, `on_*` below); every hook
//! returns after one relaxed atomic load while no watch exists anywhere, so
//! file I/O pays nothing for inotify until someone uses it.
//!
//! Not generated: events for changes made outside the sandbox (a host
//! process writing a bind-mounted file), IN_UNMOUNT, and IN_ACCESS for
//! getdents. IN_DELETE_SELF comes when the last name goes, even if
//! the file is still open (Linux waits for the last close).

use std::any::Any;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, Weak};

use syscalls::consts::*;
use syscalls::Errno;

use crate::kernel::waiter::{WaitQueue, Waker};
use crate::kernel::{current_task, TaskShared};
use crate::vfs::{
    anon_dev, Attr, Dentry, File, FileOps, FileType, Inode, InodeRef, Owner, Path, Time,
};

/// Events one instance queues before IN_Q_OVERFLOW (Linux's default
/// `max_queued_events`).
pub const MAX_QUEUED_EVENTS: usize = 16384;
/// `sizeof(struct inotify_event)`, without the name.
const EVENT_HEADER: usize = 16;

const POLLIN: i16 = 0x001;
const POLLRDNORM: i16 = 0x040;

/// Flags `inotify_add_watch` understands besides events.
const WATCH_FLAGS: u32 = IN_ONLYDIR
    | IN_DONT_FOLLOW
    | IN_EXCL_UNLINK
    | IN_MASK_ADD
    | IN_MASK_CREATE
    | IN_ONESHOT
    | IN_ISDIR
    | IN_UNMOUNT
    | IN_Q_OVERFLOW
    | IN_IGNORED;

/// Watches alive in the whole sandbox.
static WATCHES: AtomicUsize = AtomicUsize::new(0);

/// For each watched inode (by address): the instances watching it and the
/// watch descriptor each gave it.
type Registry = HashMap<Key, Vec<(Weak<Instance>, i32)>>;

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// A file's identity: device and inode number.
type Key = (u64, u64);

fn registry() -> MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

fn key(inode: &InodeRef) -> Option<Key> {
    inode.attr().ok().map(|a| (a.dev, a.ino))
}

/// Whether any watch exists (the hooks' fast path).
#[inline]
pub fn active() -> bool {
    WATCHES.load(Ordering::Relaxed) != 0
}

struct Watch {
    /// Keeps the file, and so its numbers, alive.
    _inode: InodeRef,
    key: Key,
    mask: u32,
}

#[derive(PartialEq, Eq)]
struct Event {
    wd: i32,
    mask: u32,
    cookie: u32,
    name: Vec<u8>,
}

impl Event {
    /// The name's length as `struct inotify_event` reports it: NUL-padded
    /// to a multiple of the header size, 0 without a name.
    fn name_len(&self) -> usize {
        if self.name.is_empty() {
            0
        } else {
            (self.name.len() + 1).div_ceil(EVENT_HEADER) * EVENT_HEADER
        }
    }

    fn size(&self) -> usize {
        EVENT_HEADER + self.name_len()
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.wd.to_ne_bytes());
        out.extend_from_slice(&self.mask.to_ne_bytes());
        out.extend_from_slice(&self.cookie.to_ne_bytes());
        out.extend_from_slice(&(self.name_len() as u32).to_ne_bytes());
        let start = out.len();
        out.extend_from_slice(&self.name);
        out.resize(start + self.name_len(), 0);
    }
}

#[derive(Default)]
struct State {
    next_wd: i32,
    watches: HashMap<i32, Watch>,
    by_inode: HashMap<Key, i32>,
    events: VecDeque<Event>,
    /// Bytes a read of the whole queue returns (FIONREAD).
    bytes: usize,
}

/// One inotify instance: what an inotify fd refers to.
pub struct Instance {
    state: Mutex<State>,
    /// Readers and pollers of the instance.
    queue: WaitQueue,
}

impl Instance {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `ev`, merging it with an identical last event and turning it
    /// into IN_Q_OVERFLOW past the limit, and wakes readers.
    fn queue(s: &mut State, ev: Event) {
        if s.events.len() >= MAX_QUEUED_EVENTS {
            if s.events.back().is_some_and(|e| e.mask == IN_Q_OVERFLOW) {
                return;
            }
            let ov = Event {
                wd: -1,
                mask: IN_Q_OVERFLOW,
                cookie: 0,
                name: Vec::new(),
            };
            s.bytes += ov.size();
            s.events.push_back(ov);
        } else {
            if s.events.back() == Some(&ev) {
                return;
            }
            s.bytes += ev.size();
            s.events.push_back(ev);
        }
    }

    /// Drops watch `wd` of instance `me` and queues IN_IGNORED for it.
    fn remove_watch(me: *const Instance, s: &mut State, wd: i32) -> bool {
        let Some(w) = s.watches.remove(&wd) else {
            return false;
        };
        s.by_inode.remove(&w.key);
        unregister(me, w.key, wd);
        Self::queue(
            s,
            Event {
                wd,
                mask: IN_IGNORED,
                cookie: 0,
                name: Vec::new(),
            },
        );
        true
    }

    /// Event `mask` (one event bit, maybe IN_ISDIR) for watch `wd`.
    fn event(&self, wd: i32, mask: u32, cookie: u32, name: &[u8]) {
        self.event_locked(wd, mask, cookie, name);
        self.queue.notify(POLLIN as u32);
    }

    fn event_locked(&self, wd: i32, mask: u32, cookie: u32, name: &[u8]) {
        let mut s = self.lock();
        let Some(w) = s.watches.get(&wd) else {
            return;
        };
        let wmask = w.mask;
        if wmask & mask & IN_ALL_EVENTS != 0 {
            Self::queue(
                &mut s,
                Event {
                    wd,
                    mask,
                    cookie,
                    name: name.to_vec(),
                },
            );
            if wmask & IN_ONESHOT != 0 {
                Self::remove_watch(self, &mut s, wd);
                return;
            }
        }
        if mask & IN_DELETE_SELF != 0 {
            // The inode is gone: so is the watch.
            Self::remove_watch(self, &mut s, wd);
        }
    }

    fn add_watch(self: &Arc<Self>, inode: InodeRef, mask: u32) -> Result<i32, Errno> {
        let k = key(&inode).ok_or(Errno::ENOENT)?;
        let mut s = self.lock();
        let keep = mask & (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK);
        let existing = s.by_inode.get(&k).copied();
        if let Some((wd, w)) = existing.and_then(|wd| Some((wd, s.watches.get_mut(&wd)?))) {
            if mask & IN_MASK_CREATE != 0 {
                return Err(Errno::EEXIST);
            }
            w.mask = if mask & IN_MASK_ADD != 0 {
                w.mask | keep
            } else {
                keep
            };
            return Ok(wd);
        }
        s.next_wd = s.next_wd.checked_add(1).ok_or(Errno::ENOSPC)?;
        let wd = s.next_wd;
        s.watches.insert(
            wd,
            Watch {
                _inode: inode,
                key: k,
                mask: keep,
            },
        );
        s.by_inode.insert(k, wd);
        registry()
            .entry(k)
            .or_default()
            .push((Arc::downgrade(self), wd));
        WATCHES.fetch_add(1, Ordering::Relaxed);
        Ok(wd)
    }

    fn rm_watch(&self, wd: i32) -> Result<(), Errno> {
        if Self::remove_watch(self, &mut self.lock(), wd) {
            self.queue.notify(POLLIN as u32);
            Ok(())
        } else {
            Err(Errno::EINVAL)
        }
    }

    /// Takes whole events that fit in `max` bytes, encoded; EINVAL when the
    /// next one does not fit, None when the queue is empty.
    fn take(&self, max: usize) -> Option<Result<Vec<u8>, Errno>> {
        let mut s = self.lock();
        let first = s.events.front()?;
        if first.size() > max {
            return Some(Err(Errno::EINVAL));
        }
        let mut out = Vec::new();
        while s
            .events
            .front()
            .is_some_and(|e| out.len() + e.size() <= max)
        {
            let Some(e) = s.events.pop_front() else { break };
            s.bytes -= e.size();
            e.encode(&mut out);
        }
        Some(Ok(out))
    }

    fn add_waiter(&self, t: &Arc<TaskShared>) {
        self.queue.add_task(t);
    }
}

/// Sends event `mask` to the watches of `inode`.
fn deliver(inode: &InodeRef, mask: u32, cookie: u32, name: &[u8]) {
    let Some(k) = key(inode) else {
        return;
    };
    let targets: Vec<(Arc<Instance>, i32)> = match registry().get(&k) {
        Some(v) => v
            .iter()
            .filter_map(|(i, wd)| Some((i.upgrade()?, *wd)))
            .collect(),
        None => return,
    };
    for (inst, wd) in targets {
        inst.event(wd, mask, cookie, name);
    }
}

fn isdir(inode: &InodeRef) -> u32 {
    if inode.file_type() == FileType::Directory {
        IN_ISDIR
    } else {
        0
    }
}

/// Event `mask` on the file at `path` (or just `inode`): to its own
/// watches and, with its name, to its directory's.
#[inline]
pub fn notify_file(path: Option<&Path>, inode: &InodeRef, mask: u32) {
    if active() {
        notify_file_slow(path, inode, mask);
    }
}

fn notify_file_slow(path: Option<&Path>, inode: &InodeRef, mask: u32) {
    let mask = mask | isdir(inode);
    deliver(inode, mask, 0, b"");
    if let Some(p) = path {
        if let Some(parent) = p.dentry.parent() {
            deliver(&parent.inode, mask, 0, &p.dentry.name());
        }
    }
}

/// A file description was opened; `truncated` by O_TRUNC of an existing file.
#[inline]
pub fn on_open(file: &File, truncated: bool) {
    if active() && !file.is_path_only() {
        notify_file_slow(file.path.as_ref(), &file.inode, IN_OPEN);
        if truncated && file.writable() && file.inode.file_type() == FileType::Regular {
            notify_file_slow(file.path.as_ref(), &file.inode, IN_MODIFY);
        }
    }
}

/// The last reference to a file description went away.
#[inline]
pub fn on_close(file: &File) {
    if active() && !file.is_path_only() {
        let mask = if file.writable() {
            IN_CLOSE_WRITE
        } else {
            IN_CLOSE_NOWRITE
        };
        notify_file_slow(file.path.as_ref(), &file.inode, mask);
    }
}

/// Attributes changed (chmod, chown, utimes, truncate), as Linux's
/// `fsnotify_change` reports them.
#[inline]
pub fn on_set_attr(path: Option<&Path>, inode: &InodeRef, req: &crate::vfs::SetAttr) {
    if !active() {
        return;
    }
    let mut mask = 0;
    if req.uid.is_some() || req.gid.is_some() || req.mode.is_some() {
        mask |= IN_ATTRIB;
    }
    if req.size.is_some() {
        mask |= IN_MODIFY;
    }
    match (req.atime.is_some(), req.mtime.is_some()) {
        (true, true) => mask |= IN_ATTRIB,
        (true, false) => mask |= IN_ACCESS,
        (false, true) => mask |= IN_MODIFY,
        (false, false) => {}
    }
    // One event per bit, in Linux's order.
    for bit in [IN_ACCESS, IN_MODIFY, IN_ATTRIB] {
        if mask & bit != 0 {
            notify_file_slow(path, inode, bit);
        }
    }
}

/// `name` was created in `dir` (create, mkdir, symlink, mknod).
#[inline]
pub fn on_create(dir: &InodeRef, name: &[u8], child: &InodeRef) {
    if active() {
        deliver(dir, IN_CREATE | isdir(child), 0, name);
    }
}

/// A hard link `name` to `inode` was made in `dir`.
#[inline]
pub fn on_link(dir: &InodeRef, name: &[u8], inode: &InodeRef) {
    if active() {
        deliver(inode, IN_ATTRIB, 0, b"");
        deliver(dir, IN_CREATE, 0, name);
    }
}

/// Whether removing a name of `inode` removes its last one; asked before
/// the unlink or rename, only while watches exist.
#[inline]
pub fn last_link(inode: &InodeRef) -> bool {
    active()
        && inode.attr().map_or(true, |a| {
            a.nlink <= 1 || inode.file_type() == FileType::Directory
        })
}

/// The inode lost its last name: IN_DELETE_SELF, and its watches end.
fn deleted(inode: &InodeRef) {
    deliver(inode, IN_DELETE_SELF, 0, b"");
}

/// Non-directory `name` of `dir` was unlinked; `last` from [`last_link`].
#[inline]
pub fn on_unlink(dir: &InodeRef, name: &[u8], child: &InodeRef, last: bool) {
    if active() {
        deliver(child, IN_ATTRIB, 0, b"");
        if last {
            deleted(child);
        }
        deliver(dir, IN_DELETE, 0, name);
    }
}

/// Directory `name` of `dir` was removed.
#[inline]
pub fn on_rmdir(dir: &InodeRef, name: &[u8], child: &InodeRef) {
    if active() {
        deleted(child);
        deliver(dir, IN_DELETE | IN_ISDIR, 0, name);
    }
}

/// `moved` went from `old` in `old_dir` to `new` in `new_dir`, replacing
/// `replaced` (with whether that was its last name, from [`last_link`]).
#[inline]
pub fn on_rename(
    old_dir: &Path,
    old: &[u8],
    new_dir: &Path,
    new: &[u8],
    moved: &Arc<Dentry>,
    replaced: Option<(bool, Arc<Dentry>)>,
) {
    if active() {
        let replaced = replaced.as_ref().map(|(last, d)| (&d.inode, *last));
        moved_slow(old_dir, old, new_dir, new, &moved.inode, replaced);
    }
}

/// RENAME_EXCHANGE of `a` in `a_dir` (the dentry `da`) and `b` in `b_dir`
/// (`db`): two moves.
#[inline]
pub fn on_exchange(
    a_dir: &Path,
    a: &[u8],
    b_dir: &Path,
    b: &[u8],
    da: &Arc<Dentry>,
    db: &Arc<Dentry>,
) {
    if active() {
        moved_slow(a_dir, a, b_dir, b, &da.inode, None);
        moved_slow(b_dir, b, a_dir, a, &db.inode, None);
    }
}

fn moved_slow(
    old_dir: &Path,
    old: &[u8],
    new_dir: &Path,
    new: &[u8],
    moved: &InodeRef,
    replaced: Option<(&InodeRef, bool)>,
) {
    static COOKIE: AtomicU32 = AtomicU32::new(0);
    let cookie = COOKIE.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
    let d = isdir(moved);
    deliver(&old_dir.dentry.inode, IN_MOVED_FROM | d, cookie, old);
    deliver(&new_dir.dentry.inode, IN_MOVED_TO | d, cookie, new);
    if let Some((r, _)) = replaced {
        deliver(r, IN_ATTRIB, 0, b"");
    }
    deliver(moved, IN_MOVE_SELF | d, 0, b"");
    if let Some((r, true)) = replaced {
        deleted(r);
    }
}

static INOTIFY_DEV: LazyLock<u64> = LazyLock::new(anon_dev);

/// The anonymous inode behind an inotify fd.
pub struct InotifyInode {
    instance: Arc<Instance>,
    owner: Owner,
    created: Time,
}

impl Inode for InotifyInode {
    fn file_type(&self) -> FileType {
        // An anonymous inode: no type bits, like Linux's.
        FileType::Regular
    }

    fn attr(&self) -> Result<Attr, Errno> {
        Ok(super::anon_attr(1, *INOTIFY_DEV, self.owner, self.created))
    }

    fn open(self: Arc<Self>, _flags: u32) -> Result<Box<dyn FileOps>, Errno> {
        Err(Errno::ENXIO)
    }

    fn anon_name(&self) -> Option<&'static str> {
        Some("inotify")
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

struct InotifyFile {
    instance: Arc<Instance>,
}

/// A new inotify fd's file; `flags` may hold O_NONBLOCK.
pub fn new_inotify(owner: Owner, flags: u32) -> Arc<File> {
    let instance = Arc::new(Instance {
        state: Mutex::new(State::default()),
        queue: WaitQueue::default(),
    });
    let inode = Arc::new(InotifyInode {
        instance: instance.clone(),
        owner,
        created: Time::now(),
    });
    File::new(
        Box::new(InotifyFile { instance }),
        inode,
        None,
        O_RDONLY | (flags & O_NONBLOCK),
    )
}

/// The instance behind `file`, or EINVAL if it is not an inotify fd.
pub fn instance_of(file: &File) -> Result<&Arc<Instance>, Errno> {
    file.inode
        .as_any()
        .downcast_ref::<InotifyInode>()
        .map(|i| &i.instance)
        .ok_or(Errno::EINVAL)
}

/// inotify_add_watch on a resolved inode; the caller checked permission.
pub fn add_watch(inst: &Arc<Instance>, inode: InodeRef, mask: u32) -> Result<i32, Errno> {
    inst.add_watch(inode, mask)
}

pub fn rm_watch(inst: &Instance, wd: i32) -> Result<(), Errno> {
    inst.rm_watch(wd)
}

/// Whether `mask` is a valid inotify_add_watch mask (Linux: some known bit,
/// and not both IN_MASK_ADD and IN_MASK_CREATE).
pub fn valid_mask(mask: u32) -> bool {
    mask & (IN_ALL_EVENTS | WATCH_FLAGS) != 0
        && !(mask & IN_MASK_ADD != 0 && mask & IN_MASK_CREATE != 0)
}

impl FileOps for InotifyFile {
    fn read(&self, file: &File, buf: &mut [u8], _off: u64) -> Result<usize, Errno> {
        loop {
            if let Some(r) = self.instance.take(buf.len()) {
                let out = r?;
                buf[..out.len()].copy_from_slice(&out);
                return Ok(out.len());
            }
            if file.flags() & O_NONBLOCK != 0 {
                return Err(Errno::EAGAIN);
            }
            let Some(me) = current_task() else {
                return Err(Errno::EAGAIN);
            };
            self.instance.add_waiter(&me);
            let inst = &self.instance;
            me.blocker
                .wait_until(None, || (!inst.lock().events.is_empty()).then_some(()))
                .map_err(|_| Errno::ERESTARTSYS)?;
        }
    }

    fn write(&self, _file: &File, _buf: &[u8], _off: u64) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }

    fn seekable(&self) -> bool {
        false
    }

    fn may_block(&self) -> bool {
        true
    }

    /// Linux's `noop_llseek`: succeeds and stays at 0.
    fn seek(&self, _file: &File, _off: i64, _whence: u32) -> Option<Result<u64, Errno>> {
        Some(Ok(0))
    }

    fn ioctl(
        &self,
        _file: &File,
        task: &mut crate::kernel::Task,
        cmd: u32,
        arg: u64,
    ) -> Result<u64, Errno> {
        match cmd {
            FIONREAD => {
                let n = self.instance.lock().bytes as i32;
                task.mm().write_obj(arg, &n)?;
                Ok(0)
            }
            _ => Err(Errno::ENOTTY),
        }
    }

    fn poll(&self, _file: &File, events: i16) -> Option<i16> {
        let ready = if self.instance.lock().events.is_empty() {
            0
        } else {
            POLLIN | POLLRDNORM
        };
        Some(ready & events)
    }

    fn poll_register(&self, _file: &File, waker: &Arc<dyn Waker>, mask: u32) {
        self.instance.queue.add(waker, mask);
    }
}

impl Drop for InotifyFile {
    fn drop(&mut self) {
        // No IN_IGNORED for the watches of a closing instance: nobody reads them.
        let me = Arc::as_ptr(&self.instance);
        let mut s = self.instance.lock();
        for (wd, w) in std::mem::take(&mut s.watches) {
            unregister(me, w.key, wd);
        }
        s.by_inode.clear();
    }
}

/// Removes watch `wd` of instance `me` on inode `k` from the registry.
fn unregister(me: *const Instance, k: Key, wd: i32) {
    let mut reg = registry();
    if let Some(v) = reg.get_mut(&k) {
        v.retain(|(i, d)| !(*d == wd && std::ptr::eq(i.as_ptr(), me)));
        if v.is_empty() {
            reg.remove(&k);
        }
    }
    WATCHES.fetch_sub(1, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_nul_padded_to_the_header_size() {
        let e = Event {
            wd: 1,
            mask: IN_CREATE,
            cookie: 0,
            name: b"abc".to_vec(),
        };
        assert_eq!(e.name_len(), 16);
        let mut out = Vec::new();
        e.encode(&mut out);
        assert_eq!(out.len(), 32);
        assert_eq!(&out[16..19], b"abc");
        assert!(out[19..].iter().all(|&b| b == 0));
        let long = Event {
            name: vec![b'x'; 16],
            ..e
        };
        assert_eq!(long.name_len(), 32);
    }
}
