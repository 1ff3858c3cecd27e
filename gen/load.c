/*
 * load.c - stage 1: content/ -> struct site (see load.h).
 *
 * The front matter is the YAML between a first line "---" and the next line
 * "---" (or "..."). libyaml's document API gives every node a mark (0-based
 * line and column relative to the YAML text), which we turn into file
 * positions for diagnostics: file line = mark.line + 2.
 */
#include "load.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <yaml.h>


enum ftype { F_STR, F_LIST, F_INT, F_URL, F_ENUM };

struct keydef {
	const char *key;
	enum ftype type;
	int required;
	const char *choices; /* for F_ENUM: "a|b|c"; for facets, the label */
};

struct sectiondef {
	const char *name;
	const char *title;
	const struct keydef *keys; /* section keys, NULL-terminated */
};

/* Keys every entry may have. */
static const struct keydef common_keys[] = {
	{ "id", F_STR, 0, NULL },
	{ "title", F_STR, 1, NULL },
	{ "summary", F_STR, 1, NULL },
	{ "tags", F_LIST, 0, NULL },
	{ "languages", F_LIST, 0, NULL },
	{ "see_also", F_LIST, 0, NULL },
	{ "answers", F_LIST, 0, NULL },
	{ "checked", F_STR, 0, NULL },
	{ NULL, 0, 0, NULL },
};

static const struct keydef resource_keys[] = {
	{ "url", F_URL, 1, NULL },
	{ "authors", F_LIST, 1, NULL },
	{ "year", F_INT, 1, NULL },
	{ "format", F_ENUM, 1, "book|article|talk|docs|pep|tutorial|course|tool|paper" },
	{ "level", F_ENUM, 1, "beginner|intermediate|advanced" },
	{ "status", F_ENUM, 1, "live|archived|gone" },
	{ "archive_url", F_URL, 0, NULL },
	{ "publisher", F_STR, 0, NULL },
	{ "status_note", F_STR, 0, NULL },
	{ NULL, 0, 0, NULL },
};

/* The facets of the comparison matrix, in column order. */
static const struct keydef language_keys[] = {
	{ "primitives", F_STR, 1, "Concurrency primitives" },
	{ "threads", F_STR, 1, "OS or green threads" },
	{ "cpu_parallel", F_STR, 1, "Parallel CPU-bound work in one process" },
	{ "async_await", F_STR, 1, "async/await" },
	{ "message_passing", F_STR, 1, "Message passing" },
	{ "memory_model", F_STR, 1, "Memory model" },
	{ "race_protection", F_STR, 1, "Data-race protection" },
	{ "race_tools", F_STR, 1, "Race detection tools" },
	{ NULL, 0, 0, NULL },
};

static const struct keydef no_keys[] = { { NULL, 0, 0, NULL } };

static const struct sectiondef sections[] = {
	{ "guides", "Guides", no_keys },
	{ "topics", "Topics", no_keys },
	{ "resources", "Resources", resource_keys },
	{ "languages", "Languages", language_keys },
	{ "examples", "Examples", no_keys },
	{ "comparisons", "Comparisons", no_keys },
};
#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))

static const struct sectiondef *S_section(const char *name)
{
	for (size_t i = 0; i < NSECTIONS; i++)
		if (!strcmp(sections[i].name, name))
			return &sections[i];
	return NULL;
}

const char *load_section_title(const char *name)
{
	const struct sectiondef *s = S_section(name);
	return s ? s->title : NULL;
}

const char *load_facet(size_t i, const char **label)
{
	if (i >= sizeof(language_keys) / sizeof(language_keys[0]) - 1)
		return NULL;
	*label = language_keys[i].choices;
	return language_keys[i].key;
}

const struct field *entry_field(const struct entry *e, const char *key)
{
	for (size_t i = 0; i < e->nfields; i++)
		if (!strcmp(e->fields[i].key, key))
			return &e->fields[i];
	return NULL;
}

/* ---- front matter ---- */

struct fm {
	const char *path;
	struct diags *d;
	yaml_document_t doc;
};

#define FM_LINE(mark) ((int)(mark).line + 2)
#define FM_COL(mark) ((int)(mark).column + 1)

static const struct keydef *S_keydef(const struct keydef *keys, const char *k)
{
	for (; keys->key; keys++)
		if (!strcmp(keys->key, k))
			return keys;
	return NULL;
}

/* The closest known key to k, for "did you mean". */
static const char *S_suggest(const struct sectiondef *sec, const char *k)
{
	const char *best = NULL;
	size_t bestd = (size_t)-1;
	const struct keydef *lists[2] = { common_keys, sec->keys };
	for (int l = 0; l < 2; l++) {
		for (const struct keydef *kd = lists[l]; kd->key; kd++) {
			size_t dist = edit_distance(k, kd->key);
			if (dist < bestd) {
				bestd = dist;
				best = kd->key;
			}
		}
	}
	size_t len = strlen(k);
	return bestd <= (len > 4 ? 2 : 1) ? best : NULL;
}

static const char *S_scalar(yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* Checks a scalar for a string key; returns it or NULL after an error. */
static const char *S_want_scalar(struct fm *fm, const char *key, yaml_node_t *n)
{
	if (n->type != YAML_SCALAR_NODE) {
		diag_add(fm->d, DIAG_ERROR, fm->path, FM_LINE(n->start_mark),
			 FM_COL(n->start_mark), "'%s' must be a string, not a %s",
			 key, n->type == YAML_SEQUENCE_NODE ? "list" : "mapping");
		return NULL;
	}
	const char *v = S_scalar(n);
	if (!*v) {
		diag_add(fm->d, DIAG_ERROR, fm->path, FM_LINE(n->start_mark),
			 FM_COL(n->start_mark), "'%s' is empty", key);
		return NULL;
	}
	return v;
}

static int S_want_list(struct fm *fm, const char *key, yaml_node_t *n,
		       struct strlist *out)
{
	if (n->type != YAML_SEQUENCE_NODE) {
		diag_add(fm->d, DIAG_ERROR, fm->path, FM_LINE(n->start_mark),
			 FM_COL(n->start_mark), "'%s' must be a list, e.g. %s: [a, b]",
			 key, key);
		return -1;
	}
	int rc = 0;
	for (yaml_node_item_t *it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top; it++) {
		yaml_node_t *item = yaml_document_get_node(&fm->doc, *it);
		if (!item || item->type != YAML_SCALAR_NODE || !*S_scalar(item)) {
			diag_add(fm->d, DIAG_ERROR, fm->path,
				 item ? FM_LINE(item->start_mark) : FM_LINE(n->start_mark),
				 item ? FM_COL(item->start_mark) : FM_COL(n->start_mark),
				 "items of '%s' must be non-empty strings", key);
			rc = -1;
			continue;
		}
		if (strlist_contains(out, S_scalar(item))) {
			diag_add(fm->d, DIAG_ERROR, fm->path, FM_LINE(item->start_mark),
				 FM_COL(item->start_mark),
				 "'%s' lists '%s' twice", key, S_scalar(item));
			rc = -1;
			continue;
		}
		strlist_push(out, S_scalar(item));
	}
	return rc;
}

static int S_is_url(const char *v)
{
	return !strncmp(v, "https://", 8) || !strncmp(v, "http://", 7);
}

static int S_in_choices(const char *choices, const char *v)
{
	size_t n = strlen(v);
	for (const char *p = choices; *p;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (len == n && !strncmp(p, v, n))
			return 1;
		p += len + (bar ? 1 : 0);
	}
	return 0;
}

/* Validates and stores one section key. */
static void S_section_value(struct fm *fm, struct entry *e,
			    const struct keydef *kd, yaml_node_t *n)
{
	struct field *f = &e->fields[e->nfields];
	memset(f, 0, sizeof(*f));
	f->key = kd->key;
	f->line = FM_LINE(n->start_mark);
	if (kd->type == F_LIST) {
		if (S_want_list(fm, kd->key, n, &f->list) < 0) {
			strlist_release(&f->list);
			return;
		}
		e->nfields++;
		return;
	}
	const char *v = S_want_scalar(fm, kd->key, n);
	if (!v)
		return;
	int line = FM_LINE(n->start_mark), col = FM_COL(n->start_mark);
	if (kd->type == F_INT) {
		char *end;
		errno = 0;
		long x = strtol(v, &end, 10);
		if (*end || errno || x < 0 || x > 9999) {
			diag_add(fm->d, DIAG_ERROR, fm->path, line, col,
				 "'%s' must be a year like 2008, not '%s'", kd->key, v);
			return;
		}
	} else if (kd->type == F_URL && !S_is_url(v)) {
		diag_add(fm->d, DIAG_ERROR, fm->path, line, col,
			 "'%s' must be an http(s) URL, not '%s'", kd->key, v);
		return;
	} else if (kd->type == F_ENUM && !S_in_choices(kd->choices, v)) {
		diag_add(fm->d, DIAG_ERROR, fm->path, line, col,
			 "'%s' must be one of %s, not '%s'", kd->key, kd->choices, v);
		return;
	}
	f->value = xstrdup(v);
	e->nfields++;
}

int load_valid_date(const char *s, time_t now)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *end = strptime(s, "%Y-%m-%d", &tm);
	if (!end || *end || strlen(s) != 10)
		return 0;
	int mday = tm.tm_mday, mon = tm.tm_mon;
	time_t t = timegm(&tm); /* normalises 2026-02-30 to March */
	if (t == (time_t)-1 || tm.tm_mday != mday || tm.tm_mon != mon)
		return 0;
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	if (sde && *sde)
		now = (time_t)strtoll(sde, NULL, 10);
	return t <= now + 86400; /* today, in any time zone */
}

static void S_common_value(struct fm *fm, struct entry *e, const char *key,
			   yaml_node_t *n)
{
	if (!strcmp(key, "tags")) {
		S_want_list(fm, key, n, &e->tags);
	} else if (!strcmp(key, "languages")) {
		S_want_list(fm, key, n, &e->languages);
	} else if (!strcmp(key, "see_also")) {
		e->see_also_line = FM_LINE(n->start_mark);
		S_want_list(fm, key, n, &e->see_also);
	} else if (!strcmp(key, "answers")) {
		S_want_list(fm, key, n, &e->answers);
	} else if (!strcmp(key, "checked")) {
		const char *v = S_want_scalar(fm, key, n);
		if (!v)
			return;
		if (!load_valid_date(v, time(NULL))) {
			diag_add(fm->d, DIAG_ERROR, fm->path, FM_LINE(n->start_mark),
				 FM_COL(n->start_mark),
				 "'checked' must be a past date like 2026-12-07 (YYYY-MM-DD), not '%s'", v);
			return;
		}
		free(e->checked);
		e->checked = xstrdup(v);
	} else {
		const char *v = S_want_scalar(fm, key, n);
		if (!v)
			return;
		char **slot = !strcmp(key, "title") ? &e->title
			    : !strcmp(key, "summary") ? &e->summary : &e->id;
		if (slot == &e->id) {
			char *slug = slugify(v);
			int ok = !strcmp(slug, v);
			free(slug);
			if (!ok) {
				diag_add(fm->d, DIAG_ERROR, fm->path,
					 FM_LINE(n->start_mark), FM_COL(n->start_mark),
					 "'id' must be lowercase letters, digits and '-', not '%s'", v);
				return;
			}
		}
		free(*slot);
		*slot = xstrdup(v);
	}
}

static void S_parse_mapping(struct fm *fm, struct entry *e,
			    const struct sectiondef *sec)
{
	yaml_node_t *root = yaml_document_get_root_node(&fm->doc);
	if (!root) /* empty front matter */
		return;
	if (root->type != YAML_MAPPING_NODE) {
		diag_add(fm->d, DIAG_ERROR, fm->path, FM_LINE(root->start_mark),
			 FM_COL(root->start_mark),
			 "front matter must be 'key: value' lines");
		return;
	}
	size_t nkeys = 0;
	for (const struct keydef *kd = sec->keys; kd->key; kd++)
		nkeys++;
	e->fields = xcalloc(nkeys + 1, sizeof(*e->fields));

	struct strlist seen = STRLIST_INIT;
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&fm->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&fm->doc, p->value);
		if (!k || !v)
			continue;
		int line = FM_LINE(k->start_mark), col = FM_COL(k->start_mark);
		if (k->type != YAML_SCALAR_NODE) {
			diag_add(fm->d, DIAG_ERROR, fm->path, line, col,
				 "keys must be plain words");
			continue;
		}
		const char *key = S_scalar(k);
		if (strlist_contains(&seen, key)) {
			diag_add(fm->d, DIAG_ERROR, fm->path, line, col,
				 "duplicate key '%s'", key);
			continue;
		}
		strlist_push(&seen, key);
		const struct keydef *kd;
		if (S_keydef(common_keys, key)) {
			S_common_value(fm, e, key, v);
		} else if ((kd = S_keydef(sec->keys, key))) {
			S_section_value(fm, e, kd, v);
		} else {
			const char *hint = S_suggest(sec, key);
			if (hint)
				diag_add(fm->d, DIAG_ERROR, fm->path, line, col,
					 "unknown key '%s' (did you mean '%s'?)", key, hint);
			else
				diag_add(fm->d, DIAG_ERROR, fm->path, line, col,
					 "unknown key '%s' for an entry in %s/", key, sec->name);
		}
	}

	/* Required keys: reported at the end of the front matter. */
	int endline = FM_LINE(root->end_mark);
	for (int l = 0; l < 2; l++) {
		for (const struct keydef *kd = l ? sec->keys : common_keys; kd->key; kd++) {
			if (kd->required && !strlist_contains(&seen, kd->key))
				diag_add(fm->d, DIAG_ERROR, fm->path, endline, 0,
					 "missing required key '%s'", kd->key);
		}
	}
	const struct field *st = entry_field(e, "status");
	if (st && !strcmp(st->value, "archived") && !entry_field(e, "archive_url") &&
	    !strlist_contains(&seen, "archive_url"))
		diag_add(fm->d, DIAG_ERROR, fm->path, st->line, 0,
			 "status 'archived' needs an 'archive_url'");
	strlist_release(&seen);
}

/* Finds the closing "---" line; returns the offset of its start or -1. */
static long S_fm_end(const char *text, const char *from)
{
	for (const char *p = from; *p;) {
		if ((!strncmp(p, "---", 3) || !strncmp(p, "...", 3)) &&
		    (p[3] == '\n' || p[3] == '\0' || (p[3] == '\r' && p[4] == '\n')))
			return (long)(p - text);
		const char *nl = strchr(p, '\n');
		if (!nl)
			break;
		p = nl + 1;
	}
	return -1;
}

static int S_count_lines(const char *s, const char *end)
{
	int n = 0;
	for (; s < end; s++)
		if (*s == '\n')
			n++;
	return n;
}

static void S_front_matter(struct entry *e, const struct sectiondef *sec,
			   struct diags *d)
{
	const char *text = e->text;
	if (strncmp(text, "---\n", 4) && strncmp(text, "---\r\n", 5)) {
		diag_add(d, DIAG_ERROR, e->path, 1, 1,
			 "missing front matter: the file must start with a '---' line");
		e->body = text;
		e->body_line = 1;
		return;
	}
	const char *yaml = strchr(text, '\n') + 1;
	long end = S_fm_end(text, yaml);
	if (end < 0) {
		diag_add(d, DIAG_ERROR, e->path, 1, 1,
			 "front matter is not closed: add a '---' line after it");
		e->body = text + strlen(text);
		e->body_line = S_count_lines(text, e->body) + 1;
		return;
	}
	const char *close = text + end;
	const char *after = strchr(close, '\n');
	e->body = after ? after + 1 : close + strlen(close);
	e->body_line = S_count_lines(text, e->body) + 1;

	struct fm fm;
	memset(&fm, 0, sizeof(fm));
	fm.path = e->path;
	fm.d = d;
	yaml_parser_t parser;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)yaml,
				     (size_t)(close - yaml));
	if (!yaml_parser_load(&parser, &fm.doc)) {
		diag_add(d, DIAG_ERROR, e->path, FM_LINE(parser.problem_mark),
			 FM_COL(parser.problem_mark), "invalid YAML: %s%s%s",
			 parser.problem ? parser.problem : "syntax error",
			 parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return;
	}
	S_parse_mapping(&fm, e, sec);
	yaml_document_delete(&fm.doc);
	yaml_parser_delete(&parser);
}

/* "content/topics/gil.md" -> section "topics", stem "gil". */
static int S_split_path(const char *path, char **section, char **stem)
{
	const char *p = strchr(path, '/');
	if (!p)
		return -1;
	p++;
	const char *slash = strchr(p, '/');
	const char *dot = strrchr(path, '.');
	if (!slash || strchr(slash + 1, '/') || !dot || dot < slash)
		return -1;
	*section = xstrndup(p, (size_t)(slash - p));
	*stem = xstrndup(slash + 1, (size_t)(dot - slash - 1));
	return 0;
}

struct entry *load_entry(const char *path, char *text, struct diags *d)
{
	char *section = NULL, *stem = NULL;
	if (S_split_path(path, &section, &stem) < 0) {
		diag_add(d, DIAG_ERROR, path, 0, 0,
			 "entries live in content/<section>/<slug>.md");
		free(text);
		return NULL;
	}
	const struct sectiondef *sec = S_section(section);
	if (!sec) {
		struct buf known = BUF_INIT;
		for (size_t i = 0; i < NSECTIONS; i++)
			buf_printf(&known, "%s%s", i ? ", " : "", sections[i].name);
		diag_add(d, DIAG_ERROR, path, 0, 0,
			 "unknown section '%s' (known: %s)", section, known.data);
		buf_release(&known);
		free(section);
		free(stem);
		free(text);
		return NULL;
	}
	struct entry *e = xcalloc(1, sizeof(*e));
	e->path = xstrdup(path);
	e->section = section;
	e->text = text;
	S_front_matter(e, sec, d);
	char *slug = slugify(stem);
	if (strcmp(slug, stem))
		diag_add(d, DIAG_ERROR, path, 0, 0,
			 "file name '%s.md' must be a slug: lowercase letters, digits and '-' (e.g. '%s.md')",
			 stem, slug);
	/* The page's address comes from the file name, so that relative
	 * links between .md files map to page links one to one. */
	e->url = xasprintf("%s/%s.html", e->section, slug);
	if (!e->id)
		e->id = slug;
	else
		free(slug);
	free(stem);
	if (!e->title)
		e->title = xstrdup(e->id);
	if (!e->summary)
		e->summary = xstrdup("");
	return e;
}

void entry_free(struct entry *e)
{
	if (!e)
		return;
	free(e->path);
	free(e->section);
	free(e->id);
	free(e->title);
	free(e->summary);
	free(e->checked);
	strlist_release(&e->tags);
	strlist_release(&e->languages);
	strlist_release(&e->see_also);
	strlist_release(&e->answers);
	for (size_t i = 0; i < e->nfields; i++) {
		free(e->fields[i].value);
		strlist_release(&e->fields[i].list);
	}
	free(e->fields);
	free(e->text);
	free(e->url);
	strlist_release(&e->hist.contributors);
	free(e->links);
	free(e->backlinks);
	free(e->search_terms);
	free(e->see);
	free(e);
}

/* ---- the walk ---- */

static int S_cmp_entry_path(const void *a, const void *b)
{
	return strcmp((*(struct entry *const *)a)->path,
		      (*(struct entry *const *)b)->path);
}

static int S_cmp_entry_title(const void *a, const void *b)
{
	const struct entry *x = *(struct entry *const *)a;
	const struct entry *y = *(struct entry *const *)b;
	int c = strcasecmp(x->title, y->title);
	return c ? c : strcmp(x->id, y->id);
}

static int S_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists dir's entries (not starting with '.'), sorted; caller releases. */
static int S_list_dir(const char *dir, struct strlist *out)
{
	DIR *dp = opendir(dir);
	if (!dp)
		return -1;
	struct dirent *de;
	while ((de = readdir(dp)))
		if (de->d_name[0] != '.')
			strlist_push(out, de->d_name);
	closedir(dp);
	if (out->n > 1)
		qsort(out->items, out->n, sizeof(char *), S_cmp_str);
	return 0;
}

/* Lists the entry files of a section; other files are errors. */
static void S_list_section(struct strlist *paths, const char *dir,
			   const char *name, struct diags *d)
{
	char *sdir = path_join(dir, name);
	struct strlist files = STRLIST_INIT;
	if (S_list_dir(sdir, &files) < 0) {
		diag_add(d, DIAG_ERROR, sdir, 0, 0, "cannot read: %s", strerror(errno));
		free(sdir);
		return;
	}
	for (size_t i = 0; i < files.n; i++) {
		const char *f = files.items[i];
		size_t len = strlen(f);
		char *path = path_join(sdir, f);
		if (len >= 4 && !strcmp(f + len - 3, ".md")) {
			strlist_push_owned(paths, path);
			continue;
		}
		struct stat st;
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			diag_add(d, DIAG_ERROR, path, 0, 0,
				 "nested folders are not entries: move it to content/<section>/<slug>.md");
		free(path);
	}
	strlist_release(&files);
	free(sdir);
}

struct load_job {
	const struct strlist *paths;
	struct entry **out;
	struct diags *d;  /* one per path */
};

static void S_load_one(size_t i, void *arg)
{
	struct load_job *j = arg;
	const char *path = j->paths->items[i];
	char *text;
	if (read_file(path, &text, NULL) < 0) {
		diag_add(&j->d[i], DIAG_ERROR, path, 0, 0, "cannot read: %s", strerror(errno));
		return;
	}
	j->out[i] = load_entry(path, text, &j->d[i]);
}

/* Ranks the entries by title once, so that every list of entries sorts
 * on a number instead of comparing titles again. Returns the entries in
 * that order; caller frees. */
static struct entry **S_rank_titles(struct site *s)
{
	struct entry **bytitle = xmalloc((s->n ? s->n : 1) * sizeof(*bytitle));
	memcpy(bytitle, s->entries, s->n * sizeof(*bytitle));
	if (s->n > 1)
		qsort(bytitle, s->n, sizeof(*bytitle), S_cmp_entry_title);
	for (size_t i = 0; i < s->n; i++)
		bytitle[i]->title_rank = i;
	return bytitle;
}

static void S_index_sections(struct site *s)
{
	struct entry **bytitle = S_rank_titles(s);
	s->sections = xcalloc(NSECTIONS, sizeof(*s->sections));
	for (size_t i = 0; i < NSECTIONS; i++) {
		struct section *sec = &s->sections[s->nsections];
		size_t count = 0;
		for (size_t j = 0; j < s->n; j++)
			if (!strcmp(s->entries[j]->section, sections[i].name))
				count++;
		if (!count)
			continue;
		sec->name = xstrdup(sections[i].name);
		sec->title = sections[i].title;
		sec->entries = xmalloc(count * sizeof(*sec->entries));
		for (size_t j = 0; j < s->n; j++)
			if (!strcmp(bytitle[j]->section, sections[i].name))
				sec->entries[sec->n++] = bytitle[j];
		for (size_t j = 0; j < sec->n; j++) {
			sec->entries[j]->prev = j ? sec->entries[j - 1] : NULL;
			sec->entries[j]->next = j + 1 < sec->n ? sec->entries[j + 1] : NULL;
		}
		s->nsections++;
	}
	free(bytitle);
}

static int S_cmp_entry_id(const void *a, const void *b)
{
	const struct entry *x = *(struct entry *const *)a;
	const struct entry *y = *(struct entry *const *)b;
	int c = strcmp(x->id, y->id);
	return c ? c : strcmp(x->path, y->path);
}

struct entry *site_find(const struct site *s, const char *id)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->byid[mid]->id, id);
		if (c == 0)
			return s->byid[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int S_cmp_path_key(const void *key, const void *elem)
{
	return strcmp(key, (*(struct entry *const *)elem)->path);
}

struct entry *site_find_path(const struct site *s, const char *path)
{
	struct entry **hit = bsearch(path, s->entries, s->n, sizeof(*s->entries),
				     S_cmp_path_key);
	return hit ? *hit : NULL;
}

/* Sorts the id index; the first of a run of equal ids keeps it. */
static void S_check_ids(struct site *s, struct diags *d)
{
	s->byid = xmalloc((s->n ? s->n : 1) * sizeof(*s->byid));
	memcpy(s->byid, s->entries, s->n * sizeof(*s->byid));
	if (s->n > 1)
		qsort(s->byid, s->n, sizeof(*s->byid), S_cmp_entry_id);
	for (size_t i = 1; i < s->n; i++)
		if (!strcmp(s->byid[i]->id, s->byid[i - 1]->id))
			diag_add(d, DIAG_ERROR, s->byid[i]->path, 1, 1,
				 "duplicate id '%s' (also used by %s)", s->byid[i]->id,
				 s->byid[i - 1]->path);
}

int load_site(struct site *s, const char *dir, int jobs, struct diags *d)
{
	memset(s, 0, sizeof(*s));
	struct strlist names = STRLIST_INIT, paths = STRLIST_INIT;
	if (S_list_dir(dir, &names) < 0) {
		diag_add(d, DIAG_ERROR, dir, 0, 0, "cannot read the content folder: %s",
			 strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < names.n; i++) {
		char *p = path_join(dir, names.items[i]);
		struct stat st;
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (S_section(names.items[i]))
				S_list_section(&paths, dir, names.items[i], d);
			else
				diag_add(d, DIAG_ERROR, p, 0, 0,
					 "unknown section '%s'", names.items[i]);
		} else {
			diag_add(d, DIAG_ERROR, p, 0, 0,
				 "entries live in content/<section>/<slug>.md");
		}
		free(p);
	}
	strlist_release(&names);

	/* Read and parse the front matter of every file in parallel. */
	struct load_job j = {
		&paths, xcalloc(paths.n ? paths.n : 1, sizeof(struct entry *)),
		xcalloc(paths.n ? paths.n : 1, sizeof(struct diags)),
	};
	parallel_for(paths.n, jobs, S_load_one, &j);
	s->entries = xmalloc((paths.n ? paths.n : 1) * sizeof(*s->entries));
	for (size_t i = 0; i < paths.n; i++) {
		diag_merge(d, &j.d[i]);
		if (j.out[i])
			s->entries[s->n++] = j.out[i];
	}
	free(j.out);
	free(j.d);
	strlist_release(&paths);
	if (s->n > 1)
		qsort(s->entries, s->n, sizeof(*s->entries), S_cmp_entry_path);
	for (size_t i = 0; i < s->n; i++)
		s->entries[i]->index = i;
	S_check_ids(s, d);
	S_index_sections(s);
	return 0;
}

void site_release(struct site *s)
{
	for (size_t i = 0; i < s->n; i++)
		entry_free(s->entries[i]);
	free(s->entries);
	free(s->byid);
	for (size_t i = 0; i < s->nsections; i++) {
		free(s->sections[i].name);
		free(s->sections[i].entries);
	}
	free(s->sections);
	memset(s, 0, sizeof(*s));
}
