//! Kernel tasks: one per user thread, each with its own kernel stack.
//!
//! Layers:
//! - [`sched`]: the run queue, the scheduler loop (xv6-style: every switch
//!   goes through the scheduler's own context), blocking and sleeping.
//! - [`user_loop`]: what a task runs — enter user mode, handle the trap
//!   (syscall, fault, timer), deliver signals, repeat until the thread exits.
//! - [`services`]: `linux_syscall::Kernel`, the services syscalls ask for.

pub mod sched;
mod services;
mod signal;
mod user_loop;

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use linux_object::process::Thread;
use spin::Mutex;

use crate::arch::user::{KernelContext, UserContext};

pub use services::KERNEL;

const KERNEL_STACK_SIZE: usize = 128 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskState {
    Runnable,
    Running,
    Blocked,
    Exited,
}

pub struct Task {
    id: usize,
    /// The task's kernel stack; never touched after the task exits.
    _stack: Box<[u8]>,
    /// Saved callee-saved registers while switched out. Accessed only by
    /// `context_switch` on this hart, with the scheduler's lock discipline.
    kctx: UnsafeCell<KernelContext>,
    /// Registers to start user mode with; taken once by the task itself.
    initial: Mutex<Option<UserContext>>,
    pub thread: Arc<Thread>,
    /// Protected by the mutex; see `sched` for the transitions.
    state: Mutex<TaskState>,
    /// Set by a wake; cleared by the task before it checks its condition.
    woken: AtomicBool,
    /// CPU time weighted by the nice value (CFS's `vruntime`), in ns: the
    /// scheduler runs the runnable task with the least.
    vruntime: core::sync::atomic::AtomicU64,
    /// When the task last started running (ns).
    started: core::sync::atomic::AtomicU64,
    /// Time spent on the CPU in earlier runs (ns); see `Task::cpu_ns`.
    on_cpu: core::sync::atomic::AtomicU64,
}

// SAFETY: `kctx` is only read or written by `context_switch`, which runs on
// the single hart with interrupts off, for the task being switched out (by
// itself) or in (by the scheduler, while the task is not running).
unsafe impl Sync for Task {}

static NEXT_ID: AtomicUsize = AtomicUsize::new(1);

impl Task {
    /// A task that will run `thread` in user mode starting with `regs`.
    pub fn new(thread: Arc<Thread>, regs: UserContext) -> Arc<Task> {
        let stack = alloc::vec![0u8; KERNEL_STACK_SIZE].into_boxed_slice();
        let top = (stack.as_ptr() as usize + KERNEL_STACK_SIZE) & !15;
        let task = Arc::new(Task {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            _stack: stack,
            kctx: UnsafeCell::new(KernelContext::new(user_loop::task_entry, top)),
            initial: Mutex::new(Some(regs)),
            thread,
            state: Mutex::new(TaskState::Runnable),
            woken: AtomicBool::new(false),
            vruntime: core::sync::atomic::AtomicU64::new(sched::min_vruntime()),
            started: core::sync::atomic::AtomicU64::new(0),
            on_cpu: core::sync::atomic::AtomicU64::new(0),
        });
        task.thread.set_waker(sched::waker_for(&task));
        task
    }

}

impl Task {
    /// The kernel stack's addresses (for walking a backtrace).
    pub fn stack_range(&self) -> core::ops::Range<usize> {
        let start = self._stack.as_ptr() as usize;
        start..start + self._stack.len()
    }
}

/// Starts running `thread` with `regs`.
pub fn spawn(thread: Arc<Thread>, regs: UserContext) {
    sched::push_runnable(Task::new(thread, regs));
}
