//! devpts: /dev/pts, where opening `ptmx` makes a pseudo-terminal and its
//! slave appears as `N` until the master is closed. Mounted with the OCI
//! runtime spec's default options: `newinstance,ptmxmode=0666,mode=0620,gid=5`.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, Weak};

use syscalls::consts::*;
use syscalls::types::{Termios, Winsize};
use syscalls::Errno;

use super::tty::Pty;
use crate::kernel::waiter::Waker;
use crate::kernel::{current_task, Task};
use crate::vfs::{anon_dev, makedev, Attr, DirEntry, File, FileOps, FileType, Inode, SetAttr};
use crate::vfs::{InodeRef, Time};

/// Major number of pty slaves (UNIX98_PTY_SLAVE_MAJOR) and of /dev/ptmx.
const PTS_MAJOR: u32 = 136;
const TTYAUX_MAJOR: u32 = 5;
/// The group of slave nodes (the spec's `gid=5`, "tty").
const TTY_GID: u32 = 5;
/// Most ptys at once (/proc/sys/kernel/pty/max).
const PTY_MAX: u32 = 4096;
const DEVPTS_SUPER_MAGIC: u64 = 0x1cd1;
const CAP_SYS_ADMIN: u32 = 21;

/// One devpts instance.
pub struct Devpts {
    dev: u64,
    created: Time,
    ptys: Mutex<BTreeMap<u32, Arc<SlaveInode>>>,
    me: Weak<Devpts>,
}

impl Devpts {
    pub fn new() -> Arc<Devpts> {
        Arc::new_cyclic(|me| Devpts {
            dev: anon_dev(),
            created: Time::now(),
            ptys: Mutex::new(BTreeMap::new()),
            me: me.clone(),
        })
    }

    fn ptys(&self) -> std::sync::MutexGuard<'_, BTreeMap<u32, Arc<SlaveInode>>> {
        self.ptys.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The root directory inode.
    pub fn root(self: &Arc<Self>) -> InodeRef {
        Arc::new(DevptsNode {
            fs: self.clone(),
            kind: NodeKind::Root,
        })
    }

    fn attr(&self, ino: u64, mode: u32, rdev: u64, uid: u32, gid: u32, t: Time) -> Attr {
        Attr {
            ino,
            dev: self.dev,
            mode,
            nlink: if mode & S_IFMT == S_IFDIR { 2 } else { 1 },
            uid,
            gid,
            rdev,
            blksize: 1024,
            atime: t,
            mtime: t,
            ctime: t,
            ..Attr::default()
        }
    }

    /// A new pty (opening ptmx): its master file ops.
    pub fn new_pty(&self) -> Result<Box<dyn FileOps>, Errno> {
        Ok(self.new_pair()?.0)
    }

    /// A new pty: its master file ops and its slave inode.
    pub fn new_pair(&self) -> Result<(Box<dyn FileOps>, Arc<SlaveInode>), Errno> {
        let (uid, gid) = match current_task() {
            Some(t) => (t.uids.lock().unwrap_or_else(|e| e.into_inner())[1], TTY_GID),
            None => (0, TTY_GID),
        };
        let mut ptys = self.ptys();
        let index = (0..PTY_MAX)
            .find(|i| !ptys.contains_key(i))
            .ok_or(Errno::ENOSPC)?;
        let pty = Pty::new(index);
        let slave = Arc::new(SlaveInode {
            pty: pty.clone(),
            fs: self.me.clone(),
            meta: Mutex::new(SlaveMeta {
                mode: 0o620,
                uid,
                gid,
                time: Time::now(),
            }),
        });
        ptys.insert(index, slave.clone());
        Ok((
            Box::new(MasterFile {
                slave: slave.clone(),
            }),
            slave,
        ))
    }

    /// The slave inode of pty `index`.
    pub fn slave(&self, index: u32) -> Option<Arc<SlaveInode>> {
        self.ptys().get(&index).cloned()
    }

    fn remove(&self, index: u32, pty: &Arc<Pty>) {
        let mut ptys = self.ptys();
        if ptys.get(&index).is_some_and(|s| Arc::ptr_eq(&s.pty, pty)) {
            ptys.remove(&index);
        }
    }
}

enum NodeKind {
    Root,
    Ptmx,
}

struct DevptsNode {
    fs: Arc<Devpts>,
    kind: NodeKind,
}

impl Inode for DevptsNode {
    fn file_type(&self) -> FileType {
        match self.kind {
            NodeKind::Root => FileType::Directory,
            NodeKind::Ptmx => FileType::CharDevice,
        }
    }

    fn attr(&self) -> Result<Attr, Errno> {
        let t = self.fs.created;
        Ok(match self.kind {
            NodeKind::Root => self.fs.attr(1, S_IFDIR | 0o755, 0, 0, 0, t),
            NodeKind::Ptmx => self
                .fs
                .attr(2, S_IFCHR | 0o666, makedev(TTYAUX_MAJOR, 2), 0, 0, t),
        })
    }

    fn open(self: Arc<Self>, _flags: u32) -> Result<Box<dyn FileOps>, Errno> {
        match self.kind {
            NodeKind::Root => Ok(Box::new(super::DirFile)),
            NodeKind::Ptmx => self.fs.new_pty(),
        }
    }

    fn lookup(&self, name: &[u8]) -> Result<InodeRef, Errno> {
        if !matches!(self.kind, NodeKind::Root) {
            return Err(Errno::ENOTDIR);
        }
        if name == b"ptmx" {
            return Ok(Arc::new(DevptsNode {
                fs: self.fs.clone(),
                kind: NodeKind::Ptmx,
            }));
        }
        let index = parse_index(name).ok_or(Errno::ENOENT)?;
        let slave: InodeRef = self.fs.slave(index).ok_or(Errno::ENOENT)?;
        Ok(slave)
    }

    fn revalidate(&self, name: &[u8], cached: &InodeRef) -> bool {
        let Some(index) = parse_index(name) else {
            return true;
        };
        match (
            self.fs.slave(index),
            cached.as_any().downcast_ref::<SlaveInode>(),
        ) {
            (Some(now), Some(old)) => Arc::ptr_eq(&now.pty, &old.pty),
            _ => false,
        }
    }

    fn readdir(&self) -> Result<Vec<DirEntry>, Errno> {
        if !matches!(self.kind, NodeKind::Root) {
            return Err(Errno::ENOTDIR);
        }
        let mut v = vec![DirEntry {
            name: b"ptmx".to_vec(),
            ino: 2,
            ty: FileType::CharDevice,
        }];
        for &i in self.fs.ptys().keys() {
            v.push(DirEntry {
                name: i.to_string().into_bytes(),
                ino: slave_ino(i),
                ty: FileType::CharDevice,
            });
        }
        Ok(v)
    }

    fn statfs(&self) -> Result<crate::vfs::StatFs, Errno> {
        Ok(crate::vfs::StatFs {
            fs_type: DEVPTS_SUPER_MAGIC,
            bsize: 4096,
            namelen: 255,
            frsize: 4096,
            ..Default::default()
        })
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn parse_index(name: &[u8]) -> Option<u32> {
    if name.is_empty() || (name.len() > 1 && name[0] == b'0') {
        return None;
    }
    std::str::from_utf8(name).ok()?.parse().ok()
}

fn slave_ino(index: u32) -> u64 {
    index as u64 + 3
}

struct SlaveMeta {
    mode: u32,
    uid: u32,
    gid: u32,
    time: Time,
}

/// /dev/pts/N.
pub struct SlaveInode {
    pub pty: Arc<Pty>,
    fs: Weak<Devpts>,
    meta: Mutex<SlaveMeta>,
}

impl SlaveInode {
    fn meta(&self) -> std::sync::MutexGuard<'_, SlaveMeta> {
        self.meta.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Inode for SlaveInode {
    fn file_type(&self) -> FileType {
        FileType::CharDevice
    }

    fn attr(&self) -> Result<Attr, Errno> {
        let fs = self.fs.upgrade().ok_or(Errno::ENOENT)?;
        let m = self.meta();
        Ok(fs.attr(
            slave_ino(self.pty.index),
            S_IFCHR | m.mode,
            makedev(PTS_MAJOR, self.pty.index),
            m.uid,
            m.gid,
            m.time,
        ))
    }

    fn set_attr(&self, req: &SetAttr) -> Result<(), Errno> {
        let mut m = self.meta();
        if let Some(mode) = req.mode {
            m.mode = mode & 0o7777;
        }
        if let Some(uid) = req.uid {
            m.uid = uid;
        }
        if let Some(gid) = req.gid {
            m.gid = gid;
        }
        if req.atime.is_some() || req.mtime.is_some() {
            m.time = Time::now();
        }
        Ok(())
    }

    fn open(self: Arc<Self>, _flags: u32) -> Result<Box<dyn FileOps>, Errno> {
        open_slave(&self.pty)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// File ops of a new open of `pty`'s slave.
pub fn open_slave(pty: &Arc<Pty>) -> Result<Box<dyn FileOps>, Errno> {
    pty.open_slave()?;
    Ok(Box::new(SlaveFile { pty: pty.clone() }))
}

/// The pty master (an open of ptmx).
pub struct MasterFile {
    slave: Arc<SlaveInode>,
}

impl Drop for MasterFile {
    fn drop(&mut self) {
        let pty = &self.slave.pty;
        pty.close_master();
        if let Some(fs) = self.slave.fs.upgrade() {
            fs.remove(pty.index, pty);
        }
    }
}

/// A pty slave (an open of /dev/pts/N or /dev/tty).
pub struct SlaveFile {
    pub pty: Arc<Pty>,
}

impl Drop for SlaveFile {
    fn drop(&mut self) {
        self.pty.close_slave();
    }
}

fn nonblock(f: &File) -> bool {
    f.flags() & O_NONBLOCK != 0
}

impl FileOps for MasterFile {
    fn read(&self, file: &File, buf: &mut [u8], _off: u64) -> Result<usize, Errno> {
        self.slave.pty.master_read(buf, nonblock(file))
    }

    fn write(&self, file: &File, buf: &[u8], _off: u64) -> Result<usize, Errno> {
        self.slave.pty.master_write(buf, nonblock(file))
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

    fn poll(&self, _file: &File, events: i16) -> Option<i16> {
        Some(self.slave.pty.master_poll(events))
    }

    fn poll_register(&self, _file: &File, waker: &Arc<dyn Waker>, mask: u32) {
        self.slave.pty.queue.add(waker, mask);
    }

    fn ioctl(&self, _file: &File, t: &mut Task, cmd: u32, arg: u64) -> Result<u64, Errno> {
        let pty = &self.slave.pty;
        match cmd {
            TIOCGPTN => {
                t.mm().write_obj(arg, &pty.index)?;
                Ok(0)
            }
            TIOCSPTLCK => {
                let v: i32 = t.mm().read_obj(arg)?;
                pty.lock().locked = v != 0;
                Ok(0)
            }
            TIOCGPTLCK => {
                let v = pty.lock().locked as i32;
                t.mm().write_obj(arg, &v)?;
                Ok(0)
            }
            TIOCGPTPEER => {
                let flags = arg as u32;
                if flags & !(O_ACCMODE | O_NOCTTY | O_NONBLOCK | O_CLOEXEC) != 0 {
                    return Err(Errno::EINVAL);
                }
                let inode: InodeRef = self.slave.clone();
                let ops = open_slave(pty)?;
                let file = File::new(ops, inode, None, flags | O_LARGEFILE);
                let limit = t.limit(RLIMIT_NOFILE).cur.min(crate::vfs::MAX_FDS as u64) as usize;
                let fd = t.files.alloc(file, flags & O_CLOEXEC != 0, 0, limit)?;
                Ok(fd as u64)
            }
            TIOCSIG => {
                // Linux's pty_signal takes only the ISIG signals.
                let sig = arg as i32;
                if ![SIGINT, SIGQUIT, SIGTSTP].contains(&sig) {
                    return Err(Errno::EINVAL);
                }
                pty.signal_foreground(sig)?;
                Ok(0)
            }
            // The master's queues are the slave's the other way round.
            FIONREAD => put_int(t, arg, pty.output_queued() as i32),
            TIOCOUTQ => put_int(t, arg, pty.input_queued() as i32),
            TCFLSH => {
                let (i, o) = flush_sides(arg)?;
                pty.flush(o, i);
                Ok(0)
            }
            _ => common_ioctl(pty, t, cmd, arg, false),
        }
    }
}

impl FileOps for SlaveFile {
    fn read(&self, file: &File, buf: &mut [u8], _off: u64) -> Result<usize, Errno> {
        self.pty.slave_read(buf, nonblock(file))
    }

    fn write(&self, file: &File, buf: &[u8], _off: u64) -> Result<usize, Errno> {
        self.pty.slave_write(buf, nonblock(file))
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

    fn poll(&self, _file: &File, events: i16) -> Option<i16> {
        Some(self.pty.slave_poll(events))
    }

    fn poll_register(&self, _file: &File, waker: &Arc<dyn Waker>, mask: u32) {
        self.pty.queue.add(waker, mask);
    }

    fn ioctl(&self, _file: &File, t: &mut Task, cmd: u32, arg: u64) -> Result<u64, Errno> {
        let pty = &self.pty;
        match cmd {
            FIONREAD => put_int(t, arg, pty.input_queued() as i32),
            TIOCOUTQ => put_int(t, arg, pty.output_queued() as i32),
            TCFLSH => {
                let (i, o) = flush_sides(arg)?;
                pty.check_change(&t.tg, t.sigmask())?;
                pty.flush(i, o);
                Ok(0)
            }
            _ => common_ioctl(pty, t, cmd, arg, true),
        }
    }
}

fn put_int(t: &Task, arg: u64, v: i32) -> Result<u64, Errno> {
    t.mm().write_obj(arg, &v)?;
    Ok(0)
}

/// TCFLSH's argument: (input, output).
fn flush_sides(arg: u64) -> Result<(bool, bool), Errno> {
    match arg {
        0 => Ok((true, false)),  // TCIFLUSH
        1 => Ok((false, true)),  // TCOFLUSH
        2 => Ok((true, true)),   // TCIOFLUSH
        _ => Err(Errno::EINVAL), // Linux: EINVAL
    }
}

/// Ioctls both sides answer alike: termios, window size, job control.
fn common_ioctl(
    pty: &Arc<Pty>,
    t: &mut Task,
    cmd: u32,
    arg: u64,
    slave: bool,
) -> Result<u64, Errno> {
    match cmd {
        TCGETS => {
            let tio = pty.lock().termios;
            t.mm().write_obj(arg, &tio)?;
            Ok(0)
        }
        TCSETS | TCSETSW | TCSETSF => {
            let tio: Termios = t.mm().read_obj(arg)?;
            if slave {
                pty.check_change(&t.tg, t.sigmask())?;
            }
            pty.set_termios(tio, cmd == TCSETSF);
            Ok(0)
        }
        TIOCGWINSZ => {
            let w = pty.lock().winsize;
            t.mm().write_obj(arg, &w)?;
            Ok(0)
        }
        TIOCSWINSZ => {
            let w: Winsize = t.mm().read_obj(arg)?;
            pty.set_winsize(w);
            Ok(0)
        }
        // tcdrain / tcsendbreak: a pty has nothing to drain or break.
        TCSBRK | TCSBRKP => Ok(0),
        TCXONC => {
            if slave {
                pty.check_change(&t.tg, t.sigmask())?;
            }
            pty.flow(arg)?;
            Ok(0)
        }
        TIOCGETD => put_int(t, arg, 0), // N_TTY, the only line discipline.
        TIOCSETD => {
            let d: i32 = t.mm().read_obj(arg)?;
            if d == 0 {
                Ok(0)
            } else {
                Err(Errno::EINVAL)
            }
        }
        TIOCSCTTY => {
            let steal = arg == 1 && t.creds.has_cap(CAP_SYS_ADMIN);
            let k = t.kernel.clone();
            k.ttys.acquire(&k, &t.tg, pty, steal)?;
            Ok(0)
        }
        TIOCNOTTY => {
            if !is_ctty(pty, t) {
                return Err(Errno::ENOTTY);
            }
            let k = t.kernel.clone();
            k.ttys.release(&k, &t.tg)?;
            Ok(0)
        }
        TIOCGPGRP => {
            let s = pty.lock();
            if slave && !is_ctty_locked(&s, t) {
                return Err(Errno::ENOTTY);
            }
            let fg = s.fg_pgrp;
            drop(s);
            put_int(t, arg, fg)
        }
        TIOCGSID => {
            let s = pty.lock();
            let Some(sid) = s.session else {
                return Err(Errno::ENOTTY);
            };
            if slave && !is_ctty_locked(&s, t) {
                return Err(Errno::ENOTTY);
            }
            drop(s);
            put_int(t, arg, sid)
        }
        TIOCSPGRP => {
            if !is_ctty(pty, t) {
                return Err(Errno::ENOTTY);
            }
            let pgrp: i32 = t.mm().read_obj(arg)?;
            if pgrp < 0 {
                return Err(Errno::EINVAL);
            }
            match pty.check_change(&t.tg, t.sigmask()) {
                // An orphaned background group: Linux's tiocspgrp says ENOTTY.
                Err(e) if e == Errno::EIO => return Err(Errno::ENOTTY),
                r => r?,
            }
            let sid = t.tg.sid();
            let exists = t
                .kernel
                .all_groups()
                .iter()
                .any(|g| g.pgid() == pgrp && !g.is_zombie() && g.sid() == sid);
            if !exists {
                // A group of another session: EPERM; no such group: ESRCH.
                let elsewhere = t
                    .kernel
                    .all_groups()
                    .iter()
                    .any(|g| g.pgid() == pgrp && !g.is_zombie());
                return Err(if elsewhere {
                    Errno::EPERM
                } else {
                    Errno::ESRCH
                });
            }
            pty.lock().fg_pgrp = pgrp;
            Ok(0)
        }
        _ => Err(Errno::ENOTTY),
    }
}

fn is_ctty_locked(s: &super::tty::TtyState, t: &Task) -> bool {
    s.session == Some(t.tg.sid()) && !t.kernel.ttys.detached(t.tg.pid)
}

fn is_ctty(pty: &Arc<Pty>, t: &Task) -> bool {
    t.kernel
        .ttys
        .ctty_of(&t.tg)
        .is_some_and(|c| Arc::ptr_eq(&c, pty))
}

/// The pty behind an open terminal file (either side), if it is one.
pub fn pty_of(file: &File) -> Option<(&Arc<Pty>, bool)> {
    let any = file.ops.as_any()?;
    if let Some(s) = any.downcast_ref::<SlaveFile>() {
        return Some((&s.pty, true));
    }
    any.downcast_ref::<MasterFile>()
        .map(|m| (&m.slave.pty, false))
}
