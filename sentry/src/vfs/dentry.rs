//! Dentries: the names that tie inodes into a tree, cached.
//!
//! Positive lookups are cached for the life of the parent; file systems the
//! sandbox has exclusive use of (tmpfs, the overlay, the gofer root under an
//! overlay) need no revalidation. Unlink, rmdir and rename keep the cache
//! in step. A file system shared with the host (a gofer mount with
//! `--file-access-mounts=shared`) revalidates each cached child on lookup
//! (`Inode::revalidate`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use syscalls::Errno;

use super::InodeRef;

pub struct Dentry {
    pub inode: InodeRef,
    name: Mutex<Vec<u8>>,
    parent: Mutex<Option<Arc<Dentry>>>,
    children: Mutex<HashMap<Vec<u8>, Arc<Dentry>>>,
    /// How many mounts sit on this dentry (fast path for the walk).
    mounts: AtomicU32,
    /// Removed from the tree (unlinked, or replaced by a rename).
    dead: AtomicBool,
}

impl Dentry {
    /// The root dentry of a file system.
    pub fn new_root(inode: InodeRef) -> Arc<Dentry> {
        Arc::new(Dentry {
            inode,
            name: Mutex::new(b"/".to_vec()),
            parent: Mutex::new(None),
            children: Mutex::new(HashMap::new()),
            mounts: AtomicU32::new(0),
            dead: AtomicBool::new(false),
        })
    }

    pub fn name(&self) -> Vec<u8> {
        self.name.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The parent within the same file system; None at its root.
    pub fn parent(&self) -> Option<Arc<Dentry>> {
        self.parent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn has_mounts(&self) -> bool {
        self.mounts.load(Ordering::Relaxed) > 0
    }

    pub(crate) fn add_mount(&self) {
        self.mounts.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn remove_mount(&self) {
        let _ = self
            .mounts
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
    }

    fn children(&self) -> std::sync::MutexGuard<'_, HashMap<Vec<u8>, Arc<Dentry>>> {
        self.children.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Looks up `name` in this directory, through the cache.
    pub fn lookup(self: &Arc<Self>, name: &[u8]) -> Result<Arc<Dentry>, Errno> {
        let cached = self.children().get(name).cloned();
        if let Some(d) = cached {
            // Mount points stay: mounts are keyed by their dentry.
            if d.has_mounts() || self.inode.revalidate(name, &d.inode) {
                return Ok(d);
            }
            self.forget(name);
        }
        let inode = self.inode.lookup(name)?;
        if !self.inode.cache_child(name) {
            // A dentry of its own walk: in the tree (its parent and name
            // give its path) but not kept among the children.
            return Ok(Arc::new(Dentry {
                inode,
                name: Mutex::new(name.to_vec()),
                parent: Mutex::new(Some(self.clone())),
                children: Mutex::new(HashMap::new()),
                mounts: AtomicU32::new(0),
                dead: AtomicBool::new(false),
            }));
        }
        Ok(self.insert(name, inode))
    }

    /// Records a new child (after create, mkdir, lookup).
    pub fn insert(self: &Arc<Self>, name: &[u8], inode: InodeRef) -> Arc<Dentry> {
        let d = Arc::new(Dentry {
            inode,
            name: Mutex::new(name.to_vec()),
            parent: Mutex::new(Some(self.clone())),
            children: Mutex::new(HashMap::new()),
            mounts: AtomicU32::new(0),
            dead: AtomicBool::new(false),
        });
        self.children().insert(name.to_vec(), d.clone());
        d
    }

    /// A dentry for an unnamed file in this directory (O_TMPFILE): it has a
    /// parent but is not among its children, and counts as removed.
    pub fn unnamed(self: &Arc<Self>, inode: InodeRef) -> Arc<Dentry> {
        let ino = inode.attr().map_or(0, |a| a.ino);
        Arc::new(Dentry {
            inode,
            name: Mutex::new(format!("#{ino}").into_bytes()),
            parent: Mutex::new(Some(self.clone())),
            children: Mutex::new(HashMap::new()),
            mounts: AtomicU32::new(0),
            dead: AtomicBool::new(true),
        })
    }

    pub fn is_dead(&self) -> bool {
        self.dead.load(Ordering::Relaxed)
    }

    /// Forgets child `name` (after unlink, rmdir).
    pub fn forget(&self, name: &[u8]) {
        if let Some(d) = self.children().remove(name) {
            d.dead.store(true, Ordering::Relaxed);
        }
    }

    /// Moves cached child `old` of `self` to `new` in `new_parent` (after rename).
    pub fn moved(self: &Arc<Self>, old: &[u8], new_parent: &Arc<Dentry>, new: &[u8]) {
        let child = self.children().remove(old);
        if let Some(replaced) = new_parent.children().remove(new) {
            replaced.dead.store(true, Ordering::Relaxed);
        }
        if let Some(child) = child {
            *child.name.lock().unwrap_or_else(|e| e.into_inner()) = new.to_vec();
            *child.parent.lock().unwrap_or_else(|e| e.into_inner()) = Some(new_parent.clone());
            new_parent.children().insert(new.to_vec(), child);
        }
    }

    /// Swaps cached children `a` of `self` and `b` of `other` (after
    /// RENAME_EXCHANGE).
    pub fn exchanged(self: &Arc<Self>, a: &[u8], other: &Arc<Dentry>, b: &[u8]) {
        let da = self.children().remove(a);
        let db = other.children().remove(b);
        if let Some(d) = da {
            *d.name.lock().unwrap_or_else(|e| e.into_inner()) = b.to_vec();
            *d.parent.lock().unwrap_or_else(|e| e.into_inner()) = Some(other.clone());
            other.children().insert(b.to_vec(), d);
        }
        if let Some(d) = db {
            *d.name.lock().unwrap_or_else(|e| e.into_inner()) = a.to_vec();
            *d.parent.lock().unwrap_or_else(|e| e.into_inner()) = Some(self.clone());
            self.children().insert(a.to_vec(), d);
        }
    }
}
