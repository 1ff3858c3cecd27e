/*
 * serve.c - see serve.h.
 */
#include "serve.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "pipeline.h"
#include "util.h"

#define S_OCTET "application/octet-stream"
#define S_HTML "text/html; charset=utf-8"
#define S_PLAIN "text/plain; charset=utf-8"
#define S_JS "text/javascript; charset=utf-8"

/* ---- request paths ---- */

static int S_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Percent-decodes s. Returns a new string (caller frees), or NULL on a
 * malformed escape or an escaped NUL byte. */
static char *S_decode(const char *s)
{
	struct buf b = BUF_INIT;
	for (; *s; s++) {
		if (*s != '%') {
			buf_putc(&b, *s);
			continue;
		}
		int hi = S_hex(s[1]), lo = hi < 0 ? -1 : S_hex(s[2]);
		if (lo < 0 || (hi == 0 && lo == 0)) {
			buf_release(&b);
			return NULL;
		}
		buf_putc(&b, hi * 16 + lo);
		s += 2;
	}
	return buf_detach(&b);
}

/* root followed by the segments of the decoded path, empty and "."
 * segments dropped. Returns a new string (caller frees), or NULL when a
 * segment is "..". */
static char *S_join_segments(const char *root, const char *path)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, root);
	while (*path) {
		const char *end = strchrnul(path, '/');
		size_t n = (size_t)(end - path);
		if (n == 2 && path[0] == '.' && path[1] == '.') {
			buf_release(&b);
			return NULL;
		}
		if (n && !(n == 1 && path[0] == '.')) {
			buf_putc(&b, '/');
			buf_put(&b, path, n);
		}
		path = *end ? end + 1 : end;
	}
	return buf_detach(&b);
}

/* Whether the real path path is root itself or inside it. */
static int S_inside(const char *root, const char *path)
{
	size_t n = strlen(root);
	if (n == 1 && root[0] == '/')
		return 1;
	return !strncmp(path, root, n) && (path[n] == '\0' || path[n] == '/');
}

/* The real path of the regular file path, when it is inside root; NULL
 * otherwise. Caller frees. */
static char *S_real_file(const char *root, const char *path)
{
	struct stat sb;
	char *real = realpath(path, NULL);
	if (real && S_inside(root, real) && stat(real, &sb) == 0 && S_ISREG(sb.st_mode))
		return real;
	free(real);
	return NULL;
}

int serve_resolve(const char *root, const char *url_path, char **out_path)
{
	char *real_root = NULL, *decoded = NULL, *joined = NULL, *real = NULL;
	struct stat sb;
	int rc = -1;
	*out_path = NULL;
	if (!url_path || url_path[0] != '/')
		return -1;
	int slash = url_path[strlen(url_path) - 1] == '/';
	if (!(real_root = realpath(root, NULL)) || !(decoded = S_decode(url_path)) ||
	    !(joined = S_join_segments(real_root, decoded)) ||
	    !(real = realpath(joined, NULL)) || !S_inside(real_root, real) ||
	    stat(real, &sb) < 0)
		goto done;
	if (S_ISDIR(sb.st_mode)) {
		char *index = path_join(real, "index.html");
		*out_path = S_real_file(real_root, index);
		free(index);
		if (*out_path)
			rc = slash ? 0 : 1;
	} else if (S_ISREG(sb.st_mode) && !slash) {
		*out_path = real;
		real = NULL;
		rc = 0;
	}
done:
	free(real_root);
	free(decoded);
	free(joined);
	free(real);
	return rc;
}

/* ---- content types ---- */

static const struct {
	const char *ext;
	const char *type;
} S_types[] = {
	{ "html", S_HTML },
	{ "htm", S_HTML },
	{ "css", "text/css; charset=utf-8" },
	{ "js", S_JS },
	{ "mjs", S_JS },
	{ "json", "application/json" },
	{ "xml", "application/xml" },
	{ "atom", "application/atom+xml" },
	{ "svg", "image/svg+xml" },
	{ "png", "image/png" },
	{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },
	{ "gif", "image/gif" },
	{ "webp", "image/webp" },
	{ "ico", "image/x-icon" },
	{ "wasm", "application/wasm" },
	{ "woff2", "font/woff2" },
	{ "woff", "font/woff" },
	{ "txt", S_PLAIN },
	{ "sqlite", S_OCTET },
	/* Pagefind's index: binary files its script fetches. */
	{ "pf_meta", S_OCTET },
	{ "pf_index", S_OCTET },
	{ "pf_fragment", S_OCTET },
	{ "pagefind", S_OCTET },
};

const char *serve_content_type(const char *path)
{
	const char *base = strrchr(path, '/');
	const char *dot = strrchr(base ? base : path, '.');
	if (!dot)
		return S_OCTET;
	for (size_t i = 0; i < sizeof(S_types) / sizeof(S_types[0]); i++)
		if (!strcasecmp(dot + 1, S_types[i].ext))
			return S_types[i].type;
	return S_OCTET;
}

/* ---- live reload script ---- */

static const char S_tag[] = "<script src=\"" SERVE_SCRIPT_PATH "\"></script>\n";

/* Reloads on "reload"; shows the text of "errors" in an overlay. The text
 * goes in through textContent, so it is never parsed as HTML. */
static const char S_script[] =
	"/* kb serve: live reload; not part of the built site. */\n"
	"(function () {\n"
	"  if (!window.EventSource) return;\n"
	"  var events = new EventSource(\"" SERVE_EVENTS_PATH "\");\n"
	"  events.addEventListener(\"reload\", function () { location.reload(); });\n"
	"  events.addEventListener(\"errors\", function (e) {\n"
	"    var box = document.getElementById(\"kb-serve-errors\");\n"
	"    if (!box) {\n"
	"      box = document.createElement(\"pre\");\n"
	"      box.id = \"kb-serve-errors\";\n"
	"      box.setAttribute(\"role\", \"alert\");\n"
	"      box.title = \"Click to hide\";\n"
	"      box.style.cssText = \"position:fixed;left:0;right:0;bottom:0;max-height:60vh;\" +\n"
	"        \"overflow:auto;margin:0;padding:1em 1.5em;z-index:2147483647;\" +\n"
	"        \"background:#2b0b0b;color:#ffdede;border-top:4px solid #e5484d;\" +\n"
	"        \"font:13px/1.5 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap\";\n"
	"      box.addEventListener(\"click\", function () { box.hidden = true; });\n"
	"      document.body.appendChild(box);\n"
	"    }\n"
	"    box.hidden = false;\n"
	"    box.textContent = \"kb build failed; this is the last good build.\\n\\n\" + e.data;\n"
	"  });\n"
	"})();\n";

/* Where a tag goes: before the last "</body" (case-insensitive), or at the
 * end. */
static size_t S_body_end(const char *html, size_t len)
{
	size_t at = len;
	for (size_t i = 0; i + 6 <= len; i++)
		if (!strncasecmp(html + i, "</body", 6))
			at = i;
	return at;
}

char *serve_inject(const char *html, size_t len, size_t *out_len)
{
	struct buf b = BUF_INIT;
	size_t at = S_body_end(html, len);
	buf_put(&b, html, at);
	buf_puts(&b, S_tag);
	buf_put(&b, html + at, len - at);
	*out_len = b.len;
	return buf_detach(&b);
}

/* The 404 page is served at any depth: <base href="/"> after <head> makes
 * its relative links point into the site root, where it lives. */
static void S_inject_base(struct buf *b)
{
	for (size_t i = 0; i + 6 <= b->len; i++) {
		if (strncasecmp(b->data + i, "<head>", 6))
			continue;
		struct buf out = BUF_INIT;
		buf_put(&out, b->data, i + 6);
		buf_puts(&out, "<base href=\"/\">");
		buf_put(&out, b->data + i + 6, b->len - i - 6);
		buf_release(b);
		*b = out;
		return;
	}
}

/* ---- the server ---- */

struct serve_server {
	struct MHD_Daemon *daemon;
	char *root;              /* the site folder, as given */
	unsigned port;
	pthread_mutex_t lock;    /* guards gen, errors, stopping */
	pthread_cond_t cond;     /* broadcast when gen changes or on stop */
	unsigned long gen;       /* bumped by every notification */
	char *errors;            /* the last failed build's messages, or NULL */
	int stopping;
};

/* One open /__kb/events stream. */
struct S_client {
	struct serve_server *s;
	unsigned long gen;       /* the notification it has seen */
	int started;
	struct buf out;          /* the bytes being sent */
	size_t off;
};

/* An "errors" event: one "data:" line per line of text. */
static void S_put_errors(struct buf *b, const char *text)
{
	buf_puts(b, "event: errors\n");
	while (*text) {
		size_t n = strcspn(text, "\r\n");
		buf_puts(b, "data: ");
		buf_put(b, text, n);
		buf_putc(b, '\n');
		text += n;
		if (*text == '\r' && text[1] == '\n')
			text++;
		if (*text)
			text++;
	}
	buf_putc(b, '\n');
}

/* Fills c->out with what the stream sends next, waiting up to 15 s for a
 * notification (then a comment keeps the connection alive). Returns -1
 * when the server stops. */
static int S_client_next(struct S_client *c)
{
	struct serve_server *s = c->s;
	int rc = 0;
	pthread_mutex_lock(&s->lock);
	if (!c->started) {
		c->started = 1;
		buf_puts(&c->out, "retry: 1000\n\n");
		if (s->errors && c->gen == s->gen)
			S_put_errors(&c->out, s->errors);
		goto done;
	}
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += 15;
	while (!s->stopping && c->gen == s->gen)
		if (pthread_cond_timedwait(&s->cond, &s->lock, &until) == ETIMEDOUT)
			break;
	if (s->stopping) {
		rc = -1;
	} else if (c->gen != s->gen) {
		c->gen = s->gen;
		if (s->errors)
			S_put_errors(&c->out, s->errors);
		else
			buf_puts(&c->out, "event: reload\ndata: reload\n\n");
	} else {
		buf_puts(&c->out, ": ping\n\n");
	}
done:
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static ssize_t S_events_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct S_client *c = cls;
	(void)pos;
	if (c->off == c->out.len) {
		buf_truncate(&c->out, 0);
		c->off = 0;
		if (S_client_next(c) < 0)
			return MHD_CONTENT_READER_END_OF_STREAM;
	}
	size_t n = c->out.len - c->off;
	if (n > max)
		n = max;
	memcpy(buf, c->out.data + c->off, n);
	c->off += n;
	return (ssize_t)n;
}

static void S_events_free(void *cls)
{
	struct S_client *c = cls;
	buf_release(&c->out);
	free(c);
}

/* Queues r (NULL: fail the connection) with the headers every answer
 * carries, and drops our reference. */
static enum MHD_Result S_queue(struct MHD_Connection *conn, unsigned status,
			       struct MHD_Response *r, const char *type)
{
	if (!r)
		return MHD_NO;
	if (type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static struct MHD_Response *S_static(const char *text)
{
	return MHD_create_response_from_buffer(strlen(text), (void *)text,
					       MHD_RESPMEM_PERSISTENT);
}

/* An HTML page from memory, with the live-reload tag (b is consumed). */
static struct MHD_Response *S_html(struct buf *b)
{
	size_t len;
	char *page = serve_inject(b->data, b->len, &len);
	buf_release(b);
	return MHD_create_response_from_buffer(len, page, MHD_RESPMEM_MUST_FREE);
}

static int S_read_fd(int fd, struct buf *b)
{
	char chunk[65536];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_put(b, chunk, (size_t)n);
	return n < 0 ? -1 : 0;
}

/* Answers with the file path (a real path from serve_resolve). Returns
 * -1, queuing nothing, when it cannot be opened. */
static int S_file(struct MHD_Connection *conn, unsigned status, const char *path,
		  enum MHD_Result *ret)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	const char *type = serve_content_type(path);
	if (strcmp(type, S_HTML)) {
		/* MHD owns fd from here, also on failure */
		*ret = S_queue(conn, status,
			       MHD_create_response_from_fd64((uint64_t)sb.st_size, fd), type);
		return 0;
	}
	struct buf b = BUF_INIT;
	int rc = S_read_fd(fd, &b);
	close(fd);
	if (rc < 0) {
		buf_release(&b);
		return -1;
	}
	if (status == MHD_HTTP_NOT_FOUND)
		S_inject_base(&b);
	*ret = S_queue(conn, status, S_html(&b), type);
	return 0;
}

static const char S_no_site[] =
	"<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
	"<title>kb serve</title></head>\n<body>\n"
	"<p>There is no site to show yet: the build failed. Fix the errors and "
	"save; this page reloads by itself.</p>\n</body>\n</html>\n";

/* The site's 404.html with status 404; a note when there is no site. */
static enum MHD_Result S_not_found(struct serve_server *s, struct MHD_Connection *conn)
{
	enum MHD_Result ret = MHD_NO;
	char *path = NULL;
	struct stat sb;
	if (serve_resolve(s->root, "/404.html", &path) == 0 &&
	    S_file(conn, MHD_HTTP_NOT_FOUND, path, &ret) == 0) {
		free(path);
		return ret;
	}
	free(path);
	if (stat(s->root, &sb) < 0) {
		struct buf b = BUF_INIT;
		buf_puts(&b, S_no_site);
		return S_queue(conn, MHD_HTTP_NOT_FOUND, S_html(&b), S_HTML);
	}
	return S_queue(conn, MHD_HTTP_NOT_FOUND, S_static("404 not found\n"), S_PLAIN);
}

static enum MHD_Result S_events(struct serve_server *s, struct MHD_Connection *conn)
{
	struct S_client *c = xcalloc(1, sizeof(*c));
	buf_init(&c->out);
	c->s = s;
	pthread_mutex_lock(&s->lock);
	c->gen = s->gen;
	pthread_mutex_unlock(&s->lock);
	struct MHD_Response *r = MHD_create_response_from_callback(
		MHD_SIZE_UNKNOWN, 1024, S_events_read, c, S_events_free);
	if (!r) {
		S_events_free(c);
		return MHD_NO;
	}
	return S_queue(conn, MHD_HTTP_OK, r, "text/event-stream");
}

static enum MHD_Result S_redirect(struct MHD_Connection *conn, const char *url)
{
	struct MHD_Response *r = S_static("");
	char *to = xasprintf("%s/", url);
	if (r)
		MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, to);
	free(to);
	return S_queue(conn, MHD_HTTP_MOVED_PERMANENTLY, r, S_PLAIN);
}

static enum MHD_Result S_handle(void *cls, struct MHD_Connection *conn,
				const char *url, const char *method,
				const char *version, const char *upload_data,
				size_t *upload_data_size, void **req_cls)
{
	struct serve_server *s = cls;
	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		struct MHD_Response *r = S_static("405 method not allowed\n");
		if (r)
			MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
		return S_queue(conn, MHD_HTTP_METHOD_NOT_ALLOWED, r, S_PLAIN);
	}
	if (!strcmp(url, SERVE_EVENTS_PATH))
		return S_events(s, conn);
	if (!strcmp(url, SERVE_SCRIPT_PATH))
		return S_queue(conn, MHD_HTTP_OK, S_static(S_script), S_JS);
	char *path = NULL;
	enum MHD_Result ret = MHD_NO;
	int rc = serve_resolve(s->root, url, &path);
	if (rc == 1) {
		free(path);
		return S_redirect(conn, url);
	}
	if (rc == 0 && S_file(conn, MHD_HTTP_OK, path, &ret) == 0) {
		free(path);
		return ret;
	}
	free(path);
	return S_not_found(s, conn);
}

/* Leaves the request path as sent, so that serve_resolve sees "%2e%2e"
 * and "%00" and decides about them itself. */
static size_t S_no_unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	(void)cls;
	(void)conn;
	return strlen(s);
}

/* A listening TCP socket on addr:port; -1 and *err on failure. */
static int S_listen(const char *addr, unsigned port, int *ipv6, unsigned *bound, char **err)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	memset(&ss, 0, sizeof(ss));
	*ipv6 = 0;
	if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		len = sizeof(*v4);
	} else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		len = sizeof(*v6);
		*ipv6 = 1;
	} else {
		*err = xasprintf("'%s' is not an IP address", addr);
		return -1;
	}
	int one = 1, fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		*err = xasprintf("cannot listen on %s port %u: %s", addr, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*bound = ntohs(*ipv6 ? v6->sin6_port : v4->sin_port);
	return fd;
}

int serve_start(struct serve_server **out, const char *root, const char *addr,
		unsigned port, char **err)
{
	int ipv6;
	unsigned bound;
	*out = NULL;
	*err = NULL;
	int fd = S_listen(addr, port, &ipv6, &bound, err);
	if (fd < 0)
		return -1;
	struct serve_server *s = xcalloc(1, sizeof(*s));
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&s->lock, NULL);
	s->root = xstrdup(root);
	s->port = bound;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_ITC | (ipv6 ? MHD_USE_IPv6 : 0);
	s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, S_handle, s,
				     MHD_OPTION_LISTEN_SOCKET, fd,
				     MHD_OPTION_UNESCAPE_CALLBACK, S_no_unescape, NULL,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
				     MHD_OPTION_END);
	if (!s->daemon) {
		*err = xasprintf("cannot start the HTTP server on %s port %u", addr, bound);
		close(fd);
		serve_stop(s);
		return -1;
	}
	*out = s;
	return 0;
}

unsigned serve_port(const struct serve_server *s)
{
	return s->port;
}

static void S_notify(struct serve_server *s, const char *errors)
{
	pthread_mutex_lock(&s->lock);
	free(s->errors);
	s->errors = errors ? xstrdup(errors) : NULL;
	s->gen++;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

void serve_notify_reload(struct serve_server *s)
{
	S_notify(s, NULL);
}

void serve_notify_errors(struct serve_server *s, const char *text)
{
	S_notify(s, text && *text ? text : "the build failed");
}

void serve_stop(struct serve_server *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = 1;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	if (s->daemon)
		MHD_stop_daemon(s->daemon);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s->errors);
	free(s->root);
	free(s);
}

/* ---- watching the sources ---- */

/* In each watched folder: what changes a build's input. */
#define S_TREE_MASK (IN_CREATE | IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_FROM | \
		     IN_MOVED_TO | IN_ONLYDIR)

/* What kb build reads, at the top of the project. */
static const char *const S_inputs[] = { "content", "snippets", "templates", "kb.lua" };

struct S_watch {
	int wd;
	char *path;
};

struct S_watcher {
	int fd;                  /* inotify, or -1 */
	struct S_watch *items;   /* one per watched folder */
	size_t n, cap;
};

static void S_watch_set(struct S_watcher *w, int wd, const char *path)
{
	for (size_t i = 0; i < w->n; i++) {
		if (w->items[i].wd == wd) {
			free(w->items[i].path);
			w->items[i].path = xstrdup(path);
			return;
		}
	}
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 16;
		w->items = xrealloc(w->items, w->cap * sizeof(*w->items));
	}
	w->items[w->n].wd = wd;
	w->items[w->n++].path = xstrdup(path);
}

static const char *S_watch_path(const struct S_watcher *w, int wd)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->items[i].wd == wd)
			return w->items[i].path;
	return NULL;
}

static void S_watch_drop(struct S_watcher *w, int wd)
{
	for (size_t i = 0; i < w->n; i++) {
		if (w->items[i].wd == wd) {
			free(w->items[i].path);
			w->items[i] = w->items[--w->n];
			return;
		}
	}
}

/* Editor droppings that change no input: dot files (swap files, locks),
 * backups and vim's write test. */
static int S_ignored(const char *name)
{
	size_t n = strlen(name);
	return name[0] == '.' || name[0] == '#' || !strcmp(name, "4913") ||
	       (n && name[n - 1] == '~');
}

/* Watches dir and every folder below it (symlinks not followed). */
static void S_watch_tree(struct S_watcher *w, const char *dir)
{
	int wd = inotify_add_watch(w->fd, dir, S_TREE_MASK);
	if (wd < 0) {
		fprintf(stderr, "kb: warning: cannot watch %s: %s\n", dir, strerror(errno));
		return;
	}
	S_watch_set(w, wd, dir);
	DIR *dp = opendir(dir);
	if (!dp)
		return;
	struct dirent *de;
	while ((de = readdir(dp))) {
		struct stat sb;
		if (S_ignored(de->d_name))
			continue;
		char *p = path_join(dir, de->d_name);
		if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
			S_watch_tree(w, p);
		free(p);
	}
	closedir(dp);
}

static int S_is_input(const char *name)
{
	for (size_t i = 0; i < sizeof(S_inputs) / sizeof(S_inputs[0]); i++)
		if (!strcmp(name, S_inputs[i]))
			return 1;
	return 0;
}

/* The project folder (for kb.lua, and the input folders appearing) and
 * each input folder's tree. */
static void S_watch_all(struct S_watcher *w)
{
	int wd = inotify_add_watch(w->fd, ".", S_TREE_MASK);
	if (wd >= 0)
		S_watch_set(w, wd, ".");
	for (size_t i = 0; i < sizeof(S_inputs) / sizeof(S_inputs[0]); i++) {
		struct stat sb;
		if (lstat(S_inputs[i], &sb) == 0 && S_ISDIR(sb.st_mode))
			S_watch_tree(w, S_inputs[i]);
	}
}

/* Handles one event; returns 1 when it calls for a rebuild. */
static int S_watch_event(struct S_watcher *w, const struct inotify_event *ev)
{
	if (ev->mask & IN_Q_OVERFLOW) {
		S_watch_all(w);
		return 1;
	}
	if (ev->mask & IN_IGNORED) {
		S_watch_drop(w, ev->wd);
		return 0;
	}
	const char *dir = S_watch_path(w, ev->wd);
	if (!dir || !ev->len)
		return 0;
	int top = !strcmp(dir, ".");
	if (top ? !S_is_input(ev->name) : S_ignored(ev->name))
		return 0;
	if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO))) {
		char *p = top ? xstrdup(ev->name) : path_join(dir, ev->name);
		S_watch_tree(w, p);
		free(p);
	}
	return 1;
}

/* Reads every pending event; returns 1 when one calls for a rebuild. */
static int S_watch_read(struct S_watcher *w)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	int changed = 0;
	ssize_t n;
	while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			changed |= S_watch_event(w, ev);
			p += sizeof(*ev) + ev->len;
		}
	}
	return changed;
}

static void S_watch_release(struct S_watcher *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->items[i].path);
	free(w->items);
	if (w->fd >= 0)
		close(w->fd);
}

/* ---- kb serve ---- */

struct S_opts {
	const char *out;
	const char *bind;
	unsigned port;
};

static const char serve_usage[] =
	"usage: kb serve [--port P] [--bind ADDR] [--out DIR]\n"
	"\n"
	"Builds the site, serves it at http://127.0.0.1:8000/ and rebuilds it when\n"
	"content/, snippets/, templates/ or kb.lua change: open pages reload by\n"
	"themselves, or show the errors of a failed build over the last good one.\n"
	"\n"
	"  -p, --port P     listen on port P (default: 8000; 0: any free port)\n"
	"  -b, --bind ADDR  listen on the IP address ADDR instead of 127.0.0.1,\n"
	"                   e.g. 0.0.0.0 (anyone who can reach it reads the site)\n"
	"  -o, --out DIR    build into and serve DIR (default: site)\n"
	"  -h, --help       show this help\n"
	"\n"
	"Stop with Ctrl-C. Exit status: 0 stopped, 1 cannot build or listen,\n"
	"2 usage error.\n";

static double S_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int S_is_loopback(const char *addr)
{
	return !strncmp(addr, "127.", 4) || !strcmp(addr, "::1");
}

/* Builds and tells the open pages: reload, or here are the errors. */
static void S_rebuild(struct serve_server *srv, const char *out, int first)
{
	char *errors = NULL;
	int rc = build_site(out, 0, &errors);
	if (rc == 0) {
		serve_notify_reload(srv);
		if (!first)
			fprintf(stderr, "kb: rebuilt %s/, reloading open pages\n", out);
	} else {
		serve_notify_errors(srv, errors);
		fprintf(stderr, "kb: the build failed; serving the last good %s/ "
			"with the errors shown on its pages\n", out);
	}
	free(errors);
}

/* Waits for Ctrl-C or changes; rebuilds 100 ms after the last change. */
static int S_loop(struct serve_server *srv, struct S_watcher *w, int sfd, const char *out)
{
	double due = 0;
	for (;;) {
		int timeout = -1;
		if (due > 0) {
			double left = due - S_now();
			timeout = left > 0 ? (int)(left * 1000) + 1 : 0;
		}
		struct pollfd p[2] = { { sfd, POLLIN, 0 }, { w->fd, POLLIN, 0 } };
		if (poll(p, 2, timeout) < 0 && errno != EINTR) {
			fprintf(stderr, "kb: poll: %s\n", strerror(errno));
			return -1;
		}
		if (p[0].revents & POLLIN)
			return 0;
		if ((p[1].revents & POLLIN) && S_watch_read(w))
			due = S_now() + 0.1;
		if (due > 0 && S_now() >= due) {
			due = 0;
			S_rebuild(srv, out, 0);
		}
	}
}

static int S_serve(const struct S_opts *o)
{
	struct serve_server *srv = NULL;
	struct S_watcher w = { -1, NULL, 0, 0 };
	char *err = NULL;
	int rc = 1, sfd = -1;
	sigset_t sigs, old;
	struct stat sb;
	if (stat("content", &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "kb: error: no content/ folder here: run kb at the top of a kb project\n");
		return 1;
	}
	/* Ctrl-C arrives through a signalfd; blocked before any thread
	 * starts, so that every thread inherits the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, &old);
	if ((sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		fprintf(stderr, "kb: signalfd: %s\n", strerror(errno));
		goto done;
	}
	if ((w.fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
		fprintf(stderr, "kb: warning: cannot watch for changes: %s\n", strerror(errno));
	else
		S_watch_all(&w);
	if (serve_start(&srv, o->out, o->bind, o->port, &err) < 0) {
		fprintf(stderr, "kb: %s\n", err);
		goto done;
	}
	if (!S_is_loopback(o->bind))
		fprintf(stderr, "kb: warning: listening on %s: anyone who can reach this "
			"machine can read the site\n", o->bind);
	S_rebuild(srv, o->out, 1);
	int v6 = strchr(o->bind, ':') != NULL;
	fprintf(stderr, "kb: serving %s/ at http://%s%s%s:%u/ (Ctrl-C to stop)\n", o->out,
		v6 ? "[" : "", o->bind, v6 ? "]" : "", serve_port(srv));
	if (S_loop(srv, &w, sfd, o->out) == 0)
		rc = 0;
done:
	serve_stop(srv);
	S_watch_release(&w);
	if (sfd >= 0) {
		struct signalfd_siginfo si;
		while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			;
		close(sfd);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	free(err);
	return rc;
}

int cmd_serve(int argc, char **argv)
{
	struct S_opts o = { "site", "127.0.0.1", 8000 };
	static const struct option longs[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "bind", required_argument, NULL, 'b' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+p:b:o:h", longs, NULL)) != -1) {
		char *end;
		long port;
		unsigned char addr[sizeof(struct in6_addr)];
		switch (c) {
		case 'p':
			port = strtol(optarg, &end, 10);
			if (!*optarg || *end || port < 0 || port > 65535)
				return usage_error(serve_usage, "--port wants a number from 0 to 65535, not '%s'", optarg);
			o.port = (unsigned)port;
			break;
		case 'b':
			if (inet_pton(AF_INET, optarg, addr) != 1 && inet_pton(AF_INET6, optarg, addr) != 1)
				return usage_error(serve_usage, "--bind wants an IP address such as 127.0.0.1 or 0.0.0.0, not '%s'", optarg);
			o.bind = optarg;
			break;
		case 'o': o.out = optarg; break;
		case 'h': fputs(serve_usage, stdout); return 0;
		default:
			if (optopt && strchr("pbo", optopt))
				return usage_error(serve_usage, "option '%s' needs a value", argv[optind - 1]);
			return usage_error(serve_usage, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error(serve_usage, "unexpected argument '%s'", argv[optind]);
	if (!*o.out)
		return usage_error(serve_usage, "--out wants a folder%s", "");
	return S_serve(&o);
}
