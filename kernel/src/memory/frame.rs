//! The physical frame allocator: one bit per 4 KiB frame, 1 = free.
//!
//! The bitmap is static, so the allocator needs no heap (the heap itself
//! grows by asking for frames). It covers up to `MAX_FRAMES` frames from
//! `BASE_PA`; memory beyond is left unused with a warning.

use core::ops::Range;
use spin::Mutex;

use super::PAGE_SIZE;
use crate::arch::paging::phys_to_virt;

/// Physical address of frame 0: where RAM starts (2 GiB on riscv64's
/// QEMU virt, 0 on x86-64).
const BASE_PA: usize = crate::arch::paging::RAM_BASE;
/// 4 GiB of RAM at most.
const MAX_FRAMES: usize = 1 << 20;
const WORDS: usize = MAX_FRAMES / 64;

struct Bitmap {
    words: [u64; WORDS],
    /// Index of a word to start searching from; words before it are full.
    hint: usize,
    free: usize,
    total: usize,
}

/// Protected by its mutex; never held while allocating from the heap.
static FRAMES: Mutex<Bitmap> = Mutex::new(Bitmap { words: [0; WORDS], hint: 0, free: 0, total: 0 });

fn frame_range(range: Range<usize>) -> Range<usize> {
    let start = range.start.max(BASE_PA).div_ceil(PAGE_SIZE) - BASE_PA / PAGE_SIZE;
    let end = (range.end.max(BASE_PA) / PAGE_SIZE - BASE_PA / PAGE_SIZE).min(MAX_FRAMES);
    start..end.max(start)
}

impl Bitmap {
    fn is_free(&self, i: usize) -> bool {
        self.words[i / 64] & (1 << (i % 64)) != 0
    }
    fn set(&mut self, i: usize, free: bool) {
        if free {
            self.words[i / 64] |= 1 << (i % 64);
        } else {
            self.words[i / 64] &= !(1 << (i % 64));
        }
    }
}

/// Adds physical `range` (rounded inwards to whole frames) as free memory.
pub fn add_free(range: Range<usize>) {
    if range.is_empty() {
        return;
    }
    if range.end > BASE_PA + MAX_FRAMES * PAGE_SIZE || range.start < BASE_PA {
        log::warn!("frame: memory outside {BASE_PA:#x}+4GiB is not used: {range:#x?}");
    }
    let mut map = FRAMES.lock();
    for i in frame_range(range) {
        if !map.is_free(i) {
            map.set(i, true);
            map.free += 1;
            map.total += 1;
        }
    }
    map.hint = 0;
}

/// Takes physical `range` (rounded outwards) out of the free pool for good.
pub fn reserve(range: Range<usize>) {
    let outward = (range.start & !(PAGE_SIZE - 1))..range.end.next_multiple_of(PAGE_SIZE);
    let mut map = FRAMES.lock();
    for i in frame_range(outward) {
        if map.is_free(i) {
            map.set(i, false);
            map.free -= 1;
            map.total -= 1;
        }
    }
}

/// Allocates `count` physically contiguous frames whose first frame number
/// is a multiple of `align` (a power of two); returns the physical address.
pub fn alloc_contiguous(count: usize, align: usize) -> Option<usize> {
    if count == 0 || !align.is_power_of_two() {
        return None;
    }
    let mut map = FRAMES.lock();
    if map.free < count {
        return None;
    }
    let first_word = map.hint;
    let mut run = 0;
    let mut i = first_word * 64;
    while i < MAX_FRAMES {
        // Skip full words quickly.
        if run == 0 && i % 64 == 0 && map.words[i / 64] == 0 {
            i += 64;
            continue;
        }
        if run == 0 && i % align != 0 {
            i += 1;
            continue;
        }
        if map.is_free(i) {
            run += 1;
            if run == count {
                let start = i + 1 - count;
                for j in start..=i {
                    map.set(j, false);
                }
                map.free -= count;
                if count == 1 {
                    map.hint = start / 64;
                }
                return Some(BASE_PA + start * PAGE_SIZE);
            }
        } else {
            run = 0;
        }
        i += 1;
    }
    None
}

/// Allocates one frame.
pub fn alloc() -> Option<usize> {
    alloc_contiguous(1, 1)
}

/// Frames only the kernel may take (its heap, page tables): user memory
/// stops short of them, so running out of memory kills a process (the page
/// fault fails) instead of leaving the kernel unable to allocate.
const KERNEL_RESERVE_FRAMES: usize = 4096; // 16 MiB

/// One zeroed frame for user memory, or `None` when only the kernel's
/// reserve is left.
pub fn alloc_user_zeroed() -> Option<usize> {
    if FRAMES.lock().free <= KERNEL_RESERVE_FRAMES {
        return None;
    }
    alloc_zeroed()
}

/// Allocates one frame filled with zeros.
pub fn alloc_zeroed() -> Option<usize> {
    let pa = alloc()?;
    // SAFETY: the frame was just taken from the free pool, so nothing else
    // refers to it; it is mapped in the linear window.
    unsafe { core::ptr::write_bytes(phys_to_virt(pa) as *mut u8, 0, PAGE_SIZE) };
    Some(pa)
}

/// Returns `count` frames starting at `pa` to the pool.
pub fn free_contiguous(pa: usize, count: usize) {
    let mut map = FRAMES.lock();
    let first = (pa - BASE_PA) / PAGE_SIZE;
    for i in first..first + count {
        debug_assert!(!map.is_free(i), "frame {pa:#x} freed twice");
        map.set(i, true);
    }
    map.free += count;
    map.hint = map.hint.min(first / 64);
}

/// (free frames, managed frames).
pub fn stats() -> (usize, usize) {
    let map = FRAMES.lock();
    (map.free, map.total)
}
