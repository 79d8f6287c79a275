//! Issue #3 end to end: shells with pipelines and job control, Debian's
//! dynamically linked programs, Python with threads, processes, subprocess
//! and alarms, and C/C++ programs that lean on threads and signal frames
//! give the same output (and exit status) natively and in the sandbox.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use rvisor_tests::{run_with_timeout, runsc_do, RunOutput, TempDir};

const TIMEOUT: Duration = Duration::from_secs(120);

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

fn native(args: &[&str], dir: &Path) -> RunOutput {
    let mut cmd = Command::new(args[0]);
    cmd.args(&args[1..]);
    run_with_timeout(&mut env(cmd, dir), None, TIMEOUT).expect("running natively")
}

fn sandboxed(args: &[&str], dir: &Path) -> RunOutput {
    run_with_timeout(&mut env(runsc_do(&[], args), dir), None, TIMEOUT).expect("running runsc do")
}

/// Runs `args` natively and in the sandbox (in fresh directories) and
/// returns both outputs after checking the program exists.
fn both(args: &[&str]) -> Option<(RunOutput, RunOutput)> {
    if !Path::new(args[0]).exists() {
        eprintln!("skipped: {} is not installed", args[0]);
        return None;
    }
    let (dn, ds) = (TempDir::new("rvisor-e2e-n"), TempDir::new("rvisor-e2e-s"));
    for d in [&dn, &ds] {
        std::fs::copy(programs().join("jobs.sh"), d.join("jobs.sh")).unwrap();
    }
    Some((native(args, dn.path()), sandboxed(args, ds.path())))
}

/// Same exit status and byte-identical stdout and stderr, and success.
fn compare(args: &[&str]) {
    let Some((n, s)) = both(args) else { return };
    assert!(
        n.code() == s.code() && n.stdout == s.stdout && n.stderr == s.stderr,
        "{args:?}: sandbox differs from native\n=== native ===\n{}\n=== sandbox ===\n{}",
        n.dump(),
        s.dump()
    );
    assert_eq!(n.code(), Some(0), "{args:?} failed natively:\n{}", n.dump());
}

fn compile(dir: &TempDir, compiler: &str, src: &str, flags: &[&str]) -> String {
    let out = dir.join(src.split('.').next().unwrap());
    let status = Command::new(compiler)
        .args(flags)
        .arg("-O2")
        .arg("-o")
        .arg(&out)
        .arg(programs().join(src))
        .status()
        .unwrap_or_else(|e| panic!("running {compiler}: {e}"));
    assert!(status.success(), "{compiler} {src} failed");
    out.to_string_lossy().into_owned()
}

#[test]
fn pipeline_yes_head_wc() {
    compare(&["/bin/sh", "-c", "yes | head -n 100000 | wc -l"]);
}

#[test]
fn busybox_script_with_jobs_and_traps() {
    compare(&["/bin/busybox", "sh", "jobs.sh"]);
}

#[test]
fn dash_script_with_jobs_and_traps() {
    compare(&["/bin/dash", "jobs.sh"]);
}

#[test]
fn ls_la_root() {
    // /dev, /proc and /sys are the sandbox's own (as in any container):
    // their lines and the block total differ; every other line must not.
    let Some((n, s)) = both(&["/bin/ls", "-la", "/"]) else {
        return;
    };
    let keep = |o: &RunOutput| -> Vec<String> {
        o.stdout_str()
            .lines()
            .filter(|l| {
                !l.starts_with("total ")
                    && !["dev", "proc", "sys"]
                        .iter()
                        .any(|d| l.ends_with(&format!(" {d}")))
            })
            // Column widths follow the widest entry, which may be one of
            // the excluded ones (the host's /proc has over 99 links).
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    };
    assert_eq!(n.code(), Some(0), "{}", n.dump());
    assert_eq!(s.code(), Some(0), "{}", s.dump());
    assert_eq!(keep(&n), keep(&s), "\n{}\n{}", n.dump(), s.dump());
    assert!(keep(&s).len() > 10, "{}", s.dump());
}

#[test]
fn sort_and_find_pipeline() {
    compare(&["/usr/bin/sort", "/etc/passwd"]);
    compare(&[
        "/bin/sh",
        "-c",
        "/usr/bin/find /usr/share -name '*.txt' | wc -l",
    ]);
}

const PY_THREADS: &str = "
import threading
n = 0
lock = threading.Lock()
def work():
    global n
    for _ in range(10000):
        with lock:
            n += 1
ts = [threading.Thread(target=work) for _ in range(16)]
for t in ts: t.start()
for t in ts: t.join()
print(n)
";

const PY_POOL: &str = "
import multiprocessing
def sq(x): return x * x
if __name__ == '__main__':
    with multiprocessing.Pool(4) as p:
        print(p.map(sq, range(40)))
";

const PY_SUBPROCESS: &str = "
import subprocess
r = subprocess.run(['ls', '/etc/apt'], capture_output=True, text=True)
print(r.returncode, r.stdout.split())
";

const PY_ALARM: &str = "
import signal, time
class Alarm(Exception): pass
def h(s, f): raise Alarm()
signal.signal(signal.SIGALRM, h)
signal.alarm(1)
t = time.monotonic()
try:
    time.sleep(10)
    print('not interrupted')
except Alarm:
    print('interrupted after', round(time.monotonic() - t), 's')
";

#[test]
fn python_threads_with_a_lock() {
    compare(&["/usr/bin/python3", "-c", PY_THREADS]);
}

#[test]
fn python_multiprocessing_pool() {
    compare(&["/usr/bin/python3", "-c", PY_POOL]);
}

#[test]
fn python_subprocess_run() {
    compare(&["/usr/bin/python3", "-c", PY_SUBPROCESS]);
}

#[test]
fn python_alarm_interrupts_sleep() {
    compare(&["/usr/bin/python3", "-c", PY_ALARM]);
}

#[test]
fn c_pthreads_hammer_mutex_and_condvar() {
    let dir = TempDir::new("rvisor-hammer");
    let bin = compile(&dir, "gcc", "pthread_hammer.c", &["-pthread"]);
    compare(&[&bin]);
}

#[test]
fn c_recovers_from_sigsegv_with_siglongjmp() {
    let dir = TempDir::new("rvisor-siglongjmp");
    let bin = compile(&dir, "gcc", "segv_siglongjmp.c", &[]);
    compare(&[&bin]);
}

#[test]
fn cpp_exceptions_inside_signal_handlers() {
    if !Path::new("/usr/bin/g++").exists() {
        eprintln!("skipped: g++ is not installed");
        return;
    }
    let dir = TempDir::new("rvisor-cxx");
    let bin = compile(
        &dir,
        "g++",
        "signal_exceptions.cpp",
        &["-fnon-call-exceptions"],
    );
    compare(&[&bin]);
}

#[test]
fn bad_arguments_to_process_syscalls() {
    // Each call must fail with Linux's errno (the program checks, natively
    // too), and the sandbox must still fork, exec and wait afterwards.
    let dir = TempDir::new("rvisor-badargs");
    let bin = compile(&dir, "gcc", "bad_args_process.c", &["-Wall"]);
    compare(&[&bin]);
    let Some((_, s)) = both(&[&bin]) else { return };
    assert!(
        s.stdout_str()
            .ends_with("healthy after bad arguments\n0 mismatches\n"),
        "{}",
        s.dump()
    );
}
