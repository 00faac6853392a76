"""The one way to write a file: atomic, durable on request, no temp file left behind."""

from __future__ import annotations

import ast
import os
import stat
from pathlib import Path

import pytest

from player.wire.atomicfile import TEMP_SUFFIX, atomic_write, atomic_writer

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("player", "central", "videotron")
HELPER = Path("player/wire/atomicfile.py")


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(TEMP_SUFFIX))


@pytest.mark.parametrize("durable", [False, True])
def test_a_write_replaces_the_whole_file_and_leaves_no_temp(tmp_path: Path, durable) -> None:
    target = tmp_path / "status.json"
    target.write_bytes(b"old")
    atomic_write(target, b"new content", durable=durable)
    assert target.read_bytes() == b"new content"
    assert leftovers(tmp_path) == []


def test_a_failed_write_keeps_the_old_file_and_removes_its_temp(tmp_path: Path) -> None:
    target = tmp_path / "manifest.json"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_writer(target, durable=True) as handle:
        handle.write(b"half of the new")
        raise RuntimeError("the source changed while it was copied")
    assert target.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def test_a_private_file_is_never_readable_by_others(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        seen = []
        with atomic_writer(tmp_path / "publisher.key", durable=True, mode=0o600) as handle:
            handle.write(b"secret")
            seen += [stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()]
        seen.append(stat.S_IMODE((tmp_path / "publisher.key").stat().st_mode))
    finally:
        os.umask(old)
    assert seen == [0o600, 0o600]


def renames_in(tree: ast.AST) -> list[tuple[int, str]]:
    """Calls that rename a file: os.replace/rename/renames and Path.replace/rename.

    Path.replace(target) takes one argument; str.replace takes two and datetime.replace
    and dataclasses.replace take keywords, so those are not counted.
    """
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("os", "shutil"):
            names = {alias.name for alias in node.names} & {"replace", "rename", "renames", "move"}
            found += [(node.lineno, f"from {node.module} import {n}") for n in sorted(names)]
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name, owner = node.func.attr, node.func.value
        module = owner.id if isinstance(owner, ast.Name) else None
        if module in ("os", "shutil") and name in ("replace", "rename", "renames", "move"):
            found.append((node.lineno, f"{module}.{name}"))
        elif module not in ("os", "shutil") and name == "rename":
            found.append((node.lineno, ".rename()"))
        elif name == "replace" and len(node.args) == 1 and not node.keywords:
            found.append((node.lineno, ".replace(target)"))
    return found


def test_every_file_is_replaced_through_the_one_helper() -> None:
    stray = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if relative == HELPER:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), str(relative))
            stray += [f"{relative}:{line}: {what}" for line, what in renames_in(tree)]
    assert not stray, "use player.wire.atomicfile instead:\n" + "\n".join(stray)


def test_the_scan_finds_each_way_of_renaming() -> None:
    source = """
import os
from os import replace
os.replace(a, b)
os.rename(a, b)
path.rename(other)
path.replace(other)
text.replace("a", "b")
moment.replace(tzinfo=UTC)
"""
    assert [what for _, what in renames_in(ast.parse(source))] == [
        "from os import replace",
        "os.replace",
        "os.rename",
        ".rename()",
        ".replace(target)",
    ]


def test_a_restarted_player_removes_temp_files_a_power_cut_left(tmp_path: Path) -> None:
    from player.cache import STALE_TEMP_SECONDS, Cache

    root = tmp_path / "cache"
    (root / "feeds").mkdir(parents=True)
    stale = root / "feeds" / f".ticker.xml.0a1b2c3d{TEMP_SUFFIX}"
    fresh = root / f".played.json.4e5f6a7b{TEMP_SUFFIX}"  # a write still under way
    kept = root / "feeds" / "ticker.xml"
    for path in (stale, fresh, kept):
        path.write_bytes(b"x")
    old = stale.stat().st_mtime - STALE_TEMP_SECONDS - 60
    os.utime(stale, (old, old))
    os.utime(kept, (old, old))

    Cache(root, 10**9)

    assert not stale.exists()
    assert fresh.exists() and kept.exists()
