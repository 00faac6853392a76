"""Manifest bytes into `player.wire.manifest` types: decoding and checks; errors name the field."""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from player.wire.manifest import (
    ALIGNS,
    CLOCK_POSITIONS,
    DAY_NAMES,
    DEFAULT_CROSSFADE_MS,
    DEFAULT_DURATION,
    FITS,
    FORMAT_VERSION,
    ITEM_TYPES,
    MAX_DURATION,
    MAX_FEED_REFRESH,
    MAX_FEEDS,
    MAX_FORMAT,
    MAX_ITEMS,
    MAX_LINE,
    MAX_MEDIA,
    MAX_MEDIA_SIDE,
    MAX_MEDIA_SIZE,
    MAX_NAME,
    MAX_PLAYLISTS,
    MAX_PRIORITY,
    MAX_SEQUENCE,
    MAX_TEXT,
    MAX_TICKER_LINES,
    MAX_TICKER_SPEED,
    MAX_TOTAL_ITEMS,
    MAX_TRANSITION_MS,
    MAX_URL,
    MAX_WINDOWS,
    MAX_YEAR,
    MEDIA_TYPES,
    MIN_DURATION,
    MIN_FEED_REFRESH,
    MIN_FRACTION,
    MIN_YEAR,
    TICKER_POSITIONS,
    TRANSITIONS,
    ClockOverlay,
    DailyWindow,
    Feed,
    Item,
    Layout,
    Manifest,
    ManifestError,
    ManifestProblems,
    Media,
    Playlist,
    Rules,
    Ticker,
    Transition,
)

_SHA256 = re.compile(r"[0-9a-f]{64}")
_GROUP = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_CLOCK_TIME = re.compile(r"([0-9]{2}):([0-9]{2})")

log = logging.getLogger(__name__)


# -- small typed readers: each raises ManifestError naming the path ------------------


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _obj(value: object, path: str) -> dict:
    if not isinstance(value, dict):
        raise ManifestError(f"must be an object, got {_kind(value)}", path)
    return value


def _list(value: object, path: str, maximum: int) -> list:
    if not isinstance(value, list):
        raise ManifestError(f"must be a list, got {_kind(value)}", path)
    if len(value) > maximum:
        raise ManifestError(f"may hold at most {maximum} entries, got {len(value)}", path)
    return value


def _str(value: object, path: str, maximum: int = MAX_NAME) -> str:
    if not isinstance(value, str) or not value:
        raise ManifestError(f"must be a non-empty string, got {_show(value)}", path)
    if len(value) > maximum:
        raise ManifestError(f"may be at most {maximum} characters, got {len(value)}", path)
    return value


def _int(value: object, path: str, minimum: int, maximum: int) -> int:
    if type(value) is not int:
        raise ManifestError(f"must be an integer, got {_show(value)}", path)
    if value < minimum:
        raise ManifestError(f"must be >= {minimum}, got {value}", path)
    if value > maximum:
        raise ManifestError(f"must be <= {maximum}, got {_show(value)}", path)
    return value


def _positive(value: object, path: str, maximum: float, minimum: float = 0.0) -> float:
    if type(value) not in (int, float) or not math.isfinite(value):
        raise ManifestError(f"must be a number, got {_show(value)}", path)
    if value <= 0:
        raise ManifestError(f"must be > 0, got {value}", path)
    if value < minimum:
        raise ManifestError(f"must be >= {minimum:g}, got {value:g}", path)
    if value > maximum:
        raise ManifestError(f"must be <= {maximum:g}, got {value:g}", path)
    return float(value)


def _duration(value: object, path: str) -> float:
    return _positive(value, path, maximum=MAX_DURATION, minimum=MIN_DURATION)


def _fraction(value: object, path: str, maximum: float) -> float:
    return _positive(value, path, maximum=maximum, minimum=MIN_FRACTION)


def _choice(value: object, path: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ManifestError(f"must be one of {', '.join(choices)}; got {_show(value)}", path)
    return value


def _color(value: object, path: str) -> str:
    if not isinstance(value, str) or not _COLOR.fullmatch(value):
        raise ManifestError(f"must be a colour like '#ffcc00', got {_show(value)}", path)
    return value


def _http_url(value: object, path: str) -> str:
    text = _str(value, path, MAX_URL)
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise ManifestError(f"not a URL ({exc})", path) from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ManifestError(f"must be an http:// or https:// URL, got {_show(text)}", path)
    return text


def _media_url(value: object, path: str) -> str:
    """Relative to the manifest, or absolute http(s); never escaping the tree with '..'."""
    text = _str(value, path, MAX_URL)
    if "://" in text:
        return _http_url(text, path)
    if "\\" in text or ":" in text.split("/", 1)[0] or ".." in text.split("/"):
        raise ManifestError(f"must be a relative path inside the tree, got {_show(text)}", path)
    return text


def parse_datetime(value: object, path: str, *, end_of_day: bool = False) -> dt.datetime:
    """ISO-8601 date or datetime, with or without offset (naive = player local time).

    A date alone means its midnight, or with `end_of_day` the next midnight, so that
    `valid_until: 2024-05-31` includes the whole of 31 May. Years outside MIN_YEAR..MAX_YEAR
    are refused: the schedule adds days and zone offsets to these and must never overflow.
    """
    if not isinstance(value, str) or not value or len(value) > 64:
        raise ManifestError(f"must be an ISO date or datetime string, got {_show(value)}", path)
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            moment = dt.datetime.combine(day, dt.time())
        else:
            moment = dt.datetime.fromisoformat(value)
    except (ValueError, OverflowError):
        raise ManifestError(
            f"not an ISO date or datetime: {_show(value)} (e.g. 2024-05-01 or "
            "2024-05-01T08:00:00+07:00)",
            path,
        ) from None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise ManifestError(
            f"year {moment.year} is outside {MIN_YEAR}-{MAX_YEAR}, got {_show(value)}", path
        )
    if len(value) == 10 and end_of_day:
        moment += dt.timedelta(days=1)
    return moment


def _clock_time(value: object, path: str, *, allow_24: bool) -> dt.time:
    match = _CLOCK_TIME.fullmatch(value) if isinstance(value, str) else None
    if match:
        hour, minute = int(match[1]), int(match[2])
        if allow_24 and (hour, minute) == (24, 0):
            return dt.time()
        if hour < 24 and minute < 60:
            return dt.time(hour, minute)
    raise ManifestError(f"must be a time 'HH:MM' (00:00-23:59), got {_show(value)}", path)


def _window(start: object, end: object, path: str) -> DailyWindow:
    window = DailyWindow(
        _clock_time(start, path, allow_24=False), _clock_time(end, path, allow_24=True)
    )
    if window.start == window.end:
        raise ManifestError(
            f"window {start}-{end} is empty and never matches (omit it to play all day)", path
        )
    return window


_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _day(value: object, path: str) -> int:
    name = value.strip().lower() if isinstance(value, str) else None
    for names in (DAY_NAMES, _FULL_DAYS):
        if name in names:
            return names.index(name)
    raise ManifestError(f"must be a weekday {', '.join(DAY_NAMES)}; got {_show(value)}", path)


def parse_rules(raw: object, path: str) -> Rules:
    """A `schedule` object: valid_from/valid_until, days, windows or from/until."""
    raw = _obj(raw, path)
    valid_from = valid_until = None
    dates: list[ManifestError] = []  # both bounds of a range are worth hearing about at once
    if raw.get("valid_from") is not None:
        valid_from = _field(dates, parse_datetime, raw["valid_from"], f"{path}.valid_from")
    if raw.get("valid_until") is not None:
        valid_until = _field(
            dates, parse_datetime, raw["valid_until"], f"{path}.valid_until", end_of_day=True
        )
    if dates:
        raise ManifestProblems(dates)
    # A naive and an aware bound cannot be compared without the player's timezone.
    same_kind = (
        valid_from and valid_until and (valid_from.tzinfo is None) == (valid_until.tzinfo is None)
    )
    if same_kind and valid_until <= valid_from:
        raise ManifestError(
            f"{raw['valid_until']} is not after valid_from {raw['valid_from']}: never matches",
            f"{path}.valid_until",
        )
    days = None
    if raw.get("days") is not None:
        names = _list(raw["days"], f"{path}.days", len(DAY_NAMES))
        if not names:
            raise ManifestError(
                "empty list never matches (omit days for every day)", f"{path}.days"
            )
        days = frozenset(_day(name, f"{path}.days[{i}]") for i, name in enumerate(names))
    windows: list[DailyWindow] = []
    if raw.get("from") is not None or raw.get("until") is not None:
        if raw.get("windows") is not None:
            raise ManifestError("use either from/until or windows, not both", path)
        windows.append(_window(raw.get("from"), raw.get("until"), f"{path}.from"))
    elif raw.get("windows") is not None:
        entries = _list(raw["windows"], f"{path}.windows", MAX_WINDOWS)
        if not entries:
            raise ManifestError("empty list never matches (omit windows for all day)", path)
        for i, entry in enumerate(entries):
            where = f"{path}.windows[{i}]"
            parts = entry.split("-") if isinstance(entry, str) else ()
            if len(parts) != 2:
                raise ManifestError(f"must be 'HH:MM-HH:MM', got {_show(entry)}", where)
            windows.append(_window(parts[0].strip(), parts[1].strip(), where))
    return Rules(valid_from, valid_until, days, tuple(windows))


def _transition(raw: object, path: str) -> Transition:
    if isinstance(raw, str):  # shorthand: "crossfade" or "cut"
        kind = _choice(raw, path, TRANSITIONS)
        return Transition(kind, DEFAULT_CROSSFADE_MS if kind == "crossfade" else 0)
    raw = _obj(raw, path)
    kind = _choice(raw.get("type", "cut"), f"{path}.type", TRANSITIONS)
    default_ms = DEFAULT_CROSSFADE_MS if kind == "crossfade" else 0
    ms = _int(raw.get("ms", default_ms), f"{path}.ms", 0, MAX_TRANSITION_MS)
    return Transition(kind, ms)


def _style(raw: object, path: str) -> dict:
    style = dict(_obj(raw, path))
    for key in ("color", "background"):
        if key in style:
            _color(style[key], f"{path}.{key}")
    if "font_size" in style:
        style["font_size"] = _fraction(style["font_size"], f"{path}.font_size", maximum=1.0)
    if "speed" in style:  # ticker items, pixels per second
        style["speed"] = _positive(style["speed"], f"{path}.speed", maximum=MAX_TICKER_SPEED)
    if "format" in style:
        _str(style["format"], f"{path}.format", MAX_FORMAT)
    if "align" in style:
        _choice(style["align"], f"{path}.align", ALIGNS)
    return style


@dataclass(frozen=True)
class _Defaults:
    duration: float = DEFAULT_DURATION
    transition: Transition = field(default_factory=Transition)
    fit: str | None = None


def _defaults(raw: dict) -> _Defaults:
    duration = DEFAULT_DURATION
    if raw.get("duration") is not None:
        duration = _duration(raw["duration"], "defaults.duration")
    transition = Transition()
    if raw.get("transition") is not None:
        transition = _transition(raw["transition"], "defaults.transition")
    fit = _choice(raw["fit"], "defaults.fit", FITS) if raw.get("fit") is not None else None
    return _Defaults(duration, transition, fit)


def _media_ref(value: object, path: str, kind: str, media: dict[str, Media]) -> str:
    entry = media.get(value) if isinstance(value, str) else None
    if entry is None:  # listed keys are valid sha256s: only now say what is wrong
        if not isinstance(value, str) or not _SHA256.fullmatch(value):
            raise ManifestError(
                f"must be a sha256 (64 lowercase hex chars), got {_show(value)}", path
            )
        raise ManifestError(f"{value} is not listed in media", path)
    if entry.type != kind:
        raise ManifestError(f"{value} is a {entry.type}, item is {kind}", path)
    return value


def _item(raw: object, path: str, media: dict[str, Media], defaults: _Defaults) -> Item:
    """One item; ManifestProblems lists every problem in it, so none hides behind another."""
    try:
        return _item_fields(raw, path, media, defaults, None)
    except ManifestError as first:  # rare: read it again, this time noting every problem
        problems: list[ManifestError] = []
        _item_fields(raw, path, media, defaults, problems)
        raise ManifestProblems(problems or [first]) from None


def _field(problems: list[ManifestError] | None, parse_field, *args, **kwargs):
    """`parse_field(...)`; with a `problems` list, a failure is noted there (→ None)."""
    if problems is None:
        return parse_field(*args, **kwargs)
    try:
        return parse_field(*args, **kwargs)
    except ManifestError as exc:
        problems.extend(_each(exc))
        return None


def _each(exc: ManifestError) -> list[ManifestError]:
    return exc.problems if isinstance(exc, ManifestProblems) else [exc]


def _item_fields(
    raw: object,
    path: str,
    media: dict[str, Media],
    defaults: _Defaults,
    problems: list[ManifestError] | None,
) -> Item:
    # The hot loop of a big manifest: look values up once, build field paths only on error.
    get = _obj(raw, path).get
    item_id = _field(problems, _str, get("id"), f"{path}.id")
    kind = _field(problems, _choice, get("type"), f"{path}.type", ITEM_TYPES)
    media_key = text = None
    if kind in MEDIA_TYPES:
        media_key = _field(problems, _media_ref, get("media"), f"{path}.media", kind, media)
    elif kind == "text" or (kind == "ticker" and get("text") is not None):
        text = _field(problems, _str, get("text"), f"{path}.text", MAX_TEXT)
    if (duration := get("duration")) is not None:
        duration = _field(problems, _duration, duration, f"{path}.duration")
    elif kind != "video":
        duration = defaults.duration
    transition = defaults.transition
    if (value := get("transition")) is not None:
        transition = _field(problems, _transition, value, f"{path}.transition")
    fit = defaults.fit
    if (value := get("fit")) is not None:
        fit = _field(problems, _choice, value, f"{path}.fit", FITS)
    rules = None
    if (value := get("schedule")) is not None:
        rules = _field(problems, parse_rules, value, f"{path}.schedule")
    style = {}
    if (value := get("style")) is not None:
        style = _field(problems, _style, value, f"{path}.style")
    return Item(item_id, kind, duration, media_key, text, transition, fit, rules, style)


class _Checks:
    """Where a problem goes: the publisher (strict) collects every one to report them all;
    the player refuses the manifest at the first, except for items, which it skips."""

    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.problems: list[ManifestError] = []
        self.skipped: list[ManifestError] = []

    def refuse(self, exc: ManifestError) -> None:
        # Refusing keeps the last good manifest on screen, which is never worse than a
        # manifest whose structure (a playlist, its rules, the media list) is not understood.
        if not self.strict:
            raise exc
        self.problems.extend(_each(exc))

    def skip(self, exc: ManifestError) -> None:
        # One item the player cannot handle (too long, dated in year 9999, a bad style)
        # says nothing about the others: they are what the office meant to show.
        if self.strict:
            self.problems.extend(_each(exc))
        else:
            self.skipped.extend(_each(exc))


def _playlist(
    raw: object,
    path: str,
    media: dict[str, Media],
    defaults: _Defaults,
    *,
    seen: set[str],
    checks: _Checks,
) -> Playlist | None:
    """The playlist, or None when a problem in it was collected (strict mode only)."""
    problems = len(checks.problems)
    try:
        raw = _obj(raw, path)
    except ManifestError as exc:
        checks.refuse(exc)
        return None
    found: list[ManifestError] = []
    name = _field(found, _str, raw.get("name"), f"{path}.name")
    priority = _field(
        found, _int, raw.get("priority", 0), f"{path}.priority", -MAX_PRIORITY, MAX_PRIORITY
    )
    default = raw.get("default", False)
    if not isinstance(default, bool):
        found.append(
            ManifestError(f"must be true or false, got {_show(default)}", f"{path}.default")
        )
    rules = None
    if raw.get("schedule") is not None:
        rules = _field(found, parse_rules, raw["schedule"], f"{path}.schedule")
    if found:
        checks.refuse(ManifestProblems(found))
    try:
        entries = _list(raw.get("items"), f"{path}.items", MAX_ITEMS)
        if not entries:
            raise ManifestError("must list at least one item", f"{path}.items")
    except ManifestError as exc:
        checks.refuse(exc)
        return None
    items = []
    skipped = []
    for index, entry in enumerate(entries):
        where = f"{path}.items[{index}]"
        try:
            item = _item(entry, where, media, defaults)
        except ManifestProblems as exc:
            skipped.extend(exc.problems)
            for problem in exc.problems:
                checks.skip(problem)
            continue
        except ManifestError as exc:  # not an object at all
            skipped.append(exc)
            checks.skip(exc)
            continue
        if item.id in seen:
            checks.refuse(
                ManifestError(
                    f"duplicate item id {item.id!r} (ids must be unique in the manifest)",
                    f"{where}.id",
                )
            )
            continue
        seen.add(item.id)
        items.append(item)
    if not items and skipped and not checks.strict:
        raise skipped[0]  # nothing of it could play: keep the last good manifest instead
    if len(checks.problems) > problems or not items:
        return None
    return Playlist(name, priority, tuple(items), rules, default)


def _media_entry(key: str, value: object) -> Media:
    if not _SHA256.fullmatch(key):
        raise ManifestError(f"key {_show(key)} is not a sha256 (64 lowercase hex chars)", "media")
    path = f"media.{key}"
    entry = _obj(value, path)
    found: list[ManifestError] = []
    optional = {}
    for name in ("width", "height"):
        if entry.get(name) is not None:
            optional[name] = _field(found, _int, entry[name], f"{path}.{name}", 1, MAX_MEDIA_SIDE)
    if entry.get("duration") is not None:  # a video's length: an item's play time
        optional["duration"] = _field(found, _duration, entry["duration"], f"{path}.duration")
    if entry.get("codec") is not None:
        optional["codec"] = _field(found, _str, entry["codec"], f"{path}.codec")
    size = _field(found, _int, entry.get("size"), f"{path}.size", 1, MAX_MEDIA_SIZE)
    kind = _field(found, _choice, entry.get("type"), f"{path}.type", MEDIA_TYPES)
    url = _field(found, _media_url, entry.get("url", f"media/{key}"), f"{path}.url")
    if found:
        raise ManifestProblems(found)
    return Media(sha256=key, size=size, type=kind, url=url, **optional)


def _media(raw: object, checks: _Checks) -> dict[str, Media]:
    raw = _obj(raw, "media")
    if len(raw) > MAX_MEDIA:
        raise ManifestError(f"may hold at most {MAX_MEDIA} entries, got {len(raw)}", "media")
    result = {}
    for key, value in raw.items():
        try:
            result[key] = _media_entry(key, value)
        except ManifestError as exc:
            checks.refuse(exc)
    return result


def _feed(value: object, where: str) -> Feed:
    entry = {"url": value} if isinstance(value, str) else _obj(value, where)
    found: list[ManifestError] = []
    url = _field(found, _http_url, entry.get("url"), f"{where}.url")
    refresh = _field(
        found,
        _positive,
        entry.get("refresh", 600.0),
        f"{where}.refresh",
        maximum=MAX_FEED_REFRESH,
        minimum=MIN_FEED_REFRESH,
    )
    if found:
        raise ManifestProblems(found)
    return Feed(url, refresh)


def _ticker(raw: object, path: str) -> Ticker:
    raw = _obj(raw, path)
    found: list[ManifestError] = []  # every problem of the bar at once, for the publisher
    entries = _field(found, _list, raw.get("lines", []), f"{path}.lines", MAX_TICKER_LINES)
    lines = tuple(
        _field(found, _str, line, f"{path}.lines[{i}]", MAX_LINE)
        for i, line in enumerate(entries or ())
    )
    entries = _field(found, _list, raw.get("feeds", []), f"{path}.feeds", MAX_FEEDS)
    feeds = tuple(
        _field(found, _feed, value, f"{path}.feeds[{i}]") for i, value in enumerate(entries or ())
    )
    if not lines and not feeds and not found:
        found.append(ManifestError("needs at least one of lines or feeds", path))
    base = Ticker()
    ticker = Ticker(
        lines=lines,
        feeds=feeds,
        speed=_field(
            found, _positive, raw.get("speed", base.speed), f"{path}.speed", MAX_TICKER_SPEED
        ),
        position=_field(
            found, _choice, raw.get("position", base.position), f"{path}.position", TICKER_POSITIONS
        ),
        height=_field(found, _fraction, raw.get("height", base.height), f"{path}.height", 0.5),
        color=_field(found, _color, raw.get("color", base.color), f"{path}.color"),
        background=_field(
            found, _color, raw.get("background", base.background), f"{path}.background"
        ),
    )
    if found:
        raise ManifestProblems(found)
    return ticker


def _clock(raw: object, path: str) -> ClockOverlay:
    raw = {} if raw is True else _obj(raw, path)
    base = ClockOverlay()
    found: list[ManifestError] = []
    clock = ClockOverlay(
        position=_field(
            found, _choice, raw.get("position", base.position), f"{path}.position", CLOCK_POSITIONS
        ),
        format=_field(found, _str, raw.get("format", base.format), f"{path}.format", MAX_FORMAT),
        size=_field(found, _fraction, raw.get("size", base.size), f"{path}.size", 0.5),
    )
    if found:
        raise ManifestProblems(found)
    return clock


def _layout(raw: object, checks: _Checks) -> Layout:
    raw = _obj(raw, "layout")
    ticker = overlay = None
    try:
        if raw.get("ticker") is not None:
            ticker = _ticker(raw["ticker"], "layout.ticker")
    except ManifestError as exc:
        checks.refuse(exc)
    try:
        clock = raw.get("clock")
        overlay = None if clock is None or clock is False else _clock(clock, "layout.clock")
    except ManifestError as exc:
        checks.refuse(exc)
    return Layout(ticker, overlay)


def _header(raw: dict) -> tuple[str, dt.datetime, int]:
    if "version" not in raw:
        raise ManifestError("missing (this is not a videotron manifest)", "version")
    if type(raw["version"]) is not int or raw["version"] != FORMAT_VERSION:
        raise ManifestError(
            f"unsupported version {_show(raw['version'])}; this player reads version "
            f"{FORMAT_VERSION} (update the player or publish with a matching publisher)",
            "version",
        )
    group = _str(raw.get("group"), "group")
    if not _GROUP.fullmatch(group):
        raise ManifestError(
            f"{_show(group)} may hold only letters, digits, '.', '_' and '-' (max 64)", "group"
        )
    published_at = parse_datetime(raw.get("published_at"), "published_at")
    if published_at.tzinfo is None:
        raise ManifestError("must carry a UTC offset, e.g. 2024-05-01T08:00:00Z", "published_at")
    sequence = _int(raw.get("sequence"), "sequence", 0, MAX_SEQUENCE)
    return group, published_at, sequence


def _attempt(checks: _Checks, func, *args, fallback=None):
    try:
        return func(*args)
    except ManifestError as exc:
        checks.refuse(exc)
        return fallback


def manifest_from_raw(raw: object, *, strict: bool = False) -> Manifest:
    """A decoded manifest JSON value, validated into a `Manifest`.

    The player (strict=False) refuses a manifest it cannot trust as a whole and leaves out
    single items it cannot handle, logging why (they are listed in `Manifest.skipped`).
    The publisher (strict=True) gets every problem at once as `ManifestProblems`.
    """
    raw = _obj(raw, "manifest")
    checks = _Checks(strict)
    header = _header(raw)  # a foreign or future document: nothing else is worth reading
    media = _attempt(checks, _media, raw.get("media", {}), checks, fallback={})
    defaults_raw = _attempt(checks, _obj, raw.get("defaults", {}), "defaults", fallback={})
    defaults = _attempt(checks, _defaults, defaults_raw, fallback=_Defaults())
    entries = _attempt(checks, _list, raw.get("playlists"), "playlists", MAX_PLAYLISTS)
    # Counted before any item is read: 1,000 playlists of 10,000 items must not be parsed.
    lists = [e.get("items") for e in entries or () if isinstance(e, dict)]
    total = sum(len(items) for items in lists if isinstance(items, list))
    if total > MAX_TOTAL_ITEMS:
        checks.refuse(
            ManifestError(
                f"may hold at most {MAX_TOTAL_ITEMS} items in all, got {total}", "playlists"
            )
        )
    seen: set[str] = set()
    playlists = []
    for i, entry in enumerate(entries or ()):
        playlist = _playlist(entry, f"playlists[{i}]", media, defaults, seen=seen, checks=checks)
        if playlist is not None:
            playlists.append(playlist)
    names = [playlist.name for playlist in playlists]
    for index, name in enumerate(names):
        if name in names[:index]:
            checks.refuse(
                ManifestError(f"duplicate playlist name {name!r}", f"playlists[{index}].name")
            )
    if sum(playlist.default for playlist in playlists) > 1:
        checks.refuse(
            ManifestError("at most one playlist may be marked default: true", "playlists")
        )
    layout = Layout()
    if raw.get("layout") is not None:
        layout = _attempt(checks, _layout, raw["layout"], checks, fallback=Layout())
    if checks.problems:
        raise ManifestProblems(checks.problems)
    skipped = tuple(str(exc) for exc in checks.skipped)
    if skipped:  # one line: the log and the status fold repeats of one template
        log.warning(
            "manifest sequence %d: %d item(s) left out, the rest plays: %s",
            header[2],
            len(skipped),
            "; ".join(skipped),
        )
    return Manifest(
        version=FORMAT_VERSION,
        group=header[0],
        published_at=header[1],
        sequence=header[2],
        media=media,
        playlists=tuple(playlists),
        layout=layout,
        defaults=dict(defaults_raw),
        skipped=skipped,
    )


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")


def parse(data: bytes, *, strict: bool = False) -> Manifest:
    """Validate manifest bytes (UTF-8 JSON) into a `Manifest`; raises only ManifestError.

    See `manifest_from_raw` for `strict`; the player never passes it.
    """
    try:
        text = bytes(data).decode("utf-8")
        raw = json.loads(text, parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise ManifestError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except (ValueError, RecursionError) as exc:
        raise ManifestError(f"not valid JSON ({exc})") from None
    except TypeError as exc:
        raise ManifestError(f"not bytes ({exc})") from None
    return manifest_from_raw(raw, strict=strict)
