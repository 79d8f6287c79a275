//! The master thread: owns the stub template and the first thread of every
//! stub process, and makes new stub processes and stub threads on request.
//!
//! ptrace is per thread (only the tracing thread may issue requests for a
//! tracee), so everything that must happen in a stub process through a thread
//! no task owns goes through here.

use std::collections::HashMap;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Mutex;
use std::time::Duration;

use nix::errno::Errno;

use super::stub::{self, STUB_BASE};
use super::sys::{self, Stop, Tid};
use crate::{Error, Regs, Result};

/// clone flags of a new stub thread inside a stub process.
const THREAD_FLAGS: u64 = (libc::CLONE_VM
    | libc::CLONE_FS
    | libc::CLONE_FILES
    | libc::CLONE_SIGHAND
    | libc::CLONE_THREAD
    | libc::CLONE_SYSVSEM) as u64;

enum Request {
    NewProcess(Sender<Result<Tid>>),
    NewThread(Tid, Sender<Result<Tid>>),
    Syscall(Tid, u64, [u64; 6], Sender<Result<u64>>),
    Destroy(Tid, Sender<()>),
}

pub(crate) struct Master {
    tx: Mutex<Sender<Request>>,
}

impl Master {
    pub(crate) fn start(memory_fd: i32) -> Result<Master> {
        let prog = stub::seccomp_program().map_err(Error::Stub)?;
        // Initialise before forking: the child must not take locks.
        let _ = stub::code();
        let (tx, rx) = channel();
        let (ready_tx, ready_rx) = channel();
        std::thread::Builder::new()
            .name("ptrace-master".into())
            .spawn(move || {
                let template = match make_template(memory_fd, &prog) {
                    Ok(t) => {
                        let _ = ready_tx.send(Ok(()));
                        t
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                serve(template, rx);
            })
            .map_err(|e| Error::Stub(format!("spawn master thread: {e}")))?;
        ready_rx
            .recv()
            .map_err(|_| Error::Stub("master thread died".into()))??;
        Ok(Master { tx: Mutex::new(tx) })
    }

    fn call<T>(&self, make: impl FnOnce(Sender<T>) -> Request) -> Result<T> {
        let (tx, rx) = channel();
        self.tx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(make(tx))
            .map_err(|_| Error::Stub("master thread is gone".into()))?;
        rx.recv()
            .map_err(|_| Error::Stub("master thread is gone".into()))
    }

    /// A new stub process, seized and stopped by the master. Returns its pid.
    pub(crate) fn new_process(&self) -> Result<Tid> {
        self.call(Request::NewProcess)?
    }

    /// A new thread in stub process `pid`, untraced and idle in the stub loop:
    /// the caller seizes it.
    pub(crate) fn new_thread(&self, pid: Tid) -> Result<Tid> {
        self.call(|tx| Request::NewThread(pid, tx))?
    }

    /// Runs a host syscall in stub process `pid` through its first thread.
    pub(crate) fn syscall(&self, pid: Tid, nr: u64, args: [u64; 6]) -> Result<u64> {
        self.call(|tx| Request::Syscall(pid, nr, args, tx))?
    }

    /// Kills stub process `pid` and reaps its first thread.
    pub(crate) fn destroy(&self, pid: Tid) {
        let _ = self.call(|tx| Request::Destroy(pid, tx));
    }
}

/// A thread the master traces, with registers usable as a base for injection.
struct Traced {
    tid: Tid,
    regs: Regs,
}

fn make_template(memory_fd: i32, prog: &seccompiler::BpfProgram) -> Result<Traced> {
    // SAFETY: fork in a process that may have other threads; the child runs
    // only async-signal-safe code (template_child) and never returns.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(Error::host("fork", Errno::last()));
    }
    if pid == 0 {
        // SAFETY: we are the freshly forked child; prog and memory_fd are valid.
        unsafe { stub::template_child(memory_fd, prog) }
    }
    sys::seize(pid).map_err(|e| Error::host("ptrace(SEIZE) template", e))?;
    // Wait until the child has unmapped everything and sits in the stub loop.
    let code = stub::code();
    for _ in 0..5000 {
        sys::interrupt(pid).map_err(|e| Error::host("ptrace(INTERRUPT)", e))?;
        match wait_stopped(pid)? {
            regs if regs.rip >= STUB_BASE + code.loop_off
                && regs.rip < STUB_BASE + code.bytes.len() as u64 =>
            {
                return Ok(Traced { tid: pid, regs });
            }
            _ => {
                sys::resume(libc::PTRACE_CONT, pid, 0)
                    .map_err(|e| Error::host("ptrace(CONT)", e))?;
                std::thread::sleep(Duration::from_micros(200));
            }
        }
    }
    Err(Error::Stub("stub template did not reach its loop".into()))
}

/// Waits for `tid` to stop (after an interrupt or a seize) and returns its
/// registers; signals that arrive meanwhile are suppressed.
pub(crate) fn wait_stopped(tid: Tid) -> Result<Regs> {
    loop {
        match sys::wait(tid).map_err(|e| Error::host("waitpid", e))? {
            Stop::Event(_) => break,
            Stop::Signal(_) | Stop::Syscall => {
                // A stop we did not ask for (e.g. a SIGCHLD for the template):
                // suppress it; our interrupt is still pending.
                sys::resume(libc::PTRACE_CONT, tid, 0)
                    .map_err(|e| Error::host("ptrace(CONT)", e))?;
            }
            Stop::Exited(code) => {
                return Err(Error::Stub(format!("stub {tid} exited with {code}")))
            }
            Stop::Killed(sig) => {
                return Err(Error::Stub(format!("stub {tid} killed by signal {sig}")))
            }
        }
    }
    sys::get_regs(tid).map_err(|e| Error::host("ptrace(GETREGS)", e))
}

/// Makes stopped tracee `tid` execute one host syscall at the stub entry
/// `entry_off` and returns its raw result (negative errno as u64).
pub(crate) fn inject(
    tid: Tid,
    base: &Regs,
    entry_off: u64,
    nr: u64,
    args: [u64; 6],
) -> Result<u64> {
    let mut regs = *base;
    regs.rip = STUB_BASE + entry_off;
    regs.rax = nr;
    regs.orig_rax = u64::MAX;
    regs.rdi = args[0];
    regs.rsi = args[1];
    regs.rdx = args[2];
    regs.r10 = args[3];
    regs.r8 = args[4];
    regs.r9 = args[5];
    sys::set_regs(tid, &regs).map_err(gone_or("ptrace(SETREGS)"))?;
    sys::resume(libc::PTRACE_CONT, tid, 0).map_err(gone_or("ptrace(CONT)"))?;
    loop {
        match sys::wait(tid).map_err(gone_or("waitpid"))? {
            Stop::Signal(libc::SIGTRAP) => break,
            Stop::Signal(_) | Stop::Event(_) | Stop::Syscall => {
                // An interrupt or a child's SIGCHLD: not ours to handle here.
                sys::resume(libc::PTRACE_CONT, tid, 0).map_err(gone_or("ptrace(CONT)"))?;
            }
            Stop::Exited(_) | Stop::Killed(_) => return Err(Error::AddressSpaceGone),
        }
    }
    let out = sys::get_regs(tid).map_err(gone_or("ptrace(GETREGS)"))?;
    Ok(out.rax)
}

fn gone_or(op: &'static str) -> impl Fn(Errno) -> Error {
    move |e| {
        if e == Errno::ESRCH || e == Errno::ECHILD {
            Error::AddressSpaceGone
        } else {
            Error::host(op, e)
        }
    }
}

/// Turns a raw syscall result into a Result.
pub(crate) fn syscall_result(op: &'static str, raw: u64) -> Result<u64> {
    let r = raw as i64;
    if (-4095..0).contains(&r) {
        Err(Error::host(op, Errno::from_raw(-r as i32)))
    } else {
        Ok(raw)
    }
}

fn serve(template: Traced, rx: Receiver<Request>) {
    let code = stub::code();
    let mut leaders: HashMap<Tid, Traced> = HashMap::new();
    while let Ok(req) = rx.recv() {
        match req {
            Request::NewProcess(reply) => {
                let r = (|| {
                    let raw = inject(
                        template.tid,
                        &template.regs,
                        code.clone_off,
                        libc::SYS_clone as u64,
                        [libc::SIGCHLD as u64, 0, 0, 0, 0, 0],
                    )?;
                    let pid = syscall_result("clone stub process", raw)? as Tid;
                    sys::seize(pid).map_err(|e| Error::host("ptrace(SEIZE)", e))?;
                    sys::interrupt(pid).map_err(|e| Error::host("ptrace(INTERRUPT)", e))?;
                    let regs = wait_stopped(pid)?;
                    leaders.insert(pid, Traced { tid: pid, regs });
                    Ok(pid)
                })();
                let _ = reply.send(r);
            }
            Request::NewThread(pid, reply) => {
                let r = match leaders.get(&pid) {
                    None => Err(Error::AddressSpaceGone),
                    Some(l) => inject(
                        l.tid,
                        &l.regs,
                        code.clone_off,
                        libc::SYS_clone as u64,
                        [THREAD_FLAGS, 0, 0, 0, 0, 0],
                    )
                    .and_then(|raw| syscall_result("clone stub thread", raw))
                    .map(|tid| tid as Tid),
                };
                let _ = reply.send(r);
            }
            Request::Syscall(pid, nr, args, reply) => {
                let r = match leaders.get(&pid) {
                    None => Err(Error::AddressSpaceGone),
                    Some(l) => inject(l.tid, &l.regs, code.inject_off, nr, args),
                };
                let _ = reply.send(r);
            }
            Request::Destroy(pid, reply) => {
                if leaders.remove(&pid).is_some() {
                    // SAFETY: kill takes plain integers.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                    // Reap the leader as its tracer; the template (its real
                    // parent) ignores SIGCHLD, so nothing else lingers.
                    loop {
                        match sys::wait(pid) {
                            Ok(Stop::Exited(_)) | Ok(Stop::Killed(_)) | Err(_) => break,
                            Ok(_) => {
                                let _ = sys::resume(libc::PTRACE_CONT, pid, 0);
                            }
                        }
                    }
                }
                let _ = reply.send(());
            }
        }
    }
}
