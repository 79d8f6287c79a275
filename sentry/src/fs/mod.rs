//! File systems: each implements the VFS traits (`crate::vfs`).

pub mod dev;
pub mod gofer;
pub mod host;
pub mod inotify;
pub mod overlay;
pub mod pidfd;
pub mod pipe;
pub mod tmpfs;

use syscalls::Errno;

use crate::vfs::{File, FileOps};

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
