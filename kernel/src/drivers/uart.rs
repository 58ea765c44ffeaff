//! The 16550 UART behind the console, driven by the `uart_16550` crate.

use core::ptr::NonNull;
use spin::Mutex;
#[cfg(target_arch = "x86_64")]
use uart_16550::backend::PioBackend;
use uart_16550::{Config, Uart16550, backend::MmioBackend};

/// A 16550 reached through memory-mapped registers (riscv64) or I/O ports
/// (x86's COM1).
pub enum Uart {
    Mmio(Uart16550<MmioBackend>),
    #[cfg(target_arch = "x86_64")]
    Port(Uart16550<PioBackend>),
}

impl Uart {
    fn send(&mut self, bytes: &[u8]) {
        match self {
            Uart::Mmio(u) => u.send_bytes_exact(bytes),
            #[cfg(target_arch = "x86_64")]
            Uart::Port(u) => u.send_bytes_exact(bytes),
        }
    }

    fn receive(&mut self) -> Option<u8> {
        match self {
            Uart::Mmio(u) => u.try_receive_byte().ok(),
            #[cfg(target_arch = "x86_64")]
            Uart::Port(u) => u.try_receive_byte().ok(),
        }
    }
}

/// The console UART; `None` until [`init_mmio`] or `init_port` ran.
/// Protected by its mutex; see `console` for the panic path.
pub static UART: Mutex<Option<Uart>> = Mutex::new(None);

/// Sets up the UART at I/O port `base` (COM1 is 0x3f8). Returns false when
/// the device does not answer.
#[cfg(target_arch = "x86_64")]
pub fn init_port(base: u16) -> bool {
    // SAFETY: `base` is COM1's port block, which only this driver uses.
    let Ok(mut uart) = (unsafe { Uart16550::new_port(base) }) else { return false };
    if uart.init(Config::default()).is_err() {
        return false;
    }
    *UART.lock() = Some(Uart::Port(uart));
    true
}

/// Sets up the UART whose registers start at virtual address `base`, `stride`
/// bytes apart. Returns false (and the console stays on the early path) when
/// the device does not answer.
pub fn init_mmio(base: usize, stride: u8) -> bool {
    let Some(base) = NonNull::new(base as *mut u8) else { return false };
    // SAFETY: `base` is the linear-map address of the UART's register block
    // from the device tree; it stays mapped for the kernel's lifetime and
    // only this driver touches it.
    let Ok(mut uart) = (unsafe { Uart16550::new_mmio(base, stride) }) else { return false };
    if uart.init(Config::default()).is_err() {
        return false;
    }
    *UART.lock() = Some(Uart::Mmio(uart));
    true
}

/// Sends `bytes`, returning false when no UART is set up.
pub fn write_bytes(bytes: &[u8]) -> bool {
    match UART.lock().as_mut() {
        Some(uart) => {
            uart.send(bytes);
            true
        }
        None => false,
    }
}

/// Takes one received byte, if any.
pub fn try_read_byte() -> Option<u8> {
    UART.lock().as_mut()?.receive()
}

/// Breaks the lock after a panic on this hart, which may have held it.
///
/// # Safety
/// Only for the panic path, where no other code runs anymore.
pub unsafe fn force_unlock() {
    // SAFETY: see the function's contract.
    unsafe { UART.force_unlock() };
}
