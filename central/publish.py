"""Authoring YAML → signed `manifest.json` + content-addressed `media/<sha256>` tree."""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import hashlib
import json
import logging
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from zoneinfo import ZoneInfo

import yaml
from nacl.signing import SigningKey

from central import feeds as office_feeds
from central import mediaprofile, publishlock
from central.probe import MediaInfo, probe_media
from player.schedule import campaigns as campaign_plan
from player.schedule.wallclock import WallClock
from player.wire.approval import MAX_APPROVER, content_hash, ticker_content
from player.wire.atomicfile import atomic_write, atomic_writer, fsync_dir
from player.wire.isotime import format_utc, parse_utc
from player.wire.manifest import (
    MAX_FEED_BYTES,
    MAX_HEADLINES,
    Manifest,
    ManifestError,
    ManifestProblems,
    Media,
    digest,
    to_json,
)
from player.wire.parse import parse
from player.wire.signing import (
    KeyFileError,
    generate_keypair,
    load_private_key,
    private_key_text,
    public_key_text,
    sign,
)
from player.wire.smallfile import NotReadable, read_small_file
from player.wire.units import format_size

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024
STYLE_KEYS = ("color", "background", "font_size", "format", "align")
ITEM_KEYS = (
    "id", "type", "file", "duration", "transition", "fit", "schedule", "text", "style", "approval"
)  # fmt: skip
APPROVAL_KEYS = ("approver", "approved_at")  # content_hash is computed here, never authored
# What an item shows that `defaults:` may give: an approved item carries its own copy, so
# its content_hash covers what the screen shows (a later defaults edit cannot slip past).
DEFAULTED_KEYS = ("duration", "transition", "fit")
PLAYLIST_KEYS = ("name", "priority", "default", "schedule", "items")
TOP_KEYS = (
    "group", "target", "defaults", "playlists", "campaigns", "ticker", "clock", "layout",
    "brightness", "version",
)  # fmt: skip
CAMPAIGN_KEYS = (
    "id", "partner", "items", "goal", "schedule", "groups", "screens", "back_to_back"
)  # fmt: skip
# Stand-ins for media that failed, so the rest of the file still gets checked in one go.
PLACEHOLDERS = MappingProxyType({"image": "0" * 64, "video": "0" * 63 + "1"})
_ITEM_PATH = re.compile(r"playlists\[(\d+)\]\.items\[(\d+)\]")
MAX_DEPTH = 64  # nesting of the authoring YAML; a real playlist file needs about 8
MAX_AUTHORING_BYTES = 16 * 1024 * 1024  # as much as a player accepts of a manifest


class _AuthoringLoader(yaml.SafeLoader):
    """YAML 1.1 reads `duration: 3e11` as the string '3e11' (its floats need a dot and a
    signed exponent); authors mean the number, and must get the number's bounds error."""


_AuthoringLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)


def _depth(node: yaml.Node) -> int:
    """How deeply `node` nests, walked without recursion (a 5,000-deep file must not crash)."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        if isinstance(current, yaml.MappingNode):
            stack.extend((value, depth + 1) for _, value in current.value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend((value, depth + 1) for value in current.value)
    return deepest


class PublishError(Exception):
    """Authoring input that cannot be published; `problems` lists every one found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class PublishSummary:
    manifest_path: Path
    group: str
    sequence: int
    signed: bool
    sha256: str  # of the manifest bytes, as announced over MQTT
    playlists: int
    items: int
    media: int
    new_files: int = 0
    new_bytes: int = 0
    reused_files: int = 0
    reused_bytes: int = 0
    warnings: tuple[str, ...] = field(default=())


# -- media ------------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    hasher = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            hasher.update(chunk)
    return hasher.hexdigest()


def verify_media_file(path: Path, media: Media) -> None:
    """Raise ManifestError unless the file at `path` is exactly `media` (size and sha256)."""
    try:
        size = path.stat().st_size
        actual = sha256_file(path) if size == media.size else None
    except OSError as exc:
        raise ManifestError(f"cannot read {path}: {exc}", f"media.{media.sha256}") from None
    if size != media.size:
        raise ManifestError(f"{path} has {size} bytes, manifest says {media.size}", "media")
    if actual != media.sha256:
        raise ManifestError(f"{path} content does not match its sha256 {media.sha256}", "media")


# -- authoring YAML ---------------------------------------------------------------------


def _line_map(node: yaml.Node, path: str, lines: dict[str, int], problems: list[str]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = f"{path}.{key}" if path else key
            if key in seen:
                problems.append(f"{key_node.start_mark.line + 1}: duplicate key {key!r}")
            seen.add(key)
            lines[child] = key_node.start_mark.line + 1
            _line_map(value_node, child, lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, value_node in enumerate(node.value):
            lines[f"{path}[{index}]"] = value_node.start_mark.line + 1
            _line_map(value_node, f"{path}[{index}]", lines, problems)


class _Authoring:
    """The parsed authoring file with a path → line map for error messages."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:  # a FIFO or a device named by mistake must not hang the publisher
            text = read_small_file(path, MAX_AUTHORING_BYTES, "a playlist").decode("utf-8")
        except (OSError, UnicodeDecodeError, NotReadable) as exc:
            raise PublishError([f"{path}: cannot read ({exc})"]) from None
        loader = _AuthoringLoader(text)
        try:
            node = loader.get_single_node()
            if node is not None and _depth(node) > MAX_DEPTH:
                raise PublishError(
                    [f"{path}:1: nested more than {MAX_DEPTH} levels deep; this is not a playlist"]
                )
            self.data = loader.construct_document(node) if node is not None else None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{path}:{mark.line + 1}" if mark else str(path)
            raise PublishError([f"{where}: YAML syntax error: {exc}"]) from None
        except RecursionError:  # the composer recurses per level, before _depth can look
            raise PublishError(
                [f"{path}:1: nested too deeply to read; this is not a playlist"]
            ) from None
        finally:
            loader.dispose()
        if not isinstance(self.data, dict):
            raise PublishError([f"{path}:1: must be a mapping with group and playlists"])
        self.lines: dict[str, int] = {"": 1}
        problems: list[str] = []
        _line_map(node, "", self.lines, problems)
        if problems:
            raise PublishError([f"{path}:{problem}" for problem in problems])
        for key, line in list(self.lines.items()):  # manifest paths that differ from authoring
            if key.startswith(("ticker", "clock")):
                self.lines[f"layout.{key}"] = line
            if key.endswith(".file"):
                self.lines[f"{key[:-5]}.media"] = line

    def line_of(self, path: str) -> int:
        """The line of `path`, or of the nearest enclosing key that has one."""
        probe = path
        while probe not in self.lines:
            cut = max(probe.rfind("."), probe.rfind("["))
            probe = probe[:cut] if cut > 0 else ""
        return self.lines[probe]

    def at(self, path: str, message: str) -> str:
        """'FILE:LINE: path (item 'x'): message' for the nearest authored line."""
        label = path
        match = _ITEM_PATH.match(path)
        if match:
            try:
                item = self.data["playlists"][int(match[1])]["items"][int(match[2])]
                label = f"{path} (item {item['id']!r})"
            except (KeyError, IndexError, TypeError):
                pass
        prefix = f"{self.path}:{self.line_of(path)}"
        return f"{prefix}: {label}: {message}" if label else f"{prefix}: {message}"


def _plain(value: object) -> object:
    """YAML timestamps back to ISO strings; everything else as JSON has it."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _fix_times(schedule: object) -> object:
    """YAML 1.1 reads an unquoted 18:00 as the base-60 integer 1080: turn it back."""
    if isinstance(schedule, dict):
        for key in ("from", "until"):
            value = schedule.get(key)
            if type(value) is int and 0 <= value <= 24 * 60:
                schedule[key] = f"{value // 60:02d}:{value % 60:02d}"
    return schedule


def _brightness_times(raw: object) -> object:
    """A brightness plan's step times, as `_fix_times` does for schedules (05:00 is 300)."""
    plans = [raw] if isinstance(raw, dict) else []
    screens = raw.get("screens") if isinstance(raw, dict) else None
    plans += [plan for plan in (screens or {}).values() if isinstance(plan, dict)]
    for plan in plans:
        for step in plan.get("steps") or ():
            if isinstance(step, dict) and type(step.get("at")) is int and 0 <= step["at"] < 1440:
                step["at"] = f"{step['at'] // 60:02d}:{step['at'] % 60:02d}"
    return raw


def _unknown(doc: _Authoring, raw: dict, known: tuple[str, ...], path: str) -> Iterator[str]:
    """An unknown key is a mistake (a typo would silently publish the default instead)."""
    for key in raw:
        if key not in known:
            child = f"{path}.{key}" if path else key
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(known)}"
            yield doc.at(child, f"unknown key {key!r} ({hint})")


class _Builder:
    """Turns the authoring data into a manifest dict, probing and hashing every file."""

    def __init__(self, doc: _Authoring, now: dt.datetime) -> None:
        self.doc = doc
        self.now = now
        self.approvals: list[tuple[dict, str, dt.datetime]] = []  # item, approver, when
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.media: dict[str, dict] = {}
        self.files: dict[str, Path] = {}  # sha256 -> source file
        self.probed: dict[Path, tuple[str, MediaInfo]] = {}
        self.ids: dict[str, str] = {}  # item id -> where it was first given
        self.feed_files: dict[str, Path] = {}  # published name under feeds/ -> source file
        self.feed_hashes: dict[str, str] = {}  # published name under feeds/ -> its sha256
        self.target = mediaprofile.DEFAULT_TARGET
        self.checked: set[Path] = set()  # videos already held against the target

    def build(self) -> dict:
        data = _plain(self.doc.data)
        self.problems.extend(_unknown(self.doc, data, TOP_KEYS, ""))
        self._target(data.get("target", mediaprofile.DEFAULT_TARGET))
        layout = data.get("layout") or {}
        for key in ("ticker", "clock"):
            if key in data and isinstance(layout, dict):
                if key in layout:
                    self.problems.append(self.doc.at(key, "given both here and under layout"))
                layout = {**layout, key: data[key]}
        playlists = data.get("playlists")
        if isinstance(playlists, list):
            playlists = [self._playlist(raw, f"playlists[{i}]") for i, raw in enumerate(playlists)]
        manifest = {"version": 1, "group": data.get("group"), "playlists": playlists}
        if isinstance(data.get("campaigns"), list):
            manifest["campaigns"] = [
                self._campaign(raw, f"campaigns[{i}]") for i, raw in enumerate(data["campaigns"])
            ]
        elif data.get("campaigns") is not None:
            manifest["campaigns"] = data["campaigns"]  # the parser names what is wrong with it
        manifest["media"] = self.media
        if data.get("defaults") is not None:
            manifest["defaults"] = data["defaults"]
        self._sign_approvals(data.get("defaults"))
        if layout:
            manifest["layout"] = self._ticker_feeds(self._ticker_approval(layout))
        if data.get("brightness") is not None:
            manifest["brightness"] = _brightness_times(data["brightness"])
        return manifest

    def _ticker_approval(self, layout: object) -> object:
        """`ticker: approval:` signs the typed lines as an item's approval signs the item:
        with the hash of what the approver read (approval.ticker_content)."""
        ticker = layout.get("ticker") if isinstance(layout, dict) else None
        if not isinstance(ticker, dict) or "approval" not in ticker:
            return layout
        ticker = dict(ticker)
        approval = self._approval(ticker.pop("approval"), "layout.ticker.approval")
        lines = ticker.get("lines")
        if not (isinstance(lines, list) and lines and all(isinstance(x, str) for x in lines)):
            message = "approves the ticker's typed lines: give lines: (a list of text)"
            self.problems.append(self.doc.at("layout.ticker.approval", message))
        elif approval is not None:
            approver, moment = approval
            ticker["approval"] = {
                "approver": approver,
                "approved_at": format_utc(moment),
                "content_hash": content_hash(ticker_content(lines)),
            }
        return {**layout, "ticker": ticker}

    def _approval(self, raw: object, path: str) -> tuple[str, dt.datetime] | None:
        """An item's `approval: {approver, approved_at}`, or None after noting a problem."""
        if not isinstance(raw, dict):
            self.problems.append(self.doc.at(path, "must be {approver: NAME, approved_at: TIME}"))
            return None
        found = len(self.problems)
        self.problems.extend(_unknown(self.doc, raw, APPROVAL_KEYS, path))
        approver = raw.get("approver")
        if not isinstance(approver, str) or not approver.strip() or len(approver) > MAX_APPROVER:
            self.problems.append(
                self.doc.at(
                    f"{path}.approver", f"must be the approver's name (1 to {MAX_APPROVER} chars)"
                )
            )
        moment = None
        try:
            moment = parse_utc(raw.get("approved_at"), "approved_at")
        except ValueError as exc:
            self.problems.append(self.doc.at(f"{path}.approved_at", str(exc)))
        if moment is not None and moment > self.now:
            self.problems.append(
                self.doc.at(
                    f"{path}.approved_at",
                    f"{format_utc(moment)} is in the future (now {format_utc(self.now)}): an "
                    "item is approved before it is published; check the time and the clock",
                )
            )
        if len(self.problems) > found or moment is None:
            return None
        return approver, moment

    def _sign_approvals(self, defaults: object) -> None:
        """Each approved item gets its approval with the hash of what the screen shows."""
        defaults = defaults if isinstance(defaults, dict) else {}
        for item, approver, moment in self.approvals:
            for key in DEFAULTED_KEYS:
                plays_to_end = key == "duration" and item.get("type") == "video"
                if item.get(key) is None and defaults.get(key) is not None and not plays_to_end:
                    item[key] = defaults[key]
            item["approval"] = {
                "approver": approver,
                "approved_at": format_utc(moment),
                "content_hash": content_hash(item),
            }

    def _ticker_feeds(self, layout: object) -> object:
        """Every feed on the ticker is signed: three kinds of `ticker: feeds:` entry.

        `{file: news.xml}` is published beside the manifest as feeds/NAME and named with its
        sha256, so the content plays the same from any server or a USB stick. `{url: …}` (or
        a bare URL) is fetched at the office (`videotron feeds`), filtered by its rules, and
        its approved headlines ride in the manifest as `headlines`. `{url: …, unsigned:
        true}` is left for the screens to read, which only those allowing unsigned feeds do.
        """
        ticker = layout.get("ticker") if isinstance(layout, dict) else None
        if isinstance(ticker, dict) and "headlines" in ticker:
            self.problems.append(
                self.doc.at(
                    "layout.ticker.headlines",
                    "headlines come from the ticker's feeds, approved at the office "
                    "(`videotron feeds`); write fixed text as lines:",
                )
            )
            ticker = {k: v for k, v in ticker.items() if k != "headlines"}
            layout = {**layout, "ticker": ticker}
        if not isinstance(ticker, dict) or not isinstance(ticker.get("feeds"), list):
            return layout
        feeds, headlines = [], []
        queue = None
        for index, entry in enumerate(ticker["feeds"]):
            path = f"layout.ticker.feeds[{index}]"
            if isinstance(entry, dict):
                self.problems.extend(
                    _unknown(self.doc, entry, (*office_feeds.FEED_KEYS, "file"), path)
                )
            if isinstance(entry, dict) and "file" in entry:
                feeds.append(self._feed_file(entry, path))
            elif isinstance(entry, dict) and entry.get("unsigned") is True:
                feeds.append({k: v for k, v in entry.items() if k in ("url", "refresh")})
            elif isinstance(entry, dict | str):
                feed = _office_feed(self.doc, entry, path, self.problems)
                if feed is not None and queue is None:
                    try:
                        queue = office_feeds.load_queue(self.queue_path)
                    except office_feeds.FeedError as exc:
                        self.problems.append(str(exc))
                        queue = []
                if feed is not None:
                    headlines += office_feeds.approved_for(queue, feed.url)
            else:
                feeds.append(entry)  # the manifest's parser says what is wrong with it
        ticker = {k: v for k, v in ticker.items() if k not in ("feeds", "headlines")}
        if feeds:
            ticker["feeds"] = feeds
        if headlines:
            ticker["headlines"] = headlines[:MAX_HEADLINES]
        if not (feeds or headlines or ticker.get("lines")):
            self.warnings.append(
                self.doc.at(
                    "layout.ticker",
                    "no ticker: its feeds have no approved headlines yet (run `videotron "
                    f"feeds {self.doc.path.name}` and approve some, then publish again)",
                )
            )
            return {k: v for k, v in layout.items() if k != "ticker"}
        return {**layout, "ticker": ticker}

    @property
    def queue_path(self) -> Path:
        return self.doc.path.parent / office_feeds.HEADLINES_FILE

    def _feed_file(self, entry: dict, path: str) -> dict:
        name = entry["file"]
        # With a problem reported, a stand-in url keeps the parser from adding a second one.
        rest = {"url": "feeds/-", **{k: v for k, v in entry.items() if k != "file"}}
        if "url" in entry:
            self.problems.append(self.doc.at(path, "give file: or url:, not both"))
            return rest
        source = (self.doc.path.parent / str(name)).resolve() if isinstance(name, str) else None
        if source is None or not name:
            self.problems.append(self.doc.at(f"{path}.file", "must be a file path"))
            return rest
        if not source.is_file():
            self.problems.append(self.doc.at(f"{path}.file", f"feed file not found: {source}"))
            return rest
        if source.stat().st_size > MAX_FEED_BYTES:
            self.problems.append(
                self.doc.at(f"{path}.file", f"{name}: larger than {format_size(MAX_FEED_BYTES)}")
            )
            return rest
        published = self.feed_files.setdefault(source.name, source)
        if published != source:
            self.problems.append(
                self.doc.at(f"{path}.file", f"another feed file is also named {source.name}")
            )
        sha = self.feed_hashes.setdefault(source.name, sha256_file(source))
        return {**rest, "url": f"feeds/{source.name}", "sha256": sha}

    def _playlist(self, raw: object, path: str) -> object:
        if not isinstance(raw, dict):
            return raw
        self.problems.extend(_unknown(self.doc, raw, PLAYLIST_KEYS, path))
        playlist = dict(raw)
        if "schedule" in raw:
            playlist["schedule"] = _fix_times(raw["schedule"])
        if isinstance(raw.get("items"), list):
            playlist["items"] = [
                self._item(item, f"{path}.items[{i}]") for i, item in enumerate(raw["items"])
            ]
        return playlist

    def _campaign(self, raw: object, path: str) -> object:
        if not isinstance(raw, dict):
            return raw
        self.problems.extend(_unknown(self.doc, raw, CAMPAIGN_KEYS, path))
        campaign = dict(raw)
        if "schedule" in raw:
            campaign["schedule"] = _fix_times(raw["schedule"])
        if isinstance(raw.get("items"), list):
            campaign["items"] = [
                self._item(item, f"{path}.items[{i}]") for i, item in enumerate(raw["items"])
            ]
        return campaign

    def _item(self, raw: object, path: str) -> object:
        if not isinstance(raw, dict):
            return raw
        item_id = raw.get("id")
        if isinstance(item_id, str):
            first = self.ids.setdefault(item_id, path)
            if first != path:
                self.problems.append(
                    self.doc.at(
                        f"{path}.id",
                        f"duplicate item id {item_id!r} (first given at line "
                        f"{self.doc.line_of(first)}); ids must be unique in the manifest",
                    )
                )
        self.problems.extend(_unknown(self.doc, raw, ITEM_KEYS + STYLE_KEYS, path))
        item = {key: value for key, value in raw.items() if key not in (*STYLE_KEYS, "file")}
        style = {key: raw[key] for key in STYLE_KEYS if key in raw}
        if style:
            own = raw.get("style")
            item["style"] = {**style, **own} if isinstance(own, dict) else style
        if "schedule" in raw:
            item["schedule"] = _fix_times(raw["schedule"])
        if "approval" in raw:
            approval = self._approval(raw["approval"], f"{path}.approval")
            del item["approval"]  # written with its content_hash once the item is complete
            if approval is not None:
                self.approvals.append((item, *approval))
        if "file" in raw and raw.get("type") not in (None, "image", "video"):
            self.problems.append(
                self.doc.at(f"{path}.file", "only image and video items take file:")
            )
        elif "file" in raw:
            item["media"] = self._media(raw["file"], raw.get("type"), f"{path}.file", item)
        elif raw.get("type") in ("image", "video"):
            self.problems.append(self.doc.at(path, f"a {raw['type']} item needs file:"))
            item["media"] = self._placeholder(raw["type"])
        return item

    def _target(self, value: object) -> None:
        """Which screens play this group (`target:`): what they cannot play is refused."""
        if value in mediaprofile.TARGETS:
            self.target = value
            return
        close = difflib.get_close_matches(str(value), mediaprofile.TARGETS, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "the default is pi4, the weakest"
        known = " | ".join(mediaprofile.TARGETS)
        self.problems.append(self.doc.at("target", f"must be {known}, not {value!r} ({hint})"))

    def _check_target(self, name: str, source: Path, info: MediaInfo, path: str) -> None:
        if info.traits is None or source in self.checked:
            return
        self.checked.add(source)
        verdict = mediaprofile.check(info.traits, self.target)
        if verdict.refuse:
            command = mediaprofile.ffmpeg_command(name, info.traits)
            self.problems.append(
                self.doc.at(
                    path,
                    f"{name} will not play smoothly on target {self.target}: "
                    f"{'; '.join(verdict.refuse)}. Re-encode it: {command}",
                )
            )
        for warning in verdict.warn:
            self.warnings.append(self.doc.at(path, f"{name} will not play on {warning}"))

    def _placeholder(self, kind: object) -> str:
        kind = kind if kind in ("image", "video") else "image"
        self.media[PLACEHOLDERS[kind]] = {"size": 1, "type": kind, "url": "media/x"}
        return PLACEHOLDERS[kind]

    def _media(self, name: object, kind: object, path: str, item: dict) -> str:
        if not isinstance(name, str) or not name:
            self.problems.append(self.doc.at(path, "must be a file path relative to the YAML"))
            return self._placeholder(kind)
        source = (self.doc.path.parent / name).resolve()
        try:
            if source.exists() and not source.is_file():  # a FIFO would hang the hashing
                self.problems.append(self.doc.at(path, f"{name}: not a regular file"))
                return self._placeholder(kind)
            if source not in self.probed:
                self.probed[source] = (sha256_file(source), probe_media(source))
            sha, info = self.probed[source]
        except FileNotFoundError:
            self.problems.append(self.doc.at(path, f"media file not found: {source}"))
            return self._placeholder(kind)
        except (OSError, ValueError) as exc:  # ProbeError is a ValueError
            self.problems.append(self.doc.at(path, f"{name}: {exc}"))
            return self._placeholder(kind)
        if kind is None:
            item["type"] = kind = info.type
        if kind != info.type:
            self.problems.append(
                self.doc.at(path, f"{name} is {info.type} ({info.codec}), item type is {kind}")
            )
            return self._placeholder(kind)
        self._check_target(name, source, info, path)
        entry = {"size": source.stat().st_size, "type": info.type, "url": f"media/{sha}"}
        entry.update(width=info.width, height=info.height, codec=info.codec)
        if info.duration is not None:
            entry["duration"] = info.duration
        self.media[sha] = entry
        self.files[sha] = source
        return sha


def _impossible_campaigns(doc: _Authoring, manifest: Manifest, now: dt.datetime) -> list[str]:
    """Campaign goals the screens cannot meet, found before anything is published.

    Windows are the screens' wall-clock times; a zone without daylight saving (all of
    Indonesia's) gives the same stretches in every zone, so UTC stands in for theirs.
    """
    clock = WallClock(ZoneInfo("UTC"))
    where = {campaign.id: i for i, campaign in enumerate(manifest.campaigns)}
    return [
        doc.at(f"campaigns[{where[problem.campaigns[0]]}].goal", problem.message)
        for problem in campaign_plan.check(manifest, clock, clock.local_date(now))
    ]


def _office_feed(
    doc: _Authoring, entry: object, path: str, problems: list[str]
) -> office_feeds.OfficeFeed | None:
    """A ticker feed the office reads, or None after noting its problem at file:line."""
    try:
        return office_feeds.office_feed({"url": entry} if isinstance(entry, str) else entry)
    except (office_feeds.FeedError, AttributeError) as exc:  # AttributeError: not a mapping
        key, _, reason = str(exc).partition(": ")
        where = f"{path}.{key}" if isinstance(entry, dict) and reason else path
        problems.append(doc.at(where, reason or "must be a feed URL or {url, rules, ...}"))
        return None


def authored_feeds(playlist_yaml: Path) -> list[office_feeds.OfficeFeed]:
    """The feeds of the YAML's ticker that the office reads (`videotron feeds`); PublishError
    lists every problem with its file:line."""
    doc = _Authoring(Path(playlist_yaml))
    layout = doc.data.get("layout") if isinstance(doc.data.get("layout"), dict) else {}
    base = "ticker" if "ticker" in doc.data else "layout.ticker"
    ticker = doc.data.get("ticker", layout.get("ticker"))
    entries = ticker.get("feeds") if isinstance(ticker, dict) else None
    found, problems = [], []
    for index, entry in enumerate(entries if isinstance(entries, list) else ()):
        if isinstance(entry, dict) and ("file" in entry or entry.get("unsigned") is True):
            continue  # published as a file, or read by the screens themselves
        feed = _office_feed(doc, entry, f"{base}.feeds[{index}]", problems)
        if feed is not None:
            found.append(feed)
    if problems:
        raise PublishError(problems)
    return found


# -- writing the tree -------------------------------------------------------------------


def _copy_media(source: Path, target: Path, sha: str) -> None:
    hasher = hashlib.sha256()
    with open(source, "rb") as src, atomic_writer(target, durable=True, mode=0o644) as dst:
        while chunk := src.read(CHUNK):
            hasher.update(chunk)
            dst.write(chunk)
        if hasher.hexdigest() != sha:  # raised inside: the half-made copy is removed
            raise PublishError([f"{source}: changed while publishing; run publish again"])


def next_sequence(out_dir: Path, now: dt.datetime) -> int:
    """Previous sequence + 1, but never below the Unix time: a fresh folder still wins."""
    previous = -1
    try:
        previous = int(json.loads((out_dir / "manifest.json").read_bytes())["sequence"])
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("%s/manifest.json unreadable (%s); sequence from the clock", out_dir, exc)
    return max(previous + 1, int(now.timestamp()))


def write_manifest(out_dir: Path, data: bytes, private_key: SigningKey | None) -> None:
    """Write the signature, then the manifest bytes: the publish becomes visible last."""
    sig_path = out_dir / "manifest.json.sig"
    if private_key is not None:
        atomic_write(sig_path, sign(data, private_key), durable=True, mode=0o644)
    else:
        sig_path.unlink(missing_ok=True)  # a stale signature would fail every player
    atomic_write(out_dir / "manifest.json", data, durable=True, mode=0o644)


def carried_localinfo(out_dir: Path) -> tuple[dict, dict]:
    """The previous publish's `localinfo` (the weather) and its data media, to publish again.

    The weather is refreshed apart from the content (`videotron weather`), so a content
    publish keeps what the last refresh put there rather than dropping it until the next.
    Only entries whose file is still in `media/` with its hash are carried.
    """
    try:
        previous = json.loads((out_dir / "manifest.json").read_bytes())
        localinfo, media = previous.get("localinfo") or {}, previous.get("media") or {}
    except (OSError, ValueError, AttributeError):
        return {}, {}
    kept_info, kept_media = {}, {}
    for name, ref in localinfo.items() if isinstance(localinfo, dict) else ():
        sha = ref.get("sha256") if isinstance(ref, dict) else None
        entry = media.get(sha) if isinstance(sha, str) else None
        path = out_dir / "media" / str(sha)
        if not isinstance(entry, dict) or entry.get("type") != "data" or not path.is_file():
            continue
        if sha256_file(path) == sha:
            kept_info[name], kept_media[sha] = ref, entry
    return kept_info, kept_media


def publish(
    playlist_yaml: Path,
    out_dir: Path,
    private_key: SigningKey | Path | None,
    now: dt.datetime,
    *,
    holder: str | None = None,
    lock_wait: float = publishlock.DEFAULT_WAIT,
) -> PublishSummary:
    """Build and write the tree; raise PublishError listing every problem (file:line),
    PublishBusy when another publisher holds `out_dir` longer than `lock_wait` seconds.

    Probing and hashing happen first, unlocked; reading the previous sequence, writing
    the media and replacing the manifest happen under the folder's publish lock (`holder`
    says who is publishing to whoever must wait), so a racing publisher's manifest is
    always a complete step before or after this one, with a higher sequence.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    doc = _Authoring(Path(playlist_yaml))
    builder = _Builder(doc, now)
    manifest = builder.build()
    # Checked before the lock too (with the sequence it would get now): a refused file
    # must not make other publishers wait, and its problems come before a key's.
    _, parsed = _check(doc, builder, _stamped(manifest, out_dir, now))
    if problems := _impossible_campaigns(doc, parsed, now):
        raise PublishError(problems)
    if isinstance(private_key, Path | str):
        try:
            private_key = load_private_key(Path(private_key))
        except KeyFileError as exc:
            raise PublishError([str(exc)]) from None
    with publishlock.publish_lock(out_dir, holder or publishlock.who(), wait=lock_wait):
        return _write_tree(
            doc, builder, manifest, out_dir=out_dir, private_key=private_key, now=now
        )


def _stamped(manifest: dict, out_dir: Path, now: dt.datetime) -> dict:
    """`manifest` with the folder's next sequence and the publish time."""
    published_at = now.astimezone(dt.UTC).isoformat(timespec="seconds")
    return {**manifest, "sequence": next_sequence(out_dir, now), "published_at": published_at}


def _check(doc: _Authoring, builder: _Builder, manifest: dict) -> tuple[bytes, Manifest]:
    """The manifest's bytes and parsed form; PublishError with every problem found."""
    data, parsed = b"", None
    try:
        data = to_json(manifest)
        parsed = parse(data, strict=True)
    except ManifestProblems as exc:
        # Duplicate ids were reported above, with both places, whatever else was wrong.
        builder.problems.extend(
            doc.at(p.path or "", p.reason)
            for p in exc.problems
            if not p.reason.startswith("duplicate item id")
        )
    except ManifestError as exc:
        builder.problems.append(doc.at(exc.path or "", exc.reason))
    except (TypeError, ValueError) as exc:  # YAML-only values: !!binary, !!set, .nan
        builder.problems.append(f"{doc.path}: a value cannot be expressed in JSON ({exc})")
    if builder.problems or parsed is None:
        raise PublishError(builder.problems)
    return data, parsed


def _write_tree(
    doc: _Authoring,
    builder: _Builder,
    manifest: dict,
    *,
    out_dir: Path,
    private_key: SigningKey | None,
    now: dt.datetime,
) -> PublishSummary:
    """The locked part of `publish`: previous sequence and weather read, media, manifest."""
    localinfo, data_media = carried_localinfo(out_dir)
    if localinfo and isinstance(manifest.get("media"), dict):
        manifest["localinfo"] = localinfo
        manifest["media"] = {**manifest["media"], **data_media}
    data, parsed = _check(doc, builder, _stamped(manifest, out_dir, now))
    media_dir = out_dir / "media"
    media_dir.mkdir(parents=True, exist_ok=True)
    for stale in media_dir.glob(".*.tmp"):  # left by a publish that was killed mid-copy
        stale.unlink(missing_ok=True)
    counts = {"new_files": 0, "new_bytes": 0, "reused_files": 0, "reused_bytes": 0}
    for sha, source in builder.files.items():
        target = media_dir / sha
        size = parsed.media[sha].size
        if target.is_file() and target.stat().st_size == size and sha256_file(target) == sha:
            counts["reused_files"] += 1
            counts["reused_bytes"] += size
            continue
        _copy_media(source, target, sha)
        counts["new_files"] += 1
        counts["new_bytes"] += size
    fsync_dir(media_dir)
    if builder.feed_files:
        feeds_dir = out_dir / "feeds"
        feeds_dir.mkdir(exist_ok=True)
        for name, source in builder.feed_files.items():
            data_of_feed = source.read_bytes()
            if hashlib.sha256(data_of_feed).hexdigest() != builder.feed_hashes[name]:
                raise PublishError([f"{source}: changed while publishing; run publish again"])
            atomic_write(feeds_dir / name, data_of_feed, durable=True, mode=0o644)
    write_manifest(out_dir, data, private_key)
    log.info("published %s sequence %d to %s", parsed.group, parsed.sequence, out_dir)
    return PublishSummary(
        manifest_path=out_dir / "manifest.json",
        group=parsed.group,
        sequence=parsed.sequence,
        signed=private_key is not None,
        sha256=digest(data),
        playlists=len(parsed.playlists),
        items=sum(1 for _ in parsed.items()),
        media=len(parsed.media),
        warnings=tuple(builder.warnings),
        **counts,
    )


def cmd_publish(args: argparse.Namespace) -> int:
    if args.unsigned == (args.key is not None):
        print("error: give --key KEYFILE, or --unsigned for a demo", file=sys.stderr)
        return 2
    try:
        key = None if args.unsigned else load_private_key(args.key)
        now = dt.datetime.now(dt.UTC)
        holder = f"videotron publish, command line ({publishlock.who()})"
        summary = publish(args.playlist, args.out, key, now, holder=holder)
    except (PublishError, KeyFileError, publishlock.PublishBusy) as exc:
        print(f"error: {exc}".replace("\n", "\nerror: "), file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot write to {args.out}: {exc}", file=sys.stderr)
        return 1
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    signed = "signed" if summary.signed else "UNSIGNED (players need source.allow_unsigned)"
    print(f"published {summary.group} sequence {summary.sequence} to {summary.manifest_path}")
    print(f"  {signed}, sha256 {summary.sha256}")
    print(f"  playlists: {summary.playlists}  items: {summary.items}  media: {summary.media}")
    print(
        f"  new: {summary.new_files} files, {format_size(summary.new_bytes)}  "
        f"reused: {summary.reused_files} files, {format_size(summary.reused_bytes)}"
    )
    print(f"  {_record(args, summary, now)}")
    return 0


def _record(args: argparse.Namespace, summary: PublishSummary, now: dt.datetime) -> str:
    """Record the publish in the office's history (where the console shows it); what happened."""
    try:  # the database packages are the office's; a publishing-only install lacks them
        from central.db.publishlog import record_command_line_publish
    except ModuleNotFoundError as exc:
        return (
            f"not recorded in the office's publish history: no module {exc.name!r} "
            "(install videotron-player[office] to record command-line publishes)"
        )
    return record_command_line_publish(
        getattr(args, "config_path", None), group=summary.group, sequence=summary.sequence,
        folder=args.out.resolve(), sha256=summary.sha256, now=now,
    )  # fmt: skip


def cmd_keygen(args: argparse.Namespace) -> int:
    keyfile = Path(args.keyfile)
    pubfile = keyfile.with_name(keyfile.name + ".pub")
    existing = [path for path in (keyfile, pubfile) if path.exists()]
    if existing and not args.force:
        print(f"error: {existing[0]} exists; use --force to replace it", file=sys.stderr)
        return 1
    key, public = generate_keypair()
    try:
        atomic_write(keyfile, private_key_text(key).encode("ascii"), durable=True, mode=0o600)
        os.chmod(keyfile, 0o600)  # also when the umask or an old file said otherwise
        atomic_write(pubfile, public_key_text(key).encode("ascii"), durable=True, mode=0o644)
    except OSError as exc:
        print(f"error: cannot write {keyfile}: {exc}", file=sys.stderr)
        return 1
    print(f"public_key: {public}")
    print(
        f"wrote {keyfile} (secret, mode 600) and {pubfile}; paste the public_key line under "
        "`source:` in /etc/videotron/player.yaml",
        file=sys.stderr,
    )
    return 0
