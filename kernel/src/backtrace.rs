//! Kernel diagnostics: a backtrace by walking frame pointers (the kernel is
//! built with `-C force-frame-pointers=yes`, .cargo/config.toml), and the
//! soft-lockup watchdog (Linux's kernel/watchdog.c in miniature).
//!
//! Read a backtrace with the kernel's symbols:
//! `addr2line -f -C -e target/<target>/release/nscore 0xffff...`, or
//! `make debug` and gdb's `info symbol ADDR`.
//!
//! The watchdog: every return to user mode and every pass of the scheduler
//! loop is progress ([`touch`]). The timer interrupt, which also arrives
//! while the kernel runs, checks that progress came within
//! [`LOCKUP_NS`] (or `watchdog_thresh=`); if not, a task is stuck in the kernel (a loop that never
//! sleeps), and the watchdog prints "watchdog: BUG: soft lockup", the
//! stuck task and where it is, and panics.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::arch;

/// How long the kernel may run without progress, by default (Linux's
/// default watchdog_thresh of 10 s makes 20 s; ours leaves room for a slow
/// host); `watchdog_thresh=SECONDS` on the command line changes it.
pub const LOCKUP_NS: u64 = 30_000_000_000;
static LOCKUP_LIMIT_NS: AtomicU64 = AtomicU64::new(LOCKUP_NS);

pub fn set_threshold_secs(secs: u64) {
    LOCKUP_LIMIT_NS.store(secs.saturating_mul(1_000_000_000), Ordering::Relaxed);
}
/// Frames printed at most.
const MAX_FRAMES: usize = 32;

static LAST_PROGRESS_NS: AtomicU64 = AtomicU64::new(0);
static FIRED: AtomicBool = AtomicBool::new(false);

/// Marks progress: the kernel got back to user mode or to the scheduler.
pub fn touch() {
    touch_at(arch::timer::now_ns());
}

/// [`touch`] with the clock already read.
pub fn touch_at(now_ns: u64) {
    LAST_PROGRESS_NS.store(now_ns, Ordering::Relaxed);
}

/// On a timer interrupt taken in the kernel at `pc` with frame pointer
/// `fp`: panics with a report if there was no progress for too long.
pub fn check(pc: usize, fp: usize) {
    let last = LAST_PROGRESS_NS.load(Ordering::Relaxed);
    let stuck = arch::timer::now_ns().saturating_sub(last);
    if last == 0 || stuck < LOCKUP_LIMIT_NS.load(Ordering::Relaxed) || FIRED.swap(true, Ordering::Relaxed) {
        return;
    }
    crate::console::print_panic(format_args!(
        "\nwatchdog: BUG: soft lockup - CPU#0 stuck for {}s! [{}]\n",
        stuck / 1_000_000_000,
        current_task_name()
    ));
    print_backtrace(pc, fp);
    panic!("soft lockup");
}

/// "comm:pid" of the task on the CPU, if one runs and its state can be
/// read without waiting for a lock (we may be panicking with it held).
pub fn current_task_name() -> alloc::string::String {
    match crate::task::sched::peek_current() {
        Some(task) => match task.thread.process().try_comm() {
            Some(comm) => alloc::format!("{}:{}", comm, task.thread.process().pid()),
            None => alloc::format!("?:{}", task.thread.process().pid()),
        },
        None => alloc::string::String::from("scheduler"),
    }
}

/// Prints the call chain from (`pc`, `fp`): one line per frame, stopping
/// at the first frame pointer outside the stack it started on.
pub fn print_backtrace(pc: usize, fp: usize) {
    crate::console::print_panic(format_args!("kernel backtrace (addr2line -f -e the kernel ELF):\n  #0  {pc:#018x}\n"));
    let stack = crate::task::sched::peek_current().map(|task| task.stack_range());
    let within = |addr: usize| match &stack {
        Some(range) => range.contains(&addr),
        // The boot stack (the scheduler): stay in the kernel's half and
        // within 256 KiB of where we started.
        None => addr >= fp.saturating_sub(16) && addr < fp.saturating_add(256 * 1024),
    };
    let (ra_at, prev_at) = arch::FRAME_RECORD;
    let mut fp = fp;
    for n in 1..MAX_FRAMES {
        let (ra_addr, prev_addr) = (fp.wrapping_add_signed(ra_at), fp.wrapping_add_signed(prev_at));
        if fp % 8 != 0 || !within(ra_addr) || !within(prev_addr) {
            break;
        }
        // SAFETY: both addresses are aligned and inside the current kernel
        // stack (checked above), which is mapped.
        let (ra, prev) = unsafe { ((ra_addr as *const usize).read_volatile(), (prev_addr as *const usize).read_volatile()) };
        if ra == 0 {
            break;
        }
        crate::console::print_panic(format_args!("  #{n:<2} {ra:#018x}\n"));
        if prev <= fp {
            break;
        }
        fp = prev;
    }
}

/// A backtrace from the caller of this function.
pub fn print_backtrace_here() {
    print_backtrace(arch::current_pc(), arch::current_frame_pointer());
}
