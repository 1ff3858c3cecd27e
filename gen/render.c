/*
 * render.c - see render.h.
 *
 * Each worker thread owns a Lua state with the whole site as Lua tables
 * (entries are built once per state and shared by reference), then
 * renders its share of the pages. Entries' rendered bodies are handed to
 * the templates only on their own page.
 */
#include "render.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>

#include "history.h"
#include "links.h"
#include "markdown.h"
#include "snippet.h"
#include "template.h"

enum page_kind {
	P_ENTRY, P_SECTION, P_TAG, P_TAGS, P_HOME, P_MATRIX, P_404, P_RECENT,
	P_FEED, P_SITEMAP,
};

struct page {
	enum page_kind kind;
	char *url;
	size_t idx; /* entry, section or tag index */
};

struct job {
	const struct render_opts *o;
	struct page *pages;
	size_t npages;
	struct diags *d;
	long written;
	size_t taken;     /* pages handed out so far (atomic) */
};

/* ---- Lua data ---- */

char *render_expand(const char *tmpl, const char *path)
{
	struct buf b = BUF_INIT;
	const char *p = tmpl, *q;
	while ((q = strstr(p, "{path}"))) {
		buf_put(&b, p, (size_t)(q - p));
		buf_puts(&b, path);
		p = q + 6;
	}
	buf_puts(&b, p);
	return buf_detach(&b);
}

/* Pushes v ("" for NULL). lua_pushlstring() rather than lua_pushstring():
 * the latter goes through Lua's string cache by address, where every
 * value would push out the field names that lua_setfield() finds there. */
static inline void S_pushstr(lua_State *L, const char *v)
{
	if (!v)
		v = "";
	lua_pushlstring(L, v, strlen(v));
}

static void S_setstr(lua_State *L, const char *k, const char *v)
{
	S_pushstr(L, v);
	lua_setfield(L, -2, k);
}

/*
 * The field names of the site's and pages' tables, pushed once per state
 * and kept on the stack (key K is at stack index keys + K): a field is
 * then set with lua_rawset(), without lua_setfield()'s look-up of its
 * name, the bulk of the cost of setting a field.
 */
enum key {
	K_ID, K_TITLE, K_SUMMARY, K_SECTION, K_SECTION_TITLE, K_URL, K_PATH,
	K_LANGUAGES, K_TAGS, K_FIELDS, K_NSNIPPETS, K_SNIPPETS, K_SOURCE_URL,
	K_HISTORY, K_SEE_ALSO, K_BACKLINKS, K_PREV, K_NEXT, K_LANG, K_BADGE,
	K_BADGE_CLASS, K_TOOLCHAIN, K_VERIFIED, K_UNCOMMITTED, K_UPDATED,
	K_CREATED, K_COMMITS, K_CONTRIBUTORS, K_HISTORY_URL, K_NAME,
	K_KIND, K_DESCRIPTION, K_ENTRY, K_BODY, K_TOC, K_CANONICAL, K_LEVEL,
	K_TEXT, K_ANCHOR, K_ENTRIES, NKEYS
};
static const char *const key_names[NKEYS] = {
	"id", "title", "summary", "section", "section_title", "url", "path",
	"languages", "tags", "fields", "nsnippets", "snippets", "source_url",
	"history", "see_also", "backlinks", "prev", "next", "lang", "badge",
	"badge_class", "toolchain", "verified", "uncommitted", "updated",
	"created", "commits", "contributors", "history_url", "name",
	"kind", "description", "entry", "body", "toc", "canonical", "level",
	"text", "anchor", "entries",
};

/* Pushes the field names; returns the stack index of the first. */
static int S_keys_push(lua_State *L)
{
	luaL_checkstack(L, NKEYS + LUA_MINSTACK, "field names");
	int keys = lua_gettop(L) + 1;
	for (int k = 0; k < NKEYS; k++)
		lua_pushstring(L, key_names[k]);
	return keys;
}

/* t[key k] = the value on top, popped; t is the table below it. */
static inline void S_setk(lua_State *L, int keys, enum key k)
{
	lua_pushvalue(L, keys + (int)k);
	lua_insert(L, -2);
	lua_rawset(L, -3);
}

/* t[key k] = v ("" for NULL), t the table on top. */
static void S_setkstr(lua_State *L, int keys, enum key k, const char *v)
{
	lua_pushvalue(L, keys + (int)k);
	S_pushstr(L, v);
	lua_rawset(L, -3);
}

/* Pushes a new list of the strings of l. */
static void S_strlist(lua_State *L, const struct strlist *l)
{
	lua_createtable(L, (int)l->n, 0);
	for (size_t i = 0; i < l->n; i++) {
		S_pushstr(L, l->items[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

/* The index of the tag called name in tags, or -1. */
static long S_tag_index(const struct tags *tags, const char *name)
{
	size_t lo = 0, hi = tags->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(tags->items[mid].name, name);
		if (!c)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Pushes a new {name, url} table for a tag of an entry. */
static void S_tag_ref(lua_State *L, int keys, const char *name, const char *url)
{
	lua_createtable(L, 0, 2);
	S_setkstr(L, keys, K_NAME, name);
	S_setkstr(L, keys, K_URL, url);
}

/*
 * What an entry table is made of beyond the entry itself, made once per
 * state and shared by every entry table: the {name, url} table of each
 * tag (entries with a tag share it). Lives on the Lua stack while the
 * site is built.
 */
struct shared {
	int tags;         /* stack index: list of the tags' {name, url} tables */
	int keys;         /* stack index of the field names (S_keys_push) */
};

static void S_shared_push(lua_State *L, struct shared *sh, const struct render_opts *o)
{
	const struct tags *tags = o->tags;
	lua_createtable(L, (int)tags->n, 0);
	sh->tags = lua_gettop(L);
	for (size_t i = 0; i < tags->n; i++) {
		S_tag_ref(L, sh->keys, tags->items[i].name, tags->items[i].url);
		lua_rawseti(L, sh->tags, (lua_Integer)i + 1);
	}
}

static void S_date(lua_State *L, int keys, enum key k, long long t)
{
	if (t <= 0)
		return;
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	char b[32];
	strftime(b, sizeof(b), "%Y-%m-%d", &tm);
	S_setkstr(L, keys, k, b);
}

static void S_history(lua_State *L, int keys, const struct entry *e,
		      const struct config *cfg)
{
	const struct entry_history *h = &e->hist;
	if (!h->known)
		return;
	lua_createtable(L, 0, 6);
	lua_pushboolean(L, h->uncommitted);
	S_setk(L, keys, K_UNCOMMITTED);
	S_date(L, keys, K_UPDATED, h->last);
	S_date(L, keys, K_CREATED, h->first);
	lua_pushinteger(L, h->commits);
	S_setk(L, keys, K_COMMITS);
	S_strlist(L, &h->contributors);
	S_setk(L, keys, K_CONTRIBUTORS);
	if (*cfg->history_url) {
		char *u = render_expand(cfg->history_url, e->path);
		S_setkstr(L, keys, K_HISTORY_URL, u);
		free(u);
	}
	S_setk(L, keys, K_HISTORY);
}

/* Pushes a new table for e (no relations yet). */
static void S_entry_table(lua_State *L, const struct entry *e,
			  const struct render_opts *o, const struct shared *sh)
{
	/* Sized for its fields (those set here and by S_site_table), so that
	 * the table is neither resized nor bigger than it needs. */
	int nrec = 16 + (*o->cfg->source_url != 0) + (e->hist.known != 0)
		   - !e->prev - !e->next;
	int keys = sh->keys;
	lua_createtable(L, 0, nrec);
	S_setkstr(L, keys, K_ID, e->id);
	S_setkstr(L, keys, K_TITLE, e->title);
	S_setkstr(L, keys, K_SUMMARY, e->summary);
	S_setkstr(L, sh->keys, K_SECTION, e->section);
	S_setkstr(L, sh->keys, K_SECTION_TITLE, load_section_title(e->section));
	S_setkstr(L, keys, K_URL, e->url);
	S_setkstr(L, keys, K_PATH, e->path);
	S_strlist(L, &e->languages);
	S_setk(L, keys, K_LANGUAGES);
	lua_createtable(L, (int)e->tags.n, 0);
	for (size_t i = 0; i < e->tags.n; i++) {
		long k = S_tag_index(o->tags, e->tags.items[i]);
		if (k >= 0)
			lua_rawgeti(L, sh->tags, (lua_Integer)k + 1);
		else
			S_tag_ref(L, keys, e->tags.items[i], "");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	S_setk(L, keys, K_TAGS);
	lua_createtable(L, 0, (int)e->nfields);
	for (size_t i = 0; i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		if (f->value)
			S_pushstr(L, f->value);
		else
			S_strlist(L, &f->list);
		lua_setfield(L, -2, f->key);
	}
	S_setk(L, keys, K_FIELDS);
	lua_pushinteger(L, (lua_Integer)e->nsnippets);
	S_setk(L, keys, K_NSNIPPETS);
	lua_createtable(L, (int)e->nsnippets, 0);
	for (size_t i = 0; i < e->nsnippets; i++) {
		const struct snippet *sn = e->snippets[i];
		lua_createtable(L, 0, 5);
		S_setkstr(L, keys, K_LANG, sn->lang);
		S_setkstr(L, keys, K_BADGE, snippet_badge(sn));
		S_setkstr(L, keys, K_BADGE_CLASS, snippet_badge_class(sn));
		if (snippet_toolchain(sn))
			S_setkstr(L, keys, K_TOOLCHAIN, snippet_toolchain(sn));
		if (snippet_verified_date(sn))
			S_setkstr(L, keys, K_VERIFIED, snippet_verified_date(sn));
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	S_setk(L, keys, K_SNIPPETS);
	if (*o->cfg->source_url) {
		char *u = render_expand(o->cfg->source_url, e->path);
		S_setkstr(L, keys, K_SOURCE_URL, u);
		free(u);
	}
	S_history(L, keys, e, o->cfg);
}

/* Pushes a list of the entry tables of arr; E is the stack index of the
 * list of all entry tables, in site order. */
static void S_entry_list(lua_State *L, int E, struct entry *const *arr, size_t n)
{
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		lua_rawgeti(L, E, (lua_Integer)arr[i]->index + 1);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

static void S_time(lua_State *L, const char *k, long long t, const char *fmt)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	char b[40];
	strftime(b, sizeof(b), fmt, &tm);
	S_setstr(L, k, b);
}

/* Pushes site.recent: the last changes to entries, newest first. */
static void S_recent(lua_State *L, int E, const struct render_opts *o)
{
	static const char *const status[] = { "added", "modified", "deleted", "renamed" };
	const struct history_change *c = NULL;
	size_t n = o->hist ? history_recent(o->hist, &c) : 0;
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		lua_createtable(L, 0, 12);
		S_setstr(L, "oid", c[i].oid);
		S_setstr(L, "short_oid", c[i].short_oid);
		S_setstr(L, "author", c[i].author);
		S_setstr(L, "summary", c[i].summary);
		S_setstr(L, "path", c[i].path);
		if (c[i].old_path)
			S_setstr(L, "old_path", c[i].old_path);
		S_setstr(L, "status", status[c[i].status]);
		S_time(L, "date", c[i].time, "%Y-%m-%d");
		S_time(L, "time", c[i].time, "%Y-%m-%dT%H:%M:%SZ");
		const struct entry *hit = site_find_path(o->site, c[i].path);
		if (hit) {
			lua_rawgeti(L, E, (lua_Integer)hit->index + 1);
			lua_setfield(L, -2, "entry");
		}
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

/* Builds the `site` table and leaves it on the stack. */
static void S_site_table(lua_State *L, int keys, const struct render_opts *o)
{
	const struct site *s = o->site;
	struct shared sh;
	sh.keys = keys;
	S_shared_push(L, &sh, o);
	lua_createtable(L, (int)s->n, 0); /* all entries, by path */
	int E = lua_gettop(L);
	for (size_t i = 0; i < s->n; i++) {
		S_entry_table(L, s->entries[i], o, &sh);
		lua_rawseti(L, E, (lua_Integer)i + 1);
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct entry *e = s->entries[i];
		lua_rawgeti(L, E, (lua_Integer)i + 1);
		S_entry_list(L, E, e->see, e->nsee);
		S_setk(L, keys, K_SEE_ALSO);
		S_entry_list(L, E, e->backlinks, e->nbacklinks);
		S_setk(L, keys, K_BACKLINKS);
		if (e->prev) {
			lua_rawgeti(L, E, (lua_Integer)e->prev->index + 1);
			S_setk(L, keys, K_PREV);
		}
		if (e->next) {
			lua_rawgeti(L, E, (lua_Integer)e->next->index + 1);
			S_setk(L, keys, K_NEXT);
		}
		lua_pop(L, 1);
	}

	lua_createtable(L, 0, 12);
	int S = lua_gettop(L);
	S_setstr(L, "title", o->cfg->title);
	S_setstr(L, "description", o->cfg->description);
	S_setstr(L, "base_url", o->cfg->base_url);
	S_setstr(L, "date", o->date);
	lua_pushvalue(L, E);
	lua_setfield(L, S, "entries");

	lua_createtable(L, (int)s->nsections, 0);
	lua_newtable(L); /* by name */
	for (size_t i = 0; i < s->nsections; i++) {
		const struct section *sec = &s->sections[i];
		lua_createtable(L, 0, 4);
		S_setstr(L, "name", sec->name);
		S_setstr(L, "title", sec->title);
		char *url = xasprintf("%s/index.html", sec->name);
		S_setstr(L, "url", url);
		free(url);
		S_entry_list(L, E, sec->entries, sec->n);
		lua_setfield(L, -2, "entries");
		lua_pushvalue(L, -1);
		lua_setfield(L, -3, sec->name);
		lua_rawseti(L, -3, (lua_Integer)i + 1);
	}
	lua_setfield(L, S, "section");
	lua_setfield(L, S, "sections");

	lua_createtable(L, (int)o->tags->n, 0);
	for (size_t i = 0; i < o->tags->n; i++) {
		const struct tag *t = &o->tags->items[i];
		lua_createtable(L, 0, 4);
		S_setstr(L, "name", t->name);
		S_setstr(L, "url", t->url);
		lua_pushinteger(L, (lua_Integer)t->n);
		lua_setfield(L, -2, "count");
		S_entry_list(L, E, t->entries, t->n);
		lua_setfield(L, -2, "entries");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, S, "tags");

	S_recent(L, E, o);
	lua_setfield(L, S, "recent");

	lua_newtable(L);
	const char *label, *key;
	for (size_t i = 0; (key = load_facet(i, &label)); i++) {
		lua_createtable(L, 0, 2);
		S_setstr(L, "key", key);
		S_setstr(L, "label", label);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, S, "facets");
	lua_replace(L, sh.tags); /* leaves the site table where sh began */
	lua_settop(L, sh.tags);
}

/* Sets page.toc, a list of {level, text, anchor}, in the table on top. */
static void S_toc(lua_State *L, int keys, const struct entry *e)
{
	lua_pushvalue(L, keys + K_TOC);
	lua_createtable(L, (int)e->nheadings, 0);
	for (size_t i = 0; i < e->nheadings; i++) {
		const struct heading *h = &e->headings[i];
		lua_createtable(L, 0, 3);
		lua_pushvalue(L, keys + K_LEVEL);
		lua_pushinteger(L, h->level);
		lua_rawset(L, -3);
		S_setkstr(L, keys, K_TEXT, h->text);
		S_setkstr(L, keys, K_ANCHOR, h->anchor);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_rawset(L, -3);
}

static const char *const templates_of[] = {
	"entry.html", "section.html", "tag.html", "tags.html", "home.html",
	"matrix.html", "404.html", "recent.html", "feed.xml", "sitemap.xml",
};
static const char *const kinds[] = {
	"entry", "section", "tag", "tags", "home", "matrix", "404", "recent",
	"feed", "sitemap",
};

/* page.link_checked[URL]: the day kb links last checked the resource's
 * url and archive_url, read from .kb-cache/links/, never the network;
 * absent when the cache knows neither. */
static void S_link_checked(lua_State *L, const struct entry *e)
{
	static const char *const keys[] = { "url", "archive_url" };
	int made = 0;
	for (size_t i = 0; i < 2; i++) {
		const struct field *f = entry_field(e, keys[i]);
		char day[11];
		if (!f || !f->value || links_cache_date(".kb-cache", f->value, day) < 0)
			continue;
		if (!made)
			lua_createtable(L, 0, 2);
		made = 1;
		S_setstr(L, f->value, day);
	}
	if (made)
		lua_setfield(L, -2, "link_checked");
}

/* Pushes the page table for p. */
static void S_page_table(lua_State *L, int keys, int site, const struct page *p,
			 const struct render_opts *o)
{
	lua_createtable(L, 0, 10);
	S_setkstr(L, keys, K_KIND, kinds[p->kind]);
	S_setkstr(L, keys, K_URL, p->url);
	switch (p->kind) {
	case P_ENTRY: {
		const struct entry *e = o->site->entries[p->idx];
		lua_pushvalue(L, keys + K_ENTRIES);
		lua_rawget(L, site);
		lua_rawgeti(L, -1, (lua_Integer)p->idx + 1);
		lua_remove(L, -2);
		/* the entry's own strings, not new copies */
		lua_pushvalue(L, keys + K_TITLE);
		lua_pushvalue(L, -1);
		lua_rawget(L, -3);
		lua_rawset(L, -4);
		lua_pushvalue(L, keys + K_DESCRIPTION);
		lua_pushvalue(L, keys + K_SUMMARY);
		lua_rawget(L, -3);
		lua_rawset(L, -4);
		S_setk(L, keys, K_ENTRY);
		S_setkstr(L, keys, K_BODY, e->html);
		S_link_checked(L, e);
		S_toc(L, keys, e);
		lua_pushvalue(L, keys + K_SECTION);
		lua_pushvalue(L, -1);
		lua_rawget(L, site);
		lua_getfield(L, -1, e->section);
		lua_remove(L, -2);
		lua_rawset(L, -3);
		break;
	}
	case P_SECTION: {
		const struct section *sec = &o->site->sections[p->idx];
		lua_getfield(L, site, "sections");
		lua_rawgeti(L, -1, (lua_Integer)p->idx + 1);
		lua_remove(L, -2);
		lua_setfield(L, -2, "section");
		S_setstr(L, "title", sec->title);
		break;
	}
	case P_TAG: {
		const struct tag *t = &o->tags->items[p->idx];
		lua_getfield(L, site, "tags");
		lua_rawgeti(L, -1, (lua_Integer)p->idx + 1);
		lua_remove(L, -2);
		lua_setfield(L, -2, "tag");
		char *title = xasprintf("Tagged '%s'", t->name);
		S_setstr(L, "title", title);
		free(title);
		break;
	}
	case P_TAGS: S_setstr(L, "title", "Tags"); break;
	case P_HOME: S_setstr(L, "title", o->cfg->title); break;
	case P_MATRIX: S_setstr(L, "title", "Concurrency across languages"); break;
	case P_404: S_setstr(L, "title", "Page not found"); break;
	case P_RECENT: S_setstr(L, "title", "Recent changes"); break;
	case P_FEED: S_setstr(L, "title", "Recent changes"); break;
	case P_SITEMAP: break;
	}
	if (*o->cfg->base_url && p->kind != P_404) {
		char *c = xasprintf("%s%s", o->cfg->base_url, p->url);
		S_setkstr(L, keys, K_CANONICAL, c);
		free(c);
	}
}

/* Renders pages until none is left. Workers take the next page as they
 * go (the search index thread shares the cores, so a fixed split would
 * leave one idle at the end), last page first: the section, tag and home
 * pages, which list many entries, come before the entries. */
static void S_render_pages(struct job *j)
{
	const struct render_opts *o = j->o;
	/* A worker that starts late may find nothing left: then it need not
	 * build a state and the whole site table. */
	if (__atomic_load_n(&j->taken, __ATOMIC_RELAXED) >= j->npages)
		return;
	struct tpl *t = tpl_new(o->templates);
	if (!t) {
		diag_add_locked(j->d, DIAG_ERROR, o->templates, 0, 0,
				"cannot create the template engine");
		return;
	}
	lua_State *L = tpl_state(t);
	/* The site lives as long as the state: build it without collecting,
	 * then enter generational mode, which makes it old at once. */
	lua_gc(L, LUA_GCINC, 0, 0, 0);
	lua_gc(L, LUA_GCSTOP);
	int keys = S_keys_push(L);
	S_site_table(L, keys, o);
	lua_gc(L, LUA_GCRESTART);
	lua_gc(L, LUA_GCGEN, 0, 0);
	int site = lua_gettop(L);
	for (;;) {
		size_t k = __atomic_fetch_add(&j->taken, 1, __ATOMIC_RELAXED);
		if (k >= j->npages)
			break;
		const struct page *p = &j->pages[j->npages - 1 - k];
		lua_createtable(L, 0, 2);
		lua_pushvalue(L, site);
		lua_setfield(L, -2, "site");
		S_page_table(L, keys, site, p, o);
		lua_setfield(L, -2, "page");
		const char *out;
		size_t len;
		char *err;
		if (tpl_render_view(t, templates_of[p->kind], p->url, &out, &len, &err) < 0) {
			diag_add_locked(j->d, DIAG_ERROR, NULL, 0, 0, "%s", err);
			free(err);
			/* the same template fails for every page: stop here */
			break;
		}
		char *path = path_join(o->outdir, p->url);
		if (write_file(path, out, len) < 0)
			diag_add_locked(j->d, DIAG_ERROR, path, 0, 0, "cannot write: %s",
					strerror(errno));
		else
			__atomic_fetch_add(&j->written, 1, __ATOMIC_RELAXED);
		free(path);
	}
	tpl_free(t);
}

/* One render worker: every worker takes pages until none is left. */
static void S_worker(size_t i, void *arg)
{
	(void)i;
	S_render_pages(arg);
}

static void S_add_page(struct job *j, size_t *cap, enum page_kind k, char *url, size_t idx)
{
	if (j->npages == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		j->pages = xrealloc(j->pages, *cap * sizeof(*j->pages));
	}
	j->pages[j->npages].kind = k;
	j->pages[j->npages].url = url;
	j->pages[j->npages].idx = idx;
	j->npages++;
}

int render_copy_tree(const char *src, const char *dst)
{
	DIR *dp = opendir(src);
	if (!dp)
		return errno == ENOENT ? 0 : -1;
	int rc = mkdir_p(dst);
	struct dirent *de;
	while (rc == 0 && (de = readdir(dp))) {
		if (de->d_name[0] == '.')
			continue;
		char *s = path_join(src, de->d_name), *t = path_join(dst, de->d_name);
		struct stat st;
		if (stat(s, &st) == 0 && S_ISDIR(st.st_mode)) {
			rc = render_copy_tree(s, t);
		} else if (S_ISREG(st.st_mode)) {
			char *data;
			size_t len;
			rc = read_file(s, &data, &len);
			if (rc == 0) {
				rc = write_file(t, data, len);
				free(data);
			}
		}
		free(s);
		free(t);
	}
	closedir(dp);
	return rc;
}

long render_site(const struct render_opts *o, struct diags *d)
{
	struct job j;
	memset(&j, 0, sizeof(j));
	j.o = o;
	j.d = d;
	size_t cap = 0;
	const struct site *s = o->site;
	for (size_t i = 0; i < s->n; i++)
		S_add_page(&j, &cap, P_ENTRY, xstrdup(s->entries[i]->url), i);
	for (size_t i = 0; i < s->nsections; i++)
		S_add_page(&j, &cap, P_SECTION,
			   xasprintf("%s/index.html", s->sections[i].name), i);
	for (size_t i = 0; i < o->tags->n; i++)
		S_add_page(&j, &cap, P_TAG, xstrdup(o->tags->items[i].url), i);
	S_add_page(&j, &cap, P_TAGS, xstrdup("tags/index.html"), 0);
	S_add_page(&j, &cap, P_HOME, xstrdup("index.html"), 0);
	S_add_page(&j, &cap, P_MATRIX, xstrdup("compare.html"), 0);
	S_add_page(&j, &cap, P_404, xstrdup("404.html"), 0);
	S_add_page(&j, &cap, P_RECENT, xstrdup("recent.html"), 0);
	S_add_page(&j, &cap, P_FEED, xstrdup("feed.xml"), 0);
	if (*o->cfg->base_url)
		S_add_page(&j, &cap, P_SITEMAP, xstrdup("sitemap.xml"), 0);

	int jobs = o->jobs < 1 ? 1 : o->jobs;
	if (jobs > 1 && j.npages < 64)
		jobs = 1;
	parallel_for((size_t)jobs, jobs, S_worker, &j);

	char *static_src = path_join(o->templates, "static");
	char *static_dst = path_join(o->outdir, "static");
	if (render_copy_tree(static_src, static_dst) < 0)
		diag_add(d, DIAG_ERROR, static_src, 0, 0, "cannot copy: %s", strerror(errno));
	free(static_src);
	free(static_dst);
	for (size_t i = 0; i < j.npages; i++)
		free(j.pages[i].url);
	free(j.pages);
	return d->errors ? -1 : j.written;
}
