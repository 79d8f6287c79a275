//! A stub process as an application address space.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::master::{inject, syscall_result, Master};
use super::stub;
use super::sys::{self, Tid};
use crate::{AddressSpace, Prot, Regs, Result};

/// A stub thread in this address space and the sentry thread tracing it.
#[derive(Clone, Copy)]
pub(crate) struct StubThread {
    pub tid: Tid,
    /// Registers the thread had when seized: a valid base for injections.
    pub base: Regs,
}

pub struct PtraceAddressSpace {
    pub(crate) pid: Tid,
    master: Arc<Master>,
    memory_fd: i32,
    /// Stub threads by the host tid of the sentry thread that traces them.
    pub(crate) threads: Mutex<HashMap<Tid, StubThread>>,
}

impl PtraceAddressSpace {
    pub(crate) fn new(master: Arc<Master>, memory_fd: i32) -> Result<Self> {
        let pid = master.new_process()?;
        Ok(PtraceAddressSpace {
            pid,
            master,
            memory_fd,
            threads: Mutex::new(HashMap::new()),
        })
    }

    /// Runs a host syscall in this address space: through the calling sentry
    /// thread's own stub thread when it has one (it is stopped, since its
    /// tracer is here), else through the master.
    fn syscall(&self, op: &'static str, nr: i64, args: [u64; 6]) -> Result<u64> {
        let own = self
            .threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&sys::gettid())
            .copied();
        let raw = match own {
            Some(t) => inject(t.tid, &t.base, stub::code().inject_off, nr as u64, args)?,
            None => self.master.syscall(self.pid, nr as u64, args)?,
        };
        syscall_result(op, raw)
    }
}

impl AddressSpace for PtraceAddressSpace {
    fn map(&self, addr: u64, len: u64, file_offset: u64, prot: Prot) -> Result<()> {
        let flags = (libc::MAP_SHARED | libc::MAP_FIXED) as u64;
        self.syscall(
            "mmap in stub",
            libc::SYS_mmap,
            [
                addr,
                len,
                prot.to_host() as u64,
                flags,
                self.memory_fd as u64,
                file_offset,
            ],
        )?;
        Ok(())
    }

    fn unmap(&self, addr: u64, len: u64) -> Result<()> {
        self.syscall("munmap in stub", libc::SYS_munmap, [addr, len, 0, 0, 0, 0])?;
        Ok(())
    }

    fn protect(&self, addr: u64, len: u64, prot: Prot) -> Result<()> {
        self.syscall(
            "mprotect in stub",
            libc::SYS_mprotect,
            [addr, len, prot.to_host() as u64, 0, 0, 0],
        )?;
        Ok(())
    }

    fn cpu_time(&self) -> std::time::Duration {
        sys::process_cpu_time(self.pid)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Drop for PtraceAddressSpace {
    fn drop(&mut self) {
        self.master.destroy(self.pid);
    }
}
