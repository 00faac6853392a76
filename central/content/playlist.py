"""A group's playlist as the console edits it: items, ticker, clock, checks, diff, authoring."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence

from player.wire.manifest import (
    CLOCK_POSITIONS,
    MAX_FORMAT,
    MAX_LINE,
    MAX_TICKER_LINES,
    TICKER_POSITIONS,
)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
IMAGE_SECONDS = 10.0  # an image item's length when none is given
MAX_ITEMS = 200
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# What the screens' approval covers (the contract's content hash): a change here needs a new
# approval; a change of order, days, hours or dates keeps the item's approval.
CONTENT_FIELDS = ("type", "media", "duration")
SCHEDULE_FIELDS = ("days", "start", "end", "valid_from", "valid_until", "priority")
# An item's priority is its playlist's in the manifest (player/schedule/plan.py): while any
# item of a higher priority may play, only that priority's items play; priority 0 is the
# default playlist, played when nothing of a higher priority is valid.
MAX_PRIORITY = 9
# The clock formats the editor offers, each with how it reads at five past two.
CLOCK_FORMATS = {"%H:%M": "14:05", "%H:%M:%S": "14:05:09", "%H.%M": "14.05"}


class Problem(str):
    """A problem of an edited playlist in English words, with the key and values another
    language says it with (the console's i18n `PROBLEMS`)."""

    key: str
    values: dict

    def __new__(cls, key: str, text: str, **values) -> Problem:
        made = super().__new__(cls, text)
        made.key, made.values = key, values
        return made

    def of(self, *, row: int | None = None, item: str | None = None) -> Problem:
        """The same problem, said of a form row (its number) or of an item (its name)."""
        where = {"row": row} if row is not None else {"item": item}
        prefix = f"row {row}" if row is not None else item
        return Problem(self.key, f"{prefix}: {self}", **self.values, **where)


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
        "priority": 0,
    }


def priority_of(item: Mapping) -> int:
    """An item's priority; items stored before priorities existed have 0."""
    return int(item.get("priority") or 0)


def _day(value) -> str:
    return value.date().isoformat() if isinstance(value, dt.datetime) else (value or "")


def check_item(item: dict) -> list[Problem]:
    """What is wrong with one edited item, in words for the page; [] when it can be submitted."""
    problems = []
    duration = item.get("duration")
    if duration is not None and not 1 <= duration <= 86400:
        problems.append(Problem("duration_range", "duration must be 1 to 86400 seconds"))
    if item["type"] == "image" and duration is None:
        problems.append(Problem("image_duration", "an image needs a duration"))
    if not item["days"]:
        problems.append(Problem("no_day", "choose at least one day"))
    for key in ("start", "end"):
        if item[key] and not _TIME.match(item[key]):
            problems.append(
                Problem("not_time", f"{item[key]!r} is not a time (HH:MM)", value=item[key])
            )
    if bool(item["start"]) != bool(item["end"]):
        problems.append(Problem("both_hours", "give both hours of the daily window, or neither"))
    elif item["start"] and item["start"] == item["end"]:
        problems.append(Problem("empty_window", "the daily window is empty (from = until)"))
    for key in ("valid_from", "valid_until"):
        if item[key] and not _DATE.match(item[key]):
            problems.append(
                Problem("not_date", f"{item[key]!r} is not a date (YYYY-MM-DD)", value=item[key])
            )
    if item["valid_from"] and item["valid_until"] and item["valid_until"] < item["valid_from"]:
        problems.append(Problem("until_before_from", "'until' is before 'from'"))
    priority = item.get("priority", 0)
    if not isinstance(priority, int) or not 0 <= priority <= MAX_PRIORITY:
        problems.append(
            Problem(
                "priority", f"priority must be a whole number 0 to {MAX_PRIORITY}", max=MAX_PRIORITY
            )
        )
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
        keys = (*CONTENT_FIELDS, *SCHEDULE_FIELDS)
        fields = [k for k in keys if _field(was, k) != _field(item, k)]
        if fields:
            changes.append({"change": "changes", "item": item, "fields": fields, "from": ""})
        elif was_index != index:
            changes.append({"change": "moves", "item": item, "fields": ["order"], "from": ""})
    for item in before:
        if item["id"] not in new_ids:
            changes.append({"change": "stops", "item": item, "fields": [], "from": ""})
    return changes


def _field(item: Mapping, key: str):
    return priority_of(item) if key == "priority" else item.get(key)


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


def _entry(item: Mapping) -> dict:
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
    return entry


def authoring(group: str, items: list[dict], layout: Mapping | None = None) -> dict:
    """The authoring YAML (as a dict) `central.publish.publish` reads, media files under
    media/ beside it: priority-0 items in the default playlist, each higher priority in a
    playlist of that priority (highest first); the ticker and clock when the layout has them."""
    playlists = []
    for priority in sorted({priority_of(item) for item in items}, reverse=True):
        entries = [_entry(item) for item in items if priority_of(item) == priority]
        if priority == 0:
            playlists.append({"name": "main", "default": True, "items": entries})
        else:
            playlists.append({"name": f"priority-{priority}", "priority": priority,
                              "items": entries})  # fmt: skip
    data: dict = {"group": group, "playlists": playlists}
    layout = layout or {}
    ticker = layout.get("ticker") or {}
    if ticker.get("lines") or ticker.get("feeds"):
        shown: dict = {"position": ticker.get("position", "bottom")}
        if ticker.get("lines"):
            shown["lines"] = list(ticker["lines"])
            if ticker.get("approval"):
                shown["approval"] = dict(ticker["approval"])
        if ticker.get("feeds"):
            shown["feeds"] = list(ticker["feeds"])  # the office's feeds, by URL
        data["ticker"] = shown
    clock = layout.get("clock") or {}
    if clock.get("on"):
        data["clock"] = {"position": clock.get("position", "top-right"),
                         "format": clock.get("format") or "%H:%M"}  # fmt: skip
    return data


# -- the group's ticker and clock -------------------------------------------------------------


def new_layout() -> dict:
    """A group's ticker and clock before anyone edited them: neither is shown."""
    return {
        "ticker": {"lines": [], "feeds": [], "position": "bottom"},
        "clock": {"on": False, "position": "top-right", "format": "%H:%M"},
    }


def full_layout(layout: Mapping | None) -> dict:
    """`layout` with every key the editor shows (submissions made before layouts had none)."""
    base = new_layout()
    for part in ("ticker", "clock"):
        base[part].update((layout or {}).get(part) or {})
    return base


def check_layout(layout: Mapping, office_feeds: Sequence[str]) -> list[Problem]:
    """What is wrong with an edited ticker and clock, in words for the page; [] when none."""
    problems = []
    ticker, clock = layout["ticker"], layout["clock"]
    if len(ticker["lines"]) > MAX_TICKER_LINES:
        problems.append(
            Problem(
                "ticker_lines", f"at most {MAX_TICKER_LINES} ticker lines", max=MAX_TICKER_LINES
            )
        )
    for number, line in enumerate(ticker["lines"], 1):
        if len(line) > MAX_LINE:
            problems.append(
                Problem(
                    "ticker_line_long",
                    f"ticker line {number}: longer than {MAX_LINE} characters",
                    number=number,
                    max=MAX_LINE,
                )
            )
    problems.extend(Problem("not_office_feed", f"{url}: not one of the office's feeds "
                            "(central.yaml console.feeds)", url=url)
                    for url in ticker["feeds"] if url not in office_feeds)  # fmt: skip
    if ticker["position"] not in TICKER_POSITIONS:
        problems.append(
            Problem("ticker_position", f"ticker position must be {' or '.join(TICKER_POSITIONS)}")
        )
    if clock["position"] not in CLOCK_POSITIONS:
        problems.append(
            Problem("clock_position", f"clock position must be one of {', '.join(CLOCK_POSITIONS)}")
        )
    if clock["on"] and not 0 < len(clock["format"]) <= MAX_FORMAT:
        problems.append(
            Problem(
                "clock_format",
                f"clock format must be 1 to {MAX_FORMAT} characters, e.g. %H:%M",
                max=MAX_FORMAT,
            )
        )
    return problems


def layout_diff(before: Mapping | None, after: Mapping | None) -> list[str]:
    """What a change set does to the ticker and clock, as the console's word keys:
    ticker_on, ticker_off, ticker_lines_changed, ticker_feeds_changed, ticker_moved,
    clock_on, clock_off, clock_changed."""
    was, now = full_layout(before), full_layout(after)
    changes = []
    old_ticker, new_ticker = was["ticker"], now["ticker"]
    shown_before = bool(old_ticker["lines"] or old_ticker["feeds"])
    shown_after = bool(new_ticker["lines"] or new_ticker["feeds"])
    if shown_before != shown_after:
        changes.append("ticker_on" if shown_after else "ticker_off")
    if old_ticker["lines"] != new_ticker["lines"]:
        changes.append("ticker_lines_changed")
    if old_ticker["feeds"] != new_ticker["feeds"]:
        changes.append("ticker_feeds_changed")
    if shown_after and old_ticker["position"] != new_ticker["position"]:
        changes.append("ticker_moved")
    old_clock, new_clock = was["clock"], now["clock"]
    if old_clock["on"] != new_clock["on"]:
        changes.append("clock_on" if new_clock["on"] else "clock_off")
    elif new_clock["on"] and any(old_clock[k] != new_clock[k] for k in ("position", "format")):
        changes.append("clock_changed")
    return changes


def carry_layout_approval(before: Mapping | None, after: Mapping, approver: str,
                          at: str) -> dict:  # fmt: skip
    """`after` with the approval of its typed ticker lines: kept when the lines are as
    approved before (the screens' content hash still matches), else this approver's."""
    layout = full_layout(after)
    ticker = layout["ticker"]
    ticker.pop("approval", None)
    if ticker["lines"]:
        was = full_layout(before)["ticker"]
        same = was.get("approval") and was["lines"] == ticker["lines"]
        ticker["approval"] = was["approval"] if same else {"approver": approver,
                                                           "approved_at": at}  # fmt: skip
    return layout


def layout_from_form(field, getlist) -> dict:
    """The ticker and clock a page posted (`field(name)` → str, `getlist(name)` → [str])."""
    lines = [" ".join(line.split()) for line in field("ticker_lines").splitlines()]
    return {
        "ticker": {"lines": [line for line in lines if line], "feeds": getlist("ticker_feeds"),
                   "position": field("ticker_position") or "bottom"},
        "clock": {"on": bool(field("clock_on")),
                  "position": field("clock_position") or "top-right",
                  "format": field("clock_format").strip() or "%H:%M"},
    }  # fmt: skip


def items_from_form(
    field, getlist, library: Mapping[str, Mapping]
) -> tuple[list[dict], list[Problem]]:
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
            problems.append(
                Problem("media_gone", "the media is no longer in the library").of(row=n + 1)
            )
            continue
        duration_text = field(f"duration_{n}").strip().replace(",", ".")
        try:
            duration = float(duration_text) if duration_text else None
        except ValueError:
            problems.append(
                Problem(
                    "duration_number",
                    f"duration {duration_text!r} is not a number",
                    value=duration_text,
                ).of(row=n + 1)
            )
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
            "priority": _whole(field(f"priority_{n}")),
        }  # fmt: skip
        problems.extend(p.of(item=item["name"]) for p in check_item(item))
        if item["priority"] is None:
            problems.append(
                Problem(
                    "priority",
                    f"priority must be a whole number 0 to {MAX_PRIORITY}",
                    max=MAX_PRIORITY,
                ).of(row=n + 1)
            )
            item["priority"] = 0
        rows.append((order, n, item))
    ids = [item["id"] for _, _, item in rows]
    if len(ids) != len(set(ids)):
        problems.append(Problem("same_id", "two rows have the same id"))
    return [item for _, _, item in sorted(rows, key=lambda row: row[:2])], problems


def _whole(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else (0 if not text else None)
