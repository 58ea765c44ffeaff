//! pidfd_open(2), pidfd_send_signal(2), and the pidfd lookups of waitid's
//! P_PIDFD and setns. The file object is `linux_object::process::pidfd`.

use alloc::sync::Arc;

use linux_object::fs::file::FileLike;
use linux_object::process::pidfd::PidFd;
use linux_object::process::{Pid, Process};
pub use linux_object::process::pidfd::PidFd as PidFdFile;
use linux_object::signal::SI_USER;
use linux_object::{Errno, Result, return_errno, return_errno_with_message};

use crate::{Args, Ctx, SysResult};

/// `PIDFD_NONBLOCK` is `O_NONBLOCK`; `PIDFD_THREAD` is `O_EXCL`.
const PIDFD_NONBLOCK: u32 = 0o4000;
const PIDFD_THREAD: u32 = 0o200;

/// pidfd_send_signal flags (Linux 6.9).
const PIDFD_SIGNAL_THREAD_GROUP: u32 = 2;

/// The pidfd open as `fd`: `EBADF` if `fd` is not open or not a pidfd.
pub fn pidfd_of(ctx: &Ctx, fd: i32) -> Result<Arc<dyn FileLike>> {
    let file = crate::fs::file_of(ctx, fd)?;
    if file.as_any().downcast_ref::<PidFd>().is_none() {
        return_errno!(EBADF);
    }
    Ok(file)
}

/// A new pidfd for `process` in the caller's table (always close-on-exec).
pub fn install_pidfd(ctx: &Ctx, process: &Arc<Process>, nonblock: bool) -> SysResult {
    let file: Arc<dyn FileLike> = PidFd::new(process, nonblock);
    let limit = crate::fs::nofile_limit(ctx);
    ctx.thread.process().files().lock().insert(file, true, limit)
}

/// pidfd_open(pid, flags): `EINVAL` for bad flags or pid ≤ 0, `ESRCH` if
/// no process (thread-group leader) has that number in the caller's
/// namespace.
pub fn sys_pidfd_open(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (pid, flags) = (args.int(0), args.uint(1));
    if flags & PIDFD_THREAD != 0 {
        log::warn!("pidfd_open: PIDFD_THREAD is not supported");
        return_errno_with_message!(EINVAL, "PIDFD_THREAD is not supported");
    }
    if flags & !PIDFD_NONBLOCK != 0 || pid <= 0 {
        return_errno!(EINVAL);
    }
    let process = crate::process::process_by_vpid(ctx, pid as Pid).ok_or(Errno::ESRCH)?;
    install_pidfd(ctx, &process, flags & PIDFD_NONBLOCK != 0)
}

/// pidfd_send_signal(pidfd, sig, info, flags): kill(2) through a pidfd.
/// `info` must be NULL (a caller-made siginfo is not supported: `EINVAL`
/// with a log line); flags 0 or PIDFD_SIGNAL_THREAD_GROUP.
pub fn sys_pidfd_send_signal(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (fd, sig, info, flags) = (args.int(0), args.uint(1), args.get(2), args.uint(3));
    if flags != 0 && flags != PIDFD_SIGNAL_THREAD_GROUP {
        return_errno!(EINVAL);
    }
    let file = crate::fs::file_of(ctx, fd)?;
    let pidfd = file.as_any().downcast_ref::<PidFd>().ok_or(Errno::EBADF)?;
    if sig != 0 {
        crate::signal::check_signal(sig)?;
    }
    if info != 0 {
        log::warn!("pidfd_send_signal: a caller-supplied siginfo is not supported");
        return_errno_with_message!(EINVAL, "siginfo argument not supported");
    }
    let target = pidfd.process()?;
    if matches!(target.state(), linux_object::process::ProcessState::Zombie(_)) {
        return_errno!(ESRCH);
    }
    crate::signal::send_to_process(ctx, &target, sig, SI_USER)?;
    Ok(0)
}
