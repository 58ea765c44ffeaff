/*
 * environ_test: /proc/PID/environ (proc(5)) holds the environment the
 * program was started with, as NUL-terminated strings read from its
 * memory; mode 0400, and another user's is EACCES.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nstest.h"

static const char expected[] = "NSCORE_ENV_TEST=42\0SECOND=x";

int main(int argc, char **argv)
{
	alarm(20);
	if (argc == 2 && strcmp(argv[1], "child") == 0) {
		char buf[256];
		int fd = open("/proc/self/environ", O_RDONLY);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf) : -1;
		_exit(n == (ssize_t)sizeof expected && memcmp(buf, expected, sizeof expected) == 0 ? 0 : 1);
	}
	struct stat st;
	CHECK_OK("stat /proc/self/environ", stat("/proc/self/environ", &st));
	CHECK_EQ("its mode is 0400", st.st_mode & 0777, 0400);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char *args[] = { argv[0], "child", NULL };
		char *env[] = { "NSCORE_ENV_TEST=42", "SECOND=x", NULL };
		execve("/proc/self/exe", args, env);
		_exit(2);
	}
	int status;
	waitpid(pid, &status, 0);
	CHECK("a program reads its initial environment there", WIFEXITED(status) && WEXITSTATUS(status) == 0);

	pid_t parent = getpid();
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (setresuid(1000, 1000, 1000) != 0)
			_exit(2);
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/environ", (int)parent);
		int fd = open(path, O_RDONLY);
		_exit(fd == -1 && errno == EACCES ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	CHECK("another user's environ is EACCES", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	NST_DONE();
}
