//! Kernel console output: `print!`/`println!` to the UART, or to the SBI
//! console before the UART is set up.

use core::fmt::{self, Write};

use crate::{arch, drivers::uart};

struct Console;

impl Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // Terminals want CR LF; translate line by line.
        for (i, line) in s.split('\n').enumerate() {
            if i > 0 {
                put_bytes(b"\r\n");
            }
            put_bytes(line.as_bytes());
        }
        Ok(())
    }
}

fn put_bytes(bytes: &[u8]) {
    if !uart::write_bytes(bytes) {
        bytes.iter().for_each(|&b| arch::early_putchar(b));
    }
}

/// A lock around whole messages so lines from two contexts do not interleave.
static PRINT_LOCK: spin::Mutex<()> = spin::Mutex::new(());

pub fn print(args: fmt::Arguments) {
    let _guard = PRINT_LOCK.lock();
    let _ = Console.write_fmt(args);
}

/// Prints on the panic path: breaks the locks a panicking context may hold.
pub fn print_panic(args: fmt::Arguments) {
    // SAFETY: we are panicking; the kernel runs nothing else after this.
    unsafe {
        PRINT_LOCK.force_unlock();
        uart::force_unlock();
    }
    let _ = Console.write_fmt(args);
}

#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::console::print(format_args!($($arg)*)) };
}

#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => { $crate::console::print(format_args!("{}\n", format_args!($($arg)*))) };
}
