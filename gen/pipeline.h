/*
 * pipeline.h - the pipeline behind `kb build` and `kb check`:
 *
 *   1 load (load.c) -> 2 parse + link (markdown.c)
 *   -> 3 enrich: cross-links (enrich.c) -> 4 history (history.c, merged
 *   into the entries by enrich.c) -> 5 verify (verify*.c)
 *   -> 6 render (highlight.c, markdown_finish(), render.c) -> 7 write (output.c)
 *
 * The search index (search_index.c) is written on its own thread from the end
 * of loading, beside every later stage. pipeline.c runs the stages;
 * fingerprint.c decides whether anything changed at all.
 *
 * Every stage adds its problems to one struct diags; they are printed
 * together, sorted by file and line, before kb exits.
 */
#ifndef KB_PIPELINE_H
#define KB_PIPELINE_H

struct build_opts {
	const char *out;         /* "site" */
	int jobs;
	int strict;
	int no_cache;
	int force;               /* rebuild even when nothing changed */
	int check;               /* kb check: write nothing */
	int record;
	int stress;
	int list_skipped;
	int list;                /* --list: print the snippets to check, run none */
	int stale;               /* --stale DAYS: report entries not checked
				  * within DAYS days; -1 when not asked */
	const char *junit;
	const char *changed_since;
	unsigned shard, shards;  /* --shard I/N: only shard I of N (0/0: all) */
	int annotate;            /* --format github|gitlab: enum annotate_format */
	char **errors_out;       /* build_site(): the diagnostics as text */
	int exiting;             /* the process ends after this run: the site's
				  * memory is left to the system, which takes it
				  * back at once, instead of being freed entry by
				  * entry (tens of milliseconds at 10,000) */
};

/*
 * Runs the pipeline with options o in the current folder: diagnostics go
 * to stderr. Returns the command's exit status: 0 all good (or already up
 * to date), 1 errors, 2 usage error (an unknown --changed-since REF).
 */
int pipeline_run(const struct build_opts *o);

/*
 * Runs `kb build --out OUT --jobs JOBS` (JOBS < 1: one per core) in the
 * current folder, as a function: diagnostics go to stderr as kb build
 * prints them, and the previous OUT is left as it was on any error.
 * Returns kb build's exit status: 0 built (or already up to date), 1
 * errors. When errors is not NULL, *errors receives every diagnostic as
 * printed, one "file:line:col: error: msg" per line (caller frees), or
 * NULL when there were none.
 */
int build_site(const char *out, int jobs, char **errors);

#endif
