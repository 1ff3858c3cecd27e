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
#ifdef __SSE2__
#include <emmintrin.h>
#endif

static const char S_schema[] =
	"PRAGMA page_size=4096;"
	"PRAGMA journal_mode=OFF;"
	"PRAGMA synchronous=OFF;"
	"BEGIN;"
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
	"INSERT INTO meta VALUES('format', '" SEARCH_FORMAT "');"
	"CREATE VIRTUAL TABLE docs USING fts5(title, tags, summary, body,"
	" languages, section UNINDEXED, url UNINDEXED, path UNINDEXED,"
	" title_key UNINDEXED, verified UNINDEXED,"
	" tokenize='porter unicode61 remove_diacritics 2');"
	"CREATE TABLE vocab(term TEXT PRIMARY KEY, df INTEGER NOT NULL)"
	" WITHOUT ROWID;"
	"CREATE TABLE keys(key TEXT NOT NULL, doc INTEGER NOT NULL,"
	" PRIMARY KEY(key, doc)) WITHOUT ROWID;"
	/* FTS5 writes its in-memory index out as a new segment whenever it
	 * passes 'hashsize' bytes (1 MB by default), then merges segments as
	 * they pile up: with 8 MB, a 10,000-page site is flushed a few times
	 * rather than tens, and merged much less. Peak memory grows by the
	 * same 8 MB at most. */
	"INSERT INTO docs(docs, rank) VALUES('hashsize', 8388608);";

/* ---- vocabulary: term -> Porter stem, document frequency ---- */

struct S_term {
	char *s;          /* NUL-terminated term, zero bytes up to the next
			   * multiple of 8 (see S_PAD); NULL for an empty
			   * slot */
	const char *stem; /* its Porter stem: s, or a string after s */
	uint64_t hash;    /* S_hash(s) */
	uint32_t len;     /* strlen(s) */
	uint32_t nstem;   /* strlen(stem) */
	unsigned df;      /* documents containing it */
	long last_doc;    /* last document that counted it */
};

struct S_vocab {
	struct S_term *slots;
	size_t n, cap; /* cap is 0 or a power of two */
};

/* The vocabulary sees every token of the site, so terms are hashed and
 * compared eight bytes at a time: a term being looked up and every term
 * kept are followed by zero bytes up to the next multiple of 8. */
#define S_PAD(len) (((len) + 8) & ~(size_t)7)

static inline uint64_t S_word(const char *s)
{
	uint64_t w;
	memcpy(&w, s, 8);
	return w;
}

/* S_hash is S_mix over the term's eight-byte words, from S_HASH_SEED;
 * S_split_sse2 computes it the same way from its registers. */
#define S_HASH_SEED(len) ((uint64_t)(len) * 0x9e3779b97f4a7c15ULL)

static inline uint64_t S_mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0xff51afd7ed558ccdULL;
	return h ^ (h >> 32);
}

static inline uint64_t S_hash(const char *s, size_t len)
{
	uint64_t h = S_HASH_SEED(len);
	for (size_t i = 0; i < len; i += 8)
		h = S_mix(h, S_word(s + i));
	return h;
}

static inline int S_same(const char *a, const char *b, size_t len)
{
	for (size_t i = 0; i < len; i += 8)
		if (S_word(a + i) != S_word(b + i))
			return 0;
	return 1;
}

/* The slot of the term (s, len, hash), or the empty slot where it goes. */
static inline struct S_term *S_vocab_slot(struct S_term *slots, size_t cap,
				   const char *s, size_t len, uint64_t hash)
{
	size_t i = (size_t)hash & (cap - 1);
	while (slots[i].s && (slots[i].hash != hash || slots[i].len != len ||
			      !S_same(slots[i].s, s, len)))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static void S_vocab_grow(struct S_vocab *v)
{
	size_t cap = v->cap ? v->cap * 2 : 4096;
	struct S_term *slots = xcalloc(cap, sizeof(*slots));
	for (size_t i = 0; i < v->cap; i++) {
		if (!v->slots[i].s)
			continue;
		*S_vocab_slot(slots, cap, v->slots[i].s, v->slots[i].len,
			      v->slots[i].hash) = v->slots[i];
	}
	free(v->slots);
	v->slots = slots;
	v->cap = cap;
}

static int S_term_cmp(const void *a, const void *b)
{
	const struct S_term *x = *(const struct S_term *const *)a;
	const struct S_term *y = *(const struct S_term *const *)b;
	return strcmp(x->s, y->s);
}

static void S_vocab_release(struct S_vocab *v)
{
	for (size_t i = 0; i < v->cap; i++)
		free(v->slots[i].s);
	free(v->slots);
	v->slots = NULL;
	v->n = v->cap = 0;
}

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
	struct search_tokenizer tok;
	struct S_vocab vocab;
	long ndocs;
	char *path;     /* final name */
	char *tmp_path; /* where the index is built */
	char *error;    /* first error of search_index_add, or NULL */
	char *verified; /* search_index_set_verified()'s, for the next add */
	struct buf scratch;
	struct buf stem; /* S_term_new's */
	fts5_tokenizer porter; /* FTS5's, and its user data */
	void *porter_ud;
};

/* Terms shorter or longer than this are left out of the vocabulary. */
#define S_TERM_MIN 2
#define S_TERM_MAX 48
/* ASCII tokens up to this long are cut out by S_split_text itself. */
#define S_FAST_MAX 64

/*
 * Splitting documents. The writer's connection registers this tokenizer
 * as "porter", in front of FTS5's own, and the docs table's columns are
 * split here. It hands FTS5 exactly the tokens of FTS5's
 * "porter unicode61 remove_diacritics 2" (the file names those
 * tokenizers, which readers use; test_search.c compares the two), for
 * much less work:
 *   - unicode61 reads an ASCII letter or digit as a token character,
 *     lowercased, and any other ASCII byte as a separator, so runs of
 *     ASCII letters and digits are cut out here; a stretch between ASCII
 *     separators that holds other bytes goes to unicode61 itself.
 *   - A Porter stem depends on the token alone: each distinct token is
 *     stemmed once, by FTS5's porter tokenizer reading it whole (through
 *     S_one, which returns its input as one token), and kept in the
 *     vocabulary, which counts document frequencies on the way.
 */
struct S_split {
	fts5_tokenizer porter;  /* FTS5's */
	Fts5Tokenizer *stemmer; /* FTS5's porter over S_one */
	Fts5Tokenizer *plain;   /* FTS5's porter over unicode61 */
	struct search_index *ix;
	unsigned char cls[256]; /* 0 ASCII separator, 1 ASCII letter or
				 * digit, 2 not ASCII */
	struct buf part;        /* a token of unicode61's, padded */
};

struct S_split_call {
	void *ctx;
	search_token_fn fn;
	struct S_split *sp;
	int off; /* S_split_part: where the part begins */
};

/* The tokenizer "kb_one": all of its input is one token. */
static int S_one_create(void *ud, const char **args, int nargs,
			Fts5Tokenizer **out)
{
	static int one;
	(void)ud, (void)args, (void)nargs;
	*out = (Fts5Tokenizer *)&one;
	return SQLITE_OK;
}

static void S_one_delete(Fts5Tokenizer *p)
{
	(void)p;
}

static int S_one_tokenize(Fts5Tokenizer *p, void *ctx, int flags,
			  const char *text, int len, search_token_fn fn)
{
	(void)p, (void)flags;
	return len > 0 ? fn(ctx, 0, text, len, 0, len) : SQLITE_OK;
}

/* Fills the empty slot t with the term (s, len) and its stem. Returns 0,
 * or -1 if FTS5's stemmer failed. */
static int S_term_new(struct S_split *sp, struct S_term *t, const char *s,
		      size_t len, uint64_t hash)
{
	struct search_index *ix = sp->ix;
	struct buf *stem = &ix->stem;
	buf_truncate(stem, 0);
	if (sp->porter.xTokenize(sp->stemmer, stem, FTS5_TOKENIZE_DOCUMENT, s,
				 (int)len, search_token_join) != SQLITE_OK ||
	    !stem->len)
		return -1;
	if (stem->len == len && !memcmp(stem->data, s, len)) {
		t->s = xcalloc(1, S_PAD(len));
		t->stem = t->s;
	} else {
		t->s = xcalloc(1, S_PAD(len) + stem->len + 1);
		memcpy(t->s + S_PAD(len), stem->data, stem->len);
		t->stem = t->s + S_PAD(len);
	}
	memcpy(t->s, s, len);
	t->hash = hash;
	t->len = (uint32_t)len;
	t->nstem = (uint32_t)stem->len;
	ix->vocab.n++;
	return 0;
}

/* One token of a document, padded (see S_PAD), its S_hash and its slot
 * in the vocabulary: counted, stemmed, passed to FTS5. Inlined into its
 * callers: it runs for every token of the site. The vocabulary is grown
 * only when a term is added, so it is never more than half full
 * (search_index_open sizes it first). */
static inline __attribute__((always_inline))
int S_split_emit_slot(struct S_split_call *c, struct S_term *t, const char *s,
		      size_t len, uint64_t hash, int start, int end)
{
	struct S_split *sp = c->sp;
	struct search_index *ix = sp->ix;
	struct S_vocab *v = &ix->vocab;
	if (!t->s) {
		if (2 * (v->n + 1) > v->cap) {
			S_vocab_grow(v);
			t = S_vocab_slot(v->slots, v->cap, s, len, hash);
		}
		if (S_term_new(sp, t, s, len, hash) < 0)
			return SQLITE_ERROR;
	}
	if (t->last_doc != ix->ndocs) {
		t->df++;
		t->last_doc = ix->ndocs;
	}
	return c->fn(c->ctx, 0, t->stem, (int)t->nstem, start, end);
}

static inline __attribute__((always_inline))
int S_split_emit_hashed(struct S_split_call *c, const char *s, size_t len,
			uint64_t hash, int start, int end)
{
	struct S_vocab *v = &c->sp->ix->vocab;
	return S_split_emit_slot(c, S_vocab_slot(v->slots, v->cap, s, len,
						 hash),
				 s, len, hash, start, end);
}

static inline __attribute__((always_inline))
int S_split_emit(struct S_split_call *c, const char *s, size_t len, int start,
		 int end)
{
	return S_split_emit_hashed(c, s, len, S_hash(s, len), start, end);
}

/* Callback of unicode61 for a part of a document S_split_text leaves to
 * it. */
static int S_split_part_token(void *ctx, int tflags, const char *tok,
			      int ntok, int start, int end)
{
	struct S_split_call *c = ctx;
	struct buf *b = &c->sp->part;
	(void)tflags;
	buf_truncate(b, 0);
	buf_put(b, tok, (size_t)ntok);
	buf_put(b, "\0\0\0\0\0\0\0\0", 8);
	return S_split_emit(c, b->data, (size_t)ntok, c->off + start,
			    c->off + end);
}

/* How many of the eight bytes of w, in memory order, are ASCII letters
 * or digits before the first other byte. */
static inline unsigned S_alnum_len(uint64_t w)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
	__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ULL, high = ones * 0x80;
	uint64_t x = w & ~high, y = x | ones * 0x20, digit, alpha, stop;
	/* For a byte below 0x80, byte + (0x80 - lo) has its high bit set
	 * when the byte is lo or more, and nothing carries into the next
	 * byte. */
	digit = (x + ones * (0x80 - '0')) & ~(x + ones * (0x7f - '9'));
	alpha = (y + ones * (0x80 - 'a')) & ~(y + ones * (0x7f - 'z'));
	stop = ((digit | alpha) & ~w & high) ^ high;
	return stop ? (unsigned)__builtin_ctzll(stop) / 8 : 8;
#else
	unsigned char b[8];
	unsigned n = 0;
	memcpy(b, &w, 8);
	while (n < 8 && ((b[n] >= '0' && b[n] <= '9') ||
			 ((b[n] | 0x20) >= 'a' && (b[n] | 0x20) <= 'z')))
		n++;
	return n;
#endif
}

/* Cuts out the run of token bytes (not ASCII separators) at *pp, which
 * begins with one, and moves *pp past it. */
static int S_split_run(struct S_split_call *c, const unsigned char *base,
		       const unsigned char **pp, const unsigned char *end)
{
	const unsigned char *cls = c->sp->cls;
	const unsigned char *p = *pp, *start = p, *lim;
	struct search_tokenizer *u61 = &c->sp->ix->tok;
	char tok[S_FAST_MAX + 8], *q = tok;
	int rc;

	lim = end - p > S_FAST_MAX ? p + S_FAST_MAX : end;
	/* An ASCII letter or digit in lower case is itself | 0x20. */
	while (lim - p >= 8) {
		uint64_t w = S_word((const char *)p);
		unsigned k = S_alnum_len(w);
		w |= 0x2020202020202020ULL;
		if (k < 8)
			w &= ((uint64_t)1 << (8 * k)) - 1;
		memcpy(q, &w, 8);
		q += k, p += k;
		if (k < 8)
			break;
	}
	if (lim - p < 8)
		for (; p < lim && cls[*p] == 1; p++)
			*q++ = (char)(*p | 0x20);
	if (p < end && cls[*p]) {
		/* Not ASCII, or long: unicode61 reads up to the next ASCII
		 * separator. */
		while (p < end && cls[*p])
			p++;
		c->off = (int)(start - base);
		rc = u61->api.xTokenize(u61->handle, c, FTS5_TOKENIZE_DOCUMENT,
					(const char *)start, (int)(p - start),
					S_split_part_token);
	} else {
		memset(q, 0, 8);
		rc = S_split_emit(c, tok, (size_t)(q - tok), (int)(start - base),
				  (int)(p - base));
	}
	*pp = p;
	return rc;
}

#if defined(__SSE2__) && defined(__x86_64__)
/* The token bytes (ASCII letters and digits, and bytes that are not
 * ASCII) among the 32 at p, one bit each, and in *high those that are not
 * ASCII. */
static inline uint64_t S_token_bits(const unsigned char *p, uint64_t *high)
{
	const __m128i lower = _mm_set1_epi8(0x20);
	/* byte + (0x80 - lo) is below -128 + n, as a signed byte, exactly
	 * when byte is one of the n values from lo. */
	const __m128i to_a = _mm_set1_epi8((char)(0x80 - 'a'));
	const __m128i to_0 = _mm_set1_epi8((char)(0x80 - '0'));
	const __m128i n_a = _mm_set1_epi8((char)(-128 + 26));
	const __m128i n_0 = _mm_set1_epi8((char)(-128 + 10));
	uint64_t bits = 0, hi = 0;
	for (int i = 0; i < 2; i++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * i));
		__m128i a = _mm_cmplt_epi8(
			_mm_add_epi8(_mm_or_si128(v, lower), to_a), n_a);
		__m128i d = _mm_cmplt_epi8(_mm_add_epi8(v, to_0), n_0);
		unsigned h = (unsigned)_mm_movemask_epi8(v);
		bits |= (uint64_t)((unsigned)_mm_movemask_epi8(
				_mm_or_si128(a, d)) | h) << (16 * i);
		hi |= (uint64_t)h << (16 * i);
	}
	*high = hi;
	return bits;
}

/* Splits the text from *pp while 48 bytes are left, 32 at a time: ASCII
 * words of up to 15 bytes that end within the 32 are cut out, lowercased,
 * padded and hashed here, 16 bytes at once; other runs go to S_split_run.
 * Leaves *pp where a run begins or after a separator. */
static int S_split_sse2(struct S_split_call *c, const unsigned char *base,
			const unsigned char **pp, const unsigned char *end)
{
	static const unsigned char ones[32] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	const __m128i lower = _mm_set1_epi8(0x20);
	const unsigned char *p = *pp;
	struct S_vocab *v = &c->sp->ix->vocab;
	char tok[16] __attribute__((aligned(16)));
	int rc = SQLITE_OK;

	while (end - p >= 48) {
		uint64_t high, bits = S_token_bits(p, &high);
		while (bits) {
			unsigned s = (unsigned)__builtin_ctzll(bits);
			uint64_t after = bits + (bits & -bits);
			unsigned e = (unsigned)__builtin_ctzll(after);
			uint64_t run = bits & ~after, lo, hi, h;
			size_t i;
			__m128i w;
			if (e - s > 15 || ((run & high) | (after >> 32))) {
				if (e == 32 && s > 0)
					break; /* read again from s */
				p += s;
				rc = S_split_run(c, base, &p, end);
				goto next;
			}
			bits &= after;
			e -= s;
			w = _mm_loadu_si128((const __m128i *)(p + s));
			w = _mm_and_si128(_mm_or_si128(w, lower),
					  _mm_loadu_si128((const __m128i *)(
						  ones + 16 - e)));
			_mm_store_si128((__m128i *)tok, w);
			/* S_hash(tok, e), and its slot */
			lo = (uint64_t)_mm_cvtsi128_si64(w);
			hi = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(w, w));
			h = S_mix(S_HASH_SEED(e), lo);
			if (e > 8)
				h = S_mix(h, hi);
			i = (size_t)h & (v->cap - 1);
			while (v->slots[i].s &&
			       (v->slots[i].hash != h || v->slots[i].len != e ||
				S_word(v->slots[i].s) != lo ||
				(e > 8 && S_word(v->slots[i].s + 8) != hi)))
				i = (i + 1) & (v->cap - 1);
			rc = S_split_emit_slot(c, &v->slots[i], tok, e, h,
					       (int)(p + s - base),
					       (int)(p + s + e - base));
			if (rc != SQLITE_OK)
				goto next;
		}
		/* Every run in the 32 bytes is cut out, or the one left
		 * reaches the end of them and is read again from its
		 * beginning. */
		p += bits ? (unsigned)__builtin_ctzll(bits) : 32;
		continue;
next:
		if (rc != SQLITE_OK)
			break;
	}
	*pp = p;
	return rc;
}
#endif

/* Splits a document (see struct S_split). */
static int S_split_text(struct S_split_call *c, const char *text, int len)
{
	const unsigned char *cls = c->sp->cls;
	const unsigned char *base = (const unsigned char *)text;
	const unsigned char *p = base, *end = base + len;
	int rc;

#if defined(__SSE2__) && defined(__x86_64__)
	rc = S_split_sse2(c, base, &p, end);
	if (rc != SQLITE_OK)
		return rc;
#endif
	while (p < end) {
		while (p < end && !cls[*p])
			p++;
		if (p == end)
			break;
		rc = S_split_run(c, base, &p, end);
		if (rc != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

static void S_split_delete(Fts5Tokenizer *p)
{
	struct S_split *sp = (struct S_split *)p;
	if (sp->stemmer)
		sp->porter.xDelete(sp->stemmer);
	if (sp->plain)
		sp->porter.xDelete(sp->plain);
	buf_release(&sp->part);
	free(sp);
}

/* Accepts only the docs table's arguments, "unicode61 remove_diacritics
 * 2": S_split_text knows no other splitting. */
static int S_split_create(void *ud, const char **args, int nargs,
			  Fts5Tokenizer **out)
{
	struct search_index *ix = ud;
	struct S_split *sp;
	const char *one[] = { "kb_one" };
	if (nargs != 3 || strcmp(args[0], "unicode61") ||
	    strcmp(args[1], "remove_diacritics") || strcmp(args[2], "2"))
		return SQLITE_ERROR;
	sp = xcalloc(1, sizeof(*sp));
	sp->ix = ix;
	sp->porter = ix->porter;
	buf_init(&sp->part);
	for (int c = 0; c < 256; c++)
		sp->cls[c] = c >= 0x80 ? 2 : (c >= 'A' && c <= 'Z') ||
			     (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
	if (sp->porter.xCreate(ix->porter_ud, one, 1, &sp->stemmer) !=
		    SQLITE_OK ||
	    sp->porter.xCreate(ix->porter_ud, args, nargs, &sp->plain) !=
		    SQLITE_OK) {
		S_split_delete((Fts5Tokenizer *)sp);
		return SQLITE_ERROR;
	}
	*out = (Fts5Tokenizer *)sp;
	return SQLITE_OK;
}

static int S_split_tokenize(Fts5Tokenizer *p, void *ctx, int flags,
			    const char *text, int len, search_token_fn fn)
{
	struct S_split *sp = (struct S_split *)p;
	struct S_split_call c = { ctx, fn, sp, 0 };
	if (!(flags & FTS5_TOKENIZE_DOCUMENT))
		return sp->porter.xTokenize(sp->plain, ctx, flags, text, len,
					    fn);
	return S_split_text(&c, text, len);
}

/* Registers kb_one and, in front of FTS5's, porter. */
static int S_split_register(struct search_index *ix)
{
	fts5_tokenizer one = { S_one_create, S_one_delete, S_one_tokenize };
	fts5_tokenizer split = { S_split_create, S_split_delete,
				 S_split_tokenize };
	fts5_api *api = search_fts5_api(ix->db);
	return api && api->xFindTokenizer(api, "porter", &ix->porter_ud,
					  &ix->porter) == SQLITE_OK &&
			       api->xCreateTokenizer(api, "kb_one", NULL, &one,
						     NULL) == SQLITE_OK &&
			       api->xCreateTokenizer(api, "porter", ix, &split,
						     NULL) == SQLITE_OK
		       ? 0 : -1;
}

static char *S_db_error(sqlite3 *db, const char *what, const char *path)
{
	return xasprintf("%s '%s': %s", what, path,
			 db ? sqlite3_errmsg(db) : "out of memory");
}

static void S_index_free(struct search_index *ix)
{
	sqlite3_finalize(ix->insert);
	free(ix->verified);
	search_tokenizer_close(&ix->tok);
	for (size_t i = 0; i < ix->nkeys; i++)
		free(ix->keys[i].key);
	free(ix->keys);
	sqlite3_close(ix->db);
	if (ix->tmp_path)
		unlink(ix->tmp_path);
	S_vocab_release(&ix->vocab);
	buf_release(&ix->scratch);
	buf_release(&ix->stem);
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
	buf_init(&ix->stem);
	S_vocab_grow(&ix->vocab);
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
	/* Before the docs table is created: its tokenizer is made then. */
	if (search_tokenizer_open(&ix->tok, ix->db) < 0 || S_split_register(ix) < 0) {
		*errmsg = xstrdup("SQLite has no FTS5 unicode61 tokenizer");
		goto fail;
	}
	if (sqlite3_exec(ix->db, S_schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ix->db,
			       "INSERT INTO docs(rowid, title, tags, summary,"
			       " body, languages, section, url, path, title_key,"
			       " verified) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
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
			       doc->languages, doc->section, doc->url,
			       doc->path };
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
	for (int i = 0; i < 8 && rc == SQLITE_OK; i++)
		rc = S_bind_clean(ix->insert, i + 2, cols[i], &ix->scratch);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(ix->insert, 10, key.data, (int)key.len,
				       SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(ix->insert, 11, ix->verified ? ix->verified : "",
				       -1, SQLITE_STATIC);
	/* The vocabulary comes from the indexed columns (the first five), as
	 * FTS5 splits them (see S_split): this insert is the only statement
	 * that makes it split text. */
	if (rc == SQLITE_OK && sqlite3_step(ix->insert) != SQLITE_DONE)
		rc = SQLITE_ERROR;
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

/* Writes the vocabulary in sorted order, so the file is reproducible. */
static int S_write_vocab(struct search_index *ix)
{
	struct S_term **terms = xcalloc(ix->vocab.n + 1, sizeof(*terms));
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	int rc = -1;

	for (size_t i = 0; i < ix->vocab.cap; i++) {
		const struct S_term *t = &ix->vocab.slots[i];
		if (t->s && t->len >= S_TERM_MIN &&
		    t->len <= S_TERM_MAX)
			terms[n++] = &ix->vocab.slots[i];
	}
	qsort(terms, n, sizeof(*terms), S_term_cmp);
	if (sqlite3_prepare_v2(ix->db, "INSERT INTO vocab VALUES(?, ?)", -1,
			       &st, NULL) != SQLITE_OK)
		goto done;
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(st);
		if (sqlite3_bind_text(st, 1, terms[i]->s, -1, SQLITE_STATIC) !=
			    SQLITE_OK ||
		    sqlite3_bind_int64(st, 2, terms[i]->df) != SQLITE_OK ||
		    sqlite3_step(st) != SQLITE_DONE)
			goto done;
	}
	rc = 0;
done:
	sqlite3_finalize(st);
	free(terms);
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
