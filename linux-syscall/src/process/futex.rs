//! futex(2): FUTEX_WAIT, FUTEX_WAKE, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE,
//! FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET, with FUTEX_PRIVATE_FLAG and
//! FUTEX_CLOCK_REALTIME. The PI and WAKE_OP operations return ENOSYS with a
//! log line (musl does not use them).

use linux_object::futex::{FUTEXES, FutexKey, Waiter};
use linux_object::mm::Access;
use linux_object::mm::user::UserPtr;
use linux_object::signal::restart::RestartBlock;
use linux_object::time;
use linux_object::{Errno, return_errno, return_errno_with_message};

use crate::{Args, BlockResult, Ctx, SysResult, vm_of};

const FUTEX_WAIT: u32 = 0;
const FUTEX_WAKE: u32 = 1;
const FUTEX_REQUEUE: u32 = 3;
const FUTEX_CMP_REQUEUE: u32 = 4;
const FUTEX_WAIT_BITSET: u32 = 9;
const FUTEX_WAKE_BITSET: u32 = 10;
const FUTEX_PRIVATE_FLAG: u32 = 128;
const FUTEX_CLOCK_REALTIME: u32 = 256;
const FUTEX_BITSET_MATCH_ANY: u32 = u32::MAX;

/// The key of the futex word at `addr` for the caller.
pub fn futex_key(ctx: &Ctx, addr: usize, private: bool) -> linux_object::Result<FutexKey> {
    if addr % 4 != 0 {
        return_errno!(EINVAL);
    }
    let vm = vm_of(ctx)?;
    if private {
        // Fault the page in so a bad address is EFAULT, like Linux.
        vm.lock().user_page(addr, Access::Read).map_err(|_| Errno::EFAULT)?;
        return Ok(FutexKey::Private { space: alloc::sync::Arc::as_ptr(&vm) as usize, addr });
    }
    let paddr = vm.lock().user_page(addr, Access::Read).map_err(|_| Errno::EFAULT)?;
    Ok(FutexKey::Shared { paddr: paddr + addr % linux_object::mm::PAGE_SIZE })
}

fn read_word(ctx: &Ctx, addr: usize) -> linux_object::Result<u32> {
    UserPtr::<u32>::new(addr).read(&mut vm_of(ctx)?.lock())
}

/// Wakes one waiter on the futex at `addr` (used by thread exit for
/// clear_child_tid).
pub fn wake_address(ctx: &Ctx, addr: usize) {
    if let Ok(key) = futex_key(ctx, addr, false) {
        FUTEXES.wake(key, 1, FUTEX_BITSET_MATCH_ANY);
    }
    if let Ok(key) = futex_key(ctx, addr, true) {
        FUTEXES.wake(key, 1, FUTEX_BITSET_MATCH_ANY);
    }
}

pub fn sys_futex(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (addr, op, val, timeout, addr2, val3) =
        (args.get(0), args.uint(1), args.uint(2), args.get(3), args.get(4), args.uint(5));
    let private = op & FUTEX_PRIVATE_FLAG != 0;
    let realtime = op & FUTEX_CLOCK_REALTIME != 0;
    let cmd = op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    if realtime && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET {
        return_errno!(ENOSYS);
    }
    match cmd {
        FUTEX_WAIT | FUTEX_WAIT_BITSET => {
            let bitset = if cmd == FUTEX_WAIT { FUTEX_BITSET_MATCH_ANY } else { val3 };
            if bitset == 0 {
                return_errno!(EINVAL);
            }
            // FUTEX_WAIT's timeout is relative (monotonic); FUTEX_WAIT_BITSET's
            // is absolute on the chosen clock.
            let deadline = if timeout == 0 {
                None
            } else {
                let ns = crate::time::read_timespec(ctx, timeout)?.to_ns()?;
                let now = time::monotonic_ns();
                Some(match (cmd, realtime) {
                    (FUTEX_WAIT, _) => now.saturating_add(ns),
                    (_, true) => now.saturating_add(ns.saturating_sub(time::realtime_ns())),
                    (_, false) => ns,
                })
            };
            futex_wait(ctx, addr, val, bitset, private, deadline)
        }
        FUTEX_WAKE | FUTEX_WAKE_BITSET => {
            let bitset = if cmd == FUTEX_WAKE { FUTEX_BITSET_MATCH_ANY } else { val3 };
            if bitset == 0 {
                return_errno!(EINVAL);
            }
            let key = futex_key(ctx, addr, private)?;
            Ok(FUTEXES.wake(key, val as usize, bitset))
        }
        FUTEX_REQUEUE | FUTEX_CMP_REQUEUE => {
            // For the requeue ops the timeout argument carries val2.
            let (wake, requeue) = (val as usize, timeout as u32 as usize);
            if (val as i32) < 0 || (timeout as u32 as i32) < 0 {
                return_errno!(EINVAL);
            }
            let from = futex_key(ctx, addr, private)?;
            let to = futex_key(ctx, addr2, private)?;
            let check = || cmd == FUTEX_REQUEUE || read_word(ctx, addr).is_ok_and(|v| v == val3);
            FUTEXES.requeue(from, to, wake, requeue, check).ok_or(Errno::EAGAIN.into())
        }
        _ => {
            log::warn!("futex: operation {cmd} is not supported");
            return_errno_with_message!(ENOSYS, "futex operation not supported");
        }
    }
}

/// FUTEX_WAIT(_BITSET): sleeps while the word at `addr` holds `val`, until
/// woken or `deadline` (monotonic ns). Interrupted by a signal it restarts
/// (`ERESTARTSYS`), or, with a deadline, continues through
/// restart_syscall(2) so a stop does not lengthen the wait
/// (`futex_wait`/`futex_wait_restart`, kernel/futex/waitwake.c).
pub(crate) fn futex_wait(ctx: &mut Ctx, addr: usize, val: u32, bitset: u32, private: bool, deadline: Option<u64>) -> SysResult {
    let key = futex_key(ctx, addr, private)?;
    let mut waiter: Option<alloc::sync::Arc<Waiter>> = None;
    let mut mismatch = false;
    let mut fault = None;
    let result = ctx.kernel.block_on(
        &mut |waker| match &waiter {
            Some(w) => w.is_woken(),
            None => {
                let w = Waiter::new(waker.clone(), bitset);
                let queued = FUTEXES.queue_if(key, &w, || match read_word(ctx, addr) {
                    Ok(current) => {
                        mismatch = current != val;
                        !mismatch
                    }
                    Err(err) => {
                        fault = Some(err);
                        false
                    }
                });
                waiter = Some(w);
                !queued
            }
        },
        deadline,
    );
    if let Some(err) = fault {
        return Err(err);
    }
    if mismatch {
        return_errno!(EAGAIN);
    }
    let waiter = waiter.ok_or(Errno::EAGAIN)?;
    if waiter.is_woken() {
        return Ok(0);
    }
    FUTEXES.dequeue(key, &waiter);
    match (result, deadline) {
        (BlockResult::TimedOut, _) => return_errno!(ETIMEDOUT),
        (_, Some(deadline)) => {
            ctx.thread.set_restart_block(RestartBlock::Futex { addr, val, bitset, private, deadline });
            return_errno!(ERESTART_RESTARTBLOCK)
        }
        _ => return_errno!(ERESTARTSYS),
    }
}
