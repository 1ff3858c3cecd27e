/*
 * verify_record.c - `kb check --record`: writing actual output back into
 * the ```output blocks of entries and into sidecar files. See verify.h.
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

/* A ```output block (info "output" or "output python==3.14") with
 * content, indented like the line `like`. */
static void S_put_block(struct buf *b, const struct S_line *like, const char *info,
			const char *content)
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
	buf_printf(b, "%*s%s%s\n", (int)ind, "", fence, info);
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

/* One change to an entry: lines [from, to) (0-based) become a block. */
struct S_edit {
	size_t from, to;
	size_t like;            /* line whose indentation and fence it takes */
	char *info;             /* "output" or "output python==3.14" */
	const char *content;
	int order;              /* keeps insertions at one place in order */
};

struct S_edits {
	struct S_edit *v;
	size_t n, cap;
	int order;
};

static void S_edit_add(struct S_edits *e, size_t from, size_t to, size_t like,
		       char *info, const char *content)
{
	if (e->n == e->cap)
		e->v = xrealloc(e->v, (e->cap = e->cap ? e->cap * 2 : 8) * sizeof(*e->v));
	e->v[e->n++] = (struct S_edit){ from, to, like, info, content, e->order++ };
}

static int S_cmp_edit(const void *pa, const void *pb)
{
	const struct S_edit *a = pa, *b = pb;
	if (a->from != b->from)
		return a->from < b->from ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* "python==3.14" for a result on "Python 3.14.10", or NULL. */
static char *S_pin(const struct snippet *s, const struct snippet_result *r)
{
	const char *v = r->version ? strchr(r->version, ' ') : NULL;
	if (!v || !isdigit((unsigned char)v[1]))
		return NULL;
	v++;
	size_t n = strspn(v, "0123456789");
	if (v[n] == '.')
		n += 1 + strspn(v + n + 1, "0123456789");
	return xasprintf("%s==%.*s", s->lang, (int)n, v);
}

static const char *S_out(const struct snippet_result *r)
{
	return r->nruns && r->runs[0].out ? r->runs[0].out : NULL;
}

/*
 * The edits that record s: each block whose results need recording is
 * rewritten when no result that passed depends on it and its results
 * agree; otherwise the differing outputs get new blocks pinned to their
 * version (```output python==3.14) after the snippet's last output block.
 * A plain block kept in a sidecar is written there. Returns how many
 * blocks it wrote or added, -1 on an I/O error.
 */
static int S_record_snippet(struct snippet *s, size_t nl, struct S_edits *e,
			    struct diags *d)
{
	int count = 0, rc = 0;
	size_t last = (size_t)s->end_line; /* after the snippet's last block */
	if (s->output_line > 0 && (size_t)s->output_end_line > last)
		last = (size_t)s->output_end_line;
	for (size_t i = 0; i < s->noutputs; i++)
		if ((size_t)s->outputs[i].end_line > last)
			last = (size_t)s->outputs[i].end_line;
	if (last > nl)
		last = nl;
	size_t code_like = s->line >= 1 ? (size_t)s->line - 1 : 0;
	for (int b = -1; b < (int)s->noutputs; b++) {
		const char *rewrite = NULL;
		int kept = 0; /* a passed result compares with this block */
		for (size_t i = 0; i < s->nresults; i++) {
			const struct snippet_result *r = &s->results[i];
			if (r->block != b || !r->available)
				continue;
			if (!r->needs_record && r->status == SNIPPET_PASSED)
				kept = 1;
			else if (r->needs_record && S_out(r) && !rewrite)
				rewrite = S_out(r);
		}
		if (!rewrite)
			continue;
		if (kept)
			rewrite = NULL;
		for (size_t i = 0; i < s->nresults; i++) {
			const struct snippet_result *r = &s->results[i];
			if (r->block != b || !r->needs_record || !S_out(r))
				continue;
			if (rewrite && !strcmp(S_out(r), rewrite))
				continue;
			char *pin = S_pin(s, r);
			if (!pin) {
				if (!rewrite)
					rewrite = S_out(r);
				continue;
			}
			S_edit_add(e, last, last, code_like, xasprintf("output %s", pin), S_out(r));
			free(pin);
			count++;
		}
		if (!rewrite)
			continue;
		count++;
		if (b >= 0) {
			const struct snippet_output *o = &s->outputs[b];
			size_t from = (size_t)o->line - 1, to = (size_t)o->end_line;
			S_edit_add(e, from, to < nl ? to : nl, from,
				   xasprintf("output %s", o->when), rewrite);
		} else if (s->output_line > 0) {
			size_t from = (size_t)s->output_line - 1, to = (size_t)s->output_end_line;
			S_edit_add(e, from, to < nl ? to : nl, from, xstrdup("output"), rewrite);
		} else if (s->sidecar) {
			if (write_file(s->sidecar, rewrite, strlen(rewrite)) < 0) {
				diag_add(d, DIAG_ERROR, s->sidecar, 0, 0, "cannot write: %s",
					 strerror(errno));
				rc = -1;
			}
		} else {
			size_t at = (size_t)s->end_line < nl ? (size_t)s->end_line : nl;
			e->order -= 1000; /* before the pinned blocks at the same place */
			S_edit_add(e, at, at, code_like, xstrdup("output"), rewrite);
			e->order += 1000;
		}
	}
	return rc < 0 ? -1 : count;
}

/* Rewrites entry file path for the snippets v[0..n) that need it. */
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
	struct S_edits e = { 0 };
	int count = 0, rc = 0;
	for (size_t i = 0; i < n; i++) {
		int c = S_record_snippet(v[i], nl, &e, d);
		if (c < 0)
			rc = -1;
		else
			count += c;
	}
	qsort(e.v, e.n, sizeof(*e.v), S_cmp_edit);
	struct buf out = BUF_INIT;
	size_t pos = 0;
	for (size_t i = 0; i < e.n; i++) {
		const struct S_edit *x = &e.v[i];
		if (x->from < pos)
			continue; /* overlapping records: keep the first */
		for (; pos < x->from; pos++)
			buf_put(&out, lines[pos].p, lines[pos].n);
		if (out.len && out.data[out.len - 1] != '\n')
			buf_putc(&out, '\n');
		S_put_block(&out, x->like < nl ? &lines[x->like] : NULL, x->info, x->content);
		pos = x->to;
	}
	for (; pos < nl; pos++)
		buf_put(&out, lines[pos].p, lines[pos].n);
	if (e.n && write_file(path, out.data, out.len) < 0) {
		diag_add(d, DIAG_ERROR, path, 0, 0, "cannot write: %s", strerror(errno));
		rc = -1;
	}
	for (size_t i = 0; i < e.n; i++)
		free(e.v[i].info);
	free(e.v);
	buf_release(&out);
	free(lines);
	free(text);
	return rc < 0 ? -1 : count;
}

static int S_by_file_line(const void *pa, const void *pb)
{
	const struct snippet *a = *(struct snippet *const *)pa;
	const struct snippet *b = *(struct snippet *const *)pb;
	int c = strcmp(a->entry_path, b->entry_path);
	if (c)
		return c;
	return a->line < b->line ? -1 : a->line > b->line;
}

int verify_record(struct snippet **v, size_t n, struct diags *d)
{
	struct snippet **todo = xcalloc(n ? n : 1, sizeof(*todo));
	size_t nt = 0;
	int count = 0, rc = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i]->needs_record)
			todo[nt++] = v[i];
	qsort(todo, nt, sizeof(*todo), S_by_file_line);
	for (size_t i = 0; i < nt;) {
		size_t j = i;
		while (j < nt && !strcmp(todo[j]->entry_path, todo[i]->entry_path))
			j++;
		int c = S_record_entry(todo[i]->entry_path, todo + i, j - i, d);
		if (c < 0)
			rc = -1;
		else
			count += c;
		i = j;
	}
	free(todo);
	return rc < 0 ? -1 : count;
}
