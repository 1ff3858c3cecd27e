/*
 * verify_junit.c - `kb check --format junit`: the JUnit XML report of a
 * verification run. See verify.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "verify_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double S_time(const struct snippet *s)
{
	double t = 0;
	for (size_t k = 0; k < s->nresults; k++) {
		const struct snippet_result *r = &s->results[k];
		t += r->compile_step.wall;
		for (size_t i = 0; i < r->nruns; i++)
			t += r->runs[i].wall;
	}
	return t;
}

int verify_write_junit(struct snippet *const *v, size_t n, const char *path,
		       struct diags *d)
{
	size_t failures = 0, skipped = 0;
	double total = 0;
	for (size_t i = 0; i < n; i++) {
		failures += v[i]->status == SNIPPET_FAILED;
		skipped += v[i]->status != SNIPPET_FAILED && v[i]->status != SNIPPET_PASSED;
		total += S_time(v[i]);
	}
	struct buf b = BUF_INIT;
	buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
	buf_printf(&b, "<testsuite name=\"snippets\" tests=\"%zu\" failures=\"%zu\" "
		   "errors=\"0\" skipped=\"%zu\" time=\"%.3f\">\n", n, failures,
		   skipped, total);
	for (size_t i = 0; i < n; i++) {
		const struct snippet *s = v[i];
		char *cls = xstrdup(s->entry_path);
		char *dot = strrchr(cls, '.');
		if (dot && !strcmp(dot, ".md"))
			*dot = '\0';
		for (char *c = cls; *c; c++)
			if (*c == '/')
				*c = '.';
		char *name = xasprintf("%s:%d (%s)", s->entry_path, s->line, s->lang);
		buf_puts(&b, "  <testcase classname=\"");
		buf_put_xml(&b, cls);
		buf_puts(&b, "\" name=\"");
		buf_put_xml(&b, name);
		buf_printf(&b, "\" time=\"%.3f\"", S_time(s));
		const char *msg = s->failure ? s->failure : "";
		size_t head = strcspn(msg, "\n");
		char *first = xstrndup(msg, head);
		if (s->status == SNIPPET_FAILED) {
			buf_puts(&b, ">\n    <failure message=\"");
			buf_put_xml(&b, first);
			buf_puts(&b, "\">");
			buf_put_xml(&b, msg);
			buf_puts(&b, "</failure>\n  </testcase>\n");
		} else if (s->status != SNIPPET_PASSED) {
			const char *why = s->status == SNIPPET_SKIPPED ? first
					: s->why ? s->why : s->invalid ? "invalid attributes"
					: "not run";
			buf_puts(&b, ">\n    <skipped message=\"");
			buf_put_xml(&b, why);
			buf_puts(&b, "\"/>\n  </testcase>\n");
		} else {
			buf_puts(&b, "/>\n");
		}
		free(first);
		free(name);
		free(cls);
	}
	buf_puts(&b, "</testsuite>\n</testsuites>\n");
	return write_junit_report(path, &b, d);
}

