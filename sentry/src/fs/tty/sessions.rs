//! Controlling terminals of the sandbox's sessions.
//!
//! A session has at most one controlling terminal, and a terminal controls
//! at most one session (`TtyState::session`). Linux keeps the terminal per
//! process (inherited at fork, dropped by setsid and TIOCNOTTY); here it is
//! kept per session, with the processes that gave theirs up (TIOCNOTTY by a
//! member that is not the leader) remembered apart.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use syscalls::Errno;

use super::Pty;
use crate::kernel::{Kernel, ThreadGroup};

#[derive(Default)]
struct Inner {
    by_sid: HashMap<i32, Arc<Pty>>,
    detached: HashSet<i32>,
    console: Option<Arc<Pty>>,
}

#[derive(Default)]
pub struct Sessions {
    inner: Mutex<Inner>,
}

impl Sessions {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The controlling terminal of process `tg`, if it has one.
    pub fn ctty_of(&self, tg: &ThreadGroup) -> Option<Arc<Pty>> {
        let sid = tg.sid();
        let s = self.lock();
        if s.detached.contains(&tg.pid) {
            return None;
        }
        let p = s.by_sid.get(&sid)?.clone();
        drop(s);
        let ok = p.lock().session == Some(sid);
        ok.then_some(p)
    }

    /// Whether process `pid` gave up its controlling terminal.
    pub fn detached(&self, pid: i32) -> bool {
        self.lock().detached.contains(&pid)
    }

    /// Makes `pty` the controlling terminal of the session `tg` leads
    /// (TIOCSCTTY, or a session leader opening a terminal). `steal` takes
    /// it from another session (TIOCSCTTY with arg 1, for CAP_SYS_ADMIN).
    pub fn acquire(
        &self,
        k: &Arc<Kernel>,
        tg: &ThreadGroup,
        pty: &Arc<Pty>,
        steal: bool,
    ) -> Result<(), Errno> {
        let sid = tg.sid();
        if sid != tg.pid {
            return Err(Errno::EPERM);
        }
        let mut inner = self.lock();
        if let Some(cur) = inner.by_sid.get(&sid) {
            if cur.lock().session == Some(sid) {
                return if Arc::ptr_eq(cur, pty) {
                    Ok(())
                } else {
                    Err(Errno::EPERM)
                };
            }
        }
        let mut s = pty.lock();
        if let Some(other) = s.session {
            if other != sid {
                if !steal {
                    return Err(Errno::EPERM);
                }
                inner.by_sid.remove(&other);
            }
        }
        s.session = Some(sid);
        s.fg_pgrp = tg.pgid();
        s.kernel = Arc::downgrade(k);
        drop(s);
        inner.detached.remove(&tg.pid);
        inner.by_sid.insert(sid, pty.clone());
        Ok(())
    }

    /// TIOCNOTTY: the caller gives up its controlling terminal; a session
    /// leader takes it from the whole session, and the foreground group
    /// gets SIGHUP and SIGCONT.
    pub fn release(&self, k: &Kernel, tg: &ThreadGroup) -> Result<(), Errno> {
        let pty = self.ctty_of(tg).ok_or(Errno::ENOTTY)?;
        if tg.sid() != tg.pid {
            self.lock().detached.insert(tg.pid);
            return Ok(());
        }
        self.disassociate(k, tg.sid(), &pty);
        Ok(())
    }

    fn disassociate(&self, k: &Kernel, sid: i32, pty: &Arc<Pty>) {
        self.lock().by_sid.remove(&sid);
        let fg = {
            let mut s = pty.lock();
            s.session = None;
            std::mem::take(&mut s.fg_pgrp)
        };
        super::signal_pgrp(k, fg, libc::SIGHUP);
        super::signal_pgrp(k, fg, libc::SIGCONT);
    }

    /// The session `sid` lost its terminal (a hang-up).
    pub fn forget_session(&self, sid: i32) {
        self.lock().by_sid.remove(&sid);
    }

    /// setsid: the caller starts a session without a terminal.
    pub fn new_session(&self, pid: i32) {
        let mut s = self.lock();
        s.detached.remove(&pid);
        if let Some(p) = s.by_sid.remove(&pid) {
            let mut st = p.lock();
            if st.session == Some(pid) {
                st.session = None;
            }
        }
    }

    /// A session leader exits: its session loses the terminal.
    pub fn leader_exited(&self, k: &Kernel, pid: i32) {
        let p = self.lock().by_sid.get(&pid).cloned();
        if let Some(p) = p {
            if p.lock().session == Some(pid) {
                self.disassociate(k, pid, &p);
            }
        }
        self.lock().detached.remove(&pid);
    }

    pub fn register(&self, sid: i32, pty: Arc<Pty>) {
        self.lock().by_sid.insert(sid, pty);
    }

    /// The sandbox's console (/dev/console): the terminal `runsc do` set up.
    pub fn console(&self) -> Option<Arc<Pty>> {
        self.lock().console.clone()
    }

    pub fn set_console(&self, p: Arc<Pty>) {
        self.lock().console = Some(p);
    }
}
