//! Orphaned process groups. "If the exit of the process causes a process
//! group to become orphaned, and if any member of the newly orphaned
//! process group is stopped, then a SIGHUP signal followed by a SIGCONT
//! signal will be sent to each process in this process group" - _exit(2),
//! as POSIX requires, so a stopped job whose shell went away is not left
//! stopped forever. A group is orphaned when no member has a parent in a
//! different group of the same session. Mirrors `will_become_orphaned_pgrp`,
//! `has_stopped_jobs` and `kill_orphaned_pgrp` (kernel/exit.c).

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::{Pid, Process, ProcessState, all_processes};
use crate::signal::{SI_KERNEL, SIGCONT, SIGHUP, SigInfo};

fn members(pgid: Pid) -> Vec<Arc<Process>> {
    all_processes().into_iter().filter(|p| p.pgid() == pgid).collect()
}

/// Whether group `pgid` has no member, `leaving` aside, whose parent
/// (other than the initial init) is in another group of the same session.
fn will_become_orphaned(members: &[Arc<Process>], pgid: Pid, leaving: Option<Pid>) -> bool {
    members.iter().all(|p| {
        if Some(p.pid()) == leaving || matches!(p.state(), ProcessState::Zombie(_)) {
            return true;
        }
        match p.parent() {
            Some(parent) if parent.pid() != 1 => !(parent.pgid() != pgid && parent.sid() == p.sid()),
            _ => true,
        }
    })
}

/// Called when `process` loses its tie to its group's session: with
/// `father`, it was reparented because `father` exited; without, it is
/// exiting itself. Hangs up and continues its group if that group has just
/// become orphaned with a stopped member.
pub(super) fn kill_orphaned_pgrp(process: &Process, father: Option<&Arc<Process>>) {
    let (parent, leaving) = match father {
        Some(father) => (father.clone(), None),
        None => match process.parent() {
            Some(parent) => (parent, Some(process.pid())),
            None => return,
        },
    };
    let pgid = process.pgid();
    // Only a parent in another group of the same session held it together.
    if parent.pgid() == pgid || parent.sid() != process.sid() {
        return;
    }
    let members = members(pgid);
    let stopped = members.iter().any(|p| matches!(p.state(), ProcessState::Stopped { .. }));
    if stopped && will_become_orphaned(&members, pgid, leaving) {
        for member in &members {
            member.send_signal(SigInfo::new(SIGHUP, SI_KERNEL));
            member.send_signal(SigInfo::new(SIGCONT, SI_KERNEL));
        }
    }
}
