//! `NsProxy`: the set of namespaces a process uses (Linux's `struct
//! nsproxy`, kernel/nsproxy.c). Processes share one until a clone, unshare
//! or setns changes a member; then the changed process gets a copy
//! (copy-on-change: an `NsProxy` is immutable once made and shared by `Arc`).
//!
//! Not in here, as in Linux: the user namespace lives in the credentials,
//! and the PID namespace a process *is in* is fixed by its PID
//! (`KernelPid::ns`); `pid_for_children` is where its next children go.
//! `time` and `time_for_children` work the same way for time namespaces.
//!
//! Linux keeps an nsproxy per thread; nsCore keeps one per process, since
//! threads of a process do not diverge in any namespace we support.

use alloc::sync::Arc;

use super::cgroup::{CgroupNamespace, init_cgroup_ns};
use super::ipc::{IpcNamespace, init_ipc_ns};
use super::mnt::{MountMap, MountNamespace, init_mnt_ns};
use super::net::{NetNamespace, init_net_ns};
use super::pid::{PidNamespace, init_pid_ns};
use super::time::{TimeNamespace, init_time_ns};
use super::uts::{UtsNamespace, init_uts};
use super::{
    CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWTIME, CLONE_NEWUSER, CLONE_NEWUTS,
    NsRef, UserNamespace,
};
use crate::error::{Errno, Result};

#[derive(Clone)]
pub struct NsProxy {
    pub mnt: Arc<MountNamespace>,
    pub uts: Arc<UtsNamespace>,
    pub ipc: Arc<IpcNamespace>,
    pub net: Arc<NetNamespace>,
    pub cgroup: Arc<CgroupNamespace>,
    pub pid_for_children: Arc<PidNamespace>,
    pub time: Arc<TimeNamespace>,
    pub time_for_children: Arc<TimeNamespace>,
}

/// The namespace flags nsCore can create today. The rest
/// (`CLONE_NEWIPC|CLONE_NEWNET|CLONE_NEWCGROUP|CLONE_NEWUSER`) are refused
/// with `EINVAL` by [`NsProxy::copy`] until their issues land.
pub const SUPPORTED_NEW: u64 = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWTIME;
/// Every `CLONE_NEW*` flag.
pub const ALL_NEW: u64 =
    CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUSER | CLONE_NEWCGROUP | CLONE_NEWTIME;

/// What a copy made besides the proxy: the mount map when a new mount
/// namespace was made (to move root and cwd into it).
pub struct Copied {
    pub proxy: Arc<NsProxy>,
    pub mounts: Option<MountMap>,
}

impl NsProxy {
    /// The initial namespaces (init's proxy).
    pub fn initial() -> Arc<NsProxy> {
        Arc::new(NsProxy {
            mnt: init_mnt_ns(),
            uts: init_uts(),
            ipc: init_ipc_ns(),
            net: init_net_ns(),
            cgroup: init_cgroup_ns(),
            pid_for_children: init_pid_ns(),
            time: init_time_ns(),
            time_for_children: init_time_ns(),
        })
    }

    /// `create_new_namespaces`: a copy of `self` with a new namespace of
    /// each kind in `flags`, owned by `owner`. `active_pid` is the PID
    /// namespace the process is in. `for_clone` tells clone (the new time
    /// namespace is also the child's current one) from unshare (only for
    /// children). The caller has checked the capability.
    ///
    /// `EINVAL` for a kind nsCore does not have yet (one log line), and
    /// for a second `CLONE_NEWPID` before a child entered the first (Linux's
    /// `copy_pid_ns` requires `pid_for_children` to be the active one).
    pub fn copy(
        self: &Arc<Self>,
        flags: u64,
        owner: &Arc<UserNamespace>,
        active_pid: &Arc<PidNamespace>,
        for_clone: bool,
    ) -> Result<Copied> {
        let unsupported = flags & ALL_NEW & !SUPPORTED_NEW;
        if unsupported != 0 {
            log::warn!("namespaces: CLONE_NEW* flags {unsupported:#x} are not supported yet");
            return Err(Errno::EINVAL.into());
        }
        if flags & ALL_NEW == 0 {
            return Ok(Copied { proxy: self.clone(), mounts: None });
        }
        let mut new = (**self).clone();
        let mut mounts = None;
        if flags & CLONE_NEWNS != 0 {
            let (mnt, map) = self.mnt.copy(owner.clone())?;
            new.mnt = mnt;
            mounts = Some(map);
        }
        if flags & CLONE_NEWUTS != 0 {
            new.uts = self.uts.copy(owner.clone())?;
        }
        if flags & CLONE_NEWPID != 0 {
            if !Arc::ptr_eq(&self.pid_for_children, active_pid) {
                return Err(Errno::EINVAL.into());
            }
            new.pid_for_children = active_pid.new_child(owner.clone())?;
        }
        if flags & CLONE_NEWTIME != 0 {
            let time = self.time.copy(owner.clone())?;
            if for_clone {
                new.time = time.clone();
            }
            new.time_for_children = time;
        }
        Ok(Copied { proxy: Arc::new(new), mounts })
    }

    /// The proxy of a child made by fork/clone without `CLONE_NEW*`: the
    /// same namespaces, except that the child *is in* `time_for_children`
    /// (Linux's `timens_on_fork`).
    pub fn for_child(self: &Arc<Self>) -> Arc<NsProxy> {
        if Arc::ptr_eq(&self.time, &self.time_for_children) {
            return self.clone();
        }
        let mut new = (**self).clone();
        new.time = self.time_for_children.clone();
        Arc::new(new)
    }

    /// The namespace of `kind` in this proxy, as `/proc/PID/ns/<name>`
    /// shows it. PID and user are not in the proxy (see the module doc).
    pub fn get(&self, name: &str) -> Option<NsRef> {
        Some(match name {
            "mnt" => NsRef::Mnt(self.mnt.clone()),
            "uts" => NsRef::Uts(self.uts.clone()),
            "ipc" => NsRef::Ipc(self.ipc.clone()),
            "net" => NsRef::Net(self.net.clone()),
            "cgroup" => NsRef::Cgroup(self.cgroup.clone()),
            "pid_for_children" => NsRef::Pid(self.pid_for_children.clone()),
            "time" => NsRef::Time(self.time.clone()),
            "time_for_children" => NsRef::Time(self.time_for_children.clone()),
            _ => return None,
        })
    }

    /// A copy with `ns` installed in its slot (setns(2)). A PID namespace
    /// goes to `pid_for_children`, a time namespace to both time slots.
    pub fn with(&self, ns: &NsRef) -> NsProxy {
        let mut new = self.clone();
        match ns {
            NsRef::Mnt(n) => new.mnt = n.clone(),
            NsRef::Uts(n) => new.uts = n.clone(),
            NsRef::Ipc(n) => new.ipc = n.clone(),
            NsRef::Net(n) => new.net = n.clone(),
            NsRef::Cgroup(n) => new.cgroup = n.clone(),
            NsRef::Pid(n) => new.pid_for_children = n.clone(),
            NsRef::Time(n) => {
                new.time = n.clone();
                new.time_for_children = n.clone();
            }
            NsRef::User(_) => {}
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::namespace::user::init_user_ns;
    use crate::namespace::{Namespace, NsKind, registry};

    fn test_tree() {
        crate::fs::context::init_root_tree(crate::fs::mount::MountTree::new(
            crate::fs::ramfs::RamFs::new(crate::fs::ramfs::RAMFS_MAGIC, 0o755).root(),
            "rootfs",
            "rootfs",
        ));
    }

    #[test]
    fn copy_on_change_shares_what_did_not_change() {
        test_tree();
        let init = NsProxy::initial();
        let same = init.copy(0, &init_user_ns(), &init_pid_ns(), true).unwrap().proxy;
        assert!(Arc::ptr_eq(&same, &init), "no flags: the same proxy");
        let new = init.copy(CLONE_NEWUTS, &init_user_ns(), &init_pid_ns(), true).unwrap().proxy;
        assert!(!Arc::ptr_eq(&new.uts, &init.uts));
        assert!(Arc::ptr_eq(&new.mnt, &init.mnt) && Arc::ptr_eq(&new.pid_for_children, &init.pid_for_children));
        assert_eq!(init.uts.common().inum(), NsKind::Uts.initial_inum());
        let err = init.copy(CLONE_NEWNET, &init_user_ns(), &init_pid_ns(), true).err().unwrap();
        assert_eq!(err.errno, Errno::EINVAL, "kinds not implemented yet are refused");
    }

    #[test]
    fn unshare_time_and_pid_affect_children_only() {
        test_tree();
        let init = NsProxy::initial();
        let unshared = init.copy(CLONE_NEWTIME | CLONE_NEWPID, &init_user_ns(), &init_pid_ns(), false).unwrap().proxy;
        assert!(Arc::ptr_eq(&unshared.time, &init.time), "the caller stays in its time namespace");
        assert!(!Arc::ptr_eq(&unshared.time_for_children, &init.time));
        assert_eq!(unshared.pid_for_children.level(), 1);
        let child = unshared.for_child();
        assert!(Arc::ptr_eq(&child.time, &unshared.time_for_children), "a child enters time_for_children");
        let again = unshared.copy(CLONE_NEWPID, &init_user_ns(), &init_pid_ns(), false);
        assert_eq!(again.err().unwrap().errno, Errno::EINVAL, "one pending CLONE_NEWPID at a time");
    }

    #[test]
    fn ten_thousand_namespaces_come_and_go() {
        test_tree();
        let init = NsProxy::initial();
        let before: usize = NsKind::ALL.iter().map(|k| registry::count(*k)).sum();
        for _ in 0..10_000 {
            let p = init
                .copy(CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWTIME | CLONE_NEWNS, &init_user_ns(), &init_pid_ns(), true)
                .unwrap();
            let found = registry::find(p.proxy.uts.common().koid());
            assert!(found.is_some(), "the registry finds a live namespace");
        }
        let after: usize = NsKind::ALL.iter().map(|k| registry::count(*k)).sum();
        // Other tests run in parallel and may hold a few of their own.
        assert!(after < before + 50, "namespaces are freed: {before} before, {after} after");
    }
}
