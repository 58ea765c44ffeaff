//! Reads the PVH `hvm_start_info` block QEMU hands over in `ebx`
//! (xen/include/public/arch-x86/hvm/start_info.h): the memory map, the
//! initramfs as module 0, the command line.

use core::sync::atomic::{AtomicUsize, Ordering};

use super::paging::phys_to_virt;
use crate::boot::BootInfo;

static START_INFO_PA: AtomicUsize = AtomicUsize::new(0);

pub(super) fn set_boot_args(start_info_pa: usize) {
    START_INFO_PA.store(start_info_pa, Ordering::Relaxed);
}

const HVM_START_MAGIC: u32 = 0x336e_c578;
/// `XEN_HVM_MEMMAP_TYPE_RAM`.
const MEMMAP_RAM: u32 = 1;
/// COM1, the console QEMU's `-nographic` connects.
const COM1: u16 = 0x3f8;
/// The CMOS real-time clock's index port.
const CMOS_PORT: usize = 0x70;

/// Reads a little-endian value of `N` bytes at physical `pa`.
fn read_phys<const N: usize>(pa: usize) -> [u8; N] {
    let mut out = [0u8; N];
    // SAFETY: the boot page table maps physical [0, 2 GiB) in the direct
    // map, and QEMU puts the start info, its tables and the command line
    // below that; they are only read.
    unsafe { core::ptr::copy_nonoverlapping(phys_to_virt(pa) as *const u8, out.as_mut_ptr(), N) };
    out
}

fn u32_at(pa: usize) -> u32 {
    u32::from_le_bytes(read_phys::<4>(pa))
}

fn u64_at(pa: usize) -> u64 {
    u64::from_le_bytes(read_phys::<8>(pa))
}

/// The NUL-terminated command line at `pa` (at most 4 KiB), as a static str.
fn cmdline_at(pa: usize) -> &'static str {
    if pa == 0 {
        return "";
    }
    let start = phys_to_virt(pa) as *const u8;
    let mut len = 0;
    // SAFETY: as in `read_phys`; the string ends within 4 KiB by contract.
    while len < 4096 && unsafe { *start.add(len) } != 0 {
        len += 1;
    }
    // SAFETY: the bytes stay untouched for the kernel's lifetime (the
    // frames holding them are reserved below).
    let bytes = unsafe { core::slice::from_raw_parts(start, len) };
    core::str::from_utf8(bytes).unwrap_or("")
}

pub fn boot_info() -> BootInfo {
    let si = START_INFO_PA.load(Ordering::Relaxed);
    if u32_at(si) != HVM_START_MAGIC {
        panic!("no PVH start info at {si:#x}: boot nsCore with QEMU's -kernel (PVH)");
    }
    let version = u32_at(si + 4);
    let nr_modules = u32_at(si + 12) as usize;
    let modlist = u64_at(si + 16) as usize;
    let cmdline = u64_at(si + 24) as usize;
    let mut info = BootInfo { hart_id: 0, timebase_hz: super::timer::tsc_hz(), ..Default::default() };
    info.cmdline = cmdline_at(cmdline);
    info.reserved.push(si & !0xfff..(si & !0xfff) + 0x1000);
    if cmdline != 0 {
        info.reserved.push(cmdline & !0xfff..(cmdline & !0xfff) + 0x1000);
    }
    if nr_modules > 0 && modlist != 0 {
        let start = u64_at(modlist) as usize;
        let size = u64_at(modlist + 8) as usize;
        info.initrd = Some(start..start + size);
        info.reserved.push(start & !0xfff..(start + size).next_multiple_of(0x1000));
    }
    if version >= 1 {
        let memmap = u64_at(si + 40) as usize;
        let entries = u32_at(si + 48) as usize;
        for i in 0..entries.min(32) {
            let e = memmap + i * 24;
            if u32_at(e + 16) == MEMMAP_RAM {
                let start = u64_at(e) as usize;
                let end = start + u64_at(e + 8) as usize;
                // RAM beyond the direct map is not used.
                let end = end.min(super::paging::DIRECT_MAP_SIZE);
                if start < end {
                    info.memory.push(start..end);
                }
            }
        }
    }
    info.uart_port = Some(COM1);
    info.rtc = Some(CMOS_PORT);
    info
}

/// Reads the CMOS clock (MC146818: BCD or binary, 12 or 24 hours) as ns
/// since the Unix epoch. `port` is the index port (0x70).
pub fn read_rtc_ns(port: usize) -> u64 {
    use x86_64::instructions::port::Port;
    let mut index: Port<u8> = Port::new(port as u16);
    let mut data: Port<u8> = Port::new(port as u16 + 1);
    let mut read = |reg: u8| -> u8 {
        // SAFETY: ports 0x70/0x71 are the CMOS RTC on every PC; reading a
        // register has no side effect beyond selecting it.
        unsafe {
            index.write(reg);
            data.read()
        }
    };
    // Wait for no update in progress (status A bit 7), then read twice
    // until stable.
    let snapshot = |read: &mut dyn FnMut(u8) -> u8| {
        while read(0x0a) & 0x80 != 0 {}
        [read(0x00), read(0x02), read(0x04), read(0x07), read(0x08), read(0x09), read(0x32)]
    };
    let mut a = snapshot(&mut read);
    loop {
        let b = snapshot(&mut read);
        if a == b {
            break;
        }
        a = b;
    }
    let status_b = read(0x0b);
    let bcd = status_b & 0x04 == 0;
    let conv = |v: u8| if bcd { (v & 0x0f) + (v >> 4) * 10 } else { v } as u64;
    let (sec, min) = (conv(a[0]), conv(a[1]));
    let mut hour = conv(a[2] & 0x7f);
    if status_b & 0x02 == 0 && a[2] & 0x80 != 0 {
        hour = (hour % 12) + 12;
    }
    let (day, month) = (conv(a[3]), conv(a[4]));
    let century = match conv(a[6]) {
        c @ 19..=21 => c,
        _ => 20,
    };
    let year = century * 100 + conv(a[5]);
    days_since_epoch(year, month, day) * 86_400_000_000_000 + (hour * 3600 + min * 60 + sec) * 1_000_000_000
}

/// Days from 1970-01-01 to the given civil date (Howard Hinnant's
/// days_from_civil algorithm).
fn days_since_epoch(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year } as i64;
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468).max(0) as u64
}
