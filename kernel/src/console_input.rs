//! Bytes typed on the console: polled from the UART on every scheduler pass
//! and timer tick, queued here, and read by the console device.

use alloc::collections::VecDeque;

use linux_object::sync::{Mutex, WaitQueue};

use crate::drivers::uart;

/// Protected by the mutex; bounded like Linux's N_TTY_BUF_SIZE.
static INPUT: Mutex<VecDeque<u8>> = Mutex::new(VecDeque::new());
pub static INPUT_WAIT: WaitQueue = WaitQueue::new();
const CAPACITY: usize = 4096;

/// Moves received bytes from the UART into the queue; wakes readers.
pub fn poll() {
    let mut got = false;
    while let Some(byte) = uart::try_read_byte() {
        let mut input = INPUT.lock();
        if input.len() < CAPACITY {
            input.push_back(byte);
            got = true;
        }
    }
    if got {
        INPUT_WAIT.wake_all();
    }
}

/// Takes up to `buf.len()` queued bytes.
pub fn read(buf: &mut [u8]) -> usize {
    let mut input = INPUT.lock();
    let n = buf.len().min(input.len());
    for slot in buf.iter_mut().take(n) {
        *slot = input.pop_front().unwrap_or(0);
    }
    n
}
