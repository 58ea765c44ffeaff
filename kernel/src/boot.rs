//! What the firmware told the kernel, in an arch-independent shape.
//!
//! Each architecture fills a [`BootInfo`] from its own source (the device
//! tree on riscv64) in `arch::boot_info()`.

use core::ops::Range;

/// Upper bounds on table sizes, so boot needs no heap.
pub const MAX_REGIONS: usize = 8;

/// A fixed-capacity list of physical ranges.
#[derive(Clone, Default)]
pub struct Regions {
    ranges: [Option<Range<usize>>; MAX_REGIONS],
}

impl Regions {
    /// Adds a range; an empty one or one past the capacity is dropped with a warning.
    pub fn push(&mut self, range: Range<usize>) {
        if range.is_empty() {
            return;
        }
        match self.ranges.iter_mut().find(|slot| slot.is_none()) {
            Some(slot) => *slot = Some(range),
            None => log::warn!("boot: more than {MAX_REGIONS} regions, ignoring {range:#x?}"),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = Range<usize>> + '_ {
        self.ranges.iter().flatten().cloned()
    }
}

/// Platform facts gathered at boot. All addresses are physical.
#[derive(Clone, Default)]
pub struct BootInfo {
    pub hart_id: usize,
    /// RAM as the firmware reports it.
    pub memory: Regions,
    /// Ranges inside RAM the kernel must not hand out: the firmware, the
    /// device tree itself, the initramfs.
    pub reserved: Regions,
    /// The initramfs image, if the boot loader passed one.
    pub initrd: Option<Range<usize>>,
    /// The kernel command line (`bootargs`); empty when there is none.
    pub cmdline: &'static str,
    /// Ticks per second of the time counter.
    pub timebase_hz: u64,
    /// Base of the 16550 UART and the distance between its registers.
    pub uart: Option<(usize, u8)>,
    /// A 16550 UART at an I/O port instead (x86's COM1).
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    pub uart_port: Option<u16>,
    /// QEMU's test finisher ("sifive,test0"), used to power off with an exit code.
    pub test_finisher: Option<usize>,
    /// The real-time clock: the Goldfish RTC's MMIO base on riscv64, the
    /// CMOS index port on x86_64.
    pub rtc: Option<usize>,
}
