"""install.sh / uninstall.sh: shellcheck, a dry run of every step, and a real install into
a Debian bookworm root folder made with debootstrap (apt and pip run for real in a chroot)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
INSTALL = REPO / "scripts" / "install.sh"
UNINSTALL = REPO / "scripts" / "uninstall.sh"
CLEAN_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": "/root",
    "LANG": "C.UTF-8",
}


def sh(*cmd, env=None, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


def test_shellcheck_passes_on_every_script():
    scripts = sorted((REPO / "scripts").glob("*.sh"))
    assert INSTALL in scripts and UNINSTALL in scripts
    result = sh("shellcheck", *scripts)
    assert result.returncode == 0, result.stdout + result.stderr


# -- dry run: every step printed, nothing changed -------------------------------------------


def dry_run(*args: str) -> subprocess.CompletedProcess:
    return sh("bash", INSTALL, "--dry-run", "--operator", "nobody", *args, env=CLEAN_ENV)


def test_the_source_copy_holds_every_package_the_distribution_ships():
    # Without --wheels, install.sh pip-installs its copy of the source tree: a package
    # missing from that copy leaves a `videotron` command that cannot import itself.
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    shipped = [p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]]
    result = dry_run()
    (line,) = [x for x in result.stdout.splitlines() if x.startswith("+ tar (")]
    copied = line.split("(", 1)[1].split(")", 1)[0].split()
    assert sorted(shipped) == sorted(p for p in copied if (REPO / p / "__init__.py").is_file())


def test_dry_run_lists_every_step_and_changes_nothing():
    existed = Path("/opt/videotron").exists()
    result = dry_run()
    assert result.returncode == 0, result.stderr
    steps = [line[2:] for line in result.stdout.splitlines() if line.startswith("+ ")]
    text = "\n".join(steps)
    # Debian's pygame (SDL with KMS/DRM), seen from a venv with system site packages.
    assert re.search(r"apt-get install .*python3-pygame", text)
    assert re.search(r"apt-get install .*python3-venv", text)
    assert "python3 -m venv --system-site-packages /opt/videotron/venv" in text
    assert "/opt/videotron/venv/bin/pip install" in text
    assert "pygame does not come from python3-pygame" in result.stdout
    assert "useradd --system --gid videotron" in text
    assert "usermod --append --groups video,render,input,dialout videotron" in text
    assert "usermod --append --groups videotron nobody" in text
    assert "install -d -m 0750 -o videotron -g videotron /var/lib/videotron" in text
    assert "ln -sfn /opt/videotron/venv/bin/videotron /usr/local/bin/videotron" in text
    assert "/etc/systemd/system/videotron.service" in text
    assert "systemctl enable videotron.service" in text
    assert "50-display-mode.conf" not in text  # Lite: the unit as shipped
    if not Path("/etc/videotron/player.yaml").exists():
        assert (
            "install -m 0640 -o root -g videotron "
            "/opt/videotron/src/config/player.yaml /etc/videotron/player.yaml"
        ) in text
    assert Path("/opt/videotron").exists() == existed


def test_dry_run_desktop_and_cage_write_a_drop_in():
    desktop = dry_run("--desktop", "--desktop-user", "nobody")
    assert desktop.returncode == 0, desktop.stderr
    assert "+ write /etc/systemd/system/videotron.service.d/50-display-mode.conf" in (
        desktop.stdout
    )
    assert "|   User=nobody" in desktop.stdout
    assert "|   Environment=XDG_RUNTIME_DIR=/run/user/65534" in desktop.stdout
    assert "|   ProtectHome=read-only" in desktop.stdout
    cage = dry_run("--cage")
    assert cage.returncode == 0, cage.stderr
    assert re.search(r"apt-get install .*python3-pygame.* cage seatd", cage.stdout)
    assert "|   ExecStart=/usr/bin/cage -d -s -- /opt/videotron/venv/bin/videotron" in cage.stdout
    assert "|   NotifyAccess=all" in cage.stdout


def test_failed_preconditions_change_nothing(tmp_path):
    result = dry_run("--source", str(tmp_path))
    assert result.returncode == 1
    assert f"source tree {tmp_path} has no pyproject.toml" in result.stderr
    assert "nothing was changed" in result.stderr
    assert not [line for line in result.stdout.splitlines() if line.startswith("+ ")]
    bad_root = sh("bash", INSTALL, "--dry-run", "--root", tmp_path / "nope", env=CLEAN_ENV)
    assert bad_root.returncode == 2 and "no such folder" in bad_root.stderr
    nobody_home = dry_run("--desktop", "--desktop-user", "no-such-user-here")
    assert nobody_home.returncode == 1
    assert "--desktop-user no-such-user-here: no such user" in nobody_home.stderr
    unknown = sh("bash", INSTALL, "--frobnicate", env=CLEAN_ENV)
    assert unknown.returncode == 2 and "unknown option: --frobnicate" in unknown.stderr


# -- a real install into a debootstrapped bookworm ------------------------------------------


def debian_mirror() -> str:
    """The Debian mirror apt uses on this machine (a package registry)."""
    sources = sorted(Path("/etc/apt/sources.list.d").glob("*.sources"))
    for path in [*sources, Path("/etc/apt/sources.list")]:
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            match = re.match(r"\s*(?:URIs:|deb)\s+(\S+/debian)/?(?:\s|$)", line)
            if match:
                return match.group(1)
    return "http://deb.debian.org/debian"


@pytest.fixture(scope="module")
def bookworm(tmp_path_factory):
    """A minimal Debian bookworm root folder, a wheel folder of the player, a 'pi' user."""
    base = tmp_path_factory.mktemp("bookworm")
    root = base / "root"
    result = sh("debootstrap", "--variant=minbase", "bookworm", root, debian_mirror())
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    wheels = base / "wheels"
    result = sh(sys.executable, "-m", "pip", "wheel", "-q", "-w", wheels, REPO, env=None)
    assert result.returncode == 0, result.stderr[-3000:]
    assert sh("chroot", root, "useradd", "--create-home", "--uid", "1000", "pi").returncode == 0
    yield root, wheels
    shutil.rmtree(base, ignore_errors=True)


def install(root: Path, wheels: Path, *args: str) -> subprocess.CompletedProcess:
    return sh(
        "bash", INSTALL, "--root", root, "--wheels", wheels, "--operator", "pi", *args,
        env=CLEAN_ENV,
    )  # fmt: skip


def in_root(root: Path, *cmd: str) -> subprocess.CompletedProcess:
    return sh("chroot", root, *cmd, env=CLEAN_ENV)


def group_members(root: Path, group: str) -> set[str]:
    for line in (root / "etc" / "group").read_text().splitlines():
        name, _, _, members = line.split(":")
        if name == group:
            return set(filter(None, members.split(",")))
    raise AssertionError(f"no group {group} in {root}/etc/group")


@pytest.mark.slow
@pytest.mark.timeout(1800)  # debootstrap, wheels and five installs in a chroot
def test_install_into_a_bookworm_root_then_reinstall_switch_modes_and_uninstall(bookworm):
    root, wheels = bookworm
    first = install(root, wheels)
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-4000:]
    # Debian's pygame, on Debian's SDL, is what the venv imports.
    assert "from /usr/lib/python3/dist-packages/pygame/__init__.py" in first.stdout
    assert in_root(root, "videotron", "--version").stdout.strip().startswith("videotron ")

    assert {"videotron"} <= group_members(root, "video") & group_members(root, "render")
    assert "videotron" in group_members(root, "input")
    assert "pi" in group_members(root, "videotron")
    config = root / "etc/videotron/player.yaml"
    st = config.stat()
    assert st.st_mode & 0o777 == 0o640 and st.st_uid == 0
    state = root / "var/lib/videotron"
    assert state.stat().st_mode & 0o777 == 0o750
    # The service user can read its config (and it is valid as shipped).
    check = in_root(root, "runuser", "-u", "videotron", "--", "videotron", "--config",
                    "/etc/videotron/player.yaml", "check-config")  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    # Enabled for boot; the unit and what it runs are in place.
    wants = root / "etc/systemd/system/multi-user.target.wants/videotron.service"
    assert wants.is_symlink()
    verify = sh("systemd-analyze", "verify", f"--root={root}", "videotron.service")
    assert verify.returncode == 0, verify.stderr
    assert os.access(root / "opt/videotron/venv/bin/videotron", os.X_OK)
    status = in_root(root, "videotron", "status")
    assert status.returncode == 3 and "not running" in status.stderr

    # Reinstall: the technician's config is never overwritten; the example is refreshed.
    config.write_text(config.read_text() + "# edited on site\n")
    again = install(root, wheels, "--cage")
    assert again.returncode == 0, again.stdout[-4000:] + again.stderr[-4000:]
    assert config.read_text().endswith("# edited on site\n")
    assert "keeping the existing /etc/videotron/player.yaml" in again.stdout
    assert not (root / "etc/videotron/player.yaml.example").read_text().endswith("on site\n")
    dropin = root / "etc/systemd/system/videotron.service.d/50-display-mode.conf"
    assert "ExecStart=/usr/bin/cage" in dropin.read_text()
    verify = sh("systemd-analyze", "verify", f"--root={root}", "videotron.service")
    assert verify.returncode == 0, verify.stderr

    desktop = install(root, wheels, "--desktop")
    assert desktop.returncode == 0, desktop.stderr[-4000:]
    assert "User=pi" in dropin.read_text()  # UID 1000, no lightdm here
    assert {"video", "render", "input", "videotron"} <= {
        g.split(":")[0]
        for g in (root / "etc/group").read_text().splitlines()
        if "pi" in g.split(":")[3].split(",")
    }
    lite = install(root, wheels)
    assert lite.returncode == 0
    assert not dropin.exists()

    # Uninstall keeps config and cache; --purge removes them and the user.
    (state / "media").mkdir()
    gone = sh("bash", UNINSTALL, "--root", root, env=CLEAN_ENV)
    assert gone.returncode == 0, gone.stderr
    assert not (root / "opt/videotron").exists()
    assert not (root / "etc/systemd/system/videotron.service").exists()
    assert not wants.exists() and not (root / "usr/local/bin/videotron").exists()
    assert config.exists() and (state / "media").is_dir()
    assert sh("bash", UNINSTALL, "--root", root, env=CLEAN_ENV).returncode == 0  # re-runnable
    purge = sh("bash", UNINSTALL, "--root", root, "--purge", env=CLEAN_ENV)
    assert purge.returncode == 0, purge.stderr
    assert not (root / "etc/videotron").exists() and not state.exists()
    assert in_root(root, "getent", "passwd", "videotron").returncode == 2
