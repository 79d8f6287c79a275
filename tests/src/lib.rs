//! Shared helpers for rvisor's end-to-end tests, syscall suite and benchmarks.
