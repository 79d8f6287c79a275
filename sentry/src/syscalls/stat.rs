//! File metadata: stat family, access, readlink, chmod, chown, utimensat.

use syscalls::consts::*;
use syscalls::types::{Stat, Statx, StatxTimestamp, Timespec};
use syscalls::Errno;

use super::{fd_arg, read_path, read_path_maybe_empty, SysResult};
use crate::kernel::{Creds, Task};
use crate::vfs::{Attr, FileType, InodeRef, Path, SetAttr, Time, TimeSet};

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
    let p = t.resolve_at(dirfd, &path, flags & AT_SYMLINK_NOFOLLOW == 0)?;
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

/// Whether `creds` may access a file with attributes `a` as `mask`
/// (R_OK/W_OK/X_OK bits), by mode bits; root passes except for execute
/// on a file with no execute bit at all.
pub(crate) fn permitted(creds: &Creds, a: &Attr, mask: u32, use_real: bool) -> bool {
    let uid = if use_real { creds.uid } else { creds.fsuid };
    let gid = if use_real { creds.gid } else { creds.fsgid };
    if uid == 0 {
        let is_dir = a.mode & S_IFMT == S_IFDIR;
        return mask & X_OK == 0 || is_dir || a.mode & 0o111 != 0;
    }
    let bits = if a.uid == uid {
        (a.mode >> 6) & 7
    } else if a.gid == gid || creds.groups.contains(&a.gid) {
        (a.mode >> 3) & 7
    } else {
        a.mode & 7
    };
    bits & mask == mask
}

fn do_access(t: &Task, dirfd: i32, path_addr: u64, mode: u32, flags: u32) -> SysResult {
    if mode & !(R_OK | W_OK | X_OK) != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & !(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let (inode, path) = resolve_stat_target(t, dirfd, path_addr, flags)?;
    if mode == F_OK {
        return Ok(0);
    }
    let a = inode.attr()?;
    if mode & W_OK != 0
        && path.as_ref().is_some_and(|p| p.mount.read_only())
        && matches!(
            inode.file_type(),
            FileType::Regular | FileType::Directory | FileType::Symlink
        )
    {
        return Err(Errno::EROFS);
    }
    if permitted(&t.creds, &a, mode, flags & AT_EACCESS == 0) {
        Ok(0)
    } else {
        Err(Errno::EACCES)
    }
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
fn set_attr(path: Option<&Path>, inode: &InodeRef, req: &SetAttr) -> SysResult {
    if path.is_some_and(|p| p.mount.read_only()) {
        return Err(Errno::EROFS);
    }
    inode.set_attr(req)?;
    Ok(0)
}

fn chmod_req(mode: u64) -> SetAttr {
    SetAttr {
        mode: Some(mode as u32 & 0o7777),
        ..SetAttr::default()
    }
}

pub fn chmod(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let path = read_path(t, a[0])?;
    let p = t.resolve_at(AT_FDCWD, &path, true)?;
    set_attr(Some(&p), &p.dentry.inode, &chmod_req(a[1]))
}

pub fn fchmod(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let f = t.files.get(fd_arg(a[0]))?;
    if f.is_path_only() {
        return Err(Errno::EBADF);
    }
    set_attr(f.path.as_ref(), &f.inode, &chmod_req(a[1]))
}

pub fn fchmodat(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let path = read_path(t, a[1])?;
    let p = t.resolve_at(fd_arg(a[0]), &path, true)?;
    set_attr(Some(&p), &p.dentry.inode, &chmod_req(a[2]))
}

fn chown_req(uid: u64, gid: u64) -> SetAttr {
    let id = |v: u64| (v as u32 != u32::MAX).then_some(v as u32);
    SetAttr {
        uid: id(uid),
        gid: id(gid),
        ..SetAttr::default()
    }
}

fn check_chown(t: &Task) -> Result<(), Errno> {
    if !t.creds.has_cap(crate::kernel::task_caps::CAP_CHOWN) {
        return Err(Errno::EPERM);
    }
    Ok(())
}

pub fn chown(t: &mut Task, a: &[u64; 6]) -> SysResult {
    check_chown(t)?;
    let path = read_path(t, a[0])?;
    let p = t.resolve_at(AT_FDCWD, &path, true)?;
    set_attr(Some(&p), &p.dentry.inode, &chown_req(a[1], a[2]))
}

pub fn lchown(t: &mut Task, a: &[u64; 6]) -> SysResult {
    check_chown(t)?;
    let path = read_path(t, a[0])?;
    let p = t.resolve_at(AT_FDCWD, &path, false)?;
    set_attr(Some(&p), &p.dentry.inode, &chown_req(a[1], a[2]))
}

pub fn fchown(t: &mut Task, a: &[u64; 6]) -> SysResult {
    check_chown(t)?;
    let f = t.files.get(fd_arg(a[0]))?;
    if f.is_path_only() {
        return Err(Errno::EBADF);
    }
    set_attr(f.path.as_ref(), &f.inode, &chown_req(a[1], a[2]))
}

pub fn fchownat(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let flags = a[4] as u32;
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    check_chown(t)?;
    let (inode, path) = resolve_stat_target(t, fd_arg(a[0]), a[1], flags)?;
    set_attr(path.as_ref(), &inode, &chown_req(a[2], a[3]))
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

/// No file system of the sandbox stores extended attributes yet: like a
/// Linux file system without xattr support, get/set/remove answer
/// EOPNOTSUPP and the list is empty, after the path is resolved as usual.
fn xattr_target(t: &Task, path_addr: u64, follow: bool) -> Result<(), Errno> {
    let path = read_path(t, path_addr)?;
    t.resolve_at(AT_FDCWD, &path, follow)?;
    Ok(())
}

fn xattr_name(t: &Task, addr: u64) -> Result<(), Errno> {
    let name = t.mm().read_cstr(addr, 255).map_err(|e| {
        if e == Errno::ENAMETOOLONG {
            Errno::ERANGE
        } else {
            e
        }
    })?;
    if name.is_empty() {
        return Err(Errno::ERANGE);
    }
    Ok(())
}

fn xattr_fd(t: &Task, fd: u64) -> Result<(), Errno> {
    let f = t.files.get(fd_arg(fd))?;
    if f.is_path_only() {
        return Err(Errno::EBADF);
    }
    Ok(())
}

pub fn getxattr(t: &mut Task, a: &[u64; 6]) -> SysResult {
    xattr_target(t, a[0], true)?;
    xattr_name(t, a[1])?;
    Err(Errno::EOPNOTSUPP)
}

pub fn lgetxattr(t: &mut Task, a: &[u64; 6]) -> SysResult {
    xattr_target(t, a[0], false)?;
    xattr_name(t, a[1])?;
    Err(Errno::EOPNOTSUPP)
}

pub fn fgetxattr(t: &mut Task, a: &[u64; 6]) -> SysResult {
    xattr_fd(t, a[0])?;
    xattr_name(t, a[1])?;
    Err(Errno::EOPNOTSUPP)
}

pub fn setxattr(t: &mut Task, a: &[u64; 6]) -> SysResult {
    xattr_target(t, a[0], true)?;
    xattr_name(t, a[1])?;
    Err(Errno::EOPNOTSUPP)
}

pub fn lsetxattr(t: &mut Task, a: &[u64; 6]) -> SysResult {
    xattr_target(t, a[0], false)?;
    xattr_name(t, a[1])?;
    Err(Errno::EOPNOTSUPP)
}

pub fn fsetxattr(t: &mut Task, a: &[u64; 6]) -> SysResult {
    xattr_fd(t, a[0])?;
    xattr_name(t, a[1])?;
    Err(Errno::EOPNOTSUPP)
}

pub fn removexattr(t: &mut Task, a: &[u64; 6]) -> SysResult {
    xattr_target(t, a[0], true)?;
    xattr_name(t, a[1])?;
    Err(Errno::EOPNOTSUPP)
}

pub fn lremovexattr(t: &mut Task, a: &[u64; 6]) -> SysResult {
    xattr_target(t, a[0], false)?;
    xattr_name(t, a[1])?;
    Err(Errno::EOPNOTSUPP)
}

pub fn fremovexattr(t: &mut Task, a: &[u64; 6]) -> SysResult {
    xattr_fd(t, a[0])?;
    xattr_name(t, a[1])?;
    Err(Errno::EOPNOTSUPP)
}

pub fn listxattr(t: &mut Task, a: &[u64; 6]) -> SysResult {
    xattr_target(t, a[0], true)?;
    Ok(0)
}

pub fn llistxattr(t: &mut Task, a: &[u64; 6]) -> SysResult {
    xattr_target(t, a[0], false)?;
    Ok(0)
}

pub fn flistxattr(t: &mut Task, a: &[u64; 6]) -> SysResult {
    xattr_fd(t, a[0])?;
    Ok(0)
}
