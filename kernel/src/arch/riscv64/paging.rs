//! Sv39 page tables (RISC-V privileged spec, chapter "Sv39").
//!
//! Three levels of 512 entries; a leaf at level 2 maps 1 GiB, at level 1
//! 2 MiB, at level 0 4 KiB. The kernel lives in the upper half: all of
//! physical memory is mapped at `PHYS_VIRT_OFFSET + pa`, and the kernel image
//! is part of that window, mapped with per-section permissions.

use crate::memory::{frame, KernelLayout, PAGE_SIZE};

pub const PHYS_VIRT_OFFSET: u64 = 0xffff_ffc0_0000_0000;
/// All of physical memory, the image included, is in the one linear map.
pub const DIRECT_MAP: u64 = PHYS_VIRT_OFFSET;
/// Where RAM starts on QEMU virt.
pub const RAM_BASE: usize = 0x8000_0000;

pub const PTE_V: u64 = 1 << 0;
pub const PTE_R: u64 = 1 << 1;
pub const PTE_W: u64 = 1 << 2;
pub const PTE_X: u64 = 1 << 3;
#[allow(dead_code)] // user pages arrive with user space
pub const PTE_U: u64 = 1 << 4;
pub const PTE_G: u64 = 1 << 5;
pub const PTE_A: u64 = 1 << 6;
pub const PTE_D: u64 = 1 << 7;

const MIB2: usize = 2 << 20;
const GIB: usize = 1 << 30;

pub use crate::arch::common::{Perm, phys_to_virt, virt_to_phys};

impl Perm {
    fn bits(self) -> u64 {
        // A and D preset: the kernel never relies on the hardware setting them.
        let base = PTE_V | PTE_G | PTE_A | PTE_D;
        base | match self {
            Perm::ReadExecute => PTE_R | PTE_X,
            Perm::Read => PTE_R,
            Perm::ReadWrite => PTE_R | PTE_W,
        }
    }
}

/// A page table rooted at a physical frame.
pub struct PageTable {
    root_pa: usize,
}

fn table_at(pa: usize) -> &'static mut [u64; 512] {
    // SAFETY: `pa` is a page-table frame this module allocated (zeroed, 4 KiB
    // aligned) and owns; it is reached through the linear map; the kernel
    // page table is built on one hart before anyone else uses it.
    unsafe { &mut *(phys_to_virt(pa) as *mut [u64; 512]) }
}

impl PageTable {
    pub fn new() -> Option<Self> {
        Some(PageTable { root_pa: frame::alloc_zeroed()? })
    }

    /// Maps `[va, va + size)` to `[pa, pa + size)` with leaves of `size`
    /// (4 KiB, 2 MiB or 1 GiB). Returns `None` when out of frames.
    fn map_leaf(&mut self, va: usize, pa: usize, size: usize, perm: Perm) -> Option<()> {
        let leaf_level = match size {
            PAGE_SIZE => 0,
            MIB2 => 1,
            GIB => 2,
            _ => unreachable!("no Sv39 leaf of {size:#x} bytes"),
        };
        let mut table_pa = self.root_pa;
        for level in (leaf_level + 1..=2).rev() {
            let index = (va >> (12 + 9 * level)) & 0x1ff;
            let entry = &mut table_at(table_pa)[index];
            if *entry & PTE_V == 0 {
                let next = frame::alloc_zeroed()?;
                *entry = ((next as u64) >> 12 << 10) | PTE_V;
            }
            table_pa = ((*entry >> 10) << 12) as usize;
        }
        let index = (va >> (12 + 9 * leaf_level)) & 0x1ff;
        table_at(table_pa)[index] = ((pa as u64) >> 12 << 10) | perm.bits();
        Some(())
    }

    /// Maps physical `range` into the linear window, choosing the largest
    /// leaves that fit; `perm_of(pa)` decides each 4 KiB page's rights, and
    /// no large page may overlap `image` (the physical range where
    /// `perm_of` says anything), whose pages are mapped one by one. (A
    /// check of a large page's two ends alone let a 1 GiB page swallow the
    /// whole kernel, without execute rights, once RAM reached 1 GiB.)
    fn map_linear(
        &mut self,
        range: core::ops::Range<usize>,
        image: core::ops::Range<usize>,
        perm_of: &dyn Fn(usize) -> Option<Perm>,
    ) -> Option<()> {
        let mut pa = range.start & !(PAGE_SIZE - 1);
        while pa < range.end {
            let uniform = |size: usize| {
                pa % size == 0 && pa + size <= range.end && (pa + size <= image.start || pa >= image.end)
            };
            let size = if uniform(GIB) {
                GIB
            } else if uniform(MIB2) {
                MIB2
            } else {
                PAGE_SIZE
            };
            let perm = perm_of(pa).unwrap_or(Perm::ReadWrite);
            self.map_leaf(phys_to_virt(pa), pa, size, perm)?;
            pa += size;
        }
        Some(())
    }

    /// Makes this table the active one on this hart.
    ///
    /// # Safety
    /// The table must map the running code, stack and everything the kernel
    /// touches afterwards at the addresses it uses them.
    pub unsafe fn activate(&self) {
        // SAFETY: the caller guarantees the new table maps the kernel.
        unsafe {
            riscv::register::satp::set(riscv::register::satp::Mode::Sv39, 0, self.root_pa >> 12);
        }
        riscv::asm::sfence_vma_all();
        ACTIVE_SATP.store((8 << 60) | (self.root_pa >> 12), core::sync::atomic::Ordering::Relaxed);
    }
}

/// Builds the kernel page table: MMIO below RAM, all of RAM, and the kernel
/// image with text RX, rodata R, data/bss RW. Then switches to it.
pub fn init_kernel_page_table(boot: &crate::boot::BootInfo, layout: &KernelLayout) {
    let ram = boot.memory.iter().next().expect("the device tree lists no memory");
    let mut table = PageTable::new().expect("no frame for the kernel page table");
    let image_perm = |pa: usize| layout.perm_of(phys_to_virt(pa));
    // QEMU virt puts every device below RAM (UART 0x1000_0000, PLIC, virtio).
    let image = virt_to_phys(layout.text.start)..virt_to_phys(layout.data.end);
    table.map_linear(0..ram.start, 0..0, &|_| None).expect("out of frames mapping MMIO");
    table.map_linear(ram, image, &image_perm).expect("out of frames mapping RAM");
    // SAFETY: the table maps all RAM (code, stack, heap, frames) at the same
    // linear addresses as the boot table, and MMIO below it.
    unsafe { table.activate() };
    KERNEL_ROOT.store(table.root_pa, core::sync::atomic::Ordering::Relaxed);
    // The page table stays alive for as long as the kernel runs.
    core::mem::forget(table);
}

/// Physical address of the kernel's root table, whose upper half every user
/// table shares.
static KERNEL_ROOT: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

/// Root entries from this index up map the kernel (the upper half).
const KERNEL_ROOT_FIRST: usize = 256;
/// The end of the user half: root entries from KERNEL_ROOT_FIRST on are
/// the kernel's (Sv39: 256 GiB below, the sign-extended rest above).
const USER_HALF_END: usize = KERNEL_ROOT_FIRST << 30;

/// A user address space's Sv39 table: the lower half is the process's, the
/// upper half points at the kernel's own second-level tables.
pub struct UserPageTable {
    root_pa: usize,
}

impl UserPageTable {
    pub fn new() -> Option<Self> {
        let root_pa = frame::alloc_zeroed()?;
        let kernel = table_at(KERNEL_ROOT.load(core::sync::atomic::Ordering::Relaxed));
        let root = table_at(root_pa);
        root[KERNEL_ROOT_FIRST..].copy_from_slice(&kernel[KERNEL_ROOT_FIRST..]);
        Some(UserPageTable { root_pa })
    }

    /// The leaf entry for `va`, creating intermediate tables when `create`.
    fn leaf(&mut self, va: usize, create: bool) -> Option<&'static mut u64> {
        if va >= USER_HALF_END {
            return None;
        }
        let mut table_pa = self.root_pa;
        for level in [2, 1] {
            let entry = &mut table_at(table_pa)[(va >> (12 + 9 * level)) & 0x1ff];
            if *entry & (PTE_R | PTE_W | PTE_X) != 0 {
                return None; // a superpage: user tables have none
            }
            if *entry & PTE_V == 0 {
                if !create {
                    return None;
                }
                let next = frame::alloc_zeroed()?;
                *entry = ((next as u64) >> 12 << 10) | PTE_V;
            }
            table_pa = ((*entry >> 10) << 12) as usize;
        }
        Some(&mut table_at(table_pa)[(va >> 12) & 0x1ff])
    }
}

fn flush(va: usize) {
    riscv::asm::sfence_vma(0, va);
}

impl UserPageTable {
    /// Whether the MMU runs on this table now: only then can the TLB hold
    /// its translations. (QEMU's `sfence.vma` drops the whole TLB, address
    /// or not, so every flush skipped counts.)
    fn is_active(&self) -> bool {
        use linux_object::hal::PageTable as _;
        active_satp() == self.token()
    }

    fn set_entry(&mut self, va: usize, pa: usize, flags: linux_object::hal::MapFlags) -> linux_object::Result<()> {
        use linux_object::hal::MapFlags as F;
        let entry = self.leaf(va, true).ok_or(linux_object::Errno::ENOMEM)?;
        let mut bits = PTE_V | PTE_A | PTE_D;
        for (flag, bit) in [(F::READ, PTE_R), (F::WRITE, PTE_W), (F::EXECUTE, PTE_X), (F::USER, PTE_U)] {
            if flags.contains(flag) {
                bits |= bit;
            }
        }
        if bits & (PTE_R | PTE_W | PTE_X) == 0 {
            // PROT_NONE: keep it unmapped so every access faults.
            *entry = 0;
        } else {
            *entry = ((pa as u64) >> 12 << 10) | bits;
        }
        Ok(())
    }

    /// Clears the entry of `va`; whether there was one.
    fn clear_entry(&mut self, va: usize) -> bool {
        match self.leaf(va, false) {
            Some(entry) => {
                *entry = 0;
                true
            }
            None => false,
        }
    }
}

impl linux_object::hal::PageTable for UserPageTable {
    fn map(&mut self, va: usize, pa: usize, flags: linux_object::hal::MapFlags) -> linux_object::Result<()> {
        self.set_entry(va, pa, flags)?;
        if self.is_active() {
            flush(va);
        }
        Ok(())
    }

    fn unmap(&mut self, va: usize) {
        if self.clear_entry(va) && self.is_active() {
            flush(va);
        }
    }

    fn map_batched(&mut self, va: usize, pa: usize, flags: linux_object::hal::MapFlags) -> linux_object::Result<()> {
        self.set_entry(va, pa, flags)
    }

    fn unmap_batched(&mut self, va: usize) {
        self.clear_entry(va);
    }

    fn map_fresh(&mut self, va: usize, pa: usize, flags: linux_object::hal::MapFlags) -> linux_object::Result<()> {
        self.set_entry(va, pa, flags)
    }

    fn flush_all(&mut self) {
        if self.is_active() {
            riscv::asm::sfence_vma_all();
        }
    }

    fn token(&self) -> usize {
        (8 << 60) | (self.root_pa >> 12)
    }

    fn query(&self, va: usize) -> Option<(usize, linux_object::hal::MapFlags)> {
        use linux_object::hal::MapFlags as F;
        // The user half only: the kernel half's root entries are leaves
        // (gigapages), not tables to walk.
        if va >= USER_HALF_END {
            return None;
        }
        // `leaf` needs &mut only to create tables; a lookup creates none.
        let mut table_pa = self.root_pa;
        for level in [2, 1] {
            let entry = table_at(table_pa)[(va >> (12 + 9 * level)) & 0x1ff];
            if entry & PTE_V == 0 || entry & (PTE_R | PTE_W | PTE_X) != 0 {
                return None;
            }
            table_pa = ((entry >> 10) << 12) as usize;
        }
        let entry = table_at(table_pa)[(va >> 12) & 0x1ff];
        if entry & PTE_V == 0 {
            return None;
        }
        let mut flags = F::empty();
        for (flag, bit) in [(F::READ, PTE_R), (F::WRITE, PTE_W), (F::EXECUTE, PTE_X), (F::USER, PTE_U)] {
            if entry & bit != 0 {
                flags |= flag;
            }
        }
        Some((((entry >> 10) << 12) as usize, flags))
    }
}

impl Drop for UserPageTable {
    fn drop(&mut self) {
        // Never leave the MMU on a table being freed: a new table reusing
        // its root frame would look "already active" and skip the TLB flush.
        use linux_object::hal::PageTable as _;
        if active_satp() == self.token() {
            let kernel = (8 << 60) | (KERNEL_ROOT.load(core::sync::atomic::Ordering::Relaxed) >> 12);
            // SAFETY: the kernel table maps everything the kernel uses.
            unsafe { core::arch::asm!("csrw satp, {0}", "sfence.vma", in(reg) kernel) };
            ACTIVE_SATP.store(kernel, core::sync::atomic::Ordering::Relaxed);
        }
        // Frees the table frames of the lower half; the leaves' frames belong
        // to the address space's VMAs.
        let root = table_at(self.root_pa);
        for entry in &root[..KERNEL_ROOT_FIRST] {
            if entry & PTE_V == 0 {
                continue;
            }
            let mid_pa = ((entry >> 10) << 12) as usize;
            for mid in table_at(mid_pa).iter() {
                if mid & PTE_V != 0 && mid & (PTE_R | PTE_W | PTE_X) == 0 {
                    frame::free_contiguous(((mid >> 10) << 12) as usize, 1);
                }
            }
            frame::free_contiguous(mid_pa, 1);
        }
        frame::free_contiguous(self.root_pa, 1);
    }
}

/// Switches the MMU to the table `token` names (a `UserPageTable::token`),
/// unless it is already active.
pub fn activate_token(token: usize) {
    if active_satp() == token {
        return;
    }
    // SAFETY: every user table shares the kernel half, so the kernel keeps
    // running at the same addresses.
    unsafe { core::arch::asm!("csrw satp, {0}", "sfence.vma", in(reg) token) };
    ACTIVE_SATP.store(token, core::sync::atomic::Ordering::Relaxed);
}

/// What satp holds, as last written here (0: not known yet, read the CSR):
/// reading the CSR on every return to user mode costs more than a load.
static ACTIVE_SATP: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

fn active_satp() -> usize {
    match ACTIVE_SATP.load(core::sync::atomic::Ordering::Relaxed) {
        0 => riscv::register::satp::read().bits(),
        known => known,
    }
}
