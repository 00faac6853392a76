"""Manifest bytes into `player.wire.manifest` types: decoding and checks; errors name the field."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass, field

from player.wire import fields
from player.wire.approval import MAX_APPROVER, Approval, content_hash, ticker_content
from player.wire.brightness import brightness_from_raw
from player.wire.fields import parse_datetime, parse_rules
from player.wire.manifest import (
    CLOCK_POSITIONS,
    DATA_TYPE,
    DEFAULT_DURATION,
    FITS,
    FORMAT_VERSION,
    ITEM_TYPES,
    MAX_CAMPAIGN_ITEMS,
    MAX_CAMPAIGNS,
    MAX_FEED_REFRESH,
    MAX_FEEDS,
    MAX_FORMAT,
    MAX_HEADLINES,
    MAX_ITEMS,
    MAX_LINE,
    MAX_MEDIA,
    MAX_MEDIA_SIDE,
    MAX_MEDIA_SIZE,
    MAX_PARTNER,
    MAX_PLAYLISTS,
    MAX_PLAYS_PER_DAY,
    MAX_PRIORITY,
    MAX_SEQUENCE,
    MAX_TARGETS,
    MAX_TEXT,
    MAX_TICKER_LINES,
    MAX_TICKER_SPEED,
    MAX_TOTAL_ITEMS,
    MEDIA_TYPES,
    MIN_FEED_REFRESH,
    TICKER_POSITIONS,
    Brightness,
    Campaign,
    ClockOverlay,
    DataRef,
    Feed,
    Goal,
    Headline,
    Item,
    Layout,
    LocalInfo,
    Manifest,
    ManifestError,
    ManifestProblems,
    Media,
    Playlist,
    Ticker,
    Transition,
)

_SHA256 = re.compile(r"[0-9a-f]{64}")
_GROUP = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Defaults:
    duration: float = DEFAULT_DURATION
    transition: Transition = field(default_factory=Transition)
    fit: str | None = None


def _defaults(raw: dict) -> _Defaults:
    duration = DEFAULT_DURATION
    if raw.get("duration") is not None:
        duration = fields.duration(raw["duration"], "defaults.duration")
    transition = Transition()
    if raw.get("transition") is not None:
        transition = fields.transition(raw["transition"], "defaults.transition")
    fit = fields.choice(raw["fit"], "defaults.fit", FITS) if raw.get("fit") is not None else None
    return _Defaults(duration, transition, fit)


def _media_ref(value: object, path: str, kind: str, media: dict[str, Media]) -> str:
    entry = media.get(value) if isinstance(value, str) else None
    if entry is None:  # listed keys are valid sha256s: only now say what is wrong
        if not isinstance(value, str) or not _SHA256.fullmatch(value):
            raise ManifestError(
                f"must be a sha256 (64 lowercase hex chars), got {fields.show(value)}", path
            )
        raise ManifestError(f"{value} is not listed in media", path)
    if entry.type != kind:
        raise ManifestError(f"{value} is a {entry.type}, item is {kind}", path)
    return value


def _sha256(value: object, path: str) -> str:
    if not isinstance(value, str) or not _SHA256.fullmatch(value):
        raise ManifestError(
            f"must be a sha256 (64 lowercase hex chars), got {fields.show(value)}", path
        )
    return value


def _utc(value: object, path: str) -> dt.datetime:
    moment = parse_datetime(value, path)
    if moment.tzinfo is None:
        raise ManifestError("must carry a UTC offset, e.g. 2024-05-01T08:00:00Z", path)
    return moment.astimezone(dt.UTC)


def _approval(raw: object, path: str, item: dict) -> Approval:
    entry = fields.obj(raw, path)
    found: list[ManifestError] = []
    approver = fields.noted(
        found, fields.string, entry.get("approver"), f"{path}.approver", MAX_APPROVER
    )
    approved_at = fields.noted(found, _utc, entry.get("approved_at"), f"{path}.approved_at")
    given = fields.noted(found, _sha256, entry.get("content_hash"), f"{path}.content_hash")
    if found:
        raise ManifestProblems(found)
    # Judged by the player's policy (source.require_approval), not here: a player that does
    # not require approval plays the item whatever its approval says.
    return Approval(approver, approved_at, given, matches=given == content_hash(item))


def _item(raw: object, path: str, media: dict[str, Media], defaults: _Defaults) -> Item:
    """One item; ManifestProblems lists every problem in it, so none hides behind another."""
    try:
        return _item_fields(raw, path, media, defaults, None)
    except ManifestError as first:  # rare: read it again, this time noting every problem
        problems: list[ManifestError] = []
        _item_fields(raw, path, media, defaults, problems)
        raise ManifestProblems(problems or [first]) from None


def _item_fields(
    raw: object,
    path: str,
    media: dict[str, Media],
    defaults: _Defaults,
    problems: list[ManifestError] | None,
) -> Item:
    # The hot loop of a big manifest: look values up once, build field paths only on error.
    get = fields.obj(raw, path).get
    item_id = fields.noted(problems, fields.string, get("id"), f"{path}.id")
    kind = fields.noted(problems, fields.choice, get("type"), f"{path}.type", ITEM_TYPES)
    media_key = text = None
    if kind in MEDIA_TYPES:
        media_key = fields.noted(problems, _media_ref, get("media"), f"{path}.media", kind, media)
    elif kind == "text" or (kind == "ticker" and get("text") is not None):
        text = fields.noted(problems, fields.string, get("text"), f"{path}.text", MAX_TEXT)
    if (duration := get("duration")) is not None:
        duration = fields.noted(problems, fields.duration, duration, f"{path}.duration")
    elif kind != "video":
        duration = defaults.duration
    transition = defaults.transition
    if (value := get("transition")) is not None:
        transition = fields.noted(problems, fields.transition, value, f"{path}.transition")
    fit = defaults.fit
    if (value := get("fit")) is not None:
        fit = fields.noted(problems, fields.choice, value, f"{path}.fit", FITS)
    rules = None
    if (value := get("schedule")) is not None:
        rules = fields.noted(problems, parse_rules, value, f"{path}.schedule")
    style = {}
    if (value := get("style")) is not None:
        style = fields.noted(problems, fields.style, value, f"{path}.style")
    approval = None
    if (value := get("approval")) is not None:
        approval = fields.noted(problems, _approval, value, f"{path}.approval", raw)
    return Item(item_id, kind, duration, media_key, text, transition, fit, rules, style, approval)


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
        self.problems.extend(fields.each(exc))

    def skip(self, exc: ManifestError) -> None:
        # One item the player cannot handle (too long, dated in year 9999, a bad style)
        # says nothing about the others: they are what the office meant to show.
        if self.strict:
            self.problems.extend(fields.each(exc))
        else:
            self.skipped.extend(fields.each(exc))


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
        raw = fields.obj(raw, path)
    except ManifestError as exc:
        checks.refuse(exc)
        return None
    found: list[ManifestError] = []
    name = fields.noted(found, fields.string, raw.get("name"), f"{path}.name")
    priority = fields.noted(
        found,
        fields.integer,
        raw.get("priority", 0),
        f"{path}.priority",
        -MAX_PRIORITY,
        MAX_PRIORITY,
    )
    default = raw.get("default", False)
    if not isinstance(default, bool):
        found.append(
            ManifestError(f"must be true or false, got {fields.show(default)}", f"{path}.default")
        )
    rules = None
    if raw.get("schedule") is not None:
        rules = fields.noted(found, parse_rules, raw["schedule"], f"{path}.schedule")
    if found:
        checks.refuse(ManifestProblems(found))
    try:
        entries = fields.list_of(raw.get("items"), f"{path}.items", MAX_ITEMS)
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


def _goal(raw: object, path: str) -> Goal:
    raw = fields.obj(raw, path)
    given = [key for key in ("plays_per_day", "share") if raw.get(key) is not None]
    if len(given) != 1:
        raise ManifestError(
            "give exactly one of plays_per_day (e.g. 480) or share (of airtime, e.g. 0.1)", path
        )
    if given == ["share"]:
        share = fields.positive(raw["share"], f"{path}.share", maximum=1.0)
        return Goal(share=share)
    plays = fields.integer(raw["plays_per_day"], f"{path}.plays_per_day", 1, MAX_PLAYS_PER_DAY)
    return Goal(plays_per_day=plays)


def _names(raw: object, path: str) -> frozenset[str]:
    entries = fields.list_of(raw, path, MAX_TARGETS)
    if not entries:
        raise ManifestError("empty list never matches (omit it for every one)", path)
    return frozenset(fields.string(v, f"{path}[{i}]") for i, v in enumerate(entries))


def _campaign(
    raw: object,
    path: str,
    media: dict[str, Media],
    defaults: _Defaults,
    *,
    seen: set[str],
    checks: _Checks,
) -> Campaign | None:
    """The campaign, or None when it cannot play (a problem refused or noted, or no item)."""
    try:
        raw = fields.obj(raw, path)
    except ManifestError as exc:
        checks.refuse(exc)
        return None
    found: list[ManifestError] = []
    campaign_id = fields.noted(found, fields.string, raw.get("id"), f"{path}.id")
    partner = fields.noted(found, fields.string, raw.get("partner"), f"{path}.partner", MAX_PARTNER)
    goal = fields.noted(found, _goal, raw.get("goal"), f"{path}.goal")
    rules = groups = screens = None
    if raw.get("schedule") is not None:
        rules = fields.noted(found, parse_rules, raw["schedule"], f"{path}.schedule")
    if raw.get("groups") is not None:
        groups = fields.noted(found, _names, raw["groups"], f"{path}.groups")
    if raw.get("screens") is not None:
        screens = fields.noted(found, _names, raw["screens"], f"{path}.screens")
    back_to_back = raw.get("back_to_back", False)
    if not isinstance(back_to_back, bool):
        found.append(
            ManifestError(
                f"must be true or false, got {fields.show(back_to_back)}", f"{path}.back_to_back"
            )
        )
    entries = fields.noted(
        found, fields.list_of, raw.get("items"), f"{path}.items", MAX_CAMPAIGN_ITEMS
    )
    if entries == []:
        found.append(ManifestError("must list at least one item", f"{path}.items"))
    if found:
        checks.refuse(ManifestProblems(found))
        return None
    items = []
    for index, entry in enumerate(entries):
        where = f"{path}.items[{index}]"
        try:
            item = _item(entry, where, media, defaults)
        except ManifestError as exc:  # one creative the player cannot show: the rest play
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
    if not items:
        return None
    return Campaign(campaign_id, partner, tuple(items), goal, rules, groups, screens, back_to_back)


def _media_entry(key: str, value: object) -> Media:
    if not _SHA256.fullmatch(key):
        raise ManifestError(
            f"key {fields.show(key)} is not a sha256 (64 lowercase hex chars)", "media"
        )
    path = f"media.{key}"
    entry = fields.obj(value, path)
    found: list[ManifestError] = []
    optional = {}
    for name in ("width", "height"):
        if entry.get(name) is not None:
            optional[name] = fields.noted(
                found, fields.integer, entry[name], f"{path}.{name}", 1, MAX_MEDIA_SIDE
            )
    if entry.get("duration") is not None:  # a video's length: an item's play time
        optional["duration"] = fields.noted(
            found, fields.duration, entry["duration"], f"{path}.duration"
        )
    if entry.get("codec") is not None:
        optional["codec"] = fields.noted(found, fields.string, entry["codec"], f"{path}.codec")
    size = fields.noted(found, fields.integer, entry.get("size"), f"{path}.size", 1, MAX_MEDIA_SIZE)
    kind = fields.noted(
        found, fields.choice, entry.get("type"), f"{path}.type", (*MEDIA_TYPES, DATA_TYPE)
    )
    url = fields.noted(found, fields.media_url, entry.get("url", f"media/{key}"), f"{path}.url")
    if found:
        raise ManifestProblems(found)
    return Media(sha256=key, size=size, type=kind, url=url, **optional)


def _media(raw: object, checks: _Checks) -> dict[str, Media]:
    raw = fields.obj(raw, "media")
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
        sha256 = fields.noted(found, _sha256, entry["sha256"], f"{where}.sha256")
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
        approved_at=fields.noted(found, _utc, entry.get("approved_at"), f"{where}.approved_at"),
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
            found, _approval, raw["approval"], f"{path}.approval", ticker_content(lines)
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


def _layout(raw: object, checks: _Checks) -> Layout:
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


def _localinfo(raw: object, media: dict[str, Media]) -> LocalInfo:
    raw = fields.obj(raw, "localinfo")
    weather = None
    if raw.get("weather") is not None:
        entry = fields.obj(raw["weather"], "localinfo.weather")
        sha = entry.get("sha256")
        if not isinstance(sha, str) or sha not in media or media[sha].type != DATA_TYPE:
            raise ManifestError(
                f"{fields.show(sha)} is not a data entry of media", "localinfo.weather.sha256"
            )
        fetched_at = parse_datetime(entry.get("fetched_at"), "localinfo.weather.fetched_at")
        if fetched_at.tzinfo is None:
            raise ManifestError("must carry a UTC offset", "localinfo.weather.fetched_at")
        weather = DataRef(sha, fetched_at)
    return LocalInfo(weather=weather)


def _header(raw: dict) -> tuple[str, dt.datetime, int]:
    if "version" not in raw:
        raise ManifestError("missing (this is not a videotron manifest)", "version")
    if type(raw["version"]) is not int or raw["version"] != FORMAT_VERSION:
        raise ManifestError(
            f"unsupported version {fields.show(raw['version'])}; this player reads version "
            f"{FORMAT_VERSION} (update the player or publish with a matching publisher)",
            "version",
        )
    group = fields.string(raw.get("group"), "group")
    if not _GROUP.fullmatch(group):
        raise ManifestError(
            f"{fields.show(group)} may hold only letters, digits, '.', '_' and '-' (max 64)",
            "group",
        )
    published_at = parse_datetime(raw.get("published_at"), "published_at")
    if published_at.tzinfo is None:
        raise ManifestError("must carry a UTC offset, e.g. 2024-05-01T08:00:00Z", "published_at")
    sequence = fields.integer(raw.get("sequence"), "sequence", 0, MAX_SEQUENCE)
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
    raw = fields.obj(raw, "manifest")
    checks = _Checks(strict)
    header = _header(raw)  # a foreign or future document: nothing else is worth reading
    media = _attempt(checks, _media, raw.get("media", {}), checks, fallback={})
    defaults_raw = _attempt(checks, fields.obj, raw.get("defaults", {}), "defaults", fallback={})
    defaults = _attempt(checks, _defaults, defaults_raw, fallback=_Defaults())
    entries = _attempt(checks, fields.list_of, raw.get("playlists"), "playlists", MAX_PLAYLISTS)
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
    campaigns = []
    entries = _attempt(checks, fields.list_of, raw.get("campaigns", []), "campaigns", MAX_CAMPAIGNS)
    for i, entry in enumerate(entries or ()):
        campaign = _campaign(entry, f"campaigns[{i}]", media, defaults, seen=seen, checks=checks)
        if campaign is not None:
            campaigns.append(campaign)
    ids = [campaign.id for campaign in campaigns]
    for index, campaign_id in enumerate(ids):
        if campaign_id in ids[:index]:
            checks.refuse(
                ManifestError(f"duplicate campaign id {campaign_id!r}", f"campaigns[{index}].id")
            )
    layout = Layout()
    if raw.get("layout") is not None:
        layout = _attempt(checks, _layout, raw["layout"], checks, fallback=Layout())
    localinfo = LocalInfo()
    if raw.get("localinfo") is not None:
        try:  # the weather is extra: a bad reference hides it, the content still plays
            localinfo = _localinfo(raw["localinfo"], media)
        except ManifestError as exc:
            checks.skip(exc)
    brightness = Brightness()
    if raw.get("brightness") is not None:
        try:  # a bad plan leaves the wall at the site's own levels; the content still plays
            brightness = brightness_from_raw(raw["brightness"])
        except ManifestError as exc:
            checks.skip(exc)
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
        localinfo=localinfo,
        brightness=brightness,
        campaigns=tuple(campaigns),
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
