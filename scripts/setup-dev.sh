#!/usr/bin/env bash
# Prepare a Debian/Raspberry Pi OS machine for development and tests:
# system packages (as root, when missing) and a venv in .venv with the player installed.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(nginx-light mosquitto openssl xvfb x11-apps shellcheck systemd debootstrap postgresql
    fonts-dejavu-core python3-venv python3-pygame python3-numpy chromium chromium-driver
    qemu-user-static binfmt-support mmdebstrap arch-test mpv poppler-utils)

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

# Emulated arm64 for tests/test_install_arm64.py: qemu's binfmt handler runs arm64 programs
# in a chroot. A container or VM may start with binfmt_misc unmounted.
if [ "$(id -u)" -eq 0 ] && command -v update-binfmts >/dev/null; then
    binfmt=/proc/sys/fs/binfmt_misc
    mountpoint -q "$binfmt" || mount -t binfmt_misc binfmt_misc "$binfmt" ||
        echo "warning: cannot mount $binfmt: the arm64 install tests will fail" >&2
    grep -qs enabled "$binfmt/qemu-aarch64" || update-binfmts --enable qemu-aarch64 ||
        echo "warning: cannot enable qemu-aarch64: the arm64 install tests will fail" >&2
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'

# A second venv the way scripts/install.sh sets up a Pi: Debian's own python3 and its
# python3-pygame/numpy (SDL with KMS/DRM) seen through --system-site-packages, so the
# tests also run on the pygame a Pi really gets (2.1.2 on bookworm, 2.6.1 on trixie).
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import pygame" >/dev/null 2>&1; then
    if [ ! -x .venv-pi/bin/python ]; then
        /usr/bin/python3 -m venv --system-site-packages .venv-pi
    fi
    .venv-pi/bin/python -m pip install -q -e '.[test]'
fi
