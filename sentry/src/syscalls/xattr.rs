//! Extended attributes: the getxattr, setxattr, listxattr and removexattr
//! families.
//!
//! The checks are Linux's (`fs/xattr.c`, `xattr_permission` and the
//! capability LSM): user.* lives only on regular files and directories and
//! needs read (get) or write (set, remove) permission, with the sticky-bit
//! owner rule for directories; trusted.* needs CAP_SYS_ADMIN and is hidden
//! from everyone else; security.* can be read by anyone and changed with
//! CAP_SYS_ADMIN; system.* (POSIX ACLs) and unknown namespaces are not
//! supported (EOPNOTSUPP). File systems store the attributes (`Inode::*xattr`).

use syscalls::consts::*;
use syscalls::Errno;

use super::{fd_arg, read_path, SysResult};
use crate::fs::inotify;
use crate::kernel::task_caps::CAP_FOWNER;
use crate::kernel::Task;
use crate::vfs::perm;
use crate::vfs::{FileType, InodeRef, Path};

/// CAP_SYS_ADMIN: trusted.* and security.* writes.
const CAP_SYS_ADMIN: u32 = 21;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Namespace {
    User,
    Trusted,
    Security,
    System,
    Unknown,
}

impl Namespace {
    fn of(name: &[u8]) -> (Namespace, &[u8]) {
        for (prefix, ns) in [
            (&b"user."[..], Namespace::User),
            (b"trusted.", Namespace::Trusted),
            (b"security.", Namespace::Security),
            (b"system.", Namespace::System),
        ] {
            if let Some(rest) = name.strip_prefix(prefix) {
                return (ns, rest);
            }
        }
        (Namespace::Unknown, name)
    }
}

/// What a call works on: the inode, and its place in the tree if any.
struct Target {
    inode: InodeRef,
    path: Option<Path>,
}

fn path_target(t: &Task, addr: u64, follow: bool) -> Result<Target, Errno> {
    let path = read_path(t, addr)?;
    let p = t.resolve_at(AT_FDCWD, &path, follow)?;
    Ok(Target {
        inode: p.dentry.inode.clone(),
        path: Some(p),
    })
}

fn fd_target(t: &Task, fd: u64) -> Result<Target, Errno> {
    let f = t.files.get(fd_arg(fd))?;
    if f.is_path_only() {
        return Err(Errno::EBADF);
    }
    Ok(Target {
        inode: f.inode.clone(),
        path: f.path.clone(),
    })
}

/// Reads an attribute name: ERANGE when empty or longer than 255 bytes.
fn read_name(t: &Task, addr: u64) -> Result<Vec<u8>, Errno> {
    let name = t.mm().read_cstr(addr, XATTR_NAME_MAX).map_err(|e| {
        if e == Errno::ENAMETOOLONG {
            Errno::ERANGE
        } else {
            e
        }
    })?;
    if name.is_empty() {
        return Err(Errno::ERANGE);
    }
    Ok(name)
}

/// Linux's `xattr_permission` plus the capability LSM's rule for
/// security.*, then the namespace lookup a file system's handlers do.
fn check(t: &Task, target: &Target, name: &[u8], write: bool) -> Result<(), Errno> {
    if write && target.path.as_ref().is_some_and(|p| p.mount.read_only()) {
        return Err(Errno::EROFS);
    }
    let (ns, suffix) = Namespace::of(name);
    let inode = &target.inode;
    let denied = if write { Errno::EPERM } else { Errno::ENODATA };
    let needs_mode_check = match ns {
        Namespace::Security | Namespace::System => false,
        Namespace::Trusted => {
            if !t.creds.has_cap(CAP_SYS_ADMIN) {
                return Err(denied);
            }
            true
        }
        Namespace::User => {
            let ty = inode.file_type();
            if ty != FileType::Regular && ty != FileType::Directory {
                return Err(denied);
            }
            if ty == FileType::Directory && write {
                let a = inode.attr()?;
                if a.mode & S_ISVTX != 0 && a.uid != t.creds.fsuid && !t.creds.has_cap(CAP_FOWNER) {
                    return Err(Errno::EPERM);
                }
            }
            true
        }
        Namespace::Unknown => true,
    };
    if needs_mode_check {
        let a = inode.attr()?;
        if perm::check(
            &t.creds,
            &a,
            if write {
                perm::MAY_WRITE
            } else {
                perm::MAY_READ
            },
        )
        .is_err()
        {
            return Err(Errno::EACCES);
        }
    }
    if write && ns == Namespace::Security && !t.creds.has_cap(CAP_SYS_ADMIN) {
        return Err(Errno::EPERM);
    }
    match ns {
        Namespace::Unknown | Namespace::System => Err(Errno::EOPNOTSUPP),
        _ if suffix.is_empty() => Err(Errno::EINVAL),
        _ => Ok(()),
    }
}

fn do_getxattr(t: &Task, target: Target, name_addr: u64, buf: u64, size: u64) -> SysResult {
    let name = read_name(t, name_addr)?;
    check(t, &target, &name, false)?;
    let value = target.inode.getxattr(&name)?;
    if size == 0 {
        return Ok(value.len() as u64);
    }
    if value.len() as u64 > size.min(XATTR_SIZE_MAX as u64) {
        return Err(Errno::ERANGE);
    }
    t.mm().copy_out(buf, &value)?;
    Ok(value.len() as u64)
}

pub fn getxattr(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let target = path_target(t, a[0], true)?;
    do_getxattr(t, target, a[1], a[2], a[3])
}

pub fn lgetxattr(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let target = path_target(t, a[0], false)?;
    do_getxattr(t, target, a[1], a[2], a[3])
}

pub fn fgetxattr(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let target = fd_target(t, a[0])?;
    do_getxattr(t, target, a[1], a[2], a[3])
}

/// A setxattr request, copied in before the file is looked up (as Linux's
/// `setxattr_copy`).
struct SetRequest {
    name: Vec<u8>,
    value: Vec<u8>,
    flags: u32,
}

fn read_set_request(t: &Task, a: &[u64; 6]) -> Result<SetRequest, Errno> {
    let flags = a[4] as u32;
    if a[4] & !u64::from(XATTR_CREATE | XATTR_REPLACE) != 0 {
        return Err(Errno::EINVAL);
    }
    let name = read_name(t, a[1])?;
    let size = a[3];
    if size > XATTR_SIZE_MAX as u64 {
        return Err(Errno::E2BIG);
    }
    let mut value = vec![0u8; size as usize];
    if size > 0 {
        t.mm().copy_in(a[2], &mut value)?;
    }
    Ok(SetRequest { name, value, flags })
}

fn do_setxattr(t: &Task, target: Target, req: SetRequest) -> SysResult {
    check(t, &target, &req.name, true)?;
    target.inode.setxattr(&req.name, &req.value, req.flags)?;
    inotify::notify_file(target.path.as_ref(), &target.inode, IN_ATTRIB);
    Ok(0)
}

pub fn setxattr(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let req = read_set_request(t, a)?;
    let target = path_target(t, a[0], true)?;
    do_setxattr(t, target, req)
}

pub fn lsetxattr(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let req = read_set_request(t, a)?;
    let target = path_target(t, a[0], false)?;
    do_setxattr(t, target, req)
}

pub fn fsetxattr(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let target = fd_target(t, a[0])?;
    let req = read_set_request(t, a)?;
    do_setxattr(t, target, req)
}

fn do_removexattr(t: &Task, target: Target, name_addr: u64) -> SysResult {
    let name = read_name(t, name_addr)?;
    check(t, &target, &name, true)?;
    target.inode.removexattr(&name)?;
    inotify::notify_file(target.path.as_ref(), &target.inode, IN_ATTRIB);
    Ok(0)
}

pub fn removexattr(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let target = path_target(t, a[0], true)?;
    do_removexattr(t, target, a[1])
}

pub fn lremovexattr(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let target = path_target(t, a[0], false)?;
    do_removexattr(t, target, a[1])
}

pub fn fremovexattr(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let target = fd_target(t, a[0])?;
    do_removexattr(t, target, a[1])
}

/// The NUL-terminated names the task may see: trusted.* only with
/// CAP_SYS_ADMIN. A file system without xattrs has none.
fn do_listxattr(t: &Task, target: Target, buf: u64, size: u64) -> SysResult {
    let names = match target.inode.listxattr() {
        Ok(n) => n,
        Err(e) if e == Errno::EOPNOTSUPP => Vec::new(),
        Err(e) => return Err(e),
    };
    let privileged = t.creds.has_cap(CAP_SYS_ADMIN);
    let mut out = Vec::new();
    for n in names {
        if Namespace::of(&n).0 == Namespace::Trusted && !privileged {
            continue;
        }
        out.extend_from_slice(&n);
        out.push(0);
    }
    if size == 0 {
        return Ok(out.len() as u64);
    }
    if out.len() as u64 > size.min(XATTR_LIST_MAX as u64) {
        return Err(Errno::ERANGE);
    }
    t.mm().copy_out(buf, &out)?;
    Ok(out.len() as u64)
}

pub fn listxattr(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let target = path_target(t, a[0], true)?;
    do_listxattr(t, target, a[1], a[2])
}

pub fn llistxattr(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let target = path_target(t, a[0], false)?;
    do_listxattr(t, target, a[1], a[2])
}

pub fn flistxattr(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let target = fd_target(t, a[0])?;
    do_listxattr(t, target, a[1], a[2])
}
