//! eventfd, eventfd2, timerfd_create/settime/gettime, signalfd, signalfd4.
//! The files live in `crate::fs::{eventfd, timerfd, signalfd}`.

use std::time::Duration;

use syscalls::consts::*;
use syscalls::types::{Itimerspec, Timespec};
use syscalls::Errno;

use super::file::{nofile_limit, owner};
use super::{fd_arg, SysResult};
use crate::fs::{eventfd, signalfd, timerfd};
use crate::kernel::signal::UNBLOCKABLE;
use crate::kernel::Task;

const TFD_TIMER_ABSTIME: u32 = 1;
const TFD_TIMER_CANCEL_ON_SET: u32 = 2;
const TFD_CLOEXEC: u32 = O_CLOEXEC;
const TFD_NONBLOCK: u32 = O_NONBLOCK;
const SFD_CLOEXEC: u32 = O_CLOEXEC;
const SFD_NONBLOCK: u32 = O_NONBLOCK;
/// Linux's CAP_WAKE_ALARM (the *_ALARM clocks).
const CAP_WAKE_ALARM: u32 = 35;

fn install(t: &mut Task, file: std::sync::Arc<crate::vfs::File>, cloexec: bool) -> SysResult {
    Ok(t.files.alloc(file, cloexec, 0, nofile_limit(t))? as u64)
}

fn new_eventfd(t: &mut Task, init: u64, flags: u32) -> SysResult {
    if flags & !(EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK) != 0 {
        return Err(Errno::EINVAL);
    }
    let file = eventfd::new_eventfd(owner(t), init, flags);
    install(t, file, flags & EFD_CLOEXEC != 0)
}

/// eventfd(initval).
pub fn eventfd(t: &mut Task, a: &[u64; 6]) -> SysResult {
    new_eventfd(t, u64::from(a[0] as u32), 0)
}

/// eventfd2(initval, flags): EFD_SEMAPHORE, EFD_NONBLOCK, EFD_CLOEXEC.
pub fn eventfd2(t: &mut Task, a: &[u64; 6]) -> SysResult {
    new_eventfd(t, u64::from(a[0] as u32), a[1] as u32)
}

/// timerfd_create(clockid, flags).
pub fn timerfd_create(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (clock, flags) = (a[0] as i32, a[1] as u32);
    if flags & !(TFD_CLOEXEC | TFD_NONBLOCK) != 0 {
        return Err(Errno::EINVAL);
    }
    match clock {
        CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_BOOTTIME => {}
        CLOCK_REALTIME_ALARM | CLOCK_BOOTTIME_ALARM => {
            if !t.creds.has_cap(CAP_WAKE_ALARM) {
                return Err(Errno::EPERM);
            }
        }
        _ => return Err(Errno::EINVAL),
    }
    let file = timerfd::new_timerfd(owner(t), clock, flags);
    install(t, file, flags & TFD_CLOEXEC != 0)
}

fn ts_duration(ts: &Timespec) -> Result<Duration, Errno> {
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(Errno::EINVAL);
    }
    Ok(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

fn timespec(d: Duration) -> Timespec {
    Timespec {
        tv_sec: d.as_secs() as i64,
        tv_nsec: d.subsec_nanos() as i64,
    }
}

fn itimerspec((value, interval): (Duration, Duration)) -> Itimerspec {
    Itimerspec {
        it_interval: timespec(interval),
        it_value: timespec(value),
    }
}

/// The clock `clock` reads now (for TFD_TIMER_ABSTIME).
fn clock_now(clock: i32) -> Duration {
    use rustix::time::ClockId;
    let id = match clock {
        CLOCK_REALTIME | CLOCK_REALTIME_ALARM => ClockId::Realtime,
        CLOCK_BOOTTIME | CLOCK_BOOTTIME_ALARM => ClockId::Boottime,
        _ => ClockId::Monotonic,
    };
    let t = rustix::time::clock_gettime(id);
    Duration::new(
        t.tv_sec.max(0) as u64,
        t.tv_nsec.clamp(0, 999_999_999) as u32,
    )
}

/// timerfd_settime(fd, flags, new, old): TFD_TIMER_ABSTIME takes the
/// expiry on the timer's clock; TFD_TIMER_CANCEL_ON_SET is accepted (the
/// sandbox's clocks cannot be set).
pub fn timerfd_settime(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let flags = a[1] as u32;
    if flags & !(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET) != 0 {
        return Err(Errno::EINVAL);
    }
    let new: Itimerspec = t.mm().read_obj(a[2])?;
    let f = t.files.get(fd_arg(a[0]))?;
    let tfd = timerfd::timerfd_of(&f)?;
    let mut value = ts_duration(&new.it_value)?;
    let interval = ts_duration(&new.it_interval)?;
    if flags & TFD_TIMER_ABSTIME != 0 && !value.is_zero() {
        // An expiry in the past fires at once.
        value = value
            .saturating_sub(clock_now(tfd.clock))
            .max(Duration::from_nanos(1));
    }
    tfd.reset(flags);
    let old = t.kernel.timers.arm(&tfd.timer, value, interval);
    if a[3] != 0 {
        t.mm().write_obj(a[3], &itimerspec(old))?;
    }
    Ok(0)
}

/// timerfd_gettime(fd, cur): time to the next expiry and the interval.
pub fn timerfd_gettime(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let f = t.files.get(fd_arg(a[0]))?;
    let tfd = timerfd::timerfd_of(&f)?;
    let cur = itimerspec(tfd.timer.get());
    t.mm().write_obj(a[1], &cur)?;
    Ok(0)
}

fn do_signalfd(t: &mut Task, fd: i32, maskp: u64, size: u64, flags: u32) -> SysResult {
    if flags & !(SFD_CLOEXEC | SFD_NONBLOCK) != 0 || size != 8 {
        return Err(Errno::EINVAL);
    }
    let mask = t.mm().read_obj::<u64>(maskp)? & !UNBLOCKABLE;
    if fd == -1 {
        let file = signalfd::new_signalfd(owner(t), mask, flags);
        return install(t, file, flags & SFD_CLOEXEC != 0);
    }
    let f = t.files.get(fd)?;
    signalfd::signalfd_of(&f)?.set_mask(mask);
    // Tasks polling it look again with the new mask.
    t.shared.sig_queue.notify_all();
    t.tg.sig_queue.notify_all();
    Ok(fd as u64)
}

/// signalfd(fd, mask, sizemask).
pub fn signalfd(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_signalfd(t, a[0] as i32, a[1], a[2], 0)
}

/// signalfd4(fd, mask, sizemask, flags): SFD_NONBLOCK, SFD_CLOEXEC.
pub fn signalfd4(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_signalfd(t, a[0] as i32, a[1], a[2], a[3] as u32)
}
