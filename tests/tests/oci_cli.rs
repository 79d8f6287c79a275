//! Issue #6's first CLI pieces: `runsc --version` in the form callers parse
//! and `runsc spec` writing runc's default bundle configuration.

use std::process::Command;

use rvisor_tests::{find_runsc, TempDir};

#[test]
fn version_prints_runsc_version_commit_and_spec() {
    let out = Command::new(find_runsc().unwrap())
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("runsc version "), "{text}");
    assert!(lines[1].starts_with("commit: "), "{text}");
    let spec = lines[2].strip_prefix("spec: ").expect("a spec line");
    assert!(spec.starts_with("1."), "{text}");
}

#[test]
fn spec_writes_a_default_config_once() {
    let dir = TempDir::new("rvisor-spec");
    let run = || {
        Command::new(find_runsc().unwrap())
            .args(["spec", "--bundle"])
            .arg(dir.path())
            .output()
            .unwrap()
    };
    let first = run();
    assert!(first.status.success(), "{first:?}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("config.json")).unwrap()).unwrap();
    assert!(json["ociVersion"].as_str().unwrap().starts_with("1."));
    assert_eq!(json["process"]["args"], serde_json::json!(["sh"]));
    assert_eq!(json["root"]["path"], "rootfs");
    let types: Vec<&str> = json["linux"]["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["type"].as_str().unwrap())
        .collect();
    for t in ["pid", "mount", "ipc", "uts", "network"] {
        assert!(types.contains(&t), "{types:?}");
    }
    // runc refuses to overwrite a config: exit 1, the file unchanged.
    let second = run();
    assert_eq!(second.status.code(), Some(1), "{second:?}");
}
