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
const PIDFD_SIGNAL_THREAD: u32 = 1;
const PIDFD_SIGNAL_THREAD_GROUP: u32 = 2;
const PIDFD_SIGNAL_PROCESS_GROUP: u32 = 4;

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

/// pidfd_send_signal(pidfd, sig, info, flags): kill(2) through a pidfd
/// (`sys_pidfd_send_signal`, kernel/signal.c). `info` may be a siginfo the
/// caller made, as for sigqueue(3): its `si_signo` must be `sig`
/// (`EINVAL`), and only the caller itself may be sent one whose code is
/// ≥ 0 or SI_TKILL (`EPERM`). `flags` chooses the target: the process
/// (0, PIDFD_SIGNAL_THREAD_GROUP), its thread-group leader
/// (PIDFD_SIGNAL_THREAD) or its process group (PIDFD_SIGNAL_PROCESS_GROUP);
/// at most one of them.
pub fn sys_pidfd_send_signal(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (fd, sig, info, flags) = (args.int(0), args.uint(1), args.get(2), args.uint(3));
    let known = PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP | PIDFD_SIGNAL_PROCESS_GROUP;
    if flags & !known != 0 || flags.count_ones() > 1 {
        return_errno!(EINVAL);
    }
    let file = crate::fs::file_of(ctx, fd)?;
    let pidfd = file.as_any().downcast_ref::<PidFd>().ok_or(Errno::EBADF)?;
    if sig != 0 {
        crate::signal::check_signal(sig)?;
    }
    let target = pidfd.process()?;
    let me = ctx.thread.process();
    let forged = info != 0;
    let info = if forged {
        let info = crate::signal::read_user_siginfo(ctx, info)?;
        if info.signo != sig {
            return_errno!(EINVAL);
        }
        let to_self = target.pid() == me.pid() && flags != PIDFD_SIGNAL_PROCESS_GROUP;
        crate::signal::check_forged_code(&info, to_self)?;
        info
    } else {
        linux_object::signal::SigInfo::user(sig, SI_USER, me.pid_in(target.pid_ns()), me.creds.lock().uid)
    };
    if flags == PIDFD_SIGNAL_PROCESS_GROUP {
        let group = target.pgid();
        let members: alloc::vec::Vec<_> = linux_object::process::all_processes().into_iter().filter(|p| p.pgid() == group).collect();
        let mut result = Err(Errno::ESRCH.into());
        for member in &members {
            let info = if forged { info } else { linux_object::signal::SigInfo { pid: me.pid_in(member.pid_ns()), ..info } };
            let sent = crate::signal::send_info_to_process(ctx, member, info);
            if sent.is_ok() || result.is_err() {
                result = sent;
            }
        }
        return result.map(|()| 0);
    }
    if matches!(target.state(), linux_object::process::ProcessState::Zombie(_)) {
        return_errno!(ESRCH);
    }
    if flags == PIDFD_SIGNAL_THREAD {
        // The pidfd names the thread-group leader's PID (pidfds of other
        // threads, PIDFD_THREAD, are not supported).
        let leader = target.threads().into_iter().find(|t| t.tid() == target.pid()).ok_or(Errno::ESRCH)?;
        crate::signal::send_info_to_thread(ctx, &leader, info)?;
        return Ok(0);
    }
    crate::signal::send_info_to_process(ctx, &target, info)?;
    Ok(0)
}
