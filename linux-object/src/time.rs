//! Clocks. Mirrors kernel/time/: CLOCK_MONOTONIC is the hardware counter
//! since boot; CLOCK_REALTIME is monotonic plus an offset set from the RTC at
//! boot and by clock_settime(2)/settimeofday(2).

use core::sync::atomic::{AtomicI64, Ordering};

use crate::error::{Errno, Result};
use crate::hal::hal;

pub const NSEC_PER_SEC: u64 = 1_000_000_000;

/// Realtime minus monotonic, in ns. Protected by being atomic.
static REALTIME_OFFSET_NS: AtomicI64 = AtomicI64::new(0);

/// The latest second the wall clock may be set to: 30 years of uptime
/// short of where 64-bit nanoseconds end (`KTIME_SEC_MAX -
/// TIME_UPTIME_SEC_MAX`, include/linux/time64.h), so reading the clock
/// never overflows.
pub const SETTOD_MAX_SEC: u64 = (i64::MAX as u64 / NSEC_PER_SEC) - 30 * 365 * 86400;

/// Sets the wall clock so that "now" is `realtime_ns` since the epoch.
/// `EINVAL` past [`SETTOD_MAX_SEC`] (`timespec64_valid_settod`) or before
/// boot (do_settimeofday64: the clock may not go below monotonic time).
pub fn set_realtime_ns(realtime_ns: u64) -> Result<()> {
    let now = hal().monotonic_ns();
    check_settod(realtime_ns)?;
    if realtime_ns < now {
        return Err(Errno::EINVAL.into());
    }
    REALTIME_OFFSET_NS.store((realtime_ns - now) as i64, Ordering::Relaxed);
    Ok(())
}

/// `timespec64_valid_settod`: a wall-clock time far enough from the end of
/// the 64-bit nanosecond range; `EINVAL` otherwise. clock_settime(2)
/// checks this before the caller's privilege.
pub fn check_settod(realtime_ns: u64) -> Result<()> {
    if realtime_ns / NSEC_PER_SEC >= SETTOD_MAX_SEC {
        return Err(Errno::EINVAL.into());
    }
    Ok(())
}

pub fn monotonic_ns() -> u64 {
    hal().monotonic_ns()
}

pub fn realtime_ns() -> u64 {
    monotonic_ns().saturating_add_signed(REALTIME_OFFSET_NS.load(Ordering::Relaxed))
}

/// A `struct timespec` as user space passes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeSpec {
    pub sec: i64,
    pub nsec: i64,
}

impl TimeSpec {
    pub fn from_ns(ns: u64) -> Self {
        TimeSpec { sec: (ns / NSEC_PER_SEC) as i64, nsec: (ns % NSEC_PER_SEC) as i64 }
    }

    /// Nanoseconds, for a valid (normalised, non-negative) value; `EINVAL`
    /// otherwise, as nanosleep(2) says: "the value in the tv_nsec field was
    /// not in the range [0, 999999999] or tv_sec was negative".
    pub fn to_ns(self) -> Result<u64> {
        if self.sec < 0 || !(0..NSEC_PER_SEC as i64).contains(&self.nsec) {
            return Err(Errno::EINVAL.into());
        }
        Ok((self.sec as u64).saturating_mul(NSEC_PER_SEC).saturating_add(self.nsec as u64))
    }

    pub fn to_bytes(self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.sec.to_le_bytes());
        out[8..].copy_from_slice(&self.nsec.to_le_bytes());
        out
    }

    pub fn from_bytes(bytes: &[u8; 16]) -> Self {
        let mut sec = [0u8; 8];
        let mut nsec = [0u8; 8];
        sec.copy_from_slice(&bytes[..8]);
        nsec.copy_from_slice(&bytes[8..]);
        TimeSpec { sec: i64::from_le_bytes(sec), nsec: i64::from_le_bytes(nsec) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timespec_validation() {
        assert_eq!(TimeSpec { sec: 1, nsec: 5 }.to_ns().unwrap(), 1_000_000_005);
        assert_eq!(TimeSpec { sec: -1, nsec: 0 }.to_ns().unwrap_err().errno, Errno::EINVAL);
        assert_eq!(TimeSpec { sec: 0, nsec: 1_000_000_000 }.to_ns().unwrap_err().errno, Errno::EINVAL);
        assert_eq!(TimeSpec { sec: i64::MAX, nsec: 0 }.to_ns().unwrap(), u64::MAX);
        let t = TimeSpec::from_ns(3_000_000_007);
        assert_eq!(TimeSpec::from_bytes(&t.to_bytes()), t);
    }
}
