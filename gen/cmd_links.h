/*
 * cmd_links.h - `kb links`: checks every external URL of the site (see
 * kb.1 and links.h).
 */
#ifndef KB_CMD_LINKS_H
#define KB_CMD_LINKS_H

/* Exit status: 0 every link is fine, 1 a link is broken (or the content
 * has errors), 2 usage error, 3 no network: nothing could be checked. */
int cmd_links(int argc, char **argv);

#endif
