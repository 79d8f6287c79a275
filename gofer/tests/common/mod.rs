//! Shared fixture: a temporary tree, a server thread serving it, a client.
#![allow(dead_code)] // each test binary uses a different part

use std::fs::{self, OpenOptions};
use std::os::fd::OwnedFd;
use std::os::unix::fs::{symlink, OpenOptionsExt};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;

use gofer::client::{Client, Error};
use gofer::server::{self, Server, ServerOptions};

/// A scratch directory, removed on drop. `root` is what the server serves;
/// `outside` sits next to it, for escape tests to aim at.
pub struct Tree {
    pub base: PathBuf,
    pub root: PathBuf,
    pub outside: PathBuf,
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

impl Tree {
    /// An empty root.
    pub fn empty(name: &str) -> Tree {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let base =
            std::env::temp_dir().join(format!("gofer-test-{}-{name}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&base);
        let root = base.join("root");
        fs::create_dir_all(&root).unwrap();
        let outside = base.join("outside");
        fs::create_dir(&outside).unwrap();
        fs::write(outside.join("secret.txt"), b"secret").unwrap();
        Tree {
            base,
            root,
            outside,
        }
    }

    /// root/
    ///   file.txt            "hello, gofer\n"
    ///   dir/nested.txt      "nested"
    ///   dir/sub/
    ///   empty/
    ///   link_to_file -> file.txt
    ///   link_root    -> /
    ///   link_up      -> ..
    ///   link_upup    -> ../..
    ///   link_secret  -> ../outside/secret.txt
    ///   link_outdir  -> ../outside
    pub fn sample(name: &str) -> Tree {
        let t = Tree::empty(name);
        let r = &t.root;
        fs::write(r.join("file.txt"), b"hello, gofer\n").unwrap();
        fs::create_dir_all(r.join("dir/sub")).unwrap();
        fs::write(r.join("dir/nested.txt"), b"nested").unwrap();
        fs::create_dir(r.join("empty")).unwrap();
        symlink("file.txt", r.join("link_to_file")).unwrap();
        symlink("/", r.join("link_root")).unwrap();
        symlink("..", r.join("link_up")).unwrap();
        symlink("../..", r.join("link_upup")).unwrap();
        symlink("../outside/secret.txt", r.join("link_secret")).unwrap();
        symlink("../outside", r.join("link_outdir")).unwrap();
        t
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.base);
    }
}

/// A directory fd of `path`, as the gofer's process setup would open it.
pub fn open_root(path: &Path, o_path: bool) -> OwnedFd {
    let mut opts = OpenOptions::new();
    opts.read(true);
    opts.custom_flags(libc::O_DIRECTORY | if o_path { libc::O_PATH } else { 0 });
    opts.open(path).unwrap().into()
}

/// Runs a server for `path` on one end of a socketpair.
pub fn spawn_server(
    path: &Path,
    read_only: bool,
) -> (UnixStream, JoinHandle<Result<(), server::Error>>) {
    let root = open_root(path, true);
    let (ours, theirs) = UnixStream::pair().unwrap();
    let handle = std::thread::spawn(move || {
        let mut server = Server::new(root, ServerOptions { read_only });
        server.serve(theirs)
    });
    (ours, handle)
}

/// A client connected to a server of `tree`; call `finish` to check the
/// server ended cleanly.
pub struct Session {
    pub client: Client,
    pub server: JoinHandle<Result<(), server::Error>>,
}

impl Session {
    pub fn start(tree: &Tree, read_only: bool) -> Session {
        let (sock, server) = spawn_server(&tree.root, read_only);
        let client = Client::connect(sock).unwrap();
        Session { client, server }
    }

    /// Closes the connection; the server must return Ok (peer closed) without panicking.
    pub fn finish(self) {
        drop(self.client);
        let result = self.server.join().expect("server thread panicked");
        result.expect("server ended with an error");
    }
}

pub fn errno(r: Result<impl std::fmt::Debug, Error>) -> i32 {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.errno(),
    }
}
