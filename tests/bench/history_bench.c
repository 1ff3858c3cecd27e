/*
 * history_bench.c - prints the wall time of history_load() on a repository.
 *
 *     history_bench REPO_DIR
 *
 * Built and run by tests/bench/git-bench; not part of the normal build.
 */
#include <stdio.h>
#include <time.h>

#include "history.h"

static double S_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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
	double t0 = S_now();
	int rc = history_load(&h, argv[1], &d);
	double dt = S_now() - t0;
	diag_print(&d, stderr);
	diag_release(&d);
	if (rc < 0)
		return 1;
	size_t n = history_files(h, &files), known = 0;
	for (size_t i = 0; i < n; i++)
		known += files[i].last_time != 0;
	printf("%.3f s for %zu files (%zu with dates), %zu recent changes\n",
	       dt, n, known, history_recent(h, &recent));
	history_free(h);
	return 0;
}
