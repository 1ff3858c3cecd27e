/*
 * search_fts.c - the pieces of SQLite FTS5 that both the index writer
 * (search_index.c) and the query side (search.c) use: the FTS5 API handle
 * and FTS5's own unicode61 tokenizer, and UTF-8 cleaning. See
 * search_int.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "search_int.h"
#include "util.h"

#include <limits.h>
#include <string.h>

fts5_api *search_fts5_api(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) !=
	    SQLITE_OK)
		return NULL;
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	return api && api->iVersion >= 2 ? api : NULL;
}

int search_tokenizer_open(struct search_tokenizer *t, sqlite3 *db)
{
	const char *args[] = { "remove_diacritics", "2" };
	void *ud = NULL;
	fts5_api *api = search_fts5_api(db);
	t->handle = NULL;
	if (!api || api->xFindTokenizer(api, "unicode61", &ud, &t->api) !=
			    SQLITE_OK)
		return -1;
	t->ud = ud;
	if (t->api.xCreate(ud, args, 2, &t->handle) != SQLITE_OK) {
		t->handle = NULL;
		return -1;
	}
	return 0;
}

void search_tokenizer_close(struct search_tokenizer *t)
{
	if (t->handle)
		t->api.xDelete(t->handle);
	t->handle = NULL;
}

int search_tokenize(struct search_tokenizer *t, const char *text, size_t len,
		      int flags, void *ctx, search_token_fn fn)
{
	if (len > INT_MAX)
		len = INT_MAX;
	return t->api.xTokenize(t->handle, ctx, flags, text, (int)len, fn) ==
			       SQLITE_OK ? 0 : -1;
}

/* Callback: appends each token to a struct buf, space separated. */
int search_token_join(void *ctx, int tflags, const char *tok, int ntok,
			int start, int end)
{
	struct buf *b = ctx;
	(void)tflags, (void)start, (void)end;
	if (b->len)
		buf_putc(b, ' ');
	buf_put(b, tok, (size_t)ntok);
	return SQLITE_OK;
}

/* ---- UTF-8 ---- */


/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t S_utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned min, cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, min = 0x80, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, min = 0x800, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, min = 0x10000, cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Appends s with every invalid UTF-8 sequence replaced by U+FFFD. */
void search_put_utf8(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		size_t l = S_utf8_len(p + i, n - i);
		if (l) {
			buf_put(b, p + i, l);
			i += l;
		} else {
			buf_puts(b, "\xef\xbf\xbd");
			i++;
		}
	}
}
