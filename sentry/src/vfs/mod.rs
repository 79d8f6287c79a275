//! The virtual file system: inodes and file descriptions that file systems
//! implement, dentries and mounts that tie them into a tree, the path walk,
//! and the per-task fd table and fs context.
//!
//! The VFS never names a concrete file system (those live in `crate::fs`).

mod dentry;
mod fd_table;
mod file;
pub mod fown;
mod inode;
pub mod lock;
pub mod mount;
mod path;
pub mod perm;

use std::sync::atomic::{AtomicU32, Ordering};

pub use dentry::Dentry;
pub use fd_table::{FdTable, MAX_FDS};
pub use file::{open_for_writing, File, FileOps};
pub use inode::{Attr, DirEntry, FileType, Inode, InodeRef, Owner, SetAttr, StatFs, Time, TimeSet};
pub use mount as mount_flags;
pub use mount::{Mount, MountInfo, MountNamespace, Propagation};
pub use path::{FsContext, Lookup, Parent, Path, MAX_SYMLINKS, NAME_MAX, PATH_MAX};

/// Encodes a device number the way `stat` reports it (`new_encode_dev`).
pub fn makedev(major: u32, minor: u32) -> u64 {
    let (major, minor) = (major as u64, minor as u64);
    (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & !0xff) << 12) | ((major & !0xfff) << 32)
}

/// A fresh anonymous device number (major 0) for a new file system instance,
/// as Linux gives tmpfs, proc and friends.
pub fn anon_dev() -> u64 {
    static NEXT: AtomicU32 = AtomicU32::new(32);
    makedev(0, NEXT.fetch_add(1, Ordering::Relaxed))
}
