/* CI annotations: GitHub workflow commands and GitLab Code Quality. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "annotate.h"
#include "util.h"

static char *S_write(struct diags *d, enum annotate_format f)
{
	struct buf b = BUF_INIT;
	annotate_write(d, f, &b);
	return buf_detach(&b);
}

static void test_annotate_github_lines(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	diag_add(&d, DIAG_WARNING, "content/b.md", 9, 0, "permanent redirect");
	diag_add(&d, DIAG_ERROR, "content/a.md", 3, 7, "unknown key 'tittle' (did you mean 'title'?)");
	diag_add(&d, DIAG_NOTE, NULL, 0, 0, "toolchains not available: 100%% missing");
	diag_add(&d, DIAG_ERROR, "content/a,b:c.md", 41, 0, "snippet failed\n  --- expected\n  +++ actual");
	char *s = S_write(&d, ANNOTATE_GITHUB);
	assert_string_equal(s,
		"::notice::toolchains not available: 100%25 missing\n"
		"::error file=content/a%2Cb%3Ac.md,line=41::snippet failed%0A  --- expected%0A  +++ actual\n"
		"::error file=content/a.md,line=3,col=7::unknown key 'tittle' (did you mean 'title'?)\n"
		"::warning file=content/b.md,line=9::permanent redirect\n");
	free(s);
	diag_release(&d);
}

static void test_annotate_gitlab_report(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	char *s = S_write(&d, ANNOTATE_GITLAB);
	assert_string_equal(s, "[]\n");
	free(s);
	diag_add(&d, DIAG_ERROR, "content/a.md", 3, 7, "bad \"quote\"\n  detail");
	diag_add(&d, DIAG_NOTE, NULL, 0, 0, "about no file: left out");
	diag_add(&d, DIAG_WARNING, "content/b.md", 0, 0, "no line");
	s = S_write(&d, ANNOTATE_GITLAB);
	/* Same input, same fingerprints: GitLab compares them across runs. */
	char *again = S_write(&d, ANNOTATE_GITLAB);
	assert_string_equal(s, again);
	free(again);
	assert_null(strstr(s, "about no file"));
	assert_non_null(strstr(s, "{\"description\": \"bad \\\"quote\\\"\\n  detail\", \"check_name\": \"kb\", \"fingerprint\": \""));
	assert_non_null(strstr(s, "\"severity\": \"major\", \"location\": {\"path\": \"content/a.md\", \"lines\": {\"begin\": 3}}}"));
	assert_non_null(strstr(s, "\"severity\": \"minor\", \"location\": {\"path\": \"content/b.md\", \"lines\": {\"begin\": 1}}}"));
	assert_int_equal(s[0], '[');
	assert_string_equal(s + strlen(s) - 3, "\n]\n");
	free(s);
	diag_release(&d);
}

static void test_annotate_parse_names(void **state)
{
	(void)state;
	assert_int_equal(annotate_parse("github"), ANNOTATE_GITHUB);
	assert_int_equal(annotate_parse("gitlab"), ANNOTATE_GITLAB);
	assert_int_equal(annotate_parse("text"), ANNOTATE_TEXT);
	assert_int_equal(annotate_parse("GitHub"), -1);
	assert_int_equal(annotate_parse(""), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_annotate_github_lines),
		cmocka_unit_test(test_annotate_gitlab_report),
		cmocka_unit_test(test_annotate_parse_names),
	};
	return cmocka_run_group_tests_name("annotate", tests, NULL, NULL);
}
