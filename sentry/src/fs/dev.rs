//! Character devices and the sandbox's /dev.

use std::sync::Arc;

use syscalls::Errno;

use super::tmpfs::{Tmpfs, TmpfsInode};
use crate::mm::MemoryFile;
use crate::vfs::{makedev, File, FileOps, FileType, Inode, Owner};

/// Opens the character device `rdev`.
pub fn open_device(rdev: u64) -> Result<Box<dyn FileOps>, Errno> {
    let major = ((rdev >> 8) & 0xfff) as u32;
    let minor = ((rdev & 0xff) | ((rdev >> 12) & !0xff)) as u32;
    Ok(match (major, minor) {
        (1, 3) => Box::new(Null),
        (1, 5) => Box::new(Zero),
        (1, 7) => Box::new(Full),
        (1, 8) | (1, 9) => Box::new(Random),
        // The caller's controlling terminal and the sandbox's console:
        // `tty::after_open` puts the terminal in their place.
        (5, 0) => Box::new(Redirect::Tty),
        (5, 1) => Box::new(Redirect::Console),
        _ => return Err(Errno::ENXIO),
    })
}

/// An open of /dev/tty or /dev/console before `tty::after_open` has
/// found the terminal it stands for.
pub enum Redirect {
    Tty,
    Console,
}

impl FileOps for Redirect {
    fn read(&self, _: &File, _buf: &mut [u8], _off: u64) -> Result<usize, Errno> {
        Err(Errno::ENXIO)
    }
    fn write(&self, _: &File, _buf: &[u8], _off: u64) -> Result<usize, Errno> {
        Err(Errno::ENXIO)
    }
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
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

/// Builds the sandbox's /dev: the basic devices, the terminals, links to
/// /proc/self/fd, and empty `shm` and `pts` directories on which the caller
/// mounts a tmpfs and a devpts.
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
    root.add_node(b"console", FileType::CharDevice, 0o600, makedev(5, 1))?;
    root.add_dir(b"shm", 0o1777)?;
    root.add_dir(b"pts", 0o755)?;
    for (name, target) in [
        (&b"ptmx"[..], &b"pts/ptmx"[..]),
        (b"fd", b"/proc/self/fd"),
        (b"stdin", b"/proc/self/fd/0"),
        (b"stdout", b"/proc/self/fd/1"),
        (b"stderr", b"/proc/self/fd/2"),
    ] {
        root.symlink(name, target, Owner::default())?;
    }
    Ok(root)
}
