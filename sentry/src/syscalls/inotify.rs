//! inotify: inotify_init, inotify_init1, inotify_add_watch, inotify_rm_watch.
//! The instances, watches and events live in `crate::fs::inotify`.

use syscalls::consts::*;
use syscalls::Errno;

use super::file::{nofile_limit, owner};
use super::{fd_arg, read_path, SysResult};
use crate::fs::inotify;
use crate::kernel::Task;
use crate::vfs::perm;
use crate::vfs::FileType;

fn init(t: &mut Task, flags: u32) -> SysResult {
    if flags & !(IN_NONBLOCK | IN_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    let file = inotify::new_inotify(owner(t), flags);
    Ok(t.files
        .alloc(file, flags & IN_CLOEXEC != 0, 0, nofile_limit(t))? as u64)
}

pub fn inotify_init(t: &mut Task, _a: &[u64; 6]) -> SysResult {
    init(t, 0)
}

/// Flags: IN_NONBLOCK, IN_CLOEXEC.
pub fn inotify_init1(t: &mut Task, a: &[u64; 6]) -> SysResult {
    init(t, a[0] as u32)
}

/// Watches the file at `path` for the events in `mask`, with IN_ONLYDIR,
/// IN_DONT_FOLLOW, IN_MASK_ADD, IN_MASK_CREATE, IN_ONESHOT and
/// IN_EXCL_UNLINK; the same file gets the same watch descriptor.
pub fn inotify_add_watch(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let mask = a[2] as u32;
    if !inotify::valid_mask(mask) {
        return Err(Errno::EINVAL);
    }
    let f = t.files.get(fd_arg(a[0]))?;
    let inst = inotify::instance_of(&f)?;
    let path = read_path(t, a[1])?;
    let p = t.resolve_at(AT_FDCWD, &path, mask & IN_DONT_FOLLOW == 0)?;
    let inode = p.dentry.inode.clone();
    if mask & IN_ONLYDIR != 0 && inode.file_type() != FileType::Directory {
        return Err(Errno::ENOTDIR);
    }
    if perm::check(&t.creds, &inode.attr()?, perm::MAY_READ).is_err() {
        return Err(Errno::EACCES);
    }
    Ok(inotify::add_watch(inst, inode, mask)? as u64)
}

/// Removes watch `wd`; its IN_IGNORED event is queued.
pub fn inotify_rm_watch(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let f = t.files.get(fd_arg(a[0]))?;
    let inst = inotify::instance_of(&f)?;
    inotify::rm_watch(inst, a[1] as i32)?;
    Ok(0)
}
