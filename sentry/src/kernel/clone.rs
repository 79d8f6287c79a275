//! clone(2), clone3(2), fork(2), vfork(2): new tasks and processes.

use std::sync::Arc;

use syscalls::consts::*;
use syscalls::Errno;

use super::task::{TaskSeed, TaskShared, VforkDone};
use super::{Task, ThreadGroup};

/// The namespace flags of clone and unshare.
pub const NAMESPACES: u64 = CLONE_NEWNS
    | CLONE_NEWCGROUP
    | CLONE_NEWUTS
    | CLONE_NEWIPC
    | CLONE_NEWUSER
    | CLONE_NEWPID
    | CLONE_NEWNET
    | CLONE_NEWTIME;

/// The arguments of clone3 (clone's are mapped onto them).
#[derive(Clone, Copy, Debug, Default)]
pub struct CloneArgs {
    pub flags: u64,
    pub pidfd: u64,
    pub child_tid: u64,
    pub parent_tid: u64,
    pub exit_signal: u64,
    /// Lowest address of the new stack (clone3) or its top (clone, with
    /// stack_size 0).
    pub stack: u64,
    pub stack_size: u64,
    pub tls: u64,
}

impl Task {
    /// Creates a new task as clone(2) does; returns its tid.
    pub fn clone_task(&mut self, a: &CloneArgs) -> Result<i32, Errno> {
        let f = a.flags;
        if f & CLONE_SIGHAND != 0 && f & CLONE_VM == 0 {
            return Err(Errno::EINVAL);
        }
        if f & CLONE_THREAD != 0 && f & CLONE_SIGHAND == 0 {
            return Err(Errno::EINVAL);
        }
        if f & CLONE_FS != 0 && f & (CLONE_NEWNS | CLONE_NEWUSER) != 0 {
            return Err(Errno::EINVAL);
        }
        if f & CLONE_THREAD != 0 && f & (CLONE_NEWUSER | CLONE_NEWPID) != 0 {
            return Err(Errno::EINVAL);
        }
        if f & CLONE_SIGHAND != 0 && f & CLONE_CLEAR_SIGHAND != 0 {
            return Err(Errno::EINVAL);
        }
        if f & (CLONE_PARENT | CLONE_THREAD) != 0 && self.tg.pid == 1 && f & CLONE_THREAD == 0 {
            // A pid namespace's init has no parent to share.
            return Err(Errno::EINVAL);
        }
        if a.exit_signal > 64 {
            return Err(Errno::EINVAL);
        }
        if f & NAMESPACES & !CLONE_NEWNS != 0 {
            return Err(
                Errno::EPERM.with_msg("new namespaces inside the sandbox are not supported")
            );
        }
        if f & CLONE_NEWNS != 0 && !self.creds.has_cap(crate::syscalls::mount::CAP_SYS_ADMIN) {
            return Err(Errno::EPERM);
        }
        if f & CLONE_INTO_CGROUP != 0 {
            return Err(Errno::EINVAL.with_msg("CLONE_INTO_CGROUP is not supported"));
        }
        if f & CLONE_PIDFD != 0 && f & (CLONE_THREAD | CLONE_DETACHED) != 0 {
            return Err(Errno::EINVAL);
        }

        let kernel = self.kernel.clone();
        let tid = kernel.alloc_tid();
        let mm = if f & CLONE_VM != 0 {
            self.mm().clone()
        } else {
            let space = kernel.platform.new_address_space().map_err(|e| {
                tracing::error!("new address space: {e}");
                Errno::ENOMEM
            })?;
            Arc::new(self.mm().fork(space)?)
        };
        let files = if f & CLONE_FILES != 0 {
            self.files.clone()
        } else {
            self.files.fork()
        };
        let fs = if f & CLONE_FS != 0 {
            self.fs.clone()
        } else {
            self.fs.fork()
        };
        let tg = if f & CLONE_THREAD != 0 {
            self.tg.clone()
        } else {
            let sighand = if f & CLONE_SIGHAND != 0 {
                self.tg.sighand.clone()
            } else {
                let h = self.tg.sighand.copy();
                if f & CLONE_CLEAR_SIGHAND != 0 {
                    h.reset_for_exec();
                }
                Arc::new(h)
            };
            let parent = if f & CLONE_PARENT != 0 {
                self.tg
                    .parent
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone()
            } else {
                Some(self.tg.clone())
            };
            let g = ThreadGroup::new(
                tid,
                parent.clone(),
                sighand,
                a.exit_signal as i32,
                Some(&self.tg),
                kernel.initial_limits,
            );
            if let Some(p) = &parent {
                p.children
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(g.clone());
            }
            kernel.register_group(g.clone());
            g
        };

        let mut cpu = self.cpu.clone();
        cpu.regs.rax = 0;
        if a.stack != 0 {
            cpu.regs.rsp = a.stack + a.stack_size;
        }
        if f & CLONE_SETTLS != 0 {
            if a.tls >= platform::TASK_SIZE {
                return Err(Errno::EPERM);
            }
            cpu.regs.fs_base = a.tls;
        }
        // The child starts with the FP state a new program has; the
        // parent's is not copied yet.
        cpu.fp_reset = true;

        if f & CLONE_PARENT_SETTID != 0 {
            self.mm().write_obj(a.parent_tid, &tid)?;
        }
        if f & CLONE_CHILD_SETTID != 0 {
            mm.write_obj(a.child_tid, &tid)?;
        }
        if f & CLONE_PIDFD != 0 {
            // The pidfd goes to args.pidfd (clone3) or, for clone(2), to parent_tid.
            let file = crate::fs::pidfd::new_pidfd(
                &tg,
                crate::vfs::Owner {
                    uid: self.creds.fsuid,
                    gid: self.creds.fsgid,
                },
                0,
            );
            let limit = self.limit(syscalls::consts::RLIMIT_NOFILE).cur as usize;
            let fd = self.files.alloc(file, true, 0, limit)?;
            let at = if a.pidfd != 0 { a.pidfd } else { a.parent_tid };
            self.mm().write_obj(at, &fd)?;
        }
        let vfork_done =
            (f & CLONE_VFORK != 0).then(|| Arc::new(VforkDone::new(self.shared.clone())));
        let shared = TaskShared::new(tid, self.sigmask());
        shared.set_comm(&self.shared.comm());
        shared.oom_score_adj.store(
            self.shared
                .oom_score_adj
                .load(std::sync::atomic::Ordering::Relaxed),
            std::sync::atomic::Ordering::Relaxed,
        );
        shared.nice.store(
            self.shared.nice.load(std::sync::atomic::Ordering::Relaxed),
            std::sync::atomic::Ordering::Relaxed,
        );
        // Counted in its group before it runs, so the group cannot look
        // empty (and exit) while the new thread starts.
        tg.threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(shared.clone());
        let (mnt_ns, fs) = if f & CLONE_NEWNS != 0 {
            crate::syscalls::mount::copy_mount_ns(&self.mnt_ns, &fs)
        } else {
            (self.mnt_ns.clone(), fs)
        };
        let seed = TaskSeed {
            mnt_ns,
            kernel: kernel.clone(),
            shared,
            tg,
            mm,
            fs,
            files,
            creds: self.creds.clone(),
            cpu,
            clear_child_tid: if f & CLONE_CHILD_CLEARTID != 0 {
                a.child_tid
            } else {
                0
            },
            vfork_done: vfork_done.clone(),
        };
        seed.start()?;
        if let Some(v) = vfork_done {
            // The parent sleeps until the child execs or exits; only its own
            // process's exit can cut that short.
            while !v.is_done() {
                let _ = self
                    .shared
                    .blocker
                    .wait_until(None, || v.is_done().then_some(()));
                if self.tg.exiting().is_some() {
                    break;
                }
                self.shared.blocker.clear_interrupt();
            }
        }
        Ok(tid)
    }
}
