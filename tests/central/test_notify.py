"""`videotron notify` and `videotron alert` as real subprocesses against a real mosquitto."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

from player.wire import signing
from player.wire.alert import AlertCancel
from player.wire.parse import parse
from tests.fixtures.content import publish_tree, write_key
from tests.fixtures.mosquitto import MqttProbe, free_port
from tests.push.runner import PushRunner, push_config

ROOT = Path(__file__).resolve().parents[2]


def videotron(*args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "videotron", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def write_config(path: Path, url: str, *, prefix: str = "vt") -> Path:
    path.write_text(
        f"mqtt:\n  url: {url}\n  topic_prefix: {prefix}\n",
        encoding="utf-8",
    )
    return path


def test_notify_wakes_a_player_within_a_second(mosquitto, mqtt_probe, tmp_path):
    manifest_path = publish_tree(tmp_path / "site", [{"id": "a", "type": "text", "text": "Hi"}])
    data = manifest_path.read_bytes()
    manifest = parse(data)
    config = write_config(tmp_path / "central.yaml", mosquitto.url)
    with PushRunner(push_config(mosquitto.url, group=manifest.group)) as runner:
        runner.wait_connected()
        result = videotron("--config", str(config), "notify", "--manifest", str(manifest_path))
        acked = time.monotonic()
        assert result.returncode == 0, result.stderr
        assert f"vt/{manifest.group}/manifest" in result.stdout
        [(kind, notice)] = runner.wait_events(1, timeout=1.0)
        assert time.monotonic() - acked < 1.0
    assert kind == "notice"
    assert notice["sequence"] == manifest.sequence
    assert notice["sha256"] == hashlib.sha256(data).hexdigest()
    assert notice["group"] == manifest.group
    # Retained, so a screen that boots later learns about it too.
    mqtt_probe.subscribe(f"vt/{manifest.group}/manifest")
    assert mqtt_probe.wait_for(lambda m: m.retain).json() == notice


def test_notify_with_mqtt_option_needs_no_config(mosquitto, mqtt_probe, tmp_path):
    manifest_path = publish_tree(tmp_path / "site", [{"id": "a", "type": "text", "text": "Hi"}])
    result = videotron(
        "--config", str(tmp_path / "missing.yaml"),
        "notify", "--manifest", str(manifest_path), "--mqtt", mosquitto.url,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    mqtt_probe.subscribe("videotron/test/manifest")  # default prefix
    assert (
        mqtt_probe.wait_for(lambda m: m.retain).json()["sequence"]
        == parse(manifest_path.read_bytes()).sequence
    )


def test_notify_reports_an_unreachable_broker_quickly(tmp_path):
    manifest_path = publish_tree(tmp_path / "site", [{"id": "a", "type": "text", "text": "Hi"}])
    url = f"mqtt://127.0.0.1:{free_port()}"
    started = time.monotonic()
    result = videotron(
        "--config", str(tmp_path / "missing.yaml"),
        "notify", "--manifest", str(manifest_path), "--mqtt", url,
    )  # fmt: skip
    assert time.monotonic() - started < 10
    assert result.returncode == 1
    assert url in result.stderr and "refused" in result.stderr.lower(), result.stderr


def test_notify_explains_bad_input(mosquitto, tmp_path):
    bad = tmp_path / "manifest.json"
    bad.write_text('{"version": 1, "group": "x"', encoding="utf-8")
    result = videotron("notify", "--manifest", str(bad), "--mqtt", mosquitto.url)
    assert result.returncode == 1
    assert str(bad) in result.stderr and "JSON" in result.stderr

    manifest_path = publish_tree(tmp_path / "site", [{"id": "a", "type": "text", "text": "Hi"}])
    no_broker = tmp_path / "nobroker.yaml"
    no_broker.write_text("mqtt:\n  topic_prefix: vt\n", encoding="utf-8")
    result = videotron("--config", str(no_broker), "notify", "--manifest", str(manifest_path))
    assert result.returncode == 1
    assert "mqtt.url" in result.stderr and "--mqtt" in result.stderr

    player_yaml = tmp_path / "player.yaml"
    player_yaml.write_text("player:\n  id: x\nmqtt:\n  url: mqtt://h\n", encoding="utf-8")
    result = videotron("--config", str(player_yaml), "notify", "--manifest", str(manifest_path))
    assert result.returncode == 1
    assert f"{player_yaml}:1:1: player: unknown key 'player' at the top level" in result.stderr
    assert "central.yaml" in result.stderr

    typo = tmp_path / "typo.yaml"
    typo.write_text("mqtt:\n  url: mqtt://h\n  topic_prefx: vt\n", encoding="utf-8")
    result = videotron("--config", str(typo), "notify", "--manifest", str(manifest_path))
    assert result.returncode == 1
    assert (
        f"{typo}:3:3: mqtt.topic_prefx: unknown key 'topic_prefx' in mqtt; "
        "did you mean mqtt.topic_prefix?\nfix it, or pass --mqtt" in result.stderr
    )


def test_alert_reaches_the_player_and_the_broker_forgets_it_at_expiry(
    mosquitto, mqtt_probe, tmp_path
):
    key_path, public = write_key(tmp_path / "keys" / "publisher.key")
    config = write_config(tmp_path / "central.yaml", mosquitto.url)
    with PushRunner(push_config(mosquitto.url, public_key=public, group="lobby")) as runner:
        runner.wait_connected()
        result = videotron(
            "--config", str(config), "alert", "Banjir: hindari Jl. Sudirman",
            "--group", "lobby", "--expires", "3s", "--key", str(key_path), "--id", "flood-1",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert "flood-1" in result.stdout and "vt/lobby/alert" in result.stdout
        [(kind, alert)] = runner.wait_events(1, timeout=2.0)
    assert kind == "alert"
    assert (alert.id, alert.text, alert.level) == (
        "flood-1",
        "Banjir: hindari Jl. Sudirman",
        "emergency",
    )
    assert 0 < (alert.expires_at - alert.issued_at).total_seconds() <= 3

    def retained_alert_present() -> bool:
        probe = MqttProbe(mosquitto)
        try:
            probe.subscribe("vt/lobby/alert")
            probe.subscribe("vt/sentinel")
            # Retained messages are sent with the SUBACK; a message of ours published after
            # it arrives after them, so it marks the end of what the broker had.
            probe.publish("vt/sentinel", b"end", qos=1)
            probe.wait_for(lambda m: m.topic == "vt/sentinel")
            return bool(probe.collected("vt/lobby/alert"))
        finally:
            probe.close()

    # Retained while valid: a screen connecting now still gets it ...
    assert retained_alert_present()
    deadline = time.monotonic() + 8
    while retained_alert_present():
        # ... and once expired the broker drops it, so late screens get nothing at all.
        assert time.monotonic() < deadline, "expired alert still retained by the broker"
        time.sleep(0.2)


def test_alert_refuses_bad_options_with_clear_messages(mosquitto, tmp_path):
    key_path, _ = write_key(tmp_path / "keys" / "publisher.key")
    common = ["--group", "lobby", "--key", str(key_path), "--mqtt", mosquitto.url]
    result = videotron("alert", "Hello", "--expires", "soon", *common)
    assert result.returncode == 1 and "--expires 'soon'" in result.stderr

    result = videotron("alert", "   ", *common)
    assert result.returncode == 1 and "empty" in result.stderr

    result = videotron("alert", "Hello", "--group", "lobby", "--key", str(key_path) + ".pub",
                       "--mqtt", mosquitto.url)  # fmt: skip
    assert result.returncode == 1 and ".pub" in result.stderr

    result = videotron("alert", "Hello", "--group", "a/#", "--key", str(key_path),
                       "--mqtt", mosquitto.url)  # fmt: skip
    assert result.returncode == 1 and "must be one MQTT topic level" in result.stderr

    result = videotron("alert", *common)
    assert result.returncode == 1 and "--cancel ID" in result.stderr
    result = videotron("alert", "Hello", "--cancel", "flood-1", *common)
    assert result.returncode == 1 and "--cancel takes no alert text" in result.stderr


def test_alert_payload_is_sealed_and_retained(mosquitto, mqtt_probe, tmp_path):
    key_path, _ = write_key(tmp_path / "keys" / "publisher.key")
    mqtt_probe.subscribe("videotron/lobby/alert")
    result = videotron(
        "alert", "Test", "--group", "lobby", "--key", str(key_path), "--mqtt", mosquitto.url,
        "--level", "info",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    message = mqtt_probe.wait_for(lambda m: m.topic == "videotron/lobby/alert")
    envelope = json.loads(message.payload)
    assert set(envelope) == {"payload", "sig"} and envelope["sig"]


def test_alert_refuses_a_lifetime_past_the_bound_instead_of_a_traceback(tmp_path):
    key_path, _ = write_key(tmp_path / "keys" / "publisher.key")
    common = ["--group", "lobby", "--key", str(key_path), "--mqtt", "mqtt://127.0.0.1:9"]
    for expires in ("32d", "99999999999d", "1" + "0" * 400 + "s"):
        result = videotron("alert", "Hello", "--expires", expires, *common)
        assert result.returncode == 1, expires
        assert f"--expires '{expires}': at most 31d" in result.stderr
        assert "Traceback" not in result.stderr


def test_alert_cancel_is_sealed_retained_and_outlives_the_alert(mosquitto, mqtt_probe, tmp_path):
    key_path, public_key = write_key(tmp_path / "keys" / "publisher.key")
    mqtt_probe.subscribe("videotron/lobby/alert")
    result = videotron(
        "alert", "--cancel", "flood-1", "--group", "lobby", "--key", str(key_path),
        "--mqtt", mosquitto.url,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "cancel of alert flood-1" in result.stdout
    message = mqtt_probe.wait_for(lambda m: m.topic == "videotron/lobby/alert")
    payload = signing.open_sealed(message.payload, public_key, dt.datetime.now(dt.UTC))
    cancel = signing.parse_alert_message(payload)
    assert isinstance(cancel, AlertCancel) and (cancel.id, cancel.group) == ("flood-1", "lobby")
    assert cancel.expires_at - cancel.issued_at == dt.timedelta(days=1)


def test_alert_signs_with_the_publish_key_of_central_yaml_when_no_key_is_given(
    mosquitto, mqtt_probe, tmp_path
):
    key_path, public_key = write_key(tmp_path / "keys" / "publisher.key")
    config = write_config(tmp_path / "central.yaml", mosquitto.url)
    with config.open("a", encoding="utf-8") as out:
        out.write(f"publish:\n  key: {key_path}\n")
    mqtt_probe.subscribe("vt/lobby/alert")
    result = videotron("--config", str(config), "alert", "Uji", "--group", "lobby")
    assert result.returncode == 0, result.stderr
    message = mqtt_probe.wait_for(lambda m: m.topic == "vt/lobby/alert")
    payload = signing.open_sealed(message.payload, public_key, dt.datetime.now(dt.UTC))
    assert (payload["text"], payload["group"]) == ("Uji", "lobby")

    # Without a key anywhere it says where one goes, and sends nothing.
    bare = write_config(tmp_path / "bare.yaml", mosquitto.url)
    result = videotron("--config", str(bare), "alert", "Uji", "--group", "lobby")
    assert result.returncode == 1
    assert f"no --key and no publish.key in {bare}" in result.stderr
