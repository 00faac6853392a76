"""One campaign over a period, gathered once for the CLI, the console, the export and the PDF."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from central import publishes
from central.campaigns import delivery, export
from central.config import CentralConfig
from central.db import campaigns as stored
from central.db.publishlog import first_published
from central.db.queries import day_bounds
from player.wire.manifest import Campaign, Manifest

# The delivery table's columns (`videotron report campaign`, the console's CSV of it).
DELIVERY_COLUMNS = (
    "day",
    "screen",
    "group",
    "planned",
    "delivered",
    "seconds",
    "short",
    "cause",
    "offline_s",
    "display_off_s",
    "alert_s",
    "cut_short",
    "published",
)


class UnknownCampaign(LookupError):
    """No group's latest publish holds a campaign of that id."""


@dataclass(frozen=True)
class CampaignReport:
    """A campaign's delivery, plays and fingerprint over first..last in one time zone."""

    campaign: Campaign
    first: dt.date
    last: dt.date
    zone: str
    screens: tuple[delivery.Target, ...]
    days: tuple[delivery.ScreenDay, ...]
    plays: tuple[Mapping, ...]  # central.db.campaigns.campaign_plays rows, canonical order
    fingerprint: str
    made_at: dt.datetime  # aware UTC

    def utc_span(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as naive UTC [start, end): first's local midnight to the one after last."""
        bounds = day_bounds(self.first, self.last, ZoneInfo(self.zone))
        return bounds[0][1], bounds[-1][1]

    def delivery_rows(self) -> list[dict]:
        """`days` as rows of `DELIVERY_COLUMNS`."""
        return [
            {
                "day": d.day.isoformat(),
                "screen": d.player,
                "group": d.group,
                "planned": d.planned,
                "delivered": d.delivered,
                "seconds": d.seconds,
                "short": "yes" if d.short else "",
                "cause": d.cause or ("unknown" if d.short else ""),
                "offline_s": d.lost.get("offline", 0.0),
                "display_off_s": d.lost.get("display off", 0.0),
                "alert_s": d.lost.get("alert", 0.0),
                "cut_short": d.cut_short,
                "published": "yes" if d.published else "not yet",
            }
            for d in self.days
        ]

    def export_rows(self, config: CentralConfig) -> list[dict]:
        """The plays as DOOH buyers take them (`export.EXPORT_COLUMNS`)."""
        groups = {target.player: target.group for target in self.screens}
        settings = config.campaigns
        return export.export_rows(
            self.campaign.id,
            self.campaign.partner,
            self.plays,
            groups=groups,
            venue_types=settings.venue_types,
            default_venue=settings.venue_type,
        )


def manifests(config: CentralConfig) -> dict[str, Manifest]:
    """Each group's latest good publish (signature checked as a screen checks it)."""
    found, _problem = publishes.publishes(config)
    return {p["group"]: p["manifest"] for p in found if p["ok"] and p["manifest"] is not None}


def all_campaigns(config: CentralConfig) -> list[Campaign]:
    """Every campaign in the groups' latest publishes, once per id, by id."""
    seen: dict[str, Campaign] = {}
    for _group, manifest in sorted(manifests(config).items()):
        for campaign in manifest.campaigns:
            seen.setdefault(campaign.id, campaign)
    return [seen[k] for k in sorted(seen)]


def campaign_report(
    connection: Connection,
    config: CentralConfig,
    campaign_id: str,
    first: dt.date,
    last: dt.date,
    *,
    tz: ZoneInfo,
    now: dt.datetime,
) -> CampaignReport:
    """Gather a campaign's period; `now` aware. Raises UnknownCampaign, or ValueError for a
    bad range (messages fit to show)."""
    bounds = day_bounds(first, last, tz)
    by_group = manifests(config)
    campaign = delivery.find(by_group, campaign_id)
    if campaign is None:
        known = ", ".join(sorted({c.id for m in by_group.values() for c in m.campaigns}))
        raise UnknownCampaign(
            f"no campaign {campaign_id!r} in the groups' latest publishes "
            f"(known: {known or 'none'}); publish it first"
        )
    screens = delivery.targets(
        by_group, campaign_id, stored.screens_in_groups(connection, sorted(by_group))
    )
    players = [t.player for t in screens]
    item_ids = {
        item.id
        for t in screens
        for c in t.manifest.campaigns
        if c.id == campaign_id
        for item in c.items
    } or {item.id for item in campaign.items}
    start, end = bounds[0][1], bounds[-1][1]
    plays = stored.campaign_plays(connection, item_ids, players, start, end)
    naive_now = now.astimezone(dt.UTC).replace(tzinfo=None)
    lost = stored.lost_spans(connection, players, start, end, naive_now)
    since = first_published(connection, campaign_id)
    days = delivery.delivery(
        campaign_id, screens, plays, lost, tz=tz, first=first, last=last, now=now,
        published=since.replace(tzinfo=dt.UTC) if since is not None else None,
    )  # fmt: skip
    digest = export.fingerprint(campaign_id, first, last, tz.key, plays)
    return CampaignReport(
        campaign,
        first,
        last,
        tz.key,
        tuple(screens),
        tuple(days),
        tuple(plays),
        digest,
        now.astimezone(dt.UTC),
    )
