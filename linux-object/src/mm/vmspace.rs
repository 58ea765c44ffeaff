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
use alloc::sync::Arc;

use super::vma::{Prot, SharedObject, Vma, VmaBacking};
use super::{Frame, PAGE_SIZE, page_ceil, page_floor};
use crate::error::{Errno, Error, Result};
use crate::hal::{MapFlags, PageTable, PhysAddr, hal};

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

/// The kind of access that faulted (or that a kernel copy performs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    Execute,
}

pub struct VmSpace {
    /// start → VMA, non-overlapping, sorted.
    vmas: BTreeMap<usize, Vma>,
    page_table: Box<dyn PageTable>,
    /// Start of the heap (end of the loaded program), set by the ELF loader.
    brk_start: usize,
    /// Current program break (may be unaligned).
    brk: usize,
}

impl VmSpace {
    pub fn new() -> Self {
        VmSpace { vmas: BTreeMap::new(), page_table: hal().new_page_table(), brk_start: 0, brk: 0 }
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
                    self.page_table.unmap(va);
                }
            }
        }
        Ok(())
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
        // The range must be covered without holes.
        let mut cursor = addr;
        while cursor < end {
            match self.find(cursor) {
                Some(vma) => cursor = vma.end,
                None => return Err(Errno::ENOMEM.into()),
            }
        }
        self.split_at(addr)?;
        self.split_at(end)?;
        for vma in self.vmas.range_mut(addr..end).map(|(_, v)| v) {
            vma.prot = prot;
            for (&va, frame) in &vma.pages {
                let flags = Self::hw_flags(prot, Self::exclusive(vma, frame));
                self.page_table.map(va, frame.paddr(), flags)?;
            }
        }
        Ok(())
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
    /// Returns the frame's physical address; `EFAULT` means "deliver SIGSEGV".
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
        match vma.pages.get(&page) {
            Some(frame) if access == Access::Write && !Self::exclusive(vma, frame) => {
                // Copy-on-write: the page is still shared with another space.
                let copy = Arc::new(frame.duplicate()?);
                vma.pages.insert(page, copy);
            }
            Some(_) => {}
            None => {
                let frame = vma.populate(page)?;
                vma.pages.insert(page, frame);
            }
        }
        // Look the frame up again rather than keep a clone: a clone would
        // count as a second owner and make the page look shared.
        let frame = &vma.pages[&page];
        let (pa, flags) = (frame.paddr(), Self::hw_flags(vma.prot, Self::exclusive(vma, frame)));
        self.page_table.map(page, pa, flags)?;
        Ok(pa)
    }

    /// dup_mmap: a copy of this space for fork(2). Private pages become
    /// copy-on-write in both spaces; shared ones stay shared.
    pub fn fork(&mut self) -> Result<VmSpace> {
        let mut child = VmSpace::new();
        child.brk_start = self.brk_start;
        child.brk = self.brk;
        for vma in self.vmas.values() {
            for (&va, frame) in &vma.pages {
                let flags = Self::hw_flags(vma.prot, vma.is_shared());
                child.page_table.map(va, frame.paddr(), flags)?;
                if !vma.is_shared() && vma.prot.contains(Prot::WRITE) {
                    self.page_table.map(va, frame.paddr(), flags)?;
                }
            }
            child.vmas.insert(vma.start, vma.clone());
        }
        Ok(child)
    }

    /// Copies `data` into user memory at `va`, faulting pages in as a user
    /// write would. Fails with `EFAULT` without partial effects past the
    /// first bad page.
    pub fn write_bytes(&mut self, va: usize, data: &[u8]) -> Result<()> {
        check_user_range(va, data.len())?;
        let mut done = 0;
        while done < data.len() {
            let addr = va + done;
            let offset = addr % PAGE_SIZE;
            let chunk = (PAGE_SIZE - offset).min(data.len() - done);
            let pa = self.handle_fault(addr, Access::Write).map_err(efault)?;
            hal().write_phys(pa + offset, &data[done..done + chunk]);
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
            self.handle_fault(addr, Access::Write).map_err(efault)?;
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
            let pa = self.handle_fault(addr, Access::Read).map_err(efault)?;
            hal().read_phys(pa + offset, &mut buf[done..done + chunk]);
            done += chunk;
        }
        Ok(())
    }

    /// Reads a NUL-terminated string of at most `max` bytes (without the
    /// NUL); `ENAMETOOLONG` if there is no NUL within `max`.
    pub fn read_cstr(&mut self, va: usize, max: usize) -> Result<alloc::vec::Vec<u8>> {
        let mut out = alloc::vec::Vec::new();
        let mut addr = va;
        loop {
            let chunk = PAGE_SIZE - addr % PAGE_SIZE;
            let mut buf = [0u8; PAGE_SIZE];
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

    /// The shared objects mapped in `[addr, end)`, each with the range of
    /// its page indices the range covers, and whether every page of the
    /// range is mapped (msync(2) syncs what is there and reports `ENOMEM`
    /// for holes). The caller writes back without holding this space's
    /// lock.
    pub fn shared_in(&self, addr: usize, end: usize) -> (alloc::vec::Vec<(Arc<SharedObject>, core::ops::Range<usize>)>, bool) {
        let mut found = alloc::vec::Vec::new();
        let mut covered = addr;
        for vma in self.vmas.values() {
            if vma.end <= addr || vma.start >= end {
                continue;
            }
            if vma.start > covered {
                break;
            }
            covered = vma.end;
            if let VmaBacking::Shared { object, first_page } = &vma.backing {
                let from = first_page + (addr.max(vma.start) - vma.start) / PAGE_SIZE;
                let to = first_page + (end.min(vma.end) - vma.start) / PAGE_SIZE;
                found.push((object.clone(), from..to));
            }
        }
        (found, covered >= end)
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
            self.page_table.unmap(va);
        }
        Ok(())
    }

    /// The hardware mapping of page `va` (for tests and /proc/PID/pagemap).
    pub fn query(&self, va: usize) -> Option<(PhysAddr, MapFlags)> {
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
    use std::vec::Vec;

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
        let object = super::super::vma::SharedObject::new(None);
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

    struct Bytes(crate::sync::Mutex<Vec<u8>>);
    impl MmapSource for Bytes {
        fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
            let data = self.0.lock();
            let start = (offset as usize).min(data.len());
            let n = buf.len().min(data.len() - start);
            buf[..n].copy_from_slice(&data[start..start + n]);
            Ok(n)
        }
        fn write_at(&self, offset: u64, src: &[u8]) -> Result<usize> {
            let mut data = self.0.lock();
            data[offset as usize..offset as usize + src.len()].copy_from_slice(src);
            Ok(src.len())
        }
        fn size(&self) -> u64 {
            self.0.lock().len() as u64
        }
    }

    #[test]
    fn file_mappings_private_and_shared() {
        let file = Arc::new(Bytes(crate::sync::Mutex::new(b"0123456789".to_vec())));
        let mut vm = VmSpace::new();
        let private = vm
            .mmap(0, PAGE_SIZE, Prot::READ | Prot::WRITE, false, false, VmaBacking::File { source: file.clone(), offset: 0 }, String::new())
            .unwrap();
        let mut buf = [0u8; 12];
        vm.read_bytes(private, &mut buf).unwrap();
        assert_eq!(&buf, b"0123456789\0\0");
        vm.write_bytes(private, b"X").unwrap();
        assert_eq!(file.0.lock()[0], b'0', "private writes stay private");

        let object = super::super::vma::SharedObject::new(Some((file.clone(), 0)));
        let shared = vm
            .mmap(0, PAGE_SIZE, Prot::READ | Prot::WRITE, false, false, VmaBacking::Shared { object, first_page: 0 }, String::new())
            .unwrap();
        vm.write_bytes(shared + 2, b"AB").unwrap();
        vm.munmap(shared, PAGE_SIZE).unwrap();
        assert_eq!(&file.0.lock()[..], b"01AB456789", "shared writes reach the file, size unchanged");
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
