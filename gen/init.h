/*
 * init.h - `kb init DIR`: start a new knowledge base.
 *
 * Copies the skeleton (a kb.lua with every setting commented, one entry
 * per section with one verified Python and one verified C example, a
 * .gitignore and a CONTRIBUTING.md) into DIR, which must be missing or
 * empty. The skeleton is the init/ folder next to the kb executable (a
 * source checkout), else KB_SHARE_DIR "/init" (installed by `make
 * install`), else $KB_INIT when set. The new knowledge base has no
 * templates/ of its own: kb uses the installed ones until the user copies
 * them in to change them.
 */
#ifndef KB_INIT_H
#define KB_INIT_H

/* Returns 0 on success, 1 when DIR cannot be used or written, 2 on usage
 * errors; messages go to stderr. */
int cmd_init(int argc, char **argv);

#endif
