"""Typed readers of wire values and schedule rules: one value, its bound, its path in errors."""

from __future__ import annotations

import datetime as dt
import math
import re
from urllib.parse import urlsplit

from player.wire.manifest import (
    ALIGNS,
    DAY_NAMES,
    DEFAULT_CROSSFADE_MS,
    MAX_DURATION,
    MAX_FORMAT,
    MAX_NAME,
    MAX_TICKER_SPEED,
    MAX_TRANSITION_MS,
    MAX_URL,
    MAX_WINDOWS,
    MAX_YEAR,
    MIN_DURATION,
    MIN_FRACTION,
    MIN_YEAR,
    TRANSITIONS,
    DailyWindow,
    ManifestError,
    ManifestProblems,
    Rules,
    Transition,
)

_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_CLOCK_TIME = re.compile(r"([0-9]{2}):([0-9]{2})")


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


def show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def obj(value: object, path: str) -> dict:
    if not isinstance(value, dict):
        raise ManifestError(f"must be an object, got {_kind(value)}", path)
    return value


def list_of(value: object, path: str, maximum: int) -> list:
    if not isinstance(value, list):
        raise ManifestError(f"must be a list, got {_kind(value)}", path)
    if len(value) > maximum:
        raise ManifestError(f"may hold at most {maximum} entries, got {len(value)}", path)
    return value


def string(value: object, path: str, maximum: int = MAX_NAME) -> str:
    if not isinstance(value, str) or not value:
        raise ManifestError(f"must be a non-empty string, got {show(value)}", path)
    if len(value) > maximum:
        raise ManifestError(f"may be at most {maximum} characters, got {len(value)}", path)
    return value


def integer(value: object, path: str, minimum: int, maximum: int) -> int:
    if type(value) is not int:
        raise ManifestError(f"must be an integer, got {show(value)}", path)
    if value < minimum:
        raise ManifestError(f"must be >= {minimum}, got {value}", path)
    if value > maximum:
        raise ManifestError(f"must be <= {maximum}, got {show(value)}", path)
    return value


def positive(value: object, path: str, maximum: float, minimum: float = 0.0) -> float:
    if type(value) not in (int, float) or not math.isfinite(value):
        raise ManifestError(f"must be a number, got {show(value)}", path)
    if value <= 0:
        raise ManifestError(f"must be > 0, got {value}", path)
    if value < minimum:
        raise ManifestError(f"must be >= {minimum:g}, got {value:g}", path)
    if value > maximum:
        raise ManifestError(f"must be <= {maximum:g}, got {value:g}", path)
    return float(value)


def duration(value: object, path: str) -> float:
    return positive(value, path, maximum=MAX_DURATION, minimum=MIN_DURATION)


def fraction(value: object, path: str, maximum: float) -> float:
    return positive(value, path, maximum=maximum, minimum=MIN_FRACTION)


def choice(value: object, path: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ManifestError(f"must be one of {', '.join(choices)}; got {show(value)}", path)
    return value


def color(value: object, path: str) -> str:
    if not isinstance(value, str) or not _COLOR.fullmatch(value):
        raise ManifestError(f"must be a colour like '#ffcc00', got {show(value)}", path)
    return value


def http_url(value: object, path: str) -> str:
    text = string(value, path, MAX_URL)
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise ManifestError(f"not a URL ({exc})", path) from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ManifestError(f"must be an http:// or https:// URL, got {show(text)}", path)
    return text


def media_url(value: object, path: str) -> str:
    """Relative to the manifest, or absolute http(s); never escaping the tree with '..'."""
    text = string(value, path, MAX_URL)
    if "://" in text:
        return http_url(text, path)
    if "\\" in text or ":" in text.split("/", 1)[0] or ".." in text.split("/"):
        raise ManifestError(f"must be a relative path inside the tree, got {show(text)}", path)
    return text


def parse_datetime(value: object, path: str, *, end_of_day: bool = False) -> dt.datetime:
    """ISO-8601 date or datetime, with or without offset (naive = player local time).

    A date alone means its midnight, or with `end_of_day` the next midnight, so that
    `valid_until: 2024-05-31` includes the whole of 31 May. Years outside MIN_YEAR..MAX_YEAR
    are refused: the schedule adds days and zone offsets to these and must never overflow.
    """
    if not isinstance(value, str) or not value or len(value) > 64:
        raise ManifestError(f"must be an ISO date or datetime string, got {show(value)}", path)
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            moment = dt.datetime.combine(day, dt.time())
        else:
            moment = dt.datetime.fromisoformat(value)
    except (ValueError, OverflowError):
        raise ManifestError(
            f"not an ISO date or datetime: {show(value)} (e.g. 2024-05-01 or "
            "2024-05-01T08:00:00+07:00)",
            path,
        ) from None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise ManifestError(
            f"year {moment.year} is outside {MIN_YEAR}-{MAX_YEAR}, got {show(value)}", path
        )
    if len(value) == 10 and end_of_day:
        moment += dt.timedelta(days=1)
    return moment


def utc(value: object, path: str) -> dt.datetime:
    """An ISO datetime with its offset, in UTC (approvals: a time the world agrees on)."""
    moment = parse_datetime(value, path)
    if moment.tzinfo is None:
        raise ManifestError("must carry a UTC offset, e.g. 2024-05-01T08:00:00Z", path)
    return moment.astimezone(dt.UTC)


def sha256(value: object, path: str) -> str:
    if not isinstance(value, str) or not SHA256_HEX.fullmatch(value):
        raise ManifestError(f"must be a sha256 (64 lowercase hex chars), got {show(value)}", path)
    return value


def _clock_time(value: object, path: str, *, allow_24: bool) -> dt.time:
    match = _CLOCK_TIME.fullmatch(value) if isinstance(value, str) else None
    if match:
        hour, minute = int(match[1]), int(match[2])
        if allow_24 and (hour, minute) == (24, 0):
            return dt.time()
        if hour < 24 and minute < 60:
            return dt.time(hour, minute)
    raise ManifestError(f"must be a time 'HH:MM' (00:00-23:59), got {show(value)}", path)


def clock_time(value: object, path: str) -> dt.time:
    """A wall-clock time 'HH:MM' of the local day."""
    return _clock_time(value, path, allow_24=False)


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
    raise ManifestError(f"must be a weekday {', '.join(DAY_NAMES)}; got {show(value)}", path)


def parse_rules(raw: object, path: str) -> Rules:
    """A `schedule` object: valid_from/valid_until, days, windows or from/until."""
    raw = obj(raw, path)
    valid_from = valid_until = None
    dates: list[ManifestError] = []  # both bounds of a range are worth hearing about at once
    if raw.get("valid_from") is not None:
        valid_from = noted(dates, parse_datetime, raw["valid_from"], f"{path}.valid_from")
    if raw.get("valid_until") is not None:
        valid_until = noted(
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
        names = list_of(raw["days"], f"{path}.days", len(DAY_NAMES))
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
        entries = list_of(raw["windows"], f"{path}.windows", MAX_WINDOWS)
        if not entries:
            raise ManifestError("empty list never matches (omit windows for all day)", path)
        for i, entry in enumerate(entries):
            where = f"{path}.windows[{i}]"
            parts = entry.split("-") if isinstance(entry, str) else ()
            if len(parts) != 2:
                raise ManifestError(f"must be 'HH:MM-HH:MM', got {show(entry)}", where)
            windows.append(_window(parts[0].strip(), parts[1].strip(), where))
    return Rules(valid_from, valid_until, days, tuple(windows))


def transition(raw: object, path: str) -> Transition:
    if isinstance(raw, str):  # shorthand: "crossfade" or "cut"
        kind = choice(raw, path, TRANSITIONS)
        return Transition(kind, DEFAULT_CROSSFADE_MS if kind == "crossfade" else 0)
    raw = obj(raw, path)
    kind = choice(raw.get("type", "cut"), f"{path}.type", TRANSITIONS)
    default_ms = DEFAULT_CROSSFADE_MS if kind == "crossfade" else 0
    ms = integer(raw.get("ms", default_ms), f"{path}.ms", 0, MAX_TRANSITION_MS)
    return Transition(kind, ms)


def style(raw: object, path: str) -> dict:
    style = dict(obj(raw, path))
    for key in ("color", "background"):
        if key in style:
            color(style[key], f"{path}.{key}")
    if "font_size" in style:
        style["font_size"] = fraction(style["font_size"], f"{path}.font_size", maximum=1.0)
    if "speed" in style:  # ticker items, pixels per second
        style["speed"] = positive(style["speed"], f"{path}.speed", maximum=MAX_TICKER_SPEED)
    if "format" in style:
        string(style["format"], f"{path}.format", MAX_FORMAT)
    if "align" in style:
        choice(style["align"], f"{path}.align", ALIGNS)
    return style


def noted(problems: list[ManifestError] | None, parse_field, *args, **kwargs):
    """`parse_field(...)`; with a `problems` list, a failure is noted there (→ None)."""
    if problems is None:
        return parse_field(*args, **kwargs)
    try:
        return parse_field(*args, **kwargs)
    except ManifestError as exc:
        problems.extend(each(exc))
        return None


def each(exc: ManifestError) -> list[ManifestError]:
    return exc.problems if isinstance(exc, ManifestProblems) else [exc]
