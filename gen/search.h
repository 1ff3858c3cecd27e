/*
 * search.h - the offline search index (SQLite FTS5) and `kb search`.
 *
 * The index
 * ---------
 * `kb build` writes one SQLite database next to the site it generates:
 *
 *     <site>/kb-search.sqlite          (SEARCH_INDEX_NAME)
 *
 * It holds, with the format number in table `meta`:
 *   - `docs`, an FTS5 table with tokenize='porter unicode61 remove_diacritics 2'
 *     over title, tags, summary, body, languages and answers (the entry's
 *     `answers:`, one per line; section, url, path and a normalised title
 *     are stored but not indexed). unicode61 treats every
 *     character outside the Unicode letter/number classes as a separator,
 *     '_' included, so `pthread_mutex_lock` is indexed as the three tokens
 *     "pthread mutex lock" and the query `mutex` finds it; no split form of
 *     identifiers needs to be added to the body.
 *   - `vocab(term, df)`, every unstemmed token of the indexed columns
 *     (unicode61, lowercased, diacritics removed) with the number of
 *     documents that contain it. It serves "did you mean" suggestions (real
 *     words, not Porter stems such as "concurr") and prefix completion.
 *     The writer counts them with a temporary unicode61 FTS5 table (no
 *     content, detail=none) read through fts5vocab; terms of 2 to 48 bytes
 *     are kept.
 *   - `keys(key, doc)`, the names that make a page an exact match: its
 *     normalised title and "/" + the last part of its URL ("/gil.html"),
 *     so that ranking never reads whole pages from `docs`.
 *   - `synonyms(phrase, grp)`, kb.lua's synonyms: each word or phrase as
 *     its unicode61 tokens ("global interpreter lock") and the number of
 *     its group; a query word or run of words that spells one also
 *     matches the others of its group.
 * The database is built in a temporary file in the same directory and
 * renamed over the old one on search_index_close(), so a reader sees the old
 * index or the new one, never half of one. The same documents added in the
 * same order give a byte-identical file (with the same SQLite version).
 *
 * Finding the index (kb search)
 * -----------------------------
 *   1. --index PATH
 *   2. $KB_INDEX
 *   3. ./site/kb-search.sqlite
 *   4. KB_SHARE_DIR "/kb-search.sqlite"  (KB_SHARE_DIR is a compile-time
 *      macro naming the install's data directory, default /usr/local/share/kb)
 * An index named by --index or $KB_INDEX must exist; the two defaults are
 * tried in turn.
 *
 * Queries
 * -------
 * User words never reach the FTS5 query syntax raw. The query is split at
 * white space into words, at most SEARCH_MAX_WORDS of them; each word is run
 * through the index's own tokenizer (unicode61), and its tokens become one
 * double-quoted FTS5 phrase. So `std::mutex` searches the phrase
 * "std mutex", `don't` the phrase "don t"; `AND`, `NOT`, `title:x`, `*` and
 * quotes are ordinary text, and a word without any letter or digit
 * (`*`, `"`, `--`) is dropped. Names the tokenizer cannot read also match
 * the site's spelling of them: `c++` searches "c" or "cpp", `c#` "c" or
 * "csharp", `.net` "net" or "dotnet". Question words ("how", "do", "i",
 * "what", "is", "the", "my", "why", ...: S_stopwords in search.c) are left
 * out, so that a question is searched by the words that carry its meaning;
 * a query of only such words searches them all. A word, or a run of up to
 * four words, that spells a phrase of kb.lua's synonyms (table `synonyms`)
 * matches any phrase of its group and counts as one word: "global
 * interpreter lock" also finds "GIL", "nogil" finds "free-threaded"; such
 * a run may begin with a question word ("at the same time"). Any remaining
 * word may
 * match (OR), and pages are ranked by how many of the words they match
 * first (see Ranking); kb notes it when no page has every word. The last
 * word, when it has three or more letters and is not a word of the index
 * itself, also matches as a prefix and through the vocabulary words that
 * begin with it ("multithr" finds multithreading; "thread", a known word,
 * finds thread, threads and threading but not threadsanitizer). When
 * nothing matches, kb suggests spellings taken from the index vocabulary.
 *
 * Ranking: exact matches first: pages whose title is the query
 * (case-insensitive, punctuation-insensitive) or whose id is the query
 * ("free threaded python" -> free-threaded-python.html, "c++" -> cpp.html);
 * then the number of the query's words a page matches, so a page with
 * more of them ranks above one with fewer; then BM25F (kb_rank(), IDF, so
 * rare words count more, per-column length normalisation, k1 1.2, b 0.75)
 * with column weights title 20, tags 8, answers 8, summary 4, languages 2,
 * body 1, so that a long body does not dilute a title or tag match, and
 * the phrases of one group of synonyms counted as one term; then index
 * order.
 *
 * Empty query: a QUERY with no searchable word (e.g. "", "*") lists every
 * page that passes the filters (--tag/--lang/--section), ordered by title;
 * with no filter either, it prints a note and exits 1 (nothing found). A
 * missing QUERY argument is a usage error (exit 2).
 */
#ifndef KB_SEARCH_H
#define KB_SEARCH_H

#include <stdio.h>

#define SEARCH_INDEX_NAME "kb-search.sqlite"
/* The question words, for the site's search box (templates/static/kb.js). */
#define SEARCH_WORDS_NAME "kb-search-words.json"
#ifndef KB_SHARE_DIR
#define KB_SHARE_DIR "/usr/local/share/kb"
#endif
/* Query words beyond this many are ignored. */
#define SEARCH_MAX_WORDS 32

/* One page to index. Every field is borrowed for the duration of
 * search_index_add(); NULL is read as "". */
struct search_doc {
	const char *title;
	const char *summary;
	const char *tags;       /* space separated: "python gil cpython" */
	const char *languages;  /* space separated: "python c" */
	const char *section;    /* "topics" */
	const char *body;       /* plain text, no markup */
	const char *url;        /* relative to the site root: "topics/gil.html" */
	const char *path;       /* source: "content/topics/gil.md" */
	const char *answers;    /* the entry's answers:, one per line */
};

struct search_index;

/*
 * Starts a new index that will replace db_path (e.g.
 * "site/kb-search.sqlite") when closed; the directory must exist. Returns 0
 * and *out, or -1 with a message in *errmsg (caller frees). Everything
 * happens in one transaction in a temporary file beside db_path.
 */
int search_index_open(struct search_index **out, const char *db_path,
		      char **errmsg);

/* Adds one page. Returns 0, or -1 if the page could not be added; the
 * first such error is kept and makes search_index_close() fail. */
int search_index_add(struct search_index *ix, const struct search_doc *doc);
/* The toolchains the snippets of the next document added were verified
 * on, ", " separated ("Python 3.11.2, Python 3.14.10"; NULL: none), shown
 * by `kb search --json` as "verified_on". Copied; used by the next
 * search_index_add() only. */
void search_index_set_verified(struct search_index *ix, const char *versions);

/* Adds one group of synonyms (kb.lua's synonyms: words and phrases a
 * query may use for one another). Each is stored as its tokens, as a query
 * spells them ("No-GIL" -> "no gil"). group stays the caller's. Returns 0
 * or -1, as search_index_add(). */
struct strlist;
int search_index_add_synonyms(struct search_index *ix,
			       const struct strlist *group);

/*
 * Commits, writes the vocabulary and renames the temporary file over
 * db_path. Always frees ix. Returns 0, or -1 with a message in *errmsg
 * (caller frees) and db_path left as it was.
 */
int search_index_close(struct search_index *ix, char **errmsg);

/* Writes dir/SEARCH_WORDS_NAME, {"question_words": [...]}: the words
 * `kb search` leaves out of a question (see Queries), so that the site's
 * search box leaves out the same ones. Returns 0, or -1 with errno set. */
int search_write_words(const char *dir);

/* Frees ix and deletes its temporary file without touching db_path, for a
 * build that failed. NULL is allowed. */
void search_index_discard(struct search_index *ix);

/*
 * `kb search`: argv[0] is the command name ("search"), options and the
 * query follow:
 *
 *   kb search QUERY... [--tag T] [--lang L] [--section S] [-n N] [--json]
 *             [--color=auto|always|never] [--index PATH] [-h|--help]
 *
 * Several QUERY arguments are joined with spaces; --tag and --lang may be
 * repeated (all must match); `--` ends the options. Results go to stdout,
 * notes ("did you mean: ...?") and errors to stderr. Returns the exit
 * status: 0 with results, 1 with none, 2 on error (bad command line, no or
 * unreadable index).
 */
int cmd_search(int argc, char **argv);

/* cmd_search() writing to the given streams; --color=auto colours only
 * when out is a terminal. */
int search_main(int argc, char **argv, FILE *out, FILE *err);

#endif
