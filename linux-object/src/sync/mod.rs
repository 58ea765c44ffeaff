//! Synchronisation shared by all kernel objects.
//!
//! - [`WaitQueue`]: where a blocked task leaves a `core::task::Waker`, to be
//!   woken when the object it waits on changes (a pipe gets data, a child
//!   exits). Objects never block themselves: an operation that would block
//!   returns `EAGAIN`, and the syscall layer waits on the object's queue and
//!   retries. The kernel makes a `Waker` per task that puts the task back on
//!   the run queue; host tests use wakers that set a flag.
//! - `Mutex`/`RwLock`: `spin`'s, re-exported so every module uses the same.

mod wait_queue;

pub use spin::{Mutex, MutexGuard, Once, RwLock};
pub use wait_queue::WaitQueue;
