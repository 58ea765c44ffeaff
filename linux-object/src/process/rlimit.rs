//! Resource limits. Mirrors `struct rlimit` and `do_prlimit` (kernel/sys.c),
//! per getrlimit(2): limits are per process, inherited by fork, kept by
//! execve; raising a hard limit needs CAP_SYS_RESOURCE.

use crate::error::{Errno, Result};

pub const RLIM_INFINITY: u64 = u64::MAX;

pub const RLIMIT_CPU: usize = 0;
pub const RLIMIT_FSIZE: usize = 1;
pub const RLIMIT_DATA: usize = 2;
pub const RLIMIT_STACK: usize = 3;
pub const RLIMIT_CORE: usize = 4;
pub const RLIMIT_RSS: usize = 5;
pub const RLIMIT_NPROC: usize = 6;
pub const RLIMIT_NOFILE: usize = 7;
pub const RLIMIT_MEMLOCK: usize = 8;
pub const RLIMIT_AS: usize = 9;
pub const RLIM_NLIMITS: usize = 16;

/// Linux's `sysctl_nr_open` (/proc/sys/fs/nr_open): the ceiling for
/// RLIMIT_NOFILE, even for privileged callers. 1048576 by default.
pub static NR_OPEN: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(1 << 20);
/// The range /proc/sys/fs/nr_open accepts (`sysctl_nr_open_min`/`_max`
/// on 64-bit Linux: one word of bits, and INT_MAX rounded down to one).
pub const NR_OPEN_RANGE: core::ops::RangeInclusive<u64> = 64..=(i32::MAX as u64 & !63);

fn nr_open() -> u64 {
    NR_OPEN.load(core::sync::atomic::Ordering::Relaxed)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RLimit {
    pub cur: u64,
    pub max: u64,
}

#[derive(Clone, Debug)]
pub struct RLimits {
    limits: [RLimit; RLIM_NLIMITS],
}

impl RLimits {
    /// init's limits, as Linux's INIT_RLIMITS (include/asm-generic/resource.h),
    /// with RLIMIT_NPROC sized for our memory.
    pub fn init() -> Self {
        let inf = RLimit { cur: RLIM_INFINITY, max: RLIM_INFINITY };
        let mut limits = [inf; RLIM_NLIMITS];
        limits[RLIMIT_STACK] = RLimit { cur: 8 << 20, max: RLIM_INFINITY };
        limits[RLIMIT_CORE] = RLimit { cur: 0, max: RLIM_INFINITY };
        limits[RLIMIT_NPROC] = RLimit { cur: 4096, max: 4096 };
        limits[RLIMIT_NOFILE] = RLimit { cur: 1024, max: 4096 };
        limits[RLIMIT_MEMLOCK] = RLimit { cur: 8 << 20, max: 8 << 20 };
        limits[11] = RLimit { cur: 4096, max: 4096 }; // RLIMIT_SIGPENDING
        limits[12] = RLimit { cur: 819200, max: 819200 }; // RLIMIT_MSGQUEUE
        limits[13] = RLimit { cur: 0, max: 0 }; // RLIMIT_NICE
        limits[14] = RLimit { cur: 0, max: 0 }; // RLIMIT_RTPRIO
        RLimits { limits }
    }

    pub fn get(&self, resource: usize) -> Result<RLimit> {
        self.limits.get(resource).copied().ok_or(Errno::EINVAL.into())
    }

    /// The soft limit of `resource` (which must be valid).
    pub fn cur(&self, resource: usize) -> u64 {
        self.limits.get(resource).map_or(RLIM_INFINITY, |l| l.cur)
    }

    /// setrlimit(2): `EINVAL` if cur > max or the resource is unknown,
    /// `EPERM` when raising the hard limit without privilege, and for
    /// RLIMIT_NOFILE above `NR_OPEN`.
    pub fn set(&mut self, resource: usize, new: RLimit, privileged: bool) -> Result<()> {
        let old = self.get(resource)?;
        if new.cur > new.max {
            return Err(Errno::EINVAL.into());
        }
        if new.max > old.max && !privileged {
            return Err(Errno::EPERM.into());
        }
        if resource == RLIMIT_NOFILE && new.max > nr_open() {
            return Err(Errno::EPERM.into());
        }
        self.limits[resource] = new;
        Ok(())
    }
}

impl Default for RLimits {
    fn default() -> Self {
        Self::init()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_of_setrlimit() {
        let mut l = RLimits::init();
        assert_eq!(l.get(RLIMIT_NOFILE).unwrap(), RLimit { cur: 1024, max: 4096 });
        assert_eq!(l.get(99).unwrap_err().errno, Errno::EINVAL);
        assert_eq!(l.set(RLIMIT_NOFILE, RLimit { cur: 10, max: 5 }, true).unwrap_err().errno, Errno::EINVAL);
        l.set(RLIMIT_NOFILE, RLimit { cur: 10, max: 20 }, false).unwrap();
        assert_eq!(l.set(RLIMIT_NOFILE, RLimit { cur: 10, max: 30 }, false).unwrap_err().errno, Errno::EPERM);
        l.set(RLIMIT_NOFILE, RLimit { cur: 10, max: 30 }, true).unwrap();
        assert_eq!(l.cur(RLIMIT_NOFILE), 10);
    }
}
