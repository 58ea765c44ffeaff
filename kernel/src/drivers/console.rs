//! The console terminal: /dev/console (5:1), /dev/tty (5:0) and /dev/ttyS0
//! (4:64) all reach the UART through one line discipline.
//!
//! Input arrives by polling the UART (scheduler passes and timer ticks);
//! each byte goes through `LineDiscipline::receive`, whose echo goes back
//! out and whose signals (Ctrl-C…) go to the foreground process group.

use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, Ordering};
use core::task::Waker;

use linux_object::fs::devices::{self, CharDevice};
use linux_object::fs::file::{OpenFlags, PollEvents};
use linux_object::mm::VmSpace;
use linux_object::mm::user::UserPtr;
use linux_object::sync::{Mutex, WaitQueue};
use linux_object::tty::{self, LineDiscipline, TERMIOS_SIZE, Termios, WinSize};
use linux_object::{Errno, Result};

use super::uart;

pub struct Console {
    /// Protected by the mutex; never held while writing to the UART.
    ld: Mutex<LineDiscipline>,
    /// Readers and pollers wait here.
    wait: WaitQueue,
    /// The foreground process group (TIOCSPGRP), 0 when none is set.
    foreground: AtomicU32,
    /// The session whose controlling terminal this is (TIOCSCTTY), 0 if none.
    session: AtomicU32,
}

static CONSOLE: spin::Once<Arc<Console>> = spin::Once::new();

pub fn console() -> &'static Arc<Console> {
    CONSOLE.call_once(|| {
        Arc::new(Console {
            ld: Mutex::new(LineDiscipline::new()),
            wait: WaitQueue::new(),
            foreground: AtomicU32::new(0),
            session: AtomicU32::new(0),
        })
    })
}

/// Registers the console under its device numbers.
pub fn init() {
    let c: Arc<dyn CharDevice> = console().clone();
    devices::register(5, 1, c.clone());
    devices::register(5, 0, c.clone());
    devices::register(4, 64, c);
}

fn put(bytes: &[u8]) {
    if !uart::write_bytes(bytes) {
        bytes.iter().for_each(|&b| crate::arch::early_putchar(b));
    }
}

impl Console {
    /// The job-control ioctls work only on the caller's controlling
    /// terminal: "ENOTTY ... the terminal is not the controlling terminal
    /// of the calling process" (tcgetpgrp(3), `tiocgpgrp` in tty_jobctrl.c).
    fn check_controlling(&self) -> Result<()> {
        let session = self.session.load(Ordering::Relaxed);
        let (caller_session, _) = crate::signal_hook::current_session_and_group();
        if session == 0 || session != caller_session {
            return Err(Errno::ENOTTY.into());
        }
        Ok(())
    }

    /// Feeds one received byte through the line discipline.
    pub fn receive(&self, byte: u8) {
        let effects = self.ld.lock().receive(byte);
        if !effects.echo.is_empty() {
            put(&effects.echo);
        }
        if let Some(signal) = effects.signal {
            let group = self.foreground.load(Ordering::Relaxed);
            if group != 0 {
                crate::signal_hook::signal_group(group, signal);
            }
        }
        if effects.readable || effects.signal.is_some() {
            self.wait.wake_all();
        }
    }
}

impl CharDevice for Console {
    fn read(&self, buf: &mut [u8], _flags: OpenFlags) -> Result<usize> {
        self.ld.lock().read(buf)
    }

    fn write(&self, data: &[u8], _flags: OpenFlags) -> Result<usize> {
        let out = self.ld.lock().process_output(data);
        put(&out);
        Ok(data.len())
    }

    fn poll(&self, waker: Option<&Waker>) -> PollEvents {
        if let Some(waker) = waker {
            self.wait.register(waker);
        }
        let mut events = PollEvents::OUT | PollEvents::WRNORM;
        if self.ld.lock().is_readable() {
            events |= PollEvents::IN | PollEvents::RDNORM;
        }
        events
    }

    fn ioctl(&self, request: u32, arg: usize, vm: &mut VmSpace) -> Result<usize> {
        match request {
            tty::TCGETS => {
                let bytes = self.ld.lock().termios.to_bytes();
                UserPtr::<u8>::new(arg).write_bytes(vm, &bytes)?;
                Ok(0)
            }
            tty::TCSETS | tty::TCSETSW | tty::TCSETSF => {
                let raw = UserPtr::<u8>::new(arg).read_bytes(vm, TERMIOS_SIZE)?;
                let mut b = [0u8; TERMIOS_SIZE];
                b.copy_from_slice(&raw);
                let mut ld = self.ld.lock();
                ld.termios = Termios::from_bytes(&b);
                if request == tty::TCSETSF {
                    ld.flush_input();
                }
                Ok(0)
            }
            tty::TCFLSH => {
                if arg == 0 || arg == 2 {
                    self.ld.lock().flush_input();
                }
                Ok(0)
            }
            tty::TIOCGWINSZ => {
                let bytes = self.ld.lock().winsize.to_bytes();
                UserPtr::<u8>::new(arg).write_bytes(vm, &bytes)?;
                Ok(0)
            }
            tty::TIOCSWINSZ => {
                let raw = UserPtr::<u8>::new(arg).read_bytes(vm, 8)?;
                let mut b = [0u8; 8];
                b.copy_from_slice(&raw);
                self.ld.lock().winsize = WinSize::from_bytes(&b);
                Ok(0)
            }
            // Process groups and sessions cross this interface as numbers
            // in the caller's PID namespace (tiocgpgrp/tiocspgrp use
            // pid_vnr/find_vpid); the terminal keeps initial-namespace ones.
            tty::TIOCGPGRP => {
                self.check_controlling()?;
                let group = self.foreground.load(Ordering::Relaxed);
                let group = caller_pid_ns().map_or(group, |ns| linux_object::process::pgid_in(group, &ns));
                UserPtr::<u32>::new(arg).write(vm, &group)?;
                Ok(0)
            }
            tty::TIOCSPGRP => {
                self.check_controlling()?;
                let group = UserPtr::<i32>::new(arg).read(vm)?;
                if group < 0 {
                    return Err(Errno::EINVAL.into());
                }
                let global = match caller_pid_ns() {
                    Some(ns) => ns.to_global(group as u32).ok_or(Errno::ESRCH)?,
                    None => group as u32,
                };
                self.foreground.store(global, Ordering::Relaxed);
                Ok(0)
            }
            tty::TIOCSCTTY => {
                let caller = crate::signal_hook::current_session_and_group();
                self.session.store(caller.0, Ordering::Relaxed);
                self.foreground.store(caller.1, Ordering::Relaxed);
                Ok(0)
            }
            tty::TIOCNOTTY => {
                self.session.store(0, Ordering::Relaxed);
                Ok(0)
            }
            tty::TIOCGSID => {
                self.check_controlling()?;
                let session = self.session.load(Ordering::Relaxed);
                let session = caller_pid_ns().map_or(session, |ns| linux_object::process::sid_in(session, &ns));
                UserPtr::<u32>::new(arg).write(vm, &session)?;
                Ok(0)
            }
            tty::FIONREAD => {
                let n = self.ld.lock().available() as i32;
                UserPtr::<i32>::new(arg).write(vm, &n)?;
                Ok(0)
            }
            _ => Err(Errno::ENOTTY.into()),
        }
    }

    fn is_seekable(&self) -> bool {
        false
    }
}

/// The PID namespace of the thread making the call, if one is running.
fn caller_pid_ns() -> Option<alloc::sync::Arc<linux_object::namespace::pid::PidNamespace>> {
    linux_object::hal::hal().current_thread().map(|t| t.process().pid_ns().clone())
}
