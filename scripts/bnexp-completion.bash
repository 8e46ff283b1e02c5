# bash completion for bnexp (installed by `make install` as
# share/bash-completion/completions/bnexp).  Everything it offers comes from
# bnexp itself: the commands from `bnexp help --commands`, a command's
# options from its --help, experiment names from its experiments/ folder
# (`bnexp list`), so it cannot drift from the program.
_bnexp() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local prog=${COMP_WORDS[0]}
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "$("$prog" help --commands 2>/dev/null) --version --help" -- "$cur"))
        return
    fi
    local cmd=${COMP_WORDS[1]}
    case $prev in
        --run|--out|--runs|--from) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --format) COMPREPLY=($(compgen -W "png svg pdf" -- "$cur")); return ;;
        --launcher) COMPREPLY=($(compgen -W "local parallel slurm" -- "$cur")); return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$("$prog" "$cmd" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u)" -- "$cur"))
        return
    fi
    case $cmd in
        run|report|plot|status|collect|eval)
            local names
            names=$("$prog" list 2>/dev/null | awk '/^experiments/ {on=1; next} /^$/ {on=0} on && /^  [a-z0-9]/ {print $1}')
            case $cmd in
                plot) [ "$COMP_CWORD" -eq 2 ] && names=$("$prog" list 2>/dev/null | awk '/^charts/ {on=1; next} /^$/ {on=0} on && /^  [a-z]/ {print $1}') ;;
                run) names="$names claims" ;;
                report) names="$names claims" ;;
            esac
            COMPREPLY=($(compgen -W "$names" -- "$cur"))
            [[ $cur == */* || $cur == *.ini ]] && COMPREPLY+=($(compgen -f -- "$cur"))
            ;;
        data) [ "$COMP_CWORD" -eq 2 ] && COMPREPLY=($(compgen -W "fetch verify list" -- "$cur")) ||
                  COMPREPLY=($(compgen -W "mnist fashion-mnist cifar10" -- "$cur")) ;;
        help) COMPREPLY=($(compgen -W "$("$prog" help --commands 2>/dev/null)" -- "$cur")) ;;
    esac
}
complete -F _bnexp bnexp
