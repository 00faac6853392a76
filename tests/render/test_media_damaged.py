"""A media file found damaged while it plays or waits: off the screen at once, skipped
until the sync has fetched it again, then played again."""

from __future__ import annotations

import time

from player.events import ManifestActivated, MediaDamaged, MediaRestored
from tests.render.helpers import Harness, close_to, make_config, pixel, publish, showing_id

GRAY = (128, 128, 128)


def test_a_damaged_video_leaves_the_screen_at_once_and_returns_once_restored(tmp_path) -> None:
    manifest, media = publish(
        tmp_path,
        [
            {"id": "clip", "type": "video", "seconds": 1.0, "duration": 60},
            {"id": "gray", "type": "image", "color": list(GRAY), "duration": 2},
        ],
    )
    clip = next(i for i in manifest.items() if i.id == "clip").media
    harness = Harness(make_config(tmp_path, fps=10), media)
    harness.inbox.put(ManifestActivated(manifest))
    marks: dict[str, object] = {}

    def probe(loop) -> bool:
        shown = showing_id(loop)
        if shown == "clip" and "clip" not in marks:
            marks["clip"] = time.monotonic()
            # Found by the background check while it plays (the file is already open).
            harness.later(0.3, MediaDamaged(clip, "its sha256 is now 0123456789ab…"))
        elif shown == "gray" and "clip" in marks and "gray" not in marks:
            marks["gray"] = time.monotonic()
            marks["pixel"] = pixel(loop, 160, 90)
            marks["failure"] = loop.switcher.failures.get("clip")
            marks["status"] = harness.status.get("render").get("failures")
            harness.later(2.5, MediaRestored((clip,)))  # after gray's turn: skipped once
        elif shown == "clip" and "gray" in marks:
            marks["again"] = time.monotonic()
            return True
        return False

    loop = harness.run(40, probe)

    assert "gray" in marks, f"still showing {showing_id(loop)}"
    assert marks["gray"] - marks["clip"] < 10  # the clip was due to play for 60 s
    assert close_to(marks["pixel"], GRAY)
    assert "damaged on disk" in marks["failure"]
    assert [f["item"] for f in marks["status"]] == ["clip"]
    # Skipped while missing (gray played its 2 s at least twice), back once restored.
    assert "again" in marks and marks["again"] - marks["gray"] > 4
    assert loop.switcher.failures == {}
