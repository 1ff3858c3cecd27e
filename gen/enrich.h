/*
 * enrich.h - stage 3: cross-links. Resolves see_also ids, fills each
 * entry's backlinks ("referenced by": entries that link to it or list it
 * in see_also), groups entries by tag, and merges what git knows of each
 * entry's files (history.c reads it) into the entry.
 */
#ifndef KB_ENRICH_H
#define KB_ENRICH_H

#include "load.h"

struct tag {
	char *name;
	char *url;               /* "tags/gil.html" */
	struct entry **entries;  /* sorted by title */
	size_t n;
};

struct tags {
	struct tag *items;       /* sorted by name */
	size_t n;
};

/* Fills e->see and e->backlinks for every entry, and *tags (release with
 * tags_release()), each in title order: s comes from load_site(), which
 * ranks the titles (entry.title_rank). An unknown see_also id is an
 * error at its line. */
void enrich_site(struct site *s, struct tags *tags, struct diags *d);
void tags_release(struct tags *tags);

struct history;

/* Fills e->hist of every entry from h (history_load()): its own file's
 * first and last change, commits and contributors, together with those
 * of the snippet files it includes. h stays the caller's. */
void enrich_history(struct site *s, const struct history *h);

#endif
