#!/usr/bin/env bash
# Install the office side (videotron collect, report, publish, alert) on a Debian or
# Ubuntu server, with the collector as a systemd service.
#
#   sudo scripts/install-central.sh              # install, enable and start the collector
#   sudo scripts/install-central.sh --no-start   # install and enable only
#   scripts/install-central.sh --dry-run         # print every step, check preconditions only
#
# Safe to run again: upgrades the code, keeps /etc/videotron/central.yaml and the database.
# See docs/OPERATIONS.md ("The office side").
set -euo pipefail

PREFIX=/opt/videotron
SRC_DIR=$PREFIX/central-src
VENV=$PREFIX/central-venv
ETC=/etc/videotron
STATE=/var/lib/videotron-central
UNIT=videotron-collector.service
CAP_UNIT=videotron-cap.service
CONSOLE_UNIT=videotron-console.service
UNIT_DIR=/etc/systemd/system
SERVICE_USER=videotron-central

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DRY_RUN=0
START=1

usage() {
    cat <<EOF
usage: $0 [--dry-run] [--no-start] [--source DIR]

  --dry-run     print every step without running it; check the preconditions
  --no-start    install and enable the collector, but do not (re)start it now
  --source DIR  source tree (default: this script's checkout: $SRC)
EOF
}

while (($#)); do
    case "$1" in
    --dry-run) DRY_RUN=1 ;;
    --no-start) START=0 ;;
    --source)
        SRC=${2:?--source needs a folder}
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

# shellcheck source=scripts/steps.sh
source "$(dirname "${BASH_SOURCE[0]}")/steps.sh"

# -- preconditions ------------------------------------------------------------------------
problems=0
fail() {
    printf 'precondition failed: %s\n' "$*" >&2
    problems=$((problems + 1))
}
say "checking preconditions"
if [ "$(id -u)" -ne 0 ]; then
    if ((DRY_RUN)); then warn "not root: a real install needs sudo"; else fail "run as root (sudo $0)"; fi
fi
for f in pyproject.toml central/collector/ingest.py videotron/cli.py systemd/$UNIT systemd/$CAP_UNIT systemd/$CONSOLE_UNIT config/central.yaml; do
    [ -e "$SRC/$f" ] || fail "source tree $SRC has no $f (use --source DIR)"
done
if [ ! -r /etc/os-release ]; then
    fail "no /etc/os-release: is this a Debian or Ubuntu system?"
else
    ids=$(sed -n 's/^ID\(_LIKE\)\?=//p' /etc/os-release | tr -d '"' | tr '\n' ' ')
    case " $ids " in
    *" debian "* | *" ubuntu "*) ;;
    *) fail "this is not Debian or Ubuntu (ID: $ids)" ;;
    esac
fi
for cmd in apt-get useradd groupadd systemctl; do
    command -v "$cmd" >/dev/null || fail "$cmd is missing"
done
if ((START)) && [ ! -d /run/systemd/system ]; then
    warn "systemd is not running here: the collector will be enabled but not started"
    START=0
fi
if ((problems)); then
    echo "$problems precondition(s) failed; nothing was changed." >&2
    exit 1
fi
say "installing the office side from $SRC"

# -- 1. system packages -------------------------------------------------------------------
# Everything else (SQLAlchemy, Alembic, psycopg with its libpq, paho-mqtt, PyNaCl, Pillow,
# PyAV) comes from PyPI wheels into the venv, at the versions the project is tested with.
packages=(python3 python3-venv ca-certificates)
say "system packages: ${packages[*]}"
run env DEBIAN_FRONTEND=noninteractive apt-get update -q
run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${packages[@]}"

# -- 2. the service user ------------------------------------------------------------------
say "user $SERVICE_USER"
getent group "$SERVICE_USER" >/dev/null || run groupadd --system "$SERVICE_USER"
if ! getent passwd "$SERVICE_USER" >/dev/null; then
    run useradd --system --gid "$SERVICE_USER" --home-dir "$STATE" --no-create-home \
        --shell /usr/sbin/nologin --comment "videotron collector" "$SERVICE_USER"
fi

# -- 3. folders ---------------------------------------------------------------------------
say "folders"
run install -d -m 0755 -o root -g root "$PREFIX" "$ETC"
# The SQLite database (the default collector.database) lives here, with its WAL files.
run install -d -m 0750 -o "$SERVICE_USER" -g "$SERVICE_USER" "$STATE"

# -- 4. the code and its venv -------------------------------------------------------------
say "code into $SRC_DIR and venv $VENV"
run rm -rf "$SRC_DIR.new"
run mkdir -p "$SRC_DIR.new"
if ((DRY_RUN)); then
    printf '+ tar (pyproject.toml README.md player central videotron config systemd docs) from %s\n' "$SRC"
else
    tar -C "$SRC" --exclude=__pycache__ --exclude='*.pyc' --exclude='*.egg-info' \
        -cf - pyproject.toml README.md player central videotron config systemd docs |
        tar -C "$SRC_DIR.new" -xf -
fi
run rm -rf "$SRC_DIR"
run mv "$SRC_DIR.new" "$SRC_DIR"
if [ ! -x "$VENV/bin/python" ]; then
    run python3 -m venv "$VENV"
fi
run env PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_ROOT_USER_ACTION=ignore \
    "$VENV/bin/pip" install --quiet --upgrade-strategy only-if-needed "${SRC_DIR}[office]"
# A player installed on this machine keeps its own `videotron` (it needs pygame's venv).
if [ ! -e /usr/local/bin/videotron ]; then
    run ln -sfn "$VENV/bin/videotron" /usr/local/bin/videotron
fi

# -- 5. the config (never overwritten) ----------------------------------------------------
say "config $ETC/central.yaml"
run install -m 0644 -o root -g root "$SRC_DIR/config/central.yaml" "$ETC/central.yaml.example"
if [ -e "$ETC/central.yaml" ]; then
    say "keeping the existing $ETC/central.yaml (new keys: $ETC/central.yaml.example)"
else
    # 0640 root:videotron-central: it may hold the broker and database passwords.
    run install -m 0640 -o root -g "$SERVICE_USER" "$SRC_DIR/config/central.yaml" "$ETC/central.yaml"
fi

# -- 6. the service -----------------------------------------------------------------------
say "systemd unit $UNIT"
run install -m 0644 -o root -g root "$SRC_DIR/systemd/$UNIT" "$UNIT_DIR/$UNIT"
# The CAP watcher is installed but left off: it sends warnings to screens by itself, so it
# starts only once someone has set the cap section of central.yaml (docs/ALERTS.md).
say "systemd unit $CAP_UNIT (not enabled)"
run install -m 0644 -o root -g root "$SRC_DIR/systemd/$CAP_UNIT" "$UNIT_DIR/$CAP_UNIT"
# The console is left off too: it is a web page, to be put behind nginx with TLS and given
# accounts first (docs/CONSOLE.md).
say "systemd unit $CONSOLE_UNIT (not enabled)"
run install -m 0644 -o root -g root "$SRC_DIR/systemd/$CONSOLE_UNIT" "$UNIT_DIR/$CONSOLE_UNIT"
run systemctl daemon-reload
run systemctl enable "$UNIT"
if ((START)); then
    say "starting"
    run systemctl restart "$UNIT"
    if ((!DRY_RUN)); then
        sleep 3
        systemctl --no-pager --lines=5 status "$UNIT" || true
    fi
fi

say "done. Next: edit $ETC/central.yaml (mqtt.url, collector.database), then"
say "  sudo systemctl restart videotron-collector && journalctl -u videotron-collector -f"
say "Official warnings (BMKG CAP): set the cap section, then (docs/ALERTS.md)"
say "  sudo systemctl enable --now videotron-cap && videotron cap-watch --status"
say "The web console: add an account, put nginx with TLS in front, then (docs/CONSOLE.md)"
say "  sudo -u $SERVICE_USER $VENV/bin/videotron --config $ETC/central.yaml console add-user NAME --role admin"
say "  sudo systemctl enable --now videotron-console"
if ((DRY_RUN)); then
    say "dry run: nothing was changed; the lines starting with + are what a real run does"
fi
