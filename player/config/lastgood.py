"""Where the last valid config is kept, and what a config that failed validation still says."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from player.config.model import Config
from player.wire.smallfile import read_small_file, yaml_too_deep

LAST_GOOD_NAME = "last-good-config.yaml"
BESIDE_SUFFIX = ".last-good"  # player.yaml.last-good beside player.yaml
MAX_RAW_BYTES = 256 * 1024  # as loader.MAX_BYTES: a config is a page of settings
MAX_RAW_DEPTH = 16  # as loader.MAX_DEPTH


def last_good_places(config_path: Path, cache_dir: Path) -> list[Path]:
    """Where the last valid copy of `config_path` may be kept, the place to write first.

    systemd's StateDirectory= when set; else beside the config file (`player.yaml.last-good`),
    found however broken the file is, also when it named another cache.dir; last the
    cache dir (a config folder the player cannot write, and copies older versions kept).
    """
    places = []
    state = os.environ.get("STATE_DIRECTORY")  # set by systemd's StateDirectory=
    if state:
        places.append(Path(state.split(":")[0]) / LAST_GOOD_NAME)
    places.append(config_path.parent / f"{config_path.name}{BESIDE_SUFFIX}")
    places.append(cache_dir / LAST_GOOD_NAME)
    return places


def last_good_copies(config_path: Path) -> list[Path]:
    """The kept copies of `config_path` that exist, newest first: what a broken start reads.

    Found without the broken file's help, except the cache dir, which is read leniently
    from it (else the default).
    """
    found = []
    for place in last_good_places(config_path, cache_dir_named_in(config_path)):
        try:
            found.append((place.stat().st_mtime, place))
        except OSError:
            continue
    return [place for _, place in sorted(found, key=lambda pair: pair[0], reverse=True)]


def named_in(path: Path, section: str, key: str) -> str | None:
    """`section.key` as written in a config file that may have failed validation.

    Read leniently (a broken value elsewhere does not matter here); None when the file
    cannot be read or parsed, or does not name the key as text.
    """
    try:  # bounded like every config read: this file already failed, it may be anything
        text = read_small_file(path, MAX_RAW_BYTES).decode("utf-8")
        if yaml_too_deep(text, MAX_RAW_DEPTH) is not None:
            return None
        raw = yaml.safe_load(text)
        value = raw[section][key]
    except (OSError, ValueError, yaml.YAMLError, TypeError, KeyError, RecursionError):
        return None
    return value if isinstance(value, str) else None


def cache_dir_named_in(path: Path) -> Path:
    """cache.dir as written in a config file that failed validation, else the default."""
    named = named_in(path, "cache", "dir")
    return Path(named) if named and named.startswith("/") else Config().cache.dir
