//! Thread groups (processes): their threads, parent and children, exit,
//! zombies, reparenting, and process-directed signals.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use syscalls::consts::*;
use syscalls::types::{Rlimit, Siginfo};

use super::signal::{bit, Pending, SigHand, SIG_DFL, SIG_IGN};
use super::task::TaskShared;
use super::timers::ProcessTimers;
use super::{ExitStatus, Kernel, RLIM_NLIMITS};
use crate::mm::MemoryManager;

/// SA_NOCLDWAIT: children of this process are reaped automatically.
const SA_NOCLDWAIT: u64 = 2;
/// SA_NOCLDSTOP: no SIGCHLD when children stop or continue.
const SA_NOCLDSTOP: u64 = 1;
const CLD_STOPPED: i32 = 5;
const CLD_CONTINUED: i32 = 6;
/// wait status `si_code`s of SIGCHLD.
const CLD_EXITED: i32 = 1;
const CLD_KILLED: i32 = 2;
const CLD_DUMPED: i32 = 3;

#[derive(Default)]
pub struct TgState {
    /// Set when the group starts exiting (exit_group, a fatal signal, or its
    /// last thread's exit): every thread leaves at its next chance.
    pub exit: Option<ExitStatus>,
    /// All threads are gone; the parent has not reaped the group yet.
    pub zombie: bool,
    /// A thread is exec'ing: every other thread leaves.
    pub exec_by: Option<i32>,
    /// A group stop in progress or in effect, and its signal.
    pub stop: Option<i32>,
    /// Threads that have reached their stop.
    pub stopped_threads: usize,
    pub fully_stopped: bool,
    /// A stop or continue the parent's wait has not reported yet.
    pub report: Option<ChildReport>,
}

/// A job-control change a parent may wait for (WUNTRACED, WCONTINUED).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChildReport {
    Stopped(i32),
    Continued,
}

pub struct ThreadGroup {
    pub pid: i32,
    pub parent: Mutex<Option<Arc<ThreadGroup>>>,
    pub children: Mutex<Vec<Arc<ThreadGroup>>>,
    pub threads: Mutex<Vec<Arc<TaskShared>>>,
    /// The last thread to leave, for /proc of a zombie (its name, times).
    pub last_thread: Mutex<Option<Arc<TaskShared>>>,
    pub state: Mutex<TgState>,
    pub sighand: Arc<SigHand>,
    /// Process-directed signals not yet taken by a thread.
    pub pending: Mutex<Pending>,
    /// Signal sent to the parent when the group exits (SIGCHLD, or what
    /// clone's low byte said; 0 for none).
    pub exit_signal: i32,
    pub limits: Mutex<[Rlimit; RLIM_NLIMITS]>,
    /// (process group id, session id).
    pub pgid_sid: Mutex<(i32, i32)>,
    pub child_subreaper: AtomicBool,
    /// Signal to receive when the parent dies (PR_SET_PDEATHSIG), 0 for none.
    pub pdeath_signal: AtomicI32,
    pub dumpable: AtomicBool,
    pub no_new_privs: AtomicBool,
    /// The process has exec'd since it was forked (setpgid then EACCES).
    pub did_exec: AtomicBool,
    /// alarm/setitimer and POSIX timers.
    pub timers: Mutex<ProcessTimers>,
    /// The current address space, for CPU-time timers (set at exec/fork).
    pub mm: Mutex<Weak<MemoryManager>>,
    /// Tasks polling a pidfd of this process, woken when it exits.
    exit_watchers: super::waiter::WaitQueue,
    /// Notified when a signal is queued for the process (signalfd).
    pub sig_queue: super::waiter::WaitQueue,
    /// What the process used: system time of its exited threads, and at
    /// its end its user time and peak memory.
    pub usage: Mutex<Usage>,
    /// What its waited-for children (and theirs) used (RUSAGE_CHILDREN).
    pub children_usage: Mutex<Usage>,
}

/// CPU time and peak memory, for getrusage, wait4 and SIGCHLD.
#[derive(Clone, Copy, Debug, Default)]
pub struct Usage {
    pub user: std::time::Duration,
    pub sys: std::time::Duration,
    /// Peak resident memory in KiB.
    pub maxrss_kb: i64,
}

impl Usage {
    pub fn add(&mut self, o: &Usage) {
        self.user += o.user;
        self.sys += o.sys;
        self.maxrss_kb = self.maxrss_kb.max(o.maxrss_kb);
    }

    pub fn to_rusage(self) -> syscalls::types::Rusage {
        let tv = |d: std::time::Duration| syscalls::types::Timeval {
            tv_sec: d.as_secs() as i64,
            tv_usec: d.subsec_micros() as i64,
        };
        syscalls::types::Rusage {
            ru_utime: tv(self.user),
            ru_stime: tv(self.sys),
            ru_maxrss: self.maxrss_kb,
            ..Default::default()
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl ThreadGroup {
    /// A new thread group. `like` gives what a forked process inherits.
    pub fn new(
        pid: i32,
        parent: Option<Arc<ThreadGroup>>,
        sighand: Arc<SigHand>,
        exit_signal: i32,
        like: Option<&ThreadGroup>,
        limits: [Rlimit; RLIM_NLIMITS],
    ) -> Arc<ThreadGroup> {
        let (limits, pgid_sid) = match like {
            Some(p) => (*lock(&p.limits), *lock(&p.pgid_sid)),
            None => (limits, (pid, pid)),
        };
        Arc::new(ThreadGroup {
            pid,
            parent: Mutex::new(parent),
            children: Mutex::new(Vec::new()),
            threads: Mutex::new(Vec::new()),
            last_thread: Mutex::new(None),
            state: Mutex::new(TgState::default()),
            sighand,
            pending: Mutex::new(Pending::default()),
            exit_signal,
            limits: Mutex::new(limits),
            pgid_sid: Mutex::new(pgid_sid),
            child_subreaper: AtomicBool::new(false),
            pdeath_signal: AtomicI32::new(0),
            dumpable: AtomicBool::new(true),
            did_exec: AtomicBool::new(false),
            no_new_privs: AtomicBool::new(
                like.is_some_and(|p| p.no_new_privs.load(Ordering::Relaxed)),
            ),
            timers: Mutex::new(ProcessTimers::default()),
            mm: Mutex::new(Weak::new()),
            usage: Mutex::new(Usage::default()),
            children_usage: Mutex::new(Usage::default()),
            exit_watchers: Default::default(),
            sig_queue: Default::default(),
        })
    }

    /// (user, system) CPU time of the process: its exited threads' and
    /// its live ones'.
    pub fn cpu_times(&self) -> (std::time::Duration, std::time::Duration) {
        let share = lock(&self.mm).upgrade().map_or(1.0, |mm| mm.cpu_share());
        let threads = lock(&self.threads);
        let (mut user, mut sys) = threads.iter().fold(Default::default(), |(u, s), t| {
            let (tu, ts) = t.cpu_times(share);
            (u + tu, s + ts)
        });
        let done = *lock(&self.usage);
        user += done.user;
        sys += done.sys;
        (user, sys)
    }

    /// What the process and its waited-for descendants used: what its
    /// parent's wait reports and adds to its RUSAGE_CHILDREN.
    pub fn total_usage(&self) -> Usage {
        let mut u = *lock(&self.usage);
        let (user, sys) = self.cpu_times();
        (u.user, u.sys) = (user, sys);
        u.add(&lock(&self.children_usage));
        u
    }

    /// CPU time the process's program has used (for CPU-time timers).
    pub fn cpu_time(&self) -> std::time::Duration {
        lock(&self.mm)
            .upgrade()
            .map_or(std::time::Duration::ZERO, |mm| {
                mm.address_space().cpu_time()
            })
    }

    pub fn limit(&self, resource: usize) -> Rlimit {
        lock(&self.limits)[resource]
    }

    pub fn ppid(&self) -> i32 {
        lock(&self.parent).as_ref().map_or(0, |p| p.pid)
    }

    pub fn pgid(&self) -> i32 {
        lock(&self.pgid_sid).0
    }

    pub fn sid(&self) -> i32 {
        lock(&self.pgid_sid).1
    }

    pub fn exiting(&self) -> Option<ExitStatus> {
        lock(&self.state).exit
    }

    pub fn exec_by(&self) -> Option<i32> {
        lock(&self.state).exec_by
    }

    pub fn is_zombie(&self) -> bool {
        lock(&self.state).zombie
    }

    /// Starts the exit of the whole group with `status` (the first reason
    /// wins) and kicks every thread out of whatever it is doing.
    pub fn start_exit(&self, status: ExitStatus) {
        {
            let mut s = lock(&self.state);
            if s.exit.is_none() {
                s.exit = Some(status);
            }
        }
        for t in lock(&self.threads).iter() {
            t.kick();
        }
    }

    /// (real, effective, saved) uid of the process (of its first thread).
    pub fn uids(&self) -> Option<[u32; 3]> {
        lock(&self.threads)
            .first()
            .map(|t| *t.uids.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Wakes every thread of the group that may be waiting for a child.
    pub fn notify_waiters(&self) {
        for t in lock(&self.threads).iter() {
            t.blocker.notify();
        }
    }

    /// Queues a process-directed signal and wakes a thread that can take it.
    /// Returns false if the signal was discarded.
    pub fn send_signal(self: &Arc<Self>, info: Siginfo, from_inside: bool) -> bool {
        let sig = info.si_signo;
        if self.is_zombie() || self.exiting().is_some() {
            return false;
        }
        if sig == SIGKILL {
            // Init cannot be killed from inside its pid namespace.
            if self.pid == 1 && from_inside {
                return false;
            }
            self.start_exit(ExitStatus::Signal {
                signo: SIGKILL,
                core: false,
            });
            return true;
        }
        if sig == SIGCONT {
            self.continue_group();
        }
        if matches!(sig, SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU) {
            // A stop cancels a pending continue.
            self.discard_everywhere(bit(SIGCONT));
        }
        let threads = lock(&self.threads);
        // Linux checks the blocked mask of the task the signal is sent to:
        // for a process, its leader (here its oldest live thread).
        let blocked = threads.first().map_or(0, |t| t.sig().blocked());
        if self.discards(sig, blocked, from_inside) {
            return false;
        }
        lock(&self.pending).push(info);
        // Kick a thread that does not block it (else it waits, pending),
        // or wake one waiting for it in rt_sigtimedwait.
        if let Some(t) = threads.iter().find(|t| t.mask() & bit(sig) == 0) {
            t.kick();
        } else if let Some(t) = threads.iter().find(|t| t.sig().waiting & bit(sig) != 0) {
            t.wake();
        }
        drop(threads);
        // signalfd readers and pollers (POLLIN).
        self.sig_queue.notify(0x001);
        true
    }

    /// Whether a signal is dropped when generated (Linux's sig_ignored):
    /// never while the target blocks it; otherwise when ignored, and at a
    /// pid namespace's init when it has no handler and the signal comes
    /// from inside the namespace.
    pub fn discards(&self, sig: i32, target_blocked: u64, from_inside: bool) -> bool {
        if sig == SIGKILL {
            return self.pid == 1 && from_inside;
        }
        if sig != SIGSTOP && target_blocked & bit(sig) != 0 {
            return false;
        }
        if self.pid == 1 && from_inside && self.sighand.action(sig).handler == SIG_DFL {
            return true;
        }
        sig != SIGSTOP && self.sighand.ignores(sig)
    }

    /// Wakes `waker` when this process exits (pidfd polling).
    pub fn add_exit_watcher(&self, waker: &Arc<dyn super::waiter::Waker>, mask: u32) {
        self.exit_watchers.add(waker, mask);
    }

    /// Drops pending instances of `mask` from the process and its threads.
    fn discard_everywhere(&self, mask: u64) {
        lock(&self.pending).discard(mask);
        for t in lock(&self.threads).iter() {
            t.sig().pending.discard(mask);
        }
    }

    /// SIGCONT: ends a group stop (reporting it to the parent if the group
    /// had fully stopped) and drops pending stop signals.
    fn continue_group(self: &Arc<Self>) {
        self.discard_everywhere(bit(SIGSTOP) | bit(SIGTSTP) | bit(SIGTTIN) | bit(SIGTTOU));
        let was_stopped = {
            let mut s = lock(&self.state);
            let was = s.fully_stopped;
            s.stop = None;
            s.fully_stopped = false;
            if was {
                s.report = Some(ChildReport::Continued);
            }
            was
        };
        for t in lock(&self.threads).iter() {
            t.blocker.notify();
        }
        if was_stopped {
            self.notify_parent_job(CLD_CONTINUED, SIGCONT);
        }
    }

    /// Starts a group stop for `sig`: every thread stops at its next chance.
    pub fn begin_stop(&self, sig: i32) {
        {
            let mut s = lock(&self.state);
            if s.exit.is_some() {
                return;
            }
            s.stop.get_or_insert(sig);
        }
        for t in lock(&self.threads).iter() {
            t.kick();
        }
    }

    pub fn stop_requested(&self) -> bool {
        lock(&self.state).stop.is_some()
    }

    /// A thread reached its stop; the last one makes the stop complete and
    /// tells the parent.
    pub fn thread_stopped(self: &Arc<Self>) {
        let done = {
            let mut s = lock(&self.state);
            s.stopped_threads += 1;
            let all = s.stopped_threads >= lock(&self.threads).len();
            if all && !s.fully_stopped {
                s.fully_stopped = true;
                s.report = s.stop.map(ChildReport::Stopped);
                s.stop
            } else {
                None
            }
        };
        if let Some(sig) = done {
            self.notify_parent_job(CLD_STOPPED, sig);
        }
    }

    pub fn thread_resumed(&self) {
        let mut s = lock(&self.state);
        s.stopped_threads = s.stopped_threads.saturating_sub(1);
    }

    /// Takes (or, with `keep`, peeks at) a job-control report for wait.
    pub fn take_report(
        &self,
        want_stopped: bool,
        want_continued: bool,
        keep: bool,
    ) -> Option<ChildReport> {
        let mut s = lock(&self.state);
        let r = match s.report {
            Some(ChildReport::Stopped(_)) if want_stopped => s.report,
            Some(ChildReport::Continued) if want_continued => s.report,
            _ => None,
        };
        if r.is_some() && !keep {
            s.report = None;
        }
        r
    }

    /// SIGCHLD (unless the parent asked for SA_NOCLDSTOP) and a wake-up for
    /// a stop or continue.
    fn notify_parent_job(self: &Arc<Self>, code: i32, status: i32) {
        let Some(parent) = lock(&self.parent).clone() else {
            return;
        };
        if parent.sighand.action(SIGCHLD).flags & SA_NOCLDSTOP == 0 {
            parent.send_signal(Siginfo::sigchld(code, self.pid, 0, status, 0, 0), false);
        }
        parent.notify_waiters();
    }

    /// Called by the last thread to leave: the group becomes a zombie, its
    /// children find a new parent, and its parent learns of the exit.
    pub fn exited(self: &Arc<Self>, kernel: &Kernel) {
        // Its timers die with it.
        *lock(&self.timers) = ProcessTimers::default();
        let status = {
            let mut s = lock(&self.state);
            s.zombie = true;
            *s.exit.get_or_insert(ExitStatus::Code(0))
        };
        self.reparent_children(kernel);
        self.exit_watchers.notify_all();
        if self.sid() == self.pid {
            // A session leader's exit takes the terminal from its session.
            kernel.ttys.leader_exited(kernel, self.pid);
        }
        if self.pid == 1 {
            kernel.init_exited(status);
            return;
        }
        let Some(parent) = lock(&self.parent).clone() else {
            kernel.release_group(self.pid);
            return;
        };
        let act = parent.sighand.action(SIGCHLD);
        let autoreap = self.exit_signal == SIGCHLD
            && (act.handler == SIG_IGN || act.flags & SA_NOCLDWAIT != 0);
        if autoreap {
            lock(&parent.children).retain(|c| !Arc::ptr_eq(c, self));
            kernel.release_group(self.pid);
        } else if self.exit_signal > 0 {
            let (code, st) = match status {
                ExitStatus::Code(c) => (CLD_EXITED, c),
                ExitStatus::Signal { signo, core } => {
                    (if core { CLD_DUMPED } else { CLD_KILLED }, signo)
                }
            };
            let u = self.total_usage();
            let ticks = |d: std::time::Duration| (d.as_millis() / 10) as i64;
            let info = Siginfo::sigchld(code, self.pid, 0, st, ticks(u.user), ticks(u.sys));
            let mut info = info;
            info.si_signo = self.exit_signal;
            parent.send_signal(info, false);
        }
        parent.notify_waiters();
    }

    /// Hands this group's children to the nearest subreaper ancestor, or to
    /// init, and tells those that asked (PR_SET_PDEATHSIG).
    fn reparent_children(self: &Arc<Self>, kernel: &Kernel) {
        let children: Vec<Arc<ThreadGroup>> = std::mem::take(&mut *lock(&self.children));
        if children.is_empty() {
            return;
        }
        let mut heir = lock(&self.parent).clone();
        while let Some(h) = heir.clone() {
            if h.child_subreaper.load(Ordering::Relaxed) && !h.is_zombie() {
                break;
            }
            heir = lock(&h.parent).clone();
        }
        let heir = heir
            .or_else(|| kernel.group(1))
            .filter(|h| !Arc::ptr_eq(h, self));
        for c in children {
            let sig = c.pdeath_signal.load(Ordering::Relaxed);
            if sig > 0 {
                c.send_signal(Siginfo::kill(sig, 0, self.pid, 0), false);
            }
            *lock(&c.parent) = heir.clone();
            match &heir {
                Some(h) => {
                    let zombie = c.is_zombie();
                    lock(&h.children).push(c);
                    if zombie {
                        h.notify_waiters();
                    }
                }
                None => kernel.release_group(c.pid),
            }
        }
    }
}
