"""Gapless switching: what is on screen, what comes next, what failed; driven by `now`."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from player.config.model import OperatingHours
from player.render.layout import Rect
from player.render.visuals import Visual
from player.schedule.plan import Scheduler, Slot
from player.service.board import StatusBoard
from player.wire.alert import Alert
from player.wire.proofofplay import AlertPlayRecord, PlayRecord
from player.wire.status import RenderFailure

log = logging.getLogger(__name__)

EARLY = 0.002  # a wake-up this close to a boundary counts as on time
PREPARE_AHEAD = 5.0  # seconds before a boundary to start preparing what follows
MAX_SKIPS = 50  # failed items skipped in one go before trying again at the next frame
POLL_LATE = 0.004  # how often to look again when the next item is due but not ready
POLL_PREPARING = 0.05  # how often to look while the next item prepares

MakeVisual = Callable[[Slot, Rect, float], Visual]  # (slot, zone, offset into the play)


@dataclass
class Showing:
    """A slot on screen, or being prepared to go on screen at `switch_at`."""

    slot: Slot
    visual: Visual | None
    zone: Rect
    switch_at: float
    shown_at: float | None = None
    replace: bool = False  # same play, new visual (display changed): no new play record
    failed: bool = False  # its visual failed while on screen (reported once)


@dataclass(frozen=True)
class Switched:
    """A switch advance() made: what the loop must draw from now on, and how."""

    showing: Showing
    redraw: bool  # the same play in a new visual (a display change): keep any crossfade
    crossfade: float | None  # seconds to fade from the last frame into the new one


def to_datetime(t: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(t, dt.UTC)


def same_play(a: Slot, b: Slot) -> bool:
    """Whether `b` continues the play `a` (the schedule only moved its end)."""
    if a.kind != b.kind or a.start != b.start:
        return False
    if a.kind == "item":
        return a.item is not None and b.item is not None and a.item.id == b.item.id
    if a.kind == "alert":
        # A new version of the alert (other text, level or expiry) is a new play: redrawn.
        return a.alert is not None and a.alert == b.alert
    return a.kind == "off" or a.reason == b.reason


class Switcher:
    """Owns what is on screen (`showing`), what is prepared next (`pending`) and what failed.

    Invariants: `showing` stays on screen until `pending` is ready *and* due; a pending
    item that fails is replaced before its boundary where possible; a failure is logged
    once per (item, media) and listed in the status board. Every call takes `now`; visuals
    are opaque here (ready, error, finish, start), so the tests need no display and no clock.
    """

    def __init__(
        self,
        make: MakeVisual,
        zone_for: Callable[[str], Rect],
        status: StatusBoard,
        *,
        on_play: Callable[[PlayRecord], None] = lambda r: None,
        on_alert: Callable[[AlertPlayRecord], None] = lambda r: None,
        scheduler: Scheduler | None = None,
    ) -> None:
        self.make = make
        self.zone_for = zone_for
        self.status = status
        self.on_play = on_play
        self.on_alert = on_alert
        self.scheduler = scheduler or Scheduler(None, dt.UTC)
        self.alerts: tuple[Alert, ...] = ()
        self.hours: OperatingHours | None = None
        self.aligned = False
        # (start, end) windows in which ads are held back, around each adhan; set by the loop
        self.quiet: Callable[[dt.datetime], Sequence[tuple[dt.datetime, dt.datetime]]] = (
            lambda now: ()
        )
        self.power = True
        self.showing: Showing | None = None
        self.pending: Showing | None = None
        self.failures: dict[str, str] = {}  # item id -> why it cannot play (this manifest)
        self._logged: set[tuple[str, str | None]] = set()
        self.retired: list[Visual] = []  # to close once the next frame is presented
        self.dropped_frames = 0  # video frames never shown, from videos already taken off

    # -- what plays ---------------------------------------------------------------------

    def plan(self, at: float, previous: Slot | None) -> Slot:
        now = to_datetime(at)
        return self.scheduler.plan(
            now,
            quiet=self.quiet(now),
            alerts=self.alerts,
            hours=self.hours,
            aligned=self.aligned,
            previous=previous,
            skip=frozenset(self.failures),
        )

    def replan(self, now: float, why: str) -> None:
        """Re-ask the schedule about this instant; switch as soon as the answer is ready."""
        if not self.power:
            return
        cur = self.showing
        slot = self.plan(now, cur.slot if cur else None)
        self.drop_pending()
        if cur is not None and same_play(cur.slot, slot):
            cur.slot = slot
            return
        log.info("%s: switching to %s (%s)", why, slot.kind, slot.reason)
        self._start_pending(slot, now)

    def redo_current(self, now: float) -> None:
        """Prepare the play on screen again (new zone or display); it goes on where it is."""
        if self.showing is not None:
            self.drop_pending()
            self._start_pending(self.showing.slot, now, replace=True)

    def drop_pending(self) -> None:
        if self.pending is not None:
            self._retire(self.pending)
            self.pending = None

    def plan_next(self, now: float) -> None:
        """Start preparing what follows the play on screen, PREPARE_AHEAD before its end."""
        cur = self.showing
        if cur is None or not self.power:
            return
        end = cur.slot.end.timestamp()
        if now < end - PREPARE_AHEAD:
            return  # not yet: a decoded picture or open video held for an hour costs memory
        slot = self.plan(end, cur.slot)
        if same_play(cur.slot, slot):
            self.pending = Showing(slot, None, cur.zone, end)  # the same play, extended
        else:
            self._start_pending(slot, end)

    def advance(self, now: float) -> Switched | None:
        """Prepare what comes next; switch to it when due and ready; skip what fails."""
        if self.showing is None and self.pending is None:
            self.replan(now, "starting")
        cur = self.showing
        if cur is not None and cur.visual is not None and cur.visual.error and not cur.failed:
            cur.failed = True  # the last good frame stays until the replacement is ready
            self.fail(cur.slot, cur.visual.error)
            self.replan(now, "item failed while playing")
        for _ in range(MAX_SKIPS):
            if self.pending is None:
                self.plan_next(now)
            p = self.pending
            if p is None:
                return None
            if p.visual is not None and p.visual.ready():
                if p.visual.error:
                    # Found out ahead of time: the replacement is prepared before the boundary.
                    self.fail(p.slot, p.visual.error)
                    self.drop_pending()
                    previous = cur.slot if cur is not None else None
                    self._start_pending(self.plan(p.switch_at, previous), p.switch_at)
                    continue
                p.visual.finish()  # e.g. the image becomes a display surface before its turn
            if now < p.switch_at - EARLY:
                return None
            if p.visual is None:
                cur.slot = p.slot  # the same play goes on
                self.pending = None
                continue
            if not p.visual.ready():
                return None  # late: the last frame stays until the next one is ready
            return self._switch(p, now)
        log.warning("more than %d items failed in a row; going on at the next frame", MAX_SKIPS)
        return None

    def wake_at(self, now: float) -> float | None:
        """When advance() or plan_next() next has work to do; None: not before a message."""
        cur, p = self.showing, self.pending
        if p is None:
            if cur is None or not self.power:
                return None
            return max(now, cur.slot.end.timestamp() - PREPARE_AHEAD)
        if p.visual is None or p.visual.ready():
            return p.switch_at
        if now >= p.switch_at - POLL_PREPARING:
            return now + POLL_LATE  # due and late: the first moment it is ready counts
        return now + POLL_PREPARING

    def fail(self, slot: Slot, error: str) -> None:
        """`slot` cannot be shown: skip its item in this manifest, say why once."""
        item = slot.item
        if item is None:
            log.error("cannot show %s: %s", slot.kind, error)
            return
        self._skip([item], error)

    # -- what changed around it ---------------------------------------------------------

    def new_manifest(self, scheduler: Scheduler, now: float) -> None:
        """A manifest became active: the item on screen goes at once only if withdrawn."""
        self.scheduler = scheduler
        if self.failures:  # status must not list what the previous manifest could not play
            self.failures.clear()
            self._report_failures()
        self.drop_pending()
        cur = self.showing
        if cur is None or cur.slot.kind != "item":
            self.replan(now, "new manifest")
            return
        item = cur.slot.item
        kept = {i.id: i for i in self._items()}.get(item.id)
        if kept is None or kept.media != item.media:
            log.info("item '%s' was withdrawn: switching now", item.id)
            self.replan(now, "item withdrawn")
        elif self.zone_for("item") != cur.zone:
            # The layout changed the main zone's size: redraw the same play in the new one.
            self.redo_current(now)

    def media_damaged(self, sha: str, reason: str, now: float) -> None:
        """A file found damaged after it was prepared or shown: off the screen at once."""
        users = [i for i in self._items() if i.media == sha]
        if users:
            self._skip(users, reason)

        def uses(showing: Showing | None) -> bool:
            item = showing.slot.item if showing is not None else None
            return item is not None and item.media == sha

        if uses(self.pending):
            self.drop_pending()
        if uses(self.showing):
            self.replan(now, "media damaged")

    def media_restored(self, shas: Iterable[str], now: float) -> None:
        """Skipped items whose media came back play again, from their next turn on."""
        shas = set(shas)
        back = [i for i in self._items() if i.media in shas]
        if not any(i.id in self.failures for i in back):
            return
        for item in back:
            self.failures.pop(item.id, None)
            self._logged.discard((item.id, item.media))
        log.info("playing %s again", ", ".join(sorted({i.id for i in back})))
        self._report_failures()
        cur = self.showing
        if cur is None or cur.slot.kind == "idle":
            self.replan(now, "media downloaded again")  # the splash gives way at once

    def set_alerts(self, alerts: Sequence[Alert], now: float) -> None:
        self.alerts = tuple(alerts)
        self.replan(now, "alerts changed")

    def set_power(self, on: bool, now: float) -> None:
        """The display-off command shows black until display-on; the schedule then resumes."""
        if on == self.power:
            return
        self.power = on
        log.info("display power %s", "on" if on else "off")
        if on:
            self.replan(now, "display on")
            return
        off = Slot("off", to_datetime(now), to_datetime(now + 86400), reason="display turned off")
        self.drop_pending()
        self._start_pending(off, now)

    def close(self, now: float) -> None:
        """The loop stops: the play on screen is recorded as cut short."""
        if self.showing is not None:
            self._record(self.showing, now, completed=False)
            self._retire(self.showing)
        if self.pending is not None:
            self._retire(self.pending)
        self.showing = self.pending = None

    def take_retired(self) -> list[Visual]:
        retired, self.retired = self.retired, []
        return retired

    # -- inside -------------------------------------------------------------------------

    def _items(self):
        manifest = self.scheduler.manifest
        return manifest.items() if manifest is not None else ()

    def _skip(self, items, error: str) -> None:
        for item in items:
            self.failures[item.id] = error
            key = (item.id, item.media)
            if key not in self._logged:
                self._logged.add(key)
                log.error("skipping item '%s': %s", item.id, error)
        self._report_failures()

    def _report_failures(self) -> None:
        failures: list[RenderFailure] = [
            {"item": k, "error": v} for k, v in sorted(self.failures.items())
        ]
        self.status.update("render", failures=failures)

    def _start_pending(self, slot: Slot, switch_at: float, *, replace: bool = False) -> None:
        zone = self.zone_for(slot.kind)
        offset = 0.0
        if replace and self.showing is not None and self.showing.shown_at is not None:
            offset = max(0.0, switch_at - self.showing.shown_at)
        elif slot.kind == "item":
            lag = switch_at - slot.start.timestamp()
            offset = lag if lag > 0.25 else 0.0  # aligned screens join a video in progress
        visual = self.make(slot, zone, offset)
        self.pending = Showing(slot, visual, zone, switch_at, replace=replace)

    def _switch(self, p: Showing, now: float) -> Switched:
        old = self.showing
        p.visual.finish()
        crossfade = None
        if p.replace and old is not None:
            p.shown_at = old.shown_at
            self._retire(old)
        else:
            if old is not None:
                self._record(old, now, completed=now >= old.slot.end.timestamp() - EARLY)
            item = p.slot.item if p.slot.kind == "item" else None
            if (
                item is not None
                and item.transition.kind == "crossfade"
                and item.transition.ms > 0
                and old is not None
                and old.zone == p.zone
                and old.shown_at is not None
            ):
                crossfade = item.transition.ms / 1000
            if old is not None:
                self._retire(old)
            p.shown_at = None
        self.showing = p
        self.pending = None
        p.visual.start(now)
        self._report_showing(p, now)
        return Switched(p, redraw=p.replace and old is not None, crossfade=crossfade)

    def _record(self, showing: Showing, now: float, *, completed: bool) -> None:
        slot = showing.slot
        if slot.kind == "alert":
            self._record_alert(showing, now, completed=completed)
            return
        if slot.kind != "item" or slot.item is None or showing.shown_at is None:
            return
        record = PlayRecord(
            item_id=slot.item.id,
            media=slot.item.media,
            started_at=to_datetime(showing.shown_at),
            ended_at=to_datetime(now),
            completed=completed,
            playlist=slot.playlist,
        )
        try:
            self.on_play(record)
        except Exception:  # proof of play must never stop the screen
            log.exception("recording the play of '%s' failed", slot.item.id)

    def _record_alert(self, showing: Showing, now: float, *, completed: bool) -> None:
        """An alert version leaves the screen (replaced, cancelled, expired, display off)."""
        alert = showing.slot.alert
        if alert is None or showing.shown_at is None:
            return
        pages = showing.visual.pages_shown(now) if showing.visual is not None else None
        record = AlertPlayRecord(
            alert_id=alert.id,
            issued_at=alert.issued_at,
            level=alert.level,
            headline=alert.headline or alert.text,
            started_at=to_datetime(showing.shown_at),
            ended_at=to_datetime(now),
            pages=pages[0] if pages else 1,
            pages_shown=pages[1] if pages else 1,
            completed=completed,
        )
        try:
            self.on_alert(record)
        except Exception:  # proof of play must never stop the screen
            log.exception("recording the alert '%s' on screen failed", alert.id)

    def _retire(self, showing: Showing) -> None:
        """Close after the next frame is presented, so closing never delays a switch."""
        if showing.visual is not None:
            if showing is self.showing:
                self.dropped_frames += getattr(showing.visual, "dropped", 0)
            self.retired.append(showing.visual)

    def _report_showing(self, p: Showing, now: float) -> None:
        slot = p.slot
        item = slot.item
        screen = "on" if slot.kind in ("item", "alert", "idle") else "black"
        fields = {
            "kind": slot.kind,
            "item": item.id if item else None,
            "type": item.type if item else None,
            "playlist": slot.playlist,
            "reason": slot.reason,
            "screen": screen if self.power else "off",
            "splash": slot.reason if slot.kind == "idle" else None,
            "alert": slot.alert.id if slot.alert else None,
            # When a black screen comes back on: the technician's first question.
            "until": slot.end.isoformat() if slot.kind == "off" and self.power else None,
            "alert_level": slot.alert.level if slot.alert else None,
            "alert_issued_at": (
                slot.alert.issued_at.isoformat() if slot.alert and slot.alert.issued_at else None
            ),
        }
        if not p.replace:
            fields["since"] = to_datetime(now).isoformat()  # a redraw goes on from the same start
        self.status.update("render", **fields)
