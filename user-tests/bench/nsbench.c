/*
 * nsbench: microbenchmarks of the basic kernel paths, run the same way on
 * nsCore and on the reference Linux by `make bench`. Prints one line per
 * benchmark: "bench NAME ITERATIONS NS_PER_OP" (the scale-*-kib-* lines give
 * KiB instead). Figures, not tests.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "meminfo.h"

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void report(const char *name, long iterations, long long start)
{
	long long elapsed = now_ns() - start;
	printf("bench %s %ld %lld\n", name, iterations, elapsed / iterations);
	fflush(stdout);
}

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x80
#endif

/* clone3(CLONE_NEWTIME | extra): the only way to create a time namespace
 * with its first process in one call. */
static pid_t clone3_flags(uint64_t flags)
{
	uint64_t args[11] = { 0 };
	args[0] = flags;
	args[4] = SIGCHLD;
	return syscall(435, args, sizeof args);
}

/* Namespace costs (issue: the namespace framework). Each iteration runs in
 * a fresh child so the caller's namespaces stay the initial ones. */
static void namespace_benchmarks(long scale)
{
	long n = 200 * scale;
	long long t;

	/* unshare(CLONE_NEWUTS) in a child, repeatedly: copy-on-change of the
	 * NsProxy and a new UTS namespace each time. */
	pid_t child = fork();
	if (child == 0) {
		t = now_ns();
		for (long i = 0; i < n; i++)
			unshare(CLONE_NEWUTS);
		report("unshare-newuts", n, t);
		_exit(0);
	}
	waitpid(child, NULL, 0);

	n = 100 * scale;
	t = now_ns();
	for (long i = 0; i < n; i++) {
		pid_t pid = syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0);
		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
	}
	report("clone-newpid+wait", n, t);

	/* setns round trip: into a child's UTS namespace and back. */
	int back = open("/proc/self/ns/uts", O_RDONLY);
	int ready[2];
	pipe(ready);
	child = fork();
	if (child == 0) {
		char c = 'r';
		unshare(CLONE_NEWUTS);
		write(ready[1], &c, 1);
		pause();
		_exit(0);
	}
	char c;
	read(ready[0], &c, 1);
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/uts", (int)child);
	int there = open(path, O_RDONLY);
	n = 1000 * scale;
	t = now_ns();
	for (long i = 0; i < n; i++) {
		setns(there, CLONE_NEWUTS);
		setns(back, CLONE_NEWUTS);
	}
	report("setns-roundtrip", n, t);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	close(there);
	close(back);
	close(ready[0]);
	close(ready[1]);

	n = 100 * scale;
	t = now_ns();
	for (long i = 0; i < n; i++) {
		pid_t pid = clone3_flags(CLONE_NEWTIME);
		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
	}
	report("clone3-newtime+wait", n, t);
}

/* One opendir+readdir pass over /proc; returns the entries seen. */
static int scan_proc(void)
{
	int fd = open("/proc", O_RDONLY | O_DIRECTORY);
	char buf[4096];
	int entries = 0;
	long n;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0)
		for (long off = 0; off < n; off += *(unsigned short *)(buf + off + 16))
			entries++;
	close(fd);
	return entries;
}

/* Scale (issue 8, item 14): N sleeping processes, each the init of its
 * own UTS+PID namespace. Reports the creation cost per process, one /proc
 * scan, the MemAvailable each process costs, and what is still missing
 * once all are killed and reaped (KiB; 0 means everything came back). */
static void scale_benchmarks(void)
{
	static const int sizes[] = { 10, 100, 1000 };
	for (unsigned s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		int n = sizes[s];
		pid_t *pids = calloc(n, sizeof *pids);
		char name[64];
		long before = mem_available_kib();
		long long t = now_ns();
		int made = 0;
		for (; made < n; made++) {
			pid_t pid = syscall(SYS_clone, CLONE_NEWUTS | CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, NULL);
			if (pid == 0) {
				for (;;)
					pause();
			}
			if (pid < 0)
				break;
			pids[made] = pid;
		}
		if (made == 0) {
			free(pids);
			continue;
		}
		snprintf(name, sizeof name, "scale-%d-create", n);
		report(name, made, t);
		usleep(200000);
		long during = mem_available_kib();
		t = now_ns();
		scan_proc();
		snprintf(name, sizeof name, "scale-%d-proc-scan", n);
		report(name, 1, t);
		for (int i = 0; i < made; i++)
			kill(pids[i], SIGKILL);
		for (int i = 0; i < made; i++)
			waitpid(pids[i], NULL, 0);
		sleep(1);
		long after = mem_available_kib();
		printf("bench scale-%d-kib-per-process 1 %ld\n", n, (before - during) / made);
		printf("bench scale-%d-kib-kept 1 %ld\n", n, before - after > 0 ? before - after : 0);
		fflush(stdout);
		free(pids);
	}
}

/* A 1 MiB file in /tmp: read(2) of all of it while it is cached, and a
 * MAP_SHARED mapping of it with every page stored to, then unmapped. */
static void file_benchmarks(long scale)
{
	enum { SIZE = 1 << 20 };
	static char data[SIZE];
	char path[] = "/tmp/nsbench-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return;
	unlink(path);
	memset(data, 'c', SIZE);
	if (write(fd, data, SIZE) != SIZE) {
		close(fd);
		return;
	}
	long n = 50 * scale;
	long long t = now_ns();
	for (long i = 0; i < n; i++)
		pread(fd, data, SIZE, 0);
	report("read-1mib-cached", n, t);

	n = 50 * scale;
	t = now_ns();
	for (long i = 0; i < n; i++) {
		char *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			break;
		for (long off = 0; off < SIZE; off += 4096)
			p[off] = (char)i;
		munmap(p, SIZE);
	}
	report("shared-map-touch-1mib", n, t);
	close(fd);
}

int main(int argc, char **argv)
{
	long scale = argc > 1 ? atol(argv[1]) : 1;
	long long t;
	long n;

	n = 20000 * scale;
	t = now_ns();
	for (long i = 0; i < n; i++)
		syscall(SYS_getpid);
	report("getpid", n, t);

	n = 100 * scale;
	t = now_ns();
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
	}
	report("fork+wait", n, t);

	n = 50 * scale;
	t = now_ns();
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			char *args[] = { "true", NULL };
			execv("/bin/true", args);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
	}
	report("fork+exec+wait", n, t);

	static const char *programs[][2] = { { "exec-100k", "/usr/bin/exec100k" }, { "exec-2m", "/usr/bin/exec2m" } };
	for (int k = 0; k < 2; k++) {
		n = 50 * scale;
		t = now_ns();
		for (long i = 0; i < n; i++) {
			pid_t pid = fork();
			if (pid == 0) {
				char *args[] = { (char *)programs[k][1], NULL };
				execv(programs[k][1], args);
				_exit(127);
			}
			waitpid(pid, NULL, 0);
		}
		report(programs[k][0], n, t);
	}

	int ping[2], pong[2];
	pipe(ping);
	pipe(pong);
	n = 2000 * scale;
	pid_t echo = fork();
	if (echo == 0) {
		char c;
		close(ping[1]);
		close(pong[0]);
		while (read(ping[0], &c, 1) == 1)
			write(pong[1], &c, 1);
		_exit(0);
	}
	t = now_ns();
	for (long i = 0; i < n; i++) {
		char c = 'x';
		write(ping[1], &c, 1);
		read(pong[0], &c, 1);
	}
	report("pipe-roundtrip", n, t);
	close(ping[1]);
	waitpid(echo, NULL, 0);
	close(ping[0]);
	close(pong[0]);
	close(pong[1]);

	n = 500 * scale;
	t = now_ns();
	for (long i = 0; i < n; i++) {
		char *p = mmap(NULL, 16 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		for (int j = 0; j < 16; j++)
			p[j * 4096] = 1;
		munmap(p, 16 * 4096);
	}
	report("mmap+touch16+munmap", n, t);

	n = 5000 * scale;
	t = now_ns();
	for (long i = 0; i < n; i++)
		close(open("/etc/passwd", O_RDONLY));
	report("open+close", n, t);

	file_benchmarks(scale);

	namespace_benchmarks(scale);
	scale_benchmarks();
	return 0;
}
