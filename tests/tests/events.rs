//! Issue #5 end to end: an asyncio program (epoll, its self-pipe socketpair,
//! timers, a subprocess, stream sockets) prints the same lines natively and
//! in the sandbox.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use rvisor_tests::{run_with_timeout, runsc_do, RunOutput, TempDir};

const TIMEOUT: Duration = Duration::from_secs(120);
const PYTHON: &str = "/usr/bin/python3";

fn programs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("programs")
}

fn run(mut cmd: Command, dir: &Path) -> RunOutput {
    cmd.env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("LANG", "C.UTF-8")
        .current_dir(dir);
    run_with_timeout(&mut cmd, None, TIMEOUT).expect("running the program")
}

#[test]
fn asyncio_pipe_timer_subprocess_and_streams() {
    if !Path::new(PYTHON).exists() {
        eprintln!("skipped: {PYTHON} is not installed");
        return;
    }
    let script = programs().join("asyncio_demo.py");
    let script = script.to_str().unwrap();
    let (dn, ds) = (TempDir::new("rvisor-ev-n"), TempDir::new("rvisor-ev-s"));
    let mut cmd = Command::new(PYTHON);
    cmd.arg(script);
    let n = run(cmd, dn.path());
    let s = run(runsc_do(&[], &[PYTHON, script]), ds.path());
    assert_eq!(n.code(), Some(0), "natively:\n{}", n.dump());
    assert!(
        n.code() == s.code() && n.stdout == s.stdout,
        "sandbox differs from native\n=== native ===\n{}\n=== sandbox ===\n{}",
        n.dump(),
        s.dump()
    );
    assert!(String::from_utf8_lossy(&s.stdout).contains("gather: 1225"));
}
