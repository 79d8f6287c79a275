//! Tasks (application threads) and thread groups, and the task loop:
//! switch to the application → handle its syscall or fault → repeat.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use platform::{Context, CpuState, Exit, Interrupter};
use syscalls::consts::*;
use syscalls::types::{Rlimit, Siginfo};
use syscalls::Errno;

use super::blocker::Blocker;
use super::signal::{bit, default_action, DefaultAction, Pending, SigHand, SIG_DFL, SIG_IGN};
use super::{Kernel, ThreadGroup};
use crate::mm::{FaultError, MemoryManager};
use crate::vfs::{FdTable, FsContext, Lookup, Path};

/// How a thread group ended, as wait(2) would report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    Code(i32),
    Signal { signo: i32, core: bool },
}

impl ExitStatus {
    /// The status a shell would show: the code, or 128 + the signal.
    pub fn shell_code(self) -> i32 {
        match self {
            ExitStatus::Code(c) => c & 0xff,
            ExitStatus::Signal { signo, .. } => 128 + signo,
        }
    }
}

/// Credentials of a task.
#[derive(Clone, Debug, Default)]
pub struct Creds {
    pub uid: u32,
    pub euid: u32,
    pub suid: u32,
    pub fsuid: u32,
    pub gid: u32,
    pub egid: u32,
    pub sgid: u32,
    pub fsgid: u32,
    pub groups: Vec<u32>,
}

impl Creds {
    pub fn new(uid: u32, gid: u32, groups: Vec<u32>) -> Creds {
        Creds {
            uid,
            euid: uid,
            suid: uid,
            fsuid: uid,
            gid,
            egid: gid,
            sgid: gid,
            fsgid: gid,
            groups,
        }
    }
}

/// A task's signal state that other tasks touch.
#[derive(Default)]
pub struct TaskSig {
    pub mask: u64,
    pub pending: Pending,
}

/// The part of a task other tasks may reach: to signal it, wake it, or
/// look it up by tid.
pub struct TaskShared {
    tid: AtomicI32,
    /// Host tid of the sentry thread running the task (for host kicks).
    host_tid: AtomicI32,
    pub blocker: Blocker,
    pub sig: Mutex<TaskSig>,
    interrupter: Mutex<Option<Arc<dyn Interrupter>>>,
}

impl TaskShared {
    pub(crate) fn new(tid: i32, mask: u64) -> Arc<TaskShared> {
        Arc::new(TaskShared {
            tid: AtomicI32::new(tid),
            host_tid: AtomicI32::new(0),
            blocker: Blocker::default(),
            sig: Mutex::new(TaskSig {
                mask,
                pending: Pending::default(),
            }),
            interrupter: Mutex::new(None),
        })
    }

    pub fn tid(&self) -> i32 {
        self.tid.load(Ordering::Relaxed)
    }

    pub fn sig(&self) -> MutexGuard<'_, TaskSig> {
        self.sig.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn mask(&self) -> u64 {
        self.sig().mask
    }

    /// Gets the task's attention: out of a sentry wait, out of application
    /// code.
    pub fn kick(&self) {
        self.blocker.interrupt();
        if let Some(i) = self
            .interrupter
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            i.interrupt();
        }
        platform::hostkick::kick(self.host_tid.load(Ordering::Relaxed));
    }

    /// Wakes the task if it sleeps on something (a sentry wait or a host
    /// poll) so it re-checks what it waits for; no signal involved.
    pub fn wake(&self) {
        self.blocker.notify();
        platform::hostkick::kick(self.host_tid.load(Ordering::Relaxed));
    }

    /// Queues a thread-directed signal; kicks the task if it can take it.
    pub fn send_signal(&self, info: Siginfo) {
        let sig = info.si_signo;
        let unblocked = {
            let mut s = self.sig();
            s.pending.push(info);
            s.mask & bit(sig) == 0 || sig == SIGKILL || sig == SIGSTOP
        };
        if unblocked {
            self.kick();
        }
    }
}

thread_local! {
    static CURRENT: std::cell::RefCell<Option<Arc<TaskShared>>> = const { std::cell::RefCell::new(None) };
}

/// The task the calling host thread runs, for code that blocks on its
/// behalf without a `Task` at hand (pipes, polls).
pub fn current_task() -> Option<Arc<TaskShared>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Signalled when a vfork child execs or exits, releasing its parent.
#[derive(Default)]
pub struct VforkDone {
    done: Mutex<bool>,
    cond: Condvar,
}

impl VforkDone {
    pub fn complete(&self) {
        *self.done.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.cond.notify_all();
    }

    pub fn is_done(&self) -> bool {
        *self.done.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Everything a new task needs, built by its creator and handed to the host
/// thread that will run it (which makes the platform context itself).
pub struct TaskSeed {
    pub kernel: Arc<Kernel>,
    pub shared: Arc<TaskShared>,
    pub tg: Arc<ThreadGroup>,
    pub mm: Arc<MemoryManager>,
    pub fs: Arc<FsContext>,
    pub files: Arc<FdTable>,
    pub creds: Creds,
    pub cpu: CpuState,
    pub clear_child_tid: u64,
    pub vfork_done: Option<Arc<VforkDone>>,
}

impl TaskSeed {
    /// Starts the task on its own host thread.
    pub fn start(self) -> Result<std::thread::JoinHandle<()>, Errno> {
        let tid = self.shared.tid();
        std::thread::Builder::new()
            .name(format!("task-{tid}"))
            .spawn(move || match Task::from_seed(self) {
                Ok(t) => t.run(),
                Err(failed) => {
                    let (seed, e) = *failed;
                    tracing::error!(tid, "cannot start task: {e}");
                    seed.tg.start_exit(ExitStatus::Signal {
                        signo: SIGKILL,
                        core: false,
                    });
                    Task::abandon(seed);
                }
            })
            .map_err(|_| Errno::EAGAIN)
    }
}

pub struct Task {
    pub kernel: Arc<Kernel>,
    pub shared: Arc<TaskShared>,
    pub tid: i32,
    pub tg: Arc<ThreadGroup>,
    mm: Arc<MemoryManager>,
    pub fs: Arc<FsContext>,
    pub files: Arc<FdTable>,
    pub creds: Creds,
    pub cpu: CpuState,
    ctx: Box<dyn Context>,
    pub clear_child_tid: u64,
    pub robust_list: (u64, u64),
    /// Set by exit(2): this thread leaves after the current syscall.
    pub exiting: Option<ExitStatus>,
    /// Released when this vfork child execs or exits.
    pub vfork_done: Option<Arc<VforkDone>>,
    /// A syscall that was interrupted and may be restarted.
    restart: Option<Errno>,
    /// How restart_syscall resumes an interrupted sleep.
    pub restart_block: Option<RestartBlock>,
}

/// What restart_syscall(2) resumes (Linux's restart_block).
#[derive(Clone, Copy, Debug)]
pub enum RestartBlock {
    Sleep {
        deadline: std::time::Instant,
        rem: u64,
        relative: bool,
    },
}

impl Task {
    /// Seeds the first task of a sandbox: pid 1, a fresh address space; its
    /// program is loaded by `exec` once it runs on its own thread.
    pub fn seed_init(
        kernel: Arc<Kernel>,
        fs: Arc<FsContext>,
        files: Arc<FdTable>,
        creds: Creds,
    ) -> Result<TaskSeed, Errno> {
        let mm = crate::loader::new_mm(&kernel)?;
        let tid = kernel.alloc_tid();
        let tg = ThreadGroup::new(
            tid,
            None,
            Arc::new(SigHand::new()),
            SIGCHLD,
            None,
            kernel.initial_limits,
        );
        kernel.register_group(tg.clone());
        let shared = TaskShared::new(tid, 0);
        tg.threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(shared.clone());
        Ok(TaskSeed {
            shared,
            kernel,
            tg,
            mm,
            fs,
            files,
            creds,
            cpu: CpuState::default(),
            clear_child_tid: 0,
            vfork_done: None,
        })
    }

    /// Makes the task on the thread that will run it.
    pub fn from_seed(seed: TaskSeed) -> Result<Task, Box<(TaskSeed, String)>> {
        let ctx = match seed.kernel.platform.new_context() {
            Ok(c) => c,
            Err(e) => return Err(Box::new((seed, e.to_string()))),
        };
        *seed
            .shared
            .interrupter
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(ctx.interrupter());
        seed.shared
            .host_tid
            .store(platform::hostkick::prepare_thread(), Ordering::Relaxed);
        let tid = seed.shared.tid();
        seed.kernel.register_task(seed.shared.clone());
        CURRENT.with(|c| *c.borrow_mut() = Some(seed.shared.clone()));
        Ok(Task {
            kernel: seed.kernel,
            shared: seed.shared,
            tid,
            tg: seed.tg,
            mm: seed.mm,
            fs: seed.fs,
            files: seed.files,
            creds: seed.creds,
            cpu: seed.cpu,
            ctx,
            clear_child_tid: seed.clear_child_tid,
            robust_list: (0, 0),
            exiting: None,
            vfork_done: seed.vfork_done,
            restart: None,
            restart_block: None,
        })
    }

    /// A seed whose task could not start: account for it as an exited thread.
    fn abandon(seed: TaskSeed) {
        if let Some(v) = &seed.vfork_done {
            v.complete();
        }
        let last = seed
            .tg
            .threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty();
        if last {
            seed.tg.exited(&seed.kernel);
        }
    }

    pub fn mm(&self) -> &Arc<MemoryManager> {
        &self.mm
    }

    /// Replaces the address space (execve). The old one is released from
    /// this task's platform context first.
    pub fn replace_mm(&mut self, mm: Arc<MemoryManager>) {
        self.ctx.release(self.mm.address_space());
        self.mm = mm;
    }

    /// The platform context's interrupter (for clone's new tasks: none).
    pub fn limit(&self, resource: u32) -> Rlimit {
        self.tg.limit(resource as usize)
    }

    /// Path resolution of `path` starting at `dirfd` (AT_FDCWD or a
    /// directory fd); an absolute path ignores `dirfd`, as in Linux.
    pub fn lookup_at(&self, dirfd: i32, path: &[u8]) -> Result<Lookup<'_>, Errno> {
        let start = if dirfd == AT_FDCWD || path.first() == Some(&b'/') {
            self.fs.cwd()
        } else {
            let f = self.files.get(dirfd)?;
            let p = f.path.clone().ok_or(Errno::ENOTDIR)?;
            if !p.is_dir() {
                return Err(Errno::ENOTDIR);
            }
            p
        };
        Ok(Lookup {
            ns: &self.kernel.mounts,
            root: self.fs.root(),
            start,
        })
    }

    /// Resolves `path` relative to `dirfd`.
    pub fn resolve_at(&self, dirfd: i32, path: &[u8], follow: bool) -> Result<Path, Errno> {
        self.lookup_at(dirfd, path)?.resolve(path, follow)
    }

    pub fn sigmask(&self) -> u64 {
        self.shared.mask()
    }

    pub fn set_sigmask(&self, mask: u64) {
        self.shared.sig().mask = mask & !super::signal::UNBLOCKABLE;
    }

    fn should_exit(&self) -> bool {
        self.exiting.is_some() || self.tg.exiting().is_some()
    }

    /// Runs the task until it exits.
    pub fn run(mut self) {
        loop {
            if self.should_exit() {
                break;
            }
            let exit = self.ctx.switch(self.mm.address_space(), &mut self.cpu);
            match exit {
                Ok(Exit::Syscall) => self.syscall(),
                Ok(Exit::PageFault { addr, .. }) => {
                    if let Err(e) = self.mm.fault(addr) {
                        let code = match e {
                            FaultError::Unmapped => 1,   // SEGV_MAPERR
                            FaultError::Protection => 2, // SEGV_ACCERR
                        };
                        self.fatal_signal(SIGSEGV, code, addr);
                    }
                }
                Ok(Exit::Signal(info)) => self.fatal_signal(info.signo, info.code, info.addr),
                Ok(Exit::Interrupted) => {}
                Err(e) => {
                    tracing::error!(tid = self.tid, "platform failed: {e}");
                    self.tg.start_exit(ExitStatus::Signal {
                        signo: SIGKILL,
                        core: false,
                    });
                }
            }
            self.handle_signals();
        }
        self.do_exit();
    }

    fn syscall(&mut self) {
        let nr = self.cpu.regs.orig_rax;
        let args = self.cpu.regs.syscall_args();
        let prefix = if self.kernel.opts.strace {
            Some(crate::strace::entry(self, nr, &args))
        } else {
            None
        };
        let r = crate::syscalls::dispatch(self, nr, &args);
        if let Some(prefix) = prefix {
            crate::strace::exit(self, prefix, nr, &args, r);
        }
        self.restart = None;
        // execve replaced the registers: its result is the new program's rax (0).
        self.cpu.regs.rax = match r {
            Ok(v) => v,
            Err(e) if e.is_restart() => {
                self.restart = Some(e);
                Errno::EINTR.as_syscall_ret()
            }
            Err(e) => e.as_syscall_ret(),
        };
    }

    /// Takes the next signal this task may act on: its own, then its
    /// process's.
    fn next_signal(&self) -> Option<Siginfo> {
        let mask = self.sigmask();
        if let Some(i) = self.shared.sig().pending.take(mask) {
            return Some(i);
        }
        self.tg
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take(mask)
    }

    /// Acts on pending signals. Handlers are not called yet: a signal with
    /// a handler is dropped (and logged) until signal frames arrive.
    fn handle_signals(&mut self) {
        self.shared.blocker.clear_interrupt();
        while let Some(info) = self.next_signal() {
            let sig = info.si_signo;
            let act = self.tg.sighand.action(sig);
            match act.handler {
                SIG_IGN => {}
                SIG_DFL => match default_action(sig) {
                    DefaultAction::Ignore | DefaultAction::Continue => {}
                    DefaultAction::Stop => {
                        tracing::warn!(
                            tid = self.tid,
                            sig,
                            "job-control stop not supported yet: ignored"
                        );
                    }
                    d => {
                        self.tg.start_exit(ExitStatus::Signal {
                            signo: sig,
                            core: d == DefaultAction::Core,
                        });
                        return;
                    }
                },
                _ => {
                    tracing::warn!(
                        tid = self.tid,
                        sig,
                        "signal handlers are not called yet: dropped"
                    );
                }
            }
        }
        if let Some(e) = self.restart.take() {
            if !self.should_exit() {
                // No handler ran: the syscall starts over, or resumes
                // through restart_syscall.
                self.cpu.regs.rip -= 2;
                self.cpu.regs.rax = if e == Errno::ERESTART_RESTARTBLOCK {
                    syscalls::nr::restart_syscall
                } else {
                    self.cpu.regs.orig_rax
                };
            }
        }
    }

    /// A synchronous fault signal. Without handler delivery yet, the default
    /// action applies: terminate with a core dump.
    fn fatal_signal(&mut self, signo: i32, code: i32, addr: u64) {
        tracing::debug!(
            tid = self.tid,
            signo,
            code,
            addr = format_args!("{addr:#x}"),
            rip = format_args!("{:#x}", self.cpu.regs.rip),
            "fatal signal"
        );
        if tracing::enabled!(tracing::Level::DEBUG) {
            tracing::debug!(regs = ?self.cpu.regs, "registers at the fatal signal");
            for (start, v) in self.mm.vmas() {
                tracing::debug!(
                    "vma {start:#x}-{:#x} {:?} {}",
                    v.end,
                    v.prot,
                    match &v.backing {
                        crate::mm::Backing::Anon => "anon".to_string(),
                        crate::mm::Backing::File { offset, .. } => format!("file@{offset:#x}"),
                        crate::mm::Backing::Shared { offset, .. } => format!("shared@{offset:#x}"),
                    }
                );
            }
        }
        let core = matches!(default_action(signo), DefaultAction::Core);
        self.tg.start_exit(ExitStatus::Signal { signo, core });
    }

    /// Leaves: clear-child-tid wake, platform resources, the thread group.
    fn do_exit(mut self) {
        let status = self
            .tg
            .exiting()
            .or(self.exiting)
            .unwrap_or(ExitStatus::Code(0));
        if self.clear_child_tid != 0 && Arc::strong_count(&self.mm) > 1 {
            let addr = self.clear_child_tid;
            if self.mm.write_obj(addr, &0u32).is_ok() {
                if let Ok(frame) = self.mm.frame_of(addr) {
                    self.kernel
                        .futexes
                        .wake(super::futex::FutexKey::Shared { frame }, 1, u32::MAX);
                }
            }
        }
        self.ctx.release(self.mm.address_space());
        if let Some(v) = self.vfork_done.take() {
            v.complete();
        }
        self.kernel.unregister_task(self.tid);
        let last = {
            let mut threads = self.tg.threads.lock().unwrap_or_else(|e| e.into_inner());
            threads.retain(|t| !Arc::ptr_eq(t, &self.shared));
            threads.is_empty()
        };
        if last {
            {
                let mut st = self.tg.state.lock().unwrap_or_else(|e| e.into_inner());
                st.exit.get_or_insert(status);
            }
            self.tg.exited(&self.kernel);
        }
    }
}
