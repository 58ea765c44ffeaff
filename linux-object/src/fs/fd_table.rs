//! The file descriptor table. Mirrors `struct files_struct` and the rules of
//! dup(2), dup3(2), fcntl(2) F_DUPFD, close_range(2): the lowest free number
//! is used, RLIMIT_NOFILE bounds it (EMFILE), and close-on-exec is a
//! per-descriptor flag, not a property of the open file.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::file::FileLike;
use crate::error::{Errno, Result};

pub type Fd = usize;

#[derive(Clone)]
pub struct FdEntry {
    pub file: Arc<dyn FileLike>,
    pub cloexec: bool,
}

#[derive(Clone, Default)]
pub struct FdTable {
    entries: Vec<Option<FdEntry>>,
}

/// close_range(2) flags.
pub const CLOSE_RANGE_UNSHARE: u32 = 2;
pub const CLOSE_RANGE_CLOEXEC: u32 = 4;

impl FdTable {
    pub fn new() -> Self {
        FdTable { entries: Vec::new() }
    }

    pub fn get(&self, fd: Fd) -> Result<Arc<dyn FileLike>> {
        self.entry(fd).map(|e| e.file.clone())
    }

    pub fn entry(&self, fd: Fd) -> Result<&FdEntry> {
        self.entries.get(fd).and_then(Option::as_ref).ok_or(Errno::EBADF.into())
    }

    /// Installs `file` at the lowest free number ≥ `min`, below `limit`.
    pub fn insert_from(&mut self, min: Fd, file: Arc<dyn FileLike>, cloexec: bool, limit: usize) -> Result<Fd> {
        if min >= limit {
            return Err(Errno::EMFILE.into());
        }
        let fd = (min..limit)
            .find(|&fd| self.entries.get(fd).is_none_or(Option::is_none))
            .ok_or(Errno::EMFILE)?;
        self.grow_to(fd)?;
        self.entries[fd] = Some(FdEntry { file, cloexec });
        Ok(fd)
    }

    /// Makes room for descriptor `fd`: `ENOMEM` if the table cannot grow
    /// (`expand_fdtable`, fs/file.c).
    fn grow_to(&mut self, fd: Fd) -> Result<()> {
        if fd >= self.entries.len() {
            self.entries.try_reserve(fd + 1 - self.entries.len()).map_err(|_| Errno::ENOMEM)?;
            self.entries.resize(fd + 1, None);
        }
        Ok(())
    }

    pub fn insert(&mut self, file: Arc<dyn FileLike>, cloexec: bool, limit: usize) -> Result<Fd> {
        self.insert_from(0, file, cloexec, limit)
    }

    /// dup2/dup3: puts `file` at exactly `fd`, closing what was there.
    /// Returns the file that was replaced, to be dropped by the caller.
    pub fn install_at(&mut self, fd: Fd, file: Arc<dyn FileLike>, cloexec: bool, limit: usize) -> Result<Option<FdEntry>> {
        if fd >= limit {
            return Err(Errno::EBADF.into());
        }
        self.grow_to(fd)?;
        Ok(self.entries[fd].replace(FdEntry { file, cloexec }))
    }

    pub fn close(&mut self, fd: Fd) -> Result<FdEntry> {
        self.entries.get_mut(fd).and_then(Option::take).ok_or(Errno::EBADF.into())
    }

    pub fn set_cloexec(&mut self, fd: Fd, cloexec: bool) -> Result<()> {
        let entry = self.entries.get_mut(fd).and_then(Option::as_mut).ok_or(Errno::EBADF)?;
        entry.cloexec = cloexec;
        Ok(())
    }

    /// close_range(2) on `[first, last]`; returns the entries closed.
    pub fn close_range(&mut self, first: Fd, last: Fd, flags: u32) -> Result<Vec<FdEntry>> {
        if flags & !(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) != 0 || first > last {
            return Err(Errno::EINVAL.into());
        }
        let end = last.saturating_add(1).min(self.entries.len());
        let mut closed = Vec::new();
        for slot in self.entries.iter_mut().take(end).skip(first) {
            if flags & CLOSE_RANGE_CLOEXEC != 0 {
                if let Some(entry) = slot {
                    entry.cloexec = true;
                }
            } else if let Some(entry) = slot.take() {
                closed.push(entry);
            }
        }
        Ok(closed)
    }

    /// At execve: closes every close-on-exec descriptor; returns them.
    pub fn close_on_exec(&mut self) -> Vec<FdEntry> {
        let mut closed = Vec::new();
        for slot in &mut self.entries {
            if slot.as_ref().is_some_and(|e| e.cloexec) {
                closed.extend(slot.take());
            }
        }
        closed
    }

    /// Open descriptors in order (for /proc/PID/fd).
    pub fn iter(&self) -> impl Iterator<Item = (Fd, &FdEntry)> {
        self.entries.iter().enumerate().filter_map(|(fd, e)| e.as_ref().map(|e| (fd, e)))
    }

    pub fn count(&self) -> usize {
        self.iter().count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::file::OpenFlags;
    use crate::fs::vfs::Metadata;
    use core::any::Any;

    #[derive(Default)]
    struct Dummy(crate::fs::owner::FileOwner);
    impl FileLike for Dummy {
        fn owner(&self) -> &crate::fs::owner::FileOwner {
            &self.0
        }
        fn metadata(&self) -> Result<Metadata> {
            Err(Errno::EINVAL.into())
        }
        fn status_flags(&self) -> OpenFlags {
            OpenFlags::empty()
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    #[test]
    fn lowest_free_limits_and_cloexec() {
        let mut t = FdTable::new();
        let f: Arc<dyn FileLike> = Arc::new(Dummy::default());
        assert_eq!(t.insert(f.clone(), false, 3).unwrap(), 0);
        assert_eq!(t.insert(f.clone(), true, 3).unwrap(), 1);
        assert_eq!(t.insert(f.clone(), false, 3).unwrap(), 2);
        assert_eq!(t.insert(f.clone(), false, 3).unwrap_err().errno, Errno::EMFILE);
        t.close(1).unwrap();
        assert_eq!(t.close(1).err().unwrap().errno, Errno::EBADF);
        assert_eq!(t.insert_from(1, f.clone(), true, 10).unwrap(), 1);
        assert_eq!(t.insert_from(5, f.clone(), false, 10).unwrap(), 5);
        assert!(t.install_at(7, f.clone(), false, 10).unwrap().is_none());
        assert_eq!(t.install_at(10, f.clone(), false, 10).err().unwrap().errno, Errno::EBADF);
        t.close_on_exec();
        assert!(t.get(1).is_err() && t.get(0).is_ok());
        t.close_range(3, Fd::MAX, CLOSE_RANGE_CLOEXEC).unwrap();
        assert!(t.entry(5).unwrap().cloexec);
        t.close_range(3, 6, 0).unwrap();
        assert!(t.get(5).is_err() && t.get(7).is_ok());
        assert_eq!(t.close_range(5, 3, 0).err().map(|e| e.errno), Some(Errno::EINVAL));
        assert_eq!(t.count(), 3);
    }
}
