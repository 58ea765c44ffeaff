/*
 * process_test: fork(2), wait4(2), waitid(2), _exit(2), getppid(2),
 * execve(2) (arguments, environment, and its errors), vfork(2),
 * posix_spawn(3), pthreads (clone(2) with CLONE_THREAD, futex(2)).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nstest.h"

extern char **environ;

static int counter;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
	for (int i = 0; i < 2000; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	return arg;
}

int main(int argc, char **argv)
{
	int status;
	pid_t pid;

	/* Re-executed by the execve check below. */
	if (argc == 3 && strcmp(argv[1], "child") == 0)
		_exit(strcmp(argv[2], "arg") == 0 && getenv("NST_VAR") && strcmp(getenv("NST_VAR"), "yes") == 0 ? 42 : 1);

	pid = fork();
	if (pid == 0)
		_exit(getppid() > 0 ? 7 : 8);
	CHECK("fork returns a pid", pid > 0);
	CHECK_EQ("wait4 returns that pid", wait4(pid, &status, 0, NULL), pid);
	CHECK("WIFEXITED", WIFEXITED(status));
	CHECK_EQ("exit status passes through", WEXITSTATUS(status), 7);
	CHECK_ERR("no more children: ECHILD", wait4(-1, &status, 0, NULL), ECHILD);

	pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	CHECK_EQ("WNOHANG with a running child returns 0", waitpid(pid, &status, WNOHANG), 0);
	kill(pid, SIGKILL);
	CHECK_EQ("wait for the killed child", waitpid(pid, &status, 0), pid);
	CHECK("WIFSIGNALED", WIFSIGNALED(status));
	CHECK_EQ("WTERMSIG is SIGKILL", WTERMSIG(status), SIGKILL);

	pid = fork();
	if (pid == 0)
		_exit(3);
	siginfo_t info;
	memset(&info, 0, sizeof info);
	CHECK_OK("waitid P_PID", waitid(P_PID, pid, &info, WEXITED));
	CHECK_EQ("si_pid", info.si_pid, pid);
	CHECK_EQ("si_code CLD_EXITED", info.si_code, CLD_EXITED);
	CHECK_EQ("si_status", info.si_status, 3);
	CHECK_ERR("waitid without WEXITED etc. is EINVAL", waitid(P_ALL, 0, &info, WNOHANG), EINVAL);

	char self[64];
	snprintf(self, sizeof self, "/proc/self/exe");
	pid = fork();
	if (pid == 0) {
		char *args[] = { argv[0], "child", "arg", NULL };
		char *envs[] = { "NST_VAR=yes", NULL };
		execve(self, args, envs);
		_exit(99);
	}
	waitpid(pid, &status, 0);
	CHECK_EQ("execve passes argv and envp", WEXITSTATUS(status), 42);

	char *noargs[] = { "x", NULL };
	CHECK_ERR("execve of a missing file is ENOENT", execve("/nonexistent/prog", noargs, environ), ENOENT);
	CHECK_ERR("execve of a directory is EACCES", execve("/tmp", noargs, environ), EACCES);
	char junk[] = "/tmp/nst-junk-XXXXXX";
	int fd = mkstemp(junk);
	write(fd, "\x01\x02garbage that is not a program\n", 32);
	close(fd);
	chmod(junk, 0755);
	CHECK_ERR("execve of garbage is ENOEXEC", execve(junk, noargs, environ), ENOEXEC);
	chmod(junk, 0644);
	CHECK_ERR("execve without x permission is EACCES", execve(junk, noargs, environ), EACCES);
	unlink(junk);
	CHECK_ERR("execve with a bad path pointer is EFAULT", execve((char *)1, noargs, environ), EFAULT);

	volatile int shared = 0;
	pid = vfork();
	if (pid == 0) {
		shared = 5;
		_exit(0);
	}
	waitpid(pid, &status, 0);
	CHECK_EQ("vfork child ran first, in our memory", shared, 5);

	char *sargs[] = { "true", NULL };
	pid_t spid;
	CHECK_EQ("posix_spawn", posix_spawn(&spid, "/bin/true", NULL, NULL, sargs, environ), 0);
	CHECK_EQ("posix_spawned child exits", waitpid(spid, &status, 0), spid);
	CHECK_EQ("with status 0", WEXITSTATUS(status), 0);

	pthread_t threads[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&threads[i], NULL, worker, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(threads[i], NULL);
	CHECK_EQ("threads share memory under a mutex", counter, 8000);
	CHECK("gettid differs from getpid only in threads", gettid() == getpid());
	NST_DONE();
}
