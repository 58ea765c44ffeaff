//! Descriptor syscalls: dup(2), dup2(2), dup3(2), fcntl(2), pipe2(2), ioctl(2).

use alloc::sync::Arc;

use linux_object::fs::file::{FileLike, OpenFlags};
use linux_object::fs::pipe::new_pipe;
use linux_object::mm::user::UserPtr;
use linux_object::{Errno, return_errno, return_errno_with_message};

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
    drop(replaced);
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
const F_SETLK: i32 = 6;
const F_SETLKW: i32 = 7;
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
        F_GETLK | F_SETLK | F_SETLKW => {
            // TODO(locks): POSIX record locks. Until then every lock is
            // granted, which is what a single-user system sees anyway;
            // F_GETLK reports "unlocked" by setting l_type to F_UNLCK (2).
            if cmd == F_GETLK {
                UserPtr::<i16>::new(arg).write(&mut vm_of(ctx)?.lock(), &2)?;
            }
            log::debug!("fcntl: record locks are not enforced");
            Ok(0)
        }
        F_GETPIPE_SZ if file.as_any().is::<linux_object::fs::pipe::PipeEnd>() => Ok(linux_object::fs::pipe::PIPE_CAPACITY),
        _ => {
            log::warn!("fcntl: command {cmd} is not supported");
            return_errno_with_message!(EINVAL, "fcntl command not supported")
        }
    }
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
