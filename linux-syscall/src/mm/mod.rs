//! Memory syscalls: brk, mmap, munmap, mprotect, madvise.
//! Semantics from brk(2), mmap(2), mprotect(2); code in linux-object/src/mm.

use alloc::string::String;

use linux_object::mm::{Prot, VmaBacking, PAGE_SIZE};
use linux_object::{Errno, return_errno, return_errno_with_message};

use crate::{Args, Ctx, SysResult, vm_of};

const MAP_SHARED: u32 = 0x01;
const MAP_PRIVATE: u32 = 0x02;
const MAP_SHARED_VALIDATE: u32 = 0x03;
const MAP_TYPE: u32 = 0x0f;
const MAP_FIXED: u32 = 0x10;
const MAP_ANONYMOUS: u32 = 0x20;
const MAP_FIXED_NOREPLACE: u32 = 0x10_0000;
/// Flags mmap accepts (and, past placement, may ignore as Linux does):
/// MAP_GROWSDOWN, MAP_DENYWRITE, MAP_EXECUTABLE, MAP_LOCKED, MAP_NORESERVE,
/// MAP_POPULATE, MAP_NONBLOCK, MAP_STACK, MAP_HUGETLB (+ size bits), MAP_SYNC.
const MAP_KNOWN: u32 = MAP_TYPE | MAP_FIXED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE
    | 0x100 | 0x800 | 0x1000 | 0x2000 | 0x4000 | 0x8000 | 0x1_0000 | 0x2_0000 | 0x4_0000 | 0x8_0000
    | 0xfc00_0000;

/// brk(2): the kernel's brk returns the new (or, on failure, old) break.
pub fn sys_brk(ctx: &mut Ctx, args: &Args) -> SysResult {
    Ok(vm_of(ctx)?.lock().brk(args.get(0)))
}

fn prot_from(bits: u32) -> linux_object::Result<Prot> {
    // PROT_GROWSDOWN/PROT_GROWSUP are only meaningful for mprotect; reject others.
    Prot::from_bits(bits & !0x0300_0000).ok_or(Errno::EINVAL.into())
}

/// mmap(2).
pub fn sys_mmap(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (addr, len, prot, flags, fd, offset) =
        (args.get(0), args.get(1), args.uint(2), args.uint(3), args.int(4), args.get(5));
    let prot = prot_from(prot)?;
    if len == 0 || offset % PAGE_SIZE != 0 {
        return_errno!(EINVAL);
    }
    match flags & MAP_TYPE {
        MAP_SHARED | MAP_PRIVATE => {}
        MAP_SHARED_VALIDATE if flags & !MAP_KNOWN == 0 => {}
        MAP_SHARED_VALIDATE => return_errno!(EOPNOTSUPP),
        _ => return_errno!(EINVAL),
    }
    let shared = flags & MAP_TYPE != MAP_PRIVATE;
    let backing = if flags & MAP_ANONYMOUS != 0 {
        if shared {
            VmaBacking::Shared { object: linux_object::mm::SharedObject::new(None), first_page: 0 }
        } else {
            VmaBacking::Anonymous
        }
    } else {
        let _ = fd;
        // TODO(vfs): file mappings, once files exist.
        log::warn!("mmap: file mappings are not supported yet");
        return_errno_with_message!(ENODEV, "file mappings are not supported yet");
    };
    let fixed = flags & MAP_FIXED != 0;
    let noreplace = flags & MAP_FIXED_NOREPLACE != 0;
    vm_of(ctx)?.lock().mmap(addr, len, prot, fixed, noreplace && !fixed, backing, String::new())
}

/// munmap(2).
pub fn sys_munmap(ctx: &mut Ctx, args: &Args) -> SysResult {
    vm_of(ctx)?.lock().munmap(args.get(0), args.get(1))?;
    Ok(0)
}

/// mprotect(2).
pub fn sys_mprotect(ctx: &mut Ctx, args: &Args) -> SysResult {
    let prot = prot_from(args.uint(2))?;
    vm_of(ctx)?.lock().mprotect(args.get(0), args.get(1), prot)?;
    Ok(0)
}

/// madvise(2): advice is a hint; accept the known values, EINVAL others.
pub fn sys_madvise(_ctx: &mut Ctx, args: &Args) -> SysResult {
    if args.get(0) % PAGE_SIZE != 0 {
        return_errno!(EINVAL);
    }
    match args.int(2) {
        0..=4 | 8..=25 | 100..=101 => Ok(0),
        _ => return_errno!(EINVAL),
    }
}
