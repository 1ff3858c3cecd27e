/*
 * template.h - HTML templates run by an embedded, sandboxed Lua 5.4.
 *
 * Syntax, compiled to one Lua function per template file:
 *
 *     {{ expr }}      output, HTML-escaped (nil prints nothing)
 *     {{{ expr }}}    raw output: the template author vouches for it
 *     {% stmt %}      Lua statements: {% for _, e in ipairs(page.entries) do %}
 *     {# comment #}
 *
 * A {% %} or {# #} tag directly followed by a newline eats that newline.
 * Helpers available to templates: include(name [, ctx]) renders a partial
 * (its result is not escaped again), layout(name) wraps this template's
 * output in another template (which sees it as `content`), raw(s) marks a
 * string as safe, esc(s), url(to) (a site-relative URL made relative to
 * the current page), plus whatever the caller puts in the context.
 *
 * The Lua state has only the base (minus dofile, loadfile, load, print,
 * require), string, table, math and utf8 libraries, and loads text chunks
 * only. Errors read "templates/page.html:12: message".
 */
#ifndef KB_TEMPLATE_H
#define KB_TEMPLATE_H

#include "util.h"

struct lua_State;
struct tpl;

/* A fresh sandboxed Lua state, or NULL when out of memory. Used by the
 * config loader too. Close with lua_close(). */
struct lua_State *tpl_sandbox_new(void);

/* Compiles the Lua code a template becomes (exposed for tests); caller frees. */
char *tpl_compile(const char *src, size_t len);

/*
 * Opens a template set: every template file in dir is compiled
 * on first use. Errors (syntax) are reported when a template is first
 * used. Caller frees with tpl_free().
 */
struct tpl *tpl_new(const char *dir);
struct lua_State *tpl_state(struct tpl *t);

/*
 * Renders template `name` with the table on top of the Lua stack as its
 * context (popped). On success returns 0 and the output in *out (caller
 * frees); on error returns -1 and a message "templates/x.html:3: ..." in
 * *err (caller frees).
 */
int tpl_render(struct tpl *t, const char *name, const char *page_url,
	       char **out, char **err);
/*
 * tpl_render() without the copy: on success *out points to the page,
 * NUL-terminated, *len bytes long, in a buffer of t that stays valid
 * until the next render or tpl_free() (do not free it).
 */
int tpl_render_view(struct tpl *t, const char *name, const char *page_url,
		    const char **out, size_t *len, char **err);
void tpl_free(struct tpl *t);

#endif
