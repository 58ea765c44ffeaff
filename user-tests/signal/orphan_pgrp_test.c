/*
 * Orphaned process groups: "If the exit of the process causes a process
 * group to become orphaned, and if any member of the newly orphaned
 * process group is stopped, then a SIGHUP signal followed by a SIGCONT
 * signal will be sent to each process in this process group" - _exit(2)
 * (Linux's kill_orphaned_pgrp, kernel/exit.c).
 *
 * The test is the parent P of a middle process M, whose child C stops
 * itself. When M exits:
 * - C in a group of its own: that group loses its only tie to the session
 *   (M, in another group of the same session), so C gets SIGHUP, then
 *   SIGCONT, and runs on;
 * - C in M's group (which is ours too): nothing is orphaned, C stays
 *   stopped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nstest.h"

static int report_fd = -1;

static void on_signal(int sig)
{
	char c = sig == SIGHUP ? 'H' : sig == SIGCONT ? 'C' : '?';
	write(report_fd, &c, 1);
}

/* Reads what arrives on `fd` within `ms` (or until `want` bytes). */
static int read_for(int fd, char *buf, int want, int ms)
{
	int got = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	while (got < want && poll(&p, 1, ms) == 1) {
		int n = read(fd, buf + got, want - got);
		if (n <= 0)
			break;
		got += n;
	}
	buf[got] = 0;
	return got;
}

/* Runs the scenario; `own_group`: C calls setpgid(0, 0). Returns C's pid
 * (it may still be stopped) and fills `seen` with what C reported. */
static pid_t scenario(int own_group, char *seen, int ms)
{
	int report[2], cpid[2];
	pipe(report);
	pipe(cpid);
	fflush(stdout);
	pid_t m = fork();
	if (m == 0) {
		pid_t c = fork();
		if (c == 0) {
			report_fd = report[1];
			if (own_group)
				setpgid(0, 0);
			signal(SIGHUP, on_signal);
			signal(SIGCONT, on_signal);
			alarm(30);
			raise(SIGSTOP);
			write(report[1], "E", 1);
			_exit(0);
		}
		int status;
		/* Wait until C is stopped, then leave. */
		if (waitpid(c, &status, WUNTRACED) != c || !WIFSTOPPED(status))
			_exit(1);
		write(cpid[1], &c, sizeof c);
		_exit(0);
	}
	close(report[1]);
	close(cpid[1]);
	pid_t c = -1;
	read(cpid[0], &c, sizeof c);
	int status;
	waitpid(m, &status, 0);
	CHECK("the middle process saw its child stop and exited", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	read_for(report[0], seen, 3, ms);
	close(report[0]);
	close(cpid[0]);
	return c;
}

int main(void)
{
	alarm(60);
	char seen[8];
	pid_t c = scenario(1, seen, 10000);
	/* Linux sets up both handlers' frames before returning, so the
	 * SIGCONT handler (the later frame) may run first: order is free. */
	int both = strlen(seen) == 3 && seen[2] == 'E' &&
		   ((seen[0] == 'H' && seen[1] == 'C') || (seen[0] == 'C' && seen[1] == 'H'));
	nst_report(both, "a stopped child in a group of its own gets SIGHUP and SIGCONT, and runs on", __FILE__,
		   __LINE__, "it reported \"%s\" (H: SIGHUP, C: SIGCONT, E: running again)", seen);
	(void)c;

	c = scenario(0, seen, 300);
	CHECK_STR("in its parent's (still tied) group it gets nothing and stays stopped", seen, "");
	if (c > 0)
		kill(c, SIGKILL);
	NST_DONE();
}
