//! The inode layer: what every file system implements.
//!
//! An [`INode`] is a file, directory, symlink or device node of one file
//! system. Operations that do not apply return the errno Linux gives (a
//! directory operation on a file is `ENOTDIR`, reading a directory `EISDIR`).
//! Mirrors `struct inode_operations` and `file_operations` (include/linux/fs.h),
//! merged into one trait because our file systems are small.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::any::Any;

use crate::error::{Errno, Result};
use crate::time::TimeSpec;

pub const NAME_MAX: usize = 255;
pub const PATH_MAX: usize = 4096;

/// File types and their `S_IFMT` bits (inode(7)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    Regular,
    Directory,
    Symlink,
    CharDevice,
    BlockDevice,
    Fifo,
    Socket,
}

pub const S_IFMT: u32 = 0o170000;

impl FileType {
    pub fn mode_bits(self) -> u32 {
        match self {
            FileType::Socket => 0o140000,
            FileType::Symlink => 0o120000,
            FileType::Regular => 0o100000,
            FileType::BlockDevice => 0o060000,
            FileType::Directory => 0o040000,
            FileType::CharDevice => 0o020000,
            FileType::Fifo => 0o010000,
        }
    }

    pub fn from_mode(mode: u32) -> Option<FileType> {
        Some(match mode & S_IFMT {
            0o140000 => FileType::Socket,
            0o120000 => FileType::Symlink,
            0o100000 => FileType::Regular,
            0o060000 => FileType::BlockDevice,
            0o040000 => FileType::Directory,
            0o020000 => FileType::CharDevice,
            0o010000 => FileType::Fifo,
            _ => return None,
        })
    }

    /// `d_type` of getdents64 (DT_* in <dirent.h>).
    pub fn dirent_type(self) -> u8 {
        match self {
            FileType::Fifo => 1,
            FileType::CharDevice => 2,
            FileType::Directory => 4,
            FileType::BlockDevice => 6,
            FileType::Regular => 8,
            FileType::Symlink => 10,
            FileType::Socket => 12,
        }
    }
}

/// What stat(2) reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Metadata {
    pub dev: u64,
    pub ino: u64,
    pub kind: FileType,
    /// Permission bits (0o7777), without the type.
    pub perm: u32,
    pub nlink: u32,
    pub uid: u32,
    pub gid: u32,
    pub rdev: u64,
    pub size: u64,
    pub blksize: u32,
    pub blocks: u64,
    pub atime: TimeSpec,
    pub mtime: TimeSpec,
    pub ctime: TimeSpec,
}

impl Metadata {
    /// Metadata of a kernel-made file that has no backing store (pipes,
    /// nsfs and anonymous inodes): owned by root, size 0, times now.
    pub fn synthetic(dev: u64, ino: u64, kind: FileType, perm: u32) -> Metadata {
        let t = crate::time::TimeSpec::from_ns(crate::time::realtime_ns());
        Metadata {
            dev,
            ino,
            kind,
            perm,
            nlink: 1,
            uid: 0,
            gid: 0,
            rdev: 0,
            size: 0,
            blksize: 4096,
            blocks: 0,
            atime: t,
            mtime: t,
            ctime: t,
        }
    }

    /// `st_mode`: type bits plus permission bits.
    pub fn mode(&self) -> u32 {
        self.kind.mode_bits() | self.perm
    }
}

/// `makedev` as glibc and the kernel's `new_encode_dev` pack it for stat.
pub fn makedev(major: u32, minor: u32) -> u64 {
    let (major, minor) = (major as u64, minor as u64);
    ((major & 0xfffff000) << 32) | ((major & 0xfff) << 8) | ((minor & 0xffffff00) << 12) | (minor & 0xff)
}

pub fn major(dev: u64) -> u32 {
    (((dev >> 32) & 0xfffff000) | ((dev >> 8) & 0xfff)) as u32
}

pub fn minor(dev: u64) -> u32 {
    (((dev >> 12) & 0xffffff00) | (dev & 0xff)) as u32
}

/// One directory entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    pub name: String,
    pub ino: u64,
    pub kind: FileType,
}

/// Attribute changes (chmod, chown, utimensat). `None` keeps the value.
#[derive(Clone, Copy, Debug, Default)]
pub struct SetAttr {
    pub perm: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub atime: Option<TimeSpec>,
    pub mtime: Option<TimeSpec>,
}

/// fallocate(2) modes (include/uapi/linux/falloc.h).
pub const FALLOC_FL_KEEP_SIZE: u32 = 1;
pub const FALLOC_FL_PUNCH_HOLE: u32 = 2;

/// renameat2(2) flags.
pub const RENAME_NOREPLACE: u32 = 1;
pub const RENAME_EXCHANGE: u32 = 2;

pub trait INode: Send + Sync + Any {
    fn metadata(&self) -> Metadata;

    fn read_at(&self, _offset: u64, _buf: &mut [u8]) -> Result<usize> {
        Err(self.not_a_file())
    }
    fn write_at(&self, _offset: u64, _data: &[u8]) -> Result<usize> {
        Err(self.not_a_file())
    }
    fn truncate(&self, _len: u64) -> Result<()> {
        Err(self.not_a_file())
    }

    /// The child called `name` ("." and ".." are handled by the path walk).
    fn lookup(&self, _name: &str) -> Result<Arc<dyn INode>> {
        Err(Errno::ENOTDIR.into())
    }
    /// Creates a child; `EEXIST` if the name is taken.
    fn create(&self, _name: &str, _kind: FileType, _perm: u32, _uid: u32, _gid: u32, _rdev: u64) -> Result<Arc<dyn INode>> {
        Err(Errno::ENOTDIR.into())
    }
    fn symlink(&self, _name: &str, _target: &str, _uid: u32, _gid: u32) -> Result<Arc<dyn INode>> {
        Err(Errno::ENOTDIR.into())
    }
    /// Adds a hard link `name` to `target` (same file system).
    fn link(&self, _name: &str, _target: &Arc<dyn INode>) -> Result<()> {
        Err(Errno::ENOTDIR.into())
    }
    /// Removes a non-directory entry (`EISDIR` for a directory).
    fn unlink(&self, _name: &str) -> Result<()> {
        Err(Errno::ENOTDIR.into())
    }
    /// Removes an empty directory (`ENOTEMPTY`, `ENOTDIR`).
    fn rmdir(&self, _name: &str) -> Result<()> {
        Err(Errno::ENOTDIR.into())
    }
    /// Moves `old_name` here to `new_name` in `new_dir` (same file system).
    fn rename(&self, _old_name: &str, _new_dir: &Arc<dyn INode>, _new_name: &str, _flags: u32) -> Result<()> {
        Err(Errno::ENOTDIR.into())
    }
    /// The `index`th entry, "." and ".." first; `None` past the end.
    fn read_dir(&self, _index: usize) -> Result<Option<DirEntry>> {
        Err(Errno::ENOTDIR.into())
    }
    /// The first entry at directory position `pos` or after, and the
    /// position after it (what getdents64 stores as `d_off` and the file
    /// offset). Positions are indices by default; a directory whose
    /// entries come and go (/proc) may use its own cursor, as Linux's
    /// `proc_pid_readdir` uses PIDs.
    fn read_dir_at(&self, pos: u64) -> Result<Option<(DirEntry, u64)>> {
        Ok(self.read_dir(pos as usize)?.map(|entry| (entry, pos + 1)))
    }
    fn read_link(&self) -> Result<String> {
        Err(Errno::EINVAL.into())
    }
    fn set_attr(&self, _attr: SetAttr) -> Result<()> {
        Err(Errno::EPERM.into())
    }
    /// For device nodes and special files: the open file object that
    /// replaces a plain inode file (a pipe for a FIFO, a driver's file).
    fn open_special(&self) -> Option<Result<Arc<dyn crate::fs::file::FileLike>>> {
        None
    }
    /// For a "magic link" (`/proc/PID/ns/*`): where following it leads,
    /// instead of resolving the text `read_link` gives.
    fn magic_target(&self) -> Option<Result<crate::fs::path::Path>> {
        None
    }
    /// Whether mmap(2) may map this file's pages (Linux: the file has an
    /// `f_op->mmap`). Pseudo-files generated on read (procfs, nsfs) do
    /// not: mmap gives `ENODEV`, as on Linux (or what the file says:
    /// `EIO` for /proc's own files, `proc_reg_mmap`).
    fn mmap_allowed(&self) -> Result<()> {
        Err(Errno::ENODEV.into())
    }
    /// The page cache frame of page `index`, a hole's page allocated on
    /// first use (the fault path of a mapping). `EIO` for a page past the
    /// end of the file; `ENODEV` for files without a page cache.
    fn cache_page(&self, _index: u64) -> Result<Arc<crate::mm::Frame>> {
        Err(Errno::ENODEV.into())
    }
    /// Appends the cache frames already present for pages `range`
    /// (fault-around); allocates nothing.
    fn cached_pages(&self, _range: core::ops::Range<u64>, _out: &mut Vec<(u64, Arc<crate::mm::Frame>)>) {}
    /// For read(2) straight from the page cache: the frames of bytes
    /// `offset..offset + len` clipped to the file's end (one per page,
    /// `None` for a hole) and how many bytes that is; `None` when the file
    /// has no page cache (read through `read_at`).
    fn read_frames(&self, _offset: u64, _len: usize, _out: &mut Vec<Option<Arc<crate::mm::Frame>>>) -> Option<usize> {
        None
    }
    /// Takes write access for an open for writing or a truncate
    /// (`get_write_access`): `ETXTBSY` while the file runs as a program.
    fn get_write_access(&self) -> Result<()> {
        Ok(())
    }
    fn put_write_access(&self) {}
    /// Keeps writers out while the file runs as a program
    /// (`deny_write_access`): `ETXTBSY` while it is open for writing.
    fn deny_write_access(&self) -> Result<()> {
        Ok(())
    }
    fn allow_write_access(&self) {}
    /// fallocate(2) with `mode` already checked to be 0,
    /// `FALLOC_FL_KEEP_SIZE`, or `FALLOC_FL_PUNCH_HOLE |
    /// FALLOC_FL_KEEP_SIZE`: `EOPNOTSUPP` where the file system has no
    /// such thing.
    fn fallocate(&self, _mode: u32, _offset: u64, _len: u64) -> Result<()> {
        Err(Errno::EOPNOTSUPP.into())
    }
    /// The file system this inode belongs to (for statfs and mounts).
    fn fs_magic(&self) -> u64 {
        0x858458f6 // RAMFS_MAGIC
    }
    /// A stable identity for mount-point lookups.
    fn identity(&self) -> (u64, u64) {
        let m = self.metadata();
        (m.dev, m.ino)
    }
    fn as_any(&self) -> &dyn Any;

    /// The errno for a file operation on this inode.
    fn not_a_file(&self) -> crate::error::Error {
        match self.metadata().kind {
            FileType::Directory => Errno::EISDIR.into(),
            _ => Errno::EINVAL.into(),
        }
    }
}

/// Checks a single path component.
pub fn check_name(name: &str) -> Result<()> {
    if name.is_empty() || name == "." || name == ".." {
        return Err(Errno::EINVAL.into());
    }
    if name.len() > NAME_MAX {
        return Err(Errno::ENAMETOOLONG.into());
    }
    if name.contains('/') || name.contains('\0') {
        return Err(Errno::EINVAL.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_numbers_round_trip() {
        let dev = makedev(5, 1);
        assert_eq!(dev, 0x501);
        assert_eq!((major(dev), minor(dev)), (5, 1));
        let big = makedev(259, 70000);
        assert_eq!((major(big), minor(big)), (259, 70000));
        assert_eq!(FileType::from_mode(0o100644), Some(FileType::Regular));
        assert_eq!(FileType::from_mode(0o644), None);
    }
}
