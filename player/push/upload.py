"""Proof-of-play upload: one batch in flight, sent again with backoff until the collector acks."""

from __future__ import annotations

import datetime as dt
import logging
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from player.push.popstore import PopStore
from player.wire.backoff import Backoff
from player.wire.isotime import format_utc
from player.wire.proofofplay import PopAck, PopBatch, pop_batch
from player.wire.status import ReportSection

log = logging.getLogger(__name__)

POP_RESEND_MAX = 600.0  # seconds: the longest a player waits before resending a batch
POP_RESEND_GROWTH = 16  # the resend delay grows to at most this many times report.ack_timeout
# A collector whose ack names no alert records (or no brightness spans) predates them: it is
# asked again this much later (it may have been upgraded), and meanwhile batches leave them out.
ALERTS_ASK_AGAIN = dt.timedelta(hours=1)


def new_batch_id() -> str:
    return secrets.token_hex(8)


@dataclass
class Inflight:
    """The batch waiting for the collector's ack, and when to send it again."""

    batch: str
    ids: list[int]
    resend_at: float
    alert_ids: list[int] = field(default_factory=list)
    brightness_ids: list[int] = field(default_factory=list)


class PopUpload:
    """The upload protocol over a `PopStore`, driven by the caller's clock.

    The broker's PUBACK proves nothing: a broker acks a message nobody receives. Only the
    collector's ack (after its database commit) lets a play go, so a player with an old
    collector, or none, keeps every play up to report.max_records. One batch is in
    flight at a time; with no ack by its deadline the oldest plays go again under a new
    batch id, the wait doubling (with jitter) up to POP_RESEND_GROWTH times ack_timeout.

    `now` is monotonic seconds (deadlines); `wall` an aware datetime (what the messages
    and the status say). Nothing here reads a clock, sleeps or touches the network: the
    push client asks `due()` for a batch, publishes it and says `sent()`, and hands
    every ack to `acked()`.

    Alert records ride in the same batches (`alerts`, up to batch_size of them) and go on
    the ack's `alert_ids`. An ack that answers a batch with alerts but names no
    `alert_ids` comes from a collector that predates them: plays keep flowing, the alert
    records stay in the store, and they are offered again ALERTS_ASK_AGAIN later.
    Brightness spans go the same way (`brightness`, acked on `brightness_ids`).
    """

    def __init__(
        self,
        store: PopStore,
        *,
        player: str,
        group: str,
        batch_size: int,
        ack_timeout: float,
        rng: random.Random | None = None,
        batch_ids: Callable[[], str] = new_batch_id,
    ) -> None:
        self.store = store
        self.player, self.group = player, group
        self.batch_size = batch_size
        self._backoff = Backoff(ack_timeout, ack_timeout, rng)
        self.set_ack_timeout(ack_timeout)
        self._batch_ids = batch_ids
        self.inflight: Inflight | None = None
        self.last_ack_at: str | None = None
        self.alerts_paused_until: dt.datetime | None = None  # the collector predates them
        self.brightness_paused_until: dt.datetime | None = None  # the same, for brightness

    def configure(self, *, player: str, group: str, batch_size: int, ack_timeout: float) -> None:
        """Take new settings; a batch in flight keeps its deadline."""
        self.player, self.group, self.batch_size = player, group, batch_size
        self.set_ack_timeout(ack_timeout)

    def set_ack_timeout(self, ack_timeout: float) -> None:
        base = float(ack_timeout)
        self._backoff.base = base
        self._backoff.cap = max(base, min(POP_RESEND_MAX, base * POP_RESEND_GROWTH))

    def report(self) -> ReportSection:
        """What status says of proof of play: waiting, dropped by the cap, last ack."""
        stats = self.store.stats()
        section: ReportSection = {
            "pending": stats["pending"] + stats["pending_alerts"] + stats["pending_brightness"],
            "dropped": stats["dropped"],
            "last_ack_at": self.last_ack_at,
        }
        return section

    def due(self, now: float, wall: dt.datetime) -> PopBatch | None:
        """The batch to publish now, or None: nothing waits, or the batch in flight has time.

        A batch whose ack is overdue is given up (its plays stay in the store) and the
        oldest plays go again under a new batch id.
        """
        if self.inflight is not None:
            if now < self.inflight.resend_at:
                return None
            level = logging.WARNING if self._backoff.failures == 1 else logging.DEBUG
            log.log(
                level,
                "no ack from the collector for proof-of-play batch %s (%d plays); "
                "sending it again with backoff (is the collector running?)",
                self.inflight.batch,
                len(self.inflight.ids),
            )
            self.inflight = None
        stats = self.store.stats()
        paused = self.alerts_paused_until
        with_alerts = stats["pending_alerts"] > 0 and (paused is None or wall >= paused)
        paused = self.brightness_paused_until
        with_brightness = stats["pending_brightness"] > 0 and (paused is None or wall >= paused)
        if stats["pending"] == 0 and not with_alerts and not with_brightness:
            return None
        plays = self.store.pending(self.batch_size) if stats["pending"] else []
        alerts = self.store.pending_alerts(self.batch_size) if with_alerts else []
        spans = self.store.pending_brightness(self.batch_size) if with_brightness else []
        if not plays and not alerts and not spans:
            return None
        return pop_batch(
            player=self.player,
            group=self.group,
            store=self.store.store_id,
            batch=self._batch_ids(),
            sent_at=wall,
            dropped=stats["dropped"],
            plays=plays,
            alerts=alerts,
            brightness=spans,
        )

    def sent(self, batch: PopBatch, now: float) -> None:
        """`batch` left for the broker: wait for its ack until the next resend delay."""
        ids = [record["id"] for record in batch["records"]]
        alert_ids = [record["id"] for record in batch.get("alerts", [])]
        span_ids = [span["id"] for span in batch.get("brightness", [])]
        self.inflight = Inflight(
            batch["batch"], ids, now + self._backoff.next_delay(), alert_ids=alert_ids,
            brightness_ids=span_ids,
        )  # fmt: skip

    def acked(self, ack: PopAck, wall: dt.datetime) -> bool:
        """Forget exactly the plays `ack` names, if it names this store; False when not ours.

        An ack for an earlier batch (late, or repeated) still deletes what it names: the
        collector has those plays. The batch in flight ends when the ack answers it or
        names all its plays.
        """
        if ack["store"] != self.store.store_id:
            log.debug("proof-of-play ack for store %r, ours is another; ignored", ack["store"])
            return False
        ids, alert_ids, span_ids = ack["ids"], ack.get("alert_ids"), ack.get("brightness_ids")
        self.store.delete(ids)
        if alert_ids is not None:
            self.store.delete_alerts(alert_ids)
            self.alerts_paused_until = None
        if span_ids is not None:
            self.store.delete_brightness(span_ids)
            self.brightness_paused_until = None
        self.last_ack_at = format_utc(wall)
        inflight = self.inflight
        if inflight is not None and (
            ack["batch"] == inflight.batch
            or (
                set(inflight.ids) <= set(ids)
                and (alert_ids is None or set(inflight.alert_ids) <= set(alert_ids))
                and (span_ids is None or set(inflight.brightness_ids) <= set(span_ids))
            )
        ):
            if alert_ids is None and inflight.alert_ids:
                log.info(
                    "the collector does not store alert records (it is older than this "
                    "player): keeping %d of them, offering them again in %s",
                    self.store.stats()["pending_alerts"],
                    ALERTS_ASK_AGAIN,
                )
                self.alerts_paused_until = wall + ALERTS_ASK_AGAIN
            if span_ids is None and inflight.brightness_ids:
                log.info(
                    "the collector does not store brightness spans (it is older than this "
                    "player): keeping %d of them, offering them again in %s",
                    self.store.stats()["pending_brightness"],
                    ALERTS_ASK_AGAIN,
                )
                self.brightness_paused_until = wall + ALERTS_ASK_AGAIN
            self.inflight = None
            if self._backoff.failures > 1:
                log.info("the collector acknowledges proof of play again")
            self._backoff.reset()
        return True

    def disconnected(self) -> None:
        """The link is gone: the plays in flight go again as soon as it is back."""
        self.inflight = None
