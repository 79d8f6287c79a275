//! Paths and the path walk (namei): symlinks, "..", mount crossings.

use std::sync::{Arc, Mutex};

use syscalls::consts::{
    RESOLVE_BENEATH, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS, RESOLVE_NO_XDEV,
};
use syscalls::Errno;

use super::{perm, Dentry, FileType, Mount, MountNamespace};
use crate::kernel::Creds;

/// Longest path the kernel accepts, including the NUL.
pub const PATH_MAX: usize = 4096;
/// Longest name of one component.
pub const NAME_MAX: usize = 255;
/// Symlinks followed in one walk before ELOOP (Linux's MAXSYMLINKS).
pub const MAX_SYMLINKS: u32 = 40;

/// A place in the tree: a dentry seen through a mount.
#[derive(Clone)]
pub struct Path {
    pub mount: Arc<Mount>,
    pub dentry: Arc<Dentry>,
}

impl Path {
    pub fn same(&self, other: &Path) -> bool {
        Arc::ptr_eq(&self.mount, &other.mount) && Arc::ptr_eq(&self.dentry, &other.dentry)
    }

    pub fn file_type(&self) -> FileType {
        self.dentry.inode.file_type()
    }

    pub fn is_dir(&self) -> bool {
        self.file_type() == FileType::Directory
    }
}

/// The fs context of a task: root, cwd and umask (shared by CLONE_FS).
pub struct FsContext {
    state: Mutex<FsState>,
}

#[derive(Clone)]
struct FsState {
    root: Path,
    cwd: Path,
    umask: u32,
}

impl FsContext {
    pub fn new(root: Path, cwd: Path) -> Arc<FsContext> {
        Arc::new(FsContext {
            state: Mutex::new(FsState {
                root,
                cwd,
                umask: 0o022,
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FsState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn root(&self) -> Path {
        self.lock().root.clone()
    }

    /// Moves root and cwd by `map`, for every task sharing this context
    /// (pivot_root).
    pub fn move_paths(&self, map: impl Fn(&Path) -> Path) {
        let mut s = self.lock();
        s.root = map(&s.root);
        s.cwd = map(&s.cwd);
    }

    /// A copy whose root and cwd are moved by `map` (into a copied mount
    /// namespace, or off a mount pivot_root moved).
    pub fn fork_mapped(&self, map: impl Fn(&Path) -> Path) -> Arc<FsContext> {
        let s = self.lock().clone();
        Arc::new(FsContext {
            state: Mutex::new(FsState {
                root: map(&s.root),
                cwd: map(&s.cwd),
                umask: s.umask,
            }),
        })
    }

    pub fn cwd(&self) -> Path {
        self.lock().cwd.clone()
    }

    pub fn set_cwd(&self, p: Path) {
        self.lock().cwd = p;
    }

    /// chroot: the new root of path walks.
    pub fn set_root(&self, p: Path) {
        self.lock().root = p;
    }

    pub fn umask(&self) -> u32 {
        self.lock().umask
    }

    /// Sets the umask, returning the old one.
    pub fn set_umask(&self, m: u32) -> u32 {
        std::mem::replace(&mut self.lock().umask, m & 0o777)
    }

    pub fn fork(&self) -> Arc<FsContext> {
        Arc::new(FsContext {
            state: Mutex::new(self.lock().clone()),
        })
    }
}

/// One path resolution: the namespace, the task's root, where relative
/// paths start, whose permissions it walks with, and openat2's RESOLVE_*
/// restrictions (0 for every other call).
pub struct Lookup<'a> {
    pub ns: &'a MountNamespace,
    pub root: Path,
    pub start: Path,
    /// Every directory walked through needs search permission for these.
    pub creds: &'a Creds,
    /// RESOLVE_NO_XDEV, RESOLVE_NO_SYMLINKS, RESOLVE_BENEATH,
    /// RESOLVE_IN_ROOT (for both of which `root` is the starting point).
    pub resolve: u64,
}

/// Result of resolving all but the last component (for create, unlink, ...).
pub struct Parent {
    pub dir: Path,
    /// The last component; "." or ".." are reported as such for the caller
    /// to reject as Linux does.
    pub name: Vec<u8>,
    /// The path ended in '/'.
    pub trailing_slash: bool,
}

impl<'a> Lookup<'a> {
    /// Resolves `path`. `follow` says whether a symlink in the last
    /// component is followed.
    pub fn resolve(&self, path: &[u8], follow: bool) -> Result<Path, Errno> {
        let mut links = 0;
        self.walk(self.start.clone(), path, follow, &mut links, false)
    }

    /// Following one more symlink: refused under RESOLVE_NO_SYMLINKS
    /// (ELOOP), counted against MAX_SYMLINKS.
    pub fn follow_link(&self, links: &mut u32) -> Result<(), Errno> {
        if self.resolve & RESOLVE_NO_SYMLINKS != 0 {
            return Err(Errno::ELOOP);
        }
        *links += 1;
        if *links > MAX_SYMLINKS {
            return Err(Errno::ELOOP);
        }
        Ok(())
    }

    /// Search permission on directory `dir`, needed to look anything up in it.
    pub fn may_search(&self, dir: &Path) -> Result<(), Errno> {
        perm::may_search(self.creds, &*dir.dentry.inode)
    }

    /// Where an absolute path (or symlink target) starts: the root, unless
    /// RESOLVE_BENEATH forbids it (EXDEV), or RESOLVE_NO_XDEV and a symlink
    /// would jump to another mount.
    fn jump_root(&self, from: Option<&Path>) -> Result<Path, Errno> {
        if self.resolve & RESOLVE_BENEATH != 0 {
            return Err(Errno::EXDEV);
        }
        if self.resolve & RESOLVE_NO_XDEV != 0
            && from.is_some_and(|p| !Arc::ptr_eq(&p.mount, &self.root.mount))
        {
            return Err(Errno::EXDEV);
        }
        Ok(self.root.clone())
    }

    /// Resolves every component of `path` but the last.
    pub fn resolve_parent(&self, path: &[u8]) -> Result<Parent, Errno> {
        if path.is_empty() {
            return Err(Errno::ENOENT);
        }
        let trailing_slash = path.ends_with(b"/");
        let trimmed = trim_trailing_slashes(path);
        if trimmed == b"/" {
            // The root itself: callers see name "/" and refuse.
            return Ok(Parent {
                dir: self.jump_root(None)?,
                name: b"/".to_vec(),
                trailing_slash,
            });
        }
        let (dir_part, name) = match trimmed.iter().rposition(|&c| c == b'/') {
            Some(i) => (&trimmed[..=i], &trimmed[i + 1..]),
            None => (&b""[..], trimmed),
        };
        if name.len() > NAME_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        let mut links = 0;
        let dir = if dir_part.is_empty() {
            self.start.clone()
        } else {
            self.walk(self.start.clone(), dir_part, true, &mut links, false)?
        };
        if !dir.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        // The last component is looked up in `dir` too.
        self.may_search(&dir)?;
        Ok(Parent {
            dir,
            name: name.to_vec(),
            trailing_slash,
        })
    }

    /// Walks `path` from `start`; `from_link` says it is a symlink's target.
    fn walk(
        &self,
        start: Path,
        path: &[u8],
        follow_last: bool,
        links: &mut u32,
        from_link: bool,
    ) -> Result<Path, Errno> {
        if path.is_empty() {
            return Err(Errno::ENOENT);
        }
        let mut cur = if path[0] == b'/' {
            self.jump_root(from_link.then_some(&start))?
        } else {
            start
        };
        let must_be_dir = path.ends_with(b"/");
        let mut comps = path
            .split(|&c| c == b'/')
            .filter(|c| !c.is_empty())
            .peekable();
        while let Some(comp) = comps.next() {
            let last = comps.peek().is_none();
            if !cur.is_dir() {
                return Err(Errno::ENOTDIR);
            }
            if comp.len() > NAME_MAX {
                return Err(Errno::ENAMETOOLONG);
            }
            self.may_search(&cur)?;
            match comp {
                b"." => continue,
                b".." => {
                    cur = self.parent_of(&cur)?;
                    continue;
                }
                _ => {}
            }
            let child = cur.dentry.lookup(comp)?;
            let mut next = Path {
                mount: cur.mount.clone(),
                dentry: child,
            };
            while let Some(m) = self.ns.mounted_at(&next) {
                if self.resolve & RESOLVE_NO_XDEV != 0 {
                    return Err(Errno::EXDEV);
                }
                next = Path {
                    dentry: m.root.clone(),
                    mount: m,
                };
            }
            if next.file_type() == FileType::Symlink && (!last || follow_last || must_be_dir) {
                self.follow_link(links)?;
                if let Some(to) = next.dentry.inode.magic_link(&next) {
                    // As Linux's nd_jump_link.
                    if self.resolve & RESOLVE_NO_MAGICLINKS != 0 {
                        return Err(Errno::ELOOP);
                    }
                    let to = to?;
                    if self.resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT) != 0
                        || (self.resolve & RESOLVE_NO_XDEV != 0
                            && !Arc::ptr_eq(&to.mount, &next.mount))
                    {
                        return Err(Errno::EXDEV);
                    }
                    next = to;
                } else {
                    let target = next.dentry.inode.readlink()?;
                    if target.is_empty() {
                        return Err(Errno::ENOENT);
                    }
                    next = self.walk(cur.clone(), &target, true, links, true)?;
                }
            }
            cur = next;
        }
        if must_be_dir && !cur.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        Ok(cur)
    }

    /// "..": stays at the task's root, climbs out of mounts. Under
    /// RESOLVE_BENEATH, ".." of the starting point is EXDEV; under
    /// RESOLVE_NO_XDEV, so is climbing out of a mount.
    fn parent_of(&self, p: &Path) -> Result<Path, Errno> {
        let mut p = p.clone();
        loop {
            if p.same(&self.root) {
                if self.resolve & RESOLVE_BENEATH != 0 {
                    return Err(Errno::EXDEV);
                }
                return Ok(p);
            }
            if Arc::ptr_eq(&p.dentry, &p.mount.root) {
                match p.mount.parent() {
                    Some((m, d)) => {
                        if self.resolve & RESOLVE_NO_XDEV != 0 {
                            return Err(Errno::EXDEV);
                        }
                        p = Path {
                            mount: m,
                            dentry: d,
                        };
                        continue;
                    }
                    None => return Ok(p),
                }
            }
            return Ok(match p.dentry.parent() {
                Some(d) => Path {
                    mount: p.mount.clone(),
                    dentry: d,
                },
                None => p,
            });
        }
    }

    /// The absolute path of `p` as seen from the task's root (getcwd, /proc
    /// links). Paths outside the root get Linux's "(unreachable)" prefix.
    pub fn path_of(&self, p: &Path) -> Vec<u8> {
        let mut names: Vec<Vec<u8>> = Vec::new();
        let mut p = p.clone();
        let mut reachable = false;
        loop {
            if p.same(&self.root) {
                reachable = true;
                break;
            }
            if Arc::ptr_eq(&p.dentry, &p.mount.root) {
                match p.mount.parent() {
                    Some((m, d)) => {
                        p = Path {
                            mount: m,
                            dentry: d,
                        };
                        continue;
                    }
                    None => break,
                }
            }
            match p.dentry.parent() {
                Some(d) => {
                    names.push(p.dentry.name());
                    p = Path {
                        mount: p.mount.clone(),
                        dentry: d,
                    };
                }
                None => break,
            }
        }
        let mut out = if reachable {
            Vec::new()
        } else {
            b"(unreachable)".to_vec()
        };
        if names.is_empty() {
            out.push(b'/');
        }
        for n in names.iter().rev() {
            out.push(b'/');
            out.extend_from_slice(n);
        }
        out
    }
}

fn trim_trailing_slashes(p: &[u8]) -> &[u8] {
    let mut end = p.len();
    while end > 1 && p[end - 1] == b'/' {
        end -= 1;
    }
    &p[..end]
}
