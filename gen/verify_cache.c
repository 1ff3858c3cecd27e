/*
 * verify_cache.c - the snippet result cache: one file per result,
 * <cache_dir>/snippets/<sha1>.txt, keyed by the git blob hash of
 * everything that can change a run (see verify.h). Writes go to a
 * temporary file renamed into place, so concurrent builds never see half
 * a result.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "verify_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <git2.h>
#include <unistd.h>

static void S_key_list(struct buf *b, const char *label, const struct strlist *l)
{
	buf_puts(b, label);
	for (size_t i = 0; i < l->n; i++) {
		buf_puts(b, l->items[i]);
		buf_putc(b, '\x1f');
	}
	buf_putc(b, '\0');
}

char *cache_key(const struct snippet *s, const struct tool *t)
{
	struct buf b = BUF_INIT;
	const struct runner *r = s->runner;
	char *src = cmd_src_name(s);
	buf_printf(&b, "%s%c%s%c%s%c", CACHE_MAGIC, 0, r->name, 0,
		   r->ext ? r->ext : "", 0);
	S_key_list(&b, "compile:", &r->compile);
	S_key_list(&b, "tsan:", &r->tsan);
	S_key_list(&b, "run:", &r->run);
	buf_printf(&b, "%s%c%s%c", t && t->banner ? t->banner : "", 0, src, 0);
	/* the toolchain: its exact version above, its variables and root here */
	if (t && t->tc->name) {
		buf_printf(&b, "toolchain:%s%croot:%s%c", t->tc->name, 0,
			   t->tc->root ? t->tc->root : "", 0);
		S_key_list(&b, "vars:", &t->tc->vars);
	}
	buf_printf(&b, "mode=%d tsan=%d timeout=%g repeat=%d%c", (int)s->mode,
		   s->tsan != SNIPPET_TSAN_OFF, s->timeout, s->repeat, 0);
	buf_printf(&b, "cflags=%s%cargs=%s%c", s->cflags ? s->cflags : "", 0,
		   s->args ? s->args : "", 0);
	buf_puts(&b, s->source);
	git_oid oid;
	char hex[GIT_OID_HEXSZ + 1] = "";
	if (git_odb_hash(&oid, b.data, b.len, GIT_OBJECT_BLOB) == 0)
		git_oid_tostr(hex, sizeof(hex), &oid);
	buf_release(&b);
	free(src);
	return xstrdup(hex);
}

static char *S_cache_path(const struct verify_opts *o, const char *key)
{
	return xasprintf("%s/snippets/%s.txt", o->cache_dir ? o->cache_dir : ".kb-cache", key);
}

static void S_put_step(struct buf *b, const struct snippet_run *r)
{
	size_t ol = r->out ? strlen(r->out) : 0, el = r->err ? strlen(r->err) : 0;
	buf_printf(b, "step %d %d %d %d %d %d %.3f %zu %zu\n", r->exited, r->status,
		   r->signal, r->timed_out, r->out_truncated, r->err_truncated,
		   r->wall, ol, el);
	buf_put(b, r->out ? r->out : "", ol);
	buf_put(b, r->err ? r->err : "", el);
	buf_putc(b, '\n');
}

/* Parses one "step" record at *p; -1 if malformed. */
static int S_get_step(const char **p, const char *end, struct snippet_run *r)
{
	size_t ol, el;
	int used = 0;
	if (sscanf(*p, "step %d %d %d %d %d %d %lf %zu %zu%n", &r->exited,
		   &r->status, &r->signal, &r->timed_out, &r->out_truncated,
		   &r->err_truncated, &r->wall, &ol, &el, &used) < 9 ||
	    !used || (*p)[used] != '\n')
		return -1;
	const char *q = *p + used + 1; /* no scanf "\n": it would eat stdout */
	if ((size_t)(end - q) < ol + el + 1)
		return -1;
	r->out = xstrndup(q, ol);
	r->err = xstrndup(q + ol, el);
	*p = q + ol + el + 1;
	return 0;
}

int cache_write(const struct verify_opts *o, const struct job *job)
{
	const struct snippet_result *s = job->res;
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s\ndate %s\ncompiled %d\n", CACHE_MAGIC, s->verified_date,
		   s->compile_step.out != NULL);
	if (s->compile_step.out)
		S_put_step(&b, &s->compile_step);
	buf_printf(&b, "runs %zu\n", s->nruns);
	for (size_t i = 0; i < s->nruns; i++)
		S_put_step(&b, &s->runs[i]);
	char *path = S_cache_path(o, job->key);
	int rc = write_file_replace(path, b.data, b.len);
	free(path);
	buf_release(&b);
	return rc;
}

/* Loads a cached result into job->s; 0 on a hit. */
int cache_read(const struct verify_opts *o, struct job *job)
{
	struct snippet_result *s = job->res;
	char *path = S_cache_path(o, job->key), *text = NULL;
	size_t len = 0, nruns = 0;
	int compiled = 0, rc = -1;
	char date[16] = "";
	if (read_file(path, &text, &len) < 0)
		goto done;
	const char *p = text, *end = text + len;
	int used = 0;
	if (strncmp(p, CACHE_MAGIC "\n", sizeof(CACHE_MAGIC)))
		goto done;
	p += sizeof(CACHE_MAGIC);
	if (sscanf(p, "date %15s\ncompiled %d\n%n", date, &compiled, &used) < 2 || !used)
		goto done;
	p += used;
	if (compiled && S_get_step(&p, end, &s->compile_step) < 0)
		goto done;
	used = 0;
	if (sscanf(p, "runs %zu\n%n", &nruns, &used) < 1 || !used || nruns > 1000)
		goto done;
	p += used;
	s->runs = xcalloc(nruns ? nruns : 1, sizeof(*s->runs));
	for (s->nruns = 0; s->nruns < nruns; s->nruns++)
		if (S_get_step(&p, end, &s->runs[s->nruns]) < 0)
			goto done;
	s->verified_date = xstrdup(date);
	rc = 0;
done:
	if (rc < 0) {
		run_clear(&s->compile_step);
		for (size_t i = 0; i < s->nruns; i++)
			run_clear(&s->runs[i]);
		free(s->runs);
		s->runs = NULL;
		s->nruns = 0;
	}
	free(text);
	free(path);
	return rc;
}
