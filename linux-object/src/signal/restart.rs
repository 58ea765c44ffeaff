//! The restart block: how an interrupted timed wait continues after a
//! stop, through restart_syscall(2). Mirrors Linux's `struct restart_block`
//! (include/linux/restart_block.h), filled in by `hrtimer_nanosleep`,
//! `do_sys_poll` and `futex_wait` when they return `-ERESTART_RESTARTBLOCK`.
//!
//! A call that sleeps for a *relative* time cannot simply be re-run after
//! SIGSTOP and SIGCONT: it would sleep its whole time again. So it records
//! its absolute deadline here; when no handler runs, the return to user
//! mode re-enters the kernel as restart_syscall(2), which continues from
//! the record. When a handler does run, the call fails with `EINTR`
//! instead, and rt_sigreturn forgets the record (`do_no_restart_syscall`).

/// What restart_syscall(2) continues. Deadlines are on the monotonic clock,
/// in ns, as the kernel's timers keep them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestartBlock {
    /// nanosleep(2) or a relative clock_nanosleep(2) (`nanosleep_restart`):
    /// the time left goes to `rem` (a user address, 0 for none) if the
    /// continued sleep is interrupted again.
    Sleep { deadline: u64, rem: usize },
    /// poll(2) with a timeout (`do_restart_poll`).
    Poll { fds: usize, nfds: usize, deadline: u64 },
    /// FUTEX_WAIT/FUTEX_WAIT_BITSET with a timeout (`futex_wait_restart`).
    Futex { addr: usize, val: u32, bitset: u32, private: bool, deadline: u64 },
}
