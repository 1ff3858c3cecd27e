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

void markdown_init(void)
{
	cmark_gfm_core_extensions_ensure_registered();
}

char *markdown_anchor(const char *text)
{
	/* GitHub: lowercase, drop all but letters, digits, '_', '-' and
	 * spaces, then spaces become '-'. Non-ASCII bytes are kept. */
	struct buf b = BUF_INIT;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (isalnum(*p) || *p == '_' || *p == '-' || *p >= 0x80)
			buf_putc(&b, tolower(*p));
		else if (*p == ' ')
			buf_putc(&b, '-');
	}
	return buf_detach(&b);
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

/* ---- parse ---- */

static void S_text_of(cmark_node *n, struct buf *out)
{
	cmark_iter *it = cmark_iter_new(n);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *c = cmark_iter_get_node(it);
		if (ev != CMARK_EVENT_ENTER)
			continue;
		switch (cmark_node_get_type(c)) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
			buf_puts(out, cmark_node_get_literal(c));
			break;
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
			buf_putc(out, ' ');
			break;
		default:
			break;
		}
	}
	cmark_iter_free(it);
}

static void S_add_heading(struct entry *e, int level, const char *text)
{
	char *base = markdown_anchor(text);
	char *anchor = xstrdup(base);
	/* GitHub appends -1, -2, ... to repeated anchors. */
	for (int k = 1;; k++) {
		int taken = 0;
		for (size_t i = 0; i < e->nheadings && !taken; i++)
			taken = !strcmp(e->headings[i].anchor, anchor);
		if (!taken)
			break;
		free(anchor);
		anchor = xasprintf("%s-%d", base, k);
	}
	free(base);
	e->headings = xrealloc(e->headings, (e->nheadings + 1) * sizeof(*e->headings));
	e->headings[e->nheadings].level = level;
	e->headings[e->nheadings].text = xstrdup(text);
	e->headings[e->nheadings].anchor = anchor;
	e->nheadings++;
}

/* Replaces a heading node by a custom block "<hN id=...>children</hN>". */
static void S_anchor_heading(struct entry *e, cmark_node *h)
{
	struct buf text = BUF_INIT;
	S_text_of(h, &text);
	int level = cmark_node_get_heading_level(h);
	S_add_heading(e, level, text.data);
	buf_release(&text);

	struct buf open = BUF_INIT;
	const char *anchor = e->headings[e->nheadings - 1].anchor;
	buf_printf(&open, "<h%d id=\"", level);
	buf_put_html(&open, anchor, strlen(anchor));
	buf_puts(&open, "\">");
	char close[8];
	snprintf(close, sizeof(close), "</h%d>", level);

	cmark_node *blk = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK);
	cmark_node_set_on_enter(blk, open.data);
	cmark_node_set_on_exit(blk, close);
	buf_release(&open);
	cmark_node *c;
	while ((c = cmark_node_first_child(h)))
		cmark_node_append_child(blk, c);
	cmark_node_replace(h, blk);
	cmark_node_free(h);
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

static void S_code_block(struct entry *e, cmark_node *n,
			 const struct config *cfg, struct diags *d)
{
	const char *info = cmark_node_get_fence_info(n);
	if (!info || !*info)
		return;
	char lang[32];
	S_lang_of(info, lang, sizeof(lang));
	if (!strcmp(lang, "output"))
		return;
	cmark_node *next = cmark_node_next(n);
	const char *out = NULL;
	int out_line = 0, out_end = 0;
	if (next && cmark_node_get_type(next) == CMARK_NODE_CODE_BLOCK) {
		const char *ni = cmark_node_get_fence_info(next);
		char nl[32];
		S_lang_of(ni ? ni : "", nl, sizeof(nl));
		if (!strcmp(nl, "output")) {
			out = cmark_node_get_literal(next);
			out_line = S_file_line(e, next);
			out_end = S_end_line(e, next);
		}
	}
	struct snippet *s = snippet_parse(e->path, S_file_line(e, n),
					  S_end_line(e, n), info,
					  cmark_node_get_literal(n), out, out_line,
					  out_end, cfg, d);
	if (!s)
		return;
	cmark_node_set_user_data(n, s);
	e->snippets = xrealloc(e->snippets, (e->nsnippets + 1) * sizeof(*e->snippets));
	e->snippets[e->nsnippets++] = s;
}

static void S_plain(struct entry *e, cmark_node *doc)
{
	struct buf b = BUF_INIT;
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *c = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(c);
		if (ev == CMARK_EVENT_EXIT) {
			if (t == CMARK_NODE_PARAGRAPH || t == CMARK_NODE_HEADING ||
			    t == CMARK_NODE_ITEM)
				buf_putc(&b, '\n');
			continue;
		}
		if (t == CMARK_NODE_TEXT || t == CMARK_NODE_CODE ||
		    t == CMARK_NODE_CODE_BLOCK) {
			buf_puts(&b, cmark_node_get_literal(c));
			if (t == CMARK_NODE_CODE_BLOCK)
				buf_putc(&b, '\n');
		} else if (t == CMARK_NODE_SOFTBREAK || t == CMARK_NODE_LINEBREAK) {
			buf_putc(&b, ' ');
		}
	}
	cmark_iter_free(it);
	e->plain = buf_detach(&b);
}

void markdown_parse(struct entry *e, const struct config *cfg, struct diags *d)
{
	int opts = CMARK_OPT_FOOTNOTES | CMARK_OPT_UNSAFE;
	cmark_parser *p = cmark_parser_new(opts);
	for (size_t i = 0; i < NEXT; i++) {
		cmark_syntax_extension *ext = cmark_find_syntax_extension(extension_names[i]);
		if (ext)
			cmark_parser_attach_syntax_extension(p, ext);
	}
	cmark_parser_feed(p, e->body, strlen(e->body));
	cmark_node *doc = cmark_parser_finish(p);
	cmark_parser_free(p);
	e->doc = doc;

	/* Collect first, then rewrite: the iterator must not see the
	 * replaced nodes. */
	cmark_node **heads = NULL, **codes = NULL;
	size_t nh = 0, nc = 0;
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		if (ev != CMARK_EVENT_ENTER)
			continue;
		cmark_node *n = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(n);
		if (t == CMARK_NODE_HEADING) {
			heads = xrealloc(heads, (nh + 1) * sizeof(*heads));
			heads[nh++] = n;
		} else if (t == CMARK_NODE_CODE_BLOCK) {
			codes = xrealloc(codes, (nc + 1) * sizeof(*codes));
			codes[nc++] = n;
		}
	}
	cmark_iter_free(it);
	S_plain(e, doc);
	for (size_t i = 0; i < nc; i++)
		S_code_block(e, codes[i], cfg, d);
	for (size_t i = 0; i < nh; i++)
		S_anchor_heading(e, heads[i]);
	free(heads);
	free(codes);
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

static int S_cmp_path(const void *key, const void *elem)
{
	return strcmp(key, (*(struct entry *const *)elem)->path);
}

static int S_has_anchor(const struct entry *t, const char *anchor)
{
	for (size_t i = 0; i < t->nheadings; i++)
		if (!strcmp(t->headings[i].anchor, anchor))
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

/* Resolves one relative link; returns the new URL (caller frees) or NULL
 * after reporting an error. */
static char *S_resolve(struct entry *e, const struct site *s, const char *url,
		       int line, int col, struct diags *d)
{
	const char *hash = strchr(url, '#');
	char *file = hash ? xstrndup(url, (size_t)(hash - url)) : xstrdup(url);
	const char *anchor = hash ? hash + 1 : NULL;
	char *result = NULL;

	if (!*file) { /* "#anchor" within this page */
		if (anchor && *anchor && !S_has_anchor(e, anchor))
			diag_add(d, DIAG_ERROR, e->path, line, col,
				 "link to a missing heading '#%s'", anchor);
		else
			result = xstrdup(url);
		free(file);
		return result;
	}
	size_t len = strlen(file);
	if (len < 3 || strcmp(file + len - 3, ".md")) {
		diag_add(d, DIAG_ERROR, e->path, line, col,
			 "relative link '%s' does not point to an entry (.md file); use a full URL for other files",
			 url);
		free(file);
		return NULL;
	}
	char *dir = path_dirname(e->path);
	char *joined = path_join(dir, file);
	char *target = path_normalize(joined);
	free(dir);
	free(joined);
	struct entry **hit = target ? bsearch(target, s->entries, s->n,
					      sizeof(*s->entries), S_cmp_path) : NULL;
	if (!hit) {
		diag_add(d, DIAG_ERROR, e->path, line, col,
			 "link to a missing entry '%s'", file);
	} else if (anchor && *anchor && !S_has_anchor(*hit, anchor)) {
		diag_add(d, DIAG_ERROR, e->path, line, col,
			 "link to a missing heading '#%s' in %s", anchor, (*hit)->path);
	} else {
		S_add_link(e, *hit);
		char *rel = markdown_relurl(e->url, (*hit)->url);
		result = anchor ? xasprintf("%s#%s", rel, anchor) : xstrdup(rel);
		free(rel);
	}
	free(target);
	free(file);
	return result;
}

void markdown_link(struct entry *e, const struct site *s, struct diags *d)
{
	if (!e->doc)
		return;
	cmark_iter *it = cmark_iter_new(e->doc);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(n);
		if (ev != CMARK_EVENT_ENTER || (t != CMARK_NODE_LINK && t != CMARK_NODE_IMAGE))
			continue;
		const char *url = cmark_node_get_url(n);
		if (!url || !*url)
			continue;
		int line = S_file_line(e, n), col = cmark_node_get_start_column(n);
		if (S_unsafe_scheme(url)) {
			diag_add(d, DIAG_WARNING, e->path, line, col,
				 "unsafe link target dropped: '%.20s'", url);
			cmark_node_set_url(n, "");
			continue;
		}
		if (S_has_scheme(url) || url[0] == '/' )
			continue; /* external, or absolute on this host */
		char *nu = S_resolve(e, s, url, line, col, d);
		if (nu) {
			cmark_node_set_url(n, nu);
			free(nu);
		}
	}
	cmark_iter_free(it);
}

/* ---- render ---- */

void markdown_highlight_queue(const struct entry *e, struct highlighter *hl)
{
	if (!e->doc)
		return;
	cmark_iter *it = cmark_iter_new(e->doc);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		if (ev != CMARK_EVENT_ENTER || cmark_node_get_type(n) != CMARK_NODE_CODE_BLOCK)
			continue;
		const char *info = cmark_node_get_fence_info(n);
		char lang[32];
		S_lang_of(info ? info : "", lang, sizeof(lang));
		if (!*lang || !strcmp(lang, "output"))
			continue;
		struct snippet *s = cmark_node_get_user_data(n);
		highlight_add(hl, lang, s ? s->source : cmark_node_get_literal(n));
	}
	cmark_iter_free(it);
}

static void S_render_code(cmark_node *n, struct highlighter *hl)
{
	const char *info = cmark_node_get_fence_info(n);
	const char *code = cmark_node_get_literal(n);
	char lang[32];
	S_lang_of(info ? info : "", lang, sizeof(lang));
	struct snippet *s = cmark_node_get_user_data(n);

	struct buf code_html = BUF_INIT;
	const char *hi = hl && *lang ? highlight_get(hl, lang, s ? s->source : code) : NULL;
	if (hi) {
		buf_puts(&code_html, hi);
	} else {
		const char *src = s ? s->source : code;
		buf_puts(&code_html, "<pre><code");
		if (*lang) {
			buf_puts(&code_html, " class=\"language-");
			buf_put_html(&code_html, lang, strlen(lang));
			buf_puts(&code_html, "\"");
		}
		buf_puts(&code_html, ">");
		buf_put_html(&code_html, src, strlen(src));
		buf_puts(&code_html, "</code></pre>");
	}

	struct buf out = BUF_INIT;
	if (s) {
		snippet_render_html(s, code_html.data, &out);
	} else {
		buf_puts(&out, "<div class=\"code\"");
		if (*lang) {
			buf_puts(&out, " data-lang=\"");
			buf_put_html(&out, lang, strlen(lang));
			buf_puts(&out, "\"");
		}
		buf_puts(&out, ">");
		buf_put(&out, code_html.data, code_html.len);
		buf_puts(&out, "</div>");
	}
	buf_putc(&out, '\n');
	cmark_node *blk = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK);
	cmark_node_set_on_enter(blk, out.data);
	cmark_node_replace(n, blk);
	cmark_node_free(n);
	buf_release(&out);
	buf_release(&code_html);
}

void markdown_render(struct entry *e, struct highlighter *hl, int raw_html)
{
	if (!e->doc)
		return;
	cmark_node **codes = NULL;
	size_t nc = 0;
	cmark_iter *it = cmark_iter_new(e->doc);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		if (ev == CMARK_EVENT_ENTER && cmark_node_get_type(n) == CMARK_NODE_CODE_BLOCK) {
			codes = xrealloc(codes, (nc + 1) * sizeof(*codes));
			codes[nc++] = n;
		}
	}
	cmark_iter_free(it);
	for (size_t i = 0; i < nc; i++) {
		cmark_node *n = codes[i];
		const char *info = cmark_node_get_fence_info(n);
		char lang[32];
		S_lang_of(info ? info : "", lang, sizeof(lang));
		cmark_node *prev = cmark_node_previous(n);
		/* An output block that follows a snippet is shown by the snippet. */
		if (!strcmp(lang, "output") && prev &&
		    cmark_node_get_type(prev) == CMARK_NODE_CODE_BLOCK &&
		    cmark_node_get_user_data(prev)) {
			cmark_node_unlink(n);
			cmark_node_free(n);
			codes[i] = NULL;
		}
	}
	for (size_t i = 0; i < nc; i++)
		if (codes[i])
			S_render_code(codes[i], hl);
	free(codes);

	int opts = CMARK_OPT_FOOTNOTES | (raw_html ? CMARK_OPT_UNSAFE : 0);
	cmark_llist *exts = NULL;
	cmark_mem *mem = cmark_get_default_mem_allocator();
	for (size_t i = 0; i < NEXT; i++) {
		cmark_syntax_extension *ext = cmark_find_syntax_extension(extension_names[i]);
		if (ext)
			exts = cmark_llist_append(mem, exts, ext);
	}
	char *html = cmark_render_html(e->doc, opts, exts);
	cmark_llist_free(mem, exts);
	e->html = xstrdup(html);
	free(html);
	cmark_node_free(e->doc);
	e->doc = NULL;
}

void markdown_entry_release(struct entry *e)
{
	if (e->doc)
		cmark_node_free(e->doc);
	e->doc = NULL;
	for (size_t i = 0; i < e->nheadings; i++) {
		free(e->headings[i].text);
		free(e->headings[i].anchor);
	}
	free(e->headings);
	e->headings = NULL;
	e->nheadings = 0;
	for (size_t i = 0; i < e->nsnippets; i++)
		snippet_free(e->snippets[i]);
	free(e->snippets);
	e->snippets = NULL;
	e->nsnippets = 0;
	free(e->plain);
	free(e->html);
	e->plain = e->html = NULL;
}
