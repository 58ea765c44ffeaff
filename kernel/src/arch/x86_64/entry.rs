//! The first instructions: from 32-bit protected mode to long mode in the
//! high half, then Rust.
//!
//! QEMU boots the ELF through PVH (the Xen "direct boot" ABI, which Linux's
//! vmlinux uses too): it finds the `XEN_ELFNOTE_PHYS32_ENTRY` note, enters
//! `_start32` in 32-bit protected mode with paging off and `ebx` = the
//! physical address of the `hvm_start_info` block. `_start32` builds a
//! boot page table (physical [0, 2 GiB) identity-mapped, at
//! `PHYS_VIRT_OFFSET` and in the direct map, in 2 MiB pages), turns on
//! PAE, long mode and paging,
//! and jumps to the high half. `memory::init` later replaces the table.

use super::paging::{DIRECT_MAP, PHYS_VIRT_OFFSET};

const BOOT_STACK_SIZE: usize = 256 * 1024;

#[repr(C, align(4096))]
struct BootStack([u8; BOOT_STACK_SIZE]);

/// The boot stack; below `__bss_start`, so zeroing the BSS spares it.
#[unsafe(link_section = ".bss.stack")]
static mut BOOT_STACK: BootStack = BootStack([0; BOOT_STACK_SIZE]);

#[repr(C, align(4096))]
struct Table([u64; 512]);

/// Boot page tables, filled by `_start32` (their entries hold physical
/// addresses, which Rust constants cannot compute).
#[unsafe(link_section = ".data.boot_page_table")]
static mut BOOT_PML4: Table = Table([0; 512]);
#[unsafe(link_section = ".data.boot_page_table")]
static mut BOOT_PDPT_LOW: Table = Table([0; 512]);
#[unsafe(link_section = ".data.boot_page_table")]
static mut BOOT_PDPT_HIGH: Table = Table([0; 512]);
#[unsafe(link_section = ".data.boot_page_table")]
static mut BOOT_PD: [Table; 2] = [Table([0; 512]), Table([0; 512])];

core::arch::global_asm!(
    r#"
    .section .note.Xen, "a", @note
    .balign 4
    .long 4                         # namesz: "Xen\0"
    .long 8                         # descsz
    .long 18                        # XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .balign 4
    .quad _start32 - {offset}

    .section .text.entry, "ax"
    .code32
    .globl _start32
_start32:
    cld
    mov     esi, ebx                # hvm_start_info, kept for Rust

    # Two page directories of 2 MiB pages: physical [0, 2 GiB).
    lea     edi, [{pd} - {offset}]
    xor     ecx, ecx
1:  mov     eax, ecx
    shl     eax, 21
    or      eax, 0x83               # present, writable, 2 MiB page
    mov     [edi + ecx * 8], eax
    mov     dword ptr [edi + ecx * 8 + 4], 0
    inc     ecx
    cmp     ecx, 1024
    jne     1b

    # Low PDPT: identity [0, 2 GiB). High PDPT: entries 510, 511 map the
    # same at 0xffffffff80000000.
    lea     eax, [{pd} - {offset} + 0x003]
    mov     [{pdpt_low} - {offset}], eax
    mov     [{pdpt_high} - {offset} + 510 * 8], eax
    lea     eax, [{pd} - {offset} + 4096 + 0x003]
    mov     [{pdpt_low} - {offset} + 8], eax
    mov     [{pdpt_high} - {offset} + 511 * 8], eax
    lea     eax, [{pdpt_low} - {offset} + 0x003]
    mov     [{pml4} - {offset}], eax
    lea     eax, [{pdpt_high} - {offset} + 0x003]
    mov     [{pml4} - {offset} + 511 * 8], eax
    # The direct map (DIRECT_MAP, root entry 273) shares the low PDPT.
    lea     eax, [{pdpt_low} - {offset} + 0x003]
    mov     [{pml4} - {offset} + {direct} * 8], eax

    # PAE + PGE + OSFXSR + OSXMMEXCPT, then the root table.
    mov     eax, cr4
    or      eax, (1 << 5) | (1 << 7) | (1 << 9) | (1 << 10)
    mov     cr4, eax
    lea     eax, [{pml4} - {offset}]
    mov     cr3, eax
    # EFER: SCE (syscall), LME (long mode), NXE (no-execute pages).
    mov     ecx, 0xC0000080
    rdmsr
    or      eax, (1 << 0) | (1 << 8) | (1 << 11)
    wrmsr
    # Paging, write protection in ring 0, FPU monitoring; no emulation.
    mov     eax, cr0
    or      eax, (1 << 31) | (1 << 16) | (1 << 1)
    and     eax, ~(1 << 2)
    mov     cr0, eax

    lgdt    [boot_gdt_pointer - {offset}]
    push    0x08
    lea     eax, [start64 - {offset}]
    push    eax
    retf

    .code64
start64:
    mov     ax, 0x10
    mov     ds, ax
    mov     es, ax
    mov     ss, ax
    xor     eax, eax
    mov     fs, ax
    mov     gs, ax
    movabs  rax, offset nscore_high_half
    jmp     rax
nscore_high_half:
    lgdt    [rip + boot_gdt_pointer64]   # the GDT through its high address
    movabs  rsp, offset {stack} + {stack_size}
    mov     edi, esi                # rust_entry(start_info_pa)
    movabs  rax, offset {rust_entry}
    call    rax
3:  hlt
    jmp     3b

    .section .rodata
    .balign 16
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff        # 0x08: 64-bit code, ring 0
    .quad 0x00cf92000000ffff        # 0x10: data, ring 0
boot_gdt_end:
boot_gdt_pointer:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt - {offset}
    .balign 16
boot_gdt_pointer64:
    .word boot_gdt_end - boot_gdt - 1
    .quad boot_gdt
    "#,
    offset = const PHYS_VIRT_OFFSET,
    direct = const (DIRECT_MAP >> 39) & 0x1ff,
    pml4 = sym BOOT_PML4,
    pdpt_low = sym BOOT_PDPT_LOW,
    pdpt_high = sym BOOT_PDPT_HIGH,
    pd = sym BOOT_PD,
    stack = sym BOOT_STACK,
    stack_size = const BOOT_STACK_SIZE,
    rust_entry = sym rust_entry,
);

/// Runs in the high half on the boot stack, with the BSS still dirty.
extern "C" fn rust_entry(start_info_pa: u32) -> ! {
    crate::arch::common::clear_bss();
    super::boot::set_boot_args(start_info_pa as usize);
    crate::kernel_main()
}
