//! Interval timers and POSIX timers: alarm(2), setitimer(2), timer_create(2).
//!
//! One sentry thread keeps every armed timer in a deadline heap and sends
//! the signal when one expires. Timers on CPU time (ITIMER_VIRTUAL/PROF,
//! CPU-clock POSIX timers) are checked on a 10 ms tick against the
//! process's CPU time, which is as fine as Linux's own accounting gets.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use syscalls::consts::*;
use syscalls::types::Siginfo;

use super::{TaskShared, ThreadGroup};

/// `si_code` of a POSIX timer's signal.
pub const SI_TIMER: i32 = -2;
/// How often CPU-time timers are checked.
const CPU_TICK: Duration = Duration::from_millis(10);

/// Whom a timer signals.
#[derive(Clone)]
pub enum Target {
    Process(Weak<ThreadGroup>),
    Thread(Weak<TaskShared>, Weak<ThreadGroup>),
}

/// What a timer counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerClock {
    /// Wall or monotonic time: a deadline on the monotonic clock.
    Real,
    /// CPU time of the target process (user + system, or user only for
    /// ITIMER_VIRTUAL: not told apart yet).
    ProcessCpu,
}

#[derive(Default)]
struct Armed {
    /// Next expiry: an Instant for real timers; CPU time for CPU timers.
    deadline: Option<Instant>,
    cpu_deadline: Option<Duration>,
    interval: Duration,
    /// Expiries missed before the next signal is sent (a late timer
    /// thread), added to that signal's si_overrun.
    overrun: u32,
    /// si_overrun of the timer's last dequeued signal (timer_getoverrun).
    overrun_last: u32,
    /// Bumped on every arm, so stale heap entries are ignored.
    generation: u64,
}

pub struct Timer {
    pub id: i32,
    pub clock: TimerClock,
    target: Option<Target>,
    signo: i32,
    code: i32,
    sigval: u64,
    armed: Mutex<Armed>,
    /// The process's CPU time now (CPU timers only).
    cpu_now: Option<Box<dyn Fn() -> Duration + Send + Sync>>,
    /// Called with the number of expirations instead of sending a signal
    /// (timerfd).
    on_expire: Option<Box<dyn Fn(u64) + Send + Sync>>,
}

impl Timer {
    /// A timer that signals `target` with `signo` (no target: SIGEV_NONE).
    pub fn new(
        id: i32,
        clock: TimerClock,
        target: Option<Target>,
        signo: i32,
        code: i32,
        sigval: u64,
        cpu_now: Option<Box<dyn Fn() -> Duration + Send + Sync>>,
    ) -> Arc<Timer> {
        Arc::new(Timer {
            id,
            clock,
            target,
            signo,
            code,
            sigval,
            armed: Mutex::new(Armed::default()),
            cpu_now,
            on_expire: None,
        })
    }

    /// A real-time timer that calls `on_expire` with the number of
    /// expirations (one, plus periods the timer thread missed) instead of
    /// sending a signal: timerfd's timers.
    pub fn with_callback(on_expire: Box<dyn Fn(u64) + Send + Sync>) -> Arc<Timer> {
        Arc::new(Timer {
            id: 0,
            clock: TimerClock::Real,
            target: None,
            signo: 0,
            code: 0,
            sigval: 0,
            armed: Mutex::new(Armed::default()),
            cpu_now: None,
            on_expire: Some(on_expire),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Armed> {
        self.armed.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn cpu(&self) -> Duration {
        self.cpu_now.as_ref().map_or(Duration::ZERO, |f| f())
    }

    /// (time left, interval) as timer_gettime/getitimer report them.
    pub fn get(&self) -> (Duration, Duration) {
        let a = self.lock();
        let left = match self.clock {
            TimerClock::Real => a.deadline.map_or(Duration::ZERO, |d| {
                // A zero would read as disarmed: report at least 1 ns.
                d.saturating_duration_since(Instant::now())
                    .max(Duration::from_nanos(1))
            }),
            TimerClock::ProcessCpu => a.cpu_deadline.map_or(Duration::ZERO, |d| {
                d.saturating_sub(self.cpu()).max(Duration::from_nanos(1))
            }),
        };
        (left, a.interval)
    }

    pub fn overrun_last(&self) -> u32 {
        self.lock().overrun_last
    }

    /// Sends the timer's signal, or counts an overrun if the last one is
    /// still pending.
    fn fire(&self) {
        if let Some(f) = &self.on_expire {
            let missed = std::mem::take(&mut self.lock().overrun);
            f(u64::from(missed) + 1);
            return;
        }
        let Some(target) = &self.target else { return };
        let (group, thread) = match target {
            Target::Process(g) => (g.upgrade(), None),
            Target::Thread(t, g) => (g.upgrade(), t.upgrade()),
        };
        let Some(group) = group else { return };
        // While its last signal is still queued, an expiry only counts as
        // an overrun of that signal (Linux: one queued signal per timer).
        let add = self.lock().overrun.saturating_add(1);
        let bump = |p: &mut super::signal::Pending| {
            p.bump_timer_overrun(self.signo, self.id, self.code, add)
        };
        let pending = match &thread {
            Some(t) => bump(&mut t.sig().pending),
            None => bump(&mut group.pending.lock().unwrap_or_else(|e| e.into_inner())),
        };
        if pending {
            self.lock().overrun = 0;
            return;
        }
        let overrun = std::mem::take(&mut self.lock().overrun);
        let mut info = Siginfo {
            si_signo: self.signo,
            si_code: self.code,
            ..Siginfo::default()
        };
        if self.code == SI_TIMER {
            info.fields[0] = (self.id as u32 as u64) | (overrun as u64) << 32;
            info.fields[1] = self.sigval;
        }
        match thread {
            Some(t) => {
                if !group.sighand.ignores(self.signo) {
                    t.send_signal(info);
                }
            }
            None => {
                group.send_signal(info, false);
            }
        }
    }
}

/// A signal was dequeued: if it came from a POSIX timer, its si_overrun
/// is what timer_getoverrun reports from now on.
pub fn note_dequeued(tg: &super::ThreadGroup, info: &Siginfo) {
    if info.si_code != SI_TIMER {
        return;
    }
    let id = info.fields[0] as u32 as i32;
    let timers = tg.timers.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(t) = timers.posix.get(&id) {
        t.lock().overrun_last = (info.fields[0] >> 32) as u32;
    }
}

struct State {
    heap: BinaryHeap<Reverse<(Instant, u64, usize)>>,
    /// Armed timers by key (heap entries refer to them).
    timers: HashMap<usize, (Weak<Timer>, u64)>,
    /// Armed CPU-time timers, checked every tick.
    cpu: Vec<Weak<Timer>>,
    started: bool,
}

/// The sandbox's timer thread and its queue.
pub struct TimerService {
    state: Mutex<State>,
    cond: Condvar,
}

impl Default for TimerService {
    fn default() -> Self {
        TimerService {
            state: Mutex::new(State {
                heap: BinaryHeap::new(),
                timers: HashMap::new(),
                cpu: Vec::new(),
                started: false,
            }),
            cond: Condvar::new(),
        }
    }
}

fn key(t: &Arc<Timer>) -> usize {
    Arc::as_ptr(t) as usize
}

impl TimerService {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Arms `t` to expire after `value` (zero disarms) and then every
    /// `interval`; returns the (left, interval) it had.
    pub fn arm(
        self: &Arc<Self>,
        t: &Arc<Timer>,
        value: Duration,
        interval: Duration,
    ) -> (Duration, Duration) {
        let old = t.get();
        let generation = {
            let mut a = t.lock();
            a.generation += 1;
            a.interval = interval;
            a.overrun = 0;
            a.deadline = None;
            a.cpu_deadline = None;
            if !value.is_zero() {
                match t.clock {
                    TimerClock::Real => a.deadline = Some(Instant::now() + value),
                    TimerClock::ProcessCpu => a.cpu_deadline = Some(t.cpu() + value),
                }
            }
            a.generation
        };
        let mut s = self.lock();
        if !value.is_zero() {
            match t.clock {
                TimerClock::Real => {
                    let d = t.lock().deadline.expect("armed above");
                    s.heap.push(Reverse((d, generation, key(t))));
                    s.timers.insert(key(t), (Arc::downgrade(t), generation));
                }
                TimerClock::ProcessCpu => {
                    s.cpu
                        .retain(|w| w.upgrade().is_some_and(|x| !Arc::ptr_eq(&x, t)));
                    s.cpu.push(Arc::downgrade(t));
                }
            }
            self.start(&mut s);
        } else {
            s.timers.remove(&key(t));
            s.cpu
                .retain(|w| w.upgrade().is_some_and(|x| !Arc::ptr_eq(&x, t)));
        }
        drop(s);
        self.cond.notify_all();
        old
    }

    fn start(self: &Arc<Self>, s: &mut State) {
        if s.started {
            return;
        }
        s.started = true;
        let me = self.clone();
        let _ = std::thread::Builder::new()
            .name("timers".into())
            .spawn(move || me.run());
    }

    fn run(self: Arc<Self>) {
        let mut s = self.lock();
        loop {
            let now = Instant::now();
            // Real timers due now.
            let mut due = Vec::new();
            while let Some(Reverse((d, generation, k))) = s.heap.peek().copied() {
                if d > now {
                    break;
                }
                s.heap.pop();
                if let Some((w, g)) = s.timers.get(&k) {
                    if *g == generation {
                        if let Some(t) = w.upgrade() {
                            due.push((t, generation));
                        }
                    }
                }
            }
            let cpu: Vec<Arc<Timer>> = s.cpu.iter().filter_map(|w| w.upgrade()).collect();
            s.cpu.retain(|w| w.strong_count() > 0);
            drop(s);
            for (t, generation) in due {
                t.fire();
                let next = {
                    let mut a = t.lock();
                    if a.generation != generation || a.interval.is_zero() {
                        a.deadline = None;
                        None
                    } else {
                        // Periodic: the next period, counting missed ones.
                        let mut d = a.deadline.unwrap_or(now) + a.interval;
                        while d <= now {
                            d += a.interval;
                            a.overrun = a.overrun.saturating_add(1);
                        }
                        a.deadline = Some(d);
                        Some(d)
                    }
                };
                let mut s = self.lock();
                match next {
                    Some(d) => s.heap.push(Reverse((d, generation, key(&t)))),
                    None => {
                        s.timers.remove(&key(&t));
                    }
                }
            }
            for t in cpu {
                let now_cpu = t.cpu();
                let fire = {
                    let mut a = t.lock();
                    match a.cpu_deadline {
                        Some(d) if now_cpu >= d => {
                            a.cpu_deadline = if a.interval.is_zero() {
                                None
                            } else {
                                Some(d + a.interval)
                            };
                            true
                        }
                        _ => false,
                    }
                };
                if fire {
                    t.fire();
                }
            }
            s = self.lock();
            let next = s.heap.peek().map(|Reverse((d, _, _))| *d);
            let wait = match (next, s.cpu.is_empty()) {
                (Some(d), true) => d.saturating_duration_since(Instant::now()),
                (Some(d), false) => d.saturating_duration_since(Instant::now()).min(CPU_TICK),
                (None, false) => CPU_TICK,
                (None, true) => Duration::from_secs(3600),
            };
            s = self
                .cond
                .wait_timeout(s, wait)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

/// A process's timers: its three interval timers and its POSIX timers.
#[derive(Default)]
pub struct ProcessTimers {
    /// ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF.
    pub itimers: [Option<Arc<Timer>>; 3],
    pub posix: HashMap<i32, Arc<Timer>>,
    pub next_id: i32,
}

/// The signal of an interval timer.
pub fn itimer_signal(which: usize) -> i32 {
    match which {
        0 => SIGALRM,
        1 => SIGVTALRM,
        _ => SIGPROF,
    }
}
