"""Two publishers racing on one group's folder: sequences only grow, the tree stays whole."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from central import publishlock
from central.publish import verify_media_file
from player.wire.parse import parse
from player.wire.signing import verify
from tests.fixtures.content import write_key
from tests.fixtures.media import make_image

ROUNDS = 10  # per publisher: enough to interleave on 2 busy cores, a few seconds in all

# One publisher: ROUNDS publishes of its own image to the shared folder, each sequence
# printed as it is returned.
PUBLISHER = textwrap.dedent("""
    import datetime as dt, sys
    from pathlib import Path
    from central.publish import publish
    authoring, out, key = (Path(arg) for arg in sys.argv[1:4])
    for _ in range(int(sys.argv[4])):
        now = dt.datetime.now(dt.UTC)
        print(publish(authoring, out, key, now, holder=authoring.stem).sequence, flush=True)
""")  # fmt: skip


def authoring(tmp_path: Path, name: str, color: tuple[int, int, int]) -> Path:
    image = make_image(tmp_path / f"{name}.png", size=(64, 36), color=color)
    path = tmp_path / f"{name}.yaml"
    document = {"group": "A", "playlists": [{"name": "main", "items": [
        {"id": name, "type": "image", "file": str(image), "duration": 5}]}]}  # fmt: skip
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_two_publishers_racing_on_one_folder_publish_whole_trees_in_sequence(tmp_path):
    key, public = write_key(tmp_path / "keys" / "publisher.key")
    out = tmp_path / "site" / "A"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    racers = []
    for name, color in (("merah", (255, 0, 0)), ("biru", (0, 0, 255))):
        source = authoring(tmp_path, name, color)
        racers.append(subprocess.Popen(
            [sys.executable, "-c", PUBLISHER, str(source), str(out), str(key), str(ROUNDS)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        ))  # fmt: skip
    # Meanwhile, as a screen polls: the manifest it finds never goes back in sequence.
    seen: list[int] = []
    deadline = time.monotonic() + 180
    while any(racer.poll() is None for racer in racers) and time.monotonic() < deadline:
        try:
            data = (out / "manifest.json").read_bytes()
        except FileNotFoundError:
            assert not seen, "the published manifest went away"
            continue
        sequence = json.loads(data)["sequence"]  # never half written
        if not seen or seen[-1] != sequence:
            seen.append(sequence)
    results = [racer.communicate(timeout=max(1.0, deadline - time.monotonic())) for racer in racers]
    for racer, (_, stderr) in zip(racers, results, strict=True):
        assert racer.returncode == 0, stderr
    sequences = [[int(line) for line in stdout.split()] for stdout, _ in results]

    every = sequences[0] + sequences[1]
    assert len(every) == 2 * ROUNDS
    assert len(set(every)) == len(every), f"a sequence was published twice: {sequences}"
    for own in sequences:  # each publisher's own publishes follow one another
        assert own == sorted(own)
    assert seen == sorted(seen), f"a screen saw the sequence go back: {seen}"

    data = (out / "manifest.json").read_bytes()
    verify(data, (out / "manifest.json.sig").read_bytes(), public)
    manifest = parse(data)
    assert manifest.sequence == max(every)  # the last publish is the newest
    for media in manifest.media.values():
        verify_media_file(out / media.url, media)
    assert not list((out / "media").glob(".*.tmp"))


def test_a_publisher_waiting_too_long_is_told_who_holds_the_folder(tmp_path):
    folder = tmp_path / "site" / "A"
    with (
        publishlock.publish_lock(folder, "console: ana approving"),
        pytest.raises(publishlock.PublishBusy) as busy,
        publishlock.publish_lock(folder, "videotron publish", wait=0.2),
    ):
        pytest.fail("two publishers held one folder at once")
    message = str(busy.value)
    assert "console: ana approving since " in message and str(folder) in message
    with publishlock.publish_lock(folder, "videotron publish", wait=0.2):
        pass  # released with its block
