/*
 * search.c - `kb search`: reads the index search_index.c writes, turns the
 * user's words into an FTS5 query, ranks with BM25F and prints the
 * results. The file format and the query rules are described in search.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "search_int.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The ranking function (search_rank.c) as SQL. */
#define S_RANK "kb_rank(docs, ?, ?)"
#define S_DEFAULT_LIMIT 10
#define S_MAX_TOKENS 64
/* The last query word matches as a prefix from this many characters. */
#define S_PREFIX_MIN 3

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
	"Pages with the most of the query's words come first (the last word also\n"
	"matches as a prefix); question words such as how, do, i, what and is are\n"
	"not required. When nothing matches, kb suggests spellings.\n"
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

/*
 * Parses argv with getopt_long, as the other commands do; the words that
 * are not options, before or after them (GNU getopt permutes argv), or
 * after "--", are the query. Errors go to err, not stderr, because
 * search_main() writes to the streams it is given. Returns 0, or -1 after
 * a usage error.
 */
static int S_parse_args(struct S_opts *o, int argc, char **argv, FILE *err)
{
	static const struct option longs[] = {
		{ "tag", required_argument, NULL, 't' },
		{ "lang", required_argument, NULL, 'l' },
		{ "section", required_argument, NULL, 's' },
		{ "color", required_argument, NULL, 'c' },
		{ "index", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 0; /* 0, not 1: also resets GNU getopt's permutation state */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hn:", longs, NULL)) != -1) {
		switch (c) {
		case 't': strlist_push(&o->tags, optarg); break;
		case 'l': strlist_push(&o->langs, optarg); break;
		case 's': o->section = optarg; break;
		case 'i': o->index = optarg; break;
		case 'j': o->json = 1; break;
		case 'h': o->help = 1; break;
		case 'n':
			if (S_parse_limit(optarg, &o->limit) < 0)
				return S_usage_error(err,
					"-n needs a positive number, not '%s'",
					optarg);
			break;
		case 'c':
			if (S_parse_color(optarg, &o->color) < 0)
				return S_usage_error(err,
					"--color must be auto, always or never,"
					" not '%s'", optarg);
			break;
		case ':':
			return S_usage_error(err, "option '%s' needs a value",
					     argv[optind - 1]);
		default:
			return S_usage_error(err, "unknown option '%s'",
					     argv[optind - 1]);
		}
	}
	for (int i = optind; i < argc; i++) {
		if (o->have_query)
			buf_putc(&o->query, ' ');
		buf_puts(&o->query, argv[i]);
		o->have_query = 1;
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
			  SEARCH_FORMAT) != 0) {
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
	char *stop;            /* stop[i]: word i is a question word */
	size_t n;
	size_t nmeaning;       /* words that are not question words */
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

/*
 * Question words: words that carry no meaning for ranking, so that a
 * question ("how do i avoid deadlocks") is searched by the words that do
 * ("avoid deadlocks"). They are left out of the match, not required; a
 * query made only of them ("what is", "how do i") searches them as
 * usual. The list is short on purpose: English function words, the
 * question words and auxiliaries learners put in front of a question, a
 * few fillers of a spoken question ("actually", "really", "just",
 * "please", "need", "want") and its all-purpose verbs and adjectives
 * ("how does X work", "use", "make", "good", "best"), and nothing that
 * names a concept ("not", "all", "between", "safe" and "python" stay
 * meaningful; IDF already weighs common words down). A word is compared
 * lowercased, with an apostrophe and what follows it dropped ("what's" ->
 * "what", "don't" -> "don"). Sorted, for bsearch().
 */
static const char *const S_stopwords[] = {
	"a", "about", "actually", "also", "am", "an", "and", "any",
	"anything", "are", "as", "at", "be", "been", "being", "best",
	"better", "by", "can", "could", "did", "do", "does", "doesn", "don",
	"else", "even", "ever", "exactly", "for", "from", "get", "good",
	"had", "happen", "happens", "has", "have", "how", "i", "if", "in",
	"into", "is", "isn", "it", "its", "just", "like", "make", "makes",
	"me", "mean", "means", "might", "my", "need", "of", "on", "or",
	"our", "please", "possible", "really", "should", "so", "some",
	"something", "still", "than", "that", "the", "their", "them", "then",
	"there", "these", "they", "thing", "things", "this", "those", "to",
	"us", "use", "using", "want", "was", "way", "we", "were", "what",
	"when", "where", "which", "who", "why", "will", "with", "work",
	"works", "would", "you", "your",
};

static int S_strcmp_p(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Whether the query word p[0..len) is a question word. */
static int S_is_stopword(const char *p, size_t len)
{
	char w[16];
	size_t n = 0;
	for (size_t i = 0; i < len && p[i] != '\''; i++) {
		unsigned char c = (unsigned char)p[i];
		if (!isalnum(c))
			continue;
		if (n + 1 >= sizeof(w))
			return 0;
		w[n++] = (char)tolower(c);
	}
	w[n] = '\0';
	const char *key = w;
	return n && bsearch(&key, S_stopwords,
			    sizeof(S_stopwords) / sizeof(S_stopwords[0]),
			    sizeof(S_stopwords[0]), S_strcmp_p) != NULL;
}

int search_write_words(const char *dir)
{
	struct buf b = BUF_INIT;
	char *path = path_join(dir, SEARCH_WORDS_NAME);
	buf_puts(&b, "{\"question_words\": [");
	for (size_t i = 0; i < sizeof(S_stopwords) / sizeof(S_stopwords[0]); i++)
		buf_printf(&b, "%s\"%s\"", i ? ", " : "", S_stopwords[i]);
	buf_puts(&b, "]}\n");
	int rc = write_file_replace(path, b.data, b.len);
	buf_release(&b);
	free(path);
	return rc;
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
			  struct search_tokenizer *tok)
{
	struct buf text = BUF_INIT, key = BUF_INIT, page = BUF_INIT;
	size_t budget = S_MAX_TOKENS;
	const char *p;

	memset(q, 0, sizeof(*q));
	search_put_utf8(&text, raw, strlen(raw));
	q->words = xcalloc(SEARCH_MAX_WORDS, sizeof(*q->words));
	q->alias = xcalloc(SEARCH_MAX_WORDS, sizeof(*q->alias));
	q->stop = xcalloc(SEARCH_MAX_WORDS, sizeof(*q->stop));
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
			search_tokenize(tok, p, len, FTS5_TOKENIZE_QUERY, &c,
				   S_token_collect);
		p += len;
		if (toks.n == 0)
			continue;
		q->alias[q->n] = S_alias(p - len, len);
		q->stop[q->n] = (char)S_is_stopword(p - len, len);
		q->nmeaning += !q->stop[q->n];
		for (size_t i = 0; i < toks.n; i++)
			search_token_join(&key, 0, toks.items[i],
				     (int)strlen(toks.items[i]), 0, 0);
		if (q->alias[q->n])
			search_token_join(&page, 0, q->alias[q->n],
				     (int)strlen(q->alias[q->n]), 0, 0);
		else
			for (size_t i = 0; i < toks.n; i++)
				search_token_join(&page, 0, toks.items[i],
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
	free(q->stop);
	free(q->text);
	free(q->key);
	free(q->page);
}

/* An FTS5 expression being built, and for each of its phrases, in order,
 * the query word it stands for ("0 1 1 2": kb_rank()'s second argument,
 * so that it can count how many of the query's words a page matches). */
struct S_expr {
	struct buf b;
	struct buf groups;
	size_t word;
	struct buf terms; /* the term of each phrase: kb_rank()'s third
			   * argument; one per phrase, but one for all the
			   * phrases of a group of synonyms */
	size_t term;
	int one_term;     /* S_put_phrase: the phrases are one term */
	struct strlist fixed; /* "typed", "searched" pairs of S_put_word's
			       * corrections */
};

/* Appends word w as one double-quoted FTS5 phrase, inner quotes doubled
 * (the tokenizer never yields one, but the quoting must not rely on it). */
static void S_put_phrase(struct S_expr *e, const struct strlist *w)
{
	struct buf *b = &e->b;
	buf_printf(&e->groups, "%s%zu", e->groups.len ? " " : "", e->word);
	buf_printf(&e->terms, "%s%zu", e->terms.len ? " " : "", e->term);
	if (!e->one_term)
		e->term++;
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
static void S_put_last(struct S_expr *e, const struct strlist *w, sqlite3 *db)
{
	struct buf *b = &e->b;
	sqlite3_stmt *st = NULL;
	const char *t = w->items[w->n - 1];
	size_t len = strlen(t);
	if (len < S_PREFIX_MIN || (w->n == 1 && S_is_term(db, t))) {
		S_put_phrase(e, w);
		return;
	}
	buf_putc(b, '(');
	S_put_phrase(e, w);
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
			S_put_phrase(e, &one);
			strlist_release(&one);
		}
	}
	sqlite3_finalize(st);
	buf_putc(b, ')');
}

static char *S_nearest(sqlite3 *db, const char *t);

/* Appends word i of q: its phrase, or for the last word its phrase and
 * prefix forms, or either of those or its alias. A word of one token that
 * no page has ("multiprocesing") also matches the nearest word of the
 * vocabulary (as "did you mean" would correct it), and both count as one
 * term. */
static void S_put_word(struct S_expr *e, const struct S_query *q, size_t i,
		       sqlite3 *db)
{
	struct strlist alt = STRLIST_INIT;
	struct buf *b = &e->b;
	const struct strlist *w = &q->words[i];
	char *near = NULL;
	if (q->alias[i])
		strlist_push(&alt, q->alias[i]);
	else if (w->n == 1 && !S_is_term(db, w->items[0]) &&
		 (near = S_nearest(db, w->items[0]))) {
		strlist_push_owned(&alt, near);
		strlist_push(&e->fixed, w->items[0]);
		strlist_push(&e->fixed, near);
	}
	if (alt.n)
		buf_putc(b, '(');
	e->one_term = near != NULL;
	if (i + 1 == q->n)
		S_put_last(e, w, db);
	else
		S_put_phrase(e, w);
	if (alt.n) {
		buf_puts(b, " OR ");
		S_put_phrase(e, &alt);
		buf_putc(b, ')');
	}
	if (e->one_term)
		e->term++;
	e->one_term = 0;
	strlist_release(&alt);
}

/* Longest run of query words a synonym phrase may span. */
#define S_SYNONYM_WORDS 4

/* The group (table `synonyms`) of the phrase the tokens of words
 * i..i+len-1 spell, or -1. */
static long S_synonym_group(sqlite3_stmt *find, const struct S_query *q,
			    size_t i, size_t len, struct buf *phrase)
{
	long grp = -1;
	buf_truncate(phrase, 0);
	for (size_t k = i; k < i + len; k++)
		for (size_t t = 0; t < q->words[k].n; t++)
			search_token_join(phrase, 0, q->words[k].items[t],
					  (int)strlen(q->words[k].items[t]), 0, 0);
	sqlite3_reset(find);
	sqlite3_bind_text(find, 1, phrase->data, (int)phrase->len,
			  SQLITE_STATIC);
	if (sqlite3_step(find) == SQLITE_ROW)
		grp = (long)sqlite3_column_int64(find, 0);
	sqlite3_reset(find);
	return grp;
}

/* Appends a phrase stored as space-separated tokens. */
static void S_put_stored(struct S_expr *e, const char *tokens)
{
	struct strlist w = STRLIST_INIT;
	char *copy = xstrdup(tokens);
	for (char *t = strtok(copy, " "); t; t = strtok(NULL, " "))
		strlist_push(&w, t);
	if (w.n)
		S_put_phrase(e, &w);
	strlist_release(&w);
	free(copy);
}

/* The length (in words, at least min) of the longest phrase of kb.lua's
 * synonyms that words i.. of q begin with, up to S_SYNONYM_WORDS, with its
 * group in *grp; 0 when there is none. find is S_match_expr's lookup of a
 * phrase's group. */
static size_t S_find_synonym(sqlite3_stmt *find, const struct S_query *q,
			     size_t i, size_t min, long *grp)
{
	struct buf phrase = BUF_INIT;
	size_t len = q->n - i < S_SYNONYM_WORDS ? q->n - i : S_SYNONYM_WORDS;

	*grp = -1;
	for (; find && len >= min && len > 0; len--)
		if ((*grp = S_synonym_group(find, q, i, len, &phrase)) >= 0)
			break;
	buf_release(&phrase);
	return *grp >= 0 ? len : 0;
}

/* Appends every phrase of synonym group grp, ORed, as one word. */
static void S_put_group(struct S_expr *e, sqlite3 *db, long grp)
{
	sqlite3_stmt *all = NULL;
	e->one_term = 1;
	buf_putc(&e->b, '(');
	if (sqlite3_prepare_v2(db, "SELECT phrase FROM synonyms WHERE grp = ?"
			       " ORDER BY phrase", -1, &all, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(all, 1, grp);
		for (int first = 1; sqlite3_step(all) == SQLITE_ROW; first = 0) {
			if (!first)
				buf_puts(&e->b, " OR ");
			S_put_stored(e, (const char *)sqlite3_column_text(all, 0));
		}
	}
	sqlite3_finalize(all);
	buf_putc(&e->b, ')');
	e->one_term = 0;
	e->term++;
}

/*
 * The FTS5 expression: any of the query's meaningful words (all of its
 * words when every one is a question word), in *groups the word of each
 * phrase and in *terms its term, for kb_rank(); *nwords is the number of
 * such words, and *fixed lists the words S_put_word corrected, each
 * followed by its correction. A word, or a run of words, that spells a
 * phrase of kb.lua's synonyms stands for its whole group, as one word;
 * such a run may begin with a question word ("at the same time"). The
 * strings and *fixed are the caller's to free.
 */
static char *S_match_expr(const struct S_query *q, sqlite3 *db,
			  char **groups, char **terms, size_t *nwords,
			  struct strlist *fixed)
{
	struct S_expr e = { BUF_INIT, BUF_INIT, 0, BUF_INIT, 0, 0, STRLIST_INIT };
	sqlite3_stmt *find = NULL;
	if (sqlite3_prepare_v2(db, "SELECT grp FROM synonyms WHERE phrase = ?",
			       -1, &find, NULL) != SQLITE_OK)
		find = NULL; /* no synonyms then */
	for (size_t i = 0; i < q->n;) {
		int skip = q->stop[i] && q->nmeaning > 0;
		long grp;
		size_t len = S_find_synonym(find, q, i, skip ? 2 : 1, &grp);
		if (skip && !len) {
			i++;
			continue;
		}
		if (e.b.len)
			buf_puts(&e.b, " OR ");
		if (len)
			S_put_group(&e, db, grp);
		else
			S_put_word(&e, q, i, db);
		i += len ? len : 1;
		e.word++;
	}
	sqlite3_finalize(find);
	*nwords = e.word;
	*groups = buf_detach(&e.groups);
	*terms = buf_detach(&e.terms);
	*fixed = e.fixed;
	return buf_detach(&e.b);
}

/* ---- running it ---- */



static char *S_col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? xstrdup(s) : NULL;
}

static void S_hits_release(struct search_hits *h)
{
	for (size_t i = 0; i < h->n; i++) {
		struct search_hit *x = &h->items[i];
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

static void S_hit_read(sqlite3_stmt *st, struct search_hit *h)
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
		     struct search_hits *hits)
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
static long S_run_rank(sqlite3 *db, const char *match, const char *groups,
		       const char *terms,
		       const struct S_query *q, const struct S_opts *o,
		       sqlite3_int64 *rows, double *scores)
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
		sqlite3_bind_text(st, k++, groups, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, k++, terms, -1, SQLITE_STATIC);
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
static int S_run(sqlite3 *db, const char *match, const char *groups,
		 const char *terms,
		 const struct S_query *q, const struct S_opts *o,
		 struct search_hits *hits, char **errmsg)
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
	if ((n = S_run_rank(db, match, groups, terms, q, o, rows, scores)) < 0)
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


static void S_print(FILE *out, const struct search_hits *hits,
		    const struct S_opts *o, const char *index_path)
{
	int color = !o->json && S_use_color(o->color, out);
	if (o->json) {
		search_print_json(out, hits);
		return;
	}
	for (size_t i = 0; i < hits->n; i++) {
		if (i)
			fputc('\n', out);
		search_print_hit(out, &hits->items[i], color, index_path);
	}
}

/* ---- kb search ---- */

/*
 * Searches q: pages with the most of its meaningful words first, then
 * suggests spellings when nothing matches. Returns the exit status.
 */
static int S_search(sqlite3 *db, struct S_query *q, const struct S_opts *o,
		    const char *index_path, FILE *out, FILE *err)
{
	struct search_hits hits = { NULL, 0 };
	char *match = NULL, *groups = NULL, *terms = NULL, *msg = NULL;
	char *suggestion = NULL;
	int filtered = o->tags.n || o->langs.n || o->section;
	int status = 2;
	size_t nwords = 0;
	struct strlist fixed = STRLIST_INIT;

	if (q->n == 0 && !filtered) {
		fprintf(err, "kb: nothing to search for in '");
		search_put_text(err, q->text);
		fprintf(err, "'; give a word with a letter or digit\n");
		if (o->json)
			search_print_json(out, &hits);
		return 1;
	}
	if (q->n > 0)
		match = S_match_expr(q, db, &groups, &terms, &nwords, &fixed);
	for (size_t i = 0; i + 1 < fixed.n; i += 2)
		fprintf(err, "kb: no page has '%s'; searching '%s' too\n",
			fixed.items[i], fixed.items[i + 1]);
	if (S_run(db, match, groups, terms, q, o, &hits, &msg) < 0)
		goto done;
	if (hits.n && q->nmeaning > 0 && nwords > 1 &&
	    hits.items[0].score < SEARCH_COVER * (double)nwords)
		fprintf(err, "kb: no page has every word; showing pages with"
			" the most of them\n");
	S_print(out, &hits, o, index_path);
	status = hits.n ? 0 : 1;
	if (hits.n)
		goto done;
	fputs("kb: no results for '", err);
	search_put_text(err, q->text);
	fputs("'\n", err);
	if (q->n && (suggestion = S_suggest(db, q)))
		fprintf(err, "kb: did you mean: %s?\n", suggestion);
done:
	if (msg)
		fprintf(err, "kb: search failed: %s\n", msg);
	free(suggestion);
	free(msg);
	free(match);
	free(groups);
	free(terms);
	strlist_release(&fixed);
	S_hits_release(&hits);
	return status;
}

int search_main(int argc, char **argv, FILE *out, FILE *err)
{
	struct S_opts o = { BUF_INIT, 0, STRLIST_INIT, STRLIST_INIT, NULL,
			    S_DEFAULT_LIMIT, 0, S_COLOR_AUTO, NULL, 0 };
	struct search_tokenizer tok = { { NULL, NULL, NULL }, NULL, NULL };
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
	if (search_tokenizer_open(&tok, db) < 0) {
		fprintf(err, "kb: SQLite has no FTS5 unicode61 tokenizer\n");
		goto done;
	}
	if (search_register_rank(db) < 0) {
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
	search_tokenizer_close(&tok);
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
