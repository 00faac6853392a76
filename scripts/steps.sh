# shellcheck shell=bash
# Step helpers shared by install.sh, install-central.sh and uninstall.sh (sourced, not run).
# Every change goes through `run`, so --dry-run (DRY_RUN=1 in the caller) shows exactly
# what a real run does.

say() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }

# Shows a command as it would be typed: plain words bare, others shell-quoted.
show() {
    local out="+" word safe='^[A-Za-z0-9_./:=,@+%-]+$'
    for word in "$@"; do
        if [[ $word =~ $safe ]]; then out+=" $word"; else out+=" $(printf '%q' "$word")"; fi
    done
    printf '%s\n' "$out"
}

run() {
    show "$@"
    if ((${DRY_RUN:-0})); then return 0; fi
    "$@"
}
