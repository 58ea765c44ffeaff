//! Character devices: a registry from device number to driver, and the
//! memory devices of drivers/char/mem.c (null, zero, full, random, urandom).
//! The kernel registers the console (5:1), tty (5:0) and ttyS0 (4:64).

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use core::any::Any;
use core::task::Waker;

use super::file::{FileLike, OpenFlags, PollEvents};
use super::path::Path;
use super::vfs::{Metadata, makedev};
use crate::error::{Errno, Result};
use crate::hal::hal;
use crate::sync::{Mutex, RwLock};

/// A character device driver.
pub trait CharDevice: Send + Sync {
    fn read(&self, buf: &mut [u8], flags: OpenFlags) -> Result<usize>;
    fn write(&self, data: &[u8], flags: OpenFlags) -> Result<usize>;
    fn poll(&self, _waker: Option<&Waker>) -> PollEvents {
        PollEvents::IN | PollEvents::OUT | PollEvents::RDNORM | PollEvents::WRNORM
    }
    /// ioctl(2): `arg` is the raw argument, `vm` the caller's memory.
    fn ioctl(&self, _request: u32, _arg: usize, _vm: &mut crate::mm::VmSpace) -> Result<usize> {
        Err(Errno::ENOTTY.into())
    }
    /// Whether seeking is meaningful (memory devices) or ESPIPE (terminals).
    fn is_seekable(&self) -> bool {
        true
    }
}

/// Protected by the lock.
static REGISTRY: RwLock<BTreeMap<u64, Arc<dyn CharDevice>>> = RwLock::new(BTreeMap::new());

pub fn register(major: u32, minor: u32, device: Arc<dyn CharDevice>) {
    REGISTRY.write().insert(makedev(major, minor), device);
}

/// Registers the memory devices. Idempotent.
pub fn register_memory_devices() {
    register(1, 3, Arc::new(Null));
    register(1, 5, Arc::new(Zero));
    register(1, 7, Arc::new(Full));
    register(1, 8, Arc::new(Random));
    register(1, 9, Arc::new(Random));
}

/// Opens the device node at `path` (its inode's rdev picks the driver);
/// `ENXIO` when no driver has that number.
pub fn open(path: Path, flags: OpenFlags) -> Result<Arc<dyn FileLike>> {
    let rdev = path.inode().metadata().rdev;
    let device = REGISTRY.read().get(&rdev).cloned().ok_or(Errno::ENXIO)?;
    Ok(Arc::new(DeviceFile { path, device, flags: Mutex::new(flags), owner: Default::default() }))
}

/// An open device node.
pub struct DeviceFile {
    path: Path,
    device: Arc<dyn CharDevice>,
    flags: Mutex<OpenFlags>,
    owner: crate::fs::owner::FileOwner,
}

impl DeviceFile {
    pub fn device(&self) -> &Arc<dyn CharDevice> {
        &self.device
    }
}

impl FileLike for DeviceFile {
    fn owner(&self) -> &crate::fs::owner::FileOwner {
        &self.owner
    }

    fn read(&self, buf: &mut [u8]) -> Result<usize> {
        let flags = *self.flags.lock();
        if !flags.readable() {
            return Err(Errno::EBADF.into());
        }
        self.device.read(buf, flags)
    }
    fn write(&self, data: &[u8]) -> Result<usize> {
        let flags = *self.flags.lock();
        if !flags.writable() {
            return Err(Errno::EBADF.into());
        }
        self.device.write(data, flags)
    }
    fn pread(&self, _offset: u64, buf: &mut [u8]) -> Result<usize> {
        self.read(buf)
    }
    fn pwrite(&self, _offset: u64, data: &[u8]) -> Result<usize> {
        self.write(data)
    }
    /// Seeking a memory device succeeds and means nothing (mem.c's
    /// null_lseek); a terminal is ESPIPE.
    fn seek(&self, _offset: i64, _whence: u32) -> Result<u64> {
        if self.device.is_seekable() { Ok(0) } else { Err(Errno::ESPIPE.into()) }
    }
    fn poll(&self, waker: Option<&Waker>) -> PollEvents {
        self.device.poll(waker)
    }
    fn ioctl(&self, request: u32, arg: usize, vm: &mut crate::mm::VmSpace) -> Result<usize> {
        self.device.ioctl(request, arg, vm)
    }
    fn metadata(&self) -> Result<Metadata> {
        Ok(self.path.inode().metadata())
    }
    fn status_flags(&self) -> OpenFlags {
        *self.flags.lock()
    }
    fn set_status_flags(&self, flags: OpenFlags) {
        let mut current = self.flags.lock();
        *current = (*current - OpenFlags::settable()) | (flags & OpenFlags::settable());
    }
    fn path(&self) -> Option<Path> {
        Some(self.path.clone())
    }
    fn inode(&self) -> Option<Arc<dyn super::vfs::INode>> {
        Some(self.path.inode().clone())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

struct Null;
impl CharDevice for Null {
    fn read(&self, _buf: &mut [u8], _flags: OpenFlags) -> Result<usize> {
        Ok(0)
    }
    fn write(&self, data: &[u8], _flags: OpenFlags) -> Result<usize> {
        Ok(data.len())
    }
}

struct Zero;
impl CharDevice for Zero {
    fn read(&self, buf: &mut [u8], _flags: OpenFlags) -> Result<usize> {
        buf.fill(0);
        Ok(buf.len())
    }
    fn write(&self, data: &[u8], _flags: OpenFlags) -> Result<usize> {
        Ok(data.len())
    }
}

/// /dev/full: reads zeros, "writes to /dev/full fail with ENOSPC" - full(4).
struct Full;
impl CharDevice for Full {
    fn read(&self, buf: &mut [u8], _flags: OpenFlags) -> Result<usize> {
        buf.fill(0);
        Ok(buf.len())
    }
    fn write(&self, _data: &[u8], _flags: OpenFlags) -> Result<usize> {
        Err(Errno::ENOSPC.into())
    }
}

struct Random;
impl CharDevice for Random {
    fn read(&self, buf: &mut [u8], _flags: OpenFlags) -> Result<usize> {
        hal().fill_random(buf);
        Ok(buf.len())
    }
    /// Writing mixes data into the pool in Linux; we accept and drop it.
    fn write(&self, data: &[u8], _flags: OpenFlags) -> Result<usize> {
        Ok(data.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::mount::MountTree;
    use crate::fs::ramfs::{RAMFS_MAGIC, RamFs};
    use crate::fs::vfs::FileType;

    #[test]
    fn memory_devices_behave() {
        register_memory_devices();
        let fs = RamFs::new(RAMFS_MAGIC, 0o755);
        for (name, minor) in [("null", 3), ("zero", 5), ("full", 7), ("nodev", 99)] {
            fs.root().create(name, FileType::CharDevice, 0o666, 0, 0, makedev(1, minor)).unwrap();
        }
        let tree = MountTree::new(fs.root(), "devtmpfs", "devtmpfs");
        let root = Path::root_of(&tree);
        let creds = crate::process::Credentials::root();
        let r = crate::fs::path::Resolver { tree: &tree, root: &root, creds: &creds };
        let open_rw = |name| open(r.resolve(&root, name, true).unwrap(), OpenFlags::RDWR);
        let mut buf = [7u8; 4];
        assert_eq!(open_rw("null").unwrap().read(&mut buf).unwrap(), 0);
        assert_eq!(open_rw("null").unwrap().write(b"abc").unwrap(), 3);
        assert_eq!(open_rw("zero").unwrap().read(&mut buf).unwrap(), 4);
        assert_eq!(buf, [0; 4]);
        assert_eq!(open_rw("full").unwrap().write(b"x").unwrap_err().errno, Errno::ENOSPC);
        assert_eq!(open_rw("nodev").err().unwrap().errno, Errno::ENXIO);
    }
}
