/*
 * signal_test: sigaction(2) (SA_SIGINFO, SA_RESETHAND), sigprocmask(2),
 * sigpending(2), kill(2), tgkill(2), default actions, SIGCHLD, EINTR,
 * sigaltstack(2), stop/continue (waitpid WUNTRACED/WCONTINUED), process
 * groups and sessions (setpgid(2), setsid(2)).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nstest.h"

static volatile sig_atomic_t got, got_pid, got_code, chld;
static volatile uintptr_t handler_sp;

static void on_usr1(int sig, siginfo_t *info, void *uc)
{
	(void)uc;
	got = sig;
	got_pid = info->si_pid;
	got_code = info->si_code;
}

static void on_chld(int sig)
{
	(void)sig;
	chld++;
}

static void on_alarm(int sig)
{
	int local;
	(void)sig;
	handler_sp = (uintptr_t)&local;
	got = sig;
}

int main(void)
{
	struct sigaction sa;
	sigset_t set, old, pending;
	int status;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	CHECK_OK("sigaction SA_SIGINFO", sigaction(SIGUSR1, &sa, NULL));
	CHECK_OK("kill self", kill(getpid(), SIGUSR1));
	CHECK_EQ("handler got the signal", got, SIGUSR1);
	CHECK_EQ("si_pid is the sender", got_pid, getpid());
	CHECK_EQ("si_code SI_USER", got_code, SI_USER);

	got = 0;
	CHECK_OK("tgkill self", syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1));
	CHECK_EQ("tgkill delivers", got, SIGUSR1);
	CHECK_EQ("si_code SI_TKILL", got_code, SI_TKILL);

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	CHECK_OK("block SIGUSR1", sigprocmask(SIG_BLOCK, &set, &old));
	got = 0;
	kill(getpid(), SIGUSR1);
	CHECK_EQ("blocked: not delivered", got, 0);
	sigpending(&pending);
	CHECK("sigpending shows it", sigismember(&pending, SIGUSR1));
	CHECK_OK("unblock", sigprocmask(SIG_SETMASK, &old, NULL));
	CHECK_EQ("delivered on unblock", got, SIGUSR1);
	CHECK_ERR("sigprocmask with a bad how is EINVAL", sigprocmask(99, &set, NULL), EINVAL);
	CHECK_ERR("sigaction on SIGKILL is EINVAL", sigaction(SIGKILL, &sa, NULL), EINVAL);
	CHECK_ERR("kill with an invalid signal is EINVAL", kill(getpid(), 65), EINVAL);
	CHECK_ERR("kill of a missing pid is ESRCH", kill(999999, SIGUSR1), ESRCH);
	CHECK_OK("kill with signal 0 checks existence", kill(getpid(), 0));

	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	sigaction(SIGUSR1, NULL, &sa);
	CHECK("SA_RESETHAND resets to SIG_DFL", sa.sa_handler == SIG_DFL);

	pid_t pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	CHECK("SIGTERM's default kills", WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);

	signal(SIGCHLD, on_chld);
	pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, &status, 0);
	CHECK("SIGCHLD arrived for the exited child", chld >= 1);
	signal(SIGCHLD, SIG_DFL);

	/* A blocking read interrupted by a handled signal without SA_RESTART. */
	int p[2];
	pipe(p);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	pid = fork();
	if (pid == 0) {
		usleep(20000);
		kill(getppid(), SIGALRM);
		_exit(0);
	}
	char c;
	CHECK_ERR("read interrupted by a signal is EINTR", read(p[0], &c, 1), EINTR);
	waitpid(pid, &status, 0);

	/* The same with SA_RESTART: the read resumes and gets the data. */
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	pid = fork();
	if (pid == 0) {
		usleep(20000);
		kill(getppid(), SIGALRM);
		usleep(20000);
		write(p[1], "x", 1);
		_exit(0);
	}
	CHECK_EQ("SA_RESTART resumes the read", read(p[0], &c, 1), 1);
	waitpid(pid, &status, 0);

	static char altstack[65536];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
	CHECK_OK("sigaltstack", sigaltstack(&ss, NULL));
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGALRM, &sa, NULL);
	raise(SIGALRM);
	CHECK("handler ran on the alternate stack",
	      handler_sp >= (uintptr_t)altstack && handler_sp < (uintptr_t)altstack + sizeof altstack);
	ss.ss_size = 100;
	CHECK_ERR("a too small stack is ENOMEM", sigaltstack(&ss, NULL), ENOMEM);

	/* Alternate stacks whose end wraps around the address space: their
	 * owner's numbers, taken as they are (nsCore once overflowed adding
	 * them and panicked). A signal on one whose frame cannot be pushed
	 * kills with SIGSEGV; one from low memory past the top counts the
	 * stack pointer as on it (Linux's on_sig_stack subtracts). */
	pid = fork();
	if (pid == 0) {
		stack_t wrap = { .ss_sp = (void *)-4096L, .ss_size = 1 << 20, .ss_flags = 0 };
		if (sigaltstack(&wrap, NULL) != 0)
			_exit(1);
		raise(SIGALRM); /* SA_ONSTACK handler from above */
		_exit(2);
	}
	waitpid(pid, &status, 0);
	CHECK("a signal on an alternate stack that wraps around kills with SIGSEGV", WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
	pid = fork();
	if (pid == 0) {
		stack_t huge = { .ss_sp = (void *)0x1000, .ss_size = (size_t)-0x800, .ss_flags = 0 }, now;
		if (sigaltstack(&huge, NULL) != 0 || sigaltstack(NULL, &now) != 0)
			_exit(1);
		_exit(now.ss_flags == SS_ONSTACK ? 0 : 2);
	}
	waitpid(pid, &status, 0);
	CHECK("an alternate stack from 0x1000 to past the top has the stack pointer on it", WIFEXITED(status) && WEXITSTATUS(status) == 0);

	pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	kill(pid, SIGSTOP);
	CHECK_EQ("waitpid WUNTRACED sees the stop", waitpid(pid, &status, WUNTRACED), pid);
	CHECK("WIFSTOPPED with SIGSTOP", WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP);
	kill(pid, SIGCONT);
	CHECK_EQ("waitpid WCONTINUED sees the continue", waitpid(pid, &status, WCONTINUED), pid);
	CHECK("WIFCONTINUED", WIFCONTINUED(status));
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);

	pid = fork();
	if (pid == 0) {
		int ok = setsid() == getpid() && getsid(0) == getpid() && getpgid(0) == getpid();
		_exit(ok ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	CHECK_EQ("setsid makes a new session and group", WEXITSTATUS(status), 0);
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		int again = setsid();
		_exit(again == -1 && errno == EPERM ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	CHECK_EQ("setsid as a group leader is EPERM", WEXITSTATUS(status), 0);
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		pause();
		_exit(0);
	}
	usleep(20000);
	CHECK_EQ("the child leads its own group", getpgid(pid), pid);
	CHECK_OK("kill a process group", kill(-pid, SIGKILL));
	waitpid(pid, &status, 0);
	CHECK("the group member died", WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	NST_DONE();
}
