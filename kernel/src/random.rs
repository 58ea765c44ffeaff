//! Kernel randomness: a xorshift-style generator seeded from the time counter
//! at boot and stirred with the time at every request.
//!
//! Not cryptographic. Enough for AT_RANDOM, getrandom(2) and /dev/urandom in
//! a teaching kernel; a later issue may feed it from virtio-rng.

use core::sync::atomic::{AtomicU64, Ordering};

use crate::arch::timer;

static STATE: AtomicU64 = AtomicU64::new(0x9e37_79b9_7f4a_7c15);

fn next() -> u64 {
    // splitmix64 over a counter perturbed by the clock.
    let z = STATE.fetch_add(0x9e37_79b9_7f4a_7c15 ^ timer::now_ns(), Ordering::Relaxed);
    let mut z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

pub fn fill(buf: &mut [u8]) {
    for chunk in buf.chunks_mut(8) {
        let bytes = next().to_le_bytes();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
}
