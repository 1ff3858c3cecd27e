/*
 * search_int.h - what search_index.c (the writer) and search.c (the query
 * and `kb search`) share: the index format number and FTS5's unicode61
 * tokenizer, borrowed so that the words kb cuts out of a query are exactly
 * the index's tokens. Internal to the search module; see search.h for the
 * file format and the query rules.
 */
#ifndef KB_SEARCH_INT_H
#define KB_SEARCH_INT_H

#include "search.h"

#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>

struct buf;

/* Bump when the schema changes; readers refuse other formats. */
#define SEARCH_FORMAT "4"

/* The tokenizer FTS5 itself uses (without the Porter stemmer), so that the
 * words kb cuts out of a query are exactly the index's tokens. */
struct search_tokenizer {
	fts5_tokenizer api;
	void *ud;              /* the tokenizer module's user data */
	Fts5Tokenizer *handle; /* NULL when not created */
};

typedef int (*search_token_fn)(void *ctx, int tflags, const char *tok, int ntok,
			  int start, int end);

/* The FTS5 API of db, or NULL (FTS5 missing or older than version 2). */
fts5_api *search_fts5_api(sqlite3 *db);

/* Creates the unicode61 tokenizer (remove_diacritics 2) of db in *t.
 * Returns 0, or -1 with t->handle NULL. Release with
 * search_tokenizer_close(), which is safe after a failed open. */
int search_tokenizer_open(struct search_tokenizer *t, sqlite3 *db);
void search_tokenizer_close(struct search_tokenizer *t);

/* Runs the tokenizer over text[0..len) (flags: FTS5_TOKENIZE_*), calling
 * fn(ctx, ...) for each token. Returns 0 or -1. */
int search_tokenize(struct search_tokenizer *t, const char *text, size_t len,
		    int flags, void *ctx, search_token_fn fn);

/* Token callback: appends each token to the struct buf ctx, space
 * separated. */
int search_token_join(void *ctx, int tflags, const char *tok, int ntok,
		      int start, int end);

/* Appends s[0..n) with every invalid UTF-8 sequence replaced by U+FFFD. */
void search_put_utf8(struct buf *b, const char *s, size_t n);

/* Makes kb_rank() (BM25F, search_rank.c) available to queries on db.
 * Returns 0 or -1. */
int search_register_rank(sqlite3 *db);

/* ---- results (search.c finds them, search_output.c prints them) ---- */

/* Snippet markers: control characters never stored in the index (the
 * writer turns control characters into spaces). */
#define SEARCH_HL_ON '\001'
#define SEARCH_HL_OFF '\002'
/* Text output is wrapped to this many columns. */
#define SEARCH_WRAP 78

/* kb_rank(docs, GROUPS) scores a page SEARCH_COVER times the number of the
 * query's words it matches, plus its BM25F score (which stays far below
 * SEARCH_COVER), so that a page with more of the words ranks first. */
#define SEARCH_COVER 1000.0

/* One result; every string is owned by the hit (NULL when empty). */
struct search_hit {
	char *title, *section, *summary, *snippet, *path, *url, *tags,
		*languages, *verified;
	double score;
};

struct search_hits {
	struct search_hit *items;
	size_t n;
};

/* Prints one hit as text (color: with ANSI colours), naming the page's
 * file beside index_path. */
void search_print_hit(FILE *out, const struct search_hit *h, int color,
		      const char *index_path);
/* Prints hits as one JSON array. */
void search_print_json(FILE *out, const struct search_hits *hits);
/* Writes s to out, control characters as spaces, invalid UTF-8 as U+FFFD. */
void search_put_text(FILE *out, const char *s);

#endif
