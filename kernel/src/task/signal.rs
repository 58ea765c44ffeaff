//! Delivering signals on the way back to user mode. Mirrors
//! `get_signal`/`handle_signal` (kernel/signal.c, arch/riscv/kernel/signal.c):
//! take the next unblocked signal, apply its default action or set up a
//! handler frame, and decide whether an interrupted syscall restarts.

use alloc::sync::Arc;

use linux_object::Errno;
use linux_object::process::{ProcessState, Thread, WaitStatus};
use linux_object::signal::{
    self, DefaultAction, SA_NODEFER, SA_ONSTACK, SA_RESETHAND, SA_RESTART, SA_RESTORER, SIG_DFL, SIG_IGN, SigInfo,
    default_action,
};
use linux_syscall::Ctx;

use super::KERNEL;
use super::sched;
use crate::arch::signal::{Delivery, setup_frame};
use crate::arch::user::UserContext;

/// An interrupted syscall, for restart decisions: its return value and the
/// first argument register to restore if it is re-run.
pub struct Interrupted {
    pub errno: Errno,
    pub orig_arg0: usize,
    /// The syscall number (x86-64 needs it back in rax to restart).
    pub orig_nr: usize,
}

/// Runs before every return to user mode.
pub fn deliver_signals(thread: &Arc<Thread>, regs: &mut UserContext, mut interrupted: Option<Interrupted>) {
    let process = thread.process().clone();
    loop {
        let Some(info) = thread.dequeue_signal() else { break };
        let sig = info.signo;
        let action = process.sighand().lock().get(sig);
        if action.handler == SIG_IGN && sig != signal::SIGKILL {
            continue;
        }
        if action.handler == SIG_DFL || sig == signal::SIGKILL || sig == signal::SIGSTOP {
            // A namespace init takes the default action only for SIGKILL
            // and SIGSTOP (and its own faults): one that was blocked when
            // sent was queued, and is dropped here if no handler came
            // (get_signal's SIGNAL_UNKILLABLE check, kernel/signal.c).
            let kernel_only = sig == signal::SIGKILL || sig == signal::SIGSTOP;
            if process.is_ns_init() && !kernel_only && !info.is_fault() {
                continue;
            }
            match default_action(sig) {
                DefaultAction::Ignore | DefaultAction::Continue => continue,
                DefaultAction::Stop => {
                    stop_process(thread, sig);
                    continue;
                }
                DefaultAction::Term | DefaultAction::Core => {
                    // We write no core files, so WCOREDUMP stays false, as
                    // on Linux with RLIMIT_CORE = 0.
                    let mut ctx = Ctx { kernel: &KERNEL, thread, regs };
                    linux_syscall::process::exit_group(&mut ctx, WaitStatus::Signaled { signal: sig, core: false });
                    return;
                }
            }
        }
        // A handler runs: decide about the interrupted syscall first.
        if let Some(call) = interrupted.take() {
            if call.errno == Errno::ERESTARTSYS && action.flags & SA_RESTART != 0 {
                regs.restart_syscall(call.orig_nr, call.orig_arg0);
            } else {
                regs.set_return(Errno::EINTR.as_syscall_return() as usize);
            }
        }
        if !setup_handler(thread, regs, &info, &action) {
            log::info!("pid {}: cannot build a signal frame for signal {sig} → SIGSEGV", process.pid());
            let mut ctx = Ctx { kernel: &KERNEL, thread, regs };
            linux_syscall::process::exit_group(&mut ctx, WaitStatus::Signaled { signal: signal::SIGSEGV, core: false });
            return;
        }
        if action.flags & SA_RESETHAND != 0 {
            process.sighand().lock().reset(sig);
        }
        return;
    }
    // No handler ran: an interrupted restartable call simply runs again,
    // and a timed wait continues as restart_syscall(2) from its restart
    // block (arch/riscv/kernel/signal.c `handle_signal`/`arch_do_signal_or_restart`).
    if let Some(call) = interrupted {
        match call.errno {
            Errno::ERESTARTSYS | Errno::ERESTARTNOHAND => regs.restart_syscall(call.orig_nr, call.orig_arg0),
            Errno::ERESTART_RESTARTBLOCK => {
                let nr = crate::arch::SYSCALL_ARCH.syscall_number("restart_syscall").unwrap_or(call.orig_nr);
                regs.restart_syscall(nr, call.orig_arg0);
            }
            _ => {}
        }
    }
    // A temporary mask (sigsuspend) ends here if no handler took it; what
    // the old mask lets through is delivered next time round.
    let mut signals = thread.signals();
    if let Some(saved) = signals.saved_mask.take() {
        signals.mask = saved;
        drop(signals);
        thread.note_signal_event();
    }
}

fn setup_handler(thread: &Arc<Thread>, regs: &mut UserContext, info: &SigInfo, action: &signal::SigAction) -> bool {
    let process = thread.process();
    let Ok(vm) = process.vm() else { return false };
    let (old_mask, altstack) = {
        let mut signals = thread.signals();
        let old = signals.saved_mask.take().unwrap_or(signals.mask);
        let mut mask = signals.mask.0 | action.mask.0;
        if action.flags & SA_NODEFER == 0 {
            mask |= signal::SigSet::of(info.signo).0;
        }
        signals.mask = signal::SigSet(mask).without_unblockable();
        (old, signals.altstack)
    };
    let sp = regs.sp();
    let stack_top = (action.flags & SA_ONSTACK != 0 && !altstack.disabled && !altstack.is_on(sp))
        .then(|| altstack.top());
    if stack_top.is_some() && altstack.autodisarm {
        thread.signals().altstack = signal::AltStack::new();
    }
    let restorer = if action.flags & SA_RESTORER != 0 {
        action.restorer
    } else {
        linux_object::process::elf::SIGRETURN_TRAMPOLINE
    };
    let siginfo = info.to_bytes();
    let delivery = Delivery {
        signal: info.signo,
        handler: action.handler,
        siginfo: &siginfo,
        old_mask: old_mask.0,
        stack_top,
        altstack: (altstack.sp, altstack.flags(sp), altstack.size),
        restorer,
    };
    setup_frame(regs, &mut vm.lock(), &delivery).is_ok()
}

/// Group stop for the other threads: a thread of a stopped process stops
/// too before it returns to user mode, until SIGCONT (or SIGKILL) - every
/// thread takes part in Linux's `do_signal_stop`.
/// Returns false if a SIGKILL ended the wait.
pub fn wait_while_stopped(thread: &Arc<Thread>) -> bool {
    let process = thread.process();
    while matches!(process.state(), ProcessState::Stopped { .. }) {
        let result = sched::block_on(
            &mut |_| !matches!(process.state(), ProcessState::Stopped { .. }),
            None,
            &|| thread.pending_signals().contains(signal::SIGKILL) || process.shared_pending().contains(signal::SIGKILL),
        );
        if result == linux_syscall::BlockResult::Interrupted {
            return false;
        }
    }
    true
}

/// Default action "stop": the process stops until SIGCONT (or SIGKILL),
/// and its parent hears about it.
fn stop_process(thread: &Arc<Thread>, sig: u32) {
    let process = thread.process().clone();
    process.set_stopped(Some(sig));
    if let Some(parent) = process.parent() {
        linux_syscall::signal::notify_parent(&parent, &process, signal::SIGCHLD, WaitStatus::Stopped(sig));
    }
    // Woken by SIGCONT (which resumes the process) or SIGKILL.
    if !wait_while_stopped(thread) {
        process.set_stopped(None);
    }
    if let Some(parent) = process.parent() {
        if process.is_continued() {
            linux_syscall::signal::notify_parent(&parent, &process, signal::SIGCHLD, WaitStatus::Continued);
        }
    }
}
