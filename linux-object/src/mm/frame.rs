//! A physical page owned through `Arc`: the last owner frees it.

use crate::error::{Errno, Error, Result};
use crate::hal::{PhysAddr, hal};

/// One 4 KiB physical frame, zero-filled when allocated.
#[derive(Debug)]
pub struct Frame {
    pa: PhysAddr,
    /// A page of a file's page cache (fs/file_pages.rs), not anonymous
    /// memory: what /proc/meminfo's `Mapped` counts when it is mapped.
    cache: bool,
}

impl Frame {
    /// Allocates a zeroed frame; `ENOMEM` when memory is exhausted.
    pub fn new_zeroed() -> Result<Frame> {
        Self::alloc(false)
    }

    /// Allocates a zeroed frame for a file's page cache.
    pub fn new_cache() -> Result<Frame> {
        Self::alloc(true)
    }

    fn alloc(cache: bool) -> Result<Frame> {
        hal()
            .alloc_frame()
            .map(|pa| Frame { pa, cache })
            .ok_or(Error::with_message(Errno::ENOMEM, "out of physical frames"))
    }

    /// A new (anonymous) frame with the same contents.
    pub fn duplicate(&self) -> Result<Frame> {
        let copy = Frame::new_zeroed()?;
        hal().copy_frame(copy.pa, self.pa);
        Ok(copy)
    }

    pub fn paddr(&self) -> PhysAddr {
        self.pa
    }

    pub fn is_cache(&self) -> bool {
        self.cache
    }

    pub fn read(&self, offset: usize, buf: &mut [u8]) {
        hal().read_phys(self.pa + offset, buf);
    }

    pub fn write(&self, offset: usize, data: &[u8]) {
        hal().write_phys(self.pa + offset, data);
    }
}

impl Drop for Frame {
    fn drop(&mut self) {
        hal().free_frame(self.pa);
    }
}
