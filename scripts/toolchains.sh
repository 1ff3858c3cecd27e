#!/bin/sh
# Provides the toolchains that Debian 12 lacks: a Debian sid root
# filesystem with Python 3.13, 3.14 and 3.15 in .kb-toolchains/debian-sid,
# which kb's sandbox uses as the root of the runners that name it.
#
#   scripts/toolchains.sh [DIR]    (default: .kb-toolchains/debian-sid)
#
# An existing root that has the three interpreters is left alone. Otherwise
# it is built with debootstrap (installed first, as root, when missing)
# from debootstrap's default mirror into a temporary sibling, which is
# renamed into place only when complete, so an interrupted run is simply
# redone. Needs root (debootstrap does), about 370 MB and a minute.
set -eu
dir=${1:-.kb-toolchains/debian-sid}
pythons="python3.13 python3.14 python3.15"

complete() {
	for p in $pythons; do
		[ -x "$1/usr/bin/$p" ] || return 1
	done
}

if complete "$dir"; then
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "kb: $dir is missing or incomplete; debootstrap needs root:" >&2
	echo "    sudo $0 $dir" >&2
	exit 1
fi

if ! command -v debootstrap >/dev/null 2>&1; then
	echo "kb: installing: debootstrap" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

parent=$(dirname "$dir")
mkdir -p "$parent"
# Leftovers of an interrupted run, and an incomplete root.
rm -rf "$parent"/.debian-sid.tmp-*
tmp=$(mktemp -d "$parent/.debian-sid.tmp-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
echo "kb: making $dir with debootstrap (Debian sid: $pythons)" >&2
include=$(echo $pythons | tr ' ' ',')
if ! debootstrap --variant=minbase --include="$include" sid "$tmp" >"$tmp.log" 2>&1; then
	echo "kb: debootstrap failed; the end of its log:" >&2
	tail -20 "$tmp.log" >&2
	rm -f "$tmp.log"
	exit 1
fi
rm -f "$tmp.log"
if ! complete "$tmp"; then
	echo "kb: debootstrap did not install $pythons" >&2
	exit 1
fi
chmod 755 "$tmp"
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT INT TERM
echo "kb: $dir is ready" >&2
