/*
 * proc_gaps_test: smaller /proc behaviours, each checked against Linux.
 *  - /proc/sys/fs/nr_open (Linux's default 1048576; here any positive
 *    number): RLIMIT_NOFILE above it is EPERM for everyone, even with
 *    CAP_SYS_RESOURCE (do_prlimit checks it first); up to it works with
 *    CAP_SYS_RESOURCE; without it, raising the hard limit is EPERM.
 *  - /proc/sys/kernel/overflowuid and overflowgid (and the fs/ ones) read
 *    65534.
 *  - a time namespace (time_namespaces(7)) with boottime offset 100000 s
 *    shifts, for readers inside it, /proc/stat btime back by exactly the
 *    offset (the boot looks 100000 s earlier: Linux's
 *    timens_sub_boottime), /proc/uptime forward by it (the idle field not),
 *    and the starttime of /proc/PID/stat forward by 100000 * CLK_TCK --
 *    for any process it reads, as the reader's namespace decides; a
 *    monotonic offset changes none of them (root only).
 *  - the state of /proc/PID/stat and the State: line of /proc/PID/status:
 *    the reader itself is R (running); a child sleeping in nanosleep is S
 *    (sleeping), stopped by SIGSTOP T (stopped), exited but not reaped Z
 *    (zombie), spinning R (running) at least once in a second of looks.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nsutil.h"

#define CAP_SYS_RESOURCE 24

/* The number after "key " at the start of a line of /proc/stat; -1 when missing. */
static long long stat_value(const char *key)
{
	char pat[64];
	const char *text = read_file("/proc/stat");
	snprintf(pat, sizeof pat, "\n%s ", key);
	const char *p = strstr(text, pat);
	return p ? atoll(p + strlen(pat)) : -1;
}

/* The State: line of /proc/PID/status without the key (pid 0: self); "" when missing. */
static const char *status_state(pid_t pid)
{
	static char out[64];
	char path[64];
	if (pid)
		snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	else
		snprintf(path, sizeof path, "/proc/self/status");
	out[0] = 0;
	const char *p = strstr(read_file(path), "\nState:\t");
	if (p) {
		p += strlen("\nState:\t");
		size_t n = strcspn(p, "\n");
		if (n >= sizeof out)
			n = sizeof out - 1;
		memcpy(out, p, n);
		out[n] = 0;
	}
	return out;
}

static void test_nr_open(void)
{
	const char *s = read_file("/proc/sys/fs/nr_open");
	long long nr_open = atoll(s);
	size_t digits = strspn(s, "0123456789");
	CHECK("/proc/sys/fs/nr_open reads a number and a newline", digits > 0 && strcmp(s + digits, "\n") == 0);
	nst_report(nr_open >= 1024, "it is at least 1024 (Linux's default is 1048576)", __FILE__, __LINE__,
		   "it reads \"%s\"", s);
	struct rlimit old, r;
	getrlimit(RLIMIT_NOFILE, &old);
	CHECK("the hard RLIMIT_NOFILE is not above it", (long long)old.rlim_max <= nr_open);
	pid_t c = fork_child();
	if (c == 0) {
		r.rlim_cur = r.rlim_max = nr_open + 1;
		CHECK_ERR("setrlimit(RLIMIT_NOFILE) to nr_open + 1 is EPERM", setrlimit(RLIMIT_NOFILE, &r), EPERM);
		r.rlim_cur = r.rlim_max = RLIM_INFINITY;
		CHECK_ERR("to RLIM_INFINITY is EPERM", setrlimit(RLIMIT_NOFILE, &r), EPERM);
		r.rlim_cur = old.rlim_cur;
		r.rlim_max = nr_open + 1;
		CHECK_ERR("only the hard limit above nr_open: EPERM", setrlimit(RLIMIT_NOFILE, &r), EPERM);
		r.rlim_cur = 64;
		r.rlim_max = 32;
		CHECK_ERR("soft above hard is EINVAL", setrlimit(RLIMIT_NOFILE, &r), EINVAL);
		struct rlimit now;
		getrlimit(RLIMIT_NOFILE, &now);
		CHECK("the failed calls left the limit", now.rlim_cur == old.rlim_cur && now.rlim_max == old.rlim_max);
		if (has_cap(CAP_SYS_RESOURCE)) {
			r.rlim_cur = r.rlim_max = nr_open;
			CHECK_OK("with CAP_SYS_RESOURCE, exactly nr_open works", setrlimit(RLIMIT_NOFILE, &r));
			getrlimit(RLIMIT_NOFILE, &now);
			CHECK("and reads back", (long long)now.rlim_cur == nr_open && (long long)now.rlim_max == nr_open);
		} else if ((long long)old.rlim_max < nr_open) {
			printf("skip RLIMIT_NOFILE up to nr_open: needs CAP_SYS_RESOURCE\n");
			r.rlim_cur = old.rlim_cur;
			r.rlim_max = old.rlim_max + 1;
			CHECK_ERR("without CAP_SYS_RESOURCE, raising the hard limit by one is EPERM",
				  setrlimit(RLIMIT_NOFILE, &r), EPERM);
		}
		child_done();
	}
	CHECK_EQ("(the setrlimit checks ran in a child, which passed)", wait_code(c), 0);
}

static void test_overflow(void)
{
	CHECK_STR("/proc/sys/kernel/overflowuid reads 65534", read_file("/proc/sys/kernel/overflowuid"), "65534\n");
	CHECK_STR("/proc/sys/kernel/overflowgid reads 65534", read_file("/proc/sys/kernel/overflowgid"), "65534\n");
	CHECK_STR("/proc/sys/fs/overflowuid reads 65534", read_file("/proc/sys/fs/overflowuid"), "65534\n");
	CHECK_STR("/proc/sys/fs/overflowgid reads 65534", read_file("/proc/sys/fs/overflowgid"), "65534\n");
}

/* What a process in the time namespace read, sent to the parent. */
struct timens_view {
	long long btime, parent_start, self_start;
	double up, idle;
};

static void test_timens_proc(void)
{
	if (geteuid() != 0) {
		printf("skip /proc in a time namespace: unshare(CLONE_NEWTIME) needs root\n");
		return;
	}
	long hz = sysconf(_SC_CLK_TCK);
	pid_t me = getpid();
	int up[2];
	pipe(up);
	pid_t c = fork_child();
	if (c == 0) {
		/* The first child unshares, sets the offsets, and forks the reader. */
		alarm(20);
		close(up[0]);
		CHECK_OK("unshare(CLONE_NEWTIME)", unshare(CLONE_NEWTIME));
		int fd = open("/proc/self/timens_offsets", O_WRONLY);
		const char *o = "boottime 100000 0\nmonotonic 50000 0\n";
		CHECK_EQ("write boottime 100000 s, monotonic 50000 s to timens_offsets", write(fd, o, strlen(o)),
			 (long)strlen(o));
		close(fd);
		pid_t r = fork_child();
		if (r == 0) {
			struct timens_view v;
			v.btime = stat_value("btime");
			v.parent_start = proc_stat_field(me, 22);
			v.self_start = proc_stat_field(getpid(), 22);
			sscanf(read_file("/proc/uptime"), "%lf %lf", &v.up, &v.idle);
			write(up[1], &v, sizeof v);
			_exit(0);
		}
		CHECK_EQ("the reader in the namespace exits", wait_code(r), 0);
		child_done();
	}
	close(up[1]);
	struct timens_view in;
	memset(&in, 0, sizeof in);
	int got = read(up[0], &in, sizeof in) == sizeof in;
	close(up[0]);
	CHECK_EQ("the child that made the namespace passed", wait_code(c), 0);
	long long btime = stat_value("btime");
	long long start = proc_stat_field(me, 22);
	double u = 0, idle = 0;
	sscanf(read_file("/proc/uptime"), "%lf %lf", &u, &idle);
	CHECK("a process in the namespace read /proc", got);
	CHECK("/proc/stat has a btime line", btime > 0);
	nst_report(in.btime - (btime - 100000) >= -1 && in.btime - (btime - 100000) <= 1,
		   "inside, /proc/stat btime is 100000 s earlier (minus the boottime offset)", __FILE__, __LINE__,
		   "btime %lld inside, %lld outside", in.btime, btime);
	nst_report(in.up - u >= 99990 && in.up - u <= 100000.5, "inside, /proc/uptime is 100000 s more", __FILE__,
		   __LINE__, "%.2f inside, %.2f outside", in.up, u);
	nst_report(in.idle <= idle + 1 && idle - in.idle < 1000,
		   "but its idle time is not shifted", __FILE__, __LINE__, "%.2f inside, %.2f outside", in.idle, idle);
	nst_report(in.parent_start - start == 100000LL * hz,
		   "inside, our starttime in /proc/PID/stat is 100000 * CLK_TCK later", __FILE__, __LINE__,
		   "%lld inside, %lld outside", in.parent_start, start);
	nst_report(in.self_start >= in.parent_start && in.self_start - in.parent_start < 30 * hz,
		   "and its own starttime is shifted the same way", __FILE__, __LINE__,
		   "%lld for itself, %lld for us", in.self_start, in.parent_start);
}

static void test_states(void)
{
	int status;
	CHECK_EQ("the reader itself is R in /proc/self/stat", proc_state(0), 'R');
	CHECK_STR("and \"R (running)\" in /proc/self/status", status_state(0), "R (running)");

	pid_t c = fork_child();
	if (c == 0) {
		struct timespec ts = { 20, 0 };
		nanosleep(&ts, NULL);
		_exit(0);
	}
	CHECK("a child in nanosleep is S", wait_state(c, 'S'));
	CHECK_STR("its State: is \"S (sleeping)\"", status_state(c), "S (sleeping)");
	kill(c, SIGSTOP);
	CHECK("SIGSTOP stops it (waitpid WUNTRACED)", wait_for(c, &status, WUNTRACED) == c && WIFSTOPPED(status));
	CHECK_EQ("then it is T", proc_state(c), 'T');
	CHECK_STR("its State: is \"T (stopped)\"", status_state(c), "T (stopped)");
	kill(c, SIGCONT);
	wait_for(c, &status, WCONTINUED);
	CHECK("after SIGCONT it sleeps again: S", wait_state(c, 'S'));
	kill(c, SIGKILL);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	CHECK_OK("once killed, waitid(WEXITED|WNOWAIT) sees it exit", waitid(P_PID, c, &si, WEXITED | WNOWAIT));
	CHECK_EQ("the unreaped child is Z", proc_state(c), 'Z');
	CHECK_STR("its State: is \"Z (zombie)\"", status_state(c), "Z (zombie)");
	CHECK_EQ("then we reap it", wait_code(c), 128 + SIGKILL);

	c = fork_child();
	if (c == 0) {
		alarm(20);
		for (volatile unsigned long i = 0;; i++)
			;
	}
	int r = 0, rs = 0;
	for (int i = 0; i < 100 && !(r && rs); i++) {
		if (proc_state(c) == 'R')
			r = 1;
		if (strcmp(status_state(c), "R (running)") == 0)
			rs = 1;
		usleep(10000);
	}
	CHECK("a spinning child is R (at least once in a second of looks)", r);
	CHECK("and its State: \"R (running)\"", rs);
	kill(c, SIGKILL);
	CHECK_EQ("(it is killed)", wait_code(c), 128 + SIGKILL);
}

int main(void)
{
	alarm(25);
	signal(SIGPIPE, SIG_IGN);
	test_nr_open();
	test_overflow();
	test_timens_proc();
	test_states();
	NST_DONE();
}
