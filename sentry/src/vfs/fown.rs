//! The owner of an open file description for signal-driven I/O
//! (fcntl F_SETOWN, F_SETOWN_EX, F_SETSIG; O_ASYNC): who gets SIGIO when
//! the file becomes ready, and which signal it is.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Mutex, Weak};

use syscalls::consts::SIGIO;
use syscalls::types::{Siginfo, SI_KERNEL};

use crate::kernel::Kernel;

/// `struct f_owner_ex` types.
pub const F_OWNER_TID: i32 = 0;
pub const F_OWNER_PID: i32 = 1;
pub const F_OWNER_PGRP: i32 = 2;

/// `si_code`s of SIGIO with F_SETSIG.
pub const POLL_IN: i32 = 1;
pub const POLL_OUT: i32 = 2;

#[derive(Default)]
pub struct AsyncOwner {
    /// (F_OWNER_* type, id); id 0 means nobody.
    owner: Mutex<(i32, i32)>,
    /// (uid, euid) of whoever set the owner: the signal goes only to
    /// processes they could signal (Linux's sigio_perm).
    setter: Mutex<(u32, u32)>,
    /// Where to look the owner up when a signal is due.
    kernel: Mutex<Weak<Kernel>>,
    /// F_SETSIG's signal; 0 means SIGIO without extra information.
    sig: AtomicI32,
    /// The fd the owner was set through (si_fd).
    fd: AtomicI32,
}

impl AsyncOwner {
    pub fn owner(&self) -> (i32, i32) {
        *self.owner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_owner(
        &self,
        kernel: &std::sync::Arc<Kernel>,
        setter: (u32, u32),
        fd: i32,
        kind: i32,
        id: i32,
    ) {
        *self.owner.lock().unwrap_or_else(|e| e.into_inner()) = (kind, id);
        *self.setter.lock().unwrap_or_else(|e| e.into_inner()) = setter;
        *self.kernel.lock().unwrap_or_else(|e| e.into_inner()) = std::sync::Arc::downgrade(kernel);
        self.fd.store(fd, Ordering::Relaxed);
    }

    pub fn sig(&self) -> i32 {
        self.sig.load(Ordering::Relaxed)
    }

    pub fn set_sig(&self, fd: i32, sig: i32) {
        self.sig.store(sig, Ordering::Relaxed);
        self.fd.store(fd, Ordering::Relaxed);
    }

    /// The file became ready (`reason` POLL_IN or POLL_OUT): signals the
    /// owner, as Linux's kill_fasync does for an O_ASYNC file.
    pub fn notify(&self, reason: i32) {
        let (kind, id) = self.owner();
        if id == 0 {
            return;
        }
        let Some(k) = self
            .kernel
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .upgrade()
        else {
            return;
        };
        let sig = self.sig();
        let mut info = Siginfo::default();
        if sig == 0 {
            info.si_signo = SIGIO;
            info.si_code = SI_KERNEL;
        } else {
            // si_band (POLLIN|POLLRDNORM|POLLMSG or POLLOUT|POLLWRNORM|POLLWRBAND), si_fd.
            let band: u64 = if reason == POLL_IN { 0x441 } else { 0x304 };
            info.si_signo = sig;
            info.si_code = reason;
            info.fields[0] = band;
            info.fields[1] = self.fd.load(Ordering::Relaxed) as u32 as u64;
        }
        let (uid, euid) = *self.setter.lock().unwrap_or_else(|e| e.into_inner());
        // Root's files signal anyone; others only processes whose real or
        // saved uid is the setter's real or effective uid.
        let may = |target: Option<[u32; 3]>| {
            target.is_some_and(|[r, _, saved]| {
                euid == 0 || euid == saved || euid == r || uid == saved || uid == r
            })
        };
        match kind {
            F_OWNER_TID => {
                if let Some(t) = k.task(id) {
                    let uids = *t.uids.lock().unwrap_or_else(|e| e.into_inner());
                    if may(Some(uids)) {
                        t.send_signal(info);
                    }
                }
            }
            F_OWNER_PID => {
                if let Some(g) = k.group(id) {
                    if may(g.uids()) {
                        g.send_signal(info, true);
                    }
                }
            }
            _ => {
                for g in k.all_groups() {
                    if g.pgid() == id && may(g.uids()) {
                        g.send_signal(info, true);
                    }
                }
            }
        }
    }
}
