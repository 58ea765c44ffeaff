//! Per-process file-system state: root, working directory, umask (Linux's
//! `struct fs_struct`, shared after CLONE_FS), and the mount tree.

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
}

impl FsContext {
    pub fn new(root: Path) -> Self {
        FsContext { cwd: root.clone(), root, umask: 0o022 }
    }

    /// Resolves `path` from `start` as the process with `creds` sees it.
    pub fn resolve(&self, creds: &Credentials, start: &Path, path: &str, follow: bool) -> Result<Path> {
        let tree = root_tree();
        Resolver { tree: &tree, root: &self.root, creds }.resolve(start, path, follow)
    }

    pub fn resolve_parent(&self, creds: &Credentials, start: &Path, path: &str) -> Result<(Path, Option<alloc::string::String>)> {
        let tree = root_tree();
        Resolver { tree: &tree, root: &self.root, creds }.resolve_parent(start, path)
    }
}

/// The mount tree. TODO(mount namespace): one per mount namespace, held by
/// the task's NsProxy; until then every process shares this one.
static ROOT_TREE: Once<Arc<MountTree>> = Once::new();

/// Installs the root mount tree (the kernel calls this once at boot).
pub fn init_root_tree(tree: Arc<MountTree>) {
    ROOT_TREE.call_once(|| tree);
}

pub fn root_tree() -> Arc<MountTree> {
    ROOT_TREE.get().expect("the root file system is not mounted").clone()
}
