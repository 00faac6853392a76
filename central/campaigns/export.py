"""A campaign's plays as DOOH buyers take them (CSV, JSON), and the fingerprint of those records.

One row per play, in the shape out-of-home buyers reconcile (DV360's `adPlays`: start,
end, screen, creative, and how long), with the screen's venue type from the OpenOOH venue
taxonomy (central.yaml `campaigns.venue_type`, per group `campaigns.venue_types`).
The fingerprint is the sha256 of the same records in one canonical order: printed on the
partner's PDF, recomputed from the database to show the report was not altered.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping

from central.campaigns.venues import VENUE_TYPES
from central.db import csvfile
from player.wire.isotime import format_utc

EXPORT_COLUMNS = (
    "play_id",
    "campaign",
    "partner",
    "screen",
    "group",
    "venue_type",
    "venue_type_name",
    "creative",
    "media",
    "start",
    "end",
    "duration",
    "completed",
)
FINGERPRINT_VERSION = "videotron-campaign-plays/1"


def _utc(moment: dt.datetime) -> str:
    return format_utc(moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment)


def export_rows(
    campaign: str,
    partner: str,
    plays: Iterable[Mapping],
    *,
    groups: Mapping[str, str],
    venue_types: Mapping[str, int],
    default_venue: int,
) -> list[dict]:
    """Rows (`EXPORT_COLUMNS`) of `central.db.campaigns.campaign_plays`; `groups`: player →
    group; `venue_types`: group → OpenOOH id, else `default_venue`."""
    out = []
    for play in plays:
        group = groups.get(play["player"], "")
        venue = venue_types.get(group, default_venue)
        out.append(
            {
                "play_id": f"{play['player']}:{play['store']}:{play['record_id']}",
                "campaign": campaign,
                "partner": partner,
                "screen": play["player"],
                "group": group,
                "venue_type": venue,
                "venue_type_name": VENUE_TYPES.get(venue, ""),
                "creative": play["item_id"],
                "media": play["media"],
                "start": _utc(play["started_at"]),
                "end": _utc(play["ended_at"]),
                "duration": round(float(play["duration"]), 3),
                "completed": bool(play["completed"]),
            }
        )
    return out


def export_csv(rows: Iterable[Mapping], form: csvfile.CsvForm = csvfile.PLAIN) -> bytes:
    """The export as CSV through the office's one CSV writer, durations to the millisecond."""
    return csvfile.csv_bytes(
        EXPORT_COLUMNS,
        (
            [csvfile.number(row[c], 3, form) if c == "duration" else row[c] for c in EXPORT_COLUMNS]
            for row in rows
        ),
        form,
    )


def export_json(campaign: str, first: dt.date, last: dt.date, rows: list[Mapping]) -> bytes:
    """The export as one JSON document: the campaign, the period and `plays`."""
    document = {
        "campaign": campaign,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "venue_taxonomy": "OpenOOH venue taxonomy 1.1",
        "plays": list(rows),
    }
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def fingerprint(
    campaign: str, first: dt.date, last: dt.date, zone: str, plays: Iterable[Mapping]
) -> str:
    """The sha256 (hex) of a campaign's plays in a period: one JSON line per play, in the
    order `campaign_plays` returns them, after a line naming the campaign and period."""
    digest = hashlib.sha256()
    head = [FINGERPRINT_VERSION, campaign, first.isoformat(), last.isoformat(), zone]
    digest.update(json.dumps(head).encode() + b"\n")
    for play in plays:
        line = [
            play["player"],
            play["store"],
            int(play["record_id"]),
            play["item_id"],
            play["media"],
            _utc(play["started_at"]),
            _utc(play["ended_at"]),
            f"{float(play['duration']):.3f}",
            bool(play["completed"]),
        ]
        digest.update(json.dumps(line, ensure_ascii=False).encode("utf-8") + b"\n")
    return digest.hexdigest()
