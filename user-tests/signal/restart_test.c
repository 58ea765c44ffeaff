/*
 * Timed waits across a stop: restart_syscall(2). "restart_syscall() is
 * used for restarting only those system calls that, when restarted,
 * should adjust their time-related parameters - namely poll(2),
 * nanosleep(2), clock_nanosleep(2), and futex(2) FUTEX_WAIT and
 * FUTEX_WAIT_BITSET", and signal(7): without a handler, a stop and
 * SIGCONT do not make these calls fail with EINTR.
 *
 * Each case (all at once) forks a child that starts a 2 s wait; the parent
 * stops it with SIGSTOP while it waits, keeps it stopped until past its
 * deadline, and continues it. The wait must end as if never interrupted (0, or
 * ETIMEDOUT for a futex), soon after SIGCONT: restarting it from scratch
 * would take its whole 2 s again. The checks allow 1.5 s of scheduling
 * delay, so they hold on a loaded machine. (Where there is no poll(2), as
 * on riscv64, musl's poll is ppoll, which Linux re-runs with the time left
 * at the stop: it returns 0 but later.)
 *
 * Then: a handler makes nanosleep fail with EINTR and the time left, and
 * afterwards (and in a process that never waited) restart_syscall(2) has
 * nothing to continue: EINTR ("do_no_restart_syscall").
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nsutil.h"

#ifndef SYS_restart_syscall
#error "no SYS_restart_syscall"
#endif

enum wait_kind { NANOSLEEP, CLOCK_REL, CLOCK_ABS, POLL, FUTEX_TIMED, FUTEX_FOREVER };
static const char *kind_name[] = { "nanosleep", "clock_nanosleep", "clock_nanosleep TIMER_ABSTIME", "poll",
				   "FUTEX_WAIT with a timeout", "FUTEX_WAIT without a timeout" };

struct result {
	long ret;
	int err;
	struct timespec end;
};

static uint32_t *futex_word; /* shared with the child */

static long long ms_between(struct timespec a, struct timespec b)
{
	return (b.tv_sec - a.tv_sec) * 1000LL + (b.tv_nsec - a.tv_nsec) / 1000000;
}

static long futex(uint32_t *word, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, word, op, val, ts, NULL, 0);
}

static void do_wait(enum wait_kind kind, struct result *r)
{
	struct timespec two = { 2, 0 }, rem = { 0, 0 }, abs;
	errno = 0;
	switch (kind) {
	case NANOSLEEP:
		r->ret = nanosleep(&two, &rem);
		break;
	case CLOCK_REL:
		r->ret = clock_nanosleep(CLOCK_MONOTONIC, 0, &two, &rem);
		break;
	case CLOCK_ABS:
		clock_gettime(CLOCK_MONOTONIC, &abs);
		abs.tv_sec += 2;
		r->ret = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
		break;
	case POLL:
		/* musl's poll is ppoll where the architecture has no poll(2). */
		r->ret = poll(NULL, 0, 2000);
		break;
	case FUTEX_TIMED:
		r->ret = futex(futex_word, FUTEX_WAIT, 0, &two);
		break;
	case FUTEX_FOREVER:
		r->ret = futex(futex_word, FUTEX_WAIT, 0, NULL);
		break;
	}
	r->err = errno;
	clock_gettime(CLOCK_MONOTONIC, &r->end);
}

/* Reads the child's result, waiting up to 10 s; 0 if none came. */
static int read_result(int fd, struct result *r)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, 10000) == 1 && read(fd, r, sizeof *r) == sizeof *r;
}

struct child {
	pid_t pid;
	int fd;
};

/* Starts a child that waits as `kind` and reports through a pipe. */
static struct child start_waiter(enum wait_kind kind)
{
	int fds[2];
	pipe(fds);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		struct result r;
		do_wait(kind, &r);
		write(fds[1], &r, sizeof r);
		_exit(0);
	}
	close(fds[1]);
	return (struct child){ c, fds[0] };
}

static void check_result(enum wait_kind kind, struct child c, struct timespec cont)
{
	char name[160];
	struct result r = { .ret = -2 };
	if (kind == FUTEX_FOREVER) {
		/* Still waiting after SIGCONT: no result for 300 ms... */
		struct pollfd p = { .fd = c.fd, .events = POLLIN };
		snprintf(name, sizeof name, "%s: still waits after SIGCONT", kind_name[kind]);
		CHECK(name, poll(&p, 1, 300) == 0);
		/* ...then a wake ends it with 0. */
		for (int i = 0; i < 100 && poll(&p, 1, 0) == 0; i++) {
			futex(futex_word, FUTEX_WAKE, 1, NULL);
			usleep(20000);
		}
		snprintf(name, sizeof name, "%s: returns 0 when woken", kind_name[kind]);
		CHECK(name, read_result(c.fd, &r) && r.ret == 0);
		if (r.ret != 0)
			printf("# got %ld, errno %d\n", r.ret, r.err);
	} else {
		snprintf(name, sizeof name, "%s: the child reports", kind_name[kind]);
		CHECK(name, read_result(c.fd, &r));
		int ok = kind == FUTEX_TIMED ? r.ret == -1 && r.err == ETIMEDOUT : r.ret == 0;
		snprintf(name, sizeof name, "%s: %s, not EINTR", kind_name[kind],
			 kind == FUTEX_TIMED ? "times out (ETIMEDOUT)" : "returns 0");
		CHECK(name, ok);
		if (!ok)
			printf("# got %ld, errno %d\n", r.ret, r.err);
		long long late = ms_between(cont, r.end);
#ifndef SYS_poll
		/* ppoll (riscv64 has no poll(2)) is re-run with the time that was
		 * left when the stop interrupted it (poll_select_finish writes it
		 * back), so the stopped time does not count: no bound here. */
		if (kind == POLL)
			late = 0;
#endif
		snprintf(name, sizeof name, "%s: ends soon after SIGCONT, not 2 s later (%lld ms)", kind_name[kind], late);
		CHECK(name, late < 1500);
	}
	close(c.fd);
	snprintf(name, sizeof name, "%s: the child exits 0", kind_name[kind]);
	CHECK_EQ(name, wait_code(c.pid), 0);
}

/* All the waits at once: each child is stopped while it waits, stays
 * stopped past its 2 s deadline, and is continued. */
static void stop_across_deadlines(int argc, char **argv)
{
	char name[160];
	struct child children[FUTEX_FOREVER + 1];
	int on[FUTEX_FOREVER + 1];
	*futex_word = 0;
	for (int k = NANOSLEEP; k <= FUTEX_FOREVER; k++) {
		on[k] = wanted(argc, argv, k + 1);
		if (on[k])
			children[k] = start_waiter(k);
	}
	for (int k = NANOSLEEP; k <= FUTEX_FOREVER; k++) {
		if (!on[k])
			continue;
		snprintf(name, sizeof name, "%s: the child sleeps in it", kind_name[k]);
		CHECK(name, wait_state(children[k].pid, 'S'));
		kill(children[k].pid, SIGSTOP);
		int status = 0;
		snprintf(name, sizeof name, "%s: SIGSTOP stops it", kind_name[k]);
		CHECK(name, wait_for(children[k].pid, &status, WUNTRACED) == children[k].pid && WIFSTOPPED(status));
	}
	/* Every 2 s deadline passes while the children are stopped. */
	usleep(2500 * 1000);
	struct timespec cont;
	clock_gettime(CLOCK_MONOTONIC, &cont);
	for (int k = NANOSLEEP; k <= FUTEX_FOREVER; k++)
		if (on[k])
			kill(children[k].pid, SIGCONT);
	for (int k = NANOSLEEP; k <= FUTEX_FOREVER; k++)
		if (on[k])
			check_result(k, children[k], cont);
}

static void on_usr1(int sig)
{
}

int main(int argc, char **argv)
{
	alarm(120);
	futex_word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (futex_word == MAP_FAILED)
		return 1;
	stop_across_deadlines(argc, argv);

	if (wanted(argc, argv, 7)) {
		errno = 0;
		CHECK("restart_syscall with nothing to restart is EINTR", syscall(SYS_restart_syscall) == -1 && errno == EINTR);

		int fds[2];
		pipe(fds);
		fflush(stdout);
		pid_t c = fork();
		if (c == 0) {
			struct sigaction sa = { .sa_handler = on_usr1 }; /* no SA_RESTART */
			sigaction(SIGUSR1, &sa, NULL);
			struct timespec five = { 5, 0 }, rem = { 0, 0 };
			long r[4];
			r[0] = nanosleep(&five, &rem);
			r[1] = errno;
			r[2] = rem.tv_sec * 1000 + rem.tv_nsec / 1000000;
			errno = 0;
			r[3] = syscall(SYS_restart_syscall) == -1 && errno == EINTR;
			write(fds[1], r, sizeof r);
			_exit(0);
		}
		close(fds[1]);
		CHECK("the child sleeps", wait_state(c, 'S'));
		kill(c, SIGUSR1);
		long r[4] = { 0 };
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		CHECK("it reports", poll(&p, 1, 10000) == 1 && read(fds[0], r, sizeof r) == sizeof r);
		CHECK("a handler makes nanosleep fail with EINTR", r[0] == -1 && r[1] == EINTR);
		CHECK("with the time left in rem (0 < rem <= 5 s)", r[2] > 0 && r[2] <= 5000);
		CHECK("after the handler, restart_syscall is EINTR", r[3] == 1);
		CHECK_EQ("the child exits 0", wait_code(c), 0);
	}
	NST_DONE();
}
