//! The few host calls the sentry makes on an application's behalf that are
//! not plain file I/O, through safe wrappers (nix, rustix).

use std::os::fd::AsFd;

use nix::errno::Errno as HostErrno;
use syscalls::consts::{TCSETS, TCSETSF, TCSETSW};
use syscalls::types::{Termios, Winsize};

const KERNEL_NCCS: usize = 19;

pub fn tcgets(fd: impl AsFd) -> Result<Termios, HostErrno> {
    let t: libc::termios = nix::sys::termios::tcgetattr(fd)?.into();
    let mut out = Termios {
        c_iflag: t.c_iflag,
        c_oflag: t.c_oflag,
        c_cflag: t.c_cflag,
        c_lflag: t.c_lflag,
        c_line: t.c_line,
        ..Termios::default()
    };
    out.c_cc.copy_from_slice(&t.c_cc[..KERNEL_NCCS]);
    Ok(out)
}

pub fn tcsets(fd: impl AsFd, cmd: u32, k: &Termios) -> Result<(), HostErrno> {
    let mut t: libc::termios = nix::sys::termios::tcgetattr(fd.as_fd())?.into();
    t.c_iflag = k.c_iflag;
    t.c_oflag = k.c_oflag;
    t.c_cflag = k.c_cflag;
    t.c_lflag = k.c_lflag;
    t.c_line = k.c_line;
    t.c_cc[..KERNEL_NCCS].copy_from_slice(&k.c_cc);
    t.c_ispeed = k.c_cflag & libc::CBAUD;
    t.c_ospeed = k.c_cflag & libc::CBAUD;
    let when = match cmd {
        TCSETS => nix::sys::termios::SetArg::TCSANOW,
        TCSETSW => nix::sys::termios::SetArg::TCSADRAIN,
        TCSETSF => nix::sys::termios::SetArg::TCSAFLUSH,
        _ => return Err(HostErrno::EINVAL),
    };
    nix::sys::termios::tcsetattr(fd, when, &t.into())
}

pub fn get_winsize(fd: impl AsFd) -> Result<Winsize, HostErrno> {
    let w = rustix::termios::tcgetwinsize(fd).map_err(|e| HostErrno::from_raw(e.raw_os_error()))?;
    Ok(Winsize {
        ws_row: w.ws_row,
        ws_col: w.ws_col,
        ws_xpixel: w.ws_xpixel,
        ws_ypixel: w.ws_ypixel,
    })
}

pub fn set_winsize(fd: impl AsFd, w: &Winsize) -> Result<(), HostErrno> {
    let ws = rustix::termios::Winsize {
        ws_row: w.ws_row,
        ws_col: w.ws_col,
        ws_xpixel: w.ws_xpixel,
        ws_ypixel: w.ws_ypixel,
    };
    rustix::termios::tcsetwinsize(fd, ws).map_err(|e| HostErrno::from_raw(e.raw_os_error()))
}
