//! ITIMER_REAL: the per-process real-time interval timer of setitimer(2)
//! and alarm(2), which sends SIGALRM when it expires. Mirrors the
//! ITIMER_REAL part of kernel/time/itimer.c (`do_setitimer`,
//! `it_real_fn`).
//!
//! Armed timers sit in one global queue ordered by deadline; the kernel
//! calls [`expire`] on every timer tick. A timer belongs to the process, not
//! to a thread; fork(2) does not copy it, execve(2) keeps it, and exit
//! cancels it.

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use super::{Pid, Process};
use crate::signal::{SI_KERNEL, SIGALRM, SigInfo};
use crate::sync::Mutex;

/// An armed timer: when it fires next, and the period after that (0: once).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RealTimer {
    pub deadline_ns: u64,
    pub interval_ns: u64,
}

/// Armed timers by (deadline, initial-namespace PID). Protected by the
/// mutex; a leaf lock.
static QUEUE: Mutex<BTreeMap<(u64, Pid), Weak<Process>>> = Mutex::new(BTreeMap::new());

/// setitimer(ITIMER_REAL): arms (`value_ns` > 0) or disarms (0) the timer of
/// `process`; returns the old (remaining, interval), both in ns.
pub fn set(process: &Arc<Process>, value_ns: u64, interval_ns: u64) -> (u64, u64) {
    let now = crate::time::monotonic_ns();
    let mut slot = process.real_timer.lock();
    let old = slot.take();
    if let Some(old) = old {
        QUEUE.lock().remove(&(old.deadline_ns, process.pid()));
    }
    if value_ns > 0 {
        let timer = RealTimer { deadline_ns: now.saturating_add(value_ns), interval_ns };
        QUEUE.lock().insert((timer.deadline_ns, process.pid()), Arc::downgrade(process));
        *slot = Some(timer);
    }
    old.map_or((0, 0), |t| (t.deadline_ns.saturating_sub(now).max(1), t.interval_ns))
}

/// getitimer(ITIMER_REAL): (remaining, interval) in ns; (0, 0) if disarmed.
pub fn get(process: &Process) -> (u64, u64) {
    let now = crate::time::monotonic_ns();
    process.real_timer.lock().map_or((0, 0), |t| (t.deadline_ns.saturating_sub(now).max(1), t.interval_ns))
}

/// Fires every timer due at `now_ns`: SIGALRM to its process, then re-arms
/// it one interval later, or disarms it. Returns how many fired.
pub fn expire(now_ns: u64) -> usize {
    let due: Vec<((u64, Pid), Weak<Process>)> = {
        let mut queue = QUEUE.lock();
        let later = queue.split_off(&(now_ns + 1, 0));
        core::mem::replace(&mut *queue, later).into_iter().collect()
    };
    let mut fired = 0;
    for ((deadline, _), weak) in due {
        let Some(process) = weak.upgrade() else { continue };
        {
            let mut slot = process.real_timer.lock();
            match *slot {
                Some(timer) if timer.deadline_ns == deadline => {
                    *slot = if timer.interval_ns > 0 {
                        // Catch up on missed periods without firing for each.
                        let mut next = deadline.saturating_add(timer.interval_ns);
                        if next <= now_ns {
                            next = now_ns.saturating_add(timer.interval_ns);
                        }
                        QUEUE.lock().insert((next, process.pid()), weak.clone());
                        Some(RealTimer { deadline_ns: next, interval_ns: timer.interval_ns })
                    } else {
                        None
                    };
                }
                _ => continue,
            }
        }
        process.send_signal(SigInfo::new(SIGALRM, SI_KERNEL));
        fired += 1;
    }
    fired
}

/// Exit: the timer goes with the process.
pub fn cancel(process: &Process) {
    if let Some(old) = process.real_timer.lock().take() {
        QUEUE.lock().remove(&(old.deadline_ns, process.pid()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::context::FsContext;
    use crate::fs::fd_table::FdTable;
    use crate::fs::mount::MountTree;
    use crate::fs::ramfs::{RAMFS_MAGIC, RamFs};
    use crate::mm::VmSpace;

    #[test]
    fn fires_once_or_periodically_and_reports_what_is_left() {
        let tree = MountTree::new(RamFs::new(RAMFS_MAGIC, 0o755).root(), "ramfs", "none");
        let thread = Process::new_init(VmSpace::new(), FsContext::new(tree), FdTable::new()).unwrap();
        let process = thread.process().clone();
        // An init drops SIGALRM while it has no handler; blocked, it is queued.
        thread.set_signal_mask(crate::signal::SigSet::of(SIGALRM));
        let now = crate::time::monotonic_ns();
        assert_eq!(set(&process, 1_000_000_000, 0), (0, 0), "nothing was armed");
        let (left, interval) = get(&process);
        assert!(left > 0 && left <= 1_000_000_000 && interval == 0);
        expire(now + 2_000_000_000);
        assert!(process.shared_pending().contains(SIGALRM), "SIGALRM when due");
        assert_eq!(get(&process), (0, 0), "a one-shot timer disarms itself");
        set(&process, 10, 500);
        expire(now + 3_000_000_000);
        assert_eq!(get(&process).1, 500, "a periodic timer re-arms");
        assert_eq!(set(&process, 0, 0).1, 500, "disarming returns the old interval");
        assert_eq!(expire(u64::MAX - 1), 0, "a disarmed timer never fires");
    }
}
