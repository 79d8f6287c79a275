//! Opening files and moving data: open, read, write, lseek, dup, fcntl, ...

use std::sync::Arc;

use syscalls::consts::*;
use syscalls::types::Iovec;
use syscalls::Errno;

use super::{fd_arg, read_path, SysResult};
use crate::fs::{pipe, PathFile};
use crate::kernel::{Creds, Task};
use crate::vfs::{perm, File, FileType, Lookup, Owner, Path, SetAttr, MAX_SYMLINKS};

/// Largest single read or write (Linux's MAX_RW_COUNT).
const MAX_RW: u64 = 0x7fff_f000;
/// Bounce buffer size for files that may block.
const BOUNCE: usize = 1 << 20;
/// Most iovecs a readv/writev takes (UIO_MAXIOV).
const UIO_MAXIOV: u64 = 1024;

pub(crate) fn nofile_limit(t: &Task) -> usize {
    t.limit(RLIMIT_NOFILE).cur.min(crate::vfs::MAX_FDS as u64) as usize
}

pub(crate) fn owner(t: &Task) -> Owner {
    Owner {
        uid: t.creds.fsuid,
        gid: t.creds.fsgid,
    }
}

/// Opens `path` (relative to `dirfd`) with open(2) semantics.
pub(crate) fn open_path(
    t: &Task,
    dirfd: i32,
    path: &[u8],
    flags: u32,
    mode: u32,
) -> Result<Arc<File>, Errno> {
    if flags & __O_TMPFILE != 0 {
        return super::fsops::open_tmpfile(t, dirfd, path, flags, mode);
    }
    let lk = t.lookup_at(dirfd, path)?;
    open_in(t, &lk, path, flags, mode, 0)
}

/// Opens `path` as `lk` resolves it (open(2) with O_CREAT following a
/// symlink in the last component recurses with `depth` + 1).
pub(crate) fn open_in(
    t: &Task,
    lk: &Lookup<'_>,
    path: &[u8],
    flags: u32,
    mode: u32,
    depth: u32,
) -> Result<Arc<File>, Errno> {
    let p = if flags & O_CREAT != 0 && flags & O_PATH == 0 {
        let parent = lk.resolve_parent(path)?;
        let name = parent.name.as_slice();
        if name == b"/" || name == b"." || name == b".." || parent.trailing_slash {
            return Err(Errno::EISDIR);
        }
        match parent.dir.dentry.lookup(name) {
            Ok(child) => {
                if flags & O_EXCL != 0 {
                    return Err(Errno::EEXIST);
                }
                if child.inode.file_type() == FileType::Symlink && flags & O_NOFOLLOW == 0 {
                    // O_CREAT follows the link, creating its target if needed.
                    let mut links = depth;
                    lk.follow_link(&mut links)?;
                    if depth >= MAX_SYMLINKS {
                        return Err(Errno::ELOOP);
                    }
                    let at = Path {
                        mount: parent.dir.mount.clone(),
                        dentry: child.clone(),
                    };
                    if let Some(to) = child.inode.magic_link(&at) {
                        if flags & O_EXCL != 0 {
                            return Err(Errno::EEXIST);
                        }
                        return open_resolved(Some(lk.creds), to?, flags);
                    }
                    let target = child.inode.readlink()?;
                    let sub = Lookup {
                        ns: lk.ns,
                        root: lk.root.clone(),
                        start: parent.dir.clone(),
                        creds: lk.creds,
                        resolve: lk.resolve,
                    };
                    return open_in(t, &sub, &target, flags, mode, depth + 1);
                }
                lk.resolve(path, flags & O_NOFOLLOW == 0)?
            }
            Err(e) if e == Errno::ENOENT => {
                if parent.dir.mount.read_only() {
                    return Err(Errno::EROFS);
                }
                let dir = &parent.dir.dentry.inode;
                let dir_attr = dir.attr()?;
                perm::check(&t.creds, &dir_attr, perm::MAY_WRITE | perm::MAY_EXEC)?;
                let perm = mode & 0o7777 & !t.fs.umask();
                let (owner, perm) = perm::new_owner(&t.creds, &dir_attr, perm, false);
                let inode = match dir.create(name, perm, owner) {
                    // Another task made the name since the lookup: without
                    // O_EXCL, open what is there now (depth bounds retries).
                    Err(e) if e == Errno::EEXIST && flags & O_EXCL == 0 => {
                        if depth >= MAX_SYMLINKS {
                            return Err(Errno::ELOOP);
                        }
                        return open_in(t, lk, path, flags, mode, depth + 1);
                    }
                    r => r?,
                };
                crate::fs::inotify::on_create(dir, name, &inode);
                let dentry = parent.dir.dentry.insert(name, inode);
                // A file this open created is opened whatever its mode says.
                return open_resolved(
                    None,
                    Path {
                        mount: parent.dir.mount.clone(),
                        dentry,
                    },
                    flags & !O_TRUNC,
                );
            }
            Err(e) => return Err(e),
        }
    } else {
        lk.resolve(path, flags & O_NOFOLLOW == 0)?
    };
    let file = open_resolved(Some(lk.creds), p, flags)?;
    crate::fs::tty::after_open(t, file, flags)
}

/// Opens a resolved path, checking that `creds` (if given) may open it as
/// `flags` ask.
pub(crate) fn open_resolved(
    creds: Option<&Creds>,
    p: Path,
    flags: u32,
) -> Result<Arc<File>, Errno> {
    let inode = p.dentry.inode.clone();
    let ty = inode.file_type();
    if flags & O_PATH != 0 {
        if flags & O_DIRECTORY != 0 && ty != FileType::Directory {
            return Err(Errno::ENOTDIR);
        }
        let keep = O_PATH | O_DIRECTORY | O_NOFOLLOW;
        return Ok(File::new(
            Box::new(PathFile),
            inode,
            Some(p),
            (flags & keep) | O_LARGEFILE,
        ));
    }
    if ty == FileType::Symlink {
        return Err(Errno::ELOOP);
    }
    if flags & O_DIRECTORY != 0 && ty != FileType::Directory {
        return Err(Errno::ENOTDIR);
    }
    let writes = flags & O_ACCMODE != O_RDONLY;
    if ty == FileType::Directory && (writes || flags & O_CREAT != 0) {
        return Err(Errno::EISDIR);
    }
    if let Some(c) = creds {
        if flags & O_TRUNC != 0 && ty == FileType::Regular && p.mount.read_only() {
            return Err(Errno::EROFS);
        }
        perm::may_open(c, &*inode, flags)?;
        if flags & O_TRUNC != 0 {
            perm::remove_privs(c, &inode)?;
        }
    }
    if (writes || flags & O_TRUNC != 0)
        && p.mount.read_only()
        && matches!(ty, FileType::Regular | FileType::Directory)
    {
        return Err(Errno::EROFS);
    }
    if matches!(ty, FileType::CharDevice | FileType::BlockDevice) && p.mount.nodev() {
        return Err(Errno::EACCES.with_msg("device node on a nodev mount"));
    }
    let ops = inode.clone().open(flags)?;
    let file = File::new(ops, inode, Some(p), flags | O_LARGEFILE);
    crate::fs::inotify::on_open(&file, flags & O_TRUNC != 0);
    Ok(file)
}

fn do_open(t: &mut Task, dirfd: i32, path_addr: u64, flags: u32, mode: u32) -> SysResult {
    let path = read_path(t, path_addr)?;
    let file = open_path(t, dirfd, &path, flags, mode)?;
    let fd = t
        .files
        .alloc(file, flags & O_CLOEXEC != 0, 0, nofile_limit(t))?;
    Ok(fd as u64)
}

pub fn open(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_open(t, AT_FDCWD, a[0], a[1] as u32, a[2] as u32)
}

pub fn openat(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_open(t, fd_arg(a[0]), a[1], a[2] as u32, a[3] as u32)
}

pub fn creat(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_open(t, AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, a[1] as u32)
}

pub fn close(t: &mut Task, a: &[u64; 6]) -> SysResult {
    t.files.close(fd_arg(a[0]))?;
    Ok(0)
}

/// Reads from `f` into application memory at `buf`; `pos` is an explicit
/// offset (pread) or None for the file position.
fn read_file(t: &Task, f: &File, buf: u64, len: u64, pos: Option<u64>) -> SysResult {
    if !f.readable() {
        return Err(Errno::EBADF);
    }
    if let Some(s) = crate::net::socket_of(f) {
        return super::socket::socket_rw(t, f, s, buf, len, false);
    }
    if f.inode.file_type() == FileType::Directory {
        return Err(Errno::EISDIR);
    }
    let len = len.min(MAX_RW) as usize;
    if len == 0 {
        return Ok(0);
    }
    let seekable = f.ops.seekable();
    let mut guard = match pos {
        None if seekable => Some(f.pos.lock().unwrap_or_else(|e| e.into_inner())),
        _ => None,
    };
    let off = pos.or(guard.as_deref().copied()).unwrap_or(0);
    let vectored = if f.ops.vectored() && !f.ops.may_block() {
        t.mm()
            .with_user_iov_mut(buf, len, |bufs| f.read_vectored_at(bufs, off))?
    } else {
        None
    };
    let n = if let Some(n) = vectored {
        n
    } else if f.ops.may_block() {
        let mut tmp = vec![0u8; len.min(BOUNCE)];
        let n = f.read_at(&mut tmp, off)?;
        t.mm().copy_out(buf, &tmp[..n])?;
        n
    } else {
        let mut cur = off;
        t.mm().with_user_mut(buf, len, |slice| {
            let n = f.read_at(slice, cur)?;
            cur += n as u64;
            Ok(n)
        })?
    };
    if let Some(g) = guard.as_deref_mut() {
        *g = off + n as u64;
    }
    t.shared.account_io(false, n as u64);
    Ok(n as u64)
}

/// Writes application memory at `buf` to `f`.
fn write_file(t: &Task, f: &File, buf: u64, len: u64, pos: Option<u64>) -> SysResult {
    if !f.writable() {
        return Err(Errno::EBADF);
    }
    if let Some(s) = crate::net::socket_of(f) {
        return super::socket::socket_rw(t, f, s, buf, len, true);
    }
    let len = len.min(MAX_RW) as usize;
    if len == 0 {
        return Ok(0);
    }
    perm::remove_privs(&t.creds, &f.inode)?;
    let seekable = f.ops.seekable();
    let mut guard = match pos {
        None if seekable => Some(f.pos.lock().unwrap_or_else(|e| e.into_inner())),
        _ => None,
    };
    let off = if guard.is_some() && f.flags() & O_APPEND != 0 {
        f.inode.attr()?.size
    } else {
        pos.or(guard.as_deref().copied()).unwrap_or(0)
    };
    let n = if f.ops.may_block() {
        let mut tmp = vec![0u8; len.min(BOUNCE)];
        t.mm().copy_in(buf, &mut tmp)?;
        f.write_at(&tmp, off)?
    } else if f.ops.vectored() {
        t.mm()
            .with_user_iov(buf, len, |bufs| f.write_vectored_at(bufs, off))?
    } else {
        let mut cur = off;
        t.mm().with_user(buf, len, |slice| {
            let mut done = 0;
            while done < slice.len() {
                let n = match f.write_at(&slice[done..], cur) {
                    Ok(n) => n,
                    // A short write (ENOSPC after some bytes) reports what went in.
                    Err(_) if done > 0 => break,
                    Err(e) => return Err(e),
                };
                if n == 0 {
                    break;
                }
                done += n;
                cur += n as u64;
            }
            Ok(done)
        })?
    };
    if let Some(g) = guard.as_deref_mut() {
        *g = off + n as u64;
    }
    t.shared.account_io(true, n as u64);
    Ok(n as u64)
}

pub fn read(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let f = t.files.get(fd_arg(a[0]))?;
    read_file(t, &f, a[1], a[2], None)
}

pub fn write(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let f = t.files.get(fd_arg(a[0]))?;
    write_file(t, &f, a[1], a[2], None)
}

fn explicit_pos(f: &File, off: u64) -> Result<u64, Errno> {
    if !f.ops.seekable() {
        return Err(Errno::ESPIPE);
    }
    if (off as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    Ok(off)
}

pub fn pread64(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let f = t.files.get(fd_arg(a[0]))?;
    if !f.readable() {
        return Err(Errno::EBADF);
    }
    let off = explicit_pos(&f, a[3])?;
    read_file(t, &f, a[1], a[2], Some(off))
}

pub fn pwrite64(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let f = t.files.get(fd_arg(a[0]))?;
    if !f.writable() {
        return Err(Errno::EBADF);
    }
    let off = explicit_pos(&f, a[3])?;
    write_file(t, &f, a[1], a[2], Some(off))
}

/// Reads `cnt` iovecs at `addr`: EINVAL if their lengths overflow,
/// `too_many` if there are more than UIO_MAXIOV (readv/writev say EINVAL,
/// sendmsg/recvmsg EMSGSIZE).
pub(super) fn read_iovecs_or(
    t: &Task,
    addr: u64,
    cnt: u64,
    too_many: Errno,
) -> Result<Vec<Iovec>, Errno> {
    if cnt > UIO_MAXIOV {
        return Err(too_many);
    }
    let mut v = Vec::with_capacity(cnt as usize);
    let mut total: u64 = 0;
    for i in 0..cnt {
        let iov: Iovec = t.mm().read_obj(addr + i * 16)?;
        if (iov.len as i64) < 0 {
            return Err(Errno::EINVAL);
        }
        total = total.checked_add(iov.len).ok_or(Errno::EINVAL)?;
        if total as i64 <= 0 && iov.len != 0 {
            return Err(Errno::EINVAL);
        }
        v.push(iov);
    }
    Ok(v)
}

/// Reads or writes a vector of buffers, at the file position or at `pos`.
fn rw_vec(t: &Task, f: &File, iovs: Vec<Iovec>, pos: Option<u64>, write: bool) -> SysResult {
    let mut total = 0;
    for iov in iovs {
        if iov.len == 0 {
            continue;
        }
        let at = pos.map(|p| p + total);
        let r = if write {
            write_file(t, f, iov.base, iov.len, at)
        } else {
            read_file(t, f, iov.base, iov.len, at)
        };
        match r {
            Ok(n) => {
                total += n;
                if n < iov.len {
                    break;
                }
            }
            Err(e) if total == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(total)
}

fn vec_io(t: &Task, a: &[u64; 6], write: bool, positional: bool, flags: Option<u64>) -> SysResult {
    let f = t.files.get(fd_arg(a[0]))?;
    if if write { !f.writable() } else { !f.readable() } {
        return Err(Errno::EBADF);
    }
    let flags = flags.unwrap_or(0) as u32;
    // RWF_HIPRI: no polled I/O here; RWF_DSYNC/RWF_SYNC: writes are not
    // buffered in the sentry.
    if flags & !(RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND) != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    let iovs = read_iovecs_or(t, a[1], a[2], Errno::EINVAL)?;
    let mut pos = if positional && a[3] as i64 != -1 {
        Some(explicit_pos(&f, a[3])?)
    } else {
        None
    };
    if flags & RWF_NOWAIT != 0 {
        // Only what may wait can refuse: a pipe without data or room.
        let want = if write { pipe::POLLOUT } else { pipe::POLLIN };
        if let Some(r) = f.ops.poll(&f, want | pipe::POLLHUP) {
            if r & (want | pipe::POLLHUP | pipe::POLLERR) == 0 {
                return Err(Errno::EAGAIN);
            }
        }
    }
    if write && flags & RWF_APPEND != 0 && f.ops.seekable() {
        // Appends at the end; an explicit offset then leaves the position.
        let end = f.inode.attr()?.size;
        match pos {
            Some(_) => pos = Some(end),
            None => *f.pos.lock().unwrap_or_else(|e| e.into_inner()) = end,
        }
    }
    if let Some(s) = crate::net::socket_of(&f) {
        // One message over all the buffers.
        return super::socket::socket_rw_vec(t, &f, s, &iovs, write);
    }
    rw_vec(t, &f, iovs, pos, write)
}

pub fn readv(t: &mut Task, a: &[u64; 6]) -> SysResult {
    vec_io(t, a, false, false, None)
}

pub fn writev(t: &mut Task, a: &[u64; 6]) -> SysResult {
    vec_io(t, a, true, false, None)
}

pub fn preadv(t: &mut Task, a: &[u64; 6]) -> SysResult {
    vec_io(t, a, false, true, None)
}

pub fn pwritev(t: &mut Task, a: &[u64; 6]) -> SysResult {
    vec_io(t, a, true, true, None)
}

pub fn preadv2(t: &mut Task, a: &[u64; 6]) -> SysResult {
    vec_io(t, a, false, true, Some(a[5]))
}

pub fn pwritev2(t: &mut Task, a: &[u64; 6]) -> SysResult {
    vec_io(t, a, true, true, Some(a[5]))
}

pub fn lseek(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let f = t.files.get(fd_arg(a[0]))?;
    let off = a[1] as i64;
    let whence = a[2] as u32;
    if let Some(r) = f.ops.seek(&f, off, whence) {
        return r;
    }
    if !f.ops.seekable() {
        return Err(Errno::ESPIPE);
    }
    let mut pos = f.pos.lock().unwrap_or_else(|e| e.into_inner());
    let size = || -> Result<i64, Errno> { Ok(f.inode.attr()?.size as i64) };
    let new = match whence {
        SEEK_SET => off,
        SEEK_CUR => (*pos as i64).checked_add(off).ok_or(Errno::EOVERFLOW)?,
        SEEK_END => size()?.checked_add(off).ok_or(Errno::EOVERFLOW)?,
        SEEK_DATA | SEEK_HOLE => {
            let s = size()?;
            if off < 0 || off >= s {
                return Err(Errno::ENXIO);
            }
            match f.ops.seek_hole_data(&f, off as u64, whence) {
                Some(r) => r? as i64,
                None if whence == SEEK_DATA => off,
                None => s,
            }
        }
        _ => return Err(Errno::EINVAL),
    };
    if new < 0 {
        return Err(Errno::EINVAL);
    }
    *pos = new as u64;
    if f.inode.file_type() == FileType::Directory && new == 0 {
        // Rewinding a directory rereads it.
        *f.dir_snapshot.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
    Ok(new as u64)
}

pub fn dup(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let f = t.files.get(fd_arg(a[0]))?;
    Ok(t.files.alloc(f, false, 0, nofile_limit(t))? as u64)
}

pub fn dup2(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (old, new) = (fd_arg(a[0]), fd_arg(a[1]));
    let f = t.files.get(old)?;
    if old == new {
        return Ok(new as u64);
    }
    t.files.install(new, f, false, nofile_limit(t))?;
    Ok(new as u64)
}

pub fn dup3(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (old, new, flags) = (fd_arg(a[0]), fd_arg(a[1]), a[2] as u32);
    if flags & !O_CLOEXEC != 0 || old == new {
        return Err(Errno::EINVAL);
    }
    let f = t.files.get(old)?;
    t.files
        .install(new, f, flags & O_CLOEXEC != 0, nofile_limit(t))?;
    Ok(new as u64)
}

/// F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL here; the
/// rest (locks, owners, pipe sizes, seals) in `fcntl.rs`.
pub fn fcntl(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let fd = fd_arg(a[0]);
    let f = t.files.get(fd)?;
    let cmd = a[1] as u32;
    if f.is_path_only() && !matches!(cmd, F_DUPFD | F_DUPFD_CLOEXEC | F_GETFD | F_SETFD | F_GETFL) {
        return Err(Errno::EBADF);
    }
    match cmd {
        F_DUPFD | F_DUPFD_CLOEXEC => {
            let min = a[2] as i32;
            let limit = nofile_limit(t);
            if min < 0 || min as usize >= limit {
                return Err(Errno::EINVAL);
            }
            Ok(t.files
                .alloc(f, cmd == F_DUPFD_CLOEXEC, min as usize, limit)? as u64)
        }
        F_GETFD => Ok(if t.files.cloexec(fd)? {
            FD_CLOEXEC as u64
        } else {
            0
        }),
        F_SETFD => {
            t.files.set_cloexec(fd, a[2] as u32 & FD_CLOEXEC != 0)?;
            Ok(0)
        }
        F_GETFL => Ok(f.flags() as u64),
        F_SETFL => {
            f.set_status_flags(a[2] as u32);
            Ok(0)
        }
        _ => super::fcntl::fcntl_more(t, fd, &f, cmd, a[2]),
    }
}

/// FIOCLEX, FIONCLEX, FIONBIO here; FIONREAD, FIOASYNC in `fcntl.rs`; the
/// rest by the file (terminal ioctls).
pub fn ioctl(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let fd = fd_arg(a[0]);
    let f = t.files.get(fd)?;
    if f.is_path_only() {
        return Err(Errno::EBADF);
    }
    let cmd = a[1] as u32;
    match cmd {
        FIOCLEX | FIONCLEX => {
            t.files.set_cloexec(fd, cmd == FIOCLEX)?;
            Ok(0)
        }
        FIONBIO => {
            let on: i32 = t.mm().read_obj(a[2])?;
            let fl = f.flags();
            f.set_status_flags(if on != 0 {
                fl | O_NONBLOCK
            } else {
                fl & !O_NONBLOCK
            });
            Ok(0)
        }
        _ => super::fcntl::ioctl_more(t, &f, cmd, a[2]),
    }
}

/// Truncates a regular file; `check_access` (truncate(2), not ftruncate)
/// asks for write permission.
pub(crate) fn truncate_inode(
    creds: &Creds,
    check_access: bool,
    p_ro: bool,
    inode: &crate::vfs::InodeRef,
    len: i64,
) -> SysResult {
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    match inode.file_type() {
        FileType::Regular => {}
        FileType::Directory => return Err(Errno::EISDIR),
        _ => return Err(Errno::EINVAL),
    }
    if p_ro {
        return Err(Errno::EROFS);
    }
    if check_access {
        perm::check_inode(creds, &**inode, perm::MAY_WRITE)?;
    }
    perm::remove_privs(creds, inode)?;
    inode.set_attr(&SetAttr {
        size: Some(len as u64),
        ..SetAttr::default()
    })?;
    Ok(0)
}

pub fn ftruncate(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let f = t.files.get(fd_arg(a[0]))?;
    if f.is_path_only() {
        return Err(Errno::EBADF);
    }
    if !f.writable() || f.inode.file_type() != FileType::Regular {
        return Err(Errno::EINVAL);
    }
    truncate_inode(&t.creds, false, false, &f.inode, a[1] as i64)?;
    crate::fs::inotify::notify_file(f.path.as_ref(), &f.inode, IN_MODIFY);
    Ok(0)
}

pub fn truncate(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let path = read_path(t, a[0])?;
    let p = t.resolve_at(AT_FDCWD, &path, true)?;
    truncate_inode(
        &t.creds,
        true,
        p.mount.read_only(),
        &p.dentry.inode,
        a[1] as i64,
    )?;
    crate::fs::inotify::notify_file(Some(&p), &p.dentry.inode, IN_MODIFY);
    Ok(0)
}

pub fn fsync(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let f = t.files.get(fd_arg(a[0]))?;
    if f.is_path_only() {
        return Err(Errno::EBADF);
    }
    f.ops.fsync(&f)?;
    Ok(0)
}

pub fn fdatasync(t: &mut Task, a: &[u64; 6]) -> SysResult {
    fsync(t, a)
}

/// sendfile(out, in, offset, count): copies through a sentry buffer.
pub fn sendfile(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let out = t.files.get(fd_arg(a[0]))?;
    let inp = t.files.get(fd_arg(a[1]))?;
    if !inp.readable() || !out.writable() {
        return Err(Errno::EBADF);
    }
    if out.flags() & O_APPEND != 0 {
        return Err(Errno::EINVAL);
    }
    let count = a[3].min(MAX_RW) as usize;
    let mut off = if a[2] != 0 {
        let o: i64 = t.mm().read_obj(a[2])?;
        if o < 0 {
            return Err(Errno::EINVAL);
        }
        Some(o as u64)
    } else {
        None
    };
    if !inp.ops.seekable() && off.is_some() {
        return Err(Errno::ESPIPE);
    }
    let mut buf = vec![0u8; count.min(BOUNCE)];
    let mut done = 0usize;
    while done < count {
        let want = (count - done).min(buf.len());
        let pos = match off {
            Some(o) => o,
            None if inp.ops.seekable() => *inp.pos.lock().unwrap_or_else(|e| e.into_inner()),
            None => 0,
        };
        let n = match inp.read_at(&mut buf[..want], pos) {
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        if n == 0 {
            break;
        }
        let mut w = 0;
        while w < n {
            let opos = if out.ops.seekable() {
                *out.pos.lock().unwrap_or_else(|e| e.into_inner())
            } else {
                0
            };
            let m = match out.write_at(&buf[w..n], opos) {
                Ok(m) => m,
                Err(e) if done + w == 0 => return Err(e),
                Err(_) => 0,
            };
            if m == 0 {
                break;
            }
            if out.ops.seekable() {
                *out.pos.lock().unwrap_or_else(|e| e.into_inner()) += m as u64;
            }
            w += m;
        }
        match off.as_mut() {
            Some(o) => *o += w as u64,
            None if inp.ops.seekable() => {
                *inp.pos.lock().unwrap_or_else(|e| e.into_inner()) += w as u64
            }
            None => {}
        }
        done += w;
        if w < n {
            break;
        }
    }
    if let Some(o) = off {
        t.mm().write_obj(a[2], &(o as i64))?;
    }
    Ok(done as u64)
}

fn do_pipe(t: &mut Task, addr: u64, flags: u32) -> SysResult {
    if flags & !(O_CLOEXEC | O_NONBLOCK | O_DIRECT) != 0 {
        return Err(Errno::EINVAL);
    }
    let (r, w) = crate::fs::pipe::new_pipe(owner(t), flags);
    let cloexec = flags & O_CLOEXEC != 0;
    let limit = nofile_limit(t);
    let rfd = t.files.alloc(r, cloexec, 0, limit)?;
    let wfd = match t.files.alloc(w, cloexec, 0, limit) {
        Ok(fd) => fd,
        Err(e) => {
            let _ = t.files.close(rfd);
            return Err(e);
        }
    };
    if let Err(e) = t.mm().write_obj(addr, &[rfd, wfd]) {
        let _ = t.files.close(rfd);
        let _ = t.files.close(wfd);
        return Err(e);
    }
    Ok(0)
}

pub fn pipe(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_pipe(t, a[0], 0)
}

pub fn pipe2(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_pipe(t, a[0], a[1] as u32)
}
