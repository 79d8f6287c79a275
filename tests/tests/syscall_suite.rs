//! The syscall compatibility suite (`tests/syscalls/*.c`) as cargo tests:
//! natively (checks the tests themselves) and in the sandbox on every
//! available platform. `cargo run -p rvisor-tests --bin syscall-suite` runs
//! the same with a table on stdout and more options.

#![deny(unsafe_code)]

use rvisor_tests::suite::{run, Options};

fn run_suite(opts: &Options) {
    let mut report = Vec::new();
    let result = run(opts, &mut report);
    let report = String::from_utf8_lossy(&report);
    match result {
        Ok(summary) => {
            println!("{report}");
            assert!(summary.ok(), "syscall suite failed:\n{report}");
        }
        Err(msg) => panic!("syscall suite could not run: {msg}\n{report}"),
    }
}

#[test]
fn native() {
    run_suite(&Options {
        native_only: true,
        ..Options::default()
    });
}

#[test]
fn sandbox() {
    run_suite(&Options {
        runsc: Some(rvisor_tests::runsc()),
        ..Options::default()
    });
}
