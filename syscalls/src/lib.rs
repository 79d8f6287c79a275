//! The Linux x86-64 syscall ABI as data.
