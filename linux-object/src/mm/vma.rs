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

/// A file whose pages can be mapped: its page cache, as a fault handler
/// sees it (Linux's `address_space` with `vm_operations_struct.fault` and
/// `.map_pages`, mm/filemap.c; for tmpfs, `shmem_fault`).
///
/// Every mapping of a file maps the cache's own frames: a `MAP_SHARED`
/// mapping writes into them, a `MAP_PRIVATE` one maps them read-only and
/// copies a page on its first write.
pub trait MmapSource: Send + Sync {
    /// The cache frame of page `index`, a hole's page allocated (and
    /// charged to the file system) on first use. Errors: `EIO` when the
    /// page lies wholly past the end of the file (the fault gives
    /// `SIGBUS`), `ENOSPC` past the file system's size (`SIGBUS` too, as
    /// `shmem_fault`), `ENOMEM`.
    fn page(&self, index: u64) -> Result<Arc<Frame>>;
    /// The frames already in the cache for pages `range` within the file's
    /// size, allocating nothing (fault-around, `filemap_map_pages`).
    fn cached_pages(&self, range: core::ops::Range<u64>, out: &mut alloc::vec::Vec<(u64, Arc<Frame>)>);
    /// Reads at `offset`; returns the bytes read (short at end of file).
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize>;
    /// The file's size in bytes.
    fn size(&self) -> u64;
    /// Which file this is, for [`unmap_file_pages`](super::unmap_file_pages)
    /// after a truncation (the same for every source of one file).
    fn file_id(&self) -> usize;
}

/// Pages shared by every mapping of one anonymous `MAP_SHARED` object
/// (`shmem_zero_setup`'s unnamed tmpfs file), across fork.
pub struct SharedObject {
    /// Page index → frame. Protected by the mutex.
    pages: Mutex<BTreeMap<usize, Arc<Frame>>>,
}

impl SharedObject {
    pub fn new() -> Arc<Self> {
        Arc::new(SharedObject { pages: Mutex::new(BTreeMap::new()) })
    }

    /// Whether page `index` has a frame yet (mincore(2)).
    pub fn has_page(&self, index: usize) -> bool {
        self.pages.lock().contains_key(&index)
    }

    /// The frame of page `index`, zero-filled on first use.
    pub fn page(&self, index: usize) -> Result<Arc<Frame>> {
        let mut pages = self.pages.lock();
        if let Some(frame) = pages.get(&index) {
            return Ok(frame.clone());
        }
        let frame = Arc::new(Frame::new_zeroed()?);
        pages.insert(index, frame.clone());
        Ok(frame)
    }
}

/// Where a mapping's pages come from.
#[derive(Clone)]
pub enum VmaBacking {
    /// Private zero-filled memory (heap, stack, `MAP_ANONYMOUS|MAP_PRIVATE`).
    Anonymous,
    /// A file mapping: page `va` is the file's page at `offset + (va -
    /// start)`. Shared, the cache's frame is mapped as it is; private, it
    /// is mapped read-only until the first write copies it.
    /// `may_write` is false for a shared mapping of a file not open for
    /// writing: mprotect may not add PROT_WRITE (Linux's lack of
    /// `VM_MAYWRITE`).
    File { source: Arc<dyn MmapSource>, offset: u64, shared: bool, may_write: bool },
    /// Anonymous shared memory: page `i` of the range is page
    /// `first_page + i` of the object.
    Shared { object: Arc<SharedObject>, first_page: usize },
}

impl VmaBacking {
    /// The backing of a mapping that starts `distance` bytes (whole pages)
    /// into this one's.
    pub fn shifted(&self, distance: usize) -> VmaBacking {
        match self {
            VmaBacking::Anonymous => VmaBacking::Anonymous,
            // mmap keeps offset + length within the largest file.
            VmaBacking::File { source, offset, shared, may_write } => VmaBacking::File {
                source: source.clone(),
                offset: offset.saturating_add(distance as u64),
                shared: *shared,
                may_write: *may_write,
            },
            VmaBacking::Shared { object, first_page } => {
                VmaBacking::Shared { object: object.clone(), first_page: first_page + distance / PAGE_SIZE }
            }
        }
    }
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

    /// Whether stores reach an object other processes see (anonymous
    /// shared memory, a `MAP_SHARED` file): such pages are never copied.
    pub fn is_shared(&self) -> bool {
        matches!(self.backing, VmaBacking::Shared { .. } | VmaBacking::File { shared: true, .. })
    }

    /// The file page index behind page `va`, for a file mapping.
    pub fn file_index(&self, va: usize) -> Option<u64> {
        match &self.backing {
            VmaBacking::File { offset, .. } => Some((offset + (va - self.start) as u64) / PAGE_SIZE as u64),
            _ => None,
        }
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
        let backing = self.backing.shifted(distance);
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

    /// The frame page `va` of this mapping shows on its first touch: a
    /// new zeroed one, or the object's or file's own.
    pub(super) fn populate(&self, va: usize) -> Result<Arc<Frame>> {
        match &self.backing {
            VmaBacking::Anonymous => Ok(Arc::new(Frame::new_zeroed()?)),
            VmaBacking::File { source, .. } => source.page(self.file_index(va).unwrap_or(0)),
            VmaBacking::Shared { object, first_page } => {
                object.page(first_page + (va - self.start) / PAGE_SIZE)
            }
        }
    }
}
