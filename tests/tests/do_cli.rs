//! The `runsc do` command line: exit statuses, error messages, flags, and
//! what the sandbox shows of the host (/proc, /sys, /dev, /tmp).
//!
//! These need `runsc` (see `rvisor_tests::find_runsc`), busybox-static and
//! gcc.

#![deny(unsafe_code)]

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use rvisor_tests::{
    compile_static_c, run_with_timeout, runsc, runsc_do, unique_name, RunOutput, TempDir,
};

const TIMEOUT: Duration = Duration::from_secs(30);

fn run(mut cmd: Command) -> RunOutput {
    run_with_timeout(&mut cmd, None, TIMEOUT).expect("spawning runsc")
}

/// `runsc do FLAGS -- /bin/busybox ARGS`.
fn bb(flags: &[&str], args: &[&str]) -> RunOutput {
    let mut program = vec!["/bin/busybox"];
    program.extend_from_slice(args);
    run(runsc_do(flags, &program))
}

#[test]
fn echo_without_dashdash() {
    let mut cmd = Command::new(runsc());
    cmd.args(["do", "/bin/busybox", "echo", "hello"]);
    let out = run(cmd);
    assert_eq!(out.stdout, b"hello\n", "{}", out.dump());
    assert_eq!(out.code(), Some(0), "{}", out.dump());
}

#[test]
fn echo_with_dashdash() {
    let out = bb(&[], &["echo", "hello", "--", "-n"]);
    assert_eq!(out.stdout, b"hello -- -n\n", "{}", out.dump());
    assert_eq!(out.code(), Some(0), "{}", out.dump());
}

#[test]
fn explicit_ptrace_platform() {
    let out = bb(&["--platform", "ptrace"], &["echo", "ok"]);
    assert_eq!(out.stdout, b"ok\n", "{}", out.dump());
    assert_eq!(out.code(), Some(0), "{}", out.dump());
}

#[test]
fn missing_program_exits_127() {
    let out = run(runsc_do(&[], &["/nonexistent"]));
    assert_eq!(out.code(), Some(127), "{}", out.dump());
    assert!(out.stdout.is_empty(), "{}", out.dump());
    let err = out.stderr_str();
    assert_eq!(
        err.lines().count(),
        1,
        "want one stderr line:\n{}",
        out.dump()
    );
    assert!(
        err.to_lowercase().contains("no such file or directory"),
        "{}",
        out.dump()
    );
    assert!(err.contains("/nonexistent"), "{}", out.dump());
}

#[test]
fn garbage_executable_exits_126() {
    let dir = TempDir::new("rvisor-cli");
    let path = dir.join("garbage");
    std::fs::write(
        &path,
        b"\x00\x01\x02 this is not a program \xff\xfe\n".repeat(8),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    // Natively, execve says ENOEXEC; ETXTBSY while a concurrently forking
    // test thread's child still holds our write descriptor (until it execs).
    let native = (0..500)
        .map(|_| Command::new(&path).output().unwrap_err())
        .find(|e| {
            let busy = e.raw_os_error() == Some(26);
            if busy {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            !busy
        })
        .expect("the file stays busy");
    assert_eq!(native.raw_os_error(), Some(8), "native exec: {native}");

    let out = run(runsc_do(&[], &[&path]));
    assert_eq!(out.code(), Some(126), "{}", out.dump());
    let err = out.stderr_str();
    assert_eq!(
        err.lines().count(),
        1,
        "want one stderr line:\n{}",
        out.dump()
    );
    assert!(
        err.to_lowercase().contains("exec format error"),
        "{}",
        out.dump()
    );
}

#[test]
fn non_executable_file_exits_126() {
    let dir = TempDir::new("rvisor-cli");
    let path = dir.join("busybox-noexec");
    std::fs::copy("/bin/busybox", &path).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = run(runsc_do(&[], &[&path]));
    assert_eq!(out.code(), Some(126), "{}", out.dump());
    let err = out.stderr_str();
    assert_eq!(
        err.lines().count(),
        1,
        "want one stderr line:\n{}",
        out.dump()
    );
    assert!(
        err.to_lowercase().contains("permission denied"),
        "{}",
        out.dump()
    );
}

#[test]
fn proc_and_sys_are_the_sandboxs_own() {
    // /proc lists the sandbox's one process (pid 1), nothing of the host's.
    let out = bb(&[], &["ls", "-A", "/proc"]);
    assert_eq!(out.code(), Some(0), "ls -A /proc:\n{}", out.dump());
    let pids: Vec<String> = out
        .stdout_str()
        .lines()
        .filter(|l| l.chars().all(|c| c.is_ascii_digit()))
        .map(String::from)
        .collect();
    assert_eq!(pids, ["1"], "ls -A /proc:\n{}", out.dump());
    assert!(out.stdout_str().contains("self\n"), "{}", out.dump());
    let out = bb(&[], &["ls", "-A", "/sys"]);
    assert_eq!(out.code(), Some(0), "ls -A /sys:\n{}", out.dump());
    for d in ["devices", "fs", "kernel"] {
        assert!(out.stdout_str().contains(d), "ls -A /sys:\n{}", out.dump());
    }
}

#[test]
fn host_proc_is_not_visible() {
    // pid 1 is the sandbox's init (this cat), not the host's.
    let out = bb(&[], &["cat", "/proc/1/cmdline"]);
    assert_eq!(out.code(), Some(0), "{}", out.dump());
    assert_eq!(
        out.stdout,
        b"/bin/busybox\0cat\0/proc/1/cmdline\0",
        "{}",
        out.dump()
    );
}

#[test]
fn dev_has_only_the_sentrys_nodes() {
    let out = bb(&[], &["ls", "-A", "/dev"]);
    assert_eq!(out.code(), Some(0), "{}", out.dump());
    assert_eq!(
        out.stdout_str(),
        "console\nfd\nfull\nnull\nptmx\npts\nrandom\nshm\nstderr\nstdin\nstdout\ntty\nurandom\nzero\n",
        "{}",
        out.dump()
    );
    let out = bb(&[], &["ls", "-A", "/dev/shm"]);
    assert_eq!(out.code(), Some(0), "{}", out.dump());
    assert!(out.stdout.is_empty(), "{}", out.dump());
}

#[test]
fn redirect_to_dev_null() {
    let out = bb(&[], &["sh", "-c", "echo x >/dev/null"]);
    assert_eq!(out.code(), Some(0), "{}", out.dump());
    assert!(out.stdout.is_empty(), "{}", out.dump());
    assert!(out.stderr.is_empty(), "{}", out.dump());
}

#[test]
fn exit_status_passes_through() {
    for code in [0, 1, 42, 255] {
        let out = bb(&[], &["sh", "-c", &format!("exit {code}")]);
        assert_eq!(out.code(), Some(code), "{}", out.dump());
    }
}

#[test]
fn stdin_passes_through() {
    let mut cmd = runsc_do(&[], &["/bin/busybox", "cat"]);
    let out = run_with_timeout(&mut cmd, Some(b"from stdin\nline two\n"), TIMEOUT).unwrap();
    assert_eq!(out.stdout, b"from stdin\nline two\n", "{}", out.dump());
    assert_eq!(out.code(), Some(0), "{}", out.dump());
}

#[test]
fn stderr_passes_through() {
    let out = bb(&[], &["sh", "-c", "echo to-stderr >&2; echo to-stdout"]);
    assert_eq!(out.stdout, b"to-stdout\n", "{}", out.dump());
    assert_eq!(out.stderr, b"to-stderr\n", "{}", out.dump());
}

#[test]
fn tmp_writes_stay_in_sandbox() {
    let path = format!("/tmp/{}", unique_name("rvisor-overlay"));
    let out = bb(&[], &["touch", &path]);
    let leaked = Path::new(&path).exists();
    let _ = std::fs::remove_file(&path);
    assert_eq!(out.code(), Some(0), "{}", out.dump());
    assert!(!leaked, "{path} leaked from the sandbox to the host");
}

#[test]
fn tmp_writes_reach_host_with_overlay_none() {
    let path = format!("/tmp/{}", unique_name("rvisor-no-overlay"));
    let out = bb(&["--overlay=none"], &["touch", &path]);
    let exists = Path::new(&path).exists();
    let _ = std::fs::remove_file(&path);
    assert_eq!(out.code(), Some(0), "{}", out.dump());
    assert!(
        exists,
        "{path} was not created on the host with --overlay=none"
    );
}

#[test]
fn overlay_is_writable_and_coherent_within_one_run() {
    let dir = TempDir::new("rvisor-cli");
    std::fs::write(dir.join("f"), "host\n").unwrap();
    let tmp_file = format!("/tmp/{}", unique_name("rvisor-in-sandbox-only"));
    // Builtins only (no fork): overwrite a host file and read it back, then
    // create a file in /tmp and read it back.
    let script = format!(
        "echo sandbox >f; read l <f; echo \"f=$l\"; \
         echo new >{tmp_file}; read m <{tmp_file}; echo \"tmp=$m\""
    );
    let mut cmd = runsc_do(&[], &["/bin/busybox", "sh", "-c", &script]);
    cmd.current_dir(dir.path());
    let out = run(cmd);
    let leaked = Path::new(&tmp_file).exists();
    let _ = std::fs::remove_file(&tmp_file);
    assert!(!leaked, "{tmp_file} leaked from the sandbox to the host");
    assert_eq!(out.stdout_str(), "f=sandbox\ntmp=new\n", "{}", out.dump());
    assert_eq!(out.code(), Some(0), "{}", out.dump());
    assert_eq!(std::fs::read_to_string(dir.join("f")).unwrap(), "host\n");
}

#[test]
fn overlay_none_writes_through_to_cwd() {
    let dir = TempDir::new("rvisor-cli");
    let mut cmd = runsc_do(
        &["--overlay=none"],
        &["/bin/busybox", "sh", "-c", "echo hi >made"],
    );
    cmd.current_dir(dir.path());
    let out = run(cmd);
    assert_eq!(out.code(), Some(0), "{}", out.dump());
    assert_eq!(std::fs::read_to_string(dir.join("made")).unwrap(), "hi\n");
}

#[test]
fn cwd_defaults_to_callers() {
    let dir = TempDir::new("rvisor-cli");
    let mut cmd = runsc_do(&[], &["/bin/busybox", "pwd"]);
    cmd.current_dir(dir.path());
    let out = run(cmd);
    assert_eq!(
        out.stdout_str(),
        format!("{}\n", dir.path().display()),
        "{}",
        out.dump()
    );
}

#[test]
fn cwd_flag() {
    let out = bb(&["--cwd", "/etc"], &["pwd"]);
    assert_eq!(out.stdout, b"/etc\n", "{}", out.dump());
    assert_eq!(out.code(), Some(0), "{}", out.dump());
}

#[test]
fn env_flag_and_passthrough() {
    let mut cmd = runsc_do(&["--env", "FOO=bar"], &["/bin/busybox", "env"]);
    cmd.env_clear().env("PATH", "/bin").env("INHERITED", "yes");
    let out = run(cmd);
    assert_eq!(out.code(), Some(0), "{}", out.dump());
    let lines: Vec<&str> = out
        .stdout
        .split(|&b| b == b'\n')
        .map(|l| std::str::from_utf8(l).unwrap_or(""))
        .collect();
    assert!(lines.contains(&"FOO=bar"), "{}", out.dump());
    assert!(lines.contains(&"INHERITED=yes"), "{}", out.dump());
    assert!(lines.contains(&"PATH=/bin"), "{}", out.dump());
}

#[test]
fn strace_flag_traces_syscalls() {
    let out = bb(&["--strace"], &["echo", "hi"]);
    assert_eq!(out.stdout, b"hi\n", "{}", out.dump());
    assert_eq!(out.code(), Some(0), "{}", out.dump());
    let err = out.stderr_str();
    assert!(
        err.contains("execve") || err.contains("write("),
        "no syscall trace on stderr:\n{}",
        out.dump()
    );
}

#[test]
fn debug_log_flag_is_accepted() {
    let dir = TempDir::new("rvisor-cli");
    let log = dir.join("debug.log");
    let out = bb(&["--debug-log", log.to_str().unwrap()], &["echo", "logged"]);
    assert_eq!(out.stdout, b"logged\n", "{}", out.dump());
    assert_eq!(out.code(), Some(0), "{}", out.dump());
}

#[test]
fn killed_by_signal_exits_128_plus_n() {
    let dir = TempDir::new("rvisor-cli");
    let src = dir.join("segv.c");
    std::fs::write(
        &src,
        "int main(void) { *(volatile int *)0 = 1; return 0; }\n",
    )
    .unwrap();
    let bin = dir.join("segv");
    compile_static_c(&src, &bin).unwrap();
    // Natively it dies of SIGSEGV.
    let native = Command::new(&bin).status().unwrap();
    assert_eq!(native.signal(), Some(11), "native: {native:?}");

    let out = run(runsc_do(&[], &[&bin]));
    assert_eq!(out.code(), Some(139), "{}", out.dump());
    assert_eq!(
        out.status.and_then(|s| s.code()),
        Some(139),
        "runsc itself should exit 139"
    );
}

#[test]
fn hostile_arguments_never_hurt_the_sentry() {
    // Sandbox only: natively this program would really do what it asks.
    let dir = TempDir::new("rvisor-hostile");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("programs/hostile_args.c");
    let bin = dir.join("hostile_args");
    compile_static_c(&src, &bin).unwrap();
    let mut cmd = runsc_do(&[], &[bin.as_os_str()]);
    cmd.current_dir(dir.path());
    let out = run(cmd);
    assert_eq!(out.code(), Some(0), "{}", out.dump());
    assert!(out.stdout_str().starts_with("survived "), "{}", out.dump());
    // And the sandbox machinery still works afterwards.
    let out = run(runsc_do(&[], &["/bin/busybox", "echo", "still here"]));
    assert_eq!(out.stdout_str(), "still here\n", "{}", out.dump());
}
