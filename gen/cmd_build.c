/*
 * cmd_build.c - `kb build`: options, then the pipeline (pipeline.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "pipeline.h"
#include "util.h"

static const char build_usage[] =
	"usage: kb build [--out DIR] [--jobs N] [--strict] [--no-cache] [--force]\n"
	"\n"
	"Builds the site from content/, snippets/, templates/ and kb.lua into DIR\n"
	"(default site/). Every C and Python snippet is compiled, run and checked;\n"
	"results are cached in .kb-cache/. The new site replaces the old one in one\n"
	"step: on any error the previous site is left as it was.\n"
	"\n"
	"  -o, --out DIR    write the site to DIR (default: site)\n"
	"  -j, --jobs N     run N jobs at once (default: number of cores)\n"
	"      --strict     snippets whose requires= is not met fail the build\n"
	"      --no-cache   rerun every snippet\n"
	"      --force      rebuild even when nothing changed\n"
	"  -h, --help       show this help\n"
	"\n"
	"Exit status: 0 built, 1 content errors, 2 usage error.\n";


int cmd_build(int argc, char **argv)
{
	struct build_opts o;
	memset(&o, 0, sizeof(o));
	o.stale = -1;
	o.out = "site";
	o.jobs = cpu_count();
	static const struct option longs[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "strict", no_argument, NULL, 's' },
		{ "no-cache", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+o:j:h", longs, NULL)) != -1) {
		switch (c) {
		case 'o': o.out = optarg; break;
		case 'j':
			if (parse_int(optarg, 1, 1024, &o.jobs) < 0)
				return usage_error(build_usage, "--jobs wants a number from 1 to 1024, not '%s'", optarg);
			break;
		case 's': o.strict = 1; break;
		case 'n': o.no_cache = 1; o.force = 1; break;
		case 'f': o.force = 1; break;
		case 'h': fputs(build_usage, stdout); return 0;
		default:
			return usage_error(build_usage, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error(build_usage, "unexpected argument '%s'", argv[optind]);
	if (!*o.out)
		return usage_error(build_usage, "--out wants a folder%s", "");
	o.exiting = 1;
	return pipeline_run(&o);
}
