/*
 * pagecache_test: the page cache as mmap(2) sees it, on files in a fresh
 * mkdtemp(3) directory under /tmp (removed at the end):
 *  1. MAP_SHARED pages are the page cache: a store is seen at once by
 *     pread(2) and a pwrite(2) at once through the mapping (no msync), also
 *     between two processes that each mapped the file themselves;
 *  2. MAP_PRIVATE pages show the file until written; a written page is a
 *     private copy (a later pwrite to it is not seen, one to an unwritten
 *     page is), and a forked child's store stays in the child;
 *  3. after ftruncate(2), pages wholly past EOF give SIGBUS (private copies
 *     of them too: truncation drops them) and the partial last page reads
 *     zeros past EOF; the same for a mapping longer than the file;
 *  4. msync(2): MS_SYNC, MS_ASYNC, MS_INVALIDATE, and its EINVAL / ENOMEM;
 *  5. mremap(2): grow (in place or moved), shrink, MREMAP_FIXED,
 *     MREMAP_DONTUNMAP, old_size 0 duplicating a shared mapping, a moved
 *     shared file mapping, and the EINVAL / ENOMEM cases;
 *  6. mincore(2): file pages in the page cache are resident, anonymous
 *     pages once touched; its EINVAL / ENOMEM / EFAULT and length rounding;
 *  7. a 4 GiB sparse file mapped and written at its last page;
 *  8. mmap's EACCES for an fd opened without the access the mapping needs;
 *  9. MADV_DONTNEED on a private file mapping drops the private copy.
 * Arguments (e.g. "3 5") run only those groups. Only page-cache semantics
 * that Linux gives on every file system are checked (tmpfs and ext4 alike).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nsutil.h"

#ifndef MREMAP_MAYMOVE
#define MREMAP_MAYMOVE 1
#endif
#ifndef MREMAP_FIXED
#define MREMAP_FIXED 2
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

#define GiB (1024LL * 1024LL * 1024LL)

static long pg;
static char dir[] = "/tmp/nst-pagecache-XXXXXX";

#define path_of(name) path_in(dir, name)

/* Creates dir/name with `pages` pages, page i filled with 'a' + i by
 * write(2); returns an O_RDWR fd (or -1). */
static int make_file(const char *name, int pages)
{
	char buf[4096];
	int fd = open(path_of(name), O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	for (int i = 0; i < pages; i++) {
		memset(buf, 'a' + i, sizeof buf);
		if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Touches *p in a child (a load, or a store of 'W' when `store`): returns
 * the byte it then holds (0..255), or minus the signal that killed the
 * child. A kernel that wrongly faults cannot kill the test itself. */
static int touch_in_child(volatile char *p, int store)
{
	int status;
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return -1000;
	if (pid == 0) {
		if (store)
			*p = 'W';
		_exit((unsigned char)*p);
	}
	pid_t r;
	do
		r = waitpid(pid, &status, 0);
	while (r < 0 && errno == EINTR);
	if (r != pid)
		return -1001;
	return WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
}

static int load_in_child(volatile char *p)
{
	return touch_in_child(p, 0);
}

/* Whether no page of [p, p + len) is mapped: msync(2) says ENOMEM. */
static int unmapped(void *p, size_t len)
{
	for (size_t off = 0; off < len; off += pg) {
		errno = 0;
		if (msync((char *)p + off, pg, MS_ASYNC) != -1 || errno != ENOMEM)
			return 0;
	}
	return 1;
}

/* mremap(2) through the raw system call, so every argument reaches the
 * kernel as given; the new address or MAP_FAILED. */
static char *remap(void *old, size_t old_size, size_t new_size, int flags, void *new_addr)
{
	return (char *)syscall(SYS_mremap, old, old_size, new_size, flags, new_addr);
}

/* Whether len bytes at p all equal c. */
static int all_are(const char *p, size_t len, char c)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != c)
			return 0;
	return 1;
}

static void test_coherence(void)
{
	char buf[32] = { 0 };
	int fd = make_file("coherence", 3);
	CHECK_OK("create a 3-page file with write(2)", fd);
	char *m = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK("MAP_SHARED mapping of it", m != MAP_FAILED);
	if (fd < 0 || m == MAP_FAILED)
		return;
	CHECK("the mapping shows what write(2) wrote, page by page",
	      m[0] == 'a' && m[pg] == 'b' && m[3 * pg - 1] == 'c');
	memcpy(m + pg + 10, "stored", 6);
	CHECK_EQ("pread(2) right after a store through the mapping", pread(fd, buf, 6, pg + 10), 6);
	CHECK_STR("sees the store at once (no msync, no munmap)", buf, "stored");
	CHECK_EQ("pwrite(2) into the mapped range", pwrite(fd, "pwritten", 8, 2 * pg + 20), 8);
	CHECK("is seen at once through the mapping", memcmp(m + 2 * pg + 20, "pwritten", 8) == 0);

	/* A child maps the file on its own and stores; it stays alive (blocked on
	 * `go`) while the parent looks, so both mappings exist at once. */
	int ready[2], go[2];
	if (pipe(ready) < 0 || pipe(go) < 0) {
		CHECK("pipes for the child", 0);
		return;
	}
	const char *path = path_of("coherence");
	pid_t pid = fork_child();
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		int cfd = open(path, O_RDWR);
		char *cm = cfd < 0 ? MAP_FAILED : mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
		if (cm == MAP_FAILED)
			_exit(2);
		memcpy(cm + 100, "from the child", 14);
		if (write(ready[1], "w", 1) != 1)
			_exit(3);
		char c;
		while (read(go[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	char c = 0;
	CHECK_EQ("the child (own open and mmap after fork) stored and said so", read(ready[0], &c, 1), 1);
	CHECK("the parent's mapping sees the child's store", memcmp(m + 100, "from the child", 14) == 0);
	memset(buf, 0, sizeof buf);
	lseek(fd, 100, SEEK_SET);
	CHECK_EQ("read(2) at that offset", read(fd, buf, 14), 14);
	CHECK_STR("sees the child's store too", buf, "from the child");
	close(go[1]);
	close(ready[0]);
	CHECK_EQ("the child mapped and stored without error", wait_code(pid), 0);
	munmap(m, 3 * pg);
	close(fd);
	unlink(path);
}

static void test_private(void)
{
	char buf[32] = { 0 };
	int fd = make_file("private", 3);
	CHECK_OK("create a 3-page file", fd);
	char *p = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK("MAP_PRIVATE mapping of it", p != MAP_FAILED);
	if (fd < 0 || p == MAP_FAILED)
		return;
	CHECK("it shows the file (pages 0 and 2 read; page 1 left untouched)", p[0] == 'a' && p[2 * pg] == 'c');
	pwrite(fd, "early", 5, 0);
	CHECK("before any store, a pwrite(2) is seen through the private mapping", memcmp(p, "early", 5) == 0);
	memcpy(p + 10, "mine", 4);
	CHECK("a store to the private page reads back", memcmp(p + 10, "mine", 4) == 0);
	pread(fd, buf, 4, 10);
	CHECK_STR("but leaves the file unchanged (pread)", buf, "aaaa");
	pwrite(fd, "later", 5, 0);
	CHECK("a later pwrite to the stored-to page is not seen through it (the copy is private)",
	      memcmp(p, "early", 5) == 0 && memcmp(p + 10, "mine", 4) == 0);
	pwrite(fd, "other", 5, pg);
	pwrite(fd, "third", 5, 2 * pg);
	CHECK("a pwrite to a page it has read but not stored to is seen through it",
	      memcmp(p + 2 * pg, "third", 5) == 0);
	CHECK("and so is one to a page it never touched", memcmp(p + pg, "other", 5) == 0);

	pid_t pid = fork_child();
	if (pid == 0) {
		int ok = memcmp(p + 10, "mine", 4) == 0;
		memcpy(p + pg + 100, "child", 5);
		memcpy(p + 10, "kid!", 4);
		_exit(ok && memcmp(p + pg + 100, "child", 5) == 0 ? 0 : 1);
	}
	CHECK_EQ("a forked child sees the parent's private copy and its own stores", wait_code(pid), 0);
	CHECK("the child's stores to the private mapping are not seen by the parent",
	      memcmp(p + 10, "mine", 4) == 0 && p[pg + 100] == 'b');
	memset(buf, 0, sizeof buf);
	pread(fd, buf, 5, pg + 100);
	CHECK_STR("nor do they reach the file", buf, "bbbbb");
	munmap(p, 3 * pg);
	close(fd);
	unlink(path_of("private"));
}

static void test_truncate(void)
{
	int fd = make_file("truncate", 3);
	CHECK_OK("create a 3-page file", fd);
	char *s = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *v = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK("a MAP_SHARED and a MAP_PRIVATE mapping of all 3 pages", s != MAP_FAILED && v != MAP_FAILED);
	if (fd < 0 || s == MAP_FAILED || v == MAP_FAILED)
		return;
	CHECK("every page of the shared mapping is touched and reads the file",
	      s[0] == 'a' && s[pg] == 'b' && s[2 * pg] == 'c' && s[3 * pg - 1] == 'c');
	v[2 * pg] = 'P';
	CHECK("page 2 of the private mapping is written (a private copy)", v[2 * pg] == 'P' && s[2 * pg] == 'c');

	CHECK_OK("ftruncate the file to 1 page + 100 bytes", ftruncate(fd, pg + 100));
	CHECK_EQ("page 0 of the shared mapping still reads", load_in_child(s), 'a');
	CHECK_EQ("page 1 below EOF (byte 4195) still reads", load_in_child(s + pg + 99), 'b');
	CHECK_EQ("page 1 at EOF (byte 4196) reads 0: the tail was zeroed", load_in_child(s + pg + 100), 0);
	CHECK_EQ("the last byte of page 1 reads 0", load_in_child(s + 2 * pg - 1), 0);
	CHECK_EQ("a load from page 2, wholly past EOF, is SIGBUS", load_in_child(s + 2 * pg), -SIGBUS);
	CHECK_EQ("so is a store to page 2", touch_in_child(s + 3 * pg - 1, 1), -SIGBUS);
	CHECK_EQ("page 0 of the private mapping still reads", load_in_child(v), 'a');
	CHECK_EQ("the private copy of page 2 was dropped too: loading it is SIGBUS",
		 load_in_child(v + 2 * pg), -SIGBUS);

	char *l = mmap(NULL, 3 * pg, PROT_READ, MAP_SHARED, fd, 0);
	CHECK("a new 3-page mapping of the 1-page + 100-byte file", l != MAP_FAILED);
	if (l != MAP_FAILED) {
		CHECK_EQ("its partial last page reads the file below EOF", load_in_child(l + pg + 99), 'b');
		CHECK_EQ("and zeros past EOF", load_in_child(l + pg + 100), 0);
		CHECK_EQ("up to the end of that page", load_in_child(l + 2 * pg - 1), 0);
		CHECK_EQ("touching the page wholly past EOF is SIGBUS", load_in_child(l + 2 * pg), -SIGBUS);
		munmap(l, 3 * pg);
	}
	/* Last, as what it stores past EOF may or may not be zeroed later. */
	CHECK_EQ("a store in page 1 past EOF works (the page is partly in the file)",
		 touch_in_child(s + pg + 200, 1), 'W');
	struct stat st;
	fstat(fd, &st);
	CHECK_EQ("and does not change the file size", st.st_size, pg + 100);
	munmap(s, 3 * pg);
	munmap(v, 3 * pg);
	close(fd);
	unlink(path_of("truncate"));
}

static void test_msync(void)
{
	int fd = make_file("msync", 3);
	char *m = fd < 0 ? MAP_FAILED : mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK("a shared mapping of a 3-page file", m != MAP_FAILED);
	if (m == MAP_FAILED)
		return;
	m[5] = 'S';
	CHECK_OK("msync MS_SYNC", msync(m, 3 * pg, MS_SYNC));
	CHECK_OK("msync MS_ASYNC", msync(m, 3 * pg, MS_ASYNC));
	CHECK_OK("msync MS_INVALIDATE", msync(m, 3 * pg, MS_INVALIDATE));
	CHECK_OK("msync MS_SYNC|MS_INVALIDATE of one page", msync(m + pg, pg, MS_SYNC | MS_INVALIDATE));
	CHECK("the store is kept (MS_INVALIDATE does not drop shared data)", m[5] == 'S');
	CHECK_ERR("msync MS_SYNC|MS_ASYNC is EINVAL", msync(m, 3 * pg, MS_SYNC | MS_ASYNC), EINVAL);
	CHECK_ERR("msync with an unknown flag bit (8) is EINVAL", msync(m, 3 * pg, 8), EINVAL);
	CHECK_ERR("msync of an unaligned address is EINVAL", msync(m + 1, pg, MS_SYNC), EINVAL);
	munmap(m, 3 * pg);
	close(fd);
	unlink(path_of("msync"));

	char *a = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK("a 3-page anonymous mapping", a != MAP_FAILED);
	if (a == MAP_FAILED)
		return;
	CHECK_OK("munmap its middle page", munmap(a + pg, pg));
	CHECK_ERR("msync of all 3 pages (one not mapped) is ENOMEM", msync(a, 3 * pg, MS_SYNC), ENOMEM);
	CHECK_OK("msync of the mapped first page alone works", msync(a, pg, MS_SYNC));
	munmap(a, 3 * pg);
}

static void test_mremap(void)
{
	int anon = MAP_PRIVATE | MAP_ANONYMOUS, rw = PROT_READ | PROT_WRITE;

	/* Grow the first page of a 3-page mapping: the next page is taken. */
	char *a = mmap(NULL, 3 * pg, rw, anon, -1, 0);
	CHECK("a 3-page anonymous mapping", a != MAP_FAILED);
	if (a == MAP_FAILED)
		return;
	memset(a, 'A', pg);
	a[pg] = 'B';
	CHECK_ERR("growing its first page to 2 pages in place (next page mapped) is ENOMEM",
		  (long)remap(a, pg, 2 * pg, 0, NULL), ENOMEM);
	CHECK("and leaves it as it was", a[0] == 'A' && a[pg] == 'B');
	char *b = remap(a, pg, 2 * pg, MREMAP_MAYMOVE, NULL);
	CHECK("with MREMAP_MAYMOVE it moves to a new address", b != MAP_FAILED && b != a);
	if (b != MAP_FAILED && b != a) {
		CHECK("the moved page keeps its contents", all_are(b, pg, 'A'));
		CHECK("the added page is zeroed", b[pg] == 0 && b[2 * pg - 1] == 0);
		CHECK("the old address is unmapped (msync is ENOMEM)", unmapped(a, pg));
		CHECK("the rest of the old mapping stays", a[pg] == 'B');
		munmap(b, 2 * pg);
	}
	munmap(a + pg, 2 * pg);

	/* Shrink in place. */
	char *x = mmap(NULL, 3 * pg, rw, anon, -1, 0);
	if (x != MAP_FAILED) {
		x[0] = 's';
		CHECK("shrinking 3 pages to 1 returns the same address", remap(x, 3 * pg, pg, 0, NULL) == x);
		CHECK("keeps the first page", x[0] == 's');
		CHECK("and unmaps the tail", unmapped(x + pg, 2 * pg));
		munmap(x, pg);
	}

	/* Grow in place into pages just freed. */
	char *y = mmap(NULL, 4 * pg, rw, anon, -1, 0);
	if (y != MAP_FAILED) {
		y[0] = 'g';
		munmap(y + pg, 3 * pg);
		char *r = remap(y, pg, 3 * pg, 0, NULL);
		CHECK("growing 1 page to 3 when the next pages are free stays in place", r == y);
		if (r == y) {
			CHECK("keeps the first page, and the new pages are zeroed", y[0] == 'g' && y[2 * pg] == 0);
			y[3 * pg - 1] = 'e';
			CHECK("and writable", y[3 * pg - 1] == 'e');
			munmap(y, 3 * pg);
		} else {
			munmap(y, pg);
		}
	}

	/* MREMAP_FIXED to an address chosen by the test. */
	char *src = mmap(NULL, pg, rw, anon, -1, 0);
	char *dst = mmap(NULL, 2 * pg, rw, anon, -1, 0);
	if (src != MAP_FAILED && dst != MAP_FAILED) {
		strcpy(src, "fixed");
		munmap(dst, 2 * pg);
		CHECK("MREMAP_MAYMOVE|MREMAP_FIXED moves to the address asked for",
		      remap(src, pg, pg, MREMAP_MAYMOVE | MREMAP_FIXED, dst) == dst);
		CHECK_STR("the contents are there", dst, "fixed");
		CHECK("and the old address is unmapped", unmapped(src, pg));
		CHECK_ERR("MREMAP_FIXED without MREMAP_MAYMOVE is EINVAL",
			  (long)remap(dst, pg, pg, MREMAP_FIXED, dst + pg), EINVAL);
		munmap(dst, 2 * pg);
	}

	/* MREMAP_DONTUNMAP: the data moves, the old range stays mapped. */
	char *p = mmap(NULL, pg, rw, anon, -1, 0);
	if (p != MAP_FAILED) {
		strcpy(p, "dontunmap");
		char *q = remap(p, pg, pg, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
		CHECK("MREMAP_MAYMOVE|MREMAP_DONTUNMAP of a private anonymous page moves it",
		      q != MAP_FAILED && q != p);
		if (q != MAP_FAILED) {
			CHECK_STR("the new address has the data", q, "dontunmap");
			CHECK_OK("the old range stays mapped (msync works)", msync(p, pg, MS_ASYNC));
			CHECK("and reads zeros", all_are(p, pg, 0));
			CHECK_ERR("MREMAP_DONTUNMAP with a different new size is EINVAL",
				  (long)remap(q, pg, 2 * pg, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL), EINVAL);
			CHECK_ERR("MREMAP_DONTUNMAP without MREMAP_MAYMOVE is EINVAL",
				  (long)remap(q, pg, pg, MREMAP_DONTUNMAP, NULL), EINVAL);
			CHECK_ERR("an unaligned old address is EINVAL",
				  (long)remap(q + 1, pg, 2 * pg, MREMAP_MAYMOVE, NULL), EINVAL);
			CHECK_ERR("a new size of 0 is EINVAL", (long)remap(q, pg, 0, MREMAP_MAYMOVE, NULL), EINVAL);
			CHECK_ERR("old size 0 on a private mapping is EINVAL",
				  (long)remap(q, 0, pg, MREMAP_MAYMOVE, NULL), EINVAL);
			CHECK_STR("none of the failures touched it", q, "dontunmap");
			munmap(q, pg);
		}
		munmap(p, pg);
	}

	/* old_size 0 on a shared mapping: a second mapping of the same pages. */
	char *sh = mmap(NULL, pg, rw, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh != MAP_FAILED) {
		char *t = remap(sh, 0, pg, MREMAP_MAYMOVE, NULL);
		CHECK("old size 0 on a MAP_SHARED anonymous mapping makes a second mapping",
		      t != MAP_FAILED && t != sh);
		if (t != MAP_FAILED && t != sh) {
			strcpy(sh, "one");
			CHECK_STR("a store through the first is seen through the second", t, "one");
			strcpy(t, "two");
			CHECK_STR("and the other way round", sh, "two");
			munmap(t, pg);
		}
		CHECK_STR("the first mapping stays", sh, "two");
		munmap(sh, pg);
	}

	/* A shared file mapping that has to move to grow. */
	int fd = make_file("mremap", 3);
	char *f = fd < 0 ? MAP_FAILED : mmap(NULL, 2 * pg, rw, MAP_SHARED, fd, 0);
	CHECK("a 2-page shared mapping of a 3-page file", f != MAP_FAILED);
	if (f != MAP_FAILED) {
		char *g = remap(f, pg, 3 * pg, MREMAP_MAYMOVE, NULL);
		CHECK("growing its first page to 3 pages moves it", g != MAP_FAILED && g != f);
		if (g != MAP_FAILED && g != f) {
			CHECK("the moved mapping still shows the file's pages at their offsets",
			      g[0] == 'a' && g[pg] == 'b' && g[2 * pg] == 'c' && g[3 * pg - 1] == 'c');
			g[2 * pg + 1] = 'M';
			char c = 0;
			pread(fd, &c, 1, 2 * pg + 1);
			CHECK_EQ("and is still shared: a store in a grown page reaches the file", c, 'M');
			munmap(g, 3 * pg);
		}
		munmap(f + pg, pg);
	}
	if (fd >= 0)
		close(fd);
	unlink(path_of("mremap"));
}

static void test_mincore(void)
{
	unsigned char vec[4];
	int fd = make_file("mincore", 3);
	char *m = fd < 0 ? MAP_FAILED : mmap(NULL, 3 * pg, PROT_READ, MAP_SHARED, fd, 0);
	CHECK("a mapping of a 3-page file written with write(2)", m != MAP_FAILED);
	if (m != MAP_FAILED) {
		memset(vec, 0xee, sizeof vec);
		CHECK_OK("mincore of it, never touched", mincore(m, 3 * pg, vec));
		CHECK("all 3 pages are resident: they are in the page cache",
		      (vec[0] & 1) && (vec[1] & 1) && (vec[2] & 1));
		CHECK_EQ("the byte after the 3 is not written", vec[3], 0xee);
		munmap(m, 3 * pg);
	}
	if (fd >= 0)
		close(fd);
	unlink(path_of("mincore"));

	char *a = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK("a 3-page anonymous private mapping", a != MAP_FAILED);
	if (a == MAP_FAILED)
		return;
	memset(vec, 0xee, sizeof vec);
	CHECK_OK("mincore of it, never touched", mincore(a, 3 * pg, vec));
	CHECK("no page is resident", vec[0] == 0 && vec[1] == 0 && vec[2] == 0);
	a[pg] = 1;
	mincore(a, 3 * pg, vec);
	CHECK_EQ("after a store, that page is resident", vec[1] & 1, 1);
	memset(vec, 0xee, sizeof vec);
	CHECK_OK("mincore of 1 byte", mincore(a + pg, 1, vec));
	CHECK("is rounded up to the page: one byte of the vector, 1", (vec[0] & 1) && vec[1] == 0xee);
	CHECK_ERR("mincore of an unaligned address is EINVAL", mincore(a + 1, pg, vec), EINVAL);
	CHECK_ERR("mincore with a bad vector pointer is EFAULT", mincore(a, pg, (unsigned char *)1), EFAULT);
	munmap(a + 2 * pg, pg);
	CHECK_ERR("mincore of a range with an unmapped page is ENOMEM", mincore(a, 3 * pg, vec), ENOMEM);
	CHECK_ERR("mincore of a wholly unmapped page is ENOMEM", mincore(a + 2 * pg, pg, vec), ENOMEM);
	munmap(a, 2 * pg);
}

static void test_sparse(void)
{
	struct stat st;
	const char *path = path_of("sparse");
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK_OK("create a file", fd);
	if (fd < 0)
		return;
	CHECK_OK("ftruncate it to 4 GiB", ftruncate(fd, 4 * GiB));
	fstat(fd, &st);
	CHECK_EQ("st_size is 4 GiB", st.st_size, 4 * GiB);
	CHECK("st_blocks stays small (< 16): the file is a hole", st.st_blocks < 16);
	char *m = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4 * GiB - pg);
	CHECK("mmap 1 page shared at offset 4 GiB - 4096", m != MAP_FAILED);
	if (m != MAP_FAILED) {
		CHECK("the hole reads as zeros", all_are(m, pg, 0));
		memcpy(m + pg - 8, "the end", 8);
		char buf[8] = { 0 };
		CHECK_EQ("pread of the last 8 bytes", pread(fd, buf, 8, 4 * GiB - 8), 8);
		CHECK_STR("sees the store through the mapping", buf, "the end");
		CHECK_OK("munmap it", munmap(m, pg));
	}
	CHECK_OK("ftruncate to 0", ftruncate(fd, 0));
	fstat(fd, &st);
	CHECK_EQ("st_size is 0", st.st_size, 0);
	CHECK_EQ("st_blocks is 0: the page was freed", st.st_blocks, 0);
	close(fd);
	unlink(path);
}

static void test_access(void)
{
	const char *path = path_of("access");
	int fd = make_file("access", 1);
	int ro = open(path, O_RDONLY), wo = open(path, O_WRONLY);
	CHECK("the file opened O_RDONLY and O_WRONLY", fd >= 0 && ro >= 0 && wo >= 0);
	CHECK("MAP_SHARED|PROT_WRITE of an O_RDONLY fd is EACCES",
	      mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED && errno == EACCES);
	CHECK("MAP_SHARED|PROT_READ of an O_WRONLY fd is EACCES (every mapping needs read access)",
	      mmap(NULL, pg, PROT_READ, MAP_SHARED, wo, 0) == MAP_FAILED && errno == EACCES);
	CHECK("MAP_PRIVATE|PROT_READ of an O_WRONLY fd is EACCES too",
	      mmap(NULL, pg, PROT_READ, MAP_PRIVATE, wo, 0) == MAP_FAILED && errno == EACCES);
	char *s = mmap(NULL, pg, PROT_READ, MAP_SHARED, ro, 0);
	CHECK("MAP_SHARED|PROT_READ of the O_RDONLY fd works", s != MAP_FAILED);
	if (s != MAP_FAILED) {
		CHECK_ERR("mprotect(PROT_WRITE) of that shared read-only mapping is EACCES",
			  mprotect(s, pg, PROT_READ | PROT_WRITE), EACCES);
		munmap(s, pg);
	}
	char *p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
	CHECK("MAP_PRIVATE|PROT_WRITE of the O_RDONLY fd works", p != MAP_FAILED);
	if (p != MAP_FAILED) {
		p[0] = 'Z';
		char c = 0;
		pread(ro, &c, 1, 0);
		CHECK("a store to it works and stays private", p[0] == 'Z' && c == 'a');
		munmap(p, pg);
	}
	close(ro);
	close(wo);
	close(fd);
	unlink(path);
}

static void test_dontneed(void)
{
	int fd = make_file("dontneed", 2);
	char *p = fd < 0 ? MAP_FAILED : mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK("a private mapping of a 2-page file", p != MAP_FAILED);
	if (p != MAP_FAILED) {
		memset(p, 'Q', 16);
		CHECK("a store makes a private copy", p[0] == 'Q' && p[15] == 'Q');
		CHECK_OK("madvise(MADV_DONTNEED) of that page", madvise(p, pg, MADV_DONTNEED));
		CHECK("drops the copy: the page reads the file again", all_are(p, pg, 'a'));
		pwrite(fd, "fresh", 5, 0);
		CHECK("and follows the file again (a pwrite is seen)", memcmp(p, "fresh", 5) == 0);
		munmap(p, 2 * pg);
	}
	if (fd >= 0)
		close(fd);
	unlink(path_of("dontneed"));
}

int main(int argc, char **argv)
{
	alarm(20);
	pg = sysconf(_SC_PAGESIZE);
	CHECK_EQ("page size", pg, 4096);
	if (!mkdtemp(dir)) {
		CHECK("mkdtemp under /tmp", 0);
		NST_DONE();
	}
	if (wanted(argc, argv, 1))
		test_coherence();
	if (wanted(argc, argv, 2))
		test_private();
	if (wanted(argc, argv, 3))
		test_truncate();
	if (wanted(argc, argv, 4))
		test_msync();
	if (wanted(argc, argv, 5))
		test_mremap();
	if (wanted(argc, argv, 6))
		test_mincore();
	if (wanted(argc, argv, 7))
		test_sparse();
	if (wanted(argc, argv, 8))
		test_access();
	if (wanted(argc, argv, 9))
		test_dontneed();
	CHECK_OK("remove the temporary directory (every file was removed)", rmdir(dir));
	NST_DONE();
}
