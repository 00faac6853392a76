"""Generated inputs at the extremes through the real publish → parse → schedule → render path."""

from __future__ import annotations

import copy
import datetime as dt
import re
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from central.publish import PublishError, publish
from player.config.loader import ConfigError, load_config
from player.config.schema import SETTINGS
from player.events import ManifestActivated
from player.schedule.plan import Scheduler
from player.wire import manifest as m
from player.wire.manifest import ManifestError, to_json
from player.wire.parse import parse
from tests.render.helpers import Harness, make_config
from tests.wire.test_manifest import base

NOW = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)
# Reproducible on CI: the same examples every run, nothing remembered between runs.
FIXED = {"derandomize": True, "database": None, "deadline": None}
HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large]

# Letters of scripts with and without spaces, combining marks, emoji, symbols, spaces.
UNICODE = st.characters(
    categories=["Lu", "Ll", "Lo", "Mn", "Nd", "So", "Sm", "Po", "Zs"],
    exclude_characters="\x85\u2028\u2029\ufeff",
)
WORDLESS = st.sampled_from(["ก", "ภ", "中", "文", "😀", "\u0301", "Ж", "-", "/"])


def _lengths_at(limit: int) -> st.SearchStrategy[int]:
    """Lengths around a bound: tiny, just under, at, just over, far over."""
    return st.sampled_from([1, 2, limit - 1, limit, limit + 1, limit * 3])


def _text(limit: int) -> st.SearchStrategy[str]:
    short = st.text(UNICODE, min_size=1, max_size=40)
    at_bound = st.builds(
        lambda n, chunk: (chunk * n)[:n], _lengths_at(limit), st.text(WORDLESS, min_size=1)
    )
    return st.one_of(short, at_bound)


def _number(low: float, high: float, *, integer: bool = False) -> st.SearchStrategy:
    """Values inside [low, high], at both ends, and beyond them either way."""
    if integer:
        return st.one_of(
            st.integers(int(low), int(high)),
            st.sampled_from([int(low), int(high)]),
            st.sampled_from([int(low) - 1, int(high) + 1, 10**30, -(10**30)]),
        )
    return st.one_of(
        st.floats(low, high),
        st.sampled_from([low, high]),
        st.sampled_from([high * 1.000001, 3e11, 1e308, 0.0, -1.0, 1e-300]),
    )


YEARS = st.one_of(st.integers(m.MIN_YEAR, m.MAX_YEAR), st.sampled_from([1, 1999, 2201, 9999]))


def _in(value: float, low: float, high: float) -> bool:
    return low <= value <= high


# -- publish: out-of-range authoring is refused, naming file, line and key ------------------


@st.composite
def authoring(draw) -> tuple[dict, set[str]]:
    """An authoring document and the field paths the publisher must refuse."""
    bad: set[str] = set()
    items = []
    for i in range(draw(st.integers(1, 4))):
        path = f"playlists[0].items[{i}]"
        kind = draw(st.sampled_from(["text", "clock", "ticker"]))
        suffix = draw(st.text(UNICODE, min_size=0, max_size=3) | _text(m.MAX_NAME - len(f"{i}-")))
        item = {"id": f"{i}-{suffix}", "type": kind}
        if len(item["id"]) > m.MAX_NAME:
            bad.add(f"{path}.id")
        if kind == "text":
            item["text"] = draw(_text(m.MAX_TEXT))
            if len(item["text"]) > m.MAX_TEXT:
                bad.add(f"{path}.text")
        if draw(st.booleans()):
            item["duration"] = draw(_number(m.MIN_DURATION, m.MAX_DURATION))
            if not _in(item["duration"], m.MIN_DURATION, m.MAX_DURATION):
                bad.add(f"{path}.duration")
        if draw(st.booleans()):
            ms = draw(_number(0, m.MAX_TRANSITION_MS, integer=True))
            item["transition"] = {"type": "crossfade", "ms": ms}
            if not _in(ms, 0, m.MAX_TRANSITION_MS):
                bad.add(f"{path}.transition.ms")
        if draw(st.booleans()):
            start, end = draw(YEARS), draw(YEARS)
            item["schedule"] = {
                "valid_from": dt.date(start, 1, 1),
                "valid_until": dt.date(max(start, end), 12, 31),
            }
            for key, year in (("valid_from", start), ("valid_until", max(start, end))):
                if not _in(year, m.MIN_YEAR, m.MAX_YEAR):
                    bad.add(f"{path}.schedule.{key}")
        if draw(st.booleans()):
            item["font_size"] = draw(_number(m.MIN_FRACTION, 1.0))
            if not _in(item["font_size"], m.MIN_FRACTION, 1.0):
                bad.add(f"{path}.style.font_size")
        items.append(item)
    priority = draw(_number(-m.MAX_PRIORITY, m.MAX_PRIORITY, integer=True))
    if not _in(priority, -m.MAX_PRIORITY, m.MAX_PRIORITY):
        bad.add("playlists[0].priority")
    doc = {"group": "g", "playlists": [{"name": "main", "priority": priority, "items": items}]}
    if draw(st.booleans()):
        speed = draw(_number(1.0, m.MAX_TICKER_SPEED))
        line = draw(_text(m.MAX_LINE))
        doc["ticker"] = {"lines": [line], "speed": speed}
        if not 0 < speed <= m.MAX_TICKER_SPEED:
            bad.add("layout.ticker.speed")
        if len(line) > m.MAX_LINE:
            bad.add("layout.ticker.lines[0]")
    return doc, bad


@settings(max_examples=60, suppress_health_check=HEALTH, **FIXED)
@given(authoring())
def test_publish_refuses_every_out_of_range_value_and_what_it_signs_plays(case):
    doc, bad = case
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "playlist.yaml"
        source.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")
        try:
            summary = publish(source, Path(folder) / "out", None, NOW)
        except PublishError as exc:
            event("publish refused")
            for problem in exc.problems:  # FILE:LINE: field path: reason
                assert re.match(rf"{re.escape(str(source))}:\d+: \S+", problem), problem
            for field in bad:
                assert any(f": {field}" in p for p in exc.problems), (field, exc.problems)
            assert bad or all("never matches" in p for p in exc.problems), exc.problems
            return
        assert not bad, f"published although {sorted(bad)} are out of range"
        event("published")
        manifest = parse(summary.manifest_path.read_bytes())
    assert manifest.skipped == ()
    _plan_everywhere(manifest)


# -- the player: any signed manifest is refused naming a field, or parsed and planned ------

_EXTREME_VALUES = st.sampled_from(
    [0, -1, 1e-300, 0.05, 86_400.001, 3e11, 1e308, 2**63, 10**30, True, "10", None, [], {}]
)
_EXTREME_DATES = st.sampled_from(
    [
        "0001-01-01",
        "9999-12-31",
        "9999-12-31T23:59:59+14:00",
        "2000-01-01T00:00:00-12:00",
        "2000-01-01T00:00:00+14:00",
        "2200-12-31T23:59:59-12:00",
        "2200-12-31",
        "2024-02-30",
    ]
)
_NUMERIC_SPOTS = [
    ("playlists", 0, "items", 0, "duration"),
    ("playlists", 0, "items", 2, "duration"),
    ("playlists", 0, "items", 1, "transition"),
    ("playlists", 1, "priority"),
    ("defaults", "duration"),
    ("media", "a" * 64, "size"),
    ("media", "a" * 64, "width"),
    ("media", "0123456789abcdef" * 4, "duration"),
    ("layout", "ticker", "speed"),
    ("layout", "ticker", "height"),
    ("layout", "clock", "size"),
    ("sequence",),
]
_DATE_SPOTS = [
    ("published_at",),
    ("playlists", 1, "items", 0, "schedule", "valid_from"),
    ("playlists", 1, "items", 0, "schedule", "valid_until"),
    ("playlists", 1, "schedule", "valid_until"),
]
_TEXT_SPOTS = [
    ("playlists", 0, "items", 2, "text"),
    ("playlists", 0, "items", 0, "id"),
    ("layout", "clock", "format"),
    ("layout", "ticker", "lines", 0),
]


def _put(raw: dict, spot: tuple, value) -> None:
    target = raw
    for key in spot[:-1]:
        target = target.setdefault(key, {}) if isinstance(key, str) else target[key]
    if spot[-1] == "transition":
        value = {"type": "crossfade", "ms": value}
    target[spot[-1]] = value


@st.composite
def signed_manifests(draw) -> dict:
    raw = copy.deepcopy(base())
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["number", "date", "text", "count"]))
        if kind == "number":
            value = draw(_EXTREME_VALUES | st.floats(allow_nan=False) | st.integers())
            _put(raw, draw(st.sampled_from(_NUMERIC_SPOTS)), value)
        elif kind == "date":
            _put(raw, draw(st.sampled_from(_DATE_SPOTS)), draw(_EXTREME_DATES))
        elif kind == "text":
            _put(raw, draw(st.sampled_from(_TEXT_SPOTS)), draw(_text(m.MAX_TEXT)))
        else:
            n = draw(_lengths_at(m.MAX_ITEMS))
            raw["playlists"][0]["items"] += [
                {"id": f"many-{i}", "type": "clock", "duration": m.MIN_DURATION} for i in range(n)
            ]
    return raw


@settings(max_examples=120, suppress_health_check=HEALTH, **FIXED)
@given(signed_manifests())
def test_any_signed_manifest_is_refused_naming_a_field_or_planned_without_raising(raw):
    try:
        manifest = parse(to_json(raw))
    except ManifestError as exc:
        event("refused")
        assert exc.path and str(exc).startswith(f"{exc.path}: "), str(exc)
        return
    event("items skipped" if manifest.skipped else "accepted whole")
    for reason in manifest.skipped:
        assert re.match(r"playlists\[\d+\]\.items\[\d+\]\.\S+: ", reason), reason
    _plan_everywhere(manifest)


def _plan_everywhere(manifest: m.Manifest) -> None:
    """Plan from both ends of the allowed years, in the zones furthest from UTC."""
    instants = [
        manifest.published_at,
        dt.datetime(m.MIN_YEAR, 1, 1, tzinfo=dt.UTC),
        NOW,
        dt.datetime(m.MAX_YEAR, 12, 31, 23, 59, tzinfo=dt.UTC),
    ]
    for zone in ("Pacific/Kiritimati", "Etc/GMT+12"):
        scheduler = Scheduler(manifest, ZoneInfo(zone))
        for aligned in (False, True):
            for start in instants:
                now, previous = start, None
                for _ in range(6):  # a few hand-overs, each planned at the last one's end
                    slot = scheduler.plan(now, previous=previous, aligned=aligned)
                    assert slot.end > now
                    previous, now = slot, slot.end
                    if now.year > m.MAX_YEAR:
                        break


# -- render: extreme-but-accepted content keeps the loop presenting frames -----------------


@st.composite
def renderable(draw) -> dict:
    """Authoring items inside the bounds, at their edges; short texts (their layout is
    bounded elsewhere, and this suite must stay fast)."""
    items = []
    for i in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["text", "clock", "ticker"]))
        item = {
            "id": f"r{i}",
            "type": kind,
            "duration": draw(st.sampled_from([m.MIN_DURATION, 0.4, m.MAX_DURATION])),
            "transition": {
                "type": "crossfade",
                "ms": draw(st.sampled_from([0, m.MAX_TRANSITION_MS])),
            },
            "font_size": draw(st.sampled_from([m.MIN_FRACTION, 1.0])),
            "schedule": {
                "valid_from": dt.date(m.MIN_YEAR, 1, 1),
                "valid_until": dt.date(m.MAX_YEAR, 12, 31),
            },
        }
        if kind in ("text", "ticker"):
            # Up to the longest text a manifest may carry: layout is bounded and runs
            # off the render thread, so length must not stop the frames.
            item["text"] = draw(
                st.text(UNICODE, min_size=1, max_size=24)
                | st.text(WORDLESS, min_size=1, max_size=24)
                | st.text(WORDLESS, min_size=m.MAX_TEXT - 200, max_size=m.MAX_TEXT)
            )
        if kind == "clock":
            item["format"] = draw(st.sampled_from(["%c %x %X %%", "%Y" * 32, "⏰ %H:%M", "%"]))
        items.append(item)
    doc = {"group": "g", "playlists": [{"name": "main", "items": items}]}
    if draw(st.booleans()):
        doc["ticker"] = {
            "lines": [draw(st.text(UNICODE, min_size=1, max_size=40))],
            "speed": draw(st.sampled_from([1e-9, m.MAX_TICKER_SPEED])),
            "height": draw(st.sampled_from([m.MIN_FRACTION, 0.5])),
        }
    if draw(st.booleans()):
        doc["clock"] = {"size": draw(st.sampled_from([m.MIN_FRACTION, 0.5])), "format": "%H" * 32}
    return doc


@settings(max_examples=8, suppress_health_check=HEALTH, **FIXED)
@given(renderable())
def test_the_render_loop_keeps_presenting_frames_for_content_at_the_bounds(doc):
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        source = folder / "playlist.yaml"
        source.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")
        summary = publish(source, folder / "out", None, dt.datetime.now(dt.UTC))
        manifest = parse(summary.manifest_path.read_bytes())
        harness = Harness(make_config(folder), folder / "out" / "media")
        harness.inbox.put(ManifestActivated(manifest))
        ticks: list[float] = []
        started = time.monotonic()
        loop = harness.run(2.0, lambda _loop: ticks.append(time.monotonic()) and False)
    gaps = [b - a for a, b in zip([started, *ticks], ticks, strict=False)]
    assert ticks and loop.frames > 0
    # The loop ticks at least once a second whatever it shows (HEARTBEAT); allow a shared
    # CI machine its hiccups, but not a stall.
    assert max(gaps) < 3.0, f"render loop paused {max(gaps):.1f} s for {doc}"
    assert harness.status.get("render").get("kind") == "item"


# -- configs at the extremes: loaded, or refused naming the file --------------------------

_KEYS = sorted(setting.path for setting in SETTINGS)


def _nested(depth: int, leaf) -> object:
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


CONFIG_VALUES = st.one_of(
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.sampled_from([0, -1, 1e308, 1e-300, True, None, "", "1e999", "99999999999999999999 GB"]),
    st.text(UNICODE, max_size=300),
    st.builds(_nested, st.integers(1, 40), st.integers() | st.text(UNICODE, max_size=5)),
)


@st.composite
def configs(draw) -> dict:
    doc: dict = {}
    for key in draw(st.lists(st.sampled_from(_KEYS), min_size=1, max_size=8, unique=True)):
        section, _, name = key.partition(".")
        if name:
            doc.setdefault(section, {})[name] = draw(CONFIG_VALUES)
        else:  # operating_hours: a section of its own
            doc[section] = draw(CONFIG_VALUES)
    return doc


@settings(max_examples=60, suppress_health_check=HEALTH, **FIXED)
@given(configs())
def test_a_config_at_the_extremes_loads_or_is_refused_naming_the_file_and_key(doc):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "player.yaml"
        path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        try:
            config = load_config(path)
        except ConfigError as exc:
            event("config refused")
            for issue in exc.issues:
                assert str(issue).startswith(f"{path}:"), str(issue)
                assert issue.key and "Traceback" not in issue.message
            return
    event("config loaded")
    assert config.path == path


@pytest.mark.parametrize("depth", [17, 100, 5000])
def test_a_config_nested_past_the_bound_is_refused_at_its_line(tmp_path, depth):
    path = tmp_path / "player.yaml"
    path.write_text("display:\n  fps: " + "[" * depth + "]" * depth + "\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    (issue,) = caught.value.issues
    assert str(issue).startswith(f"{path}:2:") and "nested more than 16 levels" in str(issue)
