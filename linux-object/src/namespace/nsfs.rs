//! nsfs: the file system of namespace files (fs/nsfs.c). Opening
//! `/proc/PID/ns/uts` follows a "magic link" to an nsfs inode that holds the
//! namespace; its inode number is the namespace's `inum`, so `stat` tells
//! two namespaces apart, and an open file or a bind mount of it keeps the
//! namespace alive. setns(2) and the ioctl_ns(2) requests take such files.

use alloc::string::String;
use alloc::sync::Arc;
use core::any::Any;

use super::NsRef;
use crate::error::{Errno, Result};
use crate::fs::mount::MountTree;
use crate::fs::path::Path;
use crate::fs::vfs::{FileType, INode, Metadata};
use crate::sync::Once;

/// `NSFS_MAGIC` (include/uapi/linux/magic.h).
pub const NSFS_MAGIC: u64 = 0x6e73_6673;
/// nsfs's anonymous device number (Linux's is `0:4` on most boots).
pub const NSFS_DEV: u64 = 0x4;

/// ioctl_ns(2) requests: `_IO(0xb7, n)`.
pub const NS_GET_USERNS: u32 = 0xb701;
pub const NS_GET_PARENT: u32 = 0xb702;
pub const NS_GET_NSTYPE: u32 = 0xb703;
pub const NS_GET_OWNER_UID: u32 = 0xb704;
/// PID translation through a PID-namespace file (Linux 6.11,
/// `_IOR(0xb7, 6..9, int)`; the argument is the PID itself).
pub const NS_GET_PID_FROM_PIDNS: u32 = 0x8004_b706;
pub const NS_GET_TGID_FROM_PIDNS: u32 = 0x8004_b707;
pub const NS_GET_PID_IN_PIDNS: u32 = 0x8004_b708;
pub const NS_GET_TGID_IN_PIDNS: u32 = 0x8004_b709;

/// The inode of one namespace.
pub struct NsInode {
    ns: NsRef,
}

impl NsInode {
    pub fn ns(&self) -> &NsRef {
        &self.ns
    }
}

impl INode for NsInode {
    fn metadata(&self) -> Metadata {
        Metadata::synthetic(NSFS_DEV, self.ns.common().inum() as u64, FileType::Regular, 0o444)
    }
    fn read_at(&self, _offset: u64, _buf: &mut [u8]) -> Result<usize> {
        Err(Errno::EINVAL.into())
    }
    fn fs_magic(&self) -> u64 {
        NSFS_MAGIC
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// nsfs's internal mount (Linux's `nsfs_mnt`): nsfs paths hang off it.
fn nsfs_tree() -> Arc<MountTree> {
    static TREE: Once<Arc<MountTree>> = Once::new();
    TREE.call_once(|| MountTree::new(crate::fs::ramfs::RamFs::new(NSFS_MAGIC, 0o555).root(), "nsfs", "nsfs")).clone()
}

/// The path a `/proc/PID/ns/*` magic link leads to (`ns_get_path`).
pub fn path_of(ns: NsRef) -> Path {
    let name = ns.link_text();
    let inode: Arc<dyn INode> = Arc::new(NsInode { ns });
    Path::detached(nsfs_tree().root_mount(), inode, &name)
}

/// The namespace behind an inode, if it is an nsfs inode.
pub fn ns_of(inode: &Arc<dyn INode>) -> Option<NsRef> {
    inode.as_any().downcast_ref::<NsInode>().map(|i| i.ns.clone())
}

/// What `/proc/PID/fd/N` shows for an nsfs file: `uts:[4026531838]`.
pub fn link_text(inode: &Arc<dyn INode>) -> Option<String> {
    ns_of(inode).map(|ns| ns.link_text())
}
