/*
 * shard.c - stable snippet shards and the merge of their JUnit reports
 * (see shard.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shard.h"

int shard_parse(const char *spec, unsigned *i, unsigned *n)
{
	char *end;
	errno = 0;
	unsigned long a = strtoul(spec, &end, 10);
	if (end == spec || *end != '/' || errno)
		return -1;
	const char *rest = end + 1;
	unsigned long b = strtoul(rest, &end, 10);
	if (end == rest || *end || errno || a < 1 || b < 1 || a > b || b > 1024)
		return -1;
	if (spec[0] == '+' || spec[0] == '-' || rest[0] == '+' || rest[0] == '-')
		return -1;
	*i = (unsigned)a;
	*n = (unsigned)b;
	return 0;
}

/* FNV-1a, 64 bits, over s and its terminating NUL (so "ab"+"c" and
 * "a"+"bc" differ). */
static uint64_t S_fnv(uint64_t h, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	do {
		h ^= *p;
		h *= 0x100000001b3ULL;
	} while (*p++);
	return h;
}

unsigned shard_of(const struct snippet *s, unsigned n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	h = S_fnv(h, s->lang);
	h = S_fnv(h, s->info);
	h = S_fnv(h, s->source);
	return (unsigned)(h % n) + 1;
}

size_t shard_filter(struct snippet **v, size_t n, unsigned i, unsigned of)
{
	size_t k = 0;
	for (size_t j = 0; j < n; j++)
		if (shard_of(v[j], of) == i)
			v[k++] = v[j];
	return k;
}

/* The value of attribute name="..." in the tag starting at tag. */
static unsigned long S_attr(const char *tag, const char *name)
{
	const char *end = strchr(tag, '>');
	size_t len = strlen(name);
	for (const char *p = tag; (p = strstr(p, name)) && (!end || p < end); p++)
		if (p[-1] == ' ' && p[len] == '=' && p[len + 1] == '"')
			return strtoul(p + len + 2, NULL, 10);
	return 0;
}

int shard_merge_junit(const char *out, char *const *paths, size_t n,
		      struct diags *d)
{
	struct buf suites = BUF_INIT;
	unsigned long tests = 0, failures = 0, errors = 0, skipped = 0;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *text;
		size_t len;
		if (read_file(paths[i], &text, &len) < 0) {
			diag_add(d, DIAG_ERROR, paths[i], 0, 0, "cannot read: %s", strerror(errno));
			rc = -1;
			break;
		}
		const char *p = text, *found = NULL;
		while ((p = strstr(p, "<testsuite ")) != NULL) {
			const char *end = strstr(p, "</testsuite>");
			if (!end)
				break;
			end += strlen("</testsuite>");
			tests += S_attr(p, "tests");
			failures += S_attr(p, "failures");
			errors += S_attr(p, "errors");
			skipped += S_attr(p, "skipped");
			buf_put(&suites, p, (size_t)(end - p));
			buf_putc(&suites, '\n');
			found = p = end;
		}
		if (!found) {
			diag_add(d, DIAG_ERROR, paths[i], 0, 0, "not a JUnit report: no <testsuite> element");
			rc = -1;
		}
		free(text);
	}
	if (rc == 0) {
		struct buf b = BUF_INIT;
		buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			       "<testsuites tests=\"%lu\" failures=\"%lu\" errors=\"%lu\" skipped=\"%lu\">\n",
			   tests, failures, errors, skipped);
		buf_put(&b, suites.data, suites.len);
		buf_puts(&b, "</testsuites>\n");
		if (write_file(out, b.data, b.len) < 0) {
			diag_add(d, DIAG_ERROR, out, 0, 0, "cannot write: %s", strerror(errno));
			rc = -1;
		}
		buf_release(&b);
	}
	buf_release(&suites);
	return rc;
}
