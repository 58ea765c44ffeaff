/*
 * meminfo.h: MemAvailable from /proc/meminfo, for the programs that
 * measure memory (nsbench, nsfuzz).
 */
#ifndef MEMINFO_H
#define MEMINFO_H

#include <stdio.h>

/* MemAvailable in KiB, or -1. */
static long mem_available_kib(void)
{
	char line[128];
	long kib = -1;
	FILE *f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "MemAvailable: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

#endif
