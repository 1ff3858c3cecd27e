/*
 * output.h - stage 7: write the site atomically.
 *
 * Pages are written into a fresh sibling of the output folder
 * (".site.tmp-XXXXXX" next to "site"), which then takes the place of the
 * old folder in one renameat2(RENAME_EXCHANGE): a failed or killed build
 * leaves the previous site as it was. A lock file next to the output
 * folder keeps two builds from writing at once; temporary folders left by
 * a killed build are removed by the next one.
 */
#ifndef KB_OUTPUT_H
#define KB_OUTPUT_H

#include "util.h"

struct output {
	char *dir;      /* the output folder, e.g. "site" */
	char *tmp;      /* where this build writes */
	int lock_fd;
};

/* Locks, cleans up leftovers and creates o->tmp. Returns 0 or -1 (d). */
int output_begin(struct output *o, const char *dir, struct diags *d);
/* Puts o->tmp in place of o->dir and removes the old tree. */
int output_commit(struct output *o, struct diags *d);
/* Removes o->tmp (after a failed build) and unlocks. */
void output_abort(struct output *o);

#endif
