/*
 * verify_int.h - what the files of the verify stage share, and nothing
 * else includes: verify.c (the driver: jobs, sandbox runs, judging, the
 * pool), verify_match.c (canonical lines, diff, normalize=, expect=),
 * toolchain.c (versions, requires=, argv templates), verify_cache.c,
 * verify_record.c and verify_junit.c.
 *
 * Ownership: every char * returned by these functions is the caller's
 * to free. A struct job borrows its snippet and tool and owns its strings
 * (freed by the driver once the results are reported).
 */
#ifndef KB_VERIFY_INT_H
#define KB_VERIFY_INT_H

#include "toolchain.h"
#include "verify.h"

#define CACHE_MAGIC "kb-snippet-cache 1"

/* One snippet to verify. */
struct job {
	struct snippet *s;
	struct snippet_result *res; /* its result on this toolchain (NULL in
				     * verify_stress()) */
	const struct tool *tool;
	const char *expected;   /* the expected output for this toolchain
				 * (borrowed from s), or NULL */
	char *key;              /* cache key (hex) */
	char *compile_cmd;      /* shown in messages, or NULL */
	char *run_cmd;
	char *infra_error;      /* the sandbox could not run it */
	int output_mismatch;    /* failed only on output: recordable */
	int flaky;              /* verify_stress() */
	char *stress_msg;
};

/* Frees r's output and zeroes it. */
void run_clear(struct snippet_run *r);

/* ---- verify_match.c ---- */

extern const char *const match_expect_word[];
/* Splits text into lines without their '\n', trailing whitespace removed
 * from each, trailing blank lines dropped. */
void match_canon_lines(const char *text, struct strlist *out);
/* The lines, each followed by '\n'. */
char *match_join_lines(const struct strlist *l);
/* Appends text with every line prefixed by `prefix`. */
void match_put_indented(struct buf *b, const char *text, const char *prefix);
/* The last `max` lines of text (a pointer into it). */
const char *match_tail(const char *text, size_t len, int max);
/* Appends a diff, cut at 200 lines. */
void match_put_diff(struct buf *b, const char *diff, const char *prefix);
/* qsort comparison of char * */
int match_cmp_str(const void *a, const void *b);
/* verify_match() with the expected output given (NULL: none), appending
 * the explanation to why (may be NULL). */
int match_expected(const struct snippet *s, const char *expected,
		   const char *actual, struct buf *why);

/* ---- verify_cache.c ---- */

/* The cache key of s run by t (hex). */
char *cache_key(const struct snippet *s, const struct tool *t);
/* Stores job->res; 0, or -1 on an I/O error. */
int cache_write(const struct verify_opts *o, const struct job *job);
/* Loads a cached result into job->res; 0 on a hit. */
int cache_read(const struct verify_opts *o, struct job *job);

#endif
