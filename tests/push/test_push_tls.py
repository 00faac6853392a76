"""mqtts:// with a private CA and broker logins, as on a real deployment."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import paho.mqtt.client as mqtt

from tests.fixtures.content import publish_tree
from tests.fixtures.mosquitto import Mosquitto
from tests.push.runner import GROUP, PushRunner, push_config, wait_until

ROOT = Path(__file__).resolve().parents[2]


def start_broker(tmp_path: Path) -> Mosquitto:
    (tmp_path / "tls-broker").mkdir()
    broker = Mosquitto(tmp_path / "tls-broker", tls=True, users={"screen": "s3cret pass"})
    broker.start()
    return broker


def test_tls_with_ca_bundle_and_login(tmp_path):
    broker = start_broker(tmp_path)
    try:
        config = push_config(
            broker.url, username="screen", password="s3cret pass", ca_bundle=broker.ca
        )
        with PushRunner(config) as runner:
            runner.wait_connected(10)
            assert runner.status.get("mqtt")["broker"] == broker.url

            # The central side over the same TLS broker: `videotron notify` with the config.
            manifest = publish_tree(tmp_path / "site", [{"id": "a", "type": "text", "text": "x"}],
                                    group=GROUP)  # fmt: skip
            central = tmp_path / "central.yaml"
            central.write_text(
                f"mqtt:\n  url: {broker.url}\n  topic_prefix: vt\n  username: screen\n"
                f"  password: s3cret pass\n  ca_bundle: {broker.ca}\n",
                encoding="utf-8",
            )
            result = subprocess.run(
                [sys.executable, "-m", "videotron", "--config", str(central), "notify",
                 "--manifest", str(manifest)],
                cwd=ROOT, capture_output=True, text=True, timeout=30, check=False,
            )  # fmt: skip
            assert result.returncode == 0, result.stderr
            [(kind, notice)] = runner.wait_events(1)
            assert kind == "notice"
            assert notice["sequence"] == json.loads(manifest.read_bytes())["sequence"]
    finally:
        broker.stop()


def test_refused_login_and_unknown_ca_keep_retrying_without_blocking(tmp_path):
    broker = start_broker(tmp_path)
    try:
        wrong_password = push_config(
            broker.url, username="screen", password="nope", ca_bundle=broker.ca
        )
        with PushRunner(wrong_password) as runner:
            wait_until(
                lambda: "refused" in str(runner.status.get("mqtt").get("last_error")),
                10,
                "the refusal to show in the status",
            )
            assert not runner.client.connected
            beats = len(runner.beats)
            wait_until(lambda: len(runner.beats) > beats + 3, 3, "the loop to keep beating")

        # Without the private CA, the system CAs cannot verify the broker: refused, retried.
        no_ca = push_config(broker.url, username="screen", password="s3cret pass")
        with PushRunner(no_ca) as runner:
            wait_until(
                lambda: (
                    "CERTIFICATE_VERIFY_FAILED" in str(runner.status.get("mqtt").get("last_error"))
                ),
                10,
                "a certificate error in the status",
            )
            assert not runner.client.connected
    finally:
        broker.stop()


def test_plain_client_cannot_talk_to_the_tls_port(tmp_path):
    broker = start_broker(tmp_path)
    try:
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        client.username_pw_set("screen", "s3cret pass")
        connected = []
        client.on_connect = lambda *_: connected.append(True)
        client.connect("127.0.0.1", broker.port)
        for _ in range(20):
            if client.loop(timeout=0.05) != mqtt.MQTT_ERR_SUCCESS:
                break
        assert not connected  # the TLS test above is really encrypted
    finally:
        broker.stop()
