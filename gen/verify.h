/*
 * verify.h - compile and run snippets (see snippet.h) in the sandbox, in a
 * pool of worker threads, compare their output with the expectation, and
 * cache the results.
 *
 * Each snippet gets a fresh sandbox directory holding its source (named
 * after its file= or "snippet<ext>"); the runner's templates are expanded
 * with {src} (source file name), {bin} ("./snippet" or the file stem),
 * {dir} (absolute sandbox path), {cflags} and {args} (the attribute split
 * into words as a shell would, zero or more argv words). For `tsan` the
 * runner's tsan template is used, or its compile template plus
 * "-fsanitize=thread -g -O1"; ThreadSanitizer runs get no address-space
 * limit (it reserves terabytes of virtual memory; the sandbox still bounds
 * their resident memory).
 *
 * Toolchains: a snippet runs on each toolchain of its runner (kb.lua's
 * `toolchains`, see config.h) that its requires= allows, with the
 * toolchain's variables substituted in the templates ({python}) and its
 * root, if any, given to the sandbox; the version command runs the same
 * way. A declared toolchain whose root or version command fails is not
 * available: it is not run, and verify_run() reports all such toolchains
 * in one note.
 *
 * Cache: one file per result, <cache_dir>/snippets/<sha1>.txt, keyed by the
 * git blob hash of (runner name and templates, the toolchain's exact
 * version banner, its name, root and variables, source file name, mode,
 * tsan, timeout, repeat, cflags, args, source): one entry per (snippet,
 * toolchain). The
 * expected output, expect=, exit= and normalize= are not part of the key:
 * a cached result is compared again with the current expectation without
 * rerunning. Runs that could not start, and runs that hit the time limit
 * without exit=timeout, are not cached.
 *
 * Normalisation (normalize=, applied to expected and actual output):
 *   addresses   0x followed by 6+ hex digits       -> 0xADDR
 *   pids        "pid" (any case) then [ =:]+ digits -> pid=PID (separator kept)
 *   thread-ids  Thread-7 -> Thread-N; ThreadPoolExecutor-0_3 ->
 *               ThreadPoolExecutor-N_N; "tid", "ident", "native_id",
 *               "thread id", "started", "started daemon" then [ =:]+ digits
 *               -> ...TID (Python's Thread repr: "started 1402..." )
 *   durations   a number with a unit: ns us µs ms s sec secs second(s)
 *               millisecond(s) microsecond(s) nanosecond(s) min minute(s),
 *               with or without a space ("0.31s", "12 ms") -> DURATION
 */
#ifndef KB_VERIFY_H
#define KB_VERIFY_H

#include <time.h>

#include "config.h"
#include "snippet.h"
#include "util.h"

struct verify_stats {
	size_t total;     /* snippets given */
	size_t ran;       /* executed now (not from the cache) */
	size_t cached;    /* result taken from the cache */
	size_t failed;    /* failed (errors reported) */
	size_t skipped;   /* requires= not met */
	size_t not_run;   /* norun, or invalid (already reported by parsing) */
};

struct verify_opts {
	int jobs;               /* worker threads; <= 0: number of cores */
	int no_cache;           /* ignore cached results (still writes them) */
	int strict;             /* requires= not met is an error, not a note */
	int record;             /* output mismatches are not errors: they are
				 * marked needs_record for verify_record() */
	int stress;             /* unused by verify_run; see verify_stress() */
	int progress;           /* live status line on stderr (a terminal) */
	const char *cache_dir;  /* NULL: ".kb-cache" */
	const char *junit_path; /* unused by verify_run; see verify_write_junit() */
	time_t now;             /* date recorded for new results; 0: time(NULL) */
	struct verify_stats *stats; /* filled in when not NULL */
};

/*
 * Verifies every snippet of v (invalid and norun ones are left alone) on
 * each toolchain it applies to, all (snippet, toolchain) runs in one pool,
 * and stores one result per applicable toolchain in it (results), then
 * their summary (status, toolchain, verified_date, ...). Every failure on
 * a toolchain is added to d as an error at entry:line, naming the
 * toolchain when the runner declares toolchains ("snippet failed on
 * Python 3.14.10: ..."): a headline, then
 * detail lines indented by two spaces with the reasons, a unified diff of
 * expected and actual output, the command, the exit status or signal (or
 * "timed out after Ns") and the last 20 lines of stderr ("| " prefixed):
 *
 *     content/topics/gil.md:41: error: snippet failed: output differs from the expected output (expect=exact)
 *       --- expected
 *       +++ actual
 *       @@ -1,2 +1,2 @@
 *        a
 *       -c
 *       +b
 *       command: python3 -X dev snippet.py
 *       exit status 0
 *       stderr:
 *       | warn
 *
 * A runnable snippet without expected output is such a failure (unless
 * opts->record). requires= met by no toolchain: a note (an error under
 * opts->strict), status SNIPPET_SKIPPED; no applicable toolchain
 * available: SNIPPET_SKIPPED without a note of its own (an error under
 * opts->strict). Calling it again on the same snippets first
 * clears their previous results. cfg is not used (each snippet carries
 * its runner) and may be NULL. Returns the number of failed snippets.
 */
int verify_run(struct snippet **v, size_t n, const struct config *cfg,
	       const struct verify_opts *opts, struct diags *d);

/*
 * `kb check --stress K`: runs every runnable snippet K times (no cache)
 * and adds an error for each one whose result varies between runs: its
 * canonical output (normalised; sorted for expect=sorted; the pass/fail
 * verdict for contains/regex/any) or its exit status. Returns how many vary.
 */
int verify_stress(struct snippet **v, size_t n, const struct config *cfg,
		  const struct verify_opts *opts, int k, struct diags *d);

/*
 * `kb check --record`: after verify_run() with opts->record set, writes the
 * actual stdout of every result marked needs_record into the ```output
 * block it was compared with (inserting one after the code block when
 * there is none) or into its sidecar file; when results that passed still
 * use that block, a toolchain whose output differs gets a new block pinned
 * to its version (```output python==3.14) after the snippet's last one. Snippets of one file are rewritten bottom-up in one
 * write; the new block keeps the indentation and fence character of the
 * old one (or of the code block) and gets a longer fence when the output
 * itself contains a fence. expect=contains/regex snippets are never
 * recorded (their block is a pattern). Line numbers in v are stale
 * afterwards: parse again before another record. Returns the number of
 * blocks written or added, or -1 on an I/O error (reported in d).
 */
int verify_record(struct snippet **v, size_t n, struct diags *d);

/* `kb check --format junit`: writes a JUnit XML report of the results to
 * path. Returns 0, or -1 with an error in d. */
int verify_write_junit(struct snippet *const *v, size_t n, const char *path,
		       struct diags *d);

/* ---- building blocks, exposed for tests and for other stages ---- */

/* Line-based unified diff (3 lines of context) with "--- expected" and
 * "+++ actual" headers; "" when equal. Caller frees. */
char *verify_diff(const char *expected, const char *actual);

/* Applies SNIPPET_NORM_* rewrites to text; caller frees. */
char *verify_normalize(const char *text, unsigned flags);

/* Compares actual stdout with the expectation of s (its expect= mode and
 * normalize= flags). Returns 1 on a match, 0 otherwise; on a mismatch and
 * when why is not NULL, *why gets an explanation with a diff (caller frees). */
int verify_match(const struct snippet *s, const char *actual, char **why);

/* Shortens a toolchain's version banner to "name version":
 * "gcc (Debian 12.2.0-14+deb12u1) 12.2.0" -> "gcc 12.2.0",
 * "Python 3.11.7" -> "Python 3.11.7". Caller frees. */
char *verify_toolchain_short(const char *banner);

#endif
