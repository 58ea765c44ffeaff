//! The mount namespace (mount_namespaces(7)): the set of mounts a process
//! sees. Mirrors `struct mnt_namespace` and `copy_mnt_ns` (fs/namespace.c).
//!
//! A new namespace gets a copy of the creator's mount tree
//! ([`MountTree::clone_tree`]); later mounts and unmounts in either copy are
//! invisible to the other. Every mount is private (no shared subtrees or
//! propagation yet: the mount-namespace issue adds them).

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::{NsCommon, NsKind, NsRef, UserNamespace, registry};
use crate::fs::mount::{Mount, MountTree};
use crate::sync::Once;

pub struct MountNamespace {
    common: NsCommon,
    tree: Arc<MountTree>,
}

super::namespace_object!(MountNamespace);

/// A mount of the old tree and its copy in the new one.
pub type MountMap = Vec<(Arc<Mount>, Arc<Mount>)>;

impl MountNamespace {
    fn create(common: NsCommon, tree: Arc<MountTree>) -> Arc<Self> {
        let ns = Arc::new(MountNamespace { common, tree });
        registry::insert(&NsRef::Mnt(ns.clone()));
        ns
    }

    pub fn tree(&self) -> &Arc<MountTree> {
        &self.tree
    }

    /// `copy_mnt_ns`: a namespace with a copy of this one's mounts, owned by
    /// `owner`; returns the old→new mount pairs so the caller can move its
    /// root and cwd into the copy.
    pub fn copy(&self, owner: Arc<UserNamespace>) -> crate::error::Result<(Arc<Self>, MountMap)> {
        let common = NsCommon::new(NsKind::Mnt, Some(owner))?;
        let (tree, map) = self.tree.clone_tree_with_map();
        Ok((Self::create(common, tree), map))
    }
}

static INIT_MNT_NS: Once<Arc<MountNamespace>> = Once::new();

/// The initial mount namespace, around the tree the kernel built at boot
/// (`fs::context::root_tree`).
pub fn init_mnt_ns() -> Arc<MountNamespace> {
    INIT_MNT_NS
        .call_once(|| {
            MountNamespace::create(
                NsCommon::initial(NsKind::Mnt, Some(super::user::init_user_ns())),
                crate::fs::context::root_tree(),
            )
        })
        .clone()
}
