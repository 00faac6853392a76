"""The frame log proves the gap: every presented frame is wholly one item, switches on time."""

from itertools import pairwise

from player.events import ManifestActivated
from tests.render.helpers import Harness, close_to, make_config, publish, read_frame_log

FPS = 30
COLORS = {
    "poster": (255, 0, 0),
    "clip": (0, 0, 255),
    "notice": (0, 255, 0),
    "film": (255, 0, 255),
}
WHITE = (255, 255, 255)  # the moving bar in the test videos


def _belongs(row: dict) -> bool:
    """Every sampled pixel is the claimed item's colour (or, in a video, its white bar)."""
    want = COLORS[row["item"]]
    allowed = [want, WHITE] if row["content"].count("#") else [want]
    tol = 40 if len(allowed) == 2 else 0  # H.264 is lossy; stills are exact
    return all(any(close_to(px, c, tol) for c in allowed) for px in row["px"])


def _waited(rows: list[dict], first: int, last: int) -> float:
    """CPU the busy machine kept from the player between two logged frames (seconds).

    Lateness up to this much is the machine's, not the player's; on an idle machine it
    is about zero, so there every late frame fails the test.
    """
    return rows[last]["wait"] - rows[max(0, first)]["wait"]


def test_a_playlist_of_images_and_h264_videos_has_no_gap(tmp_path):
    manifest, media = publish(
        tmp_path,
        [
            {"id": "poster", "type": "image", "color": list(COLORS["poster"]), "duration": 0.6},
            {"id": "clip", "type": "video", "color": list(COLORS["clip"]), "seconds": 1.0},
            {"id": "notice", "type": "image", "color": list(COLORS["notice"]), "duration": 0.5},
            {"id": "film", "type": "video", "color": list(COLORS["film"]), "seconds": 0.8,
             "size": [640, 360], "fps": 30},
        ],
    )  # fmt: skip
    log_path = tmp_path / "frames.jsonl"
    harness = Harness(make_config(tmp_path, fps=FPS), media, frame_log=log_path)
    harness.inbox.put(ManifestActivated(manifest))
    harness.run(6.4)
    rows = read_frame_log(log_path)

    assert all(row["kind"] == "item" for row in rows)
    bad = [row for row in rows if not _belongs(row)]
    assert not bad, f"{len(bad)} frames show something else, first: {bad[0]}"

    switch_rows = [i for i in range(1, len(rows)) if rows[i]["item"] != rows[i - 1]["item"]]
    switches = [rows[i] for i in switch_rows]
    order = [row["item"] for row in [rows[0], *switches]]
    assert order[:8] == ["poster", "clip", "notice", "film"] * 2
    frame = 1 / FPS
    for i in switch_rows:
        row, excused = rows[i], _waited(rows, i - 3, i)
        late = row["t"] - row["switch_at"]
        assert -0.002 <= late < frame + excused, (
            f"switch to {row['item']} late by {late * 1000:.1f} ms "
            f"(the machine kept {excused * 1000:.1f} ms of CPU from the player meanwhile)"
        )
        assert row["switch_at"] == row["slot_start"]
    # The switches follow one another with no hole: each starts where the last one ended.
    durations = {"poster": 0.6, "clip": 1.0, "notice": 0.5, "film": 0.8}
    for a, b in pairwise(switches):
        assert abs(b["switch_at"] - a["switch_at"] - durations[a["item"]]) < 0.002

    # Videos really play: one new decoded frame per frame tick, none frozen.
    start = next(i for i in switch_rows if rows[i]["item"] == "clip")
    end = next(i for i in switch_rows if i > start)
    clip_rows = list(range(start, end))[:25]
    indexes = [int(rows[i]["content"].split("#")[1]) for i in clip_rows]
    frames_kept = _waited(rows, clip_rows[0] - 3, clip_rows[-1]) / frame
    assert indexes == sorted(indexes) and len(set(indexes)) >= 20 - frames_kept
    frames_kept = _waited(rows, 0, len(rows) - 1) / frame
    assert harness.status.get("render")["dropped"] <= 2 + frames_kept
