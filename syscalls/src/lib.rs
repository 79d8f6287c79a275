//! The Linux x86-64 syscall ABI as data.
#![deny(unsafe_code)]

pub mod consts;
pub mod errno;
pub mod types;

pub use errno::Errno;
