"""Manifest bytes into `player.wire.manifest` types: decoding and checks; errors name the field."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re

from player.wire import fields
from player.wire.brightness import brightness_from_raw
from player.wire.campaigns import campaign_from_raw
from player.wire.checks import Checks
from player.wire.fields import parse_datetime
from player.wire.items import Defaults, defaults_from_raw, playlist_from_raw
from player.wire.layout import layout_from_raw
from player.wire.manifest import (
    FORMAT_VERSION,
    MAX_CAMPAIGNS,
    MAX_PLAYLISTS,
    MAX_SEQUENCE,
    MAX_TOTAL_ITEMS,
    Brightness,
    Layout,
    LocalInfo,
    Manifest,
    ManifestError,
    ManifestProblems,
)
from player.wire.media import localinfo_from_raw, media_from_raw

_GROUP = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

log = logging.getLogger(__name__)


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


def _attempt(checks: Checks, func, *args, fallback=None):
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
    checks = Checks(strict)
    header = _header(raw)  # a foreign or future document: nothing else is worth reading
    media = _attempt(checks, media_from_raw, raw.get("media", {}), checks, fallback={})
    defaults_raw = _attempt(checks, fields.obj, raw.get("defaults", {}), "defaults", fallback={})
    defaults = _attempt(checks, defaults_from_raw, defaults_raw, fallback=Defaults())
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
        playlist = playlist_from_raw(
            entry, f"playlists[{i}]", media, defaults, seen=seen, checks=checks
        )
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
        campaign = campaign_from_raw(
            entry, f"campaigns[{i}]", media, defaults, seen=seen, checks=checks
        )
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
        layout = _attempt(checks, layout_from_raw, raw["layout"], checks, fallback=Layout())
    localinfo = LocalInfo()
    if raw.get("localinfo") is not None:
        try:  # the weather is extra: a bad reference hides it, the content still plays
            localinfo = localinfo_from_raw(raw["localinfo"], media)
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
