//! execve(2) and execveat(2). Mirrors fs/exec.c: everything that can fail is
//! done before the point of no return (loading into a fresh address space);
//! after it the old image is gone and only the new one can run.

use alloc::string::String;
use alloc::vec::Vec;

use linux_object::fs::file::{InodeSource, WriteDenial};
use linux_object::fs::mount::MountFlags;
use linux_object::fs::path::Path;
use linux_object::fs::perm::{MAY_EXEC, check_access};
use linux_object::fs::vfs::FileType;
use linux_object::hal::hal;
use linux_object::mm::VmSpace;
use linux_object::mm::user::UserPtr;
use linux_object::process::elf::{self, AuxInfo};
use linux_object::process::script::{self, MAX_RECURSION};
use linux_object::{Errno, Result, return_errno};

use crate::fs::{AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, fs_and_creds, read_path, resolve_at};
use crate::{Args, Ctx, SysResult, vm_of};

/// Linux limits argv+envp to a quarter of the stack limit (8 MiB → 2 MiB).
const ARG_MAX: usize = 2 << 20;
/// MAX_ARG_STRLEN: one argument may be at most 32 pages.
const MAX_ARG_STRLEN: usize = 32 * 4096;

fn read_strings(ctx: &Ctx, addr: usize, total: &mut usize) -> Result<Vec<Vec<u8>>> {
    if addr == 0 {
        return Ok(Vec::new());
    }
    let vm = vm_of(ctx)?;
    let mut vm = vm.lock();
    let ptrs = UserPtr::<usize>::new(addr).read_null_terminated(&mut vm, ARG_MAX / 8)?;
    let mut out = Vec::with_capacity(ptrs.len());
    for ptr in ptrs {
        let s = UserPtr::<u8>::new(ptr).read_cstr(&mut vm, MAX_ARG_STRLEN).map_err(|e| {
            if e.errno == Errno::ENAMETOOLONG { Errno::E2BIG.into() } else { e }
        })?;
        *total += s.len() + 1 + 8;
        if *total > ARG_MAX {
            return_errno!(E2BIG);
        }
        out.push(s);
    }
    Ok(out)
}

/// Checks that `path` is an executable regular file and opens it for the
/// loader (which reads its first page now and maps the rest), keeping
/// writers out: `ETXTBSY` if it is open for writing (`do_open_execat`).
fn read_executable(ctx: &Ctx, path: &Path) -> Result<(elf::ElfFile, WriteDenial)> {
    let (_, creds) = fs_and_creds(ctx);
    let meta = path.inode().metadata();
    match meta.kind {
        FileType::Regular => {}
        FileType::Directory => return_errno!(EACCES),
        _ => return_errno!(EACCES),
    }
    if path.mount().flags().contains(MountFlags::NOEXEC) {
        return_errno!(EACCES);
    }
    check_access(&meta, &creds, MAY_EXEC)?;
    let denial = WriteDenial::new(path.inode().clone())?;
    Ok((elf::ElfFile::from_source(alloc::sync::Arc::new(InodeSource(path.inode().clone())))?, denial))
}

pub fn sys_execve(ctx: &mut Ctx, args: &Args) -> SysResult {
    let path = read_path(ctx, args.get(0))?;
    do_execve(ctx, AT_FDCWD, &path, args.get(1), args.get(2), 0)
}

pub fn sys_execveat(ctx: &mut Ctx, args: &Args) -> SysResult {
    let flags = args.uint(4);
    if flags & !(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0 {
        return_errno!(EINVAL);
    }
    let path = read_path(ctx, args.get(1))?;
    do_execve(ctx, args.int(0), &path, args.get(2), args.get(3), flags)
}

fn do_execve(ctx: &mut Ctx, dirfd: i32, path: &str, argv_addr: usize, envp_addr: usize, flags: u32) -> SysResult {
    let mut total = 0;
    let argv = read_strings(ctx, argv_addr, &mut total)?;
    let envp = read_strings(ctx, envp_addr, &mut total)?;
    exec_file(ctx, dirfd, path, argv, envp, flags)?;
    Ok(0)
}

/// Replaces the calling process's program with the file at `path` (the
/// kernel also uses this to start init).
pub fn exec_file(ctx: &mut Ctx, dirfd: i32, path: &str, mut argv: Vec<Vec<u8>>, envp: Vec<Vec<u8>>, flags: u32) -> Result<()> {
    let follow = flags & AT_SYMLINK_NOFOLLOW == 0;
    let mut target = resolve_at(ctx, dirfd, path, follow, flags & AT_EMPTY_PATH != 0)?;
    if !follow && target.inode().metadata().kind == FileType::Symlink {
        return_errno!(ELOOP);
    }
    let (mut image, mut denial) = read_executable(ctx, &target)?;
    let mut exe_path = String::from(path);
    let filename = String::from(path);

    // #! scripts: the interpreter runs with the script as an argument.
    let mut depth = 0;
    while let Some(shebang) = script::parse(&image.head()[..image.head().len().min(script::BINPRM_BUF_SIZE)])? {
        depth += 1;
        if depth > MAX_RECURSION {
            return_errno!(ELOOP);
        }
        argv = script::interpreter_argv(&shebang, exe_path.as_bytes(), &argv);
        exe_path = String::from_utf8(shebang.interpreter.clone()).map_err(|_| Errno::ENOEXEC)?;
        target = resolve_at(ctx, AT_FDCWD, &exe_path, true, false)?;
        (image, denial) = read_executable(ctx, &target)?;
    }

    let arch = ctx.kernel.elf_arch();
    let interp = match elf::interpreter(&image, &arch)? {
        Some(interp_path) => {
            let interp_target = resolve_at(ctx, AT_FDCWD, &interp_path, true, false)?;
            // The interpreter is kept from writers only while it loads,
            // as since Linux 5.15 (only mm->exe_file stays denied).
            Some(read_executable(ctx, &interp_target)?.0)
        }
        None => None,
    };

    // Set-user-ID and set-group-ID programs.
    let process = ctx.thread.process().clone();
    let meta = target.inode().metadata();
    let mut creds = process.creds.lock().clone();
    if !target.mount().flags().contains(MountFlags::NOSUID) {
        if meta.perm & 0o4000 != 0 {
            creds.euid = meta.uid;
        }
        if meta.perm & 0o2000 != 0 && meta.perm & 0o010 != 0 {
            creds.egid = meta.gid;
        }
    }
    let secure = creds.euid != creds.uid || creds.egid != creds.gid;
    creds.suid = creds.euid;
    creds.fsuid = creds.euid;
    creds.sgid = creds.egid;
    creds.fsgid = creds.egid;

    let mut vm = VmSpace::new();
    let mut random = [0u8; 16];
    hal().fill_random(&mut random);
    let stack_limit = process.rlimits.lock().cur(linux_object::process::rlimit::RLIMIT_STACK);
    let aux = AuxInfo {
        uid: creds.uid,
        euid: creds.euid,
        gid: creds.gid,
        egid: creds.egid,
        secure,
        random,
        execfn: exe_path.as_bytes().to_vec(),
        stack_limit,
    };
    let loaded = elf::load(&mut vm, &image, interp.as_ref(), &argv, &envp, &aux, &arch)?;
    vm.set_exe_guard(alloc::sync::Arc::new(denial));

    // The point of no return. "All threads other than the calling thread
    // are destroyed during an execve()" - execve(2) (Linux's de_thread).
    for other in process.threads() {
        if !alloc::sync::Arc::ptr_eq(&other, ctx.thread) {
            other.exit(linux_object::process::WaitStatus::Exited(0));
            other.wake();
        }
    }
    ctx.thread.become_leader();
    process.set_vm(vm);
    process.reset_sighand_for_exec();
    ctx.thread.signals().altstack = linux_object::signal::AltStack::new();
    *process.creds.lock() = creds;
    // The ELF loader's SET_PERSONALITY: back to PER_LINUX, the flags kept,
    // but a set-user/group-ID program drops the unsafe ones
    // (PER_CLEAR_ON_SETID: READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE,
    // ADDR_COMPAT_LAYOUT, MMAP_PAGE_ZERO).
    let mut persona = process.personality() & !crate::misc::PER_MASK;
    if secure {
        persona &= !crate::misc::PER_CLEAR_ON_SETID;
        // "cleared ... when executing a set-user-ID or set-group-ID binary" - prctl(2).
        process.set_pdeath_signal(0);
    }
    process.set_personality(persona);
    process.unshare_files();
    let gone = process.files().lock().close_on_exec();
    crate::fs::open::closed(ctx, gone);
    let (fs, _) = fs_and_creds(ctx);
    process.set_exec_info_named(target.absolute(&fs.root), argv, &filename);
    process.release_vfork();
    ctx.thread.set_clear_child_tid(0);
    process.set_env_range(loaded.env);
    ctx.regs.reset_for_exec(loaded.entry, loaded.stack_pointer);
    Ok(())
}
