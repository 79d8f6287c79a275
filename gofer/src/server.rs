//! The file server that runs in the gofer process.
//!
//! It serves one host directory tree over 9P2000.L to a sentry it does not
//! trust. Two rules keep the sentry inside that tree:
//!
//! - Every fid holds an `O_PATH|O_NOFOLLOW` fd of its file, obtained by
//!   walking one component at a time with `openat(parent, name)`. Names that
//!   are empty, `.`, `..`, or contain `/` or NUL are refused with EINVAL (the
//!   client resolves `..` itself), so no lookup ever leaves the directory it
//!   starts from, and the server never follows a symlink: walking a symlink's
//!   name yields the link itself, and walking below it fails with ENOTDIR.
//! - Operations that the host only offers by name (chmod, utimes, link,
//!   opening a non-directory) use the fid's parent fd and name, after checking
//!   that the name still refers to the fid's inode (ESTALE otherwise), with
//!   `AT_SYMLINK_NOFOLLOW`/`O_NOFOLLOW` so a link swapped in meanwhile is
//!   never followed.
//!
//! The server never opens device nodes or sockets for the sentry (EPERM):
//! `/dev` comes from the sentry's own devfs. FIFOs are opened non-blocking so
//! a FIFO without a peer cannot stall the connection.
//!
//! # FD donation
//!
//! When `Tlopen` or `Tlcreate` opens a regular file, the `Rlopen`/`Rlcreate`
//! reply is sent with `sendmsg` carrying the opened host fd as SCM_RIGHTS
//! ancillary data, attached to the first byte of that reply frame. The sentry
//! can then `pread`/`pwrite`/`mmap` the file without a round trip per I/O. The
//! server keeps its own copy to answer `Tread`/`Twrite` on that fid. No other
//! reply carries an fd. The donated fd shares the open file description with
//! the server's copy (flags and offset); both sides use positional I/O.
//!
//! # Extended attributes
//!
//! As in 9P2000.L (and Linux's v9fs client): `Txattrwalk` with a name makes
//! `newfid` a fid whose `Tread`s return that attribute's value (its size is
//! in `Rxattrwalk`); with an empty name, the NUL-separated list of names.
//! `Txattrcreate` turns `fid` into one that takes the value through
//! `Twrite`s; the attribute is set when that fid is clunked, and `Rclunk`
//! carries the result (EEXIST for XATTR_CREATE, ENODATA for XATTR_REPLACE,
//! EINVAL if fewer bytes than announced were written). Removing uses our
//! flag [`p9::P9_XATTR_REMOVE`] with size 0: v9fs removes with size 0 and
//! XATTR_REPLACE, which cannot be told from setting an empty value.
//! Only the user.* namespace is served (others: EOPNOTSUPP; lists show only
//! user.* names), and only on regular files and directories, which the server
//! opens read-only for the f*xattr calls (the kernel refuses them on O_PATH
//! fds); on other files a get answers ENODATA and a set EPERM, as Linux
//! does for user.*.
//!
//! # Read-only mode
//!
//! With [`ServerOptions::read_only`], every mutating request (`Tlcreate`,
//! `Twrite`, `Tmkdir`, `Tsymlink`, `Tlink`, `Tunlinkat`, `Trenameat`,
//! `Tsetattr`, `Txattrcreate`, and `Tlopen` with write access or `O_TRUNC`)
//! answers EROFS.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::fs::FileExt;
use std::os::unix::net::UnixStream;
use std::sync::Arc;

use nix::errno::Errno;
use nix::fcntl::{AtFlags, FcntlArg, OFlag};
use nix::sys::stat::{FileStat, Mode, UtimensatFlags};
use nix::sys::time::TimeSpec;
use nix::unistd::{Gid, Uid, UnlinkatFlags};
use rustix::fs::{FileType, OFlags, RawDir};
use thiserror::Error;
use tracing::{debug, warn};

use crate::p9::{self, Attr, DecodeError, DirEntry, Message, Qid, SetAttr, StatFs};
use crate::transport;

/// How the tree is served.
#[derive(Clone, Copy, Debug, Default)]
pub struct ServerOptions {
    /// Refuse every request that would change the tree (EROFS), e.g. for a
    /// read-only bind mount or `--overlay` with the host rootfs below.
    pub read_only: bool,
}

/// Why [`Server::serve`] stopped before the peer closed the connection.
#[derive(Debug, Error)]
pub enum Error {
    #[error("gofer socket: {0}")]
    Io(#[from] io::Error),
    #[error("peer broke framing: {0}")]
    Framing(String),
}

/// Serves one directory tree (or one file); one `Server` per mount, one
/// connection at a time.
pub struct Server {
    /// The root as a node, or the errno that `fstat` on it gave (reported at attach).
    root: Result<Arc<Node>, Errno>,
    /// For a file root: the directory holding it and its name there, which
    /// opening it needs (see `Session::reopen`). Nothing else of that
    /// directory is reachable: walks start at the root, and a file has no
    /// children.
    root_parent: Option<(Arc<Node>, Vec<u8>)>,
    opts: ServerOptions,
}

impl Server {
    /// `root` is a directory fd (opened O_PATH|O_DIRECTORY or O_RDONLY|O_DIRECTORY) of the tree to serve.
    pub fn new(root: OwnedFd, opts: ServerOptions) -> Server {
        let root = Node::new(root).and_then(|node| {
            if node.is_dir() {
                Ok(Arc::new(node))
            } else {
                Err(Errno::ENOTDIR)
            }
        });
        if let Err(e) = root {
            warn!("gofer root is unusable: {e}");
        }
        Server {
            root,
            root_parent: None,
            opts,
        }
    }

    /// Serves the single non-directory file `name` of directory `dir` (a
    /// bind mount of a file).
    pub fn new_file(dir: OwnedFd, name: &[u8], opts: ServerOptions) -> Server {
        let root = check_name(name)
            .and_then(|()| Node::new(dir))
            .and_then(|dir| {
                let fd = openat(&dir.fd, name, OFlags::PATH | OFlags::NOFOLLOW)?;
                let file = Node::new(fd)?;
                if file.is_dir() || !dir.is_dir() {
                    return Err(Errno::EINVAL);
                }
                Ok((Arc::new(file), Arc::new(dir)))
            });
        match root {
            Ok((file, dir)) => Server {
                root: Ok(file),
                root_parent: Some((dir, name.to_vec())),
                opts,
            },
            Err(e) => {
                warn!("gofer root file is unusable: {e}");
                Server {
                    root: Err(e),
                    root_parent: None,
                    opts,
                }
            }
        }
    }

    /// Serves one connection until the peer closes it (Ok) or an I/O error on the socket.
    ///
    /// Fids do not outlive the connection.
    pub fn serve(&mut self, conn: UnixStream) -> Result<(), Error> {
        let mut session = Session {
            root: &self.root,
            root_parent: &self.root_parent,
            read_only: self.opts.read_only,
            msize: p9::MAX_MSIZE,
            versioned: false,
            fids: HashMap::new(),
            dirbuf: Vec::new(),
        };
        let sock = conn.as_fd();
        let mut frame = Vec::new();
        let mut out = Vec::new();
        let mut stray_fds = Vec::new();
        loop {
            // size[4], then the rest of the frame.
            let mut size = [0u8; 4];
            if !transport::recv_exact(sock, &mut size, &mut stray_fds)? {
                return Ok(());
            }
            let size = u32::from_le_bytes(size);
            if size > session.msize || (size as usize) < p9::HEADER_LEN {
                warn!(
                    size,
                    msize = session.msize,
                    "closing gofer connection: bad frame size"
                );
                return Err(Error::Framing(format!(
                    "frame size {size} outside 7..={}",
                    session.msize
                )));
            }
            frame.clear();
            frame.resize(size as usize, 0);
            frame[..4].copy_from_slice(&size.to_le_bytes());
            transport::recv_exact(sock, &mut frame[4..], &mut stray_fds)?;
            if !stray_fds.is_empty() {
                warn!(n = stray_fds.len(), "dropping fds sent to the gofer");
                stray_fds.clear();
            }

            // The header is intact (size >= 7), so there is a tag to answer under.
            let tag = p9::decode_header(&frame).map_or(p9::NOTAG, |(_, _, tag)| tag);
            let result = match p9::decode(&frame) {
                Ok((_, msg)) => session.handle(msg),
                Err(DecodeError::UnknownType(ty)) => {
                    warn!(ty, "unsupported 9P message type");
                    Err(Errno::EOPNOTSUPP)
                }
                Err(e) => {
                    warn!("malformed 9P frame: {e}");
                    Err(Errno::EBADMSG)
                }
            };
            let (reply, mut donate) = match result {
                Ok((reply, donate)) => (reply, donate),
                Err(e) => (Message::Rlerror { ecode: e as u32 }, None),
            };
            out.clear();
            let encoded = p9::encode(tag, &reply, &mut out);
            if let Err(e) = &encoded {
                warn!("cannot encode {}: {e}", reply.name());
            }
            if encoded.is_err() || out.len() > session.msize as usize {
                out.clear();
                let error = Message::Rlerror {
                    ecode: Errno::EMSGSIZE as u32,
                };
                p9::encode(tag, &error, &mut out).map_err(|e| Error::Framing(e.to_string()))?;
                donate = None;
            }
            let donated = donate.and_then(|fid| session.donated_file(fid));
            transport::send_frame(sock, &out, donated.map(|f| f.as_fd()))?;
        }
    }
}

/// A file the server has looked up: its `O_PATH` handle and identity.
struct Node {
    fd: OwnedFd,
    dev: u64,
    ino: u64,
    /// `st_mode` at lookup; only the type bits are relied on (they never change).
    mode: u32,
}

impl Node {
    fn new(fd: OwnedFd) -> Result<Node, Errno> {
        let st = fstat(&fd)?;
        Ok(Node {
            fd,
            dev: st.st_dev,
            ino: st.st_ino,
            mode: st.st_mode,
        })
    }
    fn file_type(&self) -> u32 {
        self.mode & libc::S_IFMT
    }
    fn is_dir(&self) -> bool {
        self.file_type() == libc::S_IFDIR
    }
    fn is_symlink(&self) -> bool {
        self.file_type() == libc::S_IFLNK
    }
    fn is_regular(&self) -> bool {
        self.file_type() == libc::S_IFREG
    }
    fn is(&self, st: &FileStat) -> bool {
        st.st_dev == self.dev && st.st_ino == self.ino
    }
}

/// What a fid names, and what it has opened.
struct Fid {
    node: Arc<Node>,
    /// The directory holding `name`; `None` only for the root.
    parent: Option<Arc<Node>>,
    name: Vec<u8>,
    open: Option<Open>,
}

enum Open {
    File(File),
    Dir(OwnedFd),
    /// After Txattrwalk: the value (or name list) Tread returns.
    XattrRead(Vec<u8>),
    /// After Txattrcreate: the value being written, set at Tclunk.
    XattrWrite(XattrWrite),
}

struct XattrWrite {
    name: Vec<u8>,
    size: u64,
    flags: u32,
    data: Vec<u8>,
}

/// Largest attribute value (Linux's XATTR_SIZE_MAX).
const XATTR_SIZE_MAX: u64 = 65536;

/// Per-connection state.
struct Session<'a> {
    root: &'a Result<Arc<Node>, Errno>,
    root_parent: &'a Option<(Arc<Node>, Vec<u8>)>,
    read_only: bool,
    msize: u32,
    versioned: bool,
    fids: HashMap<u32, Fid>,
    /// getdents64 buffer, kept between Treaddirs.
    dirbuf: Vec<MaybeUninit<u8>>,
}

/// The reply, and the fid whose open file rides along with it (FD donation).
type Reply = Result<(Message, Option<u32>), Errno>;

/// `Tlopen`/`Tlcreate` flags passed on to the host; the rest (O_CREAT,
/// O_EXCL, O_NOCTTY, O_PATH, O_TMPFILE, O_ASYNC, O_DIRECTORY, O_NOFOLLOW, ...)
/// are the server's to choose.
const OPEN_FLAGS: i32 = libc::O_ACCMODE
    | libc::O_APPEND
    | libc::O_TRUNC
    | libc::O_NONBLOCK
    | libc::O_DSYNC
    | libc::O_SYNC
    | libc::O_DIRECT
    | libc::O_NOATIME
    | libc::O_LARGEFILE;

/// Fids one connection may hold. Most hold an fd and meet RLIMIT_NOFILE
/// first, but clones share theirs; this bounds the gofer's memory.
const MAX_FIDS: usize = 1 << 20;

/// A `gid` of -1 in Tlcreate/Tmkdir/Tsymlink means "whatever the host picks".
const NO_GID: u32 = u32::MAX;

impl Session<'_> {
    fn handle(&mut self, msg: Message) -> Reply {
        use Message::*;
        if msg.is_reply() {
            warn!("peer sent a reply ({}) as a request", msg.name());
            return Err(Errno::EINVAL);
        }
        if !self.versioned && !matches!(msg, Tversion { .. }) {
            return Err(Errno::EINVAL);
        }
        let mutating = matches!(
            msg,
            Tlcreate { .. }
                | Twrite { .. }
                | Tmkdir { .. }
                | Tsymlink { .. }
                | Tlink { .. }
                | Tunlinkat { .. }
                | Trenameat { .. }
                | Tsetattr { .. }
                | Txattrcreate { .. }
        );
        if mutating && self.read_only {
            return Err(Errno::EROFS);
        }
        let reply = match msg {
            Tversion { msize, version } => self.version(msize, &version),
            Tattach { fid, .. } => self.attach(fid),
            Twalk { fid, newfid, names } => self.walk(fid, newfid, &names),
            Tgetattr { fid, .. } => self.getattr(fid),
            Tsetattr { fid, attr } => self.setattr(fid, &attr).map(|()| Rsetattr),
            Tlopen { fid, flags } => return self.lopen(fid, flags).map(|m| (m, Some(fid))),
            Tlcreate {
                fid,
                name,
                flags,
                mode,
                gid,
            } => {
                return self
                    .lcreate(fid, &name, flags, mode, gid)
                    .map(|m| (m, Some(fid)))
            }
            Tread { fid, offset, count } => self.read(fid, offset, count),
            Twrite { fid, offset, data } => self.write(fid, offset, &data),
            Treaddir { fid, offset, count } => self.readdir(fid, offset, count),
            Treadlink { fid } => self.readlink(fid),
            Tmkdir {
                dfid,
                name,
                mode,
                gid,
            } => self.mkdir(dfid, &name, mode, gid),
            Tsymlink {
                dfid,
                name,
                target,
                gid,
            } => self.symlink(dfid, &name, &target, gid),
            Tlink { dfid, fid, name } => self.link(dfid, fid, &name).map(|()| Rlink),
            Tunlinkat {
                dirfid,
                name,
                flags,
            } => self.unlinkat(dirfid, &name, flags).map(|()| Runlinkat),
            Trenameat {
                olddirfid,
                oldname,
                newdirfid,
                newname,
            } => self
                .renameat(olddirfid, &oldname, newdirfid, &newname)
                .map(|()| Rrenameat),
            Tfsync { fid, datasync } => self.fsync(fid, datasync != 0).map(|()| Rfsync),
            Tstatfs { fid } => self.statfs(fid),
            Tclunk { fid } => self.clunk(fid).map(|()| Rclunk),
            // Requests are answered in order, so whatever Tflush names is done.
            Tflush { .. } => Ok(Rflush),
            Txattrwalk { fid, newfid, name } => self.xattrwalk(fid, newfid, &name),
            Txattrcreate {
                fid,
                name,
                attr_size,
                flags,
            } => self
                .xattrcreate(fid, &name, attr_size, flags)
                .map(|()| Rxattrcreate),
            _ => Err(Errno::EINVAL),
        };
        reply.map(|m| (m, None))
    }

    fn fid(&self, fid: u32) -> Result<&Fid, Errno> {
        self.fids.get(&fid).ok_or(Errno::EBADF)
    }

    /// The fid's node, which must be a directory.
    fn dir(&self, fid: u32) -> Result<&Arc<Node>, Errno> {
        let f = self.fid(fid)?;
        if !f.node.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        Ok(&f.node)
    }

    /// The open regular file of `fid`, for FD donation.
    fn donated_file(&self, fid: u32) -> Option<&File> {
        let f = self.fids.get(&fid)?;
        match f.open.as_ref()? {
            Open::File(file) if f.node.is_regular() => Some(file),
            _ => None,
        }
    }

    fn iounit(&self) -> u32 {
        self.msize - p9::IOHDRSZ
    }

    fn version(&mut self, msize: u32, version: &[u8]) -> Result<Message, Errno> {
        // Tversion starts a new session: every fid is gone.
        self.fids.clear();
        self.versioned = false;
        if version != p9::VERSION {
            return Ok(Message::Rversion {
                msize,
                version: p9::VERSION_UNKNOWN.to_vec(),
            });
        }
        if msize < p9::MIN_MSIZE {
            return Err(Errno::EINVAL);
        }
        self.msize = msize.min(p9::MAX_MSIZE);
        self.versioned = true;
        Ok(Message::Rversion {
            msize: self.msize,
            version: p9::VERSION.to_vec(),
        })
    }

    fn attach(&mut self, fid: u32) -> Result<Message, Errno> {
        if fid == p9::NOFID || self.fids.contains_key(&fid) {
            return Err(Errno::EINVAL);
        }
        if self.fids.len() >= MAX_FIDS {
            return Err(Errno::EMFILE);
        }
        let root = self.root.as_ref().map_err(|e| *e)?;
        let qid = qid_of(&fstat(&root.fd)?);
        let (parent, name) = match self.root_parent {
            Some((dir, name)) => (Some(dir.clone()), name.clone()),
            None => (None, Vec::new()),
        };
        self.fids.insert(
            fid,
            Fid {
                node: root.clone(),
                parent,
                name,
                open: None,
            },
        );
        Ok(Message::Rattach { qid })
    }

    fn walk(&mut self, fid: u32, newfid: u32, names: &[Vec<u8>]) -> Result<Message, Errno> {
        if newfid == p9::NOFID || (newfid != fid && self.fids.contains_key(&newfid)) {
            return Err(Errno::EINVAL);
        }
        if newfid != fid && self.fids.len() >= MAX_FIDS {
            return Err(Errno::EMFILE);
        }
        let f = self.fid(fid)?;
        let mut node = f.node.clone();
        let mut parent = f.parent.clone();
        let mut name = f.name.clone();
        let mut qids = Vec::with_capacity(names.len());
        for (i, n) in names.iter().enumerate() {
            let step = check_name(n).and_then(|()| {
                let fd = openat(&node.fd, n, OFlags::PATH | OFlags::NOFOLLOW)?;
                Node::new(fd)
            });
            match step {
                Ok(child) => {
                    qids.push(qid_of_node(&child));
                    parent = Some(std::mem::replace(&mut node, Arc::new(child)));
                    name.clone_from(n);
                }
                Err(e) if i == 0 => return Err(e),
                // A partial walk reports how far it got and creates no fid.
                Err(_) => break,
            }
        }
        if qids.len() == names.len() {
            self.fids.insert(
                newfid,
                Fid {
                    node,
                    parent,
                    name,
                    open: None,
                },
            );
        }
        Ok(Message::Rwalk { qids })
    }

    fn getattr(&self, fid: u32) -> Result<Message, Errno> {
        let st = fstat(&self.fid(fid)?.node.fd)?;
        Ok(Message::Rgetattr(Attr {
            valid: p9::P9_GETATTR_BASIC,
            qid: qid_of(&st),
            mode: st.st_mode,
            uid: st.st_uid,
            gid: st.st_gid,
            nlink: st.st_nlink,
            rdev: st.st_rdev,
            size: st.st_size as u64,
            blksize: st.st_blksize as u64,
            blocks: st.st_blocks as u64,
            atime_sec: st.st_atime as u64,
            atime_nsec: st.st_atime_nsec as u64,
            mtime_sec: st.st_mtime as u64,
            mtime_nsec: st.st_mtime_nsec as u64,
            ctime_sec: st.st_ctime as u64,
            ctime_nsec: st.st_ctime_nsec as u64,
            ..Attr::default()
        }))
    }

    /// The fid's parent fd and name, after checking the name still refers to
    /// the fid's file (another fid may have unlinked or replaced it).
    fn located<'f>(&self, f: &'f Fid) -> Result<(&'f Node, &'f [u8]), Errno> {
        let parent = f.parent.as_deref().ok_or(Errno::EINVAL)?;
        let st = nix::sys::stat::fstatat(
            Some(parent.fd.as_raw_fd()),
            f.name.as_slice(),
            AtFlags::AT_SYMLINK_NOFOLLOW,
        )
        .map_err(|e| if e == Errno::ENOENT { Errno::ESTALE } else { e })?;
        if !f.node.is(&st) {
            return Err(Errno::ESTALE);
        }
        Ok((parent, &f.name))
    }

    /// Opens the fid's non-directory file for real, through its parent and
    /// name, refusing anything but the inode the fid names.
    fn reopen(&self, f: &Fid, flags: i32) -> Result<OwnedFd, Errno> {
        let (parent, name) = self.located(f)?;
        // O_NONBLOCK so that a FIFO swapped in cannot block the server;
        // O_TRUNC only once we know we have the right file.
        let host = (flags & OPEN_FLAGS & !libc::O_TRUNC) | libc::O_NONBLOCK | libc::O_NOCTTY;
        let fd = openat(
            &parent.fd,
            name,
            OFlags::from_bits_retain(host as u32) | OFlags::NOFOLLOW,
        )?;
        let st = fstat(&fd)?;
        if !f.node.is(&st) {
            return Err(Errno::ESTALE);
        }
        if st.st_mode & libc::S_IFMT == libc::S_IFREG {
            if flags & libc::O_NONBLOCK == 0 {
                clear_nonblock(&fd)?;
            }
            if flags & libc::O_TRUNC != 0 {
                nix::unistd::ftruncate(&fd, 0)?;
            }
        }
        Ok(fd)
    }

    fn lopen(&mut self, fid: u32, flags: u32) -> Result<Message, Errno> {
        let flags = flags as i32;
        let acc = flags & libc::O_ACCMODE;
        if acc == libc::O_ACCMODE {
            return Err(Errno::EINVAL);
        }
        if self.read_only && (acc != libc::O_RDONLY || flags & libc::O_TRUNC != 0) {
            return Err(Errno::EROFS);
        }
        let f = self.fid(fid)?;
        if f.open.is_some() {
            return Err(Errno::EINVAL);
        }
        let node = f.node.clone();
        let open = match node.file_type() {
            libc::S_IFDIR => {
                if acc != libc::O_RDONLY {
                    return Err(Errno::EISDIR);
                }
                Open::Dir(openat(&node.fd, b".", OFlags::RDONLY | OFlags::DIRECTORY)?)
            }
            libc::S_IFREG => Open::File(File::from(self.reopen(f, flags)?)),
            // FIFOs stay non-blocking: a blocking open or read would stall
            // every other request on this connection.
            libc::S_IFIFO => Open::File(File::from(self.reopen(f, flags | libc::O_NONBLOCK)?)),
            libc::S_IFLNK => return Err(Errno::ELOOP),
            _ => return Err(Errno::EPERM),
        };
        let qid = qid_of_node(&node);
        if let Some(f) = self.fids.get_mut(&fid) {
            f.open = Some(open);
        }
        let iounit = self.iounit();
        Ok(Message::Rlopen { qid, iounit })
    }

    fn lcreate(
        &mut self,
        fid: u32,
        name: &[u8],
        flags: u32,
        mode: u32,
        gid: u32,
    ) -> Result<Message, Errno> {
        let flags = flags as i32;
        if flags & libc::O_ACCMODE == libc::O_ACCMODE {
            return Err(Errno::EINVAL);
        }
        check_name(name)?;
        let f = self.fid(fid)?;
        if f.open.is_some() {
            return Err(Errno::EINVAL);
        }
        let dir = self.dir(fid)?.clone();
        // Never open an existing device, socket or FIFO in the sentry's name.
        match nix::sys::stat::fstatat(Some(dir.fd.as_raw_fd()), name, AtFlags::AT_SYMLINK_NOFOLLOW)
        {
            Ok(st) if st.st_mode & libc::S_IFMT != libc::S_IFREG => {
                return Err(if flags & libc::O_EXCL != 0 {
                    Errno::EEXIST
                } else if st.st_mode & libc::S_IFMT == libc::S_IFDIR {
                    Errno::EISDIR
                } else if st.st_mode & libc::S_IFMT == libc::S_IFLNK {
                    Errno::ELOOP
                } else {
                    Errno::EPERM
                });
            }
            Ok(_) | Err(Errno::ENOENT) => {}
            Err(e) => return Err(e),
        }
        let host = (flags & OPEN_FLAGS)
            | (flags & libc::O_EXCL)
            | libc::O_CREAT
            | libc::O_NONBLOCK
            | libc::O_NOCTTY;
        let fd = rustix::fs::openat(
            &dir.fd,
            name,
            OFlags::from_bits_retain(host as u32) | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            rustix::fs::Mode::from_bits_truncate(mode & 0o7777),
        )
        .map_err(rx)?;
        let st = fstat(&fd)?;
        if st.st_mode & libc::S_IFMT != libc::S_IFREG {
            return Err(Errno::EPERM);
        }
        if flags & libc::O_NONBLOCK == 0 {
            clear_nonblock(&fd)?;
        }
        set_gid(&fd, gid, st.st_gid);
        let node = Node {
            fd: fd.try_clone().map_err(io_errno)?,
            dev: st.st_dev,
            ino: st.st_ino,
            mode: st.st_mode,
        };
        let qid = qid_of_node(&node);
        let iounit = self.iounit();
        if let Some(f) = self.fids.get_mut(&fid) {
            // Per 9P, the directory fid now names the new, open file.
            *f = Fid {
                node: Arc::new(node),
                parent: Some(dir),
                name: name.to_vec(),
                open: Some(Open::File(File::from(fd))),
            };
        }
        Ok(Message::Rlcreate { qid, iounit })
    }

    /// The fid's open file, and whether it is a stream (a FIFO: no offsets).
    fn file(&self, fid: u32) -> Result<(&File, bool), Errno> {
        let f = self.fid(fid)?;
        match &f.open {
            Some(Open::File(file)) => Ok((file, f.node.file_type() == libc::S_IFIFO)),
            Some(Open::Dir(_)) => Err(Errno::EISDIR),
            Some(Open::XattrRead(_) | Open::XattrWrite(_)) | None => Err(Errno::EBADF),
        }
    }

    fn read(&self, fid: u32, offset: u64, count: u32) -> Result<Message, Errno> {
        if let Some(Open::XattrRead(value)) = &self.fid(fid)?.open {
            let start = (offset.min(value.len() as u64)) as usize;
            let end = start.saturating_add(count as usize).min(value.len());
            return Ok(Message::Rread {
                data: value[start..end].to_vec(),
            });
        }
        let (file, stream) = self.file(fid)?;
        let count = count.min(self.msize - p9::RREAD_HEADER_LEN as u32) as usize;
        let mut data = vec![0u8; count];
        let n = loop {
            let r = if stream {
                (&mut &*file).read(&mut data)
            } else {
                file.read_at(&mut data, offset)
            };
            match r {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_errno(e)),
            }
        };
        data.truncate(n);
        Ok(Message::Rread { data })
    }

    fn write(&mut self, fid: u32, offset: u64, data: &[u8]) -> Result<Message, Errno> {
        if let Some(Open::XattrWrite(w)) = &mut self.fids.get_mut(&fid).ok_or(Errno::EBADF)?.open {
            if offset != w.data.len() as u64 || w.data.len() as u64 + data.len() as u64 > w.size {
                return Err(Errno::EINVAL);
            }
            w.data.extend_from_slice(data);
            return Ok(Message::Rwrite {
                count: data.len() as u32,
            });
        }
        let (file, stream) = self.file(fid)?;
        let n = loop {
            let r = if stream {
                (&mut &*file).write(data)
            } else {
                file.write_at(data, offset)
            };
            match r {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_errno(e)),
            }
        };
        Ok(Message::Rwrite { count: n as u32 })
    }

    /// Offsets are getdents64's `d_off` cookies: each Treaddir seeks to the
    /// one it is given, so a client can resume anywhere it has been.
    fn readdir(&mut self, fid: u32, offset: u64, count: u32) -> Result<Message, Errno> {
        let fd = match &self.fids.get(&fid).ok_or(Errno::EBADF)?.open {
            Some(Open::Dir(fd)) => fd,
            Some(Open::File(_)) => return Err(Errno::ENOTDIR),
            Some(Open::XattrRead(_) | Open::XattrWrite(_)) | None => return Err(Errno::EBADF),
        };
        let limit = (count as usize).min(self.msize as usize - p9::RREAD_HEADER_LEN);
        rustix::fs::seek(fd, rustix::fs::SeekFrom::Start(offset)).map_err(rx)?;
        // Big enough for any single entry (getdents64 fails with EINVAL otherwise).
        let want = limit.clamp(4096, 64 * 1024);
        if self.dirbuf.len() < want {
            self.dirbuf.resize(want, MaybeUninit::uninit());
        }
        let mut dir = RawDir::new(fd, &mut self.dirbuf[..want]);
        let mut entries = Vec::new();
        let mut used = 0;
        while let Some(entry) = dir.next() {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) if entries.is_empty() => return Err(rx(e)),
                Err(_) => break,
            };
            let name = entry.file_name().to_bytes();
            used += p9::DIRENT_HEADER_LEN + name.len();
            if used > limit {
                break;
            }
            let (qid_ty, dt) = dirent_type(entry.file_type());
            entries.push(DirEntry {
                qid: Qid {
                    ty: qid_ty,
                    version: 0,
                    path: entry.ino(),
                },
                offset: entry.next_entry_cookie(),
                ty: dt,
                name: name.to_vec(),
            });
        }
        Ok(Message::Rreaddir { entries })
    }

    fn readlink(&self, fid: u32) -> Result<Message, Errno> {
        let node = &self.fid(fid)?.node;
        if !node.is_symlink() {
            return Err(Errno::EINVAL);
        }
        let target = nix::fcntl::readlinkat(Some(node.fd.as_raw_fd()), "")?;
        Ok(Message::Rreadlink {
            target: target.into_encoded_bytes(),
        })
    }

    /// Looks up a just-created `name` in `dir` for its qid, and gives it `gid`.
    fn created(&self, dir: &Node, name: &[u8], gid: u32) -> Result<Qid, Errno> {
        let fd = openat(&dir.fd, name, OFlags::PATH | OFlags::NOFOLLOW)?;
        let st = fstat(&fd)?;
        set_gid(&fd, gid, st.st_gid);
        Ok(qid_of(&st))
    }

    fn mkdir(&self, dfid: u32, name: &[u8], mode: u32, gid: u32) -> Result<Message, Errno> {
        check_name(name)?;
        let dir = self.dir(dfid)?;
        nix::sys::stat::mkdirat(
            Some(dir.fd.as_raw_fd()),
            name,
            Mode::from_bits_truncate(mode & 0o7777),
        )?;
        Ok(Message::Rmkdir {
            qid: self.created(dir, name, gid)?,
        })
    }

    fn symlink(&self, dfid: u32, name: &[u8], target: &[u8], gid: u32) -> Result<Message, Errno> {
        check_name(name)?;
        let dir = self.dir(dfid)?;
        nix::unistd::symlinkat(target, Some(dir.fd.as_raw_fd()), name)?;
        Ok(Message::Rsymlink {
            qid: self.created(dir, name, gid)?,
        })
    }

    fn link(&self, dfid: u32, fid: u32, name: &[u8]) -> Result<(), Errno> {
        check_name(name)?;
        let dir = self.dir(dfid)?;
        let target = self.fid(fid)?;
        if target.node.is_dir() {
            return Err(Errno::EPERM);
        }
        let (parent, old) = self.located(target)?;
        // Flags 0: link the file the name refers to, never a symlink's target.
        nix::unistd::linkat(
            Some(parent.fd.as_raw_fd()),
            old,
            Some(dir.fd.as_raw_fd()),
            name,
            AtFlags::empty(),
        )
    }

    fn unlinkat(&self, dirfid: u32, name: &[u8], flags: u32) -> Result<(), Errno> {
        check_name(name)?;
        let dir = self.dir(dirfid)?;
        let flag = match flags as i32 {
            0 => UnlinkatFlags::NoRemoveDir,
            libc::AT_REMOVEDIR => UnlinkatFlags::RemoveDir,
            _ => return Err(Errno::EINVAL),
        };
        nix::unistd::unlinkat(Some(dir.fd.as_raw_fd()), name, flag)
    }

    fn renameat(
        &mut self,
        olddirfid: u32,
        oldname: &[u8],
        newdirfid: u32,
        newname: &[u8],
    ) -> Result<(), Errno> {
        check_name(oldname)?;
        check_name(newname)?;
        let old = self.dir(olddirfid)?.clone();
        let new = self.dir(newdirfid)?.clone();
        nix::fcntl::renameat(
            Some(old.fd.as_raw_fd()),
            oldname,
            Some(new.fd.as_raw_fd()),
            newname,
        )?;
        // Fids of the moved file follow it; fids below it hold their parent
        // by fd and need nothing.
        for f in self.fids.values_mut() {
            let moved = f
                .parent
                .as_ref()
                .is_some_and(|p| p.dev == old.dev && p.ino == old.ino && f.name == oldname);
            if moved {
                f.parent = Some(new.clone());
                f.name = newname.to_vec();
            }
        }
        Ok(())
    }

    /// Applies owner, then size, then mode, then times: chown and truncate
    /// may clear set-id bits a chmod in the same request sets, and truncate
    /// moves mtime.
    fn setattr(&self, fid: u32, a: &SetAttr) -> Result<(), Errno> {
        let f = self.fid(fid)?;
        let node = &f.node;
        if a.valid & (p9::P9_SETATTR_UID | p9::P9_SETATTR_GID) != 0 {
            let uid = (a.valid & p9::P9_SETATTR_UID != 0).then(|| Uid::from_raw(a.uid));
            let gid = (a.valid & p9::P9_SETATTR_GID != 0).then(|| Gid::from_raw(a.gid));
            nix::unistd::fchownat(
                Some(node.fd.as_raw_fd()),
                "",
                uid,
                gid,
                AtFlags::AT_EMPTY_PATH | AtFlags::AT_SYMLINK_NOFOLLOW,
            )?;
        }
        if a.valid & p9::P9_SETATTR_SIZE != 0 {
            match node.file_type() {
                libc::S_IFREG => {}
                libc::S_IFDIR => return Err(Errno::EISDIR),
                _ => return Err(Errno::EINVAL),
            }
            let fd = self.reopen(f, libc::O_WRONLY)?;
            nix::unistd::ftruncate(&fd, i64::try_from(a.size).map_err(|_| Errno::EFBIG)?)?;
        }
        if a.valid & p9::P9_SETATTR_MODE != 0 {
            self.chmod(f, a.mode & 0o7777)?;
        }
        if a.valid & (p9::P9_SETATTR_ATIME | p9::P9_SETATTR_MTIME) != 0 {
            let time = |bit: u32, set: u32, sec: u64, nsec: u64| {
                if a.valid & bit == 0 {
                    TimeSpec::UTIME_OMIT
                } else if a.valid & set != 0 {
                    TimeSpec::new(sec as i64, nsec as i64)
                } else {
                    TimeSpec::UTIME_NOW
                }
            };
            let atime = time(
                p9::P9_SETATTR_ATIME,
                p9::P9_SETATTR_ATIME_SET,
                a.atime_sec,
                a.atime_nsec,
            );
            let mtime = time(
                p9::P9_SETATTR_MTIME,
                p9::P9_SETATTR_MTIME_SET,
                a.mtime_sec,
                a.mtime_nsec,
            );
            let (dirfd, name) = match self.located(f) {
                Ok((parent, name)) => (parent.fd.as_raw_fd(), name),
                // The root: "." from itself cannot be swapped for a symlink.
                Err(Errno::EINVAL) if f.parent.is_none() => (node.fd.as_raw_fd(), &b"."[..]),
                Err(e) => return Err(e),
            };
            nix::sys::stat::utimensat(
                Some(dirfd),
                name,
                &atime,
                &mtime,
                UtimensatFlags::NoFollowSymlink,
            )?;
        }
        Ok(())
    }

    /// chmod without ever following a symlink: the file is opened with
    /// O_NOFOLLOW and fchmod'ed. (glibc's `fchmodat(AT_SYMLINK_NOFOLLOW)`
    /// would go through /proc, which the confined gofer neither has nor may
    /// call chmod(2) for.)
    fn chmod(&self, f: &Fid, mode: u32) -> Result<(), Errno> {
        let node = &f.node;
        if node.is_symlink() {
            return Err(Errno::EOPNOTSUPP);
        }
        let mode = Mode::from_bits_truncate(mode);
        // The name must still refer to this file (ESTALE otherwise).
        match self.located(f) {
            Ok(_) => {}
            Err(Errno::EINVAL) if f.parent.is_none() => {}
            Err(e) => return Err(e),
        }
        let fd = match node.file_type() {
            libc::S_IFDIR => openat(&node.fd, b".", OFlags::RDONLY | OFlags::DIRECTORY)?,
            libc::S_IFREG => self.reopen(f, libc::O_RDONLY)?,
            _ => return Err(Errno::EOPNOTSUPP),
        };
        nix::sys::stat::fchmod(fd.as_raw_fd(), mode)
    }

    fn fsync(&self, fid: u32, datasync: bool) -> Result<(), Errno> {
        let fd = match &self.fid(fid)?.open {
            Some(Open::File(file)) => file.as_raw_fd(),
            Some(Open::Dir(fd)) => fd.as_raw_fd(),
            Some(Open::XattrRead(_) | Open::XattrWrite(_)) | None => return Err(Errno::EBADF),
        };
        if datasync {
            nix::unistd::fdatasync(fd)
        } else {
            nix::unistd::fsync(fd)
        }
    }

    /// Opens the fid's regular file or directory for the f*xattr calls;
    /// None for other types (no user.* there).
    fn xattr_fd(&self, f: &Fid) -> Result<Option<OwnedFd>, Errno> {
        match f.node.file_type() {
            libc::S_IFDIR => Ok(Some(openat(
                &f.node.fd,
                b".",
                OFlags::RDONLY | OFlags::DIRECTORY,
            )?)),
            libc::S_IFREG => Ok(Some(self.reopen(f, libc::O_RDONLY)?)),
            _ => Ok(None),
        }
    }

    fn xattrwalk(&mut self, fid: u32, newfid: u32, name: &[u8]) -> Result<Message, Errno> {
        if newfid == p9::NOFID || (newfid != fid && self.fids.contains_key(&newfid)) {
            return Err(Errno::EINVAL);
        }
        if newfid != fid && self.fids.len() >= MAX_FIDS {
            return Err(Errno::EMFILE);
        }
        let f = self.fid(fid)?;
        let value = if name.is_empty() {
            let mut names = Vec::new();
            if let Some(fd) = self.xattr_fd(f)? {
                let mut buf = vec![0u8; p9::XATTR_LIST_MAX];
                let n = rustix::fs::flistxattr(&fd, &mut buf[..]).map_err(rx)?;
                for name in buf[..n].split(|&b| b == 0).filter(|n| served_xattr(n)) {
                    names.extend_from_slice(name);
                    names.push(0);
                }
            }
            names
        } else {
            if !served_xattr(name) {
                return Err(Errno::EOPNOTSUPP);
            }
            let fd = self.xattr_fd(f)?.ok_or(Errno::ENODATA)?;
            let mut buf = vec![0u8; XATTR_SIZE_MAX as usize];
            let n = rustix::fs::fgetxattr(&fd, name, &mut buf[..]).map_err(rx)?;
            buf.truncate(n);
            buf
        };
        let size = value.len() as u64;
        let new = Fid {
            node: f.node.clone(),
            parent: f.parent.clone(),
            name: f.name.clone(),
            open: Some(Open::XattrRead(value)),
        };
        self.fids.insert(newfid, new);
        Ok(Message::Rxattrwalk { size })
    }

    fn xattrcreate(&mut self, fid: u32, name: &[u8], size: u64, flags: u32) -> Result<(), Errno> {
        let known = p9::XATTR_CREATE | p9::XATTR_REPLACE | p9::P9_XATTR_REMOVE;
        if flags & !known != 0 || (flags & p9::P9_XATTR_REMOVE != 0 && size != 0) {
            return Err(Errno::EINVAL);
        }
        if size > XATTR_SIZE_MAX {
            return Err(Errno::E2BIG);
        }
        if name.is_empty() || name.len() > 255 {
            return Err(Errno::ERANGE);
        }
        if !served_xattr(name) {
            return Err(Errno::EOPNOTSUPP);
        }
        let f = self.fids.get_mut(&fid).ok_or(Errno::EBADF)?;
        if f.open.is_some() {
            return Err(Errno::EINVAL);
        }
        f.open = Some(Open::XattrWrite(XattrWrite {
            name: name.to_vec(),
            size,
            flags,
            data: Vec::new(),
        }));
        Ok(())
    }

    /// Forgets `fid`; one made by Txattrcreate sets (or removes) its
    /// attribute first, and the reply carries the result.
    fn clunk(&mut self, fid: u32) -> Result<(), Errno> {
        let f = self.fids.remove(&fid).ok_or(Errno::EBADF)?;
        let Some(Open::XattrWrite(w)) = &f.open else {
            return Ok(());
        };
        if w.data.len() as u64 != w.size {
            return Err(Errno::EINVAL);
        }
        let fd = self.xattr_fd(&f)?.ok_or(Errno::EPERM)?;
        if w.flags & p9::P9_XATTR_REMOVE != 0 {
            return rustix::fs::fremovexattr(&fd, w.name.as_slice()).map_err(rx);
        }
        let mut flags = rustix::fs::XattrFlags::empty();
        if w.flags & p9::XATTR_CREATE != 0 {
            flags |= rustix::fs::XattrFlags::CREATE;
        }
        if w.flags & p9::XATTR_REPLACE != 0 {
            flags |= rustix::fs::XattrFlags::REPLACE;
        }
        rustix::fs::fsetxattr(&fd, w.name.as_slice(), &w.data, flags).map_err(rx)
    }

    fn statfs(&self, fid: u32) -> Result<Message, Errno> {
        let fd = &self.fid(fid)?.node.fd;
        let s = rustix::fs::fstatfs(fd).map_err(rx)?;
        // rustix keeps statfs's fsid opaque; statvfs has it as one number.
        let fsid = rustix::fs::fstatvfs(fd).map_err(rx)?.f_fsid;
        Ok(Message::Rstatfs(StatFs {
            ty: s.f_type as u32,
            bsize: s.f_bsize as u32,
            blocks: s.f_blocks,
            bfree: s.f_bfree,
            bavail: s.f_bavail,
            files: s.f_files,
            ffree: s.f_ffree,
            fsid,
            namelen: s.f_namelen as u32,
        }))
    }
}

/// Refuses names that would make a lookup leave the directory it starts from.
/// Extended attributes the server lets the sentry see and change.
fn served_xattr(name: &[u8]) -> bool {
    name.len() > 5 && name.starts_with(b"user.")
}

fn check_name(name: &[u8]) -> Result<(), Errno> {
    if name.is_empty() || name == b"." || name == b".." || name.contains(&b'/') || name.contains(&0)
    {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

fn openat(dir: &OwnedFd, name: &[u8], flags: OFlags) -> Result<OwnedFd, Errno> {
    rustix::fs::openat(
        dir,
        name,
        flags | OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .map_err(rx)
}

fn fstat(fd: &OwnedFd) -> Result<FileStat, Errno> {
    nix::sys::stat::fstatat(
        Some(fd.as_raw_fd()),
        "",
        AtFlags::AT_EMPTY_PATH | AtFlags::AT_SYMLINK_NOFOLLOW,
    )
}

fn clear_nonblock(fd: &OwnedFd) -> Result<(), Errno> {
    let flags = nix::fcntl::fcntl(fd.as_raw_fd(), FcntlArg::F_GETFL)?;
    let flags = OFlag::from_bits_retain(flags) & !OFlag::O_NONBLOCK;
    nix::fcntl::fcntl(fd.as_raw_fd(), FcntlArg::F_SETFL(flags)).map(drop)
}

/// Gives a new file the group the sentry asked for. Best effort: the file
/// exists by now, and a gofer without CAP_CHOWN may not be able to.
fn set_gid(fd: &OwnedFd, gid: u32, current: u32) {
    if gid == NO_GID || gid == current {
        return;
    }
    if let Err(e) = nix::unistd::fchownat(
        Some(fd.as_raw_fd()),
        "",
        None,
        Some(Gid::from_raw(gid)),
        AtFlags::AT_EMPTY_PATH | AtFlags::AT_SYMLINK_NOFOLLOW,
    ) {
        debug!(gid, "cannot give a new file its group: {e}");
    }
}

fn qid_type(mode: u32) -> u8 {
    match mode & libc::S_IFMT {
        libc::S_IFDIR => p9::QTDIR,
        libc::S_IFLNK => p9::QTSYMLINK,
        _ => p9::QTFILE,
    }
}

fn qid_of(st: &FileStat) -> Qid {
    Qid {
        ty: qid_type(st.st_mode),
        version: 0,
        path: st.st_ino,
    }
}

fn qid_of_node(node: &Node) -> Qid {
    Qid {
        ty: qid_type(node.mode),
        version: 0,
        path: node.ino,
    }
}

/// Qid type and `DT_*` value of a directory entry.
fn dirent_type(ft: FileType) -> (u8, u8) {
    match ft {
        FileType::Directory => (p9::QTDIR, libc::DT_DIR),
        FileType::Symlink => (p9::QTSYMLINK, libc::DT_LNK),
        FileType::RegularFile => (p9::QTFILE, libc::DT_REG),
        FileType::Fifo => (p9::QTFILE, libc::DT_FIFO),
        FileType::Socket => (p9::QTFILE, libc::DT_SOCK),
        FileType::CharacterDevice => (p9::QTFILE, libc::DT_CHR),
        FileType::BlockDevice => (p9::QTFILE, libc::DT_BLK),
        _ => (p9::QTFILE, libc::DT_UNKNOWN),
    }
}

fn rx(e: rustix::io::Errno) -> Errno {
    Errno::from_raw(e.raw_os_error())
}

fn io_errno(e: io::Error) -> Errno {
    e.raw_os_error().map_or(Errno::EIO, Errno::from_raw)
}
