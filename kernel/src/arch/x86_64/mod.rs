//! x86-64 on QEMU `pc`, booted through PVH: 4-level paging, the PIT tick
//! through the 8259 PIC, `syscall` and IDT traps, the COM1 UART.
//!
//! Boot path: QEMU loads the ELF at 2 MiB and enters [`entry`]'s `_start32`
//! in 32-bit protected mode with `ebx` = the PVH start info; `_start32`
//! enters long mode, jumps to the high half and calls `crate::kernel_main`.

mod entry;
pub mod boot;
pub mod paging;
pub mod power;
pub mod signal;
pub mod timer;
pub mod trap;
pub mod user;

use x86_64::instructions::port::Port;

/// Writes one byte straight to COM1's transmit register, waiting for room.
/// Works before the UART driver is set up and after it is wedged.
pub fn early_putchar(byte: u8) {
    let mut status: Port<u8> = Port::new(0x3fd);
    let mut data: Port<u8> = Port::new(0x3f8);
    // SAFETY: COM1's line status and data ports; QEMU always has COM1.
    unsafe {
        for _ in 0..100_000 {
            if status.read() & 0x20 != 0 {
                break;
            }
        }
        data.write(byte);
    }
}

/// Waits for the next interrupt (interrupts must be on to wake).
pub fn wait_for_interrupt() {
    x86_64::instructions::hlt();
}

/// Enables interrupts on this CPU.
pub fn enable_interrupts() {
    x86_64::instructions::interrupts::enable();
}

/// Disables interrupts on this CPU.
pub fn disable_interrupts() {
    x86_64::instructions::interrupts::disable();
}

/// Where a frame record keeps (return address, caller's frame pointer),
/// relative to `rbp`: the System V x86-64 frame (`push rbp; mov rbp, rsp`).
pub const FRAME_RECORD: (isize, isize) = (8, 0);

/// The frame pointer of the caller.
#[inline(always)]
pub fn current_frame_pointer() -> usize {
    let fp: usize;
    // SAFETY: reads a register.
    unsafe { core::arch::asm!("mov {0}, rbp", out(reg) fp, options(nomem, nostack)) };
    fp
}

/// An address in the calling function.
#[inline(always)]
pub fn current_pc() -> usize {
    let pc: usize;
    // SAFETY: reads the instruction pointer.
    unsafe { core::arch::asm!("lea {0}, [rip]", out(reg) pc, options(nomem, nostack)) };
    pc
}

/// The architecture's name as `uname -m` prints it.
pub const NAME: &str = "x86_64";

/// Which syscall numbering user programs use here.
pub const SYSCALL_ARCH: linux_syscall::Arch = linux_syscall::Arch::X86_64;

/// ELF facts for execve: EM_X86_64 (62), AT_HWCAP = CPUID.1:EDX, and
/// AT_PLATFORM "x86_64".
pub fn elf_arch() -> linux_object::process::elf::ElfArch {
    let edx = core::arch::x86_64::__cpuid(1).edx;
    linux_object::process::elf::ElfArch {
        machine: 62,
        hwcap: edx as usize,
        platform: Some("x86_64"),
        sigreturn_code: &signal::TRAMPOLINE_CODE,
    }
}

/// What /proc/cpuinfo and /proc/version say about this machine.
pub fn machine_info() -> linux_object::fs::procfs::MachineInfo {
    linux_object::fs::procfs::MachineInfo {
        cpuinfo: alloc::format!(
            "processor\t: 0\nvendor_id\t: {}\nmodel name\t: QEMU Virtual CPU\ncpu MHz\t\t: {}\nflags\t\t: fpu tsc msr pae cx8 apic sep pge cmov pat clflush mmx fxsr sse sse2 syscall nx lm\n\n",
            vendor(),
            timer::tsc_hz() / 1_000_000
        ),
        release: alloc::string::String::from(linux_syscall::misc::RELEASE),
        build: alloc::string::String::from(linux_syscall::misc::VERSION),
    }
}

fn vendor() -> alloc::string::String {
    let r = core::arch::x86_64::__cpuid(0);
    let mut bytes = alloc::vec::Vec::new();
    for word in [r.ebx, r.edx, r.ecx] {
        bytes.extend_from_slice(&word.to_le_bytes());
    }
    alloc::string::String::from_utf8_lossy(&bytes).into_owned()
}

/// x86 keeps instruction fetch coherent with stores by itself.
pub fn sync_instruction_cache() {}
