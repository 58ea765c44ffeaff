/*
 * PR_SET_PDEATHSIG - prctl(2): "Set the parent-death signal of the calling
 * process to arg2 ... This is the signal that the calling process will get
 * when its parent dies." PR_GET_PDEATHSIG reads it back; values above the
 * last signal are EINVAL; "the parent-death signal setting is cleared for
 * the child of a fork(2)". Linux sends it in forget_original_parent
 * (kernel/exit.c) when the parent exits.
 *
 * The test forks a middle process M whose child C asks for SIGUSR1 on its
 * parent's death and reports the signal through a pipe; M then exits.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nsutil.h"

static int report_fd = -1;
static volatile sig_atomic_t signalled;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	int msg[2] = { sig, si->si_code };
	write(report_fd, msg, sizeof msg);
	signalled = 1;
}

int main(void)
{
	alarm(60);
	int got = -1;
	CHECK_OK("PR_GET_PDEATHSIG works", prctl(PR_GET_PDEATHSIG, &got));
	CHECK_EQ("and is 0 at first", got, 0);
	CHECK_ERR("PR_SET_PDEATHSIG 65 is EINVAL", prctl(PR_SET_PDEATHSIG, 65), EINVAL);
	CHECK_OK("PR_SET_PDEATHSIG SIGTERM", prctl(PR_SET_PDEATHSIG, SIGTERM));
	CHECK_OK("reads back", prctl(PR_GET_PDEATHSIG, &got));
	CHECK_EQ("as SIGTERM", got, SIGTERM);
	pid_t f = fork_child();
	if (f == 0) {
		int mine = -1;
		prctl(PR_GET_PDEATHSIG, &mine);
		_exit(mine == 0 ? 0 : 1);
	}
	CHECK_EQ("a forked child does not inherit it", wait_code(f), 0);
	CHECK_OK("PR_SET_PDEATHSIG 0 clears it", prctl(PR_SET_PDEATHSIG, 0));

	int report[2], ready[2];
	pipe(report);
	pipe(ready);
	fflush(stdout);
	pid_t m = fork();
	if (m == 0) {
		pid_t c = fork();
		if (c == 0) {
			report_fd = report[1];
			struct sigaction sa = { .sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO };
			sigaction(SIGUSR1, &sa, NULL);
			prctl(PR_SET_PDEATHSIG, SIGUSR1);
			write(ready[1], "r", 1);
			/* Wait for the signal (or give up after 30 s). */
			for (int i = 0; i < 300 && !signalled; i++)
				usleep(100000);
			_exit(0);
		}
		char ch;
		read(ready[0], &ch, 1);
		_exit(0);
	}
	close(report[1]);
	CHECK_EQ("the middle process exits", wait_code(m), 0);
	int msg[2] = { 0, 0 };
	struct pollfd p = { .fd = report[0], .events = POLLIN };
	int ok = poll(&p, 1, 10000) == 1 && read(report[0], msg, sizeof msg) == sizeof msg;
	CHECK("its child gets SIGUSR1 when it dies", ok && msg[0] == SIGUSR1);
	CHECK_EQ("sent as by the dying parent: si_code SI_USER", msg[1], SI_USER);
	NST_DONE();
}
