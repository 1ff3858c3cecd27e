/*
 * enrich.h - stage 3: cross-links. Resolves see_also ids, fills each
 * entry's backlinks ("referenced by": entries that link to it or list it
 * in see_also), groups entries by tag, finds the synonyms the in-page
 * search should know each entry by, and merges what git knows of each
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

struct config;

/* Sets e->search_terms of every entry: for each group of kb.lua's synonyms
 * that its title, summary, tags or answers mention (as whole words,
 * ignoring case), the group's other words, space separated; NULL when
 * none. Pagefind has no synonyms of its own, so the entry page carries
 * them (hidden), as `kb search` expands them in the query. */
void enrich_search_terms(struct site *s, const struct config *cfg);

struct history;

/* Fills e->hist of every entry from h (history_load()): its own file's
 * first and last change, commits and contributors, together with those
 * of the snippet files it includes. h stays the caller's. */
void enrich_history(struct site *s, const struct history *h);

#endif
