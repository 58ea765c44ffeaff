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
use crate::{fs, misc, mm, namespace, pidfd, process, signal, time};

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
    "clone" => process::clone::sys_clone, "CLONE_NEWIPC/NET/USER/CGROUP refused (EINVAL) until their issues";
    "fork" => process::clone::sys_fork;
    "vfork" => process::clone::sys_vfork;
    "clone3" => process::clone::sys_clone3, "as clone; CLONE_INTO_CGROUP refused";
    // namespaces and pidfds
    "unshare" => namespace::sys_unshare, "CLONE_NEWIPC/NET/USER/CGROUP refused (EINVAL) until their issues";
    "setns" => namespace::sys_setns;
    "pidfd_open" => pidfd::sys_pidfd_open, "no PIDFD_THREAD";
    "pidfd_send_signal" => pidfd::sys_pidfd_send_signal, "pidfds name processes only (no PIDFD_THREAD pidfds)";
    "wait4" => process::wait::sys_wait4, "rusage has the CPU times only";
    "getpgid" => process::sys_getpgid;
    "getpgrp" => process::sys_getpgrp;
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
    "getpriority" => process::creds::sys_getpriority;
    "setpriority" => process::creds::sys_setpriority;
    "getrlimit" => process::creds::sys_getrlimit;
    "setrlimit" => process::creds::sys_setrlimit;
    "execve" => process::exec::sys_execve, "a non-leader thread keeps its own TID";
    "execveat" => process::exec::sys_execveat;
    // files
    "openat" => fs::open::sys_openat, "no O_TMPFILE; socket files are ENXIO";
    "open" => fs::open::sys_open;
    "creat" => fs::open::sys_creat;
    "close" => fs::open::sys_close;
    "close_range" => fs::open::sys_close_range;
    "read" => fs::rw::sys_read;
    "write" => fs::rw::sys_write, "no SIGPIPE yet";
    "readv" => fs::rw::sys_readv;
    "writev" => fs::rw::sys_writev;
    "pread64" => fs::rw::sys_pread64;
    "pwrite64" => fs::rw::sys_pwrite64;
    "lseek" => fs::rw::sys_lseek;
    "sendfile" => fs::rw::sys_sendfile;
    "truncate" => fs::rw::sys_truncate;
    "ftruncate" => fs::rw::sys_ftruncate;
    "fallocate" => fs::rw::sys_fallocate;
    "copy_file_range" => fs::rw::sys_copy_file_range;
    "fsync" => fs::rw::sys_fsync;
    "fdatasync" => fs::rw::sys_fsync;
    "sync" => fs::rw::sys_sync;
    "newfstatat" => fs::stat::sys_newfstatat;
    "fstat" => fs::stat::sys_fstat;
    "stat" => fs::stat::sys_stat;
    "lstat" => fs::stat::sys_lstat;
    "statx" => fs::stat::sys_statx, "no birth time";
    "statfs" => fs::stat::sys_statfs;
    "fstatfs" => fs::stat::sys_fstatfs;
    "faccessat" => fs::stat::sys_faccessat;
    "faccessat2" => fs::stat::sys_faccessat2;
    "access" => fs::stat::sys_access;
    "readlinkat" => fs::stat::sys_readlinkat;
    "readlink" => fs::stat::sys_readlink;
    "getdents64" => fs::dir::sys_getdents64;
    "mkdirat" => fs::dir::sys_mkdirat;
    "mkdir" => fs::dir::sys_mkdir;
    "mknodat" => fs::dir::sys_mknodat;
    "mknod" => fs::dir::sys_mknod;
    "unlinkat" => fs::dir::sys_unlinkat;
    "unlink" => fs::dir::sys_unlink;
    "rmdir" => fs::dir::sys_rmdir;
    "renameat2" => fs::dir::sys_renameat2, "no RENAME_WHITEOUT";
    "renameat" => fs::dir::sys_renameat;
    "rename" => fs::dir::sys_rename;
    "symlinkat" => fs::dir::sys_symlinkat;
    "symlink" => fs::dir::sys_symlink;
    "linkat" => fs::dir::sys_linkat;
    "link" => fs::dir::sys_link;
    "getcwd" => fs::dir::sys_getcwd;
    "chdir" => fs::dir::sys_chdir;
    "fchdir" => fs::dir::sys_fchdir;
    "chroot" => fs::dir::sys_chroot;
    "fchmodat" => fs::attr::sys_fchmodat;
    "fchmod" => fs::attr::sys_fchmod;
    "chmod" => fs::attr::sys_chmod;
    "fchownat" => fs::attr::sys_fchownat;
    "fchown" => fs::attr::sys_fchown;
    "chown" => fs::attr::sys_chown;
    "lchown" => fs::attr::sys_lchown;
    "utimensat" => fs::attr::sys_utimensat;
    "umask" => fs::attr::sys_umask;
    "dup" => fs::fd::sys_dup;
    "dup2" => fs::fd::sys_dup2;
    "dup3" => fs::fd::sys_dup3;
    "fcntl" => fs::fd::sys_fcntl;
    "flock" => fs::fd::sys_flock;
    "pipe2" => fs::fd::sys_pipe2;
    "pipe" => fs::fd::sys_pipe;
    "ioctl" => fs::fd::sys_ioctl;
    "ppoll" => fs::poll::sys_ppoll;
    "poll" => fs::poll::sys_poll;
    "pselect6" => fs::poll::sys_pselect6;
    "select" => fs::poll::sys_select;
    "mount" => fs::mount::sys_mount, "proc, tmpfs, ramfs, devtmpfs, sysfs, bind, remount; no MS_MOVE or shared subtrees";
    "umount2" => fs::mount::sys_umount2, "MNT_DETACH acts like a plain umount";
    // signals
    "rt_sigaction" => signal::sys_rt_sigaction;
    "rt_sigprocmask" => signal::sys_rt_sigprocmask;
    "rt_sigpending" => signal::sys_rt_sigpending;
    "rt_sigsuspend" => signal::sys_rt_sigsuspend;
    "rt_sigreturn" => signal::sys_rt_sigreturn;
    "restart_syscall" => signal::sys_restart_syscall;
    "pause" => signal::sys_pause;
    "kill" => signal::sys_kill;
    "tkill" => signal::sys_tkill;
    "tgkill" => signal::sys_tgkill;
    "rt_sigqueueinfo" => signal::sys_rt_sigqueueinfo;
    "rt_sigtimedwait" => signal::sys_rt_sigtimedwait;
    "rt_tgsigqueueinfo" => signal::sys_rt_tgsigqueueinfo;
    "sigaltstack" => signal::sys_sigaltstack;
    "waitid" => signal::sys_waitid, "rusage has the CPU times only";
    // memory
    "brk" => mm::sys_brk;
    "mmap" => mm::sys_mmap;
    "munmap" => mm::sys_munmap;
    "mprotect" => mm::sys_mprotect;
    "mremap" => mm::sys_mremap;
    "msync" => mm::sys_msync;
    "mincore" => mm::sys_mincore;
    "madvise" => mm::sys_madvise, "only MADV_DONTNEED acts; other advice is accepted";
    // misc
    "uname" => misc::sys_uname;
    "getrandom" => misc::sys_getrandom;
    "rseq" => misc::sys_rseq_enosys;
    "sysinfo" => misc::sys_sysinfo, "no swap (there is none)";
    "sethostname" => misc::sys_sethostname, "one UTS namespace until the namespace issue";
    "setdomainname" => misc::sys_setdomainname, "one UTS namespace until the namespace issue";
    "riscv_hwprobe" => misc::sys_riscv_hwprobe;
    "reboot" => misc::sys_reboot, "restart powers off";
    "riscv_flush_icache" => misc::sys_riscv_flush_icache;
    "sched_getaffinity" => misc::sys_sched_getaffinity;
    "sched_setaffinity" => misc::sys_sched_setaffinity;
    "arch_prctl" => misc::sys_arch_prctl, "FS/GS bases and GET_CPUID; no SET_CPUID";
    "personality" => misc::sys_personality, "any value is kept, but UNAME26 and PER_LINUX32 do not change uname";
    "prctl" => misc::sys_prctl, "PR_SET/GET_CHILD_SUBREAPER, _PDEATHSIG, _NAME, _DUMPABLE; others EINVAL";
    // time
    "clock_gettime" => time::sys_clock_gettime, "no time-namespace offsets yet";
    "clock_getres" => time::sys_clock_getres;
    "clock_settime" => time::sys_clock_settime;
    "gettimeofday" => time::sys_gettimeofday;
    "nanosleep" => time::sys_nanosleep;
    "clock_nanosleep" => time::sys_clock_nanosleep;
    "setitimer" => time::sys_setitimer, "ITIMER_REAL only";
    "getitimer" => time::sys_getitimer, "ITIMER_REAL only";
    "alarm" => time::sys_alarm;
    "time" => time::sys_time;
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
