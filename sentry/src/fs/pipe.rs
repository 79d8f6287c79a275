//! Pipes: a 64 KiB buffer between a read end and a write end, with Linux's
//! rules: reads block while empty and writers exist, EOF once none do;
//! writes of up to PIPE_BUF bytes are atomic; writing with no reader gives
//! EPIPE and SIGPIPE.

use std::any::Any;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use syscalls::consts::*;
use syscalls::Errno;

use crate::kernel::{current_task, TaskShared};
use crate::vfs::{anon_dev, Attr, File, FileOps, FileType, Inode, Owner, Time};

/// Default capacity (Linux: 16 pages).
pub const PIPE_CAPACITY: usize = 65536;
/// Writes up to this size are atomic.
pub const PIPE_BUF: usize = 4096;

pub const POLLIN: i16 = 0x001;
pub const POLLOUT: i16 = 0x004;
pub const POLLERR: i16 = 0x008;
pub const POLLHUP: i16 = 0x010;

#[derive(Default)]
struct State {
    buf: VecDeque<u8>,
    readers: usize,
    writers: usize,
    /// Opens of each end so far: a FIFO opener waits for the other count to
    /// move.
    reader_opens: u64,
    writer_opens: u64,
    /// Tasks sleeping on this pipe (reading, writing, polling).
    waiters: Vec<Weak<TaskShared>>,
}

pub struct Pipe {
    state: Mutex<State>,
    inode: Arc<PipeInode>,
}

impl Pipe {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wake_all(s: &mut State) {
        s.waiters.retain(|w| match w.upgrade() {
            Some(t) => {
                t.wake();
                true
            }
            None => false,
        });
    }

    /// Registers the current task to be woken when the pipe changes.
    pub fn add_waiter(&self, t: &Arc<TaskShared>) {
        let mut s = self.lock();
        if !s.waiters.iter().any(|w| w.as_ptr() == Arc::as_ptr(t)) {
            s.waiters.push(Arc::downgrade(t));
        }
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
                if s.buf.len() < PIPE_CAPACITY {
                    return Ok(PIPE_CAPACITY - s.buf.len());
                }
            }
            if nonblock {
                return Err(Errno::EAGAIN);
            }
            self.wait(|| {
                let s = self.lock();
                s.readers == 0 || s.buf.len() < PIPE_CAPACITY
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
        let n = n.min(s.buf.len());
        let v: Vec<u8> = s.buf.drain(..n).collect();
        Pipe::wake_all(&mut s);
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
        Pipe::wake_all(&mut s);
    }

    /// Appends `data` (the caller made sure there was room).
    pub fn push(&self, data: &[u8]) {
        let mut s = self.lock();
        s.buf.extend(data);
        Pipe::wake_all(&mut s);
    }

    /// poll(2) events for an end.
    /// `writers_seen` is the count of writer opens when the reader opened:
    /// a FIFO reader sees no hangup before a writer has come and gone.
    fn readiness(&self, write: bool, writers_seen: u64) -> i16 {
        let s = self.lock();
        if write {
            if s.readers == 0 {
                POLLOUT | POLLERR
            } else if PIPE_CAPACITY - s.buf.len() >= PIPE_BUF {
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
    });
    let pipe = Arc::new(Pipe {
        state: Mutex::new(State {
            readers: 1,
            writers: 1,
            reader_opens: 1,
            writer_opens: 1,
            ..State::default()
        }),
        inode: inode.clone(),
    });
    let keep = flags & O_NONBLOCK;
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
            pipe,
            read: false,
            write: true,
            writers_seen: 0,
        }),
        inode,
        None,
        O_WRONLY | keep,
    );
    (r, w)
}

static PIPEFS_DEV: std::sync::LazyLock<u64> = std::sync::LazyLock::new(anon_dev);

/// The inode behind both ends (fstat shows a FIFO).
pub struct PipeInode {
    ino: u64,
    dev: u64,
    owner: Owner,
    created: Time,
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

    fn open(self: Arc<Self>, _flags: u32) -> Result<Box<dyn FileOps>, Errno> {
        Err(Errno::ENXIO)
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
        });
        Fifo {
            pipe: Arc::new(Pipe {
                state: Mutex::new(State::default()),
                inode,
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
        Pipe::wake_all(&mut s);
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
                    let n = buf.len().min(s.buf.len());
                    for (i, b) in s.buf.drain(..n).enumerate() {
                        buf[i] = b;
                    }
                    Pipe::wake_all(&mut s);
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
                let room = PIPE_CAPACITY - s.buf.len();
                let left = buf.len() - done;
                if room > 0 && (!atomic || room >= left) {
                    let n = room.min(left);
                    s.buf.extend(&buf[done..done + n]);
                    done += n;
                    Pipe::wake_all(&mut s);
                    if done == buf.len() {
                        return Ok(done);
                    }
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
            let need = if atomic { buf.len() - done } else { 1 };
            match self.wait(|| {
                let s = p.lock();
                s.readers == 0 || PIPE_CAPACITY - s.buf.len() >= need
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

    fn ioctl(
        &self,
        _file: &File,
        task: &mut crate::kernel::Task,
        cmd: u32,
        arg: u64,
    ) -> Result<u64, Errno> {
        match cmd {
            FIONREAD => {
                let n = self.pipe.lock().buf.len() as i32;
                task.mm().write_obj(arg, &n)?;
                Ok(0)
            }
            _ => Err(Errno::ENOTTY),
        }
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

    fn poll_register(&self, _file: &File, task: &Arc<TaskShared>) {
        self.pipe.add_waiter(task);
    }

    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
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
        Pipe::wake_all(&mut s);
    }
}

impl std::fmt::Debug for PipeEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pipe:[{}]", self.pipe.inode.ino)
    }
}
