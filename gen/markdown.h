/*
 * markdown.h - stage 2: parse entry bodies with cmark-gfm (tables,
 * footnotes, strikethrough, autolinks, task lists, tag filter), give
 * headings stable unique anchors, find code blocks and relative links,
 * and later render the body to HTML.
 *
 * The parse results live in struct markdown_doc, which markdown_parse()
 * hangs on e->md: the caller of markdown_parse() frees it with
 * markdown_entry_release() before entry_free() or site_release() (load.c
 * owns the entry and knows nothing of its parse).
 */
#ifndef KB_MARKDOWN_H
#define KB_MARKDOWN_H

#include "load.h"

struct config;
struct highlighter;
struct snippet;

struct heading {
	int level;
	char *text;        /* plain text */
	char *anchor;      /* unique within the page */
};

struct code_block {         /* a fenced code block of the body */
	char *lang;        /* "python", "go", "" when none */
	char *code;        /* its text (a snippet's file= source) */
	struct snippet *snippet; /* borrowed from entry->snippets, or NULL */
	char key[41];      /* highlight_key() of lang and code when the block
			    * is highlighted, else "" */
};

struct link_use {          /* a relative link to another entry */
	char *target;      /* "content/topics/gil.md", NULL: this page */
	char *href;        /* the link as written, without its anchor */
	char *anchor;      /* NULL when none */
	int line, col;
};

/* What markdown_parse() extracts from one body. Every pointer is owned by
 * the doc, but for code_block.snippet (borrowed from snippets). */
struct markdown_doc {
	struct heading *headings;
	size_t nheadings;
	struct snippet **snippets;
	size_t nsnippets;
	struct code_block *codes;  /* fenced blocks, in order */
	size_t ncodes;
	struct link_use *uses;     /* relative links to entries */
	size_t nuses;
	char *plain;           /* body as plain text, for search; the index
				* writer frees it once the entry is indexed */
	char *html;            /* rendered body; code blocks are placeholders
				* until markdown_finish() */
};

/* Must be called once, single-threaded, before any other function here. */
void markdown_init(void);

/*
 * Parses e->body and renders it in one pass, then frees the cmark tree
 * (trees of thousands of entries would not fit in memory together), and
 * e->text with it. Sets e->md to a new doc and fills its headings (unique
 * GitHub-style anchors), plain (text for search), snippets (fenced blocks
 * of runnable languages), codes, uses (relative links to entries,
 * rewritten to page URLs in the HTML; other relative links are errors;
 * javascript:, data:, vbscript: and file: targets are dropped with a
 * warning) and html, where each code
 * block is a placeholder until markdown_finish(). Raw HTML is omitted
 * unless cfg->raw_html. Thread-safe for distinct entries; problems go to d
 * (use a diags per thread and merge).
 */
void markdown_parse(struct entry *e, const struct config *cfg, struct diags *d);

/*
 * Checks e's links against the site: a missing entry or heading is an
 * error at file:line:col. Fills e->links (distinct targets). Reads other
 * entries' headings only: safe in parallel once every entry is parsed.
 */
void markdown_link(struct entry *e, const struct site *s, struct diags *d);

/*
 * Calls fn(url, line, col, payload) for every link and image of e->body
 * whose target has a URL scheme ("https:", "mailto:", ...), bare
 * autolinks included, at its file line and column, in document order.
 * Parses the body as markdown_parse() does; call it before, while
 * e->body is still there (kb links). Thread-safe as markdown_parse() is.
 */
void markdown_external_links(const struct entry *e,
			     void (*fn)(const char *url, int line, int col, void *payload),
			     void *payload);

/* Queues every code block of e for highlighting. */
void markdown_highlight_queue(const struct entry *e, struct highlighter *hl);

/*
 * Replaces the code placeholders of e->html by the code, highlighted with
 * hl when it has it (hl may be NULL), and snippets by their figure with
 * the verified output. Call after verification.
 */
void markdown_finish(struct entry *e, struct highlighter *hl);

/* The GitHub-style anchor of a heading's text; caller frees. */
char *markdown_anchor(const char *text);

/* URL of page `to` as seen from page `from` (both relative to the site
 * root, e.g. "topics/gil.html"); caller frees. */
char *markdown_relurl(const char *from, const char *to);

/* Frees e->md, what markdown_parse() made, and sets it to NULL. */
void markdown_entry_release(struct entry *e);

#endif
