//! clone(2). Flag rules from clone(2) and `copy_process` (kernel/fork.c).

use alloc::sync::Arc;
use alloc::vec::Vec;

use linux_object::mm::user::UserPtr;
use linux_object::namespace::nsproxy::ALL_NEW;
use linux_object::process::{Pid, ShareFlags, Thread};
use linux_object::{Errno, return_errno, return_errno_with_message};

use crate::{Arch, Args, Ctx, SysResult, vm_of};

// The CLONE_NEW* flags live with the namespaces.
pub use linux_object::namespace::{
    CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWTIME, CLONE_NEWUSER, CLONE_NEWUTS,
};

pub const CSIGNAL: u64 = 0xff;
pub const CLONE_VM: u64 = 0x100;
pub const CLONE_FS: u64 = 0x200;
pub const CLONE_FILES: u64 = 0x400;
pub const CLONE_SIGHAND: u64 = 0x800;
pub const CLONE_PIDFD: u64 = 0x1000;
pub const CLONE_PTRACE: u64 = 0x2000;
pub const CLONE_VFORK: u64 = 0x4000;
pub const CLONE_PARENT: u64 = 0x8000;
pub const CLONE_THREAD: u64 = 0x1_0000;
pub const CLONE_SYSVSEM: u64 = 0x4_0000;
pub const CLONE_SETTLS: u64 = 0x8_0000;
pub const CLONE_PARENT_SETTID: u64 = 0x10_0000;
pub const CLONE_CHILD_CLEARTID: u64 = 0x20_0000;
pub const CLONE_DETACHED: u64 = 0x40_0000;
pub const CLONE_UNTRACED: u64 = 0x80_0000;
pub const CLONE_CHILD_SETTID: u64 = 0x100_0000;
pub const CLONE_IO: u64 = 0x8000_0000;
/// clone3 only: reset every handled signal to default in the child.
pub const CLONE_CLEAR_SIGHAND: u64 = 0x1_0000_0000;
/// clone3 only: start the child in the cgroup `cgroup` names.
pub const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;
/// The flags clone(2) knows (the low 32 bits, exit signal excluded).
const CLONE_LEGACY_FLAGS: u64 = 0xffff_ffff;

/// Arguments of clone(2) and clone3(2), decoded.
pub struct CloneArgs {
    pub flags: u64,
    pub exit_signal: u32,
    pub stack: usize,
    pub parent_tid: usize,
    pub child_tid: usize,
    pub tls: usize,
    /// Where CLONE_PIDFD stores the new pidfd (an `int`).
    pub pidfd: usize,
    /// clone3's chosen PIDs, innermost namespace first.
    pub set_tid: Vec<Pid>,
}

/// clone: riscv64 passes (flags, stack, parent_tid, tls, child_tid)
/// (CONFIG_CLONE_BACKWARDS), x86_64 (flags, stack, parent_tid, child_tid, tls).
/// With CLONE_PIDFD the pidfd goes to `parent_tid`, so the two cannot be
/// combined (`EINVAL`). The low byte is the exit signal, so CLONE_NEWTIME
/// (0x80) can only be asked for through clone3.
pub fn sys_clone(ctx: &mut Ctx, args: &Args) -> SysResult {
    let flags = args.get(0) as u64;
    let (tls, child_tid) = match ctx.kernel.arch() {
        Arch::Riscv64 => (args.get(3), args.get(4)),
        Arch::X86_64 => (args.get(4), args.get(3)),
    };
    if flags & CLONE_PIDFD != 0 && flags & CLONE_PARENT_SETTID != 0 {
        return_errno!(EINVAL);
    }
    let clone_args = CloneArgs {
        flags: flags & !CSIGNAL & CLONE_LEGACY_FLAGS,
        exit_signal: (flags & CSIGNAL) as u32,
        stack: args.get(1),
        parent_tid: args.get(2),
        child_tid,
        tls,
        pidfd: args.get(2),
        set_tid: Vec::new(),
    };
    do_clone(ctx, &clone_args)
}

/// `struct clone_args` of clone3(2): eleven u64 fields (88 bytes, "VER2");
/// callers built against older headers pass 64 ("VER0") or 80 ("VER1").
const CLONE_ARGS_SIZE_VER0: usize = 64;
const CLONE_ARGS_SIZE: usize = 88;

/// clone3(args, size): `EINVAL` for a size below VER0 or bad fields,
/// `E2BIG` for a size over a page or unknown trailing fields not zero,
/// `EFAULT` for a bad pointer. Mirrors `copy_clone_args_from_user` and
/// `clone3_args_valid` (kernel/fork.c).
pub fn sys_clone3(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (uargs, size) = (args.get(0), args.get(1));
    if size > 4096 {
        return_errno!(E2BIG);
    }
    if size < CLONE_ARGS_SIZE_VER0 {
        return_errno!(EINVAL);
    }
    let raw = UserPtr::<u8>::new(uargs).read_bytes(&mut vm_of(ctx)?.lock(), size)?;
    if raw[CLONE_ARGS_SIZE.min(size)..].iter().any(|&b| b != 0) {
        return_errno!(E2BIG);
    }
    let field = |i: usize| -> u64 {
        raw.get(i * 8..i * 8 + 8).map_or(0, |b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    };
    let (flags, pidfd, child_tid, parent_tid, exit_signal) = (field(0), field(1), field(2), field(3), field(4));
    let (stack, stack_size, tls, set_tid, set_tid_size) = (field(5), field(6), field(7), field(8), field(9));
    if flags & !(CLONE_LEGACY_FLAGS | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP) != 0
        || exit_signal & !CSIGNAL != 0
        || set_tid_size > linux_object::namespace::pid::MAX_PID_NS_LEVEL as u64
        || (set_tid == 0) != (set_tid_size == 0)
        || (stack == 0) != (stack_size == 0)
        || (flags & (CLONE_THREAD | CLONE_PARENT) != 0 && exit_signal != 0)
        || (flags & CLONE_SIGHAND != 0 && flags & CLONE_CLEAR_SIGHAND != 0)
    {
        return_errno!(EINVAL);
    }
    if flags & CLONE_INTO_CGROUP != 0 {
        log::warn!("clone3: CLONE_INTO_CGROUP is not supported yet");
        return_errno_with_message!(EINVAL, "CLONE_INTO_CGROUP is not supported yet");
    }
    if flags & CLONE_CLEAR_SIGHAND != 0 {
        log::warn!("clone3: CLONE_CLEAR_SIGHAND is not supported yet");
        return_errno_with_message!(EINVAL, "CLONE_CLEAR_SIGHAND is not supported yet");
    }
    let set_tid = if set_tid_size > 0 {
        let mut out = Vec::with_capacity(set_tid_size as usize);
        let vm = vm_of(ctx)?;
        let mut vm = vm.lock();
        let base = UserPtr::<i32>::new(set_tid as usize);
        for i in 0..set_tid_size as usize {
            let tid = base.add(i)?.read(&mut vm)?;
            if tid <= 0 {
                return_errno!(EINVAL);
            }
            out.push(tid as Pid);
        }
        out
    } else {
        Vec::new()
    };
    let clone_args = CloneArgs {
        flags,
        exit_signal: exit_signal as u32,
        // A stack that wraps around is not user memory (`clone3_stack_valid`).
        stack: if stack != 0 { stack.checked_add(stack_size).ok_or(Errno::EINVAL)? as usize } else { 0 },
        parent_tid: parent_tid as usize,
        child_tid: child_tid as usize,
        tls: tls as usize,
        pidfd: pidfd as usize,
        set_tid,
    };
    do_clone(ctx, &clone_args)
}

/// The checks of `copy_process` on the flags alone.
fn validate(flags: u64) -> linux_object::Result<()> {
    if flags & (CLONE_NEWNS | CLONE_FS) == (CLONE_NEWNS | CLONE_FS)
        || flags & (CLONE_NEWUSER | CLONE_FS) == (CLONE_NEWUSER | CLONE_FS)
    {
        return_errno_with_message!(EINVAL, "a new mount or user namespace cannot share fs");
    }
    if flags & CLONE_THREAD != 0 && flags & CLONE_SIGHAND == 0 {
        return_errno_with_message!(EINVAL, "CLONE_THREAD requires CLONE_SIGHAND");
    }
    if flags & CLONE_SIGHAND != 0 && flags & CLONE_VM == 0 {
        return_errno_with_message!(EINVAL, "CLONE_SIGHAND requires CLONE_VM");
    }
    if flags & CLONE_THREAD != 0 && flags & (CLONE_NEWUSER | CLONE_NEWPID) != 0 {
        return_errno_with_message!(EINVAL, "threads cannot get new user or pid namespaces");
    }
    if flags & CLONE_PIDFD != 0 && flags & (CLONE_THREAD | CLONE_DETACHED) != 0 {
        return_errno_with_message!(EINVAL, "CLONE_PIDFD names a process");
    }
    Ok(())
}

pub fn do_clone(ctx: &mut Ctx, args: &CloneArgs) -> SysResult {
    let flags = args.flags;
    validate(flags)?;
    if args.exit_signal > 64 {
        return_errno!(EINVAL);
    }
    let parent = ctx.thread.process().clone();
    // "CLONE_THREAD … the caller's pid_for_children must be its own PID
    // namespace" and "a namespace's init cannot CLONE_PARENT" (copy_process).
    if flags & CLONE_THREAD != 0 && !Arc::ptr_eq(&parent.nsproxy().pid_for_children, parent.pid_ns()) {
        return_errno!(EINVAL);
    }
    if flags & CLONE_PARENT != 0 && parent.is_ns_init() {
        return_errno!(EINVAL);
    }
    // RLIMIT_NPROC: "the number of extant processes (or, more precisely on
    // Linux, threads) for the real user ID" - getrlimit(2); root is exempt.
    let creds = parent.creds.lock().clone();
    let nproc = parent.rlimits.lock().cur(linux_object::process::rlimit::RLIMIT_NPROC);
    if creds.uid != 0 && linux_object::process::threads_of_user(creds.uid) as u64 >= nproc {
        return_errno!(EAGAIN);
    }
    // A bad pidfd pointer fails the call before anything exists, as
    // copy_process's early put_user does (the placeholder is overwritten).
    if flags & CLONE_PIDFD != 0 {
        UserPtr::<i32>::new(args.pidfd).write(&mut parent.vm()?.lock(), &-1)?;
    }
    let child: Arc<Thread> = if flags & CLONE_THREAD != 0 {
        if flags & ALL_NEW != 0 || !args.set_tid.is_empty() {
            return_errno!(EINVAL);
        }
        Thread::new_in(&parent, ctx.thread.signal_mask())?
    } else {
        let namespaces = crate::namespace::child_namespaces(ctx, flags, args.set_tid.clone())?;
        let share = ShareFlags {
            vm: flags & CLONE_VM != 0,
            files: flags & CLONE_FILES != 0,
            fs: flags & CLONE_FS != 0,
            sighand: flags & CLONE_SIGHAND != 0,
        };
        let child = parent.fork(share, args.exit_signal, namespaces)?;
        if flags & CLONE_PARENT != 0 {
            if let Err(err) = parent.give_child_to_parent(child.process()) {
                parent.abort_fork(&child);
                return Err(err);
            }
        }
        child
    };
    // The parent sees the child's number in its own namespace; the child,
    // for CLONE_CHILD_SETTID, its number in its namespace.
    let tid = child.tid_in(parent.pid_ns());
    let child_own_tid = child.tid_in(child.process().pid_ns());

    if flags & CLONE_PIDFD != 0 {
        // From here on a failure must undo the child completely.
        let installed = crate::pidfd::install_pidfd(ctx, child.process(), false).and_then(|fd| {
            let written = UserPtr::<i32>::new(args.pidfd).write(&mut parent.vm()?.lock(), &(fd as i32));
            if written.is_err() {
                let _ = ctx.thread.process().files().lock().close(fd);
            }
            written
        });
        if let Err(err) = installed {
            let owner = child.process().parent().unwrap_or_else(|| parent.clone());
            owner.abort_fork(&child);
            return Err(err);
        }
    }
    let mut regs = ctx.regs.boxed_clone();
    regs.set_return(0);
    if args.stack != 0 {
        regs.set_sp(args.stack);
    }
    if flags & CLONE_SETTLS != 0 {
        regs.set_tls(args.tls);
    }
    // Linux ignores a bad pointer for both (`put_user` in kernel_clone and
    // schedule_tail, results unchecked): the child exists either way.
    if flags & CLONE_PARENT_SETTID != 0 {
        let _ = UserPtr::<u32>::new(args.parent_tid).write(&mut parent.vm()?.lock(), &tid);
    }
    if flags & CLONE_CHILD_SETTID != 0 {
        if let Ok(vm) = child.process().vm() {
            let _ = UserPtr::<u32>::new(args.child_tid).write(&mut vm.lock(), &child_own_tid);
        }
    }
    if flags & CLONE_CHILD_CLEARTID != 0 {
        child.set_clear_child_tid(args.child_tid);
    }
    let child_process = child.process().clone();
    ctx.kernel.spawn_thread(child, regs);

    if flags & CLONE_VFORK != 0 {
        // "the execution of the calling process is suspended until the child
        // releases its virtual memory resources via a call to execve(2) or
        // _exit(2)" - clone(2). Only a fatal signal cuts this short
        // (`wait_for_vfork_done` waits TASK_KILLABLE); the call still
        // returns the child's TID and the signal is delivered after it.
        // Other signals stay pending until the child lets go.
        ctx.kernel.block_on_killable(
            &mut |waker| {
                child_process.vfork_wait.register(waker);
                child_process.is_vfork_released()
            },
            None,
        );
    }
    Ok(tid as usize)
}

/// fork(2) (x86_64): clone with SIGCHLD and nothing shared.
pub fn sys_fork(ctx: &mut Ctx, _args: &Args) -> SysResult {
    do_clone(ctx, &CloneArgs { flags: 0, exit_signal: 17, stack: 0, parent_tid: 0, child_tid: 0, tls: 0, pidfd: 0, set_tid: Vec::new() })
}

/// vfork(2) (x86_64): the child borrows the parent's memory and the parent
/// waits until it execs or exits — clone(CLONE_VM | CLONE_VFORK | SIGCHLD).
pub fn sys_vfork(ctx: &mut Ctx, _args: &Args) -> SysResult {
    let flags = CLONE_VM | CLONE_VFORK;
    do_clone(ctx, &CloneArgs { flags, exit_signal: 17, stack: 0, parent_tid: 0, child_tid: 0, tls: 0, pidfd: 0, set_tid: Vec::new() })
}
