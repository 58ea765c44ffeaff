//! The architecture, chosen once: everything outside `arch/` uses these
//! re-exports and never says `cfg(target_arch)`.
//!
//! Each architecture provides the same items:
//! - `boot_info()`: what the firmware told us (memory, initrd, command line).
//! - `paging`: the kernel page table and `PHYS_VIRT_OFFSET`.
//! - `trap::init()`, `timer::{init, now_ns, ticks}`, `power::shutdown(code)`,
//!   `early_putchar(byte)` for output before the console driver is up.

pub mod common;

#[cfg(target_arch = "riscv64")]
mod riscv64;
#[cfg(target_arch = "riscv64")]
pub use riscv64::*;
#[cfg(target_arch = "x86_64")]
#[path = "x86_64/mod.rs"]
mod x86;
#[cfg(target_arch = "x86_64")]
pub use x86::*;
