/*
 * init.c - `kb init DIR`: copy the skeleton into a new, empty folder.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "init.h"
#include "render.h"
#include "util.h"

#ifndef KB_SHARE_DIR
#define KB_SHARE_DIR "/usr/local/share/kb"
#endif

static const char init_usage[] =
	"usage: kb init DIR\n"
	"\n"
	"Creates a new knowledge base in DIR (missing or empty): kb.lua, one\n"
	"entry per section with a verified Python and C example, .gitignore and\n"
	"CONTRIBUTING.md. Then: cd DIR && kb build.\n";

static int S_is_dir(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* The skeleton folder, or NULL; caller frees. */
static char *S_skeleton(void)
{
	const char *env = getenv("KB_INIT");
	if (env && *env)
		return S_is_dir(env) ? xstrdup(env) : NULL;
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *dir = path_dirname(self), *p = path_join(dir, "init");
		free(dir);
		if (S_is_dir(p))
			return p;
		free(p);
	}
	return S_is_dir(KB_SHARE_DIR "/init") ? xstrdup(KB_SHARE_DIR "/init") : NULL;
}

/* 1 when path is missing or an empty folder, 0 when it has entries or is
 * not a folder, -1 on other errors (errno set). */
static int S_usable(const char *path)
{
	DIR *dp = opendir(path);
	if (!dp)
		return errno == ENOENT ? 1 : errno == ENOTDIR ? 0 : -1;
	struct dirent *de;
	int empty = 1;
	while (empty && (de = readdir(dp)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = 0;
	closedir(dp);
	return empty;
}

/* Copies skel into dir; the skeleton's "gitignore" becomes ".gitignore"
 * (a dotfile would be skipped by the copy, and would apply to the
 * skeleton's own folder in kb's repository). */
static int S_copy(const char *skel, const char *dir)
{
	if (render_copy_tree(skel, dir) < 0)
		return -1;
	char *from = path_join(dir, "gitignore"), *to = path_join(dir, ".gitignore");
	int rc = rename(from, to);
	free(from);
	free(to);
	return rc;
}

int cmd_init(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", longs, NULL)) != -1) {
		if (c == 'h') {
			fputs(init_usage, stdout);
			return 0;
		}
		return usage_error(init_usage, "%s", "unknown option");
	}
	if (argc - optind != 1)
		return usage_error(init_usage, "%s", "give one folder");
	const char *dir = argv[optind];
	int usable = S_usable(dir);
	if (usable <= 0) {
		fprintf(stderr, "kb: %s: %s\n", dir,
			usable == 0 ? "not an empty folder; kb init starts a new knowledge base only in a missing or empty one"
				    : strerror(errno));
		return 1;
	}
	char *skel = S_skeleton();
	if (!skel) {
		fprintf(stderr, "kb: cannot find the skeleton (init/ beside kb, or %s/init): "
				"run 'make install' or set KB_INIT\n", KB_SHARE_DIR);
		return 1;
	}
	int rc = S_copy(skel, dir);
	if (rc < 0)
		fprintf(stderr, "kb: cannot write %s: %s\n", dir, strerror(errno));
	else
		printf("Created a knowledge base in %s. Next:\n  cd %s && kb build\n", dir, dir);
	free(skel);
	return rc < 0 ? 1 : 0;
}
