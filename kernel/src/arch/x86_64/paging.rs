//! x86-64 4-level page tables (Intel SDM vol. 3, chapter 4.5).
//!
//! Four levels of 512 entries; a leaf in a page directory (PS bit) maps
//! 2 MiB, in a page table 4 KiB. The kernel image lives in the top 2 GiB, at
//! `PHYS_VIRT_OFFSET + pa` (the "kernel" code model needs it there), with
//! per-section rights; all RAM the frame allocator can hand out (4 GiB) is
//! in the direct map at `DIRECT_MAP + pa`, as Linux's `__PAGE_OFFSET`.
//! The boot table maps the first 2 GiB in both places.

use crate::memory::{KernelLayout, PAGE_SIZE, frame};

pub const PHYS_VIRT_OFFSET: u64 = 0xffff_ffff_8000_0000;
/// Where all physical memory is mapped (Linux's 4-level `__PAGE_OFFSET`).
pub const DIRECT_MAP: u64 = 0xffff_8880_0000_0000;
/// How much physical memory the direct map covers: what the frame
/// allocator can use.
pub const DIRECT_MAP_SIZE: usize = 4 << 30;
/// Physical RAM starts at 0 on a PC (the frame allocator skips what lies
/// below the kernel image).
pub const RAM_BASE: usize = 0;

const P: u64 = 1 << 0;
const RW: u64 = 1 << 1;
const US: u64 = 1 << 2;
const A: u64 = 1 << 5;
const D: u64 = 1 << 6;
const PS: u64 = 1 << 7;
const G: u64 = 1 << 8;
const NX: u64 = 1 << 63;
const ADDR: u64 = 0x000f_ffff_ffff_f000;

const MIB2: usize = 2 << 20;

pub use crate::arch::common::{Perm, phys_to_virt, virt_to_phys};

impl Perm {
    fn bits(self) -> u64 {
        P | G | A | D
            | match self {
                Perm::ReadExecute => 0,
                Perm::Read => NX,
                Perm::ReadWrite => RW | NX,
            }
    }
}

fn table_at(pa: usize) -> &'static mut [u64; 512] {
    // SAFETY: `pa` is a page-table frame this module allocated (zeroed, 4 KiB
    // aligned) and owns, reached through the linear map; tables are changed
    // on one CPU with interrupts off.
    unsafe { &mut *(phys_to_virt(pa) as *mut [u64; 512]) }
}

fn index(va: usize, level: usize) -> usize {
    (va >> (12 + 9 * level)) & 0x1ff
}

/// The entry at `level` (0 = page table) for `va` under root `root_pa`,
/// creating the tables above it when `create` (with `upper` bits on the
/// intermediate entries).
fn walk(root_pa: usize, va: usize, level: usize, create: bool, upper: u64) -> Option<&'static mut u64> {
    let mut table_pa = root_pa;
    for l in (level + 1..=3).rev() {
        let entry = &mut table_at(table_pa)[index(va, l)];
        if *entry & P != 0 && *entry & PS != 0 {
            return None; // a large page, not a table (the kernel's direct map)
        }
        if *entry & P == 0 {
            if !create {
                return None;
            }
            let next = frame::alloc_zeroed()?;
            *entry = next as u64 | upper;
        }
        table_pa = (*entry & ADDR) as usize;
    }
    Some(&mut table_at(table_pa)[index(va, level)])
}

/// Builds the kernel page table: the kernel image at its link address with
/// text RX, rodata R, data/bss RW (NX everywhere but text), and the direct
/// map over RAM and what the boot loader put there (RW, NX), in 2 MiB
/// pages. Then switches to it; the boot identity map is gone afterwards.
pub fn init_kernel_page_table(boot: &crate::boot::BootInfo, layout: &KernelLayout) {
    let root = frame::alloc_zeroed().expect("no frame for the kernel page table");
    let image = virt_to_phys(layout.text.start) & !(PAGE_SIZE - 1)..virt_to_phys(layout.data.end).next_multiple_of(PAGE_SIZE);
    for pa in image.step_by(PAGE_SIZE) {
        let va = PHYS_VIRT_OFFSET as usize + pa;
        let perm = layout.perm_of(va).unwrap_or(Perm::ReadWrite);
        let entry = walk(root, va, 0, true, P | RW).expect("out of frames mapping the kernel");
        *entry = pa as u64 | perm.bits();
    }
    let ends = boot.memory.iter().chain(boot.reserved.iter()).map(|r| r.end).chain(boot.initrd.iter().map(|r| r.end));
    let direct_end = ends.max().unwrap_or(0).min(DIRECT_MAP_SIZE).next_multiple_of(MIB2);
    for pa in (0..direct_end).step_by(MIB2) {
        let entry = walk(root, phys_to_virt(pa), 1, true, P | RW).expect("out of frames mapping RAM");
        *entry = pa as u64 | Perm::ReadWrite.bits() | PS;
    }
    KERNEL_ROOT.store(root, core::sync::atomic::Ordering::Relaxed);
    // SAFETY: the new table maps everything the kernel uses (image, stack,
    // heap, frames) at the same addresses as the boot table.
    unsafe { write_cr3(root) };
}

/// Physical address of the kernel's root table, whose upper half every user
/// table shares.
static KERNEL_ROOT: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

/// Root entries from this index up map the kernel (the upper half).
const KERNEL_ROOT_FIRST: usize = 256;

/// # Safety
/// The table at `root` must map the running kernel.
unsafe fn write_cr3(root: usize) {
    // SAFETY: see the function's contract.
    unsafe { core::arch::asm!("mov cr3, {0}", in(reg) root as u64, options(nostack)) };
}

fn read_cr3() -> usize {
    let value: u64;
    // SAFETY: reading CR3 has no side effects.
    unsafe { core::arch::asm!("mov {0}, cr3", out(reg) value, options(nomem, nostack)) };
    (value & ADDR) as usize
}

/// A user address space's table: the lower half is the process's, the upper
/// half points at the kernel's own tables.
pub struct UserPageTable {
    root_pa: usize,
}

impl UserPageTable {
    pub fn new() -> Option<Self> {
        let root_pa = frame::alloc_zeroed()?;
        let kernel = table_at(KERNEL_ROOT.load(core::sync::atomic::Ordering::Relaxed));
        table_at(root_pa)[KERNEL_ROOT_FIRST..].copy_from_slice(&kernel[KERNEL_ROOT_FIRST..]);
        Some(UserPageTable { root_pa })
    }
}

fn flush(va: usize) {
    // SAFETY: invlpg only drops a TLB entry.
    unsafe { core::arch::asm!("invlpg [{0}]", in(reg) va, options(nostack)) };
}

impl UserPageTable {
    /// Whether CR3 holds this table: only then can the TLB hold its
    /// translations (a table being built for execve or fork is not).
    fn is_active(&self) -> bool {
        read_cr3() == self.root_pa
    }

    fn set_entry(&mut self, va: usize, pa: usize, flags: linux_object::hal::MapFlags) -> linux_object::Result<()> {
        use linux_object::hal::MapFlags as F;
        let entry = walk(self.root_pa, va, 0, true, P | RW | US).ok_or(linux_object::Errno::ENOMEM)?;
        if !flags.intersects(F::READ | F::WRITE | F::EXECUTE) {
            // PROT_NONE: keep it unmapped so every access faults.
            *entry = 0;
        } else {
            let mut bits = P | A | D;
            if flags.contains(F::WRITE) {
                bits |= RW;
            }
            if flags.contains(F::USER) {
                bits |= US;
            }
            if !flags.contains(F::EXECUTE) {
                bits |= NX;
            }
            *entry = pa as u64 | bits;
        }
        Ok(())
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

    fn map_fresh(&mut self, va: usize, pa: usize, flags: linux_object::hal::MapFlags) -> linux_object::Result<()> {
        // A not-present entry is never cached: no invlpg.
        self.set_entry(va, pa, flags)
    }

    fn unmap(&mut self, va: usize) {
        if let Some(entry) = walk(self.root_pa, va, 0, false, 0) {
            *entry = 0;
            if self.is_active() {
                flush(va);
            }
        }
    }

    fn token(&self) -> usize {
        self.root_pa
    }

    fn query(&self, va: usize) -> Option<(usize, linux_object::hal::MapFlags)> {
        use linux_object::hal::MapFlags as F;
        let entry = *walk(self.root_pa, va, 0, false, 0)?;
        if entry & P == 0 {
            return None;
        }
        // Every present page is readable on x86.
        let mut flags = F::READ;
        for (flag, on) in [(F::WRITE, entry & RW != 0), (F::EXECUTE, entry & NX == 0), (F::USER, entry & US != 0)] {
            if on {
                flags |= flag;
            }
        }
        Some(((entry & ADDR) as usize, flags))
    }
}

impl Drop for UserPageTable {
    fn drop(&mut self) {
        // Never leave CR3 on a table being freed (see riscv64's paging.rs).
        if read_cr3() == self.root_pa {
            // SAFETY: the kernel table maps everything the kernel uses.
            unsafe { write_cr3(KERNEL_ROOT.load(core::sync::atomic::Ordering::Relaxed)) };
        }
        // Frees the table frames of the lower half; the leaves' frames belong
        // to the address space's VMAs.
        fn free_below(table_pa: usize, level: usize) {
            if level > 0 {
                for entry in table_at(table_pa).iter() {
                    if entry & P != 0 {
                        free_below((entry & ADDR) as usize, level - 1);
                    }
                }
            }
            frame::free_contiguous(table_pa, 1);
        }
        for entry in &table_at(self.root_pa)[..KERNEL_ROOT_FIRST] {
            if entry & P != 0 {
                free_below((entry & ADDR) as usize, 2);
            }
        }
        frame::free_contiguous(self.root_pa, 1);
    }
}

/// Switches to the table `token` names (a `UserPageTable::token`), unless
/// it is already active.
pub fn activate_token(token: usize) {
    if read_cr3() == token {
        return;
    }
    // SAFETY: every user table shares the kernel half.
    unsafe { write_cr3(token) };
}
