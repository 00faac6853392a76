"""Back after a power cut: the start path to the first frame imports only what that frame needs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.fixtures.content import publish_tree

# What the first frame of an image from cache does not need (issue 32). Each is imported
# where it is used: by the parts started after the first frame (sync, push, the config
# watcher) or by the items that show it (video, prayer times, the Hijri date, weather).
NOT_BEFORE_FIRST_FRAME = (
    # pygame's optional numpy and pkg_resources: held back by player.render.pygameload.
    "numpy",
    "pkg_resources",
    "av",
    "requests",
    "paho",
    "watchdog",
    "feedparser",
    "astral",
    "hijridate",
    "player.sync.loop",
    "player.sync.http",
    "player.sync.scrub",
    "player.push.client",
    "player.config.watcher",
    "player.localinfo.prayer",
    "player.localinfo.hijri",
    "player.render.prayerboard",
    "player.render.weatherboard",
    # Started after the first frame: the status file, the control socket and the
    # proof-of-play store (sqlite3, uuid) (issue 32).
    "sqlite3",
    "uuid",
    "player.push.popstore",
    "player.service.control",
    "player.service.statusfile",
    # Imported by the first video item.
    "player.render.video",
)

# Runs the real player from its cache on a headless display; at its first frame it writes
# the modules loaded so far and stops.
FIRST_FRAME_MODULES = """
import json, sys
from pathlib import Path
from player.app import Player, RunOptions

player = Player(Path(sys.argv[1]), RunOptions(headless=True))

def first_frame():
    Path(sys.argv[2]).write_text(json.dumps(sorted(sys.modules)))
    player.request_stop("first frame seen")

player._first_frame = first_frame
sys.exit(player.run())
"""


def modules_at_first_frame(tmp_path: Path, public_key: str, key_path: Path) -> set[str]:
    site = tmp_path / "site"
    publish_tree(
        site,
        [{"id": "red", "type": "image", "color": [220, 20, 20], "duration": 60}],
        key_path,
        # The notice and the pause are read from every manifest; their prayer times are
        # computed only for a screen with a place, and so imported only there.
        extra={"defaults": {"prayer_notice_minutes": 10}},
    )
    config = tmp_path / "player.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "player": {"id": "start-1", "group": "test"},
                "source": {"url": str(site), "public_key": public_key, "poll_interval": 3600},
                "cache": {"dir": str(tmp_path / "cache")},
                "runtime": {"dir": str(tmp_path / "run")},
                "display": {"size": "320x180", "fps": 10},
            }
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    subprocess.run(
        [sys.executable, "-m", "videotron", "--config", str(config), "sync", "--once"],
        check=True, capture_output=True, timeout=120, env=env,
    )  # fmt: skip
    out = tmp_path / "modules.json"
    result = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME_MODULES, str(config), str(out)],
        capture_output=True, text=True, timeout=120, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return set(json.loads(out.read_text()))


def loaded(modules: set[str], name: str) -> bool:
    return name in modules or any(m.startswith(name + ".") for m in modules)


def test_the_first_frame_from_cache_imports_nothing_it_does_not_need(
    tmp_path: Path, publisher_key
) -> None:
    key_path, public_key = publisher_key
    modules = modules_at_first_frame(tmp_path, public_key, key_path)
    # What the frame does need is there: the list is real, not empty.
    assert {"pygame", "player.render.loop", "player.sync.store", "PIL.Image"} <= modules
    needless = [name for name in NOT_BEFORE_FIRST_FRAME if loaded(modules, name)]
    assert not needless, (
        f"the start path imports {needless} before the first frame; import each where it "
        "is used (after the first frame, or by the item that needs it)"
    )
