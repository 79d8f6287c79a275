//! The Linux x86-64 syscall ABI as data.
#![deny(unsafe_code)]

pub mod compat;
pub mod consts;
pub mod errno;
pub mod strace;
pub mod table;
pub mod types;

pub use compat::{compatibility_markdown, compatibility_text};
pub use errno::Errno;
pub use table::{by_name, info, nr, status_counts, ArgKind, Status, SyscallInfo, MAX_NR, TABLE};
