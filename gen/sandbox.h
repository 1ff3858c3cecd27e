/*
 * sandbox.h - run one untrusted command (a snippet's compiler or the snippet
 * itself) with limits, and capture what it prints.
 *
 * The isolation is bubblewrap's (`bwrap`, Debian package bubblewrap, the
 * tool Flatpak uses): every run is a fresh set of user, PID, network,
 * mount, IPC, UTS and cgroup namespaces (--unshare-all, with no further
 * user namespaces allowed inside, --disable-userns), a new session (no
 * terminal to push input into), no capability, no_new_privs, and a root
 * filesystem built for the run. kb adds on top: a wall-clock limit after
 * which the whole process tree is killed, rlimits on CPU time, address
 * space, file size, open files and process count, a watch on the resident
 * memory of the tree, a scrubbed environment, stdout/stderr captured up to
 * a cap (the rest is read and discarded, so a chatty program never blocks,
 * and the result says so), and, when kb runs as root, an unprivileged uid.
 *
 * What a command sees (and nothing else):
 *
 *   /usr            its root's usr/, read-only: the host's /usr, or the
 *                   usr/ of `root` (e.g. a debootstrap'd Debian sid with
 *                   Python 3.13-3.15). /bin, /sbin, /lib, /lib64 (those
 *                   that exist) are symlinks into it: the root must be a
 *                   merged-/usr system, as Debian 12 and later are.
 *   /etc            only the root's ld.so.cache, ld.so.conf(.d),
 *                   alternatives (cc, c++...), localtime, os-release,
 *                   debian_version and python3* directories, read-only.
 *                   No passwd, group, shadow, hosts or resolv.conf.
 *   the working     `dir`, at its own path, read-write; the cwd, HOME and
 *   directory       TMPDIR of the command.
 *   /tmp, /dev/shm  private empty tmpfs, 64 MiB each, gone after the run.
 *   /proc           the PID namespace's own: the command's processes only.
 *   /dev            a minimal one: null, zero, full, random, urandom, tty,
 *                   a private pts.
 *
 * So a command cannot read the repository, the user's home (e.g. /root),
 * /etc/shadow or any other file outside the above; cannot see or signal
 * other processes (a kill() of a host pid fails with ESRCH); cannot write
 * outside its working directory and private tmpfs (EROFS or ENOENT).
 *
 * Network: the new network namespace has only a loopback interface that is
 * down: connecting anywhere fails, 127.0.0.1 and ::1 included
 * (ENETUNREACH); abstract and file-system unix sockets of the host are out
 * of reach (other namespace, private /tmp).
 *
 * Processes: bwrap's init is pid 1 of the PID namespace; when the command
 * exits (or at a limit, when kb kills bwrap and that init) the kernel
 * kills everything left in the namespace, including processes that left
 * the process group with setsid(); --die-with-parent ties it to kb.
 *
 * Identity, by the user kb runs as:
 *
 *   root (CI)   bwrap starts as a dedicated unprivileged uid/gid
 *               (SANDBOX_UID_BASE + the host pid of the run's first
 *               process, unique while the run lives, no supplementary
 *               groups), so RLIMIT_NPROC counts only this run's processes
 *               and threads, and after the run every process of that uid
 *               is killed. The working directory is chowned to that uid;
 *               files an earlier run made there belong to that run's uid
 *               and stay readable (umask 022), so a binary compiled in one
 *               run can be executed by the next.
 *   other user  bwrap starts in a user namespace of the run's own that
 *               maps kb's uid and gid onto themselves, so RLIMIT_NPROC
 *               counts only this run, not every process of kb's user.
 *
 * Where bwrap is missing or the kernel refuses unprivileged user
 * namespaces, sandbox_probe() says so in one line and every sandbox_run()
 * fails with that message: snippets never run unconfined.
 *
 * Interpreters: argv[0] is looked up inside the root, in the sandbox's
 * PATH (/usr/local/bin:/usr/bin:/bin unless env sets PATH), never in kb's
 * own PATH: on the host, "python3" is Debian's /usr/bin/python3 (package
 * python3), not a pyenv shim under /root, which the sandbox cannot see.
 * A runner may name /usr/bin/python3 outright.
 *
 * Memory: `memory` is RLIMIT_AS of each process. Sanitizers (TSan, ASan)
 * reserve terabytes of address space and cannot run under it: pass
 * memory = 0 for them. `resident` is independent of it: kb polls the
 * resident size of the run's whole process tree (every 100 ms, from
 * /proc) and kills the tree when the sum passes it, which also bounds
 * sanitizer runs without needing a memory cgroup.
 *
 * Cost: a run costs the start of bwrap and its namespaces, a few
 * milliseconds (see the sandbox commit's figures).
 *
 * Files: sandbox.c has this API and the run itself (the child of kb,
 * supervision: stdin, output caps, the wall-clock and resident limits,
 * killing the tree, reaping); sandbox_plan.c prepares what the command
 * sees (bwrap's arguments, /etc entries, the environment, argv[0] in the
 * root, the rlimits); sandbox_int.h is what they share.
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
				* (SIGKILL when kb killed it for a limit).
				* bwrap reports a signal as exit status
				* 128 + N, as shells do: an exit status of
				* 129-192 is reported as signal N too */
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
 * argv[0] without a '/' is looked up by kb, before the sandbox starts,
 * inside lim->root (the host's / when NULL) in the PATH of env when given
 * there, else /usr/local/bin:/usr/bin:/bin; symlinks resolve inside the
 * root. With a '/', a relative name is taken relative to dir, and an
 * absolute one must be in dir or in the root's /usr (or /bin, /lib...).
 * env is a NULL-terminated list of extra "KEY=value" entries (may be NULL);
 * they are added to, or replace, PATH, HOME, LANG and TMPDIR.
 * lim may be NULL for the defaults.
 * dir must be an absolute path to an existing directory, normally made by
 * sandbox_mkdtemp(); as root it is chowned to the run's uid.
 * Returns 0 when the command ran (whatever its outcome, see *res), -1 when
 * it could not be started (not found, not executable, sandbox setup
 * refused, bwrap missing), with a message in *errmsg (caller frees; errmsg
 * may be NULL).
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

/* As root, every folder above it must be searchable by other users
 * (as /tmp is), since the run's own uid has to reach it; a TMPDIR inside a
 * 0700 folder makes every run fail with "Permission denied".
 * Makes a fresh private (0700) directory under $TMPDIR or /tmp; the caller
 * frees the path and removes the directory with remove_tree(). NULL on
 * failure, with errno set. */
char *sandbox_mkdtemp(void);

/*
 * Checks once per process that bwrap is installed and can make a sandbox
 * (one trial run of `true`), and returns a one-line message (static
 * storage) when not, e.g. "bubblewrap is not installed ...: snippets
 * cannot run"; else NULL. sandbox_run() then fails with that message.
 */
const char *sandbox_probe(void);

/* What sandbox_probe() found, as SANDBOX_* bits: all of PID, NET, MOUNT,
 * IPC and one of USER or UID when bwrap works, 0 when it does not. */
enum {
	SANDBOX_PID = 1 << 0,     /* PID namespace: the whole tree dies with it */
	SANDBOX_NET = 1 << 1,     /* network namespace: no network */
	SANDBOX_MOUNT = 1 << 2,   /* only the root's /usr, read-only, and the
				   * working directory */
	SANDBOX_USER = 1 << 3,    /* a user namespace per run (kb is not root) */
	SANDBOX_UID = 1 << 4,     /* dedicated unprivileged uid (kb is root) */
	SANDBOX_IPC = 1 << 5      /* IPC namespace: private System V IPC */
};
unsigned sandbox_features(void);

#endif
