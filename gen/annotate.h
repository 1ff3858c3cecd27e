/*
 * annotate.h - diagnostics in the formats CI systems show on a pull
 * request, for `kb check --format github|gitlab`.
 *
 *   github   one workflow command a message, which GitHub Actions turns
 *            into an annotation on the file's line:
 *                ::error file=content/x.md,line=3,col=7::unknown key 'tittle'
 *            errors as ::error, warnings as ::warning, notes as ::notice;
 *            detail lines (a diff, the command) follow the headline in the
 *            same annotation. '%', CR and LF are escaped as %25, %0D, %0A,
 *            and ',' and ':' in the file name as %2C, %3A, as GitHub's
 *            runner expects.
 *   gitlab   a GitLab Code Quality report: one JSON array of
 *            {description, check_name, fingerprint, severity,
 *            location: {path, lines: {begin}}}, errors "major", warnings
 *            "minor", notes "info"; fingerprint is a stable hash of file,
 *            line and message, so GitLab can tell new findings from old.
 *            Messages about no file are left out (GitLab needs a path).
 *
 * Both sort d first, as diag_print() does.
 */
#ifndef KB_ANNOTATE_H
#define KB_ANNOTATE_H

#include <stdio.h>

#include "util.h"

enum annotate_format { ANNOTATE_TEXT, ANNOTATE_GITHUB, ANNOTATE_GITLAB };

/* "text", "github" or "gitlab" to its format; -1 for other names. */
int annotate_parse(const char *name);

/* Appends every message of d to out in the given format (ANNOTATE_TEXT:
 * as diag_print() prints them). */
void annotate_write(struct diags *d, enum annotate_format f, struct buf *out);

/* annotate_write() to a stream. */
void annotate_print(struct diags *d, enum annotate_format f, FILE *stream);

#endif
