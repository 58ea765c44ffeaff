/*
 * pidns_signal_test: signals to the init of a PID namespace
 * (pid_namespaces(7); Linux's sig_task_ignored() and the
 * SIGNAL_UNKILLABLE test in get_signal()). A signal the init blocks is
 * never dropped when it is sent, whoever sends it: it stays pending, and
 * when the init unblocks it, it is delivered to a handler installed
 * meanwhile -- or, still at SIG_DFL, dropped then, as only SIGKILL and
 * SIGSTOP can reach an init that has no handler. A signal the init does
 * not block, sent while its action is SIG_DFL, is dropped at once (not
 * even pending), also from the parent namespace; SIGSTOP from the parent
 * namespace stops the init and SIGCONT resumes it, while the init's
 * SIGSTOP to itself is dropped. The handler of a signal from the parent
 * namespace sees si_pid 0 (the sender has no PID in the namespace);
 * real-time signals stay queued once per kill.
 *
 * The init of a PID namespace does not die of SIGALRM either (it is not
 * SIGKILL), so the watchdog is the parent's alarm(); each init has
 * PR_SET_PDEATHSIG = SIGKILL (forced into it from the parent) and exits
 * when its pipe is closed, so nothing outlives the test.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nsutil.h"

/* What an init saw, sent back to the parent over a pipe. */
struct report {
	int pending;       /* the signal was pending (sigpending) after the parent sent it */
	int hits;          /* how many times the handler ran */
	int sender;        /* si_pid the handler saw last */
	int code;          /* si_code the handler saw last */
	int pending_after; /* still pending after the unblock */
	int alive;         /* 1: the init got this far */
};

static volatile sig_atomic_t hits, last_pid = -1, last_code = -99;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	hits++;
	last_pid = si->si_pid;
	last_code = si->si_code;
}

static void handle(int sig)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sig;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(sig, &sa, NULL);
}

static void set_mask(int how, int sig)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(how, &s, NULL);
}

static int is_pending(int sig)
{
	sigset_t s;
	sigemptyset(&s);
	sigpending(&s);
	return sigismember(&s, sig);
}

/* An init of a new PID namespace and the pipes to talk to it. */
struct init {
	pid_t pid;
	int in, out; /* the parent reads from in, writes to out */
};

/*
 * The body of an init: gets the fds to read from and write to. It
 * writes "r" when ready and reads one byte before it goes on.
 */
typedef void (*init_fn)(int rd, int wr, int sig);

static int start_init(struct init *t, init_fn fn, int sig)
{
	int up[2], down[2];
	if (pipe(up) || pipe(down))
		return -1;
	pid_t pid = fork_newpid();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		close(up[0]);
		close(down[1]);
		fn(down[0], up[1], sig);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	t->pid = pid;
	t->in = up[0];
	t->out = down[1];
	return pid > 0 ? 0 : -1;
}

/* Waits (up to 5 s) for one byte from the init; returns it, or 0. */
static char get_byte(struct init *t)
{
	struct pollfd p = { .fd = t->in, .events = POLLIN };
	char c = 0;
	if (poll(&p, 1, 5000) == 1 && read(t->in, &c, 1) == 1)
		return c;
	return 0;
}

static int get_report(struct init *t, struct report *r)
{
	struct pollfd p = { .fd = t->in, .events = POLLIN };
	memset(r, 0, sizeof *r);
	return poll(&p, 1, 5000) == 1 && read(t->in, r, sizeof *r) == (ssize_t)sizeof *r;
}

/* Closes the pipes and reaps the init; returns wait_code(). */
static int end_init(struct init *t)
{
	close(t->out);
	close(t->in);
	return wait_code(t->pid);
}

/* The init blocks sig, waits, installs a handler, unblocks, reports. */
static void blocked_then_handler(int rd, int wr, int sig)
{
	char c;
	struct report r = { 0 };
	set_mask(SIG_BLOCK, sig);
	write(wr, "r", 1);
	if (read(rd, &c, 1) != 1)
		_exit(1);
	r.pending = is_pending(sig);
	handle(sig);
	set_mask(SIG_UNBLOCK, sig);
	r.hits = hits;
	r.sender = last_pid;
	r.code = last_code;
	r.pending_after = is_pending(sig);
	r.alive = 1;
	write(wr, &r, sizeof r);
	while (read(rd, &c, 1) > 0)
		;
}

/* The init blocks sig, waits, unblocks it with the action still SIG_DFL, reports. */
static void blocked_then_default(int rd, int wr, int sig)
{
	char c;
	struct report r = { 0 };
	set_mask(SIG_BLOCK, sig);
	write(wr, "r", 1);
	if (read(rd, &c, 1) != 1)
		_exit(1);
	r.pending = is_pending(sig);
	set_mask(SIG_UNBLOCK, sig);
	r.pending_after = is_pending(sig);
	/* A later handler gets nothing: the signal is gone. */
	handle(sig);
	r.hits = hits;
	r.alive = 1;
	write(wr, &r, sizeof r);
	while (read(rd, &c, 1) > 0)
		;
}

/* The init leaves sig unblocked at SIG_DFL, waits, then reports. */
static void unblocked_default(int rd, int wr, int sig)
{
	char c;
	struct report r = { 0 };
	set_mask(SIG_UNBLOCK, sig);
	signal(sig, SIG_DFL);
	write(wr, "r", 1);
	if (read(rd, &c, 1) != 1)
		_exit(1);
	r.pending = is_pending(sig);
	handle(sig);
	r.hits = hits;
	r.alive = 1;
	write(wr, &r, sizeof r);
	while (read(rd, &c, 1) > 0)
		;
}

/* The init just waits; it says "w" each time it is woken by a byte. */
static void waiter(int rd, int wr, int sig)
{
	char c;
	write(wr, "r", 1);
	while (read(rd, &c, 1) > 0)
		write(wr, "w", 1);
}

/* Inside the namespace: a member and the init itself signal the blocking init. */
static void inside(int rd, int wr, int sig)
{
	char c;
	struct report r = { 0 };
	set_mask(SIG_BLOCK, SIGUSR1);
	set_mask(SIG_BLOCK, SIGUSR2);
	pid_t m = fork();
	if (m == 0) {
		kill(1, SIGUSR1);
		_exit(0);
	}
	waitpid(m, NULL, 0);
	kill(1, SIGUSR2);
	r.pending = is_pending(SIGUSR1) + 2 * is_pending(SIGUSR2);
	handle(SIGUSR1);
	set_mask(SIG_UNBLOCK, SIGUSR1);
	r.hits = hits;
	r.sender = last_pid;
	r.code = last_code;
	handle(SIGUSR2);
	set_mask(SIG_UNBLOCK, SIGUSR2);
	r.hits += 10 * (hits - r.hits);
	r.pending_after = last_pid; /* the sender of SIGUSR2 */
	/* And SIGSTOP to itself is dropped (SIGALRM cannot rescue an init). */
	r.alive = kill(1, SIGSTOP) == 0 ? 1 : -1;
	write(wr, &r, sizeof r);
	while (read(rd, &c, 1) > 0)
		;
}

static void test_blocked_handler(int sig, const char *name)
{
	struct init t;
	struct report r;
	char label[160];
	if (start_init(&t, blocked_then_handler, sig) < 0 || get_byte(&t) != 'r') {
		CHECK("start an init that blocks the signal", 0);
		return;
	}
	snprintf(label, sizeof label, "kill(init, %s) from the parent namespace while the init blocks it returns 0", name);
	CHECK_EQ(label, kill(t.pid, sig), 0);
	write(t.out, "s", 1);
	int got = get_report(&t, &r);
	snprintf(label, sizeof label, "the init is alive and reports (%s was not acted on while blocked)", name);
	CHECK(label, got && r.alive == 1);
	snprintf(label, sizeof label, "%s is pending in the init: queued, not dropped", name);
	CHECK_EQ(label, r.pending, 1);
	snprintf(label, sizeof label, "once the init installs a handler and unblocks %s, the handler runs once", name);
	CHECK_EQ(label, r.hits, 1);
	CHECK_EQ("the handler sees si_code SI_USER", r.code, SI_USER);
	CHECK_EQ("and si_pid 0: the sender is outside the namespace", r.sender, 0);
	CHECK_EQ("nothing is pending after the delivery", r.pending_after, 0);
	CHECK_EQ("the init exits normally", end_init(&t), 0);
}

static void test_blocked_default(int sig, const char *name)
{
	struct init t;
	struct report r;
	char label[160];
	if (start_init(&t, blocked_then_default, sig) < 0 || get_byte(&t) != 'r') {
		CHECK("start an init that blocks the signal", 0);
		return;
	}
	kill(t.pid, sig);
	write(t.out, "s", 1);
	int got = get_report(&t, &r);
	snprintf(label, sizeof label, "a blocked %s from the parent namespace is pending in the init", name);
	CHECK(label, got && r.pending == 1);
	snprintf(label, sizeof label, "unblocked while still SIG_DFL, %s is dropped: the init lives on", name);
	CHECK(label, got && r.alive == 1);
	CHECK_EQ("and it is no longer pending", r.pending_after, 0);
	CHECK_EQ("a handler installed afterwards gets nothing", r.hits, 0);
	CHECK_EQ("the init exits normally", end_init(&t), 0);
}

static void test_unblocked_default(int sig, const char *name)
{
	struct init t;
	struct report r;
	char label[160];
	if (start_init(&t, unblocked_default, sig) < 0 || get_byte(&t) != 'r') {
		CHECK("start an init with SIG_DFL", 0);
		return;
	}
	snprintf(label, sizeof label, "kill(init, %s) from the parent namespace, unblocked and SIG_DFL, returns 0", name);
	CHECK_EQ(label, kill(t.pid, sig), 0);
	write(t.out, "s", 1);
	int got = get_report(&t, &r);
	snprintf(label, sizeof label, "%s is dropped: the init lives on", name);
	CHECK(label, got && r.alive == 1);
	CHECK_EQ("it is not even pending", r.pending, 0);
	CHECK_EQ("and a handler installed afterwards gets nothing", r.hits, 0);
	CHECK_EQ("the init exits normally", end_init(&t), 0);
}

static void test_rt_queue(void)
{
	struct init t;
	struct report r;
	int sig = SIGRTMIN + 1;
	if (start_init(&t, blocked_then_handler, sig) < 0 || get_byte(&t) != 'r') {
		CHECK("start an init that blocks SIGRTMIN+1", 0);
		return;
	}
	int ok = kill(t.pid, sig) == 0 && kill(t.pid, sig) == 0 && kill(t.pid, sig) == 0;
	CHECK("three kill(init, SIGRTMIN+1) from the parent namespace while blocked", ok);
	write(t.out, "s", 1);
	int got = get_report(&t, &r);
	CHECK("the init reports", got && r.alive == 1);
	CHECK_EQ("all three are queued: the handler runs three times", r.hits, 3);
	CHECK_EQ("the init exits normally", end_init(&t), 0);
}

static void test_stop(void)
{
	struct init t;
	int status = 0;
	if (start_init(&t, waiter, 0) < 0 || get_byte(&t) != 'r') {
		CHECK("start an init", 0);
		return;
	}
	CHECK_EQ("kill(init, SIGSTOP) from the parent namespace returns 0", kill(t.pid, SIGSTOP), 0);
	pid_t w = wait_for(t.pid, &status, WUNTRACED);
	CHECK("SIGSTOP from the parent namespace stops the init (waitpid WUNTRACED)",
	      w == t.pid && WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP);
	write(t.out, "?", 1);
	struct pollfd p = { .fd = t.in, .events = POLLIN };
	CHECK_EQ("while stopped it does not answer (200 ms)", poll(&p, 1, 200), 0);
	CHECK_EQ("kill(init, SIGCONT) from the parent namespace returns 0", kill(t.pid, SIGCONT), 0);
	w = wait_for(t.pid, &status, WCONTINUED);
	CHECK("SIGCONT resumes it (waitpid WCONTINUED)", w == t.pid && WIFCONTINUED(status));
	CHECK_EQ("and then it answers", get_byte(&t), 'w');
	CHECK_EQ("the init exits normally", end_init(&t), 0);
}

static void test_inside(void)
{
	struct init t;
	struct report r;
	int status;
	if (start_init(&t, inside, 0) < 0) {
		CHECK("start an init", 0);
		return;
	}
	int got = get_report(&t, &r);
	CHECK("the init reports", got);
	CHECK_EQ("SIGUSR1 from a member and SIGUSR2 from the init itself, both blocked, are pending", r.pending, 3);
	CHECK_EQ("each handler runs once when the init unblocks its signal", r.hits, 11);
	CHECK_EQ("the SIGUSR1 handler sees si_pid 2, the member", r.sender, 2);
	CHECK_EQ("and si_code SI_USER", r.code, SI_USER);
	CHECK_EQ("the SIGUSR2 handler sees si_pid 1, the init", r.pending_after, 1);
	CHECK_EQ("the init's kill(1, SIGSTOP) returns 0", r.alive, 1);
	pid_t w = waitpid(t.pid, &status, WUNTRACED | WNOHANG);
	CHECK_EQ("and does not stop it", w, 0);
	if (w == t.pid && WIFSTOPPED(status))
		kill(t.pid, SIGKILL);
	CHECK_EQ("the init exits normally", end_init(&t), 0);
}

int main(void)
{
	/* The watchdog: should an init hang, our death kills it (PDEATHSIG). */
	alarm(25);
	signal(SIGPIPE, SIG_IGN);
	if (geteuid() != 0) {
		printf("skip signals to a PID namespace init: clone(CLONE_NEWPID) needs root\n");
		NST_DONE();
	}
	test_blocked_handler(SIGUSR1, "SIGUSR1");
	test_blocked_handler(SIGTERM, "SIGTERM");
	test_blocked_default(SIGTERM, "SIGTERM");
	test_blocked_default(SIGUSR1, "SIGUSR1");
	test_unblocked_default(SIGTERM, "SIGTERM");
	test_unblocked_default(SIGUSR1, "SIGUSR1");
	test_rt_queue();
	test_stop();
	test_inside();
	NST_DONE();
}
