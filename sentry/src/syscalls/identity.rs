//! Who and where: ids, uname, umask, limits, sysinfo, getrandom, prctl,
//! scheduling queries.

use std::sync::Arc;
use syscalls::consts::*;
use syscalls::types::{Rlimit, Sysinfo, Utsname};
use syscalls::Errno;

use super::SysResult;
use crate::kernel::task_caps::*;
use crate::kernel::{rand, Task, RLIM_NLIMITS};

pub fn getpid(t: &mut Task, _a: &[u64; 6]) -> SysResult {
    Ok(t.tg.pid as u64)
}

pub fn getppid(t: &mut Task, _a: &[u64; 6]) -> SysResult {
    Ok(t.tg.ppid() as u64)
}

pub fn gettid(t: &mut Task, _a: &[u64; 6]) -> SysResult {
    Ok(t.tid as u64)
}

pub fn getuid(t: &mut Task, _a: &[u64; 6]) -> SysResult {
    Ok(t.creds.uid as u64)
}

pub fn geteuid(t: &mut Task, _a: &[u64; 6]) -> SysResult {
    Ok(t.creds.euid as u64)
}

pub fn getgid(t: &mut Task, _a: &[u64; 6]) -> SysResult {
    Ok(t.creds.gid as u64)
}

pub fn getegid(t: &mut Task, _a: &[u64; 6]) -> SysResult {
    Ok(t.creds.egid as u64)
}

pub fn getgroups(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let size = a[0] as i32;
    let groups = &t.creds.groups;
    if size < 0 {
        return Err(Errno::EINVAL);
    }
    if size == 0 {
        return Ok(groups.len() as u64);
    }
    if (size as usize) < groups.len() {
        return Err(Errno::EINVAL);
    }
    let bytes: Vec<u8> = groups.iter().flat_map(|g| g.to_le_bytes()).collect();
    t.mm().copy_out(a[1], &bytes)?;
    Ok(groups.len() as u64)
}

pub fn uname(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let u = t
        .kernel
        .uts
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let field = |s: &[u8]| {
        let mut f = [0u8; 65];
        let n = s.len().min(64);
        f[..n].copy_from_slice(&s[..n]);
        f
    };
    let out = Utsname {
        sysname: field(&u.sysname),
        nodename: field(&u.nodename),
        release: field(&u.release),
        version: field(&u.version),
        machine: field(&u.machine),
        domainname: field(&u.domainname),
    };
    t.mm().write_obj(a[0], &out)?;
    Ok(0)
}

pub fn umask(t: &mut Task, a: &[u64; 6]) -> SysResult {
    Ok(t.fs.set_umask(a[0] as u32 & 0o777) as u64)
}

/// PR_SET_NAME and PR_GET_NAME; other options EINVAL for now.
pub fn prctl(t: &mut Task, a: &[u64; 6]) -> SysResult {
    use std::sync::atomic::Ordering::Relaxed;
    let flag = |v: u64| -> Result<bool, Errno> {
        match v {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Errno::EINVAL),
        }
    };
    match a[0] as i32 {
        PR_SET_NAME => {
            let mut buf = [0u8; 16];
            // The name may sit at the end of a mapping: read up to the NUL.
            let name = t.mm().read_cstr(a[1], 4096).or_else(|e| {
                if e == Errno::ENAMETOOLONG {
                    t.mm().copy_in(a[1], &mut buf[..15])?;
                    Ok(buf[..15].to_vec())
                } else {
                    Err(e)
                }
            })?;
            t.shared.set_comm(&name);
            Ok(0)
        }
        PR_GET_NAME => {
            let c = t.shared.comm();
            t.mm().copy_out(a[1], &c)?;
            Ok(0)
        }
        PR_SET_PDEATHSIG => {
            let sig = a[1] as i32;
            if !(0..=64).contains(&sig) || a[1] > 64 {
                return Err(Errno::EINVAL);
            }
            t.tg.pdeath_signal.store(sig, Relaxed);
            Ok(0)
        }
        PR_GET_PDEATHSIG => {
            t.mm().write_obj(a[1], &t.tg.pdeath_signal.load(Relaxed))?;
            Ok(0)
        }
        PR_SET_DUMPABLE => {
            let on = flag(a[1])?;
            t.tg.dumpable.store(on, Relaxed);
            Ok(0)
        }
        PR_GET_DUMPABLE => Ok(t.tg.dumpable.load(Relaxed) as u64),
        PR_SET_NO_NEW_PRIVS => {
            if a[1] != 1 || a[2] != 0 || a[3] != 0 || a[4] != 0 {
                return Err(Errno::EINVAL);
            }
            t.tg.no_new_privs.store(true, Relaxed);
            Ok(0)
        }
        PR_GET_NO_NEW_PRIVS => {
            if a[1] != 0 || a[2] != 0 || a[3] != 0 || a[4] != 0 {
                return Err(Errno::EINVAL);
            }
            Ok(t.tg.no_new_privs.load(Relaxed) as u64)
        }
        PR_SET_CHILD_SUBREAPER => {
            t.tg.child_subreaper.store(a[1] != 0, Relaxed);
            Ok(0)
        }
        PR_GET_CHILD_SUBREAPER => {
            t.mm()
                .write_obj(a[1], &(t.tg.child_subreaper.load(Relaxed) as i32))?;
            Ok(0)
        }
        PR_SET_KEEPCAPS => {
            t.creds.keep_caps = flag(a[1])?;
            t.publish();
            Ok(0)
        }
        PR_GET_KEEPCAPS => Ok(t.creds.keep_caps as u64),
        PR_CAPBSET_READ => {
            if a[1] > CAP_LAST_CAP as u64 {
                return Err(Errno::EINVAL);
            }
            Ok((t.creds.cap_bounding >> a[1]) & 1)
        }
        PR_CAPBSET_DROP => {
            if a[1] > CAP_LAST_CAP as u64 {
                return Err(Errno::EINVAL);
            }
            if !t.creds.has_cap(CAP_SETPCAP) {
                return Err(Errno::EPERM);
            }
            t.creds.cap_bounding &= !(1 << a[1]);
            t.publish();
            Ok(0)
        }
        // No seccomp filters inside the sandbox yet.
        PR_GET_SECCOMP => Ok(0),
        _ => Err(Errno::EINVAL.with_msg("prctl option not supported yet")),
    }
}

const LINUX_CAPABILITY_VERSION_1: u32 = 0x1998_0330;
const LINUX_CAPABILITY_VERSION_2: u32 = 0x2007_1026;
const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;

/// Reads capget/capset's header: the number of 32-bit words the version
/// uses, or EINVAL after writing the preferred version back.
fn cap_header(t: &Task, hdr: u64) -> Result<(usize, i32), Errno> {
    let h: [u32; 2] = t.mm().read_obj(hdr)?;
    match h[0] {
        LINUX_CAPABILITY_VERSION_1 => Ok((1, h[1] as i32)),
        LINUX_CAPABILITY_VERSION_2 | LINUX_CAPABILITY_VERSION_3 => Ok((2, h[1] as i32)),
        _ => {
            t.mm().write_obj(hdr, &LINUX_CAPABILITY_VERSION_3)?;
            Err(Errno::EINVAL)
        }
    }
}

pub fn capget(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (words, pid) = match cap_header(t, a[0]) {
        Ok(v) => v,
        // A NULL data pointer with a bad version is a version probe.
        Err(e) if a[1] == 0 => return if e == Errno::EINVAL { Ok(0) } else { Err(e) },
        Err(e) => return Err(e),
    };
    if pid < 0 {
        return Err(Errno::EINVAL);
    }
    let c = if pid == 0 || pid == t.tid || pid == t.tg.pid {
        t.creds.clone()
    } else if t.kernel.task(pid).is_some() {
        // Other tasks share the caller's credentials for now.
        t.creds.clone()
    } else {
        return Err(Errno::ESRCH);
    };
    if a[1] == 0 {
        return Ok(0);
    }
    let mut data = Vec::new();
    for w in 0..words {
        for set in [c.cap_effective, c.cap_permitted, c.cap_inheritable] {
            data.extend_from_slice(&((set >> (32 * w)) as u32).to_le_bytes());
        }
    }
    t.mm().copy_out(a[1], &data)?;
    Ok(0)
}

pub fn capset(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (words, pid) = cap_header(t, a[0])?;
    if pid != 0 && pid != t.tid {
        return Err(Errno::EPERM);
    }
    let mut data = vec![0u8; words * 12];
    t.mm().copy_in(a[1], &mut data)?;
    let word =
        |i: usize| u32::from_le_bytes(data[i * 4..i * 4 + 4].try_into().expect("4 bytes")) as u64;
    let (mut eff, mut perm, mut inh) = (0u64, 0u64, 0u64);
    for w in 0..words {
        eff |= word(w * 3) << (32 * w);
        perm |= word(w * 3 + 1) << (32 * w);
        inh |= word(w * 3 + 2) << (32 * w);
    }
    let c = &t.creds;
    // No new permitted capabilities; effective within permitted; new
    // inheritable ones only from permitted (or anything with CAP_SETPCAP),
    // and never outside the bounding set.
    if perm & !c.cap_permitted != 0 || eff & !perm != 0 {
        return Err(Errno::EPERM);
    }
    let inh_limit = if c.has_cap(CAP_SETPCAP) {
        c.cap_inheritable | c.cap_permitted | c.cap_bounding
    } else {
        c.cap_inheritable | c.cap_permitted
    };
    if inh & !inh_limit != 0 || inh & !(c.cap_inheritable | c.cap_bounding) != 0 {
        return Err(Errno::EPERM);
    }
    let c = &mut t.creds;
    c.cap_effective = eff;
    c.cap_permitted = perm;
    c.cap_inheritable = inh;
    c.cap_ambient &= perm & inh;
    t.publish();
    Ok(0)
}

fn do_prlimit(t: &Task, resource: u64, new: u64, old: u64) -> SysResult {
    let r = resource as usize;
    if r >= RLIM_NLIMITS {
        return Err(Errno::EINVAL);
    }
    let new_lim = if new != 0 {
        let l: Rlimit = t.mm().read_obj(new)?;
        if l.cur > l.max {
            return Err(Errno::EINVAL);
        }
        Some(l)
    } else {
        None
    };
    let mut limits = t.tg.limits.lock().unwrap_or_else(|e| e.into_inner());
    if old != 0 {
        t.mm().write_obj(old, &limits[r])?;
    }
    if let Some(l) = new_lim {
        if l.max > limits[r].max && !t.creds.has_cap(CAP_SYS_RESOURCE) {
            return Err(Errno::EPERM);
        }
        if r == RLIMIT_NOFILE as usize && l.max > crate::vfs::MAX_FDS as u64 {
            return Err(Errno::EPERM);
        }
        limits[r] = l;
    }
    Ok(0)
}

pub fn prlimit64(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let pid = a[0] as i32;
    if pid != 0 && pid != t.tg.pid {
        return Err(Errno::ESRCH);
    }
    do_prlimit(t, a[1], a[2], a[3])
}

pub fn getrlimit(t: &mut Task, a: &[u64; 6]) -> SysResult {
    do_prlimit(t, a[0], 0, a[1])
}

pub fn sysinfo(t: &mut Task, a: &[u64; 6]) -> SysResult {
    // Memory as /proc/meminfo shows it: the sandbox's use of the host's RAM.
    let total = crate::fs::proc::host_ram();
    let free = total.saturating_sub(t.kernel.mf.used_bytes());
    // The sandbox's own load, as /proc/loadavg shows it (SI_LOAD_SHIFT 16).
    let (load, _, procs) = crate::fs::proc::load_average(&t.kernel);
    let fixed = |l: f64| (l * 65536.0) as u64;
    let info = Sysinfo {
        uptime: t.kernel.boot.elapsed().as_secs() as i64,
        loads: [fixed(load[0]), fixed(load[1]), fixed(load[2])],
        totalram: total,
        freeram: free,
        procs: procs.min(u16::MAX as u32) as u16,
        mem_unit: 1,
        ..Sysinfo::default()
    };
    t.mm().write_obj(a[0], &info)?;
    Ok(0)
}

pub fn getrandom(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let flags = a[2] as u32;
    if flags & !(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) != 0
        || flags & (GRND_RANDOM | GRND_INSECURE) == (GRND_RANDOM | GRND_INSECURE)
    {
        return Err(Errno::EINVAL);
    }
    let len = a[1].min(32 << 20) as usize;
    t.mm()
        .with_user_mut(a[0], len, |buf| {
            rand::fill(buf);
            Ok(buf.len())
        })
        .map(|n| n as u64)
}

pub fn sched_yield(_t: &mut Task, _a: &[u64; 6]) -> SysResult {
    std::thread::yield_now();
    Ok(0)
}

/// Reports the sandbox's CPUs (all of the host's for now).
pub fn sched_getaffinity(t: &mut Task, a: &[u64; 6]) -> SysResult {
    is_self(t, a[0] as i32)?;
    let len = a[1] as usize;
    let words = t.kernel.cpus.div_ceil(64).max(1);
    if len < words * 8 || !len.is_multiple_of(8) {
        return Err(Errno::EINVAL);
    }
    let mut mask = vec![0u8; words * 8];
    for cpu in 0..t.kernel.cpus {
        mask[cpu / 8] |= 1 << (cpu % 8);
    }
    t.mm().copy_out(a[2], &mask)?;
    Ok(mask.len() as u64)
}

/// The thread a sched_* call names: 0 for the caller, else any thread of
/// the sandbox by tid (a process id names its leader).
fn is_self(t: &Task, pid: i32) -> Result<(), Errno> {
    sched_target(t, pid).map(|_| ())
}

fn sched_target(t: &Task, pid: i32) -> Result<std::sync::Arc<crate::kernel::TaskShared>, Errno> {
    match pid {
        p if p < 0 => Err(Errno::ESRCH),
        0 => Ok(t.shared.clone()),
        p => t.kernel.task(p).ok_or(Errno::ESRCH),
    }
}

/// The process `pid` names (0: the caller).
fn process(t: &Task, pid: i32) -> Result<Arc<crate::kernel::ThreadGroup>, Errno> {
    if pid < 0 {
        return Err(Errno::ESRCH);
    }
    if pid == 0 {
        return Ok(t.tg.clone());
    }
    t.kernel.group(pid).ok_or(Errno::ESRCH)
}

pub fn getpgrp(t: &mut Task, _a: &[u64; 6]) -> SysResult {
    Ok(t.tg.pgid() as u64)
}

pub fn getpgid(t: &mut Task, a: &[u64; 6]) -> SysResult {
    Ok(process(t, a[0] as i32)?.pgid() as u64)
}

pub fn getsid(t: &mut Task, a: &[u64; 6]) -> SysResult {
    Ok(process(t, a[0] as i32)?.sid() as u64)
}

/// setpgid(2): the caller or one of its children, into a new group or a
/// group of the same session.
pub fn setpgid(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (pid, pgid) = (a[0] as i32, a[1] as i32);
    if pid < 0 || pgid < 0 {
        return Err(Errno::EINVAL);
    }
    let target = process(t, pid)?;
    let is_me = Arc::ptr_eq(&target, &t.tg);
    if !is_me {
        let is_child =
            t.tg.children
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .any(|c| Arc::ptr_eq(c, &target));
        if !is_child {
            return Err(Errno::ESRCH);
        }
        if target.sid() != t.tg.sid() {
            return Err(Errno::EPERM);
        }
        if target.did_exec.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(Errno::EACCES);
        }
    }
    if target.sid() == target.pid {
        // A session leader cannot move.
        return Err(Errno::EPERM);
    }
    let pgid = if pgid == 0 { target.pid } else { pgid };
    if pgid != target.pid {
        let sid = t.tg.sid();
        let exists = t
            .kernel
            .all_groups()
            .iter()
            .any(|g| g.pgid() == pgid && g.sid() == sid && !g.is_zombie());
        if !exists {
            return Err(Errno::EPERM);
        }
    }
    target.pgid_sid.lock().unwrap_or_else(|e| e.into_inner()).0 = pgid;
    Ok(0)
}

pub fn setsid(t: &mut Task, _a: &[u64; 6]) -> SysResult {
    let me = t.tg.pid;
    // Not for a group leader, nor when a group with our pid exists.
    let leader_of_group = t
        .kernel
        .all_groups()
        .iter()
        .any(|g| g.pgid() == me && !g.is_zombie());
    if leader_of_group {
        return Err(Errno::EPERM);
    }
    *t.tg.pgid_sid.lock().unwrap_or_else(|e| e.into_inner()) = (me, me);
    t.kernel.ttys.new_session(me);
    Ok(me as u64)
}

pub fn getresuid(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let c = t.creds.clone();
    for (addr, v) in [(a[0], c.uid), (a[1], c.euid), (a[2], c.suid)] {
        t.mm().write_obj(addr, &v)?;
    }
    Ok(0)
}

pub fn getresgid(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let c = t.creds.clone();
    for (addr, v) in [(a[0], c.gid), (a[1], c.egid), (a[2], c.sgid)] {
        t.mm().write_obj(addr, &v)?;
    }
    Ok(0)
}

/// An id argument: -1 means "leave unchanged".
fn id_arg(a: u64) -> Option<u32> {
    (a as u32 != u32::MAX).then_some(a as u32)
}

/// Credentials changes follow Linux's rules, with "privileged" meaning
/// euid 0 until the capability model arrives.
fn set_ids(
    t: &mut Task,
    uids: bool,
    r: Option<u32>,
    e: Option<u32>,
    s: Option<u32>,
    any_of_three: bool,
) -> SysResult {
    let before = t.creds.clone();
    let c = &mut t.creds;
    let privileged = c.has_cap(if uids { CAP_SETUID } else { CAP_SETGID });
    let (old_uid, old_euid, old_suid) = (c.uid, c.euid, c.suid);
    let (cr, ce, cs) = if uids {
        (c.uid, c.euid, c.suid)
    } else {
        (c.gid, c.egid, c.sgid)
    };
    let allowed = |v: u32, set: &[u32]| privileged || set.contains(&v);
    let all = [cr, ce, cs];
    let ok = if any_of_three {
        r.is_none_or(|v| allowed(v, &all))
            && e.is_none_or(|v| allowed(v, &all))
            && s.is_none_or(|v| allowed(v, &all))
    } else {
        // setre*id: real from {real, effective}; effective from all three.
        r.is_none_or(|v| allowed(v, &[cr, ce])) && e.is_none_or(|v| allowed(v, &all))
    };
    if !ok {
        return Err(Errno::EPERM);
    }
    let (nr, ne) = (r.unwrap_or(cr), e.unwrap_or(ce));
    let ns = match s {
        Some(v) => v,
        // setre*id saves the new effective id when the real one is set or
        // the effective one moves away from the old real id.
        None if !any_of_three && (r.is_some() || e.is_some_and(|v| v != cr)) => ne,
        None => cs,
    };
    if uids {
        (c.uid, c.euid, c.suid, c.fsuid) = (nr, ne, ns, ne);
        c.fix_caps_after_setuid(old_uid, old_euid, old_suid);
    } else {
        (c.gid, c.egid, c.sgid, c.fsgid) = (nr, ne, ns, ne);
    }
    t.creds_changed(&before);
    Ok(0)
}

fn set_one(t: &mut Task, uids: bool, id: u64) -> SysResult {
    let id = id_arg(id).ok_or(Errno::EINVAL)?;
    if t.creds.has_cap(if uids { CAP_SETUID } else { CAP_SETGID }) {
        return set_ids(t, uids, Some(id), Some(id), Some(id), true);
    }
    let c = &t.creds;
    let (r, s) = if uids {
        (c.uid, c.suid)
    } else {
        (c.gid, c.sgid)
    };
    if id != r && id != s {
        return Err(Errno::EPERM);
    }
    set_ids(t, uids, None, Some(id), None, true)
}

pub fn setuid(t: &mut Task, a: &[u64; 6]) -> SysResult {
    set_one(t, true, a[0])
}

pub fn setgid(t: &mut Task, a: &[u64; 6]) -> SysResult {
    set_one(t, false, a[0])
}

pub fn setreuid(t: &mut Task, a: &[u64; 6]) -> SysResult {
    set_ids(t, true, id_arg(a[0]), id_arg(a[1]), None, false)
}

pub fn setregid(t: &mut Task, a: &[u64; 6]) -> SysResult {
    set_ids(t, false, id_arg(a[0]), id_arg(a[1]), None, false)
}

pub fn setresuid(t: &mut Task, a: &[u64; 6]) -> SysResult {
    set_ids(t, true, id_arg(a[0]), id_arg(a[1]), id_arg(a[2]), true)
}

pub fn setresgid(t: &mut Task, a: &[u64; 6]) -> SysResult {
    set_ids(t, false, id_arg(a[0]), id_arg(a[1]), id_arg(a[2]), true)
}

fn set_fs_id(t: &mut Task, uids: bool, id: u64) -> SysResult {
    let before = t.creds.clone();
    let c = &mut t.creds;
    let old = if uids { c.fsuid } else { c.fsgid };
    let id = id as u32;
    let set = if uids {
        [c.uid, c.euid, c.suid, c.fsuid]
    } else {
        [c.gid, c.egid, c.sgid, c.fsgid]
    };
    let privileged = c.has_cap(if uids { CAP_SETUID } else { CAP_SETGID });
    if id != u32::MAX && (privileged || set.contains(&id)) {
        if uids {
            c.fsuid = id;
        } else {
            c.fsgid = id;
        }
    }
    t.creds_changed(&before);
    Ok(old as u64)
}

pub fn setfsuid(t: &mut Task, a: &[u64; 6]) -> SysResult {
    set_fs_id(t, true, a[0])
}

pub fn setfsgid(t: &mut Task, a: &[u64; 6]) -> SysResult {
    set_fs_id(t, false, a[0])
}

pub fn setgroups(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let n = a[0] as usize;
    if n > 65536 {
        return Err(Errno::EINVAL);
    }
    if !t.creds.has_cap(CAP_SETGID) {
        return Err(Errno::EPERM);
    }
    let mut bytes = vec![0u8; n * 4];
    t.mm().copy_in(a[1], &mut bytes)?;
    t.creds.groups = bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
        .collect();
    t.publish();
    Ok(0)
}

const SCHED_OTHER: u64 = 0;
const SCHED_FIFO: u64 = 1;
const SCHED_RR: u64 = 2;
const SCHED_BATCH: u64 = 3;
const SCHED_IDLE: u64 = 5;
const SCHED_RESET_ON_FORK: u64 = 0x4000_0000;

/// Every task runs SCHED_OTHER; real-time policies are refused.
pub fn sched_getscheduler(t: &mut Task, a: &[u64; 6]) -> SysResult {
    is_self(t, a[0] as i32).map_err(|e| if (a[0] as i32) < 0 { Errno::EINVAL } else { e })?;
    Ok(SCHED_OTHER)
}

pub fn sched_setscheduler(t: &mut Task, a: &[u64; 6]) -> SysResult {
    is_self(t, a[0] as i32).map_err(|e| if (a[0] as i32) < 0 { Errno::EINVAL } else { e })?;
    let prio: i32 = t.mm().read_obj(a[2])?;
    match a[1] & !SCHED_RESET_ON_FORK {
        SCHED_OTHER | SCHED_BATCH | SCHED_IDLE if prio == 0 => Ok(0),
        SCHED_FIFO | SCHED_RR if (1..=99).contains(&prio) => Err(Errno::EPERM),
        _ => Err(Errno::EINVAL),
    }
}

pub fn sched_getparam(t: &mut Task, a: &[u64; 6]) -> SysResult {
    is_self(t, a[0] as i32).map_err(|e| if (a[0] as i32) < 0 { Errno::EINVAL } else { e })?;
    t.mm().write_obj(a[1], &0i32)?;
    Ok(0)
}

pub fn sched_setparam(t: &mut Task, a: &[u64; 6]) -> SysResult {
    is_self(t, a[0] as i32).map_err(|e| if (a[0] as i32) < 0 { Errno::EINVAL } else { e })?;
    let prio: i32 = t.mm().read_obj(a[1])?;
    if prio != 0 {
        return Err(Errno::EINVAL);
    }
    Ok(0)
}

pub fn sched_get_priority_max(_t: &mut Task, a: &[u64; 6]) -> SysResult {
    match a[0] {
        SCHED_FIFO | SCHED_RR => Ok(99),
        SCHED_OTHER | SCHED_BATCH | SCHED_IDLE => Ok(0),
        _ => Err(Errno::EINVAL),
    }
}

pub fn sched_get_priority_min(_t: &mut Task, a: &[u64; 6]) -> SysResult {
    match a[0] {
        SCHED_FIFO | SCHED_RR => Ok(1),
        SCHED_OTHER | SCHED_BATCH | SCHED_IDLE => Ok(0),
        _ => Err(Errno::EINVAL),
    }
}

/// Accepted when the mask names at least one of the sandbox's CPUs; the
/// sentry does its own placement.
pub fn sched_setaffinity(t: &mut Task, a: &[u64; 6]) -> SysResult {
    is_self(t, a[0] as i32)?;
    let len = (a[1] as usize).min(1024);
    let mut mask = vec![0u8; len];
    t.mm().copy_in(a[2], &mut mask)?;
    let any = (0..t.kernel.cpus).any(|c| mask.get(c / 8).is_some_and(|b| b & (1 << (c % 8)) != 0));
    if !any {
        return Err(Errno::EINVAL);
    }
    Ok(0)
}

const PRIO_PROCESS: u64 = 0;

const PRIO_PGRP: u64 = 1;
const PRIO_USER: u64 = 2;

/// The threads a getpriority/setpriority (which, who) names: a thread
/// (PRIO_PROCESS takes a tid, 0 for the caller), every thread of a process
/// group, or every thread whose real uid is `who`.
fn prio_targets(
    t: &Task,
    which: u64,
    who: i32,
) -> Result<Vec<Arc<crate::kernel::TaskShared>>, Errno> {
    let targets: Vec<Arc<crate::kernel::TaskShared>> = match which {
        PRIO_PROCESS => vec![sched_target(t, who)?],
        PRIO_PGRP | PRIO_USER => {
            let want = if who != 0 {
                who
            } else if which == PRIO_PGRP {
                t.tg.pgid()
            } else {
                t.creds.uid as i32
            };
            let mut v = Vec::new();
            for g in t.kernel.all_groups() {
                let threads = g.threads.lock().unwrap_or_else(|e| e.into_inner());
                for th in threads.iter() {
                    let uid = th.uids.lock().unwrap_or_else(|e| e.into_inner())[0];
                    let hit = if which == PRIO_PGRP {
                        g.pgid() == want
                    } else {
                        uid == want as u32
                    };
                    if hit {
                        v.push(th.clone());
                    }
                }
            }
            v
        }
        _ => return Err(Errno::EINVAL),
    };
    if targets.is_empty() {
        return Err(Errno::ESRCH);
    }
    Ok(targets)
}

pub fn getpriority(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let targets = prio_targets(t, a[0], a[1] as i32)?;
    let nice = targets
        .iter()
        .map(|th| th.nice.load(std::sync::atomic::Ordering::Relaxed))
        .min()
        .unwrap_or(0);
    // The raw syscall returns 20 - nice so that it is never negative.
    Ok((20 - nice) as u64)
}

pub fn setpriority(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let targets = prio_targets(t, a[0], a[1] as i32)?;
    let want = (a[2] as i32).clamp(-20, 19);
    for th in &targets {
        let uids = *th.uids.lock().unwrap_or_else(|e| e.into_inner());
        let own = uids[0] == t.creds.euid || uids[1] == t.creds.euid;
        if !own && !t.creds.has_cap(CAP_SYS_NICE) {
            return Err(Errno::EPERM);
        }
        let nice = th.nice.load(std::sync::atomic::Ordering::Relaxed);
        if want < nice && !t.creds.has_cap(CAP_SYS_NICE) {
            return Err(Errno::EACCES);
        }
    }
    for th in &targets {
        th.nice.store(want, std::sync::atomic::Ordering::Relaxed);
    }
    Ok(0)
}

pub fn getcpu(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let cpu = rustix::thread::sched_getcpu() as u32;
    if a[0] != 0 {
        t.mm().write_obj(a[0], &cpu)?;
    }
    if a[1] != 0 {
        t.mm().write_obj(a[1], &0u32)?;
    }
    Ok(0)
}
