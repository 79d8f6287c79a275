//! timerfd: a timer whose expirations are counted and read from a file,
//! armed on the sandbox's timer thread (`kernel::timers`).

use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use syscalls::consts::*;
use syscalls::Errno;

use crate::kernel::timers::Timer;
use crate::kernel::waiter::{WaitQueue, Waker};
use crate::vfs::{File, FileOps, Owner};

const POLLIN: i16 = 0x001;

/// Expirations not yet read, and who waits for them.
#[derive(Default)]
struct Ticks {
    count: Mutex<u64>,
    queue: WaitQueue,
}

impl Ticks {
    fn lock(&self) -> std::sync::MutexGuard<'_, u64> {
        self.count.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub struct TimerFd {
    pub clock: i32,
    pub timer: Arc<Timer>,
    ticks: Arc<Ticks>,
    /// TFD_TIMER_ABSTIME / TFD_TIMER_CANCEL_ON_SET of the last settime.
    settime_flags: Mutex<u32>,
}

/// A new timerfd on `clock`; `flags` may hold TFD_NONBLOCK.
pub fn new_timerfd(owner: Owner, clock: i32, flags: u32) -> Arc<File> {
    let ticks = Arc::new(Ticks::default());
    let w: Weak<Ticks> = Arc::downgrade(&ticks);
    let timer = Timer::with_callback(Box::new(move |n| {
        if let Some(t) = w.upgrade() {
            let mut c = t.lock();
            *c = c.saturating_add(n);
            drop(c);
            t.queue.notify(POLLIN as u32);
        }
    }));
    let ops = TimerFd {
        clock,
        timer,
        ticks,
        settime_flags: Mutex::new(0),
    };
    super::anon::new_file(
        "[timerfd]",
        Box::new(ops),
        owner,
        O_RDWR | (flags & O_NONBLOCK),
    )
}

/// The timerfd behind `file`, or EINVAL.
pub fn timerfd_of(file: &File) -> Result<&TimerFd, Errno> {
    file.ops
        .as_any()
        .and_then(|a| a.downcast_ref::<TimerFd>())
        .ok_or(Errno::EINVAL)
}

impl TimerFd {
    /// A new setting: unread expirations are forgotten.
    pub fn reset(&self, flags: u32) {
        *self.ticks.lock() = 0;
        *self.settime_flags.lock().unwrap_or_else(|e| e.into_inner()) = flags;
    }
}

impl FileOps for TimerFd {
    fn read(&self, file: &File, buf: &mut [u8], _off: u64) -> Result<usize, Errno> {
        if buf.len() < 8 {
            return Err(Errno::EINVAL);
        }
        let mut take = || {
            let mut c = self.ticks.lock();
            (*c > 0).then(|| std::mem::take(&mut *c))
        };
        let n = match take() {
            Some(n) => n,
            None if file.flags() & O_NONBLOCK != 0 => return Err(Errno::EAGAIN),
            None => super::anon::wait_on(&self.ticks.queue, &mut take)?,
        };
        buf[..8].copy_from_slice(&n.to_ne_bytes());
        Ok(8)
    }

    fn write(&self, _file: &File, _buf: &[u8], _off: u64) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
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
        Some(if *self.ticks.lock() > 0 {
            POLLIN & events
        } else {
            0
        })
    }

    fn poll_register(&self, _file: &File, waker: &Arc<dyn Waker>, mask: u32) {
        self.ticks.queue.add(waker, mask);
    }

    fn fdinfo(&self, _file: &File) -> String {
        let (value, interval) = self.timer.get();
        let pair = |d: Duration| format!("({}, {})", d.as_secs(), d.subsec_nanos());
        format!(
            "clockid: {}\nticks: {}\nsettime flags: 0{:o}\nit_value: {}\nit_interval: {}\n",
            self.clock,
            *self.ticks.lock(),
            *self.settime_flags.lock().unwrap_or_else(|e| e.into_inner()),
            pair(value),
            pair(interval)
        )
    }
}
