//! x86-64 4-level page tables (Intel SDM vol. 3, chapter 4.5).
//!
//! Four levels of 512 entries; a leaf in a page directory (PS bit) maps
//! 2 MiB, in a page table 4 KiB. The kernel lives in the top 2 GiB: physical
//! [0, 2 GiB) is mapped at `PHYS_VIRT_OFFSET + pa` (the "kernel" code model
//! needs the image there), the image itself with per-section rights.

use crate::memory::{KernelLayout, PAGE_SIZE, frame};

pub const PHYS_VIRT_OFFSET: u64 = 0xffff_ffff_8000_0000;
/// Physical RAM starts at 0 on a PC (the frame allocator skips what lies
/// below the kernel image).
pub const RAM_BASE: usize = 0;
/// How much physical memory the linear window covers.
pub const LINEAR_WINDOW: usize = 2 << 30;

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

/// Builds the kernel page table: physical [0, 2 GiB) in the linear window,
/// the kernel image with text RX, rodata R, data/bss RW (NX everywhere but
/// text). Then switches to it; the boot identity map is gone afterwards.
pub fn init_kernel_page_table(_ram: core::ops::Range<usize>, layout: &KernelLayout) {
    let root = frame::alloc_zeroed().expect("no frame for the kernel page table");
    let image_perm = |pa: usize| layout.perm_of(phys_to_virt(pa));
    let mut pa = 0;
    while pa < LINEAR_WINDOW {
        let uniform = pa % MIB2 == 0 && image_perm(pa).is_none() && image_perm(pa + MIB2 - PAGE_SIZE).is_none();
        let (size, level) = if uniform { (MIB2, 1) } else { (PAGE_SIZE, 0) };
        let perm = image_perm(pa).unwrap_or(Perm::ReadWrite);
        let entry = walk(root, phys_to_virt(pa), level, true, P | RW).expect("out of frames mapping the kernel");
        *entry = pa as u64 | perm.bits() | if level == 1 { PS } else { 0 };
        pa += size;
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

impl linux_object::hal::PageTable for UserPageTable {
    fn map(&mut self, va: usize, pa: usize, flags: linux_object::hal::MapFlags) -> linux_object::Result<()> {
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
        flush(va);
        Ok(())
    }

    fn unmap(&mut self, va: usize) {
        if let Some(entry) = walk(self.root_pa, va, 0, false, 0) {
            *entry = 0;
            flush(va);
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
