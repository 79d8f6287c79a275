//! Issue #5 end to end, unix sockets: Python passing an open file between
//! processes with SCM_RIGHTS, and a unix listening socket on a path in a
//! temporary directory with socketpairs of every type, give the same
//! output natively and in the sandbox.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use rvisor_tests::{run_with_timeout, runsc_do, RunOutput, TempDir};

const TIMEOUT: Duration = Duration::from_secs(120);
const PYTHON: &str = "/usr/bin/python3";

fn programs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("programs")
}

fn env(mut cmd: Command, dir: &Path) -> Command {
    cmd.env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("LANG", "C.UTF-8")
        .current_dir(dir);
    cmd
}

/// Runs the Python script natively and in the sandbox (each in a fresh
/// directory holding a copy of it) and checks both give the same exit
/// status and output, and succeed.
fn compare_python(script: &str) {
    if !Path::new(PYTHON).exists() {
        eprintln!("skipped: {PYTHON} is not installed");
        return;
    }
    let (dn, ds) = (TempDir::new("rvisor-unix-n"), TempDir::new("rvisor-unix-s"));
    for d in [&dn, &ds] {
        std::fs::copy(programs().join(script), d.join(script)).unwrap();
    }
    let args = [PYTHON, script];
    let mut cmd = Command::new(PYTHON);
    cmd.arg(script);
    let n: RunOutput =
        run_with_timeout(&mut env(cmd, dn.path()), None, TIMEOUT).expect("running natively");
    let s: RunOutput = run_with_timeout(&mut env(runsc_do(&[], &args), ds.path()), None, TIMEOUT)
        .expect("running runsc do");
    assert!(
        n.code() == s.code() && n.stdout == s.stdout && n.stderr == s.stderr,
        "{script}: sandbox differs from native\n=== native ===\n{}\n=== sandbox ===\n{}",
        n.dump(),
        s.dump()
    );
    assert_eq!(n.code(), Some(0), "{script} failed natively:\n{}", n.dump());
}

#[test]
fn python_passes_an_open_file_with_scm_rights() {
    compare_python("unix_fdpass.py");
}

#[test]
fn python_unix_server_on_a_path_and_socketpairs() {
    compare_python("unix_server.py");
}
