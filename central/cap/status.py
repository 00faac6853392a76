"""The CAP watcher's status file and `videotron cap-watch --status`: sources, screens, verdicts."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from central.cap.state import CapState
from player.wire.atomicfile import atomic_write
from player.wire.isotime import format_utc, parse_utc

if TYPE_CHECKING:
    from central.cap.mapping import Plan
    from central.cap.parse import CapMessage

log = logging.getLogger(__name__)

RECENT = 30  # verdicts kept in the status file


@dataclass(frozen=True)
class Decision:
    """The verdict on one CAP file: what the log, the status and the audit table say."""

    at: str
    verdict: str  # accepted | cancelled | refused | ignored | unmatched
    where: str
    reason: str
    identifier: str | None = None
    sender: str | None = None
    status: str | None = None
    alert_id: str | None = None
    groups: tuple[str, ...] = ()

    @classmethod
    def refusal(cls, where: str, reason: str) -> Decision:
        now = dt.datetime.now(dt.UTC)  # only for the record; the judgement did not need it
        return cls(format_utc(now), "refused", where, reason)

    @classmethod
    def of(cls, where: str, message: CapMessage, outcome: Plan, now: dt.datetime) -> Decision:
        return cls(
            format_utc(now),
            outcome.verdict,
            where,
            outcome.reason,
            message.identifier,
            message.sender,
            message.status,
            outcome.alert_id,
            outcome.groups,
        )

    def line(self) -> str:
        what = f"CAP {self.identifier} ({self.status})" if self.identifier else "CAP file"
        return f"{what} from {self.where}: {self.verdict}: {self.reason}"

    def to_json(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


class CapStatusFile:
    """The status file `videotron cap-watch --status` reads: recent verdicts kept, written whole."""

    def __init__(self, path: Path, poll_interval: int) -> None:
        self.path = path
        self.poll_interval = poll_interval
        self.recent: deque[Decision] = deque(maxlen=RECENT)

    def note(self, decision: Decision) -> None:
        self.recent.append(decision)

    def write(self, progress: dict, state: CapState) -> None:
        data = {
            "pid": os.getpid(),
            "updated_at": format_utc(dt.datetime.now(dt.UTC)),
            "poll_interval": self.poll_interval,
            "sources": [
                {
                    "source": name,
                    "state": "failing" if p.failures else "ok",
                    "failures": p.failures,
                    "last_poll": p.last_poll,
                    "last_ok": p.last_ok,
                    "last_error": p.last_error,
                    "files_failing": [
                        {
                            "file": file,
                            "failures": f.failures,
                            "since": f.since,
                            "last_error": f.last_error,
                        }
                        for file, f in p.failing.items()
                    ],
                }
                for name, p in progress.items()
            ],
            "on_screens": [
                {
                    "alert_id": s.alert_id,
                    "identifier": s.identifier,
                    "headline": s.headline,
                    "level": s.level,
                    "status": s.status,
                    "groups": list(s.groups),
                    "expires_at": format_utc(s.expires_at),
                }
                for s in state.shown.values()
            ],
            "recent": [d.to_json() for d in self.recent],
        }
        try:
            # Readable by the operator's `videotron cap-watch --status`; it holds no secret.
            text = json.dumps(data, ensure_ascii=False, indent=1).encode()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self.path, text, durable=True, mode=0o644)
        except OSError as exc:
            log.error("cannot write CAP status %s: %s", self.path, exc)


def local_text(value: object, zone: dt.tzinfo) -> str:
    """A stored UTC time on the office's clock with the zone's name; "never" for none."""
    if not value:
        return "never"
    try:
        return parse_utc(value).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z")
    except ValueError:
        return str(value)


def render_status(data: dict, zone: dt.tzinfo) -> str:
    """The status file as the operator reads it, times on the office's clock (`zone`)."""
    lines = [f"CAP watcher (pid {data.get('pid')}), updated "
             f"{local_text(data.get('updated_at'), zone)}, "
             f"polling every {data.get('poll_interval')} s"]  # fmt: skip
    lines.append("sources:")
    for source in data.get("sources", []):
        last_ok = local_text(source["last_ok"], zone)
        lines.append(f"  {source['state']:<8} {source['source']}  last ok {last_ok}")
        if source.get("last_error"):
            lines.append(f"           {source['last_error']}")
        for file in source.get("files_failing", []):
            lines.append(
                f"           file failing: {file['file']} "
                f"({file['failures']} tries since {local_text(file['since'], zone)})"
            )
            lines.append(f"             {file['last_error']}")
    shown = data.get("on_screens", [])
    lines.append(f"warnings on screens: {len(shown) or 'none'}")
    for s in shown:
        lines.append(
            f"  {s['level']:<9} {s['headline']}  [{', '.join(s['groups'])}] until "
            f"{local_text(s['expires_at'], zone)} ({s['status']}, {s['identifier']})"
        )
    lines.append("recent CAP files:")
    for d in data.get("recent", [])[-10:]:
        what = d.get("identifier") or d["where"]
        lines.append(f"  {local_text(d['at'], zone)}  {d['verdict']:<9} {what}: {d['reason']}")
    return "\n".join(lines)
