//! The kernel heap: a buddy allocator (`buddy_system_allocator`) that starts
//! in a static 8 MiB region and grows by whole frames when it runs dry.

use buddy_system_allocator::{Heap, LockedHeapWithRescue};
use core::alloc::Layout;

use super::{PAGE_SIZE, frame};
use crate::arch::paging::phys_to_virt;

const INITIAL_HEAP_SIZE: usize = 8 << 20;
/// Grow in steps of at least this much, to keep the number of rescues low.
const MIN_GROWTH: usize = 1 << 20;

#[repr(C, align(4096))]
struct InitialHeap([u8; INITIAL_HEAP_SIZE]);

static mut INITIAL_HEAP: InitialHeap = InitialHeap([0; INITIAL_HEAP_SIZE]);

#[global_allocator]
static HEAP: LockedHeapWithRescue<32> = LockedHeapWithRescue::new(grow);

/// Called with the heap locked when an allocation fails: adds frames.
fn grow(heap: &mut Heap<32>, layout: &Layout) {
    // A buddy heap serves a request from one power-of-two block aligned to
    // its size, so that is what we add.
    let bytes = layout.size().max(layout.align()).max(MIN_GROWTH).next_power_of_two();
    let frames = bytes / PAGE_SIZE;
    let Some(pa) = frame::alloc_contiguous(frames, frames) else {
        log::warn!("heap: out of frames for {bytes} bytes");
        return;
    };
    let start = phys_to_virt(pa);
    // SAFETY: the frames were just taken from the free pool and are mapped
    // in the linear window; from now on they belong to the heap.
    unsafe { heap.add_to_heap(start, start + bytes) };
}

pub fn init() {
    let start = &raw mut INITIAL_HEAP as usize;
    // SAFETY: INITIAL_HEAP is a static region nothing else refers to, and
    // init runs once, before the first allocation.
    unsafe { HEAP.lock().init(start, INITIAL_HEAP_SIZE) };
}

/// (bytes handed out, bytes the heap manages).
pub fn stats() -> (usize, usize) {
    let heap = HEAP.lock();
    (heap.stats_alloc_actual(), heap.stats_total_bytes())
}
