/*
 * uts_ns_test: UTS namespaces (uts_namespaces(7), namespaces(7)):
 * /proc/self/ns/uts of the initial namespace, unshare(2) and clone(2) with
 * CLONE_NEWUTS, sethostname(2)/setdomainname(2) staying inside the
 * namespace, their length limit, the privilege they need, and setns(2)
 * into another process's UTS namespace (and its EINVAL cases).
 *
 * Host names are only ever changed inside new UTS namespaces, so the
 * machine's own names are never touched.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nsutil.h"

int main(void)
{
	struct utsname orig, u;
	struct stat st_parent, st;
	int ready[2], go[2];
	pid_t a, b;
	char c;

	alarm(20);
	signal(SIGPIPE, SIG_IGN);
	CHECK_OK("uname works", uname(&orig));
	CHECK_STR("/proc/self/ns/uts names the initial UTS namespace", link_of("/proc/self/ns/uts"), INIT_UTS_NS);
	CHECK_OK("stat /proc/self/ns/uts", stat("/proc/self/ns/uts", &st_parent));
	CHECK_EQ("its inode number is the one in the link", st_parent.st_ino, INIT_UTS_INO);

	/* Two processes in the same namespace see the same nsfs file. */
	a = fork_child();
	if (a == 0) {
		CHECK_OK("a forked child can stat its /proc/self/ns/uts", stat("/proc/self/ns/uts", &st));
		CHECK("same namespace, same st_dev and st_ino",
		      st.st_dev == st_parent.st_dev && st.st_ino == st_parent.st_ino);
		child_done();
	}
	CHECK_EQ("the same-namespace child's checks passed", wait_code(a), 0);

	/* Child A: a new UTS namespace with its own names; parks until told. */
	if (pipe(ready) || pipe(go))
		return 1;
	a = fork_child();
	if (a == 0) {
		char name[80];
		alarm(20);
		close(ready[0]);
		close(go[1]);
		CHECK_OK("unshare(CLONE_NEWUTS) as root", unshare(CLONE_NEWUTS));
		const char *l = link_of("/proc/self/ns/uts");
		CHECK("after unshare the link names another uts namespace",
		      strncmp(l, "uts:[", 5) == 0 && strcmp(l, INIT_UTS_NS) != 0);
		CHECK_OK("stat the new /proc/self/ns/uts", stat("/proc/self/ns/uts", &st));
		CHECK("its st_ino differs from the initial namespace's", st.st_ino != st_parent.st_ino);
		CHECK("and matches the number in the link",
		      (unsigned long long)st.st_ino == strtoull(l + 5, NULL, 10));
		CHECK_OK("uname in the new namespace", uname(&u));
		CHECK_STR("the new namespace starts with the parent's host name", u.nodename, orig.nodename);
		CHECK_STR("and with the parent's domain name", u.domainname, orig.domainname);
		CHECK_STR("and with the parent's sysname", u.sysname, orig.sysname);

		memset(name, 'h', sizeof name);
		CHECK_ERR("sethostname with 65 bytes is EINVAL", sethostname(name, 65), EINVAL);
		CHECK_ERR("setdomainname with 65 bytes is EINVAL", setdomainname(name, 65), EINVAL);
		CHECK_OK("sethostname with 64 bytes works", sethostname(name, 64));
		uname(&u);
		CHECK_EQ("uname shows all 64 bytes of it", strlen(u.nodename), 64);
		char hn[80];
		CHECK_OK("gethostname", gethostname(hn, sizeof hn));
		CHECK_EQ("gethostname shows all 64 bytes too", strlen(hn), 64);
		CHECK_OK("sethostname with 0 bytes works", sethostname("", 0));
		uname(&u);
		CHECK_STR("and leaves an empty host name", u.nodename, "");
		/* The name need not be NUL-terminated: only len bytes count. */
		CHECK_OK("sethostname(\"nst-uts-aXYZ\", 9)", sethostname("nst-uts-aXYZ", 9));
		CHECK_OK("setdomainname(\"nst-dom-a\")", setdomainname("nst-dom-a", 9));
		uname(&u);
		CHECK_STR("uname shows the new host name", u.nodename, "nst-uts-a");
		CHECK_STR("uname shows the new domain name", u.domainname, "nst-dom-a");
		fflush(stdout);
		if (write(ready[1], nst_failed ? "F" : "k", 1) != 1)
			_exit(2);
		while (read(go[0], &c, 1) > 0)
			;
		uname(&u);
		CHECK_STR("a setns by another process did not change ours", u.nodename, "nst-uts-a");
		child_done();
	}
	close(ready[1]);
	close(go[0]);
	CHECK_EQ("the unsharing child got ready", read(ready[0], &c, 1), 1);
	CHECK_EQ("and its checks so far passed", c, 'k');
	CHECK_OK("uname in the parent", uname(&u));
	CHECK_STR("the child's sethostname is invisible to the parent", u.nodename, orig.nodename);
	CHECK_STR("so is its setdomainname", u.domainname, orig.domainname);
	CHECK_STR("the parent's link is unchanged", link_of("/proc/self/ns/uts"), INIT_UTS_NS);

	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/uts", (int)a);
	char alink[128];
	snprintf(alink, sizeof alink, "%s", link_of(path));
	CHECK("the parent reads the child's uts link, a different namespace",
	      strncmp(alink, "uts:[", 5) == 0 && strcmp(alink, INIT_UTS_NS) != 0);

	/* Child B joins A's namespace with setns(2). */
	b = fork_child();
	if (b == 0) {
		int home = open("/proc/self/ns/uts", O_RDONLY);
		CHECK_OK("open our own /proc/self/ns/uts", home);
		int fd = open(path, O_RDONLY);
		CHECK_OK("open the other child's /proc/PID/ns/uts", fd);
		CHECK_ERR("setns with nstype CLONE_NEWPID for a uts fd is EINVAL", setns(fd, CLONE_NEWPID), EINVAL);
		CHECK_ERR("setns with nstype CLONE_NEWNS for a uts fd is EINVAL", setns(fd, CLONE_NEWNS), EINVAL);
		uname(&u);
		CHECK_STR("a failed setns changes nothing", u.nodename, orig.nodename);
		CHECK_OK("setns(fd, CLONE_NEWUTS)", setns(fd, CLONE_NEWUTS));
		uname(&u);
		CHECK_STR("after setns uname shows the other namespace's host name", u.nodename, "nst-uts-a");
		CHECK_STR("and its domain name", u.domainname, "nst-dom-a");
		CHECK_STR("our /proc/self/ns/uts now names that namespace", link_of("/proc/self/ns/uts"), alink);
		CHECK_OK("setns into the same namespace again, nstype 0 (any)", setns(fd, 0));
		CHECK_OK("sethostname after setns", sethostname("nst-uts-b", 9));
		close(fd);
		CHECK_OK("setns back to the initial namespace through a saved fd", setns(home, CLONE_NEWUTS));
		close(home);
		uname(&u);
		CHECK_STR("back home the host name is the original", u.nodename, orig.nodename);
		child_done();
	}
	CHECK_EQ("the setns child's checks passed", wait_code(b), 0);

	/* The sethostname done by B (while in A's namespace) is seen by A. */
	b = fork_child();
	if (b == 0) {
		int fd = open(path, O_RDONLY);
		setns(fd, CLONE_NEWUTS);
		uname(&u);
		CHECK_STR("a name set by one member is seen by the others", u.nodename, "nst-uts-b");
		sethostname("nst-uts-a", 9);
		child_done();
	}
	CHECK_EQ("the second setns child's checks passed", wait_code(b), 0);
	close(go[1]);
	CHECK_EQ("the unsharing child's checks passed", wait_code(a), 0);
	close(ready[0]);

	/* setns(2) on things that are not namespaces. */
	char tmp[] = "/tmp/nst-uts-XXXXXX";
	int fd = mkstemp(tmp);
	CHECK_ERR("setns on a regular file is EINVAL", setns(fd, CLONE_NEWUTS), EINVAL);
	CHECK_ERR("setns on a regular file with nstype 0 is EINVAL", setns(fd, 0), EINVAL);
	close(fd);
	unlink(tmp);
	CHECK_ERR("setns on a closed fd is EBADF", setns(fd, CLONE_NEWUTS), EBADF);

	/* Without CAP_SYS_ADMIN. */
	a = fork_child();
	if (a == 0) {
		int nsfd = open("/proc/self/ns/uts", O_RDONLY);
		CHECK_OK("open our uts ns file before dropping root", nsfd);
		CHECK_OK("drop to uid 1000", setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000) ? -1 : 0);
		CHECK_ERR("sethostname without privilege is EPERM", sethostname("x", 1), EPERM);
		CHECK_ERR("setdomainname without privilege is EPERM", setdomainname("x", 1), EPERM);
		CHECK_ERR("the privilege check comes before the length check", sethostname("x", 65), EPERM);
		CHECK_ERR("unshare(CLONE_NEWUTS) without privilege is EPERM", unshare(CLONE_NEWUTS), EPERM);
		CHECK_ERR("setns to a uts namespace without privilege is EPERM", setns(nsfd, CLONE_NEWUTS), EPERM);
		uname(&u);
		CHECK_STR("the host name is unchanged", u.nodename, orig.nodename);
		child_done();
	}
	CHECK_EQ("the unprivileged child's checks passed", wait_code(a), 0);

	/* clone(2) with CLONE_NEWUTS, used like fork. */
	a = syscall(SYS_clone, CLONE_NEWUTS | SIGCHLD, 0, 0, 0, 0);
	if (a == 0) {
		struct stat st2;
		const char *l = link_of("/proc/self/ns/uts");
		int code = 0;
		if (strncmp(l, "uts:[", 5) != 0 || strcmp(l, INIT_UTS_NS) == 0)
			code |= 1;
		if (stat("/proc/self/ns/uts", &st2) || st2.st_ino == st_parent.st_ino)
			code |= 2;
		if (uname(&u) || strcmp(u.nodename, orig.nodename) != 0)
			code |= 4;
		if (sethostname("nst-clone", 9) || uname(&u) || strcmp(u.nodename, "nst-clone") != 0)
			code |= 8;
		syscall(SYS_exit_group, code);
	}
	CHECK("clone(CLONE_NEWUTS|SIGCHLD) returns the child's pid", a > 0);
	CHECK_EQ("the cloned child was in a new UTS namespace of its own (bits: link, inode, names, sethostname)",
		 wait_code(a), 0);
	uname(&u);
	CHECK_STR("the clone child's host name did not leak out", u.nodename, orig.nodename);
	CHECK_STR("the parent is still in the initial namespace", link_of("/proc/self/ns/uts"), INIT_UTS_NS);
	NST_DONE();
}
