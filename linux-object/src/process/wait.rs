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
        let selected = |child: &Arc<Process>| match selector {
            WaitSelector::Any => true,
            WaitSelector::Pid(pid) => child.pid() == pid,
            WaitSelector::Pgid(pgid) => child.pgid() == pgid,
        };
        // A "clone" child is one whose exit signal is not SIGCHLD: only
        // __WCLONE waits for those, and only without it for the others;
        // __WALL waits for both (`eligible_child`, kernel/exit.c).
        let eligible = |child: &Arc<Process>| {
            options.contains(WaitOptions::__WALL)
                || (child.exit_signal() != crate::signal::SIGCHLD) == options.contains(WaitOptions::__WCLONE)
        };
        let matches = |child: &Arc<Process>| selected(child) && eligible(child);
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
    /// Undoes a fork whose child never ran (the `bad_fork_*` path of
    /// Linux's `copy_process`): the child exits and is reaped here, and
    /// nobody hears of it. Without this a failed clone would leave a
    /// process with no thread: unkillable, unreapable, holding its memory.
    pub fn abort_fork(&self, child: &Arc<super::Thread>) {
        let process = child.process().clone();
        // The exit's notification is for a parent that never saw the child.
        let _ = child.exit(WaitStatus::Exited(0));
        self.inner.lock().children.retain(|c| c.pid() != process.pid());
        process.mark_reaped();
    }

    /// CLONE_PARENT: the new child belongs to the caller's parent, with the
    /// caller's own exit signal ("the parent of the new child process will
    /// be the same as that of the calling process" - clone(2);
    /// `copy_process` takes `current->group_leader->exit_signal`).
    pub fn give_child_to_parent(&self, child: &Arc<Process>) -> Result<()> {
        let grandparent = self.parent().ok_or(Errno::EINVAL)?;
        let exit_signal = self.inner.lock().exit_signal;
        self.inner.lock().children.retain(|c| c.pid() != child.pid());
        {
            let mut inner = child.inner.lock();
            inner.parent = Arc::downgrade(&grandparent);
            inner.exit_signal = exit_signal;
        }
        grandparent.inner.lock().children.push(child.clone());
        Ok(())
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

    /// "We don't want people slaying init": an orphan's exit signal is
    /// SIGCHLD once reparented (reparent_leader, kernel/exit.c), whatever
    /// clone asked for, and an orphaned zombie is reapable by the reaper.
    #[test]
    fn orphans_exit_with_sigchld_to_their_reaper() {
        let init = new_init();
        let reaper = init.process().clone();
        // The host tests share one initial namespace: a subreaper stands in
        // for its init.
        reaper.set_child_subreaper(true);
        let all = WaitOptions::WEXITED;
        let middle = reaper.fork(ShareFlags::default(), 17, ChildNamespaces::inherit(&reaper)).unwrap();
        let kill_on_exit = crate::signal::SIGKILL;
        let live = middle.process().fork(ShareFlags::default(), kill_on_exit, ChildNamespaces::inherit(middle.process())).unwrap();
        let zombie = middle.process().fork(ShareFlags::default(), kill_on_exit, ChildNamespaces::inherit(middle.process())).unwrap();
        assert!(zombie.exit(WaitStatus::Exited(3)).is_some_and(|(_, sig)| sig == kill_on_exit), "its parent gets what clone asked for");
        assert!(middle.exit(WaitStatus::Exited(0)).is_some());
        assert_eq!(live.process().ppid(), reaper.pid());
        let notified = live.exit(WaitStatus::Exited(4));
        assert!(notified.is_some_and(|(p, sig)| Arc::ptr_eq(&p, &reaper) && sig == crate::signal::SIGCHLD));
        assert!(!reaper.shared_pending().contains(kill_on_exit), "init was not sent SIGKILL");
        let mut reaped = alloc::vec::Vec::new();
        while let Ok(Some((pid, status))) = reaper.try_wait(WaitSelector::Any, all) {
            reaped.push((pid, status));
        }
        reaped.sort_by_key(|&(pid, _)| pid);
        let mut expected = alloc::vec![
            (middle.process().pid(), WaitStatus::Exited(0)),
            (live.process().pid(), WaitStatus::Exited(4)),
            (zombie.process().pid(), WaitStatus::Exited(3)),
        ];
        expected.sort_by_key(|&(pid, _)| pid);
        assert_eq!(reaped, expected);
    }

    /// pid_namespaces(7): an init drops signals it has no handler for,
    /// unless blocked (they wait for a handler); SIGKILL and SIGSTOP only
    /// when forced (from an ancestor namespace).
    #[test]
    fn a_namespace_init_takes_only_signals_it_handles() {
        use crate::namespace::{CLONE_NEWPID, user::init_user_ns};
        use crate::signal::{SIGKILL, SIGTERM, SigInfo, SigSet};
        let outer = new_init();
        let parent = outer.process().clone();
        let copied = parent.nsproxy().copy(CLONE_NEWPID, &init_user_ns(), parent.pid_ns(), true).unwrap();
        let ns_child = ChildNamespaces { proxy: copied.proxy.for_child(), mounts: None, set_tid: alloc::vec::Vec::new() };
        let init = parent.fork(ShareFlags::default(), 17, ns_child).unwrap();
        let process = init.process().clone();
        assert!(process.is_ns_init());
        assert!(!process.send_signal_forced(SigInfo::new(SIGTERM, 0), true), "SIGTERM without a handler is dropped");
        assert!(!process.send_signal_forced(SigInfo::new(SIGKILL, 0), false), "SIGKILL from inside is dropped");
        init.set_signal_mask(SigSet::of(SIGTERM));
        assert!(process.send_signal_forced(SigInfo::new(SIGTERM, 0), false), "a blocked signal is queued");
        assert!(process.shared_pending().contains(SIGTERM));
        assert!(process.send_signal_forced(SigInfo::new(SIGKILL, 0), true), "SIGKILL from an ancestor namespace");
        init.exit(WaitStatus::Signaled { signal: SIGKILL, core: false });
        let pid = process.pid();
        assert!(parent.try_wait(WaitSelector::Pid(pid), WaitOptions::WEXITED).unwrap().is_some());
    }

    /// A clone that fails after the child was made leaves nothing behind.
    #[test]
    fn an_aborted_fork_leaves_no_child() {
        let init = new_init();
        let parent = init.process().clone();
        let child = parent.fork(ShareFlags::default(), 17, ChildNamespaces::inherit(&parent)).unwrap();
        let pid = child.process().pid();
        parent.abort_fork(&child);
        assert_eq!(parent.try_wait(WaitSelector::Any, WaitOptions::WEXITED).unwrap_err().errno, Errno::ECHILD);
        drop(child);
        assert!(super::super::find_process(pid).is_none(), "the child is gone from the table");
    }

    /// CLONE_PARENT: the caller's parent gets the child and the caller's exit signal.
    #[test]
    fn clone_parent_gives_the_child_to_the_grandparent() {
        let init = new_init();
        let top = init.process().clone();
        let middle = top.fork(ShareFlags::default(), 17, ChildNamespaces::inherit(&top)).unwrap();
        let child = middle.process().fork(ShareFlags::default(), 10, ChildNamespaces::inherit(middle.process())).unwrap();
        middle.process().give_child_to_parent(child.process()).unwrap();
        assert_eq!(child.process().ppid(), top.pid());
        assert!(child.exit(WaitStatus::Exited(1)).is_some_and(|(p, sig)| Arc::ptr_eq(&p, &top) && sig == 17));
        assert_eq!(middle.process().try_wait(WaitSelector::Any, WaitOptions::WEXITED).unwrap_err().errno, Errno::ECHILD);
        let pid = child.process().pid();
        assert_eq!(top.try_wait(WaitSelector::Pid(pid), WaitOptions::WEXITED).unwrap(), Some((pid, WaitStatus::Exited(1))));
        middle.exit(WaitStatus::Exited(0));
        assert!(top.try_wait(WaitSelector::Any, WaitOptions::WEXITED).unwrap().is_some());
    }

    /// A namespace init that dies with a zombie it never reaped is itself
    /// reapable (zap_pid_namespace reaps what is dead already).
    #[test]
    fn a_dying_namespace_init_reaps_its_zombies() {
        use crate::namespace::{CLONE_NEWPID, user::init_user_ns};
        let outer = new_init();
        let parent = outer.process().clone();
        let copied = parent.nsproxy().copy(CLONE_NEWPID, &init_user_ns(), parent.pid_ns(), true).unwrap();
        let ns_child = ChildNamespaces { proxy: copied.proxy.for_child(), mounts: None, set_tid: alloc::vec::Vec::new() };
        let init = parent.fork(ShareFlags::default(), 17, ns_child).unwrap();
        let zombie = init.process().fork(ShareFlags::default(), 17, ChildNamespaces::inherit(init.process())).unwrap();
        zombie.exit(WaitStatus::Exited(0));
        init.exit(WaitStatus::Exited(9));
        let pid = init.process().pid();
        assert_eq!(parent.try_wait(WaitSelector::Pid(pid), WaitOptions::WEXITED).unwrap(), Some((pid, WaitStatus::Exited(9))));
        let zombie_pid = zombie.process().pid();
        drop(zombie);
        assert!(super::super::find_process(zombie_pid).is_none(), "the zombie was reaped");
    }
}
