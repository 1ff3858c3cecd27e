#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
/*
 * test_snippet.c - snippet attribute parsing, its error messages, and the
 * page rendering of a verified snippet.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snippet.h"

/* ---- fixtures ---- */

static void S_strlist(struct strlist *l, const char *const *words)
{
	for (size_t i = 0; words[i]; i++)
		strlist_push(l, words[i]);
}

/* A configuration with the two runners kb ships: c and python. */
static void S_config(struct config *cfg)
{
	static const char *const cc[] = { "cc", "-std=c11", "-pthread", "{cflags}",
					  "-o", "{bin}", "{src}", NULL };
	static const char *const crun[] = { "{bin}", "{args}", NULL };
	static const char *const cver[] = { "cc", "--version", NULL };
	static const char *const prun[] = { "python3", "-X", "dev", "{src}", "{args}", NULL };
	static const char *const pver[] = { "python3", "--version", NULL };
	memset(cfg, 0, sizeof(*cfg));
	cfg->nrunners = 2;
	cfg->runners = calloc(2, sizeof(*cfg->runners));
	struct runner *c = &cfg->runners[0], *py = &cfg->runners[1];
	c->name = strdup("c");
	c->ext = strdup(".c");
	S_strlist(&c->compile, cc);
	S_strlist(&c->run, crun);
	S_strlist(&c->version, cver);
	py->name = strdup("python");
	py->ext = strdup(".py");
	S_strlist(&py->run, prun);
	S_strlist(&py->version, pver);
}

static void S_config_free(struct config *cfg)
{
	for (size_t i = 0; i < cfg->nrunners; i++) {
		struct runner *r = &cfg->runners[i];
		free(r->name);
		free(r->ext);
		strlist_release(&r->compile);
		strlist_release(&r->tsan);
		strlist_release(&r->run);
		strlist_release(&r->version);
	}
	free(cfg->runners);
}

struct fx {
	struct config cfg;
	struct diags d;
};

static int S_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	S_config(&f->cfg);
	*state = f;
	return 0;
}

static int S_teardown(void **state)
{
	struct fx *f = *state;
	diag_release(&f->d);
	S_config_free(&f->cfg);
	free(f);
	return 0;
}

/* Parses an inline block at content/t.md:5 with an output block. */
static struct snippet *S_parse(struct fx *f, const char *info, const char *output)
{
	return snippet_parse("content/t.md", 5, 8, info, "print(1)\n", output, 9, 11,
			     &f->cfg, &f->d);
}

/* The only diagnostic, formatted as kb prints it. */
static char *S_only_diag(struct fx *f)
{
	assert_int_equal(f->d.n, 1);
	return diag_format(&f->d.items[0]);
}

static void S_expect_error_code(struct fx *f, const char *info, const char *code,
				const char *want)
{
	struct snippet *s = snippet_parse("content/t.md", 5, 8, info, code, "1\n",
					  9, 11, &f->cfg, &f->d);
	assert_non_null(s);
	assert_true(s->invalid);
	assert_non_null(s->source); /* the page still shows the block */
	char *got = S_only_diag(f);
	assert_string_equal(got, want);
	free(got);
	snippet_free(s);
	diag_release(&f->d);
}

static void S_expect_error(struct fx *f, const char *info, const char *want)
{
	S_expect_error_code(f, info, "print(1)\n", want);
}

/* ---- parsing ---- */

/* Every attribute lands in its field; quoted values keep their spaces. */
static void test_snippet_parse_attributes(void **state)
{
	struct fx *f = *state;
	struct snippet *s = S_parse(f, "c expect=sorted exit=3 timeout=2.5 "
				    "cflags=\"-O2 -DNAME=\\\"x\\\"\" args='a b' repeat=3 "
				    "normalize=addresses,durations requires=\"gcc>=12\"",
				    "x\n");
	assert_non_null(s);
	assert_int_equal(f->d.n, 0);
	assert_false(s->invalid);
	assert_string_equal(s->lang, "c");
	assert_ptr_equal(s->runner, &f->cfg.runners[0]);
	assert_int_equal(s->expect, SNIPPET_EXPECT_SORTED);
	assert_int_equal(s->exit_code, 3);
	assert_false(s->exit_timeout);
	assert_true(s->timeout > 2.49 && s->timeout < 2.51);
	assert_string_equal(s->cflags, "-O2 -DNAME=\"x\"");
	assert_string_equal(s->args, "a b");
	assert_int_equal(s->repeat, 3);
	assert_int_equal(s->normalize, SNIPPET_NORM_ADDRESSES | SNIPPET_NORM_DURATIONS);
	assert_string_equal(s->requires, "gcc>=12");
	assert_string_equal(s->source, "print(1)\n");
	assert_string_equal(s->expected, "x\n");
	assert_int_equal(s->output_line, 9);
	assert_int_equal(s->output_end_line, 11);
	snippet_free(s);
}

/* Defaults: exact, exit 0, 10 s, one run, run mode. */
static void test_snippet_parse_defaults_and_flags(void **state)
{
	struct fx *f = *state;
	struct snippet *s = S_parse(f, "python", "1\n");
	assert_int_equal(s->expect, SNIPPET_EXPECT_EXACT);
	assert_int_equal(s->exit_code, 0);
	assert_true(s->timeout == 10);
	assert_int_equal(s->repeat, 1);
	assert_int_equal(s->mode, SNIPPET_MODE_RUN);
	assert_int_equal(s->tsan, SNIPPET_TSAN_OFF);
	snippet_free(s);

	s = S_parse(f, "c tsan=race exit=timeout timeout=1", NULL);
	assert_int_equal(s->tsan, SNIPPET_TSAN_RACE);
	assert_true(s->exit_timeout);
	assert_null(s->expected);
	snippet_free(s);

	s = S_parse(f, "c compile why=\"needs a GPU\"", NULL);
	assert_int_equal(s->mode, SNIPPET_MODE_COMPILE);
	assert_string_equal(s->why, "needs a GPU");
	snippet_free(s);
	assert_int_equal(f->d.n, 0);
}

/* Languages without a runner are display-only: no snippet. */
static void test_snippet_parse_display_only_language(void **state)
{
	struct fx *f = *state;
	assert_null(S_parse(f, "go", NULL));
	assert_null(S_parse(f, "rust expect=whatever", NULL));
	assert_null(S_parse(f, "output", NULL));
	assert_int_equal(f->d.n, 0);
}

static void test_snippet_error_unknown_attribute(void **state)
{
	struct fx *f = *state;
	S_expect_error(f, "python expct=sorted",
		       "content/t.md:5:11: error: unknown attribute 'expct'; "
		       "did you mean 'expect'?");
	S_expect_error(f, "python frobnicate",
		       "content/t.md:5:11: error: unknown attribute 'frobnicate'");
	S_expect_error(f, "python timeot=3",
		       "content/t.md:5:11: error: unknown attribute 'timeot'; "
		       "did you mean 'timeout'?");
}

static void test_snippet_error_missing_why(void **state)
{
	struct fx *f = *state;
	S_expect_error(f, "python norun",
		       "content/t.md:5:11: error: 'norun' needs why=\"...\" to say "
		       "why the snippet is not run");
	S_expect_error(f, "c expect=any compile",
		       "content/t.md:5:17: error: 'compile' needs why=\"...\" to say "
		       "why the snippet is not run");
}

static void test_snippet_error_bad_values(void **state)
{
	struct fx *f = *state;
	S_expect_error(f, "python expect=sortd",
		       "content/t.md:5:11: error: bad value 'sortd' for expect; did "
		       "you mean 'sorted'? (one of exact, sorted, contains, regex, any)");
	S_expect_error(f, "python exit=-1",
		       "content/t.md:5:11: error: bad value '-1' for exit (an exit "
		       "status 0-255, or 'timeout')");
	S_expect_error(f, "python timeout=0",
		       "content/t.md:5:11: error: bad value '0' for timeout (seconds, "
		       "more than 0 and at most 600)");
	S_expect_error(f, "python repeat=x",
		       "content/t.md:5:11: error: bad value 'x' for repeat (1-100)");
	S_expect_error(f, "python normalize=pid",
		       "content/t.md:5:11: error: unknown normalize= item 'pid'; did "
		       "you mean 'pids'? (known: addresses, pids, thread-ids, durations)");
	S_expect_error(f, "python requires=python3.13",
		       "content/t.md:5:11: error: bad value 'python3.13' for requires "
		       "(e.g. requires=\"python>=3.13\")");
	S_expect_error(f, "c tsan=yes",
		       "content/t.md:5:6: error: bad value 'yes' for tsan (bare "
		       "'tsan', or 'tsan=race')");
	S_expect_error(f, "python expect",
		       "content/t.md:5:11: error: attribute 'expect' needs a value "
		       "(expect=...)");
	S_expect_error(f, "python norun=1 why=x",
		       "content/t.md:5:11: error: attribute 'norun' takes no value");
}

static void test_snippet_error_tsan_needs_c(void **state)
{
	struct fx *f = *state;
	S_expect_error(f, "python tsan",
		       "content/t.md:5:11: error: 'tsan' needs a compiled language "
		       "such as C; 'python' snippets are not compiled");
}

static void test_snippet_error_syntax(void **state)
{
	struct fx *f = *state;
	S_expect_error(f, "python why=\"no end",
		       "content/t.md:5:11: error: unterminated quoted value");
	S_expect_error(f, "python expect=exact expect=sorted",
		       "content/t.md:5:24: error: duplicate attribute 'expect'");
	S_expect_error(f, "python \"x\"",
		       "content/t.md:5:11: error: malformed attribute (expected key, "
		       "key=value or key=\"value\")");
}

/* ---- file= ---- */

struct tmpdir {
	char path[64];
	char *old_cwd;
};

static void S_enter_tmp(struct tmpdir *t)
{
	strcpy(t->path, "/tmp/kb-test-snippet-XXXXXX");
	assert_non_null(mkdtemp(t->path));
	t->old_cwd = getcwd(NULL, 0);
	assert_int_equal(chdir(t->path), 0);
}

static void S_leave_tmp(struct tmpdir *t)
{
	assert_int_equal(chdir(t->old_cwd), 0);
	free(t->old_cwd);
	remove_tree(t->path);
}

/* file= reads the source and the sidecar .out next to it. */
static void test_snippet_file_and_sidecar(void **state)
{
	struct fx *f = *state;
	struct tmpdir t;
	S_enter_tmp(&t);
	assert_int_equal(write_file("snippets/c/hello.c", "int main(void){return 0;}\n", 26), 0);
	assert_int_equal(write_file("snippets/c/hello.out", "hi\n", 3), 0);
	struct snippet *s = snippet_parse("content/t.md", 3, 4, "c file=snippets/c/hello.c",
					  "", NULL, 0, 0, &f->cfg, &f->d);
	assert_int_equal(f->d.n, 0);
	assert_string_equal(s->file, "snippets/c/hello.c");
	assert_string_equal(s->sidecar, "snippets/c/hello.out");
	assert_string_equal(s->source, "int main(void){return 0;}\n");
	assert_string_equal(s->expected, "hi\n");
	snippet_free(s);

	/* a missing sidecar is not a parse error (verify reports it) */
	assert_int_equal(write_file("snippets/py/x.py", "print(2)\n", 9), 0);
	s = snippet_parse("content/t.md", 3, 4, "python file=snippets/py/./x.py",
			  "", NULL, 0, 0, &f->cfg, &f->d);
	assert_int_equal(f->d.n, 0);
	assert_string_equal(s->file, "snippets/py/x.py");
	assert_null(s->expected);
	snippet_free(s);
	S_leave_tmp(&t);
}

static void test_snippet_file_errors(void **state)
{
	struct fx *f = *state;
	struct tmpdir t;
	S_enter_tmp(&t);
	assert_int_equal(write_file("snippets/c/a.c", "int x;\n", 7), 0);
	S_expect_error_code(f, "c file=snippets/../etc/passwd", "",
		       "content/t.md:5:6: error: file 'snippets/../etc/passwd' is "
		       "outside snippets/ (use a path like snippets/c/name.c)");
	S_expect_error_code(f, "c file=/etc/passwd", "",
		       "content/t.md:5:6: error: file '/etc/passwd' is outside "
		       "snippets/ (use a path like snippets/c/name.c)");
	S_expect_error_code(f, "c file=snippets/c/nope.c", "",
		       "content/t.md:5:6: error: cannot read file 'snippets/c/nope.c': "
		       "No such file or directory");
	/* the block must be empty: S_parse passes a body */
	S_expect_error(f, "c file=snippets/c/a.c",
		       "content/t.md:5:6: error: the block of a file= snippet must "
		       "be empty (its code is read from 'snippets/c/a.c')");
	S_leave_tmp(&t);
}

/* ---- rendering ---- */

/* Adds a result to s: on toolchain version (NULL: not available), with
 * stdout out (NULL: failed). */
static struct snippet_result *S_result(struct snippet *s, const char *version,
				       const char *out)
{
	s->results = realloc(s->results, (s->nresults + 1) * sizeof(*s->results));
	struct snippet_result *r = &s->results[s->nresults++];
	memset(r, 0, sizeof(*r));
	r->block = -1;
	r->available = version != NULL;
	r->label = version ? strdup(version) : NULL;
	r->version = version ? strdup(version) : NULL;
	r->status = !version ? SNIPPET_PENDING : out ? SNIPPET_PASSED : SNIPPET_FAILED;
	if (out) {
		r->nruns = 1;
		r->runs = calloc(1, sizeof(*r->runs));
		r->runs[0].out = strdup(out);
		r->runs[0].err = strdup("");
	}
	return r;
}

static struct snippet *S_passed(struct fx *f, const char *info)
{
	struct snippet *s = S_parse(f, info, "a < b\n");
	s->status = SNIPPET_PASSED;
	s->toolchain = strdup("Python 3.11.7");
	s->verified_date = strdup("2025-11-25");
	S_result(s, "Python 3.11.7", "a < b & c\n");
	return s;
}

static void test_snippet_render_verified(void **state)
{
	struct fx *f = *state;
	struct snippet *s = S_passed(f, "python");
	struct buf b = BUF_INIT;
	snippet_render_html(s, "<pre><code>print(1)</code></pre>", &b);
	assert_string_equal(b.data,
		"<figure class=\"snippet snippet-verified\" data-lang=\"python\">\n"
		"<pre><code>print(1)</code></pre>"
		"<pre class=\"snippet-output\" tabindex=\"0\" aria-label=\"Output\"><code>a &lt; b &amp; c\n</code></pre>\n"
		"<figcaption class=\"snippet-meta\"><span class=\"badge badge-verified\">"
		"verified</span> <span class=\"snippet-toolchain\">Python 3.11.7</span>"
		" \xc2\xb7 <span class=\"snippet-date\">verified <time datetime=\"2025-11-25\">"
		"2025-11-25</time></span></figcaption>\n</figure>\n");
	assert_string_equal(snippet_toolchain(s), "Python 3.11.7");
	assert_string_equal(snippet_verified_date(s), "2025-11-25");
	buf_release(&b);
	snippet_free(s);
}

/* Several toolchains: the versions it was verified on, the outputs side
 * by side where they differ, and the toolchains that were missing. */
static void test_snippet_render_matrix(void **state)
{
	struct fx *f = *state;
	struct snippet *s = S_parse(f, "python", "fork\n");
	s->status = SNIPPET_PASSED;
	s->toolchain = strdup("Python 3.11.2 \xc2\xb7 3.13.18 \xc2\xb7 3.14.10");
	s->verified_date = strdup("2026-12-07");
	S_result(s, "Python 3.11.2", "fork\n");
	S_result(s, "Python 3.13.18", "fork\n");
	S_result(s, "Python 3.14.10", "forkserver\n");
	struct snippet_result *ft = S_result(s, NULL, NULL);
	ft->label = strdup("Python 3.14t");
	struct buf b = BUF_INIT;
	snippet_render_html(s, "<pre><code>x</code></pre>", &b);
	assert_string_equal(b.data,
		"<figure class=\"snippet snippet-verified\" data-lang=\"python\">\n"
		"<pre><code>x</code></pre>"
		"<div class=\"snippet-outputs\">\n"
		"<div class=\"snippet-variant\"><div class=\"snippet-variant-label\">"
		"Python 3.11.2 \xc2\xb7 3.13.18</div><pre class=\"snippet-output\" tabindex=\"0\" "
		"aria-label=\"Output on Python 3.11.2 \xc2\xb7 3.13.18\"><code>fork\n</code></pre></div>\n"
		"<div class=\"snippet-variant\"><div class=\"snippet-variant-label\">"
		"Python 3.14.10</div><pre class=\"snippet-output\" tabindex=\"0\" "
		"aria-label=\"Output on Python 3.14.10\"><code>forkserver\n</code></pre></div>\n"
		"</div>\n"
		"<figcaption class=\"snippet-meta\"><span class=\"badge badge-verified\">"
		"verified</span> <span class=\"snippet-toolchain\">on Python 3.11.2 \xc2\xb7 "
		"3.13.18 \xc2\xb7 3.14.10</span>"
		" \xc2\xb7 <span class=\"snippet-date\">verified <time datetime=\"2026-12-07\">"
		"2026-12-07</time></span> \xc2\xb7 <span class=\"snippet-missing\">not run on "
		"Python 3.14t (not available on the build machine)</span></figcaption>\n</figure>\n");
	char *versions = snippet_versions(s);
	assert_string_equal(versions, "Python 3.11.2, Python 3.13.18, Python 3.14.10");
	free(versions);
	buf_release(&b);
	/* one output for all: one block, as with a single toolchain */
	free(s->results[2].runs[0].out);
	s->results[2].runs[0].out = strdup("fork\n");
	snippet_render_html(s, "", &b);
	assert_null(strstr(b.data, "snippet-variant"));
	assert_non_null(strstr(b.data, "aria-label=\"Output\"><code>fork\n</code>"));
	buf_release(&b);
	snippet_free(s);
}

/* ```output python>=3.14 blocks: taken with their qualifier; a bad one is
 * an error; anything else is not an output block. */
static void test_snippet_qualified_outputs(void **state)
{
	struct fx *f = *state;
	struct snippet *s = S_parse(f, "python", "fork\n");
	assert_int_equal(snippet_add_output(s, "output python>=3.14", "forkserver\n", 9, 11, &f->d), 1);
	assert_int_equal(snippet_add_output(s, "output  python==3.13 ", "x\n", 12, 14, &f->d), 1);
	assert_int_equal(snippet_add_output(s, "output", "y\n", 15, 17, &f->d), 0);
	assert_int_equal(snippet_add_output(s, "python", "y\n", 15, 17, &f->d), 0);
	assert_int_equal(s->noutputs, 2);
	assert_string_equal(s->outputs[0].when, "python>=3.14");
	assert_string_equal(s->outputs[0].text, "forkserver\n");
	assert_int_equal(s->outputs[0].line, 9);
	assert_int_equal(s->outputs[0].end_line, 11);
	assert_string_equal(s->outputs[1].when, "python==3.13");
	assert_int_equal(f->d.n, 0);
	assert_false(s->invalid);
	assert_int_equal(snippet_add_output(s, "output python=>3.14", "z\n", 18, 20, &f->d), -1);
	assert_true(s->invalid);
	assert_int_equal(f->d.n, 1);
	assert_non_null(strstr(f->d.items[0].msg, "bad version for an output block: 'python=>3.14'"));
	assert_int_equal(f->d.items[0].line, 18);
	assert_int_equal(snippet_add_output(s, "output gcc>=12", "z\n", 21, 23, &f->d), -1);
	snippet_free(s);
}

static void test_snippet_join_labels(void **state)
{
	(void)state;
	const char *v[] = { "Python 3.11.2", "Python 3.14.10", "gcc 12.2.0", "Python 3.13.1 (py-ft)" };
	char *j = snippet_join_labels(v, 4, ", ");
	assert_string_equal(j, "Python 3.11.2, 3.14.10, gcc 12.2.0, 3.13.1 (py-ft)");
	free(j);
	j = snippet_join_labels(v, 0, ", ");
	assert_string_equal(j, "");
	free(j);
}

static void test_snippet_badges(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *info, *badge, *cls;
	} cases[] = {
		{ "c tsan=race", "race demonstrated", "race" },
		{ "python exit=timeout timeout=1", "deadlock demonstrated", "deadlock" },
		{ "c compile why=x", "compile-only", "compile-only" },
		{ "python", "verified", "verified" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct snippet *s = S_passed(f, cases[i].info);
		assert_string_equal(snippet_badge(s), cases[i].badge);
		assert_string_equal(snippet_badge_class(s), cases[i].cls);
		snippet_free(s);
	}
	struct snippet *s = S_parse(f, "python norun why=\"Python 2\"", NULL);
	s->status = SNIPPET_NOT_RUN;
	assert_string_equal(snippet_badge(s), "display-only");
	struct buf b = BUF_INIT;
	snippet_render_html(s, "", &b);
	assert_non_null(strstr(b.data, ">display-only</span>"));
	assert_null(strstr(b.data, "snippet-date"));
	buf_release(&b);
	snippet_free(s);

	s = S_parse(f, "python requires=\"python>=3.13\"", "x\n");
	s->status = SNIPPET_SKIPPED;
	assert_string_equal(snippet_badge(s), "skipped");
	assert_null(snippet_verified_date(s));
	snippet_free(s);
	assert_int_equal(f->d.n, 0);
}

static void test_snippet_list_skipped(void **state)
{
	struct fx *f = *state;
	struct snippet *v[3];
	v[0] = S_parse(f, "python norun why=\"Python 2 syntax\"", NULL);
	v[1] = S_parse(f, "python", "1\n");
	v[2] = S_parse(f, "c compile why='needs Windows'", NULL);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_int_equal(snippet_list_skipped(v, 3, out), 2);
	fclose(out);
	assert_string_equal(text, "content/t.md:5: norun: Python 2 syntax\n"
			    "content/t.md:5: compile: needs Windows\n");
	free(text);
	for (int i = 0; i < 3; i++)
		snippet_free(v[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, S_setup, S_teardown)
		T(test_snippet_parse_attributes),
		T(test_snippet_parse_defaults_and_flags),
		T(test_snippet_parse_display_only_language),
		T(test_snippet_error_unknown_attribute),
		T(test_snippet_error_missing_why),
		T(test_snippet_error_bad_values),
		T(test_snippet_error_tsan_needs_c),
		T(test_snippet_error_syntax),
		T(test_snippet_file_and_sidecar),
		T(test_snippet_file_errors),
		T(test_snippet_render_verified),
		T(test_snippet_render_matrix),
		T(test_snippet_qualified_outputs),
		T(test_snippet_join_labels),
		T(test_snippet_badges),
		T(test_snippet_list_skipped),
#undef T
	};
	return cmocka_run_group_tests_name("snippet", tests, NULL, NULL);
}
