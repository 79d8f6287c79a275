//! ELF64 header and program header parsing (x86-64 only). Pure functions:
//! any byte string gives either a valid description or ENOEXEC, never a
//! panic.

use syscalls::Errno;

pub const ET_EXEC: u16 = 2;
pub const ET_DYN: u16 = 3;
pub const PT_LOAD: u32 = 1;
pub const PT_INTERP: u32 = 3;
pub const PT_PHDR: u32 = 6;
pub const PT_GNU_STACK: u32 = 0x6474_e551;
pub const PF_X: u32 = 1;
pub const PF_W: u32 = 2;
pub const PF_R: u32 = 4;

const EHDR_SIZE: usize = 64;
const PHDR_SIZE: usize = 56;
/// Linux refuses program header tables above 64 KiB.
const MAX_PHDRS_BYTES: usize = 65536;
const EM_X86_64: u16 = 62;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Phdr {
    pub p_type: u32,
    pub p_flags: u32,
    pub p_offset: u64,
    pub p_vaddr: u64,
    pub p_filesz: u64,
    pub p_memsz: u64,
    pub p_align: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Elf {
    pub e_type: u16,
    pub entry: u64,
    pub phoff: u64,
    pub phdrs: Vec<Phdr>,
}

fn noexec(msg: &'static str) -> Errno {
    Errno::ENOEXEC.with_msg(msg)
}

fn u16_at(b: &[u8], o: usize) -> u16 {
    u16::from_le_bytes([b[o], b[o + 1]])
}

fn u32_at(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes(b[o..o + 4].try_into().expect("4 bytes"))
}

fn u64_at(b: &[u8], o: usize) -> u64 {
    u64::from_le_bytes(b[o..o + 8].try_into().expect("8 bytes"))
}

/// How many bytes from the start of the file `parse` needs: the ELF header,
/// then (once that is known) up to the end of the program header table.
pub fn needed_len(prefix: &[u8]) -> Result<usize, Errno> {
    if prefix.len() < EHDR_SIZE {
        return Err(noexec("file too short for an ELF header"));
    }
    let phoff = u64_at(prefix, 32);
    let phnum = u16_at(prefix, 56) as u64;
    // Program headers beyond the first MiB of a file are not worth reading.
    if phoff > 1 << 20 {
        return Err(noexec("program headers out of range"));
    }
    let end = phoff + phnum * PHDR_SIZE as u64;
    Ok(end.max(EHDR_SIZE as u64) as usize)
}

/// Parses the ELF header and program headers from the start of a file.
pub fn parse(b: &[u8]) -> Result<Elf, Errno> {
    if b.len() < EHDR_SIZE || &b[..4] != b"\x7fELF" {
        return Err(noexec("not an ELF file"));
    }
    if b[4] != 2 || b[5] != 1 || b[6] != 1 {
        return Err(noexec("not a 64-bit little-endian ELF file"));
    }
    let e_type = u16_at(b, 16);
    if e_type != ET_EXEC && e_type != ET_DYN {
        return Err(noexec(
            "ELF file is neither an executable nor a shared object",
        ));
    }
    if u16_at(b, 18) != EM_X86_64 {
        return Err(noexec("ELF file is not for x86-64"));
    }
    let entry = u64_at(b, 24);
    let phoff = u64_at(b, 32);
    let phentsize = u16_at(b, 54) as usize;
    let phnum = u16_at(b, 56) as usize;
    if phentsize != PHDR_SIZE {
        return Err(noexec("bad program header size"));
    }
    if phnum == 0 || phnum * PHDR_SIZE > MAX_PHDRS_BYTES {
        return Err(noexec("bad program header count"));
    }
    let start = usize::try_from(phoff).map_err(|_| noexec("program headers out of range"))?;
    let end = start
        .checked_add(phnum * PHDR_SIZE)
        .filter(|&e| e <= b.len())
        .ok_or(noexec("program headers beyond the end of the file"))?;
    let mut phdrs = Vec::with_capacity(phnum);
    for p in b[start..end].chunks_exact(PHDR_SIZE) {
        let ph = Phdr {
            p_type: u32_at(p, 0),
            p_flags: u32_at(p, 4),
            p_offset: u64_at(p, 8),
            p_vaddr: u64_at(p, 16),
            p_filesz: u64_at(p, 32),
            p_memsz: u64_at(p, 40),
            p_align: u64_at(p, 48),
        };
        if ph.p_type == PT_LOAD {
            if ph.p_filesz > ph.p_memsz {
                return Err(noexec("segment file size exceeds memory size"));
            }
            if ph.p_offset.checked_add(ph.p_filesz).is_none()
                || ph.p_vaddr.checked_add(ph.p_memsz).is_none()
            {
                return Err(noexec("segment out of range"));
            }
            if ph.p_offset % 4096 != ph.p_vaddr % 4096 {
                return Err(noexec("segment offset and address are not congruent"));
            }
        }
        phdrs.push(ph);
    }
    if !phdrs.iter().any(|p| p.p_type == PT_LOAD) {
        return Err(noexec("no loadable segments"));
    }
    Ok(Elf {
        e_type,
        entry,
        phoff,
        phdrs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn busybox_or_self() -> Vec<u8> {
        std::fs::read("/bin/busybox")
            .or_else(|_| std::fs::read("/proc/self/exe"))
            .expect("an ELF file to test with")
    }

    #[test]
    fn parses_a_real_executable() {
        let b = busybox_or_self();
        let n = needed_len(&b).unwrap();
        let e = parse(&b[..n]).unwrap();
        assert!(e.e_type == ET_EXEC || e.e_type == ET_DYN);
        assert!(e.phdrs.iter().any(|p| p.p_type == PT_LOAD));
    }

    #[test]
    fn refuses_garbage() {
        assert_eq!(parse(b"#!/bin/sh\n").unwrap_err(), Errno::ENOEXEC);
        assert_eq!(parse(&[0u8; 200]).unwrap_err(), Errno::ENOEXEC);
        assert_eq!(needed_len(b"\x7fELF").unwrap_err(), Errno::ENOEXEC);
    }

    #[test]
    fn truncated_and_corrupted_headers_never_panic() {
        let b = busybox_or_self();
        let n = needed_len(&b).unwrap();
        let good = b[..n].to_vec();
        // Every truncation.
        for len in 0..good.len() {
            let _ = parse(&good[..len]);
            let _ = needed_len(&good[..len]);
        }
        // Deterministic pseudo-random corruption of header bytes.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20000 {
            let mut m = good.clone();
            for _ in 0..4 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let i = (x as usize) % m.len();
                m[i] = (x >> 32) as u8;
            }
            let _ = parse(&m);
            let _ = needed_len(&m);
        }
    }
}
