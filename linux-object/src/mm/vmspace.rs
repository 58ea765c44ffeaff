//! A process's address space. Mirrors Linux's `struct mm_struct` with the
//! operations of mm/mmap.c (`do_mmap`, `do_munmap`, `brk`), mm/mprotect.c,
//! mm/memory.c (`handle_mm_fault`, copy-on-write in `do_wp_page`) and
//! kernel/fork.c (`dup_mmap`).
//!
//! Invariant: every page present in the hardware page table is in exactly
//! one VMA's `pages`, mapped with [`VmSpace::hw_flags`] of that VMA — except
//! that copy-on-write pages are mapped read-only until written.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::ops::Range;

use super::vma::{Prot, Vma, VmaBacking};
use super::{Frame, PAGE_SIZE, page_ceil, page_floor};
use crate::error::{Errno, Error, Result};
use crate::hal::{MapFlags, PageTable, PhysAddr, hal};
use crate::sync::Mutex;

/// User addresses are below this (the lower half of Sv39; x86_64 allows more
/// but we use the same layout on both).
pub const USER_END: usize = 0x40_0000_0000;
/// The initial stack's top; one guard page below `USER_END`.
pub const USER_STACK_TOP: usize = USER_END - PAGE_SIZE;
/// Default `RLIMIT_STACK` (8 MiB), also the size of the stack mapping.
pub const USER_STACK_SIZE: usize = 8 << 20;
/// `mmap` without a hint places mappings top-down from here.
const MMAP_TOP: usize = USER_STACK_TOP - USER_STACK_SIZE - (16 << 20);
/// Nothing is mapped below this (catches NULL dereferences); Linux's default
/// `vm.mmap_min_addr` is 64 KiB.
pub const MMAP_MIN_ADDR: usize = 0x10000;
/// How many mappings one address space may have: `vm.max_map_count`'s
/// default (`DEFAULT_MAX_MAP_COUNT`, include/linux/mm.h). Each VMA is
/// kernel heap, so an unbounded count would let one process exhaust it.
pub const DEFAULT_MAX_MAP_COUNT: u64 = 65530;
/// /proc/sys/vm/max_map_count (root may change it).
pub static MAX_MAP_COUNT: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(DEFAULT_MAX_MAP_COUNT);

fn max_map_count() -> usize {
    MAX_MAP_COUNT.load(core::sync::atomic::Ordering::Relaxed) as usize
}

/// How many pages one file fault maps: the faulting one and the cached
/// pages around it in an aligned window, as Linux's `fault_around_bytes`
/// (64 KiB) does in `do_fault_around`, so a program's first run through
/// its text takes one fault per 16 pages.
pub const FAULT_AROUND_PAGES: usize = 16;

/// Every address space made with [`VmSpace::into_shared`], so that a
/// truncated file can be unmapped from all of them (Linux walks the file's
/// `i_mmap` tree instead; a list of spaces is simpler and truncating a
/// mapped file is rare).
static SPACES: Mutex<Spaces> = Mutex::new(Spaces { list: Vec::new(), prune_at: 16 });

struct Spaces {
    list: Vec<Weak<Mutex<VmSpace>>>,
    /// Forget the dead when the list reaches this length, then set it to
    /// twice what is left: amortised O(1) per space.
    prune_at: usize,
}

fn live_spaces() -> Vec<Arc<Mutex<VmSpace>>> {
    SPACES.lock().list.iter().filter_map(Weak::upgrade).collect()
}

/// Removes the pages of file `file_id` with index in `pages` from every
/// address space, so the next touch faults: past a truncation that fault
/// gives `SIGBUS`, in a punched hole it reads zeros. With `even_cows`,
/// private copies go too (truncation: "unmap_mapping_range(..., even_cows
/// = 1)" in `truncate_pagecache`); a hole punch keeps them. Call it
/// without holding the file's lock (the fault path takes a space's lock,
/// then the file's).
pub fn unmap_file_pages(file_id: usize, pages: Range<u64>, even_cows: bool) {
    for space in live_spaces() {
        space.lock().zap_file(file_id, pages.clone(), even_cows);
    }
}

/// Distinct page-cache frames mapped in any address space: /proc/meminfo's
/// `Mapped`.
pub fn mapped_cache_pages() -> usize {
    let mut seen = alloc::collections::BTreeSet::new();
    for space in live_spaces() {
        for vma in space.lock().vmas.values() {
            seen.extend(vma.pages.values().filter(|f| f.is_cache()).map(|f| f.paddr()));
        }
    }
    seen.len()
}

/// The kind of access that faulted (or that a kernel copy performs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    Execute,
}

impl Access {
    /// The page-table right this access needs.
    fn right(self) -> MapFlags {
        match self {
            Access::Read => MapFlags::READ,
            Access::Write => MapFlags::WRITE,
            Access::Execute => MapFlags::EXECUTE,
        }
    }
}

pub struct VmSpace {
    /// start → VMA, non-overlapping, sorted.
    vmas: BTreeMap<usize, Vma>,
    page_table: Box<dyn PageTable>,
    /// Start of the heap (end of the loaded program), set by the ELF loader.
    brk_start: usize,
    /// Current program break (may be unaligned).
    brk: usize,
    /// What keeps the executable from being written while this space runs
    /// it (Linux's `mm->exe_file` with its `deny_write_access`): shared by
    /// the spaces fork copies from this one, let go when the last goes.
    exe_guard: Option<Arc<dyn core::any::Any + Send + Sync>>,
}

impl VmSpace {
    pub fn new() -> Self {
        VmSpace { vmas: BTreeMap::new(), page_table: hal().new_page_table(), brk_start: 0, brk: 0, exe_guard: None }
    }

    /// Holds `guard` for as long as this space (and its forks) live.
    pub fn set_exe_guard(&mut self, guard: Arc<dyn core::any::Any + Send + Sync>) {
        self.exe_guard = Some(guard);
    }

    /// This space behind the lock processes share it with, known to
    /// [`unmap_file_pages`]. Every process's space is made this way.
    pub fn into_shared(self) -> Arc<Mutex<VmSpace>> {
        let shared = Arc::new(Mutex::new(self));
        let mut spaces = SPACES.lock();
        if spaces.list.len() >= spaces.prune_at {
            spaces.list.retain(|w| w.strong_count() > 0);
            spaces.prune_at = (2 * spaces.list.len()).max(16);
        }
        spaces.list.push(Arc::downgrade(&shared));
        shared
    }

    /// The value to load into the MMU to run in this space.
    pub fn page_table_token(&self) -> usize {
        self.page_table.token()
    }

    pub fn vmas(&self) -> impl Iterator<Item = &Vma> {
        self.vmas.values()
    }

    fn find(&self, va: usize) -> Option<&Vma> {
        self.vmas.range(..=va).next_back().map(|(_, vma)| vma).filter(|vma| vma.contains(va))
    }

    fn find_mut(&mut self, va: usize) -> Option<&mut Vma> {
        self.vmas.range_mut(..=va).next_back().map(|(_, vma)| vma).filter(|vma| vma.contains(va))
    }

    /// True when no VMA overlaps `[start, end)`.
    fn is_free(&self, start: usize, end: usize) -> bool {
        let before = self.vmas.range(..end).next_back();
        before.is_none_or(|(_, vma)| vma.end <= start)
    }

    fn hw_flags(prot: Prot, writable: bool) -> MapFlags {
        let mut flags = MapFlags::USER;
        // RISC-V has no write-only pages; x86 has no unreadable ones.
        if prot.intersects(Prot::READ | Prot::WRITE) {
            flags |= MapFlags::READ;
        }
        if prot.contains(Prot::WRITE) && writable {
            flags |= MapFlags::WRITE;
        }
        if prot.contains(Prot::EXEC) {
            flags |= MapFlags::EXECUTE;
        }
        flags
    }

    /// Whether a present page may be mapped writable now: shared pages
    /// always, private ones only when no other address space holds them.
    fn exclusive(vma: &Vma, frame: &Arc<Frame>) -> bool {
        vma.is_shared() || Arc::strong_count(frame) == 1
    }

    /// Adds a mapping at a fixed, free, page-aligned range.
    pub fn map_fixed(&mut self, vma: Vma) -> Result<()> {
        if vma.start % PAGE_SIZE != 0 || vma.end % PAGE_SIZE != 0 || vma.start >= vma.end || vma.end > USER_END {
            return Err(Error::with_message(Errno::EINVAL, "mapping range is not page-aligned user memory"));
        }
        if !self.is_free(vma.start, vma.end) {
            return Err(Error::with_message(Errno::EEXIST, "mapping overlaps an existing one"));
        }
        // do_mmap: "Too many mappings?"
        if self.vmas.len() > max_map_count() {
            return Err(Error::with_message(Errno::ENOMEM, "vm.max_map_count reached"));
        }
        self.vmas.insert(vma.start, vma);
        Ok(())
    }

    /// Finds a free range of `len` bytes, top-down below `MMAP_TOP`, as
    /// Linux's `arch_get_unmapped_area_topdown`.
    pub fn find_free_range(&self, len: usize) -> Option<usize> {
        let mut top = MMAP_TOP;
        for vma in self.vmas.values().rev() {
            if vma.start >= top {
                continue;
            }
            if vma.end <= top && top - vma.end >= len {
                return Some(top - len);
            }
            top = top.min(vma.start);
        }
        top.checked_sub(len).filter(|&start| start >= MMAP_MIN_ADDR)
    }

    /// mmap(2) after argument checks: places `[addr, addr+len)` (hint or
    /// fixed), replacing what a `MAP_FIXED` range covered.
    pub fn mmap(
        &mut self,
        addr: usize,
        len: usize,
        prot: Prot,
        fixed: bool,
        noreplace: bool,
        backing: VmaBacking,
        name: String,
    ) -> Result<usize> {
        let len = page_ceil(len).filter(|&l| l > 0 && l <= USER_END).ok_or(Errno::ENOMEM)?;
        let start = if fixed || noreplace {
            if addr % PAGE_SIZE != 0 {
                return Err(Errno::EINVAL.into());
            }
            let end = addr.checked_add(len).filter(|&e| e <= USER_END).ok_or(Errno::ENOMEM)?;
            if noreplace && !self.is_free(addr, end) {
                return Err(Errno::EEXIST.into());
            }
            self.munmap(addr, len)?;
            addr
        } else {
            let hint = page_floor(addr);
            let hint_ok = hint >= MMAP_MIN_ADDR
                && hint.checked_add(len).is_some_and(|end| end <= USER_END && self.is_free(hint, end));
            if hint_ok { hint } else { self.find_free_range(len).ok_or(Errno::ENOMEM)? }
        };
        self.map_fixed(Vma::new(start, start + len, prot, backing, name))?;
        Ok(start)
    }

    /// Cuts VMAs so that `va` is a boundary: `ENOMEM` if that would take
    /// the count past [`MAX_MAP_COUNT`] (`__split_vma`, mm/vma.c).
    fn split_at(&mut self, va: usize) -> Result<()> {
        let count = self.vmas.len();
        let Some(vma) = self.find_mut(va) else { return Ok(()) };
        if vma.start == va {
            return Ok(());
        }
        if count >= max_map_count() {
            return Err(Error::with_message(Errno::ENOMEM, "vm.max_map_count reached"));
        }
        let right = vma.split_off(va);
        self.vmas.insert(va, right);
        Ok(())
    }

    /// munmap(2): removes every page and mapping in `[addr, addr+len)`.
    /// Unmapping a range with no mappings is not an error.
    pub fn munmap(&mut self, addr: usize, len: usize) -> Result<()> {
        if addr % PAGE_SIZE != 0 || len == 0 {
            return Err(Errno::EINVAL.into());
        }
        let end = page_ceil(len)
            .and_then(|l| addr.checked_add(l))
            .filter(|&e| e <= USER_END)
            .ok_or(Errno::EINVAL)?;
        self.split_at(addr)?;
        self.split_at(end)?;
        let doomed: alloc::vec::Vec<usize> = self.vmas.range(addr..end).map(|(&start, _)| start).collect();
        for start in doomed {
            if let Some(vma) = self.vmas.remove(&start) {
                for &va in vma.pages.keys() {
                    self.page_table.unmap_batched(va);
                }
            }
        }
        self.page_table.flush_all();
        Ok(())
    }

    /// mremap(2) after its flag checks (`sys_mremap`, mm/mremap.c): resizes
    /// or moves the mapping at `old` (`old_len` bytes, within one VMA,
    /// else `EFAULT`) to `new_len` bytes; returns the new address.
    /// Shrinking unmaps the tail in place; growing extends in place when
    /// the space after is free, else moves when `may_move` (else
    /// `ENOMEM`). `fixed` moves to `fixed` exactly, replacing what is
    /// there; `dont_unmap` leaves the old range mapped but empty. Pages
    /// move with their mapping: nothing is copied.
    pub fn mremap(
        &mut self,
        old: usize,
        old_len: usize,
        new_len: usize,
        may_move: bool,
        fixed: Option<usize>,
        dont_unmap: bool,
    ) -> Result<usize> {
        let old_len = page_ceil(old_len).ok_or(Errno::EINVAL)?;
        let new_len = page_ceil(new_len).filter(|&l| l > 0 && l <= USER_END).ok_or(Errno::EINVAL)?;
        let old_end = old.checked_add(old_len).filter(|&e| e <= USER_END).ok_or(Errno::EFAULT)?;
        let vma = self.find(old).ok_or(Error::with_message(Errno::EFAULT, "mremap: nothing mapped at the address"))?;
        if old_end > vma.end {
            return Err(Error::with_message(Errno::EFAULT, "mremap: the range spans mappings"));
        }
        // An old size of 0 makes a second mapping of the same shared
        // pages; private memory cannot be duplicated that way.
        if old_len == 0 && !(vma.is_shared() && may_move) {
            return Err(Errno::EINVAL.into());
        }
        if let Some(to) = fixed {
            let to_end = to.checked_add(new_len).filter(|&e| e <= USER_END).ok_or(Errno::EINVAL)?;
            if to % PAGE_SIZE != 0 || (to < old_end.max(old + 1) && old < to_end) {
                return Err(Errno::EINVAL.into());
            }
            self.munmap(to, new_len)?;
            return self.move_range(old, old_len, to, new_len, dont_unmap);
        }
        if dont_unmap {
            let to = self.find_free_range(new_len).ok_or(Errno::ENOMEM)?;
            return self.move_range(old, old_len, to, new_len, true);
        }
        if new_len <= old_len {
            if new_len < old_len {
                self.munmap(old + new_len, old_len - new_len)?;
            }
            return Ok(old);
        }
        // Grow in place when the mapping ends at old_end and what follows is free.
        let grow_end = old.checked_add(new_len).filter(|&e| e <= USER_END);
        if vma.end == old_end && grow_end.is_some_and(|e| self.is_free(old_end, e)) {
            self.split_at(old)?;
            let vma = self.vmas.get_mut(&old).expect("split at old");
            vma.end = old + new_len;
            return Ok(old);
        }
        if !may_move {
            return Err(Error::with_message(Errno::ENOMEM, "mremap: no room to grow in place"));
        }
        let to = self.find_free_range(new_len).ok_or(Errno::ENOMEM)?;
        self.move_range(old, old_len, to, new_len, false)
    }

    /// Moves `[from, from + len)` (inside one VMA) to a free `[to, to +
    /// new_len)`; with `keep_old` the old range stays mapped, emptied
    /// (`MREMAP_DONTUNMAP`). `len == 0` maps the same object again.
    fn move_range(&mut self, from: usize, len: usize, to: usize, new_len: usize, keep_old: bool) -> Result<usize> {
        if len == 0 {
            let vma = self.find(from).ok_or(Errno::EFAULT)?;
            let mut copy = Vma::new(to, to + new_len, vma.prot, vma.backing.clone(), vma.name.clone());
            let distance = from - vma.start;
            copy.backing = copy.backing.shifted(distance);
            self.map_fixed(copy)?;
            return Ok(to);
        }
        if self.vmas.len() + 3 > max_map_count() {
            return Err(Error::with_message(Errno::ENOMEM, "vm.max_map_count reached"));
        }
        self.split_at(from)?;
        self.split_at(from + len)?;
        let mut moved = self.vmas.remove(&from).expect("split at from");
        if keep_old {
            let emptied = Vma::new(moved.start, moved.end, moved.prot, moved.backing.clone(), moved.name.clone());
            self.vmas.insert(from, emptied);
        }
        let pages = core::mem::take(&mut moved.pages);
        for &va in pages.keys() {
            self.page_table.unmap_batched(va);
        }
        moved.start = to;
        moved.end = to + new_len;
        for (va, frame) in pages {
            let new_va = va - from + to;
            if new_va >= moved.end {
                continue; // shrunk while moving
            }
            moved.pages.insert(new_va, frame);
        }
        let mut mapped = Ok(());
        for (&va, frame) in &moved.pages {
            let flags = Self::hw_flags(moved.prot, Self::exclusive(&moved, frame));
            mapped = mapped.and_then(|_| self.page_table.map_batched(va, frame.paddr(), flags));
        }
        self.page_table.flush_all();
        self.vmas.insert(to, moved);
        mapped.map(|_| to)
    }

    /// mprotect(2). Every page of the range must be mapped (`ENOMEM`).
    pub fn mprotect(&mut self, addr: usize, len: usize, prot: Prot) -> Result<()> {
        if addr % PAGE_SIZE != 0 {
            return Err(Errno::EINVAL.into());
        }
        let end = page_ceil(len).and_then(|l| addr.checked_add(l)).ok_or(Errno::ENOMEM)?;
        if end == addr {
            return Ok(());
        }
        // The range must be covered without holes, and a shared mapping
        // of a file opened read-only cannot become writable (EACCES).
        let mut cursor = addr;
        while cursor < end {
            match self.find(cursor) {
                Some(vma) if prot.contains(Prot::WRITE) && matches!(vma.backing, VmaBacking::File { shared: true, may_write: false, .. }) => {
                    return Err(Error::with_message(Errno::EACCES, "mprotect: the file is not open for writing"));
                }
                Some(vma) => cursor = vma.end,
                None => return Err(Errno::ENOMEM.into()),
            }
        }
        self.split_at(addr)?;
        self.split_at(end)?;
        let mut mapped = Ok(());
        for vma in self.vmas.range_mut(addr..end).map(|(_, v)| v) {
            vma.prot = prot;
            for (&va, frame) in &vma.pages {
                let flags = Self::hw_flags(prot, Self::exclusive(vma, frame));
                mapped = mapped.and_then(|_| self.page_table.map_batched(va, frame.paddr(), flags));
            }
        }
        self.page_table.flush_all();
        mapped
    }

    /// Sets where the heap starts (right after the program's last segment).
    pub fn init_brk(&mut self, start: usize) {
        self.brk_start = start;
        self.brk = start;
    }

    /// brk(2): moves the break; on failure returns the old one, like Linux.
    pub fn brk(&mut self, new_brk: usize) -> usize {
        if new_brk < self.brk_start || new_brk >= MMAP_TOP {
            return self.brk;
        }
        let (Some(old_end), Some(new_end)) = (page_ceil(self.brk), page_ceil(new_brk)) else {
            return self.brk;
        };
        if new_end > old_end {
            let vma = Vma::new(old_end, new_end, Prot::READ | Prot::WRITE, VmaBacking::Anonymous, String::from("[heap]"));
            if self.map_fixed(vma).is_err() {
                return self.brk;
            }
        } else if new_end < old_end && self.munmap(new_end, old_end - new_end).is_err() {
            return self.brk;
        }
        self.brk = new_brk;
        self.brk
    }

    pub fn current_brk(&self) -> usize {
        self.brk
    }

    /// The page-fault handler (Linux's `handle_mm_fault`): makes page `va`
    /// present for `access`, copying a shared private page on write.
    /// Returns the frame's physical address. Errors: `EFAULT` means
    /// "deliver SIGSEGV", `EIO` "deliver SIGBUS" (a file page past the end
    /// of its file, or no room for it in its file system), `ENOMEM` no
    /// memory.
    pub fn handle_fault(&mut self, va: usize, access: Access) -> Result<PhysAddr> {
        let page = page_floor(va);
        let vma = self.find_mut(va).ok_or(Error::with_message(Errno::EFAULT, "no mapping"))?;
        let allowed = match access {
            Access::Read => vma.prot.intersects(Prot::READ | Prot::WRITE | Prot::EXEC),
            Access::Write => vma.prot.contains(Prot::WRITE),
            Access::Execute => vma.prot.contains(Prot::EXEC),
        };
        if !allowed {
            return Err(Error::with_message(Errno::EFAULT, "access not permitted by the mapping"));
        }
        let mut around = Vec::new();
        match vma.pages.get(&page) {
            Some(frame) if access == Access::Write && !Self::exclusive(vma, frame) => {
                // Copy-on-write: the page is still shared with another
                // space, or is the page cache's own.
                let copy = Arc::new(frame.duplicate()?);
                vma.pages.insert(page, copy);
            }
            Some(_) => {}
            None => {
                let frame = vma.populate(page).map_err(|e| match e.errno {
                    Errno::EIO | Errno::ENOSPC => Error::with_message(Errno::EIO, "file page past the end of the file"),
                    _ => e,
                })?;
                let mut frame = frame;
                if access == Access::Write && !Self::exclusive(vma, &frame) {
                    frame = Arc::new(frame.duplicate()?); // a private write's own copy
                } else if access != Access::Write {
                    Self::fault_around(vma, page, &mut around);
                }
                vma.pages.insert(page, frame);
            }
        }
        // Look the frame up again rather than keep a clone: a clone would
        // count as a second owner and make the page look shared.
        let vma = self.find(va).expect("the mapping faulted on");
        let frame = &vma.pages[&page];
        let (pa, flags) = (frame.paddr(), Self::hw_flags(vma.prot, Self::exclusive(vma, frame)));
        // Pages mapped around are the cache's: read-only unless shared.
        let around_flags = Self::hw_flags(vma.prot, vma.is_shared());
        // The new entry grants the access that faulted, so a stale TLB
        // entry (none, or fewer rights) can only fault again; then the
        // entry already grants it, and only then is the TLB flushed (the
        // fault was spurious: Linux's flush_tlb_fix_spurious_fault). On
        // one CPU nothing else can use the stale entry in between.
        let needed = access.right();
        let spurious = self.page_table.query(page).is_some_and(|(old_pa, old)| old_pa == pa && old.contains(needed));
        if spurious {
            self.page_table.map(page, pa, flags)?;
        } else {
            for &(va, ref frame) in &around {
                self.page_table.map_fresh(va, frame.paddr(), around_flags)?;
            }
            self.page_table.map_fresh(page, pa, flags)?;
        }
        if !around.is_empty() {
            let vma = self.find_mut(va).expect("the mapping faulted on");
            vma.pages.extend(around);
        }
        Ok(pa)
    }

    /// `do_fault_around`: the cached, not yet mapped pages of `vma`'s file
    /// in the aligned window of [`FAULT_AROUND_PAGES`] around `page`.
    fn fault_around(vma: &Vma, page: usize, out: &mut Vec<(usize, Arc<Frame>)>) {
        let VmaBacking::File { source, .. } = &vma.backing else { return };
        let window = FAULT_AROUND_PAGES * PAGE_SIZE;
        let lo = (page - page % window).max(vma.start);
        let hi = (page - page % window).saturating_add(window).min(vma.end);
        let (Some(first), Some(last)) = (vma.file_index(lo), vma.file_index(hi - PAGE_SIZE)) else { return };
        let mut cached = Vec::new();
        source.cached_pages(first..last + 1, &mut cached);
        for (index, frame) in cached {
            let va = lo + ((index - first) as usize) * PAGE_SIZE;
            if va != page && !vma.pages.contains_key(&va) {
                out.push((va, frame));
            }
        }
    }

    /// Drops the pages of file `file_id` in `pages` (see [`unmap_file_pages`]).
    fn zap_file(&mut self, file_id: usize, pages: Range<u64>, even_cows: bool) {
        let mut gone = Vec::new();
        for vma in self.vmas.values_mut() {
            let VmaBacking::File { source, .. } = &vma.backing else { continue };
            if source.file_id() != file_id {
                continue;
            }
            let doomed: Vec<usize> = vma
                .pages
                .iter()
                .filter(|&(&va, frame)| {
                    vma.file_index(va).is_some_and(|i| pages.contains(&i)) && (even_cows || frame.is_cache())
                })
                .map(|(&va, _)| va)
                .collect();
            for va in doomed {
                vma.pages.remove(&va);
                gone.push(va);
            }
        }
        for va in gone {
            self.page_table.unmap_batched(va);
        }
        self.page_table.flush_all();
    }

    /// dup_mmap: a copy of this space for fork(2). Private pages become
    /// copy-on-write in both spaces; shared ones stay shared.
    pub fn fork(&mut self) -> Result<VmSpace> {
        let mut child = VmSpace::new();
        child.brk_start = self.brk_start;
        child.brk = self.brk;
        child.exe_guard = self.exe_guard.clone();
        // The parent's writable private pages turn read-only in one batch,
        // flushed once at the end (dup_mmap's flush_tlb_mm).
        let mut mapped = Ok(());
        for vma in self.vmas.values() {
            for (&va, frame) in &vma.pages {
                let flags = Self::hw_flags(vma.prot, vma.is_shared());
                mapped = mapped.and_then(|_| child.page_table.map_batched(va, frame.paddr(), flags));
                if !vma.is_shared() && vma.prot.contains(Prot::WRITE) {
                    mapped = mapped.and_then(|_| self.page_table.map_batched(va, frame.paddr(), flags));
                }
            }
            if mapped.is_err() {
                break;
            }
            child.vmas.insert(vma.start, vma.clone());
        }
        self.page_table.flush_all();
        mapped.map(|_| child)
    }

    /// Copies `data` into user memory at `va`, faulting pages in as a user
    /// write would. Fails with `EFAULT` without partial effects past the
    /// first bad page.
    /// The frame behind user page `va` for a kernel copy: what the page
    /// table says when it already grants `access` (no fault handling, no
    /// TLB work), else the fault handler's answer.
    pub fn user_page(&mut self, va: usize, access: Access) -> Result<PhysAddr> {
        // Only user addresses reach the page table (a futex key can be any
        // number): the kernel half's entries are not a user table's.
        check_user_range(va, 1)?;
        let needed = access.right();
        match self.page_table.query(page_floor(va)) {
            Some((pa, flags)) if flags.contains(needed | MapFlags::USER) => Ok(pa),
            _ => self.handle_fault(va, access),
        }
    }

    pub fn write_bytes(&mut self, va: usize, data: &[u8]) -> Result<()> {
        check_user_range(va, data.len())?;
        let mut done = 0;
        while done < data.len() {
            let addr = va + done;
            let offset = addr % PAGE_SIZE;
            let chunk = (PAGE_SIZE - offset).min(data.len() - done);
            let pa = self.user_page(addr, Access::Write).map_err(efault)?;
            hal().write_phys(pa + offset, &data[done..done + chunk]);
            done += chunk;
        }
        Ok(())
    }

    /// Copies `len` bytes of `frame` from `offset` (zeros for `None`, a
    /// hole) to user memory at `va`: read(2) of a cached file, one copy
    /// from the page cache to the user's page. `offset + len` stays within
    /// the frame.
    pub fn write_from_frame(&mut self, va: usize, frame: Option<&Frame>, offset: usize, len: usize) -> Result<()> {
        check_user_range(va, len)?;
        let zeros = [0u8; 256];
        let mut done = 0;
        while done < len {
            let addr = va + done;
            let chunk = (PAGE_SIZE - addr % PAGE_SIZE).min(len - done);
            let pa = self.user_page(addr, Access::Write).map_err(efault)? + addr % PAGE_SIZE;
            match frame {
                Some(frame) => hal().copy_phys(pa, frame.paddr() + offset + done, chunk),
                None => {
                    let mut zeroed = 0;
                    while zeroed < chunk {
                        let n = (chunk - zeroed).min(zeros.len());
                        hal().write_phys(pa + zeroed, &zeros[..n]);
                        zeroed += n;
                    }
                }
            }
            done += chunk;
        }
        Ok(())
    }

    /// Makes sure `len` bytes at `va` can be written, faulting the pages in
    /// as a user write would; `EFAULT` otherwise. A read(2) checks its
    /// buffer first so that a bad one does not consume data it cannot
    /// deliver (Linux copies straight into the user page and stops there).
    pub fn check_writable(&mut self, va: usize, len: usize) -> Result<()> {
        check_user_range(va, len)?;
        let mut addr = va - va % PAGE_SIZE;
        while addr < va + len {
            self.user_page(addr, Access::Write).map_err(efault)?;
            addr += PAGE_SIZE;
        }
        Ok(())
    }

    /// Copies user memory at `va` into `buf`.
    pub fn read_bytes(&mut self, va: usize, buf: &mut [u8]) -> Result<()> {
        check_user_range(va, buf.len())?;
        let mut done = 0;
        while done < buf.len() {
            let addr = va + done;
            let offset = addr % PAGE_SIZE;
            let chunk = (PAGE_SIZE - offset).min(buf.len() - done);
            let pa = self.user_page(addr, Access::Read).map_err(efault)?;
            hal().read_phys(pa + offset, &mut buf[done..done + chunk]);
            done += chunk;
        }
        Ok(())
    }

    /// Reads a NUL-terminated string of at most `max` bytes (without the
    /// NUL); `ENAMETOOLONG` if there is no NUL within `max`.
    pub fn read_cstr(&mut self, va: usize, max: usize) -> Result<alloc::vec::Vec<u8>> {
        // Small steps: a path is usually short, and copying (and scanning)
        // the rest of its page would cost more than the walk itself.
        const STEP: usize = 128;
        let mut out = alloc::vec::Vec::new();
        let mut addr = va;
        loop {
            let chunk = (PAGE_SIZE - addr % PAGE_SIZE).min(STEP);
            let mut buf = [0u8; STEP];
            self.read_bytes(addr, &mut buf[..chunk])?;
            if let Some(nul) = buf[..chunk].iter().position(|&b| b == 0) {
                out.extend_from_slice(&buf[..nul]);
                if out.len() > max {
                    return Err(Errno::ENAMETOOLONG.into());
                }
                return Ok(out);
            }
            out.extend_from_slice(&buf[..chunk]);
            if out.len() > max {
                return Err(Errno::ENAMETOOLONG.into());
            }
            addr = addr.checked_add(chunk).ok_or(Errno::EFAULT)?;
        }
    }

    /// Whether every page of `[addr, end)` is mapped (msync(2) and
    /// mincore(2) give `ENOMEM` otherwise).
    pub fn covers(&self, addr: usize, end: usize) -> bool {
        let mut cursor = addr;
        while cursor < end {
            match self.find(cursor) {
                Some(vma) => cursor = vma.end,
                None => return false,
            }
        }
        true
    }

    /// mincore(2) for `[addr, addr + count pages)`, all mapped (the caller
    /// goes in bounded chunks): whether each page is resident — for a file mapping, whether the file's page is
    /// in the page cache, mapped here or not (`mincore_page`).
    pub fn residency(&self, addr: usize, count: usize) -> Vec<bool> {
        (0..count)
            .map(|i| {
                let va = addr + i * PAGE_SIZE;
                let Some(vma) = self.find(va) else { return false };
                if vma.pages.contains_key(&va) {
                    return true;
                }
                match (&vma.backing, vma.file_index(va)) {
                    (VmaBacking::File { source, .. }, Some(index)) => {
                        let mut found = Vec::new();
                        source.cached_pages(index..index + 1, &mut found);
                        !found.is_empty()
                    }
                    (VmaBacking::Shared { object, first_page }, _) => {
                        object.has_page(first_page + (va - vma.start) / PAGE_SIZE)
                    }
                    _ => false,
                }
            })
            .collect()
    }

    /// MADV_DONTNEED: drops the pages of `[addr, addr+len)`, so private
    /// memory reads back zero (or the file's contents) on the next touch;
    /// shared pages stay in their object. Unmapped parts are skipped.
    pub fn discard(&mut self, addr: usize, len: usize) -> Result<()> {
        let end = page_ceil(len).and_then(|l| addr.checked_add(l)).ok_or(Errno::EINVAL)?;
        let mut dropped = alloc::vec::Vec::new();
        for vma in self.vmas.values_mut() {
            if vma.end <= addr || vma.start >= end {
                continue;
            }
            let pages: alloc::vec::Vec<usize> = vma.pages.range(addr.max(vma.start)..end.min(vma.end)).map(|(&va, _)| va).collect();
            for va in pages {
                vma.pages.remove(&va);
                dropped.push(va);
            }
        }
        for va in dropped {
            self.page_table.unmap_batched(va);
        }
        self.page_table.flush_all();
        Ok(())
    }

    /// The hardware mapping of page `va` (for tests and /proc/PID/pagemap).
    pub fn query(&self, va: usize) -> Option<(PhysAddr, MapFlags)> {
        if va >= USER_END {
            return None;
        }
        self.page_table.query(page_floor(va))
    }

    /// Bytes of memory present (RSS), for /proc and accounting.
    pub fn resident_bytes(&self) -> usize {
        self.vmas.values().map(|vma| vma.resident_pages() * PAGE_SIZE).sum()
    }

    /// Bytes of address space mapped (VSZ).
    pub fn mapped_bytes(&self) -> usize {
        self.vmas.values().map(|vma| vma.end - vma.start).sum()
    }
}

impl Default for VmSpace {
    fn default() -> Self {
        Self::new()
    }
}

fn efault(err: Error) -> Error {
    if err.errno == Errno::ENOMEM { err } else { Error::new(Errno::EFAULT) }
}

fn check_user_range(va: usize, len: usize) -> Result<()> {
    match va.checked_add(len) {
        Some(end) if end <= USER_END => Ok(()),
        _ => Err(Errno::EFAULT.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mm::MmapSource;
    use std::vec;

    fn anon(vm: &mut VmSpace, len: usize, prot: Prot) -> usize {
        vm.mmap(0, len, prot, false, false, VmaBacking::Anonymous, String::new()).unwrap()
    }

    #[test]
    fn anonymous_memory_is_zeroed_and_writable() {
        let mut vm = VmSpace::new();
        let va = anon(&mut vm, 3 * PAGE_SIZE, Prot::READ | Prot::WRITE);
        let mut buf = [0xffu8; 16];
        vm.read_bytes(va + PAGE_SIZE - 8, &mut buf).unwrap();
        assert_eq!(buf, [0; 16]);
        vm.write_bytes(va + PAGE_SIZE - 4, b"hello world").unwrap();
        let (_, flags) = vm.query(va).unwrap();
        assert!(flags.contains(MapFlags::WRITE | MapFlags::READ | MapFlags::USER), "written page is writable: {flags:?}");
        vm.read_bytes(va + PAGE_SIZE - 4, &mut buf[..11]).unwrap();
        assert_eq!(&buf[..11], b"hello world");
        assert_eq!(vm.resident_bytes(), 2 * PAGE_SIZE);
    }

    #[test]
    fn unmapped_and_read_only_memory_fault() {
        let mut vm = VmSpace::new();
        let va = anon(&mut vm, PAGE_SIZE, Prot::READ);
        assert_eq!(vm.write_bytes(va, b"x").unwrap_err().errno, Errno::EFAULT);
        assert_eq!(vm.read_bytes(va + PAGE_SIZE, &mut [0]).unwrap_err().errno, Errno::EFAULT);
        assert_eq!(vm.read_bytes(usize::MAX - 1, &mut [0; 4]).unwrap_err().errno, Errno::EFAULT);
        assert_eq!(vm.handle_fault(va, Access::Execute).unwrap_err().errno, Errno::EFAULT);
    }

    #[test]
    fn fork_is_copy_on_write() {
        let mut parent = VmSpace::new();
        let va = anon(&mut parent, PAGE_SIZE, Prot::READ | Prot::WRITE);
        parent.write_bytes(va, b"parent").unwrap();
        let mut child = parent.fork().unwrap();
        assert!(!parent.query(va).unwrap().1.contains(MapFlags::WRITE), "shared page is read-only in the parent");
        assert!(!child.query(va).unwrap().1.contains(MapFlags::WRITE), "and in the child");
        child.write_bytes(va, b"child!").unwrap();
        assert!(child.query(va).unwrap().1.contains(MapFlags::WRITE), "the child's copy is writable");
        parent.handle_fault(va, Access::Write).unwrap();
        assert!(parent.query(va).unwrap().1.contains(MapFlags::WRITE), "the parent owns its frame again");
        let (mut p, mut c) = ([0u8; 6], [0u8; 6]);
        parent.read_bytes(va, &mut p).unwrap();
        child.read_bytes(va, &mut c).unwrap();
        assert_eq!(&p, b"parent");
        assert_eq!(&c, b"child!");
        // After the child's copy the parent holds its frame alone again.
        let frame = parent.find(va).unwrap().pages[&va].clone();
        assert_eq!(Arc::strong_count(&frame), 2); // the VMA's and ours
    }

    #[test]
    fn shared_anonymous_memory_survives_fork() {
        let mut parent = VmSpace::new();
        let object = super::super::vma::SharedObject::new();
        let va = parent
            .mmap(0, PAGE_SIZE, Prot::READ | Prot::WRITE, false, false, VmaBacking::Shared { object, first_page: 0 }, String::new())
            .unwrap();
        let mut child = parent.fork().unwrap();
        child.write_bytes(va + 10, b"shared").unwrap();
        let mut buf = [0u8; 6];
        parent.read_bytes(va + 10, &mut buf).unwrap();
        assert_eq!(&buf, b"shared");
    }

    #[test]
    fn the_mapping_count_is_bounded_by_max_map_count() {
        let mut vm = VmSpace::new();
        let two = anon(&mut vm, 2 * PAGE_SIZE, Prot::READ);
        // Fixed addresses keep the test fast (no free-range search).
        let page = |i: usize| MMAP_MIN_ADDR + 2 * i * PAGE_SIZE;
        let mut made = 1;
        while vm.mmap(page(made), PAGE_SIZE, Prot::READ, true, false, VmaBacking::Anonymous, String::new()).is_ok() {
            made += 1;
        }
        // do_mmap refuses only once the count is past the limit.
        assert_eq!(made, DEFAULT_MAX_MAP_COUNT as usize + 1);
        let err = vm.mmap(page(made + 1), PAGE_SIZE, Prot::READ, true, false, VmaBacking::Anonymous, String::new()).unwrap_err();
        assert_eq!(err.errno, Errno::ENOMEM);
        // Splitting needs one more: ENOMEM, and nothing changed.
        assert_eq!(vm.mprotect(two, PAGE_SIZE, Prot::READ | Prot::WRITE).unwrap_err().errno, Errno::ENOMEM);
        assert_eq!(vm.munmap(two + PAGE_SIZE, PAGE_SIZE).unwrap_err().errno, Errno::ENOMEM);
        assert_eq!(vm.vmas().count(), DEFAULT_MAX_MAP_COUNT as usize + 1);
        // Unmapping whole mappings always works.
        vm.munmap(two, 2 * PAGE_SIZE).unwrap();
        assert_eq!(vm.vmas().count(), DEFAULT_MAX_MAP_COUNT as usize);
    }

    #[test]
    fn munmap_splits_and_mprotect_needs_a_full_range() {
        let mut vm = VmSpace::new();
        let va = anon(&mut vm, 4 * PAGE_SIZE, Prot::READ | Prot::WRITE);
        vm.write_bytes(va, &vec![1u8; 4 * PAGE_SIZE]).unwrap();
        vm.munmap(va + PAGE_SIZE, PAGE_SIZE).unwrap();
        assert_eq!(vm.vmas().count(), 2);
        assert!(vm.read_bytes(va + PAGE_SIZE, &mut [0]).is_err());
        assert!(vm.read_bytes(va + 2 * PAGE_SIZE, &mut [0]).is_ok());
        assert_eq!(vm.mprotect(va, 3 * PAGE_SIZE, Prot::READ).unwrap_err().errno, Errno::ENOMEM);
        vm.mprotect(va + 2 * PAGE_SIZE, PAGE_SIZE, Prot::READ).unwrap();
        assert!(vm.write_bytes(va + 2 * PAGE_SIZE, b"x").is_err());
        assert!(vm.write_bytes(va + 3 * PAGE_SIZE, b"x").is_ok());
        assert_eq!(vm.munmap(va + 1, PAGE_SIZE).unwrap_err().errno, Errno::EINVAL);
        assert_eq!(vm.munmap(va, 0).unwrap_err().errno, Errno::EINVAL);
    }

    #[test]
    fn fixed_mappings_replace_and_noreplace_refuses() {
        let mut vm = VmSpace::new();
        let va = anon(&mut vm, 2 * PAGE_SIZE, Prot::READ | Prot::WRITE);
        vm.write_bytes(va, b"old").unwrap();
        let again = vm.mmap(va, PAGE_SIZE, Prot::READ, true, false, VmaBacking::Anonymous, String::new()).unwrap();
        assert_eq!(again, va);
        let mut buf = [9u8; 3];
        vm.read_bytes(va, &mut buf).unwrap();
        assert_eq!(buf, [0; 3]);
        let err = vm.mmap(va, PAGE_SIZE, Prot::READ, false, true, VmaBacking::Anonymous, String::new());
        assert_eq!(err.unwrap_err().errno, Errno::EEXIST);
    }

    #[test]
    fn brk_grows_and_shrinks() {
        let mut vm = VmSpace::new();
        vm.init_brk(0x10_0000);
        assert_eq!(vm.brk(0), 0x10_0000);
        assert_eq!(vm.brk(0x10_0000 + 5000), 0x10_0000 + 5000);
        vm.write_bytes(0x10_0000 + 4999, b"z").unwrap();
        assert_eq!(vm.brk(0x10_0000 + 10), 0x10_0000 + 10);
        assert!(vm.write_bytes(0x10_0000 + 4999, b"z").is_err());
        assert_eq!(vm.brk(0x1000), 0x10_0000 + 10, "below the start fails");
    }

    /// A ramfs file holding `data`, and it as a mapping sees it.
    fn cache_file(data: &[u8]) -> (Arc<dyn crate::fs::vfs::INode>, Arc<dyn MmapSource>) {
        use crate::fs::vfs::FileType;
        let fs = crate::fs::ramfs::RamFs::new(crate::fs::ramfs::TMPFS_MAGIC, 0o777);
        let inode = fs.root().create("f", FileType::Regular, 0o644, 0, 0, 0).unwrap();
        assert_eq!(inode.write_at(0, data).unwrap(), data.len());
        let source: Arc<dyn MmapSource> = Arc::new(crate::fs::file::InodeSource(inode.clone()));
        (inode, source)
    }

    fn file_map(vm: &mut VmSpace, source: &Arc<dyn MmapSource>, pages: usize, shared: bool) -> usize {
        let backing = VmaBacking::File { source: source.clone(), offset: 0, shared, may_write: true };
        vm.mmap(0, pages * PAGE_SIZE, Prot::READ | Prot::WRITE, false, false, backing, String::new()).unwrap()
    }

    #[test]
    fn file_mappings_show_the_page_cache() {
        let (inode, file) = cache_file(b"0123456789");
        let mut vm = VmSpace::new();
        let private = file_map(&mut vm, &file, 1, false);
        let untouched = file_map(&mut vm, &file, 1, false);
        let shared = file_map(&mut vm, &file, 1, true);
        let mut buf = [0u8; 12];
        vm.read_bytes(private, &mut buf).unwrap();
        assert_eq!(&buf, b"0123456789\0\0");
        let (pa_private, _) = vm.query(private).unwrap();
        vm.read_bytes(shared, &mut buf[..1]).unwrap();
        assert_eq!(vm.query(shared).unwrap().0, pa_private, "one frame: the cache's");
        vm.write_bytes(private, b"X").unwrap();
        assert_ne!(vm.query(private).unwrap().0, pa_private, "a private write copies the page");
        vm.write_bytes(shared + 2, b"AB").unwrap();
        let mut data = [0u8; 10];
        inode.read_at(0, &mut data).unwrap();
        assert_eq!(&data, b"01AB456789", "shared stores are the file's data at once, before any munmap");
        inode.write_at(5, b"w").unwrap();
        vm.read_bytes(untouched, &mut buf[..10]).unwrap();
        assert_eq!(&buf[..10], b"01AB4w6789", "an uncopied private page shows write(2)s");
        vm.read_bytes(private, &mut buf[..10]).unwrap();
        assert_eq!(&buf[..10], b"X123456789", "a copied one does not");
        // (mapped_cache_pages counts every registered space, other tests'
        // too when they run in parallel: checked with >= in the next test.)
    }

    #[test]
    fn truncation_unmaps_and_a_touch_past_the_end_is_sigbus() {
        let (inode, file) = cache_file(&[7u8; 3 * PAGE_SIZE]);
        let vm = VmSpace::new().into_shared();
        let (shared, private) = {
            let mut vm = vm.lock();
            (file_map(&mut vm, &file, 3, true), file_map(&mut vm, &file, 3, false))
        };
        let mut byte = [0u8];
        for page in 0..3 {
            let mut vm = vm.lock();
            vm.read_bytes(shared + page * PAGE_SIZE, &mut byte).unwrap();
            vm.write_bytes(private + page * PAGE_SIZE, b"p").unwrap();
        }
        assert!(mapped_cache_pages() >= 3);
        inode.truncate(PAGE_SIZE as u64 + 1).unwrap();
        let mut vm = vm.lock();
        assert_eq!(vm.handle_fault(shared + 2 * PAGE_SIZE, Access::Read).unwrap_err().errno, Errno::EIO);
        assert_eq!(vm.handle_fault(private + 2 * PAGE_SIZE, Access::Read).unwrap_err().errno, Errno::EIO, "private copies go too");
        vm.read_bytes(shared + PAGE_SIZE, &mut byte).unwrap();
        assert_eq!(byte[0], 7);
        vm.read_bytes(shared + PAGE_SIZE + 1, &mut byte).unwrap();
        assert_eq!(byte[0], 0, "the tail of the last page reads zeros");
        vm.read_bytes(private + PAGE_SIZE, &mut byte).unwrap();
        assert_eq!(byte[0], b'p', "a private copy within the file stays");
    }

    #[test]
    fn a_punched_hole_reads_zeros_through_a_shared_mapping_only() {
        let (inode, file) = cache_file(&[5u8; 2 * PAGE_SIZE]);
        let vm = VmSpace::new().into_shared();
        let mut guard = vm.lock();
        let (shared, private) = (file_map(&mut guard, &file, 2, true), file_map(&mut guard, &file, 2, false));
        guard.write_bytes(private, b"q").unwrap();
        let mut byte = [0u8];
        guard.read_bytes(shared, &mut byte).unwrap();
        drop(guard);
        inode.fallocate(crate::fs::vfs::FALLOC_FL_PUNCH_HOLE | crate::fs::vfs::FALLOC_FL_KEEP_SIZE, 0, PAGE_SIZE as u64).unwrap();
        assert_eq!(inode.metadata().size, 2 * PAGE_SIZE as u64);
        let mut guard = vm.lock();
        guard.read_bytes(shared, &mut byte).unwrap();
        assert_eq!(byte[0], 0);
        guard.read_bytes(private, &mut byte).unwrap();
        assert_eq!(byte[0], b'q', "a private copy survives a hole punch");
    }

    #[test]
    fn a_read_fault_maps_the_cached_pages_around_it() {
        let (_inode, file) = cache_file(&[1u8; 40 * PAGE_SIZE]);
        let mut vm = VmSpace::new();
        let va = 0x1000_0000; // the window is aligned in the address space
        let backing = VmaBacking::File { source: file.clone(), offset: 0, shared: false, may_write: true };
        vm.mmap(va, 40 * PAGE_SIZE, Prot::READ | Prot::WRITE, true, false, backing, String::new()).unwrap();
        let mut byte = [0u8];
        vm.read_bytes(va + 3 * PAGE_SIZE, &mut byte).unwrap();
        assert_eq!(vm.resident_bytes(), FAULT_AROUND_PAGES * PAGE_SIZE, "one fault, the aligned window mapped");
        assert_eq!(vm.residency(va, 40).iter().filter(|&&r| r).count(), 40, "mincore counts cached pages too");
        assert!(vm.write_bytes(va + 5 * PAGE_SIZE, b"w").is_ok(), "a page mapped around is copied on write");
    }

    #[test]
    fn mremap_grows_in_place_or_moves_the_pages() {
        let mut vm = VmSpace::new();
        let va = anon(&mut vm, 2 * PAGE_SIZE, Prot::READ | Prot::WRITE);
        vm.write_bytes(va, b"kept").unwrap();
        let pa = vm.query(va).unwrap().0;
        // Something right after it: growing must move.
        let blocker = va + 2 * PAGE_SIZE;
        vm.mmap(blocker, PAGE_SIZE, Prot::READ, true, false, VmaBacking::Anonymous, String::new()).unwrap();
        assert_eq!(vm.mremap(va, 2 * PAGE_SIZE, 4 * PAGE_SIZE, false, None, false).unwrap_err().errno, Errno::ENOMEM);
        let moved = vm.mremap(va, 2 * PAGE_SIZE, 4 * PAGE_SIZE, true, None, false).unwrap();
        assert_ne!(moved, va);
        assert_eq!(vm.query(moved).unwrap().0, pa, "the frame moved, not a copy");
        assert!(vm.query(va).is_none() && !vm.covers(va, va + PAGE_SIZE), "the old range is gone");
        let mut buf = [0u8; 4];
        vm.read_bytes(moved, &mut buf).unwrap();
        assert_eq!(&buf, b"kept");
        assert_eq!(vm.mremap(moved, 4 * PAGE_SIZE, PAGE_SIZE, false, None, false).unwrap(), moved, "shrinking stays");
        assert!(!vm.covers(moved + PAGE_SIZE, moved + 2 * PAGE_SIZE));
        assert_eq!(vm.mremap(moved, PAGE_SIZE, 3 * PAGE_SIZE, false, None, false).unwrap(), moved, "growing into free space stays");
        assert_eq!(vm.mremap(moved, 0, PAGE_SIZE, true, None, false).unwrap_err().errno, Errno::EINVAL, "no duplicate of private memory");
    }

    #[test]
    fn read_cstr_stops_at_nul_and_limit() {
        let mut vm = VmSpace::new();
        let va = anon(&mut vm, 2 * PAGE_SIZE, Prot::READ | Prot::WRITE);
        vm.write_bytes(va + PAGE_SIZE - 3, b"abcdef\0").unwrap();
        assert_eq!(vm.read_cstr(va + PAGE_SIZE - 3, 100).unwrap(), b"abcdef");
        assert_eq!(vm.read_cstr(va + PAGE_SIZE - 3, 3).unwrap_err().errno, Errno::ENAMETOOLONG);
    }
}
