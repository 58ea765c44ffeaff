//! Time on x86-64: the TSC (calibrated once against the PIT) for reading,
//! the 8254 PIT's channel 0 through the 8259 PIC for the 100 Hz tick.

use core::sync::atomic::{AtomicU64, Ordering};
use x86_64::instructions::port::Port;

/// Timer interrupts per second (Linux's `HZ`).
pub const HZ: u64 = 100;
/// The PIT's input clock (Hz).
const PIT_HZ: u64 = 1_193_182;
/// The vector IRQ 0 arrives on after the PIC is remapped (trap.rs).
pub const TIMER_VECTOR: u8 = 32;

static TSC_HZ: AtomicU64 = AtomicU64::new(0);
/// Nanoseconds per TSC tick as a 32.32 fixed-point number (0 until the
/// TSC is measured), so reading the clock is a multiply, not a 128-bit
/// division.
static NS_PER_TICK_32: AtomicU64 = AtomicU64::new(0);
static TICKS: AtomicU64 = AtomicU64::new(0);

fn rdtsc() -> u64 {
    // SAFETY: rdtsc only reads the time-stamp counter.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// The TSC's rate, measured the first time over 10 ms of PIT channel 2
/// (whose output shows in bit 5 of port 0x61).
pub fn tsc_hz() -> u64 {
    let known = TSC_HZ.load(Ordering::Relaxed);
    if known != 0 {
        return known;
    }
    let mut gate: Port<u8> = Port::new(0x61);
    let mut command: Port<u8> = Port::new(0x43);
    let mut channel2: Port<u8> = Port::new(0x42);
    let count = (PIT_HZ / 100) as u16;
    // SAFETY: ports 0x42/0x43/0x61 are the PIT and its gate on every PC;
    // channel 2 drives only the speaker, which stays off.
    let elapsed = unsafe {
        let value = gate.read();
        gate.write((value & !0x02) | 0x01);
        command.write(0xb0); // channel 2, lobyte/hibyte, mode 0
        channel2.write(count as u8);
        channel2.write((count >> 8) as u8);
        let start = rdtsc();
        while gate.read() & 0x20 == 0 {}
        rdtsc() - start
    };
    let hz = (elapsed * 100).max(1_000_000);
    NS_PER_TICK_32.store((((1_000_000_000u128) << 32) / hz as u128) as u64, Ordering::Relaxed);
    TSC_HZ.store(hz, Ordering::Relaxed);
    hz
}

/// Starts the 100 Hz tick on PIT channel 0 (mode 3, square wave).
pub fn init(_timebase_hz: u64) {
    tsc_hz();
    let divisor = (PIT_HZ / HZ) as u16;
    let mut command: Port<u8> = Port::new(0x43);
    let mut channel0: Port<u8> = Port::new(0x40);
    // SAFETY: programming PIT channel 0 only changes when IRQ 0 fires.
    unsafe {
        command.write(0x36);
        channel0.write(divisor as u8);
        channel0.write((divisor >> 8) as u8);
    }
    super::trap::unmask_irq(0);
}

/// Called on every timer interrupt: counts it and acknowledges it.
pub fn on_interrupt() {
    TICKS.fetch_add(1, Ordering::Relaxed);
    super::trap::end_of_interrupt(0);
}

/// Timer interrupts handled since boot.
pub fn ticks() -> u64 {
    TICKS.load(Ordering::Relaxed)
}

/// Nanoseconds since the machine started.
pub fn now_ns() -> u64 {
    let mut mult = NS_PER_TICK_32.load(Ordering::Relaxed);
    if mult == 0 {
        tsc_hz();
        mult = NS_PER_TICK_32.load(Ordering::Relaxed);
    }
    ((rdtsc() as u128 * mult as u128) >> 32) as u64
}
