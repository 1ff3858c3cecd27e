# End-to-end tests of verified snippets through `kb build` and `kb check`:
# good snippets reach the page with their provenance, failing and hostile
# ones are reported at their file:line, and every build leaves the machine
# clean (no process left running, no temporary directory left behind).
#
# Sourced by tests/e2e/run, which provides fresh, run_kb, expect_err, ok,
# bad, site_sum and $WORK. Every hostile program carries a marker unique to
# this test run in its argv (the `args=` attribute), so `pgrep -f` finds
# any process of it that survives the build.

SNIP_MARK=kbsnipmark-$$

# snip_setup NAME: a fresh fixture built once (the "previous site"), and an
# empty directory used as TMPDIR of the builds under test, so the sandbox
# directories they make (kb-sandbox-*) can be counted exactly.
snip_setup() {
	fresh "$1"
	SNIP_TMP=$WORK/$1.tmp
	rm -rf "$SNIP_TMP" && mkdir -p "$SNIP_TMP"
	run_kb build
	SNIP_SUM=$(site_sum site)
	SNIP_TMP_BEFORE=$(snip_tmp_list)
}

# The kb temporary files and folders in /tmp, other than this test run's
# own folder and sandbox folders (those of this run go to $SNIP_TMP; others
# may belong to unrelated processes running at the same time).
snip_tmp_list() {
	local f
	for f in /tmp/kb-*; do
		[ -e "$f" ] || continue
		case $f in "$WORK" | /tmp/kb-e2e* | /tmp/kb-sandbox-*) continue ;; esac
		echo "$f"
	done | sort
}

# snip_entry SLUG: writes content/examples/SLUG.md, front matter and then
# the body read from stdin; the body's first line is line 6 of the file.
snip_entry() {
	{
		printf -- '---\ntitle: %s\nsummary: A snippet under test.\n---\n\n' "$1"
		cat
	} > "content/examples/$1.md"
}

# snip_build ARGS...: kb ARGS with the private TMPDIR. No case asserts how
# long a build took: a contained snippet shows in what kb reports (the
# limit it hit) and in what it leaves behind (snip_clean), not in a time.
snip_build() {
	TMPDIR=$SNIP_TMP run_kb "$@"
}

# snip_has NAME REGEX: stderr has a line matching the extended regex.
snip_has() {
	grep -qE -- "$2" "$WORK/err" && return 0
	bad "$1" "no line matching /$2/ in stderr: $(head -c 600 "$WORK/err")"
	return 1
}

# snip_clean NAME [MARKER]: no process whose command line holds MARKER,
# no sandbox folder left in the private TMPDIR, no new kb-* entry in /tmp.
snip_clean() {
	local name=$1 marker=${2:-} i left
	if [ -n "$marker" ]; then
		# The kernel tears a killed PID namespace down asynchronously: a
		# short grace, then anything still there has escaped.
		for i in 1 2 3 4 5 6 7 8 9 10; do
			pgrep -f -- "$marker" >/dev/null || break
			sleep 0.2
		done
		if left=$(pgrep -af -- "$marker"); then
			bad "$name-no-leftover-process" "still running: $(echo "$left" | head -3)"
			local pid
			for pid in $(echo "$left" | cut -d' ' -f1); do kill -KILL "$pid" 2>/dev/null; done
			return 1
		fi
	fi
	left=$(ls -A "$SNIP_TMP")
	if [ -n "$left" ]; then
		bad "$name-no-leftover-tmp" "left in TMPDIR: $left"
		return 1
	fi
	left=$(comm -13 <(echo "$SNIP_TMP_BEFORE") <(snip_tmp_list))
	if [ -n "$left" ]; then
		sleep 1 # maybe another program's, about to go away
		left=$(comm -13 <(echo "$SNIP_TMP_BEFORE") <(snip_tmp_list))
	fi
	if [ -n "$left" ]; then
		bad "$name-no-leftover-tmp" "new in /tmp: $left"
		return 1
	fi
	ok "$name-clean"
}

# snip_intact NAME: a failed build left the previous site as it was.
snip_intact() {
	if [ "$(site_sum site)" != "$SNIP_SUM" ]; then
		bad "$1-site-intact" "site changed after a failed build"
		return 1
	fi
	if compgen -G '.site.tmp*' >/dev/null || compgen -G '.site.old*' >/dev/null; then
		bad "$1-site-intact" "temporary site folder left behind"
		return 1
	fi
	return 0
}

case_snip_good() {
	snip_setup snip-good
	snip_entry good <<'MD'
```python expect=sorted
import threading
def work(n):
    print("worker", n, "done")
ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
for t in ts: t.start()
for t in ts: t.join()
```
```output
worker 0 done
worker 1 done
worker 2 done
worker 3 done
```

```c
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long total;

static void *add(void *arg)
{
	for (int i = 0; i < 100000; i++) {
		pthread_mutex_lock(&lock);
		total += *(int *)arg;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[4];
	int one = 1;
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, add, &one);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("total = %ld\n", total);
	return 0;
}
```
```output
total = 400000
```
MD
	snip_build build
	expect_err snip-good 0 || return
	local page=site/examples/good.html
	[ -f $page ] || { bad snip-good-page "no $page"; return; }
	grep -c 'badge-verified">verified<' $page | grep -qx 2 ||
		{ bad snip-good-badge "want 2 'verified' badges: $(grep -o 'badge-[a-z-]*">[^<]*' $page)"; return; }
	grep -q 'snippet-toolchain">Python 3\.' $page ||
		{ bad snip-good-toolchain "no Python 3.x toolchain on the page"; return; }
	grep -q 'snippet-toolchain">\(gcc\|cc\|clang\) [0-9]' $page ||
		{ bad snip-good-toolchain "no C compiler toolchain: $(grep -o 'snippet-toolchain">[^<]*' $page)"; return; }
	grep -q 'datetime="2025-11-24"' $page ||
		{ bad snip-good-date "no verification date from SOURCE_DATE_EPOCH"; return; }
	local text; text=$(page_text $page)
	grep -qx 'total = 400000' <<<"$text" || { bad snip-good-output "C output not shown"; return; }
	for i in 0 1 2 3; do
		grep -q "worker $i done" <<<"$text" || { bad snip-good-output "Python output not shown"; return; }
	done
	ok snip-good-page
	snip_clean snip-good
}

case_snip_fail_output() {
	snip_setup snip-fail
	snip_entry x <<'MD'
Some prose.

```python
print("alpha")
print("beta")
```
```output
alpha
gamma
```
MD
	snip_build build
	expect_err snip-fail-output 1 \
		"content/examples/x.md:8: error: snippet failed: output differs from the expected output (expect=exact)" \
		"  --- expected" "  +++ actual" "  @@ -1,2 +1,2 @@" "   alpha" "  -gamma" "  +beta" \
		"  command: python3 -X dev snippet.py" "  exit status 0" \
		"kb: 1 error; site left as it was" || return
	snip_intact snip-fail-output && ok snip-fail-output-site-intact
	snip_clean snip-fail-output
}

case_snip_compile_error() {
	snip_setup snip-cc
	snip_entry broken <<'MD'
```c
#include <stdio.h>
int main(void) { puts(undeclared_name); return 0; }
```
```output
```
MD
	snip_build build
	expect_err snip-compile-error 1 \
		"content/examples/broken.md:6: error: snippet failed to compile" \
		"  compiler output:" \
		"  (line 1 of snippet.c is content/examples/broken.md:7)" || return
	snip_has snip-compile-error-message '^  \| snippet\.c:2:[0-9]+: error: .undeclared_name. undeclared' &&
		snip_has snip-compile-error-command '^  command: cc .*-o \./snippet snippet\.c$' &&
		snip_intact snip-compile-error && ok snip-compile-error-details
	snip_clean snip-compile-error
}

case_snip_timeout() {
	snip_setup snip-loop
	snip_entry loop <<MD
\`\`\`python timeout=1 args=$SNIP_MARK-loop
while True:
    pass
\`\`\`
\`\`\`output
\`\`\`
MD
	snip_build build
	expect_err snip-timeout 1 \
		"content/examples/loop.md:6: error: snippet failed: timed out after 1s" \
		"  timed out after 1s" || return
	snip_intact snip-timeout
	snip_clean snip-timeout "$SNIP_MARK-loop"
}

case_snip_fork_bomb() {
	snip_setup snip-bomb
	snip_entry bomb <<MD
\`\`\`c timeout=2 args=$SNIP_MARK-bomb
#include <unistd.h>
int main(void)
{
	for (;;)
		fork();
}
\`\`\`
\`\`\`output
never printed
\`\`\`
MD
	snip_build build
	expect_err snip-fork-bomb 1 || return
	snip_has snip-fork-bomb-reported '^content/examples/bomb\.md:6: error: snippet failed: ' || return
	snip_has snip-fork-bomb-limit 'timed out after 2s|process limit|Resource temporarily unavailable' &&
		ok snip-fork-bomb-contained
	snip_intact snip-fork-bomb
	snip_clean snip-fork-bomb "$SNIP_MARK-bomb"
}

case_snip_huge_output() {
	snip_setup snip-flood
	snip_entry flood <<MD
\`\`\`python args=$SNIP_MARK-flood
import sys
block = b"y" * 1023 + b"\n"
chunk = block * 1024
for _ in range(1024):
    sys.stdout.buffer.write(chunk)
\`\`\`
\`\`\`output
done
\`\`\`
MD
	snip_build build
	expect_err snip-huge-output 1 \
		"content/examples/flood.md:6: error: snippet failed: output differs from the expected output (expect=exact)" \
		"  (stdout was cut at the output cap)" || return
	local kept; kept=$(grep -c '^  +y' "$WORK/err")
	if [ "$kept" -eq 0 ] || [ "$kept" -gt 64 ]; then
		bad snip-huge-output-cap "$kept output lines reported for 1 GiB of output"
		return
	fi
	snip_intact snip-huge-output
	snip_clean snip-huge-output "$SNIP_MARK-flood"
}

case_snip_memory() {
	snip_setup snip-mem
	snip_entry mem <<MD
\`\`\`python args=$SNIP_MARK-mem
buf = bytearray(10 * 1024 ** 3)
print("allocated", len(buf))
\`\`\`
\`\`\`output
allocated 10737418240
\`\`\`
MD
	snip_build build
	expect_err snip-memory 1 \
		"content/examples/mem.md:6: error: snippet failed: exit status 1, expected 0" \
		"  | MemoryError" || return
	snip_intact snip-memory
	snip_clean snip-memory "$SNIP_MARK-mem"
}

case_snip_network() {
	snip_setup snip-net
	mkdir -p "$WORK/snip-www" && echo reachable > "$WORK/snip-www/index.html"
	python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$WORK/snip-www" \
		>"$WORK/snip-http.out" 2>&1 &
	local srv=$! port='' i
	for i in $(seq 1 50); do
		port=$(grep -o 'port [0-9]*' "$WORK/snip-http.out" | head -1 | cut -d' ' -f2)
		[ -n "$port" ] && break
		sleep 0.1
	done
	if [ -z "$port" ] || ! python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 2)"; then
		bad snip-network "could not start a listener on 127.0.0.1: $(head -3 "$WORK/snip-http.out")"
		kill $srv 2>/dev/null; wait $srv 2>/dev/null
		return
	fi
	snip_entry net <<MD
\`\`\`python args=$SNIP_MARK-net
import socket
try:
    socket.create_connection(("127.0.0.1", $port), 2)
    print("connected")
except OSError:
    print("blocked")
\`\`\`
\`\`\`output
blocked
\`\`\`
MD
	snip_build build
	kill $srv 2>/dev/null; wait $srv 2>/dev/null
	expect_err snip-network-blocked 0 || return
	snip_clean snip-network "$SNIP_MARK-net"
}

case_snip_write_outside() {
	snip_setup snip-escape
	local tmpfile=/tmp/kb-escape-$SNIP_MARK repofile=$PWD/escape-$SNIP_MARK
	rm -f "$tmpfile" "$repofile"
	snip_entry escape <<MD
\`\`\`python args=$SNIP_MARK-escape
for path in ["$tmpfile", "$repofile"]:
    try:
        with open(path, "w") as f:
            f.write("escaped")
        print("written", path)
    except OSError:
        print("blocked")
\`\`\`
\`\`\`output
written $tmpfile
blocked
\`\`\`
MD
	# /tmp is the sandbox's own: the write succeeds there, and the host's
	# /tmp must not see it; the repository is not visible at all.
	snip_build build
	expect_err snip-write-outside 0 || return
	if [ -e "$tmpfile" ] || [ -e "$repofile" ]; then
		bad snip-write-outside-no-file "a file was written outside the sandbox"
		rm -f "$tmpfile" "$repofile"
		return
	fi
	ok snip-write-outside-no-file
	snip_clean snip-write-outside "$SNIP_MARK-escape"
}

# A snippet that tries to read the project beside its working directory,
# the user's home and the host's /etc/passwd gets "blocked" for each (the
# sandbox shows it none of them), and none of those files' text reaches
# the site or the report, even though the expected output is wrong on
# purpose for a snippet that could read them.
case_snip_read_outside() {
	snip_setup snip-peek
	local secret=kb-secret-$SNIP_MARK
	printf '%s\n' "$secret" > "$PWD/peek-secret.txt"
	mkdir -p "$WORK/home-$SNIP_MARK" && printf '%s\n' "$secret" > "$WORK/home-$SNIP_MARK/secret"
	snip_entry peek <<MD
\`\`\`python args=$SNIP_MARK-peek
for path in ["$PWD/peek-secret.txt", "../peek-secret.txt", "$WORK/home-$SNIP_MARK/secret", "/etc/passwd"]:
    try:
        with open(path) as f:
            print("read", f.readline().strip())
    except OSError:
        print("blocked")
\`\`\`
\`\`\`output
blocked
blocked
blocked
blocked
\`\`\`
MD
	HOME=$WORK/home-$SNIP_MARK snip_build build
	expect_err snip-read-outside 0 || return
	if grep -rqs -e "$secret" -e 'root:x:0:0' site "$WORK/err"; then
		bad snip-read-outside-nothing-leaked "a file outside the sandbox reached the site"
	else
		ok snip-read-outside-nothing-leaked
	fi
	rm -rf "$WORK/home-$SNIP_MARK" "$PWD/peek-secret.txt"
	snip_clean snip-read-outside "$SNIP_MARK-peek"
}

case_snip_deadlock() {
	snip_setup snip-deadlock
	snip_entry deadlock <<MD
\`\`\`python exit=timeout timeout=1 args=$SNIP_MARK-deadlock
import threading
a, b = threading.Lock(), threading.Lock()
both = threading.Barrier(2)
def one(first, second):
    with first:
        both.wait()
        with second:
            pass
t1 = threading.Thread(target=one, args=(a, b))
t2 = threading.Thread(target=one, args=(b, a))
t1.start(); t2.start()
print("both threads started", flush=True)
t1.join(); t2.join()
print("never printed")
\`\`\`
\`\`\`output
both threads started
\`\`\`
MD
	snip_build build
	expect_err snip-deadlock-timeout 0 || return
	snip_clean snip-deadlock "$SNIP_MARK-deadlock"
}

# 0 when a ThreadSanitizer program can be built and run here.
snip_have_tsan() {
	local d=$WORK/tsan-probe
	mkdir -p "$d" && printf 'int main(void) { return 0; }\n' > "$d/p.c"
	cc -fsanitize=thread -o "$d/p" "$d/p.c" 2>/dev/null && "$d/p" 2>/dev/null
}

case_snip_tsan() {
	if ! snip_have_tsan; then
		ok "snip-tsan (skipped: ThreadSanitizer unavailable)"
		return
	fi
	snip_setup snip-tsan
	local race='#include <pthread.h>
#include <stdio.h>

static long counter;

static void *bump(void *arg)
{
	(void)arg;
	for (int i = 0; i < 10000; i++)
		counter++;
	return NULL;
}

int main(void)
{
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, bump, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	puts("joined");
	return 0;
}'
	printf '```c tsan=race\n%s\n```\n```output\njoined\n```\n' "$race" | snip_entry race
	snip_build build
	expect_err snip-tsan-race 0 || return
	grep -q 'badge-race">race demonstrated<' site/examples/race.html ||
		bad snip-tsan-race-badge "no 'race demonstrated' badge"
	SNIP_SUM=$(site_sum site)
	printf '```c tsan\n%s\n```\n```output\njoined\n```\n' "$race" | snip_entry race
	snip_build build
	expect_err snip-tsan-clean-fails 1 \
		"content/examples/race.md:6: error: snippet failed: ThreadSanitizer reported a problem (tsan)" || return
	snip_has snip-tsan-clean-report '^  \| WARNING: ThreadSanitizer: data race' &&
		snip_intact snip-tsan-clean-fails && ok snip-tsan-clean-report
	snip_clean snip-tsan
}

# Cache file names with their modification times and inodes.
snip_cache_state() {
	(cd .kb-cache/snippets && stat -c '%n %y %i' -- *.txt) 2>/dev/null | sort
}

case_snip_cache() {
	snip_setup snip-cache
	snip_entry cached <<'MD'
```python
print("first")
```
```output
first
```

```c
#include <stdio.h>
int main(void) { puts("second"); return 0; }
```
```output
second
```
MD
	snip_build build
	expect_err snip-cache-first 0 || return
	local before after; before=$(snip_cache_state)
	[ "$(echo "$before" | wc -l)" -ge 3 ] || { bad snip-cache-files "cache files: $before"; return; }
	local page; page=$(stat -c '%y %i' site/examples/cached.html)
	sleep 0.05 # a rewrite would show in the nanosecond mtime
	snip_build build --force
	expect_err snip-cache-force 0 || return
	[ "$(stat -c '%y %i' site/examples/cached.html)" != "$page" ] ||
		{ bad snip-cache-force-rebuilt "--force did not rebuild the site"; return; }
	after=$(snip_cache_state)
	[ "$after" = "$before" ] && ok snip-cache-nothing-rerun ||
		{ bad snip-cache-nothing-rerun "cache changed: $(diff <(echo "$before") <(echo "$after") | head -4)"; return; }
	sed -i 's/print("first")/print("first")  # edited/' content/examples/cached.md
	snip_build build
	expect_err snip-cache-edit 0 || return
	after=$(snip_cache_state)
	local added removed
	added=$(comm -13 <(echo "$before" | cut -d' ' -f1) <(echo "$after" | cut -d' ' -f1) | wc -l)
	removed=$(comm -23 <(echo "$before") <(echo "$after") | wc -l)
	[ "$added" = 1 ] && [ "$removed" = 0 ] && ok snip-cache-one-rerun ||
		bad snip-cache-one-rerun "$added new and $removed changed cache files after editing one snippet"
	snip_clean snip-cache
}

case_snip_record() {
	snip_setup snip-record
	snip_entry rec <<'MD'
```python
for i in range(3):
    print("line", i)
```

After the snippet.
MD
	snip_build check
	expect_err snip-record-missing 1 \
		"content/examples/rec.md:6: error: snippet failed: no expected output: add an \`\`\`output block after the code (or a sidecar .out file), or use expect=any; \`kb check --record\` fills it in" || return
	snip_build check --record
	expect_err snip-record 0 || return
	local want; want=$(printf '```python\nfor i in range(3):\n    print("line", i)\n```\n```output\nline 0\nline 1\nline 2\n```\n\nAfter the snippet.')
	[ "$(tail -n +6 content/examples/rec.md)" = "$want" ] ||
		{ bad snip-record-block "got: $(tail -n +6 content/examples/rec.md)"; return; }
	ok snip-record-block
	snip_build check
	expect_err snip-record-then-check 0 || return

	cat >> content/examples/rec.md <<'MD'

```python
print("actual")
```
```output
expected
```
MD
	snip_build check --format junit --junit "$WORK/snip-junit.xml"
	expect_err snip-junit-exit 1 "content/examples/rec.md:18: error: snippet failed: output differs from the expected output (expect=exact)" || return
	python3 - "$WORK/snip-junit.xml" <<'PY' && ok snip-junit-xml || bad snip-junit-xml "$(cat "$WORK/snip-junit.py.err")"
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
    cases = root.findall(".//testcase")
    names = sorted(c.get("name") for c in cases)
    want = ["content/examples/hello.md:7 (python)",
            "content/examples/rec.md:18 (python)",
            "content/examples/rec.md:6 (python)"]
    assert names == want, names
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failed == ["content/examples/rec.md:18 (python)"], failed
    text = cases[[c.get("name") for c in cases].index(failed[0])].find("failure").text or ""
    assert "+actual" in text and "-expected" in text, text
except Exception as e:
    open(sys.argv[1].replace(".xml", ".py.err"), "w").write(repr(e))
    sys.exit(1)
PY
	snip_clean snip-record
}

case_snip_bad_attribute() {
	snip_setup snip-attr
	snip_entry x <<'MD'
```python expct=sorted
print(1)
```
```output
1
```

```python timeout=1 frobnicate
print(2)
```
```output
2
```
MD
	snip_build build
	expect_err snip-bad-attribute 1 \
		"content/examples/x.md:6:11: error: unknown attribute 'expct'; did you mean 'expect'?" \
		"content/examples/x.md:13:21: error: unknown attribute 'frobnicate'" \
		"kb: 2 errors; site left as it was" || return
	snip_intact snip-bad-attribute && ok snip-bad-attribute-site-intact
	snip_clean snip-bad-attribute
}

# snip_matrix_lua: a python runner with three toolchains, all the
# machine's python3 under other names: "Python 3.11" and "Python 3.14"
# report 3.11.2 and 3.14.10 and pass their tag (a, b) as argv[1]; "Python
# 3.99" lives in a root that does not exist.
snip_matrix_lua() {
	cat >> kb.lua <<'LUA'
runners = {
  python = {
    ext = ".py",
    run = { "{python}", "{src}", "{tag}" },
    version = { "{python}", "-c", "print('Python {fakever}')" },
    toolchains = {
      { name = "Python 3.11", python = "/usr/bin/python3", tag = "a", fakever = "3.11.2" },
      { name = "Python 3.14", python = "/usr/bin/python3", tag = "b", fakever = "3.14.10" },
      { name = "Python 3.99", python = "/usr/bin/python3.99", tag = "m", fakever = "3.99.0",
        root = ".no-such-toolchains/root" },
    },
  },
}
LUA
}

# A snippet that passes on one toolchain and fails on another fails the
# build, naming the toolchain; a version-qualified output block fixes it,
# and the page shows both outputs and the versions.
case_snip_matrix() {
	snip_setup snip-matrix
	snip_matrix_lua
	snip_entry m <<'MD'
```python
import sys
print(sys.argv[1])
```
```output
a
```
MD
	snip_build build
	expect_err snip-matrix-fails 1 \
		"content/examples/m.md:6: error: snippet failed on Python 3.14.10: output differs from the expected output (expect=exact)" \
		"  -a" "  +b" "  command: /usr/bin/python3 snippet.py b" \
		"kb: 1 error; site left as it was" || return
	grep -q "failed on Python 3.11" "$WORK/err" && { bad snip-matrix-fails "blames the toolchain that passed"; return; }
	snip_intact snip-matrix && ok snip-matrix-site-intact
	cat >> content/examples/m.md <<'MD'
```output python>=3.14
b
```
MD
	snip_build build
	expect_err snip-matrix-qualified 0 || return
	local page=site/examples/m.html
	grep -qF '<span class="snippet-toolchain">on Python 3.11.2 · 3.14.10</span>' $page ||
		{ bad snip-matrix-page "no verified-on line: $(grep -o 'snippet-meta.*' $page | head -c 400)"; return; }
	grep -qF '<div class="snippet-variant-label">Python 3.11.2</div>' $page &&
	grep -qF '<div class="snippet-variant-label">Python 3.14.10</div>' $page ||
		{ bad snip-matrix-page "outputs not shown per version"; return; }
	grep -qF 'not run on Python 3.99 (not available on the build machine)' $page ||
		{ bad snip-matrix-page "missing toolchain not shown"; return; }
	grep -q '```output python>=3.14' $page && { bad snip-matrix-page "qualified block shown as code"; return; }
	ok snip-matrix-page
	run_kb search --json "snippet under test"
	grep -qF '"verified_on": ["Python 3.11.2", "Python 3.14.10"]' "$WORK/out" ||
		{ bad snip-matrix-search "no verified_on in kb search --json: $(head -c 600 "$WORK/out")"; return; }
	ok snip-matrix-search
	snip_clean snip-matrix
}

# Toolchains that are not installed: one note for the whole build; a
# snippet none of whose toolchains is here is skipped, listed by
# --list-skipped, and an error under --strict.
case_snip_matrix_missing() {
	snip_setup snip-missing
	snip_matrix_lua
	snip_entry n <<'MD'
```python
print("one")
```
```output
one
```

```python
print("two")
```
```output
two
```

```python requires="python>=3.99"
print("future")
```
```output
future
```
MD
	snip_build build
	expect_err snip-missing-once 0 \
		'kb: note: toolchain not available on this machine: Python 3.99 (run `make toolchains`)' || return
	local n; n=$(grep -c "not available" "$WORK/err")
	[ "$n" = 1 ] || { bad snip-missing-once "reported $n times: $(cat "$WORK/err")"; return; }
	snip_build check --list-skipped
	grep -qxF 'content/examples/n.md:20: skipped: no toolchain it applies to is available on this machine (Python 3.99)' "$WORK/out" ||
		{ bad snip-missing-list "not listed: $(cat "$WORK/out")"; return; }
	ok snip-missing-list
	snip_build build --strict
	expect_err snip-missing-strict 1 \
		"content/examples/n.md:20: error: snippet skipped: no toolchain it applies to is available on this machine (Python 3.99)" || return
	snip_clean snip-missing
}
