//! Inodes: what a file system implements for each file.

use std::any::Any;
use std::sync::Arc;

use syscalls::consts::*;
use syscalls::Errno;

use super::FileOps;

pub type InodeRef = Arc<dyn Inode>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileType {
    Regular,
    Directory,
    Symlink,
    CharDevice,
    BlockDevice,
    Fifo,
    Socket,
}

impl FileType {
    pub fn from_mode(mode: u32) -> Option<FileType> {
        Some(match mode & S_IFMT {
            S_IFREG => FileType::Regular,
            S_IFDIR => FileType::Directory,
            S_IFLNK => FileType::Symlink,
            S_IFCHR => FileType::CharDevice,
            S_IFBLK => FileType::BlockDevice,
            S_IFIFO => FileType::Fifo,
            S_IFSOCK => FileType::Socket,
            _ => return None,
        })
    }

    pub fn mode_bits(self) -> u32 {
        match self {
            FileType::Regular => S_IFREG,
            FileType::Directory => S_IFDIR,
            FileType::Symlink => S_IFLNK,
            FileType::CharDevice => S_IFCHR,
            FileType::BlockDevice => S_IFBLK,
            FileType::Fifo => S_IFIFO,
            FileType::Socket => S_IFSOCK,
        }
    }

    /// The `d_type` of a directory entry.
    pub fn dirent_type(self) -> u8 {
        (self.mode_bits() >> 12) as u8
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Time {
    pub sec: i64,
    pub nsec: i64,
}

impl Time {
    pub fn now() -> Time {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Time {
            sec: d.as_secs() as i64,
            nsec: d.subsec_nanos() as i64,
        }
    }
}

/// File attributes, as `stat` reports them.
#[derive(Clone, Debug, Default)]
pub struct Attr {
    pub ino: u64,
    pub dev: u64,
    /// Type and permission bits.
    pub mode: u32,
    pub nlink: u64,
    pub uid: u32,
    pub gid: u32,
    pub rdev: u64,
    pub size: u64,
    pub blksize: u32,
    /// 512-byte blocks.
    pub blocks: u64,
    pub atime: Time,
    pub mtime: Time,
    pub ctime: Time,
    pub btime: Option<Time>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeSet {
    Now,
    At(Time),
}

/// A change of attributes (chmod, chown, truncate, utimes).
#[derive(Clone, Debug, Default)]
pub struct SetAttr {
    /// Permission bits only (07777).
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub size: Option<u64>,
    pub atime: Option<TimeSet>,
    pub mtime: Option<TimeSet>,
}

/// Who creates a file.
#[derive(Clone, Copy, Debug, Default)]
pub struct Owner {
    pub uid: u32,
    pub gid: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    pub name: Vec<u8>,
    pub ino: u64,
    pub ty: FileType,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct StatFs {
    pub fs_type: u64,
    pub bsize: u64,
    pub blocks: u64,
    pub bfree: u64,
    pub bavail: u64,
    pub files: u64,
    pub ffree: u64,
    pub namelen: u64,
    pub frsize: u64,
    pub flags: u64,
}

/// What a file system implements for each file. Directory operations take
/// the name of an entry in this directory; names never contain '/' and are
/// never "." or "..".
pub trait Inode: Send + Sync + Any {
    fn file_type(&self) -> FileType;
    fn attr(&self) -> Result<Attr, Errno>;

    fn set_attr(&self, _req: &SetAttr) -> Result<(), Errno> {
        Err(Errno::EPERM)
    }

    /// Opens the file. `flags` are the open(2) flags.
    fn open(self: Arc<Self>, flags: u32) -> Result<Box<dyn FileOps>, Errno>;

    fn lookup(&self, _name: &[u8]) -> Result<InodeRef, Errno> {
        Err(Errno::ENOTDIR)
    }

    /// Whether the cached child `name` of this directory, whose inode is
    /// `cached`, still names that file. File systems the sandbox has
    /// exclusive use of keep the cache valid themselves and always say yes;
    /// a gofer tree shared with the host asks the gofer.
    fn revalidate(&self, _name: &[u8], _cached: &InodeRef) -> bool {
        true
    }

    /// Whether child `name`, once looked up, may stay in the dentry cache:
    /// false for entries that come and go with no unlink to forget them
    /// (/proc's per-process directories), which would otherwise pile up.
    fn cache_child(&self, _name: &[u8]) -> bool {
        true
    }

    /// Every entry except "." and "..", in the file system's order.
    fn readdir(&self) -> Result<Vec<DirEntry>, Errno> {
        Err(Errno::ENOTDIR)
    }

    fn create(&self, _name: &[u8], _mode: u32, _owner: Owner) -> Result<InodeRef, Errno> {
        Err(Errno::ENOTDIR)
    }

    fn mkdir(&self, _name: &[u8], _mode: u32, _owner: Owner) -> Result<InodeRef, Errno> {
        Err(Errno::ENOTDIR)
    }

    fn symlink(&self, _name: &[u8], _target: &[u8], _owner: Owner) -> Result<InodeRef, Errno> {
        Err(Errno::ENOTDIR)
    }

    fn link(&self, _name: &[u8], _target: &InodeRef) -> Result<(), Errno> {
        Err(Errno::ENOTDIR)
    }

    fn unlink(&self, _name: &[u8]) -> Result<(), Errno> {
        Err(Errno::ENOTDIR)
    }

    fn rmdir(&self, _name: &[u8]) -> Result<(), Errno> {
        Err(Errno::ENOTDIR)
    }

    /// Renames entry `old` of this directory to `new` in `new_dir` (of the
    /// same file system, else EXDEV), replacing what is there as rename(2) does.
    fn rename(&self, _old: &[u8], _new_dir: &InodeRef, _new: &[u8]) -> Result<(), Errno> {
        Err(Errno::ENOTDIR)
    }

    /// Swaps entry `a` of this directory with entry `b` of `other`
    /// (renameat2 RENAME_EXCHANGE). Both exist.
    fn exchange(&self, _a: &[u8], _other: &InodeRef, _b: &[u8]) -> Result<(), Errno> {
        Err(Errno::EINVAL)
    }

    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        Err(Errno::EINVAL)
    }

    /// For a "magic link" (/proc's fd/N, exe, cwd, root): where following
    /// it leads, which is the file itself rather than its name walked
    /// again (so it reaches unlinked and unnamed files). `at` is where the
    /// link was found. None for ordinary symlinks.
    fn magic_link(&self, _at: &super::Path) -> Option<Result<super::Path, Errno>> {
        None
    }

    /// The name /proc/PID/fd shows for an anonymous file
    /// ("anon_inode:<name>"), e.g. "[pidfd]", "inotify", "[eventfd]".
    fn anon_name(&self) -> Option<&'static str> {
        None
    }

    /// Makes a FIFO, socket or regular file `name` (mknod); device nodes
    /// are the caller's to refuse.
    fn mknod(
        &self,
        _name: &[u8],
        _ty: FileType,
        _mode: u32,
        _owner: Owner,
    ) -> Result<InodeRef, Errno> {
        Err(Errno::EPERM)
    }

    /// A new unnamed regular file in this directory (O_TMPFILE); `linkable`
    /// says whether linkat may give it a name later (not with O_EXCL).
    fn tmpfile(&self, _mode: u32, _owner: Owner, _linkable: bool) -> Result<InodeRef, Errno> {
        Err(Errno::EOPNOTSUPP)
    }

    /// Whether MAP_SHARED mappings of this file can map its own pages
    /// (see `shared_page`).
    fn shares_pages(&self) -> bool {
        false
    }

    /// The memory-file offset of page `index` of the file, made if it is a
    /// hole, with one reference taken for the caller (a shared mapping).
    fn shared_page(&self, _index: u64) -> Result<u64, Errno> {
        Err(Errno::ENODEV)
    }

    /// Whether page `index` of a page-sharing file has memory behind it
    /// (mincore of a shared mapping).
    fn page_resident(&self, _index: u64) -> bool {
        false
    }

    /// Writes pages that shared mappings may have changed back to where the
    /// file lives (msync, munmap, fsync), for files whose shared pages are
    /// a cache of something outside the sandbox.
    fn writeback(&self) -> Result<(), Errno> {
        Ok(())
    }

    /// The value of extended attribute `name` (whole name, with its
    /// namespace prefix). The caller checked namespace and permission.
    fn getxattr(&self, _name: &[u8]) -> Result<Vec<u8>, Errno> {
        Err(Errno::EOPNOTSUPP)
    }

    /// Sets extended attribute `name`; `flags` are XATTR_CREATE (EEXIST if
    /// it exists) and XATTR_REPLACE (ENODATA if it does not).
    fn setxattr(&self, _name: &[u8], _value: &[u8], _flags: u32) -> Result<(), Errno> {
        Err(Errno::EOPNOTSUPP)
    }

    /// The names of every extended attribute of the file; the caller hides
    /// the ones the task may not see.
    fn listxattr(&self) -> Result<Vec<Vec<u8>>, Errno> {
        Err(Errno::EOPNOTSUPP)
    }

    /// Removes extended attribute `name` (ENODATA if it does not exist).
    fn removexattr(&self, _name: &[u8]) -> Result<(), Errno> {
        Err(Errno::EOPNOTSUPP)
    }

    fn statfs(&self) -> Result<StatFs, Errno> {
        Ok(StatFs {
            fs_type: 0x0102_1994, // TMPFS_MAGIC
            bsize: 4096,
            namelen: 255,
            frsize: 4096,
            ..StatFs::default()
        })
    }

    fn as_any(&self) -> &dyn Any;
}
