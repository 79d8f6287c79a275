//! Application register state, laid out like the kernel's `user_regs_struct`
//! (`sys/user.h`) so the ptrace platform can hand it to `PTRACE_SETREGS` as is.

/// General-purpose registers, in `user_regs_struct` order.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Regs {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub rbp: u64,
    pub rbx: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rax: u64,
    pub rcx: u64,
    pub rdx: u64,
    pub rsi: u64,
    pub rdi: u64,
    pub orig_rax: u64,
    pub rip: u64,
    pub cs: u64,
    pub eflags: u64,
    pub rsp: u64,
    pub ss: u64,
    pub fs_base: u64,
    pub gs_base: u64,
    pub ds: u64,
    pub es: u64,
    pub fs: u64,
    pub gs: u64,
}

const _: () = assert!(std::mem::size_of::<Regs>() == std::mem::size_of::<libc::user_regs_struct>());

impl Regs {
    /// The six syscall arguments, in the x86-64 syscall convention.
    pub fn syscall_args(&self) -> [u64; 6] {
        [self.rdi, self.rsi, self.rdx, self.r10, self.r8, self.r9]
    }
}

/// Everything the sentry keeps of an application thread's CPU.
///
/// Floating-point/vector state stays in the platform's thread (the stub thread
/// or the vCPU) until the sentry needs it (signal frames, exec): see
/// `fp_reset`.
#[derive(Clone, Debug, Default)]
pub struct CpuState {
    pub regs: Regs,
    /// Set by the sentry when the application's FP/SSE/AVX state must be
    /// reset to the initial state before the next switch (exec).
    pub fp_reset: bool,
    /// An XSAVE image to load before the next switch (signal return, a
    /// forked child inheriting its parent's state).
    pub fp_load: Option<Vec<u8>>,
}

impl CpuState {
    /// The initial register state of a new program (`execve`), entering at
    /// `rip` with the stack at `rsp`.
    pub fn new_program(rip: u64, rsp: u64) -> Self {
        CpuState {
            regs: Regs {
                rip,
                rsp,
                // User code and stack segments of the host kernel (__USER_CS,
                // __USER_DS), and IF set as for any user thread.
                cs: 0x33,
                ss: 0x2b,
                eflags: 0x202,
                ..Regs::default()
            },
            fp_reset: true,
            fp_load: None,
        }
    }
}
