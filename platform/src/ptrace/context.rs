//! A sentry thread's context: the stub threads it traces, one per address
//! space it has run in.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use super::address_space::{PtraceAddressSpace, StubThread};
use super::master::{inject, wait_stopped, Master};
use super::stub;
use super::sys::{self, Stop, Tid};
use crate::{Access, AddressSpace, Context, CpuState, Error, Exit, Interrupter, Result, SigInfo};

/// Host signal that kicks a stub thread out of application code. Stub
/// processes ignore SIGCHLD, so it is harmless if it ever reaches an untraced
/// stub; a traced one reports it to its tracer.
const INTERRUPT_SIGNAL: i32 = libc::SIGCHLD;

struct Owned {
    thread: StubThread,
    mm: Weak<PtraceAddressSpace>,
    cpu: i32,
}

pub struct PtraceContext {
    tracer: Tid,
    master: Arc<Master>,
    interrupter: Arc<PtraceInterrupter>,
    /// Our stub threads, by the pid of the stub process they live in.
    stubs: HashMap<Tid, Owned>,
    /// The CPU this tracer and all its stub threads are pinned to, if any.
    cpu: i32,
}

impl PtraceContext {
    pub(crate) fn new(master: Arc<Master>) -> Self {
        // Tracer and tracee on one CPU, and kept there: every syscall is a
        // wakeup pair, and one that crosses CPUs costs ~5x here. Pinning
        // only the stub lets the host move the tracer, and the stub then
        // follows it, paying the cross-CPU price on each move.
        let cpu = sys::next_cpu();
        let cpu = if cpu >= 0 && sys::pin_to_cpu(0, cpu).is_ok() {
            cpu
        } else {
            -1
        };
        PtraceContext {
            tracer: sys::gettid(),
            master,
            interrupter: Arc::new(PtraceInterrupter::default()),
            stubs: HashMap::new(),
            cpu,
        }
    }

    fn stub_in(&mut self, mm: &Arc<PtraceAddressSpace>) -> Result<&mut Owned> {
        if !self.stubs.contains_key(&mm.pid) {
            let tid = self.master.new_thread(mm.pid)?;
            sys::seize(tid).map_err(|e| Error::host("ptrace(SEIZE) stub thread", e))?;
            sys::interrupt(tid).map_err(|e| Error::host("ptrace(INTERRUPT)", e))?;
            let base = wait_stopped(tid)?;
            let thread = StubThread { tid, base };
            mm.threads
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(self.tracer, thread);
            self.stubs.insert(
                mm.pid,
                Owned {
                    thread,
                    mm: Arc::downgrade(mm),
                    cpu: -1,
                },
            );
        }
        Ok(self.stubs.get_mut(&mm.pid).expect("inserted above"))
    }

    /// Ends our stub thread in `pid`: asks it to exit if its process lives,
    /// and reaps it either way.
    fn drop_stub(&mut self, pid: Tid) {
        let Some(owned) = self.stubs.remove(&pid) else {
            return;
        };
        let tid = owned.thread.tid;
        if let Some(mm) = owned.mm.upgrade() {
            mm.threads
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&self.tracer);
            // exit(0) never returns: inject() reports AddressSpaceGone once
            // the thread is gone, which is what we want.
            let _ = inject(
                tid,
                &owned.thread.base,
                stub::code().inject_off,
                libc::SYS_exit as u64,
                [0; 6],
            );
        } else {
            // The process was killed; reap the thread if it is still ours.
            loop {
                match sys::wait(tid) {
                    Ok(Stop::Exited(_)) | Ok(Stop::Killed(_)) | Err(_) => break,
                    Ok(_) => {
                        let _ = sys::resume(libc::PTRACE_CONT, tid, 0);
                    }
                }
            }
        }
    }
}

fn downcast(mm: &Arc<dyn AddressSpace>) -> Arc<PtraceAddressSpace> {
    let any: Arc<dyn std::any::Any + Send + Sync> = mm.clone().into_any_arc();
    any.downcast::<PtraceAddressSpace>()
        .unwrap_or_else(|_| panic!("ptrace context given a foreign address space"))
}

/// `Arc<dyn AddressSpace>` to `Arc<dyn Any>`, for downcasting.
trait IntoAnyArc {
    fn into_any_arc(self) -> Arc<dyn std::any::Any + Send + Sync>;
}

impl IntoAnyArc for Arc<dyn AddressSpace> {
    fn into_any_arc(self) -> Arc<dyn std::any::Any + Send + Sync> {
        self
    }
}

impl Context for PtraceContext {
    fn switch(&mut self, mm: &Arc<dyn AddressSpace>, cpu: &mut CpuState) -> Result<Exit> {
        if self.interrupter.pending.swap(false, Ordering::AcqRel) {
            return Ok(Exit::Interrupted);
        }
        let mm = downcast(mm);
        let pid = mm.pid;
        let pin = self.cpu;
        let owned = self.stub_in(&mm)?;
        let tid = owned.thread.tid;

        if owned.cpu != pin && pin >= 0 && sys::pin_to_cpu(tid, pin).is_ok() {
            owned.cpu = pin;
        }
        if cpu.fp_reset {
            sys::reset_fpregs(tid).map_err(|e| Error::host("ptrace(SETFPREGS)", e))?;
            cpu.fp_reset = false;
        }
        if let Some(image) = cpu.fp_load.take() {
            // A bad image (from a corrupt signal frame) is the application's
            // problem: the kernel refuses it and the old state stays.
            if let Err(e) = sys::set_xstate(tid, &image) {
                tracing::debug!("loading FP state: {e}");
            }
        }
        let mut regs = cpu.regs;
        // Never let the host restart a syscall it saw: the sentry owns that.
        regs.orig_rax = u64::MAX;
        sys::set_regs(tid, &regs).map_err(|e| self_gone(e, "ptrace(SETREGS)"))?;

        self.interrupter.arm(pid, tid);
        if self.interrupter.pending.swap(false, Ordering::AcqRel) {
            self.interrupter.disarm();
            return Ok(Exit::Interrupted);
        }
        let exit = run(tid, cpu);
        self.interrupter.disarm();
        if matches!(exit, Err(Error::AddressSpaceGone)) {
            self.drop_stub(pid);
        }
        let exit = exit?;
        if exit == Exit::Interrupted {
            self.interrupter.pending.store(false, Ordering::Release);
        }
        Ok(exit)
    }

    fn interrupter(&self) -> Arc<dyn Interrupter> {
        self.interrupter.clone()
    }

    fn fp_state(&mut self, mm: &Arc<dyn AddressSpace>) -> Result<Vec<u8>> {
        let mm = downcast(mm);
        let owned = self.stub_in(&mm)?;
        sys::get_xstate(owned.thread.tid).map_err(|e| self_gone(e, "ptrace(GETREGSET)"))
    }

    fn release(&mut self, mm: &Arc<dyn AddressSpace>) {
        let pid = downcast(mm).pid;
        self.drop_stub(pid);
    }
}

fn self_gone(e: nix::errno::Errno, op: &'static str) -> Error {
    if e == nix::errno::Errno::ESRCH {
        Error::AddressSpaceGone
    } else {
        Error::host(op, e)
    }
}

/// Resumes `tid` in PTRACE_SYSEMU mode and waits for the reason it stops.
fn run(tid: Tid, cpu: &mut CpuState) -> Result<Exit> {
    sys::resume(super::sys::PTRACE_SYSEMU, tid, 0).map_err(|e| self_gone(e, "ptrace(SYSEMU)"))?;
    let stop = sys::wait(tid).map_err(|e| self_gone(e, "waitpid"))?;
    let exit = match stop {
        Stop::Syscall => Exit::Syscall,
        Stop::Signal(INTERRUPT_SIGNAL) | Stop::Event(_) => Exit::Interrupted,
        Stop::Signal(sig) => {
            let info = sys::get_siginfo(tid).map_err(|e| self_gone(e, "ptrace(GETSIGINFO)"))?;
            // SAFETY: for the fault signals the kernel fills si_addr.
            let addr = unsafe { info.si_addr() } as u64;
            // SI_KERNEL (a general protection fault, e.g. a non-canonical
            // address) is no page fault: it goes to the task as it is.
            if sig == libc::SIGSEGV && info.si_code > 0 && info.si_code != libc::SI_KERNEL {
                Exit::PageFault {
                    addr,
                    access: Access::UNKNOWN,
                }
            } else {
                Exit::Signal(SigInfo {
                    signo: sig,
                    code: info.si_code,
                    addr,
                })
            }
        }
        Stop::Exited(_) | Stop::Killed(_) => return Err(Error::AddressSpaceGone),
    };
    cpu.regs = sys::get_regs(tid).map_err(|e| self_gone(e, "ptrace(GETREGS)"))?;
    Ok(exit)
}

impl Drop for PtraceContext {
    fn drop(&mut self) {
        let pids: Vec<Tid> = self.stubs.keys().copied().collect();
        for pid in pids {
            self.drop_stub(pid);
        }
    }
}

/// Kicks a context out of application code with a host signal to its stub
/// thread.
#[derive(Default)]
pub struct PtraceInterrupter {
    pending: AtomicBool,
    /// (pid << 32 | tid) of the stub thread running now, or 0.
    target: AtomicU64,
}

impl PtraceInterrupter {
    fn arm(&self, pid: Tid, tid: Tid) {
        self.target
            .store(((pid as u64) << 32) | tid as u32 as u64, Ordering::Release);
    }

    fn disarm(&self) {
        self.target.store(0, Ordering::Release);
    }
}

impl Interrupter for PtraceInterrupter {
    fn interrupt(&self) {
        self.pending.store(true, Ordering::Release);
        let t = self.target.load(Ordering::Acquire);
        if t != 0 {
            let _ = sys::tgkill((t >> 32) as Tid, t as u32 as Tid, INTERRUPT_SIGNAL);
        }
    }
}
