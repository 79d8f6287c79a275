//! The ptrace platform.

/// Base of the pages the ptrace platform reserves at the top of every
/// application address space for its stub code.
pub const STUB_BASE: u64 = 0x7fff_fff0_0000;
