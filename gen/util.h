/*
 * util.h - memory, growable buffers, string lists and diagnostics shared by
 * every stage of kb.
 *
 * Ownership rule (as in libgit2): a pointer returned through an out-parameter
 * or documented as "caller frees" belongs to the caller; anything else is
 * borrowed from its parent and lives as long as the parent does.
 * Allocation failure is not recoverable: the x* functions print and abort().
 */
#ifndef KB_UTIL_H
#define KB_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define KB_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define KB_PRINTF(f, a)
#endif

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new string; caller frees. */
char *xasprintf(const char *fmt, ...) KB_PRINTF(1, 2);

/*
 * struct buf: a growable byte buffer, always NUL-terminated once initialised
 * with BUF_INIT (data is then never NULL). buf_detach() hands the memory to
 * the caller and re-initialises the buffer; buf_release() frees it.
 */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};
extern char buf_empty[];
#define BUF_INIT { buf_empty, 0, 0 }

void buf_init(struct buf *b);
void buf_grow(struct buf *b, size_t extra);
void buf_put(struct buf *b, const void *data, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, int c);
void buf_printf(struct buf *b, const char *fmt, ...) KB_PRINTF(2, 3);
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
void buf_truncate(struct buf *b, size_t len);
/* Append s[0..len) with HTML special characters (&<>"') escaped. s is a
 * C string, or a prefix of one (it may be read up to its NUL). */
void buf_put_html(struct buf *b, const char *s, size_t len);
/* s as XML text or attribute value: escaped as buf_put_html does, without
 * the control characters XML 1.0 forbids (below 0x20 but tab, newline and
 * carriage return), for the JUnit reports. */
void buf_put_xml(struct buf *b, const char *s);
/* Appends s as a quoted JSON string: '"' and '\\' escaped, control
 * characters as \n, \t or \u00XX; bytes >= 0x80 are copied (s should be
 * UTF-8). */
void buf_put_json(struct buf *b, const char *s);
char *buf_detach(struct buf *b);
void buf_release(struct buf *b);

/* struct strlist: a growable array of owned strings. */
struct strlist {
	char **items;
	size_t n;
	size_t cap;
};
#define STRLIST_INIT { NULL, 0, 0 }
/* Appends a copy of s. */
void strlist_push(struct strlist *l, const char *s);
/* Appends s itself; the list takes ownership. */
void strlist_push_owned(struct strlist *l, char *s);
int strlist_contains(const struct strlist *l, const char *s);
void strlist_sort(struct strlist *l);
void strlist_release(struct strlist *l);

/* Whole-file I/O. read_file returns 0 and a NUL-terminated buffer the caller
 * frees, or -1 with errno set. write_file creates parent directories. */
int read_file(const char *path, char **out, size_t *out_len);
int write_file(const char *path, const void *data, size_t len);
/* write_file into a temporary file beside path (named after the pid and a
 * counter, so concurrent writers do not meet), then rename() it over path:
 * readers see the old file or the new one, never a part. 0, or -1 with
 * errno set (the temporary file removed). */
int write_file_replace(const char *path, const void *data, size_t len);
int mkdir_p(const char *path);
/* rm -rf; returns 0 when the path is gone afterwards. */
int remove_tree(const char *path);

/* Path helpers; all return new strings the caller frees. */
char *path_join(const char *a, const char *b);
char *path_dirname(const char *path);
/* Normalise "a/./b/../c" to "a/c"; returns NULL if it climbs above its start. */
char *path_normalize(const char *path);
/* Relative URL prefix from a page at depth d (number of '/' in its path). */
char *path_up(int depth);

/* Lowercase ASCII slug: letters and digits kept, runs of anything else
 * become a single '-', no leading or trailing '-'. Caller frees. */
char *slugify(const char *s);

/* Levenshtein distance, for "did you mean" suggestions. */
size_t edit_distance(const char *a, const char *b);

/* The running executable's path (from /proc/self/exe), or NULL; caller
 * frees. */
char *self_path(void);
/* The number of online CPU cores, at least 1. */
int cpu_count(void);
/* Parses s as a decimal integer in [min, max] into *out. Returns 0, or -1
 * (and *out untouched) when s is empty, not a number, or out of range. */
int parse_int(const char *s, long min, long max, int *out);

/* Prints "kb: " and fmt (one %s for arg) then the usage text to stderr,
 * and returns 2, the exit status of a usage error. */
int usage_error(const char *usage, const char *fmt, const char *arg);

/* Prints "kb: " and err (a message from a function's char **err) to
 * stderr, frees err, and returns status. */
int report_error(char *err, int status);

/*
 * A hash map from byte strings (any bytes, of a given length) to size_t,
 * for indexes into the caller's arrays. Start from HMAP_INIT; the map
 * keeps its own copy of each key; hmap_release() frees it all (the
 * values are the caller's). Not thread-safe.
 */
struct hmap_node;
struct hmap {
	struct hmap_node **b;
	size_t nb, n;          /* buckets (a power of two), entries */
};
#define HMAP_INIT { NULL, 0, 0 }

/* Pointer to the value stored under key, or NULL; valid until the next
 * hmap_put() or hmap_del(). */
size_t *hmap_get(const struct hmap *m, const void *key, size_t len);
/* Stores val under key, replacing any old value. */
void hmap_put(struct hmap *m, const void *key, size_t len, size_t val);
/* Removes key, if there. */
void hmap_del(struct hmap *m, const void *key, size_t len);
void hmap_release(struct hmap *m);

/* Runs fn(i, arg) for every i in [0, n) on up to `jobs` threads (the
 * caller's among them), handing out indexes in small batches. */
void parallel_for(size_t n, int jobs, void (*fn)(size_t i, void *arg), void *arg);

/*
 * Diagnostics: compiler-style messages gathered during a run and reported in
 * one place, sorted by file and line, so that every error of a run is shown
 * before kb exits non-zero.
 *     content/topics/gil.md:3:7: error: unknown key 'tittle'
 */
enum diag_level { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE };
struct diag {
	enum diag_level level;
	char *file;  /* may be NULL for messages about no file */
	int line;    /* 0 when unknown */
	int col;     /* 0 when unknown */
	char *msg;
	unsigned seq; /* order of arrival, keeps the sort stable */
};
struct diags {
	struct diag *items;
	size_t n, cap;
	size_t errors, warnings;
};
#define DIAGS_INIT { NULL, 0, 0, 0, 0 }
void diag_add(struct diags *d, enum diag_level level, const char *file,
	      int line, int col, const char *fmt, ...) KB_PRINTF(6, 7);
void diag_vadd(struct diags *d, enum diag_level level, const char *file,
	       int line, int col, const char *fmt, va_list ap);
/* Thread-safe variant for stages that run in a pool. */
void diag_add_locked(struct diags *d, enum diag_level level, const char *file,
		     int line, int col, const char *fmt, ...) KB_PRINTF(6, 7);
/* Move every message of src to the end of dst; src is left empty. */
void diag_merge(struct diags *dst, struct diags *src);
/* Sorts the messages by file, line and column, messages about no file
 * first, keeping the order of arrival otherwise. */
void diag_sort(struct diags *d);
/* Sort and print every message to the stream ("file:line:col: level: msg"). */
void diag_print(struct diags *d, void *stream);
/* Format one message as it would be printed; caller frees. */
char *diag_format(const struct diag *g);
void diag_release(struct diags *d);
/* Writes the JUnit report in b to path and releases b; on failure adds
 * "cannot write the JUnit report" to d. 0, or -1. */
int write_junit_report(const char *path, struct buf *b, struct diags *d);

#endif
