/*
 * proc_task_test: /proc/PID/task (one directory per thread, named by TID,
 * with stat, status and comm), /proc/thread-self, and the signal lines of
 * /proc/PID/status (SigBlk, SigIgn, SigCgt), as proc(5) describes them.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nstest.h"

static pthread_barrier_t barrier;
static pid_t worker_tid;

static void *worker(void *arg)
{
	(void)arg;
	worker_tid = syscall(SYS_gettid);
	pthread_barrier_wait(&barrier);
	pthread_barrier_wait(&barrier);
	return NULL;
}

/* The value of "Field:" in a status file, or "" (static buffer). */
static const char *field(const char *path, const char *name)
{
	static char line[256], value[256];
	value[0] = 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return value;
	size_t n = strlen(name);
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, name, n) == 0 && line[n] == ':') {
			char *v = line + n + 1;
			while (*v == '\t' || *v == ' ')
				v++;
			v[strcspn(v, "\n")] = 0;
			snprintf(value, sizeof value, "%s", v);
			break;
		}
	}
	fclose(f);
	return value;
}

static void on_usr1(int sig)
{
	(void)sig;
}

int main(void)
{
	char path[128];
	pthread_t t;
	pthread_barrier_init(&barrier, NULL, 2);
	pthread_create(&t, NULL, worker, NULL);
	pthread_barrier_wait(&barrier);

	DIR *d = opendir("/proc/self/task");
	CHECK("/proc/self/task opens", d != NULL);
	int entries = 0, saw_me = 0, saw_worker = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		entries++;
		saw_me |= atoi(e->d_name) == getpid();
		saw_worker |= atoi(e->d_name) == worker_tid;
	}
	if (d)
		closedir(d);
	CHECK_EQ("one entry per thread", entries, 2);
	CHECK("the main thread is listed under the PID", saw_me);
	CHECK("the worker is listed under its TID", saw_worker);

	snprintf(path, sizeof path, "/proc/self/task/%d/status", (int)worker_tid);
	CHECK_EQ("the worker's status shows its TID as Pid", atoi(field(path, "Pid")), worker_tid);
	CHECK_EQ("and the process as Tgid", atoi(field(path, "Tgid")), getpid());
	snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)worker_tid);
	FILE *f = fopen(path, "r");
	int first = 0;
	CHECK("task/TID/stat opens", f != NULL);
	if (f) {
		CHECK("and starts with the TID", fscanf(f, "%d", &first) == 1 && first == worker_tid);
		fclose(f);
	}
	snprintf(path, sizeof path, "/proc/self/task/%d/comm", (int)getpid());
	CHECK("task/PID/comm is readable", access(path, R_OK) == 0);

	char link[64];
	ssize_t n = readlink("/proc/thread-self", link, sizeof link - 1);
	link[n > 0 ? n : 0] = 0;
	char want[64];
	snprintf(want, sizeof want, "%d/task/%d", (int)getpid(), (int)syscall(SYS_gettid));
	CHECK_STR("/proc/thread-self names PID/task/TID", link, want);
	CHECK_EQ("and leads to the calling thread", atoi(field("/proc/thread-self/status", "Pid")), syscall(SYS_gettid));

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGUSR2, SIG_IGN);
	struct sigaction sa = { 0 };
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	unsigned long long blk = strtoull(field("/proc/self/status", "SigBlk"), NULL, 16);
	unsigned long long ign = strtoull(field("/proc/self/status", "SigIgn"), NULL, 16);
	unsigned long long cgt = strtoull(field("/proc/self/status", "SigCgt"), NULL, 16);
	CHECK("SigBlk has SIGUSR1 (bit 9)", blk & (1ULL << (SIGUSR1 - 1)));
	CHECK("SigIgn has SIGUSR2", ign & (1ULL << (SIGUSR2 - 1)));
	CHECK("SigCgt has SIGUSR1", cgt & (1ULL << (SIGUSR1 - 1)));
	CHECK("SigCgt does not have SIGUSR2", !(cgt & (1ULL << (SIGUSR2 - 1))));

	pthread_barrier_wait(&barrier);
	pthread_join(t, NULL);
	NST_DONE();
}
