/*
 * clone_flags_test: how clone(2), clone3(2), unshare(2) and setns(2)
 * validate namespace flags: combinations that are EINVAL (also before any
 * privilege check), unknown bits, several namespaces unshared at once
 * (exactly those /proc/self/ns links change), and EPERM without
 * CAP_SYS_ADMIN.
 *
 * No user, IPC, network or cgroup namespace is ever created: the
 * CLONE_NEWUSER case fails with EINVAL before the namespace would exist.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nsutil.h"

static const char *const kinds[] = {
	"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "time_for_children", "user", "uts",
};
#define NKINDS (int)(sizeof kinds / sizeof kinds[0])

/* The links of all of /proc/PID/ns, pid 0 meaning self. */
static void ns_links(pid_t pid, char out[NKINDS][128])
{
	char path[64];
	for (int i = 0; i < NKINDS; i++) {
		if (pid)
			snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, kinds[i]);
		else
			snprintf(path, sizeof path, "/proc/self/ns/%s", kinds[i]);
		snprintf(out[i], 128, "%s", link_of(path));
	}
}

/*
 * clone(2) used like fork with extra flags (no CLONE_VM), so that a wrong
 * success is harmless: the child exits at once and is reaped. Returns the
 * system call's result with errno. (SYS_exit rather than exit_group, in
 * case a thread was wrongly created.)
 */
static long try_clone(unsigned long flags)
{
	fflush(stdout);
	return tried_clone(syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0));
}

/* try_clone3 (nsutil.h) with just flags and exit_signal SIGCHLD set. */
static long try_clone3_flags(uint64_t flags)
{
	struct nst_clone_args args;
	memset(&args, 0, sizeof args);
	args.flags = flags;
	args.exit_signal = SIGCHLD;
	return try_clone3(&args, sizeof args);
}

int main(void)
{
	char before[NKINDS][128], after[NKINDS][128], child[NKINDS][128];

	alarm(20);
	signal(SIGPIPE, SIG_IGN);

	/* Combinations that are always invalid. */
	CHECK_ERR("clone(CLONE_NEWPID|CLONE_THREAD|CLONE_SIGHAND|CLONE_VM) is EINVAL",
		  clone(thread_fn, thread_stack + sizeof thread_stack,
			CLONE_NEWPID | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM, NULL), EINVAL);
	CHECK_ERR("clone(CLONE_NEWUSER|CLONE_FS) is EINVAL", try_clone(CLONE_NEWUSER | CLONE_FS), EINVAL);
	CHECK_ERR("clone(CLONE_NEWNS|CLONE_FS) is EINVAL", try_clone(CLONE_NEWNS | CLONE_FS), EINVAL);
	CHECK_ERR("clone(CLONE_SIGHAND) without CLONE_VM is EINVAL", try_clone(CLONE_SIGHAND), EINVAL);
	CHECK_ERR("clone(CLONE_THREAD) without CLONE_SIGHAND is EINVAL", try_clone(CLONE_THREAD), EINVAL);
	CHECK_ERR("clone3(CLONE_NEWNS|CLONE_FS) is EINVAL", try_clone3_flags(CLONE_NEWNS | CLONE_FS), EINVAL);
	CHECK_ERR("clone3 with an unknown flag bit (1 << 40) is EINVAL", try_clone3_flags(1ULL << 40), EINVAL);

	CHECK_EQ("unshare(0) does nothing and succeeds", unshare(0), 0);
	CHECK_ERR("unshare with an unknown bit (0x1) is EINVAL", unshare(0x1), EINVAL);
	CHECK_ERR("unshare(CLONE_PIDFD), not an unshare flag, is EINVAL", unshare(CLONE_PIDFD), EINVAL);
	CHECK_ERR("unshare(CLONE_PARENT) is EINVAL", unshare(CLONE_PARENT), EINVAL);
	CHECK_ERR("unshare(CLONE_NEWUTS|0x1) is EINVAL and unshares nothing", unshare(CLONE_NEWUTS | 0x1), EINVAL);
	CHECK_STR("our uts namespace is unchanged", link_of("/proc/self/ns/uts"), INIT_UTS_NS);
	CHECK_EQ("unshare(CLONE_THREAD|CLONE_SIGHAND|CLONE_VM) when single-threaded succeeds",
		 unshare(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM), 0);

	int self_uts = open("/proc/self/ns/uts", O_RDONLY);
	CHECK_ERR("setns(uts fd, 0x1) is EINVAL", setns(self_uts, 0x1), EINVAL);
	CHECK_ERR("setns(uts fd, CLONE_NEWUTS|CLONE_NEWPID) is EINVAL", setns(self_uts, CLONE_NEWUTS | CLONE_NEWPID), EINVAL);
	CHECK_ERR("setns(-1, CLONE_NEWUTS) is EBADF", setns(-1, CLONE_NEWUTS), EBADF);
	int pidfd = pidfd_open(getpid(), 0);
	CHECK_ERR("setns(pidfd, CLONE_NEWUTS|0x1) is EINVAL", setns(pidfd, CLONE_NEWUTS | 0x1), EINVAL);
	CHECK_OK("setns(own pidfd, CLONE_NEWUTS) into our own namespace works", setns(pidfd, CLONE_NEWUTS));
	close(pidfd);

	/* Four namespaces at once. */
	ns_links(0, before);
	pid_t p = fork_child();
	if (p == 0) {
		alarm(20);
		CHECK_OK("unshare(CLONE_NEWUTS|CLONE_NEWPID|CLONE_NEWNS|CLONE_NEWTIME) at once",
			 unshare(CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWTIME));
		pid_t c = fork_child();
		if (c == 0) {
			alarm(20);
			pause();
			_exit(0);
		}
		ns_links(0, after);
		ns_links(c, child);
		for (int i = 0; i < NKINDS; i++) {
			char name[160];
			int changes = !strcmp(kinds[i], "uts") || !strcmp(kinds[i], "mnt") ||
				      !strcmp(kinds[i], "pid_for_children") || !strcmp(kinds[i], "time_for_children");
			snprintf(name, sizeof name, "%s %s", kinds[i], changes ? "changed" : "is unchanged");
			if (changes)
				CHECK(name, strcmp(after[i], before[i]) != 0 && after[i][0]);
			else
				CHECK_STR(name, after[i], before[i]);
		}
		for (int i = 0; i < NKINDS; i++) {
			char name[160];
			int changes = strcmp(kinds[i], "uts") == 0 || strcmp(kinds[i], "mnt") == 0 ||
				      strncmp(kinds[i], "pid", 3) == 0 || strncmp(kinds[i], "time", 4) == 0;
			snprintf(name, sizeof name, "the next child's %s is %s", kinds[i],
				 changes ? "the new namespace" : "ours");
			if (!strcmp(kinds[i], "pid") || !strcmp(kinds[i], "time"))
				CHECK_STR(name, child[i], after[i + 1]); /* our *_for_children */
			else
				CHECK_STR(name, child[i], after[i]);
		}
		kill(c, SIGKILL);
		CHECK_EQ("the child is reaped", wait_code(c), 128 + SIGKILL);
		child_done();
	}
	CHECK_EQ("the unsharing process's checks passed", wait_code(p), 0);
	ns_links(0, after);
	int same = 1;
	for (int i = 0; i < NKINDS; i++)
		same &= strcmp(after[i], before[i]) == 0;
	CHECK("our own namespaces are untouched", same);

	/* Without CAP_SYS_ADMIN. */
	p = fork_child();
	if (p == 0) {
		int pid_fd = open("/proc/self/ns/pid", O_RDONLY);
		int time_fd = open("/proc/self/ns/time", O_RDONLY);
		CHECK_OK("drop to uid 1000", setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000) ? -1 : 0);
		CHECK_ERR("unshare(CLONE_NEWUTS) is EPERM", unshare(CLONE_NEWUTS), EPERM);
		CHECK_ERR("unshare(CLONE_NEWPID) is EPERM", unshare(CLONE_NEWPID), EPERM);
		CHECK_ERR("unshare(CLONE_NEWNS) is EPERM", unshare(CLONE_NEWNS), EPERM);
		CHECK_ERR("unshare(CLONE_NEWTIME) is EPERM", unshare(CLONE_NEWTIME), EPERM);
		CHECK_ERR("unshare of all four is EPERM", unshare(CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWTIME), EPERM);
		CHECK_ERR("an unknown bit is EINVAL even then (checked first)", unshare(CLONE_NEWUTS | 0x1), EINVAL);
		CHECK_ERR("clone(CLONE_NEWPID) is EPERM", try_clone(CLONE_NEWPID), EPERM);
		CHECK_ERR("clone(CLONE_NEWUTS) is EPERM", try_clone(CLONE_NEWUTS), EPERM);
		CHECK_ERR("clone3(CLONE_NEWTIME) is EPERM", try_clone3_flags(CLONE_NEWTIME), EPERM);
		CHECK_ERR("clone(CLONE_NEWNS|CLONE_FS) is still EINVAL, not EPERM", try_clone(CLONE_NEWNS | CLONE_FS), EINVAL);
		CHECK_ERR("setns(uts fd, CLONE_NEWUTS) is EPERM", setns(self_uts, CLONE_NEWUTS), EPERM);
		CHECK_ERR("setns(pid fd, CLONE_NEWPID) is EPERM", setns(pid_fd, CLONE_NEWPID), EPERM);
		CHECK_ERR("setns(time fd, CLONE_NEWTIME) is EPERM", setns(time_fd, CLONE_NEWTIME), EPERM);
		CHECK_EQ("unshare(0) still works", unshare(0), 0);
		child_done();
	}
	CHECK_EQ("the unprivileged process's checks passed", wait_code(p), 0);
	close(self_uts);
	NST_DONE();
}
