//! `runsc do` leaves nothing running behind it: not after a normal exit,
//! and not after the `runsc do` process itself is SIGKILLed.
//!
//! Each test runs a private copy of runsc, so that processes are told apart
//! by `/proc/PID/exe` (the sandbox's stub processes unmap themselves, so
//! their command lines say nothing) and concurrently running tests do not
//! interfere.

#![deny(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use rvisor_tests::{pids_with_exe, run_with_timeout, runsc, runsc_do_with, TempDir};

/// Copies runsc to a private path; keep the TempDir alive while using it.
///
/// A test thread that forks while the copy's write descriptor is open hands
/// that descriptor to its child until the child execs, and exec of the copy
/// fails with ETXTBSY meanwhile. Once one exec of the copy succeeds after
/// the copy is closed, no process can hold it open for writing any more, so
/// the copy is probed until it runs.
fn private_runsc() -> (TempDir, PathBuf) {
    let src = runsc();
    let dir = TempDir::new("rvisor-lifecycle");
    let copy = dir.join("runsc");
    std::fs::copy(&src, &copy).expect("copying runsc");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match Command::new(&copy)
            .arg("--version")
            .stdout(Stdio::null())
            .status()
        {
            Ok(status) => {
                assert!(status.success(), "{} --version: {status}", copy.display());
                break;
            }
            Err(e) if e.raw_os_error() == Some(26) && Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(10));
            }
            Err(e) => panic!("running {}: {e}", copy.display()),
        }
    }
    (dir, copy)
}

/// Polls until `pred` holds or `limit` passes; returns whether it held.
fn wait_for(limit: Duration, mut pred: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if pred() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Describes the given processes and SIGKILLs them, so that a failing test
/// does not leave them behind.
fn describe_and_kill(pids: &[u32]) -> String {
    let mut out = String::new();
    for pid in pids {
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline"))
            .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
            .unwrap_or_default();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let state = status
            .lines()
            .filter(|l| l.starts_with("State:") || l.starts_with("PPid:"))
            .collect::<Vec<_>>()
            .join(", ");
        out.push_str(&format!("  pid {pid}: [{}] {state}\n", cmdline.trim()));
        let _ = Command::new("kill")
            .args(["-s", "KILL", &pid.to_string()])
            .stderr(Stdio::null())
            .status();
    }
    out
}

fn assert_none_left(copy: &Path, limit: Duration, when: &str) {
    let mut left = Vec::new();
    let gone = wait_for(limit, || {
        left = pids_with_exe(copy);
        left.is_empty()
    });
    assert!(
        gone,
        "{when}: processes running {} are still alive:\n{}",
        copy.display(),
        describe_and_kill(&left)
    );
}

#[test]
fn repeated_runs_leave_no_processes() {
    let (_dir, copy) = private_runsc();
    let start = Instant::now();
    for i in 0..50 {
        let out = run_with_timeout(
            &mut runsc_do_with(&copy, &[], &["/bin/busybox", "true"]),
            None,
            Duration::from_secs(30),
        )
        .expect("spawning runsc");
        assert_eq!(out.code(), Some(0), "run {i}:\n{}", out.dump());
    }
    let elapsed = start.elapsed();
    // runsc do returns once the sandbox is gone; allow a moment for the
    // host to finish tearing down exiting processes.
    assert_none_left(&copy, Duration::from_millis(500), "after 50 runs of true");
    println!("50 runs of `runsc do /bin/busybox true` took {elapsed:?}");
}

#[test]
fn sigkill_of_runsc_do_kills_the_sandbox() {
    let (_dir, copy) = private_runsc();
    let mut child = runsc_do_with(&copy, &[], &["/bin/busybox", "sleep", "30"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawning runsc");
    let runsc_pid = child.id();

    // Wait for the sandbox's own processes (sentry, gofer, stubs) to exist.
    let mut seen = Vec::new();
    let started = wait_for(Duration::from_secs(5), || {
        seen = pids_with_exe(&copy);
        seen.iter().any(|&p| p != runsc_pid)
    });
    if !started {
        let _ = child.kill();
        let _ = child.wait();
        let exited = child.try_wait().ok().flatten();
        panic!(
            "within 5 s runsc do started no other process running {} (saw {seen:?}, \
             runsc do pid {runsc_pid}, exit {exited:?})",
            copy.display()
        );
    }

    child.kill().expect("SIGKILL runsc do");
    child.wait().expect("reaping runsc do");
    assert_none_left(
        &copy,
        Duration::from_secs(5),
        "5 s after SIGKILL of runsc do",
    );
}

/// The value of `Seccomp:` in /proc/PID/status (2 = filter mode).
fn seccomp_mode(pid: u32) -> Option<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("Seccomp:"))
        .and_then(|v| v.trim().parse().ok())
}

#[test]
fn every_sandbox_process_runs_under_seccomp() {
    let (_dir, copy) = private_runsc();
    let mut child = runsc_do_with(&copy, &[], &["/bin/busybox", "sleep", "3"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting runsc do");
    let front = child.id();
    // The front end, the gofer, the sentry, the stub template and a stub.
    let started = wait_for(Duration::from_secs(5), || pids_with_exe(&copy).len() >= 5);
    let pids = pids_with_exe(&copy);
    let modes: Vec<(u32, Option<u32>)> = pids.iter().map(|&p| (p, seccomp_mode(p))).collect();
    let _ = child.kill();
    let _ = child.wait();
    assert!(started, "sandbox processes did not appear: {modes:?}");
    for (pid, mode) in &modes {
        if *pid != front && mode.is_some() {
            assert_eq!(
                *mode,
                Some(2),
                "pid {pid} runs without a seccomp filter: {modes:?}"
            );
        }
    }
}
