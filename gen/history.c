/*
 * history.c - one walk of HEAD's history through libgit2; see history.h for
 * what is computed and why.
 *
 * The walk, in order:
 *  1. collect every commit reachable from HEAD (S_collect), noting for each
 *     the ids of its content/ and snippets/ subtrees, its mailmapped author,
 *     summary and parents; commits listed in the repository's "shallow"
 *     file are boundary commits with no parents. (libgit2 1.5's revwalk
 *     stops at the missing parents of a shallow clone, so the walk is ours.)
 *  2. order them topologically, newest first (S_order, Kahn's algorithm
 *     with a heap keyed on commit time);
 *  3. seed one record per file in HEAD's content/ and snippets/, and a
 *     "live" map from path to record: the record a change to that path
 *     belongs to at the current point of the walk, going back in time;
 *  4. for each commit, list the changed files against the first parent by
 *     comparing raw tree objects (S_tree_diff), pair renames, drop what a
 *     merge took unchanged from another parent, and credit the changes to
 *     the live records (S_apply): an addition closes a record (older
 *     changes to that path belong to another file), a rename moves it to
 *     its old path;
 *  5. mark files new or changed in the index or work tree (S_status).
 */
#include "history.h"

#include <git2.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_NONE SIZE_MAX
#define S_TREE_CACHE 32
#define S_SIMILAR_LIMIT 400 /* adds + deletes beyond which edited renames
			     * are not searched (exact renames still are) */

static const char *const S_dirs[2] = { "content", "snippets" };

/* ---- walk state ---- */

struct S_commit {
	git_oid oid;
	git_oid tree;          /* root tree */
	git_oid sub[2];        /* content/ and snippets/ trees; zero if absent */
	int64_t time;          /* committer time */
	size_t author;         /* index into S_walk.names */
	char *summary;         /* owned */
	git_oid *poids;        /* parent ids while collecting; owned */
	size_t *parents;       /* parent indices; owned */
	size_t nparents;
	size_t children;       /* in-degree for the topological sort */
	int boundary;          /* shallow boundary: parents missing */
};

struct S_count {
	size_t name;
	unsigned n;
};

struct S_rec {
	char *path;            /* owned */
	size_t last, first;    /* commit indices, S_NONE when none */
	unsigned commits;
	struct S_count *authors;
	size_t nauthors, cap;
	int uncommitted, dirty, first_unknown, last_unknown;
};

struct S_change {
	enum history_status status;
	int sub;               /* 0 content/, 1 snippets/ */
	int dropped;
	char *path;            /* relative to the site; owned */
	char *old_path;        /* renames: owned */
	git_oid oid;           /* the blob after the change (before, if deleted) */
};

struct S_recent {
	size_t commit;
	enum history_status status;
	char *path, *old_path; /* owned */
};

struct S_walk {
	git_repository *repo;
	git_odb *odb;
	git_mailmap *mailmap;
	char *prefix;          /* site dir inside the work tree: "" or "docs/" */

	struct S_commit *c;
	size_t nc, capc;
	struct hmap oids;     /* commit id -> index in c */
	struct hmap shallow;  /* ids listed in the shallow file */
	struct strlist names;  /* mailmapped author names */
	struct hmap name_ids; /* name -> index in names */

	struct S_rec *r;
	size_t nr, capr;
	struct hmap paths;    /* path -> record, for the work tree status */
	struct hmap live;     /* path -> record at this point of the walk */

	struct S_change *ch;   /* changes of the commit being processed */
	size_t nch, capch;
	struct S_recent recent[HISTORY_RECENT_MAX];
	size_t nrecent;

	git_odb_object *cache[S_TREE_CACHE];
	size_t cpos;
};

struct history {
	struct file_history *files;
	size_t nfiles;
	struct history_change *recent;
	size_t nrecent;
	int shallow;
};

static const char *S_git_msg(void)
{
	const git_error *e = git_error_last();
	return e && e->message ? e->message : "unknown error";
}

/* ---- collecting commits ---- */

static size_t S_name_id(struct S_walk *w, const char *name)
{
	size_t *v = hmap_get(&w->name_ids, name, strlen(name));
	if (v)
		return *v;
	strlist_push(&w->names, name);
	hmap_put(&w->name_ids, name, strlen(name), w->names.n - 1);
	return w->names.n - 1;
}

/* The id of the tree at prefix + dir in root; zero if there is none. */
static int S_subtree(struct S_walk *w, git_tree *root, const char *dir,
		     git_oid *out)
{
	git_tree_entry *e = NULL;
	char *path = xasprintf("%s%s", w->prefix, dir);
	int rc = git_tree_entry_bypath(&e, root, path);
	free(path);
	memset(out, 0, sizeof(*out));
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return -1;
	if (git_tree_entry_type(e) == GIT_OBJECT_TREE)
		git_oid_cpy(out, git_tree_entry_id(e));
	git_tree_entry_free(e);
	return 0;
}

/* Reads the shallow file, if any, into w->shallow. */
static void S_read_shallow(struct S_walk *w)
{
	char *path = path_join(git_repository_commondir(w->repo), "shallow");
	char *text = NULL;
	size_t len;
	if (read_file(path, &text, &len) == 0) {
		char *line = text, *nl;
		for (; *line; line = nl ? nl + 1 : line + strlen(line)) {
			git_oid id;
			nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			if (git_oid_fromstrn(&id, line, strlen(line)) == 0 &&
			    strlen(line) == GIT_OID_HEXSZ)
				hmap_put(&w->shallow, id.id, GIT_OID_RAWSZ, 1);
		}
	}
	free(text);
	free(path);
}

static int S_add_commit(struct S_walk *w, const git_oid *id,
			git_oid **stack, size_t *nstack, size_t *capstack)
{
	git_commit *commit = NULL;
	git_tree *root = NULL;
	const char *name, *email;
	int rc = -1;

	if (git_commit_lookup(&commit, w->repo, id) < 0 ||
	    git_commit_tree(&root, commit) < 0)
		goto done;
	if (w->nc == w->capc) {
		w->capc = w->capc ? w->capc * 2 : 256;
		w->c = xrealloc(w->c, w->capc * sizeof(*w->c));
	}
	struct S_commit *c = &w->c[w->nc];
	memset(c, 0, sizeof(*c));
	git_oid_cpy(&c->oid, id);
	git_oid_cpy(&c->tree, git_commit_tree_id(commit));
	c->time = git_commit_time(commit);
	const git_signature *sig = git_commit_author(commit);
	if (git_mailmap_resolve(&name, &email, w->mailmap, sig->name,
				sig->email) < 0)
		name = sig->name;
	c->author = S_name_id(w, name);
	c->summary = xstrdup(git_commit_summary(commit) ?
			     git_commit_summary(commit) : "");
	hmap_put(&w->oids, id->id, GIT_OID_RAWSZ, w->nc);
	w->nc++;
	if (S_subtree(w, root, S_dirs[0], &c->sub[0]) < 0 ||
	    S_subtree(w, root, S_dirs[1], &c->sub[1]) < 0)
		goto done;

	size_t np = git_commit_parentcount(commit);
	if (np && hmap_get(&w->shallow, id->id, GIT_OID_RAWSZ))
		c->boundary = 1;
	for (size_t i = 0; i < np && !c->boundary; i++)
		if (!git_odb_exists(w->odb, git_commit_parent_id(commit, i))) {
			if (!git_repository_is_shallow(w->repo)) {
				git_error_set_str(GIT_ERROR_ODB,
						  "missing parent commit");
				goto done;
			}
			c->boundary = 1;
		}
	if (!c->boundary && np) {
		c->nparents = np;
		c->poids = xmalloc(np * sizeof(*c->poids));
		for (size_t i = 0; i < np; i++) {
			git_oid_cpy(&c->poids[i], git_commit_parent_id(commit, i));
			if (*nstack == *capstack) {
				*capstack = *capstack ? *capstack * 2 : 256;
				*stack = xrealloc(*stack, *capstack * sizeof(**stack));
			}
			git_oid_cpy(&(*stack)[(*nstack)++], &c->poids[i]);
		}
	}
	rc = 0;
done:
	git_tree_free(root);
	git_commit_free(commit);
	return rc;
}

/* Every commit reachable from head, HEAD first; parents resolved to
 * indices and in-degrees counted. */
static int S_collect(struct S_walk *w, const git_oid *head)
{
	git_oid *stack = NULL, id;
	size_t n = 0, cap = 0;
	int rc = 0;

	stack = xmalloc(sizeof(*stack));
	cap = 1;
	git_oid_cpy(&stack[n++], head);
	while (n && rc == 0) {
		git_oid_cpy(&id, &stack[--n]);
		if (!hmap_get(&w->oids, id.id, GIT_OID_RAWSZ))
			rc = S_add_commit(w, &id, &stack, &n, &cap);
	}
	free(stack);
	if (rc < 0)
		return -1;
	for (size_t i = 0; i < w->nc; i++) {
		struct S_commit *c = &w->c[i];
		c->parents = c->nparents ?
			xmalloc(c->nparents * sizeof(*c->parents)) : NULL;
		for (size_t j = 0; j < c->nparents; j++) {
			size_t *v = hmap_get(&w->oids, c->poids[j].id,
					      GIT_OID_RAWSZ);
			c->parents[j] = *v;
			w->c[*v].children++;
		}
		free(c->poids);
		c->poids = NULL;
	}
	return 0;
}

/* ---- topological order, newest first ---- */

static int S_before(const struct S_walk *w, size_t a, size_t b)
{
	if (w->c[a].time != w->c[b].time)
		return w->c[a].time > w->c[b].time;
	return a < b;
}

static void S_heap_push(const struct S_walk *w, size_t *heap, size_t *n,
			size_t v)
{
	size_t i = (*n)++;
	heap[i] = v;
	while (i && S_before(w, heap[i], heap[(i - 1) / 2])) {
		size_t p = (i - 1) / 2, t = heap[p];
		heap[p] = heap[i];
		heap[i] = t;
		i = p;
	}
}

static size_t S_heap_pop(const struct S_walk *w, size_t *heap, size_t *n)
{
	size_t top = heap[0], i = 0;
	heap[0] = heap[--*n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < *n && S_before(w, heap[l], heap[m]))
			m = l;
		if (r < *n && S_before(w, heap[r], heap[m]))
			m = r;
		if (m == i)
			break;
		size_t t = heap[m];
		heap[m] = heap[i];
		heap[i] = t;
		i = m;
	}
	return top;
}

/* Returns the commit indices in walk order (caller frees). */
static size_t *S_order(struct S_walk *w)
{
	size_t *order = xmalloc((w->nc ? w->nc : 1) * sizeof(*order));
	size_t *heap = xmalloc((w->nc ? w->nc : 1) * sizeof(*heap));
	size_t nheap = 0, k = 0;

	S_heap_push(w, heap, &nheap, 0);
	while (nheap) {
		size_t i = S_heap_pop(w, heap, &nheap);
		order[k++] = i;
		for (size_t j = 0; j < w->c[i].nparents; j++)
			if (--w->c[w->c[i].parents[j]].children == 0)
				S_heap_push(w, heap, &nheap, w->c[i].parents[j]);
	}
	free(heap);
	return order;
}

/* ---- raw tree comparison ---- */

enum { S_BLOB, S_TREE, S_GITLINK };

struct S_tree {
	git_odb_object *obj;
	const unsigned char *p, *end;
};

struct S_entry {
	const char *name;
	size_t len;
	const unsigned char *id;  /* raw object id */
	int kind;
	const unsigned char *start, *end;
};

/* Opens tree id (zero: the empty tree) through a small cache: a tree read
 * as a commit's new side is usually read again as its child's old side. */
static int S_tree_open(struct S_walk *w, const git_oid *id, struct S_tree *t)
{
	git_odb_object *obj = NULL;

	memset(t, 0, sizeof(*t));
	if (git_oid_is_zero(id))
		return 0;
	for (size_t i = 0; i < S_TREE_CACHE && !obj; i++)
		if (w->cache[i] && git_oid_equal(git_odb_object_id(w->cache[i]), id))
			obj = w->cache[i];
	if (!obj) {
		if (git_odb_read(&obj, w->odb, id) < 0)
			return -1;
		if (git_odb_object_type(obj) != GIT_OBJECT_TREE) {
			git_odb_object_free(obj);
			git_error_set_str(GIT_ERROR_OBJECT, "tree expected");
			return -1;
		}
		git_odb_object_free(w->cache[w->cpos]);
		w->cache[w->cpos] = obj;
		w->cpos = (w->cpos + 1) % S_TREE_CACHE;
	}
	git_odb_object_dup(&t->obj, obj);
	t->p = git_odb_object_data(obj);
	t->end = t->p + git_odb_object_size(obj);
	return 0;
}

static void S_tree_close(struct S_tree *t)
{
	git_odb_object_free(t->obj);
	t->obj = NULL;
}

/* Next entry "<octal mode> <name>\0<raw id>": 1, 0 at the end, -1 if the
 * tree is malformed. */
static int S_tree_next(struct S_tree *t, struct S_entry *e)
{
	const unsigned char *sp, *nul;
	unsigned mode = 0;

	if (!t->p || t->p >= t->end)
		return 0;
	e->start = t->p;
	for (sp = t->p; sp < t->end && *sp != ' '; sp++)
		;
	for (nul = sp; nul < t->end && *nul; nul++)
		;
	if (sp >= t->end || t->end - nul < 1 + GIT_OID_RAWSZ) {
		git_error_set_str(GIT_ERROR_OBJECT, "malformed tree object");
		return -1;
	}
	for (const unsigned char *q = t->p; q < sp; q++)
		mode = mode * 8 + (unsigned)(*q - '0');
	e->kind = (mode & 0170000) == 0040000 ? S_TREE :
		  (mode & 0170000) == 0160000 ? S_GITLINK : S_BLOB;
	e->name = (const char *)sp + 1;
	e->len = (size_t)(nul - sp - 1);
	e->id = nul + 1;
	e->end = nul + 1 + GIT_OID_RAWSZ;
	t->p = e->end;
	return 1;
}

/* git's tree order: a subtree sorts as if its name ended in '/'. */
static int S_entry_cmp(const struct S_entry *a, const struct S_entry *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->name, b->name, n);
	if (c)
		return c;
	unsigned ca = a->len > n ? (unsigned char)a->name[n] :
		      a->kind == S_TREE ? '/' : 0;
	unsigned cb = b->len > n ? (unsigned char)b->name[n] :
		      b->kind == S_TREE ? '/' : 0;
	return (ca > cb) - (ca < cb);
}

static void S_push_change(struct S_walk *w, enum history_status st, int sub,
			  const char *path, const unsigned char *raw_id)
{
	if (w->nch == w->capch) {
		w->capch = w->capch ? w->capch * 2 : 64;
		w->ch = xrealloc(w->ch, w->capch * sizeof(*w->ch));
	}
	struct S_change *c = &w->ch[w->nch++];
	memset(c, 0, sizeof(*c));
	c->status = st;
	c->sub = sub;
	c->path = xstrdup(path);
	git_oid_fromraw(&c->oid, raw_id);
}

static void S_clear_changes(struct S_walk *w)
{
	for (size_t i = 0; i < w->nch; i++) {
		free(w->ch[i].path);
		free(w->ch[i].old_path);
	}
	w->nch = 0;
}

static int S_tree_list(struct S_walk *w, const git_oid *id, struct buf *path,
		       enum history_status st, int sub);

/* One entry added or deleted as a whole: a file, or every file of a tree.
 * path holds the entry's path. */
static int S_entry_list(struct S_walk *w, const struct S_entry *e,
			struct buf *path, enum history_status st, int sub)
{
	git_oid id;

	if (e->kind == S_BLOB) {
		S_push_change(w, st, sub, path->data, e->id);
		return 0;
	}
	if (e->kind == S_GITLINK)
		return 0;
	git_oid_fromraw(&id, e->id);
	buf_putc(path, '/');
	return S_tree_list(w, &id, path, st, sub);
}

/* Every file of tree id, as changes of status st; path ends in '/'. */
static int S_tree_list(struct S_walk *w, const git_oid *id, struct buf *path,
		       enum history_status st, int sub)
{
	struct S_tree t;
	struct S_entry e;
	size_t mark = path->len;
	int more, rc = 0;

	if (S_tree_open(w, id, &t) < 0)
		return -1;
	while (rc == 0 && (more = S_tree_next(&t, &e)) != 0) {
		if (more < 0) {
			rc = -1;
			break;
		}
		buf_put(path, e.name, e.len);
		rc = S_entry_list(w, &e, path, st, sub);
		buf_truncate(path, mark);
	}
	S_tree_close(&t);
	return rc;
}

/* Same name on both sides: compare the two entries. */
static int S_entry_diff(struct S_walk *w, const struct S_entry *a,
			const struct S_entry *b, struct buf *path, int sub);

/* Files that differ between trees a and b (either may be zero); path is
 * their directory and ends in '/'. Subtrees with equal ids are skipped. */
static int S_tree_diff(struct S_walk *w, const git_oid *a_id,
		       const git_oid *b_id, struct buf *path, int sub)
{
	struct S_tree a, b;
	struct S_entry ea, eb;
	size_t mark = path->len;
	int ha, hb, rc = 0;

	if (S_tree_open(w, a_id, &a) < 0)
		return -1;
	if (S_tree_open(w, b_id, &b) < 0) {
		S_tree_close(&a);
		return -1;
	}
	ha = S_tree_next(&a, &ea);
	hb = S_tree_next(&b, &eb);
	while (rc == 0 && (ha > 0 || hb > 0)) {
		if (ha > 0 && hb > 0 && ea.end - ea.start == eb.end - eb.start &&
		    memcmp(ea.start, eb.start, (size_t)(ea.end - ea.start)) == 0) {
			/* Most entries are equal: while b's next bytes are
			 * exactly a's next entry, skip them unparsed. */
			ha = S_tree_next(&a, &ea);
			while (ha > 0 && b.end - b.p >= ea.end - ea.start &&
			       memcmp(b.p, ea.start, (size_t)(ea.end - ea.start)) == 0) {
				b.p += ea.end - ea.start;
				ha = S_tree_next(&a, &ea);
			}
			hb = S_tree_next(&b, &eb);
			continue;
		}
		int c = ha <= 0 ? 1 : hb <= 0 ? -1 : S_entry_cmp(&ea, &eb);
		if (c <= 0)
			buf_put(path, ea.name, ea.len);
		else
			buf_put(path, eb.name, eb.len);
		if (c == 0)
			rc = S_entry_diff(w, &ea, &eb, path, sub);
		else if (c < 0)
			rc = S_entry_list(w, &ea, path, HISTORY_DELETED, sub);
		else
			rc = S_entry_list(w, &eb, path, HISTORY_ADDED, sub);
		buf_truncate(path, mark);
		if (c <= 0)
			ha = S_tree_next(&a, &ea);
		if (c >= 0)
			hb = S_tree_next(&b, &eb);
	}
	if (ha < 0 || hb < 0)
		rc = -1;
	S_tree_close(&a);
	S_tree_close(&b);
	return rc;
}

static int S_entry_diff(struct S_walk *w, const struct S_entry *a,
			const struct S_entry *b, struct buf *path, int sub)
{
	if (a->kind == S_TREE && b->kind == S_TREE) {
		git_oid ia, ib;
		git_oid_fromraw(&ia, a->id);
		git_oid_fromraw(&ib, b->id);
		buf_putc(path, '/');
		return S_tree_diff(w, &ia, &ib, path, sub);
	}
	if (a->kind == S_BLOB && b->kind == S_BLOB) {
		S_push_change(w, HISTORY_MODIFIED, sub, path->data, b->id);
		return 0;
	}
	/* a file replaced by a submodule or the other way round */
	if (a->kind == S_BLOB)
		S_push_change(w, HISTORY_DELETED, sub, path->data, a->id);
	if (b->kind == S_BLOB)
		S_push_change(w, HISTORY_ADDED, sub, path->data, b->id);
	return 0;
}

/* Changes between the first parent's subtrees (or nothing) and c's. */
static int S_commit_diff(struct S_walk *w, const struct S_commit *c)
{
	static const git_oid zero;
	struct buf path = BUF_INIT;
	int rc = 0;

	for (int s = 0; s < 2 && rc == 0; s++) {
		const git_oid *old = c->nparents ?
			&w->c[c->parents[0]].sub[s] : &zero;
		if (git_oid_equal(old, &c->sub[s]))
			continue;
		buf_truncate(&path, 0);
		buf_printf(&path, "%s/", S_dirs[s]);
		rc = S_tree_diff(w, old, &c->sub[s], &path, s);
	}
	buf_release(&path);
	return rc;
}

/* ---- renames ---- */

static void S_pair(struct S_walk *w, size_t del, size_t add)
{
	w->ch[add].status = HISTORY_RENAMED;
	w->ch[add].old_path = w->ch[del].path;
	w->ch[del].path = NULL;
	w->ch[del].dropped = 1;
}

/* Pairs each deleted file with an added file of the same content. Empty
 * files are not paired: their content says nothing about identity. */
static void S_pair_exact(struct S_walk *w)
{
	static const char empty_hex[] = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391";
	struct hmap dels = { 0 };
	git_oid empty;
	size_t nadd = 0;

	git_oid_fromstr(&empty, empty_hex);
	for (size_t i = 0; i < w->nch; i++) {
		if (w->ch[i].status == HISTORY_ADDED)
			nadd++;
		else if (w->ch[i].status == HISTORY_DELETED &&
			 !git_oid_equal(&w->ch[i].oid, &empty) &&
			 !hmap_get(&dels, w->ch[i].oid.id, GIT_OID_RAWSZ))
			hmap_put(&dels, w->ch[i].oid.id, GIT_OID_RAWSZ, i);
	}
	for (size_t i = 0; i < w->nch && nadd && dels.n; i++) {
		if (w->ch[i].status != HISTORY_ADDED)
			continue;
		size_t *v = hmap_get(&dels, w->ch[i].oid.id, GIT_OID_RAWSZ);
		if (v) {
			S_pair(w, *v, i);
			hmap_del(&dels, w->ch[i].oid.id, GIT_OID_RAWSZ);
		}
	}
	hmap_release(&dels);
}

static size_t S_find_change(const struct S_walk *w, enum history_status st,
			    const char *path)
{
	for (size_t i = 0; i < w->nch; i++)
		if (!w->ch[i].dropped && w->ch[i].status == st &&
		    w->ch[i].path && strcmp(w->ch[i].path, path) == 0)
			return i;
	return S_NONE;
}

/* Pairs edited renames among the still unpaired additions and deletions
 * with libgit2's similarity detection, diffing only those paths. */
static int S_pair_similar(struct S_walk *w, const struct S_commit *c)
{
	git_tree *a = NULL, *b = NULL;
	git_diff *diff = NULL;
	git_diff_options opts;
	git_diff_find_options fopts;
	struct strlist specs = STRLIST_INIT;
	size_t nadd = 0, ndel = 0, plen = strlen(w->prefix);
	int rc = -1;

	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	git_diff_find_options_init(&fopts, GIT_DIFF_FIND_OPTIONS_VERSION);

	for (size_t i = 0; i < w->nch; i++) {
		if (w->ch[i].dropped)
			continue;
		if (w->ch[i].status == HISTORY_ADDED)
			nadd++;
		else if (w->ch[i].status == HISTORY_DELETED)
			ndel++;
		else
			continue;
		strlist_push_owned(&specs, xasprintf("%s%s", w->prefix,
						     w->ch[i].path));
	}
	if (!nadd || !ndel || nadd + ndel > S_SIMILAR_LIMIT || !c->nparents) {
		rc = 0;
		goto done;
	}
	opts.pathspec.strings = specs.items;
	opts.pathspec.count = specs.n;
	opts.flags = GIT_DIFF_DISABLE_PATHSPEC_MATCH | GIT_DIFF_SKIP_BINARY_CHECK;
	fopts.flags = GIT_DIFF_FIND_RENAMES;
	if (git_tree_lookup(&a, w->repo, &w->c[c->parents[0]].tree) < 0 ||
	    git_tree_lookup(&b, w->repo, &c->tree) < 0 ||
	    git_diff_tree_to_tree(&diff, w->repo, a, b, &opts) < 0 ||
	    git_diff_find_similar(diff, &fopts) < 0)
		goto done;
	for (size_t i = 0; i < git_diff_num_deltas(diff); i++) {
		const git_diff_delta *dd = git_diff_get_delta(diff, i);
		if (dd->status != GIT_DELTA_RENAMED)
			continue;
		size_t del = S_find_change(w, HISTORY_DELETED,
					   dd->old_file.path + plen);
		size_t add = S_find_change(w, HISTORY_ADDED,
					   dd->new_file.path + plen);
		if (del != S_NONE && add != S_NONE)
			S_pair(w, del, add);
	}
	rc = 0;
done:
	git_diff_free(diff);
	git_tree_free(a);
	git_tree_free(b);
	strlist_release(&specs);
	return rc;
}

/* ---- merges ---- */

/* *same = 1 when parent p has the file as the change left it: the merge
 * took it from that parent rather than changing it. */
static int S_same_in_parent(struct S_walk *w, size_t p,
			    const struct S_change *ch, int *same)
{
	git_tree *t = NULL;
	git_tree_entry *e = NULL;
	const git_oid *sub = &w->c[p].sub[ch->sub];
	const char *rel = ch->path + strlen(S_dirs[ch->sub]) + 1;
	int rc = 0;

	*same = 0;
	if (git_oid_is_zero(sub)) {
		*same = ch->status == HISTORY_DELETED;
		return 0;
	}
	if (git_tree_lookup(&t, w->repo, sub) < 0)
		return -1;
	rc = git_tree_entry_bypath(&e, t, rel);
	if (rc == GIT_ENOTFOUND) {
		*same = ch->status == HISTORY_DELETED;
		rc = 0;
	} else if (rc == 0) {
		*same = ch->status != HISTORY_DELETED &&
			git_oid_equal(git_tree_entry_id(e), &ch->oid);
	}
	git_tree_entry_free(e);
	git_tree_free(t);
	return rc < 0 ? -1 : 0;
}

static int S_filter_merge(struct S_walk *w, const struct S_commit *c)
{
	for (size_t i = 0; i < w->nch; i++) {
		for (size_t j = 1; j < c->nparents && !w->ch[i].dropped; j++) {
			int same;
			if (S_same_in_parent(w, c->parents[j], &w->ch[i], &same) < 0)
				return -1;
			w->ch[i].dropped = same;
		}
	}
	return 0;
}

/* ---- crediting changes ---- */

static void S_touch(struct S_walk *w, size_t ri, size_t ci)
{
	struct S_rec *r = &w->r[ri];
	size_t name = w->c[ci].author;

	r->commits++;
	if (r->last == S_NONE)
		r->last = ci;
	r->first = ci;
	for (size_t i = 0; i < r->nauthors; i++)
		if (r->authors[i].name == name) {
			r->authors[i].n++;
			return;
		}
	if (r->nauthors == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 4;
		r->authors = xrealloc(r->authors, r->cap * sizeof(*r->authors));
	}
	r->authors[r->nauthors].name = name;
	r->authors[r->nauthors++].n = 1;
}

static int S_in_content(const char *path)
{
	return path && strncmp(path, "content/", 8) == 0;
}

static void S_apply(struct S_walk *w, size_t ci)
{
	for (size_t i = 0; i < w->nch; i++) {
		struct S_change *ch = &w->ch[i];
		if (ch->dropped)
			continue;
		size_t *v = hmap_get(&w->live, ch->path, strlen(ch->path));
		size_t ri = v ? *v : S_NONE;
		if (ri != S_NONE && ch->status != HISTORY_DELETED)
			S_touch(w, ri, ci);
		if (ri != S_NONE && ch->status == HISTORY_ADDED)
			hmap_del(&w->live, ch->path, strlen(ch->path));
		if (ri != S_NONE && ch->status == HISTORY_RENAMED) {
			hmap_del(&w->live, ch->path, strlen(ch->path));
			hmap_put(&w->live, ch->old_path, strlen(ch->old_path), ri);
		}
		if (w->nrecent < HISTORY_RECENT_MAX &&
		    (S_in_content(ch->path) || S_in_content(ch->old_path))) {
			struct S_recent *rc = &w->recent[w->nrecent++];
			rc->commit = ci;
			rc->status = ch->status;
			rc->path = xstrdup(ch->path);
			rc->old_path = ch->old_path ? xstrdup(ch->old_path) : NULL;
		}
	}
}

/* A shallow boundary: whatever it changed is unknown. Every file it has
 * that is still live starts before it. */
static int S_boundary(struct S_walk *w, const struct S_commit *c)
{
	struct buf path = BUF_INIT;
	int rc = 0;

	for (int s = 0; s < 2 && rc == 0; s++) {
		buf_truncate(&path, 0);
		buf_printf(&path, "%s/", S_dirs[s]);
		rc = S_tree_list(w, &c->sub[s], &path, HISTORY_ADDED, s);
	}
	buf_release(&path);
	for (size_t i = 0; i < w->nch && rc == 0; i++) {
		size_t *v = hmap_get(&w->live, w->ch[i].path,
				      strlen(w->ch[i].path));
		if (!v)
			continue;
		w->r[*v].first_unknown = 1;
		if (!w->r[*v].commits)
			w->r[*v].last_unknown = 1;
	}
	return rc;
}

static size_t S_new_rec(struct S_walk *w, const char *path)
{
	if (w->nr == w->capr) {
		w->capr = w->capr ? w->capr * 2 : 1024;
		w->r = xrealloc(w->r, w->capr * sizeof(*w->r));
	}
	struct S_rec *r = &w->r[w->nr];
	memset(r, 0, sizeof(*r));
	r->path = xstrdup(path);
	r->last = r->first = S_NONE;
	hmap_put(&w->paths, path, strlen(path), w->nr);
	return w->nr++;
}

/* One record per file of HEAD's content/ and snippets/. */
static int S_seed(struct S_walk *w)
{
	struct buf path = BUF_INIT;
	int rc = 0;

	for (int s = 0; s < 2 && rc == 0; s++) {
		buf_truncate(&path, 0);
		buf_printf(&path, "%s/", S_dirs[s]);
		rc = S_tree_list(w, &w->c[0].sub[s], &path, HISTORY_ADDED, s);
	}
	buf_release(&path);
	for (size_t i = 0; i < w->nch && rc == 0; i++) {
		size_t ri = S_new_rec(w, w->ch[i].path);
		hmap_put(&w->live, w->ch[i].path, strlen(w->ch[i].path), ri);
	}
	S_clear_changes(w);
	return rc;
}

static int S_walk_commit(struct S_walk *w, size_t ci)
{
	const struct S_commit *c = &w->c[ci];
	int rc;

	if (c->boundary)
		rc = S_boundary(w, c);
	else if ((rc = S_commit_diff(w, c)) == 0 && w->nch) {
		S_pair_exact(w);
		rc = S_pair_similar(w, c);
		if (rc == 0 && c->nparents > 1)
			rc = S_filter_merge(w, c);
		if (rc == 0)
			S_apply(w, ci);
	}
	S_clear_changes(w);
	return rc;
}

/* ---- work tree ---- */

static int S_status(struct S_walk *w)
{
	git_status_list *list = NULL;
	git_status_options opts;
	char *specs[2];
	size_t plen = strlen(w->prefix);
	int rc = -1;

	git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);

	if (git_repository_is_bare(w->repo))
		return 0;
	specs[0] = xasprintf("%scontent/", w->prefix);
	specs[1] = xasprintf("%ssnippets/", w->prefix);
	opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED |
		     GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
		     GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	opts.pathspec.strings = specs;
	opts.pathspec.count = 2;
	if (git_status_list_new(&list, w->repo, &opts) < 0)
		goto done;
	for (size_t i = 0; i < git_status_list_entrycount(list); i++) {
		const git_status_entry *e = git_status_byindex(list, i);
		const git_diff_delta *dd = e->index_to_workdir ?
			e->index_to_workdir : e->head_to_index;
		if (!dd || e->status == GIT_STATUS_CURRENT ||
		    (e->status & GIT_STATUS_IGNORED) ||
		    strncmp(dd->new_file.path, w->prefix, plen) != 0)
			continue;
		const char *path = dd->new_file.path + plen;
		size_t *v = hmap_get(&w->paths, path, strlen(path));
		if (v)
			w->r[*v].dirty = 1;
		else if (e->status & (GIT_STATUS_WT_NEW | GIT_STATUS_INDEX_NEW))
			w->r[S_new_rec(w, path)].uncommitted = 1;
	}
	rc = 0;
done:
	git_status_list_free(list);
	free(specs[0]);
	free(specs[1]);
	return rc;
}

/* ---- building the result ---- */

/* Most commits first, ties by name; names is the struct strlist. */
static int S_count_cmp(const void *a, const void *b, void *names)
{
	const struct S_count *x = a, *y = b;
	const struct strlist *l = names;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(l->items[x->name], l->items[y->name]);
}

static int S_file_cmp(const void *a, const void *b)
{
	const struct file_history *x = a, *y = b;
	return strcmp(x->path, y->path);
}

static void S_finish(struct S_walk *w, struct history *h)
{
	h->files = xcalloc(w->nr ? w->nr : 1, sizeof(*h->files));
	h->nfiles = w->nr;
	for (size_t i = 0; i < w->nr; i++) {
		struct S_rec *r = &w->r[i];
		struct file_history *f = &h->files[i];
		f->path = r->path;
		r->path = NULL;
		f->uncommitted = r->uncommitted;
		f->dirty = r->dirty;
		f->commits = r->commits;
		if (!r->commits && !r->uncommitted)
			r->first_unknown = r->last_unknown = 1;
		f->first_unknown = r->first_unknown;
		f->last_unknown = r->last_unknown;
		if (r->first != S_NONE && !r->first_unknown)
			f->first_time = w->c[r->first].time;
		if (r->last != S_NONE && !r->last_unknown) {
			f->last_time = w->c[r->last].time;
			f->last_summary = xstrdup(w->c[r->last].summary);
		}
		if (r->nauthors)
			qsort_r(r->authors, r->nauthors, sizeof(*r->authors),
				S_count_cmp, &w->names);
		for (size_t j = 0; j < r->nauthors; j++)
			strlist_push(&f->contributors,
				     w->names.items[r->authors[j].name]);
	}
	if (h->nfiles)
		qsort(h->files, h->nfiles, sizeof(*h->files), S_file_cmp);

	h->recent = xcalloc(w->nrecent ? w->nrecent : 1, sizeof(*h->recent));
	h->nrecent = w->nrecent;
	for (size_t i = 0; i < w->nrecent; i++) {
		struct S_recent *src = &w->recent[i];
		struct history_change *dst = &h->recent[i];
		const struct S_commit *c = &w->c[src->commit];
		git_oid_tostr(dst->oid, sizeof(dst->oid), &c->oid);
		memcpy(dst->short_oid, dst->oid, 7);
		dst->short_oid[7] = '\0';
		dst->time = c->time;
		dst->author = xstrdup(w->names.items[c->author]);
		dst->summary = xstrdup(c->summary);
		dst->path = src->path;
		dst->old_path = src->old_path;
		dst->status = src->status;
		src->path = src->old_path = NULL;
	}
}

static void S_warn_shallow(struct S_walk *w, struct diags *d)
{
	int64_t newest = 0;
	struct tm tm;
	char date[32];

	for (size_t i = 0; i < w->nc; i++)
		if (w->c[i].boundary && w->c[i].time > newest)
			newest = w->c[i].time;
	time_t t = (time_t)newest;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	diag_add(d, DIAG_WARNING, NULL, 0, 0,
		 "shallow clone: dates before %s are unknown", date);
}

static void S_walk_release(struct S_walk *w)
{
	for (size_t i = 0; i < w->nc; i++) {
		free(w->c[i].summary);
		free(w->c[i].poids);
		free(w->c[i].parents);
	}
	free(w->c);
	for (size_t i = 0; i < w->nr; i++) {
		free(w->r[i].path);
		free(w->r[i].authors);
	}
	free(w->r);
	S_clear_changes(w);
	free(w->ch);
	for (size_t i = 0; i < w->nrecent; i++) {
		free(w->recent[i].path);
		free(w->recent[i].old_path);
	}
	for (size_t i = 0; i < S_TREE_CACHE; i++)
		git_odb_object_free(w->cache[i]);
	hmap_release(&w->oids);
	hmap_release(&w->shallow);
	hmap_release(&w->name_ids);
	hmap_release(&w->paths);
	hmap_release(&w->live);
	strlist_release(&w->names);
	free(w->prefix);
	git_mailmap_free(w->mailmap);
	git_odb_free(w->odb);
	git_repository_free(w->repo);
}

/* The site directory relative to the work tree, "" or ending in '/'. */
static char *S_prefix(git_repository *repo, const char *site_dir)
{
	const char *wd = git_repository_workdir(repo);
	char *site = realpath(site_dir, NULL);
	char *top = wd ? realpath(wd, NULL) : NULL;
	char *prefix = NULL;

	if (site && top) {
		size_t n = strlen(top);
		if (strncmp(site, top, n) == 0 && site[n] == '/' && site[n + 1])
			prefix = xasprintf("%s/", site + n + 1);
	}
	free(site);
	free(top);
	return prefix ? prefix : xstrdup("");
}

/* Opens the repository of site_dir: 1 opened, 0 none, -1 error. */
static int S_open(git_repository **repo, const char *site_dir)
{
	int rc = git_repository_open_ext(repo, site_dir, 0, NULL);
	if (rc == GIT_ENOTFOUND)
		return 0;
	return rc < 0 ? -1 : 1;
}

/* HEAD's commit: 1 found, 0 no commit yet, -1 error. */
static int S_head(git_oid *out, git_repository *repo)
{
	git_object *obj = NULL;
	int rc = git_revparse_single(&obj, repo, "HEAD^{commit}");
	if (rc == GIT_ENOTFOUND || rc == GIT_EUNBORNBRANCH)
		return 0;
	if (rc < 0)
		return -1;
	git_oid_cpy(out, git_object_id(obj));
	git_object_free(obj);
	return 1;
}

static int S_load(struct S_walk *w, struct history *h, const char *site_dir,
		  struct diags *d)
{
	git_oid head;
	size_t *order = NULL;
	int rc = S_open(&w->repo, site_dir);

	if (rc <= 0) {
		if (rc == 0)
			diag_add(d, DIAG_NOTE, NULL, 0, 0,
				 "not a git repository: pages show no history");
		return rc;
	}
	if ((rc = S_head(&head, w->repo)) <= 0) {
		if (rc == 0)
			diag_add(d, DIAG_NOTE, NULL, 0, 0,
				 "git repository has no commits: pages show no history");
		return rc;
	}
	w->prefix = S_prefix(w->repo, site_dir);
	if (git_repository_odb(&w->odb, w->repo) < 0 ||
	    git_mailmap_from_repository(&w->mailmap, w->repo) < 0)
		return -1;
	h->shallow = git_repository_is_shallow(w->repo) == 1;
	if (h->shallow)
		S_read_shallow(w);
	if (S_collect(w, &head) < 0 || S_seed(w) < 0)
		return -1;
	order = S_order(w);
	for (size_t i = 0; i < w->nc && rc >= 0; i++)
		rc = S_walk_commit(w, order[i]);
	free(order);
	if (rc < 0 || S_status(w) < 0)
		return -1;
	if (h->shallow)
		S_warn_shallow(w, d);
	S_finish(w, h);
	return 0;
}

int history_load(struct history **out, const char *site_dir, struct diags *d)
{
	struct S_walk w;
	struct history *h = xcalloc(1, sizeof(*h));
	int rc;

	*out = NULL;
	memset(&w, 0, sizeof(w));
	git_libgit2_init();
	/* objects come from the local repository; verifying each object's
	 * hash on read would triple the time of the walk */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	rc = S_load(&w, h, site_dir, d);
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 1);
	if (rc < 0)
		diag_add(d, DIAG_ERROR, NULL, 0, 0, "git history of '%s': %s",
			 site_dir, S_git_msg());
	S_walk_release(&w);
	if (rc < 0) {
		history_free(h);
		return -1;
	}
	*out = h;
	return 0;
}

void history_free(struct history *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->nfiles; i++) {
		free(h->files[i].path);
		strlist_release(&h->files[i].contributors);
		free(h->files[i].last_summary);
	}
	free(h->files);
	for (size_t i = 0; i < h->nrecent; i++) {
		free(h->recent[i].author);
		free(h->recent[i].summary);
		free(h->recent[i].path);
		free(h->recent[i].old_path);
	}
	free(h->recent);
	free(h);
	git_libgit2_shutdown();
}

const struct file_history *history_get(const struct history *h,
				       const char *path)
{
	struct file_history key;

	if (!h || !h->nfiles)
		return NULL;
	key.path = (char *)path;
	return bsearch(&key, h->files, h->nfiles, sizeof(*h->files), S_file_cmp);
}

size_t history_files(const struct history *h, const struct file_history **out)
{
	*out = h ? h->files : NULL;
	return h ? h->nfiles : 0;
}

size_t history_recent(const struct history *h,
		      const struct history_change **out)
{
	*out = h ? h->recent : NULL;
	return h ? h->nrecent : 0;
}

int history_is_shallow(const struct history *h)
{
	return h ? h->shallow : 0;
}

/* ---- changed since ---- */

/* The commit id of the merge base of ref and HEAD (ref itself when there
 * is none); -1 with *errmsg set on failure. */
static int S_base(git_oid *out, git_repository *repo, const char *ref,
		  char **errmsg)
{
	git_object *obj = NULL, *commit = NULL;
	git_oid head;
	int rc = git_revparse_single(&obj, repo, ref);

	if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC) {
		*errmsg = xasprintf("unknown revision '%s'", ref);
		return -1;
	}
	if (rc == GIT_EAMBIGUOUS) {
		*errmsg = xasprintf("ambiguous revision '%s'", ref);
		return -1;
	}
	if (rc < 0 || git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) < 0) {
		*errmsg = xasprintf("revision '%s': %s", ref, S_git_msg());
		git_object_free(obj);
		return -1;
	}
	git_oid_cpy(out, git_object_id(commit));
	git_object_free(commit);
	git_object_free(obj);
	rc = S_head(&head, repo);
	if (rc <= 0) {
		*errmsg = rc == 0 ? xstrdup("HEAD has no commits") :
			xasprintf("HEAD: %s", S_git_msg());
		return -1;
	}
	git_oid base;
	rc = git_merge_base(&base, repo, out, &head);
	if (rc == 0)
		git_oid_cpy(out, &base);
	else if (rc != GIT_ENOTFOUND) {
		*errmsg = xasprintf("merge base of '%s' and HEAD: %s", ref,
				    S_git_msg());
		return -1;
	}
	return 0;
}

static void S_push_unique(struct strlist *out, struct strlist *paths)
{
	strlist_sort(paths);
	for (size_t i = 0; i < paths->n; i++)
		if (i == 0 || strcmp(paths->items[i], paths->items[i - 1]) != 0)
			strlist_push(out, paths->items[i]);
}

int history_changed_since(struct strlist *out, const char *site_dir,
			  const char *ref, char **errmsg)
{
	git_repository *repo = NULL;
	git_commit *base = NULL;
	git_tree *tree = NULL;
	git_diff *diff = NULL;
	git_diff_options opts;
	struct strlist paths = STRLIST_INIT;
	char *prefix = NULL, *specs[2] = { NULL, NULL };
	git_oid base_id;
	int rc = -1;

	*errmsg = NULL;
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	git_libgit2_init();
	rc = S_open(&repo, site_dir);
	if (rc <= 0) {
		*errmsg = rc == 0 ? xasprintf("not a git repository: '%s'", site_dir)
				  : xasprintf("%s: %s", site_dir, S_git_msg());
		rc = -1;
		goto done;
	}
	rc = -1;
	if (S_base(&base_id, repo, ref, errmsg) < 0)
		goto done;
	prefix = S_prefix(repo, site_dir);
	specs[0] = xasprintf("%scontent/", prefix);
	specs[1] = xasprintf("%ssnippets/", prefix);
	opts.pathspec.strings = specs;
	opts.pathspec.count = 2;
	opts.flags = GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS;
	if (git_commit_lookup(&base, repo, &base_id) < 0 ||
	    git_commit_tree(&tree, base) < 0 ||
	    git_diff_tree_to_workdir_with_index(&diff, repo, tree, &opts) < 0) {
		*errmsg = xasprintf("changes since '%s': %s", ref, S_git_msg());
		goto done;
	}
	size_t plen = strlen(prefix);
	for (size_t i = 0; i < git_diff_num_deltas(diff); i++) {
		const git_diff_delta *dd = git_diff_get_delta(diff, i);
		const char *p[2] = { dd->old_file.path, dd->new_file.path };
		for (int k = 0; k < 2; k++)
			if (p[k] && strncmp(p[k], prefix, plen) == 0)
				strlist_push(&paths, p[k] + plen);
	}
	S_push_unique(out, &paths);
	rc = 0;
done:
	strlist_release(&paths);
	free(specs[0]);
	free(specs[1]);
	free(prefix);
	git_diff_free(diff);
	git_tree_free(tree);
	git_commit_free(base);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}

int history_is_repo(const char *site_dir)
{
	int rc;

	git_libgit2_init();
	rc = git_repository_open_ext(NULL, site_dir, 0, NULL) == 0;
	git_libgit2_shutdown();
	return rc;
}

int history_head(char **out, const char *site_dir)
{
	git_repository *repo = NULL;
	git_oid id;
	int rc = -1;

	*out = NULL;
	git_libgit2_init();
	if (S_open(&repo, site_dir) == 1 && S_head(&id, repo) == 1) {
		*out = xmalloc(GIT_OID_HEXSZ + 1);
		git_oid_tostr(*out, GIT_OID_HEXSZ + 1, &id);
		rc = 0;
	}
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}
