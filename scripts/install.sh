#!/usr/bin/env bash
# Install the videotron player as a systemd service on Raspberry Pi OS Bookworm.
#
#   sudo scripts/install.sh                 # Lite: console, KMS/DRM (the default)
#   sudo scripts/install.sh --desktop       # Desktop: draw into the logged-in session
#   sudo scripts/install.sh --cage          # fallback: one-app Wayland kiosk (cage)
#   scripts/install.sh --dry-run            # print every step, check preconditions only
#   sudo scripts/install.sh --root DIR      # install into a Debian root folder (chroot)
#   sudo scripts/install.sh --wheels DIR    # offline: Python packages from a wheel folder
#
# Safe to run again (upgrades the code, keeps /etc/videotron/player.yaml and the cache).
# See docs/OPERATIONS.md.
set -euo pipefail

PREFIX=/opt/videotron
VENV=$PREFIX/venv
ETC=/etc/videotron
STATE=/var/lib/videotron
UNIT=videotron.service
UNIT_DIR=/etc/systemd/system
DROPIN_DIR=$UNIT_DIR/$UNIT.d
SERVICE_USER=videotron

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=""
DRY_RUN=0
MODE=lite
START=1
OPERATOR=${SUDO_USER:-}
DESKTOP_USER=""
WHEELS=""

usage() {
    cat <<EOF
usage: $0 [--dry-run] [--desktop [--desktop-user NAME] | --cage] [--root DIR] [--no-start]
          [--operator USER] [--source DIR] [--wheels DIR]

  --dry-run        print every step without running it; check the preconditions
  --desktop        Raspberry Pi OS Desktop: play inside the auto-login user's session
  --desktop-user   that user (default: lightdm's autologin-user, else UID 1000)
  --cage           run the player inside the cage kiosk compositor (fallback)
  --root DIR       install into the Debian root folder DIR (chroot; nothing is started)
  --no-start       install and enable, but do not (re)start the service now
  --operator USER  technician account added to the videotron group, so it can read the
                   config and take screenshots (default: \$SUDO_USER)
  --source DIR     player source tree (default: this script's checkout: $SRC)
  --wheels DIR     install the player and its Python dependencies from the wheels in DIR
                   with no network (made elsewhere with: pip wheel -w DIR SOURCE)
EOF
}

while (($#)); do
    case "$1" in
    --dry-run) DRY_RUN=1 ;;
    --desktop) MODE=desktop ;;
    --desktop-user)
        DESKTOP_USER=${2:?--desktop-user needs a name}
        shift
        ;;
    --cage) MODE=cage ;;
    --root)
        ROOT=${2:?--root needs a folder}
        shift
        ;;
    --no-start) START=0 ;;
    --operator)
        OPERATOR=${2:?--operator needs a user name}
        shift
        ;;
    --source)
        SRC=${2:?--source needs a folder}
        shift
        ;;
    --wheels)
        WHEELS=${2:?--wheels needs a folder}
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
    START=0 # nothing runs inside a root folder
fi

# shellcheck source=scripts/steps.sh
source "$(dirname "${BASH_SOURCE[0]}")/steps.sh"

# `run` (steps.sh) or `target`, which runs a command inside the system being installed
# (chroot with --root): every change goes through one of the two.
target() {
    if [ -n "$ROOT" ]; then
        run chroot "$ROOT" "$@"
    else
        run "$@"
    fi
}
# Query commands (no changes) run even in a dry run, inside the target.
query() {
    if [ -n "$ROOT" ]; then
        chroot "$ROOT" "$@"
    else
        "$@"
    fi
}
# Write stdin to a file of the target system.
write_file() { # path mode
    local path=$ROOT$1
    printf '+ write %s (mode %s)\n' "$1" "$2"
    if ((DRY_RUN)); then
        sed 's/^/|   /'
        return 0
    fi
    install -d -m 0755 "$(dirname "$path")"
    cat >"$path.tmp"
    chmod "$2" "$path.tmp"
    mv -f "$path.tmp" "$path"
}

# -- preconditions ------------------------------------------------------------------------
problems=0
fail() {
    printf 'precondition failed: %s\n' "$*" >&2
    problems=$((problems + 1))
}

say "checking preconditions"
if [ "$(id -u)" -ne 0 ]; then
    if ((DRY_RUN)); then
        warn "not root: a real install needs sudo"
    else
        fail "run as root (sudo $0)"
    fi
fi
for f in pyproject.toml player/__init__.py videotron/__init__.py systemd/$UNIT config/player.yaml; do
    [ -e "$SRC/$f" ] || fail "source tree $SRC has no $f (use --source DIR)"
done
if [ -n "$WHEELS" ] && ! compgen -G "$WHEELS/videotron_player-*.whl" >/dev/null; then
    fail "--wheels $WHEELS holds no videotron_player-*.whl"
fi
if [ -n "$ROOT" ] && ! command -v chroot >/dev/null; then
    fail "--root needs chroot(8)"
fi
os_release=$ROOT/etc/os-release
if [ ! -r "$os_release" ]; then
    fail "no $os_release: is ${ROOT:-/} a Debian system?"
else
    codename=$(sed -n 's/^VERSION_CODENAME=//p' "$os_release" | tr -d '"')
    ids=$(sed -n 's/^ID\(_LIKE\)\?=//p' "$os_release" | tr -d '"' | tr '\n' ' ')
    case " $ids " in
    *" debian "* | *" raspbian "*) ;;
    *) fail "${ROOT:-/} is not Debian or Raspberry Pi OS (ID: $ids)" ;;
    esac
    case "$codename" in
    bookworm | trixie) ;;
    *) warn "tested on Debian/Raspberry Pi OS bookworm (12) and trixie (13); this system is" \
        "'${codename:-unknown}': continuing, check the player's first start with videotron status" ;;
    esac
fi
for cmd in apt-get dpkg useradd groupadd usermod; do
    [ -x "$ROOT/usr/bin/$cmd" ] || [ -x "$ROOT/usr/sbin/$cmd" ] || [ -x "$ROOT/sbin/$cmd" ] ||
        fail "$cmd is missing in ${ROOT:-/}"
done
command -v systemctl >/dev/null || fail "systemctl is missing: the service needs systemd"
if [ -z "$ROOT" ] && ((START)) && [ ! -d /run/systemd/system ]; then
    warn "systemd is not running here: the service will be enabled but not started"
    START=0
fi
if [ "$MODE" = desktop ]; then
    if [ -z "$DESKTOP_USER" ] && [ -r "$ROOT/etc/lightdm/lightdm.conf" ]; then
        DESKTOP_USER=$(sed -n 's/^[[:space:]]*autologin-user=//p' "$ROOT/etc/lightdm/lightdm.conf" | tail -n 1)
    fi
    if [ -z "$DESKTOP_USER" ]; then
        DESKTOP_USER=$(awk -F: '$3 == 1000 { print $1 }' "$ROOT/etc/passwd")
    fi
    if [ -z "$DESKTOP_USER" ]; then
        fail "--desktop: no auto-login user found; pass --desktop-user NAME"
    elif ! query getent passwd "$DESKTOP_USER" >/dev/null; then
        fail "--desktop-user $DESKTOP_USER: no such user in ${ROOT:-/}"
    fi
fi
if ((problems)); then
    echo "$problems precondition(s) failed; nothing was changed." >&2
    exit 1
fi
say "installing ($MODE mode) into ${ROOT:-/} from $SRC"

# -- 1. system packages -------------------------------------------------------------------
# python3-pygame is Debian's pygame on Debian's SDL, which is built with KMS/DRM. The SDL
# inside pip's pygame wheels has no usable console driver on Lite ("kmsdrm not
# available"), so the venv below sees system packages and pip must NOT fetch pygame.
# Everything else (PyAV with its own FFmpeg, Pillow, PyNaCl, paho-mqtt...) comes from
# PyPI wheels at the versions the project is tested with.
packages=(python3 python3-venv python3-pygame libsdl2-2.0-0 fonts-dejavu-core ca-certificates
    systemd)
case "$MODE" in
cage) packages+=(cage seatd) ;;
esac
say "system packages: ${packages[*]}"
target env DEBIAN_FRONTEND=noninteractive apt-get update -q
target env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${packages[@]}"

# -- 2. the service user ------------------------------------------------------------------
say "user $SERVICE_USER (groups video, render, input, dialout)"
for group in video render input dialout; do
    query getent group "$group" >/dev/null || target groupadd --system "$group"
done
query getent group "$SERVICE_USER" >/dev/null || target groupadd --system "$SERVICE_USER"
if ! query getent passwd "$SERVICE_USER" >/dev/null; then
    target useradd --system --gid "$SERVICE_USER" --home-dir "$STATE" --no-create-home \
        --shell /usr/sbin/nologin --comment "videotron signage player" "$SERVICE_USER"
fi
target usermod --append --groups video,render,input,dialout "$SERVICE_USER"
if [ -n "$OPERATOR" ] && [ "$OPERATOR" != root ]; then
    if query getent passwd "$OPERATOR" >/dev/null; then
        target usermod --append --groups "$SERVICE_USER" "$OPERATOR"
    else
        warn "operator '$OPERATOR' does not exist in ${ROOT:-/}; not added to $SERVICE_USER"
    fi
fi

# -- 3. folders ---------------------------------------------------------------------------
say "folders"
target install -d -m 0755 -o root -g root "$PREFIX" "$ETC"
target install -d -m 0750 -o "$SERVICE_USER" -g "$SERVICE_USER" "$STATE"

# -- 4. the code and its venv -------------------------------------------------------------
say "player code into $PREFIX/src and venv $VENV"
run rm -rf "$ROOT$PREFIX/src.new"
run mkdir -p "$ROOT$PREFIX/src.new"
if ((DRY_RUN)); then
    printf '+ tar (pyproject.toml README.md player central videotron config systemd scripts docs) from %s\n' "$SRC"
else
    tar -C "$SRC" --exclude=__pycache__ --exclude='*.pyc' --exclude='*.egg-info' \
        -cf - pyproject.toml README.md player central videotron config systemd scripts docs |
        tar -C "$ROOT$PREFIX/src.new" -xf -
fi
run rm -rf "$ROOT$PREFIX/src"
run mv "$ROOT$PREFIX/src.new" "$ROOT$PREFIX/src"

venv_cfg=$ROOT$VENV/pyvenv.cfg
if [ -f "$venv_cfg" ] && ! grep -q '^include-system-site-packages = true' "$venv_cfg"; then
    warn "$VENV does not see system packages (Debian's pygame); recreating it"
    run rm -rf "$ROOT$VENV"
fi
if [ ! -x "$ROOT$VENV/bin/python" ]; then
    # --system-site-packages: see step 1; the venv uses Debian's python3-pygame.
    target python3 -m venv --system-site-packages "$VENV"
fi
pip_env=(env PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_ROOT_USER_ACTION=ignore)
if [ -n "$WHEELS" ]; then
    run rm -rf "$ROOT$PREFIX/wheels"
    run mkdir -p "$ROOT$PREFIX/wheels"
    run cp "$WHEELS"/*.whl "$ROOT$PREFIX/wheels/"
    # Then --force-reinstall --no-deps: the same version number may hold new code.
    target "${pip_env[@]}" "$VENV/bin/pip" install --quiet --no-index \
        --find-links "$PREFIX/wheels" --upgrade-strategy only-if-needed videotron-player
    target "${pip_env[@]}" "$VENV/bin/pip" install --quiet --no-index \
        --find-links "$PREFIX/wheels" --force-reinstall --no-deps videotron-player
else
    target "${pip_env[@]}" "$VENV/bin/pip" install --quiet \
        --upgrade-strategy only-if-needed "$PREFIX/src"
fi

# pip must have kept Debian's pygame: a wheel's SDL would fail on Lite at first start.
say "checking that the venv uses Debian's pygame"
check_pygame='import os, pygame, sys
where = os.path.realpath(pygame.__file__)
ok = where.startswith("/usr/lib/python3/dist-packages/")
print(f"pygame {pygame.version.ver} on SDL {pygame.get_sdl_version()} from {where}")
sys.exit(0 if ok else "pygame does not come from python3-pygame: the SDL in pip wheels has no KMS/DRM on Lite")'
target env PYGAME_HIDE_SUPPORT_PROMPT=1 "$VENV/bin/python" -c "$check_pygame"
target ln -sfn "$VENV/bin/videotron" /usr/local/bin/videotron

# -- 5. the config (never overwritten) ----------------------------------------------------
say "config $ETC/player.yaml"
target install -m 0644 -o root -g root "$PREFIX/src/config/player.yaml" "$ETC/player.yaml.example"
if [ -e "$ROOT$ETC/player.yaml" ]; then
    say "keeping the existing $ETC/player.yaml (new defaults: $ETC/player.yaml.example)"
else
    # 0640 root:videotron: it may hold the broker password and the source token.
    target install -m 0640 -o root -g "$SERVICE_USER" "$PREFIX/src/config/player.yaml" \
        "$ETC/player.yaml"
fi

# -- 6. the service -----------------------------------------------------------------------
say "systemd unit ($MODE mode)"
target install -m 0644 -o root -g root "$PREFIX/src/systemd/$UNIT" "$UNIT_DIR/$UNIT"
dropin=$DROPIN_DIR/50-display-mode.conf
case "$MODE" in
lite)
    [ ! -e "$ROOT$dropin" ] || run rm -f "$ROOT$dropin"
    ;;
desktop)
    uid=$(query id -u "$DESKTOP_USER")
    write_file "$dropin" 0644 <<EOF
# Written by scripts/install.sh --desktop: play inside $DESKTOP_USER's desktop session.
[Unit]
# Not After=graphical.target (that would be an ordering cycle); until the session is
# up the player finds no display, exits, and systemd retries every RestartSec.
After=display-manager.service

[Service]
User=$DESKTOP_USER
Group=$DESKTOP_USER
# The session's sockets: Wayland in /run/user/$uid, X11 in /tmp/.X11-unix, the X
# cookie in the home folder; read-only is enough to connect to them.
ProtectHome=read-only
PrivateTmp=no
Environment=XDG_RUNTIME_DIR=/run/user/$uid
Environment=DISPLAY=:0
Environment=XAUTHORITY=/home/$DESKTOP_USER/.Xauthority
EOF
    target usermod --append --groups video,render,input,dialout,"$SERVICE_USER" "$DESKTOP_USER"
    ;;
cage)
    write_file "$dropin" 0644 <<EOF
# Written by scripts/install.sh --cage: the player inside the cage kiosk compositor.
[Unit]
Wants=seatd.service
After=seatd.service

[Service]
ExecStart=
ExecStart=/usr/bin/cage -d -s -- $VENV/bin/videotron --config $ETC/player.yaml run
# The player is cage's child, not the main process, and sends READY/WATCHDOG itself.
NotifyAccess=all
# cage gets the GPU and input devices from seatd (members of group video may ask).
Environment=LIBSEAT_BACKEND=seatd
Environment=XDG_RUNTIME_DIR=/run/videotron
EOF
    ;;
esac
if [ -n "$ROOT" ]; then
    run systemctl --root="$ROOT" enable "$UNIT"
    if [ "$MODE" = cage ]; then run systemctl --root="$ROOT" enable seatd.service; fi
else
    run systemctl daemon-reload
    run systemctl enable "$UNIT"
    if [ "$MODE" = cage ]; then run systemctl enable --now seatd.service; fi
fi

if ((START)); then
    say "starting"
    run systemctl restart "$UNIT"
    if ((!DRY_RUN)); then
        for _ in $(seq 1 30); do
            if systemctl is-active --quiet "$UNIT"; then break; fi
            sleep 1
        done
        systemctl --no-pager --lines=5 status "$UNIT" || true
    fi
fi

say "done. Next: edit $ETC/player.yaml (source.url, source.public_key), then"
say "  videotron check-config && sudo systemctl restart videotron && videotron status"
if ((DRY_RUN)); then
    say "dry run: nothing was changed; the lines starting with + are what a real run does"
fi
