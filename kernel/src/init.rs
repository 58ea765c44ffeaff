//! The root file system and the first user process.

use alloc::sync::Arc;
use alloc::vec::Vec;

use linux_object::fs::context::{FsContext, init_root_tree, root_tree};
use linux_object::fs::fd_table::FdTable;
use linux_object::fs::file::{FileLike, OpenFlags};
use linux_object::fs::mount::MountTree;
use linux_object::fs::ramfs::{RAMFS_MAGIC, RamFs};
use linux_object::fs::vfs::{FileType, makedev};
use linux_object::mm::VmSpace;
use linux_object::process::Process;
use linux_syscall::Ctx;
use linux_syscall::fs::AT_FDCWD;

use crate::arch::user::UserContext;
use crate::task::KERNEL;

/// Builds the root file system: what Linux's built-in initramfs list
/// (usr/default_cpio_list) provides — /dev and /dev/console — then the
/// initramfs unpacked on top. A broken archive is logged, not fatal.
pub fn mount_root(archive: Option<&[u8]>) {
    let fs = RamFs::new(RAMFS_MAGIC, 0o755);
    let root = fs.root();
    if let Ok(dev) = root.create("dev", FileType::Directory, 0o755, 0, 0, 0) {
        let _ = dev.create("console", FileType::CharDevice, 0o600, 0, 0, makedev(5, 1));
    }
    let _ = root.create("root", FileType::Directory, 0o700, 0, 0, 0);
    if let Some(archive) = archive {
        match fs.populate_from_cpio(archive) {
            Ok(count) => log::info!("rootfs: unpacked {count} initramfs members"),
            Err(err) => log::error!("rootfs: initramfs unpacking failed: {err}"),
        }
    }
    init_root_tree(MountTree::new(root, "rootfs", "rootfs"));
}

/// Starts PID 1 running `path` with `argv`, with the console on fds 0-2.
pub fn start_init(path: &str, argv: Vec<Vec<u8>>, envp: Vec<Vec<u8>>) -> linux_object::Result<()> {
    let thread = Process::new_init(VmSpace::new(), FsContext::new(root_tree()), FdTable::new())?;
    let mut regs = UserContext::new(0, 0);
    let mut ctx = Ctx { kernel: &KERNEL, thread: &thread, regs: &mut regs };
    match linux_syscall::fs::open::open_file(&ctx, AT_FDCWD, "/dev/console", OpenFlags::RDWR, 0) {
        Ok(console) => {
            let files = thread.process().files();
            let mut files = files.lock();
            for _ in 0..3 {
                let _ = files.insert(console.clone() as Arc<dyn FileLike>, false, 1024);
            }
        }
        Err(err) => log::warn!("init: unable to open an initial console: {err}"),
    }
    linux_syscall::process::exec::exec_file(&mut ctx, AT_FDCWD, path, argv, envp, 0)?;
    crate::task::spawn(thread, regs);
    Ok(())
}
