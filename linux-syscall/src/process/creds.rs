//! Credential and resource-limit syscalls: getuid(2) family, setuid(2)
//! family, getgroups(2), getrlimit(2)/prlimit(2).

use alloc::vec::Vec;

use linux_object::mm::user::UserPtr;
use linux_object::process::rlimit::RLimit;
use linux_object::process::Pid;
use linux_object::{Errno, return_errno};

use crate::{Args, Ctx, SysResult, vm_of};

macro_rules! getter {
    ($name:ident, $field:ident) => {
        pub fn $name(ctx: &mut Ctx, _args: &Args) -> SysResult {
            Ok(ctx.thread.process().creds.lock().$field as usize)
        }
    };
}
getter!(sys_getuid, uid);
getter!(sys_geteuid, euid);
getter!(sys_getgid, gid);
getter!(sys_getegid, egid);

fn write_three(ctx: &mut Ctx, args: &Args, ids: [u32; 3]) -> SysResult {
    let vm = vm_of(ctx)?;
    let mut vm = vm.lock();
    for (i, id) in ids.iter().enumerate() {
        UserPtr::<u32>::new(args.get(i)).write(&mut vm, id)?;
    }
    Ok(0)
}

pub fn sys_getresuid(ctx: &mut Ctx, args: &Args) -> SysResult {
    let c = ctx.thread.process().creds.lock().clone();
    write_three(ctx, args, [c.uid, c.euid, c.suid])
}

pub fn sys_getresgid(ctx: &mut Ctx, args: &Args) -> SysResult {
    let c = ctx.thread.process().creds.lock().clone();
    write_three(ctx, args, [c.gid, c.egid, c.sgid])
}

pub fn sys_setuid(ctx: &mut Ctx, args: &Args) -> SysResult {
    ctx.thread.process().creds.lock().setuid(args.uint(0))?;
    Ok(0)
}

pub fn sys_setgid(ctx: &mut Ctx, args: &Args) -> SysResult {
    ctx.thread.process().creds.lock().setgid(args.uint(0))?;
    Ok(0)
}

pub fn sys_setreuid(ctx: &mut Ctx, args: &Args) -> SysResult {
    ctx.thread.process().creds.lock().setreuid(args.uint(0), args.uint(1))?;
    Ok(0)
}

pub fn sys_setregid(ctx: &mut Ctx, args: &Args) -> SysResult {
    ctx.thread.process().creds.lock().setregid(args.uint(0), args.uint(1))?;
    Ok(0)
}

pub fn sys_setresuid(ctx: &mut Ctx, args: &Args) -> SysResult {
    ctx.thread.process().creds.lock().setresuid(args.uint(0), args.uint(1), args.uint(2))?;
    Ok(0)
}

pub fn sys_setresgid(ctx: &mut Ctx, args: &Args) -> SysResult {
    ctx.thread.process().creds.lock().setresgid(args.uint(0), args.uint(1), args.uint(2))?;
    Ok(0)
}

/// getgroups(2): size 0 returns the count; a smaller size is EINVAL.
pub fn sys_getgroups(ctx: &mut Ctx, args: &Args) -> SysResult {
    let size = args.int(0);
    if size < 0 {
        return_errno!(EINVAL);
    }
    let groups = ctx.thread.process().creds.lock().groups.clone();
    if size == 0 {
        return Ok(groups.len());
    }
    if (size as usize) < groups.len() {
        return_errno!(EINVAL);
    }
    let vm = vm_of(ctx)?;
    let mut vm = vm.lock();
    let list = UserPtr::<u32>::new(args.get(1));
    for (i, gid) in groups.iter().enumerate() {
        list.add(i)?.write(&mut vm, gid)?;
    }
    Ok(groups.len())
}

pub fn sys_setgroups(ctx: &mut Ctx, args: &Args) -> SysResult {
    let size = args.int(0);
    if !(0..=linux_object::process::creds::NGROUPS_MAX as i32).contains(&size) {
        return_errno!(EINVAL);
    }
    let mut groups = Vec::with_capacity(size as usize);
    {
        let vm = vm_of(ctx)?;
        let mut vm = vm.lock();
        let list = UserPtr::<u32>::new(args.get(1));
        for i in 0..size as usize {
            groups.push(list.add(i)?.read(&mut vm)?);
        }
    }
    ctx.thread.process().creds.lock().setgroups(groups)?;
    Ok(0)
}

fn read_rlimit(ctx: &Ctx, addr: usize) -> linux_object::Result<RLimit> {
    let vm = vm_of(ctx)?;
    let mut vm = vm.lock();
    let ptr = UserPtr::<u64>::new(addr);
    Ok(RLimit { cur: ptr.read(&mut vm)?, max: ptr.add(1)?.read(&mut vm)? })
}

fn write_rlimit(ctx: &Ctx, addr: usize, limit: RLimit) -> linux_object::Result<()> {
    let vm = vm_of(ctx)?;
    let mut vm = vm.lock();
    let ptr = UserPtr::<u64>::new(addr);
    ptr.write(&mut vm, &limit.cur)?;
    ptr.add(1)?.write(&mut vm, &limit.max)
}

/// prlimit64(pid, resource, new, old): the caller may act on another
/// process when its real/effective/saved ids all match the caller's real
/// uid, or with privilege (prlimit(2)).
pub fn sys_prlimit64(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (pid, resource, new, old) = (args.int(0), args.uint(1) as usize, args.get(2), args.get(3));
    let target = match pid {
        0 => ctx.thread.process().clone(),
        p if p > 0 => crate::process::process_by_vpid(ctx, p as Pid).ok_or(Errno::ESRCH)?,
        _ => return_errno!(EINVAL),
    };
    let caller = ctx.thread.process().creds.lock().clone();
    if !alloc::sync::Arc::ptr_eq(&target, ctx.thread.process()) && !caller.is_privileged() {
        let t = target.creds.lock().clone();
        if [t.uid, t.euid, t.suid].iter().any(|&id| id != caller.uid) {
            return_errno!(EPERM);
        }
    }
    let current = target.rlimits.lock().get(resource)?;
    let new_limit = if new != 0 { Some(read_rlimit(ctx, new)?) } else { None };
    if let Some(limit) = new_limit {
        target.rlimits.lock().set(resource, limit, caller.is_privileged())?;
    }
    if old != 0 {
        write_rlimit(ctx, old, current)?;
    }
    Ok(0)
}

pub fn sys_getrlimit(ctx: &mut Ctx, args: &Args) -> SysResult {
    let limit = ctx.thread.process().rlimits.lock().get(args.uint(0) as usize)?;
    write_rlimit(ctx, args.get(1), limit)?;
    Ok(0)
}

pub fn sys_setrlimit(ctx: &mut Ctx, args: &Args) -> SysResult {
    let limit = read_rlimit(ctx, args.get(1))?;
    let privileged = ctx.thread.process().creds.lock().is_privileged();
    ctx.thread.process().rlimits.lock().set(args.uint(0) as usize, limit, privileged)?;
    Ok(0)
}
