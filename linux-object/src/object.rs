//! Kernel object identity.
//!
//! Every kernel object (process, thread, namespace, cgroup) gets a KoID: a
//! 64-bit number, unique for the kernel's lifetime and never reused. KoIDs
//! are the kernel's own names; the numbers user space sees (PIDs, nsfs inode
//! numbers) are separate and may differ per namespace.

use core::sync::atomic::{AtomicU64, Ordering};

pub type KoId = u64;

static NEXT_KOID: AtomicU64 = AtomicU64::new(1024);

/// A fresh KoID.
pub fn new_koid() -> KoId {
    NEXT_KOID.fetch_add(1, Ordering::Relaxed)
}
