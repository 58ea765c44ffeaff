//! Trap entry and dispatch for traps taken in supervisor mode.
//!
//! `kernel_trap_entry` saves all general registers plus `sstatus`/`sepc` on
//! the current stack, calls [`kernel_trap_handler`], restores, and `sret`s.
//! Traps from user mode take the other branch of `trap_vector` (user.rs).

use riscv::register::{scause, sepc, stval, stvec};

use super::timer;

/// Registers saved on a trap. `regs[i]` is `x{i}`; `regs[2]` (sp) holds the
/// stack pointer before the trap.
#[repr(C)]
#[derive(Debug)]
pub struct TrapFrame {
    pub regs: [usize; 32],
    pub sstatus: usize,
    pub sepc: usize,
}

const FRAME_SIZE: usize = core::mem::size_of::<TrapFrame>();

core::arch::global_asm!(
    r#"
    .section .text
    .globl kernel_trap_entry
    .balign 4
kernel_trap_entry:
    addi    sp, sp, -{frame_size}
    sd      x1, 1*8(sp)
    .irp n, 3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd      x\n, \n*8(sp)
    .endr
    addi    t0, sp, {frame_size}
    sd      t0, 2*8(sp)
    csrr    t0, sstatus
    sd      t0, 32*8(sp)
    csrr    t0, sepc
    sd      t0, 33*8(sp)

    mv      a0, sp
    call    {handler}

    ld      t0, 32*8(sp)
    csrw    sstatus, t0
    ld      t0, 33*8(sp)
    csrw    sepc, t0
    ld      x1, 1*8(sp)
    .irp n, 3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld      x\n, \n*8(sp)
    .endr
    addi    sp, sp, {frame_size}
    sret
    "#,
    frame_size = const FRAME_SIZE,
    handler = sym kernel_trap_handler,
);

unsafe extern "C" {
    /// The shared vector in user.rs: it sends kernel traps to `kernel_trap_entry`.
    fn trap_vector();
}

/// Installs the trap vector for this hart, marks "in the kernel" in
/// `sscratch`, and lets the kernel use the FP unit (it holds user FP state
/// only between `run_user`'s save and restore).
pub fn init() {
    // SAFETY: sscratch = 0 is the trap vector's "trap came from the kernel".
    unsafe { riscv::register::sscratch::write(0) };
    // SAFETY: FS = Initial only enables FP instructions.
    unsafe { riscv::register::sstatus::set_fs(riscv::register::sstatus::FS::Initial) };
    let vector = stvec::Stvec::new(trap_vector as *const () as usize, stvec::TrapMode::Direct);
    // SAFETY: `trap_vector` is a valid, 4-byte aligned trap vector that
    // preserves all state it does not own.
    unsafe { stvec::write(vector) };
}

const INTERRUPT_SUPERVISOR_TIMER: usize = 5;

extern "C" fn kernel_trap_handler(frame: &mut TrapFrame) {
    let cause = scause::read();
    match (cause.is_interrupt(), cause.code()) {
        (true, INTERRUPT_SUPERVISOR_TIMER) => {
            timer::on_interrupt();
            crate::task::sched::note_kernel_tick();
            crate::backtrace::check(frame.sepc, frame.regs[8]);
        }
        (true, code) => log::warn!("trap: unexpected interrupt {code}"),
        (false, code) => panic!(
            "kernel trap: exception {code} ({}) at sepc={:#x} stval={:#x}\n{frame:#x?}",
            exception_name(code),
            sepc::read(),
            stval::read(),
        ),
    }
}

fn exception_name(code: usize) -> &'static str {
    match code {
        0 => "instruction address misaligned",
        1 => "instruction access fault",
        2 => "illegal instruction",
        3 => "breakpoint",
        4 => "load address misaligned",
        5 => "load access fault",
        6 => "store address misaligned",
        7 => "store access fault",
        8 => "environment call from U-mode",
        9 => "environment call from S-mode",
        12 => "instruction page fault",
        13 => "load page fault",
        15 => "store page fault",
        _ => "reserved",
    }
}
