/*
 * Group stop: SIGSTOP stops every thread of a process, not only the one
 * that took the signal, and SIGCONT resumes them all - signal(7), "the
 * default action ... Stop the process"; Linux's do_signal_stop makes each
 * thread take part.
 *
 * A child runs two threads that spin incrementing their own counter in
 * memory shared with the test. Once the child is reported stopped, the
 * counters must settle and then stay still; after SIGCONT both move again.
 * (The first sample may still move on a kernel that stops the other
 * threads at their next tick, so stillness is checked between the second
 * and third samples.)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nstest.h"

static volatile unsigned long *counters;

static void *spin(void *arg)
{
	long i = (long)arg;
	for (;;)
		counters[i]++;
	return NULL;
}

/* Waits up to 10 s for both counters to pass `than`. */
static int both_move(unsigned long than0, unsigned long than1)
{
	for (int i = 0; i < 1000; i++) {
		if (counters[0] > than0 && counters[1] > than1)
			return 1;
		usleep(10000);
	}
	return 0;
}

int main(void)
{
	alarm(60);
	counters = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		pthread_t t[2];
		for (long i = 0; i < 2; i++)
			pthread_create(&t[i], NULL, spin, (void *)i);
		pthread_join(t[0], NULL);
		_exit(0);
	}
	CHECK("both threads of the child run", both_move(0, 0));
	kill(c, SIGSTOP);
	int status;
	CHECK("SIGSTOP stops the child", waitpid(c, &status, WUNTRACED) == c && WIFSTOPPED(status));
	usleep(100000);
	unsigned long a0 = counters[0], a1 = counters[1];
	usleep(200000);
	unsigned long b0 = counters[0], b1 = counters[1];
	CHECK("neither thread runs while the process is stopped", a0 == b0 && a1 == b1);
	kill(c, SIGCONT);
	CHECK("SIGCONT resumes both threads", both_move(b0, b1));
	kill(c, SIGKILL);
	waitpid(c, &status, 0);
	CHECK("the child dies of SIGKILL", WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	NST_DONE();
}
