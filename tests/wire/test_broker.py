"""Broker URLs and topic names: the small pure parts of push."""

from __future__ import annotations

import pytest

from player.config.loader import ConfigError, load_config
from player.wire.broker import make_topics, parse_broker_url, pop_ack_topic


def test_broker_urls():
    plain = parse_broker_url("mqtt://broker.example")
    assert (plain.host, plain.port, plain.tls) == ("broker.example", 1883, False)
    tls = parse_broker_url("mqtts://user:p%40ss@10.0.0.5")
    assert (tls.host, tls.port, tls.tls) == ("10.0.0.5", 8883, True)
    assert (tls.username, tls.password) == ("user", "p@ss")
    assert tls.display == "mqtts://10.0.0.5:8883"  # never shows the password


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://broker:1883", "scheme must be mqtt:// or mqtts://"),
        ("mqtt://", "no host name"),
        ("mqtt://broker:99999", "bad port"),
    ],
)
def test_bad_broker_urls_say_what_is_wrong(url, message):
    with pytest.raises(ValueError, match=message) as info:
        parse_broker_url(url)
    assert url in str(info.value)


def test_topics_and_wildcards():
    topics = make_topics("videotron", "alun-alun", "screen-01")
    assert topics.manifest == "videotron/alun-alun/manifest"
    assert topics.alert == "videotron/alun-alun/alert"
    assert topics.command == "videotron/player/screen-01/command"
    assert topics.status == "videotron/player/screen-01/status"
    assert topics.pop == "videotron/player/screen-01/pop"
    with pytest.raises(ValueError, match=r"player\.group"):
        make_topics("videotron", "#", "screen-01")
    # The prefix may have levels of its own; a group or a player id is exactly one.
    assert make_topics("pemkot/vt", "lobby", "s1").alert == "pemkot/vt/lobby/alert"


@pytest.mark.parametrize("name", ["a/b", "lobby/", "/", "+", "lo+bby", "#", "a#", "a\0b", ""])
def test_a_group_or_player_id_is_exactly_one_topic_level(name):
    with pytest.raises(ValueError, match=r"player\.group .* one MQTT topic level"):
        make_topics("videotron", name, "screen-01")
    with pytest.raises(ValueError, match=r"player\.id .* one MQTT topic level"):
        make_topics("videotron", "lobby", name)
    with pytest.raises(ValueError, match=r"player\.id"):
        pop_ack_topic("videotron", name)


def test_the_player_config_accepts_only_names_the_wire_takes(tmp_path):
    for key in ("id", "group"):
        config = tmp_path / f"{key}.yaml"
        config.write_text(f"player:\n  {key}: a/b\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=rf"player\.{key}"):
            load_config(config)
