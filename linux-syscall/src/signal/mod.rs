//! Signal syscalls: rt_sigaction(2), rt_sigprocmask(2), rt_sigpending(2),
//! rt_sigsuspend(2), rt_sigreturn(2), kill(2), tkill/tgkill(2),
//! sigaltstack(2), waitid(2); and sending signals for the rest of the
//! kernel (SIGCHLD, Ctrl-C).

use alloc::sync::Arc;

use linux_object::mm::user::UserPtr;
use linux_object::process::{
    Pid, Process, ProcessState, WaitOptions, WaitSelector, WaitStatus, all_processes, processes_in,
};
use linux_object::signal::{
    self, SI_TKILL, SI_USER, SIGCHLD, SIGCONT, SigAction, SigInfo, SigSet, Signal, apply_mask,
};
use linux_object::signal::restart::RestartBlock;
use linux_object::{Errno, Result, return_errno};

pub use linux_object::signal::check_signal;

use crate::{Arch, Args, BlockResult, Ctx, SysResult, vm_of};

/// Runs `call` with the signal mask at `mask_addr` in place (ppoll,
/// pselect6, epoll_pwait): `sigsetsize` must be 8. If the call ends with a
/// signal to deliver (EINTR), the old mask comes back only after the
/// handler (`saved_mask`, as sigsuspend); otherwise at once — Linux's
/// `set_user_sigmask` / `restore_saved_sigmask_unless`. A NULL mask
/// leaves the mask alone.
pub fn with_temporary_mask(ctx: &mut Ctx, mask_addr: usize, sigsetsize: usize, call: impl FnOnce(&mut Ctx) -> SysResult) -> SysResult {
    if mask_addr == 0 {
        return call(ctx);
    }
    check_sigsetsize(sigsetsize)?;
    let mask = SigSet(UserPtr::<u64>::new(mask_addr).read(&mut vm_of(ctx)?.lock())?);
    {
        let mut signals = ctx.thread.signals();
        signals.saved_mask = Some(signals.mask);
        signals.mask = mask.without_unblockable();
    }
    ctx.thread.note_signal_event();
    let result = call(ctx);
    let interrupted = matches!(&result, Err(e) if matches!(e.errno, Errno::EINTR | Errno::ERESTARTSYS | Errno::ERESTARTNOHAND | Errno::ERESTART_RESTARTBLOCK));
    if !interrupted || !ctx.thread.has_pending_signal() {
        let mut signals = ctx.thread.signals();
        if let Some(saved) = signals.saved_mask.take() {
            signals.mask = saved;
        }
        drop(signals);
        ctx.thread.note_signal_event();
    }
    result
}

fn check_sigsetsize(size: usize) -> Result<()> {
    if size != 8 {
        return_errno!(EINVAL);
    }
    Ok(())
}

/// rt_sigaction(sig, act, oact, sigsetsize).
pub fn sys_rt_sigaction(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (sig, act, oact) = (args.uint(0), args.get(1), args.get(2));
    check_sigsetsize(args.get(3))?;
    let sig = check_signal(sig)?;
    let has_restorer = ctx.kernel.arch() == Arch::X86_64;
    let size = if has_restorer { 32 } else { 24 };
    let sighand = ctx.thread.process().sighand();
    let old = sighand.lock().get(sig);
    if act != 0 {
        let raw = UserPtr::<u8>::new(act).read_bytes(&mut vm_of(ctx)?.lock(), size)?;
        let mut action = SigAction::from_bytes(&raw, has_restorer);
        action.mask = action.mask.without_unblockable();
        sighand.lock().set(sig, action)?;
        // "Setting a signal's disposition to SIG_IGN ... causes a pending
        // signal to be discarded" (POSIX, via kernel/signal.c do_sigaction).
        if action.is_ignored(sig) {
            for thread in ctx.thread.process().threads() {
                thread.signals().pending.discard(sig);
            }
        }
    }
    if oact != 0 {
        UserPtr::<u8>::new(oact).write_bytes(&mut vm_of(ctx)?.lock(), &old.to_bytes(has_restorer))?;
    }
    Ok(0)
}

/// rt_sigprocmask(how, set, oldset, sigsetsize).
pub fn sys_rt_sigprocmask(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (how, set, oldset) = (args.int(0), args.get(1), args.get(2));
    check_sigsetsize(args.get(3))?;
    let old = ctx.thread.signal_mask();
    if set != 0 {
        let new = SigSet(UserPtr::<u64>::new(set).read(&mut vm_of(ctx)?.lock())?);
        ctx.thread.set_signal_mask(apply_mask(old, how, new)?);
    }
    if oldset != 0 {
        UserPtr::<u64>::new(oldset).write(&mut vm_of(ctx)?.lock(), &old.0)?;
    }
    Ok(0)
}

pub fn sys_rt_sigpending(ctx: &mut Ctx, args: &Args) -> SysResult {
    check_sigsetsize(args.get(1))?;
    let pending = (ctx.thread.pending_signals().0 | ctx.thread.process().shared_pending().0) & ctx.thread.signal_mask().0;
    UserPtr::<u64>::new(args.get(0)).write(&mut vm_of(ctx)?.lock(), &pending)?;
    Ok(0)
}

/// rt_sigsuspend(mask, size): waits for a signal with `mask` in place; the
/// old mask comes back after the handler (the kernel restores `saved_mask`).
pub fn sys_rt_sigsuspend(ctx: &mut Ctx, args: &Args) -> SysResult {
    check_sigsetsize(args.get(1))?;
    let mask = SigSet(UserPtr::<u64>::new(args.get(0)).read(&mut vm_of(ctx)?.lock())?);
    {
        let mut signals = ctx.thread.signals();
        signals.saved_mask = Some(signals.mask);
        signals.mask = mask.without_unblockable();
    }
    ctx.thread.note_signal_event();
    while ctx.kernel.block_on(&mut |_| false, None) != BlockResult::Interrupted {}
    // EINTR once a handler ran; a signal without one (SIGCONT) restarts
    // the wait, with the mask set again from the same argument.
    return_errno!(ERESTARTNOHAND)
}

/// rt_sigtimedwait(set, info, timeout, sigsetsize): takes a pending
/// signal of `set` without running its handler, waiting up to `timeout`
/// (forever if NULL) for one; `EAGAIN` when the time passes, `EINTR` when
/// another signal (not in `set`) interrupts. SIGKILL and SIGSTOP cannot be
/// waited for (`do_sigtimedwait`, kernel/signal.c).
pub fn sys_rt_sigtimedwait(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (set_addr, info_addr, timeout_addr) = (args.get(0), args.get(1), args.get(2));
    check_sigsetsize(args.get(3))?;
    let set = SigSet(UserPtr::<u64>::new(set_addr).read(&mut vm_of(ctx)?.lock())?).without_unblockable();
    let deadline = if timeout_addr == 0 {
        None
    } else {
        let ns = crate::time::read_timespec(ctx, timeout_addr)?.to_ns()?;
        Some(linux_object::time::monotonic_ns().saturating_add(ns))
    };
    let mut taken = ctx.thread.dequeue_signal_in(set);
    if taken.is_none() {
        let thread = ctx.thread;
        let result = ctx.kernel.block_on(
            &mut |_| {
                taken = thread.dequeue_signal_in(set);
                taken.is_some()
            },
            deadline,
        );
        if taken.is_none() {
            match result {
                BlockResult::Interrupted => return_errno!(EINTR),
                _ => return_errno!(EAGAIN),
            }
        }
    }
    let Some(info) = taken else { return_errno!(EAGAIN) };
    if info_addr != 0 {
        UserPtr::<u8>::new(info_addr).write_bytes(&mut vm_of(ctx)?.lock(), &info.to_bytes())?;
    }
    Ok(info.signo as usize)
}

/// pause(2) on x86_64: "returns only when a signal was caught and the
/// signal-catching function returned" - pause(2). Linux returns
/// -ERESTARTNOHAND, so a signal with no handler (SIGCONT after a stop)
/// sends the caller back into the wait.
pub fn sys_pause(ctx: &mut Ctx, _args: &Args) -> SysResult {
    while ctx.kernel.block_on(&mut |_| false, None) != BlockResult::Interrupted {}
    return_errno!(ERESTARTNOHAND)
}

/// rt_sigreturn: the kernel restores the frame (its layout is arch-specific).
pub fn sys_rt_sigreturn(ctx: &mut Ctx, _args: &Args) -> SysResult {
    let mask = {
        let vm = vm_of(ctx)?;
        let mut vm = vm.lock();
        ctx.kernel.restore_signal_frame(ctx.regs, &mut vm)?
    };
    ctx.thread.set_signal_mask(SigSet(mask));
    // A handler ran, so an interrupted call's continuation is void: a later
    // restart_syscall(2) fails with EINTR (do_no_restart_syscall).
    ctx.thread.take_restart_block();
    // The restored registers must come back untouched, return value included.
    Ok(ctx.regs.return_value())
}

/// May the caller signal `target`? kill(2): privilege, or the sender's
/// real or effective uid equals the target's real or saved uid; SIGCONT
/// also within one session.
fn may_signal(ctx: &Ctx, target: &Process, sig: Signal) -> bool {
    let sender = ctx.thread.process().creds.lock().clone();
    if sender.is_privileged() {
        return true;
    }
    let t = target.creds.lock().clone();
    let ok = [sender.uid, sender.euid].iter().any(|&u| u == t.uid || u == t.suid);
    ok || (sig == SIGCONT && target.sid() == ctx.thread.process().sid())
}

/// The siginfo of a signal the caller sends to `target`: `si_pid` is the
/// caller's PID as the target's namespace sees it (0 from an ancestor
/// namespace), as `task_tgid_nr_ns(current, task_active_pid_ns(t))`.
fn user_info(ctx: &Ctx, target: &Process, sig: Signal, code: i32) -> SigInfo {
    let uid = ctx.thread.process().creds.lock().uid;
    SigInfo::user(sig, code, ctx.thread.process().pid_in(target.pid_ns()), uid)
}

/// Linux's `force` for a signal from the caller to `target`: sent from
/// an ancestor PID namespace (the caller is invisible in the target's), so
/// SIGKILL and SIGSTOP reach a namespace init (`Process::init_ignores`).
fn from_ancestor(ctx: &Ctx, target: &Process) -> bool {
    ctx.thread.process().pid_in(target.pid_ns()) == 0
}

/// Reads a `siginfo_t` the caller made (rt_sigqueueinfo(2),
/// rt_tgsigqueueinfo(2), pidfd_send_signal(2)): `EFAULT` for a bad pointer.
pub fn read_user_siginfo(ctx: &Ctx, addr: usize) -> Result<SigInfo> {
    let raw = UserPtr::<u8>::new(addr).read_bytes(&mut vm_of(ctx)?.lock(), 128)?;
    Ok(SigInfo::from_user_bytes(&raw))
}

/// "Not even root can pretend to send signals from the kernel. Nor can
/// they impersonate a kill()/tgkill(), which adds source info"
/// (`do_rt_sigqueueinfo`, kernel/signal.c): a caller-made siginfo whose
/// code is ≥ 0 or SI_TKILL may only go to the caller itself; `EPERM`.
pub fn check_forged_code(info: &SigInfo, to_self: bool) -> Result<()> {
    if !to_self && (info.code >= 0 || info.code == SI_TKILL) {
        return_errno!(EPERM);
    }
    Ok(())
}

/// Sends `sig` from the caller to one process, as kill(2) with pid > 0
/// does after the lookup: `EPERM` without permission; dropped silently if
/// the target is a namespace init that does not take it.
pub fn send_to_process(ctx: &Ctx, target: &Arc<Process>, sig: Signal, code: i32) -> Result<()> {
    send_info_to_process(ctx, target, user_info(ctx, target, sig, code))
}

/// [`send_to_process`] with the siginfo given (signal 0 only checks).
pub fn send_info_to_process(ctx: &Ctx, target: &Arc<Process>, info: SigInfo) -> Result<()> {
    if !may_signal(ctx, target, info.signo) {
        return_errno!(EPERM);
    }
    if info.signo != 0 {
        target.send_signal_forced(info, from_ancestor(ctx, target));
    }
    Ok(())
}

/// [`send_info_to_process`] to one thread.
pub fn send_info_to_thread(ctx: &Ctx, thread: &Arc<linux_object::process::Thread>, info: SigInfo) -> Result<()> {
    if !may_signal(ctx, thread.process(), info.signo) {
        return_errno!(EPERM);
    }
    if info.signo != 0 {
        thread.send_signal_forced(info, from_ancestor(ctx, thread.process()));
    }
    Ok(())
}

/// rt_sigqueueinfo(tgid, sig, info): sigqueue(3)'s system call, a signal
/// with the caller's own siginfo to a process (`do_rt_sigqueueinfo`).
pub fn sys_rt_sigqueueinfo(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (pid, sig) = (args.int(0), args.uint(1));
    let mut info = read_user_siginfo(ctx, args.get(2))?;
    info.signo = sig;
    check_forged_code(&info, pid == crate::process::vpid_of(ctx, ctx.thread.process()) as i32)?;
    if sig != 0 {
        check_signal(sig)?;
    }
    let target = (pid > 0).then(|| crate::process::process_by_vpid(ctx, pid as Pid)).flatten().ok_or(Errno::ESRCH)?;
    send_info_to_process(ctx, &target, info)?;
    Ok(0)
}

/// rt_tgsigqueueinfo(tgid, tid, sig, info): the same to one thread
/// (`do_rt_tgsigqueueinfo`).
pub fn sys_rt_tgsigqueueinfo(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (tgid, tid, sig) = (args.int(0), args.int(1), args.uint(2));
    if tgid <= 0 || tid <= 0 {
        return_errno!(EINVAL);
    }
    let mut info = read_user_siginfo(ctx, args.get(3))?;
    info.signo = sig;
    check_forged_code(&info, tgid == crate::process::vpid_of(ctx, ctx.thread.process()) as i32)?;
    signal_thread(ctx, Some(tgid as Pid), tid, sig, Some(info))
}

/// kill(pid, sig): pid > 0 one process, 0 the caller's group, -1 every
/// process the caller may signal but init and itself, < -1 group -pid.
pub fn sys_kill(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (pid, sig) = (args.int(0), args.uint(1));
    if sig != 0 {
        check_signal(sig)?;
    }
    let ns = crate::process::caller_pid_ns(ctx);
    let visible = || processes_in(&ns);
    let targets: alloc::vec::Vec<Arc<Process>> = match pid {
        p if p > 0 => alloc::vec![crate::process::process_by_vpid(ctx, p as Pid).ok_or(Errno::ESRCH)?],
        0 => {
            let group = ctx.thread.process().pgid();
            visible().into_iter().filter(|p| p.pgid() == group).collect()
        }
        -1 => {
            // Every process in the caller's namespace but its init and the caller.
            let me = ctx.thread.process().pid();
            visible().into_iter().filter(|p| p.pid_in(&ns) != 1 && p.pid() != me).collect()
        }
        p => {
            let group = crate::process::global_of_vpid(ctx, p.unsigned_abs());
            visible().into_iter().filter(|q| q.pgid() == group).collect()
        }
    };
    let live: alloc::vec::Vec<_> = targets.into_iter().filter(|p| !matches!(p.state(), ProcessState::Zombie(_)) || pid > 0).collect();
    if live.is_empty() {
        return_errno!(ESRCH);
    }
    let mut sent = 0;
    let mut denied = false;
    for target in &live {
        if !may_signal(ctx, target, sig) {
            denied = true;
            continue;
        }
        sent += 1;
        if sig != 0 {
            target.send_signal_forced(user_info(ctx, target, sig, SI_USER), from_ancestor(ctx, target));
        }
    }
    if sent == 0 && denied {
        return_errno!(EPERM);
    }
    Ok(0)
}

/// tgkill/tkill/rt_tgsigqueueinfo: `sig` to thread `tid` (of `tgid`),
/// with the caller's siginfo if it made one.
fn signal_thread(ctx: &Ctx, tgid: Option<Pid>, tid: i32, sig: u32, info: Option<SigInfo>) -> SysResult {
    if tid <= 0 || tgid.is_some_and(|g| g as i32 <= 0) {
        return_errno!(EINVAL);
    }
    if sig != 0 {
        check_signal(sig)?;
    }
    let thread = crate::process::thread_by_vpid(ctx, tid as Pid).ok_or(Errno::ESRCH)?;
    if tgid.is_some_and(|g| crate::process::vpid_of(ctx, thread.process()) != g) {
        return_errno!(ESRCH);
    }
    let info = info.unwrap_or_else(|| user_info(ctx, thread.process(), sig, SI_TKILL));
    send_info_to_thread(ctx, &thread, info)?;
    Ok(0)
}

pub fn sys_tgkill(ctx: &mut Ctx, args: &Args) -> SysResult {
    signal_thread(ctx, Some(args.int(0) as Pid), args.int(1), args.uint(2), None)
}

pub fn sys_tkill(ctx: &mut Ctx, args: &Args) -> SysResult {
    signal_thread(ctx, None, args.int(0), args.uint(1), None)
}

/// sigaltstack(ss, old_ss): `stack_t` is { void *ss_sp; int ss_flags; size_t ss_size; }.
pub fn sys_sigaltstack(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (ss, old_ss) = (args.get(0), args.get(1));
    let sp = ctx.regs.sp();
    let old = ctx.thread.signals().altstack;
    if ss != 0 {
        let raw = UserPtr::<u8>::new(ss).read_bytes(&mut vm_of(ctx)?.lock(), 24)?;
        let word = |i: usize| u64::from_le_bytes(raw[i..i + 8].try_into().unwrap_or([0; 8]));
        let flags = i32::from_le_bytes(raw[8..12].try_into().unwrap_or([0; 4]));
        let mut altstack = old;
        altstack.set(word(0) as usize, flags, word(16) as usize, sp)?;
        ctx.thread.signals().altstack = altstack;
    }
    if old_ss != 0 {
        let mut raw = [0u8; 24];
        raw[0..8].copy_from_slice(&(old.sp as u64).to_le_bytes());
        raw[8..12].copy_from_slice(&old.flags(sp).to_le_bytes());
        raw[16..24].copy_from_slice(&(old.size as u64).to_le_bytes());
        UserPtr::<u8>::new(old_ss).write_bytes(&mut vm_of(ctx)?.lock(), &raw)?;
    }
    Ok(0)
}

const P_ALL: i32 = 0;
const P_PID: i32 = 1;
const P_PGID: i32 = 2;
const P_PIDFD: i32 = 3;

/// waitid(idtype, id, infop, options, rusage): like wait4, reporting in a
/// siginfo_t; WEXITED/WSTOPPED/WCONTINUED must name at least one state.
pub fn sys_waitid(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (idtype, id, infop, options) = (args.int(0), args.int(1), args.get(2), args.uint(3));
    let Some(mut options) = WaitOptions::from_bits(options) else { return_errno!(EINVAL) };
    if !options.intersects(WaitOptions::WEXITED | WaitOptions::WSTOPPED | WaitOptions::WCONTINUED) {
        return_errno!(EINVAL);
    }
    let mut nonblocking_pidfd = false;
    let process = ctx.thread.process().clone();
    let selector = match idtype {
        P_ALL => WaitSelector::Any,
        P_PID if id > 0 => WaitSelector::Pid(crate::process::global_of_vpid(ctx, id as Pid)),
        P_PGID if id > 0 => WaitSelector::Pgid(crate::process::global_of_vpid(ctx, id as Pid)),
        P_PGID if id == 0 => WaitSelector::Pgid(process.pgid()),
        // waitid(P_PIDFD): the child a pidfd refers to (Linux 5.4); on a
        // PIDFD_NONBLOCK pidfd the wait does not block (EAGAIN).
        P_PIDFD => {
            let file = crate::pidfd::pidfd_of(ctx, id)?;
            let pidfd = file.as_any().downcast_ref::<crate::pidfd::PidFdFile>().ok_or(Errno::EBADF)?;
            if file.status_flags().contains(linux_object::fs::file::OpenFlags::NONBLOCK) {
                options |= WaitOptions::WNOHANG;
                nonblocking_pidfd = true;
            }
            WaitSelector::Pid(pidfd.kpid().global())
        }
        _ => return_errno!(EINVAL),
    };
    let found = crate::process::wait::wait_child(ctx, selector, options)?;
    if nonblocking_pidfd && found.is_none() {
        return_errno!(EAGAIN);
    }
    if infop != 0 {
        let info = match found {
            Some((pid, status, _)) => {
                let (code, value) = status.siginfo_code_status();
                let mut info = SigInfo::user(SIGCHLD, code, pid, 0);
                info.status = value as i64;
                info.to_bytes()
            }
            // WNOHANG and nothing to report: "si_pid set to zero".
            None => [0u8; 128],
        };
        UserPtr::<u8>::new(infop).write_bytes(&mut vm_of(ctx)?.lock(), &info)?;
    }
    // The raw syscall's fifth argument: the child's resource usage.
    if args.get(4) != 0 {
        let usage = found.map_or((0, 0), |(_, _, usage)| usage);
        UserPtr::<u8>::new(args.get(4)).write_bytes(&mut vm_of(ctx)?.lock(), &crate::process::wait::rusage_bytes(usage))?;
    }
    Ok(0)
}

/// Sends `sig` to every process of group `pgid` from the kernel (Ctrl-C).
pub fn kill_group(pgid: Pid, sig: Signal) {
    for process in all_processes().into_iter().filter(|p| p.pgid() == pgid) {
        process.send_signal(SigInfo::new(sig, signal::SI_KERNEL));
    }
}

/// Tells `parent` that `child` changed state (`Process::notify_parent`).
pub fn notify_parent(parent: &Arc<Process>, child: &Process, signal: Signal, status: WaitStatus) {
    child.notify_parent(parent, signal, status);
}

/// restart_syscall(2): continues the timed wait a stop interrupted, from
/// the thread's restart block, with the time already passed deducted
/// (kernel/signal.c). The return to user mode enters it in place of the
/// interrupted call; without a block it fails with `EINTR`.
pub fn sys_restart_syscall(ctx: &mut Ctx, _args: &Args) -> SysResult {
    match ctx.thread.take_restart_block() {
        Some(RestartBlock::Sleep { deadline, rem }) => crate::time::sleep_until(ctx, deadline, rem),
        Some(RestartBlock::Poll { fds, nfds, deadline }) => crate::fs::poll::poll_until(ctx, fds, nfds, Some(deadline)),
        Some(RestartBlock::Futex { addr, val, bitset, private, deadline }) => {
            crate::process::futex::futex_wait(ctx, addr, val, bitset, private, Some(deadline))
        }
        None => return_errno!(EINTR),
    }
}
