//! openat2(2): open(2) with a versioned `struct open_how` and the RESOLVE_*
//! restrictions on the path walk.

use syscalls::consts::*;
use syscalls::types::OpenHow;
use syscalls::Errno;

use super::file::{nofile_limit, open_in, open_path};
use super::{fd_arg, read_path, SysResult};
use crate::kernel::Task;

/// The size of the first `struct open_how` (OPEN_HOW_SIZE_VER0).
const OPEN_HOW_SIZE_VER0: u64 = 24;
const PAGE_SIZE: u64 = 4096;

/// Every flag openat2 accepts (Linux's VALID_OPEN_FLAGS); open(2) ignores
/// unknown bits, openat2 refuses them.
const VALID_OPEN_FLAGS: u64 = (O_ACCMODE
    | O_CREAT
    | O_EXCL
    | O_NOCTTY
    | O_TRUNC
    | O_APPEND
    | O_NONBLOCK
    | O_DSYNC
    | FASYNC
    | O_DIRECT
    | O_LARGEFILE
    | O_DIRECTORY
    | O_NOFOLLOW
    | O_NOATIME
    | O_CLOEXEC
    | O_PATH
    | __O_SYNC
    | __O_TMPFILE) as u64;

const VALID_RESOLVE_FLAGS: u64 = RESOLVE_NO_XDEV
    | RESOLVE_NO_MAGICLINKS
    | RESOLVE_NO_SYMLINKS
    | RESOLVE_BENEATH
    | RESOLVE_IN_ROOT
    | RESOLVE_CACHED;

/// Flags O_PATH may be combined with (O_PATH_FLAGS).
const O_PATH_FLAGS: u32 = O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC;

/// Reads `struct open_how` of `size` bytes the way Linux's
/// `copy_struct_from_user` does: smaller than the first version is EINVAL,
/// a bigger one must have only zeroes past the part we know (else E2BIG).
fn read_open_how(t: &Task, addr: u64, size: u64) -> Result<OpenHow, Errno> {
    if size < OPEN_HOW_SIZE_VER0 {
        return Err(Errno::EINVAL);
    }
    if size > PAGE_SIZE {
        return Err(Errno::E2BIG);
    }
    let how: OpenHow = t.mm().read_obj(addr)?;
    if size > OPEN_HOW_SIZE_VER0 {
        let mut tail = vec![0u8; (size - OPEN_HOW_SIZE_VER0) as usize];
        t.mm().copy_in(addr + OPEN_HOW_SIZE_VER0, &mut tail)?;
        if tail.iter().any(|&b| b != 0) {
            return Err(Errno::E2BIG);
        }
    }
    Ok(how)
}

/// Linux's `build_open_flags` checks for openat2: unknown flags or resolve
/// bits, a mode without O_CREAT/O_TMPFILE, O_PATH with other flags,
/// RESOLVE_BENEATH with RESOLVE_IN_ROOT are EINVAL.
fn check_how(how: &OpenHow) -> Result<u32, Errno> {
    if how.flags & !VALID_OPEN_FLAGS != 0 || how.resolve & !VALID_RESOLVE_FLAGS != 0 {
        return Err(Errno::EINVAL);
    }
    let flags = how.flags as u32;
    if how.resolve & RESOLVE_BENEATH != 0 && how.resolve & RESOLVE_IN_ROOT != 0 {
        return Err(Errno::EINVAL);
    }
    let creates = flags & O_CREAT != 0 || flags & __O_TMPFILE != 0;
    if creates {
        if how.mode & !0o7777 != 0 {
            return Err(Errno::EINVAL);
        }
    } else if how.mode != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & O_PATH != 0 && flags & !O_PATH_FLAGS != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & __O_TMPFILE != 0 && (flags & O_TMPFILE != O_TMPFILE || flags & O_ACCMODE == O_RDONLY)
    {
        return Err(Errno::EINVAL);
    }
    // RESOLVE_CACHED: Linux refuses what cannot be done from the dentry
    // cache alone; everything else it resolves (here: always, normally).
    if how.resolve & RESOLVE_CACHED != 0 && flags & (O_TRUNC | O_CREAT | __O_TMPFILE) != 0 {
        return Err(Errno::EAGAIN);
    }
    Ok(flags)
}

/// openat2(dirfd, path, how, size). RESOLVE_NO_SYMLINKS: ELOOP on any
/// symlink followed. RESOLVE_BENEATH: EXDEV for an absolute path or
/// symlink, or ".." above `dirfd`. RESOLVE_IN_ROOT: `dirfd` is the root
/// for "/", ".." and absolute symlinks. RESOLVE_NO_XDEV: EXDEV on crossing
/// a mount. RESOLVE_NO_MAGICLINKS: ELOOP on a /proc magic link.
/// RESOLVE_CACHED: resolved normally, EAGAIN with O_CREAT/O_TRUNC/O_TMPFILE.
pub fn openat2(t: &mut Task, a: &[u64; 6]) -> SysResult {
    let dirfd = fd_arg(a[0]);
    let how = read_open_how(t, a[2], a[3])?;
    let flags = check_how(&how)?;
    let mode = how.mode as u32;
    let path = read_path(t, a[1])?;
    const WALK: u64 = RESOLVE_NO_XDEV
        | RESOLVE_NO_SYMLINKS
        | RESOLVE_BENEATH
        | RESOLVE_IN_ROOT
        | RESOLVE_NO_MAGICLINKS;
    let resolve = how.resolve & WALK;
    // O_TMPFILE names a directory: only the other restrictions matter.
    let tmpfile_plain = flags & O_TMPFILE == O_TMPFILE && resolve & !RESOLVE_NO_MAGICLINKS == 0;
    let file = if resolve == 0 || tmpfile_plain {
        open_path(t, dirfd, &path, flags, mode)?
    } else {
        if flags & O_TMPFILE == O_TMPFILE {
            return Err(Errno::EOPNOTSUPP.with_msg("O_TMPFILE with RESOLVE_* not supported yet"));
        }
        let mut lk = if resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT) != 0 {
            // Scoped at `dirfd`, which is then also where an absolute
            // path starts (RESOLVE_IN_ROOT) or is refused (RESOLVE_BENEATH).
            let mut lk = t.lookup_at(dirfd, b".")?;
            lk.root = lk.start.clone();
            lk
        } else {
            t.lookup_at(dirfd, &path)?
        };
        lk.resolve = resolve;
        open_in(t, &lk, &path, flags, mode, 0)?
    };
    let fd = t
        .files
        .alloc(file, flags & O_CLOEXEC != 0, 0, nofile_limit(t))?;
    Ok(fd as u64)
}
