//! `runsc do --user UID[:GID]`: the program's credentials, and the sentry's
//! permission checks against host files seen through the gofer.
//!
//! These need `runsc` (see `rvisor_tests::find_runsc`) and busybox-static.

#![deny(unsafe_code)]

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::process::Command;
use std::time::Duration;

use rvisor_tests::{run_with_timeout, runsc_do, RunOutput, TempDir};

const TIMEOUT: Duration = Duration::from_secs(30);

fn bb(flags: &[&str], args: &[&str]) -> RunOutput {
    let mut program = vec!["/bin/busybox"];
    program.extend_from_slice(args);
    let mut cmd: Command = runsc_do(flags, &program);
    run_with_timeout(&mut cmd, None, TIMEOUT).expect("spawning runsc")
}

#[test]
fn user_sets_uid_and_gid() {
    let out = bb(&["--user", "1000:1000"], &["id", "-u"]);
    assert_eq!(out.stdout_str(), "1000\n", "{}", out.dump());
    let out = bb(&["--user", "1000:1000"], &["id"]);
    let s = out.stdout_str();
    assert_eq!(out.code(), Some(0), "{}", out.dump());
    assert!(s.starts_with("uid=1000"), "{}", out.dump());
    assert!(s.contains(" gid=1000"), "{}", out.dump());
    // No supplementary groups beyond the primary one.
    let out = bb(&["--user", "1000:1000"], &["id", "-G"]);
    assert_eq!(out.stdout_str(), "1000\n", "{}", out.dump());
}

#[test]
fn user_with_other_gid() {
    let out = bb(&["--user", "1234:4321"], &["sh", "-c", "id -u; id -g"]);
    assert_eq!(out.stdout_str(), "1234\n4321\n", "{}", out.dump());
}

#[test]
fn user_has_no_capabilities() {
    // A non-root user cannot chown, even its own files (CAP_CHOWN), nor
    // read /root-like 0700 directories of root.
    let dir = TempDir::new("perms-caps");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let private = dir.join("private");
    std::fs::create_dir(&private).unwrap();
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700)).unwrap();
    let open = dir.join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let mine = format!("{}/mine", open.to_str().unwrap());
    let script = format!("echo x > {mine} && chown 0 {mine}");
    let out = bb(&["--user", "1000:1000"], &["sh", "-c", &script]);
    assert_ne!(out.code(), Some(0), "{}", out.dump());
    assert!(
        out.stderr_str().contains("Operation not permitted"),
        "{}",
        out.dump()
    );
    let p = private.to_str().unwrap();
    let out = bb(&["--user", "1000:1000"], &["ls", p]);
    assert_ne!(out.code(), Some(0), "{}", out.dump());
    assert!(
        out.stderr_str().contains("Permission denied"),
        "{}",
        out.dump()
    );
    let out = bb(&[], &["ls", p]);
    assert_eq!(out.code(), Some(0), "{}", out.dump());
}

#[test]
fn root_only_file_unreadable_by_user() {
    let dir = TempDir::new("perms-file");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let secret = dir.join("secret");
    std::fs::write(&secret, "top secret\n").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    let owner = std::fs::metadata(&secret).unwrap().uid();
    assert_ne!(owner, 1000, "the test needs a file not owned by uid 1000");
    let path = secret.to_str().unwrap();

    let out = bb(&["--user", "1000:1000"], &["cat", path]);
    assert_ne!(out.code(), Some(0), "{}", out.dump());
    assert!(out.stdout.is_empty(), "{}", out.dump());
    assert!(
        out.stderr_str().contains("Permission denied"),
        "{}",
        out.dump()
    );

    let out = bb(&[], &["cat", path]);
    assert_eq!(out.stdout_str(), "top secret\n", "{}", out.dump());
    assert_eq!(out.code(), Some(0), "{}", out.dump());
}

#[test]
fn bad_user_is_refused() {
    let out = bb(&["--user", "nobody"], &["true"]);
    assert_ne!(out.code(), Some(0), "{}", out.dump());
    assert!(out.stderr_str().contains("numeric"), "{}", out.dump());
}
