//! read(2), write(2), readv(2), writev(2), pread64, pwrite64, lseek(2),
//! sendfile(2), copy_file_range(2), truncate(2), ftruncate(2),
//! fallocate(2), fsync(2), sync(2).

use alloc::vec::Vec;

use linux_object::fs::file::{FileLike, OpenFlags, PollEvents, SEEK_CUR, SEEK_SET};
use linux_object::fs::perm::{MAY_WRITE, check_access};
use linux_object::fs::vfs::{FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, FileType};
use linux_object::mm::user::UserPtr;
use linux_object::mm::PAGE_SIZE;
use linux_object::{Errno, return_errno, return_errno_with_message};

use super::{blocking, file_of, fs_and_creds, read_path};
use crate::{Args, Ctx, SysResult, vm_of};

/// Linux caps one read or write at MAX_RW_COUNT (INT_MAX & PAGE_MASK).
const MAX_RW_COUNT: usize = 0x7fff_f000;
/// We move data through a kernel buffer of at most this size per step.
const CHUNK: usize = 1 << 20;

/// "EPIPE: fd is connected to a pipe whose reading end is closed. When
/// this happens the writing process will also receive a SIGPIPE signal" -
/// write(2); the same for sendfile, whose writes are pipe writes
/// (`pipe_write` sends it).
fn send_sigpipe(ctx: &Ctx) {
    let uid = ctx.thread.process().creds.lock().uid;
    let me = ctx.thread.process().pid_in(ctx.thread.process().pid_ns());
    ctx.thread.send_signal(linux_object::signal::SigInfo::user(
        linux_object::signal::SIGPIPE,
        linux_object::signal::SI_USER,
        me,
        uid,
    ));
}

/// Reads into user memory at `buf`, blocking per the file's flags.
fn read_into(ctx: &Ctx, file: &alloc::sync::Arc<dyn FileLike>, buf: usize, len: usize, offset: Option<u64>) -> SysResult {
    let len = len.min(MAX_RW_COUNT).min(CHUNK);
    // A bad buffer fails before anything is taken from the file.
    vm_of(ctx)?.lock().check_writable(buf, len)?;
    // A cached file: one copy, from its pages straight into the user's
    // (filemap_read's copy_page_to_iter).
    let mut frames = Vec::new();
    if let Some(found) = file.read_frames(offset, len, &mut frames) {
        let (start, n) = found?;
        let vm = vm_of(ctx)?;
        let mut vm = vm.lock();
        let mut done = 0;
        for frame in &frames {
            if done >= n {
                break;
            }
            let within = ((start + done as u64) % PAGE_SIZE as u64) as usize;
            let step = (PAGE_SIZE - within).min(n - done);
            vm.write_from_frame(buf + done, frame.as_deref(), within, step)?;
            done += step;
        }
        return Ok(n);
    }
    let mut data = linux_object::mm::zeroed_buffer(len)?;
    let n = blocking(ctx, file, PollEvents::IN, || match offset {
        Some(off) => file.pread(off, &mut data),
        None => file.read(&mut data),
    })?;
    UserPtr::<u8>::new(buf).write_bytes(&mut vm_of(ctx)?.lock(), &data[..n])?;
    Ok(n)
}

/// Writes from user memory at `buf`. A blocking write to a pipe or terminal
/// goes on until everything is written (or a signal stops it after some
/// progress, which is then returned).
fn write_from(ctx: &Ctx, file: &alloc::sync::Arc<dyn FileLike>, buf: usize, len: usize, offset: Option<u64>) -> SysResult {
    let len = len.min(MAX_RW_COUNT);
    let mut done = 0;
    while done < len || len == 0 {
        let chunk = (len - done).min(CHUNK);
        let data = UserPtr::<u8>::new(buf + done).read_bytes(&mut vm_of(ctx)?.lock(), chunk)?;
        let mut written = 0;
        let result = blocking(ctx, file, PollEvents::OUT, || {
            let n = match offset {
                Some(off) => file.pwrite(off + (done + written) as u64, &data[written..])?,
                None => file.write(&data[written..])?,
            };
            written += n;
            if written < data.len() && n > 0 { Err(Errno::EAGAIN.into()) } else { Ok(written) }
        });
        match result {
            Ok(n) => done += n,
            Err(err) if done + written > 0 && err.errno == Errno::ERESTARTSYS => return Ok(done + written),
            Err(err) if err.errno == Errno::EPIPE => {
                send_sigpipe(ctx);
                return Err(err);
            }
            Err(err) if done + written > 0 => {
                let _ = err;
                return Ok(done + written);
            }
            Err(err) => return Err(err),
        }
        if len == 0 || (done < len && super::copy_should_stop(ctx)) {
            break;
        }
    }
    Ok(done)
}

pub fn sys_read(ctx: &mut Ctx, args: &Args) -> SysResult {
    let file = file_of(ctx, args.int(0))?;
    read_into(ctx, &file, args.get(1), args.get(2), None)
}

pub fn sys_write(ctx: &mut Ctx, args: &Args) -> SysResult {
    let file = file_of(ctx, args.int(0))?;
    write_from(ctx, &file, args.get(1), args.get(2), None)
}

fn check_offset(offset: usize) -> linux_object::Result<u64> {
    if (offset as i64) < 0 {
        return_errno!(EINVAL);
    }
    Ok(offset as u64)
}

pub fn sys_pread64(ctx: &mut Ctx, args: &Args) -> SysResult {
    let file = file_of(ctx, args.int(0))?;
    let offset = check_offset(args.get(3))?;
    read_into(ctx, &file, args.get(1), args.get(2), Some(offset))
}

pub fn sys_pwrite64(ctx: &mut Ctx, args: &Args) -> SysResult {
    let file = file_of(ctx, args.int(0))?;
    let offset = check_offset(args.get(3))?;
    write_from(ctx, &file, args.get(1), args.get(2), Some(offset))
}

/// Reads the iovec array: `EINVAL` for more than IOV_MAX (1024) entries or
/// a total over SSIZE_MAX.
fn read_iovecs(ctx: &Ctx, addr: usize, count: usize) -> linux_object::Result<Vec<(usize, usize)>> {
    if count > 1024 {
        return_errno!(EINVAL);
    }
    let vm = vm_of(ctx)?;
    let mut vm = vm.lock();
    let base = UserPtr::<usize>::new(addr);
    let mut iov = linux_object::mm::try_vec_with_capacity(count)?;
    let mut total: usize = 0;
    for i in 0..count {
        let ptr = base.add(2 * i)?.read(&mut vm)?;
        let len = base.add(2 * i + 1)?.read(&mut vm)?;
        total = total.checked_add(len).filter(|&t| t <= isize::MAX as usize).ok_or(Errno::EINVAL)?;
        iov.push((ptr, len));
    }
    Ok(iov)
}

type Transfer = fn(&Ctx, &alloc::sync::Arc<dyn FileLike>, usize, usize, Option<u64>) -> SysResult;

/// readv/writev: one transfer per iovec, stopping at the first short one;
/// an error after some progress returns the progress, as Linux does.
fn vectored(ctx: &Ctx, args: &Args, transfer: Transfer) -> SysResult {
    let file = file_of(ctx, args.int(0))?;
    let iov = read_iovecs(ctx, args.get(1), args.get(2))?;
    let (mut total, mut since_yield) = (0, 0);
    for (buf, len) in iov.into_iter().filter(|&(_, len)| len > 0) {
        if since_yield >= CHUNK {
            since_yield = 0;
            if super::copy_should_stop(ctx) {
                break;
            }
        }
        let n = match transfer(ctx, &file, buf, len, None) {
            Ok(n) => n,
            Err(_) if total > 0 => break,
            Err(err) => return Err(err),
        };
        total += n;
        since_yield += n;
        if n < len {
            break;
        }
    }
    Ok(total)
}

pub fn sys_readv(ctx: &mut Ctx, args: &Args) -> SysResult {
    vectored(ctx, args, read_into)
}

pub fn sys_writev(ctx: &mut Ctx, args: &Args) -> SysResult {
    vectored(ctx, args, write_from)
}

pub fn sys_lseek(ctx: &mut Ctx, args: &Args) -> SysResult {
    let file = file_of(ctx, args.int(0))?;
    Ok(file.seek(args.get(1) as i64, args.uint(2))? as usize)
}

/// sendfile(out, in, offset*, count): copies through a kernel buffer.
pub fn sys_sendfile(ctx: &mut Ctx, args: &Args) -> SysResult {
    let out = file_of(ctx, args.int(0))?;
    let input = file_of(ctx, args.int(1))?;
    let (offset_ptr, count) = (args.get(2), args.get(3).min(MAX_RW_COUNT));
    let offset_ptr = UserPtr::<i64>::new(offset_ptr);
    let mut offset = if offset_ptr.is_null() {
        None
    } else {
        let value = offset_ptr.read(&mut vm_of(ctx)?.lock())?;
        if value < 0 {
            return_errno!(EINVAL);
        }
        Some(value as u64)
    };
    let mut done = 0;
    let mut buf = linux_object::mm::zeroed_buffer(count.min(64 * 1024))?;
    // Once something was copied, an error or a signal ends the call with
    // the count so far (the offset is still updated).
    let mut chunks = 0u32;
    while done < count {
        chunks += 1;
        if done > 0 && chunks % 16 == 0 && super::copy_should_stop(ctx) {
            break;
        }
        let want = (count - done).min(buf.len());
        let read = match offset {
            Some(off) => input.pread(off, &mut buf[..want]),
            None => blocking(ctx, &input, PollEvents::IN, || input.read(&mut buf[..want])),
        };
        let n = match read {
            Ok(0) => break,
            Ok(n) => n,
            Err(_) if done > 0 => break,
            Err(err) => return Err(err),
        };
        let mut written = 0;
        while written < n {
            match blocking(ctx, &out, PollEvents::OUT, || out.write(&buf[written..n])) {
                Ok(0) => break,
                Ok(w) => written += w,
                Err(err) if err.errno == Errno::EPIPE => {
                    send_sigpipe(ctx);
                    if done + written > 0 {
                        break;
                    }
                    return Err(err);
                }
                Err(_) if done + written > 0 => break,
                Err(err) => return Err(err),
            }
        }
        done += written;
        if let Some(off) = offset.as_mut() {
            *off += written as u64;
        }
        if written < n {
            break;
        }
    }
    if let Some(off) = offset {
        offset_ptr.write(&mut vm_of(ctx)?.lock(), &(off as i64))?;
    }
    Ok(done)
}

/// An offset argument of copy_file_range: `None` for NULL (use and
/// advance the file position), `EFAULT` for a bad pointer.
fn read_offset(ctx: &Ctx, ptr: &UserPtr<i64>) -> linux_object::Result<Option<i64>> {
    if ptr.is_null() { Ok(None) } else { Ok(Some(ptr.read(&mut vm_of(ctx)?.lock())?)) }
}

/// copy_file_range(2): copies between two regular files of one file system
/// in the kernel, page cache to page cache (the splice fallback of
/// `vfs_copy_file_range`, fs/read_write.c). Checks in Linux's order
/// (`generic_copy_file_checks`): `EINVAL` for flags, `EISDIR` for a
/// directory, `EINVAL` for other non-regular files, `EBADF` for an input
/// not open for reading or an output not open for writing or opened with
/// `O_APPEND`, `EXDEV` across file systems, `EOVERFLOW` when an offset
/// plus the length wraps (a negative offset does, as unsigned), `EFBIG` past the largest file, `EINVAL` for
/// overlapping ranges of one file or a negative offset. Copies at most up
/// to the input's end; 0 at or past it.
pub fn sys_copy_file_range(ctx: &mut Ctx, args: &Args) -> SysResult {
    let input = file_of(ctx, args.int(0))?;
    let out = file_of(ctx, args.int(2))?;
    let (in_ptr, out_ptr) = (UserPtr::<i64>::new(args.get(1)), UserPtr::<i64>::new(args.get(3)));
    let (off_in, off_out) = (read_offset(ctx, &in_ptr)?, read_offset(ctx, &out_ptr)?);
    if args.uint(5) != 0 {
        return_errno!(EINVAL);
    }
    let (meta_in, meta_out) = (input.metadata()?, out.metadata()?);
    if meta_in.kind == FileType::Directory || meta_out.kind == FileType::Directory {
        return_errno!(EISDIR);
    }
    if meta_in.kind != FileType::Regular || meta_out.kind != FileType::Regular {
        return_errno!(EINVAL);
    }
    let out_flags = out.status_flags();
    if !input.status_flags().readable() || !out_flags.writable() || out_flags.contains(OpenFlags::APPEND) {
        return_errno!(EBADF);
    }
    if meta_in.dev != meta_out.dev {
        return_errno!(EXDEV);
    }
    let pos_in = match off_in {
        Some(pos) => pos,
        None => input.seek(0, SEEK_CUR)? as i64,
    };
    let pos_out = match off_out {
        Some(pos) => pos,
        None => out.seek(0, SEEK_CUR)? as i64,
    };
    let mut len = args.get(4).min(MAX_RW_COUNT) as i64;
    // Linux adds the count to the offsets as unsigned numbers, so a
    // negative offset "wraps" too: EOVERFLOW, not EINVAL.
    if (pos_in as u64).checked_add(len as u64).is_none() || (pos_out as u64).checked_add(len as u64).is_none() {
        return_errno!(EOVERFLOW);
    }
    if pos_in < 0 || pos_out < 0 {
        return_errno!(EINVAL);
    }
    len = len.min((meta_in.size as i64 - pos_in).max(0));
    let max = linux_object::fs::file_pages::MAX_FILE_SIZE as i64;
    if len > 0 && pos_out >= max {
        return_errno!(EFBIG);
    }
    len = len.min(max - pos_out);
    let same = (meta_in.dev, meta_in.ino) == (meta_out.dev, meta_out.ino);
    if same && pos_out + len > pos_in && pos_out < pos_in + len {
        return_errno_with_message!(EINVAL, "copy_file_range: overlapping ranges of one file");
    }
    let len = len as usize;
    let mut buf = linux_object::mm::zeroed_buffer(len.min(64 * 1024))?;
    let mut done = 0;
    let mut chunks = 0u32;
    while done < len {
        chunks += 1;
        if done > 0 && chunks % 16 == 0 && super::copy_should_stop(ctx) {
            break;
        }
        let want = (len - done).min(buf.len());
        let n = match input.pread((pos_in as usize + done) as u64, &mut buf[..want]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(_) if done > 0 => break,
            Err(err) => return Err(err),
        };
        let written = match out.pwrite((pos_out as usize + done) as u64, &buf[..n]) {
            Ok(w) => w,
            Err(_) if done > 0 => break,
            Err(err) => return Err(err),
        };
        done += written;
        if written < n {
            break;
        }
    }
    let vm = vm_of(ctx)?;
    match off_in {
        Some(pos) => in_ptr.write(&mut vm.lock(), &(pos + done as i64))?,
        None => drop(input.seek(pos_in + done as i64, SEEK_SET)?),
    }
    match off_out {
        Some(pos) => out_ptr.write(&mut vm.lock(), &(pos + done as i64))?,
        None => drop(out.seek(pos_out + done as i64, SEEK_SET)?),
    }
    Ok(done)
}

/// fallocate(2), as tmpfs has it (`vfs_fallocate`, then `shmem_fallocate`):
/// mode 0 and `FALLOC_FL_KEEP_SIZE` allocate, `FALLOC_FL_PUNCH_HOLE |
/// FALLOC_FL_KEEP_SIZE` frees. `EINVAL` for a negative offset or a length
/// of 0 or less, or an exclusive mode mixed with others; `EOPNOTSUPP` for
/// a punch without KEEP_SIZE, or collapse/zero/insert/unshare (tmpfs has
/// none); `EBADF` unless open for writing; `ESPIPE` for a FIFO; `EISDIR`;
/// `ENODEV` for other non-regular files; `EFBIG` past the largest file;
/// `ENOSPC` past the file system's size.
pub fn sys_fallocate(ctx: &mut Ctx, args: &Args) -> SysResult {
    const COLLAPSE_RANGE: u32 = 0x08;
    const ZERO_RANGE: u32 = 0x10;
    const INSERT_RANGE: u32 = 0x20;
    const UNSHARE_RANGE: u32 = 0x40;
    const SUPPORTED: u32 = FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | COLLAPSE_RANGE | ZERO_RANGE | INSERT_RANGE | UNSHARE_RANGE;
    let file = file_of(ctx, args.int(0))?;
    let (mode, offset, len) = (args.uint(1), args.get(2) as i64, args.get(3) as i64);
    if offset < 0 || len <= 0 {
        return_errno!(EINVAL);
    }
    if mode & !SUPPORTED != 0
        || mode & (FALLOC_FL_PUNCH_HOLE | ZERO_RANGE) == FALLOC_FL_PUNCH_HOLE | ZERO_RANGE
        || (mode & FALLOC_FL_PUNCH_HOLE != 0 && mode & FALLOC_FL_KEEP_SIZE == 0)
    {
        return_errno!(EOPNOTSUPP);
    }
    if (mode & COLLAPSE_RANGE != 0 && mode != COLLAPSE_RANGE)
        || (mode & INSERT_RANGE != 0 && mode != INSERT_RANGE)
        || (mode & UNSHARE_RANGE != 0 && mode & !(UNSHARE_RANGE | FALLOC_FL_KEEP_SIZE) != 0)
    {
        return_errno!(EINVAL);
    }
    if !file.status_flags().writable() {
        return_errno!(EBADF);
    }
    match file.metadata()?.kind {
        FileType::Fifo => return_errno!(ESPIPE),
        FileType::Directory => return_errno!(EISDIR),
        FileType::Regular => {}
        _ => return_errno!(ENODEV),
    }
    if offset.checked_add(len).is_none_or(|end| end as u64 > linux_object::fs::file_pages::MAX_FILE_SIZE) {
        return_errno!(EFBIG);
    }
    if mode & !(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE) != 0 {
        return_errno_with_message!(EOPNOTSUPP, "fallocate: tmpfs has no collapse, zero, insert or unshare");
    }
    let inode = file.inode().ok_or(Errno::ENODEV)?;
    inode.fallocate(mode, offset as u64, len as u64)?;
    Ok(0)
}

pub fn sys_ftruncate(ctx: &mut Ctx, args: &Args) -> SysResult {
    let file = file_of(ctx, args.int(0))?;
    if (args.get(1) as i64) < 0 {
        return_errno!(EINVAL);
    }
    if file.metadata()?.kind != FileType::Regular {
        return_errno!(EINVAL);
    }
    file.truncate(args.get(1) as u64)?;
    Ok(0)
}

pub fn sys_truncate(ctx: &mut Ctx, args: &Args) -> SysResult {
    let path = read_path(ctx, args.get(0))?;
    if (args.get(1) as i64) < 0 {
        return_errno!(EINVAL);
    }
    let (fs, creds) = fs_and_creds(ctx);
    let target = fs.resolve(&creds, &fs.cwd, &path, true)?;
    let meta = target.inode().metadata();
    match meta.kind {
        FileType::Directory => return_errno!(EISDIR),
        FileType::Regular => {}
        _ => return_errno!(EINVAL),
    }
    check_access(&meta, &creds, MAY_WRITE)?;
    // Write access for the call: ETXTBSY for a running program (vfs_truncate).
    let inode = target.inode();
    inode.get_write_access()?;
    let result = inode.truncate(args.get(1) as u64);
    inode.put_write_access();
    result?;
    Ok(0)
}

/// fsync(2)/fdatasync(2): everything lives in memory, so there is nothing
/// to flush; a bad fd is still EBADF.
pub fn sys_fsync(ctx: &mut Ctx, args: &Args) -> SysResult {
    file_of(ctx, args.int(0))?;
    Ok(0)
}

/// sync(2): nothing to flush.
pub fn sys_sync(_ctx: &mut Ctx, _args: &Args) -> SysResult {
    Ok(0)
}
