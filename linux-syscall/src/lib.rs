//! The Linux syscall layer of nsCore: numbers, argument decoding, dispatch.
//!
//! Handlers are thin: they decode arguments, check flags, and call into
//! `linux-object`. For now the crate holds the syscall number tables
//! ([`numbers`]); dispatch arrives with user space.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod numbers;

pub use numbers::Arch;
