//! Names and directories: getdents, getcwd, chdir, mkdir, unlink, rmdir,
//! rename, symlink, link.

use std::sync::Arc;

use syscalls::consts::*;
use syscalls::types::push_dirent64;
use syscalls::Errno;

use super::{fd_arg, read_path, read_path_maybe_empty, SysResult};
use crate::kernel::Task;
use crate::vfs::{perm, DirEntry, FileType, Owner, Parent, Path};

/// Appends one directory record: (buf, ino, d_off, d_type, name) -> its length.
pub(crate) type PushDirent = fn(&mut Vec<u8>, u64, i64, u8, &[u8]) -> usize;

pub fn getdents64(t: &mut Task, a: &[u64; 6]) -> SysResult {
    read_dir_records(t, a, push_dirent64)
}

/// getdents and getdents64: records from the directory's snapshot, each
/// with the offset of the next one.
pub(crate) fn read_dir_records(t: &Task, a: &[u64; 6], push: PushDirent) -> SysResult {
    let f = t.files.get(fd_arg(a[0]))?;
    if f.is_path_only() {
        return Err(Errno::EBADF);
    }
    if f.inode.file_type() != FileType::Directory {
        return Err(Errno::ENOTDIR);
    }
    let (buf, count) = (a[1], a[2].min(1 << 30) as usize);
    let mut snap = f.dir_snapshot.lock().unwrap_or_else(|e| e.into_inner());
    if snap.is_none() {
        let ino = f.inode.attr()?.ino;
        let parent_ino = f
            .path
            .as_ref()
            .and_then(|p| p.dentry.parent())
            .and_then(|d| d.inode.attr().ok())
            .map_or(ino, |a| a.ino);
        let mut v = vec![
            DirEntry {
                name: b".".to_vec(),
                ino,
                ty: FileType::Directory,
            },
            DirEntry {
                name: b"..".to_vec(),
                ino: parent_ino,
                ty: FileType::Directory,
            },
        ];
        v.extend(f.inode.readdir()?);
        *snap = Some(v);
    }
    let entries = snap.as_ref().expect("filled above");
    let mut pos = f.pos.lock().unwrap_or_else(|e| e.into_inner());
    let mut out = Vec::new();
    let mut i = *pos as usize;
    while i < entries.len() {
        let e = &entries[i];
        let before = out.len();
        push(&mut out, e.ino, (i + 1) as i64, e.ty.dirent_type(), &e.name);
        if out.len() > count {
            out.truncate(before);
            if before == 0 {
                return Err(Errno::EINVAL);
            }
            break;
        }
        i += 1;
    }
    t.mm().copy_out(buf, &out)?;
    *pos = i as u64;
    Ok(out.len() as u64)
}

pub fn getcwd(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let cwd = t.fs.cwd();
    if cwd.dentry.is_dead() {
        return Err(Errno::ENOENT);
    }
    let lk = t.lookup_at(AT_FDCWD, b"/")?;
    let mut path = lk.path_of(&cwd);
    path.push(0);
    if path.len() > a[1] as usize {
        return Err(Errno::ERANGE);
    }
    t.mm().copy_out(a[0], &path)?;
    Ok(path.len() as u64)
}

fn set_cwd(t: &Task, p: Path) -> SysResult {
    if !p.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    perm::check_inode(&t.creds, &*p.dentry.inode, perm::MAY_EXEC)?;
    t.fs.set_cwd(p);
    Ok(0)
}

pub fn chdir(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let path = read_path(t, a[0])?;
    let p = t.resolve_at(AT_FDCWD, &path, true)?;
    set_cwd(t, p)
}

pub fn fchdir(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let f = t.files.get(fd_arg(a[0]))?;
    let p = f.path.clone().ok_or(Errno::ENOTDIR)?;
    set_cwd(t, p)
}

/// Checks that the caller may create an entry in `dir` (EACCES), and gives
/// the new entry's owner and mode (`perm::new_owner`).
/// The parent of a name that symlink, mknod or link creates: EEXIST if the name
/// exists (or is "/", "." or ".."), ENOENT for a trailing slash, EROFS on
/// a read-only mount.
pub(crate) fn new_name_parent(t: &Task, dirfd: i32, path: &[u8]) -> Result<Parent, Errno> {
    let parent = t.lookup_at(dirfd, path)?.resolve_parent(path)?;
    let name = parent.name.as_slice();
    if matches!(name, b"/" | b"." | b"..") {
        return Err(Errno::EEXIST);
    }
    match parent.dir.dentry.lookup(name) {
        Ok(_) => return Err(Errno::EEXIST),
        Err(e) if e == Errno::ENOENT => {}
        Err(e) => return Err(e),
    }
    if parent.trailing_slash {
        return Err(Errno::ENOENT);
    }
    if parent.dir.mount.read_only() {
        return Err(Errno::EROFS);
    }
    Ok(parent)
}

/// Write and search permission on `dir`, and the owner and mode of a new
/// entry in it (set-group-ID directories).
pub(crate) fn create_owner(
    t: &Task,
    dir: &Path,
    mode: u32,
    is_dir: bool,
) -> Result<(Owner, u32), Errno> {
    let attr = dir.dentry.inode.attr()?;
    perm::check(&t.creds, &attr, perm::MAY_WRITE | perm::MAY_EXEC)?;
    Ok(perm::new_owner(&t.creds, &attr, mode, is_dir))
}

fn do_mkdir(t: &Task, dirfd: i32, path_addr: u64, mode: u32) -> SysResult {
    let path = read_path(t, path_addr)?;
    let parent = t.lookup_at(dirfd, &path)?.resolve_parent(&path)?;
    let name = parent.name.as_slice();
    if matches!(name, b"/" | b"." | b"..") {
        return Err(Errno::EEXIST);
    }
    match parent.dir.dentry.lookup(name) {
        Ok(_) => return Err(Errno::EEXIST),
        Err(e) if e == Errno::ENOENT => {}
        Err(e) => return Err(e),
    }
    if parent.dir.mount.read_only() {
        return Err(Errno::EROFS);
    }
    // mkdir(2) takes the permission bits and S_ISVTX from `mode`; S_ISGID
    // comes from a set-group-ID parent.
    let mode = mode & 0o1777 & !t.fs.umask();
    let (owner, mode) = create_owner(t, &parent.dir, mode, true)?;
    let inode = parent.dir.dentry.inode.mkdir(name, mode, owner)?;
    crate::fs::inotify::on_create(&parent.dir.dentry.inode, name, &inode);
    parent.dir.dentry.insert(name, inode);
    Ok(0)
}

pub fn mkdir(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_mkdir(t, AT_FDCWD, a[0], a[1] as u32)
}

pub fn mkdirat(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_mkdir(t, fd_arg(a[0]), a[1], a[2] as u32)
}

fn do_unlink(t: &Task, dirfd: i32, path_addr: u64) -> SysResult {
    let path = read_path(t, path_addr)?;
    let parent = t.lookup_at(dirfd, &path)?.resolve_parent(&path)?;
    let name = parent.name.as_slice();
    if matches!(name, b"/" | b"." | b"..") {
        return Err(Errno::EISDIR);
    }
    let child = parent.dir.dentry.lookup(name)?;
    let is_dir = child.inode.file_type() == FileType::Directory;
    if parent.trailing_slash {
        return Err(if is_dir {
            Errno::EISDIR
        } else {
            Errno::ENOTDIR
        });
    }
    if parent.dir.mount.read_only() {
        return Err(Errno::EROFS);
    }
    perm::may_delete(&t.creds, &*parent.dir.dentry.inode, &*child.inode)?;
    if is_dir {
        return Err(Errno::EISDIR);
    }
    if child.has_mounts() {
        return Err(Errno::EBUSY);
    }
    let last_link = crate::fs::inotify::last_link(&child.inode);
    parent.dir.dentry.inode.unlink(name)?;
    crate::fs::inotify::on_unlink(&parent.dir.dentry.inode, name, &child.inode, last_link);
    parent.dir.dentry.forget(name);
    Ok(0)
}

fn do_rmdir(t: &Task, dirfd: i32, path_addr: u64) -> SysResult {
    let path = read_path(t, path_addr)?;
    let parent = t.lookup_at(dirfd, &path)?.resolve_parent(&path)?;
    let name = parent.name.as_slice();
    match name {
        b"." => return Err(Errno::EINVAL),
        b".." => return Err(Errno::ENOTEMPTY),
        b"/" => return Err(Errno::EBUSY),
        _ => {}
    }
    let child = parent.dir.dentry.lookup(name)?;
    if parent.dir.mount.read_only() {
        return Err(Errno::EROFS);
    }
    perm::may_delete(&t.creds, &*parent.dir.dentry.inode, &*child.inode)?;
    if child.inode.file_type() != FileType::Directory {
        return Err(Errno::ENOTDIR);
    }
    if child.has_mounts() {
        return Err(Errno::EBUSY);
    }
    parent.dir.dentry.inode.rmdir(name)?;
    crate::fs::inotify::on_rmdir(&parent.dir.dentry.inode, name, &child.inode);
    parent.dir.dentry.forget(name);
    Ok(0)
}

pub fn unlink(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_unlink(t, AT_FDCWD, a[0])
}

pub fn rmdir(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_rmdir(t, AT_FDCWD, a[0])
}

pub fn unlinkat(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let flags = a[2] as u32;
    if flags & !AT_REMOVEDIR != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & AT_REMOVEDIR != 0 {
        do_rmdir(t, fd_arg(a[0]), a[1])
    } else {
        do_unlink(t, fd_arg(a[0]), a[1])
    }
}

/// Whether `d` is `anc` or lies below it (within one mount).
fn is_below(d: &Path, anc: &Path) -> bool {
    if !Arc::ptr_eq(&d.mount, &anc.mount) {
        return false;
    }
    let mut cur = Some(d.dentry.clone());
    while let Some(c) = cur {
        if Arc::ptr_eq(&c, &anc.dentry) {
            return true;
        }
        cur = c.parent();
    }
    false
}

/// Linux's checks in `vfs_rename`: the source may be deleted from its
/// directory; the target name may be created, or its entry deleted; and a
/// directory moving to a new parent needs write permission on itself (its
/// ".." changes), as does an exchanged target directory.
fn rename_permission(
    t: &Task,
    from_dir: &Path,
    src: &Arc<crate::vfs::Dentry>,
    to_dir: &Path,
    target: Option<&Arc<crate::vfs::Dentry>>,
    flags: u32,
) -> Result<(), Errno> {
    if from_dir.mount.read_only() {
        return Err(Errno::EROFS);
    }
    let c = &t.creds;
    perm::may_delete(c, &*from_dir.dentry.inode, &*src.inode)?;
    match target {
        None => perm::may_create(c, &*to_dir.dentry.inode)?,
        Some(tg) => perm::may_delete(c, &*to_dir.dentry.inode, &*tg.inode)?,
    }
    if !Arc::ptr_eq(&from_dir.dentry, &to_dir.dentry) {
        if src.inode.file_type() == FileType::Directory {
            perm::check_inode(c, &*src.inode, perm::MAY_WRITE)?;
        }
        if let Some(tg) = target {
            if flags & RENAME_EXCHANGE != 0 && tg.inode.file_type() == FileType::Directory {
                perm::check_inode(c, &*tg.inode, perm::MAY_WRITE)?;
            }
        }
    }
    Ok(())
}

fn do_rename(
    t: &Task,
    olddirfd: i32,
    old_addr: u64,
    newdirfd: i32,
    new_addr: u64,
    flags: u32,
) -> SysResult {
    if flags & !(RENAME_NOREPLACE | RENAME_EXCHANGE) != 0
        || flags & RENAME_NOREPLACE != 0 && flags & RENAME_EXCHANGE != 0
    {
        return Err(Errno::EINVAL.with_msg("RENAME_WHITEOUT is not supported"));
    }
    let old_path = read_path(t, old_addr)?;
    let new_path = read_path(t, new_addr)?;
    let from = t
        .lookup_at(olddirfd, &old_path)?
        .resolve_parent(&old_path)?;
    let to = t
        .lookup_at(newdirfd, &new_path)?
        .resolve_parent(&new_path)?;
    for n in [&from.name, &to.name] {
        if matches!(n.as_slice(), b"/" | b"." | b"..") {
            return Err(Errno::EBUSY);
        }
    }
    let src = from.dir.dentry.lookup(&from.name)?;
    let src_dir = src.inode.file_type() == FileType::Directory;
    if (from.trailing_slash || to.trailing_slash) && !src_dir {
        return Err(Errno::ENOTDIR);
    }
    if !Arc::ptr_eq(&from.dir.mount, &to.dir.mount) {
        return Err(Errno::EXDEV);
    }
    let target = match to.dir.dentry.lookup(&to.name) {
        Ok(d) => Some(d),
        Err(e) if e == Errno::ENOENT => None,
        Err(e) => return Err(e),
    };
    if !target.as_ref().is_some_and(|tg| Arc::ptr_eq(tg, &src)) {
        rename_permission(t, &from.dir, &src, &to.dir, target.as_ref(), flags)?;
    }
    if flags & RENAME_EXCHANGE != 0 {
        let target = target.ok_or(Errno::ENOENT)?;
        if Arc::ptr_eq(&target, &src) {
            return Ok(0);
        }
        if src.has_mounts() || target.has_mounts() {
            return Err(Errno::EBUSY);
        }
        if from.dir.mount.read_only() {
            return Err(Errno::EROFS);
        }
        from.dir
            .dentry
            .inode
            .exchange(&from.name, &to.dir.dentry.inode, &to.name)?;
        crate::fs::inotify::on_exchange(&from.dir, &from.name, &to.dir, &to.name, &src, &target);
        from.dir
            .dentry
            .exchanged(&from.name, &to.dir.dentry, &to.name);
        return Ok(0);
    }
    if let Some(tg) = &target {
        if Arc::ptr_eq(tg, &src) {
            return Ok(0);
        }
        if flags & RENAME_NOREPLACE != 0 {
            return Err(Errno::EEXIST);
        }
        if tg.has_mounts() {
            return Err(Errno::EBUSY);
        }
    }
    if src.has_mounts() {
        return Err(Errno::EBUSY);
    }
    if src_dir {
        let src_path = Path {
            mount: from.dir.mount.clone(),
            dentry: src.clone(),
        };
        if is_below(&to.dir, &src_path) {
            return Err(Errno::EINVAL);
        }
    }
    if from.dir.mount.read_only() {
        return Err(Errno::EROFS);
    }
    let replaced = target.map(|tg| (crate::fs::inotify::last_link(&tg.inode), tg));
    from.dir
        .dentry
        .inode
        .rename(&from.name, &to.dir.dentry.inode, &to.name)?;
    crate::fs::inotify::on_rename(&from.dir, &from.name, &to.dir, &to.name, &src, replaced);
    from.dir.dentry.moved(&from.name, &to.dir.dentry, &to.name);
    Ok(0)
}

pub fn rename(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_rename(t, AT_FDCWD, a[0], AT_FDCWD, a[1], 0)
}

pub fn renameat(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_rename(t, fd_arg(a[0]), a[1], fd_arg(a[2]), a[3], 0)
}

pub fn renameat2(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_rename(t, fd_arg(a[0]), a[1], fd_arg(a[2]), a[3], a[4] as u32)
}

fn do_symlink(t: &Task, target_addr: u64, dirfd: i32, path_addr: u64) -> SysResult {
    let target = read_path(t, target_addr)?;
    let path = read_path(t, path_addr)?;
    let parent = new_name_parent(t, dirfd, &path)?;
    let name = parent.name.as_slice();
    let (owner, _) = create_owner(t, &parent.dir, 0o777, false)?;
    let inode = parent.dir.dentry.inode.symlink(name, &target, owner)?;
    crate::fs::inotify::on_create(&parent.dir.dentry.inode, name, &inode);
    parent.dir.dentry.insert(name, inode);
    Ok(0)
}

pub fn symlink(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_symlink(t, a[0], AT_FDCWD, a[1])
}

pub fn symlinkat(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_symlink(t, a[0], fd_arg(a[1]), a[2])
}

fn do_link(
    t: &Task,
    olddirfd: i32,
    old_addr: u64,
    newdirfd: i32,
    new_addr: u64,
    flags: u32,
) -> SysResult {
    if flags & !(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let old_path = read_path_maybe_empty(t, old_addr)?;
    let src = if old_path.is_empty() {
        if flags & AT_EMPTY_PATH == 0 {
            return Err(Errno::ENOENT);
        }
        t.files.get(olddirfd)?.path.clone().ok_or(Errno::ENOENT)?
    } else {
        t.resolve_at(olddirfd, &old_path, flags & AT_SYMLINK_FOLLOW != 0)?
    };
    if src.is_dir() {
        return Err(Errno::EPERM);
    }
    let new_path = read_path(t, new_addr)?;
    // As Linux's filename_create: EROFS comes before EXDEV.
    let parent = new_name_parent(t, newdirfd, &new_path)?;
    let name = parent.name.as_slice();
    if !Arc::ptr_eq(&src.mount, &parent.dir.mount) {
        return Err(Errno::EXDEV);
    }
    perm::may_link(&t.creds, &*src.dentry.inode)?;
    perm::may_create(&t.creds, &*parent.dir.dentry.inode)?;
    parent.dir.dentry.inode.link(name, &src.dentry.inode)?;
    crate::fs::inotify::on_link(&parent.dir.dentry.inode, name, &src.dentry.inode);
    // Look the new name up afresh: a file system may hand back its own inode.
    parent.dir.dentry.lookup(name)?;
    Ok(0)
}

pub fn link(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_link(t, AT_FDCWD, a[0], AT_FDCWD, a[1], 0)
}

pub fn linkat(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_link(t, fd_arg(a[0]), a[1], fd_arg(a[2]), a[3], a[4] as u32)
}
