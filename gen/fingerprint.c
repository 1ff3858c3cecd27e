/*
 * fingerprint.c - see fingerprint.h.
 */
#include "fingerprint.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <git2.h>

#include "history.h"
#include "version.h"

static void S_fp_tree(struct buf *b, const char *dir)
{
	struct stat sb;
	if (lstat(dir, &sb) < 0)
		return;
	if (!S_ISDIR(sb.st_mode)) {
		/* Only ever compared with itself: raw bytes, no formatting. */
		long long stamp[3] = { (long long)sb.st_size, (long long)sb.st_mtim.tv_sec,
				       (long long)sb.st_mtim.tv_nsec };
		buf_put(b, dir, strlen(dir) + 1);
		buf_put(b, stamp, sizeof(stamp));
		return;
	}
	struct strlist names = STRLIST_INIT;
	DIR *dp = opendir(dir);
	if (!dp)
		return;
	struct dirent *de;
	while ((de = readdir(dp)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			strlist_push(&names, de->d_name);
	closedir(dp);
	strlist_sort(&names);
	for (size_t i = 0; i < names.n; i++) {
		char *p = path_join(dir, names.items[i]);
		S_fp_tree(b, p);
		free(p);
	}
	strlist_release(&names);
}

static void *S_git_init(void *arg)
{
	(void)arg;
	git_libgit2_init();
	return NULL;
}

/* A hash of file names, sizes and times under the inputs, kb's own
 * identity, the options and git HEAD: when it matches the one stored in
 * the site, the site is up to date. Starts libgit2 on the side (it reads
 * the system's certificates, which takes as long as the walk). Caller
 * frees. */
char *fingerprint_compute(const char *templates, int strict)
{
	pthread_t gt;
	int side = pthread_create(&gt, NULL, S_git_init, NULL) == 0;
	struct buf b = BUF_INIT;
	buf_printf(&b, "kb %s %s %s\n", KB_VERSION, __DATE__, __TIME__);
	char *self = self_path();
	if (self)
		S_fp_tree(&b, self);
	free(self);
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	buf_printf(&b, "sde=%s strict=%d\n", sde ? sde : "", strict);
	S_fp_tree(&b, "kb.lua");
	S_fp_tree(&b, "content");
	S_fp_tree(&b, "snippets");
	S_fp_tree(&b, ".kb-cache/links"); /* pages show when links were checked */
	S_fp_tree(&b, templates);
	if (side)
		pthread_join(gt, NULL);
	else
		git_libgit2_init();
	char *head = NULL;
	if (history_head(&head, ".") == 0 && head) {
		buf_printf(&b, "head=%s\n", head);
		free(head);
	}
	git_oid oid;
	git_odb_hash(&oid, b.data, b.len, GIT_OBJECT_BLOB);
	buf_release(&b);
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof(hex), &oid);
	return xstrdup(hex);
}

int fingerprint_matches(const char *out, const char *fp)
{
	char *path = path_join(out, FINGERPRINT_NAME), *old;
	int same = 0;
	if (read_file(path, &old, NULL) == 0) {
		same = !strcmp(old, fp);
		free(old);
	}
	free(path);
	return same;
}

const char *kb_version(void)
{
	return KB_VERSION;
}
