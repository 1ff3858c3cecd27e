/*
 * cmd_check.c - `kb check`: options, then the pipeline (pipeline.h) with
 * nothing written.
 */
#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "annotate.h"
#include "cmd.h"
#include "pipeline.h"
#include "shard.h"
#include "util.h"

static const char check_usage[] =
	"usage: kb check [--changed-since REF] [--record] [--stress K] [--format FORMAT]\n"
	"                [--junit FILE] [--list-skipped] [--jobs N] [--strict] [--no-cache]\n"
	"                [--shard I/N]\n"
	"       kb check --merge-junit OUT FILE...\n"
	"\n"
	"Does everything kb build does but write the site: front matter, links,\n"
	"templates, and every snippet compiled, run and checked.\n"
	"\n"
	"      --changed-since REF  check only what changed since REF (and what links to it)\n"
	"      --record             write actual outputs back into ```output blocks and .out files\n"
	"      --stress K           run each snippet K times; list those whose output varies\n"
	"      --format junit       write a JUnit XML report (to --junit FILE, default kb-check.xml)\n"
	"      --format github      print messages as GitHub Actions annotations (on stdout)\n"
	"      --format gitlab      print a GitLab Code Quality report (JSON, on stdout)\n"
	"      --junit FILE         write the JUnit XML report to FILE\n"
	"      --shard I/N          run only the snippets of shard I of N (stable by content)\n"
	"      --merge-junit OUT FILE...  merge the shards' JUnit reports into OUT\n"
	"      --list-skipped       list snippets that are not run (norun, compile) and why\n"
	"      --stale DAYS         warn about entries whose checked: date is missing or older\n"
	"                           than DAYS days (errors with --strict)\n"
	"      --list               list the snippets the check would verify (file:line: language),\n"
	"                           after --shard and --changed-since; run none\n"
	"  -j, --jobs N             run N jobs at once (default: number of cores)\n"
	"      --strict             snippets whose requires= is not met fail\n"
	"      --no-cache           rerun every snippet\n"
	"  -h, --help               show this help\n"
	"\n"
	"Exit status: 0 all good, 1 errors found, 2 usage error.\n";

/* kb check --merge-junit OUT FILE...: one report from the shards'. */
static int S_merge_junit(const char *out, char **files, size_t n)
{
	if (n == 0)
		return usage_error(check_usage, "--merge-junit %s wants the shards' JUnit files after it", out);
	struct diags d = DIAGS_INIT;
	int rc = shard_merge_junit(out, files, n, &d);
	diag_print(&d, stderr);
	diag_release(&d);
	return rc < 0 ? 1 : 0;
}

int cmd_check(int argc, char **argv)
{
	struct build_opts o;
	memset(&o, 0, sizeof(o));
	o.stale = -1;
	o.out = "site";
	o.jobs = cpu_count();
	o.check = 1;
	const char *format = NULL;
	static const struct option longs[] = {
		{ "changed-since", required_argument, NULL, 'c' },
		{ "record", no_argument, NULL, 'r' },
		{ "stress", required_argument, NULL, 'S' },
		{ "format", required_argument, NULL, 'F' },
		{ "junit", required_argument, NULL, 'J' },
		{ "list-skipped", no_argument, NULL, 'l' },
		{ "list", no_argument, NULL, 'L' },
		{ "stale", required_argument, NULL, 'T' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "strict", no_argument, NULL, 's' },
		{ "no-cache", no_argument, NULL, 'n' },
		{ "shard", required_argument, NULL, 'H' },
		{ "merge-junit", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	const char *merge = NULL;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+j:h", longs, NULL)) != -1) {
		switch (c) {
		case 'H':
			if (shard_parse(optarg, &o.shard, &o.shards) < 0)
				return usage_error(check_usage, "--shard wants I/N with 1 <= I <= N <= 1024, not '%s'", optarg);
			break;
		case 'M': merge = optarg; break;
		case 'c': o.changed_since = optarg; break;
		case 'r': o.record = 1; break;
		case 'S':
			if (parse_int(optarg, 1, 1024, &o.stress) < 0)
				return usage_error(check_usage, "--stress wants a count, not '%s'", optarg);
			break;
		case 'F': format = optarg; break;
		case 'J': o.junit = optarg; break;
		case 'l': o.list_skipped = 1; break;
		case 'L': o.list = 1; break;
		case 'T': {
			char *end;
			long days = strtol(optarg, &end, 10);
			if (end == optarg || *end || days < 0 || days > 100000)
				return usage_error(check_usage, "--stale wants a number of days, not '%s'", optarg);
			o.stale = (int)days;
			break;
		}
		case 'j':
			if (parse_int(optarg, 1, 1024, &o.jobs) < 0)
				return usage_error(check_usage, "--jobs wants a number from 1 to 1024, not '%s'", optarg);
			break;
		case 's': o.strict = 1; break;
		case 'n': o.no_cache = 1; break;
		case 'h': fputs(check_usage, stdout); return 0;
		default:
			return usage_error(check_usage, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (merge)
		return S_merge_junit(merge, argv + optind, (size_t)(argc - optind));
	if (optind < argc)
		return usage_error(check_usage, "unexpected argument '%s'", argv[optind]);
	if (format && strcmp(format, "junit")) {
		int f = annotate_parse(format);
		if (f < 0)
			return usage_error(check_usage, "--format wants 'text', 'junit', 'github' or 'gitlab', not '%s'", format);
		o.annotate = f;
	}
	if (format && !strcmp(format, "junit") && !o.junit)
		o.junit = "kb-check.xml";
	o.exiting = 1;
	return pipeline_run(&o);
}
