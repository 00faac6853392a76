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
            ":2:8: mqtt.url 'http://b': scheme must be mqtt:// or mqtts://",
        ),
        ("mqtt:\n  url: [1]\n", ":2:8: mqtt.url: must be text"),
        ("mqtt:\n  topic_prefix: 'a/#'\n", ":2:17: mqtt.topic_prefix: topic levels without"),
        ("mqt:\n  url: mqtt://b\n", ":1:1: unknown section 'mqt' (did you mean 'mqtt'?)"),
        ("- a\n", ":1:1: the file must be a mapping of sections"),
        ("mqtt: [\n", "not valid YAML"),
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
    with pytest.raises(CentralConfigError, match="is over 256 KB"):
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
        == f"{deep}:1:14: nested more than 8 levels deep; this is not a central config"
    )
