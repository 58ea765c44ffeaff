//! Namespace system calls: unshare(2), setns(2), the nsfs ioctls
//! (ioctl_ns(2)), and the namespace half of clone(2). Mirrors
//! kernel/nsproxy.c (`copy_namespaces`, `unshare_nsproxy_namespaces`,
//! `setns` with `validate_nsset`/`commit_nsset`), kernel/fork.c
//! (`ksys_unshare`) and fs/nsfs.c (`ns_ioctl`). The namespaces themselves
//! live in `linux_object::namespace`.

use alloc::sync::Arc;
use alloc::vec::Vec;

use linux_object::fs::file::{FileLike, InodeFile, OpenFlags};
use linux_object::mm::user::UserPtr;
use linux_object::namespace::nsfs::{
    self, NS_GET_NSTYPE, NS_GET_OWNER_UID, NS_GET_PARENT, NS_GET_PID_FROM_PIDNS, NS_GET_PID_IN_PIDNS,
    NS_GET_TGID_FROM_PIDNS, NS_GET_TGID_IN_PIDNS, NS_GET_USERNS,
};
use linux_object::namespace::nsproxy::ALL_NEW;
use linux_object::namespace::user::CAP_SYS_ADMIN;
use linux_object::namespace::{CLONE_NEWNS, CLONE_NEWUSER, Namespace, NsKind, NsProxy, NsRef, ns_capable};
use linux_object::process::pidfd::PidFd;
use linux_object::process::{ChildNamespaces, Pid, Process};
use linux_object::{Errno, Result, return_errno, return_errno_with_message};

use crate::process::clone::{CLONE_FILES, CLONE_FS, CLONE_SIGHAND, CLONE_SYSVSEM, CLONE_THREAD, CLONE_VM};
use crate::{Args, Ctx, SysResult, vm_of};

/// "CAP_SYS_ADMIN in the caller's user namespace": what creating a
/// namespace of any kind but user requires (`EPERM` otherwise).
fn check_may_create(ctx: &Ctx, flags: u64) -> Result<()> {
    if flags & ALL_NEW & !CLONE_NEWUSER == 0 {
        return Ok(());
    }
    let creds = ctx.thread.process().creds.lock().clone();
    if !ns_capable(&creds, &creds.user_ns(), CAP_SYS_ADMIN) {
        return_errno!(EPERM);
    }
    Ok(())
}

/// The namespaces of a child of clone(2) with `flags` (`copy_namespaces`):
/// the parent's, or new ones for the `CLONE_NEW*` flags. `set_tid`
/// (clone3) picks the child's PIDs; each level needs CAP_SYS_ADMIN over
/// that PID namespace.
pub fn child_namespaces(ctx: &Ctx, flags: u64, set_tid: Vec<Pid>) -> Result<ChildNamespaces> {
    let process = ctx.thread.process();
    check_may_create(ctx, flags)?;
    let creds = process.creds.lock().clone();
    let copied = process.nsproxy().copy(flags & ALL_NEW, &creds.user_ns(), process.pid_ns(), true)?;
    let proxy = copied.proxy.for_child();
    let mut ns = Some(proxy.pid_for_children.clone());
    for _ in 0..set_tid.len() {
        let Some(level) = ns else { return_errno!(EINVAL) };
        if !ns_capable(&creds, &Namespace::common(&*level).owner(), CAP_SYS_ADMIN) {
            return_errno!(EPERM);
        }
        ns = level.parent().cloned();
    }
    Ok(ChildNamespaces { proxy, mounts: copied.mounts, set_tid })
}

const UNSHARE_VALID: u64 = CLONE_THREAD | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_VM | CLONE_SYSVSEM | ALL_NEW;

/// unshare(2): new namespaces for the caller (`CLONE_NEWPID` and
/// `CLONE_NEWTIME`: for its future children), and private copies of the fs
/// context and file table. `EINVAL` for an unknown flag or for
/// `CLONE_THREAD/SIGHAND/VM` in a multi-threaded process; `EPERM` without
/// CAP_SYS_ADMIN.
pub fn sys_unshare(ctx: &mut Ctx, args: &Args) -> SysResult {
    let mut flags = args.get(0) as u64;
    if flags & !UNSHARE_VALID != 0 {
        return_errno!(EINVAL);
    }
    // The implications of `ksys_unshare`/`check_unshare_flags`.
    if flags & CLONE_NEWUSER != 0 {
        flags |= CLONE_THREAD | CLONE_FS;
    }
    if flags & CLONE_VM != 0 {
        flags |= CLONE_SIGHAND;
    }
    if flags & CLONE_SIGHAND != 0 {
        flags |= CLONE_THREAD;
    }
    if flags & CLONE_NEWNS != 0 {
        flags |= CLONE_FS;
    }
    let process = ctx.thread.process().clone();
    if flags & (CLONE_THREAD | CLONE_SIGHAND | CLONE_VM) != 0 && process.threads().len() > 1 {
        return_errno_with_message!(EINVAL, "unshare of thread state in a multi-threaded process");
    }
    check_may_create(ctx, flags)?;
    let creds = process.creds.lock().clone();
    let copied = process.nsproxy().copy(flags & ALL_NEW, &creds.user_ns(), process.pid_ns(), false)?;
    if flags & CLONE_FS != 0 {
        process.unshare_fs();
    }
    if flags & CLONE_FILES != 0 {
        process.unshare_files();
    }
    if let Some(map) = &copied.mounts {
        let tree = copied.proxy.mnt.tree().clone();
        process.fs().lock().move_to_tree(tree, map);
    }
    process.set_nsproxy(copied.proxy);
    Ok(0)
}

/// The namespace an nsfs file refers to, if `file` is one.
fn ns_of_file(file: &Arc<dyn FileLike>) -> Option<NsRef> {
    file.inode().and_then(|inode| nsfs::ns_of(&inode))
}

/// The namespaces of `target` named by `flags`, as setns(pidfd, flags)
/// joins them: PID → its active PID namespace, time → its time namespace.
fn namespaces_of(target: &Process, flags: u64) -> Vec<NsRef> {
    let proxy = target.nsproxy();
    let mut out = Vec::new();
    for kind in NsKind::ALL {
        if flags & kind.clone_flag() == 0 {
            continue;
        }
        out.push(match kind {
            NsKind::Pid => NsRef::Pid(target.pid_ns().clone()),
            NsKind::User => NsRef::User(target.creds.lock().user_ns()),
            NsKind::Time => NsRef::Time(proxy.time.clone()),
            _ => proxy.get(kind.name()).expect("every other kind is in the proxy"),
        });
    }
    out
}

/// Checks joining `ns` (`validate_ns` → the kind's `install`): CAP_SYS_ADMIN
/// over it and in the caller's user namespace; a PID namespace must be the
/// caller's or below it; the caller's own user namespace cannot be
/// re-entered (`EINVAL`), and no other exists yet.
fn validate_join(ctx: &Ctx, ns: &NsRef) -> Result<()> {
    let process = ctx.thread.process();
    let creds = process.creds.lock().clone();
    if let NsRef::User(user) = ns {
        if Arc::ptr_eq(user, &creds.user_ns()) {
            return_errno!(EINVAL);
        }
    }
    if !ns_capable(&creds, &ns.common().owner(), CAP_SYS_ADMIN) || !ns_capable(&creds, &creds.user_ns(), CAP_SYS_ADMIN) {
        return_errno!(EPERM);
    }
    match ns {
        NsRef::Pid(pid_ns) if !pid_ns.is_descendant_of(process.pid_ns()) => return_errno!(EINVAL),
        NsRef::Mnt(_) | NsRef::Time(_) if process.threads().len() > 1 => return_errno!(EINVAL),
        _ => Ok(()),
    }
}

/// setns(fd, nstype): joins the namespace of an nsfs file (`nstype` 0 or
/// its kind's `CLONE_NEW*`, else `EINVAL`), or, for a pidfd, the
/// namespaces `nstype` names of that process — all of them or none.
pub fn sys_setns(ctx: &mut Ctx, args: &Args) -> SysResult {
    let (fd, nstype) = (args.int(0), args.uint(1) as u64);
    let file = crate::fs::file_of(ctx, fd)?;
    let joining: Vec<NsRef> = if let Some(ns) = ns_of_file(&file) {
        if nstype != 0 && nstype != ns.kind().clone_flag() {
            return_errno!(EINVAL);
        }
        alloc::vec![ns]
    } else if let Some(pidfd) = file.as_any().downcast_ref::<PidFd>() {
        if nstype == 0 || nstype & !ALL_NEW != 0 {
            return_errno!(EINVAL);
        }
        let target = pidfd.process()?;
        if matches!(target.state(), linux_object::process::ProcessState::Zombie(_)) {
            return_errno!(ESRCH);
        }
        namespaces_of(&target, nstype)
    } else {
        return_errno!(EINVAL);
    };
    for ns in &joining {
        validate_join(ctx, ns)?;
    }
    // Commit (`commit_nsset`): one new proxy with every member replaced.
    let process = ctx.thread.process().clone();
    let mut proxy: NsProxy = (*process.nsproxy()).clone();
    for ns in &joining {
        proxy = proxy.with(ns);
    }
    for ns in &joining {
        match ns {
            NsRef::Mnt(mnt) => {
                process.unshare_fs();
                process.fs().lock().enter_tree(mnt.tree().clone());
            }
            NsRef::Time(time) => time.freeze(),
            _ => {}
        }
    }
    process.set_nsproxy(Arc::new(proxy));
    Ok(0)
}

/// ioctl(2) on an nsfs file (ioctl_ns(2)); `None` if `file` is not one.
pub fn nsfs_ioctl(ctx: &Ctx, file: &Arc<dyn FileLike>, request: u32, arg: usize) -> Option<SysResult> {
    let ns = ns_of_file(file)?;
    Some(nsfs_request(ctx, &ns, request, arg))
}

fn nsfs_request(ctx: &Ctx, ns: &NsRef, request: u32, arg: usize) -> SysResult {
    let process = ctx.thread.process();
    let caller_user = process.creds.lock().user_ns();
    match request {
        NS_GET_NSTYPE => Ok(ns.kind().clone_flag() as usize),
        NS_GET_USERNS => {
            // "EPERM: The requested namespace is outside of the caller's
            // namespace scope."
            // A user namespace's owner is its parent; the initial one has none.
            let owner = match ns {
                NsRef::User(user) => user.parent().cloned().ok_or(Errno::EPERM)?,
                _ => ns.common().owner(),
            };
            if !owner.is_descendant_of(&caller_user) {
                return_errno!(EPERM);
            }
            open_ns_fd(ctx, NsRef::User(owner))
        }
        NS_GET_PARENT => {
            let parent = match ns {
                NsRef::Pid(pid_ns) => {
                    let parent = pid_ns.parent().cloned().ok_or(Errno::EPERM)?;
                    if !parent.is_descendant_of(process.pid_ns()) {
                        return_errno!(EPERM);
                    }
                    NsRef::Pid(parent)
                }
                NsRef::User(user) => {
                    let parent = user.parent().cloned().ok_or(Errno::EPERM)?;
                    if !parent.is_descendant_of(&caller_user) {
                        return_errno!(EPERM);
                    }
                    NsRef::User(parent)
                }
                _ => return_errno!(EINVAL),
            };
            open_ns_fd(ctx, parent)
        }
        NS_GET_OWNER_UID => {
            let NsRef::User(user) = ns else { return_errno!(EINVAL) };
            UserPtr::<u32>::new(arg).write(&mut vm_of(ctx)?.lock(), &user.owner_uid())?;
            Ok(0)
        }
        NS_GET_PID_FROM_PIDNS | NS_GET_TGID_FROM_PIDNS | NS_GET_PID_IN_PIDNS | NS_GET_TGID_IN_PIDNS => {
            // Translate a PID between the file's PID namespace and the
            // caller's (`ns_ioctl` in fs/nsfs.c): ESRCH where the task is
            // not visible.
            let NsRef::Pid(pid_ns) = ns else { return_errno!(EINVAL) };
            let nr = arg as u32 as Pid;
            let into_file_ns = matches!(request, NS_GET_PID_IN_PIDNS | NS_GET_TGID_IN_PIDNS);
            let thread = if into_file_ns {
                crate::process::thread_by_vpid(ctx, nr)
            } else {
                linux_object::process::find_thread_in(pid_ns, nr)
            };
            let thread = thread.ok_or(Errno::ESRCH)?;
            let view = if into_file_ns { pid_ns.clone() } else { process.pid_ns().clone() };
            let out = match request {
                NS_GET_PID_FROM_PIDNS | NS_GET_PID_IN_PIDNS => thread.tid_in(&view),
                _ => thread.process().pid_in(&view),
            };
            if out == 0 {
                return_errno!(ESRCH);
            }
            Ok(out as usize)
        }
        _ => return_errno!(ENOTTY),
    }
}

/// A new close-on-exec, read-only nsfs file for `ns` in the caller's table.
fn open_ns_fd(ctx: &Ctx, ns: NsRef) -> SysResult {
    let file: Arc<dyn FileLike> = InodeFile::new(nsfs::path_of(ns), OpenFlags::CLOEXEC);
    let limit = crate::fs::nofile_limit(ctx);
    ctx.thread.process().files().lock().insert(file, true, limit)
}
