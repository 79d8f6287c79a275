//! `bench`: the benchmark harness (issue #2). Runs each workload natively
//! and under `runsc do --platform ptrace` in one run, interleaving the two
//! sides so they see the same noise, and prints one table:
//! `benchmark | native | sandbox | ratio | target | ok?`, where the ratio is
//! always sandbox / native.
//!
//! - start-to-exit of `busybox true`: median wall time from spawn to reap;
//! - getppid round trip (`tests/bench/getppid.c`), and the same sandbox
//!   figure against the same-CPU ptrace floor (`tests/bench/ptrace_floor.c`
//!   run under `taskset -c 0`), which in that row stands in the native column;
//! - 1 MiB sequential reads of a page-cached file (`tests/bench/readfile.c`);
//! - fork+exit+wait (`tests/bench/fork_wait.c`) and fork+exec+wait of a
//!   tiny static binary (`tests/bench/fork_exec.c` running
//!   `tests/bench/true_static.c`), as rates;
//! - futex ping-pong between two threads (`tests/bench/futex_pingpong.c`),
//!   whose target is a multiple of the ptrace floor measured for getppid;
//! - signal delivery round trip to oneself (`tests/bench/signal_roundtrip.c`);
//! - waits (issue #5): epoll_wait ping-pong through eventfds
//!   (`tests/bench/epoll_pingpong.c`), the one-way epoll_wait wake-up
//!   latency (`tests/bench/epoll_wakeup.c`, also with everything on CPU 0),
//!   poll() over 1,000 pipes (`tests/bench/poll_pipes.c`), and the CPU time
//!   1,000 threads idle in epoll_wait cost the whole sandbox over 5 s
//!   (`tests/bench/idle_epoll.c`, sampled from the host's /proc);
//! - pty throughput (issue #5, `tests/bench/pty_throughput.c`): MiB/s
//!   written to a raw-mode slave and read from its master;
//! - file I/O (issue #4, `tests/bench/fileio.c`): sequential 1 MiB writes
//!   and reads of a 1 GiB file and 4 KiB random reads, on tmpfs (natively
//!   the host's /dev/shm, in the sandbox its /tmp: the overlay's tmpfs
//!   upper layer), on the gofer lower (a page-cached host file made before
//!   the run) and on a rw bind mount (`runsc do --volume`, left out with a
//!   message if runsc has no such flag);
//! - create+stat+unlink of 10,000 small files on tmpfs
//!   (`tests/bench/manyfiles.c`), and `tar -x` of a 100 MiB tree (an
//!   archive on the host) into tmpfs, in wall seconds.
//!
//! The C programs are built with `gcc -static -O2` into
//! `<workspace>/target/bench/` when their source is newer than the binary.
//! The harness reports; it does not judge: it exits 0 whether targets are
//! met or not, and 1 only if something failed to build or run.
//! See `docs/benchmarks.md` for the figures measured on our machines.

#![deny(unsafe_code)]

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use rvisor_tests::{find_runsc, run_with_timeout, runsc_do_with, workspace_dir, TempDir};

const USAGE: &str = "usage: bench [--runsc PATH] [--quick] [--markdown] [--only GROUPS]

  --runsc PATH  runsc binary (default: $RUNSC, else <workspace>/target/release/runsc)
  --quick       few iterations (a smoke run of a few seconds; figures are rough)
  --markdown    print the table as Markdown
  --only GROUPS run only these comma-separated groups: start, syscalls (the
                ptrace floor other targets use), read, fork, futex, epoll,
                signal, pty, files";

const BUSYBOX: &str = "/bin/busybox";
/// The platform every sandbox run uses: the floor row is a ptrace floor.
const PLATFORM: &[&str] = &["--platform", "ptrace"];
/// Limit for one run of one program (the full getppid run in the sandbox
/// takes about 2 s).
const TIMEOUT: Duration = Duration::from_secs(120);

/// How much work each benchmark does.
#[derive(Debug, Clone, Copy)]
struct Params {
    start_warmups: usize,
    start_runs: usize,
    syscalls: u64,
    /// Runs of getppid (native, sandbox) and of the floor; the median counts.
    syscall_runs: usize,
    file_mib: u64,
    /// Runs of readfile on each side; the best counts.
    read_runs: usize,
    /// fork+exit+wait cycles per run, and runs per side (median counts).
    forks: u64,
    fork_runs: usize,
    /// fork+exec+wait cycles per run, and runs per side (median counts).
    execs: u64,
    exec_runs: usize,
    /// Futex ping-pong round trips per run, and runs per side (median).
    futex_round_trips: u64,
    futex_runs: usize,
    /// Signals sent to oneself per run, and runs per side (median).
    signals: u64,
    signal_runs: usize,
    /// Size of the large files of the file I/O rows, in MiB.
    big_file_mib: u64,
    /// 4 KiB random reads per run.
    random_reads: u64,
    /// Runs of each file I/O program on each side; the best counts.
    io_runs: usize,
    /// Files created, stat'ed and unlinked per run, and runs (median).
    small_files: u64,
    small_file_runs: usize,
    /// Size of the tree `tar -x` extracts, in MiB, and runs (median).
    tar_mib: u64,
    tar_runs: usize,
}

const FULL: Params = Params {
    start_warmups: 2,
    start_runs: 20,
    syscalls: 100_000,
    syscall_runs: 5,
    file_mib: 256,
    read_runs: 3,
    forks: 400,
    fork_runs: 3,
    execs: 400,
    exec_runs: 3,
    futex_round_trips: 20_000,
    futex_runs: 5,
    signals: 20_000,
    signal_runs: 5,
    big_file_mib: 1024,
    random_reads: 100_000,
    io_runs: 2,
    small_files: 10_000,
    small_file_runs: 3,
    tar_mib: 100,
    tar_runs: 2,
};

const QUICK: Params = Params {
    start_warmups: 1,
    start_runs: 3,
    syscalls: 10_000,
    syscall_runs: 1,
    file_mib: 32,
    read_runs: 3,
    forks: 20,
    fork_runs: 1,
    execs: 20,
    exec_runs: 1,
    futex_round_trips: 1_000,
    futex_runs: 1,
    signals: 1_000,
    signal_runs: 1,
    big_file_mib: 32,
    random_reads: 5_000,
    io_runs: 1,
    small_files: 1_000,
    small_file_runs: 1,
    tar_mib: 8,
    tar_runs: 1,
};

/// What a row's target is, on what it is checked.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// The sandbox figure is at most this (in the row's unit).
    SandboxAtMost(f64, &'static str),
    /// sandbox / native is at most this; the str names the baseline.
    RatioAtMost(f64, &'static str),
    /// sandbox / native is at least this.
    RatioAtLeast(f64, &'static str),
    /// The sandbox figure (µs) is at most `factor` × `calls` × the same-CPU
    /// ptrace floor (µs per syscall) measured in this run; `None` if the
    /// floor could not be measured.
    FloorMultiple {
        factor: f64,
        calls: u32,
        floor: Option<f64>,
    },
    None,
}

impl Target {
    fn describe(self) -> String {
        match self {
            Target::SandboxAtMost(v, unit) => format!("sandbox ≤ {v} {unit}"),
            Target::RatioAtMost(r, base) => format!("≤ {r:.2}× {base}"),
            Target::RatioAtLeast(r, base) => format!("≥ {r:.2}× {base}"),
            Target::FloorMultiple {
                factor,
                calls,
                floor,
            } => match floor {
                Some(f) => format!(
                    "sandbox ≤ {factor} × {calls} × floor = {:.1} µs",
                    factor * f64::from(calls) * f
                ),
                None => format!("sandbox ≤ {factor} × {calls} × floor (no floor)"),
            },
            Target::None => "—".into(),
        }
    }

    /// Whether the target is met; `None` if there is no target, or if its
    /// baseline (the floor) is missing.
    fn met(self, sandbox: f64, ratio: f64) -> Option<bool> {
        match self {
            Target::SandboxAtMost(v, _) => Some(sandbox <= v),
            Target::RatioAtMost(r, _) => Some(ratio <= r),
            Target::RatioAtLeast(r, _) => Some(ratio >= r),
            Target::FloorMultiple {
                factor,
                calls,
                floor,
            } => floor.map(|f| sandbox <= factor * f64::from(calls) * f),
            Target::None => None,
        }
    }
}

/// One line of the table.
#[derive(Debug)]
struct Row {
    name: String,
    native: Result<f64, String>,
    sandbox: Result<f64, String>,
    /// Digits after the point for the native and sandbox figures.
    decimals: usize,
    target: Target,
}

impl Row {
    fn ratio(&self) -> Option<f64> {
        match (&self.native, &self.sandbox) {
            (Ok(n), Ok(s)) if *n > 0.0 => Some(s / n),
            _ => None,
        }
    }

    fn cells(&self) -> [String; 6] {
        let fig = |v: &Result<f64, String>| match v {
            Ok(v) => format!("{v:.*}", self.decimals),
            Err(_) => "error".into(),
        };
        let ratio = self.ratio();
        // A target on the sandbox figure alone needs no ratio (the native
        // figure may be zero: idle CPU time).
        let alone = match (&self.native, self.target) {
            (Ok(_), Target::SandboxAtMost(..)) => Some(f64::NAN),
            _ => None,
        };
        let ok = match (ratio.or(alone), &self.sandbox) {
            (Some(r), Ok(s)) => match self.target.met(*s, r) {
                Some(true) => "yes",
                Some(false) => "NO",
                None if matches!(self.target, Target::None) => "—",
                // The target's baseline failed to measure.
                None => "error",
            },
            _ => "error",
        };
        [
            self.name.clone(),
            fig(&self.native),
            fig(&self.sandbox),
            match (ratio, alone) {
                (Some(r), _) => format!("{r:.2}×"),
                // Zero native: no ratio, and none needed.
                (None, Some(_)) => "—".into(),
                (None, None) => "error".into(),
            },
            self.target.describe(),
            ok.into(),
        ]
    }
}

const HEADER: [&str; 6] = ["benchmark", "native", "sandbox", "ratio", "target", "ok?"];

/// The table, aligned for a terminal, or as Markdown.
fn render(rows: &[Row], markdown: bool) -> String {
    let lines: Vec<[String; 6]> = rows.iter().map(Row::cells).collect();
    let mut out = String::new();
    if markdown {
        let line = |cells: &[String]| format!("| {} |\n", cells.join(" | "));
        out.push_str(&line(&HEADER.map(String::from)));
        out.push_str("|---|---:|---:|---:|---|---|\n");
        for cells in &lines {
            out.push_str(&line(cells));
        }
        return out;
    }
    let mut widths = HEADER.map(|h| h.chars().count());
    for cells in &lines {
        for (w, c) in widths.iter_mut().zip(cells) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
            let pad = " ".repeat(w - c.chars().count());
            // Figures right-aligned, text left-aligned.
            let cell = if (1..=3).contains(&i) {
                format!("{pad}{c}")
            } else {
                format!("{c}{pad}")
            };
            s.push_str(&cell);
            s.push_str(if i + 1 < cells.len() { " | " } else { "\n" });
        }
        s.trim_end().to_string() + "\n"
    };
    out.push_str(&line(&HEADER.map(String::from)));
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out.push_str(&rule.join("-|-"));
    out.push('\n');
    for cells in &lines {
        out.push_str(&line(cells));
    }
    out
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn best(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

/// Collects per-side samples; the first error on a side sticks.
struct Samples(Result<Vec<f64>, String>);

impl Samples {
    fn new() -> Samples {
        Samples(Ok(Vec::new()))
    }

    fn push(&mut self, sample: Result<f64, String>) {
        if let Ok(values) = &mut self.0 {
            match sample {
                Ok(v) => values.push(v),
                Err(e) => self.0 = Err(e),
            }
        }
    }

    fn reduce(self, f: impl FnOnce(&mut [f64]) -> f64) -> Result<f64, String> {
        let mut values = self.0?;
        if values.is_empty() {
            return Err("no samples".into());
        }
        Ok(f(&mut values))
    }
}

/// gcc flags some programs need beyond `-static -O2 -Wall -Werror`.
fn extra_flags(name: &str) -> &'static [&'static str] {
    match name {
        // No libc and no startup code: exec's cost, not glibc's start.
        "true_static" => &["-nostdlib"],
        "futex_pingpong" | "epoll_pingpong" | "epoll_wakeup" | "idle_epoll" => &["-pthread"],
        _ => &[],
    }
}

/// Builds `tests/bench/NAME.c` into `target/bench/NAME` unless the binary is
/// newer than the source. Compiles to a temporary name and renames, so a
/// concurrent run never executes a half-written binary.
fn build(name: &str) -> Result<PathBuf, String> {
    let ws = workspace_dir();
    let src = ws.join("tests/bench").join(format!("{name}.c"));
    let out_dir = ws.join("target/bench");
    let out = out_dir.join(name);
    let mtime = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let src_time =
        mtime(&src).ok_or_else(|| format!("cannot read {}: is this a checkout?", src.display()))?;
    if mtime(&out).is_some_and(|t| t >= src_time) {
        return Ok(out);
    }
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| format!("creating {}: {e}", out_dir.display()))?;
    let tmp = out_dir.join(format!(".{name}.{}", std::process::id()));
    let result = Command::new("gcc")
        .args(["-static", "-O2", "-Wall", "-Werror"])
        .args(extra_flags(name))
        .arg("-o")
        .arg(&tmp)
        .arg(&src)
        .output()
        .map_err(|e| format!("running gcc: {e} (install gcc)"))?;
    if !result.status.success() {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!(
            "gcc failed on {}:\n{}",
            src.display(),
            String::from_utf8_lossy(&result.stderr)
        ));
    }
    std::fs::rename(&tmp, &out).map_err(|e| format!("renaming to {}: {e}", out.display()))?;
    Ok(out)
}

/// Runs one program to completion and returns its stdout; any failure
/// (spawn error, timeout, non-zero status) is an error naming `what`.
fn run(what: &str, mut cmd: Command) -> Result<String, String> {
    let out = run_with_timeout(&mut cmd, None, TIMEOUT)
        .map_err(|e| format!("{what}: cannot spawn: {e}"))?;
    if out.code() != Some(0) {
        let stderr = out.stderr_str();
        return Err(format!(
            "{what}: {}; stderr: {:?}",
            out.describe_status(),
            stderr.trim_end()
        ));
    }
    Ok(out.stdout_str())
}

/// The value of `key=VALUE` in a program's output.
fn field(what: &str, output: &str, key: &str) -> Result<f64, String> {
    output
        .split_whitespace()
        .find_map(|tok| tok.strip_prefix(key)?.strip_prefix('='))
        .and_then(|v| v.parse::<f64>().ok())
        .ok_or_else(|| format!("{what}: no {key}= in its output: {output:?}"))
}

/// Wall time from spawn to reap of one run, which must exit 0. A watchdog
/// kills it after [`TIMEOUT`]: a hung sandbox must not hang the harness.
/// (Not `run_with_timeout`: its polling would blur a millisecond figure.)
fn time_to_exit(what: &str, cmd: &mut Command) -> Result<f64, String> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("{what}: cannot spawn: {e}"))?;
    let (done, watch) = mpsc::channel::<()>();
    let pid = child.id().to_string();
    let watchdog = thread::spawn(move || {
        if watch.recv_timeout(TIMEOUT) == Err(mpsc::RecvTimeoutError::Timeout) {
            let _ = Command::new("kill").args(["-s", "KILL", &pid]).status();
        }
    });
    let status = child.wait();
    let elapsed = start.elapsed();
    let _ = done.send(());
    let _ = watchdog.join();
    let status = status.map_err(|e| format!("{what}: wait: {e}"))?;
    if !status.success() {
        return Err(format!("{what}: {status} (after {elapsed:?})"));
    }
    Ok(elapsed.as_secs_f64() * 1e3)
}

fn start_to_exit(runsc: &Path, dir: &Path, p: Params) -> Row {
    let native = || {
        let mut cmd = Command::new(BUSYBOX);
        cmd.arg("true").current_dir(dir);
        time_to_exit("busybox true", &mut cmd)
    };
    let sandbox = || {
        let mut cmd = runsc_do_with(runsc, PLATFORM, &[BUSYBOX, "true"]);
        cmd.current_dir(dir);
        time_to_exit("runsc do busybox true", &mut cmd)
    };
    let (mut n, mut s) = (Samples::new(), Samples::new());
    if !Path::new(BUSYBOX).is_file() {
        let err = format!("{BUSYBOX} is missing (install busybox-static)");
        n.push(Err(err.clone()));
        s.push(Err(err));
    }
    for i in 0..p.start_warmups + p.start_runs {
        let (a, b) = (native(), sandbox());
        if i >= p.start_warmups || a.is_err() || b.is_err() {
            n.push(a);
            s.push(b);
        }
    }
    Row {
        name: format!(
            "start-to-exit, busybox true (ms, median of {})",
            p.start_runs
        ),
        native: n.reduce(median),
        sandbox: s.reduce(median),
        decimals: 2,
        target: Target::SandboxAtMost(40.0, "ms"),
    }
}

/// The getppid rows: native vs sandbox, and sandbox vs the ptrace floor.
fn syscalls(runsc: &Path, dir: &Path, p: Params) -> [Row; 2] {
    let built = build("getppid").and_then(|g| Ok((g, build("ptrace_floor")?)));
    let (mut n, mut s, mut f) = (Samples::new(), Samples::new(), Samples::new());
    match built {
        Err(e) => {
            n.push(Err(e.clone()));
            s.push(Err(e.clone()));
            f.push(Err(e));
        }
        Ok((getppid, floor)) => {
            let count = p.syscalls.to_string();
            for _ in 0..p.syscall_runs {
                let mut cmd = Command::new(&getppid);
                cmd.arg(&count).current_dir(dir);
                n.push(
                    run("getppid (native)", cmd)
                        .and_then(|o| field("getppid", &o, "ns_per_call"))
                        .map(|ns| ns / 1e3),
                );

                let mut cmd = Command::new("taskset");
                cmd.args(["-c", "0"])
                    .arg(&floor)
                    .arg(&count)
                    .current_dir(dir);
                f.push(
                    run("taskset -c 0 ptrace_floor", cmd)
                        .and_then(|o| field("ptrace_floor", &o, "us_per_syscall")),
                );

                let mut cmd =
                    runsc_do_with(runsc, PLATFORM, &[getppid.as_os_str(), count.as_ref()]);
                cmd.current_dir(dir);
                s.push(
                    run("getppid (sandbox)", cmd)
                        .and_then(|o| field("getppid", &o, "ns_per_call"))
                        .map(|ns| ns / 1e3),
                );
            }
        }
    }
    let sandbox = s.reduce(median);
    let runs = median_of(p.syscall_runs);
    [
        Row {
            name: format!("getppid round trip (µs/call, {} calls{runs})", p.syscalls),
            native: n.reduce(median),
            sandbox: sandbox.clone(),
            decimals: 3,
            target: Target::None,
        },
        Row {
            name: format!("getppid vs same-CPU ptrace floor (µs; native column = floor{runs})"),
            native: f.reduce(median),
            sandbox,
            decimals: 3,
            target: Target::RatioAtMost(1.3, "floor"),
        },
    ]
}

/// ", median of N" for a row's name; nothing for one run.
fn median_of(runs: usize) -> String {
    match runs {
        1 => String::new(),
        r => format!(", median of {r}"),
    }
}

/// A C program's run on both sides: `prefix` (e.g. `taskset -c 0`, native
/// side only) `bin args...`, which must report `count_key=count` (the work
/// asked for) and whose figure is `key`.
struct Workload<'a> {
    bin: Result<PathBuf, String>,
    args: Vec<OsString>,
    native_prefix: &'a [&'a str],
    count_key: &'a str,
    count: u64,
    key: &'a str,
}

impl Workload<'_> {
    /// `runs` runs on each side, alternating native and sandbox so both see
    /// the same noise; returns the (native, sandbox) samples of `key`.
    fn measure(&self, runsc: &Path, dir: &Path, runs: usize) -> (Samples, Samples) {
        let (mut n, mut s) = (Samples::new(), Samples::new());
        let bin = match &self.bin {
            Ok(bin) => bin,
            Err(e) => {
                n.push(Err(e.clone()));
                s.push(Err(e.clone()));
                return (n, s);
            }
        };
        let name = bin
            .file_name()
            .map_or_else(|| bin.display().to_string(), |f| f.to_string_lossy().into());
        let figure = |what: &str, cmd: Command| {
            let out = run(what, cmd)?;
            let done = field(what, &out, self.count_key)?;
            if done != self.count as f64 {
                return Err(format!(
                    "{what} reported {}={done}, asked for {}",
                    self.count_key, self.count
                ));
            }
            field(what, &out, self.key)
        };
        for _ in 0..runs {
            let mut cmd = match self.native_prefix.split_first() {
                Some((first, rest)) => {
                    let mut cmd = Command::new(first);
                    cmd.args(rest).arg(bin);
                    cmd
                }
                None => Command::new(bin),
            };
            cmd.args(&self.args).current_dir(dir);
            let what = match self.native_prefix {
                [] => format!("{name} (native)"),
                prefix => format!("{} {name} (native)", prefix.join(" ")),
            };
            n.push(figure(&what, cmd));

            let mut program = vec![bin.as_os_str().to_owned()];
            program.extend(self.args.iter().cloned());
            let mut cmd = runsc_do_with(runsc, PLATFORM, &program);
            cmd.current_dir(dir);
            s.push(figure(&format!("{name} (sandbox)"), cmd));
        }
        (n, s)
    }
}

fn fork_wait(runsc: &Path, dir: &Path, p: Params) -> Row {
    let work = Workload {
        bin: build("fork_wait"),
        args: vec![p.forks.to_string().into()],
        native_prefix: &[],
        count_key: "forks",
        count: p.forks,
        key: "forks_per_s",
    };
    let (n, s) = work.measure(runsc, dir, p.fork_runs);
    Row {
        name: format!(
            "fork+exit+wait (forks/s, {} forks{})",
            p.forks,
            median_of(p.fork_runs)
        ),
        native: n.reduce(median),
        sandbox: s.reduce(median),
        decimals: 0,
        target: Target::None,
    }
}

fn fork_exec(runsc: &Path, dir: &Path, p: Params) -> Row {
    let built = build("fork_exec").and_then(|b| Ok((b, build("true_static")?)));
    let (bin, args) = match built {
        Ok((bin, child)) => (
            Ok(bin),
            vec![child.into_os_string(), p.execs.to_string().into()],
        ),
        Err(e) => (Err(e), Vec::new()),
    };
    let work = Workload {
        bin,
        args,
        native_prefix: &[],
        count_key: "execs",
        count: p.execs,
        key: "execs_per_s",
    };
    let (n, s) = work.measure(runsc, dir, p.exec_runs);
    Row {
        name: format!(
            "fork+exec+wait, static true (execs/s, {} execs{})",
            p.execs,
            median_of(p.exec_runs)
        ),
        native: n.reduce(median),
        sandbox: s.reduce(median),
        decimals: 0,
        target: Target::RatioAtLeast(0.1, "native"),
    }
}

/// Futex calls in one ping-pong round trip: each thread makes one WAKE and
/// one WAIT.
const FUTEX_CALLS_PER_ROUND_TRIP: u32 = 4;

/// Futex ping-pong; `floor` is the same-CPU ptrace floor (µs per syscall)
/// measured for the getppid row. Neither side is pinned: the sandbox
/// spreads task threads over its CPUs as the host spreads native threads
/// (see docs/benchmarks.md).
fn futex_pingpong(runsc: &Path, dir: &Path, p: Params, floor: Option<f64>) -> Row {
    let work = Workload {
        bin: build("futex_pingpong"),
        args: vec![p.futex_round_trips.to_string().into()],
        native_prefix: &[],
        count_key: "round_trips",
        count: p.futex_round_trips,
        key: "us_per_round_trip",
    };
    let (n, s) = work.measure(runsc, dir, p.futex_runs);
    Row {
        name: format!(
            "futex ping-pong, 2 threads (µs/round trip, {} round trips{})",
            p.futex_round_trips,
            median_of(p.futex_runs)
        ),
        native: n.reduce(median),
        sandbox: s.reduce(median),
        decimals: 3,
        target: Target::FloorMultiple {
            factor: 3.0,
            calls: FUTEX_CALLS_PER_ROUND_TRIP,
            floor,
        },
    }
}

/// Syscalls per epoll ping-pong round trip (write, epoll_wait, read on
/// each side).
const EPOLL_CALLS_PER_ROUND_TRIP: u32 = 6;
const EPOLL_ROUND_TRIPS: u64 = 5000;

/// epoll_wait wake-up latency through eventfds between two threads.
fn epoll_pingpong(runsc: &Path, dir: &Path, p: Params, floor: Option<f64>) -> Row {
    let work = Workload {
        bin: build("epoll_pingpong"),
        args: vec![EPOLL_ROUND_TRIPS.to_string().into()],
        native_prefix: &[],
        count_key: "round_trips",
        count: EPOLL_ROUND_TRIPS,
        key: "us_per_round_trip",
    };
    let (n, s) = work.measure(runsc, dir, p.futex_runs);
    Row {
        name: format!(
            "epoll_wait ping-pong via eventfd, 2 threads (µs/round trip, {} round trips{})",
            EPOLL_ROUND_TRIPS,
            median_of(p.futex_runs)
        ),
        native: n.reduce(median),
        sandbox: s.reduce(median),
        decimals: 3,
        target: Target::FloorMultiple {
            factor: 3.0,
            calls: EPOLL_CALLS_PER_ROUND_TRIP,
            floor,
        },
    }
}

/// Rounds of the one-way wake-up latency program per run.
const WAKEUP_ROUNDS: u64 = 2000;

/// One-way epoll_wait wake-up latency through an eventfd
/// (`tests/bench/epoll_wakeup.c`): median of (B's stamp after epoll_wait
/// returns − A's stamp before write), against the same-CPU ptrace floor.
/// Two rows: as the host places the threads (the sandbox pins each task's
/// sentry thread and stub to one CPU, round robin over both), and with
/// both sides confined to CPU 0 (`taskset -c 0` before the program, or
/// before `runsc do`), where no wake-up crosses CPUs.
fn epoll_wakeup(runsc: &Path, dir: &Path, p: Params, floor: Option<f64>) -> [Row; 2] {
    let bin = build("epoll_wakeup");
    let rounds = WAKEUP_ROUNDS.to_string();
    let figure = |what: &str, cmd: Command| {
        let out = run(what, cmd)?;
        let done = field(what, &out, "rounds")?;
        if done != WAKEUP_ROUNDS as f64 {
            return Err(format!("{what} reported rounds={done}, asked for {rounds}"));
        }
        field(what, &out, "median_us")
    };
    let mut sides: [(Samples, Samples); 2] = [
        (Samples::new(), Samples::new()),
        (Samples::new(), Samples::new()),
    ];
    for (i, (n, s)) in sides.iter_mut().enumerate() {
        let bin = match &bin {
            Ok(b) => b,
            Err(e) => {
                n.push(Err(e.clone()));
                s.push(Err(e.clone()));
                continue;
            }
        };
        let pinned = i == 1;
        for _ in 0..p.futex_runs {
            let mut cmd = if pinned {
                let mut c = Command::new("taskset");
                c.args(["-c", "0"]).arg(bin);
                c
            } else {
                Command::new(bin)
            };
            cmd.arg(&rounds).current_dir(dir);
            n.push(figure("epoll_wakeup (native)", cmd));
            let sandbox = runsc_do_with(runsc, PLATFORM, &[bin.as_os_str(), rounds.as_ref()]);
            let mut cmd = if pinned {
                let mut c = Command::new("taskset");
                c.args(["-c", "0"]).arg(sandbox.get_program());
                c.args(sandbox.get_args());
                c
            } else {
                sandbox
            };
            cmd.current_dir(dir);
            s.push(figure("epoll_wakeup (sandbox)", cmd));
        }
    }
    let runs = median_of(p.futex_runs);
    let [(n0, s0), (n1, s1)] = sides;
    let target = Target::FloorMultiple {
        factor: 3.0,
        calls: 1,
        floor,
    };
    [
        Row {
            name: format!(
                "epoll_wait wake-up latency via eventfd, one way (µs, median of {WAKEUP_ROUNDS} rounds{runs})"
            ),
            native: n0.reduce(median),
            sandbox: s0.reduce(median),
            decimals: 3,
            target,
        },
        Row {
            name: format!(
                "  same, everything on CPU 0 (taskset -c 0; µs, median of {WAKEUP_ROUNDS} rounds{runs})"
            ),
            native: n1.reduce(median),
            sandbox: s1.reduce(median),
            decimals: 3,
            target,
        },
    ]
}

/// Pipes (read ends) in one poll() call.
const POLL_PIPES: u64 = 1000;

/// poll() over 1,000 pipe read ends of which one is readable
/// (`tests/bench/poll_pipes.c`).
fn poll_pipes(runsc: &Path, dir: &Path, p: Params) -> Row {
    let calls = (p.signals / 10).max(100);
    let work = Workload {
        bin: build("poll_pipes"),
        args: vec![POLL_PIPES.to_string().into(), calls.to_string().into()],
        native_prefix: &[],
        count_key: "calls",
        count: calls,
        key: "us_per_call",
    };
    let (n, s) = work.measure(runsc, dir, p.signal_runs);
    Row {
        name: format!(
            "poll() on {POLL_PIPES} pipes, 1 readable (µs/call, {calls} calls{})",
            median_of(p.signal_runs)
        ),
        native: n.reduce(median),
        sandbox: s.reduce(median),
        decimals: 1,
        target: Target::None,
    }
}

/// Idle threads blocked in epoll_wait, and how long their CPU use is
/// sampled.
const IDLE_THREADS: u64 = 1000;
const IDLE_SAMPLE: Duration = Duration::from_secs(5);

/// (utime + stime) in clock ticks of every process in `pids`, from
/// /proc/PID/stat (which counts all the process's threads); gone
/// processes count nothing.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the comm, which ends at the last ')': state is the
    // first, utime the 12th and stime the 13th.
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// `root` and every process descending from it (the sandbox: runsc, its
/// sentry, gofer and stub processes).
fn descendants(root: u32) -> Vec<u32> {
    let mut parent = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            let ppid = stat
                .rfind(')')
                .and_then(|i| stat[i + 1..].split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            if let Some(ppid) = ppid {
                parent.push((pid, ppid));
            }
        }
    }
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let p = out[i];
        out.extend(parent.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    out
}

/// Clock ticks per second (`getconf CLK_TCK`; Linux's USER_HZ is 100).
fn clock_ticks_per_s() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .parse::<f64>()
                .ok()
        })
        .filter(|t| *t > 0.0)
        .unwrap_or(100.0)
}

/// Runs `tests/bench/idle_epoll.c` (via `cmd`), waits until its threads
/// are all blocked, then returns the CPU time (ms) the process and all its
/// descendants used over [`IDLE_SAMPLE`].
fn idle_cpu(what: &str, mut cmd: Command) -> Result<f64, String> {
    use std::io::BufRead;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("{what}: cannot spawn: {e}"))?;
    let stdout = child.stdout.take();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut line = String::new();
        if let Some(out) = stdout {
            let _ = std::io::BufReader::new(out).read_line(&mut line);
        }
        let _ = tx.send(line);
    });
    let result = (|| {
        let line = rx
            .recv_timeout(TIMEOUT)
            .map_err(|_| format!("{what}: no ready line"))?;
        if !line.contains("ready") {
            return Err(format!("{what}: said {line:?}, not ready"));
        }
        // The last thread counted itself just before epoll_wait.
        thread::sleep(Duration::from_millis(500));
        let pids = descendants(child.id());
        let before: Vec<Option<u64>> = pids.iter().map(|&p| cpu_ticks(p)).collect();
        thread::sleep(IDLE_SAMPLE);
        let mut ticks = 0;
        for (&pid, b) in pids.iter().zip(before) {
            if let (Some(b), Some(a)) = (b, cpu_ticks(pid)) {
                ticks += a.saturating_sub(b);
            }
        }
        Ok(ticks as f64 * 1e3 / clock_ticks_per_s())
    })();
    if result.is_err() {
        let _ = child.kill();
    }
    let status = child.wait().map_err(|e| format!("{what}: wait: {e}"))?;
    let ms = result?;
    if !status.success() {
        return Err(format!("{what}: {status}"));
    }
    Ok(ms)
}

/// CPU time used by 1,000 threads blocked in epoll_wait on never-ready
/// eventfds over 5 s, native vs the whole sandbox (runsc, sentry, gofer
/// and stub processes, from the host's /proc).
fn idle_threads(runsc: &Path, dir: &Path) -> Row {
    let secs = (IDLE_SAMPLE.as_secs() + 3).to_string();
    let threads = IDLE_THREADS.to_string();
    let (native, sandbox) = match build("idle_epoll") {
        Err(e) => (Err(e.clone()), Err(e)),
        Ok(bin) => {
            let mut cmd = Command::new(&bin);
            cmd.args([&threads, &secs]).current_dir(dir);
            let native = idle_cpu("idle_epoll (native)", cmd);
            let mut cmd = runsc_do_with(
                runsc,
                PLATFORM,
                &[bin.as_os_str(), threads.as_ref(), secs.as_ref()],
            );
            cmd.current_dir(dir);
            (native, idle_cpu("idle_epoll (sandbox)", cmd))
        }
    };
    Row {
        name: format!(
            "{IDLE_THREADS} idle threads in epoll_wait: CPU time over {} s (ms, all processes)",
            IDLE_SAMPLE.as_secs()
        ),
        native,
        sandbox,
        decimals: 0,
        target: Target::SandboxAtMost(30.0, "ms (3 ticks)"),
    }
}

fn signal_roundtrip(runsc: &Path, dir: &Path, p: Params) -> Row {
    let work = Workload {
        bin: build("signal_roundtrip"),
        args: vec![p.signals.to_string().into()],
        native_prefix: &[],
        count_key: "signals",
        count: p.signals,
        key: "us_per_signal",
    };
    let (n, s) = work.measure(runsc, dir, p.signal_runs);
    Row {
        name: format!(
            "signal to self, kill+handler+sigreturn (µs/round trip, {} signals{})",
            p.signals,
            median_of(p.signal_runs)
        ),
        native: n.reduce(median),
        sandbox: s.reduce(median),
        decimals: 3,
        target: Target::None,
    }
}

/// Pty throughput (issue #5, `tests/bench/pty_throughput.c`): a child
/// writes to a raw-mode slave, the parent reads the master; MiB/s, the
/// median of 5 runs (3 quick) of 64 MiB (16 quick).
fn pty_throughput(runsc: &Path, dir: &Path, quick: bool) -> Row {
    let (mib, runs) = if quick { (16, 3) } else { (64, 5) };
    let work = Workload {
        bin: build("pty_throughput"),
        args: vec![mib.to_string().into()],
        native_prefix: &[],
        count_key: "mib",
        count: mib,
        key: "mib_per_s",
    };
    let (n, s) = work.measure(runsc, dir, runs);
    Row {
        name: format!(
            "pty slave write -> master read (MiB/s, {mib} MiB{})",
            median_of(runs)
        ),
        native: n.reduce(median),
        sandbox: s.reduce(median),
        decimals: 1,
        target: Target::None,
    }
}

/// Writes `mib` MiB of xorshift64 output to `path`: incompressible, and
/// cheaper to make than reading /dev/urandom.
fn write_pattern_file(path: &Path, mib: u64) -> Result<(), String> {
    let err = |e: std::io::Error| format!("writing {}: {e}", path.display());
    let mut file = File::create(path).map_err(err)?;
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut chunk = vec![0u8; 1 << 20];
    for _ in 0..mib {
        for word in chunk.chunks_exact_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            word.copy_from_slice(&state.to_le_bytes());
        }
        file.write_all(&chunk).map_err(err)?;
    }
    file.sync_all().map_err(err)
}

/// Reads the whole file once, so the timed runs find it in the page cache.
fn warm(path: &Path) -> Result<(), String> {
    let err = |e: std::io::Error| format!("reading {}: {e}", path.display());
    let mut file = File::open(path).map_err(err)?;
    let mut chunk = vec![0u8; 1 << 20];
    while file.read(&mut chunk).map_err(err)? > 0 {}
    Ok(())
}

fn read_file(runsc: &Path, dir: &Path, p: Params) -> Row {
    let (mut n, mut s) = (Samples::new(), Samples::new());
    let data = dir.join("data");
    let setup = build("readfile").and_then(|bin| {
        write_pattern_file(&data, p.file_mib)?;
        warm(&data)?;
        Ok(bin)
    });
    match setup {
        Err(e) => {
            n.push(Err(e.clone()));
            s.push(Err(e));
        }
        Ok(bin) => {
            let size = p.file_mib << 20;
            let throughput = |what: &str, cmd: Command| {
                let out = run(what, cmd)?;
                let bytes = field(what, &out, "bytes")?;
                if bytes != size as f64 {
                    return Err(format!("{what} read {bytes} bytes of {size}"));
                }
                field(what, &out, "mb_per_s")
            };
            for _ in 0..p.read_runs {
                let mut cmd = Command::new(&bin);
                cmd.arg(&data).current_dir(dir);
                n.push(throughput("readfile (native)", cmd));
                let mut cmd = runsc_do_with(runsc, PLATFORM, &[bin.as_os_str(), data.as_os_str()]);
                cmd.current_dir(dir);
                s.push(throughput("readfile (sandbox)", cmd));
            }
        }
    }
    let _ = std::fs::remove_file(&data);
    Row {
        name: format!(
            "read {} MiB file in 1 MiB reads (MB/s, best of {})",
            p.file_mib, p.read_runs
        ),
        native: n.reduce(|v| best(v)),
        sandbox: s.reduce(|v| best(v)),
        decimals: 0,
        target: Target::RatioAtLeast(0.5, "native"),
    }
}

/// Pushes the i-th figure of each run into the i-th `Samples`.
fn push_all(samples: &mut [Samples], figures: Result<Vec<f64>, String>) {
    for (i, s) in samples.iter_mut().enumerate() {
        s.push(figures.as_ref().map(|f| f[i]).map_err(Clone::clone));
    }
}

/// Checks that a fileio run did all the work asked for: `bytes=` (if
/// `bytes` is given) and `reads=`.
fn checked_fileio(
    what: &str,
    cmd: Command,
    keys: &[&str],
    bytes: Option<u64>,
    reads: Option<u64>,
) -> Result<Vec<f64>, String> {
    let out = run(what, cmd)?;
    for (key, want) in [("bytes", bytes), ("reads", reads)] {
        if let Some(want) = want {
            let got = field(what, &out, key)?;
            if got != want as f64 {
                return Err(format!("{what}: {key}={got}, asked for {want}"));
            }
        }
    }
    keys.iter().map(|k| field(what, &out, k)).collect()
}

/// A fresh path on the host's tmpfs (/dev/shm), for the native side of the
/// tmpfs rows: the sandbox's /tmp is its overlay's tmpfs upper layer.
fn host_tmpfs_path(what: &str) -> PathBuf {
    PathBuf::from("/dev/shm").join(rvisor_tests::unique_name(&format!("rvisor-bench-{what}")))
}

/// Sequential write, sequential read and 4 KiB random reads of a file
/// created by the program itself: natively on the host's tmpfs, in the
/// sandbox in /tmp (the overlay's tmpfs upper layer).
fn tmpfs_io(runsc: &Path, dir: &Path, p: Params) -> [Row; 3] {
    let mut samples = [Samples::new(), Samples::new(), Samples::new()];
    let mut sandbox = [Samples::new(), Samples::new(), Samples::new()];
    let keys = ["write_mb_per_s", "read_mb_per_s", "reads_per_s"];
    let (mib, reads) = (p.big_file_mib.to_string(), p.random_reads.to_string());
    let bytes = Some(p.big_file_mib << 20);
    match build("fileio") {
        Err(e) => {
            push_all(&mut samples, Err(e.clone()));
            push_all(&mut sandbox, Err(e));
        }
        Ok(bin) => {
            for _ in 0..p.io_runs {
                let host = host_tmpfs_path("io");
                let mut cmd = Command::new(&bin);
                cmd.arg("all")
                    .arg(&host)
                    .args([&mib, &reads])
                    .current_dir(dir);
                let figs = checked_fileio("fileio all (native)", cmd, &keys, bytes, None);
                let _ = std::fs::remove_file(&host);
                push_all(&mut samples, figs);

                let program = [
                    bin.as_os_str(),
                    "all".as_ref(),
                    "/tmp/rvisor-bench-io".as_ref(),
                ];
                let mut program: Vec<OsString> = program.iter().map(|s| s.into()).collect();
                program.extend([mib.clone().into(), reads.clone().into()]);
                let mut cmd = runsc_do_with(runsc, PLATFORM, &program);
                cmd.current_dir(dir);
                push_all(
                    &mut sandbox,
                    checked_fileio("fileio all (sandbox)", cmd, &keys, bytes, None),
                );
            }
        }
    }
    let [nw, nr, nx] = samples;
    let [sw, sr, sx] = sandbox;
    let runs = best_of(p.io_runs);
    [
        Row {
            name: format!(
                "tmpfs: write {} MiB in 1 MiB writes (MB/s{runs})",
                p.big_file_mib
            ),
            native: nw.reduce(|v| best(v)),
            sandbox: sw.reduce(|v| best(v)),
            decimals: 0,
            target: Target::RatioAtLeast(0.7, "native"),
        },
        Row {
            name: format!(
                "tmpfs: read {} MiB in 1 MiB reads (MB/s{runs})",
                p.big_file_mib
            ),
            native: nr.reduce(|v| best(v)),
            sandbox: sr.reduce(|v| best(v)),
            decimals: 0,
            target: Target::RatioAtLeast(0.7, "native"),
        },
        Row {
            name: format!(
                "tmpfs: 4 KiB random reads (reads/s, {} reads{runs})",
                p.random_reads
            ),
            native: nx.reduce(|v| best(v)),
            sandbox: sx.reduce(|v| best(v)),
            decimals: 0,
            target: Target::RatioAtLeast(0.12, "native (2 × gVisor's 0.06)"),
        },
    ]
}

/// ", best of N" for a row's name; nothing for one run.
fn best_of(runs: usize) -> String {
    match runs {
        1 => String::new(),
        r => format!(", best of {r}"),
    }
}

/// Sequential and 4 KiB random reads of a page-cached host file created
/// before the run: in the sandbox it is a file of the gofer's lower layer,
/// read through the host FD the gofer donates.
fn gofer_io(runsc: &Path, dir: &Path, p: Params) -> [Row; 2] {
    let (mut n, mut s) = (
        [Samples::new(), Samples::new()],
        [Samples::new(), Samples::new()],
    );
    let data = dir.join("gofer-data");
    let setup = build("fileio").and_then(|bin| {
        write_pattern_file(&data, p.big_file_mib)?;
        warm(&data)?;
        Ok(bin)
    });
    match setup {
        Err(e) => {
            push_all(&mut n, Err(e.clone()));
            push_all(&mut s, Err(e));
        }
        Ok(bin) => {
            let reads = p.random_reads.to_string();
            let (bytes, count) = (Some(p.big_file_mib << 20), Some(p.random_reads));
            for _ in 0..p.io_runs {
                let both = |side: &str, read: Command, rand: Command| {
                    let r = checked_fileio(
                        &format!("fileio read ({side})"),
                        read,
                        &["read_mb_per_s"],
                        bytes,
                        None,
                    )?;
                    let x = checked_fileio(
                        &format!("fileio rand ({side})"),
                        rand,
                        &["reads_per_s"],
                        None,
                        count,
                    )?;
                    Ok(vec![r[0], x[0]])
                };
                let mut read = Command::new(&bin);
                read.arg("read").arg(&data).current_dir(dir);
                let mut rand = Command::new(&bin);
                rand.arg("rand").arg(&data).arg(&reads).current_dir(dir);
                push_all(&mut n, both("native", read, rand));

                let mut read = runsc_do_with(
                    runsc,
                    PLATFORM,
                    &[bin.as_os_str(), "read".as_ref(), data.as_os_str()],
                );
                read.current_dir(dir);
                let mut rand = runsc_do_with(
                    runsc,
                    PLATFORM,
                    &[
                        bin.as_os_str(),
                        "rand".as_ref(),
                        data.as_os_str(),
                        reads.as_ref(),
                    ],
                );
                rand.current_dir(dir);
                push_all(&mut s, both("sandbox", read, rand));
            }
        }
    }
    let _ = std::fs::remove_file(&data);
    let [nr, nx] = n;
    let [sr, sx] = s;
    let runs = best_of(p.io_runs);
    [
        Row {
            name: format!(
                "gofer lower: read {} MiB host file in 1 MiB reads (MB/s{runs})",
                p.big_file_mib
            ),
            native: nr.reduce(|v| best(v)),
            sandbox: sr.reduce(|v| best(v)),
            decimals: 0,
            target: Target::RatioAtLeast(0.8, "native"),
        },
        Row {
            name: format!(
                "gofer lower: 4 KiB random reads (reads/s, {} reads{runs})",
                p.random_reads
            ),
            native: nx.reduce(|v| best(v)),
            sandbox: sx.reduce(|v| best(v)),
            decimals: 0,
            target: Target::None,
        },
    ]
}

/// Whether this runsc has `runsc do --volume` (bind mounts).
fn has_volume_flag(runsc: &Path) -> bool {
    Command::new(runsc)
        .args(["do", "--help"])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout).contains("--volume")
                || String::from_utf8_lossy(&o.stderr).contains("--volume")
        })
        .unwrap_or(false)
}

/// Sequential write and read of a file on a rw bind mount of a host
/// directory at the same path (`runsc do --volume DIR:DIR`), against the
/// same directory natively. `None` (rows left out) if runsc has no
/// `--volume`.
fn bind_io(runsc: &Path, dir: &Path, p: Params) -> Option<[Row; 2]> {
    if !has_volume_flag(runsc) {
        eprintln!(
            "bench: skipping the bind mount rows: {} do has no --volume flag",
            runsc.display()
        );
        return None;
    }
    let (mut n, mut s) = (
        [Samples::new(), Samples::new()],
        [Samples::new(), Samples::new()],
    );
    let keys = ["write_mb_per_s", "read_mb_per_s"];
    let vol = dir.join("volume");
    let setup = build("fileio").and_then(|bin| {
        std::fs::create_dir_all(&vol).map_err(|e| format!("creating {}: {e}", vol.display()))?;
        Ok(bin)
    });
    match setup {
        Err(e) => {
            push_all(&mut n, Err(e.clone()));
            push_all(&mut s, Err(e));
        }
        Ok(bin) => {
            let (mib, reads) = (p.big_file_mib.to_string(), "1".to_string());
            let bytes = Some(p.big_file_mib << 20);
            let mount = format!("{0}:{0}", vol.display());
            let data = vol.join("data");
            for _ in 0..p.io_runs {
                let mut cmd = Command::new(&bin);
                cmd.arg("all")
                    .arg(&data)
                    .args([&mib, &reads])
                    .current_dir(dir);
                push_all(
                    &mut n,
                    checked_fileio("fileio all (native)", cmd, &keys, bytes, None),
                );
                let program: [&OsStr; 5] = [
                    bin.as_os_str(),
                    "all".as_ref(),
                    data.as_os_str(),
                    mib.as_ref(),
                    reads.as_ref(),
                ];
                let mut cmd =
                    runsc_do_with(runsc, &[PLATFORM, &["--volume", &mount]].concat(), &program);
                cmd.current_dir(dir);
                push_all(
                    &mut s,
                    checked_fileio("fileio all (sandbox)", cmd, &keys, bytes, None),
                );
            }
        }
    }
    let _ = std::fs::remove_dir_all(&vol);
    let [nw, nr] = n;
    let [sw, sr] = s;
    let runs = best_of(p.io_runs);
    Some([
        Row {
            name: format!(
                "rw bind mount: write {} MiB in 1 MiB writes (MB/s{runs})",
                p.big_file_mib
            ),
            native: nw.reduce(|v| best(v)),
            sandbox: sw.reduce(|v| best(v)),
            decimals: 0,
            target: Target::None,
        },
        Row {
            name: format!(
                "rw bind mount: read {} MiB in 1 MiB reads (MB/s{runs})",
                p.big_file_mib
            ),
            native: nr.reduce(|v| best(v)),
            sandbox: sr.reduce(|v| best(v)),
            decimals: 0,
            target: Target::RatioAtLeast(0.8, "native"),
        },
    ])
}

/// create+stat+unlink of many small files: natively on the host's tmpfs,
/// in the sandbox in /tmp (the overlay's tmpfs upper layer).
fn many_files(runsc: &Path, dir: &Path, p: Params) -> Row {
    let (mut n, mut s) = (Samples::new(), Samples::new());
    let count = p.small_files.to_string();
    match build("manyfiles") {
        Err(e) => {
            n.push(Err(e.clone()));
            s.push(Err(e));
        }
        Ok(bin) => {
            let check = |what: &str, cmd: Command| {
                let out = run(what, cmd)?;
                let files = field(what, &out, "files")?;
                if files != p.small_files as f64 {
                    return Err(format!("{what}: files={files}, asked for {count}"));
                }
                field(what, &out, "files_per_s")
            };
            for _ in 0..p.small_file_runs {
                let host = host_tmpfs_path("files");
                let mut cmd = Command::new(&bin);
                cmd.arg(&host).arg(&count).current_dir(dir);
                n.push(check("manyfiles (native)", cmd));
                let _ = std::fs::remove_dir_all(&host);
                let program: [&OsStr; 3] = [
                    bin.as_os_str(),
                    "/tmp/rvisor-bench-files".as_ref(),
                    count.as_ref(),
                ];
                let mut cmd = runsc_do_with(runsc, PLATFORM, &program);
                cmd.current_dir(dir);
                s.push(check("manyfiles (sandbox)", cmd));
            }
        }
    }
    Row {
        name: format!(
            "tmpfs: create+stat+unlink of {} small files (files/s{})",
            p.small_files,
            median_of(p.small_file_runs)
        ),
        native: n.reduce(median),
        sandbox: s.reduce(median),
        decimals: 0,
        target: Target::RatioAtLeast(0.25, "native"),
    }
}

/// Writes a tree of `mib` MiB of file data under `root`: per MiB, ten
/// 100 KiB files and twenty-four 1 KiB files, in directories of 64 files.
fn write_tree(root: &Path, mib: u64) -> Result<(), String> {
    let err = |p: &Path, e: std::io::Error| format!("writing {}: {e}", p.display());
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut fill = |buf: &mut [u8]| {
        for word in buf.chunks_exact_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            word.copy_from_slice(&state.to_le_bytes());
        }
    };
    let (mut big, mut small) = (vec![0u8; 100 << 10], vec![0u8; 1 << 10]);
    let files = mib * 34;
    for i in 0..files {
        let sub = root.join(format!("d{:03}", i / 64));
        if i % 64 == 0 {
            std::fs::create_dir_all(&sub).map_err(|e| err(&sub, e))?;
        }
        let path = sub.join(format!("f{i:05}"));
        let buf = if i % 34 < 10 { &mut big } else { &mut small };
        fill(buf);
        std::fs::write(&path, &buf[..]).map_err(|e| err(&path, e))?;
    }
    Ok(())
}

/// `tar -x` of an archive of a `tar_mib` MiB tree (made before the run,
/// a host file): natively into the host's tmpfs, in the sandbox into /tmp.
/// Wall time of `sh -c 'mkdir DIR && tar -xf ARCHIVE -C DIR'`.
fn tar_extract(runsc: &Path, dir: &Path, p: Params) -> Row {
    let (mut n, mut s) = (Samples::new(), Samples::new());
    let archive = dir.join("tree.tar");
    let setup = (|| {
        let tree = dir.join("tree");
        write_tree(&tree, p.tar_mib)?;
        let mut cmd = Command::new("tar");
        cmd.arg("-cf").arg(&archive).arg("-C").arg(dir).arg("tree");
        run("tar -c", cmd)?;
        let _ = std::fs::remove_dir_all(&tree);
        warm(&archive)
    })();
    if let Err(e) = setup {
        n.push(Err(e.clone()));
        s.push(Err(e));
    } else {
        let script = |dest: &Path| {
            format!(
                "mkdir {0} && tar -xf {1} -C {0}",
                dest.display(),
                archive.display()
            )
        };
        for _ in 0..p.tar_runs {
            let host = host_tmpfs_path("tar");
            let mut cmd = Command::new("/bin/sh");
            cmd.arg("-c").arg(script(&host)).current_dir(dir);
            n.push(time_to_exit("tar -x (native)", &mut cmd).map(|ms| ms / 1e3));
            let _ = std::fs::remove_dir_all(&host);
            let sandbox_script = script(Path::new("/tmp/rvisor-bench-tar"));
            let mut cmd = runsc_do_with(runsc, PLATFORM, &["/bin/sh", "-c", &sandbox_script]);
            cmd.current_dir(dir);
            s.push(time_to_exit("tar -x (sandbox)", &mut cmd).map(|ms| ms / 1e3));
        }
    }
    let _ = std::fs::remove_file(&archive);
    Row {
        name: format!(
            "tar -x of a {} MiB tree into tmpfs (s{})",
            p.tar_mib,
            median_of(p.tar_runs)
        ),
        native: n.reduce(median),
        sandbox: s.reduce(median),
        decimals: 2,
        target: Target::None,
    }
}

/// The current time in UTC, for the first log line.
fn now_utc() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M:%S UTC"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| {
            let secs = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            format!("{secs} s since the epoch")
        })
}

/// The 1, 5 and 15 minute load averages from /proc/loadavg.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// (busy, total) jiffies of all CPUs, from the first line of /proc/stat.
fn cpu_jiffies() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    let total: u64 = fields.iter().sum();
    // idle and iowait are the fourth and fifth fields.
    let idle = fields.get(3)? + fields.get(4).copied().unwrap_or(0);
    Some((total - idle, total))
}

/// How busy the host's CPUs are while the harness itself idles, in percent.
/// On two CPUs, one other busy process (a compiler, a test run) doubles the
/// start-to-exit figure, so the harness measures and reports it.
fn host_busy_percent() -> Option<f64> {
    let (busy0, total0) = cpu_jiffies()?;
    thread::sleep(Duration::from_millis(500));
    let (busy1, total1) = cpu_jiffies()?;
    let total = total1.checked_sub(total0).filter(|t| *t > 0)?;
    Some(100.0 * busy1.saturating_sub(busy0) as f64 / total as f64)
}

fn main() {
    let mut runsc = None;
    let mut quick = false;
    let mut markdown = false;
    let mut only: Option<Vec<String>> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runsc" => match args.next() {
                Some(p) => runsc = Some(PathBuf::from(p)),
                None => usage_error("--runsc needs a value"),
            },
            _ if arg.starts_with("--runsc=") => runsc = Some(PathBuf::from(&arg[8..])),
            "--quick" => quick = true,
            "--only" => match args.next() {
                Some(g) => only = Some(g.split(',').map(String::from).collect()),
                None => usage_error("--only needs a value"),
            },
            "--markdown" => markdown = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            _ => usage_error(&format!("unknown argument {arg}")),
        }
    }
    let runsc = match runsc.map_or_else(find_runsc, Ok) {
        Ok(p) if p.is_file() => p,
        Ok(p) => fail(&format!("runsc not found at {}", p.display())),
        Err(msg) => fail(&msg),
    };
    let p = if quick { QUICK } else { FULL };

    eprintln!(
        "bench: {} run, {}, runsc {}, load average {}",
        if quick { "quick" } else { "full" },
        now_utc(),
        runsc.display(),
        load_average()
    );
    match host_busy_percent() {
        Some(busy) if busy > 10.0 => eprintln!(
            "bench: warning: the host's CPUs were {busy:.0}% busy before the run: \
             other work is running, and every figure below is skewed by it"
        ),
        Some(busy) => eprintln!("bench: the host's CPUs were {busy:.0}% busy before the run"),
        None => eprintln!("bench: cannot read /proc/stat to check that the host is idle"),
    }
    let dir = TempDir::new("rvisor-bench");
    let want = |group: &str| only.as_ref().is_none_or(|o| o.iter().any(|g| g == group));
    let mut rows = Vec::new();
    if want("start") {
        eprintln!("bench: start-to-exit ...");
        rows.push(start_to_exit(&runsc, dir.path(), p));
    }
    // The futex and epoll rows' targets are multiples of this floor.
    let mut floor = None;
    if want("syscalls") {
        eprintln!("bench: getppid and ptrace floor ...");
        let [getppid, vs_floor] = syscalls(&runsc, dir.path(), p);
        floor = vs_floor.native.as_ref().ok().copied();
        rows.extend([getppid, vs_floor]);
    }
    if want("read") {
        eprintln!("bench: read {} MiB file ...", p.file_mib);
        rows.push(read_file(&runsc, dir.path(), p));
    }
    if want("fork") {
        eprintln!("bench: fork+exit+wait ...");
        rows.push(fork_wait(&runsc, dir.path(), p));
        eprintln!("bench: fork+exec+wait ...");
        rows.push(fork_exec(&runsc, dir.path(), p));
    }
    if want("futex") {
        eprintln!("bench: futex ping-pong ...");
        rows.push(futex_pingpong(&runsc, dir.path(), p, floor));
    }
    if want("epoll") {
        eprintln!("bench: epoll_wait ping-pong ...");
        rows.push(epoll_pingpong(&runsc, dir.path(), p, floor));
        eprintln!("bench: epoll_wait wake-up latency ...");
        rows.extend(epoll_wakeup(&runsc, dir.path(), p, floor));
        eprintln!("bench: poll on {POLL_PIPES} pipes ...");
        rows.push(poll_pipes(&runsc, dir.path(), p));
        eprintln!("bench: {IDLE_THREADS} idle threads in epoll_wait ...");
        rows.push(idle_threads(&runsc, dir.path()));
    }
    if want("signal") {
        eprintln!("bench: signal round trip ...");
        rows.push(signal_roundtrip(&runsc, dir.path(), p));
    }
    if want("pty") {
        eprintln!("bench: pty throughput ...");
        rows.push(pty_throughput(&runsc, dir.path(), quick));
    }
    if want("files") {
        eprintln!("bench: tmpfs file I/O, {} MiB ...", p.big_file_mib);
        rows.extend(tmpfs_io(&runsc, dir.path(), p));
        eprintln!("bench: gofer file I/O, {} MiB ...", p.big_file_mib);
        rows.extend(gofer_io(&runsc, dir.path(), p));
        eprintln!("bench: rw bind mount file I/O ...");
        rows.extend(bind_io(&runsc, dir.path(), p).into_iter().flatten());
        eprintln!("bench: create+stat+unlink of {} files ...", p.small_files);
        rows.push(many_files(&runsc, dir.path(), p));
        eprintln!("bench: tar -x of {} MiB ...", p.tar_mib);
        rows.push(tar_extract(&runsc, dir.path(), p));
    }
    drop(dir);
    // Another process busy on one of the two CPUs skews every figure: say so.
    eprintln!("bench: done, load average {}", load_average());

    print!("{}", render(&rows, markdown));
    let mut errors = String::new();
    for row in &rows {
        for e in [&row.native, &row.sandbox]
            .into_iter()
            .filter_map(|r| r.as_ref().err())
        {
            if !errors.contains(e.as_str()) {
                let _ = writeln!(errors, "bench: {}: {e}", row.name);
            }
        }
    }
    if !errors.is_empty() {
        eprint!("{errors}");
        std::process::exit(1);
    }
}

fn usage_error(msg: &str) -> ! {
    eprintln!("bench: {msg}\n{USAGE}");
    std::process::exit(2)
}

fn fail(msg: &str) -> ! {
    eprintln!("bench: {msg}");
    std::process::exit(1)
}
