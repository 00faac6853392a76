"""The manifest's layout parsed: the ticker (lines, feeds, approved headlines) and the clock."""

from __future__ import annotations

from player.wire import fields
from player.wire.approval import MAX_APPROVER, ticker_content
from player.wire.checks import Checks
from player.wire.items import approval_from_raw
from player.wire.manifest import (
    CLOCK_POSITIONS,
    MAX_FEED_REFRESH,
    MAX_FEEDS,
    MAX_FORMAT,
    MAX_HEADLINES,
    MAX_LINE,
    MAX_TICKER_LINES,
    MAX_TICKER_SPEED,
    MIN_FEED_REFRESH,
    TICKER_POSITIONS,
    ClockOverlay,
    Feed,
    Headline,
    Layout,
    ManifestError,
    ManifestProblems,
    Ticker,
)


def _feed(value: object, where: str) -> Feed:
    entry = {"url": value} if isinstance(value, str) else fields.obj(value, where)
    found: list[ManifestError] = []
    # http(s), or a path relative to the manifest: a feed file published with the content.
    url = fields.noted(found, fields.media_url, entry.get("url"), f"{where}.url")
    refresh = fields.noted(
        found,
        fields.positive,
        entry.get("refresh", 600.0),
        f"{where}.refresh",
        maximum=MAX_FEED_REFRESH,
        minimum=MIN_FEED_REFRESH,
    )
    sha256 = None
    if entry.get("sha256") is not None:
        sha256 = fields.noted(found, fields.sha256, entry["sha256"], f"{where}.sha256")
    if found:
        raise ManifestProblems(found)
    return Feed(url, refresh, sha256)


def _headline(value: object, where: str) -> Headline:
    entry = fields.obj(value, where)
    found: list[ManifestError] = []
    headline = Headline(
        text=fields.noted(found, fields.string, entry.get("text"), f"{where}.text", MAX_LINE),
        feed=fields.noted(found, fields.media_url, entry.get("feed"), f"{where}.feed"),
        approver=fields.noted(
            found, fields.string, entry.get("approver"), f"{where}.approver", MAX_APPROVER
        ),
        approved_at=fields.noted(
            found, fields.utc, entry.get("approved_at"), f"{where}.approved_at"
        ),
    )
    if found:
        raise ManifestProblems(found)
    return headline


def _ticker(raw: object, path: str) -> Ticker:
    raw = fields.obj(raw, path)
    found: list[ManifestError] = []  # every problem of the bar at once, for the publisher
    entries = fields.noted(
        found, fields.list_of, raw.get("lines", []), f"{path}.lines", MAX_TICKER_LINES
    )
    lines = tuple(
        fields.noted(found, fields.string, line, f"{path}.lines[{i}]", MAX_LINE)
        for i, line in enumerate(entries or ())
    )
    entries = fields.noted(found, fields.list_of, raw.get("feeds", []), f"{path}.feeds", MAX_FEEDS)
    feeds = tuple(
        fields.noted(found, _feed, value, f"{path}.feeds[{i}]")
        for i, value in enumerate(entries or ())
    )
    entries = fields.noted(
        found, fields.list_of, raw.get("headlines", []), f"{path}.headlines", MAX_HEADLINES
    )
    headlines = tuple(
        fields.noted(found, _headline, value, f"{path}.headlines[{i}]")
        for i, value in enumerate(entries or ())
    )
    if not lines and not feeds and not headlines and not found:
        found.append(ManifestError("needs at least one of lines, headlines or feeds", path))
    approval = None
    if raw.get("approval") is not None:
        approval = fields.noted(
            found, approval_from_raw, raw["approval"], f"{path}.approval", ticker_content(lines)
        )
    base = Ticker()
    ticker = Ticker(
        lines=lines,
        feeds=feeds,
        headlines=headlines,
        speed=fields.noted(
            found, fields.positive, raw.get("speed", base.speed), f"{path}.speed", MAX_TICKER_SPEED
        ),
        position=fields.noted(
            found,
            fields.choice,
            raw.get("position", base.position),
            f"{path}.position",
            TICKER_POSITIONS,
        ),
        height=fields.noted(
            found, fields.fraction, raw.get("height", base.height), f"{path}.height", 0.5
        ),
        color=fields.noted(found, fields.color, raw.get("color", base.color), f"{path}.color"),
        background=fields.noted(
            found, fields.color, raw.get("background", base.background), f"{path}.background"
        ),
        approval=approval,
    )
    if found:
        raise ManifestProblems(found)
    return ticker


def _clock(raw: object, path: str) -> ClockOverlay:
    raw = {} if raw is True else fields.obj(raw, path)
    base = ClockOverlay()
    found: list[ManifestError] = []
    clock = ClockOverlay(
        position=fields.noted(
            found,
            fields.choice,
            raw.get("position", base.position),
            f"{path}.position",
            CLOCK_POSITIONS,
        ),
        format=fields.noted(
            found, fields.string, raw.get("format", base.format), f"{path}.format", MAX_FORMAT
        ),
        size=fields.noted(found, fields.fraction, raw.get("size", base.size), f"{path}.size", 0.5),
    )
    if found:
        raise ManifestProblems(found)
    return clock


def layout_from_raw(raw: object, checks: Checks) -> Layout:
    raw = fields.obj(raw, "layout")
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
