/*
 * config.h - the site configuration, read from kb.lua at the top of the
 * project by a sandboxed Lua state (base, string, table, math, utf8 only).
 *
 *     title = "kb"
 *     base_url = ""            -- e.g. "https://kb.example.org/"; "" = none
 *     raw_html = false         -- pass raw HTML in entries through
 *     history_url = ""         -- e.g. "https://forge/x/commits/main/{path}"
 *     pagefind = false         -- index pages for in-page search (npm ci)
 *     runners = {
 *       c = { ext = ".c", compile = {...}, run = {...}, version = {...} },
 *       python = {
 *         ext = ".py",
 *         run = { "{python}", "-X", "dev", "{src}", "{args}" },
 *         version = { "{python}", "--version" },
 *         toolchains = {
 *           { name = "Python 3.11", python = "/usr/bin/python3" },
 *           { name = "Python 3.14", python = "/usr/bin/python3.14",
 *             root = ".kb-toolchains/debian-sid" },
 *         },
 *       },
 *     }
 *     links = { skip = {...}, allow = {...}, ttl_days = 7, per_host = 2,
 *               timeout = 10 }   -- kb links (struct links_config)
 *     synonyms = { {"gil", "global interpreter lock"}, ... } -- search
 *
 * Command templates are arrays of strings; "{src}", "{bin}", "{dir}",
 * "{cflags}", "{args}" are substituted by the snippet runner.
 *
 * toolchains (optional) lists the interpreters or compilers a runner's
 * snippets run on: each snippet runs on every one it applies to (see
 * requires= in snippet.h). `name` is how messages and pages name it
 * before its version is known; `root` (optional) is a root filesystem,
 * relative to the project, that its commands run in (see sandbox.h); every
 * other string field is a variable: "{python}" in the runner's templates
 * becomes that toolchain's `python`. A runner without toolchains runs its
 * templates as they are, on one implicit toolchain.
 */
#ifndef KB_CONFIG_H
#define KB_CONFIG_H

#include "util.h"

/* One toolchain of a runner (an entry of its `toolchains` list). */
struct toolchain {
	char *name;             /* "Python 3.14"; NULL for the implicit one */
	char *root;             /* root filesystem (as written), or NULL */
	struct strlist vars;    /* "key", "value" pairs for {key} in templates */
};

struct runner {
	char *name;             /* language of the fence: "c", "python" */
	char *ext;              /* source file extension: ".c" */
	struct strlist compile; /* argv template, empty = interpreted */
	struct strlist tsan;    /* compile template with ThreadSanitizer */
	struct strlist run;     /* argv template */
	struct strlist version; /* argv printing the toolchain version */
	struct toolchain *toolchains; /* at least one, in kb.lua's order */
	size_t ntoolchains;
	int declared;           /* 1 if kb.lua lists the toolchains */
};

/* kb.lua's `links = { ... }`: how `kb links` checks external URLs. Every
 * key is optional; unknown keys are errors. A host name in skip or allow
 * also covers its subdomains ("example.org" covers "www.example.org"). */
struct links_config {
	struct strlist skip;   /* hosts never requested (reported as skipped) */
	struct strlist allow;  /* hosts known to turn robots away: any answer
				* but 404 and 410 counts as alive */
	int ttl_days;          /* results are reused this long (7) */
	int per_host;          /* requests at once to one host (2) */
	int concurrency;       /* requests at once in all (16) */
	double delay;          /* seconds between two requests to a host (0.5) */
	double timeout;        /* seconds a request may take (10) */
	int retries;           /* more tries after 429 or 503 (2) */
	int retry_wait;        /* longest Retry-After waited for, seconds (60) */
};

struct config {
	char *path;         /* "kb.lua" */
	char *title;
	char *description;
	char *base_url;     /* "" when not set; ends with '/' otherwise */
	char *history_url;  /* "" when not set; "{path}" is replaced */
	char *source_url;   /* "" when not set; "{path}" is replaced */
	int raw_html;
	int pagefind;       /* index the built site with Pagefind */
	struct runner *runners;
	size_t nrunners;
	struct links_config links;
	/* synonyms = { {"gil", "global interpreter lock"}, ... }: words and
	 * phrases both searches treat as one (search.h). Each group has two or
	 * more strings, as written. */
	struct strlist *synonyms;
	size_t nsynonyms;
};

/* Reads path into cfg; on error adds diagnostics and returns -1.
 * A missing file gives the defaults. Release with config_release(). */
int config_load(struct config *cfg, const char *path, struct diags *d);
const struct runner *config_runner(const struct config *cfg, const char *lang);
void config_release(struct config *cfg);

#endif
