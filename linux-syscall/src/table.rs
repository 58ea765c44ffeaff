//! The syscall table: Linux name → handler, with how complete each is.
//!
//! One arch-neutral declaration; each architecture's numbers come from
//! `numbers/` (generated from musl's headers), so riscv64's generic table and
//! x86_64's own table are both derived from this list. `make syscalls` prints
//! it as a coverage table.

use alloc::vec;
use alloc::vec::Vec;

use linux_object::sync::Once;

use crate::{Arch, Args, Ctx, SysResult};
use crate::{misc, mm, process, time};

pub type Handler = fn(&mut Ctx, &Args) -> SysResult;

/// How much of Linux's behaviour a handler implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    Full,
    /// Works, minus what the note says.
    Partial(&'static str),
}

pub struct Entry {
    pub name: &'static str,
    pub handler: Handler,
    pub support: Support,
}

macro_rules! table {
    ($($name:literal => $handler:path $(, $partial:literal)?;)*) => {
        pub static TABLE: &[Entry] = &[
            $(Entry { name: $name, handler: $handler, support: table!(@support $($partial)?) },)*
        ];
    };
    (@support) => { Support::Full };
    (@support $note:literal) => { Support::Partial($note) };
}

table! {
    // process
    "getpid" => process::sys_getpid;
    "getppid" => process::sys_getppid;
    "gettid" => process::sys_gettid;
    "exit" => process::sys_exit;
    "exit_group" => process::sys_exit_group;
    "set_tid_address" => process::sys_set_tid_address;
    "set_robust_list" => process::sys_set_robust_list;
    "get_robust_list" => process::sys_get_robust_list;
    "clone" => process::clone::sys_clone, "CLONE_NEW* and CLONE_PIDFD come with namespaces";
    "wait4" => process::wait::sys_wait4, "rusage is zero";
    "getpgid" => process::sys_getpgid;
    "setpgid" => process::sys_setpgid;
    "getsid" => process::sys_getsid;
    "setsid" => process::sys_setsid;
    "sched_yield" => process::sys_sched_yield;
    "getrusage" => process::sys_getrusage, "only CPU times and maxrss are counted";
    "futex" => process::futex::sys_futex, "no PI, WAKE_OP or WAIT_REQUEUE_PI operations";
    // credentials
    "getuid" => process::creds::sys_getuid;
    "geteuid" => process::creds::sys_geteuid;
    "getgid" => process::creds::sys_getgid;
    "getegid" => process::creds::sys_getegid;
    "getresuid" => process::creds::sys_getresuid;
    "getresgid" => process::creds::sys_getresgid;
    "setuid" => process::creds::sys_setuid;
    "setgid" => process::creds::sys_setgid;
    "setreuid" => process::creds::sys_setreuid;
    "setregid" => process::creds::sys_setregid;
    "setresuid" => process::creds::sys_setresuid;
    "setresgid" => process::creds::sys_setresgid;
    "getgroups" => process::creds::sys_getgroups;
    "setgroups" => process::creds::sys_setgroups;
    "prlimit64" => process::creds::sys_prlimit64;
    "getrlimit" => process::creds::sys_getrlimit;
    "setrlimit" => process::creds::sys_setrlimit;
    // memory
    "brk" => mm::sys_brk;
    "mmap" => mm::sys_mmap, "file mappings come with the VFS";
    "munmap" => mm::sys_munmap;
    "mprotect" => mm::sys_mprotect;
    "madvise" => mm::sys_madvise, "advice is accepted and ignored, as Linux may";
    // misc
    "uname" => misc::sys_uname;
    "getrandom" => misc::sys_getrandom;
    "rseq" => misc::sys_rseq_enosys;
    "sysinfo" => misc::sys_sysinfo, "no load averages or swap";
    "sched_getaffinity" => misc::sys_sched_getaffinity;
    "sched_setaffinity" => misc::sys_sched_setaffinity;
    "prctl" => misc::sys_prctl, "PR_SET_CHILD_SUBREAPER, names, dumpable; others EINVAL";
    // time
    "clock_gettime" => time::sys_clock_gettime, "no time-namespace offsets yet";
    "clock_getres" => time::sys_clock_getres;
    "clock_settime" => time::sys_clock_settime;
    "gettimeofday" => time::sys_gettimeofday;
    "nanosleep" => time::sys_nanosleep;
    "clock_nanosleep" => time::sys_clock_nanosleep;
    "times" => time::sys_times;
}

/// Per-architecture map from syscall number to table index.
fn index_for(arch: Arch) -> &'static [Option<u16>] {
    static RISCV64: Once<Vec<Option<u16>>> = Once::new();
    static X86_64: Once<Vec<Option<u16>>> = Once::new();
    let cell = match arch {
        Arch::Riscv64 => &RISCV64,
        Arch::X86_64 => &X86_64,
    };
    cell.call_once(|| {
        let mut index = vec![None; 512];
        for (i, entry) in TABLE.iter().enumerate() {
            if let Some(nr) = arch.syscall_number(entry.name).filter(|&nr| nr < index.len()) {
                index[nr] = Some(i as u16);
            }
        }
        index
    })
}

/// The table entry for syscall `nr`, if nsCore implements it.
pub fn lookup(arch: Arch, nr: usize) -> Option<&'static Entry> {
    let i = (*index_for(arch).get(nr)?)?;
    TABLE.get(i as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_exists_on_both_architectures_or_only_where_linux_has_it() {
        for entry in TABLE {
            let on_riscv = Arch::Riscv64.syscall_number(entry.name).is_some();
            let on_x86 = Arch::X86_64.syscall_number(entry.name).is_some();
            assert!(on_riscv || on_x86, "{} is not a Linux syscall", entry.name);
        }
    }

    #[test]
    fn lookup_by_number() {
        assert_eq!(lookup(Arch::Riscv64, 172).map(|e| e.name), Some("getpid"));
        assert_eq!(lookup(Arch::X86_64, 39).map(|e| e.name), Some("getpid"));
        assert!(lookup(Arch::Riscv64, 100_000).is_none());
    }
}
