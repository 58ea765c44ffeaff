//! Credential and resource-limit syscalls: getuid(2) family, setuid(2)
//! family, getgroups(2), getrlimit(2)/prlimit(2).


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

/// Applies a credential change. As Linux's `commit_creds`, a change of
/// the effective user or group ID clears the parent-death signal
/// ("the parent-death signal setting is cleared ... when the effective
/// user ID, effective group ID ... are changed" - prctl(2)).
fn commit(ctx: &Ctx, change: impl FnOnce(&mut linux_object::process::creds::Credentials) -> linux_object::Result<()>) -> SysResult {
    let process = ctx.thread.process();
    let changed = {
        let mut creds = process.creds.lock();
        let before = (creds.euid, creds.egid);
        change(&mut creds)?;
        before != (creds.euid, creds.egid)
    };
    if changed {
        process.set_pdeath_signal(0);
    }
    Ok(0)
}

pub fn sys_setuid(ctx: &mut Ctx, args: &Args) -> SysResult {
    commit(ctx, |c| c.setuid(args.uint(0)))
}

pub fn sys_setgid(ctx: &mut Ctx, args: &Args) -> SysResult {
    commit(ctx, |c| c.setgid(args.uint(0)))
}

pub fn sys_setreuid(ctx: &mut Ctx, args: &Args) -> SysResult {
    commit(ctx, |c| c.setreuid(args.uint(0), args.uint(1)))
}

pub fn sys_setregid(ctx: &mut Ctx, args: &Args) -> SysResult {
    commit(ctx, |c| c.setregid(args.uint(0), args.uint(1)))
}

pub fn sys_setresuid(ctx: &mut Ctx, args: &Args) -> SysResult {
    commit(ctx, |c| c.setresuid(args.uint(0), args.uint(1), args.uint(2)))
}

pub fn sys_setresgid(ctx: &mut Ctx, args: &Args) -> SysResult {
    commit(ctx, |c| c.setresgid(args.uint(0), args.uint(1), args.uint(2)))
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
    let mut groups = linux_object::mm::try_vec_with_capacity(size as usize)?;
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

const PRIO_PROCESS: i32 = 0;
const PRIO_PGRP: i32 = 1;
const PRIO_USER: i32 = 2;

/// The processes setpriority/getpriority(2) address: one process, a
/// process group, or every process of a user (`who` 0: the caller's own).
fn priority_targets(ctx: &Ctx, which: i32, who: i32) -> linux_object::Result<alloc::vec::Vec<alloc::sync::Arc<linux_object::process::Process>>> {
    let me = ctx.thread.process();
    let visible = linux_object::process::processes_in(me.pid_ns());
    let live = |p: &alloc::sync::Arc<linux_object::process::Process>| {
        !matches!(p.state(), linux_object::process::ProcessState::Zombie(_))
    };
    Ok(match which {
        PRIO_PROCESS => crate::process::process_or_self(ctx, who).into_iter().collect(),
        PRIO_PGRP => {
            let group = if who == 0 { me.pgid() } else { crate::process::global_of_vpid(ctx, who as Pid) };
            visible.into_iter().filter(|p| p.pgid() == group && live(p)).collect()
        }
        PRIO_USER => {
            let uid = if who == 0 { me.creds.lock().uid } else { who as u32 };
            visible.into_iter().filter(|p| p.creds.lock().uid == uid && live(p)).collect()
        }
        _ => return_errno!(EINVAL),
    })
}

/// getpriority(which, who): the best (lowest) nice value among the targets,
/// returned as `20 - nice` (1..40) as the raw syscall does; `ESRCH` if no
/// process matches.
pub fn sys_getpriority(ctx: &mut Ctx, args: &Args) -> SysResult {
    let targets = priority_targets(ctx, args.int(0), args.int(1))?;
    let best = targets.iter().map(|p| p.nice()).min().ok_or(Errno::ESRCH)?;
    Ok((20 - best) as usize)
}

/// setpriority(which, who, prio): sets the nice value (clamped to
/// -20..=19) of every target. Without privilege a process may only change
/// processes whose real or effective UID is its effective UID (`EPERM`),
/// and may not lower a nice value (`EACCES`, CAP_SYS_NICE).
pub fn sys_setpriority(ctx: &mut Ctx, args: &Args) -> SysResult {
    let targets = priority_targets(ctx, args.int(0), args.int(1))?;
    if targets.is_empty() {
        return_errno!(ESRCH);
    }
    let nice = args.int(2).clamp(-20, 19);
    let creds = ctx.thread.process().creds.lock().clone();
    for target in &targets {
        let theirs = target.creds.lock().clone();
        if !creds.is_privileged() {
            if theirs.uid != creds.euid && theirs.euid != creds.euid {
                return_errno!(EPERM);
            }
            if nice < target.nice() {
                return_errno!(EACCES);
            }
        }
        target.set_nice(nice);
    }
    Ok(0)
}
