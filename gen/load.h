/*
 * load.h - stage 1: walk content/, read every entry, parse and validate its
 * YAML front matter (libyaml).
 *
 * An entry is content/<section>/<slug>.md. Its id is the slug unless the
 * front matter gives `id`; ids are unique across the site. Which keys a
 * section takes is declared in load.c's schema table; unknown keys are
 * errors with a "did you mean" when one is close.
 */
#ifndef KB_LOAD_H
#define KB_LOAD_H

#include <time.h>

#include "util.h"

struct markdown_doc;

/* A key/value pair of section-specific front matter, in schema order. */
struct field {
	const char *key;   /* static: from the schema table */
	char *value;       /* scalar value, or NULL for lists */
	struct strlist list;
	int line;          /* where the value is, 1-based in the file */
};

/* What git knows about an entry: its own file and the snippet files it
 * includes, together. */
struct entry_history {
	int known;             /* 0: no git data for this entry */
	int uncommitted;       /* the entry file is not in HEAD yet */
	long long first, last; /* unix seconds, 0 when unknown */
	unsigned commits;
	struct strlist contributors; /* most active first */
};

struct entry {
	/* load */
	char *path;        /* "content/topics/gil.md" */
	char *section;     /* "topics" */
	char *id;          /* "gil" */
	char *title;
	char *summary;
	char *checked;          /* checked: "YYYY-MM-DD", the day a person last
				  * verified the facts against sources; or NULL */
	struct strlist tags;
	struct strlist languages;
	struct strlist see_also;
	int see_also_line;
	struct strlist answers; /* answers: the questions the entry answers, in
				 * a learner's words; indexed for search */
	struct field *fields;  /* section keys (url, year, facets ...) */
	size_t nfields;
	char *text;        /* the whole file */
	const char *body;  /* points into text, after the front matter */
	int body_line;     /* file line of the body's first line */
	char *url;         /* "topics/gil.html", relative to the site root */
	size_t index;      /* position in site->entries */
	size_t title_rank; /* position in the order of titles (case folded,
			    * then ids), set by load_site(): lists sort on it */

	/* parse: owned by whoever called markdown_parse(), which sets it;
	 * freed with markdown_entry_release(), not by entry_free(). NULL
	 * until the entry is parsed. */
	struct markdown_doc *md;

	/* enrich */
	struct entry **links;   /* distinct entries this one links to */
	size_t nlinks;
	struct entry **backlinks;
	size_t nbacklinks;
	struct entry **see;     /* see_also resolved */
	size_t nsee;
	struct entry_history hist;  /* the entry's file and its snippet files */
	struct entry *prev, *next; /* within the section, by title */
	char *search_terms;     /* enrich_search_terms(); or NULL */
};

struct section {
	char *name;              /* "topics" */
	const char *title;       /* "Topics" */
	struct entry **entries;  /* sorted by title */
	size_t n;
};

struct site {
	struct entry **entries;  /* sorted by path; owned */
	size_t n;
	struct entry **byid;     /* the same, sorted by id */
	struct section *sections;  /* in schema order, only non-empty ones */
	size_t nsections;
};

/* Title of a known section ("Topics"), or NULL when it is unknown. */
const char *load_section_title(const char *name);
/* The i-th facet of the comparison matrix (a key of language entries) and
 * its label, or NULL past the last one. Static strings. */
const char *load_facet(size_t i, const char **label);
/* Field value of an entry, or NULL. */
const struct field *entry_field(const struct entry *e, const char *key);

/* 1 if s is a real date "YYYY-MM-DD" no later than now (or than
 * SOURCE_DATE_EPOCH when set), else 0. */
int load_valid_date(const char *s, time_t now);
/* Entry by id, or NULL. */
struct entry *site_find(const struct site *s, const char *id);
/* Entry by source path ("content/topics/gil.md"), or NULL. */
struct entry *site_find_path(const struct site *s, const char *path);

/*
 * Reads every entry under dir (normally "content") on `jobs` threads,
 * adding diagnostics for
 * each problem found; entries with errors are still kept when they have a
 * usable id, so later stages can report more. Returns 0, or -1 when dir
 * cannot be read at all. Release with site_release().
 */
int load_site(struct site *s, const char *dir, int jobs, struct diags *d);

/* Parses one entry from memory (exposed for tests). Takes ownership of
 * text. Returns NULL when the entry cannot be used at all. */
struct entry *load_entry(const char *path, char *text, struct diags *d);
/* Free what load made: entry_free() the entry (but not e->md, see
 * above), site_release() every entry, the indexes and the sections. */
void entry_free(struct entry *e);
void site_release(struct site *s);

#endif
