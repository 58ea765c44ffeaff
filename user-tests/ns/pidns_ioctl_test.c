/*
 * pidns_ioctl_test: translating PIDs through a PID-namespace file with the
 * ioctl_ns(2) requests NS_GET_PID_FROM_PIDNS, NS_GET_TGID_FROM_PIDNS
 * (a number in the file's namespace → the caller's) and
 * NS_GET_PID_IN_PIDNS, NS_GET_TGID_IN_PIDNS (the other way), Linux 6.11.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "nsutil.h"

#define NS_GET_PID_FROM_PIDNS 0x8004b706
#define NS_GET_TGID_FROM_PIDNS 0x8004b707
#define NS_GET_PID_IN_PIDNS 0x8004b708
#define NS_GET_TGID_IN_PIDNS 0x8004b709

int main(void)
{
	alarm(20);
	int go[2];
	if (pipe(go) != 0)
		return 1;
	pid_t pid = fork_newpid();
	if (pid == 0) {
		char c;
		close(go[1]);
		read(go[0], &c, 1);
		_exit(0);
	}
	close(go[0]);
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)pid);
	int fd = open(path, O_RDONLY);
	CHECK_OK("open the child's PID namespace file", fd);
	CHECK_EQ("its PID 1 is the child's PID here", ioctl(fd, NS_GET_PID_FROM_PIDNS, 1), pid);
	CHECK_EQ("and so is its thread-group id", ioctl(fd, NS_GET_TGID_FROM_PIDNS, 1), pid);
	CHECK_EQ("the child's PID here is 1 there", ioctl(fd, NS_GET_PID_IN_PIDNS, pid), 1);
	CHECK_EQ("likewise for the thread-group id", ioctl(fd, NS_GET_TGID_IN_PIDNS, pid), 1);
	CHECK_ERR("we are invisible in the child's namespace: ESRCH", ioctl(fd, NS_GET_PID_IN_PIDNS, getpid()), ESRCH);
	CHECK_ERR("an unused number there is ESRCH", ioctl(fd, NS_GET_PID_FROM_PIDNS, 4000), ESRCH);
	int uts = open("/proc/self/ns/uts", O_RDONLY);
	CHECK_ERR("on a UTS namespace file the requests are EINVAL", ioctl(uts, NS_GET_PID_FROM_PIDNS, 1), EINVAL);
	int own = open("/proc/self/ns/pid", O_RDONLY);
	CHECK_EQ("through our own namespace a PID maps to itself", ioctl(own, NS_GET_PID_IN_PIDNS, getpid()), getpid());
	close(go[1]);
	CHECK_EQ("the child exits", wait_code(pid), 0);
	NST_DONE();
}
