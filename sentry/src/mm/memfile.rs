//! The memory file: one memfd holding all application memory, and the frame
//! allocator that hands out ranges of it.
//!
//! Frames are handed out in page-aligned extents. Freed extents are punched
//! out of the file (the host reclaims them and they read back as zeroes), so
//! a new allocation is always zero-filled. Every extent carries a reference
//! count so that copy-on-write and in-flight I/O can share frames.

use std::collections::BTreeMap;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::Mutex;

use super::io::MemoryMapping;
use syscalls::Errno;

pub const PAGE: u64 = 4096;

/// How much address space the sentry reserves for its view of the file.
const RESERVE: u64 = 1 << 40;
/// The file grows in steps of this many bytes.
const GROW: u64 = 64 << 20;
/// Frees shorter than this are zeroed in place and stay resident, instead
/// of being punched out of the file: a hole punch costs about 15 µs, which
/// was a sixth of creating and deleting a small tmpfs file.
const PUNCH_MIN: u64 = 64 << 10;
/// Once this much freed memory stays resident, every free extent is
/// punched out, returning it to the host.
const RESIDENT_FREE_MAX: u64 = 64 << 20;
/// Writes of at least this many bytes go through pwrite(2): see
/// [`MemoryFile::write`]. Below it a syscall costs more than it saves.
pub const BULK_WRITE: usize = 4 * PAGE as usize;

pub struct MemoryFile {
    fd: OwnedFd,
    map: MemoryMapping,
    inner: Mutex<Alloc>,
}

#[derive(Default)]
struct Alloc {
    /// Current size of the file.
    size: u64,
    /// Free extents: offset → length.
    free: BTreeMap<u64, u64>,
    /// Reference counts of pages shared by more than one owner (absent = 1).
    shared: BTreeMap<u64, u32>,
    /// Bytes in use, for sysinfo and accounting.
    used: u64,
    /// Freed bytes zeroed in place rather than punched (still resident).
    resident_free: u64,
}

impl MemoryFile {
    pub fn new() -> std::io::Result<MemoryFile> {
        let fd = nix::sys::memfd::memfd_create(
            c"rvisor-memory",
            nix::sys::memfd::MemFdCreateFlag::MFD_CLOEXEC,
        )?;
        let map = MemoryMapping::new(&fd, RESERVE)?;
        Ok(MemoryFile {
            fd,
            map,
            inner: Mutex::new(Alloc::default()),
        })
    }

    pub fn fd(&self) -> i32 {
        self.fd.as_raw_fd()
    }

    pub(crate) fn mapping(&self) -> &MemoryMapping {
        &self.map
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Alloc> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Allocates `len` bytes (a multiple of PAGE) of zeroed, contiguous frames.
    pub fn alloc(&self, len: u64) -> Result<u64, Errno> {
        debug_assert!(len.is_multiple_of(PAGE) && len > 0);
        let mut a = self.lock();
        let found = a
            .free
            .iter()
            .find(|(_, &l)| l >= len)
            .map(|(&o, &l)| (o, l));
        let off = match found {
            Some((o, l)) => {
                a.free.remove(&o);
                if l > len {
                    a.free.insert(o + len, l - len);
                }
                o
            }
            None => {
                // Extend the file, merging a free tail if there is one.
                let (start, have) = match a.free.iter().next_back() {
                    Some((&o, &l)) if o + l == a.size => (o, l),
                    _ => (a.size, 0),
                };
                let need = len - have;
                let grow = need.div_ceil(GROW) * GROW;
                let new_size = a.size + grow;
                if new_size > RESERVE {
                    return Err(Errno::ENOMEM.with_msg("memory file is full"));
                }
                nix::unistd::ftruncate(&self.fd, new_size as i64)
                    .map_err(|_| Errno::ENOMEM.with_msg("cannot grow memory file"))?;
                if have > 0 {
                    a.free.remove(&start);
                }
                a.size = new_size;
                let end = start + len;
                if end < new_size {
                    insert_free(&mut a.free, end, new_size - end);
                }
                start
            }
        };
        a.used += len;
        Ok(off)
    }

    /// Adds a reference to every page of `[off, off+len)`.
    pub fn inc_ref(&self, off: u64, len: u64) {
        let mut a = self.lock();
        let mut p = off;
        while p < off + len {
            *a.shared.entry(p).or_insert(1) += 1;
            p += PAGE;
        }
    }

    /// Drops a reference to every page of `[off, off+len)`, freeing the pages
    /// whose last reference this was.
    pub fn dec_ref(&self, off: u64, len: u64) {
        let mut a = self.lock();
        let mut run: Option<(u64, u64)> = None;
        let mut p = off;
        let mut to_free = Vec::new();
        while p < off + len {
            let last = match a.shared.get_mut(&p) {
                Some(c) => {
                    *c -= 1;
                    if *c == 1 {
                        a.shared.remove(&p);
                    }
                    false
                }
                None => true,
            };
            if last {
                run = match run {
                    Some((s, l)) if s + l == p => Some((s, l + PAGE)),
                    Some(r) => {
                        to_free.push(r);
                        Some((p, PAGE))
                    }
                    None => Some((p, PAGE)),
                };
            }
            p += PAGE;
        }
        to_free.extend(run);
        for (o, l) in to_free {
            if l < PUNCH_MIN {
                self.map.zero(o, l as usize);
                a.resident_free += l;
            } else {
                self.punch(o, l);
            }
            a.used -= l;
            insert_free(&mut a.free, o, l);
        }
        if a.resident_free > RESIDENT_FREE_MAX {
            let extents: Vec<(u64, u64)> = a.free.iter().map(|(&o, &l)| (o, l)).collect();
            for (o, l) in extents {
                self.punch(o, l);
            }
            a.resident_free = 0;
        }
    }

    /// Is the page at `off` referenced by more than one owner?
    pub fn is_shared(&self, off: u64) -> bool {
        self.lock().shared.contains_key(&off)
    }

    pub fn used_bytes(&self) -> u64 {
        self.lock().used
    }

    fn punch(&self, off: u64, len: u64) {
        let r = nix::fcntl::fallocate(
            self.fd.as_raw_fd(),
            nix::fcntl::FallocateFlags::FALLOC_FL_PUNCH_HOLE
                | nix::fcntl::FallocateFlags::FALLOC_FL_KEEP_SIZE,
            off as i64,
            len as i64,
        );
        if r.is_err() {
            // Without hole punching the frames keep their data: zero them so
            // the next owner still sees zero-filled memory.
            self.map.zero(off, len as usize);
        }
    }

    pub fn read(&self, off: u64, dst: &mut [u8]) {
        self.map.read(off, dst)
    }

    /// Copies `src` to offset `off`. Copies of [`BULK_WRITE`] bytes or more
    /// go through pwrite(2) on the memfd: the kernel fills pages the file
    /// does not have yet in place, where a copy through the mapping takes a
    /// page fault and zeroes each new page first (that made tmpfs writes
    /// half as fast as the host's).
    pub fn write(&self, off: u64, src: &[u8]) {
        let mut done = 0;
        if src.len() >= BULK_WRITE {
            while done < src.len() {
                match nix::sys::uio::pwrite(&self.fd, &src[done..], (off + done as u64) as i64) {
                    Ok(0) => break,
                    Ok(n) => done += n,
                    Err(nix::errno::Errno::EINTR) => {}
                    Err(_) => break,
                }
            }
        }
        // Small copies, and whatever pwrite left (it cannot fail on an
        // allocated range, but the mapping is the reference).
        if done < src.len() {
            self.map.write(off + done as u64, &src[done..]);
        }
    }
}

fn insert_free(free: &mut BTreeMap<u64, u64>, mut off: u64, mut len: u64) {
    if let Some((&po, &pl)) = free.range(..off).next_back() {
        if po + pl == off {
            free.remove(&po);
            off = po;
            len += pl;
        }
    }
    if let Some(&nl) = free.get(&(off + len)) {
        free.remove(&(off + len));
        len += nl;
    }
    free.insert(off, len);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocations_are_zeroed_and_reused() {
        let m = MemoryFile::new().unwrap();
        let a = m.alloc(3 * PAGE).unwrap();
        m.write(a, b"hello");
        m.dec_ref(a, 3 * PAGE);
        let b = m.alloc(PAGE).unwrap();
        assert_eq!(a, b, "freed frames are reused");
        let mut buf = [1u8; 5];
        m.read(b, &mut buf);
        assert_eq!(buf, [0; 5], "reused frames read back as zeroes");
        assert_eq!(m.used_bytes(), PAGE);
    }

    #[test]
    fn large_and_many_small_frees_read_back_zero() {
        let m = MemoryFile::new().unwrap();
        // Punched out of the file.
        let big = m.alloc(PUNCH_MIN * 2).unwrap();
        m.write(big + PUNCH_MIN, b"big");
        m.dec_ref(big, PUNCH_MIN * 2);
        let again = m.alloc(PUNCH_MIN * 2).unwrap();
        let mut buf = [1u8; 3];
        m.read(again + PUNCH_MIN, &mut buf);
        assert_eq!(buf, [0; 3]);
        // Zeroed in place, until enough accumulates to punch them all.
        let pages: Vec<u64> = (0..(RESIDENT_FREE_MAX / PAGE + 2))
            .map(|_| m.alloc(PAGE).unwrap())
            .collect();
        for &p in &pages {
            m.write(p, b"small");
            m.dec_ref(p, PAGE);
        }
        assert!(m.lock().resident_free < RESIDENT_FREE_MAX);
        let p = m.alloc(PAGE).unwrap();
        let mut buf = [1u8; 5];
        m.read(p, &mut buf);
        assert_eq!(buf, [0; 5]);
    }

    #[test]
    fn shared_pages_survive_until_the_last_reference() {
        let m = MemoryFile::new().unwrap();
        let a = m.alloc(2 * PAGE).unwrap();
        m.write(a, b"x");
        m.inc_ref(a, PAGE);
        assert!(m.is_shared(a));
        m.dec_ref(a, 2 * PAGE);
        let mut buf = [0u8; 1];
        m.read(a, &mut buf);
        assert_eq!(&buf, b"x");
        assert!(!m.is_shared(a));
        m.dec_ref(a, PAGE);
        assert_eq!(m.used_bytes(), 0);
    }

    #[test]
    fn bulk_writes_read_back_through_the_mapping() {
        let m = MemoryFile::new().unwrap();
        let a = m.alloc(8 * PAGE).unwrap();
        let data: Vec<u8> = (0..6 * PAGE + 5).map(|i| (i % 251) as u8).collect();
        m.write(a + 3, &data);
        let mut back = vec![0u8; data.len()];
        m.read(a + 3, &mut back);
        assert_eq!(back, data);
        let mut edge = [9u8; 3];
        m.read(a, &mut edge);
        assert_eq!(edge, [0; 3], "bytes before the write stay zero");
    }
}
