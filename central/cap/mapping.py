"""From a parsed CAP message and what is on screens now to the signed-alert payloads to send.

Pure: the time, the groups' places and the state come in as arguments. An Update takes
the alert id of the warning it references, so it replaces the text on screen; a Cancel
sends the cancel of that id to every group showing it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from central.cap.areas import groups_reached
from central.cap.parse import Area, CapMessage, Info
from central.cap.settings import GroupPlace
from central.cap.state import CapState, Shown
from player.wire import signing
from player.wire.manifest import MAX_ALERT_LIFETIME

LANGUAGES = ("id-id", "id", "en")  # preferred first; a prefix matches "en-US", "en-GB"
EXERCISE_STATUSES = ("Exercise", "Test")
CANCEL_LIFETIME = dt.timedelta(days=1)
EXERCISE_MARK = "LATIHAN / EXERCISE: "
HEADLINE_MAX = 200
INSTRUCTION_MAX = 300


@dataclass(frozen=True)
class Plan:
    """What to do with one CAP message: its verdict, the messages to send, the new state."""

    verdict: str  # accepted | cancelled | refused | ignored | duplicate
    reason: str
    alert_id: str | None = None
    # (group, payload for signing.seal, how long the broker keeps it: its lifetime)
    sends: tuple[tuple[str, dict, dt.timedelta], ...] = ()
    state: CapState | None = None  # None: the state is unchanged
    groups: tuple[str, ...] = field(default=())


def alert_id_for(sender: str, identifier: str) -> str:
    """The alert id a CAP warning is shown under: stable, short, safe as an id."""
    digest = hashlib.sha256(f"{sender}\n{identifier}".encode()).hexdigest()
    return f"cap-{digest[:16]}"


def level_for(severity: str, urgency: str, certainty: str) -> str:
    """Our level (info, warning, emergency) for a CAP severity/urgency/certainty; see ALERTS.md."""
    if certainty == "Unlikely" or urgency == "Past" or severity in ("Minor", "Unknown"):
        return "info"
    soon = urgency in ("Immediate", "Expected")
    sure = certainty in ("Observed", "Likely")
    if severity == "Extreme" and soon:
        return "emergency"
    if severity == "Severe" and urgency == "Immediate" and sure:
        return "emergency"
    if severity in ("Extreme", "Severe") or (severity == "Moderate" and soon):
        return "warning"
    return "info"


def choose_info(infos: tuple[Info, ...]) -> Info | None:
    """The info block to show: Indonesian first, then English, else the first one."""
    for wanted in LANGUAGES:
        for info in infos:
            language = info.language.casefold()
            if language == wanted or language.startswith(wanted + "-"):
                return info
    return infos[0] if infos else None


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(" ,.;:") + "…"


def compose_text(info: Info, exercise: bool, limit: int = signing.MAX_ALERT_TEXT) -> str:
    """headline, description and instruction in one text within `limit` characters.

    The description gives way first: the headline says what, the instruction what to do.
    """
    mark = EXERCISE_MARK if exercise else ""
    headline = _clip(info.headline or info.event or "Peringatan", HEADLINE_MAX)
    instruction = _clip(info.instruction, INSTRUCTION_MAX)
    fixed = len(mark) + len(headline) + (len(instruction) + 1 if instruction else 0)
    room = limit - fixed - 1
    description = _clip(info.description, room) if info.description and room > 20 else ""
    parts = [mark + headline, description, instruction]
    return _clip(" ".join(part for part in parts if part), limit)


def alert_parts(info: Info, areas: tuple[Area, ...]) -> dict[str, str]:
    """The parts of an info block a screen lays out apart, each within its ALERT_PARTS bound."""
    wanted = {
        "headline": info.headline or info.event,
        "description": info.description,
        "instruction": info.instruction,
        "sender": info.sender_name,
        "area": ", ".join(dict.fromkeys(area.desc for area in areas if area.desc)),
    }
    return {
        name: _clip(value, signing.ALERT_PARTS[name])
        for name, value in wanted.items()
        if value.strip()
    }


def _root(message: CapMessage, state: CapState) -> str | None:
    for reference in message.references:
        found = state.known.get(reference)
        if found:
            return found
    return None


def _cancel(message: CapMessage, state: CapState, now: dt.datetime) -> Plan:
    root = _root(message, state)
    if root is None:
        names = ", ".join(identifier for _, identifier in message.references) or "nothing"
        return Plan("refused", f"Cancel for an unknown identifier ({names})")
    shown = state.shown.get(root)
    groups = shown.groups if shown else ()
    remaining = (shown.expires_at - now) if shown else dt.timedelta(0)
    lifetime = min(max(CANCEL_LIFETIME, remaining + dt.timedelta(minutes=1)), MAX_ALERT_LIFETIME)
    sends = tuple(
        (group, signing.make_alert_cancel(root, group, now=now, lifetime=lifetime), lifetime)
        for group in groups
    )
    new_state = state.without(root).knowing(message.key, root)
    where = ", ".join(groups) or "no screens (it had already ended)"
    return Plan("cancelled", f"taken off {where}", root, sends, new_state, groups)


def plan(
    message: CapMessage,
    state: CapState,
    places: Mapping[str, GroupPlace],
    now: dt.datetime,
    default_lifetime: dt.timedelta,
) -> Plan:
    """What to send for `message` given what `state` says is on screen at `now`."""
    if message.key in state.known:
        return Plan("duplicate", "already handled")
    if message.status not in ("Actual", *EXERCISE_STATUSES):
        return Plan("ignored", f"status {message.status}: not for screens")
    if message.scope != "Public":
        return Plan("ignored", f"scope {message.scope}: not for the public")
    if message.msg_type == "Cancel":
        return _cancel(message, state, now)
    if message.msg_type not in ("Alert", "Update"):
        return Plan("ignored", f"msgType {message.msg_type}: nothing to show")
    info = choose_info(message.infos)
    if info is None:
        return Plan("refused", "no info block: nothing to show")
    expires = info.expires or (now + default_lifetime)
    if expires <= now:
        return Plan("refused", f"expires {expires.isoformat()} is in the past")
    expires = min(expires, now + MAX_ALERT_LIFETIME)
    exercise = message.status in EXERCISE_STATUSES
    areas = info.areas or tuple(area for other in message.infos for area in other.areas)
    wanted = {group: place for group, place in places.items() if place.exercises or not exercise}
    groups = tuple(sorted(groups_reached(areas, wanted)))
    root = _root(message, state)
    alert_id = root or alert_id_for(*message.key)
    before = state.shown.get(alert_id)
    dropped = tuple(g for g in (before.groups if before else ()) if g not in groups)
    level = level_for(info.severity, info.urgency, info.certainty)
    text = compose_text(info, exercise)
    lifetime = expires - now
    parts = alert_parts(info, areas)
    status = message.status.casefold() if exercise else "actual"
    valid_until = expires if info.expires else None
    sends = [
        (group, signing.make_alert(
            text, group, now=now, lifetime=lifetime, level=level, alert_id=alert_id,
            parts=parts, valid_until=valid_until, status=status,
        ), lifetime)
        for group in groups
    ]  # fmt: skip
    cancel_life = lifetime + dt.timedelta(minutes=1)
    sends += [
        (
            group,
            signing.make_alert_cancel(alert_id, group, now=now, lifetime=cancel_life),
            cancel_life,
        )
        for group in dropped
    ]
    new_state = state.knowing(message.key, alert_id)
    if not groups:
        new_state = new_state.without(alert_id)
        # An exercise over groups that take none is the office's setting, not a bad area.
        declined = sorted(groups_reached(areas, places)) if exercise else []
        if declined:
            verdict = "ignored"
            lie = "lies" if len(declined) == 1 else "lie"
            reason = (
                f"status {message.status}: {', '.join(declined)} {lie} in its area but "
                "takes no exercises (exercises: true in cap.groups would show it): sent nowhere"
            )
        else:
            verdict = "unmatched"
            reason = "no configured group lies in its area: sent nowhere"
        if dropped:
            reason += f"; taken off {', '.join(dropped)}"
        return Plan(verdict, reason, alert_id, tuple(sends), new_state, ())
    shown = Shown(
        alert_id=alert_id,
        identifier=message.identifier,
        headline=info.headline or info.event,
        level=level,
        status=message.status,
        groups=groups,
        expires_at=expires,
        text=text,
    )
    new_state = dataclasses.replace(new_state, shown={**new_state.shown, alert_id: shown})
    kind = "update" if root else "new"
    reason = f"{kind} {level} on {', '.join(groups)} until {expires.isoformat()}"
    return Plan("accepted", reason, alert_id, tuple(sends), new_state, groups)
