/*
 * history.h - what git knows about each entry and snippet: when it was
 * first and last changed, by whom, and the recent changes of the site.
 *
 * history_load() reads the history of HEAD once (never one walk per file)
 * through libgit2 and records, for every file under content/ and snippets/
 * of the site directory, its last and first commit time, commit count,
 * contributors and last commit summary. Paths are relative to the site
 * directory given to history_load(), e.g. "content/topics/gil.md"; when the
 * site is the repository root, that is the path relative to the repository.
 *
 * How the history is read, and why:
 *
 *  - Full history, not first parent. Every commit reachable from HEAD is
 *    visited in topological order, newest first, ties broken by commit time
 *    (as `git log --topo-order`). Each commit is compared with its FIRST
 *    parent only. A merge commit is credited with a change only where the
 *    merged file differs from EVERY parent (a conflict resolution), as
 *    `git log -- FILE` does; so a change made on a side branch is counted
 *    once, for the commit (and author) that made it, not again for the
 *    merge. A first-parent walk would credit side-branch work to whoever
 *    merged it, and contributors are what pages show.
 *  - "Last" and "first" commit mean the first and last commit touching the
 *    file in that order; times are committer times (when the change landed,
 *    as `git log --format=%ct`), unix seconds.
 *  - Renames are followed: a file renamed in a commit keeps the history of
 *    its old name. Exact renames (same content) are paired directly; when a
 *    commit both adds and deletes files, libgit2's similarity detection
 *    (git_diff_find_similar, default 50% threshold) pairs edited renames.
 *    A path re-created after its file was deleted or renamed away starts a
 *    new history at the commit that added it.
 *  - Speed: only commits whose content/ or snippets/ tree id differs from
 *    their first parent's are compared, and the comparison reads raw tree
 *    objects, descending only into subtrees whose ids differ; no file
 *    contents are read (except for edited-rename detection). Strict object
 *    hash verification is switched off while loading (objects come from the
 *    local repository) and back on afterwards; this is a process-wide
 *    libgit2 setting.
 *  - Mailmap: author names are resolved through the repository's .mailmap
 *    (git_mailmap_from_repository) and contributors are identified by the
 *    resolved name.
 *  - Shallow clones: the commits at the shallow boundary have parents that
 *    are not in the repository, so what they changed is unknown (compared
 *    with nothing they would appear to add every file: the classic "every
 *    page has the clone's date" bug). Changes at the boundary are therefore
 *    not counted: a file that exists at the boundary has first_unknown set
 *    (first_time 0), and if no later commit touched it, last_unknown too
 *    (last_time 0, no summary, no contributors); commit counts and
 *    contributors then cover the known commits only. One DIAG_WARNING
 *    "shallow clone: dates before YYYY-MM-DD are unknown" is added, the
 *    date being that of the newest boundary commit.
 *  - Work tree: files under content/ and snippets/ that are not in HEAD
 *    (untracked or only staged) get an entry with uncommitted set; tracked
 *    files modified, staged or deleted in the work tree keep their dates
 *    and have dirty set.
 *
 * Outside a git repository, or in one without commits, history_load()
 * succeeds with an empty history and adds one DIAG_NOTE, so the build works
 * without git data.
 */
#ifndef KB_HISTORY_H
#define KB_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct history;

/* What git knows about one file. Everything is owned by the history. */
struct file_history {
	char *path;             /* relative to the site directory */
	int64_t first_time;     /* unix seconds; 0 when unknown or uncommitted */
	int64_t last_time;      /* unix seconds; 0 when unknown or uncommitted */
	unsigned commits;       /* commits known to have changed the file */
	struct strlist contributors; /* mailmapped author names, most commits
				      * first, ties by name */
	char *last_summary;     /* first line of the last commit; NULL if unknown */
	int uncommitted;        /* 1: not in HEAD (untracked or only staged) */
	int dirty;              /* 1: in HEAD but changed in index or work tree */
	int first_unknown;      /* 1: history starts before a shallow boundary */
	int last_unknown;       /* 1: no known commit touched it (shallow) */
};

enum history_status {
	HISTORY_ADDED,
	HISTORY_MODIFIED,
	HISTORY_DELETED,
	HISTORY_RENAMED
};

/* One change to one file under content/. Everything is owned by the
 * history. */
struct history_change {
	char oid[41];           /* full commit id, hex */
	char short_oid[8];      /* first 7 hex digits */
	int64_t time;           /* committer time, unix seconds */
	char *author;           /* mailmapped author name */
	char *summary;          /* first line of the commit message */
	char *path;             /* the file (its old path when deleted) */
	char *old_path;         /* previous path when renamed, else NULL */
	enum history_status status;
};

/* Number of changes history_recent() keeps. */
#define HISTORY_RECENT_MAX 50

/*
 * Reads the history of the repository containing site_dir (found by
 * searching upwards, like git) for site_dir's content/ and snippets/.
 * Returns 0 and a history in *out (caller frees with history_free()),
 * possibly empty with a DIAG_NOTE (no repository, no commits) or with a
 * DIAG_WARNING (shallow clone). Returns -1 with a DIAG_ERROR in d when the
 * repository cannot be read; *out is then NULL.
 */
int history_load(struct history **out, const char *site_dir, struct diags *d);

/* Frees the history and everything it owns; NULL is allowed. */
void history_free(struct history *h);

/* The history of one file (path relative to the site directory, e.g.
 * "content/topics/gil.md"), or NULL when git knows nothing about it.
 * Borrowed from h. */
const struct file_history *history_get(const struct history *h,
				       const char *path);

/* Every file known, sorted by path; returns the count and points *out at
 * an array borrowed from h. */
size_t history_files(const struct history *h, const struct file_history **out);

/* The last HISTORY_RECENT_MAX changes to files under content/, newest first
 * (in the walk order described above; merges only where they resolved a
 * conflict, nothing from a shallow boundary). Returns the count and points
 * *out at an array borrowed from h. */
size_t history_recent(const struct history *h,
		      const struct history_change **out);

/* 1 if the history came from a shallow clone. */
int history_is_shallow(const struct history *h);

/*
 * Files under site_dir's content/ and snippets/ that differ between the
 * merge base of REF and HEAD (like `git diff REF...`) and the work tree:
 * committed, staged and unstaged changes, untracked files and deletions.
 * REF is any revision git understands (branch, tag, id, HEAD~3). When REF
 * and HEAD have no merge base (unrelated histories, or a shallow clone that
 * lacks it), REF itself is the base. Paths are relative to site_dir, sorted,
 * each once, appended to *out (caller releases). Returns 0, or -1 with a
 * message in *errmsg (caller frees), e.g. "unknown revision 'nope'".
 */
int history_changed_since(struct strlist *out, const char *site_dir,
			  const char *ref, char **errmsg);

/*
 * The same files, with the base they were compared with kept open, for
 * commands that select by them (kb check and kb links --changed-since):
 * history_since_changed() says whether path (relative to site_dir) is one
 * of them, history_since_text() gives its text at the base (NULL if it
 * did not exist there; caller frees). history_since_open() returns NULL
 * with a message in *errmsg (caller frees) where history_changed_since()
 * fails; history_since_free() accepts NULL.
 */
struct history_since;
struct history_since *history_since_open(const char *site_dir, const char *ref,
					 char **errmsg);
const struct strlist *history_since_files(const struct history_since *s);
int history_since_changed(const struct history_since *s, const char *path);
char *history_since_text(const struct history_since *s, const char *path);
void history_since_free(struct history_since *s);

/* 1 if site_dir is inside a git repository, else 0. */
int history_is_repo(const char *site_dir);

/* The id of HEAD's commit as 40 hex digits, for cache fingerprints (it
 * says nothing about uncommitted changes). Returns 0 and a string in *out
 * (caller frees), or -1 and NULL when there is no repository or no commit. */
int history_head(char **out, const char *site_dir);

#endif
