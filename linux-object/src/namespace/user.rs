//! The user namespace: who owns which namespaces, and where capabilities
//! count (user_namespaces(7)). Mirrors `struct user_namespace`
//! (include/linux/user_namespace.h) and `ns_capable`/`cap_capable`
//! (kernel/capability.c, security/commoncap.c).
//!
//! Today only the initial user namespace exists (CLONE_NEWUSER comes with
//! the user-namespace issue); but every namespace already records its owner
//! and every privileged namespace operation asks [`ns_capable`] with the
//! namespace it acts on, so user namespaces will slot in without new calls.

use alloc::sync::Arc;

use super::{NsCommon, NsKind, NsRef, registry};
use crate::process::Credentials;
use crate::process::creds::Uid;
use crate::sync::Once;

/// Capability numbers (include/uapi/linux/capability.h) the namespace code asks for.
pub const CAP_SYS_PTRACE: u32 = 19;
pub const CAP_SYS_ADMIN: u32 = 21;
pub const CAP_SYS_RESOURCE: u32 = 24;
pub const CAP_SYS_TIME: u32 = 25;

/// Linux's limit on nesting user namespaces (kernel/user_namespace.c).
pub const MAX_USER_NS_LEVEL: u32 = 32;

pub struct UserNamespace {
    common: NsCommon,
    parent: Option<Arc<UserNamespace>>,
    level: u32,
    /// The effective uid of the creator, in the parent namespace
    /// (`NS_GET_OWNER_UID`).
    owner_uid: Uid,
}

super::namespace_object!(UserNamespace);

impl UserNamespace {
    pub fn parent(&self) -> Option<&Arc<UserNamespace>> {
        self.parent.as_ref()
    }
    pub fn level(&self) -> u32 {
        self.level
    }
    pub fn owner_uid(&self) -> Uid {
        self.owner_uid
    }
    /// Whether `self` is `ancestor` or lies below it.
    pub fn is_descendant_of(&self, ancestor: &UserNamespace) -> bool {
        let mut ns = self;
        loop {
            if core::ptr::eq(ns, ancestor) {
                return true;
            }
            match &ns.parent {
                Some(parent) => ns = parent,
                None => return false,
            }
        }
    }
}

static INIT_USER_NS: Once<Arc<UserNamespace>> = Once::new();

/// The initial user namespace (`init_user_ns`), owned by uid 0.
pub fn init_user_ns() -> Arc<UserNamespace> {
    INIT_USER_NS
        .call_once(|| {
            let ns = Arc::new(UserNamespace {
                common: NsCommon::initial(NsKind::User, None),
                parent: None,
                level: 0,
                owner_uid: 0,
            });
            registry::insert(&NsRef::User(ns.clone()));
            ns
        })
        .clone()
}

/// Whether a task with `creds` has capability `cap` over objects owned by
/// user namespace `target` (Linux's `ns_capable` → `cap_capable`): walk up
/// from `target`; in the task's own namespace its capability sets decide;
/// the owner of a namespace created in the task's namespace has every
/// capability in it.
///
/// Capability sets are "euid 0 has them all" until the user-namespace
/// issue brings real ones (see `Credentials::is_privileged`).
pub fn ns_capable(creds: &Credentials, target: &UserNamespace, cap: u32) -> bool {
    let _ = cap;
    let own = creds.user_ns();
    let mut ns = target;
    loop {
        if core::ptr::eq(ns, &*own) {
            return creds.is_privileged();
        }
        // Below the task's namespace no further: not capable.
        if ns.level <= own.level {
            return false;
        }
        let parent = ns.parent.as_ref().expect("a non-initial user namespace has a parent");
        if core::ptr::eq(&**parent, &*own) && ns.owner_uid == creds.euid {
            return true;
        }
        ns = parent;
    }
}
