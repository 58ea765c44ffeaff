//! Namespaces (namespaces(7)).
//!
//! A namespace wraps a global resource so that the processes inside it see
//! their own instance: host name (UTS), process numbers (PID), clocks
//! (time), mounts (mount), and — each with its own later issue — IPC
//! objects, network stacks, user ids and cgroup roots.
//!
//! Every namespace is a kernel object ([`NsCommon`]): a KoID, its kind, the
//! inode number nsfs shows for it (`uts:[4026531838]`), and its owning user
//! namespace. The hierarchical kinds (PID, user) also know their parent and
//! level. A task reaches its namespaces through an [`NsProxy`]
//! (`nsproxy.rs`); nsfs files (`nsfs.rs`) name one namespace each; a global
//! [`registry`] finds any live namespace by KoID.
//!
//! One file per kind, each saying which Linux code it mirrors:
//! `uts.rs`, `pid.rs`, `time.rs`, `mnt.rs`, `user.rs`, and `ipc.rs`,
//! `net.rs`, `cgroup.rs` (for now only their initial namespace).
//!
//! Lock order: a namespace's own lock is a leaf, except the PID namespace's,
//! taken before the registry's (`registry::REGISTRY`), which is last of all.

pub mod cgroup;
pub mod ipc;
pub mod mnt;
pub mod net;
pub mod nsfs;
pub mod nsproxy;
pub mod pid;
pub mod registry;
pub mod time;
pub mod ucounts;
pub mod user;
pub mod uts;

use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, Ordering};

use crate::object::{KoId, new_koid};

pub use nsproxy::NsProxy;
pub use user::{UserNamespace, ns_capable};

/// The eight kinds of namespace, with the `CLONE_NEW*` flag that names each
/// (clone(2), setns(2)'s `nstype`, ioctl_ns(2)'s `NS_GET_NSTYPE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NsKind {
    Mnt,
    Uts,
    Ipc,
    Pid,
    Net,
    User,
    Cgroup,
    Time,
}

pub const CLONE_NEWTIME: u64 = 0x80;
pub const CLONE_NEWNS: u64 = 0x2_0000;
pub const CLONE_NEWCGROUP: u64 = 0x200_0000;
pub const CLONE_NEWUTS: u64 = 0x400_0000;
pub const CLONE_NEWIPC: u64 = 0x800_0000;
pub const CLONE_NEWUSER: u64 = 0x1000_0000;
pub const CLONE_NEWPID: u64 = 0x2000_0000;
pub const CLONE_NEWNET: u64 = 0x4000_0000;

impl NsKind {
    pub const ALL: [NsKind; 8] =
        [NsKind::Mnt, NsKind::Uts, NsKind::Ipc, NsKind::Pid, NsKind::Net, NsKind::User, NsKind::Cgroup, NsKind::Time];

    /// The `CLONE_NEW*` flag of this kind.
    pub fn clone_flag(self) -> u64 {
        match self {
            NsKind::Mnt => CLONE_NEWNS,
            NsKind::Uts => CLONE_NEWUTS,
            NsKind::Ipc => CLONE_NEWIPC,
            NsKind::Pid => CLONE_NEWPID,
            NsKind::Net => CLONE_NEWNET,
            NsKind::User => CLONE_NEWUSER,
            NsKind::Cgroup => CLONE_NEWCGROUP,
            NsKind::Time => CLONE_NEWTIME,
        }
    }

    pub fn from_clone_flag(flag: u64) -> Option<NsKind> {
        NsKind::ALL.into_iter().find(|k| k.clone_flag() == flag)
    }

    /// The name in `/proc/PID/ns/` and in the link text `uts:[…]`.
    pub fn name(self) -> &'static str {
        match self {
            NsKind::Mnt => "mnt",
            NsKind::Uts => "uts",
            NsKind::Ipc => "ipc",
            NsKind::Pid => "pid",
            NsKind::Net => "net",
            NsKind::User => "user",
            NsKind::Cgroup => "cgroup",
            NsKind::Time => "time",
        }
    }

    /// The inode numbers of the initial namespaces, fixed by Linux
    /// (include/linux/proc_ns.h, `PROC_*_INIT_INO`); user space compares
    /// against them to tell "am I in the initial namespace".
    pub fn initial_inum(self) -> u32 {
        match self {
            NsKind::Ipc => 0xEFFF_FFFF,
            NsKind::Uts => 0xEFFF_FFFE,
            NsKind::User => 0xEFFF_FFFD,
            NsKind::Pid => 0xEFFF_FFFC,
            NsKind::Cgroup => 0xEFFF_FFFB,
            NsKind::Time => 0xEFFF_FFFA,
            NsKind::Net => 0xEFFF_FFF9,
            NsKind::Mnt => 0xEFFF_FFF8,
        }
    }
}

/// The part every namespace has (Linux's `struct ns_common`).
pub struct NsCommon {
    koid: KoId,
    kind: NsKind,
    inum: u32,
    /// The user namespace that owns this one: capabilities over it are
    /// checked there. `None` only for the initial user namespace itself,
    /// and for a user namespace (its parent is its owner).
    owner: Option<Arc<UserNamespace>>,
    /// What counts this namespace against its creator's limit (none for
    /// the initial namespaces).
    _charge: Option<ucounts::Charge>,
}

/// New namespaces get inode numbers counting down from below the initial
/// ones, as Linux's `proc_alloc_inum` hands out numbers from an IDA that
/// the fixed ones sit above.
static NEXT_INUM: AtomicU32 = AtomicU32::new(0xF000_0000);

impl NsCommon {
    /// The header of an initial namespace, with Linux's fixed inode number.
    pub fn initial(kind: NsKind, owner: Option<Arc<UserNamespace>>) -> NsCommon {
        NsCommon { koid: new_koid(), kind, inum: kind.initial_inum(), owner, _charge: None }
    }

    /// The header of a new namespace: a fresh KoID and inode number,
    /// charged to the creator (`ENOSPC` past `/proc/sys/user/max_*`).
    pub fn new(kind: NsKind, owner: Option<Arc<UserNamespace>>) -> crate::error::Result<NsCommon> {
        let charge = ucounts::charge(kind)?;
        Ok(NsCommon { koid: new_koid(), kind, inum: NEXT_INUM.fetch_add(1, Ordering::Relaxed), owner, _charge: Some(charge) })
    }

    pub fn koid(&self) -> KoId {
        self.koid
    }
    pub fn kind(&self) -> NsKind {
        self.kind
    }
    /// The nsfs inode number.
    pub fn inum(&self) -> u32 {
        self.inum
    }
    /// The owning user namespace (the initial one for the initial user
    /// namespace itself).
    pub fn owner(&self) -> Arc<UserNamespace> {
        self.owner.clone().unwrap_or_else(user::init_user_ns)
    }
}

/// What every namespace type offers the generic code (nsfs, setns,
/// the registry).
pub trait Namespace: Send + Sync {
    fn common(&self) -> &NsCommon;
}

/// Makes a struct with a `common: NsCommon` field a namespace: implements
/// [`Namespace`], and a `Drop` that takes it out of the registry.
macro_rules! namespace_object {
    ($ty:ty) => {
        impl $crate::namespace::Namespace for $ty {
            fn common(&self) -> &$crate::namespace::NsCommon {
                &self.common
            }
        }

        impl Drop for $ty {
            fn drop(&mut self) {
                $crate::namespace::registry::remove(self.common.koid());
            }
        }
    };
}
use namespace_object;

/// A counted reference to a namespace of any kind (Linux passes `struct
/// ns_common *` and uses container_of; we keep the type).
#[derive(Clone)]
pub enum NsRef {
    Mnt(Arc<mnt::MountNamespace>),
    Uts(Arc<uts::UtsNamespace>),
    Ipc(Arc<ipc::IpcNamespace>),
    Pid(Arc<pid::PidNamespace>),
    Net(Arc<net::NetNamespace>),
    User(Arc<UserNamespace>),
    Cgroup(Arc<cgroup::CgroupNamespace>),
    Time(Arc<time::TimeNamespace>),
}

impl NsRef {
    pub fn as_namespace(&self) -> &dyn Namespace {
        match self {
            NsRef::Mnt(ns) => &**ns,
            NsRef::Uts(ns) => &**ns,
            NsRef::Ipc(ns) => &**ns,
            NsRef::Pid(ns) => &**ns,
            NsRef::Net(ns) => &**ns,
            NsRef::User(ns) => &**ns,
            NsRef::Cgroup(ns) => &**ns,
            NsRef::Time(ns) => &**ns,
        }
    }
    pub fn common(&self) -> &NsCommon {
        self.as_namespace().common()
    }
    /// The parent, for the hierarchical kinds (PID, user): `NS_GET_PARENT`.
    pub fn parent(&self) -> Option<NsRef> {
        match self {
            NsRef::Pid(ns) => ns.parent().cloned().map(NsRef::Pid),
            NsRef::User(ns) => ns.parent().cloned().map(NsRef::User),
            _ => None,
        }
    }
    pub fn kind(&self) -> NsKind {
        self.common().kind()
    }
    /// The text of a `/proc/PID/ns/*` link: `uts:[4026531838]`.
    pub fn link_text(&self) -> alloc::string::String {
        alloc::format!("{}:[{}]", self.kind().name(), self.common().inum())
    }
    pub fn same_as(&self, other: &NsRef) -> bool {
        self.common().koid() == other.common().koid()
    }
}

/// Declares a namespace kind that, for now, has only its initial instance
/// (IPC, network, cgroup: each gets its own issue). The type exists so that
/// `/proc/PID/ns/*`, nsfs and setns treat all eight kinds alike; creating a
/// new one is refused by `NsProxy::copy` with `EINVAL`.
macro_rules! initial_only_namespace {
    ($(#[$doc:meta])* $name:ident, $kind:ident, $init:ident) => {
        $(#[$doc])*
        pub struct $name {
            common: $crate::namespace::NsCommon,
        }

        $crate::namespace::namespace_object!($name);

        static INIT: $crate::sync::Once<alloc::sync::Arc<$name>> = $crate::sync::Once::new();

        /// The initial namespace of this kind, with Linux's fixed inode number.
        pub fn $init() -> alloc::sync::Arc<$name> {
            INIT.call_once(|| {
                let ns = alloc::sync::Arc::new($name {
                    common: $crate::namespace::NsCommon::initial(
                        $crate::namespace::NsKind::$kind,
                        Some($crate::namespace::user::init_user_ns()),
                    ),
                });
                $crate::namespace::registry::insert(&$crate::namespace::NsRef::$kind(ns.clone()));
                ns
            })
            .clone()
        }
    };
}
use initial_only_namespace;
