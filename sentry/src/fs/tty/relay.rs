//! The host terminal relay: when `runsc do` runs on a host terminal, the
//! sandbox gets a pty of its own (init's stdio is its slave) and two sentry
//! threads copy between the master and the host terminal: keystrokes in,
//! output out. Window size changes arrive as `struct winsize` records on a
//! pipe from runsc, which catches the host's SIGWINCH.

use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::{Arc, Mutex};

use syscalls::types::Winsize;
use syscalls::Errno;

use super::Pty;

pub struct Relay {
    pty: Arc<Pty>,
    /// The master stays open as long as the sandbox runs.
    _master: Box<dyn crate::vfs::FileOps>,
    out: Arc<OwnedFd>,
    /// Held while output moves from the master to the host, so the final
    /// flush does not interleave with the output thread.
    writing: Arc<Mutex<()>>,
}

fn write_all(fd: &OwnedFd, mut buf: &[u8]) {
    while !buf.is_empty() {
        match nix::unistd::write(fd, buf) {
            Ok(0) => return,
            Ok(n) => buf = &buf[n..],
            Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => return,
        }
    }
}

impl Relay {
    /// Starts relaying between `pty`'s master and the host terminal
    /// (`host_in`, `host_out`); `winsize` carries resizes.
    pub fn start(
        pty: Arc<Pty>,
        host_in: OwnedFd,
        host_out: OwnedFd,
        winsize: Option<OwnedFd>,
        master: Box<dyn crate::vfs::FileOps>,
    ) -> Result<Relay, Errno> {
        let out = Arc::new(host_out);
        let writing = Arc::new(Mutex::new(()));
        let (p, o, w) = (pty.clone(), out.clone(), writing.clone());
        std::thread::Builder::new()
            .name("tty-out".into())
            .spawn(move || output_loop(&p, &o, &w))
            .map_err(|_| Errno::EAGAIN)?;
        let p = pty.clone();
        std::thread::Builder::new()
            .name("tty-in".into())
            .spawn(move || input_loop(&p, &host_in, winsize.as_ref()))
            .map_err(|_| Errno::EAGAIN)?;
        Ok(Relay {
            pty,
            _master: master,
            out,
            writing,
        })
    }

    /// Writes what the sandbox left in the terminal (at its end).
    pub fn flush(&self) {
        let _g = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        let mut buf = vec![0u8; super::OUTPUT_MAX];
        while let Ok(n) = self.pty.master_read(&mut buf, true) {
            if n == 0 {
                break;
            }
            write_all(&self.out, &buf[..n]);
        }
    }
}

fn output_loop(pty: &Pty, out: &OwnedFd, writing: &Mutex<()>) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        // Wait for output without holding the write lock.
        if pty.wait_output().is_err() {
            return;
        }
        let _g = writing.lock().unwrap_or_else(|e| e.into_inner());
        match pty.master_read(&mut buf, true) {
            Ok(n) => write_all(out, &buf[..n]),
            Err(e) if e == Errno::EAGAIN || e == Errno::EIO => {}
            Err(_) => return,
        }
    }
}

fn input_loop(pty: &Pty, host_in: &OwnedFd, winsize: Option<&OwnedFd>) {
    use nix::poll::{PollFd, PollFlags};
    let mut buf = [0u8; 4096];
    let mut input_open = true;
    let mut winsize_open = winsize.is_some();
    while input_open || winsize_open {
        let mut fds = Vec::new();
        if input_open {
            fds.push(PollFd::new(host_in.as_fd(), PollFlags::POLLIN));
        }
        if let (true, Some(w)) = (winsize_open, winsize) {
            fds.push(PollFd::new(w.as_fd(), PollFlags::POLLIN));
        }
        match nix::poll::ppoll(&mut fds, None, None) {
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => return,
        }
        let ready: Vec<bool> = fds
            .iter()
            .map(|f| f.revents().is_some_and(|r| !r.is_empty()))
            .collect();
        drop(fds);
        let mut i = 0;
        if input_open {
            if ready[0] {
                match nix::unistd::read(host_in.as_raw_fd(), &mut buf) {
                    Ok(0) | Err(_) => input_open = false,
                    Ok(n) => {
                        let mut off = 0;
                        while off < n {
                            match pty.master_write(&buf[off..n], false) {
                                Ok(k) => off += k,
                                Err(_) => break,
                            }
                        }
                    }
                }
            }
            i += 1;
        }
        if let (true, Some(w)) = (winsize_open, winsize) {
            if ready[i] {
                let mut rec = [0u8; 8];
                match nix::unistd::read(w.as_raw_fd(), &mut rec) {
                    Ok(8) => {
                        let ws: Winsize = bytemuck::pod_read_unaligned(&rec);
                        pty.set_winsize(ws);
                    }
                    _ => winsize_open = false,
                }
            }
        }
    }
}
