/*
 * nsutil.h - shared helpers of the namespace tests in user-tests/ns:
 * fallbacks for constants older libc headers lack, the links and inode
 * numbers of the initial namespaces, and the small process helpers (fork
 * a checking child, wait for its code, read a /proc link, clone3) that
 * several of those tests use. Include it after the system headers, with
 * _GNU_SOURCE defined first; it includes nstest.h.
 */
#ifndef NSUTIL_H
#define NSUTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nstest.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

/* The links of /proc/PID/ns/<kind> and inode numbers of the initial namespaces. */
#define INIT_CGROUP_NS "cgroup:[4026531835]"
#define INIT_IPC_NS "ipc:[4026531839]"
#define INIT_MNT_NS "mnt:[4026531832]"
#define INIT_NET_NS "net:[4026531833]"
#define INIT_PID_NS "pid:[4026531836]"
#define INIT_TIME_NS "time:[4026531834]"
#define INIT_USER_NS "user:[4026531837]"
#define INIT_UTS_NS "uts:[4026531838]"
#define INIT_CGROUP_INO 4026531835ULL
#define INIT_IPC_INO 4026531839ULL
#define INIT_MNT_INO 4026531832ULL
#define INIT_NET_INO 4026531833ULL
#define INIT_PID_INO 4026531836ULL
#define INIT_TIME_INO 4026531834ULL
#define INIT_USER_INO 4026531837ULL
#define INIT_UTS_INO 4026531838ULL

/* struct clone_args of clone3(2), version 2 (88 bytes). */
struct nst_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

/* readlink(2) into a rotating static buffer, NUL-terminated; "" on failure. */
/* dir/name, in one of four rotating buffers: the path of a file in a
 * test's own mkdtemp(3) directory. */
static __attribute__((unused)) const char *path_in(const char *dir, const char *name)
{
	static char buf[4][256];
	static int n;
	char *b = buf[n++ % 4];
	snprintf(b, sizeof buf[0], "%s/%s", dir, name);
	return b;
}

static __attribute__((unused)) const char *link_of(const char *path)
{
	static char buf[8][128];
	static int n;
	char *b = buf[n++ % 8];
	ssize_t r = readlink(path, b, sizeof buf[0] - 1);
	b[r > 0 ? r : 0] = 0;
	return b;
}

/* Waits for pid (retrying on EINTR); returns its exit code, or 128+signal, or -1. */
static __attribute__((unused)) int wait_code(pid_t pid)
{
	int status;
	if (pid <= 0)
		return -1;
	pid_t r;
	do
		r = waitpid(pid, &status, 0);
	while (r < 0 && errno == EINTR);
	if (r != pid)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

/* fork(2) where the child starts counting its own checks from zero. */
static __attribute__((unused)) pid_t fork_child(void)
{
	fflush(stdout);
	pid_t p = fork();
	if (p == 0)
		nst_passed = nst_failed = 0;
	return p;
}

/* fork(2) with CLONE_NEWPID, through the raw system call; the child counts from zero. */
static __attribute__((unused)) pid_t fork_newpid(void)
{
	fflush(stdout);
	pid_t p = syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0);
	if (p == 0)
		nst_passed = nst_failed = 0;
	return p;
}

/* clone3 used like fork: the child starts counting its checks from zero. */
static __attribute__((unused)) pid_t clone3_fork(struct nst_clone_args *args, size_t size)
{
	fflush(stdout);
	pid_t p = syscall(SYS_clone3, args, size);
	if (p == 0)
		nst_passed = nst_failed = 0;
	return p;
}

/* Ends a checking child: exit code 0 only if all of its own checks passed. */
static __attribute__((unused)) void child_done(void)
{
	fflush(stdout);
	_exit(nst_failed ? 1 : 0);
}

/*
 * Ends a clone that was expected to fail: should it have succeeded, the
 * child leaves at once (SYS_exit, which is also safe for a wrongly created
 * thread) and the parent reaps it. Returns r with errno kept.
 */
static __attribute__((unused)) long tried_clone(long r)
{
	if (r == 0)
		syscall(SYS_exit, 0);
	int e = errno;
	if (r > 0)
		waitpid(r, NULL, 0);
	errno = e;
	return r;
}

/* clone3 that is expected to fail (see tried_clone); returns its result with errno. */
static __attribute__((unused)) long try_clone3(struct nst_clone_args *args, size_t size)
{
	fflush(stdout);
	return tried_clone(syscall(SYS_clone3, args, size));
}

/* pidfd_open(2) through the raw system call. */
static __attribute__((unused)) int pidfd_open(pid_t pid, unsigned int flags)
{
	return syscall(SYS_pidfd_open, pid, flags);
}

/* A stack for clone(2) of a thread that is expected to fail (or exit at once). */
static __attribute__((unused)) char thread_stack[64 * 1024] __attribute__((aligned(16)));

/* The function such a thread runs: it returns at once. */
static __attribute__((unused)) int thread_fn(void *arg)
{
	return 0;
}

/* The first 8 KiB of a file as a string ("" if it cannot be read); four
 * buffers in turn, so a few results can be used together. */
static __attribute__((unused)) const char *read_file(const char *path)
{
	static char buf[4][8192];
	static int n;
	char *b = buf[n++ % 4];
	b[0] = 0;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return b;
	ssize_t r = read(fd, b, sizeof buf[0] - 1);
	b[r > 0 ? r : 0] = 0;
	close(fd);
	return b;
}

/* Whether capability `cap` is in our effective set (CapEff in
 * /proc/self/status; euid 0 where the line is missing). */
static __attribute__((unused)) int has_cap(int cap)
{
	const char *p = strstr(read_file("/proc/self/status"), "\nCapEff:");
	if (p)
		return (strtoull(p + 8, NULL, 16) >> cap) & 1;
	return geteuid() == 0;
}

/* Field `n` (1-based, as proc(5) numbers them) of /proc/PID/stat; -1 if
 * it cannot be read. */
static __attribute__((unused)) long long proc_stat_field(pid_t pid, int n)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	const char *p = strrchr(read_file(path), ')');
	if (!p)
		return -1;
	p += 2; /* field 3 */
	for (int i = 3; i < n && p; i++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return p ? atoll(p) : -1;
}

/* The state letter of /proc/PID/stat (PID 0: /proc/self), '?' if none. */
static __attribute__((unused)) char proc_state(pid_t pid)
{
	char path[64];
	if (pid)
		snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	else
		snprintf(path, sizeof path, "/proc/self/stat");
	const char *p = strrchr(read_file(path), ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/* Waits up to 5 s for /proc/PID/stat to show state c. */
static __attribute__((unused)) int wait_state(pid_t pid, char c)
{
	for (int i = 0; i < 500; i++) {
		if (proc_state(pid) == c)
			return 1;
		usleep(10000);
	}
	return 0;
}

/* waitpid(pid, status, flags | WNOHANG) retried (EINTR too) for up to
 * 10 s of the monotonic clock: a kernel that never reports does not hang
 * the test. */
static __attribute__((unused)) pid_t wait_for(pid_t pid, int *status, int flags)
{
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		pid_t r = waitpid(pid, status, flags | WNOHANG);
		if (r != 0 && !(r < 0 && errno == EINTR))
			return r;
		usleep(2000);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec < 10);
	return 0;
}

/* Whether check group `item` was named on the command line (e.g. "1 3"),
 * or no group was named: a test's checks can be run a few at a time. */
static __attribute__((unused)) int wanted(int argc, char **argv, int item)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (atoi(argv[i]) == item)
			return 1;
	return 0;
}

#endif
