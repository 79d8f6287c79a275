//! 9P2000.L: codec, server (the gofer process) and client (the sentry).
#![deny(unsafe_code)]

pub mod client;
pub mod p9;
pub mod server;
mod transport;
