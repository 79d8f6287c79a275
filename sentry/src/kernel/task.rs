//! Tasks (application threads) and thread groups, and the task loop:
//! switch to the application → handle its syscall or fault → repeat.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use platform::{Context, CpuState, Exit, Interrupter};
use syscalls::consts::*;
use syscalls::types::{Rlimit, Siginfo};
use syscalls::Errno;

use super::blocker::Blocker;
use super::sigframe::{self, StackT};
use super::signal::{bit, default_action, DefaultAction, Pending, SigHand, SIG_DFL, SIG_IGN};
use super::{Kernel, ThreadGroup};
use crate::mm::{FaultError, MemoryManager};
use crate::vfs::{FdTable, FsContext, Lookup, MountNamespace, Path};

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
    pub cap_effective: u64,
    pub cap_permitted: u64,
    pub cap_inheritable: u64,
    pub cap_bounding: u64,
    pub cap_ambient: u64,
    /// PR_SET_KEEPCAPS: keep permitted capabilities when uids leave 0.
    pub keep_caps: bool,
}

/// Capability numbers used by the sentry's permission checks.
pub const CAP_CHOWN: u32 = 0;
pub const CAP_DAC_OVERRIDE: u32 = 1;
pub const CAP_DAC_READ_SEARCH: u32 = 2;
pub const CAP_FOWNER: u32 = 3;
pub const CAP_FSETID: u32 = 4;
pub const CAP_KILL: u32 = 5;
pub const CAP_SETGID: u32 = 6;
pub const CAP_SETUID: u32 = 7;
pub const CAP_SETPCAP: u32 = 8;
pub const CAP_SYS_RESOURCE: u32 = 24;
pub const CAP_SYS_NICE: u32 = 23;
pub const CAP_SYS_PTRACE: u32 = 19;
/// The highest capability Linux knows (CAP_CHECKPOINT_RESTORE).
pub const CAP_LAST_CAP: u32 = 40;
/// Every capability.
pub const CAP_FULL_SET: u64 = (1u64 << (CAP_LAST_CAP + 1)) - 1;

impl Creds {
    /// Credentials of a process started as `uid`: root has every
    /// capability, anyone else none, as Linux's exec gives them.
    pub fn new(uid: u32, gid: u32, groups: Vec<u32>) -> Creds {
        let caps = if uid == 0 { CAP_FULL_SET } else { 0 };
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
            cap_effective: caps,
            cap_permitted: caps,
            cap_inheritable: 0,
            cap_bounding: CAP_FULL_SET,
            cap_ambient: 0,
            keep_caps: false,
        }
    }

    pub fn has_cap(&self, cap: u32) -> bool {
        self.cap_effective & (1 << cap) != 0
    }

    /// What changing uids does to capabilities (capabilities(7), "Effect
    /// of user ID changes on capabilities"), given the uids before.
    pub fn fix_caps_after_setuid(&mut self, old_uid: u32, old_euid: u32, old_suid: u32) {
        let had_root = old_uid == 0 || old_euid == 0 || old_suid == 0;
        let has_root = self.uid == 0 || self.euid == 0 || self.suid == 0;
        if had_root && !has_root {
            if !self.keep_caps {
                self.cap_permitted = 0;
            }
            self.cap_effective = 0;
            self.cap_ambient = 0;
        }
        if old_euid == 0 && self.euid != 0 {
            self.cap_effective = 0;
        }
        if old_euid != 0 && self.euid == 0 {
            self.cap_effective = self.cap_permitted;
        }
        // The filesystem uid follows the effective one: its capabilities too.
        const FS_CAPS: u64 = 0x1f | (1 << 9) | (1 << 27); // CHOWN..FSETID, LINUX_IMMUTABLE, MKNOD
        if self.fsuid != 0 {
            self.cap_effective &= !FS_CAPS;
        } else if old_euid != 0 {
            self.cap_effective |= self.cap_permitted & FS_CAPS;
        }
    }
}

/// A task's signal state that other tasks touch.
#[derive(Default)]
pub struct TaskSig {
    pub mask: u64,
    pub pending: Pending,
    /// Signals the task waits for in rt_sigtimedwait: though blocked, they
    /// wake it.
    pub waiting: u64,
}

impl TaskSig {
    /// Linux's `blocked | real_blocked`: signals generated for the task are
    /// never discarded while in here, whatever their disposition.
    pub fn blocked(&self) -> u64 {
        self.mask | self.waiting
    }
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
    /// The robust-list head the task registered (get_robust_list of
    /// another thread reads it).
    pub robust_head: std::sync::atomic::AtomicU64,
    /// Wall nanoseconds the task spent running application code in its
    /// current address space (scaled by the space's CPU share to give
    /// user time), and user time from earlier address spaces.
    user_ns: std::sync::atomic::AtomicU64,
    user_done_ns: std::sync::atomic::AtomicU64,
    /// The largest user time reported so far: the share moves as other
    /// threads run, and a CPU clock must never go back.
    user_seen_ns: std::sync::atomic::AtomicU64,
    /// (real, effective, saved) uid, for other tasks' permission checks
    /// (kill, get_robust_list); kept in step with `Task::creds`.
    pub uids: Mutex<[u32; 3]>,
    /// `comm`: the thread's name (prctl PR_SET_NAME, /proc/PID/comm).
    pub comm: Mutex<[u8; 16]>,
    /// Nice value (-20..=19); per thread, as in Linux.
    pub nice: AtomicI32,
    /// Notified when a signal is queued for the task (signalfd readiness).
    pub sig_queue: super::waiter::WaitQueue,
    /// When the task was made (/proc's starttime).
    pub started: std::time::Instant,
    /// What /proc shows of the state only the task itself holds; kept in
    /// step by `Task::publish`.
    view: Mutex<Option<TaskView>>,
    /// /proc/PID/oom_score_adj.
    pub oom_score_adj: AtomicI32,
    /// Set while the task sleeps, or is about to, in a host ppoll that
    /// only a host kick ends (a poll that includes host descriptors);
    /// `wake` kicks only then.
    host_waiting: std::sync::atomic::AtomicBool,
    /// Bytes read and written, and read and write calls (/proc/PID/io).
    pub io: [std::sync::atomic::AtomicU64; 4],
}

/// A task's own state as other tasks (/proc) see it.
#[derive(Clone)]
pub struct TaskView {
    pub tg: std::sync::Weak<ThreadGroup>,
    pub fs: Arc<FsContext>,
    pub files: Arc<FdTable>,
    pub mnt_ns: Arc<MountNamespace>,
    pub creds: Creds,
}

/// A task's host wait in progress (see [`TaskShared::host_wait`]).
pub struct HostWait<'a>(&'a TaskShared);

impl Drop for HostWait<'_> {
    fn drop(&mut self) {
        self.0.host_waiting.store(false, Ordering::SeqCst);
    }
}

impl TaskShared {
    pub(crate) fn new(tid: i32, mask: u64) -> Arc<TaskShared> {
        Arc::new(TaskShared {
            tid: AtomicI32::new(tid),
            host_tid: AtomicI32::new(0),
            host_waiting: std::sync::atomic::AtomicBool::new(false),
            blocker: Blocker::default(),
            sig: Mutex::new(TaskSig {
                mask,
                pending: Pending::default(),
                waiting: 0,
            }),
            interrupter: Mutex::new(None),
            robust_head: std::sync::atomic::AtomicU64::new(0),
            user_ns: std::sync::atomic::AtomicU64::new(0),
            user_done_ns: std::sync::atomic::AtomicU64::new(0),
            user_seen_ns: std::sync::atomic::AtomicU64::new(0),
            uids: Mutex::new([0; 3]),
            comm: Mutex::new([0; 16]),
            nice: AtomicI32::new(0),
            sig_queue: Default::default(),
            started: std::time::Instant::now(),
            view: Mutex::new(None),
            oom_score_adj: AtomicI32::new(0),
            io: Default::default(),
        })
    }

    /// Counts a read or write of `n` bytes (/proc/PID/io's rchar, wchar,
    /// syscr, syscw).
    pub fn account_io(&self, write: bool, n: u64) {
        let i = write as usize;
        self.io[i].fetch_add(n, Ordering::Relaxed);
        self.io[2 + i].fetch_add(1, Ordering::Relaxed);
    }

    /// The task's fs context, fds, mount namespace and credentials, once
    /// it runs.
    pub fn view(&self) -> Option<TaskView> {
        self.view.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn tid(&self) -> i32 {
        self.tid.load(Ordering::Relaxed)
    }

    pub(crate) fn set_tid(&self, tid: i32) {
        self.tid.store(tid, Ordering::Relaxed);
    }

    pub fn sig(&self) -> MutexGuard<'_, TaskSig> {
        self.sig.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_comm(&self, name: &[u8]) {
        let mut c = [0u8; 16];
        let n = name.len().min(15);
        c[..n].copy_from_slice(&name[..n]);
        *self.comm.lock().unwrap_or_else(|e| e.into_inner()) = c;
    }

    pub fn comm(&self) -> [u8; 16] {
        *self.comm.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// User CPU time of the task, given its address space's CPU share
    /// (`MemoryManager::cpu_share`).
    pub fn user_time(&self, share: f64) -> std::time::Duration {
        let now = self.user_ns.load(Ordering::Relaxed) as f64 * share;
        let ns = self.user_done_ns.load(Ordering::Relaxed) + now as u64;
        let seen = self.user_seen_ns.fetch_max(ns, Ordering::Relaxed);
        std::time::Duration::from_nanos(ns.max(seen))
    }

    /// The task leaves its address space (exec): what it ran there becomes
    /// user time at the space's share.
    pub fn fold_user_time(&self, share: f64) {
        let ns = self.user_ns.swap(0, Ordering::Relaxed) as f64 * share;
        self.user_done_ns.fetch_add(ns as u64, Ordering::Relaxed);
    }

    /// (user, system) CPU time of the task: its application time and the
    /// CPU time of the sentry thread that runs it.
    pub fn cpu_times(&self, share: f64) -> (std::time::Duration, std::time::Duration) {
        let sys = platform::hostkick::thread_cpu_time(self.host_tid.load(Ordering::Relaxed));
        (self.user_time(share), sys)
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
    /// poll) so it re-checks what it waits for; no signal involved. The
    /// host kick (a tgkill) is sent only while the task is in a host wait:
    /// a task asleep on its blocker needs none.
    pub fn wake(&self) {
        self.blocker.notify();
        // Pairs with the fence in `host_wait`: either this load sees the
        // flag, or the waiter's readiness check after setting it sees
        // the change this wake announces.
        std::sync::atomic::fence(Ordering::SeqCst);
        if self.host_waiting.load(Ordering::SeqCst) {
            platform::hostkick::kick(self.host_tid.load(Ordering::Relaxed));
        }
    }

    /// Marks the start of a host wait that `wake` must end with a kick.
    /// Call it BEFORE the last readiness check of the sentry's files (and
    /// before registering on them); the wait lasts while the guard lives.
    pub fn host_wait(&self) -> HostWait<'_> {
        self.host_waiting.store(true, Ordering::SeqCst);
        std::sync::atomic::fence(Ordering::SeqCst);
        HostWait(self)
    }

    /// Queues a thread-directed signal; kicks the task if it can take it.
    pub fn send_signal(&self, info: Siginfo) {
        let sig = info.si_signo;
        let (unblocked, waited) = {
            let mut s = self.sig();
            s.pending.push(info);
            (
                s.mask & bit(sig) == 0 || sig == SIGKILL || sig == SIGSTOP,
                s.waiting & bit(sig) != 0,
            )
        };
        self.sig_queue.notify(POLLIN_EVENT);
        if unblocked {
            self.kick();
        } else if waited {
            self.wake();
        }
    }
}

/// The poll bit a newly queued signal makes ready (signalfd's POLLIN).
const POLLIN_EVENT: u32 = 0x001;

thread_local! {
    static CURRENT: std::cell::RefCell<Option<Arc<TaskShared>>> = const { std::cell::RefCell::new(None) };
    static CURRENT_TG: std::cell::RefCell<Option<Arc<ThreadGroup>>> = const { std::cell::RefCell::new(None) };
}

/// The process of the task the calling host thread runs (signalfd reads
/// the reader's own signals).
pub fn current_thread_group() -> Option<Arc<ThreadGroup>> {
    CURRENT_TG.with(|c| c.borrow().clone())
}

/// The task the calling host thread runs, for code that blocks on its
/// behalf without a `Task` at hand (pipes, polls).
pub fn current_task() -> Option<Arc<TaskShared>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Signalled when a vfork child execs or exits, releasing its parent
/// (which sleeps on its own blocker).
pub struct VforkDone {
    done: std::sync::atomic::AtomicBool,
    parent: Arc<TaskShared>,
}

impl VforkDone {
    pub fn new(parent: Arc<TaskShared>) -> Self {
        Self {
            done: std::sync::atomic::AtomicBool::new(false),
            parent,
        }
    }

    pub fn complete(&self) {
        self.done.store(true, std::sync::atomic::Ordering::Release);
        self.parent.blocker.notify();
    }

    pub fn is_done(&self) -> bool {
        self.done.load(std::sync::atomic::Ordering::Acquire)
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
    pub mnt_ns: Arc<MountNamespace>,
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
    /// The mount namespace this task resolves paths in.
    pub mnt_ns: Arc<MountNamespace>,
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
    /// The alternate signal stack (sigaltstack).
    pub altstack: StackT,
    /// The mask to restore after a handler, when a syscall (sigsuspend,
    /// ppoll, pselect) runs with a temporary one.
    pub saved_mask: Option<u64>,
    /// The address of the last page fault if it found the page already
    /// mapped (see `FaultError::AlreadyMapped`).
    last_fault: Option<u64>,
}

/// What restart_syscall(2) resumes (Linux's restart_block).
#[derive(Clone, Copy, Debug)]
pub enum RestartBlock {
    Sleep {
        deadline: std::time::Instant,
        rem: u64,
        relative: bool,
    },
    /// poll(2) interrupted by a signal that ran no handler: resumes with
    /// the same array and the same end time.
    Poll {
        fds: u64,
        nfds: u64,
        deadline: Option<std::time::Instant>,
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
            mnt_ns: kernel.mounts.clone(),
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
        *seed.shared.uids.lock().unwrap_or_else(|e| e.into_inner()) =
            [seed.creds.uid, seed.creds.euid, seed.creds.suid];
        let tid = seed.shared.tid();
        seed.kernel.register_task(seed.shared.clone());
        *seed.tg.mm.lock().unwrap_or_else(|e| e.into_inner()) = Arc::downgrade(&seed.mm);
        CURRENT.with(|c| *c.borrow_mut() = Some(seed.shared.clone()));
        CURRENT_TG.with(|c| *c.borrow_mut() = Some(seed.tg.clone()));
        let task = Task {
            kernel: seed.kernel,
            shared: seed.shared,
            tid,
            tg: seed.tg,
            mm: seed.mm,
            fs: seed.fs,
            files: seed.files,
            mnt_ns: seed.mnt_ns,
            creds: seed.creds,
            cpu: seed.cpu,
            ctx,
            clear_child_tid: seed.clear_child_tid,
            robust_list: (0, 0),
            exiting: None,
            vfork_done: seed.vfork_done,
            restart: None,
            restart_block: None,
            altstack: StackT {
                flags: SS_DISABLE,
                ..StackT::default()
            },
            saved_mask: None,
            last_fault: None,
        };
        task.publish();
        Ok(task)
    }

    /// Makes the task's fs context, fd table, mount namespace and
    /// credentials visible to /proc (after any of them changes).
    pub fn publish(&self) {
        *self.shared.view.lock().unwrap_or_else(|e| e.into_inner()) = Some(TaskView {
            tg: Arc::downgrade(&self.tg),
            fs: self.fs.clone(),
            files: self.files.clone(),
            mnt_ns: self.mnt_ns.clone(),
            creds: self.creds.clone(),
        });
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
        self.account_peak_memory();
        self.shared.fold_user_time(self.mm.cpu_share());
        self.ctx.release(self.mm.address_space());
        self.mm = mm;
        *self.tg.mm.lock().unwrap_or_else(|e| e.into_inner()) = Arc::downgrade(&self.mm);
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
            ns: &self.mnt_ns,
            root: self.fs.root(),
            start,
            creds: &self.creds,
            resolve: 0,
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
        self.exiting.is_some()
            || self.tg.exiting().is_some()
            || self.tg.exec_by().is_some_and(|t| t != self.tid)
    }

    /// Runs the task until it exits.
    pub fn run(mut self) {
        loop {
            if self.should_exit() {
                break;
            }
            if self.tg.stop_requested() {
                self.group_stop();
                self.handle_signals();
                continue;
            }
            let entered = std::time::Instant::now();
            let exit = self.ctx.switch(self.mm.address_space(), &mut self.cpu);
            // Wall time in the application, apportioned into user time
            // by the address space's measured CPU time.
            let ns = entered.elapsed().as_nanos() as u64;
            self.shared.user_ns.fetch_add(ns, Ordering::Relaxed);
            self.mm.add_run_wall(ns);
            match exit {
                Ok(Exit::Syscall) => {
                    self.syscall();
                    if super::blocker::take_woke_a_sleeper() {
                        std::thread::yield_now();
                    }
                }
                Ok(Exit::PageFault { addr, .. }) => {
                    let stack_limit = self.limit(RLIMIT_STACK).cur;
                    let r = self.mm.fault(addr, stack_limit);
                    let again = matches!(r, Err(FaultError::AlreadyMapped))
                        && self.last_fault.replace(addr) != Some(addr);
                    if !again {
                        self.last_fault = None;
                    }
                    if let (false, Err(e)) = (again, r) {
                        let (sig, code) = match e {
                            FaultError::Unmapped => (SIGSEGV, 1), // SEGV_MAPERR
                            FaultError::Protection | FaultError::AlreadyMapped => (SIGSEGV, 2), // SEGV_ACCERR
                            FaultError::BeyondEof => (SIGBUS, 2), // BUS_ADRERR
                        };
                        self.force_signal(Siginfo::fault(sig, code, addr));
                    }
                }
                Ok(Exit::Signal(info)) => {
                    self.force_signal(Siginfo::fault(info.signo, info.code, info.addr))
                }
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
    /// After a change of credentials: other tasks see the new uids, and a
    /// change of effective or filesystem ids makes the process undumpable
    /// and clears its parent-death signal, as Linux's commit_creds does.
    pub fn creds_changed(&mut self, old: &Creds) {
        let c = &self.creds;
        *self.shared.uids.lock().unwrap_or_else(|e| e.into_inner()) = [c.uid, c.euid, c.suid];
        self.publish();
        if (c.euid, c.egid, c.fsuid, c.fsgid) != (old.euid, old.egid, old.fsuid, old.fsgid) {
            self.tg.dumpable.store(false, Ordering::Relaxed);
            self.tg.pdeath_signal.store(0, Ordering::Relaxed);
        }
    }

    /// Whether a pending signal is not blocked (and will be acted on when
    /// the current syscall returns).
    pub fn signal_deliverable(&self) -> bool {
        let mask = self.sigmask();
        let pending = self.shared.sig().pending.set
            | self
                .tg
                .pending
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .set;
        pending & !mask != 0
    }

    fn next_signal(&self) -> Option<Siginfo> {
        let mask = self.sigmask();
        let mine = self.shared.sig().pending.take(mask);
        let info = mine.or_else(|| {
            self.tg
                .pending
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take(mask)
        })?;
        super::timers::note_dequeued(&self.tg, &info);
        Some(info)
    }

    /// Acts on pending signals. Handlers are not called yet: a signal with
    /// a handler is dropped (and logged) until signal frames arrive.
    fn handle_signals(&mut self) {
        self.shared.blocker.clear_interrupt();
        let mut handled = false;
        while let Some(info) = self.next_signal() {
            let sig = info.si_signo;
            let act = self.tg.sighand.action(sig);
            match act.handler {
                SIG_IGN => {}
                SIG_DFL => match default_action(sig) {
                    DefaultAction::Ignore | DefaultAction::Continue => {}
                    DefaultAction::Stop => {
                        if self.tg.pid != 1 {
                            self.tg.begin_stop(sig);
                        }
                    }
                    // Init survives what it has no handler for, unless the
                    // kernel forces it (a fault).
                    _ if self.tg.pid == 1 && !info.is_fault() => {}
                    d => {
                        if d == DefaultAction::Core {
                            self.log_core(sig);
                        }
                        self.tg.start_exit(ExitStatus::Signal {
                            signo: sig,
                            core: d == DefaultAction::Core,
                        });
                        return;
                    }
                },
                _ => {
                    if !self.setup_frame(&info, act) {
                        return;
                    }
                    handled = true;
                }
            }
        }
        if let Some(e) = self.restart.take() {
            if !self.should_exit() && !handled {
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
        if !handled {
            if let Some(m) = self.saved_mask.take() {
                self.set_sigmask(m);
            }
        }
    }

    /// Sits out a group stop until SIGCONT (or the process's end).
    fn group_stop(&mut self) {
        self.tg.thread_stopped();
        let tg = self.tg.clone();
        loop {
            let r = self.shared.blocker.wait_until(None, || {
                (!tg.stop_requested() || tg.exiting().is_some()).then_some(())
            });
            if r.is_ok() {
                break;
            }
            // Signals other than SIGCONT and SIGKILL wait until we run again.
            self.shared.blocker.clear_interrupt();
        }
        self.tg.thread_resumed();
    }

    /// Whether `sp` is on the alternate signal stack.
    pub fn on_altstack(&self, sp: u64) -> bool {
        self.altstack.flags & SS_DISABLE == 0
            && sp > self.altstack.sp
            && sp - self.altstack.sp <= self.altstack.size
    }

    /// Builds a signal frame for a handler and points the registers at it.
    /// Returns false if the frame could not be written (the task then gets
    /// SIGSEGV).
    fn setup_frame(&mut self, info: &Siginfo, act: syscalls::types::KernelSigaction) -> bool {
        let sig = info.si_signo;
        // An interrupted syscall returns EINTR, or restarts (SA_RESTART).
        if let Some(e) = self.restart.take() {
            let restart = e == Errno::ERESTARTNOINTR
                || e == Errno::ERESTARTSYS && act.flags & SA_RESTART != 0;
            if restart {
                self.cpu.regs.rip -= 2;
                self.cpu.regs.rax = self.cpu.regs.orig_rax;
            } else {
                self.cpu.regs.rax = Errno::EINTR.as_syscall_ret();
            }
        }
        if act.flags & SA_RESTORER == 0 {
            self.force_sigsegv(sig);
            return false;
        }
        let fp = self
            .ctx
            .fp_state(self.mm.address_space())
            .unwrap_or_default();
        let fp = sigframe::frame_fpstate(&fp);
        let old_mask = self.saved_mask.take().unwrap_or_else(|| self.sigmask());
        let rsp = self.cpu.regs.rsp;
        let on_alt = self.on_altstack(rsp);
        let mut sp = rsp.wrapping_sub(128); // the red zone
        let mut entering_alt = false;
        if act.flags & SA_ONSTACK != 0 && self.altstack.flags & SS_DISABLE == 0 && !on_alt {
            sp = self.altstack.sp + self.altstack.size;
            entering_alt = true;
        }
        let fp_addr = (sp.wrapping_sub(fp.len() as u64)) & !63;
        let frame = ((fp_addr.wrapping_sub(sigframe::FRAME_SIZE as u64)) & !15).wrapping_sub(8);
        if entering_alt && !self.on_altstack(frame) {
            self.force_sigsegv(sig);
            return false;
        }
        let uc_stack = StackT {
            sp: self.altstack.sp,
            flags: if on_alt {
                SS_ONSTACK
            } else {
                self.altstack.flags
            },
            size: self.altstack.size,
        };
        let fault = matches!(sig, SIGSEGV | SIGBUS) && info.si_code > 0;
        let (trapno, cr2) = if fault { (14, info.fields[0]) } else { (0, 0) };
        let bytes = sigframe::build_frame(
            &self.cpu.regs,
            info,
            old_mask,
            uc_stack,
            act.restorer,
            fp_addr,
            trapno,
            cr2,
        );
        if self.mm.copy_out(fp_addr, &fp).is_err() || self.mm.copy_out(frame, &bytes).is_err() {
            self.force_sigsegv(sig);
            return false;
        }
        let r = &mut self.cpu.regs;
        r.rip = act.handler;
        r.rsp = frame;
        r.rdi = sig as u64;
        r.rsi = frame + sigframe::INFO_OFFSET;
        r.rdx = frame + sigframe::UC_OFFSET;
        r.rax = 0;
        // TF, DF, RF and AC are cleared for the handler.
        r.eflags &= !(0x100 | 0x400 | 0x1_0000 | 0x4_0000);
        // The handler starts with a clean FP state (Linux: fpu__clear_user_states).
        self.cpu.fp_reset = true;
        let mut mask = old_mask | act.mask;
        if act.flags & SA_NODEFER == 0 {
            mask |= bit(sig);
        }
        self.set_sigmask(mask);
        if act.flags & SA_RESETHAND != 0 {
            self.tg.sighand.lock()[(sig - 1) as usize] =
                syscalls::types::KernelSigaction::default();
        }
        true
    }

    /// A frame could not be set up: SIGSEGV, which kills if the failing
    /// signal was SIGSEGV itself.
    fn force_sigsegv(&mut self, sig: i32) {
        if sig == SIGSEGV {
            self.tg.sighand.lock()[(SIGSEGV - 1) as usize] =
                syscalls::types::KernelSigaction::default();
        }
        self.force_signal(Siginfo::kill(SIGSEGV, syscalls::types::SI_KERNEL, 0, 0));
    }

    /// A synchronous signal (a fault): delivered even if blocked or ignored,
    /// by resetting it to the default action in that case, as Linux's
    /// force_sig_info does.
    pub fn force_signal(&mut self, info: Siginfo) {
        let sig = info.si_signo;
        let blocked = self.sigmask() & bit(sig) != 0;
        let ignored = self.tg.sighand.action(sig).handler == SIG_IGN;
        if blocked || ignored {
            self.tg.sighand.lock()[(sig - 1) as usize] =
                syscalls::types::KernelSigaction::default();
            let m = self.sigmask() & !bit(sig);
            self.set_sigmask(m);
        }
        self.shared.sig().pending.push(info);
    }

    /// Marks the robust futexes this thread still holds as owner-dead and
    /// wakes a waiter of each (set_robust_list), as Linux does when a thread
    /// exits or execs.
    pub fn exit_robust_list(&mut self) {
        const FUTEX_WAITERS: u32 = 0x8000_0000;
        const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
        const FUTEX_TID_MASK: u32 = 0x3fff_ffff;
        const ROBUST_LIST_LIMIT: usize = 2048;
        let (head, _) = std::mem::take(&mut self.robust_list);
        if head == 0 {
            return;
        }
        let Ok(h) = self.mm.read_obj::<[u64; 3]>(head) else {
            return;
        };
        let (first, offset, pending) = (h[0], h[1] as i64, h[2]);
        let tid = self.tid as u32;
        let mm = self.mm.clone();
        let kernel = self.kernel.clone();
        let handle_death = |entry: u64| {
            // Bit 0 of an entry marks a PI futex; the lock word is at the offset.
            let addr = (entry & !1).wrapping_add(offset as u64);
            let r = mm.atomic_update_u32(addr, |v| {
                if v & FUTEX_TID_MASK == tid {
                    (v & FUTEX_WAITERS) | FUTEX_OWNER_DIED
                } else {
                    v
                }
            });
            let woke = r.is_ok_and(|old| old & FUTEX_TID_MASK == tid && old & FUTEX_WAITERS != 0);
            if woke {
                if let Ok(k) = crate::syscalls::futex::futex_key(&mm, addr, false) {
                    kernel.futexes.wake(k, 1, u32::MAX);
                }
            }
        };
        let mut entry = first;
        let mut n = 0;
        while entry != head && entry != 0 && n < ROBUST_LIST_LIMIT {
            let Ok(next) = self.mm.read_obj::<u64>(entry & !1) else {
                break;
            };
            if entry != pending {
                handle_death(entry);
            }
            entry = next;
            n += 1;
        }
        if pending != 0 {
            handle_death(pending);
        }
    }

    /// Ends every other thread of the process for execve and waits until
    /// they are gone; the caller takes over the process id.
    pub fn de_thread(&mut self) -> Result<(), Errno> {
        let others: Vec<Arc<TaskShared>> = self
            .tg
            .threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|t| !Arc::ptr_eq(t, &self.shared))
            .cloned()
            .collect();
        if !others.is_empty() {
            self.tg
                .state
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .exec_by = Some(self.tid);
            for o in &others {
                o.kick();
            }
            let tg = self.tg.clone();
            let me = self.shared.clone();
            loop {
                let r = self.shared.blocker.wait_until(None, || {
                    (tg.threads.lock().unwrap_or_else(|e| e.into_inner()).len() == 1).then_some(())
                });
                if r.is_ok() {
                    break;
                }
                if self.tg.exiting().is_some() {
                    self.tg
                        .state
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .exec_by = None;
                    return Err(Errno::EINTR);
                }
                self.shared.blocker.clear_interrupt();
                let _ = &me;
            }
            self.tg
                .state
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .exec_by = None;
        }
        if self.tid != self.tg.pid {
            // The exec'ing thread becomes the leader: it takes the pid.
            self.kernel.unregister_task(self.tid);
            self.tid = self.tg.pid;
            self.shared.set_tid(self.tid);
            self.kernel.register_task(self.shared.clone());
        }
        Ok(())
    }

    /// Logs registers and mappings when a signal is about to kill the task
    /// with a core dump (the sandbox writes no core files).
    fn log_core(&self, sig: i32) {
        if !tracing::enabled!(tracing::Level::DEBUG) {
            return;
        }
        tracing::debug!(tid = self.tid, sig, regs = ?self.cpu.regs, "fatal signal");
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

    /// Leaves: clear-child-tid wake, platform resources, the thread group.
    fn do_exit(mut self) {
        let status = self
            .tg
            .exiting()
            .or(self.exiting)
            .unwrap_or(ExitStatus::Code(0));
        self.exit_robust_list();
        if self.clear_child_tid != 0 && Arc::strong_count(&self.mm) > 1 {
            let addr = self.clear_child_tid;
            if self.mm.write_obj(addr, &0u32).is_ok() {
                if let Ok(k) = crate::syscalls::futex::futex_key(&self.mm, addr, false) {
                    self.kernel.futexes.wake(k, 1, u32::MAX);
                }
            }
        }
        self.ctx.release(self.mm.address_space());
        // Close our files before anyone can see the exit (Linux's
        // exit_files before exit_notify): a waiting parent finds the
        // process's record locks released and its pipe ends closed.
        self.files = crate::vfs::FdTable::new();
        self.publish();
        if let Some(v) = self.vfork_done.take() {
            v.complete();
        }
        self.kernel.unregister_task(self.tid);
        let last = {
            let mut threads = self.tg.threads.lock().unwrap_or_else(|e| e.into_inner());
            // Our CPU time moves to the process's account as we leave its
            // threads, under the same lock readers sum them with.
            {
                let mut u = self.tg.usage.lock().unwrap_or_else(|e| e.into_inner());
                u.user += self.shared.user_time(self.mm.cpu_share());
                u.sys += thread_cpu_time();
            }
            threads.retain(|t| !Arc::ptr_eq(t, &self.shared));
            if threads.is_empty() {
                *self
                    .tg
                    .last_thread
                    .lock()
                    .unwrap_or_else(|e| e.into_inner()) = Some(self.shared.clone());
            }
            // An exec in another thread waits for us to be gone.
            for t in threads.iter() {
                t.blocker.notify();
            }
            threads.is_empty()
        };
        if last {
            self.account_peak_memory();
            {
                let mut st = self.tg.state.lock().unwrap_or_else(|e| e.into_inner());
                st.exit.get_or_insert(status);
            }
            self.tg.exited(&self.kernel);
        }
    }

    /// Records the peak memory of the address space the process leaves
    /// (exec, exit). One shared with another process (a vfork parent's)
    /// is that process's to account.
    fn account_peak_memory(&self) {
        if Arc::strong_count(&self.mm) > 1 {
            return;
        }
        let rss = (self.mm.max_resident() / 1024) as i64;
        let mut u = self.tg.usage.lock().unwrap_or_else(|e| e.into_inner());
        u.maxrss_kb = u.maxrss_kb.max(rss);
    }
}

/// A write found no reader (a pipe's or a host pipe's or socket's): the
/// calling task gets SIGPIPE, as Linux sends it with EPIPE.
pub fn raise_sigpipe() {
    if let Some(me) = current_task() {
        me.send_signal(Siginfo::kill(SIGPIPE, 0, 0, 0));
    }
}

/// CPU time the calling sentry thread used (the system time of the task
/// it runs).
pub fn thread_cpu_time() -> std::time::Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    std::time::Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}
