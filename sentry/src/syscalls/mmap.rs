//! Memory: mmap, munmap, mprotect, brk, mremap, madvise.

use platform::Prot;
use syscalls::consts::*;
use syscalls::Errno;

use super::{fd_arg, SysResult};
use crate::kernel::Task;
use crate::mm::{Backing, MmapRequest, PAGE};
use crate::vfs::FileType;

fn prot_of(p: u64) -> Result<Prot, Errno> {
    let p = p as u32;
    if p & !(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP) != 0 {
        return Err(Errno::EINVAL);
    }
    Ok(Prot {
        read: p & PROT_READ != 0,
        write: p & PROT_WRITE != 0,
        exec: p & PROT_EXEC != 0,
    })
}

/// Anonymous and private file mappings; shared mappings of files whose
/// pages the sentry holds (tmpfs, the overlay's upper layer); other shared
/// file mappings only read-only, as private copies, until the page cache
/// arrives.
pub fn mmap(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (addr, len, flags, fd, off) = (a[0], a[1], a[3] as u32, fd_arg(a[4]), a[5]);
    let prot = prot_of(a[2])?;
    if len == 0 || !off.is_multiple_of(PAGE) {
        return Err(Errno::EINVAL);
    }
    let shared = match flags & MAP_TYPE {
        MAP_SHARED | MAP_SHARED_VALIDATE => true,
        MAP_PRIVATE => false,
        _ => return Err(Errno::EINVAL),
    };
    if flags & MAP_HUGETLB != 0 {
        return Err(Errno::EINVAL.with_msg("huge pages are not supported"));
    }
    let backing = if flags & MAP_ANONYMOUS != 0 {
        if shared {
            shared_anonymous(t, len)?
        } else {
            Backing::Anon
        }
    } else {
        let f = t.files.get(fd)?;
        if f.is_path_only() {
            return Err(Errno::EBADF);
        }
        if !f.readable() {
            return Err(Errno::EACCES);
        }
        if prot.exec && f.path.as_ref().is_some_and(|p| p.mount.noexec()) {
            return Err(Errno::EPERM.with_msg("PROT_EXEC of a file on a noexec mount"));
        }
        match f.inode.file_type() {
            FileType::Regular => {}
            // A private mapping of /dev/zero is anonymous memory.
            FileType::CharDevice if f.inode.attr()?.rdev == crate::vfs::makedev(1, 5) => {}
            _ => return Err(Errno::ENODEV),
        }
        if shared && prot.write && !f.writable() {
            return Err(Errno::EACCES);
        }
        off.checked_add(len).ok_or(Errno::EOVERFLOW)?;
        if f.inode.file_type() == FileType::CharDevice {
            if shared {
                shared_anonymous(t, len)?
            } else {
                Backing::Anon
            }
        } else if shared && prot.write && crate::fs::tmpfs::write_sealed(&f.inode) {
            return Err(Errno::EPERM);
        } else if shared && f.inode.shares_pages() {
            // A write-sealed memfd's shared mappings may never become
            // writable (Linux clears VM_MAYWRITE): they map it through a
            // read-only description, which mprotect and F_ADD_SEALS look at.
            let file = if crate::fs::tmpfs::write_sealed(&f.inode) {
                let ops = f.inode.clone().open(O_RDONLY)?;
                crate::vfs::File::new(ops, f.inode.clone(), f.path.clone(), O_RDONLY | O_LARGEFILE)
            } else {
                f.clone()
            };
            Backing::Shared { file, offset: off }
        } else if shared && prot.write {
            return Err(Errno::ENODEV
                .with_msg("writable shared mappings of host files are not supported yet"));
        } else {
            Backing::File {
                file: f.clone(),
                offset: off,
            }
        }
    };
    // RLIMIT_AS bounds all mappings; RLIMIT_DATA private writable ones.
    let (total, data) = t.mm().vm_totals();
    let grow = crate::mm::page_up(len).ok_or(Errno::ENOMEM)?;
    if total.saturating_add(grow) > t.limit(RLIMIT_AS).cur {
        return Err(Errno::ENOMEM);
    }
    if !shared
        && prot.write
        && flags & MAP_GROWSDOWN == 0
        && data.saturating_add(grow) > t.limit(RLIMIT_DATA).cur
    {
        return Err(Errno::ENOMEM);
    }
    t.mm().mmap(MmapRequest {
        addr,
        len,
        prot,
        shared,
        fixed: flags & MAP_FIXED != 0,
        noreplace: flags & MAP_FIXED_NOREPLACE != 0,
        backing,
        name: None,
        growsdown: flags & MAP_GROWSDOWN != 0,
    })
}

/// MAP_SHARED anonymous memory (or of /dev/zero): a mapping of an unlinked
/// file of its own, so that forked children share its pages even where
/// nobody touched them before the fork.
fn shared_anonymous(t: &Task, len: u64) -> Result<Backing, Errno> {
    let size = crate::mm::page_up(len).ok_or(Errno::ENOMEM)?;
    let inode: crate::vfs::InodeRef = crate::fs::tmpfs::Tmpfs::anonymous_file(&t.kernel.mf, size);
    let ops = inode.clone().open(O_RDWR)?;
    let file = crate::vfs::File::new(ops, inode, None, O_RDWR);
    Ok(Backing::Shared { file, offset: 0 })
}

pub fn munmap(t: &mut Task, a: &[u64; 6]) -> SysResult {
    t.mm().munmap(a[0], a[1])?;
    Ok(0)
}

pub fn mprotect(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let prot = prot_of(a[2])?;
    t.mm().mprotect(a[0], a[1], prot)?;
    Ok(0)
}

pub fn brk(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let cur = t.mm().current_brk();
    if a[0] > cur {
        // Growing the heap counts against RLIMIT_DATA and RLIMIT_AS: past
        // them brk leaves the break where it is.
        let grow = a[0] - cur;
        let (total, data) = t.mm().vm_totals();
        if data.saturating_add(grow) > t.limit(RLIMIT_DATA).cur
            || total.saturating_add(grow) > t.limit(RLIMIT_AS).cur
            || grow > commit_limit()
        {
            return Ok(cur);
        }
    }
    Ok(t.mm().brk(a[0]))
}

/// The most one brk may commit at once: Linux's heuristic overcommit
/// refuses to back more than the machine's memory and swap.
fn commit_limit() -> u64 {
    static LIMIT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(|| {
        let si = rustix::system::sysinfo();
        let unit = u64::from(si.mem_unit.max(1));
        (si.totalram + si.totalswap).saturating_mul(unit)
    })
}

pub fn mremap(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let flags = a[3] as u32;
    if flags & !(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP) != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & MREMAP_DONTUNMAP != 0 {
        return Err(Errno::EINVAL.with_msg("MREMAP_DONTUNMAP is not supported yet"));
    }
    if flags & MREMAP_FIXED != 0 && flags & MREMAP_MAYMOVE == 0 {
        return Err(Errno::EINVAL);
    }
    let fixed = (flags & MREMAP_FIXED != 0).then_some(a[4]);
    let (old_len, new_len) = (
        crate::mm::page_up(a[1]).ok_or(Errno::EINVAL)?,
        crate::mm::page_up(a[2]).ok_or(Errno::EINVAL)?,
    );
    if new_len > old_len {
        let (total, _) = t.mm().vm_totals();
        if total.saturating_add(new_len - old_len) > t.limit(RLIMIT_AS).cur {
            return Err(Errno::ENOMEM);
        }
    }
    t.mm()
        .mremap(a[0], a[1], a[2], flags & MREMAP_MAYMOVE != 0, fixed)
}

/// MADV_DONTNEED drops pages; other known advice is accepted and ignored.
pub fn madvise(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let (addr, len, advice) = (a[0], a[1], a[2] as i32);
    if !addr.is_multiple_of(PAGE) {
        return Err(Errno::EINVAL);
    }
    match advice {
        MADV_DONTNEED => {
            if len == 0 {
                return Ok(0);
            }
            t.mm().dontneed(addr, len)?;
            Ok(0)
        }
        MADV_DONTFORK | MADV_DOFORK => {
            t.mm().set_dontfork(addr, len, advice == MADV_DONTFORK)?;
            Ok(0)
        }
        // MADV_FREE applies to private anonymous memory only.
        MADV_FREE if len > 0 && !t.mm().is_private_anon(addr)? => Err(Errno::EINVAL),
        // MADV_FREE lets the kernel drop pages lazily; keeping them is
        // one of the outcomes Linux allows.
        MADV_NORMAL | MADV_RANDOM | MADV_SEQUENTIAL | MADV_WILLNEED | MADV_FREE
        | MADV_MERGEABLE | MADV_UNMERGEABLE | MADV_HUGEPAGE | MADV_NOHUGEPAGE | MADV_DONTDUMP
        | MADV_DODUMP | MADV_COLD | MADV_PAGEOUT => {
            if len > 0 {
                t.mm().check_mapped(addr, len)?;
            }
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}

pub fn msync(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let flags = a[2] as u32;
    if flags & !(MS_ASYNC | MS_INVALIDATE | MS_SYNC) != 0
        || flags & MS_ASYNC != 0 && flags & MS_SYNC != 0
    {
        return Err(Errno::EINVAL);
    }
    t.mm().msync(a[0], a[1])?;
    Ok(0)
}

pub fn mincore(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let v = t.mm().mincore(a[0], a[1])?;
    t.mm().copy_out(a[2], &v)?;
    Ok(0)
}

/// Memory is never swapped out here, so locking it only checks the range.
/// mlock: faults the range in (nothing is ever swapped out).
pub fn mlock(t: &mut Task, a: &[u64; 6]) -> SysResult {
    t.mm().prefault(a[0], a[1])?;
    Ok(0)
}

pub fn mlock2(t: &mut Task, a: &[u64; 6]) -> SysResult {
    // MLOCK_ONFAULT is the only flag.
    if a[2] & !1 != 0 {
        return Err(Errno::EINVAL);
    }
    if a[2] & 1 != 0 {
        t.mm().check_mapped(a[0], a[1])?;
    } else {
        t.mm().prefault(a[0], a[1])?;
    }
    Ok(0)
}

pub fn munlock(t: &mut Task, a: &[u64; 6]) -> SysResult {
    t.mm().check_mapped(a[0], a[1])?;
    Ok(0)
}

pub fn mlockall(_t: &mut Task, a: &[u64; 6]) -> SysResult {
    // MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT, at least one of the first two.
    if a[0] & !7 != 0 || a[0] & 3 == 0 {
        return Err(Errno::EINVAL);
    }
    Ok(0)
}

pub fn munlockall(_t: &mut Task, _a: &[u64; 6]) -> SysResult {
    Ok(0)
}
