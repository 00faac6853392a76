"""central.yaml: the shipped template loads, and mistakes are named by file, line and key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from central.config import CentralConfigError, load_central_config

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_template_is_a_valid_central_config():
    config = load_central_config(ROOT / "config" / "central.yaml")
    assert config.mqtt.url == "mqtts://broker.example.go.id:8883"
    assert config.mqtt.topic_prefix == "videotron"


def test_a_relative_ca_bundle_is_relative_to_the_file(tmp_path):
    path = tmp_path / "central.yaml"
    path.write_text("mqtt:\n  url: mqtts://b\n  ca_bundle: ca.pem\n", encoding="utf-8")
    assert load_central_config(path).mqtt.ca_bundle == tmp_path / "ca.pem"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "mqtt:\n  url: http://b\n",
            ":2:8: mqtt.url: 'http://b': scheme must be mqtt:// or mqtts://",
        ),
        ("mqtt:\n  url: [1]\n", ":2:8: mqtt.url: expected an mqtt:// URL, got a list"),
        (
            "mqtt:\n  topic_prefix: 'a/#'\n",
            ":2:17: mqtt.topic_prefix: 'a/#' is not allowed here: "
            "expected topic levels without '#', '+' or spaces",
        ),
        (
            "mqt:\n  url: mqtt://b\n",
            ":1:1: mqt: unknown key 'mqt' at the top level; did you mean mqtt?",
        ),
        (
            "player:\n  id: a\n",
            ":1:1: player: unknown key 'player' at the top level; this looks "
            "like a player's config: the office side reads central.yaml",
        ),
        ("- a\n", ":1:1: (top level): expected a mapping of sections such as 'mqtt:'"),
        ("mqtt: [\n", "mqtt: YAML syntax error"),
        ("[" * 5000, "nested more than 8 levels deep"),
    ],
)
def test_mistakes_are_named_by_line_and_key(tmp_path, text, message):
    path = tmp_path / "central.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CentralConfigError) as caught:
        load_central_config(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_a_folder_or_a_huge_file_is_refused_without_reading_it_all(tmp_path):
    with pytest.raises(CentralConfigError, match="is a folder"):
        load_central_config(tmp_path)
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"#" * (2 * 1024 * 1024))
    with pytest.raises(CentralConfigError, match="is over 256 KiB"):
        load_central_config(huge)


def test_a_pipe_a_device_or_a_deep_nesting_is_refused_at_once_in_one_line(tmp_path):
    fifo = tmp_path / "central.yaml"
    os.mkfifo(fifo)  # nobody writes: opening it to read used to wait forever
    with pytest.raises(CentralConfigError, match=r"named pipe \(FIFO\), not a regular file"):
        load_central_config(fifo)
    with pytest.raises(CentralConfigError, match="is a device, not a regular file"):
        load_central_config(Path("/dev/zero"))
    deep = tmp_path / "deep.yaml"
    deep.write_text("mqtt: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(CentralConfigError) as caught:
        load_central_config(deep)
    assert (
        str(caught.value)
        == f"{deep}:1:14: (file): nested more than 8 levels deep; this is not a central config"
    )


def test_the_template_documents_the_collector_and_publishing():
    config = load_central_config(ROOT / "config" / "central.yaml")
    assert config.collector.database.reveal() == (
        "sqlite:////var/lib/videotron-central/central.sqlite3"
    )
    assert config.collector.client_id == "videotron-collector"
    assert config.collector.session_expiry == 7 * 86400
    assert config.collector.screenshots_kept == 5
    assert config.publish.key == Path("/etc/videotron/publisher.key")
    assert config.publish.groups == {"bogor-city": Path("/srv/videotron/bogor-city")}


def test_collector_defaults_and_a_relative_sqlite_file(tmp_path):
    path = tmp_path / "central.yaml"
    path.write_text("collector:\n  database: sqlite:///data/c.sqlite3\n", encoding="utf-8")
    config = load_central_config(path)
    assert config.collector.database.reveal() == f"sqlite:///{tmp_path}/data/c.sqlite3"
    assert config.collector.session_expiry == 7 * 86400


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("collector:\n  database: mysql://x/y\n", ":2:13: collector.database: 'mysql://x/y': use"),
        (
            "collector:\n  session_expiry: 10\n",
            ":2:19: collector.session_expiry: 10s is out of range: must be from 60s",
        ),
        ("collector:\n  session_expiry: 2w\n", "a duration like 90s, 5m, 2h or 1d, got '2w'"),
        (
            "collector:\n  screenshots_kept: 0\n",
            ":2:21: collector.screenshots_kept: 0 is out of range: must be from 1 to 1000",
        ),
        (
            "collector:\n  client_id: a b\n",
            ":2:14: collector.client_id: 'a b' is not allowed here: expected 1 to 64 letters",
        ),
        (
            "collector:\n  databse: x\n",
            "unknown key 'databse' in collector; did you mean collector.database?",
        ),
        ("publish:\n  groups: [a]\n", ":2:11: publish.groups: expected a mapping of group: folder"),
        ("publish:\n  groups:\n    a/b: /srv\n", ":3:5: publish.groups: group 'a/b'"),
    ],
)
def test_collector_mistakes_are_named_by_line_and_key(tmp_path, text, message):
    path = tmp_path / "central.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CentralConfigError) as caught:
        load_central_config(path)
    assert message in str(caught.value)


def test_share_group_makes_shared_subscriptions(tmp_path):
    from player.wire.broker import report_filters

    path = tmp_path / "central.yaml"
    path.write_text("collector:\n  share_group: office\n", encoding="utf-8")
    group = load_central_config(path).collector.share_group
    assert report_filters("vt", group)[0] == "$share/office/vt/player/+/status"
    path.write_text("collector:\n  share_group: a/b\n", encoding="utf-8")
    with pytest.raises(CentralConfigError) as caught:
        load_central_config(path)
    assert ":2:16: collector.share_group: 'a/b' is not allowed here: expected 1 to 64" in str(
        caught.value
    )


def test_every_problem_at_once_with_its_line_and_a_did_you_mean(tmp_path):
    path = tmp_path / "central.yaml"
    path.write_text(
        "mqtt:\n  url: mqtt://b\n  pasword: x\n"
        "collector:\n  screenshots_kept: 0\n"
        "cap:\n  poll_intervall: 5m\n  groups:\n    a:\n      locaton: '-6.5,106.8'\n"
        "consol:\n  port: 80\n",
        encoding="utf-8",
    )
    with pytest.raises(CentralConfigError) as caught:
        load_central_config(path)
    assert [str(issue).removeprefix(str(path)) for issue in caught.value.issues] == [
        ":3:3: mqtt.pasword: unknown key 'pasword' in mqtt; did you mean mqtt.password?",
        ":5:21: collector.screenshots_kept: 0 is out of range: must be from 1 to 1000",
        ":7:3: cap.poll_intervall: unknown key 'poll_intervall' in cap; did you mean "
        "cap.poll_interval?",
        ":10:7: cap.groups.a.locaton: unknown key 'locaton'; did you mean location?",
        ":11:1: consol: unknown key 'consol' at the top level; did you mean console?",
    ]
    assert str(caught.value).count("\n") == 4  # one line per problem


def test_a_loaded_config_never_shows_its_passwords(tmp_path):
    # A traceback or a log line prints the config's repr: no password may be in it.
    path = tmp_path / "central.yaml"
    path.write_text(
        "mqtt:\n  url: mqtt://b\n  username: office\n  password: rahasia-mqtt\n"
        "collector:\n  database: postgresql://vt:rahasia-db@db.example/vt\n",
        encoding="utf-8",
    )
    config = load_central_config(path)
    for shown in (repr(config), str(config), f"{config.collector.database}"):
        assert "rahasia" not in shown
    assert config.mqtt.password.reveal() == "rahasia-mqtt"
    assert config.collector.database.reveal() == "postgresql://vt:rahasia-db@db.example/vt"
    assert config.cap.audit_database == config.collector.database


def test_a_refused_database_url_does_not_show_its_password(tmp_path):
    path = tmp_path / "central.yaml"
    path.write_text("collector:\n  database: mysql://vt:rahasia@db/vt\n", encoding="utf-8")
    with pytest.raises(CentralConfigError) as caught:
        load_central_config(path)
    assert "rahasia" not in str(caught.value)
    assert "collector.database: 'mysql://…': use sqlite:////ABSOLUTE/FILE" in str(caught.value)
