//! The memory-access module: the only place in the sentry that touches raw
//! memory. It owns the sentry's mapping of the memory file and copies bytes
//! between it and sentry buffers.
//!
//! Application memory can change under us at any time (other application
//! threads, shared mappings), so it is never borrowed as a Rust reference
//! across a check: callers copy it into owned buffers, or hand a transient
//! slice straight to a host call or a file's read/write.
#![allow(unsafe_code)]

use std::os::fd::{AsRawFd, OwnedFd};

/// The sentry's view of the memory file: one large shared mapping.
pub(crate) struct MemoryMapping {
    base: *mut u8,
    len: u64,
}

// SAFETY: the mapping is plain shared memory; all access goes through the
// bounds-checked methods below, which take raw copies.
unsafe impl Send for MemoryMapping {}
// SAFETY: as above; concurrent copies into disjoint or overlapping ranges are
// races on application data, which Linux allows too, never on sentry state.
unsafe impl Sync for MemoryMapping {}

impl MemoryMapping {
    /// Maps `len` bytes of `fd` shared, read-write. The file may be smaller:
    /// only offsets below its current size may be touched.
    pub(crate) fn new(fd: &OwnedFd, len: u64) -> std::io::Result<MemoryMapping> {
        // SAFETY: a fresh mapping chosen by the kernel; no existing memory is affected.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len as usize,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_NORESERVE,
                fd.as_raw_fd(),
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        Ok(MemoryMapping {
            base: p as *mut u8,
            len,
        })
    }

    fn check(&self, off: u64, len: usize) {
        assert!(
            off.checked_add(len as u64)
                .is_some_and(|end| end <= self.len),
            "memory file access out of range: {off:#x}+{len:#x}"
        );
    }

    /// Copies `dst.len()` bytes at memory-file offset `off` into `dst`.
    pub(crate) fn read(&self, off: u64, dst: &mut [u8]) {
        self.check(off, dst.len());
        // SAFETY: the range is inside the mapping (checked) and backed by the
        // file (callers only pass offsets of allocated frames); `dst` is a
        // distinct sentry buffer.
        unsafe {
            std::ptr::copy_nonoverlapping(self.base.add(off as usize), dst.as_mut_ptr(), dst.len())
        }
    }

    /// Copies `src` to memory-file offset `off`.
    pub(crate) fn write(&self, off: u64, src: &[u8]) {
        self.check(off, src.len());
        // SAFETY: as in `read`, with the copy in the other direction.
        unsafe {
            std::ptr::copy_nonoverlapping(src.as_ptr(), self.base.add(off as usize), src.len())
        }
    }

    /// Zeroes `len` bytes at `off`.
    pub(crate) fn zero(&self, off: u64, len: usize) {
        self.check(off, len);
        // SAFETY: as in `write`.
        unsafe { std::ptr::write_bytes(self.base.add(off as usize), 0, len) }
    }

    /// Copies `len` bytes within the memory file (copy-on-write breaks).
    pub(crate) fn copy(&self, from: u64, to: u64, len: usize) {
        self.check(from, len);
        self.check(to, len);
        // SAFETY: both ranges are inside the mapping; `copy` allows overlap.
        unsafe {
            std::ptr::copy(
                self.base.add(from as usize),
                self.base.add(to as usize),
                len,
            )
        }
    }

    /// Atomically replaces the u32 at `off` with `f(old)` (retrying on
    /// races with application threads), returning the old value. `off` must
    /// be 4-byte aligned.
    pub(crate) fn atomic_update_u32(&self, off: u64, f: impl Fn(u32) -> u32) -> u32 {
        self.check(off, 4);
        assert!(off.is_multiple_of(4), "unaligned atomic access");
        // SAFETY: the range is inside the mapping and 4-byte aligned; the
        // memory is shared with application threads, which is exactly what
        // atomic access is for.
        let a = unsafe {
            std::sync::atomic::AtomicU32::from_ptr(self.base.add(off as usize) as *mut u32)
        };
        let mut old = a.load(std::sync::atomic::Ordering::SeqCst);
        loop {
            match a.compare_exchange_weak(
                old,
                f(old),
                std::sync::atomic::Ordering::SeqCst,
                std::sync::atomic::Ordering::SeqCst,
            ) {
                Ok(v) => return v,
                Err(v) => old = v,
            }
        }
    }

    /// Lends the bytes at `off` as a mutable slice for the duration of `f`, to
    /// hand to a host read or a file's read. The caller must hold the memory
    /// manager's lock so the frames cannot be freed meanwhile.
    pub(crate) fn with_slice_mut<R>(
        &self,
        off: u64,
        len: usize,
        f: impl FnOnce(&mut [u8]) -> R,
    ) -> R {
        self.check(off, len);
        // SAFETY: the range is inside the mapping and allocated. Other
        // application threads may write the same bytes concurrently; the
        // slice is only written into by `f` (a read from a file), never
        // inspected by the sentry, so such races only affect application data.
        let s = unsafe { std::slice::from_raw_parts_mut(self.base.add(off as usize), len) };
        f(s)
    }

    /// Lends the ranges `runs` (offset, length) as mutable slices at once,
    /// for one vectored host read, under the rules of `with_slice_mut`.
    /// None if two ranges overlap (two virtual pages on one frame), where
    /// the slices would alias.
    pub(crate) fn with_slices_mut<R>(
        &self,
        runs: &[(u64, usize)],
        f: impl FnOnce(&mut [std::io::IoSliceMut<'_>]) -> R,
    ) -> Option<R> {
        let mut sorted: Vec<(u64, usize)> = runs.to_vec();
        sorted.sort_unstable();
        if sorted.windows(2).any(|w| w[0].0 + w[0].1 as u64 > w[1].0) {
            return None;
        }
        let mut slices: Vec<std::io::IoSliceMut<'_>> = runs
            .iter()
            .map(|&(off, len)| {
                self.check(off, len);
                // SAFETY: as in `with_slice_mut`: inside the mapping and
                // allocated while the caller holds the memory manager's
                // lock; the ranges were just checked to be disjoint, so no
                // two slices alias.
                std::io::IoSliceMut::new(unsafe {
                    std::slice::from_raw_parts_mut(self.base.add(off as usize), len)
                })
            })
            .collect();
        Some(f(&mut slices))
    }

    /// Lends the ranges `runs` as slices at once (one vectored host write).
    /// Same rules as `with_slice`.
    pub(crate) fn with_slices<R>(
        &self,
        runs: &[(u64, usize)],
        f: impl FnOnce(&[std::io::IoSlice<'_>]) -> R,
    ) -> R {
        let slices: Vec<std::io::IoSlice<'_>> = runs
            .iter()
            .map(|&(off, len)| {
                self.check(off, len);
                // SAFETY: as in `with_slice`.
                std::io::IoSlice::new(unsafe {
                    std::slice::from_raw_parts(self.base.add(off as usize), len)
                })
            })
            .collect();
        f(&slices)
    }

    /// Lends the bytes at `off` as a slice for the duration of `f` (a write to
    /// a file). Same rules as `with_slice_mut`.
    pub(crate) fn with_slice<R>(&self, off: u64, len: usize, f: impl FnOnce(&[u8]) -> R) -> R {
        self.check(off, len);
        // SAFETY: as in `with_slice_mut`; `f` copies the bytes out (to a file
        // or the host) without making decisions on them.
        let s = unsafe { std::slice::from_raw_parts(self.base.add(off as usize), len) };
        f(s)
    }
}

impl Drop for MemoryMapping {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping made in `new`; no slices outlive
        // the borrow-scoped helpers above.
        unsafe { libc::munmap(self.base as *mut libc::c_void, self.len as usize) };
    }
}
