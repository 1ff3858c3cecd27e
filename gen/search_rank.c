/*
 * search_rank.c - kb_rank(), the BM25F ranking function `kb search` asks
 * FTS5 to order its matches by. See search.h for the weights.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "search_int.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- ranking: BM25F ---- */

/*
 * FTS5's bm25() normalises term frequencies by the length of the whole
 * page, so a long page loses to a short one even when the words are its
 * title: "Lock-free programming" ranked below short pages that mention
 * "lock" and "free" in passing. kb ranks with BM25F instead (Robertson,
 * Zaragoza and Taylor, "Simple BM25 extension to multiple weighted
 * fields", 2004): each column's term frequency is normalised by that
 * column's length against its average, weighted, summed over the columns,
 * and only then saturated, so a long body does not dilute a title or tag
 * match. Weights, in the column order of the docs table: title 20, tags 8,
 * summary 4, body 1, languages 2, answers 8; the unindexed columns weigh
 * nothing. The title weighs most because many pages' answers name the
 * same ideas: of those, the page whose title names them comes first.
 */
static const double S_weights[] = { 20.0, 8.0, 4.0, 1.0, 2.0, 8.0 };
#define S_NWEIGHTS (sizeof(S_weights) / sizeof(S_weights[0]))
#define S_K1 1.2
/* Length normalisation per column, BM25F's b: 0.75 but for answers, a
 * list of separate questions, where an entry that lists more of them
 * should not match each one less. */
static const double S_b[] = { 0.75, 0.75, 0.75, 0.75, 0.75, 0.0 };

/* What S_rank needs once per query: an IDF per phrase, the average length
 * of each weighted column, and room for one page's term frequencies. Owned
 * by FTS5 (xSetAuxdata) and freed with S_rank_data_free. */
struct S_rank_data {
	int nphrase;
	double *idf;                  /* [nphrase] */
	double *tf;                   /* [nphrase], scratch */
	int *group;                   /* [nphrase]: the query word of each
				       * phrase, from kb_rank's GROUPS */
	int ngroup;                   /* words */
	char *seen;                   /* [ngroup], scratch */
	int *term;                    /* [nphrase]: the term of each phrase,
				       * from kb_rank's TERMS */
	int nterm;
	double *tidf;                 /* [nterm]: the lowest IDF of its
				       * phrases */
	double *ttf;                  /* [nterm], scratch */
	double avglen[S_NWEIGHTS];
};

static void S_rank_data_free(void *p)
{
	struct S_rank_data *d = p;
	if (!d)
		return;
	free(d->idf);
	free(d->tf);
	free(d->group);
	free(d->seen);
	free(d->term);
	free(d->tidf);
	free(d->ttf);
	free(d);
}

/* Reads one number per phrase from the space-separated list s ("0 1 1 2")
 * into out[0..n), each below n; missing or malformed, phrase i gets i.
 * Returns the largest number plus one. */
static int S_read_map(const char *s, int *out, int n)
{
	int count = 0;
	for (int i = 0; i < n; i++) {
		char *end;
		long g = s ? strtol(s, &end, 10) : -1;
		if (!s || end == s || g < 0 || g >= n)
			g = i, s = NULL;
		else
			s = end;
		out[i] = (int)g;
		if (g + 1 > count)
			count = (int)g + 1;
	}
	return count;
}

static int S_count_row(const Fts5ExtensionApi *api, Fts5Context *fts,
		       void *ud)
{
	(void)api, (void)fts;
	(*(sqlite3_int64 *)ud)++;
	return SQLITE_OK;
}

/* The query's S_rank_data, computed on the first row. */
static int S_rank_data_get(const Fts5ExtensionApi *api, Fts5Context *fts,
			   const char *groups, const char *terms,
			   struct S_rank_data **out)
{
	struct S_rank_data *d = api->xGetAuxdata(fts, 0);
	sqlite3_int64 nrow = 0;
	int rc;

	*out = d;
	if (d)
		return SQLITE_OK;
	if ((rc = api->xRowCount(fts, &nrow)) != SQLITE_OK)
		return rc;
	d = xcalloc(1, sizeof(*d));
	d->nphrase = api->xPhraseCount(fts);
	size_t n = (size_t)d->nphrase + 1;
	d->idf = xcalloc(n, sizeof(*d->idf));
	d->tf = xcalloc(n, sizeof(*d->tf));
	d->group = xcalloc(n, sizeof(*d->group));
	d->term = xcalloc(n, sizeof(*d->term));
	d->ngroup = S_read_map(groups, d->group, d->nphrase);
	d->nterm = S_read_map(terms, d->term, d->nphrase);
	d->seen = xcalloc((size_t)d->ngroup + 1, 1);
	d->tidf = xcalloc((size_t)d->nterm + 1, sizeof(*d->tidf));
	d->ttf = xcalloc((size_t)d->nterm + 1, sizeof(*d->ttf));
	for (size_t c = 0; rc == SQLITE_OK && c < S_NWEIGHTS; c++) {
		sqlite3_int64 total = 0;
		rc = api->xColumnTotalSize(fts, (int)c, &total);
		d->avglen[c] = nrow > 0 && total > 0 ? (double)total / nrow
						     : 1.0;
	}
	for (int i = 0; rc == SQLITE_OK && i < d->nphrase; i++) {
		sqlite3_int64 k = 0;
		rc = api->xQueryPhrase(fts, i, &k, S_count_row);
		/* BM25's IDF in Lucene's form, log(1 + (N - n + 0.5) / (n +
		 * 0.5)): always positive, so a word most pages contain
		 * ("python", "threads") still counts a little where a page has
		 * it in its title or answers. The classic form is zero or
		 * negative for such words, which left nothing but the one rare
		 * word of a question to rank the pages that match all of it. */
		d->idf[i] = log(1.0 + ((double)nrow - k + 0.5) / ((double)k + 0.5));
		if (d->idf[i] <= 0.0)
			d->idf[i] = 1e-6;
		int t = d->term[i];
		if (d->tidf[t] == 0.0 || d->idf[i] < d->tidf[t])
			d->tidf[t] = d->idf[i];
	}
	if (rc == SQLITE_OK)
		rc = api->xSetAuxdata(fts, d, S_rank_data_free);
	else
		S_rank_data_free(d);
	*out = rc == SQLITE_OK ? d : NULL;
	return rc;
}

/* kb_rank(docs [, GROUPS [, TERMS]]): minus the score of the current row,
 * so that better pages sort first in ascending order, as with bm25(). The
 * score is SEARCH_COVER times the number of query words the row matches
 * (GROUPS maps phrases to words) plus its BM25F score over the query's
 * terms (TERMS maps phrases to terms). The phrases of one term, a group of
 * kb.lua's synonyms, count as one word would (as Lucene's SynonymQuery
 * does): their weighted frequencies are summed and saturated once, with
 * the lowest of their IDFs, so that a word with several synonyms weighs no
 * more than a word with none. */
static void S_rank(const Fts5ExtensionApi *api, Fts5Context *fts,
		   sqlite3_context *ctx, int nval, sqlite3_value **val)
{
	struct S_rank_data *d;
	double norm[S_NWEIGHTS], score = 0.0;
	int ninst = 0, rc;

	const char *groups = nval > 0 ? (const char *)sqlite3_value_text(val[0])
				      : NULL;
	const char *terms = nval > 1 ? (const char *)sqlite3_value_text(val[1])
				     : NULL;
	if ((rc = S_rank_data_get(api, fts, groups, terms, &d)) != SQLITE_OK ||
	    (rc = api->xInstCount(fts, &ninst)) != SQLITE_OK)
		goto fail;
	for (size_t c = 0; c < S_NWEIGHTS; c++) {
		int len = 0;
		if ((rc = api->xColumnSize(fts, (int)c, &len)) != SQLITE_OK)
			goto fail;
		norm[c] = 1.0 - S_b[c] + S_b[c] * len / d->avglen[c];
	}
	memset(d->tf, 0, (size_t)d->nphrase * sizeof(*d->tf));
	for (int i = 0; i < ninst; i++) {
		int phrase, col, off;
		if ((rc = api->xInst(fts, i, &phrase, &col, &off)) != SQLITE_OK)
			goto fail;
		if (phrase >= 0 && phrase < d->nphrase && col >= 0 &&
		    (size_t)col < S_NWEIGHTS)
			d->tf[phrase] += S_weights[col] / norm[col];
	}
	memset(d->seen, 0, (size_t)d->ngroup);
	memset(d->ttf, 0, (size_t)d->nterm * sizeof(*d->ttf));
	int covered = 0;
	for (int i = 0; i < d->nphrase; i++) {
		d->ttf[d->term[i]] += d->tf[i];
		if (d->tf[i] > 0.0 && !d->seen[d->group[i]]) {
			d->seen[d->group[i]] = 1;
			covered++;
		}
	}
	for (int t = 0; t < d->nterm; t++)
		score += d->tidf[t] * d->ttf[t] * (S_K1 + 1.0) /
			 (S_K1 + d->ttf[t]);
	score += SEARCH_COVER * covered;
	sqlite3_result_double(ctx, -score);
	return;
fail:
	sqlite3_result_error_code(ctx, rc);
}

/* Makes kb_rank() available to queries on db. */
int search_register_rank(sqlite3 *db)
{
	fts5_api *api = search_fts5_api(db);
	return api && api->xCreateFunction(api, "kb_rank", NULL, S_rank,
					   NULL) == SQLITE_OK ? 0 : -1;
}
