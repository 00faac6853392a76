"""Target profiles: publish refuses what the group's screens cannot play smoothly."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from central.mediaprofile import PROFILES, VideoTraits, check, ffmpeg_command, problems
from central.probe import probe_media
from central.publish import PublishError, publish
from tests.fixtures.media import make_clip, make_h264

NOW = dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.UTC)
FULL_HD = VideoTraits("h264", 1920, 1080, 30.0, "yuv420p", 8, "High", 40, 8_000_000)
X265 = {"preset": "ultrafast", "x265-params": "log-level=error"}
VP9 = {"deadline": "realtime", "cpu-used": "8"}


def traits(**changes) -> VideoTraits:
    return VideoTraits(**{**FULL_HD.__dict__, **changes})


@pytest.mark.parametrize(
    ("video", "pi4", "pi5"),
    [
        (FULL_HD, [], []),
        (traits(fps=60.0, level=42), [], []),
        (traits(width=3840, height=2160, level=51), ["larger than 1920x1080", "level 5.1"], 2),
        (traits(fps=120.0), ["120 frames a second is more than 60"], 1),
        (traits(pix_fmt="yuv420p10le", bit_depth=10, profile="High 10"), ["10-bit", "High 10"], []),
        (traits(pix_fmt="yuv422p", profile="High 4:2:2"), 2, ["not 4:2:0"]),
        (traits(bit_rate=60_000_000), ["60.0 Mbit/s is more than 40"], 1),
        (traits(codec="hevc", profile="Main"), ["v4l2-request"], ["Raspberry Pi's own FFmpeg"]),
        (traits(codec="vp9", profile="Profile 0", level=None), ["no VP9 decoder"], []),
        (traits(codec="vp9", fps=60.0, level=None), ["no VP9 decoder"], ["60 frames"]),
        (traits(codec="av1", level=None), ["no AV1 decoder"], ["no AV1 decoder"]),
        (traits(codec="mpeg4", level=None), ["do not play it"], ["do not play it"]),
    ],
)
def test_the_profile_table_says_what_each_screen_plays(video, pi4, pi5):
    for name, expected in (("pi4", pi4), ("pi5", pi5)):
        found = problems(video, PROFILES[name])
        if isinstance(expected, int):
            assert len(found) == expected, found
        else:
            assert len(found) == len(expected), found
            for reason, text in zip(found, expected, strict=True):
                assert text in reason


def test_target_any_refuses_what_no_screen_plays_and_warns_about_the_rest():
    assert check(FULL_HD, "any").refuse == () and check(FULL_HD, "any").warn == ()
    hevc = check(traits(codec="hevc"), "any")
    assert hevc.warn == () and "HEVC video" in hevc.refuse[0]
    vp9 = check(traits(codec="vp9", level=None), "any")
    assert vp9.refuse == ()
    assert vp9.warn == ("pi4 screens: VP9 video: a Pi 4 has no VP9 decoder and is too slow "
                        "for it in software",)  # fmt: skip
    assert check(traits(codec="vp9", level=None), "pi5") == check(FULL_HD, "pi4")


def test_the_ffmpeg_command_scales_the_long_side_and_caps_the_rate():
    tall = ffmpeg_command("in.mp4", traits(width=3840, height=2160, fps=50.0))
    assert tall == (
        "ffmpeg -i in.mp4 -c:v libx264 -profile:v high -level 4.1 -pix_fmt yuv420p "
        "-vf scale=-2:1080 -b:v 8M -an in-h264.mp4"
    )
    wide = ffmpeg_command("media/my clip.mov", traits(width=5760, height=1080, fps=120.0))
    assert "-vf scale=1920:-2 -r 30" in wide
    assert wide.startswith("ffmpeg -i 'media/my clip.mov' ") and wide.endswith(
        " 'media/my clip-h264.mp4'"
    )


# -- publish with real files made here ------------------------------------------------------


def playlist(folder: Path, file: str, target: str | None) -> Path:
    head = f"group: lobby\n{'target: ' + target if target else ''}\n"
    body = (
        f"playlists:\n  - name: main\n    items:\n      - {{id: clip, type: video, file: {file}}}\n"
    )
    path = folder / "playlist.yaml"
    path.write_text(head + body)
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    """Real files: a 4K HEVC, a VP9, a 10-bit H.264 and a plain 1080p H.264."""
    folder = tmp_path_factory.mktemp("clips")
    return {
        "hevc4k": make_clip(folder / "hevc4k.mp4", "libx265", size=(3840, 2160), options=X265),
        "vp9": make_clip(folder / "vp9.webm", "libvpx-vp9", size=(640, 360), options=VP9),
        "h264x10": make_clip(
            folder / "deep.mp4", "libx264", pix_fmt="yuv420p10le", options={"preset": "ultrafast"}
        ),
        "h264": make_h264(folder / "fine.mp4", size=(1920, 1080), seconds=0.2),
    }


def test_probe_reads_what_the_check_needs_from_real_files(clips):
    hevc = probe_media(clips["hevc4k"]).traits
    assert (hevc.codec, hevc.width, hevc.height, hevc.bit_depth) == ("hevc", 3840, 2160, 8)
    assert hevc.fps == 25.0 and hevc.profile == "Main"
    deep = probe_media(clips["h264x10"]).traits
    assert (deep.pix_fmt, deep.bit_depth, deep.profile) == ("yuv420p10le", 10, "High 10")
    assert probe_media(clips["vp9"]).traits.codec == "vp9"


def test_publish_refuses_4k_hevc_for_pi4_with_the_line_and_a_conversion_command(clips, tmp_path):
    folder = clips["hevc4k"].parent
    for target in (None, "pi4"):  # pi4 is the default
        with pytest.raises(PublishError) as caught:
            publish(playlist(folder, "hevc4k.mp4", target), tmp_path / "out", None, NOW)
        (message,) = caught.value.problems
        assert message.startswith(f"{folder / 'playlist.yaml'}:6: playlists[0].items[0].file")
        assert "hevc4k.mp4 will not play smoothly on target pi4: HEVC video" in message
        assert message.endswith(
            "Re-encode it: ffmpeg -i hevc4k.mp4 -c:v libx264 -profile:v high -level 4.1 "
            "-pix_fmt yuv420p -vf scale=-2:1080 -b:v 8M -an hevc4k-h264.mp4"
        )
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_each_target_refuses_or_warns_on_real_files(clips, tmp_path):
    folder = clips["vp9"].parent
    for name in ("vp9.webm", "deep.mp4"):
        with pytest.raises(PublishError, match="will not play smoothly on target pi4"):
            publish(playlist(folder, name, "pi4"), tmp_path / "a", None, NOW)
        done = publish(playlist(folder, name, "pi5"), tmp_path / "b", None, NOW)
        assert done.warnings == ()
        anywhere = publish(playlist(folder, name, "any"), tmp_path / "c", None, NOW)
        (warning,) = anywhere.warnings
        assert f"{name} will not play on pi4 screens:" in warning
    with pytest.raises(PublishError, match="HEVC video: the Pi 5's HEVC decoder needs"):
        publish(playlist(folder, "hevc4k.mp4", "pi5"), tmp_path / "d", None, NOW)
    assert publish(playlist(folder, "fine.mp4", "pi4"), tmp_path / "e", None, NOW).warnings == ()


def test_a_mistyped_target_is_refused_with_a_suggestion(clips, tmp_path):
    with pytest.raises(PublishError) as caught:
        publish(playlist(clips["h264"].parent, "fine.mp4", "pi-4"), tmp_path, None, NOW)
    (message,) = caught.value.problems
    assert message.endswith(":2: target: must be pi4 | pi5 | any, not 'pi-4' (did you mean 'pi4'?)")


def test_the_cli_prints_the_refusal_and_warnings(clips, tmp_path):
    folder = clips["vp9"].parent

    def run(target: str) -> subprocess.CompletedProcess:
        yaml_file = playlist(folder, "vp9.webm", target)
        command = [sys.executable, "-m", "videotron", "publish", str(yaml_file), "--unsigned"]
        return subprocess.run(
            [*command, "--out", str(tmp_path / target)],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    refused = run("pi4")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "error: " in refused.stderr and "ffmpeg -i vp9.webm -c:v libx264" in refused.stderr
    warned = run("any")
    assert warned.returncode == 0, warned.stderr
    assert "warning: " in warned.stderr and "vp9.webm will not play on pi4 screens" in warned.stderr
