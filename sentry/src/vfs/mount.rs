//! Mounts and the mount namespace.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::{Dentry, Path};

pub struct Mount {
    pub id: u64,
    pub root: Arc<Dentry>,
    /// Where it is mounted: the parent mount and the dentry covered.
    pub parent: Option<(Arc<Mount>, Arc<Dentry>)>,
    pub read_only: bool,
    pub fs_type: &'static str,
    pub source: String,
}

impl Mount {
    pub fn new_root(
        root: Arc<Dentry>,
        fs_type: &'static str,
        source: &str,
        read_only: bool,
    ) -> Arc<Mount> {
        Arc::new(Mount {
            id: next_id(),
            root,
            parent: None,
            read_only,
            fs_type,
            source: source.to_string(),
        })
    }
}

fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

pub struct MountNamespace {
    pub root: Arc<Mount>,
    /// Mounts by (parent mount id, address of the covered dentry).
    mounts: Mutex<HashMap<(u64, usize), Arc<Mount>>>,
}

impl MountNamespace {
    pub fn new(root: Arc<Mount>) -> Arc<MountNamespace> {
        Arc::new(MountNamespace {
            root,
            mounts: Mutex::new(HashMap::new()),
        })
    }

    pub fn root_path(&self) -> Path {
        Path {
            mount: self.root.clone(),
            dentry: self.root.root.clone(),
        }
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
        let m = Arc::new(Mount {
            id: next_id(),
            root,
            parent: Some((at.mount.clone(), at.dentry.clone())),
            read_only,
            fs_type,
            source: source.to_string(),
        });
        at.dentry.add_mount();
        self.mounts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((at.mount.id, Arc::as_ptr(&at.dentry) as usize), m.clone());
        m
    }

    /// The mount sitting on `p`, if any (the most recent one).
    pub fn mounted_at(&self, p: &Path) -> Option<Arc<Mount>> {
        if !p.dentry.has_mounts() {
            return None;
        }
        self.mounts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(p.mount.id, Arc::as_ptr(&p.dentry) as usize))
            .cloned()
    }

    pub fn all(&self) -> Vec<Arc<Mount>> {
        let mut v: Vec<Arc<Mount>> = self
            .mounts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect();
        v.sort_by_key(|m| m.id);
        v.insert(0, self.root.clone());
        v
    }
}
