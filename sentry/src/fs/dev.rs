//! Character devices and the sandbox's /dev.

use std::sync::Arc;

use syscalls::Errno;

use super::tmpfs::{Tmpfs, TmpfsInode};
use crate::mm::MemoryFile;
use crate::vfs::{makedev, File, FileOps, FileType, Owner};

/// Opens the character device `rdev`.
pub fn open_device(rdev: u64) -> Result<Box<dyn FileOps>, Errno> {
    let major = ((rdev >> 8) & 0xfff) as u32;
    let minor = ((rdev & 0xff) | ((rdev >> 12) & !0xff)) as u32;
    Ok(match (major, minor) {
        (1, 3) => Box::new(Null),
        (1, 5) => Box::new(Zero),
        (1, 7) => Box::new(Full),
        (1, 8) | (1, 9) => Box::new(Random),
        // /dev/tty with no controlling terminal in the sandbox.
        (5, 0) => return Err(Errno::ENXIO),
        _ => return Err(Errno::ENXIO),
    })
}

struct Null;
impl FileOps for Null {
    fn read(&self, _: &File, _buf: &mut [u8], _off: u64) -> Result<usize, Errno> {
        Ok(0)
    }
    fn write(&self, _: &File, buf: &[u8], _off: u64) -> Result<usize, Errno> {
        Ok(buf.len())
    }
}

struct Zero;
impl FileOps for Zero {
    fn read(&self, _: &File, buf: &mut [u8], _off: u64) -> Result<usize, Errno> {
        buf.fill(0);
        Ok(buf.len())
    }
    fn write(&self, _: &File, buf: &[u8], _off: u64) -> Result<usize, Errno> {
        Ok(buf.len())
    }
}

struct Full;
impl FileOps for Full {
    fn read(&self, _: &File, buf: &mut [u8], _off: u64) -> Result<usize, Errno> {
        buf.fill(0);
        Ok(buf.len())
    }
    fn write(&self, _: &File, _buf: &[u8], _off: u64) -> Result<usize, Errno> {
        Err(Errno::ENOSPC)
    }
}

struct Random;
impl FileOps for Random {
    fn read(&self, _: &File, buf: &mut [u8], _off: u64) -> Result<usize, Errno> {
        crate::kernel::rand::fill(buf);
        Ok(buf.len())
    }
    fn write(&self, _: &File, buf: &[u8], _off: u64) -> Result<usize, Errno> {
        Ok(buf.len())
    }
}

/// Builds the sandbox's /dev: the basic devices, and an empty `shm`
/// directory on which the caller mounts a tmpfs.
pub fn new_devfs(mf: &Arc<MemoryFile>) -> Result<Arc<TmpfsInode>, Errno> {
    let root = Tmpfs::new_root(mf, 0o755, Owner::default());
    for (name, minor) in [
        (&b"null"[..], 3),
        (b"zero", 5),
        (b"full", 7),
        (b"random", 8),
        (b"urandom", 9),
    ] {
        root.add_node(name, FileType::CharDevice, 0o666, makedev(1, minor))?;
    }
    root.add_node(b"tty", FileType::CharDevice, 0o666, makedev(5, 0))?;
    root.add_dir(b"shm", 0o1777)?;
    Ok(root)
}
