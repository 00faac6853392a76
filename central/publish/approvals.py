"""Authored approvals read and signed: each approved item carries the hash of what plays."""

from __future__ import annotations

import datetime as dt

from central.publish.authoring import Authoring, unknown
from player.wire.approval import MAX_APPROVER, content_hash
from player.wire.isotime import format_utc, parse_utc

APPROVAL_KEYS = ("approver", "approved_at")  # content_hash is computed here, never authored
# What an item shows that `defaults:` may give: an approved item carries its own copy, so
# its content_hash covers what the screen shows (a later defaults edit cannot slip past).
DEFAULTED_KEYS = ("duration", "transition", "fit")


def read_approval(
    doc: Authoring, raw: object, path: str, now: dt.datetime, problems: list[str]
) -> tuple[str, dt.datetime] | None:
    """An `approval: {approver, approved_at}`, or None after noting a problem."""
    if not isinstance(raw, dict):
        problems.append(doc.at(path, "must be {approver: NAME, approved_at: TIME}"))
        return None
    found = len(problems)
    problems.extend(unknown(doc, raw, APPROVAL_KEYS, path))
    approver = raw.get("approver")
    if not isinstance(approver, str) or not approver.strip() or len(approver) > MAX_APPROVER:
        problems.append(
            doc.at(f"{path}.approver", f"must be the approver's name (1 to {MAX_APPROVER} chars)")
        )
    moment = None
    try:
        moment = parse_utc(raw.get("approved_at"), "approved_at")
    except ValueError as exc:
        problems.append(doc.at(f"{path}.approved_at", str(exc)))
    if moment is not None and moment > now:
        problems.append(
            doc.at(
                f"{path}.approved_at",
                f"{format_utc(moment)} is in the future (now {format_utc(now)}): an "
                "item is approved before it is published; check the time and the clock",
            )
        )
    if len(problems) > found or moment is None:
        return None
    return approver, moment


def sign_approvals(approvals: list[tuple[dict, str, dt.datetime]], defaults: object) -> None:
    """Each approved item gets its approval with the hash of what the screen shows."""
    defaults = defaults if isinstance(defaults, dict) else {}
    for item, approver, moment in approvals:
        for key in DEFAULTED_KEYS:
            plays_to_end = key == "duration" and item.get("type") == "video"
            if item.get(key) is None and defaults.get(key) is not None and not plays_to_end:
                item[key] = defaults[key]
        item["approval"] = {
            "approver": approver,
            "approved_at": format_utc(moment),
            "content_hash": content_hash(item),
        }
