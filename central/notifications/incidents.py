"""Once per incident, grouped: which conditions become incidents, and what to tell when (pure).

A condition (a screen offline, hot, behind...) becomes an incident the moment it is first
seen; the office is told once it lasted its kind's `hold`. Incidents of one kind and group
that began within `window` of the first one due are told in the same message (fifty screens
of a district losing power are one message, not fifty). An incident that ends before it was
told is dropped without a word; one that was told gets one recovery notice, again grouped:
recoveries of a kind and group are told once the first of them is `window` old.
Everything here takes `now` and data, and returns what to keep and what to send.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from central.db.incidents import Incident
from central.notifications.events import SCREEN_OFFLINE as OFFLINE

DOWN, BACK = "down", "back"


@dataclass(frozen=True)
class Condition:
    """Something wrong with one subject now; `since` when it began, None: from now on."""

    kind: str
    subject: str
    group: str
    facts: Mapping[str, str | int | float] = field(default_factory=dict)
    since: dt.datetime | None = None


@dataclass(frozen=True)
class Notice:
    """One message: incidents of one kind and group beginning (`down`) or ending (`back`)."""

    kind: str
    group: str
    outcome: str
    incidents: tuple[Incident, ...]


@dataclass
class Step:
    """What one look at the screens decided: rows to keep and change, and messages to send."""

    found: list[Incident] = field(default_factory=list)  # new; keep them (untold)
    ended: list[Incident] = field(default_factory=list)  # kept ones whose condition is gone
    notices: list[Notice] = field(default_factory=list)

    def told(self) -> list[Incident]:
        return [i for n in self.notices if n.outcome == DOWN for i in n.incidents]

    def told_end(self) -> list[Incident]:
        return [i for n in self.notices if n.outcome == BACK for i in n.incidents]


def step(
    kept: Iterable[Incident],
    conditions: Iterable[Condition],
    now: dt.datetime,
    *,
    hold: Mapping[str, dt.timedelta],
    window: dt.timedelta,
    unknown: frozenset[str] = frozenset(),
) -> Step:
    """Compare what is kept (`central.db.incidents.pending`) with the conditions seen `now`.

    `hold` gives each kind's wait before it is told; `unknown` names subjects nothing is
    known of now (a screen offline: its temperature is not "normal again"), whose incidents
    other than screen-offline are left as they are.
    """
    result = Step()
    seen = {(c.kind, c.subject): c for c in conditions}
    open_: list[Incident] = []
    owed_back: list[Incident] = []
    for incident in kept:
        if incident.ended_at is not None:
            owed_back.append(incident)
        elif incident.key in seen or (incident.subject in unknown and incident.kind != OFFLINE):
            open_.append(incident)
        else:
            ended = replace(incident, ended_at=now)
            result.ended.append(ended)
            if incident.told_at is not None:
                owed_back.append(ended)
    known = {i.key for i in open_}
    for key, condition in seen.items():
        if key not in known:
            new = Incident(condition.kind, condition.subject, condition.group,
                           condition.since or now, dict(condition.facts))  # fmt: skip
            result.found.append(new)
            open_.append(new)
    untold = [i for i in open_ if i.told_at is None]
    for (kind, group), members in _by_kind_and_group(untold).items():
        due = [i.started_at + hold.get(kind, dt.timedelta(0)) for i in members]
        if min(due) > now:
            continue
        told = tuple(i for i, at in zip(members, due, strict=True) if at <= now + window)
        result.notices.append(Notice(kind, group, DOWN, told))
    for (kind, group), members in _by_kind_and_group(owed_back).items():
        if min(i.ended_at for i in members) + window <= now:
            result.notices.append(Notice(kind, group, BACK, tuple(members)))
    return result


def _by_kind_and_group(found: list[Incident]) -> dict[tuple[str, str], list[Incident]]:
    groups: dict[tuple[str, str], list[Incident]] = {}
    for incident in found:
        groups.setdefault((incident.kind, incident.group), []).append(incident)
    return groups
