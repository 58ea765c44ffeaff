//! File systems.
//!
//! For now only the initramfs reader lives here; the VFS (inodes, dentries,
//! path walk) and the file systems built on it (ramfs, devfs, procfs) come
//! with user space.
//!
//! - [`cpio`]: parses the `newc` archive QEMU hands the kernel as its initrd.

pub mod cpio;
