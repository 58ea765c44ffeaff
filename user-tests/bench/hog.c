/*
 * hog: a deliberately hungry program, for showing limits hold.
 *   hog mem MIB   allocate and touch MIB mebibytes, report progress
 *   hog cpu SECS  spin for SECS seconds of wall time
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "mem") == 0) {
		long mib = atol(argv[2]);
		for (long i = 0; i < mib; i++) {
			char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED) {
				printf("hog: mmap failed after %ld MiB\n", i);
				return 1;
			}
			memset(p, 0xa5, 1 << 20);
			if ((i + 1) % 64 == 0)
				printf("hog: %ld MiB\n", i + 1), fflush(stdout);
		}
		printf("hog: got all %ld MiB\n", mib);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "cpu") == 0) {
		time_t end = time(NULL) + atol(argv[2]);
		volatile unsigned long n = 0;
		while (time(NULL) < end)
			n++;
		printf("hog: %lu loops\n", (unsigned long)n);
		return 0;
	}
	fprintf(stderr, "usage: hog mem MIB | hog cpu SECS\n");
	return 2;
}
