/*
 * serve.h - `kb serve`: build, then preview the site on 127.0.0.1 with
 * live reload.
 *
 * The HTTP side is libmicrohttpd (one thread per connection). Every
 * request resolves its path again against the site folder, because
 * kb build replaces that folder by swapping directories: no directory
 * handle is kept across rebuilds. A request that would leave the site
 * folder ("..", encoded "%2e%2e" or "%2f", NUL bytes, symlinks pointing
 * outside) gets the site's 404 page.
 *
 * Live reload: HTML pages are served with one script tag added before
 * </body> (the files on disk are not changed). The script listens on
 * /__kb/events (server-sent events) and reloads the page on a "reload"
 * event; an "errors" event carries the diagnostics of a failed rebuild,
 * shown in an overlay while the last good site stays served.
 *
 * cmd_serve watches content/, snippets/, templates/ and kb.lua with
 * inotify, rebuilds about 100 ms after the last change and notifies the
 * open pages.
 */
#ifndef KB_SERVE_H
#define KB_SERVE_H

#include <stddef.h>

/* The URL paths kb serve answers itself, outside the site. */
#define SERVE_EVENTS_PATH "/__kb/events"
#define SERVE_SCRIPT_PATH "/__kb/live.js"

/*
 * Maps url_path, the raw path of a request (still percent-encoded, no
 * query string, e.g. "/topics/gil.html" or "/topics/"), to a regular file
 * inside the folder root. Directories map to their index.html.
 * Returns:
 *    0  *out_path is the file's real path (caller frees);
 *    1  the path names a directory but lacks its trailing '/': *out_path
 *       is its index.html (caller frees), and a server should redirect
 *       to url_path + "/" so the page's relative links work;
 *   -1  no such file, or the path is not acceptable (does not start with
 *       '/', a ".." segment, bad or NUL percent-escapes, a trailing '/'
 *       on a file, or a real path outside root); *out_path is NULL.
 */
int serve_resolve(const char *root, const char *url_path, char **out_path);

/* The Content-Type for a file name, by extension (case-insensitive);
 * "application/octet-stream" for anything unknown. Static string. */
const char *serve_content_type(const char *path);

/* A copy of the HTML page html[0..len) with the live-reload script tag
 * inserted before its last </body> (at the end when there is none).
 * Returns a NUL-terminated buffer the caller frees; *out_len is its
 * length. */
char *serve_inject(const char *html, size_t len, size_t *out_len);

/* A running HTTP server for one site folder. */
struct serve_server;

/*
 * Starts serving the folder root (a path, resolved again on every
 * request; it need not exist yet) on addr (an IPv4 or IPv6 literal) and
 * port (0: any free port). Returns 0 and *out (free with serve_stop), or
 * -1 and *err, a message the caller frees.
 */
int serve_start(struct serve_server **out, const char *root, const char *addr,
		unsigned port, char **err);
/* The port the server listens on (the one chosen when asked for 0). */
unsigned serve_port(const struct serve_server *s);
/* Tells every open page to reload, and forgets any build errors. */
void serve_notify_reload(struct serve_server *s);
/* Sends the diagnostics of a failed build (text is copied) to every open
 * page, and to pages opened later, until the next serve_notify_reload. */
void serve_notify_errors(struct serve_server *s, const char *text);
/* Closes the event streams, stops the server and frees it. NULL is fine. */
void serve_stop(struct serve_server *s);

/* kb serve [--port P] [--bind ADDR] [--out DIR]. Returns the exit status:
 * 0 after Ctrl-C, 1 when it cannot build or listen, 2 on usage errors. */
int cmd_serve(int argc, char **argv);

#endif
