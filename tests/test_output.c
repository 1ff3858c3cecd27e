/* output.c: the new site takes the old one's place in one step, a failed
 * build leaves the old one alone, two builds cannot write at once, and
 * the leftovers of killed builds go away. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "output.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/kb-output-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	remove_tree(dir);
	return 0;
}

/* dir/name, to free. */
static char *S_path(const char *name)
{
	return path_join(dir, name);
}

static void S_put(const char *name, const char *text)
{
	char *p = S_path(name);
	assert_int_equal(write_file(p, text, strlen(text)), 0);
	free(p);
}

static int S_exists(const char *name)
{
	struct stat st;
	char *p = S_path(name);
	int rc = lstat(p, &st) == 0;
	free(p);
	return rc;
}

static void S_expect_file(const char *name, const char *want)
{
	char *p = S_path(name), *got;
	size_t len;
	assert_int_equal(read_file(p, &got, &len), 0);
	assert_string_equal(got, want);
	free(got);
	free(p);
}

/* The names in dir starting with "." other than ".", ".." and the lock
 * file of `site`, joined by spaces: what builds left behind. */
static char *S_hidden(void)
{
	struct buf b = BUF_INIT;
	DIR *dp = opendir(dir);
	assert_non_null(dp);
	struct dirent *de;
	while ((de = readdir(dp)))
		if (de->d_name[0] == '.' && strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, ".site.lock"))
			buf_printf(&b, "%s ", de->d_name);
	closedir(dp);
	return buf_detach(&b);
}

static void S_expect_no_leftovers(void)
{
	char *h = S_hidden();
	assert_string_equal(h, "");
	free(h);
}

/* The first build: nothing in place yet, the folder appears on commit. */
static void test_output_first_build(void **state)
{
	(void)state;
	struct output o;
	struct diags d = DIAGS_INIT;
	char *site = S_path("site");
	assert_int_equal(output_begin(&o, site, &d), 0);
	assert_false(S_exists("site"));
	char *page = path_join(o.tmp, "index.html");
	assert_int_equal(write_file(page, "one", 3), 0);
	free(page);
	assert_int_equal(output_commit(&o, &d), 0);
	assert_int_equal(d.errors, 0);
	S_expect_file("site/index.html", "one");
	S_expect_no_leftovers();
	free(site);
	diag_release(&d);
}

/* A rebuild replaces the whole tree (no file of the old one stays), and
 * until the commit the old site is there as it was. */
static void test_output_swap(void **state)
{
	(void)state;
	struct output o;
	struct diags d = DIAGS_INIT;
	S_put("site/index.html", "old");
	S_put("site/gone.html", "old");
	char *site = S_path("site/"); /* a trailing slash is the same folder */
	assert_int_equal(output_begin(&o, site, &d), 0);
	char *page = path_join(o.tmp, "index.html");
	assert_int_equal(write_file(page, "new", 3), 0);
	free(page);
	S_expect_file("site/index.html", "old");
	assert_int_equal(output_commit(&o, &d), 0);
	S_expect_file("site/index.html", "new");
	assert_false(S_exists("site/gone.html"));
	S_expect_no_leftovers();
	free(site);
	diag_release(&d);
}

/* A failed build removes its temporary folder and leaves the site alone. */
static void test_output_abort(void **state)
{
	(void)state;
	struct output o;
	struct diags d = DIAGS_INIT;
	S_put("site/index.html", "kept");
	char *site = S_path("site");
	assert_int_equal(output_begin(&o, site, &d), 0);
	char *page = path_join(o.tmp, "index.html");
	assert_int_equal(write_file(page, "lost", 4), 0);
	free(page);
	output_abort(&o);
	S_expect_file("site/index.html", "kept");
	S_expect_no_leftovers();
	free(site);
	diag_release(&d);
}

/* While one build holds the output folder another is refused; once it is
 * done the next one may start. */
static void test_output_lock(void **state)
{
	(void)state;
	struct output a, b;
	struct diags d = DIAGS_INIT;
	char *site = S_path("site");
	assert_int_equal(output_begin(&a, site, &d), 0);
	assert_int_equal(output_begin(&b, site, &d), -1);
	assert_int_equal(d.errors, 1);
	assert_string_equal(d.items[0].msg, "another kb build is writing this folder");
	output_abort(&a);
	assert_int_equal(output_begin(&b, site, &d), 0);
	output_abort(&b);
	assert_int_equal(d.errors, 1);
	S_expect_no_leftovers();
	free(site);
	diag_release(&d);
}

/* The temporary and old folders a killed build left are removed by the
 * next one; other hidden files are not touched. */
static void test_output_leftovers(void **state)
{
	(void)state;
	struct output o;
	struct diags d = DIAGS_INIT;
	S_put(".site.tmp-AbC123/index.html", "killed");
	S_put(".site.tmp-AbC123/topics/x.html", "killed");
	S_put(".site.old-4242/index.html", "killed");
	S_put(".other.tmp-1/keep", "other");
	char *site = S_path("site");
	assert_int_equal(output_begin(&o, site, &d), 0);
	assert_false(S_exists(".site.tmp-AbC123"));
	assert_false(S_exists(".site.old-4242"));
	S_expect_file(".other.tmp-1/keep", "other");
	assert_int_equal(output_commit(&o, &d), 0);
	char *h = S_hidden();
	assert_string_equal(h, ".other.tmp-1 ");
	free(h);
	free(site);
	diag_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_output_first_build, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_swap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_leftovers, setup, teardown),
	};
	return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
