/*
 * lock_test: advisory locks. fcntl(2) record locks: a write lock keeps
 * other processes' locks off its range (F_SETLK is EAGAIN, F_GETLK names
 * the holder), read locks coexist, unlocking a middle part splits a lock,
 * closing any descriptor of the file or exiting releases the process's
 * locks, F_SETLKW waits. OFD locks belong to the open file. flock(2) locks
 * the whole file per open file, LOCK_NB gives EWOULDBLOCK.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nstest.h"

#ifndef F_OFD_GETLK
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#endif

static int lock(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
	return fcntl(fd, cmd, &fl);
}

/* Runs `what` in a child (which opens the file itself) and returns its
 * exit code: the child exits with the errno of its lock attempt, or 0. */
static int in_child(const char *path, int cmd, short type, off_t start, off_t len)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(path, O_RDWR);
		_exit(lock(fd, cmd, type, start, len) == 0 ? 0 : errno);
	}
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(void)
{
	alarm(20);
	const char *path = "/tmp/nscore-lock-test";
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK_OK("create the file", fd);
	write(fd, "0123456789", 10);

	CHECK_OK("write-lock bytes 0-99", lock(fd, F_SETLK, F_WRLCK, 0, 100));
	CHECK_EQ("another process cannot read-lock inside it", in_child(path, F_SETLK, F_RDLCK, 50, 10), EAGAIN);
	CHECK_EQ("but may lock past it", in_child(path, F_SETLK, F_WRLCK, 100, 10), 0);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int cfd = open(path, O_RDWR);
		struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 10, .l_len = 1 };
		fcntl(cfd, F_GETLK, &fl);
		_exit(fl.l_type == F_WRLCK && fl.l_start == 0 && fl.l_len == 100 && fl.l_pid == getppid() ? 0 : 1);
	}
	int status;
	waitpid(pid, &status, 0);
	CHECK("F_GETLK in another process names our lock and PID", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	struct flock mine = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
	CHECK_OK("F_GETLK on our own lock", fcntl(fd, F_GETLK, &mine));
	CHECK_EQ("our own locks never conflict with us", mine.l_type, F_UNLCK);

	CHECK_OK("unlock bytes 40-69", lock(fd, F_SETLK, F_UNLCK, 40, 30));
	CHECK_EQ("now another process can lock the hole", in_child(path, F_SETLK, F_WRLCK, 45, 10), 0);
	CHECK_EQ("but not the pieces left", in_child(path, F_SETLK, F_WRLCK, 30, 20), EAGAIN);

	CHECK_OK("turn our locks into read locks", lock(fd, F_SETLK, F_RDLCK, 0, 0));
	CHECK_EQ("read locks coexist", in_child(path, F_SETLK, F_RDLCK, 0, 0), 0);
	CHECK_EQ("write locks still do not", in_child(path, F_SETLK, F_WRLCK, 5, 1), EAGAIN);

	int other = open(path, O_RDONLY);
	close(other);
	CHECK_EQ("closing any descriptor of the file releases our locks", in_child(path, F_SETLK, F_WRLCK, 0, 0), 0);
	CHECK_OK("lock the whole file again", lock(fd, F_SETLK, F_WRLCK, 0, 0));
	int spare = open(path, O_RDONLY), devnull = open("/dev/null", O_RDONLY);
	dup2(devnull, spare);
	CHECK_EQ("dup2 over a descriptor of the file releases them too", in_child(path, F_SETLK, F_WRLCK, 0, 0), 0);
	close(spare);
	close(devnull);

	int rdonly = open(path, O_RDONLY);
	CHECK_ERR("a write lock on a read-only descriptor is EBADF", lock(rdonly, F_SETLK, F_WRLCK, 0, 1), EBADF);
	CHECK_ERR("a bad l_type is EINVAL", lock(fd, F_SETLK, 7, 0, 1), EINVAL);
	close(rdonly);

	/* F_SETLKW waits until the holder lets go (here: exits). */
	fflush(stdout);
	int ready[2];
	pipe(ready);
	pid = fork();
	if (pid == 0) {
		int cfd = open(path, O_RDWR);
		lock(cfd, F_SETLK, F_WRLCK, 0, 0);
		write(ready[1], "r", 1);
		usleep(100000);
		_exit(0);
	}
	char c;
	read(ready[0], &c, 1);
	CHECK_ERR("the child's lock stops F_SETLK", lock(fd, F_SETLK, F_WRLCK, 0, 1), EAGAIN);
	CHECK_OK("F_SETLKW waits until the holder exits", lock(fd, F_SETLKW, F_WRLCK, 0, 1));
	waitpid(pid, &status, 0);
	lock(fd, F_SETLK, F_UNLCK, 0, 0);

	/* Deadlock: we hold byte 0 and wait for byte 1, which a child holds;
	 * when the child asks for byte 0, F_SETLKW fails with EDEADLK. */
	CHECK_OK("hold byte 0", lock(fd, F_SETLK, F_WRLCK, 0, 1));
	fflush(stdout);
	int go[2], res[2];
	pipe(go);
	pipe(res);
	pid = fork();
	if (pid == 0) {
		int cfd = open(path, O_RDWR);
		lock(cfd, F_SETLK, F_WRLCK, 1, 1);
		write(res[1], "h", 1);
		read(go[0], &c, 1);
		usleep(200000); /* let the parent block on byte 1 */
		int r = lock(cfd, F_SETLKW, F_WRLCK, 0, 1);
		int e = r == -1 ? errno : 0;
		write(res[1], &e, sizeof e);
		close(cfd); /* releases byte 1: the parent goes on */
		_exit(0);
	}
	read(res[0], &c, 1);
	write(go[1], "g", 1);
	CHECK_OK("wait for byte 1 (the child breaks the cycle)", lock(fd, F_SETLKW, F_WRLCK, 1, 1));
	int child_errno = -1;
	read(res[0], &child_errno, sizeof child_errno);
	CHECK_EQ("the child's F_SETLKW that would close the cycle is EDEADLK", child_errno, EDEADLK);
	waitpid(pid, &status, 0);
	lock(fd, F_SETLK, F_UNLCK, 0, 0);

	/* OFD locks belong to the open file, not the process. */
	int a = open(path, O_RDWR), b = open(path, O_RDWR);
	CHECK_OK("an OFD write lock through one open", lock(a, F_OFD_SETLK, F_WRLCK, 0, 10));
	CHECK_ERR("conflicts with another open in the same process", lock(b, F_OFD_SETLK, F_WRLCK, 0, 10), EAGAIN);
	struct flock ofd = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
	CHECK_OK("F_OFD_GETLK", fcntl(b, F_OFD_GETLK, &ofd));
	CHECK("reports the lock with l_pid -1", ofd.l_type == F_WRLCK && ofd.l_pid == -1);
	close(a);
	CHECK_OK("closing that open file releases it", lock(b, F_OFD_SETLK, F_WRLCK, 0, 10));
	close(b);

	/* flock(2). */
	a = open(path, O_RDONLY);
	b = open(path, O_RDONLY);
	CHECK_OK("flock LOCK_EX", flock(a, LOCK_EX));
	CHECK_ERR("another open file's LOCK_SH|LOCK_NB is EWOULDBLOCK", flock(b, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	CHECK_OK("convert to LOCK_SH", flock(a, LOCK_SH));
	CHECK_OK("then shared locks coexist", flock(b, LOCK_SH | LOCK_NB));
	CHECK_OK("LOCK_UN", flock(a, LOCK_UN));
	CHECK_OK("LOCK_UN the other", flock(b, LOCK_UN));
	CHECK_ERR("a bad operation is EINVAL", flock(a, 0), EINVAL);
	close(a);
	close(b);
	close(fd);
	unlink(path);
	NST_DONE();
}
