//! riscv64 on QEMU `virt` with OpenSBI: Sv39 paging, S-mode traps, SBI timer.
//!
//! Boot path: OpenSBI jumps to [`entry`]'s `_start` at physical 0x8020_0000
//! with `a0 = hartid`, `a1 = device tree`. `_start` turns on a boot page table
//! that maps the kernel both where it is (identity) and where it is linked (the
//! high half), jumps high, and calls `crate::kernel_main`.

mod entry;
pub mod boot;
pub mod paging;
pub mod power;
pub mod signal;
pub mod timer;
pub mod trap;
pub mod user;

/// Writes one byte through the SBI legacy console. Slow, but works before
/// the UART driver is set up and when it is wedged (panic path).
pub fn early_putchar(byte: u8) {
    #[allow(deprecated)]
    sbi_rt::legacy::console_putchar(byte as usize);
}

/// Waits for the next interrupt.
pub fn wait_for_interrupt() {
    riscv::asm::wfi();
}

/// Enables interrupts on this hart.
pub fn enable_interrupts() {
    // SAFETY: the trap vector is installed (trap::init) before anyone calls
    // this, so an interrupt lands in our handler.
    unsafe { riscv::register::sstatus::set_sie() };
}

/// Disables interrupts on this hart.
pub fn disable_interrupts() {
    // SAFETY: turning interrupts off cannot break memory safety.
    unsafe { riscv::register::sstatus::clear_sie() };
}

/// Where a frame record keeps (return address, caller's frame pointer),
/// relative to the frame pointer `s0`: LLVM's RISC-V frame layout.
pub const FRAME_RECORD: (isize, isize) = (-8, -16);

/// The frame pointer of the caller.
#[inline(always)]
pub fn current_frame_pointer() -> usize {
    let fp: usize;
    // SAFETY: reads a register.
    unsafe { core::arch::asm!("mv {0}, s0", out(reg) fp, options(nomem, nostack)) };
    fp
}

/// An address in the calling function.
#[inline(always)]
pub fn current_pc() -> usize {
    let pc: usize;
    // SAFETY: reads the program counter.
    unsafe { core::arch::asm!("auipc {0}, 0", out(reg) pc, options(nomem, nostack)) };
    pc
}

/// The architecture's name as `uname -m` prints it.
pub const NAME: &str = "riscv64";

/// Which syscall numbering user programs use here.
pub const SYSCALL_ARCH: linux_syscall::Arch = linux_syscall::Arch::Riscv64;

/// ELF facts for execve: EM_RISCV, and AT_HWCAP with one bit per base
/// extension letter ('a' = bit 0): I, M, A, F, D, C.
pub fn elf_arch() -> linux_object::process::elf::ElfArch {
    let letters = b"imafdc";
    let hwcap = letters.iter().fold(0usize, |bits, &l| bits | 1 << (l - b'a'));
    linux_object::process::elf::ElfArch { machine: 243, hwcap, platform: None, sigreturn_code: &signal::TRAMPOLINE_CODE }
}

/// What /proc/cpuinfo and /proc/version say about this machine.
pub fn machine_info() -> linux_object::fs::procfs::MachineInfo {
    linux_object::fs::procfs::MachineInfo {
        cpuinfo: alloc::string::String::from(
            "processor\t: 0\nhart\t\t: 0\nisa\t\t: rv64imafdc\nmmu\t\t: sv39\nuarch\t\t: qemu,virt\n\n",
        ),
        release: alloc::string::String::from(linux_syscall::misc::RELEASE),
        build: alloc::string::String::from(linux_syscall::misc::VERSION),
    }
}

/// fence.i: instruction fetches see earlier stores (code written by execve).
pub fn sync_instruction_cache() {
    // SAFETY: fence.i only orders instruction fetch after prior stores.
    unsafe { core::arch::asm!("fence.i") };
}
