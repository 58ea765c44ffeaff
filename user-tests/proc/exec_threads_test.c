/*
 * exec_threads_test: "All threads other than the calling thread are
 * destroyed during an execve()" - execve(2). A process with a sleeping
 * second thread execs itself; the new image must see exactly one thread.
 * When the exec comes from a thread that is not the leader, that thread
 * takes over the process's PID: in the new image gettid() == getpid() and
 * the PID is unchanged (de_thread in fs/exec.c).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nstest.h"

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static char *self_path;

/* A second thread that execs the program with the PID it expects. */
static void *execer(void *arg)
{
	(void)arg;
	char pid[16];
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	char *args[] = { self_path, "exec-from-thread", pid, NULL };
	execv("/proc/self/exe", args);
	_exit(3);
}

static int threads_now(void)
{
	/* /proc/self/status "Threads:" line. */
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	int n = -1;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	if (f)
		fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "after-exec") == 0)
		_exit(threads_now() == 1 ? 0 : 1);
	if (argc == 3 && strcmp(argv[1], "exec-from-thread") == 0) {
		if (threads_now() != 1)
			_exit(4);
		if (getpid() != atoi(argv[2]))
			_exit(5);
		_exit(syscall(SYS_gettid) == getpid() ? 0 : 6);
	}
	self_path = argv[0];

	int status;
	pid_t pid = fork();
	if (pid == 0) {
		pthread_t t;
		pthread_create(&t, NULL, sleeper, NULL);
		usleep(10000);
		if (threads_now() != 2)
			_exit(2);
		char *args[] = { argv[0], "after-exec", NULL };
		execv("/proc/self/exe", args);
		_exit(3);
	}
	waitpid(pid, &status, 0);
	CHECK("the child exited normally", WIFEXITED(status));
	CHECK_EQ("after execve only the calling thread is left", WEXITSTATUS(status), 0);

	pid = fork();
	if (pid == 0) {
		pthread_t t;
		pthread_create(&t, NULL, execer, NULL);
		for (;;)
			pause();
	}
	waitpid(pid, &status, 0);
	CHECK("the child that exec'd from a second thread exited normally", WIFEXITED(status));
	CHECK_EQ("it kept its PID and its TID became the PID", WEXITSTATUS(status), 0);
	NST_DONE();
}
