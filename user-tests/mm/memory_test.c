/*
 * memory_test: brk(2), mmap(2) (anonymous/file, private/shared),
 * munmap(2), mprotect(2), copy-on-write across fork(2), and SIGSEGV for
 * touching memory that is not mapped or not writable.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nstest.h"

/* Runs `fn` in a child; returns the signal that killed it (0 if none). */
static int dies_of(void (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static void write_to(void *p)
{
	*(volatile char *)p = 1;
}

int main(void)
{
	long page = sysconf(_SC_PAGESIZE);
	CHECK_EQ("page size", page, 4096);

	void *brk0 = (void *)syscall(SYS_brk, 0);
	void *brk1 = (void *)syscall(SYS_brk, (char *)brk0 + 3 * page);
	CHECK("brk grows", brk1 == (char *)brk0 + 3 * page);
	memset(brk0, 0x5a, 3 * page);
	CHECK("brk memory is usable", ((char *)brk0)[3 * page - 1] == 0x5a);
	syscall(SYS_brk, brk0);

	char *a = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK("anonymous mmap", a != MAP_FAILED);
	CHECK("anonymous memory is zeroed", a[0] == 0 && a[4 * page - 1] == 0);
	strcpy(a, "parent");
	int status;
	pid_t pid = fork();
	if (pid == 0) {
		strcpy(a, "child");
		_exit(strcmp(a, "child") == 0 ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	CHECK_EQ("the child wrote its own copy", WEXITSTATUS(status), 0);
	CHECK_STR("copy-on-write keeps the parent's data", a, "parent");

	char *s = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK("shared anonymous mmap", s != MAP_FAILED);
	pid = fork();
	if (pid == 0) {
		strcpy(s, "shared!");
		_exit(0);
	}
	waitpid(pid, &status, 0);
	CHECK_STR("MAP_SHARED is shared with the child", s, "shared!");

	CHECK_OK("munmap the middle", munmap(a + page, page));
	CHECK_EQ("touching an unmapped page is SIGSEGV", dies_of(write_to, a + page), SIGSEGV);
	CHECK_EQ("the pages around it still work", dies_of(write_to, a + 2 * page), 0);
	CHECK_OK("mprotect read-only", mprotect(a, page, PROT_READ));
	CHECK_EQ("writing read-only memory is SIGSEGV", dies_of(write_to, a), SIGSEGV);
	CHECK_STR("reading it still works", a, "parent");
	CHECK_ERR("mprotect of an unmapped range is ENOMEM", mprotect(a + page, page, PROT_READ), ENOMEM);
	/* musl rounds the address down itself, so ask the kernel directly. */
	CHECK_ERR("mprotect of an unaligned address is EINVAL", syscall(SYS_mprotect, a + 1, page, PROT_READ), EINVAL);
	CHECK_ERR("munmap of an unaligned address is EINVAL", munmap(a + 1, page), EINVAL);
	CHECK("mmap of length 0 is EINVAL",
	      mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL);
	CHECK("mmap without SHARED or PRIVATE is EINVAL",
	      mmap(NULL, page, PROT_READ, MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL);
	CHECK_EQ("NULL dereference is SIGSEGV", dies_of(write_to, NULL), SIGSEGV);

	char path[] = "/tmp/nst-mmap-XXXXXX";
	int fd = mkstemp(path);
	write(fd, "0123456789", 10);
	char *f = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK("file mmap", f != MAP_FAILED);
	CHECK("file contents are mapped", memcmp(f, "0123456789", 10) == 0);
	CHECK("beyond EOF in the page is zero", f[10] == 0);
	memcpy(f + 2, "AB", 2);
	munmap(f, page);
	char buf[11] = { 0 };
	pread(fd, buf, 10, 0);
	CHECK_STR("MAP_SHARED writes reach the file", buf, "01AB456789");
	char *pv = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	pv[0] = 'X';
	munmap(pv, page);
	pread(fd, buf, 10, 0);
	CHECK_STR("MAP_PRIVATE writes stay private", buf, "01AB456789");
	int ro = open(path, O_RDONLY);
	CHECK("shared writable mapping of a read-only fd is EACCES",
	      mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED && errno == EACCES);
	close(ro);
	close(fd);
	unlink(path);

	size_t big = 64 << 20;
	char *m = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK("64 MiB mapping", m != MAP_FAILED);
	for (size_t i = 0; i < big; i += page)
		m[i] = (char)i;
	CHECK("every page of it is usable", m[big - page] == (char)(big - page));
	munmap(m, big);
	NST_DONE();
}
