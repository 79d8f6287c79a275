//! Kicking a sentry task thread out of a blocking host call.
//!
//! Task threads keep `KICK_SIGNAL` blocked. Where they block on the host
//! (a terminal read, a poll), they do it with `ppoll` and a mask that lets
//! the signal in, atomically: a kick sent before or during the wait ends
//! it with EINTR, and a kick at any other time waits, harmlessly, for the
//! next such wait.

use std::sync::Once;

use nix::sys::signal::{SigSet, Signal};

/// The host signal that interrupts a task thread's host wait.
pub const KICK_SIGNAL: Signal = Signal::SIGUSR2;

extern "C" fn on_kick(_: libc::c_int) {}

/// Prepares the calling thread to be kicked: installs the (empty) handler
/// once per process and blocks the signal for this thread. Returns the
/// thread's host tid.
pub fn prepare_thread() -> i32 {
    static HANDLER: Once = Once::new();
    HANDLER.call_once(|| {
        let act = nix::sys::signal::SigAction::new(
            nix::sys::signal::SigHandler::Handler(on_kick),
            // No SA_RESTART: the interrupted wait must return EINTR.
            nix::sys::signal::SaFlags::empty(),
            SigSet::empty(),
        );
        // SAFETY: the handler does nothing, so it is async-signal-safe, and
        // no other code in the process uses this signal.
        let _ = unsafe { nix::sys::signal::sigaction(KICK_SIGNAL, &act) };
    });
    let mut set = SigSet::empty();
    set.add(KICK_SIGNAL);
    let _ = set.thread_block();
    // SAFETY: gettid has no arguments and cannot fail.
    unsafe { libc::gettid() }
}

/// The mask to wait with: the thread's current mask without KICK_SIGNAL.
pub fn wait_mask() -> SigSet {
    let mut m = SigSet::thread_get_mask().unwrap_or_else(|_| SigSet::empty());
    m.remove(KICK_SIGNAL);
    m
}

/// Kicks host thread `tid` of this process.
pub fn kick(tid: i32) {
    if tid > 0 {
        // SAFETY: tgkill takes plain integers.
        unsafe { libc::syscall(libc::SYS_tgkill, libc::getpid(), tid, KICK_SIGNAL as i32) };
    }
}

/// CPU time host thread `tid` of this process has used (0 if it is gone):
/// the sentry's time working for the task that thread runs.
pub fn thread_cpu_time(tid: i32) -> std::time::Duration {
    // MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED) from the kernel's
    // posix-timers.h: readable for threads of the caller's thread group.
    cpu_clock(((!tid) << 3) | 6)
}

/// Reads a CPU-time clock id (a MAKE_*_CPUCLOCK value); zero if the
/// thread or process it names is gone.
pub(crate) fn cpu_clock(clock: libc::clockid_t) -> std::time::Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec to a valid pointer.
    if unsafe { libc::clock_gettime(clock, &mut ts) } != 0 {
        return std::time::Duration::ZERO;
    }
    std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}
