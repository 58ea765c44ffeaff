//! wait4(2). waitid(2) joins with signals (it fills a siginfo_t).

use linux_object::mm::user::UserPtr;
use linux_object::process::{Pid, WaitOptions, WaitSelector, WaitStatus};
use linux_object::{Errno, return_errno};

use crate::{Args, BlockResult, Ctx, SysResult, vm_of};

/// wait4(pid, wstatus, options, rusage).
pub fn sys_wait4(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (pid, wstatus, options, rusage) = (args.int(0), args.get(1), args.uint(2), args.get(3));
    let allowed = WaitOptions::WNOHANG | WaitOptions::WSTOPPED | WaitOptions::WCONTINUED
        | WaitOptions::__WNOTHREAD | WaitOptions::__WALL | WaitOptions::__WCLONE;
    let Some(options) = WaitOptions::from_bits(options).filter(|o| allowed.contains(*o)) else {
        return_errno!(EINVAL);
    };
    let options = options | WaitOptions::WEXITED;
    let process = ctx.thread.process().clone();
    let selector = match pid {
        -1 => WaitSelector::Any,
        0 => WaitSelector::Pgid(process.pgid()),
        p if p < -1 => WaitSelector::Pgid(super::global_of_vpid(ctx, p.unsigned_abs() as Pid)),
        p => WaitSelector::Pid(super::global_of_vpid(ctx, p as Pid)),
    };
    let Some((child, status, usage)) = wait_child(ctx, selector, options)? else { return Ok(0) };
    let vm = vm_of(ctx)?;
    let mut vm = vm.lock();
    if wstatus != 0 {
        UserPtr::<i32>::new(wstatus).write(&mut vm, &status.encode())?;
    }
    if rusage != 0 {
        UserPtr::<u8>::new(rusage).write_bytes(&mut vm, &rusage_bytes(usage))?;
    }
    Ok(child as usize)
}

/// A `struct rusage` (2 timevals, then 14 longs: 144 bytes) with the CPU
/// times filled in; the counters we do not keep are zero.
pub fn rusage_bytes((user, system): (u64, u64)) -> [u8; 144] {
    let mut buf = [0u8; 144];
    for (i, ns) in [user, system].into_iter().enumerate() {
        buf[i * 16..i * 16 + 8].copy_from_slice(&(ns / 1_000_000_000).to_le_bytes());
        buf[i * 16 + 8..i * 16 + 16].copy_from_slice(&(ns % 1_000_000_000 / 1000).to_le_bytes());
    }
    buf
}

/// Waits for a child matching `selector` to report a state change (wait4
/// and waitid): `None` with WNOHANG when none is ready, `ECHILD` when there
/// is no such child, ERESTARTSYS when a signal interrupts.
pub fn wait_child(ctx: &Ctx, selector: WaitSelector, options: WaitOptions) -> linux_object::Result<Option<(Pid, WaitStatus, (u64, u64))>> {
    let process = ctx.thread.process().clone();
    let mut outcome = None;
    let result = ctx.kernel.block_on(
        &mut |waker| {
            process.child_wait.register(waker);
            match process.try_wait_with_usage(selector, options) {
                Ok(None) if !options.contains(WaitOptions::WNOHANG) => false,
                other => {
                    outcome = Some(other);
                    true
                }
            }
        },
        None,
    );
    if result == BlockResult::Interrupted {
        return_errno!(ERESTARTSYS);
    }
    outcome.ok_or(Errno::EINTR)?
}
