//! Clocks and sleeping.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rustix::time::ClockId;
use syscalls::consts::*;
use syscalls::types::{Rusage, Timespec, Timeval, Tms};
use syscalls::Errno;

use super::SysResult;
use crate::kernel::{RestartBlock, Task};

/// The host clock behind a sandbox clock id.
fn clock(id: i32) -> Result<ClockId, Errno> {
    Ok(match id {
        CLOCK_REALTIME => ClockId::Realtime,
        CLOCK_MONOTONIC => ClockId::Monotonic,
        CLOCK_PROCESS_CPUTIME_ID => ClockId::ProcessCPUTime,
        CLOCK_THREAD_CPUTIME_ID => ClockId::ThreadCPUTime,
        CLOCK_MONOTONIC_RAW => ClockId::MonotonicRaw,
        CLOCK_REALTIME_COARSE => ClockId::RealtimeCoarse,
        CLOCK_MONOTONIC_COARSE => ClockId::MonotonicCoarse,
        CLOCK_BOOTTIME => ClockId::Boottime,
        CLOCK_REALTIME_ALARM => ClockId::Realtime,
        CLOCK_BOOTTIME_ALARM => ClockId::Boottime,
        _ => return Err(Errno::EINVAL),
    })
}

fn now(id: ClockId) -> Timespec {
    let t = rustix::time::clock_gettime(id);
    Timespec {
        tv_sec: t.tv_sec,
        tv_nsec: t.tv_nsec,
    }
}

/// (user, system) CPU time of the task: the application's own time in its
/// address space, and the sentry's time working for it.
pub(crate) fn cpu_times(t: &Task) -> (Duration, Duration) {
    let sys = crate::kernel::thread_cpu_time();
    (t.shared.user_time(t.mm().cpu_share()), sys)
}

/// A clock the sandbox answers for.
enum SandboxClock {
    Host(ClockId),
    Tai,
    /// CPU time of a thread (CLOCK_THREAD_CPUTIME_ID, pthread_getcpuclockid).
    ThreadCpu(Arc<crate::kernel::TaskShared>),
    /// CPU time of a process (CLOCK_PROCESS_CPUTIME_ID, clock_getcpuclockid).
    ProcessCpu(Arc<crate::kernel::ThreadGroup>),
}

/// Decodes a clock id, including the CPU-clock encodings of
/// clock_getcpuclockid/pthread_getcpuclockid (negative ids).
fn sandbox_clock(t: &Task, id: i32) -> Result<SandboxClock, Errno> {
    if id >= 0 {
        return Ok(match id {
            CLOCK_TAI => SandboxClock::Tai,
            CLOCK_PROCESS_CPUTIME_ID => SandboxClock::ProcessCpu(t.tg.clone()),
            CLOCK_THREAD_CPUTIME_ID => SandboxClock::ThreadCpu(t.shared.clone()),
            _ => SandboxClock::Host(clock(id)?),
        });
    }
    // MAKE_PROCESS_CPUCLOCK / MAKE_THREAD_CPUCLOCK: ~pid << 3 | type.
    if id & 3 == 3 {
        return Err(Errno::EINVAL);
    }
    let pid = !(id >> 3);
    let per_thread = id & 4 != 0;
    if per_thread {
        // Only threads of the caller's own process, as in Linux.
        let task = if pid == 0 {
            Some(t.shared.clone())
        } else {
            t.kernel.task(pid).filter(|x| {
                t.tg.threads
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .iter()
                    .any(|y| Arc::ptr_eq(x, y))
            })
        };
        task.map(SandboxClock::ThreadCpu).ok_or(Errno::EINVAL)
    } else if pid == 0 {
        Ok(SandboxClock::ProcessCpu(t.tg.clone()))
    } else {
        t.kernel
            .group(pid)
            .map(SandboxClock::ProcessCpu)
            .ok_or(Errno::EINVAL)
    }
}

fn read_clock(t: &Task, c: &SandboxClock) -> Timespec {
    match c {
        SandboxClock::Host(id) => now(*id),
        SandboxClock::Tai => {
            match rustix::time::clock_gettime_dynamic(rustix::time::DynamicClockId::Tai) {
                Ok(ts) => Timespec {
                    tv_sec: ts.tv_sec,
                    tv_nsec: ts.tv_nsec,
                },
                Err(_) => now(ClockId::Realtime),
            }
        }
        SandboxClock::ThreadCpu(x) if Arc::ptr_eq(x, &t.shared) => cpu_timespec(cpu_times(t)),
        SandboxClock::ThreadCpu(x) => cpu_timespec(x.cpu_times(t.mm().cpu_share())),
        SandboxClock::ProcessCpu(g) => cpu_timespec(g.cpu_times()),
    }
}

fn cpu_timespec((user, sys): (Duration, Duration)) -> Timespec {
    let d = user + sys;
    Timespec {
        tv_sec: d.as_secs() as i64,
        tv_nsec: d.subsec_nanos() as i64,
    }
}

pub fn clock_gettime(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let c = sandbox_clock(t, a[0] as i32)?;
    let v = read_clock(t, &c);
    t.mm().write_obj(a[1], &v)?;
    Ok(0)
}

/// Setting a clock needs CAP_SYS_TIME, which the sandbox does not grant;
/// clocks that cannot be set at all give EINVAL.
pub fn clock_settime(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let id = a[0] as i32;
    let ts: Timespec = t.mm().read_obj(a[1])?;
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(Errno::EINVAL);
    }
    match id {
        CLOCK_REALTIME => Err(Errno::EPERM),
        _ => {
            sandbox_clock(t, id)?;
            Err(Errno::EINVAL)
        }
    }
}

pub fn settimeofday(t: &mut Task, a: &[u64; 6]) -> SysResult {
    if a[0] != 0 {
        let tv: Timeval = t.mm().read_obj(a[0])?;
        if tv.tv_sec < 0 || !(0..1_000_000).contains(&tv.tv_usec) {
            return Err(Errno::EINVAL);
        }
    }
    Err(Errno::EPERM)
}

fn timeval(d: Duration) -> Timeval {
    Timeval {
        tv_sec: d.as_secs() as i64,
        tv_usec: d.subsec_micros() as i64,
    }
}

/// RUSAGE_SELF and RUSAGE_THREAD report CPU times and peak memory;
/// RUSAGE_CHILDREN what the waited-for children used.
pub fn getrusage(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let mut ru = Rusage::default();
    match a[0] as i32 {
        0 | 1 => {
            let (u, s) = if a[0] == 0 {
                t.tg.cpu_times()
            } else {
                cpu_times(t)
            };
            ru.ru_utime = timeval(u);
            ru.ru_stime = timeval(s);
            let peak =
                t.tg.usage
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .maxrss_kb;
            ru.ru_maxrss = peak.max((t.mm().max_resident() / 1024) as i64);
        }
        -1 => {
            ru =
                t.tg.children_usage
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .to_rusage()
        }
        _ => return Err(Errno::EINVAL),
    }
    t.mm().write_obj(a[1], &ru)?;
    Ok(0)
}

/// times(2): clock ticks (100 Hz) of CPU time, and ticks since boot.
pub fn times(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let ticks = |d: Duration| (d.as_millis() / 10) as i64;
    if a[0] != 0 {
        let (u, s) = t.tg.cpu_times();
        let c = *t
            .tg
            .children_usage
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        t.mm().write_obj(
            a[0],
            &Tms {
                tms_utime: ticks(u),
                tms_stime: ticks(s),
                tms_cutime: ticks(c.user),
                tms_cstime: ticks(c.sys),
            },
        )?;
    }
    Ok(ticks(t.kernel.boot.elapsed()) as u64)
}

pub fn clock_getres(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let c = match sandbox_clock(t, a[0] as i32)? {
        SandboxClock::Host(c) => c,
        _ => ClockId::Monotonic,
    };
    if a[1] != 0 {
        let r = rustix::time::clock_getres(c);
        t.mm().write_obj(
            a[1],
            &Timespec {
                tv_sec: r.tv_sec,
                tv_nsec: r.tv_nsec,
            },
        )?;
    }
    Ok(0)
}

pub fn gettimeofday(t: &mut Task, a: &[u64; 6]) -> SysResult {
    if a[0] != 0 {
        let n = now(ClockId::Realtime);
        t.mm().write_obj(
            a[0],
            &Timeval {
                tv_sec: n.tv_sec,
                tv_usec: n.tv_nsec / 1000,
            },
        )?;
    }
    if a[1] != 0 {
        t.mm().write_obj(a[1], &[0u32; 2])?;
    }
    Ok(0)
}

pub fn time(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let s = now(ClockId::Realtime).tv_sec;
    if a[0] != 0 {
        t.mm().write_obj(a[0], &s)?;
    }
    Ok(s as u64)
}

fn read_timespec(t: &Task, addr: u64) -> Result<Timespec, Errno> {
    let ts: Timespec = t.mm().read_obj(addr)?;
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(Errno::EINVAL);
    }
    Ok(ts)
}

fn duration(ts: &Timespec) -> Duration {
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

pub fn nanosleep(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let ts = read_timespec(t, a[0])?;
    sleep(t, Instant::now() + duration(&ts), a[1], true)
}

/// Sleeps until `deadline` (on the monotonic clock). Interrupted by a
/// signal: writes the time left to `rem` (if given and `relative`) and
/// arranges for restart_syscall to resume the sleep if no handler runs.
fn sleep(t: &mut Task, deadline: Instant, rem: u64, relative: bool) -> SysResult {
    match t.shared.blocker.sleep_until(deadline) {
        Ok(()) => Ok(0),
        Err(_) => {
            if rem != 0 && relative {
                let left = deadline.saturating_duration_since(Instant::now());
                t.mm().write_obj(
                    rem,
                    &Timespec {
                        tv_sec: left.as_secs() as i64,
                        tv_nsec: left.subsec_nanos() as i64,
                    },
                )?;
            }
            t.restart_block = Some(RestartBlock::Sleep {
                deadline,
                rem,
                relative,
            });
            Err(Errno::ERESTART_RESTARTBLOCK)
        }
    }
}

/// restart_syscall(2): resumes the syscall a signal interrupted.
pub fn restart_syscall(t: &mut Task, _a: &[u64; 6]) -> SysResult {
    match t.restart_block.take() {
        Some(RestartBlock::Sleep {
            deadline,
            rem,
            relative,
        }) => sleep(t, deadline, rem, relative),
        Some(RestartBlock::Poll {
            fds,
            nfds,
            deadline,
        }) => super::poll::restart_poll(t, fds, nfds, deadline),
        None => Err(Errno::EINTR),
    }
}

pub fn clock_nanosleep(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (id, flags) = (a[0] as i32, a[1] as u32);
    let c = match id {
        CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_BOOTTIME | CLOCK_REALTIME_ALARM
        | CLOCK_BOOTTIME_ALARM => clock(id)?,
        CLOCK_TAI => ClockId::Realtime,
        // Clocks without a sleep operation.
        CLOCK_MONOTONIC_RAW | CLOCK_REALTIME_COARSE | CLOCK_MONOTONIC_COARSE => {
            return Err(Errno::EOPNOTSUPP)
        }
        CLOCK_THREAD_CPUTIME_ID => return Err(Errno::EOPNOTSUPP),
        CLOCK_PROCESS_CPUTIME_ID => {
            return Err(Errno::EOPNOTSUPP.with_msg("sleeping on CPU time is not supported yet"))
        }
        _ => return Err(Errno::EINVAL),
    };
    let ts = read_timespec(t, a[2])?;
    let absolute = flags & TIMER_ABSTIME != 0;
    let d = if absolute {
        let n = now(c);
        let target = duration(&ts);
        let cur = Duration::new(n.tv_sec.max(0) as u64, n.tv_nsec as u32);
        target.saturating_sub(cur)
    } else {
        duration(&ts)
    };
    sleep(t, Instant::now() + d, a[3], !absolute)
}
