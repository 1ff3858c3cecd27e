/* Templates: the compiler, escaping, raw output, layouts, partials,
 * error positions and the sandbox. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <lauxlib.h>
#include <lua.h>

#include "template.h"

static char dir[64];

static void S_write(const char *name, const char *text)
{
	char *p = path_join(dir, name);
	assert_int_equal(write_file(p, text, strlen(text)), 0);
	free(p);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/kb-tpl-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	S_write("page.html", "{% layout(\"base.html\") %}\n<h1>{{ title }}</h1>\n{{{ body }}}\n{{ include(\"p.html\", {x = title}) }}");
	S_write("base.html", "<html>{{ content }}</html>");
	S_write("p.html", "[{{ x }}]");
	S_write("err.html", "line 1\nline 2\n{{ nothing.field }}\n");
	S_write("syntax.html", "ok\n{% if then %}\n");
	S_write("sandbox.html", "{{ type(io) }} {{ type(os) }} {{ type(require) }} {{ type(load) }} {{ type(dofile) }} {{ type(string.rep) }}");
	S_write("url.html", "{{ url(\"static/a.css\") }} {{ url(\"https://x.org/\") }} {{ url(\"#top\") }}");
	S_write("loop.html", "{% for i = 1, 3 do %}\n{{ i }},{% end %}\n{# a comment #}\nend");
	S_write("values.html", "{% local function two() return '<a>', 'b' end\n"
		"   local obj = setmetatable({}, {__tostring = function() return '<o>' end}) %}"
		"[{{ nil }}][{{{ nil }}}][{{ 1.5 }}][{{ -3 }}][{{ 2^63 }}][{{ true }}][{{ obj }}][{{{ obj }}}]"
		"[{{ two() }}][{{ }}]");
	S_write("wrap.html", "{% layout(\"frame.html\") %}<b>{{ title }}</b>");
	S_write("frame.html", "[{{{ content }}}]({{ #tostring(content) }}){{ content }}");
	S_write("big.html", "{% layout(\"head.html\") %}<p>{{{ body }}}</p>");
	S_write("head.html", "<head>{{ title }}</head>[{{{ content }}}]<tail>");
	S_write("twice.html", "{% layout(\"head2.html\") %}{{{ body }}}");
	/* {% %} ends an output call: content is written before it is read */
	S_write("head2.html", "<h>{{{ content }}}{% %}|{{{ content }}}|{{ #tostring(content) }}|{% keep.c = content %}</h>");
	S_write("kept.html", "{% layout(\"head.html\") %}{{{ keep.c }}}|{{ #esc(keep.c) }}");
	S_write("nested.html", "{% layout(\"mid.html\") %}{{{ body }}}");
	S_write("mid.html", "{% layout(\"head.html\") %}<m>{{{ content }}}</m>{% %}{{ #tostring(content) }}");
	S_write("partial-value.html", "{% local s = include(\"p.html\", {x = \"<\"}) %}{{ s }}|{{ tostring(s) }}|{{ esc(s) }}");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	remove_tree(dir);
	return 0;
}

/* Pushes the context {title=..., body=...}. */
static void S_push_ctx(lua_State *L, const char *title, const char *body)
{
	lua_newtable(L);
	lua_pushstring(L, title);
	lua_setfield(L, -2, "title");
	lua_pushstring(L, body);
	lua_setfield(L, -2, "body");
}

/* Renders name with ctx {title=..., body=...}; returns 0 or -1. */
static int S_render(const char *name, const char *url, const char *title,
		    const char *body, char **out, char **err)
{
	struct tpl *t = tpl_new(dir);
	assert_non_null(t);
	S_push_ctx(tpl_state(t), title, body);
	int rc = tpl_render(t, name, url, out, err);
	tpl_free(t);
	return rc;
}

/* Renders name at url with title (body "b") and checks the output. */
static void S_expect(const char *name, const char *url, const char *title,
		     const char *want)
{
	char *out, *err;
	assert_int_equal(S_render(name, url, title, "b", &out, &err), 0);
	assert_string_equal(out, want);
	free(out);
}

static void test_template_escapes_by_default(void **state)
{
	(void)state;
	char *out, *err;
	assert_int_equal(S_render("page.html", "a/b.html", "<x & 'y'>", "<em>raw</em>", &out, &err), 0);
	assert_string_equal(out,
		"<html><h1>&lt;x &amp; &#39;y&#39;&gt;</h1>\n<em>raw</em>\n[&lt;x &amp; &#39;y&#39;&gt;]</html>");
	free(out);
}

static void test_template_error_position(void **state)
{
	(void)state;
	char *out, *err;
	assert_int_equal(S_render("err.html", "", "t", "b", &out, &err), -1);
	char *want = xasprintf("%s/err.html:3: attempt to index a nil value (global 'nothing')", dir);
	assert_string_equal(err, want);
	free(want);
	free(err);
	assert_int_equal(S_render("syntax.html", "", "t", "b", &out, &err), -1);
	char *prefix = xasprintf("%s/syntax.html:2:", dir);
	assert_true(!strncmp(err, prefix, strlen(prefix)));
	free(prefix);
	free(err);
	assert_int_equal(S_render("missing.html", "", "t", "b", &out, &err), -1);
	assert_non_null(strstr(err, "missing.html: cannot read template"));
	free(err);
}

static void test_template_sandbox(void **state)
{
	(void)state;
	S_expect("sandbox.html", "", "t", "nil nil nil nil nil function");
}

static void test_template_relative_urls(void **state)
{
	(void)state;
	S_expect("url.html", "topics/gil.html", "t", "../static/a.css https://x.org/ #top");
	S_expect("url.html", "index.html", "t", "static/a.css https://x.org/ #top");
}

static void test_template_compiler_keeps_lines(void **state)
{
	(void)state;
	const char *src = "a\nb {{ x }}\n{% y() %}\nc";
	char *lua = tpl_compile(src, strlen(src));
	size_t nl = 0;
	for (const char *p = lua; *p; p++)
		nl += *p == '\n';
	assert_int_equal(nl, 3);
	free(lua);
	/* statement tags eat their newline; comments vanish */
	S_expect("loop.html", "", "t", "1,2,3,end");
}

static void test_template_values(void **state)
{
	(void)state;
	/* nil prints nothing escaped, "nil" raw; a call gives its first value */
	S_expect("values.html", "", "t",
		 "[][nil][1.5][-3][9.2233720368548e+18][true][&lt;o&gt;][<o>][&lt;a&gt;][]");
}

static void test_template_layout_content_is_raw_string(void **state)
{
	(void)state;
	S_expect("wrap.html", "a/b.html", "x&y", "[<b>x&amp;y</b>](14)<b>x&amp;y</b>");
	S_expect("partial-value.html", "", "t", "[&lt;]|[&amp;lt;]|[&amp;lt;]");
}

/* Renders name with one state's t, ctx {title=..., body=..., keep=the
 * state's keep table}; returns the output, to free. */
static char *S_render_in(struct tpl *t, const char *name, const char *title, const char *body)
{
	lua_State *L = tpl_state(t);
	S_push_ctx(L, title, body);
	if (lua_getfield(L, LUA_REGISTRYINDEX, "test.keep") != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_setfield(L, LUA_REGISTRYINDEX, "test.keep");
	}
	lua_setfield(L, -2, "keep");
	char *out, *err;
	assert_int_equal(tpl_render(t, name, "", &out, &err), 0);
	return out;
}

/* Layouts wrap big pages: the output is
 * the same however often a layout writes its content, when it keeps it for
 * a later page, and when layouts nest, page after page in one state. */
static void test_template_layout_big_pages(void **state)
{
	(void)state;
	char body[3000], want[8000];
	memset(body, 'x', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\0';
	struct tpl *t = tpl_new(dir);
	assert_non_null(t);
	for (int round = 0; round < 3; round++) {
		body[0] = (char)('a' + round);
		char *out = S_render_in(t, "big.html", "T", body);
		snprintf(want, sizeof(want), "<head>T</head>[<p>%s</p>]<tail>", body);
		assert_string_equal(out, want);
		free(out);
		out = S_render_in(t, "twice.html", "T", body);
		snprintf(want, sizeof(want), "<h>%s|%s|%zu|</h>", body, body, strlen(body));
		assert_string_equal(out, want);
		free(out);
		/* the content kept by the page before */
		out = S_render_in(t, "kept.html", "K", "");
		snprintf(want, sizeof(want), "<head>K</head>[%s|%zu]<tail>", body, strlen(body));
		assert_string_equal(out, want);
		free(out);
		out = S_render_in(t, "nested.html", "N", body);
		snprintf(want, sizeof(want), "<head>N</head>[<m>%s</m>%zu]<tail>", body, strlen(body));
		assert_string_equal(out, want);
		free(out);
	}
	tpl_free(t);
}

/* More outputs between two {% %} tags than one output call takes. */
static void test_template_long_runs(void **state)
{
	(void)state;
	struct buf src = BUF_INIT, want = BUF_INIT;
	for (int i = 0; i < 150; i++) {
		buf_printf(&src, "<{{ %d }}{{{ \"&\" }}}{{ \"&\" }}>\n", i);
		buf_printf(&want, "<%d&&amp;>\n", i);
	}
	S_write("long.html", src.data);
	S_expect("long.html", "", "t", want.data);
	buf_release(&src);
	buf_release(&want);
}

static void test_template_no_bytecode(void **state)
{
	(void)state;
	lua_State *L = tpl_sandbox_new();
	assert_non_null(L);
	/* string.dump exists, but no loader accepts binary chunks */
	assert_int_equal(luaL_dostring(L, "return load"), LUA_OK);
	assert_true(lua_isnil(L, -1));
	lua_close(L);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_template_escapes_by_default),
		cmocka_unit_test(test_template_error_position),
		cmocka_unit_test(test_template_sandbox),
		cmocka_unit_test(test_template_relative_urls),
		cmocka_unit_test(test_template_compiler_keeps_lines),
		cmocka_unit_test(test_template_no_bytecode),
		cmocka_unit_test(test_template_values),
		cmocka_unit_test(test_template_layout_content_is_raw_string),
		cmocka_unit_test(test_template_long_runs),
		cmocka_unit_test(test_template_layout_big_pages),
	};
	return cmocka_run_group_tests_name("template", tests, setup, teardown);
}
