//! The syscall compatibility suite runner: builds `tests/syscalls/*.c`,
//! runs every binary natively and under `runsc do` on each platform, and
//! reports a table of per-case results.
//!
//! Counting: a case passes if none of its cells is FAIL or missing. A skip
//! is a decision the test made and explained (its reason is printed), so it
//! is not a failure in any column. A case that is absent from a binary's
//! output (the binary crashed, hung or was never run) is "missing", which
//! counts as a failure. A binary whose exit status does not match its lines
//! (killed by a signal, timed out, non-zero with no FAIL line) adds a
//! pseudo-case `<family>.(process)` that fails in that column.
//! A case that fails natively is a broken test: it is reported as such and
//! makes the run fail whatever the sandbox did.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use crate::{compile_static_c, run_with_timeout, runsc_do_with, workspace_dir, RunOutput};

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The runsc binary; `None` means [`crate::find_runsc`].
    pub runsc: Option<PathBuf>,
    /// Only cases whose "<family>.<case>" name contains this.
    pub filter: Option<String>,
    /// Skip the sandbox columns entirely.
    pub native_only: bool,
    /// Sandbox platforms to run; empty means every one available (ptrace,
    /// and kvm where it works).
    pub platforms: Vec<String>,
    /// Per-binary, per-column time limit.
    pub timeout: Duration,
    /// Where the C sources are.
    pub source_dir: PathBuf,
    /// Where the binaries are built.
    pub build_dir: PathBuf,
}

impl Default for Options {
    fn default() -> Self {
        let ws = workspace_dir();
        Options {
            runsc: None,
            filter: None,
            native_only: false,
            platforms: Vec::new(),
            timeout: Duration::from_secs(60),
            source_dir: ws.join("tests/syscalls"),
            build_dir: ws.join("target/syscall-tests"),
        }
    }
}

/// The outcome of a run.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    /// Cases that failed natively (broken tests).
    pub broken: Vec<String>,
    /// Sandbox columns that ran, e.g. `["ptrace"]`.
    pub platforms: Vec<String>,
}

impl Summary {
    /// True if the run should exit zero.
    pub fn ok(&self) -> bool {
        self.failed == 0 && self.broken.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Cell {
    Pass,
    Fail(String),
    Skip(String),
    Missing,
}

impl Cell {
    fn label(&self) -> &'static str {
        match self {
            Cell::Pass => "pass",
            Cell::Fail(_) => "FAIL",
            Cell::Skip(_) => "skip",
            Cell::Missing => "missing",
        }
    }

    fn is_failure(&self) -> bool {
        matches!(self, Cell::Fail(_) | Cell::Missing)
    }
}

/// One binary's run in one column.
struct BinaryRun {
    results: Vec<(String, Cell)>,
    output: RunOutput,
}

/// Builds and runs the suite, writing the report to `out`. `Err` means the
/// suite could not run at all (no sources, a compile error, no runsc).
pub fn run(opts: &Options, out: &mut dyn Write) -> Result<Summary, String> {
    let sources = list_sources(&opts.source_dir)?;
    std::fs::create_dir_all(&opts.build_dir)
        .map_err(|e| format!("creating {}: {e}", opts.build_dir.display()))?;
    let harness = opts.source_dir.join("harness.h");
    let mut binaries = Vec::new();
    for src in &sources {
        binaries.push(build_if_stale(src, &harness, &opts.build_dir)?);
    }

    let mut columns = vec!["native".to_string()];
    let mut runsc = None;
    if !opts.native_only {
        let path = match &opts.runsc {
            Some(p) if p.is_file() => p.clone(),
            Some(p) => return Err(format!("runsc not found at {}", p.display())),
            None => crate::find_runsc()?,
        };
        let wanted: Vec<String> = if opts.platforms.is_empty() {
            vec!["ptrace".into(), "kvm".into()]
        } else {
            opts.platforms.clone()
        };
        for platform in wanted {
            match platform_unavailable(&path, &platform) {
                None => columns.push(platform),
                Some(reason) => w(out, &format!("{platform}: skipped ({reason})\n")),
            }
        }
        runsc = Some(path);
    }

    // case name -> cells, in first-seen order.
    let mut order: Vec<String> = Vec::new();
    let mut table: BTreeMap<String, Vec<Cell>> = BTreeMap::new();
    let mut notes: Vec<String> = Vec::new();

    for bin in &binaries {
        let family = file_stem(bin);
        let listed = list_cases(bin, opts.timeout)?;
        let selected: Vec<String> = listed
            .iter()
            .filter(|c| opts.filter.as_ref().is_none_or(|f| c.contains(f.as_str())))
            .cloned()
            .collect();
        if selected.is_empty() {
            continue;
        }
        // Name the cases only when filtering, to keep command lines short.
        let args: Vec<String> = if selected.len() == listed.len() {
            Vec::new()
        } else {
            selected.clone()
        };
        for case in &selected {
            add_row(&mut order, &mut table, case, columns.len());
        }
        for (col, column) in columns.iter().enumerate() {
            let run = run_binary(bin, &args, column, runsc.as_deref(), opts.timeout)?;
            for (case, cell) in &run.results {
                add_row(&mut order, &mut table, case, columns.len());
                table.get_mut(case).expect("row just added")[col] = cell.clone();
            }
            let failed_lines = run
                .results
                .iter()
                .filter(|(_, c)| matches!(c, Cell::Fail(_)))
                .count();
            let missing = selected
                .iter()
                .filter(|c| table[c.as_str()][col] == Cell::Missing)
                .count();
            if let Some(problem) = process_problem(&run.output, failed_lines) {
                let pseudo = format!("{family}.(process)");
                add_row(&mut order, &mut table, &pseudo, columns.len());
                table.get_mut(&pseudo).expect("row just added")[col] = Cell::Fail(problem);
            }
            if missing > 0 || (!run.output.stderr.is_empty() && run.output.code() != Some(0)) {
                let stderr = tail(&run.output.stderr_str(), 20);
                notes.push(format!(
                    "{family} [{column}]: {}; {missing} case(s) missing; {}",
                    run.output.describe_status(),
                    if stderr.trim().is_empty() {
                        "stderr empty".to_string()
                    } else {
                        format!("stderr:\n{}", indent(&stderr))
                    }
                ));
            }
        }
        // Rows seen in no column stay "missing" everywhere, which is right.
    }

    // Pseudo-rows and extra rows get Pass in columns where nothing was said
    // about them only if they are pseudo-rows; real cases stay Missing.
    for (name, cells) in table.iter_mut() {
        if name.ends_with(".(process)") {
            for c in cells.iter_mut() {
                if *c == Cell::Missing {
                    *c = Cell::Pass;
                }
            }
        }
    }

    print_table(out, &columns, &order, &table);

    let mut summary = Summary {
        platforms: columns[1..].to_vec(),
        ..Summary::default()
    };
    let mut details = String::new();
    let mut skips = String::new();
    for name in &order {
        let cells = &table[name];
        let mut row_failed = false;
        for (col, cell) in cells.iter().enumerate() {
            match cell {
                Cell::Fail(msg) => {
                    row_failed = true;
                    let _ = writeln!(details, "  {name} [{}]: {msg}", columns[col]);
                }
                Cell::Missing => {
                    row_failed = true;
                    let _ = writeln!(
                        details,
                        "  {name} [{}]: missing from the output (see the notes below)",
                        columns[col]
                    );
                }
                Cell::Skip(reason) => {
                    let _ = writeln!(skips, "  {name} [{}]: {reason}", columns[col]);
                }
                Cell::Pass => {}
            }
        }
        if cells[0].is_failure() {
            summary.broken.push(name.clone());
        }
        if row_failed {
            summary.failed += 1;
        } else {
            summary.passed += 1;
        }
    }

    if !details.is_empty() {
        w(out, &format!("\nfailures:\n{details}"));
    }
    if !notes.is_empty() {
        w(out, "\nnotes:\n");
        for n in &notes {
            w(out, &format!("  {n}\n"));
        }
    }
    if !skips.is_empty() {
        w(out, &format!("\nskipped:\n{skips}"));
    }
    if !summary.broken.is_empty() {
        w(
            out,
            &format!(
                "\nBROKEN TESTS: {} case(s) fail natively, so their sandbox results mean \
                 nothing; fix the tests first:\n",
                summary.broken.len()
            ),
        );
        for b in &summary.broken {
            w(out, &format!("  {b}\n"));
        }
    }
    w(
        out,
        &format!("\n{} passed, {} failed\n", summary.passed, summary.failed),
    );
    Ok(summary)
}

fn w(out: &mut dyn Write, s: &str) {
    let _ = out.write_all(s.as_bytes());
    let _ = out.flush();
}

fn add_row(
    order: &mut Vec<String>,
    table: &mut BTreeMap<String, Vec<Cell>>,
    name: &str,
    ncols: usize,
) {
    if !table.contains_key(name) {
        order.push(name.to_string());
        table.insert(name.to_string(), vec![Cell::Missing; ncols]);
    }
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn tail(s: &str, lines: usize) -> String {
    let all: Vec<&str> = s.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn file_stem(p: &Path) -> String {
    p.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn list_sources(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut sources: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("reading {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
        .collect();
    sources.sort();
    if sources.is_empty() {
        return Err(format!("no *.c files in {}", dir.display()));
    }
    Ok(sources)
}

fn mtime(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// Rebuilds `<build_dir>/<stem>` when it is older than the source or the
/// harness. Builds to a temporary name and renames, so concurrent runs never
/// execute a half-written binary.
fn build_if_stale(src: &Path, harness: &Path, build_dir: &Path) -> Result<PathBuf, String> {
    let bin = build_dir.join(file_stem(src));
    let newest_input = [mtime(src), mtime(harness)].into_iter().flatten().max();
    let fresh = match (mtime(&bin), newest_input) {
        (Some(b), Some(i)) => b >= i,
        _ => false,
    };
    if fresh {
        return Ok(bin);
    }
    static BUILDS: AtomicU64 = AtomicU64::new(0);
    let tmp = build_dir.join(format!(
        ".{}.{}.{}.tmp",
        file_stem(src),
        std::process::id(),
        BUILDS.fetch_add(1, Ordering::Relaxed)
    ));
    compile_static_c(src, &tmp)?;
    std::fs::rename(&tmp, &bin).map_err(|e| format!("renaming to {}: {e}", bin.display()))?;
    Ok(bin)
}

fn list_cases(bin: &Path, timeout: Duration) -> Result<Vec<String>, String> {
    let out = run_with_timeout(Command::new(bin).arg("--list"), None, timeout)
        .map_err(|e| format!("running {} --list: {e}", bin.display()))?;
    if out.code() != Some(0) {
        return Err(format!("{} --list failed:\n{}", bin.display(), out.dump()));
    }
    Ok(out
        .stdout_str()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect())
}

fn run_binary(
    bin: &Path,
    args: &[String],
    column: &str,
    runsc: Option<&Path>,
    timeout: Duration,
) -> Result<BinaryRun, String> {
    let mut cmd = if column == "native" {
        let mut c = Command::new(bin);
        c.args(args);
        c
    } else {
        let runsc = runsc.expect("sandbox column without runsc");
        let mut program = vec![bin.to_string_lossy().into_owned()];
        program.extend(args.iter().cloned());
        let mut c = runsc_do_with(runsc, &["--platform", column], &program);
        // `runsc do` hands its environment to the program: cases marked
        // SANDBOX_SKIP see it and skip themselves in the sandbox.
        c.env("RVISOR_SANDBOX", column);
        c
    };
    let output = run_with_timeout(&mut cmd, None, timeout)
        .map_err(|e| format!("running {} [{column}]: {e}", bin.display()))?;
    Ok(BinaryRun {
        results: parse_results(&output.stdout_str()),
        output,
    })
}

/// Parses the harness's `PASS x` / `FAIL x: why` / `SKIP x: why` lines;
/// anything else on stdout is ignored.
fn parse_results(stdout: &str) -> Vec<(String, Cell)> {
    let mut results = Vec::new();
    for line in stdout.lines() {
        let Some((tag, rest)) = line.split_once(' ') else {
            continue;
        };
        let (name, detail) = match rest.split_once(": ") {
            Some((n, d)) => (n.trim(), d.trim().to_string()),
            None => (rest.trim(), String::new()),
        };
        if name.is_empty() || name.contains(' ') {
            continue;
        }
        let cell = match tag {
            "PASS" => Cell::Pass,
            "FAIL" => Cell::Fail(detail),
            "SKIP" => Cell::Skip(detail),
            _ => continue,
        };
        results.push((name.to_string(), cell));
    }
    results
}

/// Why a binary's exit does not fit its output, if it does not.
fn process_problem(out: &RunOutput, failed_lines: usize) -> Option<String> {
    if out.timed_out {
        return Some(format!("{} (killed)", out.describe_status()));
    }
    match out.code() {
        Some(0) if failed_lines == 0 => None,
        Some(1) if failed_lines > 0 => None,
        Some(0) => Some("exit status 0 despite FAIL lines".into()),
        _ => Some(out.describe_status()),
    }
}

/// `None` if `platform` can be used, else why not.
fn platform_unavailable(runsc: &Path, platform: &str) -> Option<String> {
    if platform == "kvm" {
        if let Err(e) = OpenOptions::new().read(true).write(true).open("/dev/kvm") {
            return Some(format!("/dev/kvm is missing or unusable: {e}"));
        }
    }
    if platform == "ptrace" {
        // ptrace is the baseline: always a column, so a broken runsc shows
        // up as failures rather than as a skip.
        return None;
    }
    let probe = run_with_timeout(
        &mut runsc_do_with(runsc, &["--platform", platform], &["/bin/busybox", "true"]),
        None,
        Duration::from_secs(30),
    );
    let out = match probe {
        Ok(o) => o,
        Err(e) => return Some(format!("could not run {}: {e}", runsc.display())),
    };
    if out.code() == Some(0) {
        return None;
    }
    let err = out.stderr_str().to_lowercase();
    let unsupported = [
        "unknown platform",
        "invalid value",
        "unsupported platform",
        "not supported",
        "not implemented",
    ];
    if unsupported.iter().any(|s| err.contains(s)) {
        let first = out.stderr_str().lines().next().unwrap_or("").to_string();
        return Some(format!(
            "runsc does not support --platform {platform}: {first}"
        ));
    }
    // runsc accepts the platform but the probe failed: run the column
    // anyway, so the failures are visible case by case.
    None
}

fn print_table(
    out: &mut dyn Write,
    columns: &[String],
    order: &[String],
    table: &BTreeMap<String, Vec<Cell>>,
) {
    let name_w = order.iter().map(String::len).max().unwrap_or(4).max(4);
    let col_w: Vec<usize> = columns.iter().map(|c| c.len().max(7)).collect();
    let mut s = String::new();
    let _ = write!(s, "{:<name_w$}", "test");
    for (c, wdt) in columns.iter().zip(&col_w) {
        let _ = write!(s, " | {c:<wdt$}");
    }
    let header_len = s.trim_end().len();
    s.truncate(header_len);
    s.push('\n');
    let _ = write!(s, "{}", "-".repeat(name_w));
    for wdt in &col_w {
        let _ = write!(s, "-+-{}", "-".repeat(*wdt));
    }
    s.push('\n');
    for name in order {
        let mut row = format!("{name:<name_w$}");
        for (cell, wdt) in table[name].iter().zip(&col_w) {
            let _ = write!(row, " | {:<wdt$}", cell.label());
        }
        s.push_str(row.trim_end());
        s.push('\n');
    }
    w(out, &s);
}

/// Runs the suite with `opts`, printing to stdout; the process exit code.
pub fn main_with(opts: &Options) -> i32 {
    let stdout = io::stdout();
    let mut lock = stdout.lock();
    match run(opts, &mut lock) {
        Ok(summary) if summary.ok() => 0,
        Ok(_) => 1,
        Err(msg) => {
            eprintln!("syscall-suite: {msg}");
            2
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_harness_lines() {
        let r = parse_results(
            "PASS a.x\nFAIL a.y: a.c:3: n == 1 [0 != 1] (errno=0)\nSKIP a.z: no kvm\nnoise\n",
        );
        assert_eq!(
            r,
            vec![
                ("a.x".to_string(), Cell::Pass),
                (
                    "a.y".to_string(),
                    Cell::Fail("a.c:3: n == 1 [0 != 1] (errno=0)".into())
                ),
                ("a.z".to_string(), Cell::Skip("no kvm".into())),
            ]
        );
    }
}
