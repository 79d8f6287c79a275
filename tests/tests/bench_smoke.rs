//! The benchmark harness (`--bin bench`) runs end to end in `--quick` mode
//! and fills every cell of its table with a number. Timing is never
//! asserted here: these machines are too noisy, and the harness reports
//! targets, it does not enforce them.
//!
//! Needs `runsc` (see `rvisor_tests::find_runsc`), busybox-static, gcc,
//! taskset and tar.

#![deny(unsafe_code)]

use std::process::Command;
use std::time::Duration;

use rvisor_tests::{run_with_timeout, runsc};

#[test]
fn quick_run_fills_every_row() {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bench"));
    cmd.arg("--quick").arg("--runsc").arg(runsc());
    let out = run_with_timeout(&mut cmd, None, Duration::from_secs(300)).expect("spawning bench");
    assert_eq!(out.code(), Some(0), "{}", out.dump());

    let stdout = out.stdout_str();
    let mut lines = stdout.lines();
    let header: Vec<&str> = lines
        .next()
        .expect("no table")
        .split('|')
        .map(str::trim)
        .collect();
    assert_eq!(
        header,
        ["benchmark", "native", "sandbox", "ratio", "target", "ok?"],
        "{}",
        out.dump()
    );
    assert!(
        lines.next().is_some_and(|l| l.starts_with("---")),
        "no rule under the header:\n{}",
        out.dump()
    );
    let rows: Vec<Vec<&str>> = lines
        .map(|l| l.split('|').map(str::trim).collect())
        .collect();
    // start-to-exit, getppid, getppid vs floor, file read, fork+exit+wait,
    // fork+exec+wait, futex ping-pong, signal round trip, pty throughput; tmpfs write, read
    // and random reads, gofer read and random reads, [rw bind mount write
    // and read, only if runsc has `do --volume`,] small files, tar -x.
    let bind_rows = rows
        .iter()
        .filter(|r| r[0].starts_with("rw bind mount"))
        .count();
    assert!(bind_rows == 0 || bind_rows == 2, "{}", out.dump());
    assert_eq!(rows.len(), 16 + bind_rows, "{}", out.dump());
    for row in &rows {
        assert_eq!(row.len(), 6, "{row:?}\n{}", out.dump());
        for cell in &row[1..=3] {
            let number = cell.trim_end_matches('×');
            assert!(
                number.parse::<f64>().is_ok_and(f64::is_finite),
                "{}: {cell:?} is not a number\n{}",
                row[0],
                out.dump()
            );
        }
        assert!(
            ["yes", "NO", "—"].contains(&row[5]),
            "{}: ok? is {:?}\n{}",
            row[0],
            row[5],
            out.dump()
        );
    }
}
