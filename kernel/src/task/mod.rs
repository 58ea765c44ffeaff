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

/// 32 KiB, twice Linux's 16 KiB: Rust code in release builds uses more
/// stack than C. The deepest use over every test, benchmark and fuzz run
/// is measured by `stackcheck` (below) and must stay under three quarters
/// of this (`make test` checks it); an overflow is caught by
/// `STACK_END_MAGIC`.
const KERNEL_STACK_SIZE: usize = 32 * 1024;
/// Linux's `STACK_END_MAGIC`, at the lowest word of every kernel stack;
/// checked on every pass through the trap loop and every switch back to
/// the scheduler (`Task::check_stack`).
const STACK_END_MAGIC: u64 = 0x57AC6E9D;

/// `stackcheck` on the command line: paint every new kernel stack and
/// measure, when the task ends, how deep it was used (as Linux's
/// `CONFIG_DEBUG_STACK_USAGE`). Off by default: painting costs a pass
/// over the stack per fork.
static STACK_CHECK: AtomicBool = AtomicBool::new(false);
const STACK_PAINT: u64 = 0x5a5a_5a5a_5a5a_5a5a;
/// The deepest use measured so far, in bytes.
static DEEPEST: AtomicUsize = AtomicUsize::new(0);

pub fn enable_stack_check() {
    STACK_CHECK.store(true, Ordering::Relaxed);
}

/// Prints the deepest kernel-stack use seen (with `stackcheck`), counting
/// `current`'s stack too: `make test` reads this line at power-off.
pub fn report_stack_depth(current: Option<&Task>) {
    if STACK_CHECK.load(Ordering::Relaxed) {
        let deepest = DEEPEST.load(Ordering::Relaxed).max(current.map_or(0, |t| t.stack.depth()));
        crate::println!("kstack: deepest use {deepest} of {KERNEL_STACK_SIZE} bytes");
    }
}

/// A task's kernel stack. It is taken from the frame allocator, not the
/// heap (which never gives memory back), so when a task ends its stack
/// returns to the free pool at once; only if no contiguous run of frames
/// is left does it come from the heap.
enum KernelStack {
    Frames { pa: usize },
    Heap(Box<[u8]>),
}

impl KernelStack {
    const FRAMES: usize = KERNEL_STACK_SIZE / crate::memory::PAGE_SIZE;

    fn new() -> Self {
        let stack = match crate::memory::frame::alloc_contiguous(Self::FRAMES, 1) {
            Some(pa) => KernelStack::Frames { pa },
            None => KernelStack::Heap(alloc::vec![0u8; KERNEL_STACK_SIZE].into_boxed_slice()),
        };
        let range = stack.range();
        if STACK_CHECK.load(Ordering::Relaxed) {
            for word in (range.start..range.end).step_by(8) {
                // SAFETY: the stack is ours and nothing uses it yet.
                unsafe { (word as *mut u64).write_volatile(STACK_PAINT) };
            }
        }
        // SAFETY: the stack's lowest word is ours and nothing else uses
        // the stack yet.
        unsafe { (range.start as *mut u64).write_volatile(STACK_END_MAGIC) };
        stack
    }

    /// How many bytes from the top were ever used: the painted words left
    /// untouched at the bottom are not (only meaningful with `stackcheck`).
    fn depth(&self) -> usize {
        let range = self.range();
        let untouched = (range.start + 8..range.end)
            .step_by(8)
            // SAFETY: words of this stack, mapped while it lives.
            .take_while(|&word| unsafe { (word as *const u64).read_volatile() } == STACK_PAINT)
            .count();
        KERNEL_STACK_SIZE - 8 - untouched * 8
    }

    /// Whether the lowest word still holds the magic: a task that ran
    /// past the end of its stack has overwritten it.
    fn intact(&self) -> bool {
        // SAFETY: the stack's lowest word, mapped while the stack lives.
        unsafe { (self.range().start as *const u64).read_volatile() == STACK_END_MAGIC }
    }

    fn range(&self) -> core::ops::Range<usize> {
        let start = match self {
            KernelStack::Frames { pa } => crate::arch::paging::phys_to_virt(*pa),
            KernelStack::Heap(bytes) => bytes.as_ptr() as usize,
        };
        start..start + KERNEL_STACK_SIZE
    }
}

impl Drop for KernelStack {
    fn drop(&mut self) {
        if let KernelStack::Frames { pa } = self {
            crate::memory::frame::free_contiguous(*pa, Self::FRAMES);
        }
    }
}

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
    stack: KernelStack,
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
        let stack = KernelStack::new();
        let top = stack.range().end & !15;
        let task = Arc::new(Task {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            stack,
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

impl Drop for Task {
    fn drop(&mut self) {
        if STACK_CHECK.load(Ordering::Relaxed) {
            let depth = self.stack.depth();
            if depth > DEEPEST.fetch_max(depth, Ordering::Relaxed) {
                let process = self.thread.process();
                log::info!("kstack: deepest so far {depth} bytes, by pid {} ({})", process.pid(), process.comm());
            }
        }
    }
}

impl Task {
    /// Panics if the task has run off the end of its kernel stack (Linux's
    /// `task_stack_end_corrupted` check in `schedule`): everything after
    /// that would be memory corruption.
    pub fn check_stack(&self) {
        if !self.stack.intact() {
            panic!("kernel stack overflow in task {} (pid {})", self.id, self.thread.process().pid());
        }
    }

    /// The kernel stack's addresses (for walking a backtrace).
    pub fn stack_range(&self) -> core::ops::Range<usize> {
        self.stack.range()
    }
}

/// Starts running `thread` with `regs`.
pub fn spawn(thread: Arc<Thread>, regs: UserContext) {
    sched::push_runnable(Task::new(thread, regs));
}
