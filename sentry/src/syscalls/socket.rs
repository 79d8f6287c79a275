//! The socket syscalls: they find the socket behind a descriptor
//! (`net::socket_of`), move addresses, data and control messages between
//! application memory and the socket's `SocketOps`. Only AF_UNIX sockets
//! exist; every other family is EAFNOSUPPORT until the network stack.

use std::sync::Arc;
use std::time::{Duration, Instant};

use syscalls::consts::*;
use syscalls::types::{Iovec, Timespec};
use syscalls::Errno;

use super::file::nofile_limit;
use super::{fd_arg, SysResult};
use crate::kernel::task_caps::{CAP_SETGID, CAP_SETUID};
use crate::kernel::Task;
use crate::net::unix::UnixSocket;
use crate::net::*;
use crate::vfs::{File, FileType, InodeRef};

/// Largest sockaddr the kernel copies in (sizeof(struct sockaddr_storage)).
const SOCKADDR_MAX: u32 = 128;
/// Most iovecs in one message (UIO_MAXIOV).
const UIO_MAXIOV: u64 = 1024;
/// Socket types run below this (SOCK_MAX).
const SOCK_MAX: i32 = 11;
/// Most bytes one send gathers (a stream send is then partial).
const SEND_MAX: usize = 16 << 20;
/// Most bytes one receive takes.
const RECV_MAX: usize = 16 << 20;
/// Largest option value read in.
const OPT_MAX: u32 = 256;
/// sizeof(struct msghdr) and of struct mmsghdr.
const MSGHDR_LEN: u64 = 56;
const MMSGHDR_LEN: u64 = 64;
/// sizeof(struct cmsghdr).
const CMSG_HDR: usize = 16;

fn cmsg_align(n: usize) -> usize {
    n.div_ceil(8) * 8
}

/// The socket behind `fd`: EBADF, or ENOTSOCK for another file.
fn sock_of(t: &Task, fd: u64) -> Result<(Arc<File>, Arc<dyn SocketOps>), Errno> {
    let f = t.files.get(fd_arg(fd))?;
    if f.is_path_only() {
        return Err(Errno::EBADF);
    }
    let s = socket_of(&f).ok_or(Errno::ENOTSOCK)?.clone();
    Ok((f, s))
}

/// A socket inode named `path` for a binding (what mknod(S_IFSOCK) makes):
/// EADDRINUSE if the name exists.
pub(crate) fn make_socket_node(t: &Task, path: &[u8]) -> Result<InodeRef, Errno> {
    let parent = match super::dir::new_name_parent(t, AT_FDCWD, path) {
        Err(e) if e == Errno::EEXIST => return Err(Errno::EADDRINUSE),
        r => r?,
    };
    let mode = 0o777 & !t.fs.umask();
    let (owner, perm) = super::dir::create_owner(t, &parent.dir, mode, false)?;
    let name = parent.name.as_slice();
    let inode = match parent
        .dir
        .dentry
        .inode
        .mknod(name, FileType::Socket, perm, owner)
    {
        Err(e) if e == Errno::EEXIST => return Err(Errno::EADDRINUSE),
        r => r?,
    };
    parent.dir.dentry.insert(name, inode.clone());
    Ok(inode)
}

/// A new socket of `domain`/`ty` (type without the flags).
fn new_socket(t: &Task, domain: i32, ty: i32, protocol: i32) -> Result<Arc<dyn SocketOps>, Errno> {
    match domain {
        AF_UNIX => {
            if protocol != 0 && protocol != AF_UNIX {
                return Err(Errno::EPROTONOSUPPORT);
            }
            Ok(UnixSocket::new(ty, Ucred::of(t))?)
        }
        _ => Err(Errno::EAFNOSUPPORT.with_msg("only AF_UNIX sockets until the network stack")),
    }
}

fn split_type(ty: i32) -> Result<(i32, bool, bool), Errno> {
    if ty & !(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    if ty & SOCK_TYPE_MASK >= SOCK_MAX {
        return Err(Errno::EINVAL);
    }
    Ok((
        ty & SOCK_TYPE_MASK,
        ty & SOCK_NONBLOCK != 0,
        ty & SOCK_CLOEXEC != 0,
    ))
}

pub fn socket(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (domain, ty, protocol) = (a[0] as i32, a[1] as i32, a[2] as i32);
    let (ty, nonblock, cloexec) = split_type(ty)?;
    let s = new_socket(t, domain, ty, protocol)?;
    let f = new_socket_file(t, s, nonblock);
    Ok(t.files.alloc(f, cloexec, 0, nofile_limit(t))? as u64)
}

pub fn socketpair(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (domain, ty, protocol) = (a[0] as i32, a[1] as i32, a[2] as i32);
    let (ty, nonblock, cloexec) = split_type(ty)?;
    if domain != AF_UNIX {
        return Err(Errno::EAFNOSUPPORT.with_msg("only AF_UNIX sockets until the network stack"));
    }
    if protocol != 0 && protocol != AF_UNIX {
        return Err(Errno::EPROTONOSUPPORT);
    }
    let (x, y) = UnixSocket::pair(ty, Ucred::effective(t))?;
    let fx = new_socket_file(t, x, nonblock);
    let fy = new_socket_file(t, y, nonblock);
    let limit = nofile_limit(t);
    let a0 = t.files.alloc(fx, cloexec, 0, limit)?;
    let a1 = match t.files.alloc(fy, cloexec, 0, limit) {
        Ok(fd) => fd,
        Err(e) => {
            let _ = t.files.close(a0);
            return Err(e);
        }
    };
    let mut sv = [0u8; 8];
    sv[..4].copy_from_slice(&a0.to_ne_bytes());
    sv[4..].copy_from_slice(&a1.to_ne_bytes());
    if let Err(e) = t.mm().copy_out(a[3], &sv) {
        let _ = t.files.close(a0);
        let _ = t.files.close(a1);
        return Err(e);
    }
    Ok(0)
}

/// A sockaddr argument: EINVAL for a bad length.
fn read_addr(t: &Task, addr: u64, len: u64) -> Result<Vec<u8>, Errno> {
    let len = len as u32;
    if len > SOCKADDR_MAX || (len as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    let mut v = vec![0u8; len as usize];
    if len > 0 {
        t.mm().copy_in(addr, &mut v)?;
    }
    Ok(v)
}

/// Stores a sockaddr result: as much as `*len_ptr` allows, and the real
/// length in `*len_ptr`.
fn put_addr(t: &Task, addr: u64, len_ptr: u64, raw: &[u8]) -> Result<(), Errno> {
    if addr == 0 {
        return Ok(());
    }
    let len: i32 = t.mm().read_obj(len_ptr)?;
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    let n = (len as usize).min(raw.len());
    t.mm().copy_out(addr, &raw[..n])?;
    t.mm().write_obj(len_ptr, &(raw.len() as i32))?;
    Ok(())
}

pub fn bind(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (_, s) = sock_of(t, a[0])?;
    let addr = read_addr(t, a[1], a[2])?;
    s.bind(t, &addr)?;
    Ok(0)
}

pub fn listen(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (_, s) = sock_of(t, a[0])?;
    s.listen(t, a[1] as i32)?;
    Ok(0)
}

fn do_accept(t: &Task, a: &[u64; 6], flags: i32) -> SysResult {
    if flags & !(SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    let (f, s) = sock_of(t, a[0])?;
    if a[1] != 0 {
        let len: i32 = t.mm().read_obj(a[2])?;
        if len < 0 {
            return Err(Errno::EINVAL);
        }
    }
    let (new, peer) = s.accept(f.flags() & O_NONBLOCK != 0)?;
    let nf = new_socket_file(t, new, flags & SOCK_NONBLOCK != 0);
    put_addr(t, a[1], a[2], &peer)?;
    Ok(t.files
        .alloc(nf, flags & SOCK_CLOEXEC != 0, 0, nofile_limit(t))? as u64)
}

pub fn accept(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_accept(t, a, 0)
}

pub fn accept4(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_accept(t, a, a[3] as i32)
}

pub fn connect(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (f, s) = sock_of(t, a[0])?;
    let addr = read_addr(t, a[1], a[2])?;
    s.connect(t, &addr, f.flags() & O_NONBLOCK != 0)?;
    Ok(0)
}

pub fn shutdown(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (_, s) = sock_of(t, a[0])?;
    s.shutdown(a[1] as i32)?;
    Ok(0)
}

pub fn getsockname(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (_, s) = sock_of(t, a[0])?;
    let raw = s.getsockname();
    put_addr(t, a[1], a[2], &raw)?;
    Ok(0)
}

pub fn getpeername(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (_, s) = sock_of(t, a[0])?;
    let raw = s.getpeername()?;
    put_addr(t, a[1], a[2], &raw)?;
    Ok(0)
}

pub fn getsockopt(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (_, s) = sock_of(t, a[0])?;
    let len: i32 = t.mm().read_obj(a[4])?;
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    let v = s.getsockopt(a[1] as i32, a[2] as i32)?;
    let n = (len as usize).min(v.len());
    t.mm().copy_out(a[3], &v[..n])?;
    t.mm().write_obj(a[4], &(n as i32))?;
    Ok(0)
}

pub fn setsockopt(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (_, s) = sock_of(t, a[0])?;
    let len = a[4] as u32;
    if (len as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    let mut v = vec![0u8; len.min(OPT_MAX) as usize];
    t.mm().copy_in(a[3], &mut v)?;
    s.setsockopt(t, a[1] as i32, a[2] as i32, &v)?;
    Ok(0)
}

fn read_iovecs(t: &Task, addr: u64, cnt: u64) -> Result<Vec<Iovec>, Errno> {
    super::file::read_iovecs_or(t, addr, cnt, Errno::EMSGSIZE)
}

/// Application bytes of `iovs`, up to SEND_MAX.
fn gather(t: &Task, iovs: &[Iovec]) -> Result<Vec<u8>, Errno> {
    let mut data = Vec::new();
    for iov in iovs {
        let n = (iov.len as usize).min(SEND_MAX - data.len());
        if n == 0 {
            continue;
        }
        let at = data.len();
        data.resize(at + n, 0);
        t.mm().copy_in(iov.base, &mut data[at..])?;
        if data.len() == SEND_MAX {
            break;
        }
    }
    Ok(data)
}

fn scatter(t: &Task, iovs: &[Iovec], data: &[u8]) -> Result<(), Errno> {
    let mut done = 0;
    for iov in iovs {
        if done == data.len() {
            break;
        }
        let n = (iov.len as usize).min(data.len() - done);
        t.mm().copy_out(iov.base, &data[done..done + n])?;
        done += n;
    }
    Ok(())
}

fn iov_total(iovs: &[Iovec]) -> usize {
    iovs.iter()
        .map(|i| i.len as usize)
        .fold(0usize, |a, b| a.saturating_add(b))
        .min(RECV_MAX)
}

/// The control messages of a send: SCM_RIGHTS files and checked
/// SCM_CREDENTIALS.
fn parse_control(t: &Task, ctl: &[u8]) -> Result<(Vec<Arc<File>>, Option<Ucred>), Errno> {
    let mut rights = Vec::new();
    let mut creds = None;
    let mut off = 0;
    while off + CMSG_HDR <= ctl.len() {
        let word = |i: usize| -> [u8; 4] {
            let mut b = [0u8; 4];
            b.copy_from_slice(&ctl[i..i + 4]);
            b
        };
        let mut lb = [0u8; 8];
        lb.copy_from_slice(&ctl[off..off + 8]);
        let len = u64::from_ne_bytes(lb) as usize;
        let level = i32::from_ne_bytes(word(off + 8));
        let ty = i32::from_ne_bytes(word(off + 12));
        if len < CMSG_HDR || len > ctl.len() - off {
            return Err(Errno::EINVAL);
        }
        let data = &ctl[off + CMSG_HDR..off + len];
        if level != SOL_SOCKET {
            // Not the socket layer's: Linux skips it.
            off += cmsg_align(len);
            continue;
        }
        match (level, ty) {
            (SOL_SOCKET, SCM_RIGHTS) => {
                let n = data.len() / 4;
                if n + rights.len() > SCM_MAX_FD {
                    return Err(Errno::EINVAL);
                }
                for i in 0..n {
                    let fd = i32::from_ne_bytes(word(off + CMSG_HDR + i * 4));
                    rights.push(t.files.get(fd)?);
                }
            }
            (SOL_SOCKET, SCM_CREDENTIALS) => {
                if data.len() != 12 {
                    return Err(Errno::EINVAL);
                }
                let c = Ucred::from_bytes(data).ok_or(Errno::EINVAL)?;
                let cr = &t.creds;
                let pid_ok = c.pid == t.tg.pid || cr.has_cap(CAP_SYS_ADMIN);
                let uid_ok = [cr.uid, cr.euid, cr.suid].contains(&c.uid) || cr.has_cap(CAP_SETUID);
                let gid_ok = [cr.gid, cr.egid, cr.sgid].contains(&c.gid) || cr.has_cap(CAP_SETGID);
                if !(pid_ok && uid_ok && gid_ok) {
                    return Err(Errno::EPERM);
                }
                creds = Some(c);
            }
            _ => return Err(Errno::EINVAL),
        }
        off += cmsg_align(len);
    }
    Ok((rights, creds))
}

/// One sendmsg from a msghdr at `hdr`.
fn send_one(t: &Task, f: &File, s: &Arc<dyn SocketOps>, hdr: u64, flags: u32) -> SysResult {
    let mut h = [0u8; MSGHDR_LEN as usize];
    t.mm().copy_in(hdr, &mut h)?;
    let u64at = |i: usize| u64::from_ne_bytes(h[i..i + 8].try_into().unwrap_or([0; 8]));
    let (name, namelen) = (u64at(0), u64at(8) as u32);
    let (iov, iovlen) = (u64at(16), u64at(24));
    let (control, controllen) = (u64at(32), u64at(40));
    let iovs = read_iovecs(t, iov, iovlen)?;
    let addr = if name != 0 && namelen != 0 {
        Some(read_addr(t, name, namelen as u64)?)
    } else {
        None
    };
    let (rights, creds) = if controllen > 0 {
        if controllen > i32::MAX as u64 {
            return Err(Errno::ENOBUFS);
        }
        if (controllen as usize) < CMSG_HDR {
            return Err(Errno::EINVAL);
        }
        let mut ctl = vec![0u8; (controllen as usize).min(64 << 10)];
        t.mm().copy_in(control, &mut ctl)?;
        parse_control(t, &ctl)?
    } else {
        (Vec::new(), None)
    };
    let data = gather(t, &iovs)?;
    do_send(t, f, s, data, addr, rights, creds, flags)
}

#[allow(clippy::too_many_arguments)]
fn do_send(
    t: &Task,
    f: &File,
    s: &Arc<dyn SocketOps>,
    data: Vec<u8>,
    addr: Option<Vec<u8>>,
    rights: Vec<Arc<File>>,
    creds: Option<Ucred>,
    flags: u32,
) -> SysResult {
    if flags & MSG_OOB != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    let msg = SendMsg {
        data,
        addr,
        rights,
        creds: creds.unwrap_or_else(|| Ucred::of(t)),
        flags,
        nonblock: f.flags() & O_NONBLOCK != 0 || flags & MSG_DONTWAIT != 0,
    };
    Ok(s.sendmsg(Some(t), msg)? as u64)
}

/// Writes the control messages of a receive into the buffer at `ctl` of
/// `cap` bytes; returns (bytes used, msg_flags to add).
fn put_control(
    t: &Task,
    ctl: u64,
    cap: usize,
    m: &mut RecvMsg,
    cloexec: bool,
) -> Result<(usize, u32), Errno> {
    let mut buf = Vec::new();
    let mut flags = 0;
    let cap = if ctl == 0 { 0 } else { cap };
    let header = |buf: &mut Vec<u8>, len: usize, ty: i32| {
        buf.extend_from_slice(&(len as u64).to_ne_bytes());
        buf.extend_from_slice(&SOL_SOCKET.to_ne_bytes());
        buf.extend_from_slice(&ty.to_ne_bytes());
    };
    if let Some(c) = m.creds {
        let left = cap - buf.len();
        if left < CMSG_HDR {
            flags |= MSG_CTRUNC;
        } else {
            let full = CMSG_HDR + 12;
            let len = full.min(left);
            if len < full {
                flags |= MSG_CTRUNC;
            }
            let mut one = Vec::new();
            header(&mut one, len, SCM_CREDENTIALS);
            one.extend_from_slice(&c.to_bytes());
            one.truncate(len);
            buf.extend_from_slice(&one);
            buf.resize(cmsg_align(buf.len()), 0);
            buf.truncate(cap);
        }
    }
    if !m.rights.is_empty() {
        let left = cap - buf.len();
        let fdmax = if left > CMSG_HDR {
            (left - CMSG_HDR) / 4
        } else {
            0
        };
        let limit = nofile_limit(t);
        let total = m.rights.len();
        let mut fds = Vec::new();
        for f in std::mem::take(&mut m.rights).into_iter().take(fdmax) {
            match t.files.alloc(f, cloexec, 0, limit) {
                Ok(fd) => fds.push(fd),
                Err(_) => break,
            }
        }
        if fds.len() < total {
            flags |= MSG_CTRUNC;
        }
        m.rights.clear();
        if !fds.is_empty() {
            header(&mut buf, CMSG_HDR + 4 * fds.len(), SCM_RIGHTS);
            for fd in &fds {
                buf.extend_from_slice(&fd.to_ne_bytes());
            }
            let padded = cmsg_align(buf.len());
            buf.resize(padded.min(cap), 0);
        }
    }
    if !buf.is_empty() {
        t.mm().copy_out(ctl, &buf)?;
    }
    Ok((buf.len(), flags))
}

/// One recvmsg into the msghdr at `hdr`: the byte count returned.
fn recv_one(t: &Task, f: &File, s: &Arc<dyn SocketOps>, hdr: u64, flags: u32) -> SysResult {
    let mut h = [0u8; MSGHDR_LEN as usize];
    t.mm().copy_in(hdr, &mut h)?;
    let u64at = |i: usize| u64::from_ne_bytes(h[i..i + 8].try_into().unwrap_or([0; 8]));
    let (name, namelen) = (u64at(0), u64at(8) as u32 as i32);
    let (iov, iovlen) = (u64at(16), u64at(24));
    let (control, controllen) = (u64at(32), u64at(40));
    let iovs = read_iovecs(t, iov, iovlen)?;
    if name != 0 && namelen < 0 {
        return Err(Errno::EINVAL);
    }
    let mut m = s.recvmsg(iov_total(&iovs), flags, f.flags() & O_NONBLOCK != 0)?;
    scatter(t, &iovs, &m.data)?;
    let mut out_flags = m.flags;
    // The address.
    let mut got_len = 0u32;
    if name != 0 {
        if let Some(a) = &m.addr {
            let n = (namelen as usize).min(a.len());
            t.mm().copy_out(name, &a[..n])?;
            got_len = a.len() as u32;
        }
    }
    if name != 0 {
        // msg_namelen is left alone without a msg_name, as in Linux.
        t.mm().write_obj(hdr + 8, &got_len)?;
    }
    let (used, cf) = put_control(
        t,
        control,
        controllen.min(i32::MAX as u64) as usize,
        &mut m,
        flags & MSG_CMSG_CLOEXEC != 0,
    )?;
    out_flags |= cf;
    t.mm().write_obj(hdr + 40, &(used as u64))?;
    t.mm().write_obj(hdr + 48, &out_flags)?;
    Ok(if flags & MSG_TRUNC != 0 {
        m.full_len
    } else {
        m.data.len()
    } as u64)
}

pub fn sendto(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (f, s) = sock_of(t, a[0])?;
    let len = (a[2] as usize).min(SEND_MAX);
    let mut data = vec![0u8; len];
    t.mm().copy_in(a[1], &mut data)?;
    let addr = if a[4] != 0 && a[5] != 0 {
        Some(read_addr(t, a[4], a[5])?)
    } else {
        None
    };
    do_send(t, &f, &s, data, addr, Vec::new(), None, a[3] as u32)
}

pub fn recvfrom(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (f, s) = sock_of(t, a[0])?;
    let flags = a[3] as u32;
    let len = (a[2] as usize).min(RECV_MAX);
    if a[4] != 0 {
        let l: i32 = t.mm().read_obj(a[5])?;
        if l < 0 {
            return Err(Errno::EINVAL);
        }
    }
    let m = s.recvmsg(len, flags, f.flags() & O_NONBLOCK != 0)?;
    t.mm().copy_out(a[1], &m.data)?;
    if a[4] != 0 {
        let raw = m.addr.clone().unwrap_or_default();
        put_addr(t, a[4], a[5], &raw)?;
    }
    Ok(if flags & MSG_TRUNC != 0 {
        m.full_len
    } else {
        m.data.len()
    } as u64)
}

pub fn sendmsg(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (f, s) = sock_of(t, a[0])?;
    send_one(t, &f, &s, a[1], a[2] as u32)
}

pub fn recvmsg(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (f, s) = sock_of(t, a[0])?;
    recv_one(t, &f, &s, a[1], a[2] as u32)
}

pub fn sendmmsg(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (f, s) = sock_of(t, a[0])?;
    let vlen = (a[2] as u32).min(UIO_MAXIOV as u32) as u64;
    let flags = a[3] as u32;
    let mut n = 0;
    while n < vlen {
        let hdr = a[1] + n * MMSGHDR_LEN;
        match send_one(t, &f, &s, hdr, flags) {
            Ok(sent) => t.mm().write_obj(hdr + MSGHDR_LEN, &(sent as u32))?,
            Err(e) if n == 0 => return Err(e),
            Err(_) => break,
        }
        n += 1;
    }
    Ok(n)
}

pub fn recvmmsg(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (f, s) = sock_of(t, a[0])?;
    let vlen = (a[2] as u32).min(UIO_MAXIOV as u32) as u64;
    let mut flags = a[3] as u32;
    let deadline = if a[4] != 0 {
        let ts: Timespec = t.mm().read_obj(a[4])?;
        if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
            return Err(Errno::EINVAL);
        }
        Some(Instant::now() + Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
    } else {
        None
    };
    let mut n = 0;
    while n < vlen {
        let hdr = a[1] + n * MMSGHDR_LEN;
        match recv_one(t, &f, &s, hdr, flags & !MSG_WAITFORONE) {
            Ok(got) => t.mm().write_obj(hdr + MSGHDR_LEN, &(got as u32))?,
            Err(e) if n == 0 => return Err(e),
            Err(_) => break,
        }
        n += 1;
        if flags & MSG_WAITFORONE != 0 {
            flags |= MSG_DONTWAIT;
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
    }
    Ok(n)
}

/// read(2) and write(2) on a socket: a receive / send without flags.
pub(crate) fn socket_rw(
    t: &Task,
    f: &File,
    s: &Arc<dyn SocketOps>,
    buf: u64,
    len: u64,
    write: bool,
) -> SysResult {
    let iov = [Iovec { base: buf, len }];
    socket_rw_vec(t, f, s, &iov, write)
}

/// readv(2) and writev(2) on a socket: one message over all the buffers.
pub(crate) fn socket_rw_vec(
    t: &Task,
    f: &File,
    s: &Arc<dyn SocketOps>,
    iovs: &[Iovec],
    write: bool,
) -> SysResult {
    if write {
        let data = gather(t, iovs)?;
        do_send(t, f, s, data, None, Vec::new(), None, 0)
    } else {
        let m = s.recvmsg(iov_total(iovs), 0, f.flags() & O_NONBLOCK != 0)?;
        scatter(t, iovs, &m.data)?;
        Ok(m.data.len() as u64)
    }
}
