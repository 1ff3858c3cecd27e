/*
 * test_sandbox.c - hostile programs run through sandbox_run() are contained
 * within their limits, report a clear result and leave nothing behind (no
 * process, a removable directory). Passes as root (CI) and as a normal
 * user; checks that need an isolation feature the kernel refused are
 * skipped (sandbox_features()).
 *
 * The hostile programs are one small C file compiled with `cc` in the group
 * setup; every run of it carries a marker argument, so that survivors can
 * be found in /proc.
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
#include <time.h>
#include <unistd.h>

#include "sandbox.h"
#include "util.h"

static const char hostile_c[] =
	"#include <arpa/inet.h>\n"
	"#include <errno.h>\n"
	"#include <netinet/in.h>\n"
	"#include <stdio.h>\n"
	"#include <stdlib.h>\n"
	"#include <string.h>\n"
	"#include <sys/socket.h>\n"
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
	/* Searchable, so that the sandbox uid reaches the program even when
	 * there is no mount namespace to cover an unsearchable directory. */
	if (!g_bindir || chmod(g_bindir, 0755) < 0)
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

/* Runs the hostile program in mode (with an optional argument). */
static int run_hostile(struct fixture *f, const char *mode, const char *arg,
		       const struct sandbox_limits *lim)
{
	const char *argv[] = { g_hostile, mode, arg ? arg : "-", g_marker, NULL };
	return sandbox_run(argv, f->dir, NULL, NULL, 0, lim, &f->res,
			   &f->errmsg);
}

static int run_sh(struct fixture *f, const char *script, const char *in,
		  size_t in_len, const char *const *env)
{
	const char *argv[] = { "sh", "-c", script, NULL };
	return sandbox_run(argv, f->dir, env, in, in_len, NULL, &f->res,
			   &f->errmsg);
}

static int have_program(const char *name)
{
	const char *path = getenv("PATH");
	char *copy = xstrdup(path ? path : "/usr/bin:/bin");
	int found = 0;
	for (char *save = NULL, *e = strtok_r(copy, ":", &save); e && !found;
	     e = strtok_r(NULL, ":", &save)) {
		char *p = path_join(e, name);
		found = access(p, X_OK) == 0;
		free(p);
	}
	free(copy);
	return found;
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

/* No network: even 127.0.0.1, where this test listens, is unreachable. */
static void test_sandbox_no_network(void **state)
{
	struct fixture *f = *state;
	if (!(sandbox_features() & SANDBOX_NET))
		skip();
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a;
	socklen_t alen = sizeof a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(s, 4), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &alen), 0);
	char port[16];
	snprintf(port, sizeof port, "%d", ntohs(a.sin_port));

	assert_int_equal(run_hostile(f, "connect", port, NULL), 0);
	assert_int_equal(f->res.exited, 1);
	assert_int_equal(f->res.status, 1);
	assert_non_null(strstr(f->res.out, "connect: "));
	assert_int_equal(accept(s, NULL, NULL), -1);
	assert_int_equal(errno, EAGAIN);
	close(s);
}

/* Writes outside the working directory fail (/tmp and the repository);
 * writes inside succeed. */
static void test_sandbox_write_outside_fails(void **state)
{
	struct fixture *f = *state;
	char cwd[4096];
	struct stat st;
	if (!(sandbox_features() & SANDBOX_MOUNT))
		skip();
	assert_non_null(getcwd(cwd, sizeof cwd));
	char *tmp = xasprintf("/tmp/kb-sandbox-escape-%ld", (long)getpid());
	char *repo = xasprintf("%s/kb-sandbox-escape-%ld", cwd, (long)getpid());
	const char *targets[] = { tmp, repo };
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(run_hostile(f, "write", targets[i], NULL), 0);
		int escaped = stat(targets[i], &st) == 0;
		if (escaped)
			unlink(targets[i]);
		assert_false(escaped);
		assert_int_equal(f->res.status, 1);
		assert_non_null(strstr(f->res.out, "open: "));
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
}

/* A process that leaves the process group with setsid() and outlives its
 * parent is killed when the command exits (by the PID namespace, or else
 * by the sandbox's init, a child subreaper that kills its leftovers). */
static void test_sandbox_setsid_background_killed(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(run_hostile(f, "setsid", NULL, NULL), 0);
	assert_int_equal(f->res.exited, 1);
	assert_int_equal(f->res.status, 0);
	assert_int_equal(f->res.timed_out, 0);
	assert_string_equal(f->res.out, "parent exits\n");
	assert_int_equal(survivors(), 0);
}

/* Root without a mount namespace: nothing covers unsearchable dirs. */
static int no_covers(void)
{
	unsigned feat = sandbox_features();
	return (feat & SANDBOX_UID) && !(feat & SANDBOX_MOUNT);
}

/* A program in a directory that the sandbox uid cannot search (e.g. under
 * /root, mode 0700) still runs; as root the rest of that directory stays
 * hidden from it. */
static void test_sandbox_unsearchable_directory(void **state)
{
	struct fixture *f = *state;
	static const char script[] = "#!/bin/sh\nls -A \"${0%/*}\"\n";
	if (no_covers())
		skip();
	char *home = sandbox_mkdtemp();  /* 0700, like /root */
	assert_non_null(home);
	char *prog = path_join(home, "prog.sh");
	char *secret = path_join(home, "secret");
	assert_int_equal(write_file(prog, script, strlen(script)), 0);
	assert_int_equal(chmod(prog, 0755), 0);
	assert_int_equal(write_file(secret, "s", 1), 0);
	const char *argv[] = { prog, NULL };
	assert_int_equal(sandbox_run(argv, f->dir, NULL, NULL, 0, NULL,
				     &f->res, &f->errmsg), 0);
	assert_int_equal(f->res.status, 0);
	if (sandbox_features() & SANDBOX_UID)
		assert_string_equal(f->res.out, "prog.sh\n");
	else
		assert_non_null(strstr(f->res.out, "secret"));
	assert_int_equal(remove_tree(home), 0);
	free(prog);
	free(secret);
	free(home);
}

/* python3 from PATH runs (on CI it may be a pyenv shim under /root). */
static void test_sandbox_python(void **state)
{
	struct fixture *f = *state;
	if (!have_program("python3"))
		skip();
	const char *argv[] = { "python3", "-c", "print(1)", NULL };
	int rc = sandbox_run(argv, f->dir, NULL, NULL, 0, NULL, &f->res,
			     &f->errmsg);
	if (rc < 0 && no_covers() && strstr(f->errmsg, "Permission denied")) {
		/* documented: without a mount namespace, an interpreter under
		 * a directory the sandbox uid cannot search is out of reach */
		print_message("sandbox: %s\n", f->errmsg);
		skip();
	}
	assert_int_equal(rc, 0);
	assert_string_equal(f->res.err, "");
	assert_string_equal(f->res.out, "1\n");
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
	assert_non_null(strstr(f->res.err, "WARNING: ThreadSanitizer: data race"));
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

/* The probe's warning matches the features it found. */
static void test_sandbox_probe(void **state)
{
	(void)state;
	const char *w = sandbox_probe();
	unsigned feat = sandbox_features();
	assert_ptr_equal(w, sandbox_probe());
	if (!(feat & SANDBOX_NET))
		assert_non_null(strstr(w, "network"));
	if ((feat & SANDBOX_NET) && (feat & SANDBOX_PID) &&
	    (feat & SANDBOX_MOUNT) && (feat & (SANDBOX_UID | SANDBOX_USER)))
		assert_null(w);
	if (w)
		print_message("sandbox: %s\n", w);
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
		T(test_sandbox_unsearchable_directory),
		T(test_sandbox_python),
		T(test_sandbox_compile_and_tsan),
		T(test_sandbox_mkdtemp),
		T(test_sandbox_probe),
	};
	return cmocka_run_group_tests_name("sandbox", tests, group_setup,
					   group_teardown);
}
