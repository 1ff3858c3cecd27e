/*
 * fingerprint.h - the no-change check of `kb build`: a hash of everything
 * a build reads, stored in the site as .kb-fingerprint. When the stored
 * one matches, the site is up to date and kb build writes nothing.
 */
#ifndef KB_FINGERPRINT_H
#define KB_FINGERPRINT_H

#include "util.h"

#define FINGERPRINT_NAME ".kb-fingerprint"

/*
 * The hash, in hex, of the names, sizes and times of every file under
 * kb.lua, content/, snippets/ and templates (the folder the build reads
 * templates from), of kb's own version and executable, of
 * SOURCE_DATE_EPOCH and strict, and of git HEAD. Initialises libgit2 (on
 * a thread beside the walk); the caller shuts it down. Caller frees.
 */
char *fingerprint_compute(const char *templates, int strict);

/* 1 when the site in folder out was built from fingerprint fp. */
int fingerprint_matches(const char *out, const char *fp);

#endif
