//! Threads: the schedulable part of a process. Mirrors the per-thread half of
//! Linux's `task_struct` (TID, `clear_child_tid`, `robust_list`).

use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};
use core::task::Waker;

use super::{KernelPid, Pid, Process, ProcessState, TABLE, WaitStatus};
use crate::error::Result;
use crate::object::{KoId, new_koid};
use crate::signal::{AltStack, PendingSignals, SigInfo, SigSet};
use crate::sync::{Mutex, Once};

pub struct Thread {
    koid: KoId,
    /// The TID in the initial PID namespace (the thread table's key).
    /// Changes once at most: a non-leader that execs takes the leader's.
    tid: core::sync::atomic::AtomicU32,
    /// The TID at every level of the process's PID namespace. Protected by
    /// the mutex (replaced with `tid`).
    kpid: Mutex<Arc<KernelPid>>,
    process: Arc<Process>,
    inner: Mutex<ThreadInner>,
    /// Wakes the kernel task running this thread; set once by the kernel.
    waker: Once<Waker>,
    /// Mask, thread-directed pending signals, alternate stack. Protected by
    /// the mutex.
    signals: Mutex<ThreadSignals>,
    /// CPU time spent in user and kernel mode, in ns; added by the kernel.
    user_ns: AtomicU64,
    system_ns: AtomicU64,
    /// Set by the scheduler while the thread sleeps in the kernel (Linux's
    /// TASK_INTERRUPTIBLE): /proc shows "S" then, "R" otherwise.
    sleeping: core::sync::atomic::AtomicBool,
    /// Counts changes that may give the thread work on its way back to
    /// user mode: a signal queued for it, its mask changed, its exit. See
    /// [`signal_events`](Self::signal_events).
    signal_events: AtomicU64,
}

/// The per-thread part of signal state.
#[derive(Clone, Debug)]
pub struct ThreadSignals {
    pub mask: SigSet,
    pub pending: PendingSignals,
    pub altstack: AltStack,
    /// The mask to restore after a handler when a call (sigsuspend, ppoll)
    /// installed a temporary one.
    pub saved_mask: Option<SigSet>,
}

#[derive(Default)]
struct ThreadInner {
    /// set_tid_address(2)/CLONE_CHILD_CLEARTID: zeroed and futex-woken on exit.
    clear_child_tid: usize,
    /// set_robust_list(2): (head, len).
    robust_list: (usize, usize),
    exited: bool,
    /// What restart_syscall(2) continues (`restart_block`).
    restart: Option<crate::signal::restart::RestartBlock>,
}

impl Thread {
    /// The first thread of a new process; its TID is the PID.
    pub(super) fn new_leader(process: &Arc<Process>) -> Arc<Thread> {
        Self::insert(process, process.kpid().clone(), SigSet::empty())
    }

    /// clone(2) with CLONE_THREAD: another thread of `process`, with the
    /// creator's signal mask, numbered in the process's PID namespace.
    pub fn new_in(process: &Arc<Process>, mask: SigSet) -> Result<Arc<Thread>> {
        let kpid = KernelPid::alloc(process.pid_ns(), &[])?;
        Ok(Self::insert(process, kpid, mask))
    }

    fn insert(process: &Arc<Process>, kpid: Arc<KernelPid>, mask: SigSet) -> Arc<Thread> {
        let tid = kpid.global();
        let thread = Arc::new(Thread {
            koid: new_koid(),
            tid: core::sync::atomic::AtomicU32::new(tid),
            kpid: Mutex::new(kpid),
            process: process.clone(),
            inner: Mutex::new(ThreadInner::default()),
            waker: Once::new(),
            signals: Mutex::new(ThreadSignals {
                mask,
                pending: PendingSignals::default(),
                altstack: AltStack::new(),
                saved_mask: None,
            }),
            user_ns: AtomicU64::new(0),
            system_ns: AtomicU64::new(0),
            sleeping: core::sync::atomic::AtomicBool::new(false),
            signal_events: AtomicU64::new(0),
        });
        TABLE.lock().threads.insert(tid, Arc::downgrade(&thread));
        process.inner.lock().threads.push(thread.clone());
        thread
    }

    /// Whether the thread sleeps in the kernel (see `sleeping`).
    pub fn is_sleeping(&self) -> bool {
        self.sleeping.load(Ordering::Relaxed)
    }

    /// The scheduler: the thread goes to sleep, or wakes up.
    pub fn set_sleeping(&self, sleeping: bool) {
        self.sleeping.store(sleeping, Ordering::Relaxed);
    }

    pub fn koid(&self) -> KoId {
        self.koid
    }

    /// The TID in the initial namespace (the kernel's key).
    pub fn tid(&self) -> Pid {
        self.tid.load(Ordering::Acquire)
    }

    /// The TID as a process in `ns` sees it (0 if invisible).
    pub fn tid_in(&self, ns: &crate::namespace::pid::PidNamespace) -> Pid {
        self.kpid.lock().nr_in(ns)
    }

    /// The TID at every level of the process's PID namespace.
    pub fn kpid(&self) -> Arc<KernelPid> {
        self.kpid.lock().clone()
    }

    /// execve from a non-leader thread: once the other threads are gone,
    /// the caller takes over the leader's PID (Linux's `exchange_tids` in
    /// `de_thread`), so the process keeps its PID and `gettid() ==
    /// getpid()` in the new image. Its own TID is freed.
    pub fn become_leader(self: &Arc<Self>) {
        let leader = self.process.kpid().clone();
        let (old, new) = (self.tid(), leader.global());
        if old == new {
            return;
        }
        *self.kpid.lock() = leader;
        self.tid.store(new, Ordering::Release);
        let mut table = TABLE.lock();
        table.threads.remove(&old);
        table.threads.insert(new, Arc::downgrade(self));
    }

    pub fn process(&self) -> &Arc<Process> {
        &self.process
    }

    pub fn set_waker(&self, waker: Waker) {
        self.waker.call_once(|| waker);
    }

    /// Wakes the task running this thread (a signal arrived, or exit_group).
    pub fn wake(&self) {
        if let Some(waker) = self.waker.get() {
            waker.wake_by_ref();
        }
    }

    pub fn signal_mask(&self) -> SigSet {
        self.signals.lock().mask
    }

    pub fn set_signal_mask(&self, mask: SigSet) {
        self.signals.lock().mask = mask.without_unblockable();
        self.note_signal_event();
    }

    /// The whole per-thread signal state, to read or change under one lock.
    /// The signal state, to read or change. Whoever changes the mask
    /// through it calls [`note_signal_event`](Self::note_signal_event)
    /// after.
    pub fn signals(&self) -> crate::sync::MutexGuard<'_, ThreadSignals> {
        self.signals.lock()
    }

    /// (thread, process) counts of signal events: while neither moves,
    /// the trap loop need not look for signals to deliver, a stop, or an
    /// exit (Linux checks `TIF_SIGPENDING` and friends in one word on the
    /// way out, `exit_to_user_mode_loop`). Every change bumps a count after
    /// it is made: a queued signal, a mask change, a thread's exit (here);
    /// a process-wide signal, a stop or continue, a group exit (Process).
    pub fn signal_events(&self) -> (u64, u64) {
        (self.signal_events.load(Ordering::Acquire), self.process.signal_events())
    }

    /// Counts a signal event (see [`signal_events`](Self::signal_events)).
    pub fn note_signal_event(&self) {
        self.signal_events.fetch_add(1, Ordering::AcqRel);
    }

    /// Sends a thread-directed signal (tgkill, a fault). Ignored signals
    /// are dropped unless blocked, as for processes.
    pub fn send_signal(&self, info: SigInfo) -> bool {
        let force = info.code == crate::signal::SI_KERNEL;
        self.send_signal_forced(info, force)
    }

    /// [`send_signal`](Self::send_signal) with Linux's `force` (see
    /// `Process::send_signal_forced`).
    pub fn send_signal_forced(&self, info: SigInfo, force: bool) -> bool {
        let sig = info.signo;
        let action = self.process.sighand().lock().get(sig);
        let ignored = (action.is_ignored(sig) && sig != crate::signal::SIGKILL)
            || self.process.init_ignores(sig, action.handler, force);
        let queued = {
            let mut signals = self.signals.lock();
            if ignored && !signals.mask.contains(sig) {
                false
            } else {
                signals.pending.push(info)
            }
        };
        self.note_signal_event();
        self.wake();
        queued
    }

    pub(super) fn discard_pending_stops(&self) {
        self.signals.lock().pending.discard_stops();
    }

    /// The next signal to deliver to this thread: its own first, then the
    /// process's, lowest number first, skipping blocked ones.
    pub fn dequeue_signal(&self) -> Option<SigInfo> {
        let mask = self.signal_mask();
        let own = self.signals.lock().pending.pop(mask);
        own.or_else(|| self.process.dequeue_shared_signal(mask))
    }

    /// The next pending signal of `set` (the thread's own first), whether
    /// blocked or not: what sigtimedwait(2) takes.
    pub fn dequeue_signal_in(&self, set: SigSet) -> Option<SigInfo> {
        let others = SigSet(!set.0);
        let own = self.signals.lock().pending.pop(others);
        own.or_else(|| self.process.dequeue_shared_signal(others))
    }

    /// Whether a signal is waiting that this thread does not block: a
    /// blocking call should stop and let it be delivered.
    pub fn has_pending_signal(&self) -> bool {
        let (mask, own) = {
            let s = self.signals.lock();
            (s.mask, s.pending.has_deliverable(s.mask))
        };
        own || self.process.has_shared_signal(mask)
    }

    /// Whether a signal that will kill the process is pending (Linux's
    /// `fatal_signal_pending`, which `complete_signal` makes true for
    /// SIGKILL and for any unblocked signal whose action is to terminate):
    /// what ends an uninterruptible but killable wait.
    pub fn has_fatal_signal(&self) -> bool {
        use crate::signal::{DefaultAction, SIG_DFL, SIGKILL, default_action};
        let mask = self.signal_mask();
        let pending = crate::signal::SigSet((self.pending_signals().0 | self.process.shared_pending().0) & !mask.0);
        if pending.contains(SIGKILL) {
            return true;
        }
        if self.process.is_ns_init() {
            return false;
        }
        let sighand = self.process.sighand();
        let sighand = sighand.lock();
        (1..=crate::signal::NSIG).any(|sig| {
            pending.contains(sig)
                && sighand.get(sig).handler == SIG_DFL
                && matches!(default_action(sig), DefaultAction::Term | DefaultAction::Core)
        })
    }

    /// Thread-directed pending signals (sigpending(2)).
    pub fn pending_signals(&self) -> SigSet {
        self.signals.lock().pending.set()
    }

    /// Charges CPU time to this thread (the kernel calls this on every trap).
    /// Adds CPU time. Only the thread's own trap loop calls this, so a
    /// load and a store do (no read-modify-write on every trap).
    pub fn add_cpu_time(&self, user_ns: u64, system_ns: u64) {
        if user_ns != 0 {
            self.user_ns.store(self.user_ns.load(Ordering::Relaxed) + user_ns, Ordering::Relaxed);
        }
        if system_ns != 0 {
            self.system_ns.store(self.system_ns.load(Ordering::Relaxed) + system_ns, Ordering::Relaxed);
        }
    }

    /// (user, system) CPU time in ns.
    pub fn cpu_time_ns(&self) -> (u64, u64) {
        (self.user_ns.load(Ordering::Relaxed), self.system_ns.load(Ordering::Relaxed))
    }

    pub fn set_clear_child_tid(&self, addr: usize) {
        self.inner.lock().clear_child_tid = addr;
    }

    pub fn clear_child_tid(&self) -> usize {
        self.inner.lock().clear_child_tid
    }

    /// Whether the thread has exited (it returns to user mode no more).
    pub fn is_exited(&self) -> bool {
        self.inner.lock().exited
    }

    /// Records how an interrupted timed wait continues (a call that
    /// returns `ERESTART_RESTARTBLOCK` sets it first).
    pub fn set_restart_block(&self, block: crate::signal::restart::RestartBlock) {
        self.inner.lock().restart = Some(block);
    }

    /// Takes the restart block: restart_syscall(2) uses it once;
    /// rt_sigreturn drops it.
    pub fn take_restart_block(&self) -> Option<crate::signal::restart::RestartBlock> {
        self.inner.lock().restart.take()
    }

    pub fn set_robust_list(&self, head: usize, len: usize) {
        self.inner.lock().robust_list = (head, len);
    }

    pub fn robust_list(&self) -> (usize, usize) {
        self.inner.lock().robust_list
    }

    /// Ends this thread. If it was the last one, the process becomes a zombie
    /// with `status` (or the group-exit status) and the parent and the signal
    /// it should get are returned. Idempotent.
    pub fn exit(&self, status: WaitStatus) -> Option<(Arc<Process>, u32)> {
        {
            let mut inner = self.inner.lock();
            if inner.exited {
                return None;
            }
            inner.exited = true;
        }
        self.note_signal_event();
        let last = {
            let mut pinner = self.process.inner.lock();
            let (user, system) = self.cpu_time_ns();
            pinner.dead_threads_time_ns.0 += user;
            pinner.dead_threads_time_ns.1 += system;
            pinner.threads.retain(|t| !core::ptr::eq(&**t, self));
            pinner.threads.is_empty() && !matches!(pinner.state, ProcessState::Zombie(_))
        };
        {
            // Only our own entry: after an exec took over our TID, the
            // number names the new leader.
            let mut table = TABLE.lock();
            let tid = self.tid();
            if table.threads.get(&tid).is_some_and(|w| core::ptr::eq(w.as_ptr(), self)) {
                table.threads.remove(&tid);
            }
        }
        if !last {
            return None;
        }
        let status = self.process.group_exit_status().unwrap_or(status);
        self.process.become_zombie(status)
    }
}
