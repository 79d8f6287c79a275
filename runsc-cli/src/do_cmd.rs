//! `runsc do`: run a program in a fresh sandbox over the host's root.

use std::ffi::OsString;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::process::CommandExt;

use anyhow::{Context, Result};
use nix::sys::wait::{waitpid, WaitStatus};
use sentry::boot::{BootConfig, FileAccess, MountKind, MountSpec, Overlay, UtsConfig};

use crate::isolate;

#[derive(clap::Args, Debug)]
pub struct DoArgs {
    /// Platform that intercepts the application's syscalls.
    #[arg(long, default_value = "ptrace", value_parser = ["ptrace"])]
    platform: String,
    /// memory: changes to the root stay in sandbox memory; none: they reach the host.
    #[arg(long, default_value = "memory", value_parser = ["memory", "none"])]
    overlay: String,
    /// Print every syscall the application makes on stderr.
    #[arg(long)]
    strace: bool,
    /// Write the sandbox's debug log to this file.
    #[arg(long = "debug-log")]
    debug_log: Option<String>,
    /// Working directory inside the sandbox (default: the current one).
    #[arg(long)]
    cwd: Option<OsString>,
    /// Runs the program as UID[:GID] in the sandbox, with no supplementary
    /// groups and no capabilities. Without GID, as docker: the primary group
    /// of UID's entry in /etc/passwd, else 0.
    #[arg(long, value_parser = parse_user)]
    user: Option<(u32, Option<u32>)>,
    /// Adds or replaces an environment variable (K=V); repeatable.
    #[arg(long = "env")]
    env: Vec<OsString>,
    /// Binds a host directory or file into the sandbox, HOST:SANDBOX[:ro]
    /// (read-write unless :ro; writes reach the host); repeatable.
    #[arg(long = "volume", short = 'v')]
    volumes: Vec<String>,
    /// Cache policy of the root: exclusive (the sandbox alone changes it;
    /// attributes and dentries are cached) or shared (revalidated with the
    /// gofer on each lookup and stat). See docs/files.md.
    #[arg(long = "file-access", default_value = "exclusive", value_parser = ["exclusive", "shared"])]
    file_access: String,
    /// Cache policy of the --volume mounts (default shared: the host may
    /// change them while the sandbox runs).
    #[arg(long = "file-access-mounts", default_value = "shared", value_parser = ["exclusive", "shared"])]
    file_access_mounts: String,
    /// The program and its arguments.
    #[arg(trailing_var_arg = true, required = true, allow_hyphen_values = true, value_parser = clap::value_parser!(OsString))]
    cmd: Vec<OsString>,
}

fn parse_user(s: &str) -> Result<(u32, Option<u32>), String> {
    let num = |v: &str| {
        v.parse::<u32>()
            .ok()
            .filter(|&n| n != u32::MAX)
            .ok_or_else(|| format!("{v:?} is not a numeric id"))
    };
    match s.split_once(':') {
        Some((u, g)) => Ok((num(u)?, Some(num(g)?))),
        None => Ok((num(s)?, None)),
    }
}

/// The primary gid of `uid` in /etc/passwd (the sandbox's root is the
/// host's), if it has an entry.
fn passwd_gid(uid: u32) -> Option<u32> {
    let text = std::fs::read_to_string("/etc/passwd").ok()?;
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() >= 4 && f[2].parse() == Ok(uid))
            .then(|| f[3].parse().ok())
            .flatten()
    })
}

/// The sandboxed program's uid, gid and groups: --user's, else ours.
fn identity(user: Option<(u32, Option<u32>)>) -> (u32, u32, Vec<u32>) {
    match user {
        Some((uid, gid)) => (
            uid,
            gid.or_else(|| passwd_gid(uid)).unwrap_or(0),
            Vec::new(),
        ),
        None => (
            nix::unistd::getuid().as_raw(),
            nix::unistd::getgid().as_raw(),
            nix::unistd::getgroups()
                .map(|g| g.iter().map(|g| g.as_raw()).collect())
                .unwrap_or_default(),
        ),
    }
}

fn environment(extra: &[OsString]) -> Vec<Vec<u8>> {
    let mut env: Vec<Vec<u8>> = std::env::vars_os()
        .map(|(k, v)| {
            let mut e = k.into_vec();
            e.push(b'=');
            e.extend(v.into_vec());
            e
        })
        .collect();
    for kv in extra {
        let kv = kv.as_bytes();
        let key = kv.split(|&c| c == b'=').next().unwrap_or(kv);
        env.retain(|e| e.split(|&c| c == b'=').next() != Some(key));
        env.push(kv.to_vec());
    }
    env
}

fn rlimits() -> Vec<(u64, u64)> {
    use nix::sys::resource::{getrlimit, Resource};
    let all = [
        Resource::RLIMIT_CPU,
        Resource::RLIMIT_FSIZE,
        Resource::RLIMIT_DATA,
        Resource::RLIMIT_STACK,
        Resource::RLIMIT_CORE,
        Resource::RLIMIT_RSS,
        Resource::RLIMIT_NPROC,
        Resource::RLIMIT_NOFILE,
        Resource::RLIMIT_MEMLOCK,
        Resource::RLIMIT_AS,
        Resource::RLIMIT_LOCKS,
        Resource::RLIMIT_SIGPENDING,
        Resource::RLIMIT_MSGQUEUE,
        Resource::RLIMIT_NICE,
        Resource::RLIMIT_RTPRIO,
        Resource::RLIMIT_RTTIME,
    ];
    all.iter()
        .map(|&r| getrlimit(r).unwrap_or((u64::MAX, u64::MAX)))
        .collect()
}

fn uts() -> UtsConfig {
    let u = nix::sys::utsname::uname().ok();
    let s = |f: fn(&nix::sys::utsname::UtsName) -> &std::ffi::OsStr| {
        u.as_ref()
            .map(|u| f(u).to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    UtsConfig {
        sysname: s(|u| u.sysname()),
        nodename: s(|u| u.nodename()),
        release: s(|u| u.release()),
        version: s(|u| u.version()),
        machine: s(|u| u.machine()),
        domainname: s(|u| u.domainname()),
    }
}

/// Duplicates `fd` above the range the child's fixed numbers use.
fn high(fd: &OwnedFd) -> Result<OwnedFd> {
    let n = nix::fcntl::fcntl(fd.as_raw_fd(), nix::fcntl::FcntlArg::F_DUPFD_CLOEXEC(10))
        .context("dup")?;
    // SAFETY: F_DUPFD_CLOEXEC returned a new descriptor that nothing else owns.
    Ok(unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(n) })
}

/// One `--volume HOST:SANDBOX[:ro]`.
#[derive(Debug, PartialEq)]
struct Volume {
    host: String,
    sandbox: String,
    read_only: bool,
}

fn parse_volume(v: &str) -> Result<Volume> {
    let (rest, read_only) = match v.strip_suffix(":ro") {
        Some(r) => (r, true),
        None => (v.strip_suffix(":rw").unwrap_or(v), false),
    };
    let Some((host, sandbox)) = rest.split_once(':') else {
        anyhow::bail!("--volume {v:?}: expected HOST:SANDBOX[:ro]");
    };
    if !sandbox.starts_with('/') || host.is_empty() {
        anyhow::bail!("--volume {v:?}: the sandbox path must be absolute");
    }
    let host = std::fs::canonicalize(host)
        .with_context(|| format!("--volume {v:?}: {host}"))?
        .to_string_lossy()
        .into_owned();
    Ok(Volume {
        host,
        sandbox: sandbox.to_string(),
        read_only,
    })
}

fn file_access(s: &str) -> FileAccess {
    if s == "shared" {
        FileAccess::Shared
    } else {
        FileAccess::Exclusive
    }
}

pub fn run(args: DoArgs) -> Result<i32> {
    let volumes: Vec<Volume> = args
        .volumes
        .iter()
        .map(|v| parse_volume(v))
        .collect::<Result<_>>()?;
    let cwd = match &args.cwd {
        Some(c) => c.as_bytes().to_vec(),
        None => std::env::current_dir()
            .map(|p| p.into_os_string().into_vec())
            .unwrap_or_else(|_| b"/".to_vec()),
    };
    let (uid, gid, groups) = identity(args.user);
    let cfg = BootConfig {
        argv: args.cmd.iter().map(|a| a.as_bytes().to_vec()).collect(),
        env: environment(&args.env),
        cwd,
        overlay: if args.overlay == "none" {
            Overlay::None
        } else {
            Overlay::Memory
        },
        strace: args.strace,
        uid,
        gid,
        groups,
        uts: uts(),
        rlimits: rlimits(),
        mounts: volumes
            .iter()
            .enumerate()
            .map(|(i, v)| MountSpec {
                destination: v.sandbox.clone().into_bytes(),
                source: v.host.clone(),
                kind: MountKind::Gofer { conn: i },
                read_only: v.read_only,
                file_access: file_access(&args.file_access_mounts),
            })
            .collect(),
        file_access: file_access(&args.file_access),
        terminal: None,
    };
    let mut cfg = cfg;
    // On a host terminal the sandbox gets its own pty, relayed to ours:
    // window sizes go to the sentry over a pipe.
    let on_terminal =
        nix::unistd::isatty(0).unwrap_or(false) && nix::unistd::isatty(1).unwrap_or(false);
    let winsize_pipe = if on_terminal {
        let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).context("pipe")?;
        let r = high(&r)?;
        cfg.terminal = Some(r.as_raw_fd());
        Some((r, w))
    } else {
        None
    };
    let exe = std::env::current_exe().context("finding our own binary")?;
    let exe_s = exe.to_string_lossy().into_owned();

    let (sentry_sock, gofer_sock) = nix::sys::socket::socketpair(
        nix::sys::socket::AddressFamily::Unix,
        nix::sys::socket::SockType::Stream,
        None,
        nix::sys::socket::SockFlag::SOCK_CLOEXEC,
    )
    .context("socketpair")?;
    let sentry_sock = high(&sentry_sock)?;
    let gofer_sock = high(&gofer_sock)?;
    // One connection per volume; each end keeps its (high) number in the
    // gofer and the sentry.
    let mut volume_socks = Vec::new();
    for _ in &volumes {
        let (s, g) = nix::sys::socket::socketpair(
            nix::sys::socket::AddressFamily::Unix,
            nix::sys::socket::SockType::Stream,
            None,
            nix::sys::socket::SockFlag::SOCK_CLOEXEC,
        )
        .context("socketpair")?;
        volume_socks.push((high(&s)?, high(&g)?));
    }

    // The gofer: serves the host's root, read-only unless --overlay=none.
    let mut gofer = std::process::Command::new(&exe);
    gofer.args(["gofer", "--root", "/", "--fd", "3"]);
    if cfg.overlay == Overlay::Memory {
        gofer.arg("--read-only");
    }
    for (v, (_, g)) in volumes.iter().zip(&volume_socks) {
        let mode = if v.read_only { "ro" } else { "rw" };
        gofer.arg("--volume");
        gofer.arg(format!("{},{mode},{}", g.as_raw_fd(), v.host));
    }
    let gsock = gofer_sock.as_raw_fd();
    let gofer_volume_fds: Vec<i32> = volume_socks.iter().map(|(_, g)| g.as_raw_fd()).collect();
    gofer.stdin(std::process::Stdio::null());
    // SAFETY: pre_exec runs in the forked child before exec and only makes
    // async-signal-safe calls (prctl, dup2).
    unsafe {
        gofer.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 || libc::dup2(gsock, 3) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            for &fd in &gofer_volume_fds {
                if libc::fcntl(fd, libc::F_SETFD, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    let mut gofer = gofer.spawn().context("starting the gofer")?;
    drop(gofer_sock);
    let volume_socks: Vec<OwnedFd> = volume_socks.into_iter().map(|(s, _)| s).collect();

    // The sentry, in new namespaces.
    let (cfg_r, cfg_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).context("pipe")?;
    let cfg_r = high(&cfg_r)?;
    let mut argv = vec![
        exe_s,
        "boot".into(),
        "--gofer-fd".into(),
        "3".into(),
        "--config-fd".into(),
        "4".into(),
    ];
    if let Some(log) = &args.debug_log {
        argv.push("--debug-log".into());
        argv.push(log.clone());
    }
    let mut fds = vec![(sentry_sock.as_raw_fd(), 3), (cfg_r.as_raw_fd(), 4)];
    for s in &volume_socks {
        argv.push("--mount-fd".into());
        argv.push(s.as_raw_fd().to_string());
        fds.push((s.as_raw_fd(), s.as_raw_fd()));
    }
    if let Some((r, _)) = &winsize_pipe {
        fds.push((r.as_raw_fd(), r.as_raw_fd()));
    }
    let child = isolate::spawn_isolated(&argv, &fds)?;
    let _raw = match winsize_pipe {
        Some((r, w)) => {
            drop(r);
            Some(crate::terminal::RawTerminal::start(w)?)
        }
        None => None,
    };
    // The sentry's own user namespace maps its root to us, whoever the
    // program runs as.
    let pid = child.release(
        nix::unistd::getuid().as_raw(),
        nix::unistd::getgid().as_raw(),
    )?;
    drop(cfg_r);
    drop(sentry_sock);
    drop(volume_socks);
    let json = serde_json::to_vec(&cfg)?;
    nix::unistd::write(&cfg_w, &json).context("sending the boot config")?;
    drop(cfg_w);

    let code = loop {
        match waitpid(pid, None) {
            Ok(WaitStatus::Exited(_, c)) => break c,
            Ok(WaitStatus::Signaled(_, sig, _)) => break 128 + sig as i32,
            Ok(_) => continue,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(e).context("waiting for the sandbox"),
        }
    };
    // The sentry is gone: the gofer has nothing left to serve.
    let _ = gofer.kill();
    let _ = gofer.wait();
    Ok(code)
}
