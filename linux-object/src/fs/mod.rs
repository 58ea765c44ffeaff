//! File systems, in layers (as xv6's fs.c outlines its own):
//!
//! 1. [`vfs`]: the `INode` trait every file system implements, file types,
//!    metadata, device numbers.
//! 2. [`ramfs`]: an in-memory file system — the root (filled from the
//!    initramfs by [`cpio`]), tmpfs, devtmpfs; its files keep their data
//!    in page frames ([`file_pages`]), charged to the file system's limits.
//! 3. [`mount`]: mounts and the mount tree of a mount namespace.
//! 4. [`path`]: path resolution (`.`/`..`, symlinks, mount crossing, chroot)
//!    with [`perm`] checks.
//! 5. [`file`]: open file descriptions (`FileLike`), [`pipe`]s, [`devices`];
//!    [`fd_table`]: the per-process descriptor table.
//!
//! The syscalls on top live in linux-syscall/src/fs.

pub mod context;
pub mod cpio;
pub mod devices;
pub mod fd_table;
pub mod file;
pub mod file_pages;
pub mod filesystems;
pub mod lock;
pub mod mount;
pub mod owner;
pub mod path;
pub mod perm;
pub mod procfs;
pub mod pipe;
pub mod ramfs;
pub mod vfs;
