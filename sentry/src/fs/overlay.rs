//! The overlay: a writable upper file system (tmpfs in sentry memory) over a
//! read-only lower one (the gofer's root), so the sandbox can change its root
//! without the host ever seeing it.
//!
//! Like Linux's overlayfs: the first change to a lower file copies it up;
//! deleting a lower name leaves a whiteout; a directory made where a lower
//! one was deleted is opaque; readdir merges both layers. Whiteouts and
//! opaqueness are kept in the overlay's own inodes rather than as marker
//! files, since the upper layer lives in sentry memory anyway.

use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use syscalls::consts::*;
use syscalls::Errno;

use crate::vfs::{
    anon_dev, Attr, DirEntry, FileOps, FileType, Inode, InodeRef, Owner, SetAttr, StatFs, TimeSet,
};

/// Inode numbers of files that exist only in the upper layer get this bit,
/// so they never collide with the lower layer's numbers.
const UPPER_INO_BIT: u64 = 1 << 47;

pub struct OverlayFs {
    dev: u64,
    /// The lower layer's root: statfs reports its file system for every
    /// file of the overlay, as Linux reports one file system per mount.
    lower_root: InodeRef,
    /// Upper inode number → lower inode number of each copied-up file, so
    /// a hard link made to it later (an upper-only name) has the same
    /// inode number as the file (git's local clone checks).
    copied_up: Mutex<HashMap<u64, u64>>,
}

impl OverlayFs {
    /// The overlay inode number of a file whose upper inode number is
    /// `upper_ino` and which has no lower file under this name.
    fn upper_only_ino(&self, upper_ino: u64) -> u64 {
        lock(&self.copied_up)
            .get(&upper_ino)
            .copied()
            .unwrap_or(upper_ino | UPPER_INO_BIT)
    }
}

impl OverlayFs {
    /// An overlay of `upper` (an empty writable directory) on `lower`.
    pub fn new_root(upper: InodeRef, lower: InodeRef) -> Result<Arc<OverlayInode>, Errno> {
        let fs = Arc::new(OverlayFs {
            dev: anon_dev(),
            lower_root: lower.clone(),
            copied_up: Mutex::new(HashMap::new()),
        });
        OverlayInode::new(&fs, None, b"/", Some(upper), Some(lower))
    }
}

#[derive(Default)]
struct DirState {
    whiteouts: HashSet<Vec<u8>>,
    opaque: bool,
    /// Live children, so a name always maps to one overlay inode.
    children: HashMap<Vec<u8>, Weak<OverlayInode>>,
}

pub struct OverlayInode {
    fs: Arc<OverlayFs>,
    me: Weak<OverlayInode>,
    ty: FileType,
    ino: u64,
    parent: Mutex<Option<Arc<OverlayInode>>>,
    name: Mutex<Vec<u8>>,
    upper: Mutex<Option<InodeRef>>,
    lower: Option<InodeRef>,
    dir: Mutex<DirState>,
    /// A directory whose entries the sandbox changed: its times come from
    /// the upper layer.
    entries_changed: AtomicBool,
    /// Attributes set by the sandbox (chmod, chown, utimes): they come from
    /// the upper layer.
    attrs_changed: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Looks `name` up, mapping ENOENT to None.
fn maybe(i: &InodeRef, name: &[u8]) -> Result<Option<InodeRef>, Errno> {
    match i.lookup(name) {
        Ok(c) => Ok(Some(c)),
        Err(e) if e == Errno::ENOENT => Ok(None),
        Err(e) => Err(e),
    }
}

impl OverlayInode {
    fn new(
        fs: &Arc<OverlayFs>,
        parent: Option<Arc<OverlayInode>>,
        name: &[u8],
        upper: Option<InodeRef>,
        lower: Option<InodeRef>,
    ) -> Result<Arc<OverlayInode>, Errno> {
        let (ty, ino) = match (&upper, &lower) {
            (_, Some(l)) => (
                upper.as_ref().map_or(l.file_type(), |u| u.file_type()),
                l.attr()?.ino,
            ),
            (Some(u), None) => (u.file_type(), fs.upper_only_ino(u.attr()?.ino)),
            (None, None) => return Err(Errno::ENOENT),
        };
        Ok(Arc::new_cyclic(|me| OverlayInode {
            fs: fs.clone(),
            me: me.clone(),
            ty,
            ino,
            parent: Mutex::new(parent),
            name: Mutex::new(name.to_vec()),
            upper: Mutex::new(upper),
            lower,
            dir: Mutex::new(DirState::default()),
            entries_changed: AtomicBool::new(false),
            attrs_changed: AtomicBool::new(false),
        }))
    }

    fn this(&self) -> Arc<OverlayInode> {
        self.me.upgrade().expect("an inode in use is alive")
    }

    fn upper(&self) -> Option<InodeRef> {
        lock(&self.upper).clone()
    }

    /// The layer that holds the file now: upper if copied up, else lower.
    fn current(&self) -> InodeRef {
        self.upper()
            .or_else(|| self.lower.clone())
            .expect("an overlay inode has a layer")
    }

    fn peer<'a>(&self, other: &'a InodeRef) -> Result<&'a OverlayInode, Errno> {
        other
            .as_any()
            .downcast_ref::<OverlayInode>()
            .filter(|o| Arc::ptr_eq(&o.fs, &self.fs))
            .ok_or(Errno::EXDEV)
    }

    /// Makes sure the file exists in the upper layer and returns it there.
    fn copy_up(&self) -> Result<InodeRef, Errno> {
        if let Some(u) = self.upper() {
            return Ok(u);
        }
        let parent = lock(&self.parent).clone().ok_or(Errno::EROFS)?;
        let pu = parent.copy_up()?;
        let mut up = lock(&self.upper);
        if let Some(u) = &*up {
            return Ok(u.clone());
        }
        let lower = self.lower.as_ref().expect("not in upper means in lower");
        let a = lower.attr()?;
        let owner = Owner {
            uid: a.uid,
            gid: a.gid,
        };
        let perm = a.mode & 0o7777;
        let name = lock(&self.name).clone();
        let new = match self.ty {
            FileType::Regular => {
                let new = pu.create(&name, perm, owner)?;
                copy_data(lower, &new)?;
                new
            }
            FileType::Directory => pu.mkdir(&name, perm, owner)?,
            FileType::Symlink => pu.symlink(&name, &lower.readlink()?, owner)?,
            _ => return Err(Errno::EPERM.with_msg("cannot copy up a special file")),
        };
        copy_xattrs(lower, &new)?;
        if self.ty != FileType::Directory {
            lock(&self.fs.copied_up).insert(new.attr()?.ino, self.ino);
        }
        new.set_attr(&SetAttr {
            mode: Some(perm),
            uid: Some(a.uid),
            gid: Some(a.gid),
            atime: Some(TimeSet::At(a.atime)),
            mtime: Some(TimeSet::At(a.mtime)),
            ..SetAttr::default()
        })?;
        *up = Some(new.clone());
        Ok(new)
    }

    fn child_inode(
        &self,
        name: &[u8],
        upper: Option<InodeRef>,
        lower: Option<InodeRef>,
    ) -> Result<Arc<OverlayInode>, Errno> {
        let c = OverlayInode::new(&self.fs, Some(self.this()), name, upper, lower)?;
        lock(&self.dir)
            .children
            .insert(name.to_vec(), Arc::downgrade(&c));
        Ok(c)
    }

    fn lookup_overlay(&self, name: &[u8]) -> Result<Arc<OverlayInode>, Errno> {
        if self.ty != FileType::Directory {
            return Err(Errno::ENOTDIR);
        }
        let (whited, opaque, cached) = {
            let d = lock(&self.dir);
            (
                d.whiteouts.contains(name),
                d.opaque,
                d.children.get(name).and_then(|w| w.upgrade()),
            )
        };
        if let Some(c) = cached {
            return Ok(c);
        }
        let up = match self.upper() {
            Some(u) => maybe(&u, name)?,
            None => None,
        };
        let mut low = match (&self.lower, whited || opaque) {
            (Some(l), false) => maybe(l, name)?,
            _ => None,
        };
        if let (Some(u), Some(l)) = (&up, &low) {
            // Only two directories merge; anything else in upper hides lower.
            if u.file_type() != FileType::Directory || l.file_type() != FileType::Directory {
                low = None;
            }
        }
        if up.is_none() && low.is_none() {
            return Err(Errno::ENOENT);
        }
        let up_is_dir = up
            .as_ref()
            .is_some_and(|u| u.file_type() == FileType::Directory);
        let c = self.child_inode(name, up, low)?;
        if up_is_dir && c.lower.is_none() && self.lower.is_some() {
            // An upper directory with nothing below it stays as it is.
            lock(&c.dir).opaque = false;
        }
        Ok(c)
    }

    /// Creates an entry in the upper layer via `make`, clearing a whiteout.
    fn create_with(
        &self,
        name: &[u8],
        make: impl FnOnce(&InodeRef) -> Result<InodeRef, Errno>,
    ) -> Result<InodeRef, Errno> {
        match self.lookup_overlay(name) {
            Ok(_) => return Err(Errno::EEXIST),
            Err(e) if e == Errno::ENOENT => {}
            Err(e) => return Err(e),
        }
        let pu = self.copy_up()?;
        let new = make(&pu)?;
        self.entries_changed.store(true, Ordering::Relaxed);
        let was_whited = lock(&self.dir).whiteouts.remove(name);
        let c = self.child_inode(name, Some(new), None)?;
        if was_whited && c.ty == FileType::Directory {
            // A directory replacing a deleted lower one must not show its
            // old contents.
            lock(&c.dir).opaque = true;
        }
        Ok(c)
    }

    fn merged_readdir(&self) -> Result<Vec<DirEntry>, Errno> {
        let (whiteouts, opaque) = {
            let d = lock(&self.dir);
            (d.whiteouts.clone(), d.opaque)
        };
        let upper = match self.upper() {
            Some(u) => u.readdir()?,
            None => Vec::new(),
        };
        let upper_names: HashMap<&[u8], &DirEntry> =
            upper.iter().map(|e| (e.name.as_slice(), e)).collect();
        let mut out = Vec::new();
        let mut from_lower = HashSet::new();
        if let (Some(l), false) = (&self.lower, opaque) {
            for e in l.readdir()? {
                if whiteouts.contains(&e.name) {
                    continue;
                }
                if let Some(u) = upper_names.get(e.name.as_slice()) {
                    let ino = if u.ty == FileType::Directory && e.ty == FileType::Directory
                        || self.copied_up_from_lower(&e.name)
                    {
                        e.ino
                    } else {
                        self.fs.upper_only_ino(u.ino)
                    };
                    from_lower.insert(e.name.clone());
                    out.push(DirEntry {
                        ino,
                        ..(*u).clone()
                    });
                } else {
                    from_lower.insert(e.name.clone());
                    out.push(e);
                }
            }
        }
        for e in upper {
            if !from_lower.contains(&e.name) {
                out.push(DirEntry {
                    ino: self.fs.upper_only_ino(e.ino),
                    ..e
                });
            }
        }
        Ok(out)
    }

    /// Whether the upper entry `name` is a copy-up of the lower one.
    fn copied_up_from_lower(&self, name: &[u8]) -> bool {
        lock(&self.dir)
            .children
            .get(name)
            .and_then(|w| w.upgrade())
            .is_some_and(|c| c.lower.is_some())
    }
}

/// Names of the lower layer's attributes that belong to an overlay file
/// system of the host, never to the file.
fn overlay_internal(name: &[u8]) -> bool {
    name.starts_with(b"trusted.overlay.") || name.starts_with(b"user.overlay.")
}

/// Copies the extended attributes of `from` to its copy-up `to`.
fn copy_xattrs(from: &InodeRef, to: &InodeRef) -> Result<(), Errno> {
    let names = match from.listxattr() {
        Ok(n) => n,
        Err(e) if e == Errno::EOPNOTSUPP => return Ok(()),
        Err(e) => return Err(e),
    };
    for name in names.iter().filter(|n| !overlay_internal(n)) {
        match from.getxattr(name) {
            Ok(v) => to.setxattr(name, &v, 0)?,
            // Removed meanwhile, or not readable through the gofer.
            Err(e) if e == Errno::ENODATA || e == Errno::EOPNOTSUPP => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Copies the contents of regular file `from` into `to`.
fn copy_data(from: &InodeRef, to: &InodeRef) -> Result<(), Errno> {
    let src = from.clone().open(O_RDONLY)?;
    let dst = to.clone().open(O_WRONLY)?;
    let sf = crate::vfs::File::new(src, from.clone(), None, O_RDONLY);
    let df = crate::vfs::File::new(dst, to.clone(), None, O_WRONLY);
    let mut buf = vec![0u8; 1 << 20];
    let mut off = 0u64;
    loop {
        let n = sf.read_at(&mut buf, off)?;
        if n == 0 {
            return Ok(());
        }
        let mut w = 0;
        while w < n {
            w += df.write_at(&buf[w..n], off + w as u64)?;
        }
        off += n as u64;
    }
}

impl Inode for OverlayInode {
    fn file_type(&self) -> FileType {
        self.ty
    }

    fn attr(&self) -> Result<Attr, Errno> {
        let mut a = match (&self.lower, self.ty) {
            // A merged directory looks like its lower self until the sandbox
            // changes it (the upper copy is just a container for new entries).
            (Some(l), FileType::Directory) => {
                let mut a = l.attr()?;
                if let Some(u) = self.upper() {
                    if self.attrs_changed.load(Ordering::Relaxed) {
                        let ua = u.attr()?;
                        (a.mode, a.uid, a.gid) = (ua.mode, ua.uid, ua.gid);
                        (a.atime, a.mtime, a.ctime) = (ua.atime, ua.mtime, ua.ctime);
                    } else if self.entries_changed.load(Ordering::Relaxed) {
                        let ua = u.attr()?;
                        (a.mtime, a.ctime) = (ua.mtime, ua.ctime);
                    }
                }
                a
            }
            _ => self.current().attr()?,
        };
        a.ino = self.ino;
        a.dev = self.fs.dev;
        Ok(a)
    }

    fn set_attr(&self, req: &SetAttr) -> Result<(), Errno> {
        self.copy_up()?.set_attr(req)?;
        self.attrs_changed.store(true, Ordering::Relaxed);
        Ok(())
    }

    fn open(self: Arc<Self>, flags: u32) -> Result<Box<dyn FileOps>, Errno> {
        let writes = flags & O_ACCMODE != O_RDONLY || flags & O_TRUNC != 0;
        let layer = if writes && self.ty == FileType::Regular {
            self.copy_up()?
        } else {
            self.current()
        };
        layer.open(flags)
    }

    fn lookup(&self, name: &[u8]) -> Result<InodeRef, Errno> {
        Ok(self.lookup_overlay(name)? as InodeRef)
    }

    fn readdir(&self) -> Result<Vec<DirEntry>, Errno> {
        if self.ty != FileType::Directory {
            return Err(Errno::ENOTDIR);
        }
        self.merged_readdir()
    }

    fn create(&self, name: &[u8], mode: u32, owner: Owner) -> Result<InodeRef, Errno> {
        self.create_with(name, |pu| pu.create(name, mode, owner))
    }

    fn mkdir(&self, name: &[u8], mode: u32, owner: Owner) -> Result<InodeRef, Errno> {
        self.create_with(name, |pu| pu.mkdir(name, mode, owner))
    }

    fn symlink(&self, name: &[u8], target: &[u8], owner: Owner) -> Result<InodeRef, Errno> {
        self.create_with(name, |pu| pu.symlink(name, target, owner))
    }

    fn mknod(&self, name: &[u8], ty: FileType, mode: u32, owner: Owner) -> Result<InodeRef, Errno> {
        self.create_with(name, |pu| pu.mknod(name, ty, mode, owner))
    }

    fn tmpfile(&self, mode: u32, owner: Owner, linkable: bool) -> Result<InodeRef, Errno> {
        if self.ty != FileType::Directory {
            return Err(Errno::ENOTDIR);
        }
        let u = self.copy_up()?.tmpfile(mode, owner, linkable)?;
        // Not among the children: it has no name until linkat gives one.
        Ok(OverlayInode::new(&self.fs, Some(self.this()), b"", Some(u), None)? as InodeRef)
    }

    fn link(&self, name: &[u8], target: &InodeRef) -> Result<(), Errno> {
        let t = self.peer(target)?;
        if t.ty == FileType::Directory {
            return Err(Errno::EPERM);
        }
        let tu = t.copy_up()?;
        match self.lookup_overlay(name) {
            Ok(_) => return Err(Errno::EEXIST),
            Err(e) if e == Errno::ENOENT => {}
            Err(e) => return Err(e),
        }
        self.copy_up()?.link(name, &tu)?;
        self.entries_changed.store(true, Ordering::Relaxed);
        lock(&self.dir).whiteouts.remove(name);
        Ok(())
    }

    fn unlink(&self, name: &[u8]) -> Result<(), Errno> {
        let c = self.lookup_overlay(name)?;
        if c.ty == FileType::Directory {
            return Err(Errno::EISDIR);
        }
        let pu = self.copy_up()?;
        if c.upper().is_some() {
            pu.unlink(name)?;
        }
        pu.set_attr(&SetAttr {
            mtime: Some(TimeSet::Now),
            ..SetAttr::default()
        })?;
        self.entries_changed.store(true, Ordering::Relaxed);
        let mut d = lock(&self.dir);
        if c.lower.is_some() {
            d.whiteouts.insert(name.to_vec());
        }
        d.children.remove(name);
        Ok(())
    }

    fn rmdir(&self, name: &[u8]) -> Result<(), Errno> {
        let c = self.lookup_overlay(name)?;
        if c.ty != FileType::Directory {
            return Err(Errno::ENOTDIR);
        }
        if !c.merged_readdir()?.is_empty() {
            return Err(Errno::ENOTEMPTY);
        }
        let pu = self.copy_up()?;
        if c.upper().is_some() {
            pu.rmdir(name)?;
        }
        pu.set_attr(&SetAttr {
            mtime: Some(TimeSet::Now),
            ..SetAttr::default()
        })?;
        self.entries_changed.store(true, Ordering::Relaxed);
        let mut d = lock(&self.dir);
        if c.lower.is_some() {
            d.whiteouts.insert(name.to_vec());
        }
        d.children.remove(name);
        Ok(())
    }

    fn rename(&self, old: &[u8], new_dir: &InodeRef, new: &[u8]) -> Result<(), Errno> {
        let nd = self.peer(new_dir)?;
        let src = self.lookup_overlay(old)?;
        if std::ptr::eq(self, nd) && old == new {
            return Ok(());
        }
        if src.ty == FileType::Directory && src.lower.is_some() {
            // Like overlayfs without redirect_dir: callers (mv) fall back to
            // copying the tree.
            return Err(Errno::EXDEV);
        }
        let target = match nd.lookup_overlay(new) {
            Ok(t) => Some(t),
            Err(e) if e == Errno::ENOENT => None,
            Err(e) => return Err(e),
        };
        if let Some(t) = &target {
            if Arc::ptr_eq(t, &src) {
                return Ok(());
            }
            match (src.ty == FileType::Directory, t.ty == FileType::Directory) {
                (true, false) => return Err(Errno::ENOTDIR),
                (false, true) => return Err(Errno::EISDIR),
                (true, true) if !t.merged_readdir()?.is_empty() => return Err(Errno::ENOTEMPTY),
                _ => {}
            }
        }
        src.copy_up()?;
        let from_upper = self.copy_up()?;
        let to_upper = nd.copy_up()?;
        // A target only in the lower layer needs nothing: the new upper
        // entry hides it.
        from_upper.rename(old, &to_upper, new)?;
        self.entries_changed.store(true, Ordering::Relaxed);
        nd.entries_changed.store(true, Ordering::Relaxed);
        {
            let mut d = lock(&self.dir);
            if src.lower.is_some() {
                d.whiteouts.insert(old.to_vec());
            }
            d.children.remove(old);
        }
        {
            let mut d = lock(&nd.dir);
            d.whiteouts.remove(new);
            d.children.insert(new.to_vec(), Arc::downgrade(&src));
        }
        if src.ty == FileType::Directory && target.as_ref().is_some_and(|t| t.lower.is_some()) {
            lock(&src.dir).opaque = true;
        }
        *lock(&src.parent) = Some(nd.this());
        *lock(&src.name) = new.to_vec();
        Ok(())
    }

    fn exchange(&self, a: &[u8], other: &InodeRef, b: &[u8]) -> Result<(), Errno> {
        let od = self.peer(other)?;
        let ca = self.lookup_overlay(a)?;
        let cb = od.lookup_overlay(b)?;
        for c in [&ca, &cb] {
            if c.ty == FileType::Directory && c.lower.is_some() {
                // Its lower contents would not follow it.
                return Err(Errno::EXDEV);
            }
        }
        ca.copy_up()?;
        cb.copy_up()?;
        let ua = self.copy_up()?;
        let ub = od.copy_up()?;
        ua.exchange(a, &ub, b)?;
        self.entries_changed.store(true, Ordering::Relaxed);
        od.entries_changed.store(true, Ordering::Relaxed);
        lock(&self.dir)
            .children
            .insert(a.to_vec(), Arc::downgrade(&cb));
        lock(&od.dir)
            .children
            .insert(b.to_vec(), Arc::downgrade(&ca));
        *lock(&ca.parent) = Some(od.this());
        *lock(&ca.name) = b.to_vec();
        *lock(&cb.parent) = Some(self.this());
        *lock(&cb.name) = a.to_vec();
        Ok(())
    }

    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        self.current().readlink()
    }

    fn getxattr(&self, name: &[u8]) -> Result<Vec<u8>, Errno> {
        if overlay_internal(name) {
            return Err(Errno::ENODATA);
        }
        self.current().getxattr(name)
    }

    fn setxattr(&self, name: &[u8], value: &[u8], flags: u32) -> Result<(), Errno> {
        if overlay_internal(name) {
            return Err(Errno::EPERM.with_msg("overlay-internal attribute"));
        }
        self.copy_up()?.setxattr(name, value, flags)
    }

    fn listxattr(&self) -> Result<Vec<Vec<u8>>, Errno> {
        let mut names = self.current().listxattr()?;
        names.retain(|n| !overlay_internal(n));
        Ok(names)
    }

    fn removexattr(&self, name: &[u8]) -> Result<(), Errno> {
        if overlay_internal(name) {
            return Err(Errno::ENODATA);
        }
        // Nothing to copy up for a name that is not there.
        self.current().getxattr(name)?;
        self.copy_up()?.removexattr(name)
    }

    fn shares_pages(&self) -> bool {
        self.current().shares_pages()
    }

    fn shared_page(&self, index: u64) -> Result<u64, Errno> {
        self.current().shared_page(index)
    }

    fn page_resident(&self, index: u64) -> bool {
        self.current().page_resident(index)
    }

    fn statfs(&self) -> Result<StatFs, Errno> {
        self.fs.lower_root.statfs()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::tmpfs::Tmpfs;
    use crate::mm::memfile::MemoryFile;

    /// A tmpfs directory whose file system reports 42 blocks.
    struct Lower(InodeRef);

    impl Inode for Lower {
        fn file_type(&self) -> FileType {
            self.0.file_type()
        }
        fn attr(&self) -> Result<Attr, Errno> {
            self.0.attr()
        }
        fn open(self: Arc<Self>, flags: u32) -> Result<Box<dyn FileOps>, Errno> {
            self.0.clone().open(flags)
        }
        fn lookup(&self, name: &[u8]) -> Result<InodeRef, Errno> {
            self.0.lookup(name)
        }
        fn readdir(&self) -> Result<Vec<DirEntry>, Errno> {
            self.0.readdir()
        }
        fn statfs(&self) -> Result<StatFs, Errno> {
            Ok(StatFs {
                blocks: 42,
                ..self.0.statfs()?
            })
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    /// An overlay whose lower layer holds a regular file "f".
    fn overlay_with_lower_file() -> Arc<OverlayInode> {
        let mf = Arc::new(MemoryFile::new().unwrap());
        let upper = Tmpfs::new_root(&mf, 0o755, Owner::default());
        let lower_root = Tmpfs::new_root(&mf, 0o755, Owner::default());
        lower_root.create(b"f", 0o644, Owner::default()).unwrap();
        OverlayFs::new_root(upper, Arc::new(Lower(lower_root))).unwrap()
    }

    #[test]
    fn hard_link_to_a_lower_file_has_its_inode_number() {
        let root = overlay_with_lower_file();
        let f = root.lookup(b"f").unwrap();
        let ino = f.attr().unwrap().ino;
        root.link(b"g", &f).unwrap();
        let g = root.lookup(b"g").unwrap();
        assert_eq!(g.attr().unwrap().ino, ino);
        assert_eq!(g.attr().unwrap().nlink, 2);
        assert_eq!(f.attr().unwrap().ino, ino, "copy-up keeps the number");
        let entries = root.readdir().unwrap();
        for name in [&b"f"[..], b"g"] {
            let e = entries.iter().find(|e| e.name == name).unwrap();
            assert_eq!(e.ino, ino, "readdir of {name:?}");
        }
        // A new upper-only file still gets a number of its own.
        let n = root.create(b"n", 0o644, Owner::default()).unwrap();
        assert_ne!(n.attr().unwrap().ino, ino);
    }

    #[test]
    fn statfs_is_the_same_for_upper_only_files() {
        let mf = Arc::new(MemoryFile::new().unwrap());
        let upper = Tmpfs::new_root(&mf, 0o755, Owner::default());
        let lower = Arc::new(Lower(Tmpfs::new_root(&mf, 0o755, Owner::default())));
        let root = OverlayFs::new_root(upper, lower).unwrap();
        let file = root.create(b"new", 0o644, Owner::default()).unwrap();
        let dir = root.mkdir(b"dir", 0o755, Owner::default()).unwrap();
        assert_eq!(root.statfs().unwrap().blocks, 42);
        assert_eq!(file.statfs().unwrap().blocks, 42);
        assert_eq!(dir.statfs().unwrap().blocks, 42);
    }
}
