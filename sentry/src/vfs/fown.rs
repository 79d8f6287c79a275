//! The owner of an open file description for signal-driven I/O
//! (fcntl F_SETOWN, F_SETOWN_EX, F_SETSIG): who gets SIGIO, and which
//! signal it is.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Mutex;

/// `struct f_owner_ex` types.
pub const F_OWNER_TID: i32 = 0;
pub const F_OWNER_PID: i32 = 1;
pub const F_OWNER_PGRP: i32 = 2;

#[derive(Default)]
pub struct AsyncOwner {
    /// (F_OWNER_* type, id); id 0 means nobody.
    owner: Mutex<(i32, i32)>,
    /// F_SETSIG's signal; 0 means SIGIO without extra information.
    sig: AtomicI32,
}

impl AsyncOwner {
    pub fn owner(&self) -> (i32, i32) {
        *self.owner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_owner(&self, kind: i32, id: i32) {
        *self.owner.lock().unwrap_or_else(|e| e.into_inner()) = (kind, id);
    }

    pub fn sig(&self) -> i32 {
        self.sig.load(Ordering::Relaxed)
    }

    pub fn set_sig(&self, sig: i32) {
        self.sig.store(sig, Ordering::Relaxed);
    }
}
