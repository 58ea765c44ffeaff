//! The kernel's implementation of `linux_syscall::Kernel` and of
//! `UserRegs` for the architecture's `UserContext`.

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::any::Any;
use core::task::Waker;

use linux_object::process::Thread;
use linux_object::process::elf::ElfArch;
use linux_syscall::{Arch, BlockResult, Kernel, UserRegs};

use super::sched;
use crate::arch::{self, user::UserContext};

pub struct KernelServices;

pub static KERNEL: KernelServices = KernelServices;

impl Kernel for KernelServices {
    fn arch(&self) -> Arch {
        arch::SYSCALL_ARCH
    }

    fn elf_arch(&self) -> ElfArch {
        arch::elf_arch()
    }

    fn spawn_thread(&self, thread: Arc<Thread>, regs: Box<dyn UserRegs>) {
        let regs = regs.as_any().downcast_ref::<UserContext>().expect("foreign register type").clone();
        super::spawn(thread, regs);
    }

    fn block_on(&self, ready: &mut dyn FnMut(&Waker) -> bool, deadline_ns: Option<u64>) -> BlockResult {
        let thread = sched::current().thread.clone();
        sched::block_on(ready, deadline_ns, &|| {
            thread.has_pending_signal() || thread.process().group_exit_status().is_some() || thread.is_exited()
        })
    }

    fn block_on_killable(&self, ready: &mut dyn FnMut(&Waker) -> bool, deadline_ns: Option<u64>) -> BlockResult {
        let thread = sched::current().thread.clone();
        sched::block_on(ready, deadline_ns, &|| {
            thread.has_fatal_signal() || thread.process().group_exit_status().is_some() || thread.is_exited()
        })
    }

    fn restore_signal_frame(&self, regs: &mut dyn UserRegs, vm: &mut linux_object::mm::VmSpace) -> linux_object::Result<u64> {
        let regs = regs.as_any_mut().downcast_mut::<UserContext>().ok_or(linux_object::Errno::EINVAL)?;
        crate::arch::signal::restore_frame(regs, vm)
    }

    fn yield_now(&self) {
        sched::yield_now();
    }

    fn power_off(&self, exit_code: u8) -> ! {
        arch::power::shutdown(exit_code)
    }
}

impl UserRegs for UserContext {
    fn ip(&self) -> usize {
        UserContext::ip(self)
    }
    fn set_ip(&mut self, ip: usize) {
        UserContext::set_ip(self, ip)
    }
    fn sp(&self) -> usize {
        UserContext::sp(self)
    }
    fn set_sp(&mut self, sp: usize) {
        UserContext::set_sp(self, sp)
    }
    fn set_tls(&mut self, tls: usize) {
        UserContext::set_tls(self, tls)
    }
    fn set_return(&mut self, value: usize) {
        UserContext::set_return(self, value)
    }
    fn return_value(&self) -> usize {
        UserContext::return_value(self)
    }
    fn tls(&self) -> usize {
        UserContext::tls(self)
    }
    fn gs_base(&self) -> Option<usize> {
        UserContext::gs_base(self)
    }
    fn set_gs_base(&mut self, base: usize) -> bool {
        UserContext::set_gs_base(self, base)
    }
    fn reset_for_exec(&mut self, entry: usize, sp: usize) {
        *self = UserContext::new(entry, sp);
    }
    fn boxed_clone(&self) -> Box<dyn UserRegs> {
        Box::new(self.clone())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
