"""Submit, approve (two people), send back and restore a group's playlist; approval publishes.

Approving writes the authoring YAML with each item's approval and the media into a work
folder, signs and publishes it with `central.publish.publish` into the group's published
folder (central.yaml `publish.groups`, key `publish.key`, read on the server only) and
announces it to the screens through central.broker.

Approve and restore run inside the caller's transaction and are never half done: the
decision is written first (so a second approver of the same submission loses before
anything is published), then the tree is published, then the publish is recorded. When
publishing fails they raise ReviewError("publish_failed", why) and the caller's rollback
leaves the submission pending, the tree as it was and nothing recorded; the console shows
the approver why.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import Connection

from central import broker
from central.config import CentralConfig
from central.content import campaign, playlist
from central.content.library import media_path
from central.db import content as stored
from central.db.audit import naive, record
from central.db.publishlog import CONSOLE, record_publish
from central.feeds import HEADLINES_FILE
from central.notifications.events import Event
from central.publish import PublishError, PublishSummary
from central.publish import publish as publish_tree  # the authoring YAML → signed tree
from central.publishlock import PublishBusy
from player.wire.isotime import format_utc

log = logging.getLogger(__name__)

SUBMITTERS = ("contributor",)  # scoped to their groups; approver and above: any group


class ReviewError(ValueError):
    """A workflow step that may not happen; `key` names the console's words for it."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(message)


@dataclass(frozen=True)
class Published:
    sequence: int
    notice: str | None  # why the screens were not told at once (they find it at their next poll)


def _aware(now: dt.datetime) -> dt.datetime:
    """The console's clock is naive UTC (as the database); publish wants it aware."""
    return now if now.tzinfo is not None else now.replace(tzinfo=dt.UTC)


def groups_for(connection: Connection, config: CentralConfig, user: str, role: str) -> list[str]:
    """The published groups `user` may submit playlists for."""
    groups = sorted(config.publish.groups)
    if role in SUBMITTERS:
        allowed = set(stored.scopes(connection, user))
        return [group for group in groups if group in allowed]
    return groups


def current_items(connection: Connection, group: str) -> list[dict]:
    """The group's items as last approved: where an edit starts."""
    latest = stored.latest_approved(connection, group)
    return latest["items"] if latest else []


def current_layout(connection: Connection, group: str) -> dict | None:
    """The group's ticker and clock as last approved (None: neither was ever set)."""
    latest = stored.latest_approved(connection, group)
    return latest.get("layout") if latest else None


def submit(connection: Connection, config: CentralConfig, group: str, items: list[dict], *,
           user: str, role: str, now: dt.datetime, layout: dict | None = None) -> int:  # fmt: skip
    """Record a change set (items, and the ticker and clock when given) for approval."""
    if group not in groups_for(connection, config, user, role):
        raise ReviewError("not_your_group", f"{user} may not submit for group {group!r}")
    if not items:
        raise ReviewError("empty_playlist", "a playlist needs at least one item")
    problems = [f"{item['id']}: {p}" for item in items for p in playlist.check_item(item)]
    if layout is not None:
        layout = playlist.full_layout(layout)
        layout["ticker"].pop("approval", None)  # the approver's, given at approval
        problems += playlist.check_layout(layout, [feed.url for feed in config.console.feeds])
    if problems:
        raise ReviewError("playlist_problems", "; ".join(problems))
    clean = [{k: v for k, v in item.items() if k != "approval"} for item in items]
    number = stored.add_submission(connection, {
        "group": group, "submitter": user, "submitted_at": naive(now),
        "state": stored.PENDING, "items": clean, "layout": layout,
    })  # fmt: skip
    record(connection, now, user, "content-submitted", f"{group} #{number}",
           detail={"items": len(items)})  # fmt: skip
    return number


def notification(connection: Connection, number: int) -> Event | None:
    """Submission `number` as people are told of it: waiting for approval (to approvers), or
    approved or sent back with the reason (to its submitter)."""
    found = stored.submission(connection, number)
    if found is None:
        return None
    facts = {"number": number, "subject": f"#{number}", "submitter": found["submitter"],
             "items": len(found["items"])}  # fmt: skip
    link = f"/library/submissions/{number}"
    if found["state"] == stored.PENDING:
        return Event("content-submitted", found["submitted_at"], facts, found["group"], link=link)
    facts |= {"outcome": "approved" if found["state"] == stored.APPROVED else "sent-back",
              "approver": found["decided_by"] or "", "reason": found["reason"] or ""}  # fmt: skip
    return Event("content-decided", found["decided_at"], facts, found["group"],
                 concerns=(found["submitter"],), link=link)  # fmt: skip


def review_data(connection: Connection, number: int) -> dict | None:
    """A submission with its diff against what its group was last given (at submission)."""
    found = stored.submission(connection, number)
    if found is None:
        return None
    earlier = _earlier(connection, found)
    found["diff"] = playlist.diff(earlier["items"] if earlier else [], found["items"])
    found["layout_diff"] = playlist.layout_diff(earlier and earlier["layout"], found["layout"])
    return found


def _earlier(connection: Connection, submission: dict) -> dict | None:
    """The group's approved submission before this one: what this one changes."""
    earlier = [s for s in stored.recent_submissions(connection, group=submission["group"],
                                                     state=stored.APPROVED, limit=200)
               if s["id"] < submission["id"]]  # fmt: skip
    return earlier[0] if earlier else None


def approve(connection: Connection, config: CentralConfig, number: int, approver: str,
            now: dt.datetime) -> Published:  # fmt: skip
    """Approve a pending submission and publish it; the submitter may not approve it."""
    now = _aware(now)
    found = stored.submission(connection, number)
    if found is None or found["state"] != stored.PENDING:
        raise ReviewError("not_pending", f"submission #{number} is not waiting for approval")
    if found["submitter"] == approver:
        message = f"{approver} submitted #{number}: another approver must approve it"
        raise ReviewError("two_person", message)
    items = playlist.carry_approvals(
        current_items(connection, found["group"]), found["items"], approver, format_utc(now)
    )
    layout = found["layout"] and playlist.carry_layout_approval(
        current_layout(connection, found["group"]), found["layout"], approver, format_utc(now)
    )
    # The claim comes first, so a second approver's click loses here, before anything is
    # published; it is only committed with the publish's record (see the module's note).
    if not stored.decide(connection, number, stored.APPROVED, by=approver, at=naive(now),
                         items=items, layout=layout):  # fmt: skip
        raise ReviewError("not_pending", f"submission #{number} was decided meanwhile")
    record(connection, now, approver, "content-approved", f"{found['group']} #{number}")
    result = publish_group(connection, config, found["group"], items, actor=approver, now=now,
                           submission=number, layout=layout)  # fmt: skip
    stored.decide_sequence(connection, number, result.sequence)
    return result


def send_back(connection: Connection, number: int, approver: str, reason: str,
              now: dt.datetime) -> None:  # fmt: skip
    reason = reason.strip()[:2000]
    if not reason:
        raise ReviewError("reason_needed", "say why it goes back, so the submitter can fix it")
    if not stored.decide(connection, number, stored.SENT_BACK, by=approver, at=naive(now),
                         reason=reason):  # fmt: skip
        raise ReviewError("not_pending", f"submission #{number} is not waiting for approval")
    record(connection, now, approver, "content-sent-back", f"#{number}", detail={"reason": reason})


def restore(connection: Connection, config: CentralConfig, number: int, approver: str,
            now: dt.datetime) -> tuple[int, Published]:  # fmt: skip
    """Publish an earlier approved version again, as a new submission and a new sequence;
    its items keep the approvals they were published with."""
    now = _aware(now)
    found = stored.submission(connection, number)
    if found is None or found["state"] != stored.APPROVED:
        raise ReviewError("not_approved", f"submission #{number} was never approved")
    new = stored.add_submission(connection, {
        "group": found["group"], "submitter": approver, "submitted_at": naive(now),
        "state": stored.APPROVED, "items": found["items"], "decided_by": approver,
        "decided_at": naive(now), "restored_from": number, "layout": found["layout"],
    })  # fmt: skip
    record(connection, now, approver, "content-restored", f"{found['group']} #{new}",
           detail={"from": number})  # fmt: skip
    result = publish_group(connection, config, found["group"], found["items"], actor=approver,
                           now=now, submission=new, layout=found["layout"])  # fmt: skip
    stored.decide_sequence(connection, new, result.sequence)
    return new, result


def publish_group(connection: Connection, config: CentralConfig, group: str, items: list[dict],
                  *, actor: str, now: dt.datetime, submission: int | None = None,
                  layout: dict | None = None) -> Published:  # fmt: skip
    """Write, sign and publish `items` (and the ticker and clock of `layout`) as `group`'s
    content, record it, then tell its screens; the ticker's feeds bring their approved
    headlines.

    Raises ReviewError("publish_failed", why) when the tree could not be written (a full
    disk, an unreadable key, another publisher holding the folder): the published tree is
    then as it was, and nothing is recorded.
    """
    now = _aware(now)
    out_dir = config.publish.groups.get(group)
    if out_dir is None:
        raise ReviewError("no_group", f"group {group!r} has no folder under publish.groups")
    if config.publish.key is None:
        raise ReviewError("no_key", f"{config.path}: set publish.key; the console signs with it")
    folder = library_folder(config)
    campaigns = [campaign.entry(found["body"]) for found in stored.approved_campaigns(connection)
                 if group in found["body"]["groups"]]  # fmt: skip
    if not items:
        raise ReviewError("no_playlist", f"group {group!r} has no approved playlist yet: "
                          "approve one before its campaigns can be published")  # fmt: skip
    try:
        summary = _publish_items(folder, out_dir, config.publish.key, group, items,
                                 layout=layout, campaigns=campaigns, holder=f"console ({actor})",
                                 now=now)  # fmt: skip
    except (OSError, PublishBusy) as exc:
        message = f"cannot publish {group} to {out_dir}: {exc}; nothing was published or recorded"
        raise ReviewError("publish_failed", message) from None
    record_publish(connection, group=group, sequence=summary.sequence, source=CONSOLE,
                   actor=actor, now=now, submission=submission, sha256=summary.sha256,
                   campaigns=summary.campaigns)  # fmt: skip
    log.info("console: %s published %s sequence %d", actor, group, summary.sequence)
    return Published(summary.sequence, notify(config, summary.manifest_path))


def _publish_items(folder: Path, out_dir: Path, key: Path, group: str, items: list[dict], *,
                   layout: dict | None, holder: str, now: dt.datetime,
                   campaigns: list[dict] = ()) -> PublishSummary:  # fmt: skip
    """The items (and the group's campaigns, as authoring entries) as authoring YAML in a
    work folder beside the library, published from it."""
    work = Path(tempfile.mkdtemp(prefix=f"publish-{group}-", dir=_work_root(folder)))
    try:
        (work / "media").mkdir()
        shas = {item["media"] for item in items}
        shas |= {entry["file"].removeprefix("media/") for c in campaigns for entry in c["items"]}
        for sha in shas:
            _link(media_path(folder, sha), work / "media" / sha)
        source = work / "playlist.yaml"
        data = playlist.authoring(group, items, layout)
        if campaigns:
            data["campaigns"] = list(campaigns)
        if data.get("ticker", {}).get("feeds"):  # publish reads the queue beside the YAML
            _copy_queue(folder / HEADLINES_FILE, work / HEADLINES_FILE)
        source.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
        try:
            return publish_tree(source, out_dir, key, now, holder=holder)
        except PublishError as exc:
            # Paths inside the work folder mean nothing to the user; the reasons do.
            raise ReviewError("publish_failed", str(exc).replace(str(work) + "/", "")) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def notify(config: CentralConfig, manifest_path: Path) -> str | None:
    """Announce the new manifest on the broker; the reason when that was not possible."""
    try:
        target = broker.BrokerTarget.from_config(config)
        broker.send_notice(target, broker.manifest_notice(manifest_path.read_bytes()))
    except (broker.SendError, OSError) as exc:
        log.warning("console: published, but the screens were not told at once: %s", exc)
        return str(exc)
    return None


def library_folder(config: CentralConfig) -> Path:
    """central.yaml's `console.library`, or a clear error when it is not set."""
    folder = config.console.library
    if folder is None:
        raise ReviewError("no_library", f"{config.path}: set console.library (a folder for "
                          "uploaded media, writable by the console's user)")  # fmt: skip
    return folder


def _copy_queue(queue: Path, target: Path) -> None:
    """The console's headline queue (central/content/headlines.py) beside the YAML."""
    # No queue: nothing fetched yet; the ticker shows its lines and publish warns of the feeds.
    with contextlib.suppress(FileNotFoundError):
        shutil.copyfile(queue, target)


def _work_root(folder: Path) -> Path:
    root = folder / "work"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)  # same disk: no copy of a 200 MB video
    except OSError:
        shutil.copyfile(source, target)
