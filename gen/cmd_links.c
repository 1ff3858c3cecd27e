/*
 * cmd_links.c - `kb links` (see cmd_links.h): gathers every external URL
 * of the site with its file:line:col (resources' url and archive_url
 * from the front matter, links and images of every body), checks each
 * distinct one once (links.c), and reports as the build does. Keeps
 * resources' status honest: a live entry whose URL is dead, an archived
 * one whose archive_url does not answer, are errors whose note gives the
 * fix, and --record writes it into the front matter.
 */
#include "cmd_links.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "config.h"
#include "history.h"
#include "links.h"
#include "load.h"
#include "markdown.h"

const char *kb_version(void);

#define CACHE_DIR ".kb-cache"

enum use_kind { U_URL, U_ARCHIVE, U_BODY };

/* One place a URL is written. */
struct S_use {
	struct entry *e;
	enum use_kind kind;
	char *written;     /* the URL as written */
	char *url;         /* without its #fragment */
	int line, col;
	size_t link;       /* in st->links */
};

struct S_opts {
	const char *changed_since;
	int record;
	int json;
	int no_cache;
	const char *junit;
};

struct S_state {
	const struct S_opts *o;
	struct config cfg;
	struct site site;
	struct diags d;
	struct S_use *uses;
	size_t nuses;
	struct link *links;
	size_t nlinks;
	size_t recorded;
	int unanswered;    /* requests were made and none reached a server */
};

static void S_add_use(struct S_state *st, struct entry *e, enum use_kind kind,
		      const char *url, int line, int col)
{
	if ((st->nuses & (st->nuses - 1)) == 0)
		st->uses = xrealloc(st->uses, (st->nuses ? st->nuses * 2 : 16) * sizeof(*st->uses));
	struct S_use *u = &st->uses[st->nuses++];
	u->e = e;
	u->kind = kind;
	u->written = xstrdup(url);
	u->url = links_strip_fragment(url);
	u->line = line;
	u->col = col;
	u->link = 0;
}

/* The column of key's value on file line `line` of text (1-based), or 0. */
static int S_value_col(const char *text, int line, const char *key)
{
	const char *p = text;
	for (int l = 1; l < line && p; l++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p)
		return 0;
	const char *end = strchr(p, '\n');
	size_t kl = strlen(key);
	size_t len = end ? (size_t)(end - p) : strlen(p);
	if (len > kl && !strncmp(p, key, kl) && p[kl] == ':') {
		size_t c = kl + 1;
		while (c < len && (p[c] == ' ' || p[c] == '\t'))
			c++;
		return (int)c + 1;
	}
	return 0;
}

struct S_body {
	struct S_state *st;
	struct entry *e;
	struct strlist *into;  /* or collect the URLs only (old versions) */
};

static void S_body_link(const char *url, int line, int col, void *payload)
{
	struct S_body *b = payload;
	char scheme[16];
	links_scheme(url, scheme, sizeof(scheme));
	/* Addresses, not pages: nothing to ask for. */
	if (!strcmp(scheme, "mailto") || !strcmp(scheme, "tel"))
		return;
	if (b->into)
		strlist_push_owned(b->into, links_strip_fragment(url));
	else
		S_add_use(b->st, b->e, U_BODY, url, line, col);
}

static const char *S_status(const struct entry *e)
{
	const struct field *f = entry_field(e, "status");
	return f && f->value ? f->value : NULL;
}

/* Every URL of e, in file order: the resource's, then the body's. A gone
 * or archived resource's url is not asked for (it is known not to answer
 * as it did); its archive_url is. */
static void S_collect(struct S_state *st, struct entry *e)
{
	const char *status = S_status(e);
	const struct field *f = entry_field(e, "url");
	if (f && f->value && (!status || !strcmp(status, "live")))
		S_add_use(st, e, U_URL, f->value, f->line, S_value_col(e->text, f->line, "url"));
	f = entry_field(e, "archive_url");
	if (f && f->value)
		S_add_use(st, e, U_ARCHIVE, f->value, f->line,
			  S_value_col(e->text, f->line, "archive_url"));
	struct S_body b = { st, e, NULL };
	markdown_external_links(e, S_body_link, &b);
}

/* ---- --changed-since ---- */

/* Keeps only the uses whose URL is new in their file since REF, or
 * whose resource changed its status: returns 0, or 2 when REF is
 * unknown. */
static int S_select_changed(struct S_state *st)
{
	char *err = NULL;
	struct history_since *since = history_since_open(".", st->o->changed_since, &err);
	if (!since)
		return report_error(err, 2);
	size_t k = 0, files = 0;
	for (size_t i = 0; i < st->nuses;) {
		struct entry *e = st->uses[i].e;
		size_t end = i;
		while (end < st->nuses && st->uses[end].e == e)
			end++;
		if (!history_since_changed(since, e->path)) {
			for (; i < end; i++) {
				free(st->uses[i].written);
				free(st->uses[i].url);
			}
			continue;
		}
		files++;
		struct strlist old = STRLIST_INIT;
		const char *old_status = NULL;
		struct entry *oe = NULL;
		char *text = history_since_text(since, e->path);
		struct diags scratch = DIAGS_INIT;
		if (text && (oe = load_entry(e->path, text, &scratch))) {
			const struct field *f;
			if ((f = entry_field(oe, "url")) && f->value)
				strlist_push_owned(&old, links_strip_fragment(f->value));
			if ((f = entry_field(oe, "archive_url")) && f->value)
				strlist_push_owned(&old, links_strip_fragment(f->value));
			old_status = S_status(oe);
			struct S_body b = { st, oe, &old };
			markdown_external_links(oe, S_body_link, &b);
		}
		diag_release(&scratch);
		const char *status = S_status(e);
		int status_changed = oe && (!old_status != !status ||
					    (status && strcmp(status, old_status)));
		for (; i < end; i++) {
			struct S_use *u = &st->uses[i];
			int keep = !oe || !strlist_contains(&old, u->url) ||
				   (u->kind != U_BODY && status_changed);
			if (keep) {
				st->uses[k++] = *u;
			} else {
				free(u->written);
				free(u->url);
			}
		}
		if (oe)
			entry_free(oe);
		strlist_release(&old);
	}
	st->nuses = k;
	if (!st->o->json)
		fprintf(stderr, "kb: %zu entr%s changed since %s; %zu new or changed link%s to check\n",
			files, files == 1 ? "y" : "ies", st->o->changed_since, k, k == 1 ? "" : "s");
	history_since_free(since);
	return 0;
}

/* ---- checking ---- */

static int S_cmp_use(const void *a, const void *b)
{
	const struct S_use *x = *(const struct S_use *const *)a, *y = *(const struct S_use *const *)b;
	return strcmp(x->url, y->url);
}

/* One struct link per distinct URL. */
static void S_make_links(struct S_state *st)
{
	struct S_use **by = xmalloc((st->nuses ? st->nuses : 1) * sizeof(*by));
	for (size_t i = 0; i < st->nuses; i++)
		by[i] = &st->uses[i];
	qsort(by, st->nuses, sizeof(*by), S_cmp_use);
	st->links = xcalloc(st->nuses ? st->nuses : 1, sizeof(*st->links));
	for (size_t i = 0; i < st->nuses; i++) {
		if (!i || strcmp(by[i]->url, by[i - 1]->url))
			st->links[st->nlinks++].url = xstrdup(by[i]->url);
		by[i]->link = st->nlinks - 1;
	}
	free(by);
}

static char *S_user_agent(const struct config *cfg)
{
	if (*cfg->base_url)
		return xasprintf("kb-links/%s (+%s)", kb_version(), cfg->base_url);
	return xasprintf("kb-links/%s", kb_version());
}

/* ---- --record ---- */

/* The start and end of key's value in the front matter of text, or -1. */
static long S_fm_value(const char *text, const char *key, long *end)
{
	if (strncmp(text, "---\n", 4))
		return -1;
	size_t kl = strlen(key);
	for (const char *p = text + 4; *p; ) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if ((len == 3 && (!strncmp(p, "---", 3) || !strncmp(p, "...", 3))))
			return -1;
		if (len > kl && !strncmp(p, key, kl) && p[kl] == ':') {
			size_t s = kl + 1;
			while (s < len && p[s] == ' ')
				s++;
			size_t e = s;
			if (s < len && (p[s] == '"' || p[s] == '\'')) {
				char q = p[s];
				for (e = s + 1; e < len && p[e] != q; e++)
					if (q == '"' && p[e] == '\\')
						e++;
				e = e < len ? e + 1 : len;
			} else {
				while (e < len && !(p[e] == '#' && e > s && p[e - 1] == ' '))
					e++;
				while (e > s && p[e - 1] == ' ')
					e--;
			}
			*end = (long)(p - text) + (long)e;
			return (long)(p - text) + (long)s;
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	return -1;
}

/* The end of key's line in the front matter (after its newline), or -1. */
static long S_fm_line_end(const char *text, const char *key)
{
	long end;
	if (S_fm_value(text, key, &end) < 0)
		return -1;
	const char *nl = strchr(text + end, '\n');
	return nl ? (long)(nl - text) + 1 : -1;
}

/* text with [from, to) replaced by rep; frees text. */
static char *S_splice(char *text, long from, long to, const char *rep)
{
	char *r = xasprintf("%.*s%s%s", (int)from, text, rep, text + to);
	free(text);
	return r;
}

/* A YAML double-quoted string of s; caller frees. */
static char *S_quoted(const char *s)
{
	struct buf b = BUF_INIT;
	buf_putc(&b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, *s);
	}
	buf_putc(&b, '"');
	return buf_detach(&b);
}

/* Writes status (when not NULL) and archive_url (when not NULL) into the
 * front matter of path, changing those values only (archive_url is added
 * after status when missing). Returns 0, or -1 after an error in d. */
static int S_record(const char *path, const char *status, const char *archive_url,
		    struct diags *d)
{
	char *text;
	if (read_file(path, &text, NULL) < 0) {
		diag_add(d, DIAG_ERROR, path, 0, 0, "cannot read: %s", strerror(errno));
		return -1;
	}
	long from, to;
	if (status && (from = S_fm_value(text, "status", &to)) >= 0)
		text = S_splice(text, from, to, status);
	if (archive_url) {
		char *q = S_quoted(archive_url);
		if ((from = S_fm_value(text, "archive_url", &to)) >= 0) {
			text = S_splice(text, from, to, q);
		} else if ((from = S_fm_line_end(text, "status")) >= 0) {
			char *line = xasprintf("archive_url: %s\n", q);
			text = S_splice(text, from, from, line);
			free(line);
		}
		free(q);
	}
	int rc = write_file(path, text, strlen(text));
	if (rc < 0)
		diag_add(d, DIAG_ERROR, path, 0, 0, "cannot write: %s", strerror(errno));
	free(text);
	return rc;
}

/* ---- reports ---- */

static int S_is_web_archive(const char *url)
{
	return !strncmp(url, "https://web.archive.org/", 24) ||
	       !strncmp(url, "http://web.archive.org/", 23);
}

/* The message about u, or nothing when its link is fine. */
static void S_report(struct S_state *st, struct S_use *u)
{
	const struct link *l = &st->links[u->link];
	const char *file = u->e->path;
	struct diags *d = &st->d;
	switch (l->result) {
	case LINK_OK:
	case LINK_SKIPPED:
	case LINK_PENDING:
		return;
	case LINK_UNSUPPORTED:
		diag_add(d, DIAG_WARNING, file, u->line, u->col, "%s: %s", u->written, l->detail);
		return;
	case LINK_MOVED:
		diag_add(d, DIAG_WARNING, file, u->line, u->col,
			 "%s moved permanently to %s; link to the new address", u->written,
			 l->target);
		return;
	case LINK_BROKEN:
	case LINK_FAILED:
		break;
	}
	/* What --record would write, for a resource whose link is dead. */
	const char *status = S_status(u->e);
	char *fix_status = NULL, *fix_archive = NULL, *advice = NULL;
	if (l->dead && l->transport && st->unanswered) {
		/* Nothing answered: the host may be fine and the network not. */
	} else if (l->dead && u->kind == U_URL) {
		fix_status = xstrdup("archived");
		fix_archive = links_archive_address(u->url);
		advice = xasprintf("the entry says status: %s; if the page is gone for good, "
				   "mark it archived: status: archived, archive_url: %s",
				   status ? status : "live", fix_archive);
	} else if (l->dead && u->kind == U_ARCHIVE && status && !strcmp(status, "archived")) {
		const struct field *f = entry_field(u->e, "url");
		if (!S_is_web_archive(u->url) && f && f->value) {
			fix_archive = links_archive_address(f->value);
			advice = xasprintf("status: archived needs an archive_url that answers; "
					   "try the Web Archive: archive_url: %s", fix_archive);
		} else {
			fix_status = xstrdup("gone");
			advice = xstrdup("status: archived needs an archive_url that answers; "
					 "if no copy is left, mark it status: gone");
		}
	} else if (l->code == 401 || l->code == 403 || l->code == 429) {
		char *host = links_host(l->url);
		advice = xasprintf("if %s turns robots away, add it to links.allow in %s",
				   host ? host : "the site", st->cfg.path);
		free(host);
	}
	if (st->o->record && (fix_status || fix_archive)) {
		if (S_record(file, fix_status, fix_archive, d) == 0) {
			st->recorded++;
			struct buf what = BUF_INIT;
			if (fix_status)
				buf_printf(&what, "status: %s", fix_status);
			if (fix_archive)
				buf_printf(&what, "%sarchive_url: %s", fix_status ? ", " : "",
					   fix_archive);
			diag_add(d, DIAG_NOTE, file, u->line, u->col, "%s %s; recorded %s",
				 u->written, l->detail, what.data);
			buf_release(&what);
		}
	} else {
		diag_add(d, DIAG_ERROR, file, u->line, u->col, "%s %s", u->written, l->detail);
		if (advice)
			diag_add(d, DIAG_NOTE, file, u->line, u->col, "%s%s", advice,
				 fix_status || fix_archive ? " (kb links --record writes it)" : "");
	}
	free(fix_status);
	free(fix_archive);
	free(advice);
}

static void S_json_str(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(b, "\\%c", *p);
		else if (*p < 0x20)
			buf_printf(b, "\\u%04x", *p);
		else
			buf_putc(b, (char)*p);
	}
	buf_putc(b, '"');
}

static void S_day(long long t, char out[11])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* A JSON array, one object per place a URL is written. */
static void S_print_json(const struct S_state *st, FILE *out)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, "[");
	for (size_t i = 0; i < st->nuses; i++) {
		const struct S_use *u = &st->uses[i];
		const struct link *l = &st->links[u->link];
		buf_puts(&b, i ? ",\n  {" : "\n  {");
		buf_puts(&b, "\"file\": ");
		S_json_str(&b, u->e->path);
		buf_printf(&b, ", \"line\": %d, \"col\": %d, \"url\": ", u->line, u->col);
		S_json_str(&b, u->written);
		buf_puts(&b, ", \"result\": ");
		S_json_str(&b, links_result_name(l->result));
		if (l->code)
			buf_printf(&b, ", \"http_status\": %ld", l->code);
		if (l->target) {
			buf_puts(&b, ", \"target\": ");
			S_json_str(&b, l->target);
		}
		if (l->detail) {
			buf_puts(&b, ", \"message\": ");
			S_json_str(&b, l->detail);
		}
		if (l->checked) {
			char day[11];
			S_day(l->checked, day);
			buf_printf(&b, ", \"checked\": \"%s\"", day);
		}
		buf_printf(&b, ", \"cached\": %s}", l->cached ? "true" : "false");
	}
	buf_puts(&b, st->nuses ? "\n]\n" : "]\n");
	fputs(b.data, out);
	buf_release(&b);
}

/* A JUnit XML report: one test case per place a URL is written. */
static int S_write_junit(const struct S_state *st, const char *path, struct diags *d)
{
	size_t failures = 0;
	for (size_t i = 0; i < st->nuses; i++) {
		enum link_result r = st->links[st->uses[i].link].result;
		failures += r == LINK_BROKEN || r == LINK_FAILED;
	}
	struct buf b = BUF_INIT;
	buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		       "<testsuites><testsuite name=\"kb links\" tests=\"%zu\" failures=\"%zu\">\n",
		   st->nuses, failures);
	for (size_t i = 0; i < st->nuses; i++) {
		const struct S_use *u = &st->uses[i];
		const struct link *l = &st->links[u->link];
		buf_puts(&b, "  <testcase classname=\"");
		buf_put_xml(&b, u->e->path);
		buf_puts(&b, "\" name=\"");
		buf_put_xml(&b, u->written);
		buf_puts(&b, "\">");
		if (l->result == LINK_BROKEN || l->result == LINK_FAILED) {
			buf_puts(&b, "<failure message=\"");
			buf_put_xml(&b, l->detail ? l->detail : "broken");
			buf_printf(&b, "\">%s:%d:%d: ", u->e->path, u->line, u->col);
			buf_put_xml(&b, u->written);
			buf_putc(&b, ' ');
			buf_put_xml(&b, l->detail ? l->detail : "broken");
			buf_puts(&b, "</failure>");
		} else if (l->result == LINK_SKIPPED || l->result == LINK_UNSUPPORTED) {
			buf_puts(&b, "<skipped/>");
		}
		buf_puts(&b, "</testcase>\n");
	}
	buf_puts(&b, "</testsuite></testsuites>\n");
	return write_junit_report(path, &b, d);
}

/* ---- the command ---- */

static const char links_usage[] =
	"usage: kb links [--changed-since REF] [--record] [--json] [--format text|json|junit]\n"
	"                [--junit FILE] [--no-cache]\n"
	"\n"
	"Checks every external URL of the site: resources' url and archive_url and\n"
	"the links of every entry's body. Problems are reported at file:line:col.\n"
	"Results are cached in .kb-cache/links/ for links.ttl_days (kb.lua, default 7).\n"
	"\n"
	"      --changed-since REF  check only URLs added or changed since REF\n"
	"      --record             write the suggested status and archive_url into\n"
	"                           the front matter of resources whose URL is dead\n"
	"      --json               print the results as a JSON array\n"
	"      --format FORMAT      text (default), json, or junit (to --junit FILE)\n"
	"      --junit FILE         where --format junit writes (default: kb-links.xml)\n"
	"      --no-cache           ask every URL again\n"
	"  -h, --help               show this help\n"
	"\n"
	"Exit status: 0 all links fine, 1 a link is broken, 2 usage error,\n"
	"3 no network: no host could be reached, nothing was checked.\n";

static int S_finish(struct S_state *st, int rc)
{
	for (size_t i = 0; i < st->nuses; i++) {
		free(st->uses[i].written);
		free(st->uses[i].url);
	}
	free(st->uses);
	for (size_t i = 0; i < st->nlinks; i++)
		link_release(&st->links[i]);
	free(st->links);
	site_release(&st->site);
	config_release(&st->cfg);
	diag_release(&st->d);
	return rc;
}

static int S_run(const struct S_opts *o)
{
	struct S_state st;
	memset(&st, 0, sizeof(st));
	st.o = o;
	struct stat sb;
	if (stat("content", &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "kb: no content/ folder here: run kb at the top of a kb project\n");
		return 2;
	}
	config_load(&st.cfg, "kb.lua", &st.d);
	if (st.d.errors) {
		diag_print(&st.d, stderr);
		return S_finish(&st, 1);
	}
	markdown_init();
	if (load_site(&st.site, "content", (int)(sysconf(_SC_NPROCESSORS_ONLN) > 0 ? sysconf(_SC_NPROCESSORS_ONLN) : 1), &st.d) < 0) {
		diag_print(&st.d, stderr);
		return S_finish(&st, 1);
	}
	for (size_t i = 0; i < st.site.n; i++)
		S_collect(&st, st.site.entries[i]);
	if (o->changed_since) {
		int rc = S_select_changed(&st);
		if (rc)
			return S_finish(&st, rc);
	}
	S_make_links(&st);

	long long now = (long long)time(NULL);
	size_t cached = 0;
	if (!o->no_cache)
		for (size_t i = 0; i < st.nlinks; i++)
			cached += (size_t)links_cache_get(CACHE_DIR, &st.links[i], now,
							  st.cfg.links.ttl_days);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "kb: libcurl cannot start\n");
		return S_finish(&st, 1);
	}
	char *ua = S_user_agent(&st.cfg);
	struct links_stats stats;
	int tty = isatty(2) && !getenv("CI");
	int crc = links_check(st.links, st.nlinks, &st.cfg.links, ua, tty, &stats);
	free(ua);
	curl_global_cleanup();
	if (crc < 0) {
		fprintf(stderr, "kb: libcurl cannot start\n");
		links_stats_release(&stats);
		return S_finish(&st, 1);
	}
	if (stats.offline) {
		size_t hosts = 0;
		for (size_t i = 0; i < st.nlinks; i++)
			hosts += st.links[i].transport != 0;
		fprintf(stderr, "kb: no network: no host could be reached (%s); "
				"%zu link%s not checked\n",
			stats.offline_why ? stats.offline_why : "?", hosts, hosts == 1 ? "" : "s");
		links_stats_release(&stats);
		diag_print(&st.d, stderr);
		return S_finish(&st, 3);
	}
	for (size_t i = 0; i < st.nlinks; i++)
		links_cache_put(CACHE_DIR, &st.links[i]);
	st.unanswered = stats.requests && !stats.answered;
	if (st.unanswered)
		diag_add(&st.d, DIAG_NOTE, NULL, 0, 0,
			 "no request got an answer: if this machine has no network, "
			 "run kb links where it has");
	for (size_t i = 0; i < st.nuses; i++)
		S_report(&st, &st.uses[i]);

	size_t broken = 0, moved = 0;
	for (size_t i = 0; i < st.nlinks; i++) {
		broken += st.links[i].result == LINK_BROKEN || st.links[i].result == LINK_FAILED;
		moved += st.links[i].result == LINK_MOVED;
	}
	if (o->json)
		S_print_json(&st, stdout);
	if (o->junit)
		S_write_junit(&st, o->junit, &st.d);
	diag_print(&st.d, stderr);
	fprintf(stderr, "kb: %zu link%s (%zu from the cache, %zu request%s): %zu broken, %zu moved%s\n",
		st.nlinks, st.nlinks == 1 ? "" : "s", cached, stats.requests,
		stats.requests == 1 ? "" : "s", broken, moved, st.recorded ? ", fixes recorded" : "");
	links_stats_release(&stats);
	return S_finish(&st, st.d.errors ? 1 : 0);
}

int cmd_links(int argc, char **argv)
{
	struct S_opts o;
	memset(&o, 0, sizeof(o));
	const char *format = NULL;
	static const struct option longs[] = {
		{ "changed-since", required_argument, NULL, 'c' },
		{ "record", no_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'J' },
		{ "format", required_argument, NULL, 'F' },
		{ "junit", required_argument, NULL, 'U' },
		{ "no-cache", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", longs, NULL)) != -1) {
		switch (c) {
		case 'c': o.changed_since = optarg; break;
		case 'r': o.record = 1; break;
		case 'J': o.json = 1; break;
		case 'F': format = optarg; break;
		case 'U': o.junit = optarg; break;
		case 'n': o.no_cache = 1; break;
		case 'h': fputs(links_usage, stdout); return 0;
		default:
			return usage_error(links_usage, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error(links_usage, "unexpected argument '%s'", argv[optind]);
	if (format && strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "junit"))
		return usage_error(links_usage, "--format wants 'text', 'json' or 'junit', not '%s'",
				   format);
	if (format && !strcmp(format, "json"))
		o.json = 1;
	if (format && !strcmp(format, "junit") && !o.junit)
		o.junit = "kb-links.xml";
	return S_run(&o);
}
