//! File syscalls. Semantics from open(2), read(2), write(2), stat(2),
//! getdents64(2), mkdir(2), unlink(2), rename(2), fcntl(2), pipe(2),
//! poll(2), mount(2); the objects live in linux-object/src/fs.
//!
//! This file holds what every handler shares: finding the file behind a
//! descriptor, resolving `*at` paths, and blocking I/O.

pub mod attr;
pub mod dir;
pub mod fd;
pub mod mount;
pub mod open;
pub mod poll;
pub mod rw;
pub mod stat;

use alloc::string::String;
use alloc::sync::Arc;

use linux_object::fs::context::FsContext;
use linux_object::fs::file::{FileLike, OpenFlags, PollEvents};
use linux_object::fs::path::Path;
use linux_object::fs::vfs::{FileType, PATH_MAX};
use linux_object::mm::user::UserPtr;
use linux_object::process::Credentials;
use linux_object::process::rlimit::RLIMIT_NOFILE;
use linux_object::{Errno, Result, return_errno};

use crate::{BlockResult, Ctx, vm_of};

/// `AT_FDCWD`: "use the current working directory".
pub const AT_FDCWD: i32 = -100;
pub const AT_SYMLINK_NOFOLLOW: u32 = 0x100;
pub const AT_REMOVEDIR: u32 = 0x200;
pub const AT_SYMLINK_FOLLOW: u32 = 0x400;
pub const AT_NO_AUTOMOUNT: u32 = 0x800;
pub const AT_EMPTY_PATH: u32 = 0x1000;
pub const AT_EACCESS: u32 = 0x200;

/// The open file behind `fd`; `EBADF` if there is none.
pub fn file_of(ctx: &Ctx, fd: i32) -> Result<Arc<dyn FileLike>> {
    if fd < 0 {
        return_errno!(EBADF);
    }
    ctx.thread.process().files().lock().get(fd as usize)
}

/// The caller's fs context and credentials, copied out of their locks.
pub fn fs_and_creds(ctx: &Ctx) -> (FsContext, Credentials) {
    let process = ctx.thread.process();
    let fs = process.fs().lock().clone();
    let creds = process.creds.lock().clone();
    (fs, creds)
}

/// Reads a path argument: `EFAULT` for a bad pointer, `ENAMETOOLONG` past PATH_MAX.
pub fn read_path(ctx: &Ctx, addr: usize) -> Result<String> {
    let bytes = UserPtr::<u8>::new(addr).read_cstr(&mut vm_of(ctx)?.lock(), PATH_MAX - 1)?;
    String::from_utf8(bytes).map_err(|_| Errno::EINVAL.into())
}

/// Where a `*at` call starts: the cwd for AT_FDCWD, else the directory `dirfd`.
pub fn start_dir(ctx: &Ctx, fs: &FsContext, dirfd: i32) -> Result<Path> {
    if dirfd == AT_FDCWD {
        return Ok(fs.cwd.clone());
    }
    let file = file_of(ctx, dirfd)?;
    let path = file.path().ok_or(Errno::ENOTDIR)?;
    if path.inode().metadata().kind != FileType::Directory {
        return_errno!(ENOTDIR);
    }
    Ok(path)
}

/// Resolves (dirfd, path) the way every `*at` call does. With AT_EMPTY_PATH
/// and an empty path, the result is the file `dirfd` itself.
pub fn resolve_at(ctx: &Ctx, dirfd: i32, path: &str, follow: bool, empty_path: bool) -> Result<Path> {
    let (fs, creds) = fs_and_creds(ctx);
    if path.is_empty() && empty_path {
        if dirfd == AT_FDCWD {
            return Ok(fs.cwd.clone());
        }
        return file_of(ctx, dirfd)?.path().ok_or(Errno::EBADF.into());
    }
    let start = start_dir(ctx, &fs, dirfd)?;
    fs.resolve(&creds, &start, path, follow)
}

/// The soft RLIMIT_NOFILE: how many descriptors the caller may have.
pub fn nofile_limit(ctx: &Ctx) -> usize {
    ctx.thread.process().rlimits.lock().cur(RLIMIT_NOFILE).min(1 << 20) as usize
}

/// Between the chunks of a long copy (write, sendfile): lets other tasks
/// run (`cond_resched`; it also tells the soft-lockup watchdog the kernel
/// is not stuck) and says whether a signal is pending, in which case the
/// copy stops and returns what it did so far, as Linux's copy loops check
/// `signal_pending` (a copy of gigabytes must stay killable).
pub fn copy_should_stop(ctx: &Ctx) -> bool {
    ctx.kernel.yield_now();
    ctx.thread.has_pending_signal()
}

/// Runs `op` until it stops saying EAGAIN, sleeping on `file` for `events`
/// in between — unless the file is non-blocking. A signal ends the wait
/// with EINTR.
pub fn blocking<T>(ctx: &Ctx, file: &Arc<dyn FileLike>, events: PollEvents, mut op: impl FnMut() -> Result<T>) -> Result<T> {
    loop {
        match op() {
            Err(err) if err.errno == Errno::EAGAIN && !file.status_flags().contains(OpenFlags::NONBLOCK) => {
                let wake_on = events | PollEvents::ERR | PollEvents::HUP;
                let result = ctx.kernel.block_on(&mut |waker| file.poll(Some(waker)).intersects(wake_on), None);
                if result == BlockResult::Interrupted {
                    return_errno!(ERESTARTSYS);
                }
            }
            other => return other,
        }
    }
}
