/*
 * shard.h - `kb check --shard I/N`: split the snippets across N CI jobs.
 *
 * A snippet's shard is a hash of what it is (its language, info string and
 * source), not of where it stands, so it stays in its shard when entries
 * are added, moved or renamed, and every shard can share the
 * content-addressed cache of verified results. Each snippet falls in
 * exactly one shard; the union of shards 1..N is the full check. The
 * checks of entries themselves (front matter, links) are cheap and run in
 * every shard.
 *
 * `kb check --merge-junit OUT FILE...` combines the shards' JUnit reports
 * into one: every file's <testsuite> elements, in the order given, under
 * one <testsuites> whose counts are the sums.
 */
#ifndef KB_SHARD_H
#define KB_SHARD_H

#include <stddef.h>

#include "snippet.h"
#include "util.h"

/* Parses "I/N" (1 <= I <= N <= 1024). Returns 0, or -1 when malformed. */
int shard_parse(const char *spec, unsigned *i, unsigned *n);

/* The shard (1..n) the snippet belongs to. */
unsigned shard_of(const struct snippet *s, unsigned n);

/* Keeps, in order, the snippets of v that belong to shard i of n; returns
 * how many are left. The array is v's own; the snippets are not freed. */
size_t shard_filter(struct snippet **v, size_t n, unsigned i, unsigned of);

/* Writes to out the JUnit reports at paths[0..n) merged into one. Returns
 * 0, or -1 with an error in d (a missing file, or one with no
 * <testsuite>). */
int shard_merge_junit(const char *out, char *const *paths, size_t n,
		      struct diags *d);

#endif
