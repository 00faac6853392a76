"""Submit, approve (two people) and send back a campaign; approval publishes its groups.

A campaign change set goes the playlists' way (central/content/review.py): a contributor
or operator submits it, another approver approves it, and approving publishes every group
the campaign plays in now or played in before (its playlist, ticker and clock as last
approved, with every approved campaign of the group), inside the caller's transaction: a
publish that fails leaves the change set pending. A goal the screens cannot meet is
refused at submission and at approval, with the numbers of `campaign.impossible`.
Ending a campaign is a change set too (`submit_end`): approved by another approver, it takes
the campaign off its groups' screens. Each step is told as playlists' are (`notification`).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from central.config import CentralConfig
from central.content import campaign, review
from central.content.review import Published, ReviewError
from central.db import content as stored
from central.db.audit import naive, record
from central.notifications.events import Event
from player.wire.isotime import format_utc


class GoalUnmet(ReviewError):
    """A goal the screens cannot meet; `unmet` keeps the numbers for the page's words."""

    def __init__(self, unmet: list[campaign.Unmet]) -> None:
        self.unmet = tuple(unmet)
        super().__init__("goal_impossible", "; ".join(str(found) for found in unmet))


def library(connection: Connection) -> dict[str, dict]:
    """The media library by sha256: what a campaign's items are chosen from."""
    return {row["sha256"]: row for row in stored.all_media(connection)}


def current(connection: Connection, campaign_id: str) -> dict | None:
    """The campaign as last approved, or None (a new one)."""
    found = stored.campaign_submissions_of(
        connection, campaign=campaign_id, state=stored.APPROVED, limit=1
    )
    return found[0]["body"] if found else None


def others(connection: Connection, campaign_id: str) -> list[dict]:
    """Every approved campaign but `campaign_id`: what shares the screens with it."""
    return [
        row["body"]
        for row in stored.approved_campaigns(connection)
        if row["campaign"] != campaign_id
    ]


def problems(
    connection: Connection,
    config: CentralConfig,
    edited: dict,
    *,
    user: str,
    role: str,
    now: dt.datetime,
) -> tuple[list, list[str]]:
    """(the fields' problems, why the goal cannot be met): what the editor shows."""
    groups = review.groups_for(connection, config, user, role)
    found = campaign.check(edited, groups)
    if found:
        return found, []
    return [], campaign.impossible(
        edited, others(connection, edited["id"]), library(connection), now
    )


def submit(
    connection: Connection,
    config: CentralConfig,
    edited: dict,
    *,
    user: str,
    role: str,
    now: dt.datetime,
) -> int:
    """Record a campaign change set for approval; ReviewError when it has problems."""
    fields, impossible = problems(connection, config, edited, user=user, role=role, now=now)
    if fields:
        raise ReviewError("campaign_problems", "; ".join(fields))
    if impossible:
        raise GoalUnmet(impossible)
    return _record_submission(connection, edited, user=user, now=now, ends=False)


def submit_end(
    connection: Connection,
    config: CentralConfig,
    campaign_id: str,
    *,
    user: str,
    role: str,
    now: dt.datetime,
) -> int:
    """Record a change set that ends an approved campaign: off its groups from approval on,
    its end date today (`campaign.ended`); approved and published as any other change."""
    before = current(connection, campaign_id)
    if before is None:
        raise ReviewError("not_approved", f"campaign {campaign_id!r} was never approved")
    if not before["groups"]:
        raise ReviewError("campaign_ended", f"campaign {campaign_id!r} is already ended")
    allowed = review.groups_for(connection, config, user, role)
    outside = [group for group in before["groups"] if group not in allowed]
    if outside:
        raise ReviewError(
            "not_your_group", f"{user} may not submit for group(s) {', '.join(outside)}"
        )
    aware = now if now.tzinfo is not None else now.replace(tzinfo=dt.UTC)
    today = aware.astimezone(ZoneInfo(config.console.timezone)).date()  # the office's day
    ended = campaign.ended(before, today)
    return _record_submission(connection, ended, user=user, now=now, ends=True)


def _record_submission(
    connection: Connection, edited: dict, *, user: str, now: dt.datetime, ends: bool
) -> int:
    number = stored.add_campaign_submission(
        connection,
        {
            "campaign": edited["id"],
            "submitter": user,
            "submitted_at": naive(now),
            "state": stored.PENDING,
            "body": campaign.without_approvals(edited),
        },
    )
    record(
        connection,
        now,
        user,
        "campaign-submitted",
        f"{edited['id']} #{number}",
        detail={"groups": edited["groups"], "ends": True} if ends else {"groups": edited["groups"]},
    )
    return number


def review_data(connection: Connection, number: int, now: dt.datetime) -> dict | None:
    """A change set with its diff against the campaign as approved before it, and (while
    pending) why its goal cannot be met now."""
    found = stored.campaign_submission(connection, number)
    if found is None:
        return None
    found["diff"] = campaign.diff(_earlier(connection, found), found["body"])
    found["impossible"] = []
    if found["state"] == stored.PENDING:
        found["impossible"] = campaign.impossible(
            found["body"], others(connection, found["campaign"]), library(connection), now
        )
    return found


def notification(connection: Connection, number: int) -> Event | None:
    """Change set `number` as people are told of it: waiting for approval (to approvers), or
    approved or sent back with the reason (to its submitter); its group is each one it
    plays in, now or before it (a target of one group hears of it)."""
    found = stored.campaign_submission(connection, number)
    if found is None:
        return None
    before = _earlier(connection, found)
    groups = sorted(set(found["body"]["groups"]) | set((before or {}).get("groups", ())))
    facts = {
        "number": number,
        "subject": f"{found['campaign']} #{number}",
        "campaign": found["campaign"],
        "partner": found["body"]["partner"],
        "submitter": found["submitter"],
        "groups": ", ".join(groups),
    }
    kind, at, concerns = "campaign-submitted", found["submitted_at"], ()
    if found["state"] != stored.PENDING:
        kind, at, concerns = "campaign-decided", found["decided_at"], (found["submitter"],)
        facts |= {
            "outcome": "approved" if found["state"] == stored.APPROVED else "sent-back",
            "approver": found["decided_by"] or "",
            "reason": found["reason"] or "",
        }
    elif before is not None and before["groups"] and not found["body"]["groups"]:
        facts["outcome"] = "end"  # its words: "to end campaign X" rather than "a change"
    link = f"/library/campaigns/changes/{number}"
    return Event(kind, at, facts, groups[0] if groups else None, concerns=concerns, link=link,
                 groups=tuple(groups))  # fmt: skip


def _earlier(connection: Connection, found: dict) -> dict | None:
    """The campaign as approved before change set `found`: what it changes."""
    for row in stored.campaign_submissions_of(
        connection, campaign=found["campaign"], state=stored.APPROVED
    ):
        if row["id"] < found["id"]:
            return row["body"]
    return None


def approve(
    connection: Connection, config: CentralConfig, number: int, approver: str, now: dt.datetime
) -> list[Published]:
    """Approve a pending change set and publish the campaign's groups (before and after)."""
    now = now if now.tzinfo is not None else now.replace(tzinfo=dt.UTC)
    found = stored.campaign_submission(connection, number)
    if found is None or found["state"] != stored.PENDING:
        raise ReviewError("not_pending", f"campaign change #{number} is not waiting for approval")
    if found["submitter"] == approver:
        raise ReviewError(
            "two_person", f"{approver} submitted #{number}: another approver must approve it"
        )
    body = found["body"]
    impossible = campaign.impossible(body, others(connection, body["id"]), library(connection), now)
    if impossible:
        raise GoalUnmet(impossible)
    before = current(connection, body["id"])
    body = campaign.carry_approvals(body, approver, format_utc(now), before)
    if not stored.decide_campaign(
        connection, number, stored.APPROVED, by=approver, at=naive(now), body=body
    ):
        raise ReviewError("not_pending", f"campaign change #{number} was decided meanwhile")
    record(connection, now, approver, "campaign-approved", f"{body['id']} #{number}")
    groups = sorted(set(body["groups"]) | set((before or {}).get("groups", ())))
    return [
        review.publish_group(
            connection,
            config,
            group,
            review.current_items(connection, group),
            actor=approver,
            now=now,
            layout=review.current_layout(connection, group),
        )
        for group in groups
    ]


def send_back(
    connection: Connection, number: int, approver: str, reason: str, now: dt.datetime
) -> None:
    reason = reason.strip()[:2000]
    if not reason:
        raise ReviewError("reason_needed", "say why it goes back, so the submitter can fix it")
    if not stored.decide_campaign(
        connection, number, stored.SENT_BACK, by=approver, at=naive(now), reason=reason
    ):
        raise ReviewError("not_pending", f"campaign change #{number} is not waiting for approval")
    record(connection, now, approver, "campaign-sent-back", f"#{number}", detail={"reason": reason})
