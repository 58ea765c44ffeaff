/*
 * limits_test: /proc/PID/limits (proc(5)) shows each resource limit's soft
 * and hard values and unit in Linux's fixed-width layout ("unlimited" for
 * RLIM_INFINITY), and follows setrlimit(2).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "nstest.h"

/* The line of /proc/self/limits that starts with `name` ("" if none). */
static const char *line_of(const char *name)
{
	static char line[256];
	FILE *f = fopen("/proc/self/limits", "r");
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, name, strlen(name)) == 0) {
			fclose(f);
			return line;
		}
	if (f)
		fclose(f);
	line[0] = 0;
	return line;
}

int main(void)
{
	char want[256];
	snprintf(want, sizeof want, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
	CHECK_STR("the header line", line_of("Limit"), want);

	struct rlimit files = { 100, 200 };
	CHECK_OK("setrlimit(RLIMIT_NOFILE, 100/200)", setrlimit(RLIMIT_NOFILE, &files));
	snprintf(want, sizeof want, "%-25s %-20s %-20s %-10s\n", "Max open files", "100", "200", "files");
	CHECK_STR("Max open files shows them", line_of("Max open files"), want);

	struct rlimit core = { 0, RLIM_INFINITY };
	CHECK_OK("setrlimit(RLIMIT_CORE, 0/unlimited)", setrlimit(RLIMIT_CORE, &core));
	snprintf(want, sizeof want, "%-25s %-20s %-20s %-10s\n", "Max core file size", "0", "unlimited", "bytes");
	CHECK_STR("unlimited is spelt out", line_of("Max core file size"), want);

	struct rlimit nice;
	getrlimit(RLIMIT_NICE, &nice);
	char soft[32], hard[32];
	snprintf(soft, sizeof soft, "%llu", (unsigned long long)nice.rlim_cur);
	snprintf(hard, sizeof hard, "%llu", (unsigned long long)nice.rlim_max);
	if (nice.rlim_cur == RLIM_INFINITY)
		strcpy(soft, "unlimited");
	if (nice.rlim_max == RLIM_INFINITY)
		strcpy(hard, "unlimited");
	snprintf(want, sizeof want, "%-25s %-20s %-20s \n", "Max nice priority", soft, hard);
	CHECK_STR("a limit without a unit ends after the hard value", line_of("Max nice priority"), want);
	NST_DONE();
}
