//! Time syscalls: clock_gettime(2), clock_getres(2), clock_settime(2),
//! gettimeofday(2), nanosleep(2), clock_nanosleep(2), times(2).

use linux_object::mm::user::UserPtr;
use linux_object::signal::restart::RestartBlock;
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

/// A `struct timespec` from user memory (`EFAULT` for a bad pointer).
pub fn read_timespec(ctx: &Ctx, addr: usize) -> linux_object::Result<TimeSpec> {
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
    // The value first, then the privilege (do_sys_settimeofday64).
    time::check_settod(value)?;
    if !ctx.thread.process().creds.lock().is_privileged() {
        return_errno!(EPERM);
    }
    time::set_realtime_ns(value)?;
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
/// Sleeps until `deadline` (monotonic ns). Interrupted, it writes the time
/// left to `rem` (unless 0) and leaves a restart block, so that a stop and
/// SIGCONT continue the same sleep through restart_syscall(2) while a
/// handler makes it fail with `EINTR` (`do_nanosleep`,
/// `nanosleep_restart`, kernel/time/hrtimer.c).
pub(crate) fn sleep_until(ctx: &mut Ctx, deadline: u64, rem: usize) -> SysResult {
    match ctx.kernel.block_on(&mut |_| false, Some(deadline)) {
        BlockResult::Interrupted => {
            if rem != 0 {
                let left = deadline.saturating_sub(time::monotonic_ns());
                write_timespec(ctx, rem, left)?;
            }
            ctx.thread.set_restart_block(RestartBlock::Sleep { deadline, rem });
            return_errno!(ERESTART_RESTARTBLOCK)
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
    if flags & TIMER_ABSTIME != 0 {
        // "If TIMER_ABSTIME is specified, then remain is unused", and the
        // same call can simply run again after a stop.
        return match ctx.kernel.block_on(&mut |_| false, Some(deadline)) {
            BlockResult::Interrupted => return_errno!(ERESTARTNOHAND),
            _ => Ok(0),
        };
    }
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

const ITIMER_REAL: i32 = 0;
const ITIMER_VIRTUAL: i32 = 1;
const ITIMER_PROF: i32 = 2;

/// Reads a `struct timeval` (two longs) as ns; `EINVAL` for a negative
/// second or a microsecond outside 0..1e6 (`get_itimerval` + `timeval_valid`).
fn timeval_ns(raw: &[u8]) -> linux_object::Result<u64> {
    let sec = i64::from_le_bytes(raw[0..8].try_into().unwrap_or([0; 8]));
    let usec = i64::from_le_bytes(raw[8..16].try_into().unwrap_or([0; 8]));
    if sec < 0 || !(0..1_000_000).contains(&usec) {
        return_errno!(EINVAL);
    }
    Ok((sec as u64).saturating_mul(NSEC_PER_SEC).saturating_add(usec as u64 * 1000))
}

/// A `struct itimerval` { it_interval, it_value } from two ns values.
fn itimerval_bytes(interval_ns: u64, value_ns: u64) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, ns) in [interval_ns, value_ns].into_iter().enumerate() {
        // Round up to whole microseconds so a running timer never reads 0.
        let usec_total = ns.div_ceil(1000);
        out[i * 16..i * 16 + 8].copy_from_slice(&((usec_total / 1_000_000) as i64).to_le_bytes());
        out[i * 16 + 8..i * 16 + 16].copy_from_slice(&((usec_total % 1_000_000) as i64).to_le_bytes());
    }
    out
}

/// Only ITIMER_REAL is kept; the CPU-time timers are refused.
fn check_which(which: i32) -> linux_object::Result<()> {
    match which {
        ITIMER_REAL => Ok(()),
        ITIMER_VIRTUAL | ITIMER_PROF => {
            log::warn!("setitimer: ITIMER_VIRTUAL and ITIMER_PROF are not supported");
            return_errno_with_message!(EINVAL, "CPU-time interval timers are not supported")
        }
        _ => return_errno!(EINVAL),
    }
}

/// setitimer(which, new, old): arms or disarms the ITIMER_REAL timer
/// (SIGALRM). A NULL `new` disarms, as Linux still allows.
pub fn sys_setitimer(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (which, new, old) = (args.int(0), args.get(1), args.get(2));
    check_which(which)?;
    let (interval, value) = if new == 0 {
        (0, 0)
    } else {
        let raw = UserPtr::<u8>::new(new).read_bytes(&mut vm_of(ctx)?.lock(), 32)?;
        (timeval_ns(&raw[0..16])?, timeval_ns(&raw[16..32])?)
    };
    let (left, period) = linux_object::process::itimer::set(ctx.thread.process(), value, interval);
    if old != 0 {
        UserPtr::<u8>::new(old).write_bytes(&mut vm_of(ctx)?.lock(), &itimerval_bytes(period, left))?;
    }
    Ok(0)
}

pub fn sys_getitimer(ctx: &mut Ctx, args: &Args) -> SysResult {
    check_which(args.int(0))?;
    let (left, period) = linux_object::process::itimer::get(ctx.thread.process());
    UserPtr::<u8>::new(args.get(1)).write_bytes(&mut vm_of(ctx)?.lock(), &itimerval_bytes(period, left))?;
    Ok(0)
}

/// alarm(seconds) (x86_64): setitimer(ITIMER_REAL) in whole seconds;
/// returns the seconds left on the old timer, rounded to nearest and at
/// least 1 if one was armed (`alarm_setitimer`).
pub fn sys_alarm(ctx: &mut Ctx, args: &Args) -> SysResult {
    let seconds = args.uint(0) as u64;
    let (left, _) = linux_object::process::itimer::set(ctx.thread.process(), seconds * NSEC_PER_SEC, 0);
    if left == 0 {
        return Ok(0);
    }
    Ok((left.saturating_add(NSEC_PER_SEC / 2) / NSEC_PER_SEC).max(1) as usize)
}

/// time(tloc) (x86_64): seconds since the epoch, also stored at `tloc`
/// unless it is NULL.
pub fn sys_time(ctx: &mut Ctx, args: &Args) -> SysResult {
    let secs = (time::realtime_ns() / NSEC_PER_SEC) as i64;
    if args.get(0) != 0 {
        UserPtr::<i64>::new(args.get(0)).write(&mut vm_of(ctx)?.lock(), &secs)?;
    }
    Ok(secs as usize)
}
