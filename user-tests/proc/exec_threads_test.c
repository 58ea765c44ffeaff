/*
 * exec_threads_test: "All threads other than the calling thread are
 * destroyed during an execve()" - execve(2). A process with a sleeping
 * second thread execs itself; the new image must see exactly one thread.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
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
	NST_DONE();
}
