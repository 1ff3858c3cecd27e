# End-to-end tests of the contributor loop at scale: `kb init`, CI
# annotations (`kb check --format github|gitlab`), sharded checks
# (`--shard I/N`, `--merge-junit`) and the shell completions.
#
# Sourced by tests/e2e/run, which provides fresh, run_kb, expect_err, ok,
# bad and $WORK, $ROOT, $KB.

# kb init from an installed kb: `make install` into a staging folder, then
# the installed binary finds its skeleton and templates there.
case_init() {
	local dest=$WORK/dest prefix=/usr/local
	make -C "$ROOT" --no-print-directory -s install DESTDIR="$dest" >/dev/null 2>"$WORK/err" ||
		{ bad init-install "make install failed: $(head -3 "$WORK/err")"; return; }
	local share=$dest$prefix/share/kb ikb=$dest$prefix/bin/kb
	[ -f "$share/init/kb.lua" ] && [ -d "$share/templates" ] &&
		[ -f "$dest$prefix/share/bash-completion/completions/kb" ] &&
		[ -f "$dest$prefix/share/zsh/site-functions/_kb" ] ||
		{ bad init-install "installed files missing under $dest$prefix/share"; return; }
	ok init-install
	cd "$WORK" || return
	KB_INIT=$share/init "$ikb" init "$WORK/newkb" >"$WORK/out" 2>"$WORK/err"
	echo $? >"$WORK/rc"
	expect_err init-creates 0 || return
	local f
	for f in kb.lua .gitignore CONTRIBUTING.md content/guides content/topics \
		content/resources content/languages content/examples content/comparisons; do
		[ -e "$WORK/newkb/$f" ] || { bad init-creates "no $f"; return; }
	done
	cd "$WORK/newkb" || return
	KB_TEMPLATES=$share/templates "$ikb" build >"$WORK/out" 2>"$WORK/err"
	echo $? >"$WORK/rc"
	expect_err init-builds 0 || return
	grep -q 'class="snippet snippet-verified" data-lang="python"' site/examples/hello-threads.html &&
		grep -q 'class="snippet snippet-verified" data-lang="c"' site/examples/hello-threads.html ||
		{ bad init-verified "the example page does not show a verified Python and C snippet"; return; }
	ok init-verified
	KB_TEMPLATES=$share/templates "$ikb" check >"$WORK/out" 2>"$WORK/err"
	echo $? >"$WORK/rc"
	expect_err init-checks 0 || return
	# The starter example can fail: a wrong expected output is caught.
	sed -i 's/^500000500000 True$/500000500001 True/' content/examples/hello-threads.md
	KB_TEMPLATES=$share/templates "$ikb" check >"$WORK/out" 2>"$WORK/err"
	echo $? >"$WORK/rc"
	expect_err init-example-can-fail 1 \
		"content/examples/hello-threads.md:15: error: snippet failed: output differs from the expected output (expect=exact)"
	cd "$WORK" || return
	run_kb init "$WORK/newkb"
	expect_err init-refuses-non-empty 1 \
		"kb: $WORK/newkb: not an empty folder; kb init starts a new knowledge base only in a missing or empty one"
	run_kb init "$WORK/newkb/kb.lua"
	expect_err init-refuses-file 1 \
		"kb: $WORK/newkb/kb.lua: not an empty folder; kb init starts a new knowledge base only in a missing or empty one"
	run_kb init
	expect_err init-usage 2 "kb: give one folder"
	mkdir -p "$WORK/emptykb"
	run_kb init "$WORK/emptykb"
	expect_err init-empty-folder 0
}

# Every message of a broken entry as a GitHub annotation on stdout, and as
# a GitLab Code Quality report.
case_check_annotations() {
	fresh annotate
	local f=content/topics/annotated.md
	printf -- '---\ntitle: Annotated\nsummary: One typo.\ntittle: x\n---\n\nBody.\n' >"$f"
	run_kb check --format github
	expect_err github-exit 1 || return
	if grep -qxF "::error file=$f,line=4,col=1::unknown key 'tittle' (did you mean 'title'?)" "$WORK/out"; then
		ok github-annotation
	else
		bad github-annotation "got: $(head -3 "$WORK/out")"
	fi
	run_kb check --format gitlab
	expect_err gitlab-exit 1 || return
	if python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
m = [x for x in r if x["location"]["path"] == sys.argv[2]]
assert len(m) == 1, r
x = m[0]
assert x["location"]["lines"]["begin"] == 4 and x["severity"] == "major", x
assert x["description"].startswith("unknown key"), x
' "$WORK/out" "$f" 2>"$WORK/err"; then
		ok gitlab-report
	else
		bad gitlab-report "$(tail -2 "$WORK/err")"
	fi
	run_kb check --format teamcity
	expect_err format-unknown 2 "kb: --format wants 'text', 'junit', 'github' or 'gitlab', not 'teamcity'"
}

# shard_union NAME DIR: for N = 1..4, the shards' snippet lists are
# disjoint and their union is the full list, in the knowledge base at DIR.
shard_union() {
	local name=$1 dir=$2 n i
	(cd "$dir" && "$KB" check --list >"$WORK/all" 2>/dev/null)
	sort "$WORK/all" >"$WORK/all.sorted"
	local total; total=$(wc -l <"$WORK/all.sorted")
	[ "$total" -gt 0 ] || { bad "shard-$name" "no snippets listed"; return; }
	for n in 1 2 3 4; do
		: >"$WORK/union"
		for i in $(seq 1 "$n"); do
			(cd "$dir" && "$KB" check --list --shard "$i/$n" 2>/dev/null) >>"$WORK/union"
		done
		sort "$WORK/union" >"$WORK/union.sorted"
		if ! cmp -s "$WORK/all.sorted" "$WORK/union.sorted"; then
			bad "shard-$name-$n" "union of $n shards differs from the full list: $(diff "$WORK/all.sorted" "$WORK/union.sorted" | head -3)"
			return
		fi
		if [ "$(sort -u "$WORK/union" | wc -l)" != "$total" ]; then
			bad "shard-$name-$n" "shards overlap"
			return
		fi
	done
	ok "shard-$name ($total snippets)"
}

case_shards() {
	fresh shards
	shard_union fixture "$WORK/shards"
	shard_union content "$ROOT"
	rm -rf "$WORK/corpus"
	"$ROOT/tests/bench/make-corpus" 300 "$WORK/corpus" --snippets 200 >/dev/null ||
		{ bad shard-corpus "make-corpus failed"; return; }
	shard_union bench-corpus "$WORK/corpus"
	# The shards' JUnit reports merge into one with every test case.
	cd "$WORK/shards" || return
	run_kb check --shard 1/2 --junit "$WORK/j1.xml"
	expect_err shard-1-of-2 0 || return
	run_kb check --shard 2/2 --junit "$WORK/j2.xml"
	expect_err shard-2-of-2 0 || return
	run_kb check --merge-junit "$WORK/merged.xml" "$WORK/j1.xml" "$WORK/j2.xml"
	expect_err merge-junit 0 || return
	local want; want=$("$KB" check --list 2>/dev/null | wc -l)
	if [ "$(grep -c '<testcase ' "$WORK/merged.xml")" = "$want" ] &&
		grep -q "<testsuites tests=\"$want\"" "$WORK/merged.xml"; then
		ok merge-junit-cases
	else
		bad merge-junit-cases "wanted $want test cases: $(head -3 "$WORK/merged.xml")"
	fi
	run_kb check --merge-junit "$WORK/merged.xml" "$WORK/missing.xml"
	expect_err merge-junit-missing 1 "$WORK/missing.xml: error: cannot read: No such file or directory"
	run_kb check --shard 5/4
	expect_err shard-bad 2 "kb: --shard wants I/N with 1 <= I <= N <= 1024, not '5/4'"
}

# The bash completion offers commands, options and section names.
case_completion() {
	local out
	out=$(bash -c '
		. "$1/completions/kb.bash"
		COMP_WORDS=(kb ""); COMP_CWORD=1; _kb; echo "${COMPREPLY[*]}"
		COMP_WORDS=(kb new ""); COMP_CWORD=2; _kb; echo "${COMPREPLY[*]}"
		COMP_WORDS=(kb check --sh); COMP_CWORD=2; _kb; echo "${COMPREPLY[*]}"
	' _ "$ROOT" 2>&1)
	local want="build check search serve new init links --help --version
guides topics resources languages examples comparisons --help
--shard"
	[ "$out" = "$want" ] && ok completion-bash || bad completion-bash "got: $out"
}

# checked: dates and kb check --stale.
case_stale() {
	fresh stale
	local f=content/topics/dated.md
	printf -- '---\ntitle: Dated\nsummary: Checked long ago.\nchecked: 2020-01-02\n---\n\nBody.\n' >"$f"
	run_kb check --stale 365
	expect_err stale-warns 0 "$f:1:1: warning: stale: facts last checked 2020-01-02, 2153 days ago (more than 365)" || return
	run_kb check --stale 365 --strict
	expect_err stale-strict 1 "$f:1:1: error: stale: facts last checked 2020-01-02, 2153 days ago (more than 365)"
	run_kb check --stale 99999
	if grep -q "$f.*stale" "$WORK/err"; then bad stale-within "reported within the limit"; else ok stale-within; fi
	sed -i 's/^checked: .*/checked: 2020-02-30/' "$f"
	run_kb check
	expect_err checked-bad-date 1 "$f:4:10: error: 'checked' must be a past date like 2026-12-07 (YYYY-MM-DD), not '2020-02-30'"
}
