"""Pytest configuration shared by every test module."""

import os
import re

import pytest

# Never open a real window unless a test asks for Xvfb explicitly.
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

pytest_plugins = [
    "tests.fixtures.media",
    "tests.fixtures.mosquitto",
    "tests.fixtures.content",
    "tests.fixtures.nginx",
    "tests.fixtures.xvfb",
    "tests.fixtures.postgres",
    "tests.fixtures.trickle",
]

# A test module that draws with pygame, in its own process or through a player it starts:
# these also run on Debian's own pygame in CI (.ci/run, `-m pygame`); the rest of the suite
# does not depend on which pygame is installed and runs once.
DRAWS_WITH_PYGAME = (
    r"^\s*(import pygame|from pygame)|player\.render|player\.app\b|player\.led|tests\.render"
    r"|PlayerProcess\(|\bScreen\(|screen_color|corner_and_picture|soak_harness"
)


def pytest_collection_modifyitems(items):
    draws = re.compile(DRAWS_WITH_PYGAME, re.MULTILINE)
    by_module = {}
    for item in items:
        if item.path not in by_module:
            by_module[item.path] = bool(draws.search(item.path.read_text(encoding="utf-8")))
        if by_module[item.path]:
            item.add_marker(pytest.mark.pygame)
