//! Arch-independent kernel objects of nsCore.
//!
//! Everything here is `no_std` + `alloc` and free of `unsafe`: what it needs
//! from the hardware (user memory, page tables, timers) it asks for through
//! small traits that `kernel/` implements and that host tests implement with
//! plain memory. That is why `cargo test` runs this crate on the host.
//!
//! Modules:
//! - [`error`]: Linux errno values and the `Error` type every fallible call returns.
//! - [`fs`]: file systems; for now the initramfs (`cpio` newc) reader.
//! - [`futex`]: futex wait queues keyed by address space or physical page.
//! - [`hal`]: the one trait through which this crate reaches the machine.
//! - [`mm`]: user address spaces (VMAs, page faults, copy-on-write, user pointers).
//! - [`namespace`]: namespaces; for now the UTS data.
//! - [`object`]: KoIDs, the kernel's own names for its objects.
//! - [`process`]: processes, threads, credentials, limits, ELF loading, wait.
//! - [`time`]: CLOCK_MONOTONIC and CLOCK_REALTIME, `TimeSpec`.
//! - [`tty`]: termios and the line discipline (n_tty).
//! - [`signal`]: signal sets, dispositions, pending queues, siginfo.
//! - [`sync`]: locks and [`sync::WaitQueue`], how objects wake blocked tasks.
//!
//! Lock order (outermost first): none yet — each lock added names its place here.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod error;
pub mod fs;
pub mod futex;
pub mod hal;
pub mod mm;
pub mod namespace;
pub mod object;
pub mod process;
pub mod signal;
pub mod sync;
pub mod time;
pub mod tty;

pub use error::{Errno, Error, Result};
