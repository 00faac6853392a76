"""The authoring data turned into a manifest: items, playlists, campaigns, layout, brightness."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from central import mediaprofile
from central.publish.approvals import read_approval, sign_approvals
from central.publish.authoring import Authoring, brightness_times, fix_times, plain, unknown
from central.publish.media import MediaCheck
from central.publish.ticker import TickerFeeds
from player.schedule import campaigns as campaign_plan
from player.schedule.wallclock import WallClock
from player.wire.manifest import Manifest

STYLE_KEYS = ("color", "background", "font_size", "format", "align")
ITEM_KEYS = (
    "id", "type", "file", "duration", "transition", "fit", "schedule", "text", "style", "approval"
)  # fmt: skip
PLAYLIST_KEYS = ("name", "priority", "default", "schedule", "items")
TOP_KEYS = (
    "group", "target", "defaults", "playlists", "campaigns", "ticker", "clock", "layout",
    "brightness", "version",
)  # fmt: skip
CAMPAIGN_KEYS = (
    "id", "partner", "items", "goal", "schedule", "groups", "screens", "back_to_back"
)  # fmt: skip


class Builder:
    """Turns the authoring data into a manifest dict, probing and hashing every file."""

    def __init__(self, doc: Authoring, now: dt.datetime) -> None:
        self.doc = doc
        self.now = now
        self.approvals: list[tuple[dict, str, dt.datetime]] = []  # item, approver, when
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.ids: dict[str, str] = {}  # item id -> where it was first given
        self.media = MediaCheck(doc, self.problems, self.warnings)
        self.ticker = TickerFeeds(doc, now, self.problems, self.warnings)

    def build(self) -> dict:
        data = plain(self.doc.data)
        self.problems.extend(unknown(self.doc, data, TOP_KEYS, ""))
        self.media.set_target(data.get("target", mediaprofile.DEFAULT_TARGET))
        layout = data.get("layout") or {}
        for key in ("ticker", "clock"):
            if key in data and isinstance(layout, dict):
                if key in layout:
                    self.problems.append(self.doc.at(key, "given both here and under layout"))
                layout = {**layout, key: data[key]}
        playlists = data.get("playlists")
        if isinstance(playlists, list):
            playlists = [self._playlist(raw, f"playlists[{i}]") for i, raw in enumerate(playlists)]
        manifest = {"version": 1, "group": data.get("group"), "playlists": playlists}
        if isinstance(data.get("campaigns"), list):
            manifest["campaigns"] = [
                self._campaign(raw, f"campaigns[{i}]") for i, raw in enumerate(data["campaigns"])
            ]
        elif data.get("campaigns") is not None:
            manifest["campaigns"] = data["campaigns"]  # the parser names what is wrong with it
        manifest["media"] = self.media.media
        if data.get("defaults") is not None:
            manifest["defaults"] = data["defaults"]
        sign_approvals(self.approvals, data.get("defaults"))
        if layout:
            manifest["layout"] = self.ticker.with_feeds(self.ticker.with_approval(layout))
        if data.get("brightness") is not None:
            manifest["brightness"] = brightness_times(data["brightness"])
        return manifest

    def _playlist(self, raw: object, path: str) -> object:
        if not isinstance(raw, dict):
            return raw
        self.problems.extend(unknown(self.doc, raw, PLAYLIST_KEYS, path))
        playlist = dict(raw)
        if "schedule" in raw:
            playlist["schedule"] = fix_times(raw["schedule"])
        if isinstance(raw.get("items"), list):
            playlist["items"] = [
                self._item(item, f"{path}.items[{i}]") for i, item in enumerate(raw["items"])
            ]
        return playlist

    def _campaign(self, raw: object, path: str) -> object:
        if not isinstance(raw, dict):
            return raw
        self.problems.extend(unknown(self.doc, raw, CAMPAIGN_KEYS, path))
        campaign = dict(raw)
        if "schedule" in raw:
            campaign["schedule"] = fix_times(raw["schedule"])
        if isinstance(raw.get("items"), list):
            campaign["items"] = [
                self._item(item, f"{path}.items[{i}]") for i, item in enumerate(raw["items"])
            ]
        return campaign

    def _item(self, raw: object, path: str) -> object:
        if not isinstance(raw, dict):
            return raw
        item_id = raw.get("id")
        if isinstance(item_id, str):
            first = self.ids.setdefault(item_id, path)
            if first != path:
                self.problems.append(
                    self.doc.at(
                        f"{path}.id",
                        f"duplicate item id {item_id!r} (first given at line "
                        f"{self.doc.line_of(first)}); ids must be unique in the manifest",
                    )
                )
        self.problems.extend(unknown(self.doc, raw, ITEM_KEYS + STYLE_KEYS, path))
        item = {key: value for key, value in raw.items() if key not in (*STYLE_KEYS, "file")}
        style = {key: raw[key] for key in STYLE_KEYS if key in raw}
        if style:
            own = raw.get("style")
            item["style"] = {**style, **own} if isinstance(own, dict) else style
        if "schedule" in raw:
            item["schedule"] = fix_times(raw["schedule"])
        if "approval" in raw:
            approval = read_approval(
                self.doc, raw["approval"], f"{path}.approval", self.now, self.problems
            )
            del item["approval"]  # written with its content_hash once the item is complete
            if approval is not None:
                self.approvals.append((item, *approval))
        if "file" in raw and raw.get("type") not in (None, "image", "video"):
            self.problems.append(
                self.doc.at(f"{path}.file", "only image and video items take file:")
            )
        elif "file" in raw:
            item["media"] = self.media.add(raw["file"], raw.get("type"), f"{path}.file", item)
        elif raw.get("type") in ("image", "video"):
            self.problems.append(self.doc.at(path, f"a {raw['type']} item needs file:"))
            item["media"] = self.media.placeholder(raw["type"])
        return item


def plan_problems(manifest: Manifest, now: dt.datetime) -> list[campaign_plan.PlanProblem]:
    """Campaign goals the screens cannot meet: the one check before a publish, also asked
    by the console's campaign editor and its approval (central/content/campaign.py).

    Windows are the screens' wall-clock times; a zone without daylight saving (all of
    Indonesia's) gives the same stretches in every zone, so UTC stands in for theirs.
    """
    clock = WallClock(ZoneInfo("UTC"))
    return campaign_plan.check(manifest, clock, clock.local_date(now))


def impossible_campaigns(doc: Authoring, manifest: Manifest, now: dt.datetime) -> list[str]:
    """`plan_problems` said at the goal's file:line, found before anything is published."""
    where = {campaign.id: i for i, campaign in enumerate(manifest.campaigns)}
    return [
        doc.at(f"campaigns[{where[problem.campaigns[0]]}].goal", problem.message)
        for problem in plan_problems(manifest, now)
    ]
