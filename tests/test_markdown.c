/* Markdown stage: anchors, link checking and rewriting, safe rendering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "enrich.h"
#include "load.h"
#include "markdown.h"

struct fixture {
	struct site site;
	struct config cfg;
	struct diags d;
};

static struct entry *S_entry(const char *path, const char *text, struct diags *d)
{
	struct entry *e = load_entry(path, xstrdup(text), d);
	assert_non_null(e);
	return e;
}

/* A site of the given entries, parsed and linked. */
static void S_site(struct fixture *f, const char *const *paths, const char *const *texts, size_t n)
{
	memset(f, 0, sizeof(*f));
	f->site.entries = xcalloc(n, sizeof(struct entry *));
	for (size_t i = 0; i < n; i++)
		f->site.entries[i] = S_entry(paths[i], texts[i], &f->d);
	f->site.n = n;
	f->site.byid = xmalloc(n * sizeof(struct entry *));
	memcpy(f->site.byid, f->site.entries, n * sizeof(struct entry *));
	for (size_t i = 0; i < n; i++)
		markdown_parse(f->site.entries[i], &f->cfg, &f->d);
	for (size_t i = 0; i < n; i++)
		markdown_link(f->site.entries[i], &f->site, &f->d);
}

static void S_release(struct fixture *f)
{
	for (size_t i = 0; i < f->site.n; i++)
		markdown_entry_release(f->site.entries[i]);
	site_release(&f->site);
	diag_release(&f->d);
}

static int S_has(struct diags *d, const char *want)
{
	for (size_t i = 0; i < d->n; i++) {
		char *s = diag_format(&d->items[i]);
		int eq = !strcmp(s, want);
		if (!eq)
			print_message("have: %s\n", s);
		free(s);
		if (eq)
			return 1;
	}
	return 0;
}

static void test_markdown_anchor_github_style(void **state)
{
	(void)state;
	const char *cases[][2] = {
		{ "What it is", "what-it-is" },
		{ "Threads vs. processes", "threads-vs-processes" },
		{ "C++ atomics", "c-atomics" },
		{ "`queue.Queue` and friends", "queuequeue-and-friends" },
		{ "snake_case stays", "snake_case-stays" },
		{ "Two  spaces", "two--spaces" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *a = markdown_anchor(cases[i][0]);
		assert_string_equal(a, cases[i][1]);
		free(a);
	}
}

static void test_markdown_relurl(void **state)
{
	(void)state;
	char *u = markdown_relurl("topics/gil.html", "resources/pep-703.html");
	assert_string_equal(u, "../resources/pep-703.html");
	free(u);
	u = markdown_relurl("index.html", "topics/gil.html");
	assert_string_equal(u, "topics/gil.html");
	free(u);
}

static const char *const P[] = { "content/topics/a.md", "content/topics/b.md", "content/topics/r.md" };

static void test_markdown_links_rewritten_and_checked(void **state)
{
	(void)state;
	const char *T[] = {
		"---\ntitle: A\nsummary: s\n---\n\n## Intro\n\n## Intro\n\n"
		"[b](b.md) [b-anchor](b.md#deep-part) [r](../topics/r.md) [self](#intro-1)\n"
		"[gone](c.md) [noanchor](b.md#nope) [ext](https://example.org/x.md) [file](../../README)\n",
		"---\ntitle: B\nsummary: s\n---\n\n### Deep part\n\ntext\n",
		"---\ntitle: R\nsummary: s\n---\n\n[back](../topics/a.md)\n",
	};
	struct fixture f;
	S_site(&f, P, T, 3);
	struct entry *a = f.site.entries[0];
	assert_int_equal(a->md->nheadings, 2);
	assert_string_equal(a->md->headings[0].anchor, "intro");
	assert_string_equal(a->md->headings[1].anchor, "intro-1");
	assert_true(S_has(&f.d, "content/topics/a.md:11:1: error: link to a missing entry 'c.md'"));
	assert_true(S_has(&f.d, "content/topics/a.md:11:14: error: link to a missing heading '#nope' in content/topics/b.md"));
	assert_true(S_has(&f.d, "content/topics/a.md:11:68: error: relative link '../../README' does not point to an entry (.md file); use a full URL for other files"));
	assert_int_equal(f.d.errors, 3);
	assert_int_equal(a->nlinks, 2); /* b and r, each once */

	markdown_finish(a, NULL);
	assert_non_null(strstr(a->md->html, "<h2 id=\"intro\">"));
	assert_non_null(strstr(a->md->html, "<h2 id=\"intro-1\">"));
	assert_non_null(strstr(a->md->html, "href=\"../topics/b.html\""));
	assert_non_null(strstr(a->md->html, "href=\"../topics/b.html#deep-part\""));
	assert_non_null(strstr(a->md->html, "href=\"../topics/r.html\""));
	assert_non_null(strstr(a->md->html, "href=\"#intro-1\""));
	assert_non_null(strstr(a->md->html, "href=\"https://example.org/x.md\""));
	S_release(&f);
}

static void test_markdown_safe_by_default(void **state)
{
	(void)state;
	const char *T[] = {
		"---\ntitle: A\nsummary: s\n---\n\nHello <b onclick=x>bold</b>\n\n"
		"[js](javascript:alert(1)) [data](data:image/png;base64,AAAA) [Js](JAVASCRIPT:x)\n\n"
		"<iframe src=x></iframe>\n",
	};
	struct fixture f;
	S_site(&f, P, T, 1);
	struct entry *a = f.site.entries[0];
	assert_true(S_has(&f.d, "content/topics/a.md:8:1: warning: unsafe link target dropped: 'javascript:alert(1)'"));
	markdown_finish(a, NULL);
	assert_null(strstr(a->md->html, "onclick"));
	assert_null(strstr(a->md->html, "<iframe"));
	assert_null(strstr(a->md->html, "javascript:"));
	assert_null(strstr(a->md->html, "JAVASCRIPT:"));
	assert_null(strstr(a->md->html, "data:"));
	S_release(&f);
}

static void test_markdown_gfm_extensions(void **state)
{
	(void)state;
	const char *T[] = {
		"---\ntitle: A\nsummary: s\n---\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
		"~~old~~ https://example.org\n\n- [x] done\n\nNote[^1].\n\n[^1]: A footnote.\n\n"
		"```go\nfunc main() {}\n```\n",
	};
	struct fixture f;
	S_site(&f, P, T, 1);
	struct entry *a = f.site.entries[0];
	markdown_finish(a, NULL);
	assert_non_null(strstr(a->md->html, "<table>"));
	assert_non_null(strstr(a->md->html, "<del>old</del>"));
	assert_non_null(strstr(a->md->html, "<a href=\"https://example.org\">"));
	assert_non_null(strstr(a->md->html, "type=\"checkbox\""));
	assert_non_null(strstr(a->md->html, "footnote"));
	assert_non_null(strstr(a->md->html, "class=\"language-go\""));
	assert_non_null(strstr(a->md->plain, "A footnote."));
	/* table cells stay separate words for search */
	assert_non_null(strstr(a->md->plain, "1 2"));
	S_release(&f);
}

static void test_markdown_backlinks(void **state)
{
	(void)state;
	const char *T[] = {
		"---\ntitle: A\nsummary: s\nsee_also: [r]\n---\n\n[b](b.md)\n",
		"---\ntitle: B\nsummary: s\nsee_also: [missing]\n---\n\nx\n",
		"---\ntitle: R\nsummary: s\n---\n\nx\n",
	};
	struct fixture f;
	S_site(&f, P, T, 3);
	/* site_find needs the id index sorted by id: a, b, r already are */
	struct tags tags;
	enrich_site(&f.site, &tags, &f.d);
	assert_true(S_has(&f.d, "content/topics/b.md:4: error: see_also: no entry has the id 'missing'"));
	assert_int_equal(f.site.entries[1]->nbacklinks, 1);
	assert_ptr_equal(f.site.entries[1]->backlinks[0], f.site.entries[0]);
	assert_int_equal(f.site.entries[2]->nbacklinks, 1);
	tags_release(&tags);
	S_release(&f);
}


struct par {
	struct entry **e;
	size_t n;
};

static void S_parse_i(size_t i, void *arg)
{
	struct par *p = arg;
	struct diags d = DIAGS_INIT;
	markdown_parse(p->e[i], NULL, &d);
	diag_release(&d);
}

/* Entries parsed on several threads at once get the same HTML as alone:
 * the GFM extensions' inline pass is not thread-safe inside cmark-gfm. */
static void test_markdown_parallel_parse_keeps_autolinks(void **state)
{
	(void)state;
	enum { N = 400 };
	struct entry *e[N];
	struct diags d = DIAGS_INIT;
	for (size_t i = 0; i < N; i++) {
		char *path = xasprintf("content/topics/t%zu.md", i);
		char *text = xasprintf("---\ntitle: T\nsummary: s\n---\n\n"
				       "See https://example.org/%zu and www.example.com/x for more.\n"
				       "| a | b |\n|---|---|\n| ~~c~~ | d |\n", i);
		e[i] = load_entry(path, text, &d);
		free(path);
	}
	struct par p = { e, N };
	parallel_for(N, 4, S_parse_i, &p);
	for (size_t i = 0; i < N; i++) {
		char *want = xasprintf("<a href=\"https://example.org/%zu\">", i);
		assert_non_null(strstr(e[i]->md->html, want));
		assert_non_null(strstr(e[i]->md->html, "<a href=\"http://www.example.com/x\">"));
		assert_non_null(strstr(e[i]->md->html, "<del>c</del>"));
		free(want);
		markdown_entry_release(e[i]);
		entry_free(e[i]);
	}
	diag_release(&d);
}

int main(void)
{
	markdown_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_markdown_anchor_github_style),
		cmocka_unit_test(test_markdown_relurl),
		cmocka_unit_test(test_markdown_links_rewritten_and_checked),
		cmocka_unit_test(test_markdown_safe_by_default),
		cmocka_unit_test(test_markdown_gfm_extensions),
		cmocka_unit_test(test_markdown_backlinks),
		cmocka_unit_test(test_markdown_parallel_parse_keeps_autolinks),
	};
	return cmocka_run_group_tests_name("markdown", tests, NULL, NULL);
}
