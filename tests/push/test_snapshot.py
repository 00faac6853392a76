"""Screenshots for the office fit the size bound and still show the frame."""

from __future__ import annotations

import base64
import io
import os

from PIL import Image

from player.push.snapshot import MAX_JPEG_BYTES, encode_jpeg, screenshot_message


def test_a_noisy_full_hd_frame_is_squeezed_under_the_bound():
    noise = Image.frombytes("RGB", (1920, 1080), os.urandom(1920 * 1080 * 3))
    jpeg = encode_jpeg(noise)
    assert len(jpeg) <= MAX_JPEG_BYTES
    with Image.open(io.BytesIO(jpeg)) as small:
        assert small.format == "JPEG" and max(small.size) <= 1280


def test_the_message_carries_the_frame_time_and_item():
    frame = Image.new("RGB", (320, 180), (200, 0, 0))
    frame.paste((0, 0, 200), (160, 0, 320, 180))
    png = io.BytesIO()
    frame.save(png, format="PNG")
    message = screenshot_message(
        png.getvalue(), taken_at="2024-05-01T08:00:00Z", item="poster", playlist="main"
    )
    assert (message["width"], message["height"]) == (320, 180)
    assert message["item"] == "poster" and message["taken_at"] == "2024-05-01T08:00:00Z"
    with Image.open(io.BytesIO(base64.b64decode(message["jpeg"]))) as shot:
        left, right = shot.getpixel((40, 90)), shot.getpixel((280, 90))
    assert left[0] > 150 and left[2] < 60 and right[2] > 150 and right[0] < 60
