//! Pipes: a 64 KiB buffer between a read end and a write end, with Linux's
//! rules: reads block while empty and writers exist, EOF once none do;
//! writes of up to PIPE_BUF bytes are atomic; writing with no reader gives
//! EPIPE and SIGPIPE. A write end in O_DIRECT mode writes packets (each
//! write of up to PIPE_BUF bytes is one; longer ones are cut into PIPE_BUF
//! pieces) and a read takes at most one packet, dropping what does not fit.
//! F_SETPIPE_SZ changes the capacity.

use std::any::Any;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use syscalls::consts::*;
use syscalls::Errno;

use crate::kernel::waiter::{WaitQueue, Waker};
use crate::kernel::{current_task, TaskShared};
use crate::vfs::fown::{POLL_IN, POLL_OUT};
use crate::vfs::{anon_dev, Attr, File, FileOps, FileType, Inode, Owner, Time};

/// Default capacity (Linux: 16 pages).
pub const PIPE_CAPACITY: usize = 65536;
/// Writes up to this size are atomic.
pub const PIPE_BUF: usize = 4096;
/// Largest capacity an unprivileged process may ask for
/// (/proc/sys/fs/pipe-max-size).
pub const PIPE_MAX_SIZE: usize = 1 << 20;
/// A packet takes a whole page of the capacity, as it takes a whole pipe
/// buffer in Linux.
const PAGE_SIZE: usize = 4096;

/// A run of queued bytes: plain data (which later writes extend), or one
/// packet.
#[derive(Clone, Copy)]
struct Segment {
    len: usize,
    packet: bool,
}

pub const POLLIN: i16 = 0x001;
pub const POLLOUT: i16 = 0x004;
pub const POLLERR: i16 = 0x008;
pub const POLLHUP: i16 = 0x010;

/// What the pipe's wait queue hears (Linux's keys for pipe wake-ups): data
/// arrived, room was made. Opens, closes and resizes notify everything.
const DATA_EVENTS: u32 = 0x001 | 0x040; // POLLIN | POLLRDNORM
const ROOM_EVENTS: u32 = 0x004 | 0x100; // POLLOUT | POLLWRNORM

#[derive(Default)]
struct State {
    buf: VecDeque<u8>,
    /// How `buf` divides into plain runs and packets.
    segments: VecDeque<Segment>,
    /// Capacity in bytes (a power-of-two number of pages).
    capacity: usize,
    readers: usize,
    writers: usize,
    /// Opens of each end so far: a FIFO opener waits for the other count to
    /// move.
    reader_opens: u64,
    writer_opens: u64,
}

impl State {
    /// Capacity used: plain bytes, and a page per packet.
    fn used(&self) -> usize {
        self.segments
            .iter()
            .map(|s| if s.packet { PAGE_SIZE } else { s.len })
            .sum()
    }

    fn room(&self) -> usize {
        self.capacity.saturating_sub(self.used())
    }

    /// Queues `data` as plain bytes or as one packet.
    fn push(&mut self, data: &[u8], packet: bool) {
        self.buf.extend(data);
        match self.segments.back_mut() {
            Some(last) if !packet && !last.packet => last.len += data.len(),
            _ => self.segments.push_back(Segment {
                len: data.len(),
                packet,
            }),
        }
    }

    /// Takes up to `out.len()` bytes; a packet ends the read, and what of
    /// it does not fit is dropped.
    fn pop(&mut self, out: &mut [u8]) -> usize {
        let mut done = 0;
        while done < out.len() {
            let Some(seg) = self.segments.front_mut() else {
                break;
            };
            let n = seg.len.min(out.len() - done);
            for (i, b) in self.buf.drain(..n).enumerate() {
                out[done + i] = b;
            }
            done += n;
            if seg.packet {
                let rest = seg.len - n;
                self.buf.drain(..rest);
                self.segments.pop_front();
                break;
            }
            seg.len -= n;
            if seg.len == 0 {
                self.segments.pop_front();
            }
        }
        done
    }
}

pub struct Pipe {
    state: Mutex<State>,
    /// Tasks sleeping on this pipe (reading, writing, opening) and pollers.
    queue: WaitQueue,
    inode: Arc<PipeInode>,
    /// The two ends, for SIGIO to the owners of O_ASYNC ones.
    ends: std::sync::OnceLock<[Weak<File>; 2]>,
}

impl Pipe {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Signals the owners of O_ASYNC ends: readers when data came
    /// (POLL_IN), writers when room did (POLL_OUT).
    fn notify_async(&self, readers: bool) {
        let Some(ends) = self.ends.get() else { return };
        let (end, reason) = if readers {
            (&ends[0], POLL_IN)
        } else {
            (&ends[1], POLL_OUT)
        };
        if let Some(f) = end.upgrade() {
            if f.flags() & O_ASYNC != 0 {
                f.async_owner.notify(reason);
            }
        }
    }

    /// Registers a task to be woken when the pipe changes.
    pub fn add_waiter(&self, t: &Arc<TaskShared>) {
        self.queue.add_task(t);
    }

    /// Sleeps until `ready` holds, or the task is interrupted.
    fn wait(&self, ready: impl FnMut() -> bool) -> Result<(), Errno> {
        let mut ready = ready;
        let Some(me) = current_task() else {
            return Err(Errno::EAGAIN);
        };
        self.add_waiter(&me);
        me.blocker
            .wait_until(None, || ready().then_some(()))
            .map_err(|_| Errno::ERESTARTSYS)
    }

    /// Waits until the pipe holds data (true) or has no writers (false).
    pub fn wait_data(&self, nonblock: bool) -> Result<bool, Errno> {
        loop {
            {
                let s = self.lock();
                if !s.buf.is_empty() {
                    return Ok(true);
                }
                if s.writers == 0 {
                    return Ok(false);
                }
            }
            if nonblock {
                return Err(Errno::EAGAIN);
            }
            self.wait(|| {
                let s = self.lock();
                !s.buf.is_empty() || s.writers == 0
            })?;
        }
    }

    /// Waits until the pipe has room, returning how much; EPIPE (and
    /// SIGPIPE) without readers.
    pub fn wait_room(&self, nonblock: bool) -> Result<usize, Errno> {
        loop {
            {
                let s = self.lock();
                if s.readers == 0 {
                    drop(s);
                    crate::kernel::raise_sigpipe();
                    return Err(Errno::EPIPE);
                }
                if s.room() > 0 {
                    return Ok(s.room());
                }
            }
            if nonblock {
                return Err(Errno::EAGAIN);
            }
            self.wait(|| {
                let s = self.lock();
                s.readers == 0 || s.room() > 0
            })?;
        }
    }

    /// Up to `max` bytes from the front of the buffer, left in place.
    pub fn peek(&self, max: usize) -> Vec<u8> {
        let s = self.lock();
        let n = max.min(s.buf.len());
        s.buf.range(..n).copied().collect()
    }

    /// Removes up to `n` bytes from the front of the buffer.
    pub fn take(&self, n: usize) -> Vec<u8> {
        let mut s = self.lock();
        let mut v = vec![0u8; n.min(s.buf.len())];
        let was_full = s.room() < PIPE_BUF;
        let got = s.pop(&mut v);
        v.truncate(got);
        if was_full {
            self.queue.notify(ROOM_EVENTS);
        }
        drop(s);
        self.notify_async(false);
        v
    }

    /// Puts back bytes `take` removed but the caller could not use, in
    /// front of what is there.
    pub fn unread(&self, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        let mut s = self.lock();
        for &b in data.iter().rev() {
            s.buf.push_front(b);
        }
        match s.segments.front_mut() {
            Some(first) if !first.packet => first.len += data.len(),
            _ => s.segments.push_front(Segment {
                len: data.len(),
                packet: false,
            }),
        }
        self.queue.notify(DATA_EVENTS);
    }

    /// Appends `data` (the caller made sure there was room).
    pub fn push(&self, data: &[u8]) {
        let mut s = self.lock();
        s.push(data, false);
        self.queue.notify(DATA_EVENTS);
        drop(s);
        self.notify_async(true);
    }

    /// poll(2) events for an end.
    /// `writers_seen` is the count of writer opens when the reader opened:
    /// a FIFO reader sees no hangup before a writer has come and gone.
    fn readiness(&self, write: bool, writers_seen: u64) -> i16 {
        let s = self.lock();
        if write {
            if s.readers == 0 {
                POLLOUT | POLLERR
            } else if s.room() >= PIPE_BUF {
                POLLOUT
            } else {
                0
            }
        } else {
            let mut r = 0;
            if !s.buf.is_empty() {
                r |= POLLIN;
            }
            if s.writers == 0 && s.writer_opens != writers_seen {
                r |= POLLHUP;
            }
            r
        }
    }
}

/// A new pipe: (read end, write end).
pub fn new_pipe(owner: Owner, flags: u32) -> (Arc<File>, Arc<File>) {
    static INO: AtomicU64 = AtomicU64::new(1);
    let inode = Arc::new(PipeInode {
        ino: INO.fetch_add(1, Ordering::Relaxed),
        dev: *PIPEFS_DEV,
        owner,
        created: Time::now(),
        pipe: std::sync::OnceLock::new(),
    });
    let pipe = Arc::new(Pipe {
        state: Mutex::new(State {
            readers: 1,
            writers: 1,
            reader_opens: 1,
            writer_opens: 1,
            capacity: PIPE_CAPACITY,
            ..State::default()
        }),
        inode: inode.clone(),
        ends: std::sync::OnceLock::new(),
        queue: WaitQueue::default(),
    });
    let keep = flags & (O_NONBLOCK | O_DIRECT);
    let r = File::new(
        Box::new(PipeEnd {
            pipe: pipe.clone(),
            read: true,
            write: false,
            writers_seen: 0,
        }),
        inode.clone(),
        None,
        O_RDONLY | keep,
    );
    let w = File::new(
        Box::new(PipeEnd {
            pipe: pipe.clone(),
            read: false,
            write: true,
            writers_seen: 0,
        }),
        inode,
        None,
        O_WRONLY | keep,
    );
    let _ = pipe.ends.set([Arc::downgrade(&r), Arc::downgrade(&w)]);
    let _ = pipe.inode.pipe.set(Arc::downgrade(&pipe));
    (r, w)
}

static PIPEFS_DEV: std::sync::LazyLock<u64> = std::sync::LazyLock::new(anon_dev);

/// The inode behind both ends (fstat shows a FIFO).
pub struct PipeInode {
    ino: u64,
    dev: u64,
    owner: Owner,
    created: Time,
    /// The anonymous pipe, for reopening an end through /proc/PID/fd.
    pipe: std::sync::OnceLock<std::sync::Weak<Pipe>>,
}

impl Inode for PipeInode {
    fn file_type(&self) -> FileType {
        FileType::Fifo
    }

    fn attr(&self) -> Result<Attr, Errno> {
        Ok(Attr {
            ino: self.ino,
            dev: self.dev,
            mode: S_IFIFO | 0o600,
            nlink: 1,
            uid: self.owner.uid,
            gid: self.owner.gid,
            blksize: 4096,
            atime: self.created,
            mtime: self.created,
            ctime: self.created,
            ..Attr::default()
        })
    }

    /// Reopening an anonymous pipe (through /proc/PID/fd/N) opens a new
    /// end of it as a FIFO opens one.
    fn open(self: Arc<Self>, flags: u32) -> Result<Box<dyn FileOps>, Errno> {
        let pipe = self.pipe.get().and_then(|w| w.upgrade());
        match pipe {
            Some(pipe) => Fifo { pipe }.open(flags),
            None => Err(Errno::ENXIO),
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A named pipe's buffer, shared by everyone who opens the FIFO.
pub struct Fifo {
    pipe: Arc<Pipe>,
}

impl Fifo {
    pub fn new() -> Fifo {
        static INO: AtomicU64 = AtomicU64::new(1 << 32);
        let inode = Arc::new(PipeInode {
            ino: INO.fetch_add(1, Ordering::Relaxed),
            dev: *PIPEFS_DEV,
            owner: Owner::default(),
            created: Time::now(),
            pipe: std::sync::OnceLock::new(),
        });
        Fifo {
            pipe: Arc::new(Pipe {
                state: Mutex::new(State {
                    capacity: PIPE_CAPACITY,
                    ..State::default()
                }),
                inode,
                ends: std::sync::OnceLock::new(),
                queue: WaitQueue::default(),
            }),
        }
    }

    /// Opens an end with Linux's rules: a reader waits for a writer and a
    /// writer for a reader (ENXIO when it may not wait); O_RDWR never waits.
    pub fn open(&self, flags: u32) -> Result<Box<dyn FileOps>, Errno> {
        let p = &self.pipe;
        let nonblock = flags & O_NONBLOCK != 0;
        let (read, write) = match flags & O_ACCMODE {
            O_RDONLY => (true, false),
            O_WRONLY => (false, true),
            O_RDWR => (true, true),
            _ => return Err(Errno::EINVAL),
        };
        let mut s = p.lock();
        if write && !read && nonblock && s.readers == 0 {
            return Err(Errno::ENXIO);
        }
        if read {
            s.readers += 1;
            s.reader_opens += 1;
        }
        if write {
            s.writers += 1;
            s.writer_opens += 1;
        }
        p.queue.notify_all();
        let end = PipeEnd {
            pipe: p.clone(),
            read,
            write,
            writers_seen: s.writer_opens,
        };
        if read && write || nonblock {
            return Ok(Box::new(end));
        }
        let (others, seen) = if read {
            (s.writers, s.writer_opens)
        } else {
            (s.readers, s.reader_opens)
        };
        drop(s);
        if others == 0 {
            // Dropping `end` on an interrupt undoes the open.
            p.wait(|| {
                let s = p.lock();
                if read {
                    s.writer_opens != seen
                } else {
                    s.reader_opens != seen
                }
            })?;
        }
        Ok(Box::new(end))
    }
}

impl Default for Fifo {
    fn default() -> Fifo {
        Fifo::new()
    }
}

pub struct PipeEnd {
    pipe: Arc<Pipe>,
    read: bool,
    write: bool,
    /// Writer opens of the pipe when this end was opened (poll's POLLHUP).
    writers_seen: u64,
}

impl PipeEnd {
    pub fn pipe(&self) -> &Arc<Pipe> {
        &self.pipe
    }

    pub fn is_read_end(&self) -> bool {
        self.read
    }

    pub fn is_write_end(&self) -> bool {
        self.write
    }

    fn wait(&self, ready: impl FnMut() -> bool) -> Result<(), Errno> {
        self.pipe.wait(ready)
    }
}

impl FileOps for PipeEnd {
    fn read(&self, file: &File, buf: &mut [u8], _off: u64) -> Result<usize, Errno> {
        if !self.read {
            return Err(Errno::EBADF);
        }
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            {
                let mut s = self.pipe.lock();
                if !s.buf.is_empty() {
                    // Writers (and EPOLLOUT items) hear of room only when
                    // the pipe was not writable: Linux's "was full".
                    let was_full = s.room() < PIPE_BUF;
                    let n = s.pop(buf);
                    if was_full {
                        self.pipe.queue.notify(ROOM_EVENTS);
                    }
                    drop(s);
                    self.pipe.notify_async(false);
                    return Ok(n);
                }
                if s.writers == 0 {
                    return Ok(0);
                }
            }
            if file.flags() & O_NONBLOCK != 0 {
                return Err(Errno::EAGAIN);
            }
            let p = &self.pipe;
            self.wait(|| {
                let s = p.lock();
                !s.buf.is_empty() || s.writers == 0
            })?;
        }
    }

    fn write(&self, file: &File, buf: &[u8], _off: u64) -> Result<usize, Errno> {
        if !self.write {
            return Err(Errno::EBADF);
        }
        let packets = file.flags() & O_DIRECT != 0;
        let atomic = buf.len() <= PIPE_BUF;
        let mut done = 0;
        loop {
            {
                let mut s = self.pipe.lock();
                if s.readers == 0 {
                    drop(s);
                    crate::kernel::raise_sigpipe();
                    return if done > 0 {
                        Ok(done)
                    } else {
                        Err(Errno::EPIPE)
                    };
                }
                let mut wrote = false;
                if packets {
                    // One PIPE_BUF piece per packet, each a page of room.
                    while done < buf.len() && s.room() >= PAGE_SIZE {
                        let n = (buf.len() - done).min(PIPE_BUF);
                        s.push(&buf[done..done + n], true);
                        done += n;
                        wrote = true;
                    }
                } else {
                    let room = s.room();
                    let left = buf.len() - done;
                    if room > 0 && (!atomic || room >= left) {
                        let n = room.min(left);
                        s.push(&buf[done..done + n], false);
                        done += n;
                        wrote = true;
                    }
                }
                if wrote {
                    // Every write is news to readers, as in Linux for a
                    // polled pipe: an EPOLLET item reports again.
                    self.pipe.queue.notify(DATA_EVENTS);
                    drop(s);
                    self.pipe.notify_async(true);
                }
                if done == buf.len() {
                    return Ok(done);
                }
            }
            if file.flags() & O_NONBLOCK != 0 {
                return if done > 0 {
                    Ok(done)
                } else {
                    Err(Errno::EAGAIN)
                };
            }
            let p = &self.pipe;
            let need = if packets {
                PAGE_SIZE
            } else if atomic {
                buf.len() - done
            } else {
                1
            };
            match self.wait(|| {
                let s = p.lock();
                s.readers == 0 || s.room() >= need
            }) {
                Ok(()) => {}
                Err(e) if done == 0 => return Err(e),
                Err(_) => return Ok(done),
            }
        }
    }

    fn seekable(&self) -> bool {
        false
    }

    fn may_block(&self) -> bool {
        true
    }

    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }

    fn poll(&self, _file: &File, events: i16) -> Option<i16> {
        let r = match (self.read, self.write) {
            (true, true) => {
                self.pipe.readiness(false, self.writers_seen) | self.pipe.readiness(true, 0)
            }
            (false, w) => self.pipe.readiness(w, self.writers_seen),
            (true, false) => self.pipe.readiness(false, self.writers_seen),
        };
        Some(r & (events | POLLERR | POLLHUP))
    }

    fn poll_register(&self, _file: &File, waker: &Arc<dyn Waker>, mask: u32) {
        self.pipe.queue.add(waker, mask);
    }
}

impl PipeEnd {
    /// F_GETPIPE_SZ.
    pub fn capacity(&self) -> usize {
        self.pipe.lock().capacity
    }

    /// F_SETPIPE_SZ: rounds `size` up to a power-of-two number of pages;
    /// EBUSY if what is queued would not fit. Returns the new capacity.
    pub fn set_capacity(&self, size: u64, privileged: bool) -> Result<usize, Errno> {
        if size > 1 << 31 {
            return Err(Errno::EINVAL);
        }
        let size = (size as usize).max(PAGE_SIZE).next_power_of_two();
        if size > PIPE_MAX_SIZE && !privileged {
            return Err(Errno::EPERM);
        }
        let mut s = self.pipe.lock();
        if s.used() > size {
            return Err(Errno::EBUSY);
        }
        s.capacity = size;
        self.pipe.queue.notify_all();
        Ok(size)
    }

    /// FIONREAD: bytes queued.
    pub fn queued(&self) -> usize {
        self.pipe.lock().buf.len()
    }
}

impl Drop for PipeEnd {
    fn drop(&mut self) {
        let mut s = self.pipe.lock();
        if self.write {
            s.writers -= 1;
        }
        if self.read {
            s.readers -= 1;
        }
        if s.readers == 0 && s.writers == 0 {
            // A FIFO's data goes with its last opener.
            s.buf.clear();
        }
        self.pipe.queue.notify_all();
        drop(s);
        // The other end sees EOF or EPIPE now.
        self.pipe.notify_async(self.write);
    }
}

impl std::fmt::Debug for PipeEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pipe:[{}]", self.pipe.inode.ino)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> State {
        State {
            capacity: PIPE_CAPACITY,
            ..State::default()
        }
    }

    #[test]
    fn plain_writes_run_together_and_packets_stay_apart() {
        let mut s = state();
        s.push(b"ab", false);
        s.push(b"cd", false);
        s.push(b"packet", true);
        s.push(b"xy", false);
        let mut out = [0u8; 16];
        assert_eq!(s.pop(&mut out[..3]), 3);
        assert_eq!(&out[..3], b"abc");
        // The rest of the plain run, then the packet ends the read.
        assert_eq!(s.pop(&mut out), 7);
        assert_eq!(&out[..7], b"dpacket");
        assert_eq!(s.pop(&mut out), 2);
        assert!(s.buf.is_empty() && s.segments.is_empty());
    }

    #[test]
    fn a_short_read_drops_the_rest_of_a_packet() {
        let mut s = state();
        s.push(b"0123456789", true);
        s.push(b"z", true);
        let mut out = [0u8; 4];
        assert_eq!(s.pop(&mut out), 4);
        assert_eq!(s.buf.len(), 1);
        assert_eq!(s.pop(&mut out), 1);
        assert_eq!(out[0], b'z');
    }

    #[test]
    fn packets_use_a_page_of_room_each() {
        let mut s = state();
        s.push(b"a", true);
        s.push(b"bc", false);
        assert_eq!(s.used(), PAGE_SIZE + 2);
        assert_eq!(s.room(), PIPE_CAPACITY - PAGE_SIZE - 2);
    }
}
