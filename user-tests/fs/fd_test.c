/*
 * fd_test: dup(2), dup3(2), fcntl(2), pipe2(2), poll(2), select(2),
 * close_range(2) — descriptor numbering, flags, pipe semantics (pipe(7)).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nstest.h"

int main(void)
{
	int p[2], fd;
	char buf[16];

	signal(SIGPIPE, SIG_IGN);
	CHECK_OK("pipe2", pipe2(p, O_CLOEXEC));
	CHECK_EQ("pipe2 O_CLOEXEC sets FD_CLOEXEC", fcntl(p[0], F_GETFD), FD_CLOEXEC);
	fd = dup(p[0]);
	CHECK("dup takes the lowest free number", fd > p[1]);
	CHECK_EQ("dup clears FD_CLOEXEC", fcntl(fd, F_GETFD), 0);
	CHECK_ERR("dup3 onto itself is EINVAL", dup3(fd, fd, 0), EINVAL);
	CHECK_ERR("dup3 with bad flags is EINVAL", dup3(fd, 50, 4), EINVAL);
	CHECK_EQ("dup3 to a chosen number", dup3(fd, 50, O_CLOEXEC), 50);
	CHECK_EQ("dup3 O_CLOEXEC", fcntl(50, F_GETFD), FD_CLOEXEC);
	CHECK_EQ("F_DUPFD takes the lowest number at or above arg", fcntl(fd, F_DUPFD, 40), 40);
	CHECK_EQ("F_DUPFD_CLOEXEC", fcntl(fd, F_DUPFD_CLOEXEC, 40), 41);
	CHECK_OK("F_SETFD", fcntl(40, F_SETFD, FD_CLOEXEC));
	CHECK_EQ("F_GETFD", fcntl(40, F_GETFD), FD_CLOEXEC);
	CHECK_ERR("fcntl on a bad fd is EBADF", fcntl(999, F_GETFD), EBADF);

	CHECK_OK("F_SETFL O_NONBLOCK", fcntl(p[0], F_SETFL, O_NONBLOCK));
	CHECK("F_GETFL shows O_NONBLOCK", fcntl(p[0], F_GETFL) & O_NONBLOCK);
	CHECK_ERR("empty non-blocking pipe is EAGAIN", read(p[0], buf, 1), EAGAIN);

	struct pollfd pfd = { .fd = p[0], .events = POLLIN };
	CHECK_EQ("poll with timeout 0 finds nothing", poll(&pfd, 1, 0), 0);
	CHECK_EQ("write to the pipe", write(p[1], "ping", 4), 4);
	CHECK_EQ("poll sees data", poll(&pfd, 1, 1000), 1);
	CHECK("POLLIN set", pfd.revents & POLLIN);
	fd_set rfds;
	FD_ZERO(&rfds);
	FD_SET(p[0], &rfds);
	struct timeval tv = { 0, 0 };
	CHECK_EQ("select sees data", select(p[0] + 1, &rfds, NULL, NULL, &tv), 1);
	CHECK("select marks the fd", FD_ISSET(p[0], &rfds));
	CHECK_EQ("read the data", read(p[0], buf, sizeof buf), 4);
	struct pollfd bad = { .fd = 12345, .events = POLLIN };
	CHECK_EQ("poll of a bad fd reports it", poll(&bad, 1, 0), 1);
	CHECK("POLLNVAL", bad.revents & POLLNVAL);

	/* EOF once every writer is closed (including the dups). */
	close(p[1]);
	fcntl(p[0], F_SETFL, 0);
	CHECK_EQ("read at EOF returns 0", read(p[0], buf, sizeof buf), 0);
	pfd.revents = 0;
	poll(&pfd, 1, 0);
	CHECK("POLLHUP after the writer closed", pfd.revents & POLLHUP);

	/* EPIPE when no reader is left. */
	int q[2];
	pipe(q);
	close(q[0]);
	CHECK_ERR("write with no reader is EPIPE", write(q[1], "x", 1), EPIPE);
	close(q[1]);

	/* ... and SIGPIPE, whose default action kills the writer. */
	fflush(stdout);
	pid_t writer = fork();
	if (writer == 0) {
		signal(SIGPIPE, SIG_DFL);
		pipe(q);
		close(q[0]);
		write(q[1], "x", 1);
		_exit(0);
	}
	int wstatus;
	waitpid(writer, &wstatus, 0);
	CHECK("a write with no reader raises SIGPIPE, which kills by default",
	      WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGPIPE);

	/* Data written by a child arrives; the pipe blocks until then. */
	pipe(q);
	pid_t child = fork();
	if (child == 0) {
		close(q[0]);
		usleep(20000);
		write(q[1], "from child", 10);
		_exit(0);
	}
	close(q[1]);
	memset(buf, 0, sizeof buf);
	CHECK_EQ("blocking read waits for the child", read(q[0], buf, sizeof buf), 10);
	CHECK_STR("child's data", buf, "from child");
	CHECK_EQ("then EOF", read(q[0], buf, sizeof buf), 0);
	waitpid(child, NULL, 0);
	close(q[0]);

	CHECK_OK("close_range", syscall(SYS_close_range, 40, 50, 0));
	CHECK_ERR("closed by close_range", fcntl(40, F_GETFD), EBADF);
	CHECK_ERR("50 closed too", fcntl(50, F_GETFD), EBADF);
	CHECK_ERR("close_range with first > last is EINVAL", syscall(SYS_close_range, 5, 4, 0), EINVAL);
	NST_DONE();
}
