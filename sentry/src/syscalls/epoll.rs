//! epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait,
//! epoll_pwait2. The instances live in `crate::fs::epoll`.

use std::os::fd::BorrowedFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags};
use syscalls::consts::*;
use syscalls::types::{EpollEvent, Timespec};
use syscalls::Errno;

use super::file::{nofile_limit, owner};
use super::poll::with_sigmask;
use super::{fd_arg, SysResult};
use crate::fs::epoll::{epoll_of, new_epoll, Epoll};
use crate::kernel::blocker::Interrupted;
use crate::kernel::Task;

/// The top of user space on x86-64.
const TASK_SIZE: u64 = 0x7fff_ffff_f000;
/// Linux's CAP_BLOCK_SUSPEND (EPOLLWAKEUP).
const CAP_BLOCK_SUSPEND: u32 = 36;

/// Events epoll_ctl accepts with EPOLLEXCLUSIVE.
const EXCLUSIVE_OK: u32 = EPOLLIN
    | EPOLLOUT
    | EPOLLERR
    | EPOLLHUP
    | EPOLLWAKEUP
    | EPOLLET
    | EPOLLEXCLUSIVE
    | EPOLLRDNORM
    | EPOLLRDBAND
    | EPOLLWRNORM
    | EPOLLWRBAND;

fn create(t: &mut Task, flags: u32) -> SysResult {
    if flags & !EPOLL_CLOEXEC != 0 {
        return Err(Errno::EINVAL);
    }
    let file = new_epoll(owner(t), 0);
    Ok(t.files
        .alloc(file, flags & EPOLL_CLOEXEC != 0, 0, nofile_limit(t))? as u64)
}

/// epoll_create(size): size must be positive and is otherwise ignored.
pub fn epoll_create(t: &mut Task, a: &[u64; 6]) -> SysResult {
    if a[0] as i32 <= 0 {
        return Err(Errno::EINVAL);
    }
    create(t, 0)
}

/// epoll_create1(flags): EPOLL_CLOEXEC.
pub fn epoll_create1(t: &mut Task, a: &[u64; 6]) -> SysResult {
    create(t, a[0] as u32)
}

/// epoll_ctl(epfd, op, fd, event), with Linux's order of checks.
pub fn epoll_ctl(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (epfd, op, fd) = (fd_arg(a[0]), a[1] as i32, fd_arg(a[2]));
    let has_event = op != EPOLL_CTL_DEL;
    let mut ev: EpollEvent = if has_event {
        t.mm().read_obj(a[3])?
    } else {
        EpollEvent::default()
    };
    let epf = t.files.get(epfd)?;
    let file = t.files.get(fd)?;
    if file.ops.host_fd().is_none() && file.ops.poll(&file, 0).is_none() {
        // Files that are always ready (regular files, directories, most
        // devices) cannot be watched.
        return Err(Errno::EPERM);
    }
    let target_is_epoll = epoll_of(&file).is_ok();
    // EPOLLWAKEUP is kept only with CAP_BLOCK_SUSPEND.
    if ev.events & EPOLLWAKEUP != 0 && !t.creds.has_cap(CAP_BLOCK_SUSPEND) {
        ev.events &= !EPOLLWAKEUP;
    }
    if has_event
        && ev.events & EPOLLEXCLUSIVE != 0
        && (op == EPOLL_CTL_MOD || target_is_epoll || ev.events & !EXCLUSIVE_OK != 0)
    {
        return Err(Errno::EINVAL);
    }
    if Arc::ptr_eq(&epf, &file) {
        return Err(Errno::EINVAL);
    }
    let ep = epoll_of(&epf)?;
    match op {
        EPOLL_CTL_ADD => ep.add(fd, &file, ev)?,
        EPOLL_CTL_MOD => ep.modify(fd, &file, ev)?,
        EPOLL_CTL_DEL => ep.delete(fd, &file)?,
        _ => return Err(Errno::EINVAL),
    }
    Ok(0)
}

/// Waits until `ep` has events or `deadline` passes; EINTR on a signal.
fn wait(
    t: &Task,
    ep: &Arc<Epoll>,
    max: usize,
    deadline: Option<Instant>,
) -> Result<Vec<EpollEvent>, Errno> {
    let me = crate::kernel::current_task().ok_or(Errno::EINTR)?;
    let _waiting = ep.waiting();
    loop {
        let ev = ep.harvest(max);
        if !ev.is_empty() {
            return Ok(ev);
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(ev);
        }
        ep.queue.add_task(&me);
        let hosts = ep.host_items();
        if hosts.is_empty() {
            match t
                .shared
                .blocker
                .wait_until(deadline, || ep.has_candidates().then_some(()))
            {
                Ok(()) => continue,
                Err(Interrupted::TimedOut) => return Ok(ep.harvest(max)),
                Err(Interrupted::Signal) => return Err(Errno::EINTR),
            }
        }
        // From here a wake-up must kick the host wait below.
        let _host_wait = t.shared.host_wait();
        if t.shared.blocker.is_interrupted() {
            return Err(Errno::EINTR);
        }
        if ep.has_candidates() {
            continue;
        }
        // Host descriptors cannot notify: sleep in a host ppoll on them,
        // which a wake-up for the sentry's files ends with a host kick.
        let fds: Vec<BorrowedFd<'_>> = hosts.iter().filter_map(|(_, f)| f.ops.host_fd()).collect();
        let mut pfds: Vec<PollFd<'_>> = fds
            .iter()
            .map(|&h| {
                PollFd::new(
                    h,
                    PollFlags::POLLIN | PollFlags::POLLOUT | PollFlags::POLLPRI,
                )
            })
            .collect();
        let to = deadline.map(|d| {
            nix::sys::time::TimeSpec::from_duration(d.saturating_duration_since(Instant::now()))
        });
        // Shown asleep in /proc meanwhile (state S), as a blocker wait is.
        let r = crate::kernel::blocker::asleep(|| {
            nix::poll::ppoll(&mut pfds, to, Some(platform::hostkick::wait_mask()))
        });
        match r {
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => {
                if t.shared.blocker.is_interrupted() {
                    return Err(Errno::EINTR);
                }
            }
            Err(e) => return Err(Errno::from_code(e as i32)),
        }
    }
}

fn do_wait(t: &mut Task, a: &[u64; 6], timeout: Option<Duration>) -> SysResult {
    let max = a[2] as i32;
    if max <= 0 || max as usize > i32::MAX as usize / size_of::<EpollEvent>() {
        return Err(Errno::EINVAL);
    }
    let epf = t.files.get(fd_arg(a[0]))?;
    let ep = epoll_of(&epf)?.clone();
    // Linux's access_ok: the buffer must lie in user space.
    let end = a[1].checked_add(max as u64 * size_of::<EpollEvent>() as u64);
    if end.is_none_or(|e| e > TASK_SIZE) {
        return Err(Errno::EFAULT);
    }
    let deadline = timeout.map(|d| Instant::now() + d);
    let events = wait(t, &ep, max as usize, deadline)?;
    for (i, e) in events.iter().enumerate() {
        t.mm()
            .write_obj(a[1] + (i * size_of::<EpollEvent>()) as u64, e)?;
    }
    Ok(events.len() as u64)
}

fn ms_timeout(ms: i32) -> Option<Duration> {
    (ms >= 0).then(|| Duration::from_millis(ms as u64))
}

/// epoll_wait(epfd, events, maxevents, timeout_ms).
pub fn epoll_wait(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_wait(t, a, ms_timeout(a[3] as i32))
}

/// epoll_pwait: epoll_wait with a temporary signal mask.
pub fn epoll_pwait(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let timeout = ms_timeout(a[3] as i32);
    with_sigmask(t, a[4], a[5], Errno::EINTR, |t| do_wait(t, a, timeout))
}

/// epoll_pwait2: epoll_pwait with a timespec timeout (NULL waits forever).
pub fn epoll_pwait2(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let timeout = if a[3] == 0 {
        None
    } else {
        let ts: Timespec = t.mm().read_obj(a[3])?;
        if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
            return Err(Errno::EINVAL);
        }
        Some(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
    };
    with_sigmask(t, a[4], a[5], Errno::EINTR, |t| do_wait(t, a, timeout))
}
