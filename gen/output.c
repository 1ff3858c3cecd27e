/*
 * output.c - see output.h.
 */
#include "output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* "a/b/site" -> parent "a/b", base "site". */
static void S_split(const char *dir, char **parent, char **base)
{
	char *norm = xstrdup(dir);
	size_t n = strlen(norm);
	while (n > 1 && norm[n - 1] == '/')
		norm[--n] = '\0';
	*parent = path_dirname(norm);
	const char *slash = strrchr(norm, '/');
	*base = xstrdup(slash ? slash + 1 : norm);
	free(norm);
}

static void S_cleanup(const char *parent, const char *base)
{
	DIR *dp = opendir(parent);
	if (!dp)
		return;
	char *p1 = xasprintf(".%s.tmp-", base), *p2 = xasprintf(".%s.old-", base);
	struct dirent *de;
	while ((de = readdir(dp))) {
		if (!strncmp(de->d_name, p1, strlen(p1)) ||
		    !strncmp(de->d_name, p2, strlen(p2))) {
			char *p = path_join(parent, de->d_name);
			remove_tree(p);
			free(p);
		}
	}
	free(p1);
	free(p2);
	closedir(dp);
}

int output_begin(struct output *o, const char *dir, struct diags *d)
{
	memset(o, 0, sizeof(*o));
	o->lock_fd = -1;
	char *parent, *base;
	S_split(dir, &parent, &base);
	if (mkdir_p(parent) < 0) {
		diag_add(d, DIAG_ERROR, parent, 0, 0, "cannot create: %s", strerror(errno));
		goto fail;
	}
	char *lock = xasprintf("%s/.%s.lock", parent, base);
	o->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	free(lock);
	if (o->lock_fd < 0 || flock(o->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		diag_add(d, DIAG_ERROR, dir, 0, 0,
			 "another kb build is writing this folder");
		goto fail;
	}
	S_cleanup(parent, base);
	char *tmpl = xasprintf("%s/.%s.tmp-XXXXXX", parent, base);
	if (!mkdtemp(tmpl)) {
		diag_add(d, DIAG_ERROR, parent, 0, 0, "cannot create a temporary folder: %s",
			 strerror(errno));
		free(tmpl);
		goto fail;
	}
	chmod(tmpl, 0755);
	o->tmp = tmpl;
	o->dir = xstrdup(dir);
	free(parent);
	free(base);
	return 0;
fail:
	if (o->lock_fd >= 0)
		close(o->lock_fd);
	o->lock_fd = -1;
	free(parent);
	free(base);
	return -1;
}

int output_commit(struct output *o, struct diags *d)
{
	int rc = 0;
	struct stat st;
	if (lstat(o->dir, &st) < 0) {
		if (rename(o->tmp, o->dir) < 0) {
			diag_add(d, DIAG_ERROR, o->dir, 0, 0, "cannot move the new site in place: %s",
				 strerror(errno));
			rc = -1;
		}
	} else if (renameat2(AT_FDCWD, o->tmp, AT_FDCWD, o->dir, RENAME_EXCHANGE) == 0) {
		remove_tree(o->tmp); /* now holds the old site */
	} else {
		/* No atomic exchange on this filesystem: two renames. */
		char *parent, *base;
		S_split(o->dir, &parent, &base);
		char *old = xasprintf("%s/.%s.old-%ld", parent, base, (long)getpid());
		if (rename(o->dir, old) < 0 || rename(o->tmp, o->dir) < 0) {
			diag_add(d, DIAG_ERROR, o->dir, 0, 0, "cannot move the new site in place: %s",
				 strerror(errno));
			rc = -1;
		} else {
			remove_tree(old);
		}
		free(old);
		free(parent);
		free(base);
	}
	free(o->tmp);
	o->tmp = NULL;
	output_abort(o);
	return rc;
}

void output_abort(struct output *o)
{
	if (o->tmp) {
		remove_tree(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
	}
	if (o->lock_fd >= 0)
		close(o->lock_fd);
	o->lock_fd = -1;
	free(o->dir);
	o->dir = NULL;
}
