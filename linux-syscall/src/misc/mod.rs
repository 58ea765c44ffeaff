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
    // TODO(uts namespace): nodename and domainname come from the task's UTS namespace.
    let fields = ["Linux", "nscore", RELEASE, VERSION, machine, "(none)"];
    let mut buf = [0u8; 65 * 6];
    for (i, field) in fields.iter().enumerate() {
        buf[i * 65..i * 65 + field.len()].copy_from_slice(field.as_bytes());
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
    // Linux caps one call at 32 MiB - 1 (MAX_RW_COUNT is larger; getrandom
    // returns short counts for large requests).
    let len = len.min(1 << 25);
    let mut data = alloc::vec![0u8; len];
    hal().fill_random(&mut data);
    UserPtr::<u8>::new(buf).write_bytes(&mut vm_of(ctx)?.lock(), &data)?;
    Ok(len)
}

/// rseq(2) is not supported: ENOSYS, which glibc and musl handle by not
/// using restartable sequences.
pub fn sys_rseq_enosys(_ctx: &mut Ctx, _args: &Args) -> SysResult {
    Err(Errno::ENOSYS.into())
}
