//! Attribute syscalls: fchmodat(2), fchmod(2), fchownat(2), fchown(2),
//! utimensat(2), umask(2).

use linux_object::fs::mount::MountFlags;
use linux_object::fs::path::Path;
use linux_object::fs::vfs::SetAttr;
use linux_object::mm::user::UserPtr;
use linux_object::time::{self, TimeSpec};
use linux_object::{Result, return_errno};

use super::{AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, file_of, fs_and_creds, read_path, resolve_at};
use crate::{Args, Ctx, SysResult, vm_of};

fn check_writable_mount(path: &Path) -> Result<()> {
    if path.mount().flags().contains(MountFlags::RDONLY) {
        return_errno!(EROFS);
    }
    Ok(())
}

/// chmod: the owner or a privileged process; a non-member loses S_ISGID.
fn chmod(ctx: &Ctx, path: &Path, mode: u32) -> SysResult {
    check_writable_mount(path)?;
    let (_, creds) = fs_and_creds(ctx);
    let meta = path.inode().metadata();
    if !creds.is_privileged() && creds.fsuid != meta.uid {
        return_errno!(EPERM);
    }
    let mut perm = mode & 0o7777;
    if !creds.is_privileged() && !creds.in_group(meta.gid) {
        perm &= !0o2000;
    }
    path.inode().set_attr(SetAttr { perm: Some(perm), ..Default::default() })?;
    Ok(0)
}

pub fn sys_fchmodat(ctx: &mut Ctx, args: &Args) -> SysResult {
    let path = read_path(ctx, args.get(1))?;
    let target = resolve_at(ctx, args.int(0), &path, true, false)?;
    chmod(ctx, &target, args.uint(2))
}

pub fn sys_chmod(ctx: &mut Ctx, args: &Args) -> SysResult {
    let path = read_path(ctx, args.get(0))?;
    let target = resolve_at(ctx, AT_FDCWD, &path, true, false)?;
    chmod(ctx, &target, args.uint(1))
}

pub fn sys_fchmod(ctx: &mut Ctx, args: &Args) -> SysResult {
    let target = file_of(ctx, args.int(0))?.path().ok_or(linux_object::Errno::EBADF)?;
    chmod(ctx, &target, args.uint(1))
}

/// chown: changing the owner needs privilege; the owner may change the
/// group to one it belongs to. Clears set-id bits on regular files.
fn chown(ctx: &Ctx, path: &Path, uid: u32, gid: u32) -> SysResult {
    check_writable_mount(path)?;
    let (_, creds) = fs_and_creds(ctx);
    let meta = path.inode().metadata();
    let new_uid = (uid != u32::MAX).then_some(uid);
    let new_gid = (gid != u32::MAX).then_some(gid);
    if !creds.is_privileged() {
        if new_uid.is_some_and(|u| u != meta.uid) {
            return_errno!(EPERM);
        }
        if new_gid.is_some_and(|g| creds.fsuid != meta.uid || !creds.in_group(g)) {
            return_errno!(EPERM);
        }
    }
    let mut attr = SetAttr { uid: new_uid, gid: new_gid, ..Default::default() };
    if (new_uid.is_some() || new_gid.is_some()) && meta.kind == linux_object::fs::vfs::FileType::Regular {
        attr.perm = Some(meta.perm & !0o6000);
    }
    path.inode().set_attr(attr)?;
    Ok(0)
}

pub fn sys_fchownat(ctx: &mut Ctx, args: &Args) -> SysResult {
    let flags = args.uint(4);
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return_errno!(EINVAL);
    }
    let path = read_path(ctx, args.get(1))?;
    let target = resolve_at(ctx, args.int(0), &path, flags & AT_SYMLINK_NOFOLLOW == 0, flags & AT_EMPTY_PATH != 0)?;
    chown(ctx, &target, args.uint(2), args.uint(3))
}

pub fn sys_fchown(ctx: &mut Ctx, args: &Args) -> SysResult {
    let target = file_of(ctx, args.int(0))?.path().ok_or(linux_object::Errno::EBADF)?;
    chown(ctx, &target, args.uint(1), args.uint(2))
}

pub fn sys_chown(ctx: &mut Ctx, args: &Args) -> SysResult {
    let path = read_path(ctx, args.get(0))?;
    let target = resolve_at(ctx, AT_FDCWD, &path, true, false)?;
    chown(ctx, &target, args.uint(1), args.uint(2))
}

pub fn sys_lchown(ctx: &mut Ctx, args: &Args) -> SysResult {
    let path = read_path(ctx, args.get(0))?;
    let target = resolve_at(ctx, AT_FDCWD, &path, false, false)?;
    chown(ctx, &target, args.uint(1), args.uint(2))
}

const UTIME_NOW: i64 = (1 << 30) - 1;
const UTIME_OMIT: i64 = (1 << 30) - 2;

/// utimensat(2): a NULL path means the file `dirfd` (the futimens case).
pub fn sys_utimensat(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (dirfd, path_addr, times_addr, flags) = (args.int(0), args.get(1), args.get(2), args.uint(3));
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return_errno!(EINVAL);
    }
    let target = if path_addr == 0 {
        file_of(ctx, dirfd)?.path().ok_or(linux_object::Errno::EBADF)?
    } else {
        let path = read_path(ctx, path_addr)?;
        resolve_at(ctx, dirfd, &path, flags & AT_SYMLINK_NOFOLLOW == 0, flags & AT_EMPTY_PATH != 0)?
    };
    check_writable_mount(&target)?;
    let now = TimeSpec::from_ns(time::realtime_ns());
    let (atime, mtime) = if times_addr == 0 {
        (Some(now), Some(now))
    } else {
        let raw = UserPtr::<u8>::new(times_addr).read_bytes(&mut vm_of(ctx)?.lock(), 32)?;
        let pick = |offset: usize| -> Result<Option<TimeSpec>> {
            let mut b = [0u8; 16];
            b.copy_from_slice(&raw[offset..offset + 16]);
            let t = TimeSpec::from_bytes(&b);
            Ok(match t.nsec {
                UTIME_NOW => Some(now),
                UTIME_OMIT => None,
                _ => {
                    t.to_ns()?;
                    Some(t)
                }
            })
        };
        (pick(0)?, pick(16)?)
    };
    let (_, creds) = fs_and_creds(ctx);
    let meta = target.inode().metadata();
    if !creds.is_privileged() && creds.fsuid != meta.uid {
        // Setting both to "now" needs only write access; explicit times need ownership.
        let only_now = times_addr == 0;
        if !only_now {
            return_errno!(EPERM);
        }
        linux_object::fs::perm::check_access(&meta, &creds, linux_object::fs::perm::MAY_WRITE)?;
    }
    target.inode().set_attr(SetAttr { atime, mtime, ..Default::default() })?;
    Ok(0)
}

/// umask(2): sets the mask, returns the old one.
pub fn sys_umask(ctx: &mut Ctx, args: &Args) -> SysResult {
    let fs = ctx.thread.process().fs();
    let mut fs = fs.lock();
    let old = fs.umask;
    fs.umask = args.uint(0) & 0o777;
    Ok(old as usize)
}
