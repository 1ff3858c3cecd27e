/*
 * render.h - stage 6: every page of the site through the Lua templates.
 *
 * Pages: one per entry (<section>/<id>.html, template entry.html), one
 * index per section (<section>/index.html, section.html), one per tag
 * (tags/<tag>.html, tag.html), the tag list (tags/index.html, tags.html),
 * the language comparison matrix (compare.html, matrix.html), the home
 * page (index.html, home.html), the recent changes (recent.html and the
 * Atom feed feed.xml), sitemap.xml (when the config gives a base URL)
 * and 404.html; static files are copied from
 * templates/static/ to static/. URLs are relative, so the site works from
 * file:// and under any path.
 *
 * Templates see two tables: `site` (title, description, base_url, date,
 * entries, sections, section, tags, recent, facets) and `page` (kind,
 * url, title, canonical; entry, description, body, toc and section on an
 * entry's page; section or tag on theirs). templates/README.md documents
 * every field, and tests/test_render.c checks them.
 */
#ifndef KB_RENDER_H
#define KB_RENDER_H

#include "config.h"
#include "enrich.h"
#include "history.h"
#include "load.h"

struct render_opts {
	const struct config *cfg;
	const struct site *site;
	const struct tags *tags;
	const char *templates;   /* "templates" */
	const char *outdir;      /* where pages are written */
	const char *date;        /* "2026-11-25" build date, "" when unknown */
	const struct history *hist; /* may be NULL: no git data */
	int jobs;
};

/* Renders and writes every page; returns the number of pages written, or
 * -1 after adding errors to d. */
long render_site(const struct render_opts *o, struct diags *d);

/* tmpl with every "{path}" replaced by path; caller frees. */
char *render_expand(const char *tmpl, const char *path);

/* Copies the tree src into dst (regular files and folders only). */
int render_copy_tree(const char *src, const char *dst);

#endif
