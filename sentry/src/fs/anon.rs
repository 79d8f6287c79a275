//! The anonymous inode behind eventfd, timerfd, signalfd and epoll files
//! (Linux's anon_inodefs): no type bits, mode 0600, owned by its creator.

use std::any::Any;
use std::sync::Arc;

use syscalls::Errno;

use crate::vfs::{anon_dev, Attr, File, FileOps, FileType, Inode, Owner, Time};

static ANON_DEV: std::sync::LazyLock<u64> = std::sync::LazyLock::new(anon_dev);

pub struct AnonInode {
    /// What /proc/PID/fd/N names it: "[eventfd]", "[timerfd]", "[signalfd]", "[eventpoll]".
    name: &'static str,
    owner: Owner,
    created: Time,
}

impl Inode for AnonInode {
    fn file_type(&self) -> FileType {
        FileType::Regular
    }

    fn attr(&self) -> Result<Attr, Errno> {
        Ok(super::anon_attr(1, *ANON_DEV, self.owner, self.created))
    }

    fn open(self: Arc<Self>, _flags: u32) -> Result<Box<dyn FileOps>, Errno> {
        Err(Errno::ENXIO)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn anon_name(&self) -> Option<&'static str> {
        Some(self.name)
    }
}

/// A new file on an anonymous inode named `name` (as Linux's
/// anon_inode_getfile); `flags` are its status flags.
pub fn new_file(name: &'static str, ops: Box<dyn FileOps>, owner: Owner, flags: u32) -> Arc<File> {
    let inode = Arc::new(AnonInode {
        name,
        owner,
        created: Time::now(),
    });
    File::new(ops, inode, None, flags)
}

/// Sleeps the calling task until `ready` gives a value, after registering
/// it on `queue`; ERESTARTSYS if a signal comes first.
pub fn wait_on<T>(
    queue: &crate::kernel::waiter::WaitQueue,
    mut ready: impl FnMut() -> Option<T>,
) -> Result<T, Errno> {
    let Some(me) = crate::kernel::current_task() else {
        return Err(Errno::EAGAIN);
    };
    queue.add_task(&me);
    me.blocker
        .wait_until(None, &mut ready)
        .map_err(|_| Errno::ERESTARTSYS)
}
