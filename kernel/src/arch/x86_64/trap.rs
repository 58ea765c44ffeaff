//! Descriptor tables and trap entry on x86-64: the GDT (with the TSS whose
//! `rsp0` points into the running thread's `UserContext`), the IDT with one
//! small stub per vector, the 8259 PIC, and the `syscall` MSRs.
//!
//! Every stub pushes (error code, vector) and jumps to `trap_common`
//! (user.rs), which pushes the general registers and looks at the saved CS:
//! from user mode the frame *is* the thread's `UserContext` and control goes
//! back to `run_user`'s caller; from the kernel it calls
//! [`kernel_trap_handler`] and `iretq`s.

use core::ptr::addr_of;

use x86_64::instructions::port::Port;
use x86_64::instructions::segmentation::{CS, DS, ES, SS, Segment};
use x86_64::instructions::tables::load_tss;
use x86_64::registers::model_specific::{LStar, SFMask, Star};
use x86_64::registers::rflags::RFlags;
use x86_64::structures::DescriptorTablePointer;
use x86_64::structures::gdt::{Descriptor, GlobalDescriptorTable, SegmentSelector};
use x86_64::structures::tss::TaskStateSegment;
use x86_64::{PrivilegeLevel, VirtAddr};

use super::timer;

pub const KERNEL_CS: u16 = 0x08;
pub const KERNEL_SS: u16 = 0x10;
pub const USER_SS: u16 = 0x18 | 3;
pub const USER_CS: u16 = 0x20 | 3;
const TSS_SELECTOR: u16 = 0x28;

/// The vector `syscall_entry` records, above every hardware vector.
pub const SYSCALL_VECTOR: usize = 0x100;
/// Stubs exist for the 32 exceptions and the 16 PIC interrupts.
const VECTORS: usize = 48;

static mut GDT: GlobalDescriptorTable = GlobalDescriptorTable::new();
pub(super) static mut TSS: TaskStateSegment = TaskStateSegment::new();

#[repr(C, align(16))]
struct Stack([u8; 16384]);
/// The stack a double fault runs on (IST 1), so a kernel stack overflow
/// still prints a panic instead of resetting the machine.
static mut DOUBLE_FAULT_STACK: Stack = Stack([0; 16384]);

/// One IDT gate (Intel SDM vol. 3, 6.14.1).
#[repr(C)]
#[derive(Clone, Copy)]
struct Gate {
    offset_low: u16,
    selector: u16,
    ist: u8,
    attributes: u8,
    offset_mid: u16,
    offset_high: u32,
    reserved: u32,
}

static mut IDT: [Gate; 256] = [Gate { offset_low: 0, selector: 0, ist: 0, attributes: 0, offset_mid: 0, offset_high: 0, reserved: 0 }; 256];

/// Registers saved on a trap taken in the kernel (the same order as the
/// start of `UserContext`).
#[repr(C)]
#[derive(Debug)]
pub struct TrapFrame {
    pub gpr: [usize; 15],
    pub vector: usize,
    pub error_code: usize,
    pub rip: usize,
    pub cs: usize,
    pub rflags: usize,
    pub rsp: usize,
    pub ss: usize,
}

macro_rules! stubs {
    ($($n:literal),*) => {
        core::arch::global_asm!(
            $(
                concat!(".section .text\n.balign 16\n.globl trap_stub_", $n, "\ntrap_stub_", $n, ":\n"),
                // The CPU pushes an error code for 8, 10-14, 17, 21, 29, 30.
                concat!(".if (", $n, " == 8) || ((", $n, " >= 10) && (", $n, " <= 14)) || (", $n,
                    " == 17) || (", $n, " == 21) || (", $n, " == 29) || (", $n, " == 30)\n.else\npush 0\n.endif\n"),
                concat!("push ", $n, "\njmp trap_common\n"),
            )*
            ".section .rodata\n.balign 8\n.globl trap_stub_table\ntrap_stub_table:\n",
            $(concat!(".quad trap_stub_", $n, "\n"),)*
        );
    };
}

stubs!(
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
    31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47
);

unsafe extern "C" {
    static trap_stub_table: [u64; VECTORS];
    fn syscall_entry();
}

/// Loads the GDT and TSS, the IDT, remaps the PIC, and sets up `syscall`.
pub fn init() {
    // SAFETY: single CPU, interrupts off, run once at boot before anything
    // uses these tables; they are statics, so they live as long as the CPU
    // uses them.
    unsafe {
        let tss = &raw mut TSS;
        (*tss).interrupt_stack_table[0] =
            VirtAddr::from_ptr(addr_of!(DOUBLE_FAULT_STACK)) + core::mem::size_of::<Stack>() as u64;
        let gdt = &mut *(&raw mut GDT);
        let kernel_cs = gdt.append(Descriptor::kernel_code_segment());
        let kernel_ss = gdt.append(Descriptor::kernel_data_segment());
        let user_ss = gdt.append(Descriptor::user_data_segment());
        let user_cs = gdt.append(Descriptor::user_code_segment());
        let tss_sel = gdt.append(Descriptor::tss_segment_unchecked(tss));
        debug_assert_eq!(
            (kernel_cs.0, kernel_ss.0, user_ss.0, user_cs.0, tss_sel.0),
            (KERNEL_CS, KERNEL_SS, USER_SS, USER_CS, TSS_SELECTOR)
        );
        gdt.load_unsafe();
        CS::set_reg(SegmentSelector(KERNEL_CS));
        SS::set_reg(SegmentSelector(KERNEL_SS));
        DS::set_reg(SegmentSelector(KERNEL_SS));
        ES::set_reg(SegmentSelector(KERNEL_SS));
        load_tss(SegmentSelector(TSS_SELECTOR));

        let idt = &mut *(&raw mut IDT);
        for (vector, gate) in idt.iter_mut().take(VECTORS).enumerate() {
            let addr = trap_stub_table[vector];
            // Present, interrupt gate (IF cleared on entry); int3 and into
            // may be used from user mode.
            let dpl = if vector == 3 || vector == 4 { 3 } else { 0 };
            *gate = Gate {
                offset_low: addr as u16,
                selector: KERNEL_CS,
                ist: if vector == 8 { 1 } else { 0 },
                attributes: 0x8e | (dpl << 5),
                offset_mid: (addr >> 16) as u16,
                offset_high: (addr >> 32) as u32,
                reserved: 0,
            };
        }
        let pointer = DescriptorTablePointer {
            limit: (core::mem::size_of::<[Gate; 256]>() - 1) as u16,
            base: VirtAddr::from_ptr(idt.as_ptr()),
        };
        x86_64::instructions::tables::lidt(&pointer);

        init_pic();

        LStar::write(VirtAddr::new(syscall_entry as *const () as u64));
        Star::write(
            SegmentSelector(USER_CS),
            SegmentSelector(USER_SS),
            SegmentSelector(KERNEL_CS),
            SegmentSelector(KERNEL_SS),
        )
        .expect("GDT layout fits syscall/sysret");
        SFMask::write(RFlags::INTERRUPT_FLAG | RFlags::TRAP_FLAG | RFlags::DIRECTION_FLAG | RFlags::ALIGNMENT_CHECK);
    }
    let _ = PrivilegeLevel::Ring3;
}

/// Remaps the two 8259 PICs to vectors 32-47 and masks every line.
fn init_pic() {
    let mut master_cmd: Port<u8> = Port::new(0x20);
    let mut master_data: Port<u8> = Port::new(0x21);
    let mut slave_cmd: Port<u8> = Port::new(0xa0);
    let mut slave_data: Port<u8> = Port::new(0xa1);
    // SAFETY: the standard 8259 initialisation sequence (ICW1-4).
    unsafe {
        master_cmd.write(0x11);
        slave_cmd.write(0x11);
        master_data.write(timer::TIMER_VECTOR);
        slave_data.write(timer::TIMER_VECTOR + 8);
        master_data.write(4);
        slave_data.write(2);
        master_data.write(1);
        slave_data.write(1);
        master_data.write(0xff & !(1 << 2)); // all masked but the cascade
        slave_data.write(0xff);
    }
}

/// Lets IRQ `irq` (0-7, master PIC) through.
pub fn unmask_irq(irq: u8) {
    let mut data: Port<u8> = Port::new(0x21);
    // SAFETY: changes only which PIC lines interrupt.
    unsafe {
        let mask = data.read();
        data.write(mask & !(1 << irq));
    }
}

/// Acknowledges IRQ `irq` at the PIC(s).
pub fn end_of_interrupt(irq: u8) {
    // SAFETY: the EOI command only tells the PIC the interrupt was handled.
    unsafe {
        if irq >= 8 {
            Port::<u8>::new(0xa0).write(0x20);
        }
        Port::<u8>::new(0x20).write(0x20);
    }
}

/// Points the TSS's ring-0 stack at `top`: where the CPU pushes the frame
/// of the next trap from user mode.
pub fn set_kernel_entry_stack(top: usize) {
    // SAFETY: single CPU; the CPU reads the TSS only on a privilege change,
    // which cannot happen while the kernel runs this.
    unsafe { (*(&raw mut TSS)).privilege_stack_table[0] = VirtAddr::new(top as u64) };
}

/// Called by `trap_common` (user.rs) for a trap taken in the kernel.
pub(super) extern "C" fn kernel_trap_handler(frame: &mut TrapFrame) {
    match frame.vector {
        v if v == timer::TIMER_VECTOR as usize => {
            timer::on_interrupt();
            crate::task::sched::note_kernel_tick();
            crate::backtrace::check(frame.rip, frame.gpr[6]);
        }
        v @ 33..=47 => {
            // Spurious IRQ 7/15 need no EOI; others are masked.
            if v != 39 && v != 47 {
                end_of_interrupt((v - 32) as u8);
            }
        }
        v => {
            let cr2: usize;
            // SAFETY: reading CR2 has no side effects.
            unsafe { core::arch::asm!("mov {0}, cr2", out(reg) cr2, options(nomem, nostack)) };
            panic!("kernel trap: exception {v} ({}) at rip={:#x} cr2={cr2:#x}\n{frame:#x?}", exception_name(v), frame.rip);
        }
    }
}

fn exception_name(vector: usize) -> &'static str {
    match vector {
        0 => "divide error",
        1 => "debug",
        2 => "NMI",
        3 => "breakpoint",
        4 => "overflow",
        5 => "bound range",
        6 => "invalid opcode",
        7 => "device not available",
        8 => "double fault",
        10 => "invalid TSS",
        11 => "segment not present",
        12 => "stack fault",
        13 => "general protection",
        14 => "page fault",
        16 => "x87 FP",
        17 => "alignment check",
        18 => "machine check",
        19 => "SIMD FP",
        _ => "reserved",
    }
}
