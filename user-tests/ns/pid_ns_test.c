/*
 * pid_ns_test: PID namespaces (pid_namespaces(7), clone(2), unshare(2),
 * setns(2)): the first process of a new namespace is PID 1 with parent 0,
 * its children count on from 2, the parent outside sees and waits for the
 * outer PID; unshare(CLONE_NEWPID) changes only pid_for_children; orphans
 * go to the namespace's init; signals to an init without a handler are
 * dropped except SIGKILL from an ancestor namespace; the death of the init
 * kills the namespace and makes later forks into it fail with ENOMEM;
 * NSpid/NStgid/NSpgid/NSsid in /proc/PID/status; a procfs mounted inside
 * the namespace (in a new mount namespace) shows only its processes;
 * setns(2) into a child and an ancestor PID namespace; the 32-level
 * nesting limit (ENOSPC); and prctl(2) PR_SET_CHILD_SUBREAPER.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nsutil.h"

/*
 * The value of the line "key:\t..." of a /proc status file, without the
 * key and the first tab; "" when missing.
 */
static const char *status_field(const char *path, const char *key)
{
	static char buf[8][256];
	static int n;
	char *out = buf[n++ % 8], text[4096];
	out[0] = 0;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return out;
	ssize_t len = read(fd, text, sizeof text - 1);
	close(fd);
	if (len <= 0)
		return out;
	text[len] = 0;
	size_t klen = strlen(key);
	for (char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ':' && line[klen + 1] == '\t') {
			char *v = line + klen + 2, *end = strchr(v, '\n');
			size_t vl = end ? (size_t)(end - v) : strlen(v);
			if (vl >= sizeof buf[0])
				vl = sizeof buf[0] - 1;
			memcpy(out, v, vl);
			out[vl] = 0;
			break;
		}
	}
	return out;
}

/* Reaps every child; returns how many had a non-zero exit code or signal. */
static int reap_all(void)
{
	int status, bad = 0;
	pid_t r;
	while ((r = waitpid(-1, &status, 0)) > 0 || (r < 0 && errno == EINTR))
		if (r > 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
			bad++;
	return bad;
}

/* clone(2) of a thread (with its own stack, so a wrong success is harmless). */
static int clone_thread(int extra)
{
	return clone(thread_fn, thread_stack + sizeof thread_stack,
		     CLONE_VM | CLONE_SIGHAND | CLONE_THREAD | extra, NULL);
}

static void *nop_thread(void *arg)
{
	return arg;
}

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	got_usr1 = 1;
}

/* Waits up to about two seconds for getppid() to stop being old. */
static pid_t wait_reparent(pid_t old)
{
	for (int i = 0; i < 2000 && getppid() == old; i++)
		usleep(1000);
	return getppid();
}

/* 1. clone(CLONE_NEWPID): PID 1, its child PID 2, NS* lines of status. */
static void test_clone_basics(void)
{
	int ready[2], go[2];
	char c, want[64], path[64];
	pipe(ready);
	pipe(go);
	pid_t pid = fork_newpid();
	if (pid == 0) {
		alarm(20);
		close(ready[0]);
		close(go[1]);
		CHECK_EQ("the first process of a new PID namespace is PID 1", getpid(), 1);
		CHECK_EQ("its parent is outside the namespace: getppid() is 0", getppid(), 0);
		CHECK_EQ("its thread id is 1 too", syscall(SYS_gettid), 1);
		const char *l = link_of("/proc/self/ns/pid");
		CHECK("its /proc/self/ns/pid names a new pid namespace",
		      strncmp(l, "pid:[", 5) == 0 && strcmp(l, INIT_PID_NS) != 0);
		CHECK_STR("its pid_for_children is that same namespace", link_of("/proc/self/ns/pid_for_children"), l);
		const char *nspid = status_field("/proc/self/status", "NSpid");
		const char *tab = strchr(nspid, '\t');
		CHECK("NSpid in the host's procfs has two numbers, outer then inner",
		      tab && atoi(nspid) > 1 && strcmp(tab + 1, "1") == 0);
		CHECK_STR("NStgid matches NSpid", status_field("/proc/self/status", "NStgid"), nspid);
		CHECK_EQ("the inherited process group is outside: getpgrp() is 0", getpgrp(), 0);
		CHECK_EQ("so is the session: getsid(0) is 0", getsid(0), 0);
		tab = strchr(status_field("/proc/self/status", "NSpgid"), '\t');
		CHECK("NSpgid shows 0 inside for an outside group", tab && strcmp(tab + 1, "0") == 0);
		CHECK_EQ("setsid() in the namespace returns 1", setsid(), 1);
		CHECK_EQ("then getpgrp() is 1", getpgrp(), 1);
		CHECK_EQ("and getsid(0) is 1", getsid(0), 1);
		CHECK_STR("and NSsid equals NSpid", status_field("/proc/self/status", "NSsid"), nspid);
		CHECK_STR("and NSpgid equals NSpid", status_field("/proc/self/status", "NSpgid"), nspid);

		pid_t g = fork_child();
		if (g == 0) {
			CHECK_EQ("the next process in the namespace is PID 2", getpid(), 2);
			CHECK_EQ("its parent is the init: getppid() is 1", getppid(), 1);
			CHECK_EQ("its thread id is 2", syscall(SYS_gettid), 2);
			child_done();
		}
		CHECK_EQ("fork in the namespace returns the in-namespace PID 2", g, 2);
		CHECK_EQ("the grandchild's checks passed (waitpid(2) works)", wait_code(2), 0);

		pid_t r = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
		if (r == 0)
			_exit(0);
		CHECK("a namespace init may not clone(CLONE_PARENT): EINVAL", r == -1 && errno == EINVAL);
		fflush(stdout);
		write(ready[1], nst_failed ? "F" : "k", 1);
		while (read(go[0], &c, 1) > 0)
			;
		child_done();
	}
	close(ready[1]);
	close(go[0]);
	CHECK("clone(CLONE_NEWPID) gives the parent the outer PID", pid > 1);
	CHECK_EQ("the namespace init reports", read(ready[0], &c, 1), 1);
	CHECK_EQ("and its checks passed", c, 'k');
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	snprintf(want, sizeof want, "%d\t1", (int)pid);
	CHECK_STR("the parent reads NSpid of the child as \"outer<TAB>1\"", status_field(path, "NSpid"), want);
	CHECK_STR("and NStgid the same", status_field(path, "NStgid"), want);
	CHECK_STR("and NSsid (the child called setsid)", status_field(path, "NSsid"), want);
	snprintf(want, sizeof want, "%d", (int)pid);
	CHECK_STR("the Pid line shows the outer PID", status_field(path, "Pid"), want);
	CHECK_STR("the parent's own NSpid has one number", status_field("/proc/self/status", "NSpid"),
		  status_field("/proc/self/status", "Pid"));
	snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)pid);
	const char *l = link_of(path);
	CHECK("the child's ns/pid link seen from outside is not ours",
	      strncmp(l, "pid:[", 5) == 0 && strcmp(l, INIT_PID_NS) != 0);
	close(go[1]);
	CHECK_EQ("waitpid with the outer PID reaps the namespace init, whose checks passed", wait_code(pid), 0);
	close(ready[0]);
	CHECK_STR("the parent stays in the initial pid namespace", link_of("/proc/self/ns/pid"), INIT_PID_NS);
}

/* 2. unshare(CLONE_NEWPID) changes only what later children get. */
static void test_unshare(void)
{
	pid_t c = fork_child();
	if (c == 0) {
		int hold[2];
		char ch;
		alarm(20);
		pid_t me = getpid();
		CHECK_OK("unshare(CLONE_NEWPID)", unshare(CLONE_NEWPID));
		CHECK_EQ("getpid() is unchanged after unshare", getpid(), me);
		CHECK_STR("/proc/self/ns/pid is unchanged", link_of("/proc/self/ns/pid"), INIT_PID_NS);
		char pfc[128], path[64];
		CHECK_ERR("pid_for_children cannot be read before the namespace has an init: ENOENT",
			  readlink("/proc/self/ns/pid_for_children", pfc, sizeof pfc), ENOENT);
		CHECK_ERR("nor opened: ENOENT", open("/proc/self/ns/pid_for_children", O_RDONLY), ENOENT);
		CHECK_ERR("a second unshare(CLONE_NEWPID) before any child is EINVAL", unshare(CLONE_NEWPID), EINVAL);
		CHECK_ERR("a thread cannot be created now: clone(CLONE_THREAD) is EINVAL", clone_thread(0), EINVAL);
		pthread_t t;
		CHECK("pthread_create fails too", pthread_create(&t, NULL, nop_thread, NULL) != 0);

		pipe(hold);
		pid_t d = fork_child();
		if (d == 0) {
			alarm(20);
			close(hold[1]);
			CHECK_EQ("the first child after unshare is PID 1", getpid(), 1);
			CHECK_EQ("and its getppid() is 0", getppid(), 0);
			const char *l = link_of("/proc/self/ns/pid");
			CHECK("its /proc/self/ns/pid names a new namespace",
			      strncmp(l, "pid:[", 5) == 0 && strcmp(l, INIT_PID_NS) != 0);
			fflush(stdout);
			while (read(hold[0], &ch, 1) > 0)
				;
			child_done();
		}
		close(hold[0]);
		snprintf(pfc, sizeof pfc, "%s", link_of("/proc/self/ns/pid_for_children"));
		snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)d);
		CHECK("now /proc/self/ns/pid_for_children names a new namespace",
		      strncmp(pfc, "pid:[", 5) == 0 && strcmp(pfc, INIT_PID_NS) != 0);
		CHECK_STR("the one the child is in", link_of(path), pfc);
		CHECK_STR("/proc/self/ns/pid is still unchanged", link_of("/proc/self/ns/pid"), INIT_PID_NS);
		CHECK("fork returns the child's PID in our namespace", d > 1 && d != me);
		pid_t e = fork_child();
		if (e == 0) {
			close(hold[1]);
			CHECK_EQ("the second child is PID 2 of the new namespace", getpid(), 2);
			CHECK_EQ("its parent is outside the namespace: getppid() is 0", getppid(), 0);
			child_done();
		}
		CHECK_EQ("the second child's checks passed", wait_code(e), 0);
		CHECK_ERR("a second unshare(CLONE_NEWPID) with the init alive is EINVAL", unshare(CLONE_NEWPID), EINVAL);
		close(hold[1]);
		CHECK_EQ("the namespace init's checks passed", wait_code(d), 0);
		pid_t f = fork_child();
		if (f == 0)
			_exit(0);
		CHECK("after the init of the namespace died, fork fails with ENOMEM", f == -1 && errno == ENOMEM);
		CHECK_STR("pid_for_children still names the dead namespace", link_of("/proc/self/ns/pid_for_children"), pfc);
		if (f > 0)
			wait_code(f);
		child_done();
	}
	CHECK_EQ("the unsharing process's checks passed", wait_code(c), 0);
}

/* 3. Thread and CLONE_PARENT flags that do not mix with a new PID namespace. */
static void test_bad_flags(void)
{
	CHECK_ERR("clone(CLONE_NEWPID|CLONE_THREAD|CLONE_VM|CLONE_SIGHAND) is EINVAL", clone_thread(CLONE_NEWPID), EINVAL);
}

/* 4. Orphans in the namespace go to its init. */
static void test_orphans(void)
{
	pid_t pid = fork_newpid();
	if (pid == 0) {
		alarm(20);
		pid_t p = fork_child();
		if (p == 0) {
			pid_t q = fork_child();
			if (q == 0) {
				CHECK_EQ("the orphan-to-be is PID 3", getpid(), 3);
				CHECK_EQ("after its parent exits, the orphan's parent is the namespace init",
					 wait_reparent(2), 1);
				child_done();
			}
			_exit(0);
		}
		CHECK_EQ("the init reaps its child and the orphan it inherited, both successful", reap_all(), 0);
		CHECK_ERR("then it has no children left", waitpid(-1, NULL, WNOHANG), ECHILD);
		child_done();
	}
	CHECK_EQ("the orphan test's namespace init passed", wait_code(pid), 0);
}

/* 5. Signals sent to the init from inside its namespace. */
static void test_signals_inside(void)
{
	pid_t pid = fork_newpid();
	if (pid == 0) {
		alarm(20);
		CHECK_EQ("the init may kill(1, SIGTERM) itself: returns 0", kill(1, SIGTERM), 0);
		CHECK_EQ("kill(1, SIGKILL) by the init itself returns 0", kill(1, SIGKILL), 0);
		CHECK_EQ("kill(getpid(), SIGKILL) returns 0", kill(getpid(), SIGKILL), 0);
		CHECK("and the init is still alive: without a handler those are dropped", 1);
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_usr1;
		sa.sa_flags = SA_RESTART;
		sigaction(SIGUSR1, &sa, NULL);
		pid_t k = fork_child();
		if (k == 0) {
			CHECK_EQ("a member's kill(1, SIGTERM) returns 0", kill(1, SIGTERM), 0);
			CHECK_EQ("a member's kill(1, SIGKILL) returns 0", kill(1, SIGKILL), 0);
			CHECK_EQ("a member's kill(1, SIGUSR1) returns 0", kill(1, SIGUSR1), 0);
			child_done();
		}
		CHECK_EQ("the member's checks passed", wait_code(k), 0);
		CHECK("the init survived SIGTERM and SIGKILL from a member", 1);
		CHECK("a signal the init has a handler for is delivered", got_usr1);
		child_done();
	}
	CHECK_EQ("the namespace init ended normally with its checks passed", wait_code(pid), 0);
}

/* 6. Signals from the parent namespace; death of the init kills the rest. */
static void test_signals_outside(void)
{
	int ready[2], go[2], alive[2];
	char c;
	struct pollfd pfd;

	/* SIGTERM without a handler is dropped, SIGKILL is forced. */
	pipe(ready);
	pipe(go);
	pipe(alive);
	pid_t pid = fork_newpid();
	if (pid == 0) {
		alarm(20);
		close(ready[0]);
		close(go[1]);
		close(alive[0]);
		pid_t g = fork_child();
		if (g == 0) {
			alarm(20);
			close(ready[1]);
			pause();
			_exit(0);
		}
		close(alive[1]);
		write(ready[1], "r", 1);
		while (read(go[0], &c, 1) == 1)
			write(ready[1], "a", 1);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	close(alive[1]);
	CHECK_EQ("the namespace init is up", read(ready[0], &c, 1), 1);
	CHECK_EQ("kill(init, SIGTERM) from the parent namespace returns 0", kill(pid, SIGTERM), 0);
	write(go[1], "?", 1);
	CHECK_EQ("an init without a handler ignores SIGTERM from outside", read(ready[0], &c, 1), 1);
	CHECK_EQ("kill(init, SIGKILL) from the parent namespace returns 0", kill(pid, SIGKILL), 0);
	CHECK_EQ("SIGKILL from the parent namespace kills the init", wait_code(pid), 128 + SIGKILL);
	pfd.fd = alive[0];
	pfd.events = POLLIN;
	CHECK_EQ("once the init is reaped, the other process of the namespace is gone", poll(&pfd, 1, 0), 1);
	CHECK_EQ("(its pipe end is closed: read gives EOF)", read(alive[0], &c, 1), 0);
	close(ready[0]);
	close(go[1]);
	close(alive[0]);

	/* An init that just exits takes its namespace with it. */
	pipe(alive);
	pid = fork_newpid();
	if (pid == 0) {
		close(alive[0]);
		pid_t g = fork_child();
		if (g == 0) {
			alarm(20);
			pid_t h = fork_child();
			if (h == 0) {
				alarm(20);
				pause();
				_exit(0);
			}
			pause();
			_exit(0);
		}
		close(alive[1]);
		_exit(7);
	}
	close(alive[1]);
	CHECK_EQ("the namespace init exits with its own code", wait_code(pid), 7);
	pfd.fd = alive[0];
	pfd.events = POLLIN;
	CHECK_EQ("and its child and grandchild were killed with it", poll(&pfd, 1, 0), 1);
	CHECK_EQ("(their pipe ends are closed: read gives EOF)", read(alive[0], &c, 1), 0);
	close(alive[0]);
}

/* 7. setns(2) with PID namespaces. */
static void test_setns(void)
{
	int ready[2], go[2];
	char c, path[64];
	int initfd = open("/proc/self/ns/pid", O_RDONLY);
	CHECK_OK("open our /proc/self/ns/pid", initfd);
	pipe(ready);
	pipe(go);
	pid_t pid = fork_newpid();
	if (pid == 0) {
		alarm(20);
		close(ready[0]);
		close(go[1]);
		CHECK_ERR("setns from a child namespace to its ancestor is EINVAL", setns(initfd, CLONE_NEWPID), EINVAL);
		CHECK_ERR("also with nstype 0", setns(initfd, 0), EINVAL);
		int self = open("/proc/self/ns/pid", O_RDONLY);
		CHECK_OK("setns to one's own PID namespace works", setns(self, CLONE_NEWPID));
		write(ready[1], nst_failed ? "F" : "k", 1);
		fflush(stdout);
		while (read(go[0], &c, 1) > 0)
			;
		reap_all();
		child_done();
	}
	close(ready[1]);
	close(go[0]);
	CHECK_EQ("the namespace init is up and its checks passed", read(ready[0], &c, 1) == 1 && c == 'k', 1);
	snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)pid);
	char childns[128];
	snprintf(childns, sizeof childns, "%s", link_of(path));
	pid_t x = fork_child();
	if (x == 0) {
		pid_t me = getpid();
		int fd = open(path, O_RDONLY);
		CHECK_OK("open the child's /proc/PID/ns/pid", fd);
		CHECK_ERR("setns(pid ns fd, CLONE_NEWUTS) is EINVAL", setns(fd, CLONE_NEWUTS), EINVAL);
		CHECK_OK("setns into the child PID namespace (a descendant)", setns(fd, CLONE_NEWPID));
		CHECK_EQ("getpid() does not change", getpid(), me);
		CHECK_STR("/proc/self/ns/pid does not change", link_of("/proc/self/ns/pid"), INIT_PID_NS);
		CHECK_STR("pid_for_children is now the child's namespace",
			  link_of("/proc/self/ns/pid_for_children"), childns);
		pid_t y = fork_child();
		if (y == 0) {
			CHECK_EQ("a child forked after setns gets the next PID in that namespace", getpid(), 2);
			CHECK_EQ("and getppid() 0, its parent being outside", getppid(), 0);
			CHECK_STR("its /proc/self/ns/pid is the joined namespace", link_of("/proc/self/ns/pid"), childns);
			child_done();
		}
		CHECK("fork returned its PID in our namespace", y > 1);
		CHECK_EQ("its checks passed", wait_code(y), 0);
		CHECK_OK("setns back to our own PID namespace (pid_for_children)", setns(initfd, CLONE_NEWPID));
		CHECK_STR("pid_for_children is back to the initial namespace",
			  link_of("/proc/self/ns/pid_for_children"), INIT_PID_NS);
		child_done();
	}
	CHECK_EQ("the setns process's checks passed", wait_code(x), 0);
	close(go[1]);
	CHECK_EQ("the namespace init ended with its checks passed", wait_code(pid), 0);
	close(ready[0]);
	close(initfd);
}

/* 8. A procfs mounted inside the namespace, in a new mount namespace. */
static void test_procfs(void)
{
	pid_t pid = fork_newpid();
	if (pid == 0) {
		int hold[2];
		char ch;
		alarm(20);
		pipe(hold);
		for (int i = 0; i < 2; i++)
			if (fork_child() == 0) {
				alarm(20);
				close(hold[1]);
				while (read(hold[0], &ch, 1) > 0)
					;
				_exit(0);
			}
		close(hold[0]);
		/* Mount only in a private new mount namespace, never over the real /proc. */
		int ok = unshare(CLONE_NEWNS) == 0;
		CHECK("unshare(CLONE_NEWNS)", ok);
		ok = ok && mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
		CHECK("make / private recursively", ok);
		ok = ok && mount("proc", "/proc", "proc", 0, NULL) == 0;
		CHECK("mount a fresh procfs on /proc", ok);
		CHECK_STR("readlink /proc/self gives the in-namespace PID", link_of("/proc/self"), "1");
		CHECK_STR("readlink /proc/thread-self gives 1/task/1", link_of("/proc/thread-self"), "1/task/1");
		CHECK_STR("NSpid in that procfs has one number", status_field("/proc/self/status", "NSpid"), "1");
		CHECK_STR("Pid is 1", status_field("/proc/self/status", "Pid"), "1");
		CHECK_STR("PPid is 0", status_field("/proc/self/status", "PPid"), "0");
		CHECK_STR("the child PID 2 has PPid 1", status_field("/proc/2/status", "PPid"), "1");
		int count = 0, sum = 0;
		DIR *d = opendir("/proc");
		CHECK("opendir /proc", d != NULL);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			char *end;
			long n = strtol(e->d_name, &end, 10);
			if (*end == 0 && n > 0) {
				count++;
				sum += n;
			}
		}
		if (d)
			closedir(d);
		CHECK_EQ("/proc lists exactly the namespace's three processes", count, 3);
		CHECK_EQ("PIDs 1, 2 and 3", sum, 6);
		struct stat st;
		CHECK_ERR("a PID outside the namespace is not there", stat("/proc/4", &st), ENOENT);
		close(hold[1]);
		CHECK_EQ("the init reaps both children", reap_all(), 0);
		child_done();
	}
	CHECK_EQ("the procfs namespace init's checks passed", wait_code(pid), 0);
	char want[32];
	snprintf(want, sizeof want, "%d", (int)getpid());
	CHECK_STR("our own /proc is untouched: /proc/self is still our PID", link_of("/proc/self"), want);
}

/* 9. 32 nested PID namespaces work, the 33rd is ENOSPC. */
static void test_nesting(void)
{
	pid_t top = fork_child();
	if (top == 0) {
		int level = 0;
		alarm(20);
		for (;;) {
			if (level == 32) {
				const char *nspid = status_field("/proc/self/status", "NSpid");
				int fields = 1;
				for (const char *p = nspid; *p; p++)
					fields += *p == '\t';
				CHECK_EQ("at depth 32, NSpid lists 33 PIDs", fields, 33);
				const char *last = strrchr(nspid, '\t');
				CHECK_STR("the innermost of them is 1", last ? last + 1 : "", "1");
				pid_t r = fork_newpid();
				if (r == 0)
					_exit(0);
				CHECK("a 33rd nested clone(CLONE_NEWPID) is ENOSPC", r == -1 && errno == ENOSPC);
				if (r > 0)
					wait_code(r);
				CHECK_ERR("a 33rd nested unshare(CLONE_NEWPID) is ENOSPC", unshare(CLONE_NEWPID), ENOSPC);
				pid_t f = fork_child();
				if (f == 0)
					_exit(getpid() == 2 ? 0 : 1);
				CHECK_EQ("plain fork at depth 32 still works", wait_code(f), 0);
				child_done();
			}
			pid_t c = fork_newpid();
			if (c == 0) {
				level++;
				alarm(20);
				if (getpid() != 1)
					_exit(150 + level);
				continue;
			}
			if (c < 0)
				_exit(100 + level);
			_exit(wait_code(c));
		}
	}
	CHECK_EQ("32 nested PID namespaces each started with PID 1 (100+L: clone failed at depth L)",
		 wait_code(top), 0);
}

/* 10. prctl(PR_SET_CHILD_SUBREAPER). */
static void test_subreaper(void)
{
	pid_t s = fork_child();
	if (s == 0) {
		int v = -1;
		alarm(20);
		pid_t me = getpid();
		CHECK_OK("PR_GET_CHILD_SUBREAPER", prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0));
		CHECK_EQ("is 0 at first", v, 0);
		CHECK_OK("PR_SET_CHILD_SUBREAPER 1", prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
		prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0);
		CHECK_EQ("then PR_GET_CHILD_SUBREAPER gives 1", v, 1);
		pid_t t = fork_child();
		if (t == 0) {
			int w = -1;
			prctl(PR_GET_CHILD_SUBREAPER, &w, 0, 0, 0);
			CHECK_EQ("the attribute is not inherited by fork", w, 0);
			pid_t tp = getpid();
			pid_t u = fork_child();
			if (u == 0) {
				CHECK_EQ("an orphaned grandchild is reparented to the subreaper", wait_reparent(tp), me);
				child_done();
			}
			child_done();
		}
		CHECK_EQ("the subreaper reaps its child and the orphaned grandchild, all passing", reap_all(), 0);
		CHECK_ERR("and then has no children left", waitpid(-1, NULL, WNOHANG), ECHILD);
		child_done();
	}
	CHECK_EQ("the subreaper's checks passed", wait_code(s), 0);
}

int main(void)
{
	alarm(20);
	signal(SIGPIPE, SIG_IGN);
	CHECK_STR("we start in the initial pid namespace", link_of("/proc/self/ns/pid"), INIT_PID_NS);
	CHECK_STR("and so do our children", link_of("/proc/self/ns/pid_for_children"), INIT_PID_NS);
	test_clone_basics();
	test_unshare();
	test_bad_flags();
	test_orphans();
	test_signals_inside();
	test_signals_outside();
	test_setns();
	test_procfs();
	test_nesting();
	test_subreaper();
	NST_DONE();
}
