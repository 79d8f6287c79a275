//! /proc/[pid]/ and /proc/[pid]/task/[tid]/.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use syscalls::consts::*;
use syscalls::Errno;

use super::{lock, ticks, Entries, GenDir, Meta, ProcFs};
use crate::kernel::signal::{SIG_DFL, SIG_IGN};
use crate::kernel::task_caps::CAP_SYS_PTRACE;
use crate::kernel::{Creds, Kernel, TaskShared, TaskView, ThreadGroup};
use crate::mm::{Backing, MemoryManager};
use crate::vfs::{Dentry, File, InodeRef, Lookup, Owner, Path};

const PAGE: u64 = 4096;

/// The thread /proc/[pid] speaks for: the leader, or whichever thread is
/// left, or the last one for a zombie.
fn leader(g: &ThreadGroup) -> Option<Arc<TaskShared>> {
    let threads = lock(&g.threads);
    threads
        .iter()
        .find(|t| t.tid() == g.pid)
        .or_else(|| threads.first())
        .cloned()
        .or_else(|| lock(&g.last_thread).clone())
}

/// The state letter of thread `t` of `g`.
pub(crate) fn state_of(g: &ThreadGroup, t: &TaskShared) -> char {
    let st = lock(&g.state);
    if st.zombie {
        return 'Z';
    }
    if st.stop.is_some() && st.fully_stopped {
        return 'T';
    }
    drop(st);
    if t.blocker.is_sleeping() {
        'S'
    } else {
        'R'
    }
}

fn state_name(c: char) -> &'static str {
    match c {
        'R' => "R (running)",
        'S' => "S (sleeping)",
        'D' => "D (disk sleep)",
        'T' => "T (stopped)",
        'Z' => "Z (zombie)",
        _ => "X (dead)",
    }
}

/// Who owns a process's files: its effective ids while it is dumpable,
/// root otherwise (as Linux's task_dump_owner).
fn owner_of(g: &Arc<ThreadGroup>, t: &Arc<TaskShared>) -> Owner {
    if !g.dumpable.load(Ordering::Relaxed) {
        return Owner::default();
    }
    t.view()
        .map(|v| Owner {
            uid: v.creds.euid,
            gid: v.creds.egid,
        })
        .unwrap_or_default()
}

/// Linux's ptrace_may_access for reading another process's secrets
/// (environ, fd, maps of others): same process, or the same real,
/// effective and saved ids on both sides and a dumpable target, or
/// CAP_SYS_PTRACE.
fn may_access(g: &ThreadGroup, target: &TaskShared) -> Result<(), Errno> {
    let Some(me) = super::current_view() else {
        return Ok(());
    };
    if me.tg.upgrade().is_some_and(|m| m.pid == g.pid) {
        return Ok(());
    }
    if me.creds.has_cap(CAP_SYS_PTRACE) {
        return Ok(());
    }
    let Some(tv) = target.view() else {
        return Err(Errno::EACCES);
    };
    let (c, t) = (&me.creds, &tv.creds);
    let same_uid = c.uid == t.uid && c.uid == t.euid && c.uid == t.suid;
    let same_gid = c.gid == t.gid && c.gid == t.egid && c.gid == t.sgid;
    if same_uid && same_gid && g.dumpable.load(Ordering::Relaxed) {
        Ok(())
    } else {
        Err(Errno::EACCES)
    }
}

/// What a process's directory speaks for. It holds no strong references
/// to the process: cached dentries of /proc outlive processes and must
/// keep nothing of theirs alive.
struct Ctx {
    fs: Arc<ProcFs>,
    tg: std::sync::Weak<ThreadGroup>,
    /// The thread of /proc/[pid]/task/[tid]; None for /proc/[pid].
    thread: Option<std::sync::Weak<TaskShared>>,
}

impl Ctx {
    fn g(&self) -> Result<Arc<ThreadGroup>, Errno> {
        self.tg.upgrade().ok_or(Errno::ESRCH)
    }

    fn task(&self) -> Result<Arc<TaskShared>, Errno> {
        match &self.thread {
            Some(t) => t.upgrade().ok_or(Errno::ESRCH),
            None => leader(&*self.g()?).ok_or(Errno::ESRCH),
        }
    }

    fn tid(&self) -> Option<i32> {
        self.thread
            .as_ref()
            .map(|t| t.upgrade().map_or(0, |t| t.tid()))
    }

    fn view(&self) -> Result<TaskView, Errno> {
        self.task()?.view().ok_or(Errno::ENOENT)
    }

    fn mm(&self) -> Option<Arc<MemoryManager>> {
        self.g().ok().and_then(|g| lock(&g.mm).upgrade())
    }

    fn kernel(&self) -> Result<Arc<Kernel>, Errno> {
        self.fs.kernel()
    }
}

/// The directory of process `g` (thread None) or of one of its threads.
pub(crate) fn pid_dir(
    fs: &Arc<ProcFs>,
    parent: &Meta,
    g: Arc<ThreadGroup>,
    thread: Option<Arc<TaskShared>>,
) -> Result<InodeRef, Errno> {
    let name = match &thread {
        Some(t) => t.tid().to_string(),
        None => g.pid.to_string(),
    };
    let owner_t = match &thread {
        Some(t) => t.clone(),
        None => leader(&g).ok_or(Errno::ENOENT)?,
    };
    let (og, ot) = (Arc::downgrade(&g), Arc::downgrade(&owner_t));
    let mut meta = parent.child(name.as_bytes(), 0o555);
    meta.owner = Some(Arc::new(move || match (og.upgrade(), ot.upgrade()) {
        (Some(g), Some(t)) => owner_of(&g, &t),
        _ => Owner::default(),
    }));
    let ctx = Arc::new(Ctx {
        fs: fs.clone(),
        tg: Arc::downgrade(&g),
        thread: thread.as_ref().map(Arc::downgrade),
    });
    let m = meta.clone();
    Ok(GenDir::with_cache_policy(
        meta,
        Arc::new(move || entries(&ctx, &m)),
        None,
        |_| false,
    ))
}

type R = Result<Vec<u8>, Errno>;

fn entries(c: &Arc<Ctx>, meta: &Meta) -> Vec<(Vec<u8>, InodeRef)> {
    let mut e = Entries::new(meta);
    macro_rules! gen {
        ($f:expr) => {{
            let c = c.clone();
            Arc::new(move || -> R { $f(&c) })
        }};
    }
    e.file("stat", 0o444, gen!(stat));
    e.file("status", 0o444, gen!(status));
    e.file("statm", 0o444, gen!(statm));
    e.file("cmdline", 0o444, gen!(cmdline));
    e.file("environ", 0o400, gen!(environ));
    e.file("auxv", 0o400, gen!(auxv));
    let c1 = c.clone();
    e.rw(
        "comm",
        0o644,
        gen!(|c: &Ctx| {
            let comm = c.task()?.comm();
            let n = comm.iter().position(|&b| b == 0).unwrap_or(16);
            let mut v = comm[..n].to_vec();
            v.push(b'\n');
            Ok(v)
        }),
        Arc::new(move |buf: &[u8]| {
            let t = c1.task()?;
            if let Some(me) = crate::kernel::current_task() {
                // Only threads of the same process may rename each other.
                let mine = me.view().and_then(|v| v.tg.upgrade());
                if !mine.is_some_and(|m| c1.g().is_ok_and(|g| Arc::ptr_eq(&m, &g))) {
                    return Err(Errno::EINVAL);
                }
            }
            let name = buf.strip_suffix(b"\n").unwrap_or(buf);
            t.set_comm(name);
            Ok(())
        }),
    );
    e.magic("exe", 0o777, gen!(exe_name), {
        let c = c.clone();
        Arc::new(move |_at: &Path| exe_path(&c))
    });
    e.magic(
        "cwd",
        0o777,
        gen!(|c: &Ctx| { fs_link(c, false).map(|(_, n)| n) }),
        {
            let c = c.clone();
            Arc::new(move |_at: &Path| fs_link(&c, false).map(|(p, _)| p))
        },
    );
    e.magic(
        "root",
        0o777,
        gen!(|c: &Ctx| { fs_link(c, true).map(|(_, n)| n) }),
        {
            let c = c.clone();
            Arc::new(move |_at: &Path| fs_link(&c, true).map(|(p, _)| p))
        },
    );
    {
        let c2 = c.clone();
        e.dir("fd", 0o500, move |m| {
            let (c, m) = (c2.clone(), m.clone());
            Arc::new(move || fd_entries(&c, &m, false))
        });
        let c3 = c.clone();
        e.dir("fdinfo", 0o500, move |m| {
            let (c, m) = (c3.clone(), m.clone());
            Arc::new(move || fd_entries(&c, &m, true))
        });
    }
    e.file("maps", 0o444, gen!(|c: &Ctx| maps(c, false)));
    e.file("smaps", 0o444, gen!(|c: &Ctx| maps(c, true)));
    e.file("mounts", 0o444, gen!(|c: &Ctx| mounts(c, false)));
    e.file("mountinfo", 0o444, gen!(|c: &Ctx| mounts(c, true)));
    e.file("limits", 0o444, gen!(limits));
    e.file("cgroup", 0o444, Arc::new(|| Ok(b"0::/\n".to_vec())));
    e.file(
        "oom_score",
        0o444,
        gen!(|c: &Ctx| {
            let adj = c.task()?.oom_score_adj.load(Ordering::Relaxed);
            let rss = c.mm().map_or(0, |m| m.resident());
            let base = (rss * 1000 / super::host_ram().max(1)) as i64;
            Ok(format!("{}\n", (base + adj as i64).clamp(0, 2000)).into_bytes())
        }),
    );
    let c4 = c.clone();
    e.rw(
        "oom_score_adj",
        0o644,
        gen!(|c: &Ctx| {
            Ok(format!("{}\n", c.task()?.oom_score_adj.load(Ordering::Relaxed)).into_bytes())
        }),
        Arc::new(move |buf: &[u8]| {
            let s = std::str::from_utf8(buf).map_err(|_| Errno::EINVAL)?.trim();
            let v: i32 = s.parse().map_err(|_| Errno::EINVAL)?;
            if !(-1000..=1000).contains(&v) {
                return Err(Errno::EINVAL);
            }
            let me = super::current_view();
            let privileged = me
                .as_ref()
                .is_none_or(|m| m.creds.has_cap(crate::kernel::task_caps::CAP_SYS_RESOURCE));
            let t = c4.task()?;
            if v < t.oom_score_adj.load(Ordering::Relaxed) && !privileged {
                return Err(Errno::EACCES);
            }
            let g = c4.g()?;
            for th in lock(&g.threads).iter() {
                th.oom_score_adj.store(v, Ordering::Relaxed);
            }
            t.oom_score_adj.store(v, Ordering::Relaxed);
            Ok(())
        }),
    );
    e.file("io", 0o400, gen!(io));
    e.text("loginuid", "4294967295".to_string());
    e.text("sessionid", "4294967295".to_string());
    e.text("uid_map", "         0          0 4294967295\n".to_string());
    e.text("gid_map", "         0          0 4294967295\n".to_string());
    e.text("setgroups", "allow\n".to_string());
    e.file(
        "wchan",
        0o444,
        gen!(|c: &Ctx| {
            let t = c.task()?;
            Ok(if state_of(&*c.g()?, &t) == 'S' {
                b"do_wait".to_vec()
            } else {
                b"0".to_vec()
            })
        }),
    );
    e.file("stack", 0o400, Arc::new(|| Err(Errno::EACCES)));
    e.file(
        "personality",
        0o400,
        Arc::new(|| Ok(b"00000000\n".to_vec())),
    );
    e.dir("ns", 0o511, |m| {
        let m = m.clone();
        Arc::new(move || {
            let mut e = Entries::new(&m);
            for (name, id) in [
                ("cgroup", 4026531835u64),
                ("ipc", 4026531839),
                ("mnt", 4026531841),
                ("net", 4026531840),
                ("pid", 4026531836),
                ("pid_for_children", 4026531836),
                ("time", 4026531834),
                ("time_for_children", 4026531834),
                ("user", 4026531837),
                ("uts", 4026531838),
            ] {
                let kind = name.trim_end_matches("_for_children");
                let t = format!("{kind}:[{id}]").into_bytes();
                e.link(name, Arc::new(move || Ok(t.clone())));
            }
            e.take()
        })
    });
    e.dir("net", 0o555, |m| {
        let m = m.clone();
        Arc::new(move || net_entries(&m))
    });
    if c.thread.is_none() {
        let c6 = c.clone();
        e.dir("task", 0o555, move |m| {
            let (c, m) = (c6.clone(), m.clone());
            Arc::new(move || {
                let Ok(g) = c.g() else {
                    return Vec::new();
                };
                let threads: Vec<_> = lock(&g.threads).clone();
                let mut out = Vec::new();
                for t in threads {
                    if let Ok(d) = pid_dir(&c.fs, &m, g.clone(), Some(t.clone())) {
                        out.push((t.tid().to_string().into_bytes(), d));
                    }
                }
                out.sort_by_key(|(n, _)| n.len());
                out
            })
        });
    }
    e.take()
}

/// /proc/net: well-formed tables of what the sandbox has (no network yet).
pub(crate) fn net_entries(m: &Meta) -> Vec<(Vec<u8>, InodeRef)> {
    let mut e = Entries::new(m);
    e.text(
        "dev",
        "Inter-|   Receive                                                |  Transmit\n \
         face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
            .to_string(),
    );
    e.file(
        "unix",
        0o444,
        Arc::new(|| {
            let mut t = "Num       RefCount Protocol Flags    Type St Inode Path\n".to_string();
            for line in crate::net::proc_net_lines("unix") {
                t.push_str(&line);
            }
            Ok(t.into_bytes())
        }),
    );
    e.text(
        "tcp",
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
            .to_string(),
    );
    e.text(
        "tcp6",
        "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
            .to_string(),
    );
    e.text(
        "udp",
        "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
            .to_string(),
    );
    e.text(
        "udp6",
        "   sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
            .to_string(),
    );
    e.take()
}

fn comm_str(t: &TaskShared) -> String {
    let comm = t.comm();
    let n = comm.iter().position(|&b| b == 0).unwrap_or(16);
    String::from_utf8_lossy(&comm[..n]).into_owned()
}

fn sig_sets(g: &ThreadGroup) -> (u64, u64) {
    let acts = g.sighand.lock();
    let (mut ign, mut cgt) = (0u64, 0u64);
    for (i, a) in acts.iter().enumerate() {
        if a.handler == SIG_IGN {
            ign |= 1 << i;
        } else if a.handler != SIG_DFL {
            cgt |= 1 << i;
        }
    }
    (ign, cgt)
}

fn code_span(mm: &MemoryManager) -> (u64, u64) {
    let exe = lock(&mm.exec_info).exe.clone();
    let mut lo = u64::MAX;
    let mut hi = 0;
    for (a, v) in mm.vmas() {
        if let (Backing::File { file, .. }, Some(exe)) = (&v.backing, &exe) {
            if v.prot.exec && Arc::ptr_eq(&file.inode, &exe.dentry.inode) {
                lo = lo.min(a);
                hi = hi.max(v.end);
            }
        }
    }
    if lo == u64::MAX {
        (0, 0)
    } else {
        (lo, hi)
    }
}

fn stat(c: &Ctx) -> R {
    let k = c.kernel()?;
    let t = c.task()?;
    let g = &c.g()?;
    let state = state_of(g, &t);
    let (utime, stime) = match &c.thread {
        Some(_) => t.cpu_times(c.mm().map_or(1.0, |m| m.cpu_share())),
        None => g.cpu_times(),
    };
    let cu = *lock(&g.children_usage);
    let nice = t.nice.load(Ordering::Relaxed);
    let nthreads = lock(&g.threads).len().max(1);
    let start_from = leader(g).map_or(t.started, |l| l.started);
    let start = ticks(start_from.saturating_duration_since(k.boot));
    let mm = c.mm().filter(|_| state != 'Z');
    let (vsize, rss) = mm
        .as_ref()
        .map_or((0, 0), |m| (m.vm_totals().0, m.resident() / PAGE));
    let info = mm
        .as_ref()
        .map(|m| lock(&m.exec_info).clone())
        .unwrap_or_default();
    let (scode, ecode) = mm.as_ref().map_or((0, 0), |m| code_span(m));
    let brk = mm.as_ref().map_or(0, |m| m.current_brk());
    let rsslim = g.limit(RLIMIT_RSS as usize).cur;
    // One lock at a time (signal delivery takes them in its own order).
    let own = t.sig().pending.set;
    let pending = own | lock(&g.pending).set;
    let blocked = t.mask();
    let (ign, cgt) = sig_sets(g);
    let exit_code = match lock(&g.state).exit {
        Some(crate::kernel::ExitStatus::Code(c)) if state == 'Z' => (c & 0xff) << 8,
        Some(crate::kernel::ExitStatus::Signal { signo, .. }) if state == 'Z' => signo,
        _ => 0,
    };
    let tid = c.tid().unwrap_or(g.pid);
    let stack = info.arg.0 & !(PAGE - 1);
    // The controlling terminal (a /dev/pts/N: major 136 onwards) and its
    // foreground process group, as ps's TT and + columns read them.
    let (tty_nr, tpgid) = match k.ttys.ctty_of(g) {
        Some(p) => {
            let fg = p.lock().fg_pgrp;
            let (major, minor) = (136 + p.index / 256, p.index % 256);
            (((minor & !0xff) << 12) | (major << 8) | (minor & 0xff), fg)
        }
        None => (0, -1),
    };
    Ok(format!(
        "{tid} ({comm}) {state} {ppid} {pgrp} {sid} {tty_nr} {tpgid} 4194560 0 0 0 0 {ut} {st} {cut} {cst} {prio} {nice} {nthreads} 0 {start} {vsize} {rss} {rsslim} {scode} {ecode} {stack} 0 0 {pending} {blocked} {ign} {cgt} 0 0 0 {exit_signal} 0 0 0 0 0 0 {brk} {brk} {brk} {as_} {ae} {es} {ee} {exit_code}\n",
        comm = comm_str(&t),
        ppid = g.ppid(),
        pgrp = g.pgid(),
        sid = g.sid(),
        ut = ticks(utime),
        st = ticks(stime),
        cut = ticks(cu.user),
        cst = ticks(cu.sys),
        prio = 20 + nice,
        exit_signal = g.exit_signal,
        as_ = info.arg.0,
        ae = info.arg.1,
        es = info.env.0,
        ee = info.env.1,
    )
    .into_bytes())
}

fn statm(c: &Ctx) -> R {
    let Some(mm) = c.mm() else {
        return Ok(b"0 0 0 0 0 0 0\n".to_vec());
    };
    let (total, data) = mm.vm_totals();
    let (s, e) = code_span(&mm);
    Ok(format!(
        "{} {} 0 {} 0 {} 0\n",
        total / PAGE,
        mm.resident() / PAGE,
        (e - s) / PAGE,
        data / PAGE
    )
    .into_bytes())
}

fn status(c: &Ctx) -> R {
    let k = c.kernel()?;
    let t = c.task()?;
    let g = &c.g()?;
    let state = state_of(g, &t);
    let view = t.view();
    let creds = view.as_ref().map(|v| v.creds.clone()).unwrap_or_else(|| {
        let mut c = Creds::new(0, 0, Vec::new());
        c.cap_effective = 0;
        c
    });
    let umask = view.as_ref().map_or(0o022, |v| v.fs.umask());
    let fdsize = view
        .as_ref()
        .map_or(0, |v| v.files.list().last().map_or(0, |(fd, _)| *fd + 1))
        .max(64);
    let tid = c.tid().unwrap_or(g.pid);
    let mm = c.mm().filter(|_| state != 'Z');
    let kb = |b: u64| b / 1024;
    let mut vm = String::new();
    if let Some(mm) = &mm {
        let (total, data) = mm.vm_totals();
        let stk: u64 = mm
            .vmas()
            .iter()
            .filter(|(_, v)| v.name == Some("[stack]"))
            .map(|(a, v)| v.end - a)
            .sum();
        let (s, e) = code_span(mm);
        let rss = mm.resident();
        vm = format!(
            "VmPeak:\t{:>8} kB\nVmSize:\t{:>8} kB\nVmLck:\t{:>8} kB\nVmPin:\t{:>8} kB\nVmHWM:\t{:>8} kB\nVmRSS:\t{:>8} kB\nRssAnon:\t{:>8} kB\nRssFile:\t{:>8} kB\nRssShmem:\t{:>8} kB\nVmData:\t{:>8} kB\nVmStk:\t{:>8} kB\nVmExe:\t{:>8} kB\nVmLib:\t{:>8} kB\nVmPTE:\t{:>8} kB\nVmSwap:\t{:>8} kB\n",
            kb(total),
            kb(total),
            0,
            0,
            kb(mm.max_resident().max(rss)),
            kb(rss),
            kb(rss),
            0,
            0,
            kb(data),
            kb(stk),
            kb(e - s),
            0,
            kb(total / 512).max(4),
            0
        );
    }
    let groups: String = creds.groups.iter().map(|g| format!("{g} ")).collect();
    let pending = t.sig().pending.set;
    let shared = lock(&g.pending).set;
    let (ign, cgt) = sig_sets(g);
    let queued = (pending | shared).count_ones();
    let cpus = k.cpus;
    let mask: u64 = if cpus >= 64 {
        u64::MAX
    } else {
        (1u64 << cpus) - 1
    };
    let list = if cpus > 1 {
        format!("0-{}", cpus - 1)
    } else {
        "0".to_string()
    };
    let (tp, tu) = (g.pid, t.tid());
    let _ = tu;
    Ok(format!(
        "Name:\t{name}\nUmask:\t{umask:04o}\nState:\t{state}\nTgid:\t{tp}\nNgid:\t0\nPid:\t{tid}\nPPid:\t{ppid}\nTracerPid:\t0\n\
         Uid:\t{u}\t{eu}\t{su}\t{fu}\nGid:\t{gi}\t{eg}\t{sg}\t{fg}\nFDSize:\t{fdsize}\nGroups:\t{groups}\n\
         NStgid:\t{tp}\nNSpid:\t{tid}\nNSpgid:\t{pgid}\nNSsid:\t{sid}\n{vm}Threads:\t{threads}\n\
         SigQ:\t{queued}/{sigq}\nSigPnd:\t{pending:016x}\nShdPnd:\t{shared:016x}\nSigBlk:\t{blk:016x}\nSigIgn:\t{ign:016x}\nSigCgt:\t{cgt:016x}\n\
         CapInh:\t{ci:016x}\nCapPrm:\t{cp:016x}\nCapEff:\t{ce:016x}\nCapBnd:\t{cb:016x}\nCapAmb:\t{ca:016x}\n\
         NoNewPrivs:\t{nnp}\nSeccomp:\t0\nSeccomp_filters:\t0\nSpeculation_Store_Bypass:\tthread vulnerable\n\
         Cpus_allowed:\t{mask:x}\nCpus_allowed_list:\t{list}\nMems_allowed:\t1\nMems_allowed_list:\t0\n\
         voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n",
        name = comm_str(&t),
        state = state_name(state),
        ppid = g.ppid(),
        u = creds.uid,
        eu = creds.euid,
        su = creds.suid,
        fu = creds.fsuid,
        gi = creds.gid,
        eg = creds.egid,
        sg = creds.sgid,
        fg = creds.fsgid,
        pgid = g.pgid(),
        sid = g.sid(),
        threads = lock(&g.threads).len().max(1),
        sigq = g.limit(RLIMIT_SIGPENDING as usize).cur,
        blk = t.mask(),
        ci = creds.cap_inheritable,
        cp = creds.cap_permitted,
        ce = creds.cap_effective,
        cb = creds.cap_bounding,
        ca = creds.cap_ambient,
        nnp = g.no_new_privs.load(Ordering::Relaxed) as u8,
    )
    .into_bytes())
}

/// Reads `[start, end)` of the process's memory (argv, environ), as much
/// of it as is mapped.
fn read_area(c: &Ctx, (start, end): (u64, u64)) -> R {
    let Some(mm) = c.mm() else {
        return Ok(Vec::new());
    };
    if end <= start {
        return Ok(Vec::new());
    }
    let mut buf = vec![0u8; (end - start).min(1 << 20) as usize];
    match mm.copy_in(start, &mut buf) {
        Ok(()) => Ok(buf),
        Err(_) => Ok(Vec::new()),
    }
}

fn cmdline(c: &Ctx) -> R {
    if lock(&c.g()?.state).zombie {
        return Ok(Vec::new());
    }
    let Some(mm) = c.mm() else {
        return Ok(Vec::new());
    };
    let arg = lock(&mm.exec_info).arg;
    let mut v = read_area(c, arg)?;
    // A process that rewrote its argv area into one string (setproctitle)
    // ends at the first NUL, as Linux shows it.
    if v.last() != Some(&0) {
        if let Some(i) = v.iter().position(|&b| b == 0) {
            v.truncate(i);
        }
    }
    Ok(v)
}

fn environ(c: &Ctx) -> R {
    may_access(&*c.g()?, &*c.task()?)?;
    let Some(mm) = c.mm() else {
        return Ok(Vec::new());
    };
    let env = lock(&mm.exec_info).env;
    read_area(c, env)
}

fn auxv(c: &Ctx) -> R {
    may_access(&*c.g()?, &*c.task()?)?;
    let Some(mm) = c.mm() else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (k, v) in &lock(&mm.exec_info).auxv {
        out.extend_from_slice(&k.to_le_bytes());
        out.extend_from_slice(&v.to_le_bytes());
    }
    Ok(out)
}

/// The path of `p` as the *calling* task sees it (readlink of a /proc
/// link gives the name from the reader's root).
fn name_of(p: &Path) -> Vec<u8> {
    let mut name = match super::current_view() {
        Some(v) => {
            let creds = v.creds.clone();
            let lk = Lookup {
                ns: &v.mnt_ns,
                root: v.fs.root(),
                start: v.fs.root(),
                creds: &creds,
                resolve: 0,
            };
            lk.path_of(p)
        }
        None => b"/".to_vec(),
    };
    if p.dentry.is_dead() {
        name.extend_from_slice(b" (deleted)");
    }
    name
}

fn exe_path(c: &Ctx) -> Result<Path, Errno> {
    may_access(&*c.g()?, &*c.task()?)?;
    let mm = c.mm().ok_or(Errno::ENOENT)?;
    let exe = lock(&mm.exec_info).exe.clone();
    exe.ok_or(Errno::ENOENT)
}

fn exe_name(c: &Ctx) -> R {
    exe_path(c).map(|p| name_of(&p))
}

fn fs_link(c: &Ctx, root: bool) -> Result<(Path, Vec<u8>), Errno> {
    may_access(&*c.g()?, &*c.task()?)?;
    if lock(&c.g()?.state).zombie {
        return Err(Errno::ENOENT);
    }
    let v = c.view()?;
    let p = if root { v.fs.root() } else { v.fs.cwd() };
    let n = name_of(&p);
    Ok((p, n))
}

/// What readlink of fd/N shows for `file`.
fn file_name(file: &File) -> Vec<u8> {
    if let Some(p) = &file.path {
        return name_of(p);
    }
    let ino = file.inode.attr().map_or(0, |a| a.ino);
    use crate::vfs::FileType;
    if let Some(name) = file.inode.anon_name() {
        return format!("anon_inode:{name}").into_bytes();
    }
    match file.inode.file_type() {
        FileType::Fifo => format!("pipe:[{ino}]").into_bytes(),
        FileType::CharDevice => {
            // A device handed in from outside (stdio): named as in /dev.
            let rdev = file.inode.attr().map_or(0, |a| a.rdev);
            let (major, minor) = ((rdev >> 8) & 0xfff, (rdev & 0xff) | ((rdev >> 12) & !0xff));
            match (major, minor) {
                (1, 3) => b"/dev/null".to_vec(),
                _ => format!("/dev/char/{major}:{minor}").into_bytes(),
            }
        }
        FileType::Socket => format!("socket:[{ino}]").into_bytes(),
        _ => format!("anon_inode:[{ino}]").into_bytes(),
    }
}

/// Where following fd/N leads: the file's own place, or (for files with
/// none: pipes, sockets, anonymous files) the inode itself, seen through
/// the /proc mount.
fn file_place(file: &Arc<File>, at: &Path) -> Path {
    match &file.path {
        Some(p) => p.clone(),
        None => Path {
            mount: at.mount.clone(),
            dentry: Dentry::new_root(file.inode.clone()),
        },
    }
}

fn fd_entries(c: &Arc<Ctx>, m: &Meta, info: bool) -> Vec<(Vec<u8>, InodeRef)> {
    let mut e = Entries::new(m);
    let Ok(t) = c.task() else {
        return Vec::new();
    };
    let Ok(g) = c.g() else {
        return Vec::new();
    };
    if may_access(&g, &t).is_err() {
        return Vec::new();
    }
    let Some(v) = t.view() else {
        return Vec::new();
    };
    for (fd, file) in v.files.list() {
        let name = fd.to_string();
        // Weak: a cached dentry must not keep the file open.
        if info {
            let files = Arc::downgrade(&v.files);
            let f = Arc::downgrade(&file);
            e.file(
                &name,
                0o444,
                Arc::new(move || {
                    let f = f.upgrade().ok_or(Errno::ENOENT)?;
                    let cloexec = files
                        .upgrade()
                        .is_some_and(|t| t.cloexec(fd).unwrap_or(false));
                    Ok(fdinfo(&f, cloexec))
                }),
            );
        } else {
            let mode = match (file.readable(), file.writable()) {
                (true, true) => 0o700,
                (true, false) => 0o500,
                (false, true) => 0o300,
                _ => 0o100,
            };
            let (f1, f2) = (Arc::downgrade(&file), Arc::downgrade(&file));
            e.magic(
                &name,
                mode,
                Arc::new(move || Ok(file_name(&*f1.upgrade().ok_or(Errno::ENOENT)?))),
                Arc::new(move |at: &Path| Ok(file_place(&f2.upgrade().ok_or(Errno::ENOENT)?, at))),
            );
        }
    }
    e.take()
}

fn fdinfo(f: &File, cloexec: bool) -> Vec<u8> {
    let pos = *f.pos.lock().unwrap_or_else(|e| e.into_inner());
    let mut flags = f.flags();
    if cloexec {
        flags |= O_CLOEXEC;
    }
    let mnt = f.path.as_ref().map_or(0, |p| p.mount.id);
    let ino = f.inode.attr().map_or(0, |a| a.ino);
    let mut s = format!("pos:\t{pos}\nflags:\t0{flags:o}\nmnt_id:\t{mnt}\nino:\t{ino}\n");
    s.push_str(&f.ops.fdinfo(f));
    s.into_bytes()
}

fn maps(c: &Ctx, smaps: bool) -> R {
    may_access(&*c.g()?, &*c.task()?)?;
    let Some(mm) = c.mm() else {
        return Ok(Vec::new());
    };
    let mut out = String::new();
    for (start, v) in mm.vmas() {
        let perms = format!(
            "{}{}{}{}",
            if v.prot.read { 'r' } else { '-' },
            if v.prot.write { 'w' } else { '-' },
            if v.prot.exec { 'x' } else { '-' },
            if v.shared { 's' } else { 'p' }
        );
        let (off, dev, ino, name) = match &v.backing {
            Backing::File { file, offset } | Backing::Shared { file, offset } => {
                let a = file.inode.attr().ok();
                let dev = a.as_ref().map_or(0, |a| a.dev);
                let major = (dev >> 8) & 0xfff;
                let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
                let name = match &file.path {
                    Some(p) => String::from_utf8_lossy(&name_of(p)).into_owned(),
                    None => String::new(),
                };
                (
                    *offset,
                    format!("{major:02x}:{minor:02x}"),
                    a.map_or(0, |a| a.ino),
                    name,
                )
            }
            Backing::Anon => (0, "00:00".to_string(), 0, v.name.unwrap_or("").to_string()),
        };
        let head = format!("{start:08x}-{:08x} {perms} {off:08x} {dev} {ino}", v.end);
        if name.is_empty() {
            out.push_str(&head);
            out.push('\n');
        } else {
            out.push_str(&format!("{head:<72} {name}\n"));
        }
        if smaps {
            let size = (v.end - start) / 1024;
            let rss = mm.resident_in(start, v.end) / 1024;
            // Private pages of a file become the process's own once written.
            let anon = if matches!(v.backing, Backing::Anon) || (!v.shared && v.prot.write) {
                rss
            } else {
                0
            };
            let line = |k: &str, n: u64| format!("{:<16}{n:>8} kB\n", format!("{k}:"));
            for (k, n) in [
                ("Size", size),
                ("KernelPageSize", 4),
                ("MMUPageSize", 4),
                ("Rss", rss),
                ("Pss", rss),
                ("Pss_Dirty", anon),
                ("Shared_Clean", 0),
                ("Shared_Dirty", 0),
                ("Private_Clean", rss - anon),
                ("Private_Dirty", anon),
                ("Referenced", rss),
                ("Anonymous", anon),
                ("KSM", 0),
                ("LazyFree", 0),
                ("AnonHugePages", 0),
                ("ShmemPmdMapped", 0),
                ("FilePmdMapped", 0),
                ("Shared_Hugetlb", 0),
                ("Private_Hugetlb", 0),
                ("Swap", 0),
                ("SwapPss", 0),
                ("Locked", 0),
            ] {
                out.push_str(&line(k, n));
            }
            out.push_str("THPeligible:    0\n");
            let mut flags = String::new();
            for (on, f) in [
                (v.prot.read, "rd"),
                (v.prot.write, "wr"),
                (v.prot.exec, "ex"),
                (v.shared, "sh"),
                (true, "mr"),
                (true, "mw"),
                (true, "me"),
                (v.growsdown, "gd"),
                (matches!(v.backing, Backing::Anon), "ac"),
            ] {
                if on {
                    flags.push_str(f);
                    flags.push(' ');
                }
            }
            out.push_str(&format!("VmFlags: {flags}\n"));
        }
    }
    Ok(out.into_bytes())
}

fn escape(s: &[u8]) -> String {
    let mut out = String::new();
    for &b in s {
        match b {
            b' ' | b'\t' | b'\n' | b'\\' => out.push_str(&format!("\\{b:03o}")),
            _ => out.push(b as char),
        }
    }
    out
}

/// The process's mounts, mount points as seen from its root (mounts
/// outside a chroot are left out, as Linux does).
fn mounts(c: &Ctx, info: bool) -> R {
    let v = c.view()?;
    let all = v.mnt_ns.all();
    let root = v.fs.root();
    let lk = Lookup {
        ns: &v.mnt_ns,
        root: root.clone(),
        start: root,
        creds: &v.creds,
        resolve: 0,
    };
    let mut out = String::new();
    for mi in v.mnt_ns.mount_info() {
        // Where the mount's root is, seen from the process's root (Linux's
        // seq_path_root of the mount's root).
        let point = match all.iter().find(|m| m.id == mi.id) {
            Some(m) => lk.path_of(&Path {
                mount: m.clone(),
                dentry: m.root.clone(),
            }),
            None => mi.mount_point.clone(),
        };
        if point.starts_with(b"(unreachable)") {
            continue;
        }
        let mp = escape(&point);
        if info {
            let dev = all
                .iter()
                .find(|m| m.id == mi.id)
                .and_then(|m| m.root.inode.attr().ok())
                .map_or(0, |a| a.dev);
            let major = (dev >> 8) & 0xfff;
            let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
            let prop = match mi.propagation {
                crate::vfs::Propagation::Shared => format!(" shared:{}", mi.id),
                crate::vfs::Propagation::Slave => format!(" master:{}", mi.id),
                crate::vfs::Propagation::Unbindable => " unbindable".to_string(),
                crate::vfs::Propagation::Private => String::new(),
            };
            out.push_str(&format!(
                "{} {} {major}:{minor} {} {mp} {}{prop} - {} {} {}\n",
                mi.id,
                mi.parent_id,
                escape(&mi.root),
                mi.options,
                mi.fs_type,
                escape(mi.source.as_bytes()),
                mi.super_options
            ));
        } else {
            let mut opts = mi.options.clone();
            if !mi.super_options.is_empty() {
                // super options repeat "rw"/"ro"; keep the extra ones.
                for o in mi.super_options.split(',') {
                    if o != "rw" && o != "ro" && !opts.split(',').any(|x| x == o) {
                        opts.push(',');
                        opts.push_str(o);
                    }
                }
            }
            out.push_str(&format!(
                "{} {mp} {} {opts} 0 0\n",
                escape(mi.source.as_bytes()),
                mi.fs_type
            ));
        }
    }
    Ok(out.into_bytes())
}

fn limits(c: &Ctx) -> R {
    let rows = [
        ("Max cpu time", RLIMIT_CPU, "seconds"),
        ("Max file size", RLIMIT_FSIZE, "bytes"),
        ("Max data size", RLIMIT_DATA, "bytes"),
        ("Max stack size", RLIMIT_STACK, "bytes"),
        ("Max core file size", RLIMIT_CORE, "bytes"),
        ("Max resident set", RLIMIT_RSS, "bytes"),
        ("Max processes", RLIMIT_NPROC, "processes"),
        ("Max open files", RLIMIT_NOFILE, "files"),
        ("Max locked memory", RLIMIT_MEMLOCK, "bytes"),
        ("Max address space", RLIMIT_AS, "bytes"),
        ("Max file locks", RLIMIT_LOCKS, "locks"),
        ("Max pending signals", RLIMIT_SIGPENDING, "signals"),
        ("Max msgqueue size", RLIMIT_MSGQUEUE, "bytes"),
        ("Max nice priority", RLIMIT_NICE, ""),
        ("Max realtime priority", RLIMIT_RTPRIO, ""),
        ("Max realtime timeout", RLIMIT_RTTIME, "us"),
    ];
    let show = |v: u64| {
        if v == u64::MAX {
            "unlimited".to_string()
        } else {
            v.to_string()
        }
    };
    let mut out = format!(
        "{:<25}{:<21}{:<21}{:<10}\n",
        "Limit", "Soft Limit", "Hard Limit", "Units"
    );
    for (name, r, unit) in rows {
        let l = c.g()?.limit(r as usize);
        out.push_str(&format!(
            "{name:<25}{:<21}{:<21}{unit:<10}\n",
            show(l.cur),
            show(l.max)
        ));
    }
    Ok(out.into_bytes())
}

/// /proc/PID/io: the read/write counts of the thread, or of every thread
/// of the process (its live ones and the last to leave). The sandbox has no
/// block devices: read_bytes and write_bytes stay 0.
fn io(c: &Ctx) -> R {
    let g = c.g()?;
    may_access(&g, &*c.task()?)?;
    let threads: Vec<Arc<TaskShared>> = match &c.thread {
        Some(_) => vec![c.task()?],
        None => {
            let mut v = lock(&g.threads).clone();
            v.extend(lock(&g.last_thread).clone());
            v
        }
    };
    let mut sum = [0u64; 4];
    for t in &threads {
        for (s, a) in sum.iter_mut().zip(t.io.iter()) {
            *s += a.load(Ordering::Relaxed);
        }
    }
    Ok(format!(
        "rchar: {}\nwchar: {}\nsyscr: {}\nsyscw: {}\nread_bytes: 0\nwrite_bytes: 0\ncancelled_write_bytes: 0\n",
        sum[0], sum[1], sum[2], sum[3]
    )
    .into_bytes())
}
