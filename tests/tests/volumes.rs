//! `runsc do --volume HOST:SANDBOX[:ro]`: host directories and files bound
//! into the sandbox, served by the gofer outside the memory overlay.
//!
//! These need `runsc` (see `rvisor_tests::find_runsc`) and busybox-static.

#![deny(unsafe_code)]

use std::process::Command;
use std::time::Duration;

use rvisor_tests::{run_with_timeout, runsc_do, RunOutput, TempDir};

const TIMEOUT: Duration = Duration::from_secs(30);

/// `runsc do FLAGS -- /bin/busybox sh -c SCRIPT`.
fn sh(flags: &[&str], script: &str) -> RunOutput {
    let mut cmd: Command = runsc_do(flags, &["/bin/busybox", "sh", "-c", script]);
    run_with_timeout(&mut cmd, None, TIMEOUT).expect("spawning runsc")
}

#[test]
fn rw_volume_writes_reach_the_host() {
    let dir = TempDir::new("rvisor-vol-rw");
    std::fs::write(dir.join("in"), "from host\n").unwrap();
    let vol = format!("{}:/mnt/vol", dir.path().display());
    let out = sh(
        &["--volume", &vol],
        "cat /mnt/vol/in && echo from sandbox > /mnt/vol/out && mkdir /mnt/vol/d \
         && echo nested > /mnt/vol/d/f && rm /mnt/vol/in",
    );
    assert_eq!(out.code(), Some(0), "{}", out.dump());
    assert_eq!(out.stdout, b"from host\n", "{}", out.dump());
    assert_eq!(std::fs::read(dir.join("out")).unwrap(), b"from sandbox\n");
    assert_eq!(std::fs::read(dir.join("d/f")).unwrap(), b"nested\n");
    assert!(
        !dir.join("in").exists(),
        "unlink in the volume reaches the host"
    );
}

#[test]
fn ro_volume_gives_erofs() {
    let dir = TempDir::new("rvisor-vol-ro");
    std::fs::write(dir.join("f"), "keep\n").unwrap();
    let vol = format!("{}:/data:ro", dir.path().display());
    let out = sh(
        &["--volume", &vol],
        "cat /data/f; echo x > /data/f; echo y > /data/new; mkdir /data/d; rm /data/f; exit 0",
    );
    assert_eq!(out.code(), Some(0), "{}", out.dump());
    assert_eq!(out.stdout, b"keep\n", "{}", out.dump());
    let err = out.stderr_str();
    assert!(
        err.matches("Read-only file system").count() >= 3,
        "expected EROFS for each write: {}",
        out.dump()
    );
    assert_eq!(std::fs::read(dir.join("f")).unwrap(), b"keep\n");
    assert!(!dir.join("new").exists());
    assert!(!dir.join("d").exists());
}

#[test]
fn file_volume_binds_one_file() {
    let dir = TempDir::new("rvisor-vol-file");
    std::fs::write(dir.join("conf"), "one\n").unwrap();
    std::fs::write(dir.join("secret"), "sibling\n").unwrap();
    let vol = format!("{}:/etc/rvisor-test.conf", dir.join("conf").display());
    let out = sh(
        &["--volume", &vol],
        "cat /etc/rvisor-test.conf && echo two >> /etc/rvisor-test.conf",
    );
    assert_eq!(out.code(), Some(0), "{}", out.dump());
    assert_eq!(out.stdout, b"one\n", "{}", out.dump());
    assert_eq!(std::fs::read(dir.join("conf")).unwrap(), b"one\ntwo\n");
}

#[test]
fn overlay_writes_never_reach_the_host() {
    let dir = TempDir::new("rvisor-vol-overlay");
    let vol_dir = TempDir::new("rvisor-vol-overlay-vol");
    let vol = format!("{}:/mnt/v", vol_dir.path().display());
    // The same host directory seen through the overlay root and through a
    // volume: only the volume writes land.
    let script = format!(
        "echo overlay > {d}/a && mkdir {d}/sub && echo vol > /mnt/v/b && cat {d}/a",
        d = dir.path().display()
    );
    let out = sh(&["--volume", &vol], &script);
    assert_eq!(out.code(), Some(0), "{}", out.dump());
    assert_eq!(out.stdout, b"overlay\n", "{}", out.dump());
    assert!(!dir.join("a").exists(), "an overlay write reached the host");
    assert!(
        !dir.join("sub").exists(),
        "an overlay mkdir reached the host"
    );
    assert_eq!(std::fs::read(vol_dir.join("b")).unwrap(), b"vol\n");
    // The mount point was created in the overlay, not on the host.
    assert!(!std::path::Path::new("/mnt/v").exists());
}

#[test]
fn bad_volume_specs_are_refused() {
    let out = sh(&["--volume", "/nonexistent-rvisor:/x"], "true");
    assert_ne!(out.code(), Some(0), "{}", out.dump());
    let out = sh(&["--volume", "/tmp:relative"], "true");
    assert_ne!(out.code(), Some(0), "{}", out.dump());
}

/// With the default `--file-access-mounts=shared`, changes the host makes
/// to a volume while the sandbox runs show up: a file replaced by rename
/// (new inode, new size) and a file removed.
#[test]
fn shared_volume_sees_host_changes() {
    let dir = TempDir::new("rvisor-vol-shared");
    std::fs::write(dir.join("f"), "old").unwrap();
    std::fs::write(dir.join("gone"), "x").unwrap();
    let vol = format!("{}:/v", dir.path().display());
    let script = "busybox stat -c %s /v/f; ls /v/gone >/dev/null; echo ready > /v/ready; \
                  i=0; while [ ! -e /v/go ] && [ $i -lt 200 ]; do busybox sleep 0.05; i=$((i+1)); done; \
                  busybox stat -c %s /v/f; cat /v/f; echo; [ -e /v/gone ] && echo still || echo gone";
    let mut cmd: Command = runsc_do(&["--volume", &vol], &["/bin/busybox", "sh", "-c", script]);
    let path = dir.path().to_path_buf();
    let host = std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while !path.join("ready").exists() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::fs::write(path.join("f.new"), "new content").unwrap();
        std::fs::rename(path.join("f.new"), path.join("f")).unwrap();
        std::fs::remove_file(path.join("gone")).unwrap();
        std::fs::write(path.join("go"), "").unwrap();
    });
    let out = run_with_timeout(&mut cmd, None, TIMEOUT).expect("spawning runsc");
    host.join().unwrap();
    assert_eq!(out.code(), Some(0), "{}", out.dump());
    assert_eq!(
        out.stdout_str(),
        "3\n11\nnew content\ngone\n",
        "{}",
        out.dump()
    );
}

/// Shared mappings of a volume's file: coherent with read and write inside
/// the sandbox, and what the mappings wrote reaches the host, as natively.
#[test]
fn shared_mappings_of_volume_files() {
    let dir = TempDir::new("rvisor-vol-mmap");
    let prog = dir.join("shared_map");
    rvisor_tests::compile_static_c(
        &rvisor_tests::workspace_dir().join("tests/programs/shared_map.c"),
        &prog,
    )
    .unwrap();
    let run = |sandbox: bool| -> (RunOutput, Vec<u8>) {
        let data = TempDir::new("rvisor-vol-mmap-data");
        std::fs::write(data.join("f"), "host-data").unwrap();
        let mut cmd = if sandbox {
            let vol = format!("{}:/vol", data.path().display());
            let bin = format!("{}:/prog", prog.display());
            runsc_do(&["--volume", &vol, "--volume", &bin], &["/prog", "/vol/f"])
        } else {
            let mut c = Command::new(&prog);
            c.arg(data.join("f"));
            c
        };
        let out = run_with_timeout(&mut cmd, None, TIMEOUT).expect("spawning");
        (out, std::fs::read(data.join("f")).unwrap())
    };
    let (native, native_file) = run(false);
    let (sandbox, sandbox_file) = run(true);
    assert_eq!(native.code(), Some(0), "{}", native.dump());
    assert_eq!(sandbox.code(), Some(0), "{}", sandbox.dump());
    assert_eq!(
        native.stdout_str(),
        sandbox.stdout_str(),
        "{}",
        sandbox.dump()
    );
    assert!(
        native
            .stdout_str()
            .contains("read sees the mapping: via-mapping"),
        "{}",
        native.dump()
    );
    assert_eq!(native_file.len(), 6000);
    assert!(
        sandbox_file == native_file,
        "the host file differs: {:?} vs {:?}",
        String::from_utf8_lossy(&sandbox_file[..40]),
        String::from_utf8_lossy(&native_file[..40])
    );
}
