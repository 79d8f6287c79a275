//! The sentry: a Linux kernel in user space. It owns all application state
//! (tasks, memory, files) and implements every syscall the application makes;
//! the platform only switches to the application and back.
#![deny(unsafe_code)]

pub mod boot;
pub mod fs;
pub mod kernel;
pub mod loader;
pub mod mm;
pub mod net;
pub mod strace;
pub mod syscalls;
pub mod vfs;
