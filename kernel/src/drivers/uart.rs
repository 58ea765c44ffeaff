//! The 16550 UART behind the console, driven by the `uart_16550` crate.

use core::ptr::NonNull;
use spin::Mutex;
use uart_16550::{Config, Uart16550, backend::MmioBackend};

/// The console UART; `None` until [`init_mmio`] ran.
/// Protected by its mutex; see `console` for the panic path.
pub static UART: Mutex<Option<Uart16550<MmioBackend>>> = Mutex::new(None);

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
    *UART.lock() = Some(uart);
    true
}

/// Sends `bytes`, returning false when no UART is set up.
pub fn write_bytes(bytes: &[u8]) -> bool {
    match UART.lock().as_mut() {
        Some(uart) => {
            uart.send_bytes_exact(bytes);
            true
        }
        None => false,
    }
}

/// Takes one received byte, if any.
pub fn try_read_byte() -> Option<u8> {
    UART.lock().as_mut()?.try_receive_byte().ok()
}

/// Breaks the lock after a panic on this hart, which may have held it.
///
/// # Safety
/// Only for the panic path, where no other code runs anymore.
pub unsafe fn force_unlock() {
    // SAFETY: see the function's contract.
    unsafe { UART.force_unlock() };
}
