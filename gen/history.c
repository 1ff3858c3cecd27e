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
#include "history_int.h"

#include <git2.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


const char *const hw_dirs[2] = { "content", "snippets" };

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

static size_t S_name_id(struct hw_walk *w, const char *name)
{
	size_t *v = hmap_get(&w->name_ids, name, strlen(name));
	if (v)
		return *v;
	strlist_push(&w->names, name);
	hmap_put(&w->name_ids, name, strlen(name), w->names.n - 1);
	return w->names.n - 1;
}

/* The id of the tree at prefix + dir in root; zero if there is none. */
static int S_subtree(struct hw_walk *w, git_tree *root, const char *dir,
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
static void S_read_shallow(struct hw_walk *w)
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

static int S_add_commit(struct hw_walk *w, const git_oid *id,
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
	struct hw_commit *c = &w->c[w->nc];
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
	if (S_subtree(w, root, hw_dirs[0], &c->sub[0]) < 0 ||
	    S_subtree(w, root, hw_dirs[1], &c->sub[1]) < 0)
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
static int S_collect(struct hw_walk *w, const git_oid *head)
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
		struct hw_commit *c = &w->c[i];
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

static int S_before(const struct hw_walk *w, size_t a, size_t b)
{
	if (w->c[a].time != w->c[b].time)
		return w->c[a].time > w->c[b].time;
	return a < b;
}

static void S_heap_push(const struct hw_walk *w, size_t *heap, size_t *n,
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

static size_t S_heap_pop(const struct hw_walk *w, size_t *heap, size_t *n)
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
static size_t *S_order(struct hw_walk *w)
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

/* ---- crediting changes ---- */

static void S_touch(struct hw_walk *w, size_t ri, size_t ci)
{
	struct hw_rec *r = &w->r[ri];
	size_t name = w->c[ci].author;

	r->commits++;
	if (r->last == HW_NONE)
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

static void S_apply(struct hw_walk *w, size_t ci)
{
	for (size_t i = 0; i < w->nch; i++) {
		struct hw_change *ch = &w->ch[i];
		if (ch->dropped)
			continue;
		size_t *v = hmap_get(&w->live, ch->path, strlen(ch->path));
		size_t ri = v ? *v : HW_NONE;
		if (ri != HW_NONE && ch->status != HISTORY_DELETED)
			S_touch(w, ri, ci);
		if (ri != HW_NONE && ch->status == HISTORY_ADDED)
			hmap_del(&w->live, ch->path, strlen(ch->path));
		if (ri != HW_NONE && ch->status == HISTORY_RENAMED) {
			hmap_del(&w->live, ch->path, strlen(ch->path));
			hmap_put(&w->live, ch->old_path, strlen(ch->old_path), ri);
		}
		if (w->nrecent < HISTORY_RECENT_MAX &&
		    (S_in_content(ch->path) || S_in_content(ch->old_path))) {
			struct hw_recent *rc = &w->recent[w->nrecent++];
			rc->commit = ci;
			rc->status = ch->status;
			rc->path = xstrdup(ch->path);
			rc->old_path = ch->old_path ? xstrdup(ch->old_path) : NULL;
		}
	}
}

/* A shallow boundary: whatever it changed is unknown. Every file it has
 * that is still live starts before it. */
static int S_boundary(struct hw_walk *w, const struct hw_commit *c)
{
	struct buf path = BUF_INIT;
	int rc = 0;

	for (int s = 0; s < 2 && rc == 0; s++) {
		buf_truncate(&path, 0);
		buf_printf(&path, "%s/", hw_dirs[s]);
		rc = hw_tree_list(w, &c->sub[s], &path, HISTORY_ADDED, s);
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

static size_t S_new_rec(struct hw_walk *w, const char *path)
{
	if (w->nr == w->capr) {
		w->capr = w->capr ? w->capr * 2 : 1024;
		w->r = xrealloc(w->r, w->capr * sizeof(*w->r));
	}
	struct hw_rec *r = &w->r[w->nr];
	memset(r, 0, sizeof(*r));
	r->path = xstrdup(path);
	r->last = r->first = HW_NONE;
	hmap_put(&w->paths, path, strlen(path), w->nr);
	return w->nr++;
}

/* One record per file of HEAD's content/ and snippets/. */
static int S_seed(struct hw_walk *w)
{
	struct buf path = BUF_INIT;
	int rc = 0;

	for (int s = 0; s < 2 && rc == 0; s++) {
		buf_truncate(&path, 0);
		buf_printf(&path, "%s/", hw_dirs[s]);
		rc = hw_tree_list(w, &w->c[0].sub[s], &path, HISTORY_ADDED, s);
	}
	buf_release(&path);
	for (size_t i = 0; i < w->nch && rc == 0; i++) {
		size_t ri = S_new_rec(w, w->ch[i].path);
		hmap_put(&w->live, w->ch[i].path, strlen(w->ch[i].path), ri);
	}
	hw_clear_changes(w);
	return rc;
}

static int S_walk_commit(struct hw_walk *w, size_t ci)
{
	const struct hw_commit *c = &w->c[ci];
	int rc;

	if (c->boundary)
		rc = S_boundary(w, c);
	else if ((rc = hw_commit_diff(w, c)) == 0 && w->nch) {
		hw_pair_exact(w);
		rc = hw_pair_similar(w, c);
		if (rc == 0 && c->nparents > 1)
			rc = hw_filter_merge(w, c);
		if (rc == 0)
			S_apply(w, ci);
	}
	hw_clear_changes(w);
	return rc;
}

/* ---- work tree ---- */

static int S_status(struct hw_walk *w)
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
	const struct hw_count *x = a, *y = b;
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

static void S_finish(struct hw_walk *w, struct history *h)
{
	h->files = xcalloc(w->nr ? w->nr : 1, sizeof(*h->files));
	h->nfiles = w->nr;
	for (size_t i = 0; i < w->nr; i++) {
		struct hw_rec *r = &w->r[i];
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
		if (r->first != HW_NONE && !r->first_unknown)
			f->first_time = w->c[r->first].time;
		if (r->last != HW_NONE && !r->last_unknown) {
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
		struct hw_recent *src = &w->recent[i];
		struct history_change *dst = &h->recent[i];
		const struct hw_commit *c = &w->c[src->commit];
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

static void S_warn_shallow(struct hw_walk *w, struct diags *d)
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

static void S_walk_release(struct hw_walk *w)
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
	hw_clear_changes(w);
	free(w->ch);
	for (size_t i = 0; i < w->nrecent; i++) {
		free(w->recent[i].path);
		free(w->recent[i].old_path);
	}
	for (size_t i = 0; i < HW_TREE_CACHE; i++)
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

static int S_load(struct hw_walk *w, struct history *h, const char *site_dir,
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
	struct hw_walk w;
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

struct history_since {
	struct strlist changed; /* sorted, each once, relative to site_dir */
	git_repository *repo;
	git_tree *tree;         /* the base's root tree */
	char *prefix;           /* site_dir relative to the work tree, "" or "x/" */
};

struct history_since *history_since_open(const char *site_dir, const char *ref,
					 char **errmsg)
{
	struct history_since *s = xcalloc(1, sizeof *s);
	git_commit *base = NULL;
	git_diff *diff = NULL;
	git_diff_options opts;
	struct strlist paths = STRLIST_INIT;
	char *specs[2] = { NULL, NULL };
	git_oid base_id;
	int rc = -1;

	*errmsg = NULL;
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	git_libgit2_init();
	rc = S_open(&s->repo, site_dir);
	if (rc <= 0) {
		*errmsg = rc == 0 ? xasprintf("not a git repository: '%s'", site_dir)
				  : xasprintf("%s: %s", site_dir, S_git_msg());
		rc = -1;
		goto done;
	}
	rc = -1;
	if (S_base(&base_id, s->repo, ref, errmsg) < 0)
		goto done;
	s->prefix = S_prefix(s->repo, site_dir);
	specs[0] = xasprintf("%scontent/", s->prefix);
	specs[1] = xasprintf("%ssnippets/", s->prefix);
	opts.pathspec.strings = specs;
	opts.pathspec.count = 2;
	opts.flags = GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS;
	if (git_commit_lookup(&base, s->repo, &base_id) < 0 ||
	    git_commit_tree(&s->tree, base) < 0 ||
	    git_diff_tree_to_workdir_with_index(&diff, s->repo, s->tree, &opts) < 0) {
		*errmsg = xasprintf("changes since '%s': %s", ref, S_git_msg());
		goto done;
	}
	size_t plen = strlen(s->prefix);
	for (size_t i = 0; i < git_diff_num_deltas(diff); i++) {
		const git_diff_delta *dd = git_diff_get_delta(diff, i);
		const char *p[2] = { dd->old_file.path, dd->new_file.path };
		for (int k = 0; k < 2; k++)
			if (p[k] && strncmp(p[k], s->prefix, plen) == 0)
				strlist_push(&paths, p[k] + plen);
	}
	S_push_unique(&s->changed, &paths);
	rc = 0;
done:
	strlist_release(&paths);
	free(specs[0]);
	free(specs[1]);
	git_diff_free(diff);
	git_commit_free(base);
	if (rc < 0) {
		history_since_free(s);
		return NULL;
	}
	return s;
}

const struct strlist *history_since_files(const struct history_since *s)
{
	return &s->changed;
}

int history_since_changed(const struct history_since *s, const char *path)
{
	size_t lo = 0, hi = s->changed.n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(s->changed.items[mid], path);
		if (!c)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

char *history_since_text(const struct history_since *s, const char *path)
{
	char *full = xasprintf("%s%s", s->prefix, path);
	git_tree_entry *te = NULL;
	git_blob *blob = NULL;
	char *text = NULL;
	if (git_tree_entry_bypath(&te, s->tree, full) == 0 &&
	    git_blob_lookup(&blob, s->repo, git_tree_entry_id(te)) == 0)
		text = xstrndup(git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	git_tree_entry_free(te);
	free(full);
	return text;
}

void history_since_free(struct history_since *s)
{
	if (!s)
		return;
	strlist_release(&s->changed);
	free(s->prefix);
	git_tree_free(s->tree);
	git_repository_free(s->repo);
	git_libgit2_shutdown();
	free(s);
}

int history_changed_since(struct strlist *out, const char *site_dir,
			  const char *ref, char **errmsg)
{
	struct history_since *s = history_since_open(site_dir, ref, errmsg);
	if (!s)
		return -1;
	for (size_t i = 0; i < s->changed.n; i++)
		strlist_push(out, s->changed.items[i]);
	history_since_free(s);
	return 0;
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
