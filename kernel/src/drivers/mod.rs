//! Device drivers.
//!
//! - [`uart`]: the 16550 serial console (through the `uart_16550` crate).

pub mod uart;
