/*
 * annotate.c - diagnostics as GitHub workflow commands or a GitLab Code
 * Quality report (see annotate.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "annotate.h"

int annotate_parse(const char *name)
{
	if (!strcmp(name, "text"))
		return ANNOTATE_TEXT;
	if (!strcmp(name, "github"))
		return ANNOTATE_GITHUB;
	if (!strcmp(name, "gitlab"))
		return ANNOTATE_GITLAB;
	return -1;
}

/* GitHub's escaping of a command's data; `property` adds ',' and ':'. */
static void S_gh_escape(struct buf *b, const char *s, int property)
{
	for (; *s; s++) {
		switch (*s) {
		case '%': buf_puts(b, "%25"); break;
		case '\r': buf_puts(b, "%0D"); break;
		case '\n': buf_puts(b, "%0A"); break;
		case ',': property ? buf_puts(b, "%2C") : buf_putc(b, ','); break;
		case ':': property ? buf_puts(b, "%3A") : buf_putc(b, ':'); break;
		default: buf_putc(b, *s);
		}
	}
}

static void S_github(const struct diag *g, struct buf *b)
{
	static const char *const cmd[] = { "error", "warning", "notice" };
	buf_printf(b, "::%s", cmd[g->level]);
	if (g->file) {
		buf_puts(b, " file=");
		S_gh_escape(b, g->file, 1);
		if (g->line > 0)
			buf_printf(b, ",line=%d", g->line);
		if (g->col > 0)
			buf_printf(b, ",col=%d", g->col);
	}
	buf_puts(b, "::");
	S_gh_escape(b, g->msg, 0);
	buf_putc(b, '\n');
}

/* FNV-1a, 64 bits: a stable fingerprint, not a security measure. */
static uint64_t S_fnv(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void S_gitlab(const struct diag *g, struct buf *b, int *first)
{
	static const char *const severity[] = { "major", "minor", "info" };
	if (!g->file)
		return;
	char line[16];
	snprintf(line, sizeof(line), "%d", g->line);
	uint64_t h = S_fnv(S_fnv(S_fnv(0xcbf29ce484222325ULL, g->file), line), g->msg);
	buf_puts(b, *first ? "\n  " : ",\n  ");
	*first = 0;
	buf_puts(b, "{\"description\": ");
	buf_put_json(b, g->msg);
	buf_printf(b, ", \"check_name\": \"kb\", \"fingerprint\": \"%016llx\", "
		      "\"severity\": \"%s\", \"location\": {\"path\": ",
		   (unsigned long long)h, severity[g->level]);
	buf_put_json(b, g->file);
	buf_printf(b, ", \"lines\": {\"begin\": %d}}}", g->line > 0 ? g->line : 1);
}

void annotate_write(struct diags *d, enum annotate_format f, struct buf *out)
{
	diag_sort(d);
	int first = 1;
	if (f == ANNOTATE_GITLAB)
		buf_putc(out, '[');
	for (size_t i = 0; i < d->n; i++) {
		const struct diag *g = &d->items[i];
		if (f == ANNOTATE_GITHUB) {
			S_github(g, out);
		} else if (f == ANNOTATE_GITLAB) {
			S_gitlab(g, out, &first);
		} else {
			char *s = diag_format(g);
			buf_puts(out, s);
			buf_putc(out, '\n');
			free(s);
		}
	}
	if (f == ANNOTATE_GITLAB)
		buf_puts(out, first ? "]\n" : "\n]\n");
}

void annotate_print(struct diags *d, enum annotate_format f, FILE *stream)
{
	struct buf b = BUF_INIT;
	annotate_write(d, f, &b);
	fwrite(b.data, 1, b.len, stream);
	buf_release(&b);
}
