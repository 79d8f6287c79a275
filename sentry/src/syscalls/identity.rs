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
    Ok(t.tg.ppid as u64)
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
    if len < words * 8 || len % 8 != 0 {
        return Err(Errno::EINVAL);
    }
    let mut mask = vec![0u8; words * 8];
    for cpu in 0..t.kernel.cpus {
        mask[cpu / 8] |= 1 << (cpu % 8);
    }
    t.mm().copy_out(a[2], &mask)?;
    Ok(mask.len() as u64)
}
