/*
 * test_history.c - git history of entries and snippets (gen/history.c).
 *
 * Each test builds a throwaway repository in a temporary directory with the
 * git command line, with fixed author names and dates, and checks what
 * history_load() and history_changed_since() report about it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "history.h"

#define T0 1700000000L   /* 2023-11-14 */
#define DAY 86400L

/* ---- helpers ---- */

static void S_run(const char *fmt, ...) KB_PRINTF(1, 2);
static void S_run(const char *fmt, ...)
{
	struct buf cmd = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	buf_puts(&cmd, " >/dev/null");
	int rc = system(cmd.data);
	if (rc != 0)
		fprintf(stderr, "command failed (%d): %s\n", rc, cmd.data);
	buf_release(&cmd);
	assert_int_equal(rc, 0);
}

/* First line printed by a shell command; caller frees. */
static char *S_capture(const char *fmt, ...) KB_PRINTF(1, 2);
static char *S_capture(const char *fmt, ...)
{
	struct buf cmd = BUF_INIT;
	char line[256] = "";
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	FILE *p = popen(cmd.data, "r");
	assert_non_null(p);
	if (!fgets(line, sizeof(line), p))
		line[0] = '\0';
	pclose(p);
	buf_release(&cmd);
	line[strcspn(line, "\n")] = '\0';
	return xstrdup(line);
}

static void S_write(const char *dir, const char *rel, const char *text)
{
	char *path = path_join(dir, rel);
	assert_int_equal(write_file(path, text, strlen(text)), 0);
	free(path);
}

static void S_rm(const char *dir, const char *rel)
{
	char *path = path_join(dir, rel);
	assert_int_equal(remove(path), 0);
	free(path);
}

/* Runs `git ARGS` in dir as name <email> at the given unix time. */
static void S_git_as(const char *dir, const char *name, const char *email,
		     long when, const char *args)
{
	S_run("cd %s && GIT_AUTHOR_DATE='@%ld +0000' "
	      "GIT_COMMITTER_DATE='@%ld +0000' git -c user.name='%s' "
	      "-c user.email='%s' %s", dir, when, when, name, email, args);
}

/* Commits every change in dir's work tree as name at day d. */
static void S_commit(const char *dir, const char *name, long d,
		     const char *msg)
{
	char *email = xasprintf("%s@example.org", name);
	char *args = xasprintf("commit -q -m '%s'", msg);
	S_run("cd %s && git add -A", dir);
	S_git_as(dir, name, email, T0 + d * DAY, args);
	free(args);
	free(email);
}

static void S_init(const char *dir)
{
	S_run("git init -q -b main %s", dir);
}

static struct history *S_load(const char *dir, struct diags *d)
{
	struct history *h = NULL;
	assert_int_equal(history_load(&h, dir, d), 0);
	assert_non_null(h);
	return h;
}

static const struct file_history *S_get(const struct history *h,
					const char *path)
{
	const struct file_history *f = history_get(h, path);
	if (!f)
		fprintf(stderr, "no history for %s\n", path);
	assert_non_null(f);
	return f;
}

static int S_setup(void **state)
{
	char tmpl[] = "/tmp/kb-test-history-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	*state = xstrdup(tmpl);
	return 0;
}

static int S_teardown(void **state)
{
	remove_tree(*state);
	free(*state);
	return 0;
}

static int S_group_setup(void **state)
{
	(void)state;
	/* no user or system git configuration may change the results */
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
	return 0;
}

/* ---- tests ---- */

/* Dates, counts, contributors (most commits first, ties by name), the last
 * summary and the recent changes come from one walk; files outside
 * content/ and snippets/ are not tracked. */
static void test_history_basic(void **state)
{
	const char *dir = *state;
	struct diags d = DIAGS_INIT;

	S_init(dir);
	S_write(dir, "content/topics/a.md", "a1\n");
	S_commit(dir, "Ann", 1, "add a");
	S_write(dir, "content/topics/b.md", "b1\n");
	S_commit(dir, "Bob", 2, "add b");
	S_write(dir, "content/topics/a.md", "a2\n");
	S_commit(dir, "Carol", 3, "edit a");
	S_write(dir, "content/topics/a.md", "a3\n");
	S_commit(dir, "Bob", 4, "edit a again");
	S_write(dir, "content/topics/a.md", "a4\n");
	S_commit(dir, "Bob", 5, "polish a");
	S_write(dir, "gen/x.c", "int x;\n");
	S_commit(dir, "Dave", 6, "code");
	S_write(dir, "snippets/s.py", "print(1)\n");
	S_commit(dir, "Carol", 7, "add snippet");

	struct history *h = S_load(dir, &d);
	assert_int_equal(d.n, 0);

	const struct file_history *a = S_get(h, "content/topics/a.md");
	assert_int_equal(a->first_time, T0 + 1 * DAY);
	assert_int_equal(a->last_time, T0 + 5 * DAY);
	assert_int_equal(a->commits, 4);
	assert_string_equal(a->last_summary, "polish a");
	assert_int_equal(a->contributors.n, 3);
	assert_string_equal(a->contributors.items[0], "Bob");
	assert_string_equal(a->contributors.items[1], "Ann");
	assert_string_equal(a->contributors.items[2], "Carol");
	assert_false(a->uncommitted || a->dirty || a->first_unknown ||
		     a->last_unknown);

	const struct file_history *b = S_get(h, "content/topics/b.md");
	assert_int_equal(b->first_time, T0 + 2 * DAY);
	assert_int_equal(b->last_time, T0 + 2 * DAY);
	assert_int_equal(b->commits, 1);

	const struct file_history *s = S_get(h, "snippets/s.py");
	assert_int_equal(s->last_time, T0 + 7 * DAY);
	assert_string_equal(s->contributors.items[0], "Carol");
	assert_null(history_get(h, "gen/x.c"));
	assert_null(history_get(h, "content/topics/none.md"));

	const struct file_history *files;
	assert_int_equal(history_files(h, &files), 3);
	assert_string_equal(files[0].path, "content/topics/a.md");

	/* recent changes: content/ only, newest first */
	const struct history_change *r;
	size_t n = history_recent(h, &r);
	assert_int_equal(n, 5);
	char *oid = S_capture("git -C %s rev-parse HEAD~2", dir);
	assert_string_equal(r[0].oid, oid);
	assert_int_equal(strlen(r[0].short_oid), 7);
	assert_memory_equal(r[0].short_oid, oid, 7);
	assert_int_equal(r[0].time, T0 + 5 * DAY);
	assert_string_equal(r[0].author, "Bob");
	assert_string_equal(r[0].summary, "polish a");
	assert_string_equal(r[0].path, "content/topics/a.md");
	assert_int_equal(r[0].status, HISTORY_MODIFIED);
	assert_int_equal(r[4].status, HISTORY_ADDED);
	assert_int_equal(r[4].time, T0 + 1 * DAY);
	for (size_t i = 1; i < n; i++)
		assert_true(r[i - 1].time >= r[i].time);

	char *head = NULL, *want = S_capture("git -C %s rev-parse HEAD", dir);
	assert_int_equal(history_head(&head, dir), 0);
	assert_string_equal(head, want);
	assert_int_equal(history_is_repo(dir), 1);
	assert_int_equal(history_is_shallow(h), 0);

	free(head);
	free(want);
	free(oid);
	history_free(h);
	diag_release(&d);
}

/* A renamed file keeps its history, for plain and edited renames; a path
 * re-created after a rename starts afresh. */
static void test_history_renames(void **state)
{
	const char *dir = *state;
	struct diags d = DIAGS_INIT;
	static const char text[] =
		"# Threads\n\nline one\nline two\nline three\nline four\n"
		"line five\nline six\nline seven\nline eight\n";

	S_init(dir);
	S_write(dir, "content/topics/a.md", text);
	S_commit(dir, "Ann", 1, "add a");
	S_write(dir, "content/topics/a.md", "# Threads\n\nline zero\nline one\n"
		"line two\nline three\nline four\nline five\nline six\n"
		"line seven\nline eight\n");
	S_commit(dir, "Bob", 2, "edit a");
	S_run("cd %s && git mv content/topics/a.md content/topics/b.md", dir);
	S_commit(dir, "Carol", 3, "rename a to b");
	/* moved to another section and edited in the same commit */
	S_run("cd %s && mkdir content/languages && "
	      "git mv content/topics/b.md content/languages/c.md", dir);
	S_write(dir, "content/languages/c.md", "# Threads\n\nline zero\nline one\n"
		"line two\nline three\nline four\nline five\nline six\n"
		"line seven\nline eight, edited\n");
	S_commit(dir, "Dave", 4, "move b to c");
	S_write(dir, "content/topics/a.md", "a brand new file\n");
	S_commit(dir, "Eve", 5, "new a");

	struct history *h = S_load(dir, &d);
	const struct file_history *c = S_get(h, "content/languages/c.md");
	assert_int_equal(c->first_time, T0 + 1 * DAY);
	assert_int_equal(c->last_time, T0 + 4 * DAY);
	assert_int_equal(c->commits, 4);
	assert_int_equal(c->contributors.n, 4);

	const struct file_history *a = S_get(h, "content/topics/a.md");
	assert_int_equal(a->first_time, T0 + 5 * DAY);
	assert_int_equal(a->commits, 1);
	assert_string_equal(a->contributors.items[0], "Eve");
	assert_null(history_get(h, "content/topics/b.md"));

	const struct history_change *r;
	assert_int_equal(history_recent(h, &r), 5);
	assert_int_equal(r[1].status, HISTORY_RENAMED);
	assert_string_equal(r[1].path, "content/languages/c.md");
	assert_string_equal(r[1].old_path, "content/topics/b.md");
	assert_int_equal(r[2].status, HISTORY_RENAMED);
	assert_string_equal(r[2].path, "content/topics/b.md");
	assert_string_equal(r[2].old_path, "content/topics/a.md");

	history_free(h);
	diag_release(&d);
}

/* Moving a whole section (more files than edited renames are searched
 * among) keeps every file's history. */
static void test_history_directory_move(void **state)
{
	const char *dir = *state;
	struct diags d = DIAGS_INIT;

	S_init(dir);
	for (int i = 0; i < 250; i++) {
		char rel[64], text[64];
		snprintf(rel, sizeof(rel), "content/old/e%03d.md", i);
		snprintf(text, sizeof(text), "entry %d\n", i);
		S_write(dir, rel, text);
	}
	S_commit(dir, "Ann", 1, "add section");
	S_run("cd %s && git mv content/old content/new", dir);
	S_commit(dir, "Bob", 2, "rename section");

	struct history *h = S_load(dir, &d);
	const struct file_history *files;
	assert_int_equal(history_files(h, &files), 250);
	const struct file_history *f = S_get(h, "content/new/e123.md");
	assert_int_equal(f->first_time, T0 + DAY);
	assert_int_equal(f->last_time, T0 + 2 * DAY);
	assert_int_equal(f->commits, 2);

	history_free(h);
	diag_release(&d);
}

/* A deleted file has no history of its own but shows in recent changes; a
 * file re-added at the same path does not inherit the old one's dates. */
static void test_history_deletions(void **state)
{
	const char *dir = *state;
	struct diags d = DIAGS_INIT;

	S_init(dir);
	S_write(dir, "content/topics/a.md", "a\n");
	S_write(dir, "content/topics/b.md", "b\n");
	S_write(dir, "content/topics/gone.md", "gone\n");
	S_commit(dir, "Ann", 1, "add three");
	S_rm(dir, "content/topics/b.md");
	S_rm(dir, "content/topics/gone.md");
	S_commit(dir, "Bob", 2, "remove two");
	S_write(dir, "content/topics/b.md", "b is back, different\n");
	S_commit(dir, "Carol", 3, "b again");

	struct history *h = S_load(dir, &d);
	assert_null(history_get(h, "content/topics/gone.md"));
	const struct file_history *b = S_get(h, "content/topics/b.md");
	assert_int_equal(b->first_time, T0 + 3 * DAY);
	assert_int_equal(b->commits, 1);
	const struct file_history *a = S_get(h, "content/topics/a.md");
	assert_int_equal(a->commits, 1);
	assert_int_equal(a->last_time, T0 + 1 * DAY);

	const struct history_change *r;
	size_t n = history_recent(h, &r);
	assert_int_equal(n, 6);
	assert_int_equal(r[0].status, HISTORY_ADDED);
	assert_int_equal(r[1].status, HISTORY_DELETED);
	assert_int_equal(r[2].status, HISTORY_DELETED);
	assert_string_equal(r[1].path, "content/topics/b.md");
	assert_string_equal(r[2].path, "content/topics/gone.md");
	assert_string_equal(r[2].author, "Bob");

	history_free(h);
	diag_release(&d);
}

/* Changes made on both sides of a merge are counted once each, for the
 * commit that made them; the merge itself is credited only with what it
 * resolved. */
static void test_history_merge(void **state)
{
	const char *dir = *state;
	struct diags d = DIAGS_INIT;

	S_init(dir);
	S_write(dir, "content/topics/a.md", "a\n");
	S_write(dir, "content/topics/b.md", "b\n");
	S_write(dir, "content/topics/c.md", "c\n");
	S_commit(dir, "Ann", 1, "start");
	S_run("cd %s && git checkout -q -b feature", dir);
	S_write(dir, "content/topics/b.md", "b on feature\n");
	S_commit(dir, "Bob", 2, "feature edits b");
	S_write(dir, "content/topics/c.md", "c on feature\n");
	S_commit(dir, "Bob", 3, "feature edits c");
	S_run("cd %s && git checkout -q main", dir);
	S_write(dir, "content/topics/a.md", "a on main\n");
	S_commit(dir, "Carol", 4, "main edits a");
	S_write(dir, "content/topics/c.md", "c on main\n");
	S_commit(dir, "Carol", 5, "main edits c");
	/* c conflicts; the merge resolves it with new text */
	S_run("cd %s && (git -c user.name=Dave -c user.email=d@x merge -q "
	      "--no-ff feature 2>&1 || true)", dir);
	S_write(dir, "content/topics/c.md", "c merged\n");
	S_commit(dir, "Dave", 6, "Merge branch feature");
	char *merges = S_capture("git -C %s rev-list --count --merges HEAD", dir);
	assert_string_equal(merges, "1");
	free(merges);

	struct history *h = S_load(dir, &d);
	const struct file_history *a = S_get(h, "content/topics/a.md");
	assert_int_equal(a->commits, 2);
	assert_int_equal(a->last_time, T0 + 4 * DAY);
	assert_int_equal(a->contributors.n, 2);
	assert_false(strlist_contains(&a->contributors, "Dave"));

	const struct file_history *b = S_get(h, "content/topics/b.md");
	assert_int_equal(b->commits, 2);
	assert_int_equal(b->last_time, T0 + 2 * DAY);
	assert_string_equal(b->last_summary, "feature edits b");
	assert_true(strlist_contains(&b->contributors, "Bob"));
	assert_false(strlist_contains(&b->contributors, "Dave"));

	/* the conflict resolution is the merge's own change */
	const struct file_history *c = S_get(h, "content/topics/c.md");
	assert_int_equal(c->commits, 4);
	assert_int_equal(c->last_time, T0 + 6 * DAY);
	assert_string_equal(c->last_summary, "Merge branch feature");

	const struct history_change *r;
	size_t n = history_recent(h, &r);
	size_t by_dave = 0;
	for (size_t i = 0; i < n; i++)
		by_dave += strcmp(r[i].author, "Dave") == 0;
	assert_int_equal(by_dave, 1);
	assert_int_equal(n, 8);

	history_free(h);
	diag_release(&d);
}

/* .mailmap merges two identities of one person before counting. */
static void test_history_mailmap(void **state)
{
	const char *dir = *state;
	struct diags d = DIAGS_INIT;

	S_init(dir);
	S_write(dir, ".mailmap",
		"Ann Smith <ann@example.org> annie <annie@laptop>\n");
	S_write(dir, "content/a.md", "1\n");
	S_git_as(dir, "Ann Smith", "ann@example.org", T0, "add -A");
	S_git_as(dir, "Ann Smith", "ann@example.org", T0, "commit -q -m one");
	S_write(dir, "content/a.md", "2\n");
	S_run("cd %s && git add -A", dir);
	S_git_as(dir, "annie", "annie@laptop", T0 + DAY, "commit -q -m two");
	S_write(dir, "content/a.md", "3\n");
	S_run("cd %s && git add -A", dir);
	S_git_as(dir, "annie", "annie@laptop", T0 + 2 * DAY, "commit -q -m three");
	S_write(dir, "content/a.md", "4\n");
	S_commit(dir, "Bob", 3, "four");
	S_write(dir, "content/a.md", "5\n");
	S_commit(dir, "Bob", 4, "five");

	struct history *h = S_load(dir, &d);
	const struct file_history *a = S_get(h, "content/a.md");
	assert_int_equal(a->commits, 5);
	assert_int_equal(a->contributors.n, 2);
	assert_string_equal(a->contributors.items[0], "Ann Smith");
	assert_string_equal(a->contributors.items[1], "Bob");

	const struct history_change *r;
	size_t n = history_recent(h, &r);
	assert_int_equal(n, 5);
	assert_string_equal(r[2].author, "Ann Smith");

	history_free(h);
	diag_release(&d);
}

/* In a shallow clone, files the visible commits did not change have
 * unknown dates, never the date of the clone's boundary commit; one
 * warning says from when dates are unknown. */
static void test_history_shallow(void **state)
{
	const char *dir = *state;
	struct diags d = DIAGS_INIT;
	char *src = path_join(dir, "src"), *clone = path_join(dir, "clone");

	S_init(src);
	S_write(src, "content/a.md", "a\n");
	S_write(src, "content/b.md", "b\n");
	S_write(src, "content/c.md", "c\n");
	S_write(src, "snippets/s.py", "print(1)\n");
	S_commit(src, "Ann", 1, "start");
	S_write(src, "content/a.md", "a2\n");
	S_commit(src, "Bob", 2, "edit a");
	S_write(src, "content/b.md", "b2\n");
	S_commit(src, "Carol", 3, "edit b");     /* the boundary */
	S_write(src, "content/c.md", "c2\n");
	S_write(src, "content/d.md", "d\n");
	S_commit(src, "Dave", 4, "edit c, add d");
	S_run("git clone -q --depth 2 file://%s %s 2>/dev/null", src, clone);

	struct history *h = S_load(clone, &d);
	assert_int_equal(history_is_shallow(h), 1);
	assert_int_equal(d.warnings, 1);
	assert_int_equal(d.errors, 0);
	char *msg = diag_format(&d.items[0]);
	assert_non_null(strstr(msg, "shallow clone: dates before 2023-11-17 "
			       "are unknown"));
	free(msg);

	const char *unknown[] = { "content/a.md", "content/b.md",
				  "snippets/s.py" };
	for (size_t i = 0; i < 3; i++) {
		const struct file_history *f = S_get(h, unknown[i]);
		assert_int_equal(f->first_time, 0);
		assert_int_equal(f->last_time, 0);
		assert_int_equal(f->first_unknown, 1);
		assert_int_equal(f->last_unknown, 1);
		assert_int_equal(f->commits, 0);
		assert_int_equal(f->contributors.n, 0);
		assert_null(f->last_summary);
	}
	const struct file_history *c = S_get(h, "content/c.md");
	assert_int_equal(c->last_time, T0 + 4 * DAY);
	assert_int_equal(c->first_time, 0);
	assert_int_equal(c->first_unknown, 1);
	assert_int_equal(c->last_unknown, 0);
	assert_int_equal(c->commits, 1);
	const struct file_history *dd = S_get(h, "content/d.md");
	assert_int_equal(dd->first_time, T0 + 4 * DAY);
	assert_int_equal(dd->first_unknown, 0);

	/* nothing anywhere carries the boundary commit's date */
	const struct file_history *files;
	size_t n = history_files(h, &files);
	for (size_t i = 0; i < n; i++) {
		assert_int_not_equal(files[i].first_time, T0 + 3 * DAY);
		assert_int_not_equal(files[i].last_time, T0 + 3 * DAY);
	}
	const struct history_change *r;
	n = history_recent(h, &r);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(r[i].time, T0 + 4 * DAY);

	history_free(h);
	diag_release(&d);
	free(src);
	free(clone);
}

/* Files not in HEAD are flagged uncommitted; modified tracked files keep
 * their dates and are flagged dirty. */
static void test_history_dirty(void **state)
{
	const char *dir = *state;
	struct diags d = DIAGS_INIT;

	S_init(dir);
	S_write(dir, "content/a.md", "a\n");
	S_write(dir, "content/b.md", "b\n");
	S_commit(dir, "Ann", 1, "start");
	S_write(dir, "content/a.md", "a changed\n");
	S_write(dir, "content/new/c.md", "untracked\n");
	S_write(dir, "content/d.md", "staged only\n");
	S_run("cd %s && git add content/d.md", dir);
	S_write(dir, "notes.txt", "outside content\n");

	struct history *h = S_load(dir, &d);
	const struct file_history *a = S_get(h, "content/a.md");
	assert_int_equal(a->dirty, 1);
	assert_int_equal(a->uncommitted, 0);
	assert_int_equal(a->last_time, T0 + DAY);
	const struct file_history *b = S_get(h, "content/b.md");
	assert_int_equal(b->dirty, 0);
	assert_int_equal(b->uncommitted, 0);

	const char *fresh[] = { "content/new/c.md", "content/d.md" };
	for (size_t i = 0; i < 2; i++) {
		const struct file_history *f = S_get(h, fresh[i]);
		assert_int_equal(f->uncommitted, 1);
		assert_int_equal(f->commits, 0);
		assert_int_equal(f->last_time, 0);
		assert_int_equal(f->first_unknown, 0);
		assert_int_equal(f->last_unknown, 0);
	}
	assert_null(history_get(h, "notes.txt"));

	history_free(h);
	diag_release(&d);
}

/* A site in a subdirectory of a repository: paths are relative to the
 * site, and the repository's own content/ is not the site's. */
static void test_history_subdir(void **state)
{
	const char *dir = *state;
	struct diags d = DIAGS_INIT;
	struct strlist out = STRLIST_INIT;
	char *site = path_join(dir, "docs"), *err = NULL;

	S_init(dir);
	S_write(dir, "docs/content/a.md", "a\n");
	S_write(dir, "content/x.md", "not the site\n");
	S_commit(dir, "Ann", 1, "start");
	S_write(dir, "docs/content/a.md", "a2\n");
	S_commit(dir, "Bob", 2, "edit");
	S_write(dir, "docs/snippets/new.py", "pass\n");
	S_write(dir, "content/y.md", "not the site either\n");

	struct history *h = S_load(site, &d);
	const struct file_history *files;
	assert_int_equal(history_files(h, &files), 2);
	const struct file_history *a = S_get(h, "content/a.md");
	assert_int_equal(a->commits, 2);
	assert_int_equal(a->last_time, T0 + 2 * DAY);
	assert_int_equal(S_get(h, "snippets/new.py")->uncommitted, 1);
	assert_null(history_get(h, "content/x.md"));
	history_free(h);

	assert_int_equal(history_changed_since(&out, site, "HEAD~1", &err), 0);
	assert_int_equal(out.n, 2);
	assert_string_equal(out.items[0], "content/a.md");
	assert_string_equal(out.items[1], "snippets/new.py");
	strlist_release(&out);
	diag_release(&d);
	free(site);
}

/* Outside a repository, or before the first commit, the build gets an
 * empty history and a note, not an error. */
static void test_history_no_repo(void **state)
{
	const char *dir = *state;
	struct diags d = DIAGS_INIT;
	char *site = path_join(dir, "site"), *head = NULL, *err = NULL;
	struct strlist changed = STRLIST_INIT;

	S_write(site, "content/a.md", "a\n");
	struct history *h = S_load(site, &d);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.items[0].level, DIAG_NOTE);
	assert_non_null(strstr(d.items[0].msg, "not a git repository"));
	const struct file_history *files;
	assert_int_equal(history_files(h, &files), 0);
	assert_null(history_get(h, "content/a.md"));
	const struct history_change *r;
	assert_int_equal(history_recent(h, &r), 0);
	history_free(h);
	diag_release(&d);

	assert_int_equal(history_is_repo(site), 0);
	assert_int_equal(history_head(&head, site), -1);
	assert_null(head);
	assert_int_equal(history_changed_since(&changed, site, "HEAD", &err), -1);
	assert_non_null(strstr(err, "not a git repository"));
	free(err);

	/* a repository without commits */
	S_init(site);
	h = S_load(site, &d);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.items[0].level, DIAG_NOTE);
	assert_int_equal(history_files(h, &files), 0);
	assert_int_equal(history_is_repo(site), 1);
	assert_int_equal(history_head(&head, site), -1);
	history_free(h);
	diag_release(&d);
	free(site);
}

/* changed_since: everything that differs between the merge base of REF and
 * HEAD and the work tree, under content/ and snippets/ only. */
static void test_history_changed_since(void **state)
{
	const char *dir = *state;
	struct strlist out = STRLIST_INIT;
	char *err = NULL;

	S_init(dir);
	const char *names[] = { "content/a.md", "content/b.md", "content/c.md",
				"content/d.md", "content/e.md", "snippets/s.py",
				"README" };
	for (size_t i = 0; i < 7; i++)
		S_write(dir, names[i], names[i]);
	S_commit(dir, "Ann", 1, "start");
	S_run("cd %s && git tag v1 && git checkout -q -b other", dir);
	S_write(dir, "content/e.md", "changed on other only\n");
	S_commit(dir, "Bob", 2, "other edits e");
	S_run("cd %s && git checkout -q main", dir);
	S_write(dir, "content/a.md", "committed on main\n");
	S_commit(dir, "Ann", 3, "main edits a");
	S_write(dir, "content/b.md", "staged\n");
	S_run("cd %s && git add content/b.md", dir);
	S_write(dir, "snippets/s.py", "print('unstaged')\n");
	S_rm(dir, "content/d.md");
	S_write(dir, "content/f.md", "untracked\n");
	S_write(dir, "README", "not content\n");

	assert_int_equal(history_changed_since(&out, dir, "other", &err), 0);
	assert_null(err);
	const char *want[] = { "content/a.md", "content/b.md", "content/d.md",
			       "content/f.md", "snippets/s.py" };
	assert_int_equal(out.n, 5);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(out.items[i], want[i]);
	strlist_release(&out);

	assert_int_equal(history_changed_since(&out, dir, "v1", &err), 0);
	assert_int_equal(out.n, 5);
	strlist_release(&out);

	assert_int_equal(history_changed_since(&out, dir, "HEAD", &err), 0);
	assert_int_equal(out.n, 4);
	assert_false(strlist_contains(&out, "content/a.md"));
	strlist_release(&out);

	assert_int_equal(history_changed_since(&out, dir, "HEAD~1", &err), 0);
	assert_true(strlist_contains(&out, "content/a.md"));
	strlist_release(&out);

	assert_int_equal(history_changed_since(&out, dir, "nope", &err), -1);
	assert_string_equal(err, "unknown revision 'nope'");
	assert_int_equal(out.n, 0);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_history_basic, S_setup, S_teardown),
		cmocka_unit_test_setup_teardown(test_history_renames, S_setup, S_teardown),
		cmocka_unit_test_setup_teardown(test_history_directory_move, S_setup, S_teardown),
		cmocka_unit_test_setup_teardown(test_history_deletions, S_setup, S_teardown),
		cmocka_unit_test_setup_teardown(test_history_merge, S_setup, S_teardown),
		cmocka_unit_test_setup_teardown(test_history_mailmap, S_setup, S_teardown),
		cmocka_unit_test_setup_teardown(test_history_shallow, S_setup, S_teardown),
		cmocka_unit_test_setup_teardown(test_history_dirty, S_setup, S_teardown),
		cmocka_unit_test_setup_teardown(test_history_subdir, S_setup, S_teardown),
		cmocka_unit_test_setup_teardown(test_history_no_repo, S_setup, S_teardown),
		cmocka_unit_test_setup_teardown(test_history_changed_since, S_setup, S_teardown),
	};
	return cmocka_run_group_tests_name("history", tests, S_group_setup, NULL);
}
