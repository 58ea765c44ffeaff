/*
 * misc_test: clocks (clock_gettime(2), clock_getres(2), nanosleep(2),
 * gettimeofday(2)), getrandom(2), credentials (getuid(2), setresuid(2),
 * getgroups(2)), umask(2), resource limits (getrlimit(2), prlimit(2)),
 * sysinfo(2), sched_getaffinity(2), getrusage(2), times(2).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nstest.h"

static long long ns(struct timespec t)
{
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(void)
{
	struct timespec a, b, res;
	int status;

	CHECK_OK("CLOCK_MONOTONIC", clock_gettime(CLOCK_MONOTONIC, &a));
	CHECK_OK("CLOCK_REALTIME", clock_gettime(CLOCK_REALTIME, &b));
	CHECK_OK("CLOCK_BOOTTIME", clock_gettime(CLOCK_BOOTTIME, &b));
	CHECK_OK("CLOCK_PROCESS_CPUTIME_ID", clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b));
	CHECK_ERR("an unknown clock is EINVAL", clock_gettime(123, &b), EINVAL);
	CHECK_OK("clock_getres", clock_getres(CLOCK_MONOTONIC, &res));
	CHECK("resolution is positive and at most 10 ms", ns(res) > 0 && ns(res) <= 10000000);
	struct timespec nap = { 0, 20000000 };
	CHECK_OK("nanosleep 20 ms", nanosleep(&nap, NULL));
	clock_gettime(CLOCK_MONOTONIC, &b);
	CHECK("monotonic time moved at least 20 ms", ns(b) - ns(a) >= 20000000);
	struct timespec bad = { 0, 1000000000 };
	CHECK_ERR("nanosleep with tv_nsec = 1e9 is EINVAL", nanosleep(&bad, NULL), EINVAL);
	struct timeval tv;
	CHECK_OK("gettimeofday", gettimeofday(&tv, NULL));
	CHECK("usec in range", tv.tv_usec >= 0 && tv.tv_usec < 1000000);

	unsigned char r1[32] = { 0 }, r2[32] = { 0 };
	CHECK_EQ("getrandom fills the buffer", getrandom(r1, sizeof r1, 0), 32);
	getrandom(r2, sizeof r2, 0);
	CHECK("two draws differ", memcmp(r1, r2, sizeof r1) != 0);
	CHECK_ERR("getrandom with bad flags is EINVAL", getrandom(r1, 8, 0x100), EINVAL);

	CHECK_EQ("root's uid", getuid(), 0);
	CHECK_EQ("root's euid", geteuid(), 0);
	uid_t ru, eu, su;
	CHECK_OK("getresuid", getresuid(&ru, &eu, &su));
	CHECK("all zero", ru == 0 && eu == 0 && su == 0);
	CHECK("getgroups with size 0 counts", getgroups(0, NULL) >= 0);
	pid_t pid = fork();
	if (pid == 0) {
		if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
			_exit(1);
		if (getuid() != 1000 || geteuid() != 1000)
			_exit(2);
		if (setuid(0) == 0 || errno != EPERM)
			_exit(3);
		struct rlimit rl;
		getrlimit(RLIMIT_NOFILE, &rl);
		rl.rlim_max += 1;
		if (setrlimit(RLIMIT_NOFILE, &rl) == 0 || errno != EPERM)
			_exit(4);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	CHECK_EQ("dropping root is one-way and raising limits needs privilege", WEXITSTATUS(status), 0);

	mode_t old = umask(077);
	CHECK_EQ("umask returns the old mask", umask(077), 077);
	char path[] = "/tmp/nst-umask-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	unlink(path);
	fd = open(path, O_CREAT | O_WRONLY, 0666);
	struct stat st;
	fstat(fd, &st);
	CHECK_EQ("umask applies to new files", st.st_mode & 0777, 0600);
	close(fd);
	unlink(path);
	umask(old);

	struct rlimit rl = { 8, 8 };
	struct rlimit saved;
	getrlimit(RLIMIT_NOFILE, &saved);
	pid = fork();
	if (pid == 0) {
		if (setrlimit(RLIMIT_NOFILE, &rl))
			_exit(1);
		int last = -1;
		for (int i = 0; i < 16; i++) {
			int f = open("/dev/null", O_RDONLY);
			if (f < 0) {
				_exit(errno == EMFILE && last == 7 ? 0 : 2);
			}
			last = f;
		}
		_exit(3);
	}
	waitpid(pid, &status, 0);
	CHECK_EQ("RLIMIT_NOFILE bounds descriptors (EMFILE)", WEXITSTATUS(status), 0);
	struct rlimit got;
	CHECK_OK("prlimit reads our own limit", prlimit(0, RLIMIT_NOFILE, NULL, &got));
	CHECK("prlimit agrees with getrlimit", got.rlim_cur == saved.rlim_cur);
	struct rlimit inverted = { 10, 5 };
	CHECK_ERR("cur above max is EINVAL", setrlimit(RLIMIT_NOFILE, &inverted), EINVAL);
	CHECK_ERR("an unknown resource is EINVAL", getrlimit(99, &got), EINVAL);

	struct sysinfo si;
	CHECK_OK("sysinfo", sysinfo(&si));
	CHECK("totalram is positive", si.totalram > 0);
	CHECK("at least one process", si.procs >= 1);
	/* Sleeping is not CPU time. */
	fflush(stdout);
	pid_t sleeper = fork();
	if (sleeper == 0) {
		struct timespec nap = { 0, 300000000 };
		nanosleep(&nap, NULL);
		_exit(0);
	}
	struct rusage slept;
	memset(&slept, 0, sizeof slept);
	wait4(sleeper, &status, 0, &slept);
	CHECK("a child that slept 300 ms used well under 100 ms of CPU",
	      slept.ru_utime.tv_sec + slept.ru_stime.tv_sec == 0 && slept.ru_utime.tv_usec + slept.ru_stime.tv_usec < 100000);
	FILE *la = fopen("/proc/loadavg", "r");
	float l1 = -1, l5 = -1, l15 = -1;
	int running = 0, total = 0, last = 0;
	int fields = la ? fscanf(la, "%f %f %f %d/%d %d", &l1, &l5, &l15, &running, &total, &last) : 0;
	if (la)
		fclose(la);
	CHECK_EQ("/proc/loadavg has three averages, runnable/total and the last PID", fields, 6);
	CHECK("the averages are not negative and the reader is runnable", l1 >= 0 && l5 >= 0 && l15 >= 0 && running >= 1);
	cpu_set_t cpus;
	CHECK_OK("sched_getaffinity", sched_getaffinity(0, sizeof cpus, &cpus));
	CHECK("at least one CPU", CPU_COUNT(&cpus) >= 1);
	CHECK_OK("sched_yield", sched_yield());
	struct rusage ru_self;
	CHECK_OK("getrusage RUSAGE_SELF", getrusage(RUSAGE_SELF, &ru_self));
	CHECK_OK("getrusage RUSAGE_CHILDREN", getrusage(RUSAGE_CHILDREN, &ru_self));
	CHECK_ERR("getrusage with a bad who is EINVAL", getrusage(99, &ru_self), EINVAL);

	/* wait4's rusage carries the child's CPU time (here >= 50 ms spent
	 * spinning); waitid's raw fifth argument too. */
	for (int via_waitid = 0; via_waitid < 2; via_waitid++) {
		fflush(stdout);
		pid_t spinner = fork();
		if (spinner == 0) {
			struct timespec cpu;
			do
				clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
			while (cpu.tv_sec == 0 && cpu.tv_nsec < 50000000);
			_exit(0);
		}
		struct rusage ru;
		memset(&ru, 0, sizeof ru);
		if (via_waitid) {
			siginfo_t si;
			syscall(SYS_waitid, P_PID, spinner, &si, WEXITED, &ru);
		} else {
			wait4(spinner, &status, 0, &ru);
		}
		long long cpu_us = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000LL + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
		CHECK(via_waitid ? "waitid's rusage has the child's CPU time" : "wait4's rusage has the child's CPU time",
		      cpu_us >= 40000);
	}
	struct tms t;
	CHECK("times returns a tick count", times(&t) != (clock_t)-1);
	NST_DONE();
}
