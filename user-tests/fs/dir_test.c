/*
 * dir_test: mkdir(2), rmdir(2), unlink(2), rename(2)/renameat2(2),
 * symlink(2), readlink(2), link(2), getdents64(2), getcwd(2), chdir(2),
 * fchdir(2), chmod(2), utimensat(2) — results and errnos as the man pages say.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nstest.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#endif

static void touch(const char *path, const char *data)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd >= 0) {
		write(fd, data, strlen(data));
		close(fd);
	}
}

static int count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		n++;
	closedir(d);
	return n;
}

int main(void)
{
	char dir[] = "/tmp/nst-dir-XXXXXX", p1[128], p2[128], p3[128], buf[PATH_MAX];
	struct stat st, st2;

	CHECK("mkdtemp", mkdtemp(dir) != NULL);
	CHECK_OK("chdir into it", chdir(dir));
	CHECK("getcwd", getcwd(buf, sizeof buf) != NULL);
	CHECK_STR("getcwd names it", buf, dir);
	CHECK_ERR("getcwd with a tiny buffer is ERANGE", syscall(SYS_getcwd, buf, 2), ERANGE);

	CHECK_OK("mkdir", mkdir("sub", 0755));
	CHECK_ERR("mkdir existing is EEXIST", mkdir("sub", 0755), EEXIST);
	CHECK_ERR("mkdir under a missing dir is ENOENT", mkdir("nope/x", 0755), ENOENT);
	stat(".", &st);
	CHECK_EQ("a subdirectory adds a link to its parent", st.st_nlink, 3);
	touch("sub/a", "aaa");
	CHECK_ERR("rmdir of a non-empty dir is ENOTEMPTY", rmdir("sub"), ENOTEMPTY);
	CHECK_ERR("unlink of a directory is EISDIR", unlink("sub"), EISDIR);
	CHECK_ERR("rmdir of a file is ENOTDIR", rmdir("sub/a"), ENOTDIR);
	CHECK_EQ("readdir sees . .. and a", count_entries("sub"), 3);

	CHECK_OK("link", link("sub/a", "hard"));
	stat("sub/a", &st);
	stat("hard", &st2);
	CHECK_EQ("hard links share the inode", st.st_ino, st2.st_ino);
	CHECK_EQ("two links", st.st_nlink, 2);
	CHECK_ERR("link to a directory is EPERM", link("sub", "dirlink"), EPERM);

	CHECK_OK("symlink", symlink("sub/a", "sym"));
	memset(buf, 0, sizeof buf);
	CHECK_EQ("readlink returns the target length", readlink("sym", buf, sizeof buf), 5);
	CHECK_STR("readlink target, no NUL added", buf, "sub/a");
	CHECK_ERR("readlink of a file is EINVAL", readlink("hard", buf, sizeof buf), EINVAL);
	CHECK_OK("lstat sees the link", lstat("sym", &st));
	CHECK("lstat S_ISLNK", S_ISLNK(st.st_mode));
	CHECK_OK("stat follows it", stat("sym", &st));
	CHECK("stat S_ISREG", S_ISREG(st.st_mode));
	CHECK_OK("symlink loop", symlink("loop", "loop"));
	CHECK_ERR("following a loop is ELOOP", open("loop", O_RDONLY), ELOOP);
	CHECK_ERR("O_NOFOLLOW on a link is ELOOP", open("sym", O_RDONLY | O_NOFOLLOW), ELOOP);

	touch("b", "bbb");
	CHECK_OK("rename a file", rename("b", "c"));
	CHECK_ERR("old name is gone", access("b", F_OK), ENOENT);
	CHECK_ERR("RENAME_NOREPLACE onto an existing name is EEXIST",
		  syscall(SYS_renameat2, AT_FDCWD, "c", AT_FDCWD, "hard", RENAME_NOREPLACE), EEXIST);
	CHECK_OK("RENAME_EXCHANGE swaps",
		 syscall(SYS_renameat2, AT_FDCWD, "c", AT_FDCWD, "hard", RENAME_EXCHANGE));
	stat("c", &st2);
	CHECK_EQ("c is now the old 'hard'", st2.st_ino, st.st_ino);
	CHECK_ERR("a directory into itself is EINVAL", rename("sub", "sub/inner"), EINVAL);
	CHECK_ERR("a file over a directory is EISDIR", rename("c", "sub"), EISDIR);

	CHECK_OK("chmod", chmod("c", 0600));
	stat("c", &st);
	CHECK_EQ("chmod sets the bits", st.st_mode & 07777, 0600);
	struct timespec times[2] = { { 1000000000, 0 }, { 1234567890, 500 } };
	CHECK_OK("utimensat", utimensat(AT_FDCWD, "c", times, 0));
	stat("c", &st);
	CHECK_EQ("mtime set", st.st_mtim.tv_sec, 1234567890);
	CHECK_EQ("atime set", st.st_atim.tv_sec, 1000000000);

	int dfd = open("sub", O_RDONLY | O_DIRECTORY);
	CHECK_OK("open a directory", dfd);
	CHECK_OK("openat relative to a dirfd", close(openat(dfd, "a", O_RDONLY)));
	CHECK_OK("fchdir", fchdir(dfd));
	getcwd(buf, sizeof buf);
	snprintf(p1, sizeof p1, "%s/sub", dir);
	CHECK_STR("cwd after fchdir", buf, p1);
	CHECK_OK("chdir ..", chdir(".."));
	close(dfd);

	snprintf(p2, sizeof p2, "%s/sub/a", dir);
	snprintf(p3, sizeof p3, "%s/sub", dir);
	unlink(p2);
	rmdir(p3);
	unlink("hard");
	unlink("c");
	unlink("sym");
	unlink("loop");
	chdir("/");
	CHECK_OK("rmdir the emptied dir", rmdir(dir));
	NST_DONE();
}
