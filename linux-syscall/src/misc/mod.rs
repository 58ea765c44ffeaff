//! Syscalls that belong to no bigger family: uname, getrandom, rseq.

use linux_object::hal::hal;
use linux_object::mm::user::UserPtr;
use linux_object::{Errno, return_errno};

use crate::{Args, Ctx, SysResult, vm_of};

/// The release string tools parse; "6.12.0" so version checks pass.
pub const RELEASE: &str = "6.12.0-nscore";
pub const VERSION: &str = "#1 SMP nsCore";

/// uname(2): six 65-byte fields of `struct new_utsname`.
pub fn sys_uname(ctx: &mut Ctx, args: &Args) -> SysResult {
    let machine = match ctx.kernel.arch() {
        crate::Arch::Riscv64 => "riscv64",
        crate::Arch::X86_64 => "x86_64",
    };
    let uts = ctx.thread.process().nsproxy().uts.clone();
    let (nodename, domainname) = (uts.nodename(), uts.domainname());
    let fields = ["Linux", nodename.as_str(), RELEASE, VERSION, machine, domainname.as_str()];
    let mut buf = [0u8; 65 * 6];
    for (i, field) in fields.iter().enumerate() {
        let len = field.len().min(64);
        buf[i * 65..i * 65 + len].copy_from_slice(&field.as_bytes()[..len]);
    }
    UserPtr::<u8>::new(args.get(0)).write_bytes(&mut vm_of(ctx)?.lock(), &buf)?;
    Ok(0)
}

/// getrandom(2): GRND_NONBLOCK 1, GRND_RANDOM 2, GRND_INSECURE 4; the pool is
/// always ready, so no flag blocks.
pub fn sys_getrandom(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (buf, len, flags) = (args.get(0), args.get(1), args.uint(2));
    if flags & !7 != 0 || flags & 6 == 6 {
        return_errno!(EINVAL);
    }
    // "it may return fewer bytes than requested" - getrandom(2); one call
    // fills at most 1 MiB so the kernel buffer stays small.
    let len = len.min(1 << 20);
    let mut data = linux_object::mm::zeroed_buffer(len)?;
    hal().fill_random(&mut data);
    UserPtr::<u8>::new(buf).write_bytes(&mut vm_of(ctx)?.lock(), &data)?;
    Ok(len)
}

/// rseq(2) is not supported: ENOSYS, which glibc and musl handle by not
/// using restartable sequences.
pub fn sys_rseq_enosys(_ctx: &mut Ctx, _args: &Args) -> SysResult {
    Err(Errno::ENOSYS.into())
}

/// sysinfo(2): `struct sysinfo` (112 bytes on 64-bit) with mem_unit 1.
pub fn sys_sysinfo(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (total, free) = hal().memory_stats();
    // sysinfo's uptime is CLOCK_BOOTTIME in the caller's time namespace.
    let uptime = ctx.thread.process().nsproxy().time.boottime_ns() / linux_object::time::NSEC_PER_SEC;
    let mut buf = [0u8; 112];
    let mut put = |offset: usize, value: u64| buf[offset..offset + 8].copy_from_slice(&value.to_le_bytes());
    put(0, uptime);
    // loads[3] at 8, 16, 24, scaled by 1 << SI_LOAD_SHIFT (16).
    let shift = 16 - linux_object::process::loadavg::FSHIFT;
    for (i, load) in linux_object::process::loadavg::averages().into_iter().enumerate() {
        put(8 + i * 8, load << shift);
    }
    put(32, total as u64);
    put(40, free as u64);
    // sharedram: the page cache of tmpfs/ramfs files (NR_SHMEM, as
    // /proc/meminfo's Shmem); bufferram 56, totalswap 64, freeswap 72: none.
    put(48, linux_object::fs::file_pages::file_pages() * 4096);
    let procs = linux_object::process::process_count().min(u16::MAX as usize) as u16;
    buf[80..82].copy_from_slice(&procs.to_le_bytes());
    // totalhigh 88, freehigh 96: none; mem_unit at 104.
    buf[104..108].copy_from_slice(&1u32.to_le_bytes());
    UserPtr::<u8>::new(args.get(0)).write_bytes(&mut vm_of(ctx)?.lock(), &buf)?;
    Ok(0)
}

/// sched_getaffinity(2): one CPU. Returns the size of the kernel's cpumask
/// (one long), `EINVAL` if the caller's buffer is smaller.
pub fn sys_sched_getaffinity(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (pid, len, mask) = (args.int(0), args.get(1), args.get(2));
    if pid < 0 || (pid > 0 && crate::process::thread_by_vpid(ctx, pid as u32).is_none()) {
        return_errno!(ESRCH);
    }
    if len < 8 || len % 8 != 0 {
        return_errno!(EINVAL);
    }
    UserPtr::<u64>::new(mask).write(&mut vm_of(ctx)?.lock(), &1)?;
    Ok(8)
}

/// sched_setaffinity(2): any mask that includes CPU 0 is satisfiable.
pub fn sys_sched_setaffinity(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (pid, len, mask) = (args.int(0), args.get(1), args.get(2));
    if pid < 0 || (pid > 0 && crate::process::thread_by_vpid(ctx, pid as u32).is_none()) {
        return_errno!(ESRCH);
    }
    if len == 0 {
        return_errno!(EINVAL);
    }
    let first = UserPtr::<u8>::new(mask).read(&mut vm_of(ctx)?.lock())?;
    if first & 1 == 0 {
        return_errno!(EINVAL);
    }
    Ok(0)
}

/// The persona part of a personality(2) value (`PER_MASK`).
pub const PER_MASK: u32 = 0xff;
/// Flags a set-user-ID execve clears (`PER_CLEAR_ON_SETID`).
pub const PER_CLEAR_ON_SETID: u32 = 0x0040_0000 | 0x0004_0000 | 0x0020_0000 | 0x0010_0000;

/// personality(persona): sets the execution domain unless it is
/// 0xffffffff (a query), and returns the old one (`sys_personality`,
/// kernel/exec_domain.c). Any value is stored; only Linux's own persona
/// exists here, so the value changes nothing else (not uname's output for
/// UNAME26 or PER_LINUX32).
pub fn sys_personality(ctx: &mut Ctx, args: &Args) -> SysResult {
    let persona = args.uint(0);
    let process = ctx.thread.process();
    let old = if persona == 0xffff_ffff { process.personality() } else { process.set_personality(persona) };
    Ok(old as i32 as isize as usize)
}

const PR_SET_PDEATHSIG: i32 = 1;
const PR_GET_PDEATHSIG: i32 = 2;
const PR_GET_DUMPABLE: i32 = 3;
const PR_SET_DUMPABLE: i32 = 4;
const PR_SET_NAME: i32 = 15;
const PR_GET_NAME: i32 = 16;
const PR_SET_CHILD_SUBREAPER: i32 = 36;
const PR_GET_CHILD_SUBREAPER: i32 = 37;

/// prctl(2), the options user space commonly needs.
pub fn sys_prctl(ctx: &mut Ctx, args: &Args) -> SysResult {
    let process = ctx.thread.process().clone();
    match args.int(0) {
        PR_SET_CHILD_SUBREAPER => {
            process.set_child_subreaper(args.get(1) != 0);
            Ok(0)
        }
        PR_GET_CHILD_SUBREAPER => {
            let value = process.is_child_subreaper() as i32;
            UserPtr::<i32>::new(args.get(1)).write(&mut vm_of(ctx)?.lock(), &value)?;
            Ok(0)
        }
        PR_SET_NAME => {
            let name = UserPtr::<u8>::new(args.get(1)).read_cstr(&mut vm_of(ctx)?.lock(), 4096)?;
            let name = &name[..name.len().min(15)];
            process.set_comm(alloc::string::String::from_utf8_lossy(name).into_owned());
            Ok(0)
        }
        PR_GET_NAME => {
            let mut buf = [0u8; 16];
            let comm = process.comm();
            buf[..comm.len().min(15)].copy_from_slice(&comm.as_bytes()[..comm.len().min(15)]);
            UserPtr::<u8>::new(args.get(1)).write_bytes(&mut vm_of(ctx)?.lock(), &buf)?;
            Ok(0)
        }
        PR_SET_PDEATHSIG => {
            // "the signal that the calling process will get when its parent
            // dies" - prctl(2); 0 clears it.
            if args.get(1) > 64 {
                return_errno!(EINVAL);
            }
            process.set_pdeath_signal(args.get(1) as u32);
            Ok(0)
        }
        PR_GET_PDEATHSIG => {
            UserPtr::<i32>::new(args.get(1)).write(&mut vm_of(ctx)?.lock(), &(process.pdeath_signal() as i32))?;
            Ok(0)
        }
        PR_GET_DUMPABLE => Ok(1),
        PR_SET_DUMPABLE => match args.get(1) {
            0 | 1 => Ok(0),
            _ => return_errno!(EINVAL),
        },
        option => {
            log::warn!("prctl: option {option} is not supported");
            return_errno!(EINVAL)
        }
    }
}

fn set_uts_name(ctx: &mut Ctx, args: &Args, domain: bool) -> SysResult {
    // "CAP_SYS_ADMIN in the user namespace associated with its UTS
    // namespace" - sethostname(2); checked before the length, as Linux does.
    let uts = ctx.thread.process().nsproxy().uts.clone();
    let owner = linux_object::namespace::Namespace::common(&*uts).owner();
    let creds = ctx.thread.process().creds.lock().clone();
    if !linux_object::namespace::ns_capable(&creds, &owner, linux_object::namespace::user::CAP_SYS_ADMIN) {
        return_errno!(EPERM);
    }
    let len = args.int(1);
    if !(0..=linux_object::namespace::uts::UTS_LEN as i32).contains(&len) {
        return_errno!(EINVAL);
    }
    let name = UserPtr::<u8>::new(args.get(0)).read_bytes(&mut vm_of(ctx)?.lock(), len as usize)?;
    if domain { uts.set_domainname(&name)? } else { uts.set_nodename(&name)? }
    Ok(0)
}

/// sethostname(2): `EINVAL` for a negative length or one over 64, `EPERM`
/// without CAP_SYS_ADMIN.
pub fn sys_sethostname(ctx: &mut Ctx, args: &Args) -> SysResult {
    set_uts_name(ctx, args, false)
}

pub fn sys_setdomainname(ctx: &mut Ctx, args: &Args) -> SysResult {
    set_uts_name(ctx, args, true)
}

const RISCV_HWPROBE_KEY_MVENDORID: i64 = 0;
const RISCV_HWPROBE_KEY_MARCHID: i64 = 1;
const RISCV_HWPROBE_KEY_MIMPID: i64 = 2;
const RISCV_HWPROBE_KEY_BASE_BEHAVIOR: i64 = 3;
const RISCV_HWPROBE_KEY_IMA_EXT_0: i64 = 4;
const RISCV_HWPROBE_KEY_CPUPERF_0: i64 = 5;

/// riscv_hwprobe(pairs, pair_count, cpusetsize, cpus, flags)
/// (Documentation/arch/riscv/hwprobe.rst): we describe the rv64gc hart
/// QEMU emulates; unknown keys get key = -1, as Linux does.
pub fn sys_riscv_hwprobe(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (pairs, count, flags) = (args.get(0), args.get(1), args.get(4));
    if flags != 0 {
        return_errno!(EINVAL);
    }
    let vm = vm_of(ctx)?;
    let mut vm = vm.lock();
    for i in 0..count.min(64) {
        let key_ptr = UserPtr::<i64>::new(pairs).add(2 * i)?;
        let key = key_ptr.read(&mut vm)?;
        let value: u64 = match key {
            RISCV_HWPROBE_KEY_MVENDORID | RISCV_HWPROBE_KEY_MARCHID | RISCV_HWPROBE_KEY_MIMPID => 0,
            RISCV_HWPROBE_KEY_BASE_BEHAVIOR => 1,     // RISCV_HWPROBE_BASE_BEHAVIOR_IMA
            RISCV_HWPROBE_KEY_IMA_EXT_0 => 0b11,      // IMA_FD | IMA_C
            RISCV_HWPROBE_KEY_CPUPERF_0 => 0,         // MISALIGNED_UNKNOWN
            _ => {
                key_ptr.write(&mut vm, &-1)?;
                0
            }
        };
        UserPtr::<u64>::new(pairs).add(2 * i + 1)?.write(&mut vm, &value)?;
    }
    Ok(0)
}

/// riscv_flush_icache(start, end, flags): one hart, and user code may run
/// fence.i itself, so nothing is left to do; flags other than
/// SYS_RISCV_FLUSH_ICACHE_LOCAL (1) are EINVAL.
pub fn sys_riscv_flush_icache(_ctx: &mut Ctx, args: &Args) -> SysResult {
    if args.get(2) & !1 != 0 {
        return_errno!(EINVAL);
    }
    Ok(0)
}

const LINUX_REBOOT_MAGIC1: u32 = 0xfee1dead;
const LINUX_REBOOT_MAGIC2: [u32; 4] = [672274793, 85072278, 369367448, 537993216];
const LINUX_REBOOT_CMD_RESTART: u32 = 0x01234567;
const LINUX_REBOOT_CMD_HALT: u32 = 0xCDEF0123;
const LINUX_REBOOT_CMD_POWER_OFF: u32 = 0x4321FEDC;
const LINUX_REBOOT_CMD_CAD_ON: u32 = 0x89ABCDEF;
const LINUX_REBOOT_CMD_CAD_OFF: u32 = 0x00000000;

/// reboot(2): needs CAP_SYS_BOOT and the magic numbers. Halt and power-off
/// stop the machine (QEMU exits with status 0); restart is not supported
/// and also powers off, with a log line; Ctrl-Alt-Del settings are accepted.
pub fn sys_reboot(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (magic1, magic2, cmd) = (args.uint(0), args.uint(1), args.uint(2));
    if magic1 != LINUX_REBOOT_MAGIC1 || !LINUX_REBOOT_MAGIC2.contains(&magic2) {
        return_errno!(EINVAL);
    }
    // TODO(user namespaces): reboot in a child PID namespace signals its init.
    if !ctx.thread.process().creds.lock().is_privileged() {
        return_errno!(EPERM);
    }
    match cmd {
        LINUX_REBOOT_CMD_POWER_OFF | LINUX_REBOOT_CMD_HALT => ctx.kernel.power_off(0),
        LINUX_REBOOT_CMD_RESTART => {
            log::warn!("reboot: restart is not supported; powering off");
            ctx.kernel.power_off(0)
        }
        LINUX_REBOOT_CMD_CAD_ON | LINUX_REBOOT_CMD_CAD_OFF => Ok(0),
        _ => return_errno!(EINVAL),
    }
}

const ARCH_SET_GS: i32 = 0x1001;
const ARCH_SET_FS: i32 = 0x1002;
const ARCH_GET_FS: i32 = 0x1003;
const ARCH_GET_GS: i32 = 0x1004;
const ARCH_GET_CPUID: i32 = 0x1011;
/// TASK_SIZE_MAX on x86-64 (4-level paging): user addresses stay below.
const TASK_SIZE_MAX: usize = 0x0000_7fff_ffff_f000;

/// arch_prctl(code, addr) (x86_64): the FS base (musl's thread pointer) and
/// the GS base; `EPERM` for an address outside user space. CPUID is always
/// enabled.
pub fn sys_arch_prctl(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (code, addr) = (args.int(0), args.get(1));
    match code {
        ARCH_SET_FS => {
            if addr >= TASK_SIZE_MAX {
                return_errno!(EPERM);
            }
            ctx.regs.set_tls(addr);
            Ok(0)
        }
        ARCH_GET_FS => {
            let fs = ctx.regs.tls() as u64;
            UserPtr::<u64>::new(addr).write(&mut vm_of(ctx)?.lock(), &fs)?;
            Ok(0)
        }
        ARCH_SET_GS => {
            if addr >= TASK_SIZE_MAX {
                return_errno!(EPERM);
            }
            if !ctx.regs.set_gs_base(addr) {
                return_errno!(EINVAL);
            }
            Ok(0)
        }
        ARCH_GET_GS => {
            let gs = ctx.regs.gs_base().ok_or(Errno::EINVAL)? as u64;
            UserPtr::<u64>::new(addr).write(&mut vm_of(ctx)?.lock(), &gs)?;
            Ok(0)
        }
        ARCH_GET_CPUID => Ok(1),
        _ => return_errno!(EINVAL),
    }
}
