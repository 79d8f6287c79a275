//! Terminals: a pseudo-terminal pair (`Pty`) joined by Linux's N_TTY line
//! discipline, and the job-control state of a terminal (its session and
//! foreground process group).
//!
//! Bytes the master writes are the terminal's input: they go through input
//! processing (ICRNL, INLCR, IGNCR, ISTRIP), signal characters (ISIG),
//! line editing (ICANON: VERASE, VWERASE, VKILL, VEOF, VEOL) and echo, and
//! wait in the input queue for the slave to read them. Bytes the slave
//! writes, and echoes, go through output processing (OPOST, ONLCR, OCRNL)
//! into the output queue the master reads.

mod ldisc;
pub mod relay;
pub mod sessions;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use syscalls::consts::*;
use syscalls::types::{Siginfo, Termios, Winsize};
use syscalls::Errno;

use crate::kernel::waiter::{WaitQueue, Waker};
use crate::kernel::{current_task, Kernel, ThreadGroup};
pub use ldisc::default_termios;
pub use sessions::Sessions;

/// How many bytes of input a terminal holds (Linux's N_TTY_BUF_SIZE).
pub const INPUT_MAX: usize = 4096;
/// How many bytes of output wait for the master to read them.
pub const OUTPUT_MAX: usize = 64 * 1024;

pub const POLLIN: i16 = 0x001;
pub const POLLOUT: i16 = 0x004;
pub const POLLERR: i16 = 0x008;
pub const POLLHUP: i16 = 0x010;
const POLLRDNORM: i16 = 0x040;
const POLLWRNORM: i16 = 0x100;

/// si_code of signals the kernel generates.
const SI_KERNEL: i32 = 0x80;

/// The state of one terminal, under the pty's lock.
pub struct TtyState {
    pub termios: Termios,
    pub winsize: Winsize,
    /// ICANON: finished lines ready for the slave (an empty line is an
    /// end of file: VEOF at the start of a line).
    lines: VecDeque<Vec<u8>>,
    /// ICANON: the line being edited.
    edit: Vec<u8>,
    /// Non-canonical input ready for the slave.
    raw: VecDeque<u8>,
    /// Output (slave writes and echoes) for the master.
    pub output: VecDeque<u8>,
    /// Output stopped (TCXONC TCOOFF).
    stopped: bool,
    /// TIOCSPTLCK: the slave cannot be opened while locked.
    pub locked: bool,
    pub master_open: bool,
    pub slave_opens: usize,
    /// Whether a slave was ever opened (the master sees a hang-up only then).
    pub slave_was_open: bool,
    /// The session the terminal controls, and its foreground group.
    pub session: Option<i32>,
    pub fg_pgrp: i32,
    pub kernel: Weak<Kernel>,
    /// Signals to send once the lock is dropped: (process group, signal).
    pending_signals: Vec<(i32, i32)>,
}

/// A pseudo-terminal: the master/slave pair of one /dev/pts/N.
pub struct Pty {
    pub index: u32,
    state: Mutex<TtyState>,
    /// Readers and writers of both sides, and pollers.
    pub queue: WaitQueue,
}

impl Pty {
    pub fn new(index: u32) -> Arc<Pty> {
        Arc::new(Pty {
            index,
            state: Mutex::new(TtyState {
                termios: default_termios(),
                winsize: Winsize::default(),
                lines: VecDeque::new(),
                edit: Vec::new(),
                raw: VecDeque::new(),
                output: VecDeque::new(),
                stopped: false,
                locked: true,
                master_open: true,
                slave_opens: 0,
                slave_was_open: false,
                session: None,
                fg_pgrp: 0,
                kernel: Weak::new(),
                pending_signals: Vec::new(),
            }),
            queue: WaitQueue::default(),
        })
    }

    pub fn lock(&self) -> MutexGuard<'_, TtyState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends the signals the line discipline asked for, after the lock.
    fn flush_signals(&self, mut s: MutexGuard<'_, TtyState>) {
        let sigs = std::mem::take(&mut s.pending_signals);
        let kernel = s.kernel.upgrade();
        drop(s);
        self.queue.notify_all();
        if let Some(k) = kernel {
            for (pgrp, sig) in sigs {
                signal_pgrp(&k, pgrp, sig);
            }
        }
    }

    // ---- the master side ----

    /// Terminal input from the master: processes what fits, returns how
    /// many bytes were taken.
    pub fn master_write(&self, buf: &[u8], nonblock: bool) -> Result<usize, Errno> {
        let mut done = 0;
        loop {
            let mut s = self.lock();
            while done < buf.len() && s.input_room() {
                s.receive(buf[done]);
                done += 1;
            }
            if done > 0 || buf.is_empty() {
                self.flush_signals(s);
                return Ok(done);
            }
            drop(s);
            if nonblock {
                return Err(Errno::EAGAIN);
            }
            self.wait(None, || self.lock().input_room())
                .map_err(|_| Errno::ERESTARTSYS)?;
        }
    }

    /// Terminal output for the master: EIO once every slave is closed and
    /// nothing is left.
    pub fn master_read(&self, buf: &mut [u8], nonblock: bool) -> Result<usize, Errno> {
        loop {
            let mut s = self.lock();
            if !s.output.is_empty() && !s.stopped {
                let n = buf.len().min(s.output.len());
                for (i, b) in s.output.drain(..n).enumerate() {
                    buf[i] = b;
                }
                drop(s);
                self.queue.notify_all();
                return Ok(n);
            }
            if s.slave_hung_up() {
                return Err(Errno::EIO);
            }
            drop(s);
            if nonblock {
                return Err(Errno::EAGAIN);
            }
            self.wait(None, || {
                let s = self.lock();
                (!s.output.is_empty() && !s.stopped) || s.slave_hung_up()
            })
            .map_err(|_| Errno::ERESTARTSYS)?;
        }
    }

    pub fn master_poll(&self, events: i16) -> i16 {
        let s = self.lock();
        let mut r = 0;
        if !s.output.is_empty() && !s.stopped {
            r |= POLLIN | POLLRDNORM;
        }
        if s.input_room() {
            r |= POLLOUT | POLLWRNORM;
        }
        if s.slave_hung_up() {
            r |= POLLHUP;
        }
        r & (events | POLLHUP | POLLERR)
    }

    pub fn close_master(&self) {
        let mut s = self.lock();
        s.master_open = false;
        // A hang-up: the session loses its terminal, its leader and
        // foreground group get SIGHUP and SIGCONT.
        if let Some(sid) = s.session.take() {
            let fg = s.fg_pgrp;
            let k = s.kernel.upgrade();
            drop(s);
            if let Some(k) = k {
                k.ttys.forget_session(sid);
                hangup_signals(&k, sid, fg);
            }
        } else {
            drop(s);
        }
        self.queue.notify_all();
    }

    // ---- the slave side ----

    pub fn open_slave(&self) -> Result<(), Errno> {
        let mut s = self.lock();
        if s.locked || !s.master_open {
            return Err(Errno::EIO);
        }
        s.slave_opens += 1;
        s.slave_was_open = true;
        Ok(())
    }

    pub fn close_slave(&self) {
        let mut s = self.lock();
        s.slave_opens = s.slave_opens.saturating_sub(1);
        drop(s);
        self.queue.notify_all();
    }

    /// Reads the terminal's input, with VMIN/VTIME in non-canonical mode.
    pub fn slave_read(&self, buf: &mut [u8], nonblock: bool) -> Result<usize, Errno> {
        self.job_control(SIGTTIN)?;
        let (canon, vmin, vtime) = {
            let s = self.lock();
            let t = &s.termios;
            (
                t.c_lflag & libc::ICANON != 0,
                t.c_cc[libc::VMIN] as usize,
                t.c_cc[libc::VTIME] as u64,
            )
        };
        if buf.is_empty() {
            return Ok(0);
        }
        if canon {
            return self.read_canon(buf, nonblock);
        }
        let want = vmin.min(buf.len());
        let tenths = Duration::from_millis(100 * vtime);
        // MIN 0, TIME 0: whatever is there, at once.
        if want == 0 && vtime == 0 {
            return Ok(self.take_raw(buf));
        }
        let mut deadline = (want == 0).then(|| Instant::now() + tenths);
        loop {
            let (avail, hung) = {
                let s = self.lock();
                (s.raw.len(), !s.master_open)
            };
            if avail >= want.max(1) || (avail > 0 && hung) {
                return Ok(self.take_raw(buf));
            }
            if hung {
                return Ok(self.take_raw(buf));
            }
            if nonblock && avail == 0 {
                return Err(Errno::EAGAIN);
            }
            // MIN > 0, TIME > 0: an inter-byte timer once a byte has come.
            if want > 0 && vtime > 0 && avail > 0 && deadline.is_none() {
                deadline = Some(Instant::now() + tenths);
            }
            let before = avail;
            match self.wait(deadline, || {
                let s = self.lock();
                s.raw.len() >= want.max(1) || s.raw.len() > before || !s.master_open
            }) {
                Ok(()) => {
                    if want > 0 && vtime > 0 && self.lock().raw.len() > before {
                        deadline = Some(Instant::now() + tenths);
                    }
                }
                Err(crate::kernel::blocker::Interrupted::TimedOut) => {
                    return Ok(self.take_raw(buf));
                }
                Err(_) => return Err(Errno::ERESTARTSYS),
            }
        }
    }

    fn take_raw(&self, buf: &mut [u8]) -> usize {
        let mut s = self.lock();
        let n = buf.len().min(s.raw.len());
        for (i, b) in s.raw.drain(..n).enumerate() {
            buf[i] = b;
        }
        drop(s);
        if n > 0 {
            self.queue.notify_all();
        }
        n
    }

    fn read_canon(&self, buf: &mut [u8], nonblock: bool) -> Result<usize, Errno> {
        loop {
            let mut s = self.lock();
            if let Some(line) = s.lines.front_mut() {
                let n = buf.len().min(line.len());
                buf[..n].copy_from_slice(&line[..n]);
                line.drain(..n);
                if line.is_empty() {
                    s.lines.pop_front();
                }
                drop(s);
                self.queue.notify_all();
                return Ok(n);
            }
            if !s.master_open {
                return Ok(0);
            }
            drop(s);
            if nonblock {
                return Err(Errno::EAGAIN);
            }
            self.wait(None, || {
                let s = self.lock();
                !s.lines.is_empty() || !s.master_open
            })
            .map_err(|_| Errno::ERESTARTSYS)?;
        }
    }

    /// Output from the slave: EIO once the master is gone.
    pub fn slave_write(&self, buf: &[u8], nonblock: bool) -> Result<usize, Errno> {
        if self.lock().termios.c_lflag & libc::TOSTOP != 0 {
            self.job_control(SIGTTOU)?;
        }
        let mut done = 0;
        loop {
            let mut s = self.lock();
            if !s.master_open {
                return Err(Errno::EIO);
            }
            // Room for the worst case of one byte (ONLCR makes two); a
            // stopped terminal (^S, TCOOFF) takes nothing until restarted.
            while done < buf.len() && s.output.len() + 2 <= OUTPUT_MAX && !s.stopped {
                s.output_char(buf[done]);
                done += 1;
            }
            if done == buf.len() {
                drop(s);
                self.queue.notify_all();
                return Ok(done);
            }
            drop(s);
            self.queue.notify_all();
            if nonblock {
                return if done > 0 {
                    Ok(done)
                } else {
                    Err(Errno::EAGAIN)
                };
            }
            let r = self.wait(None, || {
                let s = self.lock();
                (s.output.len() + 2 <= OUTPUT_MAX && !s.stopped) || !s.master_open
            });
            if r.is_err() {
                return if done > 0 {
                    Ok(done)
                } else {
                    Err(Errno::ERESTARTSYS)
                };
            }
        }
    }

    pub fn slave_poll(&self, events: i16) -> i16 {
        let s = self.lock();
        let mut r = 0;
        if s.readable() || !s.master_open {
            r |= POLLIN | POLLRDNORM;
        }
        if s.output.len() + 2 <= OUTPUT_MAX || !s.master_open {
            r |= POLLOUT | POLLWRNORM;
        }
        if !s.master_open {
            r |= POLLHUP;
        }
        r & (events | POLLHUP | POLLERR)
    }

    /// Bytes the slave could read now (FIONREAD on the slave).
    pub fn input_queued(&self) -> usize {
        let s = self.lock();
        if s.termios.c_lflag & libc::ICANON != 0 {
            s.lines.iter().map(Vec::len).sum()
        } else {
            s.raw.len()
        }
    }

    pub fn output_queued(&self) -> usize {
        self.lock().output.len()
    }

    /// TCFLSH: drops pending input and/or output.
    pub fn flush(&self, input: bool, output: bool) {
        let mut s = self.lock();
        if input {
            s.flush_input();
        }
        if output {
            s.output.clear();
        }
        drop(s);
        self.queue.notify_all();
    }

    /// TCXONC.
    pub fn flow(&self, action: u64) -> Result<(), Errno> {
        let mut s = self.lock();
        match action {
            0 => s.stopped = true,  // TCOOFF
            1 => s.stopped = false, // TCOON
            2 | 3 => {
                // TCIOFF / TCION: send STOP / START to the other end.
                let c = s.termios.c_cc[if action == 2 {
                    libc::VSTOP
                } else {
                    libc::VSTART
                }];
                if c != 0 {
                    s.output.push_back(c);
                }
            }
            _ => return Err(Errno::EINVAL),
        }
        drop(s);
        self.queue.notify_all();
        Ok(())
    }

    /// TCSETS*: new settings; `flush` drops pending input (TCSETSF).
    pub fn set_termios(&self, t: Termios, flush: bool) {
        let mut s = self.lock();
        if flush {
            s.flush_input();
        }
        let was_canon = s.termios.c_lflag & libc::ICANON != 0;
        let canon = t.c_lflag & libc::ICANON != 0;
        s.termios = t;
        if was_canon && !canon {
            // What was typed becomes readable as it is.
            let lines: Vec<Vec<u8>> = s.lines.drain(..).collect();
            for l in lines {
                s.raw.extend(l);
            }
            let edit = std::mem::take(&mut s.edit);
            s.raw.extend(edit);
        } else if !was_canon && canon {
            let raw: Vec<u8> = s.raw.drain(..).collect();
            s.edit.extend(raw);
        }
        drop(s);
        self.queue.notify_all();
    }

    /// TIOCSWINSZ: SIGWINCH to the foreground group when the size changes.
    pub fn set_winsize(&self, w: Winsize) {
        let mut s = self.lock();
        let old = s.winsize;
        s.winsize = w;
        if (old.ws_row, old.ws_col, old.ws_xpixel, old.ws_ypixel)
            != (w.ws_row, w.ws_col, w.ws_xpixel, w.ws_ypixel)
            && s.session.is_some()
        {
            let fg = s.fg_pgrp;
            s.pending_signals.push((fg, SIGWINCH));
        }
        self.flush_signals(s);
    }

    /// TIOCSIG on the master: a signal to the foreground group.
    pub fn signal_foreground(&self, sig: i32) -> Result<(), Errno> {
        let mut s = self.lock();
        if s.session.is_none() {
            // No foreground group: nobody to signal.
            return Ok(());
        }
        let fg = s.fg_pgrp;
        s.pending_signals.push((fg, sig));
        self.flush_signals(s);
        Ok(())
    }

    /// Background reads (SIGTTIN) and, with TOSTOP, writes (SIGTTOU) of the
    /// caller's controlling terminal stop the caller's process group.
    fn job_control(&self, sig: i32) -> Result<(), Errno> {
        let (session, fg, kernel) = {
            let s = self.lock();
            (s.session, s.fg_pgrp, s.kernel.upgrade())
        };
        let (Some(sid), Some(k)) = (session, kernel) else {
            return Ok(());
        };
        let Some(me) = current_task() else {
            return Ok(());
        };
        let Some(tg) = group_of(&k, &me) else {
            return Ok(());
        };
        if tg.sid() != sid || tg.pgid() == fg || k.ttys.detached(tg.pid) {
            return Ok(());
        }
        let blocked = me.mask() & (1u64 << (sig - 1)) != 0;
        let ignored = tg.sighand.action(sig).handler == crate::kernel::signal::SIG_IGN;
        if blocked || ignored {
            return if sig == SIGTTIN {
                Err(Errno::EIO)
            } else {
                Ok(())
            };
        }
        // Nobody would ever continue an orphaned group it stopped.
        if pgrp_orphaned(&k, tg.pgid(), sid) {
            return Err(Errno::EIO);
        }
        signal_pgrp(&k, tg.pgid(), sig);
        Err(Errno::ERESTARTSYS)
    }

    /// Job control for calls that change the terminal (tcsetattr,
    /// TIOCSPGRP, TCFLSH, TCXONC) from a background group: SIGTTOU unless
    /// the caller blocks or ignores it.
    pub fn check_change(&self, tg: &Arc<ThreadGroup>, blocked_mask: u64) -> Result<(), Errno> {
        let (session, fg, kernel) = {
            let s = self.lock();
            (s.session, s.fg_pgrp, s.kernel.upgrade())
        };
        let (Some(sid), Some(k)) = (session, kernel) else {
            return Ok(());
        };
        if tg.sid() != sid || tg.pgid() == fg || k.ttys.detached(tg.pid) {
            return Ok(());
        }
        let blocked = blocked_mask & (1u64 << (SIGTTOU - 1)) != 0;
        if blocked || tg.sighand.action(SIGTTOU).handler == crate::kernel::signal::SIG_IGN {
            return Ok(());
        }
        if pgrp_orphaned(&k, tg.pgid(), sid) {
            return Err(Errno::EIO);
        }
        signal_pgrp(&k, tg.pgid(), SIGTTOU);
        Err(Errno::ERESTARTSYS)
    }

    /// Sleeps until `ready` holds (or `deadline`), woken through the queue.
    fn wait(
        &self,
        deadline: Option<Instant>,
        mut ready: impl FnMut() -> bool,
    ) -> Result<(), crate::kernel::blocker::Interrupted> {
        let Some(me) = current_task() else {
            // A sentry thread (the terminal relay) waits on its own.
            return self.wait_unattached(deadline, ready);
        };
        self.queue.add_task(&me);
        me.blocker.wait_until(deadline, || ready().then_some(()))
    }

    fn wait_unattached(
        &self,
        deadline: Option<Instant>,
        mut ready: impl FnMut() -> bool,
    ) -> Result<(), crate::kernel::blocker::Interrupted> {
        let b = Arc::new(ThreadWaker::default());
        let w: Arc<dyn Waker> = b.clone();
        self.queue.add(&w, crate::kernel::waiter::ALL_EVENTS);
        b.blocker.wait_until(deadline, || ready().then_some(()))
    }
}

/// A waker for sentry threads that are no task (the host terminal relay).
#[derive(Default)]
pub struct ThreadWaker {
    pub blocker: crate::kernel::blocker::Blocker,
}

impl Waker for ThreadWaker {
    fn wake(&self, _events: u32) {
        self.blocker.notify();
    }
}

impl TtyState {
    fn input_room(&self) -> bool {
        let queued =
            self.raw.len() + self.edit.len() + self.lines.iter().map(Vec::len).sum::<usize>();
        queued < INPUT_MAX - 1
    }

    /// Whether poll reports input: a line, or in non-canonical mode VMIN
    /// bytes when there is no VTIME (Linux's input_available_p).
    fn readable(&self) -> bool {
        if self.termios.c_lflag & libc::ICANON != 0 {
            return !self.lines.is_empty();
        }
        let (vmin, vtime) = (
            self.termios.c_cc[libc::VMIN] as usize,
            self.termios.c_cc[libc::VTIME],
        );
        let want = if vtime == 0 && vmin > 0 { vmin } else { 1 };
        self.raw.len() >= want
    }

    fn slave_hung_up(&self) -> bool {
        self.slave_opens == 0 && self.slave_was_open
    }

    fn flush_input(&mut self) {
        self.lines.clear();
        self.edit.clear();
        self.raw.clear();
    }
}

/// The thread group `task` belongs to.
pub fn group_of(k: &Kernel, task: &Arc<crate::kernel::TaskShared>) -> Option<Arc<ThreadGroup>> {
    if let Some(g) = k.group(task.tid()) {
        if g.threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|t| Arc::ptr_eq(t, task))
        {
            return Some(g);
        }
    }
    k.all_groups().into_iter().find(|g| {
        g.threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|t| Arc::ptr_eq(t, task))
    })
}

/// Whether process group `pgrp` of session `sid` is orphaned: no member
/// has a parent in another group of the same session (POSIX; Linux's
/// will_become_orphaned_pgrp), so no shell would continue it if stopped.
pub fn pgrp_orphaned(k: &Kernel, pgrp: i32, sid: i32) -> bool {
    !k.all_groups()
        .iter()
        .filter(|g| g.pgid() == pgrp && !g.is_zombie())
        .any(|g| {
            g.parent
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .as_ref()
                .is_some_and(|p| p.pgid() != pgrp && p.sid() == sid && !p.is_zombie())
        })
}

/// Sends `sig` from the kernel to every live process of group `pgrp`.
pub fn signal_pgrp(k: &Kernel, pgrp: i32, sig: i32) {
    if pgrp <= 0 {
        return;
    }
    for g in k.all_groups() {
        if g.pgid() == pgrp && !g.is_zombie() {
            g.send_signal(Siginfo::kill(sig, SI_KERNEL, 0, 0), true);
        }
    }
}

/// A terminal hang-up: SIGHUP and SIGCONT to the foreground group and the
/// session leader.
pub fn hangup_signals(k: &Kernel, sid: i32, fg: i32) {
    for sig in [SIGHUP, SIGCONT] {
        signal_pgrp(k, fg, sig);
        if let Some(leader) = k.group(sid) {
            if leader.pgid() != fg && !leader.is_zombie() {
                leader.send_signal(Siginfo::kill(sig, SI_KERNEL, 0, 0), true);
            }
        }
    }
}

/// After open(2) of a terminal: /dev/tty and /dev/console become the
/// terminal they stand for, and a session leader without a controlling
/// terminal that opens one without O_NOCTTY acquires it.
pub fn after_open(
    t: &crate::kernel::Task,
    file: Arc<crate::vfs::File>,
    flags: u32,
) -> Result<Arc<crate::vfs::File>, Errno> {
    use super::dev::Redirect;
    let redirect = file
        .ops
        .as_any()
        .and_then(|a| a.downcast_ref::<Redirect>())
        .map(|r| matches!(r, Redirect::Tty));
    let file = match redirect {
        Some(is_tty) => {
            let pty = if is_tty {
                t.kernel.ttys.ctty_of(&t.tg)
            } else {
                t.kernel.ttys.console()
            }
            .ok_or(Errno::ENXIO)?;
            let ops = super::devpts::open_slave(&pty)?;
            crate::vfs::File::new(
                ops,
                file.inode.clone(),
                file.path.clone(),
                flags | O_LARGEFILE,
            )
        }
        None => file,
    };
    if flags & O_NOCTTY == 0 {
        if let Some((pty, true)) = super::devpts::pty_of(&file) {
            let pty = pty.clone();
            let free = pty.lock().session.is_none();
            if free && t.tg.sid() == t.tg.pid && t.kernel.ttys.ctty_of(&t.tg).is_none() {
                // As Linux: failing to acquire it does not fail the open.
                let _ = t.kernel.ttys.acquire(&t.kernel, &t.tg, &pty, false);
            }
        }
    }
    Ok(file)
}

impl Pty {
    /// Waits, on a sentry thread that is no task, until the master has
    /// output to read.
    pub fn wait_output(&self) -> Result<(), crate::kernel::blocker::Interrupted> {
        self.wait_unattached(None, || {
            let s = self.lock();
            !s.output.is_empty() && !s.stopped
        })
    }

    /// Makes the pty the controlling terminal of session `sid` with
    /// foreground group `pgrp` (the sandbox's own terminal, before init runs).
    pub fn attach_session(self: &Arc<Self>, k: &Arc<Kernel>, sid: i32, pgrp: i32) {
        let mut s = self.lock();
        s.session = Some(sid);
        s.fg_pgrp = pgrp;
        s.kernel = Arc::downgrade(k);
        drop(s);
        k.ttys.register(sid, self.clone());
    }
}
