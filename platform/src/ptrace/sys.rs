//! Thin wrappers around the host calls the ptrace platform makes on its hot
//! path. Each is one host syscall; errors come back as `nix::errno::Errno`.

use nix::errno::Errno;

use crate::Regs;

pub(crate) type Tid = libc::pid_t;

pub(crate) const PTRACE_SYSEMU: libc::c_uint = 31;

fn check(ret: libc::c_long) -> Result<libc::c_long, Errno> {
    if ret == -1 {
        Err(Errno::last())
    } else {
        Ok(ret)
    }
}

pub(crate) fn get_regs(tid: Tid) -> Result<Regs, Errno> {
    let mut regs = Regs::default();
    // SAFETY: PTRACE_GETREGS writes one `user_regs_struct`, which `Regs`
    // mirrors field for field (size checked at compile time in regs.rs).
    check(unsafe {
        libc::ptrace(
            libc::PTRACE_GETREGS,
            tid,
            std::ptr::null_mut::<libc::c_void>(),
            &mut regs as *mut Regs,
        )
    })?;
    Ok(regs)
}

pub(crate) fn set_regs(tid: Tid, regs: &Regs) -> Result<(), Errno> {
    // SAFETY: PTRACE_SETREGS reads one `user_regs_struct` from a valid pointer.
    check(unsafe {
        libc::ptrace(
            libc::PTRACE_SETREGS,
            tid,
            std::ptr::null_mut::<libc::c_void>(),
            regs as *const Regs,
        )
    })?;
    Ok(())
}

const NT_X86_XSTATE: libc::c_int = 0x202;
/// Large enough for any XSAVE layout of the CPUs we run on (AMX excluded).
const XSTATE_MAX: usize = 16384;

/// The tracee's XSAVE image (PTRACE_GETREGSET NT_X86_XSTATE).
pub(crate) fn get_xstate(tid: Tid) -> Result<Vec<u8>, Errno> {
    let mut buf = vec![0u8; XSTATE_MAX];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr() as *mut libc::c_void,
        iov_len: buf.len(),
    };
    // SAFETY: the kernel writes at most iov_len bytes into buf and updates
    // iov_len to the size it wrote.
    check(unsafe {
        libc::ptrace(
            libc::PTRACE_GETREGSET,
            tid,
            NT_X86_XSTATE as usize as *mut libc::c_void,
            &mut iov as *mut libc::iovec,
        )
    })?;
    buf.truncate(iov.iov_len);
    Ok(buf)
}

/// Loads an XSAVE image into the tracee (PTRACE_SETREGSET NT_X86_XSTATE).
pub(crate) fn set_xstate(tid: Tid, image: &[u8]) -> Result<(), Errno> {
    let mut iov = libc::iovec {
        iov_base: image.as_ptr() as *mut libc::c_void,
        iov_len: image.len(),
    };
    // SAFETY: the kernel reads at most iov_len bytes from the image, which
    // outlives the call; it does not write through the pointer.
    check(unsafe {
        libc::ptrace(
            libc::PTRACE_SETREGSET,
            tid,
            NT_X86_XSTATE as usize as *mut libc::c_void,
            &mut iov as *mut libc::iovec,
        )
    })?;
    Ok(())
}

/// Resets the x87/SSE state to what a new program starts with (`execve`).
pub(crate) fn reset_fpregs(tid: Tid) -> Result<(), Errno> {
    // SAFETY: an all-zero user_fpregs_struct is a valid value of a plain C struct.
    let mut fp: libc::user_fpregs_struct = unsafe { std::mem::zeroed() };
    fp.cwd = 0x37f;
    fp.mxcsr = 0x1f80;
    fp.mxcr_mask = 0xffff;
    // SAFETY: PTRACE_SETFPREGS reads one user_fpregs_struct from a valid pointer.
    check(unsafe {
        libc::ptrace(
            libc::PTRACE_SETFPREGS,
            tid,
            std::ptr::null_mut::<libc::c_void>(),
            &fp as *const libc::user_fpregs_struct,
        )
    })?;
    Ok(())
}

pub(crate) fn get_siginfo(tid: Tid) -> Result<libc::siginfo_t, Errno> {
    // SAFETY: siginfo_t is a plain C struct; all-zero is a valid value.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: PTRACE_GETSIGINFO writes one siginfo_t to a valid pointer.
    check(unsafe {
        libc::ptrace(
            libc::PTRACE_GETSIGINFO,
            tid,
            std::ptr::null_mut::<libc::c_void>(),
            &mut info as *mut libc::siginfo_t,
        )
    })?;
    Ok(info)
}

/// Resumes `tid` with `request` (PTRACE_CONT, PTRACE_SYSEMU, ...),
/// delivering `sig` (0 for none).
pub(crate) fn resume(request: libc::c_uint, tid: Tid, sig: i32) -> Result<(), Errno> {
    // SAFETY: resume requests take no pointers; `data` is the signal number.
    check(unsafe {
        libc::ptrace(
            request,
            tid,
            std::ptr::null_mut::<libc::c_void>(),
            sig as libc::c_long,
        )
    })?;
    Ok(())
}

pub(crate) fn seize(tid: Tid) -> Result<(), Errno> {
    let opts = libc::PTRACE_O_EXITKILL | libc::PTRACE_O_TRACESYSGOOD;
    // SAFETY: PTRACE_SEIZE takes the options in `data`, no pointers.
    check(unsafe {
        libc::ptrace(
            libc::PTRACE_SEIZE,
            tid,
            std::ptr::null_mut::<libc::c_void>(),
            opts as libc::c_long,
        )
    })?;
    Ok(())
}

pub(crate) fn interrupt(tid: Tid) -> Result<(), Errno> {
    // SAFETY: PTRACE_INTERRUPT takes no pointers.
    check(unsafe {
        libc::ptrace(
            libc::PTRACE_INTERRUPT,
            tid,
            std::ptr::null_mut::<libc::c_void>(),
            std::ptr::null_mut::<libc::c_void>(),
        )
    })?;
    Ok(())
}

/// How a traced thread stopped or ended, as `waitpid` tells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// A syscall-entry stop (PTRACE_O_TRACESYSGOOD).
    Syscall,
    /// A signal-delivery stop for `sig`.
    Signal(i32),
    /// A PTRACE_EVENT stop (`PTRACE_EVENT_STOP` after PTRACE_INTERRUPT, group stops).
    Event(i32),
    Exited(i32),
    Killed(i32),
}

/// Waits for the next stop of `tid`, retrying on EINTR.
pub(crate) fn wait(tid: Tid) -> Result<Stop, Errno> {
    let mut status: libc::c_int = 0;
    loop {
        // SAFETY: waitpid writes one int to a valid pointer.
        let r = unsafe { libc::waitpid(tid, &mut status, libc::__WALL) };
        if r == -1 {
            let e = Errno::last();
            if e == Errno::EINTR {
                continue;
            }
            return Err(e);
        }
        break;
    }
    Ok(if libc::WIFEXITED(status) {
        Stop::Exited(libc::WEXITSTATUS(status))
    } else if libc::WIFSIGNALED(status) {
        Stop::Killed(libc::WTERMSIG(status))
    } else {
        let sig = libc::WSTOPSIG(status);
        let event = status >> 16;
        if sig == libc::SIGTRAP | 0x80 {
            Stop::Syscall
        } else if event != 0 {
            Stop::Event(event)
        } else {
            Stop::Signal(sig)
        }
    })
}

pub(crate) fn gettid() -> Tid {
    // SAFETY: gettid has no arguments and cannot fail.
    unsafe { libc::gettid() }
}

pub(crate) fn tgkill(pid: Tid, tid: Tid, sig: i32) -> Result<(), Errno> {
    // SAFETY: tgkill takes plain integers.
    check(unsafe { libc::syscall(libc::SYS_tgkill, pid, tid, sig) })?;
    Ok(())
}

/// The CPUs the sandbox may use: the affinity of the thread that first
/// asks (the platform's creator, before any tracer is pinned). Read once:
/// later callers are pinned tracers whose own affinity is one CPU.
pub(crate) fn sandbox_cpus() -> &'static [i32] {
    static CPUS: std::sync::OnceLock<Vec<i32>> = std::sync::OnceLock::new();
    CPUS.get_or_init(|| {
        // SAFETY: cpu_set_t is a plain bit array; all-zero is valid.
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        let size = std::mem::size_of::<libc::cpu_set_t>();
        // SAFETY: sched_getaffinity writes a cpu_set_t of the given size.
        if unsafe { libc::sched_getaffinity(0, size, &mut set) } != 0 {
            return Vec::new();
        }
        (0..libc::CPU_SETSIZE)
            // SAFETY: CPU_ISSET reads one bit of a valid set.
            .filter(|&c| unsafe { libc::CPU_ISSET(c as usize, &set) })
            .collect()
    })
}

/// The next CPU, round-robin over the sandbox's, for a new tracer; -1 if
/// the affinity could not be read.
pub(crate) fn next_cpu() -> i32 {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let cpus = sandbox_cpus();
    if cpus.is_empty() {
        return -1;
    }
    cpus[NEXT.fetch_add(1, Ordering::Relaxed) % cpus.len()]
}

pub(crate) fn pin_to_cpu(tid: Tid, cpu: i32) -> Result<(), Errno> {
    // SAFETY: cpu_set_t is a plain bit array; all-zero is valid.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: CPU_SET writes one bit of `set`; cpu numbers from sched_getcpu
    // are below CPU_SETSIZE.
    unsafe { libc::CPU_SET(cpu as usize, &mut set) };
    // SAFETY: sched_setaffinity reads a cpu_set_t of the given size.
    let r = unsafe { libc::sched_setaffinity(tid, std::mem::size_of::<libc::cpu_set_t>(), &set) };
    check(r as libc::c_long)?;
    Ok(())
}

/// CPU time of every thread of process `pid` (its CPUCLOCK_SCHED clock).
pub(crate) fn process_cpu_time(pid: Tid) -> std::time::Duration {
    // MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED) from the kernel's posix-timers.h.
    crate::hostkick::cpu_clock(((!pid) << 3) | 2)
}
