//! PID numbers. Mirrors `alloc_pid` (kernel/pid.c): numbers are handed out
//! upward from the last one, wrap at `pid_max` back to `RESERVED_PIDS`, and
//! skip numbers in use. Threads and processes share the number space (a
//! process's PID is its first thread's TID).
//!
//! Each PID namespace has one allocator (`namespace::pid`); a task gets one
//! number from every namespace between its own and the root.

use alloc::collections::BTreeSet;

use crate::error::{Errno, Result};

pub type Pid = u32;

/// Linux's default `/proc/sys/kernel/pid_max` on small machines.
pub const PID_MAX: Pid = 32768;
/// After wrapping, numbers restart here (kernel/pid.c).
const RESERVED_PIDS: Pid = 300;

pub struct PidAllocator {
    last: Pid,
    in_use: BTreeSet<Pid>,
}

impl PidAllocator {
    pub const fn new() -> Self {
        PidAllocator { last: 0, in_use: BTreeSet::new() }
    }

    /// The next free number; `EAGAIN` when all are taken (fork(2)).
    pub fn alloc(&mut self) -> Result<Pid> {
        let mut candidate = self.last;
        for _ in 0..PID_MAX {
            candidate = if candidate + 1 >= PID_MAX { RESERVED_PIDS } else { candidate + 1 };
            if self.in_use.insert(candidate) {
                self.last = candidate;
                return Ok(candidate);
            }
        }
        Err(Errno::EAGAIN.into())
    }

    /// A chosen number (clone3's `set_tid`): `EINVAL` out of range,
    /// `EEXIST` if taken.
    pub fn alloc_specific(&mut self, pid: Pid) -> Result<Pid> {
        if pid == 0 || pid >= PID_MAX {
            return Err(Errno::EINVAL.into());
        }
        if !self.in_use.insert(pid) {
            return Err(Errno::EEXIST.into());
        }
        Ok(pid)
    }

    pub fn free(&mut self, pid: Pid) {
        self.in_use.remove(&pid);
    }

    pub fn count(&self) -> usize {
        self.in_use.len()
    }

    /// The last number handed out (`/proc/sys/kernel/ns_last_pid`).
    pub fn last(&self) -> Pid {
        self.last
    }

    /// Makes the next number searched for `last + 1`.
    pub fn set_last(&mut self, last: Pid) {
        self.last = last;
    }
}

impl Default for PidAllocator {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_up_wraps_and_skips_used() {
        let mut pids = PidAllocator::new();
        assert_eq!(pids.alloc().unwrap(), 1);
        assert_eq!(pids.alloc().unwrap(), 2);
        pids.free(1);
        assert_eq!(pids.alloc().unwrap(), 3, "numbers are not reused at once");
        pids.last = PID_MAX - 1;
        assert_eq!(pids.alloc().unwrap(), RESERVED_PIDS);
    }
}
