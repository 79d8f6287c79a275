//! Moving data between descriptors without a user buffer: splice, tee,
//! vmsplice, copy_file_range. Data goes through a sentry buffer.

use std::sync::Arc;

use syscalls::consts::*;
use syscalls::types::Iovec;
use syscalls::Errno;

use super::{fd_arg, SysResult};
use crate::fs::pipe::{Pipe, PipeEnd};
use crate::kernel::Task;
use crate::vfs::{File, FileType};

/// Largest single transfer (Linux's MAX_RW_COUNT).
const MAX_RW: u64 = 0x7fff_f000;
/// Sentry buffer for file-to-file copies.
const CHUNK: usize = 1 << 20;
/// Most iovecs a vmsplice takes (UIO_MAXIOV).
const UIO_MAXIOV: u64 = 1024;
const SPLICE_F_ALL: u32 = SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT;

fn pipe_end(f: &File) -> Option<&PipeEnd> {
    f.ops.as_any()?.downcast_ref::<PipeEnd>()
}

fn pos_of(f: &File) -> u64 {
    *f.pos.lock().unwrap_or_else(|e| e.into_inner())
}

fn set_pos(f: &File, p: u64) {
    *f.pos.lock().unwrap_or_else(|e| e.into_inner()) = p;
}

/// Reads an `loff_t *` argument: EINVAL when negative.
fn read_off(t: &Task, addr: u64) -> Result<u64, Errno> {
    let o: i64 = t.mm().read_obj(addr)?;
    if o < 0 {
        return Err(Errno::EINVAL);
    }
    Ok(o as u64)
}

/// Writes all of `buf` to `f` at `off` (fewer bytes only on an error
/// after some were written).
fn write_all(f: &File, buf: &[u8], off: u64) -> Result<usize, Errno> {
    let mut done = 0;
    while done < buf.len() {
        match f.write_at(&buf[done..], off + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(done)
}

pub fn splice(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (off_in, off_out, len, flags) = (a[1], a[3], a[4].min(MAX_RW) as usize, a[5] as u32);
    if len == 0 {
        return Ok(0);
    }
    if flags & !SPLICE_F_ALL != 0 {
        return Err(Errno::EINVAL);
    }
    let inp = t.files.get(fd_arg(a[0]))?;
    let out = t.files.get(fd_arg(a[2]))?;
    if !inp.readable() || !out.writable() {
        return Err(Errno::EBADF);
    }
    let (ip, op) = (pipe_end(&inp), pipe_end(&out));
    match (ip, op) {
        (Some(ip), Some(op)) => {
            if off_in != 0 || off_out != 0 {
                return Err(Errno::ESPIPE);
            }
            if Arc::ptr_eq(ip.pipe(), op.pipe()) {
                return Err(Errno::EINVAL);
            }
            let nonblock =
                flags & SPLICE_F_NONBLOCK != 0 || (inp.flags() | out.flags()) & O_NONBLOCK != 0;
            pipe_to_pipe(ip.pipe(), op.pipe(), len, nonblock, true)
        }
        (Some(ip), None) => {
            if off_in != 0 {
                return Err(Errno::ESPIPE);
            }
            let at = if off_out != 0 {
                if !out.ops.seekable() {
                    return Err(Errno::EINVAL);
                }
                Some(read_off(t, off_out)?)
            } else {
                None
            };
            if out.flags() & O_APPEND != 0 {
                return Err(Errno::EINVAL);
            }
            let nonblock = flags & SPLICE_F_NONBLOCK != 0 || out.flags() & O_NONBLOCK != 0;
            if !ip.pipe().wait_data(nonblock)? {
                return Ok(0);
            }
            // Taken, not peeked: a concurrent reader cannot see the bytes
            // too; what the file does not take goes back in front.
            let data = ip.pipe().take(len);
            let seekable = out.ops.seekable();
            let pos = at.unwrap_or_else(|| if seekable { pos_of(&out) } else { 0 });
            let n = match write_all(&out, &data, pos) {
                Ok(n) => n,
                Err(e) => {
                    ip.pipe().unread(&data);
                    return Err(e);
                }
            };
            ip.pipe().unread(&data[n..]);
            match at {
                Some(o) => t.mm().write_obj(off_out, &((o + n as u64) as i64))?,
                None if seekable => set_pos(&out, pos + n as u64),
                None => {}
            }
            Ok(n as u64)
        }
        (None, Some(op)) => {
            if off_out != 0 {
                return Err(Errno::ESPIPE);
            }
            let at = if off_in != 0 {
                if !inp.ops.seekable() {
                    return Err(Errno::EINVAL);
                }
                Some(read_off(t, off_in)?)
            } else {
                None
            };
            if inp.inode.file_type() == FileType::Directory {
                return Err(Errno::EISDIR);
            }
            let nonblock = flags & SPLICE_F_NONBLOCK != 0 || inp.flags() & O_NONBLOCK != 0;
            let room = op.pipe().wait_room(nonblock)?;
            let seekable = inp.ops.seekable();
            let pos = at.unwrap_or_else(|| if seekable { pos_of(&inp) } else { 0 });
            let mut buf = vec![0u8; len.min(room)];
            let n = inp.read_at(&mut buf, pos)?;
            op.pipe().push(&buf[..n]);
            match at {
                Some(o) => t.mm().write_obj(off_in, &((o + n as u64) as i64))?,
                None if seekable => set_pos(&inp, pos + n as u64),
                None => {}
            }
            Ok(n as u64)
        }
        (None, None) => Err(Errno::EINVAL),
    }
}

/// Moves (or with `consume` false, copies) up to `len` bytes from one pipe
/// to another, waiting for data and room unless `nonblock`.
fn pipe_to_pipe(from: &Pipe, to: &Pipe, len: usize, nonblock: bool, consume: bool) -> SysResult {
    if !from.wait_data(nonblock)? {
        return Ok(0);
    }
    let room = to.wait_room(nonblock)?;
    let want = len.min(room);
    let data = if consume {
        from.take(want)
    } else {
        from.peek(want)
    };
    to.push(&data);
    Ok(data.len() as u64)
}

pub fn tee(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (len, flags) = (a[2].min(MAX_RW) as usize, a[3] as u32);
    if len == 0 {
        return Ok(0);
    }
    if flags & !SPLICE_F_ALL != 0 {
        return Err(Errno::EINVAL);
    }
    let inp = t.files.get(fd_arg(a[0]))?;
    let out = t.files.get(fd_arg(a[1]))?;
    if !inp.readable() || !out.writable() {
        return Err(Errno::EBADF);
    }
    let (Some(ip), Some(op)) = (pipe_end(&inp), pipe_end(&out)) else {
        return Err(Errno::EINVAL);
    };
    if Arc::ptr_eq(ip.pipe(), op.pipe()) {
        return Err(Errno::EINVAL);
    }
    let nonblock = flags & SPLICE_F_NONBLOCK != 0 || (inp.flags() | out.flags()) & O_NONBLOCK != 0;
    pipe_to_pipe(ip.pipe(), op.pipe(), len, nonblock, false)
}

pub fn vmsplice(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (iov_addr, nr, flags) = (a[1], a[2], a[3] as u32);
    if flags & !SPLICE_F_ALL != 0 {
        return Err(Errno::EINVAL);
    }
    let f = t.files.get(fd_arg(a[0]))?;
    let p = pipe_end(&f).ok_or(Errno::EBADF)?;
    if !f.writable() && !f.readable() {
        return Err(Errno::EBADF);
    }
    if nr > UIO_MAXIOV {
        return Err(Errno::EINVAL);
    }
    let mut iovs = Vec::with_capacity(nr as usize);
    for i in 0..nr {
        let iov: Iovec = t.mm().read_obj(iov_addr + i * 16)?;
        if (iov.len as i64) < 0 {
            return Err(Errno::EINVAL);
        }
        iovs.push(iov);
    }
    let nonblock = flags & SPLICE_F_NONBLOCK != 0 || f.flags() & O_NONBLOCK != 0;
    let pipe = p.pipe();
    let mut done: u64 = 0;
    let to_pipe = f.writable();
    for iov in iovs {
        let mut at = 0u64;
        while at < iov.len {
            let step = if to_pipe {
                let room = match pipe.wait_room(nonblock) {
                    Ok(r) => r,
                    Err(e) if done == 0 => return Err(e),
                    Err(_) => return Ok(done),
                };
                let n = ((iov.len - at) as usize).min(room);
                let mut buf = vec![0u8; n];
                t.mm().copy_in(iov.base + at, &mut buf)?;
                pipe.push(&buf);
                n
            } else {
                // Reading: wait only for the first bytes.
                match pipe.wait_data(nonblock || done > 0) {
                    Ok(true) => {}
                    Ok(false) => return Ok(done),
                    Err(e) if done == 0 => return Err(e),
                    Err(_) => return Ok(done),
                }
                let data = pipe.take((iov.len - at) as usize);
                if let Err(e) = t.mm().copy_out(iov.base + at, &data) {
                    pipe.unread(&data);
                    return if done == 0 { Err(e) } else { Ok(done) };
                }
                data.len()
            };
            at += step as u64;
            done += step as u64;
        }
    }
    Ok(done)
}

pub fn copy_file_range(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (off_in, off_out, len, flags) = (a[1], a[3], a[4].min(MAX_RW), a[5]);
    if flags != 0 {
        return Err(Errno::EINVAL);
    }
    let inp = t.files.get(fd_arg(a[0]))?;
    let out = t.files.get(fd_arg(a[2]))?;
    let pos_in: i64 = if off_in != 0 {
        t.mm().read_obj(off_in)?
    } else {
        pos_of(&inp) as i64
    };
    let pos_out: i64 = if off_out != 0 {
        t.mm().read_obj(off_out)?
    } else {
        pos_of(&out) as i64
    };
    let (ti, to) = (inp.inode.file_type(), out.inode.file_type());
    if ti == FileType::Directory || to == FileType::Directory {
        return Err(Errno::EISDIR);
    }
    if ti != FileType::Regular || to != FileType::Regular {
        return Err(Errno::EINVAL);
    }
    if !inp.readable() || !out.writable() || out.flags() & O_APPEND != 0 {
        return Err(Errno::EBADF);
    }
    if pos_in < 0 || pos_out < 0 {
        return Err(Errno::EINVAL);
    }
    let (pos_in, pos_out) = (pos_in as u64, pos_out as u64);
    let ain = inp.inode.attr()?;
    let count = if pos_in >= ain.size {
        0
    } else {
        len.min(ain.size - pos_in)
    };
    let same = Arc::ptr_eq(&inp.inode, &out.inode);
    if same && pos_out + count > pos_in && pos_out < pos_in + count {
        return Err(Errno::EINVAL);
    }
    if count == 0 {
        return Ok(0);
    }
    if !same && ain.dev != out.inode.attr()?.dev {
        return Err(Errno::EXDEV);
    }
    let mut buf = vec![0u8; (count as usize).min(CHUNK)];
    let mut done = 0u64;
    while done < count {
        let want = ((count - done) as usize).min(buf.len());
        let n = match inp.read_at(&mut buf[..want], pos_in + done) {
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        if n == 0 {
            break;
        }
        let w = match write_all(&out, &buf[..n], pos_out + done) {
            Ok(w) => w,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        done += w as u64;
        if w < n {
            break;
        }
    }
    if off_in != 0 {
        t.mm().write_obj(off_in, &((pos_in + done) as i64))?;
    } else {
        set_pos(&inp, pos_in + done);
    }
    if off_out != 0 {
        t.mm().write_obj(off_out, &((pos_out + done) as i64))?;
    } else {
        set_pos(&out, pos_out + done);
    }
    Ok(done)
}
