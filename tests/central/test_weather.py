"""BMKG's forecast end to end: a loopback stand-in for BMKG, the office's refresh, a screen.

The stand-in serves the recorded sample (tests/localinfo/bmkg-31.71.03.1001.json, written
in BMKG's published format) with its times moved to the moment a test chooses.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from PIL import Image

from central.config import CentralConfigError, load_central_config
from central.publish import publish
from central.weather.refresh import refresh
from player.render import weatherboard
from player.wire.parse import parse
from player.wire.signing import load_private_key, verify
from player.wire.weather import parse_forecast
from tests.fixtures.content import publish_tree
from tests.fixtures.player import PlayerProcess, near, videotron

SAMPLE = Path(__file__).parents[1] / "localinfo" / "bmkg-31.71.03.1001.json"
SAMPLE_ISSUED = dt.datetime(2026, 12, 7, 0, 0, tzinfo=dt.UTC)
ADM4 = "31.71.03.1001"


def sample_issued_at(issued: dt.datetime) -> bytes:
    """The recorded sample with every time moved so that its analysis time is `issued`."""
    shift = issued.replace(minute=0, second=0, microsecond=0) - SAMPLE_ISSUED
    raw = json.loads(SAMPLE.read_text(encoding="utf-8"))
    for day in raw["data"][0]["cuaca"]:
        for entry in day:
            for key, form in (
                ("datetime", "%Y-%m-%dT%H:%M:%SZ"),
                ("utc_datetime", "%Y-%m-%d %H:%M:%S"),
                ("local_datetime", "%Y-%m-%d %H:%M:%S"),
                ("analysis_date", "%Y-%m-%dT%H:%M:%S"),
            ):
                moved = dt.datetime.strptime(entry[key], form) + shift
                entry[key] = moved.strftime(form)
    return json.dumps(raw).encode()


class Bmkg:
    """BMKG's forecast address on loopback: `body` for the right village, 404 otherwise."""

    def __init__(self) -> None:
        self.body = sample_issued_at(dt.datetime.now(dt.UTC))
        self.requests: list[str] = []
        bmkg = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                bmkg.requests.append(self.path)
                ok = self.path == f"/publik/prakiraan-cuaca?adm4={ADM4}"
                self.send_response(200 if ok else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(bmkg.body if ok else b"{}")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/publik/prakiraan-cuaca"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def bmkg() -> Iterator[Bmkg]:
    server = Bmkg()
    yield server
    server.close()


def office(tmp_path: Path, key: Path, url: str, **extra) -> Path:
    """central.yaml publishing group `jakarta` into tmp/site with weather from `url`."""
    path = tmp_path / "central.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "publish": {"key": str(key), "groups": {"jakarta": str(tmp_path / "site")}},
                "weather": {"url": url, "groups": {"jakarta": ADM4}, **extra},
            }
        ),
        encoding="utf-8",
    )
    return path


ITEMS = [
    {"id": "cuaca", "type": "weather", "duration": 15},
    {"id": "poster", "type": "image", "color": [20, 200, 20], "duration": 3},
]


def test_weather_groups_are_checked_with_every_problem_at_once(tmp_path, publisher_key):
    key, _ = publisher_key
    config = office(tmp_path, key, "https://api.bmkg.go.id/publik/prakiraan-cuaca")
    assert load_central_config(config).weather.groups == {"jakarta": ADM4}
    text = config.read_text().replace(ADM4, "3171031001").replace("https", "ftp")
    config.write_text(text + "  requests_per_minute: 600\n", encoding="utf-8")
    with pytest.raises(CentralConfigError) as caught:
        load_central_config(config)
    message = str(caught.value)
    for expected in ("weather.groups.jakarta", "31.71.03.1001", "weather.url", "from 1 to 60"):
        assert expected in message


def test_a_refresh_publishes_signed_weather_without_touching_the_items(
    tmp_path, publisher_key, bmkg
):
    key_path, public = publisher_key
    site = tmp_path / "site"
    publish_tree(site, ITEMS, key_path, group="jakarta")
    before = json.loads((site / "manifest.json").read_bytes())
    config = load_central_config(office(tmp_path, key_path, bmkg.url))
    slept: list[float] = []
    clock = [1000.0]
    results = refresh(
        config, load_private_key(key_path), monotonic=lambda: clock[0],
        sleep=lambda s: (slept.append(s), clock.__setitem__(0, clock[0] + s)),
    )  # fmt: skip
    (result,) = results
    assert result.error is None and result.periods == 24
    data = (site / "manifest.json").read_bytes()
    verify(data, (site / "manifest.json.sig").read_bytes(), public)
    after = json.loads(data)
    assert after["playlists"] == before["playlists"]  # approvals and content hashes hold
    assert after["sequence"] > before["sequence"]
    ref = parse(data).localinfo.weather
    document = (site / "media" / ref.sha256).read_bytes()
    assert parse_forecast(document).area.startswith("Gunung Sahari Selatan")
    assert bmkg.requests == [f"/publik/prakiraan-cuaca?adm4={ADM4}"]
    # A content publish afterwards keeps the forecast the refresh put there.
    src = tmp_path / "site-src" / "playlist.yaml"
    publish(src, site, key_path, dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5))
    assert parse((site / "manifest.json").read_bytes()).localinfo.weather == ref
    # A second refresh replaces the document; a group BMKG does not know keeps its last.
    bmkg.body = sample_issued_at(dt.datetime.now(dt.UTC) + dt.timedelta(hours=3))
    refresh(config, load_private_key(key_path), monotonic=lambda: clock[0], sleep=slept.append)
    newer = parse((site / "manifest.json").read_bytes())
    assert newer.localinfo.weather.sha256 != ref.sha256 and ref.sha256 not in newer.media


def test_groups_sharing_a_village_cost_one_request_and_requests_keep_the_rate(
    tmp_path, publisher_key, bmkg
):
    key_path, _ = publisher_key
    for group in ("a", "b", "c"):
        publish_tree(tmp_path / group, ITEMS, key_path, group=group)
    path = tmp_path / "central.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "publish": {"key": str(key_path),
                            "groups": {g: str(tmp_path / g) for g in "abc"}},
                "weather": {"url": bmkg.url, "requests_per_minute": 30,
                            "groups": {"a": ADM4, "b": ADM4, "c": "32.71.01.1001"}},
            }
        ),
        encoding="utf-8",
    )  # fmt: skip
    clock, sent = [0.0], []
    original = refresh.__globals__["fetch_url"]

    def fetch(url, **kwargs):
        sent.append(clock[0])
        return original(url, **kwargs)

    results = refresh(
        load_central_config(path), load_private_key(key_path), fetch=fetch,
        monotonic=lambda: clock[0], sleep=lambda s: clock.__setitem__(0, clock[0] + s),
    )  # fmt: skip
    assert sent == [0.0, 2.0]  # a and b share one answer; c waits 60/30 s
    assert [r.error is None for r in results] == [True, True, False]
    assert "404" in results[2].error and "last forecast stays" in results[2].error


def test_a_screen_shows_the_forecast_and_hides_it_once_24_hours_old(tmp_path, publisher_key, bmkg):
    key_path, public = publisher_key
    site = tmp_path / "site"
    publish_tree(site, ITEMS, key_path, group="jakarta")
    central = office(tmp_path, key_path, bmkg.url)
    videotron("--config", str(central), "weather")
    config = tmp_path / "player.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "player": {"id": "cuaca-1", "group": "jakarta", "timezone": "Asia/Jakarta"},
                "source": {"url": str(site), "public_key": public, "poll_interval": 5},
                "cache": {"dir": str(tmp_path / "cache")},
                "runtime": {"dir": str(tmp_path / "run")},
                "display": {"size": "384x192", "fps": 10},
            }
        ),
        encoding="utf-8",
    )
    player = PlayerProcess(config, tmp_path / "run", tmp_path / "player.log")
    player.start()
    try:
        before = player.wait_item("cuaca", 60)["render"]["since"]
        shot = tmp_path / "weather.png"
        videotron("--config", str(config), "screenshot", str(shot), "--timeout", "10")
        assert player.status()["render"]["since"] == before  # the shot is of the weather
        with Image.open(shot) as image:
            rgb = image.convert("RGB")
            assert near(rgb.getpixel((192, 2)), weatherboard.BLUE)  # the title band
            assert near(rgb.getpixel((2, 189)), weatherboard.BLUE)  # "Sumber: BMKG" footer
            assert near(rgb.getpixel((2, 60)), weatherboard.PANEL)
        # BMKG's forecast turns 30 h old: the refresh still publishes it, the screen hides it.
        bmkg.body = sample_issued_at(dt.datetime.now(dt.UTC) - dt.timedelta(hours=30))
        videotron("--config", str(central), "weather")
        status = player.wait_for(
            "the weather item skipped as too old",
            lambda s: any(
                f["item"] == "cuaca" and "h old" in f["error"]
                for f in s.get("render", {}).get("failures", [])
            ),
            60,
        )
        assert status["render"]["item"] != "cuaca"
        done = subprocess.run(
            [sys.executable, "-m", "videotron", "--config", str(config), "status"],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
        assert "cuaca" in done.stdout and "old" in done.stdout
    finally:
        player.stop()
