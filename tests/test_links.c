/*
 * test_links.c - kb links against a real HTTP server on 127.0.0.1 (a
 * port the kernel picks), started by each test and stopped at its end:
 * libmicrohttpd answering 200, 301, 302, 404, 410, 403, 429 with
 * Retry-After, never (a time-out), a redirect loop, a dropped connection,
 * HEAD refused. Each test writes a small site in a temporary folder,
 * runs `kb links` there as the command line does, and checks the exact
 * messages, the exit status and what the server saw: the requests, the
 * methods, the User-Agent, the connections open at once. Nothing here
 * leaves the machine.
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
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pipeline.h"
#include "cmd_links.h"
#include "links.h"
#include "util.h"

/* ---- the server ---- */

struct server {
	struct MHD_Daemon *d;
	unsigned port;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int stopping;
	int conns, max_conns;        /* connections open (at once) */
	int inflight, max_inflight;  /* requests being answered (at once) */
	int requests;
	struct strlist seen;         /* "METHOD /path" of every request */
	char ua[256];                /* the last User-Agent */
	int busy;                    /* requests to /busy so far */
};

static void S_notify(void *cls, struct MHD_Connection *c, void **socket_context,
		     enum MHD_ConnectionNotificationCode code)
{
	struct server *s = cls;
	(void)c;
	(void)socket_context;
	pthread_mutex_lock(&s->lock);
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		if (++s->conns > s->max_conns)
			s->max_conns = s->conns;
	} else {
		s->conns--;
	}
	pthread_mutex_unlock(&s->lock);
}

static enum MHD_Result S_reply(struct MHD_Connection *c, unsigned status,
			       const char *header, const char *value)
{
	static const char body[] = "<!doctype html><title>x</title>\n";
	struct MHD_Response *r = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body,
								 MHD_RESPMEM_PERSISTENT);
	if (header)
		MHD_add_response_header(r, header, value);
	enum MHD_Result rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static void S_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static enum MHD_Result S_handle(void *cls, struct MHD_Connection *c, const char *url,
				const char *method, const char *version, const char *upload,
				size_t *upload_size, void **con_cls)
{
	struct server *s = cls;
	(void)version;
	(void)upload;
	(void)upload_size;
	static int first_call;
	if (!*con_cls) { /* the headers are in: answer on the next call */
		*con_cls = &first_call;
		return MHD_YES;
	}
	const char *ua = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "User-Agent");
	pthread_mutex_lock(&s->lock);
	s->requests++;
	char *line = xasprintf("%s %s", method, url);
	strlist_push_owned(&s->seen, line);
	snprintf(s->ua, sizeof(s->ua), "%s", ua ? ua : "");
	if (++s->inflight > s->max_inflight)
		s->max_inflight = s->inflight;
	int busy = !strcmp(url, "/busy") ? ++s->busy : 0;
	pthread_mutex_unlock(&s->lock);

	unsigned status = 200;
	const char *h = NULL, *v = NULL;
	int drop = 0;
	if (!strncmp(url, "/slow/", 6)) {
		S_sleep_ms(100); /* long enough for requests to overlap */
	} else if (!strcmp(url, "/moved")) {
		status = 301, h = "Location", v = "/ok";
	} else if (!strcmp(url, "/found")) {
		status = 302, h = "Location", v = "/ok";
	} else if (!strcmp(url, "/missing") || !strcmp(url, "/missing2")) {
		status = 404;
	} else if (!strcmp(url, "/gone")) {
		status = 410;
	} else if (!strcmp(url, "/forbidden")) {
		status = 403;
	} else if (!strcmp(url, "/busy") && busy == 1) {
		status = 429, h = "Retry-After", v = "1";
	} else if (!strcmp(url, "/toolong")) {
		status = 429, h = "Retry-After", v = "3600";
	} else if (!strcmp(url, "/loop-a")) {
		status = 302, h = "Location", v = "/loop-b";
	} else if (!strcmp(url, "/loop-b")) {
		status = 302, h = "Location", v = "/loop-a";
	} else if (!strcmp(url, "/drop")) {
		drop = 1;
	} else if (!strcmp(url, "/nohead") && !strcmp(method, "HEAD")) {
		status = 405;
	} else if (!strcmp(url, "/never")) {
		/* Answers only when the test ends, long after the client's
		 * time-out. */
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 10;
		pthread_mutex_lock(&s->lock);
		while (!s->stopping && pthread_cond_timedwait(&s->cond, &s->lock, &until) == 0)
			;
		pthread_mutex_unlock(&s->lock);
	}
	pthread_mutex_lock(&s->lock);
	s->inflight--;
	pthread_mutex_unlock(&s->lock);
	if (drop)
		return MHD_NO; /* closes the connection without an answer */
	return S_reply(c, status, h, v);
}

static void S_server_start(struct server *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = 0;
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 64), 0);
	socklen_t len = sizeof(a);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	s->port = ntohs(a.sin_port);
	s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ITC,
				0, NULL, NULL, S_handle, s, MHD_OPTION_LISTEN_SOCKET, fd,
				MHD_OPTION_NOTIFY_CONNECTION, S_notify, s, MHD_OPTION_END);
	assert_non_null(s->d);
}

static void S_server_stop(struct server *s)
{
	pthread_mutex_lock(&s->lock);
	s->stopping = 1;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	MHD_stop_daemon(s->d);
	strlist_release(&s->seen);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
}

/* Requests for "METHOD /path" the server saw. */
static int S_seen(struct server *s, const char *what)
{
	int n = 0;
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->seen.n; i++)
		n += !strcmp(s->seen.items[i], what);
	pthread_mutex_unlock(&s->lock);
	return n;
}

/* Waits until the server has seen every connection of the last run
 * close, then starts counting anew. */
static void S_quiet(struct server *s)
{
	for (int i = 0; i < 500; i++) {
		pthread_mutex_lock(&s->lock);
		int open = s->conns;
		pthread_mutex_unlock(&s->lock);
		if (!open)
			break;
		S_sleep_ms(10);
	}
	pthread_mutex_lock(&s->lock);
	s->max_conns = s->max_inflight = 0;
	pthread_mutex_unlock(&s->lock);
}

static int S_requests(struct server *s)
{
	pthread_mutex_lock(&s->lock);
	int n = s->requests;
	pthread_mutex_unlock(&s->lock);
	return n;
}

/* ---- the site ---- */

struct fixture {
	struct server srv;
	char dir[64];
	char *cwd;   /* to come back to */
	char *out, *err;
	char base[64];  /* "http://127.0.0.1:PORT" */
};

static void S_write(const char *path, const char *text)
{
	assert_int_equal(write_file(path, text, strlen(text)), 0);
}

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	S_server_start(&f->srv);
	snprintf(f->base, sizeof(f->base), "http://127.0.0.1:%u", f->srv.port);
	strcpy(f->dir, "/tmp/kb-links-test-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->cwd = getcwd(NULL, 0);
	assert_int_equal(chdir(f->dir), 0);
	S_write("kb.lua", "links = { per_host = 2, timeout = 1, delay = 0, retries = 2, retry_wait = 5 }\n");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(chdir(f->cwd), 0);
	remove_tree(f->dir);
	S_server_stop(&f->srv);
	free(f->cwd);
	free(f->out);
	free(f->err);
	free(f);
	return 0;
}

/* content/resources/NAME.md with url, status and archive_url (NULL:
 * none); the url is on line 6, archive_url on line 13. */
static void S_resource(struct fixture *f, const char *name, const char *path,
		       const char *status, const char *archive)
{
	char *file = xasprintf("content/resources/%s.md", name);
	char *arch = archive ? xasprintf("archive_url: \"%s%s\"\n", f->base, archive) : xstrdup("");
	char *text = xasprintf("---\ntitle: %s\nsummary: A resource.\ntags: [x]\nlanguages: [python]\n"
			       "url: \"%s%s\"\nauthors: [Someone]\nyear: 2020\nformat: article\n"
			       "level: beginner\nstatus: %s\npublisher: Nobody\n%s---\n\nText.\n",
			       name, f->base, path, status, arch);
	S_write(file, text);
	free(text);
	free(arch);
	free(file);
}

/* content/topics/links.md: one list item per line, the first on line 6,
 * each link at column 3. Each "%s" in a line is the server's base. */
static void S_topic(struct fixture *f, const char *const *lines, size_t n)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, "---\ntitle: Links\nsummary: Every case.\n---\n\n");
	for (size_t i = 0; i < n; i++) {
		buf_puts(&b, "- ");
		for (const char *p = lines[i]; *p; p++) {
			if (p[0] == '%' && p[1] == 's') {
				buf_puts(&b, f->base);
				p++;
			} else {
				buf_putc(&b, *p);
			}
		}
		buf_putc(&b, '\n');
	}
	S_write("content/topics/links.md", b.data);
	buf_release(&b);
}

/* Runs `kb links ARGS...` here; stdout and stderr in f->out, f->err. */
static int S_kb_links(struct fixture *f, ...)
{
	char *argv[16] = { (char *)"links" };
	int argc = 1;
	va_list ap;
	va_start(ap, f);
	const char *a;
	while ((a = va_arg(ap, const char *)) && argc < 15)
		argv[argc++] = (char *)a;
	va_end(ap);
	fflush(stdout);
	fflush(stderr);
	int o = dup(1), e = dup(2);
	int fo = open("out.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int fe = open("err.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(fo, 1);
	dup2(fe, 2);
	int rc = cmd_links(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(o, 1);
	dup2(e, 2);
	close(o);
	close(e);
	close(fo);
	close(fe);
	free(f->out);
	free(f->err);
	assert_int_equal(read_file("out.txt", &f->out, NULL), 0);
	assert_int_equal(read_file("err.txt", &f->err, NULL), 0);
	unlink("out.txt");
	unlink("err.txt");
	return rc;
}

/* f->err has this line (each "%s" being the server's base). */
static void S_has_line(struct fixture *f, const char *fmt)
{
	struct buf want = BUF_INIT;
	for (const char *p = fmt; *p; p++) {
		if (p[0] == '%' && p[1] == 's') {
			buf_puts(&want, f->base);
			p++;
		} else {
			buf_putc(&want, *p);
		}
	}
	int found = 0;
	for (const char *p = f->err; *p && !found;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		found = len == want.len && !memcmp(p, want.data, len);
		p = nl ? nl + 1 : p + len;
	}
	if (!found)
		fail_msg("missing line:\n%s\nin:\n%s", want.data, f->err);
	buf_release(&want);
}

static size_t S_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* ---- tests ---- */

static const char *const every_case[] = {
	"[ok](%s/ok)",                      /* line 6 */
	"[moved](%s/moved)",                /* 7: 301 to 200 */
	"[found](%s/found)",                /* 8: 302 */
	"[missing](%s/missing)",            /* 9: 404 */
	"[gone](%s/gone)",                  /* 10: 410 */
	"[busy](%s/busy)",                  /* 11: 429, Retry-After: 1, then 200 */
	"[never](%s/never)",                /* 12: no answer */
	"[loop](%s/loop-a)",                /* 13: a redirect loop */
	"[drop](%s/drop)",                  /* 14: connection dropped */
	"[fragment](%s/ok#a-section)",      /* 15 */
	"[no HEAD](%s/nohead)",             /* 16: HEAD 405, GET 200 */
	"[ftp](ftp://127.0.0.1/file.txt)",  /* 17: not HTTP */
	"<mailto:someone@example.org>",     /* 18: an address, not checked */
	"[too long](%s/toolong)",           /* 19: 429, Retry-After: 3600 */
};

/* Every case reports what it should, where it is written. */
static void test_links_every_case(void **state)
{
	struct fixture *f = *state;
	S_topic(f, every_case, sizeof(every_case) / sizeof(every_case[0]));
	assert_int_equal(S_kb_links(f, NULL), 1);
	S_has_line(f, "content/topics/links.md:7:3: warning: %s/moved moved permanently to %s/ok; link to the new address");
	S_has_line(f, "content/topics/links.md:9:3: error: %s/missing answered 404");
	S_has_line(f, "content/topics/links.md:10:3: error: %s/gone answered 410");
	S_has_line(f, "content/topics/links.md:12:3: error: %s/never did not answer within 1 s");
	S_has_line(f, "content/topics/links.md:13:3: error: %s/loop-a redirects in a loop: %s/loop-a -> %s/loop-b -> %s/loop-a");
	S_has_line(f, "content/topics/links.md:14:3: error: %s/drop closed the connection without an answer");
	S_has_line(f, "content/topics/links.md:17:3: warning: ftp://127.0.0.1/file.txt: not checked: kb checks http and https links, not ftp:");
	S_has_line(f, "content/topics/links.md:19:3: error: %s/toolong answered 429 and asked to wait 3600 s, longer than links.retry_wait (5 s)");
	S_has_line(f, "content/topics/links.md:19:3: note: if 127.0.0.1 turns robots away, add it to links.allow in kb.lua");
	/* Nothing about the links that are fine: 6 errors, a note, 2
	 * warnings, the summary. */
	assert_int_equal(S_lines(f->err), 10);
	assert_non_null(strstr(f->err, "\nkb: 12 links (0 from the cache, "));
	assert_non_null(strstr(f->err, " requests): 6 broken, 1 moved\n"));
	assert_int_equal(S_seen(&f->srv, "HEAD /toolong"), 1);
	/* 429: asked again after Retry-After, then fine. */
	assert_int_equal(S_seen(&f->srv, "HEAD /busy"), 2);
	/* /ok and /ok#a-section are asked once, without the fragment. */
	assert_int_equal(S_seen(&f->srv, "HEAD /ok"), 3); /* itself, /moved, /found */
	/* HEAD refused, then GET. */
	assert_int_equal(S_seen(&f->srv, "HEAD /nohead"), 1);
	assert_int_equal(S_seen(&f->srv, "GET /nohead"), 1);
	/* An error answer is confirmed with GET; a dropped HEAD too (libcurl
	 * itself asks once more when a reused connection drops). */
	assert_int_equal(S_seen(&f->srv, "GET /missing"), 1);
	assert_true(S_seen(&f->srv, "GET /drop") >= 1);
	assert_string_equal(f->srv.ua, "kb-links/0.1.0");
}

static const char *const cacheable[] = {
	"[ok](%s/ok)",
	"[moved](%s/moved)",
	"[found](%s/found)",
	"[missing](%s/missing)",
	"[gone](%s/gone)",
	"[busy](%s/busy)",
	"[loop](%s/loop-a)",
	"[fragment](%s/ok#a-section)",
	"[no HEAD](%s/nohead)",
};

/* A second run within the TTL asks nothing and says the same; a run
 * with --no-cache asks again. */
static void test_links_cache(void **state)
{
	struct fixture *f = *state;
	S_topic(f, cacheable, sizeof(cacheable) / sizeof(cacheable[0]));
	assert_int_equal(S_kb_links(f, NULL), 1);
	int first = S_requests(&f->srv);
	assert_true(first > 0);
	char *before = xstrdup(f->err);
	assert_int_equal(S_kb_links(f, NULL), 1);
	assert_int_equal(S_requests(&f->srv), first);
	/* The same messages; only the summary says where they came from. */
	char *cut = strstr(before, "kb: 8 links");
	assert_non_null(cut);
	*cut = '\0';
	assert_int_equal(strncmp(f->err, before, strlen(before)), 0);
	S_has_line(f, "kb: 8 links (8 from the cache, 0 requests): 3 broken, 1 moved");
	free(before);
	assert_int_equal(S_kb_links(f, "--no-cache", NULL), 1);
	assert_true(S_requests(&f->srv) > first);
	/* ttl_days = 0: nothing is reused. */
	S_write("kb.lua", "links = { ttl_days = 0, timeout = 1, delay = 0 }\n");
	int third = S_requests(&f->srv);
	assert_int_equal(S_kb_links(f, NULL), 1);
	assert_true(S_requests(&f->srv) > third);
}

/* No more than links.per_host connections, nor requests, at once. */
static void test_links_per_host(void **state)
{
	struct fixture *f = *state;
	const char *lines[12];
	char *own[12];
	for (int i = 0; i < 12; i++)
		lines[i] = own[i] = xasprintf("[slow %d](%%s/slow/%d)", i, i);
	S_topic(f, lines, 12);
	assert_int_equal(S_kb_links(f, NULL), 0);
	assert_int_equal(S_requests(&f->srv), 12);
	assert_true(f->srv.max_conns >= 1);
	assert_true(f->srv.max_conns <= 2);
	assert_true(f->srv.max_inflight <= 2);
	for (int i = 0; i < 12; i++)
		free(own[i]);
	/* per_host = 1: one at a time. */
	S_write("kb.lua", "links = { per_host = 1, timeout = 2, delay = 0 }\n");
	S_quiet(&f->srv);
	assert_int_equal(S_kb_links(f, "--no-cache", NULL), 0);
	assert_true(f->srv.max_conns <= 1);
	assert_true(f->srv.max_inflight <= 1);
}

/* status: live with a dead URL is an error whose note gives the fix;
 * archived needs an archive_url that answers; gone is not asked. */
static void test_links_statuses(void **state)
{
	struct fixture *f = *state;
	S_resource(f, "dead", "/missing", "live", NULL);
	S_resource(f, "archived-bad", "/gone", "archived", "/missing2");
	S_resource(f, "archived-good", "/gone", "archived", "/ok");
	S_resource(f, "gone", "/gone", "gone", NULL);
	S_resource(f, "blocks-robots", "/forbidden", "live", NULL);
	assert_int_equal(S_kb_links(f, NULL), 1);
	S_has_line(f, "content/resources/dead.md:6:6: error: %s/missing answered 404");
	S_has_line(f, "content/resources/dead.md:6:6: note: the entry says status: live; if the page is gone for good, mark it archived: status: archived, archive_url: https://web.archive.org/web/%s/missing (kb links --record writes it)");
	S_has_line(f, "content/resources/archived-bad.md:13:14: error: %s/missing2 answered 404");
	S_has_line(f, "content/resources/archived-bad.md:13:14: note: status: archived needs an archive_url that answers; try the Web Archive: archive_url: https://web.archive.org/web/%s/gone (kb links --record writes it)");
	S_has_line(f, "content/resources/blocks-robots.md:6:6: error: %s/forbidden answered 403");
	S_has_line(f, "content/resources/blocks-robots.md:6:6: note: if 127.0.0.1 turns robots away, add it to links.allow in kb.lua");
	assert_int_equal(S_lines(f->err), 7);
	/* An archived or gone resource's url is not asked for. */
	assert_int_equal(S_seen(&f->srv, "HEAD /gone"), 0);
	/* The allow-list: a 403 from that host is an answer. */
	S_write("kb.lua", "links = { allow = { \"127.0.0.1\" }, timeout = 1, delay = 0 }\n");
	assert_int_equal(S_kb_links(f, "--no-cache", NULL), 1);
	assert_null(strstr(f->err, "forbidden"));
	/* The skip list: not asked at all. */
	S_write("kb.lua", "links = { skip = { \"127.0.0.1\" }, timeout = 1, delay = 0 }\n");
	int n = S_requests(&f->srv);
	assert_int_equal(S_kb_links(f, "--no-cache", NULL), 0);
	assert_int_equal(S_requests(&f->srv), n);
}

/* --record writes the fix into the front matter and nothing else. */
static void test_links_record(void **state)
{
	struct fixture *f = *state;
	S_resource(f, "dead", "/missing", "live", NULL);
	S_resource(f, "archived-bad", "/gone", "archived", "/missing2");
	char *before = NULL;
	assert_int_equal(read_file("content/resources/dead.md", &before, NULL), 0);
	assert_int_equal(S_kb_links(f, "--record", NULL), 0);
	S_has_line(f, "content/resources/dead.md:6:6: note: %s/missing answered 404; recorded status: archived, archive_url: https://web.archive.org/web/%s/missing");
	char *after = NULL;
	assert_int_equal(read_file("content/resources/dead.md", &after, NULL), 0);
	char *want = xasprintf("---\ntitle: dead\nsummary: A resource.\ntags: [x]\nlanguages: [python]\n"
			       "url: \"%s/missing\"\nauthors: [Someone]\nyear: 2020\nformat: article\n"
			       "level: beginner\nstatus: archived\n"
			       "archive_url: \"https://web.archive.org/web/%s/missing\"\n"
			       "publisher: Nobody\n---\n\nText.\n", f->base, f->base);
	assert_string_equal(after, want);
	free(want);
	free(after);
	assert_int_equal(read_file("content/resources/archived-bad.md", &after, NULL), 0);
	want = xasprintf("archive_url: \"https://web.archive.org/web/%s/gone\"\n", f->base);
	assert_non_null(strstr(after, want));
	assert_non_null(strstr(after, "status: archived\n"));
	free(want);
	free(after);
	free(before);
}

/* No host reachable: one line, exit 3. */
static void test_links_offline(void **state)
{
	struct fixture *f = *state;
	/* A port nobody listens on, on three loopback addresses. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t len = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &len);
	unsigned port = ntohs(a.sin_port);
	close(fd);
	char *l1 = xasprintf("[a](http://127.0.0.1:%u/a)", port);
	char *l2 = xasprintf("[b](http://127.0.0.2:%u/b)", port);
	char *l3 = xasprintf("[c](http://127.0.0.3:%u/c)", port);
	const char *lines[] = { l1, l2, l3 };
	S_topic(f, lines, 3);
	assert_int_equal(S_kb_links(f, NULL), 3);
	assert_int_equal(S_lines(f->err), 1);
	assert_int_equal(strncmp(f->err, "kb: no network: no host could be reached (127.0.0.", 50), 0);
	assert_non_null(strstr(f->err, ": could not connect to the server); 3 links not checked\n"));
	/* One host only: maybe a dead site, maybe no network; the error
	 * stays, with a note and no archive advice. */
	S_resource(f, "res", "/x", "live", NULL);
	remove_tree("content/topics");
	char *fixed = xasprintf("---\ntitle: res\nsummary: A resource.\ntags: [x]\nlanguages: [python]\n"
				"url: \"http://127.0.0.1:%u/x\"\nauthors: [Someone]\nyear: 2020\n"
				"format: article\nlevel: beginner\nstatus: live\n---\n\nText.\n", port);
	S_write("content/resources/res.md", fixed);
	free(fixed);
	assert_int_equal(S_kb_links(f, "--record", NULL), 1);
	char *want = xasprintf("kb: note: no request got an answer: if this machine has no network, run kb links where it has\n"
			       "content/resources/res.md:6:6: error: http://127.0.0.1:%u/x failed: could not connect to the server\n"
			       "kb: 1 link (0 from the cache, 1 request): 1 broken, 0 moved\n", port);
	assert_string_equal(f->err, want);
	free(want);
	free(l1);
	free(l2);
	free(l3);
}

/* --json prints every link; --format junit writes a report. */
static void test_links_formats(void **state)
{
	struct fixture *f = *state;
	const char *lines[] = { "[ok](%s/ok#x)", "[missing](%s/missing)" };
	S_topic(f, lines, 2);
	assert_int_equal(S_kb_links(f, "--json", NULL), 1);
	char *want = xasprintf("[\n  {\"file\": \"content/topics/links.md\", \"line\": 6, \"col\": 3, "
			       "\"url\": \"%s/ok#x\", \"result\": \"ok\", \"http_status\": 200, ", f->base);
	assert_int_equal(strncmp(f->out, want, strlen(want)), 0);
	free(want);
	want = xasprintf("{\"file\": \"content/topics/links.md\", \"line\": 7, \"col\": 3, "
			 "\"url\": \"%s/missing\", \"result\": \"broken\", \"http_status\": 404, "
			 "\"message\": \"answered 404\", ", f->base);
	assert_non_null(strstr(f->out, want));
	free(want);
	assert_int_equal(S_kb_links(f, "--format", "junit", "--junit", "r.xml", NULL), 1);
	char *xml = NULL;
	assert_int_equal(read_file("r.xml", &xml, NULL), 0);
	assert_non_null(strstr(xml, "<testsuite name=\"kb links\" tests=\"2\" failures=\"1\">"));
	assert_non_null(strstr(xml, "<failure message=\"answered 404\">content/topics/links.md:7:3: "));
	free(xml);
	/* Usage errors. */
	assert_int_equal(S_kb_links(f, "--format", "xml", NULL), 2);
	assert_int_equal(S_kb_links(f, "--bogus", NULL), 2);
	assert_int_equal(S_kb_links(f, "extra", NULL), 2);
}

/* kb.lua's links settings are checked like the others. */
static void test_links_config(void **state)
{
	struct fixture *f = *state;
	const char *lines[] = { "[ok](%s/ok)" };
	S_topic(f, lines, 1);
	S_write("kb.lua", "links = { ttl = 3, per_host = 0, skip = \"x\" }\n");
	assert_int_equal(S_kb_links(f, NULL), 1);
	S_has_line(f, "kb.lua: error: unknown setting 'links.ttl'");
	S_has_line(f, "kb.lua: error: links.per_host must be a whole number from 1 to 64");
	S_has_line(f, "kb.lua: error: links.skip must be a list like { \"example.org\" }");
	assert_int_equal(S_requests(&f->srv), 0);
	/* The User-Agent names the site when kb.lua gives its address. */
	S_write("kb.lua", "base_url = \"https://kb.example.org/\"\nlinks = { delay = 0 }\n");
	assert_int_equal(S_kb_links(f, NULL), 0);
	assert_string_equal(f->srv.ua, "kb-links/0.1.0 (+https://kb.example.org/)");
}

/* --changed-since REF asks only for the URLs added since REF. */
static void test_links_changed_since(void **state)
{
	struct fixture *f = *state;
	const char *lines[] = { "[ok](%s/ok)", "[found](%s/found)" };
	S_topic(f, lines, 2);
	S_resource(f, "res", "/found", "live", NULL);
	assert_int_equal(system("git init -q . && git add -A && git -c user.name=t -c user.email=t@t "
				"commit -qm one"), 0);
	const char *more[] = { "[ok](%s/ok)", "[missing](%s/missing)", "[found](%s/found)" };
	S_topic(f, more, 3);
	assert_int_equal(S_kb_links(f, "--changed-since", "HEAD", NULL), 1);
	S_has_line(f, "kb: 1 entry changed since HEAD; 1 new or changed link to check");
	S_has_line(f, "content/topics/links.md:7:3: error: %s/missing answered 404");
	assert_int_equal(S_seen(&f->srv, "HEAD /ok"), 0);
	assert_int_equal(S_seen(&f->srv, "HEAD /found"), 0);
	assert_int_equal(S_kb_links(f, "--changed-since", "no-such-ref", NULL), 2);
}

/* The build shows the day from the cache, and only from it. */
static void test_links_build_date(void **state)
{
	struct fixture *f = *state;
	S_resource(f, "res", "/ok", "live", NULL);
	char *url = xasprintf("%s/ok", f->base);
	struct link l = { .url = url, .result = LINK_OK, .code = 200, .lasting = 1,
			  .checked = 1764000000 };
	assert_int_equal(links_cache_put(".kb-cache", &l), 0);
	char day[11];
	assert_int_equal(links_cache_date(".kb-cache", url, day), 0);
	assert_string_equal(day, "2025-11-24");
	char *frag = xasprintf("%s#x", url);
	assert_int_equal(links_cache_date(".kb-cache", frag, day), 0);
	free(frag);
	assert_int_equal(links_cache_date(".kb-cache", "https://nowhere.example/", day), -1);
	/* Too old for the checker, still the last check for the page. */
	struct link old = { .url = url };
	assert_int_equal(links_cache_get(".kb-cache", &old, 1764000000LL + 8 * 86400, 7), 0);
	assert_int_equal(links_cache_get(".kb-cache", &old, 1764000000LL + 86400, 7), 1);
	assert_int_equal(old.result, LINK_OK);
	old.url = NULL;
	link_release(&old);
	char *tpl = path_join(f->cwd, "templates");
	setenv("KB_TEMPLATES", tpl, 1);
	free(tpl);
	char *errors = NULL;
	assert_int_equal(build_site("site", 1, &errors), 0);
	free(errors);
	char *html = NULL;
	assert_int_equal(read_file("site/resources/res.html", &html, NULL), 0);
	assert_non_null(strstr(html, "<dt>Link checked</dt><dd><time datetime=\"2025-11-24\">2025-11-24</time></dd>"));
	free(html);
	assert_int_equal(S_requests(&f->srv), 0);
	free(url);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_links_every_case, setup, teardown),
		cmocka_unit_test_setup_teardown(test_links_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_links_per_host, setup, teardown),
		cmocka_unit_test_setup_teardown(test_links_statuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_links_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_links_offline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_links_formats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_links_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_links_changed_since, setup, teardown),
		cmocka_unit_test_setup_teardown(test_links_build_date, setup, teardown),
	};
	return cmocka_run_group_tests_name("links", tests, NULL, NULL);
}
