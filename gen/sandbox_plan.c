/*
 * sandbox_plan.c - what a snippet sees (see sandbox.h): the scrubbed
 * environment, argv[0] resolved inside the root, the rlimits, and bwrap's
 * arguments, which bind the root's usr/ and the chosen etc/ entries, make
 * /proc, /dev and the private tmpfs, and bind the working directory.
 * Everything here runs in kb, before the run's processes exist.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "sandbox_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#define S_DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"
#define S_TMPFS_SIZE "67108864" /* bytes of each private tmpfs */

/* Entries of the root's etc/ bound into the sandbox (those that exist),
 * besides every etc/python3* directory: what the dynamic linker, the
 * compilers (alternatives) and Python read. */
static const char *const S_etc[] = {
	"ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives",
	"localtime", "os-release", "debian_version", NULL
};
/* Top-level directories that are symlinks into usr/ on a merged-/usr
 * system; each becomes a symlink when usr/ has it. */
static const char *const S_usr_links[] = {
	"bin", "sbin", "lib", "lib64", "lib32", "libx32", NULL
};

/* The environment: PATH, HOME, LANG, TMPDIR, then extra (replacing). */
static void S_build_env(struct strlist *l, const char *const *extra,
			const char *dir)
{
	strlist_push(l, "PATH=" S_DEFAULT_PATH);
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

/* Is the absolute path inside the sandbox's view of its root (usr/ and
 * the top-level links into it)? */
static int S_visible(const char *path)
{
	static const char *const pre[] = { "/usr/", "/bin/", "/sbin/", "/lib/",
					   "/lib64/", NULL };
	for (size_t i = 0; pre[i]; i++)
		if (strncmp(path, pre[i], strlen(pre[i])) == 0)
			return 1;
	return 0;
}

/* 0 if path (absolute, as the sandbox sees it) is an executable regular
 * file in the root, else -1 with errno. Symlinks resolve inside the root. */
static int S_exec_in_root(int rootfd, const char *path)
{
	struct open_how how;
	struct stat st;
	memset(&how, 0, sizeof how);
	how.flags = O_PATH | O_CLOEXEC;
	how.resolve = RESOLVE_IN_ROOT;
	int fd = (int)syscall(SYS_openat2, rootfd, path + 1, &how, sizeof how);
	if (fd < 0)
		return -1;
	int rc = fstat(fd, &st);
	close(fd);
	if (rc < 0)
		return -1;
	if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111)) {
		errno = EACCES;
		return -1;
	}
	return 0;
}

static int S_exec_host(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111)) {
		errno = EACCES;
		return -1;
	}
	return 0;
}

/* The path, as the sandbox sees it, of the file to execute for name; NULL
 * with a message in *why. Caller frees. */
static char *S_resolve(const char *name, const char *dir, const char *pathvar,
		       int rootfd, char **why)
{
	size_t dlen = strlen(dir);
	if (strchr(name, '/')) {
		char *p = name[0] == '/' ? path_normalize(name)
					 : path_join(dir, name);
		int in_dir = p && strncmp(p, dir, dlen) == 0 && p[dlen] == '/';
		int rc = !p ? -1 : in_dir ? S_exec_host(p)
			 : S_visible(p) ? S_exec_in_root(rootfd, p)
			 : (errno = 0, -1);
		if (rc == 0)
			return p;
		if (p && !in_dir && !S_visible(p))
			*why = xasprintf("cannot run '%s': outside the sandbox, "
					 "which sees only its root's /usr and its "
					 "working directory", name);
		else
			*why = xasprintf("cannot run '%s': %s", name,
					 strerror(errno ? errno : ENOENT));
		free(p);
		return NULL;
	}
	int denied = 0;
	for (const char *p = pathvar; *p;) {
		size_t n = strcspn(p, ":");
		char *entry = xstrndup(p, n);
		char *cand = entry[0] == '/' ? path_join(entry, name) : NULL;
		free(entry);
		if (cand && S_visible(cand)) {
			if (S_exec_in_root(rootfd, cand) == 0)
				return cand;
			denied |= errno == EACCES;
		}
		free(cand);
		p += n + (p[n] == ':');
	}
	*why = xasprintf("cannot run '%s': %s", name, denied ?
			 strerror(EACCES) : "not found in PATH of the sandbox");
	return NULL;
}

/* Adds a limit, clamped to kb's own hard limit (it cannot be raised). */
static void S_add_limit(struct sb_child *c, int res, rlim_t soft, rlim_t hard)
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

static void S_plan_limits(struct sb_child *c, const struct sandbox_limits *l)
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

/* Hands fd to bwrap; returns the number it has there, or -1 (too many). */
static int S_pass_fd(struct sb_run *r, int fd)
{
	if (fd < 0 || r->c.nfds == SB_MAX_FDS) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	r->c.fds[r->c.nfds] = fd;
	return SB_FIRST_FD + (int)r->c.nfds++;
}

static void S_arg(struct sb_run *r, const char *a)
{
	strlist_push(&r->args, a);
}

static void S_arg_fd(struct sb_run *r, const char *opt, int n, const char *dest)
{
	S_arg(r, opt);
	strlist_push_owned(&r->args, xasprintf("%d", n));
	S_arg(r, dest);
}

/* Binds (or links) root/etc/name at /etc/name, if it exists. */
static void S_etc_entry(struct sb_run *r, int etcfd, const char *name)
{
	struct stat st;
	char dest[300];
	snprintf(dest, sizeof dest, "/etc/%s", name);
	if (fstatat(etcfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(etcfd, name, target, sizeof target - 1);
		if (n <= 0)
			return;
		target[n] = '\0';
		S_arg(r, "--symlink");
		S_arg(r, target);
		S_arg(r, dest);
		return;
	}
	int n = S_pass_fd(r, openat(etcfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
	if (n >= 0)
		S_arg_fd(r, "--ro-bind-fd", n, dest);
}

/* bwrap's arguments: namespaces, the root's usr/ and etc/ bits, /proc,
 * /dev, private tmpfs, the working directory, the command. */
static int S_plan_bwrap(struct sb_run *r, const char *const *argv,
			const char *dir, char **why)
{
	static const char *const head[] = {
		"--unshare-all", "--unshare-user", "--disable-userns",
		"--die-with-parent", "--new-session", "--cap-drop", "ALL",
		"--json-status-fd", "3", NULL
	};
	S_arg(r, "bwrap");
	for (size_t i = 0; head[i]; i++)
		S_arg(r, head[i]);
	int usr = S_pass_fd(r, openat(r->rootfd, "usr",
				      O_PATH | O_DIRECTORY | O_CLOEXEC));
	if (usr < 0) {
		*why = xasprintf("sandbox: the root '%s' has no usr/ directory",
				 r->lim.root ? r->lim.root : "/");
		return -1;
	}
	S_arg_fd(r, "--ro-bind-fd", usr, "/usr");
	for (size_t i = 0; S_usr_links[i]; i++) {
		struct stat st;
		char rel[32], link[32];
		snprintf(rel, sizeof rel, "usr/%s", S_usr_links[i]);
		snprintf(link, sizeof link, "/%s", S_usr_links[i]);
		if (fstatat(r->rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode)) {
			S_arg(r, "--symlink");
			S_arg(r, rel);
			S_arg(r, link);
		}
	}
	int etcfd = openat(r->rootfd, "etc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (etcfd >= 0) {
		for (size_t i = 0; S_etc[i]; i++)
			S_etc_entry(r, etcfd, S_etc[i]);
		DIR *d = fdopendir(dup(etcfd));
		struct dirent *e;
		while (d && (e = readdir(d)))
			if (strncmp(e->d_name, "python3", 7) == 0)
				S_etc_entry(r, etcfd, e->d_name);
		if (d)
			closedir(d);
		close(etcfd);
	}
	static const char *const mounts[] = {
		"--proc", "/proc", "--dev", "/dev",
		"--perms", "1777", "--size", S_TMPFS_SIZE, "--tmpfs", "/tmp",
		"--perms", "1777", "--size", S_TMPFS_SIZE, "--tmpfs", "/dev/shm",
		NULL
	};
	for (size_t i = 0; mounts[i]; i++)
		S_arg(r, mounts[i]);
	r->c.dir_fd = (int)r->c.nfds;
	int dfd = S_pass_fd(r, open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC));
	if (dfd < 0) {
		*why = xasprintf("sandbox: cannot open '%s': %s", dir,
				 strerror(errno));
		return -1;
	}
	S_arg_fd(r, "--bind-fd", dfd, dir);
	S_arg(r, "--chdir");
	S_arg(r, dir);
	S_arg(r, "--");
	S_arg(r, r->exe);
	for (size_t i = 1; argv[i]; i++)
		S_arg(r, argv[i]);
	strlist_push_owned(&r->args, NULL);
	r->args.n--;
	return 0;
}

int sb_plan(struct sb_run *r, const char *const *argv, const char *dir,
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
	const char *root = r->lim.root ? r->lim.root : "/";
	r->rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r->rootfd < 0) {
		*why = xasprintf("sandbox: cannot open the root '%s': %s", root,
				 strerror(errno));
		return -1;
	}
	S_build_env(&r->env, env, dir);
	const char *pathvar = S_DEFAULT_PATH;
	for (size_t i = 0; i < r->env.n; i++)
		if (strncmp(r->env.items[i], "PATH=", 5) == 0)
			pathvar = r->env.items[i] + 5;
	if (!(r->exe = S_resolve(argv[0], dir, pathvar, r->rootfd, why)))
		return -1;
	if (S_plan_bwrap(r, argv, dir, why) < 0)
		return -1;
	S_plan_limits(&r->c, &r->lim);
	return 0;
}
