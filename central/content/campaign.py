"""A campaign as the console edits it: its fields from the form, checks, goal check, diff, YAML.

The campaign is kept as a plain dict (`new_campaign` lists its keys): id, partner, items
(library media), valid_from/valid_until, days, windows ("HH:MM-HH:MM"), groups, goal
({"plays_per_day": n} or {"share": fraction}) and back_to_back. Whether its goal can be met
is asked of `central.publish.plan_problems`, the check every publish makes, on the
campaign as the screens' parser reads it beside the other campaigns of its groups.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from central.content.playlist import DAYS, IMAGE_SECONDS, Problem
from central.publish import plan_problems
from player.schedule.campaigns import PlanProblem
from player.wire.campaigns import campaign_from_raw
from player.wire.checks import Checks
from player.wire.items import Defaults
from player.wire.manifest import MAX_PLAYS_PER_DAY, Manifest, Media

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_WINDOW = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The fields a change set's diff shows, in the editor's order.
FIELDS = (
    "partner",
    "items",
    "valid_from",
    "valid_until",
    "days",
    "windows",
    "groups",
    "goal",
    "back_to_back",
)


def new_campaign() -> dict:
    """A campaign before anyone edited it: every day, all day, 10 plays per screen and day."""
    return {
        "id": "",
        "partner": "",
        "items": [],
        "valid_from": "",
        "valid_until": "",
        "days": list(DAYS),
        "windows": [],
        "groups": [],
        "goal": {"plays_per_day": 10},
        "back_to_back": False,
    }


def from_form(field, getlist, library: Mapping[str, Mapping]) -> dict:
    """The campaign a page posted (`field(name)` → str, `getlist(name)` → [str]); media not
    in the library is left out, a goal that is no number is kept as text for `check`."""
    campaign_id = field("id").strip().lower()
    items = []
    for sha in getlist("media"):
        media = library.get(sha)
        if media is not None:
            items.append(
                {
                    "id": f"{campaign_id}-{sha[:8]}",
                    "media": sha,
                    "type": media["type"],
                    "name": media["name"],
                    "duration": None if media["type"] == "video" else IMAGE_SECONDS,
                }
            )
    value = field("goal_value").strip().replace(",", ".")
    if field("goal_kind") == "share":
        try:
            goal: dict = {"share": round(float(value) / 100, 6)}
        except ValueError:
            goal = {"share": value}
    else:
        goal = {"plays_per_day": int(value) if value.isdigit() else value}
    windows = [w.replace(" ", "") for w in re.split(r"[,;\n]+", field("windows")) if w.strip()]
    return {
        "id": campaign_id,
        "partner": " ".join(field("partner").split()),
        "items": items,
        "valid_from": field("valid_from"),
        "valid_until": field("valid_until"),
        "days": [d for d in DAYS if d in getlist("days")],
        "windows": windows,
        "groups": sorted(set(getlist("groups"))),
        "goal": goal,
        "back_to_back": bool(field("back_to_back")),
    }


def check(campaign: Mapping, groups: Sequence[str]) -> list[Problem]:
    """What is wrong with the edited fields, in words for the page; [] when none (the goal's
    feasibility is `impossible`'s)."""
    problems = []
    if not _ID.match(campaign["id"]):
        problems.append(
            Problem(
                "campaign_id",
                "the name must be 1 to 64 lowercase letters, "
                "digits, - or _ (it names the campaign in every report)",
            )
        )
    if not campaign["partner"]:
        problems.append(Problem("campaign_partner", "name the partner"))
    if not campaign["items"]:
        problems.append(Problem("campaign_items", "choose at least one item from the library"))
    if not campaign["days"]:
        problems.append(Problem("no_day", "choose at least one day"))
    for window in campaign["windows"]:
        if not _WINDOW.match(window) or window[:5] == window[6:]:
            problems.append(
                Problem(
                    "campaign_window",
                    f"{window!r} is not a time window (HH:MM-HH:MM)",
                    value=window,
                )
            )
    for key in ("valid_from", "valid_until"):
        if campaign[key] and not _DATE.match(campaign[key]):
            problems.append(
                Problem(
                    "not_date", f"{campaign[key]!r} is not a date (YYYY-MM-DD)", value=campaign[key]
                )
            )
    if "" < campaign["valid_until"] < campaign["valid_from"]:  # both given, in the wrong order
        problems.append(Problem("until_before_from", "'until' is before 'from'"))
    if not campaign["groups"]:
        problems.append(Problem("campaign_groups", "choose at least one group"))
    problems.extend(
        Problem("campaign_group", f"{group!r}: not a group you may submit for", group=group)
        for group in campaign["groups"]
        if group not in groups
    )
    goal = campaign["goal"]
    plays, share = goal.get("plays_per_day"), goal.get("share")
    if "share" in goal and not (isinstance(share, float) and 0 < share <= 1):
        problems.append(
            Problem(
                "campaign_share",
                "the share must be a number above 0 and at "
                "most 100 (per cent of the screen's time)",
            )
        )
    if "plays_per_day" in goal and not (isinstance(plays, int) and 1 <= plays <= MAX_PLAYS_PER_DAY):
        problems.append(
            Problem(
                "campaign_plays",
                f"plays per screen and day must be a whole number 1 to {MAX_PLAYS_PER_DAY}",
                max=MAX_PLAYS_PER_DAY,
            )
        )
    return problems


def entry(campaign: Mapping) -> dict:
    """The campaign as the authoring YAML's `campaigns:` holds it (media under media/)."""
    items = []
    for item in campaign["items"]:
        shown: dict = {"id": item["id"], "type": item["type"], "file": f"media/{item['media']}"}
        if item.get("duration") is not None:
            shown["duration"] = item["duration"]
        if item.get("approval"):
            shown["approval"] = dict(item["approval"])
        items.append(shown)
    found: dict = {
        "id": campaign["id"],
        "partner": campaign["partner"],
        "items": items,
        "goal": dict(campaign["goal"]),
        "groups": list(campaign["groups"]),
    }
    schedule = _schedule(campaign)
    if schedule:
        found["schedule"] = schedule
    if campaign["back_to_back"]:
        found["back_to_back"] = True
    return found


def _schedule(campaign: Mapping) -> dict:
    schedule: dict = {}
    for key in ("valid_from", "valid_until"):
        if campaign[key]:
            schedule[key] = campaign[key]
    if set(campaign["days"]) != set(DAYS):
        schedule["days"] = [day for day in DAYS if day in campaign["days"]]
    if campaign["windows"]:
        schedule["windows"] = list(campaign["windows"])
    return schedule


@dataclass(frozen=True)
class Unmet:
    """Why a campaign's goal cannot be met in one group: the publish check's problem with its
    numbers, or (when the screens' parser could not read the campaign) the parser's words.
    `str()` is the English the command line and the audit log say."""

    group: str
    problem: PlanProblem | None = None
    unreadable: str = ""

    def __str__(self) -> str:
        return f"{self.group}: {self.problem.message if self.problem else self.unreadable}"


def impossible(
    campaign: Mapping, others: Sequence[Mapping], library: Mapping[str, Mapping], now: dt.datetime
) -> list[Unmet]:
    """Why the goal cannot be met on the campaign's groups, with the numbers; [] when it can.

    Per group, the campaign beside `others` (the approved campaigns, this one's earlier
    version left out) that play there, read by the screens' parser and checked by
    `central.publish.plan_problems`: the check the publish of that group will make."""
    now = now if now.tzinfo is not None else now.replace(tzinfo=dt.UTC)
    media = {
        sha: Media(
            sha, int(m.get("size") or 1), m["type"], f"media/{sha}", duration=m.get("duration")
        )
        for sha, m in library.items()
    }
    found: list[Unmet] = []
    for group in campaign["groups"]:
        meant = [c for c in others if group in c["groups"] and c["id"] != campaign["id"]]
        parsed = []
        checks, seen = Checks(strict=True), set()
        for k, one in enumerate([*meant, campaign]):
            raw = _wire(one)
            made = campaign_from_raw(
                raw, f"campaigns[{k}]", media, Defaults(), seen=seen, checks=checks
            )
            if made is not None:
                parsed.append(made)
        if checks.problems:
            found.extend(Unmet(group, unreadable=str(problem)) for problem in checks.problems)
            continue
        manifest = Manifest(1, group, now, 0, media, (), campaigns=tuple(parsed))
        found.extend(Unmet(group, problem) for problem in plan_problems(manifest, now))
    return found


def _wire(campaign: Mapping) -> dict:
    """The campaign as the manifest carries it (media by sha256), for the screens' parser."""
    raw = entry(campaign)
    for item in raw["items"]:
        item["media"] = item.pop("file").removeprefix("media/")
        item.pop("approval", None)
    return raw


def diff(before: Mapping | None, after: Mapping) -> list[dict]:
    """What a change set changes: `[{"field", "before", "after"}]` as words for the page;
    every field set when there was no earlier version."""
    changes = []
    for key in FIELDS:
        old = describe(before, key) if before is not None else ""
        new = describe(after, key)
        if old != new:
            changes.append({"field": key, "before": old, "after": new})
    return changes


def describe(campaign: Mapping, key: str) -> str:
    """One field in words the diff shows (language-neutral: numbers, names, dates)."""
    value = campaign[key]
    if key == "items":
        return ", ".join(item.get("name") or item["id"] for item in value)
    if key == "goal":
        if "share" in value:
            share = value["share"]
            return f"{share * 100:g}%" if isinstance(share, float) else str(share)
        return f"{value.get('plays_per_day')}/day"
    if key in ("days", "windows", "groups"):
        return ", ".join(value)
    if key == "back_to_back":
        return "yes" if value else "no"
    return str(value or "")


def carry_approvals(campaign: Mapping, approver: str, at: str, before: Mapping | None) -> dict:
    """`campaign` with an approval on each item: kept when the item was approved before with
    the same media and length (the screens' content hash still matches), else this one."""
    old = {item["id"]: item for item in (before or {}).get("items", ())}
    items = []
    for item in campaign["items"]:
        was = old.get(item["id"])
        same = (
            was is not None
            and was.get("approval")
            and all(was.get(k) == item.get(k) for k in ("type", "media", "duration"))
        )
        approval = was["approval"] if same else {"approver": approver, "approved_at": at}
        items.append({**item, "approval": approval})
    return {**campaign, "items": items}


def without_approvals(campaign: Mapping) -> dict:
    """The campaign as submitted: approvals are the approver's to give."""
    items = [{k: v for k, v in item.items() if k != "approval"} for item in campaign["items"]]
    return {**campaign, "items": items}


def ended(campaign: Mapping, today: dt.date) -> dict:
    """The campaign as a change set that ends it: off every group (the approval publishes
    them without it), its end date today unless it ended earlier (its reports stop there)."""
    until = campaign["valid_until"]
    end = today.isoformat()
    return {
        **without_approvals(campaign),
        "groups": [],
        "valid_until": until if until and until < end else end,
    }
