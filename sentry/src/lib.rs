//! The sentry: a Linux kernel in user space.
