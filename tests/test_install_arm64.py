"""install.sh on emulated arm64 (qemu-user-static + binfmt): a Debian bookworm and a trixie
root made with mmdebstrap, the real installer in each, then the installed player plays the
demo content (made and published here: published files are the same on any architecture)
offscreen and its screenshot has real pixels. Slow (minutes under emulation), so deselected
by default (pyproject addopts); .ci/run runs them with -m arm64 beside the suite."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from central.publish import publish
from player.wire.signing import load_private_key
from tests.test_install import CLEAN_ENV, INSTALL, debian_mirror, sh
from videotron.demo import FEED_NAME, ensure_key, write_demo_config
from videotron.demo_content import write_demo_playlist

pytestmark = [pytest.mark.slow, pytest.mark.arm64]

BINFMT = Path("/proc/sys/fs/binfmt_misc/qemu-aarch64")
# What scripts/install.sh installs with apt (its step 1), given to mmdebstrap with
# --include so the root comes with them in one pass and install.sh's apt-get finds them.
INSTALL_PACKAGES = ("python3", "python3-venv", "python3-pygame", "libsdl2-2.0-0",
                    "fonts-dejavu-core", "ca-certificates", "systemd")  # fmt: skip
DEMO_SECONDS = 30
# Given to dpkg in the root (mmdebstrap --dpkgopt, kept in /etc/dpkg/dpkg.cfg.d/ for
# install.sh's apt-get too): under emulation, skip fsyncs and files nobody reads in a test.
DPKG_TEST_CONFIG = """force-unsafe-io
path-exclude=/usr/share/doc/*
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
"""
VERSIONS = """import sys, av, pygame, PIL, numpy
print(f"python {sys.version.split()[0]}, pygame {pygame.version.ver} on SDL "
      f"{'.'.join(map(str, pygame.get_sdl_version()))}, PyAV {av.__version__} on FFmpeg "
      f"libavcodec {'.'.join(map(str, av.library_versions['libavcodec']))}, "
      f"Pillow {PIL.__version__}, numpy {numpy.__version__}")"""


def emulation_missing() -> str | None:
    """Why the arm64 roots cannot be built here, or None."""
    if os.geteuid() != 0:
        return "not root: mmdebstrap and chroot need root (CI runs as root)"
    if shutil.which("mmdebstrap") is None or shutil.which("arch-test") is None:
        return "no mmdebstrap or arch-test (scripts/setup-dev.sh installs them)"
    if not BINFMT.exists() or "enabled" not in BINFMT.read_text():
        return (
            "no qemu-aarch64 binfmt handler: install qemu-user-static binfmt-support and run "
            "scripts/setup-dev.sh as root (it mounts binfmt_misc and enables qemu-aarch64)"
        )
    return None


def say(capsys, text: str) -> None:
    with capsys.disabled():
        print(f"\n[arm64] {text}", file=sys.stderr, flush=True)


def chroot(root: Path, *cmd: str, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {**CLEAN_ENV, "PYGAME_HIDE_SUPPORT_PROMPT": "1", "DEBIAN_FRONTEND": "noninteractive"}
    return sh("chroot", root, *cmd, env=env, timeout=timeout)


def bootstrap(release: str, root: Path) -> None:
    """An arm64 root made by mmdebstrap: it resolves and downloads with this machine's apt,
    so only dpkg and the maintainer scripts run under emulation (debootstrap's second stage
    also resolves dependencies in emulated perl: over 20 minutes for trixie here)."""
    options = [f"--dpkgopt={line}" for line in DPKG_TEST_CONFIG.splitlines()]
    made = sh(
        "mmdebstrap", "--arch=arm64", "--variant=minbase",
        f"--include={','.join(INSTALL_PACKAGES)}", *options, release, root, debian_mirror(),
        timeout=2400,
    )  # fmt: skip
    assert made.returncode == 0, made.stdout[-3000:] + made.stderr[-3000:]
    # For apt-get and pip in install.sh (mmdebstrap leaves no resolv.conf behind).
    shutil.copyfile("/etc/resolv.conf", root / "etc/resolv.conf")


def publish_demo(root: Path) -> None:
    """The demo's content, made and published here, and a player config, in /root/demo."""
    out = root / "root/demo"
    content = out / "content"
    content.mkdir(parents=True)
    public_key = ensure_key(out / "publisher.key")
    shutil.copyfile(Path(__file__).parents[1] / "videotron/data" / FEED_NAME, content / FEED_NAME)
    playlist = write_demo_playlist(content, FEED_NAME)
    key = load_private_key(out / "publisher.key")
    publish(playlist, out / "published", key, dt.datetime.now(dt.UTC))
    shutil.rmtree(content)
    config = write_demo_config(out, public_key, "1280x720")
    config.write_text(config.read_text().replace(str(out), "/root/demo"))


def trust_local_cas(root: Path) -> None:
    """Give the root the CAs this machine added locally (a TLS-inspecting proxy's, on some
    networks), as bootstrap() gives it this machine's resolv.conf: pip in the root must
    reach PyPI the way pip here does. The bundle is extended directly, because running
    update-ca-certificates under emulation takes minutes."""
    local = sorted(Path("/usr/local/share/ca-certificates").glob("**/*.crt"))
    if not local:
        return
    target = root / "usr/local/share/ca-certificates"
    target.mkdir(parents=True, exist_ok=True)
    with (root / "etc/ssl/certs/ca-certificates.crt").open("a") as bundle:
        for cert in local:
            shutil.copyfile(cert, target / cert.name)  # kept by a later update-ca-certificates
            bundle.write("\n" + cert.read_text())


def clip_plays(pop: Path) -> list[dict]:
    """The demo clip's plays in a player's proof-of-play store."""
    with contextlib.closing(sqlite3.connect(pop)) as db:
        records = [json.loads(record) for (record,) in db.execute("SELECT record FROM plays")]
    return [x for x in records if x["item_id"] == "agency-video" and x["duration"] > 0]


def non_black_share(png: Path) -> float:
    with Image.open(png) as image:
        gray = image.convert("L")
        histogram = gray.histogram()
    return 1 - sum(histogram[:16]) / max(1, sum(histogram))


@pytest.mark.timeout(3600)
@pytest.mark.parametrize("release", ["bookworm", "trixie"])
def test_install_sh_on_emulated_arm64_then_the_player_plays_the_demo(release, tmp_path, capsys):
    missing = emulation_missing()
    if missing and os.environ.get("VIDEOTRON_REQUIRE_ARM64"):
        pytest.fail(f"VIDEOTRON_REQUIRE_ARM64 is set (as in .ci/run) but {missing}")
    if missing:
        pytest.skip(missing)
    root = tmp_path / "root"
    started = time.monotonic()
    bootstrap(release, root)
    assert chroot(root, "dpkg", "--print-architecture").stdout.strip() == "arm64"
    bootstrapped = time.monotonic()
    trust_local_cas(root)
    assert chroot(root, "useradd", "--create-home", "--uid", "1000", "pi").returncode == 0
    proc = root / "proc"
    try:
        # As on a Pi: install.sh copies this source tree and pip fetches the aarch64 wheels
        # of PyAV, Pillow, PyNaCl... from PyPI (no --wheels: those would be this machine's).
        installed = sh("bash", INSTALL, "--root", root, "--operator", "pi", env=CLEAN_ENV,
                       timeout=2400)  # fmt: skip
        assert installed.returncode == 0, installed.stdout[-4000:] + installed.stderr[-4000:]
        warnings = [x for x in installed.stderr.splitlines() if x.startswith("warning:")]
        assert not warnings, warnings  # bookworm and trixie are both supported releases
        assert "from /usr/lib/python3/dist-packages/pygame/__init__.py" in installed.stdout
        install_done = time.monotonic()

        version = chroot(root, "videotron", "--version")
        assert version.returncode == 0 and version.stdout.startswith("videotron "), version
        versions = chroot(root, "/opt/videotron/venv/bin/python", "-c", VERSIONS)
        assert versions.returncode == 0, versions.stderr
        check = chroot(root, "runuser", "-u", "videotron", "--", "videotron", "--config",
                       "/etc/videotron/player.yaml", "check-config")  # fmt: skip
        assert check.returncode == 0, check.stdout + check.stderr

        # The installed player, on Debian's arm64 pygame and PyAV's aarch64 FFmpeg, plays
        # the demo (posters, an H.264 clip, text, ticker) offscreen and saves screenshots.
        # The content is made here: encoding its clip under emulation would take minutes.
        publish_demo(root)
        content_done = time.monotonic()
        assert sh("mount", "-t", "proc", "proc", proc).returncode == 0
        demo = chroot(root, "videotron", "run", "--config", "/root/demo/player.yaml",
                      "--headless", "--screenshot-dir", "/root/demo/shots", "--exit-after",
                      str(DEMO_SECONDS), "--screenshot-every", "3", timeout=1200)  # fmt: skip
        assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
        # The H.264 clip was opened (software: no V4L2 device under emulation).
        assert "video decoder: software" in demo.stderr, demo.stderr[-3000:]
        plays = clip_plays(root / "root/demo/cache/pop.sqlite3")
        assert plays, demo.stderr[-3000:]  # its proof of play: the clip was on screen
        shots = sorted((root / "root/demo/shots").glob("*.png"))
        assert shots, demo.stdout[-3000:] + demo.stderr[-3000:]
        assert max(non_black_share(shot) for shot in shots) > 0.2, shots
        status = chroot(root, "videotron", "status", "--config", "/root/demo/player.yaml")
        assert status.returncode == 3, status  # read back from the player's status file
        assert "NOT RUNNING: the player stopped" in status.stdout, status.stdout
        assert "display         dummy 1280x720" in status.stdout, status.stdout
    finally:
        if os.path.ismount(proc):
            sh("umount", "--lazy", proc)
    finished = time.monotonic()
    say(
        capsys,
        f"{release}: {versions.stdout.strip()}; {len(shots)} screenshots; clip played "
        f"{plays[0]['duration']:.1f} s; mmdebstrap "
        f"{bootstrapped - started:.0f} s, install.sh {install_done - bootstrapped:.0f} s, "
        f"content here {content_done - install_done:.0f} s, player run "
        f"{finished - content_done:.0f} s, total {finished - started:.0f} s",
    )
    if not os.path.ismount(proc):
        shutil.rmtree(root, ignore_errors=True)
