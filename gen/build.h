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

#endif
