//! The kernel proper: the sandbox-wide state (`Kernel`) and tasks.

pub mod futex;
pub mod hostcall;
pub mod rand;
mod task;

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use platform::Platform;
use syscalls::types::Rlimit;

pub use task::{Creds, ExitStatus, Task, ThreadGroup};

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
    next_tid: AtomicI32,
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
            cpus: online_cpus(),
            next_tid: AtomicI32::new(1),
        })
    }

    /// Allocates a thread id in the sandbox's pid namespace (init gets 1).
    pub fn alloc_tid(&self) -> i32 {
        self.next_tid.fetch_add(1, Ordering::Relaxed)
    }
}
