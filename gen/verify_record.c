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
