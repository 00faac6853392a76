"""Software dimming: the frame on screen is multiplied by the level, and follows a new level."""

from __future__ import annotations

from player.events import ManifestActivated
from player.led.software import SoftwareDimmer
from tests.render.helpers import Harness, close_to, make_config, pixel, publish, showing_id

GREY = (240, 240, 240)


def test_the_picture_is_dimmed_to_the_level_and_brightened_again(tmp_path):
    dimmer = SoftwareDimmer()
    dimmer.set(50)
    manifest, media = publish(
        tmp_path, [{"id": "grey", "type": "image", "color": list(GREY), "duration": 60}]
    )
    harness = Harness(make_config(tmp_path), media, dimmer=dimmer)
    harness.inbox.put(ManifestActivated(manifest))
    seen: list[tuple[int, int, int]] = []

    def probe(loop) -> bool:
        if showing_id(loop) != "grey":
            return False
        here = pixel(loop, 160, 90)
        if not seen and close_to(here, (120, 120, 120), 3):
            seen.append(here)
            dimmer.set(100)  # the next frame is drawn whole at the new level
        elif seen and close_to(here, GREY, 3):
            seen.append(here)
            return True
        return False

    harness.run(10, probe)
    assert len(seen) == 2, f"seen {seen}, status {harness.status.get('render')}"
