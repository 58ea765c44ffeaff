/*
 * tmpfs_test: the limits of tmpfs (tmpfs(5)) and memory given back when a
 * tmpfs file is deleted. As root, in a private mount namespace of its own
 * (unshare(CLONE_NEWNS), then / made rprivate, so nothing reaches the
 * host's mounts), the test mounts tmpfs on a fresh directory under /tmp:
 *  - size=8m: statfs(2) shows 8 MiB in pages (f_bsize is the page size);
 *    one write(2) of 16 MiB is short (exactly 8 MiB) and the next write is
 *    ENOSPC; deleting the file frees the blocks; remount with size=16m
 *    raises the limit, remount below what is in use is EINVAL;
 *  - nr_inodes=16: the root directory takes one inode, so 15 files (or
 *    directories) can be made and the 16th is ENOSPC; deleting one frees
 *    one;
 *  - a 64 MiB file on tmpfs adds 64 MiB to Shmem in /proc/meminfo and
 *    deleting it takes them off again (each within 4 MiB); MemAvailable after the
 *    delete is within 8 MiB of before the write (best of three rounds:
 *    other processes move MemAvailable too); writing and truncating
 *    64 MiB six times never runs out of memory.
 * Unprivileged, every check is skipped.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nstest.h"

#define MiB (1024L * 1024L)
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

static char dir[64];

static long long fs_bytes(const struct statfs *s, unsigned long long blocks)
{
	return (long long)(blocks * (unsigned long long)s->f_bsize);
}

/* The value of a "Key:  N kB" line of /proc/meminfo in bytes; -1 when missing. */
static long long meminfo(const char *key)
{
	char buf[8192], pat[64];
	int fd = open("/proc/meminfo", O_RDONLY);
	if (fd < 0)
		return -1;
	buf[0] = '\n';
	ssize_t n = read(fd, buf + 1, sizeof buf - 2);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n + 1] = 0;
	snprintf(pat, sizeof pat, "\n%s:", key);
	char *p = strstr(buf, pat);
	if (!p)
		return -1;
	return atoll(p + strlen(pat)) * 1024;
}

/* Writes len bytes in 1 MiB pieces; returns how many were written, errno kept. */
static long long write_all(int fd, const char *buf, long long len)
{
	long long done = 0;
	while (done < len) {
		long long want = len - done < MiB ? len - done : MiB;
		ssize_t r = write(fd, buf, want);
		if (r <= 0)
			break;
		done += r;
	}
	return done;
}

static void test_size(void)
{
	struct statfs s;
	char path[128];
	long page = sysconf(_SC_PAGESIZE);
	snprintf(path, sizeof path, "%s/big", dir);

	int m = mount("tmpfs", dir, "tmpfs", 0, "size=8m");
	CHECK_OK("mount tmpfs with size=8m", m);
	if (m < 0)
		return; /* never fill the directory underneath */
	CHECK_OK("statfs of the tmpfs", statfs(dir, &s));
	CHECK_EQ("its f_type is TMPFS_MAGIC", s.f_type, TMPFS_MAGIC);
	CHECK_EQ("its f_bsize is the page size", s.f_bsize, page);
	CHECK_EQ("f_blocks * f_bsize is 8 MiB", fs_bytes(&s, s.f_blocks), 8 * MiB);
	CHECK_EQ("all of it is free: f_bfree == f_blocks", s.f_bfree, s.f_blocks);
	CHECK_EQ("and available: f_bavail == f_blocks", s.f_bavail, s.f_blocks);

	char *buf = malloc(16 * MiB);
	CHECK("a 16 MiB buffer", buf != NULL);
	if (!buf)
		return;
	memset(buf, 0x6b, 16 * MiB);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK_OK("create a file on it", fd);
	CHECK_EQ("one write(2) of 16 MiB is short: exactly 8 MiB are written", write(fd, buf, 16 * MiB), 8 * MiB);
	CHECK_ERR("the next write is ENOSPC", write(fd, buf, 4096), ENOSPC);
	struct stat st;
	fstat(fd, &st);
	CHECK_EQ("the file is 8 MiB long", st.st_size, 8 * MiB);
	statfs(dir, &s);
	CHECK_EQ("statfs: no block is free", s.f_bfree, 0);
	char c = 0;
	CHECK_EQ("the last byte was written", pread(fd, &c, 1, 8 * MiB - 1), 1);
	CHECK_EQ("with the data given", c, 0x6b);
	close(fd);
	CHECK_OK("unlink the file", unlink(path));
	statfs(dir, &s);
	CHECK_EQ("statfs: every block is free again", s.f_bfree, s.f_blocks);

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK_EQ("writing 8 MiB in 1 MiB pieces fills it", write_all(fd, buf, 16 * MiB), 8 * MiB);
	CHECK_EQ("the piece after that is ENOSPC", errno, ENOSPC);
	CHECK_EQ("ftruncate to 4 MiB", ftruncate(fd, 4 * MiB), 0);
	statfs(dir, &s);
	CHECK_EQ("frees half: 4 MiB are free", fs_bytes(&s, s.f_bfree), 4 * MiB);

	CHECK_OK("remount with size=16m", mount(NULL, dir, NULL, MS_REMOUNT, "size=16m"));
	statfs(dir, &s);
	CHECK_EQ("statfs: f_blocks * f_bsize is 16 MiB", fs_bytes(&s, s.f_blocks), 16 * MiB);
	CHECK_EQ("the file is kept: 12 MiB are free", fs_bytes(&s, s.f_bfree), 12 * MiB);
	lseek(fd, 0, SEEK_END);
	CHECK_EQ("writing 12 MiB more now works", write_all(fd, buf, 12 * MiB), 12 * MiB);
	CHECK_ERR("and then the filesystem is full again: ENOSPC", write(fd, buf, 4096), ENOSPC);
	CHECK_ERR("remount with size=4m, below the 16 MiB in use, is EINVAL",
		  mount(NULL, dir, NULL, MS_REMOUNT, "size=4m"), EINVAL);
	statfs(dir, &s);
	CHECK_EQ("and keeps the old size", fs_bytes(&s, s.f_blocks), 16 * MiB);
	close(fd);
	free(buf);
	CHECK_OK("umount the tmpfs", umount(dir));
	CHECK_ERR("a bad size= value is EINVAL", mount("tmpfs", dir, "tmpfs", 0, "size=lots"), EINVAL);
	umount2(dir, MNT_DETACH); /* in case it was mounted after all */
}

static void test_inodes(void)
{
	struct statfs s;
	char path[128];
	int m = mount("tmpfs", dir, "tmpfs", 0, "nr_inodes=16,size=1m");
	CHECK_OK("mount tmpfs with nr_inodes=16", m);
	if (m < 0)
		return;
	CHECK_OK("statfs of it", statfs(dir, &s));
	CHECK_EQ("f_files is 16", s.f_files, 16);
	CHECK_EQ("f_ffree is 15: the root directory takes one", s.f_ffree, 15);
	int made = 0, fd = -1, err = 0;
	for (int i = 0; i < 40; i++) {
		snprintf(path, sizeof path, "%s/f%d", dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd < 0) {
			err = errno;
			break;
		}
		close(fd);
		made++;
	}
	CHECK_EQ("15 files can be created", made, 15);
	CHECK_EQ("the 16th create is ENOSPC", err, ENOSPC);
	statfs(dir, &s);
	CHECK_EQ("then f_ffree is 0", s.f_ffree, 0);
	snprintf(path, sizeof path, "%s/d", dir);
	CHECK_ERR("mkdir is ENOSPC too", mkdir(path, 0700), ENOSPC);
	snprintf(path, sizeof path, "%s/f0", dir);
	CHECK_OK("unlink one file", unlink(path));
	statfs(dir, &s);
	CHECK_EQ("frees its inode: f_ffree is 1", s.f_ffree, 1);
	snprintf(path, sizeof path, "%s/d", dir);
	CHECK_OK("then one mkdir works", mkdir(path, 0700));
	snprintf(path, sizeof path, "%s/g", dir);
	CHECK_ERR("and the next create is ENOSPC again", open(path, O_WRONLY | O_CREAT | O_EXCL, 0600), ENOSPC);
	CHECK_OK("remount with nr_inodes=32", mount(NULL, dir, NULL, MS_REMOUNT, "nr_inodes=32"));
	statfs(dir, &s);
	CHECK_EQ("statfs: f_files is 32", s.f_files, 32);
	CHECK_EQ("and f_ffree 16", s.f_ffree, 16);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CHECK_OK("now a create works", fd);
	if (fd >= 0)
		close(fd);
	CHECK_ERR("remount with nr_inodes=8, below the 17 in use, is EINVAL",
		  mount(NULL, dir, NULL, MS_REMOUNT, "nr_inodes=8"), EINVAL);
	CHECK_OK("umount it (its files go with it)", umount(dir));
}

/*
 * Linux counts tmpfs pages in Shmem (exactly, at once). MemAvailable is
 * noisier: other processes move it, and freed pages may first sit in the
 * per-CPU free lists, which MemFree does not count; so the give-back is
 * measured up to three times and one good round is enough.
 */
static void test_give_back(void)
{
	char path[128];
	snprintf(path, sizeof path, "%s/mem", dir);
	int m = mount("tmpfs", dir, "tmpfs", 0, "size=128m");
	CHECK_OK("mount a tmpfs with size=128m", m);
	if (m < 0)
		return;
	char *buf = malloc(MiB);
	if (!buf)
		return;
	memset(buf, 0x33, MiB);
	long long add0 = 0, add1 = 0, del1 = 0, del2 = 0, before = 0, after = 0, written = 0;
	int add_ok = 0, del_ok = 0, avail_ok = 0;
	int shm_moves;
	for (int tries = 0; tries < 3; tries++) {
		if (tries)
			usleep(tries * 100000);
		long long b = meminfo("MemAvailable"), s0 = meminfo("Shmem");
		int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		written = write_all(fd, buf, 64 * MiB);
		close(fd);
		long long s1 = meminfo("Shmem");
		unlink(path);
		long long s2 = meminfo("Shmem"), a = meminfo("MemAvailable");
		shm_moves = s1 != s0; /* a Shmem that never moves is not noise: no retry for it */
		if (!add_ok) {
			add0 = s0, add1 = s1;
			add_ok = s1 - s0 >= 60 * MiB && s1 - s0 <= 68 * MiB;
		}
		if (!del_ok) {
			del1 = s1, del2 = s2;
			del_ok = s1 - s2 >= 60 * MiB && s1 - s2 <= 68 * MiB;
		}
		if (!avail_ok) {
			before = b, after = a;
			avail_ok = b > 0 && a >= b - 8 * MiB;
		}
		if (((add_ok && del_ok) || !shm_moves) && avail_ok)
			break;
	}
	free(buf);
	CHECK_EQ("64 MiB written to a tmpfs file", written, 64 * MiB);
	nst_report(add_ok, "the file counts in Shmem of /proc/meminfo: +64 MiB (within 4 MiB)", __FILE__, __LINE__,
		   "Shmem went from %lld to %lld kB", add0 / 1024, add1 / 1024);
	nst_report(del_ok, "deleting it takes the 64 MiB off Shmem (within 4 MiB)", __FILE__, __LINE__,
		   "Shmem went from %lld to %lld kB", del1 / 1024, del2 / 1024);
	CHECK("MemAvailable is in /proc/meminfo", before > 0);
	nst_report(avail_ok, "deleting it gives the memory back: MemAvailable within 8 MiB of before the write",
		   __FILE__, __LINE__, "MemAvailable %lld kB before the write, %lld kB after the delete",
		   before / 1024, after / 1024);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	long long total = 0;
	buf = malloc(MiB);
	for (int i = 0; buf && fd >= 0 && i < 6; i++) {
		total += write_all(fd, buf, 64 * MiB);
		ftruncate(fd, 0);
		lseek(fd, 0, SEEK_SET);
	}
	free(buf);
	if (fd >= 0)
		close(fd);
	unlink(path);
	CHECK_EQ("writing and truncating 64 MiB six times (384 MiB in all) never runs out", total, 384 * MiB);
	CHECK_OK("umount it", umount(dir));
}

int main(void)
{
	alarm(25);
	if (geteuid() != 0) {
		printf("skip tmpfs size, nr_inodes and memory checks: they mount tmpfs, which needs root\n");
		NST_DONE();
	}
	snprintf(dir, sizeof dir, "/tmp/nst-tmpfs-XXXXXX");
	if (!mkdtemp(dir)) {
		CHECK("mkdtemp under /tmp", 0);
		NST_DONE();
	}
	/* Everything happens in a child, in its own mount namespace. */
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		alarm(25);
		int priv = unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
		CHECK("a private mount namespace: unshare(CLONE_NEWNS), / made rprivate", priv);
		if (priv) {
			test_size();
			test_inodes();
			test_give_back();
		}
		NST_DONE();
	}
	int status = 0;
	waitpid(pid, &status, 0);
	/* The mounts went with the child's namespace; only the directory is left. */
	rmdir(dir);
	if (WIFSIGNALED(status)) {
		printf("FAIL the test process died of signal %d\n", WTERMSIG(status));
		printf("0 passed, 1 failed\n");
		return 1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
