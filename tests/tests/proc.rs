//! Issue #5's procfs end to end: procps's `ps` and `top`, `busybox ps`
//! and Python see the sandbox's own processes (and nothing of the host's)
//! the way they see their own natively.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use rvisor_tests::{pids_with_exe, run_with_timeout, runsc, runsc_do, RunOutput, TempDir};

const TIMEOUT: Duration = Duration::from_secs(120);

fn env(mut cmd: Command, dir: &Path) -> Command {
    cmd.env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("LANG", "C.UTF-8")
        .current_dir(dir);
    cmd
}

fn native(args: &[&str]) -> RunOutput {
    let d = TempDir::new("rvisor-proc-n");
    let mut cmd = Command::new(args[0]);
    cmd.args(&args[1..]);
    run_with_timeout(&mut env(cmd, d.path()), None, TIMEOUT).expect("running natively")
}

fn sandboxed(args: &[&str]) -> RunOutput {
    let d = TempDir::new("rvisor-proc-s");
    run_with_timeout(&mut env(runsc_do(&[], args), d.path()), None, TIMEOUT)
        .expect("running runsc do")
}

fn installed(p: &str) -> bool {
    if Path::new(p).exists() {
        return true;
    }
    eprintln!("skipped: {p} is not installed");
    false
}

/// A shell with three known children (two sleeps and a shell running a
/// third), which prints its own pid and then runs `lister`.
fn three_processes(lister: &str) -> String {
    format!(
        "sleep 101 >/dev/null 2>&1 & a=$!; sleep 102 >/dev/null 2>&1 & b=$!; \
         sh -c 'sleep 103; :' >/dev/null 2>&1 & c=$!; sleep 0.5; echo \"ME $$\"; {lister}; \
         pkill -P $c; kill $a $b $c 2>/dev/null; wait; true"
    )
}

/// One row of `ps -eo pid,ppid,user,stat,rss,args`.
#[derive(Debug, Clone)]
struct Row {
    pid: u32,
    ppid: u32,
    user: String,
    stat: String,
    rss: u64,
    args: String,
}

fn parse_ps(out: &str) -> (u32, Vec<Row>) {
    let mut me = 0;
    let mut rows = Vec::new();
    for line in out.lines() {
        if let Some(p) = line.strip_prefix("ME ") {
            me = p.trim().parse().unwrap_or(0);
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 6 || f[0] == "PID" {
            continue;
        }
        let (Ok(pid), Ok(ppid), Ok(rss)) = (f[0].parse(), f[1].parse(), f[4].parse()) else {
            continue;
        };
        rows.push(Row {
            pid,
            ppid,
            user: f[2].to_string(),
            stat: f[3].to_string(),
            rss,
            args: f[5..].join(" "),
        });
    }
    (me, rows)
}

/// The shell's process tree, pids replaced by command lines: (args,
/// parent's args, user, state letter, has memory), sorted.
fn tree(me: u32, rows: &[Row]) -> BTreeSet<(String, String, String, char, bool)> {
    let by_pid: BTreeMap<u32, &Row> = rows.iter().map(|r| (r.pid, r)).collect();
    let in_tree = |mut pid: u32| {
        while let Some(r) = by_pid.get(&pid) {
            if r.pid == me {
                return true;
            }
            pid = r.ppid;
        }
        false
    };
    rows.iter()
        .filter(|r| in_tree(r.pid))
        .map(|r| {
            let parent = if r.pid == me {
                "-".to_string()
            } else {
                by_pid.get(&r.ppid).map_or("?".into(), |p| p.args.clone())
            };
            // The shell's command line differs only in being the sandbox's
            // init; its state letter is what matters.
            let args = if r.pid == me {
                "SHELL".into()
            } else {
                r.args.clone()
            };
            let parent = if r.ppid == me { "SHELL".into() } else { parent };
            (
                args,
                parent,
                r.user.clone(),
                r.stat.chars().next().unwrap_or('?'),
                r.rss > 0,
            )
        })
        .collect()
}

#[test]
fn ps_shows_the_same_process_tree() {
    if !installed("/usr/bin/ps") {
        return;
    }
    let script = three_processes("ps -eo pid,ppid,user,stat,rss,args");
    let args = ["/bin/sh", "-c", script.as_str()];
    let (n, s) = (native(&args), sandboxed(&args));
    assert_eq!(n.code(), Some(0), "{}", n.dump());
    assert_eq!(s.code(), Some(0), "{}", s.dump());
    let (nme, nrows) = parse_ps(&n.stdout_str());
    let (sme, srows) = parse_ps(&s.stdout_str());
    let (nt, st) = (tree(nme, &nrows), tree(sme, &srows));
    assert_eq!(nt.len(), 6, "native tree: {nt:#?}\n{}", n.dump());
    assert_eq!(nt, st, "\n{}\n{}", n.dump(), s.dump());
    // In the sandbox the shell is init, and ps lists nothing but the
    // sandbox's processes.
    assert_eq!(sme, 1, "{}", s.dump());
    assert_eq!(srows.len(), 6, "{}", s.dump());
}

#[test]
fn busybox_ps_lists_the_processes() {
    if !installed("/bin/busybox") {
        return;
    }
    let script = three_processes("busybox ps");
    let s = sandboxed(&["/bin/sh", "-c", &script]);
    assert_eq!(s.code(), Some(0), "{}", s.dump());
    let out = s.stdout_str();
    for want in ["sleep 101", "sleep 102", "sleep 103", "busybox ps"] {
        assert!(out.contains(want), "no {want:?} in\n{}", s.dump());
    }
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    assert_eq!(lines.len(), 6, "{}", s.dump());
    assert!(lines[0].trim_start().starts_with("1 "), "{}", s.dump());
}

#[test]
fn top_batch_lists_the_processes() {
    if !installed("/usr/bin/top") {
        return;
    }
    let script = three_processes("top -b -n 1");
    let s = sandboxed(&["/bin/sh", "-c", &script]);
    assert_eq!(s.code(), Some(0), "{}", s.dump());
    let out = s.stdout_str();
    assert!(s.stderr_str().is_empty(), "{}", s.dump());
    assert!(out.contains("load average:"), "{}", s.dump());
    let tasks = out
        .lines()
        .find_map(|l| l.strip_prefix("Tasks:"))
        .and_then(|l| l.split_whitespace().next()?.parse::<u32>().ok());
    assert_eq!(tasks, Some(6), "{}", s.dump());
    let sleeps = out
        .lines()
        .filter(|l| l.trim_end().ends_with(" sleep"))
        .count();
    assert_eq!(sleeps, 3, "{}", s.dump());
    assert!(
        out.lines().any(|l| l.trim_end().ends_with(" top")),
        "{}",
        s.dump()
    );
}

#[test]
fn python_cpu_count_and_loadavg() {
    if !installed("/usr/bin/python3") {
        return;
    }
    let code = "import os; l = os.getloadavg(); print(os.cpu_count()); print(len(l), all(x >= 0 for x in l))";
    let args = ["/usr/bin/python3", "-c", code];
    let (n, s) = (native(&args), sandboxed(&args));
    assert_eq!(s.code(), Some(0), "{}", s.dump());
    assert_eq!(n.stdout, s.stdout, "\n{}\n{}", n.dump(), s.dump());
    assert!(s.stdout_str().ends_with("3 True\n"), "{}", s.dump());
}

#[test]
fn init_cmdline_and_no_host_pids() {
    let s = sandboxed(&["/bin/cat", "/proc/1/cmdline"]);
    assert_eq!(s.code(), Some(0), "{}", s.dump());
    assert_eq!(s.stdout, b"/bin/cat\0/proc/1/cmdline\0", "{}", s.dump());

    // Every pid the sandbox's /proc lists is one of its own processes: not
    // this test's, not the sentry's or the gofer's host pids.
    let me = std::process::id();
    let script = format!(
        "sleep 5 & ls /proc | grep -E '^[0-9]+$' | sort -n | tr '\\n' ' '; echo; \
         test -e /proc/{me} && echo SEEN-RUNNER; kill %1"
    );
    let s = sandboxed(&["/bin/sh", "-c", &script]);
    let pids: Vec<u32> = s
        .stdout_str()
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect();
    assert!(!s.stdout_str().contains("SEEN-RUNNER"), "{}", s.dump());
    // sh (init), sleep, ls, grep, sort, tr: pids 1 up to a few.
    assert!(pids.contains(&1) && pids.len() >= 3, "{}", s.dump());
    assert!(pids.iter().all(|&p| p < 20), "{}", s.dump());
    for host in pids_with_exe(&runsc()) {
        assert!(
            host < 20 || !pids.contains(&host),
            "host pid {host} seen: {}",
            s.dump()
        );
    }
}
