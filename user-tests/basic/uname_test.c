/*
 * uname_test: uname(2) describes a Linux system of the right architecture.
 *
 * Checks: uname() succeeds; sysname is "Linux" (tools such as busybox and
 * musl's own code compare it); machine names the architecture the binary was
 * built for; release starts with a digit (tools parse "major.minor").
 */
#include <ctype.h>
#include <sys/utsname.h>

#include "nstest.h"

#if defined(__riscv)
#define MACHINE "riscv64"
#elif defined(__x86_64__)
#define MACHINE "x86_64"
#else
#error "unknown architecture"
#endif

int main(void)
{
	struct utsname u;

	CHECK_OK("uname succeeds", uname(&u));
	CHECK_STR("sysname is Linux", u.sysname, "Linux");
	CHECK_STR("machine is the build architecture", u.machine, MACHINE);
	CHECK("release starts with a digit", isdigit((unsigned char)u.release[0]));
	CHECK_ERR("uname(NULL) is EFAULT", uname(NULL), EFAULT);
	NST_DONE();
}
