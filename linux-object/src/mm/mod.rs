//! User address spaces.
//!
//! Layers, bottom up:
//! 1. [`Frame`]: one physical page, freed when the last `Arc<Frame>` goes.
//!    Copy-on-write is "two address spaces hold the same `Arc<Frame>`".
//! 2. [`Vma`] (vma.rs): one mapping — a range, its protection, and where its
//!    pages come from (zero-fill, a file, a shared object). Mirrors Linux's
//!    `struct vm_area_struct`.
//! 3. [`VmSpace`] (vmspace.rs): all VMAs of a process plus its hardware page
//!    table; `mmap`, `munmap`, `mprotect`, `brk`, the page-fault handler, and
//!    `fork`. Mirrors Linux's `struct mm_struct`.
//! 4. [`user`]: the one path between user memory and the kernel — typed
//!    `UserPtr`s that only become data after a checked copy through the
//!    owning `VmSpace`, which faults pages in as the hardware would.

mod frame;
pub mod user;
mod vma;
mod vmspace;

pub use frame::Frame;
pub use vma::{MmapSource, Prot, SharedObject, Vma, VmaBacking};
pub use vmspace::{
    Access, FAULT_AROUND_PAGES, MAX_MAP_COUNT, USER_END, USER_STACK_SIZE, USER_STACK_TOP, VmSpace, mapped_cache_pages,
    unmap_file_pages,
};

pub use crate::hal::PAGE_SIZE;

/// A zeroed kernel buffer of `len` bytes, or `ENOMEM` when the heap cannot
/// grow to hold it. Every buffer whose size a user chooses is made here,
/// so a hostile size fails the call instead of the kernel (Linux's
/// `kvmalloc` returning NULL → `-ENOMEM`).
pub fn zeroed_buffer(len: usize) -> crate::error::Result<alloc::vec::Vec<u8>> {
    let mut buf = try_vec_with_capacity(len)?;
    buf.resize(len, 0);
    Ok(buf)
}

/// An empty vector with room for `count` items, or `ENOMEM`.
pub fn try_vec_with_capacity<T>(count: usize) -> crate::error::Result<alloc::vec::Vec<T>> {
    let mut v = alloc::vec::Vec::new();
    v.try_reserve_exact(count).map_err(|_| crate::error::Errno::ENOMEM)?;
    Ok(v)
}

pub fn page_floor(addr: usize) -> usize {
    addr & !(PAGE_SIZE - 1)
}

/// Rounds up to a page boundary; `None` on overflow.
pub fn page_ceil(addr: usize) -> Option<usize> {
    addr.checked_add(PAGE_SIZE - 1).map(page_floor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Errno;

    #[test]
    fn a_buffer_too_big_for_the_heap_is_enomem_not_a_panic() {
        assert_eq!(zeroed_buffer(usize::MAX).unwrap_err().errno, Errno::ENOMEM);
        assert_eq!(try_vec_with_capacity::<u64>(usize::MAX / 4).unwrap_err().errno, Errno::ENOMEM);
        assert_eq!(zeroed_buffer(5).unwrap(), [0; 5]);
    }
}
