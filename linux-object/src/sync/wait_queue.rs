//! A queue of wakers, in the spirit of Linux's `wait_queue_head_t`
//! (include/linux/wait.h), minus the exclusive-wakeup variants.

use alloc::vec::Vec;
use core::task::Waker;

use super::Mutex;

/// Tasks waiting for something to change on one object.
#[derive(Default)]
pub struct WaitQueue {
    /// Protected by the mutex; never held while a waker runs.
    wakers: Mutex<Vec<Waker>>,
}

impl WaitQueue {
    pub const fn new() -> Self {
        WaitQueue { wakers: Mutex::new(Vec::new()) }
    }

    /// Registers `waker` to be woken by the next [`wake_all`](Self::wake_all).
    /// Registering the same task twice keeps one entry.
    pub fn register(&self, waker: &Waker) {
        let mut wakers = self.wakers.lock();
        if !wakers.iter().any(|w| w.will_wake(waker)) {
            wakers.push(waker.clone());
        }
    }

    /// Wakes every registered task and empties the queue. A woken task
    /// re-checks its condition and registers again if it must keep waiting.
    pub fn wake_all(&self) {
        let wakers = core::mem::take(&mut *self.wakers.lock());
        for waker in wakers {
            waker.wake();
        }
    }

    pub fn is_empty(&self) -> bool {
        self.wakers.lock().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::sync::Arc;
    use core::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    struct Counter(AtomicUsize);
    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn wakes_each_registered_task_once() {
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        let waker = Waker::from(counter.clone());
        let queue = WaitQueue::new();
        queue.register(&waker);
        queue.register(&waker);
        queue.wake_all();
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        assert!(queue.is_empty());
        queue.wake_all();
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
    }
}
