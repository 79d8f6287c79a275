//! Issue #5 terminals end to end: an interactive `sh` driven through a pty
//! (typing commands, ^C, ^Z and `fg`, a background reader stopped by
//! SIGTTIN, a window resize) gives the same transcript natively and under
//! `runsc do` on that pty; a vi-style raw-mode program restores its
//! termios and leaves the caller's terminal as it found it; inside the
//! sandbox `tty` is /dev/pts/0 and `stty size` is the caller's window;
//! python3's `pty.spawn` makes its own pty inside the sandbox, and the
//! python3 REPL's readline editing works through the relay.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use rvisor_tests::{run_with_timeout, runsc, runsc_do, RunOutput, TempDir};

const TIMEOUT: Duration = Duration::from_secs(120);
const PYTHON: &str = "/usr/bin/python3";

fn programs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("programs")
}

/// What `pty_drive.py` reports.
struct Drive {
    transcript: String,
    status: i64,
    complete: bool,
    termios_same: bool,
    raw: String,
}

/// Pulls `"key": value` out of the driver's one-line JSON (the tests crate
/// has no JSON parser; the driver's keys are fixed).
fn field<'a>(json: &'a str, key: &str) -> &'a str {
    let k = format!("\"{key}\": ");
    let start = json.find(&k).map(|i| i + k.len()).unwrap_or(json.len());
    let rest = &json[start..];
    if let Some(body) = rest.strip_prefix('"') {
        // A JSON string: up to the first unescaped quote.
        let mut esc = false;
        for (i, c) in body.char_indices() {
            match c {
                '\\' if !esc => esc = true,
                '"' if !esc => return &body[..i],
                _ => esc = false,
            }
        }
        body
    } else {
        let end = rest.find([',', '}']).unwrap_or(rest.len());
        rest[..end].trim()
    }
}

/// Runs `argv` under a fresh pty of `rows` x `cols` driven by `steps` (a
/// JSON list, see pty_drive.py).
fn drive(argv: &[&str], rows: u16, cols: u16, steps: &str) -> Drive {
    let argv_json: Vec<String> = argv.iter().map(|a| format!("\"{a}\"")).collect();
    let spec = format!(
        "{{\"argv\":[{}],\"rows\":{rows},\"cols\":{cols},\"steps\":{steps}}}",
        argv_json.join(",")
    );
    let mut cmd = Command::new(PYTHON);
    cmd.arg(programs().join("pty_drive.py"))
        .arg(spec)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("LANG", "C.UTF-8")
        .env("PS1", "$ ");
    let out = run_with_timeout(&mut cmd, None, TIMEOUT).expect("running pty_drive.py");
    let raw = out.stdout_str();
    assert_eq!(out.code(), Some(0), "pty_drive.py failed:\n{}", out.dump());
    Drive {
        transcript: field(&raw, "transcript").to_string(),
        status: field(&raw, "status").parse().unwrap_or(-1),
        complete: field(&raw, "complete") == "true",
        termios_same: field(&raw, "termios_same") == "true",
        raw,
    }
}

fn runsc_path() -> String {
    runsc().to_string_lossy().into_owned()
}

/// The same session natively and under `runsc do`, compared.
fn compare_sessions(argv: &[&str], rows: u16, cols: u16, steps: &str) -> (Drive, Drive) {
    let n = drive(argv, rows, cols, steps);
    let rp = runsc_path();
    let mut sandboxed = vec![rp.as_str(), "do"];
    sandboxed.extend_from_slice(argv);
    let s = drive(&sandboxed, rows, cols, steps);
    assert!(n.complete, "native session stalled:\n{}", n.raw);
    assert!(
        s.complete,
        "sandbox session stalled:\n{}\nnative:\n{}",
        s.raw, n.raw
    );
    assert_eq!(
        normalize(&n.transcript),
        normalize(&s.transcript),
        "transcripts differ\nnative:  {}\nsandbox: {}",
        n.raw,
        s.raw
    );
    assert_eq!(n.status, s.status, "exit status\n{}\n{}", n.raw, s.raw);
    assert!(
        n.termios_same && s.termios_same,
        "terminal not restored:\n{}",
        s.raw
    );
    (n, s)
}

/// /dev/pts/N numbers differ between the host and the sandbox.
fn normalize(t: &str) -> String {
    let mut out = String::new();
    let mut rest = t;
    while let Some(i) = rest.find("/dev/pts/") {
        out.push_str(&rest[..i + 9]);
        rest = rest[i + 9..].trim_start_matches(|c: char| c.is_ascii_digit());
        out.push('N');
    }
    out.push_str(rest);
    out
}

#[test]
fn interactive_sh_session_matches_native() {
    let steps = r#"[{"expect":"$ "},
        {"send":"echo hello\r","expect":"hello\r\n$ "},
        {"send":"tty\r","expect":"$ "},
        {"send":"stty size\r","expect":"$ "},
        {"send":"read x; echo got:$x\r","expect":"got:$x\r\n"},
        {"send":"typed\r","expect":"$ "},
        {"send":"sleep 10\r","expect":"sleep 10\r\n"},
        {"pause":0.5,"send":"\u0003","expect":"$ "},
        {"send":"echo status:$?\r","expect":"$ "},
        {"send":"ab\u007fc\u0015echo erased\r","expect":"$ "},
        {"send":"exit\r"}]"#;
    let (_, s) = compare_sessions(&["/bin/sh", "-i"], 33, 77, steps);
    assert!(s.transcript.contains("33 77"), "{}", s.raw);
    assert!(s.transcript.contains("status:130"), "{}", s.raw);
}

#[test]
fn job_control_and_resize_match_native() {
    let steps = r#"[{"expect":"$ "},
        {"send":"sleep 10\r","expect":"sleep 10\r\n"},
        {"pause":0.3,"send":"\u001a","expect":"$ "},
        {"send":"jobs\r","expect":"$ "},
        {"send":"fg\r","expect":"sleep 10\r\n"},
        {"pause":0.3,"send":"\u0003","expect":"$ "},
        {"send":"trap \"stty size\" WINCH; echo go; sleep 3 & wait\r","expect":"go\r\n"},
        {"pause":0.3,"winsize":[40,100],"expect":"$ "},
        {"send":"trap - WINCH; kill %1; wait %1; echo reaped\r","expect":"sleep 3\r\n$ "},
        {"send":"cat &\r","expect":"$ "},
        {"pause":0.5,"send":"jobs\r","expect":"$ "},
        {"send":"fg\r","expect":"cat\r\n"},
        {"pause":0.3,"send":"back\r","expect":"back\r\nback\r\n"},
        {"send":"\u0004","expect":"$ "},
        {"send":"exit\r"}]"#;
    let (_, s) = compare_sessions(&["/bin/sh", "-i"], 24, 80, steps);
    assert!(s.transcript.contains("Stopped (tty input)"), "{}", s.raw);
    assert!(s.transcript.contains("40 100"), "{}", s.raw);
}

#[test]
fn raw_mode_program_restores_termios() {
    let dir = TempDir::new("rvisor-tty");
    let exe = dir.join("rawkeys");
    let st = Command::new("gcc")
        .args(["-O2", "-o"])
        .arg(&exe)
        .arg(programs().join("rawkeys.c"))
        .status()
        .expect("gcc");
    assert!(st.success());
    let exe = exe.to_string_lossy().into_owned();
    let steps = r#"[{"expect":"ready"},{"send":"ab\u0003\u001bq","expect":"bye"}]"#;
    let (_, s) = compare_sessions(&[&exe], 30, 90, steps);
    assert!(s.transcript.contains("size 30x90"), "{}", s.raw);
    assert!(s.transcript.contains("key 03"), "{}", s.raw);
    assert!(s.transcript.contains("restored 1"), "{}", s.raw);
}

#[test]
fn runsc_do_on_a_terminal_gets_pts0_and_the_window_size() {
    let rp = runsc_path();
    let d = drive(
        &[&rp, "do", "/bin/sh", "-c", "tty; stty size; ls -1 /dev/pts"],
        41,
        132,
        "[]",
    );
    assert_eq!(
        d.transcript, "/dev/pts/0\\r\\n41 132\\r\\n0\\r\\nptmx\\r\\n",
        "{}",
        d.raw
    );
    assert_eq!(d.status, 0);
    assert!(d.termios_same, "runsc left the terminal changed: {}", d.raw);
}

#[test]
fn stdio_without_a_terminal_is_unchanged() {
    let out = run_with_timeout(
        &mut runsc_do(&[], &["/bin/sh", "-c", "tty; echo code $?"]),
        None,
        TIMEOUT,
    )
    .expect("runsc do");
    assert_eq!(out.stdout_str(), "not a tty\ncode 1\n", "{}", out.dump());
}

/// The sandbox makes a pty for itself: python3's `pty.spawn` (os.openpty
/// through /dev/ptmx, fork, and a copy loop) runs a shell on it.
#[test]
fn pty_spawn_inside_the_sandbox() {
    let prog = "import pty,sys; sys.exit(pty.spawn(['/bin/sh','-c',\
        'tty; stty size; stty -a | head -n 1 | cut -d\\; -f1; printf \"a\\\\nb\\\\n\"']) >> 8)";
    let args = [PYTHON, "-c", prog];
    let mut nc = Command::new(PYTHON);
    nc.args(&args[1..]);
    let mut sc = runsc_do(&[], &args);
    let mut outs: Vec<RunOutput> = Vec::new();
    for c in [&mut nc, &mut sc] {
        c.env_clear()
            .env("PATH", "/usr/bin:/bin")
            .stdin(std::process::Stdio::null());
        outs.push(run_with_timeout(c, None, TIMEOUT).expect("running pty.spawn"));
    }
    let (n, s) = (&outs[0], &outs[1]);
    assert_eq!(
        normalize(&n.stdout_str()),
        normalize(&s.stdout_str()),
        "native:\n{}\nsandbox:\n{}",
        n.dump(),
        s.dump()
    );
    assert_eq!(n.code(), s.code());
    assert_eq!(n.code(), Some(0), "{}", n.dump());
    assert!(
        s.stdout_str().contains("speed 38400 baud\r\na\r\nb\r\n"),
        "{}",
        s.dump()
    );
}

/// python3's REPL edits lines with readline in raw mode: ^A, ^E and the
/// history (cursor up) behave as natively.
#[test]
fn python_repl_line_editing_matches_native() {
    let steps = r#"[{"expect":">>> "},
        {"send":"6 * 7\u0001print(\u0005)\r","expect":"42\r\n>>> "},
        {"send":"\u001b[A\r","expect":"42\r\n>>> "},
        {"send":"\u0004"}]"#;
    let (_, s) = compare_sessions(&[PYTHON, "-q"], 24, 80, steps);
    assert_eq!(s.transcript.matches("42\\r\\n").count(), 2, "{}", s.raw);
}
