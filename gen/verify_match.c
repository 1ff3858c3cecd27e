/*
 * verify_match.c - comparing a snippet's output with its expectation:
 * the canonical lines (trailing whitespace and blank lines dropped), the
 * unified diff shown in failures, normalize= rewrites, and the five
 * expect= modes. Pure functions of text; nothing here runs a process.
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
#include <regex.h>

#define S_DIFF_MAX_LINES 200 /* lines of diff shown in a failure */

/* ---- text helpers ---- */

/* Splits text into lines without their '\n', trailing whitespace removed
 * from each, trailing blank lines dropped. */
void match_canon_lines(const char *text, struct strlist *out)
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

char *match_join_lines(const struct strlist *l)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < l->n; i++) {
		buf_puts(&b, l->items[i]);
		buf_putc(&b, '\n');
	}
	return buf_detach(&b);
}

/* Appends text with every line prefixed by `prefix`. */
void match_put_indented(struct buf *b, const char *text, const char *prefix)
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
const char *match_tail(const char *text, size_t len, int max)
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
	match_canon_lines(expected, &a);
	match_canon_lines(actual, &b);
	char *d = S_diff_lines(&a, &b);
	strlist_release(&a);
	strlist_release(&b);
	return d;
}

/* Appends a diff, cut at S_DIFF_MAX_LINES lines. */
void match_put_diff(struct buf *b, const char *diff, const char *prefix)
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

const char *const match_expect_word[] = {
	"exact", "sorted", "contains", "regex", "any"
};

int match_cmp_str(const void *a, const void *b)
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
	match_canon_lines(exp, &a);
	match_canon_lines(act, &b);
	int sorted = s->expect == SNIPPET_EXPECT_SORTED;
	if (sorted) {
		if (a.n > 1)
			qsort(a.items, a.n, sizeof(char *), match_cmp_str);
		if (b.n > 1)
			qsort(b.items, b.n, sizeof(char *), match_cmp_str);
	}
	int ok = S_lists_equal(&a, &b);
	if (!ok && why) {
		buf_printf(why, "output differs from the expected output (expect=%s%s)\n",
			   match_expect_word[s->expect],
			   sorted ? ", lines compared sorted" : "");
		char *d = S_diff_lines(&a, &b);
		match_put_diff(why, d, "");
		free(d);
	}
	strlist_release(&a);
	strlist_release(&b);
	return ok;
}

/* The expected and actual texts with canonical lines joined, for the
 * matches that look inside the output; the expected text without its last
 * newline (its last line may end mid-line). Caller frees both. */
static void S_canon_texts(const char *exp, const char *act, char **e, char **a)
{
	struct strlist le = STRLIST_INIT, la = STRLIST_INIT;
	match_canon_lines(exp, &le);
	match_canon_lines(act, &la);
	*e = match_join_lines(&le);
	*a = match_join_lines(&la);
	if (le.n)
		(*e)[strlen(*e) - 1] = '\0';
	strlist_release(&le);
	strlist_release(&la);
}

/* head (which names the expected text), the expected text and the actual
 * output, both indented. */
static void S_put_mismatch(struct buf *why, const char *head, const char *exp,
			   const char *act)
{
	buf_puts(why, head);
	match_put_indented(why, exp, "  ");
	buf_puts(why, "actual output:\n");
	match_put_indented(why, act, "  ");
}

static int S_match_contains(const char *exp, const char *act, struct buf *why)
{
	char *ea, *eb;
	S_canon_texts(exp, act, &ea, &eb);
	int ok = strstr(eb, ea) != NULL;
	if (!ok && why) {
		S_put_mismatch(why, "output does not contain the expected text "
			       "(expect=contains)\nexpected text:\n", ea, eb);
	}
	free(ea);
	free(eb);
	return ok;
}

static int S_match_regex(const char *exp, const char *act, struct buf *why)
{
	char *pat, *text;
	S_canon_texts(exp, act, &pat, &text);
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
			S_put_mismatch(why, "output does not match the regular expression "
				       "(expect=regex)\nregex:\n", pat, text);
		}
	}
	free(pat);
	free(text);
	return ok;
}

int match_expected(const struct snippet *s, const char *expected,
		   const char *actual, struct buf *why)
{
	if (s->expect == SNIPPET_EXPECT_ANY)
		return 1;
	if (!expected) {
		if (why) {
			buf_puts(why, "no expected output: add an ```output block after "
				 "the code (or a sidecar .out file), or use expect=any; "
				 "`kb check --record` fills it in\nactual output:\n");
			match_put_indented(why, actual, "  ");
		}
		return 0;
	}
	char *exp = verify_normalize(expected, s->normalize);
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
	int ok = match_expected(s, s->expected, actual ? actual : "", why ? &b : NULL);
	if (why)
		*why = ok ? NULL : buf_detach(&b);
	buf_release(&b);
	return ok;
}
