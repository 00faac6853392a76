#!/usr/bin/env bash
# Remove the videotron service and its code. Keeps the config (/etc/videotron) and the
# cache (/var/lib/videotron) unless --purge, so a reinstall plays at once, offline.
#
#   sudo scripts/uninstall.sh [--purge] [--dry-run] [--root DIR]
set -euo pipefail

PREFIX=/opt/videotron
ETC=/etc/videotron
STATE=/var/lib/videotron
UNIT=videotron.service
UNIT_DIR=/etc/systemd/system
SERVICE_USER=videotron

ROOT=""
DRY_RUN=0
PURGE=0

usage() {
    cat <<EOF
usage: $0 [--purge] [--dry-run] [--root DIR]

  --purge      also delete the config ($ETC), the cache ($STATE) and the $SERVICE_USER user
  --dry-run    print every step without running it
  --root DIR   uninstall from the Debian root folder DIR (chroot)
EOF
}

while (($#)); do
    case "$1" in
    --purge) PURGE=1 ;;
    --dry-run) DRY_RUN=1 ;;
    --root)
        ROOT=${2:?--root needs a folder}
        shift
        ;;
    -h | --help)
        usage
        exit 0
        ;;
    *)
        echo "unknown option: $1" >&2
        usage >&2
        exit 2
        ;;
    esac
    shift
done

if [ -n "$ROOT" ]; then
    ROOT=$(cd "$ROOT" 2>/dev/null && pwd) || {
        echo "error: --root $ROOT: no such folder" >&2
        exit 2
    }
fi
if [ "$(id -u)" -ne 0 ] && ((!DRY_RUN)); then
    echo "error: run as root (sudo $0)" >&2
    exit 1
fi

# shellcheck source=scripts/steps.sh
source "$(dirname "${BASH_SOURCE[0]}")/steps.sh"
query() {
    if [ -n "$ROOT" ]; then
        chroot "$ROOT" "$@"
    else
        "$@"
    fi
}
target() {
    if [ -n "$ROOT" ]; then
        run chroot "$ROOT" "$@"
    else
        run "$@"
    fi
}

say "stopping and disabling $UNIT"
if [ -n "$ROOT" ]; then
    if [ -e "$ROOT$UNIT_DIR/$UNIT" ]; then
        run systemctl --root="$ROOT" disable "$UNIT"
    fi
elif [ -d /run/systemd/system ]; then
    # Both may fail harmlessly when the unit is already gone: this must be re-runnable.
    run systemctl disable --now "$UNIT" || true
else
    [ ! -e "$UNIT_DIR/$UNIT" ] || run systemctl disable "$UNIT" || true
fi

say "removing the unit, the code and the venv"
run rm -rf "$ROOT$UNIT_DIR/$UNIT" "$ROOT$UNIT_DIR/$UNIT.d" "$ROOT$PREFIX"
if [ -L "$ROOT/usr/local/bin/videotron" ]; then
    run rm -f "$ROOT/usr/local/bin/videotron"
fi
if [ -z "$ROOT" ] && [ -d /run/systemd/system ]; then
    run systemctl daemon-reload
fi

if ((PURGE)); then
    say "purging config, cache and the $SERVICE_USER user"
    run rm -rf "$ROOT$ETC" "$ROOT$STATE" "$ROOT/run/videotron"
    if query getent passwd "$SERVICE_USER" >/dev/null; then
        target userdel "$SERVICE_USER"
    fi
    if query getent group "$SERVICE_USER" >/dev/null; then
        target groupdel "$SERVICE_USER"
    fi
else
    say "kept $ETC (config) and $STATE (cache); --purge removes them"
fi
say "done"
