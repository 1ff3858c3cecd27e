# kb - build the generator, the site, the tests.
#
#   make site     build kb, then the site into site/
#   make test     unit tests (ASan+UBSan) and end-to-end tests
#   make regen-golden  rewrite tests/golden/ after an intended page change
#   make toolchains  Python 3.13-3.15 in a Debian sid root (.kb-toolchains/)
#   make bench    timings on a generated 10,000-entry corpus
#   make install  kb, its man page and the built search index

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
SHAREDIR ?= $(PREFIX)/share/kb

CC      ?= cc
PKGS     = libcmark-gfm libgit2 lua5.4 yaml-0.1 sqlite3 libmicrohttpd
# kb links: HTTP(S) requests through libcurl's multi interface.
PKGS    += libcurl
# Warnings: -Werror is always on; the set follows Lua's makefile.
WARN     = -Wall -Wextra -Werror -Wwrite-strings -Wmissing-prototypes \
           -Wstrict-prototypes -Wold-style-definition
CFLAGS  ?= -O2 -g
KB_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) -DKB_SHARE_DIR='"$(SHAREDIR)"' \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -Igen
KB_LIBS  = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcmark-gfm-extensions -pthread -lm
SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

SRCS     = $(wildcard gen/*.c)
LIBSRCS  = $(filter-out gen/main.c,$(SRCS))
OBJS     = $(SRCS:gen/%.c=build/obj/%.o)
TESTS    = $(patsubst tests/%.c,build/tests/%,$(wildcard tests/test_*.c))
TEST_LIBS = $(KB_LIBS) $(shell pkg-config --libs cmocka 2>/dev/null)

.PHONY: all site test stale toolchains unit e2e golden regen-golden browser search-quality ci-workflow bench install clean deps deps-test deps-bench deps-npm

all: kb

deps:
	@scripts/deps.sh build
deps-test:
	@scripts/deps.sh test
deps-bench:
	@scripts/deps.sh bench
# Pagefind (in-page search), playwright-core and axe-core, pinned in
# package-lock.json; reinstalled when the lock file changes.
deps-npm: node_modules/.package-lock.json
node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

build/obj/%.o: gen/%.c gen/*.h | deps
	@mkdir -p $(dir $@)
	$(CC) $(KB_CFLAGS) $(CFLAGS) -c $< -o $@

kb: $(OBJS)
	$(CC) $(CFLAGS) $(OBJS) $(KB_LIBS) -o $@

site: kb deps-npm
	./kb build

# Newer Pythons than Debian 12 has, for the snippet runners that use them.
toolchains:
	@scripts/toolchains.sh .kb-toolchains/debian-sid

# Unit tests: every tests/test_*.c, linked with every module but main.c,
# under AddressSanitizer and UndefinedBehaviorSanitizer. The modules are
# compiled once, with the same warnings, into build/libkb-san.a, and each
# test links against it (it takes only the members it needs).
SAN_OBJS = $(LIBSRCS:gen/%.c=build/san/%.o)
build/san/%.o: gen/%.c gen/*.h | deps-test
	@mkdir -p $(dir $@)
	$(CC) $(KB_CFLAGS) -O1 -g $(SANITIZE) -c $< -o $@
build/libkb-san.a: $(SAN_OBJS)
	rm -f $@
	$(AR) rcs $@ $(SAN_OBJS)
build/tests/%: tests/%.c build/libkb-san.a gen/*.h | deps-test
	@mkdir -p $(dir $@)
	$(CC) $(KB_CFLAGS) $(shell pkg-config --cflags cmocka) -O1 -g $(SANITIZE) \
	    $< build/libkb-san.a $(TEST_LIBS) -o $@

unit: $(TESTS)
	@tests/run-unit $(TESTS)

e2e: kb
	@tests/e2e/run

# Golden files: the pages of tests/e2e/good, byte for byte, against
# tests/golden/good/ (also a case of tests/e2e/run). After an intended
# change of the pages, regenerate them and review the diff.
golden: kb
	@tests/golden/run
regen-golden: kb
	@tests/golden/run --regen

browser: kb deps-npm
	@tests/browser/run

# Ranking quality on the real content (MRR, recall@3) of `kb search` and
# of the site's search box (Pagefind, in Chromium), on the keyword set,
# the question set and the held-out question set. The floors sit about
# 0.03 below what each reached when it was set: raise them as ranking
# improves. The held-out set is never used to tune ranking or to write
# entries' answers:, so its scores are the honest ones; only its scores are
# printed, not its questions.
QUALITY = build/quality-site
search-quality: kb deps-npm
	./kb build --out $(QUALITY) --force
	@tests/search-quality $(QUALITY)/kb-search.sqlite
	@tests/search-quality $(QUALITY)/kb-search.sqlite \
	    --queries tests/search-questions.tsv --min-mrr 0.83 --min-recall 0.84
	@tests/search-quality $(QUALITY)/kb-search.sqlite \
	    --queries tests/search-questions-holdout.tsv --min-mrr 0.72 --min-recall 0.77 \
	    --scores-only
	@NODE_PATH=$(CURDIR)/node_modules node tests/browser/pagefind-quality.mjs $(QUALITY) \
	    tests/search-queries.tsv:0.83:0.80 tests/search-questions.tsv:0.71:0.80 \
	    tests/search-questions-holdout.tsv:0.65:0.68:scores

# Every entry's facts were checked against their sources within a year
# (front matter checked:); --list runs no snippet.
stale: kb
	@./kb check --stale 365 --strict --list >/dev/null && echo "stale: every entry checked within 365 days"

test: deps-test
test: toolchains
	@$(MAKE) --no-print-directory stale
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory e2e
	@$(MAKE) --no-print-directory browser
	@$(MAKE) --no-print-directory search-quality
	@$(MAKE) --no-print-directory ci-workflow

# The CI recipes' steps (.github/workflows/kb.yml, .gitlab-ci.yml), run
# here as written in a fresh clone.
ci-workflow: kb
	@tests/ci-workflow

# Timings on generated corpora; figures are printed and written to
# build/bench.json. No pass/fail on speed: read them on an idle machine.
# The snippet corpus is timed on one toolchain and again on the four
# CPythons kb.lua configures (3.11, 3.13, 3.14, 3.15; the free-threaded
# ones are not packaged for Debian), hence the toolchains prerequisite.
BENCH_CORPUS = build/bench-corpus
BENCH_ARGS = --matrix-config kb.lua --matrix-toolchains 4
bench: kb deps-bench deps-npm toolchains
	tests/bench/run --entries 10000 --snippets 200 $(BENCH_ARGS)
	rm -rf $(BENCH_CORPUS) && tests/bench/make-corpus 10000 $(BENCH_CORPUS) >/dev/null
	cd $(BENCH_CORPUS) && ../../kb build
	tests/bench/search-bench $(BENCH_CORPUS)
	tests/bench/pagefind-bench $(BENCH_CORPUS)
	tests/bench/git-bench

install: kb
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(SHAREDIR)
	install -m 755 kb $(DESTDIR)$(BINDIR)/kb
	install -m 644 kb.1 $(DESTDIR)$(MANDIR)/man1/kb.1
	cp -R templates init $(DESTDIR)$(SHAREDIR)/
	mkdir -p $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions
	install -m 644 completions/kb.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/kb
	install -m 644 completions/_kb $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_kb
	if [ -f site/kb-search.sqlite ]; then install -m 644 site/kb-search.sqlite $(DESTDIR)$(SHAREDIR)/; fi

clean:
	rm -rf build kb
