/*
 * priority_test: nice values (getpriority(2), setpriority(2)): set and
 * read back, clamped to 19, inherited by children, shown in /proc/PID/stat;
 * without privilege a process may raise but not lower its nice value
 * (EACCES) and may not touch other users' processes (EPERM); bad `which`
 * is EINVAL, no such process ESRCH. And nice matters: of two busy
 * processes sharing one CPU, the one at nice 0 gets several times the CPU
 * time of the one at nice 10 (Linux's weights give about 9x).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nstest.h"

/* Field 19 (nice) of /proc/self/stat. */
static int stat_nice(void)
{
	FILE *f = fopen("/proc/self/stat", "r");
	char buf[512] = { 0 };
	if (!f)
		return -100;
	fgets(buf, sizeof buf, f);
	fclose(f);
	char *p = strrchr(buf, ')');
	int field = 2, nice = -100;
	for (; p && *p; p++) {
		if (*p == ' ' && ++field == 19) {
			nice = atoi(p + 1);
			break;
		}
	}
	return nice;
}

int main(void)
{
	alarm(20);
	errno = 0;
	int base = getpriority(PRIO_PROCESS, 0);
	CHECK("getpriority of ourselves works", errno == 0 && base >= -20 && base <= 19);
	CHECK_OK("setpriority to 5", setpriority(PRIO_PROCESS, 0, 5));
	CHECK_EQ("reads back 5", getpriority(PRIO_PROCESS, 0), 5);
	CHECK_EQ("/proc/self/stat shows nice 5", stat_nice(), 5);
	CHECK_OK("setpriority past the range", setpriority(PRIO_PROCESS, getpid(), 100));
	CHECK_EQ("is clamped to 19", getpriority(PRIO_PROCESS, 0), 19);
	CHECK_OK("back to 3", setpriority(PRIO_PROCESS, 0, 3));
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(getpriority(PRIO_PROCESS, 0) == 3 ? 0 : 1);
	int status;
	waitpid(pid, &status, 0);
	CHECK("a child inherits the nice value", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK("PRIO_PGRP reports the best (lowest) nice of our group", getpriority(PRIO_PGRP, 0) <= 3);
	CHECK_ERR("an unknown `which` is EINVAL", setpriority(7, 0, 0), EINVAL);
	CHECK_ERR("no such process is ESRCH", getpriority(PRIO_PROCESS, 999999), ESRCH);

	pid_t parent = getpid();
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (setresuid(1000, 1000, 1000) != 0)
			_exit(2);
		if (setpriority(PRIO_PROCESS, 0, 10) != 0)
			_exit(3); /* raising is always allowed */
		if (!(setpriority(PRIO_PROCESS, 0, 4) == -1 && errno == EACCES))
			_exit(4); /* lowering needs CAP_SYS_NICE */
		if (!(setpriority(PRIO_PROCESS, parent, 10) == -1 && errno == EPERM))
			_exit(5); /* another user's process */
		_exit(0);
	}
	waitpid(pid, &status, 0);
	CHECK_EQ("an unprivileged process may raise, not lower, and not touch root's", WEXITSTATUS(status), 0);
	setpriority(PRIO_PROCESS, 0, base);

	/* Two spinners on CPU 0, nice 0 and nice 10, started together by one
	 * "go" and stopped together: the nice-0 one stops both (a flag in
	 * shared memory) once it has had 300 ms of CPU. Only the time both
	 * compete counts, so a slow or busy host changes nothing but the
	 * duration; each spinner also gives up after 30 s of wall time. Each
	 * reports its CPU time in ms through a pipe. */
	volatile int *stop = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int report[2], go[2];
	pipe(report);
	pipe(go);
	pid_t spinners[2];
	for (int i = 0; i < 2; i++) {
		fflush(stdout);
		spinners[i] = fork();
		if (spinners[i] == 0) {
			cpu_set_t one;
			CPU_ZERO(&one);
			CPU_SET(0, &one);
			sched_setaffinity(0, sizeof one, &one);
			setpriority(PRIO_PROCESS, 0, i == 0 ? 0 : 10);
			char c;
			read(go[0], &c, 1);
			struct timespec start, now, cpu;
			clock_gettime(CLOCK_MONOTONIC, &start);
			long cpu_ms = 0;
			do {
				clock_gettime(CLOCK_MONOTONIC, &now);
				clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
				cpu_ms = cpu.tv_sec * 1000 + cpu.tv_nsec / 1000000;
				if (i == 0 && cpu_ms >= 300)
					*stop = 1;
			} while (!*stop && now.tv_sec - start.tv_sec < 30);
			int msg[2] = { i, (int)cpu_ms };
			write(report[1], msg, sizeof msg);
			_exit(0);
		}
	}
	write(go[1], "gg", 2);
	int cpu_ms[2] = { 0, 0 };
	for (int i = 0; i < 2; i++) {
		int msg[2];
		if (read(report[0], msg, sizeof msg) == sizeof msg && msg[0] >= 0 && msg[0] < 2)
			cpu_ms[msg[0]] = msg[1];
	}
	for (int i = 0; i < 2; i++)
		waitpid(spinners[i], &status, 0);
	printf("     (nice 0 got %d ms of CPU, nice 10 got %d ms)\n", cpu_ms[0], cpu_ms[1]);
	CHECK("the nice-0 spinner gets over three times the CPU of the nice-10 one", cpu_ms[0] > 3 * cpu_ms[1]);
	NST_DONE();
}
