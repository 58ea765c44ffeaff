//! The scheduler: a run queue served by one loop on the boot stack (xv6's
//! `scheduler()`): a task gives up the CPU by switching to the scheduler's
//! context, and the scheduler switches to the next task.
//!
//! Which task is next follows Linux's CFS in miniature: each task's CPU
//! time is weighted by its nice value (`sched_prio_to_weight`: nice 0 is
//! 1024, each step about 1.25x) into a `vruntime`, and the runnable task
//! with the least runs; a timer tick preempts the running task once some
//! runnable one is behind it. Equal nice values give round robin; a task at
//! nice 10 gets about a tenth of the CPU a nice-0 task gets.
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
use core::sync::atomic::{AtomicBool, Ordering};

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

/// The running task, without waiting for the lock (for the panic path).
pub fn peek_current() -> Option<Arc<Task>> {
    CURRENT.try_lock().and_then(|current| current.clone())
}

/// The running task, if the CPU runs one (not in the scheduler loop).
pub fn try_current() -> Option<Arc<Task>> {
    CURRENT.lock().clone()
}

pub fn push_runnable(task: Arc<Task>) {
    *task.state.lock() = TaskState::Runnable;
    RUN_QUEUE.lock().push_back(task);
}

/// Linux's `sched_prio_to_weight`, nice -20 to 19.
const PRIO_TO_WEIGHT: [u64; 40] = [
    88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, 9548, 7620, 6100, 4904, 3906, 3121, 2501,
    1991, 1586, 1277, 1024, 820, 655, 526, 423, 335, 272, 215, 172, 137, 110, 87, 70, 56, 45, 36, 29, 23, 18, 15,
];
const NICE_0_WEIGHT: u64 = 1024;
/// How far behind the queue a waking task may start (CFS places sleepers
/// half a latency period back), so it runs soon without starving others.
const WAKE_CREDIT_NS: u64 = 5_000_000;

/// The vruntime the queue has reached: new and waking tasks start near it.
static MIN_VRUNTIME: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

pub fn min_vruntime() -> u64 {
    MIN_VRUNTIME.load(Ordering::Relaxed)
}

fn weight(task: &Task) -> u64 {
    PRIO_TO_WEIGHT[(task.thread.process().nice() + 20).clamp(0, 39) as usize]
}

/// `task`'s vruntime if charged for its run so far.
fn charged_vruntime(task: &Task, now: u64) -> u64 {
    let ran = now.saturating_sub(task.started.load(Ordering::Relaxed));
    task.vruntime.load(Ordering::Relaxed).saturating_add(ran * NICE_0_WEIGHT / weight(task))
}

/// A waking task starts no further back than a little behind the queue.
fn place_waking(task: &Task) {
    let floor = min_vruntime().saturating_sub(WAKE_CREDIT_NS);
    task.vruntime.fetch_max(floor, Ordering::Relaxed);
}

impl Task {
    /// The CPU time this (running) task has had, in ns: earlier runs plus
    /// this one so far. Time spent waiting (blocked, or runnable in the
    /// queue) is not in it, so the difference between two readings taken
    /// while it runs is CPU time.
    pub fn cpu_ns(&self) -> u64 {
        self.cpu_ns_at(timer::now_ns())
    }

    /// [`cpu_ns`](Self::cpu_ns) with the clock already read (`now`).
    pub fn cpu_ns_at(&self, now: u64) -> u64 {
        self.on_cpu.load(Ordering::Relaxed) + now.saturating_sub(self.started.load(Ordering::Relaxed))
    }
}

/// Set by a timer interrupt taken in the kernel, whose handler may not take
/// locks; the trap loop does the tick's scheduling work on its way back to
/// user mode (Linux sets TIF_NEED_RESCHED and checks it there).
static KERNEL_TICK: AtomicBool = AtomicBool::new(false);

/// A timer interrupt arrived while the kernel ran (interrupt context).
pub fn note_kernel_tick() {
    KERNEL_TICK.store(true, Ordering::Release);
}

/// Whether a tick arrived in the kernel since the last call.
pub fn take_kernel_tick() -> bool {
    // A load first: the swap (a locked instruction) only when a tick came.
    KERNEL_TICK.load(Ordering::Relaxed) && KERNEL_TICK.swap(false, Ordering::AcqRel)
}

/// A tick's work for the running task: the load average, sleepers whose
/// time has come, and preemption.
pub fn on_tick() {
    sample_load(true);
    wake_sleepers();
    preempt_tick();
}

/// On a timer tick in the running task: gives up the CPU if a runnable
/// task has less vruntime than this one would have now.
pub fn preempt_tick() {
    let task = current();
    let mine = charged_vruntime(&task, timer::now_ns());
    let behind = RUN_QUEUE.lock().iter().any(|t| t.vruntime.load(Ordering::Relaxed) < mine);
    drop(task);
    if behind {
        yield_now();
    }
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
            place_waking(&task);
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
            task.thread.set_sleeping(true);
        }
        switch_to_scheduler(&task);
        task.thread.set_sleeping(false);
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
        crate::backtrace::touch();
        wake_sleepers();
        crate::console_input::poll();
        let next = {
            // The runnable task with the least vruntime (the first on ties,
            // so equal tasks take turns in queue order).
            let mut queue = RUN_QUEUE.lock();
            let best = (0..queue.len()).min_by_key(|&i| queue[i].vruntime.load(Ordering::Relaxed));
            best.and_then(|i| queue.remove(i))
        };
        match next {
            Some(task) => {
                let vruntime = task.vruntime.load(Ordering::Relaxed);
                MIN_VRUNTIME.fetch_max(vruntime, Ordering::Relaxed);
                *task.state.lock() = TaskState::Running;
                *CURRENT.lock() = Some(task.clone());
                task.started.store(timer::now_ns(), Ordering::Relaxed);
                // SAFETY: `task` is runnable, so its kctx holds a context
                // saved by context_switch (or its fresh start context).
                unsafe { context_switch(SCHEDULER.0.get(), task.kctx.get()) };
                task.check_stack();
                let now = timer::now_ns();
                task.vruntime.store(charged_vruntime(&task, now), Ordering::Relaxed);
                task.on_cpu.fetch_add(now.saturating_sub(task.started.load(Ordering::Relaxed)), Ordering::Relaxed);
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
