//! The supervisor timer: `time` CSR for reading, SBI `set_timer` for the
//! next interrupt.

use core::sync::atomic::{AtomicU64, Ordering};

/// Timer interrupts per second (Linux's `HZ`).
pub const HZ: u64 = 100;

static TIMEBASE_HZ: AtomicU64 = AtomicU64::new(10_000_000);
/// Nanoseconds per `time` tick as a 32.32 fixed-point number, so reading
/// the clock is a multiply, not two divisions.
static NS_PER_TICK_32: AtomicU64 = AtomicU64::new(100 << 32);
static TICKS: AtomicU64 = AtomicU64::new(0);

pub fn init(timebase_hz: u64) {
    let hz = timebase_hz.max(1);
    TIMEBASE_HZ.store(hz, Ordering::Relaxed);
    NS_PER_TICK_32.store((((1_000_000_000u128) << 32) / hz as u128) as u64, Ordering::Relaxed);
    set_next();
    // SAFETY: the trap vector handles supervisor timer interrupts.
    unsafe { riscv::register::sie::set_stimer() };
}

fn set_next() {
    let now = riscv::register::time::read64();
    sbi_rt::set_timer(now + TIMEBASE_HZ.load(Ordering::Relaxed) / HZ);
}

/// Called from the trap handler on every supervisor timer interrupt.
pub fn on_interrupt() {
    TICKS.fetch_add(1, Ordering::Relaxed);
    set_next();
}

/// Timer interrupts handled since boot.
pub fn ticks() -> u64 {
    TICKS.load(Ordering::Relaxed)
}

/// Nanoseconds since the machine started.
pub fn now_ns() -> u64 {
    let t = riscv::register::time::read64();
    ((t as u128 * NS_PER_TICK_32.load(Ordering::Relaxed) as u128) >> 32) as u64
}
