# bash completion for kb. Installed by `make install` as
# $(PREFIX)/share/bash-completion/completions/kb.

_kb()
{
	local cur prev words cword
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	}
	local commands="build check search serve new init links"
	local sections="guides topics resources languages examples comparisons"

	if [ "$cword" -eq 1 ]; then
		COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
		return
	fi
	case ${words[1]} in
	build)
		case $prev in
		--out) COMPREPLY=($(compgen -d -- "$cur")); return ;;
		--jobs) return ;;
		esac
		COMPREPLY=($(compgen -W "--out --jobs --strict --no-cache --force --help" -- "$cur")) ;;
	check)
		case $prev in
		--changed-since) COMPREPLY=($(compgen -W "$(git for-each-ref --format='%(refname:short)' 2>/dev/null) HEAD" -- "$cur")); return ;;
		--junit) COMPREPLY=($(compgen -f -- "$cur")); return ;;
		--format) COMPREPLY=($(compgen -W "junit github gitlab" -- "$cur")); return ;;
		--jobs|--stress|--stale|--shard) return ;;
		esac
		COMPREPLY=($(compgen -W "--changed-since --record --stress --format --junit --list-skipped --jobs --strict --no-cache --stale --shard --merge-junit --help" -- "$cur")) ;;
	search)
		case $prev in
		--section) COMPREPLY=($(compgen -W "$sections" -- "$cur")); return ;;
		--tag|--lang|-n) return ;;
		esac
		COMPREPLY=($(compgen -W "--tag --lang --section -n --json --color --help" -- "$cur")) ;;
	serve)
		case $prev in
		--port|--bind) return ;;
		esac
		COMPREPLY=($(compgen -W "--port --bind --help" -- "$cur")) ;;
	new)
		[ "$cword" -eq 2 ] && COMPREPLY=($(compgen -W "$sections --help" -- "$cur")) ;;
	init)
		[ "$cword" -eq 2 ] && COMPREPLY=($(compgen -d -- "$cur")) ;;
	links)
		case $prev in
		--changed-since) COMPREPLY=($(compgen -W "$(git for-each-ref --format='%(refname:short)' 2>/dev/null) HEAD" -- "$cur")); return ;;
		--format) COMPREPLY=($(compgen -W "junit" -- "$cur")); return ;;
		esac
		COMPREPLY=($(compgen -W "--changed-since --record --json --format --help" -- "$cur")) ;;
	esac
}
complete -F _kb kb
