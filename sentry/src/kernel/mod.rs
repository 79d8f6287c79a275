//! The kernel proper: the sandbox-wide state (`Kernel`) and tasks.

pub mod blocker;
pub mod clone;
pub mod futex;
pub mod hostcall;
pub mod rand;
pub mod sigframe;
pub mod signal;
mod task;
mod thread_group;
pub mod timers;
pub mod waiter;

use std::collections::HashMap;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

use platform::Platform;
use syscalls::types::Rlimit;

/// Capability numbers and sets.
pub mod task_caps {
    pub use super::task::{
        CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID, CAP_FULL_SET,
        CAP_KILL, CAP_LAST_CAP, CAP_SETGID, CAP_SETPCAP, CAP_SETUID, CAP_SYS_NICE, CAP_SYS_PTRACE,
        CAP_SYS_RESOURCE,
    };
}
pub use task::{
    current_task, current_thread_group, raise_sigpipe, thread_cpu_time, Creds, ExitStatus,
    RestartBlock, Task, TaskSeed, TaskShared, TaskView,
};
pub use thread_group::{ChildReport, ThreadGroup, Usage};

use crate::mm::MemoryFile;
use crate::vfs::MountNamespace;

/// Number of resource limits (RLIMIT_NLIMITS).
pub const RLIM_NLIMITS: usize = 16;

/// The sandbox's uname.
#[derive(Clone, Debug, Default)]
pub struct Uts {
    pub sysname: Vec<u8>,
    pub nodename: Vec<u8>,
    pub release: Vec<u8>,
    pub version: Vec<u8>,
    pub machine: Vec<u8>,
    pub domainname: Vec<u8>,
}

/// Options that shape the whole sandbox.
#[derive(Clone, Debug, Default)]
pub struct KernelOptions {
    /// Print every syscall, strace-style.
    pub strace: bool,
}

pub struct Kernel {
    pub platform: Arc<dyn Platform>,
    pub mf: Arc<MemoryFile>,
    pub mounts: Arc<MountNamespace>,
    pub uts: Mutex<Uts>,
    pub opts: KernelOptions,
    /// Resource limits new thread groups start with.
    pub initial_limits: [Rlimit; RLIM_NLIMITS],
    pub boot: Instant,
    pub cpus: usize,
    pub futexes: futex::FutexTable,
    pub timers: Arc<timers::TimerService>,
    /// Controlling terminals of sessions.
    pub ttys: crate::fs::tty::Sessions,
    next_tid: AtomicI32,
    /// Live tasks by tid, and thread groups (live or zombie) by pid.
    tasks: Mutex<HashMap<i32, Arc<TaskShared>>>,
    groups: Mutex<HashMap<i32, Arc<ThreadGroup>>>,
    /// How init's thread group ended, once it has: the sandbox is over.
    init_status: Mutex<Option<ExitStatus>>,
    init_done: Condvar,
    /// The 1, 5 and 15 minute load averages and when they were last
    /// brought up to date (`fs::proc::load_average`).
    pub loadavg: Mutex<(Instant, [f64; 3])>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// CPUs this process may run on. Not `available_parallelism`, which reads
/// cgroup files: the sentry has no file system view (or syscall) for that.
fn online_cpus() -> usize {
    rustix::thread::sched_getaffinity(None)
        .map(|set| {
            (0..rustix::thread::CpuSet::MAX_CPU)
                .filter(|&c| set.is_set(c))
                .count()
        })
        .unwrap_or(1)
        .max(1)
}

impl Kernel {
    pub fn new(
        platform: Arc<dyn Platform>,
        mf: Arc<MemoryFile>,
        mounts: Arc<MountNamespace>,
        uts: Uts,
        initial_limits: [Rlimit; RLIM_NLIMITS],
        opts: KernelOptions,
    ) -> Arc<Kernel> {
        Arc::new(Kernel {
            platform,
            mf,
            mounts,
            uts: Mutex::new(uts),
            opts,
            initial_limits,
            boot: Instant::now(),
            futexes: futex::FutexTable::default(),
            timers: Arc::new(timers::TimerService::default()),
            ttys: Default::default(),
            cpus: online_cpus(),
            next_tid: AtomicI32::new(1),
            tasks: Mutex::new(HashMap::new()),
            groups: Mutex::new(HashMap::new()),
            init_status: Mutex::new(None),
            init_done: Condvar::new(),
            loadavg: Mutex::new((Instant::now(), [0.0; 3])),
        })
    }

    /// The last thread id handed out (/proc/loadavg, /proc/stat).
    pub fn last_pid(&self) -> i32 {
        self.next_tid.load(Ordering::Relaxed) - 1
    }

    /// Allocates a thread id in the sandbox's pid namespace (init gets 1).
    pub fn alloc_tid(&self) -> i32 {
        self.next_tid.fetch_add(1, Ordering::Relaxed)
    }

    pub fn register_task(&self, t: Arc<TaskShared>) {
        lock(&self.tasks).insert(t.tid(), t);
    }

    pub fn unregister_task(&self, tid: i32) {
        lock(&self.tasks).remove(&tid);
    }

    pub fn task(&self, tid: i32) -> Option<Arc<TaskShared>> {
        lock(&self.tasks).get(&tid).cloned()
    }

    pub fn register_group(&self, g: Arc<ThreadGroup>) {
        lock(&self.groups).insert(g.pid, g);
    }

    /// Forgets a reaped thread group.
    pub fn release_group(&self, pid: i32) {
        lock(&self.groups).remove(&pid);
    }

    pub fn group(&self, pid: i32) -> Option<Arc<ThreadGroup>> {
        lock(&self.groups).get(&pid).cloned()
    }

    /// Every thread group, for kill(-1) and process-group signals.
    pub fn all_groups(&self) -> Vec<Arc<ThreadGroup>> {
        lock(&self.groups).values().cloned().collect()
    }

    fn init_exited(&self, status: ExitStatus) {
        *lock(&self.init_status) = Some(status);
        self.init_done.notify_all();
    }

    /// Blocks until init's thread group has exited; the sandbox ends then.
    pub fn wait_init(&self) -> ExitStatus {
        let mut s = lock(&self.init_status);
        loop {
            if let Some(st) = *s {
                return st;
            }
            s = self.init_done.wait(s).unwrap_or_else(|e| e.into_inner());
        }
    }
}
