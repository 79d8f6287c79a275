//! signalfd: reading dequeues the reader's pending signals of a mask (its
//! own, then its process's) as `struct signalfd_siginfo` records.

use std::sync::{Arc, Mutex};

use syscalls::consts::*;
use syscalls::types::Siginfo;
use syscalls::Errno;

use crate::kernel::waiter::Waker;
use crate::kernel::{current_task, current_thread_group};
use crate::vfs::{File, FileOps, Owner};

const POLLIN: i16 = 0x001;
/// sizeof(struct signalfd_siginfo).
pub const RECORD: usize = 128;
const SI_TIMER: i32 = -2;
const SI_SIGIO: i32 = -5;
const SI_KERNEL: i32 = 0x80;

pub struct SignalFd {
    mask: Mutex<u64>,
}

/// A new signalfd for the signals in `mask`; `flags` may hold SFD_NONBLOCK.
pub fn new_signalfd(owner: Owner, mask: u64, flags: u32) -> Arc<File> {
    let ops = SignalFd {
        mask: Mutex::new(mask),
    };
    super::anon::new_file(
        "[signalfd]",
        Box::new(ops),
        owner,
        O_RDWR | (flags & O_NONBLOCK),
    )
}

/// The signalfd behind `file`, or EINVAL.
pub fn signalfd_of(file: &File) -> Result<&SignalFd, Errno> {
    file.ops
        .as_any()
        .and_then(|a| a.downcast_ref::<SignalFd>())
        .ok_or(Errno::EINVAL)
}

impl SignalFd {
    pub fn mask(&self) -> u64 {
        *self.mask.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_mask(&self, mask: u64) {
        *self.mask.lock().unwrap_or_else(|e| e.into_inner()) = mask;
    }

    /// Whether the reader has a pending signal of the mask.
    fn pending(&self) -> bool {
        let mask = self.mask();
        let mine = current_task().map_or(0, |t| t.sig().pending.set);
        let theirs = current_thread_group().map_or(0, |g| {
            g.pending.lock().unwrap_or_else(|e| e.into_inner()).set
        });
        (mine | theirs) & mask != 0
    }

    /// Dequeues one pending signal of the mask.
    fn take(&self) -> Option<Siginfo> {
        let blocked = !self.mask();
        let t = current_task()?;
        let mine = t.sig().pending.take(blocked);
        let g = current_thread_group()?;
        let info = mine.or_else(|| {
            g.pending
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take(blocked)
        })?;
        crate::kernel::timers::note_dequeued(&g, &info);
        Some(info)
    }
}

/// `struct signalfd_siginfo` for `info`, filled as Linux's
/// signalfd_copyinfo does for each siginfo layout.
pub fn record(info: &Siginfo) -> [u8; RECORD] {
    let mut r = [0u8; RECORD];
    let put32 = |r: &mut [u8; RECORD], off: usize, v: u32| {
        r[off..off + 4].copy_from_slice(&v.to_ne_bytes());
    };
    let put64 = |r: &mut [u8; RECORD], off: usize, v: u64| {
        r[off..off + 8].copy_from_slice(&v.to_ne_bytes());
    };
    let f = &info.fields;
    let (lo, hi) = (f[0] as u32, (f[0] >> 32) as u32);
    put32(&mut r, 0, info.si_signo as u32);
    put32(&mut r, 4, info.si_errno as u32);
    put32(&mut r, 8, info.si_code as u32);
    let code = info.si_code;
    let sig = info.si_signo;
    if code > 0 && code < SI_KERNEL {
        match sig {
            SIGCHLD => {
                put32(&mut r, 12, lo);
                put32(&mut r, 16, hi);
                put32(&mut r, 40, f[1] as u32);
                put64(&mut r, 56, f[2]);
                put64(&mut r, 64, f[3]);
            }
            SIGSEGV | SIGBUS | SIGILL | SIGFPE | SIGTRAP => put64(&mut r, 72, f[0]),
            SIGIO => {
                put32(&mut r, 28, f[0] as u32);
                put32(&mut r, 20, f[1] as u32);
            }
            _ => {
                put32(&mut r, 12, lo);
                put32(&mut r, 16, hi);
            }
        }
    } else if code == SI_TIMER {
        put32(&mut r, 24, lo);
        put32(&mut r, 32, hi);
        put64(&mut r, 48, f[1]);
        put32(&mut r, 44, f[1] as u32);
    } else if code == SI_SIGIO {
        put32(&mut r, 28, f[0] as u32);
        put32(&mut r, 20, f[1] as u32);
    } else {
        put32(&mut r, 12, lo);
        put32(&mut r, 16, hi);
        if code < 0 {
            put64(&mut r, 48, f[1]);
            put32(&mut r, 44, f[1] as u32);
        }
    }
    r
}

impl FileOps for SignalFd {
    fn read(&self, file: &File, buf: &mut [u8], _off: u64) -> Result<usize, Errno> {
        let n = buf.len() / RECORD;
        if n == 0 {
            return Err(Errno::EINVAL);
        }
        let first = match self.take() {
            Some(i) => i,
            None if file.flags() & O_NONBLOCK != 0 => return Err(Errno::EAGAIN),
            None => {
                let (Some(t), Some(g)) = (current_task(), current_thread_group()) else {
                    return Err(Errno::EAGAIN);
                };
                // The process's queue first; the task's queue is registered
                // by wait_on.
                let w: Arc<dyn Waker> = t.clone();
                g.sig_queue.add(&w, POLLIN as u32);
                let r = super::anon::wait_on(&t.sig_queue, || self.take());
                g.sig_queue.remove(&w);
                r?
            }
        };
        buf[..RECORD].copy_from_slice(&record(&first));
        let mut done = 1;
        while done < n {
            let Some(i) = self.take() else { break };
            buf[done * RECORD..(done + 1) * RECORD].copy_from_slice(&record(&i));
            done += 1;
        }
        Ok(done * RECORD)
    }

    fn write(&self, _file: &File, _buf: &[u8], _off: u64) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }

    fn seekable(&self) -> bool {
        false
    }

    fn may_block(&self) -> bool {
        true
    }

    /// Linux's noop_llseek: the position stays 0.
    fn seek(&self, _file: &File, _off: i64, _whence: u32) -> Option<Result<u64, Errno>> {
        Some(Ok(0))
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn poll(&self, _file: &File, events: i16) -> Option<i16> {
        Some(if self.pending() { POLLIN & events } else { 0 })
    }

    fn poll_register(&self, _file: &File, waker: &Arc<dyn Waker>, mask: u32) {
        if let Some(t) = current_task() {
            t.sig_queue.add(waker, mask);
        }
        if let Some(g) = current_thread_group() {
            g.sig_queue.add(waker, mask);
        }
    }

    fn fdinfo(&self, _file: &File) -> String {
        format!("sigmask:\t{:016x}\n", self.mask())
    }
}
