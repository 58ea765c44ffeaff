//! A regular file's data as page frames indexed by file offset: the
//! in-memory file systems' half of Linux's `struct address_space`
//! (include/linux/fs.h) as shmem (mm/shmem.c) keeps it.
//!
//! - Only pages that were written take memory: a hole reads as zeros, so
//!   `ftruncate` to 2 GiB makes a sparse file at once, as on tmpfs.
//! - The data lives in physical frames, not in the kernel heap, so deleting
//!   a file gives its memory back to the free pool (the heap never shrinks).
//! - Every page is charged to a [`PageBudget`], the file system's `size=`
//!   limit: past it a write is short, then `ENOSPC` (shmem's
//!   `shmem_inode_acct_blocks`).
//!
//! Lock order: the owning inode's lock, then a budget's counters (atomics).

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Errno, Result};
use crate::mm::{Frame, PAGE_SIZE};

/// The largest file size: Linux's `MAX_LFS_FILESIZE` on 64-bit.
pub const MAX_FILE_SIZE: u64 = i64::MAX as u64;

/// Pages of every file of every in-memory file system: /proc/meminfo's
/// `Shmem` (and part of `Cached`).
static FILE_PAGES: AtomicU64 = AtomicU64::new(0);

/// How many pages file data holds, system-wide.
pub fn file_pages() -> u64 {
    FILE_PAGES.load(Ordering::Relaxed)
}

/// A limit on how many pages (and inodes) one file system may hold, with
/// what is used: tmpfs's `size=` and `nr_inodes=` (`shmem_sb_info`'s
/// `max_blocks`/`used_blocks` and `max_inodes`/`free_inodes`).
pub struct PageBudget {
    max_pages: AtomicU64,
    used_pages: AtomicU64,
    max_inodes: AtomicU64,
    used_inodes: AtomicU64,
}

impl PageBudget {
    /// No limit (ramfs, the root file system, devtmpfs).
    pub const fn unlimited() -> PageBudget {
        PageBudget::new(u64::MAX, u64::MAX)
    }

    pub const fn new(max_pages: u64, max_inodes: u64) -> PageBudget {
        PageBudget {
            max_pages: AtomicU64::new(max_pages),
            used_pages: AtomicU64::new(0),
            max_inodes: AtomicU64::new(max_inodes),
            used_inodes: AtomicU64::new(0),
        }
    }

    /// (max, used) pages.
    pub fn pages(&self) -> (u64, u64) {
        (self.max_pages.load(Ordering::Relaxed), self.used_pages.load(Ordering::Relaxed))
    }

    /// (max, used) inodes.
    pub fn inodes(&self) -> (u64, u64) {
        (self.max_inodes.load(Ordering::Relaxed), self.used_inodes.load(Ordering::Relaxed))
    }

    /// remount with new limits: `EINVAL` if less than what is in use
    /// ("cannot shrink below usage", shmem_reconfigure).
    pub fn set_limits(&self, max_pages: Option<u64>, max_inodes: Option<u64>) -> Result<()> {
        if max_pages.is_some_and(|m| m < self.used_pages.load(Ordering::Relaxed))
            || max_inodes.is_some_and(|m| m < self.used_inodes.load(Ordering::Relaxed))
        {
            return Err(Errno::EINVAL.into());
        }
        if let Some(m) = max_pages {
            self.max_pages.store(m, Ordering::Relaxed);
        }
        if let Some(m) = max_inodes {
            self.max_inodes.store(m, Ordering::Relaxed);
        }
        Ok(())
    }

    fn charge_page(&self) -> Result<()> {
        let max = self.max_pages.load(Ordering::Relaxed);
        self.used_pages
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| (used < max).then_some(used + 1))
            .map(|_| ())
            .map_err(|_| Errno::ENOSPC.into())
    }

    fn uncharge_pages(&self, count: u64) {
        self.used_pages.fetch_sub(count, Ordering::Relaxed);
    }

    /// One more inode; `ENOSPC` past `nr_inodes`.
    pub fn charge_inode(&self) -> Result<()> {
        let max = self.max_inodes.load(Ordering::Relaxed);
        self.used_inodes
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| (used < max).then_some(used + 1))
            .map(|_| ())
            .map_err(|_| Errno::ENOSPC.into())
    }

    pub fn uncharge_inode(&self) {
        self.used_inodes.fetch_sub(1, Ordering::Relaxed);
    }
}

/// One file's data: its size and the frames of the pages that hold data.
/// The owner must call [`release`](Self::release) before dropping it, to
/// give the pages back to their budget.
#[derive(Default)]
pub struct FilePages {
    size: u64,
    /// Page index → frame; missing pages are holes. Protected by the owner.
    pages: BTreeMap<u64, Arc<Frame>>,
    /// Whether a page was ever handed to a mapping (Linux's
    /// `mapping_mapped`): only then must a truncation look for mappings.
    mapped: bool,
}

impl FilePages {
    pub fn new() -> FilePages {
        FilePages::default()
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Pages that hold memory (for `st_blocks`).
    pub fn resident_pages(&self) -> u64 {
        self.pages.len() as u64
    }

    /// Reads at `offset`; returns the bytes read (short at end of file).
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> usize {
        if offset >= self.size {
            return 0;
        }
        let len = buf.len().min((self.size - offset).min(usize::MAX as u64) as usize);
        let mut done = 0;
        while done < len {
            let pos = offset + done as u64;
            let (index, within) = (pos / PAGE_SIZE as u64, (pos % PAGE_SIZE as u64) as usize);
            let n = (PAGE_SIZE - within).min(len - done);
            match self.pages.get(&index) {
                Some(frame) => frame.read(within, &mut buf[done..done + n]),
                None => buf[done..done + n].fill(0),
            }
            done += n;
        }
        len
    }

    /// The frames holding bytes `offset..offset + len` (clipped to the
    /// size), one entry per page, `None` for a hole; returns how many bytes
    /// that is. For reading straight into user memory.
    pub fn frames_for_read(&self, offset: u64, len: usize, out: &mut alloc::vec::Vec<Option<Arc<Frame>>>) -> usize {
        if offset >= self.size {
            return 0;
        }
        let len = (len as u64).min(self.size - offset) as usize;
        let (first, last) = (offset / PAGE_SIZE as u64, (offset + len as u64).div_ceil(PAGE_SIZE as u64));
        out.extend((first..last).map(|index| self.pages.get(&index).cloned()));
        len
    }

    /// Writes at `offset`, growing the file. A write that runs out of
    /// budget or memory part way is short; one that writes nothing fails
    /// (`ENOSPC` past the limit, `ENOMEM` without frames, `EFBIG` past
    /// the largest file size).
    pub fn write_at(&mut self, offset: u64, data: &[u8], budget: &PageBudget) -> Result<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        if offset >= MAX_FILE_SIZE {
            return Err(Errno::EFBIG.into());
        }
        let len = data.len().min((MAX_FILE_SIZE - offset).min(usize::MAX as u64) as usize);
        let mut done = 0;
        while done < len {
            let pos = offset + done as u64;
            let (index, within) = (pos / PAGE_SIZE as u64, (pos % PAGE_SIZE as u64) as usize);
            let n = (PAGE_SIZE - within).min(len - done);
            let frame = match self.page_for_write(index, budget) {
                Ok(frame) => frame,
                Err(err) if done == 0 => return Err(err),
                Err(_) => break,
            };
            frame.write(within, &data[done..done + n]);
            done += n;
            self.size = self.size.max(pos + n as u64);
        }
        Ok(done)
    }

    fn page_for_write(&mut self, index: u64, budget: &PageBudget) -> Result<Arc<Frame>> {
        if let Some(frame) = self.pages.get(&index) {
            return Ok(frame.clone());
        }
        budget.charge_page()?;
        let frame = match Frame::new_cache() {
            Ok(frame) => Arc::new(frame),
            Err(err) => {
                budget.uncharge_pages(1);
                return Err(err);
            }
        };
        FILE_PAGES.fetch_add(1, Ordering::Relaxed);
        self.pages.insert(index, frame.clone());
        Ok(frame)
    }

    /// The frame of page `index` for a page fault (`shmem_fault`): a hole's
    /// page is allocated and charged. `EIO` when the page starts at or past
    /// the end of the file (the fault becomes `SIGBUS`), `ENOSPC` past the
    /// budget, `ENOMEM`.
    pub fn page_for_fault(&mut self, index: u64, budget: &PageBudget) -> Result<Arc<Frame>> {
        if index.checked_mul(PAGE_SIZE as u64).is_none_or(|pos| pos >= self.size) {
            return Err(Errno::EIO.into());
        }
        self.mapped = true;
        self.page_for_write(index, budget)
    }

    /// The frame of page `index` if it is in memory and within the file,
    /// allocating nothing: the fault path's first, shared-lock try.
    pub fn cached_page(&self, index: u64) -> Option<Arc<Frame>> {
        if !self.mapped || index.checked_mul(PAGE_SIZE as u64).is_none_or(|pos| pos >= self.size) {
            return None;
        }
        self.pages.get(&index).cloned()
    }

    /// Appends the frames in memory for pages `range` within the file
    /// (fault-around, `filemap_map_pages`, after a fault has marked the
    /// file mapped; mincore(2)).
    pub fn cached_pages(&self, range: core::ops::Range<u64>, out: &mut alloc::vec::Vec<(u64, Arc<Frame>)>) {
        let last = self.size.div_ceil(PAGE_SIZE as u64);
        let range = range.start..range.end.min(last);
        if range.is_empty() {
            return;
        }
        out.extend(self.pages.range(range).map(|(&index, frame)| (index, frame.clone())));
    }

    /// Whether a mapping may hold pages of this file.
    pub fn is_mapped(&self) -> bool {
        self.mapped
    }

    /// Sets the size: pages past the end go, and the tail of the last page
    /// is zeroed so a later growth reads zeros (truncate(2)). `EFBIG` past
    /// the largest file size. Returns the first page index that went, for
    /// unmapping it (`truncate_pagecache`), if any did.
    pub fn truncate(&mut self, len: u64, budget: &PageBudget) -> Result<Option<u64>> {
        if len > MAX_FILE_SIZE {
            return Err(Errno::EFBIG.into());
        }
        let mut shrunk = None;
        if len < self.size {
            let first_gone = len.div_ceil(PAGE_SIZE as u64);
            let gone = self.pages.split_off(&first_gone);
            self.forget(gone.len() as u64, budget);
            let within = (len % PAGE_SIZE as u64) as usize;
            if within != 0 {
                if let Some(frame) = self.pages.get(&(len / PAGE_SIZE as u64)) {
                    frame.write(within, &[0u8; PAGE_SIZE][within..]);
                }
            }
            shrunk = Some(first_gone);
        }
        self.size = len;
        Ok(shrunk)
    }

    /// Frees the pages wholly inside bytes `offset..offset + len` and zeroes
    /// the partial pages at either end, keeping the size
    /// (`FALLOC_FL_PUNCH_HOLE`, `shmem_truncate_range`). Returns the page
    /// range freed.
    pub fn punch_hole(&mut self, offset: u64, len: u64, budget: &PageBudget) -> core::ops::Range<u64> {
        let end = offset.saturating_add(len).min(self.size);
        if offset >= end {
            return 0..0;
        }
        let (first, last) = (offset.div_ceil(PAGE_SIZE as u64), end / PAGE_SIZE as u64);
        let doomed: alloc::vec::Vec<u64> = self.pages.range(first..last.max(first)).map(|(&i, _)| i).collect();
        for index in &doomed {
            self.pages.remove(index);
        }
        self.forget(doomed.len() as u64, budget);
        // Zero the partial pages at the edges.
        let zero = [0u8; PAGE_SIZE];
        let mut pos = offset;
        while pos < end {
            let (index, within) = (pos / PAGE_SIZE as u64, (pos % PAGE_SIZE as u64) as usize);
            let n = ((PAGE_SIZE - within) as u64).min(end - pos) as usize;
            if let Some(frame) = self.pages.get(&index) {
                frame.write(within, &zero[..n]);
            }
            pos += n as u64;
        }
        first..last.max(first)
    }

    /// Allocates the pages of bytes `offset..offset + len` (fallocate(2)
    /// mode 0 or `FALLOC_FL_KEEP_SIZE`): all or nothing, so a failure gives
    /// back what this call took (`ENOSPC`, `ENOMEM`, `EFBIG`). Grows the
    /// size to the end unless `keep_size`.
    pub fn allocate(&mut self, offset: u64, len: u64, keep_size: bool, budget: &PageBudget) -> Result<()> {
        let end = offset.checked_add(len).filter(|&e| e <= MAX_FILE_SIZE).ok_or(Errno::EFBIG)?;
        let (first, last) = (offset / PAGE_SIZE as u64, end.div_ceil(PAGE_SIZE as u64));
        let mut added = alloc::vec::Vec::new();
        for index in first..last {
            if self.pages.contains_key(&index) {
                continue;
            }
            if let Err(err) = self.page_for_write(index, budget) {
                for index in &added {
                    self.pages.remove(index);
                }
                self.forget(added.len() as u64, budget);
                return Err(err);
            }
            added.push(index);
        }
        if !keep_size {
            self.size = self.size.max(end);
        }
        Ok(())
    }

    /// Gives every page back (the file is going away).
    pub fn release(&mut self, budget: &PageBudget) {
        let count = self.pages.len() as u64;
        self.pages.clear();
        self.forget(count, budget);
        self.size = 0;
    }

    fn forget(&self, count: u64, budget: &PageBudget) {
        budget.uncharge_pages(count);
        FILE_PAGES.fetch_sub(count, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() {
        crate::hal::test_hal::install();
    }

    #[test]
    fn holes_read_as_zeros_and_take_no_memory() {
        setup();
        let budget = PageBudget::unlimited();
        let mut file = FilePages::new();
        file.truncate((2 << 30) - 1, &budget).unwrap();
        assert_eq!(file.size(), (2 << 30) - 1);
        assert_eq!(file.resident_pages(), 0);
        assert_eq!(file.write_at(10 * PAGE_SIZE as u64 + 5, b"abc", &budget).unwrap(), 3);
        assert_eq!(file.resident_pages(), 1);
        let mut buf = [9u8; 8];
        assert_eq!(file.read_at(10 * PAGE_SIZE as u64 + 3, &mut buf), 8);
        assert_eq!(&buf, b"\0\0abc\0\0\0");
        assert_eq!(file.read_at((2 << 30) - 2, &mut buf), 1, "short at the end");
        assert_eq!(file.truncate(MAX_FILE_SIZE + 1, &budget).unwrap_err().errno, Errno::EFBIG);
        file.release(&budget);
        assert_eq!(budget.pages().1, 0);
    }

    #[test]
    fn a_full_budget_gives_a_short_write_then_enospc() {
        setup();
        let budget = PageBudget::new(2, 10);
        let mut file = FilePages::new();
        let data = [7u8; 3 * PAGE_SIZE];
        assert_eq!(file.write_at(0, &data, &budget).unwrap(), 2 * PAGE_SIZE);
        assert_eq!(file.write_at(2 * PAGE_SIZE as u64, &data, &budget).unwrap_err().errno, Errno::ENOSPC);
        assert_eq!(budget.set_limits(Some(1), None).unwrap_err().errno, Errno::EINVAL, "cannot shrink below usage");
        file.truncate(PAGE_SIZE as u64 + 1, &budget).unwrap();
        assert_eq!(budget.pages(), (2, 2), "the page holding byte 4096 stays");
        file.truncate(1, &budget).unwrap();
        assert_eq!(budget.pages(), (2, 1));
        file.truncate(PAGE_SIZE as u64, &budget).unwrap();
        let mut buf = [1u8; 2];
        file.read_at(0, &mut buf);
        assert_eq!(buf, [7, 0], "growth after a truncate reads zeros");
        file.release(&budget);
        assert_eq!(budget.pages(), (2, 0));
    }
}
