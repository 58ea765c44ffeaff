/*
 * oom_test: /proc/PID/oom_score_adj and /proc/PID/oom_score (proc(5)).
 * oom_score_adj reads "0\n" (the test assumes it was started with the
 * default), takes a number from -1000 to 1000 (surrounding white space
 * allowed; out of range or not a number is EINVAL), is inherited by fork,
 * and raises oom_score (a number, "%lu\n", from 0 to 2000). Lowering it
 * below oom_score_adj_min -- 0 unless a process with CAP_SYS_RESOURCE
 * set it -- needs CAP_SYS_RESOURCE (EACCES otherwise), so a process
 * without it may raise the value and lower it back, but not below 0. With
 * CAP_SYS_RESOURCE: writing -500 also sets the minimum to -500, which a
 * process that then gives up root may go down to but not below; and
 * oom_score of a process at -1000 is 0.
 * Every write happens in a child, so the test itself keeps its value.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nsutil.h"

#define CAP_SYS_RESOURCE 24

/* One write(2) of s to /proc/self/oom_score_adj: its result, errno kept. */
static long set_adj(const char *s)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY);
	if (fd < 0)
		return -2;
	long r = write(fd, s, strlen(s));
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

/* oom_score as a number; -1 unless the file is digits and a newline. */
static long oom_score(const char *path)
{
	const char *s = read_file(path);
	size_t n = strspn(s, "0123456789");
	if (n == 0 || strcmp(s + n, "\n") != 0)
		return -1;
	return atol(s);
}

/* fork_child, with a 20 s alarm in the child so a hang ends the test. */
static pid_t fork_child_watched(void)
{
	pid_t p = fork_child();
	if (p == 0)
		alarm(20);
	return p;
}

static void test_basics(long score0)
{
	CHECK_EQ("write \"500\" to /proc/self/oom_score_adj returns 3", set_adj("500"), 3);
	CHECK_STR("and it reads back \"500\"", read_file("/proc/self/oom_score_adj"), "500\n");
	long s = oom_score("/proc/self/oom_score");
	nst_report(s > score0 && s <= 2000, "oom_score rises with it (and stays at most 2000)", __FILE__, __LINE__,
		   "oom_score %ld at 500, %ld at 0", s, score0);
	pid_t c = fork_child_watched();
	if (c == 0) {
		CHECK_STR("a forked child inherits the value", read_file("/proc/self/oom_score_adj"), "500\n");
		child_done();
	}
	CHECK_EQ("(the child's check passed)", wait_code(c), 0);
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/oom_score_adj", (int)getppid());
	CHECK_STR("the parent's value is its own: still \"0\"", read_file(path), "0\n");
	CHECK_EQ("1000, the maximum, is accepted", set_adj("1000"), 4);
	CHECK_STR("and reads back \"1000\"", read_file("/proc/self/oom_score_adj"), "1000\n");
	CHECK_ERR("1001 is EINVAL", set_adj("1001"), EINVAL);
	CHECK_ERR("-1001 is EINVAL", set_adj("-1001"), EINVAL);
	CHECK_ERR("\"abc\" is EINVAL", set_adj("abc"), EINVAL);
	CHECK_ERR("\"5x\" is EINVAL", set_adj("5x"), EINVAL);
	CHECK_ERR("an empty write is EINVAL", set_adj(""), EINVAL);
	CHECK_STR("a failed write leaves the value", read_file("/proc/self/oom_score_adj"), "1000\n");
	CHECK_EQ("\" 7 \\n\" (white space around the number) is accepted whole", set_adj(" 7 \n"), 4);
	CHECK_STR("and reads back \"7\"", read_file("/proc/self/oom_score_adj"), "7\n");
	CHECK_EQ("lowering it back to 0 (not below oom_score_adj_min) works", set_adj("0"), 1);
	CHECK_STR("and reads back \"0\"", read_file("/proc/self/oom_score_adj"), "0\n");
}

static void test_unprivileged(void)
{
	CHECK_EQ("raising to 300 works without privilege", set_adj("300"), 3);
	CHECK_ERR("going below 0 without CAP_SYS_RESOURCE is EACCES", set_adj("-1"), EACCES);
	CHECK_ERR("so is -1000", set_adj("-1000"), EACCES);
	CHECK_STR("and the value stays 300", read_file("/proc/self/oom_score_adj"), "300\n");
}

static void test_privileged(void)
{
	CHECK_EQ("with CAP_SYS_RESOURCE, -1000 is accepted", set_adj("-1000"), 5);
	CHECK_STR("and reads back \"-1000\"", read_file("/proc/self/oom_score_adj"), "-1000\n");
	CHECK_EQ("oom_score of a process at -1000 is 0", oom_score("/proc/self/oom_score"), 0);
	CHECK_EQ("writing -500 with CAP_SYS_RESOURCE (it becomes the minimum)", set_adj("-500"), 4);
	pid_t c = fork_child_watched();
	if (c == 0) {
		/* Give up root: every uid 65534, so the capabilities go too. */
		int dropped = setgid(65534) == 0 && setresuid(65534, 65534, 65534) == 0;
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		CHECK("the child gives up root", dropped && geteuid() == 65534);
		CHECK_STR("it inherited -500", read_file("/proc/self/oom_score_adj"), "-500\n");
		CHECK_EQ("it may raise it to -400", set_adj("-400"), 4);
		CHECK_EQ("and lower it back to -500, the inherited minimum", set_adj("-500"), 4);
		CHECK_ERR("but not to -501: EACCES", set_adj("-501"), EACCES);
		CHECK_EQ("after raising it to 1000", set_adj("1000"), 4);
		CHECK_EQ("it may still go back to -500", set_adj("-500"), 4);
		CHECK_STR("which it reads back", read_file("/proc/self/oom_score_adj"), "-500\n");
		child_done();
	}
	CHECK_EQ("the child that gave up root passed its checks", wait_code(c), 0);
}

int main(void)
{
	alarm(20);
	struct stat st;
	CHECK_STR("/proc/self/oom_score_adj reads \"0\"", read_file("/proc/self/oom_score_adj"), "0\n");
	CHECK("it is mode 0644", stat("/proc/self/oom_score_adj", &st) == 0 && (st.st_mode & 07777) == 0644);
	long score0 = oom_score("/proc/self/oom_score");
	nst_report(score0 >= 0 && score0 <= 2000, "/proc/self/oom_score is a number from 0 to 2000", __FILE__, __LINE__,
		   "it reads \"%s\"", read_file("/proc/self/oom_score"));
	CHECK("it is mode 0444", stat("/proc/self/oom_score", &st) == 0 && (st.st_mode & 07777) == 0444);
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/oom_score", (int)getpid());
	CHECK("/proc/PID/oom_score of ourselves reads a number too", oom_score(path) >= 0);

	pid_t c = fork_child_watched();
	if (c == 0) {
		test_basics(score0);
		if (has_cap(CAP_SYS_RESOURCE)) {
			pid_t d = fork_child_watched();
			if (d == 0) {
				int dropped = setgid(65534) == 0 && setresuid(65534, 65534, 65534) == 0;
				prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
				CHECK("a child gives up root and CAP_SYS_RESOURCE", dropped && !has_cap(CAP_SYS_RESOURCE));
				test_unprivileged();
				child_done();
			}
			CHECK_EQ("the child without CAP_SYS_RESOURCE passed its checks", wait_code(d), 0);
			test_privileged();
		} else {
			printf("skip -1000 and oom_score_adj_min: they need CAP_SYS_RESOURCE\n");
			test_unprivileged();
		}
		child_done();
	}
	CHECK_EQ("the checking child passed", wait_code(c), 0);
	CHECK_STR("our own value is still \"0\"", read_file("/proc/self/oom_score_adj"), "0\n");
	NST_DONE();
}
