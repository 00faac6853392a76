"""The manifest's campaigns parsed: a partner's items, its goal per day, where it plays."""

from __future__ import annotations

from player.wire import fields
from player.wire.checks import Checks
from player.wire.fields import parse_rules
from player.wire.items import Defaults, item_from_raw, unseen_id
from player.wire.manifest import (
    MAX_CAMPAIGN_ITEMS,
    MAX_PARTNER,
    MAX_PLAYS_PER_DAY,
    MAX_TARGETS,
    Campaign,
    Goal,
    ManifestError,
    ManifestProblems,
    Media,
)


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


def campaign_from_raw(
    raw: object,
    path: str,
    media: dict[str, Media],
    defaults: Defaults,
    *,
    seen: set[str],
    checks: Checks,
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
            item = item_from_raw(entry, where, media, defaults)
        except ManifestError as exc:  # one creative the player cannot show: the rest play
            checks.skip(exc)
            continue
        if unseen_id(item, where, seen, checks):
            items.append(item)
    if not items:
        return None
    return Campaign(campaign_id, partner, tuple(items), goal, rules, groups, screens, back_to_back)
