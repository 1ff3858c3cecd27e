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
#include <pthread.h>
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
	pthread_mutex_t lock; /* guards share */
	struct share *share;  /* each worker's pages, see S_next_page */
	size_t nshare;
};

/* The pages not yet taken of one worker's share: pages[npages - hi] to
 * pages[npages - 1 - lo], taken from lo up. */
struct share {
	size_t lo, hi;
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

/* t[k] = v, t the table on top. */
static void S_setint(lua_State *L, const char *k, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, k);
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
static void S_tag_ref(lua_State *L, const char *name, const char *url)
{
	lua_newtable(L);
	S_setstr(L, "name", name);
	S_setstr(L, "url", url);
}

/* Pushes the list of every tag's {name, url} table, which entries with
 * that tag share; returns its stack index. */
static int S_tag_refs_push(lua_State *L, const struct tags *tags)
{
	lua_createtable(L, (int)tags->n, 0);
	for (size_t i = 0; i < tags->n; i++) {
		S_tag_ref(L, tags->items[i].name, tags->items[i].url);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return lua_gettop(L);
}

/* t[k] = the date of t as YYYY-MM-DD, unless t is unknown (0). */
static void S_date(lua_State *L, const char *k, long long t)
{
	if (t <= 0)
		return;
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	char b[32];
	strftime(b, sizeof(b), "%Y-%m-%d", &tm);
	S_setstr(L, k, b);
}

/* Sets entry.history in the entry table on top, when the history is known. */
static void S_history(lua_State *L, const struct entry *e, const struct config *cfg)
{
	const struct entry_history *h = &e->hist;
	if (!h->known)
		return;
	lua_newtable(L);
	lua_pushboolean(L, h->uncommitted);
	lua_setfield(L, -2, "uncommitted");
	S_date(L, "updated", h->last);
	S_date(L, "created", h->first);
	S_setint(L, "commits", h->commits);
	S_strlist(L, &h->contributors);
	lua_setfield(L, -2, "contributors");
	if (*cfg->history_url) {
		char *u = render_expand(cfg->history_url, e->path);
		S_setstr(L, "history_url", u);
		free(u);
	}
	lua_setfield(L, -2, "history");
}

/* Pushes a new table for e (no relations yet); T is the stack index of
 * the tags' shared {name, url} tables. */
static void S_entry_table(lua_State *L, const struct entry *e,
			  const struct render_opts *o, int T)
{
	lua_newtable(L);
	S_setstr(L, "id", e->id);
	S_setstr(L, "title", e->title);
	S_setstr(L, "summary", e->summary);
	if (e->checked)
		S_setstr(L, "checked", e->checked);
	S_setstr(L, "section", e->section);
	S_setstr(L, "section_title", load_section_title(e->section));
	S_setstr(L, "url", e->url);
	S_setstr(L, "path", e->path);
	S_strlist(L, &e->languages);
	lua_setfield(L, -2, "languages");
	S_strlist(L, &e->answers);
	lua_setfield(L, -2, "answers");
	if (e->search_terms)
		S_setstr(L, "search_terms", e->search_terms);
	lua_createtable(L, (int)e->tags.n, 0);
	for (size_t i = 0; i < e->tags.n; i++) {
		long k = S_tag_index(o->tags, e->tags.items[i]);
		if (k >= 0)
			lua_rawgeti(L, T, (lua_Integer)k + 1);
		else
			S_tag_ref(L, e->tags.items[i], "");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, -2, "tags");
	lua_newtable(L);
	for (size_t i = 0; i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		if (f->value)
			S_pushstr(L, f->value);
		else
			S_strlist(L, &f->list);
		lua_setfield(L, -2, f->key);
	}
	lua_setfield(L, -2, "fields");
	S_setint(L, "nsnippets", (lua_Integer)e->md->nsnippets);
	lua_createtable(L, (int)e->md->nsnippets, 0);
	for (size_t i = 0; i < e->md->nsnippets; i++) {
		const struct snippet *sn = e->md->snippets[i];
		lua_newtable(L);
		S_setstr(L, "lang", sn->lang);
		S_setstr(L, "badge", snippet_badge(sn));
		S_setstr(L, "badge_class", snippet_badge_class(sn));
		if (snippet_toolchain(sn))
			S_setstr(L, "toolchain", snippet_toolchain(sn));
		if (snippet_verified_date(sn))
			S_setstr(L, "verified", snippet_verified_date(sn));
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, -2, "snippets");
	if (*o->cfg->source_url) {
		char *u = render_expand(o->cfg->source_url, e->path);
		S_setstr(L, "source_url", u);
		free(u);
	}
	S_history(L, e, o->cfg);
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
		lua_newtable(L);
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
static void S_site_table(lua_State *L, const struct render_opts *o)
{
	const struct site *s = o->site;
	int T = S_tag_refs_push(L, o->tags);
	lua_createtable(L, (int)s->n, 0); /* all entries, by path */
	int E = lua_gettop(L);
	for (size_t i = 0; i < s->n; i++) {
		S_entry_table(L, s->entries[i], o, T);
		lua_rawseti(L, E, (lua_Integer)i + 1);
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct entry *e = s->entries[i];
		lua_rawgeti(L, E, (lua_Integer)i + 1);
		S_entry_list(L, E, e->see, e->nsee);
		lua_setfield(L, -2, "see_also");
		S_entry_list(L, E, e->backlinks, e->nbacklinks);
		lua_setfield(L, -2, "backlinks");
		if (e->prev) {
			lua_rawgeti(L, E, (lua_Integer)e->prev->index + 1);
			lua_setfield(L, -2, "prev");
		}
		if (e->next) {
			lua_rawgeti(L, E, (lua_Integer)e->next->index + 1);
			lua_setfield(L, -2, "next");
		}
		lua_pop(L, 1);
	}

	lua_newtable(L);
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
		lua_newtable(L);
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
		lua_newtable(L);
		S_setstr(L, "name", t->name);
		S_setstr(L, "url", t->url);
		S_setint(L, "count", (lua_Integer)t->n);
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
		lua_newtable(L);
		S_setstr(L, "key", key);
		S_setstr(L, "label", label);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, S, "facets");
	lua_replace(L, T); /* leaves the site table where T was */
	lua_settop(L, T);
}

/* Sets page.toc, a list of {level, text, anchor}, in the table on top. */
static void S_toc(lua_State *L, const struct entry *e)
{
	lua_createtable(L, (int)e->md->nheadings, 0);
	for (size_t i = 0; i < e->md->nheadings; i++) {
		const struct heading *h = &e->md->headings[i];
		lua_newtable(L);
		S_setint(L, "level", h->level);
		S_setstr(L, "text", h->text);
		S_setstr(L, "anchor", h->anchor);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, -2, "toc");
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

/* Pushes site[list][idx + 1] (the table already made for that entry,
 * section or tag); site is the stack index of `site`. */
static void S_push_item(lua_State *L, int site, const char *list, size_t idx)
{
	lua_getfield(L, site, list);
	lua_rawgeti(L, -1, (lua_Integer)idx + 1);
	lua_remove(L, -2);
}

/* Pushes the page table for p; site is the stack index of `site`. */
static void S_page_table(lua_State *L, int site, const struct page *p,
			 const struct render_opts *o)
{
	lua_newtable(L);
	S_setstr(L, "kind", kinds[p->kind]);
	S_setstr(L, "url", p->url);
	switch (p->kind) {
	case P_ENTRY: {
		const struct entry *e = o->site->entries[p->idx];
		S_push_item(L, site, "entries", p->idx);
		/* the entry's own strings, not new copies */
		lua_getfield(L, -1, "title");
		lua_setfield(L, -3, "title");
		lua_getfield(L, -1, "summary");
		lua_setfield(L, -3, "description");
		lua_setfield(L, -2, "entry");
		S_setstr(L, "body", e->md->html);
		S_link_checked(L, e);
		S_toc(L, e);
		lua_getfield(L, site, "section");
		lua_getfield(L, -1, e->section);
		lua_setfield(L, -3, "section");
		lua_pop(L, 1);
		break;
	}
	case P_SECTION: {
		const struct section *sec = &o->site->sections[p->idx];
		S_push_item(L, site, "sections", p->idx);
		lua_setfield(L, -2, "section");
		S_setstr(L, "title", sec->title);
		break;
	}
	case P_TAG: {
		const struct tag *t = &o->tags->items[p->idx];
		S_push_item(L, site, "tags", p->idx);
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
		S_setstr(L, "canonical", c);
		free(c);
	}
}

/*
 * The next page for worker w, or -1 when none is left. Each worker has its
 * own contiguous share of the pages, in reverse site order: the section,
 * tag and home pages, which list many entries, come first, then the
 * entries. A worker whose share is done takes from the far end of the
 * biggest share left (the search index thread shares the cores, so a
 * fixed split would leave one idle at the end).
 *
 * Contiguous shares keep workers writing into different folders. Creating
 * a file holds its folder's lock in the kernel, and on ext4 without a
 * journal creating files within a minute of deleting many (the previous
 * site, which the last build removed) is slow: the allocator skips each
 * recently freed inode (fs/ext4/ialloc.c, recently_deleted()). With
 * every worker on the next page in site order, all wrote into the same
 * folder; one held the lock for most of the stage while the others spun
 * on it (rwsem_spin_on_owner), doubling the stage's CPU time and taking a
 * core from everything else on the machine. In different folders the
 * creations run side by side. (10,000 entries, 2 cores, freshly freed
 * inodes: 2.5 s wall, 5 s CPU before; see the commit message.)
 */
static long S_next_page(struct job *j, size_t w)
{
	long k = -1;
	pthread_mutex_lock(&j->lock);
	struct share *own = &j->share[w % j->nshare];
	if (own->lo < own->hi) {
		k = (long)own->lo++;
	} else {
		struct share *big = NULL;
		for (size_t i = 0; i < j->nshare; i++)
			if (!big || j->share[i].hi - j->share[i].lo > big->hi - big->lo)
				big = &j->share[i];
		if (big->lo < big->hi)
			k = (long)--big->hi;
	}
	pthread_mutex_unlock(&j->lock);
	return k < 0 ? -1 : (long)j->npages - 1 - k;
}

/* Worker w renders pages until none is left (S_next_page). */
static void S_render_pages(struct job *j, size_t w)
{
	const struct render_opts *o = j->o;
	long next = S_next_page(j, w);
	/* A worker that starts late may find nothing left: then it need not
	 * build a state and the whole site table. */
	if (next < 0)
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
	S_site_table(L, o);
	lua_gc(L, LUA_GCRESTART);
	lua_gc(L, LUA_GCGEN, 0, 0);
	int site = lua_gettop(L);
	for (;;) {
		if (next < 0 && (next = S_next_page(j, w)) < 0)
			break;
		const struct page *p = &j->pages[next];
		next = -1;
		lua_newtable(L);
		lua_pushvalue(L, site);
		lua_setfield(L, -2, "site");
		S_page_table(L, site, p, o);
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

/* Render worker i. */
static void S_worker(size_t i, void *arg)
{
	S_render_pages(arg, i);
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
		if (stat(s, &st) < 0) {
			rc = -1; /* errno says why */
		} else if (S_ISDIR(st.st_mode)) {
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
	pthread_mutex_init(&j.lock, NULL);
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
	j.nshare = (size_t)jobs;
	j.share = xcalloc(j.nshare, sizeof(*j.share));
	for (size_t w = 0; w < j.nshare; w++) {
		j.share[w].lo = j.npages * w / j.nshare;
		j.share[w].hi = j.npages * (w + 1) / j.nshare;
	}
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
	free(j.share);
	pthread_mutex_destroy(&j.lock);
	return d->errors ? -1 : j.written;
}
