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

#include <strings.h>
#include <sys/stat.h>

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

static const struct toolchain S_implicit = { NULL, NULL, STRLIST_INIT };

const struct toolchain *tool_chains(const struct runner *r, size_t *n)
{
	*n = r->ntoolchains ? r->ntoolchains : 1;
	return r->ntoolchains ? r->toolchains : &S_implicit;
}

/* The label of a probed tool: the version when it starts with the
 * toolchain's name, else both. */
static char *S_label(const struct tool *t)
{
	const char *name = t->tc->name;
	if (!name)
		return NULL;
	if (!t->shown)
		return xstrdup(name);
	if (!strncmp(t->shown, name, strlen(name)))
		return xstrdup(t->shown);
	return xasprintf("%s (%s)", t->shown, name);
}

void tool_probe(struct tool *t, struct diags *d)
{
	const struct runner *r = t->r;
	int declared = t->tc->name != NULL;
	t->banner = xstrdup("");
	t->available = 1;
	if (t->tc->root) {
		struct stat st;
		t->root = realpath(t->tc->root, NULL);
		if (!t->root || stat(t->root, &st) < 0 || !S_ISDIR(st.st_mode)) {
			t->available = 0;
			t->root_missing = 1;
			t->label = S_label(t);
			return;
		}
	}
	if (!r->version.n) {
		t->label = S_label(t);
		return;
	}
	char *dir = sandbox_mkdtemp();
	if (!dir) {
		diag_add(d, DIAG_WARNING, NULL, 0, 0, "cannot create a sandbox "
			 "directory to ask the %s toolchain its version", r->name);
		t->label = S_label(t);
		return;
	}
	struct sandbox_limits lim;
	sandbox_limits_default(&lim);
	lim.timeout = 30;
	lim.root = t->root;
	struct sandbox_result res = { 0 };
	char *err = NULL;
	struct cmd_vars v = { .src = "", .bin = "", .dir = dir, .tvars = &t->tc->vars };
	struct strlist argv = STRLIST_INIT;
	cmd_expand(&r->version, &v, NULL, &argv);
	if (sandbox_run((const char *const *)argv.items, dir, NULL, NULL, 0, &lim,
			&res, &err) == 0 && res.exited && res.status == 0) {
		/* Some tools print their version on stderr (python2, java). */
		const char *text = res.out_len ? res.out : res.err;
		free(t->banner);
		t->banner = xstrndup(text, strcspn(text, "\n"));
		t->shown = verify_toolchain_short(t->banner);
	} else if (declared) {
		t->available = 0; /* reported once, with the others missing */
	} else {
		diag_add(d, DIAG_WARNING, NULL, 0, 0, "'%s' failed: the %s "
			 "toolchain version is unknown%s%s", argv.items[0], r->name,
			 err ? ": " : "", err ? err : "");
	}
	t->label = S_label(t);
	strlist_release(&argv);
	free(err);
	sandbox_result_release(&res);
	remove_tree(dir);
	free(dir);
}

void tool_release(struct tool *t)
{
	free(t->root);
	free(t->banner);
	free(t->shown);
	free(t->label);
}

/* ---- requires= ---- */

/* Compares version a with b on the components b gives: 3.14.10 == 3.14. */
static int S_cmp_versions(const char *a, const char *b)
{
	while (isdigit((unsigned char)*b)) {
		char *ea, *eb;
		long x = isdigit((unsigned char)*a) ? strtol(a, &ea, 10) : 0;
		long y = strtol(b, &eb, 10);
		if (!isdigit((unsigned char)*a))
			ea = (char *)a;
		if (x != y)
			return x < y ? -1 : 1;
		a = *ea == '.' ? ea + 1 : ea;
		b = *eb == '.' ? eb + 1 : eb;
	}
	return 0;
}

/* The version a tool is known by: its banner's, else the one in its
 * kb.lua name ("Python 3.13t" -> "Python 3.13t"); NULL when neither. */
static const char *S_known_version(const struct tool *t)
{
	if (t->shown)
		return t->shown;
	const char *n = t->tc->name;
	const char *sp = n ? strrchr(n, ' ') : NULL;
	return sp && isdigit((unsigned char)sp[1]) ? n : NULL;
}

int tool_meets(const char *req, const char *lang, const struct tool *t, char **why)
{
	size_t name_len = strcspn(req, "<>=");
	const char *op = req + name_len;
	size_t op_len = strspn(op, "<>=");
	const char *want = op + op_len;
	const char *shown = S_known_version(t);
	if (why)
		*why = NULL;
	if (!shown) {
		if (why)
			*why = xasprintf("requires %s, but the %s toolchain version is "
					 "unknown", req, lang);
		return 0;
	}
	size_t tool_len = strcspn(shown, " ");
	int same = (strlen(lang) == name_len && !strncasecmp(req, lang, name_len)) ||
		   (tool_len == name_len && !strncasecmp(req, shown, name_len));
	if (!same) {
		if (why)
			*why = xasprintf("requires %s, but this %s snippet runs with %s",
					 req, lang, shown);
		return -1;
	}
	const char *have = shown + tool_len + (shown[tool_len] ? 1 : 0);
	int c = S_cmp_versions(have, want);
	int ok = !strncmp(op, ">=", 2) ? c >= 0 : !strncmp(op, "<=", 2) ? c <= 0
	       : !strncmp(op, "==", 2) ? c == 0 : *op == '>' ? c > 0 : c < 0;
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

/* {key} of a toolchain variable at *w: appends its value, moves *w past. */
static int S_subst_var(struct buf *b, const char **w, const struct strlist *tv)
{
	const char *close = strchr(*w, '}');
	if (!close)
		return 0;
	size_t n = (size_t)(close - *w - 1);
	for (size_t i = 0; i + 1 < tv->n; i += 2) {
		if (strlen(tv->items[i]) == n && !strncmp(tv->items[i], *w + 1, n)) {
			buf_puts(b, tv->items[i + 1]);
			*w = close + 1;
			return 1;
		}
	}
	return 0;
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
		} else if (*w == '{' && v->tvars && S_subst_var(b, &w, v->tvars)) {
			continue;
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
