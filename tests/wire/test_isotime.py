"""The one ISO-time pair: aware UTC written with a Z, read back, and no second way anywhere."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

from player.wire.isotime import format_utc, parse_utc

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("player", "central", "videotron")
HELPER = "player/wire/isotime.py"
# Places that read or write times by other rules, each with its reason.
ALLOWED = {
    ("player/wire/fields.py", "datetime.fromisoformat"): "manifest times: naive = local time",
    ("player/schedule/cli.py", "datetime.fromisoformat"): "--at: naive = the screen's time",
    ("central/publish/tree.py", "isoformat(timespec)"): "published_at keeps its +00:00 spelling",
}
WIB = dt.timezone(dt.timedelta(hours=7))


def test_format_writes_utc_with_a_z() -> None:
    moment = dt.datetime(2024, 5, 1, 15, 0, 0, 250_000, tzinfo=WIB)
    assert format_utc(moment) == "2024-05-01T08:00:00Z"
    assert format_utc(moment, timespec="milliseconds") == "2024-05-01T08:00:00.250Z"


def test_format_refuses_a_naive_time_and_an_unknown_precision() -> None:
    with pytest.raises(ValueError, match="no timezone"):
        format_utc(dt.datetime(2024, 5, 1))
    with pytest.raises(ValueError, match="timespec"):
        format_utc(dt.datetime(2024, 5, 1, tzinfo=dt.UTC), timespec="hours")


@pytest.mark.parametrize(
    "text",
    ["2024-05-01T08:00:00Z", "2024-05-01T08:00:00+00:00", "2024-05-01T15:00:00+07:00"],
)
def test_parse_reads_z_and_offsets_as_utc(text: str) -> None:
    moment = parse_utc(text)
    assert moment == dt.datetime(2024, 5, 1, 8, tzinfo=dt.UTC)
    assert moment.utcoffset() == dt.timedelta(0)


def test_a_time_round_trips() -> None:
    moment = dt.datetime(2024, 5, 1, 8, 0, 0, 250_000, tzinfo=dt.UTC)
    assert parse_utc(format_utc(moment, timespec="milliseconds")) == moment


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2024-05-01T08:00:00", "has no UTC offset"),
        ("yesterday", "is not an ISO time"),
        ("", "must be an ISO time"),
        (None, "must be an ISO time"),
        (1714550400, "must be an ISO time"),
        ("2024-05-01T08:00:00Z" * 10, "must be an ISO time"),
        ("0001-01-01T00:00:00+01:00", "out of range"),
    ],
)
def test_parse_says_what_is_wrong(text: object, says: str) -> None:
    with pytest.raises(ValueError, match=says) as caught:
        parse_utc(text, "sent_at")
    assert "sent_at" in str(caught.value)


def iso_ways_in(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, kind) for every hand-made ISO time: the pieces a private helper is made of."""
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name, owner = node.func.attr, node.func.value
        args = [a.value for a in node.args if isinstance(a, ast.Constant)]
        if name == "replace" and args in (["+00:00", "Z"], ["Z", "+00:00"]):
            found.append((node.lineno, f"replace({args[0]!r}, {args[1]!r})"))
        elif name == "isoformat" and any(k.arg == "timespec" for k in node.keywords):
            found.append((node.lineno, "isoformat(timespec)"))
        elif name == "fromisoformat" and (
            (isinstance(owner, ast.Attribute) and owner.attr == "datetime")
            or (isinstance(owner, ast.Name) and owner.id == "datetime")
        ):
            found.append((node.lineno, "datetime.fromisoformat"))
    return found


def test_every_iso_time_goes_through_the_one_pair() -> None:
    stray = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative == HELPER:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), relative)
            stray += [
                f"{relative}:{line}: {kind}"
                for line, kind in iso_ways_in(tree)
                if (relative, kind) not in ALLOWED
            ]
    assert not stray, "use player.wire.isotime (format_utc, parse_utc):\n" + "\n".join(stray)


def test_the_scan_finds_each_way_of_spelling_a_time() -> None:
    source = """
def _iso(moment):
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
def _when(text):
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
def fine(day, name):
    return day.isoformat(), dt.date.fromisoformat(day), name.replace("a", "b")
"""
    kinds = sorted(kind for _, kind in iso_ways_in(ast.parse(source)))
    assert kinds == [
        "datetime.fromisoformat",
        "isoformat(timespec)",
        "replace('+00:00', 'Z')",
        "replace('Z', '+00:00')",
    ]
