/*
 * markdown.h - stage 2: parse entry bodies with cmark-gfm (tables,
 * footnotes, strikethrough, autolinks, task lists, tag filter), give
 * headings stable unique anchors, find code blocks and relative links,
 * and later render the body to HTML.
 *
 * The cmark tree of an entry lives in entry->doc from markdown_parse()
 * until markdown_entry_release() (called by entry_free()).
 */
#ifndef KB_MARKDOWN_H
#define KB_MARKDOWN_H

#include "load.h"

struct config;
struct highlighter;

/* Must be called once, single-threaded, before any other function here. */
void markdown_init(void);

/*
 * Parses e->body: fills e->doc, e->headings, e->plain and, for every fenced
 * code block of a runnable language, e->snippets. Thread-safe for
 * distinct entries. Problems go to d (use a per-thread diags and merge).
 */
void markdown_parse(struct entry *e, const struct config *cfg, struct diags *d);

/*
 * Resolves the entry's relative links ("../topics/gil.md#anchor") against
 * the site: a missing entry or anchor is an error at file:line:col; links
 * are rewritten to page URLs relative to e's page; unsafe schemes
 * (javascript:, data:, vbscript:, file:) are dropped. Fills e->links.
 * Reads other entries' headings only: safe to run in parallel once every
 * entry is parsed.
 */
void markdown_link(struct entry *e, const struct site *s, struct diags *d);

/*
 * Renders e->doc to HTML into e->html (owned by e). Code blocks are
 * highlighted with hl (may be NULL: plain <pre>) and snippets show their
 * verified output. raw_html passes raw HTML through.
 */
void markdown_render(struct entry *e, struct highlighter *hl, int raw_html);

/* Queues every code block of e (parsed, not yet rendered) for
 * highlighting. */
void markdown_highlight_queue(const struct entry *e, struct highlighter *hl);

/* The GitHub-style anchor of a heading's text; caller frees. */
char *markdown_anchor(const char *text);

/* URL of page `to` as seen from page `from` (both relative to the site
 * root, e.g. "topics/gil.html"); caller frees. */
char *markdown_relurl(const char *from, const char *to);

/* Frees what markdown_parse() and markdown_render() added to e. */
void markdown_entry_release(struct entry *e);

#endif
