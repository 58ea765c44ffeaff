/*
 * fifo_test: named pipes (fifo(7), mkfifo(3)). Opening blocks until the
 * other end is opened too, O_NONBLOCK readers return at once and
 * O_NONBLOCK writers without a reader get ENXIO, O_RDWR never blocks, data
 * flows through and end-of-file comes when the last writer closes; stat
 * shows a FIFO.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nstest.h"

int main(void)
{
	alarm(20);
	const char *path = "/tmp/nscore-fifo-test";
	unlink(path);
	CHECK_OK("mkfifo", mkfifo(path, 0600));
	struct stat st;
	CHECK_OK("stat the FIFO", stat(path, &st));
	CHECK("it is a FIFO", S_ISFIFO(st.st_mode));
	CHECK_ERR("mkfifo on an existing name is EEXIST", mkfifo(path, 0600), EEXIST);

	CHECK_ERR("a non-blocking writer without a reader gets ENXIO", open(path, O_WRONLY | O_NONBLOCK), ENXIO);
	int r = open(path, O_RDONLY | O_NONBLOCK);
	CHECK("a non-blocking reader opens at once", r >= 0);
	char buf[32];
	CHECK_EQ("and reads end-of-file with no writer", read(r, buf, sizeof buf), 0);
	int w = open(path, O_WRONLY | O_NONBLOCK);
	CHECK("with a reader, a non-blocking writer opens", w >= 0);
	CHECK_EQ("write into the FIFO", write(w, "hello", 5), 5);
	CHECK_EQ("and read it back through the other open", read(r, buf, sizeof buf), 5);
	CHECK("same bytes", memcmp(buf, "hello", 5) == 0);
	CHECK_OK("fstat of a FIFO fd", fstat(w, &st));
	CHECK("shows a FIFO", S_ISFIFO(st.st_mode));
	close(w);
	close(r);

	int rw = open(path, O_RDWR);
	CHECK("O_RDWR opens without a partner", rw >= 0);
	CHECK_EQ("and can write", write(rw, "x", 1), 1);
	CHECK_EQ("and read its own data", read(rw, buf, 1), 1);
	close(rw);

	/* A blocking reader waits until a writer comes. */
	fflush(stdout);
	pid_t writer = fork();
	if (writer == 0) {
		usleep(100000);
		int fd = open(path, O_WRONLY);
		write(fd, "from child", 10);
		close(fd);
		_exit(0);
	}
	r = open(path, O_RDONLY);
	CHECK("a blocking reader's open returns once a writer opened", r >= 0);
	ssize_t got = 0, n;
	while ((n = read(r, buf + got, sizeof buf - got)) > 0)
		got += n;
	CHECK_EQ("it reads what the writer wrote, then end-of-file", got, 10);
	close(r);
	int status;
	waitpid(writer, &status, 0);
	CHECK("the writer exited normally", WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* A blocking writer waits until a reader comes. */
	fflush(stdout);
	pid_t reader = fork();
	if (reader == 0) {
		usleep(100000);
		int fd = open(path, O_RDONLY);
		char b[8];
		ssize_t k = read(fd, b, sizeof b);
		_exit(k == 3 ? 0 : 1);
	}
	w = open(path, O_WRONLY);
	CHECK("a blocking writer's open returns once a reader opened", w >= 0);
	CHECK_EQ("and writes", write(w, "abc", 3), 3);
	close(w);
	waitpid(reader, &status, 0);
	CHECK("the reader got the bytes", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_OK("unlink the FIFO", unlink(path));
	NST_DONE();
}
