//! What every task runs: enter user mode, handle the trap, repeat.
//! Mirrors the shape of Linux's `ret_to_user` / `do_trap_*` paths.

use linux_object::mm::Access;
use linux_object::process::WaitStatus;
use linux_syscall::{Ctx, dispatch};

use super::{KERNEL, sched};
use crate::arch::user::{TrapCause, UserContext};
use crate::arch::{paging, timer};

/// First code of a new task (its `ra` in the start context).
pub extern "C" fn task_entry() -> ! {
    let task = sched::current();
    let mut regs: UserContext = task.initial.lock().take().expect("task started twice");
    let thread = task.thread.clone();
    drop(task);
    let mut left_user = timer::now_ns();
    loop {
        let process = thread.process().clone();
        if process.group_exit_status().is_some() {
            let mut ctx = Ctx { kernel: &KERNEL, thread: &thread, regs: &mut regs };
            linux_syscall::process::exit_thread(&mut ctx, WaitStatus::Exited(0));
        }
        if is_exited(&thread) {
            break;
        }
        match process.vm() {
            Ok(vm) => paging::activate_token(vm.lock().page_table_token()),
            Err(_) => break,
        }
        let entered = timer::now_ns();
        thread.add_cpu_time(0, entered.saturating_sub(left_user));
        let cause = regs.run();
        left_user = timer::now_ns();
        thread.add_cpu_time(left_user.saturating_sub(entered), 0);
        log::trace!("tid {}: {:?} at pc {:#x}", thread.tid(), cause, regs.ip());
        match cause {
            TrapCause::Syscall => {
                regs.skip_syscall_instruction();
                let (nr, args) = regs.syscall_args();
                let mut ctx = Ctx { kernel: &KERNEL, thread: &thread, regs: &mut regs };
                let ret = dispatch(&mut ctx, nr, args);
                regs.set_return(ret);
            }
            TrapCause::Timer => {
                timer::on_interrupt();
                sched::wake_sleepers();
                sched::yield_now();
            }
            TrapCause::PageFault { addr, write, exec } => {
                let access = if write {
                    Access::Write
                } else if exec {
                    Access::Execute
                } else {
                    Access::Read
                };
                let result = process.vm().and_then(|vm| vm.lock().handle_fault(addr, access));
                if let Err(err) = result {
                    log::info!(
                        "pid {} tid {}: {:?} fault at {addr:#x} (pc {:#x}): {} → SIGSEGV",
                        process.pid(),
                        thread.tid(),
                        access,
                        regs.ip(),
                        err
                    );
                    fatal_signal(&thread, &mut regs, 11);
                }
            }
            TrapCause::IllegalInstruction { addr } => {
                log::info!("pid {}: illegal instruction at {addr:#x} → SIGILL", process.pid());
                fatal_signal(&thread, &mut regs, 4);
            }
            TrapCause::Misaligned { addr } => {
                log::info!("pid {}: misaligned access at {addr:#x} → SIGBUS", process.pid());
                fatal_signal(&thread, &mut regs, 7);
            }
            TrapCause::AccessFault { addr } => {
                log::info!("pid {}: access fault at {addr:#x} → SIGSEGV", process.pid());
                fatal_signal(&thread, &mut regs, 11);
            }
            TrapCause::Breakpoint => fatal_signal(&thread, &mut regs, 5),
            TrapCause::Other { code, interrupt } => {
                log::warn!("unexpected trap from user: code {code} interrupt {interrupt}");
            }
        }
    }
    if thread.process().pid() == linux_object::process::INIT_PID {
        init_exited(&thread);
    }
    sched::exit_current()
}

fn is_exited(thread: &linux_object::process::Thread) -> bool {
    !thread.process().threads().iter().any(|t| t.tid() == thread.tid())
}

/// A synchronous fault with no handler: the whole process dies of `signal`
/// (with a core-dump bit for SIGSEGV/SIGILL/SIGBUS/SIGTRAP, as signal(7)
/// lists them). TODO(signals): deliver to a handler when one is installed.
fn fatal_signal(thread: &alloc::sync::Arc<linux_object::process::Thread>, regs: &mut UserContext, signal: u32) {
    let mut ctx = Ctx { kernel: &KERNEL, thread, regs };
    linux_syscall::process::exit_group(&mut ctx, WaitStatus::Signaled { signal, core: true });
}

/// "If the init process terminates, the kernel panics" in Linux; nsCore
/// powers off instead and reports init's exit status, which is how
/// `make run CMD=...` returns the command's status.
fn init_exited(thread: &linux_object::process::Thread) {
    let code = match thread.process().state() {
        linux_object::process::ProcessState::Zombie(WaitStatus::Exited(code)) => code,
        linux_object::process::ProcessState::Zombie(WaitStatus::Signaled { signal, .. }) => 128 + signal as u8,
        _ => 1,
    };
    crate::println!("nsCore: init exited with status {code}; powering off");
    crate::arch::power::shutdown(code)
}
