/*
 * toolchain.h - the runners' side of verification (toolchain.c): the
 * version of each toolchain in use, requires=, and the argv templates of
 * kb.lua's runners.
 *
 * Ownership: a struct tool borrows its runner from the configuration and
 * owns banner and shown (tool_release() frees them). Every char * returned
 * here is the caller's to free; a struct cmd_vars borrows src, bin and dir
 * and owns its two lists (strlist_release()).
 */
#ifndef KB_TOOLCHAIN_H
#define KB_TOOLCHAIN_H

#include "config.h"
#include "snippet.h"
#include "util.h"

struct tool {
	const struct runner *r;
	char *banner;   /* first line of the version output, or "" */
	char *shown;    /* verify_toolchain_short(banner), or NULL */
};

/* Asks t->r's version command (in the sandbox) and fills t->banner and
 * t->shown; a failure is a warning in d and leaves shown NULL. */
void tool_probe(struct tool *t, struct diags *d);
/* The tool of runner r among tools[0..n), or NULL. */
struct tool *tool_for(struct tool *tools, size_t n, const struct runner *r);
/* 1 if the toolchain meets s->requires, 0 if not (*why set), -1 if the
 * requirement names another tool (*why set). Caller frees *why. */
int tool_requires_met(const struct snippet *s, const struct tool *t, char **why);

/* ---- argv templates ---- */

struct cmd_vars {
	const char *src, *bin, *dir;
	struct strlist cflags, args;
};

/* Splits s into words as a POSIX shell would (quotes, backslashes; no
 * expansions). Returns -1 on an unterminated quote. */
int cmd_shell_split(const char *s, struct strlist *out);
/* Expands an argv template into out (NULL-terminated past out->n);
 * "{cflags}" and "{args}" words become zero or more words. extra (may be
 * NULL) is appended. */
void cmd_expand(const struct strlist *tmpl, const struct cmd_vars *v,
		const char *const *extra, struct strlist *out);
/* Appends argv as a human would type it: words quoted when needed. */
void cmd_put_argv(struct buf *b, const struct strlist *argv);
/* The compile template of s and the extra words to add, or NULL when the
 * runner does not compile. */
const struct strlist *cmd_compile_tmpl(const struct snippet *s,
				       const char *const **extra);
/* Name of the source file in the sandbox; caller frees. */
char *cmd_src_name(const struct snippet *s);

#endif
