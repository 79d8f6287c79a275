//! mount(2), umount2(2), pivot_root(2), and the mount-namespace copy behind
//! unshare/clone with CLONE_NEWNS.
//!
//! All of them need CAP_SYS_ADMIN (EPERM otherwise). Supported file system
//! types are "tmpfs" (options size=, nr_blocks=, nr_inodes=, mode=, uid=,
//! gid=), "proc" and "sysfs" (the sentry's own, as at /proc and /sys), and
//! bind mounts. Propagation changes are recorded (mountinfo) but nothing
//! propagates: every namespace copy is independent.

use std::sync::Arc;

use syscalls::consts::*;
use syscalls::Errno;

use super::{read_path, SysResult};
use crate::fs::tmpfs::{Tmpfs, TmpfsLimits};
use crate::kernel::Task;
use crate::vfs::mount_flags::*;
use crate::vfs::{Dentry, FsContext, Mount, MountNamespace, Owner, Path, Propagation};

/// Capability to mount (capabilities(7)).
pub const CAP_SYS_ADMIN: u32 = 21;

// umount2(2) flags.
const MNT_FORCE: u64 = 1;
const MNT_DETACH: u64 = 2;
const MNT_EXPIRE: u64 = 4;
const UMOUNT_NOFOLLOW: u64 = 8;

/// Longest option string mount(2) copies in (a page, as Linux).
const MAX_DATA: usize = 4095;

/// A copy of `ns` for a task leaving it, with `fs`'s root and cwd moved
/// onto the copies of their mounts.
pub(crate) fn copy_mount_ns(
    ns: &MountNamespace,
    fs: &FsContext,
) -> (Arc<MountNamespace>, Arc<FsContext>) {
    let (new, ids) = ns.copy();
    let fs = fs.fork_mapped(|p| match ids.get(&p.mount.id) {
        Some(m) => Path {
            mount: m.clone(),
            dentry: p.dentry.clone(),
        },
        None => p.clone(),
    });
    (new, fs)
}

fn require_admin(t: &Task) -> Result<(), Errno> {
    if t.creds.has_cap(CAP_SYS_ADMIN) {
        Ok(())
    } else {
        Err(Errno::EPERM)
    }
}

/// A NUL-terminated string argument that may be NULL.
fn read_opt_str(t: &Task, addr: u64, max: usize) -> Result<Option<Vec<u8>>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    t.mm().read_cstr(addr, max).map(Some)
}

fn is_mount_root(p: &Path) -> bool {
    Arc::ptr_eq(&p.dentry, &p.mount.root)
}

/// mount(source, target, fstype, flags, data): new tmpfs/proc/sysfs
/// mounts, bind mounts (MS_BIND, MS_REC), remounts of mount flags
/// (MS_REMOUNT|MS_BIND) and of tmpfs options (MS_REMOUNT), propagation
/// changes (MS_SHARED, MS_PRIVATE, MS_SLAVE, MS_UNBINDABLE, with MS_REC)
/// and MS_MOVE. Per-mount flags MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC,
/// MS_NOSYMFOLLOW and the atime flags are kept and shown; read-only and
/// noexec are enforced.
pub fn mount(t: &mut Task, a: &[u64; 6]) -> SysResult {
    require_admin(t)?;
    let mut flags = a[3] as u32;
    if a[3] >> 32 != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & MS_MGC_MSK == MS_MGC_VAL {
        flags &= !MS_MGC_MSK;
    }
    let target = read_path(t, a[1])?;
    let at = t.resolve_at(AT_FDCWD, &target, true)?;
    if !t.mnt_ns.contains(&at.mount) {
        return Err(Errno::EINVAL);
    }
    let propagation = flags & (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE);
    if flags & MS_REMOUNT != 0 && flags & MS_BIND != 0 {
        remount_flags(&at, flags)
    } else if flags & MS_REMOUNT != 0 {
        let data = read_opt_str(t, a[4], MAX_DATA)?;
        remount(&at, flags, data.as_deref())
    } else if flags & MS_BIND != 0 {
        let source = read_path(t, a[0])?;
        let src = t.resolve_at(AT_FDCWD, &source, true)?;
        bind(t, &at, &src, flags)
    } else if propagation != 0 {
        change_propagation(t, &at, flags, propagation)
    } else if flags & MS_MOVE != 0 {
        let source = read_path(t, a[0])?;
        let src = t.resolve_at(AT_FDCWD, &source, true)?;
        move_mount(t, &at, &src)
    } else {
        let fstype = read_opt_str(t, a[2], MAX_DATA)?.ok_or(Errno::EINVAL)?;
        let source = read_opt_str(t, a[0], MAX_DATA)?.unwrap_or_else(|| b"none".to_vec());
        let data = read_opt_str(t, a[4], MAX_DATA)?;
        new_mount(t, &at, &fstype, &source, flags, data.as_deref())
    }
}

/// The mount flags of a new mount: Linux defaults to relatime.
fn mount_flags(flags: u32) -> u32 {
    let mut f = flags & MNT_FLAGS;
    if f & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME) == 0 {
        f |= MS_RELATIME;
    }
    f & !MS_STRICTATIME
}

fn remount_flags(at: &Path, flags: u32) -> SysResult {
    if !is_mount_root(at) {
        return Err(Errno::EINVAL);
    }
    let old = at.mount.flags();
    let mut new = flags & MNT_FLAGS;
    if new & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME) == 0 {
        // Unchanged atime policy unless one is named.
        new |= old & (MS_NOATIME | MS_RELATIME);
    }
    at.mount.set_flags(new & !MS_STRICTATIME);
    Ok(0)
}

fn remount(at: &Path, flags: u32, data: Option<&[u8]>) -> SysResult {
    if !is_mount_root(at) {
        return Err(Errno::EINVAL);
    }
    let mut flags = flags;
    if let Some(tmpfs) = Tmpfs::of(&at.mount.root.inode) {
        let opts = TmpfsOptions::parse(data.unwrap_or_default())?;
        tmpfs.set_limits(&opts.limits)?;
        if let Some(ro) = opts.read_only {
            flags = (flags & !MS_RDONLY) | if ro { MS_RDONLY } else { 0 };
        }
        let mut shown = at
            .mount
            .fs_options
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        *shown = opts.merged_display(&shown);
    } else if data.is_some_and(|d| !d.is_empty()) {
        return Err(Errno::EINVAL.with_msg("only tmpfs takes remount options"));
    }
    let keep = at.mount.flags() & (MS_NOATIME | MS_RELATIME);
    at.mount
        .set_flags((flags & MNT_FLAGS & !MS_STRICTATIME) | keep);
    Ok(0)
}

fn bind(t: &Task, at: &Path, src: &Path, flags: u32) -> SysResult {
    if !t.mnt_ns.contains(&src.mount) {
        return Err(Errno::EINVAL);
    }
    if src.mount.propagation() == Propagation::Unbindable {
        return Err(Errno::EINVAL);
    }
    if src.is_dir() != at.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    t.mnt_ns.bind(at, src, flags & MS_REC != 0);
    Ok(0)
}

fn change_propagation(t: &Task, at: &Path, flags: u32, propagation: u32) -> SysResult {
    if !propagation.is_power_of_two() || flags & !(propagation | MS_REC | MS_SILENT) != 0 {
        return Err(Errno::EINVAL);
    }
    if !is_mount_root(at) {
        return Err(Errno::EINVAL);
    }
    let p = match propagation {
        MS_SHARED => Propagation::Shared,
        MS_SLAVE => Propagation::Slave,
        MS_UNBINDABLE => Propagation::Unbindable,
        _ => Propagation::Private,
    };
    let mut todo = vec![at.mount.clone()];
    while let Some(m) = todo.pop() {
        m.set_propagation(p);
        if flags & MS_REC != 0 {
            todo.extend(t.mnt_ns.children(&m));
        }
    }
    Ok(0)
}

fn move_mount(t: &Task, at: &Path, src: &Path) -> SysResult {
    if !is_mount_root(src) || !t.mnt_ns.contains(&src.mount) {
        return Err(Errno::EINVAL);
    }
    if Arc::ptr_eq(&src.mount, &t.mnt_ns.root()) {
        return Err(Errno::EINVAL);
    }
    if src.is_dir() != at.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    // Not into itself: `at` must not be on the moved mount or below it.
    let mut cur = Some(at.mount.clone());
    while let Some(m) = cur {
        if Arc::ptr_eq(&m, &src.mount) {
            return Err(Errno::ELOOP);
        }
        cur = m.parent().map(|(p, _)| p);
    }
    t.mnt_ns.umount(&src.mount, true, 0)?;
    t.mnt_ns.attach_mount(at, &src.mount);
    Ok(0)
}

fn new_mount(
    t: &Task,
    at: &Path,
    fstype: &[u8],
    source: &[u8],
    flags: u32,
    data: Option<&[u8]>,
) -> SysResult {
    let source = String::from_utf8_lossy(source).into_owned();
    let (root, fs_type, shown): (crate::vfs::InodeRef, &'static str, String) = match fstype {
        b"tmpfs" => {
            let opts = TmpfsOptions::parse(data.unwrap_or_default())?;
            let owner = Owner {
                uid: opts.uid.unwrap_or(t.creds.fsuid),
                gid: opts.gid.unwrap_or(t.creds.fsgid),
            };
            let root = Tmpfs::with_limits(
                &t.kernel.mf,
                opts.mode.unwrap_or(0o1777),
                owner,
                &opts.limits,
            )?;
            let shown = opts.merged_display("");
            (root, "tmpfs", shown)
        }
        b"proc" | b"sysfs" => {
            let name = if fstype == b"proc" { "proc" } else { "sysfs" };
            let root = crate::boot::kernel_fs_root(name, &t.kernel).ok_or(Errno::ENODEV)?;
            (root, name, String::new())
        }
        _ => return Err(Errno::ENODEV),
    };
    if !at.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    let mflags = mount_flags(flags);
    let m = Mount::detached(Dentry::new_root(root), fs_type, &source, mflags, shown);
    t.mnt_ns.attach_mount(at, &m);
    Ok(0)
}

/// Parsed tmpfs options (mount data "size=1m,mode=755,uid=0").
#[derive(Default)]
struct TmpfsOptions {
    limits: TmpfsLimits,
    mode: Option<u32>,
    uid: Option<u32>,
    gid: Option<u32>,
    /// "ro" or "rw" given among the options.
    read_only: Option<bool>,
}

impl TmpfsOptions {
    fn parse(data: &[u8]) -> Result<TmpfsOptions, Errno> {
        let mut o = TmpfsOptions::default();
        let text = std::str::from_utf8(data).map_err(|_| Errno::EINVAL)?;
        for opt in text.split(',').filter(|s| !s.is_empty()) {
            let (k, v) = match opt.split_once('=') {
                Some((k, v)) => (k, Some(v)),
                None => (opt, None),
            };
            let bad = || Errno::EINVAL.with_msg("bad tmpfs option");
            match (k, v) {
                ("size", Some(v)) => o.limits.size = Some(parse_size(v, true)?),
                ("nr_blocks", Some(v)) => {
                    o.limits.size = Some(
                        parse_size(v, false)?
                            .checked_mul(crate::mm::PAGE)
                            .ok_or_else(bad)?,
                    )
                }
                ("nr_inodes", Some(v)) => o.limits.nr_inodes = Some(parse_size(v, false)?),
                ("mode", Some(v)) => {
                    o.mode = Some(u32::from_str_radix(v, 8).map_err(|_| bad())? & 0o7777)
                }
                ("uid", Some(v)) => o.uid = Some(v.parse().map_err(|_| bad())?),
                ("gid", Some(v)) => o.gid = Some(v.parse().map_err(|_| bad())?),
                ("ro", None) => o.read_only = Some(true),
                ("rw", None) => o.read_only = Some(false),
                _ => return Err(bad()),
            }
        }
        // A limit of 0 means none, as in Linux.
        if o.limits.size == Some(0) {
            o.limits.size = None;
        }
        if o.limits.nr_inodes == Some(0) {
            o.limits.nr_inodes = None;
        }
        Ok(o)
    }

    /// The options as mountinfo shows them, over `old` ones (remount).
    fn merged_display(&self, old: &str) -> String {
        let mut kv: Vec<(String, String)> = old
            .split(',')
            .filter_map(|s| s.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut set = |k: &str, v: String| match kv.iter_mut().find(|(x, _)| x == k) {
            Some(e) => e.1 = v,
            None => kv.push((k.to_string(), v)),
        };
        if let Some(s) = self.limits.size {
            set("size", format!("{}k", s.div_ceil(crate::mm::PAGE) * 4));
        }
        if let Some(n) = self.limits.nr_inodes {
            set("nr_inodes", n.to_string());
        }
        if let Some(m) = self.mode {
            set("mode", format!("{m:o}"));
        }
        if let Some(u) = self.uid {
            set("uid", u.to_string());
        }
        if let Some(g) = self.gid {
            set("gid", g.to_string());
        }
        kv.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Linux's memparse plus tmpfs's "N%" of RAM (`percent_ok`).
fn parse_size(v: &str, percent_ok: bool) -> Result<u64, Errno> {
    let bad = || Errno::EINVAL.with_msg("bad tmpfs size");
    if let Some(p) = v.strip_suffix('%') {
        if !percent_ok {
            return Err(bad());
        }
        let p: u64 = p.parse().map_err(|_| bad())?;
        let ram = nix::sys::sysinfo::sysinfo()
            .map(|s| s.ram_total())
            .map_err(|_| bad())?;
        return Ok(ram / 100 * p);
    }
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (num, suffix) = v.split_at(split);
    let n: u64 = num.parse().map_err(|_| bad())?;
    let shift = match suffix {
        "" => 0,
        "k" | "K" => 10,
        "m" | "M" => 20,
        "g" | "G" => 30,
        "t" | "T" => 40,
        "p" | "P" => 50,
        "e" | "E" => 60,
        _ => return Err(bad()),
    };
    n.checked_mul(1u64 << shift).ok_or_else(bad)
}

/// umount2(target, flags): MNT_DETACH (lazy: the mount and everything
/// below it leave the tree now, open files keep working), MNT_FORCE
/// (as a plain unmount: nothing here can hang), MNT_EXPIRE (the first
/// call marks the mount and answers EAGAIN, a second unmounts it if it is
/// not busy), UMOUNT_NOFOLLOW.
pub fn umount2(t: &mut Task, a: &[u64; 6]) -> SysResult {
    require_admin(t)?;
    let flags = a[1];
    if flags & !(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW) != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & MNT_EXPIRE != 0 && flags & (MNT_FORCE | MNT_DETACH) != 0 {
        return Err(Errno::EINVAL);
    }
    let target = read_path(t, a[0])?;
    let p = t.resolve_at(AT_FDCWD, &target, flags & UMOUNT_NOFOLLOW == 0)?;
    if !is_mount_root(&p) || !t.mnt_ns.contains(&p.mount) {
        return Err(Errno::EINVAL);
    }
    if Arc::ptr_eq(&p.mount, &t.mnt_ns.root()) {
        return Err(Errno::EINVAL);
    }
    let m = p.mount.clone();
    drop(p);
    // References the caller holds on `m`: the local one.
    let held = 1;
    if flags & MNT_EXPIRE != 0 {
        if !m.mark_expiring() {
            return Err(Errno::EAGAIN);
        }
        return t.mnt_ns.umount(&m, false, held).map(|()| 0);
    }
    t.mnt_ns
        .umount(&m, flags & MNT_DETACH != 0, held)
        .map(|()| 0)
}

/// pivot_root(new_root, put_old): `new_root` (a mount point, not the
/// current root's mount) becomes the root of the mount namespace and the
/// old root moves to `put_old`, at or below it. The root and cwd of the
/// caller (and of the tasks sharing its fs context) that were the old root
/// move to the new one; Linux moves those of every task in the namespace,
/// here other tasks keep theirs.
pub fn pivot_root(t: &mut Task, a: &[u64; 6]) -> SysResult {
    require_admin(t)?;
    let new_root = read_path(t, a[0])?;
    let put_old = read_path(t, a[1])?;
    let nr = t.resolve_at(AT_FDCWD, &new_root, true)?;
    let po = t.resolve_at(AT_FDCWD, &put_old, true)?;
    if !nr.is_dir() || !po.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    let root = t.fs.root();
    let ns_root = t.mnt_ns.root();
    // The caller's root must be the namespace root's root.
    if !Arc::ptr_eq(&root.mount, &ns_root) || !is_mount_root(&root) {
        return Err(Errno::EINVAL);
    }
    if Arc::ptr_eq(&nr.mount, &ns_root) || Arc::ptr_eq(&po.mount, &ns_root) {
        return Err(Errno::EBUSY);
    }
    if !is_mount_root(&nr) {
        return Err(Errno::EINVAL);
    }
    t.mnt_ns.pivot_root(&nr, &po)?;
    let new = Path {
        dentry: nr.mount.root.clone(),
        mount: nr.mount.clone(),
    };
    t.fs.move_paths(|p| {
        if p.same(&root) {
            new.clone()
        } else {
            p.clone()
        }
    });
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_like_memparse() {
        assert_eq!(parse_size("4096", true), Ok(4096));
        assert_eq!(parse_size("64k", true), Ok(64 << 10));
        assert_eq!(parse_size("3M", true), Ok(3 << 20));
        assert_eq!(parse_size("2g", false), Ok(2 << 30));
        assert!(parse_size("1q", true).is_err());
        assert!(parse_size("", true).is_err());
        assert!(parse_size("k", true).is_err());
        assert!(parse_size("10%", false).is_err());
        assert!(parse_size("99999999999e", true).is_err());
        assert!(parse_size("50%", true).is_ok_and(|n| n > 0));
    }

    #[test]
    fn tmpfs_options_parse_and_show() {
        let o = TmpfsOptions::parse(b"size=1m,nr_inodes=10,mode=1777,uid=5,gid=6,ro").unwrap();
        assert_eq!(o.limits.size, Some(1 << 20));
        assert_eq!(o.limits.nr_inodes, Some(10));
        assert_eq!(o.mode, Some(0o1777));
        assert_eq!((o.uid, o.gid, o.read_only), (Some(5), Some(6), Some(true)));
        assert_eq!(
            o.merged_display(""),
            "size=1024k,nr_inodes=10,mode=1777,uid=5,gid=6"
        );
        let r = TmpfsOptions::parse(b"size=2m").unwrap();
        assert_eq!(
            r.merged_display("size=1024k,mode=755"),
            "size=2048k,mode=755"
        );
        assert_eq!(TmpfsOptions::parse(b"size=0").unwrap().limits.size, None);
        assert!(TmpfsOptions::parse(b"mode=9").is_err());
        assert!(TmpfsOptions::parse(b"bogus").is_err());
        assert!(TmpfsOptions::parse(b"uid=x").is_err());
        assert!(TmpfsOptions::parse(b"size").is_err());
    }
}
