#!/usr/bin/env bash
# Prepare a Debian/Raspberry Pi OS machine for development and tests:
# system packages (as root, when missing) and a venv in .venv with the player installed.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(nginx-light mosquitto openssl xvfb x11-apps shellcheck systemd debootstrap postgresql
    fonts-dejavu-core python3-venv)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
