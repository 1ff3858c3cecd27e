/*
 * links.c - see links.h.
 */
#include "links.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

/* ---- URLs ---- */

void links_scheme(const char *url, char *out, size_t size)
{
	size_t i = 0;
	out[0] = '\0';
	if (!isalpha((unsigned char)url[0]))
		return;
	while (url[i] && (isalnum((unsigned char)url[i]) || url[i] == '+' ||
			  url[i] == '-' || url[i] == '.'))
		i++;
	if (url[i] != ':' || i + 1 > size)
		return;
	for (size_t k = 0; k < i; k++)
		out[k] = (char)tolower((unsigned char)url[k]);
	out[i] = '\0';
}

char *links_host(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL, *r = NULL;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host && *host) {
		r = xstrdup(host);
		for (char *c = r; *c; c++)
			*c = (char)tolower((unsigned char)*c);
	}
	curl_free(host);
	curl_url_cleanup(u);
	return r;
}

int links_host_listed(const struct strlist *hosts, const char *host)
{
	size_t hl = strlen(host);
	for (size_t i = 0; i < hosts->n; i++) {
		const char *h = hosts->items[i];
		size_t n = strlen(h);
		if (n == hl && !strcmp(h, host))
			return 1;
		if (hl > n && host[hl - n - 1] == '.' && !strcmp(host + hl - n, h))
			return 1;
	}
	return 0;
}

char *links_strip_fragment(const char *url)
{
	const char *hash = strchr(url, '#');
	return hash ? xstrndup(url, (size_t)(hash - url)) : xstrdup(url);
}

char *links_archive_address(const char *url)
{
	return xasprintf("https://web.archive.org/web/%s", url);
}

const char *links_result_name(enum link_result r)
{
	static const char *const names[] = {
		"pending", "ok", "moved", "broken", "failed", "skipped", "unsupported",
	};
	return (size_t)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

void link_release(struct link *l)
{
	free(l->url);
	free(l->target);
	free(l->detail);
	memset(l, 0, sizeof(*l));
}

void links_stats_release(struct links_stats *stats)
{
	free(stats->offline_why);
	memset(stats, 0, sizeof(*stats));
}

/* ---- the checker ---- */

struct S_host {
	char *name;
	int active;       /* requests running */
	double next;      /* no request starts before (monotonic seconds) */
	int no_head;      /* answered HEAD with 405 or 501: GET at once */
};

enum { J_WAITING, J_RUNNING, J_DONE };

struct S_job {
	struct link *l;
	struct S_host *host;  /* the host of cur */
	char *cur;            /* the URL of this hop */
	struct strlist chain; /* the URLs of the hops so far, for loops */
	int state;
	int get;              /* ask with GET, not HEAD */
	int tries;            /* tries of this hop after 429 or 503 */
	int perm;             /* every hop so far was a permanent redirect */
	double not_before;
	CURL *h;
	char err[CURL_ERROR_SIZE];
};

struct S_checker {
	const struct links_config *cfg;
	const char *ua;
	CURLM *m;
	struct curl_slist *headers;
	struct S_host **hosts;    /* each allocated: jobs point at them */
	size_t nhosts;
	struct S_job *jobs;
	size_t njobs, left;
	int active;
	size_t answered;      /* requests that reached a server */
	size_t unreachable;   /* jobs ended by resolve/connect failures */
	struct strlist failed_hosts;
	struct links_stats *stats;
};

static double S_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct S_host *S_host_of(struct S_checker *c, const char *url)
{
	char *name = links_host(url);
	if (!name)
		name = xstrdup("");
	for (size_t i = 0; i < c->nhosts; i++)
		if (!strcmp(c->hosts[i]->name, name)) {
			free(name);
			return c->hosts[i];
		}
	c->hosts = xrealloc(c->hosts, (c->nhosts + 1) * sizeof(*c->hosts));
	struct S_host *h = xcalloc(1, sizeof(*h));
	h->name = name;
	c->hosts[c->nhosts++] = h;
	return h;
}

/* The job asks for j->cur next: its host, and HEAD unless the host
 * answers HEAD badly. */
static void S_set_host(struct S_checker *c, struct S_job *j)
{
	j->host = S_host_of(c, j->cur);
	j->get = j->host->no_head;
}

/* Body bytes are not wanted: stop at the first. */
static size_t S_no_body(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	(void)size;
	(void)n;
	return 0;
}

static int S_start(struct S_checker *c, struct S_job *j)
{
	CURL *h = curl_easy_init();
	if (!h)
		return -1;
	j->err[0] = '\0';
	long ms = (long)(c->cfg->timeout * 1000);
	curl_easy_setopt(h, CURLOPT_URL, j->cur);
	curl_easy_setopt(h, CURLOPT_PRIVATE, j);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, j->err);
	curl_easy_setopt(h, CURLOPT_USERAGENT, c->ua);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ms);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, S_no_body);
	if (j->get)
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	else
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	if (curl_multi_add_handle(c->m, h) != CURLM_OK) {
		curl_easy_cleanup(h);
		return -1;
	}
	j->h = h;
	j->state = J_RUNNING;
	j->l->requests++;
	c->stats->requests++;
	c->active++;
	j->host->active++;
	double now = S_now();
	if (j->host->next < now + c->cfg->delay)
		j->host->next = now + c->cfg->delay;
	return 0;
}

static void S_finish(struct S_checker *c, struct S_job *j, enum link_result r, long code,
		     char *detail)
{
	struct link *l = j->l;
	l->result = r;
	l->code = code;
	free(l->detail);
	l->detail = detail;
	l->checked = (long long)time(NULL);
	j->state = J_DONE;
	c->left--;
}

static void S_fail(struct S_checker *c, struct S_job *j, int transport, int lasting,
		   char *detail)
{
	j->l->transport = transport;
	j->l->lasting = lasting;
	if (transport) {
		c->unreachable++;
		if (j->host && !strlist_contains(&c->failed_hosts, j->host->name))
			strlist_push(&c->failed_hosts, j->host->name);
		if (!c->stats->offline_why)
			c->stats->offline_why = xasprintf("%s: %s", j->host ? j->host->name : "?",
							  strncmp(detail, "failed: ", 8) ? detail : detail + 8);
	}
	S_finish(c, j, LINK_FAILED, 0, detail);
}

static int S_is_drop(CURLcode rc)
{
	return rc == CURLE_GOT_NOTHING || rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR ||
	       rc == CURLE_PARTIAL_FILE || rc == CURLE_WEIRD_SERVER_REPLY;
}

static void S_transport_error(struct S_checker *c, struct S_job *j, CURLcode rc, int connected)
{
	double t = c->cfg->timeout;
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
		j->l->dead = 1;
		S_fail(c, j, 1, 0, xstrdup("failed: host not found"));
		return;
	case CURLE_COULDNT_RESOLVE_PROXY:
		S_fail(c, j, 1, 0, xstrdup("failed: the proxy's host was not found"));
		return;
	case CURLE_COULDNT_CONNECT:
		S_fail(c, j, 2, 0, xstrdup("failed: could not connect to the server"));
		return;
	case CURLE_OPERATION_TIMEDOUT:
		if (!connected)
			S_fail(c, j, 2, 0, xasprintf("failed: could not connect within %g s", t));
		else
			S_fail(c, j, 0, 0, xasprintf("did not answer within %g s", t));
		return;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
		S_fail(c, j, 0, 0, xstrdup("closed the connection without an answer"));
		return;
	case CURLE_WEIRD_SERVER_REPLY:
		S_fail(c, j, 0, 0, xstrdup("answered something that is not HTTP"));
		return;
	case CURLE_URL_MALFORMAT:
		S_fail(c, j, 0, 1, xstrdup("is not a valid URL"));
		return;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
		S_fail(c, j, 0, 0, xasprintf("failed: TLS: %s",
					     j->err[0] ? j->err : curl_easy_strerror(rc)));
		return;
	default:
		S_fail(c, j, 0, 0, xasprintf("failed: %s",
					     j->err[0] ? j->err : curl_easy_strerror(rc)));
		return;
	}
}

/* "a -> b -> a" for a redirect loop back to url. */
static char *S_loop_text(const struct S_job *j, const char *url)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, "redirects in a loop: ");
	for (size_t i = 0; i < j->chain.n; i++)
		buf_printf(&b, "%s -> ", j->chain.items[i]);
	buf_puts(&b, url);
	return buf_detach(&b);
}

static void S_requeue(struct S_job *j, double not_before)
{
	j->state = J_WAITING;
	j->not_before = not_before;
}

/* One request of job j ended with rc. */
static void S_done(struct S_checker *c, struct S_job *j, CURLcode rc)
{
	CURL *h = j->h;
	long code = 0;
	char *loc = NULL;
	curl_off_t retry_after = -1, connect_us = 0, pretransfer_us = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc);
	curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &retry_after);
	curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connect_us);
	curl_easy_getinfo(h, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us);
	/* A reused connection has no connect time: the request went out. */
	int connected = connect_us > 0 || pretransfer_us > 0;
	char *next = loc ? xstrdup(loc) : NULL;
	curl_multi_remove_handle(c->m, h);
	curl_easy_cleanup(h);
	j->h = NULL;
	c->active--;
	j->host->active--;
	double now = S_now();

	if (rc == CURLE_WRITE_ERROR && code > 0)
		rc = CURLE_OK; /* S_no_body stopped it: the answer is in */
	if (rc != CURLE_OK) {
		free(next);
		if (!j->get && S_is_drop(rc)) {
			j->get = 1; /* some servers drop HEAD */
			S_requeue(j, 0);
			return;
		}
		if (connected)
			c->answered++;
		S_transport_error(c, j, rc, connected);
		return;
	}
	c->answered++;
	const struct links_config *cfg = c->cfg;
	if (code == 429 || code == 503) {
		long wait = retry_after >= 0 ? (long)retry_after : 1L << j->tries;
		if (j->tries < cfg->retries && wait <= cfg->retry_wait) {
			j->tries++;
			S_requeue(j, now + (double)wait);
			if (j->host->next < now + (double)wait)
				j->host->next = now + (double)wait;
			free(next);
			return;
		}
		free(next);
		char *d = j->tries < cfg->retries ?
			xasprintf("answered %ld and asked to wait %ld s, longer than links.retry_wait (%d s)",
				  code, wait, cfg->retry_wait) :
			xasprintf("answered %ld, %d times", code, j->tries + 1);
		S_finish(c, j, LINK_BROKEN, code, d);
		return;
	}
	if (code >= 300 && code < 400 && next) {
		char scheme[16];
		links_scheme(next, scheme, sizeof(scheme));
		if (strcmp(scheme, "http") && strcmp(scheme, "https")) {
			j->l->lasting = 1;
			S_finish(c, j, LINK_FAILED, code,
				 xasprintf("redirects to %s, which is not an http(s) URL", next));
			free(next);
			return;
		}
		if (!strcmp(next, j->cur) || strlist_contains(&j->chain, next)) {
			strlist_push(&j->chain, j->cur);
			j->l->lasting = 1;
			S_finish(c, j, LINK_FAILED, code, S_loop_text(j, next));
			free(next);
			return;
		}
		if (j->chain.n >= LINKS_MAX_REDIRECTS) {
			j->l->lasting = 1;
			S_finish(c, j, LINK_FAILED, code,
				 xasprintf("redirects more than %d times", LINKS_MAX_REDIRECTS));
			free(next);
			return;
		}
		int permanent = code == 301 || code == 308;
		if (j->perm && permanent) {
			free(j->l->target);
			j->l->target = xstrdup(next);
		} else {
			j->perm = 0;
		}
		strlist_push(&j->chain, j->cur);
		free(j->cur);
		j->cur = next;
		j->tries = 0;
		S_set_host(c, j);
		S_requeue(j, 0);
		return;
	}
	free(next);
	if (code >= 400 && !j->get) {
		/* Many servers answer HEAD badly: ask again with GET. */
		if (code == 405 || code == 501)
			j->host->no_head = 1;
		j->get = 1;
		S_requeue(j, 0);
		return;
	}
	if (code >= 400) {
		int gone = code == 404 || code == 410;
		if (!gone && links_host_listed(&cfg->allow, j->host->name)) {
			j->l->lasting = 1;
			S_finish(c, j, j->l->target ? LINK_MOVED : LINK_OK, code, NULL);
			return;
		}
		j->l->dead = gone;
		j->l->lasting = code < 500 && code != 408 && code != 429;
		S_finish(c, j, LINK_BROKEN, code, xasprintf("answered %ld", code));
		return;
	}
	j->l->lasting = 1;
	if (j->l->target)
		S_finish(c, j, LINK_MOVED, code,
			 xasprintf("moved permanently to %s", j->l->target));
	else
		S_finish(c, j, LINK_OK, code, NULL);
}

/* Starts what may start now; returns when the next waiting job may. */
static double S_schedule(struct S_checker *c, int stop)
{
	double now = S_now(), wake = now + 1.0;
	for (size_t i = 0; i < c->njobs && !stop; i++) {
		struct S_job *j = &c->jobs[i];
		if (j->state != J_WAITING)
			continue;
		if (c->active >= c->cfg->concurrency)
			break;
		if (j->not_before > now) {
			if (j->not_before < wake)
				wake = j->not_before;
			continue;
		}
		if (j->host->active >= c->cfg->per_host)
			continue;
		if (j->host->next > now) {
			if (j->host->next < wake)
				wake = j->host->next;
			continue;
		}
		if (S_start(c, j) < 0)
			S_fail(c, j, 0, 0, xstrdup("failed: libcurl could not start the request"));
	}
	return wake;
}

int links_check(struct link *links, size_t n, const struct links_config *cfg,
		const char *user_agent, int progress, struct links_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	struct S_checker c;
	memset(&c, 0, sizeof(c));
	c.cfg = cfg;
	c.ua = user_agent;
	c.stats = stats;
	c.m = curl_multi_init();
	if (!c.m)
		return -1;
	/* S_schedule() keeps to the limits; this one makes libcurl close an
	 * idle connection to a host before it opens one more there. */
	curl_multi_setopt(c.m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)cfg->per_host);
	c.headers = curl_slist_append(NULL, "Accept: text/html,application/xhtml+xml,*/*;q=0.8");
	c.jobs = xcalloc(n ? n : 1, sizeof(*c.jobs));
	for (size_t i = 0; i < n; i++) {
		struct link *l = &links[i];
		if (l->result != LINK_PENDING)
			continue;
		char scheme[16];
		links_scheme(l->url, scheme, sizeof(scheme));
		if (strcmp(scheme, "http") && strcmp(scheme, "https")) {
			l->result = LINK_UNSUPPORTED;
			free(l->detail);
			l->detail = xasprintf("not checked: kb checks http and https links, not %s:",
					      *scheme ? scheme : "scheme-less");
			continue;
		}
		char *host = links_host(l->url);
		if (host && links_host_listed(&cfg->skip, host)) {
			l->result = LINK_SKIPPED;
			free(host);
			continue;
		}
		free(host);
		struct S_job *j = &c.jobs[c.njobs++];
		j->l = l;
		j->cur = xstrdup(l->url);
		j->perm = 1;
		j->state = J_WAITING;
	}
	for (size_t i = 0; i < c.njobs; i++)
		S_set_host(&c, &c.jobs[i]);
	c.left = c.njobs;
	size_t total = c.njobs;
	int stop = 0;
	while (c.left) {
		/* No answer at all from eight hosts: no network here. */
		if (!c.answered && c.failed_hosts.n >= 8)
			stop = 1;
		if (stop && !c.active)
			break;
		double wake = S_schedule(&c, stop);
		double wait = wake - S_now();
		int ms = c.active ? 50 : (int)(wait * 1000) + 1;
		if (ms < 0)
			ms = 0;
		if (ms > 1000)
			ms = 1000;
		curl_multi_poll(c.m, NULL, 0, ms, NULL);
		int running;
		curl_multi_perform(c.m, &running);
		CURLMsg *msg;
		int queued;
		while ((msg = curl_multi_info_read(c.m, &queued))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			struct S_job *j = NULL;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&j);
			S_done(&c, j, msg->data.result);
		}
		if (progress)
			fprintf(stderr, "\r\033[Kkb: links: %zu of %zu checked", total - c.left, total);
	}
	if (progress && total)
		fputs("\r\033[K", stderr);
	for (size_t i = 0; i < c.njobs; i++) {
		struct S_job *j = &c.jobs[i];
		if (j->state != J_DONE) { /* stopped: no network */
			j->l->transport = 2;
			j->l->result = LINK_FAILED;
			free(j->l->detail);
			j->l->detail = xstrdup("not checked: no network");
		}
		free(j->cur);
		strlist_release(&j->chain);
	}
	stats->answered = c.answered;
	stats->offline = total && !c.answered && c.unreachable && c.failed_hosts.n >= 2;
	for (size_t i = 0; i < c.nhosts; i++) {
		free(c.hosts[i]->name);
		free(c.hosts[i]);
	}
	free(c.hosts);
	free(c.jobs);
	strlist_release(&c.failed_hosts);
	curl_slist_free_all(c.headers);
	curl_multi_cleanup(c.m);
	return 0;
}

/* ---- the cache ---- */

/* .kb-cache/links/<32 hex digits>: 64-bit FNV-1a of url and a variant of
 * it (the file also holds the URL, compared on reading). */
static char *S_cache_path(const char *dir, const char *url)
{
	uint64_t a = 0xcbf29ce484222325ULL, b = 0x84222325cbf29ce4ULL;
	for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
		a = (a ^ *p) * 0x100000001b3ULL;
		b = (b ^ *p) * 0x100000001b3ULL;
		b ^= b >> 29;
	}
	return xasprintf("%s/links/%016llx%016llx", dir, (unsigned long long)a,
			 (unsigned long long)b);
}

/* The value of "key value" line key in text, or NULL; caller frees. */
static char *S_cache_field(const char *text, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, kl) && p[kl] == ' ') {
			const char *v = p + kl + 1, *end = strchr(v, '\n');
			return end ? xstrndup(v, (size_t)(end - v)) : xstrdup(v);
		}
	}
	return NULL;
}

/* Reads url's cache file: its text (caller frees), or NULL. */
static char *S_cache_read(const char *dir, const char *url)
{
	char *path = S_cache_path(dir, url), *text = NULL;
	int rc = read_file(path, &text, NULL);
	free(path);
	if (rc < 0)
		return NULL;
	char *u = S_cache_field(text, "url");
	int same = u && !strcmp(u, url);
	free(u);
	if (!same) {
		free(text);
		return NULL;
	}
	return text;
}

static long long S_cache_number(const char *text, const char *key)
{
	char *v = S_cache_field(text, key);
	long long n = v ? strtoll(v, NULL, 10) : 0;
	free(v);
	return n;
}

int links_cache_get(const char *cache_dir, struct link *l, long long now, int ttl_days)
{
	char *text = S_cache_read(cache_dir, l->url);
	if (!text)
		return 0;
	long long checked = S_cache_number(text, "checked");
	char *result = S_cache_field(text, "result");
	enum link_result r = LINK_PENDING;
	for (int k = LINK_OK; k <= LINK_FAILED && result; k++)
		if (!strcmp(result, links_result_name((enum link_result)k)))
			r = (enum link_result)k;
	free(result);
	if (r == LINK_PENDING || checked <= 0 || now - checked >= (long long)ttl_days * 86400 ||
	    checked > now + 86400) {
		free(text);
		return 0;
	}
	l->result = r;
	l->checked = checked;
	l->code = (long)S_cache_number(text, "code");
	l->dead = (int)S_cache_number(text, "dead");
	free(l->target);
	free(l->detail);
	l->target = S_cache_field(text, "target");
	l->detail = S_cache_field(text, "detail");
	l->lasting = 1;
	l->cached = 1;
	free(text);
	return 1;
}

/* Whether s fits on one line of a cache file. */
static int S_one_line(const char *s)
{
	return !s || !strpbrk(s, "\r\n");
}

int links_cache_put(const char *cache_dir, const struct link *l)
{
	if (!l->lasting || l->cached || l->result < LINK_OK || l->result > LINK_FAILED ||
	    !S_one_line(l->url) || !S_one_line(l->target) || !S_one_line(l->detail))
		return 0;
	struct buf b = BUF_INIT;
	buf_printf(&b, "url %s\nchecked %lld\nresult %s\ncode %ld\ndead %d\n", l->url,
		   l->checked, links_result_name(l->result), l->code, l->dead);
	if (l->target)
		buf_printf(&b, "target %s\n", l->target);
	if (l->detail)
		buf_printf(&b, "detail %s\n", l->detail);
	char *path = S_cache_path(cache_dir, l->url);
	int rc = write_file_replace(path, b.data, b.len);
	free(path);
	buf_release(&b);
	return rc;
}

int links_cache_date(const char *cache_dir, const char *url, char out[11])
{
	char *u = links_strip_fragment(url);
	char *text = S_cache_read(cache_dir, u);
	free(u);
	if (!text)
		return -1;
	long long checked = S_cache_number(text, "checked");
	free(text);
	if (checked <= 0)
		return -1;
	time_t t = (time_t)checked;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
	return 0;
}
