//! `runsc gofer`: serves a host directory tree to the sentry over 9P, and
//! each volume (a host directory or file bound into the sandbox) on a
//! connection of its own.

use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::UnixStream;

use anyhow::{bail, Context, Result};
use gofer::server::{Server, ServerOptions};

use crate::isolate;

#[derive(clap::Args, Debug)]
pub struct GoferArgs {
    /// The tree to serve.
    #[arg(long)]
    root: String,
    /// The connected socket to serve on.
    #[arg(long)]
    fd: i32,
    /// Refuse every request that would change the tree.
    #[arg(long = "read-only")]
    read_only: bool,
    /// A volume to serve: `FD,rw,HOSTPATH` or `FD,ro,HOSTPATH` (FD is its
    /// connected socket; the path comes last so it may hold commas). Repeatable.
    #[arg(long = "volume")]
    volumes: Vec<String>,
}

/// One parsed `--volume`.
struct Volume {
    fd: i32,
    read_only: bool,
    path: String,
}

fn parse_volume(s: &str) -> Result<Volume> {
    let mut parts = s.splitn(3, ',');
    let (Some(fd), Some(mode), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
        bail!("--volume {s:?}: expected FD,rw|ro,PATH");
    };
    let read_only = match mode {
        "ro" => true,
        "rw" => false,
        _ => bail!("--volume {s:?}: mode must be rw or ro"),
    };
    Ok(Volume {
        fd: fd
            .parse()
            .with_context(|| format!("--volume {s:?}: bad fd"))?,
        read_only,
        path: path.to_string(),
    })
}

fn open_path(path: &str, flags: nix::fcntl::OFlag) -> Result<OwnedFd> {
    let fd = nix::fcntl::open(
        path,
        flags | nix::fcntl::OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )
    .with_context(|| format!("opening {path}"))?;
    // SAFETY: open returned a new descriptor nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Opens a volume's host path before the gofer confines itself (after
/// chroot it is out of reach): a directory is served as a tree, a file as
/// a one-file tree through its parent directory.
fn volume_server(v: &Volume) -> Result<Server> {
    let opts = ServerOptions {
        read_only: v.read_only,
    };
    let meta = std::fs::metadata(&v.path).with_context(|| format!("volume {}", v.path))?;
    if meta.is_dir() {
        let root = open_path(
            &v.path,
            nix::fcntl::OFlag::O_PATH | nix::fcntl::OFlag::O_DIRECTORY,
        )?;
        return Ok(Server::new(root, opts));
    }
    let real = std::fs::canonicalize(&v.path).with_context(|| format!("volume {}", v.path))?;
    let (Some(dir), Some(name)) = (real.parent(), real.file_name()) else {
        bail!("volume {}: no parent directory", v.path);
    };
    let dir = open_path(
        &dir.to_string_lossy(),
        nix::fcntl::OFlag::O_PATH | nix::fcntl::OFlag::O_DIRECTORY,
    )?;
    Ok(Server::new_file(dir, name.as_bytes(), opts))
}

pub fn run(args: GoferArgs) -> Result<i32> {
    // SAFETY: the parent passed this descriptor number for our sole use.
    let conn = UnixStream::from(unsafe { OwnedFd::from_raw_fd(args.fd) });
    let mut volumes = Vec::new();
    for v in &args.volumes {
        let v = parse_volume(v)?;
        let server = volume_server(&v)?;
        // SAFETY: the parent passed this descriptor number for our sole use.
        let sock = UnixStream::from(unsafe { OwnedFd::from_raw_fd(v.fd) });
        volumes.push((server, sock));
    }
    isolate::confine_gofer(&args.root)?;
    // One descriptor per file the sandbox has looked up: raise the soft limit.
    if let Ok((_, hard)) =
        nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE)
    {
        let _ =
            nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE, hard, hard);
    }
    let root = open_path(
        "/",
        nix::fcntl::OFlag::O_PATH | nix::fcntl::OFlag::O_DIRECTORY,
    )
    .context("opening the root")?;
    // One thread per volume connection. Each reports that it has started
    // (thread start-up makes calls the allow-list lacks), then waits until
    // the seccomp filter covers every thread before serving anything.
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let (up_tx, up_rx) = std::sync::mpsc::channel::<()>();
    let go_rx = std::sync::Arc::new(std::sync::Mutex::new(go_rx));
    let mut threads = Vec::new();
    for (i, (mut server, sock)) in volumes.into_iter().enumerate() {
        let go = go_rx.clone();
        let up = up_tx.clone();
        let t = std::thread::Builder::new()
            .name(format!("volume-{i}"))
            .spawn(move || {
                let _ = up.send(());
                drop(up);
                let ready = go.lock().map(|rx| rx.recv().is_ok()).unwrap_or(false);
                if ready {
                    if let Err(e) = server.serve(sock) {
                        tracing::warn!("volume {i}: {e}");
                    }
                }
            })
            .context("starting a volume thread")?;
        threads.push(t);
    }
    drop(up_tx);
    for _ in &threads {
        up_rx.recv().context("a volume thread died")?;
    }
    crate::seccomp::install_gofer()?;
    for _ in &threads {
        let _ = go_tx.send(());
    }
    let mut server = Server::new(
        root,
        ServerOptions {
            read_only: args.read_only,
        },
    );
    server.serve(conn).context("serving 9P")?;
    Ok(0)
}
