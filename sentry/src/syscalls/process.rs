//! The process itself: exit, execve, TLS, tid address, robust lists.

use syscalls::consts::*;
use syscalls::Errno;

use super::{fd_arg, read_path, read_path_maybe_empty, SysResult};
use crate::kernel::{ExitStatus, Task};

/// Ends the calling thread (the process, if it was the last one).
pub fn exit(t: &mut Task, a: &[u64; 6]) -> SysResult {
    t.exiting = Some(ExitStatus::Code(a[0] as i32 & 0xff));
    Ok(0)
}

/// Ends every thread of the process.
pub fn exit_group(t: &mut Task, a: &[u64; 6]) -> SysResult {
    t.tg.start_exit(ExitStatus::Code(a[0] as i32 & 0xff));
    Ok(0)
}

pub fn set_tid_address(t: &mut Task, a: &[u64; 6]) -> SysResult {
    t.clear_child_tid = a[0];
    Ok(t.tid as u64)
}

/// The list is recorded; walking it on thread death comes with threads.
pub fn set_robust_list(t: &mut Task, a: &[u64; 6]) -> SysResult {
    if a[1] != 24 {
        return Err(Errno::EINVAL);
    }
    t.robust_list = (a[0], a[1]);
    Ok(0)
}

pub fn arch_prctl(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (code, addr) = (a[0] as i32, a[1]);
    match code {
        ARCH_SET_FS | ARCH_SET_GS => {
            if addr >= platform::TASK_SIZE {
                return Err(Errno::EPERM);
            }
            if code == ARCH_SET_FS {
                t.cpu.regs.fs_base = addr;
            } else {
                t.cpu.regs.gs_base = addr;
            }
            Ok(0)
        }
        ARCH_GET_FS => {
            let v = t.cpu.regs.fs_base;
            t.mm().write_obj(addr, &v)?;
            Ok(0)
        }
        ARCH_GET_GS => {
            let v = t.cpu.regs.gs_base;
            t.mm().write_obj(addr, &v)?;
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}

/// Reads a NULL-terminated array of string pointers (argv, envp).
fn read_strings(t: &Task, addr: u64) -> Result<Vec<Vec<u8>>, Errno> {
    let mut out = Vec::new();
    if addr == 0 {
        return Ok(out);
    }
    let mut total = 0usize;
    for i in 0.. {
        let p: u64 = t.mm().read_obj(addr + i * 8)?;
        if p == 0 {
            break;
        }
        let s = t.mm().read_cstr(p, 32 * 4096).map_err(|e| {
            if e == Errno::ENAMETOOLONG {
                Errno::E2BIG
            } else {
                e
            }
        })?;
        total += s.len() + 9;
        if total > (crate::mm::STACK_SIZE / 4) as usize {
            return Err(Errno::E2BIG);
        }
        out.push(s);
    }
    Ok(out)
}

/// execve from a single-threaded process.
pub fn execve(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let path = read_path(t, a[0])?;
    let argv = read_strings(t, a[1])?;
    let envp = read_strings(t, a[2])?;
    crate::loader::exec(t, AT_FDCWD, &path, argv, envp)?;
    Ok(0)
}

pub fn execveat(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let flags = a[4] as u32;
    if flags & !(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0 {
        return Err(Errno::EINVAL);
    }
    let path = read_path_maybe_empty(t, a[1])?;
    if path.is_empty() {
        return Err(Errno::ENOENT.with_msg("execveat with AT_EMPTY_PATH is not supported yet"));
    }
    let argv = read_strings(t, a[2])?;
    let envp = read_strings(t, a[3])?;
    crate::loader::exec(t, fd_arg(a[0]), &path, argv, envp)?;
    Ok(0)
}
