//! The ptrace platform: stub processes are address spaces, each sentry task
//! thread traces one stub thread per address space it runs in, application
//! syscalls stop via PTRACE_SYSEMU and faults arrive as SIGSEGV stops.
//! See `shared/notes/ptrace-platform.md` for the why.

mod address_space;
mod context;
mod master;
mod stub;
mod sys;

use std::sync::Arc;

pub use address_space::PtraceAddressSpace;
pub use context::{PtraceContext, PtraceInterrupter};
pub use stub::{STUB_BASE, STUB_END, TASK_SIZE};

use crate::{AddressSpace, Context, Platform, Result};

pub struct Ptrace {
    master: Arc<master::Master>,
    memory_fd: i32,
}

impl Ptrace {
    /// Starts the platform: forks the stub template, which keeps `memory_fd`
    /// (the memory file) and nothing else of this process.
    pub fn new(memory_fd: i32) -> Result<Ptrace> {
        // Learn the sandbox's CPUs while this thread is not pinned yet.
        let _ = sys::sandbox_cpus();
        Ok(Ptrace {
            master: Arc::new(master::Master::start(memory_fd)?),
            memory_fd,
        })
    }
}

impl Platform for Ptrace {
    fn new_address_space(&self) -> Result<Arc<dyn AddressSpace>> {
        Ok(Arc::new(PtraceAddressSpace::new(
            self.master.clone(),
            self.memory_fd,
        )?))
    }

    fn new_context(&self) -> Result<Box<dyn Context>> {
        Ok(Box::new(PtraceContext::new(self.master.clone())))
    }

    fn memory_fd(&self) -> i32 {
        self.memory_fd
    }

    fn name(&self) -> &'static str {
        "ptrace"
    }
}
