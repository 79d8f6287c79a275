//! File descriptions: an open file, shared by every fd that dup'ed it.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use syscalls::consts::*;
use syscalls::Errno;

use super::{DirEntry, InodeRef, Path};
use crate::kernel::Task;

/// What a file system implements for an open file. Reads and writes are
/// positional: the file description keeps the offset.
pub trait FileOps: Send + Sync {
    fn read(&self, _file: &File, _buf: &mut [u8], _off: u64) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }

    fn write(&self, _file: &File, _buf: &[u8], _off: u64) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }

    /// Whether the file has a position (false for pipes, ttys, sockets).
    fn seekable(&self) -> bool {
        true
    }

    /// Whether read/write may wait for something outside the sandbox's
    /// control (a terminal, a pipe): such files are read through a bounce
    /// buffer instead of straight into application memory, so no memory
    /// lock is held while they wait.
    fn may_block(&self) -> bool {
        false
    }

    /// Files that keep their own offset (host descriptors) implement lseek
    /// here; None means the description's own position is used.
    fn seek(&self, _file: &File, _off: i64, _whence: u32) -> Option<Result<u64, Errno>> {
        None
    }

    /// Whether `read_vectored`/`write_vectored` take a whole request at
    /// once (files backed by a host descriptor: one preadv/pwritev instead
    /// of one call per run of application memory).
    fn vectored(&self) -> bool {
        false
    }

    fn read_vectored(
        &self,
        _file: &File,
        _bufs: &mut [std::io::IoSliceMut<'_>],
        _off: u64,
    ) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }

    fn write_vectored(
        &self,
        _file: &File,
        _bufs: &[std::io::IoSlice<'_>],
        _off: u64,
    ) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }

    /// The file's own type, for syscalls that work on one kind of file
    /// (F_SETPIPE_SZ on pipes, splice).
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        None
    }

    fn ioctl(&self, _file: &File, _task: &mut Task, _cmd: u32, _arg: u64) -> Result<u64, Errno> {
        Err(Errno::ENOTTY)
    }

    fn fsync(&self, _file: &File) -> Result<(), Errno> {
        Ok(())
    }

    /// The host descriptor behind the file, for files whose readiness the
    /// host decides (stdio handed in by the caller). Others are always
    /// ready for reading and writing, like regular files.
    fn host_fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        None
    }

    /// poll(2) events now ready among `events` (plus POLLERR/POLLHUP);
    /// None for files that are always ready for reading and writing.
    fn poll(&self, _file: &File, _events: i16) -> Option<i16> {
        None
    }

    /// Registers `waker` to be woken when the file's readiness for any of
    /// `mask` (poll bits) may have changed: the readiness hook poll, select
    /// and epoll use. Files whose readiness never changes need not
    /// implement it.
    fn poll_register(
        &self,
        _file: &File,
        _waker: &std::sync::Arc<dyn crate::kernel::waiter::Waker>,
        _mask: u32,
    ) {
    }

    /// Extra lines of /proc/[pid]/fdinfo/N after pos/flags/mnt_id/ino
    /// (epoll's tfd lines, eventfd-count, inotify wd lines), each ending
    /// in a newline.
    fn fdinfo(&self, _file: &File) -> String {
        String::new()
    }

    /// fallocate(2) with a validated `mode` on a regular file.
    fn allocate(&self, _file: &File, _mode: u32, _off: u64, _len: u64) -> Result<(), Errno> {
        Err(Errno::EOPNOTSUPP)
    }

    /// lseek SEEK_DATA / SEEK_HOLE from `off` (below the size); None means
    /// the file has no holes (data up to the size, the hole at its end).
    fn seek_hole_data(&self, _file: &File, _off: u64, _whence: u32) -> Option<Result<u64, Errno>> {
        None
    }
}

pub struct File {
    pub ops: Box<dyn FileOps>,
    pub inode: InodeRef,
    /// Where it was opened, if it has a place in the tree.
    pub path: Option<Path>,
    flags: AtomicU32,
    pub pos: Mutex<u64>,
    /// getdents snapshot: taken at the first getdents after open or rewind.
    pub dir_snapshot: Mutex<Option<Vec<DirEntry>>>,
    /// Which file its advisory locks (OFD, flock) are on.
    pub locks: super::lock::DescLocks,
    /// F_SETOWN / F_SETSIG.
    pub async_owner: super::fown::AsyncOwner,
}

/// Status flags F_SETFL may change.
const SETFL_MASK: u32 = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME;

/// Writable open files per inode (by address): exec refuses a file someone
/// has open for writing (ETXTBSY).
static WRITERS: std::sync::LazyLock<Mutex<std::collections::HashMap<usize, u32>>> =
    std::sync::LazyLock::new(|| Mutex::new(std::collections::HashMap::new()));

fn inode_key(inode: &InodeRef) -> usize {
    Arc::as_ptr(inode) as *const () as usize
}

/// Whether some open file has `inode` open for writing.
pub fn open_for_writing(inode: &InodeRef) -> bool {
    WRITERS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .contains_key(&inode_key(inode))
}

impl Drop for File {
    fn drop(&mut self) {
        crate::fs::inotify::on_close(self);
        super::lock::desc_released(self);
        if self.writable() {
            let mut w = WRITERS.lock().unwrap_or_else(|e| e.into_inner());
            let k = inode_key(&self.inode);
            if let Some(n) = w.get_mut(&k) {
                *n -= 1;
                if *n == 0 {
                    w.remove(&k);
                }
            }
        }
    }
}

impl File {
    pub fn new(
        ops: Box<dyn FileOps>,
        inode: InodeRef,
        path: Option<Path>,
        flags: u32,
    ) -> Arc<File> {
        let writable = flags & O_PATH == 0 && matches!(flags & O_ACCMODE, O_WRONLY | O_RDWR);
        if writable {
            *WRITERS
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(inode_key(&inode))
                .or_insert(0) += 1;
        }
        Arc::new(File {
            ops,
            inode,
            path,
            flags: AtomicU32::new(flags & !(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC)),
            pos: Mutex::new(0),
            dir_snapshot: Mutex::new(None),
            locks: Default::default(),
            async_owner: Default::default(),
        })
    }

    pub fn flags(&self) -> u32 {
        self.flags.load(Ordering::Relaxed)
    }

    pub fn set_status_flags(&self, new: u32) {
        let old = self.flags();
        self.flags
            .store((old & !SETFL_MASK) | (new & SETFL_MASK), Ordering::Relaxed);
    }

    pub fn readable(&self) -> bool {
        let f = self.flags();
        f & O_PATH == 0 && matches!(f & O_ACCMODE, O_RDONLY | O_RDWR)
    }

    pub fn writable(&self) -> bool {
        let f = self.flags();
        f & O_PATH == 0 && matches!(f & O_ACCMODE, O_WRONLY | O_RDWR)
    }

    pub fn is_path_only(&self) -> bool {
        self.flags() & O_PATH != 0
    }

    pub fn read_at(&self, buf: &mut [u8], off: u64) -> Result<usize, Errno> {
        let n = self.ops.read(self, buf, off)?;
        if n > 0 {
            crate::fs::inotify::notify_file(self.path.as_ref(), &self.inode, IN_ACCESS);
        }
        Ok(n)
    }

    pub fn write_at(&self, buf: &[u8], off: u64) -> Result<usize, Errno> {
        let n = self.ops.write(self, buf, off)?;
        if n > 0 {
            crate::fs::inotify::notify_file(self.path.as_ref(), &self.inode, IN_MODIFY);
        }
        Ok(n)
    }

    /// `read_at` into several buffers (files whose ops are `vectored`).
    pub fn read_vectored_at(
        &self,
        bufs: &mut [std::io::IoSliceMut<'_>],
        off: u64,
    ) -> Result<usize, Errno> {
        let n = self.ops.read_vectored(self, bufs, off)?;
        if n > 0 {
            crate::fs::inotify::notify_file(self.path.as_ref(), &self.inode, IN_ACCESS);
        }
        Ok(n)
    }

    /// `write_at` from several buffers (files whose ops are `vectored`).
    pub fn write_vectored_at(
        &self,
        bufs: &[std::io::IoSlice<'_>],
        off: u64,
    ) -> Result<usize, Errno> {
        let n = self.ops.write_vectored(self, bufs, off)?;
        if n > 0 {
            crate::fs::inotify::notify_file(self.path.as_ref(), &self.inode, IN_MODIFY);
        }
        Ok(n)
    }
}
