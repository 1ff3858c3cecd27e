/*
 * toolchain.c - the runners' side of verification: asking a toolchain its
 * version (in the sandbox), shortening the banner ("gcc 12.2.0"),
 * checking requires=, and expanding the runner's argv templates ({src},
 * {bin}, {dir}, {cflags}, {args}). See toolchain.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "verify_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox.h"

/* ---- toolchains ---- */

static int S_looks_like_version(const char *w, size_t n)
{
	if (!n || !isdigit((unsigned char)w[0]))
		return 0;
	int dots = 0;
	for (size_t i = 0; i < n; i++) {
		if (w[i] == '.')
			dots++;
		else if (!isdigit((unsigned char)w[i]))
			return 0;
	}
	return dots >= 1;
}

char *verify_toolchain_short(const char *banner)
{
	const char *p = banner ? banner : "";
	while (*p && isspace((unsigned char)*p))
		p++;
	size_t len = strcspn(p, "\n");
	while (len && isspace((unsigned char)p[len - 1]))
		len--;
	if (!len)
		return xstrdup("unknown");
	size_t name_len = strcspn(p, " \t\n");
	if (name_len > len)
		name_len = len;
	/* the last word of the line that looks like a dotted version */
	const char *ver = NULL;
	size_t ver_len = 0;
	for (size_t i = 0; i < len;) {
		while (i < len && isspace((unsigned char)p[i]))
			i++;
		size_t j = i;
		while (j < len && !isspace((unsigned char)p[j]))
			j++;
		if (i > 0 && S_looks_like_version(p + i, j - i))
			ver = p + i, ver_len = j - i;
		i = j;
	}
	char *name = xstrndup(p, name_len);
	const char *slash = strrchr(name, '/');
	const char *base = slash ? slash + 1 : name;
	/* "cc" and "c99" are usually gcc; say so when the banner does */
	const char *shown = base;
	if ((!strcmp(base, "cc") || !strcmp(base, "c99")) && strstr(banner, "Free Software"))
		shown = "gcc";
	if (strstr(banner, "clang version")) /* "Debian clang version 14.0.6" */
		shown = "clang";
	char *r = ver ? xasprintf("%s %.*s", shown, (int)ver_len, ver)
		      : xstrndup(p, len);
	free(name);
	return r;
}

void tool_probe(struct tool *t, struct diags *d)
{
	t->banner = xstrdup("");
	if (!t->r->version.n)
		return;
	char *dir = sandbox_mkdtemp();
	if (!dir) {
		diag_add(d, DIAG_WARNING, NULL, 0, 0, "cannot create a sandbox "
			 "directory to ask the %s toolchain its version", t->r->name);
		return;
	}
	struct sandbox_limits lim;
	sandbox_limits_default(&lim);
	lim.timeout = 30;
	struct sandbox_result res = { 0 };
	char *err = NULL;
	const char **argv = xcalloc(t->r->version.n + 1, sizeof(*argv));
	for (size_t i = 0; i < t->r->version.n; i++)
		argv[i] = t->r->version.items[i];
	if (sandbox_run(argv, dir, NULL, NULL, 0, &lim, &res, &err) == 0 &&
	    res.exited && res.status == 0) {
		/* Some tools print their version on stderr (python2, java). */
		const char *text = res.out_len ? res.out : res.err;
		free(t->banner);
		t->banner = xstrndup(text, strcspn(text, "\n"));
		t->shown = verify_toolchain_short(t->banner);
	} else {
		diag_add(d, DIAG_WARNING, NULL, 0, 0, "'%s' failed: the %s "
			 "toolchain version is unknown%s%s", argv[0], t->r->name,
			 err ? ": " : "", err ? err : "");
	}
	free(err);
	free(argv);
	sandbox_result_release(&res);
	remove_tree(dir);
	free(dir);
}

struct tool *tool_for(struct tool *tools, size_t n,
				 const struct runner *r)
{
	for (size_t i = 0; i < n; i++)
		if (tools[i].r == r)
			return &tools[i];
	return NULL;
}

/* ---- requires= ---- */

static int S_cmp_versions(const char *a, const char *b)
{
	while (*a || *b) {
		long x = strtol(a, (char **)&a, 10), y = strtol(b, (char **)&b, 10);
		if (x != y)
			return x < y ? -1 : 1;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
		if (!isdigit((unsigned char)*a) && !isdigit((unsigned char)*b))
			break;
	}
	return 0;
}

/*
 * 1 if the toolchain meets s->requires, 0 if not (*why set), -1 if the
 * requirement names another tool (*why set). Caller frees *why.
 */
int tool_requires_met(const struct snippet *s, const struct tool *t,
			  char **why)
{
	const char *r = s->requires;
	size_t name_len = strcspn(r, "<>=");
	const char *op = r + name_len;
	size_t op_len = strspn(op, "<>=");
	const char *want = op + op_len;
	const char *shown = t && t->shown ? t->shown : NULL;
	if (!shown) {
		*why = xasprintf("requires %s, but the %s toolchain version is "
				 "unknown", r, s->lang);
		return 0;
	}
	size_t tool_len = strcspn(shown, " ");
	int same = (strlen(s->lang) == name_len && !strncasecmp(r, s->lang, name_len)) ||
		   (tool_len == name_len && !strncasecmp(r, shown, name_len));
	if (!same) {
		*why = xasprintf("requires %s, but this %s snippet runs with %s",
				 r, s->lang, shown);
		return -1;
	}
	const char *have = shown + tool_len + (shown[tool_len] ? 1 : 0);
	int c = S_cmp_versions(have, want);
	int ok = !strncmp(op, ">=", 2) ? c >= 0 : !strncmp(op, "<=", 2) ? c <= 0
	       : !strncmp(op, "==", 2) ? c == 0 : *op == '>' ? c > 0 : c < 0;
	if (!ok)
		*why = xasprintf("requires %s, but the toolchain is %s", r, shown);
	return ok;
}

/* ---- argv templates ---- */

/* Splits s into words as a POSIX shell would (quotes, backslashes; no
 * expansions). Returns -1 on an unterminated quote. */
int cmd_shell_split(const char *s, struct strlist *out)
{
	const char *p = s ? s : "";
	for (;;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			return 0;
		struct buf w = BUF_INIT;
		while (*p && !isspace((unsigned char)*p)) {
			if (*p == '\'') {
				const char *e = strchr(p + 1, '\'');
				if (!e)
					goto unterminated;
				buf_put(&w, p + 1, (size_t)(e - p - 1));
				p = e + 1;
			} else if (*p == '"') {
				for (p++; *p && *p != '"'; p++) {
					if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]))
						p++;
					buf_putc(&w, *p);
				}
				if (*p != '"')
					goto unterminated;
				p++;
			} else if (*p == '\\' && p[1]) {
				buf_putc(&w, p[1]);
				p += 2;
			} else {
				buf_putc(&w, *p++);
			}
		}
		strlist_push_owned(out, buf_detach(&w));
		continue;
unterminated:
		buf_release(&w);
		return -1;
	}
}

static void S_subst_word(struct buf *b, const char *w, const struct cmd_vars *v)
{
	while (*w) {
		if (!strncmp(w, "{src}", 5)) {
			buf_puts(b, v->src);
			w += 5;
		} else if (!strncmp(w, "{bin}", 5)) {
			buf_puts(b, v->bin);
			w += 5;
		} else if (!strncmp(w, "{dir}", 5)) {
			buf_puts(b, v->dir);
			w += 5;
		} else {
			buf_putc(b, *w++);
		}
	}
}

/* Expands an argv template; "{cflags}" and "{args}" words become zero or
 * more words. extra (may be NULL) is appended. */
void cmd_expand(const struct strlist *tmpl, const struct cmd_vars *v,
		     const char *const *extra, struct strlist *out)
{
	for (size_t i = 0; i < tmpl->n; i++) {
		const char *w = tmpl->items[i];
		const struct strlist *many = !strcmp(w, "{cflags}") ? &v->cflags
					   : !strcmp(w, "{args}") ? &v->args : NULL;
		if (many) {
			for (size_t j = 0; j < many->n; j++)
				strlist_push(out, many->items[j]);
			continue;
		}
		struct buf b = BUF_INIT;
		S_subst_word(&b, w, v);
		strlist_push_owned(out, buf_detach(&b));
	}
	for (size_t i = 0; extra && extra[i]; i++)
		strlist_push(out, extra[i]);
	strlist_push_owned(out, NULL); /* argv terminator, not a word */
	out->n--;
}

/* The argv shown to a human: words quoted when needed. */
void cmd_put_argv(struct buf *b, const struct strlist *argv)
{
	for (size_t i = 0; i < argv->n; i++) {
		const char *w = argv->items[i];
		if (i)
			buf_putc(b, ' ');
		if (*w && !w[strcspn(w, " \t\n'\"\\$`*?;&|<>()")]) {
			buf_puts(b, w);
			continue;
		}
		buf_putc(b, '\'');
		for (; *w; w++) {
			if (*w == '\'')
				buf_puts(b, "'\\''");
			else
				buf_putc(b, *w);
		}
		buf_putc(b, '\'');
	}
}

static const char *const S_tsan_flags[] = { "-fsanitize=thread", "-g", "-O1", NULL };

/* The compile template of s, and the extra words to add, or NULL when the
 * runner does not compile. */
const struct strlist *cmd_compile_tmpl(const struct snippet *s,
					    const char *const **extra)
{
	const struct runner *r = s->runner;
	*extra = NULL;
	if (s->tsan != SNIPPET_TSAN_OFF && r->tsan.n)
		return &r->tsan;
	if (!r->compile.n)
		return NULL;
	if (s->tsan != SNIPPET_TSAN_OFF)
		*extra = S_tsan_flags;
	return &r->compile;
}

/* Name of the source file in the sandbox; caller frees. */
char *cmd_src_name(const struct snippet *s)
{
	if (s->file) {
		const char *slash = strrchr(s->file, '/');
		return xstrdup(slash ? slash + 1 : s->file);
	}
	return xasprintf("snippet%s", s->runner->ext ? s->runner->ext : "");
}
