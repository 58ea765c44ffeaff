//! The owner of an open file: the thread, process or process group that
//! `fcntl(F_SETOWN/F_SETOWN_EX)` names and `F_GETOWN/F_GETOWN_EX` read
//! back (fcntl(2), "Managing signals"; Linux's `struct fown_struct` and
//! `f_setown`/`f_getown` in fs/fcntl.c).
//!
//! Like Linux, which keeps a reference to a `struct pid`, the owner is kept
//! as the target's [`KernelPid`]: it names the same process in every PID
//! namespace, each reader sees the number its own namespace gives it (0 if
//! none), and once nothing has that PID any more the owner reads as 0.
//! The reference is weak, so an owner does not keep a PID number in use.

use alloc::sync::{Arc, Weak};

use crate::namespace::pid::KernelPid;
use crate::process::{all_processes, find_process, find_thread};
use crate::sync::Mutex;

/// `F_OWNER_TID`, `F_OWNER_PID`, `F_OWNER_PGRP`: what the owner's PID
/// names (Linux's `PIDTYPE_PID`, `PIDTYPE_TGID`, `PIDTYPE_PGID`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnerType {
    Tid = 0,
    Pid = 1,
    Pgrp = 2,
}

impl OwnerType {
    pub fn from_raw(raw: i32) -> Option<Self> {
        match raw {
            0 => Some(OwnerType::Tid),
            1 => Some(OwnerType::Pid),
            2 => Some(OwnerType::Pgrp),
            _ => None,
        }
    }
}

/// One open file's owner; a new file has none (type `F_OWNER_TID`, PID 0).
pub struct FileOwner {
    inner: Mutex<(OwnerType, Weak<KernelPid>)>,
}

impl Default for FileOwner {
    fn default() -> Self {
        FileOwner { inner: Mutex::new((OwnerType::Tid, Weak::new())) }
    }
}

impl FileOwner {
    /// `__f_setown`: `pid` None clears the owner but keeps the type.
    pub fn set(&self, kind: OwnerType, pid: Option<&Arc<KernelPid>>) {
        *self.inner.lock() = (kind, pid.map_or_else(Weak::new, Arc::downgrade));
    }

    /// The owner's type, and its PID while some task still has it
    /// (`pid_task(f_owner.pid, f_owner.pid_type)` in `f_getown`).
    pub fn get(&self) -> (OwnerType, Option<Arc<KernelPid>>) {
        let (kind, weak) = self.inner.lock().clone();
        let pid = weak.upgrade().filter(|pid| has_task(kind, pid));
        (kind, pid)
    }
}

/// Whether a live thread (Tid), an unreaped process (Pid) or any process
/// of the group (Pgrp) still has `pid`.
fn has_task(kind: OwnerType, pid: &Arc<KernelPid>) -> bool {
    match kind {
        OwnerType::Tid => find_thread(pid.global()).is_some_and(|t| Arc::ptr_eq(&t.kpid(), pid)),
        OwnerType::Pid => find_process(pid.global()).is_some_and(|p| Arc::ptr_eq(p.kpid(), pid) && !p.is_reaped()),
        OwnerType::Pgrp => all_processes().iter().any(|p| Arc::ptr_eq(&p.pgid_ref(), pid)),
    }
}

/// `find_vpid(nr)`: the PID that number `nr` names in `ns` — a thread's,
/// a process's, or a process group's or session's whose leader is gone.
pub fn find_pid_in(ns: &crate::namespace::pid::PidNamespace, nr: crate::process::Pid) -> Option<Arc<KernelPid>> {
    if nr == 0 {
        return None;
    }
    if let Some(process) = crate::process::find_process_in(ns, nr) {
        return Some(process.kpid().clone());
    }
    if let Some(thread) = crate::process::find_thread_in(ns, nr) {
        return Some(thread.kpid());
    }
    all_processes().iter().flat_map(|p| [p.pgid_ref(), p.sid_ref()]).find(|pid| pid.nr_in(ns) == nr)
}
