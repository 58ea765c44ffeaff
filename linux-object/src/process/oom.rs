//! The out-of-memory killer's choice, and `/proc/PID/oom_score_adj`.
//! Mirrors mm/oom_kill.c: when a page cannot be had, the process with the
//! highest badness dies — its resident memory, shifted by `oom_score_adj`
//! (-1000 to 1000, a thousandth of memory per step); -1000 means never,
//! and init is never chosen ("oom_unkillable_task").

use alloc::sync::Arc;

use super::{Process, ProcessState, all_processes, INIT_PID};
use crate::error::{Errno, Result};

/// `OOM_SCORE_ADJ_MIN`: a process the killer never takes.
pub const OOM_SCORE_ADJ_MIN: i32 = -1000;
pub const OOM_SCORE_ADJ_MAX: i32 = 1000;

/// A process's adjustment and the lowest value it may set without
/// CAP_SYS_RESOURCE (`signal->oom_score_adj` and `oom_score_adj_min`),
/// both inherited by fork and kept across execve.
#[derive(Clone, Copy, Debug, Default)]
pub struct OomAdj {
    pub adj: i32,
    pub min: i32,
}

impl OomAdj {
    /// A write to /proc/PID/oom_score_adj (`__set_oom_adj`): `EINVAL`
    /// outside -1000..=1000; lowering below the minimum needs
    /// CAP_SYS_RESOURCE (`EACCES`); a privileged write sets the minimum.
    pub fn set(&mut self, value: i32, privileged: bool) -> Result<()> {
        if !(OOM_SCORE_ADJ_MIN..=OOM_SCORE_ADJ_MAX).contains(&value) {
            return Err(Errno::EINVAL.into());
        }
        if value < self.min && !privileged {
            return Err(Errno::EACCES.into());
        }
        self.adj = value;
        if privileged {
            self.min = value;
        }
        Ok(())
    }
}

/// `oom_badness`: resident pages plus the adjustment's share of
/// `total_pages`; `None` for a process that must not be chosen.
pub fn badness(process: &Process, total_pages: u64) -> Option<i64> {
    if process.pid() == INIT_PID || matches!(process.state(), ProcessState::Zombie(_)) {
        return None;
    }
    let adj = process.oom_adj().adj;
    if adj == OOM_SCORE_ADJ_MIN {
        return None;
    }
    let rss = process.vm().map_or(0, |vm| vm.lock().resident_bytes() / crate::mm::PAGE_SIZE) as i64;
    // The page table counts too (Linux adds mm_pgtables_bytes).
    Some(rss + 1 + adj as i64 * total_pages as i64 / 1000)
}

/// /proc/PID/oom_score: `1000 + badness * 1000 / totalpages` (0 for a
/// process the killer never takes), as proc_oom_score prints it.
pub fn score(process: &Process, total_pages: u64) -> u64 {
    let total = total_pages.max(1) as i64;
    badness(process, total_pages).map_or(0, |points| (1000 + points * 1000 / total).max(0) as u64)
}

/// The victim: the process with the highest badness (`select_bad_process`).
/// `None` when nothing may be killed.
pub fn select_victim(total_pages: u64) -> Option<Arc<Process>> {
    all_processes()
        .into_iter()
        .filter_map(|p| badness(&p, total_pages).map(|b| (b, p)))
        .max_by_key(|(b, _)| *b)
        .map(|(_, p)| p)
}
