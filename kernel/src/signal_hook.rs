//! What drivers need from the process layer: sending a signal to a process
//! group (Ctrl-C) and knowing the caller's session.

use linux_object::hal::hal;

/// Sends `signal` to every process in group `pgid`.
pub fn signal_group(pgid: u32, signal: u32) {
    linux_syscall::signal::kill_group(pgid, signal);
}

/// (session, process group) of the calling process.
pub fn current_session_and_group() -> (u32, u32) {
    hal().current_thread().map_or((0, 0), |t| (t.process().sid(), t.process().pgid()))
}
