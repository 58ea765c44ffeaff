//! Futex wait queues. Mirrors kernel/futex/ (futex_wait, futex_wake,
//! futex_requeue) per futex(2): a waiter sleeps only if the futex word
//! still holds the expected value, checked under the same lock wakers take,
//! so no wake-up is lost.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::Waker;

use crate::sync::Mutex;

/// What identifies a futex: private futexes by address space and address,
/// shared ones by the physical address of the word (any mapping of the same
/// page finds the same futex).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FutexKey {
    Private { space: usize, addr: usize },
    Shared { paddr: usize },
}

/// One sleeping thread.
pub struct Waiter {
    waker: Waker,
    bitset: u32,
    woken: AtomicBool,
}

impl Waiter {
    pub fn new(waker: Waker, bitset: u32) -> Arc<Waiter> {
        Arc::new(Waiter { waker, bitset, woken: AtomicBool::new(false) })
    }
    pub fn is_woken(&self) -> bool {
        self.woken.load(Ordering::Acquire)
    }
}

/// All futexes with waiters. Protected by the mutex, which is also "the
/// futex hash bucket lock": hold it from reading the futex word until the
/// waiter is queued.
pub struct FutexTable {
    queues: Mutex<BTreeMap<FutexKey, Vec<Arc<Waiter>>>>,
}

pub static FUTEXES: FutexTable = FutexTable { queues: Mutex::new(BTreeMap::new()) };

impl FutexTable {
    /// Queues `waiter` on `key` if `still_expected()` (a read of the futex
    /// word, done under the lock) says so; returns whether it was queued.
    pub fn queue_if(&self, key: FutexKey, waiter: &Arc<Waiter>, still_expected: impl FnOnce() -> bool) -> bool {
        let mut queues = self.queues.lock();
        if !still_expected() {
            return false;
        }
        queues.entry(key).or_default().push(waiter.clone());
        true
    }

    /// Removes `waiter` (after a timeout or a signal).
    pub fn dequeue(&self, key: FutexKey, waiter: &Arc<Waiter>) {
        let mut queues = self.queues.lock();
        if let Some(queue) = queues.get_mut(&key) {
            queue.retain(|w| !Arc::ptr_eq(w, waiter));
            if queue.is_empty() {
                queues.remove(&key);
            }
        }
    }

    /// Wakes up to `count` waiters on `key` whose bitset meets `bitset`.
    pub fn wake(&self, key: FutexKey, count: usize, bitset: u32) -> usize {
        let mut queues = self.queues.lock();
        let Some(queue) = queues.get_mut(&key) else { return 0 };
        let mut woken = 0;
        queue.retain(|w| {
            if woken < count && w.bitset & bitset != 0 {
                w.woken.store(true, Ordering::Release);
                w.waker.wake_by_ref();
                woken += 1;
                false
            } else {
                true
            }
        });
        if queue.is_empty() {
            queues.remove(&key);
        }
        woken
    }

    /// FUTEX_CMP_REQUEUE: if `check()` holds (under the lock), wakes up to
    /// `wake` waiters of `from` and moves up to `requeue` more to `to`.
    /// Returns woken + requeued, or `None` when the check failed (EAGAIN).
    pub fn requeue(&self, from: FutexKey, to: FutexKey, wake: usize, requeue: usize, check: impl FnOnce() -> bool) -> Option<usize> {
        let mut queues = self.queues.lock();
        if !check() {
            return None;
        }
        let mut waiters = queues.remove(&from).unwrap_or_default();
        let woken = wake.min(waiters.len());
        for w in waiters.drain(..woken) {
            w.woken.store(true, Ordering::Release);
            w.waker.wake_by_ref();
        }
        let moved = requeue.min(waiters.len());
        let rest = waiters.split_off(moved);
        if !waiters.is_empty() {
            queues.entry(to).or_default().extend(waiters);
        }
        if !rest.is_empty() {
            queues.entry(from).or_default().extend(rest);
        }
        Some(woken + moved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Wake;

    struct Flag(AtomicBool);
    impl Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    fn waiter(bitset: u32) -> (Arc<Waiter>, Arc<Flag>) {
        let flag = Arc::new(Flag(AtomicBool::new(false)));
        (Waiter::new(Waker::from(flag.clone()), bitset), flag)
    }

    #[test]
    fn wait_wake_requeue() {
        let table = FutexTable { queues: Mutex::new(BTreeMap::new()) };
        let a = FutexKey::Private { space: 1, addr: 0x1000 };
        let b = FutexKey::Private { space: 1, addr: 0x2000 };
        let (w1, f1) = waiter(u32::MAX);
        let (w2, _) = waiter(u32::MAX);
        let (w3, _) = waiter(0b10);
        assert!(!table.queue_if(a, &w1, || false), "value changed: not queued");
        assert!(table.queue_if(a, &w1, || true));
        assert!(table.queue_if(a, &w2, || true));
        assert!(table.queue_if(a, &w3, || true));
        assert_eq!(table.wake(a, 1, 0b01), 1);
        assert!(w1.is_woken() && f1.0.load(Ordering::SeqCst));
        assert_eq!(table.wake(a, 10, 0b01), 1, "w3's bitset does not match");
        assert_eq!(table.requeue(a, b, 0, 5, || false), None);
        assert_eq!(table.requeue(a, b, 0, 5, || true), Some(1));
        assert_eq!(table.wake(a, 10, u32::MAX), 0);
        assert_eq!(table.wake(b, 10, u32::MAX), 1);
        assert!(w3.is_woken());
        table.dequeue(b, &w3);
    }
}
