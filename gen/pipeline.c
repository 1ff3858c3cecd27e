/*
 * pipeline.c - see pipeline.h.
 */
#include "pipeline.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

#include "annotate.h"
#include "config.h"
#include "enrich.h"
#include "fingerprint.h"
#include "highlight.h"
#include "history.h"
#include "load.h"
#include "markdown.h"
#include "output.h"
#include "render.h"
#include "search.h"
#include "shard.h"
#include "snippet.h"
#include "verify.h"

#ifndef KB_SHARE_DIR
#define KB_SHARE_DIR "/usr/local/share/kb"
#endif

struct state;

struct index_job {
	struct state *st;
	const char *dir;
	struct diags d;
	int rc;
};

struct state {
	const struct build_opts *o;
	struct config cfg;
	struct site site;
	struct tags tags;
	struct history *hist;
	struct diags d;
	struct diags *per;       /* one per entry, for the parallel stages */
	char *selected;          /* --changed-since: entries to check, or NULL */
	struct output out;       /* kb build: the folder being written */
	int out_open;
	char *scratch;           /* kb check: a folder rendered into, then removed */
	const char *target;      /* where pages go: out.tmp or scratch */
	struct index_job ij;     /* the search index, written by its own thread */
	pthread_t ith;
	struct highlighter *hl;  /* started early: Python starts while we parse */
	int indexing;            /* the index thread runs */
	pthread_mutex_t verified_lock;
	pthread_cond_t verified_cond;
	int verified;            /* snippets verified (atomic): the index thread
				  * waits for it, to record the versions */
	int tty;
	double t0;
};

static double S_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void S_progress(struct state *st, const char *fmt, ...) KB_PRINTF(2, 3);
static void S_progress(struct state *st, const char *fmt, ...)
{
	if (!st->tty)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "\r\033[Kkb: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

/* KB_TIMES=1 prints how long each stage took, for profiling. */
static void S_mark(struct state *st, const char *stage)
{
	static double last, lastcpu;
	if (!getenv("KB_TIMES"))
		return;
	double now = S_now();
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	long rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		long size;
		if (fscanf(f, "%ld %ld", &size, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	fprintf(stderr, "kb: %-10s %.3fs  cpu %.3fs  rss %ld MB\n", stage,
		now - (last ? last : st->t0), cpu - lastcpu,
		rss * sysconf(_SC_PAGESIZE) / (1024 * 1024));
	last = now;
	lastcpu = cpu;
}

/* ---- parallel stages ---- */

static void S_parse_one(size_t i, void *arg)
{
	struct state *st = arg;
	markdown_parse(st->site.entries[i], &st->cfg, &st->per[i]);
}

static void S_link_one(size_t i, void *arg)
{
	struct state *st = arg;
	markdown_link(st->site.entries[i], &st->site, &st->per[i]);
}

static void S_render_one(size_t i, void *arg)
{
	struct state *st = arg;
	markdown_finish(st->site.entries[i], st->hl);
}

static void S_merge_per(struct state *st)
{
	for (size_t i = 0; i < st->site.n; i++)
		diag_merge(&st->d, &st->per[i]);
}

/* path joined to the folder of the kb executable (a source checkout
 * keeps templates/ and node_modules/ there), or NULL; caller frees. */
static char *S_beside_self(const char *path)
{
	char *self = self_path();
	if (!self)
		return NULL;
	char *dir = path_dirname(self);
	char *p = path_join(dir, path);
	free(dir);
	free(self);
	return p;
}

static char *S_templates_dir(void);

/* ---- stages ---- */

static int S_start_index(struct state *st);
static int S_index(struct state *st, const char *dir, struct diags *d);

/* Loads, parses and links every entry. When index is set the search
 * index starts on its own thread as soon as the entries are loaded. */
static int S_load(struct state *st, int index)
{
	struct stat sb;
	if (stat("content", &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		diag_add(&st->d, DIAG_ERROR, NULL, 0, 0,
			 "no content/ folder here: run kb at the top of a kb project");
		return -1;
	}
	config_load(&st->cfg, "kb.lua", &st->d);
	if (load_site(&st->site, "content", st->o->jobs, &st->d) < 0)
		return -1;
	S_progress(st, "loaded %zu entries", st->site.n);
	S_mark(st, "load");
	st->per = xcalloc(st->site.n ? st->site.n : 1, sizeof(*st->per));
	int index_later = index && !st->d.errors && S_start_index(st);
	parallel_for(st->site.n, st->o->jobs, S_parse_one, st);
	if (index_later)
		st->ij.rc = S_index(st, st->target, &st->d);
	S_merge_per(st);
	S_mark(st, "parse");
	parallel_for(st->site.n, st->o->jobs, S_link_one, st);
	S_merge_per(st);
	S_mark(st, "link");
	enrich_site(&st->site, &st->tags, &st->d);
	enrich_search_terms(&st->site, &st->cfg);
	S_mark(st, "enrich");
	return 0;
}

static void S_history(struct state *st)
{
	if (history_load(&st->hist, ".", &st->d) < 0 || !st->hist)
		return;
	enrich_history(&st->site, st->hist);
}

static void S_collect_snippets(struct state *st, struct snippet ***out, size_t *n)
{
	size_t total = 0;
	for (size_t i = 0; i < st->site.n; i++)
		total += st->site.entries[i]->md->nsnippets;
	*out = xmalloc((total ? total : 1) * sizeof(**out));
	*n = 0;
	for (size_t i = 0; i < st->site.n; i++) {
		if (st->selected && !st->selected[i])
			continue;
		for (size_t j = 0; j < st->site.entries[i]->md->nsnippets; j++)
			(*out)[(*n)++] = st->site.entries[i]->md->snippets[j];
	}
}

/* Why entry e must be checked when the files of `since` changed, or NULL. */
static const char *S_why_selected(const struct entry *e, const struct history_since *since)
{
	if (history_since_changed(since, e->path))
		return "changed";
	for (size_t j = 0; j < e->md->nsnippets; j++)
		if (e->md->snippets[j]->file && history_since_changed(since, e->md->snippets[j]->file))
			return "includes a changed snippet";
	for (size_t j = 0; j < e->md->nuses; j++)
		if (e->md->uses[j].target && history_since_changed(since, e->md->uses[j].target))
			return "links to a changed or removed entry";
	for (size_t j = 0; j < e->nsee; j++)
		if (history_since_changed(since, e->see[j]->path))
			return "lists a changed entry in see_also";
	return NULL;
}

/* kb check --changed-since REF: marks the entries to check and says why.
 * Returns 0, or 2 (usage) when REF is unknown. */
static int S_select_changed(struct state *st)
{
	char *err = NULL;
	struct history_since *since = history_since_open(".", st->o->changed_since, &err);
	if (!since)
		return report_error(err, 2);
	size_t nchanged = history_since_files(since)->n;
	st->selected = xcalloc(st->site.n ? st->site.n : 1, 1);
	size_t count = 0;
	for (size_t i = 0; i < st->site.n; i++)
		if (S_why_selected(st->site.entries[i], since))
			count++;
	printf("kb: %zu file%s changed since %s; checking %zu entr%s:\n", nchanged,
	       nchanged == 1 ? "" : "s", st->o->changed_since, count, count == 1 ? "y" : "ies");
	for (size_t i = 0; i < st->site.n; i++) {
		const char *why = S_why_selected(st->site.entries[i], since);
		if (why) {
			st->selected[i] = 1;
			printf("  %s (%s)\n", st->site.entries[i]->path, why);
		}
	}
	fflush(stdout);
	history_since_free(since);
	return 0;
}

/* Drops the messages about entries that were not selected. */
static void S_filter_diags(struct state *st)
{
	size_t k = 0;
	for (size_t i = 0; i < st->d.n; i++) {
		struct diag *g = &st->d.items[i];
		const struct entry *e = g->file ? site_find_path(&st->site, g->file) : NULL;
		int keep = !e || st->selected[e->index];
		if (keep) {
			st->d.items[k++] = *g;
		} else {
			if (g->level == DIAG_ERROR)
				st->d.errors--;
			else if (g->level == DIAG_WARNING)
				st->d.warnings--;
			free(g->file);
			free(g->msg);
		}
	}
	st->d.n = k;
}

/* kb check --stale DAYS: every entry whose checked: date is missing or
 * more than DAYS days before the build date, as a warning (an error under
 * --strict), at the entry's first line. */
static void S_stale(struct state *st)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t now = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
	enum diag_level level = st->o->strict ? DIAG_ERROR : DIAG_WARNING;
	for (size_t i = 0; i < st->site.n; i++) {
		const struct entry *e = st->site.entries[i];
		if (!e->checked) {
			diag_add(&st->d, level, e->path, 1, 1,
				 "stale: no 'checked:' date (the day its facts were last verified)");
			continue;
		}
		struct tm tm;
		memset(&tm, 0, sizeof(tm));
		strptime(e->checked, "%Y-%m-%d", &tm);
		long days = (long)((now - timegm(&tm)) / 86400);
		if (days > st->o->stale)
			diag_add(&st->d, level, e->path, 1, 1,
				 "stale: facts last checked %s, %ld days ago (more than %d)",
				 e->checked, days, st->o->stale);
	}
}

static int S_verify(struct state *st)
{
	struct snippet **v;
	size_t n;
	S_collect_snippets(st, &v, &n);
	if (st->o->shards)
		n = shard_filter(v, n, st->o->shard, st->o->shards);
	int rc = 0;
	if (st->o->list) {
		for (size_t i = 0; i < n; i++)
			printf("%s:%d: %s\n", v[i]->entry_path, v[i]->line, v[i]->lang);
		free(v);
		return 0;
	}
	struct verify_stats stats;
	memset(&stats, 0, sizeof(stats));
	struct verify_opts vo;
	memset(&vo, 0, sizeof(vo));
	vo.jobs = st->o->jobs;
	vo.no_cache = st->o->no_cache;
	vo.strict = st->o->strict;
	vo.record = st->o->record;
	vo.progress = st->tty;
	vo.cache_dir = ".kb-cache";
	vo.stats = &stats;
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	if (sde && *sde)
		vo.now = (time_t)strtoll(sde, NULL, 10);
	if (st->o->stress > 0) {
		rc = verify_stress(v, n, &st->cfg, &vo, st->o->stress, &st->d);
	} else if (n) {
		verify_run(v, n, &st->cfg, &vo, &st->d);
		if (st->o->record && verify_record(v, n, &st->d) < 0)
			rc = -1;
		if (st->tty)
			fprintf(stderr, "\r\033[Kkb: %zu snippets: %zu run, %zu cached, %zu failed, %zu skipped\n",
				stats.total, stats.ran, stats.cached, stats.failed, stats.skipped);
	}
	if (st->o->junit && verify_write_junit(v, n, st->o->junit, &st->d) < 0)
		rc = -1;
	if (st->o->list_skipped) /* after the run: skips depend on the toolchains */
		snippet_list_skipped(v, n, stdout);
	free(v);
	return rc;
}

static void S_highlight(struct state *st)
{
	for (size_t i = 0; i < st->site.n; i++)
		markdown_highlight_queue(st->site.entries[i], st->hl);
	highlight_run(st->hl, &st->d);
}

/* The templates: ./templates, else $KB_TEMPLATES, else templates/ next
 * to the kb executable (a source checkout), else the installed ones.
 * Caller frees. */
static char *S_templates_dir(void)
{
	struct stat sb;
	if (stat("templates", &sb) == 0 && S_ISDIR(sb.st_mode))
		return xstrdup("templates");
	const char *env = getenv("KB_TEMPLATES");
	if (env && *env)
		return xstrdup(env);
	char *t = S_beside_self("templates");
	if (t && stat(t, &sb) == 0 && S_ISDIR(sb.st_mode))
		return t;
	free(t);
	return xstrdup(KB_SHARE_DIR "/templates");
}

/* The build date: SOURCE_DATE_EPOCH, else today (UTC). */
static void S_date(char out[32])
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t t = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%d", &tm);
}

/* Appends the words of l to b, separated by sep. */
static void S_join_words(struct buf *b, const struct strlist *l, char sep)
{
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			buf_putc(b, sep);
		buf_puts(b, l->items[i]);
	}
}

/* The toolchains the snippets of e were verified on, each once, in order
 * of first appearance, ", " separated. Caller frees. */
static char *S_verified_on(const struct entry *e)
{
	struct strlist seen = STRLIST_INIT;
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < e->md->nsnippets; i++) {
		char *v = snippet_versions(e->md->snippets[i]);
		for (char *w = v, *next; w && *w; w = next) {
			next = strstr(w, ", ");
			if (next)
				*next = '\0', next += 2;
			int dup = 0;
			for (size_t k = 0; k < seen.n && !dup; k++)
				dup = !strcmp(seen.items[k], w);
			if (dup)
				continue;
			strlist_push(&seen, w);
			buf_printf(&b, "%s%s", b.len ? ", " : "", w);
		}
		free(v);
	}
	strlist_release(&seen);
	return buf_detach(&b);
}

static int S_index(struct state *st, const char *dir, struct diags *d)
{
	char *path = path_join(dir, SEARCH_INDEX_NAME), *err = NULL;
	struct search_index *ix;
	int rc = search_index_open(&ix, path, &err);
	for (size_t i = 0; rc == 0 && i < st->cfg.nsynonyms; i++)
		rc = search_index_add_synonyms(ix, &st->cfg.synonyms[i]);
	for (size_t i = 0; rc == 0 && i < st->site.n; i++) {
		struct entry *e = st->site.entries[i];
		struct buf tags = BUF_INIT, langs = BUF_INIT, answers = BUF_INIT;
		S_join_words(&tags, &e->tags, ' ');
		S_join_words(&langs, &e->languages, ' ');
		S_join_words(&answers, &e->answers, '\n');
		char *verified = S_verified_on(e);
		struct search_doc doc = {
			e->title, e->summary, tags.data, langs.data, e->section,
			e->md->plain ? e->md->plain : "", e->url, e->path,
			answers.data,
		};
		search_index_set_verified(ix, verified);
		rc = search_index_add(ix, &doc);
		free(verified);
		buf_release(&tags);
		buf_release(&langs);
		buf_release(&answers);
		/* Nothing else reads it: its memory goes to the pages. */
		free(e->md->plain);
		e->md->plain = NULL;
	}
	if (rc == 0)
		rc = search_index_close(ix, &err);
	else
		search_index_discard(ix);
	if (rc == 0 && search_write_words(dir) < 0) {
		err = xasprintf("%s: %s", SEARCH_WORDS_NAME, strerror(errno));
		rc = -1;
	}
	if (rc < 0)
		diag_add(d, DIAG_ERROR, path, 0, 0, "cannot write the search index: %s",
			 err ? err : "unknown error");
	free(err);
	free(path);
	return rc;
}

/* The search index is written by its own thread while pages render. */
/* The index records the toolchains each page's snippets were verified
 * on: its thread waits for the verification (or the end of the run). */
static void S_verified_done(struct state *st)
{
	pthread_mutex_lock(&st->verified_lock);
	__atomic_store_n(&st->verified, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&st->verified_cond);
	pthread_mutex_unlock(&st->verified_lock);
}

static void *S_index_thread(void *arg)
{
	struct index_job *j = arg;
	pthread_mutex_lock(&j->st->verified_lock);
	while (!__atomic_load_n(&j->st->verified, __ATOMIC_ACQUIRE))
		pthread_cond_wait(&j->st->verified_cond, &j->st->verified_lock);
	pthread_mutex_unlock(&j->st->verified_lock);
	j->rc = S_index(j->st, j->dir, &j->d);
	return NULL;
}

/* Creates the folder this run writes into: a temporary sibling of the
 * output folder for kb build, a scratch folder for kb check. */
static int S_open_output(struct state *st)
{
	if (st->o->check) {
		st->scratch = xstrdup("/tmp/kb-check-XXXXXX");
		if (!mkdtemp(st->scratch)) {
			diag_add(&st->d, DIAG_ERROR, NULL, 0, 0,
				 "cannot create a temporary folder: %s", strerror(errno));
			free(st->scratch);
			st->scratch = NULL;
			return -1;
		}
		st->target = st->scratch;
		return 0;
	}
	if (output_begin(&st->out, st->o->out, &st->d) < 0)
		return -1;
	st->out_open = 1;
	st->target = st->out.tmp;
	return 0;
}

/* The index needs what loading, parsing and verification extract (the
 * toolchains each page was verified on), so its thread waits for the
 * verification (S_verified_done) and then runs beside rendering. It is
 * created here, once the entries are loaded, rather than after the
 * verification: on 10,000 entries creating it later made kb build slower
 * (1.9-2.1 s against 2.7-2.9 s wall, interleaved runs), a difference we
 * have not explained. Returns 1 when the index is wanted but its thread
 * could not start: S_load then writes it after parsing. */
static int S_start_index(struct state *st)
{
	if (st->o->check || !st->target)
		return 0;
	st->ij.st = st;
	st->ij.dir = st->target;
	st->indexing = pthread_create(&st->ith, NULL, S_index_thread, &st->ij) == 0;
	return !st->indexing;
}

static int S_join_index(struct state *st)
{
	if (st->indexing) {
		S_verified_done(st);
		pthread_join(st->ith, NULL);
		st->indexing = 0;
		diag_merge(&st->d, &st->ij.d);
	}
	return st->ij.rc;
}

/* Commits the new site when commit is set and nothing failed, else
 * leaves the previous one as it was. Returns 0 when committed. */
static int S_close_output(struct state *st, int commit)
{
	int rc = S_join_index(st) < 0 ? -1 : 0;
	if (st->scratch) {
		remove_tree(st->scratch);
		free(st->scratch);
		st->scratch = NULL;
	}
	if (!st->out_open)
		return rc;
	st->out_open = 0;
	if (!commit || rc < 0 || st->d.errors) {
		output_abort(&st->out);
		return -1;
	}
	return output_commit(&st->out, &st->d);
}

/* The Pagefind executable: node_modules/.bin/pagefind here, else next to
 * the kb executable (a source checkout). NULL when not installed. */
static char *S_pagefind_path(void)
{
	const char *rel = "node_modules/.bin/pagefind";
	if (access(rel, X_OK) == 0)
		return xstrdup(rel);
	char *p = S_beside_self(rel);
	if (p && access(p, X_OK) == 0)
		return p;
	free(p);
	return NULL;
}

/* Indexes the pages in st->target for in-page search (kb.lua: pagefind =
 * true). Pagefind missing is a warning: the site works without search. */
static int S_pagefind(struct state *st)
{
	char *exe = S_pagefind_path();
	if (!exe) {
		diag_add(&st->d, DIAG_WARNING, NULL, 0, 0,
			 "in-page search is off: Pagefind is not installed (run 'npm ci')");
		return 0;
	}
	char *log = xstrdup("/tmp/kb-pagefind-XXXXXX");
	int fd = mkstemp(log);
	pid_t pid = fd < 0 ? -1 : fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(exe, exe, "--site", st->target, "--output-subdir", "pagefind", (char *)NULL);
		_exit(127);
	}
	int status = -1;
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	int rc = 0;
	if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char *out = NULL;
		size_t len = 0;
		if (read_file(log, &out, &len) == 0 && len > 2000)
			memmove(out, out + len - 2000, 2001);
		diag_add(&st->d, DIAG_ERROR, NULL, 0, 0, "Pagefind failed on the built site:\n%s",
			 out ? out : "(no output)");
		free(out);
		rc = -1;
	}
	if (fd >= 0) {
		close(fd);
		unlink(log);
	}
	free(log);
	free(exe);
	return rc;
}

static int S_write(struct state *st, const char *fp)
{
	S_highlight(st);
	S_mark(st, "highlight");
	parallel_for(st->site.n, st->o->jobs, S_render_one, st);
	S_mark(st, "markdown");
	char date[32];
	S_date(date);
	char *templates = S_templates_dir();
	struct render_opts ro = {
		&st->cfg, &st->site, &st->tags, templates, st->target, date, st->hist,
		st->o->jobs,
	};
	long pages = render_site(&ro, &st->d);
	free(templates);
	S_mark(st, "templates");
	/* The pages have their code: the highlights go before Pagefind runs. */
	highlight_free(st->hl);
	st->hl = NULL;
	if (pages >= 0 && st->cfg.pagefind && !st->o->check && !st->d.errors) {
		if (S_pagefind(st) < 0)
			pages = -1;
		S_mark(st, "pagefind");
	}
	if (pages >= 0 && !st->o->check && fp) {
		char *p = path_join(st->target, FINGERPRINT_NAME);
		write_file(p, fp, strlen(fp));
		free(p);
	}
	int rc = S_close_output(st, pages >= 0);
	S_mark(st, "index");
	if (rc == 0 && st->tty)
		fprintf(stderr, "\r\033[Kkb: %s %ld pages%s%s in %.2fs\n",
			st->o->check ? "checked" : "wrote", pages,
			st->o->check ? "" : " to ", st->o->check ? "" : st->o->out,
			S_now() - st->t0);
	return rc;
}

static int S_finish(struct state *st, int rc)
{
	if (st->tty && st->d.n)
		fputs("\r\033[K", stderr);
	if (st->o->annotate)
		annotate_print(&st->d, st->o->annotate, stdout);
	else
		diag_print(&st->d, stderr);
	if (st->o->errors_out && st->d.n) {
		struct buf text = BUF_INIT;
		for (size_t i = 0; i < st->d.n; i++) {
			char *line = diag_format(&st->d.items[i]);
			buf_printf(&text, "%s\n", line);
			free(line);
		}
		*st->o->errors_out = buf_detach(&text);
	}
	int errors = (int)st->d.errors;
	if (errors && st->o->check == 0)
		fprintf(stderr, "kb: %d error%s; %s left as it was\n", errors,
			errors == 1 ? "" : "s", st->o->out);
	else if (errors)
		fprintf(stderr, "kb: %d error%s\n", errors, errors == 1 ? "" : "s");
	highlight_free(st->hl);
	if (!st->o->exiting) {
		tags_release(&st->tags);
		for (size_t i = 0; i < st->site.n; i++)
			markdown_entry_release(st->site.entries[i]);
		site_release(&st->site);
		config_release(&st->cfg);
		history_free(st->hist);
	}
	free(st->per);
	pthread_cond_destroy(&st->verified_cond);
	pthread_mutex_destroy(&st->verified_lock);
	free(st->selected);
	diag_release(&st->d);
	git_libgit2_shutdown();
	if (rc == 2)
		return 2;
	return errors || rc < 0 ? 1 : 0;
}

int pipeline_run(const struct build_opts *o)
{
	struct state st;
	memset(&st, 0, sizeof(st));
	st.o = o;
	pthread_mutex_init(&st.verified_lock, NULL);
	pthread_cond_init(&st.verified_cond, NULL);
	st.tty = isatty(2) && !getenv("CI");
	st.t0 = S_now();
	markdown_init();

	char *fp = NULL;
	if (o->check) {
		git_libgit2_init();
	} else {
		char *templates = S_templates_dir();
		fp = fingerprint_compute(templates, o->strict);
		free(templates);
		if (!o->force && fingerprint_matches(o->out, fp)) {
			if (st.tty)
				fprintf(stderr, "kb: %s is up to date\n", o->out);
			free(fp);
			return S_finish(&st, 0);
		}
	}
	int writes = !o->list_skipped && !o->stress && !o->changed_since;
	if (writes)
		st.hl = highlight_new(".kb-cache");
	int rc = writes ? S_open_output(&st) : 0;
	if (rc == 0)
		rc = S_load(&st, writes);
	if (rc == 0 && o->changed_since && (rc = S_select_changed(&st)) != 0) {
		free(fp);
		return S_finish(&st, rc);
	}
	if (rc == 0 && o->stale >= 0)
		S_stale(&st);
	if (rc == 0) {
		S_history(&st);
		S_mark(&st, "history");
		if (S_verify(&st) < 0)
			rc = -1;
		S_verified_done(&st);
		S_mark(&st, "verify");
	}
	if (rc == 0 && writes && (!st.d.errors || o->check))
		rc = S_write(&st, fp);
	else
		S_close_output(&st, 0);
	if (st.selected)
		S_filter_diags(&st);
	free(fp);
	return S_finish(&st, rc);
}

int build_site(const char *out, int jobs, char **errors)
{
	struct build_opts o;
	memset(&o, 0, sizeof(o));
	o.stale = -1;
	o.out = out;
	o.jobs = jobs > 0 ? jobs : cpu_count();
	o.errors_out = errors;
	if (errors)
		*errors = NULL;
	return pipeline_run(&o);
}
