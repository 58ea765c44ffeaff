/*
 * file_test: open(2), read(2), write(2), lseek(2), pread/pwrite, readv/writev,
 * ftruncate(2), fstat(2) on regular files, with the errors the man pages give.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "nstest.h"

int main(void)
{
	char dir[] = "/tmp/nst-file-XXXXXX", path[128], buf[64];
	struct stat st;
	int fd, fd2;

	CHECK("mkdtemp", mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/f", dir);

	fd = open(path, O_CREAT | O_EXCL | O_RDWR, 0640);
	CHECK_OK("open O_CREAT|O_EXCL creates", fd);
	CHECK_ERR("O_EXCL on an existing file is EEXIST", open(path, O_CREAT | O_EXCL | O_RDWR, 0640), EEXIST);
	CHECK_EQ("write returns the count", write(fd, "hello world", 11), 11);
	CHECK_EQ("lseek SEEK_CUR reports the offset", lseek(fd, 0, SEEK_CUR), 11);
	CHECK_EQ("lseek SEEK_SET", lseek(fd, 6, SEEK_SET), 6);
	memset(buf, 0, sizeof buf);
	CHECK_EQ("read after seek", read(fd, buf, sizeof buf), 5);
	CHECK_STR("read the tail", buf, "world");
	CHECK_EQ("read at EOF returns 0", read(fd, buf, sizeof buf), 0);
	CHECK_ERR("lseek to a negative offset is EINVAL", lseek(fd, -100, SEEK_SET), EINVAL);
	CHECK_EQ("pwrite does not move the offset", pwrite(fd, "HELLO", 5, 0), 5);
	CHECK_EQ("offset unchanged by pwrite", lseek(fd, 0, SEEK_CUR), 11);
	memset(buf, 0, sizeof buf);
	CHECK_EQ("pread", pread(fd, buf, 5, 0), 5);
	CHECK_STR("pread sees pwrite's data", buf, "HELLO");

	struct iovec iov[2] = { { "ab", 2 }, { "cd", 2 } };
	CHECK_EQ("writev gathers", writev(fd, iov, 2), 4);
	char a[3] = { 0 }, b[4] = { 0 };
	struct iovec riov[2] = { { a, 2 }, { b, 3 } };
	lseek(fd, 9, SEEK_SET);
	CHECK_EQ("readv scatters", readv(fd, riov, 2), 5);
	CHECK_STR("first iovec", a, "ld");
	CHECK_STR("second iovec", b, "abc");

	CHECK_OK("fstat", fstat(fd, &st));
	CHECK_EQ("st_size", st.st_size, 15);
	CHECK("S_ISREG", S_ISREG(st.st_mode));
	CHECK_EQ("permission bits (umask 022 keeps 0640)", st.st_mode & 0777, 0640 & ~022);
	CHECK_EQ("one link", st.st_nlink, 1);
	CHECK_OK("ftruncate shrinks", ftruncate(fd, 3));
	fstat(fd, &st);
	CHECK_EQ("size after ftruncate", st.st_size, 3);
	CHECK_OK("ftruncate grows", ftruncate(fd, 4096));
	memset(buf, 1, sizeof buf);
	CHECK_EQ("pread in the grown part", pread(fd, buf, 4, 100), 4);
	CHECK("grown part reads as zeros", buf[0] == 0 && buf[3] == 0);
	close(fd);

	fd = open(path, O_WRONLY | O_APPEND);
	CHECK_OK("open O_APPEND", fd);
	lseek(fd, 0, SEEK_SET);
	CHECK_EQ("append write", write(fd, "Z", 1), 1);
	CHECK_EQ("O_APPEND wrote at the end", lseek(fd, 0, SEEK_CUR), 4097);
	CHECK_ERR("read on O_WRONLY is EBADF", read(fd, buf, 1), EBADF);
	close(fd);

	fd = open(path, O_RDONLY);
	CHECK_ERR("write on O_RDONLY is EBADF", write(fd, "x", 1), EBADF);
	CHECK_ERR("read into a bad pointer is EFAULT", read(fd, (void *)1, 4), EFAULT);
	close(fd);
	fd = open(path, O_RDWR | O_TRUNC);
	fstat(fd, &st);
	CHECK_EQ("O_TRUNC empties the file", st.st_size, 0);
	close(fd);

	CHECK_ERR("O_DIRECTORY on a file is ENOTDIR", open(path, O_RDONLY | O_DIRECTORY), ENOTDIR);
	CHECK_ERR("opening a directory for writing is EISDIR", open(dir, O_WRONLY), EISDIR);
	CHECK_ERR("missing file is ENOENT", open("/tmp/nst-does-not-exist/x", O_RDONLY), ENOENT);
	CHECK_ERR("a file as a directory is ENOTDIR", open("/etc/passwd/x", O_RDONLY), ENOTDIR);
	CHECK_ERR("close of a bad fd is EBADF", close(9999), EBADF);
	CHECK_ERR("read of a bad fd is EBADF", read(-1, buf, 1), EBADF);
	CHECK_ERR("open with a bad path pointer is EFAULT", open((char *)1, O_RDONLY), EFAULT);

	fd2 = open("/dev/null", O_RDWR);
	CHECK_EQ("/dev/null swallows writes", write(fd2, "abc", 3), 3);
	CHECK_EQ("/dev/null reads EOF", read(fd2, buf, 8), 0);
	close(fd2);
	fd2 = open("/dev/zero", O_RDONLY);
	memset(buf, 7, 8);
	CHECK_EQ("/dev/zero fills", read(fd2, buf, 8), 8);
	CHECK("/dev/zero reads zeros", buf[0] == 0 && buf[7] == 0);
	close(fd2);

	unlink(path);
	rmdir(dir);
	NST_DONE();
}
