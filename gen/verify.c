/*
 * verify.c - the driver of the verify stage: jobs, runs in the sandbox,
 * judging a result, and the pool. See verify.h; verify_int.h lists the
 * other files of the stage.
 *
 * verify_run() works in three steps: the toolchain version of each runner
 * in use is asked once; util's parallel_for() then hands out snippets one
 * at a time, and each is found in the cache or run in a fresh sandbox
 * directory, and judged (workers only write to their own snippet and
 * job); finally the main thread reports every failure in snippet order, so
 * the diagnostics do not depend on scheduling.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "verify_int.h"

#include <ctype.h>
#include <errno.h>
#include <git2.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"

#define S_STDERR_TAIL 20     /* lines of stderr shown in a failure */
#define S_COMPILE_TIMEOUT 120.0

/* ---- one job ---- */

void run_clear(struct snippet_run *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

static void S_run_from(struct snippet_run *r, struct sandbox_result *res)
{
	r->exited = res->exited;
	r->status = res->status;
	r->signal = res->signal;
	r->timed_out = res->timed_out;
	r->out_truncated = res->out_truncated;
	r->err_truncated = res->err_truncated;
	r->wall = res->wall;
	r->out = res->out ? res->out : xstrdup("");
	r->err = res->err ? res->err : xstrdup("");
	res->out = res->err = NULL;
}

static int S_sandbox(const struct strlist *argv, const char *dir, double timeout,
		     int tsan, struct snippet_run *r, char **errmsg)
{
	struct sandbox_limits lim;
	sandbox_limits_default(&lim);
	lim.timeout = timeout;
	lim.cpu = timeout * 4 + 1; /* threads may keep several cores busy */
	if (tsan)
		lim.memory = 0; /* no RLIMIT_AS: TSan maps terabytes of shadow */
	struct sandbox_result res;
	memset(&res, 0, sizeof(res));
	int rc = sandbox_run((const char *const *)argv->items, dir, NULL, NULL, 0,
			     &lim, &res, errmsg);
	if (rc == 0)
		S_run_from(r, &res);
	sandbox_result_release(&res);
	return rc;
}

/*
 * Compiles (if needed) and runs s nruns times in a fresh directory. Fills
 * *compile_step (out/err NULL when nothing was compiled) and runs[0..],
 * setting *done to the number of runs made. Returns 0, or -1 with
 * job->infra_error set when the sandbox failed.
 */
static int S_execute(struct job *job, int nruns, struct snippet_run *compile_step,
		     struct snippet_run *runs, int *done)
{
	struct snippet *s = job->s;
	struct cmd_vars v = { 0 };
	struct strlist cargv = STRLIST_INIT, rargv = STRLIST_INIT;
	char *src = cmd_src_name(s), *bin = NULL, *path = NULL, *dir = NULL;
	int rc = -1;
	*done = 0;
	size_t stem = strcspn(src, ".");
	bin = xasprintf("./%.*s", (int)stem, src);
	if (cmd_shell_split(s->cflags, &v.cflags) < 0 || cmd_shell_split(s->args, &v.args) < 0) {
		job->infra_error = xstrdup("unterminated quote in cflags= or args=");
		goto done;
	}
	if (!(dir = sandbox_mkdtemp())) {
		job->infra_error = xasprintf("cannot create a sandbox directory: %s",
					     strerror(errno));
		goto done;
	}
	v.src = src, v.bin = bin, v.dir = dir;
	path = path_join(dir, src);
	if (write_file(path, s->source, strlen(s->source)) < 0) {
		job->infra_error = xasprintf("cannot write '%s': %s", path, strerror(errno));
		goto done;
	}
	const char *const *extra;
	const struct strlist *ct = cmd_compile_tmpl(s, &extra);
	int tsan = s->tsan != SNIPPET_TSAN_OFF;
	if (ct) {
		cmd_expand(ct, &v, extra, &cargv);
		if (S_sandbox(&cargv, dir, S_COMPILE_TIMEOUT, 0, compile_step,
			      &job->infra_error) < 0)
			goto done;
		if (!compile_step->exited || compile_step->status != 0 ||
		    s->mode == SNIPPET_MODE_COMPILE) {
			rc = 0;
			goto done;
		}
	}
	cmd_expand(&s->runner->run, &v, NULL, &rargv);
	for (int i = 0; i < nruns; i++) {
		if (S_sandbox(&rargv, dir, s->timeout, tsan, &runs[i], &job->infra_error) < 0)
			goto done;
		++*done;
	}
	rc = 0;
done:
	if (!job->compile_cmd && cargv.n) {
		struct buf b = BUF_INIT;
		cmd_put_argv(&b, &cargv);
		job->compile_cmd = buf_detach(&b);
	}
	if (!job->run_cmd && rargv.n) {
		struct buf b = BUF_INIT;
		cmd_put_argv(&b, &rargv);
		job->run_cmd = buf_detach(&b);
	}
	strlist_release(&cargv);
	strlist_release(&rargv);
	strlist_release(&v.cflags);
	strlist_release(&v.args);
	if (dir)
		remove_tree(dir);
	free(dir);
	free(path);
	free(src);
	free(bin);
	return rc;
}

/* The commands as they would be shown even without running (cache hits). */
static void S_commands(struct job *job)
{
	struct snippet *s = job->s;
	struct cmd_vars v = { 0 };
	char *src = cmd_src_name(s);
	char *bin = xasprintf("./%.*s", (int)strcspn(src, "."), src);
	v.src = src, v.bin = bin, v.dir = "$SANDBOX";
	cmd_shell_split(s->cflags, &v.cflags);
	cmd_shell_split(s->args, &v.args);
	const char *const *extra;
	const struct strlist *ct = cmd_compile_tmpl(s, &extra);
	struct strlist argv = STRLIST_INIT;
	struct buf b = BUF_INIT;
	if (ct && !job->compile_cmd) {
		cmd_expand(ct, &v, extra, &argv);
		cmd_put_argv(&b, &argv);
		job->compile_cmd = buf_detach(&b);
		strlist_release(&argv);
	}
	if (!job->run_cmd) {
		cmd_expand(&s->runner->run, &v, NULL, &argv);
		cmd_put_argv(&b, &argv);
		job->run_cmd = buf_detach(&b);
		strlist_release(&argv);
	}
	strlist_release(&v.cflags);
	strlist_release(&v.args);
	free(src);
	free(bin);
}

/* ---- cache ---- */
/* ---- judging ---- */

static const char *S_signame(int sig)
{
	const char *d = sigdescr_np(sig); /* thread-safe, unlike strsignal() */
	return d ? d : "unknown signal";
}

static void S_put_status(struct buf *b, const struct snippet_run *r, double timeout)
{
	if (r->timed_out)
		buf_printf(b, "timed out after %gs\n", timeout);
	else if (!r->exited)
		buf_printf(b, "killed by signal %d (%s)\n", r->signal, S_signame(r->signal));
	else
		buf_printf(b, "exit status %d\n", r->status);
}

static void S_put_stderr(struct buf *b, const struct snippet_run *r, const char *what)
{
	if (!r->err || !*r->err)
		return;
	const char *t = match_tail(r->err, strlen(r->err), S_STDERR_TAIL);
	buf_printf(b, "%s%s:\n", what, t == r->err ? "" : " (last 20 lines)");
	match_put_indented(b, t, "| ");
	if (r->err_truncated)
		buf_puts(b, "| ... (stderr was cut at the output cap)\n");
}

/*
 * Judges one run; returns 1 if it passed. Problems go to `why` (one per
 * line). *out_only is set when the output is the only problem.
 */
static int S_judge_run(const struct snippet *s, const struct snippet_run *r,
		       struct buf *why, int *out_only)
{
	int ok = 1, other = 0;
	const char *err = r->err ? r->err : "";
	int tsan_report = strstr(err, "WARNING: ThreadSanitizer") != NULL;
	int race = strstr(err, "WARNING: ThreadSanitizer: data race") != NULL;
	if (s->tsan == SNIPPET_TSAN_CLEAN && tsan_report) {
		buf_puts(why, "ThreadSanitizer reported a problem (tsan)\n");
		ok = 0, other = 1;
	} else if (s->tsan == SNIPPET_TSAN_RACE && !race) {
		buf_puts(why, "ThreadSanitizer reported no data race (tsan=race)\n");
		ok = 0, other = 1;
	}
	if (s->exit_timeout && !r->timed_out) {
		buf_printf(why, "expected to hang until the %gs time limit "
			   "(exit=timeout), but it ended\n", s->timeout);
		ok = 0, other = 1;
	} else if (!s->exit_timeout && r->timed_out) {
		buf_printf(why, "timed out after %gs\n", s->timeout);
		ok = 0, other = 1;
	} else if (!r->timed_out) {
		/* 66 is ThreadSanitizer's exit status after a report */
		int tsan_exit = s->tsan != SNIPPET_TSAN_OFF && tsan_report && r->status == 66;
		int good = r->exited && (r->status == s->exit_code || tsan_exit);
		if (!good) {
			if (r->exited)
				buf_printf(why, "exit status %d, expected %d\n", r->status,
					   s->exit_code);
			else
				buf_printf(why, "killed by signal %d (%s)\n", r->signal,
					   S_signame(r->signal));
			ok = 0, other = 1;
		}
	}
	struct buf m = BUF_INIT;
	if (!match_expected(s, r->out ? r->out : "", &m)) {
		buf_put(why, m.data, m.len);
		if (r->out_truncated)
			buf_puts(why, "(stdout was cut at the output cap)\n");
		ok = 0;
		*out_only = !other;
	}
	buf_release(&m);
	return ok;
}

static void S_put_commands(struct buf *b, const struct job *job, int compile_only)
{
	if (job->compile_cmd && (compile_only || !job->run_cmd))
		buf_printf(b, "command: %s\n", job->compile_cmd);
	else if (job->compile_cmd)
		buf_printf(b, "command: %s && %s\n", job->compile_cmd, job->run_cmd);
	else if (job->run_cmd)
		buf_printf(b, "command: %s\n", job->run_cmd);
}

/* Sets s->status, s->failure and s->needs_record from the stored result. */
static void S_judge(struct job *job, int record)
{
	struct snippet *s = job->s;
	struct buf b = BUF_INIT;
	const struct snippet_run *c = &s->compile_step;
	if (job->infra_error) {
		buf_printf(&b, "snippet could not be run: %s\n", job->infra_error);
		S_put_commands(&b, job, 0);
		goto failed;
	}
	if (c->out && (!c->exited || c->status != 0)) {
		buf_puts(&b, "snippet failed to compile\n");
		S_put_commands(&b, job, 1);
		S_put_status(&b, c, S_COMPILE_TIMEOUT);
		S_put_stderr(&b, c, "compiler output");
		if (!s->file) {
			char *src = cmd_src_name(s);
			buf_printf(&b, "(line 1 of %s is %s:%d)\n", src,
				   s->entry_path, s->line + 1);
			free(src);
		}
		goto failed;
	}
	if (s->mode == SNIPPET_MODE_COMPILE) {
		s->status = SNIPPET_PASSED;
		goto done;
	}
	for (size_t i = 0; i < s->nruns; i++) {
		struct buf why = BUF_INIT;
		int out_only = 0;
		if (S_judge_run(s, &s->runs[i], &why, &out_only)) {
			buf_release(&why);
			continue;
		}
		if (out_only && record && s->expect != SNIPPET_EXPECT_CONTAINS &&
		    s->expect != SNIPPET_EXPECT_REGEX) {
			s->needs_record = 1;
			buf_release(&why);
			continue;
		}
		job->output_mismatch = out_only;
		buf_puts(&b, "snippet failed: ");
		if (s->nruns > 1)
			buf_printf(&b, "(run %zu of %zu) ", i + 1, s->nruns);
		buf_put(&b, why.data, why.len);
		buf_release(&why);
		S_put_commands(&b, job, 0);
		S_put_status(&b, &s->runs[i], s->timeout);
		S_put_stderr(&b, &s->runs[i], "stderr");
		goto failed;
	}
	s->status = SNIPPET_PASSED;
	goto done;
failed:
	s->status = SNIPPET_FAILED;
	while (b.len && b.data[b.len - 1] == '\n')
		buf_truncate(&b, b.len - 1);
	free(s->failure);
	s->failure = buf_detach(&b);
done:
	buf_release(&b);
}

/* A multi-line message as a diagnostic shows it: detail lines indented
 * under the "file:line: error: headline" line. Caller frees. */
static char *S_diag_text(const char *msg)
{
	struct buf b = BUF_INIT;
	for (const char *p = msg; *p; p++) {
		buf_putc(&b, *p);
		if (*p == '\n' && p[1])
			buf_puts(&b, "  ");
	}
	return buf_detach(&b);
}

/* ---- the pool ---- */

struct S_pool {
	struct job *jobs;
	size_t n, done;
	pthread_mutex_t mu;
	const struct verify_opts *opts;
	char today[16];
	int stress_k;           /* > 0: verify_stress() */
	size_t ran, cached;
};

static void S_progress(struct S_pool *p, const struct job *job, const char *what)
{
	const struct snippet *s = job->s;
	double t = s->nruns ? s->runs[0].wall : s->compile_step.wall;
	fprintf(stderr, "\r\033[K[%zu/%zu] %s:%d %s ... %s %.2fs", p->done, p->n,
		s->entry_path, s->line, s->lang, what, t);
	fflush(stderr);
}

static void S_do_job(struct S_pool *p, struct job *job)
{
	struct snippet *s = job->s;
	int hit = !p->opts->no_cache && cache_read(p->opts, job) == 0;
	if (!hit) {
		int runs = s->mode == SNIPPET_MODE_COMPILE ? 0 : s->repeat, done = 0;
		s->runs = xcalloc((size_t)(runs ? runs : 1), sizeof(*s->runs));
		int rc = S_execute(job, runs, &s->compile_step, s->runs, &done);
		s->nruns = (size_t)done;
		s->verified_date = xstrdup(p->today);
		int timed_out = s->compile_step.timed_out;
		for (size_t i = 0; i < s->nruns; i++)
			timed_out |= s->runs[i].timed_out;
		if (rc == 0 && (!timed_out || s->exit_timeout))
			cache_write(p->opts, job);
	}
	S_commands(job);
	s->cached = hit;
	S_judge(job, p->opts->record);
	pthread_mutex_lock(&p->mu);
	p->done++;
	if (hit)
		p->cached++;
	else
		p->ran++;
	if (p->opts->progress)
		S_progress(p, job, s->status == SNIPPET_FAILED ? "FAILED"
			   : hit ? "cached" : "ok");
	pthread_mutex_unlock(&p->mu);
}

/* verify_stress(): k fresh runs, canonical results compared. */
static void S_stress_job(struct S_pool *p, struct job *job)
{
	struct snippet *s = job->s;
	int k = p->stress_k, done = 0;
	struct snippet_run cstep = { 0 };
	struct snippet_run *runs = xcalloc((size_t)k, sizeof(*runs));
	if (S_execute(job, k, &cstep, runs, &done) < 0 || done < 2)
		goto out;
	char **canon = xcalloc((size_t)done, sizeof(*canon));
	size_t distinct = 1, first_diff = 0;
	for (int i = 0; i < done; i++) {
		struct buf b = BUF_INIT;
		S_put_status(&b, &runs[i], s->timeout);
		if (s->expect == SNIPPET_EXPECT_EXACT || s->expect == SNIPPET_EXPECT_SORTED) {
			char *norm = verify_normalize(runs[i].out, s->normalize);
			struct strlist l = STRLIST_INIT;
			match_canon_lines(norm, &l);
			if (s->expect == SNIPPET_EXPECT_SORTED && l.n > 1)
				qsort(l.items, l.n, sizeof(char *), match_cmp_str);
			char *j = match_join_lines(&l);
			buf_puts(&b, j);
			free(j);
			strlist_release(&l);
			free(norm);
		} else {
			buf_puts(&b, match_expected(s, runs[i].out, NULL) ? "matches\n" : "does not match\n");
		}
		canon[i] = buf_detach(&b);
		int seen = 0;
		for (int j = 0; j < i && !seen; j++)
			seen = !strcmp(canon[i], canon[j]);
		if (!seen && i) {
			distinct++;
			if (!first_diff)
				first_diff = (size_t)i;
		}
	}
	if (distinct > 1) {
		struct buf b = BUF_INIT;
		buf_printf(&b, "flaky snippet: %zu different results in %d runs "
			   "(expect=%s)\n", distinct, done, match_expect_word[s->expect]);
		char *d = verify_diff(canon[0], canon[first_diff]);
		buf_printf(&b, "run 1 vs run %zu (status line first):\n", first_diff + 1);
		match_put_diff(&b, d, "");
		free(d);
		while (b.len && b.data[b.len - 1] == '\n')
			buf_truncate(&b, b.len - 1);
		job->flaky = 1;
		job->stress_msg = buf_detach(&b);
	}
	for (int i = 0; i < done; i++)
		free(canon[i]);
	free(canon);
out:
	run_clear(&cstep);
	for (int i = 0; i < k; i++)
		run_clear(&runs[i]);
	free(runs);
	pthread_mutex_lock(&p->mu);
	p->done++;
	p->ran++;
	if (p->opts->progress) {
		fprintf(stderr, "\r\033[K[%zu/%zu] %s:%d %s ... %s", p->done, p->n,
			s->entry_path, s->line, s->lang, job->flaky ? "FLAKY" : "stable");
		fflush(stderr);
	}
	pthread_mutex_unlock(&p->mu);
}

static void S_pool_item(size_t i, void *arg)
{
	struct S_pool *p = arg;
	if (p->stress_k)
		S_stress_job(p, &p->jobs[i]);
	else
		S_do_job(p, &p->jobs[i]);
}

static void S_run_pool(struct S_pool *p)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int nt = p->opts->jobs > 0 ? p->opts->jobs : cores > 0 ? (int)cores : 1;
	parallel_for(p->n, nt, S_pool_item, p);
	if (p->opts->progress && p->n) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
}

/* ---- verify_run ---- */

static int S_runnable(const struct snippet *s)
{
	return !s->invalid && s->mode != SNIPPET_MODE_NORUN;
}

/* The toolchains of the runners used by the runnable snippets of v. */
static struct tool *S_probe_tools(struct snippet **v, size_t n, size_t *ntools,
				    struct diags *d)
{
	struct tool *tools = NULL;
	size_t nt = 0;
	for (size_t i = 0; i < n; i++) {
		if (!S_runnable(v[i]) || tool_for(tools, nt, v[i]->runner))
			continue;
		tools = xrealloc(tools, (nt + 1) * sizeof(*tools));
		tools[nt] = (struct tool){ .r = v[i]->runner };
		tool_probe(&tools[nt], d);
		nt++;
	}
	*ntools = nt;
	return tools;
}

static void S_free_tools(struct tool *tools, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(tools[i].banner);
		free(tools[i].shown);
	}
	free(tools);
}

static void S_free_jobs(struct job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(jobs[i].key);
		free(jobs[i].compile_cmd);
		free(jobs[i].run_cmd);
		free(jobs[i].infra_error);
		free(jobs[i].stress_msg);
	}
	free(jobs);
}

/* Resets the result fields, so that verify_run() can be called again. */
static void S_reset(struct snippet *s)
{
	s->status = SNIPPET_PENDING;
	s->cached = 0;
	s->needs_record = 0;
	free(s->toolchain), s->toolchain = NULL;
	free(s->verified_date), s->verified_date = NULL;
	free(s->command), s->command = NULL;
	free(s->failure), s->failure = NULL;
	run_clear(&s->compile_step);
	for (size_t i = 0; i < s->nruns; i++)
		run_clear(&s->runs[i]);
	free(s->runs), s->runs = NULL;
	s->nruns = 0;
}

/* Checks requires=; returns 1 if s should run. */
static int S_check_requires(struct snippet *s, const struct tool *t,
			    const struct verify_opts *o, struct diags *d,
			    struct verify_stats *st)
{
	if (!s->requires)
		return 1;
	char *why = NULL;
	int met = tool_requires_met(s, t, &why);
	if (met == 1)
		return 1;
	if (met < 0) {
		diag_add(d, DIAG_ERROR, s->entry_path, s->line, 0, "%s", why);
		s->status = SNIPPET_FAILED;
		st->failed++;
	} else {
		diag_add(d, o->strict ? DIAG_ERROR : DIAG_NOTE, s->entry_path, s->line, 0,
			 "snippet skipped: %s", why);
		s->status = o->strict ? SNIPPET_FAILED : SNIPPET_SKIPPED;
		if (o->strict)
			st->failed++;
		else
			st->skipped++;
	}
	s->failure = why;
	return 0;
}

static void S_today(const struct verify_opts *o, char out[16])
{
	time_t now = o->now ? o->now : time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
}

/* Shared set-up of verify_run() and verify_stress(): jobs for the
 * snippets that should run. */
static struct job *S_make_jobs(struct snippet **v, size_t n,
				 const struct verify_opts *o, struct tool *tools,
				 size_t ntools, int stress, size_t *njobs,
				 struct diags *d, struct verify_stats *st)
{
	struct job *jobs = xcalloc(n ? n : 1, sizeof(*jobs));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		struct snippet *s = v[i];
		if (!stress)
			S_reset(s);
		if (!S_runnable(s)) {
			if (!stress && !s->invalid)
				s->status = SNIPPET_NOT_RUN;
			st->not_run++;
			continue;
		}
		const struct tool *t = tool_for(tools, ntools, s->runner);
		if (!stress) {
			free(s->toolchain);
			s->toolchain = t && t->shown ? xstrdup(t->shown) : NULL;
			if (!S_check_requires(s, t, o, d, st))
				continue;
		} else if (s->mode == SNIPPET_MODE_COMPILE || s->status == SNIPPET_SKIPPED) {
			continue;
		}
		jobs[k].s = s;
		jobs[k].tool = t;
		jobs[k].key = cache_key(s, t);
		k++;
	}
	*njobs = k;
	return jobs;
}

int verify_run(struct snippet **v, size_t n, const struct config *cfg,
	       const struct verify_opts *opts, struct diags *d)
{
	(void)cfg; /* runners are reached through each snippet */
	struct verify_stats st = { .total = n };
	struct verify_opts defaults = { 0 };
	const struct verify_opts *o = opts ? opts : &defaults;
	git_libgit2_init();
	size_t ntools = 0, njobs = 0;
	struct tool *tools = S_probe_tools(v, n, &ntools, d);
	struct job *jobs = S_make_jobs(v, n, o, tools, ntools, 0, &njobs, d, &st);
	char *dir = xasprintf("%s/snippets", o->cache_dir ? o->cache_dir : ".kb-cache");
	if (njobs && mkdir_p(dir) < 0)
		diag_add(d, DIAG_WARNING, dir, 0, 0, "cannot create the snippet cache: %s",
			 strerror(errno));
	free(dir);

	struct S_pool p = { .jobs = jobs, .n = njobs, .opts = o };
	pthread_mutex_init(&p.mu, NULL);
	S_today(o, p.today);
	S_run_pool(&p);
	pthread_mutex_destroy(&p.mu);

	for (size_t i = 0; i < njobs; i++) {
		struct snippet *s = jobs[i].s;
		free(s->command);
		s->command = xstrdup(jobs[i].run_cmd && s->mode == SNIPPET_MODE_RUN
				     ? jobs[i].run_cmd
				     : jobs[i].compile_cmd ? jobs[i].compile_cmd : "");
		if (s->status != SNIPPET_FAILED)
			continue;
		st.failed++;
		char *text = S_diag_text(s->failure);
		diag_add(d, DIAG_ERROR, s->entry_path, s->line, 0, "%s", text);
		free(text);
	}
	st.ran = p.ran;
	st.cached = p.cached;
	if (o->stats)
		*o->stats = st;
	S_free_jobs(jobs, njobs);
	S_free_tools(tools, ntools);
	git_libgit2_shutdown();
	return (int)st.failed;
}

int verify_stress(struct snippet **v, size_t n, const struct config *cfg,
		  const struct verify_opts *opts, int k, struct diags *d)
{
	(void)cfg;
	struct verify_stats st = { .total = n };
	struct verify_opts defaults = { 0 };
	const struct verify_opts *o = opts ? opts : &defaults;
	if (k < 2)
		k = 2;
	git_libgit2_init();
	size_t ntools = 0, njobs = 0;
	struct tool *tools = S_probe_tools(v, n, &ntools, d);
	struct job *jobs = S_make_jobs(v, n, o, tools, ntools, 1, &njobs, d, &st);
	struct S_pool p = { .jobs = jobs, .n = njobs, .opts = o, .stress_k = k };
	pthread_mutex_init(&p.mu, NULL);
	S_run_pool(&p);
	pthread_mutex_destroy(&p.mu);
	int flaky = 0;
	for (size_t i = 0; i < njobs; i++) {
		if (jobs[i].infra_error)
			diag_add(d, DIAG_ERROR, jobs[i].s->entry_path, jobs[i].s->line, 0,
				 "snippet could not be run: %s", jobs[i].infra_error);
		if (!jobs[i].flaky)
			continue;
		flaky++;
		char *text = S_diag_text(jobs[i].stress_msg);
		diag_add(d, DIAG_ERROR, jobs[i].s->entry_path, jobs[i].s->line, 0,
			 "%s", text);
		free(text);
	}
	S_free_jobs(jobs, njobs);
	S_free_tools(tools, ntools);
	git_libgit2_shutdown();
	return flaky;
}

/* ---- record ---- */
