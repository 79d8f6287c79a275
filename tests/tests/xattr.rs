//! Extended attributes of gofer files (`--overlay=none`): forwarded through
//! 9P (Txattrwalk, Txattrcreate) to the host file, in both directions.
//!
//! Needs `runsc` (see `rvisor_tests::find_runsc`) and /usr/bin/python3; the
//! host side is checked with python3 run natively, and /tmp must take
//! user.* attributes (ext4, tmpfs, xfs, btrfs all do).

#![deny(unsafe_code)]

use std::process::Command;
use std::time::Duration;

use rvisor_tests::{run_with_timeout, runsc_do, RunOutput, TempDir};

const PYTHON: &str = "/usr/bin/python3";
const TIMEOUT: Duration = Duration::from_secs(60);
/// Linux x86-64 errno values, as python's `OSError.errno` prints them.
const EEXIST: i32 = 17;
const ENODATA: i32 = 61;

fn python_native(script: &str) -> RunOutput {
    let mut cmd = Command::new(PYTHON);
    cmd.args(["-c", script]);
    run_with_timeout(&mut cmd, None, TIMEOUT).expect("spawning python3")
}

fn python_sandboxed(dir: &TempDir, script: &str) -> RunOutput {
    let mut cmd = runsc_do(&["--overlay=none"], &[PYTHON, "-c", script]);
    cmd.current_dir(dir.path());
    run_with_timeout(&mut cmd, None, TIMEOUT).expect("spawning runsc")
}

#[test]
fn set_in_sandbox_shows_on_host() {
    let dir = TempDir::new("rvisor-xattr");
    std::fs::write(dir.join("f"), "data").unwrap();
    std::fs::create_dir(dir.join("d")).unwrap();
    let script = "import os\n\
        os.setxattr('f', 'user.color', b'blue')\n\
        os.setxattr('f', 'user.gone', b'x')\n\
        os.removexattr('f', 'user.gone')\n\
        os.setxattr('d', 'user.kind', b'dir')\n\
        print(os.getxattr('f', 'user.color').decode(), sorted(os.listxattr('f')))\n\
        try:\n    os.setxattr('f', 'user.color', b'red', os.XATTR_CREATE)\n\
        except OSError as e:\n    print('create', e.errno)\n\
        try:\n    os.getxattr('f', 'user.gone')\n\
        except OSError as e:\n    print('get', e.errno)\n";
    let out = python_sandboxed(&dir, script);
    assert_eq!(out.code(), Some(0), "{}", out.dump());
    assert_eq!(
        out.stdout_str(),
        format!("blue ['user.color']\ncreate {}\nget {}\n", EEXIST, ENODATA),
        "{}",
        out.dump()
    );
    let host = python_native(&format!(
        "import os\n\
         print(os.getxattr('{f}', 'user.color').decode(), sorted(os.listxattr('{f}')))\n\
         print(os.getxattr('{d}', 'user.kind').decode())\n",
        f = dir.join("f").display(),
        d = dir.join("d").display()
    ));
    assert_eq!(host.code(), Some(0), "{}", host.dump());
    assert_eq!(
        host.stdout_str(),
        "blue ['user.color']\ndir\n",
        "{}",
        host.dump()
    );
}

#[test]
fn set_on_host_shows_in_sandbox() {
    let dir = TempDir::new("rvisor-xattr");
    std::fs::write(dir.join("f"), "data").unwrap();
    let host = python_native(&format!(
        "import os\nos.setxattr('{}', 'user.from_host', b'hello')\n",
        dir.join("f").display()
    ));
    assert_eq!(host.code(), Some(0), "{}", host.dump());
    let out = python_sandboxed(
        &dir,
        "import os\n\
         print(os.getxattr('f', 'user.from_host').decode(), os.listxattr('f'))\n\
         print(os.getxattr('f', 'user.from_host', follow_symlinks=False).decode())\n\
         fd = os.open('f', os.O_RDONLY)\n\
         print(os.getxattr(fd, 'user.from_host').decode())\n",
    );
    assert_eq!(out.code(), Some(0), "{}", out.dump());
    assert_eq!(
        out.stdout_str(),
        "hello ['user.from_host']\nhello\nhello\n",
        "{}",
        out.dump()
    );
}

#[test]
fn only_user_namespace_is_forwarded() {
    let dir = TempDir::new("rvisor-xattr");
    std::fs::write(dir.join("f"), "data").unwrap();
    let out = python_sandboxed(
        &dir,
        "import os\n\
         try:\n    os.setxattr('f', 'trusted.x', b'1')\n\
         except OSError as e:\n    print(e.errno)\n",
    );
    assert_eq!(out.code(), Some(0), "{}", out.dump());
    assert_eq!(out.stdout_str(), "95\n", "{}", out.dump());
}

#[test]
fn overlay_copy_up_keeps_lower_attributes_and_spares_the_host() {
    let dir = TempDir::new("rvisor-xattr");
    std::fs::write(dir.join("f"), "data").unwrap();
    let host = python_native(&format!(
        "import os\nos.setxattr('{}', 'user.lower', b'L')\n",
        dir.join("f").display()
    ));
    assert_eq!(host.code(), Some(0), "{}", host.dump());
    // Default overlay: the lower's attribute shows, and survives the
    // copy-up that the first setxattr makes.
    let mut cmd = runsc_do(
        &[],
        &[
            PYTHON,
            "-c",
            "import os\n\
             print(os.getxattr('f', 'user.lower').decode())\n\
             os.setxattr('f', 'user.upper', b'U')\n\
             print(sorted(os.listxattr('f')), os.getxattr('f', 'user.lower').decode())\n",
        ],
    );
    cmd.current_dir(dir.path());
    let out = run_with_timeout(&mut cmd, None, TIMEOUT).expect("spawning runsc");
    assert_eq!(out.code(), Some(0), "{}", out.dump());
    assert_eq!(
        out.stdout_str(),
        "L\n['user.lower', 'user.upper'] L\n",
        "{}",
        out.dump()
    );
    let host = python_native(&format!(
        "import os\nprint(sorted(os.listxattr('{}')))\n",
        dir.join("f").display()
    ));
    assert_eq!(host.stdout_str(), "['user.lower']\n", "{}", host.dump());
}
