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
pub use vmspace::{Access, VmSpace, USER_END, USER_STACK_SIZE, USER_STACK_TOP};

pub use crate::hal::PAGE_SIZE;

pub fn page_floor(addr: usize) -> usize {
    addr & !(PAGE_SIZE - 1)
}

/// Rounds up to a page boundary; `None` on overflow.
pub fn page_ceil(addr: usize) -> Option<usize> {
    addr.checked_add(PAGE_SIZE - 1).map(page_floor)
}
