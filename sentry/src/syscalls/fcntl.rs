//! fcntl's record locks, signal owners, pipe sizes and seals; flock(2);
//! memfd_create(2); the ioctls every file answers (FIONREAD, FIOASYNC).

use std::sync::Arc;

use syscalls::consts::*;
use syscalls::types::Flock;
use syscalls::Errno;

use super::{fd_arg, SysResult};
use crate::fs::pipe::PipeEnd;
use crate::fs::tmpfs::{Tmpfs, TmpfsInode};
use crate::kernel::task_caps::CAP_SYS_RESOURCE;
use crate::kernel::Task;
use crate::vfs::fown::{F_OWNER_PGRP, F_OWNER_PID, F_OWNER_TID};
use crate::vfs::lock::{self, LockOwner, LockType, OFFSET_MAX};
use crate::vfs::{File, FileType, Inode, InodeRef};

/// Every seal F_ADD_SEALS knows.
const F_ALL_SEALS: u32 =
    F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE | F_SEAL_EXEC;
/// Longest memfd name, without the NUL (Linux's MFD_NAME_MAX_LEN).
const MFD_NAME_MAX_LEN: usize = 249;
/// Highest signal number (_NSIG).
const NSIG: i32 = 64;

/// The fcntl commands beyond the descriptor ones in `file::fcntl`.
pub(crate) fn fcntl_more(t: &mut Task, fd: i32, f: &Arc<File>, cmd: u32, arg: u64) -> SysResult {
    match cmd {
        F_GETLK | F_OFD_GETLK => get_lock(t, f, arg, cmd == F_OFD_GETLK),
        F_SETLK | F_SETLKW | F_OFD_SETLK | F_OFD_SETLKW => set_lock(t, f, cmd, arg),
        F_SETOWN => {
            let who = arg as i32;
            if who == i32::MIN {
                return Err(Errno::EINVAL);
            }
            let (kind, id) = if who < 0 {
                (F_OWNER_PGRP, -who)
            } else {
                (F_OWNER_PID, who)
            };
            if id != 0 && !pid_exists(t, id) {
                return Err(Errno::ESRCH);
            }
            f.async_owner
                .set_owner(&t.kernel, (t.creds.uid, t.creds.euid), fd, kind, id);
            Ok(0)
        }
        F_GETOWN => {
            let (kind, id) = f.async_owner.owner();
            Ok(if kind == F_OWNER_PGRP { -id } else { id } as i64 as u64)
        }
        F_SETOWN_EX => {
            let [kind, id]: [i32; 2] = t.mm().read_obj(arg)?;
            if !matches!(kind, F_OWNER_TID | F_OWNER_PID | F_OWNER_PGRP) {
                return Err(Errno::EINVAL);
            }
            if id != 0 && (id < 0 || !pid_exists(t, id)) {
                return Err(Errno::ESRCH);
            }
            f.async_owner
                .set_owner(&t.kernel, (t.creds.uid, t.creds.euid), fd, kind, id);
            Ok(0)
        }
        F_GETOWN_EX => {
            let (kind, id) = f.async_owner.owner();
            t.mm().write_obj(arg, &[kind, id])?;
            Ok(0)
        }
        F_SETSIG => {
            let sig = arg as i32;
            if !(0..=NSIG).contains(&sig) {
                return Err(Errno::EINVAL);
            }
            f.async_owner.set_sig(fd, sig);
            Ok(0)
        }
        F_GETSIG => Ok(f.async_owner.sig() as u64),
        F_SETPIPE_SZ | F_GETPIPE_SZ => {
            let pipe = pipe_of(f).ok_or(Errno::EBADF)?;
            if cmd == F_GETPIPE_SZ {
                return Ok(pipe.capacity() as u64);
            }
            let privileged = t.creds.has_cap(CAP_SYS_RESOURCE);
            Ok(pipe.set_capacity(arg as u32 as u64, privileged)? as u64)
        }
        F_ADD_SEALS => add_seals(t, f, arg as u32),
        F_GET_SEALS => Ok(sealable(&f.inode).ok_or(Errno::EINVAL)?.seals() as u64),
        // No leases are ever granted, so a file never has one.
        F_GETLEASE => Ok(F_UNLCK as u64),
        F_SETLEASE => Err(Errno::EINVAL.with_msg("file leases are not supported")),
        // Linux without CONFIG_DNOTIFY.
        F_NOTIFY => Err(Errno::EINVAL.with_msg("dnotify is not supported")),
        _ => Err(Errno::EINVAL),
    }
}

fn pipe_of(f: &File) -> Option<&PipeEnd> {
    f.ops.as_any().and_then(|a| a.downcast_ref::<PipeEnd>())
}

fn is_pipe(f: &File) -> bool {
    pipe_of(f).is_some()
}

/// Whether some task, process, process group or session has id `id`.
fn pid_exists(t: &Task, id: i32) -> bool {
    t.kernel.task(id).is_some()
        || t.kernel.group(id).is_some()
        || t.kernel.all_groups().iter().any(|g| {
            let (pgid, sid) = *g.pgid_sid.lock().unwrap_or_else(|e| e.into_inner());
            pgid == id || sid == id
        })
}

fn lock_type(l_type: i16) -> Result<Option<LockType>, Errno> {
    match l_type {
        F_RDLCK => Ok(Some(LockType::Read)),
        F_WRLCK => Ok(Some(LockType::Write)),
        F_UNLCK => Ok(None),
        _ => Err(Errno::EINVAL),
    }
}

/// The byte range `start..=end` a `struct flock` names (Linux's
/// flock_to_posix_lock).
fn lock_range(f: &File, l: &Flock) -> Result<(u64, u64), Errno> {
    let base: i64 = match l.l_whence as u32 {
        SEEK_SET => 0,
        SEEK_CUR => *f.pos.lock().unwrap_or_else(|e| e.into_inner()) as i64,
        SEEK_END => f.inode.attr()?.size as i64,
        _ => return Err(Errno::EINVAL),
    };
    let max = OFFSET_MAX as i64;
    if l.l_start > max - base {
        return Err(Errno::EOVERFLOW);
    }
    let mut start = base + l.l_start;
    if start < 0 {
        return Err(Errno::EINVAL);
    }
    let end;
    if l.l_len > 0 {
        if l.l_len - 1 > max - start {
            return Err(Errno::EOVERFLOW);
        }
        end = start + (l.l_len - 1);
    } else if l.l_len < 0 {
        if start + l.l_len < 0 {
            return Err(Errno::EINVAL);
        }
        end = start - 1;
        start += l.l_len;
    } else {
        end = max;
    }
    Ok((start as u64, end as u64))
}

fn owner_of(t: &Task, f: &File, ofd: bool) -> LockOwner {
    if ofd {
        LockOwner::Ofd(f as *const File as usize)
    } else {
        t.files.lock_owner()
    }
}

fn get_lock(t: &mut Task, f: &File, arg: u64, ofd: bool) -> SysResult {
    let mut l: Flock = t.mm().read_obj(arg)?;
    let ty = match lock_type(l.l_type)? {
        Some(ty) => ty,
        None => return Err(Errno::EINVAL),
    };
    if ofd && l.l_pid != 0 {
        return Err(Errno::EINVAL);
    }
    let (start, end) = lock_range(f, &l)?;
    match lock::test_record(f, owner_of(t, f, ofd), start, end, ty)? {
        None => l.l_type = F_UNLCK,
        Some(c) => {
            l.l_type = match c.ty {
                LockType::Read => F_RDLCK,
                LockType::Write => F_WRLCK,
            };
            l.l_whence = SEEK_SET as i16;
            l.l_start = c.start as i64;
            l.l_len = if c.end == OFFSET_MAX {
                0
            } else {
                (c.end - c.start + 1) as i64
            };
            l.l_pid = match c.owner {
                LockOwner::Ofd(_) => -1,
                LockOwner::Posix(_) => c.pid,
            };
        }
    }
    t.mm().write_obj(arg, &l)?;
    Ok(0)
}

fn set_lock(t: &mut Task, f: &File, cmd: u32, arg: u64) -> SysResult {
    let l: Flock = t.mm().read_obj(arg)?;
    let (start, end) = lock_range(f, &l)?;
    let ty = lock_type(l.l_type)?;
    match ty {
        Some(LockType::Read) if !f.readable() => return Err(Errno::EBADF),
        Some(LockType::Write) if !f.writable() => return Err(Errno::EBADF),
        _ => {}
    }
    let ofd = matches!(cmd, F_OFD_SETLK | F_OFD_SETLKW);
    if ofd && l.l_pid != 0 {
        return Err(Errno::EINVAL);
    }
    let wait = matches!(cmd, F_SETLKW | F_OFD_SETLKW);
    let owner = owner_of(t, f, ofd);
    lock::set_record(f, owner, t.tg.pid, start, end, ty, wait)?;
    Ok(0)
}

/// The tmpfs file behind `inode` if it can carry seals.
fn sealable(inode: &InodeRef) -> Option<&TmpfsInode> {
    if inode.file_type() != FileType::Regular {
        return None;
    }
    inode.as_any().downcast_ref::<TmpfsInode>()
}

fn add_seals(t: &Task, f: &Arc<File>, seals: u32) -> SysResult {
    let inode = sealable(&f.inode).ok_or(Errno::EINVAL)?;
    if !f.writable() {
        return Err(Errno::EPERM);
    }
    if seals & !F_ALL_SEALS != 0 {
        return Err(Errno::EINVAL);
    }
    if seals & F_SEAL_WRITE != 0 && inode.seals() & F_SEAL_WRITE == 0 {
        let mapped = t.kernel.all_groups().iter().any(|g| {
            g.mm.lock()
                .unwrap_or_else(|e| e.into_inner())
                .upgrade()
                .is_some_and(|mm| mm.maps_writable_shared(&f.inode))
        }) || t.mm().maps_writable_shared(&f.inode);
        if mapped {
            return Err(Errno::EBUSY);
        }
    }
    // Sealing an executable file's exec bits seals its contents too
    // (after the EBUSY check, as in Linux).
    let mut seals = seals;
    if seals & F_SEAL_EXEC != 0 && f.inode.attr()?.mode & 0o111 != 0 {
        seals |= F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE;
    }
    inode.add_seals(seals)?;
    Ok(0)
}

/// flock(2): LOCK_SH, LOCK_EX, LOCK_UN, with LOCK_NB.
pub fn flock(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let cmd = a[1] as u32;
    // LOCK_MAND locks never did anything; Linux accepts and ignores them.
    const LOCK_MAND: u32 = 32;
    if cmd & LOCK_MAND != 0 {
        return Ok(0);
    }
    let ty = match cmd & !LOCK_NB {
        LOCK_SH => Some(LockType::Read),
        LOCK_EX => Some(LockType::Write),
        LOCK_UN => None,
        _ => return Err(Errno::EINVAL),
    };
    let f = t.files.get(fd_arg(a[0]))?;
    if f.is_path_only() {
        return Err(Errno::EBADF);
    }
    lock::flock(&f, ty, cmd & LOCK_NB == 0)?;
    Ok(0)
}

/// memfd_create(2): an anonymous tmpfs file.
pub fn memfd_create(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let flags = a[1] as u32;
    let known = MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL | MFD_EXEC;
    if flags & MFD_HUGETLB != 0 {
        return Err(Errno::EINVAL.with_msg("MFD_HUGETLB is not supported"));
    }
    if flags & !known != 0 || flags & (MFD_EXEC | MFD_NOEXEC_SEAL) == MFD_EXEC | MFD_NOEXEC_SEAL {
        return Err(Errno::EINVAL);
    }
    // The name only shows in /proc/PID/fd; its length is checked as Linux does.
    t.mm().read_cstr(a[0], MFD_NAME_MAX_LEN).map_err(|e| {
        if e == Errno::ENAMETOOLONG {
            Errno::EINVAL
        } else {
            e
        }
    })?;
    let noexec = flags & MFD_NOEXEC_SEAL != 0;
    let sealing = flags & MFD_ALLOW_SEALING != 0 || noexec;
    let owner = super::file::owner(t);
    let inode = Tmpfs::memfd(&t.kernel.mf, owner, sealing);
    if noexec {
        inode.set_attr(&crate::vfs::SetAttr {
            mode: Some(0o666),
            ..Default::default()
        })?;
        inode.add_seals(F_SEAL_EXEC)?;
    }
    let inode: InodeRef = inode;
    let ops = inode.clone().open(O_RDWR)?;
    let file = File::new(ops, inode, None, O_RDWR | O_LARGEFILE);
    let fd = t.files.alloc(
        file,
        flags & MFD_CLOEXEC != 0,
        0,
        super::file::nofile_limit(t),
    )?;
    Ok(fd as u64)
}

/// FIONREAD and FIOASYNC for files whose own ioctl does not answer them.
pub(crate) fn ioctl_more(t: &mut Task, f: &Arc<File>, cmd: u32, arg: u64) -> SysResult {
    match cmd {
        // Only files that can signal readiness take O_ASYNC this way (Linux:
        // ENOTTY without an f_op->fasync); here that is pipes.
        FIOASYNC if is_pipe(f) => {
            let on: i32 = t.mm().read_obj(arg)?;
            let fl = f.flags();
            f.set_status_flags(if on != 0 { fl | O_ASYNC } else { fl & !O_ASYNC });
            Ok(0)
        }
        FIONREAD => {
            // Files that count their own bytes (inotify) answer first.
            match f.ops.ioctl(f, t, cmd, arg) {
                Err(e) if e == Errno::ENOTTY => {}
                r => return r,
            }
            let n = match pipe_of(f) {
                Some(p) => p.queued() as i64,
                None if f.inode.file_type() == FileType::Regular => {
                    let size = f.inode.attr()?.size as i64;
                    let pos = *f.pos.lock().unwrap_or_else(|e| e.into_inner()) as i64;
                    size.wrapping_sub(pos)
                }
                None => return Err(Errno::ENOTTY),
            };
            // An int, as Linux's put_user stores it.
            t.mm().write_obj(arg, &(n as i32))?;
            Ok(0)
        }
        _ => f.ops.ioctl(f, t, cmd, arg),
    }
}
