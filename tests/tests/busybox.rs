//! Busybox applets run natively and under `runsc do` must behave the same:
//! byte-identical stdout and stderr and the same exit status, with the same
//! cwd and a fixed environment on both sides.
//!
//! These need `runsc` (see `rvisor_tests::find_runsc`) and Debian's
//! busybox-static at /bin/busybox.

#![deny(unsafe_code)]

use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use rvisor_tests::{diff_snapshots, run_with_timeout, runsc_do, snapshot, RunOutput, TempDir};

const BUSYBOX: &str = "/bin/busybox";
const TIMEOUT: Duration = Duration::from_secs(30);

/// The environment both sides get: independent of the test runner's.
const ENV: &[(&str, &str)] = &[
    ("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
    ("HOME", "/root"),
    ("LANG", "C"),
    ("USER", "root"),
    ("RVISOR_TEST", "some value with spaces"),
];

fn with_env(mut cmd: Command, cwd: &Path) -> Command {
    cmd.env_clear().envs(ENV.iter().copied()).current_dir(cwd);
    cmd
}

fn busybox_args<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![BUSYBOX];
    v.extend_from_slice(args);
    v
}

fn native(args: &[&str], cwd: &Path) -> RunOutput {
    let mut cmd = Command::new(BUSYBOX);
    cmd.args(args);
    run_with_timeout(&mut with_env(cmd, cwd), None, TIMEOUT).expect("running busybox natively")
}

fn sandboxed(flags: &[&str], args: &[&str], cwd: &Path) -> RunOutput {
    let cmd = runsc_do(flags, &busybox_args(args));
    run_with_timeout(&mut with_env(cmd, cwd), None, TIMEOUT).expect("running runsc do")
}

/// Asserts that two runs did exactly the same thing.
fn assert_same(what: &str, native: &RunOutput, sandbox: &RunOutput) {
    let same = native.code() == sandbox.code()
        && native.stdout == sandbox.stdout
        && native.stderr == sandbox.stderr;
    assert!(
        same,
        "busybox {what}: sandbox differs from native\n=== native ===\n{}\n=== sandbox ===\n{}",
        native.dump(),
        sandbox.dump()
    );
}

/// Runs `busybox ARGS` both ways from `cwd` and compares; returns the
/// native run for further checks.
fn compare_in(args: &[&str], cwd: &Path) -> RunOutput {
    // Sandbox first: runsc is missing today, and its panic says so.
    let s = sandboxed(&[], args, cwd);
    let n = native(args, cwd);
    assert_same(&args.join(" "), &n, &s);
    n
}

/// Same as [`compare_in`], from a fresh empty directory.
fn compare(args: &[&str]) -> RunOutput {
    let dir = TempDir::new("rvisor-bb");
    compare_in(args, dir.path())
}

macro_rules! same_as_native {
    ($($name:ident => [$($arg:expr),* $(,)?], code $code:expr;)*) => {
        $(
            #[test]
            fn $name() {
                let n = compare(&[$($arg),*]);
                // The native run itself must do what the test means.
                assert_eq!(n.code(), Some($code), "native run:\n{}", n.dump());
            }
        )*
    };
}

same_as_native! {
    echo_words => ["echo", "hello", "world"], code 0;
    echo_no_newline => ["echo", "-n", "no newline"], code 0;
    echo_escapes => ["echo", "-e", "tab\\there\\nline"], code 0;
    cat_os_release => ["cat", "/etc/os-release"], code 0;
    cat_missing => ["cat", "/nonexistent"], code 1;
    cat_directory => ["cat", "/etc"], code 1;
    ls_la_usr => ["ls", "-la", "/usr"], code 0;
    ls_la_etc => ["ls", "-la", "/etc"], code 0;
    ls_missing => ["ls", "/nonexistent"], code 1;
    wc_services => ["wc", "/etc/services"], code 0;
    head_services => ["head", "-n", "5", "/etc/services"], code 0;
    head_binary_bytes => ["head", "-c", "4096", "/bin/busybox"], code 0;
    sha256sum_busybox => ["sha256sum", "/bin/busybox"], code 0;
    sha256sum_missing => ["sha256sum", "/nonexistent"], code 1;
    md5sum_files => ["md5sum", "/etc/services", "/etc/os-release", "/bin/busybox"], code 0;
    sort_passwd => ["sort", "/etc/passwd"], code 0;
    sort_passwd_by_uid => ["sort", "-t", ":", "-k", "3", "-n", "-r", "/etc/passwd"], code 0;
    stat_format => ["stat", "-c", "%n %s %F %a %u %g %h %Y", "/etc/os-release"], code 0;
    stat_format_follow => ["stat", "-L", "-c", "%n %s %F %a %u %g %h %Y", "/etc/os-release"], code 0;
    stat_missing => ["stat", "/nonexistent"], code 1;
    find_busybox_doc => ["find", "/usr/share/doc/busybox-static"], code 0;
    find_files_only => ["find", "/usr/share/doc/busybox-static", "-type", "f"], code 0;
    du_doc => ["du", "-s", "/usr/share/doc"], code 0;
    env_passthrough => ["env"], code 0;
    pwd_tempdir => ["pwd"], code 0;
    true_exits_0 => ["true"], code 0;
    false_exits_1 => ["false"], code 1;
    uname_all => ["uname", "-a"], code 0;
    id_root => ["id"], code 0;
    date_fixed => ["date", "-u", "-d", "@1700000000"], code 0;
    date_fixed_format => ["date", "-u", "-d", "@1700000000", "+%Y-%m-%d %H:%M:%S %s"], code 0;
    sh_echo_exit => ["sh", "-c", "echo a; exit 3"], code 3;
    unknown_applet => ["no-such-applet"], code 127;
}

#[test]
fn sleep_waits() {
    let dir = TempDir::new("rvisor-bb");
    let s = sandboxed(&[], &["sleep", "0.2"], dir.path());
    let n = native(&["sleep", "0.2"], dir.path());
    assert_same("sleep 0.2", &n, &s);
    assert_eq!(s.code(), Some(0));
    assert!(
        s.elapsed >= Duration::from_millis(200),
        "sleep 0.2 returned after {:?}",
        s.elapsed
    );
}

#[test]
fn stat_hostname() {
    // Plain `stat` prints the access time too. Under relatime the first read
    // after a change updates it, so read the file once first: otherwise a
    // read by anyone between the two runs would make them differ.
    let _ = std::fs::read("/etc/hostname");
    let cwd = std::env::temp_dir();
    let args = ["stat", "/etc/hostname"];
    let mut n = native(&args, &cwd);
    let mut s = sandboxed(&[], &args, &cwd);
    // The sandbox numbers its own devices (like gVisor): the host's device
    // numbers are not shown. Everything else must match.
    for out in [&mut n, &mut s] {
        out.stdout = mask_device(&out.stdout);
    }
    assert_same("stat /etc/hostname", &n, &s);
    assert_eq!(n.code(), Some(0), "native run:\n{}", n.dump());
}

/// Replaces the value after `Device: ` with a placeholder.
fn mask_device(out: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(out);
    let mut masked = String::new();
    for line in text.split_inclusive('\n') {
        match line.find("Device: ") {
            Some(i) => {
                let rest = &line[i + 8..];
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                masked.push_str(&line[..i + 8]);
                masked.push_str("<dev>");
                masked.push_str(&rest[end..]);
            }
            None => masked.push_str(line),
        }
    }
    masked.into_bytes()
}

#[test]
fn uniq_and_wc_on_host_file() {
    let dir = TempDir::new("rvisor-bb");
    std::fs::write(dir.join("dups.txt"), "a\na\nb\nc\nc\nc\na\n").unwrap();
    for args in [
        &["uniq", "dups.txt"][..],
        &["uniq", "-c", "dups.txt"],
        &["uniq", "-d", "dups.txt"],
        &["wc", "-l", "dups.txt"],
        &["sort", "-u", "dups.txt"],
    ] {
        let n = compare_in(args, dir.path());
        assert_eq!(n.code(), Some(0), "{}", n.dump());
    }
}

#[test]
fn sh_exit_status_without_dashdash() {
    // The brief's exact form: no `--` between runsc's flags and the program.
    let dir = TempDir::new("rvisor-bb");
    let mut cmd = Command::new(rvisor_tests::runsc());
    cmd.args(["do", BUSYBOX, "sh", "-c", "echo a; exit 3"]);
    let out = run_with_timeout(&mut with_env(cmd, dir.path()), None, TIMEOUT).unwrap();
    assert_eq!(out.stdout, b"a\n", "{}", out.dump());
    assert_eq!(out.code(), Some(3), "{}", out.dump());
}

/// The tree every file-changing command starts from.
fn make_template(dir: &Path) {
    std::fs::write(dir.join("a"), "alpha\n").unwrap();
    std::fs::create_dir_all(dir.join("sub/deeper")).unwrap();
    std::fs::write(dir.join("sub/x"), "x\n").unwrap();
    std::fs::write(dir.join("sub/deeper/y"), "y\n").unwrap();
    std::fs::write(dir.join("ro"), "read only\n").unwrap();
    std::fs::set_permissions(dir.join("ro"), std::fs::Permissions::from_mode(0o444)).unwrap();
    symlink("a", dir.join("link")).unwrap();
}

/// Each runs from a fresh copy of the template, so commands are independent.
const FILE_COMMANDS: &[&[&str]] = &[
    &["cp", "a", "b"],
    &["cp", "a", "sub"],
    &["cp", "-r", "sub", "sub2"],
    &["cp", "-a", "link", "link2"],
    &["cp", "missing", "b"],
    &["cp", "sub", "b"],
    &["mv", "a", "c"],
    &["mv", "a", "sub"],
    &["mv", "sub", "renamed"],
    &["mv", "missing", "x"],
    &["rm", "a"],
    &["rm", "-r", "sub"],
    &["rm", "-f", "ro"],
    &["rm", "sub"],
    &["rm", "missing"],
    &["rm", "-f", "missing"],
    &["mkdir", "d"],
    &["mkdir", "-p", "d/e/f"],
    &["mkdir", "-m", "700", "d"],
    &["mkdir", "sub"],
    &["mkdir", "missing/d"],
    &["touch", "newfile"],
    &["touch", "a"],
    &["touch", "missing/x"],
];

#[test]
fn file_commands_same_output_and_host_untouched() {
    for args in FILE_COMMANDS {
        let native_dir = TempDir::new("rvisor-bb-native");
        let sandbox_dir = TempDir::new("rvisor-bb-sandbox");
        make_template(native_dir.path());
        make_template(sandbox_dir.path());
        let before = snapshot(sandbox_dir.path(), true);

        let s = sandboxed(&[], args, sandbox_dir.path());
        let n = native(args, native_dir.path());
        assert_same(&args.join(" "), &n, &s);

        // The default overlay keeps every change inside the sandbox.
        let diff = diff_snapshots(&before, &snapshot(sandbox_dir.path(), true));
        assert!(
            diff.is_empty(),
            "busybox {}: the sandboxed run changed the host directory:\n{diff}",
            args.join(" ")
        );
    }
}

#[test]
fn file_commands_with_overlay_none_change_host() {
    let native_dir = TempDir::new("rvisor-bb-native");
    let sandbox_dir = TempDir::new("rvisor-bb-sandbox");
    make_template(native_dir.path());
    make_template(sandbox_dir.path());
    let steps: &[&[&str]] = &[
        &["touch", "newfile"],
        &["mkdir", "d"],
        &["cp", "a", "b"],
        &["rm", "a"],
        &["mv", "b", "c"],
        &["mkdir", "-p", "d/e"],
        &["cp", "-r", "sub", "d/e/copy"],
        &["rm", "-r", "sub"],
    ];
    for args in steps {
        let s = sandboxed(&["--overlay=none"], args, sandbox_dir.path());
        let n = native(args, native_dir.path());
        assert_same(&args.join(" "), &n, &s);
        assert_eq!(n.code(), Some(0), "{}", n.dump());
        // After every step the host trees agree (times aside).
        let diff = diff_snapshots(
            &snapshot(native_dir.path(), false),
            &snapshot(sandbox_dir.path(), false),
        );
        assert!(
            diff.is_empty(),
            "after busybox {} with --overlay=none the host trees differ (first: native, \
             second: sandbox):\n{diff}",
            args.join(" ")
        );
    }
    let names: Vec<String> = snapshot(sandbox_dir.path(), false)
        .into_iter()
        .map(|e| e.path)
        .collect();
    assert_eq!(
        names,
        [
            ".",
            "c",
            "d",
            "d/e",
            "d/e/copy",
            "d/e/copy/deeper",
            "d/e/copy/deeper/y",
            "d/e/copy/x",
            "link",
            "newfile",
            "ro"
        ]
    );
}
