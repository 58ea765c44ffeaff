//! Memory syscalls: brk, mmap, munmap, mprotect, mremap, msync, mincore,
//! madvise. Semantics from brk(2), mmap(2), mprotect(2), mremap(2),
//! msync(2), mincore(2); code in linux-object/src/mm.

use alloc::string::String;

use linux_object::fs::file::InodeSource;
use linux_object::fs::vfs::{FileType, makedev};
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
            VmaBacking::Shared { object: linux_object::mm::SharedObject::new(), first_page: 0 }
        } else {
            VmaBacking::Anonymous
        }
    } else {
        // "offset overflow?": a file mapping must end within the largest
        // file (file_mmap_ok, mm/mmap.c).
        let max = linux_object::fs::file_pages::MAX_FILE_SIZE;
        if offset as u64 >= max || len as u64 > max - offset as u64 {
            return_errno!(EOVERFLOW);
        }
        file_backing(ctx, fd, offset, prot, shared)?
    };
    let fixed = flags & MAP_FIXED != 0;
    let noreplace = flags & MAP_FIXED_NOREPLACE != 0;
    vm_of(ctx)?.lock().mmap(addr, len, prot, fixed, noreplace && !fixed, backing, String::new())
}

/// The backing of a file mapping: `EBADF` for a bad fd, `EACCES` when the
/// open mode does not allow the protection (a shared writable mapping needs
/// O_RDWR), `ENODEV` for files that cannot be mapped. /dev/zero maps as
/// anonymous memory, as in Linux.
fn file_backing(ctx: &Ctx, fd: i32, offset: usize, prot: Prot, shared: bool) -> linux_object::Result<VmaBacking> {
    let file = crate::fs::file_of(ctx, fd)?;
    let flags = file.status_flags();
    let meta = file.metadata()?;
    if meta.kind == FileType::CharDevice && (meta.rdev == makedev(1, 5)) {
        return Ok(if shared {
            VmaBacking::Shared { object: linux_object::mm::SharedObject::new(), first_page: 0 }
        } else {
            VmaBacking::Anonymous
        });
    }
    if meta.kind != FileType::Regular {
        return_errno_with_message!(ENODEV, "only regular files can be mapped");
    }
    if !flags.readable() || (shared && prot.contains(Prot::WRITE) && !flags.writable()) {
        return_errno!(EACCES);
    }
    let inode = file.inode().ok_or(Errno::ENODEV)?;
    inode.mmap_allowed()?;
    let source: alloc::sync::Arc<dyn linux_object::mm::MmapSource> = alloc::sync::Arc::new(InodeSource(inode));
    // Shared or private, the mapping shows the page cache's own frames.
    Ok(VmaBacking::File { source, offset: offset as u64, shared, may_write: flags.writable() })
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

const MADV_DONTNEED: i32 = 4;

const MS_ASYNC: i32 = 1;
const MS_INVALIDATE: i32 = 2;
const MS_SYNC: i32 = 4;

/// msync(2). File pages are the page cache's own frames, which `read(2)`
/// reads, so there is nothing to write back (tmpfs's `noop_fsync`); what
/// is left is msync's checks (`sys_msync`, mm/msync.c): `EINVAL` for
/// unknown flags, MS_SYNC with MS_ASYNC, or an unaligned address;
/// `ENOMEM` if part of the range is unmapped. The length is rounded up to
/// pages the way Linux does it, wrapping included (a length that wraps to
/// 0 syncs nothing and succeeds).
pub fn sys_msync(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (addr, len, flags) = (args.get(0), args.get(1), args.int(2));
    if flags & !(MS_ASYNC | MS_INVALIDATE | MS_SYNC) != 0
        || addr % PAGE_SIZE != 0
        || (flags & MS_ASYNC != 0 && flags & MS_SYNC != 0)
    {
        return_errno!(EINVAL);
    }
    let len = len.wrapping_add(PAGE_SIZE - 1) & !(PAGE_SIZE - 1);
    let end = addr.checked_add(len).ok_or(Errno::ENOMEM)?;
    if end == addr || vm_of(ctx)?.lock().covers(addr, end) {
        Ok(0)
    } else {
        return_errno!(ENOMEM)
    }
}

const MREMAP_MAYMOVE: u32 = 1;
const MREMAP_FIXED: u32 = 2;
const MREMAP_DONTUNMAP: u32 = 4;

/// mremap(2): `EINVAL` for unknown flags, an unaligned address, a new
/// size of 0, `MREMAP_FIXED` or `MREMAP_DONTUNMAP` without
/// `MREMAP_MAYMOVE`, or `MREMAP_DONTUNMAP` with a size change (any kind of
/// mapping, as since Linux 5.13); the rest in `VmSpace::mremap`.
pub fn sys_mremap(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (old, old_len, new_len, flags, new_addr) = (args.get(0), args.get(1), args.get(2), args.uint(3), args.get(4));
    if flags & !(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP) != 0
        || old % PAGE_SIZE != 0
        || (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP) != 0 && flags & MREMAP_MAYMOVE == 0)
        || (flags & MREMAP_DONTUNMAP != 0 && old_len != new_len)
    {
        return_errno!(EINVAL);
    }
    let fixed = (flags & MREMAP_FIXED != 0).then_some(new_addr);
    vm_of(ctx)?.lock().mremap(old, old_len, new_len, flags & MREMAP_MAYMOVE != 0, fixed, flags & MREMAP_DONTUNMAP != 0)
}

/// mincore(2): one byte per page of `[addr, addr + len)`, bit 0 set when
/// the page is resident (for a file mapping: in the page cache).
/// `EINVAL` for an unaligned address, `ENOMEM` when part of the range is
/// unmapped or outside user memory, `EFAULT` for a bad vector. Goes in
/// chunks, so a huge length takes no more kernel memory than a small one.
pub fn sys_mincore(ctx: &mut Ctx, args: &Args) -> SysResult {
    const CHUNK: usize = 4096; // pages per round
    let (addr, len, vec) = (args.get(0), args.get(1), args.get(2));
    if addr % PAGE_SIZE != 0 {
        return_errno!(EINVAL);
    }
    let pages = len.div_ceil(PAGE_SIZE);
    let end = pages
        .checked_mul(PAGE_SIZE)
        .and_then(|l| addr.checked_add(l))
        .filter(|&e| e <= linux_object::mm::USER_END)
        .ok_or(Errno::ENOMEM)?;
    let vm = vm_of(ctx)?;
    if !vm.lock().covers(addr, end) {
        return_errno!(ENOMEM);
    }
    let mut done = 0;
    while done < pages {
        let count = (pages - done).min(CHUNK);
        let resident = vm.lock().residency(addr + done * PAGE_SIZE, count);
        let bytes: alloc::vec::Vec<u8> = resident.iter().map(|&r| r as u8).collect();
        vm.lock().write_bytes(vec.checked_add(done).ok_or(Errno::EFAULT)?, &bytes)?;
        done += count;
    }
    Ok(0)
}

/// madvise(2): advice is a hint, except MADV_DONTNEED, after which private
/// anonymous pages read back as zeros (programs rely on that), so those
/// pages are dropped. Other known values are accepted; unknown ones EINVAL.
pub fn sys_madvise(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (addr, len, advice) = (args.get(0), args.get(1), args.int(2));
    if addr % PAGE_SIZE != 0 {
        return_errno!(EINVAL);
    }
    match advice {
        MADV_DONTNEED => {
            vm_of(ctx)?.lock().discard(addr, len)?;
            Ok(0)
        }
        0..=3 | 8..=25 | 100..=101 => Ok(0),
        _ => return_errno!(EINVAL),
    }
}
