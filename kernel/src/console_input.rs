//! Bytes typed on the console: polled from the UART on every scheduler pass
//! and timer tick, and fed to the console terminal's line discipline.

use crate::drivers::{console, uart};

pub fn poll() {
    while let Some(byte) = uart::try_read_byte() {
        console::console().receive(byte);
    }
}
