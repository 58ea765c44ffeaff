//! Signal frames on riscv64, laid out as Linux's `struct rt_sigframe`
//! (arch/riscv/kernel/signal.c): a 128-byte siginfo, then a `ucontext`
//! whose `uc_mcontext` holds the registers (pc first, then x1..x31) and
//! the D-extension FP state.
//!
//! Handlers return through a two-instruction trampoline
//! (`li a7, 139; ecall` — rt_sigreturn) on a page mapped into every process,
//! as Linux's vDSO provides `__vdso_rt_sigreturn`.

use linux_object::mm::VmSpace;

use super::user::UserContext;

const SIGINFO_SIZE: usize = 128;
/// Offsets inside `struct ucontext` (uc_flags, uc_link, uc_stack, uc_sigmask,
/// 120 bytes of padding for a future larger sigset, then uc_mcontext at 176
/// because `struct sigcontext` is 16-byte aligned).
const UC_STACK: usize = 16;
const UC_SIGMASK: usize = 40;
const UC_MCONTEXT: usize = 176;
/// `struct sigcontext`: 32 words of `user_regs_struct`, then the FP union
/// (`__riscv_q_ext_state`, 528 bytes) of which we fill the D part.
const SC_FPREGS: usize = 256;
const UCONTEXT_SIZE: usize = UC_MCONTEXT + SC_FPREGS + 528;
pub const FRAME_SIZE: usize = SIGINFO_SIZE + UCONTEXT_SIZE;

/// The code of the sigreturn trampoline: `li a7, 139` (addi a7, zero, 139)
/// and `ecall`.
pub const TRAMPOLINE_CODE: [u8; 8] = {
    let li: u32 = (139 << 20) | (17 << 7) | 0x13;
    let ecall: u32 = 0x73;
    let a = li.to_le_bytes();
    let b = ecall.to_le_bytes();
    [a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3]]
};

pub use crate::arch::common::Delivery;

use crate::arch::common::{get_u64 as get, put_u64 as put};

/// Pushes a frame and points `regs` at the handler. On `EFAULT` (no room on
/// the stack) the caller kills the process with SIGSEGV, as Linux does.
pub fn setup_frame(regs: &mut UserContext, vm: &mut VmSpace, d: &Delivery) -> linux_object::Result<()> {
    let top = d.stack_top.unwrap_or(regs.x[2]);
    let frame = (top.checked_sub(FRAME_SIZE).ok_or(linux_object::Errno::EFAULT)?) & !15;
    let mut buf = [0u8; FRAME_SIZE];
    buf[..SIGINFO_SIZE].copy_from_slice(d.siginfo);
    let uc = SIGINFO_SIZE;
    put(&mut buf, uc + UC_STACK, d.altstack.0 as u64);
    buf[uc + UC_STACK + 8..uc + UC_STACK + 12].copy_from_slice(&d.altstack.1.to_le_bytes());
    put(&mut buf, uc + UC_STACK + 16, d.altstack.2 as u64);
    put(&mut buf, uc + UC_SIGMASK, d.old_mask);
    let mc = uc + UC_MCONTEXT;
    put(&mut buf, mc, regs.sepc as u64);
    for i in 1..32 {
        put(&mut buf, mc + i * 8, regs.x[i] as u64);
    }
    let fp = regs.fp.get();
    for i in 0..32 {
        put(&mut buf, mc + SC_FPREGS + i * 8, fp.f[i]);
    }
    buf[mc + SC_FPREGS + 256..mc + SC_FPREGS + 260].copy_from_slice(&(fp.fcsr as u32).to_le_bytes());
    vm.write_bytes(frame, &buf)?;

    regs.x[2] = frame;
    regs.x[1] = d.restorer;
    regs.x[10] = d.signal as usize;
    regs.x[11] = frame;
    regs.x[12] = frame + uc;
    regs.sepc = d.handler;
    Ok(())
}

/// rt_sigreturn: reloads the registers saved at `sp` and returns the signal
/// mask to restore.
pub fn restore_frame(regs: &mut UserContext, vm: &mut VmSpace) -> linux_object::Result<u64> {
    let frame = regs.x[2];
    let mut buf = [0u8; FRAME_SIZE];
    vm.read_bytes(frame, &mut buf)?;
    let uc = SIGINFO_SIZE;
    let mc = uc + UC_MCONTEXT;
    regs.sepc = get(&buf, mc) as usize;
    for i in 1..32 {
        regs.x[i] = get(&buf, mc + i * 8) as usize;
    }
    let mut fp = super::user::FpRegs::default();
    for i in 0..32 {
        fp.f[i] = get(&buf, mc + SC_FPREGS + i * 8);
    }
    let mut fcsr = [0u8; 4];
    fcsr.copy_from_slice(&buf[mc + SC_FPREGS + 256..mc + SC_FPREGS + 260]);
    fp.fcsr = u32::from_le_bytes(fcsr) as u64;
    regs.fp.set(fp);
    Ok(get(&buf, uc + UC_SIGMASK))
}
