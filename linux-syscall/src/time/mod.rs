//! Time syscalls: clock_gettime(2), clock_getres(2), clock_settime(2),
//! gettimeofday(2), nanosleep(2), clock_nanosleep(2), times(2).

use linux_object::mm::user::UserPtr;
use linux_object::time::{self, NSEC_PER_SEC, TimeSpec};
use linux_object::{return_errno, return_errno_with_message};

use crate::{Args, BlockResult, Ctx, SysResult, vm_of};

pub const CLOCK_REALTIME: i32 = 0;
pub const CLOCK_MONOTONIC: i32 = 1;
pub const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
pub const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
pub const CLOCK_MONOTONIC_RAW: i32 = 4;
pub const CLOCK_REALTIME_COARSE: i32 = 5;
pub const CLOCK_MONOTONIC_COARSE: i32 = 6;
pub const CLOCK_BOOTTIME: i32 = 7;
pub const CLOCK_REALTIME_ALARM: i32 = 8;
pub const CLOCK_BOOTTIME_ALARM: i32 = 9;
pub const CLOCK_TAI: i32 = 11;
const TIMER_ABSTIME: u32 = 1;
/// USER_HZ: the unit of times(2) and /proc tick counts.
pub const USER_HZ: u64 = 100;

/// The current value of `clock`, in ns.
pub fn clock_now_ns(ctx: &Ctx, clock: i32) -> linux_object::Result<u64> {
    Ok(match clock {
        CLOCK_REALTIME | CLOCK_REALTIME_COARSE | CLOCK_REALTIME_ALARM | CLOCK_TAI => time::realtime_ns(),
        // Shifted by the caller's time namespace (time_namespaces(7)).
        CLOCK_MONOTONIC | CLOCK_MONOTONIC_RAW | CLOCK_MONOTONIC_COARSE => ctx.thread.process().nsproxy().time.monotonic_ns(),
        CLOCK_BOOTTIME | CLOCK_BOOTTIME_ALARM => ctx.thread.process().nsproxy().time.boottime_ns(),
        CLOCK_PROCESS_CPUTIME_ID => {
            let (user, system) = ctx.thread.process().cpu_time_ns();
            user + system
        }
        CLOCK_THREAD_CPUTIME_ID => {
            let (user, system) = ctx.thread.cpu_time_ns();
            user + system
        }
        _ => return_errno!(EINVAL),
    })
}

fn write_timespec(ctx: &Ctx, addr: usize, ns: u64) -> linux_object::Result<()> {
    UserPtr::<u8>::new(addr).write_bytes(&mut vm_of(ctx)?.lock(), &TimeSpec::from_ns(ns).to_bytes())
}

fn read_timespec(ctx: &Ctx, addr: usize) -> linux_object::Result<TimeSpec> {
    let bytes = UserPtr::<u8>::new(addr).read_bytes(&mut vm_of(ctx)?.lock(), 16)?;
    let mut raw = [0u8; 16];
    raw.copy_from_slice(&bytes);
    Ok(TimeSpec::from_bytes(&raw))
}

pub fn sys_clock_gettime(ctx: &mut Ctx, args: &Args) -> SysResult {
    let now = clock_now_ns(ctx, args.int(0))?;
    write_timespec(ctx, args.get(1), now)?;
    Ok(0)
}

/// clock_getres(2): 1 ns for the high-resolution clocks, a tick (10 ms)
/// for the coarse ones, like Linux with a 100 Hz tick.
pub fn sys_clock_getres(ctx: &mut Ctx, args: &Args) -> SysResult {
    let clock = args.int(0);
    clock_now_ns(ctx, clock)?;
    let res = match clock {
        CLOCK_REALTIME_COARSE | CLOCK_MONOTONIC_COARSE => NSEC_PER_SEC / 100,
        _ => 1,
    };
    if args.get(1) != 0 {
        write_timespec(ctx, args.get(1), res)?;
    }
    Ok(0)
}

/// clock_settime(2): only CLOCK_REALTIME is settable, with CAP_SYS_TIME.
pub fn sys_clock_settime(ctx: &mut Ctx, args: &Args) -> SysResult {
    let clock = args.int(0);
    let value = read_timespec(ctx, args.get(1))?.to_ns()?;
    if clock != CLOCK_REALTIME {
        clock_now_ns(ctx, clock)?;
        return_errno!(EINVAL);
    }
    if !ctx.thread.process().creds.lock().is_privileged() {
        return_errno!(EPERM);
    }
    time::set_realtime_ns(value);
    Ok(0)
}

/// gettimeofday(2); the obsolete timezone is reported as zeros.
pub fn sys_gettimeofday(ctx: &mut Ctx, args: &Args) -> SysResult {
    let vm = vm_of(ctx)?;
    let mut vm = vm.lock();
    if args.get(0) != 0 {
        let now = time::realtime_ns();
        let tv = UserPtr::<i64>::new(args.get(0));
        tv.write(&mut vm, &((now / NSEC_PER_SEC) as i64))?;
        tv.add(1)?.write(&mut vm, &((now % NSEC_PER_SEC / 1000) as i64))?;
    }
    if args.get(1) != 0 {
        UserPtr::<u64>::new(args.get(1)).write(&mut vm, &0)?;
    }
    Ok(0)
}

/// Sleeps until `deadline` on the monotonic clock; EINTR (with the time
/// left written to `rem`, if given) when a signal interrupts.
fn sleep_until(ctx: &mut Ctx, deadline: u64, rem: usize) -> SysResult {
    match ctx.kernel.block_on(&mut |_| false, Some(deadline)) {
        BlockResult::Interrupted => {
            if rem != 0 {
                let left = deadline.saturating_sub(time::monotonic_ns());
                write_timespec(ctx, rem, left)?;
            }
            return_errno!(EINTR)
        }
        _ => Ok(0),
    }
}

pub fn sys_nanosleep(ctx: &mut Ctx, args: &Args) -> SysResult {
    let duration = read_timespec(ctx, args.get(0))?.to_ns()?;
    let deadline = time::monotonic_ns().saturating_add(duration);
    sleep_until(ctx, deadline, args.get(1))
}

/// clock_nanosleep(2): returns the error number directly, not -1/errno —
/// the kernel returns -errno like every syscall; libc does the rest.
pub fn sys_clock_nanosleep(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (clock, flags, req, rem) = (args.int(0), args.uint(1), args.get(2), args.get(3));
    match clock {
        CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_BOOTTIME | CLOCK_TAI => {}
        CLOCK_THREAD_CPUTIME_ID => return_errno!(EINVAL),
        CLOCK_PROCESS_CPUTIME_ID => return_errno_with_message!(EOPNOTSUPP, "sleeping on CPU time"),
        _ => return_errno!(EINVAL),
    }
    let value = read_timespec(ctx, req)?.to_ns()?;
    let now_on_clock = clock_now_ns(ctx, clock)?;
    let mono = time::monotonic_ns();
    let deadline = if flags & TIMER_ABSTIME != 0 {
        mono.saturating_add(value.saturating_sub(now_on_clock))
    } else {
        mono.saturating_add(value)
    };
    // "If TIMER_ABSTIME is specified, then remain is unused."
    let rem = if flags & TIMER_ABSTIME != 0 { 0 } else { rem };
    sleep_until(ctx, deadline, rem)
}

/// times(2): CPU times in clock ticks; returns ticks since boot.
pub fn sys_times(ctx: &mut Ctx, args: &Args) -> SysResult {
    let ticks = |ns: u64| ns / (NSEC_PER_SEC / USER_HZ);
    if args.get(0) != 0 {
        let process = ctx.thread.process();
        let (user, system) = process.cpu_time_ns();
        let (cuser, csystem) = process.children_time_ns();
        let vm = vm_of(ctx)?;
        let mut vm = vm.lock();
        let buf = UserPtr::<u64>::new(args.get(0));
        for (i, value) in [user, system, cuser, csystem].into_iter().enumerate() {
            buf.add(i)?.write(&mut vm, &ticks(value))?;
        }
    }
    Ok(ticks(time::monotonic_ns()) as usize)
}
