//! File-system odds and ends: fallocate, the advice and sync family,
//! close_range, file handles, chroot, mknod and FIFOs, O_TMPFILE, the old
//! getdents and the utime family.

use syscalls::consts::*;
use syscalls::types::Timeval;
use syscalls::Errno;

use super::{fd_arg, read_path, SysResult};
use crate::kernel::Task;
use crate::vfs::{File, FileType, Path, SetAttr, Time, TimeSet};

const CAP_DAC_READ_SEARCH: u32 = 2;
const CAP_SYS_CHROOT: u32 = 18;

/// A descriptor that can do I/O (O_PATH ones cannot: EBADF).
fn io_file(t: &Task, fd: u64) -> Result<std::sync::Arc<File>, Errno> {
    let f = t.files.get(fd_arg(fd))?;
    if f.is_path_only() {
        return Err(Errno::EBADF);
    }
    Ok(f)
}

pub fn fallocate(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (mode, off, len) = (a[1] as u32, a[2] as i64, a[3] as i64);
    let f = io_file(t, a[0])?;
    if off < 0 || len <= 0 {
        return Err(Errno::EINVAL);
    }
    // Linux 6.11+: one operation per call, KEEP_SIZE where it means something.
    let op = mode & FALLOC_FL_MODE_MASK;
    if mode & !(FALLOC_FL_MODE_MASK | FALLOC_FL_KEEP_SIZE) != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    let keep = mode & FALLOC_FL_KEEP_SIZE != 0;
    match op {
        0 | FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_ZERO_RANGE => {}
        FALLOC_FL_PUNCH_HOLE if keep => {}
        FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE | FALLOC_FL_WRITE_ZEROES if !keep => {}
        _ => return Err(Errno::EOPNOTSUPP),
    }
    if !f.writable() {
        return Err(Errno::EBADF);
    }
    match f.inode.file_type() {
        FileType::Fifo => return Err(Errno::ESPIPE),
        FileType::Directory => return Err(Errno::EISDIR),
        FileType::Regular => {}
        _ => return Err(Errno::ENODEV),
    }
    // Past MAX_LFS_FILESIZE (i64::MAX): the sum overflows.
    if off.checked_add(len).is_none() {
        return Err(Errno::EFBIG);
    }
    f.ops.allocate(&f, mode, off as u64, len as u64)?;
    Ok(0)
}

/// fadvise64: the advice is validated and, with no page cache of the
/// sentry's own to steer, has nothing further to do.
pub fn fadvise64(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let f = io_file(t, a[0])?;
    if f.inode.file_type() == FileType::Fifo {
        return Err(Errno::ESPIPE);
    }
    if (a[2] as i64) < 0 || a[3] as u32 > POSIX_FADV_MAX || (a[3] as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    Ok(0)
}

/// readahead: file data is read on demand from memory or the host fd.
pub fn readahead(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let f = io_file(t, a[0])?;
    if !f.readable() {
        return Err(Errno::EBADF);
    }
    if f.inode.file_type() != FileType::Regular {
        return Err(Errno::EINVAL);
    }
    Ok(0)
}

/// sync: the sentry buffers no file data (tmpfs is memory, gofer files are
/// written through), so there is nothing of its own to flush.
pub fn sync(_t: &mut Task, _a: &[u64; 6]) -> SysResult {
    Ok(0)
}

/// syncfs: flushes what can be flushed of the file's file system, the
/// file itself (gofer files fsync on the host).
pub fn syncfs(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let f = io_file(t, a[0])?;
    if f.inode.file_type() == FileType::Regular {
        f.ops.fsync(&f)?;
    }
    Ok(0)
}

pub fn sync_file_range(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (off, n, flags) = (a[1] as i64, a[2] as i64, a[3] as u32);
    let valid = SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
    if flags & !valid != 0 {
        return Err(Errno::EINVAL);
    }
    if off < 0 || n < 0 || off.checked_add(n).is_none() {
        return Err(Errno::EINVAL);
    }
    let f = io_file(t, a[0])?;
    match f.inode.file_type() {
        FileType::Regular | FileType::Directory | FileType::BlockDevice | FileType::Symlink => {}
        _ => return Err(Errno::ESPIPE),
    }
    if flags & SYNC_FILE_RANGE_WRITE != 0 && f.inode.file_type() == FileType::Regular {
        f.ops.fsync(&f)?;
    }
    Ok(0)
}

pub fn close_range(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (first, last, flags) = (a[0] as u32, a[1] as u32, a[2] as u32);
    if flags & !(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) != 0 || first > last {
        return Err(Errno::EINVAL);
    }
    if flags & CLOSE_RANGE_UNSHARE != 0 && std::sync::Arc::strong_count(&t.files) > 1 {
        t.files = t.files.fork();
        t.publish();
    }
    t.files
        .close_range(first, last, flags & CLOSE_RANGE_CLOEXEC != 0);
    Ok(0)
}

/// name_to_handle_at: no file system here exports handles.
pub fn name_to_handle_at(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let flags = a[4] as u32;
    if flags & !(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let path = super::read_path_maybe_empty(t, a[1])?;
    if path.is_empty() {
        if flags & AT_EMPTY_PATH == 0 {
            return Err(Errno::ENOENT);
        }
        if fd_arg(a[0]) != AT_FDCWD {
            t.files.get(fd_arg(a[0]))?;
        }
    } else {
        t.resolve_at(fd_arg(a[0]), &path, flags & AT_SYMLINK_FOLLOW != 0)?;
    }
    Err(Errno::EOPNOTSUPP)
}

/// open_by_handle_at: needs CAP_DAC_READ_SEARCH; since no handle was ever
/// given out, any well-formed one is stale.
pub fn open_by_handle_at(t: &mut Task, a: &[u64; 6]) -> SysResult {
    if !t.creds.has_cap(CAP_DAC_READ_SEARCH) {
        return Err(Errno::EPERM);
    }
    let mount_fd = fd_arg(a[0]);
    if mount_fd != AT_FDCWD {
        t.files.get(mount_fd)?;
    }
    let handle_bytes: u32 = t.mm().read_obj(a[1])?;
    if handle_bytes == 0 || handle_bytes > 128 {
        return Err(Errno::EINVAL);
    }
    Err(Errno::ESTALE)
}

pub fn chroot(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let path = read_path(t, a[0])?;
    let p = t.resolve_at(AT_FDCWD, &path, true)?;
    if !p.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    crate::vfs::perm::may_search(&t.creds, p.dentry.inode.as_ref())?;
    if !t.creds.has_cap(CAP_SYS_CHROOT) {
        return Err(Errno::EPERM);
    }
    t.fs.set_root(p);
    Ok(0)
}

fn do_mknod(t: &Task, dirfd: i32, path_addr: u64, mode: u32, _dev: u64) -> SysResult {
    let ty = match mode & S_IFMT {
        0 | S_IFREG => FileType::Regular,
        S_IFIFO => FileType::Fifo,
        S_IFSOCK => FileType::Socket,
        S_IFCHR => FileType::CharDevice,
        S_IFBLK => FileType::BlockDevice,
        S_IFDIR => return Err(Errno::EPERM),
        _ => return Err(Errno::EINVAL),
    };
    let path = read_path(t, path_addr)?;
    let parent = super::dir::new_name_parent(t, dirfd, &path)?;
    let name = parent.name.as_slice();
    if matches!(ty, FileType::CharDevice | FileType::BlockDevice) {
        // The sandbox hands out no device nodes, whatever the capabilities
        // (CAP_MKNOD included).
        return Err(Errno::EPERM.with_msg("device nodes are not allowed in the sandbox"));
    }
    let (owner, perm) =
        super::dir::create_owner(t, &parent.dir, mode & 0o7777 & !t.fs.umask(), false)?;
    let inode = parent.dir.dentry.inode.mknod(name, ty, perm, owner)?;
    parent.dir.dentry.insert(name, inode);
    Ok(0)
}

pub fn mknod(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_mknod(t, AT_FDCWD, a[0], a[1] as u32, a[2])
}

pub fn mknodat(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_mknod(t, fd_arg(a[0]), a[1], a[2] as u32, a[3])
}

/// open(O_TMPFILE): an unnamed regular file in directory `path`.
pub(crate) fn open_tmpfile(
    t: &Task,
    dirfd: i32,
    path: &[u8],
    flags: u32,
    mode: u32,
) -> Result<std::sync::Arc<File>, Errno> {
    if flags & (O_TMPFILE | O_CREAT) != O_TMPFILE || flags & O_ACCMODE == O_RDONLY {
        return Err(Errno::EINVAL);
    }
    if flags & O_ACCMODE == O_ACCMODE {
        return Err(Errno::EINVAL);
    }
    let dir = t.resolve_at(dirfd, path, flags & O_NOFOLLOW == 0)?;
    if !dir.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    if dir.mount.read_only() {
        return Err(Errno::EROFS);
    }
    let (owner, perm) = super::dir::create_owner(t, &dir, mode & 0o7777 & !t.fs.umask(), false)?;
    let linkable = flags & O_EXCL == 0;
    let inode = dir.dentry.inode.tmpfile(perm, owner, linkable)?;
    let p = Path {
        mount: dir.mount.clone(),
        dentry: dir.dentry.unnamed(inode),
    };
    let ops = p
        .dentry
        .inode
        .clone()
        .open(flags & !(O_TMPFILE | O_EXCL | O_TRUNC))?;
    // F_GETFL shows O_TMPFILE, as on Linux.
    Ok(File::new(
        ops,
        p.dentry.inode.clone(),
        Some(p),
        flags | O_LARGEFILE,
    ))
}

/// The old `struct linux_dirent`: d_ino, d_off, d_reclen, the name, and
/// d_type in the record's last byte.
fn push_dirent(buf: &mut Vec<u8>, ino: u64, off: i64, d_type: u8, name: &[u8]) -> usize {
    let reclen = (18 + name.len() + 2).div_ceil(8) * 8;
    let start = buf.len();
    buf.extend_from_slice(&ino.to_ne_bytes());
    buf.extend_from_slice(&off.to_ne_bytes());
    buf.extend_from_slice(&(reclen as u16).to_ne_bytes());
    buf.extend_from_slice(name);
    buf.resize(start + reclen - 1, 0);
    buf.push(d_type);
    reclen
}

pub fn getdents(t: &mut Task, a: &[u64; 6]) -> SysResult {
    super::dir::read_dir_records(t, a, push_dirent)
}

fn timeval_set(tv: &Timeval) -> Result<TimeSet, Errno> {
    if !(0..1_000_000).contains(&tv.tv_usec) {
        return Err(Errno::EINVAL);
    }
    Ok(TimeSet::At(Time {
        sec: tv.tv_sec,
        nsec: tv.tv_usec * 1000,
    }))
}

/// utimes and futimesat: `times` is NULL (now) or two timevals; a NULL
/// path means the file `dirfd` itself (with AT_FDCWD, EFAULT as on Linux).
fn do_utimes(t: &Task, dirfd: i32, path_addr: u64, times: u64) -> SysResult {
    let req = if times == 0 {
        SetAttr {
            atime: Some(TimeSet::Now),
            mtime: Some(TimeSet::Now),
            ..SetAttr::default()
        }
    } else {
        let tv: [Timeval; 2] = t.mm().read_obj(times)?;
        SetAttr {
            atime: Some(timeval_set(&tv[0])?),
            mtime: Some(timeval_set(&tv[1])?),
            ..SetAttr::default()
        }
    };
    set_times(t, dirfd, path_addr, &req)
}

fn set_times(t: &Task, dirfd: i32, path_addr: u64, req: &SetAttr) -> SysResult {
    let (inode, path) = if path_addr == 0 && dirfd != AT_FDCWD {
        let f = t.files.get(dirfd)?;
        (f.inode.clone(), f.path.clone())
    } else {
        let path = read_path(t, path_addr)?;
        let p = t.resolve_at(dirfd, &path, true)?;
        (p.dentry.inode.clone(), Some(p))
    };
    if path.as_ref().is_some_and(|p| p.mount.read_only()) {
        return Err(Errno::EROFS);
    }
    let touch = req.atime == Some(TimeSet::Now) && req.mtime == Some(TimeSet::Now);
    crate::vfs::perm::may_set_times(&t.creds, &inode.attr()?, touch)?;
    super::stat::set_attr(path.as_ref(), &inode, req)
}

pub fn utime(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let req = if a[1] == 0 {
        SetAttr {
            atime: Some(TimeSet::Now),
            mtime: Some(TimeSet::Now),
            ..SetAttr::default()
        }
    } else {
        // struct utimbuf { time_t actime, modtime; }
        let ts: [i64; 2] = t.mm().read_obj(a[1])?;
        let at = |sec| TimeSet::At(Time { sec, nsec: 0 });
        SetAttr {
            atime: Some(at(ts[0])),
            mtime: Some(at(ts[1])),
            ..SetAttr::default()
        }
    };
    set_times(t, AT_FDCWD, a[0], &req)
}

pub fn utimes(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_utimes(t, AT_FDCWD, a[0], a[1])
}

pub fn futimesat(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_utimes(t, fd_arg(a[0]), a[1], a[2])
}
