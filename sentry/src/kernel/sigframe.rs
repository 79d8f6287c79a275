//! The x86-64 signal frame, laid out exactly as Linux's `rt_sigframe`
//! (arch/x86/include/asm/sigframe.h, uapi asm/sigcontext.h), so that glibc's
//! restorer, siglongjmp and unwinders find what they expect:
//!
//! ```text
//! high  XSAVE image (64-byte aligned) + FP_XSTATE_MAGIC2
//!       rt_sigframe { pretcode; ucontext uc; siginfo info; }   <- rsp at handler entry
//! ```
//! Pure functions: building the bytes of a frame and reading a ucontext
//! back; the task writes and reads application memory.

use platform::Regs;
use syscalls::types::Siginfo;

/// Size of `struct rt_sigframe` on x86-64: pretcode, ucontext, siginfo.
pub const FRAME_SIZE: usize = 8 + UCONTEXT_SIZE + 128;
/// Size of `struct ucontext`: flags, link, stack_t, sigcontext, sigmask.
pub const UCONTEXT_SIZE: usize = 8 + 8 + 24 + 256 + 8;
/// Offset of `uc` and of `info` in the frame.
pub const UC_OFFSET: u64 = 8;
pub const INFO_OFFSET: u64 = 8 + UCONTEXT_SIZE as u64;
/// Offsets inside the ucontext.
const UC_STACK: usize = 16;
const UC_MCONTEXT: usize = 40;
const UC_SIGMASK: usize = UC_MCONTEXT + 256;

pub const FP_XSTATE_MAGIC1: u32 = 0x4650_5853;
pub const FP_XSTATE_MAGIC2: u32 = 0x4650_5845;
/// Offset of `sw_reserved` (struct _fpx_sw_bytes) in the legacy FXSAVE area.
const SW_RESERVED: usize = 464;
/// Legacy area + XSAVE header.
const MIN_XSTATE: usize = 576;

const UC_FP_XSTATE: u64 = 0x1;
const UC_SIGCONTEXT_SS: u64 = 0x2;
const UC_STRICT_RESTORE_SS: u64 = 0x4;

/// `stack_t`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StackT {
    pub sp: u64,
    pub flags: i32,
    pub size: u64,
}

/// Everything the sigcontext carries back on rt_sigreturn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Restored {
    pub regs: Regs,
    pub mask: u64,
    pub fpstate: u64,
    pub stack: StackT,
}

fn put(b: &mut [u8], off: usize, v: u64) {
    b[off..off + 8].copy_from_slice(&v.to_le_bytes());
}

fn get(b: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(b[off..off + 8].try_into().expect("8 bytes"))
}

/// The 440 bytes of an rt_sigframe at address `frame` whose XSAVE image
/// lives at `fpstate`.
#[allow(clippy::too_many_arguments)]
pub fn build_frame(
    regs: &Regs,
    info: &Siginfo,
    mask: u64,
    stack: StackT,
    restorer: u64,
    fpstate: u64,
    trapno: u64,
    cr2: u64,
) -> Vec<u8> {
    let mut f = vec![0u8; FRAME_SIZE];
    put(&mut f, 0, restorer);
    let uc = UC_OFFSET as usize;
    put(
        &mut f,
        uc,
        UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS,
    );
    put(&mut f, uc + UC_STACK, stack.sp);
    f[uc + UC_STACK + 8..uc + UC_STACK + 12].copy_from_slice(&stack.flags.to_le_bytes());
    put(&mut f, uc + UC_STACK + 16, stack.size);
    let m = uc + UC_MCONTEXT;
    let gprs = [
        regs.r8,
        regs.r9,
        regs.r10,
        regs.r11,
        regs.r12,
        regs.r13,
        regs.r14,
        regs.r15,
        regs.rdi,
        regs.rsi,
        regs.rbp,
        regs.rbx,
        regs.rdx,
        regs.rax,
        regs.rcx,
        regs.rsp,
        regs.rip,
        regs.eflags,
    ];
    for (i, v) in gprs.iter().enumerate() {
        put(&mut f, m + i * 8, *v);
    }
    // cs, gs, fs, ss as four u16.
    let segs = (regs.cs & 0xffff)
        | (regs.gs & 0xffff) << 16
        | (regs.fs & 0xffff) << 32
        | (regs.ss & 0xffff) << 48;
    put(&mut f, m + 144, segs);
    put(&mut f, m + 152, 0); // err
    put(&mut f, m + 160, trapno);
    put(&mut f, m + 168, mask); // oldmask
    put(&mut f, m + 176, cr2);
    put(&mut f, m + 184, fpstate);
    put(&mut f, uc + UC_SIGMASK, mask);
    f[INFO_OFFSET as usize..].copy_from_slice(bytemuck::bytes_of(info));
    f
}

/// Prepares an XSAVE image for the frame: software-reserved bytes filled
/// as Linux does, and FP_XSTATE_MAGIC2 appended.
pub fn frame_fpstate(image: &[u8]) -> Vec<u8> {
    let mut v = image.to_vec();
    if v.len() < MIN_XSTATE {
        v.resize(MIN_XSTATE, 0);
    }
    let size = v.len() as u32;
    v[SW_RESERVED..SW_RESERVED + 4].copy_from_slice(&FP_XSTATE_MAGIC1.to_le_bytes());
    v[SW_RESERVED + 4..SW_RESERVED + 8].copy_from_slice(&(size + 4).to_le_bytes());
    if get(&v, SW_RESERVED + 8) == 0 {
        // xfeatures: at least what the image holds (XSTATE_BV).
        let bv = get(&v, 512);
        put(&mut v, SW_RESERVED + 8, bv | 3);
    }
    v[SW_RESERVED + 16..SW_RESERVED + 20].copy_from_slice(&size.to_le_bytes());
    v.extend_from_slice(&FP_XSTATE_MAGIC2.to_le_bytes());
    v
}

/// Where the software-reserved bytes of an fpstate say its XSAVE image
/// ends; None if it is a legacy (FXSAVE-only) area.
pub fn xstate_size(head: &[u8]) -> Option<usize> {
    if head.len() < SW_RESERVED + 20 {
        return None;
    }
    let magic1 = u32::from_le_bytes(head[SW_RESERVED..SW_RESERVED + 4].try_into().ok()?);
    let extended =
        u32::from_le_bytes(head[SW_RESERVED + 4..SW_RESERVED + 8].try_into().ok()?) as usize;
    let size =
        u32::from_le_bytes(head[SW_RESERVED + 16..SW_RESERVED + 20].try_into().ok()?) as usize;
    (magic1 == FP_XSTATE_MAGIC1 && extended == size + 4 && (MIN_XSTATE..=65536).contains(&size))
        .then_some(size)
}

/// Reads back what rt_sigreturn restores from a ucontext's bytes.
pub fn parse_ucontext(uc: &[u8]) -> Restored {
    let m = UC_MCONTEXT;
    let r = |i: usize| get(uc, m + i * 8);
    let segs = get(uc, m + 144);
    let regs = Regs {
        r8: r(0),
        r9: r(1),
        r10: r(2),
        r11: r(3),
        r12: r(4),
        r13: r(5),
        r14: r(6),
        r15: r(7),
        rdi: r(8),
        rsi: r(9),
        rbp: r(10),
        rbx: r(11),
        rdx: r(12),
        rax: r(13),
        rcx: r(14),
        rsp: r(15),
        rip: r(16),
        eflags: r(17),
        cs: segs & 0xffff,
        gs: (segs >> 16) & 0xffff,
        fs: (segs >> 32) & 0xffff,
        ss: (segs >> 48) & 0xffff,
        ..Regs::default()
    };
    Restored {
        regs,
        mask: get(uc, UC_SIGMASK),
        fpstate: get(uc, m + 184),
        stack: StackT {
            sp: get(uc, UC_STACK),
            flags: i32::from_le_bytes(uc[UC_STACK + 8..UC_STACK + 12].try_into().expect("4 bytes")),
            size: get(uc, UC_STACK + 16),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_linux() {
        assert_eq!(FRAME_SIZE, 440);
        assert_eq!(UCONTEXT_SIZE, 304);
        assert_eq!(INFO_OFFSET, 312);
    }

    #[test]
    fn frame_round_trips_registers_mask_and_stack() {
        let regs = Regs {
            r8: 8,
            r15: 15,
            rdi: 1,
            rsi: 2,
            rax: 0xaa,
            rsp: 0x7000,
            rip: 0x401000,
            eflags: 0x246,
            cs: 0x33,
            ss: 0x2b,
            ..Regs::default()
        };
        let info = Siginfo::kill(10, 0, 1, 0);
        let stack = StackT {
            sp: 0x1000,
            flags: 2,
            size: 8192,
        };
        let f = build_frame(&regs, &info, 0x55, stack, 0x4242, 0x9000, 0, 0);
        assert_eq!(get(&f, 0), 0x4242, "pretcode is the restorer");
        let back = parse_ucontext(&f[UC_OFFSET as usize..UC_OFFSET as usize + UCONTEXT_SIZE]);
        let mut want = regs;
        want.orig_rax = 0;
        assert_eq!(back.regs, want);
        assert_eq!(back.mask, 0x55);
        assert_eq!(back.fpstate, 0x9000);
        assert_eq!(back.stack, stack);
        assert_eq!(
            &f[INFO_OFFSET as usize..INFO_OFFSET as usize + 4],
            &10i32.to_le_bytes()
        );
    }

    #[test]
    fn fpstate_carries_both_magics() {
        let image = vec![0u8; 832];
        let fp = frame_fpstate(&image);
        assert_eq!(fp.len(), 836);
        assert_eq!(xstate_size(&fp), Some(832));
        assert_eq!(&fp[832..], &FP_XSTATE_MAGIC2.to_le_bytes());
        assert_eq!(xstate_size(&[0u8; 600]), None, "a legacy area has no magic");
    }
}
