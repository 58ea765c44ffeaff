//! Descriptor syscalls: dup(2), dup2(2), dup3(2), fcntl(2), pipe2(2), ioctl(2).

use alloc::sync::Arc;

use linux_object::fs::file::{FileLike, OpenFlags};
use linux_object::fs::pipe::new_pipe;
use linux_object::fs::owner::{OwnerType, find_pid_in};
use linux_object::mm::user::UserPtr;
use linux_object::{Errno, Result, return_errno, return_errno_with_message};

use super::{file_of, nofile_limit};
use crate::{Args, Ctx, SysResult, vm_of};

pub fn sys_dup(ctx: &mut Ctx, args: &Args) -> SysResult {
    let file = file_of(ctx, args.int(0))?;
    let limit = nofile_limit(ctx);
    Ok(ctx.thread.process().files().lock().insert(file, false, limit)?)
}

fn do_dup3(ctx: &Ctx, old: i32, new: i32, flags: u32) -> SysResult {
    if flags & !OpenFlags::CLOEXEC.bits() != 0 {
        return_errno!(EINVAL);
    }
    let file = file_of(ctx, old)?;
    if new < 0 {
        return_errno!(EBADF);
    }
    let limit = nofile_limit(ctx);
    let replaced = ctx.thread.process().files().lock().install_at(new as usize, file, flags != 0, limit)?;
    super::open::closed(ctx, replaced);
    Ok(new as usize)
}

/// dup3(2): "If oldfd equals newfd, then dup3() fails with the error EINVAL."
pub fn sys_dup3(ctx: &mut Ctx, args: &Args) -> SysResult {
    if args.int(0) == args.int(1) {
        return_errno!(EINVAL);
    }
    do_dup3(ctx, args.int(0), args.int(1), args.uint(2))
}

/// dup2(2) (x86_64): the same fd returns it after checking it is valid.
pub fn sys_dup2(ctx: &mut Ctx, args: &Args) -> SysResult {
    if args.int(0) == args.int(1) {
        file_of(ctx, args.int(0))?;
        return Ok(args.int(0) as usize);
    }
    do_dup3(ctx, args.int(0), args.int(1), 0)
}

const F_DUPFD: i32 = 0;
const F_GETFD: i32 = 1;
const F_SETFD: i32 = 2;
const F_GETFL: i32 = 3;
const F_SETFL: i32 = 4;
const F_GETLK: i32 = 5;
const F_SETOWN: i32 = 8;
const F_GETOWN: i32 = 9;
const F_SETOWN_EX: i32 = 15;
const F_GETOWN_EX: i32 = 16;
const F_SETLK: i32 = 6;
const F_SETLKW: i32 = 7;
const F_OFD_GETLK: i32 = 36;
const F_OFD_SETLK: i32 = 37;
const F_OFD_SETLKW: i32 = 38;
const F_DUPFD_CLOEXEC: i32 = 1030;
const F_GETPIPE_SZ: i32 = 1032;
const FD_CLOEXEC: usize = 1;

pub fn sys_fcntl(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (fd, cmd, arg) = (args.int(0), args.int(1), args.get(2));
    let file = file_of(ctx, fd)?;
    let process = ctx.thread.process().clone();
    match cmd {
        F_DUPFD | F_DUPFD_CLOEXEC => {
            let limit = nofile_limit(ctx);
            if arg as i32 as i64 >= limit as i64 || (arg as i32) < 0 {
                return_errno!(EINVAL);
            }
            Ok(process.files().lock().insert_from(arg as u32 as usize, file, cmd == F_DUPFD_CLOEXEC, limit)?)
        }
        F_GETFD => Ok(process.files().lock().entry(fd as usize)?.cloexec as usize),
        F_SETFD => {
            process.files().lock().set_cloexec(fd as usize, arg & FD_CLOEXEC != 0)?;
            Ok(0)
        }
        F_GETFL => Ok(file.status_flags().bits() as usize),
        F_SETFL => {
            file.set_status_flags(OpenFlags::from_bits_truncate(arg as u32));
            Ok(0)
        }
        F_GETLK | F_SETLK | F_SETLKW | F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW => record_lock(ctx, &file, cmd, arg),
        F_GETPIPE_SZ if file.as_any().is::<linux_object::fs::pipe::PipeEnd>() => Ok(linux_object::fs::pipe::PIPE_CAPACITY),
        F_SETOWN => {
            // `f_setown`: a negative number names a process group.
            let who = arg as i32;
            let (kind, nr) = match who {
                i32::MIN => return_errno!(EINVAL),
                w if w < 0 => (OwnerType::Pgrp, w.unsigned_abs()),
                w => (OwnerType::Pid, w as u32),
            };
            set_owner(ctx, &*file, kind, nr)?;
            Ok(0)
        }
        F_GETOWN => {
            let (kind, nr) = get_owner(ctx, &*file);
            Ok(if kind == OwnerType::Pgrp { (nr as i32).wrapping_neg() as isize as usize } else { nr as usize })
        }
        F_SETOWN_EX => {
            // struct f_owner_ex { int type; pid_t pid; }
            let raw = UserPtr::<u8>::new(arg).read_bytes(&mut vm_of(ctx)?.lock(), 8)?;
            let kind = OwnerType::from_raw(i32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]])).ok_or(Errno::EINVAL)?;
            let nr = i32::from_le_bytes([raw[4], raw[5], raw[6], raw[7]]);
            if nr < 0 {
                return_errno!(ESRCH);
            }
            set_owner(ctx, &*file, kind, nr as u32)?;
            Ok(0)
        }
        F_GETOWN_EX => {
            let (kind, nr) = get_owner(ctx, &*file);
            let mut raw = [0u8; 8];
            raw[..4].copy_from_slice(&(kind as i32).to_le_bytes());
            raw[4..].copy_from_slice(&nr.to_le_bytes());
            UserPtr::<u8>::new(arg).write_bytes(&mut vm_of(ctx)?.lock(), &raw)?;
            Ok(0)
        }
        _ => {
            log::warn!("fcntl: command {cmd} is not supported");
            return_errno_with_message!(EINVAL, "fcntl command not supported")
        }
    }
}

/// F_SETOWN/F_SETOWN_EX: `nr` is a number in the caller's PID namespace;
/// `ESRCH` if nothing has it, 0 clears the owner (`f_setown`, fs/fcntl.c).
fn set_owner(ctx: &Ctx, file: &dyn FileLike, kind: OwnerType, nr: u32) -> Result<()> {
    let pid = match nr {
        0 => None,
        nr => Some(find_pid_in(ctx.thread.process().pid_ns(), nr).ok_or(Errno::ESRCH)?),
    };
    file.owner().set(kind, pid.as_ref());
    Ok(())
}

/// F_GETOWN/F_GETOWN_EX: the owner's type and its number in the caller's
/// namespace (0 if it is gone or outside the namespace).
fn get_owner(ctx: &Ctx, file: &dyn FileLike) -> (OwnerType, u32) {
    let (kind, pid) = file.owner().get();
    (kind, pid.map_or(0, |pid| pid.nr_in(ctx.thread.process().pid_ns())))
}

/// pipe2(2): O_CLOEXEC, O_NONBLOCK and O_DIRECT are the accepted flags.
pub fn sys_pipe2(ctx: &mut Ctx, args: &Args) -> SysResult {
    let flags = args.uint(1);
    let allowed = OpenFlags::CLOEXEC | OpenFlags::NONBLOCK | OpenFlags::DIRECT;
    let Some(flags) = OpenFlags::from_bits(flags).filter(|f| allowed.contains(*f)) else { return_errno!(EINVAL) };
    let (reader, writer) = new_pipe(flags);
    let cloexec = flags.contains(OpenFlags::CLOEXEC);
    let limit = nofile_limit(ctx);
    let files = ctx.thread.process().files();
    let (rfd, wfd) = {
        let mut table = files.lock();
        let rfd = table.insert(reader as Arc<dyn FileLike>, cloexec, limit)?;
        match table.insert(writer as Arc<dyn FileLike>, cloexec, limit) {
            Ok(wfd) => (rfd, wfd),
            Err(err) => {
                let _ = table.close(rfd);
                return Err(err);
            }
        }
    };
    let result = (|| {
        let vm = vm_of(ctx)?;
        let mut vm = vm.lock();
        let out = UserPtr::<i32>::new(args.get(0));
        out.write(&mut vm, &(rfd as i32))?;
        out.add(1)?.write(&mut vm, &(wfd as i32))
    })();
    if let Err(err) = result {
        let mut table = files.lock();
        let _ = table.close(rfd);
        let _ = table.close(wfd);
        return Err(err);
    }
    Ok(0)
}

pub fn sys_pipe(ctx: &mut Ctx, args: &Args) -> SysResult {
    sys_pipe2(ctx, &crate::Args([args.get(0), 0, 0, 0, 0, 0]))
}

const FIOCLEX: u32 = 0x5451;
const FIONCLEX: u32 = 0x5450;
const FIONBIO: u32 = 0x5421;

/// ioctl(2): the generic requests here, the rest to the file.
pub fn sys_ioctl(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (fd, request, arg) = (args.int(0), args.uint(1), args.get(2));
    let file = file_of(ctx, fd)?;
    let process = ctx.thread.process().clone();
    match request {
        FIOCLEX | FIONCLEX => {
            process.files().lock().set_cloexec(fd as usize, request == FIOCLEX)?;
            Ok(0)
        }
        FIONBIO => {
            let on = UserPtr::<i32>::new(arg).read(&mut vm_of(ctx)?.lock())? != 0;
            let flags = file.status_flags();
            file.set_status_flags(if on { flags | OpenFlags::NONBLOCK } else { flags - OpenFlags::NONBLOCK });
            Ok(0)
        }
        _ => {
            if let Some(result) = crate::namespace::nsfs_ioctl(ctx, &file, request, arg) {
                return result;
            }
            let vm = vm_of(ctx)?;
            let result = file.ioctl(request, arg, &mut vm.lock());
            result.map_err(|e| if e.errno == Errno::ENOTTY { e } else { e })
        }
    }
}

const F_RDLCK: i16 = 0;
const F_WRLCK: i16 = 1;
const F_UNLCK: i16 = 2;

/// The lock table's name for a file: its device and inode numbers.
fn lock_id(file: &alloc::sync::Arc<dyn linux_object::fs::file::FileLike>) -> linux_object::Result<(u64, u64)> {
    let meta = file.metadata()?;
    Ok((meta.dev, meta.ino))
}

/// fcntl's record locks (fcntl(2) "Advisory record locking" and "Open
/// file description locks"): `struct flock` is { short l_type, l_whence;
/// off_t l_start, l_len; pid_t l_pid; } (32 bytes). POSIX locks belong to
/// the process, OFD locks to the open file; both live in
/// `linux_object::fs::lock`.
fn record_lock(ctx: &Ctx, file: &alloc::sync::Arc<dyn linux_object::fs::file::FileLike>, cmd: i32, arg: usize) -> SysResult {
    use linux_object::fs::lock::{self, LockOwner, RecordLock};
    let raw = UserPtr::<u8>::new(arg).read_bytes(&mut vm_of(ctx)?.lock(), 32)?;
    let kind = i16::from_le_bytes([raw[0], raw[1]]);
    let whence = i16::from_le_bytes([raw[2], raw[3]]) as u32;
    let l_start = i64::from_le_bytes(raw[8..16].try_into().unwrap_or([0; 8]));
    let l_len = i64::from_le_bytes(raw[16..24].try_into().unwrap_or([0; 8]));
    let l_pid = i32::from_le_bytes(raw[24..28].try_into().unwrap_or([0; 4]));
    let ofd = matches!(cmd, F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW);
    if ofd && l_pid != 0 {
        return_errno!(EINVAL);
    }
    let exclusive = match kind {
        F_RDLCK => Some(false),
        F_WRLCK => Some(true),
        F_UNLCK => None,
        _ => return_errno!(EINVAL),
    };
    // The range (`flock_to_posix_lock`): from the start, the position or
    // the end; a length of 0 runs to the end of the file, a negative one
    // reaches back.
    let base: i64 = match whence {
        linux_object::fs::file::SEEK_SET => 0,
        linux_object::fs::file::SEEK_CUR => file.seek(0, linux_object::fs::file::SEEK_CUR)? as i64,
        linux_object::fs::file::SEEK_END => file.metadata()?.size as i64,
        _ => return_errno!(EINVAL),
    };
    let start = base.checked_add(l_start).ok_or(Errno::EOVERFLOW)?;
    let (start, end) = match l_len {
        0 => (start, u64::MAX as i128),
        len if len > 0 => (start, start as i128 + len as i128),
        len => (start.checked_add(len).ok_or(Errno::EOVERFLOW)?, start as i128),
    };
    if start < 0 {
        return_errno!(EINVAL);
    }
    let (start, end) = (start as u64, end.min(u64::MAX as i128) as u64);
    let owner = if ofd {
        LockOwner::File(alloc::sync::Arc::as_ptr(file) as *const () as usize)
    } else {
        LockOwner::Process(ctx.thread.process().pid())
    };
    let inode = lock_id(file)?;
    if matches!(cmd, F_GETLK | F_OFD_GETLK) {
        if exclusive.is_none() {
            return_errno!(EINVAL);
        }
        let want = RecordLock { owner, start, end, exclusive: exclusive.unwrap_or(false) };
        let mut out = raw.clone();
        match lock::test_record(inode, &want) {
            None => out[0..2].copy_from_slice(&F_UNLCK.to_le_bytes()),
            Some(held) => {
                let (t, len) = (if held.exclusive { F_WRLCK } else { F_RDLCK }, if held.end == u64::MAX { 0 } else { held.end - held.start });
                let pid = match held.owner {
                    LockOwner::Process(pid) => linux_object::process::find_process(pid)
                        .map_or(0, |p| crate::process::vpid_of(ctx, &p) as i32),
                    LockOwner::File(_) => -1,
                };
                out[0..2].copy_from_slice(&t.to_le_bytes());
                out[2..4].copy_from_slice(&0i16.to_le_bytes());
                out[8..16].copy_from_slice(&(held.start as i64).to_le_bytes());
                out[16..24].copy_from_slice(&(len as i64).to_le_bytes());
                out[24..28].copy_from_slice(&pid.to_le_bytes());
            }
        }
        UserPtr::<u8>::new(arg).write_bytes(&mut vm_of(ctx)?.lock(), &out)?;
        return Ok(0);
    }
    // "EBADF ... the lock type does not match the open mode" - fcntl(2).
    let flags = file.status_flags();
    if (exclusive == Some(true) && !flags.writable()) || (exclusive == Some(false) && !flags.readable()) {
        return_errno!(EBADF);
    }
    let wait = matches!(cmd, F_SETLKW | F_OFD_SETLKW);
    let want = RecordLock { owner, start, end, exclusive: exclusive.unwrap_or(false) };
    loop {
        match lock::set_record(inode, owner, start, end, exclusive) {
            Err(err) if err.errno == Errno::EAGAIN && wait => {}
            other => return other.map(|_| 0),
        }
        // Only POSIX owners (processes) can deadlock each other here.
        if !ofd {
            lock::start_waiting(inode, &want)?;
        }
        let result = ctx.kernel.block_on(
            &mut |waker| {
                lock::WAIT.register(waker);
                lock::test_record(inode, &want).is_none()
            },
            None,
        );
        lock::stop_waiting(owner);
        if result == crate::BlockResult::Interrupted {
            return_errno!(ERESTARTSYS);
        }
    }
}

const LOCK_SH: u32 = 1;
const LOCK_EX: u32 = 2;
const LOCK_NB: u32 = 4;
const LOCK_UN: u32 = 8;

/// flock(fd, op): a whole-file lock held by the open file (flock(2));
/// `EWOULDBLOCK` with LOCK_NB when another open file holds a conflicting one.
pub fn sys_flock(ctx: &mut Ctx, args: &Args) -> SysResult {
    use linux_object::fs::lock;
    let (fd, op) = (args.int(0), args.uint(1));
    let file = file_of(ctx, fd)?;
    let inode = lock_id(&file)?;
    let me = alloc::sync::Arc::as_ptr(&file) as *const () as usize;
    let exclusive = match op & !LOCK_NB {
        LOCK_SH => false,
        LOCK_EX => true,
        LOCK_UN => {
            lock::funlock(Some(inode), me);
            return Ok(0);
        }
        _ => return_errno!(EINVAL),
    };
    loop {
        match lock::flock(inode, me, exclusive) {
            Err(err) if err.errno == Errno::EAGAIN && op & LOCK_NB == 0 => {}
            other => return other.map(|_| 0),
        }
        let result = ctx.kernel.block_on(
            &mut |waker| {
                lock::WAIT.register(waker);
                lock::flock_free(inode, me, exclusive)
            },
            None,
        );
        if result == crate::BlockResult::Interrupted {
            return_errno!(ERESTARTSYS);
        }
    }
}
