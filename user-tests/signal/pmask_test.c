/*
 * pmask_test: the temporary signal mask of ppoll(2) and pselect(2). A
 * signal blocked outside the call but not in its mask interrupts it (EINTR,
 * the handler runs); afterwards the old mask is back. A signal the call's
 * mask blocks stays pending and the call times out.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "nstest.h"

static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

static int usr1_blocked(void)
{
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	return sigismember(&now, SIGUSR1);
}

int main(void)
{
	alarm(20);
	struct sigaction sa = { 0 };
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sigset_t block, open_mask, still_blocked;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigemptyset(&open_mask);
	still_blocked = block;

	int p[2];
	pipe(p);
	struct pollfd pfd = { .fd = p[0], .events = POLLIN };
	struct timespec short_wait = { 0, 20000000 };

	raise(SIGUSR1);
	CHECK_EQ("SIGUSR1 is blocked and pending, the handler has not run", handled, 0);
	CHECK_EQ("ppoll whose mask keeps it blocked times out", ppoll(&pfd, 1, &short_wait, &still_blocked), 0);
	CHECK_EQ("and the handler still has not run", handled, 0);
	CHECK_ERR("ppoll whose mask unblocks it is interrupted", ppoll(&pfd, 1, NULL, &open_mask), EINTR);
	CHECK_EQ("the handler ran once", handled, 1);
	CHECK("the old mask is back after the call", usr1_blocked());

	raise(SIGUSR1);
	fd_set readable;
	FD_ZERO(&readable);
	FD_SET(p[0], &readable);
	CHECK_ERR("pselect whose mask unblocks it is interrupted",
		  pselect(p[0] + 1, &readable, NULL, NULL, NULL, &open_mask), EINTR);
	CHECK_EQ("the handler ran again", handled, 2);
	CHECK("the old mask is back after pselect", usr1_blocked());

	write(p[1], "x", 1);
	CHECK_EQ("ppoll with a ready fd and no signal returns it", ppoll(&pfd, 1, NULL, &open_mask), 1);
	CHECK("and leaves the old mask", usr1_blocked());
	CHECK_ERR("a wrong sigsetsize is EINVAL", (int)syscall(SYS_ppoll, &pfd, 1, NULL, &open_mask, 4), EINVAL);
	NST_DONE();
}
