/*
 * nsfs_bind_test: "a bind mount of such a file keeps the namespace alive"
 * (namespaces(7)). A child makes a UTS namespace and names it; we bind
 * mount its /proc/PID/ns/uts onto a file (inside a private mount namespace,
 * so the host's mounts are untouched); after the child is gone, opening
 * the file still gives the namespace, and setns(2) into it shows the name.
 * Unmounting lets it go: the file is a plain file again (setns: EINVAL).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "nsutil.h"

int main(void)
{
	alarm(20);
	pid_t outer = fork_child();
	if (outer == 0) {
		CHECK_OK("a private mount namespace", unshare(CLONE_NEWNS));
		CHECK_OK("with private propagation", mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL));
		const char *target = "/tmp/nscore-uts-bind";
		close(open(target, O_CREAT | O_WRONLY, 0600));
		int ready[2], go[2];
		pipe(ready);
		pipe(go);
		pid_t child = fork_child();
		if (child == 0) {
			char c;
			unshare(CLONE_NEWUTS);
			sethostname("bound", 5);
			write(ready[1], "r", 1);
			read(go[0], &c, 1);
			_exit(0);
		}
		char c, path[64];
		read(ready[0], &c, 1);
		snprintf(path, sizeof path, "/proc/%d/ns/uts", (int)child);
		struct stat ns_st, bound_st;
		stat(path, &ns_st);
		CHECK_OK("bind mount the child's uts namespace file", mount(path, target, NULL, MS_BIND, NULL));
		write(go[1], "g", 1);
		CHECK_EQ("the child exits", wait_code(child), 0);
		CHECK_OK("stat the bind mount", stat(target, &bound_st));
		CHECK("it is still the child's namespace", bound_st.st_ino == ns_st.st_ino);
		int fd = open(target, O_RDONLY);
		CHECK_OK("open it", fd);
		CHECK_OK("setns into the kept namespace", setns(fd, CLONE_NEWUTS));
		struct utsname u;
		uname(&u);
		CHECK_STR("its host name survived its last process", u.nodename, "bound");
		close(fd);
		CHECK_OK("unmount", umount(target));
		fd = open(target, O_RDONLY);
		CHECK_ERR("the file is a plain file again: setns is EINVAL", setns(fd, CLONE_NEWUTS), EINVAL);
		close(fd);
		unlink(target);
		child_done();
	}
	CHECK_EQ("the checks in the private mount namespace passed", wait_code(outer), 0);
	NST_DONE();
}
