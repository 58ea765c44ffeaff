//! /proc/PID: a process's directory (proc(5), "/proc/pid"). PIDs in its
//! files are numbers in the procfs mount's PID namespace (`ns`).

use alloc::format;
use alloc::string::{String, ToString};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use super::{ProcDir, ProcFile, ProcLink};
use crate::error::{Errno, Result};
use crate::fs::vfs::INode;
use crate::mm::Prot;
use crate::namespace::pid::PidNamespace;
use crate::namespace::{Namespace, NsRef, nsfs};
use crate::process::{KernelPid, Process, ProcessState, Thread, WaitStatus};
use crate::signal::SigSet;

/// Inode numbers: PID in the high bits, the file's index in the low ones.
fn ino(pid: u32, index: u64) -> u64 {
    ((pid as u64) << 16) | index
}

/// Upgrades the weak process handle, or ESRCH once it is gone (like Linux,
/// an open /proc/PID file of a dead process reads as ESRCH).
fn alive(weak: &Weak<Process>) -> Result<Arc<Process>> {
    weak.upgrade().ok_or(Errno::ESRCH.into())
}

/// One-letter state of /proc/PID/stat and the name of /proc/PID/status,
/// for the thread `who` names (the leader for /proc/PID): "R" while it
/// runs or waits for a CPU, "S" while it sleeps in the kernel
/// (`get_task_state`, fs/proc/array.c).
fn state(process: &Process, who: &Arc<KernelPid>) -> (char, &'static str) {
    match process.state() {
        ProcessState::Running => {
            let threads = process.threads();
            let thread = threads.iter().find(|t| Arc::ptr_eq(&t.kpid(), who)).or(threads.first());
            if thread.is_some_and(|t| !t.is_sleeping()) {
                ('R', "R (running)")
            } else {
                ('S', "S (sleeping)")
            }
        }
        ProcessState::Stopped { .. } => ('T', "T (stopped)"),
        ProcessState::Zombie(_) => ('Z', "Z (zombie)"),
    }
}

fn ticks(ns: u64) -> u64 {
    ns / 10_000_000
}

/// A list of PIDs as /proc/PID/status prints them ("NSpid:\t5\t1").
fn tabbed(numbers: Vec<u32>) -> String {
    numbers.iter().map(|n| n.to_string()).collect::<Vec<_>>().join("\t")
}

/// /proc/PID/stat: the 52 fields of proc(5), with what we do not track as
/// 0. `who` is the PID shown: the process's, or a thread's in task/TID.
fn stat(process: &Process, who: &Arc<KernelPid>, ns: &PidNamespace) -> String {
    let (state, _) = state(process, who);
    let (utime, stime) = process.cpu_time_ns();
    let (cutime, cstime) = process.children_time_ns();
    let (vsize, rss) = process.vm().map_or((0, 0), |vm| {
        let vm = vm.lock();
        (vm.mapped_bytes(), vm.resident_bytes() / 4096)
    });
    let threads = process.threads().len().max(1);
    let exit_code = match process.state() {
        ProcessState::Zombie(status) => status.encode(),
        _ => 0,
    };
    format!(
        "{pid} ({comm}) {state} {ppid} {pgrp} {session} 0 -1 4194560 0 0 0 0 {ut} {st} {cut} {cst} {prio} {nice} {threads} 0 {start} {vsize} {rss} 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 {exit_code}\n",
        pid = who.nr_in(ns),
        comm = process.comm(),
        ppid = process.ppid_in(ns),
        pgrp = process.pgid_ref().nr_in(ns),
        session = process.sid_ref().nr_in(ns),
        prio = 20 + process.nice(),
        nice = process.nice(),
        ut = ticks(utime),
        st = ticks(stime),
        cut = ticks(cutime),
        cst = ticks(cstime),
        // In the reader's time namespace (`timens_add_boottime_ns`).
        start = ticks(crate::namespace::time::current().boottime_of(process.start_ns())),
    )
}

/// A signal set as /proc/PID/status prints it: 16 hex digits.
fn sigset_hex(set: SigSet) -> String {
    format!("{:016x}", set.0)
}

/// /proc/PID/status; `thread` is the thread shown (the leader, or the one
/// of task/TID), whose TID, mask and pending signals appear.
fn status(process: &Process, thread: Option<&Thread>, ns: &PidNamespace) -> String {
    let who = thread.map_or_else(|| process.kpid().clone(), |t| t.kpid().clone());
    let (_, state) = state(process, &who);
    let creds = process.creds.lock().clone();
    let (vsize, rss) = process.vm().map_or((0, 0), |vm| {
        let vm = vm.lock();
        (vm.mapped_bytes(), vm.resident_bytes())
    });
    let tgid = process.pid_in(ns);
    let (blocked, pending) = thread.map_or((SigSet(0), SigSet(0)), |t| (t.signal_mask(), t.pending_signals()));
    let (mut ignored, mut caught) = (SigSet(0), SigSet(0));
    {
        let sighand = process.sighand();
        let sighand = sighand.lock();
        for sig in 1..=64 {
            match sighand.get(sig).handler {
                crate::signal::SIG_DFL => {}
                crate::signal::SIG_IGN => ignored.add(sig),
                _ => caught.add(sig),
            }
        }
    }
    // "NSpgid: process group ID in each of the PID namespaces of which
    // [the process] is a member" - proc_pid_status(5); 0 where invisible.
    let levels = process.kpid().namespaces_from(ns);
    let groups: Vec<String> = creds.groups.iter().map(|g| g.to_string()).collect();
    format!(
        "Name:\t{comm}\nUmask:\t{umask:04o}\nState:\t{state}\nTgid:\t{tgid}\nNgid:\t0\nPid:\t{pid}\nPPid:\t{ppid}\nTracerPid:\t0\n\
         Uid:\t{u}\t{eu}\t{su}\t{fu}\nGid:\t{g}\t{eg}\t{sg}\t{fg}\nFDSize:\t64\nGroups:\t{groups}\n\
         NStgid:\t{nstgid}\nNSpid:\t{nspid}\nNSpgid:\t{nspgid}\nNSsid:\t{nssid}\n\
         VmSize:\t{vm:8} kB\nVmRSS:\t{rss:8} kB\nThreads:\t{threads}\n\
         SigQ:\t0/4096\nSigPnd:\t{sigpnd}\nShdPnd:\t{shdpnd}\nSigBlk:\t{sigblk}\nSigIgn:\t{sigign}\nSigCgt:\t{sigcgt}\n\
         CapInh:\t0000000000000000\nCapPrm:\t{cap}\nCapEff:\t{cap}\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\n\
         Cpus_allowed:\t1\nCpus_allowed_list:\t0\n",
        comm = process.comm(),
        umask = process.fs().lock().umask,
        ppid = process.ppid_in(ns),
        pid = who.nr_in(ns),
        nstgid = tabbed(process.kpid().numbers_from(ns)),
        nspid = tabbed(who.numbers_from(ns)),
        sigpnd = sigset_hex(pending),
        shdpnd = sigset_hex(process.shared_pending()),
        sigblk = sigset_hex(blocked),
        sigign = sigset_hex(ignored),
        sigcgt = sigset_hex(caught),
        nspgid = tabbed(levels.iter().map(|level| process.pgid_ref().nr_in(level)).collect()),
        nssid = tabbed(levels.iter().map(|level| process.sid_ref().nr_in(level)).collect()),
        u = creds.uid,
        eu = creds.euid,
        su = creds.suid,
        fu = creds.fsuid,
        g = creds.gid,
        eg = creds.egid,
        sg = creds.sgid,
        fg = creds.fsgid,
        groups = groups.join(" "),
        vm = vsize / 1024,
        rss = rss / 1024,
        threads = process.threads().len(),
        cap = if creds.euid == 0 { "000001ffffffffff" } else { "0000000000000000" },
    )
}

/// /proc/PID/limits, laid out as Linux's `proc_pid_limits` prints it.
fn limits(process: &Process) -> Result<String> {
    const NAMES: [(&str, Option<&str>); 16] = [
        ("Max cpu time", Some("seconds")),
        ("Max file size", Some("bytes")),
        ("Max data size", Some("bytes")),
        ("Max stack size", Some("bytes")),
        ("Max core file size", Some("bytes")),
        ("Max resident set", Some("bytes")),
        ("Max processes", Some("processes")),
        ("Max open files", Some("files")),
        ("Max locked memory", Some("bytes")),
        ("Max address space", Some("bytes")),
        ("Max file locks", Some("locks")),
        ("Max pending signals", Some("signals")),
        ("Max msgqueue size", Some("bytes")),
        ("Max nice priority", None),
        ("Max realtime priority", None),
        ("Max realtime timeout", Some("us")),
    ];
    let value = |v: u64| if v == crate::process::rlimit::RLIM_INFINITY { String::from("unlimited") } else { v.to_string() };
    let rlimits = process.rlimits.lock().clone();
    let mut out = format!("{:<25} {:<20} {:<20} {:<10}\n", "Limit", "Soft Limit", "Hard Limit", "Units");
    for (resource, (name, unit)) in NAMES.iter().enumerate() {
        let limit = rlimits.get(resource)?;
        out.push_str(&format!("{:<25} {:<20} {:<20} ", name, value(limit.cur), value(limit.max)));
        if let Some(unit) = unit {
            out.push_str(&format!("{unit:<10}"));
        }
        out.push('\n');
    }
    Ok(out)
}

fn maps(process: &Process) -> Result<String> {
    let vm = process.vm()?;
    let vm = vm.lock();
    let mut out = String::new();
    for vma in vm.vmas() {
        let p = vma.prot;
        let perms = format!(
            "{}{}{}{}",
            if p.contains(Prot::READ) { 'r' } else { '-' },
            if p.contains(Prot::WRITE) { 'w' } else { '-' },
            if p.contains(Prot::EXEC) { 'x' } else { '-' },
            if vma.is_shared() { 's' } else { 'p' }
        );
        let line = format!("{:08x}-{:08x} {} 00000000 00:00 0", vma.start, vma.end, perms);
        if vma.name.is_empty() {
            out.push_str(&line);
            out.push('\n');
        } else {
            out.push_str(&format!("{line:<72} {}\n", vma.name));
        }
    }
    Ok(out)
}

/// /proc/PID/mounts lines: "source mountpoint fstype options 0 0", for
/// the mounts of the process's mount namespace.
pub fn mounts_text(process: &Process) -> String {
    let mut out = String::new();
    for mount in process.fs().lock().tree.mounts() {
        out.push_str(&format!("{} {} {} {} 0 0\n", mount.source, mount.path, mount.fstype, mount_options(&mount)));
    }
    out
}

fn mount_options(mount: &crate::fs::mount::Mount) -> String {
    use crate::fs::mount::MountFlags;
    let flags = mount.flags();
    let mut opts = String::from(if flags.contains(MountFlags::RDONLY) { "ro" } else { "rw" });
    for (flag, name) in [(MountFlags::NOSUID, ",nosuid"), (MountFlags::NODEV, ",nodev"), (MountFlags::NOEXEC, ",noexec")] {
        if flags.contains(flag) {
            opts.push_str(name);
        }
    }
    opts
}

/// /proc/PID/mountinfo lines (proc(5)): id parent major:minor root
/// mountpoint options - fstype source super-options.
fn mountinfo_text(process: &Process) -> String {
    let mut out = String::new();
    for mount in process.fs().lock().tree.mounts() {
        let parent = mount.parent().map_or(mount.id(), |p| p.id());
        let dev = mount.root().metadata().dev;
        out.push_str(&format!(
            "{} {} {}:{} / {} {} - {} {} {}\n",
            mount.id(),
            parent,
            crate::fs::vfs::major(dev),
            crate::fs::vfs::minor(dev),
            mount.path,
            mount_options(&mount),
            mount.fstype,
            mount.source,
            mount_options(&mount)
        ));
    }
    out
}

fn fd_dir(weak: Weak<Process>, pid: u32, owner: (u32, u32)) -> Arc<dyn INode> {
    ProcDir::new(ino(pid, 50), owner, 0o500, move || {
        let Some(process) = weak.upgrade() else { return Vec::new() };
        let files = process.files();
        let table = files.lock();
        let root = process.fs().lock().root.clone();
        table
            .iter()
            .map(|(fd, entry)| {
                let file = entry.file.clone();
                let root = root.clone();
                let link = ProcLink::new(ino(pid, 1000 + fd as u64), owner, move || {
                    if let Some(text) = file.inode().and_then(|inode| nsfs::link_text(&inode)) {
                        return Ok(text);
                    }
                    Ok(match file.path() {
                        Some(path) => path.absolute(&root),
                        None => file.anon_name(),
                    })
                });
                (fd.to_string(), link)
            })
            .collect()
    })
}

/// Whether the reader may look at `process`'s namespaces: Linux asks
/// `ptrace_may_access(PTRACE_MODE_READ_FSCREDS)`, which without privilege
/// means the reader's fsuid is the target's real, effective and saved uid
/// (and likewise for groups). `EACCES` otherwise.
fn may_inspect(process: &Process) -> Result<()> {
    let Some(reader) = crate::hal::hal().current_thread() else { return Ok(()) };
    let me = reader.process().creds.lock().clone();
    let target = process.creds.lock().clone();
    let same_user = [target.uid, target.euid, target.suid].iter().all(|&u| u == me.fsuid)
        && [target.gid, target.egid, target.sgid].iter().all(|&g| g == me.fsgid);
    if same_user || crate::namespace::ns_capable(&me, &target.user_ns(), crate::namespace::user::CAP_SYS_PTRACE) {
        Ok(())
    } else {
        Err(Errno::EACCES.into())
    }
}

/// /proc/PID/ns: one magic link per namespace kind (namespaces(7)).
/// `readlink` gives "uts:[4026531838]"; opening one gives an nsfs file.
fn ns_dir(weak: Weak<Process>, pid: u32, owner: (u32, u32)) -> Arc<dyn INode> {
    const NAMES: [&str; 10] =
        ["cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "time_for_children", "user", "uts"];
    ProcDir::new(ino(pid, 60), owner, 0o511, move || {
        NAMES
            .iter()
            .enumerate()
            .map(|(i, &name)| {
                let lookup = {
                    let weak = weak.clone();
                    move || -> Result<NsRef> {
                        let process = alive(&weak)?;
                        may_inspect(&process)?;
                        // An exited process has released its namespaces
                        // (`exit_task_namespaces`); its PID and user ones
                        // stay reachable through its pid and creds.
                        let zombie = matches!(process.state(), ProcessState::Zombie(_));
                        if zombie && name != "pid" && name != "user" {
                            return Err(Errno::ENOENT.into());
                        }
                        match name {
                            "pid_for_children" => {
                                let ns = process.nsproxy().pid_for_children.clone();
                                if !ns.has_had_init() && !Arc::ptr_eq(&ns, process.pid_ns()) {
                                    return Err(Errno::ENOENT.into());
                                }
                                Ok(NsRef::Pid(ns))
                            }
                            "pid" => Ok(NsRef::Pid(process.pid_ns().clone())),
                            "user" => Ok(NsRef::User(process.creds.lock().user_ns())),
                            _ => process.nsproxy().get(name).ok_or(Errno::ENOENT.into()),
                        }
                    }
                };
                let text = lookup.clone();
                let link = ProcLink::magic(ino(pid, 61 + i as u64), owner, move || Ok(text()?.link_text()), move || {
                    Ok(nsfs::path_of(lookup()?))
                });
                (name.to_string(), link)
            })
            .collect()
    })
}

/// /proc/PID/timens_offsets (time_namespaces(7)): the offsets of the
/// process's `time_for_children` namespace; writable (with CAP_SYS_TIME)
/// until a process enters it.
fn timens_offsets(weak: Weak<Process>, pid: u32, owner: (u32, u32)) -> Arc<dyn INode> {
    let reader = weak.clone();
    ProcFile::writable(
        ino(pid, 80),
        owner,
        move || Ok(alive(&reader)?.nsproxy().time_for_children.offsets_text().into_bytes()),
        move |data| {
            let time_ns = alive(&weak)?.nsproxy().time_for_children.clone();
            let caller = crate::hal::hal().current_thread().ok_or(Errno::EPERM)?;
            let creds = caller.process().creds.lock().clone();
            if !crate::namespace::ns_capable(&creds, &time_ns.common().owner(), crate::namespace::user::CAP_SYS_TIME) {
                return Err(Errno::EPERM.into());
            }
            time_ns.set_offsets(data)?;
            Ok(data.len())
        },
    )
}

/// /proc/PID/oom_score_adj (proc(5)): -1000 to 1000; lowering it below
/// what a privileged writer last set needs CAP_SYS_RESOURCE.
fn oom_score_adj(weak: Weak<Process>, pid: u32, owner: (u32, u32)) -> Arc<dyn INode> {
    let reader = weak.clone();
    ProcFile::writable(
        ino(pid, 81),
        owner,
        move || Ok(format!("{}\n", alive(&reader)?.oom_adj().adj).into_bytes()),
        move |data| {
            let process = alive(&weak)?;
            let text = core::str::from_utf8(data).map_err(|_| Errno::EINVAL)?;
            let value: i32 = text.trim().parse().map_err(|_| Errno::EINVAL)?;
            let caller = crate::hal::hal().current_thread().ok_or(Errno::EPERM)?;
            let creds = caller.process().creds.lock().clone();
            let privileged = crate::namespace::ns_capable(
                &creds,
                &crate::namespace::user::init_user_ns(),
                crate::namespace::user::CAP_SYS_RESOURCE,
            );
            process.set_oom_score_adj(value, privileged)?;
            Ok(data.len())
        },
    )
}

/// /proc/PID/task: one directory per thread, named by its TID in `ns`,
/// with the thread's `stat`, `status` and `comm` (proc(5)).
fn task_dir(weak: Weak<Process>, pid: u32, owner: (u32, u32), ns: Arc<PidNamespace>) -> Arc<dyn INode> {
    ProcDir::new(ino(pid, 90), owner, 0o555, move || {
        let Some(process) = weak.upgrade() else { return Vec::new() };
        process
            .threads()
            .into_iter()
            .filter(|t| t.tid_in(&ns) != 0)
            .map(|thread| {
                let tid = thread.tid();
                let thread_weak = Arc::downgrade(&thread);
                let (w, ns2) = (weak.clone(), ns.clone());
                let dir = ProcDir::new(ino(tid, 91), owner, 0o555, move || {
                    let file = |index: u64, f: fn(&Process, &Thread, &PidNamespace) -> String| -> Arc<dyn INode> {
                        let (w, t, ns) = (w.clone(), thread_weak.clone(), ns2.clone());
                        ProcFile::owned(ino(tid, index), owner, move || {
                            let thread = t.upgrade().ok_or(Errno::ESRCH)?;
                            Ok(f(&*alive(&w)?, &thread, &ns).into_bytes())
                        })
                    };
                    alloc::vec![
                        ("stat".to_string(), file(92, |p, t, ns| stat(p, &t.kpid(), ns))),
                        ("status".to_string(), file(93, |p, t, ns| status(p, Some(t), ns))),
                        ("comm".to_string(), file(94, |p, _, _| format!("{}\n", p.comm()))),
                    ]
                });
                (thread.tid_in(&ns).to_string(), dir)
            })
            .collect()
    })
}

/// The directory /proc/PID, as seen through a procfs of PID namespace `ns`.
/// The inode number of a process's /proc directory.
pub fn process_dir_ino(process: &Process) -> u64 {
    ino(process.pid(), 0)
}

pub fn process_dir(process: &Arc<Process>, ns: &Arc<PidNamespace>) -> Arc<dyn INode> {
    let pid = process.pid();
    let ns = ns.clone();
    let creds = process.creds.lock().clone();
    let owner = (creds.euid, creds.egid);
    let weak = Arc::downgrade(process);
    ProcDir::selective(ino(pid, 0), owner, 0o555, move |want| {
        let w = weak.clone();
        let mut entries: Vec<(String, Arc<dyn INode>)> = Vec::new();
        // Builds an entry only if it is the one looked up (or all are listed).
        macro_rules! entry {
            ($name:literal, $node:expr) => {
                if want.is_none_or(|w| w == $name) {
                    entries.push(($name.to_string(), $node));
                }
            };
        }
        let text = |index: u64, f: fn(&Process) -> Result<String>| -> Arc<dyn INode> {
            let w = w.clone();
            ProcFile::owned(ino(pid, index), owner, move || Ok(f(&*alive(&w)?)?.into_bytes()))
        };

        let link = |index: u64, f: fn(&Process) -> Result<String>| -> Arc<dyn INode> {
            let w = w.clone();
            ProcLink::new(ino(pid, index), owner, move || f(&*alive(&w)?))
        };
        entry!("stat", {
                let (w, ns) = (w.clone(), ns.clone());
                ProcFile::owned(ino(pid, 1), owner, move || {
                    let p = alive(&w)?;
                    Ok(stat(&p, p.kpid(), &ns).into_bytes())
                })
            });
        entry!("status", {
                let (w, ns) = (w.clone(), ns.clone());
                ProcFile::owned(ino(pid, 2), owner, move || {
                    let p = alive(&w)?;
                    let leader = p.threads().into_iter().find(|t| t.tid() == p.pid());
                    Ok(status(&p, leader.as_deref(), &ns).into_bytes())
                })
            });
        entry!("comm", text(3, |p| Ok(format!("{}\n", p.comm()))));
        entry!("maps", text(5, maps));
        entry!("limits", text(9, limits));
        entry!("mounts", text(6, |p| Ok(mounts_text(p))));
        entry!("mountinfo", text(7, |p| Ok(mountinfo_text(p))));
        entry!("exe", link(10, |p| {
                let exe = p.exe();
                if exe.is_empty() { Err(Errno::ENOENT.into()) } else { Ok(exe) }
            }));
        entry!("cwd", link(11, |p| {
                let fs = p.fs();
                let fs = fs.lock();
                Ok(fs.cwd.absolute(&fs.root))
            }));
        entry!("root", link(12, |_| Ok(String::from("/"))));
        let cmdline_weak = w.clone();
        entry!(
            "cmdline",
            ProcFile::owned(ino(pid, 4), owner, move || {
                let process = alive(&cmdline_weak)?;
                // A zombie's cmdline is empty.
                if matches!(process.state(), ProcessState::Zombie(WaitStatus::Exited(_) | WaitStatus::Signaled { .. })) {
                    return Ok(Vec::new());
                }
                let mut out = Vec::new();
                for arg in process.cmdline() {
                    out.extend_from_slice(&arg);
                    out.push(0);
                }
                Ok(out)
            })
        );
        entry!("fd", fd_dir(w.clone(), pid, owner));
        let env_weak = w.clone();
        entry!(
            "environ",
            // Read from the process's memory, as Linux's environ_read does;
            // ptrace-read access needed.
            ProcFile::private(ino(pid, 8), owner, move || {
                let process = alive(&env_weak)?;
                may_inspect(&process)?;
                let (start, end) = process.env_range();
                let Ok(vm) = process.vm() else { return Ok(Vec::new()) };
                let mut out = crate::mm::zeroed_buffer(end.saturating_sub(start).min(1 << 20))?;
                vm.lock().read_bytes(start, &mut out)?;
                Ok(out)
            })
        );
        let persona_weak = w.clone();
        entry!(
            "personality",
            // proc(5): "%08x", mode 0400, ptrace-read access (proc_pid_personality).
            ProcFile::private(ino(pid, 10), owner, move || {
                let process = alive(&persona_weak)?;
                may_inspect(&process)?;
                Ok(format!("{:08x}\n", process.personality()).into_bytes())
            })
        );
        entry!("ns", ns_dir(w.clone(), pid, owner));
        entry!("task", task_dir(w.clone(), pid, owner, ns.clone()));
        entry!("timens_offsets", timens_offsets(w.clone(), pid, owner));
        entry!("oom_score_adj", oom_score_adj(w.clone(), pid, owner));
        entry!("oom_score", text(82, |p| {
            let (total, _) = crate::hal::hal().memory_stats();
            Ok(format!("{}\n", crate::process::oom::score(p, (total / crate::mm::PAGE_SIZE) as u64)))
        }));
        entries
    })
}
