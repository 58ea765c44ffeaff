/*
 * efault_test: "Never trust user space". System calls given pointers that
 * are not mapped, or that point into the kernel's half of the address
 * space, fail with EFAULT (and the kernel survives): read, write, readv,
 * stat family, uname, clock_gettime, gettimeofday, getrandom, pipe2,
 * sigaction, sigprocmask, wait4, getrlimit/prlimit, sysinfo, getcwd, open
 * and friends with a bad path, futex, setns/unshare-free calls only.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nstest.h"

/* A user address nothing is mapped at, and one in the kernel's half. */
#define UNMAPPED ((void *)0x10)
#define KERNEL ((void *)0xffffffffff600000ULL - 0x100000)

int main(void)
{
	alarm(20);
	/* Also the first address past riscv64's Sv39 user half (unmapped user
	 * memory on x86_64) and the start of riscv64's kernel linear map: a
	 * futex there once made nsCore walk the kernel's page table. */
	void *bad[] = { UNMAPPED, KERNEL, (void *)0x4000000000ULL, (void *)0xffffffc000000000ULL };
	const char *which[] = { "an unmapped address", "a kernel address", "address 2^38", "address 0xffffffc000000000" };
	char name[160];
	int p[2];
	pipe(p);
	write(p[1], "data", 4);
	for (int i = 0; i < 4; i++) {
		void *b = bad[i];
#define EF(what, call) do { snprintf(name, sizeof name, "%s with %s is EFAULT", what, which[i]); \
		CHECK_ERR(name, call, EFAULT); } while (0)
		EF("read into", syscall(SYS_read, p[0], b, 4));
		EF("write from", syscall(SYS_write, p[1], b, 4));
		EF("readv with an iovec array at", syscall(SYS_readv, p[0], b, 1));
		EF("uname", syscall(SYS_uname, b));
		EF("clock_gettime", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, b));
		EF("getrandom", syscall(SYS_getrandom, b, 16, 0));
		EF("pipe2", syscall(SYS_pipe2, b, 0));
		EF("rt_sigaction's new action", syscall(SYS_rt_sigaction, SIGUSR1, b, NULL, 8));
		EF("rt_sigprocmask's old set", syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, b, 8));
		EF("openat's path", syscall(SYS_openat, AT_FDCWD, b, O_RDONLY));
		EF("newfstatat's path", syscall(SYS_newfstatat, AT_FDCWD, b, name, 0));
		EF("fstat's buffer", syscall(SYS_fstat, p[0], b));
		EF("getcwd", syscall(SYS_getcwd, b, 64));
		EF("sysinfo", syscall(SYS_sysinfo, b));
		EF("prlimit64's old limit", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, b));
		EF("nanosleep's request", syscall(SYS_nanosleep, b, NULL));
		EF("ppoll's fds", syscall(SYS_ppoll, b, 1, NULL, NULL, 8));
		EF("execve's path", syscall(SYS_execve, b, NULL, NULL));
		EF("FUTEX_WAIT on", syscall(SYS_futex, b, 0 /* FUTEX_WAIT */, 0, NULL, NULL, 0));
		EF("FUTEX_WAKE on", syscall(SYS_futex, b, 1 /* FUTEX_WAKE */, 1, NULL, NULL, 0));
		EF("sethostname's name", syscall(SYS_sethostname, b, 4));
		EF("clone3's arguments", syscall(435, b, 64));
		EF("setitimer's new value", syscall(SYS_setitimer, 0, b, NULL));
	}
	char buf[8];
	CHECK_EQ("the pipe still works afterwards", read(p[0], buf, 4), 4);

	/* Sizes that wrap around the address space are refused, not trusted. */
	unsigned long long args[11] = { 0 };
	args[4] = SIGCHLD;
	args[5] = ~0ULL - 100;	/* stack */
	args[6] = 4096;		/* stack_size: stack + size wraps */
	CHECK_ERR("clone3 with a stack that wraps around is EINVAL", syscall(435, args, 88), EINVAL);
	args[5] = 0;
	args[6] = 0;
	args[8] = ~0ULL - 2;	/* set_tid pointer at the very top */
	args[9] = 2;
	args[0] = 0x20000000;	/* CLONE_NEWPID, so two numbers are allowed */
	long r = syscall(435, args, 88);
	CHECK("clone3 with set_tid at the top of memory fails (EFAULT or EINVAL)", r == -1 && (errno == EFAULT || errno == EINVAL));
	if (r == 0)
		_exit(0);
	struct itimerval huge = { { 0, 0 }, { 0x7fffffffffffffffLL, 0 } };
	CHECK_OK("setitimer with the largest time", setitimer(ITIMER_REAL, &huge, NULL));
	CHECK("alarm(0) then reports a large, not wrapped, remainder", alarm(0) > 1000);
	NST_DONE();
}
