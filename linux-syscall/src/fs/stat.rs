//! newfstatat(2), fstat(2), statx(2), statfs(2)/fstatfs(2),
//! faccessat(2)/faccessat2, readlinkat(2).

use linux_object::fs::perm::{MAY_EXEC, MAY_READ, MAY_WRITE, check_access};
use linux_object::fs::vfs::{FileType, Metadata, major, minor};
use linux_object::mm::user::UserPtr;
use linux_object::{Errno, return_errno};

use super::{AT_EACCESS, AT_EMPTY_PATH, AT_FDCWD, AT_NO_AUTOMOUNT, AT_SYMLINK_NOFOLLOW, file_of, fs_and_creds, read_path, resolve_at};
use crate::{Arch, Args, Ctx, SysResult, vm_of};

/// `struct stat` in the layout of the caller's architecture: the generic
/// one (asm-generic/stat.h, 128 bytes) on riscv64, x86_64's own (144 bytes).
pub fn encode_stat(arch: Arch, m: &Metadata) -> alloc::vec::Vec<u8> {
    let mut b = alloc::vec![0u8; if arch == Arch::X86_64 { 144 } else { 128 }];
    let put64 = |b: &mut [u8], o: usize, v: u64| b[o..o + 8].copy_from_slice(&v.to_le_bytes());
    let put32 = |b: &mut [u8], o: usize, v: u32| b[o..o + 4].copy_from_slice(&v.to_le_bytes());
    match arch {
        Arch::X86_64 => {
            put64(&mut b, 0, m.dev);
            put64(&mut b, 8, m.ino);
            put64(&mut b, 16, m.nlink as u64);
            put32(&mut b, 24, m.mode());
            put32(&mut b, 28, m.uid);
            put32(&mut b, 32, m.gid);
            put64(&mut b, 40, m.rdev);
            put64(&mut b, 48, m.size);
            put64(&mut b, 56, m.blksize as u64);
            put64(&mut b, 64, m.blocks);
            for (i, t) in [m.atime, m.mtime, m.ctime].iter().enumerate() {
                put64(&mut b, 72 + 16 * i, t.sec as u64);
                put64(&mut b, 80 + 16 * i, t.nsec as u64);
            }
        }
        Arch::Riscv64 => {
            put64(&mut b, 0, m.dev);
            put64(&mut b, 8, m.ino);
            put32(&mut b, 16, m.mode());
            put32(&mut b, 20, m.nlink);
            put32(&mut b, 24, m.uid);
            put32(&mut b, 28, m.gid);
            put64(&mut b, 32, m.rdev);
            put64(&mut b, 48, m.size);
            put32(&mut b, 56, m.blksize);
            put64(&mut b, 64, m.blocks);
            for (i, t) in [m.atime, m.mtime, m.ctime].iter().enumerate() {
                put64(&mut b, 72 + 16 * i, t.sec as u64);
                put64(&mut b, 80 + 16 * i, t.nsec as u64);
            }
        }
    }
    b
}

fn write_stat(ctx: &Ctx, addr: usize, meta: &Metadata) -> SysResult {
    let bytes = encode_stat(ctx.kernel.arch(), meta);
    UserPtr::<u8>::new(addr).write_bytes(&mut vm_of(ctx)?.lock(), &bytes)?;
    Ok(0)
}

pub fn sys_newfstatat(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (dirfd, flags) = (args.int(0), args.uint(3));
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT) != 0 {
        return_errno!(EINVAL);
    }
    let path = read_path(ctx, args.get(1))?;
    let target = resolve_at(ctx, dirfd, &path, flags & AT_SYMLINK_NOFOLLOW == 0, flags & AT_EMPTY_PATH != 0)?;
    write_stat(ctx, args.get(2), &target.inode().metadata())
}

pub fn sys_fstat(ctx: &mut Ctx, args: &Args) -> SysResult {
    let meta = file_of(ctx, args.int(0))?.metadata()?;
    write_stat(ctx, args.get(1), &meta)
}

/// stat(2)/lstat(2) on x86_64.
pub fn sys_stat(ctx: &mut Ctx, args: &Args) -> SysResult {
    let path = read_path(ctx, args.get(0))?;
    let target = resolve_at(ctx, AT_FDCWD, &path, true, false)?;
    write_stat(ctx, args.get(1), &target.inode().metadata())
}

pub fn sys_lstat(ctx: &mut Ctx, args: &Args) -> SysResult {
    let path = read_path(ctx, args.get(0))?;
    let target = resolve_at(ctx, AT_FDCWD, &path, false, false)?;
    write_stat(ctx, args.get(1), &target.inode().metadata())
}

const STATX_BASIC_STATS: u32 = 0x7ff;
const STATX_MNT_ID: u32 = 0x1000;
const AT_STATX_SYNC_TYPE: u32 = 0x6000;

/// statx(2): `struct statx` (256 bytes), the same on every architecture.
pub fn sys_statx(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (dirfd, flags, mask) = (args.int(0), args.uint(2), args.uint(3));
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE) != 0
        || flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE
        || mask & 0x8000_0000 != 0
    {
        return_errno!(EINVAL);
    }
    let path = read_path(ctx, args.get(1))?;
    let target = resolve_at(ctx, dirfd, &path, flags & AT_SYMLINK_NOFOLLOW == 0, flags & AT_EMPTY_PATH != 0)?;
    let m = target.inode().metadata();
    let mut b = [0u8; 256];
    let put32 = |b: &mut [u8], o: usize, v: u32| b[o..o + 4].copy_from_slice(&v.to_le_bytes());
    let put64 = |b: &mut [u8], o: usize, v: u64| b[o..o + 8].copy_from_slice(&v.to_le_bytes());
    put32(&mut b, 0, STATX_BASIC_STATS | STATX_MNT_ID);
    put32(&mut b, 4, m.blksize);
    put32(&mut b, 16, m.nlink);
    put32(&mut b, 20, m.uid);
    put32(&mut b, 24, m.gid);
    b[28..30].copy_from_slice(&(m.mode() as u16).to_le_bytes());
    put64(&mut b, 32, m.ino);
    put64(&mut b, 40, m.size);
    put64(&mut b, 48, m.blocks);
    // atime 64, btime 80 (not kept), ctime 96, mtime 112: {i64 sec, u32 nsec}.
    for (offset, t) in [(64, m.atime), (96, m.ctime), (112, m.mtime)] {
        put64(&mut b, offset, t.sec as u64);
        put32(&mut b, offset + 8, t.nsec as u32);
    }
    put32(&mut b, 128, major(m.rdev));
    put32(&mut b, 132, minor(m.rdev));
    put32(&mut b, 136, major(m.dev));
    put32(&mut b, 140, minor(m.dev));
    put64(&mut b, 144, target.mount().id());
    UserPtr::<u8>::new(args.get(4)).write_bytes(&mut vm_of(ctx)?.lock(), &b)?;
    Ok(0)
}

/// `struct statfs` (120 bytes on 64-bit) for the file system of `magic`.
fn write_statfs(ctx: &Ctx, addr: usize, root: &alloc::sync::Arc<dyn linux_object::fs::vfs::INode>, readonly: bool) -> SysResult {
    let magic = root.fs_magic();
    let (total, free) = linux_object::hal::hal().memory_stats();
    let (blocks, bfree, files, ffree) = linux_object::fs::filesystems::usage(root)
        .unwrap_or(((total / 4096) as u64, (free / 4096) as u64, 1 << 20, 1 << 20));
    let mut b = [0u8; 120];
    let put64 = |b: &mut [u8], o: usize, v: u64| b[o..o + 8].copy_from_slice(&v.to_le_bytes());
    put64(&mut b, 0, magic);
    put64(&mut b, 8, 4096); // f_bsize
    put64(&mut b, 16, blocks); // f_blocks
    put64(&mut b, 24, bfree); // f_bfree
    put64(&mut b, 32, bfree); // f_bavail
    put64(&mut b, 40, files); // f_files
    put64(&mut b, 48, ffree); // f_ffree
    put64(&mut b, 64, 255); // f_namelen
    put64(&mut b, 72, 4096); // f_frsize
    put64(&mut b, 80, if readonly { 1 } else { 0 }); // f_flags: ST_RDONLY
    UserPtr::<u8>::new(addr).write_bytes(&mut vm_of(ctx)?.lock(), &b)?;
    Ok(0)
}

pub fn sys_statfs(ctx: &mut Ctx, args: &Args) -> SysResult {
    let path = read_path(ctx, args.get(0))?;
    let target = resolve_at(ctx, AT_FDCWD, &path, true, false)?;
    let ro = target.mount().flags().contains(linux_object::fs::mount::MountFlags::RDONLY);
    write_statfs(ctx, args.get(1), &target.mount().root(), ro)
}

pub fn sys_fstatfs(ctx: &mut Ctx, args: &Args) -> SysResult {
    let file = file_of(ctx, args.int(0))?;
    let path = file.path().ok_or(Errno::EINVAL)?;
    let ro = path.mount().flags().contains(linux_object::fs::mount::MountFlags::RDONLY);
    write_statfs(ctx, args.get(1), &path.mount().root(), ro)
}

/// faccessat2(2); faccessat(2) is the same without flags. Checks use the
/// real ids unless AT_EACCESS (access(2)'s defining quirk).
fn do_faccessat(ctx: &Ctx, dirfd: i32, path_addr: usize, mode: u32, flags: u32) -> SysResult {
    if mode & !7 != 0 || flags & !(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return_errno!(EINVAL);
    }
    let path = read_path(ctx, path_addr)?;
    let (_, mut creds) = fs_and_creds(ctx);
    if flags & AT_EACCESS == 0 {
        creds.fsuid = creds.uid;
        creds.fsgid = creds.gid;
    }
    let target = resolve_at(ctx, dirfd, &path, flags & AT_SYMLINK_NOFOLLOW == 0, flags & AT_EMPTY_PATH != 0)?;
    let meta = target.inode().metadata();
    let mut want = 0;
    if mode & 4 != 0 {
        want |= MAY_READ;
    }
    if mode & 2 != 0 {
        want |= MAY_WRITE;
        if target.mount().flags().contains(linux_object::fs::mount::MountFlags::RDONLY) && meta.kind != FileType::CharDevice {
            return_errno!(EROFS);
        }
    }
    if mode & 1 != 0 {
        want |= MAY_EXEC;
    }
    check_access(&meta, &creds, want)?;
    Ok(0)
}

pub fn sys_faccessat(ctx: &mut Ctx, args: &Args) -> SysResult {
    do_faccessat(ctx, args.int(0), args.get(1), args.uint(2), 0)
}

pub fn sys_faccessat2(ctx: &mut Ctx, args: &Args) -> SysResult {
    do_faccessat(ctx, args.int(0), args.get(1), args.uint(2), args.uint(3))
}

pub fn sys_access(ctx: &mut Ctx, args: &Args) -> SysResult {
    do_faccessat(ctx, AT_FDCWD, args.get(0), args.uint(1), 0)
}

/// readlinkat(2): no NUL is appended; `EINVAL` for a non-symlink or bufsiz <= 0.
pub fn sys_readlinkat(ctx: &mut Ctx, args: &Args) -> SysResult {
    do_readlinkat(ctx, args.int(0), args.get(1), args.get(2), args.get(3))
}

pub fn sys_readlink(ctx: &mut Ctx, args: &Args) -> SysResult {
    do_readlinkat(ctx, AT_FDCWD, args.get(0), args.get(1), args.get(2))
}

fn do_readlinkat(ctx: &Ctx, dirfd: i32, path_addr: usize, buf: usize, size: usize) -> SysResult {
    if (size as isize) <= 0 {
        return_errno!(EINVAL);
    }
    let path = read_path(ctx, path_addr)?;
    let target = resolve_at(ctx, dirfd, &path, false, true)?;
    let link = target.inode().read_link()?;
    let n = link.len().min(size);
    UserPtr::<u8>::new(buf).write_bytes(&mut vm_of(ctx)?.lock(), &link.as_bytes()[..n])?;
    Ok(n)
}
