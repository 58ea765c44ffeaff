/*
 * syscalls.h - nsfuzz's table of the system calls nsCore implements
 * (linux-syscall/src/table.rs), each with the types of its arguments.
 *
 * An entry is SC(name, weight, arg types...): how often `generic` mode picks
 * it relative to the others, and what each argument is, so nsfuzz.c can
 * generate values that are almost right (a real fd, a mapped buffer, a
 * length near a page boundary) as well as plainly wrong ones. A weight of 0
 * keeps a call out of the random pick; a mode may still make it on purpose.
 *
 * Left out on purpose, because they would end the fuzzer or the machine
 * instead of testing the kernel:
 *   exit, exit_group   a worker only ends by dying or at its generation's end;
 *   reboot             never, not even to see EPERM.
 * Calls that could damage the rootfs or the fuzzer itself (mmap family,
 * kill family, mount, execve, open with O_CREAT, ...) are in the table but
 * go through a "fix" hook in nsfuzz.c that keeps them inside the scratch
 * directory, the scratch memory region or the worker's own processes.
 *
 * Only included by nsfuzz.c.
 */
#ifndef NSFUZZ_SYSCALLS_H
#define NSFUZZ_SYSCALLS_H

/* Numbers musl's headers may lack; the same on both architectures. */
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif
#if defined(__riscv) && !defined(SYS_riscv_hwprobe)
#define SYS_riscv_hwprobe 258
#endif
#if defined(__riscv) && !defined(SYS_riscv_flush_icache)
#define SYS_riscv_flush_icache 259
#endif

/* What an argument is; nsfuzz.c's gen_arg() makes a value of each kind. */
enum arg_type {
	A_NONE,		/* unused argument: 0, or now and then garbage */
	A_FD,		/* any fd of the pool, or a closed/huge/negative one */
	A_WFD,		/* an fd that may be changed (scratch files, pipes, /dev/null) */
	A_DIRFD,	/* AT_FDCWD, any directory fd, or junk: for reading */
	A_WDIRFD,	/* AT_FDCWD or a scratch directory fd: for creating/removing */
	A_PATH,		/* any path, for lookups only */
	A_WPATH,	/* a path inside the worker's scratch directory */
	A_PTR,		/* a buffer: valid, NULL, unmapped, kernel, read-only, straddling */
	A_LEN,		/* a size around page and power-of-two boundaries, or huge */
	A_INT,		/* an "interesting" integer */
	A_FLAGS,	/* random bits, one bit, all bits */
	A_OFLAGS,	/* open(2) flags */
	A_ATFLAGS,	/* AT_* flags */
	A_MODE,		/* file mode bits */
	A_OFF,		/* a file offset, negative or near 2^63 too */
	A_WHENCE,	/* lseek whence */
	A_PID,		/* a process id the worker may target (see gen_pid) */
	A_SIG,		/* a signal number, valid or not */
	A_UID,		/* a user or group id */
	A_TIME,		/* pointer to a struct timespec with values near the limits */
	A_ITIMER,	/* pointer to a struct itimerval */
	A_IOV,		/* pointer to an iovec array */
	A_IOVCNT,	/* an iovec count */
	A_SIGSET,	/* pointer to a sigset */
	A_SIGSZ,	/* sigsetsize: 8 mostly */
	A_CLOCK,	/* a clockid */
	A_RES,		/* an rlimit resource */
	A_NSFD,		/* an nsfs fd or a pidfd */
	A_NSTYPE,	/* a CLONE_NEW* combination */
	A_PIDFD,	/* a pidfd */
	A_IOCTL,	/* an ioctl request */
	A_FCNTL,	/* an fcntl command */
	A_FUTEXOP,	/* a futex operation */
	A_STR,		/* pointer to a short random NUL-terminated string */
};

struct syscall_entry {
	const char *name;
	long nr;
	unsigned weight;
	unsigned char arg[6];
	/* Optional: adjusts the generated arguments so the call cannot leave
	 * its sandbox (see the hooks in nsfuzz.c); returns 0 to skip the call. */
	int (*fix)(long *a);
};

/* The hooks, defined in nsfuzz.c. */
static __attribute__((unused)) int fix_open(long *a);
static __attribute__((unused)) int fix_openat(long *a);
static __attribute__((unused)) int fix_kill(long *a);
static __attribute__((unused)) int fix_tgkill(long *a);
static __attribute__((unused)) int fix_mm(long *a);
static __attribute__((unused)) int fix_mremap(long *a);
static __attribute__((unused)) int fix_brk(long *a);
static __attribute__((unused)) int fix_mount(long *a);
static __attribute__((unused)) int fix_exec(long *a);
static __attribute__((unused)) int fix_execat(long *a);
static __attribute__((unused)) int fix_uts(long *a);
static __attribute__((unused)) int fix_prio(long *a);
static __attribute__((unused)) int fix_sigaction(long *a);
static __attribute__((unused)) int fix_clone(long *a);
static __attribute__((unused)) int fix_clone3(long *a);
static __attribute__((unused)) int fix_vfork(long *a);
static __attribute__((unused)) int fix_mknod(long *a);
static __attribute__((unused)) int fix_mknodat(long *a);
static __attribute__((unused)) int fix_fcntl(long *a);
static __attribute__((unused)) int fix_prctl(long *a);
static __attribute__((unused)) int fix_setns(long *a);

#define SC(name, w, ...) { #name, SYS_##name, w, { __VA_ARGS__ }, 0 }
#define SCX(name, w, fixer, ...) { #name, SYS_##name, w, { __VA_ARGS__ }, fixer }

static const struct syscall_entry syscalls[] = {
	/* process */
	SC(getpid, 1, 0),
	SC(getppid, 1, 0),
	SC(gettid, 1, 0),
	SC(set_tid_address, 2, A_PTR),
	SC(set_robust_list, 2, A_PTR, A_LEN),
	SC(get_robust_list, 2, A_PID, A_PTR, A_PTR),
	SCX(clone, 3, fix_clone, A_FLAGS, A_NONE, A_PTR, A_PTR, A_NONE),
	SCX(clone3, 3, fix_clone3, A_PTR, A_LEN),
#ifdef SYS_fork
	SCX(fork, 2, fix_clone, 0),
#endif
#ifdef SYS_vfork
	SCX(vfork, 1, fix_vfork, 0),
#endif
	SC(unshare, 3, A_NSTYPE),
	SCX(setns, 3, fix_setns, A_NSFD, A_NSTYPE),
	SC(pidfd_open, 3, A_PID, A_FLAGS),
	SCX(pidfd_send_signal, 3, fix_kill, A_PIDFD, A_SIG, A_PTR, A_FLAGS),
	SC(wait4, 3, A_PID, A_PTR, A_FLAGS, A_PTR),
	SC(waitid, 3, A_INT, A_PID, A_PTR, A_FLAGS, A_PTR),
	SC(getpgid, 1, A_PID),
	SC(setpgid, 2, A_PID, A_PID),
	SC(getsid, 1, A_PID),
	SC(setsid, 1, 0),
	SC(sched_yield, 1, 0),
	SC(getrusage, 2, A_INT, A_PTR),
	SC(futex, 3, A_PTR, A_FUTEXOP, A_INT, A_TIME, A_PTR, A_INT),
	SC(getuid, 1, 0),
	SC(geteuid, 1, 0),
	SC(getgid, 1, 0),
	SC(getegid, 1, 0),
	SC(getresuid, 1, A_PTR, A_PTR, A_PTR),
	SC(getresgid, 1, A_PTR, A_PTR, A_PTR),
	SC(setuid, 1, A_UID),
	SC(setgid, 1, A_UID),
	SC(setreuid, 1, A_UID, A_UID),
	SC(setregid, 1, A_UID, A_UID),
	SC(setresuid, 1, A_UID, A_UID, A_UID),
	SC(setresgid, 1, A_UID, A_UID, A_UID),
	SC(getgroups, 2, A_INT, A_PTR),
	SC(setgroups, 2, A_INT, A_PTR),
	SCX(prlimit64, 2, fix_prio, A_PID, A_RES, A_PTR, A_PTR),
	SCX(getpriority, 1, fix_prio, A_INT, A_PID),
	SCX(setpriority, 1, fix_prio, A_INT, A_PID, A_INT),
	SC(getrlimit, 1, A_RES, A_PTR),
	SC(setrlimit, 1, A_RES, A_PTR),
	SCX(execve, 1, fix_exec, A_PATH, A_PTR, A_PTR),
	SCX(execveat, 1, fix_execat, A_WDIRFD, A_PATH, A_PTR, A_PTR, A_ATFLAGS),
	/* files */
	SCX(openat, 8, fix_openat, A_DIRFD, A_PATH, A_OFLAGS, A_MODE),
#ifdef SYS_open
	SCX(open, 4, fix_open, A_PATH, A_OFLAGS, A_MODE),
	SC(creat, 1, A_WPATH, A_MODE),
#endif
	SC(close, 3, A_FD),
	SC(close_range, 1, A_FD, A_FD, A_FLAGS),
	SC(read, 8, A_FD, A_PTR, A_LEN),
	SC(write, 8, A_WFD, A_PTR, A_LEN),
	SC(readv, 3, A_FD, A_IOV, A_IOVCNT),
	SC(writev, 3, A_WFD, A_IOV, A_IOVCNT),
	SC(pread64, 3, A_FD, A_PTR, A_LEN, A_OFF),
	SC(pwrite64, 3, A_WFD, A_PTR, A_LEN, A_OFF),
	SC(lseek, 3, A_FD, A_OFF, A_WHENCE),
	SC(sendfile, 3, A_WFD, A_FD, A_PTR, A_LEN),
	SC(truncate, 2, A_WPATH, A_OFF),
	SC(ftruncate, 3, A_WFD, A_OFF),
	SC(fsync, 1, A_FD),
	SC(fdatasync, 1, A_FD),
	SC(sync, 1, 0),
	SC(newfstatat, 4, A_DIRFD, A_PATH, A_PTR, A_ATFLAGS),
	SC(fstat, 3, A_FD, A_PTR),
#ifdef SYS_stat
	SC(stat, 2, A_PATH, A_PTR),
	SC(lstat, 2, A_PATH, A_PTR),
#endif
	SC(statx, 3, A_DIRFD, A_PATH, A_ATFLAGS, A_FLAGS, A_PTR),
	SC(statfs, 2, A_PATH, A_PTR),
	SC(fstatfs, 2, A_FD, A_PTR),
	SC(faccessat, 2, A_DIRFD, A_PATH, A_MODE),
	SC(faccessat2, 2, A_DIRFD, A_PATH, A_MODE, A_ATFLAGS),
#ifdef SYS_access
	SC(access, 1, A_PATH, A_MODE),
	SC(readlink, 1, A_PATH, A_PTR, A_LEN),
#endif
	SC(readlinkat, 2, A_DIRFD, A_PATH, A_PTR, A_LEN),
	SC(getdents64, 4, A_FD, A_PTR, A_LEN),
	SC(mkdirat, 3, A_WDIRFD, A_WPATH, A_MODE),
	SCX(mknodat, 2, fix_mknodat, A_WDIRFD, A_WPATH, A_MODE, A_INT),
	SC(unlinkat, 3, A_WDIRFD, A_WPATH, A_ATFLAGS),
	SC(renameat2, 3, A_WDIRFD, A_WPATH, A_WDIRFD, A_WPATH, A_FLAGS),
#ifdef SYS_renameat
	SC(renameat, 2, A_WDIRFD, A_WPATH, A_WDIRFD, A_WPATH),
#endif
	SC(symlinkat, 2, A_WPATH, A_WDIRFD, A_WPATH),
	SC(linkat, 2, A_WDIRFD, A_WPATH, A_WDIRFD, A_WPATH, A_ATFLAGS),
#ifdef SYS_mkdir
	SC(mkdir, 1, A_WPATH, A_MODE),
	SCX(mknod, 1, fix_mknod, A_WPATH, A_MODE, A_INT),
	SC(unlink, 1, A_WPATH),
	SC(rmdir, 1, A_WPATH),
	SC(rename, 1, A_WPATH, A_WPATH),
	SC(symlink, 1, A_WPATH, A_WPATH),
	SC(link, 1, A_WPATH, A_WPATH),
	SC(chmod, 1, A_WPATH, A_MODE),
	SC(chown, 1, A_WPATH, A_UID, A_UID),
	SC(lchown, 1, A_WPATH, A_UID, A_UID),
#endif
	SC(getcwd, 2, A_PTR, A_LEN),
	SC(chdir, 1, A_WPATH),
	SC(fchdir, 1, A_WFD),
	SC(chroot, 1, A_WPATH),
	SC(fchmodat, 2, A_WDIRFD, A_WPATH, A_MODE, A_ATFLAGS),
	SC(fchmod, 2, A_WFD, A_MODE),
	SC(fchownat, 2, A_WDIRFD, A_WPATH, A_UID, A_UID, A_ATFLAGS),
	SC(fchown, 2, A_WFD, A_UID, A_UID),
	SC(utimensat, 2, A_WDIRFD, A_WPATH, A_TIME, A_ATFLAGS),
	SC(umask, 1, A_MODE),
	SC(dup, 2, A_FD),
	SC(dup3, 2, A_FD, A_INT, A_FLAGS),
#ifdef SYS_dup2
	SC(dup2, 2, A_FD, A_INT),
#endif
	SCX(fcntl, 4, fix_fcntl, A_FD, A_FCNTL, A_PTR),
	SC(flock, 2, A_FD, A_FLAGS),
	SC(pipe2, 2, A_PTR, A_OFLAGS),
#ifdef SYS_pipe
	SC(pipe, 1, A_PTR),
#endif
	SC(ioctl, 5, A_FD, A_IOCTL, A_PTR),
	SC(ppoll, 2, A_PTR, A_INT, A_TIME, A_SIGSET, A_SIGSZ),
#ifdef SYS_poll
	SC(poll, 2, A_PTR, A_INT, A_INT),
	SC(select, 2, A_INT, A_PTR, A_PTR, A_PTR, A_PTR),
#endif
	SC(pselect6, 2, A_INT, A_PTR, A_PTR, A_PTR, A_TIME, A_PTR),
	SCX(mount, 2, fix_mount, A_WPATH, A_WPATH, A_STR, A_FLAGS, A_STR),
	SC(umount2, 2, A_WPATH, A_FLAGS),
	/* signals */
	SCX(rt_sigaction, 4, fix_sigaction, A_SIG, A_PTR, A_PTR, A_SIGSZ),
	SC(rt_sigprocmask, 3, A_INT, A_SIGSET, A_PTR, A_SIGSZ),
	SC(rt_sigpending, 1, A_PTR, A_SIGSZ),
	SC(rt_sigsuspend, 1, A_SIGSET, A_SIGSZ),
	SC(rt_sigreturn, 1, 0),
#ifdef SYS_pause
	SC(pause, 1, 0),
#endif
	SCX(kill, 3, fix_kill, A_PID, A_SIG),
	SCX(tkill, 2, fix_kill, A_PID, A_SIG),
	SCX(tgkill, 2, fix_tgkill, A_PID, A_PID, A_SIG),
	SC(sigaltstack, 2, A_PTR, A_PTR),
	/* memory: kept inside the worker's scratch region by fix_mm */
	SCX(brk, 2, fix_brk, A_PTR),
	SCX(mmap, 4, fix_mm, A_PTR, A_LEN, A_FLAGS, A_FLAGS, A_FD, A_OFF),
	SCX(munmap, 3, fix_mm, A_PTR, A_LEN),
	SCX(mprotect, 3, fix_mm, A_PTR, A_LEN, A_FLAGS),
	SCX(madvise, 3, fix_mm, A_PTR, A_LEN, A_INT),
	SCX(mremap, 2, fix_mremap, A_PTR, A_LEN, A_LEN, A_FLAGS, A_PTR),
	/* misc */
	SC(uname, 1, A_PTR),
	SC(getrandom, 2, A_PTR, A_LEN, A_FLAGS),
	SC(rseq, 1, A_PTR, A_LEN, A_FLAGS, A_INT),
	SC(sysinfo, 1, A_PTR),
	SCX(sethostname, 2, fix_uts, A_PTR, A_LEN),
	SCX(setdomainname, 1, fix_uts, A_PTR, A_LEN),
#ifdef __riscv
	SC(riscv_hwprobe, 1, A_PTR, A_LEN, A_LEN, A_PTR, A_FLAGS),
	SC(riscv_flush_icache, 1, A_PTR, A_PTR, A_FLAGS),
#endif
#ifdef SYS_arch_prctl
	SC(arch_prctl, 1, A_INT, A_PTR),
#endif
	SC(sched_getaffinity, 1, A_PID, A_LEN, A_PTR),
	SC(sched_setaffinity, 1, A_PID, A_LEN, A_PTR),
	SCX(prctl, 2, fix_prctl, A_INT, A_INT, A_PTR, A_INT, A_INT),
	/* time */
	SC(clock_gettime, 2, A_CLOCK, A_PTR),
	SC(clock_getres, 1, A_CLOCK, A_PTR),
	SC(clock_settime, 1, A_CLOCK, A_TIME),
	SC(gettimeofday, 1, A_PTR, A_PTR),
	SC(nanosleep, 2, A_TIME, A_PTR),
	SC(clock_nanosleep, 2, A_CLOCK, A_FLAGS, A_TIME, A_PTR),
	SC(setitimer, 2, A_INT, A_ITIMER, A_PTR),
	SC(getitimer, 1, A_INT, A_PTR),
#ifdef SYS_alarm
	SC(alarm, 1, A_INT),
	SC(time, 1, A_PTR),
#endif
	SC(times, 1, A_PTR),
};

#define NR_SYSCALLS ((int)(sizeof(syscalls) / sizeof(syscalls[0])))

#endif
