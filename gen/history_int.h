/*
 * history_int.h - what the files of the history walk share (history.c
 * walks and credits, history_diff.c compares trees, pairs renames and
 * filters merges); not for use outside them. See history.h.
 */
#ifndef KB_HISTORY_INT_H
#define KB_HISTORY_INT_H

#include <git2.h>
#include <stdint.h>

#include "history.h"

#define HW_NONE SIZE_MAX
#define HW_TREE_CACHE 32
#define HW_SIMILAR_LIMIT 400 /* adds + deletes beyond which edited renames
			     * are not searched (exact renames still are) */

extern const char *const hw_dirs[2]; /* "content", "snippets" */

/* The walk's state. */

struct hw_commit {
	git_oid oid;
	git_oid tree;          /* root tree */
	git_oid sub[2];        /* content/ and snippets/ trees; zero if absent */
	int64_t time;          /* committer time */
	size_t author;         /* index into hw_walk.names */
	char *summary;         /* owned */
	git_oid *poids;        /* parent ids while collecting; owned */
	size_t *parents;       /* parent indices; owned */
	size_t nparents;
	size_t children;       /* in-degree for the topological sort */
	int boundary;          /* shallow boundary: parents missing */
};

struct hw_count {
	size_t name;
	unsigned n;
};

struct hw_rec {
	char *path;            /* owned */
	size_t last, first;    /* commit indices, HW_NONE when none */
	unsigned commits;
	struct hw_count *authors;
	size_t nauthors, cap;
	int uncommitted, dirty, first_unknown, last_unknown;
};

struct hw_change {
	enum history_status status;
	int sub;               /* 0 content/, 1 snippets/ */
	int dropped;
	char *path;            /* relative to the site; owned */
	char *old_path;        /* renames: owned */
	git_oid oid;           /* the blob after the change (before, if deleted) */
};

struct hw_recent {
	size_t commit;
	enum history_status status;
	char *path, *old_path; /* owned */
};

struct hw_walk {
	git_repository *repo;
	git_odb *odb;
	git_mailmap *mailmap;
	char *prefix;          /* site dir inside the work tree: "" or "docs/" */

	struct hw_commit *c;
	size_t nc, capc;
	struct hmap oids;     /* commit id -> index in c */
	struct hmap shallow;  /* ids listed in the shallow file */
	struct strlist names;  /* mailmapped author names */
	struct hmap name_ids; /* name -> index in names */

	struct hw_rec *r;
	size_t nr, capr;
	struct hmap paths;    /* path -> record, for the work tree status */
	struct hmap live;     /* path -> record at this point of the walk */

	struct hw_change *ch;   /* changes of the commit being processed */
	size_t nch, capch;
	struct hw_recent recent[HISTORY_RECENT_MAX];
	size_t nrecent;

	git_odb_object *cache[HW_TREE_CACHE];
	size_t cpos;
};

/* history_diff.c. The changes of a commit go to w->ch. */
/* Every file of tree id, as changes of status st; path ends in '/'. */
int hw_tree_list(struct hw_walk *w, const git_oid *id, struct buf *path,
		 enum history_status st, int sub);
/* Empties w->ch. */
void hw_clear_changes(struct hw_walk *w);
/* The changes of commit c against its first parent (all of its files
 * for a root commit). */
int hw_commit_diff(struct hw_walk *w, const struct hw_commit *c);
/* Turns deletion + addition pairs of the same blob into renames. */
void hw_pair_exact(struct hw_walk *w);
/* Then pairs edited renames by similarity (small commits only). */
int hw_pair_similar(struct hw_walk *w, const struct hw_commit *c);
/* Drops the changes of merge c that one of its other parents had. */
int hw_filter_merge(struct hw_walk *w, const struct hw_commit *c);

#endif
