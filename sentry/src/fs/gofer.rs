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

use std::any::Any;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::{Arc, Mutex};

use gofer::client::{Client, Fid};
use gofer::p9;
use syscalls::consts::*;
use syscalls::Errno;

use crate::vfs::{
    anon_dev, Attr, DirEntry, File, FileOps, FileType, Inode, InodeRef, Owner, SetAttr, StatFs,
    Time, TimeSet,
};

pub struct GoferFs {
    client: Client,
    dev: u64,
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
    pub fn mount(client: Client, access: FileAccess) -> Result<Arc<GoferInode>, Errno> {
        let fs = Arc::new(GoferFs {
            client,
            dev: anon_dev(),
            access,
        });
        let (fid, _qid) = fs.client.attach().map_err(errno)?;
        GoferInode::new(&fs, fid)
    }
}

pub struct GoferInode {
    fs: Arc<GoferFs>,
    fid: Fid,
    ty: FileType,
    cache: Mutex<Option<Attr>>,
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
        Ok(Arc::new(GoferInode {
            fs: fs.clone(),
            fid,
            ty: FileType::from_mode(a.mode).unwrap_or(FileType::Regular),
            cache: Mutex::new(Some(attr)),
        }))
    }

    fn client(&self) -> &Client {
        &self.fs.client
    }

    fn invalidate(&self) {
        *self.cache.lock().unwrap_or_else(|e| e.into_inner()) = None;
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
        self.client().setattr(self.fid, &s).map_err(errno)
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
                }
                Ok(Box::new(GoferFile {
                    inode: self,
                    fid,
                    host_fd: opened.host_fd,
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

    fn link(&self, name: &[u8], target: &InodeRef) -> Result<(), Errno> {
        let t = self.peer(target)?;
        self.client().link(self.fid, t.fid, name).map_err(errno)?;
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

    fn as_any(&self) -> &dyn Any {
        self
    }
}

struct GoferFile {
    inode: Arc<GoferInode>,
    fid: Fid,
    host_fd: Option<OwnedFd>,
}

impl FileOps for GoferFile {
    fn read(&self, _file: &File, buf: &mut [u8], off: u64) -> Result<usize, Errno> {
        match &self.host_fd {
            Some(fd) => loop {
                match nix::sys::uio::pread(fd.as_fd(), buf, off as i64) {
                    Err(nix::errno::Errno::EINTR) => continue,
                    r => return r.map_err(super::host::host_errno),
                }
            },
            None => self.inode.client().read(self.fid, off, buf).map_err(errno),
        }
    }

    fn write(&self, _file: &File, buf: &[u8], off: u64) -> Result<usize, Errno> {
        self.inode.invalidate();
        match &self.host_fd {
            Some(fd) => loop {
                match nix::sys::uio::pwrite(fd.as_fd(), buf, off as i64) {
                    Err(nix::errno::Errno::EINTR) => continue,
                    r => return r.map_err(super::host::host_errno),
                }
            },
            None => self.inode.client().write(self.fid, off, buf).map_err(errno),
        }
    }

    fn fsync(&self, _file: &File) -> Result<(), Errno> {
        self.inode.client().fsync(self.fid).map_err(errno)
    }
}

impl Drop for GoferFile {
    fn drop(&mut self) {
        let _ = self.inode.client().clunk(self.fid);
    }
}
