/* Build-time highlighting through one Pygments process. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <git2.h>

#include "highlight.h"

/* Queues and looks up blocks by language and code, as the parse stage
 * does through their keys. */
static void S_add(struct highlighter *hl, const char *lang, const char *code)
{
	char key[HIGHLIGHT_KEY_SIZE];
	highlight_key(lang, code, key);
	highlight_add(hl, key, lang, code);
}

static const char *S_get(struct highlighter *hl, const char *lang, const char *code)
{
	char key[HIGHLIGHT_KEY_SIZE];
	highlight_key(lang, code, key);
	return highlight_get(hl, key);
}

/* Thousands of blocks in one batch: more than a pipe holds each way, so
 * a writer that blocks would hang here. */
static void test_highlight_large_batch(void **state)
{
	(void)state;
	struct highlighter *hl = highlight_new(NULL);
	struct strlist codes = STRLIST_INIT;
	for (int i = 0; i < 3000; i++) {
		char *c = xasprintf("def f%d(x):\n    return x * %d  # %0200d\n", i, i, i);
		strlist_push_owned(&codes, c);
		S_add(hl, "python", c);
	}
	S_add(hl, "no-such-language", "x");
	struct diags d = DIAGS_INIT;
	size_t misses = highlight_run(hl, &d);
	assert_int_equal(d.n, 0);
	assert_int_equal(misses, 3001);
	for (size_t i = 0; i < codes.n; i++) {
		const char *h = S_get(hl, "python", codes.items[i]);
		assert_non_null(h);
		assert_non_null(strstr(h, "<pre class=\"hl\" tabindex=\"0\"><code class=\"language-python\">"));
		assert_non_null(strstr(h, "<span class=\"k\">def</span>"));
	}
	/* an unknown language is shown plain, not dropped */
	assert_null(S_get(hl, "no-such-language", "x"));
	assert_null(S_get(hl, "python", "never queued"));
	strlist_release(&codes);
	diag_release(&d);
	highlight_free(hl);
}

static void test_highlight_escapes_code(void **state)
{
	(void)state;
	struct highlighter *hl = highlight_new(NULL);
	const char *code = "#include <stdio.h>\nint main(void) { return 1 < 2 && 3 > 2; }\n";
	S_add(hl, "c", code);
	struct diags d = DIAGS_INIT;
	highlight_run(hl, &d);
	const char *h = S_get(hl, "c", code);
	assert_non_null(h);
	assert_null(strstr(h, "<stdio.h>"));
	assert_non_null(strstr(h, "&lt;stdio.h&gt;"));
	assert_non_null(strstr(h, "&amp;&amp;"));
	diag_release(&d);
	highlight_free(hl);
}

/* A second build finds the first one's blocks in the cache: the Python
 * process still reports its Pygments version, which keys the cache, but
 * highlights nothing. */
static void test_highlight_cache_across_builds(void **state)
{
	(void)state;
	char dir[] = "/tmp/kb-test-hl-XXXXXX";
	assert_non_null(mkdtemp(dir));
	const char *code = "while True:\n    pass\n";
	char *first = NULL;
	for (int run = 0; run < 2; run++) {
		struct highlighter *hl = highlight_new(dir);
		S_add(hl, "python", code);
		struct diags d = DIAGS_INIT;
		assert_int_equal(highlight_run(hl, &d), run == 0 ? 1 : 0);
		assert_int_equal(d.n, 0);
		const char *h = S_get(hl, "python", code);
		assert_non_null(h);
		if (run == 0)
			first = xstrdup(h);
		else
			assert_string_equal(h, first);
		diag_release(&d);
		highlight_free(hl);
	}
	free(first);
	remove_tree(dir);
}

/* A build that stops before highlighting (a content error) still ends
 * the Python process it started. */
static void test_highlight_free_unused(void **state)
{
	(void)state;
	struct highlighter *hl = highlight_new(NULL);
	highlight_free(hl);
	hl = highlight_new(NULL);
	S_add(hl, "python", "x = 1\n");
	highlight_free(hl);
	hl = highlight_new(NULL);
	struct diags d = DIAGS_INIT;
	assert_int_equal(highlight_run(hl, &d), 0); /* nothing queued */
	assert_int_equal(d.n, 0);
	highlight_free(hl);
}

int main(void)
{
	git_libgit2_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_highlight_large_batch),
		cmocka_unit_test(test_highlight_escapes_code),
		cmocka_unit_test(test_highlight_cache_across_builds),
		cmocka_unit_test(test_highlight_free_unused),
	};
	int rc = cmocka_run_group_tests_name("highlight", tests, NULL, NULL);
	git_libgit2_shutdown();
	return rc;
}
