//! nsCore: a Rust teaching kernel with Linux's namespaces and cgroups.
//!
//! This crate is the machine-facing part: boot, arch, memory, traps, drivers.
//! It is the only crate with `unsafe`; the kernel objects and syscalls live
//! in `linux-object` and `linux-syscall`.
//!
//! Boot order (`kernel_main`): device tree → console → log → memory map,
//! frames and kernel page table → traps and timer → initramfs.

#![no_std]
#![no_main]
#![deny(unsafe_op_in_unsafe_fn)]

extern crate alloc;

#[macro_use]
mod console;
mod arch;
mod backtrace;
mod boot;
mod cmdline;
mod console_input;
mod drivers;
mod hal_impl;
mod init;
mod initrd;
mod logging;
mod memory;
mod random;
mod signal_hook;
mod task;

use arch::{paging::phys_to_virt, power, timer};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Exit status QEMU reports after a kernel panic (like a Rust panic's 101).
const PANIC_EXIT_CODE: u8 = 101;

/// Called by the arch entry code on the boot hart, with the MMU on and the
/// BSS cleared.
pub fn kernel_main() -> ! {
    memory::heap::init();
    let boot = arch::boot::boot_info();
    power::init(boot.test_finisher);
    if let Some((base, stride)) = boot.uart {
        if !drivers::uart::init_mmio(phys_to_virt(base), stride) {
            println!("console: UART at {base:#x} did not answer; staying on the early console");
        }
    }
    #[cfg(target_arch = "x86_64")]
    if let Some(port) = boot.uart_port {
        if !drivers::uart::init_port(port) {
            println!("console: UART at port {port:#x} did not answer; staying on the early console");
        }
    }
    let args = cmdline::parse(boot.cmdline);
    logging::init(args.log_level);

    println!();
    println!("nsCore {VERSION} ({}) — a teaching kernel for Linux namespaces and cgroups", arch::NAME);
    println!("hart {}, timebase {} Hz, command line {:?}", boot.hart_id, boot.timebase_hz, boot.cmdline);

    memory::init(&boot);
    arch::trap::init();
    timer::init(boot.timebase_hz);
    arch::enable_interrupts();
    log::info!("trap: vector installed, timer at {} Hz", timer::HZ);

    initrd::list(boot.initrd.clone());

    self_check();
    // From here on the kernel runs with interrupts off; only the idle loop
    // and user mode take them.
    arch::disable_interrupts();
    if args.selftest_panic {
        panic!("selftest=panic on the command line");
    }
    if args.stack_check {
        task::enable_stack_check();
    }
    if let Some(secs) = args.watchdog_secs {
        backtrace::set_threshold_secs(secs);
    }
    if args.selftest_lockup {
        println!("selftest: spinning in the kernel until the watchdog fires");
        backtrace::touch();
        spin_forever();
    }
    hal_impl::init();
    namespace_leak_check();
    if let Some(rtc) = boot.rtc {
        if linux_object::time::set_realtime_ns(arch::boot::read_rtc_ns(rtc)).is_err() {
            log::warn!("time: the RTC's date is out of range; the clock starts at the epoch");
        }
    }
    linux_object::fs::procfs::init(arch::machine_info());
    drivers::console::init();
    init::mount_root(boot.initrd.as_ref().map(initrd::archive));
    if let Some(init) = args.init {
        let argv = alloc::vec![init.as_bytes().to_vec()];
        let envp = alloc::vec![b"HOME=/".to_vec(), b"TERM=linux".to_vec()];
        match init::start_init(init, argv, envp) {
            Ok(()) => task::sched::run(),
            Err(err) => println!("nsCore: cannot run init {init}: {err}"),
        }
    }
    println!("nsCore: no init to run; powering off");
    power::shutdown(0)
}

/// Boot-time checks of the machinery the rest of the kernel stands on:
/// the timer interrupt fires, frames come and go, and the heap grows past
/// its static region.
fn self_check() {
    let start = timer::ticks();
    while timer::ticks() < start + 3 {
        arch::wait_for_interrupt();
    }
    log::info!("selfcheck: timer interrupts arrive ({} ticks)", timer::ticks());

    let (free_before, _) = memory::frame::stats();
    let frame = memory::frame::alloc_zeroed().expect("no free frame at boot");
    assert_eq!(memory::frame::stats().0, free_before - 1);
    memory::frame::free_contiguous(frame, 1);
    assert_eq!(memory::frame::stats().0, free_before, "frame not returned");

    let big: alloc::vec::Vec<u8> = alloc::vec![0x5a; 12 << 20];
    let ok = big.iter().all(|&b| b == 0x5a);
    let (free_during, _) = memory::frame::stats();
    drop(big);
    let (used, total) = memory::heap::stats();
    assert!(ok && free_during < free_before, "heap did not grow into frames");
    log::info!("selfcheck: heap grew to {} KiB ({} KiB in use)", total >> 10, used >> 10);
}

/// Creating and dropping 10,000 namespaces of each kind nsCore can make
/// (UTS, PID, time) must give all their memory back.
fn namespace_leak_check() {
    use linux_object::namespace::{Namespace, NsKind, pid, registry, time, user, uts};
    let owner = user::init_user_ns();
    let (init_uts, init_pid, init_time) = (uts::init_uts(), pid::init_pid_ns(), time::init_time_ns());
    // One round first, so tables that keep their first allocation (the
    // registry's and the namespace counts' maps) are not counted as leaks.
    drop((init_uts.copy(owner.clone()), init_pid.new_child(owner.clone()), init_time.copy(owner.clone())));
    let (heap_before, _) = memory::heap::stats();
    let live_before = registry::count(NsKind::Uts) + registry::count(NsKind::Pid) + registry::count(NsKind::Time);
    let mut last_inum = 0;
    for _ in 0..10_000 {
        let u = init_uts.copy(owner.clone()).expect("under the namespace limit");
        let p = init_pid.new_child(owner.clone()).expect("one level below the initial PID namespace");
        let t = init_time.copy(owner.clone()).expect("under the namespace limit");
        last_inum = u.common().inum().max(p.common().inum()).max(t.common().inum());
    }
    let (heap_after, _) = memory::heap::stats();
    let live_after = registry::count(NsKind::Uts) + registry::count(NsKind::Pid) + registry::count(NsKind::Time);
    assert_eq!(live_after, live_before, "namespaces left in the registry");
    assert_eq!(heap_after, heap_before, "namespaces leaked heap memory");
    log::info!("selfcheck: 30000 namespaces created and freed, heap unchanged (last inode {last_inum})");
}

/// selftest=lockup: a kernel loop that never sleeps (interrupts on, as
/// for a task in the kernel).
#[inline(never)]
fn spin_forever() -> ! {
    arch::enable_interrupts();
    loop {
        core::hint::spin_loop();
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    arch::disable_interrupts();
    let location = info.location().map_or(("?", 0), |l| (l.file(), l.line()));
    // A panic inside the panic path (a fault while printing the backtrace)
    // only prints its message.
    static PANICKING: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);
    let nested = PANICKING.swap(true, core::sync::atomic::Ordering::Relaxed);
    console::print_panic(format_args!(
        "\nkernel panic at {}:{}: {}\n",
        location.0,
        location.1,
        info.message()
    ));
    if !nested {
        console::print_panic(format_args!("task: {}\n", backtrace::current_task_name()));
        backtrace::print_backtrace_here();
    }
    power::shutdown(PANIC_EXIT_CODE)
}
