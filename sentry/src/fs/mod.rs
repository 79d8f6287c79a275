//! File systems: each implements the VFS traits (`crate::vfs`).

pub mod anon;
pub mod dev;
pub mod devpts;
pub mod epoll;
pub mod eventfd;
pub mod gofer;
pub mod host;
pub mod inotify;
pub mod overlay;
pub mod pidfd;
pub mod pipe;
pub mod proc;
pub mod signalfd;
pub mod sys;
pub mod timerfd;
pub mod tmpfs;
pub mod tty;

use syscalls::Errno;

use crate::vfs::{Attr, File, FileOps, Owner, Time};

/// The attributes of an anonymous inode (pidfd, inotify): mode 0600 with
/// no type bits, as Linux shows them, owned by its creator.
pub fn anon_attr(ino: u64, dev: u64, owner: Owner, created: Time) -> Attr {
    Attr {
        ino,
        dev,
        mode: 0o600,
        nlink: 1,
        uid: owner.uid,
        gid: owner.gid,
        blksize: 4096,
        atime: created,
        mtime: created,
        ctime: created,
        ..Attr::default()
    }
}

/// An open directory: reading it is getdents's job, not read's.
pub struct DirFile;

impl FileOps for DirFile {
    fn read(&self, _file: &File, _buf: &mut [u8], _off: u64) -> Result<usize, Errno> {
        Err(Errno::EISDIR)
    }

    fn write(&self, _file: &File, _buf: &[u8], _off: u64) -> Result<usize, Errno> {
        Err(Errno::EISDIR)
    }
}

/// A file opened with O_PATH: a handle to a place, no I/O.
pub struct PathFile;

impl FileOps for PathFile {
    fn read(&self, _file: &File, _buf: &mut [u8], _off: u64) -> Result<usize, Errno> {
        Err(Errno::EBADF)
    }

    fn write(&self, _file: &File, _buf: &[u8], _off: u64) -> Result<usize, Errno> {
        Err(Errno::EBADF)
    }
}
