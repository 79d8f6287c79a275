//! AF_UNIX sockets: stream, datagram and seqpacket, named by a path in the
//! file system (a socket inode made the way mknod(S_IFSOCK) makes one), by
//! a name in the abstract namespace, or unnamed.
//!
//! Each socket keeps its receive queue; a sender appends to the receiver's
//! queue and notifies the receiver's `WaitQueue`; a reader notifies its own
//! queue and its peer's (room came back). Blocked senders wait on their own
//! queue and the receiver's. Bound sockets are found through two global
//! tables: by the (dev, ino) of their socket inode, and by abstract name.
//! The abstract namespace belongs to a network namespace in Linux; the
//! sandbox has one network namespace, so one table serves.
//!
//! Known gap: descriptors in flight (SCM_RIGHTS) are held by the queue
//! that carries them; a socket sent over itself and closed stays alive
//! (Linux has a garbage collector for such cycles).

use std::any::Any;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use syscalls::consts::*;
use syscalls::Errno;

use super::*;
use super::{POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP, POLLRDNORM, POLLWRBAND, POLLWRNORM};
use crate::kernel::blocker::Interrupted;
use crate::kernel::waiter::{WaitQueue, Waker, ALL_EVENTS};
use crate::kernel::{current_task, Task};
use crate::vfs::{perm, File, FileType, InodeRef};

/// sizeof(struct sockaddr_un).
const SOCKADDR_UN_LEN: usize = 110;
/// offsetof(struct sockaddr_un, sun_path).
const PATH_OFF: usize = 2;
/// Datagrams a receiver not connected back to the sender queues
/// (net.unix.max_dgram_qlen).
const MAX_DGRAM_QLEN: usize = 10;
/// What each queued message costs beyond its bytes (about an skb).
const MSG_OVERHEAD: usize = 512;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum UnixAddr {
    /// A file system path (without the NUL).
    Path(Vec<u8>),
    /// An abstract name (the bytes after the leading NUL).
    Abstract(Vec<u8>),
}

impl UnixAddr {
    /// The sockaddr_un bytes getsockname and recvfrom report.
    pub fn to_sockaddr(a: Option<&UnixAddr>) -> Vec<u8> {
        let mut v = (AF_UNIX as u16).to_ne_bytes().to_vec();
        match a {
            None => {}
            Some(UnixAddr::Path(p)) => {
                v.extend_from_slice(p);
                v.push(0);
            }
            Some(UnixAddr::Abstract(n)) => {
                v.push(0);
                v.extend_from_slice(n);
            }
        }
        v
    }

    /// Parses a sockaddr_un; None for a bare family (autobind).
    fn parse(raw: &[u8]) -> Result<Option<UnixAddr>, Errno> {
        if raw.len() < PATH_OFF || raw.len() > SOCKADDR_UN_LEN {
            return Err(Errno::EINVAL);
        }
        if u16::from_ne_bytes([raw[0], raw[1]]) != AF_UNIX as u16 {
            return Err(Errno::EINVAL);
        }
        let path = &raw[PATH_OFF..];
        if path.is_empty() {
            return Ok(None);
        }
        if path[0] == 0 {
            return Ok(Some(UnixAddr::Abstract(path[1..].to_vec())));
        }
        let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
        Ok(Some(UnixAddr::Path(path[..end].to_vec())))
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Stream,
    Dgram,
    SeqPacket,
}

impl Kind {
    fn connection(self) -> bool {
        self != Kind::Dgram
    }
}

/// A message (datagram, seqpacket record) or a run of stream bytes.
struct Seg {
    data: Vec<u8>,
    /// Bytes of `data` already read (stream).
    off: usize,
    from: Option<UnixAddr>,
    rights: Vec<Arc<File>>,
    creds: Ucred,
}

impl Seg {
    fn left(&self) -> usize {
        self.data.len() - self.off
    }
}

struct State {
    addr: Option<UnixAddr>,
    /// The socket inode a path binding made (kept so its number stays ours).
    bound_inode: Option<InodeRef>,
    path_key: Option<(u64, u64)>,
    /// Connected peer (stream, seqpacket) or default destination (dgram).
    peer: Option<Arc<UnixSocket>>,
    connected: bool,
    listening: bool,
    backlog: usize,
    /// Connections waiting for accept: the server-side sockets.
    pending: VecDeque<Arc<UnixSocket>>,
    rcv: VecDeque<Seg>,
    rcv_bytes: usize,
    /// No more data will come in (our SHUT_RD, the peer's SHUT_WR or close).
    rcv_shutdown: bool,
    /// We may send no more (our SHUT_WR, the peer's SHUT_RD or close).
    snd_shutdown: bool,
    /// The peer went away (poll's POLLHUP, EPIPE).
    released: bool,
    error: Option<Errno>,
    sndbuf: u32,
    rcvbuf: u32,
    passcred: bool,
    reuseaddr: bool,
    linger: (i32, i32),
    rcvtimeo: Option<Duration>,
    sndtimeo: Option<Duration>,
    peercred: Ucred,
}

impl State {
    /// What the queued messages cost against a sender's buffer: their
    /// bytes and a fixed overhead each (Linux charges an skb's true size),
    /// so even empty datagrams fill a queue.
    fn charge(&self) -> usize {
        self.rcv_bytes + self.rcv.len() * MSG_OVERHEAD
    }
}

pub struct UnixSocket {
    kind: Kind,
    state: Mutex<State>,
    queue: WaitQueue,
    /// Creator's credentials (writes that come without a task).
    owner: Ucred,
    me: Weak<UnixSocket>,
}

/// Bound sockets by the (dev, ino) of their socket inode.
type Registry<K> = LazyLock<Mutex<HashMap<K, Weak<UnixSocket>>>>;

static PATHS: Registry<(u64, u64)> = LazyLock::new(|| Mutex::new(HashMap::new()));
/// Bound sockets by abstract name (one network namespace).
static ABSTRACT: Registry<Vec<u8>> = LazyLock::new(|| Mutex::new(HashMap::new()));

fn lock_map<K, V>(m: &Mutex<HashMap<K, V>>) -> MutexGuard<'_, HashMap<K, V>> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn kind_of(ty: i32) -> Result<Kind, Errno> {
    match ty {
        SOCK_STREAM => Ok(Kind::Stream),
        // Linux makes a unix SOCK_RAW a datagram socket.
        SOCK_DGRAM | SOCK_RAW => Ok(Kind::Dgram),
        SOCK_SEQPACKET => Ok(Kind::SeqPacket),
        _ => Err(Errno::ESOCKTNOSUPPORT),
    }
}

/// Maps a wait's end to the errno Linux gives: a timeout is EAGAIN; a
/// signal restarts unless a timeout was set (then EINTR).
fn wait_err(e: Interrupted, timed: bool) -> Errno {
    match e {
        Interrupted::TimedOut => Errno::EAGAIN,
        Interrupted::Signal if timed => Errno::EINTR,
        Interrupted::Signal => Errno::ERESTARTSYS,
    }
}

impl UnixSocket {
    pub fn new(ty: i32, owner: Ucred) -> Result<Arc<UnixSocket>, Errno> {
        let kind = kind_of(ty)?;
        Ok(Arc::new_cyclic(|me| UnixSocket {
            kind,
            state: Mutex::new(State {
                addr: None,
                bound_inode: None,
                path_key: None,
                peer: None,
                connected: false,
                listening: false,
                backlog: 0,
                pending: VecDeque::new(),
                rcv: VecDeque::new(),
                rcv_bytes: 0,
                rcv_shutdown: false,
                snd_shutdown: false,
                released: false,
                error: None,
                sndbuf: BUF_DEFAULT,
                rcvbuf: BUF_DEFAULT,
                passcred: false,
                reuseaddr: false,
                linger: (0, 0),
                rcvtimeo: None,
                sndtimeo: None,
                peercred: Ucred::NONE,
            }),
            queue: WaitQueue::default(),
            owner,
            me: me.clone(),
        }))
    }

    /// Two sockets connected to each other (socketpair).
    pub fn pair(ty: i32, creds: Ucred) -> Result<(Arc<UnixSocket>, Arc<UnixSocket>), Errno> {
        let a = UnixSocket::new(ty, creds)?;
        let b = UnixSocket::new(ty, creds)?;
        for (x, y) in [(&a, &b), (&b, &a)] {
            let mut s = x.lock();
            s.peer = Some(y.clone());
            s.connected = true;
            s.peercred = creds;
        }
        Ok((a, b))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn arc(&self) -> Option<Arc<UnixSocket>> {
        self.me.upgrade()
    }

    /// Sleeps until `ready` holds, listening on our queue and `other`'s.
    fn wait(
        &self,
        other: Option<&UnixSocket>,
        timeout: Option<Duration>,
        mut ready: impl FnMut() -> bool,
    ) -> Result<(), Errno> {
        let me = current_task().ok_or(Errno::EAGAIN)?;
        if timeout == Some(Duration::ZERO) {
            return Err(Errno::EAGAIN);
        }
        let w: Arc<dyn Waker> = me.clone();
        self.queue.add(&w, ALL_EVENTS);
        if let Some(o) = other {
            o.queue.add(&w, ALL_EVENTS);
        }
        let deadline = timeout.map(|d| Instant::now() + d);
        let r = me.blocker.wait_until(deadline, || ready().then_some(()));
        self.queue.remove(&w);
        if let Some(o) = other {
            o.queue.remove(&w);
        }
        r.map_err(|e| wait_err(e, timeout.is_some()))
    }

    fn bind_addr(&self, t: &Task, addr: Option<UnixAddr>) -> Result<(), Errno> {
        let me = self.arc().ok_or(Errno::EINVAL)?;
        if self.lock().addr.is_some() {
            return Err(Errno::EINVAL);
        }
        match addr {
            None => self.autobind(),
            Some(UnixAddr::Abstract(name)) => {
                let mut m = lock_map(&ABSTRACT);
                if m.get(&name).is_some_and(|w| w.strong_count() > 0) {
                    return Err(Errno::EADDRINUSE);
                }
                let mut s = self.lock();
                if s.addr.is_some() {
                    return Err(Errno::EINVAL);
                }
                m.insert(name.clone(), Arc::downgrade(&me));
                s.addr = Some(UnixAddr::Abstract(name));
                Ok(())
            }
            Some(UnixAddr::Path(path)) => {
                let inode = crate::syscalls::socket::make_socket_node(t, &path)?;
                let a = inode.attr()?;
                let key = (a.dev, a.ino);
                let mut s = self.lock();
                if s.addr.is_some() {
                    return Err(Errno::EINVAL);
                }
                lock_map(&PATHS).insert(key, Arc::downgrade(&me));
                s.addr = Some(UnixAddr::Path(path));
                s.bound_inode = Some(inode);
                s.path_key = Some(key);
                Ok(())
            }
        }
    }

    /// Binds to a free 5-hex-digit abstract name, as Linux does.
    fn autobind(&self) -> Result<(), Errno> {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let me = self.arc().ok_or(Errno::EINVAL)?;
        let mut m = lock_map(&ABSTRACT);
        let mut s = self.lock();
        if s.addr.is_some() {
            return Ok(());
        }
        for _ in 0..0x100000 {
            let n = NEXT.fetch_add(1, Ordering::Relaxed) & 0xfffff;
            let name = format!("{n:05x}").into_bytes();
            if m.get(&name).is_some_and(|w| w.strong_count() > 0) {
                continue;
            }
            m.insert(name.clone(), Arc::downgrade(&me));
            s.addr = Some(UnixAddr::Abstract(name));
            return Ok(());
        }
        Err(Errno::ENOSPC)
    }

    /// The socket bound at `addr`: ECONNREFUSED when none is, EPROTOTYPE
    /// for another kind.
    fn lookup(&self, t: &Task, addr: &UnixAddr) -> Result<Arc<UnixSocket>, Errno> {
        let found = match addr {
            UnixAddr::Abstract(n) => lock_map(&ABSTRACT).get(n).and_then(|w| w.upgrade()),
            UnixAddr::Path(p) => {
                let path = t.resolve_at(AT_FDCWD, p, true)?;
                let inode = &path.dentry.inode;
                perm::check_inode(&t.creds, inode.as_ref(), perm::MAY_WRITE)?;
                if inode.file_type() != FileType::Socket {
                    return Err(Errno::ECONNREFUSED);
                }
                let a = inode.attr()?;
                lock_map(&PATHS)
                    .get(&(a.dev, a.ino))
                    .and_then(|w| w.upgrade())
            }
        };
        let s = found.ok_or(Errno::ECONNREFUSED)?;
        if s.lock().released {
            return Err(Errno::ECONNREFUSED);
        }
        if s.kind != self.kind {
            return Err(Errno::EPROTOTYPE);
        }
        Ok(s)
    }

    fn connect_stream(&self, t: &Task, addr: &UnixAddr, nonblock: bool) -> Result<(), Errno> {
        {
            let s = self.lock();
            if s.listening {
                return Err(Errno::EINVAL);
            }
            if s.connected {
                return Err(Errno::EISCONN);
            }
        }
        let target = self.lookup(t, addr)?;
        if self.lock().passcred {
            self.autobind()?;
        }
        let timeout = if nonblock {
            Some(Duration::ZERO)
        } else {
            self.lock().sndtimeo
        };
        loop {
            {
                let mut ts = target.lock();
                if ts.released || !ts.listening {
                    return Err(Errno::ECONNREFUSED);
                }
                if ts.pending.len() <= ts.backlog {
                    let me = self.arc().ok_or(Errno::EINVAL)?;
                    let mut mine = self.lock();
                    if mine.connected {
                        return Err(Errno::EISCONN);
                    }
                    let server = UnixSocket::new(
                        match self.kind {
                            Kind::Stream => SOCK_STREAM,
                            _ => SOCK_SEQPACKET,
                        },
                        target.owner,
                    )?;
                    {
                        let mut ss = server.lock();
                        ss.addr = ts.addr.clone();
                        ss.peer = Some(me);
                        ss.connected = true;
                        ss.peercred = Ucred::effective(t);
                        ss.passcred = ts.passcred;
                    }
                    ts.pending.push_back(server.clone());
                    mine.peer = Some(server);
                    mine.connected = true;
                    mine.peercred = ts.peercred;
                    drop(mine);
                    drop(ts);
                    target.queue.notify((POLLIN | POLLRDNORM) as u32);
                    self.queue.notify_all();
                    return Ok(());
                }
            }
            if timeout == Some(Duration::ZERO) {
                return Err(Errno::EAGAIN);
            }
            self.wait(Some(&target), timeout, || {
                let ts = target.lock();
                ts.released || !ts.listening || ts.pending.len() <= ts.backlog
            })?;
        }
    }

    /// Where a datagram goes: `addr` or the connected peer.
    fn dgram_target(
        &self,
        t: Option<&Task>,
        addr: Option<&[u8]>,
    ) -> Result<Arc<UnixSocket>, Errno> {
        match addr {
            Some(raw) if self.kind == Kind::Dgram => {
                let a = UnixAddr::parse(raw)?.ok_or(Errno::EINVAL)?;
                let t = t.ok_or(Errno::ENOTCONN)?;
                self.lookup(t, &a)
            }
            _ => {
                // Not both locks at once: the peer may be this socket.
                let p = self.lock().peer.clone().ok_or(Errno::ENOTCONN)?;
                if self.kind == Kind::Dgram && p.lock().released {
                    let mut s = self.lock();
                    if s.peer.as_ref().is_some_and(|x| Arc::ptr_eq(x, &p)) {
                        s.peer = None;
                    }
                    return Err(Errno::ECONNREFUSED);
                }
                Ok(p)
            }
        }
    }

    fn send_dgram(&self, t: Option<&Task>, mut msg: SendMsg) -> Result<usize, Errno> {
        if self.kind == Kind::SeqPacket {
            let mut s = self.lock();
            if let Some(e) = s.error.take() {
                return Err(e);
            }
            if !s.connected {
                return Err(Errno::ENOTCONN);
            }
        }
        let target = self.dgram_target(t, msg.addr.as_deref())?;
        if self.kind == Kind::Dgram && self.lock().passcred {
            self.autobind()?;
        }
        let (sndbuf, timeout, from) = {
            let s = self.lock();
            if s.snd_shutdown {
                // No SIGPIPE here: Linux raises it for streams only.
                return Err(Errno::EPIPE);
            }
            (s.sndbuf as usize, s.sndtimeo, s.addr.clone())
        };
        if msg.data.len() > sndbuf.saturating_sub(32) {
            return Err(Errno::EMSGSIZE);
        }
        let timeout = if msg.nonblock {
            Some(Duration::ZERO)
        } else {
            timeout
        };
        let me = self.arc();
        loop {
            {
                let mut ts = target.lock();
                if ts.released {
                    drop(ts);
                    let mut s = self.lock();
                    if s.peer.as_ref().is_some_and(|p| Arc::ptr_eq(p, &target)) {
                        if self.kind == Kind::SeqPacket {
                            return Err(Errno::EPIPE);
                        }
                        s.peer = None;
                    }
                    return Err(Errno::ECONNREFUSED);
                }
                let connected_back = match (&ts.peer, &me) {
                    (Some(p), Some(m)) => Arc::ptr_eq(p, m),
                    _ => false,
                };
                if self.kind == Kind::Dgram && ts.peer.is_some() && !connected_back {
                    return Err(Errno::EPERM);
                }
                if ts.rcv_shutdown {
                    return Err(Errno::EPIPE);
                }
                let full = (!connected_back && ts.rcv.len() > MAX_DGRAM_QLEN)
                    || (!ts.rcv.is_empty() && ts.charge() + msg.data.len() > sndbuf);
                if !full {
                    let n = msg.data.len();
                    ts.rcv_bytes += n;
                    ts.rcv.push_back(Seg {
                        data: std::mem::take(&mut msg.data),
                        off: 0,
                        from,
                        rights: std::mem::take(&mut msg.rights),
                        creds: msg.creds,
                    });
                    drop(ts);
                    target.queue.notify((POLLIN | POLLRDNORM) as u32);
                    return Ok(n);
                }
            }
            if timeout == Some(Duration::ZERO) {
                return Err(Errno::EAGAIN);
            }
            let me2 = me.clone();
            self.wait(Some(&target), timeout, || {
                let ts = target.lock();
                let back = match (&ts.peer, &me2) {
                    (Some(p), Some(m)) => Arc::ptr_eq(p, m),
                    _ => false,
                };
                ts.released
                    || ts.rcv_shutdown
                    || ts.rcv.is_empty()
                    || ((back || ts.rcv.len() <= MAX_DGRAM_QLEN)
                        && ts.charge() + msg.data.len() <= sndbuf)
            })?;
        }
    }

    fn send_stream(&self, msg: SendMsg) -> Result<usize, Errno> {
        let sigpipe = || {
            if msg.flags & MSG_NOSIGNAL == 0 {
                crate::kernel::raise_sigpipe();
            }
            Errno::EPIPE
        };
        let (peer, sndbuf, timeout) = {
            let mut s = self.lock();
            if msg.addr.is_some() {
                return Err(if s.connected {
                    Errno::EISCONN
                } else {
                    Errno::EOPNOTSUPP
                });
            }
            if let Some(e) = s.error.take() {
                return Err(e);
            }
            if s.snd_shutdown {
                drop(s);
                return Err(sigpipe());
            }
            let p = match (&s.peer, s.connected) {
                (Some(p), true) => p.clone(),
                _ => return Err(Errno::ENOTCONN),
            };
            (p, s.sndbuf as usize, s.sndtimeo)
        };
        let timeout = if msg.nonblock {
            Some(Duration::ZERO)
        } else {
            timeout
        };
        let from = self.lock().addr.clone();
        let mut rights = msg.rights;
        let data = msg.data;
        let mut done = 0;
        loop {
            {
                let mut ps = peer.lock();
                if ps.released || ps.rcv_shutdown {
                    drop(ps);
                    if done > 0 {
                        return Ok(done);
                    }
                    return Err(sigpipe());
                }
                let room = sndbuf.saturating_sub(ps.rcv_bytes);
                if room > 0 || (data.is_empty() && done == 0) {
                    let n = room.min(data.len() - done);
                    // An empty send carries nothing, descriptors included (Linux).
                    if n > 0 {
                        ps.rcv_bytes += n;
                        ps.rcv.push_back(Seg {
                            data: data[done..done + n].to_vec(),
                            off: 0,
                            from: from.clone(),
                            rights: std::mem::take(&mut rights),
                            creds: msg.creds,
                        });
                    }
                    done += n;
                    drop(ps);
                    peer.queue.notify((POLLIN | POLLRDNORM) as u32);
                    if done == data.len() {
                        return Ok(done);
                    }
                }
            }
            if timeout == Some(Duration::ZERO) {
                return if done > 0 {
                    Ok(done)
                } else {
                    Err(Errno::EAGAIN)
                };
            }
            let r = self.wait(Some(&peer), timeout, || {
                let room = {
                    let ps = peer.lock();
                    ps.released || ps.rcv_shutdown || ps.rcv_bytes < sndbuf
                };
                room || self.lock().snd_shutdown
            });
            if let Err(e) = r {
                return if done > 0 { Ok(done) } else { Err(e) };
            }
            if self.lock().snd_shutdown {
                return if done > 0 { Ok(done) } else { Err(sigpipe()) };
            }
        }
    }

    /// Takes (or peeks at) queued stream bytes: at most `len`, stopping at
    /// a message with descriptors, and (with SO_PASSCRED) where the sender
    /// changes.
    fn take_stream(s: &mut State, len: usize, peek: bool, out: &mut RecvMsg) {
        let passcred = s.passcred;
        let mut first_creds = None;
        let mut i = 0;
        while out.data.len() < len && i < s.rcv.len() {
            let seg = &mut s.rcv[i];
            if passcred {
                match first_creds {
                    None => first_creds = Some(seg.creds),
                    Some(c) if c != seg.creds => break,
                    _ => {}
                }
            }
            if out.data.is_empty() && out.addr.is_none() {
                out.addr = seg.from.as_ref().map(|a| UnixAddr::to_sockaddr(Some(a)));
            }
            let n = seg.left().min(len - out.data.len());
            out.data.extend_from_slice(&seg.data[seg.off..seg.off + n]);
            let had_rights = !seg.rights.is_empty();
            if peek {
                out.rights.extend(seg.rights.iter().cloned());
                i += 1;
            } else {
                seg.off += n;
                s.rcv_bytes -= n;
                out.rights.append(&mut seg.rights);
                if seg.left() == 0 {
                    s.rcv.pop_front();
                } else if had_rights {
                    break;
                }
            }
            if had_rights {
                break;
            }
        }
        if passcred {
            out.creds = first_creds;
        }
        out.full_len = out.data.len();
    }

    fn recv_stream(&self, len: usize, flags: u32, nonblock: bool) -> Result<RecvMsg, Errno> {
        let peek = flags & MSG_PEEK != 0;
        let target = if flags & MSG_WAITALL != 0 && !peek {
            len
        } else {
            1
        };
        let timeout = if nonblock {
            Some(Duration::ZERO)
        } else {
            self.lock().rcvtimeo
        };
        let mut out = RecvMsg::default();
        loop {
            let mut s = self.lock();
            if s.listening || !s.connected {
                return Err(Errno::EINVAL);
            }
            if len == 0 {
                return Ok(out);
            }
            if !s.rcv.is_empty() {
                let mut part = RecvMsg::default();
                Self::take_stream(&mut s, len - out.data.len(), peek, &mut part);
                drop(s);
                if out.data.is_empty() {
                    out.addr = part.addr;
                    out.creds = part.creds;
                }
                out.data.extend_from_slice(&part.data);
                let stop = !part.rights.is_empty();
                out.rights.extend(part.rights);
                if !peek {
                    self.after_read();
                }
                if out.data.len() >= target || stop || peek {
                    out.full_len = out.data.len();
                    return Ok(out);
                }
                continue;
            }
            if out.data.is_empty() {
                if let Some(e) = s.error.take() {
                    return Err(e);
                }
            }
            if s.rcv_shutdown {
                out.full_len = out.data.len();
                return Ok(out);
            }
            drop(s);
            if timeout == Some(Duration::ZERO) {
                if !out.data.is_empty() {
                    out.full_len = out.data.len();
                    return Ok(out);
                }
                return Err(Errno::EAGAIN);
            }
            if let Err(e) = self.wait(None, timeout, || {
                let s = self.lock();
                !s.rcv.is_empty() || s.rcv_shutdown || s.error.is_some()
            }) {
                if !out.data.is_empty() {
                    out.full_len = out.data.len();
                    return Ok(out);
                }
                return Err(e);
            }
        }
    }

    fn recv_dgram(&self, len: usize, flags: u32, nonblock: bool) -> Result<RecvMsg, Errno> {
        let peek = flags & MSG_PEEK != 0;
        let timeout = if nonblock {
            Some(Duration::ZERO)
        } else {
            self.lock().rcvtimeo
        };
        loop {
            {
                let mut s = self.lock();
                if self.kind == Kind::SeqPacket && !s.connected {
                    return Err(if s.listening {
                        Errno::EINVAL
                    } else {
                        Errno::ENOTCONN
                    });
                }
                let passcred = s.passcred;
                if let Some(seg) = s.rcv.front_mut() {
                    let mut out = RecvMsg {
                        full_len: seg.data.len(),
                        addr: seg.from.as_ref().map(|a| UnixAddr::to_sockaddr(Some(a))),
                        creds: passcred.then_some(seg.creds),
                        ..RecvMsg::default()
                    };
                    let n = len.min(seg.data.len());
                    out.data = seg.data[..n].to_vec();
                    if n < seg.data.len() {
                        out.flags |= MSG_TRUNC;
                    }
                    if peek {
                        out.rights = seg.rights.clone();
                        return Ok(out);
                    }
                    if let Some(seg) = s.rcv.pop_front() {
                        s.rcv_bytes -= seg.data.len();
                        out.rights = seg.rights;
                    }
                    drop(s);
                    self.after_read();
                    return Ok(out);
                }
                if let Some(e) = s.error.take() {
                    return Err(e);
                }
                if s.rcv_shutdown {
                    return Ok(RecvMsg::default());
                }
            }
            if timeout == Some(Duration::ZERO) {
                return Err(Errno::EAGAIN);
            }
            self.wait(None, timeout, || {
                let s = self.lock();
                !s.rcv.is_empty() || s.rcv_shutdown || s.error.is_some()
            })?;
        }
    }

    /// Room came back in our queue: wake our waiters and our peer's.
    fn after_read(&self) {
        let peer = self.lock().peer.clone();
        self.queue.notify_all();
        if let Some(p) = peer {
            p.queue.notify((POLLOUT | POLLWRNORM | POLLWRBAND) as u32);
        }
    }

    fn readiness(&self) -> i16 {
        let s = self.lock();
        let mut r = 0;
        if s.error.is_some() {
            r |= POLLERR;
        }
        if s.listening {
            if !s.pending.is_empty() {
                r |= POLLIN | POLLRDNORM;
            }
            return r;
        }
        if s.rcv_shutdown && s.snd_shutdown {
            r |= POLLHUP;
        }
        if s.rcv_shutdown {
            r |= POLLRDHUP | POLLIN | POLLRDNORM;
        }
        if !s.rcv.is_empty() {
            r |= POLLIN | POLLRDNORM;
        }
        if self.kind.connection() && !s.connected {
            r |= POLLHUP;
        }
        let peer = s.peer.clone();
        let sndbuf = s.sndbuf as usize;
        drop(s);
        let writable = match peer {
            Some(p) => {
                let ps = p.lock();
                let back = ps.peer.as_ref().is_some_and(|x| std::ptr::eq(&**x, self));
                match self.kind {
                    Kind::Stream => ps.rcv_bytes * 4 <= sndbuf,
                    _ if ps.released => true,
                    Kind::Dgram if !back => ps.rcv.len() <= MAX_DGRAM_QLEN,
                    _ => ps.rcv.is_empty() || ps.charge() * 4 <= sndbuf,
                }
            }
            None => true,
        };
        if writable {
            r |= POLLOUT | POLLWRNORM | POLLWRBAND;
        }
        r
    }
}

impl SocketOps for UnixSocket {
    fn family(&self) -> i32 {
        AF_UNIX
    }

    fn sock_type(&self) -> i32 {
        match self.kind {
            Kind::Stream => SOCK_STREAM,
            Kind::Dgram => SOCK_DGRAM,
            Kind::SeqPacket => SOCK_SEQPACKET,
        }
    }

    fn bind(&self, t: &Task, addr: &[u8]) -> Result<(), Errno> {
        let a = UnixAddr::parse(addr)?;
        self.bind_addr(t, a)
    }

    fn listen(&self, t: &Task, backlog: i32) -> Result<(), Errno> {
        if self.kind == Kind::Dgram {
            return Err(Errno::EOPNOTSUPP);
        }
        let mut s = self.lock();
        if s.addr.is_none() || s.connected {
            return Err(Errno::EINVAL);
        }
        let b = (backlog as u32).min(SOMAXCONN) as usize;
        s.listening = true;
        s.backlog = b;
        s.peercred = Ucred::effective(t);
        drop(s);
        self.queue.notify_all();
        Ok(())
    }

    fn accept(&self, nonblock: bool) -> Result<(Arc<dyn SocketOps>, Vec<u8>), Errno> {
        if self.kind == Kind::Dgram {
            return Err(Errno::EOPNOTSUPP);
        }
        let timeout = if nonblock {
            Some(Duration::ZERO)
        } else {
            self.lock().rcvtimeo
        };
        loop {
            {
                let mut s = self.lock();
                if !s.listening {
                    return Err(Errno::EINVAL);
                }
                if let Some(c) = s.pending.pop_front() {
                    drop(s);
                    // Room in the backlog: wake blocked connecters.
                    self.queue.notify_all();
                    let peer_addr = {
                        let cs = c.lock();
                        cs.peer
                            .as_ref()
                            .map(|p| p.lock().addr.clone())
                            .unwrap_or(None)
                    };
                    return Ok((c, UnixAddr::to_sockaddr(peer_addr.as_ref())));
                }
            }
            if timeout == Some(Duration::ZERO) {
                return Err(Errno::EAGAIN);
            }
            self.wait(None, timeout, || {
                let s = self.lock();
                !s.pending.is_empty() || !s.listening
            })?;
        }
    }

    fn connect(&self, t: &Task, addr: &[u8], nonblock: bool) -> Result<(), Errno> {
        if self.kind == Kind::Dgram {
            if addr.len() >= 2 && u16::from_ne_bytes([addr[0], addr[1]]) == AF_UNSPEC as u16 {
                self.lock().peer = None;
                self.queue.notify_all();
                return Ok(());
            }
            let a = UnixAddr::parse(addr)?.ok_or(Errno::EINVAL)?;
            let target = self.lookup(t, &a)?;
            if self.lock().passcred {
                self.autobind()?;
            }
            let me = self.arc().ok_or(Errno::EINVAL)?;
            {
                let ts = target.lock();
                if ts.peer.as_ref().is_some_and(|p| !Arc::ptr_eq(p, &me)) {
                    return Err(Errno::EPERM);
                }
            }
            let mut s = self.lock();
            s.peer = Some(target);
            s.peercred = Ucred::NONE;
            drop(s);
            self.queue.notify_all();
            return Ok(());
        }
        let a = UnixAddr::parse(addr)?.ok_or(Errno::EINVAL)?;
        self.connect_stream(t, &a, nonblock)
    }

    fn sendmsg(&self, t: Option<&Task>, msg: SendMsg) -> Result<usize, Errno> {
        match self.kind {
            Kind::Stream => self.send_stream(msg),
            _ => self.send_dgram(t, msg),
        }
    }

    fn recvmsg(&self, len: usize, flags: u32, nonblock: bool) -> Result<RecvMsg, Errno> {
        let nonblock = nonblock || flags & MSG_DONTWAIT != 0;
        if flags & MSG_OOB != 0 {
            return Err(Errno::EOPNOTSUPP);
        }
        match self.kind {
            Kind::Stream => self.recv_stream(len, flags, nonblock),
            _ => self.recv_dgram(len, flags, nonblock),
        }
    }

    fn shutdown(&self, how: i32) -> Result<(), Errno> {
        let (rd, wr) = match how {
            0 => (true, false),
            1 => (false, true),
            2 => (true, true),
            _ => return Err(Errno::EINVAL),
        };
        let peer = {
            let mut s = self.lock();
            s.rcv_shutdown |= rd;
            s.snd_shutdown |= wr;
            if self.kind.connection() {
                s.peer.clone()
            } else {
                None
            }
        };
        self.queue.notify_all();
        if let Some(p) = peer {
            let mut ps = p.lock();
            ps.snd_shutdown |= rd;
            ps.rcv_shutdown |= wr;
            drop(ps);
            p.queue.notify_all();
        }
        Ok(())
    }

    fn getsockname(&self) -> Vec<u8> {
        UnixAddr::to_sockaddr(self.lock().addr.as_ref())
    }

    /// Linux's unix_seq_show: the kernel address is hidden (zeros, as for
    /// an unprivileged reader), flags carry __SO_ACCEPTCON for a listener,
    /// the state is SS_UNCONNECTED (1) or SS_CONNECTED (3), and an abstract
    /// name is shown with '@' for its leading NUL.
    fn proc_net_line(&self, ino: u64) -> Option<(&'static str, String)> {
        const SO_ACCEPTCON: u32 = 1 << 16;
        let s = self.lock();
        let flags = if s.listening { SO_ACCEPTCON } else { 0 };
        let state = if s.connected { 3 } else { 1 };
        let name = match &s.addr {
            Some(UnixAddr::Path(p)) => format!(" {}", String::from_utf8_lossy(p)),
            Some(UnixAddr::Abstract(a)) => format!(" @{}", String::from_utf8_lossy(a)),
            None => String::new(),
        };
        Some((
            "unix",
            format!(
                "0000000000000000: 00000002 00000000 {flags:08X} {:04X} {state:02X} {ino:5}{name}\n",
                self.sock_type()
            ),
        ))
    }

    fn getpeername(&self) -> Result<Vec<u8>, Errno> {
        let s = self.lock();
        if self.kind.connection() && !s.connected {
            return Err(Errno::ENOTCONN);
        }
        let p = s.peer.clone().ok_or(Errno::ENOTCONN)?;
        drop(s);
        let a = p.lock().addr.clone();
        Ok(UnixAddr::to_sockaddr(a.as_ref()))
    }

    fn getsockopt(&self, level: i32, name: i32) -> Result<Vec<u8>, Errno> {
        if level != SOL_SOCKET {
            return Err(Errno::EOPNOTSUPP);
        }
        let int = |v: i32| Ok(v.to_ne_bytes().to_vec());
        let mut s = self.lock();
        match name {
            SO_TYPE => int(self.sock_type()),
            SO_DOMAIN => int(AF_UNIX),
            SO_PROTOCOL => int(0),
            SO_ERROR => int(s.error.take().map_or(0, |e| e.code())),
            SO_SNDBUF => int(s.sndbuf as i32),
            SO_RCVBUF => int(s.rcvbuf as i32),
            SO_PASSCRED => int(s.passcred as i32),
            SO_REUSEADDR => int(s.reuseaddr as i32),
            SO_ACCEPTCONN => int(s.listening as i32),
            SO_KEEPALIVE | SO_BROADCAST | SO_DEBUG | SO_DONTROUTE | SO_OOBINLINE | SO_REUSEPORT
            | SO_PRIORITY | SO_SNDLOWAT => int(0),
            SO_RCVLOWAT => int(1),
            SO_LINGER => {
                let mut v = s.linger.0.to_ne_bytes().to_vec();
                v.extend_from_slice(&s.linger.1.to_ne_bytes());
                Ok(v)
            }
            SO_RCVTIMEO => Ok(timeval_bytes(s.rcvtimeo)),
            SO_SNDTIMEO => Ok(timeval_bytes(s.sndtimeo)),
            SO_PEERCRED => {
                let c = if self.kind.connection() && !s.connected && !s.listening {
                    Ucred::NONE
                } else {
                    s.peercred
                };
                Ok(c.to_bytes().to_vec())
            }
            _ => Err(Errno::ENOPROTOOPT),
        }
    }

    fn setsockopt(&self, t: &Task, level: i32, name: i32, val: &[u8]) -> Result<(), Errno> {
        if level != SOL_SOCKET {
            return Err(Errno::EOPNOTSUPP);
        }
        let privileged = t.creds.has_cap(CAP_NET_ADMIN);
        let mut s = self.lock();
        match name {
            SO_SNDBUF | SO_SNDBUFFORCE => {
                if name == SO_SNDBUFFORCE && !privileged {
                    return Err(Errno::EPERM);
                }
                let v = opt_int(val)?;
                let v = if name == SO_SNDBUF {
                    (v as u32).min(BUF_MAX)
                } else {
                    v.max(0) as u32
                };
                s.sndbuf = v.saturating_mul(2).max(SNDBUF_MIN);
            }
            SO_RCVBUF | SO_RCVBUFFORCE => {
                if name == SO_RCVBUFFORCE && !privileged {
                    return Err(Errno::EPERM);
                }
                let v = opt_int(val)?;
                let v = if name == SO_RCVBUF {
                    (v as u32).min(BUF_MAX)
                } else {
                    v.max(0) as u32
                };
                s.rcvbuf = v.saturating_mul(2).max(RCVBUF_MIN);
            }
            SO_PASSCRED => s.passcred = opt_int(val)? != 0,
            SO_REUSEADDR => s.reuseaddr = opt_int(val)? != 0,
            SO_KEEPALIVE | SO_BROADCAST | SO_DEBUG | SO_DONTROUTE | SO_OOBINLINE | SO_REUSEPORT
            | SO_PRIORITY => {
                opt_int(val)?;
            }
            SO_LINGER => {
                if val.len() < 8 {
                    return Err(Errno::EINVAL);
                }
                let on = opt_int(&val[0..4])?;
                let secs = opt_int(&val[4..8])?;
                s.linger = ((on != 0) as i32, if on != 0 { secs } else { s.linger.1 });
            }
            SO_RCVTIMEO => s.rcvtimeo = parse_timeval(val)?,
            SO_SNDTIMEO => s.sndtimeo = parse_timeval(val)?,
            SO_TYPE | SO_DOMAIN | SO_PROTOCOL | SO_ERROR | SO_PEERCRED | SO_ACCEPTCONN => {
                return Err(Errno::ENOPROTOOPT)
            }
            _ => return Err(Errno::ENOPROTOOPT),
        }
        drop(s);
        self.queue.notify_all();
        Ok(())
    }

    fn poll(&self, _events: i16) -> i16 {
        self.readiness()
    }

    fn poll_register(&self, waker: &Arc<dyn Waker>, mask: u32) {
        self.queue.add(waker, mask);
        // Room in the peer's queue makes us writable.
        if mask & (POLLOUT | POLLWRNORM | POLLWRBAND) as u32 != 0 {
            if let Some(p) = self.lock().peer.clone() {
                p.queue.add(waker, mask);
            }
        }
    }

    fn queued(&self, out: bool) -> Result<usize, Errno> {
        let s = self.lock();
        if s.listening {
            return Err(Errno::EINVAL);
        }
        if out {
            let peer = s.peer.clone();
            drop(s);
            return Ok(match peer {
                Some(p) if self.kind == Kind::Stream => p.lock().rcv_bytes,
                _ => 0,
            });
        }
        Ok(match self.kind {
            Kind::Dgram => s.rcv.front().map_or(0, |m| m.data.len()),
            _ => s.rcv_bytes,
        })
    }

    fn release(&self) {
        self.release_as(false);
    }

    fn owner_creds(&self) -> Ucred {
        self.owner
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl UnixSocket {
    /// Closes the socket; an `embryo` (a connection never accepted) resets
    /// its client.
    fn release_as(&self, embryo: bool) {
        let (peer, pending, queue) = {
            let mut s = self.lock();
            s.released = true;
            s.listening = false;
            if let Some(key) = s.path_key.take() {
                let mut m = lock_map(&PATHS);
                if m.get(&key).is_some_and(|w| std::ptr::eq(w.as_ptr(), self)) {
                    m.remove(&key);
                }
            }
            if let Some(UnixAddr::Abstract(n)) = &s.addr {
                let mut m = lock_map(&ABSTRACT);
                if m.get(n).is_some_and(|w| std::ptr::eq(w.as_ptr(), self)) {
                    m.remove(n);
                }
            }
            s.bound_inode = None;
            let had_data = !s.rcv.is_empty();
            let q = std::mem::take(&mut s.rcv);
            s.rcv_bytes = 0;
            let p = s.peer.take();
            (p.map(|p| (p, had_data)), std::mem::take(&mut s.pending), q)
        };
        self.queue.notify_all();
        if let Some((p, had_data)) = peer {
            if self.kind.connection() {
                let mut ps = p.lock();
                if ps.peer.as_ref().is_some_and(|x| std::ptr::eq(&**x, self)) {
                    ps.rcv_shutdown = true;
                    ps.snd_shutdown = true;
                    if had_data || embryo {
                        ps.error = Some(Errno::ECONNRESET);
                    }
                }
                drop(ps);
            }
            p.queue.notify_all();
        }
        // Connections nobody accepted go, hanging up their clients.
        for c in pending {
            c.release_as(true);
        }
        // Descriptors in flight close outside our lock.
        drop(queue);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip() {
        let mut raw = (AF_UNIX as u16).to_ne_bytes().to_vec();
        raw.extend_from_slice(b"/tmp/s\0junk");
        let a = UnixAddr::parse(&raw).unwrap().unwrap();
        assert_eq!(a, UnixAddr::Path(b"/tmp/s".to_vec()));
        assert_eq!(UnixAddr::to_sockaddr(Some(&a)).len(), 2 + 7);
        let mut ab = (AF_UNIX as u16).to_ne_bytes().to_vec();
        ab.extend_from_slice(b"\0x\0y");
        let a = UnixAddr::parse(&ab).unwrap().unwrap();
        assert_eq!(a, UnixAddr::Abstract(b"x\0y".to_vec()));
        assert_eq!(UnixAddr::to_sockaddr(Some(&a)), ab);
        assert_eq!(UnixAddr::parse(&ab[..2]).unwrap(), None);
        assert_eq!(UnixAddr::parse(&ab[..1]), Err(Errno::EINVAL));
    }

    #[test]
    fn socketpair_carries_bytes_and_eof() {
        let c = Ucred {
            pid: 1,
            uid: 0,
            gid: 0,
        };
        let (a, b) = UnixSocket::pair(SOCK_STREAM, c).unwrap();
        let m = SendMsg {
            data: b"hello".to_vec(),
            addr: None,
            rights: Vec::new(),
            creds: c,
            flags: 0,
            nonblock: true,
        };
        assert_eq!(a.sendmsg(None, m).unwrap(), 5);
        assert_eq!(b.queued(false), Ok(5));
        let r = b.recvmsg(3, 0, true).unwrap();
        assert_eq!(r.data, b"hel");
        a.release();
        let r = b.recvmsg(10, 0, true).unwrap();
        assert_eq!(r.data, b"lo");
        assert_eq!(b.recvmsg(10, 0, true).unwrap().data.len(), 0);
        assert_ne!(b.poll(0) & POLLHUP, 0);
    }
}
