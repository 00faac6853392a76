"""Still frames for the office's preview: items with the manifest's ticker bar and clock."""

from __future__ import annotations

import json

from PIL import Image

from player.render import stills
from tests.fixtures.content import publish_tree

GREEN = (0, 160, 0)


def near(a, b, tolerance=30) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=False))


def test_an_item_is_drawn_with_the_ticker_bar_and_the_clock_the_manifest_lays_over_it(tmp_path):
    manifest_path = publish_tree(
        tmp_path / "published",
        [{"id": "hijau", "type": "image", "color": list(GREEN), "size": [320, 180]}],
        extra={"ticker": {"lines": ["Jalan Sudirman ditutup"], "background": "#ffff00"},
               "clock": {"position": "top-left"}},
    )  # fmt: skip
    job = {
        "manifest": json.loads(manifest_path.read_text("utf-8")),
        "media_dir": str(tmp_path / "published" / "media"), "out_dir": str(tmp_path / "out"),
        "output": [640, 360], "region": None, "rotation": 180, "timezone": "Asia/Jakarta",
        "frames": {"hijau": "hijau.png", "absent": "absent.png"}, "wait": 10,
        "result": str(tmp_path / "result.json"),
    }  # fmt: skip
    (tmp_path / "job.json").write_text(json.dumps(job), "utf-8")

    assert stills.main([str(tmp_path / "job.json")]) == 0
    result = json.loads((tmp_path / "result.json").read_text("utf-8"))
    assert result["content"] == [640, 360]
    assert result["frames"]["hijau"] == {"file": "hijau.png"}
    assert "not in the manifest" in result["frames"]["absent"]["error"]
    with Image.open(tmp_path / "out" / "hijau.png") as png:
        frame = png.convert("RGB")
    assert frame.size == (640, 360)  # upright: the rotation is the cable's, not the viewer's
    assert near(frame.getpixel((320, 150)), GREEN)  # the item, in the main zone
    bar = [frame.getpixel((x, 355)) for x in range(0, 640, 8)]
    assert sum(near(p, (255, 255, 0)) for p in bar) > len(bar) // 2  # the ticker, at the bottom
    text = frame.crop((0, 335, 640, 360)).getcolors(640 * 25)
    assert any(min(color) > 200 for _, color in text)  # its white words, not an empty bar
    corner = frame.crop((0, 0, 120, 60)).getcolors(120 * 60)
    assert len(corner) > 2  # the clock's box and digits over the picture, top left


def test_a_job_that_cannot_be_read_exits_with_its_reason(tmp_path, capsys):
    (tmp_path / "job.json").write_text("{", "utf-8")
    assert stills.main([str(tmp_path / "job.json")]) == 1
    assert "job.json" in capsys.readouterr().err
