//! What every task runs: enter user mode, handle the trap, repeat.
//! Mirrors the shape of Linux's `ret_to_user` / `do_trap_*` paths.

use linux_object::Errno;
use linux_object::mm::Access;
use linux_object::signal::{SEGV_ACCERR, SEGV_MAPERR, SI_KERNEL, SIGBUS, SIGILL, SIGKILL, SIGSEGV, SIGTRAP, SigInfo};
use linux_object::process::WaitStatus;
use linux_syscall::{Ctx, dispatch};

use super::signal::{self, Interrupted};
use super::{KERNEL, sched};
use crate::arch::user::{TrapCause, UserContext};
use crate::arch::{paging, timer};

/// First code of a new task (its `ra` in the start context).
pub extern "C" fn task_entry() -> ! {
    // Everything the thread owns lives in `run_thread`'s frame, so it is
    // released before this stack is abandoned.
    run_thread();
    sched::exit_current()
}

fn run_thread() {
    let task = sched::current();
    let mut regs: UserContext = task.initial.lock().take().expect("task started twice");
    let thread = task.thread.clone();
    // CPU time is measured on the task's own clock (`Task::cpu_ns`), which
    // stops while it waits: a sleep or a turn in the run queue is not
    // system time.
    let mut left_user = task.cpu_ns();
    let mut interrupted: Option<Interrupted> = None;
    let mut last_token = 0;
    // The signal-event counts after the last full check: while they stand
    // still and no call is to be restarted, there is nothing to deliver,
    // no stop and no exit, and the checks are skipped.
    let mut checked: Option<(u64, u64)> = None;
    loop {
        task.check_stack();
        if sched::take_kernel_tick() {
            sched::on_tick();
        }
        let process = thread.process();
        let events = thread.signal_events();
        let quiet = interrupted.is_none() && checked == Some(events);
        if !quiet && process.group_exit_status().is_some() {
            let mut ctx = Ctx { kernel: &KERNEL, thread: &thread, regs: &mut regs };
            linux_syscall::process::exit_thread(&mut ctx, WaitStatus::Exited(0));
        }
        if !quiet && is_exited(&thread) {
            break;
        }
        let now = crate::arch::timer::now_ns();
        let entered = task.cpu_ns_at(now);
        thread.add_cpu_time(0, entered.saturating_sub(left_user));
        if !quiet {
            signal::deliver_signals(&thread, &mut regs, interrupted.take());
            // The SIGKILL that may end the wait is delivered next time round.
            let _ = signal::wait_while_stopped(&thread);
            if is_exited(&thread) {
                break;
            }
            checked = Some(events);
        }
        // The address space goes on the MMU last, just before user mode:
        // delivering a signal can block (a SIGSTOP stops here until
        // SIGCONT), and whatever ran meanwhile left its own table active.
        // Linux switches the address space with every task switch
        // (`switch_mm` in `context_switch`); here every task switch ends
        // on this path before user code runs again.
        let token = process.vm_token();
        if token == 0 {
            break;
        }
        paging::activate_token(token);
        if token != last_token {
            // A new address space (a new process or execve) may hold code
            // the kernel just wrote: make the I-cache see it.
            crate::arch::sync_instruction_cache();
            last_token = token;
        }
        // The clock read above is recent unless the checks ran (a stop
        // can wait for minutes there).
        if quiet {
            crate::backtrace::touch_at(now);
        } else {
            crate::backtrace::touch();
        }
        // User mode runs with interrupts on and the trap entry turns them
        // off; the kernel takes timer interrupts too (the tick count and
        // the soft-lockup watchdog: no handler takes a lock), so they are
        // on while a task is in the kernel, and off across the switch to
        // user mode.
        crate::arch::disable_interrupts();
        let cause = regs.run();
        crate::arch::enable_interrupts();
        left_user = task.cpu_ns();
        thread.add_cpu_time(left_user.saturating_sub(entered), 0);
        log::trace!("tid {}: {:?} at pc {:#x}", thread.tid(), cause, regs.ip());
        match cause {
            TrapCause::Syscall => {
                regs.skip_syscall_instruction();
                let (nr, args) = regs.syscall_args();
                let mut ctx = Ctx { kernel: &KERNEL, thread: &thread, regs: &mut regs };
                let ret = dispatch(&mut ctx, nr, args);
                regs.set_return(ret);
                for errno in [Errno::ERESTARTSYS, Errno::ERESTARTNOHAND, Errno::ERESTART_RESTARTBLOCK] {
                    if ret == errno.as_syscall_return() as usize {
                        interrupted = Some(Interrupted { errno, orig_arg0: args[0], orig_nr: nr });
                    }
                }
            }
            TrapCause::Timer => {
                timer::on_interrupt();
                sched::on_tick();
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
                match result {
                    Ok(_) => {}
                    Err(err) if err.errno == Errno::ENOMEM => out_of_memory(process),
                    Err(err) if err.errno == Errno::EIO => {
                        // A file page past the end of its file (or no room
                        // for it): VM_FAULT_SIGBUS.
                        log::info!("pid {}: {:?} fault at {addr:#x}: {} → SIGBUS", process.pid(), access, err);
                        fault_signal(&thread, SIGBUS, 2, addr); // BUS_ADRERR
                    }
                    Err(err) => {
                        log::info!(
                            "pid {} tid {}: {:?} fault at {addr:#x} (pc {:#x}): {} → SIGSEGV",
                            process.pid(),
                            thread.tid(),
                            access,
                            regs.ip(),
                            err
                        );
                        let code = if err.msg == Some("no mapping") { SEGV_MAPERR } else { SEGV_ACCERR };
                        fault_signal(&thread, SIGSEGV, code, addr);
                    }
                }
            }
            TrapCause::IllegalInstruction { addr } => {
                log::info!("pid {}: illegal instruction at {addr:#x} → SIGILL", process.pid());
                fault_signal(&thread, SIGILL, 1, addr); // ILL_ILLOPC
            }
            TrapCause::Misaligned { addr } => {
                log::info!("pid {}: misaligned access at {addr:#x} → SIGBUS", process.pid());
                fault_signal(&thread, SIGBUS, 1, addr); // BUS_ADRALN
            }
            TrapCause::AccessFault { addr } => {
                log::info!("pid {}: access fault at {addr:#x} → SIGSEGV", process.pid());
                fault_signal(&thread, SIGSEGV, SEGV_ACCERR, addr);
            }
            TrapCause::Breakpoint => fault_signal(&thread, SIGTRAP, 1, regs.ip()), // TRAP_BRKPT
            TrapCause::FloatingPoint { addr } => {
                log::info!("pid {}: arithmetic exception at {addr:#x} → SIGFPE", process.pid());
                fault_signal(&thread, linux_object::signal::SIGFPE, 1, addr); // FPE_INTDIV
            }
            TrapCause::Other { code, interrupt } => {
                log::warn!("unexpected trap from user: code {code} interrupt {interrupt}");
            }
        }
    }
    if thread.process().pid() == linux_object::process::INIT_PID {
        init_exited(&thread);
    }
}

/// A page fault found no free frame: the OOM killer (mm/oom_kill.c's
/// `out_of_memory`) kills the process with the highest badness, never
/// init or one with oom_score_adj -1000; the faulting process retries its
/// access once the victim's memory is back. With nothing to kill, the
/// faulting process itself goes, unless it is init, which waits.
fn out_of_memory(faulting: &alloc::sync::Arc<linux_object::process::Process>) {
    let (_, total) = crate::memory::frame::stats();
    let victim = linux_object::process::oom::select_victim(total as u64)
        .or_else(|| (faulting.pid() != linux_object::process::INIT_PID).then(|| faulting.clone()));
    match victim {
        Some(victim) => {
            let rss_kb = victim.vm().map_or(0, |vm| vm.lock().resident_bytes() / 1024);
            log::warn!(
                "out of memory: killing pid {} ({}), anon-rss {rss_kb} kB, oom_score_adj {}",
                victim.pid(),
                victim.comm(),
                victim.oom_adj().adj
            );
            victim.send_signal(SigInfo::new(SIGKILL, SI_KERNEL));
        }
        None => log::warn!("out of memory and no killable process; pid {} waits", faulting.pid()),
    }
    // Let the victim run to its death and free its memory.
    sched::yield_now();
}

fn is_exited(thread: &linux_object::process::Thread) -> bool {
    thread.is_exited()
}

/// A synchronous fault: the signal goes to the faulting thread. If it is
/// blocked or ignored, Linux's `force_sig_info` unblocks it and resets it
/// to the default, so the fault cannot loop forever.
fn fault_signal(thread: &alloc::sync::Arc<linux_object::process::Thread>, sig: u32, code: i32, addr: usize) {
    let sighand = thread.process().sighand();
    let handler = sighand.lock().get(sig).handler;
    let blocked = thread.signal_mask().contains(sig);
    if blocked || handler == linux_object::signal::SIG_IGN {
        sighand.lock().reset(sig);
        let mut mask = thread.signal_mask();
        mask.remove(sig);
        thread.set_signal_mask(mask);
    }
    let mut info = SigInfo::new(sig, code);
    info.addr = addr;
    thread.send_signal(info);
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
    super::report_stack_depth(Some(&sched::current()));
    crate::println!("nsCore: init exited with status {code}; powering off");
    crate::arch::power::shutdown(code)
}
