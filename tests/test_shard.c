/* Snippet shards: parsing I/N, a stable partition, merged JUnit reports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "shard.h"
#include "snippet.h"
#include "util.h"

static void test_shard_parse(void **state)
{
	(void)state;
	unsigned i = 0, n = 0;
	assert_int_equal(shard_parse("2/4", &i, &n), 0);
	assert_int_equal(i, 2);
	assert_int_equal(n, 4);
	assert_int_equal(shard_parse("1/1", &i, &n), 0);
	const char *bad[] = { "", "/", "0/4", "5/4", "1/0", "1/", "/4", "1/4x",
			      "1 /4", "-1/4", "1/+4", "a/b", "1/1025", "1/99999999999999999999" };
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		assert_int_equal(shard_parse(bad[k], &i, &n), -1);
}

/* n snippets of distinct sources; caller frees. */
static struct snippet **S_snippets(size_t n)
{
	struct snippet **v = xcalloc(n, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		v[i] = xcalloc(1, sizeof(**v));
		v[i]->lang = xstrdup(i % 2 ? "c" : "python");
		v[i]->info = xstrdup(v[i]->lang);
		v[i]->source = xasprintf("print(%zu)\n", i);
	}
	return v;
}

static void S_free(struct snippet **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i]->lang);
		free(v[i]->info);
		free(v[i]->source);
		free(v[i]);
	}
	free(v);
}

static void test_shard_partition(void **state)
{
	(void)state;
	enum { N = 200 };
	struct snippet **v = S_snippets(N);
	for (unsigned of = 1; of <= 4; of++) {
		int *seen = xcalloc(N, sizeof(*seen));
		for (unsigned i = 1; i <= of; i++) {
			struct snippet **w = xcalloc(N, sizeof(*w));
			memcpy(w, v, N * sizeof(*w));
			size_t k = shard_filter(w, N, i, of);
			if (of > 1)
				assert_true(k > 0 && k < N); /* a real split */
			for (size_t j = 0; j < k; j++)
				for (size_t m = 0; m < N; m++)
					if (w[j] == v[m])
						seen[m]++;
			free(w);
		}
		for (size_t m = 0; m < N; m++)
			assert_int_equal(seen[m], 1); /* each in exactly one shard */
		free(seen);
	}
	/* Stable: the shard depends on the snippet, not on where it stands. */
	unsigned a = shard_of(v[7], 3);
	free(v[7]->info);
	v[7]->info = xstrdup(v[7]->lang);
	assert_int_equal(shard_of(v[7], 3), a);
	S_free(v, N);
}

static void test_shard_merge_junit(void **state)
{
	(void)state;
	char dir[] = "/tmp/kb-test-shard-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *a = path_join(dir, "a.xml"), *b = path_join(dir, "b.xml"), *out = path_join(dir, "o.xml");
	const char *ja = "<?xml version=\"1.0\"?>\n<testsuites>\n<testsuite name=\"snippets\" tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\" time=\"1\">\n"
			 "  <testcase name=\"x\"/>\n  <testcase name=\"y\"><failure message=\"m\">m</failure></testcase>\n</testsuite>\n</testsuites>\n";
	const char *jb = "<testsuites><testsuite name=\"snippets\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"1\" time=\"0\">"
			 "<testcase name=\"z\"><skipped/></testcase></testsuite></testsuites>";
	assert_int_equal(write_file(a, ja, strlen(ja)), 0);
	assert_int_equal(write_file(b, jb, strlen(jb)), 0);
	struct diags d = DIAGS_INIT;
	char *paths[] = { a, b };
	assert_int_equal(shard_merge_junit(out, paths, 2, &d), 0);
	char *text;
	size_t len;
	assert_int_equal(read_file(out, &text, &len), 0);
	assert_non_null(strstr(text, "<testsuites tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\">"));
	assert_non_null(strstr(text, "<testcase name=\"x\"/>"));
	assert_non_null(strstr(text, "<testcase name=\"z\"><skipped/></testcase>"));
	assert_true(strstr(text, "name=\"x\"") < strstr(text, "name=\"z\"")); /* in order */
	free(text);
	/* A file that is no report is an error at its name. */
	assert_int_equal(write_file(b, "hello", 5), 0);
	assert_int_equal(shard_merge_junit(out, paths, 2, &d), -1);
	assert_int_equal(d.errors, 1);
	assert_string_equal(d.items[0].file, b);
	diag_release(&d);
	remove_tree(dir);
	free(a);
	free(b);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shard_parse),
		cmocka_unit_test(test_shard_partition),
		cmocka_unit_test(test_shard_merge_junit),
	};
	return cmocka_run_group_tests_name("shard", tests, NULL, NULL);
}
