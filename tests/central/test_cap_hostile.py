"""Hostile CAP input is refused without harm, with the reason in the status and the log.

A running `videotron cap-watch` is fed an XML bomb, an external entity, a 50 MB file
(over HTTP and in a folder), a schema-invalid file, an expired warning, a Cancel of an
unknown identifier and a server that trickles. Nothing reaches the broker, the watcher
keeps running, and a good warning published afterwards still goes out.
"""

from __future__ import annotations

import datetime as dt
import http.server
import threading

import pytest

from central.cap.fetch import FetchError, fetch_url
from tests.central.cap_files import BOGOR, area, cap, info, rss, square
from tests.central.cap_watch import CapWatchProcess, central_yaml, put
from tests.central.test_cap_parse import BOMB, EXTERNAL
from tests.fixtures.content import write_key

BIG = 50 * 1024 * 1024


def test_hostile_files_are_refused_and_the_watcher_carries_on(
    nginx, mosquitto, mqtt_probe, trickle_server, tmp_path
):
    key_path, _ = write_key(tmp_path / "keys" / "publisher.key")
    now = dt.datetime.now(dt.UTC)
    polygon = [area("Kota Bogor", polygon=square(*BOGOR))]
    hostile = {
        "bomb.xml": BOMB,
        "external.xml": EXTERNAL,
        "big.xml": b"<alert>" + b" " * BIG,
        "invalid.xml": cap("INV1", [], sent=now, status="Rumor"),
        "expired.xml": cap("OLD1", [info("Sudah lewat", polygon,
                                         expires=now - dt.timedelta(minutes=1))], sent=now),
        "cancel.xml": cap("CNL1", [], sent=now, msg_type="Cancel",
                          references=(("NEVER-SEEN", now),)),
    }  # fmt: skip
    reasons = {
        "bomb.xml": "declares a DTD",
        "external.xml": "declares a DTD",
        "big.xml": "over the limit of 1048576",
        "invalid.xml": "not valid CAP 1.2",
        "expired.xml": "in the past",
        "cancel.xml": "Cancel for an unknown identifier (NEVER-SEEN)",
    }
    for name, data in hostile.items():
        put(nginx.root / name, data)
    put(nginx.root / "rss.xml", rss(nginx.url, list(hostile)))
    drop = tmp_path / "drop"
    drop.mkdir()
    with (drop / "huge.xml").open("wb") as out:
        out.truncate(BIG)  # a sparse file: 50 MB to read, none of it on disk
    trickle_server.files["/cap.xml"] = cap("SLOW1", [info("Lambat", polygon)], sent=now)
    trickle_server.trickle.add("/cap.xml")
    work = tmp_path / "office"
    work.mkdir()
    central = central_yaml(
        tmp_path / "central.yaml", broker=mosquitto.url, key=key_path,
        sources=[f"url: {nginx.url}/rss.xml", f"folder: {drop}",
                 f"url: {trickle_server.url('/cap.xml')}"],
        groups=f"    bogor:\n      location: '{BOGOR[0]},{BOGOR[1]}'\n",
        work=work, poll=1, deadline=2,
    )  # fmt: skip
    mqtt_probe.subscribe("vt/+/alert")
    watcher = CapWatchProcess(central, work / "cap-status.json", work / "cap-watch.log")
    watcher.start()
    try:
        for name, reason in reasons.items():
            decision = watcher.verdict(name, timeout=30)
            assert decision["verdict"] == "refused" and reason in decision["reason"], decision
        huge = watcher.verdict(str(drop / "huge.xml"))
        assert "over the limit" in huge["reason"]
        slow = watcher.wait_for(
            "the trickling source marked failing",
            lambda s: "server too slow" in (s["sources"][2].get("last_error") or ""),
            30,
        )["sources"][2]
        assert slow["state"] == "failing"
        big_sent = sum(r.bytes for r in nginx.requests() if r.uri == "/big.xml")
        assert big_sent < BIG // 5, f"nginx sent {big_sent} bytes of big.xml"
        assert mqtt_probe.collected("vt/bogor/alert") == []

        # Still running: a good warning goes out, and nothing refused is judged twice.
        put(nginx.root / "good.xml", cap("GOOD1", [info("Hujan lebat", polygon)], sent=now))
        put(nginx.root / "rss.xml", rss(nginx.url, ["good.xml", *hostile]))
        assert watcher.verdict("GOOD1")["verdict"] == "accepted"
        assert len(mqtt_probe.collected("vt/bogor/alert")) == 1
        # Probes after it, in the feed and in the folder: once each has its verdict, both
        # sources have been polled again since, and would have judged a file twice by then.
        put(nginx.root / "probe-feed.xml", cap("PROBE1", [], sent=now, status="Rumor"))
        put(nginx.root / "rss.xml", rss(nginx.url, ["probe-feed.xml", "good.xml", *hostile]))
        put(drop / "probe-drop.xml", cap("PROBE2", [], sent=now, status="Rumor"))
        for name in ("probe-feed.xml", "probe-drop.xml"):
            assert watcher.verdict(name, timeout=30)["verdict"] == "refused"
        assert len(mqtt_probe.collected("vt/bogor/alert")) == 1
        recent = watcher.status()["recent"]
        assert len(recent) == len({(d["where"], d["reason"]) for d in recent}), recent
    finally:
        assert watcher.stop() == 0
    log = watcher.log.read_text()
    for reason in (*reasons.values(), "server too slow"):
        assert reason in log


class _Endless(http.server.BaseHTTPRequestHandler):
    """Answers with no Content-Length and a body that ends only when the client hangs up."""

    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        chunk = b" " * 65536
        try:
            for _ in range(BIG // len(chunk)):
                self.wfile.write(chunk)
                self.server.sent += len(chunk)  # type: ignore[attr-defined]
        except OSError:
            pass

    def log_message(self, *_args) -> None:
        pass


def test_a_body_without_length_is_cut_at_the_cap_while_streaming():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Endless)
    server.sent = 0  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(FetchError, match="while downloading") as refused:
            fetch_url(f"http://127.0.0.1:{server.server_port}/feed.xml", etag=None,
                      last_modified=None, max_bytes=1 << 20, deadline=20)  # fmt: skip
        assert refused.value.content
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert server.sent < BIG // 5  # type: ignore[attr-defined]


def test_an_audit_database_that_is_down_costs_audit_rows_not_warnings(
    mosquitto, mqtt_probe, tmp_path
):
    key_path, _ = write_key(tmp_path / "keys" / "publisher.key")
    drop = tmp_path / "drop"
    drop.mkdir()
    polygon = [area("Kota Bogor", polygon=square(*BOGOR))]
    put(drop / "a.xml", cap("DBDOWN1", [info("Hujan", polygon)], sent=dt.datetime.now(dt.UTC)))
    work = tmp_path / "office"
    work.mkdir()
    central = central_yaml(
        tmp_path / "central.yaml", broker=mosquitto.url, key=key_path,
        sources=[f"folder: {drop}"], work=work, poll=1,
        groups=f"    bogor:\n      location: '{BOGOR[0]},{BOGOR[1]}'\n",
        database="postgresql://videotron@127.0.0.1:1/nowhere",  # nothing listens on port 1
    )  # fmt: skip
    mqtt_probe.subscribe("vt/bogor/alert")
    watcher = CapWatchProcess(central, work / "cap-status.json", work / "cap-watch.log")
    watcher.start()
    try:
        assert watcher.verdict("DBDOWN1")["verdict"] == "accepted"
        mqtt_probe.wait_for(lambda m: m.topic == "vt/bogor/alert", 10)
    finally:
        assert watcher.stop() == 0
    assert "CAP audit record not written" in watcher.log.read_text()
