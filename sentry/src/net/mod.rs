//! Sockets in the sentry. A socket is an open file whose ops are a
//! `SocketFile` wrapping the family's `SocketOps`; the socket syscalls
//! (`syscalls/socket.rs`) find it with `socket_of` and talk to the family
//! through the trait, so another family (the network stack) plugs in by
//! implementing `SocketOps` and a constructor in `syscalls/socket.rs`.
//!
//! Only AF_UNIX exists for now (`unix.rs`); other families are refused
//! with EAFNOSUPPORT by socket(2).

pub mod unix;

use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};

use syscalls::consts::*;
use syscalls::Errno;

use crate::kernel::waiter::Waker;
use crate::kernel::Task;
use crate::vfs::{anon_dev, Attr, File, FileOps, FileType, Inode, Owner, Time};

// poll(2) bits sockets report.
pub const POLLIN: i16 = 0x001;
pub const POLLPRI: i16 = 0x002;
pub const POLLOUT: i16 = 0x004;
pub const POLLERR: i16 = 0x008;
pub const POLLHUP: i16 = 0x010;
pub const POLLRDNORM: i16 = 0x040;
pub const POLLWRNORM: i16 = 0x100;
pub const POLLWRBAND: i16 = 0x200;
pub const POLLRDHUP: i16 = 0x2000;

// Socket option levels and SOL_SOCKET options (`asm-generic/socket.h`).
pub const SOL_SOCKET: i32 = 1;
pub const SO_DEBUG: i32 = 1;
pub const SO_REUSEADDR: i32 = 2;
pub const SO_TYPE: i32 = 3;
pub const SO_ERROR: i32 = 4;
pub const SO_DONTROUTE: i32 = 5;
pub const SO_BROADCAST: i32 = 6;
pub const SO_SNDBUF: i32 = 7;
pub const SO_RCVBUF: i32 = 8;
pub const SO_KEEPALIVE: i32 = 9;
pub const SO_OOBINLINE: i32 = 10;
pub const SO_PRIORITY: i32 = 12;
pub const SO_LINGER: i32 = 13;
pub const SO_REUSEPORT: i32 = 15;
pub const SO_PASSCRED: i32 = 16;
pub const SO_PEERCRED: i32 = 17;
pub const SO_RCVLOWAT: i32 = 18;
pub const SO_SNDLOWAT: i32 = 19;
pub const SO_RCVTIMEO: i32 = 20;
pub const SO_SNDTIMEO: i32 = 21;
pub const SO_ACCEPTCONN: i32 = 30;
pub const SO_SNDBUFFORCE: i32 = 32;
pub const SO_RCVBUFFORCE: i32 = 33;
pub const SO_PROTOCOL: i32 = 38;
pub const SO_DOMAIN: i32 = 39;

// Control messages.
pub const SCM_RIGHTS: i32 = 1;
pub const SCM_CREDENTIALS: i32 = 2;
/// Most descriptors one SCM_RIGHTS message carries (Linux's SCM_MAX_FD).
pub const SCM_MAX_FD: usize = 253;

// send/recv flags.
pub const MSG_OOB: u32 = 0x1;
pub const MSG_PEEK: u32 = 0x2;
pub const MSG_DONTROUTE: u32 = 0x4;
pub const MSG_CTRUNC: u32 = 0x8;
pub const MSG_TRUNC: u32 = 0x20;
pub const MSG_DONTWAIT: u32 = 0x40;
pub const MSG_EOR: u32 = 0x80;
pub const MSG_WAITALL: u32 = 0x100;
pub const MSG_NOSIGNAL: u32 = 0x4000;
pub const MSG_MORE: u32 = 0x8000;
pub const MSG_WAITFORONE: u32 = 0x10000;
pub const MSG_CMSG_CLOEXEC: u32 = 0x4000_0000;

// Socket ioctls.
pub const SIOCINQ: u32 = FIONREAD;
pub const SIOCOUTQ: u32 = 0x5411;

/// Default and largest buffer sizes (net.core.{w,r}mem_default and _max).
pub const BUF_DEFAULT: u32 = 212_992;
pub const BUF_MAX: u32 = 212_992;
/// Smallest SO_SNDBUF / SO_RCVBUF (Linux's SOCK_MIN_SNDBUF / SOCK_MIN_RCVBUF).
pub const SNDBUF_MIN: u32 = 4608;
pub const RCVBUF_MIN: u32 = 2304;
/// Largest listen backlog (net.core.somaxconn).
pub const SOMAXCONN: u32 = 4096;

/// Who sent a message or holds a connection's other end, as struct ucred.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ucred {
    pub pid: i32,
    pub uid: u32,
    pub gid: u32,
}

impl Ucred {
    /// No credentials (an unconnected socket's SO_PEERCRED).
    pub const NONE: Ucred = Ucred {
        pid: 0,
        uid: u32::MAX,
        gid: u32::MAX,
    };

    /// The calling process's: tgid and real ids (SCM_CREDENTIALS).
    pub fn of(t: &Task) -> Ucred {
        Ucred {
            pid: t.tg.pid,
            uid: t.creds.uid,
            gid: t.creds.gid,
        }
    }

    /// The calling process's with effective ids (SO_PEERCRED).
    pub fn effective(t: &Task) -> Ucred {
        Ucred {
            pid: t.tg.pid,
            uid: t.creds.euid,
            gid: t.creds.egid,
        }
    }

    pub fn to_bytes(self) -> [u8; 12] {
        let mut b = [0u8; 12];
        b[0..4].copy_from_slice(&self.pid.to_ne_bytes());
        b[4..8].copy_from_slice(&self.uid.to_ne_bytes());
        b[8..12].copy_from_slice(&self.gid.to_ne_bytes());
        b
    }

    pub fn from_bytes(b: &[u8]) -> Option<Ucred> {
        let w = |i: usize| -> Option<[u8; 4]> { b.get(i..i + 4)?.try_into().ok() };
        Some(Ucred {
            pid: i32::from_ne_bytes(w(0)?),
            uid: u32::from_ne_bytes(w(4)?),
            gid: u32::from_ne_bytes(w(8)?),
        })
    }
}

/// What the caller of a send hands the socket.
pub struct SendMsg {
    pub data: Vec<u8>,
    /// The destination's raw sockaddr (sendto, msg_name).
    pub addr: Option<Vec<u8>>,
    /// SCM_RIGHTS files.
    pub rights: Vec<Arc<File>>,
    /// SCM_CREDENTIALS given (already checked), else the sender's own.
    pub creds: Ucred,
    pub flags: u32,
    /// The file is in non-blocking mode (or MSG_DONTWAIT).
    pub nonblock: bool,
}

/// What a receive gives back.
#[derive(Default)]
pub struct RecvMsg {
    pub data: Vec<u8>,
    /// The message's full length (datagrams: for MSG_TRUNC).
    pub full_len: usize,
    /// The sender's raw sockaddr, if the family reports one.
    pub addr: Option<Vec<u8>>,
    pub rights: Vec<Arc<File>>,
    /// SCM_CREDENTIALS to deliver (the receiver asked with SO_PASSCRED).
    pub creds: Option<Ucred>,
    /// msg_flags (MSG_TRUNC, MSG_CTRUNC, MSG_EOR).
    pub flags: u32,
}

/// One socket family's operations. Addresses are raw sockaddr bytes;
/// options raw option bytes: the family parses what it knows.
pub trait SocketOps: Send + Sync {
    fn family(&self) -> i32;
    fn sock_type(&self) -> i32;
    fn bind(&self, t: &Task, addr: &[u8]) -> Result<(), Errno>;
    fn listen(&self, t: &Task, backlog: i32) -> Result<(), Errno>;
    /// A new connection and its peer's address.
    fn accept(&self, nonblock: bool) -> Result<(Arc<dyn SocketOps>, Vec<u8>), Errno>;
    fn connect(&self, t: &Task, addr: &[u8], nonblock: bool) -> Result<(), Errno>;
    /// `t` is None for writes that come without a task at hand (splice,
    /// sendfile): only connected sends work then.
    fn sendmsg(&self, t: Option<&Task>, msg: SendMsg) -> Result<usize, Errno>;
    fn recvmsg(&self, len: usize, flags: u32, nonblock: bool) -> Result<RecvMsg, Errno>;
    fn shutdown(&self, how: i32) -> Result<(), Errno>;
    fn getsockname(&self) -> Vec<u8>;
    fn getpeername(&self) -> Result<Vec<u8>, Errno>;
    fn getsockopt(&self, level: i32, name: i32) -> Result<Vec<u8>, Errno>;
    fn setsockopt(&self, t: &Task, level: i32, name: i32, val: &[u8]) -> Result<(), Errno>;
    fn poll(&self, events: i16) -> i16;
    fn poll_register(&self, waker: &Arc<dyn Waker>, mask: u32);
    /// FIONREAD/SIOCINQ and SIOCOUTQ.
    fn queued(&self, out: bool) -> Result<usize, Errno>;
    /// Called when the last descriptor of the socket goes.
    fn release(&self);
    /// The credentials a write(2) without a task records.
    fn owner_creds(&self) -> Ucred;
    fn as_any(&self) -> &dyn Any;
    /// The socket's line in a /proc/net table, given its inode number:
    /// (table name, line with its newline). None for families without one.
    fn proc_net_line(&self, _ino: u64) -> Option<(&'static str, String)> {
        None
    }
}

/// Every socket with an open file, by inode number (for /proc/net).
static SOCKETS: std::sync::Mutex<Vec<(u64, std::sync::Weak<dyn SocketOps>)>> =
    std::sync::Mutex::new(Vec::new());

/// The lines of /proc/net/`table` for the sockets that exist now.
pub fn proc_net_lines(table: &str) -> Vec<String> {
    let live: Vec<(u64, Arc<dyn SocketOps>)> = {
        let mut all = SOCKETS.lock().unwrap_or_else(|e| e.into_inner());
        all.retain(|(_, w)| w.strong_count() > 0);
        all.iter()
            .filter_map(|(ino, w)| Some((*ino, w.upgrade()?)))
            .collect()
    };
    live.iter()
        .filter_map(|(ino, s)| s.proc_net_line(*ino))
        .filter(|(t, _)| *t == table)
        .map(|(_, line)| line)
        .collect()
}

/// The open file of a socket.
pub struct SocketFile {
    pub sock: Arc<dyn SocketOps>,
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        self.sock.release();
    }
}

impl FileOps for SocketFile {
    fn read(&self, file: &File, buf: &mut [u8], _off: u64) -> Result<usize, Errno> {
        let m = self
            .sock
            .recvmsg(buf.len(), 0, file.flags() & O_NONBLOCK != 0)?;
        let n = m.data.len().min(buf.len());
        buf[..n].copy_from_slice(&m.data[..n]);
        Ok(n)
    }

    fn write(&self, file: &File, buf: &[u8], _off: u64) -> Result<usize, Errno> {
        self.sock.sendmsg(
            None,
            SendMsg {
                data: buf.to_vec(),
                addr: None,
                rights: Vec::new(),
                creds: self.sock.owner_creds(),
                flags: 0,
                nonblock: file.flags() & O_NONBLOCK != 0,
            },
        )
    }

    fn seekable(&self) -> bool {
        false
    }

    fn may_block(&self) -> bool {
        true
    }

    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }

    fn ioctl(&self, _file: &File, t: &mut Task, cmd: u32, arg: u64) -> Result<u64, Errno> {
        let n = match cmd {
            SIOCINQ => self.sock.queued(false)?,
            SIOCOUTQ => self.sock.queued(true)?,
            _ => return Err(Errno::ENOTTY),
        };
        t.mm().write_obj(arg, &(n.min(i32::MAX as usize) as i32))?;
        Ok(0)
    }

    fn poll(&self, _file: &File, events: i16) -> Option<i16> {
        Some(self.sock.poll(events) & (events | POLLERR | POLLHUP))
    }

    fn poll_register(&self, _file: &File, waker: &Arc<dyn Waker>, mask: u32) {
        self.sock.poll_register(waker, mask);
    }
}

/// The socket behind an open file, if it is one.
pub fn socket_of(f: &File) -> Option<&Arc<dyn SocketOps>> {
    f.ops
        .as_any()
        .and_then(|a| a.downcast_ref::<SocketFile>())
        .map(|s| &s.sock)
}

static SOCKFS_DEV: LazyLock<u64> = LazyLock::new(anon_dev);

/// The inode of a socket (sockfs): what fstat shows.
pub struct SockInode {
    ino: u64,
    owner: Owner,
    created: Time,
}

impl Inode for SockInode {
    fn file_type(&self) -> FileType {
        FileType::Socket
    }

    fn attr(&self) -> Result<Attr, Errno> {
        Ok(Attr {
            ino: self.ino,
            dev: *SOCKFS_DEV,
            mode: S_IFSOCK | 0o777,
            nlink: 1,
            uid: self.owner.uid,
            gid: self.owner.gid,
            blksize: 4096,
            atime: self.created,
            mtime: self.created,
            ctime: self.created,
            ..Attr::default()
        })
    }

    fn open(self: Arc<Self>, _flags: u32) -> Result<Box<dyn FileOps>, Errno> {
        Err(Errno::ENXIO)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A new open file for `sock`, owned by the caller.
pub fn new_socket_file(t: &Task, sock: Arc<dyn SocketOps>, nonblock: bool) -> Arc<File> {
    static INO: AtomicU64 = AtomicU64::new(10_000);
    let ino = INO.fetch_add(1, Ordering::Relaxed);
    {
        let mut all = SOCKETS.lock().unwrap_or_else(|e| e.into_inner());
        // Closed sockets go as new ones come.
        if all.len() >= 64 && all.len().is_power_of_two() {
            all.retain(|(_, w)| w.strong_count() > 0);
        }
        all.push((ino, Arc::downgrade(&sock)));
    }
    let inode = Arc::new(SockInode {
        ino,
        owner: Owner {
            uid: t.creds.euid,
            gid: t.creds.egid,
        },
        created: Time::now(),
    });
    let flags = O_RDWR | if nonblock { O_NONBLOCK } else { 0 };
    File::new(Box::new(SocketFile { sock }), inode, None, flags)
}

/// A struct timeval option (SO_RCVTIMEO/SO_SNDTIMEO) as a duration; None
/// for "no timeout". EDOM for a bad microsecond count.
pub fn parse_timeval(val: &[u8]) -> Result<Option<std::time::Duration>, Errno> {
    let sec = i64::from_ne_bytes(
        val.get(0..8)
            .ok_or(Errno::EINVAL)?
            .try_into()
            .map_err(|_| Errno::EINVAL)?,
    );
    let usec = i64::from_ne_bytes(
        val.get(8..16)
            .ok_or(Errno::EINVAL)?
            .try_into()
            .map_err(|_| Errno::EINVAL)?,
    );
    if !(0..1_000_000).contains(&usec) {
        return Err(Errno::EDOM);
    }
    if sec < 0 {
        // Linux takes a negative time as "do not wait".
        return Ok(Some(std::time::Duration::ZERO));
    }
    if sec == 0 && usec == 0 {
        return Ok(None);
    }
    Ok(Some(
        std::time::Duration::from_secs(sec as u64) + std::time::Duration::from_micros(usec as u64),
    ))
}

pub fn timeval_bytes(d: Option<std::time::Duration>) -> Vec<u8> {
    let (s, us) = d.map_or((0, 0), |d| (d.as_secs() as i64, d.subsec_micros() as i64));
    let mut v = s.to_ne_bytes().to_vec();
    v.extend_from_slice(&us.to_ne_bytes());
    v
}

/// An int option's value (at least 4 bytes given, else EINVAL).
pub fn opt_int(val: &[u8]) -> Result<i32, Errno> {
    Ok(i32::from_ne_bytes(
        val.get(0..4)
            .ok_or(Errno::EINVAL)?
            .try_into()
            .map_err(|_| Errno::EINVAL)?,
    ))
}

/// Capabilities the socket options check.
pub const CAP_NET_ADMIN: u32 = 12;
pub const CAP_SYS_ADMIN: u32 = 21;
