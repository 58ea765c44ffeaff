//! The scheduler: a round-robin run queue served by one loop on the boot
//! stack (xv6's `scheduler()`): a task gives up the CPU by switching to the
//! scheduler's context, and the scheduler switches to the next task.
//!
//! Interrupts are off in the kernel except while the scheduler idles, so the
//! only interrupt-time code (timer ticks) never finds a lock held.
//!
//! Task states: Runnable (in the queue) → Running (switched to) → Runnable
//! (yield) | Blocked (waiting; a wake puts it back in the queue) | Exited.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::{Arc, Weak};
use alloc::task::Wake;
use core::cell::UnsafeCell;
use core::task::Waker;
use core::sync::atomic::Ordering;

use linux_syscall::BlockResult;
use spin::Mutex;

use super::{Task, TaskState};
use crate::arch::{self, timer, user::{KernelContext, context_switch}};

static RUN_QUEUE: Mutex<VecDeque<Arc<Task>>> = Mutex::new(VecDeque::new());
static CURRENT: Mutex<Option<Arc<Task>>> = Mutex::new(None);
/// Tasks sleeping with a deadline: (deadline ns, task id) → task.
static SLEEPERS: Mutex<BTreeMap<(u64, usize), Weak<Task>>> = Mutex::new(BTreeMap::new());

struct SchedulerContext(UnsafeCell<KernelContext>);
// SAFETY: only touched by context_switch on the single hart.
unsafe impl Sync for SchedulerContext {}
static SCHEDULER: SchedulerContext = SchedulerContext(UnsafeCell::new(KernelContext::EMPTY));

/// The task running on this hart. Calling it outside a task is a kernel bug.
pub fn current() -> Arc<Task> {
    CURRENT.lock().clone().expect("no current task")
}

/// The running task, if the CPU runs one (not in the scheduler loop).
pub fn try_current() -> Option<Arc<Task>> {
    CURRENT.lock().clone()
}

pub fn push_runnable(task: Arc<Task>) {
    *task.state.lock() = TaskState::Runnable;
    RUN_QUEUE.lock().push_back(task);
}

struct TaskWaker(Weak<Task>);

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        let Some(task) = self.0.upgrade() else { return };
        task.woken.store(true, Ordering::Release);
        let mut state = task.state.lock();
        if *state == TaskState::Blocked {
            *state = TaskState::Runnable;
            drop(state);
            RUN_QUEUE.lock().push_back(task);
        }
    }
}

pub fn waker_for(task: &Arc<Task>) -> Waker {
    Waker::from(Arc::new(TaskWaker(Arc::downgrade(task))))
}

/// Switches from the current task to the scheduler. Returns when the
/// scheduler picks this task again.
fn switch_to_scheduler(task: &Task) {
    // SAFETY: we are the running task on this hart with interrupts off; the
    // scheduler context was saved by the scheduler loop, which is waiting in
    // its own context_switch call.
    unsafe { context_switch(task.kctx.get(), SCHEDULER.0.get()) };
}

/// Gives the CPU to the next runnable task; the current one stays runnable.
pub fn yield_now() {
    let task = current();
    push_runnable(task.clone());
    switch_to_scheduler(&task);
}

/// Ends the current task for good. The caller must hold no `Arc`s on its
/// stack: this stack is never unwound, so they would leak.
pub fn exit_current() -> ! {
    let kctx = {
        let task = current();
        *task.state.lock() = TaskState::Exited;
        task.kctx.get()
    };
    // SAFETY: CURRENT still holds the task, so `kctx` is valid until the
    // scheduler, back on its own stack, drops it.
    unsafe { context_switch(kctx, SCHEDULER.0.get()) };
    unreachable!("an exited task was scheduled again");
}

/// Blocks the current task until `ready` holds, `deadline_ns` passes, or
/// `interrupted` says a signal (or exit) is pending.
pub fn block_on(
    ready: &mut dyn FnMut(&Waker) -> bool,
    deadline_ns: Option<u64>,
    interrupted: &dyn Fn() -> bool,
) -> BlockResult {
    let task = current();
    let waker = waker_for(&task);
    loop {
        task.woken.store(false, Ordering::Release);
        if ready(&waker) {
            return BlockResult::Ready;
        }
        if interrupted() {
            return BlockResult::Interrupted;
        }
        if deadline_ns.is_some_and(|deadline| timer::now_ns() >= deadline) {
            return BlockResult::TimedOut;
        }
        if let Some(deadline) = deadline_ns {
            SLEEPERS.lock().insert((deadline, task.id), Arc::downgrade(&task));
        }
        {
            let mut state = task.state.lock();
            if task.woken.load(Ordering::Acquire) {
                continue;
            }
            *state = TaskState::Blocked;
        }
        switch_to_scheduler(&task);
        if let Some(deadline) = deadline_ns {
            SLEEPERS.lock().remove(&(deadline, task.id));
        }
    }
}

/// Feeds the load average (every 5 s it folds in the runnable tasks:
/// the queue, plus the task that was running if `running`).
pub fn sample_load(running: bool) {
    let runnable = RUN_QUEUE.lock().len() + usize::from(running);
    linux_object::process::loadavg::sample(timer::now_ns(), runnable);
}

/// Wakes the sleepers whose deadline has passed and fires due interval
/// timers (SIGALRM). Called on timer ticks.
pub fn wake_sleepers() {
    let now = timer::now_ns();
    linux_object::process::itimer::expire(now);
    let due: alloc::vec::Vec<Weak<Task>> = {
        let mut sleepers = SLEEPERS.lock();
        let later = sleepers.split_off(&(now + 1, 0));
        core::mem::replace(&mut *sleepers, later).into_values().collect()
    };
    for task in due.iter().filter_map(Weak::upgrade) {
        waker_for(&task).wake();
    }
}

/// The scheduler loop, on the boot stack. Never returns.
pub fn run() -> ! {
    loop {
        wake_sleepers();
        crate::console_input::poll();
        let next = RUN_QUEUE.lock().pop_front();
        match next {
            Some(task) => {
                *task.state.lock() = TaskState::Running;
                *CURRENT.lock() = Some(task.clone());
                // SAFETY: `task` is runnable, so its kctx holds a context
                // saved by context_switch (or its fresh start context).
                unsafe { context_switch(SCHEDULER.0.get(), task.kctx.get()) };
                *CURRENT.lock() = None;
                // An exited task's Arc is dropped here, on the scheduler's
                // stack, which frees its kernel stack.
            }
            None => {
                // Idle until an interrupt: the timer (100 Hz) at the latest.
                arch::enable_interrupts();
                arch::wait_for_interrupt();
                arch::disable_interrupts();
                sample_load(false);
            }
        }
    }
}
