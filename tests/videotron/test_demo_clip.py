"""The demo clip's sky: a smooth gradient on screen, not bands, in its true colours."""

from __future__ import annotations

import av
import numpy as np

from videotron.demo_content import CLIP_SIZE, make_clip


def test_the_demo_clip_sky_has_no_bands(tmp_path):
    clip = make_clip(tmp_path / "agency.mp4", seconds=1.0)
    with av.open(str(clip)) as container:
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    width, height = CLIP_SIZE
    for frame in (frames[0], frames[-1]):
        # Sky well above the hills and right of the sun, averaged across: the gradient's
        # profile from top to bottom, one value per row and colour.
        sky = frame[10 : height // 2, width * 5 // 8 : width * 15 // 16].astype(float)
        profile = sky.mean(axis=1)
        rows = np.arange(len(profile))
        smooth = np.stack(
            [np.polyval(np.polyfit(rows, profile[:, c], 2), rows) for c in range(3)], axis=1
        )
        # Bands are flat runs ending in steps of several levels: the profile leaves the
        # smooth curve by up to 3 levels and jumps 3 at a time (before the dither); a
        # smooth sky stays within about a level of it.
        assert np.abs(profile - smooth).max() < 1.6, np.abs(profile - smooth).max()
        assert np.abs(np.diff(profile, axis=0)).max() < 2.0
        # And in the sky's own colours: deep blue at the top.
        assert np.abs(profile[0] - [40, 80, 160]).max() < 10, profile[0]
