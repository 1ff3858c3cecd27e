#!/bin/sh
# Installs the Debian packages kb needs to build, test and benchmark.
# Run by the Makefile before anything is compiled: as root it installs what
# is missing with apt-get; otherwise it prints the exact command and stops.
#
#   scripts/deps.sh build    libraries and tools to build kb and the site
#                            (bubblewrap: the sandbox snippets run in)
#   scripts/deps.sh test     + cmocka, browsers and tools for the test suite
#   scripts/deps.sh bench    + hugo, cmark and time for `make bench`
set -e
what=${1:-build}

pkgs="build-essential pkg-config libcmark-gfm-dev libcmark-gfm-extensions-dev
libgit2-dev liblua5.4-dev libyaml-dev libsqlite3-dev libmicrohttpd-dev
python3 python3-pygments git bubblewrap"
# kb links checks URLs with libcurl.
pkgs="$pkgs libcurl4-openssl-dev"
case "$what" in
test)  pkgs="$pkgs libcmocka-dev chromium nodejs npm python3-yaml" ;;
bench) pkgs="$pkgs hugo cmark cmark-gfm time" ;;
build) ;;
*) echo "usage: scripts/deps.sh build|test|bench" >&2; exit 2 ;;
esac

missing=
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

# Node.js and npm may come from elsewhere than Debian: accept them if present.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
	missing=$(echo "$missing" | tr ' ' '\n' | grep -vx -e nodejs -e npm | tr '\n' ' ')
	[ -z "$(echo $missing)" ] && exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "kb: missing Debian packages:$missing" >&2
	echo "kb: install them with:" >&2
	echo "    sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "kb: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
