//! epoll: interest lists over the readiness hook.
//!
//! Each interest item is a `Waker` registered on its file's `WaitQueue`;
//! its `wake` only puts the item on the instance's ready list and notifies
//! the instance's own queue (tasks in epoll_wait, epolls watching this
//! one). epoll_wait takes the ready list, asks each file's `poll` outside
//! the instance's lock, and puts level-triggered items that are still
//! ready back on the list. Files whose readiness the host decides (the
//! sandbox's stdio) cannot notify: they are polled on the host while the
//! waiting task sleeps there (see `syscalls::epoll`).

use std::collections::{BTreeMap, VecDeque};
use std::os::fd::BorrowedFd;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use syscalls::consts::*;
use syscalls::types::EpollEvent;
use syscalls::Errno;

use crate::kernel::waiter::{WaitQueue, Waker};
use crate::vfs::{File, FileOps, Owner};

/// Linux's EPOLL_MAX_NESTS: how deep epolls may watch epolls.
const MAX_NESTS: usize = 4;
/// Events always reported, asked for or not.
const ALWAYS: u32 = EPOLLERR | EPOLLHUP;

/// Items are keyed like Linux's: by file description, then fd number.
type Key = (usize, i32);

fn key(file: &Arc<File>, fd: i32) -> Key {
    (Arc::as_ptr(file) as usize, fd)
}

struct ItemState {
    events: u32,
    data: u64,
    /// On the ready list now.
    queued: bool,
    /// EPOLLONESHOT fired: no more events until EPOLL_CTL_MOD.
    disabled: bool,
    /// Deleted from the interest list.
    removed: bool,
}

pub struct Item {
    fd: i32,
    file: Weak<File>,
    /// The file's host descriptor is polled on the host, not notified.
    host: bool,
    ino: u64,
    epoll: Weak<Epoll>,
    me: Weak<Item>,
    state: Mutex<ItemState>,
}

impl Item {
    fn lock(&self) -> MutexGuard<'_, ItemState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Waker for Item {
    fn wake(&self, events: u32) {
        self.wake_exclusive(events);
    }

    fn exclusive(&self) -> bool {
        self.lock().events & EPOLLEXCLUSIVE != 0
    }

    /// Queues the item; for an exclusive one, true if a task sleeps in
    /// epoll_wait on the instance and the events are among the item's
    /// EPOLLIN/EPOLLOUT (Linux's ep_poll_callback).
    fn wake_exclusive(&self, events: u32) -> bool {
        let Some(ep) = self.epoll.upgrade() else {
            return false;
        };
        let mine = {
            let s = self.lock();
            if s.disabled || s.removed || events & (s.events | ALWAYS) == 0 {
                return false;
            }
            s.events
        };
        if let Some(me) = self.me.upgrade() {
            ep.enqueue(&me);
        }
        let inout = events & (EPOLLIN | EPOLLOUT);
        ep.waiters.load(std::sync::atomic::Ordering::SeqCst) > 0
            && (inout == 0
                || inout == EPOLLIN && mine & EPOLLIN != 0
                || inout == EPOLLOUT && mine & EPOLLOUT != 0)
    }
}

#[derive(Default)]
struct Inner {
    items: BTreeMap<Key, Arc<Item>>,
    ready: VecDeque<Arc<Item>>,
}

pub struct Epoll {
    inner: Mutex<Inner>,
    /// Tasks in epoll_wait and epolls watching this one.
    pub queue: WaitQueue,
    /// Tasks in epoll_wait on this instance now (EPOLLEXCLUSIVE wakes
    /// stop at an instance that has some).
    pub waiters: std::sync::atomic::AtomicUsize,
}

/// A task counted in [`Epoll::waiters`] while it lives.
pub struct Waiting<'a>(&'a Epoll);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0
            .waiters
            .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The file of a new epoll instance.
pub fn new_epoll(owner: Owner, flags: u32) -> Arc<File> {
    let ep = Arc::new(Epoll {
        inner: Mutex::new(Inner::default()),
        queue: WaitQueue::default(),
        waiters: Default::default(),
    });
    super::anon::new_file(
        "[eventpoll]",
        Box::new(EpollFile { ep }),
        owner,
        O_RDWR | flags,
    )
}

pub struct EpollFile {
    pub ep: Arc<Epoll>,
}

/// The epoll instance behind `file`, or EINVAL.
pub fn epoll_of(file: &File) -> Result<&Arc<Epoll>, Errno> {
    file.ops
        .as_any()
        .and_then(|a| a.downcast_ref::<EpollFile>())
        .map(|e| &e.ep)
        .ok_or(Errno::EINVAL)
}

/// The poll bits `file` has now among `events` (plus EPOLLERR/EPOLLHUP).
pub fn readiness(file: &File, events: u32) -> u32 {
    let ask = (events | ALWAYS) as u16 as i16;
    let r = match file.ops.poll(file, ask) {
        Some(r) => r as u16 as u32,
        None => EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLWRNORM,
    };
    r & (events | ALWAYS)
}

/// The host readiness of `fd` for `events`, without waiting.
pub fn host_readiness(fd: BorrowedFd<'_>, events: u32) -> u32 {
    use nix::poll::{PollFd, PollFlags};
    let mut p = [PollFd::new(
        fd,
        PollFlags::from_bits_truncate(events as u16 as i16),
    )];
    match nix::poll::poll(&mut p, nix::poll::PollTimeout::ZERO) {
        Ok(_) => p[0].revents().map_or(0, |r| r.bits() as u16 as u32) & (events | ALWAYS),
        Err(_) => 0,
    }
}

impl Epoll {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts the caller among the instance's sleepers until the guard
    /// goes.
    pub fn waiting(&self) -> Waiting<'_> {
        self.waiters
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Waiting(self)
    }

    fn enqueue(&self, item: &Arc<Item>) {
        {
            let mut s = item.lock();
            if s.queued || s.removed {
                return;
            }
            s.queued = true;
        }
        self.lock().ready.push_back(item.clone());
        self.queue.notify(EPOLLIN);
    }

    /// The epolls this one watches.
    fn children(&self) -> Vec<Arc<Epoll>> {
        let files: Vec<Arc<File>> = self
            .lock()
            .items
            .values()
            .filter_map(|i| i.file.upgrade())
            .collect();
        files
            .iter()
            .filter_map(|f| epoll_of(f).ok().cloned())
            .collect()
    }

    /// Whether `target` is reachable from `self` through watched epolls,
    /// or the chain below `self` is deeper than `depth` allows.
    fn reaches(self: &Arc<Self>, target: &Arc<Epoll>, depth: usize) -> bool {
        if Arc::ptr_eq(self, target) || depth > MAX_NESTS {
            return true;
        }
        self.children().iter().any(|c| c.reaches(target, depth + 1))
    }

    /// EPOLL_CTL_ADD.
    pub fn add(self: &Arc<Self>, fd: i32, file: &Arc<File>, ev: EpollEvent) -> Result<(), Errno> {
        if let Ok(inner) = epoll_of(file) {
            if inner.reaches(self, 1) {
                return Err(Errno::ELOOP);
            }
        }
        let k = key(file, fd);
        let item = Arc::new_cyclic(|me| Item {
            fd,
            file: Arc::downgrade(file),
            host: file.ops.host_fd().is_some(),
            ino: file.inode.attr().map_or(0, |a| a.ino),
            epoll: Arc::downgrade(self),
            me: me.clone(),
            state: Mutex::new(ItemState {
                // Linux keeps EPOLLERR and EPOLLHUP in every item's mask.
                events: ev.events | ALWAYS,
                data: ev.data,
                queued: false,
                disabled: false,
                removed: false,
            }),
        });
        {
            let mut s = self.lock();
            if let Some(old) = s.items.get(&k) {
                if old.file.strong_count() > 0 {
                    return Err(Errno::EEXIST);
                }
            }
            s.items.insert(k, item.clone());
        }
        self.arm(&item, file);
        Ok(())
    }

    /// Registers `item` on its file and queues it if the file is ready now.
    fn arm(&self, item: &Arc<Item>, file: &Arc<File>) {
        if item.host {
            // Polled on the host at every epoll_wait.
            return;
        }
        let events = item.lock().events;
        let w: Arc<dyn Waker> = item.clone();
        file.ops.poll_register(file, &w, events | ALWAYS);
        if readiness(file, events) != 0 {
            if let Some(ep) = item.epoll.upgrade() {
                ep.enqueue(item);
            }
        }
    }

    fn find(&self, fd: i32, file: &Arc<File>) -> Result<Arc<Item>, Errno> {
        self.lock()
            .items
            .get(&key(file, fd))
            .filter(|i| i.file.strong_count() > 0)
            .cloned()
            .ok_or(Errno::ENOENT)
    }

    /// EPOLL_CTL_MOD.
    pub fn modify(&self, fd: i32, file: &Arc<File>, ev: EpollEvent) -> Result<(), Errno> {
        let item = self.find(fd, file)?;
        {
            let mut s = item.lock();
            if s.events & EPOLLEXCLUSIVE != 0 {
                return Err(Errno::EINVAL);
            }
            s.events = ev.events | ALWAYS;
            s.data = ev.data;
            s.disabled = false;
        }
        self.arm(&item, file);
        Ok(())
    }

    /// EPOLL_CTL_DEL.
    pub fn delete(&self, fd: i32, file: &Arc<File>) -> Result<(), Errno> {
        let item = self.find(fd, file)?;
        item.lock().removed = true;
        let mut s = self.lock();
        s.items.remove(&key(file, fd));
        s.ready.retain(|i| !Arc::ptr_eq(i, &item));
        Ok(())
    }

    /// Whether the interest list holds files polled on the host.
    pub fn host_items(&self) -> Vec<(Arc<Item>, Arc<File>)> {
        self.lock()
            .items
            .values()
            .filter(|i| i.host)
            .filter_map(|i| Some((i.clone(), i.file.upgrade()?)))
            .collect()
    }

    /// Takes up to `max` events: the ready list's items that are ready now
    /// (asked outside the lock), and host items whose host descriptor is.
    pub fn harvest(&self, max: usize) -> Vec<EpollEvent> {
        let mut cands: Vec<Arc<Item>> = {
            let mut s = self.lock();
            // Items whose file is gone left the interest list with it.
            s.items.retain(|_, i| {
                let live = i.file.strong_count() > 0;
                if !live {
                    i.lock().removed = true;
                }
                live
            });
            s.ready.drain(..).collect()
        };
        for c in &cands {
            c.lock().queued = false;
        }
        cands.extend(self.host_items().into_iter().map(|(i, _)| i));
        let mut out = Vec::new();
        // Items left for lack of room go before those reported now, so
        // that a small maxevents still sees every ready item in turn.
        let mut left = Vec::new();
        let mut requeue = Vec::new();
        for item in cands {
            let Some(file) = item.file.upgrade() else {
                continue;
            };
            let (events, data) = {
                let s = item.lock();
                if s.disabled || s.removed {
                    continue;
                }
                (s.events, s.data)
            };
            if out.len() >= max {
                if !item.host {
                    left.push(item);
                }
                continue;
            }
            let r = match file.ops.host_fd() {
                Some(h) => host_readiness(h, events),
                None => readiness(&file, events),
            };
            if r == 0 {
                continue;
            }
            out.push(EpollEvent { events: r, data });
            let mut s = item.lock();
            if events & EPOLLONESHOT != 0 {
                s.disabled = true;
            } else if events & EPOLLET == 0 && !item.host {
                drop(s);
                requeue.push(item);
            }
        }
        for item in left.into_iter().chain(requeue) {
            self.enqueue_quiet(&item);
        }
        out
    }

    /// Puts a level-triggered item back without waking anyone.
    fn enqueue_quiet(&self, item: &Arc<Item>) {
        {
            let mut s = item.lock();
            if s.queued || s.removed {
                return;
            }
            s.queued = true;
        }
        self.lock().ready.push_back(item.clone());
    }

    /// Whether the ready list has items (something may be ready).
    pub fn has_candidates(&self) -> bool {
        !self.lock().ready.is_empty()
    }

    /// Whether some item is ready now, without consuming anything (poll
    /// of the epoll file itself).
    pub fn ready_now(&self) -> bool {
        let mut cands: Vec<Arc<Item>> = self.lock().ready.iter().cloned().collect();
        cands.extend(self.host_items().into_iter().map(|(i, _)| i));
        cands.iter().any(|item| {
            let Some(file) = item.file.upgrade() else {
                return false;
            };
            let events = {
                let s = item.lock();
                if s.disabled || s.removed {
                    return false;
                }
                s.events
            };
            match file.ops.host_fd() {
                Some(h) => host_readiness(h, events) != 0,
                None => readiness(&file, events) != 0,
            }
        })
    }
}

impl FileOps for EpollFile {
    fn read(&self, _file: &File, _buf: &mut [u8], _off: u64) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }

    fn write(&self, _file: &File, _buf: &[u8], _off: u64) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }

    fn seekable(&self) -> bool {
        false
    }

    /// Linux's noop_llseek: the position stays 0.
    fn seek(&self, _file: &File, _off: i64, _whence: u32) -> Option<Result<u64, Errno>> {
        Some(Ok(0))
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn poll(&self, _file: &File, events: i16) -> Option<i16> {
        const POLLIN: i16 = 0x001;
        Some(if self.ep.ready_now() {
            POLLIN & events
        } else {
            0
        })
    }

    fn poll_register(&self, _file: &File, waker: &Arc<dyn Waker>, mask: u32) {
        self.ep.queue.add(waker, mask);
    }

    fn fdinfo(&self, _file: &File) -> String {
        let items: Vec<Arc<Item>> = self.ep.lock().items.values().cloned().collect();
        let mut out = String::new();
        for i in items {
            if i.file.strong_count() == 0 {
                continue;
            }
            let s = i.lock();
            out += &format!(
                "tfd: {:8} events: {:8x} data: {:16x}  pos:0 ino:{:x} sdev:0\n",
                i.fd, s.events, s.data, i.ino
            );
        }
        out
    }
}
