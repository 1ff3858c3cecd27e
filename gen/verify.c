/*
 * verify.c - running, comparing, caching, recording and reporting
 * snippets. See verify.h.
 *
 * verify_run() works in three steps: the toolchain version of each runner
 * in use is asked once; a pool of worker threads then takes snippets one
 * at a time, finds the result in the cache or runs it in a fresh sandbox
 * directory, and judges it (workers only write to their own snippet and
 * job); finally the main thread reports every failure in snippet order, so
 * the diagnostics do not depend on scheduling.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "verify.h"

#include <ctype.h>
#include <errno.h>
#include <git2.h>
#include <pthread.h>
#include <regex.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"

#define S_STDERR_TAIL 20     /* lines of stderr shown in a failure */
#define S_DIFF_MAX_LINES 200 /* lines of diff shown in a failure */
#define S_COMPILE_TIMEOUT 120.0
#define S_CACHE_MAGIC "kb-snippet-cache 1"

/* ---- text helpers ---- */

/* Splits text into lines without their '\n', trailing whitespace removed
 * from each, trailing blank lines dropped. */
static void S_canon_lines(const char *text, struct strlist *out)
{
	const char *p = text ? text : "";
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		size_t k = n;
		while (k && isspace((unsigned char)p[k - 1]))
			k--;
		strlist_push_owned(out, xstrndup(p, k));
		p += n;
		if (*p == '\n')
			p++;
	}
	while (out->n && !*out->items[out->n - 1])
		free(out->items[--out->n]);
}

static char *S_join_lines(const struct strlist *l)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < l->n; i++) {
		buf_puts(&b, l->items[i]);
		buf_putc(&b, '\n');
	}
	return buf_detach(&b);
}

/* Appends text with every line prefixed by `prefix`. */
static void S_put_indented(struct buf *b, const char *text, const char *prefix)
{
	const char *p = text;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		buf_puts(b, prefix);
		buf_put(b, p, n);
		buf_putc(b, '\n');
		p += n + (e ? 1 : 0);
	}
}

/* The last `max` lines of text. */
static const char *S_tail(const char *text, size_t len, int max)
{
	while (len && text[len - 1] == '\n')
		len--;
	int lines = 0;
	for (size_t i = len; i > 0; i--) {
		if (text[i - 1] == '\n' && ++lines == max)
			return text + i;
	}
	return text;
}

/* ---- diff ---- */

struct S_op {
	char kind;       /* ' ', '-', '+' */
	const char *line;
};

/* Edit script turning a into b, via an LCS table (prefix and suffix
 * trimmed first; very large middles degrade to delete-all + insert-all). */
static struct S_op *S_edit_script(char **a, size_t n, char **b, size_t m,
				  size_t *nops)
{
	struct S_op *ops = xmalloc((n + m + 1) * sizeof(*ops));
	size_t k = 0, pre = 0, suf = 0;
	while (pre < n && pre < m && !strcmp(a[pre], b[pre]))
		pre++;
	while (suf < n - pre && suf < m - pre &&
	       !strcmp(a[n - 1 - suf], b[m - 1 - suf]))
		suf++;
	for (size_t i = 0; i < pre; i++)
		ops[k++] = (struct S_op){ ' ', a[i] };
	size_t an = n - pre - suf, bn = m - pre - suf;
	char **aa = a + pre, **bb = b + pre;
	if (an && bn && an * bn <= 4u * 1024 * 1024) {
		/* lcs[i][j] = LCS length of aa[i..] and bb[j..] */
		unsigned *lcs = xcalloc((an + 1) * (bn + 1), sizeof(*lcs));
#define L(i, j) lcs[(i) * (bn + 1) + (j)]
		for (size_t i = an; i-- > 0;)
			for (size_t j = bn; j-- > 0;)
				L(i, j) = !strcmp(aa[i], bb[j]) ? L(i + 1, j + 1) + 1
					: L(i + 1, j) >= L(i, j + 1) ? L(i + 1, j)
					: L(i, j + 1);
		size_t i = 0, j = 0;
		while (i < an || j < bn) {
			if (i < an && j < bn && !strcmp(aa[i], bb[j])) {
				ops[k++] = (struct S_op){ ' ', aa[i] };
				i++, j++;
			} else if (i < an && (j == bn || L(i + 1, j) >= L(i, j + 1))) {
				ops[k++] = (struct S_op){ '-', aa[i++] };
			} else {
				ops[k++] = (struct S_op){ '+', bb[j++] };
			}
		}
#undef L
		free(lcs);
	} else {
		for (size_t i = 0; i < an; i++)
			ops[k++] = (struct S_op){ '-', aa[i] };
		for (size_t j = 0; j < bn; j++)
			ops[k++] = (struct S_op){ '+', bb[j] };
	}
	for (size_t i = n - suf; i < n; i++)
		ops[k++] = (struct S_op){ ' ', a[i] };
	*nops = k;
	return ops;
}

static void S_hunk(struct buf *out, const struct S_op *ops, size_t from,
		   size_t to, size_t a_before, size_t b_before)
{
	size_t ac = 0, bc = 0;
	for (size_t i = from; i < to; i++) {
		ac += ops[i].kind != '+';
		bc += ops[i].kind != '-';
	}
	buf_printf(out, "@@ -%zu,%zu +%zu,%zu @@\n", ac ? a_before + 1 : a_before,
		   ac, bc ? b_before + 1 : b_before, bc);
	for (size_t i = from; i < to; i++)
		buf_printf(out, "%c%s\n", ops[i].kind, ops[i].line);
}

static char *S_diff_lines(const struct strlist *a, const struct strlist *b)
{
	size_t nops;
	struct S_op *ops = S_edit_script(a->items, a->n, b->items, b->n, &nops);
	struct buf out = BUF_INIT;
	const size_t ctx = 3;
	size_t i = 0, a_seen = 0, b_seen = 0;
	while (i < nops) {
		if (ops[i].kind == ' ') {
			a_seen++, b_seen++, i++;
			continue;
		}
		if (!out.len)
			buf_puts(&out, "--- expected\n+++ actual\n");
		size_t start = i >= ctx ? i - ctx : 0;
		size_t a0 = a_seen - (i - start), b0 = b_seen - (i - start);
		/* extend over changes separated by at most 2*ctx equal lines */
		size_t end = i, last_change = i;
		while (end < nops) {
			if (ops[end].kind != ' ')
				last_change = end;
			else if (end - last_change > 2 * ctx)
				break;
			end++;
		}
		end = last_change + 1 + ctx < nops ? last_change + 1 + ctx : nops;
		S_hunk(&out, ops, start, end, a0, b0);
		for (; i < end; i++) {
			a_seen += ops[i].kind != '+';
			b_seen += ops[i].kind != '-';
		}
	}
	free(ops);
	return buf_detach(&out);
}

char *verify_diff(const char *expected, const char *actual)
{
	struct strlist a = STRLIST_INIT, b = STRLIST_INIT;
	S_canon_lines(expected, &a);
	S_canon_lines(actual, &b);
	char *d = S_diff_lines(&a, &b);
	strlist_release(&a);
	strlist_release(&b);
	return d;
}

/* Appends a diff, cut at S_DIFF_MAX_LINES lines. */
static void S_put_diff(struct buf *b, const char *diff, const char *prefix)
{
	const char *p = diff;
	int lines = 0;
	while (*p && lines < S_DIFF_MAX_LINES) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) + 1 : strlen(p);
		buf_puts(b, prefix);
		buf_put(b, p, n);
		p += n;
		lines++;
	}
	if (*p)
		buf_printf(b, "%s... (diff cut at %d lines)\n", prefix, S_DIFF_MAX_LINES);
}

/* ---- normalisation ---- */

enum S_bound { S_B_NONE, S_B_WORD, S_B_NUMBER };

struct S_rule {
	unsigned flag;
	const char *re;
	const char *repl;      /* \1 \2 refer to groups */
	enum S_bound bound;
};

static const struct S_rule S_rules[] = {
	{ SNIPPET_NORM_ADDRESSES, "0x[0-9a-fA-F]{6,}", "0xADDR", S_B_WORD },
	{ SNIPPET_NORM_PIDS, "([Pp][Ii][Dd])([ =:]+)[0-9]+", "\\1\\2PID", S_B_WORD },
	{ SNIPPET_NORM_THREAD_IDS, "ThreadPoolExecutor-[0-9]+_[0-9]+",
	  "ThreadPoolExecutor-N_N", S_B_WORD },
	{ SNIPPET_NORM_THREAD_IDS, "Thread-[0-9]+", "Thread-N", S_B_WORD },
	{ SNIPPET_NORM_THREAD_IDS,
	  "([Tt][Ii][Dd]|ident|native_id|[Tt]hread [Ii][Dd]|started daemon|started)"
	  "([ =:]+)[0-9]+", "\\1\\2TID", S_B_WORD },
	{ SNIPPET_NORM_DURATIONS,
	  "[0-9]+(\\.[0-9]+)? ?(ns|us|\xc2\xb5s|ms|s|secs?|seconds?|milliseconds?|"
	  "microseconds?|nanoseconds?|min|minutes?)", "DURATION", S_B_NUMBER },
};

static int S_wordch(int c)
{
	return isalnum(c) || c == '_';
}

static int S_bound_ok(enum S_bound bound, const char *text, const char *start,
		      const char *end)
{
	int before = start > text ? (unsigned char)start[-1] : 0;
	if (bound == S_B_WORD)
		return !S_wordch(before);
	if (bound == S_B_NUMBER)
		return !S_wordch(before) && before != '.' && !S_wordch((unsigned char)*end);
	return 1;
}

static char *S_apply_rule(const char *text, const struct S_rule *r)
{
	regex_t re;
	if (regcomp(&re, r->re, REG_EXTENDED) != 0)
		return xstrdup(text);
	struct buf b = BUF_INIT;
	const char *p = text;
	regmatch_t m[4];
	while (*p && regexec(&re, p, 4, m, p == text ? 0 : REG_NOTBOL) == 0) {
		const char *s = p + m[0].rm_so, *e = p + m[0].rm_eo;
		if (e == s || !S_bound_ok(r->bound, text, s, e)) {
			buf_put(&b, p, (size_t)(s - p) + 1);
			p = s + 1;
			continue;
		}
		buf_put(&b, p, (size_t)(s - p));
		for (const char *q = r->repl; *q; q++) {
			if (q[0] == '\\' && q[1] >= '1' && q[1] <= '3') {
				int g = q[1] - '0';
				if (m[g].rm_so >= 0)
					buf_put(&b, p + m[g].rm_so,
						(size_t)(m[g].rm_eo - m[g].rm_so));
				q++;
			} else {
				buf_putc(&b, *q);
			}
		}
		p = e;
	}
	buf_puts(&b, p);
	regfree(&re);
	return buf_detach(&b);
}

char *verify_normalize(const char *text, unsigned flags)
{
	char *cur = xstrdup(text ? text : "");
	for (size_t i = 0; i < sizeof(S_rules) / sizeof(S_rules[0]); i++) {
		if (!(flags & S_rules[i].flag))
			continue;
		char *next = S_apply_rule(cur, &S_rules[i]);
		free(cur);
		cur = next;
	}
	return cur;
}

/* ---- matching ---- */

static const char *const S_expect_word[] = {
	"exact", "sorted", "contains", "regex", "any"
};

static int S_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int S_lists_equal(const struct strlist *a, const struct strlist *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->items[i], b->items[i]))
			return 0;
	return 1;
}

static int S_match_lines(const struct snippet *s, const char *exp,
			 const char *act, struct buf *why)
{
	struct strlist a = STRLIST_INIT, b = STRLIST_INIT;
	S_canon_lines(exp, &a);
	S_canon_lines(act, &b);
	int sorted = s->expect == SNIPPET_EXPECT_SORTED;
	if (sorted) {
		if (a.n > 1)
			qsort(a.items, a.n, sizeof(char *), S_cmp_str);
		if (b.n > 1)
			qsort(b.items, b.n, sizeof(char *), S_cmp_str);
	}
	int ok = S_lists_equal(&a, &b);
	if (!ok && why) {
		buf_printf(why, "output differs from the expected output (expect=%s%s)\n",
			   S_expect_word[s->expect],
			   sorted ? ", lines compared sorted" : "");
		char *d = S_diff_lines(&a, &b);
		S_put_diff(why, d, "");
		free(d);
	}
	strlist_release(&a);
	strlist_release(&b);
	return ok;
}

static int S_match_contains(const char *exp, const char *act, struct buf *why)
{
	struct strlist a = STRLIST_INIT, b = STRLIST_INIT;
	S_canon_lines(exp, &a);
	S_canon_lines(act, &b);
	char *ea = S_join_lines(&a), *eb = S_join_lines(&b);
	if (a.n)
		ea[strlen(ea) - 1] = '\0'; /* the last line may end mid-line */
	int ok = strstr(eb, ea) != NULL;
	if (!ok && why) {
		buf_puts(why, "output does not contain the expected text (expect=contains)\n");
		buf_puts(why, "expected text:\n");
		S_put_indented(why, ea, "  ");
		buf_puts(why, "actual output:\n");
		S_put_indented(why, eb, "  ");
	}
	free(ea);
	free(eb);
	strlist_release(&a);
	strlist_release(&b);
	return ok;
}

static int S_match_regex(const char *exp, const char *act, struct buf *why)
{
	struct strlist a = STRLIST_INIT, b = STRLIST_INIT;
	S_canon_lines(exp, &a);
	S_canon_lines(act, &b);
	char *pat = S_join_lines(&a), *text = S_join_lines(&b);
	if (a.n)
		pat[strlen(pat) - 1] = '\0';
	regex_t re;
	int rc = regcomp(&re, pat, REG_EXTENDED | REG_NEWLINE | REG_NOSUB);
	int ok = 0;
	if (rc != 0) {
		char msg[256];
		regerror(rc, &re, msg, sizeof(msg));
		if (why)
			buf_printf(why, "bad regular expression in the expected "
				   "output (expect=regex): %s\n", msg);
	} else {
		ok = regexec(&re, text, 0, NULL, 0) == 0;
		regfree(&re);
		if (!ok && why) {
			buf_puts(why, "output does not match the regular expression "
				 "(expect=regex)\nregex:\n");
			S_put_indented(why, pat, "  ");
			buf_puts(why, "actual output:\n");
			S_put_indented(why, text, "  ");
		}
	}
	free(pat);
	free(text);
	strlist_release(&a);
	strlist_release(&b);
	return ok;
}

static int S_match(const struct snippet *s, const char *actual, struct buf *why)
{
	if (s->expect == SNIPPET_EXPECT_ANY)
		return 1;
	if (!s->expected) {
		if (why) {
			buf_puts(why, "no expected output: add an ```output block after "
				 "the code (or a sidecar .out file), or use expect=any; "
				 "`kb check --record` fills it in\nactual output:\n");
			S_put_indented(why, actual, "  ");
		}
		return 0;
	}
	char *exp = verify_normalize(s->expected, s->normalize);
	char *act = verify_normalize(actual, s->normalize);
	int ok;
	if (s->expect == SNIPPET_EXPECT_CONTAINS)
		ok = S_match_contains(exp, act, why);
	else if (s->expect == SNIPPET_EXPECT_REGEX)
		ok = S_match_regex(exp, act, why);
	else
		ok = S_match_lines(s, exp, act, why);
	free(exp);
	free(act);
	return ok;
}

int verify_match(const struct snippet *s, const char *actual, char **why)
{
	struct buf b = BUF_INIT;
	int ok = S_match(s, actual ? actual : "", why ? &b : NULL);
	if (why)
		*why = ok ? NULL : buf_detach(&b);
	buf_release(&b);
	return ok;
}

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

struct S_tool {
	const struct runner *r;
	char *banner;   /* first line of the version output, or "" */
	char *shown;    /* verify_toolchain_short(banner), or NULL */
};

static void S_tool_probe(struct S_tool *t, struct diags *d)
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

static struct S_tool *S_tool_for(struct S_tool *tools, size_t n,
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
static int S_requires_met(const struct snippet *s, const struct S_tool *t,
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
static int S_shell_split(const char *s, struct strlist *out)
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

struct S_vars {
	const char *src, *bin, *dir;
	struct strlist cflags, args;
};

static void S_subst_word(struct buf *b, const char *w, const struct S_vars *v)
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
static void S_expand(const struct strlist *tmpl, const struct S_vars *v,
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
static void S_put_argv(struct buf *b, const struct strlist *argv)
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
static const struct strlist *S_compile_tmpl(const struct snippet *s,
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
static char *S_src_name(const struct snippet *s)
{
	if (s->file) {
		const char *slash = strrchr(s->file, '/');
		return xstrdup(slash ? slash + 1 : s->file);
	}
	return xasprintf("snippet%s", s->runner->ext ? s->runner->ext : "");
}

/* ---- one job ---- */

struct S_job {
	struct snippet *s;
	const struct S_tool *tool;
	char *key;              /* cache key (hex) */
	char *compile_cmd;      /* shown in messages, or NULL */
	char *run_cmd;
	char *infra_error;      /* the sandbox could not run it */
	int output_mismatch;    /* failed only on output: recordable */
	int flaky;              /* verify_stress() */
	char *stress_msg;
};

static void S_run_clear(struct snippet_run *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

static void S_run_from(struct snippet_run *r, struct sandbox_result *res)
{
	r->exited = res->exited;
	r->status = res->status;
	r->signal = res->signal;
	r->timed_out = res->timed_out;
	r->out_truncated = res->out_truncated;
	r->err_truncated = res->err_truncated;
	r->wall = res->wall;
	r->out = res->out ? res->out : xstrdup("");
	r->err = res->err ? res->err : xstrdup("");
	res->out = res->err = NULL;
}

static int S_sandbox(const struct strlist *argv, const char *dir, double timeout,
		     int tsan, struct snippet_run *r, char **errmsg)
{
	struct sandbox_limits lim;
	sandbox_limits_default(&lim);
	lim.timeout = timeout;
	lim.cpu = timeout * 4 + 1; /* threads may keep several cores busy */
	if (tsan)
		lim.memory = 0; /* no RLIMIT_AS: TSan maps terabytes of shadow */
	struct sandbox_result res;
	memset(&res, 0, sizeof(res));
	int rc = sandbox_run((const char *const *)argv->items, dir, NULL, NULL, 0,
			     &lim, &res, errmsg);
	if (rc == 0)
		S_run_from(r, &res);
	sandbox_result_release(&res);
	return rc;
}

/*
 * Compiles (if needed) and runs s nruns times in a fresh directory. Fills
 * *compile_step (out/err NULL when nothing was compiled) and runs[0..],
 * setting *done to the number of runs made. Returns 0, or -1 with
 * job->infra_error set when the sandbox failed.
 */
static int S_execute(struct S_job *job, int nruns, struct snippet_run *compile_step,
		     struct snippet_run *runs, int *done)
{
	struct snippet *s = job->s;
	struct S_vars v = { 0 };
	struct strlist cargv = STRLIST_INIT, rargv = STRLIST_INIT;
	char *src = S_src_name(s), *bin = NULL, *path = NULL, *dir = NULL;
	int rc = -1;
	*done = 0;
	size_t stem = strcspn(src, ".");
	bin = xasprintf("./%.*s", (int)stem, src);
	if (S_shell_split(s->cflags, &v.cflags) < 0 || S_shell_split(s->args, &v.args) < 0) {
		job->infra_error = xstrdup("unterminated quote in cflags= or args=");
		goto done;
	}
	if (!(dir = sandbox_mkdtemp())) {
		job->infra_error = xasprintf("cannot create a sandbox directory: %s",
					     strerror(errno));
		goto done;
	}
	v.src = src, v.bin = bin, v.dir = dir;
	path = path_join(dir, src);
	if (write_file(path, s->source, strlen(s->source)) < 0) {
		job->infra_error = xasprintf("cannot write '%s': %s", path, strerror(errno));
		goto done;
	}
	const char *const *extra;
	const struct strlist *ct = S_compile_tmpl(s, &extra);
	int tsan = s->tsan != SNIPPET_TSAN_OFF;
	if (ct) {
		S_expand(ct, &v, extra, &cargv);
		if (S_sandbox(&cargv, dir, S_COMPILE_TIMEOUT, 0, compile_step,
			      &job->infra_error) < 0)
			goto done;
		if (!compile_step->exited || compile_step->status != 0 ||
		    s->mode == SNIPPET_MODE_COMPILE) {
			rc = 0;
			goto done;
		}
	}
	S_expand(&s->runner->run, &v, NULL, &rargv);
	for (int i = 0; i < nruns; i++) {
		if (S_sandbox(&rargv, dir, s->timeout, tsan, &runs[i], &job->infra_error) < 0)
			goto done;
		++*done;
	}
	rc = 0;
done:
	if (!job->compile_cmd && cargv.n) {
		struct buf b = BUF_INIT;
		S_put_argv(&b, &cargv);
		job->compile_cmd = buf_detach(&b);
	}
	if (!job->run_cmd && rargv.n) {
		struct buf b = BUF_INIT;
		S_put_argv(&b, &rargv);
		job->run_cmd = buf_detach(&b);
	}
	strlist_release(&cargv);
	strlist_release(&rargv);
	strlist_release(&v.cflags);
	strlist_release(&v.args);
	if (dir)
		remove_tree(dir);
	free(dir);
	free(path);
	free(src);
	free(bin);
	return rc;
}

/* The commands as they would be shown even without running (cache hits). */
static void S_commands(struct S_job *job)
{
	struct snippet *s = job->s;
	struct S_vars v = { 0 };
	char *src = S_src_name(s);
	char *bin = xasprintf("./%.*s", (int)strcspn(src, "."), src);
	v.src = src, v.bin = bin, v.dir = "$SANDBOX";
	S_shell_split(s->cflags, &v.cflags);
	S_shell_split(s->args, &v.args);
	const char *const *extra;
	const struct strlist *ct = S_compile_tmpl(s, &extra);
	struct strlist argv = STRLIST_INIT;
	struct buf b = BUF_INIT;
	if (ct && !job->compile_cmd) {
		S_expand(ct, &v, extra, &argv);
		S_put_argv(&b, &argv);
		job->compile_cmd = buf_detach(&b);
		strlist_release(&argv);
	}
	if (!job->run_cmd) {
		S_expand(&s->runner->run, &v, NULL, &argv);
		S_put_argv(&b, &argv);
		job->run_cmd = buf_detach(&b);
		strlist_release(&argv);
	}
	strlist_release(&v.cflags);
	strlist_release(&v.args);
	free(src);
	free(bin);
}

/* ---- cache ---- */

static void S_key_list(struct buf *b, const char *label, const struct strlist *l)
{
	buf_puts(b, label);
	for (size_t i = 0; i < l->n; i++) {
		buf_puts(b, l->items[i]);
		buf_putc(b, '\x1f');
	}
	buf_putc(b, '\0');
}

static char *S_cache_key(const struct snippet *s, const struct S_tool *t)
{
	struct buf b = BUF_INIT;
	const struct runner *r = s->runner;
	char *src = S_src_name(s);
	buf_printf(&b, "%s%c%s%c%s%c", S_CACHE_MAGIC, 0, r->name, 0,
		   r->ext ? r->ext : "", 0);
	S_key_list(&b, "compile:", &r->compile);
	S_key_list(&b, "tsan:", &r->tsan);
	S_key_list(&b, "run:", &r->run);
	buf_printf(&b, "%s%c%s%c", t && t->banner ? t->banner : "", 0, src, 0);
	buf_printf(&b, "mode=%d tsan=%d timeout=%g repeat=%d%c", (int)s->mode,
		   s->tsan != SNIPPET_TSAN_OFF, s->timeout, s->repeat, 0);
	buf_printf(&b, "cflags=%s%cargs=%s%c", s->cflags ? s->cflags : "", 0,
		   s->args ? s->args : "", 0);
	buf_puts(&b, s->source);
	git_oid oid;
	char hex[GIT_OID_HEXSZ + 1] = "";
	if (git_odb_hash(&oid, b.data, b.len, GIT_OBJECT_BLOB) == 0)
		git_oid_tostr(hex, sizeof(hex), &oid);
	buf_release(&b);
	free(src);
	return xstrdup(hex);
}

static char *S_cache_path(const struct verify_opts *o, const char *key)
{
	return xasprintf("%s/snippets/%s.txt", o->cache_dir ? o->cache_dir : ".kb-cache", key);
}

static void S_put_step(struct buf *b, const struct snippet_run *r)
{
	size_t ol = r->out ? strlen(r->out) : 0, el = r->err ? strlen(r->err) : 0;
	buf_printf(b, "step %d %d %d %d %d %d %.3f %zu %zu\n", r->exited, r->status,
		   r->signal, r->timed_out, r->out_truncated, r->err_truncated,
		   r->wall, ol, el);
	buf_put(b, r->out ? r->out : "", ol);
	buf_put(b, r->err ? r->err : "", el);
	buf_putc(b, '\n');
}

/* Parses one "step" record at *p; -1 if malformed. */
static int S_get_step(const char **p, const char *end, struct snippet_run *r)
{
	size_t ol, el;
	int used = 0;
	if (sscanf(*p, "step %d %d %d %d %d %d %lf %zu %zu%n", &r->exited,
		   &r->status, &r->signal, &r->timed_out, &r->out_truncated,
		   &r->err_truncated, &r->wall, &ol, &el, &used) < 9 ||
	    !used || (*p)[used] != '\n')
		return -1;
	const char *q = *p + used + 1; /* no scanf "\n": it would eat stdout */
	if ((size_t)(end - q) < ol + el + 1)
		return -1;
	r->out = xstrndup(q, ol);
	r->err = xstrndup(q + ol, el);
	*p = q + ol + el + 1;
	return 0;
}

static int S_cache_write(const struct verify_opts *o, const struct S_job *job)
{
	const struct snippet *s = job->s;
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s\ndate %s\ncompiled %d\n", S_CACHE_MAGIC, s->verified_date,
		   s->compile_step.out != NULL);
	if (s->compile_step.out)
		S_put_step(&b, &s->compile_step);
	buf_printf(&b, "runs %zu\n", s->nruns);
	for (size_t i = 0; i < s->nruns; i++)
		S_put_step(&b, &s->runs[i]);
	static unsigned seq;
	char *path = S_cache_path(o, job->key);
	char *tmp = xasprintf("%s.%ld.%u.tmp", path, (long)getpid(),
			      __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	int rc = write_file(tmp, b.data, b.len);
	if (rc == 0)
		rc = rename(tmp, path);
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	free(path);
	buf_release(&b);
	return rc;
}

/* Loads a cached result into job->s; 0 on a hit. */
static int S_cache_read(const struct verify_opts *o, struct S_job *job)
{
	struct snippet *s = job->s;
	char *path = S_cache_path(o, job->key), *text = NULL;
	size_t len = 0, nruns = 0;
	int compiled = 0, rc = -1;
	char date[16] = "";
	if (read_file(path, &text, &len) < 0)
		goto done;
	const char *p = text, *end = text + len;
	int used = 0;
	if (strncmp(p, S_CACHE_MAGIC "\n", sizeof(S_CACHE_MAGIC)))
		goto done;
	p += sizeof(S_CACHE_MAGIC);
	if (sscanf(p, "date %15s\ncompiled %d\n%n", date, &compiled, &used) < 2 || !used)
		goto done;
	p += used;
	if (compiled && S_get_step(&p, end, &s->compile_step) < 0)
		goto done;
	used = 0;
	if (sscanf(p, "runs %zu\n%n", &nruns, &used) < 1 || !used || nruns > 1000)
		goto done;
	p += used;
	s->runs = xcalloc(nruns ? nruns : 1, sizeof(*s->runs));
	for (s->nruns = 0; s->nruns < nruns; s->nruns++)
		if (S_get_step(&p, end, &s->runs[s->nruns]) < 0)
			goto done;
	s->verified_date = xstrdup(date);
	rc = 0;
done:
	if (rc < 0) {
		S_run_clear(&s->compile_step);
		for (size_t i = 0; i < s->nruns; i++)
			S_run_clear(&s->runs[i]);
		free(s->runs);
		s->runs = NULL;
		s->nruns = 0;
	}
	free(text);
	free(path);
	return rc;
}

/* ---- judging ---- */

static const char *S_signame(int sig)
{
	const char *d = sigdescr_np(sig); /* thread-safe, unlike strsignal() */
	return d ? d : "unknown signal";
}

static void S_put_status(struct buf *b, const struct snippet_run *r, double timeout)
{
	if (r->timed_out)
		buf_printf(b, "timed out after %gs\n", timeout);
	else if (!r->exited)
		buf_printf(b, "killed by signal %d (%s)\n", r->signal, S_signame(r->signal));
	else
		buf_printf(b, "exit status %d\n", r->status);
}

static void S_put_stderr(struct buf *b, const struct snippet_run *r, const char *what)
{
	if (!r->err || !*r->err)
		return;
	const char *t = S_tail(r->err, strlen(r->err), S_STDERR_TAIL);
	buf_printf(b, "%s%s:\n", what, t == r->err ? "" : " (last 20 lines)");
	S_put_indented(b, t, "| ");
	if (r->err_truncated)
		buf_puts(b, "| ... (stderr was cut at the output cap)\n");
}

/*
 * Judges one run; returns 1 if it passed. Problems go to `why` (one per
 * line). *out_only is set when the output is the only problem.
 */
static int S_judge_run(const struct snippet *s, const struct snippet_run *r,
		       struct buf *why, int *out_only)
{
	int ok = 1, other = 0;
	const char *err = r->err ? r->err : "";
	int tsan_report = strstr(err, "WARNING: ThreadSanitizer") != NULL;
	int race = strstr(err, "WARNING: ThreadSanitizer: data race") != NULL;
	if (s->tsan == SNIPPET_TSAN_CLEAN && tsan_report) {
		buf_puts(why, "ThreadSanitizer reported a problem (tsan)\n");
		ok = 0, other = 1;
	} else if (s->tsan == SNIPPET_TSAN_RACE && !race) {
		buf_puts(why, "ThreadSanitizer reported no data race (tsan=race)\n");
		ok = 0, other = 1;
	}
	if (s->exit_timeout && !r->timed_out) {
		buf_printf(why, "expected to hang until the %gs time limit "
			   "(exit=timeout), but it ended\n", s->timeout);
		ok = 0, other = 1;
	} else if (!s->exit_timeout && r->timed_out) {
		buf_printf(why, "timed out after %gs\n", s->timeout);
		ok = 0, other = 1;
	} else if (!r->timed_out) {
		/* 66 is ThreadSanitizer's exit status after a report */
		int tsan_exit = s->tsan != SNIPPET_TSAN_OFF && tsan_report && r->status == 66;
		int good = r->exited && (r->status == s->exit_code || tsan_exit);
		if (!good) {
			if (r->exited)
				buf_printf(why, "exit status %d, expected %d\n", r->status,
					   s->exit_code);
			else
				buf_printf(why, "killed by signal %d (%s)\n", r->signal,
					   S_signame(r->signal));
			ok = 0, other = 1;
		}
	}
	struct buf m = BUF_INIT;
	if (!S_match(s, r->out ? r->out : "", &m)) {
		buf_put(why, m.data, m.len);
		if (r->out_truncated)
			buf_puts(why, "(stdout was cut at the output cap)\n");
		ok = 0;
		*out_only = !other;
	}
	buf_release(&m);
	return ok;
}

static void S_put_commands(struct buf *b, const struct S_job *job, int compile_only)
{
	if (job->compile_cmd && (compile_only || !job->run_cmd))
		buf_printf(b, "command: %s\n", job->compile_cmd);
	else if (job->compile_cmd)
		buf_printf(b, "command: %s && %s\n", job->compile_cmd, job->run_cmd);
	else if (job->run_cmd)
		buf_printf(b, "command: %s\n", job->run_cmd);
}

/* Sets s->status, s->failure and s->needs_record from the stored result. */
static void S_judge(struct S_job *job, int record)
{
	struct snippet *s = job->s;
	struct buf b = BUF_INIT;
	const struct snippet_run *c = &s->compile_step;
	if (job->infra_error) {
		buf_printf(&b, "snippet could not be run: %s\n", job->infra_error);
		S_put_commands(&b, job, 0);
		goto failed;
	}
	if (c->out && (!c->exited || c->status != 0)) {
		buf_puts(&b, "snippet failed to compile\n");
		S_put_commands(&b, job, 1);
		S_put_status(&b, c, S_COMPILE_TIMEOUT);
		S_put_stderr(&b, c, "compiler output");
		if (!s->file) {
			char *src = S_src_name(s);
			buf_printf(&b, "(line 1 of %s is %s:%d)\n", src,
				   s->entry_path, s->line + 1);
			free(src);
		}
		goto failed;
	}
	if (s->mode == SNIPPET_MODE_COMPILE) {
		s->status = SNIPPET_PASSED;
		goto done;
	}
	for (size_t i = 0; i < s->nruns; i++) {
		struct buf why = BUF_INIT;
		int out_only = 0;
		if (S_judge_run(s, &s->runs[i], &why, &out_only)) {
			buf_release(&why);
			continue;
		}
		if (out_only && record && s->expect != SNIPPET_EXPECT_CONTAINS &&
		    s->expect != SNIPPET_EXPECT_REGEX) {
			s->needs_record = 1;
			buf_release(&why);
			continue;
		}
		job->output_mismatch = out_only;
		buf_puts(&b, "snippet failed: ");
		if (s->nruns > 1)
			buf_printf(&b, "(run %zu of %zu) ", i + 1, s->nruns);
		buf_put(&b, why.data, why.len);
		buf_release(&why);
		S_put_commands(&b, job, 0);
		S_put_status(&b, &s->runs[i], s->timeout);
		S_put_stderr(&b, &s->runs[i], "stderr");
		goto failed;
	}
	s->status = SNIPPET_PASSED;
	goto done;
failed:
	s->status = SNIPPET_FAILED;
	while (b.len && b.data[b.len - 1] == '\n')
		buf_truncate(&b, b.len - 1);
	free(s->failure);
	s->failure = buf_detach(&b);
done:
	buf_release(&b);
}

/* A multi-line message as a diagnostic shows it: detail lines indented
 * under the "file:line: error: headline" line. Caller frees. */
static char *S_diag_text(const char *msg)
{
	struct buf b = BUF_INIT;
	for (const char *p = msg; *p; p++) {
		buf_putc(&b, *p);
		if (*p == '\n' && p[1])
			buf_puts(&b, "  ");
	}
	return buf_detach(&b);
}

/* ---- the pool ---- */

struct S_pool {
	struct S_job *jobs;
	size_t n, next, done;
	pthread_mutex_t mu;
	const struct verify_opts *opts;
	char today[16];
	int stress_k;           /* > 0: verify_stress() */
	size_t ran, cached;
};

static void S_progress(struct S_pool *p, const struct S_job *job, const char *what)
{
	const struct snippet *s = job->s;
	double t = s->nruns ? s->runs[0].wall : s->compile_step.wall;
	fprintf(stderr, "\r\033[K[%zu/%zu] %s:%d %s ... %s %.2fs", p->done, p->n,
		s->entry_path, s->line, s->lang, what, t);
	fflush(stderr);
}

static void S_do_job(struct S_pool *p, struct S_job *job)
{
	struct snippet *s = job->s;
	int hit = !p->opts->no_cache && S_cache_read(p->opts, job) == 0;
	if (!hit) {
		int runs = s->mode == SNIPPET_MODE_COMPILE ? 0 : s->repeat, done = 0;
		s->runs = xcalloc((size_t)(runs ? runs : 1), sizeof(*s->runs));
		int rc = S_execute(job, runs, &s->compile_step, s->runs, &done);
		s->nruns = (size_t)done;
		s->verified_date = xstrdup(p->today);
		int timed_out = s->compile_step.timed_out;
		for (size_t i = 0; i < s->nruns; i++)
			timed_out |= s->runs[i].timed_out;
		if (rc == 0 && (!timed_out || s->exit_timeout))
			S_cache_write(p->opts, job);
	}
	S_commands(job);
	s->cached = hit;
	S_judge(job, p->opts->record);
	pthread_mutex_lock(&p->mu);
	p->done++;
	if (hit)
		p->cached++;
	else
		p->ran++;
	if (p->opts->progress)
		S_progress(p, job, s->status == SNIPPET_FAILED ? "FAILED"
			   : hit ? "cached" : "ok");
	pthread_mutex_unlock(&p->mu);
}

/* verify_stress(): k fresh runs, canonical results compared. */
static void S_stress_job(struct S_pool *p, struct S_job *job)
{
	struct snippet *s = job->s;
	int k = p->stress_k, done = 0;
	struct snippet_run cstep = { 0 };
	struct snippet_run *runs = xcalloc((size_t)k, sizeof(*runs));
	if (S_execute(job, k, &cstep, runs, &done) < 0 || done < 2)
		goto out;
	char **canon = xcalloc((size_t)done, sizeof(*canon));
	size_t distinct = 1, first_diff = 0;
	for (int i = 0; i < done; i++) {
		struct buf b = BUF_INIT;
		S_put_status(&b, &runs[i], s->timeout);
		if (s->expect == SNIPPET_EXPECT_EXACT || s->expect == SNIPPET_EXPECT_SORTED) {
			char *norm = verify_normalize(runs[i].out, s->normalize);
			struct strlist l = STRLIST_INIT;
			S_canon_lines(norm, &l);
			if (s->expect == SNIPPET_EXPECT_SORTED && l.n > 1)
				qsort(l.items, l.n, sizeof(char *), S_cmp_str);
			char *j = S_join_lines(&l);
			buf_puts(&b, j);
			free(j);
			strlist_release(&l);
			free(norm);
		} else {
			buf_puts(&b, S_match(s, runs[i].out, NULL) ? "matches\n" : "does not match\n");
		}
		canon[i] = buf_detach(&b);
		int seen = 0;
		for (int j = 0; j < i && !seen; j++)
			seen = !strcmp(canon[i], canon[j]);
		if (!seen && i) {
			distinct++;
			if (!first_diff)
				first_diff = (size_t)i;
		}
	}
	if (distinct > 1) {
		struct buf b = BUF_INIT;
		buf_printf(&b, "flaky snippet: %zu different results in %d runs "
			   "(expect=%s)\n", distinct, done, S_expect_word[s->expect]);
		char *d = verify_diff(canon[0], canon[first_diff]);
		buf_printf(&b, "run 1 vs run %zu (status line first):\n", first_diff + 1);
		S_put_diff(&b, d, "");
		free(d);
		while (b.len && b.data[b.len - 1] == '\n')
			buf_truncate(&b, b.len - 1);
		job->flaky = 1;
		job->stress_msg = buf_detach(&b);
	}
	for (int i = 0; i < done; i++)
		free(canon[i]);
	free(canon);
out:
	S_run_clear(&cstep);
	for (int i = 0; i < k; i++)
		S_run_clear(&runs[i]);
	free(runs);
	pthread_mutex_lock(&p->mu);
	p->done++;
	p->ran++;
	if (p->opts->progress) {
		fprintf(stderr, "\r\033[K[%zu/%zu] %s:%d %s ... %s", p->done, p->n,
			s->entry_path, s->line, s->lang, job->flaky ? "FLAKY" : "stable");
		fflush(stderr);
	}
	pthread_mutex_unlock(&p->mu);
}

static void *S_worker(void *arg)
{
	struct S_pool *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		size_t i = p->next < p->n ? p->next++ : p->n;
		pthread_mutex_unlock(&p->mu);
		if (i == p->n)
			return NULL;
		if (p->stress_k)
			S_stress_job(p, &p->jobs[i]);
		else
			S_do_job(p, &p->jobs[i]);
	}
}

static void S_run_pool(struct S_pool *p)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nt = p->opts->jobs > 0 ? (size_t)p->opts->jobs : cores > 0 ? (size_t)cores : 1;
	if (nt > p->n)
		nt = p->n;
	pthread_t *th = xcalloc(nt ? nt : 1, sizeof(*th));
	size_t started = 0;
	for (; started < nt; started++)
		if (pthread_create(&th[started], NULL, S_worker, p) != 0)
			break;
	if (!started)
		S_worker(p); /* no thread could start: do the work here */
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(th);
	if (p->opts->progress && p->n) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
}

/* ---- verify_run ---- */

static int S_runnable(const struct snippet *s)
{
	return !s->invalid && s->mode != SNIPPET_MODE_NORUN;
}

/* The toolchains of the runners used by the runnable snippets of v. */
static struct S_tool *S_probe_tools(struct snippet **v, size_t n, size_t *ntools,
				    struct diags *d)
{
	struct S_tool *tools = NULL;
	size_t nt = 0;
	for (size_t i = 0; i < n; i++) {
		if (!S_runnable(v[i]) || S_tool_for(tools, nt, v[i]->runner))
			continue;
		tools = xrealloc(tools, (nt + 1) * sizeof(*tools));
		tools[nt] = (struct S_tool){ .r = v[i]->runner };
		S_tool_probe(&tools[nt], d);
		nt++;
	}
	*ntools = nt;
	return tools;
}

static void S_free_tools(struct S_tool *tools, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(tools[i].banner);
		free(tools[i].shown);
	}
	free(tools);
}

static void S_free_jobs(struct S_job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(jobs[i].key);
		free(jobs[i].compile_cmd);
		free(jobs[i].run_cmd);
		free(jobs[i].infra_error);
		free(jobs[i].stress_msg);
	}
	free(jobs);
}

/* Resets the result fields, so that verify_run() can be called again. */
static void S_reset(struct snippet *s)
{
	s->status = SNIPPET_PENDING;
	s->cached = 0;
	s->needs_record = 0;
	free(s->toolchain), s->toolchain = NULL;
	free(s->verified_date), s->verified_date = NULL;
	free(s->command), s->command = NULL;
	free(s->failure), s->failure = NULL;
	S_run_clear(&s->compile_step);
	for (size_t i = 0; i < s->nruns; i++)
		S_run_clear(&s->runs[i]);
	free(s->runs), s->runs = NULL;
	s->nruns = 0;
}

/* Checks requires=; returns 1 if s should run. */
static int S_check_requires(struct snippet *s, const struct S_tool *t,
			    const struct verify_opts *o, struct diags *d,
			    struct verify_stats *st)
{
	if (!s->requires)
		return 1;
	char *why = NULL;
	int met = S_requires_met(s, t, &why);
	if (met == 1)
		return 1;
	if (met < 0) {
		diag_add(d, DIAG_ERROR, s->entry_path, s->line, 0, "%s", why);
		s->status = SNIPPET_FAILED;
		st->failed++;
	} else {
		diag_add(d, o->strict ? DIAG_ERROR : DIAG_NOTE, s->entry_path, s->line, 0,
			 "snippet skipped: %s", why);
		s->status = o->strict ? SNIPPET_FAILED : SNIPPET_SKIPPED;
		if (o->strict)
			st->failed++;
		else
			st->skipped++;
	}
	s->failure = why;
	return 0;
}

static void S_today(const struct verify_opts *o, char out[16])
{
	time_t now = o->now ? o->now : time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
}

/* Shared set-up of verify_run() and verify_stress(): jobs for the
 * snippets that should run. */
static struct S_job *S_make_jobs(struct snippet **v, size_t n,
				 const struct verify_opts *o, struct S_tool *tools,
				 size_t ntools, int stress, size_t *njobs,
				 struct diags *d, struct verify_stats *st)
{
	struct S_job *jobs = xcalloc(n ? n : 1, sizeof(*jobs));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		struct snippet *s = v[i];
		if (!stress)
			S_reset(s);
		if (!S_runnable(s)) {
			if (!stress && !s->invalid)
				s->status = SNIPPET_NOT_RUN;
			st->not_run++;
			continue;
		}
		const struct S_tool *t = S_tool_for(tools, ntools, s->runner);
		if (!stress) {
			free(s->toolchain);
			s->toolchain = t && t->shown ? xstrdup(t->shown) : NULL;
			if (!S_check_requires(s, t, o, d, st))
				continue;
		} else if (s->mode == SNIPPET_MODE_COMPILE || s->status == SNIPPET_SKIPPED) {
			continue;
		}
		jobs[k].s = s;
		jobs[k].tool = t;
		jobs[k].key = S_cache_key(s, t);
		k++;
	}
	*njobs = k;
	return jobs;
}

int verify_run(struct snippet **v, size_t n, const struct config *cfg,
	       const struct verify_opts *opts, struct diags *d)
{
	(void)cfg; /* runners are reached through each snippet */
	struct verify_stats st = { .total = n };
	struct verify_opts defaults = { 0 };
	const struct verify_opts *o = opts ? opts : &defaults;
	git_libgit2_init();
	size_t ntools = 0, njobs = 0;
	struct S_tool *tools = S_probe_tools(v, n, &ntools, d);
	struct S_job *jobs = S_make_jobs(v, n, o, tools, ntools, 0, &njobs, d, &st);
	char *dir = xasprintf("%s/snippets", o->cache_dir ? o->cache_dir : ".kb-cache");
	if (njobs && mkdir_p(dir) < 0)
		diag_add(d, DIAG_WARNING, dir, 0, 0, "cannot create the snippet cache: %s",
			 strerror(errno));
	free(dir);

	struct S_pool p = { .jobs = jobs, .n = njobs, .opts = o };
	pthread_mutex_init(&p.mu, NULL);
	S_today(o, p.today);
	S_run_pool(&p);
	pthread_mutex_destroy(&p.mu);

	for (size_t i = 0; i < njobs; i++) {
		struct snippet *s = jobs[i].s;
		free(s->command);
		s->command = xstrdup(jobs[i].run_cmd && s->mode == SNIPPET_MODE_RUN
				     ? jobs[i].run_cmd
				     : jobs[i].compile_cmd ? jobs[i].compile_cmd : "");
		if (s->status != SNIPPET_FAILED)
			continue;
		st.failed++;
		char *text = S_diag_text(s->failure);
		diag_add(d, DIAG_ERROR, s->entry_path, s->line, 0, "%s", text);
		free(text);
	}
	st.ran = p.ran;
	st.cached = p.cached;
	if (o->stats)
		*o->stats = st;
	S_free_jobs(jobs, njobs);
	S_free_tools(tools, ntools);
	git_libgit2_shutdown();
	return (int)st.failed;
}

int verify_stress(struct snippet **v, size_t n, const struct config *cfg,
		  const struct verify_opts *opts, int k, struct diags *d)
{
	(void)cfg;
	struct verify_stats st = { .total = n };
	struct verify_opts defaults = { 0 };
	const struct verify_opts *o = opts ? opts : &defaults;
	if (k < 2)
		k = 2;
	git_libgit2_init();
	size_t ntools = 0, njobs = 0;
	struct S_tool *tools = S_probe_tools(v, n, &ntools, d);
	struct S_job *jobs = S_make_jobs(v, n, o, tools, ntools, 1, &njobs, d, &st);
	struct S_pool p = { .jobs = jobs, .n = njobs, .opts = o, .stress_k = k };
	pthread_mutex_init(&p.mu, NULL);
	S_run_pool(&p);
	pthread_mutex_destroy(&p.mu);
	int flaky = 0;
	for (size_t i = 0; i < njobs; i++) {
		if (jobs[i].infra_error)
			diag_add(d, DIAG_ERROR, jobs[i].s->entry_path, jobs[i].s->line, 0,
				 "snippet could not be run: %s", jobs[i].infra_error);
		if (!jobs[i].flaky)
			continue;
		flaky++;
		char *text = S_diag_text(jobs[i].stress_msg);
		diag_add(d, DIAG_ERROR, jobs[i].s->entry_path, jobs[i].s->line, 0,
			 "%s", text);
		free(text);
	}
	S_free_jobs(jobs, njobs);
	S_free_tools(tools, ntools);
	git_libgit2_shutdown();
	return flaky;
}

/* ---- record ---- */

struct S_line {
	const char *p;
	size_t n;        /* with its '\n' */
};

static size_t S_split_file(const char *text, size_t len, struct S_line **out)
{
	size_t n = 0, cap = 0;
	struct S_line *v = NULL;
	for (size_t i = 0; i < len;) {
		const char *e = memchr(text + i, '\n', len - i);
		size_t l = e ? (size_t)(e - (text + i)) + 1 : len - i;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n++] = (struct S_line){ text + i, l };
		i += l;
	}
	*out = v;
	return n;
}

/* A ```output block with content, indented like the line `like`. */
static void S_put_block(struct buf *b, const struct S_line *like, const char *content)
{
	size_t ind = 0;
	while (like && ind < like->n && like->p[ind] == ' ')
		ind++;
	char fch = like && ind < like->n && like->p[ind] == '~' ? '~' : '`';
	size_t flen = 0;
	while (like && ind + flen < like->n && like->p[ind + flen] == fch)
		flen++;
	if (flen < 3)
		flen = 3;
	/* a longer fence when the content has a fence-like line */
	for (const char *p = content; *p;) {
		const char *q = p;
		while (*q == ' ')
			q++;
		size_t run = 0;
		while (q[run] == fch)
			run++;
		if (run >= flen)
			flen = run + 1;
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	char *fence = xmalloc(flen + 1);
	memset(fence, fch, flen);
	fence[flen] = '\0';
	buf_printf(b, "%*s%soutput\n", (int)ind, "", fence);
	for (const char *p = content; *p;) {
		size_t l = strcspn(p, "\n");
		buf_printf(b, "%*s%.*s\n", l ? (int)ind : 0, "", (int)l, p);
		p += l;
		if (*p)
			p++;
	}
	buf_printf(b, "%*s%s\n", (int)ind, "", fence);
	free(fence);
}

static int S_by_file_line_desc(const void *pa, const void *pb)
{
	const struct snippet *a = *(struct snippet *const *)pa;
	const struct snippet *b = *(struct snippet *const *)pb;
	int c = strcmp(a->entry_path, b->entry_path);
	if (c)
		return c;
	return a->line < b->line ? 1 : a->line > b->line ? -1 : 0;
}

/* Rewrites entry file path with the snippets v[0..n) (sorted bottom-up). */
static int S_record_entry(const char *path, struct snippet **v, size_t n,
			  struct diags *d)
{
	char *text = NULL;
	size_t len = 0;
	if (read_file(path, &text, &len) < 0) {
		diag_add(d, DIAG_ERROR, path, 0, 0, "cannot read: %s", strerror(errno));
		return -1;
	}
	struct S_line *lines;
	size_t nl = S_split_file(text, len, &lines);
	/* Each snippet replaces [from, to) of the original lines; bottom-up. */
	struct buf out = BUF_INIT;
	size_t upto = nl; /* lines [upto, nl) are already emitted, reversed */
	struct buf *parts = xcalloc(2 * n + 1, sizeof(*parts));
	size_t np = 0;
	for (size_t i = 0; i < n; i++) {
		struct snippet *s = v[i];
		const char *act = s->runs[0].out;
		size_t from, to;
		const struct S_line *like;
		if (s->output_line > 0) {
			from = (size_t)s->output_line - 1;
			to = (size_t)s->output_end_line < nl ? (size_t)s->output_end_line : nl;
			like = from < nl ? &lines[from] : NULL;
		} else {
			from = to = (size_t)s->end_line < nl ? (size_t)s->end_line : nl;
			like = s->line >= 1 && (size_t)s->line <= nl ? &lines[s->line - 1] : NULL;
		}
		if (to > upto)
			continue; /* overlapping records: keep the lower one */
		buf_init(&parts[np]);
		for (size_t k = to; k < upto; k++)
			buf_put(&parts[np], lines[k].p, lines[k].n);
		np++;
		buf_init(&parts[np]);
		if (from == to && from > 0 && lines[from - 1].p[lines[from - 1].n - 1] != '\n')
			buf_putc(&parts[np], '\n');
		S_put_block(&parts[np], like, act);
		np++;
		upto = from;
	}
	for (size_t k = 0; k < upto; k++)
		buf_put(&out, lines[k].p, lines[k].n);
	while (np--) {
		buf_put(&out, parts[np].data, parts[np].len);
		buf_release(&parts[np]);
	}
	free(parts);
	int rc = 0;
	if (write_file(path, out.data, out.len) < 0) {
		diag_add(d, DIAG_ERROR, path, 0, 0, "cannot write: %s", strerror(errno));
		rc = -1;
	}
	buf_release(&out);
	free(lines);
	free(text);
	return rc;
}

int verify_record(struct snippet **v, size_t n, struct diags *d)
{
	struct snippet **inl = xcalloc(n ? n : 1, sizeof(*inl));
	size_t ni = 0;
	int count = 0, rc = 0;
	for (size_t i = 0; i < n; i++) {
		struct snippet *s = v[i];
		if (!s->needs_record || !s->nruns || !s->runs[0].out)
			continue;
		if (s->output_line > 0 || !s->sidecar) {
			inl[ni++] = s;
			continue;
		}
		const char *out = s->runs[0].out;
		if (write_file(s->sidecar, out, strlen(out)) < 0) {
			diag_add(d, DIAG_ERROR, s->sidecar, 0, 0, "cannot write: %s",
				 strerror(errno));
			rc = -1;
		} else {
			count++;
		}
	}
	qsort(inl, ni, sizeof(*inl), S_by_file_line_desc);
	for (size_t i = 0; i < ni;) {
		size_t j = i;
		while (j < ni && !strcmp(inl[j]->entry_path, inl[i]->entry_path))
			j++;
		if (S_record_entry(inl[i]->entry_path, inl + i, j - i, d) < 0)
			rc = -1;
		else
			count += (int)(j - i);
		i = j;
	}
	free(inl);
	return rc < 0 ? -1 : count;
}

/* ---- JUnit ---- */

/* XML-escaped text without the characters XML 1.0 forbids. */
static void S_put_xml(struct buf *b, const char *s)
{
	struct buf clean = BUF_INIT;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p >= 0x20 || *p == '\n' || *p == '\t' || *p == '\r')
			buf_putc(&clean, *p);
	buf_put_html(b, clean.data, clean.len);
	buf_release(&clean);
}

static double S_time(const struct snippet *s)
{
	double t = s->compile_step.wall;
	for (size_t i = 0; i < s->nruns; i++)
		t += s->runs[i].wall;
	return t;
}

int verify_write_junit(struct snippet *const *v, size_t n, const char *path,
		       struct diags *d)
{
	size_t failures = 0, skipped = 0;
	double total = 0;
	for (size_t i = 0; i < n; i++) {
		failures += v[i]->status == SNIPPET_FAILED;
		skipped += v[i]->status != SNIPPET_FAILED && v[i]->status != SNIPPET_PASSED;
		total += S_time(v[i]);
	}
	struct buf b = BUF_INIT;
	buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
	buf_printf(&b, "<testsuite name=\"snippets\" tests=\"%zu\" failures=\"%zu\" "
		   "errors=\"0\" skipped=\"%zu\" time=\"%.3f\">\n", n, failures,
		   skipped, total);
	for (size_t i = 0; i < n; i++) {
		const struct snippet *s = v[i];
		char *cls = xstrdup(s->entry_path);
		char *dot = strrchr(cls, '.');
		if (dot && !strcmp(dot, ".md"))
			*dot = '\0';
		for (char *c = cls; *c; c++)
			if (*c == '/')
				*c = '.';
		char *name = xasprintf("%s:%d (%s)", s->entry_path, s->line, s->lang);
		buf_puts(&b, "  <testcase classname=\"");
		S_put_xml(&b, cls);
		buf_puts(&b, "\" name=\"");
		S_put_xml(&b, name);
		buf_printf(&b, "\" time=\"%.3f\"", S_time(s));
		const char *msg = s->failure ? s->failure : "";
		size_t head = strcspn(msg, "\n");
		char *first = xstrndup(msg, head);
		if (s->status == SNIPPET_FAILED) {
			buf_puts(&b, ">\n    <failure message=\"");
			S_put_xml(&b, first);
			buf_puts(&b, "\">");
			S_put_xml(&b, msg);
			buf_puts(&b, "</failure>\n  </testcase>\n");
		} else if (s->status != SNIPPET_PASSED) {
			const char *why = s->status == SNIPPET_SKIPPED ? first
					: s->why ? s->why : s->invalid ? "invalid attributes"
					: "not run";
			buf_puts(&b, ">\n    <skipped message=\"");
			S_put_xml(&b, why);
			buf_puts(&b, "\"/>\n  </testcase>\n");
		} else {
			buf_puts(&b, "/>\n");
		}
		free(first);
		free(name);
		free(cls);
	}
	buf_puts(&b, "</testsuite>\n</testsuites>\n");
	int rc = write_file(path, b.data, b.len);
	if (rc < 0)
		diag_add(d, DIAG_ERROR, path, 0, 0, "cannot write the JUnit report: %s",
			 strerror(errno));
	buf_release(&b);
	return rc < 0 ? -1 : 0;
}
