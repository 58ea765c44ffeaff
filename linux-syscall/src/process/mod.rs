//! Process syscalls: identity, exit, clone, wait, groups and sessions,
//! credentials. Semantics from getpid(2), exit(2), exit_group(2),
//! set_tid_address(2), setpgid(2), setsid(2); code in linux-object/src/process.

pub mod clone;
pub mod creds;
pub mod exec;
pub mod futex;
pub mod wait;

use alloc::sync::Arc;

use linux_object::mm::user::UserPtr;
use linux_object::namespace::pid::PidNamespace;
use linux_object::process::{Pid, Process, Thread, WaitStatus, find_process_in, find_thread_in};
use linux_object::{Errno, return_errno};

use crate::{Args, Ctx, SysResult, vm_of};

// PIDs cross the system-call boundary as numbers in the caller's PID
// namespace (pid_namespaces(7)); inside the kernel a process is named by
// its initial-namespace number. These translate.

/// The PID namespace the caller is in.
pub fn caller_pid_ns(ctx: &Ctx) -> Arc<PidNamespace> {
    ctx.thread.process().pid_ns().clone()
}

/// The process the caller calls `nr` (`find_task_by_vpid`).
pub fn process_by_vpid(ctx: &Ctx, nr: Pid) -> Option<Arc<Process>> {
    find_process_in(ctx.thread.process().pid_ns(), nr)
}

/// The thread the caller calls `nr`.
pub fn thread_by_vpid(ctx: &Ctx, nr: Pid) -> Option<Arc<Thread>> {
    find_thread_in(ctx.thread.process().pid_ns(), nr)
}

/// The number the caller sees for `process` (`task_tgid_vnr`): 0 if it is
/// outside the caller's namespace.
pub fn vpid_of(ctx: &Ctx, process: &Process) -> Pid {
    process.pid_in(ctx.thread.process().pid_ns())
}

/// The initial-namespace number of the process or group the caller calls
/// `nr`, or a number that matches nothing (for wait selectors).
pub fn global_of_vpid(ctx: &Ctx, nr: Pid) -> Pid {
    ctx.thread.process().pid_ns().to_global(nr).unwrap_or(Pid::MAX)
}

pub fn sys_getpid(ctx: &mut Ctx, _args: &Args) -> SysResult {
    Ok(vpid_of(ctx, ctx.thread.process()) as usize)
}

/// getppid(2): 0 when the parent is outside the caller's PID namespace.
pub fn sys_getppid(ctx: &mut Ctx, _args: &Args) -> SysResult {
    let process = ctx.thread.process();
    Ok(process.ppid_in(process.pid_ns()) as usize)
}

pub fn sys_gettid(ctx: &mut Ctx, _args: &Args) -> SysResult {
    Ok(ctx.thread.tid_in(ctx.thread.process().pid_ns()) as usize)
}

/// exit(2): ends the calling thread only. The kernel's trap loop sees the
/// thread has exited and does not return to user space.
pub fn sys_exit(ctx: &mut Ctx, args: &Args) -> SysResult {
    crate::process::exit_thread(ctx, WaitStatus::Exited(args.int(0) as u8));
    Ok(0)
}

/// exit_group(2): ends every thread of the process.
pub fn sys_exit_group(ctx: &mut Ctx, args: &Args) -> SysResult {
    let status = WaitStatus::Exited(args.int(0) as u8);
    exit_group(ctx, status);
    Ok(0)
}

/// Starts a group exit with `status` and ends the calling thread.
pub fn exit_group(ctx: &mut Ctx, status: WaitStatus) {
    let process = ctx.thread.process().clone();
    process.start_group_exit(status);
    for thread in process.threads() {
        if thread.tid() != ctx.thread.tid() {
            thread.wake();
        }
    }
    exit_thread(ctx, status);
}

/// Ends the calling thread: clears `clear_child_tid` (and wakes its futex),
/// and if it was the last thread, tells the parent.
pub fn exit_thread(ctx: &mut Ctx, status: WaitStatus) {
    let thread = ctx.thread;
    let clear = thread.clear_child_tid();
    if clear != 0 {
        if let Ok(vm) = vm_of(ctx) {
            // "When a thread whose clear_child_tid is not NULL terminates,
            // then, if the thread is sharing memory with other threads, then
            // 0 is written at the address specified in clear_child_tid and
            // the kernel performs the following operation:
            // futex(clear_child_tid, FUTEX_WAKE, 1, NULL, NULL, 0);"
            // - set_tid_address(2)
            let _ = UserPtr::<u32>::new(clear).write(&mut vm.lock(), &0);
        }
        futex::wake_address(ctx, clear);
    }
    if let Some((parent, signal)) = thread.exit(status) {
        let process = thread.process();
        let status = match process.state() {
            linux_object::process::ProcessState::Zombie(status) => status,
            _ => status,
        };
        crate::signal::notify_parent(&parent, process, signal, status);
    }
}

/// set_tid_address(2): remembers `tidptr`, returns the caller's TID.
pub fn sys_set_tid_address(ctx: &mut Ctx, args: &Args) -> SysResult {
    ctx.thread.set_clear_child_tid(args.get(0));
    Ok(ctx.thread.tid_in(ctx.thread.process().pid_ns()) as usize)
}

/// set_robust_list(2): `len` must be sizeof(struct robust_list_head) (24).
pub fn sys_set_robust_list(ctx: &mut Ctx, args: &Args) -> SysResult {
    if args.get(1) != 24 {
        return_errno!(EINVAL);
    }
    ctx.thread.set_robust_list(args.get(0), args.get(1));
    Ok(0)
}

/// get_robust_list(2) for the caller (pid 0) or a thread in its process.
pub fn sys_get_robust_list(ctx: &mut Ctx, args: &Args) -> SysResult {
    let pid = args.int(0);
    let thread = if pid == 0 {
        ctx.thread.clone()
    } else {
        thread_by_vpid(ctx, pid as Pid).ok_or(Errno::ESRCH)?
    };
    if !alloc::sync::Arc::ptr_eq(thread.process(), ctx.thread.process()) && ctx.thread.process().creds.lock().euid != 0 {
        return_errno!(EPERM);
    }
    let (head, len) = thread.robust_list();
    let vm = vm_of(ctx)?;
    let mut vm = vm.lock();
    UserPtr::<usize>::new(args.get(1)).write(&mut vm, &head)?;
    UserPtr::<usize>::new(args.get(2)).write(&mut vm, &len)?;
    Ok(0)
}

/// The caller for 0, else the process it calls `pid`; `ESRCH` otherwise.
pub fn process_or_self(ctx: &Ctx, pid: i32) -> linux_object::Result<Arc<Process>> {
    match pid {
        0 => Ok(ctx.thread.process().clone()),
        p if p > 0 => process_by_vpid(ctx, p as Pid).ok_or(Errno::ESRCH.into()),
        _ => Err(Errno::ESRCH.into()),
    }
}

/// getpgid(2): the group as the caller numbers it (0 if its leader is
/// outside the caller's PID namespace).
pub fn sys_getpgid(ctx: &mut Ctx, args: &Args) -> SysResult {
    Ok(process_or_self(ctx, args.int(0))?.pgid_ref().nr_in(&caller_pid_ns(ctx)) as usize)
}

pub fn sys_getsid(ctx: &mut Ctx, args: &Args) -> SysResult {
    Ok(process_or_self(ctx, args.int(0))?.sid_ref().nr_in(&caller_pid_ns(ctx)) as usize)
}

/// setpgid(2): `EINVAL` for a negative pgid.
pub fn sys_setpgid(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (pid, pgid) = (args.int(0), args.int(1));
    if pgid < 0 {
        return_errno!(EINVAL);
    }
    let target = process_or_self(ctx, pid)?;
    target.setpgid(ctx.thread.process(), pgid as Pid)?;
    Ok(0)
}

pub fn sys_setsid(ctx: &mut Ctx, _args: &Args) -> SysResult {
    Ok(ctx.thread.process().setsid()? as usize)
}

pub fn sys_sched_yield(ctx: &mut Ctx, _args: &Args) -> SysResult {
    ctx.kernel.yield_now();
    Ok(0)
}

const RUSAGE_SELF: i32 = 0;
const RUSAGE_CHILDREN: i32 = -1;
const RUSAGE_THREAD: i32 = 1;

/// getrusage(2): CPU times and the resident set size; the other fields
/// (faults, context switches…) are not counted and read as zero.
pub fn sys_getrusage(ctx: &mut Ctx, args: &Args) -> SysResult {
    let process = ctx.thread.process().clone();
    let (user, system) = match args.int(0) {
        RUSAGE_SELF => process.cpu_time_ns(),
        RUSAGE_CHILDREN => process.children_time_ns(),
        RUSAGE_THREAD => ctx.thread.cpu_time_ns(),
        _ => return_errno!(EINVAL),
    };
    let maxrss_kib = if args.int(0) == RUSAGE_CHILDREN {
        0
    } else {
        process.vm().map_or(0, |vm| vm.lock().resident_bytes() / 1024)
    };
    let mut buf = [0u8; 144];
    let mut put = |offset: usize, value: u64| buf[offset..offset + 8].copy_from_slice(&value.to_le_bytes());
    put(0, user / 1_000_000_000);
    put(8, user % 1_000_000_000 / 1000);
    put(16, system / 1_000_000_000);
    put(24, system % 1_000_000_000 / 1000);
    put(32, maxrss_kib as u64);
    UserPtr::<u8>::new(args.get(1)).write_bytes(&mut vm_of(ctx)?.lock(), &buf)?;
    Ok(0)
}

/// getpgrp(2) (x86_64): getpgid(0).
pub fn sys_getpgrp(ctx: &mut Ctx, _args: &Args) -> SysResult {
    Ok(ctx.thread.process().pgid_ref().nr_in(&caller_pid_ns(ctx)) as usize)
}
