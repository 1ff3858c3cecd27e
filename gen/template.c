/*
 * template.c - see template.h.
 *
 * A template compiles to a Lua chunk returning function(_ENV, _o) that
 * appends strings to the table _o. Lines of the chunk match lines of the
 * template, so Lua's own error positions are template positions. The
 * runtime (rendering, include, layout, escaping) is the Lua prelude below,
 * run once per state.
 */
#include "template.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#define REG_TPL "kb.tpl"      /* registry: light userdata struct tpl * */
#define REG_RENDER "kb.render" /* registry: the prelude's render function */

struct tpl {
	lua_State *L;
	char *dir;
	int depth;      /* '/' count of the URL of the page being rendered */
	struct buf join; /* scratch of S_concat, kept to save regrowing */
	size_t last;     /* length of the last page, to presize the next */
};

static const char prelude[] =
	"local loader, G, safe_mt, concat = ...\n"
	"local templates, ctxs, layouts, depth = {}, {}, {}, 0\n"
	"local getmetatable, setmetatable = getmetatable, setmetatable\n"
	"local G_mt = {__index = G}\n"
	"local function raw(s)\n"
	"  if getmetatable(s) == safe_mt then return s end\n"
	"  return setmetatable({s == nil and '' or tostring(s)}, safe_mt)\n"
	"end\n"
	"G.raw = raw\n"
	/* The context table is the template's _ENV; globals not in it come
	 * from G through its metatable. Returns the output's pieces: the
	 * caller joins them (tpl_render writes them out without making one
	 * Lua string of the page). */
	"local function render(name, ctx)\n"
	"  local f = templates[name]\n"
	"  if not f then f = loader(name); templates[name] = f end\n"
	"  if getmetatable(ctx) == nil then setmetatable(ctx, G_mt) end\n"
	"  depth = depth + 1\n"
	"  ctxs[depth], layouts[depth] = ctx, nil\n"
	"  local out = {}\n"
	"  f(ctx, out)\n"
	"  local lay = layouts[depth]\n"
	"  ctxs[depth], layouts[depth] = nil, nil\n"
	"  depth = depth - 1\n"
	"  if lay then\n"
	"    return render(lay, setmetatable({content = raw(concat(out))}, {__index = ctx}))\n"
	"  end\n"
	"  return out\n"
	"end\n"
	"function G.include(name, ctx)\n"
	"  return raw(concat(render(name, ctx or ctxs[depth])))\n"
	"end\n"
	"function G.layout(name) layouts[depth] = name end\n"
	"return render\n";

#define REG_SAFE "kb.safe"    /* registry: the metatable of raw strings */

/* esc(v) -> string: v HTML-escaped; nil gives "", raw strings pass.
 * Upvalue 1 is the metatable of raw strings. (-1, +1, m) */
static int S_esc(lua_State *L)
{
	size_t len;
	const char *s;
	switch (lua_type(L, 1)) {
	case LUA_TNONE:
	case LUA_TNIL:
		lua_pushliteral(L, "");
		return 1;
	case LUA_TSTRING:
		s = lua_tolstring(L, 1, &len);
		break;
	case LUA_TTABLE:
		if (lua_getmetatable(L, 1)) {
			int safe = lua_rawequal(L, -1, lua_upvalueindex(1));
			lua_pop(L, 1);
			if (safe) {
				lua_rawgeti(L, 1, 1);
				return 1;
			}
		}
		/* fall through */
	default:
		s = luaL_tolstring(L, 1, &len);
		break;
	}
	if (strcspn(s, "&<>\"'") >= len) {
		lua_pushvalue(L, -1); /* the string itself */
		return 1;
	}
	struct buf b = BUF_INIT;
	buf_put_html(&b, s, len);
	lua_pushlstring(L, b.data, b.len);
	buf_release(&b);
	return 1;
}

/* url(to) -> to made relative to the current page; absolute URLs and
 * "#anchors" are returned as they are. Upvalue 1 is the struct tpl.
 * (-1, +1, m) */
static int S_url(lua_State *L)
{
	if (lua_type(L, 1) != LUA_TSTRING) {
		lua_settop(L, 1);
		return 1;
	}
	size_t len;
	const char *to = lua_tolstring(L, 1, &len);
	const char *p = to;
	while (*p && (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.'))
		p++;
	const struct tpl *t = lua_touserdata(L, lua_upvalueindex(1));
	if (*to == '#' || *to == '/' || (*p == ':' && p != to) || t->depth == 0) {
		lua_settop(L, 1);
		return 1;
	}
	size_t up = (size_t)t->depth * 3, n = up + len;
	char small[256];
	luaL_Buffer b;
	char *dst = n <= sizeof(small) ? small : luaL_buffinitsize(L, &b, n);
	for (size_t i = 0; i < up; i += 3)
		memcpy(dst + i, "../", 3);
	memcpy(dst + up, to, len);
	if (dst == small)
		lua_pushlstring(L, small, n);
	else
		luaL_pushresultsize(&b, n);
	return 1;
}

/* Appends the pieces t[1..#t] of the table at idx to b: what
 * table.concat(t) returns, without its buffer regrowing and copying.
 * Returns 0, or the index of the first piece that is neither a string nor
 * a number. */
static lua_Integer S_join(lua_State *L, int idx, struct buf *b)
{
	lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
	for (lua_Integer i = 1; i <= n; i++) {
		size_t len;
		const char *s;
		int type = lua_rawgeti(L, idx, i);
		if (type != LUA_TSTRING && type != LUA_TNUMBER) {
			lua_pop(L, 1);
			return i;
		}
		s = lua_tolstring(L, -1, &len);
		if (b->cap - b->len <= len)
			buf_grow(b, len);
		memcpy(b->data + b->len, s, len);
		b->len += len;
		lua_pop(L, 1); /* the table keeps the string alive */
	}
	if (b->cap)
		b->data[b->len] = '\0';
	return 0;
}

/* concat(t) -> table.concat(t). Upvalue 1 is the struct tpl. (-1, +1, e) */
static int S_concat(lua_State *L)
{
	struct tpl *t = lua_touserdata(L, lua_upvalueindex(1));
	luaL_checktype(L, 1, LUA_TTABLE);
	buf_truncate(&t->join, 0);
	lua_Integer bad = S_join(L, 1, &t->join);
	if (bad)
		return luaL_error(L, "invalid value (at index %I) in table for 'concat'",
				  (LUAI_UACINT)bad);
	lua_pushlstring(L, t->join.data, t->join.len);
	return 1;
}

/* ---- the sandbox ---- */

static int S_open_libs(lua_State *L)
{
	static const luaL_Reg libs[] = {
		{ LUA_GNAME, luaopen_base },
		{ LUA_STRLIBNAME, luaopen_string },
		{ LUA_TABLIBNAME, luaopen_table },
		{ LUA_MATHLIBNAME, luaopen_math },
		{ LUA_UTF8LIBNAME, luaopen_utf8 },
		{ NULL, NULL },
	};
	for (const luaL_Reg *l = libs; l->func; l++) {
		luaL_requiref(L, l->name, l->func, 1);
		lua_pop(L, 1);
	}
	/* No file access, no bytecode, no output behind kb's back. */
	static const char *const denied[] = {
		"dofile", "loadfile", "load", "print", "require", "collectgarbage",
	};
	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		lua_pushnil(L);
		lua_setglobal(L, denied[i]);
	}
	return 0;
}

lua_State *tpl_sandbox_new(void)
{
	lua_State *L = luaL_newstate();
	if (!L)
		return NULL;
	lua_pushcfunction(L, S_open_libs);
	if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
		lua_close(L);
		return NULL;
	}
	/* Rendering makes much short-lived garbage (page strings, context
	 * tables) around long-lived data (the site): the generational
	 * collector's case. */
	lua_gc(L, LUA_GCGEN, 0, 0);
	return L;
}

/* ---- the compiler ---- */

static void S_emit_string(struct buf *lua, const char *s, size_t len)
{
	buf_puts(lua, "_n=_n+1 _o[_n]=\"");
	size_t nl = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '\n': buf_puts(lua, "\\n"); nl++; break;
		case '\r': buf_puts(lua, "\\r"); break;
		case '"': buf_puts(lua, "\\\""); break;
		case '\\': buf_puts(lua, "\\\\"); break;
		case '\0': buf_puts(lua, "\\0"); break;
		default: buf_putc(lua, c);
		}
	}
	buf_puts(lua, "\" ");
	/* Keep the chunk's lines in step with the template's. */
	for (size_t i = 0; i < nl; i++)
		buf_putc(lua, '\n');
}

char *tpl_compile(const char *src, size_t len)
{
	struct buf lua = BUF_INIT;
	buf_puts(&lua, "return function(_ENV, _o) local esc, tostring, _n = esc, tostring, 0 ");
	const char *p = src, *end = src + len;
	while (p < end) {
		const char *open = NULL;
		for (const char *q = p; q + 1 < end; q++) {
			if (q[0] == '{' && (q[1] == '{' || q[1] == '%' || q[1] == '#')) {
				open = q;
				break;
			}
		}
		if (!open) {
			S_emit_string(&lua, p, (size_t)(end - p));
			break;
		}
		if (open > p)
			S_emit_string(&lua, p, (size_t)(open - p));
		const char *closer;
		int kind = open[1], rawout = 0;
		const char *body = open + 2;
		if (kind == '{' && body < end && *body == '{') {
			rawout = 1;
			body++;
			closer = "}}}";
		} else {
			closer = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
		}
		const char *close = memmem(body, (size_t)(end - body), closer, strlen(closer));
		if (!close) {
			/* Unclosed tag: let Lua report it at the right line. */
			buf_puts(&lua, " error('unclosed template tag') ");
			break;
		}
		const char *after = close + strlen(closer);
		if (kind == '{') {
			buf_puts(&lua, rawout ? "_n=_n+1 _o[_n]=tostring(" : "_n=_n+1 _o[_n]=esc(");
			buf_put(&lua, body, (size_t)(close - body));
			buf_puts(&lua, ") ");
		} else if (kind == '%') {
			buf_put(&lua, body, (size_t)(close - body));
			buf_puts(&lua, " ");
		} else {
			for (const char *q = body; q < close; q++)
				if (*q == '\n')
					buf_putc(&lua, '\n');
		}
		if (kind != '{' && after < end && *after == '\n') {
			after++;
			buf_putc(&lua, '\n');
		}
		p = after;
	}
	buf_puts(&lua, " end");
	return buf_detach(&lua);
}

/* ---- rendering ---- */

/* loader(name) -> compiled function; raises "templates/x.html:N: msg". */
static int S_loader(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	lua_getfield(L, LUA_REGISTRYINDEX, REG_TPL);
	struct tpl *t = lua_touserdata(L, -1);
	lua_pop(L, 1);
	if (strstr(name, "..") || name[0] == '/')
		return luaL_error(L, "bad template name '%s'", name);
	char *path = path_join(t->dir, name);
	char *src;
	size_t len;
	if (read_file(path, &src, &len) < 0) {
		lua_pushfstring(L, "%s: cannot read template", path);
		free(path);
		return lua_error(L);
	}
	char *code = tpl_compile(src, len);
	free(src);
	char *chunkname = xasprintf("@%s", path);
	free(path);
	int rc = luaL_loadbufferx(L, code, strlen(code), chunkname, "t");
	free(code);
	free(chunkname);
	if (rc != LUA_OK)
		return lua_error(L);
	lua_call(L, 0, 1);
	return 1;
}

struct tpl *tpl_new(const char *dir)
{
	lua_State *L = tpl_sandbox_new();
	if (!L)
		return NULL;
	struct tpl *t = xcalloc(1, sizeof(*t));
	t->L = L;
	t->dir = xstrdup(dir);
	buf_init(&t->join);
	lua_pushlightuserdata(L, t);
	lua_setfield(L, LUA_REGISTRYINDEX, REG_TPL);
	lua_newtable(L); /* the metatable of raw strings */
	lua_pushvalue(L, -1);
	lua_setfield(L, LUA_REGISTRYINDEX, REG_SAFE);
	lua_pushvalue(L, -1);
	lua_pushcclosure(L, S_esc, 1);
	lua_setfield(L, -2, "__tostring");
	lua_pushvalue(L, -1);
	lua_pushcclosure(L, S_esc, 1);
	lua_setglobal(L, "esc");
	lua_pop(L, 1);
	lua_pushlightuserdata(L, t);
	lua_pushcclosure(L, S_url, 1);
	lua_setglobal(L, "url");
	if (luaL_loadbufferx(L, prelude, sizeof(prelude) - 1, "=prelude", "t") != LUA_OK)
		goto fail;
	lua_pushcfunction(L, S_loader);
	lua_pushglobaltable(L);
	lua_getfield(L, LUA_REGISTRYINDEX, REG_SAFE);
	lua_pushlightuserdata(L, t);
	lua_pushcclosure(L, S_concat, 1);
	if (lua_pcall(L, 4, 1, 0) != LUA_OK)
		goto fail;
	lua_setfield(L, LUA_REGISTRYINDEX, REG_RENDER);
	return t;
fail:
	lua_close(L);
	buf_release(&t->join);
	free(t->dir);
	free(t);
	return NULL;
}

struct lua_State *tpl_state(struct tpl *t)
{
	return t->L;
}

int tpl_render(struct tpl *t, const char *name, const char *page_url,
	       char **out, char **err)
{
	lua_State *L = t->L;
	int ctx = lua_gettop(L);
	t->depth = 0;
	for (const char *p = page_url ? page_url : ""; *p; p++)
		t->depth += *p == '/';
	lua_getfield(L, LUA_REGISTRYINDEX, REG_RENDER);
	lua_pushstring(L, name);
	lua_pushvalue(L, ctx);
	int rc = lua_pcall(L, 2, 1, 0);
	if (rc != LUA_OK) {
		const char *msg = lua_tostring(L, -1);
		*err = xstrdup(msg ? msg : "template error (not a string)");
		*out = NULL;
		lua_settop(L, ctx - 1);
		return -1;
	}
	/* The page's pieces, joined straight into the caller's string. */
	struct buf page = BUF_INIT;
	buf_grow(&page, t->last);
	lua_Integer bad = lua_istable(L, -1) ? S_join(L, lua_gettop(L), &page) : 1;
	if (bad) {
		buf_release(&page);
		*err = xasprintf("invalid value (at index %lld) in table for 'concat'",
				 (long long)bad);
		*out = NULL;
		lua_settop(L, ctx - 1);
		return -1;
	}
	t->last = page.len;
	*out = buf_detach(&page);
	*err = NULL;
	lua_settop(L, ctx - 1);
	return 0;
}

void tpl_free(struct tpl *t)
{
	if (!t)
		return;
	lua_close(t->L);
	buf_release(&t->join);
	free(t->dir);
	free(t);
}
