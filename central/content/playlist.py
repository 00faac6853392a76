"""A group's playlist as the console edits it: items, their checks, the diff, the authoring YAML."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
IMAGE_SECONDS = 10.0  # an image item's length when none is given
MAX_ITEMS = 200
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# What the screens' approval covers (the contract's content hash): a change here needs a new
# approval; a change of order, days, hours or dates keeps the item's approval.
CONTENT_FIELDS = ("type", "media", "duration")
SCHEDULE_FIELDS = ("days", "start", "end", "valid_from", "valid_until")


def new_item(media: Mapping, number: int) -> dict:
    """A playlist item for a library entry, with its "show from/until" as the item's dates."""
    stem = re.sub(r"[^a-z0-9]+", "-", str(media["name"]).lower().rsplit(".", 1)[0]).strip("-")
    return {
        "id": f"{stem[:40] or media['type']}-{media['sha256'][:8]}-{number}",
        "media": media["sha256"],
        "type": media["type"],
        "name": media["name"],
        "duration": None if media["type"] == "video" else IMAGE_SECONDS,
        "days": list(DAYS),
        "start": "",
        "end": "",
        "valid_from": _day(media.get("valid_from")),
        "valid_until": _day(media.get("valid_until")),
    }


def _day(value) -> str:
    return value.date().isoformat() if isinstance(value, dt.datetime) else (value or "")


def check_item(item: dict) -> list[str]:
    """What is wrong with one edited item, in words for the page; [] when it can be submitted."""
    problems = []
    duration = item.get("duration")
    if duration is not None and not 1 <= duration <= 86400:
        problems.append("duration must be 1 to 86400 seconds")
    if item["type"] == "image" and duration is None:
        problems.append("an image needs a duration")
    if not item["days"]:
        problems.append("choose at least one day")
    for key in ("start", "end"):
        if item[key] and not _TIME.match(item[key]):
            problems.append(f"{item[key]!r} is not a time (HH:MM)")
    if bool(item["start"]) != bool(item["end"]):
        problems.append("give both hours of the daily window, or neither")
    elif item["start"] and item["start"] == item["end"]:
        problems.append("the daily window is empty (from = until)")
    for key in ("valid_from", "valid_until"):
        if item[key] and not _DATE.match(item[key]):
            problems.append(f"{item[key]!r} is not a date (YYYY-MM-DD)")
    if item["valid_from"] and item["valid_until"] and item["valid_until"] < item["valid_from"]:
        problems.append("'until' is before 'from'")
    return problems


def same_content(a: Mapping, b: Mapping) -> bool:
    return all(a.get(key) == b.get(key) for key in CONTENT_FIELDS)


def diff(before: list[dict], after: list[dict]) -> list[dict]:
    """What a change set does: `[{"change": "starts"|"stops"|"changes"|"moves", "item": dict,
    "fields": [names], "from": "YYYY-MM-DD" | ""}]` ("" means: when approved)."""
    old = {item["id"]: (index, item) for index, item in enumerate(before)}
    new_ids = {item["id"] for item in after}
    changes = []
    for index, item in enumerate(after):
        if item["id"] not in old:
            changes.append({"change": "starts", "item": item, "fields": [],
                            "from": item.get("valid_from", "")})  # fmt: skip
            continue
        was_index, was = old[item["id"]]
        fields = [k for k in (*CONTENT_FIELDS, *SCHEDULE_FIELDS) if was.get(k) != item.get(k)]
        if fields:
            changes.append({"change": "changes", "item": item, "fields": fields, "from": ""})
        elif was_index != index:
            changes.append({"change": "moves", "item": item, "fields": ["order"], "from": ""})
    for item in before:
        if item["id"] not in new_ids:
            changes.append({"change": "stops", "item": item, "fields": [], "from": ""})
    return changes


def carry_approvals(before: list[dict], after: list[dict], approver: str, at: str) -> list[dict]:
    """`after` with an approval on each item: an item whose content is as approved before
    keeps that approval (the screens' content hash still matches); others get this one."""
    old = {item["id"]: item for item in before}
    stamped = []
    for item in after:
        was = old.get(item["id"])
        if was is not None and was.get("approval") and same_content(was, item):
            approval = was["approval"]
        else:
            approval = {"approver": approver, "approved_at": at}
        stamped.append({**item, "approval": approval})
    return stamped


def authoring(group: str, items: list[dict]) -> dict:
    """The authoring YAML (as a dict) `central.publish.publish` reads: one default playlist,
    media files under media/ beside it."""
    entries = []
    for item in items:
        entry: dict = {"id": item["id"], "type": item["type"], "file": f"media/{item['media']}"}
        if item.get("duration") is not None:
            entry["duration"] = item["duration"]
        schedule: dict = {}
        if set(item["days"]) != set(DAYS):
            schedule["days"] = [day for day in DAYS if day in item["days"]]
        if item["start"]:
            schedule["windows"] = [f"{item['start']}-{item['end']}"]
        for key in ("valid_from", "valid_until"):
            if item[key]:
                schedule[key] = item[key]
        if schedule:
            entry["schedule"] = schedule
        if item.get("approval"):
            entry["approval"] = dict(item["approval"])
        entries.append(entry)
    return {"group": group, "playlists": [{"name": "main", "default": True, "items": entries}]}


def items_from_form(field, getlist, library: Mapping[str, Mapping]) -> tuple[list[dict], list[str]]:
    """The playlist rows a page posted (`field(name)` → str, `getlist(name)` → [str]), in
    their order numbers; rows marked `remove_N` are left out; media not in the library is
    refused. Returns (items, problems)."""
    rows, problems = [], []
    for n in range(MAX_ITEMS):
        sha = field(f"media_{n}")
        if not sha:
            break
        if field(f"remove_{n}"):
            continue
        media = library.get(sha)
        if media is None:
            problems.append(f"row {n + 1}: the media is no longer in the library")
            continue
        duration_text = field(f"duration_{n}").strip().replace(",", ".")
        try:
            duration = float(duration_text) if duration_text else None
        except ValueError:
            problems.append(f"row {n + 1}: duration {duration_text!r} is not a number")
            duration = None
        try:
            order = float(field(f"order_{n}") or n + 1)
        except ValueError:
            order = n + 1
        item = {
            "id": field(f"id_{n}")[:128] or new_item(media, n)["id"],
            "media": sha, "type": media["type"], "name": media["name"], "duration": duration,
            "days": [day for day in DAYS if day in getlist(f"days_{n}")],
            "start": field(f"start_{n}").strip(), "end": field(f"end_{n}").strip(),
            "valid_from": field(f"valid_from_{n}").strip(),
            "valid_until": field(f"valid_until_{n}").strip(),
        }  # fmt: skip
        problems.extend(f"{item['name']}: {p}" for p in check_item(item))
        rows.append((order, n, item))
    ids = [item["id"] for _, _, item in rows]
    if len(ids) != len(set(ids)):
        problems.append("two rows have the same id")
    return [item for _, _, item in sorted(rows, key=lambda row: row[:2])], problems
