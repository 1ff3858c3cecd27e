/*
 * enrich.c - see enrich.h.
 */
#include "enrich.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "history.h"
#include "markdown.h"
#include "snippet.h"

static void S_push(struct entry ***arr, size_t *n, struct entry *e)
{
	for (size_t i = 0; i < *n; i++)
		if ((*arr)[i] == e)
			return;
	*arr = xrealloc(*arr, (*n + 1) * sizeof(**arr));
	(*arr)[(*n)++] = e;
}

static int S_cmp_title(const void *a, const void *b)
{
	const struct entry *x = *(struct entry *const *)a;
	const struct entry *y = *(struct entry *const *)b;
	return (x->title_rank > y->title_rank) - (x->title_rank < y->title_rank);
}

struct tag_ref {
	const char *tag;
	struct entry *e;
};

static int S_cmp_ref(const void *a, const void *b)
{
	const struct tag_ref *x = a, *y = b;
	int c = strcmp(x->tag, y->tag);
	return c ? c : S_cmp_title(&x->e, &y->e);
}

static void S_tags(struct site *s, struct tags *tags)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++)
		n += s->entries[i]->tags.n;
	struct tag_ref *refs = xmalloc((n ? n : 1) * sizeof(*refs));
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j < s->entries[i]->tags.n; j++) {
			refs[k].tag = s->entries[i]->tags.items[j];
			refs[k++].e = s->entries[i];
		}
	qsort(refs, n, sizeof(*refs), S_cmp_ref);
	memset(tags, 0, sizeof(*tags));
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && !strcmp(refs[j].tag, refs[i].tag))
			j++;
		tags->items = xrealloc(tags->items, (tags->n + 1) * sizeof(*tags->items));
		struct tag *t = &tags->items[tags->n++];
		t->name = xstrdup(refs[i].tag);
		char *slug = slugify(refs[i].tag);
		t->url = xasprintf("tags/%s.html", *slug ? slug : "tag");
		free(slug);
		t->n = j - i;
		t->entries = xmalloc(t->n * sizeof(*t->entries));
		for (size_t m = 0; m < t->n; m++)
			t->entries[m] = refs[i + m].e;
		i = j;
	}
	free(refs);
}

void enrich_site(struct site *s, struct tags *tags, struct diags *d)
{
	for (size_t i = 0; i < s->n; i++) {
		struct entry *e = s->entries[i];
		for (size_t j = 0; j < e->see_also.n; j++) {
			struct entry *t = site_find(s, e->see_also.items[j]);
			if (!t) {
				diag_add(d, DIAG_ERROR, e->path, e->see_also_line, 0,
					 "see_also: no entry has the id '%s'",
					 e->see_also.items[j]);
				continue;
			}
			if (t != e)
				S_push(&e->see, &e->nsee, t);
		}
	}
	for (size_t i = 0; i < s->n; i++) {
		struct entry *e = s->entries[i];
		for (size_t j = 0; j < e->nlinks; j++)
			if (e->links[j] != e)
				S_push(&e->links[j]->backlinks, &e->links[j]->nbacklinks, e);
		for (size_t j = 0; j < e->nsee; j++)
			S_push(&e->see[j]->backlinks, &e->see[j]->nbacklinks, e);
	}
	for (size_t i = 0; i < s->n; i++) {
		struct entry *e = s->entries[i];
		if (e->nbacklinks > 1)
			qsort(e->backlinks, e->nbacklinks, sizeof(*e->backlinks), S_cmp_title);
	}
	S_tags(s, tags);
}

void tags_release(struct tags *tags)
{
	for (size_t i = 0; i < tags->n; i++) {
		free(tags->items[i].name);
		free(tags->items[i].url);
		free(tags->items[i].entries);
	}
	free(tags->items);
	memset(tags, 0, sizeof(*tags));
}

/* Adds what git knows of path to the entry's history. */
static void S_add_history(struct entry *e, const struct history *h, const char *path,
			  int own)
{
	const struct file_history *f = history_get(h, path);
	if (!f)
		return;
	struct entry_history *eh = &e->hist;
	eh->known = 1;
	if (own && f->uncommitted)
		eh->uncommitted = 1;
	if (!f->last_unknown && f->last_time > eh->last)
		eh->last = f->last_time;
	if (!f->first_unknown && f->first_time && (!eh->first || f->first_time < eh->first))
		eh->first = f->first_time;
	eh->commits += f->commits;
	for (size_t i = 0; i < f->contributors.n; i++)
		if (!strlist_contains(&eh->contributors, f->contributors.items[i]))
			strlist_push(&eh->contributors, f->contributors.items[i]);
}

void enrich_history(struct site *s, const struct history *h)
{
	for (size_t i = 0; i < s->n; i++) {
		struct entry *e = s->entries[i];
		S_add_history(e, h, e->path, 1);
		for (size_t j = 0; j < e->md->nsnippets; j++)
			if (e->md->snippets[j]->file)
				S_add_history(e, h, e->md->snippets[j]->file, 0);
	}
}

/* Whether text holds word as a whole word (ASCII letters and digits
 * around it do not count as a boundary), ignoring case. */
static int S_mentions(const char *text, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = text; n && (p = strcasestr(p, word)); p++) {
		int before = p > text && isalnum((unsigned char)p[-1]);
		int after = isalnum((unsigned char)p[n]);
		if (!before && !after)
			return 1;
	}
	return 0;
}

/*
 * e->search_terms (see enrich_search_terms()). Caller frees.
 */
static char *S_search_terms(const struct entry *e, const struct config *cfg)
{
	struct buf text = BUF_INIT, out = BUF_INIT;
	buf_printf(&text, "%s\n%s\n", e->title ? e->title : "",
		   e->summary ? e->summary : "");
	for (size_t i = 0; i < e->tags.n; i++)
		buf_printf(&text, "%s\n", e->tags.items[i]);
	for (size_t i = 0; i < e->answers.n; i++)
		buf_printf(&text, "%s\n", e->answers.items[i]);
	for (size_t g = 0; g < cfg->nsynonyms; g++) {
		const struct strlist *grp = &cfg->synonyms[g];
		size_t hit = grp->n;
		for (size_t k = 0; k < grp->n && hit == grp->n; k++)
			if (S_mentions(text.data, grp->items[k]))
				hit = k;
		for (size_t k = 0; hit < grp->n && k < grp->n; k++)
			if (!S_mentions(text.data, grp->items[k]))
				buf_printf(&out, "%s%s", out.len ? " " : "",
					   grp->items[k]);
	}
	buf_release(&text);
	if (!out.len) {
		buf_release(&out);
		return NULL;
	}
	return buf_detach(&out);
}

void enrich_search_terms(struct site *s, const struct config *cfg)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->entries[i]->search_terms);
		s->entries[i]->search_terms = S_search_terms(s->entries[i], cfg);
	}
}
