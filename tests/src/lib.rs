//! Shared helpers for rvisor's end-to-end tests, syscall suite and benchmarks.
//!
//! Everything here uses only `std`: the tests must not depend on the crates
//! they judge, and they run the real `runsc` binary as a user would.

#![deny(unsafe_code)]

pub mod suite;

use std::ffi::OsStr;
use std::io::{self, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The workspace root (the directory holding the top-level `Cargo.toml`).
pub fn workspace_dir() -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    dir.canonicalize().unwrap_or(dir)
}

/// Where `runsc` is: `$RUNSC` if set, else `<workspace>/target/release/runsc`.
/// Errors (with the hint to build it) if there is no file there.
pub fn find_runsc() -> Result<PathBuf, String> {
    let path = match std::env::var_os("RUNSC") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => workspace_dir().join("target/release/runsc"),
    };
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "runsc not found at {}: build runsc first: cargo build --release -p runsc-cli \
             (or point RUNSC at a runsc binary)",
            path.display()
        ))
    }
}

/// [`find_runsc`] for tests: panics with the hint if it is missing.
pub fn runsc() -> PathBuf {
    find_runsc().unwrap_or_else(|msg| panic!("{msg}"))
}

/// A `runsc do FLAGS... -- PROGRAM...` command for the given runsc binary.
pub fn runsc_do_with<S: AsRef<OsStr>>(runsc: &Path, flags: &[&str], program: &[S]) -> Command {
    let mut cmd = Command::new(runsc);
    cmd.arg("do").args(flags).arg("--").args(program);
    cmd
}

/// `runsc do FLAGS... -- PROGRAM...` with the default runsc (see [`runsc`]).
pub fn runsc_do<S: AsRef<OsStr>>(flags: &[&str], program: &[S]) -> Command {
    runsc_do_with(&runsc(), flags, program)
}

/// What a finished (or killed) command did.
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// `None` only if the command timed out and could not be reaped.
    pub status: Option<ExitStatus>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// The command ran past its timeout and was killed.
    pub timed_out: bool,
    pub elapsed: Duration,
}

impl RunOutput {
    /// The status as a shell reports it: the exit code, or 128+N if signal N
    /// killed it. `None` if it timed out.
    pub fn code(&self) -> Option<i32> {
        if self.timed_out {
            return None;
        }
        self.status.map(shell_code)
    }

    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// A one-line account of how it ended, for messages.
    pub fn describe_status(&self) -> String {
        match (self.timed_out, self.status) {
            (true, _) => format!("timed out after {:.1} s", self.elapsed.as_secs_f64()),
            (false, Some(s)) => describe_status(s),
            (false, None) => "no status".to_string(),
        }
    }

    /// A multi-line dump of status, stdout and stderr for assertion messages.
    pub fn dump(&self) -> String {
        format!(
            "status: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.describe_status(),
            self.stdout_str(),
            self.stderr_str()
        )
    }
}

/// Exit code, or 128+N for death by signal N (as a shell reports it).
pub fn shell_code(status: ExitStatus) -> i32 {
    match (status.code(), status.signal()) {
        (Some(c), _) => c,
        (None, Some(sig)) => 128 + sig,
        (None, None) => -1,
    }
}

/// "exit status N" or "killed by signal N".
pub fn describe_status(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(c), _) => format!("exit status {c}"),
        (None, Some(sig)) => format!("killed by signal {sig}"),
        (None, None) => format!("{status}"),
    }
}

/// Runs `cmd` with stdin from /dev/null (or fed `input`), capturing stdout
/// and stderr, killing it if it runs longer than `timeout`.
///
/// The command runs in its own process group; on timeout the whole group
/// gets SIGKILL, so a hung sandbox cannot hang the caller. Output readers are
/// abandoned (not joined) if a surviving grandchild keeps the pipes open.
pub fn run_with_timeout(
    cmd: &mut Command,
    input: Option<&[u8]>,
    timeout: Duration,
) -> io::Result<RunOutput> {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    cmd.process_group(0);
    let start = Instant::now();
    let mut child = cmd.spawn()?;

    let (tx, rx) = mpsc::channel::<(bool, Vec<u8>)>();
    spawn_reader(child.stdout.take(), true, tx.clone());
    spawn_reader(child.stderr.take(), false, tx);
    if let (Some(data), Some(mut stdin)) = (input.map(<[u8]>::to_vec), child.stdin.take()) {
        // A writer thread, so a child that does not read cannot block us.
        thread::spawn(move || {
            let _ = stdin.write_all(&data);
        });
    }

    let deadline = start + timeout;
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if Instant::now() >= deadline {
            timed_out = true;
            kill_tree(&mut child);
            break wait_briefly(&mut child, Duration::from_secs(5));
        }
        thread::sleep(Duration::from_millis(2));
    };

    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    // The pipes close when the child and everything that inherited them exit.
    let drain_deadline = Instant::now() + Duration::from_secs(if timed_out { 1 } else { 10 });
    for _ in 0..2 {
        let left = drain_deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((true, data)) => stdout = data,
            Ok((false, data)) => stderr = data,
            Err(_) => break,
        }
    }
    Ok(RunOutput {
        status,
        stdout,
        stderr,
        timed_out,
        elapsed: start.elapsed(),
    })
}

fn spawn_reader<R: Read + Send + 'static>(
    pipe: Option<R>,
    is_stdout: bool,
    tx: mpsc::Sender<(bool, Vec<u8>)>,
) {
    thread::spawn(move || {
        let mut data = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut data);
        }
        let _ = tx.send((is_stdout, data));
    });
}

/// SIGKILL to the child and to its process group (it was made leader of
/// its own by [`run_with_timeout`]).
fn kill_tree(child: &mut Child) {
    let _ = child.kill();
    let _ = Command::new("kill")
        .args(["-s", "KILL", "--", &format!("-{}", child.id())])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

fn wait_briefly(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(Some(s)) = child.try_wait() {
            return Some(s);
        }
        thread::sleep(Duration::from_millis(5));
    }
    None
}

/// `<prefix>-<pid>-<n>-<nanos>`: a name no other test (in this process or
/// another) is using.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}-{}-{n}-{nanos}", std::process::id())
}

/// A directory under /tmp, removed (recursively) on drop.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates `/tmp/<unique_name(prefix)>`.
    pub fn new(prefix: &str) -> TempDir {
        let path = PathBuf::from("/tmp").join(unique_name(prefix));
        std::fs::create_dir(&path).unwrap_or_else(|e| panic!("creating {}: {e}", path.display()));
        TempDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn join<P: AsRef<Path>>(&self, p: P) -> PathBuf {
        self.path.join(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// PIDs of the host processes whose `/proc/PID/exe` is `exe`.
///
/// Matching on the exe link rather than the command line finds processes
/// that rewrote or unmapped their arguments (the sandbox's stub processes).
/// Zombies have no exe link and are not counted.
pub fn pids_with_exe(exe: &Path) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut pids: Vec<u32> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_link(format!("/proc/{pid}/exe"))
                .map(|target| {
                    target == exe || target == Path::new(&format!("{} (deleted)", exe.display()))
                })
                .unwrap_or(false)
        })
        .collect();
    pids.sort_unstable();
    pids
}

/// Compiles one C source with `gcc -static -O1 -Wall -Werror`.
pub fn compile_static_c(source: &Path, output: &Path) -> Result<(), String> {
    let out = Command::new("gcc")
        .args(["-static", "-O1", "-Wall", "-Werror", "-o"])
        .arg(output)
        .arg(source)
        .output()
        .map_err(|e| format!("running gcc: {e} (install gcc)"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "gcc failed on {} ({}):\n{}",
            source.display(),
            describe_status(out.status),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// One entry of a directory tree, as [`snapshot`] records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Path relative to the snapshot root.
    pub path: String,
    /// "file", "dir", "symlink" or "other".
    pub kind: &'static str,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// File contents, or the symlink's target; empty for directories.
    pub data: Vec<u8>,
    /// (mtime, ctime) in nanoseconds; only filled with `times = true`.
    pub times: Option<(i128, i128)>,
}

/// `root` itself (as ".") and every entry under it, not following
/// symlinks, sorted by path. Access times are never recorded: reads, even
/// through the sandbox's gofer, may update them.
pub fn snapshot(root: &Path, times: bool) -> Vec<Entry> {
    use std::os::unix::fs::MetadataExt;
    fn entry(root: &Path, rel_path: &Path, times: bool) -> Option<Entry> {
        let full = root.join(rel_path);
        let md = std::fs::symlink_metadata(&full).ok()?;
        let ft = md.file_type();
        let (kind, data) = if ft.is_symlink() {
            let target = std::fs::read_link(&full).unwrap_or_default();
            ("symlink", target.into_os_string().into_encoded_bytes())
        } else if ft.is_dir() {
            ("dir", Vec::new())
        } else if ft.is_file() {
            ("file", std::fs::read(&full).unwrap_or_default())
        } else {
            ("other", Vec::new())
        };
        let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
        let path = rel_path.to_string_lossy();
        Some(Entry {
            path: if path.is_empty() {
                ".".into()
            } else {
                path.into_owned()
            },
            kind,
            mode: md.mode(),
            uid: md.uid(),
            gid: md.gid(),
            data,
            times: times.then(|| {
                (
                    ns(md.mtime(), md.mtime_nsec()),
                    ns(md.ctime(), md.ctime_nsec()),
                )
            }),
        })
    }
    fn walk(root: &Path, rel: &Path, times: bool, out: &mut Vec<Entry>) {
        let Ok(entries) = std::fs::read_dir(root.join(rel)) else {
            return;
        };
        for e in entries.filter_map(|e| e.ok()) {
            let rel_path = rel.join(e.file_name());
            let Some(ent) = entry(root, &rel_path, times) else {
                continue;
            };
            let is_dir = ent.kind == "dir";
            out.push(ent);
            if is_dir {
                walk(root, &rel_path, times, out);
            }
        }
    }
    let mut out: Vec<Entry> = entry(root, Path::new(""), times).into_iter().collect();
    walk(root, Path::new(""), times, &mut out);
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// A readable account of how two snapshots differ; empty if they do not.
pub fn diff_snapshots(left: &[Entry], right: &[Entry]) -> String {
    let mut out = String::new();
    let describe = |e: &Entry| {
        format!(
            "{} {:o} {}:{} {:?}{}",
            e.kind,
            e.mode,
            e.uid,
            e.gid,
            String::from_utf8_lossy(&e.data),
            e.times
                .map(|(m, c)| format!(" mtime={m} ctime={c}"))
                .unwrap_or_default()
        )
    };
    for l in left {
        match right.iter().find(|r| r.path == l.path) {
            None => out.push_str(&format!("  only in first:  {} ({})\n", l.path, describe(l))),
            Some(r) if r != l => out.push_str(&format!(
                "  changed: {}\n    from {}\n    to   {}\n",
                l.path,
                describe(l),
                describe(r)
            )),
            Some(_) => {}
        }
    }
    for r in right {
        if !left.iter().any(|l| l.path == r.path) {
            out.push_str(&format!("  only in second: {} ({})\n", r.path, describe(r)));
        }
    }
    out
}
