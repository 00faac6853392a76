"""Gapless switching: what is on screen, what comes next, when to switch and what to skip."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from player.events import PlayRecord
from player.render.layout import Rect
from player.render.scene import Fade
from player.render.visuals import Visual
from player.schedule.plan import Slot

log = logging.getLogger(__name__)

UTC = dt.UTC
EARLY = 0.002  # a wake-up this close to a boundary counts as on time
PREPARE_AHEAD = 5.0  # seconds before a boundary to start preparing what follows
MAX_SKIPS = 50  # failed items skipped in one go before trying again at the next frame


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


def to_datetime(t: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(t, UTC)


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


class Playback:
    """The switching half of RenderLoop (a mixin: RenderLoop owns the state it uses).

    Invariants: `showing` stays on screen until `pending` is ready *and* due; a pending
    item that fails is replaced before its boundary where possible; a failure is logged
    once per (item, media) and listed in the status board.
    """

    def _plan(self, at: float, previous: Slot | None) -> Slot:
        return self.scheduler.plan(
            to_datetime(at),
            alerts=self.alerts,
            hours=self.config.operating_hours,
            aligned=self.config.schedule.aligned,
            previous=previous,
            skip=frozenset(self.failures),
        )

    def _replan_now(self, now: float, why: str) -> None:
        """Re-ask the schedule about this instant; switch as soon as the answer is ready."""
        if not self.power:
            return
        cur = self.showing
        slot = self._plan(now, cur.slot if cur else None)
        self._drop_pending()
        if cur is not None and same_play(cur.slot, slot):
            cur.slot = slot
            return
        log.info("%s: switching to %s (%s)", why, slot.kind, slot.reason)
        self._start_pending(slot, now)

    def _start_pending(self, slot: Slot, switch_at: float, *, replace: bool = False) -> None:
        zone = self.scene.zone_for(slot.kind)
        offset = 0.0
        if replace and self.showing is not None and self.showing.shown_at is not None:
            offset = max(0.0, switch_at - self.showing.shown_at)
        elif slot.kind == "item":
            lag = switch_at - slot.start.timestamp()
            offset = lag if lag > 0.25 else 0.0  # aligned screens join a video in progress
        visual = self.factory.make(slot, self.manifest, zone, offset=offset)
        self.pending = Showing(slot, visual, zone, switch_at, replace=replace)

    def _redo_current(self, now: float) -> None:
        if self.showing is not None:
            self._drop_pending()
            self._start_pending(self.showing.slot, now, replace=True)

    def _drop_pending(self) -> None:
        if self.pending is not None:
            self._close_visual(self.pending)
            self.pending = None

    def _plan_next(self, now: float) -> None:
        cur = self.showing
        if cur is None or not self.power:
            return
        end = cur.slot.end.timestamp()
        if now < end - PREPARE_AHEAD:
            return  # not yet: a decoded picture or open video held for an hour costs memory
        slot = self._plan(end, cur.slot)
        if same_play(cur.slot, slot):
            self.pending = Showing(slot, None, cur.zone, end)  # the same play, extended
        else:
            self._start_pending(slot, end)

    def _advance(self, now: float) -> None:
        """Prepare what comes next; switch to it when due and ready; skip what fails."""
        if self.showing is None and self.pending is None:
            self._replan_now(now, "starting")
        cur = self.showing
        if cur is not None and cur.visual is not None and cur.visual.error and not cur.failed:
            cur.failed = True  # the last good frame stays until the replacement is ready
            self._fail(cur.slot, cur.visual.error)
            self._replan_now(now, "item failed while playing")
        for _ in range(MAX_SKIPS):
            if self.pending is None:
                self._plan_next(now)
            p = self.pending
            if p is None:
                return
            if p.visual is not None and p.visual.ready():
                if p.visual.error:
                    # Found out ahead of time: the replacement is prepared before the boundary.
                    self._fail(p.slot, p.visual.error)
                    self._drop_pending()
                    previous = cur.slot if cur is not None else None
                    self._start_pending(self._plan(p.switch_at, previous), p.switch_at)
                    continue
                p.visual.finish()  # e.g. the image becomes a display surface before its turn
            if now < p.switch_at - EARLY:
                return
            if p.visual is None:
                cur.slot = p.slot  # the same play goes on
                self.pending = None
                continue
            if not p.visual.ready():
                return  # late: the last frame stays until the next one is ready
            self._switch(p, now)
            return
        log.warning("more than %d items failed in a row; going on at the next frame", MAX_SKIPS)

    def _fail(self, slot: Slot, error: str) -> None:
        item = slot.item
        if item is None:
            log.error("cannot show %s: %s", slot.kind, error)
            return
        self.failures[item.id] = error
        key = (item.id, item.media)
        if key not in self._logged_failures:
            self._logged_failures.add(key)
            log.error("skipping item '%s': %s", item.id, error)
        self.status.update(
            "render",
            failures=[{"item": k, "error": v} for k, v in sorted(self.failures.items())],
        )

    def _switch(self, p: Showing, now: float) -> None:
        old = self.showing
        p.visual.finish()
        if p.replace and old is not None:
            p.shown_at = old.shown_at
            self._close_visual(old)
        else:
            if old is not None:
                self._record(old, now, completed=now >= old.slot.end.timestamp() - EARLY)
            self.fade = None
            item = p.slot.item if p.slot.kind == "item" else None
            if (
                item is not None
                and item.transition.kind == "crossfade"
                and item.transition.ms > 0
                and old is not None
                and old.zone == p.zone
                and old.shown_at is not None
            ):
                snapshot = self.scene.snapshot(p.zone)
                self.fade = Fade(snapshot, now, item.transition.ms / 1000)
            if old is not None:
                self._close_visual(old)
            p.shown_at = None
        self.showing = p
        self.pending = None
        p.visual.start(now)
        self._force = True
        self._next_tick = None
        self._report_showing(p, now)

    def _record(self, showing: Showing, now: float, *, completed: bool) -> None:
        slot = showing.slot
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

    def _close_visual(self, showing: Showing) -> None:
        """Close after the next frame is presented, so closing never delays a switch."""
        if showing.visual is not None:
            if showing is self.showing:
                self.dropped_frames += getattr(showing.visual, "dropped", 0)
            self._retired.append(showing.visual)

    def _close_retired(self) -> None:
        retired, self._retired = self._retired, []
        for visual in retired:
            visual.close()
        if retired:
            self.trimmer.released()
        self.trimmer.maybe_trim()

    def _report_showing(self, p: Showing, now: float) -> None:
        slot = p.slot
        item = slot.item
        screen = "on" if slot.kind in ("item", "alert", "idle") else "black"
        self.status.update(
            "render",
            kind=slot.kind,
            item=item.id if item else None,
            type=item.type if item else None,
            playlist=slot.playlist,
            since=to_datetime(now).isoformat(),
            reason=slot.reason,
            screen=screen if self.power else "off",
            splash=slot.reason if slot.kind == "idle" else None,
            alert=slot.alert.id if slot.alert else None,
            # When a black screen comes back on: the technician's first question.
            until=slot.end.isoformat() if slot.kind == "off" and self.power else None,
            alert_level=slot.alert.level if slot.alert else None,
            alert_issued_at=(
                slot.alert.issued_at.isoformat() if slot.alert and slot.alert.issued_at else None
            ),
        )
        self._note_decoder(p.visual)
