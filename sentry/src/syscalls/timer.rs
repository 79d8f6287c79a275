//! alarm, setitimer/getitimer, and the POSIX timer_* calls.

use std::sync::Arc;
use std::time::Duration;

use syscalls::consts::*;
use syscalls::types::{Timespec, Timeval};
use syscalls::Errno;

use super::SysResult;
use crate::kernel::timers::{itimer_signal, Target, Timer, TimerClock, SI_TIMER};
use crate::kernel::Task;

const SIGEV_SIGNAL: i32 = 0;
const SIGEV_NONE: i32 = 1;
const SIGEV_THREAD_ID: i32 = 4;
/// si_code of the interval timers' signals (sent by the kernel).
const SI_KERNEL: i32 = 0x80;

fn tv_duration(tv: &Timeval) -> Result<Duration, Errno> {
    if tv.tv_sec < 0 || !(0..1_000_000).contains(&tv.tv_usec) {
        return Err(Errno::EINVAL);
    }
    Ok(Duration::new(tv.tv_sec as u64, tv.tv_usec as u32 * 1000))
}

fn ts_duration(ts: &Timespec) -> Result<Duration, Errno> {
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(Errno::EINVAL);
    }
    Ok(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

fn timeval(d: Duration) -> Timeval {
    // Round up: a pending timer never reads as zero.
    let usec = d.subsec_nanos().div_ceil(1000) as i64;
    let (sec, usec) = if usec == 1_000_000 {
        (d.as_secs() as i64 + 1, 0)
    } else {
        (d.as_secs() as i64, usec)
    };
    Timeval {
        tv_sec: sec,
        tv_usec: usec,
    }
}

fn timespec(d: Duration) -> Timespec {
    Timespec {
        tv_sec: d.as_secs() as i64,
        tv_nsec: d.subsec_nanos() as i64,
    }
}

/// The interval timer `which`, made on first use.
fn itimer(t: &Task, which: usize) -> Arc<Timer> {
    let mut timers = t.tg.timers.lock().unwrap_or_else(|e| e.into_inner());
    timers.itimers[which]
        .get_or_insert_with(|| {
            let (clock, cpu): (_, Option<Box<dyn Fn() -> Duration + Send + Sync>>) = if which == 0 {
                (TimerClock::Real, None)
            } else {
                let g = Arc::downgrade(&t.tg);
                (
                    TimerClock::ProcessCpu,
                    Some(Box::new(move || {
                        g.upgrade().map_or(Duration::ZERO, |g| g.cpu_time())
                    })),
                )
            };
            Timer::new(
                -1,
                clock,
                Some(Target::Process(Arc::downgrade(&t.tg))),
                itimer_signal(which),
                SI_KERNEL,
                0,
                cpu,
            )
        })
        .clone()
}

fn write_itimerval(
    t: &Task,
    addr: u64,
    (left, interval): (Duration, Duration),
) -> Result<(), Errno> {
    t.mm().write_obj(addr, &[timeval(interval), timeval(left)])
}

pub fn getitimer(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let which = a[0] as usize;
    if which > 2 {
        return Err(Errno::EINVAL);
    }
    let cur = itimer(t, which).get();
    write_itimerval(t, a[1], cur)?;
    Ok(0)
}

pub fn setitimer(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let which = a[0] as usize;
    if which > 2 {
        return Err(Errno::EINVAL);
    }
    // A NULL new value disarms, as Linux accepts.
    let (interval, value) = if a[1] != 0 {
        let v: [Timeval; 2] = t.mm().read_obj(a[1])?;
        (tv_duration(&v[0])?, tv_duration(&v[1])?)
    } else {
        (Duration::ZERO, Duration::ZERO)
    };
    let timer = itimer(t, which);
    let old = t.kernel.timers.arm(&timer, value, interval);
    if a[2] != 0 {
        write_itimerval(t, a[2], old)?;
    }
    Ok(0)
}

pub fn alarm(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let timer = itimer(t, 0);
    let (left, _) = t.kernel.timers.arm(
        &timer,
        Duration::from_secs(a[0] as u32 as u64),
        Duration::ZERO,
    );
    // Seconds left, rounded to the nearest, and never 0 for a pending alarm.
    let secs = if left.is_zero() {
        0
    } else {
        (left.as_secs() + u64::from(left.subsec_millis() >= 500)).max(1)
    };
    Ok(secs)
}

/// timer_create(clockid, sevp, timerid).
pub fn timer_create(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let id = a[0] as i32;
    let clock = match id {
        CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_BOOTTIME | CLOCK_REALTIME_ALARM
        | CLOCK_BOOTTIME_ALARM | CLOCK_TAI => TimerClock::Real,
        CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID => TimerClock::ProcessCpu,
        i if i < 0 && i & 3 != 3 => TimerClock::ProcessCpu,
        _ => return Err(Errno::EINVAL),
    };
    let timer_id = {
        let mut pt = t.tg.timers.lock().unwrap_or_else(|e| e.into_inner());
        let id = pt.next_id;
        pt.next_id += 1;
        id
    };
    let (notify, signo, sigval, tid) = if a[1] == 0 {
        (SIGEV_SIGNAL, SIGALRM, timer_id as u64, 0)
    } else {
        let ev: [u8; 64] = t.mm().read_obj(a[1])?;
        let word = |o: usize| i32::from_le_bytes(ev[o..o + 4].try_into().expect("4 bytes"));
        let sigval = u64::from_le_bytes(ev[0..8].try_into().expect("8 bytes"));
        (word(12), word(8), sigval, word(16))
    };
    let target = match notify {
        SIGEV_NONE => None,
        SIGEV_SIGNAL | SIGEV_THREAD_ID => {
            if !(1..=64).contains(&signo) {
                return Err(Errno::EINVAL);
            }
            if notify == SIGEV_THREAD_ID {
                let task = t.kernel.task(tid).ok_or(Errno::EINVAL)?;
                let ours =
                    t.tg.threads
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .iter()
                        .any(|x| Arc::ptr_eq(x, &task));
                if !ours {
                    return Err(Errno::EINVAL);
                }
                Some(Target::Thread(Arc::downgrade(&task), Arc::downgrade(&t.tg)))
            } else {
                Some(Target::Process(Arc::downgrade(&t.tg)))
            }
        }
        _ => return Err(Errno::EINVAL),
    };
    let cpu: Option<Box<dyn Fn() -> Duration + Send + Sync>> = (clock == TimerClock::ProcessCpu)
        .then(|| {
            let g = Arc::downgrade(&t.tg);
            Box::new(move || g.upgrade().map_or(Duration::ZERO, |g| g.cpu_time()))
                as Box<dyn Fn() -> Duration + Send + Sync>
        });
    let timer = Timer::new(timer_id, clock, target, signo, SI_TIMER, sigval, cpu);
    t.mm().write_obj(a[2], &timer_id)?;
    t.tg.timers
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .posix
        .insert(timer_id, timer);
    Ok(0)
}

fn posix_timer(t: &Task, id: u64) -> Result<Arc<Timer>, Errno> {
    t.tg.timers
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .posix
        .get(&(id as i32))
        .cloned()
        .ok_or(Errno::EINVAL)
}

fn write_itimerspec(
    t: &Task,
    addr: u64,
    (left, interval): (Duration, Duration),
) -> Result<(), Errno> {
    t.mm()
        .write_obj(addr, &[timespec(interval), timespec(left)])
}

pub fn timer_settime(t: &mut Task, a: &[u64; 6]) -> SysResult {
    // Linux copies the new value in before it looks the timer up.
    let v: [Timespec; 2] = t.mm().read_obj(a[2])?;
    let timer = posix_timer(t, a[0])?;
    let flags = a[1] as u32;
    if flags & !TIMER_ABSTIME != 0 {
        return Err(Errno::EINVAL);
    }
    let interval = ts_duration(&v[0])?;
    let mut value = ts_duration(&v[1])?;
    if flags & TIMER_ABSTIME != 0 && !value.is_zero() {
        // An absolute expiry on the timer's clock, as time from now.
        let now = match timer.clock {
            TimerClock::Real => {
                let n = rustix::time::clock_gettime(rustix::time::ClockId::Realtime);
                Duration::new(n.tv_sec.max(0) as u64, n.tv_nsec as u32)
            }
            TimerClock::ProcessCpu => t.tg.cpu_time(),
        };
        value = value.saturating_sub(now).max(Duration::from_nanos(1));
    }
    let old = t.kernel.timers.arm(&timer, value, interval);
    if a[3] != 0 {
        write_itimerspec(t, a[3], old)?;
    }
    Ok(0)
}

pub fn timer_gettime(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let timer = posix_timer(t, a[0])?;
    write_itimerspec(t, a[1], timer.get())?;
    Ok(0)
}

pub fn timer_getoverrun(t: &mut Task, a: &[u64; 6]) -> SysResult {
    Ok(posix_timer(t, a[0])?.overrun_last() as u64)
}

pub fn timer_delete(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let timer =
        t.tg.timers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .posix
            .remove(&(a[0] as i32))
            .ok_or(Errno::EINVAL)?;
    t.kernel.timers.arm(&timer, Duration::ZERO, Duration::ZERO);
    Ok(0)
}
