/*
 * test_serve.c - kb serve: request paths against hostile input, content
 * types, the live-reload tag, and a real server on a free port, fetched
 * with a raw socket: pages, CSS, traversal attempts, the 404 page, and
 * the event stream after a rebuild notification.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "serve.h"
#include "util.h"

#define TAG "<script src=\"/__kb/live.js\"></script>"

struct fixture {
	char dir[64];   /* the temp folder */
	char *root;     /* dir/site, the folder served */
	char *real;     /* realpath(root) */
};

static const char index_html[] =
	"<!doctype html>\n<html><head><title>Home</title></head>\n"
	"<body><p>home page</p></body>\n</html>\n";
static const char style_css[] = "body { color: #123; }\n";
static const char page404[] =
	"<!doctype html>\n<html><head><link rel=\"stylesheet\" href=\"static/style.css\">"
	"</head>\n<body><h1>Page not found</h1></body>\n</html>\n";
static const char secret[] = "TOP SECRET, outside the site\n";

static void S_put(struct fixture *f, const char *rel, const char *text)
{
	char *p = path_join(f->dir, rel);
	assert_int_equal(write_file(p, text, strlen(text)), 0);
	free(p);
}

static void S_link(struct fixture *f, const char *target, const char *rel)
{
	char *p = path_join(f->dir, rel);
	assert_int_equal(symlink(target, p), 0);
	free(p);
}

/* dir/site is the site; dir/site2 a sibling whose name starts like it. */
static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	strcpy(f->dir, "/tmp/kb-test-serve-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->root = path_join(f->dir, "site");
	S_put(f, "site/index.html", index_html);
	S_put(f, "site/404.html", page404);
	S_put(f, "site/static/style.css", style_css);
	S_put(f, "site/topics/index.html", "<p>topics</p>\n");
	S_put(f, "site/topics/gil.html", "<body>gil</body>");
	S_put(f, "site/sp ace.html", "<p>space</p>");
	S_put(f, "site/kb-search.sqlite", "SQLite format 3");
	S_put(f, "site2/secret.txt", secret);
	char *empty = path_join(f->root, "empty");
	mkdir_p(empty);
	free(empty);
	S_link(f, "../site2/secret.txt", "site/escape.txt");
	S_link(f, "../site2", "site/escape-dir");
	S_link(f, "/etc", "site/etc");
	S_link(f, "static/style.css", "site/inside.css");
	f->real = realpath(f->root, NULL);
	*state = f;
	return f->real ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	remove_tree(f->dir);
	free(f->root);
	free(f->real);
	free(f);
	return 0;
}

/* serve_resolve's result for url: the path relative to the real root
 * ("" for -1), and its return code. Caller frees. */
static char *S_resolve(struct fixture *f, const char *url, int *rc)
{
	char *path = (char *)"unset";
	*rc = serve_resolve(f->root, url, &path);
	if (*rc < 0) {
		assert_null(path);
		return xstrdup("");
	}
	assert_non_null(path);
	size_t n = strlen(f->real);
	assert_memory_equal(path, f->real, n);
	char *rel = xstrdup(path + n);
	free(path);
	return rel;
}

static void S_expect(struct fixture *f, const char *url, int want_rc, const char *want)
{
	int rc;
	char *rel = S_resolve(f, url, &rc);
	if (rc != want_rc || strcmp(rel, want))
		fail_msg("%s: got %d '%s', wanted %d '%s'", url, rc, rel, want_rc, want);
	free(rel);
}

/* Ordinary URLs map to their files, directories to index.html. */
static void test_serve_resolve_files(void **state)
{
	struct fixture *f = *state;
	S_expect(f, "/", 0, "/index.html");
	S_expect(f, "/index.html", 0, "/index.html");
	S_expect(f, "/static/style.css", 0, "/static/style.css");
	S_expect(f, "/topics/", 0, "/topics/index.html");
	S_expect(f, "/topics/gil.html", 0, "/topics/gil.html");
	S_expect(f, "/topics//./gil.html", 0, "/topics/gil.html");
	S_expect(f, "/sp%20ace.html", 0, "/sp ace.html");
	S_expect(f, "/%74opics/gil.html", 0, "/topics/gil.html");
	S_expect(f, "/kb-search.sqlite", 0, "/kb-search.sqlite");
	/* a symlink that stays inside the site is followed */
	S_expect(f, "/inside.css", 0, "/static/style.css");
	/* a folder without its '/': the index, and a redirect asked for */
	S_expect(f, "/topics", 1, "/topics/index.html");
}

/* Missing files and odd forms are not found. */
static void test_serve_resolve_missing(void **state)
{
	struct fixture *f = *state;
	S_expect(f, "/nope.html", -1, "");
	S_expect(f, "/empty/", -1, "");            /* no index.html */
	S_expect(f, "/static/style.css/", -1, ""); /* a file is not a folder */
	S_expect(f, "", -1, "");
	S_expect(f, "index.html", -1, "");         /* not absolute */
	S_expect(f, "http://evil/index.html", -1, "");
	char *p = (char *)"unset";
	assert_int_equal(serve_resolve("/nonexistent-kb-site", "/", &p), -1);
	assert_null(p);
}

/* Nothing outside the site folder is reachable, however it is spelled. */
static void test_serve_resolve_traversal(void **state)
{
	struct fixture *f = *state;
	static const char *const hostile[] = {
		"/..", "/../", "/../site2/secret.txt", "/topics/../../site2/secret.txt",
		"/%2e%2e/site2/secret.txt", "/%2E%2E/site2/secret.txt",
		"/.%2e/site2/secret.txt", "/..%2fsite2%2fsecret.txt",
		"/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/topics/..%2f..%2fsite2/secret.txt",
		"//etc/passwd", "/%2fetc%2fpasswd", "///etc/passwd",
		"/escape.txt", "/escape-dir/secret.txt", "/escape-dir/", "/etc/passwd", "/etc/",
		"/index.html%00.txt", "/%00", "/%", "/%2", "/%zz", "/%g0index.html",
		"/../../../../../../../../etc/passwd",
		/* ".." is refused even where it would stay inside */
		"/topics/../index.html", "/topics/%2e%2e/index.html",
	};
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
		S_expect(f, hostile[i], -1, "");
}

static void test_serve_content_type(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{ "site/index.html", "text/html; charset=utf-8" },
		{ "a/B.HTM", "text/html; charset=utf-8" },
		{ "static/style.css", "text/css; charset=utf-8" },
		{ "static/kb.js", "text/javascript; charset=utf-8" },
		{ "favicon.svg", "image/svg+xml" },
		{ "logo.png", "image/png" },
		{ "pagefind/pagefind-entry.json", "application/json" },
		{ "feed.xml", "application/xml" },
		{ "sitemap.xml", "application/xml" },
		{ "pagefind/wasm.unknown.pagefind", "application/octet-stream" },
		{ "x.wasm", "application/wasm" },
		{ "font.woff2", "font/woff2" },
		{ "robots.txt", "text/plain; charset=utf-8" },
		{ "kb-search.sqlite", "application/octet-stream" },
		{ "pagefind/pagefind.en_1a2b.pf_meta", "application/octet-stream" },
		{ "pagefind/index/en_1a2b.pf_index", "application/octet-stream" },
		{ "pagefind/fragment/en_1a2b.pf_fragment", "application/octet-stream" },
		{ "Makefile", "application/octet-stream" },
		{ "dir.html/noext", "application/octet-stream" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(serve_content_type(cases[i][0]), cases[i][1]);
}

static void S_expect_inject(const char *in, const char *want)
{
	size_t len;
	char *out = serve_inject(in, strlen(in), &len);
	assert_string_equal(out, want);
	assert_int_equal(len, strlen(want));
	free(out);
}

/* The tag goes before the last </body>, whatever its case; at the end
 * when there is none. */
static void test_serve_inject(void **state)
{
	(void)state;
	S_expect_inject("<html><body><p>x</p></body></html>",
			"<html><body><p>x</p>" TAG "\n</body></html>");
	S_expect_inject("<BODY>a</BODY >", "<BODY>a" TAG "\n</BODY >");
	S_expect_inject("<body><pre>&lt;/body&gt; </body></pre></body>",
			"<body><pre>&lt;/body&gt; </body></pre>" TAG "\n</body>");
	S_expect_inject("<p>fragment</p>", "<p>fragment</p>" TAG "\n");
	S_expect_inject("", TAG "\n");
	S_expect_inject("</bod", "</bod" TAG "\n");
}

/* ---- a real server ---- */

static int S_connect(unsigned port)
{
	struct sockaddr_in sa;
	struct timeval tv = { 10, 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void S_send(int fd, const char *text)
{
	size_t n = strlen(text);
	assert_int_equal(send(fd, text, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* Sends "METHOD PATH HTTP/1.0" and reads the answer up to the close.
 * Caller frees. */
static char *S_fetch(unsigned port, const char *method, const char *path)
{
	int fd = S_connect(port);
	char *req = xasprintf("%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", method, path);
	S_send(fd, req);
	free(req);
	struct buf b = BUF_INIT;
	char chunk[4096];
	ssize_t n;
	while ((n = recv(fd, chunk, sizeof(chunk), 0)) > 0)
		buf_put(&b, chunk, (size_t)n);
	assert_int_equal(n, 0);
	close(fd);
	return buf_detach(&b);
}

static int S_status(const char *resp)
{
	const char *sp = strchr(resp, ' ');
	return sp ? atoi(sp + 1) : 0;
}

static const char *S_body(const char *resp)
{
	const char *p = strstr(resp, "\r\n\r\n");
	assert_non_null(p);
	return p + 4;
}

static void S_has_header(const char *resp, const char *header)
{
	char *want = xasprintf("\r\n%s\r\n", header);
	const char *end = strstr(resp, "\r\n\r\n");
	const char *at = strcasestr(resp, want);
	if (!at || at > end)
		fail_msg("no header '%s' in:\n%s", header, resp);
	free(want);
}

/* Reads from fd until the text seen so far (kept in b) contains needle;
 * fails on a close or after the receive timeout. */
static void S_read_until(int fd, struct buf *b, const char *needle)
{
	char chunk[4096];
	while (!strstr(b->data, needle)) {
		ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
		if (n <= 0)
			fail_msg("stream ended before '%s'; got:\n%s", needle, b->data);
		buf_put(b, chunk, (size_t)n);
	}
}

static struct serve_server *S_start(const char *root)
{
	struct serve_server *s = NULL;
	char *err = NULL;
	if (serve_start(&s, root, "127.0.0.1", 0, &err) < 0)
		fail_msg("serve_start: %s", err);
	assert_non_null(s);
	assert_true(serve_port(s) > 0);
	return s;
}

/* Pages carry the reload tag (the file on disk does not), other files
 * come as they are, and whatever is outside gets the site's 404 page. */
static void test_serve_http_pages(void **state)
{
	struct fixture *f = *state;
	struct serve_server *s = S_start(f->root);
	unsigned port = serve_port(s);

	char *r = S_fetch(port, "GET", "/");
	assert_int_equal(S_status(r), 200);
	S_has_header(r, "Content-Type: text/html; charset=utf-8");
	assert_non_null(strstr(S_body(r), "<p>home page</p>" TAG "\n</body>"));
	free(r);
	char *disk;
	char *p = path_join(f->root, "index.html");
	assert_int_equal(read_file(p, &disk, NULL), 0);
	assert_string_equal(disk, index_html);
	free(disk);
	free(p);

	r = S_fetch(port, "GET", "/static/style.css");
	assert_int_equal(S_status(r), 200);
	S_has_header(r, "Content-Type: text/css; charset=utf-8");
	assert_string_equal(S_body(r), style_css);
	free(r);

	static const char *const outside[] = {
		"/../site2/secret.txt", "/%2e%2e/site2/secret.txt", "/..%2fsite2%2fsecret.txt",
		"/escape.txt", "/escape-dir/secret.txt", "/etc/passwd", "/a%00b", "/missing.html",
	};
	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		r = S_fetch(port, "GET", outside[i]);
		if (S_status(r) != 404 || strstr(r, "TOP SECRET") || strstr(r, "root:"))
			fail_msg("%s was not a 404:\n%s", outside[i], r);
		S_has_header(r, "Content-Type: text/html; charset=utf-8");
		assert_non_null(strstr(r, "<h1>Page not found</h1>"));
		/* its relative links work at any depth */
		assert_non_null(strstr(r, "<head><base href=\"/\">"));
		free(r);
	}

	r = S_fetch(port, "GET", "/topics");
	assert_int_equal(S_status(r), 301);
	S_has_header(r, "Location: /topics/");
	free(r);
	r = S_fetch(port, "GET", "/topics/");
	assert_int_equal(S_status(r), 200);
	assert_string_equal(S_body(r), "<p>topics</p>\n" TAG "\n");
	free(r);

	r = S_fetch(port, "GET", "/__kb/live.js");
	assert_int_equal(S_status(r), 200);
	S_has_header(r, "Content-Type: text/javascript; charset=utf-8");
	assert_non_null(strstr(r, "location.reload()"));
	assert_non_null(strstr(r, "textContent"));
	free(r);

	r = S_fetch(port, "POST", "/");
	assert_int_equal(S_status(r), 405);
	free(r);
	serve_stop(s);

	/* before the first good build there is no site: a page that waits */
	char *none = path_join(f->dir, "not-built-yet");
	s = S_start(none);
	r = S_fetch(serve_port(s), "GET", "/");
	assert_int_equal(S_status(r), 404);
	assert_non_null(strstr(r, "no site to show yet"));
	assert_non_null(strstr(r, TAG));
	free(r);
	serve_stop(s);
	free(none);
}

static int S_open_events(unsigned port, struct buf *b)
{
	int fd = S_connect(port);
	S_send(fd, "GET /__kb/events HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
	S_read_until(fd, b, "retry: 1000\n\n");
	assert_int_equal(S_status(b->data), 200);
	S_has_header(b->data, "Content-Type: text/event-stream");
	return fd;
}

/* Open pages hear "reload" after a rebuild, and the errors of a failed
 * one, one "data:" line per message; a page opened while the build is
 * broken gets the errors at once. Stopping ends the streams. */
static void test_serve_http_events(void **state)
{
	struct fixture *f = *state;
	struct serve_server *s = S_start(f->root);
	unsigned port = serve_port(s);
	struct buf a = BUF_INIT, b = BUF_INIT;

	int fa = S_open_events(port, &a);
	serve_notify_reload(s);
	S_read_until(fa, &a, "\n\nevent: reload\ndata: reload\n\n");

	serve_notify_errors(s, "content/a.md:1:1: error: <b>bad</b>\r\nsecond line\n");
	S_read_until(fa, &a, "\n\nevent: errors\ndata: content/a.md:1:1: error: <b>bad</b>\n"
		     "data: second line\n\n");

	int fb = S_open_events(port, &b);
	S_read_until(fb, &b, "retry: 1000\n\nevent: errors\ndata: content/a.md:1:1:");

	serve_notify_reload(s);
	S_read_until(fa, &a, "second line\n\nevent: reload\ndata: reload\n\n");
	S_read_until(fb, &b, "second line\n\nevent: reload\ndata: reload\n\n");

	serve_stop(s);
	char c;
	assert_int_equal(recv(fa, &c, 1, 0), 0);
	assert_int_equal(recv(fb, &c, 1, 0), 0);
	close(fa);
	close(fb);
	buf_release(&a);
	buf_release(&b);
}

/* A port in use is reported, not a crash. */
static void test_serve_port_in_use(void **state)
{
	struct fixture *f = *state;
	struct serve_server *s = S_start(f->root), *t = NULL;
	char *err = NULL;
	assert_int_equal(serve_start(&t, f->root, "127.0.0.1", serve_port(s), &err), -1);
	assert_null(t);
	assert_non_null(strstr(err, "Address already in use"));
	free(err);
	assert_int_equal(serve_start(&t, f->root, "localhost", 0, &err), -1);
	assert_non_null(strstr(err, "not an IP address"));
	free(err);
	serve_stop(s);
	serve_stop(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serve_resolve_files),
		cmocka_unit_test(test_serve_resolve_missing),
		cmocka_unit_test(test_serve_resolve_traversal),
		cmocka_unit_test(test_serve_content_type),
		cmocka_unit_test(test_serve_inject),
		cmocka_unit_test(test_serve_http_pages),
		cmocka_unit_test(test_serve_http_events),
		cmocka_unit_test(test_serve_port_in_use),
	};
	/* a server that never answers must fail the run, not hang it */
	alarm(120);
	return cmocka_run_group_tests_name("serve", tests, setup, teardown);
}
