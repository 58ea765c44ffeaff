//! Physical memory: the frame allocator, the kernel heap, the kernel page table.
//!
//! Layers, bottom up:
//! 1. [`frame`]: a bitmap of 4 KiB physical frames, filled from the memory map.
//! 2. [`heap`]: the global allocator; starts in a static region and grows by
//!    taking frames when it runs out.
//! 3. `arch::paging`: the kernel page table, built from frames.

pub mod frame;
pub mod heap;

use core::ops::Range;

use crate::{arch::paging, boot::BootInfo};

pub const PAGE_SIZE: usize = 4096;

/// Virtual address ranges of the kernel image's sections (from the linker script).
pub struct KernelLayout {
    pub text: Range<usize>,
    pub rodata: Range<usize>,
    pub data: Range<usize>,
}

unsafe extern "C" {
    static __kernel_start: u8;
    static __text_start: u8;
    static __text_end: u8;
    static __rodata_start: u8;
    static __rodata_end: u8;
    static __data_start: u8;
    static __kernel_end: u8;
}

impl KernelLayout {
    pub fn get() -> Self {
        // Only the symbols' addresses are taken; nothing is read.
        let addr = |sym: *const u8| sym as usize;
        KernelLayout {
            text: addr(&raw const __text_start)..addr(&raw const __text_end),
            rodata: addr(&raw const __rodata_start)..addr(&raw const __rodata_end),
            data: addr(&raw const __data_start)..addr(&raw const __kernel_end),
        }
    }

    /// The rights the kernel page table gives the image page at `va`, or
    /// `None` outside the image (text RX, rodata R, data and bss RW).
    pub fn perm_of(&self, va: usize) -> Option<crate::arch::paging::Perm> {
        use crate::arch::paging::Perm;
        if self.text.contains(&va) {
            Some(Perm::ReadExecute)
        } else if self.rodata.contains(&va) {
            Some(Perm::Read)
        } else if self.data.contains(&va) {
            Some(Perm::ReadWrite)
        } else {
            None
        }
    }

    /// The whole image, as physical addresses.
    pub fn phys_range(&self) -> Range<usize> {
        paging::virt_to_phys(addr_of_start())..paging::virt_to_phys(self.data.end)
    }
}

fn addr_of_start() -> usize {
    &raw const __kernel_start as usize
}

/// Sets up frames, then the kernel page table. Prints the memory map.
pub fn init(boot: &BootInfo) {
    let layout = KernelLayout::get();
    let image = layout.phys_range();
    crate::println!("memory map:");
    for ram in boot.memory.iter() {
        crate::println!("  ram       {:#012x}..{:#012x} ({} MiB)", ram.start, ram.end, (ram.end - ram.start) >> 20);
    }
    for reserved in boot.reserved.iter() {
        crate::println!("  reserved  {:#012x}..{:#012x}", reserved.start, reserved.end);
    }
    crate::println!("  kernel    {:#012x}..{:#012x} (text {} KiB, rodata {} KiB, data+bss {} KiB)",
        image.start, image.end,
        layout.text.len() >> 10, layout.rodata.len() >> 10, layout.data.len() >> 10);

    for ram in boot.memory.iter() {
        // Everything below the kernel image belongs to the firmware.
        let usable = ram.start.max(image.end)..ram.end;
        frame::add_free(usable);
    }
    for reserved in boot.reserved.iter() {
        frame::reserve(reserved);
    }
    let (free, total) = frame::stats();
    crate::println!("  frames    {} free of {} ({} MiB free)", free, total, (free * PAGE_SIZE) >> 20);

    paging::init_kernel_page_table(boot, &layout);
    log::info!("memory: kernel page table active");
}
