//! The file system types mount(2) knows, and the shared instances:
//! devtmpfs (one instance, like Linux's) and sysfs (a minimal skeleton).

use alloc::sync::Arc;

use super::devices;
use super::ramfs::{RAMFS_MAGIC, RamFs, TMPFS_MAGIC};
use super::vfs::{FileType, INode, makedev};
use crate::error::{Errno, Result};
use crate::sync::Once;

pub const SYSFS_MAGIC: u64 = 0x62656572;

static DEVTMPFS: Once<Arc<RamFs>> = Once::new();
static SYSFS: Once<Arc<RamFs>> = Once::new();

/// The devtmpfs instance, created with the standard nodes on first use.
pub fn devtmpfs() -> Arc<RamFs> {
    DEVTMPFS
        .call_once(|| {
            devices::register_memory_devices();
            let fs = RamFs::new(0x01021994, 0o755);
            let root = fs.root();
            for (name, major, minor, perm) in [
                ("null", 1, 3, 0o666),
                ("zero", 1, 5, 0o666),
                ("full", 1, 7, 0o666),
                ("random", 1, 8, 0o666),
                ("urandom", 1, 9, 0o666),
                ("tty", 5, 0, 0o666),
                ("console", 5, 1, 0o600),
                ("ttyS0", 4, 64, 0o660),
            ] {
                let _ = root.create(name, FileType::CharDevice, perm, 0, 0, makedev(major, minor));
            }
            let _ = root.create("pts", FileType::Directory, 0o755, 0, 0, 0);
            let _ = root.create("shm", FileType::Directory, 0o1777, 0, 0, 0);
            let _ = root.symlink("fd", "/proc/self/fd", 0, 0);
            let _ = root.symlink("stdin", "/proc/self/fd/0", 0, 0);
            let _ = root.symlink("stdout", "/proc/self/fd/1", 0, 0);
            let _ = root.symlink("stderr", "/proc/self/fd/2", 0, 0);
            fs
        })
        .clone()
}

/// A minimal sysfs: the directories tools look for; the cgroup issue fills
/// /sys/fs/cgroup.
fn sysfs() -> Arc<RamFs> {
    SYSFS
        .call_once(|| {
            let fs = RamFs::new(SYSFS_MAGIC, 0o555);
            let root = fs.root();
            for dir in ["kernel", "fs", "devices", "class", "bus", "module"] {
                let _ = root.create(dir, FileType::Directory, 0o755, 0, 0, 0);
            }
            if let Ok(fsdir) = root.lookup("fs") {
                let _ = fsdir.create("cgroup", FileType::Directory, 0o755, 0, 0, 0);
            }
            fs
        })
        .clone()
}

/// A new instance (or the shared one) of file system type `fstype`:
/// its root inode. `ENODEV` for a type we do not have.
///
/// `pid_ns` is the mounter's PID namespace: a procfs shows that
/// namespace's processes (proc(5): "the PID namespace of the process that
/// mounted it").
pub fn instantiate(fstype: &str, pid_ns: &Arc<crate::namespace::pid::PidNamespace>) -> Result<Arc<dyn INode>> {
    Ok(match fstype {
        "tmpfs" => RamFs::new(TMPFS_MAGIC, 0o1777).root(),
        "ramfs" => RamFs::new(RAMFS_MAGIC, 0o755).root(),
        "devtmpfs" => devtmpfs().root(),
        "proc" => super::procfs::new_root(pid_ns.clone()),
        "sysfs" => sysfs().root(),
        _ => return Err(Errno::ENODEV.into()),
    })
}
