//! futex(2): WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAKE_OP, WAIT_BITSET,
//! WAKE_BITSET, with FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME. PI
//! operations answer ENOSYS.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rustix::time::ClockId;
use syscalls::types::Timespec;
use syscalls::Errno;

use super::SysResult;
use crate::kernel::futex::{FutexKey, WaitResult};
use crate::kernel::Task;
use crate::mm::MemoryManager;

const FUTEX_WAIT: u32 = 0;
const FUTEX_WAKE: u32 = 1;
const FUTEX_REQUEUE: u32 = 3;
const FUTEX_CMP_REQUEUE: u32 = 4;
const FUTEX_WAKE_OP: u32 = 5;
const FUTEX_LOCK_PI: u32 = 6;
const FUTEX_UNLOCK_PI: u32 = 7;
const FUTEX_TRYLOCK_PI: u32 = 8;
const FUTEX_WAIT_BITSET: u32 = 9;
const FUTEX_WAKE_BITSET: u32 = 10;
const FUTEX_WAIT_REQUEUE_PI: u32 = 11;
const FUTEX_CMP_REQUEUE_PI: u32 = 12;
const FUTEX_LOCK_PI2: u32 = 13;
const FUTEX_PRIVATE_FLAG: u32 = 128;
const FUTEX_CLOCK_REALTIME: u32 = 256;
const FUTEX_BITSET_MATCH_ANY: u32 = u32::MAX;

fn key(t: &Task, addr: u64, private: bool) -> Result<FutexKey, Errno> {
    futex_key(t.mm(), addr, private)
}

/// The wait-queue key of the futex at `addr` (Linux's get_futex_key).
pub(crate) fn futex_key(
    mm: &Arc<MemoryManager>,
    addr: u64,
    private: bool,
) -> Result<FutexKey, Errno> {
    if !addr.is_multiple_of(4) {
        return Err(Errno::EINVAL);
    }
    // Like Linux: a "shared" futex on private memory is still keyed by
    // (address space, address); only shared mappings key by page.
    let private = private || !mm.is_shared_mapping(addr)?;
    Ok(if private {
        FutexKey::Private {
            mm: Arc::as_ptr(mm) as usize,
            addr,
        }
    } else {
        FutexKey::Shared {
            frame: mm.frame_of(addr)?,
        }
    })
}

fn read_u32(t: &Task, addr: u64) -> Result<u32, Errno> {
    t.mm().read_obj::<u32>(addr)
}

/// Converts a futex timeout to a deadline: relative for FUTEX_WAIT,
/// absolute on the chosen clock for FUTEX_WAIT_BITSET.
fn deadline(t: &Task, addr: u64, absolute: bool, realtime: bool) -> Result<Option<Instant>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    let ts: Timespec = t.mm().read_obj(addr)?;
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(Errno::EINVAL);
    }
    let d = Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
    let rel = if absolute {
        let now = rustix::time::clock_gettime(if realtime {
            ClockId::Realtime
        } else {
            ClockId::Monotonic
        });
        d.saturating_sub(Duration::new(now.tv_sec.max(0) as u64, now.tv_nsec as u32))
    } else {
        d
    };
    Ok(Some(Instant::now() + rel))
}

/// Decodes and applies FUTEX_WAKE_OP's operation to `old`; returns the new
/// value and whether the comparison with the old value holds.
fn wake_op_apply(encoded: u32, old: u32) -> Result<(u32, bool), Errno> {
    let op = (encoded >> 28) & 0x7;
    let shift = (encoded >> 28) & 0x8 != 0;
    let cmp = (encoded >> 24) & 0xf;
    let mut oparg = (encoded >> 12) & 0xfff;
    let cmparg = encoded & 0xfff;
    if shift {
        oparg = 1u32.checked_shl(oparg).unwrap_or(0);
    }
    let new = match op {
        0 => oparg,
        1 => old.wrapping_add(oparg),
        2 => old | oparg,
        3 => old & !oparg,
        4 => old ^ oparg,
        _ => return Err(Errno::ENOSYS),
    };
    let (o, c) = (old as i32, sign_extend_12(cmparg));
    let holds = match cmp {
        0 => o == c,
        1 => o != c,
        2 => o < c,
        3 => o <= c,
        4 => o > c,
        5 => o >= c,
        _ => return Err(Errno::ENOSYS),
    };
    Ok((new, holds))
}

fn sign_extend_12(v: u32) -> i32 {
    ((v << 20) as i32) >> 20
}

pub fn futex(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (uaddr, op, val, utime, uaddr2, val3) =
        (a[0], a[1] as u32, a[2] as u32, a[3], a[4], a[5] as u32);
    let private = op & FUTEX_PRIVATE_FLAG != 0;
    let realtime = op & FUTEX_CLOCK_REALTIME != 0;
    let cmd = op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    if realtime
        && !matches!(
            cmd,
            FUTEX_WAIT_BITSET | FUTEX_WAIT_REQUEUE_PI | FUTEX_LOCK_PI2
        )
    {
        return Err(Errno::ENOSYS);
    }
    let futexes = &t.kernel.futexes;
    match cmd {
        FUTEX_WAIT | FUTEX_WAIT_BITSET => {
            let bitset = if cmd == FUTEX_WAIT {
                FUTEX_BITSET_MATCH_ANY
            } else {
                val3
            };
            if bitset == 0 {
                return Err(Errno::EINVAL);
            }
            let k = key(t, uaddr, private)?;
            let dl = deadline(t, utime, cmd == FUTEX_WAIT_BITSET, realtime)?;
            let mut fault = None;
            let w = futexes.enqueue(k, bitset, &t.shared, || match read_u32(t, uaddr) {
                Ok(v) => v == val,
                Err(e) => {
                    fault = Some(e);
                    false
                }
            });
            if let Some(e) = fault {
                return Err(e);
            }
            let Some(w) = w else {
                return Err(Errno::EAGAIN);
            };
            match futexes.wait(k, &w, dl) {
                WaitResult::Woken => Ok(0),
                WaitResult::TimedOut => Err(Errno::ETIMEDOUT),
                // Linux restarts an untimed wait; a timed one returns EINTR.
                WaitResult::Interrupted if dl.is_none() => Err(Errno::ERESTARTSYS),
                WaitResult::Interrupted => Err(Errno::EINTR),
            }
        }
        FUTEX_WAKE | FUTEX_WAKE_BITSET => {
            let bitset = if cmd == FUTEX_WAKE {
                FUTEX_BITSET_MATCH_ANY
            } else {
                val3
            };
            if bitset == 0 {
                return Err(Errno::EINVAL);
            }
            let k = key(t, uaddr, private)?;
            Ok(futexes.wake(k, val as usize, bitset) as u64)
        }
        FUTEX_REQUEUE | FUTEX_CMP_REQUEUE => {
            let (n_wake, n_move) = (val as i32, utime as i32);
            if n_wake < 0 || n_move < 0 {
                return Err(Errno::EINVAL);
            }
            let k1 = key(t, uaddr, private)?;
            let k2 = key(t, uaddr2, private)?;
            let mut fault = None;
            let r = futexes.requeue(k1, k2, n_wake as usize, n_move as usize, || {
                if cmd == FUTEX_REQUEUE {
                    return true;
                }
                match read_u32(t, uaddr) {
                    Ok(v) => v == val3,
                    Err(e) => {
                        fault = Some(e);
                        false
                    }
                }
            });
            if let Some(e) = fault {
                return Err(e);
            }
            r.map(|n| n as u64).ok_or(Errno::EAGAIN)
        }
        FUTEX_WAKE_OP => {
            let k1 = key(t, uaddr, private)?;
            let k2 = key(t, uaddr2, private)?;
            let n2 = utime as i32;
            if n2 < 0 {
                return Err(Errno::EINVAL);
            }
            let mm = t.mm().clone();
            futexes
                .wake_op(k1, val as usize, k2, n2 as usize, || {
                    // Validate the encoded operation before touching memory.
                    wake_op_apply(val3, 0)?;
                    let old = mm.atomic_update_u32(uaddr2, |old| {
                        wake_op_apply(val3, old).map_or(old, |(new, _)| new)
                    })?;
                    Ok::<bool, Errno>(wake_op_apply(val3, old)?.1)
                })
                .map(|n| n as u64)
        }
        FUTEX_LOCK_PI
        | FUTEX_UNLOCK_PI
        | FUTEX_TRYLOCK_PI
        | FUTEX_WAIT_REQUEUE_PI
        | FUTEX_CMP_REQUEUE_PI
        | FUTEX_LOCK_PI2 => {
            Err(Errno::ENOSYS.with_msg("priority-inheritance futexes are not supported yet"))
        }
        _ => Err(Errno::ENOSYS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wake_op_decoding() {
        // FUTEX_OP(FUTEX_OP_SET, 0, FUTEX_OP_CMP_GT, 1): glibc's cond var op.
        let encoded = (4 << 24) | 1;
        assert_eq!(wake_op_apply(encoded, 5).unwrap(), (0, true));
        assert_eq!(wake_op_apply(encoded, 1).unwrap(), (0, false));
        // FUTEX_OP_ADD with shift: 1 << 3.
        let encoded = ((8 | 1) << 28) | (3 << 12);
        assert_eq!(wake_op_apply(encoded, 2).unwrap().0, 10);
        assert_eq!(sign_extend_12(0xfff), -1);
    }
}
