//! The Linux x86-64 syscall ABI as data.
#![deny(unsafe_code)]

pub mod consts;
pub mod errno;

pub use errno::Errno;
