/*
 * sysctl_test: the /proc/sys files namespaces change (proc_sys_kernel(5)):
 * kernel/hostname and kernel/domainname follow the reader's UTS namespace
 * and write it like sethostname(2) (uts_namespaces(7)); kernel/ns_last_pid
 * is the last PID of the reader's PID namespace, and writing it chooses the
 * next one (pid_namespaces(7)); ostype and osrelease match uname(2);
 * user/max_<kind>_namespaces limits creation, ENOSPC past it
 * (namespaces(7)).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "nsutil.h"

/* The first line of `path` without its newline ("" on failure). */
static const char *first_line(const char *path)
{
	static char buf[128];
	buf[0] = 0;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return buf;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

/* Writes `text` to `path`: the write's result, or -1 if it cannot be opened. */
static long write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	long r = write(fd, text, strlen(text));
	int saved = errno;
	close(fd);
	errno = saved;
	return r;
}

/* Whether CapEff in /proc/self/status has CAP_SYS_RESOURCE (24). */
static int has_cap_sys_resource(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long long caps = 0;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	if (f)
		fclose(f);
	return (caps >> 24) & 1;
}

int main(void)
{
	alarm(20);
	struct utsname u;
	uname(&u);
	CHECK_STR("kernel/hostname is uname's nodename", first_line("/proc/sys/kernel/hostname"), u.nodename);
	CHECK_STR("kernel/ostype is Linux", first_line("/proc/sys/kernel/ostype"), "Linux");
	CHECK_STR("kernel/osrelease is uname's release", first_line("/proc/sys/kernel/osrelease"), u.release);
	CHECK("kernel/pid_max is a positive number", atoi(first_line("/proc/sys/kernel/pid_max")) > 0);

	pid_t pid = fork_child();
	if (pid == 0) {
		CHECK_OK("unshare(CLONE_NEWUTS)", unshare(CLONE_NEWUTS));
		CHECK_EQ("writing kernel/hostname", write_file("/proc/sys/kernel/hostname", "sysbox\n"), 7);
		struct utsname mine;
		uname(&mine);
		CHECK_STR("sets the namespace's host name", mine.nodename, "sysbox");
		CHECK_STR("and reads back", first_line("/proc/sys/kernel/hostname"), "sysbox");
		CHECK_EQ("writing kernel/domainname", write_file("/proc/sys/kernel/domainname", "example"), 7);
		uname(&mine);
		CHECK_STR("sets the domain name", mine.domainname, "example");
		char longname[80];
		memset(longname, 'x', 65);
		longname[65] = 0;
		/* proc_dostring keeps what fits: the write succeeds, the name is cut. */
		CHECK_EQ("a 65-byte host name is accepted", write_file("/proc/sys/kernel/hostname", longname), 65);
		CHECK_EQ("and cut to 64 bytes", strlen(first_line("/proc/sys/kernel/hostname")), 64);
		child_done();
	}
	CHECK_EQ("the child's checks passed", wait_code(pid), 0);
	uname(&u);
	CHECK("the parent's host name did not change", strcmp(u.nodename, "sysbox") != 0);

	pid = fork_newpid();
	if (pid == 0) {
		CHECK_STR("in a new PID namespace ns_last_pid is the init's 1", first_line("/proc/sys/kernel/ns_last_pid"), "1");
		CHECK_EQ("write ns_last_pid", write_file("/proc/sys/kernel/ns_last_pid", "99"), 2);
		pid_t c = fork_child();
		if (c == 0)
			_exit(getpid() == 100 ? 0 : 1);
		CHECK_EQ("the next process is PID 100", c, 100);
		CHECK_EQ("which saw itself as 100", wait_code(c), 0);
		CHECK_STR("and ns_last_pid reads 100", first_line("/proc/sys/kernel/ns_last_pid"), "100");
		CHECK_ERR("a negative ns_last_pid is EINVAL", write_file("/proc/sys/kernel/ns_last_pid", "-5"), EINVAL);
		child_done();
	}
	CHECK_EQ("the namespace init's checks passed", wait_code(pid), 0);

	pid = fork_child();
	if (pid == 0) {
		if (setresuid(1000, 1000, 1000) != 0)
			_exit(2);
		CHECK_ERR("an unprivileged process cannot write kernel/hostname", write_file("/proc/sys/kernel/hostname", "x"), EACCES);
		child_done();
	}
	CHECK_EQ("the unprivileged child's checks passed", wait_code(pid), 0);

	/* Namespace limits: with max_uts_namespaces at 0 no UTS namespace can
	 * be made. The old value is put back whatever the child did. Writing
	 * the limits needs CAP_SYS_RESOURCE (without it the files are
	 * read-only), which a sandboxed reference host may lack. */
	if (!has_cap_sys_resource()) {
		CHECK("(limits not writable here: no CAP_SYS_RESOURCE; reading them works)",
		      atol(first_line("/proc/sys/user/max_uts_namespaces")) > 0);
		NST_DONE();
	}
	char old_max[32];
	snprintf(old_max, sizeof old_max, "%s", first_line("/proc/sys/user/max_uts_namespaces"));
	CHECK("max_uts_namespaces is a positive number", atol(old_max) > 0);
	CHECK("max_pid_namespaces and max_time_namespaces exist",
	      atol(first_line("/proc/sys/user/max_pid_namespaces")) > 0 &&
	      atol(first_line("/proc/sys/user/max_time_namespaces")) > 0);
	CHECK_ERR("a negative limit is EINVAL", write_file("/proc/sys/user/max_uts_namespaces", "-1"), EINVAL);
	CHECK_EQ("set max_uts_namespaces to 0", write_file("/proc/sys/user/max_uts_namespaces", "0"), 1);
	pid = fork_child();
	if (pid == 0) {
		CHECK_ERR("then unshare(CLONE_NEWUTS) is ENOSPC", unshare(CLONE_NEWUTS), ENOSPC);
		child_done();
	}
	int child_status = wait_code(pid);
	CHECK("restore max_uts_namespaces", write_file("/proc/sys/user/max_uts_namespaces", old_max) > 0);
	CHECK_EQ("the limited child's checks passed", child_status, 0);
	CHECK_STR("the limit is back", first_line("/proc/sys/user/max_uts_namespaces"), old_max);
	NST_DONE();
}
