//! tmpfs: a file system in sentry memory.
//!
//! File data lives in pages of the memory file, so a MAP_SHARED mapping of a
//! tmpfs file maps the very pages read(2) and write(2) use. Directory entries
//! keep their creation order for readdir, like Linux's tmpfs.

use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use syscalls::consts::*;
use syscalls::Errno;

use crate::mm::{MemoryFile, PAGE};
use crate::vfs::{
    anon_dev, Attr, DirEntry, File, FileOps, FileType, Inode, InodeRef, Owner, SetAttr, StatFs,
    Time, TimeSet,
};

/// One tmpfs instance.
pub struct Tmpfs {
    dev: u64,
    next_ino: AtomicU64,
    read_only: bool,
    mf: Arc<MemoryFile>,
    /// Page and inode limits (size=, nr_inodes=) and what is in use.
    usage: Usage,
}

/// Limits of a tmpfs instance and its use of them; u64::MAX is no limit.
struct Usage {
    max_pages: AtomicU64,
    pages: AtomicU64,
    max_inodes: AtomicU64,
    inodes: AtomicU64,
}

impl Default for Usage {
    fn default() -> Usage {
        Usage {
            max_pages: AtomicU64::new(u64::MAX),
            pages: AtomicU64::new(0),
            max_inodes: AtomicU64::new(u64::MAX),
            inodes: AtomicU64::new(0),
        }
    }
}

/// The options of mount(2) for a tmpfs that the instance itself keeps.
#[derive(Clone, Copy, Debug, Default)]
pub struct TmpfsLimits {
    /// size=, in bytes (rounded up to pages); None for no limit.
    pub size: Option<u64>,
    /// nr_inodes=; None for no limit.
    pub nr_inodes: Option<u64>,
}

/// TMPFS_MAGIC, statfs's f_type.
const TMPFS_MAGIC: u64 = 0x0102_1994;

impl Tmpfs {
    /// Takes one page of the size limit (ENOSPC when it is used up).
    fn charge_page(&self) -> Result<(), Errno> {
        let max = self.usage.max_pages.load(Ordering::Relaxed);
        self.usage
            .pages
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < max).then_some(n + 1)
            })
            .map(|_| ())
            .map_err(|_| Errno::ENOSPC)
    }

    fn uncharge_pages(&self, n: u64) {
        let _ = self
            .usage
            .pages
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |p| {
                Some(p.saturating_sub(n))
            });
    }

    /// Takes one inode of the nr_inodes limit.
    fn charge_inode(&self) -> Result<(), Errno> {
        let max = self.usage.max_inodes.load(Ordering::Relaxed);
        self.usage
            .inodes
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < max).then_some(n + 1)
            })
            .map(|_| ())
            .map_err(|_| Errno::ENOSPC)
    }

    /// Applies size= and nr_inodes= (mount or remount). Like Linux, a
    /// remount below what is in use fails with EINVAL.
    pub fn set_limits(&self, l: &TmpfsLimits) -> Result<(), Errno> {
        let pages = l.size.map_or(u64::MAX, |s| s.div_ceil(PAGE));
        let inodes = l.nr_inodes.unwrap_or(u64::MAX);
        if pages < self.usage.pages.load(Ordering::Relaxed)
            || inodes < self.usage.inodes.load(Ordering::Relaxed)
        {
            return Err(Errno::EINVAL);
        }
        if l.size.is_some() {
            self.usage.max_pages.store(pages, Ordering::Relaxed);
        }
        if l.nr_inodes.is_some() {
            self.usage.max_inodes.store(inodes, Ordering::Relaxed);
        }
        Ok(())
    }

    fn statfs(&self) -> StatFs {
        let max_pages = self.usage.max_pages.load(Ordering::Relaxed);
        let pages = self.usage.pages.load(Ordering::Relaxed);
        let max_inodes = self.usage.max_inodes.load(Ordering::Relaxed);
        let inodes = self.usage.inodes.load(Ordering::Relaxed);
        let (blocks, bfree) = if max_pages == u64::MAX {
            (0, 0)
        } else {
            (max_pages, max_pages.saturating_sub(pages))
        };
        let (files, ffree) = if max_inodes == u64::MAX {
            (0, 0)
        } else {
            (max_inodes, max_inodes.saturating_sub(inodes))
        };
        StatFs {
            fs_type: TMPFS_MAGIC,
            bsize: PAGE,
            blocks,
            bfree,
            bavail: bfree,
            files,
            ffree,
            namelen: 255,
            frsize: PAGE,
            flags: 0,
        }
    }

    /// The tmpfs a tmpfs inode belongs to (for remount).
    pub fn of(inode: &crate::vfs::InodeRef) -> Option<Arc<Tmpfs>> {
        inode
            .as_any()
            .downcast_ref::<TmpfsInode>()
            .map(|i| i.fs.clone())
    }

    /// A new tmpfs with limits (mount(2) of "tmpfs").
    pub fn with_limits(
        mf: &Arc<MemoryFile>,
        mode: u32,
        owner: Owner,
        limits: &TmpfsLimits,
    ) -> Result<Arc<TmpfsInode>, Errno> {
        let root = Self::new_root(mf, mode, owner);
        root.fs.set_limits(limits)?;
        Ok(root)
    }
}

impl Tmpfs {
    /// A new tmpfs whose file data lives in `mf`; returns its root directory.
    pub fn new_root(mf: &Arc<MemoryFile>, mode: u32, owner: Owner) -> Arc<TmpfsInode> {
        Self::with_options(mf, mode, owner, false)
    }

    pub fn with_options(
        mf: &Arc<MemoryFile>,
        mode: u32,
        owner: Owner,
        read_only: bool,
    ) -> Arc<TmpfsInode> {
        let fs = Arc::new(Tmpfs {
            dev: anon_dev(),
            next_ino: AtomicU64::new(1),
            read_only,
            mf: mf.clone(),
            usage: Usage::default(),
        });
        let root = TmpfsInode::new(
            &fs,
            FileType::Directory,
            mode & 0o7777,
            owner,
            0,
            Data::Dir(DirMap::default()),
        );
        root.meta().nlink = 2;
        root
    }

    /// An unlinked regular file of `size` bytes in a tmpfs of its own: the
    /// object behind MAP_SHARED|MAP_ANONYMOUS memory, whose pages every
    /// process that inherits the mapping shares (Linux's shmem file).
    pub fn anonymous_file(mf: &Arc<MemoryFile>, size: u64) -> Arc<TmpfsInode> {
        let fs = Arc::new(Tmpfs {
            dev: anon_dev(),
            next_ino: AtomicU64::new(1),
            read_only: false,
            mf: mf.clone(),
            usage: Usage::default(),
        });
        let f = TmpfsInode::new(
            &fs,
            FileType::Regular,
            0o600,
            Owner::default(),
            0,
            Data::File(FileData {
                size,
                pages: BTreeMap::new(),
            }),
        );
        f.meta().nlink = 0;
        f
    }

    /// The file behind memfd_create(2): empty, unlinked, mode 0777 like Linux's,
    /// sealable if `sealing` (else F_SEAL_SEAL is set, as for every other
    /// tmpfs file).
    pub fn memfd(mf: &Arc<MemoryFile>, owner: Owner, sealing: bool) -> Arc<TmpfsInode> {
        let f = Self::anonymous_file(mf, 0);
        {
            let mut m = f.meta();
            m.perm = 0o777;
            m.uid = owner.uid;
            m.gid = owner.gid;
        }
        if sealing {
            f.seals.store(0, Ordering::Relaxed);
        }
        f
    }
}

#[derive(Default)]
struct DirMap {
    by_name: HashMap<Vec<u8>, (u64, Arc<TmpfsInode>)>,
    order: BTreeMap<u64, Vec<u8>>,
    next_seq: u64,
}

impl DirMap {
    fn insert(&mut self, name: &[u8], inode: Arc<TmpfsInode>) {
        let seq = self.next_seq;
        self.next_seq += 1;
        if let Some((old, _)) = self.by_name.insert(name.to_vec(), (seq, inode)) {
            self.order.remove(&old);
        }
        self.order.insert(seq, name.to_vec());
    }

    fn remove(&mut self, name: &[u8]) -> Option<Arc<TmpfsInode>> {
        let (seq, inode) = self.by_name.remove(name)?;
        self.order.remove(&seq);
        Some(inode)
    }

    fn get(&self, name: &[u8]) -> Option<&Arc<TmpfsInode>> {
        self.by_name.get(name).map(|(_, i)| i)
    }
}

/// A regular file's contents: its size and the memory-file pages that back
/// it (holes read as zeroes).
#[derive(Default)]
struct FileData {
    size: u64,
    pages: BTreeMap<u64, u64>,
}

enum Data {
    File(FileData),
    Dir(DirMap),
    Symlink(Vec<u8>),
    /// Device nodes, sockets: no data here.
    Special,
    /// A named pipe: the buffer its openers share.
    Fifo(Arc<super::pipe::Fifo>),
}

struct Meta {
    perm: u32,
    uid: u32,
    gid: u32,
    nlink: u64,
    rdev: u64,
    atime: Time,
    mtime: Time,
    ctime: Time,
    btime: Time,
}

pub struct TmpfsInode {
    fs: Arc<Tmpfs>,
    me: Weak<TmpfsInode>,
    ino: u64,
    ty: FileType,
    meta: Mutex<Meta>,
    data: Mutex<Data>,
    /// An O_TMPFILE file linkat may still give a name.
    linkable: AtomicBool,
    /// Extended attributes, in the order they were set.
    xattrs: Mutex<Vec<(Vec<u8>, Vec<u8>)>>,
    /// F_SEAL_* (memfd_create; other files start sealed with F_SEAL_SEAL).
    seals: AtomicU32,
}

impl TmpfsInode {
    fn new(
        fs: &Arc<Tmpfs>,
        ty: FileType,
        perm: u32,
        owner: Owner,
        rdev: u64,
        data: Data,
    ) -> Arc<TmpfsInode> {
        let now = Time::now();
        // The root and anonymous files are never refused; new_child checks
        // the limit first.
        fs.usage.inodes.fetch_add(1, Ordering::Relaxed);
        Arc::new_cyclic(|me| TmpfsInode {
            fs: fs.clone(),
            me: me.clone(),
            ino: fs.next_ino.fetch_add(1, Ordering::Relaxed),
            ty,
            meta: Mutex::new(Meta {
                perm,
                uid: owner.uid,
                gid: owner.gid,
                nlink: 1,
                rdev,
                atime: now,
                mtime: now,
                ctime: now,
                btime: now,
            }),
            data: Mutex::new(data),
            linkable: AtomicBool::new(false),
            xattrs: Mutex::new(Vec::new()),
            seals: AtomicU32::new(F_SEAL_SEAL),
        })
    }

    /// F_GET_SEALS.
    pub fn seals(&self) -> u32 {
        self.seals.load(Ordering::Relaxed)
    }

    /// F_ADD_SEALS, once the caller has checked the file may take them.
    pub fn add_seals(&self, seals: u32) -> Result<(), Errno> {
        let _d = self.data();
        let cur = self.seals();
        if cur & F_SEAL_SEAL != 0 {
            return Err(Errno::EPERM);
        }
        self.seals.store(cur | seals, Ordering::Relaxed);
        Ok(())
    }

    /// Whether the seals forbid writing (and writable shared mappings).
    pub fn write_sealed(&self) -> bool {
        self.seals() & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE) != 0
    }

    /// EPERM where the seals forbid changing the size from `old` to `new`.
    fn check_resize(&self, old: u64, new: u64) -> Result<(), Errno> {
        let seals = self.seals();
        if (new < old && seals & F_SEAL_SHRINK != 0) || (new > old && seals & F_SEAL_GROW != 0) {
            return Err(Errno::EPERM);
        }
        Ok(())
    }

    fn meta(&self) -> MutexGuard<'_, Meta> {
        self.meta.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn data(&self) -> MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn xattrs(&self) -> MutexGuard<'_, Vec<(Vec<u8>, Vec<u8>)>> {
        self.xattrs.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn writable_fs(&self) -> Result<(), Errno> {
        if self.fs.read_only {
            Err(Errno::EROFS)
        } else {
            Ok(())
        }
    }

    fn touch_dir(&self) {
        let now = Time::now();
        let mut m = self.meta();
        m.mtime = now;
        m.ctime = now;
    }

    /// Adds a child made elsewhere (a device node set up by the sentry).
    pub fn add_node(
        &self,
        name: &[u8],
        ty: FileType,
        perm: u32,
        rdev: u64,
    ) -> Result<Arc<TmpfsInode>, Errno> {
        self.new_child(name, ty, perm, Owner::default(), rdev, Data::Special)
    }

    /// Makes a subdirectory from sentry code (mount points, /dev/shm).
    pub fn add_dir(&self, name: &[u8], perm: u32) -> Result<Arc<TmpfsInode>, Errno> {
        self.new_child(
            name,
            FileType::Directory,
            perm,
            Owner::default(),
            0,
            Data::Dir(DirMap::default()),
        )
    }

    fn new_child(
        &self,
        name: &[u8],
        ty: FileType,
        perm: u32,
        owner: Owner,
        rdev: u64,
        data: Data,
    ) -> Result<Arc<TmpfsInode>, Errno> {
        let mut d = self.data();
        let Data::Dir(map) = &mut *d else {
            return Err(Errno::ENOTDIR);
        };
        if map.get(name).is_some() {
            return Err(Errno::EEXIST);
        }
        self.fs.charge_inode()?;
        self.fs.usage.inodes.fetch_sub(1, Ordering::Relaxed);
        let child = TmpfsInode::new(&self.fs, ty, perm, owner, rdev, data);
        if ty == FileType::Directory {
            child.meta().nlink = 2;
            self.meta().nlink += 1;
        }
        map.insert(name, child.clone());
        drop(d);
        self.touch_dir();
        Ok(child)
    }

    fn file_len(&self) -> u64 {
        match &*self.data() {
            Data::File(f) => f.size,
            Data::Symlink(t) => t.len() as u64,
            _ => 0,
        }
    }

    /// 512-byte blocks allocated.
    fn blocks(&self) -> u64 {
        match &*self.data() {
            Data::File(f) => f.pages.len() as u64 * (PAGE / 512),
            Data::Symlink(t) => (t.len() as u64).div_ceil(4096) * 8,
            Data::Dir(_) => 8,
            Data::Special | Data::Fifo(_) => 0,
        }
    }

    /// Truncates or extends file data to `size`, freeing whole pages past it
    /// and zeroing the tail of the last one.
    fn resize(&self, f: &mut FileData, size: u64) {
        let keep = size.div_ceil(PAGE);
        let gone: Vec<u64> = f.pages.range(keep..).map(|(&i, _)| i).collect();
        for i in gone {
            let frame = f.pages.remove(&i).expect("listed");
            self.fs.mf.dec_ref(frame, PAGE);
            self.fs.uncharge_pages(1);
        }
        if size < f.size && !size.is_multiple_of(PAGE) {
            if let Some(&frame) = f.pages.get(&(size / PAGE)) {
                let from = size % PAGE;
                self.fs
                    .mf
                    .write(frame + from, &vec![0u8; (PAGE - from) as usize]);
            }
        }
        f.size = size;
    }
}

impl Inode for TmpfsInode {
    fn file_type(&self) -> FileType {
        self.ty
    }

    fn attr(&self) -> Result<Attr, Errno> {
        let size = match self.ty {
            FileType::Directory => 4096,
            _ => self.file_len(),
        };
        let blocks = self.blocks();
        let m = self.meta();
        Ok(Attr {
            ino: self.ino,
            dev: self.fs.dev,
            mode: self.ty.mode_bits() | m.perm,
            nlink: m.nlink,
            uid: m.uid,
            gid: m.gid,
            rdev: m.rdev,
            size,
            blksize: 4096,
            blocks,
            atime: m.atime,
            mtime: m.mtime,
            ctime: m.ctime,
            btime: Some(m.btime),
        })
    }

    fn set_attr(&self, req: &SetAttr) -> Result<(), Errno> {
        self.writable_fs()?;
        if let Some(size) = req.size {
            match &mut *self.data() {
                Data::File(f) => {
                    self.check_resize(f.size, size)?;
                    self.resize(f, size)
                }
                Data::Dir(_) => return Err(Errno::EISDIR),
                _ => return Err(Errno::EINVAL),
            }
        }
        let now = Time::now();
        let mut m = self.meta();
        if let Some(mode) = req.mode {
            // F_SEAL_EXEC freezes the exec bits.
            if self.seals() & F_SEAL_EXEC != 0 && (m.perm ^ mode) & 0o111 != 0 {
                return Err(Errno::EPERM);
            }
            m.perm = mode & 0o7777;
        }
        if let Some(uid) = req.uid {
            m.uid = uid;
        }
        if let Some(gid) = req.gid {
            m.gid = gid;
        }
        if req.size.is_some() {
            m.mtime = now;
        }
        match req.atime {
            Some(TimeSet::Now) => m.atime = now,
            Some(TimeSet::At(t)) => m.atime = t,
            None => {}
        }
        match req.mtime {
            Some(TimeSet::Now) => m.mtime = now,
            Some(TimeSet::At(t)) => m.mtime = t,
            None => {}
        }
        m.ctime = now;
        Ok(())
    }

    fn open(self: Arc<Self>, flags: u32) -> Result<Box<dyn FileOps>, Errno> {
        if (flags & O_ACCMODE != O_RDONLY || flags & O_TRUNC != 0)
            && (self.ty == FileType::Regular || self.ty == FileType::Directory)
        {
            self.writable_fs()?;
        }
        match self.ty {
            FileType::Regular => {
                if flags & O_TRUNC != 0 && flags & O_ACCMODE != O_RDONLY {
                    self.set_attr(&SetAttr {
                        size: Some(0),
                        ..SetAttr::default()
                    })?;
                }
                Ok(Box::new(TmpfsFile { inode: self }))
            }
            FileType::Directory => Ok(Box::new(super::DirFile)),
            FileType::CharDevice => {
                let rdev = self.meta().rdev;
                super::dev::open_device(rdev)
            }
            FileType::Symlink => Err(Errno::ELOOP),
            FileType::Fifo => {
                let fifo = match &*self.data() {
                    Data::Fifo(f) => f.clone(),
                    _ => return Err(Errno::ENXIO),
                };
                // Opening may wait for the other end: no lock held.
                fifo.open(flags)
            }
            _ => Err(Errno::ENXIO),
        }
    }

    fn getxattr(&self, name: &[u8]) -> Result<Vec<u8>, Errno> {
        self.xattrs()
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .ok_or(Errno::ENODATA)
    }

    fn setxattr(&self, name: &[u8], value: &[u8], flags: u32) -> Result<(), Errno> {
        self.writable_fs()?;
        let mut x = self.xattrs();
        match x.iter_mut().find(|(n, _)| n == name) {
            Some(_) if flags & XATTR_CREATE != 0 => return Err(Errno::EEXIST),
            Some((_, v)) => *v = value.to_vec(),
            None if flags & XATTR_REPLACE != 0 => return Err(Errno::ENODATA),
            None => x.push((name.to_vec(), value.to_vec())),
        }
        drop(x);
        self.meta().ctime = Time::now();
        Ok(())
    }

    fn listxattr(&self) -> Result<Vec<Vec<u8>>, Errno> {
        Ok(self.xattrs().iter().map(|(n, _)| n.clone()).collect())
    }

    fn removexattr(&self, name: &[u8]) -> Result<(), Errno> {
        self.writable_fs()?;
        let mut x = self.xattrs();
        let i = x
            .iter()
            .position(|(n, _)| n == name)
            .ok_or(Errno::ENODATA)?;
        x.remove(i);
        drop(x);
        self.meta().ctime = Time::now();
        Ok(())
    }

    fn lookup(&self, name: &[u8]) -> Result<InodeRef, Errno> {
        match &*self.data() {
            Data::Dir(map) => map
                .get(name)
                .map(|i| i.clone() as InodeRef)
                .ok_or(Errno::ENOENT),
            _ => Err(Errno::ENOTDIR),
        }
    }

    fn readdir(&self) -> Result<Vec<DirEntry>, Errno> {
        match &*self.data() {
            Data::Dir(map) => Ok(map
                .order
                .values()
                .map(|name| {
                    let inode = map.get(name).expect("order and map agree");
                    DirEntry {
                        name: name.clone(),
                        ino: inode.ino,
                        ty: inode.ty,
                    }
                })
                .collect()),
            _ => Err(Errno::ENOTDIR),
        }
    }

    fn create(&self, name: &[u8], mode: u32, owner: Owner) -> Result<InodeRef, Errno> {
        self.writable_fs()?;
        Ok(self.new_child(
            name,
            FileType::Regular,
            mode & 0o7777,
            owner,
            0,
            Data::File(FileData::default()),
        )?)
    }

    fn mkdir(&self, name: &[u8], mode: u32, owner: Owner) -> Result<InodeRef, Errno> {
        self.writable_fs()?;
        Ok(self.new_child(
            name,
            FileType::Directory,
            mode & 0o7777,
            owner,
            0,
            Data::Dir(DirMap::default()),
        )?)
    }

    fn symlink(&self, name: &[u8], target: &[u8], owner: Owner) -> Result<InodeRef, Errno> {
        self.writable_fs()?;
        Ok(self.new_child(
            name,
            FileType::Symlink,
            0o777,
            owner,
            0,
            Data::Symlink(target.to_vec()),
        )?)
    }

    fn link(&self, name: &[u8], target: &InodeRef) -> Result<(), Errno> {
        self.writable_fs()?;
        let target = target
            .as_any()
            .downcast_ref::<TmpfsInode>()
            .filter(|t| Arc::ptr_eq(&t.fs, &self.fs))
            .ok_or(Errno::EXDEV)?;
        if target.ty == FileType::Directory {
            return Err(Errno::EPERM);
        }
        if target.meta().nlink == 0 && !target.linkable.swap(false, Ordering::Relaxed) {
            // Only an O_TMPFILE file without O_EXCL may come back.
            return Err(Errno::ENOENT);
        }
        let target = target.me.upgrade().ok_or(Errno::ENOENT)?;
        let mut d = self.data();
        let Data::Dir(map) = &mut *d else {
            return Err(Errno::ENOTDIR);
        };
        if map.get(name).is_some() {
            return Err(Errno::EEXIST);
        }
        map.insert(name, target.clone());
        drop(d);
        let mut m = target.meta();
        m.nlink += 1;
        m.ctime = Time::now();
        drop(m);
        self.touch_dir();
        Ok(())
    }

    fn unlink(&self, name: &[u8]) -> Result<(), Errno> {
        self.writable_fs()?;
        let mut d = self.data();
        let Data::Dir(map) = &mut *d else {
            return Err(Errno::ENOTDIR);
        };
        let child = map.get(name).ok_or(Errno::ENOENT)?;
        if child.ty == FileType::Directory {
            return Err(Errno::EISDIR);
        }
        let child = map.remove(name).expect("present");
        drop(d);
        let mut m = child.meta();
        m.nlink = m.nlink.saturating_sub(1);
        m.ctime = Time::now();
        drop(m);
        self.touch_dir();
        Ok(())
    }

    fn rmdir(&self, name: &[u8]) -> Result<(), Errno> {
        self.writable_fs()?;
        let mut d = self.data();
        let Data::Dir(map) = &mut *d else {
            return Err(Errno::ENOTDIR);
        };
        let child = map.get(name).ok_or(Errno::ENOENT)?;
        if child.ty != FileType::Directory {
            return Err(Errno::ENOTDIR);
        }
        if let Data::Dir(cm) = &*child.data() {
            if !cm.by_name.is_empty() {
                return Err(Errno::ENOTEMPTY);
            }
        }
        let child = map.remove(name).expect("present");
        drop(d);
        child.meta().nlink = 0;
        self.meta().nlink -= 1;
        self.touch_dir();
        Ok(())
    }

    fn rename(&self, old: &[u8], new_dir: &InodeRef, new: &[u8]) -> Result<(), Errno> {
        self.writable_fs()?;
        let new_dir = new_dir
            .as_any()
            .downcast_ref::<TmpfsInode>()
            .filter(|t| Arc::ptr_eq(&t.fs, &self.fs))
            .ok_or(Errno::EXDEV)?;
        let same = std::ptr::eq(self, new_dir);
        // Lock both directories in address order to avoid deadlock.
        let (mut a, mut b);
        let (src, dst): (&mut DirMap, &mut DirMap) = if same {
            a = self.data();
            let Data::Dir(m) = &mut *a else {
                return Err(Errno::ENOTDIR);
            };
            // SAFETY-free trick: operate on one map for both roles below.
            return rename_within(m, old, new, self);
        } else if (self as *const Self) < (new_dir as *const Self) {
            a = self.data();
            b = new_dir.data();
            match (&mut *a, &mut *b) {
                (Data::Dir(s), Data::Dir(d)) => (s, d),
                _ => return Err(Errno::ENOTDIR),
            }
        } else {
            b = new_dir.data();
            a = self.data();
            match (&mut *a, &mut *b) {
                (Data::Dir(s), Data::Dir(d)) => (s, d),
                _ => return Err(Errno::ENOTDIR),
            }
        };
        let moving = src.get(old).ok_or(Errno::ENOENT)?.clone();
        if let Some(existing) = dst.get(new) {
            check_replace(&moving, existing)?;
            if Arc::ptr_eq(&moving, existing) {
                return Ok(());
            }
        }
        // A directory must not move into itself.
        if moving.ty == FileType::Directory && is_ancestor_of(&moving, new_dir) {
            return Err(Errno::EINVAL);
        }
        let replaced = dst.remove(new);
        src.remove(old);
        dst.insert(new, moving.clone());
        drop(a);
        drop(b);
        finish_replace(replaced);
        if moving.ty == FileType::Directory {
            self.meta().nlink -= 1;
            new_dir.meta().nlink += 1;
        }
        self.touch_dir();
        new_dir.touch_dir();
        moving.meta().ctime = Time::now();
        Ok(())
    }

    fn exchange(&self, a: &[u8], other: &InodeRef, b: &[u8]) -> Result<(), Errno> {
        self.writable_fs()?;
        let other = other
            .as_any()
            .downcast_ref::<TmpfsInode>()
            .filter(|t| Arc::ptr_eq(&t.fs, &self.fs))
            .ok_or(Errno::EXDEV)?;
        let now = Time::now();
        if std::ptr::eq(self, other) {
            let mut d = self.data();
            let Data::Dir(map) = &mut *d else {
                return Err(Errno::ENOTDIR);
            };
            let ia = map.get(a).ok_or(Errno::ENOENT)?.clone();
            let ib = map.get(b).ok_or(Errno::ENOENT)?.clone();
            map.insert(a, ib.clone());
            map.insert(b, ia.clone());
            drop(d);
            for i in [&ia, &ib] {
                i.meta().ctime = now;
            }
            self.touch_dir();
            return Ok(());
        }
        let (ia, ib) = {
            let (mut da, mut db) = if (self as *const Self) < (other as *const Self) {
                let da = self.data();
                (da, other.data())
            } else {
                let db = other.data();
                (self.data(), db)
            };
            let (Data::Dir(ma), Data::Dir(mb)) = (&mut *da, &mut *db) else {
                return Err(Errno::ENOTDIR);
            };
            let ia = ma.get(a).ok_or(Errno::ENOENT)?.clone();
            let ib = mb.get(b).ok_or(Errno::ENOENT)?.clone();
            if ia.ty == FileType::Directory && is_ancestor_of(&ia, other)
                || ib.ty == FileType::Directory && is_ancestor_of(&ib, self)
            {
                return Err(Errno::EINVAL);
            }
            ma.insert(a, ib.clone());
            mb.insert(b, ia.clone());
            (ia, ib)
        };
        // Subdirectories moving between parents move their ".." links.
        let dirs = |i: &Arc<TmpfsInode>| (i.ty == FileType::Directory) as u64;
        let (na, nb) = (dirs(&ia), dirs(&ib));
        {
            let mut m = self.meta();
            m.nlink = m.nlink + nb - na;
        }
        {
            let mut m = other.meta();
            m.nlink = m.nlink + na - nb;
        }
        for i in [&ia, &ib] {
            i.meta().ctime = now;
        }
        self.touch_dir();
        other.touch_dir();
        Ok(())
    }

    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        match &*self.data() {
            Data::Symlink(t) => Ok(t.clone()),
            _ => Err(Errno::EINVAL),
        }
    }

    fn mknod(&self, name: &[u8], ty: FileType, mode: u32, owner: Owner) -> Result<InodeRef, Errno> {
        self.writable_fs()?;
        let data = match ty {
            FileType::Regular => Data::File(FileData::default()),
            FileType::Fifo => Data::Fifo(Arc::new(super::pipe::Fifo::new())),
            FileType::Socket => Data::Special,
            _ => return Err(Errno::EPERM),
        };
        Ok(self.new_child(name, ty, mode & 0o7777, owner, 0, data)?)
    }

    fn tmpfile(&self, mode: u32, owner: Owner, linkable: bool) -> Result<InodeRef, Errno> {
        self.writable_fs()?;
        if self.ty != FileType::Directory {
            return Err(Errno::ENOTDIR);
        }
        let f = TmpfsInode::new(
            &self.fs,
            FileType::Regular,
            mode & 0o7777,
            owner,
            0,
            Data::File(FileData::default()),
        );
        f.meta().nlink = 0;
        f.linkable.store(linkable, Ordering::Relaxed);
        Ok(f)
    }

    fn shares_pages(&self) -> bool {
        self.ty == FileType::Regular
    }

    fn shared_page(&self, index: u64) -> Result<u64, Errno> {
        let frame = self.page(index)?;
        self.fs.mf.inc_ref(frame, PAGE);
        Ok(frame)
    }

    fn page_resident(&self, index: u64) -> bool {
        matches!(&*self.data(), Data::File(f) if f.pages.contains_key(&index))
    }

    fn statfs(&self) -> Result<StatFs, Errno> {
        Ok(self.fs.statfs())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn check_replace(moving: &Arc<TmpfsInode>, existing: &Arc<TmpfsInode>) -> Result<(), Errno> {
    match (
        moving.ty == FileType::Directory,
        existing.ty == FileType::Directory,
    ) {
        (true, false) => Err(Errno::ENOTDIR),
        (false, true) => Err(Errno::EISDIR),
        (true, true) => match &*existing.data() {
            Data::Dir(m) if !m.by_name.is_empty() => Err(Errno::ENOTEMPTY),
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

fn finish_replace(replaced: Option<Arc<TmpfsInode>>) {
    if let Some(r) = replaced {
        let mut m = r.meta();
        m.nlink = if r.ty == FileType::Directory {
            0
        } else {
            m.nlink.saturating_sub(1)
        };
        m.ctime = Time::now();
    }
}

fn rename_within(map: &mut DirMap, old: &[u8], new: &[u8], dir: &TmpfsInode) -> Result<(), Errno> {
    let moving = map.get(old).ok_or(Errno::ENOENT)?.clone();
    if old == new {
        return Ok(());
    }
    if let Some(existing) = map.get(new) {
        check_replace(&moving, existing)?;
        if Arc::ptr_eq(&moving, existing) {
            return Ok(());
        }
    }
    let replaced = map.remove(new);
    map.remove(old);
    map.insert(new, moving.clone());
    let replaced_dir = replaced
        .as_ref()
        .is_some_and(|r| r.ty == FileType::Directory);
    finish_replace(replaced);
    let now = Time::now();
    {
        let mut m = dir.meta.lock().unwrap_or_else(|e| e.into_inner());
        if replaced_dir {
            m.nlink -= 1;
        }
        m.mtime = now;
        m.ctime = now;
    }
    moving.meta().ctime = now;
    Ok(())
}

/// Whether `dir` is `anc` or below it (walks the tree from `anc`).
fn is_ancestor_of(anc: &Arc<TmpfsInode>, dir: &TmpfsInode) -> bool {
    if std::ptr::eq(anc.as_ref(), dir) {
        return true;
    }
    let d = anc.data();
    let Data::Dir(map) = &*d else { return false };
    map.by_name
        .values()
        .filter(|(_, c)| c.ty == FileType::Directory)
        .any(|(_, c)| is_ancestor_of(c, dir))
}

/// An open regular tmpfs file.
struct TmpfsFile {
    inode: Arc<TmpfsInode>,
}

impl FileOps for TmpfsFile {
    fn allocate(&self, _file: &File, mode: u32, off: u64, len: u64) -> Result<(), Errno> {
        self.allocate_range(mode, off, len)
    }

    fn seek_hole_data(&self, _file: &File, off: u64, whence: u32) -> Option<Result<u64, Errno>> {
        self.hole_or_data(off, whence)
    }

    fn read(&self, _file: &File, buf: &mut [u8], off: u64) -> Result<usize, Errno> {
        let d = self.inode.data();
        let Data::File(f) = &*d else {
            return Err(Errno::EINVAL);
        };
        if off >= f.size {
            return Ok(0);
        }
        let n = buf.len().min((f.size - off) as usize);
        let mut done = 0;
        while done < n {
            let pos = off + done as u64;
            let in_page = (pos % PAGE) as usize;
            let chunk = (PAGE as usize - in_page).min(n - done);
            let dst = &mut buf[done..done + chunk];
            match f.pages.get(&(pos / PAGE)) {
                Some(&frame) => self.inode.fs.mf.read(frame + in_page as u64, dst),
                None => dst.fill(0),
            }
            done += chunk;
        }
        Ok(n)
    }

    fn write(&self, _file: &File, buf: &[u8], off: u64) -> Result<usize, Errno> {
        let end = off.checked_add(buf.len() as u64).ok_or(Errno::EFBIG)?;
        if end > MAX_FILE_SIZE {
            return Err(Errno::EFBIG);
        }
        let written;
        {
            let mut d = self.inode.data();
            let Data::File(f) = &mut *d else {
                return Err(Errno::EINVAL);
            };
            if self.inode.write_sealed() {
                return Err(Errno::EPERM);
            }
            if end > f.size {
                self.inode.check_resize(f.size, end)?;
            }
            let mf = &self.inode.fs.mf;
            let pages = if buf.is_empty() {
                0..0
            } else {
                off / PAGE..end.div_ceil(PAGE)
            };
            let mut limit = buf.len();
            for index in pages {
                if let std::collections::btree_map::Entry::Vacant(slot) = f.pages.entry(index) {
                    let charged = self.inode.fs.charge_page().and_then(|()| {
                        mf.alloc(PAGE)
                            .inspect_err(|_| self.inode.fs.uncharge_pages(1))
                    });
                    match charged {
                        Ok(frame) => {
                            slot.insert(frame);
                        }
                        // A short write when some of it goes in, as on Linux.
                        Err(_) if index * PAGE > off => {
                            limit = (index * PAGE - off) as usize;
                            break;
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
            let buf = &buf[..limit];
            // One copy per run of pages whose frames follow each other (new
            // pages of a file usually do): large copies are cheaper.
            let mut done = 0;
            while done < buf.len() {
                let pos = off + done as u64;
                let start = f.pages[&(pos / PAGE)] + pos % PAGE;
                let mut len = ((PAGE - pos % PAGE) as usize).min(buf.len() - done);
                while done + len < buf.len()
                    && f.pages[&((pos + len as u64) / PAGE)] == start + len as u64
                {
                    len += (PAGE as usize).min(buf.len() - done - len);
                }
                mf.write(start, &buf[done..done + len]);
                done += len;
            }
            f.size = f.size.max(off + done as u64);
            written = done;
        }
        let now = Time::now();
        let mut m = self.inode.meta();
        m.mtime = now;
        m.ctime = now;
        Ok(written)
    }
}

impl TmpfsFile {
    fn zero(&self, frame: u64, from: u64, to: u64) {
        if to > from {
            self.inode
                .fs
                .mf
                .write(frame + from, &vec![0u8; (to - from) as usize]);
        }
    }

    fn allocate_range(&self, mode: u32, off: u64, len: u64) -> Result<(), Errno> {
        if !matches!(
            mode & FALLOC_FL_MODE_MASK,
            0 | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE
        ) {
            // Collapse, insert, unshare, write-zeroes.
            return Err(Errno::EOPNOTSUPP);
        }
        let end = off.checked_add(len).ok_or(Errno::EFBIG)?;
        if end > MAX_FILE_SIZE {
            return Err(Errno::EFBIG);
        }
        {
            let mut d = self.inode.data();
            let Data::File(f) = &mut *d else {
                return Err(Errno::ENODEV);
            };
            let mf = &self.inode.fs.mf;
            let (first, last) = (off / PAGE, end.div_ceil(PAGE));
            let punch = mode & FALLOC_FL_PUNCH_HOLE != 0;
            let zero = mode & FALLOC_FL_ZERO_RANGE != 0;
            for i in first..last {
                let (lo, hi) = (
                    off.max(i * PAGE) - i * PAGE,
                    end.min((i + 1) * PAGE) - i * PAGE,
                );
                let whole = lo == 0 && hi == PAGE;
                match f.pages.get(&i).copied() {
                    Some(frame) if punch && whole => {
                        f.pages.remove(&i);
                        mf.dec_ref(frame, PAGE);
                    }
                    Some(frame) if punch || zero => self.zero(frame, lo, hi),
                    Some(_) => {}
                    None if punch => {}
                    None => {
                        let frame = mf.alloc(PAGE)?;
                        f.pages.insert(i, frame);
                    }
                }
            }
            if mode & FALLOC_FL_KEEP_SIZE == 0 {
                f.size = f.size.max(end);
            }
        }
        let now = Time::now();
        let mut m = self.inode.meta();
        m.ctime = now;
        if mode != 0 && mode != FALLOC_FL_KEEP_SIZE {
            m.mtime = now;
        }
        Ok(())
    }

    fn hole_or_data(&self, off: u64, whence: u32) -> Option<Result<u64, Errno>> {
        let d = self.inode.data();
        let Data::File(f) = &*d else {
            return Some(Err(Errno::EINVAL));
        };
        if off >= f.size {
            return Some(Err(Errno::ENXIO));
        }
        let start = off / PAGE;
        Some(if whence == SEEK_DATA {
            match f.pages.range(start..).next() {
                Some((&i, _)) if i * PAGE < f.size => Ok(off.max(i * PAGE)),
                _ => Err(Errno::ENXIO),
            }
        } else {
            let mut i = start;
            while f.pages.contains_key(&i) && i * PAGE < f.size {
                i += 1;
            }
            Ok(off.max(i * PAGE).min(f.size))
        })
    }
}

/// Largest tmpfs file (Linux's MAX_LFS_FILESIZE is larger; the memory file
/// is the real bound).
const MAX_FILE_SIZE: u64 = 1 << 40;

impl TmpfsInode {
    /// The frame behind page `index`, allocated (zeroed) if it is a hole.
    fn page(&self, index: u64) -> Result<u64, Errno> {
        let mut d = self.data();
        let Data::File(f) = &mut *d else {
            return Err(Errno::ENODEV);
        };
        if let Some(&frame) = f.pages.get(&index) {
            return Ok(frame);
        }
        self.fs.charge_page()?;
        let frame = self
            .fs
            .mf
            .alloc(PAGE)
            .inspect_err(|_| self.fs.uncharge_pages(1))?;
        f.pages.insert(index, frame);
        Ok(frame)
    }
}

impl Drop for TmpfsInode {
    fn drop(&mut self) {
        if let Data::File(f) = self.data.get_mut().unwrap_or_else(|e| e.into_inner()) {
            for (_, &frame) in f.pages.iter() {
                self.fs.mf.dec_ref(frame, PAGE);
            }
            self.fs.uncharge_pages(f.pages.len() as u64);
        }
        let _ = self
            .fs
            .usage
            .inodes
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
    }
}

/// Whether `inode` is a tmpfs file whose seals forbid writing.
pub fn write_sealed(inode: &InodeRef) -> bool {
    inode
        .as_any()
        .downcast_ref::<TmpfsInode>()
        .is_some_and(TmpfsInode::write_sealed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> (Arc<MemoryFile>, TmpfsFile) {
        let mf = Arc::new(MemoryFile::new().expect("memory file"));
        let root = Tmpfs::new_root(&mf, 0o755, Owner::default());
        let f = root.create(b"f", 0o644, Owner::default()).expect("create");
        let inode = f
            .as_any()
            .downcast_ref::<TmpfsInode>()
            .and_then(|i| i.me.upgrade())
            .expect("a tmpfs inode");
        (mf, TmpfsFile { inode })
    }

    #[test]
    fn punch_hole_frees_pages_and_seek_sees_it() {
        let (mf, f) = file();
        f.allocate_range(0, 0, 3 * PAGE).expect("allocate");
        assert_eq!(f.inode.attr().expect("attr").size, 3 * PAGE);
        assert_eq!(mf.used_bytes(), 3 * PAGE);
        f.allocate_range(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, PAGE, PAGE)
            .expect("punch");
        assert_eq!(mf.used_bytes(), 2 * PAGE);
        assert_eq!(f.inode.attr().expect("attr").blocks, 2 * PAGE / 512);
        assert_eq!(f.hole_or_data(0, SEEK_HOLE), Some(Ok(PAGE)));
        assert_eq!(f.hole_or_data(PAGE, SEEK_DATA), Some(Ok(2 * PAGE)));
        assert_eq!(f.hole_or_data(3 * PAGE, SEEK_DATA), Some(Err(Errno::ENXIO)));
    }

    #[test]
    fn keep_size_allocates_without_growing() {
        let (mf, f) = file();
        f.allocate_range(FALLOC_FL_KEEP_SIZE, 0, 2 * PAGE)
            .expect("allocate");
        assert_eq!(f.inode.attr().expect("attr").size, 0);
        assert_eq!(mf.used_bytes(), 2 * PAGE);
        assert_eq!(
            f.allocate_range(FALLOC_FL_COLLAPSE_RANGE, 0, PAGE),
            Err(Errno::EOPNOTSUPP)
        );
    }

    #[test]
    fn tmpfile_links_once_unless_exclusive() {
        let mf = Arc::new(MemoryFile::new().expect("memory file"));
        let root = Tmpfs::new_root(&mf, 0o755, Owner::default());
        let t = root
            .tmpfile(0o600, Owner::default(), true)
            .expect("tmpfile");
        assert_eq!(t.attr().expect("attr").nlink, 0);
        root.link(b"a", &t).expect("first link");
        assert_eq!(t.attr().expect("attr").nlink, 1);
        let x = root
            .tmpfile(0o600, Owner::default(), false)
            .expect("tmpfile");
        assert_eq!(root.link(b"b", &x), Err(Errno::ENOENT));
    }
}
