//! Limits on how many namespaces each user may create: the files
//! `/proc/sys/user/max_<kind>_namespaces` (namespaces(7), "The
//! /proc/sys/user directory"). Mirrors kernel/ucount.c: every new
//! namespace is charged to the effective UID that made it until it is
//! freed, and a creation past the limit fails with `ENOSPC`.
//!
//! With only the initial user namespace, counts are per (kind, UID); the
//! user-namespace issue makes them per user namespace too.

use alloc::collections::BTreeMap;
use core::sync::atomic::{AtomicU64, Ordering};

use super::NsKind;
use crate::error::{Errno, Result};
use crate::process::creds::Uid;
use crate::sync::Mutex;

/// Namespaces alive per (kind, creator's euid). Protected by the mutex; a
/// leaf lock.
static COUNTS: Mutex<BTreeMap<(NsKind, Uid), u64>> = Mutex::new(BTreeMap::new());

/// The limits, by `NsKind::ALL` order; `u64::MAX` until first read (then
/// Linux's default).
static LIMITS: [AtomicU64; 8] = [const { AtomicU64::new(u64::MAX) }; 8];

fn index(kind: NsKind) -> usize {
    NsKind::ALL.iter().position(|&k| k == kind).unwrap_or(0)
}

/// Linux's default: half of `max_threads`, which is RAM pages / 32 on a
/// 64-bit kernel with 16 KiB stacks (`set_max_threads`).
fn default_limit() -> u64 {
    let (total, _) = crate::hal::hal().memory_stats();
    ((total / 4096 / 32) / 2).max(1) as u64
}

/// The limit for `kind` (`/proc/sys/user/max_<kind>_namespaces`).
pub fn limit(kind: NsKind) -> u64 {
    let slot = &LIMITS[index(kind)];
    let value = slot.load(Ordering::Relaxed);
    if value != u64::MAX {
        return value;
    }
    let default = default_limit();
    let _ = slot.compare_exchange(u64::MAX, default, Ordering::Relaxed, Ordering::Relaxed);
    slot.load(Ordering::Relaxed)
}

/// Sets the limit; `EINVAL` outside [0, INT_MAX] (`proc_dointvec_minmax`).
pub fn set_limit(kind: NsKind, value: i64) -> Result<()> {
    if !(0..=i32::MAX as i64).contains(&value) {
        return Err(Errno::EINVAL.into());
    }
    LIMITS[index(kind)].store(value as u64, Ordering::Relaxed);
    Ok(())
}

/// One namespace charged to its creator; dropping it uncharges.
pub struct Charge {
    kind: NsKind,
    uid: Uid,
}

/// Charges a new namespace of `kind` to the calling task's effective UID
/// (root at boot, when no task runs); `ENOSPC` over the limit.
pub fn charge(kind: NsKind) -> Result<Charge> {
    let uid = crate::hal::hal().current_thread().map_or(0, |t| t.process().creds.lock().euid);
    let limit = limit(kind);
    let mut counts = COUNTS.lock();
    let count = counts.entry((kind, uid)).or_insert(0);
    if *count >= limit {
        return Err(Errno::ENOSPC.into());
    }
    *count += 1;
    Ok(Charge { kind, uid })
}

/// Namespaces of `kind` charged to `uid` now.
pub fn count(kind: NsKind, uid: Uid) -> u64 {
    COUNTS.lock().get(&(kind, uid)).copied().unwrap_or(0)
}

impl Drop for Charge {
    fn drop(&mut self) {
        let mut counts = COUNTS.lock();
        if let Some(count) = counts.get_mut(&(self.kind, self.uid)) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&(self.kind, self.uid));
            }
        }
    }
}
