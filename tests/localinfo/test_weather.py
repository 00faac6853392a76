"""BMKG's answer into the wire's forecast, what shows when, the 24-hour rule, the rate limit."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

import pytest

from central.weather.bmkg import BmkgError, forecast_url, parse_bmkg
from central.weather.ratelimit import TokenBucket
from player.localinfo import weather
from player.wire.manifest import ManifestError
from player.wire.weather import forecast_json, parse_forecast

SAMPLE = Path(__file__).with_name("bmkg-31.71.03.1001.json")  # written in BMKG's format
ADM4 = "31.71.03.1001"
FETCHED = dt.datetime(2026, 12, 7, 1, 5, tzinfo=dt.UTC)
ISSUED = dt.datetime(2026, 12, 7, 0, 0, tzinfo=dt.UTC)  # the sample's analysis_date


def sample() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def forecast():
    return parse_bmkg(SAMPLE.read_bytes(), ADM4, FETCHED)


def test_the_sample_becomes_24_periods_that_round_trip_through_the_wire():
    f = forecast()
    assert f.area == "Gunung Sahari Selatan, Kemayoran, Kota Adm. Jakarta Pusat"
    assert f.issued_at == ISSUED and f.fetched_at == FETCHED and f.source == "BMKG"
    assert len(f.periods) == 24
    first = f.periods[0]
    assert (first.at, first.temperature, first.humidity, first.text) == (
        ISSUED,
        26,
        88,
        "Cerah Berawan",
    )
    assert parse_forecast(forecast_json(f)) == f
    assert forecast_url("https://api.bmkg.go.id/publik/prakiraan-cuaca", ADM4).endswith(
        "?adm4=31.71.03.1001"
    )


def test_foreign_answers_are_refused_and_absurd_periods_left_out():
    with pytest.raises(BmkgError, match=r"not '32\.01\.01\.1001'"):
        parse_bmkg(SAMPLE.read_bytes(), "32.01.01.1001", FETCHED)
    for body in (b"<html>", b"[]", json.dumps({"data": []}).encode(), b"\xff"):
        with pytest.raises(BmkgError):
            parse_bmkg(body, ADM4, FETCHED)
    raw = sample()
    day = raw["data"][0]["cuaca"][0]
    day[0]["t"] = 900  # not a temperature on Earth
    day[1]["weather_desc"] = "x" * 500
    day[2]["utc_datetime"] = "soon"
    del day[2]["datetime"]
    f = parse_bmkg(json.dumps(raw).encode(), ADM4, FETCHED)
    assert len(f.periods) == 21 and f.periods[0].at == ISSUED + dt.timedelta(hours=9)
    # An analysis time after the fetch (a wrong clock at BMKG) counts from the fetch.
    for entry in (e for d in raw["data"][0]["cuaca"] for e in d):
        entry["analysis_date"] = "2030-01-01T00:00:00"
    assert parse_bmkg(json.dumps(raw).encode(), ADM4, FETCHED).issued_at == FETCHED


def test_the_wire_document_refuses_what_is_out_of_bounds():
    good = json.loads(forecast_json(forecast()))
    for change in (
        {"version": 2},
        {"periods": good["periods"][::-1]},
        {"periods": [{**good["periods"][0], "t": 99}]},
        {"issued_at": "2026-12-07T00:00:00"},  # no offset
    ):
        with pytest.raises(ManifestError):
            parse_forecast(json.dumps({**good, **change}).encode())
    with pytest.raises(ManifestError, match="over the limit"):
        parse_forecast(b" " * (300 * 1024))


def test_the_period_now_and_the_next_three_under_an_injected_clock():
    f = forecast()
    at = ISSUED + dt.timedelta(hours=4, minutes=30)  # inside the 03:00 UTC period
    outlook = weather.outlook_at(f, at)
    assert outlook.current.at == ISSUED + dt.timedelta(hours=3)
    assert [p.at.hour for p in outlook.upcoming] == [6, 9, 12]
    # Before the first period: the first; near the end: fewer coming periods.
    assert weather.outlook_at(f, ISSUED - dt.timedelta(minutes=5)).current == f.periods[0]
    late = weather.outlook_at(f, f.periods[-1].at + dt.timedelta(minutes=1))
    assert late is None  # 72 h after issue: far past 24 h


def test_a_forecast_shows_for_24_hours_from_its_issue_then_hides_with_a_reason():
    f = forecast()
    limit = ISSUED + weather.MAX_AGE
    assert weather.hidden_because(f, limit) is None
    assert weather.outlook_at(f, limit) is not None
    reason = weather.hidden_because(f, limit + dt.timedelta(minutes=1))
    assert reason is not None and "24 h old" in reason and "videotron weather" in reason
    assert weather.outlook_at(f, limit + dt.timedelta(minutes=1)) is None
    # A screen clock far behind the office's is said, not silently shown.
    assert "clock" in weather.hidden_because(f, ISSUED - dt.timedelta(hours=5))


def test_the_token_bucket_spaces_requests_under_an_injected_clock():
    bucket = TokenBucket(per_minute=60, burst=1, now=100.0)
    assert bucket.delay(100.0) == 0.0
    bucket.take(100.0)
    assert bucket.delay(100.0) == pytest.approx(1.0)
    assert bucket.delay(100.4) == pytest.approx(0.6)
    with pytest.raises(ValueError, match="rate limit"):
        bucket.take(100.4)
    bucket.take(101.0)
    slow = TokenBucket(per_minute=30, burst=2, now=0.0)
    slow.take(0.0)
    slow.take(0.0)  # a burst of two, then one every 2 s
    assert slow.delay(0.0) == pytest.approx(2.0)
    assert slow.delay(-50.0) == pytest.approx(2.0)  # a clock going back adds no token
    # Whatever the pattern, never more than burst + minutes * rate in a window.
    bucket, now, sent = TokenBucket(per_minute=60, burst=1, now=0.0), 0.0, []
    while now < 120.0:
        now += bucket.delay(now)
        bucket.take(now)
        sent.append(now)
        now += 0.01
    assert all(b - a >= 1.0 - 1e-6 for a, b in itertools.pairwise(sent))
