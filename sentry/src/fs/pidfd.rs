//! Process file descriptors (pidfd_open, CLONE_PIDFD): a handle on a
//! process that becomes readable (POLLIN) when it exits.

use std::any::Any;
use std::sync::{Arc, Weak};

use syscalls::consts::*;
use syscalls::Errno;

use crate::kernel::waiter::Waker;
use crate::kernel::ThreadGroup;
use crate::vfs::{anon_dev, Attr, File, FileOps, FileType, Inode, Owner, Time};

static PIDFS_DEV: std::sync::LazyLock<u64> = std::sync::LazyLock::new(anon_dev);

pub struct PidfdInode {
    pub process: Weak<ThreadGroup>,
    pub pid: i32,
    owner: Owner,
    created: Time,
}

impl PidfdInode {
    /// The process, if it has not been reaped.
    pub fn process(&self) -> Option<Arc<ThreadGroup>> {
        self.process.upgrade()
    }
}

impl Inode for PidfdInode {
    fn file_type(&self) -> FileType {
        // Linux shows an anonymous inode with no type bits here.
        FileType::Regular
    }

    fn attr(&self) -> Result<Attr, Errno> {
        Ok(super::anon_attr(
            self.pid as u64,
            *PIDFS_DEV,
            self.owner,
            self.created,
        ))
    }

    fn open(self: Arc<Self>, _flags: u32) -> Result<Box<dyn FileOps>, Errno> {
        Err(Errno::ENXIO)
    }

    fn anon_name(&self) -> Option<&'static str> {
        Some("[pidfd]")
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

struct PidfdFile {
    inode: Arc<PidfdInode>,
}

/// A new pidfd for `g`.
pub fn new_pidfd(g: &Arc<ThreadGroup>, owner: Owner, flags: u32) -> Arc<File> {
    let inode = Arc::new(PidfdInode {
        process: Arc::downgrade(g),
        pid: g.pid,
        owner,
        created: Time::now(),
    });
    File::new(
        Box::new(PidfdFile {
            inode: inode.clone(),
        }),
        inode,
        None,
        O_RDWR | (flags & O_NONBLOCK),
    )
}

/// The pidfd inode behind `file`, or EBADF.
pub fn pidfd_of(file: &File) -> Result<&PidfdInode, Errno> {
    file.inode
        .as_any()
        .downcast_ref::<PidfdInode>()
        .ok_or(Errno::EBADF)
}

impl FileOps for PidfdFile {
    fn read(&self, _file: &File, _buf: &mut [u8], _off: u64) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }

    fn write(&self, _file: &File, _buf: &[u8], _off: u64) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }

    fn seekable(&self) -> bool {
        false
    }

    fn poll(&self, _file: &File, events: i16) -> Option<i16> {
        const POLLIN: i16 = 0x001;
        const POLLHUP: i16 = 0x010;
        let gone = match self.inode.process() {
            None => true,
            Some(g) => g.is_zombie(),
        };
        Some(if gone { POLLIN & events | POLLHUP } else { 0 })
    }

    fn poll_register(&self, _file: &File, waker: &Arc<dyn Waker>, mask: u32) {
        if let Some(g) = self.inode.process() {
            g.add_exit_watcher(waker, mask);
        }
    }
}
