//! The gofer file system: files served by the gofer process over 9P.
//!
//! Each inode holds a walked (unopened) fid. Attributes are cached and
//! dropped whenever the sandbox changes the file through this file system:
//! the policy is that the sandbox has exclusive use of the tree it is given
//! (true for the read-only root under the overlay; for `--overlay=none` the
//! host must not change the tree behind the sandbox's back).
//!
//! Regular files opened through the gofer usually come with the host fd
//! (the `Rlopen` extension): reads and writes then go straight to it.
//!
//! Shared mappings of a file map pages of a per-inode cache in the memory
//! file (`SharedPages`), filled from the host on first touch. While a file
//! has cached pages they are its authoritative contents: `read` overlays
//! them on what the host returns and `write` updates them along with the
//! host. They are written back to the host on msync, munmap, fsync and when
//! the sandbox ends ([`flush_shared_pages`]).

use std::any::Any;
use std::collections::BTreeMap;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use gofer::client::{Client, Fid};
use gofer::p9;
use syscalls::consts::*;
use syscalls::Errno;

use crate::mm::{MemoryFile, PAGE};
use crate::vfs::{
    anon_dev, Attr, DirEntry, File, FileOps, FileType, Inode, InodeRef, Owner, SetAttr, StatFs,
    Time, TimeSet,
};

pub struct GoferFs {
    client: Client,
    dev: u64,
    mf: Arc<MemoryFile>,
    access: FileAccess,
}

/// Who may change the served tree, and so how long cached attributes and
/// dentries stay valid (gVisor's `--file-access`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FileAccess {
    /// Only the sandbox changes the tree: attributes and dentries are cached
    /// until the sandbox itself changes them.
    #[default]
    Exclusive,
    /// The host may change the tree too: every stat asks the gofer, and every
    /// lookup of a cached name checks that it still names the same file.
    Shared,
}

fn errno(e: gofer::client::Error) -> Errno {
    Errno::from_code(e.errno())
}

impl GoferFs {
    /// Attaches to the gofer on `client` and returns the root inode.
    pub fn mount(
        client: Client,
        access: FileAccess,
        mf: &Arc<MemoryFile>,
    ) -> Result<Arc<GoferInode>, Errno> {
        let fs = Arc::new(GoferFs {
            client,
            dev: anon_dev(),
            access,
            mf: mf.clone(),
        });
        let (fid, _qid) = fs.client.attach().map_err(errno)?;
        GoferInode::new(&fs, fid)
    }
}

pub struct GoferInode {
    me: Weak<GoferInode>,
    fs: Arc<GoferFs>,
    fid: Fid,
    ty: FileType,
    cache: Mutex<Option<Attr>>,
    shared: Mutex<SharedPages>,
}

/// The pages of a file that shared mappings map.
#[derive(Default)]
struct SharedPages {
    /// Page index to memory-file offset; the cache holds one reference.
    pages: BTreeMap<u64, u64>,
    /// The open file pages are read from and written back through.
    io: Option<Handle>,
}

/// An opened fid, with the host fd the gofer donated for it, if any.
struct Handle {
    fid: Fid,
    host_fd: Option<OwnedFd>,
    writable: bool,
}

impl Handle {
    fn read(&self, client: &Client, buf: &mut [u8], off: u64) -> Result<usize, Errno> {
        match &self.host_fd {
            Some(fd) => loop {
                match nix::sys::uio::pread(fd.as_fd(), buf, off as i64) {
                    Err(nix::errno::Errno::EINTR) => continue,
                    r => return r.map_err(super::host::host_errno),
                }
            },
            None => client.read(self.fid, off, buf).map_err(errno),
        }
    }

    fn write(&self, client: &Client, buf: &[u8], off: u64) -> Result<usize, Errno> {
        match &self.host_fd {
            Some(fd) => loop {
                match nix::sys::uio::pwrite(fd.as_fd(), buf, off as i64) {
                    Err(nix::errno::Errno::EINTR) => continue,
                    r => return r.map_err(super::host::host_errno),
                }
            },
            None => client.write(self.fid, off, buf).map_err(errno),
        }
    }
}

/// Files with cached shared pages, written back when the sandbox ends.
static WITH_SHARED_PAGES: Mutex<Vec<Weak<GoferInode>>> = Mutex::new(Vec::new());

/// Writes every gofer file's shared-mapping pages back to the host (the
/// sandbox is ending).
pub fn flush_shared_pages() {
    let files: Vec<Weak<GoferInode>> =
        std::mem::take(&mut *WITH_SHARED_PAGES.lock().unwrap_or_else(|e| e.into_inner()));
    for f in files.iter().filter_map(Weak::upgrade) {
        if let Err(e) = f.writeback() {
            tracing::warn!(?e, "writing back shared pages of a gofer file");
        }
    }
}

impl GoferInode {
    fn new(fs: &Arc<GoferFs>, fid: Fid) -> Result<Arc<GoferInode>, Errno> {
        let a = match fs.client.getattr(fid) {
            Ok(a) => a,
            Err(e) => {
                let _ = fs.client.clunk(fid);
                return Err(errno(e));
            }
        };
        let attr = to_attr(&a, fs.dev);
        Ok(Arc::new_cyclic(|me| GoferInode {
            me: me.clone(),
            fs: fs.clone(),
            fid,
            ty: FileType::from_mode(a.mode).unwrap_or(FileType::Regular),
            cache: Mutex::new(Some(attr)),
            shared: Mutex::new(SharedPages::default()),
        }))
    }

    fn client(&self) -> &Client {
        &self.fs.client
    }

    fn invalidate(&self) {
        *self.cache.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    fn shared(&self) -> MutexGuard<'_, SharedPages> {
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Opens a handle for the page cache: read-write where the gofer allows
    /// it, else read-only (then only read-only mappings exist).
    fn open_handle(&self) -> Result<Handle, Errno> {
        let mut last = Errno::EACCES;
        for flags in [O_RDWR, O_RDONLY] {
            let fid = self.clone_fid()?;
            match self.client().lopen(fid, flags) {
                Ok(opened) => {
                    return Ok(Handle {
                        fid,
                        host_fd: opened.host_fd,
                        writable: flags == O_RDWR,
                    })
                }
                Err(e) => {
                    let _ = self.client().clunk(fid);
                    last = errno(e);
                }
            }
        }
        Err(last)
    }

    /// Calls `f(memory-file offset, start, end)` for each part of the file
    /// range `[off, end)` that a cached page holds (start and end relative
    /// to `off`).
    fn each_cached(&self, off: u64, end: u64, mut f: impl FnMut(u64, usize, usize)) {
        let s = self.shared();
        if off >= end {
            return;
        }
        for (&index, &frame) in s.pages.range(off / PAGE..end.div_ceil(PAGE)) {
            let (lo, hi) = ((index * PAGE).max(off), ((index + 1) * PAGE).min(end));
            f(
                frame + (lo - index * PAGE),
                (lo - off) as usize,
                (hi - off) as usize,
            );
        }
    }

    /// Copies cached pages over `buf`, which holds the file from `off`.
    fn overlay_cached(&self, buf: &mut [u8], off: u64) {
        self.each_cached(off, off + buf.len() as u64, |at, lo, hi| {
            self.fs.mf.read(at, &mut buf[lo..hi])
        });
    }

    /// Copies `buf`, written to the file at `off`, into cached pages.
    fn update_cached(&self, buf: &[u8], off: u64) {
        self.each_cached(off, off + buf.len() as u64, |at, lo, hi| {
            self.fs.mf.write(at, &buf[lo..hi])
        });
    }

    /// Zeroes `[off, end)` of cached pages (hole punching).
    fn zero_cached(&self, off: u64, end: u64) {
        let zeros = [0u8; PAGE as usize];
        self.each_cached(off, end, |at, lo, hi| {
            self.fs.mf.write(at, &zeros[..hi - lo])
        });
    }

    /// Drops cached pages wholly past `size` and zeroes the tail of the
    /// page holding it (truncate).
    fn truncate_cached(&self, size: u64) {
        let mut s = self.shared();
        let gone: Vec<(u64, u64)> = s
            .pages
            .range(size.div_ceil(PAGE)..)
            .map(|(&i, &f)| (i, f))
            .collect();
        for (index, frame) in gone {
            s.pages.remove(&index);
            self.fs.mf.dec_ref(frame, PAGE);
        }
        if !size.is_multiple_of(PAGE) {
            if let Some(&frame) = s.pages.get(&(size / PAGE)) {
                let tail = (size % PAGE) as usize;
                self.fs
                    .mf
                    .write(frame + tail as u64, &vec![0u8; PAGE as usize - tail]);
            }
        }
    }

    /// A new fid for this file, to open.
    fn clone_fid(&self) -> Result<Fid, Errno> {
        self.client()
            .walk(self.fid, &[])
            .map(|(f, _)| f)
            .map_err(errno)
    }

    fn child(&self, name: &[u8]) -> Result<InodeRef, Errno> {
        let (fid, _) = self.client().walk(self.fid, &[name]).map_err(errno)?;
        Ok(GoferInode::new(&self.fs, fid)? as InodeRef)
    }

    fn peer<'a>(&self, other: &'a InodeRef) -> Result<&'a GoferInode, Errno> {
        other
            .as_any()
            .downcast_ref::<GoferInode>()
            .filter(|o| Arc::ptr_eq(&o.fs, &self.fs))
            .ok_or(Errno::EXDEV)
    }
}

fn to_attr(a: &p9::Attr, dev: u64) -> Attr {
    let t = |s: u64, n: u64| Time {
        sec: s as i64,
        nsec: n as i64,
    };
    Attr {
        ino: a.qid.path,
        dev,
        mode: a.mode,
        nlink: a.nlink,
        uid: a.uid,
        gid: a.gid,
        rdev: a.rdev,
        size: a.size,
        blksize: a.blksize as u32,
        blocks: a.blocks,
        atime: t(a.atime_sec, a.atime_nsec),
        mtime: t(a.mtime_sec, a.mtime_nsec),
        ctime: t(a.ctime_sec, a.ctime_nsec),
        btime: (a.valid & p9::P9_GETATTR_BTIME != 0).then(|| t(a.btime_sec, a.btime_nsec)),
    }
}

fn dt_to_type(dt: u8) -> FileType {
    FileType::from_mode((dt as u32) << 12).unwrap_or(FileType::Regular)
}

impl Drop for GoferInode {
    fn drop(&mut self) {
        if let Err(e) = self.writeback() {
            tracing::warn!(?e, "writing back shared pages of a gofer file");
        }
        let s = std::mem::take(&mut *self.shared());
        for &frame in s.pages.values() {
            self.fs.mf.dec_ref(frame, PAGE);
        }
        if let Some(io) = s.io {
            let _ = self.fs.client.clunk(io.fid);
        }
        let _ = self.fs.client.clunk(self.fid);
    }
}

impl Inode for GoferInode {
    fn file_type(&self) -> FileType {
        self.ty
    }

    fn attr(&self) -> Result<Attr, Errno> {
        let mut c = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(a) = &*c {
            if self.fs.access == FileAccess::Exclusive {
                return Ok(a.clone());
            }
        }
        let a = to_attr(
            &self.client().getattr(self.fid).map_err(errno)?,
            self.fs.dev,
        );
        *c = Some(a.clone());
        Ok(a)
    }

    fn set_attr(&self, req: &SetAttr) -> Result<(), Errno> {
        let mut s = p9::SetAttr::default();
        if let Some(m) = req.mode {
            s.valid |= p9::P9_SETATTR_MODE;
            s.mode = m;
        }
        if let Some(u) = req.uid {
            s.valid |= p9::P9_SETATTR_UID;
            s.uid = u;
        }
        if let Some(g) = req.gid {
            s.valid |= p9::P9_SETATTR_GID;
            s.gid = g;
        }
        if let Some(sz) = req.size {
            s.valid |= p9::P9_SETATTR_SIZE;
            s.size = sz;
        }
        match req.atime {
            Some(TimeSet::Now) => s.valid |= p9::P9_SETATTR_ATIME,
            Some(TimeSet::At(t)) => {
                s.valid |= p9::P9_SETATTR_ATIME | p9::P9_SETATTR_ATIME_SET;
                s.atime_sec = t.sec as u64;
                s.atime_nsec = t.nsec as u64;
            }
            None => {}
        }
        match req.mtime {
            Some(TimeSet::Now) => s.valid |= p9::P9_SETATTR_MTIME,
            Some(TimeSet::At(t)) => {
                s.valid |= p9::P9_SETATTR_MTIME | p9::P9_SETATTR_MTIME_SET;
                s.mtime_sec = t.sec as u64;
                s.mtime_nsec = t.nsec as u64;
            }
            None => {}
        }
        self.invalidate();
        self.client().setattr(self.fid, &s).map_err(errno)?;
        if let Some(size) = req.size {
            self.truncate_cached(size);
        }
        Ok(())
    }

    fn open(self: Arc<Self>, flags: u32) -> Result<Box<dyn FileOps>, Errno> {
        match self.ty {
            FileType::Directory => return Ok(Box::new(super::DirFile)),
            FileType::Symlink => return Err(Errno::ELOOP),
            FileType::Regular => {}
            // Host devices, FIFOs and sockets are never opened through the gofer.
            _ => return Err(Errno::EACCES.with_msg("special files of the root are not served")),
        }
        let fid = self.clone_fid()?;
        // O_APPEND stays with the sentry: a host O_APPEND fd would make pwrite ignore offsets.
        let want = flags & (O_ACCMODE | O_TRUNC | O_SYNC | O_DSYNC);
        match self.client().lopen(fid, want) {
            Ok(opened) => {
                if flags & O_TRUNC != 0 {
                    self.invalidate();
                    self.truncate_cached(0);
                }
                Ok(Box::new(GoferFile {
                    inode: self,
                    handle: Handle {
                        fid,
                        host_fd: opened.host_fd,
                        writable: matches!(flags & O_ACCMODE, O_WRONLY | O_RDWR),
                    },
                }))
            }
            Err(e) => {
                let _ = self.client().clunk(fid);
                Err(errno(e))
            }
        }
    }

    fn lookup(&self, name: &[u8]) -> Result<InodeRef, Errno> {
        if self.ty != FileType::Directory {
            return Err(Errno::ENOTDIR);
        }
        self.child(name)
    }

    fn revalidate(&self, name: &[u8], cached: &InodeRef) -> bool {
        if self.fs.access == FileAccess::Exclusive {
            return true;
        }
        let Some(old) = cached.as_any().downcast_ref::<GoferInode>() else {
            return true;
        };
        let Ok((fid, qids)) = self.client().walk(self.fid, &[name]) else {
            return false;
        };
        let _ = self.client().clunk(fid);
        let old_ino = old
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|a| a.ino);
        let old_ino = match old_ino {
            Some(i) => i,
            None => match old.client().getattr(old.fid) {
                Ok(a) => a.qid.path,
                Err(_) => return false,
            },
        };
        qids.first().is_some_and(|q| q.path == old_ino)
    }

    fn readdir(&self) -> Result<Vec<DirEntry>, Errno> {
        let fid = self.clone_fid()?;
        let r = (|| {
            self.client()
                .lopen(fid, O_RDONLY | O_DIRECTORY)
                .map_err(errno)?;
            let mut out = Vec::new();
            let mut off = 0;
            let count = (self.client().msize() - 64).min(256 << 10);
            loop {
                let ents = self.client().readdir(fid, off, count).map_err(errno)?;
                let Some(last) = ents.last() else { break };
                off = last.offset;
                for e in ents {
                    if e.name == b"." || e.name == b".." {
                        continue;
                    }
                    out.push(DirEntry {
                        ino: e.qid.path,
                        ty: dt_to_type(e.ty),
                        name: e.name,
                    });
                }
            }
            Ok(out)
        })();
        let _ = self.client().clunk(fid);
        r
    }

    fn create(&self, name: &[u8], mode: u32, owner: Owner) -> Result<InodeRef, Errno> {
        let fid = self.clone_fid()?;
        let r = self
            .client()
            .lcreate(fid, name, O_RDWR | O_CREAT | O_EXCL, mode, owner.gid);
        let _ = self.client().clunk(fid);
        r.map_err(errno)?;
        self.invalidate();
        self.child(name)
    }

    fn mkdir(&self, name: &[u8], mode: u32, owner: Owner) -> Result<InodeRef, Errno> {
        self.client()
            .mkdir(self.fid, name, mode, owner.gid)
            .map_err(errno)?;
        self.invalidate();
        self.child(name)
    }

    fn symlink(&self, name: &[u8], target: &[u8], owner: Owner) -> Result<InodeRef, Errno> {
        self.client()
            .symlink(self.fid, name, target, owner.gid)
            .map_err(errno)?;
        self.invalidate();
        self.child(name)
    }

    fn mknod(&self, name: &[u8], ty: FileType, mode: u32, owner: Owner) -> Result<InodeRef, Errno> {
        match ty {
            FileType::Regular => self.create(name, mode, owner),
            // 9P2000.L's Tmknod is not served: no FIFOs or sockets on the host.
            _ => Err(Errno::EPERM),
        }
    }

    fn link(&self, name: &[u8], target: &InodeRef) -> Result<(), Errno> {
        let t = self.peer(target)?;
        self.client()
            .link(self.fid, t.fid, name)
            .map_err(|e| match errno(e) {
                // The file was unlinked: as Linux says for a file with no links.
                e if e == Errno::ESTALE => Errno::ENOENT,
                e => e,
            })?;
        t.invalidate();
        self.invalidate();
        Ok(())
    }

    fn unlink(&self, name: &[u8]) -> Result<(), Errno> {
        self.client().unlinkat(self.fid, name, 0).map_err(errno)?;
        self.invalidate();
        Ok(())
    }

    fn rmdir(&self, name: &[u8]) -> Result<(), Errno> {
        self.client()
            .unlinkat(self.fid, name, AT_REMOVEDIR)
            .map_err(errno)?;
        self.invalidate();
        Ok(())
    }

    fn rename(&self, old: &[u8], new_dir: &InodeRef, new: &[u8]) -> Result<(), Errno> {
        let nd = self.peer(new_dir)?;
        self.client()
            .renameat(self.fid, old, nd.fid, new)
            .map_err(errno)?;
        self.invalidate();
        nd.invalidate();
        Ok(())
    }

    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        if self.ty != FileType::Symlink {
            return Err(Errno::EINVAL);
        }
        self.client().readlink(self.fid).map_err(errno)
    }

    /// Through the gofer, which serves user.* only (EOPNOTSUPP otherwise).
    fn getxattr(&self, name: &[u8]) -> Result<Vec<u8>, Errno> {
        if name.is_empty() {
            return Err(Errno::ERANGE);
        }
        self.client().getxattr(self.fid, name).map_err(errno)
    }

    fn setxattr(&self, name: &[u8], value: &[u8], flags: u32) -> Result<(), Errno> {
        self.invalidate();
        self.client()
            .setxattr(
                self.fid,
                name,
                value,
                flags & (XATTR_CREATE | XATTR_REPLACE),
            )
            .map_err(errno)
    }

    fn listxattr(&self) -> Result<Vec<Vec<u8>>, Errno> {
        let list = self.client().getxattr(self.fid, b"").map_err(errno)?;
        Ok(list
            .split(|&b| b == 0)
            .filter(|n| !n.is_empty())
            .map(|n| n.to_vec())
            .collect())
    }

    fn removexattr(&self, name: &[u8]) -> Result<(), Errno> {
        self.invalidate();
        self.client().removexattr(self.fid, name).map_err(errno)
    }

    fn statfs(&self) -> Result<StatFs, Errno> {
        let s = self.client().statfs(self.fid).map_err(errno)?;
        Ok(StatFs {
            fs_type: s.ty as u64,
            bsize: s.bsize as u64,
            blocks: s.blocks,
            bfree: s.bfree,
            bavail: s.bavail,
            files: s.files,
            ffree: s.ffree,
            namelen: s.namelen as u64,
            frsize: s.bsize as u64,
            flags: 0,
        })
    }

    fn shares_pages(&self) -> bool {
        self.ty == FileType::Regular
    }

    fn shared_page(&self, index: u64) -> Result<u64, Errno> {
        let mut s = self.shared();
        if let Some(&frame) = s.pages.get(&index) {
            self.fs.mf.inc_ref(frame, PAGE);
            return Ok(frame);
        }
        let io = match s.io.take() {
            Some(io) => io,
            None => self.open_handle()?,
        };
        let mut buf = vec![0u8; PAGE as usize];
        let mut done = 0;
        let filled = loop {
            if done == buf.len() {
                break Ok(());
            }
            match io.read(self.client(), &mut buf[done..], index * PAGE + done as u64) {
                Ok(0) => break Ok(()),
                Ok(n) => done += n,
                Err(e) => break Err(e),
            }
        };
        s.io = Some(io);
        filled?;
        let frame = self.fs.mf.alloc(PAGE)?;
        self.fs.mf.write(frame, &buf);
        if s.pages.is_empty() {
            WITH_SHARED_PAGES
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(self.me.clone());
        }
        s.pages.insert(index, frame);
        // One reference for the cache (alloc's), one for the caller.
        self.fs.mf.inc_ref(frame, PAGE);
        Ok(frame)
    }

    fn page_resident(&self, index: u64) -> bool {
        self.shared().pages.contains_key(&index)
    }

    /// Writes every cached page back to the host, up to the file's size
    /// (there is no dirty tracking: all of them).
    fn writeback(&self) -> Result<(), Errno> {
        let s = self.shared();
        let Some(io) = s.io.as_ref().filter(|io| io.writable) else {
            return Ok(());
        };
        if s.pages.is_empty() {
            return Ok(());
        }
        self.invalidate();
        let size = self.attr()?.size;
        let mut buf = vec![0u8; PAGE as usize];
        for (&index, &frame) in &s.pages {
            let start = index * PAGE;
            if start >= size {
                break;
            }
            let len = (size - start).min(PAGE) as usize;
            self.fs.mf.read(frame, &mut buf[..len]);
            let mut done = 0;
            while done < len {
                match io.write(self.client(), &buf[done..len], start + done as u64)? {
                    0 => break,
                    n => done += n,
                }
            }
        }
        Ok(())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

struct GoferFile {
    inode: Arc<GoferInode>,
    handle: Handle,
}

impl FileOps for GoferFile {
    fn read(&self, _file: &File, buf: &mut [u8], off: u64) -> Result<usize, Errno> {
        let n = self.handle.read(self.inode.client(), buf, off)?;
        // Pages that shared mappings may have changed are the file's contents.
        self.inode.overlay_cached(&mut buf[..n], off);
        Ok(n)
    }

    fn write(&self, _file: &File, buf: &[u8], off: u64) -> Result<usize, Errno> {
        self.inode.invalidate();
        let n = self.handle.write(self.inode.client(), buf, off)?;
        self.inode.update_cached(&buf[..n], off);
        Ok(n)
    }

    fn vectored(&self) -> bool {
        self.handle.host_fd.is_some()
    }

    fn read_vectored(
        &self,
        _file: &File,
        bufs: &mut [std::io::IoSliceMut<'_>],
        off: u64,
    ) -> Result<usize, Errno> {
        let fd = self.handle.host_fd.as_ref().ok_or(Errno::EINVAL)?;
        let n = loop {
            match nix::sys::uio::preadv(fd.as_fd(), bufs, off as i64) {
                Err(nix::errno::Errno::EINTR) => continue,
                r => break r.map_err(super::host::host_errno)?,
            }
        };
        let (mut pos, mut left) = (off, n);
        for b in bufs.iter_mut() {
            let k = b.len().min(left);
            if k == 0 {
                break;
            }
            self.inode.overlay_cached(&mut b[..k], pos);
            pos += k as u64;
            left -= k;
        }
        Ok(n)
    }

    fn write_vectored(
        &self,
        _file: &File,
        bufs: &[std::io::IoSlice<'_>],
        off: u64,
    ) -> Result<usize, Errno> {
        let fd = self.handle.host_fd.as_ref().ok_or(Errno::EINVAL)?;
        self.inode.invalidate();
        let n = loop {
            match nix::sys::uio::pwritev(fd.as_fd(), bufs, off as i64) {
                Err(nix::errno::Errno::EINTR) => continue,
                r => break r.map_err(super::host::host_errno)?,
            }
        };
        let (mut pos, mut left) = (off, n);
        for b in bufs {
            let k = b.len().min(left);
            if k == 0 {
                break;
            }
            self.inode.update_cached(&b[..k], pos);
            pos += k as u64;
            left -= k;
        }
        Ok(n)
    }

    fn fsync(&self, _file: &File) -> Result<(), Errno> {
        self.inode.writeback()?;
        self.inode.client().fsync(self.handle.fid).map_err(errno)
    }

    fn allocate(&self, _file: &File, mode: u32, off: u64, len: u64) -> Result<(), Errno> {
        // Only through the donated host fd: 9P has no fallocate.
        let fd = self.handle.host_fd.as_ref().ok_or(Errno::EOPNOTSUPP)?;
        self.inode.invalidate();
        let flags = nix::fcntl::FallocateFlags::from_bits_retain(mode as i32);
        loop {
            match nix::fcntl::fallocate(fd.as_raw_fd(), flags, off as i64, len as i64) {
                Err(nix::errno::Errno::EINTR) => continue,
                r => r.map_err(super::host::host_errno)?,
            }
            break;
        }
        if mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE) != 0 {
            self.inode.zero_cached(off, off.saturating_add(len));
        }
        Ok(())
    }

    fn seek_hole_data(&self, _file: &File, off: u64, whence: u32) -> Option<Result<u64, Errno>> {
        // Reads and writes are positional, so moving the host offset is harmless.
        let fd = self.handle.host_fd.as_ref()?;
        let w = if whence == SEEK_DATA {
            nix::unistd::Whence::SeekData
        } else {
            nix::unistd::Whence::SeekHole
        };
        Some(
            nix::unistd::lseek(fd.as_raw_fd(), off as i64, w)
                .map(|o| o as u64)
                .map_err(super::host::host_errno),
        )
    }
}

impl Drop for GoferFile {
    fn drop(&mut self) {
        let _ = self.inode.client().clunk(self.handle.fid);
    }
}
