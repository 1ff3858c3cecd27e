/*
 * highlight.c - see highlight.h.
 *
 * The batch protocol with the Python side is plain bytes, no JSON: kb
 * writes, per block, "<lang>\n<length>\n<code>" and reads back, per block,
 * "<length>\n<html>" (length 0 = no lexer for that language).
 */
#include "highlight.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <git2.h>

_Static_assert(HIGHLIGHT_KEY_SIZE == GIT_OID_HEXSZ + 1, "a key is a hex SHA-1");

static const char py_script[] =
	"import sys\n"
	"from pygments import highlight, __version__\n"
	"from pygments.lexers import get_lexer_by_name\n"
	"from pygments.formatters import HtmlFormatter\n"
	"from pygments.util import ClassNotFound\n"
	"inp = sys.stdin.buffer\n"
	"out = sys.stdout.buffer\n"
	"fmt = HtmlFormatter(nowrap=True)\n"
	"out.write(__version__.encode() + b'\\n'); out.flush()\n"
	"while True:\n"
	"    lang = inp.readline()\n"
	"    if not lang: break\n"
	"    n = int(inp.readline())\n"
	"    code = inp.read(n).decode('utf-8', 'replace')\n"
	"    try:\n"
	"        lx = get_lexer_by_name(lang.decode().strip(), stripnl=False, ensurenl=False)\n"
	"        html = highlight(code, lx, fmt).encode()\n"
	"    except ClassNotFound:\n"
	"        html = b''\n"
	"    out.write(b'%d\\n' % len(html)); out.write(html)\n"
	"out.flush()\n";

struct hl_item {
	char key[GIT_OID_HEXSZ + 1];
	char *lang;
	char *code;
	char *html;      /* NULL until highlighted */
	int done;
};

struct highlighter {
	char *cache_dir;
	char *python;
	char *version;
	pid_t pid;                 /* the Python process, or -1 */
	int to_py, from_py;        /* its stdin and stdout, or -1 */
	struct hl_item *items;     /* in the order they were added */
	size_t cap, n;
	struct hmap index;         /* key -> position in items */
};

static void S_spawn(struct highlighter *hl);

static const char *S_python(void)
{
	return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

struct highlighter *highlight_new(const char *cache_dir)
{
	struct highlighter *hl = xcalloc(1, sizeof(*hl));
	hl->cache_dir = cache_dir ? path_join(cache_dir, "highlight") : NULL;
	hl->python = xstrdup(S_python());
	S_spawn(hl);
	return hl;
}

void highlight_key(const char *lang, const char *code, char out[HIGHLIGHT_KEY_SIZE])
{
	struct buf b = BUF_INIT;
	buf_puts(&b, lang);
	buf_putc(&b, '\0');
	buf_puts(&b, code);
	git_oid oid;
	git_odb_hash(&oid, b.data, b.len, GIT_OBJECT_BLOB);
	git_oid_tostr(out, GIT_OID_HEXSZ + 1, &oid);
	buf_release(&b);
}

void highlight_add(struct highlighter *hl, const char *key, const char *lang,
		   const char *code)
{
	if (hmap_get(&hl->index, key, HIGHLIGHT_KEY_SIZE - 1))
		return;
	if (hl->n == hl->cap) {
		hl->cap = hl->cap ? hl->cap * 2 : 1024;
		hl->items = xrealloc(hl->items, hl->cap * sizeof(*hl->items));
	}
	struct hl_item *it = &hl->items[hl->n];
	memset(it, 0, sizeof(*it));
	memcpy(it->key, key, HIGHLIGHT_KEY_SIZE);
	it->lang = xstrdup(lang);
	it->code = xstrdup(code);
	hmap_put(&hl->index, key, HIGHLIGHT_KEY_SIZE - 1, hl->n++);
}

const char *highlight_get(struct highlighter *hl, const char *key)
{
	const size_t *i = hmap_get(&hl->index, key, HIGHLIGHT_KEY_SIZE - 1);
	return i ? hl->items[*i].html : NULL;
}

static char *S_cache_path(const struct highlighter *hl, const struct hl_item *it)
{
	return xasprintf("%s/%s/%.2s/%s.spans", hl->cache_dir, hl->version, it->key,
			 it->key + 2);
}

static void S_wrap(struct hl_item *it, const char *spans, size_t len)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, "<pre class=\"hl\" tabindex=\"0\"><code class=\"language-");
	buf_put_html(&b, it->lang, strlen(it->lang));
	buf_puts(&b, "\">");
	buf_put(&b, spans, len);
	buf_puts(&b, "</code></pre>");
	it->html = buf_detach(&b);
}

/* Starts Python with the script, so that its start-up and Pygments'
 * import overlap the build's first stages; it prints the Pygments version,
 * then highlights what it is sent. On failure hl->pid stays -1. */
static void S_spawn(struct highlighter *hl)
{
	int pin[2], pout[2];
	hl->pid = -1;
	hl->to_py = hl->from_py = -1;
	if (pipe2(pin, O_CLOEXEC) < 0)
		return;
	if (pipe2(pout, O_CLOEXEC) < 0) {
		close(pin[0]);
		close(pin[1]);
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		dup2(pin[0], 0);
		dup2(pout[1], 1);
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, 2);
		const char *argv[] = { hl->python, "-c", py_script, NULL };
		execvp(hl->python, (char **)argv);
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	if (pid < 0) {
		close(pin[1]);
		close(pout[0]);
		return;
	}
	signal(SIGPIPE, SIG_IGN);
	hl->pid = pid;
	hl->to_py = pin[1];
	hl->from_py = pout[0];
}

/* Reads Python's first line, the Pygments version, into hl->version.
 * Returns -1 when Python or Pygments is missing. */
static int S_read_version(struct highlighter *hl)
{
	struct buf ver = BUF_INIT;
	char c;
	while (hl->from_py >= 0) {
		ssize_t r = read(hl->from_py, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || c == '\n')
			break;
		buf_putc(&ver, c);
	}
	if (!ver.len || c != '\n') {
		buf_release(&ver);
		return -1;
	}
	hl->version = buf_detach(&ver);
	return 0;
}

/* Ends the Python process: closes its input (it exits at the end of it)
 * and reaps it. Returns 0 when it exited cleanly. */
static int S_stop(struct highlighter *hl)
{
	if (hl->to_py >= 0)
		close(hl->to_py);
	if (hl->from_py >= 0)
		close(hl->from_py);
	hl->to_py = hl->from_py = -1;
	if (hl->pid < 0)
		return -1;
	int st;
	while (waitpid(hl->pid, &st, 0) < 0 && errno == EINTR)
		;
	hl->pid = -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* Sends in to Python and reads its whole answer into out, then ends the
 * process. Returns 0 when it exited cleanly. */
static int S_exchange(struct highlighter *hl, const struct buf *in, struct buf *out)
{
	/* Writes must never block: Python answers while it still reads, and
	 * a full output pipe would otherwise stall both sides. */
	int wfd = hl->to_py;
	hl->to_py = -1;
	fcntl(wfd, F_SETFL, fcntl(wfd, F_GETFL) | O_NONBLOCK);
	size_t off = 0;
	if (!in->len) {
		close(wfd);
		wfd = -1;
	}
	for (;;) {
		struct pollfd fds[2] = { { hl->from_py, POLLIN, 0 }, { wfd, POLLOUT, 0 } };
		int nf = wfd >= 0 ? 2 : 1;
		if (poll(fds, (nfds_t)nf, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (nf == 2 && fds[1].revents) {
			ssize_t w = write(wfd, in->data + off, in->len - off);
			if (w > 0)
				off += (size_t)w;
			if ((w < 0 && errno != EAGAIN && errno != EINTR) || off == in->len) {
				close(wfd);
				wfd = -1;
			}
		}
		if (fds[0].revents) {
			buf_grow(out, 65536);
			ssize_t r = read(hl->from_py, out->data + out->len, out->cap - out->len - 1);
			if (r <= 0)
				break;
			out->len += (size_t)r;
			out->data[out->len] = '\0';
		}
	}
	if (wfd >= 0)
		close(wfd);
	return S_stop(hl);
}

size_t highlight_run(struct highlighter *hl, struct diags *d)
{
	if (!hl->n) {
		S_stop(hl);
		return 0;
	}
	if (S_read_version(hl) < 0) {
		S_stop(hl);
		diag_add(d, DIAG_WARNING, NULL, 0, 0,
			 "code is not highlighted: %s with Pygments not found (Debian package python3-pygments)",
			 hl->python);
		return 0;
	}

	struct buf in = BUF_INIT;
	size_t misses = 0;
	for (size_t i = 0; i < hl->n; i++) {
		struct hl_item *it = &hl->items[i];
		if (hl->cache_dir) {
			char *p = S_cache_path(hl, it), *html;
			size_t len;
			if (read_file(p, &html, &len) == 0) {
				S_wrap(it, html, len);
				free(html);
				it->done = 1;
				free(p);
				continue;
			}
			free(p);
		}
		buf_printf(&in, "%s\n%zu\n", it->lang, strlen(it->code));
		buf_puts(&in, it->code);
		misses++;
	}
	if (!misses) {
		buf_release(&in);
		S_stop(hl);
		return 0;
	}
	struct buf out = BUF_INIT;
	int rc = S_exchange(hl, &in, &out);
	buf_release(&in);
	if (rc < 0) {
		diag_add(d, DIAG_WARNING, NULL, 0, 0,
			 "highlighting failed; code is shown without colours");
		buf_release(&out);
		return misses;
	}
	const char *p = out.data, *end = out.data + out.len;
	for (size_t i = 0; i < hl->n && p < end; i++) {
		struct hl_item *it = &hl->items[i];
		if (it->done)
			continue;
		char *nl;
		size_t len = strtoull(p, &nl, 10);
		if (*nl != '\n' || (size_t)(end - nl - 1) < len)
			break;
		p = nl + 1;
		it->done = 1;
		if (len) {
			S_wrap(it, p, len);
			if (hl->cache_dir) {
				/* The cache keeps Pygments' spans only: the
				 * markup around them may change with kb. */
				char *cp = S_cache_path(hl, it);
				write_file(cp, p, len);
				free(cp);
			}
		}
		p += len;
	}
	buf_release(&out);
	return misses;
}

void highlight_free(struct highlighter *hl)
{
	if (!hl)
		return;
	S_stop(hl);
	for (size_t i = 0; i < hl->n; i++) {
		free(hl->items[i].lang);
		free(hl->items[i].code);
		free(hl->items[i].html);
	}
	free(hl->items);
	hmap_release(&hl->index);
	free(hl->cache_dir);
	free(hl->python);
	free(hl->version);
	free(hl);
}
