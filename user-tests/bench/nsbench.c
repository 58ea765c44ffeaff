/*
 * nsbench: microbenchmarks of the basic kernel paths, run the same way on
 * nsCore and on the reference Linux by `make bench`. Prints one line per
 * benchmark: "bench NAME ITERATIONS NS_PER_OP". Figures, not tests.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void report(const char *name, long iterations, long long start)
{
	long long elapsed = now_ns() - start;
	printf("bench %s %ld %lld\n", name, iterations, elapsed / iterations);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	long scale = argc > 1 ? atol(argv[1]) : 1;
	long long t;
	long n;

	n = 20000 * scale;
	t = now_ns();
	for (long i = 0; i < n; i++)
		syscall(SYS_getpid);
	report("getpid", n, t);

	n = 100 * scale;
	t = now_ns();
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
	}
	report("fork+wait", n, t);

	n = 50 * scale;
	t = now_ns();
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			char *args[] = { "true", NULL };
			execv("/bin/true", args);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
	}
	report("fork+exec+wait", n, t);

	int ping[2], pong[2];
	pipe(ping);
	pipe(pong);
	n = 2000 * scale;
	pid_t echo = fork();
	if (echo == 0) {
		char c;
		close(ping[1]);
		close(pong[0]);
		while (read(ping[0], &c, 1) == 1)
			write(pong[1], &c, 1);
		_exit(0);
	}
	t = now_ns();
	for (long i = 0; i < n; i++) {
		char c = 'x';
		write(ping[1], &c, 1);
		read(pong[0], &c, 1);
	}
	report("pipe-roundtrip", n, t);
	close(ping[1]);
	waitpid(echo, NULL, 0);
	close(ping[0]);
	close(pong[0]);
	close(pong[1]);

	n = 500 * scale;
	t = now_ns();
	for (long i = 0; i < n; i++) {
		char *p = mmap(NULL, 16 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		for (int j = 0; j < 16; j++)
			p[j * 4096] = 1;
		munmap(p, 16 * 4096);
	}
	report("mmap+touch16+munmap", n, t);

	n = 5000 * scale;
	t = now_ns();
	for (long i = 0; i < n; i++)
		close(open("/etc/passwd", O_RDONLY));
	report("open+close", n, t);
	return 0;
}
