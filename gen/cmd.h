/*
 * cmd.h - the commands whose only job is to read their options and call
 * into the modules, one file each (cmd_build.c, cmd_check.c, cmd_new.c),
 * as git's builtin/ does. main.c's table lists every command. Each takes
 * the command's argv (argv[0] is the command name) and returns kb's exit
 * status: 0 success, 1 errors, 2 usage error.
 */
#ifndef KB_CMD_H
#define KB_CMD_H

int cmd_build(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_new(int argc, char **argv);

#endif
