#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
/*
 * test_verify.c - running snippets for real (python3 and cc through the
 * sandbox): matching modes, exit status, deadlock and data-race
 * demonstrations, the cache, compile errors, --record, --stress, JUnit,
 * and the diff and normalisation helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snippet.h"
#include "verify.h"

/* ---- fixtures ---- */

static void S_strlist(struct strlist *l, const char *const *words)
{
	for (size_t i = 0; words[i]; i++)
		strlist_push(l, words[i]);
}

/* The c and python runners as kb.lua declares them. */
static void S_config(struct config *cfg)
{
	static const char *const cc[] = { "cc", "-std=c11", "-Wall", "-Wextra",
					  "-Werror", "-pthread", "{cflags}", "-o",
					  "{bin}", "{src}", NULL };
	static const char *const crun[] = { "{bin}", "{args}", NULL };
	static const char *const cver[] = { "cc", "--version", NULL };
	static const char *const prun[] = { "python3", "-X", "dev", "{src}", "{args}", NULL };
	static const char *const pver[] = { "python3", "--version", NULL };
	memset(cfg, 0, sizeof(*cfg));
	cfg->nrunners = 2;
	cfg->runners = calloc(2, sizeof(*cfg->runners));
	struct runner *c = &cfg->runners[0], *py = &cfg->runners[1];
	c->name = strdup("c");
	c->ext = strdup(".c");
	S_strlist(&c->compile, cc);
	S_strlist(&c->run, crun);
	S_strlist(&c->version, cver);
	py->name = strdup("python");
	py->ext = strdup(".py");
	S_strlist(&py->run, prun);
	S_strlist(&py->version, pver);
}

static void S_config_free(struct config *cfg)
{
	config_release(cfg);
}

#define S_MAX 8

struct fx {
	struct config cfg;
	struct diags d;
	char dir[64];            /* temporary directory: cache, files */
	char *cache;
	struct verify_stats st;
	struct verify_opts opts;
	struct snippet *v[S_MAX];
	size_t n;
};

static int S_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	S_config(&f->cfg);
	strcpy(f->dir, "/tmp/kb-test-verify-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->cache = path_join(f->dir, "cache");
	f->opts.jobs = 2;
	f->opts.cache_dir = f->cache;
	f->opts.stats = &f->st;
	*state = f;
	return 0;
}

static void S_free_snippets(struct fx *f)
{
	for (size_t i = 0; i < f->n; i++)
		snippet_free(f->v[i]);
	f->n = 0;
}

static int S_teardown(void **state)
{
	struct fx *f = *state;
	S_free_snippets(f);
	diag_release(&f->d);
	S_config_free(&f->cfg);
	remove_tree(f->dir);
	free(f->cache);
	free(f);
	return 0;
}

static int S_group_setup(void **state)
{
	(void)state;
	git_libgit2_init();
	return 0;
}

static int S_group_teardown(void **state)
{
	(void)state;
	git_libgit2_shutdown();
	return 0;
}

/* Adds an inline snippet at content/v.md:10 (code from line 11). */
static struct snippet *S_add(struct fx *f, const char *info, const char *code,
			     const char *output)
{
	assert_true(f->n < S_MAX);
	struct snippet *s = snippet_parse("content/v.md", 10, 20, info, code, output,
					  21, 23, &f->cfg, &f->d);
	assert_non_null(s);
	assert_false(s->invalid);
	f->v[f->n++] = s;
	return s;
}

static int S_verify(struct fx *f)
{
	return verify_run(f->v, f->n, &f->cfg, &f->opts, &f->d);
}

/* The message of the diagnostic containing `needle`, or NULL. */
static const char *S_diag_with(struct fx *f, const char *needle)
{
	for (size_t i = 0; i < f->d.n; i++)
		if (strstr(f->d.items[i].msg, needle))
			return f->d.items[i].msg;
	return NULL;
}

static void S_print_diags(struct fx *f)
{
	for (size_t i = 0; i < f->d.n; i++)
		print_message("diag: %s\n", f->d.items[i].msg);
}

/* ---- helpers without running anything ---- */

static void test_verify_diff_format(void **state)
{
	(void)state;
	char *d = verify_diff("a\nb\nc\n", "a\nx\nc\n");
	assert_string_equal(d, "--- expected\n+++ actual\n@@ -1,3 +1,3 @@\n a\n-b\n+x\n c\n");
	free(d);

	/* trailing whitespace and trailing blank lines do not count */
	d = verify_diff("a  \n\n\n", "a\n");
	assert_string_equal(d, "");
	free(d);

	d = verify_diff("", "x\n");
	assert_string_equal(d, "--- expected\n+++ actual\n@@ -0,0 +1,1 @@\n+x\n");
	free(d);

	/* two changes far apart: two hunks with three lines of context */
	struct buf a = BUF_INIT, b = BUF_INIT;
	for (int i = 1; i <= 20; i++) {
		buf_printf(&a, "l%d\n", i);
		buf_printf(&b, "%s\n", i == 2 ? "X" : i == 18 ? "Y" : "");
		if (i != 2 && i != 18) {
			buf_truncate(&b, b.len - 1);
			buf_printf(&b, "l%d\n", i);
		}
	}
	d = verify_diff(a.data, b.data);
	assert_string_equal(d, "--- expected\n+++ actual\n"
			    "@@ -1,5 +1,5 @@\n l1\n-l2\n+X\n l3\n l4\n l5\n"
			    "@@ -15,6 +15,6 @@\n l15\n l16\n l17\n-l18\n+Y\n l19\n l20\n");
	free(d);
	buf_release(&a);
	buf_release(&b);
}

static void test_verify_normalize(void **state)
{
	(void)state;
	static const struct {
		unsigned flags;
		const char *in, *out;
	} cases[] = {
		{ SNIPPET_NORM_ADDRESSES, "<object at 0x7f3a2c1b9e50> 0x10 0xdeadbeef\n",
		  "<object at 0xADDR> 0x10 0xADDR\n" },
		{ SNIPPET_NORM_PIDS, "pid=1234 PID: 77 (pid 5) rapid=3\n",
		  "pid=PID PID: PID (pid PID) rapid=3\n" },
		{ SNIPPET_NORM_THREAD_IDS,
		  "Thread-12 (worker) ThreadPoolExecutor-0_3 tid=991 ident 140245 "
		  "<Thread(Thread-1, started daemon 139871)> MyThread-2\n",
		  "Thread-N (worker) ThreadPoolExecutor-N_N tid=TID ident TID "
		  "<Thread(Thread-N, started daemon TID)> MyThread-2\n" },
		{ SNIPPET_NORM_DURATIONS,
		  "took 0.31s, 12 ms, 1.5 seconds; 3 sheep, v1.2s, 2 threads\n",
		  "took DURATION, DURATION, DURATION; 3 sheep, v1.2s, 2 threads\n" },
		{ 0, "pid=3 0x7f3a2c1b9e50\n", "pid=3 0x7f3a2c1b9e50\n" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = verify_normalize(cases[i].in, cases[i].flags);
		assert_string_equal(got, cases[i].out);
		free(got);
	}
}

static void test_verify_toolchain_short(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{ "gcc (Debian 12.2.0-14+deb12u1) 12.2.0", "gcc 12.2.0" },
		{ "cc (Debian 12.2.0-14+deb12u1) 12.2.0\nCopyright (C) 2022 Free Software Foundation, Inc.",
		  "gcc 12.2.0" },
		{ "Python 3.11.7\n", "Python 3.11.7" },
		{ "Debian clang version 14.0.6", "clang 14.0.6" },
		{ "", "unknown" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = verify_toolchain_short(cases[i][0]);
		assert_string_equal(got, cases[i][1]);
		free(got);
	}
}

/* expect= modes, compared without running anything. */
static void test_verify_match_modes(void **state)
{
	struct fx *f = *state;
	const char *interleaved = "worker 2\nworker 0\nworker 1\n";
	struct snippet *exact = S_add(f, "python", "", "worker 0\nworker 1\nworker 2\n");
	struct snippet *sorted = S_add(f, "python expect=sorted", "", "worker 0\nworker 1\nworker 2\n");
	char *why = NULL;
	assert_true(verify_match(sorted, interleaved, NULL));
	assert_false(verify_match(sorted, "worker 2\nworker 0\n", NULL));
	assert_false(verify_match(exact, interleaved, &why));
	assert_non_null(strstr(why, "output differs from the expected output (expect=exact)"));
	assert_non_null(strstr(why, "+worker 2\n worker 0\n worker 1\n-worker 2\n"));
	free(why);
	assert_true(verify_match(exact, "worker 0  \nworker 1\nworker 2\n\n\n", NULL));

	struct snippet *contains = S_add(f, "python expect=contains", "", "total = 400\n");
	assert_true(verify_match(contains, "start\ntotal = 4000\ndone\n", NULL));
	assert_false(verify_match(contains, "start\ntotal = 40\n", NULL));

	struct snippet *re = S_add(f, "python expect=regex", "", "^took [0-9.]+s$\n");
	assert_true(verify_match(re, "start\ntook 0.25s\n", NULL));
	assert_false(verify_match(re, "start\ntook 0.25s later\n", &why));
	assert_non_null(strstr(why, "does not match the regular expression"));
	free(why);

	struct snippet *any = S_add(f, "python expect=any", "", NULL);
	assert_true(verify_match(any, "whatever\n", NULL));

	struct snippet *norm = S_add(f, "python normalize=addresses,thread-ids", "",
				     "<object at 0x7f0000000000> in Thread-1\n");
	assert_true(verify_match(norm, "<object at 0x7f3a2c1b9e50> in Thread-7\n", NULL));
	assert_false(verify_match(exact, "<object at 0x7f3a2c1b9e50>\n", NULL));
}

/* ---- running for real ---- */

/* Three threads print in a forced order that differs from the listing. */
static const char S_threads_py[] =
	"import threading\n"
	"events = [threading.Event() for _ in range(3)]\n"
	"def work(i):\n"
	"    events[i].wait()\n"
	"    print(f'worker {i}', flush=True)\n"
	"    if i > 0:\n"
	"        events[i - 1].set()\n"
	"ts = [threading.Thread(target=work, args=(i,)) for i in range(3)]\n"
	"for t in ts: t.start()\n"
	"events[2].set()\n"
	"for t in ts: t.join()\n";

/* Interleaved thread output passes `sorted` and fails `exact`, with a diff. */
static void test_verify_sorted_threads(void **state)
{
	struct fx *f = *state;
	const char *want = "worker 0\nworker 1\nworker 2\n";
	struct snippet *sorted = S_add(f, "python expect=sorted", S_threads_py, want);
	struct snippet *exact = S_add(f, "python", S_threads_py, want);
	assert_int_equal(S_verify(f), 1);
	S_print_diags(f);
	assert_int_equal(sorted->status, SNIPPET_PASSED);
	assert_int_equal(exact->status, SNIPPET_FAILED);
	assert_string_equal(sorted->results[0].runs[0].out, "worker 2\nworker 1\nworker 0\n");
	const char *msg = S_diag_with(f, "output differs");
	assert_non_null(msg);
	assert_non_null(strstr(msg, "command: python3 -X dev snippet.py"));
	assert_non_null(strstr(msg, "  --- expected\n  +++ actual\n  @@ -1,3 +1,3 @@\n"));
	assert_non_null(strstr(msg, "exit status 0"));
	assert_int_equal(f->d.errors, 1);
	assert_int_equal(f->d.items[0].line, 10);
	assert_string_equal(f->d.items[0].file, "content/v.md");
	assert_non_null(sorted->toolchain);
	assert_int_equal(strncmp(sorted->toolchain, "Python 3.", 9), 0);
	assert_string_equal(snippet_badge(sorted), "verified");
}

/* exit=N is required; the stderr tail is part of the failure. */
static void test_verify_exit_status(void **state)
{
	struct fx *f = *state;
	const char *code = "import sys\nprint('out')\nprint('boom', file=sys.stderr)\nsys.exit(3)\n";
	struct snippet *ok = S_add(f, "python exit=3", code, "out\n");
	struct snippet *bad = S_add(f, "python", code, "out\n");
	assert_int_equal(S_verify(f), 1);
	assert_int_equal(ok->status, SNIPPET_PASSED);
	assert_int_equal(bad->status, SNIPPET_FAILED);
	const char *msg = S_diag_with(f, "exit status 3, expected 0");
	assert_non_null(msg);
	assert_non_null(strstr(msg, "stderr:\n  | boom"));
}

/* exit=timeout passes only when the time limit kills a real deadlock. */
static void test_verify_timeout_deadlock(void **state)
{
	struct fx *f = *state;
	const char *deadlock =
		"import threading\n"
		"a, b = threading.Lock(), threading.Lock()\n"
		"def one():\n"
		"    with a:\n"
		"        barrier.wait()\n"
		"        with b: pass\n"
		"def two():\n"
		"    with b:\n"
		"        barrier.wait()\n"
		"        with a: pass\n"
		"barrier = threading.Barrier(2)\n"
		"ts = [threading.Thread(target=one), threading.Thread(target=two)]\n"
		"for t in ts: t.start()\n"
		"for t in ts: t.join()\n";
	struct snippet *dl = S_add(f, "python exit=timeout timeout=1 expect=any", deadlock, NULL);
	struct snippet *ends = S_add(f, "python exit=timeout timeout=1 expect=any", "pass\n", NULL);
	struct snippet *hangs = S_add(f, "python timeout=1 expect=any", deadlock, NULL);
	assert_int_equal(S_verify(f), 2);
	assert_int_equal(dl->status, SNIPPET_PASSED);
	assert_string_equal(snippet_badge(dl), "deadlock demonstrated");
	assert_int_equal(ends->status, SNIPPET_FAILED);
	assert_non_null(S_diag_with(f, "expected to hang until the 1s time limit (exit=timeout)"));
	assert_int_equal(hangs->status, SNIPPET_FAILED);
	assert_non_null(S_diag_with(f, "timed out after 1s"));
}

static const char S_race_c[] =
	"#include <pthread.h>\n"
	"#include <stdio.h>\n"
	"static long counter;\n"
	"static void *work(void *arg) {\n"
	"    (void)arg;\n"
	"    for (int i = 0; i < 100000; i++) counter++;\n"
	"    return NULL;\n"
	"}\n"
	"int main(void) {\n"
	"    pthread_t t1, t2;\n"
	"    pthread_create(&t1, NULL, work, NULL);\n"
	"    pthread_create(&t2, NULL, work, NULL);\n"
	"    pthread_join(t1, NULL);\n"
	"    pthread_join(t2, NULL);\n"
	"    printf(\"done\\n\");\n"
	"    return 0;\n"
	"}\n";

/* The same program with a mutex: no race. */
static const char S_locked_c[] =
	"#include <pthread.h>\n"
	"#include <stdio.h>\n"
	"static long counter;\n"
	"static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;\n"
	"static void *work(void *arg) {\n"
	"    (void)arg;\n"
	"    for (int i = 0; i < 1000; i++) {\n"
	"        pthread_mutex_lock(&mu); counter++; pthread_mutex_unlock(&mu);\n"
	"    }\n"
	"    return NULL;\n"
	"}\n"
	"int main(void) {\n"
	"    pthread_t t1, t2;\n"
	"    pthread_create(&t1, NULL, work, NULL);\n"
	"    pthread_create(&t2, NULL, work, NULL);\n"
	"    pthread_join(t1, NULL);\n"
	"    pthread_join(t2, NULL);\n"
	"    printf(\"done\\n\");\n"
	"    return 0;\n"
	"}\n";

/* Returns NULL when TSan works here, else why not (static). */
static const char *S_tsan_unusable(void)
{
	static char why[512];
	char dir[] = "/tmp/kb-tsan-probe-XXXXXX";
	if (!mkdtemp(dir))
		return "cannot create a temporary directory";
	char *src = path_join(dir, "r.c");
	write_file(src, S_race_c, strlen(S_race_c));
	char *cmd = xasprintf("cd %s && cc -fsanitize=thread -g -O1 -pthread r.c -o r "
			      ">log 2>&1 && ./r >>log 2>&1; cat log", dir);
	FILE *p = popen(cmd, "r");
	struct buf out = BUF_INIT;
	char chunk[1024];
	size_t k;
	while (p && (k = fread(chunk, 1, sizeof(chunk), p)) > 0)
		buf_put(&out, chunk, k);
	if (p)
		pclose(p);
	const char *res = NULL;
	if (!strstr(out.data, "WARNING: ThreadSanitizer: data race")) {
		snprintf(why, sizeof(why), "ThreadSanitizer does not work on this "
			 "machine: %.400s", out.len ? out.data : "(no output)");
		res = why;
	}
	buf_release(&out);
	free(cmd);
	free(src);
	remove_tree(dir);
	return res;
}

/* tsan=race passes on a real data race; plain tsan fails on the same code. */
static void test_verify_tsan_race(void **state)
{
	struct fx *f = *state;
	const char *why = S_tsan_unusable();
	if (why) {
		print_message("SKIPPED: %s\n", why);
		skip();
	}
	struct snippet *race = S_add(f, "c tsan=race", S_race_c, "done\n");
	struct snippet *clean = S_add(f, "c tsan", S_race_c, "done\n");
	struct snippet *fixed = S_add(f, "c tsan", S_locked_c, "done\n");
	assert_int_equal(S_verify(f), 1);
	S_print_diags(f);
	assert_int_equal(race->status, SNIPPET_PASSED);
	assert_string_equal(snippet_badge(race), "race demonstrated");
	assert_int_equal(clean->status, SNIPPET_FAILED);
	assert_int_equal(fixed->status, SNIPPET_PASSED);
	const char *msg = S_diag_with(f, "snippet failed: ThreadSanitizer reported a problem (tsan)\n");
	assert_non_null(msg);
	assert_non_null(strstr(msg, "-fsanitize=thread"));
	assert_non_null(strstr(msg, "\n  exit status 66\n"));
	assert_non_null(strstr(msg, "data race"));
}

/* An unchanged snippet is never rerun; a changed expectation is compared
 * again without a run; a changed source runs again. */
static void test_verify_cache(void **state)
{
	struct fx *f = *state;
	f->opts.now = 1704153600; /* 2024-01-02 */
	S_add(f, "python", "print('hello')\n", "hello\n");
	assert_int_equal(S_verify(f), 0);
	assert_int_equal(f->st.ran, 1);
	assert_int_equal(f->st.cached, 0);
	S_free_snippets(f);

	f->opts.now = 1735689600; /* 2025-01-01: the cached date must stay */
	struct snippet *s = S_add(f, "python", "print('hello')\n", "hello\n");
	assert_int_equal(S_verify(f), 0);
	assert_int_equal(f->st.ran, 0);
	assert_int_equal(f->st.cached, 1);
	assert_true(s->cached);
	assert_string_equal(snippet_verified_date(s), "2024-01-02");
	S_free_snippets(f);

	s = S_add(f, "python", "print('hello')\n", "goodbye\n");
	assert_int_equal(S_verify(f), 1);
	assert_int_equal(f->st.ran, 0);
	assert_int_equal(f->st.cached, 1);
	assert_non_null(S_diag_with(f, "  -goodbye\n  +hello"));
	S_free_snippets(f);

	s = S_add(f, "python", "print('hello' )\n", "hello\n");
	assert_int_equal(S_verify(f), 0);
	assert_int_equal(f->st.ran, 1);
	assert_int_equal(f->st.cached, 0);
	assert_string_equal(snippet_verified_date(s), "2025-01-01");
	S_free_snippets(f);

	f->opts.no_cache = 1;
	S_add(f, "python", "print('hello')\n", "hello\n");
	assert_int_equal(S_verify(f), 0);
	assert_int_equal(f->st.ran, 1);
	assert_int_equal(f->st.cached, 0);
}

/* The compiler's message reaches the diagnostic, with the line mapping. */
static void test_verify_compile_error(void **state)
{
	struct fx *f = *state;
	struct snippet *s = S_add(f, "c", "int main(void)\n{\n\treturn undeclared_name;\n}\n", "\n");
	assert_int_equal(S_verify(f), 1);
	assert_int_equal(s->status, SNIPPET_FAILED);
	const char *msg = S_diag_with(f, "snippet failed to compile");
	assert_non_null(msg);
	assert_non_null(strstr(msg, "command: cc -std=c11"));
	assert_non_null(strstr(msg, "snippet.c:3:"));
	assert_non_null(strstr(msg, "undeclared_name"));
	assert_non_null(strstr(msg, "undeclared"));
	assert_non_null(strstr(msg, "  | snippet.c:3:"));
	assert_non_null(strstr(msg, "(line 1 of snippet.c is content/v.md:11)"));
}

/* A compiled program gets {cflags} and {args} as separate words. */
static void test_verify_c_cflags_args(void **state)
{
	struct fx *f = *state;
	const char *code = "#include <stdio.h>\n"
			   "int main(int argc, char **argv) {\n"
			   "    for (int i = 1; i < argc; i++) printf(\"%s|\", argv[i]);\n"
			   "    printf(\"%d\\n\", GREETING);\n"
			   "    return 0;\n"
			   "}\n";
	struct snippet *s = S_add(f, "c cflags=\"-DGREETING=42 -O2\" args=\"a 'b c'\" repeat=2",
				  code, "a|b c|42\n");
	assert_int_equal(S_verify(f), 0);
	S_print_diags(f);
	assert_int_equal(s->status, SNIPPET_PASSED);
	assert_int_equal(s->results[0].nruns, 2);
	assert_non_null(s->toolchain);
}

static char *S_read(const char *path)
{
	char *text = NULL;
	assert_int_equal(read_file(path, &text, NULL), 0);
	return text;
}

/* --record rewrites an output block, inserts a missing one (bottom-up in
 * one file) and writes a missing sidecar. */
static void test_verify_record(void **state)
{
	struct fx *f = *state;
	char *old = getcwd(NULL, 0);
	assert_int_equal(chdir(f->dir), 0);
	const char *md =
		"# T\n"
		"\n"
		"```python\n"
		"print('one')\n"
		"print('two')\n"
		"```\n"
		"```output\n"
		"old\n"
		"```\n"
		"\n"
		"text\n"
		"\n"
		"```python\n"
		"print('three')\n"
		"```\n"
		"\n"
		"end\n";
	assert_int_equal(write_file("content/r.md", md, strlen(md)), 0);
	assert_int_equal(write_file("snippets/py/s.py", "print('side')\n", 14), 0);
	f->v[f->n++] = snippet_parse("content/r.md", 3, 6, "python",
				     "print('one')\nprint('two')\n", "old\n", 7, 9,
				     &f->cfg, &f->d);
	f->v[f->n++] = snippet_parse("content/r.md", 13, 15, "python",
				     "print('three')\n", NULL, 0, 0, &f->cfg, &f->d);
	f->v[f->n++] = snippet_parse("content/r.md", 20, 21, "python file=snippets/py/s.py",
				     "", NULL, 0, 0, &f->cfg, &f->d);
	assert_int_equal(f->d.n, 0);

	/* without --record: three failures */
	assert_int_equal(S_verify(f), 3);
	assert_non_null(S_diag_with(f, "no expected output"));
	diag_release(&f->d);

	f->opts.record = 1;
	assert_int_equal(S_verify(f), 0);
	assert_int_equal(f->d.errors, 0);
	assert_int_equal(verify_record(f->v, f->n, &f->d), 3);
	char *got = S_read("content/r.md");
	assert_string_equal(got,
		"# T\n"
		"\n"
		"```python\n"
		"print('one')\n"
		"print('two')\n"
		"```\n"
		"```output\n"
		"one\n"
		"two\n"
		"```\n"
		"\n"
		"text\n"
		"\n"
		"```python\n"
		"print('three')\n"
		"```\n"
		"```output\n"
		"three\n"
		"```\n"
		"\n"
		"end\n");
	free(got);
	got = S_read("snippets/py/s.out");
	assert_string_equal(got, "side\n");
	free(got);
	assert_int_equal(chdir(old), 0);
	free(old);
}

/* requires= not met: a note (an error under --strict); another tool: error. */
static void test_verify_requires(void **state)
{
	struct fx *f = *state;
	struct snippet *future = S_add(f, "python requires=\"python>=99\"", "print(1)\n", "1\n");
	struct snippet *now = S_add(f, "python requires=\"python>=3\"", "print(1)\n", "1\n");
	assert_int_equal(S_verify(f), 0);
	assert_int_equal(future->status, SNIPPET_SKIPPED);
	assert_int_equal(now->status, SNIPPET_PASSED);
	assert_int_equal(f->st.skipped, 1);
	assert_int_equal(f->d.n, 1);
	assert_int_equal(f->d.items[0].level, DIAG_NOTE);
	assert_non_null(strstr(f->d.items[0].msg,
			       "snippet skipped: requires python>=99, but the toolchain is Python 3."));
	assert_string_equal(snippet_badge(future), "skipped");
	diag_release(&f->d);

	f->opts.strict = 1;
	assert_int_equal(S_verify(f), 1);
	assert_int_equal(f->d.errors, 1);
	diag_release(&f->d);
	S_free_snippets(f);

	S_add(f, "python requires=\"gcc>=1\"", "print(1)\n", "1\n");
	assert_int_equal(S_verify(f), 1);
	assert_non_null(S_diag_with(f, "requires gcc>=1, but this python snippet runs with Python 3."));
}

static void test_verify_junit(void **state)
{
	struct fx *f = *state;
	S_add(f, "python", "print('<ok>')\n", "<ok>\n");
	S_add(f, "python", "print('<tag> & more')\n", "<other>\n");
	S_add(f, "python norun why=\"Python 2\"", "print 'x'\n", NULL);
	assert_int_equal(S_verify(f), 1);
	char *path = path_join(f->dir, "junit.xml");
	assert_int_equal(verify_write_junit(f->v, f->n, path, &f->d), 0);
	char *xml = S_read(path);
	assert_non_null(strstr(xml, "<testsuite name=\"snippets\" tests=\"3\" failures=\"1\" "
			       "errors=\"0\" skipped=\"1\""));
	assert_non_null(strstr(xml, "<testcase classname=\"content.v\" name=\"content/v.md:10 (python)\""));
	assert_non_null(strstr(xml, "<failure message=\"snippet failed: output differs from "
			       "the expected output (expect=exact)\">"));
	assert_non_null(strstr(xml, "+&lt;tag&gt; &amp; more"));
	assert_non_null(strstr(xml, "<skipped message=\"Python 2\"/>"));
	free(xml);
	free(path);
}

/* --stress finds output that varies between runs. */
static void test_verify_stress(void **state)
{
	struct fx *f = *state;
	S_add(f, "python", "import random\nprint(random.random())\n", "0.5\n");
	S_add(f, "python", "print(1)\n", "1\n");
	S_add(f, "python expect=sorted", S_threads_py, "worker 0\n");
	assert_int_equal(verify_stress(f->v, f->n, &f->cfg, &f->opts, 3, &f->d), 1);
	const char *msg = S_diag_with(f, "flaky snippet: 3 different results in 3 runs (expect=exact)");
	assert_non_null(msg);
	assert_non_null(strstr(msg, "run 1 vs run 2"));
}

/* ---- the toolchain matrix ---- */

/*
 * Gives the python runner three toolchains, all the machine's python3
 * under other names: "Python 3.11" and "Python 3.14" report versions
 * 3.11.2 and 3.14.<minor14> and pass their tag ("a", "b") to the snippet
 * as argv[1], so a snippet printing it differs by toolchain; "Python
 * 3.99" lives in a root that does not exist.
 */
static void S_matrix(struct fx *f, const char *minor14)
{
	struct runner *py = &f->cfg.runners[1];
	static const char *const run[] = { "{python}", "{src}", "{tag}", NULL };
	static const char *const ver[] = { "{python}", "-c", "print('Python {fakever}')", NULL };
	strlist_release(&py->run);
	strlist_release(&py->version);
	S_strlist(&py->run, run);
	S_strlist(&py->version, ver);
	for (size_t i = 0; i < py->ntoolchains; i++) {
		free(py->toolchains[i].name);
		free(py->toolchains[i].root);
		strlist_release(&py->toolchains[i].vars);
	}
	free(py->toolchains);
	py->ntoolchains = 3;
	py->declared = 1;
	py->toolchains = calloc(3, sizeof(*py->toolchains));
	const char *names[] = { "Python 3.11", "Python 3.14", "Python 3.99" };
	const char *tags[] = { "a", "b", "m" };
	char *vers[] = { xstrdup("3.11.2"), xasprintf("3.14.%s", minor14), xstrdup("3.99.0") };
	for (int i = 0; i < 3; i++) {
		struct toolchain *tc = &py->toolchains[i];
		tc->name = strdup(names[i]);
		strlist_push(&tc->vars, "fakever");
		strlist_push(&tc->vars, vers[i]);
		strlist_push(&tc->vars, "python");
		strlist_push(&tc->vars, "/usr/bin/python3");
		strlist_push(&tc->vars, "tag");
		strlist_push(&tc->vars, tags[i]);
		free(vers[i]);
	}
	py->toolchains[2].root = path_join(f->dir, "no-such-root");
}

static const char S_tag_py[] = "import sys\nprint(sys.argv[1])\n";

static size_t S_count_notes(struct fx *f, const char *needle)
{
	size_t k = 0;
	for (size_t i = 0; i < f->d.n; i++)
		k += f->d.items[i].level == DIAG_NOTE && strstr(f->d.items[i].msg, needle);
	return k;
}

/* Passing on one toolchain and failing on another fails, naming it; the
 * missing toolchain is reported once, in one note. */
static void test_verify_matrix_names_toolchain(void **state)
{
	struct fx *f = *state;
	S_matrix(f, "10");
	struct snippet *s = S_add(f, "python", S_tag_py, "a\n");
	S_add(f, "python", "print(1)\n", "1\n");
	S_add(f, "python", "print(2)\n", "2\n");
	assert_int_equal(S_verify(f), 1);
	assert_int_equal(s->status, SNIPPET_FAILED);
	assert_int_equal(s->nresults, 3);
	assert_int_equal(s->results[0].status, SNIPPET_PASSED);
	assert_int_equal(s->results[1].status, SNIPPET_FAILED);
	assert_false(s->results[2].available);
	assert_int_equal(f->d.errors, 1);
	const char *msg = S_diag_with(f, "snippet failed on Python 3.14.10: output differs "
				      "from the expected output (expect=exact)");
	assert_non_null(msg);
	assert_non_null(strstr(msg, "-a\n  +b\n"));
	assert_non_null(strstr(msg, "command: /usr/bin/python3 snippet.py b"));
	assert_null(S_diag_with(f, "failed on Python 3.11"));
	assert_int_equal(S_count_notes(f, "not available"), 1);
	assert_non_null(S_diag_with(f, "toolchain not available on this machine: "
				    "Python 3.99 (run `make toolchains`)"));
	assert_string_equal(f->v[1]->toolchain, "Python 3.11.2 \xc2\xb7 3.14.10");
	assert_int_equal(f->v[1]->status, SNIPPET_PASSED);
}

/* requires= picks the toolchains; ```output python>=3.14 the block. */
static void test_verify_matrix_applies(void **state)
{
	struct fx *f = *state;
	S_matrix(f, "10");
	struct snippet *both = S_add(f, "python", S_tag_py, "a\n");
	assert_int_equal(snippet_add_output(both, "output python>=3.14", "b\n", 24, 26, &f->d), 1);
	struct snippet *new = S_add(f, "python requires=\"python>=3.14\"", S_tag_py, "b\n");
	struct snippet *old = S_add(f, "python requires=\"python<3.12\"", S_tag_py, "a\n");
	struct snippet *pin = S_add(f, "python requires=\"python==3.14\"", S_tag_py, "b\n");
	struct snippet *none = S_add(f, "python requires=\"python>=3.99\"", S_tag_py, "m\n");
	struct snippet *never = S_add(f, "python requires=\"python>=4\"", S_tag_py, "m\n");
	assert_int_equal(S_verify(f), 0);
	S_print_diags(f);
	assert_int_equal(both->status, SNIPPET_PASSED);
	assert_int_equal(both->results[0].block, -1);
	assert_int_equal(both->results[1].block, 0);
	char *v = snippet_versions(both);
	assert_string_equal(v, "Python 3.11.2, Python 3.14.10");
	free(v);
	assert_int_equal(new->nresults, 2);  /* 3.14 and the missing 3.99 */
	assert_string_equal(new->toolchain, "Python 3.14.10");
	assert_int_equal(old->nresults, 1);
	assert_string_equal(old->toolchain, "Python 3.11.2");
	assert_int_equal(pin->nresults, 1);
	assert_int_equal(pin->status, SNIPPET_PASSED);
	assert_int_equal(none->status, SNIPPET_SKIPPED);
	assert_int_equal(none->nresults, 1);
	assert_int_equal(never->status, SNIPPET_SKIPPED);
	assert_int_equal(f->st.skipped, 2);
	/* a missing toolchain is one note; requires= no toolchain meets, one each */
	assert_int_equal(S_count_notes(f, "not available on this machine: Python 3.99"), 1);
	assert_non_null(S_diag_with(f, "snippet skipped: requires python>=4, but the "
				    "toolchains are Python 3.11.2, 3.14.10, 3.99"));
	assert_int_equal(f->d.n, 2);
	char *list = NULL;
	size_t list_len = 0;
	FILE *mem = open_memstream(&list, &list_len);
	assert_int_equal(snippet_list_skipped(f->v, f->n, mem), 2);
	fclose(mem);
	assert_string_equal(list,
		"content/v.md:10: skipped: no toolchain it applies to is available on "
		"this machine (Python 3.99)\n"
		"content/v.md:10: skipped: requires python>=4, but the toolchains are "
		"Python 3.11.2, 3.14.10, 3.99\n");
	free(list);
	diag_release(&f->d);

	f->opts.strict = 1;
	assert_int_equal(S_verify(f), 2);
	assert_non_null(S_diag_with(f, "snippet skipped: no toolchain it applies to is "
				    "available on this machine (Python 3.99)"));
}

/* One cache entry per (snippet, toolchain), keyed by its exact version. */
static void test_verify_matrix_cache(void **state)
{
	struct fx *f = *state;
	S_matrix(f, "10");
	S_add(f, "python", S_tag_py, "a\n");
	assert_int_equal(S_verify(f), 1);
	assert_int_equal(f->st.ran, 2);
	assert_int_equal(S_verify(f), 1);
	assert_int_equal(f->st.ran, 0);
	assert_int_equal(f->st.cached, 2);
	S_matrix(f, "11"); /* a new 3.14 patch release: only it reruns */
	assert_int_equal(S_verify(f), 1);
	assert_int_equal(f->st.ran, 1);
	assert_int_equal(f->st.cached, 1);
	assert_non_null(S_diag_with(f, "snippet failed on Python 3.14.11"));
}

/* --record writes each toolchain's output to its block: a new block
 * pinned to the version whose output differs from the plain one. */
static void test_verify_matrix_record(void **state)
{
	struct fx *f = *state;
	S_matrix(f, "10");
	char *old = getcwd(NULL, 0);
	assert_int_equal(chdir(f->dir), 0);
	const char *md =
		"```python\n"
		"import sys\n"
		"print(sys.argv[1])\n"
		"```\n"
		"```output\n"
		"a\n"
		"```\n"
		"\n"
		"```python requires=\"python>=3.14\"\n"
		"import sys\n"
		"print(sys.argv[1])\n"
		"```\n"
		"```output python>=3.14\n"
		"old\n"
		"```\n"
		"end\n";
	assert_int_equal(write_file("content/m.md", md, strlen(md)), 0);
	f->v[f->n++] = snippet_parse("content/m.md", 1, 4, "python", S_tag_py, "a\n", 5, 7,
				     &f->cfg, &f->d);
	struct snippet *s = snippet_parse("content/m.md", 9, 12, "python requires=\"python>=3.14\"",
					  S_tag_py, NULL, 0, 0, &f->cfg, &f->d);
	f->v[f->n++] = s;
	assert_int_equal(snippet_add_output(s, "output python>=3.14", "old\n", 13, 15, &f->d), 1);
	f->opts.record = 1;
	assert_int_equal(S_verify(f), 0);
	assert_int_equal(f->d.errors, 0);
	assert_int_equal(verify_record(f->v, f->n, &f->d), 2);
	char *got = S_read("content/m.md");
	assert_string_equal(got,
		"```python\n"
		"import sys\n"
		"print(sys.argv[1])\n"
		"```\n"
		"```output\n"
		"a\n"
		"```\n"
		"```output python==3.14\n"
		"b\n"
		"```\n"
		"\n"
		"```python requires=\"python>=3.14\"\n"
		"import sys\n"
		"print(sys.argv[1])\n"
		"```\n"
		"```output python>=3.14\n"
		"b\n"
		"```\n"
		"end\n");
	free(got);
	assert_int_equal(chdir(old), 0);
	free(old);
}

/* kb.lua's toolchains: name, root and variables (sorted by name); a
 * toolchain without a name is an error; no list gives one implicit. */
static void test_verify_config_toolchains(void **state)
{
	struct fx *f = *state;
	char *lua = path_join(f->dir, "kb.lua");
	const char *src =
		"runners = { python = { ext = '.py', run = { '{python}', '{src}' },\n"
		"  version = { '{python}', '--version' },\n"
		"  toolchains = {\n"
		"    { name = 'Python 3.11', python = '/usr/bin/python3' },\n"
		"    { name = 'Python 3.14', root = 'tc/sid', python = '/usr/bin/python3.14', abi = 't' },\n"
		"  } },\n"
		"  c = { ext = '.c', run = { '{bin}' } } }\n";
	assert_int_equal(write_file(lua, src, strlen(src)), 0);
	struct config cfg;
	assert_int_equal(config_load(&cfg, lua, &f->d), 0);
	const struct runner *py = config_runner(&cfg, "python");
	assert_non_null(py);
	assert_true(py->declared);
	assert_int_equal(py->ntoolchains, 2);
	assert_string_equal(py->toolchains[0].name, "Python 3.11");
	assert_null(py->toolchains[0].root);
	assert_string_equal(py->toolchains[1].root, "tc/sid");
	assert_int_equal(py->toolchains[1].vars.n, 4);
	assert_string_equal(py->toolchains[1].vars.items[0], "abi");
	assert_string_equal(py->toolchains[1].vars.items[1], "t");
	assert_string_equal(py->toolchains[1].vars.items[2], "python");
	assert_string_equal(py->toolchains[1].vars.items[3], "/usr/bin/python3.14");
	const struct runner *c = config_runner(&cfg, "c");
	assert_false(c->declared);
	assert_int_equal(c->ntoolchains, 1);
	assert_null(c->toolchains[0].name);
	config_release(&cfg);

	const char *bad = "runners = { python = { run = { 'x' }, toolchains = { { python = 'y' } } } }\n";
	assert_int_equal(write_file(lua, bad, strlen(bad)), 0);
	assert_int_equal(config_load(&cfg, lua, &f->d), -1);
	assert_non_null(S_diag_with(f, "runners.python.toolchains[1] needs a name"));
	config_release(&cfg);

	/* synonyms: groups of two or more strings, each string in one group */
	const char *syn = "synonyms = { { 'gil', 'global interpreter lock' }, { 'nogil', 'free-threaded' } }\n";
	assert_int_equal(write_file(lua, syn, strlen(syn)), 0);
	assert_int_equal(config_load(&cfg, lua, &f->d), 0);
	assert_int_equal(cfg.nsynonyms, 2);
	assert_string_equal(cfg.synonyms[0].items[1], "global interpreter lock");
	config_release(&cfg);
	const char *badsyn = "synonyms = { { 'gil' }, { 'a', 7 }, { 'b', 'gil2' }, { 'gil2', 'c' } }\n";
	assert_int_equal(write_file(lua, badsyn, strlen(badsyn)), 0);
	assert_int_equal(config_load(&cfg, lua, &f->d), -1);
	assert_non_null(S_diag_with(f, "synonyms[1] must list two or more non-empty strings"));
	assert_non_null(S_diag_with(f, "synonyms[2] must list two or more non-empty strings"));
	assert_non_null(S_diag_with(f, "synonyms[4]: 'gil2' is already in another group"));
	config_release(&cfg);
	const char *notlist = "synonyms = 'gil'\n";
	assert_int_equal(write_file(lua, notlist, strlen(notlist)), 0);
	assert_int_equal(config_load(&cfg, lua, &f->d), -1);
	assert_non_null(S_diag_with(f, "'synonyms' must be a list of groups"));
	config_release(&cfg);
	free(lua);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, S_setup, S_teardown)
		T(test_verify_diff_format),
		T(test_verify_normalize),
		T(test_verify_toolchain_short),
		T(test_verify_match_modes),
		T(test_verify_sorted_threads),
		T(test_verify_exit_status),
		T(test_verify_timeout_deadlock),
		T(test_verify_tsan_race),
		T(test_verify_cache),
		T(test_verify_compile_error),
		T(test_verify_c_cflags_args),
		T(test_verify_record),
		T(test_verify_requires),
		T(test_verify_matrix_names_toolchain),
		T(test_verify_matrix_applies),
		T(test_verify_matrix_cache),
		T(test_verify_matrix_record),
		T(test_verify_config_toolchains),
		T(test_verify_junit),
		T(test_verify_stress),
#undef T
	};
	return cmocka_run_group_tests_name("verify", tests, S_group_setup, S_group_teardown);
}
