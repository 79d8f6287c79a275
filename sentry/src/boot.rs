//! Starting a sandbox: the mount tree, the application's stdio, the init
//! task. The caller (`runsc boot`) has already isolated this process
//! (namespaces, pivot into an empty root) and hands over the gofer
//! connection and the host descriptors that become fds 0, 1 and 2.

use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::sync::Arc;

use platform::Platform;
use serde::{Deserialize, Serialize};
use syscalls::consts::*;
use syscalls::types::Rlimit;
use syscalls::Errno;

use crate::fs::dev::new_devfs;
use crate::fs::devpts::Devpts;
pub use crate::fs::gofer::FileAccess;
use crate::fs::gofer::GoferFs;
use crate::fs::host::HostInode;
use crate::fs::overlay::OverlayFs;
use crate::fs::tmpfs::Tmpfs;
use crate::kernel::{Creds, ExitStatus, Kernel, KernelOptions, Task, Uts, RLIM_NLIMITS};
use crate::mm::MemoryFile;
use crate::vfs::{
    Dentry, FdTable, File, FsContext, Inode, InodeRef, Lookup, Mount, MountNamespace, Owner, Path,
};

/// How the root file system is layered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Overlay {
    /// Changes live in sentry memory; the host's tree is never written.
    #[default]
    Memory,
    /// Writes go through the gofer to the host.
    None,
}

/// Everything the sentry needs to start a sandbox.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct BootConfig {
    pub argv: Vec<Vec<u8>>,
    pub env: Vec<Vec<u8>>,
    pub cwd: Vec<u8>,
    pub overlay: Overlay,
    pub strace: bool,
    pub uid: u32,
    pub gid: u32,
    pub groups: Vec<u32>,
    pub uts: UtsConfig,
    /// (soft, hard) for each RLIMIT_*.
    pub rlimits: Vec<(u64, u64)>,
    /// Mounts made over the root before the program starts, in order.
    #[serde(default)]
    pub mounts: Vec<MountSpec>,
    /// Cache policy of the gofer-backed root (see docs/files.md).
    #[serde(default)]
    pub file_access: FileAccess,
    /// The caller's stdin and stdout are a host terminal: the sandbox gets
    /// a pty of its own, relayed to it. The number is the descriptor on
    /// which runsc sends window sizes (`struct winsize` records).
    #[serde(default)]
    pub terminal: Option<i32>,
}

/// A mount of the sandbox's initial tree (`runsc do --volume`, OCI mounts).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct MountSpec {
    /// Absolute path in the sandbox; missing directories (and, for a file
    /// source, the file) are created in the root.
    pub destination: Vec<u8>,
    /// What mountinfo shows as the source (the host path of a volume).
    pub source: String,
    pub kind: MountKind,
    pub read_only: bool,
    /// Cache policy of a gofer mount (see docs/files.md).
    #[serde(default)]
    pub file_access: FileAccess,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub enum MountKind {
    /// Served by the gofer on its own connection: index into the
    /// connections handed to `run`.
    Gofer { conn: usize },
    /// A fresh tmpfs.
    #[default]
    Tmpfs,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct UtsConfig {
    pub sysname: String,
    pub nodename: String,
    pub release: String,
    pub version: String,
    pub machine: String,
    pub domainname: String,
}

/// Why the sandbox could not start its program.
#[derive(Debug)]
pub enum BootError {
    /// The program could not be executed (exit 127 for ENOENT, 126 else).
    Exec {
        cmd: Vec<u8>,
        errno: Errno,
    },
    Setup(String),
}

impl BootError {
    /// The exit status a shell would give.
    pub fn exit_code(&self) -> i32 {
        match self {
            BootError::Exec { errno, .. }
                if *errno == Errno::ENOENT || *errno == Errno::ENOTDIR =>
            {
                127
            }
            BootError::Exec { .. } => 126,
            BootError::Setup(_) => 125,
        }
    }
}

impl std::fmt::Display for BootError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BootError::Exec { cmd, errno } => write!(
                f,
                "{}: {}",
                String::from_utf8_lossy(cmd),
                errno.description().to_lowercase()
            ),
            BootError::Setup(s) => write!(f, "{s}"),
        }
    }
}

fn setup<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> BootError + '_ {
    move |e| BootError::Setup(format!("{what}: {e}"))
}

/// Builds the sandbox and runs its init program to the end.
pub fn run(
    cfg: BootConfig,
    mf: Arc<MemoryFile>,
    platform: Arc<dyn Platform>,
    gofer: UnixStream,
    mount_conns: Vec<UnixStream>,
    stdio: [Option<OwnedFd>; 3],
    winsize: Option<OwnedFd>,
) -> Result<ExitStatus, BootError> {
    let client = gofer::client::Client::connect(gofer).map_err(setup("gofer handshake"))?;
    let lower = GoferFs::mount(client, cfg.file_access, &mf).map_err(setup("gofer attach"))?;
    let (root_inode, fs_type): (InodeRef, &'static str) = match cfg.overlay {
        Overlay::Memory => {
            let upper = Tmpfs::new_root(&mf, 0o755, Owner::default());
            (
                OverlayFs::new_root(upper, lower).map_err(setup("overlay"))?,
                "overlay",
            )
        }
        Overlay::None => (lower, "9p"),
    };
    let root_mount = Mount::new_root(Dentry::new_root(root_inode), fs_type, "rootfs", false);
    let mounts = MountNamespace::new(root_mount);
    let devpts = Devpts::new();
    let mut limits = [Rlimit::default(); RLIM_NLIMITS];
    for (i, l) in cfg.rlimits.iter().take(RLIM_NLIMITS).enumerate() {
        limits[i] = Rlimit { cur: l.0, max: l.1 };
    }
    let u = &cfg.uts;
    let uts = Uts {
        sysname: u.sysname.clone().into_bytes(),
        nodename: u.nodename.clone().into_bytes(),
        release: u.release.clone().into_bytes(),
        version: u.version.clone().into_bytes(),
        machine: u.machine.clone().into_bytes(),
        domainname: u.domainname.clone().into_bytes(),
    };
    let kernel = Kernel::new(
        platform,
        mf.clone(),
        mounts.clone(),
        uts,
        limits,
        KernelOptions { strace: cfg.strace },
    );

    mount_kernel_filesystems(&mounts, &kernel, &devpts)
        .map_err(setup("mounting /dev, /proc and /sys"))?;
    let mut conns: Vec<Option<UnixStream>> = mount_conns.into_iter().map(Some).collect();
    for spec in &cfg.mounts {
        mount_spec(&mounts, &mf, spec, &mut conns).map_err(|e| {
            BootError::Setup(format!(
                "mounting {} on {}: {e}",
                spec.source,
                String::from_utf8_lossy(&spec.destination)
            ))
        })?;
    }

    let creds = Creds::new(cfg.uid, cfg.gid, cfg.groups.clone());
    let root = mounts.root_path();
    let lk = Lookup {
        ns: &mounts,
        root: root.clone(),
        start: root.clone(),
        creds: &creds,
        resolve: 0,
    };
    let cwd = lk
        .resolve(&cfg.cwd, true)
        .ok()
        .filter(|p| p.is_dir())
        .unwrap_or_else(|| root.clone());
    let fs = FsContext::new(root, cwd);
    let files = FdTable::new();
    let mut stdio = stdio;
    let relay = match cfg.terminal {
        Some(_) => Some(
            start_terminal(&kernel, &devpts, &mounts, &files, &mut stdio, winsize)
                .map_err(setup("terminal"))?,
        ),
        None => None,
    };
    for (i, fd) in stdio.into_iter().enumerate() {
        let Some(fd) = fd else { continue };
        let inode = HostInode::new(fd).map_err(setup("stdio"))?;
        let ops = inode.clone().open(O_RDWR).map_err(setup("stdio"))?;
        let file = File::new(ops, inode, None, O_RDWR);
        files
            .install(i as i32, file, false, 3)
            .map_err(setup("stdio"))?;
    }
    // The init task loads its program on its own host thread (where its
    // platform context lives); the sandbox ends when init's process does.
    let seed = Task::seed_init(kernel.clone(), fs, files, creds).map_err(setup("init task"))?;
    let (tx, rx) = std::sync::mpsc::channel();
    let argv = cfg.argv.clone();
    let env = cfg.env.clone();
    let start = std::thread::Builder::new()
        .name("task-1".into())
        .spawn(move || {
            let mut task = match Task::from_seed(seed) {
                Ok(t) => t,
                Err(failed) => {
                    let _ = tx.send(Err(BootError::Setup(format!("init task: {}", failed.1))));
                    return;
                }
            };
            let cmd = argv.first().cloned().unwrap_or_default();
            let path = find_program(&task, &cmd, &env);
            if let Err(errno) = crate::loader::exec(&mut task, AT_FDCWD, &path, argv, env) {
                let _ = tx.send(Err(BootError::Exec { cmd, errno }));
                return;
            }
            let _ = tx.send(Ok(()));
            task.run();
        })
        .map_err(setup("task thread"))?;
    match rx.recv() {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(e),
        Err(_) => return Err(BootError::Setup("the init task's thread died".into())),
    }
    drop(start);
    let status = kernel.wait_init();
    if let Some(r) = &relay {
        r.flush();
    }
    // Shared mappings of host files reach the host when the sandbox ends,
    // as dirty pages do on Linux.
    crate::fs::gofer::flush_shared_pages();
    Ok(status)
}

/// The sandbox's own terminal for a caller on a host terminal: a pty whose
/// slave is init's stdin and stdout (and stderr, if that is the terminal
/// too) and the controlling terminal of init's session, relayed to the host
/// terminal. Takes the stdio descriptors it relays.
fn start_terminal(
    kernel: &Arc<Kernel>,
    devpts: &Arc<Devpts>,
    mounts: &Arc<MountNamespace>,
    files: &Arc<FdTable>,
    stdio: &mut [Option<OwnedFd>; 3],
    winsize: Option<OwnedFd>,
) -> Result<crate::fs::tty::relay::Relay, Errno> {
    let (master, slave) = devpts.new_pair()?;
    let pty = slave.pty.clone();
    pty.lock().locked = false;
    if let Some(fd) = &stdio[0] {
        if let Ok(w) = crate::kernel::hostcall::get_winsize(fd) {
            pty.lock().winsize = w;
        }
    }
    // Init (pid 1) leads session 1 and process group 1.
    pty.attach_session(kernel, 1, 1);
    kernel.ttys.set_console(pty.clone());
    let name = format!("/dev/pts/{}", pty.index);
    let root = mounts.root_path();
    let creds = Creds::new(0, 0, Vec::new());
    let lk = Lookup {
        ns: mounts,
        root: root.clone(),
        start: root,
        creds: &creds,
        resolve: 0,
    };
    let path = lk.resolve(name.as_bytes(), true).ok();
    let err2_tty = stdio[2].as_ref().is_some_and(rustix::termios::isatty);
    let host_in = stdio[0].take().ok_or(Errno::EBADF)?;
    let host_out = stdio[1].take().ok_or(Errno::EBADF)?;
    let ends: &[i32] = if err2_tty {
        stdio[2] = None;
        &[0, 1, 2]
    } else {
        &[0, 1]
    };
    for &i in ends {
        let ops = crate::fs::devpts::open_slave(&pty)?;
        let inode: InodeRef = slave.clone();
        let file = File::new(ops, inode, path.clone(), O_RDWR | O_LARGEFILE);
        files.install(i, file, false, 3)?;
    }
    let relay = crate::fs::tty::relay::Relay::start(pty, host_in, host_out, winsize, master)?;
    Ok(relay)
}

/// `execvp`'s search: a name without '/' is looked up in $PATH.
fn find_program(task: &Task, cmd: &[u8], env: &[Vec<u8>]) -> Vec<u8> {
    if cmd.contains(&b'/') || cmd.is_empty() {
        return cmd.to_vec();
    }
    let path_var = env
        .iter()
        .find_map(|e| e.strip_prefix(b"PATH="))
        .unwrap_or(b"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    for dir in path_var.split(|&c| c == b':') {
        let dir = if dir.is_empty() { &b"."[..] } else { dir };
        let mut cand = dir.to_vec();
        cand.push(b'/');
        cand.extend_from_slice(cmd);
        if let Ok(p) = task.resolve_at(AT_FDCWD, &cand, true) {
            let exec = p
                .dentry
                .inode
                .attr()
                .map(|a| a.mode & 0o111 != 0)
                .unwrap_or(false);
            if p.file_type() == crate::vfs::FileType::Regular && exec {
                return cand;
            }
        }
    }
    cmd.to_vec()
}

/// Mounts the sentry's own /dev, /dev/shm, /proc and /sys over whatever the
/// root has there: nothing of the host's is visible through them.
fn mount_kernel_filesystems(
    ns: &Arc<MountNamespace>,
    kernel: &Arc<Kernel>,
    devpts: &Arc<Devpts>,
) -> Result<(), Errno> {
    let mf = &kernel.mf;
    let root = ns.root_path();
    let dir = |name: &[u8]| -> Result<Path, Errno> {
        let d = match root.dentry.lookup(name) {
            Ok(d) => d,
            Err(e) if e == Errno::ENOENT => {
                let inode = root.dentry.inode.mkdir(name, 0o755, Owner::default())?;
                root.dentry.insert(name, inode)
            }
            Err(e) => return Err(e),
        };
        if d.inode.file_type() != crate::vfs::FileType::Directory {
            return Err(Errno::ENOTDIR);
        }
        Ok(Path {
            mount: root.mount.clone(),
            dentry: d,
        })
    };
    let dev_at = dir(b"dev")?;
    let devfs = new_devfs(mf)?;
    let dev = ns.mount(&dev_at, Dentry::new_root(devfs), "tmpfs", "devfs", false);
    let pts_at = Path {
        dentry: dev.root.lookup(b"pts")?,
        mount: dev.clone(),
    };
    let shm_at = Path {
        dentry: dev.root.lookup(b"shm")?,
        mount: dev,
    };
    let shm = Tmpfs::new_root(mf, 0o1777, Owner::default());
    ns.mount(&shm_at, Dentry::new_root(shm), "tmpfs", "shm", false);
    ns.mount(
        &pts_at,
        Dentry::new_root(devpts.root()),
        "devpts",
        "devpts",
        false,
    );
    for (name, fs_type) in [(&b"proc"[..], "proc"), (b"sys", "sysfs")] {
        let at = dir(name)?;
        let root = kernel_fs_root(fs_type, kernel).ok_or(Errno::ENODEV)?;
        let m = ns.mount(&at, Dentry::new_root(root), fs_type, fs_type, false);
        m.set_flags(kernel_fs_flags(fs_type));
    }
    Ok(())
}

/// Makes one of the configured mounts, creating its mount point in the root
/// (for the memory overlay: in sandbox memory, never on the host).
fn mount_spec(
    ns: &Arc<MountNamespace>,
    mf: &Arc<MemoryFile>,
    spec: &MountSpec,
    conns: &mut [Option<UnixStream>],
) -> Result<(), String> {
    let (root, fs_type): (InodeRef, &'static str) = match spec.kind {
        MountKind::Gofer { conn } => {
            let sock = conns
                .get_mut(conn)
                .and_then(Option::take)
                .ok_or("no gofer connection for it")?;
            let client = gofer::client::Client::connect(sock).map_err(|e| e.to_string())?;
            let root = GoferFs::mount(client, spec.file_access, mf).map_err(|e| e.to_string())?;
            (root, "9p")
        }
        MountKind::Tmpfs => (Tmpfs::new_root(mf, 0o1777, Owner::default()), "tmpfs"),
    };
    let is_dir = root.file_type() == crate::vfs::FileType::Directory;
    let at = make_mount_point(ns, &spec.destination, is_dir).map_err(|e| e.to_string())?;
    if at.is_dir() != is_dir {
        return Err(Errno::ENOTDIR.to_string());
    }
    let m = ns.mount(&at, Dentry::new_root(root), fs_type, &spec.source, false);
    if spec.read_only {
        m.set_flags(m.flags() | crate::vfs::mount_flags::MS_RDONLY);
    }
    Ok(())
}

/// Resolves `dest` in the namespace, creating what is missing: directories,
/// and the last component as a directory or (`dir` false) an empty file.
fn make_mount_point(ns: &Arc<MountNamespace>, dest: &[u8], dir: bool) -> Result<Path, Errno> {
    let root = ns.root_path();
    // The runtime makes mount points as the sandbox's root.
    let creds = Creds::new(0, 0, Vec::new());
    let lk = Lookup {
        ns,
        root: root.clone(),
        start: root.clone(),
        creds: &creds,
        resolve: 0,
    };
    let comps: Vec<&[u8]> = dest
        .split(|&c| c == b'/')
        .filter(|c| !c.is_empty() && *c != b".")
        .collect();
    let mut cur = root;
    for (i, comp) in comps.iter().enumerate() {
        let last = i + 1 == comps.len();
        let sub = Lookup {
            ns,
            root: lk.root.clone(),
            start: cur.clone(),
            creds: &creds,
            resolve: 0,
        };
        cur = match sub.resolve(comp, true) {
            Ok(p) => p,
            Err(e) if e == Errno::ENOENT => {
                let inode = if last && !dir {
                    cur.dentry.inode.create(comp, 0o644, Owner::default())?
                } else {
                    cur.dentry.inode.mkdir(comp, 0o755, Owner::default())?
                };
                let dentry = cur.dentry.insert(comp, inode);
                Path {
                    mount: cur.mount.clone(),
                    dentry,
                }
            }
            Err(e) => return Err(e),
        };
    }
    Ok(cur)
}

/// A new instance of the sentry's "proc" or "sysfs" (at boot and for
/// mount(2) inside the sandbox); None for other types.
pub(crate) fn kernel_fs_root(fs_type: &str, kernel: &Arc<Kernel>) -> Option<InodeRef> {
    match fs_type {
        "proc" => Some(crate::fs::proc::ProcFs::new_root(kernel)),
        "sysfs" => Some(crate::fs::sys::new_root(kernel)),
        _ => None,
    }
}

/// The mount flags /proc and /sys get at boot: as Docker mounts them,
/// proc read-write (comm, oom_score_adj) and sysfs read-only, both
/// nosuid, nodev, noexec.
pub(crate) fn kernel_fs_flags(fs_type: &str) -> u32 {
    use crate::vfs::mount_flags::{MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, MS_RELATIME};
    let ro = if fs_type == "sysfs" { MS_RDONLY } else { 0 };
    ro | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME
}
