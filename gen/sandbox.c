/*
 * sandbox.c - see sandbox.h for what a run gets.
 *
 * Processes of one run:
 *
 *   kb thread in sandbox_run()   feeds stdin, drains stdout/stderr, reads
 *     |                          bwrap's status, enforces the wall-clock
 *     |                          and resident limits, reaps
 *     +- bwrap                   started by a child of kb that set the
 *          |                     rlimits, took the run's uid (as root) or a
 *          |                     user namespace of its own (otherwise) and
 *          |                     no_new_privs; bwrap makes the namespaces
 *          |                     and the filesystem, waits, reports
 *          +- bwrap's init       pid 1 of the new PID namespace: reaps, and
 *               |                its end takes the whole namespace with it
 *               +- command
 *
 * The child of kb is made with the raw clone(2) system call, which behaves
 * as fork() without glibc's fork handlers. kb is multithreaded, so until
 * execve() the child only makes system calls: no malloc, no stdio, and no
 * glibc setuid()/setgroups(), which would try to signal kb's other threads
 * (they do not exist in the child) and hang.
 *
 * bwrap writes JSON records on the status pipe (--json-status-fd): one
 * with "child-pid" (the host pid of its init) when the namespaces exist,
 * one with "exit-code" when the command has ended. The pipe's end of file
 * tells kb that bwrap has exited. A run whose status has no "exit-code"
 * never started the command: its stderr holds bwrap's reason. If the child
 * of kb fails before execve(), it writes "kb-step=N errno=E" there.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "sandbox_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define S_WATCH_INTERVAL 0.1  /* seconds between resident-memory checks */
#define S_SCRATCH (256 * 1024)

/* Steps of the child of kb, named in error messages. */
enum {
	S_STEP_RLIMIT = 1, S_STEP_CHOWN, S_STEP_SETGROUPS, S_STEP_SETGID,
	S_STEP_SETUID, S_STEP_USERNS, S_STEP_NNP, S_STEP_EXEC, S_STEP_COUNT
};
static const char *const S_step_names[S_STEP_COUNT] = {
	"", "setrlimit", "chown the working directory", "setgroups", "setgid",
	"setuid", "make a user namespace", "no_new_privs", "start bwrap",
};

/* ---- probe ---- */

static pthread_once_t S_once = PTHREAD_ONCE_INIT;
static char *S_bwrap;          /* path of bwrap, or NULL */
static int S_ok;               /* a trial run worked */
static int S_root;
static char S_warning[512];

static pid_t S_clone(int flags)
{
	return (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD,
			      NULL, NULL, NULL, NULL);
}

static int S_run_internal(const char *const *argv, const char *dir,
			  const char *const *env, const char *stdin_data,
			  size_t stdin_len, const struct sandbox_limits *lim,
			  struct sandbox_result *res, char **errmsg);

static char *S_find_bwrap(void)
{
	if (access("/usr/bin/bwrap", X_OK) == 0)
		return xstrdup("/usr/bin/bwrap");
	const char *path = getenv("PATH");
	while (path && *path) {
		size_t n = strcspn(path, ":");
		char *dir = xstrndup(path, n);
		char *cand = dir[0] == '/' ? path_join(dir, "bwrap") : NULL;
		free(dir);
		if (cand && access(cand, X_OK) == 0)
			return cand;
		free(cand);
		path += n + (path[n] == ':');
	}
	return NULL;
}

static void S_probe_once(void)
{
	S_root = geteuid() == 0;
	S_bwrap = S_find_bwrap();
	if (!S_bwrap) {
		snprintf(S_warning, sizeof S_warning, "bubblewrap is not "
			 "installed (no bwrap in /usr/bin or PATH): snippets "
			 "cannot run; install the Debian package bubblewrap");
		return;
	}
	/* A trial run: user namespaces may be refused (sysctl, AppArmor). */
	char *dir = sandbox_mkdtemp();
	if (!dir) {
		snprintf(S_warning, sizeof S_warning, "cannot make a sandbox "
			 "directory: %s: snippets cannot run", strerror(errno));
		return;
	}
	const char *argv[] = { "true", NULL };
	struct sandbox_result res;
	char *why = NULL;
	S_ok = 1;
	if (S_run_internal(argv, dir, NULL, NULL, 0, NULL, &res, &why) < 0 ||
	    !res.exited || res.status != 0) {
		S_ok = 0;
		snprintf(S_warning, sizeof S_warning, "%s cannot make a "
			 "sandbox here (%s): snippets cannot run", S_bwrap,
			 why ? why : res.err[0] ? res.err : "it failed");
		S_warning[strcspn(S_warning, "\n")] = '\0';
	}
	free(why);
	sandbox_result_release(&res);
	remove_tree(dir);
	free(dir);
}

const char *sandbox_probe(void)
{
	pthread_once(&S_once, S_probe_once);
	return S_warning[0] ? S_warning : NULL;
}

unsigned sandbox_features(void)
{
	pthread_once(&S_once, S_probe_once);
	if (!S_ok)
		return 0;
	return SANDBOX_PID | SANDBOX_NET | SANDBOX_MOUNT | SANDBOX_IPC |
	       (S_root ? SANDBOX_UID : SANDBOX_USER);
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
	lim->root = NULL;
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

/* ---- in the child of kb: system calls only (see the top) ---- */

/* Writes "kb-step=S errno=E\n" on the status pipe (fd 3) and exits. */
static _Noreturn void S_die(int step)
{
	char msg[48] = "kb-step=";
	size_t n = 8;
	int e = errno, vals[2] = { step, e };
	for (int k = 0; k < 2; k++) {
		char digits[12];
		int nd = 0, v = vals[k] < 0 ? 0 : vals[k];
		do {
			digits[nd++] = (char)('0' + v % 10);
			v /= 10;
		} while (v && nd < 11);
		while (nd)
			msg[n++] = digits[--nd];
		if (k == 0) {
			memcpy(msg + n, " errno=", 7);
			n += 7;
		}
	}
	msg[n++] = '\n';
	while (write(3, msg, n) < 0 && errno == EINTR)
		;
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

/* stdin, stdout, stderr on 0-2, the status pipe on 3, the descriptors to
 * bind from SB_FIRST_FD on, all inherited by bwrap; every other descriptor
 * closed, including pipes of runs that other threads of kb have going on. */
static void S_child_fds(const struct sb_child *c)
{
	int src[4 + SB_MAX_FDS], tmp[4 + SB_MAX_FDS];
	size_t n = 4 + c->nfds;
	src[0] = c->in_r, src[1] = c->out_w, src[2] = c->err_w, src[3] = c->st_w;
	for (size_t i = 0; i < c->nfds; i++)
		src[4 + i] = c->fds[i];
	for (size_t i = 0; i < n; i++)
		if ((tmp[i] = fcntl(src[i], F_DUPFD_CLOEXEC, (int)n)) < 0)
			_exit(127);
	for (size_t i = 0; i < n; i++)
		if (dup3(tmp[i], (int)i, 0) < 0)
			_exit(127);
	if (close_range((unsigned)n, ~0U, 0) < 0)
		for (int fd = (int)n; fd < 65536; fd++)
			(void)close(fd);
}

static int S_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = strlen(text);
	ssize_t n = write(fd, text, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

static _Noreturn void S_child(const struct sb_child *c)
{
	S_reset_signals();
	S_child_fds(c);
	if (c->root_mode) {
		/* The run's uid: unique while this process lives. */
		uid_t uid = (uid_t)(SANDBOX_UID_BASE + (unsigned)syscall(SYS_getpid));
		for (size_t i = 0; i < c->nlimits; i++)
			if (setrlimit(c->limits[i].res, &c->limits[i].rl) < 0)
				S_die(S_STEP_RLIMIT);
		if (fchownat(SB_FIRST_FD + c->dir_fd, "", uid, uid, AT_EMPTY_PATH) < 0)
			S_die(S_STEP_CHOWN);
		if (syscall(SYS_setgroups, 0, NULL) < 0)
			S_die(S_STEP_SETGROUPS);
		if (syscall(SYS_setresgid, uid, uid, uid) < 0)
			S_die(S_STEP_SETGID);
		if (syscall(SYS_setresuid, uid, uid, uid) < 0)
			S_die(S_STEP_SETUID);
	} else {
		/* A user namespace of the run's own, made before the limits:
		 * RLIMIT_NPROC then counts the processes of this run only, not
		 * every process of kb's user. */
		if (unshare(CLONE_NEWUSER) < 0 ||
		    S_write_file("/proc/self/setgroups", "deny") < 0 ||
		    S_write_file("/proc/self/uid_map", c->uid_map) < 0 ||
		    S_write_file("/proc/self/gid_map", c->gid_map) < 0)
			S_die(S_STEP_USERNS);
		for (size_t i = 0; i < c->nlimits; i++)
			if (setrlimit(c->limits[i].res, &c->limits[i].rl) < 0)
				S_die(S_STEP_RLIMIT);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		S_die(S_STEP_NNP);
	/* After the uid change, which clears it: bwrap dies with kb. */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	execve(c->bwrap, c->argv, c->envp);
	S_die(S_STEP_EXEC);
}

/* ---- in kb: during and after a run ---- */

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

static void S_run_release(struct sb_run *r)
{
	int *fds[] = { &r->in_w, &r->out_r, &r->err_r, &r->st_r, &r->rootfd,
		       &r->c.in_r, &r->c.out_w, &r->c.err_w, &r->c.st_w };
	for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
		S_close(fds[i]);
	for (size_t i = 0; i < r->c.nfds; i++)
		S_close(&r->c.fds[i]);
	strlist_release(&r->env);
	strlist_release(&r->args);
	buf_release(&r->status);
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

static int S_make_pipes(struct sb_run *r)
{
	if (S_pipe(&r->c.in_r, &r->in_w) < 0 ||
	    S_pipe(&r->out_r, &r->c.out_w) < 0 ||
	    S_pipe(&r->err_r, &r->c.err_w) < 0 ||
	    S_pipe(&r->st_r, &r->c.st_w) < 0)
		return -1;
	int mine[] = { r->in_w, r->out_r, r->err_r, r->st_r };
	for (size_t i = 0; i < sizeof mine / sizeof *mine; i++)
		if (fcntl(mine[i], F_SETFL, O_NONBLOCK) < 0)
			return -1;
	/* Bigger pipes: fewer wake-ups for chatty programs (best effort). */
	(void)fcntl(r->out_r, F_SETPIPE_SZ, 1 << 20);
	(void)fcntl(r->err_r, F_SETPIPE_SZ, 1 << 20);
	return 0;
}

/* Reads what is available (bounded, so that a fast writer cannot keep kb
 * from checking its limits); keeps up to the cap. Closes at end of file. */
static void S_drain(struct sb_stream *s, char *scratch)
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

static void S_feed(struct sb_run *r)
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

/* The integer after "key": in bwrap's status, or -1. */
static long S_json_int(const char *text, const char *key)
{
	const char *p = strstr(text, key);
	if (!p)
		return -1;
	p += strlen(key);
	while (*p == '"' || *p == ':' || *p == ' ')
		p++;
	return *p >= '0' && *p <= '9' ? strtol(p, NULL, 10) : -1;
}

static void S_read_status(struct sb_run *r)
{
	char chunk[512];
	for (;;) {
		ssize_t n = read(r->st_r, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			S_close(&r->st_r);
			break;
		}
		if (r->status.len < 8192)
			buf_put(&r->status, chunk, (size_t)n);
	}
	if (!r->nsinit) {
		long pid = S_json_int(r->status.data, "\"child-pid\"");
		if (pid > 0)
			r->nsinit = (pid_t)pid;
	}
	long code = S_json_int(r->status.data, "\"exit-code\"");
	if (code >= 0) {
		r->got_exit = 1;
		r->exit_code = (int)code;
	}
}

/* Kills the whole tree: bwrap's init (the PID namespace goes with it)
 * and bwrap. */
static void S_kill_tree(struct sb_run *r)
{
	if (r->nsinit > 0)
		(void)kill(r->nsinit, SIGKILL);
	(void)kill(r->init, SIGKILL);
	r->killed = 1;
}

/* As root: kill every process left with the run's uid (a child that takes
 * the uid and signals everything it may). The PID namespace is gone by
 * now; this is the belt to its braces. */
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

static void S_reap(struct sb_run *r)
{
	int st = 0;
	while (wait4(r->init, &st, __WALL, &r->ru) < 0 && errno == EINTR)
		;
	r->init_status = st;
	r->reaped = 1;
	if (r->nsinit > 0 && !r->got_exit)
		(void)kill(r->nsinit, SIGKILL);
	if (S_root)
		S_sweep_uid(r->uid);
}

static int S_poll_ms(double until, double now)
{
	double ms = (until - now) * 1000.0 + 1.0;
	return ms < 0 ? 0 : ms > 1000 ? 1000 : (int)ms;
}

/* Runs the loop until bwrap is reaped and the output pipes are closed. */
static void S_loop(struct sb_run *r, double start)
{
	double deadline = start + r->lim.timeout;
	double next_watch = start + S_WATCH_INTERVAL;
	double drain_until = 0;

	for (;;) {
		double now = S_now();
		if (!r->killed && !r->got_exit && now >= deadline) {
			S_kill_tree(r);
			r->killed = 2; /* timed out */
		}
		if (!r->killed && !r->got_exit && r->lim.resident &&
		    now >= next_watch) {
			if (S_tree_rss(r->init) > r->lim.resident) {
				S_kill_tree(r);
				r->killed = 3; /* memory */
			}
			next_watch = now + S_WATCH_INTERVAL;
		}
		if (r->st_r < 0 && !r->reaped) {
			S_reap(r);
			/* the namespace is gone: give the pipes a moment */
			drain_until = now + 2.0;
		}
		if (r->reaped && ((r->out.fd < 0 && r->err.fd < 0) ||
				  now >= drain_until))
			return;

		struct pollfd p[4];
		int np = 0;
		int fds[4] = { r->out.fd, r->err.fd, r->st_r, r->in_w };
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
		if (poll(p, (nfds_t)np, S_poll_ms(until, now)) < 0 &&
		    errno != EINTR)
			return;
		S_drain(&r->out, r->scratch);
		S_drain(&r->err, r->scratch);
		S_feed(r);
		if (r->st_r >= 0)
			S_read_status(r);
	}
}

static void S_fill_result(struct sb_run *r, struct sandbox_result *res,
			  double start)
{
	res->timed_out = r->killed == 2;
	res->memory_exceeded = r->killed == 3;
	if (r->killed) {
		res->signal = SIGKILL;
	} else if (r->exit_code > 128 && r->exit_code <= 128 + 64) {
		/* bwrap reports death by signal N as 128 + N, as shells do */
		res->signal = r->exit_code - 128;
	} else {
		res->exited = 1;
		res->status = r->exit_code;
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

static int S_prepare(struct sb_run *r, const char *const *argv, const char *dir,
		     const char *const *env, char **why)
{
	if (sb_plan(r, argv, dir, env, why) < 0)
		return -1;
	r->c.root_mode = S_root;
	r->c.bwrap = S_bwrap;
	r->c.argv = r->args.items;
	r->c.envp = r->env.items;
	snprintf(r->c.uid_map, sizeof r->c.uid_map, "%u %u 1\n", getuid(), getuid());
	snprintf(r->c.gid_map, sizeof r->c.gid_map, "%u %u 1\n", getgid(), getgid());
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

/* Why the command did not start, or NULL if it did. */
static char *S_start_error(struct sb_run *r)
{
	if (r->got_exit || r->killed)
		return NULL;
	long step = S_json_int(r->status.data, "kb-step=");
	if (step > 0 && step < S_STEP_COUNT)
		return xasprintf("sandbox setup failed: %s: %s",
				 S_step_names[step],
				 strerror((int)S_json_int(r->status.data, "errno=")));
	/* bwrap's own message: "bwrap: execvp x: Permission denied" */
	const char *m = r->err.b.data;
	if (strncmp(m, "bwrap: ", 7) == 0)
		m += 7;
	if (*m)
		return xasprintf("cannot run '%s': %.*s", r->exe,
				 (int)strcspn(m, "\n"), m);
	return xasprintf("sandbox: bwrap ended without running '%s' (wait "
			 "status %#x)", r->exe, (unsigned)r->init_status);
}

static int S_run_internal(const char *const *argv, const char *dir,
			  const char *const *env, const char *stdin_data,
			  size_t stdin_len, const struct sandbox_limits *lim,
			  struct sandbox_result *res, char **errmsg)
{
	struct sb_run r;
	char *why = NULL;
	sigset_t pipe_set, old_mask;
	double start = 0;
	int rc = -1;

	memset(res, 0, sizeof *res);
	res->out = xstrdup("");
	res->err = xstrdup("");
	memset(&r, 0, sizeof r);
	r.in_w = r.out_r = r.err_r = r.st_r = r.rootfd = -1;
	r.c.in_r = r.c.out_w = r.c.err_w = r.c.st_w = -1;
	r.out.fd = r.err.fd = -1;
	buf_init(&r.out.b);
	buf_init(&r.err.b);
	buf_init(&r.status);
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

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);

	if (S_prepare(&r, argv, dir, env, &why) < 0)
		goto done;
	start = S_now();
	r.init = S_clone(0);
	if (r.init < 0) {
		why = xasprintf("sandbox: cannot start a process: %s",
				strerror(errno));
		goto done;
	}
	if (r.init == 0)
		S_child(&r.c);
	r.uid = (uid_t)(SANDBOX_UID_BASE + (unsigned)r.init);
	S_close(&r.c.in_r);
	S_close(&r.c.out_w);
	S_close(&r.c.err_w);
	S_close(&r.c.st_w);
	for (size_t i = 0; i < r.c.nfds; i++)
		S_close(&r.c.fds[i]);
	if (r.stdin_len == 0)
		S_close(&r.in_w);
	S_loop(&r, start);
	if (!r.reaped) { /* poll failed: do not leave anything behind */
		S_kill_tree(&r);
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

int sandbox_run(const char *const *argv, const char *dir,
		const char *const *env, const char *stdin_data, size_t stdin_len,
		const struct sandbox_limits *lim, struct sandbox_result *res,
		char **errmsg)
{
	pthread_once(&S_once, S_probe_once);
	if (!S_ok) {
		memset(res, 0, sizeof *res);
		res->out = xstrdup("");
		res->err = xstrdup("");
		if (errmsg)
			*errmsg = xstrdup(S_warning);
		return -1;
	}
	return S_run_internal(argv, dir, env, stdin_data, stdin_len, lim, res,
			      errmsg);
}
