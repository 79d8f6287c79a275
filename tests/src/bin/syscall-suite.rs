//! `syscall-suite`: builds the C syscall tests in `tests/syscalls/`, runs
//! each natively and under `runsc do` on every available platform, and
//! prints a `test | native | ptrace [| kvm]` table, the failures, and a last
//! line `N passed, M failed`. See `rvisor_tests::suite` for how cases are
//! counted.
//!
//! Exit status: 0 if every case passed everywhere, 1 if any case failed
//! (in the sandbox, or natively: a broken test), 2 if the suite could not
//! run (compile error, runsc missing, bad flags).

#![deny(unsafe_code)]

use std::path::PathBuf;
use std::time::Duration;

use rvisor_tests::suite::{main_with, Options};

const USAGE: &str = "usage: syscall-suite [--runsc PATH] [--filter SUBSTR] [--native-only] \
[--platform NAME]... [--timeout SECS]

  --runsc PATH      runsc binary (default: $RUNSC, else <workspace>/target/release/runsc)
  --filter SUBSTR   only cases whose <family>.<case> name contains SUBSTR
  --native-only     run natively only (checks the tests themselves)
  --platform NAME   sandbox platform to run, repeatable (default: ptrace, plus kvm
                    when /dev/kvm works and runsc supports it)
  --timeout SECS    limit for one binary in one column (default 60)";

fn main() {
    let mut opts = Options::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> String {
            inline.clone().or_else(|| args.next()).unwrap_or_else(|| {
                eprintln!("syscall-suite: {name} needs a value\n{USAGE}");
                std::process::exit(2)
            })
        };
        match flag.as_str() {
            "--runsc" => opts.runsc = Some(PathBuf::from(value("--runsc"))),
            "--filter" => opts.filter = Some(value("--filter")),
            "--native-only" => opts.native_only = true,
            "--platform" => opts.platforms.push(value("--platform")),
            "--timeout" => {
                let v = value("--timeout");
                let secs: u64 = v.parse().unwrap_or_else(|_| {
                    eprintln!("syscall-suite: bad --timeout {v}\n{USAGE}");
                    std::process::exit(2)
                });
                opts.timeout = Duration::from_secs(secs);
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            _ => {
                eprintln!("syscall-suite: unknown argument {arg}\n{USAGE}");
                std::process::exit(2);
            }
        }
    }
    std::process::exit(main_with(&opts));
}
