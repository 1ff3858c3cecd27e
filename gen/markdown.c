/*
 * markdown.c - stage 2 (see markdown.h).
 *
 * cmark-gfm's HTML renderer gives headings no id, so each heading is
 * replaced by a custom block whose enter/exit text is "<hN id=...>" and
 * "</hN>", with the heading's inline children moved into it. Code blocks
 * become custom blocks carrying their highlighted HTML. Custom blocks are
 * written verbatim by the renderer, in safe mode too, and their text is
 * built here from escaped parts only.
 */
#include "markdown.h"

#include <ctype.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>

#include "config.h"
#include "highlight.h"
#include "snippet.h"

static const char *const extension_names[] = {
	"table", "strikethrough", "autolink", "tagfilter", "tasklist",
};
#define NEXT (sizeof(extension_names) / sizeof(extension_names[0]))

_Static_assert(sizeof(((struct code_block *)0)->key) == HIGHLIGHT_KEY_SIZE,
	       "struct code_block holds a highlight key");

static pthread_mutex_t inline_lock = PTHREAD_MUTEX_INITIALIZER;

/* The extensions, found once by markdown_init(); read-only afterwards. */
static cmark_llist S_ext_nodes[NEXT];
static cmark_llist *S_exts;

void markdown_init(void)
{
	cmark_gfm_core_extensions_ensure_registered();
	cmark_llist **tail = &S_exts;
	for (size_t i = 0; i < NEXT; i++) {
		cmark_syntax_extension *ext = cmark_find_syntax_extension(extension_names[i]);
		if (!ext)
			continue;
		S_ext_nodes[i].data = ext;
		S_ext_nodes[i].next = NULL;
		*tail = &S_ext_nodes[i];
		tail = &S_ext_nodes[i].next;
	}
}

/* Writes the anchor of text[0..len) to a (room for len bytes); returns
 * its length. GitHub: lowercase, drop all but letters, digits, '_', '-'
 * and spaces, then spaces become '-'. Non-ASCII bytes are kept. */
static size_t S_anchor_into(char *a, const char *text, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c >= 'A' && c <= 'Z')
			a[n++] = (char)(c + ('a' - 'A'));
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			 c == '_' || c == '-' || c >= 0x80)
			a[n++] = (char)c;
		else if (c == ' ')
			a[n++] = '-';
	}
	return n;
}

char *markdown_anchor(const char *text)
{
	size_t len = strlen(text);
	char *a = xmalloc(len + 1);
	a[S_anchor_into(a, text, len)] = '\0';
	return a;
}

static int S_depth(const char *url)
{
	int d = 0;
	for (; *url; url++)
		if (*url == '/')
			d++;
	return d;
}

char *markdown_relurl(const char *from, const char *to)
{
	char *up = path_up(S_depth(from));
	char *r = xasprintf("%s%s", up, to);
	free(up);
	return r;
}

/* ---- an arena for cmark-gfm ---- */

/*
 * cmark-gfm allocates every node, string and buffer of a parse on its own,
 * and markdown_parse frees them all together at its end: they come from an
 * arena of large blocks instead, released at once by S_arena_release().
 * cmark_mem has no context pointer, so the arena is the parsing thread's.
 * Nodes added to the tree must come from the same allocator (cmark-gfm
 * refuses to mix them).
 */
struct S_block {
	struct S_block *prev;
	size_t used, size;
	max_align_t data[];
};

static _Thread_local struct S_block *S_arena;

#define S_ALIGN 16
#define S_HEAD 16 /* the size of an allocation, before it */
#define S_BLOCK 65536

static size_t S_round(size_t n)
{
	return (n + S_ALIGN - 1) & ~(size_t)(S_ALIGN - 1);
}

static void *S_arena_alloc(size_t n)
{
	size_t need = S_HEAD + S_round(n);
	struct S_block *b = S_arena;
	if (n > SIZE_MAX / 2)
		abort();
	if (!b || b->size - b->used < need) {
		size_t size = need > S_BLOCK ? need : S_BLOCK;
		b = xmalloc(sizeof(*b) + size);
		b->prev = S_arena;
		b->used = 0;
		b->size = size;
		S_arena = b;
	}
	char *p = (char *)b->data + b->used;
	b->used += need;
	memcpy(p, &n, sizeof(n));
	return p + S_HEAD;
}

static void *S_arena_calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / 2 / size)
		abort();
	void *p = S_arena_alloc(n * size);
	memset(p, 0, n * size);
	return p;
}

static void *S_arena_realloc(void *old, size_t n)
{
	if (!old)
		return S_arena_alloc(n);
	size_t had;
	memcpy(&had, (char *)old - S_HEAD, sizeof(had));
	if (n <= had)
		return old;
	/* The last allocation of the current block grows in place. */
	struct S_block *b = S_arena;
	char *end = (char *)b->data + b->used;
	if ((char *)old + S_round(had) == end && n <= SIZE_MAX / 2 &&
	    S_round(n) - S_round(had) <= b->size - b->used) {
		b->used += S_round(n) - S_round(had);
		memcpy((char *)old - S_HEAD, &n, sizeof(n));
		return old;
	}
	void *p = S_arena_alloc(n);
	memcpy(p, old, had);
	return p;
}

static void S_arena_free(void *p)
{
	(void)p; /* all goes in S_arena_release() */
}

static cmark_mem S_arena_mem = { S_arena_calloc, S_arena_realloc, S_arena_free };

static void S_arena_release(void)
{
	while (S_arena) {
		struct S_block *prev = S_arena->prev;
		free(S_arena);
		S_arena = prev;
	}
}

/* ---- parse ---- */

/* What one walk over a parsed body finds; the nodes are rewritten after
 * the walk, which must not see the replaced nodes. */
struct S_heading_node {
	cmark_node *node;
	size_t from, to; /* its text in the plain text */
};

struct S_found {
	struct S_heading_node *heads;
	cmark_node **codes, **links;
	size_t nh, nc, nl;
};

/* arr, an array of n elements of size `size`, with room for one more:
 * arrays grow at powers of two. */
static void *S_grow(void *arr, size_t n, size_t size)
{
	return (n & (n - 1)) == 0 ? xrealloc(arr, (n ? n * 2 : 8) * size) : arr;
}

static void S_push_node(cmark_node ***arr, size_t *n, cmark_node *node)
{
	*arr = S_grow(*arr, *n, sizeof(**arr));
	(*arr)[(*n)++] = node;
}

static void S_put_literal(struct buf *b, cmark_node *n)
{
	const char *lit = cmark_node_get_literal(n);
	if (lit)
		buf_put(b, lit, strlen(lit));
}

/*
 * Walks the tree once: collects headings, code blocks, links and images,
 * and writes the plain text for search to plain: the text of text and
 * code nodes and code blocks, a space for line breaks, a newline after
 * paragraphs, headings, list items and code blocks, a space after other
 * blocks (table cells and rows, quotes). A heading's own text is the part
 * of the plain text between its start and its end.
 */
static void S_walk(cmark_node *doc, struct S_found *f, struct buf *plain)
{
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *c = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(c);
		if (ev == CMARK_EVENT_EXIT) {
			if (t == CMARK_NODE_HEADING)
				f->heads[f->nh - 1].to = plain->len;
			if (t == CMARK_NODE_PARAGRAPH || t == CMARK_NODE_HEADING ||
			    t == CMARK_NODE_ITEM)
				buf_putc(plain, '\n');
			else if ((t & CMARK_NODE_TYPE_MASK) == CMARK_NODE_TYPE_BLOCK)
				buf_putc(plain, ' ');
			continue;
		}
		switch (t) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
			S_put_literal(plain, c);
			break;
		case CMARK_NODE_CODE_BLOCK:
			S_put_literal(plain, c);
			buf_putc(plain, '\n');
			S_push_node(&f->codes, &f->nc, c);
			break;
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
			buf_putc(plain, ' ');
			break;
		case CMARK_NODE_HEADING:
			f->heads = S_grow(f->heads, f->nh, sizeof(*f->heads));
			f->heads[f->nh].node = c;
			f->heads[f->nh].from = f->heads[f->nh].to = plain->len;
			f->nh++;
			break;
		case CMARK_NODE_LINK:
		case CMARK_NODE_IMAGE:
			S_push_node(&f->links, &f->nl, c);
			break;
		default:
			break;
		}
	}
	cmark_iter_free(it);
}

/* Whether one of t's headings has this anchor. */
static int S_has_anchor(const struct entry *t, const char *anchor)
{
	for (size_t i = 0; i < t->md->nheadings; i++)
		if (!strcmp(t->md->headings[i].anchor, anchor))
			return 1;
	return 0;
}

/* Appends heading `text` (len bytes) to e->md->headings, which has room, with
 * a unique anchor; scratch is a work buffer. */
static void S_add_heading(struct entry *e, int level, const char *text,
			  size_t len, struct buf *scratch)
{
	buf_truncate(scratch, 0);
	buf_grow(scratch, len + 24);
	size_t base = S_anchor_into(scratch->data, text, len);
	scratch->len = base;
	scratch->data[base] = '\0';
	/* GitHub appends -1, -2, ... to repeated anchors. */
	for (int k = 1; S_has_anchor(e, scratch->data); k++) {
		char num[24];
		int n = snprintf(num, sizeof(num), "-%d", k);
		buf_truncate(scratch, base);
		buf_put(scratch, num, (size_t)n);
	}
	struct heading *h = &e->md->headings[e->md->nheadings++];
	h->level = level;
	h->text = xstrndup(text, len);
	h->anchor = xstrndup(scratch->data, scratch->len);
}

/* Replaces a heading node by a custom block "<hN id=...>children</hN>". */
static void S_anchor_heading(struct entry *e, cmark_node *h, const char *text,
			     size_t len, struct buf *scratch)
{
	int level = cmark_node_get_heading_level(h);
	S_add_heading(e, level, text, len, scratch);
	const char *anchor = e->md->headings[e->md->nheadings - 1].anchor;

	/* cmark gives levels 1 to 6 only */
	char tag[] = "<h0 id=\"", close[] = "</h0>";
	tag[2] = close[3] = (char)('0' + level);
	buf_truncate(scratch, 0);
	buf_put(scratch, tag, sizeof(tag) - 1);
	buf_put_html(scratch, anchor, strlen(anchor));
	buf_put(scratch, "\">", 2);

	cmark_node *blk = cmark_node_new_with_mem(CMARK_NODE_CUSTOM_BLOCK, &S_arena_mem);
	cmark_node_set_on_enter(blk, scratch->data);
	cmark_node_set_on_exit(blk, close);
	cmark_node *c;
	while ((c = cmark_node_first_child(h)))
		cmark_node_append_child(blk, c);
	/* The replaced node stays in the arena until the parse ends. */
	cmark_node_replace(h, blk);
}

static int S_file_line(const struct entry *e, cmark_node *n)
{
	return e->body_line + cmark_node_get_start_line(n) - 1;
}

static int S_end_line(const struct entry *e, cmark_node *n)
{
	return e->body_line + cmark_node_get_end_line(n) - 1;
}

static void S_lang_of(const char *info, char *lang, size_t size)
{
	size_t i = 0;
	while (info[i] && !isspace((unsigned char)info[i]) && i + 1 < size) {
		lang[i] = info[i];
		i++;
	}
	lang[i] = '\0';
}


#define PLACEHOLDER "<!--kb:code:"

/* The version-qualified ```output blocks right after snippet s (at n),
 * ```output python>=3.14, are s's; the code blocks after n are
 * next_code[0..nnext), cleared when taken. */
static void S_more_outputs(struct entry *e, struct snippet *s, cmark_node *n,
			   cmark_node **next_code, size_t nnext, struct diags *d)
{
	for (cmark_node *m = cmark_node_next(n); m && cmark_node_get_type(m) == CMARK_NODE_CODE_BLOCK;) {
		cmark_node *after = cmark_node_next(m);
		const char *mi = cmark_node_get_fence_info(m);
		if (snippet_add_output(s, mi, cmark_node_get_literal(m), S_file_line(e, m),
				       S_end_line(e, m), d) != 1)
			break;
		for (size_t i = 0; i < nnext; i++)
			if (next_code[i] == m)
				next_code[i] = NULL;
		cmark_node_unlink(m);
		m = after;
	}
}

/* Records the fenced block n as code block #k of e and replaces it with a
 * placeholder; a following ```output block of a snippet is removed (the
 * snippet shows its verified output); *next_code is cleared when it was
 * that output block. e->md->codes and e->md->snippets have room for it. */
static void S_code_block(struct entry *e, cmark_node *n, cmark_node **next_code,
			 size_t nnext, const struct config *cfg, struct diags *d)
{
	const char *info = cmark_node_get_fence_info(n);
	const char *code = cmark_node_get_literal(n);
	char lang[32];
	S_lang_of(info ? info : "", lang, sizeof(lang));
	struct snippet *s = NULL;
	cmark_node *next = cmark_node_next(n);
	/* A block with a language other than "output" may be a snippet and
	 * is highlighted. */
	int has_lang = *lang && strcmp(lang, "output");
	if (has_lang) {
		const char *out = NULL;
		int out_line = 0, out_end = 0;
		cmark_node *outn = NULL;
		if (next && cmark_node_get_type(next) == CMARK_NODE_CODE_BLOCK) {
			const char *ni = cmark_node_get_fence_info(next);
			char nl[32];
			S_lang_of(ni ? ni : "", nl, sizeof(nl));
			if (!strcmp(nl, "output")) {
				outn = next;
				out = cmark_node_get_literal(next);
				out_line = S_file_line(e, next);
				out_end = S_end_line(e, next);
			}
		}
		if (outn && strcmp(cmark_node_get_fence_info(outn), "output")) {
			outn = NULL; /* ```output python>=3.14: taken below */
			out = NULL;
		}
		s = snippet_parse(e->path, S_file_line(e, n), S_end_line(e, n), info,
				  code ? code : "", out, out_line, out_end, cfg, d);
		if (s) {
			e->md->snippets[e->md->nsnippets++] = s;
			if (outn) {
				if (nnext && *next_code == outn)
					*next_code = NULL;
				cmark_node_unlink(outn);
			}
			S_more_outputs(e, s, n, next_code, nnext, d);
		}
	}
	struct code_block *cb = &e->md->codes[e->md->ncodes];
	cb->lang = xstrdup(lang);
	cb->code = xstrdup(s ? s->source : (code ? code : ""));
	cb->snippet = s;
	cb->key[0] = '\0';
	if (has_lang)
		highlight_key(cb->lang, cb->code, cb->key);
	char ph[48];
	snprintf(ph, sizeof(ph), PLACEHOLDER "%zu-->\n", e->md->ncodes);
	e->md->ncodes++;
	cmark_node *blk = cmark_node_new_with_mem(CMARK_NODE_CUSTOM_BLOCK, &S_arena_mem);
	cmark_node_set_on_enter(blk, ph);
	cmark_node_replace(n, blk);
}

/* ---- links ---- */

static int S_has_scheme(const char *url)
{
	const char *p = url;
	if (!isalpha((unsigned char)*p))
		return 0;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	return *p == ':';
}

static int S_unsafe_scheme(const char *url)
{
	static const char *const bad[] = { "javascript:", "vbscript:", "file:", "data:" };
	char low[16];
	size_t i = 0;
	for (; url[i] && i + 1 < sizeof(low); i++)
		low[i] = (char)tolower((unsigned char)url[i]);
	low[i] = '\0';
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		if (!strncmp(low, bad[k], strlen(bad[k])))
			return 1;
	return 0;
}

static void S_add_link(struct entry *e, struct entry *t)
{
	for (size_t i = 0; i < e->nlinks; i++)
		if (e->links[i] == t)
			return;
	e->links = xrealloc(e->links, (e->nlinks + 1) * sizeof(*e->links));
	e->links[e->nlinks++] = t;
}

/* Records and rewrites one link or image node; e->md->uses has room for it.
 * scratch is a work buffer. */
static void S_link_node(struct entry *e, cmark_node *n, struct buf *scratch,
			struct diags *d)
{
	const char *url = cmark_node_get_url(n);
	if (!url || !*url)
		return;
	int line = S_file_line(e, n), col = cmark_node_get_start_column(n);
	if (S_unsafe_scheme(url)) {
		diag_add(d, DIAG_WARNING, e->path, line, col,
			 "unsafe link target dropped: '%.20s'", url);
		cmark_node_set_url(n, "");
		return;
	}
	if (S_has_scheme(url) || url[0] == '/')
		return; /* external, or absolute on this host */
	const char *hash = strchr(url, '#');
	size_t len = hash ? (size_t)(hash - url) : strlen(url);
	struct link_use u = { NULL, xstrndup(url, len),
			      hash && hash[1] ? xstrdup(hash + 1) : NULL, line, col };
	if (len) {
		/* path_join(path_dirname(e->path), file), file being relative */
		const char *slash = strrchr(e->path, '/');
		buf_truncate(scratch, 0);
		if (!slash)
			buf_put(scratch, "./", 2);
		else
			buf_put(scratch, e->path, (size_t)(slash - e->path) + 1);
		buf_put(scratch, url, len);
		u.target = path_normalize(scratch->data);
		if (len < 4 || memcmp(url + len - 3, ".md", 3) || !u.target ||
		    strncmp(u.target, "content/", 8)) {
			diag_add(d, DIAG_ERROR, e->path, line, col,
				 "relative link '%s' does not point to an entry (.md file); use a full URL for other files",
				 url);
			free(u.target);
			free(u.href);
			free(u.anchor);
			return;
		}
		/* content/topics/gil.md -> topics/gil.html, relative to e's
		 * page (as markdown_relurl), with the #anchor */
		buf_truncate(scratch, 0);
		for (int up = S_depth(e->url); up > 0; up--)
			buf_put(scratch, "../", 3);
		buf_put(scratch, u.target + 8, strlen(u.target) - 8 - 3);
		buf_put(scratch, ".html", 5);
		if (u.anchor) {
			buf_putc(scratch, '#');
			buf_puts(scratch, u.anchor);
		}
		cmark_node_set_url(n, scratch->data);
	}
	e->md->uses[e->md->nuses++] = u;
}

void markdown_link(struct entry *e, const struct site *s, struct diags *d)
{
	for (size_t i = 0; i < e->md->nuses; i++) {
		const struct link_use *u = &e->md->uses[i];
		const struct entry *t = e;
		if (u->target) {
			struct entry *hit = site_find_path(s, u->target);
			if (!hit) {
				diag_add(d, DIAG_ERROR, e->path, u->line, u->col,
					 "link to a missing entry '%s'", u->href);
				continue;
			}
			t = hit;
		}
		if (u->anchor && !S_has_anchor(t, u->anchor)) {
			if (t == e)
				diag_add(d, DIAG_ERROR, e->path, u->line, u->col,
					 "link to a missing heading '#%s'", u->anchor);
			else
				diag_add(d, DIAG_ERROR, e->path, u->line, u->col,
					 "link to a missing heading '#%s' in %s", u->anchor, t->path);
			continue;
		}
		if (t != e)
			S_add_link(e, (struct entry *)t);
	}
}

/* arr, an array of n elements of size `size`, with room for `more`. */
static void *S_room(void *arr, size_t n, size_t more, size_t size)
{
	return more ? xrealloc(arr, (n + more) * size) : arr;
}

void markdown_parse(struct entry *e, const struct config *cfg, struct diags *d)
{
	int raw = cfg && cfg->raw_html;
	if (!e->md)
		e->md = xcalloc(1, sizeof(*e->md));
	int opts = CMARK_OPT_FOOTNOTES | (raw ? CMARK_OPT_UNSAFE : 0);
	cmark_parser *p = cmark_parser_new_with_mem(opts, &S_arena_mem);
	for (cmark_llist *l = S_exts; l; l = l->next)
		cmark_parser_attach_syntax_extension(p, l->data);
	size_t body_len = strlen(e->body);
	cmark_parser_feed(p, e->body, body_len);
	/* cmark-gfm's inline pass adds the extensions' special characters to
	 * a table shared by all parsers and removes them when it is done
	 * (github/cmark-gfm#221): two threads in it at once lose autolinks
	 * and the like. Block parsing above runs in parallel; this does not. */
	pthread_mutex_lock(&inline_lock);
	cmark_node *doc = cmark_parser_finish(p);
	pthread_mutex_unlock(&inline_lock);
	/* The parser, the tree and the nodes replaced below all live in the
	 * arena: S_arena_release() frees them, without a walk over them. */

	struct S_found f = { NULL, NULL, NULL, 0, 0, 0 };
	struct buf plain = BUF_INIT, scratch = BUF_INIT;
	buf_grow(&plain, body_len + 64);
	S_walk(doc, &f, &plain);

	e->md->uses = S_room(e->md->uses, e->md->nuses, f.nl, sizeof(*e->md->uses));
	for (size_t i = 0; i < f.nl; i++)
		S_link_node(e, f.links[i], &scratch, d);
	e->md->codes = S_room(e->md->codes, e->md->ncodes, f.nc, sizeof(*e->md->codes));
	e->md->snippets = S_room(e->md->snippets, e->md->nsnippets, f.nc, sizeof(*e->md->snippets));
	for (size_t i = 0; i < f.nc; i++)
		if (f.codes[i])
			S_code_block(e, f.codes[i], &f.codes[i + 1], f.nc - i - 1, cfg, d);
	e->md->headings = S_room(e->md->headings, e->md->nheadings, f.nh, sizeof(*e->md->headings));
	for (size_t i = 0; i < f.nh; i++)
		S_anchor_heading(e, f.heads[i].node, plain.data + f.heads[i].from,
				 f.heads[i].to - f.heads[i].from, &scratch);
	free(f.heads);
	free(f.codes);
	free(f.links);
	buf_release(&scratch);
	/* Give back what the plain text did not use of its room. */
	e->md->plain = xrealloc(plain.data, plain.len + 1);

	char *html = cmark_render_html(doc, opts, S_exts);
	e->md->html = xstrdup(html);
	S_arena_release();
	/* The source is no longer needed: pages are built from what was
	 * extracted above. */
	free(e->text);
	e->text = NULL;
	e->body = "";
}

void markdown_external_links(const struct entry *e,
			     void (*fn)(const char *url, int line, int col, void *payload),
			     void *payload)
{
	cmark_parser *p = cmark_parser_new_with_mem(CMARK_OPT_FOOTNOTES, &S_arena_mem);
	for (cmark_llist *l = S_exts; l; l = l->next)
		cmark_parser_attach_syntax_extension(p, l->data);
	cmark_parser_feed(p, e->body, strlen(e->body));
	pthread_mutex_lock(&inline_lock); /* as in markdown_parse() */
	cmark_node *doc = cmark_parser_finish(p);
	pthread_mutex_unlock(&inline_lock);
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(n);
		const char *url;
		if (ev == CMARK_EVENT_ENTER && (t == CMARK_NODE_LINK || t == CMARK_NODE_IMAGE) &&
		    (url = cmark_node_get_url(n)) && S_has_scheme(url))
			fn(url, S_file_line(e, n), cmark_node_get_start_column(n), payload);
	}
	cmark_iter_free(it);
	S_arena_release();
}

/* ---- finish ---- */

void markdown_highlight_queue(const struct entry *e, struct highlighter *hl)
{
	for (size_t i = 0; i < e->md->ncodes; i++)
		if (e->md->codes[i].key[0])
			highlight_add(hl, e->md->codes[i].key, e->md->codes[i].lang,
					  e->md->codes[i].code);
}

/* When the block has a language, appends attr (which opens an attribute,
 * as ` data-lang="`), the language HTML-escaped and the closing quote. */
static void S_lang_attr(const struct code_block *cb, const char *attr,
			struct buf *out)
{
	if (!*cb->lang)
		return;
	buf_puts(out, attr);
	buf_put_html(out, cb->lang, strlen(cb->lang));
	buf_putc(out, '"');
}

/* A code block as <pre><code>, not highlighted. */
static void S_pre_code(const struct code_block *cb, struct buf *out)
{
	buf_puts(out, "<pre tabindex=\"0\"><code");
	S_lang_attr(cb, " class=\"language-", out);
	buf_puts(out, ">");
	buf_put_html(out, cb->code, strlen(cb->code));
	buf_puts(out, "</code></pre>");
}

static void S_code_html(const struct code_block *cb, struct highlighter *hl,
			struct buf *out, struct buf *scratch)
{
	const char *hi = hl && cb->key[0] ? highlight_get(hl, cb->key) : NULL;
	if (cb->snippet) {
		if (!hi) {
			buf_truncate(scratch, 0);
			S_pre_code(cb, scratch);
			hi = scratch->data;
		}
		snippet_render_html(cb->snippet, hi, out);
		return;
	}
	buf_puts(out, "<div class=\"code\"");
	S_lang_attr(cb, " data-lang=\"", out);
	buf_puts(out, ">");
	if (hi)
		buf_puts(out, hi);
	else
		S_pre_code(cb, out);
	buf_puts(out, "</div>");
}

void markdown_finish(struct entry *e, struct highlighter *hl)
{
	if (!e->md || !e->md->ncodes || !e->md->html)
		return;
	struct buf out = BUF_INIT, scratch = BUF_INIT;
	const char *p = e->md->html, *q;
	const size_t plen = strlen(PLACEHOLDER);
	size_t len = strlen(e->md->html);
	/* Room for the page and its code, given back below. */
	buf_grow(&out, len * 2 + 1024);
	while ((q = strstr(p, PLACEHOLDER))) {
		buf_put(&out, p, (size_t)(q - p));
		char *end;
		unsigned long k = strtoul(q + plen, &end, 10);
		if (strncmp(end, "-->", 3) || k >= e->md->ncodes) {
			buf_put(&out, q, plen);
			p = q + plen;
			continue;
		}
		S_code_html(&e->md->codes[k], hl, &out, &scratch);
		p = end + 3;
	}
	buf_put(&out, p, len - (size_t)(p - e->md->html));
	buf_release(&scratch);
	free(e->md->html);
	e->md->html = xrealloc(out.data, out.len + 1);
}

void markdown_entry_release(struct entry *e)
{
	struct markdown_doc *md = e->md;
	if (!md)
		return;
	for (size_t i = 0; i < md->nheadings; i++) {
		free(md->headings[i].text);
		free(md->headings[i].anchor);
	}
	free(md->headings);
	for (size_t i = 0; i < md->nsnippets; i++)
		snippet_free(md->snippets[i]);
	free(md->snippets);
	for (size_t i = 0; i < md->ncodes; i++) {
		free(md->codes[i].lang);
		free(md->codes[i].code);
	}
	free(md->codes);
	for (size_t i = 0; i < md->nuses; i++) {
		free(md->uses[i].target);
		free(md->uses[i].anchor);
		free(md->uses[i].href);
	}
	free(md->uses);
	free(md->plain);
	free(md->html);
	free(md);
	e->md = NULL;
}
