/*
 * reliability_test: regression tests for the holes of issue 8 that live in
 * processes and signals, each checked against Linux:
 *  - item 1: a process stopped by SIGSTOP and resumed by SIGCONT reads
 *    only its own memory (Linux switches the address space with the task,
 *    context_switch() in kernel/sched/core.c);
 *  - item 2: an orphan whose exit signal is SIGKILL or SIGSTOP, reparented
 *    to a subreaper (PR_SET_CHILD_SUBREAPER, prctl(2)), signals it with
 *    SIGCHLD when it dies (reparent_leader() in kernel/exit.c: "We don't
 *    want people slaying init");
 *  - item 3: a signal arriving while a parent waits for its vfork(2) child
 *    neither hangs nor is lost: the wait is killable but otherwise
 *    uninterruptible (wait_for_vfork_done() in kernel/fork.c), the handler
 *    runs when vfork returns;
 *  - item 5: clone(2)/clone3(2) with CLONE_PIDFD and a bad pidfd pointer
 *    fail with EFAULT and leave no child; bad CLONE_PARENT_SETTID and
 *    CLONE_CHILD_SETTID pointers are ignored (put_user() results unchecked
 *    in kernel_clone() and schedule_tail());
 *  - item 6: the init of a PID namespace that exits with an unreaped
 *    zombie child and a running child is reapable, and both children are
 *    gone (zap_pid_namespace() in kernel/pid_namespace.c; root only).
 * Item 12 (a blocked signal to a namespace init is queued) is in
 * ns/pidns_signal_test.c. Every wait is bounded, so a kernel that hangs
 * makes a FAIL line, not a stuck test; alarm() is the last watchdog.
 * Arguments choose items: "reliability_test 1 3" runs items 1 and 3.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nsutil.h"

#ifndef PR_SET_CHILD_SUBREAPER
#define PR_SET_CHILD_SUBREAPER 36
#endif
#ifndef CLONE_PARENT_SETTID
#define CLONE_PARENT_SETTID 0x00100000
#endif
#ifndef CLONE_CHILD_SETTID
#define CLONE_CHILD_SETTID 0x01000000
#endif

/* The longest any single wait may take before it counts as a hang. */
#define HANG_SECONDS 30

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Waits (bounded) for pid to end; on a timeout or a stop it is killed. Returns a text for the status. */
static const char *reap(pid_t pid, int *code)
{
	static char buf[64];
	int status = 0;
	pid_t r = wait_for(pid, &status, WUNTRACED);
	*code = -1;
	if (r != pid || WIFSTOPPED(status)) {
		kill(pid, SIGKILL);
		wait_for(pid, &status, 0); /* bounded: a kernel may never make it reapable */
		if (r == pid)
			snprintf(buf, sizeof buf, "stopped by signal %d", WSTOPSIG(status));
		else
			snprintf(buf, sizeof buf, "did not end within %d s", HANG_SECONDS);
		return buf;
	}
	if (WIFSIGNALED(status)) {
		snprintf(buf, sizeof buf, "killed by signal %d", WTERMSIG(status));
		return buf;
	}
	*code = WEXITSTATUS(status);
	snprintf(buf, sizeof buf, "exit code %d", *code);
	return buf;
}

/* Reads n bytes from fd within HANG_SECONDS; 1 on success. */
static int read_within(int fd, void *buf, size_t n)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	double end = now_s() + HANG_SECONDS;
	int r;
	do
		r = poll(&p, 1, 1000);
	while ((r == 0 || (r < 0 && errno == EINTR)) && now_s() < end);
	return r == 1 && read(fd, buf, n) == (ssize_t)n;
}

/* ------------------------------------------------------------------ */
/*
 * Item 1: SIGSTOP/SIGCONT and memory isolation. After fork, the parent,
 * a runner and a stopped child hold different values in the same global
 * (the same virtual address in three address spaces). The parent stops
 * and continues the child 200 times while the runner runs; the child
 * reads the global in a loop without system calls, so after each
 * SIGCONT its first reads happen on whatever page table the kernel put
 * on the MMU. Linux switches address spaces in context_switch()
 * (switch_mm_irqs_off), so every read sees the child's own value. The
 * counters live in a MAP_SHARED page, the same frame for all three.
 */
#define ISO_ROUNDS 200
#define PAT_PARENT 0x5041524547000001UL
#define PAT_STOPPED 0x53544f5050000002UL
#define PAT_RUNNER 0x52554e4e45000003UL

static volatile unsigned long iso_cell;

struct iso_shared {
	volatile long stop;
	volatile long iter_s, bad_s;
	volatile unsigned long seen_s;
	volatile long iter_r, bad_r;
	volatile unsigned long seen_r;
};

static pid_t iso_child(struct iso_shared *sh, int stopped)
{
	pid_t parent = getpid();
	pid_t p = fork();
	if (p != 0)
		return p;
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != parent)
		_exit(2);
	if (stopped) {
		iso_cell = PAT_STOPPED;
		while (!sh->stop) {
			unsigned long v = iso_cell;
			if (v != PAT_STOPPED) {
				sh->bad_s++;
				sh->seen_s = v;
			}
			sh->iter_s++;
		}
	} else {
		iso_cell = PAT_RUNNER;
		while (!sh->stop) {
			unsigned long v = iso_cell;
			if (v != PAT_RUNNER) {
				sh->bad_r++;
				sh->seen_r = v;
			}
			sh->iter_r++;
			/* Should the parent die, end both (PDEATHSIG may be missing). */
			if (getppid() != parent)
				sh->stop = 1;
			sched_yield();
		}
	}
	_exit(0);
}

static void test_stop_isolation(void)
{
	struct iso_shared *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		CHECK("item 1: mmap a shared page for the counters", 0);
		return;
	}
	memset(sh, 0, sizeof *sh);
	fflush(stdout);
	pid_t s = iso_child(sh, 1);
	pid_t r = iso_child(sh, 0);
	iso_cell = PAT_PARENT;
	int rounds = 0, status;
	const char *why = "";
	for (int i = 0; i < ISO_ROUNDS; i++) {
		/* The child has run since it was last continued (or started). */
		double end = now_s() + HANG_SECONDS;
		long before = sh->iter_s;
		while (sh->iter_s == before && now_s() < end)
			usleep(1000);
		if (sh->iter_s == before) {
			why = "the continued child made no progress";
			break;
		}
		if (kill(s, SIGSTOP) != 0 || wait_for(s, &status, WUNTRACED) != s || !WIFSTOPPED(status)) {
			why = "SIGSTOP did not stop the child";
			break;
		}
		/* Let the runner (or the parent) be the last user of the MMU. */
		sched_yield();
		usleep(i % 4 == 0 ? 1000 : 0);
		if (kill(s, SIGCONT) != 0 || wait_for(s, &status, WCONTINUED) != s || !WIFCONTINUED(status)) {
			why = "SIGCONT did not continue the child";
			break;
		}
		rounds++;
	}
	double end = now_s() + HANG_SECONDS;
	long before = sh->iter_s;
	while (sh->iter_s == before && now_s() < end)
		usleep(1000);
	sh->stop = 1;
	int code_s, code_r;
	const char *how_s = reap(s, &code_s), *how_r = reap(r, &code_r);
	nst_report(rounds == ISO_ROUNDS, "item 1: 200 rounds of SIGSTOP, WUNTRACED, SIGCONT, WCONTINUED",
		   __FILE__, __LINE__, "round %d: %s", rounds, why);
	nst_report(sh->bad_s == 0, "item 1: the stopped and continued process reads only its own value",
		   __FILE__, __LINE__, "%ld of %ld reads saw another value, last %#lx (parent %#lx, runner %#lx)",
		   sh->bad_s, sh->iter_s, sh->seen_s, PAT_PARENT, PAT_RUNNER);
	nst_report(sh->bad_r == 0 && sh->iter_r > 0 && iso_cell == PAT_PARENT,
		   "item 1: the runner and the parent keep their own values", __FILE__, __LINE__,
		   "runner: %ld of %ld reads wrong, last %#lx; parent reads %#lx", sh->bad_r, sh->iter_r,
		   sh->seen_r, iso_cell);
	nst_report(code_s == 0 && code_r == 0, "item 1: both children exit normally", __FILE__, __LINE__,
		   "stopped child: %s; runner: %s", how_s, how_r);
	munmap(sh, 4096);
}

/* ------------------------------------------------------------------ */
/*
 * Item 2: an orphan with exit_signal SIGKILL (or SIGSTOP) and a
 * subreaper. A child S of the test becomes a subreaper; its child M
 * clones O with that exit signal (raw clone, flags = the signal) and
 * exits, so O is reparented to S. Linux's reparent_leader() sets
 * O->exit_signal = SIGCHLD, so when O exits S's SA_SIGINFO handler gets
 * SIGCHLD (si_pid O, CLD_EXITED), S reaps O with a plain waitpid, and
 * lives on. S exits with a bit mask of what went wrong.
 */
enum { SR_M_CHLD = 1, SR_O_CHLD = 2, SR_O_WAIT = 4, SR_SETUP = 8, SR_PPID = 16 };

/* The SIGCHLDs the subreaper got: sender and si_code of each, in order. */
static volatile sig_atomic_t chld_count;
static volatile pid_t chld_pid[8];
static volatile int chld_code[8];

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	if (chld_count < 8) {
		chld_pid[chld_count] = si->si_pid;
		chld_code[chld_count] = si->si_code;
		chld_count++;
	}
}

/* Waits (bounded) until a SIGCHLD from pid with code arrived; 1 if it did. */
static int got_chld_from(pid_t pid, int code)
{
	double end = now_s() + HANG_SECONDS;
	do {
		for (int i = 0; i < chld_count; i++)
			if (chld_pid[i] == pid && chld_code[i] == code)
				return 1;
		usleep(1000);
	} while (now_s() < end);
	return 0;
}

static int subreaper_run(int sig)
{
	int go[2], pidp[2], bad = 0;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0 || pipe(go) || pipe(pidp))
		return SR_SETUP;
	pid_t m = fork();
	if (m == 0) {
		pid_t o = syscall(SYS_clone, sig, 0, 0, 0, 0);
		if (o == 0) {
			char c;
			close(go[1]);
			read(go[0], &c, 1);
			syscall(SYS_exit_group, 0);
		}
		write(pidp[1], &o, sizeof o);
		_exit(0);
	}
	close(go[0]);
	pid_t o = -1;
	if (m < 0 || !read_within(pidp[0], &o, sizeof o) || o <= 0 || wait_code(m) != 0) {
		close(go[1]);
		return SR_SETUP;
	}
	if (!got_chld_from(m, CLD_EXITED))
		bad |= SR_M_CHLD;
	/* O is ours now: its parent is the subreaper (/proc/O/stat field 4). */
	char path[64], stat[512] = "";
	snprintf(path, sizeof path, "/proc/%d/stat", o);
	int fd = open(path, O_RDONLY);
	if (fd >= 0) {
		ssize_t n = read(fd, stat, sizeof stat - 1);
		stat[n > 0 ? n : 0] = 0;
		close(fd);
	}
	char *rp = strrchr(stat, ')');
	int ppid = -1;
	if (!rp || sscanf(rp + 1, " %*c %d", &ppid) != 1 || ppid != getpid())
		bad |= SR_PPID;
	close(go[1]); /* O exits now */
	if (!got_chld_from(o, CLD_EXITED))
		bad |= SR_O_CHLD;
	int status = 0;
	if (wait_for(o, &status, 0) != o || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		bad |= SR_O_WAIT;
	return bad;
}

static void test_subreaper(int sig, const char *name)
{
	char label[160];
	fflush(stdout);
	pid_t s = fork();
	if (s == 0) {
		alarm(HANG_SECONDS * 2);
		_exit(subreaper_run(sig));
	}
	int code;
	const char *how = reap(s, &code);
	snprintf(label, sizeof label, "item 2: the subreaper survives the death of an orphan with exit signal %s", name);
	nst_report(code >= 0, label, __FILE__, __LINE__, "the subreaper: %s", how);
	snprintf(label, sizeof label, "item 2: the orphan (exit signal %s) is reparented to the subreaper", name);
	nst_report(code >= 0 && !(code & (SR_SETUP | SR_PPID)), label, __FILE__, __LINE__, "%s", how);
	snprintf(label, sizeof label, "item 2: its death sends SIGCHLD, not %s, and a plain waitpid reaps it", name);
	nst_report(code == 0, label, __FILE__, __LINE__, "%s (1: no SIGCHLD from the middle child, "
		   "2: none from the orphan, 4: waitpid failed)", how);
}

/* ------------------------------------------------------------------ */
/*
 * Item 3: vfork(2) and a signal while the parent waits. A child V of the
 * test (so its ITIMER_REAL is its own) arms a 20 ms one-shot ITIMER_REAL
 * with a SIGALRM handler and vforks; the vfork child sleeps 200 ms,
 * sends SIGALRM to V as well (so at least one signal surely arrives
 * during the wait, however slow the machine), sleeps 100 ms and _exits.
 * Linux: vfork returns the child's PID once the child exits
 * (wait_for_vfork_done waits TASK_KILLABLE), then the handler runs.
 */
static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	alarms++;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int vfork_run(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 0 }, { 0, 20000 } };
	if (setitimer(ITIMER_REAL, &it, NULL) != 0)
		return 8;
	pid_t parent = getpid();
	pid_t c = vfork();
	if (c == 0) {
		sleep_ms(200);
		kill(parent, SIGALRM);
		sleep_ms(100);
		_exit(7);
	}
	int bad = 0;
	if (c < 0)
		return 8;
	if (alarms < 1)
		bad |= 1;
	if (wait_code(c) != 7)
		bad |= 2;
	return bad;
}

static void test_vfork_signal(void)
{
	fflush(stdout);
	pid_t v = fork();
	if (v == 0)
		_exit(vfork_run());
	int code;
	const char *how = reap(v, &code);
	nst_report(code >= 0 && code != 8, "item 3: vfork returns although SIGALRM arrives while the parent waits",
		   __FILE__, __LINE__, "the vforking process: %s", how);
	nst_report(code >= 0 && !(code & 1), "item 3: the SIGALRM handler ran once vfork returned",
		   __FILE__, __LINE__, "the vforking process: %s", how);
	nst_report(code >= 0 && !(code & 2), "item 3: the vfork child is reaped with its exit code",
		   __FILE__, __LINE__, "the vforking process: %s", how);
}

/* ------------------------------------------------------------------ */
/*
 * Item 5: clone with bad pointers. Linux writes the pidfd in
 * copy_process() before the child becomes visible and undoes everything
 * when that put_user() fails (EFAULT, no child); the parent and child
 * TIDs are written with put_user() results ignored (kernel_clone(),
 * schedule_tail()), so bad pointers there change nothing. The raw
 * clone's argument order differs: x86_64 (flags, stack, ptid, ctid,
 * tls), riscv64 (flags, stack, ptid, tls, ctid).
 */
#if defined(__x86_64__)
#define RAW_CLONE(flags, ptid, ctid) syscall(SYS_clone, (flags), 0, (ptid), (ctid), 0)
#else
#define RAW_CLONE(flags, ptid, ctid) syscall(SYS_clone, (flags), 0, (ptid), 0, (ctid))
#endif

/* A clone that should make a child: the child exits 7 at once; returns its wait_code, or -errno. */
static int clone_runs(long r)
{
	if (r == 0)
		syscall(SYS_exit_group, 7);
	if (r < 0)
		return -errno;
	int code;
	reap(r, &code);
	return code;
}

static void test_clone_bad_pointers(void)
{
	/* An address that surely is not mapped: a page mapped and unmapped. */
	void *bad = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(bad, 4096);
	struct nst_clone_args a;

	fflush(stdout);
	CHECK_ERR("item 5: clone(CLONE_PIDFD) with an unmapped pidfd pointer is EFAULT",
		  tried_clone(RAW_CLONE(CLONE_PIDFD | SIGCHLD, bad, 0)), EFAULT);
	CHECK_ERR("item 5: and it left no child: wait4(-1, WNOHANG) is ECHILD",
		  wait4(-1, NULL, WNOHANG, NULL), ECHILD);
	int ghosts = 0;
	for (int i = 0; i < 50; i++)
		if (tried_clone(RAW_CLONE(CLONE_PIDFD | SIGCHLD, bad, 0)) != -1 || errno != EFAULT)
			ghosts++;
	CHECK_EQ("item 5: 50 more such clones all fail with EFAULT", ghosts, 0);
	CHECK_ERR("item 5: and leave no child either", wait4(-1, NULL, WNOHANG, NULL), ECHILD);

	memset(&a, 0, sizeof a);
	a.flags = CLONE_PIDFD;
	a.pidfd = (uintptr_t)bad;
	a.exit_signal = SIGCHLD;
	CHECK_ERR("item 5: clone3(CLONE_PIDFD) with an unmapped pidfd pointer is EFAULT",
		  try_clone3(&a, sizeof a), EFAULT);
	CHECK_ERR("item 5: and it left no child: wait4(-1, WNOHANG) is ECHILD",
		  wait4(-1, NULL, WNOHANG, NULL), ECHILD);

	fflush(stdout);
	CHECK_EQ("item 5: clone(CLONE_PARENT_SETTID) with an unmapped pointer: the child runs (ignored)",
		 clone_runs(RAW_CLONE(CLONE_PARENT_SETTID | SIGCHLD, bad, 0)), 7);
	CHECK_EQ("item 5: clone(CLONE_CHILD_SETTID) with an unmapped pointer: the child runs (ignored)",
		 clone_runs(RAW_CLONE(CLONE_CHILD_SETTID | SIGCHLD, 0, bad)), 7);
	memset(&a, 0, sizeof a);
	a.flags = CLONE_PARENT_SETTID | CLONE_CHILD_SETTID;
	a.parent_tid = (uintptr_t)bad;
	a.child_tid = (uintptr_t)bad;
	a.exit_signal = SIGCHLD;
	CHECK_EQ("item 5: clone3 with unmapped parent and child TID pointers: the child runs (ignored)",
		 clone_runs(syscall(SYS_clone3, &a, sizeof a)), 7);
	CHECK_ERR("item 5: no child is left after them", wait4(-1, NULL, WNOHANG, NULL), ECHILD);
}

/* ------------------------------------------------------------------ */
/*
 * Item 6: a PID-namespace init exits without reaping. The init forks a
 * child that exits (the init waits for it with WNOWAIT, so it stays a
 * zombie) and one that sleeps, then exits itself. Linux's
 * zap_pid_namespace() kills the sleeper and reaps both before the init
 * becomes a zombie, so the test reaps the init with its exit code and
 * neither child is left (kill(pid, 0) is ESRCH; a zombie would answer).
 * The children tell their PIDs as seen from the test (readlink of
 * /proc/self, a procfs of the test's namespace).
 */
static pid_t self_pid_outside(void)
{
	char buf[32];
	ssize_t n = readlink("/proc/self", buf, sizeof buf - 1);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return atoi(buf);
}

static void test_pidns_init_zombie(void)
{
	if (geteuid() != 0) {
		printf("skip item 6: a PID-namespace init with an unreaped zombie: clone(CLONE_NEWPID) needs root\n");
		return;
	}
	int zp[2], sp[2], ready[2];
	if (pipe(zp) || pipe(sp) || pipe(ready)) {
		CHECK("item 6: pipes", 0);
		return;
	}
	pid_t init = fork_newpid();
	if (init == 0) {
		/* (No alarm here: an init does not die of a SIGALRM it does not handle.) */
		pid_t z = fork();
		if (z == 0) {
			pid_t me = self_pid_outside();
			write(zp[1], &me, sizeof me);
			_exit(0);
		}
		pid_t s = fork();
		if (s == 0) {
			pid_t me = self_pid_outside();
			write(sp[1], &me, sizeof me);
			write(ready[1], "r", 1);
			alarm(HANG_SECONDS * 2);
			for (;;)
				pause();
		}
		siginfo_t si;
		char c;
		memset(&si, 0, sizeof si);
		int zombie = waitid(P_PID, z, &si, WEXITED | WNOWAIT) == 0 && si.si_pid == z;
		int up = s > 0 && read_within(ready[0], &c, 1);
		_exit(zombie && up ? 3 : 4);
	}
	pid_t zpid = -1, spid = -1;
	int got = init > 0 && read_within(zp[0], &zpid, sizeof zpid) && read_within(sp[0], &spid, sizeof spid);
	int code = -1;
	const char *how = init > 0 ? reap(init, &code) : "fork failed";
	nst_report(code == 3, "item 6: the init that left a zombie and a running child is reaped with its exit code",
		   __FILE__, __LINE__, "init: %s (3: ok, 4: the init's own setup failed)", how);
	CHECK("item 6: the children told their PIDs", got && zpid > 0 && spid > 0);
	if (got && zpid > 0 && spid > 0) {
		CHECK_ERR("item 6: the zombie child is gone (reaped by the dying init)", kill(zpid, 0), ESRCH);
		CHECK_ERR("item 6: the running child is gone (killed and reaped)", kill(spid, 0), ESRCH);
	}
	CHECK_ERR("item 6: the test has no child left", wait4(-1, NULL, WNOHANG, NULL), ECHILD);
	close(zp[0]), close(zp[1]), close(sp[0]), close(sp[1]), close(ready[0]), close(ready[1]);
}

int main(int argc, char **argv)
{
	/* The last watchdog; every wait below is bounded on its own. */
	alarm(110);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (wanted(argc, argv, 1))
		test_stop_isolation();
	if (wanted(argc, argv, 2)) {
		test_subreaper(SIGKILL, "SIGKILL");
		test_subreaper(SIGSTOP, "SIGSTOP");
	}
	if (wanted(argc, argv, 3))
		test_vfork_signal();
	if (wanted(argc, argv, 5))
		test_clone_bad_pointers();
	if (wanted(argc, argv, 6))
		test_pidns_init_zombie();
	NST_DONE();
}
