/*
 * nsfuzz: a random system-call fuzzer for nsCore (issue 8), trinity-style
 * but our own. Worker processes call random system calls from the table in
 * syscalls.h with arguments that know their types (real and broken fds,
 * valid, unmapped, kernel-half and unaligned pointers, sizes around page and
 * power-of-two boundaries, flags with random and all bits, times near the
 * limits). The parent respawns workers that die or stop making progress,
 * and at the end checks the kernel's health in the same boot.
 *
 *   nsfuzz [-m generic|ns|signal|mem|all] [-s SEED] [-t SECONDS] [-w WORKERS] [-u UID]
 *
 * As root each worker runs as the init of its own PID, mount, UTS and time
 * namespaces (with its own /proc), so a kill(-1) or a sethostname stays in
 * there. With -u UID the workers drop to that user and the health check
 * also verifies that nothing they could not legally change has changed
 * (hostname, init, the root mount table, /proc/sys values).
 *
 * It never runs on a host's own kernel: it refuses unless uname says
 * nsCore (or --i-know-this-is-not-a-vm is given, which nobody should).
 * Every run prints its seed; the same seed replays the same choices.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "meminfo.h"

#include "syscalls.h"

#define MAX_WORKERS 16
#define SCRATCH "/tmp/nsfuzz"
#define REGION_SIZE (16UL << 20) /* each worker's own mmap playground */
#define STUCK_NS 1000000000LL    /* no call finished for 1 s: kill the worker */

/* Shared with the parent: what each worker is doing. */
struct worker_state {
	volatile long calls;
	volatile long last_nr;
	volatile long last_args[6];
	volatile pid_t inner; /* the namespace init doing the work (root mode) */
};

static struct worker_state *shared;
static int mode_sel; /* 0 generic, 1 ns, 2 signal, 3 mem, 4 all */
static const char *mode_names[] = { "generic", "ns", "signal", "mem", "all" };
static unsigned run_uid; /* 0: workers stay root */

/* ---- randomness: xorshift64*, one stream per worker generation ---- */
static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

#define PICK(arr) ((arr)[below(sizeof(arr) / sizeof((arr)[0]))])

/* ---- the worker's sandbox ---- */
static char scratch[64];   /* SCRATCH/wN */
static char *buf;          /* a 64 KiB valid buffer, then a PROT_NONE page */
static char *region;       /* REGION_SIZE for the memory calls */
static int fds[32], nfds;  /* every fd the worker opened */
static int wfds[16], nwfds; /* the ones it may write to */
static int dirfds[8], ndirfds;
static int nsfds[16], nnsfds;
static int scratch_dirfd = -1;
static int in_own_pidns;
static char strings[24][4200]; /* generated path strings */

static long pick_fd(int *pool, int n)
{
	static const long junk[] = { -1, -100, 1000, 0x7fffffff, 3, 0 };
	if (n == 0 || below(8) == 0)
		return PICK(junk);
	return pool[below(n)];
}

/* A path the worker may create, change or remove: inside its scratch. */
static char *scratch_path(void)
{
	static const char *names[] = { "a", "b", "c", "d", "d/e", "d/e/f", "fifo", "mnt", "mnt/x", "link", "." };
	char *s = strings[below(sizeof strings / sizeof strings[0])];
	snprintf(s, 4200, "%s/%s", scratch, PICK(names));
	return s;
}

/* Any path, for lookups: some outside the scratch, some broken. */
static char *any_path(void)
{
	static const char *paths[] = {
		"/", "/proc/self/status", "/proc/self/maps", "/proc/self/stat", "/proc/meminfo", "/proc/self/ns/uts",
		"/proc/self/ns/pid", "/proc/self/ns/mnt", "/proc/self/fd", "/proc/sys/kernel/hostname", "/proc/1/status",
		"/dev/null", "/dev/zero", "/etc/passwd", "/bin/busybox", "/nonexistent", "", "..", "../../..",
		"/proc/self/exe", "/proc/self/root", "/proc/self/cwd", "/tmp",
	};
	if (below(3) == 0)
		return scratch_path();
	char *s = strings[below(sizeof strings / sizeof strings[0])];
	switch (below(10)) {
	case 0: /* too long */
		memset(s, 'a', 4150);
		s[4150] = 0;
		return s;
	case 1: /* random bytes */
		for (int i = 0; i < 16; i++)
			s[i] = (char)(1 + below(255));
		s[16] = 0;
		return s;
	default:
		snprintf(s, 4200, "%s", PICK(paths));
		if (!run_uid && !strcmp(s, "/proc/self/exe"))
			strcpy(s, "/proc/self/cwd"); /* the exe link leads out of root's chroot */
		return s;
	}
}

/* Whether the path string at `p` (one of ours) stays in the scratch. */
static int path_is_scratch(long dirfd, const char *p)
{
	if ((char *)p < strings[0] || (char *)p >= strings[0] + sizeof strings)
		return 1; /* not a string of ours: a bad pointer, EFAULT */
	if (strstr(p, ".."))
		return 0;
	if (p[0] == '/' && !scratch[0])
		return strncmp(p, "/proc", 5) != 0; /* root in its chroot */
	if (p[0] == '/')
		return strncmp(p, scratch, strlen(scratch)) == 0;
	return dirfd == AT_FDCWD || dirfd == scratch_dirfd; /* the cwd is the scratch */
}

static long pointer(void)
{
	switch (below(12)) {
	case 0: return 0;
	case 1: return (long)(buf + 65536);                 /* the guard page */
	case 2: return (long)0xffffffff80000000UL;          /* kernel half */
	case 3: return (long)0xffff800000000000UL;
	case 4: return (long)(buf + 1);                     /* unaligned */
	case 5: return (long)(buf + 65536 - 3);             /* straddles the guard */
	case 6: return (long)&pointer;                      /* read-only text */
	case 7: return (long)(region + below(REGION_SIZE)); /* maybe mapped */
	case 8: return (long)1 << (12 + below(36));
	default: return (long)(buf + 8 * below(8000));
	}
}

static long length(void)
{
	static const long lens[] = { 0, 1, 7, 8, 16, 63, 64, 4095, 4096, 4097, 65535, 65536, 1 << 20, 1L << 31, -1, 0x7fffffffffffffffL, 24, 128 };
	return below(4) == 0 ? (long)below(8192) : PICK(lens);
}

static long integer(void)
{
	static const long ints[] = { 0, 1, -1, 2, 3, 4, 16, 255, 256, 0x7fffffff, 0x80000000L, -0x80000000L, 1024, 65536 };
	return below(4) == 0 ? (long)rnd() : PICK(ints);
}

static long flags(void)
{
	switch (below(5)) {
	case 0: return 0;
	case 1: return 1L << below(32);
	case 2: return -1;
	case 3: return (long)(uint32_t)rnd();
	default: return (long)(rnd() & 0xff);
	}
}

static long timespec_ptr(void)
{
	static const long secs[] = { 0, 0, 1, -1, 0x7fffffffffffffffL, 9000000000L, 0 };
	static const long nsecs[] = { 0, 1, 999999999, 1000000000, -1, 500000, 100000 };
	long *t = (long *)(buf + 60000 + 16 * below(16));
	t[0] = PICK(secs);
	t[1] = PICK(nsecs);
	/* Long sleeps are rare: they only stall a worker until it is killed. */
	if (t[0] > 0 && below(8))
		t[0] = 0;
	return below(10) ? (long)t : pointer();
}

static long arg_of(int type)
{
	long *p;
	switch (type) {
	case A_NONE: return below(16) ? 0 : (long)rnd();
	case A_FD: return pick_fd(fds, nfds);
	case A_WFD: return pick_fd(wfds, nwfds);
	case A_DIRFD: return below(3) ? AT_FDCWD : pick_fd(dirfds, ndirfds);
	case A_WDIRFD: return below(2) ? AT_FDCWD : scratch_dirfd;
	case A_PATH: return below(16) ? (long)any_path() : pointer();
	case A_WPATH: return below(16) ? (long)scratch_path() : pointer();
	case A_PTR: return pointer();
	case A_LEN: return length();
	case A_INT: return integer();
	case A_FLAGS: return flags();
	case A_OFLAGS: {
		static const long of[] = { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT | O_RDWR, O_CREAT | O_EXCL | O_WRONLY, O_TRUNC | O_RDWR,
			O_APPEND | O_WRONLY, O_NONBLOCK, O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC, O_PATH, 020200000 | O_RDWR };
		return below(6) ? PICK(of) | (below(2) ? O_CLOEXEC : 0) : flags();
	}
	case A_ATFLAGS: {
		static const long af[] = { 0, 0x100, 0x200, 0x400, 0x800, 0x1000, 0x1100 };
		return below(6) ? PICK(af) : flags();
	}
	case A_MODE: {
		static const long modes[] = { 0644, 0755, 07777, 0, 0600, 010600, 0100644, 0777 };
		return below(6) ? PICK(modes) : (long)(rnd() & 0xffff);
	}
	case A_OFF: {
		static const long offs[] = { 0, 1, 4096, -1, 1L << 31, 1L << 32, 1L << 62, 0x7fffffffffffffffL, (long)0xfffffffffffff000UL, 0x7ffff000 };
		return below(4) ? PICK(offs) : (long)below(1 << 20);
	}
	case A_WHENCE: return below(8) ? (long)below(5) : integer();
	case A_PID: {
		long self = getpid();
		long pids[] = { 0, self, -1, 1, 2, 99999, -self, -0x7fffffff - 1L, self + 1, self + 2 };
		return PICK(pids);
	}
	case A_SIG: return below(8) ? (long)below(66) : integer();
	case A_UID: {
		static const long uids[] = { 0, 65534, 1000, -1, 1 };
		return below(6) ? PICK(uids) : (long)rnd();
	}
	case A_TIME: return timespec_ptr();
	case A_ITIMER:
		p = (long *)(buf + 59000);
		for (int i = 0; i < 4; i++)
			p[i] = below(3) ? (long)below(3) : integer();
		p[0] = p[2] = 0; /* at most ~µs intervals and values, in secs 0 */
		return below(10) ? (long)p : pointer();
	case A_IOV: {
		long *iov = (long *)(buf + 50000);
		for (int i = 0; i < 32; i++) {
			iov[2 * i] = pointer();
			iov[2 * i + 1] = below(2) ? (long)below(4096) : length();
		}
		return below(10) ? (long)iov : pointer();
	}
	case A_IOVCNT: {
		static const long counts[] = { 0, 1, 2, 3, 32, 1024, 1025, -1 };
		return PICK(counts);
	}
	case A_SIGSET:
		p = (long *)(buf + 58000);
		p[0] = below(3) == 0 ? -1 : (long)rnd();
		p[0] &= ~(1L << (SIGALRM - 1)); /* the per-call timer must get through */
		return below(10) ? (long)p : pointer();
	case A_SIGSZ: return below(8) ? 8 : integer();
	case A_CLOCK: return below(8) ? (long)below(12) : integer();
	case A_RES: return below(8) ? (long)below(17) : integer();
	case A_NSFD: return pick_fd(nsfds, nnsfds);
	case A_NSTYPE: {
		static const long types[] = { 0, CLONE_NEWUTS, CLONE_NEWPID, CLONE_NEWNS, 0x80 /* time */, CLONE_NEWIPC, CLONE_NEWNET,
			CLONE_NEWUSER, CLONE_NEWCGROUP, CLONE_NEWUTS | CLONE_NEWPID, CLONE_NEWNS | 0x80 };
		return below(6) ? PICK(types) : flags();
	}
	case A_PIDFD: return pick_fd(nsfds, nnsfds);
	case A_IOCTL: {
		static const long reqs[] = { 0xb701, 0xb702, 0xb703, 0xb704, 0xb705, 0xb706, 0x5401, 0x5413, 0x541b, 0x5421, 0x540f, 0x5410 };
		return below(6) ? PICK(reqs) : (long)(uint32_t)rnd();
	}
	case A_FCNTL: {
		static const long cmds[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 36, 37, 38, 1030, 1031, 1032, 1033, 1024 };
		return below(8) ? PICK(cmds) : integer();
	}
	case A_FUTEXOP: return (long)(below(14) | (below(2) ? 128 : 0) | (below(4) ? 0 : 256));
	case A_STR: {
		static const char *strs[] = { "tmpfs", "proc", "ramfs", "", "size=1m", "nr_inodes=3", "mode=777", "devpts", "sysfs" };
		char *s = strings[below(sizeof strings / sizeof strings[0])];
		snprintf(s, 4200, "%s", PICK(strs));
		return below(10) ? (long)s : pointer();
	}
	}
	return 0;
}

/* ---- hooks that keep a call inside its sandbox (see syscalls.h) ---- */
#define WRITE_FLAGS (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND | 020000000 /* O_TMPFILE */)

static int fix_open(long *a)
{
	if (!path_is_scratch(AT_FDCWD, (const char *)a[0]))
		a[1] &= ~WRITE_FLAGS;
	return 1;
}

static int fix_openat(long *a)
{
	if (!path_is_scratch(a[0], (const char *)a[1]))
		a[2] &= ~WRITE_FLAGS;
	return 1;
}

static int fix_kill(long *a)
{
	/* kill(-1) is allowed (the namespace or the user contains it), rarely. */
	if (a[0] == -1 && below(8))
		a[0] = getpid() + 1;
	return 1;
}

static int fix_tgkill(long *a)
{
	return fix_kill(a);
}

/* Addresses and lengths of the memory calls stay inside the region. */
static int fix_mm(long *a)
{
	long off = (long)below(REGION_SIZE / 4096) * 4096 + (below(16) ? 0 : (long)below(4096));
	a[0] = (long)region + off;
	if (a[1] < 0 || a[1] > (long)REGION_SIZE - off)
		a[1] = (long)below(REGION_SIZE - off);
	return 1;
}

static int fix_mremap(long *a)
{
	fix_mm(a);
	if (a[2] < 0 || a[2] > (long)REGION_SIZE)
		a[2] = (long)below(REGION_SIZE);
	/* MREMAP_FIXED: the new place is in the region too. */
	long off = (long)below(REGION_SIZE / 4096) * 4096;
	a[4] = (long)region + off;
	if (a[2] > (long)REGION_SIZE - off)
		a[2] = (long)REGION_SIZE - off;
	return 1;
}

static int fix_brk(long *a)
{
	long now = syscall(SYS_brk, 0);
	a[0] = below(2) ? 0 : now + (long)below(1 << 20);
	return 1;
}

static int fix_mount(long *a)
{
	char *target = strings[0];
	snprintf(target, 4200, "%s/mnt", scratch);
	a[1] = (long)target;
	/* No remount or bind of what is not the worker's own (MS_REMOUNT would
	 * change the shared /tmp superblock). */
	a[3] &= ~(0x20L /* MS_REMOUNT */ | 0x2000L /* MS_MOVE */);
	return 1;
}

static int fix_exec(long *a)
{
	static const char *progs[] = { "/bin/true", "/nonexistent", "/proc/self/status", "/" };
	if ((char *)a[0] >= strings[0] && (char *)a[0] < strings[0] + sizeof strings)
		snprintf((char *)a[0], 4200, "%s", PICK(progs));
	return 1;
}

static int fix_execat(long *a)
{
	static const char *progs[] = { "/bin/true", "/nonexistent", "" };
	if ((char *)a[1] >= strings[0] && (char *)a[1] < strings[0] + sizeof strings)
		snprintf((char *)a[1], 4200, "%s", PICK(progs));
	return 1;
}

static int fix_uts(long *a)
{
	return in_own_pidns || run_uid; /* root outside its own UTS namespace: no */
}

static int fix_prio(long *a)
{
	return 1;
}

static int fix_sigaction(long *a)
{
	return a[0] != SIGALRM; /* the per-call timer's */
}

/* No shared memory or threads for the child (it runs on this stack): the
 * child leaves at once anyway. */
#define CLONE_UNSAFE (CLONE_VM | CLONE_THREAD | CLONE_SIGHAND | CLONE_SETTLS)

static int fix_clone(long *a)
{
	a[0] &= ~(long)CLONE_UNSAFE;
	a[1] = 0;
	return 1;
}

static int fix_clone3(long *a)
{
	uint64_t *args = (uint64_t *)(buf + 56000);
	memset(args, 0, 96);
	args[0] = (uint64_t)flags() & ~(uint64_t)CLONE_UNSAFE;
	args[1] = below(2) ? (uint64_t)pointer() : 0; /* pidfd */
	args[2] = below(2) ? (uint64_t)pointer() : 0; /* child_tid */
	args[3] = below(2) ? (uint64_t)pointer() : 0; /* parent_tid */
	args[4] = below(3) ? 17 : below(70);          /* exit_signal */
	args[7] = below(4) ? 0 : (uint64_t)pointer(); /* set_tid */
	args[8] = below(4) ? 0 : below(40);           /* set_tid_size */
	a[0] = below(10) ? (long)args : pointer();
	static const long sizes[] = { 64, 80, 88, 96, 4096, 8, 4097 };
	a[1] = PICK(sizes);
	return 1;
}

static int fix_vfork(long *a)
{
	return 1;
}

static int fix_mknod(long *a)
{
	a[1] = (a[1] & 07777) | (below(2) ? S_IFIFO : S_IFREG); /* no device nodes */
	return 1;
}

static int fix_mknodat(long *a)
{
	a[2] = (a[2] & 07777) | (below(2) ? S_IFIFO : S_IFREG);
	return 1;
}

static int fix_fcntl(long *a)
{
	return 1;
}

static int fix_prctl(long *a)
{
	return 1;
}

/* Joining a mount namespace sets the caller's root and cwd to that
 * namespace's root, so root would leave its chroot (as on Linux, where
 * CAP_SYS_CHROOT allows it) and could change the real system's files: a
 * run truncated /bin/busybox so. Root workers join no mount namespace:
 * not through an nsfs fd of one (NS_GET_NSTYPE says which), nor through
 * a pidfd with CLONE_NEWNS. */
static int fix_setns(long *a)
{
	if (run_uid)
		return 1;
	long type = ioctl((int)a[0], 0xb703 /* NS_GET_NSTYPE */);
	if (type >= 0)
		return type != CLONE_NEWNS;
	return (a[1] & CLONE_NEWNS) == 0;
}

/* ---- the modes: which calls a mode prefers ---- */
static int in_mode(const char *name, int mode)
{
	static const char *ns[] = { "clone", "clone3", "unshare", "setns", "pidfd_open", "pidfd_send_signal", "ioctl", "mount",
		"umount2", "openat", "write", "sethostname", "fork", "wait4", NULL };
	static const char *sig[] = { "kill", "tkill", "tgkill", "rt_sigaction", "rt_sigprocmask", "rt_sigsuspend", "clone", "clone3",
		"vfork", "fork", "wait4", "waitid", "pause", "setitimer", "nanosleep", "read", "pidfd_send_signal", NULL };
	static const char *mem[] = { "mmap", "munmap", "mprotect", "madvise", "mremap", "brk", "read", "write", NULL };
	const char **list = mode == 1 ? ns : mode == 2 ? sig : mode == 3 ? mem : NULL;
	if (!list)
		return 1;
	for (; *list; list++)
		if (strcmp(*list, name) == 0)
			return 1;
	return 0;
}

static unsigned total_weight[4];

static const struct syscall_entry *pick_call(int mode)
{
	if (mode != 0 && below(5) == 0)
		mode = 0; /* now and then anything */
	uint64_t w = below(total_weight[mode]);
	for (int i = 0; i < NR_SYSCALLS; i++) {
		if (!in_mode(syscalls[i].name, mode))
			continue;
		if (w < syscalls[i].weight)
			return &syscalls[i];
		w -= syscalls[i].weight;
	}
	return &syscalls[0];
}

/* ns mode also writes random bytes to the writable files of /proc/sys,
 * /proc/self and /sys, found at startup (find_writable). A root run puts
 * the global ones back at the end (restore_writable): later runs and the
 * health check need a working system. */
static void read_text(const char *path, char *out, size_t size)
{
	out[0] = 0;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	size_t used = 0;
	long n;
	while (used + 1 < size && (n = read(fd, out + used, size - 1 - used)) > 0)
		used += n;
	out[used] = 0;
	close(fd);
}

#define MAX_WRITABLE 256
static char writable[MAX_WRITABLE][96];
static char saved_value[MAX_WRITABLE][64];
static int nwritable;

static void find_writable(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) && nwritable < MAX_WRITABLE) {
		if (e->d_name[0] == '.')
			continue;
		char path[96];
		if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path)
			continue;
		struct stat st;
		if (lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode) && depth > 0)
			find_writable(path, depth - 1);
		else if (S_ISREG(st.st_mode) && (st.st_mode & 0222) && strcmp(e->d_name, "mem"))
			snprintf(writable[nwritable++], sizeof writable[0], "%s", path);
	}
	closedir(d);
}

/* The global files' values, read before a root run and written back after. */
static void save_writable(void)
{
	for (int i = 0; i < nwritable; i++)
		if (strncmp(writable[i], "/proc/self/", 11))
			read_text(writable[i], saved_value[i], sizeof saved_value[i]);
}

static void restore_writable(void)
{
	for (int i = 0; i < nwritable; i++) {
		if (!saved_value[i][0])
			continue;
		int fd = open(writable[i], O_WRONLY);
		if (fd >= 0) {
			write(fd, saved_value[i], strlen(saved_value[i]));
			close(fd);
		}
	}
}

static void write_proc_file(void)
{
	if (!nwritable)
		return;
	const char *path = writable[below(nwritable)];
	/* Outside its own namespaces (unprivileged mode) a worker may try the
	 * global ones too: they must refuse. */
	if (!run_uid && !in_own_pidns)
		return;
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return;
	char data[64];
	int n = (int)below(sizeof data);
	for (int i = 0; i < n; i++)
		data[i] = below(2) ? (char)('0' + below(10)) : (char)rnd();
	if (!run_uid && strstr(path, "/sys/") && strstr(path, "max_"))
		n = snprintf(data, sizeof data, "%d\n", 1000 + (int)below(100000)); /* never 0: later runs need them */
	write(fd, data, n);
	close(fd);
}

/* ---- one worker ---- */
static void open_pool(void)
{
	char path[128];
	nfds = nwfds = ndirfds = nnsfds = 0;
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/f%d", scratch, i);
		int fd = open(path, O_RDWR | O_CREAT, 0644);
		if (fd >= 0) {
			fds[nfds++] = fd;
			wfds[nwfds++] = fd;
		}
	}
	int p[2];
	if (pipe(p) == 0) {
		fds[nfds++] = p[0];
		fds[nfds++] = p[1];
		wfds[nwfds++] = p[1];
		wfds[nwfds++] = p[0];
	}
	int fd = open("/dev/null", O_RDWR);
	if (fd >= 0)
		fds[nfds++] = wfds[nwfds++] = fd;
	static const char *ro[] = { "/proc/self/status", "/proc/meminfo", "/proc/self/maps", "/etc/passwd" };
	for (unsigned i = 0; i < sizeof ro / sizeof ro[0]; i++)
		if ((fd = open(ro[i], O_RDONLY)) >= 0)
			fds[nfds++] = fd;
	static const char *dirs[] = { "/", "/proc", "/proc/self/fd", "/tmp" };
	for (unsigned i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		if ((fd = open(dirs[i], O_RDONLY | O_DIRECTORY)) >= 0)
			fds[nfds++] = dirfds[ndirfds++] = fd;
	scratch_dirfd = open(scratch[0] ? scratch : "/", O_RDONLY | O_DIRECTORY);
	if (scratch_dirfd >= 0)
		fds[nfds++] = dirfds[ndirfds++] = scratch_dirfd;
	static const char *ns[] = { "uts", "pid", "mnt", "time", "ipc", "net", "user", "cgroup", "pid_for_children", "time_for_children" };
	for (unsigned i = 0; i < sizeof ns / sizeof ns[0] && nnsfds < 14; i++) {
		snprintf(path, sizeof path, "/proc/self/ns/%s", ns[i]);
		if ((fd = open(path, O_RDONLY)) >= 0)
			fds[nfds < 30 ? nfds++ : 0] = nsfds[nnsfds++] = fd;
	}
	if ((fd = syscall(SYS_pidfd_open, getpid(), 0)) >= 0)
		nsfds[nnsfds++] = fd;
}

/* Every call runs under a 20 ms one-shot timer whose SIGALRM (with a
 * handler, no SA_RESTART) ends a call that would block; the fuzzed calls
 * may not take SIGALRM away (fix_sigaction), and it is unblocked again
 * after each call. A worker still stuck is killed by the parent. */
static void on_alarm(int sig)
{
}

static void arm_timer(void)
{
	struct itimerval t = { { 0, 0 }, { 0, 20000 } };
	sigset_t alrm;
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigprocmask(SIG_UNBLOCK, &alrm, NULL);
	setitimer(ITIMER_REAL, &t, NULL);
}

static void fuzz_loop(struct worker_state *me, int mode)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	sigaction(SIGALRM, &sa, NULL);
	for (;;) {
		int m = mode == 4 ? (int)below(4) : mode;
		if (m == 1 && below(16) == 0) {
			write_proc_file();
			me->calls++;
			continue;
		}
		const struct syscall_entry *e = pick_call(m);
		long a[6];
		for (int i = 0; i < 6; i++)
			a[i] = arg_of(e->arg[i]);
		if (e->fix && !e->fix(a))
			continue;
		me->last_nr = e->nr;
		for (int i = 0; i < 6; i++)
			me->last_args[i] = a[i];
		arm_timer();
		long r = syscall(e->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		int forking = !strcmp(e->name, "clone") || !strcmp(e->name, "clone3") || !strcmp(e->name, "fork") ||
			      !strcmp(e->name, "vfork");
		if (forking && r == 0)
			syscall(SYS_exit_group, 0); /* a new child leaves at once */
		if (r > 2 && r < 1024 && (!strcmp(e->name, "openat") || !strcmp(e->name, "dup") ||
					  !strcmp(e->name, "pidfd_open") || !strcmp(e->name, "dup3"))) {
			/* Keep some new fds in the pool, close the rest. */
			if (nfds < 32 && below(2))
				fds[nfds++] = (int)r;
			else
				close((int)r);
		}
		/* Reap what we made, without waiting. */
		while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
			;
		me->calls++;
	}
}

static void worker_main(int index, uint64_t seed)
{
	struct worker_state *me = &shared[index];
	signal(SIGHUP, SIG_DFL); /* the parent ignores it (main) */
	rng = seed | 1;
	snprintf(scratch, sizeof scratch, "%s/w%d", SCRATCH, index);
	mkdir(scratch, 0777);
	chmod(scratch, 0777);
	setpgid(0, 0);
	if (!run_uid) {
		/* Root: the work happens in a namespace init of its own. */
		long want = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWPID | 0x80 /* CLONE_NEWTIME */;
		if (unshare(want) != 0 && unshare(want & ~0x80L) != 0)
			_exit(120);
		pid_t inner = fork();
		if (inner < 0)
			_exit(121);
		if (inner > 0) {
			me->inner = inner;
			int status;
			while (waitpid(inner, &status, 0) < 0 && errno == EINTR)
				;
			_exit(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
		}
		in_own_pidns = 1;
		/* Root may change any file it can name (chmod through an fd of
		 * "/", a write to /etc/passwd), so it works in a root of its own
		 * (chroot(2)): the scratch directory, with this namespace's
		 * /proc, a small tmpfs, /tmp, /etc/passwd, /dev/null and
		 * /dev/zero. Two 30-minute runs changed /usr/bin/nsfuzz's mode
		 * before this. The only way out is a /proc magic link: root's
		 * path list leaves out /proc/self/exe (any_path). */
		static const char *dirs[] = { "proc", "dev", "tmp", "etc", "mnt", "bin" };
		char sub[128];
		for (unsigned i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
			snprintf(sub, sizeof sub, "%s/%s", scratch, dirs[i]);
			mkdir(sub, 0777);
		}
		snprintf(sub, sizeof sub, "%s/proc", scratch);
		mount("proc", sub, "proc", 0, NULL); /* this namespace's /proc */
		snprintf(sub, sizeof sub, "%s/mnt", scratch);
		mount("tmpfs", sub, "tmpfs", 0, "size=1m");
		snprintf(sub, sizeof sub, "%s/dev/null", scratch);
		mknod(sub, S_IFCHR | 0666, makedev(1, 3));
		snprintf(sub, sizeof sub, "%s/dev/zero", scratch);
		mknod(sub, S_IFCHR | 0666, makedev(1, 5));
		snprintf(sub, sizeof sub, "%s/etc/passwd", scratch);
		int pw = open(sub, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (pw >= 0) {
			write(pw, "root:x:0:0:root:/:/bin/sh\n", 26);
			close(pw);
		}
		if (chroot(scratch) != 0)
			_exit(125);
		scratch[0] = 0; /* scratch paths are now "/a", "/d/e", ... */
	}
	if (chdir(scratch[0] ? scratch : "/") != 0)
		_exit(122);
	int null = open("/dev/null", O_RDWR);
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	buf = mmap(NULL, 65536 + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	region = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || region == MAP_FAILED)
		_exit(123);
	mprotect(buf + 65536, 4096, PROT_NONE);
	open_pool();
	if (run_uid && (setgroups(0, NULL), setresgid(run_uid, run_uid, run_uid) != 0 || setresuid(run_uid, run_uid, run_uid) != 0))
		_exit(124);
	for (int m = 0; m < 4; m++)
		for (int i = 0; i < NR_SYSCALLS; i++)
			if (in_mode(syscalls[i].name, m))
				total_weight[m] += syscalls[i].weight;
	fuzz_loop(me, mode_sel);
}

/* ---- the parent: spawn, watch, respawn, then check health ---- */
static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* The processes that existed before the run (they are not ours to kill). */
static pid_t initial[256];
static int ninitial;

static int is_initial(pid_t pid)
{
	for (int i = 0; i < ninitial; i++)
		if (initial[i] == pid)
			return 1;
	return 0;
}

/* Lists the PIDs in /proc; returns how many. */
static int list_pids(pid_t *out, int max)
{
	int n = 0;
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < max) {
		pid_t pid = atoi(e->d_name);
		if (pid > 0)
			out[n++] = pid;
	}
	closedir(d);
	return n;
}

/* The values an unprivileged run must leave alone. */
struct snapshot {
	char hostname[65];
	char init_comm[64];
	char mountinfo[8192];
	char sysctl[2048];
};

static void take_snapshot(struct snapshot *s)
{
	static const char *sysctls[] = { "/proc/sys/kernel/hostname", "/proc/sys/kernel/domainname", "/proc/sys/fs/nr_open",
		"/proc/sys/kernel/overflowuid", "/proc/sys/fs/overflowgid", "/proc/sys/user/max_uts_namespaces",
		"/proc/sys/user/max_pid_namespaces", "/proc/sys/kernel/pid_max", "/proc/sys/vm/max_map_count" };
	struct utsname u;
	uname(&u);
	snprintf(s->hostname, sizeof s->hostname, "%s", u.nodename);
	read_text("/proc/1/comm", s->init_comm, sizeof s->init_comm);
	read_text("/proc/self/mountinfo", s->mountinfo, sizeof s->mountinfo);
	s->sysctl[0] = 0;
	for (unsigned i = 0; i < sizeof sysctls / sizeof sysctls[0]; i++) {
		char v[128];
		read_text(sysctls[i], v, sizeof v);
		strncat(s->sysctl, v, sizeof s->sysctl - strlen(s->sysctl) - 1);
	}
}

static pid_t workers[MAX_WORKERS];
static long deaths[70];
static long stuck_kills, respawns;

static pid_t spawn(int index, uint64_t seed, unsigned generation)
{
	shared[index].inner = 0;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		worker_main(index, seed ^ ((uint64_t)(index + 1) * 0x9E3779B97F4A7C15ULL) ^ ((uint64_t)generation << 40));
	return pid;
}

static void kill_worker(int i)
{
	if (shared[i].inner > 0)
		kill(shared[i].inner, SIGKILL); /* this name is the one in our namespace */
	if (workers[i] > 0)
		kill(workers[i], SIGKILL);
}

int main(int argc, char **argv)
{
	uint64_t seed = 0;
	int seconds = 10, nworkers = 4, override = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-m") && i + 1 < argc) {
			i++;
			for (int m = 0; m < 5; m++)
				if (!strcmp(argv[i], mode_names[m]))
					mode_sel = m;
		} else if (!strcmp(argv[i], "-s") && i + 1 < argc) {
			seed = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "-t") && i + 1 < argc) {
			seconds = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "-w") && i + 1 < argc) {
			nworkers = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "-u") && i + 1 < argc) {
			run_uid = (unsigned)atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--i-know-this-is-not-a-vm")) {
			override = 1;
		} else {
			fprintf(stderr, "usage: nsfuzz [-m generic|ns|signal|mem|all] [-s SEED] [-t SECONDS] [-w WORKERS] [-u UID]\n");
			return 2;
		}
	}
	struct utsname u;
	uname(&u);
	if (!strstr(u.release, "nscore") && !override) {
		fprintf(stderr, "nsfuzz: this kernel is %s %s, not nsCore: refusing to fuzz it\n", u.sysname, u.release);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "nsfuzz: the parent must be root (workers drop to -u UID)\n");
		return 2;
	}
	if (nworkers < 1 || nworkers > MAX_WORKERS)
		nworkers = 4;
	if (!seed)
		seed = (uint64_t)now_ns() ^ ((uint64_t)getpid() << 32);
	printf("nsfuzz: seed %llu mode %s workers %d seconds %d uid %u\n", (unsigned long long)seed, mode_names[mode_sel],
	       nworkers, seconds, run_uid);
	fflush(stdout);

	prctl(PR_SET_CHILD_SUBREAPER, 1); /* every orphan comes back to us */
	signal(SIGPIPE, SIG_IGN);
	/* A worker's child may join any process group of its session, stop,
	 * and orphan the group when its parent exits: then the kernel sends
	 * SIGHUP and SIGCONT to the whole group, on Linux as on nsCore
	 * (kill_orphaned_pgrp). That is the kernel working. So the run gets
	 * a session of its own — two 30-minute runs lost the shell that
	 * started nsfuzz that way (init's group) — and we ignore SIGHUP. */
	setsid();
	signal(SIGHUP, SIG_IGN);
	mkdir(SCRATCH, 0777);
	chmod(SCRATCH, 0777);
	ninitial = list_pids(initial, 256);
	find_writable("/proc/sys", 4);
	find_writable("/proc/self", 0);
	find_writable("/sys", 4);
	if (!run_uid)
		save_writable();
	printf("nsfuzz: %d writable files in /proc/sys, /proc/self and /sys\n", nwritable);
	static struct snapshot before, after;
	take_snapshot(&before);
	/* Warm up the allocator a little, then take the baseline. */
	long mem_before = mem_available_kib();

	shared = mmap(NULL, sizeof(struct worker_state) * MAX_WORKERS, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	long last_calls[MAX_WORKERS];
	long long last_progress[MAX_WORKERS];
	unsigned generation[MAX_WORKERS];
	long total_calls = 0;
	for (int i = 0; i < nworkers; i++) {
		generation[i] = 0;
		workers[i] = spawn(i, seed, 0);
		last_calls[i] = 0;
		last_progress[i] = now_ns();
	}
	long long end = now_ns() + (long long)seconds * 1000000000LL;
	while (now_ns() < end) {
		usleep(50000);
		int status;
		pid_t pid;
		while ((pid = waitpid(-1, &status, WNOHANG | __WALL)) > 0) {
			for (int i = 0; i < nworkers; i++) {
				if (pid != workers[i])
					continue;
				int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
				if (code >= 128 && code - 128 < 70)
					deaths[code - 128]++;
				if (shared[i].inner > 0)
					kill(shared[i].inner, SIGKILL);
				total_calls += shared[i].calls;
				shared[i].calls = 0;
				last_calls[i] = 0;
				generation[i]++;
				respawns++;
				workers[i] = spawn(i, seed, generation[i]);
				last_progress[i] = now_ns();
			}
		}
		for (int i = 0; i < nworkers; i++) {
			if (shared[i].calls != last_calls[i]) {
				last_calls[i] = shared[i].calls;
				last_progress[i] = now_ns();
			} else if (now_ns() - last_progress[i] > STUCK_NS) {
				stuck_kills++; /* blocked in a call (or stopped): kill it mid-call */
				kill_worker(i);
				last_progress[i] = now_ns();
			}
		}
	}
	for (int i = 0; i < nworkers; i++) {
		total_calls += shared[i].calls;
		kill_worker(i);
	}
	if (!run_uid)
		restore_writable();

	/* Health, in this same boot. 1: every process the run made goes away. */
	char failure[512] = "";
	static pid_t pids[4096];
	int left = 0;
	for (int round = 0; round < 100; round++) {
		while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
			;
		int n = list_pids(pids, 4096);
		left = 0;
		for (int i = 0; i < n; i++) {
			if (pids[i] == getpid() || is_initial(pids[i]))
				continue;
			left++;
			kill(pids[i], SIGCONT);
			kill(pids[i], SIGKILL);
		}
		if (!left)
			break;
		usleep(100000);
	}
	if (left) {
		int n = list_pids(pids, 4096);
		for (int i = 0; i < n; i++) {
			if (pids[i] == getpid() || is_initial(pids[i]))
				continue;
			char path[64], stat[256];
			snprintf(path, sizeof path, "/proc/%d/stat", pids[i]);
			read_text(path, stat, sizeof stat);
			snprintf(failure, sizeof failure, "%d processes left over, e.g. %s", left, stat);
			break;
		}
	}
	/* The workers' scratch files go (they are tmpfs memory). */
	fflush(stdout);
	pid_t rm = fork();
	if (rm == 0) {
		execl("/bin/rm", "rm", "-rf", SCRATCH, (char *)NULL);
		_exit(127);
	}
	if (rm > 0)
		waitpid(rm, NULL, 0);
	/* 2: a shell command works. */
	fflush(stdout);
	pid_t sh = fork();
	if (sh == 0) {
		execl("/bin/sh", "sh", "-c", "exit 7", (char *)NULL);
		_exit(127);
	}
	int status = 0;
	if (sh < 0 || waitpid(sh, &status, 0) != sh || !WIFEXITED(status) || WEXITSTATUS(status) != 7)
		snprintf(failure + strlen(failure), sizeof failure - strlen(failure), "%sa shell command failed (status %#x)",
			 failure[0] ? "; " : "", status);
	/* 3: memory comes back (within 1 MiB, after up to 10 s). */
	long mem_after = mem_available_kib();
	for (int i = 0; i < 100 && mem_before - mem_after > 1024; i++) {
		usleep(100000);
		mem_after = mem_available_kib();
	}
	/* 4: what an unprivileged run could not legally change is unchanged. */
	take_snapshot(&after);
	if (run_uid) {
		if (strcmp(before.hostname, after.hostname))
			strcat(failure, "; the hostname changed");
		if (strcmp(before.init_comm, after.init_comm))
			strcat(failure, "; init changed");
		if (strcmp(before.mountinfo, after.mountinfo))
			strcat(failure, "; the root mount table changed");
		if (strcmp(before.sysctl, after.sysctl))
			strcat(failure, "; a /proc/sys value changed");
	}

	printf("nsfuzz: %ld calls, %ld worker restarts, %ld killed while stuck in a call\n", total_calls, respawns, stuck_kills);
	printf("nsfuzz: deaths by signal:");
	for (int s = 1; s < 70; s++)
		if (deaths[s])
			printf(" %d:%ld", s, deaths[s]);
	printf("\nnsfuzz: MemAvailable %ld kB before, %ld kB after\n", mem_before, mem_after);
	if (mem_before - mem_after > 1024)
		snprintf(failure + strlen(failure), sizeof failure - strlen(failure), "%s%ld kB of memory not given back",
			 failure[0] ? "; " : "", mem_before - mem_after);
	if (failure[0]) {
		printf("nsfuzz: health FAILED: %s\n", failure[0] == ';' ? failure + 2 : failure);
		return 1;
	}
	printf("nsfuzz: health ok\n");
	return 0;
}
