//! Issue #4 end to end: file-heavy Debian programs (tar, cp -a, git,
//! sqlite3, Python's tempfile/shutil/fcntl) give the same output and exit
//! status natively and in the sandbox.
//!
//! Each test runs one `sh -c` script twice: natively in a fresh directory
//! under /tmp, and under `runsc do` in another fresh (empty) one, whose
//! writes land in the sandbox's overlay. Scripts only print names relative
//! to their working directory, so both sides must print the same bytes.
//!
//! Needs `runsc` (see `rvisor_tests::find_runsc`) and Debian's tar, diff,
//! coreutils, git, sqlite3 and python3 (scripts/test.sh installs them).

#![deny(unsafe_code)]

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use rvisor_tests::{run_with_timeout, runsc_do, RunOutput, TempDir};

const TIMEOUT: Duration = Duration::from_secs(240);

/// The environment both sides get: independent of the test runner's.
const ENV: &[(&str, &str)] = &[
    ("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
    ("LANG", "C"),
    ("LC_ALL", "C"),
    ("TZ", "UTC"),
    ("USER", "root"),
];

fn with_env(mut cmd: Command, cwd: &Path) -> Command {
    cmd.env_clear()
        .envs(ENV.iter().copied())
        .env("HOME", cwd)
        .env("TMPDIR", cwd)
        .current_dir(cwd);
    cmd
}

/// Runs `sh -c script` natively and in the sandbox, each from a fresh
/// directory, and asserts both succeed with byte-identical stdout and
/// stderr. Returns the sandbox's run. Skips (returning `None`) if one of
/// `needs` is not installed.
fn compare_script(needs: &[&str], script: &str) -> Option<RunOutput> {
    if let Some(missing) = needs.iter().find(|p| !Path::new(p).exists()) {
        eprintln!("skipped: {missing} is not installed (scripts/test.sh installs it)");
        return None;
    }
    let args = ["/bin/sh", "-c", script];
    let (dn, ds) = (
        TempDir::new("rvisor-files-n"),
        TempDir::new("rvisor-files-s"),
    );
    let mut cmd = Command::new(args[0]);
    cmd.args(&args[1..]);
    let n = run_with_timeout(&mut with_env(cmd, dn.path()), None, TIMEOUT).expect("running sh");
    let s = run_with_timeout(
        &mut with_env(runsc_do(&[], &args), ds.path()),
        None,
        TIMEOUT,
    )
    .expect("running runsc do");
    assert_eq!(n.code(), Some(0), "script failed natively:\n{}", n.dump());
    assert!(
        n.code() == s.code() && n.stdout == s.stdout && n.stderr == s.stderr,
        "sandbox differs from native\n=== native ===\n{}\n=== sandbox ===\n{}",
        n.dump(),
        s.dump()
    );
    Some(s)
}

/// `tar -c` of /usr/share/doc piped to `tar -x`, then `diff -r` of the two
/// trees (symlinks compared as links) and a listing of the copy with sizes,
/// modes, owners, nanosecond mtimes (pax format) and link targets.
#[test]
fn tar_pipe_of_usr_share_doc_diffs_clean() {
    let script = r#"set -e
mkdir out
tar -C /usr/share --format=posix -cf - doc | tar -C out -xf -
diff -r --no-dereference /usr/share/doc out/doc
echo "diff: clean"
echo "entries: $(find out/doc | wc -l)"
# Directory sizes depend on the file system; everything else must match.
list() {
  find "$1" \( -type d -printf '%P d %m %U:%G %T@\n' \) -o -printf '%P %y %m %U:%G %s %T@ %l\n' | sort | md5sum
}
list out/doc
list /usr/share/doc
rm -r out
echo "removed: $(ls -A | wc -l) left"
"#;
    let Some(s) = compare_script(&["/usr/bin/tar", "/usr/bin/diff"], script) else {
        return;
    };
    let out = s.stdout_str();
    let sums: Vec<&str> = out.lines().filter(|l| l.ends_with(" -")).collect();
    assert!(
        sums.len() == 2 && sums[0] == sums[1],
        "the copy's listing differs from the original's:\n{out}"
    );
}

/// The tree `cp -a` copies: hard links, symlinks (one dangling), a sparse
/// file, odd modes and fixed mtimes.
const CP_TREE: &str = r#"set -e
mkdir -p src/sub/deep
printf 'hello\n' > src/a
ln src/a src/sub/hard
ln src/a src/sub/deep/hard2
ln -s a src/link
ln -s ../nothing src/sub/dangling
ln -s sub/deep src/dirlink
head -c 100000 /usr/share/doc/dpkg/copyright > src/sub/big 2>/dev/null || seq 1 20000 > src/sub/big
printf 'x' | dd of=src/sparse bs=1 seek=16777216 conv=notrunc status=none
chmod 640 src/a
chmod 711 src/sub/deep
chmod 4755 src/sub/big
touch -h -d @1000000000 src/a src/link src/sub/big src/sparse src/sub/deep src/sub src/dirlink src/sub/dangling src
"#;

/// User xattrs on a file, a directory and its hard links (set after the
/// tree, then the times fixed again).
const CP_XATTRS: &str = r#"python3 - <<'EOF'
import os
os.setxattr("src/a", "user.colour", b"blue")
os.setxattr("src/sub/big", "user.empty", b"")
os.setxattr("src/sub", "user.dir", b"\x00\x01binary")
EOF
touch -h -d @1000000000 src/a src/sub/big src/sub
"#;

/// Prints each entry's stat line and xattrs, sorted; sparse files are shown
/// as whether they still have holes (their block counts depend on the file
/// system).
const CP_LIST: &str = r#"
list() (
  cd "$1"
  find . | LC_ALL=C sort | while read -r f; do
    if [ -d "$f" ] && [ ! -L "$f" ]; then
      stat -c '%n %h %a %u %g %F %Y' "$f"
    else
      stat -c '%n %s %h %a %u %g %F %N %Y' "$f"
    fi
  done
  stat -c '%h %i' sub/deep/hard2 | { read -r n ino; [ "$(stat -c %i a)" = "$ino" ] && echo "hard2: $n links, same inode as a"; }
  blocks=$(stat -c %b sparse)
  [ "$blocks" -lt 1024 ] && echo "sparse: holes kept" || echo "sparse: $blocks blocks"
  python3 - <<'EOF'
import os
for root, dirs, files in sorted(os.walk(".")):
    dirs.sort()
    for name in sorted(dirs + files):
        p = os.path.join(root, name)
        for k in sorted(os.listxattr(p, follow_symlinks=False)):
            if k.startswith("user."):
                print("xattr", p, k, os.getxattr(p, k, follow_symlinks=False))
EOF
)
"#;

/// `cp -a src dst` after `setup`; checks both listings are the same and
/// returns the sandbox's output.
fn cp_a(setup: &str) -> Option<String> {
    let script = format!(
        "{setup}{CP_LIST}cp -a src dst\necho '--- src'\nlist src\necho '--- dst'\nlist dst\n\
         cmp src/sparse dst/sparse && echo 'sparse: same bytes'\n"
    );
    let s = compare_script(&["/usr/bin/python3", "/bin/cp"], &script)?;
    let out = s.stdout_str();
    let (src, dst) = out
        .split_once("--- dst\n")
        .expect("no dst listing in the output");
    let src = src.trim_start_matches("--- src\n");
    assert_eq!(
        src,
        dst.trim_end_matches("sparse: same bytes\n"),
        "cp -a changed something"
    );
    assert!(out.contains("sparse: holes kept"), "{out}");
    assert!(out.contains("hard2: 3 links, same inode as a"), "{out}");
    Some(out)
}

#[test]
fn cp_a_keeps_links_holes_modes_and_times() {
    cp_a(CP_TREE);
}

#[test]
fn cp_a_keeps_xattrs() {
    let Some(out) = cp_a(&format!("{CP_TREE}{CP_XATTRS}")) else {
        return;
    };
    assert!(out.contains("xattr ./a user.colour b'blue'"), "{out}");
    assert!(out.contains("xattr ./sub user.dir"), "{out}");
}

/// `git init`, `add`, `commit` and `log` with fixed names and dates, so the
/// commit hashes must match; then `fsck` and a second commit that renames
/// and deletes.
#[test]
fn git_init_add_commit_log() {
    let script = r#"set -e
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME='A U Thor' GIT_AUTHOR_EMAIL=author@example.com
export GIT_COMMITTER_NAME='C O Mitter' GIT_COMMITTER_EMAIL=committer@example.com
export GIT_AUTHOR_DATE='2020-02-02T12:00:00Z' GIT_COMMITTER_DATE='2020-02-02T12:00:00Z'
git init -q -b main repo
cd repo
mkdir -p src/nested
printf 'fn main() {}\n' > src/main.rs
seq 1 5000 > src/nested/numbers.txt
printf '#!/bin/sh\necho hi\n' > run.sh
chmod +x run.sh
ln -s src/main.rs link
git add .
git commit -q -m 'first commit'
git mv src/nested/numbers.txt numbers.txt
git rm -q run.sh
echo more >> src/main.rs
git commit -q -a -m 'second: move, delete, modify'
git log --stat --format='%H %an <%ae> %ad %cn %s' --date=iso-strict
git ls-files -s
git status --porcelain
git fsck --strict 2>&1
git gc -q
git count-objects -v | grep -v size
"#;
    compare_script(&["/usr/bin/git"], script);
}

/// `git clone` of a local repository made on the host before the runs:
/// git hard-links the object files and checks that each link has the
/// source's inode number, mode and size; in the sandbox each link copies a
/// lower-layer file up to the overlay's upper layer.
#[test]
fn git_clone_of_a_host_repository_hard_links_objects() {
    if !Path::new("/usr/bin/git").exists() {
        eprintln!("skipped: /usr/bin/git is not installed");
        return;
    }
    let src = TempDir::new("rvisor-files-repo");
    let setup = format!(
        "{GIT_ENV}git init -q -b main {0}\ncd {0}\nseq 1 3000 > numbers\n\
         mkdir d && echo x > d/x\ngit add . && git commit -q -m one\n\
         echo y >> d/x && git commit -q -a -m two\n",
        src.path().display()
    );
    let mut cmd = Command::new("/bin/sh");
    cmd.args(["-c", &setup]);
    let out = run_with_timeout(&mut with_env(cmd, src.path()), None, TIMEOUT).expect("sh");
    assert_eq!(
        out.code(),
        Some(0),
        "making the repository:\n{}",
        out.dump()
    );
    let script = format!(
        "set -e\n{GIT_ENV}git clone -q {} clone\ncd clone\n\
         git log --format='%H %s'\ngit status --porcelain\ngit fsck --strict 2>&1\n\
         find .git/objects -type f -links +1 | wc -l\n",
        src.path().display()
    );
    let Some(s) = compare_script(&["/usr/bin/git"], &script) else {
        return;
    };
    assert!(s.stdout_str().contains(" two\n"), "{}", s.dump());
}

/// Fixed identities and dates for git, so commit hashes match.
const GIT_ENV: &str = "export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME='A U Thor' GIT_AUTHOR_EMAIL=author@example.com
export GIT_COMMITTER_NAME='C O Mitter' GIT_COMMITTER_EMAIL=committer@example.com
export GIT_AUTHOR_DATE='2020-02-02T12:00:00Z' GIT_COMMITTER_DATE='2020-02-02T12:00:00Z'
";

/// sqlite3 in WAL mode: a 10,000-row table, then two processes inserting
/// at once under sqlite's locks (fcntl record locks on the database and
/// its shared-memory file, which both map), then `integrity_check`.
#[test]
fn sqlite3_wal_two_writers() {
    let script = r#"set -e
sqlite3 db <<'EOF'
PRAGMA journal_mode=WAL;
CREATE TABLE t(id INTEGER PRIMARY KEY, who TEXT NOT NULL, v INTEGER NOT NULL);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000)
INSERT INTO t(who, v) SELECT 'init', x FROM c;
CREATE INDEX t_who ON t(who);
EOF
writer() {
  i=1
  while [ $i -le 200 ]; do
    echo "BEGIN IMMEDIATE; INSERT INTO t(who, v) VALUES('$1', $i); COMMIT;"
    i=$((i + 1))
  done | sqlite3 -cmd '.timeout 60000' db
}
writer a &
writer b &
wait
sqlite3 db <<'EOF'
PRAGMA integrity_check;
PRAGMA journal_mode;
SELECT count(*) FROM t;
SELECT who, count(*), sum(v) FROM t GROUP BY who ORDER BY who;
PRAGMA wal_checkpoint(TRUNCATE);
EOF
ls db*
"#;
    let Some(s) = compare_script(&["/usr/bin/sqlite3"], script) else {
        return;
    };
    let out = s.stdout_str();
    assert!(out.starts_with("wal\nok\nwal\n10400\n"), "{out}");
}

/// A Python script exercising tempfile, shutil (copytree, move, rmtree,
/// disk_usage) and os.walk.
const PY_FILES: &str = r#"
import hashlib, os, shutil, tempfile

def tree_summary(top):
    out = []
    for root, dirs, files in os.walk(top):
        dirs.sort()
        rel = os.path.relpath(root, top)
        for f in sorted(files):
            p = os.path.join(root, f)
            st = os.lstat(p)
            if os.path.islink(p):
                out.append(f"{rel}/{f} -> {os.readlink(p)}")
            else:
                h = hashlib.sha256(open(p, "rb").read()).hexdigest()[:16]
                out.append(f"{rel}/{f} {st.st_size} {oct(st.st_mode & 0o7777)} {h}")
    return out

with tempfile.TemporaryDirectory(prefix="py-") as tmp:
    src = os.path.join(tmp, "src")
    os.makedirs(os.path.join(src, "a", "b", "c"))
    for i in range(50):
        d = os.path.join(src, "a" if i % 2 else "a/b", f"f{i:02}.txt")
        with open(d, "w") as f:
            f.write(f"line {i}\n" * (i * 37))
    os.chmod(os.path.join(src, "a", "f01.txt"), 0o600)
    os.symlink("b/f00.txt", os.path.join(src, "a", "link"))
    with tempfile.NamedTemporaryFile("w+b", dir=tmp, delete=False) as nt:
        nt.write(b"named temporary\n" * 1000)
        nt.seek(0)
        print("named temp reads back:", len(nt.read()))
    with tempfile.SpooledTemporaryFile(max_size=100) as sp:
        sp.write(b"spill over the limit " * 20)
        sp.seek(0)
        print("spooled:", len(sp.read()))

    dst = os.path.join(tmp, "dst")
    shutil.copytree(src, dst, symlinks=True)
    print("copytree equal:", tree_summary(src) == tree_summary(dst))
    moved = os.path.join(tmp, "moved")
    shutil.move(dst, moved)
    print("moved:", os.path.exists(dst), os.path.isdir(moved))
    shutil.move(nt.name, os.path.join(moved, "named"))
    for line in tree_summary(moved):
        print(line)
    n = sum(len(files) for _, _, files in os.walk(moved))
    print("walked files:", n)
    shutil.rmtree(moved)
    print("rmtree:", os.path.exists(moved))
    print("disk usage ok:", shutil.disk_usage(tmp).total > 0)

print("tempdir removed:", not os.path.exists(tmp))
"#;

#[test]
fn python_tempfile_shutil_walk() {
    let script = format!("python3 - <<'EOF'\n{PY_FILES}\nEOF\n");
    let Some(s) = compare_script(&["/usr/bin/python3"], &script) else {
        return;
    };
    assert!(s.stdout_str().contains("walked files: 52"), "{}", s.dump());
}

/// fcntl.flock between two processes: a child's LOCK_NB attempt fails
/// while the parent holds LOCK_EX, and its blocking LOCK_SH succeeds once
/// the parent unlocks.
const PY_FLOCK: &str = r#"
import fcntl, os, sys, tempfile

tmp = tempfile.mkdtemp()
lock_path = os.path.join(tmp, "lock")
fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX)
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(r)
    cfd = os.open(lock_path, os.O_RDWR)
    try:
        fcntl.flock(cfd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(w, b"child got the lock: wrong\n")
    except BlockingIOError:
        os.write(w, b"child: lock busy\n")
    fcntl.flock(cfd, fcntl.LOCK_SH)
    os.write(w, b"child: shared lock after parent unlocked\n")
    os._exit(0)
os.close(w)
first = os.read(r, 100)
sys.stdout.write(first.decode())
fcntl.flock(fd, fcntl.LOCK_UN)
rest = b""
while chunk := os.read(r, 100):
    rest += chunk
sys.stdout.write(rest.decode())
_, status = os.waitpid(pid, 0)
print("child exit:", os.waitstatus_to_exitcode(status))
os.unlink(lock_path)
os.rmdir(tmp)
"#;

#[test]
fn python_fcntl_flock() {
    let script = format!("python3 - <<'EOF'\n{PY_FLOCK}\nEOF\n");
    let Some(s) = compare_script(&["/usr/bin/python3"], &script) else {
        return;
    };
    assert!(s.stdout_str().contains("child: lock busy"), "{}", s.dump());
}

/// Invalid pointers, flags and descriptors to the file syscalls fail with
/// Linux's errno (the program checks, natively too) and leave the sandbox
/// healthy.
#[test]
fn bad_arguments_to_file_syscalls() {
    let dir = TempDir::new("rvisor-files-badargs");
    let bin = dir.join("bad_args_files");
    rvisor_tests::compile_static_c(
        &rvisor_tests::workspace_dir().join("tests/programs/bad_args_files.c"),
        &bin,
    )
    .unwrap();
    let script = format!("exec {}", bin.display());
    let s = compare_script(&[], &script).expect("no requirements");
    assert!(
        s.stdout_str()
            .ends_with("healthy after bad arguments\n0 mismatches\n"),
        "{}",
        s.dump()
    );
}
