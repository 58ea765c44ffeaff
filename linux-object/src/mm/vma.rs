//! One mapping of an address space. Mirrors Linux's `struct vm_area_struct`
//! (include/linux/mm_types.h): a page-aligned range `[start, end)`, its
//! protection, and where its pages come from.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;

use super::{Frame, PAGE_SIZE};
use crate::error::Result;
use crate::sync::Mutex;

bitflags::bitflags! {
    /// `PROT_*` of mmap(2) and mprotect(2).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Prot: u32 {
        const READ = 0x1;
        const WRITE = 0x2;
        const EXEC = 0x4;
    }
}

/// Something a mapping can read its pages from, and write shared pages back
/// to: a file, seen through whatever the VFS offers.
pub trait MmapSource: Send + Sync {
    /// Reads at `offset`; returns the bytes read (short at end of file).
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize>;
    /// Writes at `offset` (for `MAP_SHARED` write-back).
    fn write_at(&self, offset: u64, data: &[u8]) -> Result<usize>;
    /// The file's size, so write-back never extends it.
    fn size(&self) -> u64;
}

/// Pages shared by every mapping of one `MAP_SHARED` object (anonymous
/// shared memory, or a shared file mapping), across fork.
pub struct SharedObject {
    /// Page index → frame. Protected by the mutex.
    pages: Mutex<BTreeMap<usize, Arc<Frame>>>,
    /// The file behind a shared file mapping and its offset; `None` for
    /// anonymous shared memory.
    source: Option<(Arc<dyn MmapSource>, u64)>,
}

impl SharedObject {
    pub fn new(source: Option<(Arc<dyn MmapSource>, u64)>) -> Arc<Self> {
        Arc::new(SharedObject { pages: Mutex::new(BTreeMap::new()), source })
    }

    /// The frame of page `index`, filled from the file on first use.
    pub fn page(&self, index: usize) -> Result<Arc<Frame>> {
        let mut pages = self.pages.lock();
        if let Some(frame) = pages.get(&index) {
            return Ok(frame.clone());
        }
        let frame = Frame::new_zeroed()?;
        if let Some((source, offset)) = &self.source {
            fill_from(&frame, source.as_ref(), offset + (index * PAGE_SIZE) as u64)?;
        }
        let frame = Arc::new(frame);
        pages.insert(index, frame.clone());
        Ok(frame)
    }

    /// Writes the pages back to the file (munmap, exit). Never extends the
    /// file: "the file size is not changed" - mmap(2).
    pub fn write_back(&self) {
        self.write_back_range(0..usize::MAX);
    }

    /// Writes back the pages whose index is in `pages` (msync(2)).
    pub fn write_back_range(&self, pages: core::ops::Range<usize>) {
        let Some((source, offset)) = &self.source else { return };
        let size = source.size();
        let mut buf = [0u8; PAGE_SIZE];
        for (&index, frame) in self.pages.lock().range(pages) {
            let pos = offset + (index * PAGE_SIZE) as u64;
            if pos >= size {
                continue;
            }
            let len = ((size - pos) as usize).min(PAGE_SIZE);
            frame.read(0, &mut buf[..len]);
            if let Err(err) = source.write_at(pos, &buf[..len]) {
                log::warn!("mm: write-back of a shared mapping failed: {err}");
            }
        }
    }
}

impl Drop for SharedObject {
    fn drop(&mut self) {
        self.write_back();
    }
}

/// Reads one page of `source` at `offset` into `frame` (the rest stays zero).
pub(super) fn fill_from(frame: &Frame, source: &dyn MmapSource, offset: u64) -> Result<()> {
    let mut buf = [0u8; PAGE_SIZE];
    let mut done = 0;
    while done < PAGE_SIZE {
        let n = source.read_at(offset + done as u64, &mut buf[done..])?;
        if n == 0 {
            break;
        }
        done += n;
    }
    frame.write(0, &buf[..done]);
    Ok(())
}

/// Where a mapping's pages come from.
#[derive(Clone)]
pub enum VmaBacking {
    /// Private zero-filled memory (heap, stack, `MAP_ANONYMOUS|MAP_PRIVATE`).
    Anonymous,
    /// A private file mapping: each page starts as a copy of the file at
    /// `offset` (plus the page's distance from `start`), then is the
    /// process's own.
    File { source: Arc<dyn MmapSource>, offset: u64 },
    /// A shared mapping: page `i` of the range is page `first_page + i` of
    /// the object.
    Shared { object: Arc<SharedObject>, first_page: usize },
}

/// One mapping.
#[derive(Clone)]
pub struct Vma {
    pub start: usize,
    pub end: usize,
    pub prot: Prot,
    pub backing: VmaBacking,
    /// What /proc/PID/maps prints in the last column: a path, `[heap]`,
    /// `[stack]`, or nothing.
    pub name: String,
    /// Pages of this range present in the address space (va → frame).
    /// A private frame also held by another address space is copy-on-write.
    pub(super) pages: BTreeMap<usize, Arc<Frame>>,
}

impl Vma {
    pub fn new(start: usize, end: usize, prot: Prot, backing: VmaBacking, name: String) -> Self {
        Vma { start, end, prot, backing, name, pages: BTreeMap::new() }
    }

    pub fn is_shared(&self) -> bool {
        matches!(self.backing, VmaBacking::Shared { .. })
    }

    pub fn contains(&self, va: usize) -> bool {
        self.start <= va && va < self.end
    }

    /// Number of pages present.
    pub fn resident_pages(&self) -> usize {
        self.pages.len()
    }

    /// Splits at page-aligned `va` (strictly inside): `self` keeps
    /// `[start, va)`, the returned VMA holds `[va, end)`.
    pub(super) fn split_off(&mut self, va: usize) -> Vma {
        debug_assert!(self.start < va && va < self.end && va % PAGE_SIZE == 0);
        let distance = va - self.start;
        let backing = match &self.backing {
            VmaBacking::Anonymous => VmaBacking::Anonymous,
            VmaBacking::File { source, offset } => {
                // mmap keeps offset + length within the largest file.
                VmaBacking::File { source: source.clone(), offset: offset.saturating_add(distance as u64) }
            }
            VmaBacking::Shared { object, first_page } => {
                VmaBacking::Shared { object: object.clone(), first_page: first_page + distance / PAGE_SIZE }
            }
        };
        let right = Vma {
            start: va,
            end: self.end,
            prot: self.prot,
            backing,
            name: self.name.clone(),
            pages: self.pages.split_off(&va),
        };
        self.end = va;
        right
    }

    /// A fresh frame for page `va` of this mapping, as the first touch sees it.
    pub(super) fn populate(&self, va: usize) -> Result<Arc<Frame>> {
        match &self.backing {
            VmaBacking::Anonymous => Ok(Arc::new(Frame::new_zeroed()?)),
            VmaBacking::File { source, offset } => {
                let frame = Frame::new_zeroed()?;
                fill_from(&frame, source.as_ref(), offset + (va - self.start) as u64)?;
                Ok(Arc::new(frame))
            }
            VmaBacking::Shared { object, first_page } => {
                object.page(first_page + (va - self.start) / PAGE_SIZE)
            }
        }
    }
}
