/*
 * search_output.c - how `kb search` prints its results: word-wrapped text
 * with optional colour, or JSON for scripts.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "search_int.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- output ---- */

#define S_ANSI_TITLE "\033[1m"
#define S_ANSI_SECTION "\033[36m"
#define S_ANSI_MATCH "\033[1;31m"
#define S_ANSI_DIM "\033[2m"
#define S_ANSI_RESET "\033[0m"

/* Writes s word-wrapped to width columns, each line indented by two
 * spaces. White space and control characters become single spaces;
 * SEARCH_HL_ON/SEARCH_HL_OFF become colour codes (or nothing without colour). */
static void S_put_wrapped(FILE *out, const char *s, int color)
{
	struct buf clean = BUF_INIT;
	const char *p;
	size_t col = 2;
	int in_hl = 0;

	search_put_utf8(&clean, s, strlen(s));
	p = clean.data;
	fputs("  ", out);
	while (*p) {
		size_t len = 0, width = 0;
		while (*p && ((unsigned char)*p <= ' ' || *p == 0x7f) &&
		       *p != SEARCH_HL_ON && *p != SEARCH_HL_OFF)
			p++;
		if (!*p)
			break;
		while (p[len] && ((unsigned char)p[len] > ' ' ||
				  p[len] == SEARCH_HL_ON || p[len] == SEARCH_HL_OFF) &&
		       p[len] != 0x7f) {
			unsigned char c = (unsigned char)p[len];
			if (c != SEARCH_HL_ON && c != SEARCH_HL_OFF && (c & 0xc0) != 0x80)
				width++;
			len++;
		}
		if (col > 2 && col + 1 + width > SEARCH_WRAP) {
			if (in_hl && color)
				fputs(S_ANSI_RESET, out);
			fputs("\n  ", out);
			if (in_hl && color)
				fputs(S_ANSI_MATCH, out);
			col = 2;
		} else if (col > 2) {
			fputc(' ', out);
			col++;
		}
		for (size_t i = 0; i < len; i++) {
			if (p[i] == SEARCH_HL_ON || p[i] == SEARCH_HL_OFF) {
				in_hl = p[i] == SEARCH_HL_ON;
				if (color)
					fputs(in_hl ? S_ANSI_MATCH
						    : S_ANSI_RESET, out);
			} else {
				fputc(p[i], out);
			}
		}
		col += width;
		p += len;
	}
	if (in_hl && color)
		fputs(S_ANSI_RESET, out);
	fputc('\n', out);
	buf_release(&clean);
}

/* Where the page is on disk: the URL under the index's directory. */
static char *S_page_file(const char *index_path, const char *url)
{
	char *dir = path_dirname(index_path);
	char *file = !strcmp(dir, ".") || !*dir ? xstrdup(url)
						: path_join(dir, url);
	free(dir);
	if (!strncmp(file, "./", 2))
		memmove(file, file + 2, strlen(file + 2) + 1);
	return file;
}

/* Writes one string sanitised for a terminal (valid UTF-8, no control
 * characters). */
void search_put_text(FILE *out, const char *s)
{
	struct buf b = BUF_INIT;
	search_put_utf8(&b, s ? s : "", s ? strlen(s) : 0);
	for (size_t i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] < 0x20 || b.data[i] == 0x7f)
			b.data[i] = ' ';
	fputs(b.data, out);
	buf_release(&b);
}

void search_print_hit(FILE *out, const struct search_hit *h, int color,
			const char *index_path)
{
	char *file = S_page_file(index_path, h->url ? h->url : "");
	if (color)
		fputs(S_ANSI_TITLE, out);
	search_put_text(out, h->title);
	if (color)
		fputs(S_ANSI_RESET, out);
	if (h->section && *h->section) {
		fputs("  ", out);
		if (color)
			fputs(S_ANSI_SECTION, out);
		fputc('[', out);
		search_put_text(out, h->section);
		fputc(']', out);
		if (color)
			fputs(S_ANSI_RESET, out);
	}
	fputc('\n', out);
	if (h->summary && *h->summary)
		S_put_wrapped(out, h->summary, color);
	if (h->snippet && *h->snippet)
		S_put_wrapped(out, h->snippet, color);
	fputs("  ", out);
	if (color)
		fputs(S_ANSI_DIM, out);
	search_put_text(out, h->path);
	/* Source and page on one line when they fit in 80 columns. */
	if (2 + strlen(h->path ? h->path : "") + 3 + strlen(file) <= SEARCH_WRAP)
		fputs(" · ", out);
	else
		fputs("\n  ", out);
	search_put_text(out, file);
	if (color)
		fputs(S_ANSI_RESET, out);
	fputc('\n', out);
	free(file);
}

/* Appends s as a JSON string: valid UTF-8, control characters escaped,
 * snippet markers dropped. */
static void S_json_str(struct buf *b, const char *s)
{
	struct buf u = BUF_INIT;
	search_put_utf8(&u, s ? s : "", s ? strlen(s) : 0);
	buf_putc(b, '"');
	for (size_t i = 0; i < u.len; i++) {
		unsigned char c = (unsigned char)u.data[i];
		if (c == SEARCH_HL_ON || c == SEARCH_HL_OFF)
			continue;
		if (c == '"' || c == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, c);
		} else if (c == '\n') {
			buf_puts(b, "\\n");
		} else if (c == '\t') {
			buf_puts(b, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			buf_printf(b, "\\u%04x", c);
		} else {
			buf_putc(b, c);
		}
	}
	buf_putc(b, '"');
	buf_release(&u);
}

/* A ", "-separated list as a JSON array of strings. */
static void S_json_list(struct buf *b, const char *s)
{
	buf_putc(b, '[');
	for (int first = 1; s && *s; first = 0) {
		size_t n = strcspn(s, ",");
		char *w = xstrndup(s, n);
		if (!first)
			buf_puts(b, ", ");
		S_json_str(b, w);
		free(w);
		s += n;
		s += strspn(s, ", ");
	}
	buf_putc(b, ']');
}

/* A space-separated list as a JSON array of strings. */
static void S_json_words(struct buf *b, const char *s)
{
	int first = 1;
	buf_putc(b, '[');
	while (s && *s) {
		size_t n = 0;
		char *w;
		while (*s == ' ')
			s++;
		while (s[n] && s[n] != ' ')
			n++;
		if (!n)
			break;
		w = xstrndup(s, n);
		if (!first)
			buf_puts(b, ", ");
		S_json_str(b, w);
		free(w);
		first = 0;
		s += n;
	}
	buf_putc(b, ']');
}

/* The highlighted parts of a snippet as a JSON array of strings. */
static void S_json_highlights(struct buf *b, const char *snippet)
{
	const char *p = snippet ? snippet : "";
	int first = 1;
	buf_putc(b, '[');
	while ((p = strchr(p, SEARCH_HL_ON))) {
		const char *end = strchr(++p, SEARCH_HL_OFF);
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char *w = xstrndup(p, n);
		if (!first)
			buf_puts(b, ", ");
		S_json_str(b, w);
		free(w);
		first = 0;
		p += n;
	}
	buf_putc(b, ']');
}

/* ", \"score\": N" with a '.' whatever the locale's decimal point. */
static void S_json_number(struct buf *b, double v)
{
	char num[64];
	snprintf(num, sizeof(num), "%.4f", v);
	for (char *c = num; *c; c++)
		if (*c == ',')
			*c = '.';
	buf_printf(b, ", \"score\": %s", num);
}

void search_print_json(FILE *out, const struct search_hits *hits)
{
	struct buf b = BUF_INIT;
	buf_putc(&b, '[');
	for (size_t i = 0; i < hits->n; i++) {
		const struct search_hit *h = &hits->items[i];
		buf_puts(&b, i ? ",\n  {" : "\n  {");
		buf_puts(&b, "\"title\": ");
		S_json_str(&b, h->title);
		buf_puts(&b, ", \"section\": ");
		S_json_str(&b, h->section);
		buf_puts(&b, ", \"summary\": ");
		S_json_str(&b, h->summary);
		buf_puts(&b, ", \"snippet\": ");
		S_json_str(&b, h->snippet);
		buf_puts(&b, ", \"highlights\": ");
		S_json_highlights(&b, h->snippet);
		buf_puts(&b, ", \"tags\": ");
		S_json_words(&b, h->tags);
		buf_puts(&b, ", \"languages\": ");
		S_json_words(&b, h->languages);
		buf_puts(&b, ", \"verified_on\": ");
		S_json_list(&b, h->verified);
		buf_puts(&b, ", \"path\": ");
		S_json_str(&b, h->path);
		buf_puts(&b, ", \"url\": ");
		S_json_str(&b, h->url);
		S_json_number(&b, h->score);
		buf_putc(&b, '}');
	}
	buf_puts(&b, hits->n ? "\n]\n" : "]\n");
	fputs(b.data, out);
	buf_release(&b);
}
