"""The proof-of-play upload protocol alone: batches, acks and resends, driven by a given clock."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Iterator

import pytest

from player.push.popstore import PopStore
from player.push.upload import ALERTS_ASK_AGAIN, POP_RESEND_MAX, PopUpload
from player.wire.proofofplay import PopAck, PopBatch, pop_ack
from tests.push.test_popstore import alert_shown, play
from tests.push.test_popstore import span as brightness_span

WALL = dt.datetime(2024, 5, 1, 8, 0, 5, tzinfo=dt.UTC)
TIMEOUT = 30.0  # report.ack_timeout


@pytest.fixture
def store(tmp_path) -> Iterator[PopStore]:
    with PopStore(tmp_path / "pop.sqlite3", max_records=100) as store:
        yield store


def make_upload(store: PopStore, batch_size: int = 3) -> PopUpload:
    numbers = itertools.count(1)
    return PopUpload(
        store,
        player="p1",
        group="g",
        batch_size=batch_size,
        ack_timeout=TIMEOUT,
        rng=random.Random(7),
        batch_ids=lambda: f"batch-{next(numbers)}",
    )


def ids_of(batch: PopBatch) -> list[int]:
    return [record["id"] for record in batch["records"]]


def ack_for(store: PopStore, batch: PopBatch) -> PopAck:
    return pop_ack(store.store_id, batch["batch"], ids_of(batch))


def test_nothing_recorded_nothing_sent(store) -> None:
    assert make_upload(store).due(0.0, WALL) is None


def test_a_batch_carries_the_oldest_plays_and_waits_for_its_ack(store) -> None:
    recorded = [store.record(play(n)) for n in range(5)]
    upload = make_upload(store)
    batch = upload.due(100.0, WALL)
    assert batch is not None
    assert ids_of(batch) == recorded[:3]
    assert (batch["player"], batch["group"], batch["store"]) == ("p1", "g", store.store_id)
    assert (batch["batch"], batch["sent_at"], batch["dropped"]) == (
        "batch-1",
        "2024-05-01T08:00:05Z",
        0,
    )
    upload.sent(batch, 100.0)
    # In flight: nothing more goes before its ack or its deadline (at most ack_timeout).
    assert upload.due(100.0 + TIMEOUT / 2 - 0.001, WALL) is None


def test_an_ack_deletes_its_plays_and_the_next_batch_follows_at_once(store) -> None:
    recorded = [store.record(play(n)) for n in range(5)]
    upload = make_upload(store)
    batch = upload.due(0.0, WALL)
    upload.sent(batch, 0.0)
    later = WALL + dt.timedelta(seconds=2)
    assert upload.acked(ack_for(store, batch), later) is True
    assert store.stats()["pending"] == 2
    assert upload.report() == {"pending": 2, "dropped": 0, "last_ack_at": "2024-05-01T08:00:07Z"}
    following = upload.due(0.1, WALL)
    assert following is not None and ids_of(following) == recorded[3:]


def test_without_an_ack_the_same_plays_go_again_under_a_new_batch_later_each_time(store) -> None:
    recorded = [store.record(play(n)) for n in range(2)]
    upload = make_upload(store)
    now, waits, batch_ids = 0.0, [], []
    for _ in range(6):
        batch = upload.due(now, WALL)
        assert batch is not None and ids_of(batch) == recorded
        batch_ids.append(batch["batch"])
        upload.sent(batch, now)
        deadline = upload.inflight.resend_at
        assert upload.due(deadline - 0.001, WALL) is None
        waits.append(deadline - now)
        now = deadline
    assert len(set(batch_ids)) == 6
    # Equal jitter: each wait lies in the upper half of a ceiling that doubles up to 16 times.
    for n, wait in enumerate(waits):
        ceiling = min(TIMEOUT * 2**n, TIMEOUT * 16, POP_RESEND_MAX)
        assert ceiling / 2 <= wait <= ceiling, (n, waits)
    assert store.stats()["pending"] == 2


def test_an_ack_after_resends_starts_the_waits_over(store) -> None:
    store.record(play(0))
    upload = make_upload(store)
    for now in (0.0, 1000.0, 2000.0):  # each past the deadline of the one before
        batch = upload.due(now, WALL)
        upload.sent(batch, now)
    upload.acked(ack_for(store, batch), WALL)
    store.record(play(1))
    fresh = upload.due(2000.0, WALL)
    upload.sent(fresh, 2000.0)
    assert upload.inflight.resend_at - 2000.0 <= TIMEOUT


def test_a_repeated_ack_changes_nothing(store) -> None:
    [store.record(play(n)) for n in range(4)]
    upload = make_upload(store, batch_size=2)
    first = upload.due(0.0, WALL)
    upload.sent(first, 0.0)
    ack = ack_for(store, first)
    upload.acked(ack, WALL)
    second = upload.due(0.0, WALL)
    upload.sent(second, 0.0)
    # The collector sends the first ack again (QoS 1 may deliver twice).
    assert upload.acked(ack, WALL) is True
    assert store.stats()["pending"] == 2
    assert upload.inflight is not None and upload.inflight.batch == second["batch"]
    assert upload.due(0.0, WALL) is None


def test_an_ack_for_an_unknown_batch_deletes_what_it_names_and_leaves_the_flight(store) -> None:
    recorded = [store.record(play(n)) for n in range(3)]
    upload = make_upload(store)
    batch = upload.due(0.0, WALL)
    upload.sent(batch, 0.0)
    # An earlier batch's late ack for one of these plays: the collector has that play.
    assert upload.acked(pop_ack(store.store_id, "batch-0", [recorded[0]]), WALL) is True
    assert [row_id for row_id, _ in store.pending(10)] == recorded[1:]
    assert upload.inflight is not None and upload.inflight.batch == batch["batch"]
    # An ack without a batch id (an older collector) that names every play ends the flight.
    assert upload.acked(pop_ack(store.store_id, None, recorded), WALL) is True
    assert upload.inflight is None and store.stats()["pending"] == 0


def test_an_ack_for_another_store_is_ignored(store) -> None:
    recorded = [store.record(play(n)) for n in range(2)]
    upload = make_upload(store)
    batch = upload.due(0.0, WALL)
    upload.sent(batch, 0.0)
    assert upload.acked(pop_ack("another-store", batch["batch"], recorded), WALL) is False
    assert store.stats()["pending"] == 2 and upload.inflight is not None
    assert upload.report()["last_ack_at"] is None


def test_after_a_disconnect_the_plays_in_flight_go_again_at_once(store) -> None:
    recorded = [store.record(play(n)) for n in range(2)]
    upload = make_upload(store)
    upload.sent(upload.due(0.0, WALL), 0.0)
    upload.disconnected()
    again = upload.due(0.1, WALL)
    assert again is not None and ids_of(again) == recorded and again["batch"] == "batch-2"


def test_new_settings_take_effect_on_the_next_batch(store) -> None:
    [store.record(play(n)) for n in range(5)]
    upload = make_upload(store, batch_size=2)
    upload.configure(player="p2", group="h", batch_size=4, ack_timeout=5.0)
    batch = upload.due(0.0, WALL)
    assert (len(batch["records"]), batch["player"], batch["group"]) == (4, "p2", "h")
    upload.sent(batch, 0.0)
    assert upload.inflight.resend_at <= 5.0


def alert_ids_of(batch: PopBatch) -> list[int]:
    return [record["id"] for record in batch.get("alerts", [])]


def test_alert_records_ride_with_the_plays_and_go_on_their_ack(store) -> None:
    plays = [store.record(play(n)) for n in range(2)]
    alerts = [store.record_alert(alert_shown(n)) for n in range(2)]
    upload = make_upload(store)
    assert upload.report()["pending"] == 4
    batch = upload.due(0.0, WALL)
    assert (ids_of(batch), alert_ids_of(batch)) == (plays, alerts)
    upload.sent(batch, 0.0)
    assert upload.acked(pop_ack(store.store_id, batch["batch"], plays, alerts), WALL)
    assert upload.inflight is None and store.stats()["pending_alerts"] == 0
    assert upload.due(1.0, WALL) is None


def test_an_alert_record_alone_is_sent_and_a_late_ack_naming_it_ends_the_flight(store) -> None:
    [alert] = [store.record_alert(alert_shown(1))]
    upload = make_upload(store)
    batch = upload.due(0.0, WALL)
    assert (ids_of(batch), alert_ids_of(batch)) == ([], [alert])
    upload.sent(batch, 0.0)
    # Not its batch id, but it names everything in flight: the flight is over.
    assert upload.acked(pop_ack(store.store_id, "earlier", [], [alert]), WALL)
    assert upload.inflight is None and store.pending_alerts(10) == []


def test_a_collector_that_predates_alert_records_keeps_getting_plays(store) -> None:
    """Its ack answers the batch but names no alert_ids: the alerts wait, plays go on,
    and the alerts are offered again an hour later (the collector may be upgraded)."""
    alert = store.record_alert(alert_shown(1))
    first = store.record(play(1))
    upload = make_upload(store)
    batch = upload.due(0.0, WALL)
    assert alert_ids_of(batch) == [alert]
    upload.sent(batch, 0.0)
    old_ack = {"store": store.store_id, "batch": batch["batch"], "ids": [first]}
    assert upload.acked(old_ack, WALL)
    assert upload.inflight is None and store.pending_alerts(10) != []
    assert upload.due(1.0, WALL + dt.timedelta(minutes=1)) is None  # no tight loop of alerts
    second = store.record(play(2))
    batch = upload.due(2.0, WALL + dt.timedelta(minutes=2))
    assert (ids_of(batch), alert_ids_of(batch)) == ([second], [])
    upload.sent(batch, 2.0)
    upload.acked({"store": store.store_id, "batch": batch["batch"], "ids": [second]}, WALL)
    again = upload.due(3.0, WALL + ALERTS_ASK_AGAIN + dt.timedelta(minutes=1))
    assert alert_ids_of(again) == [alert]
    assert upload.report()["pending"] == 1  # the alert record, still kept


def span_ids_of(batch: PopBatch) -> list[int]:
    return [span["id"] for span in batch.get("brightness", [])]


def test_brightness_spans_ride_with_the_plays_and_go_on_their_ack(store) -> None:
    plays = [store.record(play(n)) for n in range(2)]
    spans = [store.record_brightness(brightness_span(n)) for n in range(2)]
    upload = make_upload(store)
    batch = upload.due(0.0, WALL)
    assert (ids_of(batch), span_ids_of(batch)) == (plays, spans)
    upload.sent(batch, 0.0)
    assert upload.acked(pop_ack(store.store_id, batch["batch"], plays, [], spans), WALL)
    assert upload.inflight is None and store.stats()["pending_brightness"] == 0
    assert upload.due(1.0, WALL) is None


def test_a_collector_that_predates_brightness_spans_keeps_getting_plays(store) -> None:
    """Its ack (alert_ids but no brightness_ids) answers the batch: the spans wait, plays go
    on, and the spans are offered again an hour later."""
    spans = [store.record_brightness(brightness_span(1))]
    first = store.record(play(1))
    upload = make_upload(store)
    batch = upload.due(0.0, WALL)
    assert span_ids_of(batch) == spans
    upload.sent(batch, 0.0)
    assert upload.acked(pop_ack(store.store_id, batch["batch"], [first], []), WALL)
    assert upload.inflight is None and store.stats()["pending_brightness"] == 1
    assert upload.due(1.0, WALL + dt.timedelta(minutes=1)) is None  # no tight loop of spans
    second = store.record(play(2))
    batch = upload.due(2.0, WALL + dt.timedelta(minutes=2))
    assert (ids_of(batch), span_ids_of(batch)) == ([second], [])
    again = upload.due(3.0 + 10 * TIMEOUT, WALL + ALERTS_ASK_AGAIN + dt.timedelta(minutes=3))
    assert span_ids_of(again) == spans
