//! Entering and leaving user mode.
//!
//! [`UserContext::run`] loads a user thread's registers and `sret`s; the next
//! trap of any kind lands back in `run`'s caller with the registers saved and
//! the cause returned. While user code runs, `sscratch` holds the kernel stack
//! pointer (with the context's address saved on that stack); in the kernel it
//! is 0, which is how the shared trap vector tells the two apart.
//!
//! The FP registers stay in the CPU across a trap and are saved only when
//! another thread is about to run, or when the kernel needs them (a signal
//! frame, a fork): see [`FpArea`]. This relies on the kernel never using
//! them itself, which `make test` checks in the kernel's code
//! (scripts/test.sh, "kernel FP use").

use riscv::register::{scause, stval};

/// A user thread's registers. `x[i]` is register `xi`; `x[0]` is unused.
#[repr(C)]
#[derive(Clone, Debug)]
pub struct UserContext {
    pub x: [usize; 32],
    pub sstatus: usize,
    pub sepc: usize,
    pub fp: FpArea,
}

/// The FP registers and fcsr as memory holds them.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct FpRegs {
    pub f: [u64; 32],
    pub fcsr: u64,
}

/// A thread's FP state, kept in the CPU across traps (see `LazyFp`).
pub type FpArea = crate::arch::common::LazyFp<FpRegs>;

impl crate::arch::common::FpRegisters for FpRegs {
    unsafe fn save(image: *mut Self) {
        // SAFETY: the caller gives a writable FpRegs.
        unsafe { fp_save(image) }
    }
    unsafe fn restore(image: *const Self) {
        // SAFETY: any FpRegs is a valid state (fcsr's reserved bits are
        // ignored by fscsr).
        unsafe { fp_restore(image) }
    }
}

const SSTATUS_SPIE: usize = 1 << 5;
const SSTATUS_FS_INITIAL: usize = 1 << 13;

pub use crate::arch::common::TrapCause;

impl UserContext {
    /// A fresh thread that starts at `entry` with stack pointer `sp`.
    pub fn new(entry: usize, sp: usize) -> Self {
        let mut ctx = UserContext { x: [0; 32], sstatus: 0, sepc: entry, fp: FpArea::new(FpRegs::default()) };
        ctx.x[2] = sp;
        // User mode after sret (SPP = 0), interrupts on, FP usable.
        ctx.sstatus = SSTATUS_SPIE | SSTATUS_FS_INITIAL;
        ctx
    }

    pub fn ip(&self) -> usize {
        self.sepc
    }
    pub fn set_ip(&mut self, ip: usize) {
        self.sepc = ip;
    }
    pub fn sp(&self) -> usize {
        self.x[2]
    }
    pub fn set_sp(&mut self, sp: usize) {
        self.x[2] = sp;
    }
    pub fn set_tls(&mut self, tls: usize) {
        self.x[4] = tls;
    }
    /// The syscall number (a7) and arguments (a0..a5).
    pub fn syscall_args(&self) -> (usize, [usize; 6]) {
        (self.x[17], [self.x[10], self.x[11], self.x[12], self.x[13], self.x[14], self.x[15]])
    }
    pub fn set_return(&mut self, value: usize) {
        self.x[10] = value;
    }
    pub fn return_value(&self) -> usize {
        self.x[10]
    }
    /// riscv64 has no GS base.
    pub fn gs_base(&self) -> Option<usize> {
        None
    }
    pub fn set_gs_base(&mut self, _base: usize) -> bool {
        false
    }
    /// The thread pointer (tp).
    pub fn tls(&self) -> usize {
        self.x[4]
    }
    /// Steps over the `ecall` instruction (4 bytes).
    pub fn skip_syscall_instruction(&mut self) {
        self.sepc += 4;
    }
    /// Backs up to re-run the `ecall` (syscall restart) as syscall `nr`
    /// (a7: the same call, or restart_syscall), with the first argument
    /// back in a0 (the return value overwrote it).
    pub fn restart_syscall(&mut self, nr: usize, arg0: usize) {
        self.sepc -= 4;
        self.x[17] = nr;
        self.x[10] = arg0;
    }

    /// Runs user code until the next trap.
    pub fn run(&mut self) -> TrapCause {
        self.fp.load();
        // SAFETY: `self` is a valid context whose sstatus has SPP = 0, so
        // `sret` enters user mode; `run_user` saves and restores every
        // callee-saved register and returns on the next trap.
        unsafe { run_user(self) };
        let cause = scause::read();
        let addr = stval::read();
        match (cause.is_interrupt(), cause.code()) {
            (true, 5) => TrapCause::Timer,
            (false, 8) => TrapCause::Syscall,
            (false, 12) => TrapCause::PageFault { addr, write: false, exec: true },
            (false, 13) => TrapCause::PageFault { addr, write: false, exec: false },
            (false, 15) => TrapCause::PageFault { addr, write: true, exec: false },
            (false, 2) => TrapCause::IllegalInstruction { addr: self.sepc },
            (false, 3) => TrapCause::Breakpoint,
            (false, 0 | 4 | 6) => TrapCause::Misaligned { addr },
            (false, 1 | 5 | 7) => TrapCause::AccessFault { addr },
            (interrupt, code) => TrapCause::Other { code, interrupt },
        }
    }
}

// The assembly touches only the register words at the start of a
// UserContext, never the FP area behind its Box.
#[allow(improper_ctypes)]
unsafe extern "C" {
    fn run_user(ctx: &mut UserContext);
    /// Stores f0-f31 and fcsr at `regs`.
    fn fp_save(regs: *mut FpRegs);
    /// Loads f0-f31 and fcsr from `regs`.
    fn fp_restore(regs: *const FpRegs);
}

// Kernel frame pushed by run_user: ra, s0..s11, ctx, scratch (15 words).
core::arch::global_asm!(
    r#"
    .section .text
    .option push
    .option arch, +d
    .globl run_user
    .balign 4
run_user:
    # No interrupt may arrive between setting sscratch and sret: the vector
    # would take it for a trap from user mode.
    csrci   sstatus, 2
    addi    sp, sp, -15*8
    sd      ra, 0*8(sp)
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11
    sd      s\n, (\n+1)*8(sp)
    .endr
    sd      a0, 13*8(sp)
    csrw    sscratch, sp

    ld      t0, 32*8(a0)
    csrw    sstatus, t0
    ld      t0, 33*8(a0)
    csrw    sepc, t0
    ld      x1, 1*8(a0)
    .irp n, 2,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld      x\n, \n*8(a0)
    .endr
    ld      x10, 10*8(a0)
    sret

    .globl trap_vector
    .balign 4
trap_vector:
    csrrw   sp, sscratch, sp
    bnez    sp, 1f
    # From the kernel: sscratch was 0. Swap back and take the kernel path.
    csrrw   sp, sscratch, sp
    j       kernel_trap_entry
1:
    # From user: sp = the frame run_user pushed, sscratch = user sp.
    sd      t0, 14*8(sp)
    ld      t0, 13*8(sp)
    sd      x1, 1*8(t0)
    .irp n, 3,4,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd      x\n, \n*8(t0)
    .endr
    ld      t1, 14*8(sp)
    sd      t1, 5*8(t0)
    csrr    t1, sscratch
    sd      t1, 2*8(t0)
    csrw    sscratch, zero
    csrr    t1, sepc
    sd      t1, 33*8(t0)
    csrr    t1, sstatus
    sd      t1, 32*8(t0)

    ld      ra, 0*8(sp)
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11
    ld      s\n, (\n+1)*8(sp)
    .endr
    addi    sp, sp, 15*8
    ret

    .globl fp_save
    .balign 4
fp_save:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fsd     f\n, \n*8(a0)
    .endr
    frcsr   t0
    sd      t0, 32*8(a0)
    ret

    .globl fp_restore
    .balign 4
fp_restore:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fld     f\n, \n*8(a0)
    .endr
    ld      t0, 32*8(a0)
    fscsr   t0
    ret
    .option pop
    "#
);

/// Kernel-thread context: what `context_switch` saves (callee-saved only).
#[repr(C)]
#[derive(Default, Debug)]
pub struct KernelContext {
    pub ra: usize,
    pub sp: usize,
    pub s: [usize; 12],
}

impl KernelContext {
    /// A context to save into (the scheduler's own).
    pub const EMPTY: KernelContext = KernelContext { ra: 0, sp: 0, s: [0; 12] };

    /// A context that starts executing `entry` on the stack ending at `stack_top`.
    pub fn new(entry: extern "C" fn() -> !, stack_top: usize) -> Self {
        KernelContext { ra: entry as *const () as usize, sp: stack_top, s: [0; 12] }
    }
}

unsafe extern "C" {
    /// Saves the current kernel context into `from` and resumes `to`.
    pub fn context_switch(from: *mut KernelContext, to: *const KernelContext);
}

core::arch::global_asm!(
    r#"
    .section .text
    .globl context_switch
    .balign 4
context_switch:
    sd      ra, 0*8(a0)
    sd      sp, 1*8(a0)
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11
    sd      s\n, (\n+2)*8(a0)
    .endr
    ld      ra, 0*8(a1)
    ld      sp, 1*8(a1)
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11
    ld      s\n, (\n+2)*8(a1)
    .endr
    ret
    "#
);
