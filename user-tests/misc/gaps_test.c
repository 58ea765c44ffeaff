/*
 * gaps_test: smaller system-call behaviours, each checked against Linux.
 *  - clone(2) CLONE_PARENT: the new process is a child of the caller's
 *    parent (getppid, /proc/PID/stat, who may wait for it) and takes the
 *    caller's exit signal, not the one in the flags; a PID-namespace init
 *    may not use it (EINVAL, root only).
 *  - pidfd_send_signal(2) with a siginfo from the caller: SI_QUEUE and its
 *    si_pid/si_uid/si_value reach the child's SA_SIGINFO handler as given;
 *    si_code >= 0 or SI_TKILL to another process is EPERM (to ourselves
 *    allowed); si_signo other than sig, an unknown flag or two scope
 *    flags are EINVAL; no siginfo
 *    gives SI_USER with the sender's pid and uid.
 *  - fcntl(2) F_SETOWN/F_GETOWN and F_SETOWN_EX/F_GETOWN_EX on a pipe:
 *    process, process group (negative), thread owners; the owner belongs
 *    to the open file description; bad type EINVAL, unknown pid ESRCH,
 *    INT_MIN EINVAL; an owner that died reads 0; inside a child PID
 *    namespace the owner reads in that namespace's numbers (root only).
 *  - personality(2): 0xffffffff queries, a set returns the old persona,
 *    ADDR_NO_RANDOMIZE is kept (and inherited by fork) and shows in
 *    /proc/self/personality; any other value is stored as given.
 *  - msync(2): MS_SYNC, MS_ASYNC, MS_INVALIDATE and 0 on a shared file
 *    mapping return 0; MS_SYNC|MS_ASYNC and unknown bits are EINVAL; an
 *    unaligned address is EINVAL; a range with a hole is ENOMEM;
 *    MS_INVALIDATE of a locked mapping is EBUSY.
 *  - pause(2) returns only after a handler ran: SIGSTOP/SIGCONT and an
 *    ignored signal leave it sleeping; SIGUSR1 with a handler ends it
 *    with EINTR.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nsutil.h"

#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef F_SETOWN_EX
#define F_SETOWN_EX 15
#define F_GETOWN_EX 16
#endif
#ifndef F_OWNER_TID
#define F_OWNER_TID 0
#define F_OWNER_PID 1
#define F_OWNER_PGRP 2
#endif
#ifndef __WALL
#define __WALL 0x40000000
#endif
#ifndef __WCLONE
#define __WCLONE 0x80000000
#endif

/* A PID no process has: above PID_MAX_LIMIT (4194304). */
#define NO_PID 2000000000

static int pidfd_send_signal(int fd, int sig, siginfo_t *info, unsigned int flags)
{
	return syscall(SYS_pidfd_send_signal, fd, sig, info, flags);
}

/* Waits up to ms for the fd to become readable: 1 if it did, 0 if not. */
static int readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, ms) == 1;
}

static volatile sig_atomic_t n_usr2, n_chld;

static void count_usr2(int sig)
{
	n_usr2++;
}

static void count_chld(int sig)
{
	n_chld++;
}

/* ---- CLONE_PARENT ---- */

static void test_clone_parent(void)
{
	int mid[2], gp[2], go[2];
	pid_t me = getpid(), g = -1;
	int ppid_seen = -1, mid_errno = -1;
	pipe(mid);
	pipe(gp);
	pipe(go);
	pid_t m = fork_child();
	if (m == 0) {
		alarm(20);
		close(mid[0]);
		close(gp[0]);
		close(go[1]);
		pid_t c = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
		if (c == 0) {
			int pp = getppid();
			char ch;
			write(gp[1], &pp, sizeof pp);
			while (read(go[0], &ch, 1) > 0)
				;
			_exit(7);
		}
		int e = waitpid(c, NULL, WNOHANG) < 0 ? errno : 0;
		write(mid[1], &c, sizeof c);
		write(mid[1], &e, sizeof e);
		_exit(0);
	}
	close(mid[1]);
	close(gp[1]);
	close(go[0]);
	read(mid[0], &g, sizeof g);
	read(mid[0], &mid_errno, sizeof mid_errno);
	read(gp[0], &ppid_seen, sizeof ppid_seen);
	CHECK("clone(CLONE_PARENT|SIGCHLD) in our child makes a process", g > 0);
	CHECK_EQ("its getppid() is our pid, not the cloning child's", ppid_seen, me);
	CHECK_EQ("/proc/PID/stat shows us as its parent", proc_stat_field(g, 4), me);
	CHECK_EQ("the cloning child may not wait for it: ECHILD", mid_errno, ECHILD);
	CHECK_EQ("the cloning child exits", wait_code(m), 0);
	CHECK_EQ("its parent is still us after the cloner is gone", proc_stat_field(g, 4), me);
	close(go[1]);
	CHECK_EQ("and we reap it (exit code 7)", wait_code(g), 7);
	close(mid[0]);
	close(gp[0]);

	/* The caller's exit signal is inherited. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = count_usr2;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR2, &sa, NULL);
	sa.sa_handler = count_chld;
	sigaction(SIGCHLD, &sa, NULL);
	pipe(mid);
	pipe(go);
	fflush(stdout);
	m = syscall(SYS_clone, SIGUSR2, 0, 0, 0, 0); /* a child that reports with SIGUSR2 */
	if (m == 0) {
		alarm(20);
		close(mid[0]);
		close(go[1]);
		pid_t c = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
		if (c == 0) {
			char ch;
			while (read(go[0], &ch, 1) > 0)
				;
			_exit(3);
		}
		write(mid[1], &c, sizeof c);
		_exit(0);
	}
	close(mid[1]);
	close(go[0]);
	g = -1;
	read(mid[0], &g, sizeof g);
	int status = -1;
	CHECK_EQ("a child with exit signal SIGUSR2 is waited for with __WALL", waitpid(m, &status, __WALL), m);
	n_usr2 = n_chld = 0;
	close(go[1]);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	CHECK_OK("its CLONE_PARENT|SIGCHLD child exits (waitid WNOWAIT|__WALL)",
		 waitid(P_PID, g, &si, WEXITED | WNOWAIT | __WALL));
	for (int i = 0; i < 100 && n_usr2 == 0; i++)
		usleep(10000);
	CHECK_EQ("its exit sends us SIGUSR2, the cloner's exit signal", n_usr2, 1);
	CHECK_EQ("not the SIGCHLD it asked for", n_chld, 0);
	CHECK_ERR("so it is a \"clone\" child: waitpid without __WCLONE is ECHILD", waitpid(g, &status, WNOHANG), ECHILD);
	CHECK_EQ("waitpid with __WCLONE reaps it", waitpid(g, &status, __WCLONE), g);
	CHECK("exit code 3", WIFEXITED(status) && WEXITSTATUS(status) == 3);
	close(mid[0]);
	signal(SIGUSR2, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);

	if (geteuid() != 0) {
		printf("skip CLONE_PARENT in a PID namespace init: clone(CLONE_NEWPID) needs root\n");
		return;
	}
	pid_t init = fork_newpid();
	if (init == 0) {
		long r = tried_clone(syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0));
		_exit(r == -1 && errno == EINVAL ? 0 : 1);
	}
	CHECK_EQ("a PID namespace init's clone(CLONE_PARENT) is EINVAL", wait_code(init), 0);
}

/* ---- pidfd_send_signal with a siginfo ---- */

struct got {
	int signo, code, pid, uid, value;
};

static volatile struct got got;
static volatile sig_atomic_t n_got;

static void on_info(int sig, siginfo_t *si, void *uc)
{
	got.signo = si->si_signo;
	got.code = si->si_code;
	got.pid = si->si_pid;
	got.uid = si->si_uid;
	got.value = si->si_value.sival_int;
	n_got++;
}

static siginfo_t make_info(int signo, int code, int pid, int uid, int value)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	si.si_signo = signo;
	si.si_code = code;
	si.si_pid = pid;
	si.si_uid = uid;
	si.si_value.sival_int = value;
	return si;
}

static void test_pidfd_info(void)
{
	int up[2], down[2];
	pipe(up);
	pipe(down);
	pid_t c = fork_child();
	if (c == 0) {
		alarm(20);
		close(up[0]);
		close(down[1]);
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_sigaction = on_info;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGUSR1, &sa, NULL);
		sigset_t block, empty;
		sigemptyset(&block);
		sigaddset(&block, SIGUSR1);
		sigemptyset(&empty);
		sigprocmask(SIG_BLOCK, &block, NULL);
		write(up[1], "r", 1);
		for (int seen = 0; seen < 2;) {
			sigsuspend(&empty);
			if (n_got > seen) {
				seen++;
				struct got g = { got.signo, got.code, got.pid, got.uid, got.value };
				write(up[1], &g, sizeof g);
			}
		}
		char ch;
		while (read(down[0], &ch, 1) > 0)
			;
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	char ch = 0;
	read(up[0], &ch, 1);
	int fd = pidfd_open(c, 0);
	CHECK_OK("pidfd_open of a child", fd);
	siginfo_t si = make_info(SIGUSR1, SI_USER, 12345, 4242, 77);
	CHECK_ERR("pidfd_send_signal with si_code SI_USER to another process is EPERM",
		  pidfd_send_signal(fd, SIGUSR1, &si, 0), EPERM);
	si = make_info(SIGUSR1, SI_KERNEL, 12345, 4242, 77);
	CHECK_ERR("with a positive si_code (SI_KERNEL) it is EPERM", pidfd_send_signal(fd, SIGUSR1, &si, 0), EPERM);
	si = make_info(SIGUSR1, 1, 12345, 4242, 77);
	CHECK_ERR("with si_code 1 it is EPERM", pidfd_send_signal(fd, SIGUSR1, &si, 0), EPERM);
	si = make_info(SIGUSR1, SI_TKILL, 12345, 4242, 77);
	CHECK_ERR("with si_code SI_TKILL it is EPERM", pidfd_send_signal(fd, SIGUSR1, &si, 0), EPERM);
	si = make_info(SIGUSR2, SI_QUEUE, 12345, 4242, 77);
	CHECK_ERR("si_signo other than the signal is EINVAL", pidfd_send_signal(fd, SIGUSR1, &si, 0), EINVAL);
	si = make_info(SIGUSR1, SI_QUEUE, 12345, 4242, 77);
	CHECK_ERR("an unknown flag (8) is EINVAL", pidfd_send_signal(fd, SIGUSR1, &si, 8), EINVAL);
	CHECK_ERR("two scope flags at once (PIDFD_SIGNAL_THREAD|_THREAD_GROUP) are EINVAL",
		  pidfd_send_signal(fd, SIGUSR1, &si, 3), EINVAL);
	CHECK_ERR("signal 65 is EINVAL", pidfd_send_signal(fd, 65, NULL, 0), EINVAL);
	CHECK_ERR("a bad siginfo pointer is EFAULT", pidfd_send_signal(fd, SIGUSR1, (siginfo_t *)8, 0), EFAULT);

	si = make_info(SIGUSR1, SI_QUEUE, 12345, 4242, 77);
	CHECK_EQ("pidfd_send_signal with si_code SI_QUEUE and our own siginfo", pidfd_send_signal(fd, SIGUSR1, &si, 0), 0);
	struct got g;
	memset(&g, 0, sizeof g);
	int ok = readable(up[0], 5000) && read(up[0], &g, sizeof g) == sizeof g;
	CHECK("the child's SA_SIGINFO handler runs", ok);
	CHECK_EQ("it sees si_signo SIGUSR1", g.signo, SIGUSR1);
	CHECK_EQ("si_code SI_QUEUE", g.code, SI_QUEUE);
	CHECK_EQ("si_pid as given (12345)", g.pid, 12345);
	CHECK_EQ("si_uid as given (4242)", g.uid, 4242);
	CHECK_EQ("si_value as given (77)", g.value, 77);
	CHECK_EQ("pidfd_send_signal without a siginfo", pidfd_send_signal(fd, SIGUSR1, NULL, 0), 0);
	memset(&g, 0, sizeof g);
	ok = readable(up[0], 5000) && read(up[0], &g, sizeof g) == sizeof g;
	CHECK("the handler runs again", ok);
	CHECK_EQ("and sees si_code SI_USER", g.code, SI_USER);
	CHECK_EQ("si_pid our pid", g.pid, getpid());
	CHECK_EQ("si_uid our uid", g.uid, getuid());
	close(down[1]);
	CHECK_EQ("the child exits", wait_code(c), 0);
	close(up[0]);
	close(fd);

	/* To ourselves any si_code is allowed. */
	int self = pidfd_open(getpid(), 0);
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, &old);
	si = make_info(SIGUSR2, SI_USER, 999, 4242, 5);
	CHECK_EQ("pidfd_send_signal to ourselves with si_code SI_USER works", pidfd_send_signal(self, SIGUSR2, &si, 0), 0);
	struct timespec ts = { 5, 0 };
	siginfo_t in;
	memset(&in, 0, sizeof in);
	CHECK_EQ("sigtimedwait takes it", sigtimedwait(&set, &in, &ts), SIGUSR2);
	CHECK_EQ("with si_code SI_USER", in.si_code, SI_USER);
	CHECK_EQ("and si_pid as given (999)", in.si_pid, 999);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(self);
}

/* ---- F_SETOWN / F_GETOWN ---- */

static void test_owner(void)
{
	int p[2];
	struct f_owner_ex ex;
	pipe(p);
	pid_t me = getpid(), pg = getpgrp();
	pid_t tid = syscall(SYS_gettid);
	CHECK_EQ("F_GETOWN of a new pipe is 0", fcntl(p[0], F_GETOWN), 0);
	memset(&ex, 0x55, sizeof ex);
	CHECK_EQ("F_GETOWN_EX of a new pipe works", fcntl(p[0], F_GETOWN_EX, &ex), 0);
	CHECK("and gives type F_OWNER_TID, pid 0", ex.type == F_OWNER_TID && ex.pid == 0);
	CHECK_EQ("F_SETOWN to our pid", fcntl(p[0], F_SETOWN, me), 0);
	CHECK_EQ("F_GETOWN reads it back", fcntl(p[0], F_GETOWN), me);
	fcntl(p[0], F_GETOWN_EX, &ex);
	CHECK("F_GETOWN_EX shows F_OWNER_PID and our pid", ex.type == F_OWNER_PID && ex.pid == me);
	int d = dup(p[0]);
	CHECK_EQ("a dup shares the owner (it is the open file's)", fcntl(d, F_GETOWN), me);
	CHECK_EQ("the pipe's other end has none", fcntl(p[1], F_GETOWN), 0);
	close(d);
	CHECK_EQ("F_SETOWN to -pgrp names our process group", fcntl(p[0], F_SETOWN, -pg), 0);
	CHECK_EQ("F_GETOWN gives -pgrp", fcntl(p[0], F_GETOWN), -pg);
	fcntl(p[0], F_GETOWN_EX, &ex);
	CHECK("F_GETOWN_EX shows F_OWNER_PGRP and the (positive) group", ex.type == F_OWNER_PGRP && ex.pid == pg);
	ex.type = F_OWNER_TID;
	ex.pid = tid;
	CHECK_EQ("F_SETOWN_EX F_OWNER_TID to our thread", fcntl(p[0], F_SETOWN_EX, &ex), 0);
	memset(&ex, 0, sizeof ex);
	fcntl(p[0], F_GETOWN_EX, &ex);
	CHECK("F_GETOWN_EX reads F_OWNER_TID and the tid back", ex.type == F_OWNER_TID && ex.pid == tid);
	CHECK_EQ("F_GETOWN gives the tid", fcntl(p[0], F_GETOWN), tid);
	ex.type = F_OWNER_PGRP;
	ex.pid = pg;
	CHECK_EQ("F_SETOWN_EX F_OWNER_PGRP", fcntl(p[0], F_SETOWN_EX, &ex), 0);
	CHECK_EQ("then F_GETOWN gives -pgrp", fcntl(p[0], F_GETOWN), -pg);
	ex.type = F_OWNER_PID;
	ex.pid = me;
	CHECK_EQ("F_SETOWN_EX F_OWNER_PID", fcntl(p[0], F_SETOWN_EX, &ex), 0);
	CHECK_EQ("then F_GETOWN gives our pid", fcntl(p[0], F_GETOWN), me);
	ex.type = 3;
	CHECK_ERR("F_SETOWN_EX with type 3 is EINVAL", fcntl(p[0], F_SETOWN_EX, &ex), EINVAL);
	ex.type = F_OWNER_PID;
	ex.pid = NO_PID;
	CHECK_ERR("F_SETOWN_EX of a pid no process has is ESRCH", fcntl(p[0], F_SETOWN_EX, &ex), ESRCH);
	CHECK_ERR("F_SETOWN_EX with a bad pointer is EFAULT", fcntl(p[0], F_SETOWN_EX, (void *)8), EFAULT);
	CHECK_ERR("F_SETOWN of a pid no process has is ESRCH", fcntl(p[0], F_SETOWN, NO_PID), ESRCH);
	CHECK_ERR("so is a process group no one has", fcntl(p[0], F_SETOWN, -NO_PID), ESRCH);
	CHECK_ERR("F_SETOWN INT_MIN is EINVAL", fcntl(p[0], F_SETOWN, INT_MIN), EINVAL);
	CHECK_EQ("failed calls keep the owner", fcntl(p[0], F_GETOWN), me);
	CHECK_EQ("F_SETOWN 0 clears it", fcntl(p[0], F_SETOWN, 0), 0);
	CHECK_EQ("F_GETOWN is 0 again", fcntl(p[0], F_GETOWN), 0);

	int rel[2];
	pipe(rel);
	pid_t c = fork_child();
	if (c == 0) {
		char ch;
		close(rel[1]);
		while (read(rel[0], &ch, 1) > 0)
			;
		_exit(0);
	}
	close(rel[0]);
	CHECK_EQ("F_SETOWN to a child", fcntl(p[0], F_SETOWN, c), 0);
	CHECK_EQ("F_GETOWN reads the child", fcntl(p[0], F_GETOWN), c);
	close(rel[1]);
	wait_code(c);
	CHECK_EQ("once the child is reaped F_GETOWN reads 0", fcntl(p[0], F_GETOWN), 0);

	if (geteuid() != 0) {
		printf("skip F_GETOWN in a child PID namespace: clone(CLONE_NEWPID) needs root\n");
	} else {
		int up[2], down[2];
		pipe(up);
		pipe(down);
		fcntl(p[0], F_SETOWN, me);
		pid_t init = fork_newpid();
		if (init == 0) {
			char ch;
			int r[3];
			prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
			close(up[0]);
			close(down[1]);
			r[0] = fcntl(p[0], F_GETOWN);
			write(up[1], "r", 1);
			read(down[0], &ch, 1);
			r[1] = fcntl(p[0], F_GETOWN);
			struct f_owner_ex e = { 9, 9 };
			fcntl(p[0], F_GETOWN_EX, &e);
			r[2] = e.type * 100 + e.pid;
			write(up[1], r, sizeof r);
			while (read(down[0], &ch, 1) > 0)
				;
			_exit(0);
		}
		close(up[1]);
		close(down[0]);
		char ch = 0;
		int r[3] = { -1, -1, -1 };
		int ok = readable(up[0], 5000) && read(up[0], &ch, 1) == 1;
		fcntl(p[0], F_SETOWN, init);
		write(down[1], "s", 1);
		ok = ok && readable(up[0], 5000) && read(up[0], r, sizeof r) == sizeof r;
		CHECK("a PID namespace init reports", ok);
		CHECK_EQ("F_GETOWN inside it, of an owner outside the namespace, is 0", r[0], 0);
		CHECK_EQ("once the owner is set to the init, F_GETOWN inside reads 1", r[1], 1);
		CHECK_EQ("and F_GETOWN_EX inside reads F_OWNER_PID, 1", r[2], F_OWNER_PID * 100 + 1);
		CHECK_EQ("F_GETOWN outside reads its outer pid", fcntl(p[0], F_GETOWN), init);
		close(down[1]);
		CHECK_EQ("the init exits", wait_code(init), 0);
		close(up[0]);
	}
	close(p[0]);
	close(p[1]);
}

/* ---- personality ---- */

static void test_personality(void)
{
	char buf[32] = "";
	CHECK_EQ("personality(0xffffffff) returns the current persona: PER_LINUX", personality(0xffffffff), PER_LINUX);
	CHECK_EQ("personality(PER_LINUX) returns the old one", personality(PER_LINUX), PER_LINUX);
	CHECK_EQ("setting ADDR_NO_RANDOMIZE returns the old persona 0", personality(PER_LINUX | ADDR_NO_RANDOMIZE),
		 PER_LINUX);
	CHECK_EQ("a query shows ADDR_NO_RANDOMIZE", personality(0xffffffff), ADDR_NO_RANDOMIZE);
	int fd = open("/proc/self/personality", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
	CHECK_STR("/proc/self/personality reads 00040000", buf, "00040000\n");
	pid_t c = fork_child();
	if (c == 0)
		_exit(personality(0xffffffff) == ADDR_NO_RANDOMIZE ? 0 : 1);
	CHECK_EQ("a forked child inherits it", wait_code(c), 0);
	CHECK_EQ("personality(PER_LINUX) returns ADDR_NO_RANDOMIZE and clears it", personality(PER_LINUX),
		 ADDR_NO_RANDOMIZE);
	CHECK_EQ("the persona is PER_LINUX again", personality(0xffffffff), PER_LINUX);
	CHECK_EQ("an unknown persona (0x42) is accepted: returns the old one", personality(0x42), PER_LINUX);
	CHECK_EQ("and is stored as given", personality(0xffffffff), 0x42);
	CHECK_EQ("PER_BSD (6) as well", personality(PER_BSD), 0x42);
	CHECK_EQ("back to PER_LINUX", personality(PER_LINUX), PER_BSD);
	CHECK_EQ("(a query confirms)", personality(0xffffffff), PER_LINUX);
}

/* ---- msync ---- */

static void test_msync(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char path[] = "/tmp/nst-msync-XXXXXX";
	int fd = mkstemp(path);
	CHECK_OK("a temporary file", fd);
	if (fd < 0)
		return;
	unlink(path);
	ftruncate(fd, 3 * page);
	char *m = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK("mmap it MAP_SHARED", m != MAP_FAILED);
	if (m == MAP_FAILED)
		return;
	strcpy(m, "synced");
	CHECK_EQ("msync MS_SYNC returns 0", msync(m, 3 * page, MS_SYNC), 0);
	char buf[8] = "";
	pread(fd, buf, 7, 0);
	CHECK_STR("and read(2) sees the data", buf, "synced");
	CHECK_EQ("msync MS_ASYNC returns 0", msync(m, page, MS_ASYNC), 0);
	CHECK_EQ("msync MS_INVALIDATE returns 0", msync(m, page, MS_INVALIDATE), 0);
	CHECK_EQ("msync MS_SYNC|MS_INVALIDATE returns 0", msync(m, page, MS_SYNC | MS_INVALIDATE), 0);
	CHECK_EQ("msync with flags 0 returns 0", msync(m, page, 0), 0);
	CHECK_EQ("a length that is not a page multiple is rounded up", msync(m, 1, MS_SYNC), 0);
	CHECK_EQ("length 0 returns 0", msync(m, 0, MS_SYNC), 0);
	CHECK_ERR("MS_SYNC|MS_ASYNC is EINVAL", msync(m, page, MS_SYNC | MS_ASYNC), EINVAL);
	CHECK_ERR("an unknown flag (8) is EINVAL", msync(m, page, 8), EINVAL);
	CHECK_ERR("an unaligned address is EINVAL", syscall(SYS_msync, m + 1, page, MS_SYNC), EINVAL);
	munmap(m + page, page);
	CHECK_ERR("a range over an unmapped page is ENOMEM", msync(m, 3 * page, MS_SYNC), ENOMEM);
	CHECK_ERR("only the unmapped page: ENOMEM", msync(m + page, page, MS_ASYNC), ENOMEM);
	CHECK_EQ("the page after the hole alone is fine", msync(m + 2 * page, page, MS_SYNC), 0);
	if (mlock(m, page) == 0) {
		CHECK_ERR("MS_INVALIDATE of a locked page is EBUSY", msync(m, page, MS_INVALIDATE), EBUSY);
		CHECK_EQ("MS_SYNC of it is fine", msync(m, page, MS_SYNC), 0);
		munlock(m, page);
	} else {
		printf("skip MS_INVALIDATE of a locked page: mlock failed (%s)\n", strerror(errno));
	}
	munmap(m, 3 * page);
	close(fd);
	char *a = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK_EQ("msync of an anonymous mapping returns 0", msync(a, page, MS_SYNC), 0);
	munmap(a, page);
}

/* ---- pause ---- */

static volatile sig_atomic_t n_usr1;

static void on_usr1(int sig)
{
	n_usr1++;
}

static void test_pause(void)
{
	int up[2];
	int status;
	pipe(up);
	pid_t c = fork_child();
	if (c == 0) {
		alarm(20);
		close(up[0]);
		signal(SIGUSR1, on_usr1);
		signal(SIGWINCH, SIG_DFL); /* ignored by default */
		write(up[1], "r", 1);
		int r = pause();
		int res[3] = { r, errno, n_usr1 };
		write(up[1], res, sizeof res);
		_exit(0);
	}
	close(up[1]);
	char ch = 0;
	read(up[0], &ch, 1);
	CHECK("the child sleeps in pause(): state S", wait_state(c, 'S'));
	kill(c, SIGSTOP);
	CHECK("SIGSTOP stops it", wait_for(c, &status, WUNTRACED) == c && WIFSTOPPED(status));
	CHECK_EQ("state T", proc_state(c), 'T');
	kill(c, SIGCONT);
	CHECK("SIGCONT resumes it", wait_for(c, &status, WCONTINUED) == c && WIFCONTINUED(status));
	CHECK_EQ("but pause() does not return: nothing after 300 ms", readable(up[0], 300), 0);
	CHECK("it sleeps in pause() again: state S", wait_state(c, 'S'));
	kill(c, SIGWINCH);
	CHECK_EQ("an ignored signal (SIGWINCH) does not end pause() either", readable(up[0], 300), 0);
	kill(c, SIGUSR1);
	int res[3] = { 0, 0, 0 };
	int ok = readable(up[0], 5000) && read(up[0], res, sizeof res) == sizeof res;
	CHECK("SIGUSR1 with a handler ends pause()", ok);
	CHECK("it returns -1 with errno EINTR", res[0] == -1 && res[1] == EINTR);
	CHECK_EQ("after the handler ran once", res[2], 1);
	CHECK_EQ("the child exits", wait_code(c), 0);
	close(up[0]);
}

/*
 * sigqueue(3) (rt_sigqueueinfo), rt_tgsigqueueinfo and sigtimedwait(2):
 * a queued signal carries its value, sigtimedwait takes it without a
 * handler, and the kernel's forgery rules hold (do_rt_sigqueueinfo).
 */
static void test_sigqueue(void)
{
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 1);
	sigprocmask(SIG_BLOCK, &set, &old);
	struct timespec zero = { 0, 0 }, ts = { 5, 0 };
	siginfo_t in;
	CHECK_ERR("sigtimedwait with nothing pending and a zero timeout is EAGAIN", sigtimedwait(&set, &in, &zero),
		  EAGAIN);
	CHECK_ERR("a sigset size other than 8 is EINVAL",
		  syscall(SYS_rt_sigtimedwait, &set, &in, &zero, (size_t)4), EINVAL);
	union sigval v = { .sival_int = 7 };
	CHECK_OK("sigqueue to ourselves", sigqueue(getpid(), SIGRTMIN + 1, v));
	v.sival_int = 8;
	CHECK_OK("and once more (real-time signals queue)", sigqueue(getpid(), SIGRTMIN + 1, v));
	memset(&in, 0, sizeof in);
	CHECK_EQ("sigtimedwait takes the first", sigtimedwait(&set, &in, &ts), SIGRTMIN + 1);
	CHECK_EQ("si_code SI_QUEUE", in.si_code, SI_QUEUE);
	CHECK_EQ("si_pid is ours", in.si_pid, getpid());
	CHECK_EQ("si_value 7", in.si_value.sival_int, 7);
	memset(&in, 0, sizeof in);
	CHECK_EQ("then the second", sigwaitinfo(&set, &in), SIGRTMIN + 1);
	CHECK_EQ("with si_value 8", in.si_value.sival_int, 8);

	siginfo_t si = make_info(SIGRTMIN + 1, SI_QUEUE, 31337, 4242, 9);
	CHECK_OK("rt_tgsigqueueinfo to our own thread with a made-up si_pid",
		 syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), SIGRTMIN + 1, &si));
	memset(&in, 0, sizeof in);
	CHECK_EQ("sigtimedwait takes it", sigtimedwait(&set, &in, &ts), SIGRTMIN + 1);
	CHECK_EQ("with the si_pid given", in.si_pid, 31337);
	CHECK_ERR("rt_tgsigqueueinfo with tid 0 is EINVAL",
		  syscall(SYS_rt_tgsigqueueinfo, getpid(), 0, SIGRTMIN + 1, &si), EINVAL);
	CHECK_ERR("rt_sigqueueinfo with a bad siginfo pointer is EFAULT",
		  syscall(SYS_rt_sigqueueinfo, getpid(), SIGRTMIN + 1, (void *)8), EFAULT);

	pid_t c = fork_child();
	if (c == 0) {
		pause();
		_exit(0);
	}
	si = make_info(SIGUSR1, SI_USER, 1, 0, 0);
	CHECK_ERR("rt_sigqueueinfo with si_code SI_USER to another process is EPERM",
		  syscall(SYS_rt_sigqueueinfo, c, SIGUSR1, &si), EPERM);
	si = make_info(SIGUSR1, SI_TKILL, 1, 0, 0);
	CHECK_ERR("so is SI_TKILL", syscall(SYS_rt_sigqueueinfo, c, SIGUSR1, &si), EPERM);
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

int main(void)
{
	alarm(25);
	signal(SIGPIPE, SIG_IGN);
	test_clone_parent();
	test_pidfd_info();
	test_owner();
	test_personality();
	test_msync();
	test_pause();
	test_sigqueue();
	NST_DONE();
}
