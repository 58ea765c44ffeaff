//! The time namespace (time_namespaces(7)): per-namespace offsets for
//! CLOCK_MONOTONIC (and its _RAW/_COARSE views) and CLOCK_BOOTTIME.
//! Mirrors `struct time_namespace` and kernel/time/namespace.c.
//!
//! `unshare(CLONE_NEWTIME)` makes a namespace for the caller's *future*
//! children (`time_for_children`); its offsets can be written through
//! `/proc/PID/timens_offsets` until the first process enters it, after
//! which they are frozen (`EACCES`).

use alloc::string::String;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, Ordering};

use super::{NsCommon, NsKind, NsRef, UserNamespace, registry};
use crate::error::{Errno, Result};
use crate::sync::{Mutex, Once};

/// Clock ids (include/uapi/linux/time.h) that have offsets.
pub const CLOCK_MONOTONIC: i32 = 1;
pub const CLOCK_BOOTTIME: i32 = 7;

/// Offsets, in ns, added to the host's clocks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeOffsets {
    pub monotonic_ns: i64,
    pub boottime_ns: i64,
}

pub struct TimeNamespace {
    common: NsCommon,
    /// Protected by the mutex; fixed once `frozen`.
    offsets: Mutex<TimeOffsets>,
    /// Set when the first process enters (Linux's `frozen_offsets`).
    frozen: AtomicBool,
}

super::namespace_object!(TimeNamespace);

/// `KTIME_SEC_MAX / 2`: kernel/time/namespace.c refuses offsets that could
/// overflow clock arithmetic (`ERANGE`).
const MAX_OFFSET_SECS: i64 = i64::MAX / 1_000_000_000 / 2;

impl TimeNamespace {
    fn create(common: NsCommon, offsets: TimeOffsets) -> Arc<Self> {
        let ns = Arc::new(TimeNamespace { common, offsets: Mutex::new(offsets), frozen: AtomicBool::new(false) });
        registry::insert(&NsRef::Time(ns.clone()));
        ns
    }

    /// `clone_time_ns`: a new namespace owned by `owner` with this one's
    /// offsets, not yet entered.
    pub fn copy(&self, owner: Arc<UserNamespace>) -> Result<Arc<Self>> {
        Ok(Self::create(NsCommon::new(NsKind::Time, Some(owner))?, *self.offsets.lock()))
    }

    pub fn offsets(&self) -> TimeOffsets {
        *self.offsets.lock()
    }

    /// CLOCK_MONOTONIC (and _RAW, _COARSE) as seen in this namespace.
    pub fn monotonic_ns(&self) -> u64 {
        shifted(crate::time::monotonic_ns(), self.offsets().monotonic_ns)
    }

    /// CLOCK_BOOTTIME as seen in this namespace (nsCore does not suspend,
    /// so the host's boot time equals its monotonic time).
    pub fn boottime_ns(&self) -> u64 {
        shifted(crate::time::monotonic_ns(), self.offsets().boottime_ns)
    }

    /// A host CLOCK_BOOTTIME instant as this namespace sees it
    /// (`timens_add_boottime_ns`), e.g. a process's start time.
    pub fn boottime_of(&self, host_ns: u64) -> u64 {
        shifted(host_ns, self.offsets().boottime_ns)
    }

    /// A process entered: the offsets can no longer change (`timens_commit`).
    pub fn freeze(&self) {
        self.frozen.store(true, Ordering::Release);
    }

    /// The text of `/proc/PID/timens_offsets` (`proc_timens_show_offsets`).
    pub fn offsets_text(&self) -> String {
        let o = self.offsets();
        let line = |name: &str, ns: i64| {
            alloc::format!("{:<10} {:>10} {:>9}\n", name, ns.div_euclid(1_000_000_000), ns.rem_euclid(1_000_000_000))
        };
        let mut out = line("monotonic", o.monotonic_ns);
        out.push_str(&line("boottime", o.boottime_ns));
        out
    }

    /// A write to `/proc/PID/timens_offsets` (`proc_timens_set_offset`):
    /// lines "<clock> <secs> <nanosecs>", the clock by name or number.
    /// `EINVAL` for a malformed line or another clock, `ERANGE` for an
    /// offset out of range, `EACCES` once a process has entered. The caller
    /// checks CAP_SYS_TIME.
    pub fn set_offsets(&self, text: &[u8]) -> Result<()> {
        let text = core::str::from_utf8(text).map_err(|_| Errno::EINVAL)?;
        let mut new = self.offsets();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let mut words = line.split_whitespace();
            let (Some(clock), Some(secs), Some(nsecs), None) = (words.next(), words.next(), words.next(), words.next()) else {
                return Err(Errno::EINVAL.into());
            };
            let clock = match clock {
                "monotonic" => CLOCK_MONOTONIC,
                "boottime" => CLOCK_BOOTTIME,
                n => n.parse::<i32>().map_err(|_| Errno::EINVAL)?,
            };
            let secs: i64 = secs.parse().map_err(|_| Errno::EINVAL)?;
            let nsecs: i64 = nsecs.parse().map_err(|_| Errno::EINVAL)?;
            if !(0..1_000_000_000).contains(&nsecs) {
                return Err(Errno::EINVAL.into());
            }
            if secs.unsigned_abs() > MAX_OFFSET_SECS as u64 {
                return Err(Errno::ERANGE.into());
            }
            let offset = secs * 1_000_000_000 + nsecs;
            // The shifted clock must read between 0 and KTIME_SEC_MAX / 2
            // now (`proc_timens_set_offset`); both clocks start at boot.
            let shifted_secs = (crate::time::monotonic_ns() as i64 + offset).div_euclid(1_000_000_000);
            if !(0..=MAX_OFFSET_SECS).contains(&shifted_secs) {
                return Err(Errno::ERANGE.into());
            }
            match clock {
                CLOCK_MONOTONIC => new.monotonic_ns = offset,
                CLOCK_BOOTTIME => new.boottime_ns = offset,
                _ => return Err(Errno::EINVAL.into()),
            }
        }
        let mut offsets = self.offsets.lock();
        if self.frozen.load(Ordering::Acquire) {
            return Err(Errno::EACCES.into());
        }
        *offsets = new;
        Ok(())
    }
}

/// `clock + offset`, clamped at 0 (a negative offset larger than the
/// uptime makes the clock read 0 rather than wrap).
fn shifted(clock: u64, offset: i64) -> u64 {
    (clock as i128 + offset as i128).clamp(0, u64::MAX as i128) as u64
}

/// The time namespace of the running thread (the initial one when none
/// runs, as at boot): what /proc/uptime reads.
pub fn current() -> Arc<TimeNamespace> {
    match crate::hal::hal().current_thread() {
        Some(thread) => thread.process().nsproxy().time.clone(),
        None => init_time_ns(),
    }
}

static INIT_TIME_NS: Once<Arc<TimeNamespace>> = Once::new();

/// The initial time namespace: zero offsets, entered by init.
pub fn init_time_ns() -> Arc<TimeNamespace> {
    INIT_TIME_NS
        .call_once(|| {
            let ns = TimeNamespace::create(
                NsCommon::initial(NsKind::Time, Some(super::user::init_user_ns())),
                TimeOffsets::default(),
            );
            ns.freeze();
            ns
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_written_until_frozen() {
        let ns = init_time_ns().copy(super::super::user::init_user_ns()).unwrap();
        assert_eq!(ns.offsets(), TimeOffsets::default(), "a copy of the initial namespace starts at zero");
        ns.set_offsets(b"monotonic 1000 5\nboottime 2 0\n").unwrap();
        assert_eq!(ns.offsets(), TimeOffsets { monotonic_ns: 1_000_000_000_005, boottime_ns: 2_000_000_000 });
        assert_eq!(ns.set_offsets(b"boottime -100000000 0").unwrap_err().errno, Errno::ERANGE, "a clock below zero");
        assert!(ns.offsets_text().starts_with("monotonic        1000         5\n"));
        ns.set_offsets(b"7 3 0").unwrap();
        assert_eq!(ns.offsets().boottime_ns, 3_000_000_000, "clocks by number too");
        assert_eq!(ns.set_offsets(b"realtime 1 0").unwrap_err().errno, Errno::EINVAL);
        assert_eq!(ns.set_offsets(b"monotonic 1 1000000000").unwrap_err().errno, Errno::EINVAL);
        assert_eq!(ns.set_offsets(b"monotonic 1").unwrap_err().errno, Errno::EINVAL);
        assert_eq!(ns.set_offsets(b"monotonic 9223372036854775807 0").unwrap_err().errno, Errno::ERANGE);
        assert_eq!(ns.set_offsets(b"monotonic -9223372036854775808 0").unwrap_err().errno, Errno::ERANGE, "no overflow");
        ns.freeze();
        assert_eq!(ns.set_offsets(b"monotonic 1 0").unwrap_err().errno, Errno::EACCES);
        let child = ns.copy(super::super::user::init_user_ns()).unwrap();
        assert_eq!(child.offsets(), ns.offsets(), "a new namespace inherits the offsets");
    }
}
