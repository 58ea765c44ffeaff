//! Signal frames on x86-64, laid out as Linux's `struct rt_sigframe`
//! (arch/x86/kernel/signal_64.c, uapi/asm/sigcontext.h): the return
//! address (`pretcode`), a `ucontext` whose `uc_mcontext` is the 256-byte
//! `struct sigcontext`, the 128-byte siginfo; the 512-byte `fxsave` image
//! sits above, 64-byte aligned, and `sigcontext.fpstate` points at it.
//!
//! The handler starts with rdi = signal, rsi = &info, rdx = &uc, and
//! `rsp` = the frame, so its `ret` pops `pretcode`: SA_RESTORER's
//! restorer (musl's `__restore_rt`: `mov $15, %eax; syscall`), or our
//! trampoline page with the same code.

use linux_object::mm::VmSpace;

use super::user::UserContext;

const UC_OFFSET: usize = 8;
const UC_STACK: usize = 16;
const UC_MCONTEXT: usize = 40;
const UC_SIGMASK: usize = 296;
const UCONTEXT_SIZE: usize = 304;
const INFO_OFFSET: usize = UC_OFFSET + UCONTEXT_SIZE;
pub const FRAME_SIZE: usize = INFO_OFFSET + 128;
const FP_SIZE: usize = 512;
/// The ABI's red zone below rsp that a handler must not clobber.
const RED_ZONE: usize = 128;

/// Offsets of `struct sigcontext` fields (the general registers follow
/// R8 in `gprs` order).
mod sc {
    pub const R8: usize = 0;
    pub const EFLAGS: usize = 136;
    pub const CS: usize = 144;
    pub const ERR: usize = 152;
    pub const TRAPNO: usize = 160;
    pub const OLDMASK: usize = 168;
    pub const CR2: usize = 176;
    pub const FPSTATE: usize = 184;
}

/// `mov $15, %eax; syscall` (rt_sigreturn), padded with int3.
pub const TRAMPOLINE_CODE: [u8; 8] = [0xb8, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xcc];

pub use crate::arch::common::Delivery;

use crate::arch::common::{get_u64 as get, put_u64 as put};

/// The general registers in `struct sigcontext` order (r8..r15, rdi, rsi,
/// rbp, rbx, rdx, rax, rcx, rsp, rip).
fn gprs(regs: &mut UserContext) -> [&mut usize; 17] {
    [
        &mut regs.r8,
        &mut regs.r9,
        &mut regs.r10,
        &mut regs.r11,
        &mut regs.r12,
        &mut regs.r13,
        &mut regs.r14,
        &mut regs.r15,
        &mut regs.rdi,
        &mut regs.rsi,
        &mut regs.rbp,
        &mut regs.rbx,
        &mut regs.rdx,
        &mut regs.rax,
        &mut regs.rcx,
        &mut regs.rsp,
        &mut regs.rip,
    ]
}

/// Pushes a frame and points `regs` at the handler. On `EFAULT` (no room on
/// the stack) the caller kills the process with SIGSEGV, as Linux does.
pub fn setup_frame(regs: &mut UserContext, vm: &mut VmSpace, d: &Delivery) -> linux_object::Result<()> {
    let top = match d.stack_top {
        Some(top) => top,
        None => regs.rsp.checked_sub(RED_ZONE).ok_or(linux_object::Errno::EFAULT)?,
    };
    let fp = top.checked_sub(FP_SIZE).ok_or(linux_object::Errno::EFAULT)? & !63;
    let frame = (fp.checked_sub(FRAME_SIZE).ok_or(linux_object::Errno::EFAULT)? & !15)
        .checked_sub(8)
        .ok_or(linux_object::Errno::EFAULT)?;
    let mut buf = [0u8; FRAME_SIZE];
    put(&mut buf, 0, d.restorer as u64);
    let uc = UC_OFFSET;
    put(&mut buf, uc + UC_STACK, d.altstack.0 as u64);
    buf[uc + UC_STACK + 8..uc + UC_STACK + 12].copy_from_slice(&d.altstack.1.to_le_bytes());
    put(&mut buf, uc + UC_STACK + 16, d.altstack.2 as u64);
    let mc = uc + UC_MCONTEXT;
    let flags = regs.rflags as u64;
    let (trapno, err, cr2) = (regs.vector as u64, regs.error_code as u64, regs.cr2 as u64);
    for (i, reg) in gprs(regs).into_iter().enumerate() {
        put(&mut buf, mc + sc::R8 + i * 8, *reg as u64);
    }
    put(&mut buf, mc + sc::EFLAGS, flags);
    buf[mc + sc::CS..mc + sc::CS + 2].copy_from_slice(&(super::trap::USER_CS).to_le_bytes());
    buf[mc + sc::CS + 6..mc + sc::CS + 8].copy_from_slice(&(super::trap::USER_SS).to_le_bytes());
    put(&mut buf, mc + sc::ERR, err);
    put(&mut buf, mc + sc::TRAPNO, trapno);
    put(&mut buf, mc + sc::OLDMASK, d.old_mask);
    put(&mut buf, mc + sc::CR2, cr2);
    put(&mut buf, mc + sc::FPSTATE, fp as u64);
    put(&mut buf, uc + UC_SIGMASK, d.old_mask);
    buf[INFO_OFFSET..INFO_OFFSET + 128].copy_from_slice(d.siginfo);
    vm.write_bytes(fp, &regs.fx.get().0)?;
    vm.write_bytes(frame, &buf)?;

    regs.rsp = frame;
    regs.rip = d.handler;
    regs.rdi = d.signal as usize;
    regs.rsi = frame + INFO_OFFSET;
    regs.rdx = frame + uc;
    regs.rax = 0;
    // The handler starts with the direction flag clear (SysV ABI).
    regs.rflags &= !(1 << 10);
    Ok(())
}

/// rt_sigreturn: the handler's `ret` popped `pretcode`, so the frame is
/// 8 bytes below rsp. Reloads the registers and returns the mask to restore.
pub fn restore_frame(regs: &mut UserContext, vm: &mut VmSpace) -> linux_object::Result<u64> {
    let frame = regs.rsp.checked_sub(8).ok_or(linux_object::Errno::EFAULT)?;
    let mut buf = [0u8; FRAME_SIZE];
    vm.read_bytes(frame, &mut buf)?;
    let mc = UC_OFFSET + UC_MCONTEXT;
    for (i, reg) in gprs(regs).into_iter().enumerate() {
        *reg = get(&buf, mc + sc::R8 + i * 8) as usize;
    }
    // Only the flags user code may change (CF PF AF ZF SF TF DF OF, AC).
    const USER_FLAGS: usize = 0x40dd5;
    regs.rflags = (regs.rflags & !USER_FLAGS) | (get(&buf, mc + sc::EFLAGS) as usize & USER_FLAGS);
    let fp = get(&buf, mc + sc::FPSTATE) as usize;
    if fp != 0 {
        let mut fx = [0u8; FP_SIZE];
        vm.read_bytes(fp, &mut fx)?;
        // MXCSR bits above 15 are reserved: loading them would fault.
        let mxcsr = u32::from_le_bytes([fx[24], fx[25], fx[26], fx[27]]) & 0xffff;
        fx[24..28].copy_from_slice(&mxcsr.to_le_bytes());
        regs.fx.set(super::user::FxImage(fx));
    }
    Ok(get(&buf, UC_OFFSET + UC_SIGMASK))
}
