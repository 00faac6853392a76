"""The manifest's items and playlists parsed: defaults, media references, styles, approvals."""

from __future__ import annotations

from dataclasses import dataclass, field

from player.wire import fields
from player.wire.approval import MAX_APPROVER, Approval, content_hash
from player.wire.checks import Checks
from player.wire.fields import parse_rules
from player.wire.manifest import (
    DEFAULT_DURATION,
    FITS,
    ITEM_TYPES,
    MAX_ITEMS,
    MAX_PRIORITY,
    MAX_TEXT,
    MEDIA_TYPES,
    Item,
    ManifestError,
    ManifestProblems,
    Media,
    Playlist,
    Transition,
)


@dataclass(frozen=True)
class Defaults:
    duration: float = DEFAULT_DURATION
    transition: Transition = field(default_factory=Transition)
    fit: str | None = None


def defaults_from_raw(raw: dict) -> Defaults:
    duration = DEFAULT_DURATION
    if raw.get("duration") is not None:
        duration = fields.duration(raw["duration"], "defaults.duration")
    transition = Transition()
    if raw.get("transition") is not None:
        transition = fields.transition(raw["transition"], "defaults.transition")
    fit = fields.choice(raw["fit"], "defaults.fit", FITS) if raw.get("fit") is not None else None
    return Defaults(duration, transition, fit)


def _media_ref(value: object, path: str, kind: str, media: dict[str, Media]) -> str:
    entry = media.get(value) if isinstance(value, str) else None
    if entry is None:  # listed keys are valid sha256s: only now say what is wrong
        fields.sha256(value, path)
        raise ManifestError(f"{value} is not listed in media", path)
    if entry.type != kind:
        raise ManifestError(f"{value} is a {entry.type}, item is {kind}", path)
    return value


def approval_from_raw(raw: object, path: str, item: dict) -> Approval:
    """An item's (or the ticker's) approval; `item` is what its content_hash covers."""
    entry = fields.obj(raw, path)
    found: list[ManifestError] = []
    approver = fields.noted(
        found, fields.string, entry.get("approver"), f"{path}.approver", MAX_APPROVER
    )
    approved_at = fields.noted(found, fields.utc, entry.get("approved_at"), f"{path}.approved_at")
    given = fields.noted(found, fields.sha256, entry.get("content_hash"), f"{path}.content_hash")
    if found:
        raise ManifestProblems(found)
    # Judged by the player's policy (source.require_approval), not here: a player that does
    # not require approval plays the item whatever its approval says.
    return Approval(approver, approved_at, given, matches=given == content_hash(item))


def item_from_raw(raw: object, path: str, media: dict[str, Media], defaults: Defaults) -> Item:
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
    defaults: Defaults,
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
        approval = fields.noted(problems, approval_from_raw, value, f"{path}.approval", raw)
    return Item(item_id, kind, duration, media_key, text, transition, fit, rules, style, approval)


def unseen_id(item: Item, where: str, seen: set[str], checks: Checks) -> bool:
    """Whether `item`'s id is new to the manifest (then noted in `seen`); a repeated id is
    refused where it repeats."""
    if item.id in seen:
        message = f"duplicate item id {item.id!r} (ids must be unique in the manifest)"
        checks.refuse(ManifestError(message, f"{where}.id"))
        return False
    seen.add(item.id)
    return True


def playlist_from_raw(
    raw: object,
    path: str,
    media: dict[str, Media],
    defaults: Defaults,
    *,
    seen: set[str],
    checks: Checks,
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
            item = item_from_raw(entry, where, media, defaults)
        except ManifestProblems as exc:
            skipped.extend(exc.problems)
            for problem in exc.problems:
                checks.skip(problem)
            continue
        except ManifestError as exc:  # not an object at all
            skipped.append(exc)
            checks.skip(exc)
            continue
        if unseen_id(item, where, seen, checks):
            items.append(item)
    if not items and skipped and not checks.strict:
        raise skipped[0]  # nothing of it could play: keep the last good manifest instead
    if len(checks.problems) > problems or not items:
        return None
    return Playlist(name, priority, tuple(items), rules, default)
