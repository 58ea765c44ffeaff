//! Entering and leaving user mode on x86-64.
//!
//! A thread's [`UserContext`] is laid out exactly like the frame a trap
//! leaves: general registers, vector, error code, then the `iretq` frame
//! (rip, cs, rflags, rsp, ss). [`UserContext::run`] points the TSS's `rsp0`
//! just past that frame, so when user code traps the CPU pushes the iret
//! frame straight into the context and the stub (trap.rs) pushes the rest
//! after it; `user_trap_exit` then switches back to the kernel stack saved
//! by `run_user` and returns from it. `syscall` does not switch stacks, so
//! `syscall_entry` builds the same frame by hand. Leaving for user mode is
//! the mirror image: pop everything from the context and `iretq`.
//!
//! The kernel is built without SSE, so user FP/SSE state stays in the
//! registers while the kernel runs, and it stays there across a syscall or
//! fault of the same thread: it is saved (`fxsave`) only when another
//! thread is about to run, or when the kernel needs it (a signal frame, a
//! fork), and restored (`fxrstor`) only when a thread runs whose state is
//! not in the registers — Linux's deferred FPU restore
//! (`switch_fpu_prepare`, `TIF_NEED_FPU_LOAD`).

use super::trap::{SYSCALL_VECTOR, USER_CS, USER_SS};

/// The 512-byte `fxsave` image.
#[repr(C, align(16))]
#[derive(Clone, Copy)]
pub struct FxImage(pub [u8; 512]);

/// A thread's FP/SSE state, kept in the CPU across traps (see `LazyFp`).
pub type FxArea = crate::arch::common::LazyFp<FxImage>;

impl crate::arch::common::FpRegisters for FxImage {
    unsafe fn save(image: *mut Self) {
        // SAFETY: the caller gives a writable, 16-byte aligned image.
        unsafe { core::arch::asm!("fxsave64 [{0}]", in(reg) image, options(nostack)) };
    }
    unsafe fn restore(image: *const Self) {
        // SAFETY: images come from fxsave, UserContext::new or
        // rt_sigreturn, which clears MXCSR's reserved bits.
        unsafe { core::arch::asm!("fxrstor64 [{0}]", in(reg) image, options(nostack)) };
    }
}

/// A user thread's registers, in trap-frame order.
#[repr(C, align(16))]
#[derive(Clone, Debug)]
pub struct UserContext {
    pub rax: usize,
    pub rbx: usize,
    pub rcx: usize,
    pub rdx: usize,
    pub rsi: usize,
    pub rdi: usize,
    pub rbp: usize,
    pub r8: usize,
    pub r9: usize,
    pub r10: usize,
    pub r11: usize,
    pub r12: usize,
    pub r13: usize,
    pub r14: usize,
    pub r15: usize,
    pub vector: usize,
    pub error_code: usize,
    pub rip: usize,
    pub cs: usize,
    pub rflags: usize,
    pub rsp: usize,
    pub ss: usize,
    // ---- end of the hardware frame (offset 176) ----
    pub fs_base: usize,
    /// The GS base (arch_prctl ARCH_SET_GS); the kernel never uses GS, so
    /// the MSR holds the user's value directly.
    pub gs_base: usize,
    pub cr2: usize,
    pub fx: FxArea,
}

/// Where the hardware frame ends: `rsp0` while user code runs.
const FRAME_END: usize = 22 * 8;
const RFLAGS_IF: usize = 1 << 9;
const RFLAGS_RESERVED: usize = 1 << 1;

pub use crate::arch::common::TrapCause;

impl UserContext {
    /// A fresh thread that starts at `entry` with stack pointer `sp`.
    pub fn new(entry: usize, sp: usize) -> Self {
        let mut image = [0u8; 512];
        // FCW: all x87 exceptions masked, double-extended precision
        // (0x037f); MXCSR: all SSE exceptions masked (0x1f80).
        image[0..2].copy_from_slice(&0x037fu16.to_le_bytes());
        image[24..28].copy_from_slice(&0x1f80u32.to_le_bytes());
        let fx = FxArea::new(FxImage(image));
        UserContext {
            rax: 0,
            rbx: 0,
            rcx: 0,
            rdx: 0,
            rsi: 0,
            rdi: 0,
            rbp: 0,
            r8: 0,
            r9: 0,
            r10: 0,
            r11: 0,
            r12: 0,
            r13: 0,
            r14: 0,
            r15: 0,
            vector: 0,
            error_code: 0,
            rip: entry,
            cs: USER_CS as usize,
            rflags: RFLAGS_IF | RFLAGS_RESERVED,
            rsp: sp,
            ss: USER_SS as usize,
            fs_base: 0,
            gs_base: 0,
            cr2: 0,
            fx,
        }
    }

    pub fn ip(&self) -> usize {
        self.rip
    }
    pub fn set_ip(&mut self, ip: usize) {
        self.rip = ip;
    }
    pub fn sp(&self) -> usize {
        self.rsp
    }
    pub fn set_sp(&mut self, sp: usize) {
        self.rsp = sp;
    }
    /// The thread pointer: FS base (`arch_prctl(ARCH_SET_FS)`, CLONE_SETTLS).
    pub fn set_tls(&mut self, tls: usize) {
        self.fs_base = tls;
    }
    /// The GS base (arch_prctl ARCH_GET_GS/ARCH_SET_GS).
    pub fn gs_base(&self) -> Option<usize> {
        Some(self.gs_base)
    }
    pub fn set_gs_base(&mut self, base: usize) -> bool {
        self.gs_base = base;
        true
    }
    pub fn tls(&self) -> usize {
        self.fs_base
    }
    /// The syscall number (rax) and arguments (rdi, rsi, rdx, r10, r8, r9).
    pub fn syscall_args(&self) -> (usize, [usize; 6]) {
        (self.rax, [self.rdi, self.rsi, self.rdx, self.r10, self.r8, self.r9])
    }
    pub fn set_return(&mut self, value: usize) {
        self.rax = value;
    }
    pub fn return_value(&self) -> usize {
        self.rax
    }
    /// `syscall` already left rip after itself.
    pub fn skip_syscall_instruction(&mut self) {}
    /// Backs up to re-run the `syscall` (2 bytes), with the number back in
    /// rax (the return value overwrote it; the arguments are untouched).
    pub fn restart_syscall(&mut self, nr: usize, _arg0: usize) {
        self.rip = self.rip.wrapping_sub(2);
        self.rax = nr;
    }

    /// Runs user code until the next trap.
    pub fn run(&mut self) -> TrapCause {
        // iretq to a non-canonical rip faults in ring 0: treat it as the
        // user's fault (a sigreturn can set any rip).
        if !(self.rip < 0x0000_8000_0000_0000) {
            self.vector = 13;
            return TrapCause::AccessFault { addr: self.rip };
        }
        // Only ring-3 selectors and sane flags may reach iretq.
        self.cs = USER_CS as usize;
        self.ss = USER_SS as usize;
        self.rflags = (self.rflags & 0x0cd5) | RFLAGS_IF | RFLAGS_RESERVED;
        let top = self as *mut UserContext as usize + FRAME_END;
        super::trap::set_kernel_entry_stack(top);
        // SAFETY: single CPU with interrupts off in the kernel: the statics
        // the entry code uses are not touched concurrently. FS base is a
        // user value the CPU only uses in ring 3 (non-canonical values are
        // refused by arch_prctl and clone). `run_user` saves and restores every callee-saved
        // register and returns on the next trap.
        unsafe {
            CONTEXT_TOP = top;
            // wrmsr is slow: write the FS base only when it changes.
            let fs = x86_64::VirtAddr::new_truncate(self.fs_base as u64).as_u64();
            if fs != LAST_FS_BASE {
                x86_64::registers::model_specific::FsBase::write(x86_64::VirtAddr::new_truncate(fs));
                LAST_FS_BASE = fs;
            }
            let gs = x86_64::VirtAddr::new_truncate(self.gs_base as u64).as_u64();
            if gs != LAST_GS_BASE {
                x86_64::registers::model_specific::GsBase::write(x86_64::VirtAddr::new_truncate(gs));
                LAST_GS_BASE = gs;
            }
            self.fx.load();
            // sysretq sets rip = rcx and rflags = r11: when those already
            // hold rip and rflags (the usual state after a syscall) it does
            // exactly what iretq would, faster. rip is canonical (checked
            // above), so sysretq cannot fault in ring 0.
            if self.rcx == self.rip && self.r11 == self.rflags {
                run_user_sysret(self);
            } else {
                run_user(self);
            }
            core::arch::asm!("mov {0}, cr2", out(reg) self.cr2, options(nomem, nostack));
        }
        let addr = self.cr2;
        match self.vector {
            SYSCALL_VECTOR => TrapCause::Syscall,
            32 => TrapCause::Timer,
            14 => TrapCause::PageFault {
                addr,
                write: self.error_code & 2 != 0,
                exec: self.error_code & 16 != 0,
            },
            6 => TrapCause::IllegalInstruction { addr: self.rip },
            1 | 3 => TrapCause::Breakpoint,
            0 | 16 | 19 => TrapCause::FloatingPoint { addr: self.rip },
            17 => TrapCause::Misaligned { addr },
            4 | 5 | 10..=13 => TrapCause::AccessFault { addr: self.rip },
            v => TrapCause::Other { code: v, interrupt: v >= 32 },
        }
    }
}

/// The kernel stack pointer `run_user` left (with callee-saved registers
/// pushed), and where the next trap frame ends. Used by the entry code.
#[unsafe(no_mangle)]
static mut KERNEL_RSP: usize = 0;
#[unsafe(no_mangle)]
static mut CONTEXT_TOP: usize = 0;
#[unsafe(no_mangle)]
static mut USER_RSP: usize = 0;
/// The FS and GS bases last written to the MSRs (only `run` writes them).
static mut LAST_FS_BASE: u64 = 0;
static mut LAST_GS_BASE: u64 = 0;

// The assembly touches only the register words at the start of a
// UserContext, never the FP area behind its Box.
#[allow(improper_ctypes)]
unsafe extern "C" {
    fn run_user(ctx: &mut UserContext);
    fn run_user_sysret(ctx: &mut UserContext);
}

// Every path in and out of user mode, in one block so they share the
// register save/restore macros: `push_gprs` leaves rax lowest, matching the
// start of `UserContext` and `TrapFrame`.
core::arch::global_asm!(
    r#"
    .macro push_gprs
    push    r15
    push    r14
    push    r13
    push    r12
    push    r11
    push    r10
    push    r9
    push    r8
    push    rbp
    push    rdi
    push    rsi
    push    rdx
    push    rcx
    push    rbx
    push    rax
    .endm

    .macro pop_gprs
    pop     rax
    pop     rbx
    pop     rcx
    pop     rdx
    pop     rsi
    pop     rdi
    pop     rbp
    pop     r8
    pop     r9
    pop     r10
    pop     r11
    pop     r12
    pop     r13
    pop     r14
    pop     r15
    .endm

    # Saves the kernel's callee-saved registers and stack for user_trap_exit,
    # then points rsp at the context in rdi.
    .macro enter_user_from_kernel
    push    rbx
    push    rbp
    push    r12
    push    r13
    push    r14
    push    r15
    mov     [rip + KERNEL_RSP], rsp
    mov     rsp, rdi
    pop_gprs
    .endm

    .section .text
    .globl trap_common
trap_common:
    push_gprs
    test    byte ptr [rsp + 18*8], 3        # the saved CS: from user mode?
    jnz     user_trap_exit
    mov     rdi, rsp
    call    {kernel_handler}
    pop_gprs
    add     rsp, 16
    iretq

    .globl run_user
run_user:
    enter_user_from_kernel
    add     rsp, 16                         # vector, error code
    iretq

    .globl run_user_sysret
run_user_sysret:
    enter_user_from_kernel
    mov     rsp, [rsp + 5*8]                # the user rsp (after vector, error, rip, cs, rflags)
    sysretq

    # A trap from user mode: trap_common pushed everything into the context.
    .globl user_trap_exit
user_trap_exit:
    mov     rsp, [rip + KERNEL_RSP]
    pop     r15
    pop     r14
    pop     r13
    pop     r12
    pop     rbp
    pop     rbx
    ret

    # syscall: rcx = user rip, r11 = user rflags, rsp still the user's;
    # interrupts are off (SFMASK).
    .globl syscall_entry
syscall_entry:
    mov     [rip + USER_RSP], rsp
    mov     rsp, [rip + CONTEXT_TOP]
    push    {user_ss}
    push    [rip + USER_RSP]
    push    r11
    push    {user_cs}
    push    rcx
    push    0
    push    {syscall_vector}
    push_gprs
    jmp     user_trap_exit
    "#,
    kernel_handler = sym super::trap::kernel_trap_handler,
    user_ss = const USER_SS,
    user_cs = const USER_CS,
    syscall_vector = const SYSCALL_VECTOR,
);

/// Kernel-thread context: what `context_switch` saves (callee-saved only).
#[repr(C)]
#[derive(Default, Debug)]
pub struct KernelContext {
    pub rsp: usize,
    pub rbx: usize,
    pub rbp: usize,
    pub r12: usize,
    pub r13: usize,
    pub r14: usize,
    pub r15: usize,
    /// Where the first switch to this context "returns" to.
    pub rip: usize,
}

impl KernelContext {
    /// A context to save into (the scheduler's own).
    pub const EMPTY: KernelContext = KernelContext { rsp: 0, rbx: 0, rbp: 0, r12: 0, r13: 0, r14: 0, r15: 0, rip: 0 };

    /// A context that starts executing `entry` on the stack ending at `stack_top`.
    pub fn new(entry: extern "C" fn() -> !, stack_top: usize) -> Self {
        // At a function's first instruction rsp + 8 is 16-aligned.
        KernelContext { rsp: (stack_top & !15) - 8, rip: entry as *const () as usize, ..Default::default() }
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
context_switch:
    pop     rax                             # our return address
    mov     [rdi + 0*8], rsp
    mov     [rdi + 1*8], rbx
    mov     [rdi + 2*8], rbp
    mov     [rdi + 3*8], r12
    mov     [rdi + 4*8], r13
    mov     [rdi + 5*8], r14
    mov     [rdi + 6*8], r15
    mov     [rdi + 7*8], rax
    mov     rsp, [rsi + 0*8]
    mov     rbx, [rsi + 1*8]
    mov     rbp, [rsi + 2*8]
    mov     r12, [rsi + 3*8]
    mov     r13, [rsi + 4*8]
    mov     r14, [rsi + 5*8]
    mov     r15, [rsi + 6*8]
    jmp     [rsi + 7*8]
    "#
);
