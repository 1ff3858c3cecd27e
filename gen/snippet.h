/*
 * snippet.h - one verified code block of an entry: its attributes, its
 * source and expected output, and (after verify_run(), see verify.h) the
 * result of running it.
 *
 * A fenced block whose language has a runner in the configuration is a
 * snippet. The info string carries attributes after the language:
 *
 *     ```c file=snippets/c/race.c tsan=race
 *     ```python expect=sorted normalize=thread-ids timeout=5
 *     ```python norun why="Python 2 syntax, shown for history"
 *
 * Attributes: expect=exact|sorted|contains|regex|any, exit=N|timeout,
 * timeout=SECONDS, tsan, tsan=race, norun, compile, why="...", cflags="...",
 * args="...", requires="python>=3.13", repeat=N,
 * normalize=addresses,pids,thread-ids,durations, file=snippets/PATH.
 * Values may be bare (key=value) or quoted (key="a b", key='a b'; inside
 * quotes \" and \\ are escapes).
 *
 * Toolchains: a snippet runs on every toolchain of its runner (kb.lua's
 * `toolchains`, see config.h) that requires= allows; requires= compares
 * the toolchain's version on as many components as the requirement gives
 * (python==3.14 is met by 3.14.10). Output that differs by version gets
 * its own block after the code, qualified the same way:
 *
 *     ```output
 *     fork
 *     ```
 *     ```output python>=3.14
 *     forkserver
 *     ```
 *
 * A toolchain is compared with the first qualified block it meets, else
 * with the plain block (or the sidecar .out of a file= snippet: sidecars
 * hold the plain output only).
 *
 * Ownership: snippet_parse() returns a snippet the caller frees with
 * snippet_free(); every string field, the outputs and the results are
 * owned by the snippet; `runner` and each result's `tc` are borrowed from
 * the configuration, which must outlive the snippet.
 */
#ifndef KB_SNIPPET_H
#define KB_SNIPPET_H

#include <stdio.h>

#include "config.h"
#include "util.h"

enum snippet_expect {
	SNIPPET_EXPECT_EXACT,    /* equal after trimming trailing whitespace */
	SNIPPET_EXPECT_SORTED,   /* same lines as a multiset */
	SNIPPET_EXPECT_CONTAINS, /* expected text appears in the output */
	SNIPPET_EXPECT_REGEX,    /* POSIX ERE matches somewhere in the output */
	SNIPPET_EXPECT_ANY       /* only the exit status matters */
};

enum snippet_mode {
	SNIPPET_MODE_RUN,        /* compile (if needed) and run */
	SNIPPET_MODE_COMPILE,    /* compile only (`compile why=...`) */
	SNIPPET_MODE_NORUN       /* display only (`norun why=...`) */
};

enum snippet_tsan {
	SNIPPET_TSAN_OFF,
	SNIPPET_TSAN_CLEAN,      /* `tsan`: fail on any ThreadSanitizer report */
	SNIPPET_TSAN_RACE        /* `tsan=race`: must report a data race */
};

/* normalize= flags */
#define SNIPPET_NORM_ADDRESSES  0x1u
#define SNIPPET_NORM_PIDS       0x2u
#define SNIPPET_NORM_THREAD_IDS 0x4u
#define SNIPPET_NORM_DURATIONS  0x8u

enum snippet_status {
	SNIPPET_PENDING,         /* not verified (yet), or invalid */
	SNIPPET_PASSED,
	SNIPPET_FAILED,
	SNIPPET_SKIPPED,         /* requires= not met by the toolchain */
	SNIPPET_NOT_RUN          /* norun: display only */
};

/* An ```output block for some versions only (```output python>=3.14). */
struct snippet_output {
	char *when;              /* "python>=3.14" */
	char *text;
	int line, end_line;      /* its fences, 1-based */
};

/* The outcome of one execution of a snippet (compile step or run). */
struct snippet_run {
	int exited, status, signal, timed_out;
	int out_truncated, err_truncated;
	double wall;             /* seconds */
	char *out;               /* stdout, owned, never NULL once filled */
	char *err;               /* stderr, owned, never NULL once filled */
};

/* The result of a snippet on one toolchain, filled in by verify_run(). */
struct snippet_result {
	const struct toolchain *tc; /* borrowed from the config */
	char *label;             /* how messages name it: "Python 3.14.10",
				  * "Python 3.11.2 (py-opt)", or the kb.lua
				  * name when the version is unknown; NULL for
				  * a runner without toolchains */
	char *version;           /* "Python 3.14.10", or NULL when unknown */
	int available;           /* 0: not on this machine, not run */
	enum snippet_status status; /* PASSED, FAILED; PENDING if not run */
	int cached;
	int block;               /* expected output compared with: -1 the plain
				  * block (expected), else an index of outputs */
	char *verified_date;     /* "YYYY-MM-DD" (UTC) of the run, or NULL */
	char *command;
	struct snippet_run compile_step; /* out/err NULL if nothing compiled */
	struct snippet_run *runs;        /* `nruns` runs (repeat=N) */
	size_t nruns;
	char *failure;           /* failure message, or NULL */
	int needs_record;        /* `kb check --record` would rewrite its block */
};

struct snippet {
	/* Where it is. */
	char *entry_path;        /* "content/topics/gil.md" */
	int line, end_line;      /* opening and closing fence, 1-based */
	int output_line, output_end_line; /* fences of ```output, 0 if none */
	char *lang;              /* "c", "python" */
	const struct runner *runner; /* borrowed from the config */
	char *info;              /* the whole info string */

	/* What it is. */
	char *source;            /* the code (from the block or file=); never
				  * NULL, even for an invalid snippet */
	char *expected;          /* expected stdout; NULL when there is none */
	struct snippet_output *outputs; /* version-qualified blocks, in order */
	size_t noutputs;
	char *file;              /* file= path ("snippets/c/x.c") or NULL */
	char *sidecar;           /* "snippets/c/x.out" for file=, else NULL */
	int invalid;             /* 1 if parsing reported an error: not run */

	/* Attributes. */
	enum snippet_expect expect;
	enum snippet_mode mode;
	enum snippet_tsan tsan;
	int exit_code;           /* expected exit status (default 0) */
	int exit_explicit;       /* 1 if exit=N was given */
	int exit_timeout;        /* exit=timeout: must be killed by the limit */
	double timeout;          /* seconds (default 10) */
	int repeat;              /* runs that must all pass (default 1) */
	unsigned normalize;      /* SNIPPET_NORM_* */
	char *why;               /* for norun/compile; NULL otherwise */
	char *cflags;            /* NULL when not given */
	char *args;              /* NULL when not given */
	char *requires;          /* "python>=3.13" or NULL */

	/* Results, filled in by verify_run(): one per toolchain the snippet
	 * applies to (those not available included), in kb.lua's order. */
	struct snippet_result *results;
	size_t nresults;
	/* ... and their summary. */
	enum snippet_status status; /* FAILED if any failed; PASSED if the
				  * others passed; SKIPPED if none could run */
	int cached;              /* 1 if every result came from the cache */
	char *toolchain;         /* what verified it: "gcc 12.2.0",
				  * "Python 3.11.2 · 3.14.10", or NULL */
	char *verified_date;     /* oldest date of the results, or NULL */
	char *command;           /* the command line, for messages */
	char *failure;           /* failure or skip message, or NULL */
	int needs_record;        /* `kb check --record` would rewrite it */
};

/*
 * Parses one fenced code block of entry_path. `info` is the whole info
 * string, `code` the block's text, `output` the text of an immediately
 * following ```output block or NULL; line numbers are 1-based fence lines
 * (output_line/output_end_line are ignored when output is NULL).
 * Relative file= paths are read from the current directory (the
 * repository root).
 *
 * Returns NULL when the language has no runner in cfg (display-only
 * languages). Otherwise returns a snippet (caller frees with
 * snippet_free()); problems in the attributes are added to d as errors at
 * entry_path:line:col (the column assumes the info string starts in column
 * 4, right after a ``` fence) and the snippet is marked invalid.
 *
 * file=PATH (relative to the repository root, inside snippets/) reads the
 * code from PATH (the block must be empty) and the expected output from the
 * sidecar PATH-without-extension.out; when there is no sidecar, an
 * ```output block after the fence is used instead (both at once is an
 * error).
 *
 * A runnable snippet without an expected output (no ```output block, no
 * sidecar) is not a parse error: verify_run() reports it, so that
 * `kb check --record` can fill it in.
 */
struct snippet *snippet_parse(const char *entry_path, int line, int end_line,
			      const char *info, const char *code,
			      const char *output, int output_line,
			      int output_end_line, const struct config *cfg,
			      struct diags *d);
void snippet_free(struct snippet *s);

/*
 * A further output block after s's code: info is its whole info string
 * ("output python>=3.14"). Returns 1 if it was taken as a qualified block
 * of s, 0 if it is not one (a plain ```output block, another language), and
 * -1 on a bad qualifier (an error at entry:line in d; s is invalid).
 */
int snippet_add_output(struct snippet *s, const char *info, const char *text,
		       int line, int end_line, struct diags *d);

/* Frees the results of s and clears its summary (back to PENDING). */
void snippet_clear_results(struct snippet *s);

/*
 * Page rendering. code_html is the already highlighted code; the figure
 * holds it, the verified output in a <pre>, a badge and the provenance:
 * "verified on Python 3.11.2 · 3.13.18 · 3.14.10", the UTC date, and the
 * applicable toolchains that were not available. Where the toolchains'
 * outputs differ, each distinct output gets its own <pre>, labelled with
 * the versions that printed it, side by side. Appends to out.
 */
void snippet_render_html(const struct snippet *s, const char *code_html,
			 struct buf *out);

/* Getters for templates. All returned strings are static or borrowed from
 * the snippet; NULL when not known. */
/* "verified", "race demonstrated", "deadlock demonstrated",
 * "compile-only", "display-only", "skipped", "failed" or "unverified". */
const char *snippet_badge(const struct snippet *s);
/* A CSS-friendly form of the badge: "verified", "race", "deadlock",
 * "compile-only", "display-only", "skipped", "failed", "unverified". */
const char *snippet_badge_class(const struct snippet *s);
const char *snippet_toolchain(const struct snippet *s);
/* The versions s was verified on, joined by ", " ("Python 3.11.2, Python
 * 3.14.10"); "" when none. Caller frees. For search rows and JSON. */
char *snippet_versions(const struct snippet *s);
/* labels joined by sep, each after the first without the first word it
 * shares with the first one: "Python 3.11.2 · 3.14.10". Caller frees. */
char *snippet_join_labels(const char *const *labels, size_t n, const char *sep);
const char *snippet_verified_date(const struct snippet *s);
/* The output shown on the page: the verified stdout of the first passed
 * result when there is one, else the expected output, else NULL. */
const char *snippet_output(const struct snippet *s);

/*
 * `kb check --list-skipped`: prints one line per snippet that is not fully
 * verified (norun, compile, or skipped: requires= is not met by any
 * toolchain, or none it applies to is available) with its reason, as
 * "content/x.md:12: norun: why". Returns how many it printed.
 */
size_t snippet_list_skipped(struct snippet *const *v, size_t n, FILE *out);

#endif
