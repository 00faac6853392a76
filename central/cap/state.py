"""What the CAP watcher has sent: warnings on screens now and every CAP message handled.

Kept on disk (written atomically) so that a restart neither sends a warning again nor
forgets which alert id an Update or a Cancel refers to.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from player.wire.atomicfile import atomic_write
from player.wire.isotime import format_utc, parse_utc

log = logging.getLogger(__name__)

MAX_KNOWN = 5000  # CAP messages remembered (oldest forgotten first)
MAX_STATE_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Shown:
    """One CAP warning on the screens of `groups` under alert id `alert_id`."""

    alert_id: str
    identifier: str
    headline: str
    level: str
    status: str
    groups: tuple[str, ...]
    expires_at: dt.datetime
    text: str


@dataclass(frozen=True)
class CapState:
    shown: Mapping[str, Shown] = field(default_factory=dict)
    known: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (sender, id) -> alert

    def knowing(self, key: tuple[str, str], alert_id: str) -> CapState:
        known = {**self.known, key: alert_id}
        while len(known) > MAX_KNOWN:
            known.pop(next(iter(known)))
        return dataclasses.replace(self, known=known)

    def without(self, alert_id: str) -> CapState:
        return dataclasses.replace(
            self, shown={k: v for k, v in self.shown.items() if k != alert_id}
        )

    def expired(self, now: dt.datetime) -> CapState:
        """Without the warnings whose time is up (the screens drop them by themselves)."""
        live = {k: v for k, v in self.shown.items() if v.expires_at > now}
        return self if len(live) == len(self.shown) else dataclasses.replace(self, shown=live)

    def to_json(self) -> dict:
        return {
            "shown": [
                {**dataclasses.asdict(s), "expires_at": format_utc(s.expires_at)}
                for s in self.shown.values()
            ],
            "known": [[sender, identifier, a] for (sender, identifier), a in self.known.items()],
        }

    @classmethod
    def from_json(cls, data: dict) -> CapState:
        shown = {}
        for saved in data.get("shown", []):
            item = {**saved, "expires_at": parse_utc(saved["expires_at"], "expires_at")}
            item["groups"] = tuple(item["groups"])
            shown[item["alert_id"]] = Shown(**item)
        known = {(s, i): a for s, i, a in data.get("known", [])}
        return cls(shown, known)


def load_state(path: Path) -> CapState:
    """The saved state, or an empty one (logged) when there is none or it cannot be read."""
    try:
        if path.stat().st_size > MAX_STATE_BYTES:
            raise ValueError(f"over {MAX_STATE_BYTES} bytes")
        return CapState.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return CapState()
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("CAP state %s unreadable (%s): starting afresh", path, exc)
        return CapState()


def save_state(path: Path, state: CapState) -> None:
    """Write the state so that a crash leaves the old or the new file, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(state.to_json(), ensure_ascii=False).encode("utf-8")
    atomic_write(path, data, durable=True, mode=0o600)
