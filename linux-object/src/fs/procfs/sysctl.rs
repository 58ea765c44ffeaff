//! /proc/sys: the sysctls that namespaces change (proc_sys_kernel(5)).
//!
//! - `kernel/hostname`, `kernel/domainname`: the names of the reader's UTS
//!   namespace, writable like sethostname(2) (uts_namespaces(7)).
//! - `kernel/ns_last_pid`: the last PID handed out in the reader's PID
//!   namespace; writing it (CAP_SYS_ADMIN over that namespace) chooses
//!   where the next search starts (pid_namespaces(7)).
//! - `kernel/ostype`, `kernel/osrelease`, `kernel/version`, `kernel/pid_max`:
//!   read-only facts.
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
use crate::process::Process;

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
            ]
        });
        let user = ProcDir::new(39, (0, 0), 0o555, || -> Vec<(String, Arc<dyn INode>)> {
            NsKind::ALL
                .iter()
                .enumerate()
                .map(|(i, &kind)| (alloc::format!("max_{}_namespaces", kind.name()), max_namespaces(40 + i as u64, kind)))
                .collect()
        });
        alloc::vec![("kernel".to_string(), kernel), ("user".to_string(), user)]
    })
}
