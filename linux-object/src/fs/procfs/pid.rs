//! /proc/PID: a process's directory (proc(5), "/proc/pid").

use alloc::format;
use alloc::string::{String, ToString};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use super::{ProcDir, ProcFile, ProcLink};
use crate::error::{Errno, Result};
use crate::fs::context::root_tree;
use crate::fs::vfs::INode;
use crate::mm::Prot;
use crate::process::{Process, ProcessState, WaitStatus};

/// Inode numbers: PID in the high bits, the file's index in the low ones.
fn ino(pid: u32, index: u64) -> u64 {
    ((pid as u64) << 16) | index
}

/// Upgrades the weak process handle, or ESRCH once it is gone (like Linux,
/// an open /proc/PID file of a dead process reads as ESRCH).
fn alive(weak: &Weak<Process>) -> Result<Arc<Process>> {
    weak.upgrade().ok_or(Errno::ESRCH.into())
}

/// One-letter state of /proc/PID/stat and the name of /proc/PID/status.
fn state(process: &Process) -> (char, &'static str) {
    match process.state() {
        ProcessState::Running => {
            // A process whose every thread sleeps is "S"; we do not track
            // that per thread yet, so a process is "R" only when it is the
            // reader itself.
            let current = crate::hal::hal().current_thread();
            if current.is_some_and(|t| t.process().pid() == process.pid()) {
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

/// /proc/PID/stat: the 52 fields of proc(5), with what we do not track as 0.
fn stat(process: &Process) -> String {
    let (state, _) = state(process);
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
        "{pid} ({comm}) {state} {ppid} {pgrp} {session} 0 -1 4194560 0 0 0 0 {ut} {st} {cut} {cst} 20 0 {threads} 0 {start} {vsize} {rss} 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 {exit_code}\n",
        pid = process.pid(),
        comm = process.comm(),
        ppid = process.ppid(),
        pgrp = process.pgid(),
        session = process.sid(),
        ut = ticks(utime),
        st = ticks(stime),
        cut = ticks(cutime),
        cst = ticks(cstime),
        start = ticks(process.start_ns()),
    )
}

fn status(process: &Process) -> String {
    let (_, state) = state(process);
    let creds = process.creds.lock().clone();
    let (vsize, rss) = process.vm().map_or((0, 0), |vm| {
        let vm = vm.lock();
        (vm.mapped_bytes(), vm.resident_bytes())
    });
    let tgid = process.pid();
    let groups: Vec<String> = creds.groups.iter().map(|g| g.to_string()).collect();
    format!(
        "Name:\t{comm}\nUmask:\t{umask:04o}\nState:\t{state}\nTgid:\t{tgid}\nNgid:\t0\nPid:\t{tgid}\nPPid:\t{ppid}\nTracerPid:\t0\n\
         Uid:\t{u}\t{eu}\t{su}\t{fu}\nGid:\t{g}\t{eg}\t{sg}\t{fg}\nFDSize:\t64\nGroups:\t{groups}\n\
         NStgid:\t{tgid}\nNSpid:\t{tgid}\nNSpgid:\t{pgid}\nNSsid:\t{sid}\n\
         VmSize:\t{vm:8} kB\nVmRSS:\t{rss:8} kB\nThreads:\t{threads}\n\
         SigQ:\t0/4096\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n\
         CapInh:\t0000000000000000\nCapPrm:\t{cap}\nCapEff:\t{cap}\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\n\
         Cpus_allowed:\t1\nCpus_allowed_list:\t0\n",
        comm = process.comm(),
        umask = process.fs().lock().umask,
        ppid = process.ppid(),
        u = creds.uid,
        eu = creds.euid,
        su = creds.suid,
        fu = creds.fsuid,
        g = creds.gid,
        eg = creds.egid,
        sg = creds.sgid,
        fg = creds.fsgid,
        groups = groups.join(" "),
        pgid = process.pgid(),
        sid = process.sid(),
        vm = vsize / 1024,
        rss = rss / 1024,
        threads = process.threads().len(),
        cap = if creds.euid == 0 { "000001ffffffffff" } else { "0000000000000000" },
    )
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

/// /proc/mounts lines: "source mountpoint fstype options 0 0".
pub fn mounts_text() -> String {
    let mut out = String::new();
    for mount in root_tree().mounts() {
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
fn mountinfo_text() -> String {
    let mut out = String::new();
    for mount in root_tree().mounts() {
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

/// The directory /proc/PID.
pub fn process_dir(process: &Arc<Process>) -> Arc<dyn INode> {
    let pid = process.pid();
    let creds = process.creds.lock().clone();
    let owner = (creds.euid, creds.egid);
    let weak = Arc::downgrade(process);
    ProcDir::new(ino(pid, 0), owner, 0o555, move || {
        let w = weak.clone();
        let text = |index: u64, f: fn(&Process) -> Result<String>| -> Arc<dyn INode> {
            let w = w.clone();
            ProcFile::owned(ino(pid, index), owner, move || Ok(f(&*alive(&w)?)?.into_bytes()))
        };
        let link = |index: u64, f: fn(&Process) -> Result<String>| -> Arc<dyn INode> {
            let w = w.clone();
            ProcLink::new(ino(pid, index), owner, move || f(&*alive(&w)?))
        };
        let mut entries: Vec<(String, Arc<dyn INode>)> = alloc::vec![
            ("stat".to_string(), text(1, |p| Ok(stat(p)))),
            ("status".to_string(), text(2, |p| Ok(status(p)))),
            ("comm".to_string(), text(3, |p| Ok(format!("{}\n", p.comm())))),
            ("maps".to_string(), text(5, maps)),
            ("mounts".to_string(), text(6, |_| Ok(mounts_text()))),
            ("mountinfo".to_string(), text(7, |_| Ok(mountinfo_text()))),
            ("exe".to_string(), link(10, |p| {
                let exe = p.exe();
                if exe.is_empty() { Err(Errno::ENOENT.into()) } else { Ok(exe) }
            })),
            ("cwd".to_string(), link(11, |p| {
                let fs = p.fs();
                let fs = fs.lock();
                Ok(fs.cwd.absolute(&fs.root))
            })),
            ("root".to_string(), link(12, |_| Ok(String::from("/")))),
        ];
        let cmdline_weak = w.clone();
        entries.push((
            "cmdline".to_string(),
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
            }),
        ));
        entries.push(("fd".to_string(), fd_dir(w.clone(), pid, owner)));
        entries
    })
}
