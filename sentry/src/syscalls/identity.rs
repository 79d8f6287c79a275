//! Who and where: ids, uname, umask, limits, sysinfo, getrandom, prctl,
//! scheduling queries.

use syscalls::consts::*;
use syscalls::types::{Rlimit, Sysinfo, Utsname};
use syscalls::Errno;

use super::SysResult;
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
            t.tg.set_comm(&name);
            Ok(0)
        }
        PR_GET_NAME => {
            let c = *t.tg.comm.lock().unwrap_or_else(|e| e.into_inner());
            t.mm().copy_out(a[1], &c)?;
            Ok(0)
        }
        _ => Err(Errno::EINVAL.with_msg("prctl option not supported yet")),
    }
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
        if l.max > limits[r].max && t.creds.euid != 0 {
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
    let h = rustix::system::sysinfo();
    let unit = h.mem_unit.max(1) as u64;
    let info = Sysinfo {
        uptime: t.kernel.boot.elapsed().as_secs() as i64,
        loads: [h.loads[0] as u64, h.loads[1] as u64, h.loads[2] as u64],
        totalram: h.totalram as u64 * unit,
        freeram: h.freeram as u64 * unit,
        sharedram: h.sharedram as u64 * unit,
        bufferram: h.bufferram as u64 * unit,
        totalswap: h.totalswap as u64 * unit,
        freeswap: h.freeswap as u64 * unit,
        procs: 1,
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
    let pid = a[0] as i32;
    if pid != 0 && pid != t.tid && pid != t.tg.pid {
        return Err(Errno::ESRCH);
    }
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

fn is_self(t: &Task, pid: i32) -> Result<(), Errno> {
    if pid < 0 {
        return Err(Errno::ESRCH);
    }
    if pid == 0 || pid == t.tg.pid || pid == t.tid {
        Ok(())
    } else {
        Err(Errno::ESRCH)
    }
}

fn pgid_sid(t: &Task) -> (i32, i32) {
    *t.tg.pgid_sid.lock().unwrap_or_else(|e| e.into_inner())
}

pub fn getpgrp(t: &mut Task, _a: &[u64; 6]) -> SysResult {
    Ok(pgid_sid(t).0 as u64)
}

pub fn getpgid(t: &mut Task, a: &[u64; 6]) -> SysResult {
    is_self(t, a[0] as i32)?;
    Ok(pgid_sid(t).0 as u64)
}

pub fn getsid(t: &mut Task, a: &[u64; 6]) -> SysResult {
    is_self(t, a[0] as i32)?;
    Ok(pgid_sid(t).1 as u64)
}

/// Only the calling process exists to move for now.
pub fn setpgid(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (pid, pgid) = (a[0] as i32, a[1] as i32);
    if pgid < 0 {
        return Err(Errno::EINVAL);
    }
    is_self(t, pid)?;
    let me = t.tg.pid;
    let mut g = t.tg.pgid_sid.lock().unwrap_or_else(|e| e.into_inner());
    if g.1 == me {
        // A session leader cannot change its group.
        return if pgid == 0 || pgid == g.0 {
            Ok(0)
        } else {
            Err(Errno::EPERM)
        };
    }
    let target = if pgid == 0 { me } else { pgid };
    if target != me && target != g.0 {
        return Err(Errno::EPERM);
    }
    g.0 = target;
    Ok(0)
}

pub fn setsid(t: &mut Task, _a: &[u64; 6]) -> SysResult {
    let me = t.tg.pid;
    let mut g = t.tg.pgid_sid.lock().unwrap_or_else(|e| e.into_inner());
    if g.0 == me {
        return Err(Errno::EPERM);
    }
    *g = (me, me);
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
    let c = &mut t.creds;
    let privileged = c.euid == 0;
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
    } else {
        (c.gid, c.egid, c.sgid, c.fsgid) = (nr, ne, ns, ne);
    }
    Ok(0)
}

fn set_one(t: &mut Task, uids: bool, id: u64) -> SysResult {
    let id = id_arg(id).ok_or(Errno::EINVAL)?;
    if t.creds.euid == 0 {
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
    let c = &mut t.creds;
    let old = if uids { c.fsuid } else { c.fsgid };
    let id = id as u32;
    let set = if uids {
        [c.uid, c.euid, c.suid, c.fsuid]
    } else {
        [c.gid, c.egid, c.sgid, c.fsgid]
    };
    if id != u32::MAX && (c.euid == 0 || set.contains(&id)) {
        if uids {
            c.fsuid = id;
        } else {
            c.fsgid = id;
        }
    }
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
    if t.creds.euid != 0 {
        return Err(Errno::EPERM);
    }
    let mut bytes = vec![0u8; n * 4];
    t.mm().copy_in(a[1], &mut bytes)?;
    t.creds.groups = bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
        .collect();
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

pub fn getpriority(t: &mut Task, a: &[u64; 6]) -> SysResult {
    if a[0] > 2 {
        return Err(Errno::EINVAL);
    }
    if a[0] != PRIO_PROCESS || (a[1] as i32 != 0 && a[1] as i32 != t.tg.pid) {
        return Err(Errno::ESRCH);
    }
    let nice = *t.tg.nice.lock().unwrap_or_else(|e| e.into_inner());
    // The raw syscall returns 20 - nice so that it is never negative.
    Ok((20 - nice) as u64)
}

pub fn setpriority(t: &mut Task, a: &[u64; 6]) -> SysResult {
    if a[0] > 2 {
        return Err(Errno::EINVAL);
    }
    if a[0] != PRIO_PROCESS || (a[1] as i32 != 0 && a[1] as i32 != t.tg.pid) {
        return Err(Errno::ESRCH);
    }
    let want = (a[2] as i32).clamp(-20, 19);
    let mut nice = t.tg.nice.lock().unwrap_or_else(|e| e.into_inner());
    if want < *nice && t.creds.euid != 0 {
        return Err(Errno::EACCES);
    }
    *nice = want;
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
