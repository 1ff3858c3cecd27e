/*
 * cmd_new.c - `kb new SECTION SLUG`: a new entry with its section's front
 * matter.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "load.h"
#include "util.h"

static const char new_usage[] =
	"usage: kb new SECTION SLUG\n"
	"\n"
	"Creates content/SECTION/SLUG.md with the front matter SECTION takes.\n"
	"Sections: guides, topics, resources, languages, examples, comparisons.\n"
	"\n"
	"  -h, --help   show this help\n"
	"\n"
	"Exit status: 0 created, 1 the file exists or cannot be written, 2 usage error.\n";

int cmd_new(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", longs, NULL)) != -1) {
		switch (c) {
		case 'h': fputs(new_usage, stdout); return 0;
		default:
			return usage_error(new_usage, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind < 2)
		return usage_error(new_usage, "missing SECTION or SLUG%s", "");
	if (argc - optind > 2)
		return usage_error(new_usage, "unexpected argument '%s'", argv[optind + 2]);
	const char *section = argv[optind], *slug = argv[optind + 1];
	if (!load_section_title(section))
		return usage_error(new_usage, "unknown section '%s'", section);
	char *s = slugify(slug);
	int ok = !strcmp(s, slug);
	free(s);
	if (!ok || !*slug)
		return usage_error(new_usage,
				     "'%s' is not a slug: use lowercase letters, digits and '-'", slug);
	char *path = xasprintf("content/%s/%s.md", section, slug);
	if (access(path, F_OK) == 0) {
		fprintf(stderr, "kb: %s already exists\n", path);
		free(path);
		return 1;
	}
	struct buf b = BUF_INIT;
	buf_puts(&b, "---\ntitle: \nsummary: \ntags: []\nlanguages: []\nsee_also: []\nanswers: []\n");
	if (!strcmp(section, "resources"))
		buf_puts(&b, "url: https://\nauthors: []\nyear: \nformat: article  # book|article|talk|docs|pep|tutorial|course|tool|paper\n"
			     "level: beginner  # beginner|intermediate|advanced\nstatus: live  # live|archived|gone\n"
			     "# archive_url: https://web.archive.org/web/...  (required when archived)\n");
	const char *label, *key;
	if (!strcmp(section, "languages"))
		for (size_t i = 0; (key = load_facet(i, &label)); i++)
			buf_printf(&b, "%s:   # %s\n", key, label);
	buf_puts(&b, "---\n\n## Overview\n\n");
	if (!strcmp(section, "examples"))
		buf_puts(&b, "```python\nprint(\"hello\")\n```\n```output\nhello\n```\n");
	int rc = write_file(path, b.data, b.len);
	buf_release(&b);
	if (rc < 0) {
		fprintf(stderr, "kb: cannot write %s: %s\n", path, strerror(errno));
		free(path);
		return 1;
	}
	printf("%s\n", path);
	free(path);
	return 0;
}
