//! wait4(2)/waitid(2): choosing and reaping children. Mirrors
//! `do_wait`/`wait_consider_task` (kernel/exit.c).

use alloc::sync::Arc;

use super::{Pid, Process, ProcessState};
use crate::error::{Errno, Result};

/// How a process ended or changed state, as wait4 reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitStatus {
    /// exit(code): `WIFEXITED`, `WEXITSTATUS == code & 0xff`.
    Exited(u8),
    /// Killed by `signal`; `core` sets the 0x80 bit (`WCOREDUMP`).
    Signaled { signal: u32, core: bool },
    /// Stopped by `signal` (`WIFSTOPPED`).
    Stopped(u32),
    /// Resumed by SIGCONT (`WIFCONTINUED`).
    Continued,
}

impl WaitStatus {
    /// The `int *wstatus` encoding (see the W* macros in <sys/wait.h>).
    pub fn encode(self) -> i32 {
        match self {
            WaitStatus::Exited(code) => (code as i32) << 8,
            WaitStatus::Signaled { signal, core } => (signal as i32 & 0x7f) | if core { 0x80 } else { 0 },
            WaitStatus::Stopped(signal) => ((signal as i32) << 8) | 0x7f,
            WaitStatus::Continued => 0xffff,
        }
    }

    /// waitid's `si_code` (CLD_EXITED 1, CLD_KILLED 2, CLD_DUMPED 3,
    /// CLD_STOPPED 5, CLD_CONTINUED 6) and `si_status`.
    pub fn siginfo_code_status(self) -> (i32, i32) {
        match self {
            WaitStatus::Exited(code) => (1, code as i32),
            WaitStatus::Signaled { signal, core: false } => (2, signal as i32),
            WaitStatus::Signaled { signal, core: true } => (3, signal as i32),
            WaitStatus::Stopped(signal) => (5, signal as i32),
            WaitStatus::Continued => (6, 18),
        }
    }
}

/// Which children a wait considers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitSelector {
    Any,
    Pid(Pid),
    Pgid(Pid),
}

bitflags::bitflags! {
    /// WNOHANG 1, WUNTRACED/WSTOPPED 2, WEXITED 4, WCONTINUED 8, WNOWAIT 0x01000000.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct WaitOptions: u32 {
        const WNOHANG = 1;
        const WSTOPPED = 2;
        const WEXITED = 4;
        const WCONTINUED = 8;
        const WNOWAIT = 0x0100_0000;
        const __WNOTHREAD = 0x2000_0000;
        const __WALL = 0x4000_0000;
        const __WCLONE = 0x8000_0000;
    }
}

impl Process {
    /// One round of wait: a matching child whose state change can be
    /// reported, reaping it when it is a zombie (unless WNOWAIT). The
    /// selector names initial-namespace numbers; the PID returned is the
    /// one the waiter sees.
    /// `Ok(None)`: matching children exist but none is ready (the caller
    /// blocks on `child_wait` unless WNOHANG). `ECHILD`: no matching child.
    pub fn try_wait(&self, selector: WaitSelector, options: WaitOptions) -> Result<Option<(Pid, WaitStatus)>> {
        Ok(self.try_wait_with_usage(selector, options)?.map(|(pid, status, _)| (pid, status)))
    }

    /// [`try_wait`](Self::try_wait), also returning the child's (user,
    /// system) CPU time in ns, its reaped descendants' included — what
    /// wait4(2) reports in its `rusage`.
    pub fn try_wait_with_usage(&self, selector: WaitSelector, options: WaitOptions) -> Result<Option<(Pid, WaitStatus, (u64, u64))>> {
        let mut inner = self.inner.lock();
        let matches = |child: &Arc<Process>| match selector {
            WaitSelector::Any => true,
            WaitSelector::Pid(pid) => child.pid() == pid,
            WaitSelector::Pgid(pgid) => child.pgid() == pgid,
        };
        let mut any = false;
        for (index, child) in inner.children.iter().enumerate() {
            if !matches(child) {
                continue;
            }
            any = true;
            let waiting_for_ns = child.is_waiting_for_namespace();
            let mut cinner = child.inner.lock();
            match cinner.state {
                ProcessState::Zombie(status) if options.contains(WaitOptions::WEXITED) && !waiting_for_ns => {
                    let pid = child.pid_in(self.pid_ns());
                    let (own, theirs) = (cinner.dead_threads_time_ns, cinner.children_time_ns);
                    drop(cinner);
                    if !options.contains(WaitOptions::WNOWAIT) {
                        let reaped = inner.children.remove(index);
                        reaped.mark_reaped();
                        // A reaped child's time, and its reaped children's,
                        // count as this process's children's time.
                        inner.children_time_ns.0 += own.0 + theirs.0;
                        inner.children_time_ns.1 += own.1 + theirs.1;
                    }
                    return Ok(Some((pid, status, (own.0 + theirs.0, own.1 + theirs.1))));
                }
                ProcessState::Stopped { signal, reported: false } if options.contains(WaitOptions::WSTOPPED) => {
                    if !options.contains(WaitOptions::WNOWAIT) {
                        cinner.state = ProcessState::Stopped { signal, reported: true };
                    }
                    drop(cinner);
                    return Ok(Some((child.pid_in(self.pid_ns()), WaitStatus::Stopped(signal), usage_of(child))));
                }
                _ => {}
            }
            drop(cinner);
            if options.contains(WaitOptions::WCONTINUED) && child.take_continued() {
                if options.contains(WaitOptions::WNOWAIT) {
                    child.continued.store(true, core::sync::atomic::Ordering::Release);
                }
                return Ok(Some((child.pid_in(self.pid_ns()), WaitStatus::Continued, usage_of(child))));
            }
        }
        if any { Ok(None) } else { Err(Errno::ECHILD.into()) }
    }
}

/// A live child's CPU time and its reaped children's.
fn usage_of(child: &Process) -> (u64, u64) {
    let (own, theirs) = (child.cpu_time_ns(), child.children_time_ns());
    (own.0 + theirs.0, own.1 + theirs.1)
}

impl Process {
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::context::FsContext;
    use crate::fs::fd_table::FdTable;
    use crate::fs::mount::MountTree;
        use crate::fs::ramfs::{RAMFS_MAGIC, RamFs};
    use crate::mm::VmSpace;
    use crate::process::{ChildNamespaces, ShareFlags};

    fn new_init() -> Arc<super::super::Thread> {
        let fs = RamFs::new(RAMFS_MAGIC, 0o755);
        let tree = MountTree::new(fs.root(), "ramfs", "none");
        Process::new_init(VmSpace::new(), FsContext::new(tree), FdTable::new()).unwrap()
    }

    #[test]
    fn status_encoding_matches_the_w_macros() {
        assert_eq!(WaitStatus::Exited(3).encode(), 0x300);
        assert_eq!(WaitStatus::Signaled { signal: 9, core: false }.encode(), 9);
        assert_eq!(WaitStatus::Signaled { signal: 11, core: true }.encode(), 0x8b);
        assert_eq!(WaitStatus::Stopped(19).encode(), 0x137f);
        assert_eq!(WaitStatus::Continued.encode(), 0xffff);
    }

    #[test]
    fn fork_exit_wait_reaps_once() {
        let init = new_init();
        let parent = init.process().clone();
        let all = WaitOptions::WEXITED;
        assert_eq!(parent.try_wait(WaitSelector::Any, all).unwrap_err().errno, Errno::ECHILD);
        let child = parent.fork(ShareFlags::default(), 17, ChildNamespaces::inherit(&parent)).unwrap();
        let pid = child.process().pid();
        assert_eq!(child.process().ppid(), parent.pid());
        assert_eq!(parent.try_wait(WaitSelector::Any, all).unwrap(), None);
        assert_eq!(parent.try_wait(WaitSelector::Pid(pid + 1000), all).unwrap_err().errno, Errno::ECHILD);
        let notified = child.exit(WaitStatus::Exited(7));
        assert!(notified.is_some_and(|(p, sig)| Arc::ptr_eq(&p, &parent) && sig == 17));
        assert_eq!(parent.try_wait(WaitSelector::Pid(pid), all).unwrap(), Some((pid, WaitStatus::Exited(7))));
        assert_eq!(parent.try_wait(WaitSelector::Any, all).unwrap_err().errno, Errno::ECHILD);
        drop(child);
        assert!(super::super::find_process(pid).is_none(), "reaped child is gone from the table");
    }

    #[test]
    fn group_exit_status_wins_and_last_thread_reports() {
        let init = new_init();
        let child = init.process().fork(ShareFlags::default(), 17, ChildNamespaces::inherit(init.process())).unwrap();
        let second = super::super::Thread::new_in(child.process(), crate::signal::SigSet::empty()).unwrap();
        child.process().start_group_exit(WaitStatus::Exited(5));
        assert!(second.exit(WaitStatus::Exited(0)).is_none());
        assert!(child.exit(WaitStatus::Exited(0)).is_some());
        let got = init.process().try_wait(WaitSelector::Any, WaitOptions::WEXITED).unwrap();
        assert_eq!(got.map(|(_, s)| s), Some(WaitStatus::Exited(5)));
    }

    #[test]
    fn stops_and_continues_are_reported_with_the_usage() {
        let init = new_init();
        let parent = init.process().clone();
        let child = parent.fork(ShareFlags::default(), 17, ChildNamespaces::inherit(&parent)).unwrap();
        let pid = child.process().pid();
        child.process().set_stopped(Some(19));
        let stopped = parent.try_wait_with_usage(WaitSelector::Pid(pid), WaitOptions::WSTOPPED).unwrap();
        assert_eq!(stopped.map(|(p, s, _)| (p, s)), Some((pid, WaitStatus::Stopped(19))));
        child.process().send_signal(crate::signal::SigInfo::new(crate::signal::SIGCONT, 0));
        let continued = parent.try_wait_with_usage(WaitSelector::Pid(pid), WaitOptions::WCONTINUED).unwrap();
        assert_eq!(continued.map(|(p, s, _)| (p, s)), Some((pid, WaitStatus::Continued)));
        child.exit(WaitStatus::Exited(0));
        assert!(parent.try_wait(WaitSelector::Pid(pid), WaitOptions::WEXITED).unwrap().is_some());
    }

    #[test]
    fn a_dead_namespace_init_is_reapable_whatever_order_the_rest_dies_in() {
        use crate::namespace::{CLONE_NEWPID, user::init_user_ns};
        let outer = new_init();
        let parent = outer.process().clone();
        let copied = parent.nsproxy().copy(CLONE_NEWPID, &init_user_ns(), parent.pid_ns(), true).unwrap();
        let ns_child = ChildNamespaces { proxy: copied.proxy.for_child(), mounts: None, set_tid: alloc::vec::Vec::new() };
        let init = parent.fork(ShareFlags::default(), 17, ns_child).unwrap();
        let a = init.process().fork(ShareFlags::default(), 17, ChildNamespaces::inherit(init.process())).unwrap();
        let b = a.process().fork(ShareFlags::default(), 17, ChildNamespaces::inherit(a.process())).unwrap();
        init.exit(WaitStatus::Exited(7));
        // The grandchild dies first and stays a zombie of its parent...
        b.exit(WaitStatus::Signaled { signal: 9, core: false });
        // ...which then dies: the zombie goes to the dead init, which must
        // not keep it.
        a.exit(WaitStatus::Signaled { signal: 9, core: false });
        let pid = init.process().pid();
        assert_eq!(parent.try_wait(WaitSelector::Pid(pid), WaitOptions::WEXITED).unwrap(), Some((pid, WaitStatus::Exited(7))));
    }

    #[test]
    fn a_pid_namespace_init_adopts_orphans_and_takes_its_namespace_down() {
        use crate::namespace::{CLONE_NEWPID, user::init_user_ns};
        let outer = new_init();
        let parent = outer.process().clone();
        let copied = parent.nsproxy().copy(CLONE_NEWPID, &init_user_ns(), parent.pid_ns(), true).unwrap();
        let ns_child = ChildNamespaces { proxy: copied.proxy.for_child(), mounts: None, set_tid: alloc::vec::Vec::new() };
        let init = parent.fork(ShareFlags::default(), 17, ns_child).unwrap();
        let ns = init.process().pid_ns().clone();
        assert_eq!(init.process().pid_in(&ns), 1, "the first process is PID 1 inside");
        assert_eq!(init.process().pid_in(parent.pid_ns()), init.process().pid(), "and its own number outside");
        assert_eq!(init.process().ppid_in(&ns), 0, "its parent is invisible inside");
        let a = init.process().fork(ShareFlags::default(), 17, ChildNamespaces::inherit(init.process())).unwrap();
        let b = a.process().fork(ShareFlags::default(), 17, ChildNamespaces::inherit(a.process())).unwrap();
        assert_eq!((a.process().pid_in(&ns), b.process().pid_in(&ns)), (2, 3));
        assert_eq!(parent.pid_in(&ns), 0, "the outer world is invisible inside");
        a.exit(WaitStatus::Exited(0));
        assert_eq!(b.process().ppid_in(&ns), 1, "an orphan goes to the namespace's init");
        assert_eq!(init.process().try_wait(WaitSelector::Any, WaitOptions::WEXITED).unwrap(), Some((2, WaitStatus::Exited(0))));
        init.exit(WaitStatus::Exited(0));
        assert!(ns.is_dying(), "no process may enter once init is dead");
        assert!(b.process().shared_pending().contains(crate::signal::SIGKILL), "the rest get SIGKILL");
        let init_pid = init.process().pid();
        let all = WaitOptions::WEXITED;
        assert_eq!(parent.try_wait(WaitSelector::Pid(init_pid), all).unwrap(), None, "init is reaped only after the others");
        b.exit(WaitStatus::Signaled { signal: 9, core: false });
        assert_eq!(parent.try_wait(WaitSelector::Pid(init_pid), all).unwrap(), Some((init_pid, WaitStatus::Exited(0))));
    }
}
