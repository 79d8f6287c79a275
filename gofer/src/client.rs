//! The 9P2000.L client the sentry uses to reach its gofer.
//!
//! Blocking, and shareable between task threads: a request and its reply
//! make one round trip under a mutex, written and read by the calling thread.
//! Fids are allocated here (clunked ones are reused). A reply that does not
//! parse, or is not the reply the request called for, is a
//! [`Error::Protocol`], never a panic; after a socket error or a reply that
//! breaks framing the connection is unusable and every later call fails.
//!
//! `Rlopen`/`Rlcreate` for a regular file may carry the host fd the gofer
//! opened (see [`crate::server`]); it is handed back in [`Opened::host_fd`].
//! Any fd that arrives with another reply is closed.

use std::collections::HashSet;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::{Mutex, MutexGuard, PoisonError};

use thiserror::Error;

use crate::p9::{self, Attr, DirEntry, Message, Qid, SetAttr, StatFs};
use crate::transport;

/// A 9P fid: the client's handle on a file in the gofer.
pub type Fid = u32;

/// Why a request failed.
#[derive(Debug, Error)]
pub enum Error {
    /// The gofer answered Rlerror with this errno.
    #[error("gofer: errno {0}")]
    Remote(i32),
    #[error("gofer connection: {0}")]
    Io(#[from] io::Error),
    /// The gofer's reply made no sense; the gofer is broken or hostile.
    #[error("gofer protocol: {0}")]
    Protocol(String),
}

impl Error {
    /// What the sentry should return to the application.
    pub fn errno(&self) -> i32 {
        match self {
            Error::Remote(e) => *e,
            Error::Io(_) | Error::Protocol(_) => libc::EIO,
        }
    }
}

/// Result of `lopen`/`lcreate`.
#[derive(Debug)]
pub struct Opened {
    pub qid: Qid,
    /// Largest useful read/write per request, 0 if the gofer did not say.
    pub iounit: u32,
    /// The gofer's own open fd of a regular file, for I/O without round trips.
    pub host_fd: Option<OwnedFd>,
}

/// One connection to a gofer.
pub struct Client {
    conn: Mutex<Conn>,
    fids: Mutex<FidPool>,
    msize: u32,
}

struct Conn {
    sock: UnixStream,
    out: Vec<u8>,
    reply: Vec<u8>,
    next_tag: u16,
    /// Set once the byte stream can no longer be trusted to be at a frame boundary.
    broken: bool,
}

#[derive(Default)]
struct FidPool {
    next: Fid,
    free: Vec<Fid>,
    /// Fids handed out and not yet released, so a double clunk cannot put a
    /// fid on the free list twice.
    live: HashSet<Fid>,
}

/// `n_uname` of Tattach when there is no numeric user (`P9_NONUNAME`).
const NONUNAME: u32 = u32::MAX;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing here panics while holding a lock, but a caller's panic must not
    // wedge every other task thread.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn unexpected(reply: &Message) -> Error {
    Error::Protocol(format!("unexpected reply {}", reply.name()))
}

impl Client {
    /// Negotiates the version (msize 1 MiB + 4 KiB, or less if the gofer wants).
    pub fn connect(conn: UnixStream) -> Result<Client, Error> {
        let client = Client {
            conn: Mutex::new(Conn {
                sock: conn,
                out: Vec::new(),
                reply: Vec::new(),
                next_tag: 0,
                broken: false,
            }),
            fids: Mutex::new(FidPool::default()),
            msize: p9::MAX_MSIZE,
        };
        let msg = Message::Tversion {
            msize: p9::MAX_MSIZE,
            version: p9::VERSION.to_vec(),
        };
        let msize = match client.rpc_tagged(p9::NOTAG, &msg)? {
            (Message::Rversion { msize, version }, _) => {
                if version != p9::VERSION {
                    return Err(Error::Protocol(format!(
                        "gofer speaks {:?}, not 9P2000.L",
                        String::from_utf8_lossy(&version)
                    )));
                }
                if !(p9::MIN_MSIZE..=p9::MAX_MSIZE).contains(&msize) {
                    return Err(Error::Protocol(format!("gofer offered msize {msize}")));
                }
                msize
            }
            (other, _) => return Err(unexpected(&other)),
        };
        Ok(Client { msize, ..client })
    }

    /// The negotiated maximum frame size.
    pub fn msize(&self) -> u32 {
        self.msize
    }

    /// Largest data payload of one Tread/Twrite.
    fn io_chunk(&self) -> usize {
        (self.msize - p9::IOHDRSZ) as usize
    }

    fn alloc_fid(&self) -> Result<Fid, Error> {
        let mut pool = lock(&self.fids);
        let fid = match pool.free.pop() {
            Some(fid) => fid,
            None if pool.next + 1 == p9::NOFID => {
                return Err(Error::Protocol("out of fids".into()))
            }
            None => {
                pool.next += 1;
                pool.next
            }
        };
        pool.live.insert(fid);
        Ok(fid)
    }

    fn release_fid(&self, fid: Fid) {
        let mut pool = lock(&self.fids);
        if pool.live.remove(&fid) {
            pool.free.push(fid);
        }
    }

    /// One round trip. Rlerror becomes `Error::Remote`.
    fn rpc(&self, msg: &Message) -> Result<(Message, Option<OwnedFd>), Error> {
        self.rpc_tagged(0, msg)
    }

    /// `tag` 0 means "pick one"; Tversion passes NOTAG. A reply that breaks
    /// the protocol is logged here, once, with the request it answered.
    fn rpc_tagged(&self, tag: u16, msg: &Message) -> Result<(Message, Option<OwnedFd>), Error> {
        let r = self.rpc_unlogged(tag, msg);
        if let Err(Error::Protocol(why)) = &r {
            tracing::warn!(
                request = msg.name(),
                "malformed 9P reply from the gofer: {why}"
            );
        }
        r
    }

    fn rpc_unlogged(&self, tag: u16, msg: &Message) -> Result<(Message, Option<OwnedFd>), Error> {
        let mut guard = lock(&self.conn);
        let c = &mut *guard;
        if c.broken {
            return Err(Error::Io(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "gofer connection unusable after an earlier error",
            )));
        }
        let tag = if tag == 0 {
            c.next_tag = c.next_tag.wrapping_add(1);
            if c.next_tag == p9::NOTAG || c.next_tag == 0 {
                c.next_tag = 1;
            }
            c.next_tag
        } else {
            tag
        };
        c.out.clear();
        p9::encode(tag, msg, &mut c.out).map_err(|e| Error::Protocol(e.to_string()))?;
        if c.out.len() > self.msize as usize {
            return Err(Error::Protocol(format!("{} larger than msize", msg.name())));
        }
        let mut fds = Vec::new();
        match Self::exchange(c, self.msize, &mut fds) {
            Ok(()) => {}
            Err(e) => {
                c.broken = true;
                return Err(e);
            }
        }
        let (reply_tag, reply) =
            p9::decode(&c.reply).map_err(|e| Error::Protocol(e.to_string()))?;
        if reply_tag != tag {
            c.broken = true;
            return Err(Error::Protocol(format!(
                "reply tag {reply_tag}, expected {tag}"
            )));
        }
        drop(guard);
        // A donated fd belongs to the reply it arrived with; keep one, and only
        // where one is expected. The rest close as `fds` drops.
        let mut fds = fds.into_iter();
        let fd = match reply {
            Message::Rlopen { .. } | Message::Rlcreate { .. } => fds.next(),
            _ => None,
        };
        match reply {
            // Linux errnos are 1..=4095; anything else is no error code.
            Message::Rlerror { ecode } if (1..4096).contains(&ecode) => {
                Err(Error::Remote(ecode as i32))
            }
            Message::Rlerror { ecode } => {
                Err(Error::Protocol(format!("Rlerror with errno {ecode}")))
            }
            reply => Ok((reply, fd)),
        }
    }

    /// Sends `c.out` and reads one whole reply frame into `c.reply`.
    fn exchange(c: &mut Conn, msize: u32, fds: &mut Vec<OwnedFd>) -> Result<(), Error> {
        let sock = c.sock.as_fd();
        transport::send_frame(sock, &c.out, None)?;
        let mut size = [0u8; 4];
        if !transport::recv_exact(sock, &mut size, fds)? {
            return Err(Error::Io(io::ErrorKind::UnexpectedEof.into()));
        }
        let size = u32::from_le_bytes(size);
        if size > msize || (size as usize) < p9::HEADER_LEN {
            return Err(Error::Protocol(format!("reply frame of {size} bytes")));
        }
        c.reply.clear();
        c.reply.resize(size as usize, 0);
        c.reply[..4].copy_from_slice(&size.to_le_bytes());
        transport::recv_exact(sock, &mut c.reply[4..], fds)?;
        Ok(())
    }

    /// Attaches to the root of the served tree.
    pub fn attach(&self) -> Result<(Fid, Qid), Error> {
        let fid = self.alloc_fid()?;
        let msg = Message::Tattach {
            fid,
            afid: p9::NOFID,
            uname: Vec::new(),
            aname: Vec::new(),
            n_uname: NONUNAME,
        };
        match self.rpc(&msg) {
            Ok((Message::Rattach { qid }, _)) => Ok((fid, qid)),
            Ok((other, _)) => {
                self.release_fid(fid);
                Err(unexpected(&other))
            }
            Err(e) => {
                self.release_fid(fid);
                Err(e)
            }
        }
    }

    /// Walks `names` from `fid` into a new fid (no names: a clone of `fid`).
    ///
    /// All-or-nothing: if any name cannot be walked the result is an error
    /// (the gofer's errno if the first name failed, ENOENT otherwise) and no
    /// fid is left behind. Names beyond 16 take several round trips.
    pub fn walk(&self, fid: Fid, names: &[&[u8]]) -> Result<(Fid, Vec<Qid>), Error> {
        let newfid = self.alloc_fid()?;
        let mut qids = Vec::with_capacity(names.len());
        let mut from = fid;
        // Whether an earlier chunk made newfid exist on the gofer.
        let mut created = false;
        let mut chunks: Vec<&[&[u8]]> = names.chunks(p9::MAX_WALK_ELEMS).collect();
        if chunks.is_empty() {
            chunks.push(&[]);
        }
        for chunk in chunks {
            let msg = Message::Twalk {
                fid: from,
                newfid,
                names: chunk.iter().map(|n| n.to_vec()).collect(),
            };
            let result = match self.rpc(&msg) {
                Ok((Message::Rwalk { qids: got }, _)) if got.len() == chunk.len() => Ok(got),
                Ok((Message::Rwalk { qids: got }, _)) if got.len() < chunk.len() => {
                    Err(Error::Remote(libc::ENOENT))
                }
                Ok((other, _)) => Err(unexpected(&other)),
                Err(e) => Err(e),
            };
            match result {
                Ok(got) => qids.extend(got),
                Err(e) => {
                    if created {
                        // A failed walk in place leaves newfid as it was.
                        let _ = self.clunk(newfid);
                    } else {
                        self.release_fid(newfid);
                    }
                    return Err(e);
                }
            }
            from = newfid;
            created = true;
        }
        Ok((newfid, qids))
    }

    /// stat(2) of the fid's file.
    pub fn getattr(&self, fid: Fid) -> Result<Attr, Error> {
        match self.rpc(&Message::Tgetattr {
            fid,
            request_mask: p9::P9_GETATTR_ALL,
        })? {
            (Message::Rgetattr(attr), _) => Ok(attr),
            (other, _) => Err(unexpected(&other)),
        }
    }

    /// chmod/chown/truncate/utimes, as `attr.valid` says.
    pub fn setattr(&self, fid: Fid, attr: &SetAttr) -> Result<(), Error> {
        match self.rpc(&Message::Tsetattr { fid, attr: *attr })? {
            (Message::Rsetattr, _) => Ok(()),
            (other, _) => Err(unexpected(&other)),
        }
    }

    /// Opens the fid's file; `flags` are Linux `O_*` bits. Picks up the donated fd, if any.
    pub fn lopen(&self, fid: Fid, flags: u32) -> Result<Opened, Error> {
        match self.rpc(&Message::Tlopen { fid, flags })? {
            (Message::Rlopen { qid, iounit }, host_fd) => Ok(Opened {
                qid,
                iounit,
                host_fd,
            }),
            (other, _) => Err(unexpected(&other)),
        }
    }

    /// Creates and opens `name` in `dir_fid`.
    ///
    /// As 9P says, `dir_fid` then refers to the new open file, not the
    /// directory: walk a clone first to keep a handle on the directory.
    pub fn lcreate(
        &self,
        dir_fid: Fid,
        name: &[u8],
        flags: u32,
        mode: u32,
        gid: u32,
    ) -> Result<Opened, Error> {
        let msg = Message::Tlcreate {
            fid: dir_fid,
            name: name.to_vec(),
            flags,
            mode,
            gid,
        };
        match self.rpc(&msg)? {
            (Message::Rlcreate { qid, iounit }, host_fd) => Ok(Opened {
                qid,
                iounit,
                host_fd,
            }),
            (other, _) => Err(unexpected(&other)),
        }
    }

    /// Reads at `offset` into `buf`, in msize-sized requests; short only at EOF.
    pub fn read(&self, fid: Fid, offset: u64, buf: &mut [u8]) -> Result<usize, Error> {
        let mut done = 0;
        while done < buf.len() {
            let want = (buf.len() - done).min(self.io_chunk());
            let at = offset
                .checked_add(done as u64)
                .ok_or(Error::Remote(libc::EOVERFLOW))?;
            let data = match self.rpc(&Message::Tread {
                fid,
                offset: at,
                count: want as u32,
            })? {
                (Message::Rread { data }, _) => data,
                (other, _) => return Err(unexpected(&other)),
            };
            if data.len() > want {
                return Err(Error::Protocol(format!(
                    "Rread of {} bytes for {want}",
                    data.len()
                )));
            }
            buf[done..done + data.len()].copy_from_slice(&data);
            done += data.len();
            if data.len() < want {
                break;
            }
        }
        Ok(done)
    }

    /// Writes `data` at `offset`, in msize-sized requests; stops at a short write.
    pub fn write(&self, fid: Fid, offset: u64, data: &[u8]) -> Result<usize, Error> {
        let mut done = 0;
        // An empty write still reaches the gofer, as write(2) with 0 bytes does.
        loop {
            let chunk = &data[done..(done + self.io_chunk()).min(data.len())];
            let at = offset
                .checked_add(done as u64)
                .ok_or(Error::Remote(libc::EOVERFLOW))?;
            let msg = Message::Twrite {
                fid,
                offset: at,
                data: chunk.to_vec(),
            };
            let n = match self.rpc(&msg)? {
                (Message::Rwrite { count }, _) => count as usize,
                (other, _) => return Err(unexpected(&other)),
            };
            if n > chunk.len() {
                return Err(Error::Protocol(format!(
                    "Rwrite of {n} bytes for {}",
                    chunk.len()
                )));
            }
            done += n;
            if n < chunk.len() || done == data.len() {
                return Ok(done);
            }
        }
    }

    /// Directory entries from `offset` (0, or an entry's `offset` to continue
    /// after it), at most `count` bytes' worth; empty at the end. Includes
    /// "." and "..".
    pub fn readdir(&self, fid: Fid, offset: u64, count: u32) -> Result<Vec<DirEntry>, Error> {
        let count = count.min(self.msize - p9::RREAD_HEADER_LEN as u32);
        match self.rpc(&Message::Treaddir { fid, offset, count })? {
            (Message::Rreaddir { entries }, _) => Ok(entries),
            (other, _) => Err(unexpected(&other)),
        }
    }

    /// The target of the symlink `fid` names.
    pub fn readlink(&self, fid: Fid) -> Result<Vec<u8>, Error> {
        match self.rpc(&Message::Treadlink { fid })? {
            (Message::Rreadlink { target }, _) => Ok(target),
            (other, _) => Err(unexpected(&other)),
        }
    }

    /// Creates directory `name` in `dir_fid`.
    pub fn mkdir(&self, dir_fid: Fid, name: &[u8], mode: u32, gid: u32) -> Result<Qid, Error> {
        let msg = Message::Tmkdir {
            dfid: dir_fid,
            name: name.to_vec(),
            mode,
            gid,
        };
        match self.rpc(&msg)? {
            (Message::Rmkdir { qid }, _) => Ok(qid),
            (other, _) => Err(unexpected(&other)),
        }
    }

    /// Creates symlink `name` in `dir_fid` pointing to `target`.
    pub fn symlink(
        &self,
        dir_fid: Fid,
        name: &[u8],
        target: &[u8],
        gid: u32,
    ) -> Result<Qid, Error> {
        let msg = Message::Tsymlink {
            dfid: dir_fid,
            name: name.to_vec(),
            target: target.to_vec(),
            gid,
        };
        match self.rpc(&msg)? {
            (Message::Rsymlink { qid }, _) => Ok(qid),
            (other, _) => Err(unexpected(&other)),
        }
    }

    /// Hard-links the file of `target_fid` as `name` in `dir_fid`.
    pub fn link(&self, dir_fid: Fid, target_fid: Fid, name: &[u8]) -> Result<(), Error> {
        let msg = Message::Tlink {
            dfid: dir_fid,
            fid: target_fid,
            name: name.to_vec(),
        };
        match self.rpc(&msg)? {
            (Message::Rlink, _) => Ok(()),
            (other, _) => Err(unexpected(&other)),
        }
    }

    /// Removes `name` from `dir_fid`; `flags` is 0 or `AT_REMOVEDIR`.
    pub fn unlinkat(&self, dir_fid: Fid, name: &[u8], flags: u32) -> Result<(), Error> {
        let msg = Message::Tunlinkat {
            dirfid: dir_fid,
            name: name.to_vec(),
            flags,
        };
        match self.rpc(&msg)? {
            (Message::Runlinkat, _) => Ok(()),
            (other, _) => Err(unexpected(&other)),
        }
    }

    /// Renames `old_dir/old_name` to `new_dir/new_name`.
    pub fn renameat(
        &self,
        old_dir: Fid,
        old_name: &[u8],
        new_dir: Fid,
        new_name: &[u8],
    ) -> Result<(), Error> {
        let msg = Message::Trenameat {
            olddirfid: old_dir,
            oldname: old_name.to_vec(),
            newdirfid: new_dir,
            newname: new_name.to_vec(),
        };
        match self.rpc(&msg)? {
            (Message::Rrenameat, _) => Ok(()),
            (other, _) => Err(unexpected(&other)),
        }
    }

    /// fsync(2) of the fid's open file.
    pub fn fsync(&self, fid: Fid) -> Result<(), Error> {
        match self.rpc(&Message::Tfsync { fid, datasync: 0 })? {
            (Message::Rfsync, _) => Ok(()),
            (other, _) => Err(unexpected(&other)),
        }
    }

    /// statfs(2) of the file system holding the fid's file.
    pub fn statfs(&self, fid: Fid) -> Result<StatFs, Error> {
        match self.rpc(&Message::Tstatfs { fid })? {
            (Message::Rstatfs(s), _) => Ok(s),
            (other, _) => Err(unexpected(&other)),
        }
    }

    /// Extended attribute `name` of the fid's file, or with an empty name
    /// the NUL-separated list of names (Txattrwalk, then Treads).
    pub fn getxattr(&self, fid: Fid, name: &[u8]) -> Result<Vec<u8>, Error> {
        let newfid = self.alloc_fid()?;
        let size = match self.rpc(&Message::Txattrwalk {
            fid,
            newfid,
            name: name.to_vec(),
        }) {
            Ok((Message::Rxattrwalk { size }, _)) => size,
            Ok((other, _)) => {
                self.release_fid(newfid);
                return Err(unexpected(&other));
            }
            Err(e) => {
                self.release_fid(newfid);
                return Err(e);
            }
        };
        let result = if size > p9::XATTR_LIST_MAX as u64 {
            Err(Error::Protocol(format!("Rxattrwalk of {size} bytes")))
        } else {
            let mut buf = vec![0u8; size as usize];
            self.read(newfid, 0, &mut buf).and_then(|n| {
                if n == buf.len() {
                    Ok(buf)
                } else {
                    Err(Error::Protocol(format!("xattr read {n} of {size} bytes")))
                }
            })
        };
        let _ = self.clunk(newfid);
        result
    }

    /// Sets extended attribute `name` of the fid's file (`flags`: XATTR_CREATE,
    /// XATTR_REPLACE): Txattrcreate on a clone of the fid, Twrites, and the
    /// Tclunk whose reply carries the result.
    pub fn setxattr(&self, fid: Fid, name: &[u8], value: &[u8], flags: u32) -> Result<(), Error> {
        self.xattrcreate(fid, name, value, flags)
    }

    /// Removes extended attribute `name` of the fid's file.
    pub fn removexattr(&self, fid: Fid, name: &[u8]) -> Result<(), Error> {
        self.xattrcreate(fid, name, &[], p9::P9_XATTR_REMOVE)
    }

    fn xattrcreate(&self, fid: Fid, name: &[u8], value: &[u8], flags: u32) -> Result<(), Error> {
        let (xfid, _) = self.walk(fid, &[])?;
        let created = match self.rpc(&Message::Txattrcreate {
            fid: xfid,
            name: name.to_vec(),
            attr_size: value.len() as u64,
            flags,
        }) {
            Ok((Message::Rxattrcreate, _)) => Ok(()),
            Ok((other, _)) => Err(unexpected(&other)),
            Err(e) => Err(e),
        };
        let written = created.and_then(|()| {
            let mut done = 0;
            while done < value.len() {
                let n = self.write(xfid, done as u64, &value[done..])?;
                if n == 0 {
                    return Err(Error::Protocol("xattr write of 0 bytes".into()));
                }
                done += n;
            }
            Ok(())
        });
        // The clunk applies the change; its error is the call's.
        let clunked = self.clunk(xfid);
        written.and(clunked)
    }

    /// Forgets the fid. It is free for reuse even if the gofer reports an
    /// error, as 9P says.
    pub fn clunk(&self, fid: Fid) -> Result<(), Error> {
        let result = match self.rpc(&Message::Tclunk { fid }) {
            Ok((Message::Rclunk, _)) => Ok(()),
            Ok((other, _)) => Err(unexpected(&other)),
            Err(e) => Err(e),
        };
        self.release_fid(fid);
        result
    }
}
