//! `runsc gofer`: serves a host directory tree to the sentry over 9P.

use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::net::UnixStream;

use anyhow::{Context, Result};
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
}

pub fn run(args: GoferArgs) -> Result<i32> {
    // SAFETY: the parent passed this descriptor number for our sole use.
    let conn = UnixStream::from(unsafe { OwnedFd::from_raw_fd(args.fd) });
    isolate::confine_gofer(&args.root)?;
    // One descriptor per file the sandbox has looked up: raise the soft limit.
    if let Ok((_, hard)) =
        nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE)
    {
        let _ =
            nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE, hard, hard);
    }
    let root = nix::fcntl::open(
        "/",
        nix::fcntl::OFlag::O_PATH | nix::fcntl::OFlag::O_DIRECTORY | nix::fcntl::OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )
    .context("opening the root")?;
    // SAFETY: open returned a new descriptor nothing else owns.
    let root = unsafe { OwnedFd::from_raw_fd(root) };
    crate::seccomp::install_gofer()?;
    let mut server = Server::new(
        root,
        ServerOptions {
            read_only: args.read_only,
        },
    );
    server.serve(conn).context("serving 9P")?;
    Ok(0)
}
