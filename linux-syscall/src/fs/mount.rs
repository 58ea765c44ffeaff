//! mount(2) and umount2(2) for the file systems of
//! `linux_object::fs::filesystems`, plus bind mounts and remounts.

use linux_object::fs::filesystems;
use linux_object::fs::mount::MountFlags;
use linux_object::fs::vfs::FileType;
use linux_object::{Errno, return_errno, return_errno_with_message};

use super::{AT_FDCWD, fs_and_creds, read_path, resolve_at};
use crate::{Args, Ctx, SysResult};

const MS_RDONLY: u32 = 1;
const MS_NOSUID: u32 = 2;
const MS_NODEV: u32 = 4;
const MS_NOEXEC: u32 = 8;
const MS_REMOUNT: u32 = 32;
const MS_BIND: u32 = 4096;
const MS_MOVE: u32 = 8192;
const MS_REC: u32 = 16384;
const MS_SILENT: u32 = 32768;
/// MS_UNBINDABLE, MS_PRIVATE, MS_SLAVE, MS_SHARED.
const MS_PROPAGATION: u32 = (1 << 17) | (1 << 18) | (1 << 19) | (1 << 20);
const MS_NOATIME: u32 = 1024;
const MS_NODIRATIME: u32 = 2048;
const MS_RELATIME: u32 = 1 << 21;
const MS_STRICTATIME: u32 = 1 << 24;
const MS_MGC_MASK: u32 = 0xffff_0000;
const MS_MGC_VAL: u32 = 0xc0ed_0000;

fn mount_flags(flags: u32) -> MountFlags {
    let mut out = MountFlags::empty();
    for (ms, mf) in [(MS_RDONLY, MountFlags::RDONLY), (MS_NOSUID, MountFlags::NOSUID), (MS_NODEV, MountFlags::NODEV), (MS_NOEXEC, MountFlags::NOEXEC)] {
        if flags & ms != 0 {
            out |= mf;
        }
    }
    out
}

/// mount(source, target, fstype, flags, data).
pub fn sys_mount(ctx: &mut Ctx, args: &Args) -> SysResult {
    let mut flags = args.uint(3);
    // "If the magic number ... 0xC0ED is present in the top 16 bits, it is
    // ignored" - mount(2), for old callers.
    if flags & MS_MGC_MASK == MS_MGC_VAL {
        flags &= !MS_MGC_MASK;
    }
    let (_, creds) = fs_and_creds(ctx);
    // "CAP_SYS_ADMIN in the user namespace that owns the caller's mount
    // namespace" - mount(2).
    let mnt_owner = linux_object::namespace::Namespace::common(&*ctx.thread.process().nsproxy().mnt).owner();
    if !linux_object::namespace::ns_capable(&creds, &mnt_owner, linux_object::namespace::user::CAP_SYS_ADMIN) {
        return_errno!(EPERM);
    }
    let target_path = read_path(ctx, args.get(1))?;
    let target = resolve_at(ctx, AT_FDCWD, &target_path, true, false)?;
    let (fs, _) = fs_and_creds(ctx);
    let tree = fs.tree.clone();
    let absolute = target.absolute(&fs.root);

    if flags & MS_REMOUNT != 0 {
        if !target.same_as(&linux_object::fs::path::Path::root_of(&tree)) && target.mount().root().identity() != target.inode().identity() {
            return_errno!(EINVAL);
        }
        let data = mount_data(ctx, args.get(4))?;
        filesystems::remount(&target.mount().root(), data.as_deref())?;
        target.mount().set_flags(mount_flags(flags));
        return Ok(0);
    }
    if flags & MS_PROPAGATION != 0 && flags & !(MS_PROPAGATION | MS_REC | MS_SILENT) == 0 {
        // Propagation types: every mount is private here (no shared subtrees
        // yet), so making one private, slave or unbindable changes nothing.
        // TODO(mount namespace): shared subtrees.
        log::debug!("mount: propagation flags {:#x} accepted; all mounts are private", flags & MS_PROPAGATION);
        return Ok(0);
    }
    if flags & MS_MOVE != 0 {
        log::warn!("mount: MS_MOVE is not supported");
        return_errno_with_message!(EINVAL, "MS_MOVE is not supported");
    }
    if flags & MS_BIND != 0 {
        let source_path = read_path(ctx, args.get(0))?;
        let source = resolve_at(ctx, AT_FDCWD, &source_path, true, false)?;
        let (sk, tk) = (source.inode().metadata().kind, target.inode().metadata().kind);
        if (sk == FileType::Directory) != (tk == FileType::Directory) {
            return Err(if tk == FileType::Directory { Errno::ENOTDIR } else { Errno::EISDIR }.into());
        }
        let fstype = source.mount().fstype.clone();
        tree.mount(target.mount(), target.inode().clone(), &absolute, source.inode().clone(), &fstype, &source_path, mount_flags(flags))?;
        return Ok(0);
    }
    let _ignored = MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME | MS_SILENT;
    let fstype = read_path(ctx, args.get(2)).map_err(|e| if e.errno == Errno::EFAULT { e } else { Errno::ENODEV.into() })?;
    let source = if args.get(0) == 0 { fstype.clone() } else { read_path(ctx, args.get(0))? };
    if target.inode().metadata().kind != FileType::Directory {
        return_errno!(ENOTDIR);
    }
    let data = mount_data(ctx, args.get(4))?;
    let root = filesystems::instantiate(&fstype, ctx.thread.process().pid_ns(), data.as_deref())?;
    tree.mount(target.mount(), target.inode().clone(), &absolute, root, &fstype, &source, mount_flags(flags))?;
    Ok(0)
}

/// mount(2)'s `data`: "a string of comma-separated options understood by
/// this filesystem", at most a page (copy_mount_options); none when NULL.
fn mount_data(ctx: &Ctx, addr: usize) -> linux_object::Result<Option<alloc::string::String>> {
    if addr == 0 {
        return Ok(None);
    }
    let bytes = linux_object::mm::user::UserPtr::<u8>::new(addr).read_cstr(&mut crate::vm_of(ctx)?.lock(), 4095)?;
    Ok(Some(alloc::string::String::from_utf8(bytes).map_err(|_| Errno::EINVAL)?))
}

const MNT_FORCE: u32 = 1;
const MNT_DETACH: u32 = 2;
const MNT_EXPIRE: u32 = 4;
const UMOUNT_NOFOLLOW: u32 = 8;

pub fn sys_umount2(ctx: &mut Ctx, args: &Args) -> SysResult {
    let flags = args.uint(1);
    if flags & !(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW) != 0 || flags & (MNT_EXPIRE | MNT_FORCE) == MNT_EXPIRE | MNT_FORCE {
        return_errno!(EINVAL);
    }
    let (_, creds) = fs_and_creds(ctx);
    if !creds.is_privileged() {
        return_errno!(EPERM);
    }
    let path = read_path(ctx, args.get(0))?;
    let target = resolve_at(ctx, AT_FDCWD, &path, flags & UMOUNT_NOFOLLOW == 0, false)?;
    // The path must be the root of a mount.
    if target.mount().root().identity() != target.inode().identity() {
        return_errno!(EINVAL);
    }
    ctx.thread.process().fs().lock().tree.clone().umount(target.mount())?;
    Ok(0)
}
