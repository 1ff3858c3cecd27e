/*
 * links.h - checks external URLs over HTTP(S) for `kb links`, and keeps
 * the results in .kb-cache/links/ for the next run and for the build.
 *
 * links_check() runs every request through one libcurl multi handle:
 * up to links.concurrency at once, at most links.per_host to one host
 * with links.delay seconds between two starts there. Each URL is asked
 * with HEAD first; an error answer (4xx, 5xx) or a dropped connection is
 * asked again with GET, whose body is never read, since many servers
 * answer HEAD badly. Redirects are followed by hand, one hop at a time
 * (each hop counts against its own host), up to LINKS_MAX_REDIRECTS;
 * a URL seen twice is a loop. When every hop from the URL as written is
 * permanent (301, 308), the result is LINK_MOVED with the last of their
 * targets. 429 and 503 are asked again after Retry-After (or 1, 2, 4 s
 * without one) up to links.retries more times, unless the server asks
 * for longer than links.retry_wait; the host gets no request meanwhile.
 *
 * The cache holds one small text file per URL (a hash of it names the
 * file), with the time of the check: results that last (answers, but not
 * 408, 429 or 5xx; redirect loops) are reused for links.ttl_days. Failures
 * to connect, time-outs and dropped connections are never cached, so an
 * offline run leaves the cache as it was. The build reads the date of
 * the last check from there, never from the network.
 */
#ifndef KB_LINKS_H
#define KB_LINKS_H

#include "config.h"
#include "util.h"

#define LINKS_MAX_REDIRECTS 10

enum link_result {
	LINK_PENDING,      /* not checked yet */
	LINK_OK,           /* answered (2xx, or a 3xx leading to one) */
	LINK_MOVED,        /* answered after permanent redirects: see target */
	LINK_BROKEN,       /* answered with an error status: see code */
	LINK_FAILED,       /* no answer: time-out, refused, dropped, loop, TLS */
	LINK_SKIPPED,      /* its host is in links.skip: not requested */
	LINK_UNSUPPORTED,  /* not http: or https: : not requested */
};

/* One distinct URL and what checking it found. Strings are owned. */
struct link {
	char *url;          /* as requested: the URL without its #fragment */
	enum link_result result;
	long code;          /* the last HTTP status, 0 when there was none */
	char *target;       /* LINK_MOVED: where it moved to; else NULL */
	char *detail;       /* why it is not fine: "answered 404", "did not
			     * answer within 10 s", ...; NULL when fine */
	int dead;           /* gone for good: 404, 410, or no such host */
	int lasting;        /* the result may be cached (not a passing failure) */
	int transport;      /* LINK_FAILED before any answer: 1 the host name
			     * did not resolve, 2 no connection; else 0 */
	int cached;         /* the result came from the cache */
	long long checked;  /* unix time of the check, 0 when none */
	unsigned requests;  /* HTTP requests made for it in this run */
};

struct links_stats {
	size_t requests;    /* HTTP requests made */
	size_t answered;    /* requests that reached a server */
	int offline;        /* every request failed to resolve or connect, on
			     * two hosts or more: this machine has no network */
	char *offline_why;  /* then: one example, "host: host not found";
			     * owned, freed by links_stats_release() */
};

/* The scheme of url, lowercased, into out ("https"); "" when it has none. */
void links_scheme(const char *url, char *out, size_t size);
/* The host name of an http(s) url, lowercased; caller frees; NULL when
 * url is not a valid http(s) URL. */
char *links_host(const char *url);
/* 1 when host or a domain it belongs to is in hosts. */
int links_host_listed(const struct strlist *hosts, const char *host);
/* url without its #fragment; caller frees. */
char *links_strip_fragment(const char *url);
/* The Web Archive address of url, "https://web.archive.org/web/URL",
 * built, never asked for; caller frees. */
char *links_archive_address(const char *url);

/*
 * Checks every link of links[0..n) whose result is LINK_PENDING, as the
 * header describes, sending user_agent. curl_global_init() must have
 * been called. progress: show "checked k of n" on stderr. Fills the
 * results and stats (zeroed first). Returns 0, or -1 when libcurl cannot
 * start (then results stay pending).
 */
int links_check(struct link *links, size_t n, const struct links_config *cfg,
		const char *user_agent, int progress, struct links_stats *stats);
void links_stats_release(struct links_stats *stats);

/*
 * The cache, in cache_dir ("./.kb-cache"), under links/. links_cache_get
 * fills l from the stored result when there is one younger than
 * ttl_days at time now, and returns 1 (l->cached set), else 0.
 * links_cache_put stores l when its result lasts; returns 0 or -1.
 */
int links_cache_get(const char *cache_dir, struct link *l, long long now, int ttl_days);
int links_cache_put(const char *cache_dir, const struct link *l);

/* The day ("2026-12-07", UTC) the cache last checked url (its fragment
 * ignored), whatever its age, into out; returns 0, or -1 when the cache
 * does not know it. Reads one file, never the network. */
int links_cache_date(const char *cache_dir, const char *url, char out[11]);

/* The word for a result: "ok", "moved", "broken", ... (static). */
const char *links_result_name(enum link_result r);

void link_release(struct link *l);

#endif
