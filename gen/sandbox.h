/*
 * sandbox.h - run one untrusted command (a snippet's compiler or the snippet
 * itself) with limits, and capture what it prints.
 *
 * Every run gets: the given working directory as cwd, a wall-clock limit
 * after which the whole process tree is killed, rlimits on CPU time,
 * address space, file size, open files and process count, a scrubbed
 * environment (PATH, HOME=cwd, LANG=C.UTF-8, TMPDIR=cwd and the variables
 * given), no network where the kernel allows a new network namespace, and
 * stdout/stderr captured up to a cap (the rest is read and discarded, so a
 * chatty program never blocks, and the result says so). Linux namespaces
 * are used where available (user, pid, net, mount, ipc); where the kernel
 * refuses one, sandbox_probe() reports it once and runs go on with what is
 * available.
 *
 * How the isolation is built, by the identity kb runs as:
 *
 *   root (CI)   The command runs in new PID, network, mount and IPC
 *               namespaces, as a dedicated unprivileged uid/gid
 *               (SANDBOX_UID_BASE + the host pid of the run's first
 *               process, unique while the run lives, no supplementary
 *               groups), so RLIMIT_NPROC counts only this run's processes
 *               and threads. The working directory is chowned to that uid;
 *               files an earlier run made there belong to that run's uid
 *               and stay readable (umask 022), so a binary compiled in one
 *               run can be executed by the next.
 *   other user  The same namespaces inside a new user namespace that maps
 *               kb's own uid and gid onto themselves; the command keeps no
 *               capability. RLIMIT_NPROC is counted per user namespace, so
 *               again only this run counts.
 *   neither     (namespaces refused) a plain child in its own process group
 *               and session; as root still under the dedicated uid.
 *
 * The first process of the PID namespace is a small init that starts the
 * command, reaps orphans and reports the command's status; when the
 * command exits (or at the time limit, when kb kills the init) the kernel
 * kills everything left in the namespace, including processes that left
 * the process group with setsid(). Without a PID namespace the init is a
 * child subreaper that kills what is left, the process group is killed,
 * and as root every process of the run's uid is killed.
 *
 * Filesystem: in the private mount namespace the whole tree is remounted
 * read-only and nosuid, except the working directory; /dev/shm is a fresh
 * private tmpfs (POSIX semaphores, multiprocessing) and /proc is the PID
 * namespace's own. So a write outside the working directory fails (EROFS),
 * even to /tmp. As root, directories on the way to the command or to the
 * working directory that the sandbox uid cannot search (e.g. /root, mode
 * 0700, when python3 is a pyenv shim /root/.pyenv/shims/python3) are
 * covered by an empty tmpfs into which only the needed entry is bound
 * (read-only), so the rest of /root stays hidden. (A pyenv shim then costs
 * about 80 ms per run, the time pyenv takes to pick the interpreter.)
 * Without a mount namespace nothing can be covered: a runner must then name
 * an interpreter that every user can reach (e.g. /usr/bin/python3), and
 * sandbox_run() fails with "Permission denied" otherwise.
 *
 * Network: the new network namespace has only a loopback interface that is
 * down: connecting anywhere, 127.0.0.1 included, fails with ENETUNREACH.
 *
 * Memory: `memory` is RLIMIT_AS of each process. Sanitizers (TSan, ASan)
 * reserve terabytes of address space and cannot run under it: pass
 * memory = 0 for them. `resident` is independent of it: kb polls the
 * resident size of the run's whole process tree (every 100 ms, from
 * /proc) and kills the tree when the sum passes it, which also bounds
 * sanitizer runs without needing a memory cgroup.
 */
#ifndef KB_SANDBOX_H
#define KB_SANDBOX_H

#include <stddef.h>

/* First uid/gid of the range used for runs started by root. */
#define SANDBOX_UID_BASE 0x6b620000u

struct sandbox_limits {
	double timeout;        /* wall-clock seconds (default 10; <= 0: 10) */
	double cpu;            /* CPU seconds of each process, RLIMIT_CPU
				* (default, or when <= 0: timeout + 1) */
	size_t memory;         /* bytes of address space of each process,
				* RLIMIT_AS (default 4 GiB: every thread
				* reserves an 8 MiB stack and every malloc
				* arena 64 MiB); 0 = no limit, for sanitizers */
	size_t resident;       /* bytes of resident memory of the whole tree,
				* polled (default 2 GiB); 0 = not watched */
	size_t file_size;      /* bytes, RLIMIT_FSIZE (default 16 MiB) */
	int open_files;        /* RLIMIT_NOFILE (default 256) */
	int processes;         /* RLIMIT_NPROC: processes *and threads* of the
				* run (default 256) */
	size_t output_cap;     /* bytes kept of stdout and of stderr (default 64 KiB) */
	const char *root;      /* root filesystem the command sees, read-only
				* (a directory holding usr/, such as a
				* debootstrap'd Debian); NULL: the host's */
};
/* Fills in the defaults above. */
void sandbox_limits_default(struct sandbox_limits *lim);

struct sandbox_result {
	int exited;            /* 1 if it exited normally */
	int status;            /* exit status when exited */
	int signal;            /* terminating signal when killed, else 0
				* (SIGKILL when kb killed it for a limit) */
	int timed_out;         /* 1 if the wall-clock limit killed it */
	int memory_exceeded;   /* 1 if the `resident` limit killed it */
	char *out;             /* captured stdout, NUL-terminated; owned */
	size_t out_len;
	int out_truncated;     /* 1 if stdout went past the cap */
	char *err;             /* captured stderr; owned */
	size_t err_len;
	int err_truncated;
	double wall;           /* seconds from start to end */
	double cpu;            /* user+system CPU seconds of the tree */
};

/*
 * Runs argv[0] with argv in dir, feeding stdin_data (may be NULL when
 * stdin_len is 0; the command then reads end of file).
 * argv[0] without a '/' is looked up in PATH (the PATH of env when given
 * there, else kb's own, else /usr/local/bin:/usr/bin:/bin) by kb before the
 * sandbox starts; with a '/' a relative name is taken relative to dir.
 * env is a NULL-terminated list of extra "KEY=value" entries (may be NULL);
 * they are added to, or replace, PATH, HOME, LANG and TMPDIR.
 * lim may be NULL for the defaults.
 * dir must be an absolute path to an existing directory, normally made by
 * sandbox_mkdtemp(); as root it is chowned to the run's uid.
 * Returns 0 when the command ran (whatever its outcome, see *res), -1 when
 * it could not be started (not found, not executable, sandbox setup
 * refused), with a message in *errmsg (caller frees; errmsg may be NULL).
 * *res is always initialised; release it with sandbox_result_release().
 * Thread-safe: runs may go on in parallel from several threads. The calling
 * thread's SIGPIPE is blocked during the call (a command that does not read
 * its input cannot kill kb). kb must not reap children it did not start
 * with waitpid(-1, ...) while runs are going on.
 */
int sandbox_run(const char *const *argv, const char *dir,
		const char *const *env, const char *stdin_data, size_t stdin_len,
		const struct sandbox_limits *lim, struct sandbox_result *res,
		char **errmsg);
/* Frees out and err; the struct itself belongs to the caller. */
void sandbox_result_release(struct sandbox_result *res);

/* Makes a fresh private (0700) directory under $TMPDIR or /tmp; the caller
 * frees the path and removes the directory with remove_tree(). NULL on
 * failure, with errno set. */
char *sandbox_mkdtemp(void);

/*
 * Checks once per process which isolation the kernel grants, and returns a
 * human-readable warning (static storage) when something is missing (e.g.
 * "no network namespace: snippets can reach the network"), else NULL.
 */
const char *sandbox_probe(void);

/* What sandbox_probe() found, as SANDBOX_* bits. */
enum {
	SANDBOX_PID = 1 << 0,     /* PID namespace: the whole tree dies with it */
	SANDBOX_NET = 1 << 1,     /* network namespace: no network */
	SANDBOX_MOUNT = 1 << 2,   /* read-only filesystem except the work dir */
	SANDBOX_USER = 1 << 3,    /* user namespace (kb is not root) */
	SANDBOX_UID = 1 << 4,     /* dedicated unprivileged uid (kb is root) */
	SANDBOX_IPC = 1 << 5      /* IPC namespace: private System V IPC */
};
unsigned sandbox_features(void);

#endif
