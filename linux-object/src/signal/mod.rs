//! Signals: sets, dispositions, pending queues, siginfo, per signal(7),
//! sigaction(2), sigprocmask(2). Mirrors kernel/signal.c's data; the kernel
//! builds the frames (arch-specific), linux-syscall has the syscalls.

pub mod restart;

use alloc::collections::VecDeque;

use crate::error::{Errno, Result};

pub type Signal = u32;

pub const SIGHUP: Signal = 1;
pub const SIGINT: Signal = 2;
pub const SIGQUIT: Signal = 3;
pub const SIGILL: Signal = 4;
pub const SIGTRAP: Signal = 5;
pub const SIGABRT: Signal = 6;
pub const SIGBUS: Signal = 7;
pub const SIGFPE: Signal = 8;
pub const SIGKILL: Signal = 9;
pub const SIGUSR1: Signal = 10;
pub const SIGSEGV: Signal = 11;
pub const SIGUSR2: Signal = 12;
pub const SIGPIPE: Signal = 13;
pub const SIGALRM: Signal = 14;
pub const SIGTERM: Signal = 15;
pub const SIGSTKFLT: Signal = 16;
pub const SIGCHLD: Signal = 17;
pub const SIGCONT: Signal = 18;
pub const SIGSTOP: Signal = 19;
pub const SIGTSTP: Signal = 20;
pub const SIGTTIN: Signal = 21;
pub const SIGTTOU: Signal = 22;
pub const SIGURG: Signal = 23;
pub const SIGXCPU: Signal = 24;
pub const SIGXFSZ: Signal = 25;
pub const SIGVTALRM: Signal = 26;
pub const SIGPROF: Signal = 27;
pub const SIGWINCH: Signal = 28;
pub const SIGIO: Signal = 29;
pub const SIGPWR: Signal = 30;
pub const SIGSYS: Signal = 31;
pub const SIGRTMIN: Signal = 32;
pub const NSIG: Signal = 64;

pub const SIG_DFL: usize = 0;
pub const SIG_IGN: usize = 1;

pub const SA_NOCLDSTOP: u64 = 1;
pub const SA_NOCLDWAIT: u64 = 2;
pub const SA_SIGINFO: u64 = 4;
pub const SA_RESTORER: u64 = 0x0400_0000;
pub const SA_ONSTACK: u64 = 0x0800_0000;
pub const SA_RESTART: u64 = 0x1000_0000;
pub const SA_NODEFER: u64 = 0x4000_0000;
pub const SA_RESETHAND: u64 = 0x8000_0000;

// si_code values
pub const SI_USER: i32 = 0;
pub const SI_KERNEL: i32 = 0x80;
pub const SI_QUEUE: i32 = -1;
pub const SI_TKILL: i32 = -6;
pub const CLD_EXITED: i32 = 1;
pub const CLD_KILLED: i32 = 2;
pub const CLD_DUMPED: i32 = 3;
pub const CLD_STOPPED: i32 = 5;
pub const CLD_CONTINUED: i32 = 6;
pub const SEGV_MAPERR: i32 = 1;
pub const SEGV_ACCERR: i32 = 2;

/// Checks a signal number from user space: `EINVAL` unless 1..=64.
pub fn check_signal(sig: u32) -> Result<Signal> {
    if (1..=NSIG).contains(&sig) { Ok(sig) } else { Err(Errno::EINVAL.into()) }
}

/// A set of signals; bit `n-1` is signal `n` (the kernel's sigset_t).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigSet(pub u64);

impl SigSet {
    pub const fn empty() -> Self {
        SigSet(0)
    }
    pub fn of(sig: Signal) -> Self {
        SigSet(1 << (sig - 1))
    }
    pub fn contains(self, sig: Signal) -> bool {
        (1..=NSIG).contains(&sig) && self.0 & (1 << (sig - 1)) != 0
    }
    pub fn add(&mut self, sig: Signal) {
        self.0 |= 1 << (sig - 1);
    }
    pub fn remove(&mut self, sig: Signal) {
        self.0 &= !(1 << (sig - 1));
    }
    /// SIGKILL and SIGSTOP "cannot be caught, blocked, or ignored".
    pub fn without_unblockable(self) -> Self {
        SigSet(self.0 & !((1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1))))
    }
}

/// The default action of a signal (signal(7), "Standard signals").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultAction {
    Term,
    Ignore,
    Core,
    Stop,
    Continue,
}

pub fn default_action(sig: Signal) -> DefaultAction {
    match sig {
        SIGCHLD | SIGURG | SIGWINCH => DefaultAction::Ignore,
        SIGCONT => DefaultAction::Continue,
        SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU => DefaultAction::Stop,
        SIGQUIT | SIGILL | SIGABRT | SIGFPE | SIGSEGV | SIGBUS | SIGSYS | SIGTRAP | SIGXCPU | SIGXFSZ => {
            DefaultAction::Core
        }
        _ => DefaultAction::Term,
    }
}

pub fn is_stop_signal(sig: Signal) -> bool {
    matches!(sig, SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU)
}

/// One disposition, in the kernel's `struct sigaction` terms.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigAction {
    pub handler: usize,
    pub flags: u64,
    pub restorer: usize,
    pub mask: SigSet,
}

impl SigAction {
    /// Reads the kernel ABI layout: riscv64 (asm-generic, no SA_RESTORER
    /// field) is handler, flags, mask (24 bytes); x86_64 is handler, flags,
    /// restorer, mask (32 bytes).
    pub fn from_bytes(b: &[u8], has_restorer: bool) -> Self {
        let word = |i: usize| u64::from_le_bytes(b[8 * i..8 * i + 8].try_into().unwrap_or([0; 8]));
        if has_restorer {
            SigAction { handler: word(0) as usize, flags: word(1), restorer: word(2) as usize, mask: SigSet(word(3)) }
        } else {
            SigAction { handler: word(0) as usize, flags: word(1), restorer: 0, mask: SigSet(word(2)) }
        }
    }

    pub fn to_bytes(&self, has_restorer: bool) -> alloc::vec::Vec<u8> {
        let mut words = alloc::vec![self.handler as u64, self.flags];
        if has_restorer {
            words.push(self.restorer as u64);
        }
        words.push(self.mask.0);
        words.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    pub fn is_ignored(&self, sig: Signal) -> bool {
        self.handler == SIG_IGN || (self.handler == SIG_DFL && default_action(sig) == DefaultAction::Ignore)
    }
}

/// The dispositions of a process (Linux's `sighand_struct`), shared between
/// threads and after CLONE_SIGHAND.
#[derive(Clone, Debug)]
pub struct SigHandlers {
    actions: [SigAction; NSIG as usize],
}

impl Default for SigHandlers {
    fn default() -> Self {
        SigHandlers { actions: [SigAction::default(); NSIG as usize] }
    }
}

impl SigHandlers {
    pub fn get(&self, sig: Signal) -> SigAction {
        self.actions[(sig - 1) as usize]
    }

    /// sigaction(2): SIGKILL and SIGSTOP cannot be changed (EINVAL).
    pub fn set(&mut self, sig: Signal, action: SigAction) -> Result<()> {
        if sig == SIGKILL || sig == SIGSTOP {
            return Err(Errno::EINVAL.into());
        }
        self.actions[(sig - 1) as usize] = action;
        Ok(())
    }

    /// SA_RESETHAND: back to the default after one delivery.
    pub fn reset(&mut self, sig: Signal) {
        self.actions[(sig - 1) as usize] = SigAction::default();
    }

    /// execve(2): "handled signals are reset to the default; ignored
    /// signals stay ignored".
    pub fn reset_on_exec(&mut self) {
        for action in self.actions.iter_mut() {
            if action.handler != SIG_IGN {
                *action = SigAction::default();
            }
        }
    }
}

/// What is known about one signal instance (`siginfo_t`'s fields).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SigInfo {
    pub signo: Signal,
    pub code: i32,
    /// Sender's PID and UID (kill, SIGCHLD), or 0.
    pub pid: u32,
    pub uid: u32,
    /// SIGCHLD: exit status or signal; sigqueue: the value.
    pub status: i64,
    /// SIGCHLD: user and system time in clock ticks.
    pub utime: u64,
    pub stime: u64,
    /// SIGSEGV/SIGBUS: the faulting address.
    pub addr: usize,
}

impl SigInfo {
    pub fn new(signo: Signal, code: i32) -> Self {
        SigInfo { signo, code, pid: 0, uid: 0, status: 0, utime: 0, stime: 0, addr: 0 }
    }

    pub fn user(signo: Signal, code: i32, pid: u32, uid: u32) -> Self {
        SigInfo { pid, uid, ..Self::new(signo, code) }
    }

    /// Whether the kernel made this signal for a fault of the thread
    /// (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP with a positive code):
    /// Linux's `force_sig_info` delivers it even to an init.
    pub fn is_fault(&self) -> bool {
        matches!(self.signo, SIGSEGV | SIGBUS | SIGILL | SIGFPE | SIGTRAP) && self.code > 0
    }

    /// A `siginfo_t` a process made itself (sigqueue(3), pidfd_send_signal
    /// with a siginfo): the fields [`to_bytes`](Self::to_bytes) writes back
    /// travel as given (`si_pid`, `si_uid` and `si_value`, or `si_addr`).
    pub fn from_user_bytes(b: &[u8]) -> Self {
        let word = |at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
        let quad = |at: usize| u64::from_le_bytes(core::array::from_fn(|i| b[at + i]));
        SigInfo {
            signo: word(0),
            code: word(8) as i32,
            pid: word(16),
            uid: word(20),
            status: quad(24) as i64,
            utime: quad(32),
            stime: quad(40),
            addr: quad(16) as usize,
        }
    }

    /// The 128-byte `siginfo_t` of 64-bit Linux.
    pub fn to_bytes(&self) -> [u8; 128] {
        let mut b = [0u8; 128];
        b[0..4].copy_from_slice(&(self.signo as i32).to_le_bytes());
        b[8..12].copy_from_slice(&self.code.to_le_bytes());
        match self.signo {
            SIGSEGV | SIGBUS | SIGILL | SIGFPE | SIGTRAP if self.code > 0 => {
                b[16..24].copy_from_slice(&(self.addr as u64).to_le_bytes());
            }
            SIGCHLD if self.code > 0 => {
                b[16..20].copy_from_slice(&self.pid.to_le_bytes());
                b[20..24].copy_from_slice(&self.uid.to_le_bytes());
                b[24..28].copy_from_slice(&(self.status as i32).to_le_bytes());
                b[32..40].copy_from_slice(&self.utime.to_le_bytes());
                b[40..48].copy_from_slice(&self.stime.to_le_bytes());
            }
            _ => {
                b[16..20].copy_from_slice(&self.pid.to_le_bytes());
                b[20..24].copy_from_slice(&self.uid.to_le_bytes());
                b[24..32].copy_from_slice(&(self.status as u64).to_le_bytes());
            }
        }
        b
    }
}

/// Pending signals: standard ones coalesce (one instance at most),
/// real-time ones queue in order (signal(7), "Real-time signals").
#[derive(Clone, Debug, Default)]
pub struct PendingSignals {
    set: SigSet,
    queue: VecDeque<SigInfo>,
}

/// RLIMIT_SIGPENDING's default, bounding the real-time queue.
const MAX_QUEUED: usize = 4096;

impl PendingSignals {
    pub fn set(&self) -> SigSet {
        self.set
    }

    /// Adds a signal; returns false when a standard signal was already
    /// pending (coalesced) or the queue is full.
    pub fn push(&mut self, info: SigInfo) -> bool {
        let sig = info.signo;
        if sig < SIGRTMIN && self.set.contains(sig) {
            return false;
        }
        if self.queue.len() >= MAX_QUEUED {
            return false;
        }
        self.set.add(sig);
        self.queue.push_back(info);
        true
    }

    /// Takes the lowest-numbered pending signal not in `blocked`.
    pub fn pop(&mut self, blocked: SigSet) -> Option<SigInfo> {
        let deliverable = self.set.0 & !blocked.0;
        if deliverable == 0 {
            return None;
        }
        let sig = deliverable.trailing_zeros() + 1;
        let index = self.queue.iter().position(|i| i.signo == sig)?;
        let info = self.queue.remove(index)?;
        if !self.queue.iter().any(|i| i.signo == sig) {
            self.set.remove(sig);
        }
        Some(info)
    }

    /// Drops every pending instance of `sig` (SIG_IGN, SIGCONT vs stop).
    pub fn discard(&mut self, sig: Signal) {
        self.queue.retain(|i| i.signo != sig);
        self.set.remove(sig);
    }

    /// SIGCONT cancels pending stop signals.
    pub fn discard_stops(&mut self) {
        for sig in [SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU] {
            self.discard(sig);
        }
    }

    pub fn has_deliverable(&self, blocked: SigSet) -> bool {
        self.set.0 & !blocked.0 != 0
    }
}

/// sigaltstack(2) state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AltStack {
    pub sp: usize,
    pub size: usize,
    /// SS_AUTODISARM was given.
    pub autodisarm: bool,
    pub disabled: bool,
}

pub const SS_ONSTACK: i32 = 1;
pub const SS_DISABLE: i32 = 2;
pub const SS_AUTODISARM: i32 = 1 << 31;
pub const MINSIGSTKSZ: usize = 2048;

impl AltStack {
    pub fn new() -> Self {
        AltStack { disabled: true, ..Default::default() }
    }

    /// Whether `sp` is on this stack (`on_sig_stack`): in (sp, sp + size],
    /// computed without overflow, since both numbers are the user's.
    pub fn is_on(&self, sp: usize) -> bool {
        !self.disabled && sp > self.sp && sp - self.sp <= self.size
    }

    /// The address the stack grows down from: sp + size, wrapping as
    /// Linux's unsigned sum does (a frame there then fails to be written,
    /// and the process gets SIGSEGV).
    pub fn top(&self) -> usize {
        self.sp.wrapping_add(self.size)
    }

    /// The `ss_flags` sigaltstack(2) reports for a thread at `sp`.
    pub fn flags(&self, sp: usize) -> i32 {
        if self.disabled {
            SS_DISABLE
        } else if self.is_on(sp) {
            SS_ONSTACK
        } else if self.autodisarm {
            SS_AUTODISARM
        } else {
            0
        }
    }

    /// Validates a new stack: EPERM while running on the current one,
    /// EINVAL for bad flags, ENOMEM below MINSIGSTKSZ.
    pub fn set(&mut self, sp: usize, flags: i32, size: usize, current_sp: usize) -> Result<()> {
        if self.is_on(current_sp) {
            return Err(Errno::EPERM.into());
        }
        let mode = flags & !SS_AUTODISARM;
        match mode {
            SS_DISABLE => {
                *self = AltStack::new();
                Ok(())
            }
            0 | SS_ONSTACK => {
                if size < MINSIGSTKSZ {
                    return Err(Errno::ENOMEM.into());
                }
                *self = AltStack { sp, size, autodisarm: flags & SS_AUTODISARM != 0, disabled: false };
                Ok(())
            }
            _ => Err(Errno::EINVAL.into()),
        }
    }
}

/// How sigprocmask(2) combines sets.
pub fn apply_mask(old: SigSet, how: i32, set: SigSet) -> Result<SigSet> {
    let new = match how {
        0 => SigSet(old.0 | set.0),  // SIG_BLOCK
        1 => SigSet(old.0 & !set.0), // SIG_UNBLOCK
        2 => set,                    // SIG_SETMASK
        _ => return Err(Errno::EINVAL.into()),
    };
    Ok(new.without_unblockable())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_actions_follow_signal7() {
        assert_eq!(default_action(SIGCHLD), DefaultAction::Ignore);
        assert_eq!(default_action(SIGSEGV), DefaultAction::Core);
        assert_eq!(default_action(SIGTSTP), DefaultAction::Stop);
        assert_eq!(default_action(SIGCONT), DefaultAction::Continue);
        assert_eq!(default_action(SIGTERM), DefaultAction::Term);
        assert_eq!(default_action(SIGRTMIN + 3), DefaultAction::Term);
        assert!(check_signal(0).is_err() && check_signal(65).is_err() && check_signal(64).is_ok());
    }

    #[test]
    fn standard_signals_coalesce_realtime_queue() {
        let mut p = PendingSignals::default();
        assert!(p.push(SigInfo::new(SIGUSR1, SI_USER)));
        assert!(!p.push(SigInfo::new(SIGUSR1, SI_USER)));
        assert!(p.push(SigInfo::new(40, SI_QUEUE)));
        assert!(p.push(SigInfo::new(40, SI_QUEUE)));
        assert!(p.push(SigInfo::new(SIGINT, SI_USER)));
        assert_eq!(p.pop(SigSet::of(SIGINT)).unwrap().signo, SIGUSR1, "blocked SIGINT is skipped");
        assert_eq!(p.pop(SigSet::empty()).unwrap().signo, SIGINT);
        assert_eq!(p.pop(SigSet::empty()).unwrap().signo, 40);
        assert!(p.set().contains(40), "a second instance is still queued");
        assert_eq!(p.pop(SigSet::empty()).unwrap().signo, 40);
        assert!(p.pop(SigSet::empty()).is_none());
    }

    #[test]
    fn masks_never_block_kill_or_stop() {
        let all = SigSet(u64::MAX);
        let mask = apply_mask(SigSet::empty(), 2, all).unwrap();
        assert!(!mask.contains(SIGKILL) && !mask.contains(SIGSTOP) && mask.contains(SIGINT));
        assert_eq!(apply_mask(mask, 1, SigSet::of(SIGINT)).unwrap().contains(SIGINT), false);
        assert!(apply_mask(mask, 3, all).is_err());
    }

    #[test]
    fn sigaction_layouts_round_trip() {
        let a = SigAction { handler: 0x1234, flags: SA_SIGINFO | SA_RESTORER, restorer: 0x5678, mask: SigSet(0b101) };
        assert_eq!(a.to_bytes(true).len(), 32);
        assert_eq!(SigAction::from_bytes(&a.to_bytes(true), true), a);
        let generic = SigAction { restorer: 0, ..a };
        assert_eq!(generic.to_bytes(false).len(), 24);
        assert_eq!(SigAction::from_bytes(&generic.to_bytes(false), false), generic);
        let mut h = SigHandlers::default();
        assert!(h.set(SIGKILL, a).is_err());
        h.set(SIGINT, a).unwrap();
        h.set(SIGQUIT, SigAction { handler: SIG_IGN, ..Default::default() }).unwrap();
        h.reset_on_exec();
        assert_eq!(h.get(SIGINT).handler, SIG_DFL);
        assert_eq!(h.get(SIGQUIT).handler, SIG_IGN);
    }

    #[test]
    fn altstack_rules() {
        let mut s = AltStack::new();
        assert_eq!(s.set(0x1000, 0, 100, 0).unwrap_err().errno, Errno::ENOMEM);
        assert_eq!(s.set(0x1000, 7, 4096, 0).unwrap_err().errno, Errno::EINVAL);
        s.set(0x1000, 0, 4096, 0).unwrap();
        assert_eq!(s.flags(0x1800), SS_ONSTACK);
        assert_eq!(s.set(0x9000, 0, 4096, 0x1800).unwrap_err().errno, Errno::EPERM);
        s.set(0, SS_DISABLE, 0, 0).unwrap();
        assert_eq!(s.flags(0), SS_DISABLE);
    }

    #[test]
    fn siginfo_layout() {
        let mut info = SigInfo::user(SIGCHLD, CLD_EXITED, 42, 0);
        info.status = 3;
        let b = info.to_bytes();
        assert_eq!(i32::from_le_bytes(b[0..4].try_into().unwrap()), 17);
        assert_eq!(i32::from_le_bytes(b[8..12].try_into().unwrap()), 1);
        assert_eq!(u32::from_le_bytes(b[16..20].try_into().unwrap()), 42);
        assert_eq!(i32::from_le_bytes(b[24..28].try_into().unwrap()), 3);
    }
}
