/*
 * search_index.c - writes the FTS5 search index during `kb build`: the
 * schema, one row per page, the exact-match keys and the vocabulary. The
 * file format is described in search.h; `kb search` reads it (search.c).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "search_int.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char S_schema[] =
	"PRAGMA page_size=4096;"
	"PRAGMA journal_mode=OFF;"
	"PRAGMA synchronous=OFF;"
	"BEGIN;"
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
	"INSERT INTO meta VALUES('format', '" SEARCH_FORMAT "');"
	"CREATE VIRTUAL TABLE docs USING fts5(title, tags, summary, body,"
	" languages, answers, section UNINDEXED, url UNINDEXED, path UNINDEXED,"
	" title_key UNINDEXED, verified UNINDEXED,"
	" tokenize='porter unicode61 remove_diacritics 2');"
	"CREATE TABLE vocab(term TEXT PRIMARY KEY, df INTEGER NOT NULL)"
	" WITHOUT ROWID;"
	"CREATE TABLE keys(key TEXT NOT NULL, doc INTEGER NOT NULL,"
	" PRIMARY KEY(key, doc)) WITHOUT ROWID;"
	"CREATE TABLE synonyms(phrase TEXT PRIMARY KEY, grp INTEGER NOT NULL)"
	" WITHOUT ROWID;"
	/* FTS5 writes its in-memory index out as a new segment whenever it
	 * passes 'hashsize' bytes (1 MB by default), then merges segments as
	 * they pile up: with 8 MB, a 10,000-page site is flushed a few times
	 * rather than tens, and merged much less. Peak memory grows by the
	 * same 8 MB at most. */
	"INSERT INTO docs(docs, rank) VALUES('hashsize', 8388608);";

/* ---- the index writer ---- */

/* A row of the table `keys`: a name a query must spell exactly for page
 * doc to come first (its title key, or "/" + the last part of its URL).
 * Ranking reads them there, not from the docs table, whose rows hold whole
 * pages. The writer keeps them in memory and inserts them in key order on
 * close, which fills the table's b-tree by appending. */
struct S_key {
	char *key; /* owned */
	long doc;
};

struct search_index {
	sqlite3 *db;
	sqlite3_stmt *insert;
	struct S_key *keys; /* rows of `keys`, written sorted on close */
	size_t nkeys, keys_cap;
	sqlite3_stmt *words; /* inserts into temp.words */
	struct search_tokenizer tok;
	long ndocs;
	long nsynonyms; /* groups written to `synonyms` */
	char *path;     /* final name */
	char *tmp_path; /* where the index is built */
	char *error;    /* first error of search_index_add, or NULL */
	char *verified; /* search_index_set_verified()'s, for the next add */
	struct buf scratch;
};

/* Terms shorter or longer than this (in bytes) are left out of the
 * vocabulary. */
#define S_TERM_MIN 2
#define S_TERM_MAX 48

/*
 * The vocabulary: the unstemmed words of the indexed columns and their
 * document frequencies. The same text goes into a temporary FTS5 table
 * split by unicode61 alone (no content, no positions: detail=none keeps it
 * small), whose fts5vocab table gives each term and the number of rows
 * holding it; search_index_close copies them into `vocab`.
 */
static const char S_words_schema[] =
	"CREATE VIRTUAL TABLE temp.words USING fts5(title, tags, summary, body,"
	" languages, answers, content='', detail=none,"
	" tokenize='unicode61 remove_diacritics 2');"
	"CREATE VIRTUAL TABLE temp.words_v USING fts5vocab(temp, words, row);";

static char *S_db_error(sqlite3 *db, const char *what, const char *path)
{
	return xasprintf("%s '%s': %s", what, path,
			 db ? sqlite3_errmsg(db) : "out of memory");
}

static void S_index_free(struct search_index *ix)
{
	sqlite3_finalize(ix->insert);
	sqlite3_finalize(ix->words);
	free(ix->verified);
	search_tokenizer_close(&ix->tok);
	for (size_t i = 0; i < ix->nkeys; i++)
		free(ix->keys[i].key);
	free(ix->keys);
	sqlite3_close(ix->db);
	if (ix->tmp_path)
		unlink(ix->tmp_path);
	buf_release(&ix->scratch);
	free(ix->path);
	free(ix->tmp_path);
	free(ix->error);
	free(ix);
}

int search_index_open(struct search_index **out, const char *db_path,
		      char **errmsg)
{
	struct search_index *ix = xcalloc(1, sizeof(*ix));
	int fd;
	*out = NULL;
	*errmsg = NULL;
	buf_init(&ix->scratch);
	ix->path = xstrdup(db_path);
	ix->tmp_path = xasprintf("%s.XXXXXX", db_path);
	fd = mkstemp(ix->tmp_path);
	if (fd < 0) {
		*errmsg = xasprintf("cannot create '%s': %s", ix->tmp_path,
				    strerror(errno));
		free(ix->tmp_path);
		ix->tmp_path = NULL;
		goto fail;
	}
	close(fd);
	/* One thread writes the index through its own connection: SQLite's
	 * per-connection mutex and its memory statistics (a global mutex
	 * around every allocation) only cost. sqlite3_config() fails
	 * harmlessly once SQLite is initialized. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (sqlite3_open_v2(ix->tmp_path, &ix->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		*errmsg = S_db_error(ix->db, "cannot create search index",
				     ix->tmp_path);
		goto fail;
	}
	if (search_tokenizer_open(&ix->tok, ix->db) < 0) {
		*errmsg = xstrdup("SQLite has no FTS5 unicode61 tokenizer");
		goto fail;
	}
	if (sqlite3_exec(ix->db, S_schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(ix->db, S_words_schema, NULL, NULL, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(ix->db,
			       "INSERT INTO temp.words(title, tags, summary,"
			       " body, languages, answers) VALUES(?,?,?,?,?,?)",
			       -1, &ix->words, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ix->db,
			       "INSERT INTO docs(rowid, title, tags, summary,"
			       " body, languages, answers, section, url, path,"
			       " title_key, verified) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
			       -1, &ix->insert, NULL) != SQLITE_OK) {
		*errmsg = S_db_error(ix->db, "cannot create search index",
				     ix->tmp_path);
		goto fail;
	}
	*out = ix;
	return 0;
fail:
	S_index_free(ix);
	return -1;
}

/* Whether S_bind_clean replaces byte c. */
static inline int S_is_control(unsigned char c)
{
	return (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f;
}

/* Offset of the first byte of s[0..len) that S_bind_clean replaces, or
 * len. Pages are long and nearly always clean: eight bytes are tested at
 * a time for a byte below 0x20 or equal to 0x7f, and only such words byte
 * by byte (their '\n' and '\t' stay). */
static size_t S_first_control(const char *s, size_t len)
{
	const uint64_t ones = 0x0101010101010101ULL, high = ones * 0x80;
	size_t i = 0, k;
	for (; i + 8 <= len; i += 8) {
		uint64_t w, d;
		memcpy(&w, s + i, 8);
		d = w ^ (ones * 0x7f);
		if (!(((w - ones * 0x20) & ~w & high) | ((d - ones) & ~d & high)))
			continue;
		for (k = i; k < i + 8; k++)
			if (S_is_control((unsigned char)s[k]))
				return k;
	}
	for (; i < len; i++)
		if (S_is_control((unsigned char)s[i]))
			return i;
	return len;
}

/* Turns the bytes of s[from..len) that S_is_control matches into spaces. */
static void S_blank_controls(char *s, size_t from, size_t len)
{
	for (size_t i = from; i < len; i++)
		if (S_is_control((unsigned char)s[i]))
			s[i] = ' ';
}

/* Binds s with control characters turned into spaces (they would clash
 * with the snippet markers and mean nothing to a reader). */
static int S_bind_clean(sqlite3_stmt *st, int col, const char *s,
			struct buf *scratch)
{
	size_t i, len;
	if (!s)
		s = "";
	len = strlen(s);
	i = S_first_control(s, len);
	if (i == len)
		return sqlite3_bind_text(st, col, s, (int)len, SQLITE_STATIC);
	buf_truncate(scratch, 0);
	buf_puts(scratch, s);
	S_blank_controls(scratch->data, i, scratch->len);
	return sqlite3_bind_text(st, col, scratch->data, (int)scratch->len,
				 SQLITE_TRANSIENT);
}

static void S_key_push(struct search_index *ix, char *key)
{
	if (ix->nkeys == ix->keys_cap) {
		ix->keys_cap = ix->keys_cap ? 2 * ix->keys_cap : 256;
		ix->keys = xrealloc(ix->keys, ix->keys_cap * sizeof(*ix->keys));
	}
	ix->keys[ix->nkeys].key = key;
	ix->keys[ix->nkeys++].doc = ix->ndocs;
}

/* Keeps the current page's rows of `keys`: its title key (taken from
 * *title_key) unless empty, and "/" + the part of its URL after the last
 * '/' (control characters made spaces, as in the docs table) unless the
 * URL is empty. */
static void S_keys_add(struct search_index *ix, struct buf *title_key,
		       const char *url)
{
	if (title_key->len)
		S_key_push(ix, buf_detach(title_key));
	if (url && *url) {
		const char *slash = strrchr(url, '/');
		char *key = xasprintf("/%s", slash ? slash + 1 : url);
		S_blank_controls(key, 0, strlen(key));
		S_key_push(ix, key);
	}
}

void search_index_set_verified(struct search_index *ix, const char *versions)
{
	free(ix->verified);
	ix->verified = versions && *versions ? xstrdup(versions) : NULL;
}

int search_index_add(struct search_index *ix, const struct search_doc *doc)
{
	const char *cols[] = { doc->title, doc->tags, doc->summary, doc->body,
			       doc->languages, doc->answers, doc->section,
			       doc->url, doc->path };
	struct buf key = BUF_INIT;
	int rc = SQLITE_OK;

	if (ix->error)
		return -1;
	ix->ndocs++;
	if (doc->title)
		search_tokenize(&ix->tok, doc->title, strlen(doc->title),
			   FTS5_TOKENIZE_DOCUMENT, &key, search_token_join);

	sqlite3_reset(ix->insert);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(ix->insert, 1, ix->ndocs);
	for (int i = 0; i < 9 && rc == SQLITE_OK; i++)
		rc = S_bind_clean(ix->insert, i + 2, cols[i], &ix->scratch);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(ix->insert, 11, key.data, (int)key.len,
				       SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(ix->insert, 12, ix->verified ? ix->verified : "",
				       -1, SQLITE_STATIC);
	if (rc == SQLITE_OK && sqlite3_step(ix->insert) != SQLITE_DONE)
		rc = SQLITE_ERROR;
	/* The vocabulary's words: the indexed columns (the first six), as
	 * bound above. */
	sqlite3_reset(ix->words);
	for (int i = 0; i < 6 && rc == SQLITE_OK; i++)
		rc = S_bind_clean(ix->words, i + 1, cols[i], &ix->scratch);
	if (rc == SQLITE_OK && sqlite3_step(ix->words) != SQLITE_DONE)
		rc = SQLITE_ERROR;
	sqlite3_clear_bindings(ix->words);
	sqlite3_clear_bindings(ix->insert);
	free(ix->verified);
	ix->verified = NULL;
	if (rc == SQLITE_OK)
		S_keys_add(ix, &key, doc->url);
	buf_release(&key);
	if (rc != SQLITE_OK) {
		ix->error = xasprintf("cannot index '%s': %s",
				      doc->path ? doc->path : "?",
				      sqlite3_errmsg(ix->db));
		return -1;
	}
	return 0;
}

static int S_key_cmp(const void *a, const void *b)
{
	const struct S_key *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : (x->doc > y->doc) - (x->doc < y->doc);
}

/* Writes the rows of `keys` in key order. A page's title key never starts
 * with '/' as its URL key does, so no row should repeat; one that did is
 * skipped, keeping the primary key safe. */
static int S_write_keys(struct search_index *ix)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (ix->nkeys)
		qsort(ix->keys, ix->nkeys, sizeof(*ix->keys), S_key_cmp);
	if (sqlite3_prepare_v2(ix->db, "INSERT INTO keys VALUES(?, ?)", -1,
			       &st, NULL) != SQLITE_OK)
		goto done;
	for (size_t i = 0; i < ix->nkeys; i++) {
		const struct S_key *k = &ix->keys[i];
		if (i && !S_key_cmp(k, k - 1))
			continue;
		sqlite3_reset(st);
		if (sqlite3_bind_text(st, 1, k->key, -1, SQLITE_STATIC) !=
			    SQLITE_OK ||
		    sqlite3_bind_int64(st, 2, k->doc) != SQLITE_OK ||
		    sqlite3_step(st) != SQLITE_DONE)
			goto done;
	}
	rc = 0;
done:
	sqlite3_finalize(st);
	return rc;
}

int search_index_add_synonyms(struct search_index *ix,
			       const struct strlist *group)
{
	sqlite3_stmt *st = NULL;
	struct buf phrase = BUF_INIT;
	int rc = SQLITE_OK;

	if (ix->error)
		return -1;
	if (sqlite3_prepare_v2(ix->db,
			       "INSERT OR IGNORE INTO synonyms VALUES(?, ?)", -1,
			       &st, NULL) != SQLITE_OK)
		rc = SQLITE_ERROR;
	for (size_t i = 0; rc == SQLITE_OK && i < group->n; i++) {
		const char *w = group->items[i];
		buf_truncate(&phrase, 0);
		search_tokenize(&ix->tok, w, strlen(w), FTS5_TOKENIZE_QUERY,
				&phrase, search_token_join);
		if (!phrase.len)
			continue; /* no letter or digit: nothing to match */
		sqlite3_reset(st);
		if (sqlite3_bind_text(st, 1, phrase.data, (int)phrase.len,
				      SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 2, ix->nsynonyms) != SQLITE_OK ||
		    sqlite3_step(st) != SQLITE_DONE)
			rc = SQLITE_ERROR;
	}
	ix->nsynonyms++;
	sqlite3_finalize(st);
	buf_release(&phrase);
	if (rc != SQLITE_OK) {
		ix->error = xasprintf("cannot index synonyms: %s",
				      sqlite3_errmsg(ix->db));
		return -1;
	}
	return 0;
}

/* Fills `vocab` from temp.words (see S_words_schema) and drops it. */
static int S_write_vocab(struct search_index *ix)
{
	char *sql = xasprintf(
		"INSERT INTO vocab SELECT term, doc FROM temp.words_v"
		" WHERE length(CAST(term AS BLOB)) BETWEEN %d AND %d;"
		"DROP TABLE temp.words_v; DROP TABLE temp.words;",
		S_TERM_MIN, S_TERM_MAX);
	int rc;
	sqlite3_finalize(ix->words);
	ix->words = NULL;
	rc = sqlite3_exec(ix->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
	free(sql);
	return rc;
}

int search_index_close(struct search_index *ix, char **errmsg)
{
	*errmsg = NULL;
	if (ix->error) {
		*errmsg = ix->error;
		ix->error = NULL;
		goto fail;
	}
	/* No FTS5 'optimize': FTS5's automatic merging already keeps queries
	 * fast, and optimize only leaves the replaced segments as free pages. */
	if (S_write_vocab(ix) < 0 ||
	    S_write_keys(ix) < 0 ||
	    sqlite3_exec(ix->db, "COMMIT;", NULL, NULL, NULL) != SQLITE_OK) {
		*errmsg = S_db_error(ix->db, "cannot write search index",
				     ix->tmp_path);
		goto fail;
	}
	sqlite3_finalize(ix->insert);
	ix->insert = NULL;
	search_tokenizer_close(&ix->tok);
	if (sqlite3_close(ix->db) != SQLITE_OK) {
		*errmsg = S_db_error(ix->db, "cannot write search index",
				     ix->tmp_path);
		goto fail;
	}
	ix->db = NULL;
	if (chmod(ix->tmp_path, 0644) < 0 ||
	    rename(ix->tmp_path, ix->path) < 0) {
		*errmsg = xasprintf("cannot write '%s': %s", ix->path,
				    strerror(errno));
		goto fail;
	}
	free(ix->tmp_path);
	ix->tmp_path = NULL;
	S_index_free(ix);
	return 0;
fail:
	S_index_free(ix);
	return -1;
}

void search_index_discard(struct search_index *ix)
{
	if (ix)
		S_index_free(ix);
}
