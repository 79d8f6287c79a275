//! procfs: files generated from the sentry's own state, never the host's
//! /proc.
//!
//! Everything here is made of three kinds of synthetic inode: a file whose
//! contents a closure generates when it is opened (and again when it is
//! read from offset 0, as `top` does after an lseek), optionally writable
//! through another closure; a symlink whose target is generated (and
//! which may be a "magic link" leading to a file itself); and a directory
//! whose entries are generated at lookup and readdir. Cached dentries of
//! procfs are never trusted (`revalidate` says no), so a process that is
//! gone is gone from the tree at once.
//!
//! An instance shows the tasks of the pid namespace of the task that
//! mounted it (the sandbox has one).

mod sys;
mod task;

use std::any::Any;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use syscalls::Errno;

use crate::kernel::{Kernel, TaskShared, TaskView, ThreadGroup};
use crate::vfs::{
    anon_dev, Attr, DirEntry, File, FileOps, FileType, Inode, InodeRef, Owner, Path, StatFs, Time,
};

/// Clock ticks per second of the times /proc shows (USER_HZ).
pub const HZ: u64 = 100;

pub(crate) type Gen = Arc<dyn Fn() -> Result<Vec<u8>, Errno> + Send + Sync>;
pub(crate) type Put = Arc<dyn Fn(&[u8]) -> Result<(), Errno> + Send + Sync>;
pub(crate) type OwnerFn = Arc<dyn Fn() -> Owner + Send + Sync>;
pub(crate) type MagicFn = Arc<dyn Fn(&Path) -> Result<Path, Errno> + Send + Sync>;
pub(crate) type ListFn = Arc<dyn Fn() -> Vec<(Vec<u8>, InodeRef)> + Send + Sync>;
pub(crate) type LookupFn = Arc<dyn Fn(&[u8]) -> Result<InodeRef, Errno> + Send + Sync>;

/// Identity and permissions of a synthetic inode.
#[derive(Clone)]
pub(crate) struct Meta {
    pub ino: u64,
    pub dev: u64,
    /// Permission bits.
    pub mode: u32,
    /// Who owns it (a process's files follow the process's credentials);
    /// None for root.
    pub owner: Option<OwnerFn>,
    /// statfs's f_type of the file system (PROC_SUPER_MAGIC, SYSFS_MAGIC).
    pub magic: u64,
    /// Under /proc/sys: the mode bits bind root too (Linux's sysctl
    /// permission check has no override), so a read-only tunable cannot
    /// be opened for writing.
    pub sysctl: bool,
}

/// A stable inode number for entry `name` of directory `parent` (FNV-1a).
pub(crate) fn child_ino(parent: u64, name: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ parent.wrapping_mul(0x100_0000_01b3);
    for &b in name {
        h ^= b as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    // Small numbers stay for the root and the fixed top-level entries.
    h | 0x1000
}

impl Meta {
    /// The meta of entry `name` of a directory with this meta.
    pub fn child(&self, name: &[u8], mode: u32) -> Meta {
        Meta {
            ino: child_ino(self.ino, name),
            dev: self.dev,
            mode,
            owner: self.owner.clone(),
            magic: self.magic,
            sysctl: self.sysctl,
        }
    }

    fn attr(&self, ty: FileType, nlink: u64) -> Attr {
        let owner = self.owner.as_ref().map(|f| f()).unwrap_or_default();
        let t = boot_wall();
        Attr {
            ino: self.ino,
            dev: self.dev,
            mode: ty.mode_bits() | self.mode,
            nlink,
            uid: owner.uid,
            gid: owner.gid,
            blksize: 1024,
            atime: t,
            mtime: t,
            ctime: t,
            ..Attr::default()
        }
    }
}

/// The wall time the sentry booted at (times of /proc inodes, btime).
fn boot_wall() -> Time {
    *BOOT_WALL.get_or_init(Time::now)
}

static BOOT_WALL: std::sync::OnceLock<Time> = std::sync::OnceLock::new();

/// Fixes the wall time of the sandbox's boot (btime, inode times) when
/// the first procfs is made, from the kernel's boot instant.
fn set_boot_wall(k: &Kernel) {
    let _ = BOOT_WALL.get_or_init(|| {
        let now = Time::now();
        let up = k.boot.elapsed();
        let ns = (now.sec as i128 * 1_000_000_000 + now.nsec as i128) - up.as_nanos() as i128;
        Time {
            sec: (ns / 1_000_000_000) as i64,
            nsec: (ns % 1_000_000_000) as i64,
        }
    });
}

/// The magic number statfs gives for procfs.
pub const PROC_SUPER_MAGIC: u64 = 0x9fa0;

fn proc_statfs(meta: &Meta) -> Result<StatFs, Errno> {
    Ok(StatFs {
        fs_type: meta.magic,
        bsize: 4096,
        namelen: 255,
        frsize: 4096,
        ..StatFs::default()
    })
}

/// A file whose contents are generated.
pub(crate) struct GenFile {
    meta: Meta,
    gen: Gen,
    put: Option<Put>,
}

impl GenFile {
    pub fn inode(meta: Meta, gen: Gen) -> InodeRef {
        Arc::new(GenFile {
            meta,
            gen,
            put: None,
        })
    }

    pub fn writable(meta: Meta, gen: Gen, put: Put) -> InodeRef {
        Arc::new(GenFile {
            meta,
            gen,
            put: Some(put),
        })
    }
}

impl Inode for GenFile {
    fn file_type(&self) -> FileType {
        FileType::Regular
    }

    fn attr(&self) -> Result<Attr, Errno> {
        Ok(self.meta.attr(FileType::Regular, 1))
    }

    fn set_attr(&self, req: &crate::vfs::SetAttr) -> Result<(), Errno> {
        // O_TRUNC (or truncate): a generated file has nothing to cut.
        if req.size.is_some() && req.mode.is_none() && req.uid.is_none() && req.gid.is_none() {
            return Ok(());
        }
        Err(Errno::EPERM)
    }

    fn open(self: Arc<Self>, flags: u32) -> Result<Box<dyn FileOps>, Errno> {
        use syscalls::consts::{O_ACCMODE, O_RDONLY};
        if self.meta.sysctl && flags & O_ACCMODE != O_RDONLY && self.meta.mode & 0o222 == 0 {
            return Err(Errno::EACCES);
        }
        // Elsewhere opening for writing is the permission check's to
        // refuse; writing a file with no writer is EINVAL, as Linux's proc
        // files do.
        let data = if flags & O_ACCMODE == syscalls::consts::O_WRONLY {
            Vec::new()
        } else {
            (self.gen)()?
        };
        Ok(Box::new(GenOpen {
            gen: self.gen.clone(),
            put: self.put.clone(),
            data: Mutex::new(data),
        }))
    }

    fn statfs(&self) -> Result<StatFs, Errno> {
        proc_statfs(&self.meta)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

struct GenOpen {
    gen: Gen,
    put: Option<Put>,
    data: Mutex<Vec<u8>>,
}

impl FileOps for GenOpen {
    /// Generating reads the address spaces of tasks (this one's too):
    /// never with application memory locked for a direct read.
    fn may_block(&self) -> bool {
        true
    }

    fn read(&self, _file: &File, buf: &mut [u8], off: u64) -> Result<usize, Errno> {
        let mut data = self.data.lock().unwrap_or_else(|e| e.into_inner());
        if off == 0 {
            // A fresh read from the start sees the state now.
            *data = (self.gen)()?;
        }
        let off = off.min(data.len() as u64) as usize;
        let n = buf.len().min(data.len() - off);
        buf[..n].copy_from_slice(&data[off..off + n]);
        Ok(n)
    }

    fn write(&self, _file: &File, buf: &[u8], _off: u64) -> Result<usize, Errno> {
        match &self.put {
            Some(put) => {
                put(buf)?;
                Ok(buf.len())
            }
            None => Err(Errno::EINVAL),
        }
    }
}

/// A symlink whose target is generated; with `magic`, following it leads
/// to a file itself (fd/N, exe, cwd, root).
pub(crate) struct GenLink {
    meta: Meta,
    target: Gen,
    magic: Option<MagicFn>,
}

impl GenLink {
    pub fn inode(meta: Meta, target: Gen) -> InodeRef {
        Arc::new(GenLink {
            meta,
            target,
            magic: None,
        })
    }

    pub fn magic(meta: Meta, target: Gen, magic: MagicFn) -> InodeRef {
        Arc::new(GenLink {
            meta,
            target,
            magic: Some(magic),
        })
    }
}

impl Inode for GenLink {
    fn file_type(&self) -> FileType {
        FileType::Symlink
    }

    fn attr(&self) -> Result<Attr, Errno> {
        let mut a = self.meta.attr(FileType::Symlink, 1);
        a.size = (self.target)().map_or(0, |t| t.len() as u64);
        Ok(a)
    }

    fn open(self: Arc<Self>, _flags: u32) -> Result<Box<dyn FileOps>, Errno> {
        Err(Errno::ELOOP)
    }

    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        (self.target)()
    }

    fn magic_link(&self, at: &Path) -> Option<Result<Path, Errno>> {
        self.magic.as_ref().map(|m| m(at))
    }

    fn statfs(&self) -> Result<StatFs, Errno> {
        proc_statfs(&self.meta)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A directory whose entries are generated.
pub(crate) struct GenDir {
    meta: Meta,
    list: ListFn,
    lookup: Option<LookupFn>,
    /// Which looked-up children the dentry cache may keep (all if None).
    cache: Option<fn(&[u8]) -> bool>,
}

impl GenDir {
    pub fn inode(meta: Meta, list: ListFn) -> InodeRef {
        Arc::new(GenDir {
            meta,
            list,
            lookup: None,
            cache: None,
        })
    }

    /// A directory whose looked-up children stay out of the dentry cache
    /// when `cache` says so (a process's entries: they come and go).
    pub fn with_cache_policy(
        meta: Meta,
        list: ListFn,
        lookup: Option<LookupFn>,
        cache: fn(&[u8]) -> bool,
    ) -> InodeRef {
        Arc::new(GenDir {
            meta,
            list,
            lookup,
            cache: Some(cache),
        })
    }
}

impl Inode for GenDir {
    fn file_type(&self) -> FileType {
        FileType::Directory
    }

    fn attr(&self) -> Result<Attr, Errno> {
        let subdirs = (self.list)()
            .iter()
            .filter(|(_, i)| i.file_type() == FileType::Directory)
            .count() as u64;
        Ok(self.meta.attr(FileType::Directory, 2 + subdirs))
    }

    fn open(self: Arc<Self>, _flags: u32) -> Result<Box<dyn FileOps>, Errno> {
        Ok(Box::new(super::DirFile))
    }

    fn lookup(&self, name: &[u8]) -> Result<InodeRef, Errno> {
        if let Some(l) = &self.lookup {
            return l(name);
        }
        (self.list)()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, i)| i)
            .ok_or(Errno::ENOENT)
    }

    fn revalidate(&self, _name: &[u8], _cached: &InodeRef) -> bool {
        false
    }

    fn cache_child(&self, name: &[u8]) -> bool {
        self.cache.is_none_or(|c| c(name))
    }

    fn readdir(&self) -> Result<Vec<DirEntry>, Errno> {
        Ok((self.list)()
            .into_iter()
            .map(|(name, i)| DirEntry {
                ino: i.attr().map_or(0, |a| a.ino),
                ty: i.file_type(),
                name,
            })
            .collect())
    }

    // As Linux's VFS for a directory without these operations.
    fn create(&self, _: &[u8], _: u32, _: Owner) -> Result<InodeRef, Errno> {
        Err(Errno::ENOENT)
    }

    fn mkdir(&self, _: &[u8], _: u32, _: Owner) -> Result<InodeRef, Errno> {
        Err(Errno::ENOENT)
    }

    fn symlink(&self, _: &[u8], _: &[u8], _: Owner) -> Result<InodeRef, Errno> {
        Err(Errno::ENOENT)
    }

    fn unlink(&self, _: &[u8]) -> Result<(), Errno> {
        Err(Errno::EPERM)
    }

    fn rmdir(&self, _: &[u8]) -> Result<(), Errno> {
        Err(Errno::EPERM)
    }

    fn statfs(&self) -> Result<StatFs, Errno> {
        proc_statfs(&self.meta)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Builds directory listings: `(name, inode)` entries under a parent meta.
pub(crate) struct Entries<'a> {
    pub parent: &'a Meta,
    pub out: Vec<(Vec<u8>, InodeRef)>,
}

impl<'a> Entries<'a> {
    pub fn new(parent: &'a Meta) -> Self {
        Entries {
            parent,
            out: Vec::new(),
        }
    }

    pub fn file(&mut self, name: &str, mode: u32, gen: Gen) -> &mut Self {
        let m = self.parent.child(name.as_bytes(), mode);
        self.out
            .push((name.as_bytes().to_vec(), GenFile::inode(m, gen)));
        self
    }

    /// A read-only file with fixed text.
    pub fn text(&mut self, name: &str, text: String) -> &mut Self {
        let t = text.into_bytes();
        self.file(name, 0o444, Arc::new(move || Ok(t.clone())))
    }

    pub fn rw(&mut self, name: &str, mode: u32, gen: Gen, put: Put) -> &mut Self {
        let m = self.parent.child(name.as_bytes(), mode);
        self.out
            .push((name.as_bytes().to_vec(), GenFile::writable(m, gen, put)));
        self
    }

    pub fn link(&mut self, name: &str, target: Gen) -> &mut Self {
        let m = self.parent.child(name.as_bytes(), 0o777);
        self.out
            .push((name.as_bytes().to_vec(), GenLink::inode(m, target)));
        self
    }

    pub fn magic(&mut self, name: &str, mode: u32, target: Gen, magic: MagicFn) -> &mut Self {
        let m = self.parent.child(name.as_bytes(), mode);
        self.out
            .push((name.as_bytes().to_vec(), GenLink::magic(m, target, magic)));
        self
    }

    pub fn dir(&mut self, name: &str, mode: u32, f: impl Fn(&Meta) -> ListFn) -> &mut Self {
        let m = self.parent.child(name.as_bytes(), mode);
        let list = f(&m);
        self.out
            .push((name.as_bytes().to_vec(), GenDir::inode(m, list)));
        self
    }

    /// A directory of read-only files with fixed text: (name, text) pairs.
    pub fn texts(
        &mut self,
        name: &str,
        files: &'static [(&'static str, &'static str)],
    ) -> &mut Self {
        self.dir(name, 0o555, |m| {
            let m = m.clone();
            Arc::new(move || {
                let mut e = Entries::new(&m);
                for (n, t) in files {
                    e.text(n, t.to_string());
                }
                e.take()
            })
        })
    }

    pub fn node(&mut self, name: &[u8], inode: InodeRef) -> &mut Self {
        self.out.push((name.to_vec(), inode));
        self
    }

    pub fn take(&mut self) -> Vec<(Vec<u8>, InodeRef)> {
        std::mem::take(&mut self.out)
    }
}

/// One procfs instance.
pub struct ProcFs {
    kernel: Weak<Kernel>,
    dev: u64,
}

impl ProcFs {
    /// A new instance's root directory.
    pub fn new_root(kernel: &Arc<Kernel>) -> InodeRef {
        set_boot_wall(kernel);
        let fs = Arc::new(ProcFs {
            kernel: Arc::downgrade(kernel),
            dev: anon_dev(),
        });
        let meta = Meta {
            ino: 1,
            dev: fs.dev,
            mode: 0o555,
            owner: None,
            magic: PROC_SUPER_MAGIC,
            sysctl: false,
        };
        let (f1, f2) = (fs.clone(), fs.clone());
        let m1 = meta.clone();
        GenDir::with_cache_policy(
            meta,
            Arc::new(move || f1.root_entries(&m1, None)),
            Some(Arc::new(move |name| {
                if let Some(pid) = parse_pid(name) {
                    let k = f2.kernel()?;
                    let g = k.group(pid).ok_or(Errno::ENOENT)?;
                    return task::pid_dir(&f2, &f2.root_meta(), g, None);
                }
                let m = f2.root_meta();
                f2.root_entries(&m, Some(name))
                    .into_iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, i)| i)
                    .ok_or(Errno::ENOENT)
            })),
            // Process directories come and go; the fixed entries stay (and
            // may be mounted on, as runtimes mask /proc/kcore or /proc/sys).
            |name| parse_pid(name).is_none(),
        )
    }

    fn root_meta(&self) -> Meta {
        Meta {
            ino: 1,
            dev: self.dev,
            mode: 0o555,
            owner: None,
            magic: PROC_SUPER_MAGIC,
            sysctl: false,
        }
    }

    pub(crate) fn kernel(&self) -> Result<Arc<Kernel>, Errno> {
        self.kernel.upgrade().ok_or(Errno::ENOENT)
    }

    /// The root's entries; `only` skips the process directories (a lookup
    /// of another name).
    fn root_entries(
        self: &Arc<Self>,
        meta: &Meta,
        only: Option<&[u8]>,
    ) -> Vec<(Vec<u8>, InodeRef)> {
        let mut e = Entries::new(meta);
        let Ok(k) = self.kernel() else {
            return Vec::new();
        };
        if only.is_none() {
            let mut groups = k.all_groups();
            groups.sort_by_key(|g| g.pid);
            for g in groups {
                let name = g.pid.to_string().into_bytes();
                if let Ok(d) = task::pid_dir(self, meta, g, None) {
                    e.node(&name, d);
                }
            }
        }
        e.link(
            "self",
            Arc::new(move || {
                let (_, g) = current()?;
                Ok(g.pid.to_string().into_bytes())
            }),
        );
        e.link(
            "thread-self",
            Arc::new(move || {
                let (t, g) = current()?;
                Ok(format!("{}/task/{}", g.pid, t.tid()).into_bytes())
            }),
        );
        e.link("mounts", Arc::new(|| Ok(b"self/mounts".to_vec())));
        e.link("net", Arc::new(|| Ok(b"self/net".to_vec())));
        let (k1, k2, k3, k4) = (k.clone(), k.clone(), k.clone(), k.clone());
        let fs = self.clone();
        e.file("meminfo", 0o444, Arc::new(move || Ok(meminfo(&k1))));
        e.file("cpuinfo", 0o444, Arc::new(move || Ok(cpuinfo(&k2))));
        e.file("stat", 0o444, Arc::new(move || Ok(stat(&k3))));
        e.file("uptime", 0o444, Arc::new(move || Ok(uptime(&k4))));
        e.file("loadavg", 0o444, Arc::new(move || fs.loadavg()));
        let k5 = k.clone();
        e.file(
            "version",
            0o444,
            Arc::new(move || {
                let u = lock(&k5.uts).clone();
                Ok(format!(
                    "{} version {} (rvisor@sentry) (gcc) {}\n",
                    String::from_utf8_lossy(&u.sysname),
                    String::from_utf8_lossy(&u.release),
                    String::from_utf8_lossy(&u.version)
                )
                .into_bytes())
            }),
        );
        e.text(
            "filesystems",
            "nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tdevpts\nnodev\tmqueue\nnodev\toverlay\nnodev\t9p\n"
                .to_string(),
        );
        e.text("cmdline", "BOOT_IMAGE=/vmlinuz rvisor\n".to_string());
        e.text(
            "swaps",
            "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n".to_string(),
        );
        let k6 = k.clone();
        e.dir("sys", 0o555, move |m| {
            let mut m = m.clone();
            m.sysctl = true;
            sys::sys_dir(&m, &k6)
        });
        e.take()
    }

    /// /proc/loadavg.
    fn loadavg(&self) -> Result<Vec<u8>, Errno> {
        let k = self.kernel()?;
        let (avg, running, total) = load_average(&k);
        Ok(format!(
            "{:.2} {:.2} {:.2} {}/{} {}\n",
            avg[0],
            avg[1],
            avg[2],
            running,
            total,
            k.last_pid()
        )
        .into_bytes())
    }
}

/// The sandbox's load averages (and its runnable and total tasks): the
/// tasks runnable now folded into Linux's 1, 5 and 15 minute exponential
/// averages over the time since they were last brought up to date (at a
/// read of /proc/loadavg or sysinfo, not on a timer).
pub fn load_average(k: &Kernel) -> ([f64; 3], u32, u32) {
    let mut running = 0u32;
    let mut total = 0u32;
    for g in k.all_groups() {
        // A copy: state_of takes the group's state lock, which is taken
        // before the threads lock elsewhere.
        let threads = lock(&g.threads).clone();
        for t in threads.iter() {
            total += 1;
            if task::state_of(&g, t) == 'R' {
                running += 1;
            }
        }
    }
    let mut l = lock(&k.loadavg);
    let dt = l.0.elapsed().as_secs_f64();
    l.0 = Instant::now();
    for (i, period) in [60.0, 300.0, 900.0].iter().enumerate() {
        let decay = (-dt / period).exp();
        l.1[i] = l.1[i] * decay + running as f64 * (1.0 - decay);
    }
    (l.1, running, total)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn parse_pid(name: &[u8]) -> Option<i32> {
    if name.is_empty() || name[0] == b'0' || !name.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(name).ok()?.parse().ok()
}

/// The calling task and its process.
pub(crate) fn current() -> Result<(Arc<TaskShared>, Arc<ThreadGroup>), Errno> {
    let t = crate::kernel::current_task().ok_or(Errno::ENOENT)?;
    let g = t.view().and_then(|v| v.tg.upgrade()).ok_or(Errno::ENOENT)?;
    Ok((t, g))
}

/// The calling task's view (credentials, fs context).
pub(crate) fn current_view() -> Option<TaskView> {
    crate::kernel::current_task().and_then(|t| t.view())
}

fn ticks(d: Duration) -> u64 {
    d.as_millis() as u64 / (1000 / HZ)
}

/// Host RAM, read at boot (a host fact; what the sandbox sees is made here).
pub fn host_ram() -> u64 {
    static RAM: std::sync::LazyLock<u64> = std::sync::LazyLock::new(|| {
        let h = rustix::system::sysinfo();
        h.totalram as u64 * h.mem_unit.max(1) as u64
    });
    *RAM
}

fn meminfo(k: &Kernel) -> Vec<u8> {
    let total = host_ram() / 1024;
    let used = (k.mf.used_bytes() / 1024).min(total);
    let free = total - used;
    let rows: [(&str, u64); 32] = [
        ("MemTotal", total),
        ("MemFree", free),
        ("MemAvailable", free),
        ("Buffers", 0),
        ("Cached", 0),
        ("SwapCached", 0),
        ("Active", used),
        ("Inactive", 0),
        ("Active(anon)", used),
        ("Inactive(anon)", 0),
        ("Active(file)", 0),
        ("Inactive(file)", 0),
        ("Unevictable", 0),
        ("Mlocked", 0),
        ("SwapTotal", 0),
        ("SwapFree", 0),
        ("Dirty", 0),
        ("Writeback", 0),
        ("AnonPages", used),
        ("Mapped", 0),
        ("Shmem", 0),
        ("KReclaimable", 0),
        ("Slab", 0),
        ("SReclaimable", 0),
        ("SUnreclaim", 0),
        ("KernelStack", 0),
        ("PageTables", 0),
        ("CommitLimit", total),
        ("Committed_AS", used),
        ("VmallocTotal", 34359738367),
        ("VmallocUsed", 0),
        ("VmallocChunk", 0),
    ];
    let mut s = String::new();
    for (name, v) in rows {
        s.push_str(&format!("{:<16}{v:>8} kB\n", format!("{name}:")));
    }
    s.push_str(
        "HugePages_Total:       0\nHugePages_Free:        0\nHugePages_Rsvd:        0\nHugePages_Surp:        0\nHugepagesize:       2048 kB\n",
    );
    s.into_bytes()
}

fn cpuinfo(k: &Kernel) -> Vec<u8> {
    let mut s = String::new();
    for i in 0..k.cpus {
        s.push_str(&format!(
            "processor\t: {i}\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\n\
             model name\t: rvisor virtual CPU\nstepping\t: 4\ncpu MHz\t\t: 2000.000\n\
             cache size\t: 8192 KB\nphysical id\t: 0\nsiblings\t: {n}\ncore id\t\t: {i}\n\
             cpu cores\t: {n}\napicid\t\t: {i}\ninitial apicid\t: {i}\nfpu\t\t: yes\n\
             fpu_exception\t: yes\ncpuid level\t: 13\nwp\t\t: yes\n\
             flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ss ht syscall nx lm constant_tsc rep_good nopl xtopology cpuid pni pclmulqdq ssse3 fma cx16 sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand hypervisor lahf_lm abm avx2 bmi1 bmi2\n\
             bogomips\t: 4000.00\nclflush size\t: 64\ncache_alignment\t: 64\n\
             address sizes\t: 46 bits physical, 48 bits virtual\npower management:\n\n",
            n = k.cpus
        ));
    }
    s.into_bytes()
}

/// (user, system) ticks of every live and zombie process, and the idle
/// time of the sandbox's CPUs since boot.
fn cpu_ticks(k: &Kernel) -> (u64, u64, u64) {
    let (mut u, mut s) = (Duration::ZERO, Duration::ZERO);
    for g in k.all_groups() {
        let (gu, gs) = g.cpu_times();
        let c = *lock(&g.children_usage);
        u += gu;
        s += gs;
        if g.pid == 1 {
            u += c.user;
            s += c.sys;
        }
    }
    let all = k.boot.elapsed() * k.cpus as u32;
    let idle = all.saturating_sub(u + s);
    (ticks(u), ticks(s), ticks(idle))
}

fn stat(k: &Kernel) -> Vec<u8> {
    let (u, s, idle) = cpu_ticks(k);
    let per = |v: u64| v / k.cpus.max(1) as u64;
    let mut out = format!("cpu  {u} 0 {s} {idle} 0 0 0 0 0 0\n");
    for i in 0..k.cpus {
        out.push_str(&format!(
            "cpu{i} {} 0 {} {} 0 0 0 0 0 0\n",
            per(u),
            per(s),
            per(idle)
        ));
    }
    let groups = k.all_groups();
    let mut running = 0;
    let mut blocked = 0;
    for g in &groups {
        // A copy: state_of takes the group's state lock, which is taken
        // before the threads lock elsewhere.
        let threads = lock(&g.threads).clone();
        for t in threads.iter() {
            match task::state_of(g, t) {
                'R' => running += 1,
                'D' => blocked += 1,
                _ => {}
            }
        }
    }
    let btime = boot_wall().sec as u64;
    out.push_str(&format!(
        "intr 0\nctxt 0\nbtime {btime}\nprocesses {}\nprocs_running {running}\nprocs_blocked {blocked}\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n",
        k.last_pid()
    ));
    out.into_bytes()
}

fn uptime(k: &Kernel) -> Vec<u8> {
    let up = k.boot.elapsed().as_secs_f64();
    let (_, _, idle) = cpu_ticks(k);
    format!("{:.2} {:.2}\n", up, idle as f64 / HZ as f64).into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pid_names() {
        assert_eq!(parse_pid(b"1"), Some(1));
        assert_eq!(parse_pid(b"4321"), Some(4321));
        for bad in [&b""[..], b"0", b"01", b"self", b"1a", b"-1", b"99999999999"] {
            assert_eq!(parse_pid(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn inode_numbers_are_stable_and_distinct() {
        assert_eq!(child_ino(1, b"stat"), child_ino(1, b"stat"));
        assert_ne!(child_ino(1, b"stat"), child_ino(1, b"statm"));
        assert_ne!(child_ino(1, b"stat"), child_ino(2, b"stat"));
        assert!(child_ino(1, b"x") > 1);
    }

    #[test]
    fn generated_file_reads_fresh_from_the_start() {
        use std::sync::atomic::{AtomicU32, Ordering};
        let n = Arc::new(AtomicU32::new(0));
        let n2 = n.clone();
        let meta = Meta {
            ino: 5,
            dev: 1,
            mode: 0o444,
            owner: None,
            magic: PROC_SUPER_MAGIC,
            sysctl: false,
        };
        let inode = GenFile::inode(
            meta,
            Arc::new(move || Ok(format!("{}\n", n2.fetch_add(1, Ordering::SeqCst)).into_bytes())),
        );
        let ops = inode.clone().open(syscalls::consts::O_RDONLY).unwrap();
        let file = File::new(ops, inode, None, syscalls::consts::O_RDONLY);
        let mut buf = [0u8; 8];
        // Opening generated "0"; a read from offset 0 generates again.
        assert_eq!(file.read_at(&mut buf, 0).unwrap(), 2);
        assert_eq!(&buf[..2], b"1\n");
        assert_eq!(file.read_at(&mut buf, 1).unwrap(), 1);
        assert_eq!(file.read_at(&mut buf, 2).unwrap(), 0);
        assert_eq!(file.write_at(b"x", 0), Err(Errno::EINVAL));
    }
}
