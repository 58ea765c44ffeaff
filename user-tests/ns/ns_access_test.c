/*
 * ns_access_test: who may look at /proc/PID/ns. Following or reading
 * another process's namespace links needs ptrace-read access
 * (proc_ns_get_link/proc_ns_readlink in fs/proc/namespaces.c): an
 * unprivileged process may inspect its own and those of processes with
 * exactly its credentials, not root's (EACCES).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nstest.h"

int main(void)
{
	alarm(20);
	char buf[64], path[64];
	fflush(stdout);
	pid_t holder = fork();
	if (holder == 0) {
		pause();
		_exit(0);
	}
	snprintf(path, sizeof path, "/proc/%d/ns/uts", (int)holder);
	CHECK("root reads another root process's uts link", readlink(path, buf, sizeof buf) > 0);
	pid_t pid = fork();
	if (pid == 0) {
		nst_passed = nst_failed = 0;
		if (setresgid(1000, 1000, 1000) != 0 || setresuid(1000, 1000, 1000) != 0)
			_exit(2);
		CHECK("an unprivileged process reads its own links", readlink("/proc/self/ns/uts", buf, sizeof buf) > 0);
		int fd = open("/proc/self/ns/uts", O_RDONLY);
		CHECK("and opens them", fd >= 0);
		close(fd);
		CHECK_ERR("but not a root process's: readlink is EACCES", readlink(path, buf, sizeof buf), EACCES);
		CHECK_ERR("nor open", open(path, O_RDONLY), EACCES);
		fflush(stdout);
		_exit(nst_failed ? 1 : 0);
	}
	int status;
	waitpid(pid, &status, 0);
	CHECK("the unprivileged child's checks passed", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	NST_DONE();
}
