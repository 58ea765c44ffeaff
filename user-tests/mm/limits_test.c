/*
 * limits_test: regression tests for the holes of issue 8 that live in
 * memory, files and time, each checked against Linux:
 *  - item 3: kernel memory a user sizes is bounded: an address space
 *    holds at most vm.max_map_count mappings (ENOMEM from mmap(2) past
 *    it, and from an mprotect(2) or munmap(2) that would split one), as
 *    do_mmap() and __split_vma() check;
 *  - item 4: mmap(2) of a procfs file fails (ENODEV from do_mmap() for
 *    /proc/PID files, EIO from proc_reg_mmap() for /proc/meminfo), and
 *    /proc stays readable;
 *  - item 7: user values at the edges: ftruncate(2) of a tmpfs file to
 *    2 GiB - 1 makes a sparse file (shmem_setattr); clock_settime(2) of
 *    CLOCK_REALTIME to 9e9 s is EINVAL (timespec64_valid_settod(), checked
 *    in do_sys_settimeofday64() before the CAP_SYS_TIME check, so also
 *    unprivileged; a valid time unprivileged is EPERM);
 *    mmap of a file at an offset whose end wraps 2^64 is EOVERFLOW
 *    (file_mmap_ok() in mm/mmap.c), while a mapping near the largest
 *    offset Linux allows (MAX_LFS_FILESIZE) can be split by munmap(2) and
 *    mprotect(2) of half of it;
 *  - item 9: execve(2) of an ELF whose PT_LOAD has a 16 GiB or 64 GiB
 *    p_memsz (a huge bss): Linux maps the bss as one anonymous mapping
 *    (vm_brk_flags() in load_elf_binary()), so the program runs and exits
 *    0, or -- when overcommit refuses that much -- the exec fails past
 *    the point of no return and the process dies of SIGSEGV (or, before
 *    it, execve returns ENOMEM). Either way at once; the test writes the
 *    ELF itself, for the architecture it runs on.
 *    Also item 9's class, a loop whose length a user chooses: sendfile(2)
 *    of 2 GiB from a sparse file stays killable (SIGKILL ends it at once)
 *    and lets other processes run meanwhile.
 * Every wait is bounded, so a hang makes a FAIL line; alarm() is the last
 * watchdog. Arguments choose items: "limits_test 4 9" runs items 4 and 9.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nsutil.h"

#define PAGE 4096L
#define GiB (1024L * 1024L * 1024L)
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

/* How long wait_for (nsutil.h) waits before a child counts as hung. */
#define HANG_SECONDS 10

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A raw mmap(2): the offset reaches the kernel as given, on both architectures. */
static void *raw_mmap(void *addr, size_t len, int prot, int flags, int fd, unsigned long off)
{
	long r = syscall(SYS_mmap, addr, len, prot, flags, fd, off);
	return (void *)r;
}

/* ------------------------------------------------------------------ */
/*
 * Item 3: vm.max_map_count. Root lowers it to 1000 for the test (and puts
 * it back), so the check is quick; others test against the value in
 * force. Neighbouring mappings alternate PROT_NONE and PROT_READ so that
 * Linux cannot merge them. Runs in a child: its mappings go with it.
 */
static long read_long(const char *path)
{
	const char *text = read_file(path);
	return *text ? atol(text) : -1;
}

static int write_long(const char *path, long value)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%ld\n", value);
	int ok = write(fd, buf, n) == n;
	close(fd);
	return ok ? 0 : -1;
}

static void test_map_count(void)
{
	const char *path = "/proc/sys/vm/max_map_count";
	long saved = read_long(path);
	CHECK("/proc/sys/vm/max_map_count holds a number", saved > 0);
	if (saved <= 0)
		return;
	long limit = saved;
	if (geteuid() == 0 && write_long(path, 1000) == 0)
		limit = 1000;
	CHECK_ERR("writing it needs privilege, and a number", write_long(path, -5), geteuid() == 0 ? EINVAL : EACCES);
	if (limit > 200000) {
		printf("# max_map_count %ld: too many to fill here\n", limit);
		return;
	}
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		long made = 0, err = 0;
		for (long i = 0; i < limit + 10; i++) {
			void *p = mmap(NULL, PAGE, i % 2 ? PROT_READ : PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED) {
				err = errno;
				break;
			}
			made++;
		}
		/* 1: stopped by ENOMEM near the limit (less what the program
		 * already had); 2: a split past the limit is ENOMEM too. */
		int code = 0;
		if (err != ENOMEM || made > limit || made < limit - 200)
			code |= 1;
		char *big = mmap(NULL, 3 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (big != MAP_FAILED) {
			code |= 4; /* the limit let one more through */
		}
		_exit(code);
	}
	int code = wait_code(c);
	CHECK("mmap fails with ENOMEM at vm.max_map_count mappings", code >= 0 && (code & 1) == 0);
	CHECK("and no mapping is made past it", code >= 0 && (code & 4) == 0);

	/* A split needs one more mapping: fill up to the limit with a 3-page
	 * mapping in place, then mprotect/munmap its middle page. */
	fflush(stdout);
	c = fork();
	if (c == 0) {
		char *big = mmap(NULL, 3 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		for (long i = 0; i < limit + 10; i++)
			if (mmap(NULL, PAGE, i % 2 ? PROT_READ : PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED)
				break;
		int code = 0;
		if (!(mprotect(big + PAGE, PAGE, PROT_NONE) == -1 && errno == ENOMEM))
			code |= 1;
		if (!(munmap(big + PAGE, PAGE) == -1 && errno == ENOMEM))
			code |= 2;
		if (munmap(big, 3 * PAGE) != 0)
			code |= 4;
		_exit(code);
	}
	code = wait_code(c);
	CHECK("mprotect of a middle page past the limit is ENOMEM", code >= 0 && (code & 1) == 0);
	CHECK("so is munmap of a middle page", code >= 0 && (code & 2) == 0);
	CHECK("while munmap of a whole mapping works", code >= 0 && (code & 4) == 0);
	if (limit != saved)
		CHECK_OK("max_map_count is put back", write_long(path, saved));
}

/* ------------------------------------------------------------------ */
/*
 * Item 4: mmap of /proc files. A file of /proc/PID has file operations
 * without ->mmap, so do_mmap() says ENODEV; an entry made with
 * proc_create() (/proc/meminfo) goes through proc_reg_mmap(), which says
 * EIO when the entry has no proc_mmap. Nothing is touched should a
 * mapping be made: touching it was the deadlock.
 */
static void test_proc_mmap(void)
{
	static const struct {
		const char *path;
		int err;
		const char *label;
	} files[] = {
		{ "/proc/self/status", ENODEV, "item 4: mmap(MAP_PRIVATE) of /proc/self/status is ENODEV" },
		{ "/proc/self/status", ENODEV, "item 4: mmap(MAP_SHARED) of /proc/self/status is ENODEV" },
		{ "/proc/self/maps", ENODEV, "item 4: mmap(MAP_PRIVATE) of /proc/self/maps is ENODEV" },
		{ "/proc/meminfo", EIO, "item 4: mmap(MAP_PRIVATE) of /proc/meminfo is EIO (proc_reg_mmap)" },
	};
	for (unsigned i = 0; i < sizeof files / sizeof files[0]; i++) {
		int fd = open(files[i].path, O_RDONLY);
		errno = 0;
		void *p = fd < 0 ? MAP_FAILED : mmap(NULL, PAGE, PROT_READ, i == 1 ? MAP_SHARED : MAP_PRIVATE, fd, 0);
		int e = fd < 0 ? -1 : errno;
		nst_report(p == MAP_FAILED && e == files[i].err, files[i].label, __FILE__, __LINE__,
			   "mmap returned %p errno %d (%s)", p, e, strerror(e));
		if (p != MAP_FAILED)
			munmap(p, PAGE);
		if (fd >= 0)
			close(fd);
	}
	char buf[256];
	int fd = open("/proc/self/status", O_RDONLY);
	CHECK("item 4: /proc/self/status is still readable", fd >= 0 && read(fd, buf, sizeof buf) > 0);
	close(fd);
}

/* ------------------------------------------------------------------ */
/* Item 7a: ftruncate of a tmpfs file to 2 GiB - 1. */
static const char *tmpfs_dir(void)
{
	static const char *dirs[] = { "/tmp", "/dev/shm" };
	for (unsigned i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		struct statfs sf;
		if (statfs(dirs[i], &sf) == 0 && sf.f_type == TMPFS_MAGIC && access(dirs[i], W_OK) == 0)
			return dirs[i];
	}
	return NULL;
}

static void test_tmpfs_truncate(void)
{
	const char *dir = tmpfs_dir();
	if (!dir) {
		printf("skip item 7: ftruncate of a tmpfs file: neither /tmp nor /dev/shm is a writable tmpfs\n");
		return;
	}
	char path[128];
	snprintf(path, sizeof path, "%s/limits_test.XXXXXX", dir);
	int fd = mkstemp(path);
	if (fd < 0) {
		CHECK("item 7: create a file on tmpfs", 0);
		return;
	}
	unlink(path);
	const off_t size = 2 * GiB - 1;
	struct stat st;
	CHECK_EQ("item 7: ftruncate of a tmpfs file to 2 GiB - 1 is 0", ftruncate(fd, size), 0);
	CHECK("item 7: fstat shows st_size 2 GiB - 1", fstat(fd, &st) == 0 && st.st_size == size);
	nst_report(st.st_blocks <= 64, "item 7: the file is sparse: st_blocks stays small", __FILE__, __LINE__,
		   "st_blocks = %lld", (long long)st.st_blocks);
	char buf[64], zero[64] = { 0 };
	memset(buf, 'x', sizeof buf);
	CHECK("item 7: the last 64 bytes read as zeros",
	      pread(fd, buf, sizeof buf, size - (off_t)sizeof buf) == (ssize_t)sizeof buf && !memcmp(buf, zero, sizeof buf));
	CHECK_EQ("item 7: a read at the end gives 0 bytes", pread(fd, buf, sizeof buf, size), 0);
	CHECK_EQ("item 7: a write of the last byte", pwrite(fd, "z", 1, size - 1), 1);
	CHECK("item 7: keeps st_size and only a page's blocks",
	      fstat(fd, &st) == 0 && st.st_size == size && st.st_blocks <= 64);
	CHECK_EQ("item 7: ftruncate back to 0", ftruncate(fd, 0), 0);
	close(fd);
}

/* ------------------------------------------------------------------ */
/*
 * Item 7b: clock_settime(CLOCK_REALTIME) near the end of 64-bit
 * nanoseconds. Linux checks the value (EINVAL) before the privilege, so
 * root and unprivileged users get EINVAL alike. Should a kernel accept
 * it, the clock is put back.
 */
static void set_back(const struct timespec *rt0, double mono0)
{
	struct timespec back = *rt0;
	double d = now_s() - mono0;
	back.tv_sec += (time_t)d;
	back.tv_nsec += (long)((d - (time_t)d) * 1e9);
	if (back.tv_nsec >= 1000000000L) {
		back.tv_sec++;
		back.tv_nsec -= 1000000000L;
	}
	clock_settime(CLOCK_REALTIME, &back);
}

static void test_clock_settime_limits(void)
{
	struct timespec rt0;
	clock_gettime(CLOCK_REALTIME, &rt0);
	double mono0 = now_s();
	static const struct {
		struct timespec ts;
		const char *label;
	} bad[] = {
		{ { 9000000000L, 0 }, "item 7: clock_settime(CLOCK_REALTIME) to 9e9 s is EINVAL" },
		{ { 0x7fffffffffffffffL, 0 }, "item 7: clock_settime(CLOCK_REALTIME) to the largest time_t is EINVAL" },
		{ { -1, 0 }, "item 7: clock_settime(CLOCK_REALTIME) to -1 s is EINVAL" },
		{ { 1, 1000000000L }, "item 7: clock_settime(CLOCK_REALTIME) with tv_nsec 1e9 is EINVAL" },
	};
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		errno = 0;
		int r = clock_settime(CLOCK_REALTIME, &bad[i].ts);
		int e = errno;
		if (r == 0)
			set_back(&rt0, mono0);
		nst_report(r == -1 && e == EINVAL, bad[i].label, __FILE__, __LINE__, "returned %d errno %d (%s)", r, e,
			   strerror(e));
	}
	/* A valid time: only the privilege check is left (CAP_SYS_TIME). */
	if (geteuid() != 0) {
		struct timespec t;
		clock_gettime(CLOCK_REALTIME, &t);
		CHECK_ERR("item 7: clock_settime(CLOCK_REALTIME) to now is EPERM unprivileged",
			  clock_settime(CLOCK_REALTIME, &t), EPERM);
	} else {
		printf("skip item 7: clock_settime(CLOCK_REALTIME) to a valid time as root would set the clock\n");
	}
	struct timespec rt1;
	clock_gettime(CLOCK_REALTIME, &rt1);
	CHECK("item 7: the wall clock still reads a sane time", rt1.tv_sec >= rt0.tv_sec && rt1.tv_sec < rt0.tv_sec + 3600);
}

/* ------------------------------------------------------------------ */
/* Item 7c: mmap offsets near 2^64, and splitting a mapping. */
static char work_dir[64];

static void test_mmap_offsets(void)
{
	char path[128];
	snprintf(path, sizeof path, "%s/data", work_dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	char page[PAGE];
	memset(page, 'a', PAGE);
	int ok = fd >= 0 && write(fd, page, PAGE) == PAGE;
	memset(page, 'b', PAGE);
	ok = ok && write(fd, page, PAGE) == PAGE;
	if (!ok) {
		CHECK("item 7: a two-page file", 0);
		if (fd >= 0)
			close(fd);
		return;
	}
	unlink(path);

	errno = 0;
	void *p = raw_mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0xfffffffffffff000UL);
	int e = errno;
	nst_report(p == MAP_FAILED && e == EOVERFLOW, "item 7: mmap of 2 pages at file offset 2^64 - 4096 is EOVERFLOW",
		   __FILE__, __LINE__, "mmap returned %p errno %d (%s)", p, e, strerror(e));
	if (p != MAP_FAILED)
		munmap(p, 2 * PAGE);
	p = raw_mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0xffffffffffffe000UL);
	CHECK("item 7: MAP_SHARED of 2 pages at 2^64 - 8192 (ends at 2^64) is EOVERFLOW", p == MAP_FAILED && errno == EOVERFLOW);
	if (p != MAP_FAILED)
		munmap(p, 2 * PAGE);
	p = raw_mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0x8000000000000000UL);
	CHECK("item 7: mmap at offset 2^63 (past the largest file) is EOVERFLOW", p == MAP_FAILED && errno == EOVERFLOW);
	if (p != MAP_FAILED)
		munmap(p, 2 * PAGE);

	/* The highest two pages Linux maps: the end stays below MAX_LFS_FILESIZE (2^63 - 1). */
	p = raw_mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0x7fffffffffffd000UL);
	e = errno;
	nst_report(p != MAP_FAILED, "item 7: mmap of 2 pages at offset 2^63 - 12288 works", __FILE__, __LINE__,
		   "errno %d (%s)", e, strerror(e));
	if (p != MAP_FAILED) {
		/* Never touched: those pages are past the end of the file. */
		CHECK_EQ("item 7: mprotect of its second half", mprotect((char *)p + PAGE, PAGE, PROT_NONE), 0);
		CHECK_EQ("item 7: munmap of its first half", munmap(p, PAGE), 0);
		CHECK_EQ("item 7: munmap of the rest", munmap((char *)p + PAGE, PAGE), 0);
	}

	/* A normal mapping, split by mprotect and munmap of half of it. */
	char *m = raw_mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED) {
		CHECK("item 7: mmap of the file", 0);
		close(fd);
		return;
	}
	CHECK("item 7: the mapping shows the file", m[0] == 'a' && m[PAGE] == 'b');
	CHECK_EQ("item 7: mprotect(PROT_READ) of the second half", mprotect(m + PAGE, PAGE, PROT_READ), 0);
	m[0] = 'c';
	CHECK_EQ("item 7: munmap of the first half", munmap(m, PAGE), 0);
	CHECK("item 7: the second half still reads the file's second page", m[PAGE] == 'b' && m[2 * PAGE - 1] == 'b');
	CHECK_EQ("item 7: munmap of the second half", munmap(m + PAGE, PAGE), 0);
	close(fd);
}

/* ------------------------------------------------------------------ */
/*
 * Item 9: a tiny static ELF with one RWX PT_LOAD: the headers and a few
 * instructions that call exit(0), with p_memsz huge.
 */
#if defined(__x86_64__)
#define ELF_MACHINE EM_X86_64
#define ELF_BASE 0x400000UL
/* mov $60, %eax; xor %edi, %edi; syscall */
static const unsigned char exit0_code[] = { 0xb8, 0x3c, 0, 0, 0, 0x31, 0xff, 0x0f, 0x05 };
#elif defined(__riscv) && __riscv_xlen == 64
#define ELF_MACHINE EM_RISCV
#define ELF_BASE 0x10000UL
/* li a7, 93; li a0, 0; ecall */
static const unsigned char exit0_code[] = { 0x93, 0x08, 0xd0, 0x05, 0x13, 0x05, 0, 0, 0x73, 0, 0, 0 };
#else
#error "limits_test: no tiny ELF for this architecture"
#endif

struct tiny_elf {
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	unsigned char code[16];
};

static int write_elf(const char *path, unsigned long memsz)
{
	struct tiny_elf img;
	memset(&img, 0, sizeof img);
	memcpy(img.eh.e_ident, ELFMAG, SELFMAG);
	img.eh.e_ident[EI_CLASS] = ELFCLASS64;
	img.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	img.eh.e_ident[EI_VERSION] = EV_CURRENT;
	img.eh.e_type = ET_EXEC;
	img.eh.e_machine = ELF_MACHINE;
	img.eh.e_version = EV_CURRENT;
	img.eh.e_entry = ELF_BASE + offsetof(struct tiny_elf, code);
	img.eh.e_phoff = offsetof(struct tiny_elf, ph);
	img.eh.e_ehsize = sizeof img.eh;
	img.eh.e_phentsize = sizeof img.ph;
	img.eh.e_phnum = 1;
#if defined(__riscv)
	img.eh.e_flags = 0x5; /* EF_RISCV_RVC | EF_RISCV_FLOAT_ABI_DOUBLE, as the toolchain marks lp64d */
#endif
	img.ph.p_type = PT_LOAD;
	img.ph.p_flags = PF_R | PF_W | PF_X;
	img.ph.p_offset = 0;
	img.ph.p_vaddr = img.ph.p_paddr = ELF_BASE;
	img.ph.p_filesz = sizeof img;
	img.ph.p_memsz = memsz;
	img.ph.p_align = PAGE;
	memcpy(img.code, exit0_code, sizeof exit0_code);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (fd < 0)
		return -1;
	int ok = write(fd, &img, sizeof img) == (ssize_t)sizeof img;
	return close(fd) == 0 && ok ? 0 : -1;
}

/* Runs path in a child; returns 0 (exit 0), 1 (SIGSEGV), 2 (execve ENOMEM), or -1 with what happened in how. */
static int run_elf(const char *path, char *how, size_t n)
{
	int p[2];
	if (pipe(p) != 0) {
		snprintf(how, n, "pipe failed");
		return -1;
	}
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		close(p[0]);
		fcntl(p[1], F_SETFD, FD_CLOEXEC);
		char *argv[] = { (char *)path, NULL }, *envp[] = { NULL };
		execve(path, argv, envp);
		int e = errno;
		write(p[1], &e, sizeof e);
		_exit(99);
	}
	close(p[1]);
	int e = 0, status = 0;
	pid_t r = c > 0 ? wait_for(c, &status, 0) : -1;
	int failed = read(p[0], &e, sizeof e) == (ssize_t)sizeof e;
	close(p[0]);
	if (r != c) {
		if (c > 0) {
			kill(c, SIGKILL);
			wait_for(c, &status, 0); /* bounded: a kernel may never make it reapable */
		}
		snprintf(how, n, c > 0 ? "no status within %d s" : "fork failed", HANG_SECONDS);
		return -1;
	}
	if (failed) {
		snprintf(how, n, "execve failed with errno %d (%s)", e, strerror(e));
		return e == ENOMEM ? 2 : -1;
	}
	if (WIFEXITED(status)) {
		snprintf(how, n, "the program exited %d", WEXITSTATUS(status));
		return WEXITSTATUS(status) == 0 ? 0 : -1;
	}
	if (WIFSIGNALED(status)) {
		snprintf(how, n, "the program was killed by signal %d", WTERMSIG(status));
		return WTERMSIG(status) == SIGSEGV ? 1 : -1;
	}
	snprintf(how, n, "status %#x", status);
	return -1;
}

static void test_huge_bss(void)
{
	static const struct {
		unsigned long memsz;
		const char *name;
	} sizes[] = { { PAGE, "4 KiB" }, { 16 * GiB, "16 GiB" }, { 64 * GiB, "64 GiB" } };
	char path[128], how[128], label[160];
	snprintf(path, sizeof path, "%s/bss", work_dir);
	for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		if (write_elf(path, sizes[i].memsz) != 0) {
			CHECK("item 9: write the ELF", 0);
			break;
		}
		int r = run_elf(path, how, sizeof how);
		if (i == 0) {
			/* The control: the same ELF with a page of bss runs. */
			snprintf(label, sizeof label, "item 9: the tiny ELF with p_memsz %s runs and exits 0", sizes[i].name);
			nst_report(r == 0, label, __FILE__, __LINE__, "%s", how);
		} else {
			printf("  item 9: p_memsz %s: %s\n", sizes[i].name, how);
			snprintf(label, sizeof label, "item 9: execve with p_memsz %s: exits 0, or SIGSEGV / ENOMEM, at once",
				 sizes[i].name);
			nst_report(r >= 0, label, __FILE__, __LINE__, "%s", how);
		}
	}
	unlink(path);
	int st;
	CHECK_ERR("item 9: no child is left", wait4(-1, &st, WNOHANG, NULL), ECHILD);
}

/*
 * A copy of MAX_RW_COUNT bytes from a 4 GiB sparse tmpfs file to
 * /dev/null: long on a slow machine, but killable, and the parent (in
 * the same CPU) keeps running: it sleeps 300 ms meanwhile and kills the
 * child, which must be gone within HANG_SECONDS.
 */
static void test_long_sendfile(void)
{
	char path[300];
	snprintf(path, sizeof path, "%s/sparse", tmpfs_dir());
	int in = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK("a sparse file for sendfile", in >= 0 && ftruncate(in, 4 * GiB) == 0);
	int out = open("/dev/null", O_WRONLY);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		off_t off = 0;
		syscall(SYS_sendfile, out, in, &off, 0x7ffff000L);
		_exit(0);
	}
	double t0 = now_s();
	usleep(300 * 1000);
	CHECK("the parent runs during the copy", now_s() - t0 < HANG_SECONDS);
	kill(c, SIGKILL);
	int status = 0;
	pid_t r = wait_for(c, &status, 0);
	CHECK("SIGKILL ends a long sendfile at once", r == c);
	if (r != c) {
		kill(c, SIGKILL);
		waitpid(c, &status, 0);
	}
	close(in);
	close(out);
	unlink(path);
}

int main(int argc, char **argv)
{
	/* The last watchdog; every wait below is bounded on its own. */
	alarm(110);
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(work_dir, sizeof work_dir, "/tmp/limits_test.XXXXXX");
	if (!mkdtemp(work_dir)) {
		CHECK("mkdtemp in /tmp", 0);
		NST_DONE();
	}
	if (wanted(argc, argv, 3))
		test_map_count();
	if (wanted(argc, argv, 4))
		test_proc_mmap();
	if (wanted(argc, argv, 7)) {
		test_tmpfs_truncate();
		test_clock_settime_limits();
		test_mmap_offsets();
	}
	if (wanted(argc, argv, 9)) {
		test_huge_bss();
		test_long_sendfile();
	}
	rmdir(work_dir);
	NST_DONE();
}
