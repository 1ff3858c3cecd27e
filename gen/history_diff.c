/*
 * history_diff.c - the history walk's tree comparison (raw tree objects,
 * read through a small cache), rename pairing (exact, then by
 * similarity) and merge filtering; see history.c for the walk.
 */
#include "history_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

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
static int S_tree_open(struct hw_walk *w, const git_oid *id, struct S_tree *t)
{
	git_odb_object *obj = NULL;

	memset(t, 0, sizeof(*t));
	if (git_oid_is_zero(id))
		return 0;
	for (size_t i = 0; i < HW_TREE_CACHE && !obj; i++)
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
		w->cpos = (w->cpos + 1) % HW_TREE_CACHE;
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

static void S_push_change(struct hw_walk *w, enum history_status st, int sub,
			  const char *path, const unsigned char *raw_id)
{
	if (w->nch == w->capch) {
		w->capch = w->capch ? w->capch * 2 : 64;
		w->ch = xrealloc(w->ch, w->capch * sizeof(*w->ch));
	}
	struct hw_change *c = &w->ch[w->nch++];
	memset(c, 0, sizeof(*c));
	c->status = st;
	c->sub = sub;
	c->path = xstrdup(path);
	git_oid_fromraw(&c->oid, raw_id);
}

void hw_clear_changes(struct hw_walk *w)
{
	for (size_t i = 0; i < w->nch; i++) {
		free(w->ch[i].path);
		free(w->ch[i].old_path);
	}
	w->nch = 0;
}

/* One entry added or deleted as a whole: a file, or every file of a tree.
 * path holds the entry's path. */
static int S_entry_list(struct hw_walk *w, const struct S_entry *e,
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
	return hw_tree_list(w, &id, path, st, sub);
}

/* Every file of tree id, as changes of status st; path ends in '/'. */
int hw_tree_list(struct hw_walk *w, const git_oid *id, struct buf *path,
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
static int S_entry_diff(struct hw_walk *w, const struct S_entry *a,
			const struct S_entry *b, struct buf *path, int sub);

/* Files that differ between trees a and b (either may be zero); path is
 * their directory and ends in '/'. Subtrees with equal ids are skipped. */
static int S_tree_diff(struct hw_walk *w, const git_oid *a_id,
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

static int S_entry_diff(struct hw_walk *w, const struct S_entry *a,
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
int hw_commit_diff(struct hw_walk *w, const struct hw_commit *c)
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
		buf_printf(&path, "%s/", hw_dirs[s]);
		rc = S_tree_diff(w, old, &c->sub[s], &path, s);
	}
	buf_release(&path);
	return rc;
}

/* ---- renames ---- */

static void S_pair(struct hw_walk *w, size_t del, size_t add)
{
	w->ch[add].status = HISTORY_RENAMED;
	w->ch[add].old_path = w->ch[del].path;
	w->ch[del].path = NULL;
	w->ch[del].dropped = 1;
}

/* Pairs each deleted file with an added file of the same content. Empty
 * files are not paired: their content says nothing about identity. */
void hw_pair_exact(struct hw_walk *w)
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

static size_t S_find_change(const struct hw_walk *w, enum history_status st,
			    const char *path)
{
	for (size_t i = 0; i < w->nch; i++)
		if (!w->ch[i].dropped && w->ch[i].status == st &&
		    w->ch[i].path && strcmp(w->ch[i].path, path) == 0)
			return i;
	return HW_NONE;
}

/* Pairs edited renames among the still unpaired additions and deletions
 * with libgit2's similarity detection, diffing only those paths. */
int hw_pair_similar(struct hw_walk *w, const struct hw_commit *c)
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
	if (!nadd || !ndel || nadd + ndel > HW_SIMILAR_LIMIT || !c->nparents) {
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
		if (del != HW_NONE && add != HW_NONE)
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
static int S_same_in_parent(struct hw_walk *w, size_t p,
			    const struct hw_change *ch, int *same)
{
	git_tree *t = NULL;
	git_tree_entry *e = NULL;
	const git_oid *sub = &w->c[p].sub[ch->sub];
	const char *rel = ch->path + strlen(hw_dirs[ch->sub]) + 1;
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

int hw_filter_merge(struct hw_walk *w, const struct hw_commit *c)
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
