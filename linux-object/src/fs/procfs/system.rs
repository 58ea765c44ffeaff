//! System-wide /proc files: meminfo, uptime, stat, loadavg, filesystems,
//! cpuinfo, version, mounts.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::{ProcFile, ProcLink, machine};
use crate::fs::vfs::INode;
use crate::hal::hal;
use crate::time;

fn meminfo() -> String {
    let (total, free) = hal().memory_stats();
    let kb = |bytes: usize| bytes / 1024;
    let shmem_kb = crate::fs::file_pages::file_pages() as usize * 4;
    let mut out = String::new();
    for (name, value) in [
        ("MemTotal", kb(total)),
        ("MemFree", kb(free)),
        ("MemAvailable", kb(free)),
        ("Buffers", 0),
        // File data of tmpfs/ramfs is page cache that cannot be dropped:
        // Linux counts it in Cached and Shmem, not in MemAvailable.
        ("Cached", shmem_kb),
        ("SwapCached", 0),
        ("Active", 0),
        ("Inactive", 0),
        ("SwapTotal", 0),
        ("SwapFree", 0),
        ("Dirty", 0),
        // Page-cache pages some address space maps (`NR_FILE_MAPPED`).
        ("Mapped", crate::mm::mapped_cache_pages() * 4),
        ("Shmem", shmem_kb),
        ("SReclaimable", 0),
    ] {
        out.push_str(&format!("{:<16}{:>8} kB\n", format!("{name}:"), value));
    }
    out
}

/// /proc/uptime: boot time as the reader's time namespace sees it; idle
/// time is not shifted (time_namespaces(7) shifts only the first field).
fn uptime() -> String {
    let ns = crate::namespace::time::current().boottime_ns();
    let idle = time::monotonic_ns().saturating_sub(busy_ns());
    format!("{}.{:02} {}.{:02}\n", ns / 1_000_000_000, ns / 10_000_000 % 100, idle / 1_000_000_000, idle / 10_000_000 % 100)
}

/// CPU time spent by all live processes (the rest of the uptime counts as idle).
fn busy_ns() -> u64 {
    crate::process::all_processes().iter().map(|p| {
        let (u, s) = p.cpu_time_ns();
        u + s
    }).sum()
}

fn stat() -> String {
    let ticks = |ns: u64| ns / 10_000_000;
    let mut user = 0;
    let mut system = 0;
    for p in crate::process::all_processes() {
        let (u, s) = p.cpu_time_ns();
        user += u;
        system += s;
    }
    let idle = time::monotonic_ns().saturating_sub(user + system);
    let line = format!("{} 0 {} {} 0 0 0 0 0 0", ticks(user), ticks(system), ticks(idle));
    // The wall-clock time of boot, moved back by the reader's time
    // namespace's boottime offset (`timens_sub_boottime` in show_stat).
    let offset = crate::namespace::time::current().offsets().boottime_ns as i128;
    let boot_time = (time::realtime_ns() as i128 - time::monotonic_ns() as i128 - offset).div_euclid(1_000_000_000);
    format!(
        "cpu  {line}\ncpu0 {line}\nintr 0\nctxt 0\nbtime {boot_time}\nprocesses {}\nprocs_running 1\nprocs_blocked 0\n",
        crate::process::process_count()
    )
}

fn loadavg() -> String {
    let processes = crate::process::all_processes();
    let last = processes.iter().map(|p| p.pid()).max().unwrap_or(0);
    // "runnable/total" counts the reader itself as the one running.
    format!("{} 1/{} {}\n", crate::process::loadavg::text(), processes.len(), last)
}

fn filesystems() -> String {
    String::from("nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tdevtmpfs\nnodev\tramfs\n")
}

pub fn entries() -> Vec<(String, Arc<dyn INode>)> {
    let file = |ino: u64, f: fn() -> String| -> Arc<dyn INode> { ProcFile::system(ino, move || Ok(f().into_bytes())) };
    alloc::vec![
        ("meminfo".to_string(), file(10, meminfo)),
        ("uptime".to_string(), file(11, uptime)),
        ("stat".to_string(), file(12, stat)),
        ("loadavg".to_string(), file(13, loadavg)),
        ("filesystems".to_string(), file(14, filesystems)),
        ("cpuinfo".to_string(), file(15, || machine().cpuinfo.clone())),
        ("version".to_string(), file(16, || machine().version_line())),
        ("mounts".to_string(), ProcLink::new(17, (0, 0), || Ok(String::from("self/mounts")))),
        ("sys".to_string(), super::sysctl::sys_dir()),
    ]
}
