//! Per-process file-system state: root, working directory, umask (Linux's
//! `struct fs_struct`, shared after CLONE_FS), and the mount tree of the
//! process's mount namespace, which the walk uses to cross mount points.
//!
//! The tree is the one the task's `NsProxy.mnt` holds. Keeping it here too
//! is safe because Linux forbids sharing an fs_struct across mount
//! namespaces: `CLONE_NEWNS|CLONE_FS` is `EINVAL`, and unshare/setns of a
//! mount namespace first unshare the fs_struct.

use alloc::sync::Arc;

use super::mount::MountTree;
use super::path::{Path, Resolver};
use crate::error::Result;
use crate::process::Credentials;
use crate::sync::Once;

#[derive(Clone)]
pub struct FsContext {
    pub root: Path,
    pub cwd: Path,
    pub umask: u32,
    /// The mounts of the process's mount namespace.
    pub tree: Arc<MountTree>,
}

impl FsContext {
    /// Root and cwd at the root of `tree`.
    pub fn new(tree: Arc<MountTree>) -> Self {
        let root = Path::root_of(&tree);
        FsContext { cwd: root.clone(), root, umask: 0o022, tree }
    }

    /// Moves root and cwd into `tree`, a copy of the current tree whose
    /// mounts `map` pairs with the old ones (entering a new mount namespace).
    pub fn move_to_tree(&mut self, tree: Arc<MountTree>, map: &[(Arc<super::mount::Mount>, Arc<super::mount::Mount>)]) {
        let lookup = |m: &Arc<super::mount::Mount>| map.iter().find(|(old, _)| Arc::ptr_eq(old, m)).map(|(_, new)| new.clone());
        self.root = self.root.remap(&lookup);
        self.cwd = self.cwd.remap(&lookup);
        self.tree = tree;
    }

    /// setns(2) into a mount namespace: root and cwd become its root
    /// ("the caller's root and cwd are set to the root of the namespace").
    pub fn enter_tree(&mut self, tree: Arc<MountTree>) {
        let root = Path::root_of(&tree);
        self.cwd = root.clone();
        self.root = root;
        self.tree = tree;
    }

    /// Resolves `path` from `start` as the process with `creds` sees it.
    pub fn resolve(&self, creds: &Credentials, start: &Path, path: &str, follow: bool) -> Result<Path> {
        Resolver { tree: &self.tree, root: &self.root, creds }.resolve(start, path, follow)
    }

    pub fn resolve_parent(&self, creds: &Credentials, start: &Path, path: &str) -> Result<(Path, Option<alloc::string::String>)> {
        Resolver { tree: &self.tree, root: &self.root, creds }.resolve_parent(start, path)
    }
}

/// The initial mount namespace's tree, made once at boot.
static ROOT_TREE: Once<Arc<MountTree>> = Once::new();

/// Installs the root mount tree (the kernel calls this once at boot).
pub fn init_root_tree(tree: Arc<MountTree>) {
    ROOT_TREE.call_once(|| tree);
}

/// The initial mount namespace's tree (boot, and `init_mnt_ns`).
pub fn root_tree() -> Arc<MountTree> {
    ROOT_TREE.get().expect("the root file system is not mounted").clone()
}
