/*
 * sandbox.c - see sandbox.h for what a run gets.
 *
 * Processes of one run:
 *
 *   kb thread in sandbox_run()   feeds stdin, drains stdout/stderr, enforces
 *     |                          the wall-clock and resident limits, reaps
 *     +- init                    pid 1 of the new PID namespace when there is
 *          |                     one: sets up the mounts, starts the command,
 *          |                     reaps orphans, reports the command's wait
 *          |                     status on the report pipe, then exits (and
 *          |                     the kernel kills what is left)
 *          +- command            rlimits, unprivileged uid, no capability,
 *                                no_new_privs, then execve()
 *
 * init and the command are made with the raw clone(2) system call, which
 * behaves as fork() without glibc's fork handlers. kb is multithreaded, so
 * until execve() the children only make system calls: no malloc, no stdio,
 * and no glibc setuid()/setgroups(), which would try to signal kb's other
 * threads (they do not exist in the child) and hang.
 *
 * Report pipe protocol: fixed-size struct S_msg records (atomic, smaller
 * than PIPE_BUF), written by init and by the command before execve (the
 * descriptor is close-on-exec, so the snippet never holds it). Its end of
 * file tells kb that init has exited.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define S_DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"
#define S_MAX_COVERS 16
#define S_MAX_LIMITS 8
#define S_WATCH_INTERVAL 0.1  /* seconds between resident-memory checks */
#define S_SCRATCH (256 * 1024)

enum { S_MODE_PLAIN, S_MODE_ROOT, S_MODE_USERNS };

/* Records on the report pipe. */
enum { S_MSG_SETUP = 1, S_MSG_EXEC, S_MSG_STARTED, S_MSG_EXIT };
struct S_msg {
	int kind;
	int a; /* SETUP: step; STARTED: command pid; EXIT: wait status */
	int b; /* SETUP, EXEC: errno */
};

/* Setup steps, named in error messages. */
enum {
	S_STEP_PRIVATE, S_STEP_COVER, S_STEP_BIND, S_STEP_RDONLY, S_STEP_RW,
	S_STEP_FORK, S_STEP_CHDIR, S_STEP_RLIMIT, S_STEP_SETGROUPS,
	S_STEP_SETGID, S_STEP_SETUID, S_STEP_CAPS, S_STEP_NNP, S_STEP_COUNT
};
static const char *const S_step_names[S_STEP_COUNT] = {
	"make mounts private", "cover an unsearchable directory",
	"bind the working directory", "remount read-only",
	"make the working directory writable", "fork", "chdir", "setrlimit",
	"setgroups", "setgid", "setuid", "drop capabilities", "no_new_privs",
};

/* An unsearchable directory covered with a tmpfs into which one of its
 * entries is bound back (see sandbox.h). */
struct S_cover {
	char *dir;  /* owned */
	char *path; /* dir/name; owned */
	int is_dir;
};

/* Everything init and the command need, prepared before clone(). */
struct S_child {
	int mode;
	int ns;                 /* CLONE_NEW* flags of the run */
	const char *exe;        /* resolved path of argv[0] */
	char *const *argv;
	char *const *envp;
	const char *dir;
	struct S_cover covers[S_MAX_COVERS];
	size_t ncovers;
	struct { int res; struct rlimit rl; } limits[S_MAX_LIMITS];
	size_t nlimits;
	int in_r, out_w, err_w, rep_w, sync_r;
};

/* ---- probe ---- */

static pthread_once_t S_once = PTHREAD_ONCE_INIT;
static int S_mode;
static int S_nsflags;
static unsigned S_feat;
static char S_warning[640];

static pid_t S_clone(int flags)
{
	return (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD,
			      NULL, NULL, NULL, NULL);
}

static int S_setattr(const char *path, unsigned flags, uint64_t set,
		     uint64_t clr)
{
	struct mount_attr a;
	memset(&a, 0, sizeof a);
	a.attr_set = set;
	a.attr_clr = clr;
	return (int)syscall(SYS_mount_setattr, AT_FDCWD, path, flags, &a,
			    sizeof a);
}

/* Can a child get these namespaces (and, with a mount namespace, make the
 * tree private and read-only)? 0 if so, -1 if not. */
static int S_try(int flags)
{
	pid_t pid = S_clone(flags);
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if ((flags & CLONE_NEWNS) &&
		    (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		     S_setattr("/", AT_RECURSIVE, MOUNT_ATTR_RDONLY, 0) < 0))
			_exit(1);
		_exit(0);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static void S_warn(const char *msg)
{
	size_t len = strlen(S_warning);
	snprintf(S_warning + len, sizeof S_warning - len, "%s%s",
		 len ? "; " : "", msg);
}

static void S_probe_once(void)
{
	static const int wanted[] = { CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWNS,
				      CLONE_NEWIPC };
	int all = CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC;
	int root = geteuid() == 0;
	int base = root ? 0 : CLONE_NEWUSER;
	int flags = 0;

	if (!root && S_try(CLONE_NEWUSER) < 0)
		base = -1;
	if (base >= 0 && S_try(base | all) == 0) {
		flags = all;
	} else if (base >= 0) {
		for (size_t i = 0; i < sizeof wanted / sizeof *wanted; i++)
			if (S_try(base | wanted[i]) == 0)
				flags |= wanted[i];
	}
	S_mode = root ? S_MODE_ROOT : base >= 0 ? S_MODE_USERNS : S_MODE_PLAIN;
	S_nsflags = flags | (S_mode == S_MODE_USERNS ? CLONE_NEWUSER : 0);
	S_feat = (flags & CLONE_NEWPID ? SANDBOX_PID : 0) |
		 (flags & CLONE_NEWNET ? SANDBOX_NET : 0) |
		 (flags & CLONE_NEWNS ? SANDBOX_MOUNT : 0) |
		 (flags & CLONE_NEWIPC ? SANDBOX_IPC : 0) |
		 (S_mode == S_MODE_USERNS ? SANDBOX_USER : 0) |
		 (S_mode == S_MODE_ROOT ? SANDBOX_UID : 0);

	if (S_mode == S_MODE_PLAIN)
		S_warn("no user namespace: snippets run as kb's own user, "
		       "and the process limit counts all of its processes");
	if (!(flags & CLONE_NEWNET))
		S_warn("no network namespace: snippets can reach the network");
	if (!(flags & CLONE_NEWPID))
		S_warn(root ? "no PID namespace: leftover processes are "
			      "killed by process group and by uid"
			    : "no PID namespace: if kb itself is killed, a "
			      "snippet's background processes may outlive it");
	if (!(flags & CLONE_NEWNS))
		S_warn("no private read-only filesystem: snippets can write "
		       "wherever their user can, /tmp included");
}

const char *sandbox_probe(void)
{
	pthread_once(&S_once, S_probe_once);
	return S_warning[0] ? S_warning : NULL;
}

unsigned sandbox_features(void)
{
	pthread_once(&S_once, S_probe_once);
	return S_feat;
}

void sandbox_limits_default(struct sandbox_limits *lim)
{
	lim->timeout = 10;
	lim->cpu = 11;
	lim->memory = (size_t)4 << 30;
	lim->resident = (size_t)2 << 30;
	lim->file_size = (size_t)16 << 20;
	lim->open_files = 256;
	lim->processes = 256;
	lim->output_cap = 64 * 1024;
}

char *sandbox_mkdtemp(void)
{
	const char *t = getenv("TMPDIR");
	if (!t || t[0] != '/')
		t = "/tmp";
	char *tmpl = xasprintf("%s/kb-sandbox-XXXXXX", t);
	if (!mkdtemp(tmpl)) {
		int e = errno;
		free(tmpl);
		errno = e;
		return NULL;
	}
	return tmpl;
}

void sandbox_result_release(struct sandbox_result *res)
{
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
	res->out_len = res->err_len = 0;
}

/* ---- in the children: system calls only (see the top of the file) ---- */

static void S_send(int fd, int kind, int a, int b)
{
	struct S_msg m = { kind, a, b };
	while (write(fd, &m, sizeof m) < 0 && errno == EINTR)
		;
}

/* Reports a failed setup step on the report pipe (fd 3) and exits. */
static _Noreturn void S_die(int step)
{
	S_send(3, S_MSG_SETUP, step, errno);
	_exit(127);
}

static void S_reset_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			(void)sigaction(s, &sa, NULL);
	sigset_t none;
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Writes "/proc/self/fd/N" into out (at least 32 bytes). */
static void S_fd_path(char *out, int fd)
{
	static const char pre[] = "/proc/self/fd/";
	char digits[16];
	int n = 0;
	do {
		digits[n++] = (char)('0' + fd % 10);
		fd /= 10;
	} while (fd && n < 15);
	memcpy(out, pre, sizeof pre - 1);
	for (int i = 0; i < n; i++)
		out[sizeof pre - 1 + (size_t)i] = digits[n - 1 - i];
	out[sizeof pre - 1 + (size_t)n] = '\0';
}

/* stdin, stdout, stderr on 0-2, the report pipe on 3 and the sync pipe on
 * 4 (both close-on-exec); every other descriptor closed, including pipes of
 * runs that other threads of kb have going on. */
static void S_child_fds(const struct S_child *c)
{
	int src[5] = { c->in_r, c->out_w, c->err_w, c->rep_w, c->sync_r };
	int tmp[5];
	for (int i = 0; i < 5; i++)
		if ((tmp[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 5)) < 0)
			_exit(127);
	for (int i = 0; i < 5; i++)
		if (dup3(tmp[i], i, i >= 3 ? O_CLOEXEC : 0) < 0)
			_exit(127);
	if (close_range(5, ~0U, 0) < 0)
		for (int fd = 5; fd < 65536; fd++)
			(void)close(fd);
}

static int S_read_full(int fd, void *p, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)p + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* Covers each unsearchable directory with a tmpfs and binds back the
 * entries that must stay reachable; covers are sorted by directory. */
static void S_apply_covers(const struct S_child *c)
{
	size_t i = 0;
	while (i < c->ncovers) {
		int fds[S_MAX_COVERS];
		size_t j = i;
		for (; j < c->ncovers &&
		       strcmp(c->covers[j].dir, c->covers[i].dir) == 0; j++)
			if ((fds[j] = open(c->covers[j].path,
					   O_PATH | O_CLOEXEC)) < 0)
				S_die(S_STEP_COVER);
		if (mount("tmpfs", c->covers[i].dir, "tmpfs",
			  MS_NOSUID | MS_NODEV, "mode=755,size=64k") < 0)
			S_die(S_STEP_COVER);
		for (size_t k = i; k < j; k++) {
			const char *p = c->covers[k].path;
			char src[32];
			int fd = -1;
			if (c->covers[k].is_dir ? mkdir(p, 0755) :
			    (fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC,
				       0644)) < 0)
				S_die(S_STEP_COVER);
			if (fd >= 0)
				close(fd);
			S_fd_path(src, fds[k]);
			if (mount(src, p, NULL, MS_BIND | MS_REC, NULL) < 0)
				S_die(S_STEP_COVER);
			close(fds[k]);
		}
		i = j;
	}
}

static void S_setup_mounts(const struct S_child *c)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		S_die(S_STEP_PRIVATE);
	if (c->mode == S_MODE_ROOT)
		S_apply_covers(c);
	if (mount(c->dir, c->dir, NULL, MS_BIND | MS_REC, NULL) < 0)
		S_die(S_STEP_BIND);
	if (S_setattr("/", AT_RECURSIVE,
		      MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID, 0) < 0)
		S_die(S_STEP_RDONLY);
	if (S_setattr(c->dir, 0, 0, MOUNT_ATTR_RDONLY) < 0)
		S_die(S_STEP_RW);
	/* Best effort: a private /dev/shm and the PID namespace's /proc. */
	(void)mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV,
		    "mode=1777,size=64m");
	if (c->ns & CLONE_NEWPID)
		(void)mount("proc", "/proc", "proc",
			    MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

static _Noreturn void S_command(const struct S_child *c, uid_t uid, gid_t gid)
{
	if (!(c->ns & CLONE_NEWPID))
		(void)setpgid(0, 0);
	if (chdir(c->dir) < 0)
		S_die(S_STEP_CHDIR);
	umask(022);
	for (size_t i = 0; i < c->nlimits; i++)
		if (setrlimit(c->limits[i].res, &c->limits[i].rl) < 0)
			S_die(S_STEP_RLIMIT);
	if (c->mode == S_MODE_ROOT) {
		if (syscall(SYS_setgroups, 0, NULL) < 0)
			S_die(S_STEP_SETGROUPS);
		if (syscall(SYS_setresgid, gid, gid, gid) < 0)
			S_die(S_STEP_SETGID);
		if (syscall(SYS_setresuid, uid, uid, uid) < 0)
			S_die(S_STEP_SETUID);
	} else if (c->mode == S_MODE_USERNS) {
		struct __user_cap_header_struct h = {
			_LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct d[2];
		memset(d, 0, sizeof d);
		if (syscall(SYS_capset, &h, d) < 0)
			S_die(S_STEP_CAPS);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		S_die(S_STEP_NNP);
	execve(c->exe, c->argv, c->envp);
	S_send(3, S_MSG_EXEC, 0, errno);
	_exit(127);
}

/* Without a PID namespace: kill what the command left behind. init is a
 * child subreaper, so orphans, including those that called setsid(), are
 * its children. */
static void S_kill_leftovers(pid_t cmd)
{
	char path[64];
	int n = snprintf(path, sizeof path, "/proc/self/task/%ld/children",
			 (long)syscall(SYS_gettid));
	if (n < 0 || (size_t)n >= sizeof path)
		return;
	for (;;) {
		(void)kill(-cmd, SIGKILL);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			char buf[4096];
			ssize_t r = read(fd, buf, sizeof buf - 1);
			close(fd);
			long pid = 0;
			for (ssize_t i = 0; i < r; i++) {
				if (buf[i] >= '0' && buf[i] <= '9') {
					pid = pid * 10 + (buf[i] - '0');
				} else if (pid) {
					(void)kill((pid_t)pid, SIGKILL);
					pid = 0;
				}
			}
		}
		if (wait4(-1, NULL, __WALL, NULL) < 0 && errno == ECHILD)
			return;
	}
}

static _Noreturn void S_init(const struct S_child *c)
{
	uint32_t ids[2];

	S_reset_signals();
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	S_child_fds(c);
	if (S_read_full(4, ids, sizeof ids) < 0)
		_exit(127); /* kb gave up on this run */
	close(4);
	(void)setsid();
	if (c->ns & CLONE_NEWNS)
		S_setup_mounts(c);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (!(c->ns & CLONE_NEWPID))
		(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

	pid_t cmd = S_clone(0);
	if (cmd < 0)
		S_die(S_STEP_FORK);
	if (cmd == 0)
		S_command(c, ids[0], ids[1]);
	if (!(c->ns & CLONE_NEWPID))
		S_send(3, S_MSG_STARTED, cmd, 0);
	for (;;) {
		int st;
		pid_t r = wait4(-1, &st, __WALL, NULL);
		if (r == cmd) {
			S_send(3, S_MSG_EXIT, st, 0);
			break;
		}
		if (r < 0 && errno == ECHILD)
			break;
	}
	if (!(c->ns & CLONE_NEWPID))
		S_kill_leftovers(cmd);
	_exit(0); /* as pid 1: the kernel kills the rest of the namespace */
}

/* ---- in kb: preparing a run ---- */

/* The environment: PATH, HOME, LANG, TMPDIR, then extra (replacing). */
static void S_build_env(struct strlist *l, const char *const *extra,
			const char *dir)
{
	const char *path = getenv("PATH");
	strlist_push_owned(l, xasprintf("PATH=%s",
					path && *path ? path : S_DEFAULT_PATH));
	strlist_push_owned(l, xasprintf("HOME=%s", dir));
	strlist_push(l, "LANG=C.UTF-8");
	strlist_push_owned(l, xasprintf("TMPDIR=%s", dir));
	for (size_t i = 0; extra && extra[i]; i++) {
		const char *eq = strchr(extra[i], '=');
		size_t klen = eq ? (size_t)(eq - extra[i]) + 1 : 0;
		size_t j = 0;
		if (!eq)
			continue;
		while (j < l->n && strncmp(l->items[j], extra[i], klen) != 0)
			j++;
		if (j < l->n) {
			free(l->items[j]);
			l->items[j] = xstrdup(extra[i]);
		} else {
			strlist_push(l, extra[i]);
		}
	}
	strlist_push_owned(l, NULL); /* the terminator execve() needs */
	l->n--;
}

/* The file to execute for name, or NULL. Caller frees. */
static char *S_resolve(const char *name, const char *dir, const char *pathvar)
{
	if (strchr(name, '/'))
		return name[0] == '/' ? xstrdup(name) : path_join(dir, name);
	const char *p = pathvar;
	while (*p) {
		size_t n = strcspn(p, ":");
		char *entry = n ? xstrndup(p, n) : xstrdup(".");
		char *cand = entry[0] == '/' ? path_join(entry, name) : NULL;
		struct stat st;
		free(entry);
		if (cand && stat(cand, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(cand, X_OK) == 0)
			return cand;
		free(cand);
		p += n + (p[n] == ':');
	}
	return NULL;
}

static void S_add_cover(struct S_child *c, const char *dir, const char *path)
{
	struct stat st;
	for (size_t i = 0; i < c->ncovers; i++)
		if (strcmp(c->covers[i].path, path) == 0)
			return;
	if (c->ncovers == S_MAX_COVERS || stat(path, &st) < 0)
		return;
	struct S_cover *cv = &c->covers[c->ncovers++];
	cv->dir = xstrdup(dir);
	cv->path = xstrdup(path);
	cv->is_dir = S_ISDIR(st.st_mode);
}

/* Plans covers for the directories on the way to path (absolute) that
 * other users cannot search. */
static void S_plan_path(struct S_child *c, const char *path)
{
	char *p = path_normalize(path);
	if (!p)
		return;
	for (char *slash = strchr(p + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		struct stat st;
		*slash = '\0';
		char *next = strchr(slash + 1, '/');
		if (next)
			*next = '\0';
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode) &&
		    !(st.st_mode & S_IXOTH)) {
			char *entry = xstrdup(p);
			*slash = '/';
			S_add_cover(c, entry, p);
			free(entry);
		}
		*slash = '/';
		if (next)
			*next = '/';
	}
	free(p);
}

static int S_cover_cmp(const void *a, const void *b)
{
	return strcmp(((const struct S_cover *)a)->dir,
		      ((const struct S_cover *)b)->dir);
}

static void S_plan_covers(struct S_child *c, const char *exe, const char *dir)
{
	char *real = realpath(exe, NULL);
	char *rdir = realpath(dir, NULL);
	S_plan_path(c, exe);
	if (real)
		S_plan_path(c, real);
	S_plan_path(c, rdir ? rdir : dir);
	free(real);
	free(rdir);
	qsort(c->covers, c->ncovers, sizeof *c->covers, S_cover_cmp);
}

/* Adds a limit, clamped to kb's own hard limit (it cannot be raised). */
static void S_add_limit(struct S_child *c, int res, rlim_t soft, rlim_t hard)
{
	struct rlimit cur;
	if (getrlimit(res, &cur) == 0 && cur.rlim_max != RLIM_INFINITY &&
	    hard > cur.rlim_max)
		hard = cur.rlim_max;
	if (soft > hard)
		soft = hard;
	c->limits[c->nlimits].res = res;
	c->limits[c->nlimits].rl.rlim_cur = soft;
	c->limits[c->nlimits].rl.rlim_max = hard;
	c->nlimits++;
}

static void S_plan_limits(struct S_child *c, const struct sandbox_limits *l)
{
	double cpu = l->cpu > 0 ? l->cpu : l->timeout + 1;
	rlim_t cpus = cpu < 1 ? 1 : (rlim_t)cpu;
	if ((double)cpus < cpu)
		cpus++; /* whole seconds, rounded up */
	S_add_limit(c, RLIMIT_CPU, cpus, cpus + 1);
	if (l->memory)
		S_add_limit(c, RLIMIT_AS, l->memory, l->memory);
	S_add_limit(c, RLIMIT_FSIZE, l->file_size, l->file_size);
	S_add_limit(c, RLIMIT_NOFILE, (rlim_t)l->open_files,
		    (rlim_t)l->open_files);
	S_add_limit(c, RLIMIT_NPROC, (rlim_t)l->processes,
		    (rlim_t)l->processes);
	S_add_limit(c, RLIMIT_CORE, 0, 0);
}

/* ---- in kb: during and after a run ---- */

struct S_stream {
	int fd;
	struct buf b;
	size_t cap;
	int truncated;
};

struct S_run {
	struct sandbox_limits lim;
	struct S_child c;
	struct strlist env;
	char *exe;
	int in_w, out_r, err_r, rep_r, sync_w;
	pid_t init;
	pid_t cmd;          /* host pid of the command, without PID namespace */
	uid_t uid;
	struct S_stream out, err;
	const char *stdin_data;
	size_t stdin_len, stdin_off;
	struct S_msg msg;   /* partial record being read */
	size_t msg_len;
	int got_exit, exit_status;
	int setup_step, setup_errno, exec_errno;
	int killed;
	int reaped, init_status;
	struct rusage ru;
	double kill_init_at;
	char *scratch;
};

static double S_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void S_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void S_run_release(struct S_run *r)
{
	int *fds[] = { &r->in_w, &r->out_r, &r->err_r, &r->rep_r, &r->sync_w,
		       &r->c.in_r, &r->c.out_w, &r->c.err_w, &r->c.rep_w,
		       &r->c.sync_r };
	for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
		S_close(fds[i]);
	for (size_t i = 0; i < r->c.ncovers; i++) {
		free(r->c.covers[i].dir);
		free(r->c.covers[i].path);
	}
	strlist_release(&r->env);
	free(r->exe);
	free(r->scratch);
	buf_release(&r->out.b);
	buf_release(&r->err.b);
}

static int S_pipe(int *r, int *w)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	*r = p[0];
	*w = p[1];
	return 0;
}

static int S_make_pipes(struct S_run *r)
{
	if (S_pipe(&r->c.in_r, &r->in_w) < 0 ||
	    S_pipe(&r->out_r, &r->c.out_w) < 0 ||
	    S_pipe(&r->err_r, &r->c.err_w) < 0 ||
	    S_pipe(&r->rep_r, &r->c.rep_w) < 0 ||
	    S_pipe(&r->c.sync_r, &r->sync_w) < 0)
		return -1;
	int mine[] = { r->in_w, r->out_r, r->err_r, r->rep_r };
	for (size_t i = 0; i < sizeof mine / sizeof *mine; i++)
		if (fcntl(mine[i], F_SETFL, O_NONBLOCK) < 0)
			return -1;
	/* Bigger pipes: fewer wake-ups for chatty programs (best effort). */
	(void)fcntl(r->out_r, F_SETPIPE_SZ, 1 << 20);
	(void)fcntl(r->err_r, F_SETPIPE_SZ, 1 << 20);
	return 0;
}

static int S_write_proc(pid_t pid, const char *file, const char *text)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/%s", (long)pid, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	int e = errno;
	close(fd);
	errno = e;
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* After clone: identities for the child, then let it go. */
static int S_release_child(struct S_run *r, char **why)
{
	uint32_t ids[2] = { 0, 0 };
	if (S_mode == S_MODE_ROOT) {
		r->uid = (uid_t)(SANDBOX_UID_BASE + (unsigned)r->init);
		ids[0] = ids[1] = (uint32_t)r->uid;
		if (chown(r->c.dir, r->uid, r->uid) < 0) {
			*why = xasprintf("cannot chown '%s': %s", r->c.dir,
					 strerror(errno));
			return -1;
		}
	} else if (S_mode == S_MODE_USERNS) {
		char *um = xasprintf("%u %u 1\n", getuid(), getuid());
		char *gm = xasprintf("%u %u 1\n", getgid(), getgid());
		int rc = S_write_proc(r->init, "setgroups", "deny") < 0 ||
			 S_write_proc(r->init, "uid_map", um) < 0 ||
			 S_write_proc(r->init, "gid_map", gm) < 0 ? -1 : 0;
		free(um);
		free(gm);
		if (rc < 0) {
			*why = xasprintf("cannot map ids in the user namespace: %s",
					 strerror(errno));
			return -1;
		}
		ids[0] = getuid();
		ids[1] = getgid();
	}
	if (write(r->sync_w, ids, sizeof ids) != (ssize_t)sizeof ids) {
		*why = xasprintf("cannot start the sandbox: %s", strerror(errno));
		return -1;
	}
	S_close(&r->sync_w);
	return 0;
}

/* Reads what is available (bounded, so that a fast writer cannot keep kb
 * from checking its limits); keeps up to the cap. Closes at end of file. */
static void S_drain(struct S_stream *s, char *scratch)
{
	for (int rounds = 0; rounds < 64 && s->fd >= 0; rounds++) {
		ssize_t n = read(s->fd, scratch, S_SCRATCH);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			S_close(&s->fd);
			return;
		}
		size_t room = s->cap - s->b.len;
		size_t keep = (size_t)n < room ? (size_t)n : room;
		buf_put(&s->b, scratch, keep);
		if (keep < (size_t)n)
			s->truncated = 1;
	}
}

static void S_feed(struct S_run *r)
{
	while (r->in_w >= 0 && r->stdin_off < r->stdin_len) {
		ssize_t n = write(r->in_w, r->stdin_data + r->stdin_off,
				  r->stdin_len - r->stdin_off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) /* EPIPE: it does not read its input */
			break;
		r->stdin_off += (size_t)n;
	}
	S_close(&r->in_w);
}

static void S_read_reports(struct S_run *r, double now)
{
	for (;;) {
		ssize_t n = read(r->rep_r, (char *)&r->msg + r->msg_len,
				 sizeof r->msg - r->msg_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			S_close(&r->rep_r);
			return;
		}
		r->msg_len += (size_t)n;
		if (r->msg_len < sizeof r->msg)
			continue;
		r->msg_len = 0;
		switch (r->msg.kind) {
		case S_MSG_SETUP:
			r->setup_step = r->msg.a;
			r->setup_errno = r->msg.b;
			break;
		case S_MSG_EXEC:
			r->exec_errno = r->msg.b;
			break;
		case S_MSG_STARTED:
			r->cmd = r->msg.a;
			break;
		case S_MSG_EXIT:
			r->got_exit = 1;
			r->exit_status = r->msg.a;
			/* init should follow at once; do not wait forever */
			r->kill_init_at = now + 1.0;
			break;
		}
	}
}

/* Kills the whole tree: init (the PID namespace goes with it) and the
 * process groups. */
static void S_kill_tree(struct S_run *r, double now)
{
	if (r->cmd > 0)
		(void)kill(-r->cmd, SIGKILL);
	if (S_nsflags & CLONE_NEWPID) {
		(void)kill(-r->init, SIGKILL);
		(void)kill(r->init, SIGKILL);
	} else if (!r->kill_init_at) {
		r->kill_init_at = now + 1.0; /* let init kill the leftovers */
	}
	r->killed = 1;
}

/* As root without a PID namespace: kill every process of the run's uid
 * (a child that takes the uid and signals everything it may). */
static void S_sweep_uid(uid_t uid)
{
	pid_t pid = S_clone(0);
	if (pid == 0) {
		if (syscall(SYS_setresgid, uid, uid, uid) < 0 ||
		    syscall(SYS_setresuid, uid, uid, uid) < 0)
			_exit(1);
		(void)kill(-1, SIGKILL);
		_exit(0);
	}
	while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Resident bytes of top and its descendants, from /proc. */
static size_t S_tree_rss(pid_t top)
{
	struct { pid_t pid, ppid; long rss; int in; } *v = NULL;
	size_t n = 0, cap = 0, total = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[300], buf[1024];
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t len = read(fd, buf, sizeof buf - 1);
		close(fd);
		char *p = len > 0 ? (buf[len] = '\0', strrchr(buf, ')')) : NULL;
		int ppid;
		long rss;
		if (!p || sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u "
				 "%*u %*u %*u %*d %*d %*d %*d %*d %*d %*u %*u %ld",
				 &ppid, &rss) != 2)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			v = xrealloc(v, cap * sizeof *v);
		}
		v[n].pid = (pid_t)atol(e->d_name);
		v[n].ppid = ppid;
		v[n].rss = rss;
		v[n].in = v[n].pid == top;
		n++;
	}
	closedir(d);
	for (int changed = 1; changed;) {
		changed = 0;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; !v[i].in && j < n; j++)
				if (v[j].in && v[j].pid == v[i].ppid)
					v[i].in = changed = 1;
	}
	for (size_t i = 0; i < n; i++)
		if (v[i].in && v[i].rss > 0)
			total += (size_t)v[i].rss * (size_t)sysconf(_SC_PAGESIZE);
	free(v);
	return total;
}

static void S_reap(struct S_run *r)
{
	int st = 0;
	while (wait4(r->init, &st, __WALL, &r->ru) < 0 && errno == EINTR)
		;
	r->init_status = st;
	r->reaped = 1;
	if (r->cmd > 0)
		(void)kill(-r->cmd, SIGKILL);
	if (S_mode == S_MODE_ROOT && !(S_nsflags & CLONE_NEWPID))
		S_sweep_uid(r->uid);
}

static int S_poll_ms(double until, double now)
{
	double ms = (until - now) * 1000.0 + 1.0;
	return ms < 0 ? 0 : ms > 1000 ? 1000 : (int)ms;
}

/* Runs the loop until init is reaped and the output pipes are closed. */
static void S_loop(struct S_run *r, double start)
{
	double deadline = start + r->lim.timeout;
	double next_watch = start + S_WATCH_INTERVAL;
	double drain_until = 0;

	for (;;) {
		double now = S_now();
		if (!r->killed && !r->got_exit && now >= deadline) {
			S_kill_tree(r, now);
			r->killed = 2; /* timed out */
		}
		if (!r->killed && !r->got_exit && r->lim.resident &&
		    now >= next_watch) {
			if (S_tree_rss(r->init) > r->lim.resident) {
				S_kill_tree(r, now);
				r->killed = 3; /* memory */
			}
			next_watch = now + S_WATCH_INTERVAL;
		}
		if (r->kill_init_at && now >= r->kill_init_at && !r->reaped) {
			(void)kill(r->init, SIGKILL);
			r->kill_init_at = 0;
		}
		if (r->rep_r < 0 && !r->reaped) {
			S_reap(r);
			/* leftovers are dead: give the pipes a moment to drain */
			drain_until = now + 2.0;
		}
		if (r->reaped && ((r->out.fd < 0 && r->err.fd < 0) ||
				  now >= drain_until))
			return;

		struct pollfd p[4];
		int np = 0;
		int fds[4] = { r->out.fd, r->err.fd, r->rep_r, r->in_w };
		for (int i = 0; i < 4; i++) {
			if (fds[i] < 0)
				continue;
			p[np].fd = fds[i];
			p[np].events = i == 3 ? POLLOUT : POLLIN;
			p[np].revents = 0;
			np++;
		}
		double until = r->reaped ? drain_until : now + 1.0;
		if (!r->killed && !r->got_exit && deadline < until)
			until = deadline;
		if (!r->killed && r->lim.resident && next_watch < until)
			until = next_watch;
		if (r->kill_init_at && r->kill_init_at < until)
			until = r->kill_init_at;
		if (poll(p, (nfds_t)np, S_poll_ms(until, now)) < 0 &&
		    errno != EINTR)
			return;
		S_drain(&r->out, r->scratch);
		S_drain(&r->err, r->scratch);
		S_feed(r);
		if (r->rep_r >= 0)
			S_read_reports(r, S_now());
	}
}

static void S_fill_result(struct S_run *r, struct sandbox_result *res,
			  double start)
{
	int st = r->got_exit ? r->exit_status : r->init_status;
	res->timed_out = r->killed == 2;
	res->memory_exceeded = r->killed == 3;
	if (!r->got_exit && !WIFSIGNALED(st)) {
		/* init ended without a status: it was killed first */
		res->signal = SIGKILL;
	} else if (WIFEXITED(st)) {
		res->exited = 1;
		res->status = WEXITSTATUS(st);
	} else if (WIFSIGNALED(st)) {
		res->signal = WTERMSIG(st);
	}
	res->out_truncated = r->out.truncated;
	res->err_truncated = r->err.truncated;
	res->out_len = r->out.b.len;
	res->err_len = r->err.b.len;
	free(res->out);
	free(res->err);
	res->out = buf_detach(&r->out.b);
	res->err = buf_detach(&r->err.b);
	res->wall = S_now() - start;
	res->cpu = (double)r->ru.ru_utime.tv_sec + r->ru.ru_utime.tv_usec / 1e6 +
		   (double)r->ru.ru_stime.tv_sec + r->ru.ru_stime.tv_usec / 1e6;
}

static int S_prepare(struct S_run *r, const char *const *argv, const char *dir,
		     const char *const *env, char **why)
{
	struct stat st;
	if (!argv || !argv[0] || !dir || dir[0] != '/') {
		*why = xstrdup("sandbox: no command, or no absolute directory");
		return -1;
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		*why = xasprintf("sandbox: '%s' is not a directory", dir);
		return -1;
	}
	S_build_env(&r->env, env, dir);
	const char *pathvar = S_DEFAULT_PATH;
	for (size_t i = 0; i < r->env.n; i++)
		if (strncmp(r->env.items[i], "PATH=", 5) == 0)
			pathvar = r->env.items[i] + 5;
	r->exe = S_resolve(argv[0], dir, pathvar);
	if (!r->exe) {
		*why = xasprintf("cannot run '%s': not found in PATH", argv[0]);
		return -1;
	}
	r->c.mode = S_mode;
	r->c.ns = S_nsflags;
	r->c.exe = r->exe;
	r->c.argv = (char *const *)argv;
	r->c.envp = r->env.items;
	r->c.dir = dir;
	if (S_mode == S_MODE_ROOT && (S_nsflags & CLONE_NEWNS))
		S_plan_covers(&r->c, r->exe, dir);
	S_plan_limits(&r->c, &r->lim);
	if (S_make_pipes(r) < 0) {
		*why = xasprintf("sandbox: cannot make pipes: %s",
				 strerror(errno));
		return -1;
	}
	r->out.fd = r->out_r;
	r->err.fd = r->err_r;
	r->out_r = r->err_r = -1; /* now owned by the streams */
	return 0;
}

static char *S_start_error(const struct S_run *r)
{
	if (r->exec_errno)
		return xasprintf("cannot run '%s': %s", r->exe,
				 strerror(r->exec_errno));
	if (r->setup_step >= 0 && r->setup_step < S_STEP_COUNT)
		return xasprintf("sandbox setup failed: %s: %s",
				 S_step_names[r->setup_step],
				 strerror(r->setup_errno));
	if (!r->got_exit && !r->killed)
		return xasprintf("sandbox: the run's init process ended "
				 "unexpectedly (wait status %#x)",
				 (unsigned)r->init_status);
	return NULL;
}

int sandbox_run(const char *const *argv, const char *dir,
		const char *const *env, const char *stdin_data, size_t stdin_len,
		const struct sandbox_limits *lim, struct sandbox_result *res,
		char **errmsg)
{
	struct S_run r;
	char *why = NULL;
	sigset_t pipe_set, old_mask;
	double start = 0;
	int rc = -1;

	memset(res, 0, sizeof *res);
	res->out = xstrdup("");
	res->err = xstrdup("");
	memset(&r, 0, sizeof r);
	r.in_w = r.out_r = r.err_r = r.rep_r = r.sync_w = -1;
	r.c.in_r = r.c.out_w = r.c.err_w = r.c.rep_w = r.c.sync_r = -1;
	r.out.fd = r.err.fd = -1;
	r.setup_step = -1;
	buf_init(&r.out.b);
	buf_init(&r.err.b);
	if (lim)
		r.lim = *lim;
	else
		sandbox_limits_default(&r.lim);
	if (r.lim.timeout <= 0)
		r.lim.timeout = 10;
	r.out.cap = r.err.cap = r.lim.output_cap;
	r.stdin_data = stdin_data;
	r.stdin_len = stdin_data ? stdin_len : 0;
	r.scratch = xmalloc(S_SCRATCH);
	pthread_once(&S_once, S_probe_once);

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);

	if (S_prepare(&r, argv, dir, env, &why) < 0)
		goto done;
	start = S_now();
	r.init = S_clone(S_nsflags);
	if (r.init < 0) {
		why = xasprintf("sandbox: cannot start a process: %s",
				strerror(errno));
		goto done;
	}
	if (r.init == 0)
		S_init(&r.c);
	S_close(&r.c.in_r);
	S_close(&r.c.out_w);
	S_close(&r.c.err_w);
	S_close(&r.c.rep_w);
	S_close(&r.c.sync_r);
	if (S_release_child(&r, &why) < 0) {
		(void)kill(r.init, SIGKILL);
		S_close(&r.rep_r);
		S_reap(&r);
		goto done;
	}
	if (r.stdin_len == 0)
		S_close(&r.in_w);
	S_loop(&r, start);
	if (!r.reaped) { /* poll failed: do not leave anything behind */
		S_kill_tree(&r, S_now());
		(void)kill(r.init, SIGKILL);
		S_reap(&r);
	}
	if ((why = S_start_error(&r)))
		goto done;
	S_fill_result(&r, res, start);
	rc = 0;

done:
	if (!sigismember(&old_mask, SIGPIPE)) {
		struct timespec zero = { 0, 0 };
		while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	S_run_release(&r);
	S_close(&r.out.fd);
	S_close(&r.err.fd);
	if (rc < 0 && errmsg)
		*errmsg = why;
	else
		free(why);
	return rc;
}
