/*
 * config.c - kb.lua -> struct config (see config.h).
 *
 * The file runs in the same sandbox as templates; kb then reads the
 * globals it knows. Unknown globals are errors, as unknown front matter
 * keys are, so a typo cannot pass silently.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "template.h"

static const char *const known_globals[] = {
	"title", "description", "base_url", "raw_html", "history_url",
	"source_url", "runners", "pagefind",
	"links", "synonyms",
	NULL,
};

/* Runners used when kb.lua declares none. */
static const char default_runners[] =
	"return {\n"
	"  c = { ext = '.c',\n"
	"    compile = {'cc', '-std=c11', '-Wall', '-Wextra', '-Werror', '-pthread',\n"
	"               '{cflags}', '-o', '{bin}', '{src}'},\n"
	"    tsan = {'cc', '-std=c11', '-Wall', '-Wextra', '-Werror', '-pthread',\n"
	"            '-fsanitize=thread', '-g', '-O1', '{cflags}', '-o', '{bin}', '{src}'},\n"
	"    run = {'{bin}', '{args}'},\n"
	"    version = {'cc', '--version'} },\n"
	"  python = { ext = '.py',\n"
	"    run = {'python3', '-X', 'dev', '{src}', '{args}'},\n"
	"    version = {'python3', '--version'} },\n"
	"}\n";

static char *S_string(lua_State *L, const char *key, const char *dflt)
{
	lua_getglobal(L, key);
	const char *v = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : dflt;
	char *r = xstrdup(v);
	lua_pop(L, 1);
	return r;
}

static int S_argv(lua_State *L, int idx, const char *field, struct strlist *out,
		  const char *path, const char *lang, struct diags *d)
{
	lua_getfield(L, idx, field);
	int rc = 0;
	if (lua_istable(L, -1)) {
		lua_Integer n = luaL_len(L, -1);
		for (lua_Integer i = 1; i <= n; i++) {
			lua_geti(L, -1, i);
			if (lua_type(L, -1) != LUA_TSTRING) {
				diag_add(d, DIAG_ERROR, path, 0, 0,
					 "runners.%s.%s must be a list of strings", lang, field);
				rc = -1;
			} else {
				strlist_push(out, lua_tostring(L, -1));
			}
			lua_pop(L, 1);
		}
	} else if (!lua_isnil(L, -1)) {
		diag_add(d, DIAG_ERROR, path, 0, 0,
			 "runners.%s.%s must be a list like {'cc', '{src}'}", lang, field);
		rc = -1;
	}
	lua_pop(L, 1);
	return rc;
}

/* Reads the toolchains list of runner r (the table at idx), or makes
 * the implicit toolchain when there is none. */
static int S_toolchains(lua_State *L, int idx, struct runner *r, const char *path,
			struct diags *d)
{
	lua_getfield(L, idx, "toolchains");
	int rc = 0;
	if (lua_isnil(L, -1)) {
		r->toolchains = xcalloc(1, sizeof(*r->toolchains));
		r->ntoolchains = 1;
		lua_pop(L, 1);
		return 0;
	}
	if (!lua_istable(L, -1) || !luaL_len(L, -1)) {
		diag_add(d, DIAG_ERROR, path, 0, 0, "runners.%s.toolchains must be a "
			 "list like { { name = 'Python 3.13', python = '/usr/bin/python3.13' } }",
			 r->name);
		lua_pop(L, 1);
		return -1;
	}
	r->declared = 1;
	lua_Integer n = luaL_len(L, -1);
	r->toolchains = xcalloc((size_t)n, sizeof(*r->toolchains));
	for (lua_Integer i = 1; i <= n; i++) {
		lua_geti(L, -1, i);
		struct toolchain *t = &r->toolchains[r->ntoolchains++];
		if (!lua_istable(L, -1)) {
			diag_add(d, DIAG_ERROR, path, 0, 0, "runners.%s.toolchains[%lld] "
				 "must be a table", r->name, (long long)i);
			rc = -1;
			lua_pop(L, 1);
			continue;
		}
		int t_idx = lua_gettop(L);
		lua_pushnil(L);
		while (lua_next(L, t_idx)) {
			const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
			if (!k || lua_type(L, -1) != LUA_TSTRING) {
				diag_add(d, DIAG_ERROR, path, 0, 0, "runners.%s.toolchains[%lld]: "
					 "every field must be a string (name = '...', root = '...', "
					 "or a variable such as python = '...')", r->name, (long long)i);
				rc = -1;
			} else if (!strcmp(k, "name")) {
				t->name = xstrdup(lua_tostring(L, -1));
			} else if (!strcmp(k, "root")) {
				t->root = xstrdup(lua_tostring(L, -1));
			} else {
				strlist_push(&t->vars, k);
				strlist_push(&t->vars, lua_tostring(L, -1));
			}
			lua_pop(L, 1);
		}
		/* pairs sorted by key: Lua's table order is not stable */
		for (size_t a = 2; a < t->vars.n; a += 2)
			for (size_t b = a; b >= 2 && strcmp(t->vars.items[b - 2], t->vars.items[b]) > 0; b -= 2)
				for (int k = 0; k < 2; k++) {
					char *tmp = t->vars.items[b - 2 + k];
					t->vars.items[b - 2 + k] = t->vars.items[b + k];
					t->vars.items[b + k] = tmp;
				}
		if (!t->name) {
			diag_add(d, DIAG_ERROR, path, 0, 0, "runners.%s.toolchains[%lld] "
				 "needs a name (e.g. name = 'Python 3.13')", r->name, (long long)i);
			t->name = xasprintf("%s #%lld", r->name, (long long)i);
			rc = -1;
		}
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return rc;
}

static int S_cmp_runner(const void *a, const void *b)
{
	return strcmp(((const struct runner *)a)->name, ((const struct runner *)b)->name);
}

/* Reads the runners table at the top of the stack. */
static int S_runners(lua_State *L, struct config *cfg, struct diags *d)
{
	int rc = 0, idx = lua_gettop(L);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		if (lua_type(L, -2) != LUA_TSTRING || !lua_istable(L, -1)) {
			diag_add(d, DIAG_ERROR, cfg->path, 0, 0,
				 "runners must map a language name to a table");
			lua_pop(L, 1);
			rc = -1;
			continue;
		}
		const char *lang = lua_tostring(L, -2);
		cfg->runners = xrealloc(cfg->runners, (cfg->nrunners + 1) * sizeof(*cfg->runners));
		struct runner *r = &cfg->runners[cfg->nrunners++];
		memset(r, 0, sizeof(*r));
		r->name = xstrdup(lang);
		lua_getfield(L, -1, "ext");
		r->ext = xstrdup(lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "");
		lua_pop(L, 1);
		int t = lua_gettop(L);
		if (S_argv(L, t, "compile", &r->compile, cfg->path, lang, d) < 0 ||
		    S_argv(L, t, "tsan", &r->tsan, cfg->path, lang, d) < 0 ||
		    S_argv(L, t, "run", &r->run, cfg->path, lang, d) < 0 ||
		    S_argv(L, t, "version", &r->version, cfg->path, lang, d) < 0 ||
		    S_toolchains(L, t, r, cfg->path, d) < 0)
			rc = -1;
		if (!r->run.n) {
			diag_add(d, DIAG_ERROR, cfg->path, 0, 0,
				 "runners.%s needs a 'run' command", lang);
			rc = -1;
		}
		lua_pop(L, 1);
	}
	if (cfg->nrunners > 1)
		qsort(cfg->runners, cfg->nrunners, sizeof(*cfg->runners), S_cmp_runner);
	return rc;
}

/* ---- links = { ... } (kb links) ---- */

static const char *const links_keys[] = {
	"skip", "allow", "ttl_days", "per_host", "concurrency", "delay",
	"timeout", "retries", "retry_wait", NULL,
};

/* links.KEY, a number from lo to hi, into *out; absent: unchanged. */
static int S_links_number(lua_State *L, int idx, const char *key, double lo,
			  double hi, int integer, double *out, const char *path,
			  struct diags *d)
{
	lua_getfield(L, idx, key);
	int rc = 0;
	if (!lua_isnil(L, -1)) {
		int isnum = lua_type(L, -1) == LUA_TNUMBER;
		double v = isnum ? lua_tonumber(L, -1) : 0;
		if (!isnum || v < lo || v > hi || (integer && v != (double)(long long)v)) {
			diag_add(d, DIAG_ERROR, path, 0, 0,
				 "links.%s must be %s from %g to %g", key,
				 integer ? "a whole number" : "a number", lo, hi);
			rc = -1;
		} else {
			*out = v;
		}
	}
	lua_pop(L, 1);
	return rc;
}

/* links.KEY, a list of host names, into out. */
static int S_links_hosts(lua_State *L, int idx, const char *key, struct strlist *out,
			 const char *path, struct diags *d)
{
	lua_getfield(L, idx, key);
	int rc = 0;
	if (lua_istable(L, -1)) {
		lua_Integer n = luaL_len(L, -1);
		for (lua_Integer i = 1; i <= n; i++) {
			lua_geti(L, -1, i);
			const char *h = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
			if (!h || !*h || strpbrk(h, "/: ")) {
				diag_add(d, DIAG_ERROR, path, 0, 0,
					 "links.%s must list host names like \"example.org\"", key);
				rc = -1;
			} else {
				char *low = xstrdup(h[0] == '*' && h[1] == '.' ? h + 2 : h);
				for (char *c = low; *c; c++)
					if (*c >= 'A' && *c <= 'Z')
						*c = (char)(*c - 'A' + 'a');
				strlist_push_owned(out, low);
			}
			lua_pop(L, 1);
		}
	} else if (!lua_isnil(L, -1)) {
		diag_add(d, DIAG_ERROR, path, 0, 0,
			 "links.%s must be a list like { \"example.org\" }", key);
		rc = -1;
	}
	lua_pop(L, 1);
	return rc;
}

/* Reads the links table, if any, into cfg->links (defaults set before). */
static int S_links(lua_State *L, struct config *cfg, struct diags *d)
{
	struct links_config *lc = &cfg->links;
	lua_getglobal(L, "links");
	int idx = lua_gettop(L), rc = 0;
	if (lua_isnil(L, idx)) {
		lua_pop(L, 1);
		return 0;
	}
	if (!lua_istable(L, idx)) {
		diag_add(d, DIAG_ERROR, cfg->path, 0, 0,
			 "'links' must be a table like { ttl_days = 7 }");
		lua_pop(L, 1);
		return -1;
	}
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
		int known = 0;
		for (const char *const *p = links_keys; k && *p && !known; p++)
			known = !strcmp(*p, k);
		if (!known) {
			diag_add(d, DIAG_ERROR, cfg->path, 0, 0, "unknown setting 'links.%s'",
				 k ? k : "?");
			rc = -1;
		}
	}
	double ttl = lc->ttl_days, per = lc->per_host, conc = lc->concurrency;
	double retries = lc->retries, wait = lc->retry_wait;
	if (S_links_hosts(L, idx, "skip", &lc->skip, cfg->path, d) < 0 ||
	    S_links_hosts(L, idx, "allow", &lc->allow, cfg->path, d) < 0)
		rc = -1;
	if (S_links_number(L, idx, "ttl_days", 0, 3650, 1, &ttl, cfg->path, d) < 0 ||
	    S_links_number(L, idx, "per_host", 1, 64, 1, &per, cfg->path, d) < 0 ||
	    S_links_number(L, idx, "concurrency", 1, 256, 1, &conc, cfg->path, d) < 0 ||
	    S_links_number(L, idx, "delay", 0, 60, 0, &lc->delay, cfg->path, d) < 0 ||
	    S_links_number(L, idx, "timeout", 0.1, 300, 0, &lc->timeout, cfg->path, d) < 0 ||
	    S_links_number(L, idx, "retries", 0, 10, 1, &retries, cfg->path, d) < 0 ||
	    S_links_number(L, idx, "retry_wait", 0, 3600, 1, &wait, cfg->path, d) < 0)
		rc = -1;
	lc->ttl_days = (int)ttl;
	lc->per_host = (int)per;
	lc->concurrency = (int)conc;
	lc->retries = (int)retries;
	lc->retry_wait = (int)wait;
	lua_pop(L, 1);
	return rc;
}

/* kb.lua's `synonyms = { {"gil", "global interpreter lock"}, ... }`: each
 * group two or more non-empty strings, a string in one group only. */
static int S_synonyms(lua_State *L, struct config *cfg, struct diags *d)
{
	int rc = 0;
	lua_getglobal(L, "synonyms");
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return 0;
	}
	if (!lua_istable(L, -1)) {
		diag_add(d, DIAG_ERROR, cfg->path, 0, 0,
			 "'synonyms' must be a list of groups, like"
			 " { {'gil', 'global interpreter lock'} }");
		lua_pop(L, 1);
		return -1;
	}
	lua_Integer n = luaL_len(L, -1);
	cfg->synonyms = xcalloc((size_t)n + 1, sizeof(*cfg->synonyms));
	for (lua_Integer i = 1; i <= n; i++) {
		struct strlist *g = &cfg->synonyms[cfg->nsynonyms];
		int ok = lua_geti(L, -1, i) == LUA_TTABLE && luaL_len(L, -1) >= 2;
		for (lua_Integer k = 1; ok && k <= luaL_len(L, -1); k++) {
			ok = lua_geti(L, -1, k) == LUA_TSTRING && *lua_tostring(L, -1);
			if (ok)
				strlist_push(g, lua_tostring(L, -1));
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
		if (!ok)
			diag_add(d, DIAG_ERROR, cfg->path, 0, 0,
				 "synonyms[%lld] must list two or more non-empty"
				 " strings, like {'gil', 'global interpreter lock'}",
				 (long long)i);
		for (size_t k = 0; ok && k < g->n; k++)
			for (size_t j = 0; ok && j < cfg->nsynonyms; j++)
				if (strlist_contains(&cfg->synonyms[j], g->items[k])) {
					diag_add(d, DIAG_ERROR, cfg->path, 0, 0,
						 "synonyms[%lld]: '%s' is already in another group",
						 (long long)i, g->items[k]);
					ok = 0;
				}
		if (!ok) {
			rc = -1;
			strlist_release(g);
			continue;
		}
		cfg->nsynonyms++;
	}
	lua_pop(L, 1);
	return rc;
}

static int S_check_globals(lua_State *L, const char *path, struct diags *d)
{
	int rc = 0;
	/* A fresh state's globals, to tell the file's own apart. */
	lua_State *fresh = tpl_sandbox_new();
	lua_pushglobaltable(L);
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING)
			continue;
		const char *k = lua_tostring(L, -1);
		int known = 0;
		for (const char *const *g = known_globals; *g && !known; g++)
			known = !strcmp(*g, k);
		if (!known && fresh) {
			lua_getglobal(fresh, k);
			known = !lua_isnil(fresh, -1);
			lua_pop(fresh, 1);
		}
		if (!known) {
			diag_add(d, DIAG_ERROR, path, 0, 0, "unknown setting '%s'", k);
			rc = -1;
		}
	}
	lua_pop(L, 1);
	if (fresh)
		lua_close(fresh);
	return rc;
}

int config_load(struct config *cfg, const char *path, struct diags *d)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->path = xstrdup(path);
	lua_State *L = tpl_sandbox_new();
	if (!L) {
		diag_add(d, DIAG_ERROR, path, 0, 0, "cannot create a Lua state");
		return -1;
	}
	int rc = 0;
	char *src = NULL;
	size_t len = 0;
	if (read_file(path, &src, &len) < 0) {
		if (errno != ENOENT) {
			diag_add(d, DIAG_ERROR, path, 0, 0, "cannot read: %s", strerror(errno));
			rc = -1;
		}
	} else {
		char *chunk = xasprintf("@%s", path);
		if (luaL_loadbufferx(L, src, len, chunk, "t") != LUA_OK ||
		    lua_pcall(L, 0, 0, 0) != LUA_OK) {
			/* Lua's message starts with "path:line:"; ours adds "error:". */
			const char *msg = lua_tostring(L, -1);
			const char *rest = msg && !strncmp(msg, path, strlen(path)) ?
				msg + strlen(path) : NULL;
			int line = rest && *rest == ':' ? atoi(rest + 1) : 0;
			const char *text = rest ? strstr(rest + 1, ": ") : NULL;
			diag_add(d, DIAG_ERROR, path, line, 0, "%s",
				 text ? text + 2 : (msg ? msg : "error"));
			rc = -1;
		}
		free(chunk);
		free(src);
	}
	if (rc == 0 && S_check_globals(L, path, d) < 0)
		rc = -1;

	cfg->title = S_string(L, "title", "kb");
	cfg->description = S_string(L, "description", "");
	cfg->base_url = S_string(L, "base_url", "");
	cfg->history_url = S_string(L, "history_url", "");
	cfg->source_url = S_string(L, "source_url", "");
	if (*cfg->base_url && cfg->base_url[strlen(cfg->base_url) - 1] != '/') {
		char *b = xasprintf("%s/", cfg->base_url);
		free(cfg->base_url);
		cfg->base_url = b;
	}
	lua_getglobal(L, "raw_html");
	cfg->raw_html = lua_toboolean(L, -1);
	lua_pop(L, 1);
	lua_getglobal(L, "pagefind");
	cfg->pagefind = lua_toboolean(L, -1);
	lua_pop(L, 1);

	cfg->links.ttl_days = 7;
	cfg->links.per_host = 2;
	cfg->links.concurrency = 16;
	cfg->links.delay = 0.5;
	cfg->links.timeout = 10;
	cfg->links.retries = 2;
	cfg->links.retry_wait = 60;
	if (S_links(L, cfg, d) < 0)
		rc = -1;
	if (S_synonyms(L, cfg, d) < 0)
		rc = -1;

	lua_getglobal(L, "runners");
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		luaL_loadstring(L, default_runners);
		lua_call(L, 0, 1);
	}
	if (!lua_istable(L, -1)) {
		diag_add(d, DIAG_ERROR, path, 0, 0, "'runners' must be a table");
		rc = -1;
	} else if (S_runners(L, cfg, d) < 0) {
		rc = -1;
	}
	lua_pop(L, 1);
	lua_close(L);
	return rc;
}

const struct runner *config_runner(const struct config *cfg, const char *lang)
{
	for (size_t i = 0; i < cfg->nrunners; i++)
		if (!strcmp(cfg->runners[i].name, lang))
			return &cfg->runners[i];
	return NULL;
}

void config_release(struct config *cfg)
{
	for (size_t i = 0; i < cfg->nrunners; i++) {
		struct runner *r = &cfg->runners[i];
		free(r->name);
		free(r->ext);
		strlist_release(&r->compile);
		strlist_release(&r->tsan);
		strlist_release(&r->run);
		strlist_release(&r->version);
		for (size_t j = 0; j < r->ntoolchains; j++) {
			free(r->toolchains[j].name);
			free(r->toolchains[j].root);
			strlist_release(&r->toolchains[j].vars);
		}
		free(r->toolchains);
	}
	free(cfg->runners);
	strlist_release(&cfg->links.skip);
	strlist_release(&cfg->links.allow);
	for (size_t i = 0; i < cfg->nsynonyms; i++)
		strlist_release(&cfg->synonyms[i]);
	free(cfg->synonyms);
	free(cfg->path);
	free(cfg->title);
	free(cfg->description);
	free(cfg->base_url);
	free(cfg->history_url);
	free(cfg->source_url);
	memset(cfg, 0, sizeof(*cfg));
}
