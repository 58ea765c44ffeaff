//! The namespace registry: every live namespace by KoID, plus the number of
//! live namespaces of each kind (for the leak checks). Holds weak
//! references only: an entry vanishes when the namespace's last user (a
//! task's NsProxy, an open nsfs file, a bind mount, a child namespace)
//! drops it — each namespace's `Drop` calls [`remove`].
//!
//! Linux has no single table (each kind is found through its users); we
//! keep one so nsfs and setns-by-id can find a namespace, and so a test can
//! prove that namespaces do not leak.

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};

use super::{NsKind, NsRef};
use crate::object::KoId;
use crate::sync::Mutex;

#[derive(Clone)]
enum WeakNs {
    Mnt(Weak<super::mnt::MountNamespace>),
    Uts(Weak<super::uts::UtsNamespace>),
    Ipc(Weak<super::ipc::IpcNamespace>),
    Pid(Weak<super::pid::PidNamespace>),
    Net(Weak<super::net::NetNamespace>),
    User(Weak<super::user::UserNamespace>),
    Cgroup(Weak<super::cgroup::CgroupNamespace>),
    Time(Weak<super::time::TimeNamespace>),
}

impl WeakNs {
    fn upgrade(&self) -> Option<NsRef> {
        Some(match self {
            WeakNs::Mnt(w) => NsRef::Mnt(w.upgrade()?),
            WeakNs::Uts(w) => NsRef::Uts(w.upgrade()?),
            WeakNs::Ipc(w) => NsRef::Ipc(w.upgrade()?),
            WeakNs::Pid(w) => NsRef::Pid(w.upgrade()?),
            WeakNs::Net(w) => NsRef::Net(w.upgrade()?),
            WeakNs::User(w) => NsRef::User(w.upgrade()?),
            WeakNs::Cgroup(w) => NsRef::Cgroup(w.upgrade()?),
            WeakNs::Time(w) => NsRef::Time(w.upgrade()?),
        })
    }

    fn of(ns: &NsRef) -> WeakNs {
        match ns {
            NsRef::Mnt(a) => WeakNs::Mnt(Arc::downgrade(a)),
            NsRef::Uts(a) => WeakNs::Uts(Arc::downgrade(a)),
            NsRef::Ipc(a) => WeakNs::Ipc(Arc::downgrade(a)),
            NsRef::Pid(a) => WeakNs::Pid(Arc::downgrade(a)),
            NsRef::Net(a) => WeakNs::Net(Arc::downgrade(a)),
            NsRef::User(a) => WeakNs::User(Arc::downgrade(a)),
            NsRef::Cgroup(a) => WeakNs::Cgroup(Arc::downgrade(a)),
            NsRef::Time(a) => WeakNs::Time(Arc::downgrade(a)),
        }
    }
}

/// Protected by its mutex; the last lock in the kernel's order.
static REGISTRY: Mutex<BTreeMap<KoId, (NsKind, WeakNs)>> = Mutex::new(BTreeMap::new());

/// Records a new namespace (each constructor calls this).
pub fn insert(ns: &NsRef) {
    REGISTRY.lock().insert(ns.common().koid(), (ns.kind(), WeakNs::of(ns)));
}

/// Forgets a namespace (its `Drop` calls this).
pub fn remove(koid: KoId) {
    REGISTRY.lock().remove(&koid);
}

/// The live namespace with this KoID.
pub fn find(koid: KoId) -> Option<NsRef> {
    let weak = REGISTRY.lock().get(&koid)?.1.clone();
    weak.upgrade()
}

/// The live namespaces whose parent is `parent` (PID and user namespaces
/// form trees through their parent links; this walks them downwards).
pub fn children_of(parent: &NsRef) -> alloc::vec::Vec<NsRef> {
    let candidates: alloc::vec::Vec<WeakNs> =
        REGISTRY.lock().values().filter(|(k, _)| *k == parent.kind()).map(|(_, w)| w.clone()).collect();
    candidates
        .iter()
        .filter_map(WeakNs::upgrade)
        .filter(|ns| ns.parent().is_some_and(|p| p.same_as(parent)))
        .collect()
}

/// How many namespaces of `kind` are alive.
pub fn count(kind: NsKind) -> usize {
    REGISTRY.lock().values().filter(|(k, _)| *k == kind).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::namespace::pid::init_pid_ns;
    use crate::namespace::user::init_user_ns;
    use crate::namespace::{Namespace, nsfs};

    #[test]
    fn a_namespace_lives_while_anything_holds_it() {
        let child = init_pid_ns().new_child(init_user_ns()).unwrap();
        let grandchild = child.new_child(init_user_ns()).unwrap();
        let child_koid = child.common().koid();
        let kids = children_of(&NsRef::Pid(child.clone()));
        assert_eq!(kids.len(), 1, "the tree is walkable downwards");
        assert!(kids[0].same_as(&NsRef::Pid(grandchild.clone())));
        drop(kids);
        drop(child);
        assert!(find(child_koid).is_some(), "a child namespace keeps its parent alive");
        let file = nsfs::path_of(NsRef::Pid(grandchild.clone()));
        let grandchild_koid = grandchild.common().koid();
        drop(grandchild);
        assert!(find(grandchild_koid).is_some(), "an nsfs inode (open file, bind mount) keeps it alive");
        drop(file);
        assert!(find(grandchild_koid).is_none(), "gone with the last holder");
        assert!(find(child_koid).is_none(), "and its parent with it");
    }
}
