/*
 * fallocate_test: copy_file_range(2), fallocate(2), sparse files and
 * ETXTBSY, on files in a fresh mkdtemp(3) directory under /tmp (removed at
 * the end):
 *  1. copy_file_range: with NULL offsets both file positions advance; with
 *     offsets only the offsets do; at or past EOF it copies 0 bytes, across
 *     EOF up to EOF; within one file only for ranges that do not overlap;
 *     and its EINVAL / EBADF / EISDIR / EFAULT cases;
 *  2. fallocate: mode 0 extends the file with allocated zeros,
 *     FALLOC_FL_KEEP_SIZE allocates past EOF, FALLOC_FL_PUNCH_HOLE frees
 *     whole pages and zeroes partial ones; and its EOPNOTSUPP / EINVAL /
 *     EBADF / ESPIPE / EFBIG cases;
 *  3. holes: a write past EOF and ftruncate(2) up leave holes that read as
 *     zeros and take no blocks;
 *  4. ETXTBSY: a copy of this program, while it runs, cannot be opened for
 *     writing or truncated (reading works); after it exits it can. And a
 *     file held open for writing cannot be executed.
 *  5. sendfile to a pipe without a reader: SIGPIPE, or EPIPE if ignored.
 * Arguments (e.g. "1 4") run only those groups. "--wait" and "--exit" are
 * what the copy of the program in group 4 is run with.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nsutil.h"

#ifndef SYS_copy_file_range
#define SYS_copy_file_range 326
#endif
#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 1
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE 2
#endif

#define PG 4096L
#define MiB (1024LL * 1024LL)
#define GiB (1024LL * MiB)

static char dir[] = "/tmp/nst-fallocate-XXXXXX";

#define path_of(name) path_in(dir, name)

/* copy_file_range(2) through the raw system call (any libc). */
static long cfr(int in, int64_t *off_in, int out, int64_t *off_out, size_t len, unsigned flags)
{
	return syscall(SYS_copy_file_range, in, off_in, out, off_out, len, flags);
}

/* fallocate(2) through the raw system call. */
static long falloc(int fd, int mode, int64_t off, int64_t len)
{
	return syscall(SYS_fallocate, fd, mode, off, len);
}

static long long blocks_of(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 ? (long long)st.st_blocks : -1;
}

static long long size_of(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 ? (long long)st.st_size : -1;
}

/* Whether len bytes of fd at off read back (pread) as all c. */
static int reads_as(int fd, int64_t off, size_t len, char c)
{
	char buf[4096];
	while (len > 0) {
		size_t n = len < sizeof buf ? len : sizeof buf;
		if (pread(fd, buf, n, off) != (ssize_t)n)
			return 0;
		for (size_t i = 0; i < n; i++)
			if (buf[i] != c)
				return 0;
		off += n;
		len -= n;
	}
	return 1;
}

/* Creates dir/name with len bytes of c; returns an O_RDWR fd. */
static int make_file(const char *name, size_t len, char c)
{
	char buf[4096];
	memset(buf, c, sizeof buf);
	int fd = open(path_of(name), O_RDWR | O_CREAT | O_TRUNC, 0600);
	while (fd >= 0 && len > 0) {
		size_t n = len < sizeof buf ? len : sizeof buf;
		if (write(fd, buf, n) != (ssize_t)n)
			break;
		len -= n;
	}
	return fd;
}

static void test_copy_file_range(void)
{
	static char data[10000], got[10000];
	for (int i = 0; i < 10000; i++)
		data[i] = (char)(i * 7 % 251);
	const char *spath = path_of("src"), *dpath = path_of("dst");
	int src = open(spath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	int dst = open(dpath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK("create a source and a destination file", src >= 0 && dst >= 0);
	CHECK_EQ("write 10000 bytes to the source", write(src, data, 10000), 10000);
	lseek(src, 0, SEEK_SET);

	CHECK_EQ("copy_file_range of 10000 bytes with NULL offsets", cfr(src, NULL, dst, NULL, 10000, 0), 10000);
	CHECK_EQ("advances the input file position by the count", lseek(src, 0, SEEK_CUR), 10000);
	CHECK_EQ("and the output file position", lseek(dst, 0, SEEK_CUR), 10000);
	CHECK_EQ("the destination is 10000 bytes long", size_of(dst), 10000);
	CHECK_EQ("pread it back", pread(dst, got, 10000, 0), 10000);
	CHECK("with the source's bytes", memcmp(got, data, 10000) == 0);
	CHECK_EQ("copying again from the input position, now at EOF, returns 0",
		 cfr(src, NULL, dst, NULL, 100, 0), 0);

	int64_t oin = 100, oout = 0;
	lseek(src, 0, SEEK_SET);
	lseek(dst, 0, SEEK_SET);
	ftruncate(dst, 0);
	CHECK_EQ("copy_file_range of 500 bytes with offsets (in 100, out 0)", cfr(src, &oin, dst, &oout, 500, 0), 500);
	CHECK_EQ("advances the input offset variable", oin, 600);
	CHECK_EQ("and the output offset variable", oout, 500);
	CHECK_EQ("but not the input file position", lseek(src, 0, SEEK_CUR), 0);
	CHECK_EQ("nor the output file position", lseek(dst, 0, SEEK_CUR), 0);
	memset(got, 0, 500);
	pread(dst, got, 500, 0);
	CHECK("the bytes copied are source bytes 100..599", memcmp(got, data + 100, 500) == 0);
	oin = 10000;
	CHECK_EQ("copying from an input offset at EOF returns 0", cfr(src, &oin, dst, &oout, 100, 0), 0);
	oin = 20000;
	CHECK_EQ("copying from past EOF returns 0", cfr(src, &oin, dst, &oout, 100, 0), 0);
	CHECK_EQ("and leaves the offset alone", oin, 20000);
	oin = 9000;
	oout = 0;
	CHECK_EQ("a length past EOF (9000 + 5000) copies up to EOF: 1000 bytes",
		 cfr(src, &oin, dst, &oout, 5000, 0), 1000);
	CHECK_EQ("the input offset ends at EOF", oin, 10000);
	pread(dst, got, 1000, 0);
	CHECK("the bytes copied are the source's last 1000", memcmp(got, data + 9000, 1000) == 0);

	oin = 0, oout = 0;
	CHECK_ERR("flags != 0 is EINVAL", cfr(src, &oin, dst, &oout, 100, 1), EINVAL);
	int wo = open(spath, O_WRONLY), ro = open(dpath, O_RDONLY), ap = open(dpath, O_WRONLY | O_APPEND);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	int p[2] = { -1, -1 };
	CHECK_OK("a pipe", pipe(p));
	CHECK_ERR("input opened O_WRONLY is EBADF", cfr(wo, NULL, dst, NULL, 100, 0), EBADF);
	CHECK_ERR("output opened O_RDONLY is EBADF", cfr(src, &oin, ro, NULL, 100, 0), EBADF);
	CHECK_ERR("output opened O_APPEND is EBADF", cfr(src, &oin, ap, NULL, 100, 0), EBADF);
	CHECK_ERR("a directory as input is EISDIR", cfr(dfd, NULL, dst, &oout, 100, 0), EISDIR);
	write(p[1], "piped", 5);
	CHECK_ERR("a pipe as input is EINVAL", cfr(p[0], NULL, dst, &oout, 5, 0), EINVAL);
	CHECK_ERR("a pipe as output is EINVAL", cfr(src, &oin, p[1], NULL, 5, 0), EINVAL);
	CHECK_ERR("an fd that is not open is EBADF", cfr(src, &oin, 999, NULL, 5, 0), EBADF);
	CHECK_ERR("a bad input offset pointer is EFAULT", cfr(src, (int64_t *)1, dst, &oout, 100, 0), EFAULT);
	CHECK_ERR("a bad output offset pointer is EFAULT", cfr(src, &oin, dst, (int64_t *)1, 100, 0), EFAULT);
	/* Linux checks "pos + count < pos" in unsigned 64-bit arithmetic
	 * (generic_copy_file_checks), so a negative offset is a range that
	 * wraps: EOVERFLOW, before anything else could say EINVAL. */
	oin = -1;
	CHECK_ERR("a negative input offset is EOVERFLOW", cfr(src, &oin, dst, &oout, 100, 0), EOVERFLOW);
	oin = 0, oout = -1;
	CHECK_ERR("a negative output offset is EOVERFLOW", cfr(src, &oin, dst, &oout, 100, 0), EOVERFLOW);

	oin = 0, oout = 100;
	CHECK_ERR("within one file, overlapping ranges (0..999 to 100..1099) are EINVAL",
		  cfr(src, &oin, src, &oout, 1000, 0), EINVAL);
	oin = 0, oout = 5000;
	CHECK_EQ("within one file, ranges that do not overlap (0..999 to 5000..5999) copy",
		 cfr(src, &oin, src, &oout, 1000, 0), 1000);
	pread(src, got, 1000, 5000);
	CHECK("the bytes at 5000 are now the first 1000", memcmp(got, data, 1000) == 0);
	CHECK_EQ("and the file is still 10000 bytes long", size_of(src), 10000);

	close(p[0]);
	close(p[1]);
	close(dfd);
	close(ap);
	close(ro);
	close(wo);
	close(dst);
	close(src);
	unlink(spath);
	unlink(dpath);
}

static void test_fallocate(void)
{
	const char *path = path_of("falloc");
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK_OK("create an empty file", fd);
	if (fd < 0)
		return;
	long long b0 = blocks_of(fd);
	CHECK_OK("fallocate mode 0 of 3 pages", falloc(fd, 0, 0, 3 * PG));
	CHECK_EQ("extends st_size to 3 pages", size_of(fd), 3 * PG);
	long long b1 = blocks_of(fd);
	CHECK("and allocates: st_blocks grows by at least 3 pages (24 x 512 bytes)", b1 >= b0 + 24);
	CHECK("the allocated range reads as zeros", reads_as(fd, 0, 3 * PG, 0));
	CHECK_OK("fallocate FALLOC_FL_KEEP_SIZE of 2 pages past EOF",
		 falloc(fd, FALLOC_FL_KEEP_SIZE, 3 * PG, 2 * PG));
	CHECK_EQ("keeps st_size", size_of(fd), 3 * PG);
	CHECK("but st_blocks grows by at least 2 pages (16 x 512 bytes)", blocks_of(fd) >= b1 + 16);
	char c = 1;
	CHECK_EQ("reading past EOF still returns 0 bytes", pread(fd, &c, 1, 3 * PG), 0);
	close(fd);
	unlink(path);

	path = path_of("punch");
	fd = make_file("punch", 4 * PG, 'x');
	CHECK_OK("a file of 4 pages of 'x' written with write(2)", fd);
	if (fd < 0)
		return;
	fsync(fd); /* so that st_blocks counts blocks on every file system */
	long long before = blocks_of(fd);
	CHECK("it takes at least 4 pages of blocks", before >= 32);
	CHECK_OK("fallocate PUNCH_HOLE|KEEP_SIZE of pages 1 and 2",
		 falloc(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, PG, 2 * PG));
	CHECK("the punched pages read as zeros", reads_as(fd, PG, 2 * PG, 0));
	CHECK("the pages around them keep their 'x'", reads_as(fd, 0, PG, 'x') && reads_as(fd, 3 * PG, PG, 'x'));
	CHECK_EQ("st_size is unchanged", size_of(fd), 4 * PG);
	long long after = blocks_of(fd);
	CHECK("st_blocks shrinks by the 2 pages (16 x 512 bytes)", after <= before - 16);
	CHECK_OK("punching bytes 100..299 of page 0",
		 falloc(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 100, 200));
	CHECK("zeroes just those bytes",
	      reads_as(fd, 0, 100, 'x') && reads_as(fd, 100, 200, 0) && reads_as(fd, 300, PG - 300, 'x'));
	CHECK_EQ("and keeps st_size", size_of(fd), 4 * PG);
	CHECK_ERR("PUNCH_HOLE without KEEP_SIZE is EOPNOTSUPP", falloc(fd, FALLOC_FL_PUNCH_HOLE, 0, PG), EOPNOTSUPP);
	CHECK("and punches nothing", reads_as(fd, 0, 100, 'x'));
	CHECK_ERR("len 0 is EINVAL", falloc(fd, 0, 0, 0), EINVAL);
	CHECK_ERR("a negative len is EINVAL", falloc(fd, 0, 0, -PG), EINVAL);
	CHECK_ERR("a negative offset is EINVAL", falloc(fd, 0, -PG, PG), EINVAL);
	CHECK_ERR("offset + len past the largest file size is EFBIG",
		  falloc(fd, 0, INT64_MAX - 10, 100), EFBIG);
	int ro = open(path, O_RDONLY);
	CHECK_ERR("an fd opened O_RDONLY is EBADF", falloc(ro, 0, 0, PG), EBADF);
	/* A directory can only be opened read-only, so it is EBADF before
	 * anything looks at the file type: nothing more to check there. */
	int p[2] = { -1, -1 };
	CHECK_OK("a pipe", pipe(p));
	CHECK_ERR("the write end of a pipe is ESPIPE", falloc(p[1], 0, 0, PG), ESPIPE);
	CHECK_ERR("its read end (not writable) is EBADF", falloc(p[0], 0, 0, PG), EBADF);
	close(p[0]);
	close(p[1]);
	close(ro);
	close(fd);
	unlink(path);
}

static void test_holes(void)
{
	const char *path = path_of("holes");
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK_OK("create an empty file", fd);
	if (fd < 0)
		return;
	CHECK_EQ("lseek to 1 MiB", lseek(fd, MiB, SEEK_SET), MiB);
	CHECK_EQ("write 1 byte there", write(fd, "!", 1), 1);
	CHECK_EQ("the file is 1 MiB + 1 long", size_of(fd), MiB + 1);
	CHECK("bytes 0..1 MiB - 1 read as zeros", reads_as(fd, 0, MiB, 0));
	CHECK("the last byte is the one written", reads_as(fd, MiB, 1, '!'));
	fsync(fd);
	long long b = blocks_of(fd);
	CHECK("st_blocks is small (< 64): the first MiB is a hole", b >= 0 && b < 64);
	CHECK_OK("ftruncate to 2 GiB", ftruncate(fd, 2 * GiB));
	CHECK_EQ("st_size is 2 GiB", size_of(fd), 2 * GiB);
	CHECK_EQ("st_blocks is unchanged", blocks_of(fd), b);
	CHECK("the new part reads as zeros", reads_as(fd, 2 * GiB - PG, PG, 0));
	close(fd);
	unlink(path);
}

/* Forks a child that execs path with arg: stdin is stdin_fd, fd 3 is
 * fd3 (when >= 0); every other fd of ours is closed by O_CLOEXEC. The
 * child exits with errno when the exec fails. */
static pid_t spawn(const char *path, const char *arg, int stdin_fd, int fd3)
{
	pid_t pid = fork_child();
	if (pid == 0) {
		/* Out of the way first, so that neither dup2 clobbers the other. */
		int in = stdin_fd >= 0 ? fcntl(stdin_fd, F_DUPFD_CLOEXEC, 20) : -1;
		int three = fd3 >= 0 ? fcntl(fd3, F_DUPFD_CLOEXEC, 20) : -1;
		if (in >= 0)
			dup2(in, 0);
		if (three >= 0)
			dup2(three, 3);
		char *argv[] = { (char *)path, (char *)arg, NULL };
		execv(path, argv);
		_exit(errno);
	}
	return pid;
}

static void test_etxtbsy(void)
{
	const char *prog = path_of("prog");
	static char exe[4 << 20];
	ssize_t len = 0, r;
	int in = open("/proc/self/exe", O_RDONLY);
	CHECK_OK("open /proc/self/exe", in);
	while (in >= 0 && len < (ssize_t)sizeof exe && (r = read(in, exe + len, sizeof exe - len)) > 0)
		len += r;
	if (in >= 0)
		close(in);
	CHECK("read all of it", len > 0 && len < (ssize_t)sizeof exe);
	int fd = open(prog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	CHECK_OK("create \"prog\" (mode 0755) in the directory", fd);
	CHECK_EQ("copy this program into it", write(fd, exe, len), len);
	CHECK_OK("close it", close(fd));
	if (fd < 0)
		return;

	int stdin_pipe[2], ready[2];
	if (pipe2(stdin_pipe, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0) {
		CHECK("pipes for the child", 0);
		return;
	}
	pid_t pid = spawn(prog, "--wait", stdin_pipe[0], ready[1]);
	close(stdin_pipe[0]);
	close(ready[1]);
	char c = 0;
	CHECK_EQ("a child runs \"prog --wait\" (it says so on fd 3)", read(ready[0], &c, 1), 1);
	close(ready[0]);
	CHECK_ERR("while it runs, open O_WRONLY is ETXTBSY", open(prog, O_WRONLY), ETXTBSY);
	CHECK_ERR("open O_RDWR is ETXTBSY", open(prog, O_RDWR), ETXTBSY);
	CHECK_ERR("open O_WRONLY|O_TRUNC is ETXTBSY", open(prog, O_WRONLY | O_TRUNC), ETXTBSY);
	CHECK_ERR("truncate(2) is ETXTBSY", truncate(prog, 0), ETXTBSY);
	struct stat st;
	stat(prog, &st);
	CHECK_EQ("and the file is intact", st.st_size, len);
	fd = open(prog, O_RDONLY);
	CHECK_OK("open O_RDONLY works", fd);
	if (fd >= 0)
		close(fd);
	close(stdin_pipe[1]); /* EOF on its stdin: it exits */
	CHECK_EQ("the child exits when its stdin is closed", wait_code(pid), 0);
	fd = open(prog, O_WRONLY);
	CHECK_OK("after it exited, open O_WRONLY works", fd);
	if (fd >= 0)
		close(fd);

	/* The reverse: what is open for writing cannot be executed. */
	fd = open(prog, O_WRONLY | O_CLOEXEC);
	CHECK_OK("hold \"prog\" open O_WRONLY", fd);
	pid = spawn(prog, "--exit", -1, -1);
	CHECK_EQ("execve of it in a child is ETXTBSY (the child's exit code)", wait_code(pid), ETXTBSY);
	if (fd >= 0)
		close(fd);
	pid = spawn(prog, "--exit", -1, -1);
	CHECK_EQ("once it is closed, the exec works (\"prog --exit\" exits 0)", wait_code(pid), 0);
	unlink(prog);
}

/* 5: sendfile(2) to a pipe nobody reads: the writer gets SIGPIPE, as
 * write(2) would; with SIGPIPE ignored, EPIPE. */
static void test_sendfile_sigpipe(void)
{
	int fd = make_file("sf", 1000, 's');
	int p[2];
	CHECK_OK("a pipe", pipe(p));
	close(p[0]);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		off_t off = 0;
		syscall(SYS_sendfile, p[1], fd, &off, 1000);
		_exit(0);
	}
	int status = 0;
	waitpid(c, &status, 0);
	CHECK("sendfile to a pipe with no reader: SIGPIPE ends the writer", WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE);
	signal(SIGPIPE, SIG_IGN);
	off_t off = 0;
	CHECK_ERR("with SIGPIPE ignored, EPIPE", syscall(SYS_sendfile, p[1], fd, &off, 1000), EPIPE);
	signal(SIGPIPE, SIG_DFL);
	close(p[1]);
	close(fd);
	CHECK_OK("remove sf", unlink(path_of("sf")));
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--wait") == 0) {
		/* The copy run by group 4: say it runs, then wait for EOF. */
		char c;
		if (write(3, "r", 1) != 1)
			return 2;
		close(3);
		while (read(0, &c, 1) > 0)
			;
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--exit") == 0)
		return 0;

	alarm(20);
	if (!mkdtemp(dir)) {
		CHECK("mkdtemp under /tmp", 0);
		NST_DONE();
	}
	if (wanted(argc, argv, 1))
		test_copy_file_range();
	if (wanted(argc, argv, 2))
		test_fallocate();
	if (wanted(argc, argv, 3))
		test_holes();
	if (wanted(argc, argv, 4))
		test_etxtbsy();
	if (wanted(argc, argv, 5))
		test_sendfile_sigpipe();
	CHECK_OK("remove the temporary directory (every file was removed)", rmdir(dir));
	NST_DONE();
}
