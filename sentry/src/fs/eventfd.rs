//! eventfd: a 64-bit counter that reads drain (or decrement by one, with
//! EFD_SEMAPHORE) and writes add to, blocking at the ends of its range.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};

use syscalls::consts::*;
use syscalls::Errno;

use crate::kernel::waiter::{WaitQueue, Waker};
use crate::vfs::{File, FileOps, Owner};

const POLLIN: i16 = 0x001;
const POLLOUT: i16 = 0x004;
/// The largest value the counter may hold.
const MAX: u64 = u64::MAX - 1;

static NEXT_ID: AtomicI32 = AtomicI32::new(0);

pub struct EventFd {
    count: Mutex<u64>,
    semaphore: bool,
    id: i32,
    queue: WaitQueue,
}

impl EventFd {
    fn lock(&self) -> std::sync::MutexGuard<'_, u64> {
        self.count.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A new eventfd with counter `init`; `flags` are EFD_* flags.
pub fn new_eventfd(owner: Owner, init: u64, flags: u32) -> Arc<File> {
    let ops = EventFd {
        count: Mutex::new(init),
        semaphore: flags & EFD_SEMAPHORE != 0,
        id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        queue: WaitQueue::default(),
    };
    super::anon::new_file(
        "[eventfd]",
        Box::new(ops),
        owner,
        O_RDWR | (flags & O_NONBLOCK),
    )
}

impl FileOps for EventFd {
    fn read(&self, file: &File, buf: &mut [u8], _off: u64) -> Result<usize, Errno> {
        if buf.len() < 8 {
            return Err(Errno::EINVAL);
        }
        let take = || {
            let mut c = self.lock();
            if *c == 0 {
                return None;
            }
            let v = if self.semaphore { 1 } else { *c };
            *c -= v;
            Some(v)
        };
        let mut take = take;
        let v = match take() {
            Some(v) => v,
            None if file.flags() & O_NONBLOCK != 0 => return Err(Errno::EAGAIN),
            None => super::anon::wait_on(&self.queue, &mut take)?,
        };
        self.queue.notify(POLLOUT as u32);
        buf[..8].copy_from_slice(&v.to_ne_bytes());
        Ok(8)
    }

    fn write(&self, file: &File, buf: &[u8], _off: u64) -> Result<usize, Errno> {
        if buf.len() < 8 {
            return Err(Errno::EINVAL);
        }
        let v = u64::from_ne_bytes(buf[..8].try_into().map_err(|_| Errno::EINVAL)?);
        if v == u64::MAX {
            return Err(Errno::EINVAL);
        }
        let mut add = || {
            let mut c = self.lock();
            if MAX - *c < v {
                return None;
            }
            *c += v;
            Some(())
        };
        match add() {
            Some(()) => {}
            None if file.flags() & O_NONBLOCK != 0 => return Err(Errno::EAGAIN),
            None => super::anon::wait_on(&self.queue, &mut add)?,
        }
        if v != 0 {
            self.queue.notify(POLLIN as u32);
        }
        Ok(8)
    }

    fn seekable(&self) -> bool {
        false
    }

    fn may_block(&self) -> bool {
        true
    }

    /// Linux's noop_llseek: the position stays 0.
    fn seek(&self, _file: &File, _off: i64, _whence: u32) -> Option<Result<u64, Errno>> {
        Some(Ok(0))
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn poll(&self, _file: &File, events: i16) -> Option<i16> {
        let c = *self.lock();
        let mut r = 0;
        if c > 0 {
            r |= POLLIN;
        }
        if c < MAX {
            r |= POLLOUT;
        }
        Some(r & events)
    }

    fn poll_register(&self, _file: &File, waker: &Arc<dyn Waker>, mask: u32) {
        self.queue.add(waker, mask);
    }

    fn fdinfo(&self, _file: &File) -> String {
        format!(
            "eventfd-count: {:16x}\neventfd-id: {}\neventfd-semaphore: {}\n",
            *self.lock(),
            self.id,
            u8::from(self.semaphore)
        )
    }
}
