/*
 * time_ns_test: time namespaces (time_namespaces(7), unshare(2), clone3(2),
 * setns(2)): unshare(CLONE_NEWTIME) changes only time_for_children; the
 * offsets written to /proc/PID/timens_offsets before the first process
 * enters shift CLOCK_MONOTONIC and CLOCK_BOOTTIME (not CLOCK_REALTIME) of
 * the processes inside, /proc/uptime and absolute clock_nanosleep(2);
 * the file's format and errors (EACCES once the namespace is in use,
 * EINVAL, ERANGE); offsets are inherited by a nested namespace; setns(2)
 * into a time namespace; clone3(2) with CLONE_NEWTIME.
 *
 * The old clone(2) cannot ask for a new time namespace: CLONE_NEWTIME is
 * 0x80, inside the CSIGNAL byte, so Linux reads it as part of the exit
 * signal. Only unshare(2) and clone3(2) are tested for that reason.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nsutil.h"

#define SEC 1000000000LL

static long long now(clockid_t clk)
{
	struct timespec t;
	clock_gettime(clk, &t);
	return t.tv_sec * SEC + t.tv_nsec;
}

/* One write(2) of s to /proc/self/timens_offsets: its result, errno kept. */
static long write_offsets(const char *s)
{
	int fd = open("/proc/self/timens_offsets", O_WRONLY);
	if (fd < 0)
		return -2;
	long r = write(fd, s, strlen(s));
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

#define ZERO_OFFSETS "monotonic           0         0\nboottime            0         0\n"
#define OUR_OFFSETS "monotonic        1000         0\nboottime         2000         0\n"

/* Runs in the first process of the namespace with offsets 1000 s / 2000 s. */
static void inside(long long m0, long long b0, long long r0, const char *ns)
{
	long long m = now(CLOCK_MONOTONIC), b = now(CLOCK_BOOTTIME), r = now(CLOCK_REALTIME);
	CHECK_STR("the child is in the new time namespace", link_of("/proc/self/ns/time"), ns);
	CHECK_STR("and its children would be too", link_of("/proc/self/ns/time_for_children"), ns);
	CHECK("its CLOCK_MONOTONIC is 1000 s ahead of the parent's", m - m0 >= 1000 * SEC && m - m0 < 1005 * SEC);
	CHECK("its CLOCK_BOOTTIME is 2000 s ahead", b - b0 >= 2000 * SEC && b - b0 < 2005 * SEC);
	CHECK("its CLOCK_REALTIME is not shifted", r - r0 > -SEC && r - r0 < SEC);
	CHECK("CLOCK_MONOTONIC_COARSE is shifted too",
	      now(CLOCK_MONOTONIC_COARSE) - m0 >= 999 * SEC && now(CLOCK_MONOTONIC_COARSE) - m0 < 1005 * SEC);
	long long raw = now(CLOCK_MONOTONIC_RAW) - now(CLOCK_MONOTONIC);
	CHECK("CLOCK_MONOTONIC_RAW is shifted too (stays near CLOCK_MONOTONIC)", raw > -5 * SEC && raw < 5 * SEC);
	struct timespec t;
	CHECK_OK("clock_gettime via the system call path works", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t));
	CHECK("and is shifted the same", t.tv_sec * SEC + t.tv_nsec - m0 >= 1000 * SEC);

	double up = atof(read_file("/proc/uptime"));
	CHECK("/proc/uptime is at least 2000 s", up >= 2000.0 && up < b / 1e9 + 5);
	CHECK_STR("/proc/self/timens_offsets shows the offsets", read_file("/proc/self/timens_offsets"), OUR_OFFSETS);
	CHECK_ERR("writing offsets once the namespace has a process is EACCES",
		  write_offsets("monotonic 5 0\n"), EACCES);

	/* Absolute sleeps are in namespace time. */
	struct timespec target;
	clock_gettime(CLOCK_MONOTONIC, &target);
	target.tv_nsec += 50000000;
	if (target.tv_nsec >= SEC) {
		target.tv_nsec -= SEC;
		target.tv_sec++;
	}
	long long start = now(CLOCK_REALTIME);
	CHECK_EQ("clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, now + 50 ms)",
		 clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, NULL), 0);
	long long slept = now(CLOCK_REALTIME) - start;
	CHECK("sleeps about 50 ms (at least 40 ms, less than 2 s)", slept >= 40000000 && slept < 2 * SEC);
	clock_gettime(CLOCK_BOOTTIME, &target);
	target.tv_nsec += 50000000;
	if (target.tv_nsec >= SEC) {
		target.tv_nsec -= SEC;
		target.tv_sec++;
	}
	start = now(CLOCK_REALTIME);
	CHECK_EQ("clock_nanosleep(CLOCK_BOOTTIME, TIMER_ABSTIME, now + 50 ms)",
		 clock_nanosleep(CLOCK_BOOTTIME, TIMER_ABSTIME, &target, NULL), 0);
	slept = now(CLOCK_REALTIME) - start;
	CHECK("sleeps about 50 ms too", slept >= 40000000 && slept < 2 * SEC);
	target.tv_sec = m0 / SEC;
	target.tv_nsec = 0;
	start = now(CLOCK_REALTIME);
	CHECK_EQ("an absolute sleep until the parent's (earlier) now returns at once",
		 clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, NULL), 0);
	CHECK("without sleeping", now(CLOCK_REALTIME) - start < SEC);

	/* A nested namespace starts with its parent's offsets. */
	CHECK_OK("unshare(CLONE_NEWTIME) inside the namespace", unshare(CLONE_NEWTIME));
	CHECK("time_for_children is yet another namespace",
	      strcmp(link_of("/proc/self/ns/time_for_children"), ns) != 0);
	CHECK_STR("whose offsets are copied from the current one", read_file("/proc/self/timens_offsets"), OUR_OFFSETS);
	CHECK("our own clock is unchanged by that unshare", now(CLOCK_MONOTONIC) - m0 >= 1000 * SEC);
	child_done();
}

int main(void)
{
	alarm(20);
	signal(SIGPIPE, SIG_IGN);
	CHECK_STR("we start in the initial time namespace", link_of("/proc/self/ns/time"), INIT_TIME_NS);
	CHECK_STR("time_for_children is the initial one too", link_of("/proc/self/ns/time_for_children"), INIT_TIME_NS);
	CHECK_STR("/proc/self/timens_offsets shows zero offsets", read_file("/proc/self/timens_offsets"), ZERO_OFFSETS);
	CHECK_ERR("the initial namespace's offsets cannot be written: EACCES", write_offsets("monotonic 5 0\n"), EACCES);

	pid_t p = fork_child();
	if (p == 0) {
		alarm(20);
		CHECK_OK("unshare(CLONE_NEWTIME)", unshare(CLONE_NEWTIME));
		CHECK_STR("/proc/self/ns/time is unchanged", link_of("/proc/self/ns/time"), INIT_TIME_NS);
		char ns[128];
		snprintf(ns, sizeof ns, "%s", link_of("/proc/self/ns/time_for_children"));
		CHECK("time_for_children names a new time namespace",
		      strncmp(ns, "time:[", 6) == 0 && strcmp(ns, INIT_TIME_NS) != 0);
		CHECK_STR("its offsets start at zero", read_file("/proc/self/timens_offsets"), ZERO_OFFSETS);

		CHECK_ERR("an offset for CLOCK_REALTIME is EINVAL", write_offsets("realtime 5 0\n"), EINVAL);
		CHECK_ERR("nanoseconds of 1e9 are EINVAL", write_offsets("monotonic 1 1000000000\n"), EINVAL);
		CHECK_ERR("negative nanoseconds are EINVAL", write_offsets("monotonic 1 -1\n"), EINVAL);
		CHECK_ERR("a missing field is EINVAL", write_offsets("monotonic 5\n"), EINVAL);
		CHECK_ERR("an unknown clock name is EINVAL", write_offsets("sometime 5 0\n"), EINVAL);
		CHECK_ERR("a clock that would go below zero is ERANGE", write_offsets("monotonic -1000000000 0\n"), ERANGE);
		CHECK_STR("failed writes leave the offsets at zero", read_file("/proc/self/timens_offsets"), ZERO_OFFSETS);
		CHECK_EQ("clock numbers work too (1 = monotonic, 7 = boottime)", write_offsets("1 3 0\n7 4 500\n"), 14);
		CHECK_STR("and set the offsets", read_file("/proc/self/timens_offsets"),
			  "monotonic           3         0\nboottime            4       500\n");
		const char *offs = "monotonic 1000 0\nboottime 2000 0\n";
		CHECK_EQ("write \"monotonic 1000 0\\nboottime 2000 0\\n\" before any process entered",
			 write_offsets(offs), (long)strlen(offs));
		CHECK_STR("the offsets read back", read_file("/proc/self/timens_offsets"), OUR_OFFSETS);
		long long m0 = now(CLOCK_MONOTONIC), b0 = now(CLOCK_BOOTTIME), r0 = now(CLOCK_REALTIME);
		long long m_before = m0;

		pid_t c = fork_child();
		if (c == 0) {
			alarm(20);
			inside(m0, b0, r0, ns);
		}
		CHECK_EQ("the child in the time namespace passed its checks", wait_code(c), 0);
		CHECK_ERR("after a process entered, writing the offsets is EACCES",
			  write_offsets("monotonic 1000 0\n"), EACCES);
		CHECK("the unsharing process's own clock is not shifted", now(CLOCK_MONOTONIC) - m_before < 5 * SEC);
		CHECK_STR("and it is still in the initial time namespace", link_of("/proc/self/ns/time"), INIT_TIME_NS);

		/* setns(2) into the namespace and back. */
		int home = open("/proc/self/ns/time", O_RDONLY);
		int fd = open("/proc/self/ns/time_for_children", O_RDONLY);
		CHECK_OK("open time_for_children", fd);
		CHECK_ERR("setns(time fd, CLONE_NEWUTS) is EINVAL", setns(fd, CLONE_NEWUTS), EINVAL);
		m0 = now(CLOCK_MONOTONIC);
		CHECK_OK("setns(fd, CLONE_NEWTIME) joins it", setns(fd, CLONE_NEWTIME));
		CHECK_STR("then /proc/self/ns/time is that namespace", link_of("/proc/self/ns/time"), ns);
		CHECK_STR("and so is time_for_children", link_of("/proc/self/ns/time_for_children"), ns);
		long long d = now(CLOCK_MONOTONIC) - m0;
		CHECK("our own CLOCK_MONOTONIC jumped 1000 s ahead", d >= 1000 * SEC && d < 1005 * SEC);
		CHECK_OK("setns back to the initial time namespace", setns(home, CLONE_NEWTIME));
		d = now(CLOCK_MONOTONIC) - m0;
		CHECK("and the clock is back", d >= 0 && d < 5 * SEC);
		CHECK_STR("/proc/self/ns/time is initial again", link_of("/proc/self/ns/time"), INIT_TIME_NS);
		close(fd);
		close(home);
		child_done();
	}
	CHECK_EQ("the unsharing process passed its checks", wait_code(p), 0);

	/* clone3(CLONE_NEWTIME): a child directly in a new namespace, zero offsets. */
	struct nst_clone_args args;
	memset(&args, 0, sizeof args);
	args.flags = CLONE_NEWTIME;
	args.exit_signal = SIGCHLD;
	long long m0 = now(CLOCK_MONOTONIC);
	p = clone3_fork(&args, sizeof args);
	if (p == 0) {
		const char *l = link_of("/proc/self/ns/time");
		CHECK("the clone3(CLONE_NEWTIME) child is in a new time namespace",
		      strncmp(l, "time:[", 6) == 0 && strcmp(l, INIT_TIME_NS) != 0);
		CHECK_STR("time_for_children is that one", link_of("/proc/self/ns/time_for_children"), l);
		CHECK_STR("its offsets are zero", read_file("/proc/self/timens_offsets"), ZERO_OFFSETS);
		CHECK("so its clock is not shifted", now(CLOCK_MONOTONIC) - m0 < 5 * SEC);
		CHECK_ERR("its offsets can no longer be written: EACCES", write_offsets("monotonic 5 0\n"), EACCES);
		child_done();
	}
	CHECK("clone3(CLONE_NEWTIME) creates a child", p > 0);
	if (p > 0)
		CHECK_EQ("whose checks passed", wait_code(p), 0);
	CHECK_STR("we are still in the initial time namespace", link_of("/proc/self/ns/time"), INIT_TIME_NS);
	NST_DONE();
}
