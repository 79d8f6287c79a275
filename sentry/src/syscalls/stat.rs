//! File metadata: stat family, access, readlink, chmod, chown, utimensat.

use syscalls::consts::*;
use syscalls::types::{Stat, Statx, StatxTimestamp, Timespec};
use syscalls::Errno;

use super::{fd_arg, read_path, read_path_maybe_empty, SysResult};
use crate::kernel::{Creds, Task};
use crate::vfs::{perm, Attr, FileType, InodeRef, Path, SetAttr, Time, TimeSet};

fn to_stat(a: &Attr) -> Stat {
    Stat {
        st_dev: a.dev,
        st_ino: a.ino,
        st_nlink: a.nlink,
        st_mode: a.mode,
        st_uid: a.uid,
        st_gid: a.gid,
        st_rdev: a.rdev,
        st_size: a.size as i64,
        st_blksize: a.blksize as i64,
        st_blocks: a.blocks as i64,
        st_atime: a.atime.sec,
        st_atime_nsec: a.atime.nsec,
        st_mtime: a.mtime.sec,
        st_mtime_nsec: a.mtime.nsec,
        st_ctime: a.ctime.sec,
        st_ctime_nsec: a.ctime.nsec,
        ..Stat::default()
    }
}

fn major(dev: u64) -> u32 {
    (((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff)) as u32
}

fn minor(dev: u64) -> u32 {
    ((dev & 0xff) | ((dev >> 12) & !0xff)) as u32
}

fn ts(t: Time) -> StatxTimestamp {
    StatxTimestamp {
        tv_sec: t.sec,
        tv_nsec: t.nsec as u32,
        ..StatxTimestamp::default()
    }
}

fn to_statx(a: &Attr, mnt_id: u64) -> Statx {
    let mut mask = STATX_BASIC_STATS | STATX_MNT_ID;
    if a.btime.is_some() {
        mask |= STATX_BTIME;
    }
    Statx {
        stx_mask: mask,
        stx_blksize: a.blksize,
        stx_nlink: a.nlink as u32,
        stx_uid: a.uid,
        stx_gid: a.gid,
        stx_mode: a.mode as u16,
        stx_ino: a.ino,
        stx_size: a.size,
        stx_blocks: a.blocks,
        stx_atime: ts(a.atime),
        stx_btime: a.btime.map(ts).unwrap_or_default(),
        stx_ctime: ts(a.ctime),
        stx_mtime: ts(a.mtime),
        stx_rdev_major: major(a.rdev),
        stx_rdev_minor: minor(a.rdev),
        stx_dev_major: major(a.dev),
        stx_dev_minor: minor(a.dev),
        stx_mnt_id: mnt_id,
        ..Statx::default()
    }
}

/// What an `*at` call with optional AT_EMPTY_PATH and AT_SYMLINK_NOFOLLOW
/// refers to: an inode and, when it has one, its place in the tree.
fn resolve_stat_target(
    t: &Task,
    dirfd: i32,
    path_addr: u64,
    flags: u32,
) -> Result<(InodeRef, Option<Path>), Errno> {
    resolve_stat_target_as(t, &t.creds, dirfd, path_addr, flags)
}

/// `resolve_stat_target` walking with the permissions of `creds`.
fn resolve_stat_target_as(
    t: &Task,
    creds: &Creds,
    dirfd: i32,
    path_addr: u64,
    flags: u32,
) -> Result<(InodeRef, Option<Path>), Errno> {
    let path = read_path_maybe_empty(t, path_addr)?;
    if path.is_empty() {
        if flags & AT_EMPTY_PATH == 0 {
            return Err(Errno::ENOENT);
        }
        if dirfd == AT_FDCWD {
            let cwd = t.fs.cwd();
            return Ok((cwd.dentry.inode.clone(), Some(cwd)));
        }
        let f = t.files.get(dirfd)?;
        return Ok((f.inode.clone(), f.path.clone()));
    }
    let mut lk = t.lookup_at(dirfd, &path)?;
    lk.creds = creds;
    let p = lk.resolve(&path, flags & AT_SYMLINK_NOFOLLOW == 0)?;
    Ok((p.dentry.inode.clone(), Some(p)))
}

fn write_stat(t: &Task, buf: u64, inode: &InodeRef) -> SysResult {
    let a = inode.attr()?;
    t.mm().write_obj(buf, &to_stat(&a))?;
    Ok(0)
}

pub fn fstat(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let f = t.files.get(fd_arg(a[0]))?;
    write_stat(t, a[1], &f.inode)
}

pub fn stat(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let path = read_path(t, a[0])?;
    let p = t.resolve_at(AT_FDCWD, &path, true)?;
    write_stat(t, a[1], &p.dentry.inode)
}

pub fn lstat(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let path = read_path(t, a[0])?;
    let p = t.resolve_at(AT_FDCWD, &path, false)?;
    write_stat(t, a[1], &p.dentry.inode)
}

pub fn newfstatat(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let flags = a[3] as u32;
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT) != 0 {
        return Err(Errno::EINVAL);
    }
    let (inode, _) = resolve_stat_target(t, fd_arg(a[0]), a[1], flags)?;
    write_stat(t, a[2], &inode)
}

pub fn statx(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let flags = a[2] as u32;
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE) != 0
        || flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE
    {
        return Err(Errno::EINVAL);
    }
    const STATX_RESERVED: u32 = 0x8000_0000;
    if a[3] as u32 & STATX_RESERVED != 0 {
        return Err(Errno::EINVAL);
    }
    let (inode, path) = resolve_stat_target(t, fd_arg(a[0]), a[1], flags)?;
    let attr = inode.attr()?;
    let mnt = path.map_or(0, |p| p.mount.id);
    t.mm().write_obj(a[4], &to_statx(&attr, mnt))?;
    Ok(0)
}

/// access(2) and friends: by the real ids (and root's capabilities only
/// for a real root) unless AT_EACCESS, for the walk as for the file.
fn do_access(t: &Task, dirfd: i32, path_addr: u64, mode: u32, flags: u32) -> SysResult {
    if mode & !(R_OK | W_OK | X_OK) != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & !(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let creds = perm::access_creds(&t.creds, flags & AT_EACCESS == 0);
    let (inode, path) = resolve_stat_target_as(t, &creds, dirfd, path_addr, flags)?;
    if mode == F_OK {
        return Ok(0);
    }
    perm::check(&creds, &inode.attr()?, mode)?;
    if mode & W_OK != 0
        && path.as_ref().is_some_and(|p| p.mount.read_only())
        && matches!(
            inode.file_type(),
            FileType::Regular | FileType::Directory | FileType::Symlink
        )
    {
        return Err(Errno::EROFS);
    }
    Ok(0)
}

pub fn access(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_access(t, AT_FDCWD, a[0], a[1] as u32, 0)
}

pub fn faccessat(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_access(t, fd_arg(a[0]), a[1], a[2] as u32, 0)
}

pub fn faccessat2(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_access(t, fd_arg(a[0]), a[1], a[2] as u32, a[3] as u32)
}

fn do_readlink(t: &Task, dirfd: i32, path_addr: u64, buf: u64, size: u64) -> SysResult {
    if (size as i64) <= 0 {
        return Err(Errno::EINVAL);
    }
    let (inode, _) = resolve_stat_target(t, dirfd, path_addr, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)?;
    if inode.file_type() != FileType::Symlink {
        return Err(Errno::EINVAL);
    }
    let target = inode.readlink()?;
    let n = target.len().min(size as usize);
    t.mm().copy_out(buf, &target[..n])?;
    Ok(n as u64)
}

pub fn readlink(t: &mut Task, a: &[u64; 6]) -> SysResult {
    // An empty path is ENOENT for readlink (no AT_EMPTY_PATH form).
    read_path(t, a[0])?;
    do_readlink(t, AT_FDCWD, a[0], a[1], a[2])
}

pub fn readlinkat(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_readlink(t, fd_arg(a[0]), a[1], a[2], a[3])
}

/// Applies `req` to an inode, refusing read-only mounts.
pub(crate) fn set_attr(path: Option<&Path>, inode: &InodeRef, req: &SetAttr) -> SysResult {
    if path.is_some_and(|p| p.mount.read_only()) {
        return Err(Errno::EROFS);
    }
    inode.set_attr(req)?;
    crate::fs::inotify::on_set_attr(path, inode, req);
    Ok(0)
}

/// chmod: the owner or CAP_FOWNER only (see `perm::chmod_mode`).
fn do_chmod(t: &Task, path: Option<&Path>, inode: &InodeRef, mode: u64) -> SysResult {
    if path.is_some_and(|p| p.mount.read_only()) {
        return Err(Errno::EROFS);
    }
    let mode = perm::chmod_mode(&t.creds, &inode.attr()?, mode as u32)?;
    let req = SetAttr {
        mode: Some(mode),
        ..SetAttr::default()
    };
    set_attr(path, inode, &req)
}

pub fn chmod(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let path = read_path(t, a[0])?;
    let p = t.resolve_at(AT_FDCWD, &path, true)?;
    do_chmod(t, Some(&p), &p.dentry.inode, a[1])
}

pub fn fchmod(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let f = t.files.get(fd_arg(a[0]))?;
    if f.is_path_only() {
        return Err(Errno::EBADF);
    }
    do_chmod(t, f.path.as_ref(), &f.inode, a[1])
}

pub fn fchmodat(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let path = read_path(t, a[1])?;
    let p = t.resolve_at(fd_arg(a[0]), &path, true)?;
    do_chmod(t, Some(&p), &p.dentry.inode, a[2])
}

/// chown: who may change what and which set-id bits go, as
/// `perm::chown_check` says; -1 leaves an id alone.
fn do_chown(t: &Task, path: Option<&Path>, inode: &InodeRef, uid: u64, gid: u64) -> SysResult {
    if path.is_some_and(|p| p.mount.read_only()) {
        return Err(Errno::EROFS);
    }
    let id = |v: u64| (v as u32 != u32::MAX).then_some(v as u32);
    let (uid, gid) = (id(uid), id(gid));
    let mode = perm::chown_check(&t.creds, &inode.attr()?, uid, gid)?;
    let req = SetAttr {
        uid,
        gid,
        mode,
        ..SetAttr::default()
    };
    set_attr(path, inode, &req)
}

pub fn chown(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let path = read_path(t, a[0])?;
    let p = t.resolve_at(AT_FDCWD, &path, true)?;
    do_chown(t, Some(&p), &p.dentry.inode, a[1], a[2])
}

pub fn lchown(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let path = read_path(t, a[0])?;
    let p = t.resolve_at(AT_FDCWD, &path, false)?;
    do_chown(t, Some(&p), &p.dentry.inode, a[1], a[2])
}

pub fn fchown(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let f = t.files.get(fd_arg(a[0]))?;
    if f.is_path_only() {
        return Err(Errno::EBADF);
    }
    do_chown(t, f.path.as_ref(), &f.inode, a[1], a[2])
}

pub fn fchownat(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let flags = a[4] as u32;
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let (inode, path) = resolve_stat_target(t, fd_arg(a[0]), a[1], flags)?;
    do_chown(t, path.as_ref(), &inode, a[2], a[3])
}

fn time_set(ts: &Timespec) -> Result<Option<TimeSet>, Errno> {
    match ts.tv_nsec {
        UTIME_OMIT => Ok(None),
        UTIME_NOW => Ok(Some(TimeSet::Now)),
        n if (0..1_000_000_000).contains(&n) => Ok(Some(TimeSet::At(Time {
            sec: ts.tv_sec,
            nsec: n,
        }))),
        _ => Err(Errno::EINVAL),
    }
}

pub fn utimensat(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (dirfd, path_addr, times, flags) = (fd_arg(a[0]), a[1], a[2], a[3] as u32);
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let req = if times == 0 {
        SetAttr {
            atime: Some(TimeSet::Now),
            mtime: Some(TimeSet::Now),
            ..SetAttr::default()
        }
    } else {
        let at: Timespec = t.mm().read_obj(times)?;
        let mt: Timespec = t.mm().read_obj(times + 16)?;
        SetAttr {
            atime: time_set(&at)?,
            mtime: time_set(&mt)?,
            ..SetAttr::default()
        }
    };
    let (inode, path) = if path_addr == 0 {
        // utimensat(fd, NULL, ...) is futimens.
        let f = t.files.get(dirfd)?;
        (f.inode.clone(), f.path.clone())
    } else {
        resolve_stat_target(t, dirfd, path_addr, flags)?
    };
    if req.atime.is_none() && req.mtime.is_none() {
        return Ok(0);
    }
    if path.as_ref().is_some_and(|p| p.mount.read_only()) {
        return Err(Errno::EROFS);
    }
    // Both "now" (times NULL or two UTIME_NOW) is a touch: write
    // permission is enough.
    let touch = req.atime == Some(TimeSet::Now) && req.mtime == Some(TimeSet::Now);
    perm::may_set_times(&t.creds, &inode.attr()?, touch)?;
    set_attr(path.as_ref(), &inode, &req)
}

/// `mnt` gives the ST_* mount flags (read-only, nosuid, noexec, ...).
fn write_statfs(
    t: &Task,
    buf: u64,
    inode: &InodeRef,
    mnt: Option<&crate::vfs::Mount>,
) -> SysResult {
    let s = inode.statfs()?;
    let mut out = syscalls::types::Statfs {
        f_type: s.fs_type as i64,
        f_bsize: s.bsize as i64,
        f_blocks: s.blocks,
        f_bfree: s.bfree,
        f_bavail: s.bavail,
        f_files: s.files,
        f_ffree: s.ffree,
        f_namelen: s.namelen as i64,
        f_frsize: s.frsize as i64,
        f_flags: s.flags as i64,
        ..Default::default()
    };
    if let Some(m) = mnt {
        out.f_flags |= m.statfs_flags() as i64;
    }
    t.mm().write_obj(buf, &out)?;
    Ok(0)
}

pub fn statfs(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let path = read_path(t, a[0])?;
    let p = t.resolve_at(AT_FDCWD, &path, true)?;
    write_statfs(t, a[1], &p.dentry.inode, Some(&p.mount))
}

pub fn fstatfs(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let f = t.files.get(fd_arg(a[0]))?;
    write_statfs(t, a[1], &f.inode, f.path.as_ref().map(|p| &*p.mount))
}
