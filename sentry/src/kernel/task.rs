//! Tasks (application threads) and thread groups, and the task loop:
//! switch to the application → handle its syscall or fault → repeat.

use std::sync::{Arc, Mutex, MutexGuard};

use platform::{Context, CpuState, Exit};
use syscalls::consts::*;
use syscalls::types::{KernelSigaction, Rlimit};
use syscalls::Errno;

use super::{Kernel, RLIM_NLIMITS};
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

/// What the threads of a process share.
pub struct ThreadGroup {
    pub pid: i32,
    pub ppid: i32,
    pub limits: Mutex<[Rlimit; RLIM_NLIMITS]>,
    pub sigactions: Mutex<[KernelSigaction; 64]>,
    /// `comm`: the name prctl(PR_GET_NAME) and /proc/PID/comm show.
    pub comm: Mutex<[u8; 16]>,
    /// (process group id, session id).
    pub pgid_sid: Mutex<(i32, i32)>,
    /// Nice value (-20..=19).
    pub nice: Mutex<i32>,
}

impl ThreadGroup {
    pub fn new(pid: i32, ppid: i32, limits: [Rlimit; RLIM_NLIMITS]) -> Arc<ThreadGroup> {
        Arc::new(ThreadGroup {
            pid,
            ppid,
            limits: Mutex::new(limits),
            sigactions: Mutex::new([KernelSigaction::default(); 64]),
            comm: Mutex::new([0; 16]),
            pgid_sid: Mutex::new((pid, pid)),
            nice: Mutex::new(0),
        })
    }

    pub fn limit(&self, resource: usize) -> Rlimit {
        self.limits.lock().unwrap_or_else(|e| e.into_inner())[resource]
    }

    pub fn set_comm(&self, name: &[u8]) {
        let mut c = [0u8; 16];
        let n = name.len().min(15);
        c[..n].copy_from_slice(&name[..n]);
        *self.comm.lock().unwrap_or_else(|e| e.into_inner()) = c;
    }
}

pub struct Task {
    pub kernel: Arc<Kernel>,
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
    pub sigmask: u64,
    /// Signals sent while blocked, acted on when unblocked.
    pub pending_signals: u64,
    /// Set by exit/exit_group or a fatal signal; the loop ends after the
    /// current syscall.
    pub exiting: Option<ExitStatus>,
}

impl Task {
    /// The first task of a sandbox. Its memory is set up by `exec`.
    pub fn new_init(
        kernel: Arc<Kernel>,
        fs: Arc<FsContext>,
        files: Arc<FdTable>,
        creds: Creds,
    ) -> Result<Task, Errno> {
        let ctx = kernel.platform.new_context().map_err(|e| {
            tracing::error!("new platform context: {e}");
            Errno::ENOMEM
        })?;
        let mm = crate::loader::new_mm(&kernel)?;
        let tid = kernel.alloc_tid();
        let tg = ThreadGroup::new(tid, 0, kernel.initial_limits);
        Ok(Task {
            kernel,
            tid,
            tg,
            mm,
            fs,
            files,
            creds,
            cpu: CpuState::default(),
            ctx,
            clear_child_tid: 0,
            robust_list: (0, 0),
            sigmask: 0,
            pending_signals: 0,
            exiting: None,
        })
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

    pub fn lock_sigactions(&self) -> MutexGuard<'_, [KernelSigaction; 64]> {
        self.tg.sigactions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs the task until its thread group exits.
    pub fn run(mut self) -> ExitStatus {
        loop {
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
                    self.exiting = Some(ExitStatus::Signal {
                        signo: SIGKILL,
                        core: false,
                    });
                }
            }
            if let Some(status) = self.exiting {
                self.ctx.release(self.mm.address_space());
                return status;
            }
        }
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
        // execve replaced the registers: its result is the new program's rax (0).
        self.cpu.regs.rax = match r {
            Ok(v) => v,
            Err(e) => e.as_syscall_ret(),
        };
    }

    /// A synchronous signal with no handler support yet: the default action,
    /// which for the fault signals is to terminate with a core dump.
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
        let core = matches!(
            signo,
            SIGSEGV | SIGBUS | SIGFPE | SIGILL | SIGTRAP | SIGABRT | SIGSYS | SIGQUIT
        );
        self.exiting = Some(ExitStatus::Signal { signo, core });
    }
}
