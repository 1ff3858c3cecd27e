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
 *       python = { ... },
 *     }
 *     links = { skip = {...}, allow = {...}, ttl_days = 7, per_host = 2,
 *               timeout = 10 }   -- kb links (struct links_config)
 *
 * Command templates are arrays of strings; "{src}", "{bin}", "{dir}",
 * "{cflags}", "{args}" are substituted by the snippet runner.
 */
#ifndef KB_CONFIG_H
#define KB_CONFIG_H

#include "util.h"

struct runner {
	char *name;             /* language of the fence: "c", "python" */
	char *ext;              /* source file extension: ".c" */
	struct strlist compile; /* argv template, empty = interpreted */
	struct strlist tsan;    /* compile template with ThreadSanitizer */
	struct strlist run;     /* argv template */
	struct strlist version; /* argv printing the toolchain version */
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
};

/* Reads path into cfg; on error adds diagnostics and returns -1.
 * A missing file gives the defaults. Release with config_release(). */
int config_load(struct config *cfg, const char *path, struct diags *d);
const struct runner *config_runner(const struct config *cfg, const char *lang);
void config_release(struct config *cfg);

#endif
