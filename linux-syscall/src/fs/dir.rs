//! Directory syscalls: getdents64(2), mkdirat(2), mknodat(2), unlinkat(2),
//! renameat2(2), symlinkat(2), linkat(2), getcwd(2), chdir(2), fchdir(2),
//! chroot(2), and their x86_64 non-at forms.

use alloc::string::String;

use linux_object::fs::mount::MountFlags;
use linux_object::fs::path::Path;
use linux_object::fs::perm::{MAY_EXEC, MAY_WRITE, check_access};
use linux_object::fs::vfs::{FileType, makedev};
use linux_object::mm::user::UserPtr;
use linux_object::process::Credentials;
use linux_object::{Errno, Result, return_errno};

use super::{AT_EMPTY_PATH, AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_FOLLOW, file_of, fs_and_creds, read_path, resolve_at, start_dir};
use crate::{Args, Ctx, SysResult, vm_of};

pub fn sys_getdents64(ctx: &mut Ctx, args: &Args) -> SysResult {
    let file = file_of(ctx, args.int(0))?;
    let len = args.get(2).min(1 << 20);
    let mut buf = linux_object::mm::zeroed_buffer(len)?;
    let n = file.getdents64(&mut buf)?;
    UserPtr::<u8>::new(args.get(1)).write_bytes(&mut vm_of(ctx)?.lock(), &buf[..n])?;
    Ok(n)
}

/// The directory and name a create/remove call works on, with the checks
/// every such call makes: write+search permission on the directory, a
/// writable mount.
fn parent_for_change(ctx: &Ctx, dirfd: i32, path: &str) -> Result<(Path, String, Credentials)> {
    let (fs, creds) = fs_and_creds(ctx);
    let start = start_dir(ctx, &fs, dirfd)?;
    let (dir, last) = fs.resolve_parent(&creds, &start, path)?;
    let name = last.ok_or(Errno::EEXIST)?;
    check_access(&dir.inode().metadata(), &creds, MAY_WRITE | MAY_EXEC)?;
    if dir.mount().flags().contains(MountFlags::RDONLY) {
        return_errno!(EROFS);
    }
    Ok((dir, name, creds))
}

fn do_mkdirat(ctx: &Ctx, dirfd: i32, path_addr: usize, mode: u32) -> SysResult {
    let path = read_path(ctx, path_addr)?;
    let (dir, name, creds) = parent_for_change(ctx, dirfd, &path)?;
    let umask = ctx.thread.process().fs().lock().umask;
    dir.inode().create(&name, FileType::Directory, mode & 0o7777 & !umask, creds.fsuid, creds.fsgid, 0)?;
    Ok(0)
}

pub fn sys_mkdirat(ctx: &mut Ctx, args: &Args) -> SysResult {
    do_mkdirat(ctx, args.int(0), args.get(1), args.uint(2))
}

pub fn sys_mkdir(ctx: &mut Ctx, args: &Args) -> SysResult {
    do_mkdirat(ctx, AT_FDCWD, args.get(0), args.uint(1))
}

/// mknodat(2): regular files, FIFOs, sockets; device nodes need privilege.
fn do_mknodat(ctx: &Ctx, dirfd: i32, path_addr: usize, mode: u32, dev: u64) -> SysResult {
    let path = read_path(ctx, path_addr)?;
    let kind = match mode & linux_object::fs::vfs::S_IFMT {
        0 => FileType::Regular,
        _ => FileType::from_mode(mode).ok_or(Errno::EINVAL)?,
    };
    if kind == FileType::Directory || kind == FileType::Symlink {
        return_errno!(EINVAL);
    }
    let (dir, name, creds) = parent_for_change(ctx, dirfd, &path)?;
    if matches!(kind, FileType::CharDevice | FileType::BlockDevice) && !creds.is_privileged() {
        return_errno!(EPERM);
    }
    let umask = ctx.thread.process().fs().lock().umask;
    let major = ((dev >> 8) & 0xfff) as u32 | ((dev >> 32) as u32 & !0xfff);
    let minor = (dev & 0xff) as u32 | ((dev >> 12) as u32 & !0xff);
    let rdev = if matches!(kind, FileType::CharDevice | FileType::BlockDevice) { makedev(major, minor) } else { 0 };
    dir.inode().create(&name, kind, mode & 0o7777 & !umask, creds.fsuid, creds.fsgid, rdev)?;
    Ok(0)
}

pub fn sys_mknodat(ctx: &mut Ctx, args: &Args) -> SysResult {
    do_mknodat(ctx, args.int(0), args.get(1), args.uint(2), args.get(3) as u64)
}

pub fn sys_mknod(ctx: &mut Ctx, args: &Args) -> SysResult {
    do_mknodat(ctx, AT_FDCWD, args.get(0), args.uint(1), args.get(2) as u64)
}

/// The sticky-bit rule: in a sticky directory only the owner of the file or
/// of the directory (or a privileged process) may remove or rename.
fn check_sticky(dir: &Path, victim_uid: u32, creds: &Credentials) -> Result<()> {
    let meta = dir.inode().metadata();
    if meta.perm & 0o1000 != 0 && !creds.is_privileged() && creds.fsuid != victim_uid && creds.fsuid != meta.uid {
        return_errno!(EPERM);
    }
    Ok(())
}

/// The mount mounted on `dir/name`, if any: such names cannot be removed.
fn is_mountpoint(ctx: &Ctx, dir: &Path, name: &str) -> bool {
    let tree = ctx.thread.process().fs().lock().tree.clone();
    dir.inode().lookup(name).is_ok_and(|inode| tree.mounted_on(dir.mount(), &inode).is_some())
}

fn do_unlinkat(ctx: &Ctx, dirfd: i32, path_addr: usize, flags: u32) -> SysResult {
    if flags & !AT_REMOVEDIR != 0 {
        return_errno!(EINVAL);
    }
    let path = read_path(ctx, path_addr)?;
    let (fs, creds) = fs_and_creds(ctx);
    let start = start_dir(ctx, &fs, dirfd)?;
    let (dir, last) = fs.resolve_parent(&creds, &start, &path)?;
    let Some(name) = last else {
        // "rmdir ." is EINVAL, "rmdir .." ENOTEMPTY, unlink of "/" EISDIR.
        let errno = match (flags & AT_REMOVEDIR != 0, path.ends_with("..")) {
            (true, true) => Errno::ENOTEMPTY,
            (true, false) => Errno::EINVAL,
            (false, _) => Errno::EISDIR,
        };
        return Err(errno.into());
    };
    check_access(&dir.inode().metadata(), &creds, MAY_WRITE | MAY_EXEC)?;
    if dir.mount().flags().contains(MountFlags::RDONLY) {
        return_errno!(EROFS);
    }
    let victim = dir.inode().lookup(&name)?;
    check_sticky(&dir, victim.metadata().uid, &creds)?;
    if is_mountpoint(ctx, &dir, &name) {
        return_errno!(EBUSY);
    }
    if flags & AT_REMOVEDIR != 0 {
        dir.inode().rmdir(&name)?;
    } else {
        if path.ends_with('/') && victim.metadata().kind != FileType::Directory {
            return_errno!(ENOTDIR);
        }
        dir.inode().unlink(&name)?;
    }
    Ok(0)
}

pub fn sys_unlinkat(ctx: &mut Ctx, args: &Args) -> SysResult {
    do_unlinkat(ctx, args.int(0), args.get(1), args.uint(2))
}

pub fn sys_unlink(ctx: &mut Ctx, args: &Args) -> SysResult {
    do_unlinkat(ctx, AT_FDCWD, args.get(0), 0)
}

pub fn sys_rmdir(ctx: &mut Ctx, args: &Args) -> SysResult {
    do_unlinkat(ctx, AT_FDCWD, args.get(0), AT_REMOVEDIR)
}

fn do_renameat2(ctx: &Ctx, olddirfd: i32, old_addr: usize, newdirfd: i32, new_addr: usize, flags: u32) -> SysResult {
    let old_path = read_path(ctx, old_addr)?;
    let new_path = read_path(ctx, new_addr)?;
    let (fs, creds) = fs_and_creds(ctx);
    let old_start = start_dir(ctx, &fs, olddirfd)?;
    let new_start = start_dir(ctx, &fs, newdirfd)?;
    let (old_dir, old_name) = fs.resolve_parent(&creds, &old_start, &old_path)?;
    let (new_dir, new_name) = fs.resolve_parent(&creds, &new_start, &new_path)?;
    let (Some(old_name), Some(new_name)) = (old_name, new_name) else { return_errno!(EBUSY) };
    for dir in [&old_dir, &new_dir] {
        check_access(&dir.inode().metadata(), &creds, MAY_WRITE | MAY_EXEC)?;
        if dir.mount().flags().contains(MountFlags::RDONLY) {
            return_errno!(EROFS);
        }
    }
    if old_dir.mount().id() != new_dir.mount().id() {
        return_errno!(EXDEV);
    }
    let source = old_dir.inode().lookup(&old_name)?;
    check_sticky(&old_dir, source.metadata().uid, &creds)?;
    if is_mountpoint(ctx, &old_dir, &old_name) || is_mountpoint(ctx, &new_dir, &new_name) {
        return_errno!(EBUSY);
    }
    old_dir.inode().rename(&old_name, new_dir.inode(), &new_name, flags)?;
    Ok(0)
}

pub fn sys_renameat2(ctx: &mut Ctx, args: &Args) -> SysResult {
    do_renameat2(ctx, args.int(0), args.get(1), args.int(2), args.get(3), args.uint(4))
}

pub fn sys_renameat(ctx: &mut Ctx, args: &Args) -> SysResult {
    do_renameat2(ctx, args.int(0), args.get(1), args.int(2), args.get(3), 0)
}

pub fn sys_rename(ctx: &mut Ctx, args: &Args) -> SysResult {
    do_renameat2(ctx, AT_FDCWD, args.get(0), AT_FDCWD, args.get(1), 0)
}

fn do_symlinkat(ctx: &Ctx, target_addr: usize, dirfd: i32, path_addr: usize) -> SysResult {
    let target = read_path(ctx, target_addr)?;
    let path = read_path(ctx, path_addr)?;
    let (dir, name, creds) = parent_for_change(ctx, dirfd, &path)?;
    dir.inode().symlink(&name, &target, creds.fsuid, creds.fsgid)?;
    Ok(0)
}

pub fn sys_symlinkat(ctx: &mut Ctx, args: &Args) -> SysResult {
    do_symlinkat(ctx, args.get(0), args.int(1), args.get(2))
}

pub fn sys_symlink(ctx: &mut Ctx, args: &Args) -> SysResult {
    do_symlinkat(ctx, args.get(0), AT_FDCWD, args.get(1))
}

fn do_linkat(ctx: &Ctx, olddirfd: i32, old_addr: usize, newdirfd: i32, new_addr: usize, flags: u32) -> SysResult {
    if flags & !(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH) != 0 {
        return_errno!(EINVAL);
    }
    let old_path = read_path(ctx, old_addr)?;
    let new_path = read_path(ctx, new_addr)?;
    let source = resolve_at(ctx, olddirfd, &old_path, flags & AT_SYMLINK_FOLLOW != 0, flags & AT_EMPTY_PATH != 0)?;
    if source.inode().metadata().kind == FileType::Directory {
        return_errno!(EPERM);
    }
    let (dir, name, _) = parent_for_change(ctx, newdirfd, &new_path)?;
    if dir.mount().id() != source.mount().id() {
        return_errno!(EXDEV);
    }
    dir.inode().link(&name, source.inode())?;
    Ok(0)
}

pub fn sys_linkat(ctx: &mut Ctx, args: &Args) -> SysResult {
    do_linkat(ctx, args.int(0), args.get(1), args.int(2), args.get(3), args.uint(4))
}

pub fn sys_link(ctx: &mut Ctx, args: &Args) -> SysResult {
    do_linkat(ctx, AT_FDCWD, args.get(0), AT_FDCWD, args.get(1), 0)
}

/// getcwd(2): `ERANGE` when the buffer is too small; returns the length
/// including the NUL, as the raw syscall does.
pub fn sys_getcwd(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (fs, _) = fs_and_creds(ctx);
    let mut cwd = fs.cwd.absolute(&fs.root).into_bytes();
    cwd.push(0);
    if cwd.len() > args.get(1) {
        return_errno!(ERANGE);
    }
    UserPtr::<u8>::new(args.get(0)).write_bytes(&mut vm_of(ctx)?.lock(), &cwd)?;
    Ok(cwd.len())
}

fn set_cwd(ctx: &Ctx, path: Path) -> SysResult {
    let (_, creds) = fs_and_creds(ctx);
    let meta = path.inode().metadata();
    if meta.kind != FileType::Directory {
        return_errno!(ENOTDIR);
    }
    check_access(&meta, &creds, MAY_EXEC)?;
    ctx.thread.process().fs().lock().cwd = path;
    Ok(0)
}

pub fn sys_chdir(ctx: &mut Ctx, args: &Args) -> SysResult {
    let path = read_path(ctx, args.get(0))?;
    let target = resolve_at(ctx, AT_FDCWD, &path, true, false)?;
    set_cwd(ctx, target)
}

pub fn sys_fchdir(ctx: &mut Ctx, args: &Args) -> SysResult {
    let path = file_of(ctx, args.int(0))?.path().ok_or(Errno::ENOTDIR)?;
    set_cwd(ctx, path)
}

/// chroot(2): needs CAP_SYS_CHROOT; does not change the cwd.
pub fn sys_chroot(ctx: &mut Ctx, args: &Args) -> SysResult {
    let path = read_path(ctx, args.get(0))?;
    let target = resolve_at(ctx, AT_FDCWD, &path, true, false)?;
    let (_, creds) = fs_and_creds(ctx);
    let meta = target.inode().metadata();
    if meta.kind != FileType::Directory {
        return_errno!(ENOTDIR);
    }
    check_access(&meta, &creds, MAY_EXEC)?;
    if !creds.is_privileged() {
        return_errno!(EPERM);
    }
    ctx.thread.process().fs().lock().root = target;
    Ok(0)
}
