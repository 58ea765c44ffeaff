//! Terminals: the termios settings and the line discipline (Linux's n_tty,
//! drivers/tty/n_tty.c), per termios(3) and tty_ioctl(4).
//!
//! [`LineDiscipline::receive`] takes typed bytes and returns what to echo
//! and which signal (if any) the foreground process group gets;
//! [`LineDiscipline::read`] hands cooked (canonical) or raw input to
//! readers, `EAGAIN` when there is none yet. The device driver does the I/O.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use crate::error::{Errno, Result};

// c_iflag
pub const IGNBRK: u32 = 0o1;
pub const BRKINT: u32 = 0o2;
pub const INLCR: u32 = 0o100;
pub const IGNCR: u32 = 0o200;
pub const ICRNL: u32 = 0o400;
pub const IXON: u32 = 0o2000;
pub const IUTF8: u32 = 0o40000;
// c_oflag
pub const OPOST: u32 = 0o1;
pub const ONLCR: u32 = 0o4;
// c_cflag
pub const B38400: u32 = 0o17;
pub const CS8: u32 = 0o60;
pub const CREAD: u32 = 0o200;
pub const HUPCL: u32 = 0o2000;
// c_lflag
pub const ISIG: u32 = 0o1;
pub const ICANON: u32 = 0o2;
pub const ECHO: u32 = 0o10;
pub const ECHOE: u32 = 0o20;
pub const ECHOK: u32 = 0o40;
pub const ECHONL: u32 = 0o100;
pub const NOFLSH: u32 = 0o200;
pub const ECHOCTL: u32 = 0o1000;
pub const ECHOKE: u32 = 0o4000;
pub const IEXTEN: u32 = 0o100000;
// c_cc indices (asm-generic/termbits.h)
pub const VINTR: usize = 0;
pub const VQUIT: usize = 1;
pub const VERASE: usize = 2;
pub const VKILL: usize = 3;
pub const VEOF: usize = 4;
pub const VTIME: usize = 5;
pub const VMIN: usize = 6;
pub const VSTART: usize = 8;
pub const VSTOP: usize = 9;
pub const VSUSP: usize = 10;
pub const VEOL: usize = 11;
pub const VREPRINT: usize = 12;
pub const VDISCARD: usize = 13;
pub const VWERASE: usize = 14;
pub const VLNEXT: usize = 15;
pub const VEOL2: usize = 16;
pub const NCCS: usize = 19;

// ioctl requests (asm-generic/ioctls.h; the same on riscv64 and x86_64)
pub const TCGETS: u32 = 0x5401;
pub const TCSETS: u32 = 0x5402;
pub const TCSETSW: u32 = 0x5403;
pub const TCSETSF: u32 = 0x5404;
pub const TCFLSH: u32 = 0x540B;
pub const TIOCSCTTY: u32 = 0x540E;
pub const TIOCGPGRP: u32 = 0x540F;
pub const TIOCSPGRP: u32 = 0x5410;
pub const TIOCGWINSZ: u32 = 0x5413;
pub const TIOCSWINSZ: u32 = 0x5414;
pub const FIONREAD: u32 = 0x541B;
pub const TIOCNOTTY: u32 = 0x5422;
pub const TIOCGSID: u32 = 0x5429;

/// The kernel's `struct termios` (36 bytes: four flag words, c_line, c_cc[19]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Termios {
    pub iflag: u32,
    pub oflag: u32,
    pub cflag: u32,
    pub lflag: u32,
    pub line: u8,
    pub cc: [u8; NCCS],
}

pub const TERMIOS_SIZE: usize = 36;

impl Termios {
    /// Linux's `tty_std_termios` (drivers/tty/tty_io.c).
    pub fn standard() -> Self {
        let mut cc = [0u8; NCCS];
        cc[VINTR] = 0x03;
        cc[VQUIT] = 0x1c;
        cc[VERASE] = 0x7f;
        cc[VKILL] = 0x15;
        cc[VEOF] = 0x04;
        cc[VTIME] = 0;
        cc[VMIN] = 1;
        cc[VSTART] = 0x11;
        cc[VSTOP] = 0x13;
        cc[VSUSP] = 0x1a;
        cc[VREPRINT] = 0x12;
        cc[VDISCARD] = 0x0f;
        cc[VWERASE] = 0x17;
        cc[VLNEXT] = 0x16;
        Termios {
            iflag: ICRNL | IXON,
            oflag: OPOST | ONLCR,
            cflag: B38400 | CS8 | CREAD | HUPCL,
            lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
            line: 0,
            cc,
        }
    }

    pub fn to_bytes(&self) -> [u8; TERMIOS_SIZE] {
        let mut b = [0u8; TERMIOS_SIZE];
        b[0..4].copy_from_slice(&self.iflag.to_le_bytes());
        b[4..8].copy_from_slice(&self.oflag.to_le_bytes());
        b[8..12].copy_from_slice(&self.cflag.to_le_bytes());
        b[12..16].copy_from_slice(&self.lflag.to_le_bytes());
        b[16] = self.line;
        b[17..36].copy_from_slice(&self.cc);
        b
    }

    pub fn from_bytes(b: &[u8; TERMIOS_SIZE]) -> Self {
        let word = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let mut cc = [0u8; NCCS];
        cc.copy_from_slice(&b[17..36]);
        Termios { iflag: word(0), oflag: word(4), cflag: word(8), lflag: word(12), line: b[16], cc }
    }

    fn lflag(&self, bit: u32) -> bool {
        self.lflag & bit != 0
    }
}

/// `struct winsize`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WinSize {
    pub rows: u16,
    pub cols: u16,
    pub xpixel: u16,
    pub ypixel: u16,
}

impl WinSize {
    pub fn to_bytes(&self) -> [u8; 8] {
        let mut b = [0u8; 8];
        for (i, v) in [self.rows, self.cols, self.xpixel, self.ypixel].iter().enumerate() {
            b[2 * i..2 * i + 2].copy_from_slice(&v.to_le_bytes());
        }
        b
    }
    pub fn from_bytes(b: &[u8; 8]) -> Self {
        let h = |i: usize| u16::from_le_bytes([b[2 * i], b[2 * i + 1]]);
        WinSize { rows: h(0), cols: h(1), xpixel: h(2), ypixel: h(3) }
    }
}

/// Signals the line discipline asks to send to the foreground group.
pub const SIGINT: u32 = 2;
pub const SIGQUIT: u32 = 3;
pub const SIGTSTP: u32 = 20;

/// What receiving input produced.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Effects {
    /// Bytes to write back to the terminal (echo), already output-processed.
    pub echo: Vec<u8>,
    /// A signal for the foreground process group.
    pub signal: Option<u32>,
    /// Readers should be woken.
    pub readable: bool,
}

/// Linux's N_TTY_BUF_SIZE.
pub const INPUT_CAPACITY: usize = 4096;

pub struct LineDiscipline {
    pub termios: Termios,
    pub winsize: WinSize,
    /// Bytes ready for readers (complete lines in canonical mode).
    ready: VecDeque<u8>,
    /// The line being edited (canonical mode).
    line: Vec<u8>,
    /// Number of end-of-file marks (VEOF at line start) queued for readers.
    eofs: VecDeque<usize>,
    /// The next byte is taken literally (after VLNEXT).
    literal_next: bool,
}

impl Default for LineDiscipline {
    fn default() -> Self {
        Self::new()
    }
}

impl LineDiscipline {
    pub fn new() -> Self {
        LineDiscipline {
            termios: Termios::standard(),
            winsize: WinSize { rows: 24, cols: 80, xpixel: 0, ypixel: 0 },
            ready: VecDeque::new(),
            line: Vec::new(),
            eofs: VecDeque::new(),
            literal_next: false,
        }
    }

    /// Output processing (OPOST|ONLCR: "\n" → "\r\n").
    pub fn process_output(&self, data: &[u8]) -> Vec<u8> {
        let t = &self.termios;
        if t.oflag & OPOST == 0 || t.oflag & ONLCR == 0 {
            return data.to_vec();
        }
        let mut out = Vec::with_capacity(data.len() + 8);
        for &b in data {
            if b == b'\n' {
                out.push(b'\r');
            }
            out.push(b);
        }
        out
    }

    /// Echo of one character: control characters as ^X with ECHOCTL.
    fn echo_char(&self, b: u8, out: &mut Vec<u8>) {
        if !self.termios.lflag(ECHO) {
            if b == b'\n' && self.termios.lflag(ECHONL) {
                out.extend(self.process_output(b"\n"));
            }
            return;
        }
        if b < 0x20 && b != b'\n' && b != b'\t' && self.termios.lflag(ECHOCTL) {
            out.extend_from_slice(&[b'^', b + 0x40]);
        } else if b == 0x7f && self.termios.lflag(ECHOCTL) {
            out.extend_from_slice(b"^?");
        } else {
            out.extend(self.process_output(&[b]));
        }
    }

    /// Erases the last character of the line being edited.
    fn erase_one(&mut self, out: &mut Vec<u8>) -> bool {
        let Some(b) = self.line.pop() else { return false };
        if self.termios.lflag(ECHO) && self.termios.lflag(ECHOE) {
            let width = if b < 0x20 && self.termios.lflag(ECHOCTL) { 2 } else { 1 };
            for _ in 0..width {
                out.extend_from_slice(b"\x08 \x08");
            }
        }
        true
    }

    /// Handles one typed byte.
    pub fn receive(&mut self, byte: u8) -> Effects {
        let mut fx = Effects::default();
        let t = self.termios;
        let mut b = byte;
        if self.literal_next {
            self.literal_next = false;
            self.push_input(b, &mut fx);
            return fx;
        }
        if b == b'\r' {
            if t.iflag & IGNCR != 0 {
                return fx;
            }
            if t.iflag & ICRNL != 0 {
                b = b'\n';
            }
        } else if b == b'\n' && t.iflag & INLCR != 0 {
            b = b'\r';
        }
        if t.lflag(ISIG) {
            let signal = if b == t.cc[VINTR] && b != 0 {
                Some(SIGINT)
            } else if b == t.cc[VQUIT] && b != 0 {
                Some(SIGQUIT)
            } else if b == t.cc[VSUSP] && b != 0 {
                Some(SIGTSTP)
            } else {
                None
            };
            if let Some(signal) = signal {
                if !t.lflag(NOFLSH) {
                    self.line.clear();
                    self.ready.clear();
                    self.eofs.clear();
                }
                self.echo_char(b, &mut fx.echo);
                fx.signal = Some(signal);
                return fx;
            }
        }
        if t.lflag(ICANON) {
            if t.lflag(IEXTEN) && b == t.cc[VLNEXT] && b != 0 {
                self.literal_next = true;
                return fx;
            }
            if b == t.cc[VERASE] && b != 0 {
                self.erase_one(&mut fx.echo);
                return fx;
            }
            if t.lflag(IEXTEN) && b == t.cc[VWERASE] && b != 0 {
                while self.line.last().is_some_and(|c| *c == b' ') {
                    self.erase_one(&mut fx.echo);
                }
                while self.line.last().is_some_and(|c| *c != b' ') {
                    self.erase_one(&mut fx.echo);
                }
                return fx;
            }
            if b == t.cc[VKILL] && b != 0 {
                while self.erase_one(&mut fx.echo) {}
                return fx;
            }
            if b == t.cc[VEOF] && b != 0 {
                // End the line without adding a character; at line start
                // this makes the next read return 0 (end of file).
                let line = core::mem::take(&mut self.line);
                if line.is_empty() {
                    self.eofs.push_back(self.ready.len());
                }
                self.ready.extend(line);
                fx.readable = true;
                return fx;
            }
        }
        self.push_input(b, &mut fx);
        fx
    }

    fn push_input(&mut self, b: u8, fx: &mut Effects) {
        if self.ready.len() + self.line.len() >= INPUT_CAPACITY - 1 && b != b'\n' {
            return; // full: drop, like n_tty
        }
        self.echo_char(b, &mut fx.echo);
        if self.termios.lflag(ICANON) {
            self.line.push(b);
            if b == b'\n' || (b == self.termios.cc[VEOL] && b != 0) || (b == self.termios.cc[VEOL2] && b != 0) {
                let line = core::mem::take(&mut self.line);
                self.ready.extend(line);
                fx.readable = true;
            }
        } else {
            self.ready.push_back(b);
            fx.readable = true;
        }
    }

    /// Whether a read would return now.
    pub fn is_readable(&self) -> bool {
        !self.ready.is_empty() || !self.eofs.is_empty()
    }

    /// Bytes a read could take now (FIONREAD).
    pub fn available(&self) -> usize {
        self.ready.len()
    }

    /// Reads input. Canonical mode returns at most one line; EAGAIN when
    /// nothing is ready (the caller blocks); 0 for an end-of-file mark.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.eofs.front() == Some(&0) {
            self.eofs.pop_front();
            return Ok(0);
        }
        if self.ready.is_empty() {
            return Err(Errno::EAGAIN.into());
        }
        let canonical = self.termios.lflag(ICANON);
        let limit = match self.eofs.front() {
            Some(&at) => at,
            None => self.ready.len(),
        };
        let mut n = 0;
        while n < buf.len() && n < limit {
            let Some(b) = self.ready.pop_front() else { break };
            buf[n] = b;
            n += 1;
            if canonical && b == b'\n' {
                break;
            }
        }
        for mark in self.eofs.iter_mut() {
            *mark -= n;
        }
        Ok(n)
    }

    /// TCSETSF / TCFLSH: discard pending input.
    pub fn flush_input(&mut self) {
        self.ready.clear();
        self.line.clear();
        self.eofs.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn type_str(ld: &mut LineDiscipline, s: &[u8]) -> Effects {
        let mut all = Effects::default();
        for &b in s {
            let fx = ld.receive(b);
            all.echo.extend(fx.echo);
            all.signal = all.signal.or(fx.signal);
            all.readable |= fx.readable;
        }
        all
    }

    #[test]
    fn termios_layout() {
        let t = Termios::standard();
        let b = t.to_bytes();
        assert_eq!(b.len(), 36);
        assert_eq!(b[17 + VINTR], 3);
        assert_eq!(Termios::from_bytes(&b), t);
    }

    #[test]
    fn canonical_editing_and_echo() {
        let mut ld = LineDiscipline::new();
        let fx = type_str(&mut ld, b"ab\x7fc\r");
        assert_eq!(fx.echo, b"ab\x08 \x08c\r\n");
        assert!(ld.is_readable());
        let mut buf = [0u8; 16];
        assert_eq!(ld.read(&mut buf).unwrap(), 3);
        assert_eq!(&buf[..3], b"ac\n");
        assert_eq!(ld.read(&mut buf).unwrap_err().errno, Errno::EAGAIN);
        type_str(&mut ld, b"partial");
        assert!(!ld.is_readable(), "no line yet");
        type_str(&mut ld, b"\x15new\n");
        assert_eq!(ld.read(&mut buf).unwrap(), 4);
        assert_eq!(&buf[..4], b"new\n");
    }

    #[test]
    fn control_c_signals_and_flushes() {
        let mut ld = LineDiscipline::new();
        let fx = type_str(&mut ld, b"junk\x03");
        assert_eq!(fx.signal, Some(SIGINT));
        assert!(fx.echo.ends_with(b"^C"));
        assert!(!ld.is_readable());
    }

    #[test]
    fn eof_at_line_start_and_mid_line() {
        let mut ld = LineDiscipline::new();
        let mut buf = [0u8; 8];
        type_str(&mut ld, b"\x04");
        assert_eq!(ld.read(&mut buf).unwrap(), 0, "^D at line start is EOF");
        type_str(&mut ld, b"ab\x04");
        assert_eq!(ld.read(&mut buf).unwrap(), 2, "^D mid-line delivers the line");
        assert_eq!(&buf[..2], b"ab");
    }

    #[test]
    fn raw_mode_is_immediate_and_onlcr_applies() {
        let mut ld = LineDiscipline::new();
        ld.termios.lflag &= !(ICANON | ECHO);
        type_str(&mut ld, b"x");
        let mut buf = [0u8; 4];
        assert_eq!(ld.read(&mut buf).unwrap(), 1);
        assert_eq!(ld.process_output(b"a\nb"), b"a\r\nb");
    }
}
