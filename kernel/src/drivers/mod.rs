//! Device drivers.
//!
//! - [`uart`]: the 16550 serial port (through the `uart_16550` crate).
//! - [`console`]: the console terminal on top of it (/dev/console, /dev/tty).

pub mod console;
pub mod uart;
