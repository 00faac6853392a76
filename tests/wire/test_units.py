"""Byte sizes are printed one way everywhere: SI units, k = 1000, a space before the unit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from player.wire.units import compact_size, format_size, parse_duration

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


def test_no_page_or_module_formats_sizes_by_hand():
    # A division by 1024 or 10^6 with a unit beside it is a second byte formatter: the console
    # once showed an 8 GB cache as "7629 MB" where `videotron status` said "8.0 GB".
    divided = re.compile(r"/\s*\(?(1024|1048576|1_048_576|1e6|1e9|1_000_000|1000000)\b")
    unit = re.compile(r"\b[kKMGT]B\b")  # KiB after a division by 1024 is exact, and fine
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for package in ("player", "central", "videotron", "bench")
        for pattern in ("*.py", "*.html")
        for path in sorted((ROOT / package).rglob(pattern))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if divided.search(line) and unit.search(line)
    ]
    assert found == []


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90), ("90s", 90), ("5m", 300), ("5 min", 300), ("1.5h", 5400), ("2H", 7200),
     ("7d", 7 * 86400), (" 30 sec ", 30), ("1hr", 3600)],
)  # fmt: skip
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "5 weeks", "-5m", "1e3s", "5m30s", "h"])
def test_parse_duration_refuses_what_it_cannot_read(text):
    with pytest.raises(ValueError, match="like 90s, 5m, 2h or 1d"):
        parse_duration(text)


def test_a_unit_can_be_required():
    assert parse_duration("2h", unit_required=True) == 7200
    with pytest.raises(ValueError, match="a number with its unit"):
        parse_duration("2", unit_required=True)


def test_no_module_reads_durations_another_way():
    # A table of seconds per unit ("h": 3600) or a [smhd] pattern is a second duration parser:
    # four of them once read "1.5h" and bare numbers four different ways.
    stray = re.compile(r"""["'](h|hr|hours?)["']\s*:\s*(3600|60 \* 60)|\[smhd\]""")
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for package in ("player", "central", "videotron", "bench")
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != ROOT / "player" / "wire" / "units.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if stray.search(line)
    ]
    assert found == []
