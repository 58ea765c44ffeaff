//! Reads the device tree OpenSBI hands over in `a1`.

use crate::boot::BootInfo;
use core::sync::atomic::{AtomicUsize, Ordering};
use fdt::Fdt;

use super::paging::phys_to_virt;

static HART_ID: AtomicUsize = AtomicUsize::new(0);
static DTB_PA: AtomicUsize = AtomicUsize::new(0);

pub(super) fn set_boot_args(hart_id: usize, dtb_pa: usize) {
    HART_ID.store(hart_id, Ordering::Relaxed);
    DTB_PA.store(dtb_pa, Ordering::Relaxed);
}

/// Default time base of QEMU `virt`, used if the tree lacks one.
const DEFAULT_TIMEBASE_HZ: u64 = 10_000_000;

/// Parses the device tree. A tree we cannot parse is fatal: without it we
/// know neither how much memory there is nor where the console is.
pub fn boot_info() -> BootInfo {
    let dtb_pa = DTB_PA.load(Ordering::Relaxed);
    // SAFETY: OpenSBI passes the physical address of a valid flattened device
    // tree, it lies inside RAM that the boot page table maps at
    // PHYS_VIRT_OFFSET, and nothing writes to it; `from_ptr` reads the
    // header's size before touching the rest.
    let fdt = match unsafe { Fdt::from_ptr(phys_to_virt(dtb_pa) as *const u8) } {
        Ok(fdt) => fdt,
        Err(err) => panic!("cannot parse the device tree at {dtb_pa:#x}: {err:?}"),
    };
    let mut info = BootInfo { hart_id: HART_ID.load(Ordering::Relaxed), ..Default::default() };

    if let Some(memory) = fdt.find_node("/memory") {
        for region in memory.reg().into_iter().flatten() {
            let start = region.starting_address as usize;
            info.memory.push(start..start + region.size.unwrap_or(0));
        }
    }
    info.reserved.push(dtb_pa..dtb_pa + fdt.total_size());
    for reservation in fdt.memory_reservations() {
        let start = reservation.address() as usize;
        info.reserved.push(start..start + reservation.size());
    }
    if let Some(reserved) = fdt.find_node("/reserved-memory") {
        for child in reserved.children() {
            for region in child.reg().into_iter().flatten() {
                let start = region.starting_address as usize;
                info.reserved.push(start..start + region.size.unwrap_or(0));
            }
        }
    }

    if let Some(chosen) = fdt.find_node("/chosen") {
        let prop = |name| chosen.property(name).and_then(|p| p.as_usize());
        if let (Some(start), Some(end)) = (prop("linux,initrd-start"), prop("linux,initrd-end")) {
            if start < end {
                info.initrd = Some(start..end);
                info.reserved.push(start..end);
            }
        }
        info.cmdline = chosen.property("bootargs").and_then(|p| p.as_str()).unwrap_or("");
    }

    info.timebase_hz = fdt
        .find_node("/cpus")
        .and_then(|cpus| cpus.property("timebase-frequency"))
        .and_then(|p| p.as_usize())
        .map_or(DEFAULT_TIMEBASE_HZ, |hz| hz as u64);

    if let Some(uart) = fdt.find_compatible(&["ns16550a", "ns16550"]) {
        let shift = uart.property("reg-shift").and_then(|p| p.as_usize()).unwrap_or(0);
        if let Some(region) = uart.reg().and_then(|mut r| r.next()) {
            info.uart = Some((region.starting_address as usize, 1u8 << shift.min(3)));
        }
    }
    if let Some(test) = fdt.find_compatible(&["sifive,test0", "sifive,test1"]) {
        info.test_finisher =
            test.reg().and_then(|mut r| r.next()).map(|r| r.starting_address as usize);
    }
    if let Some(rtc) = fdt.find_compatible(&["google,goldfish-rtc"]) {
        info.rtc = rtc.reg().and_then(|mut r| r.next()).map(|r| r.starting_address as usize);
    }
    info
}

/// Nanoseconds since the Unix epoch from the Goldfish RTC at physical `base`:
/// reading TIME_LOW (offset 0) latches TIME_HIGH (offset 4).
pub fn read_rtc_ns(base: usize) -> u64 {
    let va = super::paging::phys_to_virt(base);
    // SAFETY: `base` is the RTC's MMIO block from the device tree, mapped in
    // the kernel's linear window; these two reads have no side effects
    // beyond latching the high word.
    let (low, high) = unsafe {
        let low = core::ptr::read_volatile(va as *const u32);
        let high = core::ptr::read_volatile((va + 4) as *const u32);
        (low, high)
    };
    (high as u64) << 32 | low as u64
}
