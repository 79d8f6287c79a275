//! 9P2000.L: codec, server (the gofer process) and client (the sentry).
//!
//! - [`p9`]: the wire format, pure functions, fuzzed.
//! - [`server`]: serves one host directory tree to an untrusted sentry,
//!   never resolving a path outside it; donates host fds of opened regular
//!   files.
//! - [`client`]: what the sentry's gofer file system calls; blocking and
//!   shareable between task threads.
//!
//! No `unsafe`: host calls go through `nix`, and through `rustix` where a
//! call hands back a new fd (`openat`, `recvmsg` with SCM_RIGHTS) or nix has
//! no wrapper (`getdents64`).
#![deny(unsafe_code)]

pub mod client;
pub mod p9;
pub mod server;
mod transport;
