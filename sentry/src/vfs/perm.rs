//! Permission checks: Linux's `generic_permission` and the rules around it
//! (sticky directories, owner-or-capable, set-id bit clearing, new-file
//! ownership), all from a task's credentials. Every file syscall asks here.
//!
//! The identities used are the filesystem ones (fsuid, fsgid, supplementary
//! groups) and the effective capability set, as in Linux. `access(2)` swaps
//! in the real ids first (`access_creds`).

use std::borrow::Cow;

use syscalls::consts::*;
use syscalls::Errno;

use super::{Attr, FileType, Inode, InodeRef, Owner, SetAttr};
use crate::kernel::task_caps::*;
use crate::kernel::Creds;

/// `MAY_EXEC`, `MAY_WRITE`, `MAY_READ`: the same bits as `X_OK`, `W_OK`,
/// `R_OK` and as one rwx triplet of a mode.
pub const MAY_EXEC: u32 = 1;
pub const MAY_WRITE: u32 = 2;
pub const MAY_READ: u32 = 4;

/// Whether `gid` is the caller's filesystem gid or one of its groups.
pub fn in_group(c: &Creds, gid: u32) -> bool {
    c.fsgid == gid || c.groups.contains(&gid)
}

/// Linux's `generic_permission`: the mode triplet that applies to the
/// caller (owner, else group, else other), then the capability overrides:
/// CAP_DAC_READ_SEARCH reads any file and reads and searches any directory;
/// CAP_DAC_OVERRIDE reads and writes anything, searches any directory and
/// executes any file with at least one execute bit.
pub fn check(c: &Creds, a: &Attr, mask: u32) -> Result<(), Errno> {
    let mask = mask & (MAY_READ | MAY_WRITE | MAY_EXEC);
    let bits = if a.uid == c.fsuid {
        a.mode >> 6
    } else if in_group(c, a.gid) {
        a.mode >> 3
    } else {
        a.mode
    } & 7;
    if bits & mask == mask {
        return Ok(());
    }
    let is_dir = a.mode & S_IFMT == S_IFDIR;
    if is_dir {
        if mask & MAY_WRITE == 0 && c.has_cap(CAP_DAC_READ_SEARCH) {
            return Ok(());
        }
        if c.has_cap(CAP_DAC_OVERRIDE) {
            return Ok(());
        }
        return Err(Errno::EACCES);
    }
    if mask == MAY_READ && c.has_cap(CAP_DAC_READ_SEARCH) {
        return Ok(());
    }
    if (mask & MAY_EXEC == 0 || a.mode & 0o111 != 0) && c.has_cap(CAP_DAC_OVERRIDE) {
        return Ok(());
    }
    Err(Errno::EACCES)
}

/// `check` of an inode.
pub fn check_inode(c: &Creds, inode: &dyn Inode, mask: u32) -> Result<(), Errno> {
    check(c, &inode.attr()?, mask)
}

/// Search permission on a directory (every step of a path walk). With
/// CAP_DAC_OVERRIDE or CAP_DAC_READ_SEARCH it holds whatever the mode, so
/// the attributes are not even read.
pub fn may_search(c: &Creds, dir: &dyn Inode) -> Result<(), Errno> {
    const SEARCH_CAPS: u64 = (1 << CAP_DAC_OVERRIDE) | (1 << CAP_DAC_READ_SEARCH);
    if c.cap_effective & SEARCH_CAPS != 0 {
        return Ok(());
    }
    check_inode(c, dir, MAY_EXEC)
}

/// Linux's `inode_owner_or_capable`: the caller owns the file or has
/// CAP_FOWNER.
pub fn owner_or_capable(c: &Creds, a: &Attr) -> bool {
    a.uid == c.fsuid || c.has_cap(CAP_FOWNER)
}

/// Creating an entry in `dir` (open O_CREAT, mkdir, mknod, symlink, link,
/// the target of a rename): write and search permission on it.
pub fn may_create(c: &Creds, dir: &dyn Inode) -> Result<(), Errno> {
    check_inode(c, dir, MAY_WRITE | MAY_EXEC)
}

/// Removing (or renaming away) entry `victim` of `dir`: write and search
/// permission on the directory (EACCES), and in a sticky directory
/// ownership of the entry or the directory, or CAP_FOWNER (EPERM).
pub fn may_delete(c: &Creds, dir: &dyn Inode, victim: &dyn Inode) -> Result<(), Errno> {
    let da = dir.attr()?;
    check(c, &da, MAY_WRITE | MAY_EXEC)?;
    if da.mode & S_ISVTX != 0 {
        let va = victim.attr()?;
        if va.uid != c.fsuid && da.uid != c.fsuid && !c.has_cap(CAP_FOWNER) {
            return Err(Errno::EPERM);
        }
    }
    Ok(())
}

/// The access an open(2) with `flags` asks for (Linux's ACC_MODE, plus
/// write for O_TRUNC).
pub fn open_mask(flags: u32) -> u32 {
    let mut mask = match flags & O_ACCMODE {
        O_RDONLY => MAY_READ,
        O_WRONLY => MAY_WRITE,
        _ => MAY_READ | MAY_WRITE,
    };
    if flags & O_TRUNC != 0 {
        mask |= MAY_WRITE;
    }
    mask
}

/// Linux's `may_open` for an existing file (a file the open just created
/// needs no check): read and write permission by access mode, O_NOATIME
/// only for the owner or with CAP_FOWNER (EPERM).
pub fn may_open(c: &Creds, inode: &dyn Inode, flags: u32) -> Result<(), Errno> {
    let a = inode.attr()?;
    check(c, &a, open_mask(flags))?;
    if flags & O_NOATIME != 0 && !owner_or_capable(c, &a) {
        return Err(Errno::EPERM);
    }
    Ok(())
}

/// Linux's `may_linkat` with `fs.protected_hardlinks = 1` (Debian's and
/// most distributions' default): the owner (or CAP_FOWNER) may link
/// anything; anyone else only a regular file that is not set-user-ID, not
/// executable set-group-ID, and that they may both read and write.
pub fn may_link(c: &Creds, inode: &dyn Inode) -> Result<(), Errno> {
    let a = inode.attr()?;
    if owner_or_capable(c, &a) {
        return Ok(());
    }
    let safe = inode.file_type() == FileType::Regular
        && a.mode & S_ISUID == 0
        && a.mode & (S_ISGID | S_IXGRP) != (S_ISGID | S_IXGRP)
        && check(c, &a, MAY_READ | MAY_WRITE).is_ok();
    if safe {
        Ok(())
    } else {
        Err(Errno::EPERM)
    }
}

/// The mode chmod(2) stores: only the owner or CAP_FOWNER may change it
/// (EPERM), and S_ISGID is dropped when the caller is not in the file's
/// group and lacks CAP_FSETID.
pub fn chmod_mode(c: &Creds, a: &Attr, mode: u32) -> Result<u32, Errno> {
    if !owner_or_capable(c, a) {
        return Err(Errno::EPERM);
    }
    let mut mode = mode & 0o7777;
    if !in_group(c, a.gid) && !c.has_cap(CAP_FSETID) {
        mode &= !S_ISGID;
    }
    Ok(mode)
}

/// Linux's `setattr_should_drop_sgid`: S_ISGID with group execute is a
/// real set-group-ID bit and goes; without it, it is kept for callers in
/// the file's group (or with CAP_FSETID).
fn drops_sgid(c: &Creds, a: &Attr) -> bool {
    a.mode & S_ISGID != 0
        && (a.mode & S_IXGRP != 0 || !(in_group(c, a.gid) || c.has_cap(CAP_FSETID)))
}

/// chown(2): who may change what (EPERM otherwise), and the mode the file
/// keeps. Changing the owner needs CAP_CHOWN (setting it to itself is
/// allowed to the owner); the owner may change the group to one of its
/// groups, CAP_CHOWN to any. A non-directory loses S_ISUID, and S_ISGID
/// as `drops_sgid` says, whoever changes it. Returns the new mode when it
/// changes.
pub fn chown_check(
    c: &Creds,
    a: &Attr,
    uid: Option<u32>,
    gid: Option<u32>,
) -> Result<Option<u32>, Errno> {
    let cap = c.has_cap(CAP_CHOWN);
    if let Some(u) = uid {
        if !(cap || (c.fsuid == a.uid && u == a.uid)) {
            return Err(Errno::EPERM);
        }
    }
    if let Some(g) = gid {
        if !(cap || (c.fsuid == a.uid && (in_group(c, g) || g == a.gid))) {
            return Err(Errno::EPERM);
        }
    }
    if a.mode & S_IFMT == S_IFDIR {
        return Ok(None);
    }
    let mut mode = a.mode & 0o7777;
    mode &= !S_ISUID;
    if drops_sgid(c, a) {
        mode &= !S_ISGID;
    }
    Ok((mode != a.mode & 0o7777).then_some(mode))
}

/// Linux's `file_remove_privs` for write(2) and truncate: a regular file
/// changed by a caller without CAP_FSETID loses S_ISUID and its real
/// S_ISGID. Returns the new mode when it changes.
pub fn kill_privs(c: &Creds, a: &Attr) -> Option<u32> {
    if a.mode & S_IFMT != S_IFREG || a.mode & (S_ISUID | S_ISGID) == 0 || c.has_cap(CAP_FSETID) {
        return None;
    }
    let mut mode = a.mode & 0o7777 & !S_ISUID;
    if drops_sgid(c, a) {
        mode &= !S_ISGID;
    }
    (mode != a.mode & 0o7777).then_some(mode)
}

/// Applies `kill_privs` to a file being written or truncated. Costs
/// nothing for callers with CAP_FSETID and for files of other types.
pub fn remove_privs(c: &Creds, inode: &InodeRef) -> Result<(), Errno> {
    if c.has_cap(CAP_FSETID) || inode.file_type() != FileType::Regular {
        return Ok(());
    }
    if let Some(mode) = kill_privs(c, &inode.attr()?) {
        inode.set_attr(&SetAttr {
            mode: Some(mode),
            ..SetAttr::default()
        })?;
    }
    Ok(())
}

/// utimensat(2): explicit times need the owner or CAP_FOWNER (EPERM);
/// setting both to now (`touch`) may also be done with write permission
/// (EACCES).
pub fn may_set_times(c: &Creds, a: &Attr, touch: bool) -> Result<(), Errno> {
    if owner_or_capable(c, a) {
        return Ok(());
    }
    if touch {
        return check(c, a, MAY_WRITE);
    }
    Err(Errno::EPERM)
}

/// Owner, group and mode of a new entry of directory `dir_attr` (Linux's
/// `inode_init_owner` and `mode_strip_sgid`): the caller's fsuid; the
/// directory's group if it is set-group-ID (and then new directories
/// inherit S_ISGID), else the caller's fsgid. A new non-directory with
/// S_ISGID and group execute in such a directory keeps S_ISGID only if the
/// caller is in the directory's group or has CAP_FSETID.
pub fn new_owner(c: &Creds, dir_attr: &Attr, mode: u32, is_dir: bool) -> (Owner, u32) {
    let mut mode = mode;
    if dir_attr.mode & S_ISGID == 0 {
        return (
            Owner {
                uid: c.fsuid,
                gid: c.fsgid,
            },
            mode,
        );
    }
    if is_dir {
        mode |= S_ISGID;
    } else if mode & (S_ISGID | S_IXGRP) == (S_ISGID | S_IXGRP)
        && !(in_group(c, dir_attr.gid) || c.has_cap(CAP_FSETID))
    {
        mode &= !S_ISGID;
    }
    (
        Owner {
            uid: c.fsuid,
            gid: dir_attr.gid,
        },
        mode,
    )
}

/// The credentials access(2) checks with (Linux's `access_override_creds`):
/// the real uid and gid as filesystem ids; capabilities as root's
/// permitted set if the real uid is 0, else none. AT_EACCESS keeps the
/// caller's own.
pub fn access_creds(c: &Creds, real: bool) -> Cow<'_, Creds> {
    if !real {
        return Cow::Borrowed(c);
    }
    let mut o = c.clone();
    o.fsuid = o.uid;
    o.fsgid = o.gid;
    o.cap_effective = if o.uid == 0 { o.cap_permitted } else { 0 };
    Cow::Owned(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(uid: u32, gid: u32, groups: Vec<u32>) -> Creds {
        Creds::new(uid, gid, groups)
    }

    fn file(mode: u32, uid: u32, gid: u32) -> Attr {
        Attr {
            mode: S_IFREG | mode,
            uid,
            gid,
            ..Attr::default()
        }
    }

    fn dir(mode: u32, uid: u32, gid: u32) -> Attr {
        Attr {
            mode: S_IFDIR | mode,
            uid,
            gid,
            ..Attr::default()
        }
    }

    #[test]
    fn owner_group_other_triplets() {
        let u = user(1000, 1000, vec![50]);
        assert!(check(&u, &file(0o600, 1000, 0), MAY_READ | MAY_WRITE).is_ok());
        assert_eq!(check(&u, &file(0o600, 0, 0), MAY_READ), Err(Errno::EACCES));
        assert!(check(&u, &file(0o040, 0, 50), MAY_READ).is_ok());
        assert!(check(&u, &file(0o004, 0, 0), MAY_READ).is_ok());
        // The owner's triplet applies even when others have more.
        assert_eq!(
            check(&u, &file(0o077, 1000, 0), MAY_READ),
            Err(Errno::EACCES)
        );
    }

    #[test]
    fn root_overrides() {
        let root = user(0, 0, vec![]);
        assert!(check(&root, &file(0o000, 1, 1), MAY_READ | MAY_WRITE).is_ok());
        assert_eq!(
            check(&root, &file(0o600, 1, 1), MAY_EXEC),
            Err(Errno::EACCES)
        );
        assert!(check(&root, &file(0o001, 1, 1), MAY_EXEC).is_ok());
        assert!(check(&root, &dir(0o000, 1, 1), MAY_EXEC | MAY_WRITE).is_ok());
        let mut no_dac = root.clone();
        no_dac.cap_effective &= !(1 << CAP_DAC_OVERRIDE);
        assert_eq!(
            check(&no_dac, &file(0o000, 1, 1), MAY_WRITE),
            Err(Errno::EACCES)
        );
        assert!(check(&no_dac, &file(0o000, 1, 1), MAY_READ).is_ok());
        assert!(check(&no_dac, &dir(0o000, 1, 1), MAY_EXEC | MAY_READ).is_ok());
    }

    #[test]
    fn chown_rules_and_set_id_bits() {
        let u = user(1000, 1000, vec![]);
        let root = user(0, 0, vec![]);
        assert_eq!(
            chown_check(&u, &file(0o644, 1000, 1000), Some(0), None),
            Err(Errno::EPERM)
        );
        assert_eq!(
            chown_check(&u, &file(0o644, 1000, 1000), None, Some(1000)),
            Ok(None)
        );
        assert_eq!(
            chown_check(&u, &file(0o644, 1000, 1000), None, Some(5)),
            Err(Errno::EPERM)
        );
        assert_eq!(
            chown_check(&u, &file(0o644, 2000, 1000), None, Some(1000)),
            Err(Errno::EPERM)
        );
        assert_eq!(
            chown_check(&root, &file(0o6755, 1, 1), Some(2), None),
            Ok(Some(0o755))
        );
        assert_eq!(
            chown_check(&root, &file(0o2745, 1, 1), Some(2), None),
            Ok(None)
        );
        assert_eq!(
            chown_check(&root, &dir(0o6755, 1, 1), Some(2), None),
            Ok(None)
        );
        assert_eq!(kill_privs(&u, &file(0o6755, 1000, 1000)), Some(0o755));
        assert_eq!(kill_privs(&root, &file(0o6755, 1000, 1000)), None);
        assert_eq!(chmod_mode(&u, &file(0o644, 1000, 5), 0o2755), Ok(0o755));
        assert_eq!(chmod_mode(&u, &file(0o644, 0, 0), 0o600), Err(Errno::EPERM));
        assert_eq!(may_set_times(&u, &file(0o666, 0, 0), true), Ok(()));
        assert_eq!(
            may_set_times(&u, &file(0o666, 0, 0), false),
            Err(Errno::EPERM)
        );
        assert_eq!(
            may_set_times(&u, &file(0o644, 0, 0), true),
            Err(Errno::EACCES)
        );
    }

    #[test]
    fn setgid_directories() {
        let u = user(1000, 1000, vec![]);
        let d = dir(0o2777, 0, 50);
        let (o, m) = new_owner(&u, &d, 0o755, true);
        assert_eq!((o.uid, o.gid, m), (1000, 50, 0o2755));
        let (o, m) = new_owner(&u, &d, 0o2755, false);
        assert_eq!((o.gid, m), (50, 0o755));
        let (o, m) = new_owner(&u, &dir(0o777, 0, 50), 0o644, false);
        assert_eq!((o.gid, m), (1000, 0o644));
    }
}
