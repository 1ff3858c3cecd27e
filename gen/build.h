/*
 * build.h - the pipeline behind `kb build` and `kb check`:
 *
 *   load (load.c) -> parse (markdown.c) -> link (markdown.c)
 *   -> verify (verify.c) -> enrich (enrich.c, history.c)
 *   -> render (markdown.c, highlight.c, render.c)
 *   -> write (output.c) + index (search.c)
 *
 * Every stage adds its problems to one struct diags; they are printed
 * together, sorted by file and line, before kb exits.
 */
#ifndef KB_BUILD_H
#define KB_BUILD_H

int cmd_build(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_new(int argc, char **argv);

/*
 * Runs `kb build --out OUT --jobs JOBS` (JOBS < 1: one per core) in the
 * current folder, as a function: diagnostics go to stderr as kb build
 * prints them, and the previous OUT is left as it was on any error.
 * Returns kb build's exit status: 0 built (or already up to date), 1
 * errors. When errors is not NULL, *errors receives every diagnostic as
 * printed, one "file:line:col: error: msg" per line (caller frees), or
 * NULL when there were none.
 */
int build_site(const char *out, int jobs, char **errors);

#endif
