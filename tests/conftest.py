"""Pytest configuration shared by every test module."""

import os

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
