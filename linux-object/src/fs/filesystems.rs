//! The file system types mount(2) knows, and the shared instances:
//! devtmpfs (one instance, like Linux's) and sysfs (a minimal skeleton).

use alloc::sync::Arc;

use super::file_pages::PageBudget;

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
pub fn instantiate(fstype: &str, pid_ns: &Arc<crate::namespace::pid::PidNamespace>, data: Option<&str>) -> Result<Arc<dyn INode>> {
    Ok(match fstype {
        "tmpfs" => {
            let options = TmpfsOptions::parse(data.unwrap_or(""))?;
            let (pages, inodes) = tmpfs_defaults();
            let budget = PageBudget::new(options.pages.unwrap_or(pages), options.inodes.unwrap_or(inodes));
            let root = RamFs::with_budget(TMPFS_MAGIC, options.mode.unwrap_or(0o1777), budget).root();
            if options.uid.is_some() || options.gid.is_some() {
                root.set_attr(super::vfs::SetAttr { uid: options.uid, gid: options.gid, ..Default::default() })?;
            }
            root
        }
        "ramfs" => RamFs::new(RAMFS_MAGIC, 0o755).root(),
        "devtmpfs" => devtmpfs().root(),
        "proc" => super::procfs::new_root(pid_ns.clone()),
        "sysfs" => sysfs().root(),
        _ => return Err(Errno::ENODEV.into()),
    })
}

/// tmpfs's defaults: "half of your physical RAM without swap" for `size`,
/// and for `nr_inodes` "half of the number of your physical RAM pages"
/// - tmpfs(5).
fn tmpfs_defaults() -> (u64, u64) {
    let (total, _) = crate::hal::hal().memory_stats();
    let pages = (total / crate::mm::PAGE_SIZE / 2) as u64;
    (pages, pages)
}

/// The options tmpfs(5) takes at mount and remount: `size`, `nr_inodes`,
/// `mode`, `uid`, `gid`. A limit of 0 means none.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TmpfsOptions {
    pub pages: Option<u64>,
    pub inodes: Option<u64>,
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
}

impl TmpfsOptions {
    /// Parses "size=8m,nr_inodes=16,mode=1777": `EINVAL` for an unknown
    /// option or a bad number, as shmem_parse_one does.
    pub fn parse(data: &str) -> Result<TmpfsOptions> {
        let mut out = TmpfsOptions::default();
        for option in data.split(',').filter(|o| !o.is_empty()) {
            let (key, value) = option.split_once('=').unwrap_or((option, ""));
            match key {
                "size" => {
                    let bytes = match value.strip_suffix('%') {
                        Some(percent) => {
                            let percent: u64 = percent.parse().map_err(|_| Errno::EINVAL)?;
                            let (total, _) = crate::hal::hal().memory_stats();
                            (total as u64 / 100).checked_mul(percent).ok_or(Errno::EINVAL)?
                        }
                        None => memparse(value)?,
                    };
                    let pages = bytes.div_ceil(crate::mm::PAGE_SIZE as u64);
                    out.pages = Some(if pages == 0 { u64::MAX } else { pages });
                }
                "nr_inodes" => {
                    let count = memparse(value)?;
                    out.inodes = Some(if count == 0 { u64::MAX } else { count });
                }
                "mode" => out.mode = Some(u32::from_str_radix(value, 8).map_err(|_| Errno::EINVAL)? & 0o7777),
                "uid" => out.uid = Some(value.parse().map_err(|_| Errno::EINVAL)?),
                "gid" => out.gid = Some(value.parse().map_err(|_| Errno::EINVAL)?),
                // Inode numbers are 64-bit here whatever is asked.
                "inode64" | "inode32" => {}
                _ => {
                    log::warn!("tmpfs: unknown or unsupported option {option:?}");
                    return Err(Errno::EINVAL.into());
                }
            }
        }
        Ok(out)
    }
}

/// A number with an optional binary suffix (k, m, g, t, p, e), as the
/// kernel's `memparse`.
fn memparse(text: &str) -> Result<u64> {
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (digits, suffix) = text.split_at(split);
    let number: u64 = digits.parse().map_err(|_| Errno::EINVAL)?;
    let shift = match suffix {
        "" => 0,
        "k" | "K" => 10,
        "m" | "M" => 20,
        "g" | "G" => 30,
        "t" | "T" => 40,
        "p" | "P" => 50,
        "e" | "E" => 60,
        _ => return Err(Errno::EINVAL.into()),
    };
    number.checked_mul(1 << shift).ok_or(Errno::EINVAL.into())
}

/// remount of a tmpfs with `data`: new limits (never below what is used)
/// and mode. Other file systems take no options here.
pub fn remount(root: &Arc<dyn INode>, data: Option<&str>) -> Result<()> {
    let Some(data) = data.filter(|d| !d.is_empty()) else { return Ok(()) };
    let Some(info) = RamFs::budget_of(root).filter(|_| root.fs_magic() == TMPFS_MAGIC) else {
        log::warn!("mount: remount options {data:?} for a file system that takes none");
        return Err(Errno::EINVAL.into());
    };
    let options = TmpfsOptions::parse(data)?;
    info.budget().set_limits(options.pages, options.inodes)?;
    if options.mode.is_some() || options.uid.is_some() || options.gid.is_some() {
        root.set_attr(super::vfs::SetAttr { perm: options.mode, uid: options.uid, gid: options.gid, ..Default::default() })?;
    }
    Ok(())
}

/// What statfs(2) reports for a file system whose root is `root`:
/// (blocks, free blocks, inodes, free inodes), in pages.
pub fn usage(root: &Arc<dyn INode>) -> Option<(u64, u64, u64, u64)> {
    let info = RamFs::budget_of(root)?;
    let (max_pages, used_pages) = info.budget().pages();
    let (max_inodes, used_inodes) = info.budget().inodes();
    if max_pages == u64::MAX {
        // ramfs: "no limits", statfs shows zeros as Linux's simple_statfs.
        return Some((0, 0, 0, 0));
    }
    Some((max_pages, max_pages - used_pages.min(max_pages), max_inodes, max_inodes - used_inodes.min(max_inodes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tmpfs_options_parse_as_linux() {
        let o = TmpfsOptions::parse("size=8m,nr_inodes=16,mode=700").unwrap();
        assert_eq!(o, TmpfsOptions { pages: Some(2048), inodes: Some(16), mode: Some(0o700), uid: None, gid: None });
        assert_eq!(TmpfsOptions::parse("size=0").unwrap().pages, Some(u64::MAX), "0 is no limit");
        assert_eq!(TmpfsOptions::parse("size=1").unwrap().pages, Some(1), "rounded up to a page");
        for bad in ["size=8x", "bogus", "nr_inodes=", "size=99999999999e", "mode=9"] {
            assert_eq!(TmpfsOptions::parse(bad).unwrap_err().errno, Errno::EINVAL, "{bad}");
        }
    }
}
