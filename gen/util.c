/*
 * util.c - see util.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char buf_empty[1];

static void S_oom(void)
{
	fputs("kb: fatal: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		S_oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		S_oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		S_oom();
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return buf_detach(&b);
}

/* ---- struct buf ---- */

void buf_init(struct buf *b)
{
	b->data = buf_empty;
	b->len = b->cap = 0;
}

void buf_grow(struct buf *b, size_t extra)
{
	size_t want = b->len + extra + 1;
	if (want <= b->cap)
		return;
	/* Grow by 50% at least: amortised linear appends. */
	size_t cap = b->cap + b->cap / 2;
	if (cap < want)
		cap = want;
	if (cap < 64)
		cap = 64;
	if (b->cap == 0) {
		b->data = xmalloc(cap);
		b->data[0] = '\0';
	} else {
		b->data = xrealloc(b->data, cap);
	}
	b->cap = cap;
}

void buf_put(struct buf *b, const void *data, size_t len)
{
	if (!len)
		return;
	buf_grow(b, len);
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

void buf_putc(struct buf *b, int c)
{
	buf_grow(b, 1);
	b->data[b->len++] = (char)c;
	b->data[b->len] = '\0';
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n <= 0)
		return;
	buf_grow(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void buf_truncate(struct buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}

void buf_put_json(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c == '\n')
			buf_puts(b, "\\n");
		else if (c == '\t')
			buf_puts(b, "\\t");
		else if (c < 0x20 || c == 0x7f)
			buf_printf(b, "\\u%04x", c);
		else
			buf_putc(b, (char)c);
	}
	buf_putc(b, '"');
}

void buf_put_html(struct buf *b, const char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		/* Runs without a special character are copied whole: text is
		 * mostly such runs, and strcspn() finds their end fast. It
		 * also stops at a NUL, which is copied as it is. */
		size_t n = strcspn(s + i, "&<>\"'");
		if (n >= len - i) {
			buf_put(b, s + i, len - i);
			return;
		}
		buf_put(b, s + i, n);
		i += n;
		switch (s[i]) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&#39;"); break;
		default: buf_put(b, s + i, 1); break;
		}
		i++;
	}
}

void buf_put_xml(struct buf *b, const char *s)
{
	struct buf clean = BUF_INIT;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p >= 0x20 || *p == '\n' || *p == '\t' || *p == '\r')
			buf_putc(&clean, *p);
	buf_put_html(b, clean.data, clean.len);
	buf_release(&clean);
}

char *buf_detach(struct buf *b)
{
	char *p = b->cap ? b->data : xstrdup("");
	buf_init(b);
	return p;
}

void buf_release(struct buf *b)
{
	if (b->cap)
		free(b->data);
	buf_init(b);
}

/* ---- struct strlist ---- */

void strlist_push_owned(struct strlist *l, char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->items = xrealloc(l->items, l->cap * sizeof(*l->items));
	}
	l->items[l->n++] = s;
}

void strlist_push(struct strlist *l, const char *s)
{
	strlist_push_owned(l, xstrdup(s));
}

int strlist_contains(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->items[i], s))
			return 1;
	return 0;
}

static int S_strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void strlist_sort(struct strlist *l)
{
	if (l->n > 1)
		qsort(l->items, l->n, sizeof(*l->items), S_strcmp_p);
}

void strlist_release(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = l->cap = 0;
}

/* ---- files ---- */

int read_file(const char *path, char **out, size_t *out_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct buf b = BUF_INIT;
	struct stat st;
	size_t chunk = 65536;
	int regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	if (regular) {
		/* Exactly the file's size, plus one byte to see the end. */
		buf_grow(&b, (size_t)st.st_size + 1);
		chunk = 4096;
	}
	for (;;) {
		if (b.cap - b.len - 1 == 0 || b.cap == 0)
			buf_grow(&b, chunk);
		ssize_t n = read(fd, b.data + b.len, b.cap - b.len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			buf_release(&b);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		size_t asked = b.cap - b.len - 1;
		b.len += (size_t)n;
		b.data[b.len] = '\0';
		/* A regular file reads short only at its end: no second
		 * read() to be told so. */
		if (regular && (size_t)n < asked)
			break;
	}
	close(fd);
	if (out_len)
		*out_len = b.len;
	*out = buf_detach(&b);
	return 0;
}

int mkdir_p(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	int rc = (mkdir(p, 0777) < 0 && errno != EEXIST) ? -1 : 0;
	free(p);
	return rc;
}

int write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0 && errno == ENOENT) {
		char *dir = path_dirname(path);
		int rc = mkdir_p(dir);
		free(dir);
		if (rc < 0)
			return -1;
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	}
	if (fd < 0)
		return -1;
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return close(fd);
}

int write_file_replace(const char *path, const void *data, size_t len)
{
	static unsigned seq;
	char *tmp = xasprintf("%s.%ld.%u.tmp", path, (long)getpid(),
			      __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	int rc = write_file(tmp, data, len);
	if (rc == 0)
		rc = rename(tmp, path);
	if (rc < 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
	}
	free(tmp);
	return rc;
}

static int S_rm_one(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

int remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	/* Make sure we can descend into read-only directories left behind. */
	return nftw(path, S_rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

/* ---- paths ---- */

char *path_join(const char *a, const char *b)
{
	if (!*a || *b == '/')
		return xstrdup(b);
	size_t la = strlen(a);
	return xasprintf("%s%s%s", a, a[la - 1] == '/' ? "" : "/", b);
}

char *path_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

char *path_normalize(const char *path)
{
	/* One pass into one buffer: the result is never longer than path. */
	size_t len = strlen(path), o = 0;
	char *out = xmalloc(len + 1);
	const char *p = path;
	if (*p == '/')
		out[o++] = '/';
	size_t base = o;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* skip */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (o == base) {
				free(out);
				return NULL;
			}
			while (o > base && out[o - 1] != '/')
				o--;
			if (o > base)
				o--; /* and the '/' before the dropped part */
		} else {
			if (o > base)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
		if (*p == '/')
			p++;
	}
	out[o] = '\0';
	return out;
}

char *path_up(int depth)
{
	struct buf b = BUF_INIT;
	for (int i = 0; i < depth; i++)
		buf_puts(&b, "../");
	return buf_detach(&b);
}

char *slugify(const char *s)
{
	struct buf b = BUF_INIT;
	int dash = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || *p == '_') {
			if (dash && b.len)
				buf_putc(&b, '-');
			dash = 0;
			buf_putc(&b, tolower(*p));
		} else if (*p >= 0x80) {
			/* Keep UTF-8 letters as they are: GitHub does the same. */
			if (dash && b.len)
				buf_putc(&b, '-');
			dash = 0;
			buf_putc(&b, *p);
		} else {
			dash = 1;
		}
	}
	return buf_detach(&b);
}

size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *row = xmalloc((lb + 1) * sizeof(*row));
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t best = prev + cost;
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	size_t d = row[lb];
	free(row);
	return d;
}

char *self_path(void)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return NULL;
	self[n] = '\0';
	return xstrdup(self);
}

int cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

int parse_int(const char *s, long min, long max, int *out)
{
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (!*s || *end || errno || n < min || n > max)
		return -1;
	*out = (int)n;
	return 0;
}

int usage_error(const char *usage, const char *fmt, const char *arg)
{
	fputs("kb: ", stderr);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage);
	return 2;
}

int report_error(char *err, int status)
{
	fprintf(stderr, "kb: %s\n", err ? err : "unknown error");
	free(err);
	return status;
}

/* ---- hmap ---- */

struct hmap_node {
	struct hmap_node *next;
	uint64_t hash;
	size_t len;
	size_t val;
	char key[];
};


static uint64_t S_fnv1a(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static struct hmap_node **S_hmap_slot(const struct hmap *m, const void *key,
				  size_t len, uint64_t h)
{
	struct hmap_node **pp = &m->b[h & (m->nb - 1)];
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == h && (*pp)->len == len &&
		    memcmp((*pp)->key, key, len) == 0)
			break;
	return pp;
}

size_t *hmap_get(const struct hmap *m, const void *key, size_t len)
{
	if (!m->nb)
		return NULL;
	struct hmap_node *n = *S_hmap_slot(m, key, len, S_fnv1a(key, len));
	return n ? &n->val : NULL;
}

static void S_hmap_grow(struct hmap *m)
{
	size_t nb = m->nb ? m->nb * 2 : 1024;
	struct hmap_node **b = xcalloc(nb, sizeof(*b));
	for (size_t i = 0; i < m->nb; i++) {
		struct hmap_node *n = m->b[i], *next;
		for (; n; n = next) {
			next = n->next;
			n->next = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	}
	free(m->b);
	m->b = b;
	m->nb = nb;
}

void hmap_put(struct hmap *m, const void *key, size_t len, size_t val)
{
	if (m->n >= m->nb)
		S_hmap_grow(m);
	uint64_t h = S_fnv1a(key, len);
	struct hmap_node **pp = S_hmap_slot(m, key, len, h);
	if (!*pp) {
		*pp = xmalloc(sizeof(**pp) + len + 1);
		(*pp)->next = NULL;
		(*pp)->hash = h;
		(*pp)->len = len;
		memcpy((*pp)->key, key, len);
		(*pp)->key[len] = '\0';
		m->n++;
	}
	(*pp)->val = val;
}

void hmap_del(struct hmap *m, const void *key, size_t len)
{
	if (!m->nb)
		return;
	struct hmap_node **pp = S_hmap_slot(m, key, len, S_fnv1a(key, len));
	if (*pp) {
		struct hmap_node *n = *pp;
		*pp = n->next;
		free(n);
		m->n--;
	}
}

void hmap_release(struct hmap *m)
{
	for (size_t i = 0; i < m->nb; i++) {
		struct hmap_node *n = m->b[i], *next;
		for (; n; n = next) {
			next = n->next;
			free(n);
		}
	}
	free(m->b);
	memset(m, 0, sizeof(*m));
}

/* ---- parallel_for ---- */

struct pf {
	size_t n;
	size_t next;
	size_t batch;
	pthread_mutex_t lock;
	void (*fn)(size_t, void *);
	void *arg;
};

static void *S_worker(void *p)
{
	struct pf *pf = p;
	for (;;) {
		pthread_mutex_lock(&pf->lock);
		size_t i = pf->next;
		size_t end = i + pf->batch < pf->n ? i + pf->batch : pf->n;
		pf->next = end;
		pthread_mutex_unlock(&pf->lock);
		if (i >= pf->n)
			return NULL;
		for (; i < end; i++)
			pf->fn(i, pf->arg);
	}
}

void parallel_for(size_t n, int jobs, void (*fn)(size_t i, void *arg), void *arg)
{
	if (jobs < 1)
		jobs = 1;
	if ((size_t)jobs > n)
		jobs = n ? (int)n : 1;
	/* Items go out in small batches (cheap items, little contention),
	 * but never so big that a worker is left without any: with few
	 * items, one at a time. */
	size_t batch = n / ((size_t)jobs * 8);
	batch = batch < 1 ? 1 : batch > 16 ? 16 : batch;
	struct pf pf = { n, 0, batch, PTHREAD_MUTEX_INITIALIZER, fn, arg };
	pthread_t *th = xmalloc((size_t)jobs * sizeof(*th));
	int started = 0;
	/* The calling thread is a worker too; a thread that cannot be
	 * started only means less parallelism. */
	for (int i = 1; i < jobs; i++)
		if (pthread_create(&th[started], NULL, S_worker, &pf) == 0)
			started++;
	S_worker(&pf);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(th);
}

/* ---- diagnostics ---- */

static unsigned diag_seq;
static pthread_mutex_t diag_lock = PTHREAD_MUTEX_INITIALIZER;

void diag_vadd(struct diags *d, enum diag_level level, const char *file,
	       int line, int col, const char *fmt, va_list ap)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->items = xrealloc(d->items, d->cap * sizeof(*d->items));
	}
	struct diag *g = &d->items[d->n++];
	struct buf b = BUF_INIT;
	buf_vprintf(&b, fmt, ap);
	g->level = level;
	g->file = file ? xstrdup(file) : NULL;
	g->line = line;
	g->col = col;
	g->msg = buf_detach(&b);
	g->seq = __atomic_fetch_add(&diag_seq, 1, __ATOMIC_RELAXED);
	if (level == DIAG_ERROR)
		d->errors++;
	else if (level == DIAG_WARNING)
		d->warnings++;
}

void diag_add(struct diags *d, enum diag_level level, const char *file,
	      int line, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vadd(d, level, file, line, col, fmt, ap);
	va_end(ap);
}

void diag_add_locked(struct diags *d, enum diag_level level, const char *file,
		     int line, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&diag_lock);
	diag_vadd(d, level, file, line, col, fmt, ap);
	pthread_mutex_unlock(&diag_lock);
	va_end(ap);
}

void diag_merge(struct diags *dst, struct diags *src)
{
	for (size_t i = 0; i < src->n; i++) {
		if (dst->n == dst->cap) {
			dst->cap = dst->cap ? dst->cap * 2 : 16;
			dst->items = xrealloc(dst->items, dst->cap * sizeof(*dst->items));
		}
		dst->items[dst->n++] = src->items[i];
	}
	dst->errors += src->errors;
	dst->warnings += src->warnings;
	free(src->items);
	src->items = NULL;
	src->n = src->cap = src->errors = src->warnings = 0;
}

static int S_diag_cmp(const void *pa, const void *pb)
{
	const struct diag *a = pa, *b = pb;
	if (!a->file != !b->file)
		return a->file ? 1 : -1; /* global messages first */
	if (a->file) {
		int c = strcmp(a->file, b->file);
		if (c)
			return c;
		if (a->line != b->line)
			return a->line < b->line ? -1 : 1;
		if (a->col != b->col)
			return a->col < b->col ? -1 : 1;
	}
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

char *diag_format(const struct diag *g)
{
	static const char *names[] = { "error", "warning", "note" };
	struct buf b = BUF_INIT;
	if (g->file) {
		buf_puts(&b, g->file);
		if (g->line) {
			buf_printf(&b, ":%d", g->line);
			if (g->col)
				buf_printf(&b, ":%d", g->col);
		}
		buf_puts(&b, ": ");
	} else {
		buf_puts(&b, "kb: ");
	}
	buf_printf(&b, "%s: %s", names[g->level], g->msg);
	return buf_detach(&b);
}

void diag_sort(struct diags *d)
{
	if (d->n > 1)
		qsort(d->items, d->n, sizeof(*d->items), S_diag_cmp);
}

void diag_print(struct diags *d, void *stream)
{
	diag_sort(d);
	for (size_t i = 0; i < d->n; i++) {
		char *s = diag_format(&d->items[i]);
		fprintf(stream, "%s\n", s);
		free(s);
	}
}

void diag_release(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->items[i].file);
		free(d->items[i].msg);
	}
	free(d->items);
	d->items = NULL;
	d->n = d->cap = d->errors = d->warnings = 0;
}

int write_junit_report(const char *path, struct buf *b, struct diags *d)
{
	int rc = write_file(path, b->data, b->len);
	if (rc < 0)
		diag_add(d, DIAG_ERROR, path, 0, 0, "cannot write the JUnit report: %s",
			 strerror(errno));
	buf_release(b);
	return rc < 0 ? -1 : 0;
}
