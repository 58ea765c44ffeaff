//! Load averages, as Linux's kernel/sched/loadavg.c computes them: every
//! 5 seconds the number of runnable tasks is folded into three
//! exponentially decaying averages (1, 5 and 15 minutes), kept in fixed
//! point with 11 fractional bits. /proc/loadavg, uptime(1) and sysinfo(2)
//! read them.

use core::sync::atomic::{AtomicU64, Ordering};

/// Fixed-point shift and one (`FSHIFT`, `FIXED_1`).
pub const FSHIFT: u32 = 11;
pub const FIXED_1: u64 = 1 << FSHIFT;
/// 1/exp(5s/1min), 1/exp(5s/5min), 1/exp(5s/15min) in fixed point.
const EXP: [u64; 3] = [1884, 2014, 2037];
/// How often the averages are updated (`LOAD_FREQ`).
pub const LOAD_FREQ_NS: u64 = 5_000_000_000;

static AVENRUN: [AtomicU64; 3] = [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)];
static NEXT_UPDATE_NS: AtomicU64 = AtomicU64::new(LOAD_FREQ_NS);

/// `calc_load`: one step of the decaying average towards `active`.
fn calc_load(load: u64, exp: u64, active: u64) -> u64 {
    let mut new = load * exp + active * (FIXED_1 - exp);
    if active >= load {
        new += FIXED_1 - 1;
    }
    new / FIXED_1
}

/// Called by the scheduler on timer ticks with the number of runnable
/// tasks (running included); folds it in once per 5 s.
pub fn sample(now_ns: u64, runnable: usize) {
    let next = NEXT_UPDATE_NS.load(Ordering::Relaxed);
    if now_ns < next {
        return;
    }
    NEXT_UPDATE_NS.store(now_ns + LOAD_FREQ_NS, Ordering::Relaxed);
    let active = runnable as u64 * FIXED_1;
    for (avg, exp) in AVENRUN.iter().zip(EXP) {
        avg.store(calc_load(avg.load(Ordering::Relaxed), exp, active), Ordering::Relaxed);
    }
}

/// The three averages in fixed point (`avenrun`).
pub fn averages() -> [u64; 3] {
    [0, 1, 2].map(|i| AVENRUN[i].load(Ordering::Relaxed))
}

/// The averages as /proc/loadavg prints them: "0.52 0.30 0.11".
pub fn text() -> alloc::string::String {
    let part = |x: u64| {
        // LOAD_INT and LOAD_FRAC, rounded to hundredths as Linux does.
        let x = x + FIXED_1 / 200;
        alloc::format!("{}.{:02}", x >> FSHIFT, ((x & (FIXED_1 - 1)) * 100) >> FSHIFT)
    };
    let [a, b, c] = averages();
    alloc::format!("{} {} {}", part(a), part(b), part(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_rise_towards_the_load_and_decay() {
        let mut load = 0;
        for _ in 0..12 {
            load = calc_load(load, EXP[0], FIXED_1);
        }
        // After a minute of one runnable task the 1-minute average is
        // 1 - 1/e ≈ 0.63.
        assert!((1250..1350).contains(&load), "{load}");
        for _ in 0..120 {
            load = calc_load(load, EXP[0], 0);
        }
        assert!(load < 10, "{load}");
    }
}
