/*
 * search.c - the FTS5 search index written by `kb build` and read by
 * `kb search`. The file format and the query rules are described in
 * search.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "search.h"
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

/* Bump when the schema changes; readers refuse other formats. */
#define S_FORMAT "3"
/* The ranking function (see S_rank) as SQL. */
#define S_RANK "kb_rank(docs)"
/* Snippet markers: control characters never stored in the index (the
 * writer turns control characters into spaces). */
#define S_HL_ON '\001'
#define S_HL_OFF '\002'
#define S_DEFAULT_LIMIT 10
#define S_MAX_TOKENS 64
#define S_WRAP 78
/* The last query word matches as a prefix from this many characters. */
#define S_PREFIX_MIN 3

static const char S_schema[] =
	"PRAGMA page_size=4096;"
	"PRAGMA journal_mode=OFF;"
	"PRAGMA synchronous=OFF;"
	"BEGIN;"
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
	"INSERT INTO meta VALUES('format', '" S_FORMAT "');"
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

/* ---- the unicode61 tokenizer, borrowed from FTS5 ---- */

/* The tokenizer FTS5 itself uses (without the Porter stemmer), so that the
 * words kb cuts out of a query are exactly the index's tokens. */
struct S_tokenizer {
	fts5_tokenizer api;
	void *ud;              /* the tokenizer module's user data */
	Fts5Tokenizer *handle; /* NULL when not created */
};

typedef int (*S_token_fn)(void *ctx, int tflags, const char *tok, int ntok,
			  int start, int end);

static fts5_api *S_fts5_api(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) !=
	    SQLITE_OK)
		return NULL;
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	return api && api->iVersion >= 2 ? api : NULL;
}

static int S_tokenizer_open(struct S_tokenizer *t, sqlite3 *db)
{
	const char *args[] = { "remove_diacritics", "2" };
	void *ud = NULL;
	fts5_api *api = S_fts5_api(db);
	t->handle = NULL;
	if (!api || api->xFindTokenizer(api, "unicode61", &ud, &t->api) !=
			    SQLITE_OK)
		return -1;
	t->ud = ud;
	if (t->api.xCreate(ud, args, 2, &t->handle) != SQLITE_OK) {
		t->handle = NULL;
		return -1;
	}
	return 0;
}

static void S_tokenizer_close(struct S_tokenizer *t)
{
	if (t->handle)
		t->api.xDelete(t->handle);
	t->handle = NULL;
}

static int S_tokenize(struct S_tokenizer *t, const char *text, size_t len,
		      int flags, void *ctx, S_token_fn fn)
{
	if (len > INT_MAX)
		len = INT_MAX;
	return t->api.xTokenize(t->handle, ctx, flags, text, (int)len, fn) ==
			       SQLITE_OK ? 0 : -1;
}

/* Callback: appends each token to a struct buf, space separated. */
static int S_token_join(void *ctx, int tflags, const char *tok, int ntok,
			int start, int end)
{
	struct buf *b = ctx;
	(void)tflags, (void)start, (void)end;
	if (b->len)
		buf_putc(b, ' ');
	buf_put(b, tok, (size_t)ntok);
	return SQLITE_OK;
}

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
	struct S_tokenizer tok;
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
	S_token_fn fn;
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
			  const char *text, int len, S_token_fn fn)
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
				 (int)len, S_token_join) != SQLITE_OK ||
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
	struct S_tokenizer *u61 = &c->sp->ix->tok;
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
			    const char *text, int len, S_token_fn fn)
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
	fts5_api *api = S_fts5_api(ix->db);
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
	S_tokenizer_close(&ix->tok);
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
	if (S_tokenizer_open(&ix->tok, ix->db) < 0 || S_split_register(ix) < 0) {
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
		S_tokenize(&ix->tok, doc->title, strlen(doc->title),
			   FTS5_TOKENIZE_DOCUMENT, &key, S_token_join);

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
	S_tokenizer_close(&ix->tok);
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

/* ---- UTF-8 ---- */

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t S_utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned min, cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, min = 0x80, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, min = 0x800, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, min = 0x10000, cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Appends s with every invalid UTF-8 sequence replaced by U+FFFD. */
static void S_put_utf8(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		size_t l = S_utf8_len(p + i, n - i);
		if (l) {
			buf_put(b, p + i, l);
			i += l;
		} else {
			buf_puts(b, "\xef\xbf\xbd");
			i++;
		}
	}
}

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
 * match. Weights, in the column order of the docs table: title 10, tags 8,
 * summary 4, body 1, languages 2; the unindexed columns weigh nothing.
 */
static const double S_weights[] = { 10.0, 8.0, 4.0, 1.0, 2.0 };
#define S_NWEIGHTS (sizeof(S_weights) / sizeof(S_weights[0]))
#define S_K1 1.2
#define S_B 0.75

/* What S_rank needs once per query: an IDF per phrase, the average length
 * of each weighted column, and room for one page's term frequencies. Owned
 * by FTS5 (xSetAuxdata) and freed with S_rank_data_free. */
struct S_rank_data {
	int nphrase;
	double *idf;                  /* [nphrase] */
	double *tf;                   /* [nphrase], scratch */
	double avglen[S_NWEIGHTS];
};

static void S_rank_data_free(void *p)
{
	struct S_rank_data *d = p;
	if (!d)
		return;
	free(d->idf);
	free(d->tf);
	free(d);
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
	d->idf = xcalloc((size_t)d->nphrase + 1, sizeof(*d->idf));
	d->tf = xcalloc((size_t)d->nphrase + 1, sizeof(*d->tf));
	for (size_t c = 0; rc == SQLITE_OK && c < S_NWEIGHTS; c++) {
		sqlite3_int64 total = 0;
		rc = api->xColumnTotalSize(fts, (int)c, &total);
		d->avglen[c] = nrow > 0 && total > 0 ? (double)total / nrow
						     : 1.0;
	}
	for (int i = 0; rc == SQLITE_OK && i < d->nphrase; i++) {
		sqlite3_int64 n = 0;
		rc = api->xQueryPhrase(fts, i, &n, S_count_row);
		/* BM25's IDF, kept positive as FTS5's bm25() does. */
		d->idf[i] = log(((double)nrow - n + 0.5) / ((double)n + 0.5));
		if (d->idf[i] <= 0.0)
			d->idf[i] = 1e-6;
	}
	if (rc == SQLITE_OK)
		rc = api->xSetAuxdata(fts, d, S_rank_data_free);
	else
		S_rank_data_free(d);
	*out = rc == SQLITE_OK ? d : NULL;
	return rc;
}

/* kb_rank(docs): minus the BM25F score of the current row, so that better
 * pages sort first in ascending order, as with bm25(). */
static void S_rank(const Fts5ExtensionApi *api, Fts5Context *fts,
		   sqlite3_context *ctx, int nval, sqlite3_value **val)
{
	struct S_rank_data *d;
	double norm[S_NWEIGHTS], score = 0.0;
	int ninst = 0, rc;

	(void)nval, (void)val;
	if ((rc = S_rank_data_get(api, fts, &d)) != SQLITE_OK ||
	    (rc = api->xInstCount(fts, &ninst)) != SQLITE_OK)
		goto fail;
	for (size_t c = 0; c < S_NWEIGHTS; c++) {
		int len = 0;
		if ((rc = api->xColumnSize(fts, (int)c, &len)) != SQLITE_OK)
			goto fail;
		norm[c] = 1.0 - S_B + S_B * len / d->avglen[c];
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
	for (int i = 0; i < d->nphrase; i++)
		score += d->idf[i] * d->tf[i] * (S_K1 + 1.0) /
			 (S_K1 + d->tf[i]);
	sqlite3_result_double(ctx, -score);
	return;
fail:
	sqlite3_result_error_code(ctx, rc);
}

/* Makes kb_rank() available to queries on db. */
static int S_register_rank(sqlite3 *db)
{
	fts5_api *api = S_fts5_api(db);
	return api && api->xCreateFunction(api, "kb_rank", NULL, S_rank,
					   NULL) == SQLITE_OK ? 0 : -1;
}

/* ---- the command line ---- */

enum S_color { S_COLOR_AUTO, S_COLOR_ALWAYS, S_COLOR_NEVER };

struct S_opts {
	struct buf query;     /* QUERY arguments joined by spaces */
	int have_query;
	struct strlist tags;
	struct strlist langs;
	const char *section;  /* NULL = any */
	long limit;
	int json;
	enum S_color color;
	const char *index;    /* --index, or NULL */
	int help;
};

static const char S_usage[] =
	"usage: kb search QUERY... [--tag T] [--lang L] [--section S] [-n N]\n"
	"                 [--json] [--color=auto|always|never] [--index PATH]\n";

static const char S_help[] =
	"\n"
	"Search the pages of the site offline, in the index 'kb build' writes.\n"
	"Every word must match (the last one also as a prefix); when none does,\n"
	"any word may, and kb suggests spellings.\n"
	"\n"
	"  --tag T         only pages tagged T (repeatable)\n"
	"  --lang L        only pages about language L (repeatable)\n"
	"  --section S     only pages of section S (topics, resources, ...)\n"
	"  -n N            show at most N results (default 10)\n"
	"  --json          print a JSON array for scripts\n"
	"  --color WHEN    auto (default: on a terminal, unless NO_COLOR is set),\n"
	"                  always or never\n"
	"  --index PATH    the index to read (default: $KB_INDEX, then\n"
	"                  ./site/" SEARCH_INDEX_NAME ", then\n"
	"                  " KB_SHARE_DIR "/" SEARCH_INDEX_NAME ")\n"
	"  -h, --help      show this help\n"
	"\n"
	"Exit status: 0 with results, 1 with none, 2 on error.\n";

static int S_usage_error(FILE *err, const char *fmt, const char *arg)
{
	fputs("kb search: ", err);
	fprintf(err, fmt, arg);
	fputc('\n', err);
	fputs(S_usage, err);
	return -1;
}

/* Matches option `name` at argv[*i] in the forms "name VALUE" and
 * "name=VALUE" (and "-nVALUE" for a short option). Returns 1 and *val when
 * it matches, 0 when it is another option, -1 when the value is missing. */
static int S_opt_value(int argc, char **argv, int *i, const char *name,
		       const char **val)
{
	const char *a = argv[*i];
	size_t n = strlen(name);
	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] == '=' || (n == 2 && a[n])) {
		*val = a + n + (a[n] == '=');
		return 1;
	}
	if (a[n])
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*val = argv[++*i];
	return 1;
}

static int S_parse_limit(const char *s, long *out)
{
	char *end;
	long v;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 100000)
		return -1;
	*out = v;
	return 0;
}

static int S_parse_color(const char *s, enum S_color *out)
{
	if (!strcmp(s, "auto"))
		*out = S_COLOR_AUTO;
	else if (!strcmp(s, "always"))
		*out = S_COLOR_ALWAYS;
	else if (!strcmp(s, "never"))
		*out = S_COLOR_NEVER;
	else
		return -1;
	return 0;
}

static int S_parse_args(struct S_opts *o, int argc, char **argv, FILE *err)
{
	static const char *const valued[] = { "--tag", "--lang", "--section",
					      "-n", "--color", "--index" };
	int options_done = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		size_t k;
		int r = 0;
		if (options_done || a[0] != '-' || a[1] == '\0') {
			if (o->have_query)
				buf_putc(&o->query, ' ');
			buf_puts(&o->query, a);
			o->have_query = 1;
			continue;
		}
		if (!strcmp(a, "--")) {
			options_done = 1;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			o->help = 1;
			continue;
		}
		if (!strcmp(a, "--json")) {
			o->json = 1;
			continue;
		}
		for (k = 0; k < sizeof(valued) / sizeof(valued[0]); k++)
			if ((r = S_opt_value(argc, argv, &i, valued[k], &val)))
				break;
		if (r < 0)
			return S_usage_error(err, "option '%s' needs a value",
					     a);
		if (r == 0)
			return S_usage_error(err, "unknown option '%s'", a);
		switch (k) {
		case 0: strlist_push(&o->tags, val); break;
		case 1: strlist_push(&o->langs, val); break;
		case 2: o->section = val; break;
		case 3:
			if (S_parse_limit(val, &o->limit) < 0)
				return S_usage_error(err,
					"-n needs a positive number, not '%s'",
					val);
			break;
		case 4:
			if (S_parse_color(val, &o->color) < 0)
				return S_usage_error(err,
					"--color must be auto, always or never,"
					" not '%s'", val);
			break;
		default: o->index = val; break;
		}
	}
	if (!o->have_query && !o->help)
		return S_usage_error(err, "%s", "missing QUERY");
	return 0;
}

static int S_use_color(enum S_color c, FILE *out)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");
	if (c != S_COLOR_AUTO)
		return c == S_COLOR_ALWAYS;
	if (no && *no)
		return 0;
	if (term && !strcmp(term, "dumb"))
		return 0;
	return isatty(fileno(out));
}

/* ---- finding and opening the index ---- */

static int S_is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Returns the index path (caller frees), or NULL after printing where it
 * looked. */
static char *S_find_index(const char *opt, FILE *err)
{
	const char *env = getenv("KB_INDEX");
	const char *defaults[] = { "site/" SEARCH_INDEX_NAME,
				   KB_SHARE_DIR "/" SEARCH_INDEX_NAME };
	const char *given = opt ? opt : (env && *env ? env : NULL);
	if (given) {
		if (S_is_file(given))
			return xstrdup(given);
		fprintf(err, "kb: no search index found; run 'kb build' first"
			" (looked in: %s)\n", given);
		return NULL;
	}
	for (size_t i = 0; i < 2; i++)
		if (S_is_file(defaults[i]))
			return xstrdup(defaults[i]);
	fprintf(err, "kb: no search index found; run 'kb build' first"
		" (looked in: ./%s, %s)\n", defaults[0], defaults[1]);
	return NULL;
}

static sqlite3 *S_open_index(const char *path, FILE *err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	const char *why = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='format'",
			       -1, &st, NULL) != SQLITE_OK) {
		why = db ? sqlite3_errmsg(db) : "out of memory";
	} else if (sqlite3_step(st) != SQLITE_ROW ||
		   !sqlite3_column_text(st, 0) ||
		   strcmp((const char *)sqlite3_column_text(st, 0),
			  S_FORMAT) != 0) {
		why = "made by another version of kb; run 'kb build' again";
	}
	if (why) {
		fprintf(err, "kb: cannot read search index '%s': %s\n", path,
			why);
		sqlite3_finalize(st);
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_finalize(st);
	return db;
}

/* ---- the query ---- */

/* One query word: its tokens, as the index's tokenizer cuts them. */
struct S_query {
	struct strlist *words; /* words[i]: tokens of word i */
	const char **alias;    /* alias[i]: S_aliases name of word i, or NULL */
	size_t n;
	size_t ntokens;
	char *text;            /* the query, valid UTF-8 */
	char *key;             /* all tokens joined by ' ' (title_key form) */
	char *page;            /* "/" + tokens joined by '-' + ".html": the
				* end of the URL of the page whose id the
				* query spells ("/free-threaded-python.html") */
};

/*
 * Names the tokenizer cannot read: unicode61 keeps only the "c" of "c++"
 * and "c#", and "net" of ".net". Such a word also matches the spelling the
 * site uses for it in ids, tags and languages, and names the page with
 * that id ("c++" -> languages/cpp.html).
 */
static const struct {
	const char *word, *name;
} S_aliases[] = {
	{ "c++", "cpp" },
	{ "c#", "csharp" },
	{ ".net", "dotnet" },
};

/* The site's name for the query word p[0..len), or NULL. */
static const char *S_alias(const char *p, size_t len)
{
	for (size_t i = 0; i < sizeof(S_aliases) / sizeof(S_aliases[0]); i++)
		if (strlen(S_aliases[i].word) == len &&
		    !strncasecmp(S_aliases[i].word, p, len))
			return S_aliases[i].name;
	return NULL;
}

struct S_split_ctx {
	struct strlist *toks;
	size_t *budget;
};

static int S_token_collect(void *ctx, int tflags, const char *tok, int ntok,
			   int start, int end)
{
	struct S_split_ctx *c = ctx;
	(void)tflags, (void)start, (void)end;
	if (*c->budget == 0)
		return SQLITE_OK;
	(*c->budget)--;
	strlist_push_owned(c->toks, xstrndup(tok, (size_t)ntok));
	return SQLITE_OK;
}

static int S_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static void S_query_parse(struct S_query *q, const char *raw,
			  struct S_tokenizer *tok)
{
	struct buf text = BUF_INIT, key = BUF_INIT, page = BUF_INIT;
	size_t budget = S_MAX_TOKENS;
	const char *p;

	memset(q, 0, sizeof(*q));
	S_put_utf8(&text, raw, strlen(raw));
	q->words = xcalloc(SEARCH_MAX_WORDS, sizeof(*q->words));
	q->alias = xcalloc(SEARCH_MAX_WORDS, sizeof(*q->alias));
	p = text.data;
	while (*p && q->n < SEARCH_MAX_WORDS && budget > 0) {
		size_t len = 0;
		struct strlist toks = STRLIST_INIT;
		struct S_split_ctx c = { &toks, &budget };
		while (S_is_space(*p))
			p++;
		while (p[len] && !S_is_space(p[len]))
			len++;
		if (len)
			S_tokenize(tok, p, len, FTS5_TOKENIZE_QUERY, &c,
				   S_token_collect);
		p += len;
		if (toks.n == 0)
			continue;
		q->alias[q->n] = S_alias(p - len, len);
		for (size_t i = 0; i < toks.n; i++)
			S_token_join(&key, 0, toks.items[i],
				     (int)strlen(toks.items[i]), 0, 0);
		if (q->alias[q->n])
			S_token_join(&page, 0, q->alias[q->n],
				     (int)strlen(q->alias[q->n]), 0, 0);
		else
			for (size_t i = 0; i < toks.n; i++)
				S_token_join(&page, 0, toks.items[i],
					     (int)strlen(toks.items[i]), 0, 0);
		q->ntokens += toks.n;
		q->words[q->n++] = toks;
	}
	q->text = buf_detach(&text);
	q->key = buf_detach(&key);
	q->page = xasprintf("/%s.html", page.data ? page.data : "");
	for (char *c = q->page; *c; c++)
		if (*c == ' ')
			*c = '-';
	buf_release(&page);
}

static void S_query_release(struct S_query *q)
{
	for (size_t i = 0; i < q->n; i++)
		strlist_release(&q->words[i]);
	free(q->words);
	free(q->alias);
	free(q->text);
	free(q->key);
	free(q->page);
}

/* Appends word w as one double-quoted FTS5 phrase, inner quotes doubled
 * (the tokenizer never yields one, but the quoting must not rely on it). */
static void S_put_phrase(struct buf *b, const struct strlist *w)
{
	buf_putc(b, '"');
	for (size_t i = 0; i < w->n; i++) {
		if (i)
			buf_putc(b, ' ');
		for (const char *s = w->items[i]; *s; s++) {
			if (*s == '"')
				buf_putc(b, '"');
			buf_putc(b, *s);
		}
	}
	buf_putc(b, '"');
}

/* Whether t is a term of the index vocabulary (an unstemmed word some page
 * contains). */
static int S_is_term(sqlite3 *db, const char *t)
{
	sqlite3_stmt *st = NULL;
	int found = 0;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM vocab WHERE term = ?1", -1,
			       &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, t, -1, SQLITE_STATIC);
		found = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	return found;
}

/*
 * The last word, also as a prefix while the reader may still be typing it:
 * when it has S_PREFIX_MIN characters or more (a prefix of one or two
 * letters, "c" or "go", matches half the vocabulary) and is not a word of
 * the index itself. A word the index knows is taken as typed: Porter
 * already matches its other forms ("thread" finds threads and threading),
 * a prefix would add unrelated longer words ("gil" -> "gilectomy") and
 * makes common words slow to rank on a large site. Porter also stems a
 * prefix as if it were a word ("multithreadin" -> "multithreadin", which
 * does not begin "multithread"), so vocabulary terms that begin with the
 * prefix are added too.
 */
static void S_put_last(struct buf *b, const struct strlist *w, sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	const char *t = w->items[w->n - 1];
	size_t len = strlen(t);
	if (len < S_PREFIX_MIN || (w->n == 1 && S_is_term(db, t))) {
		S_put_phrase(b, w);
		return;
	}
	buf_putc(b, '(');
	S_put_phrase(b, w);
	buf_putc(b, '*');
	if (w->n == 1 &&
	    sqlite3_prepare_v2(db,
			       "SELECT term FROM vocab WHERE term > ?1"
			       " AND term < ?1 || char(1114111)"
			       " ORDER BY df DESC, term LIMIT 8",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, t, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			struct strlist one = STRLIST_INIT;
			strlist_push(&one,
				     (const char *)sqlite3_column_text(st, 0));
			buf_puts(b, " OR ");
			S_put_phrase(b, &one);
			strlist_release(&one);
		}
	}
	sqlite3_finalize(st);
	buf_putc(b, ')');
}

/* Appends word i of q: its phrase, or for the last word its phrase and
 * prefix forms, or either of those or its alias. */
static void S_put_word(struct buf *b, const struct S_query *q, size_t i,
		       sqlite3 *db)
{
	struct strlist alias = STRLIST_INIT;
	if (q->alias[i])
		buf_putc(b, '(');
	if (i + 1 == q->n)
		S_put_last(b, &q->words[i], db);
	else
		S_put_phrase(b, &q->words[i]);
	if (q->alias[i]) {
		strlist_push(&alias, q->alias[i]);
		buf_puts(b, " OR ");
		S_put_phrase(b, &alias);
		buf_putc(b, ')');
		strlist_release(&alias);
	}
}

/* The FTS5 expression: every word (any_word = 0) or any word. */
static char *S_match_expr(const struct S_query *q, int any_word, sqlite3 *db)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < q->n; i++) {
		if (i)
			buf_puts(&b, any_word ? " OR " : " AND ");
		S_put_word(&b, q, i, db);
	}
	return buf_detach(&b);
}

/* ---- running it ---- */

struct S_hit {
	char *title, *section, *summary, *snippet, *path, *url, *tags,
		*languages, *verified;
	double score;
};

struct S_hits {
	struct S_hit *items;
	size_t n;
};

static char *S_col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? xstrdup(s) : NULL;
}

static void S_hits_release(struct S_hits *h)
{
	for (size_t i = 0; i < h->n; i++) {
		struct S_hit *x = &h->items[i];
		free(x->title), free(x->section), free(x->summary);
		free(x->snippet), free(x->path), free(x->url);
		free(x->tags), free(x->languages), free(x->verified);
	}
	free(h->items);
	h->items = NULL;
	h->n = 0;
}

static void S_put_filters(struct buf *sql, const struct S_opts *o)
{
	for (size_t i = 0; i < o->tags.n; i++)
		buf_puts(sql, " AND instr(' ' || lower(tags) || ' ',"
			      " ' ' || lower(?) || ' ') > 0");
	for (size_t i = 0; i < o->langs.n; i++)
		buf_puts(sql, " AND instr(' ' || lower(languages) || ' ',"
			      " ' ' || lower(?) || ' ') > 0");
	if (o->section)
		buf_puts(sql, " AND section = ? COLLATE NOCASE");
}

static void S_bind_filters(sqlite3_stmt *st, int *k, const struct S_opts *o)
{
	for (size_t i = 0; i < o->tags.n; i++)
		sqlite3_bind_text(st, (*k)++, o->tags.items[i], -1,
				  SQLITE_STATIC);
	for (size_t i = 0; i < o->langs.n; i++)
		sqlite3_bind_text(st, (*k)++, o->langs.items[i], -1,
				  SQLITE_STATIC);
	if (o->section)
		sqlite3_bind_text(st, (*k)++, o->section, -1, SQLITE_STATIC);
}

/* The columns of a result, in the order S_hit_read reads them; %s is the
 * snippet. */
#define S_HIT_COLS "SELECT title, section, summary, %s, path, url, tags," \
		   " languages, verified FROM docs WHERE "

static void S_hit_read(sqlite3_stmt *st, struct S_hit *h)
{
	h->title = S_col(st, 0);
	h->section = S_col(st, 1);
	h->summary = S_col(st, 2);
	h->snippet = S_col(st, 3);
	h->path = S_col(st, 4);
	h->url = S_col(st, 5);
	h->tags = S_col(st, 6);
	h->languages = S_col(st, 7);
	h->verified = S_col(st, 8);
}

/* Every page that passes the filters, by title. */
static int S_run_all(sqlite3 *db, const struct S_opts *o,
		     struct S_hits *hits)
{
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st = NULL;
	int k = 1, rc = SQLITE_ERROR;

	buf_printf(&sql, S_HIT_COLS "1", "NULL");
	S_put_filters(&sql, o);
	buf_puts(&sql, " ORDER BY lower(title), rowid LIMIT ?");
	if (sqlite3_prepare_v2(db, sql.data, -1, &st, NULL) == SQLITE_OK) {
		S_bind_filters(st, &k, o);
		sqlite3_bind_int64(st, k, o->limit);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			S_hit_read(st, &hits->items[hits->n++]);
	}
	sqlite3_finalize(st);
	buf_release(&sql);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * The best pages for match: exact matches (a page whose title key or URL
 * end is in `keys`) first, then by kb_rank(), then in index order. Only
 * rowids and ranks are read here, from the full-text index and the small
 * `keys` table; reading the docs rows themselves for every match (to
 * compare a title, say) would load whole pages. Fills rows and scores (at
 * most o->limit) and returns how many, or -1.
 */
static long S_run_rank(sqlite3 *db, const char *match, const struct S_query *q,
		       const struct S_opts *o, sqlite3_int64 *rows,
		       double *scores)
{
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st = NULL;
	int k = 1, rc = SQLITE_ERROR;
	long n = 0;

	buf_puts(&sql, "SELECT rowid, " S_RANK " FROM docs WHERE docs MATCH ?");
	S_put_filters(&sql, o);
	buf_puts(&sql, " ORDER BY rowid IN (SELECT doc FROM keys WHERE key = ?"
		       " OR key = ?) DESC, 2, rowid LIMIT ?");
	if (sqlite3_prepare_v2(db, sql.data, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, k++, match, -1, SQLITE_STATIC);
		S_bind_filters(st, &k, o);
		sqlite3_bind_text(st, k++, q->key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, k++, q->page, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, k, o->limit);
		while (n < o->limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			rows[n] = sqlite3_column_int64(st, 0);
			scores[n++] = -sqlite3_column_double(st, 1);
		}
		if (n == o->limit)
			rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	buf_release(&sql);
	return rc == SQLITE_DONE ? n : -1;
}

/*
 * Runs one search: match is an FTS5 expression, or NULL to list every page
 * that passes the filters. Fills *hits (release with S_hits_release).
 * Returns 0, or -1 with a message in *errmsg (caller frees).
 */
static int S_run(sqlite3 *db, const char *match, const struct S_query *q,
		 const struct S_opts *o, struct S_hits *hits, char **errmsg)
{
	sqlite3_int64 *rows = NULL;
	double *scores = NULL;
	sqlite3_stmt *st = NULL;
	char *sql = NULL;
	long n;
	int ret = -1;

	hits->items = xcalloc((size_t)o->limit, sizeof(*hits->items));
	if (!match) {
		ret = S_run_all(db, o, hits);
		goto done;
	}
	rows = xcalloc((size_t)o->limit, sizeof(*rows));
	scores = xcalloc((size_t)o->limit, sizeof(*scores));
	if ((n = S_run_rank(db, match, q, o, rows, scores)) < 0)
		goto done;
	/* Then the pages themselves, with a snippet, one by one. */
	sql = xasprintf(S_HIT_COLS "docs MATCH ? AND rowid = ?",
			"snippet(docs, 3, char(1), char(2), '…', 20)");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		goto done;
	for (long i = 0; i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, rows[i]);
		if (sqlite3_step(st) != SQLITE_ROW)
			goto done;
		S_hit_read(st, &hits->items[hits->n]);
		hits->items[hits->n++].score = scores[i];
	}
	ret = 0;
done:
	if (ret < 0)
		*errmsg = xstrdup(sqlite3_errmsg(db));
	sqlite3_finalize(st);
	free(sql);
	free(rows);
	free(scores);
	return ret;
}

/* ---- "did you mean" ---- */

static size_t S_max_distance(size_t len)
{
	return len <= 4 ? 1 : len <= 8 ? 2 : 3;
}

/* The vocabulary term nearest to t (by edit distance, then document
 * frequency, then alphabetically), or NULL if t is a known term or nothing
 * is near enough. Caller frees. */
static char *S_nearest(sqlite3 *db, const char *t)
{
	sqlite3_stmt *st = NULL;
	size_t len = strlen(t), maxd = S_max_distance(len), bestd = SIZE_MAX;
	long long bestdf = -1;
	char *best = NULL;

	if (len < 3 || sqlite3_prepare_v2(db,
			"SELECT term, df FROM vocab WHERE length(term)"
			" BETWEEN ?1 AND ?2 ORDER BY term", -1, &st,
			NULL) != SQLITE_OK)
		goto done;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(len > maxd ? len - maxd : 1));
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(len + maxd));
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *term = (const char *)sqlite3_column_text(st, 0);
		long long df = sqlite3_column_int64(st, 1);
		size_t d;
		if (!term)
			continue;
		if (!strcmp(term, t)) {
			free(best);
			best = NULL;
			break;
		}
		d = edit_distance(t, term);
		if (d > maxd || d > bestd || (d == bestd && df <= bestdf))
			continue;
		free(best);
		best = xstrdup(term);
		bestd = d;
		bestdf = df;
	}
done:
	sqlite3_finalize(st);
	return best;
}

/* The query with unknown words replaced by their nearest terms, or NULL
 * when there is nothing to suggest. Caller frees. */
static char *S_suggest(sqlite3 *db, const struct S_query *q)
{
	struct buf b = BUF_INIT;
	int changed = 0;
	for (size_t i = 0; i < q->n; i++) {
		for (size_t j = 0; j < q->words[i].n; j++) {
			const char *t = q->words[i].items[j];
			char *near = S_nearest(db, t);
			if (b.len)
				buf_putc(&b, ' ');
			buf_puts(&b, near ? near : t);
			changed |= near != NULL;
			free(near);
		}
	}
	if (!changed) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/* ---- output ---- */

#define S_ANSI_TITLE "\033[1m"
#define S_ANSI_SECTION "\033[36m"
#define S_ANSI_MATCH "\033[1;31m"
#define S_ANSI_DIM "\033[2m"
#define S_ANSI_RESET "\033[0m"

/* Writes s word-wrapped to width columns, each line indented by two
 * spaces. White space and control characters become single spaces;
 * S_HL_ON/S_HL_OFF become colour codes (or nothing without colour). */
static void S_put_wrapped(FILE *out, const char *s, int color)
{
	struct buf clean = BUF_INIT;
	const char *p;
	size_t col = 2;
	int in_hl = 0;

	S_put_utf8(&clean, s, strlen(s));
	p = clean.data;
	fputs("  ", out);
	while (*p) {
		size_t len = 0, width = 0;
		while (*p && ((unsigned char)*p <= ' ' || *p == 0x7f) &&
		       *p != S_HL_ON && *p != S_HL_OFF)
			p++;
		if (!*p)
			break;
		while (p[len] && ((unsigned char)p[len] > ' ' ||
				  p[len] == S_HL_ON || p[len] == S_HL_OFF) &&
		       p[len] != 0x7f) {
			unsigned char c = (unsigned char)p[len];
			if (c != S_HL_ON && c != S_HL_OFF && (c & 0xc0) != 0x80)
				width++;
			len++;
		}
		if (col > 2 && col + 1 + width > S_WRAP) {
			if (in_hl && color)
				fputs(S_ANSI_RESET, out);
			fputs("\n  ", out);
			if (in_hl && color)
				fputs(S_ANSI_MATCH, out);
			col = 2;
		} else if (col > 2) {
			fputc(' ', out);
			col++;
		}
		for (size_t i = 0; i < len; i++) {
			if (p[i] == S_HL_ON || p[i] == S_HL_OFF) {
				in_hl = p[i] == S_HL_ON;
				if (color)
					fputs(in_hl ? S_ANSI_MATCH
						    : S_ANSI_RESET, out);
			} else {
				fputc(p[i], out);
			}
		}
		col += width;
		p += len;
	}
	if (in_hl && color)
		fputs(S_ANSI_RESET, out);
	fputc('\n', out);
	buf_release(&clean);
}

/* Where the page is on disk: the URL under the index's directory. */
static char *S_page_file(const char *index_path, const char *url)
{
	char *dir = path_dirname(index_path);
	char *file = !strcmp(dir, ".") || !*dir ? xstrdup(url)
						: path_join(dir, url);
	free(dir);
	if (!strncmp(file, "./", 2))
		memmove(file, file + 2, strlen(file + 2) + 1);
	return file;
}

/* Writes one string sanitised for a terminal (valid UTF-8, no control
 * characters). */
static void S_put_text(FILE *out, const char *s)
{
	struct buf b = BUF_INIT;
	S_put_utf8(&b, s ? s : "", s ? strlen(s) : 0);
	for (size_t i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] < 0x20 || b.data[i] == 0x7f)
			b.data[i] = ' ';
	fputs(b.data, out);
	buf_release(&b);
}

static void S_print_hit(FILE *out, const struct S_hit *h, int color,
			const char *index_path)
{
	char *file = S_page_file(index_path, h->url ? h->url : "");
	if (color)
		fputs(S_ANSI_TITLE, out);
	S_put_text(out, h->title);
	if (color)
		fputs(S_ANSI_RESET, out);
	if (h->section && *h->section) {
		fputs("  ", out);
		if (color)
			fputs(S_ANSI_SECTION, out);
		fputc('[', out);
		S_put_text(out, h->section);
		fputc(']', out);
		if (color)
			fputs(S_ANSI_RESET, out);
	}
	fputc('\n', out);
	if (h->summary && *h->summary)
		S_put_wrapped(out, h->summary, color);
	if (h->snippet && *h->snippet)
		S_put_wrapped(out, h->snippet, color);
	fputs("  ", out);
	if (color)
		fputs(S_ANSI_DIM, out);
	S_put_text(out, h->path);
	/* Source and page on one line when they fit in 80 columns. */
	if (2 + strlen(h->path ? h->path : "") + 3 + strlen(file) <= S_WRAP)
		fputs(" · ", out);
	else
		fputs("\n  ", out);
	S_put_text(out, file);
	if (color)
		fputs(S_ANSI_RESET, out);
	fputc('\n', out);
	free(file);
}

/* Appends s as a JSON string: valid UTF-8, control characters escaped,
 * snippet markers dropped. */
static void S_json_str(struct buf *b, const char *s)
{
	struct buf u = BUF_INIT;
	S_put_utf8(&u, s ? s : "", s ? strlen(s) : 0);
	buf_putc(b, '"');
	for (size_t i = 0; i < u.len; i++) {
		unsigned char c = (unsigned char)u.data[i];
		if (c == S_HL_ON || c == S_HL_OFF)
			continue;
		if (c == '"' || c == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, c);
		} else if (c == '\n') {
			buf_puts(b, "\\n");
		} else if (c == '\t') {
			buf_puts(b, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			buf_printf(b, "\\u%04x", c);
		} else {
			buf_putc(b, c);
		}
	}
	buf_putc(b, '"');
	buf_release(&u);
}

/* A ", "-separated list as a JSON array of strings. */
static void S_json_list(struct buf *b, const char *s)
{
	buf_putc(b, '[');
	for (int first = 1; s && *s; first = 0) {
		size_t n = strcspn(s, ",");
		char *w = xstrndup(s, n);
		if (!first)
			buf_puts(b, ", ");
		S_json_str(b, w);
		free(w);
		s += n;
		s += strspn(s, ", ");
	}
	buf_putc(b, ']');
}

/* A space-separated list as a JSON array of strings. */
static void S_json_words(struct buf *b, const char *s)
{
	int first = 1;
	buf_putc(b, '[');
	while (s && *s) {
		size_t n = 0;
		char *w;
		while (*s == ' ')
			s++;
		while (s[n] && s[n] != ' ')
			n++;
		if (!n)
			break;
		w = xstrndup(s, n);
		if (!first)
			buf_puts(b, ", ");
		S_json_str(b, w);
		free(w);
		first = 0;
		s += n;
	}
	buf_putc(b, ']');
}

/* The highlighted parts of a snippet as a JSON array of strings. */
static void S_json_highlights(struct buf *b, const char *snippet)
{
	const char *p = snippet ? snippet : "";
	int first = 1;
	buf_putc(b, '[');
	while ((p = strchr(p, S_HL_ON))) {
		const char *end = strchr(++p, S_HL_OFF);
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char *w = xstrndup(p, n);
		if (!first)
			buf_puts(b, ", ");
		S_json_str(b, w);
		free(w);
		first = 0;
		p += n;
	}
	buf_putc(b, ']');
}

/* ", \"score\": N" with a '.' whatever the locale's decimal point. */
static void S_json_number(struct buf *b, double v)
{
	char num[64];
	snprintf(num, sizeof(num), "%.4f", v);
	for (char *c = num; *c; c++)
		if (*c == ',')
			*c = '.';
	buf_printf(b, ", \"score\": %s", num);
}

static void S_print_json(FILE *out, const struct S_hits *hits)
{
	struct buf b = BUF_INIT;
	buf_putc(&b, '[');
	for (size_t i = 0; i < hits->n; i++) {
		const struct S_hit *h = &hits->items[i];
		buf_puts(&b, i ? ",\n  {" : "\n  {");
		buf_puts(&b, "\"title\": ");
		S_json_str(&b, h->title);
		buf_puts(&b, ", \"section\": ");
		S_json_str(&b, h->section);
		buf_puts(&b, ", \"summary\": ");
		S_json_str(&b, h->summary);
		buf_puts(&b, ", \"snippet\": ");
		S_json_str(&b, h->snippet);
		buf_puts(&b, ", \"highlights\": ");
		S_json_highlights(&b, h->snippet);
		buf_puts(&b, ", \"tags\": ");
		S_json_words(&b, h->tags);
		buf_puts(&b, ", \"languages\": ");
		S_json_words(&b, h->languages);
		buf_puts(&b, ", \"verified_on\": ");
		S_json_list(&b, h->verified);
		buf_puts(&b, ", \"path\": ");
		S_json_str(&b, h->path);
		buf_puts(&b, ", \"url\": ");
		S_json_str(&b, h->url);
		S_json_number(&b, h->score);
		buf_putc(&b, '}');
	}
	buf_puts(&b, hits->n ? "\n]\n" : "]\n");
	fputs(b.data, out);
	buf_release(&b);
}

static void S_print(FILE *out, const struct S_hits *hits,
		    const struct S_opts *o, const char *index_path)
{
	int color = !o->json && S_use_color(o->color, out);
	if (o->json) {
		S_print_json(out, hits);
		return;
	}
	for (size_t i = 0; i < hits->n; i++) {
		if (i)
			fputc('\n', out);
		S_print_hit(out, &hits->items[i], color, index_path);
	}
}

/* ---- kb search ---- */

/*
 * Searches q: all words, then any word, then suggests. Returns the exit
 * status.
 */
static int S_search(sqlite3 *db, struct S_query *q, const struct S_opts *o,
		    const char *index_path, FILE *out, FILE *err)
{
	struct S_hits hits = { NULL, 0 };
	char *match = NULL, *msg = NULL, *suggestion = NULL;
	int filtered = o->tags.n || o->langs.n || o->section;
	int status = 2;

	if (q->n == 0 && !filtered) {
		fprintf(err, "kb: nothing to search for in '");
		S_put_text(err, q->text);
		fprintf(err, "'; give a word with a letter or digit\n");
		if (o->json)
			S_print_json(out, &hits);
		return 1;
	}
	if (q->n > 0)
		match = S_match_expr(q, 0, db);
	if (S_run(db, match, q, o, &hits, &msg) < 0)
		goto done;
	if (hits.n == 0 && q->n > 1) {
		free(match);
		S_hits_release(&hits);
		match = S_match_expr(q, 1, db);
		if (S_run(db, match, q, o, &hits, &msg) < 0)
			goto done;
		if (hits.n)
			fprintf(err, "kb: no page has every word; showing"
				" pages with any of them\n");
	}
	S_print(out, &hits, o, index_path);
	status = hits.n ? 0 : 1;
	if (hits.n)
		goto done;
	fputs("kb: no results for '", err);
	S_put_text(err, q->text);
	fputs("'\n", err);
	if (q->n && (suggestion = S_suggest(db, q)))
		fprintf(err, "kb: did you mean: %s?\n", suggestion);
done:
	if (msg)
		fprintf(err, "kb: search failed: %s\n", msg);
	free(suggestion);
	free(msg);
	free(match);
	S_hits_release(&hits);
	return status;
}

int search_main(int argc, char **argv, FILE *out, FILE *err)
{
	struct S_opts o = { BUF_INIT, 0, STRLIST_INIT, STRLIST_INIT, NULL,
			    S_DEFAULT_LIMIT, 0, S_COLOR_AUTO, NULL, 0 };
	struct S_tokenizer tok = { { NULL, NULL, NULL }, NULL, NULL };
	struct S_query q;
	char *index_path = NULL;
	sqlite3 *db = NULL;
	int status = 2, have_q = 0;

	if (S_parse_args(&o, argc, argv, err) < 0)
		goto done;
	if (o.help) {
		fputs(S_usage, out);
		fputs(S_help, out);
		status = 0;
		goto done;
	}
	if (!(index_path = S_find_index(o.index, err)) ||
	    !(db = S_open_index(index_path, err)))
		goto done;
	if (S_tokenizer_open(&tok, db) < 0) {
		fprintf(err, "kb: SQLite has no FTS5 unicode61 tokenizer\n");
		goto done;
	}
	if (S_register_rank(db) < 0) {
		fprintf(err, "kb: cannot register the ranking function with"
			" SQLite's FTS5\n");
		goto done;
	}
	S_query_parse(&q, o.query.data, &tok);
	have_q = 1;
	status = S_search(db, &q, &o, index_path, out, err);
done:
	if (have_q)
		S_query_release(&q);
	S_tokenizer_close(&tok);
	sqlite3_close(db);
	free(index_path);
	buf_release(&o.query);
	strlist_release(&o.tags);
	strlist_release(&o.langs);
	fflush(out);
	return status;
}

int cmd_search(int argc, char **argv)
{
	return search_main(argc, argv, stdout, stderr);
}
