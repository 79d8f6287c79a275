//! Dynamically linked Debian programs (PT_INTERP: ld.so, shared libraries,
//! locale files) give the same output natively and in the sandbox (the
//! multi-process ones of issue #3 are in process.rs).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use rvisor_tests::{run_with_timeout, runsc_do, RunOutput};

const TIMEOUT: Duration = Duration::from_secs(60);

fn env(mut cmd: Command) -> Command {
    cmd.env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("LANG", "C.UTF-8")
        .current_dir("/");
    cmd
}

fn native(args: &[&str]) -> RunOutput {
    let mut cmd = Command::new(args[0]);
    cmd.args(&args[1..]);
    run_with_timeout(&mut env(cmd), None, TIMEOUT).expect("running natively")
}

fn sandboxed(args: &[&str]) -> RunOutput {
    run_with_timeout(&mut env(runsc_do(&[], args)), None, TIMEOUT).expect("running runsc do")
}

fn compare(args: &[&str]) {
    if !Path::new(args[0]).exists() {
        eprintln!("skipped: {} is not installed", args[0]);
        return;
    }
    let (n, s) = (native(args), sandboxed(args));
    assert!(
        n.code() == s.code() && n.stdout == s.stdout && n.stderr == s.stderr,
        "{args:?}: sandbox differs from native\n=== native ===\n{}\n=== sandbox ===\n{}",
        n.dump(),
        s.dump()
    );
    assert_eq!(n.code(), Some(0), "{args:?} failed natively:\n{}", n.dump());
}

#[test]
fn coreutils_ls_la() {
    compare(&[
        "/bin/ls",
        "-la",
        "/usr/share/doc/busybox-static",
        "/etc/apt",
    ]);
}

#[test]
fn coreutils_sort_and_cat() {
    compare(&["/usr/bin/sort", "/etc/passwd"]);
    compare(&["/bin/cat", "/etc/os-release"]);
}

#[test]
fn findutils_find() {
    compare(&[
        "/usr/bin/find",
        "/usr/share/doc/busybox-static",
        "-name",
        "*.gz",
    ]);
}

#[test]
fn python3_runs() {
    compare(&[
        "/usr/bin/python3",
        "-c",
        "import sys, os; print(sys.version_info[0], sorted(os.listdir('/etc/apt')))",
    ]);
}
