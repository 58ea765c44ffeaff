/*
 * arch_prctl_test (x86_64): arch_prctl(2) sets and reads the FS and GS
 * bases; a user program sees them through %fs:/%gs:-relative loads; an
 * address outside user space is EPERM and an unknown code EINVAL. On other
 * architectures there is no arch_prctl and the test only says so.
 */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <unistd.h>

#include "nstest.h"

#if defined(__x86_64__)
#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

static unsigned long slot[4] = { 0x1111, 0x2222, 0x3333, 0x4444 };

int main(void)
{
	unsigned long fs = 0, gs = 0, got;
	CHECK_OK("ARCH_GET_FS", syscall(SYS_arch_prctl, ARCH_GET_FS, &fs));
	CHECK("the FS base (musl's thread pointer) is set", fs != 0);
	CHECK_OK("ARCH_SET_GS to our array", syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)slot));
	__asm__ volatile("mov %%gs:8, %0" : "=r"(got));
	CHECK_EQ("a %gs-relative load reads it", got, 0x2222);
	CHECK_OK("ARCH_GET_GS", syscall(SYS_arch_prctl, ARCH_GET_GS, &gs));
	CHECK_EQ("returns what was set", gs, (unsigned long)slot);
	CHECK_ERR("a kernel address is EPERM", syscall(SYS_arch_prctl, ARCH_SET_GS, 0xffff800000000000UL), EPERM);
	CHECK_ERR("an unknown code is EINVAL", syscall(SYS_arch_prctl, 0x1999, 0), EINVAL);
	unsigned long fs_after = 0;
	syscall(SYS_arch_prctl, ARCH_GET_FS, &fs_after);
	CHECK_EQ("the FS base is untouched", fs_after, fs);
	syscall(SYS_arch_prctl, ARCH_SET_GS, 0);
	NST_DONE();
}
#else
int main(void)
{
	CHECK("(arch_prctl exists only on x86_64)", 1);
	NST_DONE();
}
#endif
