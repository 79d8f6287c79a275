//! The Linux x86-64 syscall ABI as data, for rvisor's sentry and `runsc`.
//!
//! Nothing here runs a syscall; it describes them:
//!
//! - [`errno`]: [`Errno`], the error a syscall handler returns, with the
//!   kernel's codes, names and glibc's texts.
//! - [`consts`]: flags, commands and numbers (`O_*`, `AT_*`, `MAP_*`,
//!   `SIG*`, ioctl requests, auxv types in [`consts::auxv`], ...), with
//!   their x86-64 values.
//! - [`types`]: `#[repr(C)]` structs with the kernel's layout (`Stat`,
//!   `Statx`, `Timespec`, `KernelSigaction`, `EpollEvent`, ...), `Pod` so
//!   they copy to and from application memory as bytes.
//! - [`table`]: every x86-64 syscall, in number order, with its argument
//!   shapes and rvisor's support status. The rows live in
//!   [`for_each_syscall!`], which the sentry's dispatch table also expands,
//!   so dispatch, `--strace` and the documentation share one source.
//! - [`strace`]: `--strace` formatting of a call and its result.
//! - [`compat`]: `docs/compatibility.md` and `runsc syscalls`, rendered
//!   from the table.
//!
//! The values were checked against the uapi headers (`asm/unistd_64.h`,
//! `linux/*.h`, `asm-generic/*.h`); tests check the table against
//! `unistd_64.h` where it is installed.
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
