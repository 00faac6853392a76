"""The schedule as lines of a table: each play, or runs of one loop folded into one line."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from zoneinfo import ZoneInfo

from player.schedule.plan import Scheduler, Slot
from player.schedule.wallclock import ScreenHours
from player.wire.units import format_duration

# The part of a slot's reason that names the item; what is left names the rule.
_ITEM_IN_REASON = re.compile(r" item \d+/\d+ '[^']*'( \([^)]*\))?")
MAX_NAMED_ITEMS = 6


def merged(slots: Iterable[Slot]) -> Iterator[Slot]:
    """Joins the pieces of one showing (re-checked at a boundary that changed nothing)."""
    pending: Slot | None = None
    for slot in slots:
        if pending is not None and _same_showing(pending, slot):
            pending = Slot(
                pending.kind,
                pending.start,
                slot.end,
                item=slot.item,
                alert=slot.alert,
                playlist=slot.playlist,
                index=slot.index,
                reason=slot.reason,
                campaign=slot.campaign,
            )
            continue
        if pending is not None:
            yield pending
        pending = slot
    if pending is not None:
        yield pending


def _same_showing(a: Slot, b: Slot) -> bool:
    return (
        a.kind == b.kind
        and a.start == b.start
        and a.playlist == b.playlist
        and a.index == b.index
        and a.campaign == b.campaign
        and (a.item.id if a.item else None) == (b.item.id if b.item else None)
    )


def rows(slots: Iterable[Slot], tz: ZoneInfo) -> list[tuple[str, ...]]:
    out = []
    for slot in slots:
        start, end = slot.start.astimezone(tz), slot.end.astimezone(tz)
        end_text = f"{end:%H:%M:%S}" if end.date() == start.date() else f"{end:%a %m-%d %H:%M:%S}"
        what = "-"
        if slot.item is not None:
            what = f"{slot.item.id} ({slot.item.type})"
        elif slot.alert is not None:
            what = f"{slot.alert.id} ({slot.alert.level})"
        out.append(
            (
                f"{start:%a %Y-%m-%d %H:%M:%S}",
                end_text,
                slot.kind,
                slot.playlist or (f"campaign {slot.campaign}" if slot.campaign else "-"),
                what,
                format_duration(slot.seconds),
                slot.reason,
            )
        )
    return out


def _rule(slot: Slot) -> str:
    return _ITEM_IN_REASON.sub("", slot.reason)


def condensed(slots: Iterable[Slot], tz: ZoneInfo) -> list[tuple[str, ...]]:
    """One row per run of the same loop: a new row when the kind, playlist, alert or rule
    changes, so hours of 5-second items read as a handful of lines."""
    runs: list[list[Slot]] = []
    for slot in slots:
        key = (slot.kind, slot.playlist, slot.alert.id if slot.alert else None, _rule(slot))
        last = runs[-1][-1] if runs else None
        same = last is not None and key == (
            last.kind, last.playlist, last.alert.id if last.alert else None, _rule(last)
        )  # fmt: skip
        if same:
            runs[-1].append(slot)
        else:
            runs.append([slot])
    out = []
    for run in runs:
        first, last = run[0], run[-1]
        start, end = first.start.astimezone(tz), last.end.astimezone(tz)
        end_text = f"{end:%H:%M:%S}" if end.date() == start.date() else f"{end:%a %m-%d %H:%M:%S}"
        items = list(dict.fromkeys(s.item.id for s in run if s.item is not None))
        if items:
            named = ", ".join(items[:MAX_NAMED_ITEMS])
            if len(items) > MAX_NAMED_ITEMS:
                named += f", … ({len(items) - MAX_NAMED_ITEMS} more)"
            plays = f"{len(run)} plays" if len(run) > 1 else "1 play"
            what = f"{plays} of {named}"
        elif first.alert is not None:
            what = f"{first.alert.id} ({first.alert.level})"
        else:
            what = "-"
        seconds = (last.end - first.start).total_seconds()
        out.append(
            (
                f"{start:%a %Y-%m-%d %H:%M:%S}",
                end_text,
                first.kind,
                first.playlist or (f"campaign {first.campaign}" if first.campaign else "-"),
                what,
                format_duration(seconds),
                _rule(first),
            )
        )
    return out


def table(lines: list[tuple[str, ...]], what: str = "item") -> str:
    header = ("start", "end", "kind", "playlist", what, "length", "why")
    widths = [max(len(h), *(len(r[i]) for r in lines)) for i, h in enumerate(header)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths[:-1]) + "  {}"
    return "\n".join(fmt.format(*r) for r in [header, *lines])


def campaign_summary(
    scheduler: Scheduler, slots: Sequence[Slot], hours: ScreenHours | None, days: Iterable[dt.date]
) -> str:
    """Per campaign and day: the goal, the plays planned for it, those in this listing."""
    listed = Counter(
        (s.campaign, s.start.astimezone(scheduler.tz).date()) for s in slots if s.campaign
    )
    lines = [("campaign", "partner", "day", "goal", "planned", "listed", "one every", "dayparts")]
    for day in days:
        for index, plan in scheduler.campaign_days(day, hours):
            campaign = index.campaign
            lines.append(
                (
                    campaign.id,
                    campaign.partner,
                    f"{day:%a %Y-%m-%d}",
                    index.describe_goal(),
                    str(plan.count),
                    str(listed[campaign.id, day]),
                    format_duration(plan.gap) if plan.count else "-",
                    index.describe() if plan.count else "no screen time in its dayparts",
                )
            )
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]) - 1)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths) + "  {}"
    return "\n".join(fmt.format(*line) for line in lines)
