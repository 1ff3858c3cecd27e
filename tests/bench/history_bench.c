/*
 * history_bench.c - prints the wall time of history_load() on a repository.
 *
 *     history_bench REPO_DIR
 *
 * Built and run by tests/bench/git-bench; not part of the normal build.
 */
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "history.h"

static double S_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* User + system CPU seconds of this process so far. */
static double S_cpu(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv)
{
	struct diags d = DIAGS_INIT;
	struct history *h = NULL;
	const struct file_history *files;
	const struct history_change *recent;

	if (argc != 2) {
		fprintf(stderr, "usage: history_bench REPO_DIR\n");
		return 2;
	}
	double t0 = S_now(), c0 = S_cpu();
	int rc = history_load(&h, argv[1], &d);
	double dt = S_now() - t0, cpu = S_cpu() - c0;
	diag_print(&d, stderr);
	diag_release(&d);
	if (rc < 0)
		return 1;
	size_t n = history_files(h, &files), known = 0;
	for (size_t i = 0; i < n; i++)
		known += files[i].last_time != 0;
	printf("%.3f s wall (%.3f s CPU) for %zu files (%zu with dates), "
	       "%zu recent changes\n", dt, cpu, n, known,
	       history_recent(h, &recent));
	history_free(h);
	return 0;
}
