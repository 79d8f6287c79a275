//! Host-side confinement of the sandbox processes: namespaces, pivoting into
//! an empty root, parent-death signals.
#![allow(unsafe_code)]

use std::ffi::CString;

use anyhow::{bail, Context, Result};
use nix::mount::{mount, umount2, MntFlags, MsFlags};
use nix::sched::CloneFlags;

/// Makes every mount in this (already private) mount namespace private, so
/// nothing we do propagates to the host.
pub fn make_mounts_private() -> Result<()> {
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .context("making / private")
}

/// Pivots into a new empty, read-only tmpfs: afterwards this process sees no
/// host file at all.
pub fn pivot_to_empty_root() -> Result<()> {
    make_mounts_private()?;
    let base = ["/tmp", "/mnt", "/run"]
        .into_iter()
        .find(|d| std::path::Path::new(d).is_dir())
        .context("no directory to mount the empty root on")?;
    mount(
        Some("none"),
        base,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        Some("size=64k,mode=0555"),
    )
    .context("mounting the empty root")?;
    nix::unistd::chdir(base).context("chdir to the empty root")?;
    nix::unistd::pivot_root(".", ".").context("pivot_root")?;
    umount2(".", MntFlags::MNT_DETACH).context("detaching the old root")?;
    nix::unistd::chdir("/").context("chdir /")?;
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REMOUNT
            | MsFlags::MS_BIND
            | MsFlags::MS_RDONLY
            | MsFlags::MS_NOSUID
            | MsFlags::MS_NODEV
            | MsFlags::MS_NOEXEC,
        None::<&str>,
    )
    .context("remounting the empty root read-only")?;
    Ok(())
}

/// Enters a new mount namespace and hides the host's /proc, /sys and /dev,
/// then chroots into `root`: what the gofer serves.
pub fn confine_gofer(root: &str) -> Result<()> {
    nix::sched::unshare(CloneFlags::CLONE_NEWNS).context("unshare(CLONE_NEWNS)")?;
    make_mounts_private()?;
    if root == "/" {
        for m in ["/proc", "/sys", "/dev"] {
            // Everything mounted there (submounts included) goes.
            let _ = umount2(m, MntFlags::MNT_DETACH);
        }
    }
    nix::unistd::chroot(root).with_context(|| format!("chroot {root}"))?;
    nix::unistd::chdir("/").context("chdir /")?;
    Ok(())
}

/// A child process made with clone(2) in new namespaces, held before exec
/// until the parent has written its id maps.
pub struct Child {
    pub pid: nix::unistd::Pid,
    go: std::os::fd::OwnedFd,
}

/// Clones a child in new user, pid, mount, ipc and uts namespaces. The child
/// waits for `Child::release`, then dups `fds` (source, target) into place
/// and execs `argv` (argv[0] is the program path).
pub fn spawn_isolated(argv: &[String], fds: &[(i32, i32)]) -> Result<Child> {
    let (go_r, go_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).context("pipe")?;
    let prog = CString::new(argv[0].clone())?;
    let args: Vec<CString> = argv
        .iter()
        .map(|a| CString::new(a.as_str()))
        .collect::<Result<_, _>>()?;
    let mut arg_ptrs: Vec<*const libc::c_char> = args.iter().map(|a| a.as_ptr()).collect();
    arg_ptrs.push(std::ptr::null());
    let flags = libc::CLONE_NEWUSER
        | libc::CLONE_NEWPID
        | libc::CLONE_NEWNS
        | libc::CLONE_NEWIPC
        | libc::CLONE_NEWUTS;
    let go_r_raw = std::os::fd::AsRawFd::as_raw_fd(&go_r);
    // SAFETY: fork-like clone (no CLONE_VM, no new stack); the child only
    // makes async-signal-safe calls on memory prepared above, then execs.
    let pid = unsafe {
        libc::syscall(
            libc::SYS_clone,
            (flags | libc::SIGCHLD) as libc::c_ulong,
            0usize,
            0usize,
            0usize,
            0usize,
        )
    };
    if pid < 0 {
        bail!("clone: {}", std::io::Error::last_os_error());
    }
    if pid == 0 {
        // SAFETY: see above; every call here is async-signal-safe.
        unsafe {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            let mut b = 0u8;
            // Wait for the id maps; EOF means the parent died.
            if libc::read(go_r_raw, &mut b as *mut u8 as *mut libc::c_void, 1) != 1 {
                libc::_exit(125);
            }
            for &(src, dst) in fds {
                if src == dst {
                    let fl = libc::fcntl(src, libc::F_GETFD);
                    libc::fcntl(src, libc::F_SETFD, fl & !libc::FD_CLOEXEC);
                } else if libc::dup2(src, dst) < 0 {
                    libc::_exit(125);
                }
            }
            libc::execv(prog.as_ptr(), arg_ptrs.as_ptr());
            libc::_exit(125);
        }
    }
    drop(go_r);
    Ok(Child {
        pid: nix::unistd::Pid::from_raw(pid as i32),
        go: go_w,
    })
}

impl Child {
    /// Maps root in the child's user namespace to our uid/gid and lets it
    /// exec.
    pub fn release(self, uid: u32, gid: u32) -> Result<nix::unistd::Pid> {
        let pid = self.pid.as_raw();
        std::fs::write(format!("/proc/{pid}/uid_map"), format!("0 {uid} 1\n"))
            .context("writing uid_map")?;
        std::fs::write(format!("/proc/{pid}/setgroups"), "deny\n").context("writing setgroups")?;
        std::fs::write(format!("/proc/{pid}/gid_map"), format!("0 {gid} 1\n"))
            .context("writing gid_map")?;
        nix::unistd::write(&self.go, b"g").context("releasing the child")?;
        Ok(self.pid)
    }
}
