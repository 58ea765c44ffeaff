//! /proc/sys: the sysctls that namespaces change (proc_sys_kernel(5)).
//!
//! - `kernel/hostname`, `kernel/domainname`: the names of the reader's UTS
//!   namespace, writable like sethostname(2) (uts_namespaces(7)).
//! - `kernel/ns_last_pid`: the last PID handed out in the reader's PID
//!   namespace; writing it (CAP_SYS_ADMIN over that namespace) chooses
//!   where the next search starts (pid_namespaces(7)).
//! - `kernel/ostype`, `kernel/osrelease`, `kernel/version`, `kernel/pid_max`:
//!   read-only facts.
//! - `kernel/overflowuid`, `kernel/overflowgid`, `fs/overflowuid`,
//!   `fs/overflowgid`: the IDs shown for unmapped users and groups
//!   (proc_sys_kernel(5), proc_sys_fs(5)); `fs/nr_open`: the ceiling of
//!   RLIMIT_NOFILE. Root may change them within Linux's ranges.
//! - `vm/max_map_count`: how many mappings an address space may have
//!   (proc_sys_vm(5)); root may change it.
//! - `vm/drop_caches`: accepts 1 to 4 from root, as Linux does, and drops
//!   nothing: every file's data lives only in its page cache (tmpfs and
//!   ramfs pages cannot be dropped on Linux either).
//! - `user/max_<kind>_namespaces`: how many namespaces of each kind a user
//!   may create (namespaces(7); `namespace::ucounts`).

use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::{ProcDir, ProcFile, machine};
use crate::error::{Errno, Result};
use crate::fs::vfs::INode;
use crate::hal::hal;
use crate::namespace::user::CAP_SYS_ADMIN;
use crate::namespace::{Namespace, NsKind, ns_capable, ucounts};
use crate::process::{Process, creds, rlimit};
use core::ops::RangeInclusive;
use core::sync::atomic::{AtomicU64, Ordering};

/// The process reading or writing (procfs files run in its context).
fn caller() -> Result<Arc<Process>> {
    Ok(hal().current_thread().ok_or(Errno::EPERM)?.process().clone())
}

/// The bytes of a sysctl write: one value, without the trailing newline.
fn value(data: &[u8]) -> &[u8] {
    data.strip_suffix(b"\n").unwrap_or(data)
}

fn uts_file(ino: u64, domain: bool) -> Arc<dyn INode> {
    ProcFile::writable(
        ino,
        (0, 0),
        move || {
            let uts = caller()?.nsproxy().uts.clone();
            let name = if domain { uts.domainname() } else { uts.nodename() };
            Ok(alloc::format!("{name}\n").into_bytes())
        },
        move |data| {
            let process = caller()?;
            let uts = process.nsproxy().uts.clone();
            let creds = process.creds.lock().clone();
            if !ns_capable(&creds, &uts.common().owner(), CAP_SYS_ADMIN) {
                return Err(Errno::EPERM.into());
            }
            // proc_dostring keeps what fits and reports the whole write.
            let name = value(data);
            let name = &name[..name.len().min(crate::namespace::uts::UTS_LEN)];
            if domain { uts.set_domainname(name)? } else { uts.set_nodename(name)? }
            Ok(data.len())
        },
    )
}

fn ns_last_pid(ino: u64) -> Arc<dyn INode> {
    ProcFile::writable(
        ino,
        (0, 0),
        || Ok(alloc::format!("{}\n", caller()?.pid_ns().last_pid()).into_bytes()),
        |data| {
            let process = caller()?;
            let ns = process.pid_ns().clone();
            let creds = process.creds.lock().clone();
            if !ns_capable(&creds, &ns.common().owner(), CAP_SYS_ADMIN) {
                return Err(Errno::EPERM.into());
            }
            let text = core::str::from_utf8(value(data)).map_err(|_| Errno::EINVAL)?;
            let last: u32 = text.trim().parse().map_err(|_| Errno::EINVAL)?;
            ns.set_last_pid(last)?;
            Ok(data.len())
        },
    )
}

fn max_namespaces(ino: u64, kind: NsKind) -> Arc<dyn INode> {
    ProcFile::writable(
        ino,
        (0, 0),
        move || Ok(alloc::format!("{}\n", ucounts::limit(kind)).into_bytes()),
        move |data| {
            let text = core::str::from_utf8(value(data)).map_err(|_| Errno::EINVAL)?;
            ucounts::set_limit(kind, text.trim().parse().map_err(|_| Errno::EINVAL)?)?;
            Ok(data.len())
        },
    )
}

/// An integer sysctl held in `cell`, writable by a privileged caller with
/// a value in `range`, else `EINVAL` (`proc_dointvec_minmax`).
fn int_file(ino: u64, cell: &'static AtomicU64, range: RangeInclusive<u64>) -> Arc<dyn INode> {
    ProcFile::writable(
        ino,
        (0, 0),
        move || Ok(alloc::format!("{}\n", cell.load(Ordering::Relaxed)).into_bytes()),
        move |data| {
            if !caller()?.creds.lock().is_privileged() {
                return Err(Errno::EPERM.into());
            }
            let text = core::str::from_utf8(value(data)).map_err(|_| Errno::EINVAL)?;
            let n: u64 = text.trim().parse().map_err(|_| Errno::EINVAL)?;
            if !range.contains(&n) {
                return Err(Errno::EINVAL.into());
            }
            cell.store(n, Ordering::Relaxed);
            Ok(data.len())
        },
    )
}

/// /proc/sys/vm/drop_caches (`drop_caches_sysctl_handler`, fs/drop_caches.c).
fn drop_caches(ino: u64) -> Arc<dyn INode> {
    ProcFile::write_only(ino, |data| {
        if !caller()?.creds.lock().is_privileged() {
            return Err(Errno::EPERM.into());
        }
        let text = core::str::from_utf8(value(data)).map_err(|_| Errno::EINVAL)?;
        let n: u64 = text.trim().parse().map_err(|_| Errno::EINVAL)?;
        if !(1..=4).contains(&n) {
            return Err(Errno::EINVAL.into());
        }
        log::info!("drop_caches: {n}: nothing to drop, file data lives only in memory (tmpfs/ramfs)");
        Ok(data.len())
    })
}

fn fixed(ino: u64, text: fn() -> String) -> Arc<dyn INode> {
    ProcFile::new(ino, move || Ok(alloc::format!("{}\n", text()).into_bytes()))
}

/// /proc/sys.
pub fn sys_dir() -> Arc<dyn INode> {
    ProcDir::new(30, (0, 0), 0o555, || {
        let kernel = ProcDir::new(31, (0, 0), 0o555, || -> Vec<(String, Arc<dyn INode>)> {
            alloc::vec![
                ("domainname".to_string(), uts_file(32, true)),
                ("hostname".to_string(), uts_file(33, false)),
                ("ns_last_pid".to_string(), ns_last_pid(34)),
                ("ostype".to_string(), fixed(35, || String::from("Linux"))),
                ("osrelease".to_string(), fixed(36, || machine().release.clone())),
                ("version".to_string(), fixed(37, || machine().build.clone())),
                ("pid_max".to_string(), fixed(38, || crate::process::pid::PID_MAX.to_string())),
                ("overflowuid".to_string(), int_file(50, &creds::OVERFLOW_UID, 0..=65535)),
                ("overflowgid".to_string(), int_file(51, &creds::OVERFLOW_GID, 0..=65535)),
            ]
        });
        let fs = ProcDir::new(52, (0, 0), 0o555, || -> Vec<(String, Arc<dyn INode>)> {
            alloc::vec![
                ("nr_open".to_string(), int_file(53, &rlimit::NR_OPEN, rlimit::NR_OPEN_RANGE)),
                ("overflowuid".to_string(), int_file(54, &creds::FS_OVERFLOW_UID, 0..=65535)),
                ("overflowgid".to_string(), int_file(55, &creds::FS_OVERFLOW_GID, 0..=65535)),
            ]
        });
        let user = ProcDir::new(39, (0, 0), 0o555, || -> Vec<(String, Arc<dyn INode>)> {
            NsKind::ALL
                .iter()
                .enumerate()
                .map(|(i, &kind)| (alloc::format!("max_{}_namespaces", kind.name()), max_namespaces(40 + i as u64, kind)))
                .collect()
        });
        let vm = ProcDir::new(56, (0, 0), 0o555, || -> Vec<(String, Arc<dyn INode>)> {
            alloc::vec![
                ("drop_caches".to_string(), drop_caches(58)),
                ("max_map_count".to_string(), int_file(57, &crate::mm::MAX_MAP_COUNT, 0..=i32::MAX as u64)),
            ]
        });
        alloc::vec![
            ("fs".to_string(), fs),
            ("kernel".to_string(), kernel),
            ("user".to_string(), user),
            ("vm".to_string(), vm),
        ]
    })
}
