//! ramfs: files kept in memory. The root file system (filled from the
//! initramfs), tmpfs and devfs are all this. Mirrors fs/ramfs and the
//! directory rules of fs/namei.c (link counts, rename checks).

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::any::Any;
use core::sync::atomic::{AtomicIsize, AtomicU64, Ordering};

use super::cpio;
use super::file_pages::{FilePages, PageBudget};
use super::vfs::{
    DirEntry, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, FileType, INode, Metadata, RENAME_EXCHANGE, RENAME_NOREPLACE, SetAttr, check_name,
};
use crate::error::{Errno, Error, Result};
use crate::sync::RwLock;
use crate::time::{self, TimeSpec};

/// Device numbers for in-memory file systems, like Linux's anonymous
/// `get_anon_bdev` (major 0).
static NEXT_DEV: AtomicU64 = AtomicU64::new(1);

/// One ramfs instance. Its inodes hold the shared [`FsInfo`], not the
/// `RamFs`, so a mounted file system lives as long as its root is reachable.
pub struct RamFs {
    info: Arc<FsInfo>,
    root: Arc<RamInode>,
}

/// What every inode of one ramfs shares.
pub struct FsInfo {
    dev: u64,
    next_ino: AtomicU64,
    magic: u64,
    /// tmpfs's `size=` and `nr_inodes=` and what is used of them.
    budget: PageBudget,
}

enum Content {
    File(FilePages),
    Dir(BTreeMap<String, Arc<RamInode>>),
    Symlink(String),
    /// Device nodes, FIFOs and sockets carry no data here.
    Special,
}

struct Inner {
    kind: FileType,
    perm: u32,
    uid: u32,
    gid: u32,
    nlink: u32,
    rdev: u64,
    atime: TimeSpec,
    mtime: TimeSpec,
    ctime: TimeSpec,
    content: Content,
    /// The containing directory (directories only), for rename's loop check.
    parent: Weak<RamInode>,
}

pub struct RamInode {
    ino: u64,
    fs: Arc<FsInfo>,
    this: Weak<RamInode>,
    /// Protected by the lock; directory operations take the directory's lock
    /// then a child's, never the reverse.
    inner: RwLock<Inner>,
    /// Linux's `i_writecount`: the number of writers when positive, of
    /// running programs (as a negative count) when negative.
    write_count: AtomicIsize,
}

pub const RAMFS_MAGIC: u64 = 0x858458f6;
pub const TMPFS_MAGIC: u64 = 0x01021994;

fn now() -> TimeSpec {
    TimeSpec::from_ns(time::realtime_ns())
}

impl RamFs {
    /// A new, empty file system whose root is owned by root with `perm`.
    pub fn new(magic: u64, perm: u32) -> Arc<RamFs> {
        RamFs::with_budget(magic, perm, PageBudget::unlimited())
    }

    /// A new file system holding at most what `budget` allows (tmpfs).
    pub fn with_budget(magic: u64, perm: u32, budget: PageBudget) -> Arc<RamFs> {
        let info = Arc::new(FsInfo { dev: NEXT_DEV.fetch_add(1, Ordering::Relaxed), next_ino: AtomicU64::new(2), magic, budget });
        // The root counts as an inode, as shmem's does.
        let _ = info.budget.charge_inode();
        let root = RamInode::new(&info, 1, FileType::Directory, perm, 0, 0, 0, Content::Dir(BTreeMap::new()));
        root.inner.write().nlink = 2;
        Arc::new(RamFs { info, root })
    }

    /// The limits of the file system `root` belongs to, if it is a ramfs.
    pub fn budget_of(root: &Arc<dyn INode>) -> Option<Arc<FsInfo>> {
        root.as_any().downcast_ref::<RamInode>().map(|inode| inode.fs.clone())
    }

    pub fn root(&self) -> Arc<dyn INode> {
        self.root.clone()
    }

    pub fn dev(&self) -> u64 {
        self.info.dev
    }

    /// Fills the file system from a cpio `newc` archive (the initramfs):
    /// directories, files, symlinks and device nodes with their modes,
    /// owners and times. Missing parent directories are created.
    /// Returns the number of members.
    pub fn populate_from_cpio(&self, archive: &[u8]) -> Result<usize> {
        let mut count = 0;
        for entry in cpio::Reader::new(archive) {
            let entry = entry?;
            count += 1;
            if entry.name.is_empty() {
                continue;
            }
            let components: Vec<&str> = entry.name.split('/').filter(|c| !c.is_empty()).collect();
            if components.iter().any(|c| *c == "..") {
                return Err(Error::with_message(Errno::EINVAL, "cpio: '..' in a member name"));
            }
            let Some((last, parents)) = components.split_last() else { continue };
            let mut dir: Arc<dyn INode> = self.root.clone();
            for component in parents.iter().filter(|c| **c != ".") {
                dir = match dir.lookup(component) {
                    Ok(next) => next,
                    Err(_) => dir.create(component, FileType::Directory, 0o755, 0, 0, 0)?,
                };
            }
            let kind = FileType::from_mode(entry.mode).ok_or(Errno::EINVAL)?;
            let perm = entry.mode & 0o7777;
            let node = match kind {
                FileType::Symlink => {
                    let target = core::str::from_utf8(entry.data).map_err(|_| Errno::EINVAL)?;
                    let _ = dir.unlink(last);
                    dir.symlink(last, target, entry.uid, entry.gid)?
                }
                FileType::Directory => match dir.lookup(last) {
                    Ok(existing) => existing,
                    Err(_) => dir.create(last, kind, perm, entry.uid, entry.gid, 0)?,
                },
                _ => {
                    let _ = dir.unlink(last);
                    let rdev = super::vfs::makedev(entry.rdev_major, entry.rdev_minor);
                    let node = dir.create(last, kind, perm, entry.uid, entry.gid, rdev)?;
                    if kind == FileType::Regular {
                        node.write_at(0, entry.data)?;
                    }
                    node
                }
            };
            let mtime = TimeSpec { sec: entry.mtime as i64, nsec: 0 };
            node.set_attr(SetAttr { perm: Some(perm), mtime: Some(mtime), atime: Some(mtime), ..Default::default() })?;
        }
        Ok(count)
    }
}

impl FsInfo {
    pub fn budget(&self) -> &PageBudget {
        &self.budget
    }
}

impl Drop for RamInode {
    fn drop(&mut self) {
        if let Content::File(pages) = &mut self.inner.get_mut().content {
            pages.release(&self.fs.budget);
        }
        self.fs.budget.uncharge_inode();
    }
}

impl RamInode {
    #[allow(clippy::too_many_arguments)]
    fn new(
        fs: &Arc<FsInfo>,
        ino: u64,
        kind: FileType,
        perm: u32,
        uid: u32,
        gid: u32,
        rdev: u64,
        content: Content,
    ) -> Arc<RamInode> {
        let t = now();
        Arc::new_cyclic(|this| RamInode {
            ino,
            fs: fs.clone(),
            this: this.clone(),
            inner: RwLock::new(Inner {
                kind,
                perm: perm & 0o7777,
                uid,
                gid,
                nlink: 1,
                rdev,
                atime: t,
                mtime: t,
                ctime: t,
                content,
                parent: Weak::new(),
            }),
            write_count: AtomicIsize::new(0),
        })
    }

    /// This file's identity for its mappings: the address of the inode,
    /// which every `Arc<dyn INode>` of it points to.
    pub fn file_id(&self) -> usize {
        self as *const RamInode as usize
    }

    fn arc(&self) -> Arc<RamInode> {
        self.this.upgrade().expect("inode used after drop")
    }

    fn is_dir(&self) -> bool {
        self.inner.read().kind == FileType::Directory
    }

    /// Downcasts another inode to a ramfs inode of the same file system.
    fn same_fs(&self, other: &Arc<dyn INode>) -> Result<Arc<RamInode>> {
        let other = other.as_any().downcast_ref::<RamInode>().ok_or(Errno::EXDEV)?;
        if !Arc::ptr_eq(&other.fs, &self.fs) {
            return Err(Errno::EXDEV.into());
        }
        Ok(other.arc())
    }

    /// True if `self` is `other` or one of its ancestors.
    fn is_ancestor_of(&self, other: &Arc<RamInode>) -> bool {
        let mut cursor = Some(other.clone());
        while let Some(node) = cursor {
            if node.ino == self.ino {
                return true;
            }
            cursor = node.inner.read().parent.upgrade();
        }
        false
    }

    fn add_child(&self, name: &str, child: Arc<RamInode>) -> Result<()> {
        let mut inner = self.inner.write();
        let is_dir = child.is_dir();
        let Content::Dir(entries) = &mut inner.content else { return Err(Errno::ENOTDIR.into()) };
        if entries.contains_key(name) {
            return Err(Errno::EEXIST.into());
        }
        entries.insert(name.to_string(), child.clone());
        if is_dir {
            child.inner.write().parent = self.this.clone();
            inner.nlink += 1;
        }
        inner.mtime = now();
        inner.ctime = inner.mtime;
        Ok(())
    }
}

impl INode for RamInode {
    fn mmap_allowed(&self) -> Result<()> {
        Ok(())
    }
    fn metadata(&self) -> Metadata {
        let inner = self.inner.read();
        let blocks = match &inner.content {
            Content::File(pages) => pages.resident_pages() * 8,
            _ => 0,
        };
        let size = match &inner.content {
            Content::File(pages) => pages.size(),
            Content::Symlink(target) => target.len() as u64,
            Content::Dir(_) => 4096,
            Content::Special => 0,
        };
        Metadata {
            dev: self.fs.dev,
            ino: self.ino,
            kind: inner.kind,
            perm: inner.perm,
            nlink: inner.nlink,
            uid: inner.uid,
            gid: inner.gid,
            rdev: inner.rdev,
            size,
            blksize: 4096,
            blocks: if matches!(inner.content, Content::File(_)) { blocks } else { size.div_ceil(512) },
            atime: inner.atime,
            mtime: inner.mtime,
            ctime: inner.ctime,
        }
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let inner = self.inner.read();
        match &inner.content {
            Content::File(pages) => Ok(pages.read_at(offset, buf)),
            Content::Dir(_) => Err(Errno::EISDIR.into()),
            _ => Err(Errno::EINVAL.into()),
        }
    }

    fn write_at(&self, offset: u64, data: &[u8]) -> Result<usize> {
        let mut inner = self.inner.write();
        let Content::File(pages) = &mut inner.content else {
            return Err(if inner.kind == FileType::Directory { Errno::EISDIR } else { Errno::EINVAL }.into());
        };
        let written = pages.write_at(offset, data, &self.fs.budget)?;
        inner.mtime = now();
        inner.ctime = inner.mtime;
        Ok(written)
    }

    fn truncate(&self, len: u64) -> Result<()> {
        let mut inner = self.inner.write();
        let Content::File(pages) = &mut inner.content else {
            return Err(if inner.kind == FileType::Directory { Errno::EISDIR } else { Errno::EINVAL }.into());
        };
        let gone = pages.truncate(len, &self.fs.budget)?.filter(|_| pages.is_mapped());
        inner.mtime = now();
        inner.ctime = inner.mtime;
        drop(inner);
        // Mappings lose the pages past the end, private copies too: a
        // touch there is SIGBUS (truncate_pagecache, mm/truncate.c). The
        // address spaces' locks come before this inode's.
        if let Some(first) = gone {
            crate::mm::unmap_file_pages(self.file_id(), first..u64::MAX, true);
        }
        Ok(())
    }

    fn read_frames(&self, offset: u64, len: usize, out: &mut Vec<Option<Arc<crate::mm::Frame>>>) -> Option<usize> {
        match &self.inner.read().content {
            Content::File(pages) => Some(pages.frames_for_read(offset, len, out)),
            _ => None,
        }
    }

    fn get_write_access(&self) -> Result<()> {
        self.write_count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n >= 0).then_some(n + 1))
            .map(|_| ())
            .map_err(|_| Error::with_message(Errno::ETXTBSY, "the file is running as a program"))
    }

    fn put_write_access(&self) {
        self.write_count.fetch_sub(1, Ordering::AcqRel);
    }

    fn deny_write_access(&self) -> Result<()> {
        self.write_count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n <= 0).then_some(n - 1))
            .map(|_| ())
            .map_err(|_| Error::with_message(Errno::ETXTBSY, "the file is open for writing"))
    }

    fn allow_write_access(&self) {
        self.write_count.fetch_add(1, Ordering::AcqRel);
    }

    fn cache_page(&self, index: u64) -> Result<Arc<crate::mm::Frame>> {
        if let Content::File(pages) = &self.inner.read().content {
            if let Some(frame) = pages.cached_page(index) {
                return Ok(frame);
            }
        }
        let mut inner = self.inner.write();
        let Content::File(pages) = &mut inner.content else { return Err(Errno::ENODEV.into()) };
        pages.page_for_fault(index, &self.fs.budget)
    }

    fn cached_pages(&self, range: core::ops::Range<u64>, out: &mut Vec<(u64, Arc<crate::mm::Frame>)>) {
        if let Content::File(pages) = &self.inner.read().content {
            pages.cached_pages(range, out);
        }
    }

    fn fallocate(&self, mode: u32, offset: u64, len: u64) -> Result<()> {
        let mut inner = self.inner.write();
        let Content::File(pages) = &mut inner.content else {
            return Err(if inner.kind == FileType::Directory { Errno::EISDIR } else { Errno::ENODEV }.into());
        };
        if mode & FALLOC_FL_PUNCH_HOLE == 0 {
            pages.allocate(offset, len, mode & FALLOC_FL_KEEP_SIZE != 0, &self.fs.budget)?;
            inner.ctime = now();
            if mode & FALLOC_FL_KEEP_SIZE == 0 {
                inner.mtime = inner.ctime;
            }
            return Ok(());
        }
        let freed = pages.punch_hole(offset, len, &self.fs.budget);
        let mapped = pages.is_mapped();
        inner.mtime = now();
        inner.ctime = inner.mtime;
        drop(inner);
        // Shared mappings lose the freed pages; private copies stay
        // (shmem_fallocate unmaps with even_cows = 0).
        if mapped && !freed.is_empty() {
            crate::mm::unmap_file_pages(self.file_id(), freed, false);
        }
        Ok(())
    }

    fn lookup(&self, name: &str) -> Result<Arc<dyn INode>> {
        let inner = self.inner.read();
        let Content::Dir(entries) = &inner.content else { return Err(Errno::ENOTDIR.into()) };
        entries.get(name).map(|c| c.clone() as Arc<dyn INode>).ok_or(Errno::ENOENT.into())
    }

    fn create(&self, name: &str, kind: FileType, perm: u32, uid: u32, gid: u32, rdev: u64) -> Result<Arc<dyn INode>> {
        check_name(name)?;
        if !self.is_dir() {
            return Err(Errno::ENOTDIR.into());
        }
        let content = match kind {
            FileType::Regular => Content::File(FilePages::new()),
            FileType::Directory => Content::Dir(BTreeMap::new()),
            FileType::Symlink => return Err(Errno::EINVAL.into()),
            _ => Content::Special,
        };
        self.fs.budget.charge_inode()?;
        let ino = self.fs.next_ino.fetch_add(1, Ordering::Relaxed);
        let child = RamInode::new(&self.fs, ino, kind, perm, uid, gid, rdev, content);
        if kind == FileType::Directory {
            child.inner.write().nlink = 2;
        }
        self.add_child(name, child.clone())?;
        Ok(child)
    }

    fn symlink(&self, name: &str, target: &str, uid: u32, gid: u32) -> Result<Arc<dyn INode>> {
        check_name(name)?;
        if target.is_empty() {
            return Err(Errno::ENOENT.into());
        }
        self.fs.budget.charge_inode()?;
        let ino = self.fs.next_ino.fetch_add(1, Ordering::Relaxed);
        let child = RamInode::new(&self.fs, ino, FileType::Symlink, 0o777, uid, gid, 0, Content::Symlink(target.to_string()));
        self.add_child(name, child.clone())?;
        Ok(child)
    }

    fn link(&self, name: &str, target: &Arc<dyn INode>) -> Result<()> {
        check_name(name)?;
        let target = self.same_fs(target)?;
        if target.is_dir() {
            return Err(Errno::EPERM.into());
        }
        self.add_child(name, target.clone())?;
        let mut t = target.inner.write();
        t.nlink += 1;
        t.ctime = now();
        Ok(())
    }

    fn unlink(&self, name: &str) -> Result<()> {
        let mut inner = self.inner.write();
        let Content::Dir(entries) = &mut inner.content else { return Err(Errno::ENOTDIR.into()) };
        let child = entries.get(name).ok_or(Errno::ENOENT)?;
        if child.is_dir() {
            return Err(Errno::EISDIR.into());
        }
        let child = entries.remove(name).ok_or(Errno::ENOENT)?;
        let mut c = child.inner.write();
        c.nlink = c.nlink.saturating_sub(1);
        c.ctime = now();
        inner.mtime = c.ctime;
        Ok(())
    }

    fn rmdir(&self, name: &str) -> Result<()> {
        let mut inner = self.inner.write();
        let Content::Dir(entries) = &mut inner.content else { return Err(Errno::ENOTDIR.into()) };
        let child = entries.get(name).ok_or(Errno::ENOENT)?;
        {
            let c = child.inner.read();
            match &c.content {
                Content::Dir(grandchildren) if !grandchildren.is_empty() => return Err(Errno::ENOTEMPTY.into()),
                Content::Dir(_) => {}
                _ => return Err(Errno::ENOTDIR.into()),
            }
        }
        let child = entries.remove(name).ok_or(Errno::ENOENT)?;
        child.inner.write().nlink = 0;
        inner.nlink -= 1;
        inner.mtime = now();
        Ok(())
    }

    fn rename(&self, old_name: &str, new_dir: &Arc<dyn INode>, new_name: &str, flags: u32) -> Result<()> {
        check_name(new_name)?;
        if flags & !(RENAME_NOREPLACE | RENAME_EXCHANGE) != 0
            || flags == RENAME_NOREPLACE | RENAME_EXCHANGE
        {
            return Err(Errno::EINVAL.into());
        }
        let new_dir = self.same_fs(new_dir)?;
        let this = self.arc();
        let source = match self.lookup(old_name)? {
            s => self.same_fs(&s)?,
        };
        let existing = new_dir.lookup(new_name).ok().map(|e| self.same_fs(&e)).transpose()?;
        if existing.as_ref().is_some_and(|e| e.ino == source.ino) {
            return Ok(()); // "If oldpath and newpath are existing hard links to the same file, rename() does nothing"
        }
        // "An attempt was made to make a directory a subdirectory of itself."
        if source.is_dir() && source.is_ancestor_of(&new_dir) {
            return Err(Errno::EINVAL.into());
        }
        if flags & RENAME_EXCHANGE != 0 {
            let other = existing.ok_or(Errno::ENOENT)?;
            if other.is_dir() && other.is_ancestor_of(&this) {
                return Err(Errno::EINVAL.into());
            }
            replace_entry(&this, old_name, other.clone());
            replace_entry(&new_dir, new_name, source.clone());
            fix_parent_links(&source, &this, &new_dir);
            fix_parent_links(&other, &new_dir, &this);
            return Ok(());
        }
        if let Some(target) = &existing {
            if flags & RENAME_NOREPLACE != 0 {
                return Err(Errno::EEXIST.into());
            }
            match (source.is_dir(), target.is_dir()) {
                (true, false) => return Err(Errno::ENOTDIR.into()),
                (false, true) => return Err(Errno::EISDIR.into()),
                (true, true) => new_dir.rmdir(new_name)?,
                (false, false) => new_dir.unlink(new_name)?,
            }
        }
        // Take the entry out of the old directory, then add it to the new.
        {
            let mut inner = this.inner.write();
            if let Content::Dir(entries) = &mut inner.content {
                entries.remove(old_name);
            }
            if source.is_dir() {
                inner.nlink -= 1;
            }
            inner.mtime = now();
        }
        new_dir.add_child(new_name, source.clone())?;
        source.inner.write().ctime = now();
        Ok(())
    }

    fn read_dir(&self, index: usize) -> Result<Option<DirEntry>> {
        let inner = self.inner.read();
        let Content::Dir(entries) = &inner.content else { return Err(Errno::ENOTDIR.into()) };
        Ok(match index {
            0 => Some(DirEntry { name: ".".to_string(), ino: self.ino, kind: FileType::Directory }),
            1 => {
                let parent = inner.parent.upgrade().map_or(self.ino, |p| p.ino);
                Some(DirEntry { name: "..".to_string(), ino: parent, kind: FileType::Directory })
            }
            i => entries.iter().nth(i - 2).map(|(name, child)| DirEntry {
                name: name.clone(),
                ino: child.ino,
                kind: child.inner.read().kind,
            }),
        })
    }

    fn read_link(&self) -> Result<String> {
        match &self.inner.read().content {
            Content::Symlink(target) => Ok(target.clone()),
            _ => Err(Errno::EINVAL.into()),
        }
    }

    fn set_attr(&self, attr: SetAttr) -> Result<()> {
        let mut inner = self.inner.write();
        if let Some(perm) = attr.perm {
            inner.perm = perm & 0o7777;
        }
        if let Some(uid) = attr.uid {
            inner.uid = uid;
        }
        if let Some(gid) = attr.gid {
            inner.gid = gid;
        }
        if let Some(atime) = attr.atime {
            inner.atime = atime;
        }
        if let Some(mtime) = attr.mtime {
            inner.mtime = mtime;
        }
        inner.ctime = now();
        Ok(())
    }

    fn fs_magic(&self) -> u64 {
        self.fs.magic
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn replace_entry(dir: &Arc<RamInode>, name: &str, node: Arc<RamInode>) {
    if let Content::Dir(entries) = &mut dir.inner.write().content {
        entries.insert(name.to_string(), node);
    }
}

/// After RENAME_EXCHANGE moved directory `node` from `from` to `to`.
fn fix_parent_links(node: &Arc<RamInode>, from: &Arc<RamInode>, to: &Arc<RamInode>) {
    if !node.is_dir() || Arc::ptr_eq(from, to) {
        return;
    }
    node.inner.write().parent = Arc::downgrade(to);
    from.inner.write().nlink -= 1;
    to.inner.write().nlink += 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fs() -> (Arc<RamFs>, Arc<dyn INode>) {
        let fs = RamFs::new(RAMFS_MAGIC, 0o755);
        let root = fs.root();
        (fs, root)
    }

    #[test]
    fn files_read_write_sparse_and_truncate() {
        let (_fs, root) = fs();
        let f = root.create("f", FileType::Regular, 0o644, 0, 0, 0).unwrap();
        assert_eq!(f.write_at(4, b"abc").unwrap(), 3);
        let mut buf = [9u8; 10];
        assert_eq!(f.read_at(0, &mut buf).unwrap(), 7);
        assert_eq!(&buf[..7], b"\0\0\0\0abc");
        assert_eq!(f.read_at(100, &mut buf).unwrap(), 0);
        f.truncate(2).unwrap();
        assert_eq!(f.metadata().size, 2);
        assert_eq!(root.create("f", FileType::Regular, 0o644, 0, 0, 0).err().unwrap().errno, Errno::EEXIST);
        assert_eq!(root.read_at(0, &mut buf).unwrap_err().errno, Errno::EISDIR);
        assert_eq!(f.lookup("x").err().unwrap().errno, Errno::ENOTDIR);
    }

    #[test]
    fn link_counts_follow_linux() {
        let (_fs, root) = fs();
        assert_eq!(root.metadata().nlink, 2);
        let d = root.create("d", FileType::Directory, 0o755, 0, 0, 0).unwrap();
        assert_eq!(root.metadata().nlink, 3);
        assert_eq!(d.metadata().nlink, 2);
        let f = d.create("f", FileType::Regular, 0o644, 0, 0, 0).unwrap();
        root.link("hard", &f).unwrap();
        assert_eq!(f.metadata().nlink, 2);
        assert_eq!(root.link("dirlink", &d).unwrap_err().errno, Errno::EPERM);
        assert_eq!(root.rmdir("d").unwrap_err().errno, Errno::ENOTEMPTY);
        assert_eq!(root.unlink("d").unwrap_err().errno, Errno::EISDIR);
        assert_eq!(root.rmdir("hard").unwrap_err().errno, Errno::ENOTDIR);
        d.unlink("f").unwrap();
        assert_eq!(f.metadata().nlink, 1);
        root.rmdir("d").unwrap();
        assert_eq!(root.metadata().nlink, 2);
    }

    #[test]
    fn rename_rules() {
        let (_fs, root) = fs();
        let a = root.create("a", FileType::Directory, 0o755, 0, 0, 0).unwrap();
        let b = a.create("b", FileType::Directory, 0o755, 0, 0, 0).unwrap();
        root.create("f", FileType::Regular, 0o644, 0, 0, 0).unwrap();
        root.create("g", FileType::Regular, 0o644, 0, 0, 0).unwrap();
        assert_eq!(root.rename("a", &b, "a2", 0).unwrap_err().errno, Errno::EINVAL, "into its own subdir");
        assert_eq!(root.rename("f", &root, "g", RENAME_NOREPLACE).unwrap_err().errno, Errno::EEXIST);
        assert_eq!(root.rename("f", &root, "a", 0).unwrap_err().errno, Errno::EISDIR);
        assert_eq!(root.rename("a", &root, "f", 0).unwrap_err().errno, Errno::ENOTDIR);
        root.rename("f", &b, "f2", 0).unwrap();
        assert!(b.lookup("f2").is_ok() && root.lookup("f").is_err());
        let (g, f2) = (root.lookup("g").unwrap().metadata().ino, b.lookup("f2").unwrap().metadata().ino);
        b.rename("f2", &root, "g", RENAME_EXCHANGE).unwrap();
        assert_eq!(root.lookup("g").unwrap().metadata().ino, f2, "exchanged");
        assert_eq!(b.lookup("f2").unwrap().metadata().ino, g);
        assert_eq!(root.rename("g", &root, "none", RENAME_EXCHANGE).unwrap_err().errno, Errno::ENOENT);
        assert_eq!(root.rename("nope", &root, "x", 0).unwrap_err().errno, Errno::ENOENT);
        assert_eq!(root.rename("g", &root, "x", 4).unwrap_err().errno, Errno::EINVAL);
    }

    #[test]
    fn read_dir_lists_dot_dotdot_and_children() {
        let (_fs, root) = fs();
        let d = root.create("d", FileType::Directory, 0o755, 0, 0, 0).unwrap();
        d.symlink("s", "/x", 0, 0).unwrap();
        let names: Vec<_> = (0..).map_while(|i| d.read_dir(i).unwrap()).map(|e| e.name).collect();
        assert_eq!(names, [".", "..", "s"]);
        assert_eq!(d.read_dir(1).unwrap().unwrap().ino, root.metadata().ino);
        assert_eq!(d.lookup("s").unwrap().read_link().unwrap(), "/x");
    }

    #[test]
    fn populates_from_cpio() {
        let mut archive = Vec::new();
        let mut member = |name: &str, mode: u32, data: &[u8]| super::super::cpio::tests::member_with(&mut archive, name, mode, data, 1000, (1, 3));
        member("bin/busybox", 0o100755, b"ELF");
        member("bin/sh", 0o120777, b"busybox");
        member("dev/null", 0o020666, b"");
        member("TRAILER!!!", 0, b"");
        let fs = RamFs::new(RAMFS_MAGIC, 0o755);
        assert_eq!(fs.populate_from_cpio(&archive).unwrap(), 3);
        let bin = fs.root().lookup("bin").unwrap();
        assert_eq!(bin.lookup("busybox").unwrap().metadata().perm, 0o755);
        assert_eq!(bin.lookup("busybox").unwrap().metadata().mtime.sec, 1000);
        assert_eq!(bin.lookup("sh").unwrap().read_link().unwrap(), "busybox");
        let null = fs.root().lookup("dev").unwrap().lookup("null").unwrap().metadata();
        assert_eq!((null.kind, null.rdev), (FileType::CharDevice, super::super::vfs::makedev(1, 3)));
    }
}
