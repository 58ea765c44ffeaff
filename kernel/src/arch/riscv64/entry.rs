//! The first instructions: switch to the high half, then call Rust.

use super::paging::{PHYS_VIRT_OFFSET, PTE_A, PTE_D, PTE_R, PTE_V, PTE_W, PTE_X};

const BOOT_STACK_SIZE: usize = 256 * 1024;

#[repr(C, align(4096))]
struct BootStack([u8; BOOT_STACK_SIZE]);

/// The boot hart's stack. It lives below `__bss_start`, so zeroing the BSS
/// does not wipe the stack we are running on.
#[unsafe(link_section = ".bss.stack")]
static mut BOOT_STACK: BootStack = BootStack([0; BOOT_STACK_SIZE]);

#[repr(C, align(4096))]
struct BootPageTable([u64; 512]);

const GIB: u64 = 1 << 30;
const GIGAPAGE: u64 = PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;

/// Sv39 root table with 1 GiB leaves: physical [2 GiB, 3 GiB) identity
/// mapped (where `_start` runs), and physical [0, 16 GiB) at PHYS_VIRT_OFFSET
/// (where the kernel is linked, plus MMIO). `memory::init` replaces it with a
/// table that has per-section permissions.
#[unsafe(link_section = ".data.boot_page_table")]
static BOOT_PAGE_TABLE: BootPageTable = {
    let mut table = [0u64; 512];
    table[2] = ((2 * GIB) >> 12 << 10) | GIGAPAGE;
    let first = (PHYS_VIRT_OFFSET >> 30) as usize & 0x1ff;
    let mut i = 0;
    while i < 16 {
        table[first + i] = ((i as u64 * GIB) >> 12 << 10) | GIGAPAGE;
        i += 1;
    }
    BootPageTable(table)
};

core::arch::global_asm!(
    r#"
    .section .text.entry
    .globl _start
_start:
    # a0 = hart id, a1 = physical address of the device tree.
    # `lla` is PC-relative, so it yields physical addresses here.
    lla     t0, {boot_page_table}
    srli    t0, t0, 12
    li      t1, 8 << 60             # satp.MODE = Sv39
    or      t0, t0, t1
    csrw    satp, t0
    sfence.vma
    # Same addresses plus the offset: the high-half alias.
    li      t1, {offset}
    lla     sp, {stack} + {stack_size}
    add     sp, sp, t1
    lla     t0, {rust_entry}
    add     t0, t0, t1
    jr      t0
    "#,
    boot_page_table = sym BOOT_PAGE_TABLE,
    offset = const PHYS_VIRT_OFFSET,
    stack = sym BOOT_STACK,
    stack_size = const BOOT_STACK_SIZE,
    rust_entry = sym rust_entry,
);

/// Runs in the high half on the boot stack, with the BSS still dirty.
extern "C" fn rust_entry(hart_id: usize, dtb_pa: usize) -> ! {
    crate::arch::common::clear_bss();
    super::boot::set_boot_args(hart_id, dtb_pa);
    crate::kernel_main()
}
