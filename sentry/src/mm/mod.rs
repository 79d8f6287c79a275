//! Application memory: VMAs (what the application asked for), PMAs (which
//! memory-file frames back which pages), faults, and copy-in/out.
//!
//! Like Linux, the sentry tracks mappings in VMAs; like gVisor, the pages
//! behind them live in one memory file. PMAs record which frames back which
//! addresses and whether the platform address space has them mapped. Frames
//! are allocated lazily, in windows around a fault, and mapped into the
//! platform address space with the VMA's protection.

pub mod io;
pub mod memfile;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use bytemuck::Pod;
use platform::{AddressSpace, Prot};
use syscalls::Errno;

pub use memfile::{MemoryFile, PAGE};

use crate::vfs::File;

/// Faults populate up to this many bytes around the faulting address.
const FAULT_WINDOW: u64 = 64 << 10;
/// Lowest address an application may map (Linux's default `mmap_min_addr`).
pub const MMAP_MIN_ADDR: u64 = 0x10000;
/// Default and maximum size of the main thread's stack mapping.
pub const STACK_SIZE: u64 = 8 << 20;

pub fn page_down(a: u64) -> u64 {
    a & !(PAGE - 1)
}

pub fn page_up(a: u64) -> Option<u64> {
    a.checked_add(PAGE - 1).map(page_down)
}

/// What backs a VMA.
#[derive(Clone)]
pub enum Backing {
    Anon,
    /// A private mapping of a file: pages are copied from it on first touch.
    File {
        file: Arc<File>,
        offset: u64,
    },
    /// A shared mapping of a file whose inode shares its pages: the mapping
    /// uses the file's own pages.
    Shared {
        file: Arc<File>,
        offset: u64,
    },
}

impl Backing {
    /// The same backing for the part of a mapping `delta` bytes further in.
    fn advanced(&self, delta: u64) -> Backing {
        match self {
            Backing::Anon => Backing::Anon,
            Backing::File { file, offset } => Backing::File {
                file: file.clone(),
                offset: offset + delta,
            },
            Backing::Shared { file, offset } => Backing::Shared {
                file: file.clone(),
                offset: offset + delta,
            },
        }
    }
}

#[derive(Clone)]
pub struct Vma {
    pub end: u64,
    pub prot: Prot,
    pub shared: bool,
    pub backing: Backing,
    pub name: Option<&'static str>,
    /// MADV_DONTFORK: not copied into a forked child.
    pub dontfork: bool,
    /// MAP_GROWSDOWN.
    pub growsdown: bool,
}

impl Vma {
    /// For a file mapping starting at `vstart`: the address just past the
    /// file's last page (pages from there on are not backed: SIGBUS).
    /// None for anonymous memory or a file whose size cannot be read.
    fn file_end(&self, vstart: u64) -> Option<u64> {
        let (Backing::File { file, offset } | Backing::Shared { file, offset }) = &self.backing
        else {
            return None;
        };
        let size = file.inode.attr().ok()?.size;
        let in_map = page_up(size).unwrap_or(u64::MAX).saturating_sub(*offset);
        Some(vstart.saturating_add(in_map))
    }
}

#[derive(Clone, Copy, Debug)]
struct Pma {
    end: u64,
    /// Memory-file offset of the first page.
    off: u64,
    /// Whether the platform address space has these pages mapped.
    mapped: bool,
    /// Copy-on-write: the frames may be shared with another address space
    /// (after fork); they are mapped without write access and copied on the
    /// first write.
    cow: bool,
}

/// Why a fault could not be resolved: the application gets SIGSEGV.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultError {
    /// No mapping at the address (SEGV_MAPERR).
    Unmapped,
    /// A mapping whose protection forbids the access (SEGV_ACCERR).
    Protection,
    /// A page of a file mapping wholly beyond the end of the file
    /// (SIGBUS, BUS_ADRERR).
    BeyondEof,
    /// The page is mapped as its VMA allows: either another thread mapped
    /// it (or broke its copy-on-write) between the fault and now, and the
    /// access will succeed when retried, or the access is not allowed. The
    /// platform does not say which access faulted, so the task retries
    /// once and takes a second fault at the same address as SEGV_ACCERR.
    AlreadyMapped,
}

/// What an access through [`MemoryManager`]'s copy functions needs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum UserAccess {
    Read,
    Write,
    /// The sentry itself, ignoring the mapping's protection.
    Force,
}

/// An mmap request, already validated for flags by the syscall layer.
pub struct MmapRequest {
    pub addr: u64,
    pub len: u64,
    pub prot: Prot,
    pub shared: bool,
    pub fixed: bool,
    pub noreplace: bool,
    pub backing: Backing,
    pub name: Option<&'static str>,
    /// MAP_GROWSDOWN: a stack that grows down on faults below it.
    pub growsdown: bool,
}

struct State {
    vmas: BTreeMap<u64, Vma>,
    pmas: BTreeMap<u64, Pma>,
    brk_base: u64,
    brk: u64,
    /// Top-down mmap allocations start below this address.
    mmap_top: u64,
}

pub struct MemoryManager {
    space: Arc<dyn AddressSpace>,
    mf: Arc<MemoryFile>,
    state: Mutex<State>,
    /// Bytes of memory-file frames behind this address space, and the peak.
    resident: AtomicU64,
    max_resident: AtomicU64,
    /// Wall time tasks spent running application code in this address
    /// space, summed: apportions its measured CPU time among them.
    run_wall_ns: AtomicU64,
    /// Where exec put the program's arguments, environment and auxiliary
    /// vector, and the file it runs (/proc/PID/cmdline, environ, auxv, exe).
    pub exec_info: Mutex<ExecInfo>,
}

/// What exec recorded about the program an address space runs.
#[derive(Clone, Default)]
pub struct ExecInfo {
    /// [start, end) of the argv strings.
    pub arg: (u64, u64),
    /// [start, end) of the envp strings.
    pub env: (u64, u64),
    /// The auxiliary vector, (type, value) pairs ending with AT_NULL.
    pub auxv: Vec<(u64, u64)>,
    /// The executable.
    pub exe: Option<crate::vfs::Path>,
}

impl MemoryManager {
    pub fn new(space: Arc<dyn AddressSpace>, mf: Arc<MemoryFile>, mmap_top: u64) -> Self {
        MemoryManager {
            space,
            mf,
            state: Mutex::new(State {
                vmas: BTreeMap::new(),
                pmas: BTreeMap::new(),
                brk_base: 0,
                brk: 0,
                mmap_top,
            }),
            resident: AtomicU64::new(0),
            max_resident: AtomicU64::new(0),
            run_wall_ns: AtomicU64::new(0),
            exec_info: Mutex::new(ExecInfo::default()),
        }
    }

    pub fn address_space(&self) -> &Arc<dyn AddressSpace> {
        &self.space
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sets where the heap starts (after the loaded program's data).
    pub fn set_brk_base(&self, base: u64) {
        let mut s = self.lock();
        s.brk_base = base;
        s.brk = base;
    }

    pub fn brk(&self, new: u64) -> u64 {
        let mut s = self.lock();
        if new < s.brk_base {
            return s.brk;
        }
        let (Some(old_end), Some(new_end)) = (page_up(s.brk), page_up(new)) else {
            return s.brk;
        };
        if new_end > old_end {
            if new_end > s.mmap_top || overlaps(&s.vmas, old_end, new_end) {
                return s.brk;
            }
            // Extend the heap VMA (or make it).
            let heap_start = page_up(s.brk_base).unwrap_or(s.brk_base);
            match s.vmas.get_mut(&heap_start) {
                Some(v) if v.name == Some("[heap]") && v.end == old_end => v.end = new_end,
                _ => {
                    s.vmas.insert(
                        old_end,
                        Vma {
                            end: new_end,
                            prot: Prot::RW,
                            shared: false,
                            backing: Backing::Anon,
                            name: Some("[heap]"),
                            dontfork: false,
                            growsdown: false,
                        },
                    );
                }
            }
        } else if new_end < old_end {
            self.remove_range(&mut s, new_end, old_end);
        }
        s.brk = new;
        new
    }

    /// Creates a mapping; returns its address.
    pub fn mmap(&self, req: MmapRequest) -> Result<u64, Errno> {
        let len = page_up(req.len).ok_or(Errno::ENOMEM)?;
        if len == 0 {
            return Err(Errno::EINVAL);
        }
        let mut s = self.lock();
        let addr = if req.fixed || req.noreplace {
            if !req.addr.is_multiple_of(PAGE) {
                return Err(Errno::EINVAL);
            }
            let end = req.addr.checked_add(len).ok_or(Errno::ENOMEM)?;
            if end > platform::USER_MAX || req.addr < MMAP_MIN_ADDR {
                return Err(if req.noreplace {
                    Errno::EEXIST
                } else {
                    Errno::EPERM
                }
                .with_msg("fixed mapping outside the user address range"));
            }
            if req.noreplace && overlaps(&s.vmas, req.addr, end) {
                return Err(Errno::EEXIST);
            }
            self.remove_range(&mut s, req.addr, end);
            req.addr
        } else {
            let hint = page_down(req.addr);
            match hint.checked_add(len) {
                Some(end)
                    if hint >= MMAP_MIN_ADDR
                        && end <= platform::USER_MAX
                        && !overlaps(&s.vmas, hint, end) =>
                {
                    hint
                }
                _ => find_free(&s, len).ok_or(Errno::ENOMEM)?,
            }
        };
        s.vmas.insert(
            addr,
            Vma {
                end: addr + len,
                prot: req.prot,
                shared: req.shared,
                backing: req.backing,
                name: req.name,
                dontfork: false,
                growsdown: req.growsdown,
            },
        );
        Ok(addr)
    }

    pub fn munmap(&self, addr: u64, len: u64) -> Result<(), Errno> {
        if !addr.is_multiple_of(PAGE) || len == 0 {
            return Err(Errno::EINVAL);
        }
        let end = page_up(len)
            .and_then(|l| addr.checked_add(l))
            .filter(|&e| e <= platform::TASK_SIZE)
            .ok_or(Errno::EINVAL)?;
        let mut s = self.lock();
        let files = shared_files(&s, addr, end);
        self.remove_range(&mut s, addr, end);
        drop(s);
        writeback(&files);
        Ok(())
    }

    pub fn mprotect(&self, addr: u64, len: u64, prot: Prot) -> Result<(), Errno> {
        if !addr.is_multiple_of(PAGE) {
            return Err(Errno::EINVAL);
        }
        let end = page_up(len)
            .and_then(|l| addr.checked_add(l))
            .ok_or(Errno::ENOMEM)?;
        if len == 0 {
            return Ok(());
        }
        let mut s = self.lock();
        if !covered(&s.vmas, addr, end) {
            return Err(Errno::ENOMEM);
        }
        // A shared mapping of a file opened read-only never becomes writable.
        let first = s.vmas.range(..addr).next_back().map_or(addr, |(&a, _)| a);
        let read_only_file = s.vmas.range(first..end).any(|(_, v)| {
            v.end > addr
                && match &v.backing {
                    Backing::Shared { file, .. } => !file.writable(),
                    Backing::File { file, .. } => v.shared && !file.writable(),
                    Backing::Anon => false,
                }
        });
        if prot.write && read_only_file {
            return Err(Errno::EACCES);
        }
        split_vmas(&mut s.vmas, addr);
        split_vmas(&mut s.vmas, end);
        for (_, v) in s.vmas.range_mut(addr..end) {
            v.prot = prot;
        }
        split_pmas(&mut s.pmas, addr);
        split_pmas(&mut s.pmas, end);
        let runs: Vec<(u64, u64, Prot)> = s
            .pmas
            .range(addr..end)
            .filter(|(_, p)| p.mapped)
            .map(|(&a, p)| (a, p.end, effective(prot, p)))
            .collect();
        for (a, e, p) in runs {
            self.platform(self.space.protect(a, e - a, p))?;
        }
        Ok(())
    }

    /// `madvise(MADV_DONTNEED)`: drops the pages; private mappings read back
    /// zero (anonymous) or the file's contents on the next touch.
    pub fn dontneed(&self, addr: u64, len: u64) -> Result<(), Errno> {
        if !addr.is_multiple_of(PAGE) {
            return Err(Errno::EINVAL);
        }
        let end = page_up(len)
            .and_then(|l| addr.checked_add(l))
            .ok_or(Errno::EINVAL)?;
        let mut s = self.lock();
        if !covered(&s.vmas, addr, end) {
            return Err(Errno::ENOMEM);
        }
        self.drop_pmas(&mut s, addr, end);
        Ok(())
    }

    /// `mremap` of private mappings.
    pub fn mremap(
        &self,
        old: u64,
        old_len: u64,
        new_len: u64,
        may_move: bool,
        fixed: Option<u64>,
    ) -> Result<u64, Errno> {
        if !old.is_multiple_of(PAGE) {
            return Err(Errno::EINVAL);
        }
        let old_len = page_up(old_len).ok_or(Errno::EINVAL)?;
        let new_len = page_up(new_len).ok_or(Errno::EINVAL)?;
        if new_len == 0 || old_len == 0 {
            return Err(Errno::EINVAL);
        }
        let old_end = old.checked_add(old_len).ok_or(Errno::EFAULT)?;
        let mut s = self.lock();
        let (vstart, vma) = find_vma(&s.vmas, old).ok_or(Errno::EFAULT)?;
        if vma.end < old_end {
            return Err(Errno::EFAULT);
        }
        let vma = vma.clone();
        if fixed.is_none() {
            if new_len <= old_len {
                self.remove_range(&mut s, old + new_len, old_end);
                return Ok(old);
            }
            // Grow in place when the space after is free.
            let new_end = old.checked_add(new_len).ok_or(Errno::ENOMEM)?;
            if vma.end == old_end
                && new_end <= s.mmap_top.max(old_end)
                && new_end <= platform::USER_MAX
                && !overlaps(&s.vmas, old_end, new_end)
            {
                s.vmas.get_mut(&vstart).expect("found above").end = new_end;
                return Ok(old);
            }
            if !may_move {
                return Err(Errno::ENOMEM);
            }
        }
        let dest = match fixed {
            Some(d) => {
                if !d.is_multiple_of(PAGE) {
                    return Err(Errno::EINVAL);
                }
                let dend = d.checked_add(new_len).ok_or(Errno::EINVAL)?;
                if d < old_end && old < dend {
                    return Err(Errno::EINVAL);
                }
                self.remove_range(&mut s, d, dend);
                d
            }
            None => find_free(&s, new_len).ok_or(Errno::ENOMEM)?,
        };
        // Move the VMA piece and the frames behind it: no data is copied.
        split_vmas(&mut s.vmas, old);
        split_vmas(&mut s.vmas, old_end);
        split_pmas(&mut s.pmas, old);
        split_pmas(&mut s.pmas, old_end);
        let moved: Vec<(u64, Pma)> = s.pmas.range(old..old_end).map(|(&a, &p)| (a, p)).collect();
        let any_mapped = moved.iter().any(|(_, p)| p.mapped);
        for (a, _) in &moved {
            s.pmas.remove(a);
        }
        s.vmas.remove(&old);
        if any_mapped {
            self.platform(self.space.unmap(old, old_len))?;
        }
        let keep = old_len.min(new_len);
        for (a, mut p) in moved {
            if a >= old + keep {
                self.mf.dec_ref(p.off, p.end - a);
                continue;
            }
            if p.end > old + keep {
                self.mf
                    .dec_ref(p.off + (old + keep - a), p.end - (old + keep));
                p.end = old + keep;
            }
            let na = a - old + dest;
            p.end = p.end - old + dest;
            p.mapped = false;
            s.pmas.insert(na, p);
        }
        let backing = vma.backing.advanced(old - vstart);
        s.vmas.insert(
            dest,
            Vma {
                end: dest + new_len,
                backing,
                ..vma
            },
        );
        Ok(dest)
    }

    /// Resolves an application page fault at `addr`. `stack_limit` bounds
    /// how far a MAP_GROWSDOWN mapping may grow (RLIMIT_STACK).
    pub fn fault(&self, addr: u64, stack_limit: u64) -> Result<(), FaultError> {
        let mut s = self.lock();
        if find_vma(&s.vmas, addr).is_none() {
            grow_stack(&mut s, addr, stack_limit);
        }
        let (vstart, vma) = find_vma(&s.vmas, addr).ok_or(FaultError::Unmapped)?;
        if vma.prot == Prot::NONE {
            return Err(FaultError::Protection);
        }
        let (mut vend, prot) = (vma.end, vma.prot);
        let page = page_down(addr);
        // Pages past the file's last page are not there (SIGBUS); the fault
        // window stops before them, so they stay absent should the file grow.
        if let Some(eof) = vma.file_end(vstart) {
            if page >= eof {
                return Err(FaultError::BeyondEof);
            }
            vend = vend.min(eof);
        }
        if let Some((_, p)) = find_pma(&s.pmas, page) {
            if p.mapped {
                if p.cow && prot.write {
                    // A write to a copy-on-write page.
                    return self
                        .break_cow(&mut s, page, prot)
                        .map_err(|_| FaultError::Unmapped);
                }
                return Err(FaultError::AlreadyMapped);
            }
        }
        let wstart = (addr & !(FAULT_WINDOW - 1)).max(vstart);
        let wend = ((addr & !(FAULT_WINDOW - 1)) + FAULT_WINDOW).min(vend);
        self.populate(&mut s, wstart, wend)
            .map_err(|_| FaultError::Unmapped)?;
        self.map_range(&mut s, wstart, wend, prot)
            .map_err(|_| FaultError::Unmapped)?;
        Ok(())
    }

    /// Makes sure frames back every page of `[start, end)` (inside one or
    /// more VMAs), filling file-backed pages from their file.
    fn populate(&self, s: &mut State, start: u64, end: u64) -> Result<(), Errno> {
        let mut a = start;
        while a < end {
            if let Some((_, p)) = find_pma(&s.pmas, a) {
                a = p.end;
                continue;
            }
            let (vstart, vma) = find_vma(&s.vmas, a).ok_or(Errno::EFAULT)?;
            let vma_end = vma.end;
            // Up to the next PMA, the end of the VMA, or `end`.
            let next = s
                .pmas
                .range(a..)
                .next()
                .map(|(&k, _)| k)
                .unwrap_or(u64::MAX);
            let gap_end = end.min(vma_end).min(next);
            if let Backing::Shared { file, offset } = &vma.backing {
                // The file's own pages, one by one (they need not be
                // contiguous in the memory file).
                let (file, offset) = (file.clone(), *offset);
                while a < gap_end {
                    let frame = file.inode.shared_page((offset + (a - vstart)) / PAGE)?;
                    s.pmas.insert(
                        a,
                        Pma {
                            end: a + PAGE,
                            off: frame,
                            mapped: false,
                            cow: false,
                        },
                    );
                    let now = self.resident.fetch_add(PAGE, Ordering::Relaxed) + PAGE;
                    self.max_resident.fetch_max(now, Ordering::Relaxed);
                    a += PAGE;
                }
                continue;
            }
            let len = gap_end - a;
            let off = self.mf.alloc(len)?;
            let now = self.resident.fetch_add(len, Ordering::Relaxed) + len;
            self.max_resident.fetch_max(now, Ordering::Relaxed);
            if let Backing::File { file, offset } = &vma.backing {
                let foff = offset + (a - vstart);
                let map = self.mf.mapping();
                let mut done = 0u64;
                while done < len {
                    let n = map.with_slice_mut(off + done, (len - done) as usize, |buf| {
                        file.read_at(buf, foff + done)
                    });
                    match n {
                        Ok(0) | Err(_) => break, // beyond EOF: zero-filled
                        Ok(n) => done += n as u64,
                    }
                }
            }
            s.pmas.insert(
                a,
                Pma {
                    end: gap_end,
                    off,
                    mapped: false,
                    cow: false,
                },
            );
            a = gap_end;
        }
        Ok(())
    }

    /// Maps every not-yet-mapped PMA in `[start, end)` into the address space.
    fn map_range(&self, s: &mut State, start: u64, end: u64, prot: Prot) -> Result<(), Errno> {
        split_pmas(&mut s.pmas, start);
        split_pmas(&mut s.pmas, end);
        let todo: Vec<u64> = s
            .pmas
            .range(start..end)
            .filter(|(_, p)| !p.mapped)
            .map(|(&a, _)| a)
            .collect();
        for a in todo {
            let p = s.pmas.get_mut(&a).expect("collected above");
            self.space
                .map(a, p.end - a, p.off, effective(prot, p))
                .map_err(|e| platform_errno(&e))?;
            p.mapped = true;
        }
        merge_pmas(&mut s.pmas, start, end);
        Ok(())
    }

    /// Removes every mapping in `[start, end)`.
    fn remove_range(&self, s: &mut State, start: u64, end: u64) {
        // (Callers that unmap on the application's behalf write shared
        // file pages back first: see `shared_files`.)
        if start >= end {
            return;
        }
        split_vmas(&mut s.vmas, start);
        split_vmas(&mut s.vmas, end);
        let gone: Vec<u64> = s.vmas.range(start..end).map(|(&a, _)| a).collect();
        for a in gone {
            s.vmas.remove(&a);
        }
        self.drop_pmas(s, start, end);
    }

    /// Frees the frames behind `[start, end)` and unmaps them.
    fn drop_pmas(&self, s: &mut State, start: u64, end: u64) {
        split_pmas(&mut s.pmas, start);
        split_pmas(&mut s.pmas, end);
        let gone: Vec<(u64, Pma)> = s.pmas.range(start..end).map(|(&a, &p)| (a, p)).collect();
        let mut mapped = false;
        for (a, p) in gone {
            s.pmas.remove(&a);
            mapped |= p.mapped;
            self.mf.dec_ref(p.off, p.end - a);
            self.resident.fetch_sub(p.end - a, Ordering::Relaxed);
        }
        if mapped {
            // Best effort: if the stub is gone, so is its mapping.
            let _ = self.space.unmap(start, end - start);
        }
    }

    fn platform<T>(&self, r: platform::Result<T>) -> Result<T, Errno> {
        r.map_err(|e| platform_errno(&e))
    }

    /// Runs `f` over the memory-file ranges behind `[addr, addr+len)`, in
    /// order, after checking that the application may access them (`write`:
    /// for writing). `f` returns how many bytes it handled; a short count
    /// stops the walk. Holds the lock throughout, so the frames stay put.
    fn walk(
        &self,
        addr: u64,
        len: usize,
        access: UserAccess,
        mut f: impl FnMut(u64, usize) -> Result<usize, Errno>,
    ) -> Result<usize, Errno> {
        if len == 0 {
            return Ok(0);
        }
        let (s, end) = self.prepare(addr, len, access)?;
        let mut done = 0usize;
        let mut a = addr;
        while a < end {
            let (off, n) = next_run(&s, a, end)?;
            let got = f(off, n)?;
            done += got;
            if got < n {
                break;
            }
            a += n as u64;
        }
        Ok(done)
    }

    /// Like `walk`, but hands `f` every run at once: the memory-file
    /// ranges `(offset, length)` behind `[addr, addr+len)`, in order.
    fn walk_runs(
        &self,
        addr: u64,
        len: usize,
        access: UserAccess,
        f: impl FnOnce(&[(u64, usize)]) -> Result<usize, Errno>,
    ) -> Result<usize, Errno> {
        if len == 0 {
            return Ok(0);
        }
        let (s, end) = self.prepare(addr, len, access)?;
        let mut runs: Vec<(u64, usize)> = Vec::new();
        let mut a = addr;
        while a < end {
            let run = next_run(&s, a, end)?;
            runs.push(run);
            a += run.1 as u64;
        }
        f(&runs)
    }

    /// Takes the lock for an access to `[addr, addr+len)`: checks the
    /// application may make it, faults the pages in and, for writes,
    /// breaks copy-on-write sharing. Returns the guard and the range's end.
    fn prepare(
        &self,
        addr: u64,
        len: usize,
        access: UserAccess,
    ) -> Result<(MutexGuard<'_, State>, u64), Errno> {
        let end = addr
            .checked_add(len as u64)
            .filter(|&e| e <= platform::USER_MAX)
            .ok_or(Errno::EFAULT)?;
        let mut s = self.lock();
        // Check permissions for the whole range first.
        let mut a = addr;
        while a < end {
            let (_, v) = find_vma(&s.vmas, a).ok_or(Errno::EFAULT)?;
            let ok = match access {
                UserAccess::Write => v.prot.write,
                UserAccess::Read => v.prot.read || v.prot.exec || v.prot.write,
                UserAccess::Force => true,
            };
            if !ok {
                return Err(Errno::EFAULT);
            }
            a = v.end;
        }
        self.populate(&mut s, page_down(addr), page_up(end).ok_or(Errno::EFAULT)?)?;
        if access != UserAccess::Read {
            // The sentry writes too: copy-on-write pages get copied first.
            let cows: Vec<(u64, Prot)> = s
                .pmas
                .range(..end)
                .rev()
                .take_while(|(_, p)| p.end > page_down(addr))
                .filter(|(_, p)| p.cow)
                .flat_map(|(&a, p)| {
                    let from = a.max(page_down(addr));
                    let to = p.end.min(page_up(end).unwrap_or(end));
                    (from..to).step_by(PAGE as usize).collect::<Vec<_>>()
                })
                .map(|pg| {
                    (
                        pg,
                        find_vma(&s.vmas, pg).map_or(Prot::NONE, |(_, v)| v.prot),
                    )
                })
                .collect();
            for (pg, prot) in cows {
                self.break_cow(&mut s, pg, prot)?;
            }
        }
        Ok((s, end))
    }

    pub fn copy_out(&self, addr: u64, src: &[u8]) -> Result<(), Errno> {
        let map = self.mf.mapping();
        let mut pos = 0;
        self.walk(addr, src.len(), UserAccess::Write, |off, n| {
            map.write(off, &src[pos..pos + n]);
            pos += n;
            Ok(n)
        })?;
        Ok(())
    }

    pub fn copy_in(&self, addr: u64, dst: &mut [u8]) -> Result<(), Errno> {
        let map = self.mf.mapping();
        let mut pos = 0;
        self.walk(addr, dst.len(), UserAccess::Read, |off, n| {
            map.read(off, &mut dst[pos..pos + n]);
            pos += n;
            Ok(n)
        })?;
        Ok(())
    }

    pub fn zero_out(&self, addr: u64, len: usize) -> Result<(), Errno> {
        let map = self.mf.mapping();
        self.walk(addr, len, UserAccess::Write, |off, n| {
            map.zero(off, n);
            Ok(n)
        })?;
        Ok(())
    }

    /// Zeroes application memory regardless of its protection (the loader
    /// clearing the tail of a segment's last file page).
    pub fn zero_force(&self, addr: u64, len: usize) -> Result<(), Errno> {
        let map = self.mf.mapping();
        self.walk(addr, len, UserAccess::Force, |off, n| {
            map.zero(off, n);
            Ok(n)
        })?;
        Ok(())
    }

    pub fn read_obj<T: Pod>(&self, addr: u64) -> Result<T, Errno> {
        let mut v = <T as bytemuck::Zeroable>::zeroed();
        self.copy_in(addr, bytemuck::bytes_of_mut(&mut v))?;
        Ok(v)
    }

    pub fn write_obj<T: Pod>(&self, addr: u64, v: &T) -> Result<(), Errno> {
        self.copy_out(addr, bytemuck::bytes_of(v))
    }

    /// Reads a NUL-terminated string of at most `max` bytes (without the
    /// NUL). ENAMETOOLONG if there is no NUL within `max`+1 bytes.
    pub fn read_cstr(&self, addr: u64, max: usize) -> Result<Vec<u8>, Errno> {
        let mut out = Vec::new();
        let mut a = addr;
        loop {
            // Read up to the end of the page, so we never fault past the NUL.
            let chunk = (PAGE - (a % PAGE)) as usize;
            let mut buf = vec![0u8; chunk];
            self.copy_in(a, &mut buf)?;
            if let Some(i) = buf.iter().position(|&b| b == 0) {
                out.extend_from_slice(&buf[..i]);
                if out.len() > max {
                    return Err(Errno::ENAMETOOLONG);
                }
                return Ok(out);
            }
            out.extend_from_slice(&buf);
            if out.len() > max {
                return Err(Errno::ENAMETOOLONG);
            }
            a = a.checked_add(chunk as u64).ok_or(Errno::EFAULT)?;
        }
    }

    /// Hands the application memory `[addr, addr+len)` to `f` as writable
    /// slices (e.g. a file read straight into it), piece by piece. `f` must
    /// not block indefinitely: the memory manager is locked meanwhile.
    pub fn with_user_mut(
        &self,
        addr: u64,
        len: usize,
        mut f: impl FnMut(&mut [u8]) -> Result<usize, Errno>,
    ) -> Result<usize, Errno> {
        let map = self.mf.mapping();
        self.walk(addr, len, UserAccess::Write, |off, n| {
            map.with_slice_mut(off, n, &mut f)
        })
    }

    /// Like [`with_user_mut`](Self::with_user_mut), but lends every range
    /// at once for one vectored read. None, without calling `f`, if two
    /// pages of the range share a frame (the slices would alias): the
    /// caller then goes range by range with `with_user_mut`.
    pub fn with_user_iov_mut(
        &self,
        addr: u64,
        len: usize,
        f: impl FnOnce(&mut [std::io::IoSliceMut<'_>]) -> Result<usize, Errno>,
    ) -> Result<Option<usize>, Errno> {
        let map = self.mf.mapping();
        let mut aliased = false;
        let n = self.walk_runs(addr, len, UserAccess::Write, |runs| {
            match map.with_slices_mut(runs, f) {
                Some(r) => r,
                None => {
                    aliased = true;
                    Ok(0)
                }
            }
        })?;
        Ok((!aliased).then_some(n))
    }

    /// Like [`with_user_iov_mut`](Self::with_user_iov_mut), read-only (one
    /// vectored write from application memory).
    pub fn with_user_iov(
        &self,
        addr: u64,
        len: usize,
        f: impl FnOnce(&[std::io::IoSlice<'_>]) -> Result<usize, Errno>,
    ) -> Result<usize, Errno> {
        let map = self.mf.mapping();
        self.walk_runs(addr, len, UserAccess::Read, |runs| map.with_slices(runs, f))
    }

    /// Like [`with_user_mut`](Self::with_user_mut), read-only (a file write from it).
    pub fn with_user(
        &self,
        addr: u64,
        len: usize,
        mut f: impl FnMut(&[u8]) -> Result<usize, Errno>,
    ) -> Result<usize, Errno> {
        let map = self.mf.mapping();
        self.walk(addr, len, UserAccess::Read, |off, n| {
            map.with_slice(off, n, &mut f)
        })
    }

    /// msync: the range must be mapped. Files whose shared pages cache
    /// something outside the sandbox (gofer files) write them back.
    pub fn msync(&self, addr: u64, len: u64) -> Result<(), Errno> {
        if !addr.is_multiple_of(PAGE) {
            return Err(Errno::EINVAL);
        }
        let end = page_up(len)
            .and_then(|l| addr.checked_add(l))
            .ok_or(Errno::ENOMEM)?;
        let s = self.lock();
        if !covered(&s.vmas, addr, end) {
            return Err(Errno::ENOMEM);
        }
        let files = shared_files(&s, addr, end);
        drop(s);
        writeback(&files);
        Ok(())
    }

    /// Checks that `[addr, addr+len)` is mapped with at least `write` access
    /// (or any access), without touching it.
    pub fn check_access(&self, addr: u64, len: u64, write: bool) -> bool {
        let Some(end) = addr.checked_add(len) else {
            return false;
        };
        let s = self.lock();
        let mut a = addr;
        while a < end {
            let Some((_, v)) = find_vma(&s.vmas, a) else {
                return false;
            };
            if write && !v.prot.write || v.prot == Prot::NONE {
                return false;
            }
            a = v.end;
        }
        true
    }

    /// Atomically applies `f` to the u32 at `addr` (futex operations),
    /// returning the old value. EFAULT unless the word is mapped writable;
    /// EINVAL if it is not 4-byte aligned.
    pub fn atomic_update_u32(&self, addr: u64, f: impl Fn(u32) -> u32) -> Result<u32, Errno> {
        if !addr.is_multiple_of(4) {
            return Err(Errno::EINVAL);
        }
        let map = self.mf.mapping();
        let mut old = 0;
        self.walk(addr, 4, UserAccess::Write, |off, n| {
            old = map.atomic_update_u32(off, &f);
            Ok(n)
        })?;
        Ok(old)
    }

    /// Whether `addr` lies in a shared mapping (MAP_SHARED anonymous memory
    /// or a shared file mapping), whose futexes are keyed by page, not by
    /// (address space, address).
    /// Whether a shared mapping of `inode` here may be writable now or
    /// after mprotect (Linux's VM_SHARED|VM_MAYWRITE: through a description
    /// open for writing): adding F_SEAL_WRITE is then EBUSY.
    pub fn maps_writable_shared(&self, inode: &crate::vfs::InodeRef) -> bool {
        self.lock().vmas.values().any(|v| {
            matches!(&v.backing, Backing::Shared { file, .. }
                if file.writable()
                    && std::ptr::addr_eq(Arc::as_ptr(&file.inode), Arc::as_ptr(inode)))
        })
    }

    pub fn is_shared_mapping(&self, addr: u64) -> Result<bool, Errno> {
        let s = self.lock();
        let (_, v) = find_vma(&s.vmas, addr).ok_or(Errno::EFAULT)?;
        Ok(v.shared || matches!(v.backing, Backing::Shared { .. }))
    }

    /// Whether `addr` lies in private anonymous memory (MADV_FREE's domain).
    pub fn is_private_anon(&self, addr: u64) -> Result<bool, Errno> {
        let s = self.lock();
        let (_, v) = find_vma(&s.vmas, addr).ok_or(Errno::ENOMEM)?;
        Ok(!v.shared && matches!(v.backing, Backing::Anon))
    }

    /// The memory-file offset behind `addr`, for keys of futexes shared
    /// between address spaces.
    pub fn frame_of(&self, addr: u64) -> Result<u64, Errno> {
        let mut frame = 0;
        self.walk(addr, 1, UserAccess::Read, |off, n| {
            frame = off;
            Ok(n)
        })?;
        Ok(frame)
    }

    /// Gives the page at `page` its own frame (copying the shared one unless
    /// this address space is its last owner) and maps it with `prot`.
    fn break_cow(&self, s: &mut State, page: u64, prot: Prot) -> Result<(), Errno> {
        split_pmas(&mut s.pmas, page);
        split_pmas(&mut s.pmas, page + PAGE);
        let p = s.pmas.get_mut(&page).ok_or(Errno::EFAULT)?;
        if self.mf.is_shared(p.off) {
            let new = self.mf.alloc(PAGE)?;
            self.mf.mapping().copy(p.off, new, PAGE as usize);
            self.mf.dec_ref(p.off, PAGE);
            p.off = new;
        }
        p.cow = false;
        if p.mapped {
            let off = p.off;
            self.space
                .map(page, PAGE, off, prot)
                .map_err(|e| platform_errno(&e))?;
        }
        Ok(())
    }

    /// A copy of this address space in `space` for a forked child: shared
    /// mappings share their frames, private ones become copy-on-write in
    /// both. VMAs marked MADV_DONTFORK are left out.
    pub fn fork(&self, space: Arc<dyn AddressSpace>) -> Result<MemoryManager, Errno> {
        let mut s = self.lock();
        let mut child = State {
            vmas: BTreeMap::new(),
            pmas: BTreeMap::new(),
            brk_base: s.brk_base,
            brk: s.brk,
            mmap_top: s.mmap_top,
        };
        let mut protect: Vec<(u64, u64, Prot)> = Vec::new();
        let vmas: Vec<(u64, Vma)> = s.vmas.iter().map(|(&a, v)| (a, v.clone())).collect();
        let mut resident = 0;
        for (vstart, vma) in vmas {
            if vma.dontfork {
                continue;
            }
            split_pmas(&mut s.pmas, vstart);
            split_pmas(&mut s.pmas, vma.end);
            let private = !vma.shared && !matches!(vma.backing, Backing::Shared { .. });
            for (&a, p) in s.pmas.range_mut(vstart..vma.end) {
                self.mf.inc_ref(p.off, p.end - a);
                resident += p.end - a;
                if private {
                    if p.mapped && !p.cow && vma.prot.write {
                        protect.push((
                            a,
                            p.end,
                            Prot {
                                write: false,
                                ..vma.prot
                            },
                        ));
                    }
                    p.cow = true;
                }
                child.pmas.insert(
                    a,
                    Pma {
                        end: p.end,
                        off: p.off,
                        mapped: false,
                        cow: private,
                    },
                );
            }
            child.vmas.insert(vstart, vma);
        }
        for (a, e, prot) in protect {
            self.platform(self.space.protect(a, e - a, prot))?;
        }
        Ok(MemoryManager {
            space,
            mf: self.mf.clone(),
            state: Mutex::new(child),
            resident: AtomicU64::new(resident),
            max_resident: AtomicU64::new(resident),
            run_wall_ns: AtomicU64::new(0),
            exec_info: Mutex::new(
                self.exec_info
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone(),
            ),
        })
    }

    /// MADV_DONTFORK / MADV_DOFORK on `[addr, addr+len)`.
    pub fn set_dontfork(&self, addr: u64, len: u64, on: bool) -> Result<(), Errno> {
        if !addr.is_multiple_of(PAGE) {
            return Err(Errno::EINVAL);
        }
        let end = page_up(len)
            .and_then(|l| addr.checked_add(l))
            .ok_or(Errno::EINVAL)?;
        let mut s = self.lock();
        if !covered(&s.vmas, addr, end) {
            return Err(Errno::ENOMEM);
        }
        split_vmas(&mut s.vmas, addr);
        split_vmas(&mut s.vmas, end);
        for (_, v) in s.vmas.range_mut(addr..end) {
            v.dontfork = on;
        }
        Ok(())
    }

    /// (all mapped bytes, data bytes: private writable mappings and the
    /// heap) for RLIMIT_AS and RLIMIT_DATA.
    pub fn vm_totals(&self) -> (u64, u64) {
        let s = self.lock();
        let mut total = 0;
        let mut data = 0;
        for (&a, v) in &s.vmas {
            total += v.end - a;
            if !v.shared && v.prot.write && !v.growsdown && v.name != Some("[stack]") {
                data += v.end - a;
            }
        }
        (total, data)
    }

    /// The current program break.
    pub fn current_brk(&self) -> u64 {
        self.lock().brk
    }

    /// mincore: one byte per page of `[addr, addr+len)`, 1 where memory is
    /// resident (has a frame). ENOMEM if part of the range is unmapped.
    pub fn mincore(&self, addr: u64, len: u64) -> Result<Vec<u8>, Errno> {
        if !addr.is_multiple_of(PAGE) {
            return Err(Errno::EINVAL);
        }
        let end = page_up(len)
            .and_then(|l| addr.checked_add(l))
            .ok_or(Errno::ENOMEM)?;
        let s = self.lock();
        if !covered(&s.vmas, addr, end) {
            return Err(Errno::ENOMEM);
        }
        // A page is resident if this address space has it, or if it is a
        // shared file page the file holds (written, or faulted elsewhere).
        Ok((addr..end)
            .step_by(PAGE as usize)
            .map(|p| {
                if find_pma(&s.pmas, p).is_some() {
                    return 1;
                }
                match find_vma(&s.vmas, p) {
                    Some((vstart, v)) => match &v.backing {
                        Backing::Shared { file, offset } => {
                            file.inode.page_resident((offset + (p - vstart)) / PAGE) as u8
                        }
                        _ => 0,
                    },
                    None => 0,
                }
            })
            .collect())
    }

    /// Checks that `[addr, addr+len)` is entirely mapped (mlock, msync).
    pub fn check_mapped(&self, addr: u64, len: u64) -> Result<(), Errno> {
        let start = page_down(addr);
        let end = addr
            .checked_add(len)
            .and_then(page_up)
            .ok_or(Errno::ENOMEM)?;
        if covered(&self.lock().vmas, start, end) {
            Ok(())
        } else {
            Err(Errno::ENOMEM)
        }
    }

    /// Faults in every accessible page of `[addr, addr+len)`, which must be
    /// mapped (mlock). File pages past the end of their file stay absent.
    pub fn prefault(&self, addr: u64, len: u64) -> Result<(), Errno> {
        self.check_mapped(addr, len)?;
        let start = page_down(addr);
        let end = addr
            .checked_add(len)
            .and_then(page_up)
            .ok_or(Errno::ENOMEM)?;
        let mut s = self.lock();
        let first = s
            .vmas
            .range(..=start)
            .next_back()
            .map_or(start, |(&a, _)| a);
        let pieces: Vec<(u64, u64, Prot)> = s
            .vmas
            .range(first..end)
            .filter(|(_, v)| v.end > start && v.prot != Prot::NONE)
            .map(|(&a, v)| (a, v.end.min(v.file_end(a).unwrap_or(u64::MAX)), v.prot))
            .collect();
        for (vstart, vend, prot) in pieces {
            let hi = vend.min(end);
            let lo = vstart.max(start);
            if lo < hi {
                self.populate(&mut s, lo, hi)?;
                self.map_range(&mut s, lo, hi, prot)?;
            }
        }
        Ok(())
    }

    /// A task ran application code here for `ns` of wall time.
    pub fn add_run_wall(&self, ns: u64) {
        self.run_wall_ns.fetch_add(ns, Ordering::Relaxed);
    }

    /// The share of run wall time that was CPU time of the application
    /// (the host's CPU clock of the address space over the summed wall
    /// time, at most 1): wall time in the application also holds the
    /// tracer's own trap handling, which is the sentry's (system) time.
    pub fn cpu_share(&self) -> f64 {
        let wall = self.run_wall_ns.load(Ordering::Relaxed);
        if wall == 0 {
            return 1.0;
        }
        (self.space.cpu_time().as_nanos() as f64 / wall as f64).min(1.0)
    }

    /// Bytes of memory behind this address space now (RSS).
    pub fn resident(&self) -> u64 {
        self.resident.load(Ordering::Relaxed)
    }

    /// Bytes of memory behind `[start, end)` (smaps' Rss).
    pub fn resident_in(&self, start: u64, end: u64) -> u64 {
        let s = self.lock();
        s.pmas
            .range(..end)
            .filter(|(_, p)| p.end > start)
            .map(|(&a, p)| p.end.min(end) - a.max(start))
            .sum()
    }

    /// Peak bytes of memory behind this address space (ru_maxrss).
    pub fn max_resident(&self) -> u64 {
        self.max_resident.load(Ordering::Relaxed)
    }

    /// The mappings, for /proc/PID/maps and debugging.
    pub fn vmas(&self) -> Vec<(u64, Vma)> {
        self.lock()
            .vmas
            .iter()
            .map(|(&a, v)| (a, v.clone()))
            .collect()
    }
}

impl Drop for MemoryManager {
    fn drop(&mut self) {
        let s = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        for (&a, p) in s.pmas.iter() {
            self.mf.dec_ref(p.off, p.end - a);
        }
    }
}

/// The protection a PMA is mapped with: a copy-on-write page never
/// writable.
fn effective(prot: Prot, p: &Pma) -> Prot {
    if p.cow {
        Prot {
            write: false,
            ..prot
        }
    } else {
        prot
    }
}

fn platform_errno(e: &platform::Error) -> Errno {
    tracing::warn!("platform: {e}");
    Errno::EFAULT.with_msg("platform address space operation failed")
}

fn find_vma(vmas: &BTreeMap<u64, Vma>, addr: u64) -> Option<(u64, &Vma)> {
    vmas.range(..=addr)
        .next_back()
        .filter(|(_, v)| v.end > addr)
        .map(|(&a, v)| (a, v))
}

fn find_pma(pmas: &BTreeMap<u64, Pma>, addr: u64) -> Option<(u64, Pma)> {
    pmas.range(..=addr)
        .next_back()
        .filter(|(_, p)| p.end > addr)
        .map(|(&a, &p)| (a, p))
}

fn overlaps(vmas: &BTreeMap<u64, Vma>, start: u64, end: u64) -> bool {
    if let Some((_, v)) = vmas.range(..start).next_back() {
        if v.end > start {
            return true;
        }
    }
    vmas.range(start..end).next().is_some()
}

fn covered(vmas: &BTreeMap<u64, Vma>, start: u64, end: u64) -> bool {
    let mut a = start;
    while a < end {
        match find_vma(vmas, a) {
            Some((_, v)) => a = v.end,
            None => return false,
        }
    }
    true
}

/// Linux's stack_guard_gap: a growing stack keeps this far from the
/// mapping below it.
const STACK_GUARD_GAP: u64 = 256 * PAGE;

/// Extends the MAP_GROWSDOWN mapping just above `addr` down to cover it, if
/// the stack limit and the guard gap allow.
fn grow_stack(s: &mut State, addr: u64, limit: u64) {
    let Some((&start, v)) = s.vmas.range(addr..).next() else {
        return;
    };
    if !v.growsdown {
        return;
    }
    let new_start = page_down(addr);
    if v.end - new_start > limit {
        return;
    }
    if let Some((_, below)) = s.vmas.range(..start).next_back() {
        if below.end + STACK_GUARD_GAP > new_start {
            return;
        }
    }
    let mut v = s.vmas.remove(&start).expect("found above");
    v.backing = v.backing.advanced(0);
    s.vmas.insert(new_start, v);
}

/// Highest free range of `len` bytes below `mmap_top`.
fn find_free(s: &State, len: u64) -> Option<u64> {
    let mut top = s.mmap_top;
    for (&start, v) in s.vmas.range(..s.mmap_top).rev() {
        if v.end <= top && top - v.end >= len {
            return Some(top - len);
        }
        top = top.min(start);
    }
    (top >= MMAP_MIN_ADDR + len).then(|| top - len)
}

/// Splits the VMA that spans `at` (if any) into two at `at`.
fn split_vmas(vmas: &mut BTreeMap<u64, Vma>, at: u64) {
    let Some((start, v)) = vmas.range(..at).next_back().map(|(&a, v)| (a, v.clone())) else {
        return;
    };
    if v.end <= at {
        return;
    }
    vmas.get_mut(&start).expect("found").end = at;
    let backing = v.backing.advanced(at - start);
    vmas.insert(at, Vma { backing, ..v });
}

fn split_pmas(pmas: &mut BTreeMap<u64, Pma>, at: u64) {
    let Some((start, p)) = pmas.range(..at).next_back().map(|(&a, &p)| (a, p)) else {
        return;
    };
    if p.end <= at {
        return;
    }
    pmas.get_mut(&start).expect("found").end = at;
    pmas.insert(
        at,
        Pma {
            end: p.end,
            off: p.off + (at - start),
            mapped: p.mapped,
            cow: p.cow,
        },
    );
}

/// Joins neighbouring PMAs in `[start, end]` that are contiguous in both the
/// address space and the memory file, to keep the map small.
fn merge_pmas(pmas: &mut BTreeMap<u64, Pma>, start: u64, end: u64) {
    // PMAs do not overlap, so walking back from `end` we can stop at the
    // first one that ends before `start`.
    let keys: Vec<u64> = pmas
        .range(..=end)
        .rev()
        .take_while(|(_, p)| p.end >= start)
        .map(|(&a, _)| a)
        .collect();
    for &a in keys.iter().rev() {
        let Some(&p) = pmas.get(&a) else { continue };
        if let Some(&n) = pmas.get(&p.end) {
            if n.off == p.off + (p.end - a) && n.mapped == p.mapped && n.cow == p.cow {
                pmas.remove(&p.end);
                pmas.get_mut(&a).expect("present").end = n.end;
            }
        }
    }
}

/// The files of the shared file mappings overlapping `[start, end)`, each
/// once.
fn shared_files(s: &State, start: u64, end: u64) -> Vec<Arc<File>> {
    let first = s.vmas.range(..start).next_back().map_or(start, |(&a, _)| a);
    let mut files: Vec<Arc<File>> = Vec::new();
    for (_, v) in s.vmas.range(first..end) {
        if v.end <= start {
            continue;
        }
        if let Backing::Shared { file, .. } = &v.backing {
            if !files.iter().any(|f| Arc::ptr_eq(&f.inode, &file.inode)) {
                files.push(file.clone());
            }
        }
    }
    files
}

/// Writes the shared pages of `files` back (msync, munmap); a failure is
/// logged, as the dirty page of a failed writeback is on Linux.
fn writeback(files: &[Arc<File>]) {
    for f in files {
        if let Err(e) = f.inode.writeback() {
            tracing::warn!(?e, "writing back a shared mapping");
        }
    }
}

/// The run of memory-file frames behind `[a, end)` starting at `a`: its
/// offset and length, PMAs whose frames continue each other in the memory
/// file joined (one host read or write instead of one per fault window).
fn next_run(s: &State, a: u64, end: u64) -> Result<(u64, usize), Errno> {
    let (pstart, p) = find_pma(&s.pmas, a).ok_or(Errno::EFAULT)?;
    let mut run_end = p.end;
    let mut run_off = p.off + (p.end - pstart);
    while run_end < end {
        match s.pmas.get(&run_end) {
            Some(q) if q.off == run_off => {
                run_off += q.end - run_end;
                run_end = q.end;
            }
            _ => break,
        }
    }
    Ok((p.off + (a - pstart), (run_end.min(end) - a) as usize))
}
