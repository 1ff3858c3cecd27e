/*
 * version.h - kb's version, printed by `kb --version` and part of every
 * site's fingerprint.
 */
#ifndef KB_VERSION_H
#define KB_VERSION_H

#define KB_VERSION "0.1.0"

/* KB_VERSION, for code that links against it (fingerprint.c defines it). */
const char *kb_version(void);

#endif
