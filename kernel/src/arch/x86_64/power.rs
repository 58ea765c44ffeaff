//! Powering off, so QEMU exits by itself with a status CI can read.
//!
//! Status 0 goes through ACPI (PIIX4's PM1a control register at 0x604 on
//! QEMU's `pc` machine: SLP_TYP 0, SLP_EN), which QEMU reports as exit 0.
//! Any other status goes through QEMU's `isa-debug-exit` device (which
//! `scripts/run.sh` adds at port 0xf4): writing `v` makes QEMU exit with
//! `(v << 1) | 1`, which run.sh turns back into `v`.

use x86_64::instructions::port::Port;

/// The test finisher is a riscv64 device; x86_64 has nothing to remember.
pub fn init(_test_finisher: Option<usize>) {}

/// Powers the machine off; QEMU exits with `code` (after run.sh decodes it).
pub fn shutdown(code: u8) -> ! {
    // SAFETY: both ports end the virtual machine; nothing runs afterwards.
    unsafe {
        if code != 0 {
            Port::<u32>::new(0xf4).write(code as u32);
        }
        Port::<u16>::new(0x604).write(0x2000);
        // Older machines: the Bochs/QEMU shutdown port.
        Port::<u16>::new(0xb004).write(0x2000);
    }
    loop {
        x86_64::instructions::interrupts::disable();
        x86_64::instructions::hlt();
    }
}
