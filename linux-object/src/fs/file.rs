//! Open file descriptions: what a file descriptor points to. Mirrors
//! `struct file` and `file_operations` (include/linux/fs.h).
//!
//! Every kind of open file (inode file, pipe end, device, socket) is a
//! [`FileLike`]. Operations that would block return `EAGAIN`; the syscall
//! layer waits on the object (via `poll` with a waker) and retries unless
//! the file is non-blocking.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::any::Any;
use core::task::Waker;

use super::path::Path;
use super::vfs::{FileType, INode, Metadata};
use crate::error::{Errno, Result};
use crate::sync::Mutex;

bitflags::bitflags! {
    /// open(2) flags (asm-generic/fcntl.h; the same values on riscv64 and x86_64).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct OpenFlags: u32 {
        const WRONLY = 0o1;
        const RDWR = 0o2;
        const CREAT = 0o100;
        const EXCL = 0o200;
        const NOCTTY = 0o400;
        const TRUNC = 0o1000;
        const APPEND = 0o2000;
        const NONBLOCK = 0o4000;
        const DSYNC = 0o10000;
        const ASYNC = 0o20000;
        const DIRECT = 0o40000;
        const LARGEFILE = 0o100000;
        const DIRECTORY = 0o200000;
        const NOFOLLOW = 0o400000;
        const NOATIME = 0o1000000;
        const CLOEXEC = 0o2000000;
        const SYNC = 0o4010000;
        const PATH = 0o10000000;
        const TMPFILE = 0o20200000;
    }
}

impl OpenFlags {
    pub const ACCMODE: u32 = 0o3;

    pub fn readable(self) -> bool {
        self.bits() & Self::ACCMODE != 1 && !self.contains(OpenFlags::PATH)
    }
    pub fn writable(self) -> bool {
        matches!(self.bits() & Self::ACCMODE, 1 | 2) && !self.contains(OpenFlags::PATH)
    }
    /// The flags F_SETFL may change.
    pub fn settable() -> OpenFlags {
        OpenFlags::APPEND | OpenFlags::NONBLOCK | OpenFlags::ASYNC | OpenFlags::DIRECT | OpenFlags::NOATIME
    }
}

bitflags::bitflags! {
    /// poll(2) events.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct PollEvents: u16 {
        const IN = 0x001;
        const PRI = 0x002;
        const OUT = 0x004;
        const ERR = 0x008;
        const HUP = 0x010;
        const NVAL = 0x020;
        const RDNORM = 0x040;
        const RDBAND = 0x080;
        const WRNORM = 0x100;
        const WRBAND = 0x200;
        const RDHUP = 0x2000;
    }
}

/// lseek(2) whence.
pub const SEEK_SET: u32 = 0;
pub const SEEK_CUR: u32 = 1;
pub const SEEK_END: u32 = 2;
pub const SEEK_DATA: u32 = 3;
pub const SEEK_HOLE: u32 = 4;

pub trait FileLike: Send + Sync + Any {
    fn read(&self, _buf: &mut [u8]) -> Result<usize> {
        Err(Errno::EINVAL.into())
    }
    fn write(&self, _data: &[u8]) -> Result<usize> {
        Err(Errno::EINVAL.into())
    }
    /// read(2)/pread(2) straight from the page cache into user memory:
    /// the frames for `len` bytes at `offset` (or at the file position,
    /// which moves past them) and the file offset they start at; `None`
    /// when the file is read through a kernel buffer instead.
    fn read_frames(&self, _offset: Option<u64>, _len: usize, _out: &mut Vec<Option<Arc<crate::mm::Frame>>>) -> Option<Result<(u64, usize)>> {
        None
    }
    fn pread(&self, _offset: u64, _buf: &mut [u8]) -> Result<usize> {
        Err(Errno::ESPIPE.into())
    }
    fn pwrite(&self, _offset: u64, _data: &[u8]) -> Result<usize> {
        Err(Errno::ESPIPE.into())
    }
    fn seek(&self, _offset: i64, _whence: u32) -> Result<u64> {
        Err(Errno::ESPIPE.into())
    }
    /// Ready events now; registers `waker` to be woken on a change.
    fn poll(&self, _waker: Option<&Waker>) -> PollEvents {
        PollEvents::IN | PollEvents::OUT | PollEvents::RDNORM | PollEvents::WRNORM
    }
    /// ioctl(2); `arg` is the raw argument, and `vm` the caller's memory
    /// for requests that pass a pointer.
    fn ioctl(&self, _request: u32, _arg: usize, _vm: &mut crate::mm::VmSpace) -> Result<usize> {
        Err(Errno::ENOTTY.into())
    }
    fn metadata(&self) -> Result<Metadata>;
    /// Fills `buf` with `linux_dirent64` records; returns bytes used.
    fn getdents64(&self, _buf: &mut [u8]) -> Result<usize> {
        Err(Errno::ENOTDIR.into())
    }
    fn status_flags(&self) -> OpenFlags;
    fn set_status_flags(&self, _flags: OpenFlags) {}
    /// Where the file was opened (for /proc/PID/fd and fchdir); `None` for
    /// pipes and sockets.
    fn path(&self) -> Option<Path> {
        None
    }
    /// The name /proc/PID/fd shows for files without a path, e.g. "pipe:[5]".
    fn anon_name(&self) -> String {
        String::from("anon_inode:[unknown]")
    }
    fn truncate(&self, _len: u64) -> Result<()> {
        Err(Errno::EINVAL.into())
    }
    /// The inode behind the file, if any (for mmap and fstat).
    fn inode(&self) -> Option<Arc<dyn INode>> {
        None
    }
    /// Who gets this open file's signals (fcntl F_SETOWN); every open
    /// file has one, as Linux's `file->f_owner`.
    fn owner(&self) -> &super::owner::FileOwner;
    fn as_any(&self) -> &dyn Any;
}

/// A regular file, directory or symlink (O_PATH) opened through a path.
pub struct InodeFile {
    path: Path,
    /// Whether this open holds write access to the inode (opened for
    /// writing), given back on close.
    writer: bool,
    /// File position; protected by the mutex (Linux's f_pos_lock).
    offset: Mutex<u64>,
    /// Protected by the mutex (F_SETFL changes it).
    flags: Mutex<OpenFlags>,
    owner: super::owner::FileOwner,
}

impl InodeFile {
    /// An open file that does not write (read-only, `O_PATH`, nsfs).
    pub fn new(path: Path, flags: OpenFlags) -> Arc<InodeFile> {
        debug_assert!(!flags.writable() || flags.contains(OpenFlags::PATH));
        Arc::new(InodeFile { path, writer: false, offset: Mutex::new(0), flags: Mutex::new(flags), owner: Default::default() })
    }

    /// Opens `path` with `flags`, taking write access when they write:
    /// `ETXTBSY` if the file is running as a program (`do_dentry_open`).
    pub fn open(path: Path, flags: OpenFlags) -> Result<Arc<InodeFile>> {
        let writer = flags.writable() && !flags.contains(OpenFlags::PATH);
        if writer {
            path.inode().get_write_access()?;
        }
        Ok(Arc::new(InodeFile { path, writer, offset: Mutex::new(0), flags: Mutex::new(flags), owner: Default::default() }))
    }

    fn inode_ref(&self) -> &Arc<dyn INode> {
        self.path.inode()
    }

    fn check_readable(&self) -> Result<()> {
        if self.flags.lock().readable() { Ok(()) } else { Err(Errno::EBADF.into()) }
    }

    fn check_writable(&self) -> Result<()> {
        if self.flags.lock().writable() { Ok(()) } else { Err(Errno::EBADF.into()) }
    }
}

impl FileLike for InodeFile {
    fn owner(&self) -> &super::owner::FileOwner {
        &self.owner
    }

    fn read(&self, buf: &mut [u8]) -> Result<usize> {
        self.check_readable()?;
        let mut offset = self.offset.lock();
        let n = self.inode_ref().read_at(*offset, buf)?;
        *offset += n as u64;
        Ok(n)
    }

    fn write(&self, data: &[u8]) -> Result<usize> {
        self.check_writable()?;
        let mut offset = self.offset.lock();
        if self.flags.lock().contains(OpenFlags::APPEND) {
            *offset = self.inode_ref().metadata().size;
        }
        let n = self.inode_ref().write_at(*offset, data)?;
        *offset += n as u64;
        Ok(n)
    }

    fn pread(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        self.check_readable()?;
        self.inode_ref().read_at(offset, buf)
    }

    fn read_frames(&self, offset: Option<u64>, len: usize, out: &mut Vec<Option<Arc<crate::mm::Frame>>>) -> Option<Result<(u64, usize)>> {
        if let Err(err) = self.check_readable() {
            return Some(Err(err));
        }
        match offset {
            Some(at) => self.inode_ref().read_frames(at, len, out).map(|n| Ok((at, n))),
            None => {
                let mut pos = self.offset.lock();
                let n = self.inode_ref().read_frames(*pos, len, out)?;
                let at = *pos;
                *pos += n as u64;
                Some(Ok((at, n)))
            }
        }
    }

    fn pwrite(&self, offset: u64, data: &[u8]) -> Result<usize> {
        self.check_writable()?;
        self.inode_ref().write_at(offset, data)
    }

    fn seek(&self, offset: i64, whence: u32) -> Result<u64> {
        let mut pos = self.offset.lock();
        let size = self.inode_ref().metadata().size as i64;
        let new = match whence {
            SEEK_SET => Some(offset),
            SEEK_CUR => (*pos as i64).checked_add(offset),
            SEEK_END => size.checked_add(offset),
            // The whole file is data: the next data is here, the hole is EOF.
            SEEK_DATA if offset >= size || offset < 0 => return Err(Errno::ENXIO.into()),
            SEEK_DATA => Some(offset),
            SEEK_HOLE if offset >= size || offset < 0 => return Err(Errno::ENXIO.into()),
            SEEK_HOLE => Some(size),
            _ => return Err(Errno::EINVAL.into()),
        };
        let new = new.filter(|&n| n >= 0).ok_or(Errno::EINVAL)?;
        *pos = new as u64;
        Ok(*pos)
    }

    fn metadata(&self) -> Result<Metadata> {
        Ok(self.inode_ref().metadata())
    }

    /// Each record: d_ino u64, d_off i64, d_reclen u16, d_type u8, name,
    /// NUL, padded to 8 bytes. The file offset counts entries.
    fn getdents64(&self, buf: &mut [u8]) -> Result<usize> {
        if self.flags.lock().contains(OpenFlags::PATH) {
            return Err(Errno::EBADF.into());
        }
        let mut offset = self.offset.lock();
        let mut used = 0;
        loop {
            let Some((entry, next)) = self.inode_ref().read_dir_at(*offset)? else { break };
            let reclen = (19 + entry.name.len() + 1).next_multiple_of(8);
            if used + reclen > buf.len() {
                if used == 0 {
                    return Err(Errno::EINVAL.into());
                }
                break;
            }
            let rec = &mut buf[used..used + reclen];
            rec.fill(0);
            rec[0..8].copy_from_slice(&entry.ino.to_le_bytes());
            rec[8..16].copy_from_slice(&(next as i64).to_le_bytes());
            rec[16..18].copy_from_slice(&(reclen as u16).to_le_bytes());
            rec[18] = entry.kind.dirent_type();
            rec[19..19 + entry.name.len()].copy_from_slice(entry.name.as_bytes());
            used += reclen;
            *offset = next;
        }
        Ok(used)
    }

    fn status_flags(&self) -> OpenFlags {
        *self.flags.lock()
    }

    fn set_status_flags(&self, flags: OpenFlags) {
        let mut current = self.flags.lock();
        *current = (*current - OpenFlags::settable()) | (flags & OpenFlags::settable());
    }

    fn path(&self) -> Option<Path> {
        Some(self.path.clone())
    }

    fn truncate(&self, len: u64) -> Result<()> {
        self.check_writable().map_err(|_| Errno::EINVAL)?;
        self.inode_ref().truncate(len)
    }

    fn inode(&self) -> Option<Arc<dyn INode>> {
        Some(self.inode_ref().clone())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Drop for InodeFile {
    /// Closing the open file releases its OFD and flock locks.
    fn drop(&mut self) {
        super::lock::release_file(self as *const InodeFile as usize);
        if self.writer {
            self.path.inode().put_write_access();
        }
    }
}

/// Keeps a file from being written while it runs as a program: made by
/// execve, held by the address space (`deny_write_access` /
/// `allow_write_access`).
pub struct WriteDenial(Arc<dyn INode>);

impl WriteDenial {
    /// `ETXTBSY` if the file is open for writing.
    pub fn new(inode: Arc<dyn INode>) -> Result<WriteDenial> {
        inode.deny_write_access()?;
        Ok(WriteDenial(inode))
    }
}

impl Drop for WriteDenial {
    fn drop(&mut self) {
        self.0.allow_write_access();
    }
}

/// Lets a file be mapped with mmap(2): reads and writes through the inode.
pub struct InodeSource(pub Arc<dyn INode>);

impl crate::mm::MmapSource for InodeSource {
    fn page(&self, index: u64) -> Result<Arc<crate::mm::Frame>> {
        self.0.cache_page(index)
    }
    fn cached_pages(&self, range: core::ops::Range<u64>, out: &mut Vec<(u64, Arc<crate::mm::Frame>)>) {
        self.0.cached_pages(range, out)
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        self.0.read_at(offset, buf)
    }
    fn size(&self) -> u64 {
        self.0.metadata().size
    }
    fn file_id(&self) -> usize {
        Arc::as_ptr(&self.0) as *const () as usize
    }
}

/// Reads a whole file (execve, the initramfs init).
pub fn read_all(inode: &Arc<dyn INode>) -> Result<Vec<u8>> {
    let meta = inode.metadata();
    if meta.kind == FileType::Directory {
        return Err(Errno::EISDIR.into());
    }
    let mut data = Vec::new();
    data.try_reserve_exact(meta.size as usize).map_err(|_| Errno::ENOMEM)?;
    data.resize(meta.size as usize, 0);
    let mut done = 0;
    while done < data.len() {
        let n = inode.read_at(done as u64, &mut data[done..])?;
        if n == 0 {
            break;
        }
        done += n;
    }
    data.truncate(done);
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::mount::MountTree;
    use crate::fs::ramfs::{RAMFS_MAGIC, RamFs};

    fn open(flags: OpenFlags) -> (Arc<RamFs>, Arc<InodeFile>, Arc<MountTree>) {
        let fs = RamFs::new(RAMFS_MAGIC, 0o755);
        let tree = MountTree::new(fs.root(), "ramfs", "none");
        let root = Path::root_of(&tree);
        (fs, InodeFile::open(root, flags).unwrap(), tree)
    }

    #[test]
    fn getdents64_records_and_resumption() {
        let (fs, dir, _tree) = open(OpenFlags::DIRECTORY);
        for name in ["alpha", "b"] {
            fs.root().create(name, FileType::Regular, 0o644, 0, 0, 0).unwrap();
        }
        let mut small = [0u8; 8];
        assert_eq!(dir.getdents64(&mut small).unwrap_err().errno, Errno::EINVAL);
        let mut buf = [0u8; 48];
        let n = dir.getdents64(&mut buf).unwrap();
        assert_eq!(n, 48, "'.' and '..' take 24 bytes each");
        assert_eq!(u16::from_le_bytes([buf[16], buf[17]]), 24);
        assert_eq!(buf[18], 4);
        assert_eq!(&buf[19..21], b".\0");
        let mut rest = [0u8; 256];
        let n = dir.getdents64(&mut rest).unwrap();
        assert_eq!(&rest[19..25], b"alpha\0");
        assert_eq!(rest[18], 8);
        assert_eq!(n, 32 + 24);
        assert_eq!(dir.getdents64(&mut rest).unwrap(), 0, "end of directory");
        dir.seek(0, SEEK_SET).unwrap();
        assert_eq!(dir.getdents64(&mut rest).unwrap(), 48 + 56);
    }

    #[test]
    fn access_modes_append_and_seek() {
        let fs = RamFs::new(RAMFS_MAGIC, 0o755);
        let tree = MountTree::new(fs.root(), "ramfs", "none");
        let f = fs.root().create("f", FileType::Regular, 0o644, 0, 0, 0).unwrap();
        let path = resolve_path(&tree, "f");
        let ro = InodeFile::new(path.clone(), OpenFlags::empty());
        assert_eq!(ro.write(b"x").unwrap_err().errno, Errno::EBADF);
        let wo = InodeFile::open(path.clone(), OpenFlags::WRONLY | OpenFlags::APPEND).unwrap();
        f.write_at(0, b"abc").unwrap();
        wo.write(b"de").unwrap();
        assert_eq!(wo.read(&mut [0; 2]).unwrap_err().errno, Errno::EBADF);
        let mut buf = [0u8; 8];
        assert_eq!(ro.read(&mut buf).unwrap(), 5);
        assert_eq!(&buf[..5], b"abcde");
        assert_eq!(ro.seek(-2, SEEK_END).unwrap(), 3);
        assert_eq!(ro.seek(-10, SEEK_CUR).unwrap_err().errno, Errno::EINVAL);
        assert_eq!(ro.seek(0, 9).unwrap_err().errno, Errno::EINVAL);
        assert_eq!(ro.seek(10, SEEK_DATA).unwrap_err().errno, Errno::ENXIO);
        assert_eq!(ro.seek(1, SEEK_HOLE).unwrap(), 5);
    }

    fn resolve_path(tree: &MountTree, name: &str) -> Path {
        let root = Path::root_of(tree);
        let creds = crate::process::Credentials::root();
        crate::fs::path::Resolver { tree, root: &root, creds: &creds }.resolve(&root, name, true).unwrap()
    }
}
