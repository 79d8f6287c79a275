//! `runsc boot`: the sandbox process. Started by `runsc do` (or the OCI
//! commands) as pid 1 of new user, pid, mount, ipc and uts namespaces.

use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::Arc;

use anyhow::{Context, Result};
use sentry::boot::{BootConfig, BootError};
use sentry::mm::MemoryFile;

use crate::isolate;

#[derive(clap::Args, Debug)]
pub struct BootArgs {
    #[arg(long = "gofer-fd")]
    gofer_fd: i32,
    #[arg(long = "config-fd")]
    config_fd: i32,
    #[arg(long = "debug-log")]
    debug_log: Option<String>,
    /// Gofer connections of the configured mounts, in the order
    /// `MountKind::Gofer { conn }` numbers them. Repeatable.
    #[arg(long = "mount-fd")]
    mount_fds: Vec<i32>,
}

/// Takes ownership of an inherited descriptor number.
fn inherited(fd: i32) -> OwnedFd {
    // SAFETY: the parent passed this descriptor number to us for our sole use.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

/// A close-on-exec copy of stdio descriptor `fd`, if it is open.
fn stdio_copy(fd: i32) -> Option<OwnedFd> {
    let n = nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_DUPFD_CLOEXEC(10)).ok()?;
    Some(inherited(n))
}

fn init_logging(path: &Option<String>) -> Result<()> {
    let Some(path) = path else { return Ok(()) };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening debug log {path}"))?;
    tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .init();
    Ok(())
}

pub fn run(args: BootArgs) -> Result<i32> {
    // SAFETY: ignoring SIGPIPE only changes this process's disposition: host
    // writes to closed pipes then fail with EPIPE instead of killing us.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    let gofer = UnixStream::from(inherited(args.gofer_fd));
    let mount_conns: Vec<UnixStream> = args
        .mount_fds
        .iter()
        .map(|&fd| UnixStream::from(inherited(fd)))
        .collect();
    let mut cfg_src = std::fs::File::from(inherited(args.config_fd));
    let mut json = Vec::new();
    cfg_src
        .read_to_end(&mut json)
        .context("reading the boot config")?;
    drop(cfg_src);
    let cfg: BootConfig = serde_json::from_slice(&json).context("parsing the boot config")?;
    init_logging(&args.debug_log)?;

    let stdio = [stdio_copy(0), stdio_copy(1), stdio_copy(2)];
    let mf = Arc::new(MemoryFile::new().context("creating the memory file")?);
    isolate::pivot_to_empty_root()?;
    let platform =
        Arc::new(platform::ptrace::Ptrace::new(mf.fd()).context("starting the ptrace platform")?);
    // From here on the sentry makes only the host calls on its allow-list.
    crate::seccomp::install_sentry()?;
    tracing::debug!(argv = ?cfg.argv.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect::<Vec<_>>(), "booting");
    let winsize = cfg.terminal.map(inherited);
    match sentry::boot::run(cfg, mf, platform, gofer, mount_conns, stdio, winsize) {
        Ok(status) => {
            tracing::debug!(?status, "init exited");
            Ok(status.shell_code())
        }
        Err(e @ BootError::Exec { .. }) => {
            eprintln!("runsc: {e}");
            Ok(e.exit_code())
        }
        Err(e) => {
            eprintln!("runsc: {e}");
            Ok(e.exit_code())
        }
    }
}
