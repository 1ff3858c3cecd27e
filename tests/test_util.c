/* Shared helpers: slugs, paths, HTML escaping, buffers, diagnostics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <cmocka.h>

#include "util.h"

static void test_util_slugify(void **state)
{
	(void)state;
	const char *cases[][2] = {
		{ "Threads vs. Processes", "threads-vs-processes" },
		{ "  --GIL--  ", "gil" },
		{ "PEP 703", "pep-703" },
		{ "snake_case", "snake_case" },
		{ "C++ & Rust", "c-rust" },
		{ "", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = slugify(cases[i][0]);
		assert_string_equal(s, cases[i][1]);
		free(s);
	}
}

static void test_util_path_normalize(void **state)
{
	(void)state;
	char *p = path_normalize("content/topics/../resources/./pep-703.md");
	assert_string_equal(p, "content/resources/pep-703.md");
	free(p);
	p = path_normalize("content//topics/gil.md");
	assert_string_equal(p, "content/topics/gil.md");
	free(p);
	/* climbing above the start is refused, not clamped */
	assert_null(path_normalize("content/../../etc/passwd"));
	assert_null(path_normalize("/.."));
	const char *cases[][2] = {
		{ "/a/b/../c/", "/a/c" }, { "a/b/c/../../d", "a/d" }, { "a/..", "" },
		{ "./a/./b", "a/b" }, { "/", "/" }, { "", "" }, { "a/bb/../../c", "c" },
		{ "../x", NULL }, { "a/../..", NULL }, { "/a/../b", "/b" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = path_normalize(cases[i][0]);
		if (cases[i][1]) {
			assert_non_null(p);
			assert_string_equal(p, cases[i][1]);
		} else {
			assert_null(p);
		}
		free(p);
	}
	p = path_up(2);
	assert_string_equal(p, "../../");
	free(p);
}

static void test_util_html_escaping(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	const char *s = "<a href=\"x\">Tom & Jerry's</a>";
	buf_put_html(&b, s, strlen(s));
	assert_string_equal(b.data, "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
	buf_release(&b);
}

static void test_util_buf_grows(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	assert_string_equal(b.data, "");
	for (int i = 0; i < 10000; i++)
		buf_printf(&b, "%d,", i % 10);
	assert_int_equal(b.len, 20000);
	assert_int_equal(b.data[b.len], '\0');
	char *s = buf_detach(&b);
	assert_string_equal(b.data, "");
	assert_int_equal(s[19998], '9');
	free(s);
}

static void test_util_edit_distance(void **state)
{
	(void)state;
	assert_int_equal(edit_distance("tittle", "title"), 1);
	assert_int_equal(edit_distance("", "abc"), 3);
	assert_int_equal(edit_distance("summary", "summary"), 0);
}

static void test_util_diags_sorted_by_file_and_line(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	diag_add(&d, DIAG_ERROR, "content/b.md", 3, 1, "third");
	diag_add(&d, DIAG_WARNING, "content/a.md", 9, 2, "second");
	diag_add(&d, DIAG_ERROR, "content/a.md", 2, 7, "first");
	diag_add(&d, DIAG_NOTE, NULL, 0, 0, "global");
	assert_int_equal(d.errors, 2);
	assert_int_equal(d.warnings, 1);
	char path[] = "/tmp/kb-diag-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w+");
	diag_print(&d, f);
	fflush(f);
	rewind(f);
	char out[512] = { 0 };
	size_t n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	remove(path);
	assert_string_equal(out,
		"kb: note: global\n"
		"content/a.md:2:7: error: first\n"
		"content/a.md:9:2: warning: second\n"
		"content/b.md:3:1: error: third\n");
	diag_release(&d);
}

/* Two items on two workers run at the same time: item 0 waits (up to
 * five seconds) for item 1 to start, which only happens if another worker
 * took it. Rendering hands each worker one item this way. */
struct pf_meet {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int started1;
	int met;
};

static void S_pf_item(size_t i, void *arg)
{
	struct pf_meet *m = arg;
	pthread_mutex_lock(&m->lock);
	if (i == 1) {
		m->started1 = 1;
		pthread_cond_broadcast(&m->cond);
	} else {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 5;
		while (!m->started1 &&
		       pthread_cond_timedwait(&m->cond, &m->lock, &until) == 0)
			;
		m->met = m->started1;
	}
	pthread_mutex_unlock(&m->lock);
}

static void test_util_parallel_for_few_items(void **state)
{
	(void)state;
	struct pf_meet m = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 };
	parallel_for(2, 2, S_pf_item, &m);
	assert_true(m.met);
}

static void S_pf_count(size_t i, void *arg)
{
	__atomic_fetch_add(&((int *)arg)[i], 1, __ATOMIC_RELAXED);
}

/* Every item runs exactly once, whatever the batch size works out to. */
static void test_util_parallel_for_each_once(void **state)
{
	(void)state;
	size_t sizes[] = { 0, 1, 3, 17, 100, 1000, 4099 };
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		int *hits = xcalloc(sizes[k] + 1, sizeof(*hits));
		parallel_for(sizes[k], 3, S_pf_count, hits);
		for (size_t i = 0; i < sizes[k]; i++)
			assert_int_equal(hits[i], 1);
		free(hits);
	}
}

/* Keys are bytes of a length (NULs included): put, replace, get, delete,
 * and thousands of keys across the map's growth. */
static void test_util_hmap(void **state)
{
	(void)state;
	struct hmap m = HMAP_INIT;
	assert_null(hmap_get(&m, "a", 1));
	hmap_del(&m, "a", 1);
	hmap_put(&m, "a\0b", 3, 7);
	hmap_put(&m, "a\0c", 3, 8);
	assert_int_equal(*hmap_get(&m, "a\0b", 3), 7);
	assert_int_equal(*hmap_get(&m, "a\0c", 3), 8);
	assert_null(hmap_get(&m, "a", 1));
	hmap_put(&m, "a\0b", 3, 9);
	assert_int_equal(*hmap_get(&m, "a\0b", 3), 9);
	assert_int_equal(m.n, 2);
	*hmap_get(&m, "a\0c", 3) = 10;
	assert_int_equal(*hmap_get(&m, "a\0c", 3), 10);
	hmap_del(&m, "a\0b", 3);
	assert_null(hmap_get(&m, "a\0b", 3));
	assert_int_equal(m.n, 1);
	char key[32];
	for (size_t i = 0; i < 5000; i++) {
		int len = snprintf(key, sizeof(key), "k%zu", i);
		hmap_put(&m, key, (size_t)len, i * 3);
	}
	for (size_t i = 0; i < 5000; i += 2) {
		int len = snprintf(key, sizeof(key), "k%zu", i);
		hmap_del(&m, key, (size_t)len);
	}
	assert_int_equal(m.n, 2501);
	for (size_t i = 0; i < 5000; i++) {
		int len = snprintf(key, sizeof(key), "k%zu", i);
		size_t *v = hmap_get(&m, key, (size_t)len);
		if (i % 2)
			assert_int_equal(*v, i * 3);
		else
			assert_null(v);
	}
	hmap_release(&m);
	assert_null(hmap_get(&m, "a\0c", 3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_util_slugify),
		cmocka_unit_test(test_util_path_normalize),
		cmocka_unit_test(test_util_parallel_for_few_items),
		cmocka_unit_test(test_util_parallel_for_each_once),
		cmocka_unit_test(test_util_html_escaping),
		cmocka_unit_test(test_util_buf_grows),
		cmocka_unit_test(test_util_edit_distance),
		cmocka_unit_test(test_util_diags_sorted_by_file_and_line),
		cmocka_unit_test(test_util_hmap),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
