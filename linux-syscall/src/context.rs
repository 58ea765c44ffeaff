//! What a syscall handler works with: the calling thread, its saved user
//! registers, and the kernel services it may need (spawning and blocking).
//! The kernel implements [`Kernel`] and [`UserRegs`]; host tests use fakes.

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::any::Any;
use core::task::Waker;

use linux_object::process::elf::ElfArch;
use linux_object::process::Thread;

use crate::Arch;

/// A thread's saved user registers, architecture-neutral view.
pub trait UserRegs: Send {
    fn ip(&self) -> usize;
    fn set_ip(&mut self, ip: usize);
    fn sp(&self) -> usize;
    fn set_sp(&mut self, sp: usize);
    fn set_tls(&mut self, tls: usize);
    /// The thread pointer (tp on riscv64, the FS base on x86_64).
    fn tls(&self) -> usize;
    /// x86_64's GS base; `None` where the architecture has none.
    fn gs_base(&self) -> Option<usize>;
    /// Sets the GS base; false where the architecture has none.
    fn set_gs_base(&mut self, base: usize) -> bool;
    /// The syscall return register (a0 / rax).
    fn set_return(&mut self, value: usize);
    fn return_value(&self) -> usize;
    /// Fresh registers for a new program (execve): only ip and sp set.
    fn reset_for_exec(&mut self, entry: usize, sp: usize);
    fn boxed_clone(&self) -> Box<dyn UserRegs>;
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

/// How a block ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockResult {
    /// The condition became true.
    Ready,
    /// The deadline passed first.
    TimedOut,
    /// A signal arrived for the thread first.
    Interrupted,
}

/// Services of the kernel proper.
pub trait Kernel: Sync {
    fn arch(&self) -> Arch;
    fn elf_arch(&self) -> ElfArch;
    /// Starts running `thread` in user mode with `regs`.
    fn spawn_thread(&self, thread: Arc<Thread>, regs: Box<dyn UserRegs>);
    /// Blocks the current thread until `ready(waker)` returns true, the
    /// monotonic clock passes `deadline_ns`, or a signal is pending. `ready`
    /// must register `waker` with whatever it waits on before returning false.
    fn block_on(&self, ready: &mut dyn FnMut(&Waker) -> bool, deadline_ns: Option<u64>) -> BlockResult;
    /// `block_on` that only a fatal signal (or exit) cuts short: Linux's
    /// `TASK_KILLABLE` waits (vfork). Other signals stay pending.
    fn block_on_killable(&self, ready: &mut dyn FnMut(&Waker) -> bool, deadline_ns: Option<u64>) -> BlockResult;
    /// Gives the CPU to another runnable task.
    fn yield_now(&self);
    /// rt_sigreturn: reloads the registers from the signal frame at the
    /// stack pointer; returns the signal mask saved in it.
    fn restore_signal_frame(&self, regs: &mut dyn UserRegs, vm: &mut linux_object::mm::VmSpace) -> linux_object::Result<u64>;
    /// Powers the machine off (reboot(2) with LINUX_REBOOT_CMD_POWER_OFF).
    fn power_off(&self, exit_code: u8) -> !;
}

/// Everything a handler gets.
pub struct Ctx<'a> {
    pub kernel: &'a dyn Kernel,
    pub thread: &'a Arc<Thread>,
    pub regs: &'a mut dyn UserRegs,
}
