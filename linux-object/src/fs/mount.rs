//! Mounts. A [`Mount`] attaches a file system's root at a directory of
//! another mount; a [`MountTree`] is the set of mounts one mount namespace
//! sees (Linux's `struct mount` and `struct mnt_namespace`, fs/namespace.c).
//! The mount-namespace issue gives each namespace its own tree via
//! [`MountTree::clone_tree`] (Linux's `copy_tree` in `copy_mnt_ns`).

use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use super::vfs::INode;
use crate::error::{Errno, Result};
use crate::sync::RwLock;

bitflags::bitflags! {
    /// Per-mount flags (MS_* of mount(2) that live on the mount).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct MountFlags: u32 {
        const RDONLY = 1;
        const NOSUID = 2;
        const NODEV = 4;
        const NOEXEC = 8;
    }
}

static NEXT_MOUNT_ID: AtomicU64 = AtomicU64::new(1);

pub struct Mount {
    id: u64,
    root: Arc<dyn INode>,
    /// The mount this one sits on and the directory it covers there;
    /// `None` for the tree's root mount.
    parent: Option<(Weak<Mount>, Arc<dyn INode>)>,
    /// The covered directory's `identity()`, taken at mount time: a path
    /// walk compares it with every directory it enters.
    point_identity: (u64, u64),
    pub fstype: String,
    pub source: String,
    /// Where it was mounted, as an absolute path from the tree's root (for
    /// /proc/mounts).
    pub path: String,
    /// Protected by the lock (remount changes it).
    flags: RwLock<MountFlags>,
}

impl Mount {
    pub fn id(&self) -> u64 {
        self.id
    }
    pub fn root(&self) -> &Arc<dyn INode> {
        &self.root
    }
    pub fn flags(&self) -> MountFlags {
        *self.flags.read()
    }
    pub fn set_flags(&self, flags: MountFlags) {
        *self.flags.write() = flags;
    }
    pub fn parent(&self) -> Option<Arc<Mount>> {
        self.parent.as_ref().and_then(|(p, _)| p.upgrade())
    }
    pub fn mountpoint(&self) -> Option<&Arc<dyn INode>> {
        self.parent.as_ref().map(|(_, dir)| dir)
    }
}

/// The mounts of one mount namespace, in mount order.
pub struct MountTree {
    /// Protected by the lock. `mounts[0]` is the root mount.
    mounts: RwLock<Vec<Arc<Mount>>>,
}

impl MountTree {
    /// A tree whose root is `root` (of file system `fstype`).
    pub fn new(root: Arc<dyn INode>, fstype: &str, source: &str) -> Arc<MountTree> {
        let mount = Arc::new(Mount {
            id: NEXT_MOUNT_ID.fetch_add(1, Ordering::Relaxed),
            root,
            parent: None,
            point_identity: (0, 0),
            fstype: String::from(fstype),
            source: String::from(source),
            path: String::from("/"),
            flags: RwLock::new(MountFlags::empty()),
        });
        Arc::new(MountTree { mounts: RwLock::new(alloc::vec![mount]) })
    }

    pub fn root_mount(&self) -> Arc<Mount> {
        self.mounts.read()[0].clone()
    }

    /// All mounts, in the order they were made (for /proc/mounts).
    pub fn mounts(&self) -> Vec<Arc<Mount>> {
        self.mounts.read().clone()
    }

    /// The mount covering directory `dir` of mount `parent`, if any; with
    /// several stacked, the last one made.
    pub fn mounted_on(&self, parent: &Arc<Mount>, dir: &Arc<dyn INode>) -> Option<Arc<Mount>> {
        // The directory's identity is asked for only if something is
        // mounted on `parent` at all (most lookups cross no mount).
        let mut identity = None;
        self.mounts
            .read()
            .iter()
            .rev()
            .find(|m| {
                m.parent.as_ref().is_some_and(|(p, _)| core::ptr::eq(p.as_ptr(), Arc::as_ptr(parent)))
                    && *identity.get_or_insert_with(|| dir.identity()) == m.point_identity
            })
            .cloned()
    }

    /// Mounts file system `root` on directory `dir` of mount `parent`.
    #[allow(clippy::too_many_arguments)]
    pub fn mount(
        &self,
        parent: &Arc<Mount>,
        dir: Arc<dyn INode>,
        path: &str,
        root: Arc<dyn INode>,
        fstype: &str,
        source: &str,
        flags: MountFlags,
    ) -> Result<Arc<Mount>> {
        if dir.metadata().kind != super::vfs::FileType::Directory && root.metadata().kind == super::vfs::FileType::Directory {
            return Err(Errno::ENOTDIR.into());
        }
        let point_identity = dir.identity();
        let mount = Arc::new(Mount {
            id: NEXT_MOUNT_ID.fetch_add(1, Ordering::Relaxed),
            root,
            parent: Some((Arc::downgrade(parent), dir)),
            point_identity,
            fstype: String::from(fstype),
            source: String::from(source),
            path: String::from(path),
            flags: RwLock::new(flags),
        });
        self.mounts.write().push(mount.clone());
        Ok(mount)
    }

    /// Removes `mount`: `EINVAL` for the root mount or one not in this tree,
    /// `EBUSY` while other mounts sit on it.
    pub fn umount(&self, mount: &Arc<Mount>) -> Result<()> {
        let mut mounts = self.mounts.write();
        let index = mounts.iter().position(|m| Arc::ptr_eq(m, mount)).ok_or(Errno::EINVAL)?;
        if index == 0 {
            return Err(Errno::EBUSY.into());
        }
        if mounts.iter().any(|m| m.parent().is_some_and(|p| Arc::ptr_eq(&p, mount))) {
            return Err(Errno::EBUSY.into());
        }
        mounts.remove(index);
        Ok(())
    }

    /// A copy of the tree with new `Mount` objects for the same file systems
    /// (for a new mount namespace). Mount ids are new, as in Linux.
    pub fn clone_tree(&self) -> Arc<MountTree> {
        self.clone_tree_with_map().0
    }

    /// [`clone_tree`](Self::clone_tree), also returning each old mount
    /// paired with its copy.
    pub fn clone_tree_with_map(&self) -> (Arc<MountTree>, Vec<(Arc<Mount>, Arc<Mount>)>) {
        let old = self.mounts.read();
        let mut new: Vec<Arc<Mount>> = Vec::with_capacity(old.len());
        for mount in old.iter() {
            let parent = mount.parent.as_ref().and_then(|(p, dir)| {
                let index = old.iter().position(|m| Weak::ptr_eq(p, &Arc::downgrade(m)))?;
                Some((Arc::downgrade(&new[index]), dir.clone()))
            });
            new.push(Arc::new(Mount {
                id: NEXT_MOUNT_ID.fetch_add(1, Ordering::Relaxed),
                root: mount.root.clone(),
                parent,
                point_identity: mount.point_identity,
                fstype: mount.fstype.clone(),
                source: mount.source.clone(),
                path: mount.path.clone(),
                flags: RwLock::new(mount.flags()),
            }));
        }
        let map = old.iter().cloned().zip(new.iter().cloned()).collect();
        (Arc::new(MountTree { mounts: RwLock::new(new) }), map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::ramfs::{RAMFS_MAGIC, RamFs};
    use crate::fs::vfs::FileType;

    #[test]
    fn mount_lookup_stack_and_umount() {
        let rootfs = RamFs::new(RAMFS_MAGIC, 0o755);
        let tree = MountTree::new(rootfs.root(), "rootfs", "rootfs");
        let root = tree.root_mount();
        let mnt = rootfs.root().create("mnt", FileType::Directory, 0o755, 0, 0, 0).unwrap();
        assert!(tree.mounted_on(&root, &mnt).is_none());
        let a = RamFs::new(RAMFS_MAGIC, 0o755);
        let b = RamFs::new(RAMFS_MAGIC, 0o755);
        let ma = tree.mount(&root, mnt.clone(), "/mnt", a.root(), "tmpfs", "a", MountFlags::empty()).unwrap();
        let mb = tree.mount(&root, mnt.clone(), "/mnt", b.root(), "tmpfs", "b", MountFlags::RDONLY).unwrap();
        assert_eq!(tree.mounted_on(&root, &mnt).unwrap().id(), mb.id(), "the last mount wins");
        let sub = b.root().create("sub", FileType::Directory, 0o755, 0, 0, 0).unwrap();
        let mc = tree.mount(&mb, sub, "/mnt/sub", RamFs::new(RAMFS_MAGIC, 0o755).root(), "tmpfs", "c", MountFlags::empty()).unwrap();
        assert_eq!(tree.umount(&mb).unwrap_err().errno, Errno::EBUSY);
        let copy = tree.clone_tree();
        tree.umount(&mc).unwrap();
        tree.umount(&mb).unwrap();
        assert_eq!(tree.mounted_on(&root, &mnt).unwrap().id(), ma.id());
        assert_eq!(tree.umount(&root).unwrap_err().errno, Errno::EBUSY);
        assert_eq!(copy.mounts().len(), 4, "a cloned tree is independent");
    }
}
