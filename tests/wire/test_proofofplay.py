"""Proof-of-play shapes: both ends name only declared keys, and the bytes stay as documented."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from player.wire import proofofplay
from player.wire.proofofplay import (
    AlertPlayRecord,
    BrightnessSpanRecord,
    PlayRecord,
    PopAck,
    PopBatch,
    SentAlertPlay,
    SentBrightnessSpan,
    SentPlay,
    alert_play_fields,
    as_json,
    brightness_span_fields,
    parse_ack,
    play_fields,
    pop_ack,
    pop_batch,
)
from tests.fixtures.shapes import keys_of, typed_dicts, undeclared_keys

ROOT = Path(__file__).resolve().parents[2]
SHAPES = typed_dicts(proofofplay)
# Where proof of play is written and read: the player's store, upload and link, the
# shapes themselves, the collector's store and ingest.
MODULES = [
    "player/wire/proofofplay.py",
    "player/push/popstore.py",
    "player/push/upload.py",
    "player/push/client.py",
    "central/db/store.py",
    "central/collector/ingest.py",
]
START = dt.datetime(2024, 5, 1, 7, 59, 50, tzinfo=dt.UTC)
RECORD = PlayRecord("psa-banjir", "ab" * 32, START, START + dt.timedelta(seconds=10), True, "main")
ALERT = AlertPlayRecord(
    alert_id="banjir-bogor",
    issued_at=START - dt.timedelta(minutes=5),
    level="emergency",
    headline="Banjir di Kota Bogor " + "x" * 200,
    started_at=START,
    ended_at=START + dt.timedelta(seconds=42, milliseconds=250),
    pages=3,
    pages_shown=2,
    completed=False,
)
SPAN = BrightnessSpanRecord(80, "plan", "novastar", START, START + dt.timedelta(seconds=10))


def test_the_shapes_module_declares_what_the_tests_check() -> None:
    assert set(SHAPES) == set(proofofplay.SHAPES)


@pytest.mark.parametrize("path", MODULES)
def test_both_ends_name_only_declared_keys(path: str) -> None:
    assert undeclared_keys(ROOT, path, SHAPES) == []


def test_the_scan_finds_a_key_no_shape_declares(tmp_path: Path) -> None:
    """The check above can fail: a reader of `records` misspelt, a writer of an extra key."""
    (tmp_path / "end.py").write_text(
        "def read(batch: PopBatch, record: SentPlay):\n"
        "    return batch['record'], batch.get('store'), record.get('ended')\n"
        "def write(store):\n"
        "    ack: PopAck = {'store': store, 'acked': []}\n"
        "    return ack\n"
    )
    assert sorted(undeclared_keys(tmp_path, "end.py", SHAPES)) == [
        "end.py:2: batch['record']: PopBatch declares no 'record'",
        "end.py:2: record['ended']: SentPlay declares no 'ended'",
        "end.py:4: writes 'acked': PopAck declares no 'acked'",
    ]


def test_the_bytes_on_the_wire_are_the_ones_old_players_and_collectors_send() -> None:
    batch = pop_batch(
        player="bogor-alun-alun-1",
        group="bogor-city",
        store="f" * 32,
        batch="0" * 16,
        sent_at=dt.datetime(2024, 5, 1, 8, 0, 5, 123_456, tzinfo=dt.UTC),
        dropped=0,
        plays=[(41, play_fields(RECORD))],
    )
    assert as_json(batch) == (
        '{"player": "bogor-alun-alun-1", "group": "bogor-city", "store": "' + "f" * 32 + '", '
        '"batch": "0000000000000000", "sent_at": "2024-05-01T08:00:05Z", "dropped": 0, '
        '"records": [{"id": 41, "item_id": "psa-banjir", "media": "' + "ab" * 32 + '", '
        '"playlist": "main", "started_at": "2024-05-01T07:59:50.000Z", '
        '"ended_at": "2024-05-01T08:00:00.000Z", "duration": 10.0, "completed": true}]}'
    )
    assert as_json(pop_ack("f" * 32, "0" * 16, (41, 42))) == (
        '{"store": "' + "f" * 32 + '", "batch": "0000000000000000", "ids": [41, 42]}'
    )


def test_every_declared_key_is_written() -> None:
    play = play_fields(RECORD)
    batch = pop_batch(
        player="p", group="g", store="s", batch="b", sent_at=START, dropped=0,
        plays=[(1, play)], alerts=[(1, alert_play_fields(ALERT))],
        brightness=[(1, brightness_span_fields(SPAN))],
    )  # fmt: skip
    assert set(batch) == keys_of(PopBatch)
    assert set(batch["records"][0]) == keys_of(SentPlay)
    assert set(batch["alerts"][0]) == keys_of(SentAlertPlay)
    assert set(batch["brightness"][0]) == keys_of(SentBrightnessSpan)
    assert set(pop_ack("s", "b", [1], [1], [1])) == keys_of(PopAck)


def test_a_brightness_span_is_its_level_source_output_and_times() -> None:
    assert brightness_span_fields(SPAN) == {
        "level": 80, "source": "plan", "via": "novastar",
        "started_at": "2024-05-01T07:59:50.000Z", "ended_at": "2024-05-01T08:00:00.000Z",
    }  # fmt: skip


def test_an_alert_record_names_its_version_and_a_short_headline() -> None:
    alert = alert_play_fields(ALERT)
    assert alert["issued_at"] == "2024-05-01T07:54:50.000Z"
    assert alert["duration"] == 42.25 and alert["ended_at"] == "2024-05-01T08:00:32.250Z"
    assert len(alert["headline"]) == proofofplay.HEADLINE_CHARS
    assert alert["headline"].startswith("Banjir di Kota Bogor")
    assert (alert["pages"], alert["pages_shown"], alert["completed"]) == (3, 2, False)


def test_a_batch_without_alerts_and_an_ack_without_alert_ids_are_the_old_shapes() -> None:
    """An older collector reads `records` only; an older player reads `ids` only."""
    plain = pop_batch(player="p", group="g", store="s", batch="b", sent_at=START, dropped=0,
                      plays=[(1, play_fields(RECORD))], alerts=[])  # fmt: skip
    assert "alerts" not in plain
    assert "alert_ids" not in pop_ack("s", "b", [1])
    assert pop_ack("s", "b", [1], [])["alert_ids"] == []


def test_a_batch_without_brightness_and_an_ack_without_its_ids_are_the_old_shapes() -> None:
    plain = pop_batch(player="p", group="g", store="s", batch="b", sent_at=START, dropped=0,
                      plays=[(1, play_fields(RECORD))], brightness=[])  # fmt: skip
    assert "brightness" not in plain
    assert "brightness_ids" not in pop_ack("s", "b", [1], [])
    assert pop_ack("s", "b", [1], [], [])["brightness_ids"] == []


def documented_examples() -> dict[str, dict]:
    """The proof-of-play batch and ack as docs/PROTOCOL.md shows them."""
    text = (ROOT / "docs/PROTOCOL.md").read_text(encoding="utf-8")
    section = text[text.index("**Proof of play**") : text.index("**Screenshot**")]
    blocks = [json.loads(b) for b in re.findall(r"```json\n(.*?)```", section, re.S)]
    return {"batch": blocks[0], "ack": blocks[1]}


def test_the_protocol_document_shows_the_declared_keys() -> None:
    examples = documented_examples()
    assert set(examples["batch"]) == keys_of(PopBatch)
    assert set(examples["batch"]["records"][0]) == keys_of(SentPlay)
    assert set(examples["batch"]["alerts"][0]) == keys_of(SentAlertPlay)
    assert set(examples["batch"]["brightness"][0]) == keys_of(SentBrightnessSpan)
    assert set(examples["ack"]) == keys_of(PopAck)


def test_an_ack_is_read_back_with_what_older_collectors_sent() -> None:
    assert parse_ack(b'{"store": "s", "ids": [1, "2", 3.0, 4]}') == {
        "store": "s",
        "batch": None,
        "ids": [1, 4],
    }
    assert parse_ack(b'{"store": "s", "batch": "b", "ids": []}')["batch"] == "b"
    assert "alert_ids" not in parse_ack(b'{"store": "s", "batch": "b", "ids": []}')
    assert "alert_ids" not in parse_ack(b'{"store": "s", "ids": [], "alert_ids": "x"}')
    assert "brightness_ids" not in parse_ack(b'{"store": "s", "batch": "b", "ids": []}')


def test_an_ack_from_a_collector_that_stores_alerts_names_them() -> None:
    ack = parse_ack(b'{"store": "s", "batch": "b", "ids": [1], "alert_ids": [7, "8", 9]}')
    assert ack["alert_ids"] == [7, 9]


def test_an_ack_from_a_collector_that_stores_brightness_names_its_spans() -> None:
    ack = parse_ack(b'{"store": "s", "ids": [], "alert_ids": [], "brightness_ids": [3, "4", 5]}')
    assert ack["brightness_ids"] == [3, 5]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"ids": [1]}', "no store id"),
        (b'{"store": "s", "ids": 1}', "must be a list"),
        (b'{"store": "s", "ids": [' + b"1," * 100_000 + b"1]}", "must be a list"),
        (b"[" * 100_000, "not JSON"),
    ],
)
def test_a_malformed_ack_is_refused_with_a_reason(data: bytes, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_ack(data)
