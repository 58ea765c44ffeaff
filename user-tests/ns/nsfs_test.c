/*
 * nsfs_test: the namespace files of /proc/PID/ns (namespaces(7)) and their
 * ioctls (ioctl_ns(2)): the ten entries of /proc/self/ns, their links
 * "kind:[inode]" with the initial namespaces' well-known inode numbers,
 * stat/fstat of the nsfs files, NS_GET_NSTYPE, NS_GET_USERNS,
 * NS_GET_PARENT, NS_GET_OWNER_UID and their errors, and an open ns file
 * keeping a namespace alive after its last process has exited.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nsutil.h"

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#define NSIO 0xb7
#ifndef NS_GET_USERNS
#define NS_GET_USERNS _IO(NSIO, 0x1)
#endif
#ifndef NS_GET_PARENT
#define NS_GET_PARENT _IO(NSIO, 0x2)
#endif
#ifndef NS_GET_NSTYPE
#define NS_GET_NSTYPE _IO(NSIO, 0x3)
#endif
#ifndef NS_GET_OWNER_UID
#define NS_GET_OWNER_UID _IO(NSIO, 0x4)
#endif

static const struct {
	const char *name, *link;
	unsigned long long ino;
	int type;
} kinds[] = {
	{ "cgroup", INIT_CGROUP_NS, INIT_CGROUP_INO, CLONE_NEWCGROUP },
	{ "ipc", INIT_IPC_NS, INIT_IPC_INO, CLONE_NEWIPC },
	{ "mnt", INIT_MNT_NS, INIT_MNT_INO, CLONE_NEWNS },
	{ "net", INIT_NET_NS, INIT_NET_INO, CLONE_NEWNET },
	{ "pid", INIT_PID_NS, INIT_PID_INO, CLONE_NEWPID },
	{ "pid_for_children", INIT_PID_NS, INIT_PID_INO, CLONE_NEWPID },
	{ "time", INIT_TIME_NS, INIT_TIME_INO, CLONE_NEWTIME },
	{ "time_for_children", INIT_TIME_NS, INIT_TIME_INO, CLONE_NEWTIME },
	{ "user", INIT_USER_NS, INIT_USER_INO, CLONE_NEWUSER },
	{ "uts", INIT_UTS_NS, INIT_UTS_INO, CLONE_NEWUTS },
};
#define NKINDS (int)(sizeof kinds / sizeof kinds[0])

static const char *fd_link(int fd)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	return link_of(path);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	char path[128], name[160];
	struct stat st, st2;
	int fd, fd2;

	alarm(20);
	signal(SIGPIPE, SIG_IGN);

	/* The directory. */
	DIR *d = opendir("/proc/self/ns");
	CHECK("opendir /proc/self/ns", d != NULL);
	char *names[32];
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)) && n < 32)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			names[n++] = strdup(e->d_name);
	if (d)
		closedir(d);
	qsort(names, n, sizeof names[0], cmp_str);
	char listing[512] = "";
	for (int i = 0; i < n; i++) {
		strcat(listing, names[i]);
		strcat(listing, i + 1 < n ? " " : "");
		free(names[i]);
	}
	CHECK_STR("/proc/self/ns has exactly these entries", listing,
		  "cgroup ipc mnt net pid pid_for_children time time_for_children user uts");

	/* Each entry. */
	dev_t nsdev = 0;
	for (int i = 0; i < NKINDS; i++) {
		snprintf(path, sizeof path, "/proc/self/ns/%s", kinds[i].name);
		snprintf(name, sizeof name, "readlink %s names the initial namespace", path);
		CHECK_STR(name, link_of(path), kinds[i].link);
		snprintf(name, sizeof name, "lstat %s: a symbolic link", path);
		CHECK(name, lstat(path, &st) == 0 && S_ISLNK(st.st_mode));
		snprintf(name, sizeof name, "stat %s: a regular nsfs file with the inode in the link", path);
		CHECK(name, stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_ino == kinds[i].ino);
		fd = open(path, O_RDONLY);
		snprintf(name, sizeof name, "open %s", path);
		CHECK_OK(name, fd);
		snprintf(name, sizeof name, "fstat of the %s fd gives the same st_ino", kinds[i].name);
		CHECK(name, fstat(fd, &st2) == 0 && st2.st_ino == kinds[i].ino);
		if (i == 0)
			nsdev = st2.st_dev;
		snprintf(name, sizeof name, "and the same st_dev as the other namespace files (%s)", kinds[i].name);
		CHECK(name, st2.st_dev == nsdev && st.st_dev == nsdev);
		snprintf(name, sizeof name, "NS_GET_NSTYPE on %s gives its CLONE_NEW* flag", kinds[i].name);
		CHECK_EQ(name, ioctl(fd, NS_GET_NSTYPE), kinds[i].type);
		snprintf(name, sizeof name, "the fd's own link is %s", kinds[i].link);
		CHECK_STR(name, fd_link(fd), kinds[i].link);
		close(fd);
	}

	/* ioctls on the uts namespace. */
	fd = open("/proc/self/ns/uts", O_RDONLY);
	CHECK_OK("open /proc/self/ns/uts", fd);
	fd2 = ioctl(fd, NS_GET_USERNS);
	CHECK_OK("NS_GET_USERNS on a uts fd returns a new fd", fd2);
	CHECK("which is a new descriptor", fd2 != fd);
	CHECK_STR("naming the initial user namespace", fd_link(fd2), INIT_USER_NS);
	CHECK_EQ("NS_GET_NSTYPE on it gives CLONE_NEWUSER", ioctl(fd2, NS_GET_NSTYPE), CLONE_NEWUSER);
	CHECK("the new fd is close-on-exec", (fcntl(fd2, F_GETFD) & FD_CLOEXEC) != 0);
	uid_t uid = 12345;
	CHECK_OK("NS_GET_OWNER_UID on the user namespace fd", ioctl(fd2, NS_GET_OWNER_UID, &uid));
	CHECK_EQ("the initial user namespace is owned by uid 0", uid, 0);
	CHECK_ERR("NS_GET_USERNS on the initial user namespace is EPERM", ioctl(fd2, NS_GET_USERNS), EPERM);
	CHECK_ERR("NS_GET_PARENT on the initial user namespace is EPERM", ioctl(fd2, NS_GET_PARENT), EPERM);
	close(fd2);
	CHECK_ERR("NS_GET_PARENT on a uts fd is EINVAL", ioctl(fd, NS_GET_PARENT), EINVAL);
	CHECK_ERR("NS_GET_OWNER_UID on a uts fd is EINVAL", ioctl(fd, NS_GET_OWNER_UID, &uid), EINVAL);
	CHECK_ERR("an unknown ioctl on an ns fd is ENOTTY", ioctl(fd, _IO(NSIO, 0x7f)), ENOTTY);
	char buf[8];
	CHECK_ERR("read(2) on an ns fd is EINVAL", read(fd, buf, sizeof buf), EINVAL);
	CHECK_ERR("write(2) on a read-only ns fd is EBADF", write(fd, "x", 1), EBADF);
	fd2 = open("/proc/self/ns/uts", O_RDONLY);
	CHECK("two opens of the same namespace: same inode",
	      fstat(fd, &st) == 0 && fstat(fd2, &st2) == 0 && st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
	close(fd2);
	close(fd);

	/* NS_GET_PARENT with PID namespaces. */
	fd = open("/proc/self/ns/pid", O_RDONLY);
	CHECK_ERR("NS_GET_PARENT on the initial pid namespace is EPERM", ioctl(fd, NS_GET_PARENT), EPERM);
	fd2 = ioctl(fd, NS_GET_USERNS);
	CHECK_STR("NS_GET_USERNS on a pid fd names the initial user namespace", fd_link(fd2), INIT_USER_NS);
	close(fd2);
	CHECK_ERR("NS_GET_OWNER_UID on a pid fd is EINVAL", ioctl(fd, NS_GET_OWNER_UID, &uid), EINVAL);
	close(fd);
	stat("/proc/self/ns/pid", &st);
	int go[2], ready[2];
	char c;
	pipe(go);
	pipe(ready);
	pid_t pid = fork_newpid();
	if (pid == 0) {
		alarm(20);
		close(go[1]);
		close(ready[0]);
		write(ready[1], "r", 1);
		while (read(go[0], &c, 1) > 0)
			;
		_exit(getpid() == 1 ? 0 : 1);
	}
	close(go[0]);
	close(ready[1]);
	read(ready[0], &c, 1);
	snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)pid);
	fd = open(path, O_RDONLY);
	CHECK_OK("open the ns/pid of a child in a new PID namespace", fd);
	CHECK("it is not the initial one", fstat(fd, &st2) == 0 && st2.st_ino != st.st_ino);
	fd2 = ioctl(fd, NS_GET_PARENT);
	CHECK_OK("NS_GET_PARENT on the child's pid namespace", fd2);
	CHECK("gives an fd of our own pid namespace (same st_ino)", fstat(fd2, &st2) == 0 && st2.st_ino == st.st_ino);
	CHECK_STR("whose link is the initial pid namespace", fd_link(fd2), INIT_PID_NS);
	CHECK_ERR("and NS_GET_PARENT on that is EPERM", ioctl(fd2, NS_GET_PARENT), EPERM);
	close(fd2);
	CHECK_EQ("NS_GET_NSTYPE on the child's pid namespace", ioctl(fd, NS_GET_NSTYPE), CLONE_NEWPID);
	close(go[1]);
	CHECK_EQ("the PID-namespace child was PID 1 and exited", wait_code(pid), 0);
	close(ready[0]);
	CHECK_EQ("the ns fd outlives the namespace's processes (NS_GET_NSTYPE)", ioctl(fd, NS_GET_NSTYPE), CLONE_NEWPID);
	close(fd);

	/* A zombie's namespaces: the pid link stays, the nsproxy ones are gone. */
	pid = fork_child();
	if (pid == 0)
		_exit(0);
	siginfo_t si;
	waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
	snprintf(path, sizeof path, "/proc/%d/ns/uts", (int)pid);
	CHECK_ERR("readlink of a zombie's ns/uts is ENOENT", readlink(path, buf, sizeof buf), ENOENT);
	snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)pid);
	CHECK_STR("a zombie's ns/pid still reads", link_of(path), INIT_PID_NS);
	wait_code(pid);

	/* An open ns fd keeps a UTS namespace alive after its process exits. */
	pipe(go);
	pipe(ready);
	pid = fork_child();
	if (pid == 0) {
		alarm(20);
		close(go[1]);
		close(ready[0]);
		if (unshare(CLONE_NEWUTS) || sethostname("nst-nsfs-kept", 13))
			_exit(1);
		write(ready[1], "r", 1);
		while (read(go[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(go[0]);
	close(ready[1]);
	CHECK_EQ("the child unshared its UTS namespace", read(ready[0], &c, 1), 1);
	snprintf(path, sizeof path, "/proc/%d/ns/uts", (int)pid);
	char kept[128];
	snprintf(kept, sizeof kept, "%s", link_of(path));
	fd = open(path, O_RDONLY);
	CHECK_OK("open the child's ns/uts", fd);
	close(go[1]);
	CHECK_EQ("the child exits", wait_code(pid), 0);
	close(ready[0]);
	CHECK_ERR("its /proc entry is gone", readlink(path, buf, sizeof buf), ENOENT);
	CHECK_STR("the held fd still names its namespace", fd_link(fd), kept);
	pid = fork_child();
	if (pid == 0) {
		struct utsname u;
		CHECK_OK("setns into the kept namespace", setns(fd, CLONE_NEWUTS));
		CHECK("uname shows the host name the dead child set",
		      uname(&u) == 0 && strcmp(u.nodename, "nst-nsfs-kept") == 0);
		CHECK_STR("our /proc/self/ns/uts is that namespace", link_of("/proc/self/ns/uts"), kept);
		child_done();
	}
	CHECK_EQ("the setns child's checks passed", wait_code(pid), 0);
	close(fd);
	NST_DONE();
}
