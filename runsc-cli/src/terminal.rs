//! `runsc do` on a host terminal: the terminal goes into raw mode while the
//! sandbox runs (its own pty does the line discipline) and is restored
//! after; window size changes (SIGWINCH) go to the sentry's relay as
//! `struct winsize` records on a pipe.

use std::os::fd::OwnedFd;

use anyhow::{Context, Result};
use nix::sys::signal::{SigSet, SigmaskHow, Signal};
use nix::sys::termios::{self, SetArg, Termios};

/// Restores the host terminal's settings when dropped.
pub struct RawTerminal {
    saved: Termios,
}

fn send_winsize(out: &OwnedFd) {
    let mut ws: libc::winsize = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes one struct winsize into `ws`, which lives
    // for the call.
    if unsafe { libc::ioctl(0, libc::TIOCGWINSZ, &mut ws) } < 0 {
        return;
    }
    let rec = [
        ws.ws_row.to_ne_bytes(),
        ws.ws_col.to_ne_bytes(),
        ws.ws_xpixel.to_ne_bytes(),
        ws.ws_ypixel.to_ne_bytes(),
    ]
    .concat();
    let _ = nix::unistd::write(out, &rec);
}

impl RawTerminal {
    /// Puts stdin's terminal in raw mode and forwards SIGWINCH as window
    /// sizes on `winsize`.
    pub fn start(winsize: OwnedFd) -> Result<RawTerminal> {
        let stdin = std::io::stdin();
        let saved = termios::tcgetattr(&stdin).context("tcgetattr")?;
        let mut raw = saved.clone();
        termios::cfmakeraw(&mut raw);
        termios::tcsetattr(&stdin, SetArg::TCSANOW, &raw).context("tcsetattr")?;
        let mut set = SigSet::empty();
        set.add(Signal::SIGWINCH);
        nix::sys::signal::sigprocmask(SigmaskHow::SIG_BLOCK, Some(&set), None)
            .context("blocking SIGWINCH")?;
        std::thread::Builder::new()
            .name("winch".into())
            .spawn(move || loop {
                match set.wait() {
                    Ok(Signal::SIGWINCH) => send_winsize(&winsize),
                    Ok(_) => {}
                    Err(_) => return,
                }
            })
            .context("starting the SIGWINCH thread")?;
        Ok(RawTerminal { saved })
    }
}

impl Drop for RawTerminal {
    fn drop(&mut self) {
        let _ = termios::tcsetattr(std::io::stdin(), SetArg::TCSADRAIN, &self.saved);
    }
}
