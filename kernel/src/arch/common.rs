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

/// How an architecture moves its user FP registers to and from memory
/// (`fxsave`/`fxrstor`, `fsd`/`fld` with fcsr).
pub trait FpRegisters: Copy {
    /// Stores the CPU's FP registers at `image`.
    ///
    /// # Safety
    /// `image` is valid for writes and aligned as the instruction needs.
    unsafe fn save(image: *mut Self);
    /// Loads the CPU's FP registers from `image`.
    ///
    /// # Safety
    /// `image` holds a state that is valid to load (e.g. reserved MXCSR
    /// bits clear).
    unsafe fn restore(image: *const Self);
}

/// The saved image, on the heap: the registers' owner ([`FP_OWNER`]) may
/// be saved into it while its thread is blocked deep in a system call
/// holding `&mut` to its `UserContext`, so the state sits behind a pointer
/// and an `UnsafeCell`, not inside that borrow.
struct FpImage<R>(core::cell::UnsafeCell<R>);

/// One user thread's FP state, kept in the CPU across traps and saved only
/// when another thread is about to run, or when the kernel needs it (a
/// signal frame, a fork) — Linux's lazy FP switch (`switch_fpu_prepare`
/// on x86, `__switch_to_fpu` on RISC-V). While its thread owns the
/// registers the image may be stale: read it with [`get`](Self::get),
/// replace it with [`set`](Self::set). This is only right while no other
/// kernel code uses the FP registers (x86_64's target has no SSE;
/// `make test` checks riscv64's code).
#[repr(transparent)]
pub struct LazyFp<R: FpRegisters>(alloc::boxed::Box<FpImage<R>>);

// SAFETY: one CPU; an image is touched by its own thread's trap loop or,
// through FP_OWNER, by the kernel switching threads, never both at once.
unsafe impl<R: FpRegisters + Send> Send for LazyFp<R> {}
unsafe impl<R: FpRegisters + Send> Sync for LazyFp<R> {}

/// The image whose state the FP registers hold (its address), or 0.
/// Cleared when that image is dropped, so it never names freed memory.
static mut FP_OWNER: usize = 0;

impl<R: FpRegisters> LazyFp<R> {
    pub fn new(regs: R) -> Self {
        LazyFp(alloc::boxed::Box::new(FpImage(core::cell::UnsafeCell::new(regs))))
    }

    fn image(&self) -> *mut R {
        self.0.0.get()
    }

    fn owns_registers(&self) -> bool {
        // SAFETY: one CPU, and no interrupt handler touches FP_OWNER.
        unsafe { FP_OWNER == self.image() as usize }
    }

    /// The state, up to date: saved from the registers first if they hold it.
    pub fn get(&mut self) -> R {
        // SAFETY: saving into our own image, then reading it.
        unsafe {
            if self.owns_registers() {
                R::save(self.image());
            }
            *self.image()
        }
    }

    /// Replaces the state (rt_sigreturn); the registers no longer hold it.
    pub fn set(&mut self, regs: R) {
        // SAFETY: as in owns_registers; the image is ours to write.
        unsafe {
            *self.image() = regs;
            if self.owns_registers() {
                FP_OWNER = 0;
            }
        }
    }

    /// Puts this state in the registers unless it is there already,
    /// saving the previous owner's first. Called just before user mode.
    pub fn load(&mut self) {
        // SAFETY: one CPU. A non-zero FP_OWNER is a live image of this
        // type (one architecture is built; Drop clears it) that only its
        // owner's trap loop otherwise touches, and that thread is not
        // running.
        unsafe {
            if FP_OWNER == self.image() as usize {
                return;
            }
            if FP_OWNER != 0 {
                R::save(FP_OWNER as *mut R);
            }
            R::restore(self.image());
            FP_OWNER = self.image() as usize;
        }
    }
}

impl<R: FpRegisters> Clone for LazyFp<R> {
    /// A copy of the current state (fork, clone): from the registers when
    /// they hold it.
    fn clone(&self) -> Self {
        // SAFETY: reading our own image; saving into the new one.
        unsafe {
            let copy = LazyFp::new(*self.image());
            if self.owns_registers() {
                R::save(copy.image());
            }
            copy
        }
    }
}

impl<R: FpRegisters> Drop for LazyFp<R> {
    fn drop(&mut self) {
        if self.owns_registers() {
            // SAFETY: as in owns_registers; the state dies with its thread.
            unsafe { FP_OWNER = 0 };
        }
    }
}

impl<R: FpRegisters> core::fmt::Debug for LazyFp<R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("LazyFp")
    }
}
