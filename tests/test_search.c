/*
 * test_search.c - the FTS5 index writer and `kb search`: ranking, prefixes,
 * filters, JSON, fallbacks and suggestions, odd input, finding the index,
 * colour.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "search.h"
#include "util.h"

struct fixture {
	char dir[64];  /* temp dir holding the index */
	char *index;   /* dir/kb-search.sqlite */
};

static const struct search_doc docs[] = {
	{ "The Global Interpreter Lock",
	  "Why CPython runs one thread's bytecode at a time, and what to do "
	  "about it.",
	  "python gil cpython", "python", "topics",
	  "CPython protects its internals with one lock, the GIL. Only the "
	  "thread holding the GIL runs bytecode. The GIL is released around "
	  "blocking I/O, so threads still help with network code.",
	  "topics/gil.html", "content/topics/gil.md", NULL },
	{ "multiprocessing: processes instead of threads",
	  "Run CPU-bound Python code in parallel in worker processes.",
	  "python processes", "python", "topics",
	  "Each worker process has its own interpreter, so CPU-bound work "
	  "scales across cores. Arguments travel by pickle; a Pool maps a "
	  "function over inputs.",
	  "topics/multiprocessing.html", "content/topics/multiprocessing.md", NULL },
	{ "Locking with POSIX threads",
	  "Protect shared data in C with a lock around the critical section.",
	  "c locks threads", "c", "examples",
	  "Call pthread_mutex_lock() before touching the counter and "
	  "pthread_mutex_unlock() after; every thread takes the same lock.",
	  "examples/posix-lock.html", "content/examples/posix-lock.md", NULL },
	{ "asyncio",
	  "Cooperative multitasking in one thread with an event loop.",
	  "python async", "python", "topics",
	  "A coroutine gives up control at each await; the event loop runs "
	  "another one. Blocking calls stall every task.",
	  "topics/asyncio.html", "content/topics/asyncio.md", NULL },
	{ "Thread-safe queues",
	  "queue.Queue hands work between producer and consumer threads.",
	  "python queues threads", "python", "topics",
	  "The queue module is the simplest correct way to do multithreading "
	  "in Python: producers put, consumers get, and the queue does the "
	  "locking.",
	  "topics/queues.html", "content/topics/queues.md", NULL },
	{ "Free-threaded Python",
	  "CPython 3.13 can be built without the GIL (PEP 703).",
	  "python gil cpython", "python", "topics",
	  "The free-threaded build, python3.13t, runs threads in parallel; "
	  "multithreading finally scales for CPU-bound code. Extension modules "
	  "must declare support.",
	  "topics/free-threaded-python.html",
	  "content/topics/free-threaded-python.md", NULL },
	{ "Go channels",
	  "Goroutines communicate by sending values over channels.",
	  "go channels", "go", "languages",
	  "Do not communicate by sharing memory; share memory by "
	  "communicating. An unbuffered channel synchronises sender and "
	  "receiver.",
	  "languages/go.html", "content/languages/go.md", NULL },
	{ "Send and Sync in Rust",
	  "How Rust's type system rules out data races at compile time.",
	  "rust memory-model", "rust", "languages",
	  "A type is Send when it can move to another thread and Sync when "
	  "references to it can be shared; Arc<Mutex<T>> is both.",
	  "languages/rust.html", "content/languages/rust.md", NULL },
	{ "asyncio in depth: Python Concurrency with asyncio",
	  "A book on asyncio, asyncio streams and asyncio tasks.",
	  "python books async asyncio", "python", "resources",
	  "asyncio asyncio asyncio: the event loop, asyncio tasks, asyncio "
	  "queues and asyncio synchronisation, chapter by chapter.",
	  "resources/asyncio-book.html", "content/resources/asyncio-book.md", NULL },
	{ "Caf\xe9 \x01 bytes",
	  "A summary with invalid UTF-8 \xff\xfe and a \"quote\" and a "
	  "back\\slash and a tab\there.",
	  "testing", "c", "examples",
	  "Zebrafish appear only here, next to \x80 a stray byte.",
	  "examples/odd.html", "content/examples/odd.md", NULL },
	{ "Java's synchronized",
	  "Intrinsic locks, wait/notify and java.util.concurrent.",
	  "java locks", "java", "languages",
	  "synchronized methods take the object's monitor; prefer a "
	  "ReentrantLock or an ExecutorService from java.util.concurrent.",
	  "languages/java.html", "content/languages/java.md", NULL },
};
#define NDOCS (sizeof(docs) / sizeof(docs[0]))

static int build_index(const char *path, size_t n)
{
	struct search_index *ix = NULL;
	char *err = NULL;
	if (search_index_open(&ix, path, &err) < 0) {
		fprintf(stderr, "%s\n", err);
		free(err);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (search_index_add(ix, &docs[i % NDOCS]) < 0)
			break;
	if (search_index_close(ix, &err) < 0) {
		fprintf(stderr, "%s\n", err);
		free(err);
		return -1;
	}
	return 0;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	strcpy(f->dir, "/tmp/kb-test-search-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->index = path_join(f->dir, SEARCH_INDEX_NAME);
	unsetenv("KB_INDEX");
	unsetenv("NO_COLOR");
	if (build_index(f->index, NDOCS) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	remove_tree(f->dir);
	free(f->index);
	free(f);
	return 0;
}

/* Runs `kb search [--index INDEX] ARGS...` (ARGS NULL-terminated, the
 * option only when index is not NULL); returns the exit status and what it printed. */
static int run(const char *index, char **out, char **err, ...)
{
	const char *argv[64];
	int argc = 0, status;
	size_t on, en;
	FILE *o = open_memstream(out, &on), *e = open_memstream(err, &en);
	va_list ap;
	argv[argc++] = "search";
	if (index) {
		argv[argc++] = "--index";
		argv[argc++] = index;
	}
	va_start(ap, err);
	for (const char *a; (a = va_arg(ap, const char *));)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	status = search_main(argc, (char **)argv, o, e);
	fclose(o);
	fclose(e);
	return status;
}

/* Position of needle in hay, or -1. */
static long find(const char *hay, const char *needle)
{
	const char *p = strstr(hay, needle);
	return p ? p - hay : -1;
}

/* Number of results in human output: lines that start a result (no
 * indentation). */
static int count_results(const char *out)
{
	int n = 0;
	for (const char *p = out; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1
							   : p + strlen(p))
		if (*p != ' ' && *p != '\n')
			n++;
	return n;
}

/* An exact title match comes first, even when another page mentions the
 * words far more often (the asyncio book repeats "asyncio" everywhere). */
static void test_search_exact_title_first(void **state)
{
	struct fixture *f = *state;
	char *out, *err;
	assert_int_equal(run(f->index, &out, &err, "ASYNCIO", NULL), 0);
	assert_int_equal(find(out, "asyncio  [topics]"), 0);
	assert_true(find(out, "asyncio in depth") > 0);
	free(out), free(err);
}

/* Title and tags weigh more than the body: a page about queues ranks
 * above a page that mentions them in passing, the GIL page (title)
 * above multiprocessing (body) for "interpreter". */
static void test_search_title_tags_rank_above_body(void **state)
{
	struct fixture *f = *state;
	char *out, *err;
	assert_int_equal(run(f->index, &out, &err, "queues", NULL), 0);
	assert_int_equal(find(out, "Thread-safe queues  [topics]"), 0);
	assert_true(find(out, "asyncio in depth") > 0);
	free(out), free(err);
	assert_int_equal(run(f->index, &out, &err, "interpreter", NULL), 0);
	assert_int_equal(find(out, "The Global Interpreter Lock  [topics]"),
			 0);
	assert_true(find(out, "multiprocessing: processes") > 0);
	free(out), free(err);
}

/* The last word matches as a prefix. */
static void test_search_prefix_last_word(void **state)
{
	struct fixture *f = *state;
	char *out, *err;
	assert_int_equal(run(f->index, &out, &err, "multithr", NULL), 0);
	assert_true(find(out, "Thread-safe queues") >= 0);
	assert_true(find(out, "Free-threaded Python") >= 0);
	free(out), free(err);
	/* Porter would stem this prefix into a non-prefix; the vocabulary
	 * completes it. */
	assert_int_equal(run(f->index, &out, &err, "multithreadin", NULL), 0);
	assert_true(find(out, "Thread-safe queues") >= 0);
	free(out), free(err);
}

/* unicode61 separates at '_', so "mutex" finds pthread_mutex_lock. */
static void test_search_mutex_finds_identifier(void **state)
{
	struct fixture *f = *state;
	char *out, *err;
	assert_int_equal(run(f->index, &out, &err, "mutex", NULL), 0);
	assert_true(find(out, "Locking with POSIX threads") >= 0);
	assert_true(find(out, "content/examples/posix-lock.md") >= 0);
	free(out), free(err);
	assert_int_equal(run(f->index, &out, &err, "pthread_mutex_lock", NULL),
			 0);
	assert_int_equal(find(out, "Locking with POSIX threads"), 0);
	free(out), free(err);
}

/* Each result shows title, section, summary, snippet, source and page. */
static void test_search_result_layout(void **state)
{
	struct fixture *f = *state;
	char *out, *err, *expect;
	assert_int_equal(run(f->index, &out, &err, "blocking", "I/O", "-n",
			     "1", "--color=never", NULL), 0);
	expect = xasprintf("The Global Interpreter Lock  [topics]\n"
			   "  Why CPython runs one thread's bytecode at a time,"
			   " and what to do about it.\n");
	assert_int_equal(find(out, expect), 0);
	assert_true(find(out, "The GIL is released around blocking I/O") > 0);
	free(expect);
	expect = xasprintf("  content/topics/gil.md · %s/topics/gil.html\n",
			   f->dir);
	assert_true(find(out, expect) > 0);
	assert_int_equal(count_results(out), 1);
	free(expect), free(out), free(err);
}

static void test_search_filters(void **state)
{
	struct fixture *f = *state;
	char *out, *err;
	/* --tag: only the two pages tagged gil mention cpython+gil. */
	assert_int_equal(run(f->index, &out, &err, "python", "--tag", "gil",
			     NULL), 0);
	assert_int_equal(count_results(out), 2);
	assert_true(find(out, "The Global Interpreter Lock") >= 0);
	assert_true(find(out, "Free-threaded Python") >= 0);
	free(out), free(err);
	/* --lang */
	assert_int_equal(run(f->index, &out, &err, "threads", "--lang=c",
			     NULL), 0);
	assert_int_equal(count_results(out), 1);
	assert_true(find(out, "Locking with POSIX threads") == 0);
	free(out), free(err);
	/* --section */
	assert_int_equal(run(f->index, &out, &err, "locks", "--section",
			     "languages", NULL), 0);
	assert_int_equal(count_results(out), 1);
	assert_int_equal(find(out, "Java's synchronized"), 0);
	free(out), free(err);
	/* a filter that excludes everything */
	assert_int_equal(run(f->index, &out, &err, "gil", "--lang", "go",
			     NULL), 1);
	assert_string_equal(out, "");
	free(out), free(err);
}

static void test_search_limit(void **state)
{
	struct fixture *f = *state;
	char *out, *err;
	assert_int_equal(run(f->index, &out, &err, "python", NULL), 0);
	assert_true(count_results(out) > 2);
	free(out), free(err);
	assert_int_equal(run(f->index, &out, &err, "python", "-n", "2", NULL),
			 0);
	assert_int_equal(count_results(out), 2);
	free(out), free(err);
	assert_int_equal(run(f->index, &out, &err, "python", "-n1", NULL), 0);
	assert_int_equal(count_results(out), 1);
	free(out), free(err);
}

/* ---- a minimal JSON checker ---- */

static const char *json_value(const char *p);

static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *json_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20)
			return NULL;
		if (c == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF",
						    p[i]) || !p[i])
						return NULL;
				p += 5;
				continue;
			}
			if (!*p || !strchr("\"\\/bfnrt", *p))
				return NULL;
		}
		p++;
	}
	return p + 1;
}

static const char *json_list(const char *p, char close, int members)
{
	p = json_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (members) {
			if (!(p = json_string(p)))
				return NULL;
			p = json_ws(p);
			if (*p++ != ':')
				return NULL;
		}
		if (!(p = json_value(json_ws(p))))
			return NULL;
		p = json_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
		p = json_ws(p);
	}
}

static const char *json_value(const char *p)
{
	if (*p == '"')
		return json_string(p);
	if (*p == '[')
		return json_list(p, ']', 0);
	if (*p == '{')
		return json_list(p, '}', 1);
	if (*p == '-' || (*p >= '0' && *p <= '9')) {
		char *end;
		strtod(p, &end);
		return end;
	}
	return NULL;
}

static int json_valid(const char *s)
{
	const char *p = json_value(json_ws(s));
	return p && *json_ws(p) == '\0';
}

static int utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		int n = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1
				      : (*p & 0xf0) == 0xe0 ? 2
				      : (*p & 0xf8) == 0xf0 ? 3 : -1;
		if (n < 0 || (n == 1 && *p < 0xc2))
			return 0;
		p++;
		for (int i = 0; i < n; i++, p++)
			if ((*p & 0xc0) != 0x80)
				return 0;
	}
	return 1;
}

static void test_search_json(void **state)
{
	struct fixture *f = *state;
	char *out, *err;
	assert_int_equal(run(f->index, &out, &err, "gil", "--json",
			     "--color=always", NULL), 0);
	assert_true(json_valid(out));
	assert_int_equal(out[0], '[');
	assert_true(find(out, "\"title\": \"The Global Interpreter Lock\"") >
		    0);
	assert_true(find(out, "\"url\": \"topics/gil.html\"") > 0);
	assert_true(find(out, "\"path\": \"content/topics/gil.md\"") > 0);
	assert_true(find(out, "\"tags\": [\"python\", \"gil\", \"cpython\"]") >
		    0);
	assert_true(find(out, "\"highlights\": [\"GIL\"") > 0);
	assert_int_equal(find(out, "\033"), -1);
	free(out), free(err);

	/* Invalid UTF-8 and control characters in the index come out as
	 * valid, escaped JSON. */
	assert_int_equal(run(f->index, &out, &err, "zebrafish", "--json",
			     NULL), 0);
	assert_true(json_valid(out));
	assert_true(utf8_valid(out));
	assert_true(find(out, "\\\"quote\\\"") > 0);
	assert_true(find(out, "back\\\\slash") > 0);
	assert_true(find(out, "tab\\there") > 0);
	free(out), free(err);

	/* No results: an empty array, exit 1. */
	assert_int_equal(run(f->index, &out, &err, "qwertyuiop", "--json",
			     NULL), 1);
	assert_string_equal(out, "[]\n");
	free(out), free(err);
}

/* Human output is valid UTF-8 too, whatever the index holds. */
static void test_search_human_output_is_utf8(void **state)
{
	struct fixture *f = *state;
	char *out, *err;
	assert_int_equal(run(f->index, &out, &err, "zebrafish", NULL), 0);
	assert_true(utf8_valid(out));
	assert_int_equal(find(out, "\001"), -1);
	assert_true(find(out, "Caf\xef\xbf\xbd") == 0);
	free(out), free(err);
}

static void test_search_any_word_fallback(void **state)
{
	struct fixture *f = *state;
	char *out, *err;
	assert_int_equal(run(f->index, &out, &err, "goroutines", "pickle",
			     NULL), 0);
	assert_true(find(out, "Go channels") >= 0);
	assert_true(find(out, "multiprocessing") >= 0);
	assert_true(find(err, "most of them") >= 0);
	free(out), free(err);
}

/* A question is searched by its meaningful words: "how", "do", "i" and
 * "the" are not required, so the Go page, which has none of them, is
 * found, and without the note that no page has every word. A page with
 * more of the meaningful words ranks above one with fewer: Go channels
 * (goroutines, channels) above multiprocessing (pickle). */
static void test_search_question_words(void **state)
{
	struct fixture *f = *state;
	char *out, *err;
	assert_int_equal(run(f->index, &out, &err, "how", "do", "i", "use",
			     "the", "goroutines?", NULL), 0);
	assert_true(find(out, "Go channels") >= 0);
	free(out), free(err);
	assert_int_equal(run(f->index, &out, &err, "how", "do", "goroutines",
			     "use", "channels", NULL), 0);
	assert_int_equal(find(out, "Go channels"), 0);
	free(out), free(err);
	assert_int_equal(run(f->index, &out, &err, "pickle", "goroutines",
			     "channels", NULL), 0);
	long go = find(out, "Go channels"), mp = find(out, "multiprocessing");
	assert_true(go >= 0 && mp > go);
	assert_true(find(err, "most of them") >= 0);
	free(out), free(err);
}

/* Writes an index of docs[0..n) and the synonym groups (each a
 * NULL-terminated list) to dir/name; returns its path (caller frees). */
static char *build_custom(const char *dir, const char *name,
			  const struct search_doc *d, size_t n,
			  const char *const *const *groups)
{
	char *path = path_join(dir, name), *err = NULL;
	struct search_index *ix;
	assert_int_equal(search_index_open(&ix, path, &err), 0);
	for (size_t g = 0; groups && groups[g]; g++) {
		struct strlist l = STRLIST_INIT;
		for (size_t k = 0; groups[g][k]; k++)
			strlist_push(&l, groups[g][k]);
		assert_int_equal(search_index_add_synonyms(ix, &l), 0);
		strlist_release(&l);
	}
	for (size_t i = 0; i < n; i++)
		assert_int_equal(search_index_add(ix, &d[i]), 0);
	assert_int_equal(search_index_close(ix, &err), 0);
	return path;
}

/* An entry's answers: are searched, above the body: a question worded as
 * learners word it finds the page that says it answers it, even when no
 * page's text uses those words, and ahead of a page whose body does. */
static void test_search_answers(void **state)
{
	struct fixture *f = *state;
	const struct search_doc d[] = {
		{ "Deadlock", "Two threads wait for each other forever.",
		  "locks", "python", "topics",
		  "Take locks in one global order.", "topics/deadlock.html",
		  "content/topics/deadlock.md",
		  "why does my program freeze\nwhy is my program stuck" },
		{ "Blocking I/O", "Reads that wait.", "io", "python", "topics",
		  "A program that reads a socket can freeze for a while; the "
		  "call blocks until data comes.", "topics/io.html",
		  "content/topics/io.md", NULL },
		{ "Queues", "Hand work between threads.", "queues", "python",
		  "topics", "put and get.", "topics/queues.html",
		  "content/topics/queues.md", NULL },
	};
	char *path = build_custom(f->dir, "answers.sqlite", d, 3, NULL);
	char *out, *err;
	assert_int_equal(run(path, &out, &err, "why", "is", "my", "program",
			     "stuck", NULL), 0);
	assert_int_equal(find(out, "Deadlock"), 0);
	assert_int_equal(find(out, "Queues"), -1);
	free(out), free(err);
	assert_int_equal(run(path, &out, &err, "program", "freeze", NULL), 0);
	long dl = find(out, "Deadlock"), io = find(out, "Blocking I/O");
	assert_true(dl == 0 && io > dl);
	free(out), free(err);
	/* --json shows the hit like any other */
	assert_int_equal(run(path, &out, &err, "--json", "stuck", NULL), 0);
	assert_true(json_valid(out));
	assert_true(find(out, "\"url\":\"topics/deadlock.html\"") >= 0 ||
		    find(out, "\"url\": \"topics/deadlock.html\"") >= 0);
	free(out), free(err);
	free(path);
}

/* kb.lua's synonyms: a word or run of words that spells one phrase of a
 * group matches pages that use another, counts as one word of the query,
 * and may begin with a question word; without the group the same query
 * does not find the page. */
static void test_search_synonyms(void **state)
{
	struct fixture *f = *state;
	const struct search_doc d[] = {
		{ "The GIL", "One thread runs bytecode at a time.", "gil",
		  "python", "topics", "The GIL is a lock.", "topics/gil.html",
		  "content/topics/gil.md", NULL },
		{ "Free-threaded Python", "CPython built with threads in parallel.",
		  "python", "python", "topics", "python3.14t runs threads in "
		  "parallel.", "topics/free-threaded.html",
		  "content/topics/free-threaded.md", NULL },
		{ "Interpreter internals", "Globals, the lock table.", "cpython",
		  "python", "topics", "A global table; the interpreter takes a "
		  "lock on it. Global interpreter state.", "topics/internals.html",
		  "content/topics/internals.md", NULL },
	};
	static const char *const gil[] = { "GIL", "global interpreter lock", NULL };
	static const char *const ft[] = { "free-threaded", "gilectomy", "no-GIL", NULL };
	static const char *const par[] = { "parallel", "at the same time", NULL };
	static const char *const *const groups[] = { gil, ft, par, NULL };
	char *with = build_custom(f->dir, "syn.sqlite", d, 3, groups);
	char *without = build_custom(f->dir, "nosyn.sqlite", d, 3, NULL);
	char *out, *err;

	assert_int_equal(run(without, &out, &err, "gilectomy", NULL), 1);
	free(out), free(err);
	assert_int_equal(run(with, &out, &err, "gilectomy", NULL), 0);
	assert_int_equal(find(out, "Free-threaded Python"), 0);
	free(out), free(err);
	assert_int_equal(run(with, &out, &err, "No-GIL", NULL), 0);
	assert_int_equal(find(out, "Free-threaded Python"), 0);
	free(out), free(err);
	/* the phrase finds the page that only says GIL, first, and the page
	 * with the three words apart does not count as the phrase */
	assert_int_equal(run(with, &out, &err, "global", "interpreter", "lock",
			     NULL), 0);
	assert_int_equal(find(out, "The GIL"), 0);
	assert_int_equal(find(out, "Interpreter internals"), -1);
	free(out), free(err);
	assert_int_equal(run(without, &out, &err, "global", "interpreter",
			     "lock", NULL), 0);
	assert_int_equal(find(out, "Interpreter internals"), 0);
	free(out), free(err);
	/* "at the same time" begins with a question word */
	assert_int_equal(run(with, &out, &err, "run", "threads", "at", "the",
			     "same", "time", NULL), 0);
	assert_int_equal(find(out, "Free-threaded Python"), 0);
	assert_int_equal(find(err, "most of them"), -1);
	free(out), free(err);
	remove(with), remove(without);
	free(with), free(without);
}

/* A word no page has is also searched as the nearest word of the
 * vocabulary, and kb says so; a word the index knows is never
 * "corrected". */
static void test_search_typo_corrected(void **state)
{
	struct fixture *f = *state;
	char *out, *err;
	assert_int_equal(run(f->index, &out, &err, "multithreding", NULL), 0);
	assert_true(find(out, "Thread-safe queues") >= 0);
	assert_true(find(err, "no page has 'multithreding'; searching"
			      " 'multithreading' too") >= 0);
	free(out), free(err);
	assert_int_equal(run(f->index, &out, &err, "channels", NULL), 0);
	assert_int_equal(find(err, "searching"), -1);
	free(out), free(err);
}

/* When nothing matches even so (here: no page tagged go has the words),
 * kb suggests spellings from the vocabulary. */
static void test_search_did_you_mean(void **state)
{
	struct fixture *f = *state;
	char *out, *err;
	assert_int_equal(run(f->index, &out, &err, "--tag", "go",
			     "multithreding", NULL), 1);
	assert_string_equal(out, "");
	assert_true(find(err, "did you mean: multithreading?") >= 0);
	free(out), free(err);
	/* Known words are kept, unknown ones corrected. */
	assert_int_equal(run(f->index, &out, &err, "--tag", "go", "interpeter",
			     "lok", "--json", NULL), 1);
	assert_string_equal(out, "[]\n");
	assert_true(find(err, "did you mean: interpreter lock?") >= 0);
	free(out), free(err);
	/* Nothing near: no suggestion. */
	assert_int_equal(run(f->index, &out, &err, "xylophone", NULL), 1);
	assert_int_equal(find(err, "did you mean"), -1);
	free(out), free(err);
}

/* Odd input never makes kb search fail (exit 2) or crash. */
static void test_search_odd_queries(void **state)
{
	struct fixture *f = *state;
	const char *odd[] = { "c++", "std::mutex", "don't", "multi-agent",
			      "\"", "\"unbalanced", "AND", "NOT", "OR", "NEAR",
			      "title:x", "body:gil", "*", "gil*", "^gil", "",
			      "(", ")", "-", "+", "gil OR", "NOT gil",
			      "\"\"\"", "a\"b", "\xff\xfe", "caf\xc3", "\xc3\xa9",
			      "gil\x01lock", "{title}: gil", "--json" };
	char *out, *err;
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		int st = run(f->index, &out, &err, "--", odd[i], NULL);
		if (st != 0 && st != 1)
			fail_msg("query '%s' exited %d: %s", odd[i], st, err);
		free(out), free(err);
		st = run(f->index, &out, &err, "--json", "--", odd[i], NULL);
		if (st != 0 && st != 1)
			fail_msg("query '%s' exited %d: %s", odd[i], st, err);
		assert_true(json_valid(out));
		free(out), free(err);
	}
	/* Punctuation splits words as the index does: "c++" searches "c",
	 * "pthread_mutex_lock()" the phrase "pthread mutex lock". */
	assert_int_equal(run(f->index, &out, &err, "c++", "--lang", "c", NULL),
			 0);
	free(out), free(err);
	assert_int_equal(run(f->index, &out, &err, "pthread_mutex_lock()", NULL),
			 0);
	free(out), free(err);
}

static void test_search_long_query(void **state)
{
	struct fixture *f = *state;
	struct buf q = BUF_INIT, word = BUF_INIT;
	char *out, *err;
	int st;
	while (q.len < 10240)
		buf_puts(&q, "gil \"( AND* c++ \xff ");
	st = run(f->index, &out, &err, q.data, NULL);
	assert_true(st == 0 || st == 1);
	free(out), free(err);
	/* One 10 KB word. */
	while (word.len < 10240)
		buf_puts(&word, "ab-");
	st = run(f->index, &out, &err, word.data, NULL);
	assert_true(st == 0 || st == 1);
	free(out), free(err);
	buf_release(&q);
	buf_release(&word);
}

/* A query without a word lists the pages that pass the filters, or finds
 * nothing without filters. */
static void test_search_empty_query(void **state)
{
	struct fixture *f = *state;
	char *out, *err;
	assert_int_equal(run(f->index, &out, &err, "", NULL), 1);
	assert_string_equal(out, "");
	assert_true(find(err, "nothing to search for") >= 0);
	free(out), free(err);
	assert_int_equal(run(f->index, &out, &err, "*", "--section",
			     "languages", NULL), 0);
	assert_int_equal(count_results(out), 3);
	assert_int_equal(find(out, "Go channels"), 0);
	free(out), free(err);
}

static void test_search_bad_command_line(void **state)
{
	struct fixture *f = *state;
	char *out, *err;
	assert_int_equal(run(f->index, &out, &err, NULL), 2);
	assert_true(find(err, "usage: kb search QUERY") >= 0);
	free(out), free(err);
	assert_int_equal(run(f->index, &out, &err, "gil", "--bogus", NULL), 2);
	assert_true(find(err, "unknown option '--bogus'") >= 0);
	assert_true(find(err, "usage:") >= 0);
	free(out), free(err);
	assert_int_equal(run(f->index, &out, &err, "gil", "-n", "0", NULL), 2);
	free(out), free(err);
	assert_int_equal(run(f->index, &out, &err, "gil", "-n", "x", NULL), 2);
	free(out), free(err);
	assert_int_equal(run(f->index, &out, &err, "gil", "--color=sometimes",
			     NULL), 2);
	free(out), free(err);
	assert_int_equal(run(NULL, &out, &err, "gil", "--tag", NULL), 2);
	assert_true(find(err, "needs a value") >= 0);
	free(out), free(err);
	assert_int_equal(run(NULL, &out, &err, "--help", NULL), 0);
	assert_true(find(out, "usage: kb search") == 0);
	assert_true(find(out, "Exit status") > 0);
	free(out), free(err);
}

static void test_search_no_index(void **state)
{
	struct fixture *f = *state;
	char *out, *err, *missing = path_join(f->dir, "nope.sqlite");
	char cwd[4096];

	assert_int_equal(run(missing, &out, &err, "gil", NULL), 2);
	assert_true(find(err, "kb: no search index found; run 'kb build' "
			      "first (looked in: ") == 0);
	assert_true(find(err, missing) > 0);
	free(out), free(err);

	/* $KB_INDEX is used when there is no --index. */
	setenv("KB_INDEX", f->index, 1);
	assert_int_equal(run(NULL, &out, &err, "gil", NULL), 0);
	free(out), free(err);
	setenv("KB_INDEX", missing, 1);
	assert_int_equal(run(NULL, &out, &err, "gil", NULL), 2);
	assert_true(find(err, missing) > 0);
	free(out), free(err);
	unsetenv("KB_INDEX");

	/* Defaults: ./site/kb-search.sqlite, then the share directory. */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(f->dir), 0);
	assert_int_equal(run(NULL, &out, &err, "gil", NULL), 2);
	assert_true(find(err, "site/" SEARCH_INDEX_NAME) > 0);
	assert_true(find(err, KB_SHARE_DIR "/" SEARCH_INDEX_NAME) > 0);
	free(out), free(err);
	assert_int_equal(mkdir_p("site"), 0);
	assert_int_equal(build_index("site/" SEARCH_INDEX_NAME, NDOCS), 0);
	assert_int_equal(run(NULL, &out, &err, "gil", NULL), 0);
	assert_true(find(out, "  content/topics/gil.md · site/topics/gil.html")
		    > 0);
	free(out), free(err);
	assert_int_equal(chdir(cwd), 0);

	/* A file that is not an index is an error, not a crash. */
	assert_int_equal(write_file(missing, "not sqlite", 10), 0);
	assert_int_equal(run(missing, &out, &err, "gil", NULL), 2);
	assert_true(find(err, "cannot read search index") >= 0);
	free(out), free(err);
	free(missing);
}

/* Opens a pseudo-terminal; returns the stream writing to its slave side
 * and the master fd in *master, or NULL when there is none. */
static FILE *open_tty(int *master)
{
	FILE *fp;
	int s;
	*master = posix_openpt(O_RDWR | O_NOCTTY);
	if (*master < 0)
		return NULL;
	if (grantpt(*master) < 0 || unlockpt(*master) < 0 ||
	    (s = open(ptsname(*master), O_RDWR | O_NOCTTY)) < 0) {
		close(*master);
		return NULL;
	}
	fp = fdopen(s, "w");
	return fp;
}

/* What run_tty printed: read back from the master side. */
static char *drain(int master)
{
	struct buf b = BUF_INIT;
	char chunk[4096];
	ssize_t n;
	fcntl(master, F_SETFL, O_NONBLOCK);
	while ((n = read(master, chunk, sizeof(chunk))) > 0)
		buf_put(&b, chunk, (size_t)n);
	return buf_detach(&b);
}

static int run_tty(const char *index, const char *color, char **out)
{
	const char *argv[] = { "search", "gil", "--index", index, color, NULL };
	int master, status, argc = color ? 5 : 4;
	char *err;
	size_t en;
	FILE *o = open_tty(&master), *e;
	if (!o)
		return -1;
	e = open_memstream(&err, &en);
	status = search_main(argc, (char **)argv, o, e);
	fclose(o);
	fclose(e);
	free(err);
	*out = drain(master);
	close(master);
	return status;
}

/* Colour only on a terminal, never with NO_COLOR unless forced. */
static void test_search_color(void **state)
{
	struct fixture *f = *state;
	char *out, *err;
	/* Not a terminal: no colour by default, colour when forced. */
	assert_int_equal(run(f->index, &out, &err, "gil", NULL), 0);
	assert_int_equal(find(out, "\033["), -1);
	free(out), free(err);
	assert_int_equal(run(f->index, &out, &err, "gil", "--color=always",
			     NULL), 0);
	assert_true(find(out, "\033[1;31mGIL\033[0m") >= 0);
	free(out), free(err);
	setenv("NO_COLOR", "1", 1);
	assert_int_equal(run(f->index, &out, &err, "gil", "--color", "always",
			     NULL), 0);
	assert_true(find(out, "\033[") >= 0);
	free(out), free(err);
	unsetenv("NO_COLOR");

	if (run_tty(f->index, NULL, &out) < 0)
		skip();
	assert_true(find(out, "\033[1m") >= 0);
	free(out);
	setenv("NO_COLOR", "1", 1);
	assert_int_equal(run_tty(f->index, NULL, &out), 0);
	assert_true(find(out, "The Global Interpreter Lock") >= 0);
	assert_int_equal(find(out, "\033["), -1);
	free(out);
	assert_int_equal(run_tty(f->index, "--color=never", &out), 0);
	assert_int_equal(find(out, "\033["), -1);
	free(out);
	unsetenv("NO_COLOR");
	assert_int_equal(run_tty(f->index, "--color=never", &out), 0);
	assert_int_equal(find(out, "\033["), -1);
	free(out);
}

/* Text unicode61 splits in unusual ways: accents, combining marks,
 * ligatures, CJK, invalid UTF-8, long and mixed-case words, identifiers. */
static const struct search_doc tricky = {
	"Ça marche: ÉCOLE naïve Straße İstanbul HTTPServer",
	"été (e\xcc\x81te\xcc\x81) ﬁle x² 日本語のテキスト Ωmega x\xcc\x81y",
	"c++ std::mutex ǅemal",
	"python c",
	"topics",
	"running hopping generalizations skies ponies caresses "
	"pthread_mutex_lock() 3.13t ab\xff" "cd \x80x a b cd é\x01z "
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	"ing bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb "
	"ccccccccccccccccccccccccccccccccccccccccccccccccc "
	"ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddé"
	"dd ÀB12cd_Ünïcödé-Mixed RUNNING Running",
	"topics/tricky.html", "content/topics/tricky.md", NULL,
};

/* A body of words of 1 to 20 bytes, in mixed case, with digits, after
 * separators of 1 to 3 bytes; some hold a byte that is not ASCII at some
 * place. Caller frees. */
static char *boundary_body(void)
{
	static const char chars[] = "aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789";
	static const char *const seps[] = { " ", ", ", "-(", ". \n", "_" };
	struct buf b = BUF_INIT;
	unsigned n = 0;
	for (int shift = 0; shift < 41; shift++) {
		for (int len = 1; len <= 20; len++, n++) {
			buf_puts(&b, seps[(n * 7 + (unsigned)shift) % 5]);
			for (int i = 0; i < len; i++) {
				if (n % 9 == 4 && i == (int)(n % (unsigned)len))
					buf_puts(&b, n % 2 ? "\xc3\xa9" : "\xff");
				buf_putc(&b, chars[(n * 5 + (unsigned)i * 3) %
						   (sizeof(chars) - 1)]);
			}
		}
	}
	return buf_detach(&b);
}

/* Exactly one row of the query on db, as an integer. */
static long long query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The index holds the tokens FTS5's own "porter unicode61
 * remove_diacritics 2" makes of the same text (the stored text is what was
 * indexed), and the vocabulary the unstemmed unicode61 tokens of 2 to 48
 * bytes with their document frequencies. */
static void test_search_index_tokens_match_fts5(void **state)
{
	struct fixture *f = *state;
	char *path = path_join(f->dir, "tokens.sqlite"), *err = NULL;
	char *body = boundary_body();
	struct search_doc boundary = {
		"Word boundaries", "Words at every offset", "boundary", "c",
		"topics", body, "topics/boundary.html",
		"content/topics/boundary.md", NULL,
	};
	struct search_index *ix;
	sqlite3 *db = NULL;

	assert_int_equal(search_index_open(&ix, path, &err), 0);
	for (size_t i = 0; i < NDOCS; i++)
		assert_int_equal(search_index_add(ix, &docs[i]), 0);
	assert_int_equal(search_index_add(ix, &tricky), 0);
	assert_int_equal(search_index_add(ix, &boundary), 0);
	assert_int_equal(search_index_close(ix, &err), 0);
	free(body);

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
		"CREATE VIRTUAL TABLE temp.ref USING fts5(title, tags, summary,"
		" body, languages,"
		" tokenize='porter unicode61 remove_diacritics 2');"
		"INSERT INTO temp.ref(rowid, title, tags, summary, body,"
		" languages) SELECT rowid, title, tags, summary, body, languages"
		" FROM main.docs;"
		"CREATE VIRTUAL TABLE temp.raw USING fts5(title, tags, summary,"
		" body, languages, tokenize='unicode61 remove_diacritics 2');"
		"INSERT INTO temp.raw SELECT title, tags, summary, body, languages"
		" FROM main.docs;"
		"CREATE VIRTUAL TABLE temp.v_kb USING fts5vocab(main, docs,"
		" instance);"
		"CREATE VIRTUAL TABLE temp.v_ref USING fts5vocab(temp, ref,"
		" instance);"
		"CREATE VIRTUAL TABLE temp.v_raw USING fts5vocab(temp, raw, row);",
		NULL, NULL, NULL), SQLITE_OK);
	assert_true(query_int(db, "SELECT count(*) FROM v_ref") > 300);
	assert_int_equal(query_int(db, "SELECT count(*) FROM v_kb"),
			 query_int(db, "SELECT count(*) FROM v_ref"));
	assert_int_equal(query_int(db, "SELECT count(*) FROM ("
		"SELECT term, doc, col, offset FROM v_kb EXCEPT "
		"SELECT term, doc, col, offset FROM v_ref)"), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM ("
		"SELECT term, doc, col, offset FROM v_ref EXCEPT "
		"SELECT term, doc, col, offset FROM v_kb)"), 0);
	/* Stems only where FTS5 stems: "running" is "run". */
	assert_true(query_int(db, "SELECT count(*) FROM v_kb WHERE term = 'run'")
		    >= 3);

	assert_int_equal(query_int(db, "SELECT count(*) FROM ("
		"SELECT term, df FROM vocab EXCEPT SELECT term, doc FROM v_raw"
		" WHERE length(CAST(term AS BLOB)) BETWEEN 2 AND 48)"), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM ("
		"SELECT term, doc FROM v_raw"
		" WHERE length(CAST(term AS BLOB)) BETWEEN 2 AND 48"
		" EXCEPT SELECT term, df FROM vocab)"), 0);
	assert_int_equal(query_int(db, "SELECT df FROM vocab"
				   " WHERE term = 'ete'"), 1);
	assert_int_equal(query_int(db, "SELECT df FROM vocab"
				   " WHERE term = 'running'"), 1);
	sqlite3_close(db);
	free(path);
}

/* One row of the query on db, as a string (caller frees), or NULL. */
static char *query_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	char *v = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

/* The body test_search_index_stored_text_and_keys indexes as page n:
 * 100 letters with one byte that may be a control character; clean is
 * what the index must store. */
#define NSTORED (100 * 36)
static void stored_body(int n, char *raw, char *clean)
{
	static const unsigned char odd[] = { 0x7f, 0x80, 0xff, ' ' };
	int off = n % 100, k = n / 100;
	int ch = k < 32 ? k : odd[k - 32];
	for (int i = 0; i < 100; i++) {
		int x = i == off && ch ? ch : 'a' + i % 26;
		raw[i] = (char)x;
		clean[i] = (x < 0x20 && x != '\n' && x != '\t') || x == 0x7f
			   ? ' ' : raw[i];
	}
	raw[100] = clean[100] = '\0';
}

/* Pages are stored with every control character but '\n' and '\t' made a
 * space, wherever it is in the text, and `keys` holds each page's title
 * key and "/" + the last part of its URL. */
static void test_search_index_stored_text_and_keys(void **state)
{
	struct fixture *f = *state;
	char *path = path_join(f->dir, "stored.sqlite"), *err = NULL, *v;
	char raw[101], clean[101];
	struct search_index *ix;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	struct search_doc a = { "Zeta: the Last", "", "", "", "topics", "",
				"topics/zeta.html", "content/topics/zeta.md", NULL };
	struct search_doc b = { "Alpha", "", "", "", "", "text", "alpha\x01.html",
				"content/alpha.md", NULL };
	struct search_doc c = { "", "", "", "", "", raw, "", "c.md", NULL };
	int n = 0;

	assert_int_equal(search_index_open(&ix, path, &err), 0);
	assert_int_equal(search_index_add(ix, &a), 0);
	assert_int_equal(search_index_add(ix, &b), 0);
	for (int i = 0; i < NSTORED; i++) {
		stored_body(i, raw, clean);
		assert_int_equal(search_index_add(ix, &c), 0);
	}
	assert_int_equal(search_index_close(ix, &err), 0);

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT body FROM docs"
					    " WHERE rowid > 2 ORDER BY rowid",
					    -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		stored_body(n++, raw, clean);
		assert_string_equal((const char *)sqlite3_column_text(st, 0),
				    clean);
	}
	sqlite3_finalize(st);
	assert_int_equal(n, NSTORED);
	v = query_text(db, "SELECT group_concat(key || '=' || doc, ',')"
			   " FROM keys");
	assert_non_null(v);
	assert_string_equal(v, "/alpha .html=2,/zeta.html=1,alpha=2,"
			       "zeta the last=1");
	free(v);
	sqlite3_close(db);
	free(path);
}

/* Same documents, same file; the temporary file never stays behind. */
static void test_search_index_reproducible_and_atomic(void **state)
{
	struct fixture *f = *state;
	char *a = path_join(f->dir, "a/" SEARCH_INDEX_NAME);
	char *b = path_join(f->dir, "b/" SEARCH_INDEX_NAME);
	char *adir = path_join(f->dir, "a"), *bdir = path_join(f->dir, "b");
	char *da, *db, *out, *errs, *err = NULL;
	size_t na, nb;
	struct search_index *ix;
	DIR *d;
	struct dirent *de;
	int entries = 0;

	assert_int_equal(mkdir_p(adir), 0);
	assert_int_equal(mkdir_p(bdir), 0);
	assert_int_equal(build_index(a, NDOCS), 0);
	assert_int_equal(build_index(b, NDOCS), 0);
	assert_int_equal(read_file(a, &da, &na), 0);
	assert_int_equal(read_file(b, &db, &nb), 0);
	assert_int_equal(na, nb);
	assert_memory_equal(da, db, na);
	free(da), free(db);

	/* A discarded build leaves the old index as it was and no
	 * temporary file. */
	assert_int_equal(search_index_open(&ix, a, &err), 0);
	assert_int_equal(search_index_add(ix, &docs[6]), 0);
	search_index_discard(ix);
	assert_int_equal(read_file(a, &da, &na), 0);
	assert_int_equal(na, nb);
	free(da);
	assert_non_null(d = opendir(adir));
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			entries++;
	closedir(d);
	assert_int_equal(entries, 1);

	/* A rebuild replaces the index: only Go remains. */
	assert_int_equal(search_index_open(&ix, a, &err), 0);
	assert_int_equal(search_index_add(ix, &docs[6]), 0);
	assert_int_equal(search_index_close(ix, &err), 0);
	assert_int_equal(run(a, &out, &errs, "gil", NULL), 1);
	free(out), free(errs);
	assert_int_equal(run(a, &out, &errs, "channel", NULL), 0);
	free(out), free(errs);

	/* An index of no pages is valid and finds nothing. */
	assert_int_equal(build_index(b, 0), 0);
	assert_int_equal(run(b, &out, &errs, "gil", NULL), 1);
	free(out), free(errs);

	/* An unwritable place is reported, not a crash. */
	assert_int_equal(search_index_open(&ix, "/nonexistent/dir/x.sqlite",
					   &err), -1);
	assert_non_null(err);
	assert_true(find(err, "/nonexistent/dir/") >= 0);
	free(err);
	free(a), free(b), free(adir), free(bdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_search_exact_title_first),
		cmocka_unit_test(test_search_title_tags_rank_above_body),
		cmocka_unit_test(test_search_prefix_last_word),
		cmocka_unit_test(test_search_mutex_finds_identifier),
		cmocka_unit_test(test_search_result_layout),
		cmocka_unit_test(test_search_filters),
		cmocka_unit_test(test_search_limit),
		cmocka_unit_test(test_search_json),
		cmocka_unit_test(test_search_human_output_is_utf8),
		cmocka_unit_test(test_search_any_word_fallback),
		cmocka_unit_test(test_search_question_words),
		cmocka_unit_test(test_search_answers),
		cmocka_unit_test(test_search_synonyms),
		cmocka_unit_test(test_search_typo_corrected),
		cmocka_unit_test(test_search_did_you_mean),
		cmocka_unit_test(test_search_odd_queries),
		cmocka_unit_test(test_search_long_query),
		cmocka_unit_test(test_search_empty_query),
		cmocka_unit_test(test_search_bad_command_line),
		cmocka_unit_test(test_search_no_index),
		cmocka_unit_test(test_search_color),
		cmocka_unit_test(test_search_index_reproducible_and_atomic),
		cmocka_unit_test(test_search_index_tokens_match_fts5),
		cmocka_unit_test(test_search_index_stored_text_and_keys),
	};
	return cmocka_run_group_tests_name("search", tests, setup, teardown);
}
