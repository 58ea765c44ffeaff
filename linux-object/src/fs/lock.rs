//! Advisory file locks (fs/locks.c): POSIX record locks and open-file-
//! description (OFD) locks for fcntl(2), and whole-file locks for
//! flock(2). Both kinds are advisory and live in tables keyed by the
//! inode's identity; they do not see each other, as on Linux.
//!
//! - A record lock covers a byte range `[start, end)` (`end` = `u64::MAX`
//!   for "to end of file") and is shared (read) or exclusive (write). Two
//!   locks conflict when their owners differ, their ranges overlap and at
//!   least one is exclusive. A POSIX lock belongs to a process and goes when
//!   the process closes any descriptor of the file or exits; an OFD lock
//!   belongs to an open file and goes with it. An owner's own locks are
//!   replaced, split and merged as ranges change (`posix_lock_inode`).
//! - A flock lock covers the whole file and belongs to an open file.
//!
//! Calls that would block return `EAGAIN`; the caller waits on [`WAIT`]
//! (woken on every release) and retries.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::error::{Errno, Result};
use crate::process::Pid;
use crate::sync::{Mutex, WaitQueue};

/// Who holds a lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LockOwner {
    /// A POSIX lock: the process (initial-namespace PID).
    Process(Pid),
    /// An OFD or flock lock: the open file (its address, unique while open).
    File(usize),
}

/// One record lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordLock {
    pub owner: LockOwner,
    pub start: u64,
    /// Exclusive end; `u64::MAX` means "to the end of the file, however
    /// long it grows".
    pub end: u64,
    pub exclusive: bool,
}

type InodeId = (u64, u64);

/// Record locks and flock locks by inode. Protected by their mutexes
/// (leaf locks).
static RECORDS: Mutex<BTreeMap<InodeId, Vec<RecordLock>>> = Mutex::new(BTreeMap::new());
static FLOCKS: Mutex<BTreeMap<InodeId, Vec<(usize, bool)>>> = Mutex::new(BTreeMap::new());

/// Woken whenever a lock is released or changed: blocked lockers retry.
pub static WAIT: WaitQueue = WaitQueue::new();

/// What each blocked POSIX owner waits for (Linux's `blocked_hash`), for
/// deadlock detection. Protected by the mutex (a leaf lock).
static WAITERS: Mutex<BTreeMap<LockOwner, (InodeId, RecordLock)>> = Mutex::new(BTreeMap::new());

/// Linux's `MAX_DEADLK_ITERATIONS`: how far the chain of waiters is followed.
const MAX_DEADLK_ITERATIONS: usize = 10;

/// F_SETLKW is about to wait for `want`: `EDEADLK` if the owner of the
/// blocking lock is (through other waiting owners) waiting for us
/// (`posix_locks_deadlock`); otherwise records us as waiting until
/// [`stop_waiting`].
pub fn start_waiting(inode: InodeId, want: &RecordLock) -> Result<()> {
    let mut blocker = test_record(inode, want).map(|held| held.owner);
    let waiters = WAITERS.lock();
    for _ in 0..MAX_DEADLK_ITERATIONS {
        let Some(owner) = blocker else { break };
        if owner == want.owner {
            return Err(Errno::EDEADLK.into());
        }
        blocker = waiters.get(&owner).and_then(|(id, wanted)| {
            RECORDS.lock().get(id)?.iter().find(|held| conflicts(held, wanted)).map(|held| held.owner)
        });
    }
    drop(waiters);
    WAITERS.lock().insert(want.owner, (inode, *want));
    Ok(())
}

/// The waiter got its lock (or gave up).
pub fn stop_waiting(owner: LockOwner) {
    WAITERS.lock().remove(&owner);
}

fn conflicts(a: &RecordLock, b: &RecordLock) -> bool {
    a.owner != b.owner && a.start < b.end && b.start < a.end && (a.exclusive || b.exclusive)
}

/// F_GETLK: the first lock that would stop `want`, if any.
pub fn test_record(inode: InodeId, want: &RecordLock) -> Option<RecordLock> {
    RECORDS.lock().get(&inode)?.iter().find(|held| conflicts(held, want)).copied()
}

/// F_SETLK: takes `want` (or, with `exclusive == None`, unlocks the range
/// for its owner). `EAGAIN` if another owner's lock conflicts.
pub fn set_record(inode: InodeId, owner: LockOwner, start: u64, end: u64, exclusive: Option<bool>) -> Result<()> {
    let mut table = RECORDS.lock();
    let locks = table.entry(inode).or_default();
    if let Some(exclusive) = exclusive {
        let want = RecordLock { owner, start, end, exclusive };
        if locks.iter().any(|held| conflicts(held, &want)) {
            return Err(Errno::EAGAIN.into());
        }
    }
    // Cut [start, end) out of the owner's locks, keeping what lies outside.
    let mut kept: Vec<RecordLock> = Vec::with_capacity(locks.len() + 2);
    for lock in locks.drain(..) {
        if lock.owner != owner || lock.end <= start || end <= lock.start {
            kept.push(lock);
            continue;
        }
        if lock.start < start {
            kept.push(RecordLock { end: start, ..lock });
        }
        if end < lock.end {
            kept.push(RecordLock { start: end, ..lock });
        }
    }
    if let Some(exclusive) = exclusive {
        // Merge with the owner's touching locks of the same kind.
        let (mut start, mut end) = (start, end);
        kept.retain(|lock| {
            let touches = lock.owner == owner && lock.exclusive == exclusive && lock.start <= end && start <= lock.end;
            if touches {
                start = start.min(lock.start);
                end = end.max(lock.end);
            }
            !touches
        });
        kept.push(RecordLock { owner, start, end, exclusive });
    }
    kept.sort_by_key(|lock| (lock.start, lock.owner));
    if kept.is_empty() {
        table.remove(&inode);
    } else {
        *table.get_mut(&inode).expect("entry made above") = kept;
    }
    drop(table);
    WAIT.wake_all();
    Ok(())
}

/// Drops every record lock `owner` holds on `inode` (a POSIX owner closed
/// a descriptor of it), or on any inode when `inode` is `None` (exit, or
/// an open file closing).
pub fn release_records(inode: Option<InodeId>, owner: LockOwner) {
    let mut table = RECORDS.lock();
    let mut changed = false;
    table.retain(|id, locks| {
        if inode.is_none_or(|i| i == *id) {
            let before = locks.len();
            locks.retain(|lock| lock.owner != owner);
            changed |= locks.len() != before;
        }
        !locks.is_empty()
    });
    drop(table);
    if changed {
        WAIT.wake_all();
    }
}

/// flock(2) LOCK_SH / LOCK_EX for open file `file`: converts a lock it
/// holds; `EAGAIN` (EWOULDBLOCK) if another open file's lock conflicts.
pub fn flock(inode: InodeId, file: usize, exclusive: bool) -> Result<()> {
    let mut table = FLOCKS.lock();
    let locks = table.entry(inode).or_default();
    if locks.iter().any(|&(holder, ex)| holder != file && (ex || exclusive)) {
        if locks.is_empty() {
            table.remove(&inode);
        }
        return Err(Errno::EAGAIN.into());
    }
    locks.retain(|&(holder, _)| holder != file);
    locks.push((file, exclusive));
    drop(table);
    WAIT.wake_all();
    Ok(())
}

/// Whether `flock(inode, file, exclusive)` would succeed now.
pub fn flock_free(inode: InodeId, file: usize, exclusive: bool) -> bool {
    FLOCKS.lock().get(&inode).is_none_or(|locks| !locks.iter().any(|&(holder, ex)| holder != file && (ex || exclusive)))
}

/// flock(2) LOCK_UN, and an open file closing: drops `file`'s flock lock.
pub fn funlock(inode: Option<InodeId>, file: usize) {
    let mut table = FLOCKS.lock();
    let mut changed = false;
    table.retain(|id, locks| {
        if inode.is_none_or(|i| i == *id) {
            let before = locks.len();
            locks.retain(|&(holder, _)| holder != file);
            changed |= locks.len() != before;
        }
        !locks.is_empty()
    });
    drop(table);
    if changed {
        WAIT.wake_all();
    }
}

/// An open file is gone: its OFD record locks and its flock lock go too.
pub fn release_file(file: usize) {
    release_records(None, LockOwner::File(file));
    funlock(None, file);
}

#[cfg(test)]
mod tests {
    use super::*;

    const INODE: InodeId = (99, 1);
    const A: LockOwner = LockOwner::Process(1001);
    const B: LockOwner = LockOwner::Process(1002);

    #[test]
    fn record_locks_conflict_split_and_merge() {
        let inode = (99, 7);
        set_record(inode, A, 0, 100, Some(true)).unwrap();
        let want = RecordLock { owner: B, start: 50, end: 60, exclusive: false };
        assert_eq!(test_record(inode, &want).map(|l| (l.start, l.end)), Some((0, 100)));
        assert_eq!(set_record(inode, B, 50, 60, Some(false)).unwrap_err().errno, Errno::EAGAIN);
        // A unlocks the middle: two pieces are left and B fits between.
        set_record(inode, A, 40, 70, None).unwrap();
        set_record(inode, B, 50, 60, Some(false)).unwrap();
        assert!(test_record(inode, &RecordLock { owner: B, start: 0, end: 40, exclusive: true }).is_some());
        // A's touching locks of one kind merge into one range.
        set_record(inode, A, 100, 200, Some(true)).unwrap();
        let seen = test_record(inode, &RecordLock { owner: B, start: 150, end: 151, exclusive: false }).unwrap();
        assert_eq!((seen.start, seen.end), (70, 200));
        release_records(None, A);
        release_records(Some(inode), B);
        assert!(test_record(inode, &RecordLock { owner: B, start: 0, end: u64::MAX, exclusive: true }).is_none());
    }

    #[test]
    fn shared_locks_coexist_and_flock_is_separate() {
        set_record(INODE, A, 0, u64::MAX, Some(false)).unwrap();
        set_record(INODE, B, 10, 20, Some(false)).unwrap();
        flock(INODE, 1, true).unwrap();
        assert_eq!(flock(INODE, 2, false).unwrap_err().errno, Errno::EAGAIN);
        flock(INODE, 1, false).unwrap();
        flock(INODE, 2, false).unwrap();
        funlock(Some(INODE), 1);
        funlock(None, 2);
        release_records(None, A);
        release_records(None, B);
    }
}
