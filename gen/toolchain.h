/*
 * toolchain.h - the runners' side of verification (toolchain.c): the
 * version of each toolchain in use, requires=, and the argv templates of
 * kb.lua's runners.
 *
 * Ownership: a struct tool borrows its runner and toolchain from the
 * configuration and owns root, banner, shown and label (tool_release()).
 * Every char * returned here is the caller's to free; a struct cmd_vars
 * borrows src, bin, dir and tvars and owns its two lists
 * (strlist_release()).
 */
#ifndef KB_TOOLCHAIN_H
#define KB_TOOLCHAIN_H

#include "config.h"
#include "snippet.h"
#include "util.h"

/* One toolchain of a runner, as found on this machine. */
struct tool {
	const struct runner *r;
	const struct toolchain *tc; /* one of r's, or the implicit one */
	char *root;     /* the absolute root filesystem, or NULL */
	char *banner;   /* first line of the version output, or "" */
	char *shown;    /* verify_toolchain_short(banner), or NULL */
	char *label;    /* how messages name it (see snippet_result), or NULL */
	int available;  /* 0: a declared toolchain that is not here */
	int root_missing; /* its root directory does not exist */
};

/* The toolchains of r: kb.lua's list, or one implicit toolchain (no
 * name, no root, no variables). */
const struct toolchain *tool_chains(const struct runner *r, size_t *n);
/* Asks the version command of t->r (with t->tc's variables, in its root,
 * in the sandbox) and fills in the other fields. A declared toolchain
 * whose root or command is missing is not available; the implicit one
 * always is (a failure is a warning in d, and shown stays NULL). */
void tool_probe(struct tool *t, struct diags *d);
void tool_release(struct tool *t);
/* 1 if the tool meets the requirement req ("python>=3.13"), comparing the
 * versions on as many components as req gives, 0 if not, -1 if req names
 * another tool than lang's or the tool's (*why set; caller frees). An
 * unavailable tool is judged by the version in its kb.lua name. */
int tool_meets(const char *req, const char *lang, const struct tool *t, char **why);

/* ---- argv templates ---- */

struct cmd_vars {
	const char *src, *bin, *dir;
	struct strlist cflags, args;
	const struct strlist *tvars; /* the toolchain's variables, or NULL */
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
