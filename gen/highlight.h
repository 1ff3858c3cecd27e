/*
 * highlight.h - syntax highlighting at build time with Pygments, so pages
 * need no JavaScript for it (Go by Example does the same).
 *
 * highlight_new() starts one Python process at once, so that its start-up
 * overlaps whatever the caller does next. Blocks are queued with
 * highlight_add(); highlight_run() looks each one up in the cache
 * (.kb-cache/highlight/<version>/<2 hex>/<38 hex>.spans: the Pygments
 * version the process reports, then the SHA-1 key of the block's language
 * and code) and sends the misses to that process in one batch. Afterwards highlight_get() returns the HTML of a
 * block.
 */
#ifndef KB_HIGHLIGHT_H
#define KB_HIGHLIGHT_H

#include "util.h"

struct highlighter;

/* cache_dir may be NULL (no cache). Caller frees with highlight_free(),
 * which also ends the Python process if highlight_run() did not. */
struct highlighter *highlight_new(const char *cache_dir);
/* A block's key: the SHA-1 of its language and code, in hex, which also
 * names its cache file. Thread-safe, so parse workers compute the keys. */
#define HIGHLIGHT_KEY_SIZE 41
void highlight_key(const char *lang, const char *code, char out[HIGHLIGHT_KEY_SIZE]);
/* Queues the block of that key; lang and code are copied. Not
 * thread-safe. */
void highlight_add(struct highlighter *hl, const char *key, const char *lang,
		   const char *code);
/* Highlights every queued block. Problems (no Python, no Pygments) are one
 * warning in d; the blocks are then shown unhighlighted. Returns the number
 * of blocks that were not in the cache. */
size_t highlight_run(struct highlighter *hl, struct diags *d);
/* The block of that key as "<pre class="hl"><code>...</code></pre>",
 * owned by hl; NULL when it was not queued or could not be highlighted.
 * Thread-safe after highlight_run(). */
const char *highlight_get(struct highlighter *hl, const char *key);
void highlight_free(struct highlighter *hl);

#endif
