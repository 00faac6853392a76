"""Playback on real pixels: crossfade, broken media, splash, black hours, alerts, updates.

When things switch, and what each play records, is the Switcher's and is tested in
tests/render/test_switcher.py with an injected `now`; these tests check what the loop
draws and reports, with the wall clock only pacing them.
"""

import datetime as dt
import logging
import shutil
import time
from dataclasses import replace

import av
import numpy as np

from player.config.model import OperatingHours, TimeWindow
from player.events import AlertsChanged, DisplayPower, ManifestActivated
from player.service.statusview import render_summary
from player.wire.alert import Alert
from tests.render.helpers import (
    Harness,
    capture_when,
    make_config,
    mask_of,
    publish,
    read_frame_log,
)

RED, BLUE, BLACK = (255, 0, 0), (0, 0, 255), (0, 0, 0)
SPLASH_BG = (16, 32, 64)


def _harness(tmp_path, items, extra=None, clock=None, **display):
    manifest, media = publish(tmp_path, items, extra)
    harness = Harness(
        make_config(tmp_path, **display), media, frame_log=tmp_path / "frames.jsonl",
        **({"clock": clock} if clock else {}),
    )  # fmt: skip
    harness.inbox.put(ManifestActivated(manifest))
    return harness, manifest


def _frames(tmp_path):
    return read_frame_log(tmp_path / "frames.jsonl")


def _centre(row):
    return tuple(row["px"][0])


def _sequence(rows):
    """Items in the order they appeared, without repeats."""
    out = []
    for row in rows:
        name = row["item"] or row["kind"]
        if not out or out[-1] != name:
            out.append(name)
    return out


def test_crossfade_mixes_the_old_and_new_picture(tmp_path):
    harness, _ = _harness(
        tmp_path,
        [{"id": "a", "type": "image", "color": list(RED), "duration": 1},
         {"id": "b", "type": "image", "color": list(BLUE), "duration": 5,
          "transition": {"type": "crossfade", "ms": 600}}],
    )  # fmt: skip
    harness.run(2.2)
    rows = [r for r in _frames(tmp_path) if r["item"] == "b"]
    fading = [r for r in rows if r["fade"]]
    assert len(fading) >= 8  # drawn at display.fps while it fades
    mixes = [_centre(r) for r in fading]
    assert any(60 < r < 200 and 60 < b < 200 for r, b in ((c[0], c[2]) for c in mixes))
    reds = [c[0] for c in mixes]
    assert reds == sorted(reds, reverse=True)  # red fades out steadily...
    assert [c[2] for c in mixes] == sorted(c[2] for c in mixes)  # ...as blue fades in
    assert _centre(rows[-1]) == BLUE and not rows[-1]["fade"]


def _spoil(manifest, media_dir, item_id, spoil):
    """Damage the cached file of an item (bit rot on the SD card, a cut-off copy)."""
    item = next(i for i in manifest.items() if i.id == item_id)
    path = media_dir / item.media
    path.write_bytes(spoil(path.read_bytes()))


def test_a_corrupt_image_is_skipped_logged_once_and_reported(tmp_path, caplog):
    harness, manifest = _harness(
        tmp_path,
        [{"id": "red", "type": "image", "color": list(RED), "duration": 0.4},
         {"id": "bad", "type": "image", "color": [0, 255, 0], "duration": 0.4},
         {"id": "blue", "type": "image", "color": list(BLUE), "duration": 0.4}],
    )  # fmt: skip
    _spoil(manifest, harness.media_dir, "bad", lambda data: data[:40] + b"rot" * 100)
    with caplog.at_level(logging.ERROR, logger="player.render"):
        harness.run(2.6)
    rows = _frames(tmp_path)
    assert set(_sequence(rows)) == {"red", "blue"}
    for row in rows:  # every frame is wholly one of the good pictures
        assert {tuple(p) for p in row["px"]} == {RED if row["item"] == "red" else BLUE}
    # met about twice in the run, reported once
    assert sum("skipping item 'bad'" in r.getMessage() for r in caplog.records) == 1
    failures = harness.status.get("render")["failures"]
    assert [f["item"] for f in failures] == ["bad"] and "cannot decode" in failures[0]["error"]


def _faststart_clip(path, seconds, color):
    """An MP4 with its index first, so a cut-off copy still opens and plays its start."""
    with av.open(str(path), "w", options={"movflags": "faststart"}) as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 160, 90, "yuv420p"
        noise = np.random.default_rng(7)
        for _ in range(round(seconds * 25)):
            array = np.full((90, 160, 3), color, np.uint8)
            # a noisy strip makes every frame about the same size, so a cut at a third
            # of the bytes is a cut at about a third of the time
            array[:20] = noise.integers(0, 256, (20, 160, 3), np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(array, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def test_truncated_videos_are_skipped_and_the_next_item_shows(tmp_path):
    whole = _faststart_clip(tmp_path / "whole.mp4", 2.0, (0, 255, 0))
    late = _faststart_clip(tmp_path / "late.mp4", 3.0, (0, 0, 255))
    harness, manifest = _harness(
        tmp_path,
        [{"id": "red", "type": "image", "color": list(RED), "duration": 0.5},
         {"id": "cut", "type": "video", "file": str(whole)},
         {"id": "late", "type": "video", "file": str(late)},
         {"id": "end", "type": "image", "color": [255, 255, 0], "duration": 5}],
    )  # fmt: skip
    _spoil(manifest, harness.media_dir, "cut", lambda data: data[:1500])  # nothing decodes
    _spoil(manifest, harness.media_dir, "late", lambda data: data[: len(data) // 3])  # ~1 s of 3
    harness.run(
        4.0, lambda loop: loop.switcher.showing and loop.switcher.showing.slot.item.id == "end"
    )
    rows = _frames(tmp_path)
    assert _sequence(rows) == ["red", "late", "end"]
    late_rows = [r for r in rows if r["item"] == "late"]
    played = late_rows[-1]["t"] - late_rows[0]["t"]
    assert 0.3 < played < 2.0  # cut short where the file ends, not at its declared 3 s
    first_end = next(r for r in rows if r["item"] == "end")
    assert first_end["t"] - late_rows[-1]["t"] < 0.2  # its last frame stayed until then
    failed = {f["item"] for f in harness.status.get("render")["failures"]}
    assert failed == {"cut", "late"}
    plays = {p.item_id: p for p in harness.plays}
    assert not plays["late"].completed and plays["red"].completed


def test_splash_when_there_is_no_manifest(tmp_path):
    harness = Harness(make_config(tmp_path), tmp_path)
    harness.status.update("sync", state="offline", last_result="connection refused")
    px = capture_when(harness, "idle")
    render = harness.render_status
    assert render["splash"] == "no manifest yet" and render["screen"] == "on"
    assert mask_of(px, SPLASH_BG).mean() > 0.5
    assert (~mask_of(px, SPLASH_BG, 30)).sum() > 300  # text drawn on it


def test_splash_when_the_cache_is_empty(tmp_path):
    manifest, _media = publish(
        tmp_path,
        [{"id": "a", "type": "image", "color": list(RED), "duration": 1},
         {"id": "b", "type": "video", "seconds": 1}],
    )  # fmt: skip
    harness = Harness(make_config(tmp_path), tmp_path / "empty-cache")
    harness.inbox.put(ManifestActivated(manifest))
    px = capture_when(harness, "idle")
    render = harness.render_status
    assert render["splash"] == "nothing playable now"
    assert {f["item"] for f in render["failures"]} == {"a", "b"}
    assert "not in the cache" in render["failures"][0]["error"]
    assert mask_of(px, SPLASH_BG).mean() > 0.5 and (~mask_of(px, SPLASH_BG, 30)).sum() > 300
    lines = harness.loop.factory.splash_lines("nothing playable now")
    assert ("title", "test-screen") in lines and any("videotron" in t for _, t in lines)


def test_outside_operating_hours_the_screen_is_black(tmp_path):
    # Monday 03:00 in UTC; the screen is on 06:00-22:00 every day.
    start = dt.datetime(2024, 6, 3, 3, 0, tzinfo=dt.UTC).timestamp()
    t0 = time.monotonic()
    manifest, media = publish(
        tmp_path, [{"id": "a", "type": "image", "color": list(RED), "duration": 5}]
    )
    window = (TimeWindow(dt.time(6), dt.time(22)),)
    config = replace(
        make_config(tmp_path), operating_hours=OperatingHours({d: window for d in range(7)})
    )
    harness = Harness(config, media, clock=lambda: start + time.monotonic() - t0)
    harness.inbox.put(ManifestActivated(manifest))
    px = capture_when(harness, "off")
    assert mask_of(px, BLACK).all()
    render = harness.render_status
    assert render["screen"] == "black" and render["reason"] == "outside operating hours"
    assert render["until"] == "2024-06-03T06:00:00+00:00"
    assert harness.plays == []
    # `videotron status` says why the screen is black and until when, in words.
    text = render_summary({"render": render}, dt.datetime(2024, 6, 3, 3, 0, tzinfo=dt.UTC))
    (line,) = [x for x in text.splitlines() if x.strip().startswith("playing")]
    assert "screen black, outside operating hours; on again" in line
    assert "(in 3 h 0 min)" in line


def test_display_power_off_is_black_and_on_resumes(tmp_path):
    harness, _ = _harness(
        tmp_path, [{"id": "a", "type": "image", "color": list(RED), "duration": 10}]
    )
    harness.later(0.5, DisplayPower(on=False))
    harness.later(1.0, DisplayPower(on=True))
    harness.run(1.6)
    rows = _frames(tmp_path)
    assert _sequence(rows) == ["a", "off", "a"]
    assert all(_centre(r) == BLACK for r in rows if r["kind"] == "off")


def test_an_alert_takes_over_at_once_and_ends_on_expiry(tmp_path):
    harness, _ = _harness(
        tmp_path, [{"id": "a", "type": "image", "color": list(BLUE), "duration": 10}]
    )
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1.2)
    alert = Alert(id="flood", text="Banjir! Hindari jalan tepi sungai", expires_at=expires,
                  level="emergency")  # fmt: skip
    harness.later(0.4, AlertsChanged((alert,)))
    kinds: list[str] = []

    def back_on_schedule(loop) -> bool:
        showing = loop.switcher.showing
        kind = showing.slot.kind if showing is not None else None
        if not kinds or kinds[-1] != kind:
            kinds.append(kind)
        return "alert" in kinds and kind == "item" and loop.clock() - showing.shown_at >= 0.2

    harness.run(20.0, back_on_schedule)
    rows = _frames(tmp_path)
    assert _sequence(rows) == ["a", "alert", "a"]
    first_alert = next(r for r in rows if r["kind"] == "alert")
    assert (200, 0, 0) in {tuple(p) for p in first_alert["px"]}  # emergency red
    back = next(r for r in rows if r["kind"] == "item" and r["t"] > first_alert["t"])
    assert back["t"] >= expires.timestamp()  # not before its expiry
    assert {tuple(p) for p in back["px"]} == {BLUE}


def test_a_new_version_of_the_alert_on_screen_replaces_it(tmp_path):
    harness, _ = _harness(
        tmp_path, [{"id": "a", "type": "image", "color": list(BLUE), "duration": 10}]
    )
    now = dt.datetime.now(dt.UTC)
    first = Alert(id="flood", text="Jalan ditutup", expires_at=now + dt.timedelta(minutes=5),
                  issued_at=now, level="warning")  # fmt: skip
    second = replace(first, text="Banjir: evakuasi", level="emergency",
                     issued_at=now + dt.timedelta(seconds=1))  # fmt: skip
    harness.later(0.3, AlertsChanged((first,)))
    harness.later(0.8, AlertsChanged((second,)))
    harness.run(1.4)
    alert_rows = [r for r in _frames(tmp_path) if r["kind"] == "alert"]
    colours = [{tuple(p) for p in r["px"]} for r in alert_rows]
    assert (255, 176, 0) in colours[0]  # warning amber first
    assert (200, 0, 0) in colours[-1]  # then the emergency red of the new version
    assert harness.status.get("render")["alert_level"] == "emergency"


def test_withdrawn_item_is_replaced_at_once(tmp_path):
    harness, _ = _harness(
        tmp_path / "one", [{"id": "x", "type": "image", "color": list(RED), "duration": 5}]
    )
    other, _ = publish(
        tmp_path / "two", [{"id": "w", "type": "image", "color": list(BLUE), "duration": 5}]
    )
    shutil.copytree(tmp_path / "two/published/media", harness.media_dir, dirs_exist_ok=True)
    harness.later(0.5, ManifestActivated(other))
    harness.run(1.2)
    rows = _frames(tmp_path / "one")
    assert _sequence(rows) == ["x", "w"]
    assert all(_centre(r) == (RED if r["item"] == "x" else BLUE) for r in rows)
    assert harness.plays[0].item_id == "x" and not harness.plays[0].completed
