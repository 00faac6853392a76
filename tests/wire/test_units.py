"""Byte sizes are printed one way everywhere: SI units, k = 1000, a space before the unit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from player.wire.units import compact_size, format_size

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("n", "shown"),
    [
        (0, "0 B"),
        (999, "999 B"),
        (1000, "1.0 kB"),
        (4000, "4.0 kB"),
        (250_000_000, "250.0 MB"),
        (8 * 1000**3, "8.0 GB"),
        (3 * 1000**4, "3.0 TB"),
        (2.5e6, "2.5 MB"),
        (None, "?"),
        ("12", "?"),
        (True, "?"),
    ],
)
def test_format_size(n, shown):
    assert format_size(n) == shown


def test_compact_size_writes_what_the_config_reads():
    assert [compact_size(n) for n in (500, 4000, 8 * 1000**3, 1536 * 1000**2)] == [
        "500B",
        "4kB",
        "8GB",
        "1.536GB",
    ]


def test_no_module_spells_sizes_another_way():
    # "KB" after a number was the second spelling (kB is 1000, KiB 1024).
    stray = re.compile(r"\d[\"'}]?\s?KB\b")
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for package in ("player", "central", "videotron", "bench")
        for path in sorted((ROOT / package).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if stray.search(line) and "KiB" not in line
    ]
    assert found == []
