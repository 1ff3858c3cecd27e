/*
 * test_sandbox.c - hostile programs run through sandbox_run() are contained
 * within their limits, see nothing but what sandbox.h promises, report a
 * clear result and leave nothing behind (no process, a removable
 * directory). Passes as root (CI) and as a normal user; bwrap must work
 * (scripts/deps.sh installs it), and the Debian sid root of
 * `make toolchains` must exist for the root test.
 *
 * The hostile programs are one small C file compiled with `cc` in the group
 * setup and copied into each run's directory (the only place outside /usr
 * that a sandboxed command can execute from); every run of it carries a
 * marker argument, so that survivors can be found in /proc. Each secret
 * that a program tries to read is first read by the test itself, so a
 * check fails if the sandbox lets it through.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"
#include "util.h"

static const char hostile_c[] =
	"#include <arpa/inet.h>\n"
	"#include <errno.h>\n"
	"#include <netinet/in.h>\n"
	"#include <stddef.h>\n"
	"#include <stdio.h>\n"
	"#include <stdlib.h>\n"
	"#include <string.h>\n"
	"#include <sys/socket.h>\n"
	"#include <sys/un.h>\n"
	"#include <dirent.h>\n"
	"#include <fcntl.h>\n"
	"#include <signal.h>\n"
	"#include <unistd.h>\n"
	"int main(int argc, char **argv) {\n"
	"  const char *m = argc > 1 ? argv[1] : \"\";\n"
	"  if (!strcmp(m, \"loop\")) for (;;) ;\n"
	"  if (!strcmp(m, \"forkbomb\")) {\n"
	"    int told = 0;\n"
	"    for (;;) if (fork() < 0 && !told) {\n"
	"      fprintf(stderr, \"fork failed: %s\\n\", strerror(errno));\n"
	"      told = 1;\n"
	"    }\n"
	"  }\n"
	"  if (!strcmp(m, \"output\")) {\n"
	"    static char b[1 << 16];\n"
	"    memset(b, 'x', sizeof b);\n"
	"    for (long i = 0; i < (1L << 30) / (long)sizeof b; i++)\n"
	"      if (write(1, b, sizeof b) != (long)sizeof b) return 1;\n"
	"    return 0;\n"
	"  }\n"
	"  if (!strcmp(m, \"alloc\")) {\n"
	"    size_t n = (size_t)10 << 30;\n"
	"    char *p = malloc(n);\n"
	"    if (!p) { printf(\"malloc failed\\n\"); return 2; }\n"
	"    memset(p, 1, n);\n"
	"    printf(\"allocated\\n\");\n"
	"    return 0;\n"
	"  }\n"
	"  if (!strcmp(m, \"touch\")) {\n"
	"    size_t n = (size_t)atol(argv[2]) << 20;\n"
	"    char *p = malloc(n);\n"
	"    if (!p) return 2;\n"
	"    for (size_t i = 0; i < n; i += 4096) p[i] = 1;\n"
	"    for (;;) pause();\n"
	"  }\n"
	"  if (!strcmp(m, \"connect\")) {\n"
	"    struct sockaddr_in a;\n"
	"    int s = socket(AF_INET, SOCK_STREAM, 0);\n"
	"    memset(&a, 0, sizeof a);\n"
	"    a.sin_family = AF_INET;\n"
	"    a.sin_port = htons((unsigned short)atoi(argv[2]));\n"
	"    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);\n"
	"    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0) {\n"
	"      printf(\"connect: %s\\n\", strerror(errno));\n"
	"      return 1;\n"
	"    }\n"
	"    printf(\"connected\\n\");\n"
	"    return 0;\n"
	"  }\n"
	"  if (!strcmp(m, \"connect6\")) {\n"
	"    struct sockaddr_in6 a;\n"
	"    int s = socket(AF_INET6, SOCK_STREAM, 0);\n"
	"    memset(&a, 0, sizeof a);\n"
	"    a.sin6_family = AF_INET6;\n"
	"    a.sin6_port = htons((unsigned short)atoi(argv[2]));\n"
	"    a.sin6_addr = in6addr_loopback;\n"
	"    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0) {\n"
	"      printf(\"connect: %s\\n\", strerror(errno));\n"
	"      return 1;\n"
	"    }\n"
	"    printf(\"connected\\n\");\n"
	"    return 0;\n"
	"  }\n"
	"  if (!strcmp(m, \"unix\")) {\n"
	"    struct sockaddr_un a;\n"
	"    int s = socket(AF_UNIX, SOCK_STREAM, 0);\n"
	"    memset(&a, 0, sizeof a);\n"
	"    a.sun_family = AF_UNIX;\n"
	"    strncpy(a.sun_path, argv[2], sizeof a.sun_path - 1);\n"
	"    if (a.sun_path[0] == '@') a.sun_path[0] = '\\0';\n"
	"    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(argv[2]));\n"
	"    if (s < 0 || connect(s, (struct sockaddr *)&a, len) < 0) {\n"
	"      printf(\"connect: %s\\n\", strerror(errno));\n"
	"      return 1;\n"
	"    }\n"
	"    printf(\"connected\\n\");\n"
	"    return 0;\n"
	"  }\n"
	"  if (!strcmp(m, \"read\")) {\n"
	"    char b[4096];\n"
	"    int fd = open(argv[2], O_RDONLY);\n"
	"    if (fd < 0) { printf(\"open: %s\\n\", strerror(errno)); return 1; }\n"
	"    ssize_t n = read(fd, b, sizeof b);\n"
	"    if (n > 0) fwrite(b, 1, (size_t)n, stdout);\n"
	"    return 0;\n"
	"  }\n"
	"  if (!strcmp(m, \"ls\")) {\n"
	"    DIR *d = opendir(argv[2]);\n"
	"    struct dirent *e;\n"
	"    if (!d) { printf(\"opendir: %s\\n\", strerror(errno)); return 1; }\n"
	"    while ((e = readdir(d))) printf(\"/%s/\\n\", e->d_name);\n"
	"    return 0;\n"
	"  }\n"
	"  if (!strcmp(m, \"kill\")) {\n"
	"    if (kill(atoi(argv[2]), SIGKILL) < 0) printf(\"kill: %s\\n\", strerror(errno));\n"
	"    kill(-1, SIGKILL);\n"
	"    printf(\"survived\\n\");\n"
	"    return 0;\n"
	"  }\n"
	"  if (!strcmp(m, \"write\")) {\n"
	"    FILE *f = fopen(argv[2], \"w\");\n"
	"    if (!f) { printf(\"open: %s\\n\", strerror(errno)); return 1; }\n"
	"    fputs(\"escaped\\n\", f);\n"
	"    return fclose(f) ? 1 : 0;\n"
	"  }\n"
	"  if (!strcmp(m, \"setsid\")) {\n"
	"    if (fork() == 0) {\n"
	"      setsid();\n"
	"      if (fork() == 0) for (;;) pause();\n"
	"      _exit(0);\n"
	"    }\n"
	"    printf(\"parent exits\\n\");\n"
	"    return 0;\n"
	"  }\n"
	"  return 100;\n"
	"}\n";

static const char race_c[] =
	"#include <pthread.h>\n"
	"#include <stdio.h>\n"
	"static int counter;\n"
	"static void *bump(void *arg) { (void)arg; counter++; return 0; }\n"
	"int main(void) {\n"
	"  pthread_t t;\n"
	"  pthread_create(&t, 0, bump, 0);\n"
	"  counter++;\n"
	"  pthread_join(t, 0);\n"
	"  printf(\"counter=%d\\n\", counter);\n"
	"  return 0;\n"
	"}\n";

/* Shared by every test: the compiled hostile program and the marker. */
static char *g_bindir;
static char *g_hostile;
static char g_marker[64];

/* Per test: a fresh sandbox directory and the result of the run. */
struct fixture {
	char *dir;
	struct sandbox_result res;
	char *errmsg;
};

static int group_setup(void **state)
{
	(void)state;
	snprintf(g_marker, sizeof g_marker, "kb-sandbox-test-%ld",
		 (long)getpid());
	g_bindir = sandbox_mkdtemp();
	if (!g_bindir)
		return -1;
	char *src = path_join(g_bindir, "hostile.c");
	g_hostile = path_join(g_bindir, "hostile");
	char *cmd = xasprintf("cc -O1 -o '%s' '%s'", g_hostile, src);
	int rc = write_file(src, hostile_c, strlen(hostile_c)) == 0 &&
		 system(cmd) == 0 ? 0 : -1;
	free(cmd);
	free(src);
	return rc;
}

static int group_teardown(void **state)
{
	(void)state;
	int rc = remove_tree(g_bindir);
	free(g_bindir);
	free(g_hostile);
	return rc;
}

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	f->dir = sandbox_mkdtemp();
	*state = f;
	return f->dir ? 0 : -1;
}

/* Every run leaves a directory that can be removed. */
static int teardown(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	int rc = remove_tree(f->dir) == 0 && stat(f->dir, &st) < 0 ? 0 : -1;
	sandbox_result_release(&f->res);
	free(f->errmsg);
	free(f->dir);
	free(f);
	return rc;
}

/* Processes whose command line holds the marker. Killed processes can
 * take a moment to disappear from /proc, so look again for up to 2 s. */
static int survivors(void)
{
	int found = 0;
	for (int tries = 0; tries < 40; tries++) {
		DIR *d = opendir("/proc");
		struct dirent *e;
		found = 0;
		while (d && (e = readdir(d))) {
			char path[300], buf[4096];
			if (e->d_name[0] < '1' || e->d_name[0] > '9')
				continue;
			snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
			int fd = open(path, O_RDONLY);
			if (fd < 0)
				continue;
			ssize_t n = read(fd, buf, sizeof buf - 1);
			close(fd);
			for (ssize_t i = 0; i < n; i++)
				if (buf[i] == '\0')
					buf[i] = ' ';
			buf[n > 0 ? n : 0] = '\0';
			if (strstr(buf, g_marker))
				found++;
		}
		if (d)
			closedir(d);
		if (!found)
			return 0;
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return found;
}

/* Processes of a sandbox uid (as root, every run has its own) started by
 * this test (their environment holds the marker: other programs on the
 * machine may be running sandboxes of their own). */
static int sandbox_uid_processes(void)
{
	int found = 0;
	for (int tries = 0; tries < 40; tries++) {
		DIR *d = opendir("/proc");
		struct dirent *e;
		found = 0;
		while (d && (e = readdir(d))) {
			char path[300], *text = NULL;
			if (e->d_name[0] < '1' || e->d_name[0] > '9')
				continue;
			snprintf(path, sizeof path, "/proc/%s/status", e->d_name);
			if (read_file(path, &text, NULL) < 0)
				continue;
			const char *u = strstr(text, "\nUid:");
			unsigned long uid = u ? strtoul(u + 5, NULL, 10) : 0;
			free(text);
			text = NULL;
			if (uid < SANDBOX_UID_BASE || uid >= SANDBOX_UID_BASE + (1u << 23))
				continue;
			size_t len = 0;
			snprintf(path, sizeof path, "/proc/%s/environ", e->d_name);
			if (read_file(path, &text, &len) == 0 &&
			    memmem(text, len, g_marker, strlen(g_marker)))
				found++;
			free(text);
		}
		if (d)
			closedir(d);
		if (!found)
			return 0;
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return found;
}

/* Runs the hostile program, copied into the run's directory, in mode
 * (with an optional argument). */
static int run_hostile(struct fixture *f, const char *mode, const char *arg,
		       const struct sandbox_limits *lim)
{
	char *text = NULL, *copy = path_join(f->dir, "hostile");
	size_t len = 0;
	struct stat st;
	if (stat(copy, &st) < 0) {
		assert_int_equal(read_file(g_hostile, &text, &len), 0);
		assert_int_equal(write_file(copy, text, len), 0);
		assert_int_equal(chmod(copy, 0755), 0);
	}
	free(text);
	free(copy);
	const char *argv[] = { "./hostile", mode, arg ? arg : "-", g_marker, NULL };
	char *mark = xasprintf("KB_SANDBOX_TEST_MARK=%s", g_marker);
	const char *env[] = { mark, NULL };
	int rc = sandbox_run(argv, f->dir, env, NULL, 0, lim, &f->res,
			     &f->errmsg);
	free(mark);
	return rc;
}

static int run_sh(struct fixture *f, const char *script, const char *in,
		  size_t in_len, const char *const *env)
{
	const char *argv[] = { "sh", "-c", script, NULL };
	return sandbox_run(argv, f->dir, env, in, in_len, NULL, &f->res,
			   &f->errmsg);
}

/* stdin reaches the command; stdout, stderr and the exit status come back. */
static void test_sandbox_stdin_and_exit_status(void **state)
{
	struct fixture *f = *state;
	const char in[] = "line one\nline two\n";
	assert_int_equal(run_sh(f, "cat; echo oops >&2; exit 7", in,
				strlen(in), NULL), 0);
	assert_int_equal(f->res.exited, 1);
	assert_int_equal(f->res.status, 7);
	assert_int_equal(f->res.signal, 0);
	assert_int_equal(f->res.timed_out, 0);
	assert_string_equal(f->res.out, in);
	assert_int_equal(f->res.out_len, strlen(in));
	assert_string_equal(f->res.err, "oops\n");
	assert_int_equal(f->res.out_truncated, 0);
}

/* Input larger than a pipe is fed in full; a command that does not read
 * its input neither blocks the run nor kills kb with SIGPIPE. */
static void test_sandbox_large_stdin(void **state)
{
	struct fixture *f = *state;
	size_t n = 1 << 20;
	char *in = xmalloc(n);
	memset(in, 'a', n);
	assert_int_equal(run_sh(f, "wc -c", in, n, NULL), 0);
	assert_int_equal(atol(f->res.out), (long)n);
	sandbox_result_release(&f->res);
	assert_int_equal(run_sh(f, "exit 0", in, n, NULL), 0);
	assert_int_equal(f->res.exited, 1);
	assert_int_equal(f->res.status, 0);
	free(in);
}

/* A command killed by a signal reports the signal, not an exit status. */
static void test_sandbox_signal_reported(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(run_sh(f, "kill -SEGV $$", NULL, 0, NULL), 0);
	assert_int_equal(f->res.exited, 0);
	assert_int_equal(f->res.signal, SIGSEGV);
	assert_int_equal(f->res.timed_out, 0);
}

/* kb's own environment does not leak in; HOME and TMPDIR are the working
 * directory; extra variables are added or replace the defaults. */
static void test_sandbox_scrubbed_env(void **state)
{
	struct fixture *f = *state;
	const char *env[] = { "EXTRA=given", "LANG=C", NULL };
	setenv("KB_SANDBOX_TEST_SECRET", "leaked", 1);
	assert_int_equal(run_sh(f, "printf '%s|%s|%s|%s|%s|%s' "
				"\"${KB_SANDBOX_TEST_SECRET-unset}\" \"$HOME\" "
				"\"$TMPDIR\" \"$LANG\" \"$EXTRA\" \"$(pwd)\"",
				NULL, 0, env), 0);
	unsetenv("KB_SANDBOX_TEST_SECRET");
	char *want = xasprintf("unset|%s|%s|C|given|%s", f->dir, f->dir, f->dir);
	assert_string_equal(f->res.out, want);
	free(want);
}

/* A command that cannot be started is an error, with a message. */
static void test_sandbox_not_found(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = { "kb-no-such-command", NULL };
	assert_int_equal(sandbox_run(argv, f->dir, NULL, NULL, 0, NULL,
				     &f->res, &f->errmsg), -1);
	assert_non_null(strstr(f->errmsg, "kb-no-such-command"));
	free(f->errmsg);
	f->errmsg = NULL;
	sandbox_result_release(&f->res);

	char *script = path_join(f->dir, "not-executable.sh");
	assert_int_equal(write_file(script, "echo hi\n", 8), 0);
	const char *argv2[] = { "./not-executable.sh", NULL };
	assert_int_equal(sandbox_run(argv2, f->dir, NULL, NULL, 0, NULL,
				     &f->res, &f->errmsg), -1);
	assert_non_null(strstr(f->errmsg, "Permission denied"));
	free(script);
}

/* An infinite loop is killed at the time limit. */
static void test_sandbox_infinite_loop(void **state)
{
	struct fixture *f = *state;
	struct sandbox_limits lim;
	sandbox_limits_default(&lim);
	lim.timeout = 1;
	assert_int_equal(run_hostile(f, "loop", NULL, &lim), 0);
	assert_int_equal(f->res.timed_out, 1);
	assert_int_equal(f->res.exited, 0);
	assert_int_equal(f->res.signal, SIGKILL);
	assert_int_equal(survivors(), 0);
}

/* A fork bomb hits the process limit and is killed at the time limit. */
static void test_sandbox_fork_bomb(void **state)
{
	struct fixture *f = *state;
	struct sandbox_limits lim;
	sandbox_limits_default(&lim);
	lim.timeout = 2;
	lim.processes = 32;
	assert_int_equal(run_hostile(f, "forkbomb", NULL, &lim), 0);
	assert_int_equal(f->res.timed_out, 1);
	assert_non_null(strstr(f->res.err,
			       "fork failed: Resource temporarily unavailable"));
	assert_int_equal(survivors(), 0);
	assert_int_equal(sandbox_uid_processes(), 0);
}

/* 1 GiB of output is kept up to the cap, the rest drained: the program is
 * not blocked and finishes normally, well within its time. */
static void test_sandbox_output_capped(void **state)
{
	struct fixture *f = *state;
	struct sandbox_limits lim;
	sandbox_limits_default(&lim);
	lim.timeout = 15;
	assert_int_equal(run_hostile(f, "output", NULL, &lim), 0);
	assert_int_equal(f->res.timed_out, 0);
	assert_int_equal(f->res.exited, 1);
	assert_int_equal(f->res.status, 0);
	assert_int_equal(f->res.out_len, 64 * 1024);
	assert_int_equal(f->res.out_truncated, 1);
	assert_int_equal(f->res.out[0], 'x');
	assert_int_equal(f->res.out[f->res.out_len], '\0');
	assert_int_equal(f->res.err_truncated, 0);
}

/* A 10 GiB allocation fails inside the address-space limit. */
static void test_sandbox_huge_allocation(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(run_hostile(f, "alloc", NULL, NULL), 0);
	assert_int_equal(f->res.exited, 1);
	assert_int_equal(f->res.status, 2);
	assert_string_equal(f->res.out, "malloc failed\n");
}

/* Without an address-space limit (sanitizer runs), the resident size of
 * the tree is watched and the tree killed past it. */
static void test_sandbox_resident_limit(void **state)
{
	struct fixture *f = *state;
	struct sandbox_limits lim;
	sandbox_limits_default(&lim);
	lim.memory = 0;
	lim.resident = (size_t)128 << 20;
	lim.timeout = 10;
	assert_int_equal(run_hostile(f, "touch", "512", &lim), 0);
	assert_int_equal(f->res.memory_exceeded, 1);
	assert_int_equal(f->res.timed_out, 0);
	assert_int_equal(f->res.signal, SIGKILL);
	assert_int_equal(survivors(), 0);
}

/* A listening socket of the test: TCP on 127.0.0.1 or ::1 (port in
 * *port), or unix at path ('@' first: abstract). */
static int listener(int family, const char *path, char *port, size_t n)
{
	int s = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(s >= 0);
	if (family == AF_UNIX) {
		struct sockaddr_un a;
		memset(&a, 0, sizeof a);
		a.sun_family = AF_UNIX;
		strncpy(a.sun_path, path, sizeof a.sun_path - 1);
		if (a.sun_path[0] == '@')
			a.sun_path[0] = '\0';
		socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
					    strlen(path));
		assert_int_equal(bind(s, (struct sockaddr *)&a, len), 0);
	} else if (family == AF_INET6) {
		struct sockaddr_in6 a;
		socklen_t alen = sizeof a;
		memset(&a, 0, sizeof a);
		a.sin6_family = AF_INET6;
		a.sin6_addr = in6addr_loopback;
		assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
		assert_int_equal(getsockname(s, (struct sockaddr *)&a, &alen), 0);
		snprintf(port, n, "%d", ntohs(a.sin6_port));
	} else {
		struct sockaddr_in a;
		socklen_t alen = sizeof a;
		memset(&a, 0, sizeof a);
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
		assert_int_equal(getsockname(s, (struct sockaddr *)&a, &alen), 0);
		snprintf(port, n, "%d", ntohs(a.sin_port));
	}
	assert_int_equal(listen(s, 4), 0);
	return s;
}

/* No network: 127.0.0.1 and ::1, where this test listens, are
 * unreachable, and so are a unix socket in the host's /tmp and an
 * abstract one. Each listener is first reached from outside, so the
 * test fails if the sandbox does not block it. */
static void test_sandbox_no_network(void **state)
{
	struct fixture *f = *state;
	char port[16] = "", unix_path[108], abstract[108];
	snprintf(unix_path, sizeof unix_path, "/tmp/kb-sandbox-test-%ld.sock",
		 (long)getpid());
	snprintf(abstract, sizeof abstract, "@kb-sandbox-test-%ld",
		 (long)getpid());
	struct { int family; const char *mode, *path; } cases[] = {
		{ AF_INET, "connect", NULL },
		{ AF_INET6, "connect6", NULL },
		{ AF_UNIX, "unix", unix_path },
		{ AF_UNIX, "unix", abstract },
	};
	unlink(unix_path);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int s = listener(cases[i].family, cases[i].path, port, sizeof port);
		const char *arg = cases[i].path ? cases[i].path : port;
		/* reachable from here, by the same program outside */
		char *cmd = xasprintf("'%s' %s '%s' >/dev/null", g_hostile,
				      cases[i].mode, arg);
		assert_int_equal(system(cmd), 0);
		free(cmd);
		int c = accept(s, NULL, NULL);
		assert_true(c >= 0);
		close(c);

		assert_int_equal(run_hostile(f, cases[i].mode, arg, NULL), 0);
		assert_int_equal(f->res.exited, 1);
		assert_int_equal(f->res.status, 1);
		assert_non_null(strstr(f->res.out, "connect: "));
		assert_int_equal(accept(s, NULL, NULL), -1);
		assert_int_equal(errno, EAGAIN);
		close(s);
		sandbox_result_release(&f->res);
	}
	unlink(unix_path);
}

/* Writes outside the working directory fail (the repository and the home
 * directory) or land in the private /tmp that goes with the run; writes
 * inside succeed. */
static void test_sandbox_write_outside_fails(void **state)
{
	struct fixture *f = *state;
	char cwd[4096];
	struct stat st;
	const char *home = getenv("HOME");
	assert_non_null(getcwd(cwd, sizeof cwd));
	char *tmp = xasprintf("/tmp/kb-sandbox-escape-%ld", (long)getpid());
	char *repo = xasprintf("%s/kb-sandbox-escape-%ld", cwd, (long)getpid());
	char *inhome = xasprintf("%s/kb-sandbox-escape-%ld", home ? home : "/root",
				 (long)getpid());
	const char *targets[] = { tmp, repo, inhome };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(run_hostile(f, "write", targets[i], NULL), 0);
		int escaped = stat(targets[i], &st) == 0;
		if (escaped)
			unlink(targets[i]);
		assert_false(escaped);
		/* /tmp is the sandbox's own: the write works, and is lost */
		if (targets[i] != tmp) {
			assert_int_equal(f->res.status, 1);
			assert_non_null(strstr(f->res.out, "open: "));
		}
		sandbox_result_release(&f->res);
	}
	assert_int_equal(run_hostile(f, "write", "inside.txt", NULL), 0);
	assert_int_equal(f->res.exited, 1);
	assert_int_equal(f->res.status, 0);
	char *inside = path_join(f->dir, "inside.txt"), *text = NULL;
	assert_int_equal(read_file(inside, &text, NULL), 0);
	assert_string_equal(text, "escaped\n");
	free(text);
	free(inside);
	free(tmp);
	free(repo);
	free(inhome);
}

/* A process that leaves the process group with setsid() and outlives its
 * parent is killed when the command exits (with the PID namespace). */
static void test_sandbox_setsid_background_killed(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(run_hostile(f, "setsid", NULL, NULL), 0);
	assert_int_equal(f->res.exited, 1);
	assert_int_equal(f->res.status, 0);
	assert_int_equal(f->res.timed_out, 0);
	assert_string_equal(f->res.out, "parent exits\n");
	assert_int_equal(survivors(), 0);
	assert_int_equal(sandbox_uid_processes(), 0);
}

/* A sleeping process with a secret in its environment, outside. */
static pid_t start_sleeper(const char *secret)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *env[] = { xasprintf("KB_SANDBOX_SECRET=%s", secret), NULL };
		execle("/bin/sleep", "sleep", "60", (char *)NULL, env);
		_exit(127);
	}
	/* wait for the exec, so that /proc shows the new environment */
	for (int i = 0; i < 200; i++) {
		char path[64], *text = NULL;
		size_t len = 0;
		snprintf(path, sizeof path, "/proc/%ld/environ", (long)pid);
		int found = read_file(path, &text, &len) == 0 &&
			    memmem(text, len, secret, strlen(secret)) != NULL;
		free(text);
		if (found)
			return pid;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	fail_msg("the sleeper never showed its environment");
	return -1;
}

/* The repository, the home directory, /etc/shadow and another process's
 * environment cannot be read: each secret is there (the test reads it
 * first), and the program gets an error, never the secret. */
static void test_sandbox_reads_blocked(void **state)
{
	struct fixture *f = *state;
	char cwd[4096], secret[64];
	const char *home = getenv("HOME");
	snprintf(secret, sizeof secret, "kb-secret-%ld-%ld", (long)getpid(),
		 (long)time(NULL));
	assert_non_null(getcwd(cwd, sizeof cwd));
	char *repo = xasprintf("%s/kb-sandbox-secret-%ld", cwd, (long)getpid());
	char *inhome = xasprintf("%s/kb-sandbox-secret-%ld", home ? home : "/root",
				 (long)getpid());
	assert_int_equal(write_file(repo, secret, strlen(secret)), 0);
	assert_int_equal(write_file(inhome, secret, strlen(secret)), 0);
	pid_t sleeper = start_sleeper(secret);
	char *environ_path = xasprintf("/proc/%ld/environ", (long)sleeper);
	const char *targets[] = { repo, inhome, environ_path, "/etc/shadow",
				  "/etc/passwd" };
	for (size_t i = 0; i < sizeof targets / sizeof *targets; i++) {
		char *text = NULL;
		size_t len = 0;
		int readable = read_file(targets[i], &text, &len) == 0 &&
			       (memmem(text, len, secret, strlen(secret)) ||
				memmem(text, len, "root:", 5));
		free(text);
		if (strcmp(targets[i], "/etc/shadow") != 0 || geteuid() == 0)
			assert_true(readable); /* the secret is really there */
		assert_int_equal(run_hostile(f, "read", targets[i], NULL), 0);
		assert_null(strstr(f->res.out, secret));
		assert_null(strstr(f->res.out, "root:"));
		assert_non_null(strstr(f->res.out, "open: "));
		assert_int_equal(f->res.status, 1);
		sandbox_result_release(&f->res);
	}
	kill(sleeper, SIGKILL);
	waitpid(sleeper, NULL, 0);
	unlink(repo);
	unlink(inhome);
	free(repo);
	free(inhome);
	free(environ_path);
}

static int has_name(const char *out, const char *name)
{
	char *want = xasprintf("/%s/\n", name);
	int r = strstr(out, want) != NULL;
	free(want);
	return r;
}

/* The sandbox's / holds its root's /usr and the few other entries
 * sandbox.h lists; /etc has no passwd or shadow; /proc shows only the
 * sandbox's own processes. */
static void test_sandbox_sees_only_its_root(void **state)
{
	struct fixture *f = *state;
	static const char *const top[] = { "usr", "bin", "lib", "etc", "tmp",
					   "proc", "dev", NULL };
	static const char *const hidden[] = { "root", "home", "work", "var",
					      "srv", "opt", "sys", "run", NULL };
	assert_int_equal(run_hostile(f, "ls", "/", NULL), 0);
	assert_int_equal(f->res.status, 0);
	for (size_t i = 0; top[i]; i++)
		assert_true(has_name(f->res.out, top[i]));
	for (size_t i = 0; hidden[i]; i++)
		assert_false(has_name(f->res.out, hidden[i]));
	sandbox_result_release(&f->res);

	assert_int_equal(run_hostile(f, "ls", "/etc", NULL), 0);
	assert_true(has_name(f->res.out, "ld.so.cache"));
	assert_false(has_name(f->res.out, "passwd"));
	assert_false(has_name(f->res.out, "shadow"));
	sandbox_result_release(&f->res);

	char *self = xasprintf("%ld", (long)getpid());
	assert_int_equal(run_hostile(f, "ls", "/proc", NULL), 0);
	assert_true(has_name(f->res.out, "1"));
	assert_false(has_name(f->res.out, self));
	free(self);
}

/* A process outside cannot be killed from inside, by pid or by kill(-1). */
static void test_sandbox_cannot_kill_outside(void **state)
{
	struct fixture *f = *state;
	pid_t sleeper = start_sleeper("not-a-secret");
	char pid[16];
	snprintf(pid, sizeof pid, "%ld", (long)sleeper);
	assert_int_equal(run_hostile(f, "kill", pid, NULL), 0);
	assert_non_null(strstr(f->res.out, "kill: No such process\n"));
	assert_non_null(strstr(f->res.out, "survived\n"));
	int st;
	assert_int_equal(waitpid(sleeper, &st, WNOHANG), 0); /* still alive */
	kill(sleeper, SIGKILL);
	waitpid(sleeper, NULL, 0);
	assert_int_equal(sandbox_uid_processes(), 0);
}

/* A program outside the working directory and /usr is refused with a
 * message that names it, before anything runs. */
static void test_sandbox_program_outside(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = { g_hostile, "ls", "/", NULL };
	assert_int_equal(sandbox_run(argv, f->dir, NULL, NULL, 0, NULL,
				     &f->res, &f->errmsg), -1);
	assert_non_null(strstr(f->errmsg, g_hostile));
	assert_non_null(strstr(f->errmsg, "outside the sandbox"));
}

/* With a root (the Debian sid of `make toolchains`), argv[0] is found in
 * it and the command sees its /usr, not the host's. */
static void test_sandbox_root(void **state)
{
	struct fixture *f = *state;
	char cwd[4096];
	assert_non_null(getcwd(cwd, sizeof cwd));
	char *root = path_join(cwd, ".kb-toolchains/debian-sid");
	char *py = path_join(root, "usr/bin/python3.14");
	if (access(py, X_OK) != 0)
		fail_msg("%s is missing: run `make toolchains`", py);
	struct sandbox_limits lim;
	sandbox_limits_default(&lim);
	lim.root = root;
	const char *argv[] = { "python3.14", "-c",
		"import os, sys, multiprocessing as m; "
		"print(sys.version_info[:2], m.get_start_method(), "
		"os.path.exists('/usr/bin/python3.11'))", NULL };
	assert_int_equal(sandbox_run(argv, f->dir, NULL, NULL, 0, &lim,
				     &f->res, &f->errmsg), 0);
	assert_string_equal(f->res.err, "");
	assert_string_equal(f->res.out, "(3, 14) forkserver False\n");
	sandbox_result_release(&f->res);
	/* the host has no python3.14: without the root it is not found */
	assert_int_equal(sandbox_run(argv, f->dir, NULL, NULL, 0, NULL,
				     &f->res, &f->errmsg), -1);
	assert_non_null(strstr(f->errmsg, "python3.14"));
	free(py);
	free(root);
}

/* python3 is the root's /usr/bin/python3 (Debian's), whatever kb's own
 * PATH says (on CI it may start with a pyenv shim under /root). */
static void test_sandbox_python(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = { "python3", "-c",
			       "import sys; print(sys.executable)", NULL };
	int rc = sandbox_run(argv, f->dir, NULL, NULL, 0, NULL, &f->res,
			     &f->errmsg);
	assert_int_equal(rc, 0);
	assert_string_equal(f->res.err, "");
	assert_string_equal(f->res.out, "/usr/bin/python3\n");
	assert_int_equal(f->res.exited, 1);
	assert_int_equal(f->res.status, 0);
}

/* The compiler writes into the working directory, then the binary runs;
 * a ThreadSanitizer build runs without an address-space limit and reports
 * its data race. */
static void test_sandbox_compile_and_tsan(void **state)
{
	struct fixture *f = *state;
	char *src = path_join(f->dir, "race.c");
	assert_int_equal(write_file(src, race_c, strlen(race_c)), 0);
	free(src);
	const char *cc[] = { "cc", "-o", "race", "race.c", "-pthread", NULL };
	assert_int_equal(sandbox_run(cc, f->dir, NULL, NULL, 0, NULL, &f->res,
				     &f->errmsg), 0);
	assert_string_equal(f->res.err, "");
	assert_int_equal(f->res.status, 0);
	sandbox_result_release(&f->res);
	const char *run[] = { "./race", NULL };
	assert_int_equal(sandbox_run(run, f->dir, NULL, NULL, 0, NULL, &f->res,
				     &f->errmsg), 0);
	assert_string_equal(f->res.out, "counter=2\n");
	sandbox_result_release(&f->res);

	const char *tsan[] = { "cc", "-fsanitize=thread", "-g", "-O1", "-o",
			       "race-tsan", "race.c", "-pthread", NULL };
	assert_int_equal(sandbox_run(tsan, f->dir, NULL, NULL, 0, NULL,
				     &f->res, &f->errmsg), 0);
	assert_int_equal(f->res.status, 0);
	sandbox_result_release(&f->res);
	struct sandbox_limits lim;
	sandbox_limits_default(&lim);
	lim.memory = 0;
	const char *run_tsan[] = { "./race-tsan", NULL };
	assert_int_equal(sandbox_run(run_tsan, f->dir, NULL, NULL, 0, &lim,
				     &f->res, &f->errmsg), 0);
	if (!strstr(f->res.err, "WARNING: ThreadSanitizer: data race"))
		fail_msg("no race report; exited %d status %d timed out %d, stderr:\n%s",
			 f->res.exited, f->res.status, f->res.timed_out, f->res.err);
	assert_int_equal(f->res.memory_exceeded, 0);
	assert_int_equal(f->res.exited, 1);
	assert_int_equal(f->res.status, 66);
}

/* sandbox_mkdtemp makes a fresh private directory each time. */
static void test_sandbox_mkdtemp(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	char *other = sandbox_mkdtemp();
	assert_non_null(other);
	assert_string_not_equal(other, f->dir);
	assert_int_equal(stat(other, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(remove_tree(other), 0);
	free(other);
}

/* bwrap works here (scripts/deps.sh installs it): no warning, and every
 * isolation feature is there. */
static void test_sandbox_probe(void **state)
{
	(void)state;
	const char *w = sandbox_probe();
	unsigned feat = sandbox_features();
	if (w)
		print_message("sandbox: %s\n", w);
	assert_null(w);
	assert_int_equal(feat & (SANDBOX_PID | SANDBOX_NET | SANDBOX_MOUNT |
				 SANDBOX_IPC),
			 SANDBOX_PID | SANDBOX_NET | SANDBOX_MOUNT | SANDBOX_IPC);
	assert_int_equal(feat & (SANDBOX_UID | SANDBOX_USER),
			 geteuid() == 0 ? SANDBOX_UID : SANDBOX_USER);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_sandbox_stdin_and_exit_status),
		T(test_sandbox_large_stdin),
		T(test_sandbox_signal_reported),
		T(test_sandbox_scrubbed_env),
		T(test_sandbox_not_found),
		T(test_sandbox_infinite_loop),
		T(test_sandbox_fork_bomb),
		T(test_sandbox_output_capped),
		T(test_sandbox_huge_allocation),
		T(test_sandbox_resident_limit),
		T(test_sandbox_no_network),
		T(test_sandbox_write_outside_fails),
		T(test_sandbox_setsid_background_killed),
		T(test_sandbox_reads_blocked),
		T(test_sandbox_sees_only_its_root),
		T(test_sandbox_cannot_kill_outside),
		T(test_sandbox_program_outside),
		T(test_sandbox_root),
		T(test_sandbox_python),
		T(test_sandbox_compile_and_tsan),
		T(test_sandbox_mkdtemp),
		T(test_sandbox_probe),
	};
	return cmocka_run_group_tests_name("sandbox", tests, group_setup,
					   group_teardown);
}
