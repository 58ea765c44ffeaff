//! The kernel's side of `linux_object::hal::Hal`: frames, physical memory
//! access through the linear map, user page tables, time, randomness.

use alloc::boxed::Box;
use linux_object::hal::{Hal, PAGE_SIZE, PageTable, PhysAddr};

use crate::arch::paging::{UserPageTable, phys_to_virt};
use crate::arch::timer;
use crate::memory::frame;

struct KernelHal;

fn check_in_frame(pa: PhysAddr, len: usize) {
    assert!(pa % PAGE_SIZE + len <= PAGE_SIZE, "physical access {pa:#x}+{len} crosses a frame");
}

impl Hal for KernelHal {
    fn alloc_frame(&self) -> Option<PhysAddr> {
        frame::alloc_user_zeroed()
    }

    fn free_frame(&self, pa: PhysAddr) {
        frame::free_contiguous(pa, 1);
    }

    fn read_phys(&self, pa: PhysAddr, buf: &mut [u8]) {
        check_in_frame(pa, buf.len());
        // SAFETY: `pa` lies in a frame the caller owns (checked not to cross
        // it), reached through the linear map; `buf` is a distinct kernel buffer.
        unsafe { core::ptr::copy_nonoverlapping(phys_to_virt(pa) as *const u8, buf.as_mut_ptr(), buf.len()) };
    }

    fn write_phys(&self, pa: PhysAddr, data: &[u8]) {
        check_in_frame(pa, data.len());
        // SAFETY: as in read_phys.
        unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), phys_to_virt(pa) as *mut u8, data.len()) };
    }

    fn copy_phys(&self, dst: PhysAddr, src: PhysAddr, len: usize) {
        check_in_frame(dst, len);
        check_in_frame(src, len);
        // SAFETY: both ranges lie within frames the caller owns (checked
        // not to cross them), reached through the linear map; a file page
        // and a user page are distinct frames.
        unsafe { core::ptr::copy_nonoverlapping(phys_to_virt(src) as *const u8, phys_to_virt(dst) as *mut u8, len) };
    }

    fn copy_frame(&self, dst: PhysAddr, src: PhysAddr) {
        // SAFETY: two distinct whole frames owned by the caller.
        unsafe {
            core::ptr::copy_nonoverlapping(phys_to_virt(src) as *const u8, phys_to_virt(dst) as *mut u8, PAGE_SIZE)
        };
    }

    fn new_page_table(&self) -> Box<dyn PageTable> {
        Box::new(UserPageTable::new().expect("out of frames for a page table"))
    }

    fn monotonic_ns(&self) -> u64 {
        timer::now_ns()
    }

    fn fill_random(&self, buf: &mut [u8]) {
        crate::random::fill(buf);
    }

    fn current_thread(&self) -> Option<alloc::sync::Arc<linux_object::process::Thread>> {
        crate::task::sched::try_current().map(|task| task.thread.clone())
    }

    fn memory_stats(&self) -> (usize, usize) {
        let (free, total) = frame::stats();
        (total * PAGE_SIZE, free * PAGE_SIZE)
    }
}

static HAL: KernelHal = KernelHal;

pub fn init() {
    linux_object::hal::init(&HAL);
}
