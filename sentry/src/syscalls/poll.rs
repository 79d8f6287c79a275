//! poll, ppoll, select, pselect6. Files report readiness through
//! `FileOps::poll` and wake waiters through the readiness hook; regular
//! files and devices are always ready; host descriptors (stdio) are asked
//! of the host. A signal for the task ends a wait; ppoll and pselect6 wait
//! with the caller's temporary signal mask, as rt_sigsuspend does.

use std::os::fd::BorrowedFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags};
use syscalls::types::{Pollfd, Timespec, Timeval};
use syscalls::Errno;

use super::file::nofile_limit;
use super::SysResult;
use crate::kernel::waiter::{Waker, ALL_EVENTS};
use crate::kernel::Task;

const POLLIN: i16 = 0x001;
const POLLPRI: i16 = 0x002;
const POLLOUT: i16 = 0x004;
const POLLERR: i16 = 0x008;
const POLLHUP: i16 = 0x010;
const POLLNVAL: i16 = 0x020;
const POLLRDNORM: i16 = 0x040;
const POLLWRNORM: i16 = 0x100;

/// Polls `fds` in place; `timeout` None waits forever. Returns how many
/// have events.
fn do_poll(t: &Task, fds: &mut [Pollfd], timeout: Option<Duration>) -> Result<usize, Errno> {
    let files: Vec<_> = fds
        .iter()
        .map(|p| {
            if p.fd < 0 {
                None
            } else {
                Some(t.files.get(p.fd))
            }
        })
        .collect();
    let deadline = timeout.map(|d| Instant::now() + d);
    // Readiness of the sentry's own files; host descriptors are asked below.
    let sentry_ready = |fds: &mut [Pollfd]| -> usize {
        let mut ready = 0;
        for (i, p) in fds.iter_mut().enumerate() {
            p.revents = match &files[i] {
                None => 0,
                Some(Err(_)) => POLLNVAL,
                Some(Ok(f)) if f.ops.host_fd().is_some() => 0,
                Some(Ok(f)) => match f.ops.poll(f, p.events) {
                    Some(r) => r,
                    None => p.events & (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM),
                },
            };
            if p.revents != 0 {
                ready += 1;
            }
        }
        ready
    };
    let host: Vec<(usize, BorrowedFd<'_>)> = files
        .iter()
        .enumerate()
        .filter_map(|(i, f)| match f {
            Some(Ok(f)) => f.ops.host_fd().map(|h| (i, h)),
            _ => None,
        })
        .collect();
    loop {
        // With host descriptors the wait is a host ppoll, which changes to
        // the sentry's files end with a host kick: ask for kicks and
        // register before looking at the sentry's files, so that no change
        // falls between the look and the wait.
        let _host_wait = (!host.is_empty()).then(|| {
            let guard = t.shared.host_wait();
            if let Some(me) = crate::kernel::current_task() {
                let w: Arc<dyn Waker> = me;
                for f in files.iter().flatten().flatten() {
                    f.ops.poll_register(f, &w, ALL_EVENTS);
                }
            }
            guard
        });
        let mut ready = sentry_ready(fds);
        let expired = deadline.is_some_and(|d| Instant::now() >= d);
        if !host.is_empty() {
            let mut pfds: Vec<PollFd<'_>> = host
                .iter()
                .map(|&(i, h)| PollFd::new(h, PollFlags::from_bits_truncate(fds[i].events)))
                .collect();
            let to = if ready > 0 || expired {
                Some(nix::sys::time::TimeSpec::new(0, 0))
            } else {
                deadline.map(|d| {
                    nix::sys::time::TimeSpec::from_duration(
                        d.saturating_duration_since(Instant::now()),
                    )
                })
            };
            // Shown asleep in /proc meanwhile (state S), as a blocker wait is.
            let r = crate::kernel::blocker::asleep(|| {
                nix::poll::ppoll(&mut pfds, to, Some(platform::hostkick::wait_mask()))
            });
            match r {
                Ok(_) => {}
                Err(nix::errno::Errno::EINTR) => {
                    if t.shared.blocker.is_interrupted() {
                        return Err(Errno::ERESTARTNOHAND);
                    }
                    // A wake-up for a sentry file: look again.
                    continue;
                }
                Err(e) => return Err(Errno::from_code(e as i32)),
            }
            for (k, &(i, _)) in host.iter().enumerate() {
                let r = pfds[k].revents().map_or(0, |r| r.bits());
                fds[i].revents = r & (fds[i].events | POLLERR | POLLHUP | POLLNVAL);
                if fds[i].revents != 0 {
                    ready += 1;
                }
            }
            if ready > 0 || deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(ready);
            }
            continue;
        }
        if ready > 0 || expired {
            return Ok(ready);
        }
        let me: Arc<dyn Waker> = crate::kernel::current_task().ok_or(Errno::EINTR)?;
        for f in files.iter().flatten().flatten() {
            f.ops.poll_register(f, &me, ALL_EVENTS);
        }
        let mut probe = fds.to_vec();
        match t
            .shared
            .blocker
            .wait_until(deadline, || (sentry_ready(&mut probe) > 0).then_some(()))
        {
            Ok(()) => continue,
            Err(crate::kernel::blocker::Interrupted::TimedOut) => return Ok(sentry_ready(fds)),
            Err(_) => return Err(Errno::ERESTARTNOHAND),
        }
    }
}

fn read_pollfds(t: &Task, addr: u64, n: u64) -> Result<Vec<Pollfd>, Errno> {
    if n as usize > nofile_limit(t) {
        return Err(Errno::EINVAL);
    }
    // One copy for the whole array: a thousand descriptors are common.
    let mut fds = vec![Pollfd::default(); n as usize];
    t.mm()
        .copy_in(addr, bytemuck::cast_slice_mut(fds.as_mut_slice()))?;
    Ok(fds)
}

/// Writes the array back whole (fd and events as they were read), in one
/// copy, as gVisor does; Linux stores only each revents.
fn write_revents(t: &Task, addr: u64, fds: &[Pollfd]) -> Result<(), Errno> {
    t.mm().copy_out(addr, bytemuck::cast_slice(fds))
}

pub fn poll(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let ms = a[2] as i32;
    let deadline = (ms >= 0).then(|| Instant::now() + Duration::from_millis(ms as u64));
    restart_poll(t, a[0], a[1], deadline)
}

/// poll until `deadline`. Interrupted by a signal, it returns
/// ERESTART_RESTARTBLOCK as Linux does: EINTR if a handler runs (even an
/// SA_RESTART one), otherwise restart_syscall resumes it with the same end
/// time, not a fresh timeout.
pub(super) fn restart_poll(
    t: &mut Task,
    addr: u64,
    nfds: u64,
    deadline: Option<Instant>,
) -> SysResult {
    let mut fds = read_pollfds(t, addr, nfds)?;
    let timeout = deadline.map(|d| d.saturating_duration_since(Instant::now()));
    match do_poll(t, &mut fds, timeout) {
        Ok(n) => {
            write_revents(t, addr, &fds)?;
            Ok(n as u64)
        }
        Err(e) if e == Errno::ERESTARTNOHAND => {
            t.restart_block = Some(crate::kernel::RestartBlock::Poll {
                fds: addr,
                nfds,
                deadline,
            });
            Err(Errno::ERESTART_RESTARTBLOCK)
        }
        Err(e) => Err(e),
    }
}

fn read_timeout(t: &Task, addr: u64) -> Result<Option<Duration>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    let ts: Timespec = t.mm().read_obj(addr)?;
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(Errno::EINVAL);
    }
    Ok(Some(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)))
}

/// Runs `f` with the signal mask at `addr` (if any) in effect, as
/// rt_sigsuspend does: when `f` is interrupted (`interrupted` or a restart
/// code) the old mask comes back only after the signal's handler has run,
/// so a signal the temporary mask let through is delivered; otherwise it
/// comes back at once. A signal the temporary mask unblocks that is
/// already pending interrupts at once.
pub(super) fn with_sigmask(
    t: &mut Task,
    addr: u64,
    size: u64,
    interrupted: Errno,
    f: impl FnOnce(&mut Task) -> SysResult,
) -> SysResult {
    if addr == 0 {
        return f(t);
    }
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    let mask: u64 = t.mm().read_obj(addr)?;
    let old = t.sigmask();
    t.set_sigmask(mask);
    let r = if t.signal_deliverable() {
        Err(interrupted)
    } else {
        f(t)
    };
    match r {
        Err(e) if e == Errno::EINTR || e.is_restart() => t.saved_mask = Some(old),
        _ => t.set_sigmask(old),
    }
    r
}

/// The time left until `deadline`, for the timeouts Linux writes back.
fn left(deadline: Option<Instant>) -> Option<Duration> {
    deadline.map(|d| d.saturating_duration_since(Instant::now()))
}

fn write_timespec_left(t: &Task, addr: u64, deadline: Option<Instant>) {
    if let (Some(d), true) = (left(deadline), addr != 0) {
        let ts = Timespec {
            tv_sec: d.as_secs() as i64,
            tv_nsec: d.subsec_nanos() as i64,
        };
        // As Linux: a timeout in read-only memory is not an error.
        let _ = t.mm().write_obj(addr, &ts);
    }
}

/// ppoll(fds, nfds, timeout, sigmask, sigsetsize): the time left is
/// written back to `timeout`.
pub fn ppoll(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let mut fds = read_pollfds(t, a[0], a[1])?;
    let timeout = read_timeout(t, a[2])?;
    let deadline = timeout.map(|d| Instant::now() + d);
    let r = with_sigmask(t, a[3], a[4], Errno::ERESTARTNOHAND, |t| {
        let n = do_poll(t, &mut fds, timeout)?;
        write_revents(t, a[0], &fds)?;
        Ok(n as u64)
    });
    if r != Err(Errno::EFAULT) && r != Err(Errno::EINVAL) {
        write_timespec_left(t, a[2], deadline);
    }
    r
}

/// select's three fd sets, translated to and from poll events.
fn do_select(t: &Task, nfds: u64, sets: [u64; 3], timeout: Option<Duration>) -> SysResult {
    let nfds = nfds as i32;
    if nfds < 0 || nfds as usize > nofile_limit(t).max(1024) {
        return Err(Errno::EINVAL);
    }
    let bytes = (nfds as usize).div_ceil(64) * 8;
    let mut bits: [Vec<u8>; 3] = [vec![0; bytes], vec![0; bytes], vec![0; bytes]];
    for (k, &addr) in sets.iter().enumerate() {
        if addr != 0 {
            t.mm().copy_in(addr, &mut bits[k])?;
        }
    }
    let is_set = |b: &[u8], fd: usize| b[fd / 8] & (1 << (fd % 8)) != 0;
    let mut fds = Vec::new();
    for fd in 0..nfds as usize {
        let mut events = 0;
        if is_set(&bits[0], fd) {
            events |= POLLIN;
        }
        if is_set(&bits[1], fd) {
            events |= POLLOUT;
        }
        if is_set(&bits[2], fd) {
            events |= POLLPRI;
        }
        if events != 0 {
            fds.push(Pollfd {
                fd: fd as i32,
                events,
                revents: 0,
            });
        }
    }
    do_poll(t, &mut fds, timeout)?;
    let mut out: [Vec<u8>; 3] = [vec![0; bytes], vec![0; bytes], vec![0; bytes]];
    let mut count = 0;
    for p in &fds {
        if p.revents & POLLNVAL != 0 {
            return Err(Errno::EBADF);
        }
        let fd = p.fd as usize;
        for (k, mask) in [
            (0, POLLIN | POLLHUP | POLLERR),
            (1, POLLOUT | POLLERR),
            (2, POLLPRI),
        ] {
            if p.events & [POLLIN, POLLOUT, POLLPRI][k] != 0 && p.revents & mask != 0 {
                out[k][fd / 8] |= 1 << (fd % 8);
                count += 1;
            }
        }
    }
    for (k, &addr) in sets.iter().enumerate() {
        if addr != 0 {
            t.mm().copy_out(addr, &out[k])?;
        }
    }
    Ok(count)
}

/// select: the time left is written back to the timeval, as Linux does.
pub fn select(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let timeout = if a[4] == 0 {
        None
    } else {
        let tv: Timeval = t.mm().read_obj(a[4])?;
        if tv.tv_sec < 0 || !(0..1_000_000).contains(&tv.tv_usec) {
            return Err(Errno::EINVAL);
        }
        Some(Duration::new(tv.tv_sec as u64, tv.tv_usec as u32 * 1000))
    };
    let deadline = timeout.map(|d| Instant::now() + d);
    let r = do_select(t, a[0], [a[1], a[2], a[3]], timeout);
    if let (Some(d), true) = (left(deadline), r != Err(Errno::EFAULT)) {
        let tv = Timeval {
            tv_sec: d.as_secs() as i64,
            tv_usec: d.subsec_micros() as i64,
        };
        let _ = t.mm().write_obj(a[4], &tv);
    }
    r
}

/// pselect6(nfds, r, w, x, timeout, {sigmask, sigsetsize}).
pub fn pselect6(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let timeout = read_timeout(t, a[4])?;
    let (mask, size) = if a[5] == 0 {
        (0, 0)
    } else {
        let m: [u64; 2] = t.mm().read_obj(a[5])?;
        (m[0], m[1])
    };
    let deadline = timeout.map(|d| Instant::now() + d);
    let r = with_sigmask(t, mask, size, Errno::ERESTARTNOHAND, |t| {
        do_select(t, a[0], [a[1], a[2], a[3]], timeout)
    });
    if r != Err(Errno::EFAULT) {
        write_timespec_left(t, a[4], deadline);
    }
    r
}
