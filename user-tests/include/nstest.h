/*
 * nstest.h - the tiny harness every nsCore user test uses.
 *
 * A test program is a list of checks. Each check prints one line,
 *   "ok   <name>"  or  "FAIL <name>: <what went wrong> (file:line)",
 * and the program ends with NST_DONE(), which prints the summary
 *   "N passed, N failed"
 * and exits with 0 only if nothing failed. The same source runs natively on
 * the host's Linux (the reference) and on nsCore.
 */
#ifndef NSTEST_H
#define NSTEST_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int nst_passed, nst_failed;

static void nst_report(int ok, const char *name, const char *file, int line, const char *fmt, ...)
{
	if (ok) {
		nst_passed++;
		printf("ok   %s\n", name);
	} else {
		va_list ap;
		nst_failed++;
		printf("FAIL %s: ", name);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf(" (%s:%d)\n", file, line);
	}
	fflush(stdout);
}

/* CHECK(name, cond): cond must hold. */
#define CHECK(name, cond) \
	nst_report(!!(cond), (name), __FILE__, __LINE__, "expected %s", #cond)

/* CHECK_EQ(name, actual, expected): two integers must be equal. */
#define CHECK_EQ(name, actual, expected) do { \
	long long nst_a = (long long)(actual), nst_e = (long long)(expected); \
	nst_report(nst_a == nst_e, (name), __FILE__, __LINE__, \
		   "%s = %lld, expected %lld", #actual, nst_a, nst_e); \
} while (0)

/* CHECK_STR(name, actual, expected): two C strings must be equal. */
#define CHECK_STR(name, actual, expected) do { \
	const char *nst_a = (actual), *nst_e = (expected); \
	nst_report(nst_a && strcmp(nst_a, nst_e) == 0, (name), __FILE__, __LINE__, \
		   "%s = \"%s\", expected \"%s\"", #actual, nst_a ? nst_a : "(null)", nst_e); \
} while (0)

/* CHECK_OK(name, call): call must return >= 0. */
#define CHECK_OK(name, call) do { \
	long nst_r = (long)(call); \
	nst_report(nst_r >= 0, (name), __FILE__, __LINE__, \
		   "%s returned %ld, errno %d (%s)", #call, nst_r, errno, strerror(errno)); \
} while (0)

/* CHECK_ERR(name, call, err): call must fail with -1 and errno == err. */
#define CHECK_ERR(name, call, err) do { \
	errno = 0; \
	long nst_r = (long)(call); \
	int nst_errno = errno; \
	nst_report(nst_r == -1 && nst_errno == (err), (name), __FILE__, __LINE__, \
		   "%s returned %ld errno %d (%s), expected -1 errno %d (%s)", #call, nst_r, \
		   nst_errno, strerror(nst_errno), (err), strerror(err)); \
} while (0)

/* Prints the summary and exits: 0 when every check passed. */
#define NST_DONE() do { \
	printf("%d passed, %d failed\n", nst_passed, nst_failed); \
	fflush(stdout); \
	exit(nst_failed ? 1 : 0); \
} while (0)

#endif
