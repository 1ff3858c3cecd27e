/*
 * main.c - kb's command line: parse the command name and dispatch.
 * Each command lives in the module that owns its concern (as git's
 * builtin/ does); this table is the only list of them.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "cmd_links.h"
#include "init.h"
#include "search.h"
#include "serve.h"
#include "version.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "build", cmd_build, "build the site from content/ into site/" },
	{ "check", cmd_check, "verify entries, links and snippets; write nothing" },
	{ "search", cmd_search, "search the built site from the terminal" },
	{ "serve", cmd_serve, "preview the site on 127.0.0.1 with live reload" },
	{ "new", cmd_new, "create an entry with its section's front matter" },
	{ "init", cmd_init, "start a new knowledge base in an empty folder" },
	{ "links", cmd_links, "check every external URL of the site (needs network)" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void S_usage(FILE *f)
{
	fprintf(f, "usage: kb COMMAND [ARGS]\n\n"
		   "kb builds a cross-linked reference site from Markdown entries,\n"
		   "compiling and running every C and Python snippet on the way.\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nRun 'kb COMMAND --help' for a command's options, 'man kb' for more.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		S_usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		S_usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		printf("kb %s\n", KB_VERSION);
		return 0;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, cmd))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "kb: '%s' is not a kb command\n", cmd);
	S_usage(stderr);
	return 2;
}
