/*
 * pidfd_test: process file descriptors (pidfd_open(2),
 * pidfd_send_signal(2), waitid(2) with P_PIDFD, clone(2)/clone3(2) with
 * CLONE_PIDFD, clone3's set_tid and exit_signal checks, setns(2) with a
 * pidfd), and the sender PID in siginfo translated into the receiver's
 * PID namespace (pid_namespaces(7)).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nsutil.h"

#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif

static int pidfd_send_signal(int fd, int sig, siginfo_t *info, unsigned int flags)
{
	return syscall(SYS_pidfd_send_signal, fd, sig, info, flags);
}

/* A child blocked reading a pipe; it exits with code when the pipe closes. */
static pid_t blocked_child(int *release, int code)
{
	int p[2];
	char c;
	pipe(p);
	pid_t pid = fork_child();
	if (pid == 0) {
		alarm(20);
		close(p[1]);
		while (read(p[0], &c, 1) > 0)
			;
		_exit(code);
	}
	close(p[0]);
	*release = p[1];
	return pid;
}

static volatile sig_atomic_t usr1_pid = -1, usr1_count;

static void on_usr1(int sig, siginfo_t *si, void *ctx)
{
	usr1_pid = si->si_pid;
	usr1_count++;
}

static void test_pidfd_open(void)
{
	int release, fd;
	struct pollfd pfd;
	siginfo_t info;

	pid_t pid = blocked_child(&release, 42);
	fd = pidfd_open(pid, 0);
	CHECK_OK("pidfd_open of a running child", fd);
	CHECK("a pidfd is close-on-exec", (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
	CHECK_ERR("pidfd_open with an unknown flag is EINVAL", pidfd_open(pid, 1), EINVAL);
	CHECK_ERR("pidfd_open with O_CLOEXEC as a flag is EINVAL", pidfd_open(pid, O_CLOEXEC), EINVAL);
	CHECK_ERR("pidfd_open of pid 0 is EINVAL", pidfd_open(0, 0), EINVAL);
	CHECK_ERR("pidfd_open of a negative pid is EINVAL", pidfd_open(-1, 0), EINVAL);
	CHECK_ERR("pidfd_open of a pid nobody has is ESRCH", pidfd_open(999999999, 0), ESRCH);
	int nb = pidfd_open(pid, PIDFD_NONBLOCK);
	CHECK_OK("pidfd_open with PIDFD_NONBLOCK", nb);
	CHECK("gives an O_NONBLOCK file", (fcntl(nb, F_GETFL) & O_NONBLOCK) != 0);
	memset(&info, 0, sizeof info);
	CHECK_ERR("waitid(P_PIDFD) on a non-blocking pidfd of a running child is EAGAIN",
		  waitid(P_PIDFD, nb, &info, WEXITED), EAGAIN);
	close(nb);

	pfd.fd = fd;
	pfd.events = POLLIN;
	CHECK_EQ("poll on the pidfd is not ready while the child runs", poll(&pfd, 1, 0), 0);
	memset(&info, 0, sizeof info);
	CHECK_OK("waitid(P_PIDFD, WEXITED|WNOHANG) of a running child", waitid(P_PIDFD, fd, &info, WEXITED | WNOHANG));
	CHECK_EQ("returns si_pid 0", info.si_pid, 0);
	CHECK_EQ("pidfd_send_signal(fd, 0) to a live child works", pidfd_send_signal(fd, 0, NULL, 0), 0);
	close(release);
	CHECK_EQ("poll becomes ready when the child exits", poll(&pfd, 1, 5000), 1);
	CHECK("with POLLIN", (pfd.revents & POLLIN) != 0);
	memset(&info, 0, sizeof info);
	CHECK_OK("waitid(P_PIDFD, WEXITED|WNOWAIT) sees the zombie", waitid(P_PIDFD, fd, &info, WEXITED | WNOWAIT));
	CHECK_EQ("it reports the child's pid and leaves it unreaped", info.si_pid, pid);
	memset(&info, 0, sizeof info);
	CHECK_OK("waitid(P_PIDFD, WEXITED) reaps it", waitid(P_PIDFD, fd, &info, WEXITED));
	CHECK_EQ("si_pid is the child", info.si_pid, pid);
	CHECK_EQ("si_code is CLD_EXITED", info.si_code, CLD_EXITED);
	CHECK_EQ("si_status is its exit code", info.si_status, 42);
	CHECK_EQ("si_signo is SIGCHLD", info.si_signo, SIGCHLD);
	CHECK_ERR("after that waitpid finds no child", waitpid(pid, NULL, WNOHANG), ECHILD);
	CHECK_ERR("and waitid(P_PIDFD) again is ECHILD", waitid(P_PIDFD, fd, &info, WEXITED), ECHILD);
	CHECK_ERR("pidfd_send_signal to the reaped child is ESRCH", pidfd_send_signal(fd, 0, NULL, 0), ESRCH);
	CHECK_ERR("even SIGKILL: ESRCH", pidfd_send_signal(fd, SIGKILL, NULL, 0), ESRCH);
	close(fd);
	CHECK_ERR("pidfd_open of the reaped pid is ESRCH", pidfd_open(pid, 0), ESRCH);

	int self = pidfd_open(getpid(), 0);
	CHECK_OK("pidfd_open of ourselves", self);
	CHECK_EQ("pidfd_send_signal(self, 0)", pidfd_send_signal(self, 0, NULL, 0), 0);
	CHECK_ERR("waitid(P_PIDFD) of a non-child is ECHILD", waitid(P_PIDFD, self, &info, WEXITED | WNOHANG), ECHILD);
	close(self);
	int pfds[2];
	pipe(pfds);
	CHECK_ERR("pidfd_send_signal on a pipe fd is EBADF", pidfd_send_signal(pfds[0], 0, NULL, 0), EBADF);
	CHECK_ERR("waitid(P_PIDFD) on a pipe fd is EBADF", waitid(P_PIDFD, pfds[0], &info, WEXITED), EBADF);
	close(pfds[0]);
	close(pfds[1]);
	CHECK_ERR("pidfd_send_signal on a closed fd is EBADF", pidfd_send_signal(pfds[0], 0, NULL, 0), EBADF);
}

static void test_send_signal(void)
{
	int release, status;
	pid_t pid = blocked_child(&release, 0);
	int fd = pidfd_open(pid, 0);
	CHECK_ERR("pidfd_send_signal with an unknown flag is EINVAL", pidfd_send_signal(fd, 0, NULL, 0x100), EINVAL);
	CHECK_ERR("pidfd_send_signal with signal 100 is EINVAL", pidfd_send_signal(fd, 100, NULL, 0), EINVAL);
	CHECK_EQ("pidfd_send_signal(fd, SIGKILL) returns 0", pidfd_send_signal(fd, SIGKILL, NULL, 0), 0);
	CHECK_EQ("waitpid reaps the child", waitpid(pid, &status, 0), pid);
	CHECK("killed by SIGKILL", WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(fd);
	close(release);
}

static void test_clone_pidfd(void)
{
	struct nst_clone_args args;
	siginfo_t info;
	int pidfd = -1;

	memset(&args, 0, sizeof args);
	args.flags = CLONE_PIDFD;
	args.pidfd = (uintptr_t)&pidfd;
	args.exit_signal = SIGCHLD;
	pid_t pid = clone3_fork(&args, sizeof args);
	if (pid == 0)
		_exit(9);
	CHECK("clone3(CLONE_PIDFD) creates a child", pid > 0);
	CHECK("and stores a pidfd", pidfd >= 0);
	CHECK("which is close-on-exec", (fcntl(pidfd, F_GETFD) & FD_CLOEXEC) != 0);
	memset(&info, 0, sizeof info);
	CHECK_OK("waitid(P_PIDFD) on the clone3 pidfd", waitid(P_PIDFD, pidfd, &info, WEXITED));
	CHECK_EQ("reaps that child", info.si_pid, pid);
	CHECK_EQ("with its exit code", info.si_status, 9);
	close(pidfd);

	/* The old clone(2) returns the pidfd through its parent_tid argument. */
	pidfd = -1;
	fflush(stdout);
	pid = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &pidfd, 0, 0);
	if (pid == 0)
		_exit(8);
	CHECK("clone(CLONE_PIDFD) creates a child", pid > 0);
	CHECK("and stores a pidfd through parent_tid", pidfd >= 0);
	memset(&info, 0, sizeof info);
	CHECK_OK("waitid(P_PIDFD) on the clone pidfd", waitid(P_PIDFD, pidfd, &info, WEXITED));
	CHECK("reaps that child with its code", info.si_pid == pid && info.si_status == 8);
	close(pidfd);
	int tid = 0;
	fflush(stdout);
	long r = syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0, &tid, 0, 0);
	if (r == 0)
		syscall(SYS_exit, 0);
	int e = errno;
	if (r > 0)
		waitpid(r, NULL, 0);
	CHECK("clone(CLONE_PIDFD|CLONE_PARENT_SETTID) is EINVAL", r == -1 && e == EINVAL);

	memset(&args, 0, sizeof args);
	args.exit_signal = 65;
	CHECK_ERR("clone3 with exit_signal 65 is EINVAL", try_clone3(&args, sizeof args), EINVAL);
	args.exit_signal = SIGCHLD;
	CHECK_ERR("clone3 with a size below 64 is EINVAL", try_clone3(&args, 56), EINVAL);
	args.flags = CLONE_THREAD;
	args.exit_signal = 0;
	CHECK_ERR("clone3(CLONE_THREAD) without CLONE_SIGHAND is EINVAL", try_clone3(&args, sizeof args), EINVAL);
}

static void test_set_tid(void)
{
	struct nst_clone_args args;
	pid_t tids[2] = { 1, 0 };

	memset(&args, 0, sizeof args);
	args.flags = CLONE_NEWPID;
	args.exit_signal = SIGCHLD;
	args.set_tid = (uintptr_t)tids;
	args.set_tid_size = 1;
	pid_t pid = clone3_fork(&args, sizeof args);
	if (pid == 0) {
		CHECK_EQ("clone3(CLONE_NEWPID, set_tid {1}): the child is PID 1", getpid(), 1);
		child_done();
	}
	CHECK("clone3 with set_tid {1} and CLONE_NEWPID works", pid > 0);
	if (pid > 0)
		CHECK_EQ("the set_tid child's checks passed", wait_code(pid), 0);

	tids[0] = 2;
	CHECK_ERR("set_tid {2} for the first process of a new namespace is EINVAL", try_clone3(&args, sizeof args), EINVAL);
	args.flags = 0;
	tids[0] = 1;
	CHECK_ERR("set_tid {1} in our namespace, where PID 1 exists, is EEXIST", try_clone3(&args, sizeof args), EEXIST);
	args.set_tid_size = 2;
	CHECK_ERR("set_tid_size 2 without a new namespace (deeper than we are) is EINVAL",
		  try_clone3(&args, sizeof args), EINVAL);
	args.set_tid_size = 1;
	args.set_tid = 0;
	CHECK_ERR("set_tid_size 1 with a NULL set_tid is EINVAL", try_clone3(&args, sizeof args), EINVAL);
}

static void test_setns_pidfd(void)
{
	int go[2], ready[2];
	char c;
	struct utsname orig, u;
	uname(&orig);
	pipe(go);
	pipe(ready);
	pid_t pid = fork_child();
	if (pid == 0) {
		alarm(20);
		close(go[1]);
		close(ready[0]);
		if (unshare(CLONE_NEWUTS) || sethostname("nst-pidfd", 9))
			_exit(1);
		write(ready[1], "r", 1);
		while (read(go[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(go[0]);
	close(ready[1]);
	CHECK_EQ("the child unshared UTS and named itself", read(ready[0], &c, 1), 1);
	int fd = pidfd_open(pid, 0);
	pid_t j = fork_child();
	if (j == 0) {
		CHECK_ERR("setns(pidfd, 0) is EINVAL", setns(fd, 0), EINVAL);
		CHECK_OK("setns(pidfd, CLONE_NEWUTS)", setns(fd, CLONE_NEWUTS));
		CHECK("uname shows the child's host name", uname(&u) == 0 && strcmp(u.nodename, "nst-pidfd") == 0);
		child_done();
	}
	CHECK_EQ("the joining process's checks passed", wait_code(j), 0);
	CHECK("our own host name is unchanged", uname(&u) == 0 && strcmp(u.nodename, orig.nodename) == 0);
	close(go[1]);
	CHECK_EQ("the UTS child exits", wait_code(pid), 0);
	close(ready[0]);
	CHECK_ERR("setns(pidfd of a reaped process, CLONE_NEWUTS) is ESRCH", setns(fd, CLONE_NEWUTS), ESRCH);
	close(fd);
}

/* si_pid in siginfo is the sender's PID as seen from the receiver's namespace. */
static void test_siginfo_translation(void)
{
	int ready[2], go[2];
	char c;
	pipe(ready);
	pipe(go);
	pid_t pid = fork_newpid();
	if (pid == 0) {
		alarm(20);
		close(ready[0]);
		close(go[1]);
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_sigaction = on_usr1;
		sa.sa_flags = SA_SIGINFO | SA_RESTART;
		sigaction(SIGUSR1, &sa, NULL);
		pid_t k = fork_child();
		if (k == 0) {
			kill(1, SIGUSR1);
			_exit(0);
		}
		wait_code(k);
		CHECK_EQ("a signal from a member of the namespace carries its in-namespace PID", usr1_pid, 2);
		siginfo_t info;
		memset(&info, 0, sizeof info);
		k = fork_child();
		if (k == 0)
			_exit(5);
		waitid(P_PID, k, &info, WEXITED);
		CHECK_EQ("waitid's si_pid is the in-namespace PID", info.si_pid, 3);
		usr1_count = 0;
		write(ready[1], "r", 1);
		while (read(go[0], &c, 1) > 0)
			;
		CHECK_EQ("the signal from the parent namespace arrived", usr1_count, 1);
		CHECK_EQ("and carries si_pid 0: the sender is outside the namespace", usr1_pid, 0);
		child_done();
	}
	close(ready[1]);
	close(go[0]);
	CHECK_EQ("the namespace init is ready", read(ready[0], &c, 1), 1);
	int fd = pidfd_open(pid, 0);
	CHECK_OK("pidfd_open of a process in a child PID namespace, by its outer PID", fd);
	CHECK_EQ("pidfd_send_signal(SIGUSR1) to the namespace init", pidfd_send_signal(fd, SIGUSR1, NULL, 0), 0);
	close(go[1]);
	siginfo_t info;
	memset(&info, 0, sizeof info);
	CHECK_OK("waitid(P_PIDFD) reaps the namespace init", waitid(P_PIDFD, fd, &info, WEXITED));
	CHECK_EQ("whose si_pid is its outer PID", info.si_pid, pid);
	CHECK_EQ("and whose checks passed", info.si_status, 0);
	close(fd);
	close(ready[0]);
}

int main(void)
{
	alarm(20);
	signal(SIGPIPE, SIG_IGN);
	test_pidfd_open();
	test_send_signal();
	test_clone_pidfd();
	test_set_tid();
	test_setns_pidfd();
	test_siginfo_translation();
	NST_DONE();
}
