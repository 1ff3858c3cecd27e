/* Front matter: parsing, validation and the exact messages users see. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "load.h"

/* Loads text as path; returns the entry (or NULL) and the messages. */
static struct entry *S_load(const char *path, const char *text, struct diags *d)
{
	return load_entry(path, xstrdup(text), d);
}

static int S_has(struct diags *d, const char *want)
{
	for (size_t i = 0; i < d->n; i++) {
		char *s = diag_format(&d->items[i]);
		int eq = !strcmp(s, want);
		free(s);
		if (eq)
			return 1;
	}
	for (size_t i = 0; i < d->n; i++) {
		char *s = diag_format(&d->items[i]);
		print_message("got: %s\n", s);
		free(s);
	}
	return 0;
}

static void test_load_good_entry(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	struct entry *e = S_load("content/topics/gil.md",
		"---\ntitle: The GIL\nsummary: One thread at a time.\n"
		"tags: [python, gil]\nsee_also: [threads]\n---\n\nBody\n", &d);
	assert_non_null(e);
	assert_int_equal(d.errors, 0);
	assert_string_equal(e->id, "gil");
	assert_string_equal(e->section, "topics");
	assert_string_equal(e->title, "The GIL");
	assert_string_equal(e->url, "topics/gil.html");
	assert_int_equal(e->tags.n, 2);
	assert_string_equal(e->tags.items[1], "gil");
	assert_string_equal(e->see_also.items[0], "threads");
	assert_int_equal(e->see_also_line, 5);
	assert_string_equal(e->body, "\nBody\n");
	assert_int_equal(e->body_line, 7);
	entry_free(e);
	diag_release(&d);
}

static void test_load_unknown_key_suggests(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	struct entry *e = S_load("content/topics/gil.md",
		"---\ntitle: x\nsummary: y\n  \ntittle: z\n---\n", &d);
	assert_true(S_has(&d, "content/topics/gil.md:5:1: error: unknown key 'tittle' (did you mean 'title'?)"));
	entry_free(e);
	diag_release(&d);
}

/* answers: is a list of non-empty strings, each once; anything else is an
 * error at its line and column. */
static void test_load_answers(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	struct entry *e = S_load("content/topics/gil.md",
		"---\ntitle: x\nsummary: y\n"
		"answers: [\"why are my threads slow\", \"can python use all cores\"]\n---\n", &d);
	assert_int_equal(d.errors, 0);
	assert_int_equal(e->answers.n, 2);
	assert_string_equal(e->answers.items[1], "can python use all cores");
	entry_free(e);
	diag_release(&d);
	struct diags d2 = DIAGS_INIT;
	e = S_load("content/topics/gil.md",
		"---\ntitle: x\nsummary: y\nanswers: why are my threads slow\n---\n", &d2);
	assert_true(S_has(&d2, "content/topics/gil.md:4:10: error: 'answers' must be a list, e.g. answers: [a, b]"));
	entry_free(e);
	diag_release(&d2);
	struct diags d3 = DIAGS_INIT;
	e = S_load("content/topics/gil.md",
		"---\ntitle: x\nsummary: y\nanswers: [\"a\", \"\", \"a\"]\n---\n", &d3);
	assert_true(S_has(&d3, "content/topics/gil.md:4:16: error: items of 'answers' must be non-empty strings"));
	assert_true(S_has(&d3, "content/topics/gil.md:4:20: error: 'answers' lists 'a' twice"));
	entry_free(e);
	diag_release(&d3);
}

static void test_load_checked_date(void **state)
{
	(void)state;
	time_t now = 1796601600; /* 2026-12-07 */
	unsetenv("SOURCE_DATE_EPOCH");
	assert_true(load_valid_date("2026-12-07", now));
	assert_true(load_valid_date("2024-02-29", now));
	const char *bad[] = { "2026-12-31", "2023-02-29", "2026-13-01", "2026-1-07",
			      "07/12/2026", "2026-12-07x", "", "yesterday" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(load_valid_date(bad[i], now));
	struct diags d = DIAGS_INIT;
	struct entry *e = S_load("content/topics/gil.md",
		"---\ntitle: x\nsummary: y\nchecked: 2026-02-30\n---\n", &d);
	assert_true(S_has(&d, "content/topics/gil.md:4:10: error: 'checked' must be a past date like 2026-12-07 (YYYY-MM-DD), not '2026-02-30'"));
	entry_free(e);
	diag_release(&d);
	d = (struct diags)DIAGS_INIT;
	e = S_load("content/topics/gil.md", "---\ntitle: x\nsummary: y\nchecked: 2025-01-31\n---\n", &d);
	assert_int_equal(d.errors, 0);
	assert_string_equal(e->checked, "2025-01-31");
	entry_free(e);
	diag_release(&d);
}

static void test_load_unknown_key_no_suggestion(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	struct entry *e = S_load("content/topics/gil.md",
		"---\ntitle: x\nsummary: y\nflavour: z\n---\n", &d);
	assert_true(S_has(&d, "content/topics/gil.md:4:1: error: unknown key 'flavour' for an entry in topics/"));
	entry_free(e);
	diag_release(&d);
}

static void test_load_section_keys(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	/* url is a resource key, not a topic key */
	struct entry *e = S_load("content/topics/a.md",
		"---\ntitle: x\nsummary: y\nurl: https://x.org\n---\n", &d);
	assert_true(S_has(&d, "content/topics/a.md:4:1: error: unknown key 'url' for an entry in topics/"));
	entry_free(e);
	diag_release(&d);

	struct diags d2 = DIAGS_INIT;
	e = S_load("content/resources/a.md",
		"---\ntitle: x\nsummary: y\nurl: ftp://x.org\nauthors: [A]\nyear: 20x8\n"
		"format: book\nlevel: expert\nstatus: archived\n---\n", &d2);
	assert_true(S_has(&d2, "content/resources/a.md:4:6: error: 'url' must be an http(s) URL, not 'ftp://x.org'"));
	assert_true(S_has(&d2, "content/resources/a.md:6:7: error: 'year' must be a year like 2008, not '20x8'"));
	assert_true(S_has(&d2, "content/resources/a.md:8:8: error: 'level' must be one of beginner|intermediate|advanced, not 'expert'"));
	assert_true(S_has(&d2, "content/resources/a.md:9: error: status 'archived' needs an 'archive_url'"));
	entry_free(e);
	diag_release(&d2);
}

static void test_load_types_and_duplicates(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	struct entry *e = S_load("content/topics/a.md",
		"---\ntitle: [x]\nsummary: y\nsummary: z\ntags: [a, a]\nlanguages: {x: 1}\n---\n", &d);
	assert_true(S_has(&d, "content/topics/a.md:2:8: error: 'title' must be a string, not a list"));
	assert_true(S_has(&d, "content/topics/a.md:4:1: error: duplicate key 'summary'"));
	assert_true(S_has(&d, "content/topics/a.md:5:11: error: 'tags' lists 'a' twice"));
	assert_true(S_has(&d, "content/topics/a.md:6:12: error: 'languages' must be a list, e.g. languages: [a, b]"));
	entry_free(e);
	diag_release(&d);
}

static void test_load_malformed(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	struct entry *e = S_load("content/topics/a.md", "title: x\n", &d);
	assert_true(S_has(&d, "content/topics/a.md:1:1: error: missing front matter: the file must start with a '---' line"));
	entry_free(e);
	diag_release(&d);

	struct diags d2 = DIAGS_INIT;
	e = S_load("content/topics/a.md", "---\ntitle: x\nsummary: y\n", &d2);
	assert_true(S_has(&d2, "content/topics/a.md:1:1: error: front matter is not closed: add a '---' line after it"));
	entry_free(e);
	diag_release(&d2);

	struct diags d3 = DIAGS_INIT;
	e = S_load("content/topics/a.md", "---\ntitle: \"x\nsummary: y\n---\n", &d3);
	assert_true(d3.errors >= 1);
	char *s = diag_format(&d3.items[0]);
	assert_non_null(strstr(s, "error: invalid YAML: "));
	assert_true(!strncmp(s, "content/topics/a.md:", 20));
	free(s);
	entry_free(e);
	diag_release(&d3);

	struct diags d4 = DIAGS_INIT;
	e = S_load("content/topics/a.md", "---\n- a\n- b\n---\n", &d4);
	assert_true(S_has(&d4, "content/topics/a.md:2:1: error: front matter must be 'key: value' lines"));
	entry_free(e);
	diag_release(&d4);
}

static void test_load_bad_slug_and_section(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	struct entry *e = S_load("content/topics/My Topic.md", "---\ntitle: x\nsummary: y\n---\n", &d);
	assert_true(S_has(&d, "content/topics/My Topic.md: error: file name 'My Topic.md' must be a slug: lowercase letters, digits and '-' (e.g. 'my-topic.md')"));
	entry_free(e);
	diag_release(&d);

	struct diags d2 = DIAGS_INIT;
	e = S_load("content/blog/a.md", "---\ntitle: x\nsummary: y\n---\n", &d2);
	assert_null(e);
	assert_true(S_has(&d2, "content/blog/a.md: error: unknown section 'blog' (known: guides, topics, resources, languages, examples, comparisons)"));
	diag_release(&d2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_good_entry),
		cmocka_unit_test(test_load_unknown_key_suggests),
		cmocka_unit_test(test_load_unknown_key_no_suggestion),
		cmocka_unit_test(test_load_answers),
		cmocka_unit_test(test_load_checked_date),
		cmocka_unit_test(test_load_section_keys),
		cmocka_unit_test(test_load_types_and_duplicates),
		cmocka_unit_test(test_load_malformed),
		cmocka_unit_test(test_load_bad_slug_and_section),
	};
	return cmocka_run_group_tests_name("load", tests, NULL, NULL);
}
