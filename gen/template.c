/*
 * template.c - see template.h.
 *
 * A template compiles to a Lua chunk returning function(_ENV, _w). The
 * text and the {{ }} outputs between two {% %} tags become one call
 * _w(mask, ...), which appends its arguments to the output buffer of the
 * template being rendered, HTML-escaping those whose bit is set in mask.
 * Lines of the chunk match lines of the template, so Lua's own error
 * positions are template positions. The runtime (rendering, include,
 * layout) is the Lua prelude below, run once per state; output buffers
 * (one per template being rendered: page, layout, partials) live in C and
 * are reused from page to page.
 */
#include "template.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#define REG_RENDER "kb.render" /* registry: the prelude's render function */

/* The struct tpl of a template state, kept in the state's extra space so
 * that the output functions find it without a Lua call. */
static inline struct tpl *S_tpl(lua_State *L)
{
	return *(struct tpl **)lua_getextraspace(L);
}

/* Arguments of one _w call at most: the bits of its mask. */
#define MAX_WRITE_ARGS 60

struct tpl {
	lua_State *L;
	char *dir;
	int depth;       /* '/' count of the URL of the page being rendered */
	struct buf *out; /* output buffers, out[level - 1] the current one */
	int level, nout;
	int url_depth;   /* the depth url()'s cache upvalue is for, -1 none */
};

static const char prelude[] =
	"local loader, G, safe_mt, open, close, write = ...\n"
	"local templates, ctxs, layouts, depth = {}, {}, {}, 0\n"
	"local getmetatable, setmetatable = getmetatable, setmetatable\n"
	"local G_mt = {__index = G}\n"
	"local function raw(s)\n"
	"  if getmetatable(s) == safe_mt then return s end\n"
	"  return setmetatable({s == nil and '' or tostring(s)}, safe_mt)\n"
	"end\n"
	"G.raw = raw\n"
	/* The context table is the template's _ENV; globals not in it come
	 * from G through its metatable. The output is left in a new buffer
	 * (open()) that the caller takes (close() or tpl_render). A layout
	 * gets the output of the template it wraps as a raw string. */
	"local function render(name, ctx)\n"
	"  local f = templates[name]\n"
	"  if not f then f = loader(name); templates[name] = f end\n"
	"  if getmetatable(ctx) == nil then setmetatable(ctx, G_mt) end\n"
	"  depth = depth + 1\n"
	"  ctxs[depth], layouts[depth] = ctx, nil\n"
	"  open()\n"
	"  f(ctx, write)\n"
	"  local lay = layouts[depth]\n"
	"  ctxs[depth], layouts[depth] = nil, nil\n"
	"  depth = depth - 1\n"
	"  if lay then\n"
	"    return render(lay, setmetatable({content = raw(close())},\n"
	"                                    {__index = ctx}))\n"
	"  end\n"
	"end\n"
	"function G.include(name, ctx)\n"
	"  render(name, ctx or ctxs[depth])\n"
	"  return raw(close())\n"
	"end\n"
	"function G.layout(name) layouts[depth] = name end\n"
	"return function(name, ctx) depth = 0; render(name, ctx) end\n";

#define REG_SAFE "kb.safe"    /* registry: the metatable of raw strings */
#define REG_URL "kb.url"       /* registry: the url() function */
#define REG_URLS "kb.urls"     /* registry: url()'s results, by page depth */

/* buf_put() without the terminating NUL (tpl_render and close() need
 * none): the output's hot path. */
static inline void S_put(struct buf *b, const char *s, size_t len)
{
	if (b->cap - b->len <= len)
		buf_grow(b, len);
	memcpy(b->data + b->len, s, len);
	b->len += len;
}

/* Appends the integer v as tostring() prints it. */
static void S_put_integer(struct buf *b, lua_Integer v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	lua_Unsigned u = v < 0 ? 0u - (lua_Unsigned)v : (lua_Unsigned)v;
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10));
	if (v < 0)
		*--p = '-';
	S_put(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* The raw string of the value at idx if it is a raw-string table, else
 * NULL. (-0, +0, -) */
static const char *S_safe_string(lua_State *L, int idx, int safe_mt, size_t *len)
{
	if (!lua_getmetatable(L, idx))
		return NULL;
	int safe = lua_rawequal(L, -1, safe_mt);
	lua_pop(L, 1);
	if (!safe)
		return NULL;
	lua_rawgeti(L, idx, 1);
	const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, len) : NULL;
	lua_pop(L, 1); /* the table keeps the string alive */
	return s;
}

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
	size_t n = strcspn(s, "&<>\"'");
	if (n >= len) {
		lua_pushvalue(L, -1); /* the string itself */
		return 1;
	}
	struct buf b = BUF_INIT;
	buf_put(&b, s, n);
	buf_put_html(&b, s + n, len - n);
	lua_pushlstring(L, b.data, b.len);
	buf_release(&b);
	return 1;
}

/* The current output buffer; raises an error outside a render. */
static struct buf *S_current(lua_State *L, struct tpl *t)
{
	if (t->level < 1)
		luaL_error(L, "template output outside a template");
	return &t->out[t->level - 1];
}

/* _w(mask, ...) appends its arguments to the current output: argument
 * i + 2 as esc() gives it when bit i of mask is set, else as tostring()
 * does. Upvalue 1 is the metatable of raw strings. (-n, +0, e) */
static int S_write(lua_State *L)
{
	struct tpl *t = S_tpl(L);
	lua_Integer mask = lua_tointeger(L, 1);
	int n = lua_gettop(L);
	struct buf *b = S_current(L, t);
	for (int i = 2; i <= n; i++, mask >>= 1) {
		int escape = (int)(mask & 1);
		size_t len;
		const char *s;
		int type = lua_type(L, i);
		if (type == LUA_TSTRING) {
			s = lua_tolstring(L, i, &len);
			if (escape)
				buf_put_html(b, s, len);
			else
				S_put(b, s, len);
			continue;
		}
		switch (type) {
		case LUA_TNUMBER:
			if (lua_isinteger(L, i)) {
				S_put_integer(b, lua_tointeger(L, i));
				continue;
			}
			break;
		case LUA_TNIL:
			if (escape)
				continue;
			break;
		case LUA_TTABLE:
			s = S_safe_string(L, i, lua_upvalueindex(1), &len);
			if (s) {
				S_put(b, s, len);
				continue;
			}
			break;
		default:
			break;
		}
		/* Numbers, booleans, other tables: what tostring() gives; a
		 * __tostring may render a partial, moving the buffers. */
		s = luaL_tolstring(L, i, &len);
		b = S_current(L, t);
		if (escape)
			buf_put_html(b, s, len);
		else
			S_put(b, s, len);
		lua_pop(L, 1);
	}
	return 0;
}

/* open(): starts a new output buffer. */
static int S_open(lua_State *L)
{
	struct tpl *t = S_tpl(L);
	if (t->level == t->nout) {
		if (t->nout >= 200)
			return luaL_error(L, "templates nested too deeply");
		t->out = xrealloc(t->out, (size_t)(t->nout + 8) * sizeof(*t->out));
		for (int i = t->nout; i < t->nout + 8; i++)
			buf_init(&t->out[i]);
		t->nout += 8;
	}
	buf_truncate(&t->out[t->level], 0);
	t->level++;
	return 0;
}

/* close() -> the current output as a string, ending its buffer.
 * (-0, +1, e) */
static int S_close(lua_State *L)
{
	struct tpl *t = S_tpl(L);
	struct buf *b = S_current(L, t);
	lua_pushlstring(L, b->data, b->len);
	t->level--;
	return 1;
}

/* url(to) -> to made relative to the current page; absolute URLs and
 * "#anchors" are returned as they are. Upvalue 1 is the table of the
 * results so far for pages at the current depth (set by S_url_depth).
 * (-1, +1, m) */
static int S_url(lua_State *L)
{
	const struct tpl *t = S_tpl(L);
	if (t->depth == 0 || lua_type(L, 1) != LUA_TSTRING) {
		lua_settop(L, 1);
		return 1;
	}
	lua_pushvalue(L, 1);
	if (lua_rawget(L, lua_upvalueindex(1)) == LUA_TSTRING)
		return 1;
	lua_settop(L, 1);
	size_t len;
	const char *to = lua_tolstring(L, 1, &len);
	const char *p = to;
	while (*p && (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.'))
		p++;
	if (*to == '#' || *to == '/' || (*p == ':' && p != to)) {
		lua_pushvalue(L, 1);
	} else {
		size_t up = (size_t)t->depth * 3, n = up + len;
		luaL_Buffer b;
		char *dst = luaL_buffinitsize(L, &b, n);
		for (size_t i = 0; i < up; i += 3)
			memcpy(dst + i, "../", 3);
		memcpy(dst + up, to, len);
		luaL_pushresultsize(&b, n);
	}
	lua_pushvalue(L, 1);
	lua_pushvalue(L, -2);
	lua_rawset(L, lua_upvalueindex(1));
	return 1;
}

/* Points url()'s cache upvalue at the results for pages at t->depth,
 * kept by depth in the registry. */
static void S_url_depth(struct tpl *t)
{
	lua_State *L = t->L;
	if (t->depth == t->url_depth)
		return;
	lua_getfield(L, LUA_REGISTRYINDEX, REG_URL);
	lua_getfield(L, LUA_REGISTRYINDEX, REG_URLS);
	if (lua_rawgeti(L, -1, t->depth) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_rawseti(L, -3, t->depth);
	}
	lua_setupvalue(L, -3, 1);
	lua_pop(L, 2);
	t->url_depth = t->depth;
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

/* Opens the sandbox's libraries in L; closes L and returns NULL when
 * that fails. */
static lua_State *S_sandbox(lua_State *L)
{
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

lua_State *tpl_sandbox_new(void)
{
	return S_sandbox(luaL_newstate());
}

static int S_panic(lua_State *L)
{
	const char *msg = lua_tostring(L, -1);
	fprintf(stderr, "kb: unprotected error in a template state: %s\n",
		msg ? msg : "(not a string)");
	return 0; /* then Lua aborts */
}

/* ---- the compiler ---- */

/* The output calls being compiled: consecutive text and {{ }} tags
 * become the arguments of one _w call. */
struct group {
	struct buf args; /* ",arg,arg" with the template's newlines */
	int n;           /* arguments so far */
	lua_Integer mask;
};

/* Emits the pending _w call, if any. */
static void S_flush(struct buf *lua, struct group *g)
{
	if (!g->n)
		return;
	buf_printf(lua, "_w(%lld", (long long)g->mask);
	buf_put(lua, g->args.data, g->args.len);
	buf_puts(lua, ") ");
	buf_truncate(&g->args, 0);
	g->n = 0;
	g->mask = 0;
}

/* Starts the next argument of the pending call. */
static void S_arg(struct buf *lua, struct group *g, int escape)
{
	if (g->n == MAX_WRITE_ARGS)
		S_flush(lua, g);
	if (escape)
		g->mask |= (lua_Integer)1 << g->n;
	g->n++;
	buf_putc(&g->args, ',');
}

static void S_emit_string(struct buf *lua, struct group *g, const char *s, size_t len)
{
	S_arg(lua, g, 0);
	struct buf *a = &g->args;
	buf_putc(a, '"');
	size_t nl = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '\n': buf_puts(a, "\\n"); nl++; break;
		case '\r': buf_puts(a, "\\r"); break;
		case '"': buf_puts(a, "\\\""); break;
		case '\\': buf_puts(a, "\\\\"); break;
		case '\0': buf_puts(a, "\\0"); break;
		default: buf_putc(a, c);
		}
	}
	buf_putc(a, '"');
	/* Keep the chunk's lines in step with the template's. */
	for (size_t i = 0; i < nl; i++)
		buf_putc(a, '\n');
}

/* {{ expr }} (escaped) or {{{ expr }}}: one value, in parentheses so that
 * a call gives only its first result; {{ }} prints nothing. */
static void S_emit_expr(struct buf *lua, struct group *g, const char *s, size_t len,
			int escape)
{
	S_arg(lua, g, escape);
	size_t i = 0;
	while (i < len && isspace((unsigned char)s[i]))
		i++;
	if (escape && i == len) {
		buf_puts(&g->args, "nil");
	} else {
		buf_putc(&g->args, '(');
		buf_put(&g->args, s, len);
		buf_putc(&g->args, ')');
	}
}

char *tpl_compile(const char *src, size_t len)
{
	struct buf lua = BUF_INIT;
	struct group g = { BUF_INIT, 0, 0 };
	buf_puts(&lua, "return function(_ENV, _w) ");
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
			S_emit_string(&lua, &g, p, (size_t)(end - p));
			break;
		}
		if (open > p)
			S_emit_string(&lua, &g, p, (size_t)(open - p));
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
			S_flush(&lua, &g);
			buf_puts(&lua, " error('unclosed template tag') ");
			break;
		}
		const char *after = close + strlen(closer);
		struct buf *nl_to = &lua;
		if (kind == '{') {
			S_emit_expr(&lua, &g, body, (size_t)(close - body), !rawout);
		} else if (kind == '%') {
			S_flush(&lua, &g);
			buf_put(&lua, body, (size_t)(close - body));
			buf_puts(&lua, " ");
		} else {
			/* A comment does not end the pending call. */
			nl_to = g.n ? &g.args : &lua;
			for (const char *q = body; q < close; q++)
				if (*q == '\n')
					buf_putc(nl_to, '\n');
		}
		if (kind != '{' && after < end && *after == '\n') {
			after++;
			buf_putc(nl_to, '\n');
		}
		p = after;
	}
	S_flush(&lua, &g);
	buf_release(&g.args);
	buf_puts(&lua, " end");
	return buf_detach(&lua);
}

/* ---- rendering ---- */

/* loader(name) -> compiled function; raises "templates/x.html:N: msg". */
static int S_loader(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	struct tpl *t = S_tpl(L);
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
	lua_State *L = luaL_newstate();
	if (L)
		lua_atpanic(L, S_panic);
	L = S_sandbox(L);
	if (!L)
		return NULL;
	struct tpl *t = xcalloc(1, sizeof(*t));
	t->L = L;
	t->dir = xstrdup(dir);
	t->url_depth = -1;
	*(struct tpl **)lua_getextraspace(L) = t;
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
	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, REG_URLS);
	lua_pushnil(L); /* set by S_url_depth() before each page */
	lua_pushcclosure(L, S_url, 1);
	lua_pushvalue(L, -1);
	lua_setfield(L, LUA_REGISTRYINDEX, REG_URL);
	lua_setglobal(L, "url");
	if (luaL_loadbufferx(L, prelude, sizeof(prelude) - 1, "=prelude", "t") != LUA_OK) {
		tpl_free(t);
		return NULL;
	}
	lua_pushcfunction(L, S_loader);
	lua_pushglobaltable(L);
	lua_getfield(L, LUA_REGISTRYINDEX, REG_SAFE);
	lua_pushcfunction(L, S_open);
	lua_pushcfunction(L, S_close);
	lua_getfield(L, LUA_REGISTRYINDEX, REG_SAFE);
	lua_pushcclosure(L, S_write, 1);
	if (lua_pcall(L, 6, 1, 0) != LUA_OK) {
		tpl_free(t);
		return NULL;
	}
	lua_setfield(L, LUA_REGISTRYINDEX, REG_RENDER);
	return t;
}

struct lua_State *tpl_state(struct tpl *t)
{
	return t->L;
}

int tpl_render_view(struct tpl *t, const char *name, const char *page_url,
		    const char **out, size_t *len, char **err)
{
	lua_State *L = t->L;
	int ctx = lua_gettop(L);
	t->depth = 0;
	for (const char *p = page_url ? page_url : ""; *p; p++)
		t->depth += *p == '/';
	S_url_depth(t);
	t->level = 0;
	lua_getfield(L, LUA_REGISTRYINDEX, REG_RENDER);
	lua_pushstring(L, name);
	lua_pushvalue(L, ctx);
	int rc = lua_pcall(L, 2, 0, 0);
	if (rc != LUA_OK || t->level != 1) {
		const char *msg = rc != LUA_OK ? lua_tostring(L, -1) : "template output unbalanced";
		*err = xstrdup(msg ? msg : "template error (not a string)");
		*out = NULL;
		*len = 0;
		t->level = 0;
		lua_settop(L, ctx - 1);
		return -1;
	}
	/* The page, straight from its buffer, which the next page reuses. */
	struct buf *page = &t->out[0];
	if (!page->cap)
		buf_grow(page, 0);
	page->data[page->len] = '\0';
	*out = page->data;
	*len = page->len;
	*err = NULL;
	t->level = 0;
	lua_settop(L, ctx - 1);
	return 0;
}

int tpl_render(struct tpl *t, const char *name, const char *page_url,
	       char **out, char **err)
{
	const char *view;
	size_t len;
	if (tpl_render_view(t, name, page_url, &view, &len, err) < 0) {
		*out = NULL;
		return -1;
	}
	*out = xmalloc(len + 1);
	memcpy(*out, view, len + 1);
	return 0;
}

void tpl_free(struct tpl *t)
{
	if (!t)
		return;
	lua_close(t->L);
	for (int i = 0; i < t->nout; i++)
		buf_release(&t->out[i]);
	free(t->out);
	free(t->dir);
	free(t);
}
