//! Loading programs: execve's work. Static and dynamically linked ELF
//! (PT_INTERP), static-PIE, `#!` scripts, and the initial stack with argv,
//! envp and the auxiliary vector glibc and musl read.

pub mod elf;

use std::sync::Arc;

use platform::{CpuState, Prot};
use syscalls::consts::auxv::*;
use syscalls::consts::*;
use syscalls::Errno;

use crate::kernel::{rand, Kernel, Task};
use crate::mm::{page_down, page_up, Backing, MemoryManager, MmapRequest, PAGE, STACK_SIZE};
use crate::vfs::{File, FileType, Path};
use elf::{Elf, Phdr, ET_DYN, PF_R, PF_W, PF_X, PT_INTERP, PT_LOAD, PT_PHDR};

/// Longest single argument or environment string (MAX_ARG_STRLEN).
const MAX_ARG_STRLEN: usize = 32 * 4096;
/// Where position-independent executables go (Linux's ELF_ET_DYN_BASE).
const ET_DYN_BASE: u64 = 0x5555_5555_4000;
/// How many nested `#!` interpreters are followed.
const MAX_SCRIPT_DEPTH: u32 = 4;
/// Bits of randomness in the mmap and PIE bases, in pages (like Linux's
/// mmap_rnd_bits default of 28).
const RND_PAGES: u64 = 1 << 28;

/// A fresh address space with a randomized layout.
pub fn new_mm(kernel: &Arc<Kernel>) -> Result<Arc<MemoryManager>, Errno> {
    let space = kernel.platform.new_address_space().map_err(|e| {
        tracing::error!("new address space: {e}");
        Errno::ENOMEM.with_msg("cannot create an address space")
    })?;
    let stack_top = stack_top();
    let gap = 128 << 20;
    let mmap_top = page_down(stack_top - STACK_SIZE - gap - (rand::u64() % RND_PAGES) * PAGE);
    Ok(Arc::new(MemoryManager::new(
        space,
        kernel.mf.clone(),
        mmap_top,
    )))
}

fn stack_top() -> u64 {
    // Just below the platform's reserved region, randomized by up to 64 MiB.
    page_down(platform::USER_MAX - 0x10000 - (rand::u64() % (1 << 14)) * PAGE)
}

/// What the program's first thread starts with.
pub struct Image {
    pub mm: Arc<MemoryManager>,
    pub entry: u64,
    pub sp: u64,
}

/// Opens `path` for execution: a regular file with an execute bit.
pub fn open_exec(task: &Task, dirfd: i32, path: &[u8]) -> Result<Arc<File>, Errno> {
    open_exec_at(task, dirfd, path, true)
}

/// What execve runs: a path, or an open file (execveat with AT_EMPTY_PATH).
pub enum ExecTarget {
    Path {
        dirfd: i32,
        path: Vec<u8>,
        follow: bool,
    },
    Fd(i32),
}

fn open_exec_at(task: &Task, dirfd: i32, path: &[u8], follow: bool) -> Result<Arc<File>, Errno> {
    let p: Path = task.resolve_at(dirfd, path, follow)?;
    if p.file_type() == FileType::Symlink {
        return Err(Errno::ELOOP);
    }
    exec_inode(task, p.dentry.inode.clone(), Some(p))
}

/// Opens an executable for reading, checking the task may execute it
/// (execute permission; even root needs an execute bit).
fn exec_inode(
    task: &Task,
    inode: crate::vfs::InodeRef,
    p: Option<Path>,
) -> Result<Arc<File>, Errno> {
    if inode.file_type() != FileType::Regular {
        return Err(Errno::EACCES);
    }
    if p.as_ref().is_some_and(|p| p.mount.noexec()) {
        return Err(Errno::EACCES.with_msg("the file is on a noexec mount"));
    }
    crate::vfs::perm::check_inode(&task.creds, &*inode, crate::vfs::perm::MAY_EXEC)?;
    if crate::vfs::open_for_writing(&inode) {
        return Err(Errno::ETXTBSY);
    }
    let ops = inode.clone().open(O_RDONLY)?;
    Ok(File::new(ops, inode, p, O_RDONLY))
}

fn read_full(file: &File, off: u64, len: usize) -> Result<Vec<u8>, Errno> {
    let mut buf = vec![0u8; len];
    let mut n = 0;
    while n < len {
        let got = file.read_at(&mut buf[n..], off + n as u64)?;
        if got == 0 {
            break;
        }
        n += got;
    }
    buf.truncate(n);
    Ok(buf)
}

/// Replaces the task's program with the one at `path` (execve).
pub fn exec(
    task: &mut Task,
    dirfd: i32,
    path: &[u8],
    argv: Vec<Vec<u8>>,
    envp: Vec<Vec<u8>>,
) -> Result<(), Errno> {
    exec_target(
        task,
        ExecTarget::Path {
            dirfd,
            path: path.to_vec(),
            follow: true,
        },
        argv,
        envp,
    )
}

/// execve/execveat: runs `target`, following `#!` interpreters.
pub fn exec_target(
    task: &mut Task,
    target: ExecTarget,
    mut argv: Vec<Vec<u8>>,
    envp: Vec<Vec<u8>>,
) -> Result<(), Errno> {
    let (mut dirfd, mut path, mut first) = match target {
        ExecTarget::Path {
            dirfd,
            path,
            follow,
        } => {
            let f = open_exec_at(task, dirfd, &path, follow)?;
            (dirfd, path, Some(f))
        }
        ExecTarget::Fd(fd) => {
            let f = task.files.get(fd)?;
            let file = exec_inode(task, f.inode.clone(), f.path.clone())?;
            // Linux names such a program /dev/fd/N.
            (AT_FDCWD, format!("/dev/fd/{fd}").into_bytes(), Some(file))
        }
    };
    let mut depth = 0;
    let (file, elf) = loop {
        let file = match first.take() {
            Some(f) => f,
            None => open_exec(task, dirfd, &path)?,
        };
        let head = read_full(&file, 0, 256)?;
        if head.starts_with(b"#!") {
            depth += 1;
            if depth > MAX_SCRIPT_DEPTH {
                return Err(Errno::ELOOP);
            }
            let (interp, arg) = parse_shebang(&head)?;
            let mut new_argv = vec![interp.clone()];
            new_argv.extend(arg);
            new_argv.push(path.clone());
            new_argv.extend(argv.into_iter().skip(1));
            argv = new_argv;
            path = interp;
            dirfd = AT_FDCWD;
            continue;
        }
        let need = elf::needed_len(&head)?;
        let head = if need > head.len() {
            read_full(&file, 0, need)?
        } else {
            head
        };
        let elf = elf::parse(&head)?;
        break (file, elf);
    };
    let image = load(task, &file, &elf, &path, &argv, &envp)?;

    // The point of no return: the old program is gone from here on.
    task.de_thread()?;
    task.exit_robust_list();
    task.replace_mm(image.mm);
    // Marked before close-on-exec files close: whoever sees them close
    // (EOF on a pipe) must see the exec.
    task.tg
        .did_exec
        .store(true, std::sync::atomic::Ordering::SeqCst);
    task.files.close_on_exec();
    task.tg.sighand.reset_for_exec();
    // The new image has no alternate signal stack.
    task.altstack = crate::kernel::sigframe::StackT {
        flags: syscalls::consts::SS_DISABLE,
        ..Default::default()
    };
    // POSIX timers do not survive exec (interval timers do).
    task.tg
        .timers
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .posix
        .clear();
    if let Some(v) = task.vfork_done.take() {
        // The vfork parent may run again: we no longer use its memory.
        v.complete();
    }
    let name = path.rsplit(|&c| c == b'/').next().unwrap_or(&path);
    task.shared.set_comm(name);
    task.cpu = CpuState::new_program(image.entry, image.sp);
    Ok(())
}

fn parse_shebang(head: &[u8]) -> Result<(Vec<u8>, Option<Vec<u8>>), Errno> {
    let line = &head[2..];
    let end = line.iter().position(|&c| c == b'\n').unwrap_or(line.len());
    let line = &line[..end];
    let trimmed: &[u8] = {
        let s = line
            .iter()
            .position(|&c| c != b' ' && c != b'\t')
            .unwrap_or(line.len());
        let e = line
            .iter()
            .rposition(|&c| c != b' ' && c != b'\t')
            .map_or(s, |i| i + 1);
        &line[s..e.max(s)]
    };
    if trimmed.is_empty() {
        return Err(Errno::ENOEXEC.with_msg("empty #! line"));
    }
    match trimmed.iter().position(|&c| c == b' ' || c == b'\t') {
        None => Ok((trimmed.to_vec(), None)),
        Some(i) => {
            let rest = &trimmed[i..];
            let s = rest
                .iter()
                .position(|&c| c != b' ' && c != b'\t')
                .unwrap_or(rest.len());
            let arg = &rest[s..];
            Ok((
                trimmed[..i].to_vec(),
                (!arg.is_empty()).then(|| arg.to_vec()),
            ))
        }
    }
}

fn seg_prot(p: &Phdr) -> Prot {
    Prot {
        read: p.p_flags & PF_R != 0,
        write: p.p_flags & PF_W != 0,
        exec: p.p_flags & PF_X != 0,
    }
}

/// Where the segments of `elf` ended up.
struct Loaded {
    bias: u64,
    /// End of the highest segment (for brk).
    end: u64,
    phdr_addr: u64,
}

/// Maps the PT_LOAD segments of `elf` with load bias `bias`.
fn map_segments(
    mm: &MemoryManager,
    file: &Arc<File>,
    elf: &Elf,
    bias: u64,
) -> Result<Loaded, Errno> {
    let mut end = 0;
    for ph in elf.phdrs.iter().filter(|p| p.p_type == PT_LOAD) {
        let prot = seg_prot(ph);
        let vaddr = ph.p_vaddr.checked_add(bias).ok_or(Errno::ENOEXEC)?;
        let start = page_down(vaddr);
        let file_end = vaddr + ph.p_filesz;
        let map_end = page_up(file_end).ok_or(Errno::ENOEXEC)?;
        let mem_end = page_up(vaddr + ph.p_memsz).ok_or(Errno::ENOEXEC)?;
        if mem_end > platform::USER_MAX {
            return Err(Errno::ENOEXEC.with_msg("segment above the user address space"));
        }
        if ph.p_filesz > 0 {
            mm.mmap(MmapRequest {
                addr: start,
                len: map_end - start,
                prot,
                shared: false,
                fixed: true,
                noreplace: false,
                backing: Backing::File {
                    file: file.clone(),
                    offset: page_down(ph.p_offset),
                },
                name: None,
                growsdown: false,
            })?;
        }
        if mem_end > map_end.max(start) {
            let from = map_end.max(start);
            mm.mmap(MmapRequest {
                addr: from,
                len: mem_end - from,
                prot,
                shared: false,
                fixed: true,
                noreplace: false,
                backing: Backing::Anon,
                name: None,
                growsdown: false,
            })?;
        }
        if ph.p_memsz > ph.p_filesz && !file_end.is_multiple_of(PAGE) && ph.p_filesz > 0 {
            // Like Linux's padzero: the whole rest of the last file page is
            // zeroed, not just up to p_memsz (ld.so's early allocator hands
            // out the memory after _end and expects zeroes there).
            mm.zero_force(file_end, (map_end - file_end) as usize)?;
        }
        end = end.max(vaddr + ph.p_memsz);
    }
    let phdr_addr = match elf.phdrs.iter().find(|p| p.p_type == PT_PHDR) {
        Some(p) => p.p_vaddr + bias,
        None => elf
            .phdrs
            .iter()
            .find(|p| {
                p.p_type == PT_LOAD
                    && p.p_offset <= elf.phoff
                    && elf.phoff < p.p_offset + p.p_filesz
            })
            .map(|p| p.p_vaddr + (elf.phoff - p.p_offset) + bias)
            .unwrap_or(0),
    };
    Ok(Loaded {
        bias,
        end,
        phdr_addr,
    })
}

/// Lowest and highest page of the loadable segments.
fn span(elf: &Elf) -> (u64, u64) {
    let loads = elf.phdrs.iter().filter(|p| p.p_type == PT_LOAD);
    let lo = loads
        .clone()
        .map(|p| page_down(p.p_vaddr))
        .min()
        .unwrap_or(0);
    let hi = loads
        .map(|p| p.p_vaddr.saturating_add(p.p_memsz))
        .max()
        .unwrap_or(0);
    (lo, page_up(hi).unwrap_or(u64::MAX))
}

fn load(
    task: &Task,
    file: &Arc<File>,
    elf: &Elf,
    path: &[u8],
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
) -> Result<Image, Errno> {
    check_args(argv, envp)?;
    let mm = new_mm(&task.kernel)?;
    let bias = if elf.e_type == ET_DYN {
        let (lo, _) = span(elf);
        page_down(ET_DYN_BASE + (rand::u64() % (RND_PAGES >> 8)) * PAGE) - lo
    } else {
        0
    };
    let main = map_segments(&mm, file, elf, bias)?;
    mm.exec_info.lock().unwrap_or_else(|e| e.into_inner()).exe = file.path.clone();
    let mut entry = elf.entry + main.bias;
    let mut interp_base = 0;
    if let Some(ip) = elf.phdrs.iter().find(|p| p.p_type == PT_INTERP) {
        if ip.p_filesz == 0 || ip.p_filesz > 4096 {
            return Err(Errno::ENOEXEC.with_msg("bad PT_INTERP"));
        }
        let mut name = read_full(file, ip.p_offset, ip.p_filesz as usize)?;
        while name.last() == Some(&0) {
            name.pop();
        }
        let ifile = open_exec_interp(task, &name)?;
        let head = read_full(&ifile, 0, 4096)?;
        let need = elf::needed_len(&head)?;
        let head = if need > head.len() {
            read_full(&ifile, 0, need)?
        } else {
            head
        };
        let ielf = elf::parse(&head)?;
        if ielf.e_type != ET_DYN {
            return Err(Errno::ELIBBAD);
        }
        let (lo, hi) = span(&ielf);
        // Reserve room for the interpreter where mmap would put it.
        let base = mm.mmap(MmapRequest {
            addr: 0,
            len: hi - lo,
            prot: Prot::NONE,
            shared: false,
            fixed: false,
            noreplace: false,
            backing: Backing::Anon,
            name: None,
            growsdown: false,
        })?;
        let il = map_segments(&mm, &ifile, &ielf, base - lo)?;
        interp_base = il.bias;
        entry = ielf.entry + il.bias;
    }
    let brk_base = page_up(main.end).ok_or(Errno::ENOEXEC)?;
    mm.set_brk_base(brk_base);
    let stack = build_stack(task, &mm, elf, &main, interp_base, path, argv, envp)?;
    Ok(Image {
        entry,
        sp: stack.sp,
        mm,
    })
}

fn open_exec_interp(task: &Task, name: &[u8]) -> Result<Arc<File>, Errno> {
    open_exec(task, AT_FDCWD, name).map_err(|e| {
        if e == Errno::ENOENT {
            Errno::ENOENT.with_msg("ELF interpreter not found")
        } else {
            e
        }
    })
}

fn check_args(argv: &[Vec<u8>], envp: &[Vec<u8>]) -> Result<(), Errno> {
    let mut total = 0usize;
    for s in argv.iter().chain(envp) {
        if s.len() + 1 > MAX_ARG_STRLEN {
            return Err(Errno::E2BIG);
        }
        total += s.len() + 1 + 8;
    }
    // Linux allows a quarter of the stack limit for arguments and pointers.
    if total > (STACK_SIZE / 4) as usize {
        return Err(Errno::E2BIG);
    }
    Ok(())
}

struct Stack {
    sp: u64,
}

#[allow(clippy::too_many_arguments)]
fn build_stack(
    task: &Task,
    mm: &MemoryManager,
    elf: &Elf,
    main: &Loaded,
    interp_base: u64,
    path: &[u8],
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
) -> Result<Stack, Errno> {
    let top = stack_top();
    mm.mmap(MmapRequest {
        addr: top - STACK_SIZE,
        len: STACK_SIZE,
        prot: Prot::RW,
        shared: false,
        fixed: true,
        noreplace: false,
        backing: Backing::Anon,
        name: Some("[stack]"),
        growsdown: false,
    })?;

    // Strings, low to high as Linux lays them out: AT_RANDOM's bytes, the
    // platform string, argv strings, envp strings, the file name at the top.
    let mut strings: Vec<u8> = Vec::new();
    let mut random = [0u8; 16];
    rand::fill(&mut random);
    strings.extend_from_slice(&random);
    let put = |s: &[u8], strings: &mut Vec<u8>| -> usize {
        let at = strings.len();
        strings.extend_from_slice(s);
        strings.push(0);
        at
    };
    let platform_at = put(b"x86_64", &mut strings);
    let arg_at: Vec<usize> = argv.iter().map(|s| put(s, &mut strings)).collect();
    let env_at: Vec<usize> = envp.iter().map(|s| put(s, &mut strings)).collect();
    let execfn_at = put(path, &mut strings);
    let info_start = top - strings.len() as u64;
    let at = |i: usize| info_start + i as u64;

    let (hwcap, hwcap2) = rustix::param::linux_hwcap();
    let c = &task.creds;
    let auxv: Vec<(u64, u64)> = vec![
        (AT_HWCAP, hwcap as u64),
        (AT_PAGESZ, PAGE),
        (AT_CLKTCK, 100),
        (AT_PHDR, main.phdr_addr),
        (AT_PHENT, 56),
        (AT_PHNUM, elf.phdrs.len() as u64),
        (AT_BASE, interp_base),
        (AT_FLAGS, 0),
        (AT_ENTRY, elf.entry + main.bias),
        (AT_UID, c.uid as u64),
        (AT_EUID, c.euid as u64),
        (AT_GID, c.gid as u64),
        (AT_EGID, c.egid as u64),
        (AT_SECURE, 0),
        (AT_RANDOM, at(0)),
        (AT_HWCAP2, hwcap2 as u64),
        (AT_EXECFN, at(execfn_at)),
        (AT_PLATFORM, at(platform_at)),
        (AT_NULL, 0),
    ];
    let words = 1 + argv.len() + 1 + envp.len() + 1 + auxv.len() * 2;
    let sp = (info_start - (words as u64) * 8) & !15;
    let mut block: Vec<u8> = Vec::with_capacity((top - sp) as usize);
    let mut push = |v: u64| block.extend_from_slice(&v.to_le_bytes());
    push(argv.len() as u64);
    for &i in &arg_at {
        push(at(i));
    }
    push(0);
    for &i in &env_at {
        push(at(i));
    }
    push(0);
    for (k, v) in &auxv {
        push(*k);
        push(*v);
    }
    block.resize((info_start - sp) as usize, 0);
    block.extend_from_slice(&strings);
    debug_assert_eq!(sp + block.len() as u64, top);
    mm.copy_out(sp, &block)?;
    {
        let mut info = mm.exec_info.lock().unwrap_or_else(|e| e.into_inner());
        let span = |v: &[usize], n: usize| match (v.first(), v.last()) {
            (Some(&a), Some(&b)) => (at(a), at(b) + n as u64 + 1),
            _ => (0, 0),
        };
        info.arg = span(&arg_at, argv.last().map_or(0, |s| s.len()));
        info.env = span(&env_at, envp.last().map_or(0, |s| s.len()));
        info.auxv = auxv.clone();
    }
    Ok(Stack { sp })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebang_lines() {
        assert_eq!(
            parse_shebang(b"#!/bin/sh\n").unwrap(),
            (b"/bin/sh".to_vec(), None)
        );
        assert_eq!(
            parse_shebang(b"#!  /usr/bin/env  python3 -u \nx").unwrap(),
            (b"/usr/bin/env".to_vec(), Some(b"python3 -u".to_vec()))
        );
        assert_eq!(parse_shebang(b"#!\n").unwrap_err(), Errno::ENOEXEC);
    }
}
