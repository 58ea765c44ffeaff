//! The Linux syscall layer of nsCore: numbers, argument decoding, dispatch.
//!
//! Handlers are thin: decode arguments, check flags, call into
//! `linux-object`. Every handler has the same shape,
//! `sys_<linux_name>(ctx, args) -> SysResult`, lives in the family directory
//! Linux would put it in (`process/`, `mm/`, `fs/`, `signal/`, `misc/`…), and
//! is listed in [`table`] with how complete it is.
//!
//! An unknown number gets `ENOSYS` and one log line naming the syscall.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(test)]
extern crate std;

mod context;
pub mod fs;
pub mod misc;
pub mod mm;
pub mod namespace;
pub mod numbers;
pub mod pidfd;
pub mod process;
pub mod signal;
pub mod table;
pub mod time;

pub use context::{BlockResult, Ctx, Kernel, UserRegs};
pub use numbers::Arch;

use linux_object::Errno;
use linux_object::mm::VmSpace;
use linux_object::sync::Mutex;

pub type SysResult = linux_object::Result<usize>;

/// The six raw argument registers.
#[derive(Clone, Copy, Debug)]
pub struct Args(pub [usize; 6]);

impl Args {
    pub fn get(&self, i: usize) -> usize {
        self.0[i]
    }
    /// Argument `i` as a C `int` (the low 32 bits, sign-extended), the way
    /// Linux's SYSCALL_DEFINE truncates int parameters.
    pub fn int(&self, i: usize) -> i32 {
        self.0[i] as u32 as i32
    }
    pub fn uint(&self, i: usize) -> u32 {
        self.0[i] as u32
    }
}

/// Runs syscall `nr`. Returns the value for the return register: the
/// result, or `-errno`.
pub fn dispatch(ctx: &mut Ctx, nr: usize, args: [usize; 6]) -> usize {
    let arch = ctx.kernel.arch();
    let result = match table::lookup(arch, nr) {
        Some(entry) => (entry.handler)(ctx, &Args(args)),
        None => {
            log::warn!(
                "syscall {} ({}) is not implemented: ENOSYS (tid {})",
                nr,
                arch.syscall_name(nr).unwrap_or("unknown"),
                ctx.thread.tid()
            );
            Err(Errno::ENOSYS.into())
        }
    };
    log::trace!(
        "tid {} {}({:#x}, {:#x}, {:#x}) = {:?}",
        ctx.thread.tid(),
        arch.syscall_name(nr).unwrap_or("?"),
        args[0],
        args[1],
        args[2],
        result.map_err(|e| e.errno)
    );
    match result {
        Ok(value) => value,
        Err(err) => {
            if let Some(msg) = err.msg {
                log::debug!("syscall {nr}: {:?} ({msg})", err.errno);
            }
            err.errno.as_syscall_return() as usize
        }
    }
}

/// The calling process's address space.
pub(crate) fn vm_of(ctx: &Ctx) -> linux_object::Result<alloc::sync::Arc<Mutex<VmSpace>>> {
    ctx.thread.process().vm()
}
