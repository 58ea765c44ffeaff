/*
 * fpu_test: a thread's floating-point registers are its own. The kernel
 * may keep them in the CPU across a trap and save them only when another
 * thread runs (x86_64's deferred FPU restore, riscv64's save-when-dirty);
 * whatever it does, user code must see:
 *  1. every FP/SSE register unchanged across a system call;
 *  2. every FP/SSE register unchanged across a signal whose handler
 *     clobbers them (the signal frame saves and sigreturn restores them);
 *  3. FP results unchanged when three processes compute at once and are
 *     preempted and switched in the middle of their loops;
 *  4. a forked child starts with the parent's FP registers.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nstest.h"

#define NREGS 16

/* Fills the FP registers with pattern + i, runs `nr` as a raw system call
 * with `a0`, then stores what the registers hold into out[]. */
static long fp_around_syscall(uint64_t pattern, long nr, long a0, long a1, uint64_t out[NREGS])
{
	long ret;
#if defined(__x86_64__)
	uint64_t in[NREGS];
	for (int i = 0; i < NREGS; i++)
		in[i] = pattern + i;
	__asm__ volatile(
		"movdqu 0(%[in]), %%xmm0\n movdqu 8(%[in]), %%xmm1\n movdqu 16(%[in]), %%xmm2\n movdqu 24(%[in]), %%xmm3\n"
		"movdqu 32(%[in]), %%xmm4\n movdqu 40(%[in]), %%xmm5\n movdqu 48(%[in]), %%xmm6\n movdqu 56(%[in]), %%xmm7\n"
		"movq 64(%[in]), %%xmm8\n movq 72(%[in]), %%xmm9\n movq 80(%[in]), %%xmm10\n movq 88(%[in]), %%xmm11\n"
		"movq 96(%[in]), %%xmm12\n movq 104(%[in]), %%xmm13\n movq 112(%[in]), %%xmm14\n movq 120(%[in]), %%xmm15\n"
		"syscall\n"
		"movq %%xmm0, 0(%[out])\n movq %%xmm1, 8(%[out])\n movq %%xmm2, 16(%[out])\n movq %%xmm3, 24(%[out])\n"
		"movq %%xmm4, 32(%[out])\n movq %%xmm5, 40(%[out])\n movq %%xmm6, 48(%[out])\n movq %%xmm7, 56(%[out])\n"
		"movq %%xmm8, 64(%[out])\n movq %%xmm9, 72(%[out])\n movq %%xmm10, 80(%[out])\n movq %%xmm11, 88(%[out])\n"
		"movq %%xmm12, 96(%[out])\n movq %%xmm13, 104(%[out])\n movq %%xmm14, 112(%[out])\n movq %%xmm15, 120(%[out])\n"
		: "=a"(ret)
		: "a"(nr), "D"(a0), "S"(a1), [in] "r"(in), [out] "r"(out)
		: "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
		  "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
#elif defined(__riscv)
	uint64_t in[NREGS];
	for (int i = 0; i < NREGS; i++)
		in[i] = pattern + i;
	register long a7 __asm__("a7") = nr;
	register long x10 __asm__("a0") = a0;
	register long x11 __asm__("a1") = a1;
	__asm__ volatile(
		"fld f0, 0(%[in])\n fld f1, 8(%[in])\n fld f2, 16(%[in])\n fld f3, 24(%[in])\n"
		"fld f4, 32(%[in])\n fld f5, 40(%[in])\n fld f6, 48(%[in])\n fld f7, 56(%[in])\n"
		"fld f8, 64(%[in])\n fld f9, 72(%[in])\n fld f18, 80(%[in])\n fld f19, 88(%[in])\n"
		"fld f20, 96(%[in])\n fld f21, 104(%[in])\n fld f28, 112(%[in])\n fld f31, 120(%[in])\n"
		"ecall\n"
		"fsd f0, 0(%[out])\n fsd f1, 8(%[out])\n fsd f2, 16(%[out])\n fsd f3, 24(%[out])\n"
		"fsd f4, 32(%[out])\n fsd f5, 40(%[out])\n fsd f6, 48(%[out])\n fsd f7, 56(%[out])\n"
		"fsd f8, 64(%[out])\n fsd f9, 72(%[out])\n fsd f18, 80(%[out])\n fsd f19, 88(%[out])\n"
		"fsd f20, 96(%[out])\n fsd f21, 104(%[out])\n fsd f28, 112(%[out])\n fsd f31, 120(%[out])\n"
		: "+r"(x10)
		: "r"(a7), "r"(x11), [in] "r"(in), [out] "r"(out)
		: "memory", "f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f18", "f19", "f20", "f21", "f28",
		  "f31");
	ret = x10;
#else
#error "fpu_test knows x86_64 and riscv64"
#endif
	return ret;
}

static int kept(uint64_t pattern, const uint64_t out[NREGS])
{
	for (int i = 0; i < NREGS; i++)
		if (out[i] != pattern + i)
			return 0;
	return 1;
}

static volatile double sink;
static volatile int handled;

/* A handler that uses the FP registers for its own work. */
static void clobber(int sig)
{
	double x = sig;
	for (int i = 0; i < 200; i++)
		x = x * 1.5 + 0.25 - (double)i / 7.0;
	sink = x;
	handled++;
}

/* A deterministic FP computation (the same on every run of one binary). */
static double work(double seed, long rounds, int yield)
{
	double a = seed, b = seed / 3.0, c = 1.0 / (seed + 1.0), d = seed * seed;
	for (long i = 0; i < rounds; i++) {
		a = a * 0.999999 + b * 1e-6;
		b = b * 1.000001 - c * 1e-7;
		c = c + d * 1e-12 - a * 1e-13;
		d = d * 0.9999995 + 1e-9;
		if (yield && i % 4096 == 0)
			sched_yield();
	}
	return a + b + c + d;
}

int main(void)
{
	uint64_t out[NREGS];
	uint64_t pattern = 0x4010000000000000ull; /* a double (4.0), + i */

	/* 1: across system calls, many times (and with a switch in between). */
	int ok = 1;
	for (int round = 0; round < 200 && ok; round++) {
		memset(out, 0, sizeof out);
		fp_around_syscall(pattern + round * 64, round % 2 ? SYS_getpid : SYS_sched_yield, 0, 0, out);
		ok = kept(pattern + round * 64, out);
	}
	CHECK("FP registers are unchanged across getpid and sched_yield (200 rounds)", ok);

	/* 2: across a signal whose handler clobbers them: kill(getpid(), SIGUSR1)
	 * from inside the block, so the handler runs before the block reads back. */
	struct sigaction sa = { 0 };
	sa.sa_handler = clobber;
	CHECK_OK("sigaction(SIGUSR1)", sigaction(SIGUSR1, &sa, NULL));
	ok = 1;
	for (int round = 0; round < 50 && ok; round++) {
		memset(out, 0, sizeof out);
		int before = handled;
		fp_around_syscall(pattern + 7 + round, SYS_kill, getpid(), SIGUSR1, out);
		ok = kept(pattern + 7 + round, out) && handled == before + 1;
	}
	CHECK("FP registers are unchanged across a signal handler that uses them (50 rounds)", ok);

	/* 3: three processes computing at once, preempted and switched. */
	enum { KIDS = 3, ROUNDS = 3000000 };
	double expect[KIDS];
	for (int k = 0; k < KIDS; k++)
		expect[k] = work(1.0 + k, ROUNDS / 100, 0);
	pid_t kids[KIDS];
	for (int k = 0; k < KIDS; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			/* Each child does the short computation 100 times over, with
			 * yields, and checks every answer. */
			for (int r = 0; r < 100; r++)
				if (work(1.0 + k, ROUNDS / 100, r % 2) != expect[k])
					_exit(1);
			_exit(0);
		}
	}
	int all = 1;
	for (int k = 0; k < KIDS; k++) {
		int status = -1;
		waitpid(kids[k], &status, 0);
		all &= WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	CHECK("three processes computing at once all get the right results", all);

	/* 4: a forked child starts with the parent's registers: set them, fork
	 * from inside the block (the child reads them back at once). */
	memset(out, 0, sizeof out);
	long child = fp_around_syscall(pattern + 99, SYS_clone, SIGCHLD, 0, out); /* fork */
	if (child == 0)
		_exit(kept(pattern + 99, out) ? 0 : 1);
	CHECK("the parent's FP registers are unchanged across fork", kept(pattern + 99, out));
	int status = -1;
	waitpid(child, &status, 0);
	CHECK("a forked child starts with the parent's FP registers", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	NST_DONE();
}
