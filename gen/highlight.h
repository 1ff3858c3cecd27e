/*
 * highlight.h - syntax highlighting at build time with Pygments, so pages
 * need no JavaScript for it (Go by Example does the same).
 *
 * Blocks are queued with highlight_add(); highlight_run() looks each one up
 * in the cache (.kb-cache/highlight/<sha1>.html, keyed by language, code
 * and Pygments version) and sends the misses to one Python process in one
 * batch. Afterwards highlight_get() returns the HTML of a block.
 */
#ifndef KB_HIGHLIGHT_H
#define KB_HIGHLIGHT_H

#include "util.h"

struct highlighter;

/* cache_dir may be NULL (no cache). Caller frees with highlight_free(). */
struct highlighter *highlight_new(const char *cache_dir);
/* Queues a block; code is copied. Not thread-safe. */
void highlight_add(struct highlighter *hl, const char *lang, const char *code);
/* Highlights every queued block. Problems (no Python, no Pygments) are one
 * warning in d; the blocks are then shown unhighlighted. Returns the number
 * of blocks that were not in the cache. */
size_t highlight_run(struct highlighter *hl, struct diags *d);
/* "<pre class="hl"><code>...</code></pre>", owned by hl; NULL when the
 * block was not queued or could not be highlighted. Thread-safe after
 * highlight_run(). */
const char *highlight_get(struct highlighter *hl, const char *lang, const char *code);
void highlight_free(struct highlighter *hl);

#endif
