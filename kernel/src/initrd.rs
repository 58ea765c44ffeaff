//! The initramfs QEMU loaded for us: found via the boot info, parsed with
//! `linux_object::fs::cpio`, listed at `LOG=debug`.

use core::ops::Range;

use linux_object::fs::cpio;

use crate::arch::paging::phys_to_virt;

/// The archive's bytes, borrowed from the reserved physical range.
pub fn archive(range: &Range<usize>) -> &'static [u8] {
    // SAFETY: the range comes from the device tree, is reserved from the
    // frame allocator (so nothing overwrites it) and lies in RAM mapped by
    // the kernel page table; nothing writes to it.
    unsafe { core::slice::from_raw_parts(phys_to_virt(range.start) as *const u8, range.len()) }
}

/// Logs what the initramfs holds; returns the number of members, or `None`
/// when there is no initramfs or it is malformed (logged, not fatal).
pub fn list(range: Option<Range<usize>>) -> Option<usize> {
    let Some(range) = range else {
        log::error!("initrd: the boot loader passed no initramfs (QEMU: -initrd FILE)");
        return None;
    };
    let data = archive(&range);
    let (mut files, mut bytes) = (0usize, 0usize);
    for entry in cpio::Reader::new(data) {
        match entry {
            Ok(entry) => {
                files += 1;
                bytes += entry.data.len();
                let kind = if entry.is_dir() {
                    'd'
                } else if entry.is_symlink() {
                    'l'
                } else if entry.is_file() {
                    '-'
                } else {
                    '?'
                };
                log::debug!("initrd: {kind} {:o} {:>8} /{}", entry.mode & 0o7777, entry.data.len(), entry.name);
            }
            Err(err) => {
                log::error!("initrd: malformed archive after {files} members: {err}");
                return None;
            }
        }
    }
    log::info!("initrd: {files} members, {bytes} bytes of data at {:#x}..{:#x}", range.start, range.end);
    Some(files)
}

