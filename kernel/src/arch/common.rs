//! What every architecture shares: the shape of a trap's cause, of a
//! signal delivery, of kernel mapping rights, the linear map, and the
//! first Rust step of boot. Each arch module re-exports these where the
//! rest of the kernel expects them (`arch::user::TrapCause`, ...).

/// Why `UserContext::run` returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrapCause {
    Syscall,
    Timer,
    /// A page fault at `addr`; `write`/`exec` tell the access.
    PageFault { addr: usize, write: bool, exec: bool },
    IllegalInstruction { addr: usize },
    Breakpoint,
    Misaligned { addr: usize },
    AccessFault { addr: usize },
    /// Division by zero or an unmasked FP exception (SIGFPE); riscv64
    /// never traps on arithmetic.
    #[allow(dead_code)]
    FloatingPoint { addr: usize },
    Other { code: usize, interrupt: bool },
}

/// What a signal delivery needs to know to build a frame.
pub struct Delivery<'a> {
    pub signal: u32,
    pub handler: usize,
    pub siginfo: &'a [u8; 128],
    /// The mask to restore when the handler returns.
    pub old_mask: u64,
    /// Where the frame goes: the top of the alternate stack, or None for the
    /// current stack.
    pub stack_top: Option<usize>,
    /// The `stack_t` to record in `uc_stack` (sp, flags, size).
    pub altstack: (usize, i32, usize),
    /// Return address: the trampoline, or SA_RESTORER's restorer.
    pub restorer: usize,
}

/// Writes a little-endian u64 into a signal frame being built.
pub fn put_u64(buf: &mut [u8], offset: usize, value: u64) {
    buf[offset..offset + 8].copy_from_slice(&value.to_le_bytes());
}

/// Reads a little-endian u64 from a signal frame.
pub fn get_u64(buf: &[u8], offset: usize) -> u64 {
    let mut raw = [0u8; 8];
    raw.copy_from_slice(&buf[offset..offset + 8]);
    u64::from_le_bytes(raw)
}

/// Access rights of a kernel mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Perm {
    ReadExecute,
    Read,
    ReadWrite,
}

/// The direct map: physical `pa` at `DIRECT_MAP + pa`.
pub fn phys_to_virt(pa: usize) -> usize {
    pa + super::paging::DIRECT_MAP as usize
}

/// The physical address of a kernel virtual address: one in the image's
/// window (`PHYS_VIRT_OFFSET`, the top 2 GiB on x86_64) or in the direct
/// map. On riscv64 both are one linear map.
pub fn virt_to_phys(va: usize) -> usize {
    if va >= super::paging::PHYS_VIRT_OFFSET as usize {
        va - super::paging::PHYS_VIRT_OFFSET as usize
    } else {
        va - super::paging::DIRECT_MAP as usize
    }
}

unsafe extern "C" {
    static mut __bss_start: u8;
    static mut __bss_end: u8;
}

/// Zeroes the BSS. The first thing the first Rust code of boot does, on the
/// boot stack in the high half (the linker script keeps the boot stack and
/// boot page tables out of the BSS); statics are usable only afterwards.
pub fn clear_bss() {
    // SAFETY: the linker script places __bss_start..__bss_end inside the
    // image and outside the boot stack and boot page tables; nothing has
    // read the BSS yet.
    unsafe {
        let start = &raw mut __bss_start;
        let end = &raw mut __bss_end;
        core::ptr::write_bytes(start, 0, end as usize - start as usize);
    }
}
