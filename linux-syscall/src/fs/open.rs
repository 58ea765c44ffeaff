//! openat(2), open(2) (x86_64), creat(2), close(2), close_range(2).

use alloc::sync::Arc;

use linux_object::fs::devices;
use linux_object::fs::file::{FileLike, InodeFile, OpenFlags};
use linux_object::fs::mount::MountFlags;
use linux_object::fs::perm::{MAY_READ, MAY_WRITE, MAY_EXEC, check_access};
use linux_object::fs::vfs::FileType;
use linux_object::{Errno, return_errno, return_errno_with_message};

use super::{AT_FDCWD, fs_and_creds, nofile_limit, read_path, start_dir};
use crate::{Args, Ctx, SysResult};

pub fn sys_openat(ctx: &mut Ctx, args: &Args) -> SysResult {
    let path = read_path(ctx, args.get(1))?;
    do_open(ctx, args.int(0), &path, args.uint(2), args.uint(3))
}

/// open(2), x86_64 only: openat(AT_FDCWD, …).
pub fn sys_open(ctx: &mut Ctx, args: &Args) -> SysResult {
    let path = read_path(ctx, args.get(0))?;
    do_open(ctx, AT_FDCWD, &path, args.uint(1), args.uint(2))
}

/// creat(2), x86_64 only.
pub fn sys_creat(ctx: &mut Ctx, args: &Args) -> SysResult {
    let path = read_path(ctx, args.get(0))?;
    let flags = OpenFlags::CREAT | OpenFlags::WRONLY | OpenFlags::TRUNC;
    do_open(ctx, AT_FDCWD, &path, flags.bits(), args.uint(1))
}

/// The open itself, shared by every open syscall; returns the new fd.
pub fn do_open(ctx: &mut Ctx, dirfd: i32, path: &str, raw_flags: u32, mode: u32) -> SysResult {
    let flags = OpenFlags::from_bits_truncate(raw_flags);
    if flags.contains(OpenFlags::TMPFILE) {
        log::warn!("open: O_TMPFILE is not supported");
        return_errno_with_message!(EOPNOTSUPP, "O_TMPFILE is not supported");
    }
    let file = open_file(ctx, dirfd, path, flags, mode)?;
    let limit = nofile_limit(ctx);
    let fd = ctx.thread.process().files().lock().insert(file, flags.contains(OpenFlags::CLOEXEC), limit)?;
    Ok(fd)
}

/// Opens (and maybe creates) `path`, checking permissions as open(2) does.
pub fn open_file(ctx: &Ctx, dirfd: i32, path: &str, flags: OpenFlags, mode: u32) -> linux_object::Result<Arc<dyn FileLike>> {
    let (fs, creds) = fs_and_creds(ctx);
    let start = start_dir(ctx, &fs, dirfd)?;
    let follow = !flags.contains(OpenFlags::NOFOLLOW);
    let mut created = false;
    let target = if flags.contains(OpenFlags::CREAT) {
        let (dir, last) = fs.resolve_parent(&creds, &start, path)?;
        let Some(name) = last else { return_errno!(EISDIR) };
        match dir.inode().lookup(&name) {
            Ok(_) if flags.contains(OpenFlags::EXCL) => return_errno!(EEXIST),
            Ok(_) => fs.resolve(&creds, &start, path, follow)?,
            Err(err) if err.errno == Errno::ENOENT => {
                if path.ends_with('/') {
                    return_errno!(EISDIR);
                }
                check_access(&dir.inode().metadata(), &creds, MAY_WRITE | MAY_EXEC)?;
                if dir.mount().flags().contains(MountFlags::RDONLY) {
                    return_errno!(EROFS);
                }
                let perm = mode & 0o7777 & !fs.umask;
                dir.inode().create(&name, FileType::Regular, perm, creds.fsuid, creds.fsgid, 0)?;
                created = true;
                fs.resolve(&creds, &dir, &name, false)?
            }
            Err(err) => return Err(err),
        }
    } else {
        fs.resolve(&creds, &start, path, follow)?
    };
    let meta = target.inode().metadata();
    if flags.contains(OpenFlags::PATH) {
        return Ok(InodeFile::new(target, flags & (OpenFlags::PATH | OpenFlags::DIRECTORY | OpenFlags::NOFOLLOW | OpenFlags::CLOEXEC)));
    }
    if meta.kind == FileType::Symlink {
        // Only reached with O_NOFOLLOW: "the final component is a symbolic link".
        return_errno!(ELOOP);
    }
    if flags.contains(OpenFlags::DIRECTORY) && meta.kind != FileType::Directory {
        return_errno!(ENOTDIR);
    }
    if meta.kind == FileType::Directory && flags.writable() {
        return_errno!(EISDIR);
    }
    if !created {
        let mut want = 0;
        if flags.readable() {
            want |= MAY_READ;
        }
        if flags.writable() || flags.contains(OpenFlags::TRUNC) {
            want |= MAY_WRITE;
        }
        check_access(&meta, &creds, want)?;
    }
    if (flags.writable() || flags.contains(OpenFlags::TRUNC))
        && meta.kind == FileType::Regular
        && target.mount().flags().contains(MountFlags::RDONLY)
    {
        return_errno!(EROFS);
    }
    match meta.kind {
        FileType::CharDevice => {
            if target.mount().flags().contains(MountFlags::NODEV) {
                return_errno!(EACCES);
            }
            devices::open(target, flags)
        }
        FileType::BlockDevice => return_errno!(ENXIO),
        FileType::Fifo => open_fifo(ctx, target, flags),
        FileType::Socket => {
            // "ENXIO: the file is a UNIX domain socket" - open(2).
            return_errno!(ENXIO)
        }
        FileType::Regular if flags.contains(OpenFlags::TRUNC) && flags.writable() => {
            let inode = target.inode().clone();
            let file = InodeFile::open(target, flags)?; // ETXTBSY before truncating
            inode.truncate(0)?;
            Ok(file)
        }
        _ => Ok(InodeFile::open(target, flags)?),
    }
}

/// Opens a FIFO (fifo(7)): every open of the node shares one pipe. A
/// reader (or writer) waits until the other end has been opened, unless
/// O_NONBLOCK: then a reader returns at once and a writer with no reader
/// fails with ENXIO. O_RDWR never waits.
fn open_fifo(ctx: &Ctx, target: linux_object::fs::path::Path, flags: OpenFlags) -> linux_object::Result<Arc<dyn FileLike>> {
    let pipe = linux_object::fs::pipe::fifo_of(target.inode());
    let (readable, writable) = (flags.readable(), flags.writable());
    let nonblock = flags.contains(OpenFlags::NONBLOCK);
    if writable && !readable && nonblock && pipe.ends().0.0 == 0 {
        return_errno!(ENXIO);
    }
    let end = pipe.open_end(readable, writable, flags & OpenFlags::settable(), Some(target));
    if nonblock || (readable && writable) {
        return Ok(end);
    }
    // Wait for a partner: one open of the other end since ours.
    let (_, (reader_opens, writer_opens)) = pipe.ends();
    let partner = || {
        let ((readers, writers), (r_opens, w_opens)) = pipe.ends();
        if readable { writers > 0 || w_opens > writer_opens } else { readers > 0 || r_opens > reader_opens }
    };
    let result = ctx.kernel.block_on(
        &mut |waker| {
            pipe.wait.register(waker);
            partner()
        },
        None,
    );
    if result == crate::BlockResult::Interrupted {
        return_errno!(ERESTARTSYS);
    }
    Ok(end)
}

pub fn sys_close(ctx: &mut Ctx, args: &Args) -> SysResult {
    let fd = args.int(0);
    if fd < 0 {
        return_errno!(EBADF);
    }
    let entry = ctx.thread.process().files().lock().close(fd as usize)?;
    closed(ctx, core::iter::once(entry));
    Ok(0)
}

/// After descriptors are closed (close, dup2 over one, close_range,
/// execve's close-on-exec): "If a process closes any file descriptor
/// referring to a file, then all of the process's locks on that file are
/// released" - fcntl(2).
pub fn closed(ctx: &Ctx, entries: impl IntoIterator<Item = linux_object::fs::fd_table::FdEntry>) {
    let owner = linux_object::fs::lock::LockOwner::Process(ctx.thread.process().pid());
    for entry in entries {
        if let Ok(meta) = entry.file.metadata() {
            linux_object::fs::lock::release_records(Some((meta.dev, meta.ino)), owner);
        }
    }
}

pub fn sys_close_range(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (first, last, flags) = (args.uint(0) as usize, args.uint(1) as usize, args.uint(2));
    let process = ctx.thread.process();
    if flags & linux_object::fs::fd_table::CLOSE_RANGE_UNSHARE != 0 {
        process.unshare_files();
    }
    let gone = process.files().lock().close_range(first, last, flags)?;
    closed(ctx, gone);
    Ok(0)
}
