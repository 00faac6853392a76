"""The keeper under an injected clock: steps sent to an emulated card, failsafe, reconnect."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from player.config.model import BrightnessConfig, Config, LocationConfig
from player.led.keeper import REASSERT_EVERY, BrightnessKeeper
from player.led.software import SoftwareDimmer
from player.led.sun import sun_times
from player.service.board import StatusBoard
from player.service.statusview import render_summary
from player.wire.brightness import brightness_from_raw
from player.wire.manifest import Manifest
from player.wire.proofofplay import BrightnessSpanRecord
from tests.fixtures.novastar import EmulatedNovaStar

WIB = ZoneInfo("Asia/Jakarta")
JAKARTA = LocationConfig(latitude=-6.2088, longitude=106.8456)
DAY = dt.date(2026, 12, 7)
PLAN = {
    "steps": [
        {"at": "05:00", "level": 40},
        {"at": "sunrise", "offset": 30, "level": 100},
        {"at": "sunset", "offset": -15, "level": 60},
        {"at": "22:00", "level": 20},
    ],
    "screens": {"bogor-01": {"steps": [{"at": "00:00", "level": 10}]}},
}


def manifest(raw: dict) -> Manifest:
    return Manifest(1, "default", dt.datetime(2026, 12, 1, tzinfo=dt.UTC), 1, {}, (),
                    brightness=brightness_from_raw(raw))  # fmt: skip


def at(hh: int, mm: int = 0, ss: int = 0) -> float:
    return dt.datetime.combine(DAY, dt.time(hh, mm, ss), WIB).timestamp()


def config(port: str | None, **limits) -> Config:
    controller = "novastar" if port else "none"
    brightness = BrightnessConfig(controller=controller, port=port and Path(port), **limits)
    return Config(location=JAKARTA, brightness=brightness)


@pytest.fixture
def card():
    emulated = EmulatedNovaStar()
    yield emulated
    emulated.close()


def percent_of(value: int) -> int:
    return round(value * 100 / 255)


def test_the_plans_steps_reach_the_card_at_their_moments(card):
    board = StatusBoard()
    keeper = BrightnessKeeper(config(card.path), board, SoftwareDimmer())
    keeper.set_manifest(manifest(PLAN))
    sun = sun_times(DAY, WIB, JAKARTA.latitude, JAKARTA.longitude)
    bright = (sun.sunrise + dt.timedelta(minutes=30)).timestamp()
    dusk = (sun.sunset - dt.timedelta(minutes=15)).timestamp()
    try:
        moments = [at(4), at(5), bright - 1, bright, dusk - 1, dusk, at(22)]
        held = []
        for now in moments:
            keeper.tick(now)
            held.append(percent_of(card.brightness))
        assert held == [20, 40, 40, 100, 100, 60, 20]  # each step at its moment, not before
        # While the level holds nothing is sent until the reassert (or the next step) is due.
        sent = len(card.levels_heard())
        assert keeper.tick(at(22, 1)) == pytest.approx(REASSERT_EVERY - 60)
        assert len(card.levels_heard()) == sent
        status = board.get("brightness")
        assert status["level"] == 20
        assert (status["output"], status["link"], status["source"]) == (
            f"novastar {card.path}", "ok", "plan",
        )  # fmt: skip
        assert status["reason"] == "22:00 step"
        # Unchanged, the level is written again after REASSERT_EVERY (a card power-cycled
        # with the wall forgets it).
        keeper.tick(at(22) + REASSERT_EVERY)
        assert len(card.levels_heard()) == sent + 1
    finally:
        keeper._close()


def test_a_silent_card_gets_the_failsafe_level_and_the_plan_again_when_it_answers(card):
    board = StatusBoard()
    cfg = config(card.path, failsafe=55)
    keeper = BrightnessKeeper(cfg, board, SoftwareDimmer(), retry_every=5.0)
    keeper.set_manifest(manifest(PLAN))
    try:
        keeper.tick(at(12))
        assert card.brightness == 255
        card.answering = False
        keeper._sent = None  # the next tick writes (as after a reassert period)
        keeper.tick(at(12, 0, 1))
        assert board.get("brightness")["link"] == "not answering"
        assert "did not answer" in board.get("brightness")["last_error"]
        # Retried every 5 s with the failsafe level, heard but not applied by the silent card.
        assert keeper.tick(at(12, 0, 3)) == pytest.approx(3.0)
        keeper.tick(at(12, 0, 6))
        heard = [percent_of(v) for v in card.levels_heard()]
        assert heard == [100, 100, 55]
        assert board.get("brightness")["source"] == "failsafe"
        shown = render_summary(board.snapshot(), dt.datetime.fromtimestamp(at(12, 0, 6), dt.UTC))
        assert f"brightness      55% (sending card not answering) via novastar {card.path}" in shown
        assert "SENDING CARD    not answering" in shown
        card.answering = True
        assert keeper.tick(at(12, 0, 11)) == 0.0  # the card answered the failsafe: plan next
        keeper.tick(at(12, 0, 11))
        assert percent_of(card.brightness) == 100
        status = board.get("brightness")
        assert (status["link"], status["source"], status["last_error"]) == ("ok", "plan", None)
    finally:
        keeper._close()


def test_without_a_card_the_picture_is_dimmed_and_the_status_says_software():
    board, dimmer = StatusBoard(), SoftwareDimmer()
    keeper = BrightnessKeeper(config(None, ceiling=90), board, dimmer)
    keeper.tick(at(12))
    assert dimmer.percent == 90  # no plan yet: as bright as the site allows
    assert board.get("brightness")["source"] == "none"
    keeper.set_manifest(manifest(PLAN))
    keeper.tick(at(23))
    assert dimmer.percent == 20
    status = board.get("brightness")
    assert (status["output"], status["link"], status["level"]) == ("software", "none", 20)
    shown = render_summary(board.snapshot(), dt.datetime.fromtimestamp(at(23), dt.UTC))
    assert "brightness      20% (22:00 step) via the picture dimmed in software" in shown
    # A screen the office gave a plan of its own.
    own = Config(player=dataclasses.replace(Config().player, id="bogor-01"), location=JAKARTA)
    keeper.update_config(own)
    keeper.tick(at(23))
    assert dimmer.percent == 10


def test_a_controller_without_a_port_falls_back_to_software_and_says_why():
    board, dimmer = StatusBoard(), SoftwareDimmer()
    cfg = Config(brightness=BrightnessConfig(controller="novastar"))
    keeper = BrightnessKeeper(cfg, board, dimmer)
    keeper.set_manifest(manifest(PLAN))
    keeper.tick(at(23))
    status = board.get("brightness")
    assert (status["output"], status["link"]) == ("software", "not configured")
    assert "brightness.port is not set" in status["last_error"]
    assert dimmer.percent == 20


def test_the_thread_follows_a_new_plan_and_stops(card):
    board = StatusBoard()
    keeper = BrightnessKeeper(config(card.path), board, SoftwareDimmer())
    stop = threading.Event()
    thread = threading.Thread(target=keeper.run, args=(stop, lambda: None), daemon=True)
    thread.start()
    try:
        assert card.wait_for(lambda c: c.brightness == 255)  # no plan: the ceiling
        keeper.set_manifest(manifest({"steps": [{"at": "00:00", "level": 50}]}))
        assert card.wait_for(lambda c: c.brightness == 128)
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()


def test_each_change_of_level_becomes_a_span_for_proof_of_play(card):
    spans: list[BrightnessSpanRecord] = []
    cfg = config(card.path, failsafe=55)
    keeper = BrightnessKeeper(cfg, StatusBoard(), SoftwareDimmer(), retry_every=5.0,
                              record_span=spans.append)  # fmt: skip
    keeper.set_manifest(manifest(PLAN))
    try:
        keeper.tick(at(4, 30))
        keeper.tick(at(5))  # the 05:00 step: 20% → 40%
        card.answering = False
        keeper._sent = None  # the next tick writes (as after a reassert period)
        keeper.tick(at(5, 10))  # not answering: the plan's level is what it was told
        keeper.tick(at(5, 10, 5))  # the failsafe, tried
        keeper.tick(at(6, 0, 1))  # time went past 06:00 WIB (23:00 UTC): the hour is cut
    finally:
        keeper._close()

    def utc(hh: int, mm: int = 0) -> dt.datetime:
        return dt.datetime.fromtimestamp(at(hh, mm), dt.UTC)

    assert [(s.level, s.source, s.via, s.started_at, s.ended_at) for s in spans] == [
        (20, "plan", "novastar", utc(4, 30), utc(5)),
        (40, "plan", "novastar", utc(5), utc(5, 10) + dt.timedelta(seconds=5)),
        (55, "failsafe", "novastar", utc(5, 10) + dt.timedelta(seconds=5), utc(6)),
    ]


def test_a_record_that_fails_costs_the_wall_nothing(caplog):
    def refuse(span: BrightnessSpanRecord) -> None:
        raise OSError("database or disk is full")

    dimmer = SoftwareDimmer()
    keeper = BrightnessKeeper(config(None), StatusBoard(), dimmer, record_span=refuse)
    keeper.tick(at(12))
    keeper.set_manifest(manifest(PLAN))
    keeper.tick(at(23))  # 100% ends: its record fails, the new level is set all the same
    assert dimmer.percent == 20
    assert "could not record 100% in proof of play" in caplog.text
