/*
 * itimer_test: the real-time interval timer, alarm(2) and setitimer(2)/
 * getitimer(2) with ITIMER_REAL: SIGALRM arrives (not early), a periodic
 * timer repeats, the old value comes back, bad arguments are EINVAL, a
 * child does not inherit the timer, and SIGALRM's default action kills.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nstest.h"

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

int main(void)
{
	struct sigaction sa = { 0 };
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);

	CHECK_EQ("alarm(5) with none armed returns 0", alarm(5), 0);
	CHECK_EQ("alarm(0) returns the 5 seconds left and disarms", alarm(0), 5);
	CHECK_EQ("and then none is left", alarm(0), 0);

	long long start = now_ms();
	alarm(1);
	int r = pause();
	CHECK("pause() is interrupted by SIGALRM", r == -1 && errno == EINTR);
	CHECK_EQ("the handler ran once", alarms, 1);
	CHECK("not before the second was up", now_ms() - start >= 900);

	struct itimerval it = { { 0, 20000 }, { 0, 20000 } }, old;
	alarms = 0;
	CHECK_OK("setitimer(ITIMER_REAL) every 20 ms", setitimer(ITIMER_REAL, &it, NULL));
	sigset_t none;
	sigemptyset(&none);
	while (alarms < 3)
		sigsuspend(&none);
	CHECK("a periodic timer fires again and again", alarms >= 3);
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	CHECK_OK("disarming returns the old value", setitimer(ITIMER_REAL, &off, &old));
	CHECK("the old interval is 20 ms", old.it_interval.tv_sec == 0 && old.it_interval.tv_usec == 20000);
	CHECK("the old value is at most 20 ms", old.it_value.tv_sec == 0 && old.it_value.tv_usec <= 20000);
	CHECK_OK("getitimer", getitimer(ITIMER_REAL, &old));
	CHECK("a disarmed timer reads zero", old.it_value.tv_sec == 0 && old.it_value.tv_usec == 0);

	struct itimerval ten = { { 0, 0 }, { 10, 0 } };
	setitimer(ITIMER_REAL, &ten, NULL);
	getitimer(ITIMER_REAL, &old);
	CHECK("getitimer shows what is left of 10 s", old.it_value.tv_sec == 9 || old.it_value.tv_sec == 10);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct itimerval mine;
		getitimer(ITIMER_REAL, &mine);
		_exit(mine.it_value.tv_sec == 0 && mine.it_value.tv_usec == 0 ? 0 : 1);
	}
	int status;
	waitpid(pid, &status, 0);
	CHECK("a child does not inherit the timer", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	setitimer(ITIMER_REAL, &off, NULL);

	struct itimerval bad = { { 0, 0 }, { 0, 1000000 } };
	CHECK_ERR("tv_usec of 1e6 is EINVAL", setitimer(ITIMER_REAL, &bad, NULL), EINVAL);
	CHECK_ERR("an unknown timer is EINVAL", setitimer(7, &it, NULL), EINVAL);
	CHECK_ERR("getitimer of an unknown timer is EINVAL", getitimer(7, &old), EINVAL);

	pid = fork();
	if (pid == 0) {
		signal(SIGALRM, SIG_DFL);
		alarm(1);
		pause();
		_exit(0);
	}
	waitpid(pid, &status, 0);
	CHECK("SIGALRM's default action terminates", WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM);
	NST_DONE();
}
