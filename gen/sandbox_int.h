/*
 * sandbox_int.h - what the files of the sandbox share (sandbox.c runs and
 * supervises, sandbox_plan.c prepares what the command sees); not for use
 * outside them. See sandbox.h.
 */
#ifndef KB_SANDBOX_INT_H
#define KB_SANDBOX_INT_H

#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "sandbox.h"
#include "util.h"

#define SB_MAX_FDS 32         /* descriptors handed to bwrap to bind */
#define SB_MAX_LIMITS 8
#define SB_FIRST_FD 4         /* 0-2 stdio, 3 the status pipe */

/* Everything the child of kb needs, prepared before clone(). */
struct sb_child {
	int root_mode;          /* kb is root: take a dedicated uid */
	const char *bwrap;
	char *const *argv;      /* bwrap's arguments */
	char *const *envp;
	int fds[SB_MAX_FDS];    /* become SB_FIRST_FD... in the child */
	size_t nfds;
	int dir_fd;             /* index in fds of the working directory */
	char uid_map[32], gid_map[32];
	struct { int res; struct rlimit rl; } limits[SB_MAX_LIMITS];
	size_t nlimits;
	int in_r, out_w, err_w, st_w;
};

struct sb_stream {
	int fd;
	struct buf b;
	size_t cap;
	int truncated;
};

struct sb_run {
	struct sandbox_limits lim;
	struct sb_child c;
	struct strlist env, args;
	char *exe;          /* the command as the sandbox sees it */
	int rootfd;
	int in_w, out_r, err_r, st_r;
	pid_t init;         /* bwrap */
	pid_t nsinit;       /* bwrap's init, pid 1 of the PID namespace */
	uid_t uid;
	struct sb_stream out, err;
	const char *stdin_data;
	size_t stdin_len, stdin_off;
	struct buf status;  /* what bwrap wrote on the status pipe */
	int got_exit, exit_code;
	int killed;
	int reaped, init_status;
	struct rusage ru;
	char *scratch;
};

/* Checks argv and dir, opens the root, and fills r's environment, the
 * command as the sandbox sees it (r->exe), bwrap's arguments with the
 * descriptors they name, and the rlimits; 0, or -1 with a message in *why
 * (caller frees). sandbox_plan.c. */
int sb_plan(struct sb_run *r, const char *const *argv, const char *dir,
	    const char *const *env, char **why);

#endif
