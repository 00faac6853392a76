"""cap-watch while the broker restarts: a warning that cannot be sent waits and goes out after."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.central.cap_files import BOGOR, area, cap, info, square
from tests.central.cap_watch import CapWatchProcess, central_yaml, put
from tests.fixtures.content import write_key
from tests.fixtures.mosquitto import Mosquitto, MqttProbe


@pytest.mark.slow
def test_a_warning_that_finds_the_broker_down_goes_out_when_it_is_back(tmp_path):
    key_path, _ = write_key(tmp_path / "keys" / "publisher.key")
    (tmp_path / "broker").mkdir()
    broker = Mosquitto(tmp_path / "broker", persistence=True)
    broker.start()
    probe = MqttProbe(broker, "screens-of-bogor", persistent=True)
    drop = tmp_path / "drop"
    drop.mkdir()
    work = tmp_path / "office"
    work.mkdir()
    central = central_yaml(
        tmp_path / "central.yaml", broker=broker.url, key=key_path,
        sources=[f"folder: {drop}"], work=work, poll=1,
        groups=f"    bogor:\n      location: '{BOGOR[0]},{BOGOR[1]}'\n",
    )  # fmt: skip
    watcher = CapWatchProcess(central, work / "cap-status.json", work / "cap-watch.log")
    try:
        probe.subscribe("vt/bogor/alert")
        watcher.start()
        watcher.wait_for("a first poll", lambda s: s.get("sources"), 30)
        broker.stop()
        polygon = [area("Kota Bogor", polygon=square(*BOGOR))]
        sent = dt.datetime.now(dt.UTC)
        put(drop / "a.xml", cap("BROKERDOWN1", [info("Hujan", polygon)], sent=sent))
        watcher.wait_for(
            "the send refused", lambda _: "not sent to bogor" in watcher.log.read_text(), 60
        )
        assert not probe.collected("vt/bogor/alert")
        broker.start()
        probe.wait_for(lambda m: m.topic == "vt/bogor/alert", 60)
        assert watcher.verdict("BROKERDOWN1", 30)["verdict"] == "accepted"
    finally:
        probe.close()
        assert watcher.stop() == 0
        broker.stop()
