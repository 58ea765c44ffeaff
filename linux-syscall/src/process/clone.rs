//! clone(2). Flag rules from clone(2) and `copy_process` (kernel/fork.c).

use linux_object::mm::user::UserPtr;
use linux_object::process::{ShareFlags, Thread};
use linux_object::{return_errno, return_errno_with_message};

use crate::{Arch, Args, Ctx, SysResult};

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
pub const CLONE_NEWNS: u64 = 0x2_0000;
pub const CLONE_SYSVSEM: u64 = 0x4_0000;
pub const CLONE_SETTLS: u64 = 0x8_0000;
pub const CLONE_PARENT_SETTID: u64 = 0x10_0000;
pub const CLONE_CHILD_CLEARTID: u64 = 0x20_0000;
pub const CLONE_DETACHED: u64 = 0x40_0000;
pub const CLONE_UNTRACED: u64 = 0x80_0000;
pub const CLONE_CHILD_SETTID: u64 = 0x100_0000;
pub const CLONE_NEWCGROUP: u64 = 0x200_0000;
pub const CLONE_NEWUTS: u64 = 0x400_0000;
pub const CLONE_NEWIPC: u64 = 0x800_0000;
pub const CLONE_NEWUSER: u64 = 0x1000_0000;
pub const CLONE_NEWPID: u64 = 0x2000_0000;
pub const CLONE_NEWNET: u64 = 0x4000_0000;
pub const CLONE_IO: u64 = 0x8000_0000;
const CLONE_NEW_ANY: u64 =
    CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;

/// Arguments of clone(2) and clone3(2), decoded.
pub struct CloneArgs {
    pub flags: u64,
    pub exit_signal: u32,
    pub stack: usize,
    pub parent_tid: usize,
    pub child_tid: usize,
    pub tls: usize,
}

/// clone: riscv64 passes (flags, stack, parent_tid, tls, child_tid)
/// (CONFIG_CLONE_BACKWARDS), x86_64 (flags, stack, parent_tid, child_tid, tls).
pub fn sys_clone(ctx: &mut Ctx, args: &Args) -> SysResult {
    let flags = args.get(0) as u64;
    let (tls, child_tid) = match ctx.kernel.arch() {
        Arch::Riscv64 => (args.get(3), args.get(4)),
        Arch::X86_64 => (args.get(4), args.get(3)),
    };
    let clone_args = CloneArgs {
        flags: flags & !CSIGNAL,
        exit_signal: (flags & CSIGNAL) as u32,
        stack: args.get(1),
        parent_tid: args.get(2),
        child_tid,
        tls,
    };
    do_clone(ctx, &clone_args)
}

/// The checks of `copy_process` that do not depend on namespaces.
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
    if flags & CLONE_NEW_ANY != 0 {
        // TODO(namespaces): the namespace issue implements these.
        log::warn!("clone: namespace flags {:#x} are not supported yet", flags & CLONE_NEW_ANY);
        return_errno_with_message!(EINVAL, "namespace flags are not supported yet");
    }
    if flags & CLONE_PIDFD != 0 {
        // TODO(pidfd): with the namespace issue.
        log::warn!("clone: CLONE_PIDFD is not supported yet");
        return_errno_with_message!(EINVAL, "CLONE_PIDFD is not supported yet");
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
    // RLIMIT_NPROC: "the number of extant processes (or, more precisely on
    // Linux, threads) for the real user ID" - getrlimit(2); root is exempt.
    let creds = parent.creds.lock().clone();
    let nproc = parent.rlimits.lock().cur(linux_object::process::rlimit::RLIMIT_NPROC);
    if creds.uid != 0 && linux_object::process::threads_of_user(creds.uid) as u64 >= nproc {
        return_errno!(EAGAIN);
    }
    let child: alloc::sync::Arc<Thread> = if flags & CLONE_THREAD != 0 {
        Thread::new_in(&parent, ctx.thread.signal_mask())?
    } else {
        let share = ShareFlags {
            vm: flags & CLONE_VM != 0,
            files: flags & CLONE_FILES != 0,
            fs: flags & CLONE_FS != 0,
            sighand: flags & CLONE_SIGHAND != 0,
        };
        parent.fork(share, args.exit_signal)?
    };
    let tid = child.tid();

    let mut regs = ctx.regs.boxed_clone();
    regs.set_return(0);
    if args.stack != 0 {
        regs.set_sp(args.stack);
    }
    if flags & CLONE_SETTLS != 0 {
        regs.set_tls(args.tls);
    }
    if flags & CLONE_PARENT_SETTID != 0 {
        UserPtr::<u32>::new(args.parent_tid).write(&mut parent.vm()?.lock(), &tid)?;
    }
    if flags & CLONE_CHILD_SETTID != 0 {
        UserPtr::<u32>::new(args.child_tid).write(&mut child.process().vm()?.lock(), &tid)?;
    }
    if flags & CLONE_CHILD_CLEARTID != 0 {
        child.set_clear_child_tid(args.child_tid);
    }
    let child_process = child.process().clone();
    ctx.kernel.spawn_thread(child, regs);

    if flags & CLONE_VFORK != 0 {
        // "the execution of the calling process is suspended until the child
        // releases its virtual memory resources via a call to execve(2) or
        // _exit(2)" - clone(2). Signals do not cut this short in Linux
        // (the wait is killable only); we wait until released.
        while !child_process.is_vfork_released() {
            ctx.kernel.block_on(
                &mut |waker| {
                    child_process.vfork_wait.register(waker);
                    child_process.is_vfork_released()
                },
                None,
            );
        }
    }
    Ok(tid as usize)
}
