//! Syscall interception and address spaces.
//!
//! The platform knows registers and page mappings, not Linux semantics. The
//! sentry drives it through three traits: a [`Platform`] makes
//! [`AddressSpace`]s (one per application `mm`) and [`Context`]s (one per
//! sentry task thread); a context runs application code in an address space
//! until something needs the kernel, and reports why as an [`Exit`].
//!
//! `ptrace` is the first implementation; a KVM one fits the same traits
//! (address space = guest page table root, context = vCPU).

use std::any::Any;
use std::os::fd::RawFd;
use std::sync::Arc;

pub mod hostkick;
pub mod ptrace;
mod regs;

pub use regs::{CpuState, Regs};

/// Highest user address (exclusive) the application may map, like Linux's
/// `TASK_SIZE` for 4-level paging minus the pages the platform reserves for
/// itself at the top of the address space.
pub const USER_MAX: u64 = ptrace::STUB_BASE;

/// Top of a host user address space with 4-level paging (Linux's TASK_SIZE).
pub const TASK_SIZE: u64 = ptrace::TASK_SIZE;

/// Page size of every platform here.
pub const PAGE_SIZE: u64 = 4096;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("host call {op} failed: {errno}")]
    Host {
        op: &'static str,
        errno: nix::errno::Errno,
    },
    #[error("stub misbehaved: {0}")]
    Stub(String),
    /// The address space's backing process is gone (killed from outside).
    #[error("address space is gone")]
    AddressSpaceGone,
}

impl Error {
    pub(crate) fn host(op: &'static str, errno: nix::errno::Errno) -> Self {
        Error::Host { op, errno }
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// Page protection of a mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Prot {
    pub read: bool,
    pub write: bool,
    pub exec: bool,
}

impl Prot {
    pub const NONE: Prot = Prot {
        read: false,
        write: false,
        exec: false,
    };
    pub const RW: Prot = Prot {
        read: true,
        write: true,
        exec: false,
    };

    /// As the host's `PROT_*` bits.
    pub fn to_host(self) -> i32 {
        let mut p = libc::PROT_NONE;
        if self.read {
            p |= libc::PROT_READ;
        }
        if self.write {
            p |= libc::PROT_WRITE;
        }
        if self.exec {
            p |= libc::PROT_EXEC;
        }
        p
    }
}

/// What kind of access caused a fault, where the platform can tell. The ptrace
/// platform cannot (the host's siginfo does not carry the error code), so it
/// reports [`Access::UNKNOWN`] and the sentry infers it from its own state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Access {
    pub read: bool,
    pub write: bool,
    pub exec: bool,
}

impl Access {
    pub const UNKNOWN: Access = Access {
        read: false,
        write: false,
        exec: false,
    };
}

/// A host signal the application raised synchronously (a trap, a bad
/// instruction, a fault the sentry did not resolve), already taken away from
/// the host and handed to the sentry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SigInfo {
    pub signo: i32,
    pub code: i32,
    /// Fault address for SIGSEGV/SIGBUS/SIGILL/SIGFPE/SIGTRAP.
    pub addr: u64,
}

/// Why [`Context::switch`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The application made a syscall: the number is `cpu.regs.orig_rax`,
    /// `rip` already points past the `syscall` instruction, and the result
    /// goes into `cpu.regs.rax`.
    Syscall,
    /// The application touched `addr` where nothing (or not enough) is mapped.
    PageFault { addr: u64, access: Access },
    /// The application got a synchronous host signal that is not a page fault.
    Signal(SigInfo),
    /// [`Interrupter::interrupt`] was called (or something else kicked the
    /// context out); nothing happened to the application.
    Interrupted,
}

/// The platform: makes address spaces and contexts.
pub trait Platform: Send + Sync {
    /// A new, empty address space.
    fn new_address_space(&self) -> Result<Arc<dyn AddressSpace>>;
    /// A new context for the calling sentry thread. Contexts are bound to the
    /// host thread that made them: use them only from that thread.
    fn new_context(&self) -> Result<Box<dyn Context>>;
    /// The memory file every mapping refers to (the sentry's memfd).
    fn memory_fd(&self) -> RawFd;
    fn name(&self) -> &'static str;
}

/// An application address space. Every mapping comes from the memory file:
/// `file_offset` is an offset in it. Private/copy-on-write semantics are the
/// sentry's business; the platform maps exactly what it is told.
pub trait AddressSpace: Send + Sync + Any {
    /// Maps `[addr, addr+len)` to `[file_offset, file_offset+len)` of the
    /// memory file, replacing whatever was there.
    fn map(&self, addr: u64, len: u64, file_offset: u64, prot: Prot) -> Result<()>;
    /// Removes every mapping in `[addr, addr+len)`.
    fn unmap(&self, addr: u64, len: u64) -> Result<()>;
    /// Changes the protection of already mapped pages in `[addr, addr+len)`.
    fn protect(&self, addr: u64, len: u64, prot: Prot) -> Result<()>;
    /// CPU time the application has spent running in this address space.
    fn cpu_time(&self) -> std::time::Duration;
    fn as_any(&self) -> &dyn Any;
}

/// A sentry thread's way of running application code.
pub trait Context {
    /// Runs the application with register state `cpu` in `mm` until it makes
    /// a syscall, faults, gets a signal or is interrupted; `cpu` is updated to
    /// the state at that point.
    fn switch(&mut self, mm: &Arc<dyn AddressSpace>, cpu: &mut CpuState) -> Result<Exit>;
    /// A handle other threads use to kick this context out of `switch`.
    fn interrupter(&self) -> Arc<dyn Interrupter>;
    /// Forgets everything this context holds in `mm` (called before the
    /// address space is dropped or when the task leaves it for good).
    fn release(&mut self, mm: &Arc<dyn AddressSpace>);
    /// The application's FP/SSE/AVX state as of the last `switch`, as an
    /// XSAVE image (the layout Linux puts in signal frames, software
    /// reserved bytes included).
    fn fp_state(&mut self, mm: &Arc<dyn AddressSpace>) -> Result<Vec<u8>>;
}

/// Kicks a context out of [`Context::switch`]. If the context is not in
/// `switch` now, its next `switch` returns [`Exit::Interrupted`] at once.
pub trait Interrupter: Send + Sync {
    fn interrupt(&self);
}
