//! The N_TTY line discipline: what happens to each byte of input and
//! output (Linux drivers/tty/n_tty.c, without the column tracking of tab
//! erasure, IUCLC/OLCUC and VLNEXT).

use syscalls::consts::*;
use syscalls::types::Termios;

use super::TtyState;

/// The settings of a new pseudo-terminal slave (Linux tty_std_termios
/// with the pty driver's c_cflag): cooked mode, echo, ^C ^\ ^Z signals.
pub fn default_termios() -> Termios {
    let mut t = Termios {
        c_iflag: libc::ICRNL | libc::IXON,
        c_oflag: libc::OPOST | libc::ONLCR,
        c_cflag: libc::B38400 | libc::CS8 | libc::CREAD,
        c_lflag: libc::ISIG
            | libc::ICANON
            | libc::ECHO
            | libc::ECHOE
            | libc::ECHOK
            | libc::ECHOCTL
            | libc::ECHOKE
            | libc::IEXTEN,
        ..Termios::default()
    };
    // INIT_C_CC: ^C ^\ DEL ^U ^D, TIME 0, MIN 1, ^Q ^S ^Z, EOL off, ^R ^O ^W ^V.
    for (i, c) in [
        (libc::VINTR, 0o003),
        (libc::VQUIT, 0o034),
        (libc::VERASE, 0o177),
        (libc::VKILL, 0o025),
        (libc::VEOF, 0o004),
        (libc::VTIME, 0),
        (libc::VMIN, 1),
        (libc::VSTART, 0o021),
        (libc::VSTOP, 0o023),
        (libc::VSUSP, 0o032),
        (libc::VREPRINT, 0o022),
        (libc::VDISCARD, 0o017),
        (libc::VWERASE, 0o027),
        (libc::VLNEXT, 0o026),
    ] {
        t.c_cc[i] = c;
    }
    t
}

fn is_cntrl(c: u8) -> bool {
    c < 0x20 || c == 0x7f
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Erase {
    Char,
    Word,
    Line,
}

impl TtyState {
    fn lflag(&self, f: u32) -> bool {
        self.termios.c_lflag & f != 0
    }

    fn iflag(&self, f: u32) -> bool {
        self.termios.c_iflag & f != 0
    }

    /// Whether `c` is the enabled control character `idx`.
    fn is_cc(&self, c: u8, idx: usize) -> bool {
        let v = self.termios.c_cc[idx];
        v != 0 && v == c
    }

    /// One byte of input from the master.
    pub(super) fn receive(&mut self, c: u8) {
        let mut c = c;
        if self.iflag(libc::ISTRIP) {
            c &= 0x7f;
        }
        if c == b'\r' {
            if self.iflag(libc::IGNCR) {
                return;
            }
            if self.iflag(libc::ICRNL) {
                c = b'\n';
            }
        } else if c == b'\n' && self.iflag(libc::INLCR) {
            c = b'\r';
        }
        if self.iflag(libc::IXON) {
            if self.is_cc(c, libc::VSTOP) {
                self.stopped = true;
                return;
            }
            if self.is_cc(c, libc::VSTART) {
                self.stopped = false;
                return;
            }
            if self.iflag(libc::IXANY) {
                self.stopped = false;
            }
        }
        if self.lflag(libc::ISIG) {
            for (idx, sig) in [
                (libc::VINTR, SIGINT),
                (libc::VQUIT, SIGQUIT),
                (libc::VSUSP, SIGTSTP),
            ] {
                if self.is_cc(c, idx) {
                    if !self.lflag(libc::NOFLSH) {
                        self.flush_input();
                        self.output.clear();
                    }
                    if self.lflag(libc::ECHO) {
                        self.echo_char(c);
                    }
                    if self.session.is_some() {
                        self.pending_signals.push((self.fg_pgrp, sig));
                    }
                    return;
                }
            }
        }
        if !self.lflag(libc::ICANON) {
            if self.lflag(libc::ECHO) {
                self.echo_char(c);
            }
            self.raw.push_back(c);
            return;
        }
        let iexten = self.lflag(libc::IEXTEN);
        if self.is_cc(c, libc::VERASE) {
            return self.erase(Erase::Char);
        }
        if self.is_cc(c, libc::VKILL) {
            return self.erase(Erase::Line);
        }
        if iexten && self.is_cc(c, libc::VWERASE) {
            return self.erase(Erase::Word);
        }
        if c == b'\n' {
            if self.lflag(libc::ECHO) || self.lflag(libc::ECHONL) {
                self.output_char(b'\n');
            }
            self.edit.push(c);
            return self.commit();
        }
        if self.is_cc(c, libc::VEOF) {
            return self.commit();
        }
        if self.is_cc(c, libc::VEOL) || (iexten && self.is_cc(c, libc::VEOL2)) {
            if self.lflag(libc::ECHO) {
                self.echo_char(c);
            }
            self.edit.push(c);
            return self.commit();
        }
        if self.lflag(libc::ECHO) {
            self.echo_char(c);
        }
        self.edit.push(c);
    }

    /// The line being edited becomes readable (empty: an end of file).
    fn commit(&mut self) {
        let line = std::mem::take(&mut self.edit);
        self.lines.push_back(line);
    }

    /// Echoes input: control characters as ^X with ECHOCTL.
    fn echo_char(&mut self, c: u8) {
        if self.lflag(libc::ECHOCTL) && is_cntrl(c) && c != b'\t' && c != b'\n' {
            self.output.push_back(b'^');
            self.output.push_back(c ^ 0o100);
        } else {
            self.output_char(c);
        }
    }

    fn echo_raw(&mut self, s: &[u8]) {
        self.output.extend(s);
    }

    /// VERASE, VWERASE, VKILL.
    fn erase(&mut self, kind: Erase) {
        if self.edit.is_empty() {
            return;
        }
        let echo = self.lflag(libc::ECHO);
        if kind == Erase::Line {
            if !echo {
                self.edit.clear();
                return;
            }
            if !self.lflag(libc::ECHOK) || !self.lflag(libc::ECHOKE) || !self.lflag(libc::ECHOE) {
                self.edit.clear();
                let k = self.termios.c_cc[libc::VKILL];
                self.echo_char(k);
                if self.lflag(libc::ECHOK) {
                    self.output_char(b'\n');
                }
                return;
            }
        }
        let mut seen_word = false;
        while let Some(&c) = self.edit.last() {
            if kind == Erase::Word {
                if c.is_ascii_alphanumeric() || c == b'_' {
                    seen_word = true;
                } else if seen_word {
                    break;
                }
            }
            self.edit.pop();
            if echo {
                if kind == Erase::Char && !self.lflag(libc::ECHOE) {
                    let e = self.termios.c_cc[libc::VERASE];
                    self.echo_char(e);
                } else {
                    let ctl = self.lflag(libc::ECHOCTL);
                    if is_cntrl(c) && c != b'\t' && ctl {
                        self.echo_raw(b"\x08 \x08");
                    }
                    if !is_cntrl(c) || ctl || c == b'\t' {
                        self.echo_raw(b"\x08 \x08");
                    }
                }
            }
            if kind == Erase::Char {
                break;
            }
        }
    }

    /// One byte of output, through OPOST processing.
    pub(super) fn output_char(&mut self, c: u8) {
        let o = self.termios.c_oflag;
        if o & libc::OPOST == 0 {
            self.output.push_back(c);
            return;
        }
        match c {
            b'\n' if o & libc::ONLCR != 0 => {
                self.output.push_back(b'\r');
                self.output.push_back(b'\n');
            }
            b'\r' if o & libc::OCRNL != 0 => self.output.push_back(b'\n'),
            _ => self.output.push_back(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Pty;

    fn typed(p: &Pty, s: &[u8]) -> Vec<u8> {
        p.master_write(s, true).unwrap();
        let mut out = vec![0u8; 256];
        let n = p.master_read(&mut out, true).unwrap_or(0);
        out.truncate(n);
        out
    }

    fn open() -> std::sync::Arc<Pty> {
        let p = Pty::new(0);
        p.lock().locked = false;
        p.open_slave().unwrap();
        p
    }

    #[test]
    fn canonical_lines_echo_and_erase() {
        let p = open();
        assert_eq!(typed(&p, b"ab\x7fc\r"), b"ab\x08 \x08c\r\n");
        let mut buf = [0u8; 16];
        let n = p.slave_read(&mut buf, true).unwrap();
        assert_eq!(&buf[..n], b"ac\n");
        assert_eq!(p.slave_read(&mut buf, true), Err(syscalls::Errno::EAGAIN));
    }

    #[test]
    fn kill_word_erase_and_eof() {
        let p = open();
        typed(&p, b"one two\x17x\x15y\x04");
        let mut buf = [0u8; 16];
        let n = p.slave_read(&mut buf, true).unwrap();
        assert_eq!(&buf[..n], b"y");
        typed(&p, b"\x04");
        assert_eq!(p.slave_read(&mut buf, true), Ok(0));
    }

    #[test]
    fn raw_mode_and_output_processing() {
        let p = open();
        let mut t = p.lock().termios;
        t.c_lflag &= !(libc::ICANON | libc::ECHO);
        t.c_cc[libc::VMIN] = 0;
        p.set_termios(t, false);
        assert_eq!(typed(&p, b"q\r"), b"");
        let mut buf = [0u8; 16];
        assert_eq!(p.slave_read(&mut buf, true), Ok(2));
        assert_eq!(&buf[..2], b"q\n");
        p.slave_write(b"x\n", true).unwrap();
        let n = p.master_read(&mut buf, true).unwrap();
        assert_eq!(&buf[..n], b"x\r\n");
    }

    #[test]
    fn control_characters_echo_as_caret() {
        let p = open();
        assert_eq!(typed(&p, b"\x03"), b"^C");
    }
}
