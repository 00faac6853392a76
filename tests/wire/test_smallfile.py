"""YAML read by libyaml when PyYAML has it, with the Python parser's words for every error."""

from __future__ import annotations

import pytest
import yaml

from player.wire.smallfile import read_yaml, yaml_too_deep

CONFIG = "player: {id: a, group: b}\ndisplay:\n  size: 1920x1080\n  fps: 30\n"
BROKEN = ["player: {id: a\n", "a: b\n c: d\n", "a: [1, 2\n", "- a\nb: c\n", "a: 'x\n"]


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")
def test_a_config_is_read_by_libyaml():
    node = read_yaml(CONFIG, yaml.compose)
    # libyaml's marks are its own type; the nodes and positions are those Python reads.
    assert type(node.start_mark) is not yaml.Mark
    python = yaml.compose(CONFIG, Loader=yaml.SafeLoader)
    assert [(k.value, k.start_mark.line, k.start_mark.column) for k, _ in node.value] == [
        (k.value, k.start_mark.line, k.start_mark.column) for k, _ in python.value
    ]


@pytest.mark.parametrize("text", BROKEN)
def test_a_syntax_error_says_what_pythons_parser_says(text):
    with pytest.raises(yaml.YAMLError) as python:
        yaml.compose(text, Loader=yaml.SafeLoader)
    with pytest.raises(yaml.YAMLError) as ours:
        read_yaml(text, yaml.compose)
    assert str(ours.value) == str(python.value)
    with pytest.raises(yaml.YAMLError) as deep:
        yaml_too_deep(text, 16)
    assert str(deep.value) == str(python.value)


def test_a_file_nested_5000_deep_is_refused_at_the_first_level_past_the_limit():
    mark = yaml_too_deep("a: " + "[" * 5000 + "]" * 5000, 16)
    assert (mark.line, mark.column) == (0, 3 + 15)  # the mapping is the first level
    assert yaml_too_deep(CONFIG, 16) is None
