//! Mounts and the mount namespace.
//!
//! A mount shows a dentry subtree of one file system (its `root`) at a place
//! of its parent mount. Mount flags (read-only, nosuid, nodev, noexec, atime
//! policy) belong to the mount and can change (remount); options of the file
//! system itself ("size=1m,mode=755") are shared by every bind of it.
//!
//! A namespace is a tree of mounts, keyed by where each is mounted. Tasks
//! hold their namespace; unshare(CLONE_NEWNS) gives a task a copy.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use syscalls::Errno;

use super::{Dentry, Path};

// mount(2) flags (MS_*), as <sys/mount.h> defines them.
pub const MS_RDONLY: u32 = 1;
pub const MS_NOSUID: u32 = 2;
pub const MS_NODEV: u32 = 4;
pub const MS_NOEXEC: u32 = 8;
pub const MS_SYNCHRONOUS: u32 = 16;
pub const MS_REMOUNT: u32 = 32;
pub const MS_MANDLOCK: u32 = 64;
pub const MS_DIRSYNC: u32 = 128;
pub const MS_NOSYMFOLLOW: u32 = 256;
pub const MS_NOATIME: u32 = 1024;
pub const MS_NODIRATIME: u32 = 2048;
pub const MS_BIND: u32 = 4096;
pub const MS_MOVE: u32 = 8192;
pub const MS_REC: u32 = 16384;
pub const MS_SILENT: u32 = 32768;
pub const MS_POSIXACL: u32 = 1 << 16;
pub const MS_UNBINDABLE: u32 = 1 << 17;
pub const MS_PRIVATE: u32 = 1 << 18;
pub const MS_SLAVE: u32 = 1 << 19;
pub const MS_SHARED: u32 = 1 << 20;
pub const MS_RELATIME: u32 = 1 << 21;
pub const MS_KERNMOUNT: u32 = 1 << 22;
pub const MS_I_VERSION: u32 = 1 << 23;
pub const MS_STRICTATIME: u32 = 1 << 24;
pub const MS_LAZYTIME: u32 = 1 << 25;
pub const MS_MGC_VAL: u32 = 0xC0ED_0000;
pub const MS_MGC_MSK: u32 = 0xffff_0000;

/// The flags that belong to a mount (rather than to its file system).
pub const MNT_FLAGS: u32 = MS_RDONLY
    | MS_NOSUID
    | MS_NODEV
    | MS_NOEXEC
    | MS_NOSYMFOLLOW
    | MS_NOATIME
    | MS_NODIRATIME
    | MS_RELATIME
    | MS_STRICTATIME;

/// Propagation type (shown in mountinfo; propagation itself is not modelled:
/// every namespace copy is independent, as if all mounts were private).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Propagation {
    Private,
    Shared,
    Slave,
    Unbindable,
}

pub struct Mount {
    pub id: u64,
    pub root: Arc<Dentry>,
    /// Where it is mounted: the parent mount and the dentry covered. None
    /// for a namespace root and for a detached mount.
    parent: Mutex<Option<(Arc<Mount>, Arc<Dentry>)>>,
    /// MS_* flags of `MNT_FLAGS`.
    flags: AtomicU32,
    /// Marked by umount2(MNT_EXPIRE).
    expiring: AtomicBool,
    propagation: Mutex<Propagation>,
    pub fs_type: &'static str,
    pub source: String,
    /// The file system's own options, shared by its bind mounts.
    pub fs_options: Arc<Mutex<String>>,
}

fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Mount {
    pub fn new_root(
        root: Arc<Dentry>,
        fs_type: &'static str,
        source: &str,
        read_only: bool,
    ) -> Arc<Mount> {
        Mount::detached(
            root,
            fs_type,
            source,
            if read_only { MS_RDONLY } else { 0 },
            String::new(),
        )
    }

    /// A mount that is not (yet) part of a tree.
    pub fn detached(
        root: Arc<Dentry>,
        fs_type: &'static str,
        source: &str,
        flags: u32,
        fs_options: String,
    ) -> Arc<Mount> {
        Arc::new(Mount {
            id: next_id(),
            root,
            parent: Mutex::new(None),
            flags: AtomicU32::new(flags & MNT_FLAGS),
            expiring: AtomicBool::new(false),
            propagation: Mutex::new(Propagation::Private),
            fs_type,
            source: source.to_string(),
            fs_options: Arc::new(Mutex::new(fs_options)),
        })
    }

    /// A new mount of the same file system showing `root` (a bind mount).
    fn clone_at(&self, root: Arc<Dentry>) -> Arc<Mount> {
        Arc::new(Mount {
            id: next_id(),
            root,
            parent: Mutex::new(None),
            flags: AtomicU32::new(self.flags()),
            expiring: AtomicBool::new(false),
            propagation: Mutex::new(*lock(&self.propagation)),
            fs_type: self.fs_type,
            source: self.source.clone(),
            fs_options: self.fs_options.clone(),
        })
    }

    pub fn parent(&self) -> Option<(Arc<Mount>, Arc<Dentry>)> {
        lock(&self.parent).clone()
    }

    pub fn flags(&self) -> u32 {
        self.flags.load(Ordering::Relaxed)
    }

    /// Replaces the per-mount flags (remount).
    pub fn set_flags(&self, flags: u32) {
        self.flags.store(flags & MNT_FLAGS, Ordering::Relaxed);
    }

    pub fn read_only(&self) -> bool {
        self.flags() & MS_RDONLY != 0
    }

    pub fn noexec(&self) -> bool {
        self.flags() & MS_NOEXEC != 0
    }

    pub fn nosuid(&self) -> bool {
        self.flags() & MS_NOSUID != 0
    }

    pub fn nodev(&self) -> bool {
        self.flags() & MS_NODEV != 0
    }

    /// Marks the mount for expiry; true if it already was (MNT_EXPIRE).
    pub fn mark_expiring(&self) -> bool {
        self.expiring.swap(true, Ordering::Relaxed)
    }

    pub fn propagation(&self) -> Propagation {
        *lock(&self.propagation)
    }

    pub fn set_propagation(&self, p: Propagation) {
        *lock(&self.propagation) = p;
    }

    /// The mount's flags as statfs(2) reports them in f_flags (ST_*).
    pub fn statfs_flags(&self) -> u32 {
        const ST_RELATIME: u32 = 4096;
        const ST_NOSYMFOLLOW: u32 = 0x2000;
        let f = self.flags();
        // ST_RDONLY, ST_NOSUID, ST_NODEV, ST_NOEXEC, ST_NOATIME and
        // ST_NODIRATIME have the MS_* values.
        let mut st =
            f & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME);
        if f & MS_RELATIME != 0 {
            st |= ST_RELATIME;
        }
        if f & MS_NOSYMFOLLOW != 0 {
            st |= ST_NOSYMFOLLOW;
        }
        st
    }

    /// The per-mount options as mountinfo's fifth field shows them
    /// ("rw,nosuid,nodev,relatime").
    pub fn options(&self) -> String {
        let f = self.flags();
        let mut o = vec![if f & MS_RDONLY != 0 { "ro" } else { "rw" }];
        for (bit, name) in [
            (MS_NOSUID, "nosuid"),
            (MS_NODEV, "nodev"),
            (MS_NOEXEC, "noexec"),
            (MS_NOSYMFOLLOW, "nosymfollow"),
            (MS_NOATIME, "noatime"),
            (MS_NODIRATIME, "nodiratime"),
            (MS_RELATIME, "relatime"),
        ] {
            if f & bit != 0 {
                o.push(name);
            }
        }
        o.join(",")
    }

    /// The file system's options as mountinfo's super options show them
    /// ("rw,size=1024k,mode=755").
    pub fn super_options(&self) -> String {
        let fs = lock(&self.fs_options).clone();
        let ro = if self.read_only() { "ro" } else { "rw" };
        if fs.is_empty() {
            ro.to_string()
        } else {
            format!("{ro},{fs}")
        }
    }

    /// Whether `d` is `self.root` or below it (in the same file system).
    fn covers(&self, d: &Arc<Dentry>) -> bool {
        let mut cur = d.clone();
        loop {
            if Arc::ptr_eq(&cur, &self.root) {
                return true;
            }
            match cur.parent() {
                Some(p) => cur = p,
                None => return false,
            }
        }
    }
}

/// One mount as /proc/self/mountinfo would list it.
#[derive(Clone, Debug)]
pub struct MountInfo {
    pub id: u64,
    pub parent_id: u64,
    /// Where it is mounted, as seen from the namespace root.
    pub mount_point: Vec<u8>,
    /// The mount's root within its file system ("/" unless a bind of a subtree).
    pub root: Vec<u8>,
    pub options: String,
    pub propagation: Propagation,
    pub fs_type: &'static str,
    pub source: String,
    pub super_options: String,
}

pub struct MountNamespace {
    root: Mutex<Arc<Mount>>,
    /// Mounts by (parent mount id, address of the covered dentry).
    mounts: Mutex<HashMap<(u64, usize), Arc<Mount>>>,
}

fn key(m: &Mount, d: &Arc<Dentry>) -> (u64, usize) {
    (m.id, Arc::as_ptr(d) as usize)
}

impl MountNamespace {
    pub fn new(root: Arc<Mount>) -> Arc<MountNamespace> {
        Arc::new(MountNamespace {
            root: Mutex::new(root),
            mounts: Mutex::new(HashMap::new()),
        })
    }

    pub fn root(&self) -> Arc<Mount> {
        lock(&self.root).clone()
    }

    pub fn root_path(&self) -> Path {
        let root = self.root();
        Path {
            dentry: root.root.clone(),
            mount: root,
        }
    }

    fn attach(
        map: &mut HashMap<(u64, usize), Arc<Mount>>,
        m: &Arc<Mount>,
        parent: &Arc<Mount>,
        at: &Arc<Dentry>,
    ) {
        *lock(&m.parent) = Some((parent.clone(), at.clone()));
        at.add_mount();
        map.insert(key(parent, at), m.clone());
    }

    /// Mounts a file system whose root is `root` on `at`.
    pub fn mount(
        &self,
        at: &Path,
        root: Arc<Dentry>,
        fs_type: &'static str,
        source: &str,
        read_only: bool,
    ) -> Arc<Mount> {
        let flags = if read_only { MS_RDONLY } else { 0 };
        let m = Mount::detached(root, fs_type, source, flags, String::new());
        self.attach_mount(at, &m);
        m
    }

    /// Puts the detached mount `m` on `at` (on top of whatever is there).
    pub fn attach_mount(&self, at: &Path, m: &Arc<Mount>) {
        Self::attach(&mut lock(&self.mounts), m, &at.mount, &at.dentry);
    }

    /// The mount sitting on `p`, if any (the most recent one).
    pub fn mounted_at(&self, p: &Path) -> Option<Arc<Mount>> {
        if !p.dentry.has_mounts() {
            return None;
        }
        lock(&self.mounts)
            .get(&(p.mount.id, Arc::as_ptr(&p.dentry) as usize))
            .cloned()
    }

    /// Whether `m` is part of this namespace's tree.
    pub fn contains(&self, m: &Arc<Mount>) -> bool {
        if Arc::ptr_eq(m, &self.root()) {
            return true;
        }
        let Some((parent, at)) = m.parent() else {
            return false;
        };
        lock(&self.mounts)
            .get(&key(&parent, &at))
            .is_some_and(|x| Arc::ptr_eq(x, m))
    }

    /// Mounts directly on `m`.
    pub fn children(&self, m: &Mount) -> Vec<Arc<Mount>> {
        let mut v: Vec<Arc<Mount>> = lock(&self.mounts)
            .iter()
            .filter(|((pid, _), _)| *pid == m.id)
            .map(|(_, c)| c.clone())
            .collect();
        v.sort_by_key(|m| m.id);
        v
    }

    /// Bind-mounts `src` on `at`: a new mount of the same file system showing
    /// `src`'s subtree; with `recursive`, copies of the mounts below `src`
    /// come along (MS_BIND|MS_REC).
    pub fn bind(&self, at: &Path, src: &Path, recursive: bool) -> Arc<Mount> {
        let mut map = lock(&self.mounts);
        let top = src.mount.clone_at(src.dentry.clone());
        if recursive {
            Self::copy_below(&mut map, &src.mount, &src.dentry, &top);
        }
        Self::attach(&mut map, &top, &at.mount, &at.dentry);
        top
    }

    /// Copies the mounts on `from` whose mount points lie under `under`
    /// onto `to` (recursively), within one map.
    fn copy_below(
        map: &mut HashMap<(u64, usize), Arc<Mount>>,
        from: &Arc<Mount>,
        under: &Arc<Dentry>,
        to: &Arc<Mount>,
    ) {
        let mut kids: Vec<(Arc<Dentry>, Arc<Mount>)> = map
            .iter()
            .filter(|((pid, _), _)| *pid == from.id)
            .filter_map(|(_, c)| c.parent().map(|(_, at)| (at, c.clone())))
            .filter(|(at, _)| {
                let mut cur = at.clone();
                loop {
                    if Arc::ptr_eq(&cur, under) {
                        return true;
                    }
                    match cur.parent() {
                        Some(p) => cur = p,
                        None => return false,
                    }
                }
            })
            .collect();
        kids.sort_by_key(|(_, c)| c.id);
        for (at, child) in kids {
            if child.propagation() == Propagation::Unbindable {
                continue;
            }
            let copy = child.clone_at(child.root.clone());
            Self::copy_below(map, &child, &child.root, &copy);
            Self::attach(map, &copy, to, &at);
        }
    }

    /// Removes `m` (and, with `detach`, everything mounted below it) from
    /// the tree. Without `detach`, a mount with submounts or in use (a cwd,
    /// a root, an open file: anything holding a path through it beyond the
    /// `held` references the caller itself has) is EBUSY.
    pub fn umount(&self, m: &Arc<Mount>, detach: bool, held: usize) -> Result<(), Errno> {
        if Arc::ptr_eq(m, &self.root()) {
            return Err(Errno::EINVAL);
        }
        let mut map = lock(&self.mounts);
        let Some((parent, at)) = m.parent() else {
            return Err(Errno::EINVAL);
        };
        let k = key(&parent, &at);
        if !map.get(&k).is_some_and(|x| Arc::ptr_eq(x, m)) {
            return Err(Errno::EINVAL);
        }
        if !detach {
            if map.keys().any(|(pid, _)| *pid == m.id) {
                return Err(Errno::EBUSY);
            }
            // The map's reference and the caller's.
            if Arc::strong_count(m) > 1 + held {
                return Err(Errno::EBUSY);
            }
        }
        map.remove(&k);
        at.remove_mount();
        Self::detach_below(&mut map, m);
        *lock(&m.parent) = None;
        Ok(())
    }

    fn detach_below(map: &mut HashMap<(u64, usize), Arc<Mount>>, m: &Arc<Mount>) {
        let kids: Vec<(u64, usize)> = map.keys().filter(|(p, _)| *p == m.id).copied().collect();
        for k in kids {
            if let Some(c) = map.remove(&k) {
                if let Some((_, at)) = c.parent() {
                    at.remove_mount();
                }
                Self::detach_below(map, &c);
            }
        }
    }

    /// A copy of the whole tree (unshare/clone with CLONE_NEWNS), and a map
    /// from each old mount's id to its copy, to move paths over.
    pub fn copy(&self) -> (Arc<MountNamespace>, HashMap<u64, Arc<Mount>>) {
        let old_root = self.root();
        let map = lock(&self.mounts);
        let new_root = old_root.clone_at(old_root.root.clone());
        let mut new_map = HashMap::new();
        let mut ids = HashMap::new();
        ids.insert(old_root.id, new_root.clone());
        Self::copy_all(&map, &mut new_map, &mut ids, &old_root, &new_root);
        drop(map);
        (
            Arc::new(MountNamespace {
                root: Mutex::new(new_root),
                mounts: Mutex::new(new_map),
            }),
            ids,
        )
    }

    fn copy_all(
        old: &HashMap<(u64, usize), Arc<Mount>>,
        new: &mut HashMap<(u64, usize), Arc<Mount>>,
        ids: &mut HashMap<u64, Arc<Mount>>,
        from: &Arc<Mount>,
        to: &Arc<Mount>,
    ) {
        let mut kids: Vec<&Arc<Mount>> = old
            .iter()
            .filter(|((pid, _), _)| *pid == from.id)
            .map(|(_, c)| c)
            .collect();
        kids.sort_by_key(|c| c.id);
        for child in kids {
            let Some((_, at)) = child.parent() else {
                continue;
            };
            let copy = child.clone_at(child.root.clone());
            ids.insert(child.id, copy.clone());
            Self::attach(new, &copy, to, &at);
            Self::copy_all(old, new, ids, child, &copy);
        }
    }

    /// pivot_root: `new_root` (a mount root in this namespace, not the
    /// current root) becomes the namespace root and the old root is mounted
    /// on `put_old` (at or under `new_root`). The caller checks the
    /// arguments' types and permissions.
    pub fn pivot_root(&self, new_root: &Path, put_old: &Path) -> Result<(), Errno> {
        let old_root = self.root();
        let nr = &new_root.mount;
        if !Arc::ptr_eq(&new_root.dentry, &nr.root) || Arc::ptr_eq(nr, &old_root) {
            return Err(Errno::EINVAL);
        }
        if !self.contains(nr) || !self.contains(&put_old.mount) {
            return Err(Errno::EINVAL);
        }
        // put_old must be at or under new_root.
        if !self.is_under(put_old, nr) {
            return Err(Errno::EINVAL);
        }
        // put_old must not be the old root mount's own root mounted on top
        // of something else already (it is busy when a mount sits on it).
        if self.mounted_at(put_old).is_some() {
            return Err(Errno::EBUSY);
        }
        let mut map = lock(&self.mounts);
        let Some((np, nat)) = nr.parent() else {
            return Err(Errno::EINVAL);
        };
        map.remove(&key(&np, &nat));
        nat.remove_mount();
        *lock(&nr.parent) = None;
        Self::attach(&mut map, &old_root, &put_old.mount, &put_old.dentry);
        *lock(&self.root) = nr.clone();
        Ok(())
    }

    /// Whether `p` is reachable from mount `m`'s root going down (p's
    /// mount is `m` or mounted below it).
    fn is_under(&self, p: &Path, m: &Arc<Mount>) -> bool {
        let mut cur = p.mount.clone();
        let mut d = p.dentry.clone();
        loop {
            if Arc::ptr_eq(&cur, m) {
                return m.covers(&d);
            }
            match cur.parent() {
                Some((pm, at)) => {
                    cur = pm;
                    d = at;
                }
                None => return false,
            }
        }
    }

    pub fn all(&self) -> Vec<Arc<Mount>> {
        let mut v: Vec<Arc<Mount>> = lock(&self.mounts).values().cloned().collect();
        v.sort_by_key(|m| m.id);
        v.insert(0, self.root());
        v
    }

    /// Every mount in tree order (parents before children), as
    /// /proc/self/mountinfo lists them.
    pub fn mount_info(&self) -> Vec<MountInfo> {
        let root = self.root();
        let mut out = Vec::new();
        self.info_rec(&root, b"/".to_vec(), &mut out);
        out
    }

    fn info_rec(&self, m: &Arc<Mount>, mount_point: Vec<u8>, out: &mut Vec<MountInfo>) {
        out.push(MountInfo {
            id: m.id,
            parent_id: m.parent().map_or(m.id, |(p, _)| p.id),
            mount_point: mount_point.clone(),
            root: dentry_path(&m.root),
            options: m.options(),
            propagation: m.propagation(),
            fs_type: m.fs_type,
            source: m.source.clone(),
            super_options: m.super_options(),
        });
        for c in self.children(m) {
            let Some((_, at)) = c.parent() else { continue };
            let rel = relative_path(&m.root, &at);
            let mut mp = mount_point.clone();
            if !rel.is_empty() {
                if mp != b"/" {
                    mp.push(b'/');
                }
                mp.extend_from_slice(&rel);
            }
            self.info_rec(&c, mp, out);
        }
    }
}

/// The path of `d` from its file system's root ("/a/b").
fn dentry_path(d: &Arc<Dentry>) -> Vec<u8> {
    let mut names = Vec::new();
    let mut cur = d.clone();
    while let Some(p) = cur.parent() {
        names.push(cur.name());
        cur = p;
    }
    if names.is_empty() {
        return b"/".to_vec();
    }
    let mut out = Vec::new();
    for n in names.iter().rev() {
        out.push(b'/');
        out.extend_from_slice(n);
    }
    out
}

/// The path of `d` below `top`, without a leading '/' ("" when equal).
fn relative_path(top: &Arc<Dentry>, d: &Arc<Dentry>) -> Vec<u8> {
    let mut names = Vec::new();
    let mut cur = d.clone();
    while !Arc::ptr_eq(&cur, top) {
        names.push(cur.name());
        match cur.parent() {
            Some(p) => cur = p,
            None => break,
        }
    }
    let mut out = Vec::new();
    for n in names.iter().rev() {
        if !out.is_empty() {
            out.push(b'/');
        }
        out.extend_from_slice(n);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::tmpfs::Tmpfs;
    use crate::mm::MemoryFile;
    use crate::vfs::Owner;

    fn tree() -> (Arc<MemoryFile>, Arc<MountNamespace>) {
        let mf = Arc::new(MemoryFile::new().unwrap());
        let root = Tmpfs::new_root(&mf, 0o755, Owner::default());
        let ns = MountNamespace::new(Mount::new_root(
            Dentry::new_root(root),
            "tmpfs",
            "root",
            false,
        ));
        (mf, ns)
    }

    fn mkdir(p: &Path, name: &[u8]) -> Path {
        let inode = p.dentry.inode.mkdir(name, 0o755, Owner::default()).unwrap();
        Path {
            mount: p.mount.clone(),
            dentry: p.dentry.insert(name, inode),
        }
    }

    fn tmpfs_at(mf: &Arc<MemoryFile>, ns: &MountNamespace, at: &Path, src: &str) -> Arc<Mount> {
        let root = Tmpfs::new_root(mf, 0o755, Owner::default());
        let m = Mount::detached(
            Dentry::new_root(root),
            "tmpfs",
            src,
            MS_NOSUID,
            "size=4k".into(),
        );
        ns.attach_mount(at, &m);
        m
    }

    #[test]
    fn mount_info_lists_the_tree_in_order() {
        let (mf, ns) = tree();
        let root = ns.root_path();
        let a = mkdir(&root, b"a");
        let m = tmpfs_at(&mf, &ns, &a, "one");
        let sub = mkdir(
            &Path {
                dentry: m.root.clone(),
                mount: m.clone(),
            },
            b"sub",
        );
        tmpfs_at(&mf, &ns, &sub, "two");
        let info = ns.mount_info();
        let points: Vec<&[u8]> = info.iter().map(|i| i.mount_point.as_slice()).collect();
        assert_eq!(points, [&b"/"[..], b"/a", b"/a/sub"]);
        assert_eq!(info[1].parent_id, info[0].id);
        assert_eq!(info[2].parent_id, info[1].id);
        assert_eq!(info[1].options, "rw,nosuid");
        assert_eq!(info[1].super_options, "rw,size=4k");
        assert_eq!(info[1].source, "one");
    }

    #[test]
    fn bind_rec_copies_and_umount_checks_busy() {
        let (mf, ns) = tree();
        let root = ns.root_path();
        let a = mkdir(&root, b"a");
        let b = mkdir(&root, b"b");
        let sub = mkdir(&a, b"sub");
        let inner = tmpfs_at(&mf, &ns, &sub, "inner");
        let bound = ns.bind(&b, &a, true);
        assert_eq!(ns.children(&bound).len(), 1);
        // `a` (on the root mount) is not a mount; `inner` has nothing on it.
        assert_eq!(ns.umount(&bound, false, 1).unwrap_err(), Errno::EBUSY);
        // A path through the mount (a cwd, an open file) makes it busy.
        let held = Path {
            dentry: inner.root.clone(),
            mount: inner.clone(),
        };
        assert_eq!(ns.umount(&inner, false, 1).unwrap_err(), Errno::EBUSY);
        drop(held);
        ns.umount(&inner, false, 1).unwrap();
        assert!(!ns.contains(&inner));
        // Lazy detach takes the copy below `bound` along.
        ns.umount(&bound, true, 1).unwrap();
        assert_eq!(ns.all().len(), 1);
    }

    #[test]
    fn copies_are_independent() {
        let (mf, ns) = tree();
        let root = ns.root_path();
        let a = mkdir(&root, b"a");
        let m = tmpfs_at(&mf, &ns, &a, "x");
        let (copy, ids) = ns.copy();
        let cm = ids.get(&m.id).unwrap().clone();
        drop(ids);
        assert!(copy.contains(&cm) && !copy.contains(&m) && !ns.contains(&cm));
        copy.umount(&cm, false, 1).unwrap();
        assert!(ns.contains(&m));
        assert_eq!(copy.all().len(), 1);
        assert_eq!(ns.all().len(), 2);
    }
}
