//! ppoll(2), poll(2), pselect6(2), select(2).
//!
//! One loop for all: ask every file for its ready events (registering the
//! waker), return when something is ready or the timeout passes, else sleep.

use alloc::sync::Arc;
use alloc::vec::Vec;

use linux_object::fs::file::{FileLike, PollEvents};
use linux_object::mm::user::UserPtr;
use linux_object::signal::restart::RestartBlock;
use linux_object::time;
use linux_object::{Result, return_errno};

use crate::{Args, BlockResult, Ctx, SysResult, vm_of};

/// Polls `files` (None = a bad descriptor) for `wanted` events until one is
/// ready or `deadline` passes. Returns the ready events per entry, or
/// `ERESTARTNOHAND` when a signal interrupts: `EINTR` once a handler ran,
/// else the call runs again (`do_poll`/`do_select`, fs/select.c).
fn poll_files(ctx: &Ctx, files: &[Option<Arc<dyn FileLike>>], wanted: &[PollEvents], deadline: Option<u64>) -> Result<Vec<PollEvents>> {
    let always = PollEvents::ERR | PollEvents::HUP | PollEvents::NVAL;
    let mut ready = alloc::vec![PollEvents::empty(); files.len()];
    let check = |waker: Option<&core::task::Waker>, ready: &mut Vec<PollEvents>| {
        let mut any = false;
        for (i, file) in files.iter().enumerate() {
            ready[i] = match file {
                Some(file) => file.poll(waker) & (wanted[i] | always),
                None => PollEvents::NVAL,
            };
            any |= !ready[i].is_empty();
        }
        any
    };
    if check(None, &mut ready) || deadline.is_some_and(|d| d <= time::monotonic_ns()) {
        return Ok(ready);
    }
    match ctx.kernel.block_on(&mut |waker| check(Some(waker), &mut ready), deadline) {
        BlockResult::Interrupted => return_errno!(ERESTARTNOHAND),
        _ => Ok(ready),
    }
}

fn read_timeout(ctx: &Ctx, addr: usize) -> Result<Option<u64>> {
    if addr == 0 {
        return Ok(None);
    }
    Ok(Some(time::monotonic_ns().saturating_add(crate::time::read_timespec(ctx, addr)?.to_ns()?)))
}

/// `struct pollfd { int fd; short events; short revents; }`
fn do_poll(ctx: &Ctx, fds_addr: usize, nfds: usize, deadline: Option<u64>) -> SysResult {
    let limit = super::nofile_limit(ctx);
    if nfds > limit.max(1024) {
        return_errno!(EINVAL);
    }
    let raw = UserPtr::<u8>::new(fds_addr).read_bytes(&mut vm_of(ctx)?.lock(), nfds * 8)?;
    let mut files = linux_object::mm::try_vec_with_capacity(nfds)?;
    let mut wanted = linux_object::mm::try_vec_with_capacity(nfds)?;
    for i in 0..nfds {
        let fd = i32::from_le_bytes([raw[8 * i], raw[8 * i + 1], raw[8 * i + 2], raw[8 * i + 3]]);
        let events = u16::from_le_bytes([raw[8 * i + 4], raw[8 * i + 5]]);
        // A negative fd is ignored: revents 0.
        files.push(if fd < 0 { None } else { super::file_of(ctx, fd).ok() });
        wanted.push(if fd < 0 { PollEvents::empty() } else { PollEvents::from_bits_truncate(events) });
    }
    let negative: Vec<bool> = (0..nfds).map(|i| raw[8 * i + 3] & 0x80 != 0).collect();
    let ready = poll_files(ctx, &files, &wanted, deadline)?;
    let mut out = raw.clone();
    let mut count = 0;
    for i in 0..nfds {
        let revents = if negative[i] { PollEvents::empty() } else { ready[i] };
        out[8 * i + 6..8 * i + 8].copy_from_slice(&revents.bits().to_le_bytes());
        count += !revents.is_empty() as usize;
    }
    UserPtr::<u8>::new(fds_addr).write_bytes(&mut vm_of(ctx)?.lock(), &out)?;
    Ok(count)
}

/// `poll_select_finish` (fs/select.c): a non-zero timeout is updated in
/// place to the time left, so a restarted call waits only for the rest;
/// if the update faults, an interrupted call cannot be restarted and
/// fails with `EINTR` instead. `micros`: the timeout is a timeval.
fn finish_timeout(ctx: &Ctx, addr: usize, deadline: Option<u64>, micros: bool, result: SysResult) -> SysResult {
    let Some(deadline) = deadline.filter(|_| addr != 0) else { return result };
    let left = deadline.saturating_sub(time::monotonic_ns());
    let (sec, frac) = ((left / 1_000_000_000) as i64, (left % 1_000_000_000) as i64);
    let frac = if micros { frac / 1000 } else { frac };
    let written = vm_of(ctx).and_then(|vm| {
        let mut vm = vm.lock();
        let ptr = UserPtr::<i64>::new(addr);
        ptr.write(&mut vm, &sec)?;
        ptr.add(1)?.write(&mut vm, &frac)
    });
    match result {
        Err(e) if e.errno == linux_object::Errno::ERESTARTNOHAND && written.is_err() => return_errno!(EINTR),
        other => other,
    }
}

/// The deadline of a timeout that is not zero (a zero timeout is not
/// updated).
fn nonzero(deadline: Option<u64>, now: u64) -> Option<u64> {
    deadline.filter(|&d| d > now)
}

/// ppoll(fds, nfds, tmo_p, sigmask, sigsetsize): poll with `sigmask` in
/// place while waiting.
pub fn sys_ppoll(ctx: &mut Ctx, args: &Args) -> SysResult {
    let deadline = read_timeout(ctx, args.get(2))?;
    let now = time::monotonic_ns();
    let result = crate::signal::with_temporary_mask(ctx, args.get(3), args.get(4), |ctx| do_poll(ctx, args.get(0), args.get(1), deadline));
    finish_timeout(ctx, args.get(2), nonzero(deadline, now), false, result)
}

/// poll(fds, nfds, timeout_ms) on x86_64. An interrupted call restarts
/// unless a handler ran; with a timeout it continues through
/// restart_syscall(2) for the time left (`do_sys_poll`, fs/select.c).
pub fn sys_poll(ctx: &mut Ctx, args: &Args) -> SysResult {
    let ms = args.int(2);
    let deadline = (ms >= 0).then(|| time::monotonic_ns().saturating_add(ms as u64 * 1_000_000));
    poll_until(ctx, args.get(0), args.get(1), deadline)
}

/// poll(2) until `deadline`, and the continuation restart_syscall(2) runs.
pub(crate) fn poll_until(ctx: &mut Ctx, fds: usize, nfds: usize, deadline: Option<u64>) -> SysResult {
    match (do_poll(ctx, fds, nfds, deadline), deadline) {
        (Err(e), Some(deadline)) if e.errno == linux_object::Errno::ERESTARTNOHAND => {
            ctx.thread.set_restart_block(RestartBlock::Poll { fds, nfds, deadline });
            return_errno!(ERESTART_RESTARTBLOCK)
        }
        (other, _) => other,
    }
}

/// The fd_set bitmaps of select: `nfds` bits in 64-bit words.
fn read_set(ctx: &Ctx, addr: usize, nfds: usize) -> Result<Vec<u64>> {
    let words = nfds.div_ceil(64);
    if addr == 0 {
        return Ok(alloc::vec![0; words]);
    }
    let vm = vm_of(ctx)?;
    let mut vm = vm.lock();
    (0..words).map(|i| UserPtr::<u64>::new(addr).add(i)?.read(&mut vm)).collect()
}

fn do_select(ctx: &Ctx, nfds: i32, sets: [usize; 3], deadline: Option<u64>) -> SysResult {
    if nfds < 0 {
        return_errno!(EINVAL);
    }
    let nfds = (nfds as usize).min(super::nofile_limit(ctx).max(1024));
    let input = [read_set(ctx, sets[0], nfds)?, read_set(ctx, sets[1], nfds)?, read_set(ctx, sets[2], nfds)?];
    let mut files = Vec::new();
    let mut wanted = Vec::new();
    let mut index = Vec::new();
    let masks = [PollEvents::IN | PollEvents::RDNORM | PollEvents::HUP, PollEvents::OUT | PollEvents::WRNORM, PollEvents::PRI];
    for fd in 0..nfds {
        let mut want = PollEvents::empty();
        for (set, mask) in input.iter().zip(masks) {
            if set[fd / 64] & (1 << (fd % 64)) != 0 {
                want |= mask;
            }
        }
        if want.is_empty() {
            continue;
        }
        // "EBADF An invalid file descriptor was given in one of the sets."
        files.push(Some(super::file_of(ctx, fd as i32)?));
        wanted.push(want);
        index.push(fd);
    }
    let ready = poll_files(ctx, &files, &wanted, deadline)?;
    let mut output = [alloc::vec![0u64; nfds.div_ceil(64)], alloc::vec![0u64; nfds.div_ceil(64)], alloc::vec![0u64; nfds.div_ceil(64)]];
    let mut count = 0;
    for (i, &fd) in index.iter().enumerate() {
        let r = ready[i];
        let hits = [
            r.intersects(PollEvents::IN | PollEvents::RDNORM | PollEvents::HUP | PollEvents::ERR),
            r.intersects(PollEvents::OUT | PollEvents::WRNORM | PollEvents::ERR),
            r.intersects(PollEvents::PRI),
        ];
        for (set, (hit, requested)) in output.iter_mut().zip(hits.iter().zip(input.iter())) {
            if *hit && requested[fd / 64] & (1 << (fd % 64)) != 0 {
                set[fd / 64] |= 1 << (fd % 64);
                count += 1;
            }
        }
    }
    let vm = vm_of(ctx)?;
    let mut vm = vm.lock();
    for (addr, set) in sets.iter().zip(output.iter()) {
        if *addr != 0 {
            for (i, word) in set.iter().enumerate() {
                UserPtr::<u64>::new(*addr).add(i)?.write(&mut vm, word)?;
            }
        }
    }
    Ok(count)
}

/// pselect6(nfds, readfds, writefds, exceptfds, timeout, sigmask-struct):
/// the last argument points at { const sigset_t *ss; size_t ss_len; }.
pub fn sys_pselect6(ctx: &mut Ctx, args: &Args) -> SysResult {
    let deadline = read_timeout(ctx, args.get(4))?;
    let (mask, size) = if args.get(5) == 0 {
        (0, 0)
    } else {
        let vm = vm_of(ctx)?;
        let mut vm = vm.lock();
        let pair = UserPtr::<usize>::new(args.get(5));
        (pair.read(&mut vm)?, pair.add(1)?.read(&mut vm)?)
    };
    let sets = [args.get(1), args.get(2), args.get(3)];
    let now = time::monotonic_ns();
    let result = crate::signal::with_temporary_mask(ctx, mask, size, |ctx| do_select(ctx, args.int(0), sets, deadline));
    finish_timeout(ctx, args.get(4), nonzero(deadline, now), false, result)
}

/// select(2) on x86_64: a struct timeval timeout.
pub fn sys_select(ctx: &mut Ctx, args: &Args) -> SysResult {
    let deadline = if args.get(4) == 0 {
        None
    } else {
        let vm = vm_of(ctx)?;
        let mut vm = vm.lock();
        let tv = UserPtr::<i64>::new(args.get(4));
        let (sec, usec) = (tv.read(&mut vm)?, tv.add(1)?.read(&mut vm)?);
        if sec < 0 || !(0..1_000_000).contains(&usec) {
            return_errno!(EINVAL);
        }
        Some(time::monotonic_ns().saturating_add((sec as u64).saturating_mul(1_000_000_000).saturating_add(usec as u64 * 1000)))
    };
    let now = time::monotonic_ns();
    let result = do_select(ctx, args.int(0), [args.get(1), args.get(2), args.get(3)], deadline);
    finish_timeout(ctx, args.get(4), nonzero(deadline, now), true, result)
}
