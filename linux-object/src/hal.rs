//! What `linux-object` needs from the machine, as one trait the kernel
//! implements (and host tests implement with plain memory).
//!
//! Physical memory is named by address (`PhysAddr`) and touched only through
//! these calls, so this crate stays free of `unsafe`.

use alloc::boxed::Box;

use crate::error::Result;
use crate::sync::Once;

pub type PhysAddr = usize;
pub const PAGE_SIZE: usize = 4096;

bitflags::bitflags! {
    /// Rights of one user page in the MMU.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct MapFlags: u8 {
        const READ = 1 << 0;
        const WRITE = 1 << 1;
        const EXECUTE = 1 << 2;
        const USER = 1 << 3;
    }
}

/// One address space's hardware page table (user half; the kernel half is
/// shared by all and not visible here).
pub trait PageTable: Send + Sync {
    /// Maps the page at `va` to frame `pa`, replacing any previous mapping.
    fn map(&mut self, va: usize, pa: PhysAddr, flags: MapFlags) -> Result<()>;
    /// Removes the mapping of the page at `va`, if any.
    fn unmap(&mut self, va: usize);
    /// Like [`map`](Self::map) and [`unmap`](Self::unmap), but the TLB may
    /// keep the old translation until [`flush_all`](Self::flush_all): for
    /// changing many pages at once (fork, munmap, mprotect), where one
    /// whole flush is cheaper than one per page (Linux's `flush_tlb_mm`
    /// and `flush_tlb_range` after a batch of PTE changes).
    fn map_batched(&mut self, va: usize, pa: PhysAddr, flags: MapFlags) -> Result<()> {
        self.map(va, pa, flags)
    }
    fn unmap_batched(&mut self, va: usize) {
        self.unmap(va)
    }
    /// Ends a batch: drops this table's stale translations if it is the
    /// active one.
    fn flush_all(&mut self) {}
    /// Maps a page after a fault, without a TLB flush: the new entry
    /// grants the access that faulted, so whatever the TLB still holds
    /// for the page (nothing, an invalid entry, fewer rights) only makes
    /// the access fault again — x86 even drops the entry on the fault —
    /// and the fault handler then finds the access granted and maps with
    /// a flush (a "spurious fault", Linux's `flush_tlb_fix_spurious_fault`).
    fn map_fresh(&mut self, va: usize, pa: PhysAddr, flags: MapFlags) -> Result<()> {
        self.map(va, pa, flags)
    }
    /// The value the MMU is loaded with to switch to this table (satp, CR3).
    fn token(&self) -> usize;
    /// The frame and rights page `va` is mapped with, if any.
    fn query(&self, va: usize) -> Option<(PhysAddr, MapFlags)>;
}

/// The machine, as `linux-object` sees it.
pub trait Hal: Send + Sync {
    /// A zero-filled 4 KiB frame, or `None` when memory is exhausted.
    fn alloc_frame(&self) -> Option<PhysAddr>;
    fn free_frame(&self, pa: PhysAddr);
    /// Reads `buf.len()` bytes at physical `pa` (within one frame).
    fn read_phys(&self, pa: PhysAddr, buf: &mut [u8]);
    /// Writes `data` at physical `pa` (within one frame).
    fn write_phys(&self, pa: PhysAddr, data: &[u8]);
    /// Copies a whole frame.
    fn copy_frame(&self, dst: PhysAddr, src: PhysAddr);
    /// Copies `len` bytes from physical `src` to physical `dst` (each range
    /// within one frame): a file page straight into a user page.
    fn copy_phys(&self, dst: PhysAddr, src: PhysAddr, len: usize) {
        let mut buf = [0u8; 256];
        let mut done = 0;
        while done < len {
            let n = (len - done).min(buf.len());
            self.read_phys(src + done, &mut buf[..n]);
            self.write_phys(dst + done, &buf[..n]);
            done += n;
        }
    }
    /// A new, empty user page table.
    fn new_page_table(&self) -> Box<dyn PageTable>;
    /// Nanoseconds since boot (CLOCK_MONOTONIC before any time namespace).
    fn monotonic_ns(&self) -> u64;
    /// Fills `buf` with random bytes.
    fn fill_random(&self, buf: &mut [u8]);
    /// (total, free) bytes of RAM, for sysinfo(2) and /proc/meminfo.
    fn memory_stats(&self) -> (usize, usize);
    /// The thread running on this CPU (what /proc/self means), if any.
    fn current_thread(&self) -> Option<alloc::sync::Arc<crate::process::Thread>>;
}

static HAL: Once<&'static dyn Hal> = Once::new();

/// Installs the machine; the kernel calls this once at boot.
pub fn init(hal: &'static dyn Hal) {
    HAL.call_once(|| hal);
}

/// The machine. Calling this before [`init`] is a kernel bug.
pub fn hal() -> &'static dyn Hal {
    #[cfg(test)]
    test_hal::install();
    *HAL.get().expect("hal::init has not run")
}

/// A `Hal` over plain heap memory for host tests.
#[cfg(test)]
pub mod test_hal {
    use super::*;
    use std::collections::BTreeMap;
    use std::sync::Mutex;
    use std::vec;
    use std::vec::Vec;

    pub struct TestHal {
        frames: Mutex<(usize, BTreeMap<PhysAddr, Vec<u8>>)>,
    }

    pub struct TestPageTable {
        pub entries: BTreeMap<usize, (PhysAddr, MapFlags)>,
    }

    impl PageTable for TestPageTable {
        fn map(&mut self, va: usize, pa: PhysAddr, flags: MapFlags) -> Result<()> {
            self.entries.insert(va, (pa, flags));
            Ok(())
        }
        fn unmap(&mut self, va: usize) {
            self.entries.remove(&va);
        }
        fn token(&self) -> usize {
            0
        }
        fn query(&self, va: usize) -> Option<(PhysAddr, MapFlags)> {
            self.entries.get(&va).copied()
        }
    }

    impl Hal for TestHal {
        fn alloc_frame(&self) -> Option<PhysAddr> {
            let mut frames = self.frames.lock().unwrap();
            frames.0 += PAGE_SIZE;
            let pa = frames.0;
            frames.1.insert(pa, vec![0; PAGE_SIZE]);
            Some(pa)
        }
        fn free_frame(&self, pa: PhysAddr) {
            assert!(self.frames.lock().unwrap().1.remove(&pa).is_some(), "double free {pa:#x}");
        }
        fn read_phys(&self, pa: PhysAddr, buf: &mut [u8]) {
            let frames = self.frames.lock().unwrap();
            let base = pa & !(PAGE_SIZE - 1);
            let off = pa - base;
            buf.copy_from_slice(&frames.1[&base][off..off + buf.len()]);
        }
        fn write_phys(&self, pa: PhysAddr, data: &[u8]) {
            let mut frames = self.frames.lock().unwrap();
            let base = pa & !(PAGE_SIZE - 1);
            let off = pa - base;
            frames.1.get_mut(&base).unwrap()[off..off + data.len()].copy_from_slice(data);
        }
        fn copy_frame(&self, dst: PhysAddr, src: PhysAddr) {
            let mut frames = self.frames.lock().unwrap();
            let data = frames.1[&src].clone();
            *frames.1.get_mut(&dst).unwrap() = data;
        }
        fn new_page_table(&self) -> Box<dyn PageTable> {
            Box::new(TestPageTable { entries: BTreeMap::new() })
        }
        fn monotonic_ns(&self) -> u64 {
            1_000_000_000
        }
        fn fill_random(&self, buf: &mut [u8]) {
            buf.iter_mut().enumerate().for_each(|(i, b)| *b = i as u8);
        }
        fn memory_stats(&self) -> (usize, usize) {
            (64 << 20, 32 << 20)
        }
        fn current_thread(&self) -> Option<alloc::sync::Arc<crate::process::Thread>> {
            None
        }
    }

    static TEST_HAL: TestHal = TestHal { frames: Mutex::new((0x1000_0000, BTreeMap::new())) };

    pub fn install() {
        HAL.call_once(|| &TEST_HAL);
    }

    /// Frames currently allocated (for leak checks).
    pub fn frames_in_use() -> usize {
        TEST_HAL.frames.lock().unwrap().1.len()
    }
}
