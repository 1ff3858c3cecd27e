/*
 * snippet.c - parsing of snippet attributes, and page rendering of a
 * verified snippet. See snippet.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "snippet.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Column of the first character of the info string: "```" then the info. */
#define S_INFO_COL 4

static const char *const S_attr_names[] = {
	"expect", "exit", "timeout", "tsan", "norun", "compile", "why",
	"cflags", "args", "requires", "repeat", "normalize", "file", NULL
};
static const char *const S_expect_names[] = {
	"exact", "sorted", "contains", "regex", "any", NULL
};
static const char *const S_norm_names[] = {
	"addresses", "pids", "thread-ids", "durations", NULL
};

/* One attribute of the info string. */
struct S_attr {
	char *key;
	char *value;     /* NULL for a bare flag */
	int col;         /* column of the key in the fence line */
};

struct S_parser {
	struct snippet *s;
	struct diags *d;
	int seen[16];    /* per S_attr_names index */
};

static void S_error(struct S_parser *p, int col, const char *fmt, ...)
	KB_PRINTF(3, 4);

static void S_error(struct S_parser *p, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vadd(p->d, DIAG_ERROR, p->s->entry_path, p->s->line, col, fmt, ap);
	va_end(ap);
	p->s->invalid = 1;
}

/* The closest name of names to word, or NULL if none is close enough. */
static const char *S_suggest(const char *word, const char *const *names)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	for (size_t i = 0; names[i]; i++) {
		size_t dist = edit_distance(word, names[i]);
		if (dist < best_d) {
			best_d = dist;
			best = names[i];
		}
	}
	size_t len = strlen(word);
	size_t limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
	return best_d <= limit ? best : NULL;
}

static int S_index(const char *word, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (!strcmp(word, names[i]))
			return i;
	return -1;
}

/* ", did you mean 'x'?" or "" */
static char *S_did_you_mean(const char *word, const char *const *names)
{
	const char *sug = S_suggest(word, names);
	return sug ? xasprintf("; did you mean '%s'?", sug) : xstrdup("");
}

/*
 * Splits the attributes of an info string (after the language word) into
 * *out (caller frees each key/value and the array). Returns -1 on a
 * malformed token, with *bad_col set.
 */
static int S_split_attrs(const char *info, size_t start, struct S_attr **out,
			 size_t *nout, int *bad_col, const char **why)
{
	struct S_attr *v = NULL;
	size_t n = 0, cap = 0;
	const char *p = info + start;
	*why = NULL;
	for (;;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		int col = S_INFO_COL + (int)(p - info);
		const char *k = p;
		while (*p && (isalnum((unsigned char)*p) || *p == '-' || *p == '_'))
			p++;
		if (p == k || (*p && *p != '=' && !isspace((unsigned char)*p))) {
			*bad_col = col;
			*why = "malformed attribute (expected key, key=value or key=\"value\")";
			goto fail;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			v = xrealloc(v, cap * sizeof(*v));
		}
		struct S_attr *a = &v[n++];
		a->key = xstrndup(k, (size_t)(p - k));
		a->value = NULL;
		a->col = col;
		if (*p != '=')
			continue;
		p++;
		struct buf val = BUF_INIT;
		if (*p == '"' || *p == '\'') {
			char q = *p++;
			while (*p && *p != q) {
				if (*p == '\\' && (p[1] == q || p[1] == '\\'))
					p++;
				buf_putc(&val, *p++);
			}
			if (*p != q) {
				buf_release(&val);
				*bad_col = col;
				*why = "unterminated quoted value";
				goto fail;
			}
			p++;
			if (*p && !isspace((unsigned char)*p)) {
				buf_release(&val);
				*bad_col = col;
				*why = "missing space after a quoted value";
				goto fail;
			}
		} else {
			while (*p && !isspace((unsigned char)*p))
				buf_putc(&val, *p++);
		}
		a->value = buf_detach(&val);
	}
	*out = v;
	*nout = n;
	return 0;
fail:
	for (size_t i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].value);
	}
	free(v);
	*out = NULL;
	*nout = 0;
	return -1;
}

/* Parses a decimal integer in [lo, hi]; -1 if it is not one. */
static int S_parse_int(const char *s, long lo, long hi, int *out)
{
	char *end;
	if (!s || !*s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* "name>=1.2.3" with one of >=, <=, ==, >, <. */
static int S_valid_requires(const char *r)
{
	const char *p = r;
	if (!isalpha((unsigned char)*p))
		return 0;
	while (isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '+')
		p++;
	if (!strncmp(p, ">=", 2) || !strncmp(p, "<=", 2) || !strncmp(p, "==", 2))
		p += 2;
	else if (*p == '>' || *p == '<')
		p++;
	else
		return 0;
	if (!isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1])))
		p++;
	return *p == '\0';
}

static void S_need_value(struct S_parser *p, const struct S_attr *a)
{
	S_error(p, a->col, "attribute '%s' needs a value (%s=...)", a->key, a->key);
}

static void S_apply_normalize(struct S_parser *p, const struct S_attr *a)
{
	char *list = xstrdup(a->value);
	char *save = NULL;
	for (char *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		int i = S_index(w, S_norm_names);
		if (i < 0) {
			char *dym = S_did_you_mean(w, S_norm_names);
			S_error(p, a->col, "unknown normalize= item '%s'%s "
				"(known: addresses, pids, thread-ids, durations)", w, dym);
			free(dym);
			continue;
		}
		p->s->normalize |= 1u << i;
	}
	free(list);
}

static void S_apply_expect(struct S_parser *p, const struct S_attr *a)
{
	int i = S_index(a->value, S_expect_names);
	if (i >= 0) {
		p->s->expect = (enum snippet_expect)i;
		return;
	}
	char *dym = S_did_you_mean(a->value, S_expect_names);
	S_error(p, a->col, "bad value '%s' for expect%s "
		"(one of exact, sorted, contains, regex, any)", a->value, dym);
	free(dym);
}

static void S_apply_exit(struct S_parser *p, const struct S_attr *a)
{
	struct snippet *s = p->s;
	if (!strcmp(a->value, "timeout")) {
		s->exit_timeout = 1;
		return;
	}
	if (S_parse_int(a->value, 0, 255, &s->exit_code) < 0) {
		S_error(p, a->col, "bad value '%s' for exit "
			"(an exit status 0-255, or 'timeout')", a->value);
		return;
	}
	s->exit_explicit = 1;
}

static void S_apply_timeout(struct S_parser *p, const struct S_attr *a)
{
	char *end;
	errno = 0;
	double t = strtod(a->value, &end);
	if (errno || *end || end == a->value || !(t > 0) || t > 600) {
		S_error(p, a->col, "bad value '%s' for timeout "
			"(seconds, more than 0 and at most 600)", a->value);
		return;
	}
	p->s->timeout = t;
}

static void S_apply_tsan(struct S_parser *p, const struct S_attr *a)
{
	if (!a->value) {
		p->s->tsan = SNIPPET_TSAN_CLEAN;
	} else if (!strcmp(a->value, "race")) {
		p->s->tsan = SNIPPET_TSAN_RACE;
	} else {
		S_error(p, a->col, "bad value '%s' for tsan "
			"(bare 'tsan', or 'tsan=race')", a->value);
	}
}

static char **S_string_field(struct snippet *s, const char *key)
{
	if (!strcmp(key, "why"))
		return &s->why;
	if (!strcmp(key, "cflags"))
		return &s->cflags;
	if (!strcmp(key, "args"))
		return &s->args;
	if (!strcmp(key, "requires"))
		return &s->requires;
	if (!strcmp(key, "file"))
		return &s->file;
	return NULL;
}

static void S_apply(struct S_parser *p, const struct S_attr *a)
{
	struct snippet *s = p->s;
	int i = S_index(a->key, S_attr_names);
	if (i < 0) {
		char *dym = S_did_you_mean(a->key, S_attr_names);
		S_error(p, a->col, "unknown attribute '%s'%s", a->key, dym);
		free(dym);
		return;
	}
	if (p->seen[i]++) {
		S_error(p, a->col, "duplicate attribute '%s'", a->key);
		return;
	}
	int flag = !strcmp(a->key, "norun") || !strcmp(a->key, "compile");
	if (flag) {
		if (a->value)
			S_error(p, a->col, "attribute '%s' takes no value", a->key);
		else if (s->mode != SNIPPET_MODE_RUN)
			S_error(p, a->col, "'norun' and 'compile' exclude each other");
		else
			s->mode = a->key[0] == 'n' ? SNIPPET_MODE_NORUN
						   : SNIPPET_MODE_COMPILE;
		return;
	}
	if (!strcmp(a->key, "tsan")) {
		S_apply_tsan(p, a);
		return;
	}
	if (!a->value) {
		S_need_value(p, a);
		return;
	}
	char **field = S_string_field(s, a->key);
	if (field) {
		*field = xstrdup(a->value);
		if (!strcmp(a->key, "requires") && !S_valid_requires(a->value))
			S_error(p, a->col, "bad value '%s' for requires "
				"(e.g. requires=\"python>=3.13\")", a->value);
	} else if (!strcmp(a->key, "expect")) {
		S_apply_expect(p, a);
	} else if (!strcmp(a->key, "exit")) {
		S_apply_exit(p, a);
	} else if (!strcmp(a->key, "timeout")) {
		S_apply_timeout(p, a);
	} else if (!strcmp(a->key, "repeat")) {
		if (S_parse_int(a->value, 1, 100, &s->repeat) < 0)
			S_error(p, a->col, "bad value '%s' for repeat (1-100)", a->value);
	} else if (!strcmp(a->key, "normalize")) {
		S_apply_normalize(p, a);
	}
}

static const struct runner *S_find_runner(const struct config *cfg,
					  const char *lang)
{
	for (size_t i = 0; i < cfg->nrunners; i++)
		if (cfg->runners[i].name && !strcmp(cfg->runners[i].name, lang))
			return &cfg->runners[i];
	return NULL;
}

static int S_attr_col(const struct S_attr *v, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].key, key))
			return v[i].col;
	return 0;
}

/* "snippets/c/x.c" -> "snippets/c/x.out" */
static char *S_sidecar_path(const char *file)
{
	const char *slash = strrchr(file, '/');
	const char *dot = strrchr(file, '.');
	size_t stem = dot && (!slash || dot > slash + 1) ? (size_t)(dot - file)
							 : strlen(file);
	return xasprintf("%.*s.out", (int)stem, file);
}

static int S_is_blank(const char *s)
{
	for (; s && *s; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

/* file=: reads the source and the sidecar. */
static void S_load_file(struct S_parser *p, int col, const char *code,
			const char *output)
{
	struct snippet *s = p->s;
	char *norm = path_normalize(s->file);
	if (!norm || s->file[0] == '/' || strncmp(norm, "snippets/", 9) != 0) {
		S_error(p, col, "file '%s' is outside snippets/ "
			"(use a path like snippets/c/name.c)", s->file);
		free(norm);
		return;
	}
	free(s->file);
	s->file = norm;
	if (!S_is_blank(code))
		S_error(p, col, "the block of a file= snippet must be empty "
			"(its code is read from '%s')", s->file);
	if (read_file(s->file, &s->source, NULL) < 0) {
		S_error(p, col, "cannot read file '%s': %s", s->file, strerror(errno));
		s->source = NULL;
		return;
	}
	s->sidecar = S_sidecar_path(s->file);
	char *side = NULL;
	if (read_file(s->sidecar, &side, NULL) == 0) {
		if (output) {
			S_error(p, col, "expected output is both in '%s' and in "
				"an ```output block; keep one", s->sidecar);
			free(side);
		} else {
			s->expected = side;
		}
	} else if (errno != ENOENT) {
		S_error(p, col, "cannot read '%s': %s", s->sidecar, strerror(errno));
	}
}

/* Cross-attribute checks once every attribute is known. */
static void S_check(struct S_parser *p, const struct S_attr *v, size_t n)
{
	struct snippet *s = p->s;
	const struct runner *r = s->runner;
	int compiled = r->compile.n > 0 || r->tsan.n > 0;
	if (s->mode != SNIPPET_MODE_RUN && !s->why) {
		const char *k = s->mode == SNIPPET_MODE_NORUN ? "norun" : "compile";
		S_error(p, S_attr_col(v, n, k), "'%s' needs why=\"...\" to say "
			"why the snippet is not run", k);
	}
	if (s->tsan != SNIPPET_TSAN_OFF && !compiled)
		S_error(p, S_attr_col(v, n, "tsan"), "'tsan' needs a compiled "
			"language such as C; '%s' snippets are not compiled",
			s->lang);
	if (s->mode == SNIPPET_MODE_COMPILE && !compiled)
		S_error(p, S_attr_col(v, n, "compile"), "'compile' needs a compiled "
			"language such as C; '%s' snippets are not compiled "
			"(use norun)", s->lang);
	if (s->exit_timeout && s->exit_explicit)
		S_error(p, S_attr_col(v, n, "exit"), "exit=timeout and exit=N "
			"exclude each other");
}

struct snippet *snippet_parse(const char *entry_path, int line, int end_line,
			      const char *info, const char *code,
			      const char *output, int output_line,
			      int output_end_line, const struct config *cfg,
			      struct diags *d)
{
	size_t lang_len = 0;
	while (info[lang_len] && !isspace((unsigned char)info[lang_len]))
		lang_len++;
	char *lang = xstrndup(info, lang_len);
	const struct runner *r = S_find_runner(cfg, lang);
	if (!r) {
		free(lang);
		return NULL;
	}
	struct snippet *s = xcalloc(1, sizeof(*s));
	s->entry_path = xstrdup(entry_path);
	s->line = line;
	s->end_line = end_line;
	s->lang = lang;
	s->runner = r;
	s->info = xstrdup(info);
	s->timeout = 10;
	s->repeat = 1;
	if (output) {
		s->output_line = output_line;
		s->output_end_line = output_end_line;
	}

	struct S_parser p = { .s = s, .d = d };
	struct S_attr *attrs = NULL;
	size_t nattrs = 0;
	int bad_col = 0;
	const char *why = NULL;
	if (S_split_attrs(info, lang_len, &attrs, &nattrs, &bad_col, &why) < 0)
		S_error(&p, bad_col, "%s", why);
	for (size_t i = 0; i < nattrs; i++)
		S_apply(&p, &attrs[i]);
	S_check(&p, attrs, nattrs);

	if (s->file) {
		S_load_file(&p, S_attr_col(attrs, nattrs, "file"), code, output);
		if (!s->source) /* unreadable: keep the block, never NULL */
			s->source = xstrdup(code ? code : "");
		if (!s->expected && output)
			s->expected = xstrdup(output);
	} else {
		s->source = xstrdup(code ? code : "");
		s->expected = output ? xstrdup(output) : NULL;
	}
	for (size_t i = 0; i < nattrs; i++) {
		free(attrs[i].key);
		free(attrs[i].value);
	}
	free(attrs);
	return s;
}

void snippet_free(struct snippet *s)
{
	if (!s)
		return;
	free(s->entry_path);
	free(s->lang);
	free(s->info);
	free(s->source);
	free(s->expected);
	free(s->file);
	free(s->sidecar);
	free(s->why);
	free(s->cflags);
	free(s->args);
	free(s->requires);
	for (size_t i = 0; i < s->noutputs; i++) {
		free(s->outputs[i].when);
		free(s->outputs[i].text);
	}
	free(s->outputs);
	snippet_clear_results(s);
	free(s);
}

static void S_run_free(struct snippet_run *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

void snippet_clear_results(struct snippet *s)
{
	for (size_t i = 0; i < s->nresults; i++) {
		struct snippet_result *r = &s->results[i];
		free(r->label);
		free(r->version);
		free(r->verified_date);
		free(r->command);
		free(r->failure);
		S_run_free(&r->compile_step);
		for (size_t j = 0; j < r->nruns; j++)
			S_run_free(&r->runs[j]);
		free(r->runs);
	}
	free(s->results);
	s->results = NULL;
	s->nresults = 0;
	s->status = SNIPPET_PENDING;
	s->cached = 0;
	s->needs_record = 0;
	free(s->toolchain), s->toolchain = NULL;
	free(s->verified_date), s->verified_date = NULL;
	free(s->command), s->command = NULL;
	free(s->failure), s->failure = NULL;
}

int snippet_add_output(struct snippet *s, const char *info, const char *text,
		       int line, int end_line, struct diags *d)
{
	const char *p = info ? info : "";
	if (strncmp(p, "output", 6) || (p[6] && !isspace((unsigned char)p[6])))
		return 0;
	p += 6;
	while (isspace((unsigned char)*p))
		p++;
	size_t n = strlen(p);
	while (n && isspace((unsigned char)p[n - 1]))
		n--;
	if (!n)
		return 0;
	char *when = xstrndup(p, n);
	if (!S_valid_requires(when) || strncasecmp(when, s->lang, strlen(s->lang))) {
		diag_add(d, DIAG_ERROR, s->entry_path, line, S_INFO_COL + (int)(p - info),
			 "bad version for an output block: '%s' (e.g. ```output %s>=3.14, "
			 "with one of >=, <=, ==, >, <)", when, s->lang);
		free(when);
		s->invalid = 1;
		return -1;
	}
	s->outputs = xrealloc(s->outputs, (s->noutputs + 1) * sizeof(*s->outputs));
	s->outputs[s->noutputs++] = (struct snippet_output){
		when, xstrdup(text ? text : ""), line, end_line
	};
	return 1;
}

/* ---- getters and rendering ---- */

static int S_verified_kind(const struct snippet *s)
{
	return s->status == SNIPPET_PASSED;
}

const char *snippet_badge(const struct snippet *s)
{
	if (s->mode == SNIPPET_MODE_NORUN)
		return "display-only";
	switch (s->status) {
	case SNIPPET_FAILED: return "failed";
	case SNIPPET_SKIPPED: return "skipped";
	case SNIPPET_NOT_RUN: return "display-only";
	case SNIPPET_PENDING: return "unverified";
	case SNIPPET_PASSED: break;
	}
	if (s->mode == SNIPPET_MODE_COMPILE)
		return "compile-only";
	if (s->tsan == SNIPPET_TSAN_RACE)
		return "race demonstrated";
	if (s->exit_timeout)
		return "deadlock demonstrated";
	return "verified";
}

const char *snippet_badge_class(const struct snippet *s)
{
	const char *b = snippet_badge(s);
	if (!strcmp(b, "race demonstrated"))
		return "race";
	if (!strcmp(b, "deadlock demonstrated"))
		return "deadlock";
	return b;
}

const char *snippet_toolchain(const struct snippet *s)
{
	return s->toolchain;
}

const char *snippet_verified_date(const struct snippet *s)
{
	return S_verified_kind(s) ? s->verified_date : NULL;
}

/* The stdout of result r when it passed a run, else NULL. */
static const char *S_result_out(const struct snippet *s, const struct snippet_result *r)
{
	if (s->mode == SNIPPET_MODE_RUN && r->status == SNIPPET_PASSED &&
	    r->nruns && r->runs[0].out)
		return r->runs[0].out;
	return NULL;
}

const char *snippet_output(const struct snippet *s)
{
	if (s->status == SNIPPET_PASSED)
		for (size_t i = 0; i < s->nresults; i++)
			if (S_result_out(s, &s->results[i]))
				return S_result_out(s, &s->results[i]);
	return s->expected;
}

char *snippet_join_labels(const char *const *labels, size_t n, const char *sep)
{
	struct buf b = BUF_INIT;
	size_t w0 = n ? strcspn(labels[0], " ") : 0;
	for (size_t i = 0; i < n; i++) {
		const char *l = labels[i];
		if (i) {
			buf_puts(&b, sep);
			if (labels[0][w0] == ' ' && !strncmp(l, labels[0], w0 + 1))
				l += w0 + 1;
		}
		buf_puts(&b, l);
	}
	return buf_detach(&b);
}

char *snippet_versions(const struct snippet *s)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < s->nresults; i++) {
		const struct snippet_result *r = &s->results[i];
		if (r->status != SNIPPET_PASSED || !r->version)
			continue;
		if (b.len)
			buf_puts(&b, ", ");
		buf_puts(&b, r->version);
	}
	return buf_detach(&b);
}

/* Appends the labels of the results i for which pick(i) holds, joined. */
static void S_put_labels(struct buf *out, const struct snippet *s,
			 int (*pick)(const struct snippet *, size_t, const void *),
			 const void *arg)
{
	const char **v = xcalloc(s->nresults + 1, sizeof(*v));
	size_t n = 0;
	for (size_t i = 0; i < s->nresults; i++)
		if (pick(s, i, arg))
			v[n++] = s->results[i].label ? s->results[i].label
			       : s->results[i].tc && s->results[i].tc->name
			       ? s->results[i].tc->name : s->lang;
	char *j = snippet_join_labels(v, n, " \xc2\xb7 ");
	buf_put_html(out, j, strlen(j));
	free(j);
	free(v);
}

static int S_pick_missing(const struct snippet *s, size_t i, const void *arg)
{
	(void)arg;
	return !s->results[i].available;
}

static int S_pick_same_out(const struct snippet *s, size_t i, const void *arg)
{
	const char *o = S_result_out(s, &s->results[i]);
	return o && !strcmp(o, (const char *)arg);
}

/* The distinct outputs of the passed results, first seen first. */
static size_t S_distinct_outputs(const struct snippet *s, const char **v)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nresults; i++) {
		const char *o = S_result_out(s, &s->results[i]);
		int seen = !o;
		for (size_t j = 0; j < n && !seen; j++)
			seen = !strcmp(v[j], o);
		if (!seen)
			v[n++] = o;
	}
	return n;
}

void snippet_render_html(const struct snippet *s, const char *code_html,
			 struct buf *out)
{
	const char *badge = snippet_badge(s);
	const char *cls = snippet_badge_class(s);
	buf_puts(out, "<figure class=\"snippet snippet-");
	buf_put_html(out, cls, strlen(cls));
	buf_puts(out, "\" data-lang=\"");
	buf_put_html(out, s->lang, strlen(s->lang));
	buf_puts(out, "\">\n");
	buf_puts(out, code_html ? code_html : "");
	const char **outs = xcalloc(s->nresults + 1, sizeof(*outs));
	size_t nouts = s->status == SNIPPET_PASSED ? S_distinct_outputs(s, outs) : 0;
	const char *o = snippet_output(s);
	if (nouts > 1) {
		/* outputs differ by version: one labelled block each */
		buf_puts(out, "<div class=\"snippet-outputs\">\n");
		for (size_t i = 0; i < nouts; i++) {
			buf_puts(out, "<div class=\"snippet-variant\"><div class=\"snippet-variant-label\">");
			S_put_labels(out, s, S_pick_same_out, outs[i]);
			buf_puts(out, "</div><pre class=\"snippet-output\" tabindex=\"0\" aria-label=\"Output on ");
			S_put_labels(out, s, S_pick_same_out, outs[i]);
			buf_puts(out, "\"><code>");
			buf_put_html(out, outs[i], strlen(outs[i]));
			buf_puts(out, "</code></pre></div>\n");
		}
		buf_puts(out, "</div>\n");
	} else if (o && *o) {
		buf_puts(out, "<pre class=\"snippet-output\" tabindex=\"0\" aria-label=\"Output\"><code>");
		buf_put_html(out, o, strlen(o));
		buf_puts(out, "</code></pre>\n");
	}
	free(outs);
	buf_puts(out, "<figcaption class=\"snippet-meta\"><span class=\"badge badge-");
	buf_put_html(out, cls, strlen(cls));
	buf_puts(out, "\">");
	buf_put_html(out, badge, strlen(badge));
	buf_puts(out, "</span>");
	const char *tc = snippet_toolchain(s);
	if (tc && s->mode != SNIPPET_MODE_NORUN) {
		buf_puts(out, " <span class=\"snippet-toolchain\">");
		if (s->status == SNIPPET_PASSED && s->nresults > 1)
			buf_puts(out, "on ");
		buf_put_html(out, tc, strlen(tc));
		buf_puts(out, "</span>");
	}
	const char *date = snippet_verified_date(s);
	if (date) {
		buf_puts(out, " \xc2\xb7 <span class=\"snippet-date\">verified <time datetime=\"");
		buf_put_html(out, date, strlen(date));
		buf_puts(out, "\">");
		buf_put_html(out, date, strlen(date));
		buf_puts(out, "</time></span>");
	}
	size_t nmissing = 0;
	for (size_t i = 0; i < s->nresults; i++)
		nmissing += !s->results[i].available;
	if (nmissing && s->mode != SNIPPET_MODE_NORUN) {
		buf_puts(out, " \xc2\xb7 <span class=\"snippet-missing\">not run on ");
		S_put_labels(out, s, S_pick_missing, NULL);
		buf_puts(out, " (not available on the build machine)</span>");
	}
	buf_puts(out, "</figcaption>\n</figure>\n");
}

size_t snippet_list_skipped(struct snippet *const *v, size_t n, FILE *out)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++) {
		const struct snippet *s = v[i];
		const char *kind = NULL, *reason = NULL;
		if (s->mode == SNIPPET_MODE_NORUN)
			kind = "norun", reason = s->why;
		else if (s->mode == SNIPPET_MODE_COMPILE)
			kind = "compile", reason = s->why;
		else if (s->status == SNIPPET_SKIPPED)
			kind = "skipped", reason = s->failure;
		if (!kind)
			continue;
		fprintf(out, "%s:%d: %s: %s\n", s->entry_path, s->line, kind,
			reason ? reason : "(no reason given)");
		count++;
	}
	return count;
}
