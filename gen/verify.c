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
		     int tsan, const char *root, struct snippet_run *r, char **errmsg)
{
	struct sandbox_limits lim;
	sandbox_limits_default(&lim);
	lim.root = root;
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
	v.tvars = &job->tool->tc->vars;
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
		if (S_sandbox(&cargv, dir, S_COMPILE_TIMEOUT, 0, job->tool->root, compile_step,
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
		if (S_sandbox(&rargv, dir, s->timeout, tsan, job->tool->root, &runs[i],
			      &job->infra_error) < 0)
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
	v.tvars = &job->tool->tc->vars;
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
static int S_judge_run(const struct job *job, const struct snippet_run *r,
		       struct buf *why, int *out_only)
{
	const struct snippet *s = job->s;
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
	if (!match_expected(s, job->expected, r->out ? r->out : "", &m)) {
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

/* Sets the status, failure and needs_record of job->res from its runs. */
static void S_judge(struct job *job, int record)
{
	struct snippet *s = job->s;
	struct snippet_result *res = job->res;
	struct buf b = BUF_INIT;
	const struct snippet_run *c = &res->compile_step;
	/* " on Python 3.14.10" when the runner names its toolchains */
	char *on = res->label ? xasprintf(" on %s", res->label) : xstrdup("");
	if (job->infra_error) {
		buf_printf(&b, "snippet could not be run%s: %s\n", on, job->infra_error);
		S_put_commands(&b, job, 0);
		goto failed;
	}
	if (c->out && (!c->exited || c->status != 0)) {
		buf_printf(&b, "snippet failed to compile%s\n", on);
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
		res->status = SNIPPET_PASSED;
		goto done;
	}
	for (size_t i = 0; i < res->nruns; i++) {
		struct buf why = BUF_INIT;
		int out_only = 0;
		if (S_judge_run(job, &res->runs[i], &why, &out_only)) {
			buf_release(&why);
			continue;
		}
		if (out_only && record && s->expect != SNIPPET_EXPECT_CONTAINS &&
		    s->expect != SNIPPET_EXPECT_REGEX) {
			res->needs_record = 1;
			buf_release(&why);
			continue;
		}
		job->output_mismatch = out_only;
		buf_printf(&b, "snippet failed%s: ", on);
		if (res->nruns > 1)
			buf_printf(&b, "(run %zu of %zu) ", i + 1, res->nruns);
		buf_put(&b, why.data, why.len);
		buf_release(&why);
		S_put_commands(&b, job, 0);
		S_put_status(&b, &res->runs[i], s->timeout);
		S_put_stderr(&b, &res->runs[i], "stderr");
		goto failed;
	}
	res->status = SNIPPET_PASSED;
	goto done;
failed:
	res->status = SNIPPET_FAILED;
	while (b.len && b.data[b.len - 1] == '\n')
		buf_truncate(&b, b.len - 1);
	free(res->failure);
	res->failure = buf_detach(&b);
done:
	free(on);
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
	const struct snippet_result *r = job->res;
	double t = r->nruns ? r->runs[0].wall : r->compile_step.wall;
	fprintf(stderr, "\r\033[K[%zu/%zu] %s:%d %s%s%s ... %s %.2fs", p->done, p->n,
		s->entry_path, s->line, s->lang, r->label ? " on " : "",
		r->label ? r->label : "", what, t);
	fflush(stderr);
}

static void S_do_job(struct S_pool *p, struct job *job)
{
	struct snippet *s = job->s;
	struct snippet_result *r = job->res;
	int hit = !p->opts->no_cache && cache_read(p->opts, job) == 0;
	if (!hit) {
		int runs = s->mode == SNIPPET_MODE_COMPILE ? 0 : s->repeat, done = 0;
		r->runs = xcalloc((size_t)(runs ? runs : 1), sizeof(*r->runs));
		int rc = S_execute(job, runs, &r->compile_step, r->runs, &done);
		r->nruns = (size_t)done;
		r->verified_date = xstrdup(p->today);
		int timed_out = r->compile_step.timed_out;
		for (size_t i = 0; i < r->nruns; i++)
			timed_out |= r->runs[i].timed_out;
		if (rc == 0 && (!timed_out || s->exit_timeout))
			cache_write(p->opts, job);
	}
	S_commands(job);
	r->cached = hit;
	S_judge(job, p->opts->record);
	pthread_mutex_lock(&p->mu);
	p->done++;
	if (hit)
		p->cached++;
	else
		p->ran++;
	if (p->opts->progress)
		S_progress(p, job, r->status == SNIPPET_FAILED ? "FAILED"
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
			buf_puts(&b, match_expected(s, job->expected, runs[i].out, NULL) ? "matches\n" : "does not match\n");
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
		buf_printf(&b, "flaky snippet%s%s: %zu different results in %d runs "
			   "(expect=%s)\n", job->tool->label ? " on " : "",
			   job->tool->label ? job->tool->label : "", distinct, done,
			   match_expect_word[s->expect]);
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

struct S_probe {
	struct tool *tools;
	struct diags *d;
};

static void S_probe_item(size_t i, void *arg)
{
	struct S_probe *p = arg;
	tool_probe(&p->tools[i], p->d);
}

/* The toolchains of the runners used by the runnable snippets of v, all
 * asked their version at once. */
static struct tool *S_probe_tools(struct snippet **v, size_t n, size_t *ntools,
				  struct diags *d)
{
	struct tool *tools = NULL;
	size_t nt = 0;
	for (size_t i = 0; i < n; i++) {
		const struct runner *r = v[i]->runner;
		int seen = 0;
		for (size_t j = 0; j < nt && !seen; j++)
			seen = tools[j].r == r;
		if (!S_runnable(v[i]) || seen)
			continue;
		size_t nc;
		const struct toolchain *tc = tool_chains(r, &nc);
		tools = xrealloc(tools, (nt + nc) * sizeof(*tools));
		for (size_t k = 0; k < nc; k++)
			tools[nt++] = (struct tool){ .r = r, .tc = &tc[k] };
	}
	struct S_probe p = { tools, d };
	parallel_for(nt, (int)nt, S_probe_item, &p);
	*ntools = nt;
	return tools;
}

static void S_free_tools(struct tool *tools, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tool_release(&tools[i]);
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

static void S_today(const struct verify_opts *o, char out[16])
{
	time_t now = o->now ? o->now : time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
}

/* The expected output of s for tool t: the first qualified block it
 * meets, else the plain one. Sets *block (-1: the plain one). */
static const char *S_expected_for(const struct snippet *s, const struct tool *t,
				  int *block)
{
	for (size_t i = 0; i < s->noutputs; i++) {
		if (tool_meets(s->outputs[i].when, s->lang, t, NULL) == 1) {
			*block = (int)i;
			return s->outputs[i].text;
		}
	}
	*block = -1;
	return s->expected;
}

/* Labels of tools[i] for which keep[i], joined ("Python 3.13, 3.14"). */
static char *S_join_tools(const struct tool *tools, size_t n, const char *keep,
			  const char *sep)
{
	const char **v = xcalloc(n + 1, sizeof(*v));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (keep[i])
			v[k++] = tools[i].label ? tools[i].label
			       : tools[i].shown ? tools[i].shown : tools[i].r->name;
	char *j = snippet_join_labels(v, k, sep);
	free(v);
	return j;
}

/*
 * Shared set-up of verify_run() and verify_stress(): which toolchains
 * each snippet applies to (requires=), its results, and one job per
 * (snippet, available toolchain). used[i] is set for every tool some
 * snippet applies to.
 */
static struct job *S_make_jobs(struct snippet **v, size_t n,
			       const struct verify_opts *o, struct tool *tools,
			       size_t ntools, int stress, char *used, size_t *njobs,
			       struct diags *d, struct verify_stats *st)
{
	size_t cap = 16, k = 0;
	struct job *jobs = xcalloc(cap, sizeof(*jobs));
	char *applies = xcalloc(ntools + 1, 1);
	for (size_t i = 0; i < n; i++) {
		struct snippet *s = v[i];
		if (!stress)
			snippet_clear_results(s);
		if (!S_runnable(s)) {
			if (!stress && !s->invalid)
				s->status = SNIPPET_NOT_RUN;
			st->not_run++;
			continue;
		}
		if (stress && (s->mode == SNIPPET_MODE_COMPILE || s->status == SNIPPET_SKIPPED))
			continue;
		size_t napply = 0, navail = 0, nmine = 0;
		char *other = NULL;
		for (size_t t = 0; t < ntools; t++) {
			applies[t] = 0;
			if (tools[t].r != s->runner)
				continue;
			nmine++;
			int met = s->requires ? tool_meets(s->requires, s->lang, &tools[t],
							   other ? NULL : &other) : 1;
			if (met < 0)
				break;
			free(other), other = NULL;
			applies[t] = met == 1;
			napply += applies[t];
			navail += applies[t] && tools[t].available;
		}
		if (other) { /* requires= names another tool */
			if (!stress) {
				diag_add(d, DIAG_ERROR, s->entry_path, s->line, 0, "%s", other);
				s->status = SNIPPET_FAILED;
				s->failure = other;
				st->failed++;
			} else {
				free(other);
			}
			continue;
		}
		if (!stress) {
			s->results = xcalloc(napply ? napply : 1, sizeof(*s->results));
			for (size_t t = 0; t < ntools; t++) {
				if (!applies[t])
					continue;
				used[t] = 1;
				struct snippet_result *r = &s->results[s->nresults++];
				r->tc = tools[t].tc;
				r->available = tools[t].available;
				r->label = tools[t].label ? xstrdup(tools[t].label) : NULL;
				r->version = tools[t].shown ? xstrdup(tools[t].shown) : NULL;
				r->block = -1;
			}
		}
		if (!navail) {
			if (stress)
				continue;
			char *why;
			if (!napply) {
				for (size_t t = 0; t < ntools; t++)
					applies[t] = tools[t].r == s->runner;
				char *have = S_join_tools(tools, ntools, applies, ", ");
				why = xasprintf("requires %s, but the toolchain%s %s %s", s->requires,
						nmine > 1 ? "s" : "", nmine > 1 ? "are" : "is", have);
				free(have);
			} else {
				char *want = S_join_tools(tools, ntools, applies, ", ");
				why = xasprintf("no toolchain it applies to is available on "
						"this machine (%s)", want);
				free(want);
			}
			/* Toolchains missing here are reported once, in one note;
			 * requires= not met by any toolchain, for each snippet. */
			if (o->strict || !napply)
				diag_add(d, o->strict ? DIAG_ERROR : DIAG_NOTE, s->entry_path,
					 s->line, 0, "snippet skipped: %s", why);
			s->status = o->strict ? SNIPPET_FAILED : SNIPPET_SKIPPED;
			if (o->strict)
				st->failed++;
			else
				st->skipped++;
			s->failure = why;
			continue;
		}
		size_t ri = 0;
		for (size_t t = 0; t < ntools; t++) {
			if (!applies[t])
				continue;
			struct snippet_result *r = stress ? NULL : &s->results[ri++];
			if (!tools[t].available)
				continue;
			if (k == cap)
				jobs = xrealloc(jobs, (cap *= 2) * sizeof(*jobs));
			memset(&jobs[k], 0, sizeof(jobs[k]));
			jobs[k].s = s;
			jobs[k].res = r;
			jobs[k].tool = &tools[t];
			int block;
			jobs[k].expected = S_expected_for(s, &tools[t], &block);
			if (r)
				r->block = block;
			jobs[k].key = cache_key(s, &tools[t]);
			k++;
		}
	}
	free(applies);
	*njobs = k;
	return jobs;
}

/* The summary of s from its results (see struct snippet). */
static void S_summarize(struct snippet *s)
{
	size_t failed = 0, passed = 0, ran = 0, cached = 0;
	struct buf fail = BUF_INIT;
	const char **labels = xcalloc(s->nresults + 1, sizeof(*labels));
	for (size_t i = 0; i < s->nresults; i++) {
		struct snippet_result *r = &s->results[i];
		if (!r->available)
			continue;
		labels[ran++] = r->label ? r->label : r->version ? r->version : NULL;
		if (!labels[ran - 1])
			ran--;
		cached += r->cached;
		if (r->needs_record)
			s->needs_record = 1;
		if (r->status == SNIPPET_FAILED) {
			failed++;
			if (fail.len)
				buf_putc(&fail, '\n');
			buf_puts(&fail, r->failure ? r->failure : "snippet failed");
		} else if (r->status == SNIPPET_PASSED) {
			passed++;
		}
		if (r->verified_date && (!s->verified_date ||
					 strcmp(r->verified_date, s->verified_date) < 0)) {
			free(s->verified_date);
			s->verified_date = xstrdup(r->verified_date);
		}
		if (!s->command && r->command)
			s->command = xstrdup(r->command);
	}
	s->status = failed ? SNIPPET_FAILED : passed ? SNIPPET_PASSED : s->status;
	s->cached = passed + failed > 0 && cached == passed + failed;
	s->toolchain = ran ? snippet_join_labels(labels, ran, " \xc2\xb7 ") : NULL;
	if (failed)
		s->failure = buf_detach(&fail);
	buf_release(&fail);
	free(labels);
}

/* The one note on toolchains that are not here. */
static void S_note_missing(const struct tool *tools, size_t n, const char *used,
			   struct diags *d)
{
	char *keep = xcalloc(n + 1, 1);
	size_t k = 0;
	int root_missing = 0;
	for (size_t i = 0; i < n; i++) {
		keep[i] = used[i] && !tools[i].available;
		k += keep[i];
		root_missing |= keep[i] && tools[i].root_missing;
	}
	if (k) {
		char *list = S_join_tools(tools, n, keep, ", ");
		diag_add(d, DIAG_NOTE, NULL, 0, 0, "toolchain%s not available on this "
			 "machine: %s%s", k > 1 ? "s" : "", list,
			 root_missing ? " (run `make toolchains`)" : "");
		free(list);
	}
	free(keep);
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
	char *used = xcalloc(ntools + 1, 1);
	struct job *jobs = S_make_jobs(v, n, o, tools, ntools, 0, used, &njobs, d, &st);
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
		struct snippet_result *r = jobs[i].res;
		free(r->command);
		r->command = xstrdup(jobs[i].run_cmd && s->mode == SNIPPET_MODE_RUN
				     ? jobs[i].run_cmd
				     : jobs[i].compile_cmd ? jobs[i].compile_cmd : "");
		if (r->status != SNIPPET_FAILED)
			continue;
		char *text = S_diag_text(r->failure);
		diag_add(d, DIAG_ERROR, s->entry_path, s->line, 0, "%s", text);
		free(text);
	}
	for (size_t i = 0; i < n; i++) {
		if (!v[i]->nresults || v[i]->status == SNIPPET_SKIPPED ||
		    v[i]->status == SNIPPET_FAILED)
			continue;
		S_summarize(v[i]);
		st.failed += v[i]->status == SNIPPET_FAILED;
	}
	S_note_missing(tools, ntools, used, d);
	st.ran = p.ran;
	st.cached = p.cached;
	if (o->stats)
		*o->stats = st;
	S_free_jobs(jobs, njobs);
	free(used);
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
	char *used = xcalloc(ntools + 1, 1);
	struct job *jobs = S_make_jobs(v, n, o, tools, ntools, 1, used, &njobs, d, &st);
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
	free(used);
	S_free_tools(tools, ntools);
	git_libgit2_shutdown();
	return flaky;
}
