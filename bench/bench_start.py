"""Back after a power cut: player start to the first frame of cached content vs bare pygame.

`python -m bench.bench_start [--quick]`, or `python -m bench --only start`.

A player whose cache holds the content (200 items, from `bench_app.prepare`) and whose
source is an unreachable loopback URL is started as a fresh process,
`videotron --config C run --headless --frame-log F`; the time from Popen to its first
content frame (the frame log's first "item" line, stamped by the player's clock) is
compared with a fresh bare pygame process that opens a display of the same size, fills
it and flips one frame. The two alternate, so load from other work on the machine hits
both alike; each figure is the median of STARTS repetitions, and the ratio is of the
medians. The load average before and after is printed with them: on a busy machine only
the ratio means much.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from bench.bench_app import (
    compile_player,
    prepare,
    row,
    time_bare_pygame,
    time_player_start,
)

START_GOAL_RATIO = 1.25  # issue 32: content back within 1.25x of a bare pygame window
STARTS = 21  # repetitions of each start in a full run; medians of these
QUICK_STARTS = 7


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def run(quick: bool = False, smoke: bool = False) -> list[dict]:
    starts = 1 if smoke else QUICK_STARTS if quick else STARTS
    items, videos = (20, 2) if smoke else (200, 10)
    with tempfile.TemporaryDirectory(prefix="bench-start-") as tmp:
        work = Path(tmp)
        offline, _folder = prepare(work, items, videos)
        compile_player()
        load_before = load_average()
        ours, bare = [], []
        for n in range(starts):  # interleaved, so load from other processes hits both alike
            bare.append(time_bare_pygame())
            ours.append(time_player_start(offline, work, n))
        load_after = load_average()
    ours_ms, bare_ms = statistics.median(ours) * 1000, statistics.median(bare) * 1000
    ratio = ours_ms / bare_ms
    return [
        row(f"start from cache, no network, to first content frame (median of {starts})",
            round(ours_ms), "ms", "-", True),
        row(f"bare pygame: open display, draw one frame (median of {starts}, reference)",
            round(bare_ms), "ms", "-", True),
        row("start from cache / bare pygame", round(ratio, 2), "ratio",
            f"<= {START_GOAL_RATIO:g}", ratio <= START_GOAL_RATIO),
        row("start from cache, quartiles", " ".join(f"{q * 1000:.0f}" for q in quartiles(ours)),
            "ms", "-", True),
        row("bare pygame, quartiles", " ".join(f"{q * 1000:.0f}" for q in quartiles(bare)),
            "ms", "-", True),
        row("load average (1, 5, 15 min) before / after", f"{load_before} / {load_after}", "",
            "-", True),
    ]  # fmt: skip


def quartiles(samples: list[float]) -> list[float]:
    """Lower quartile, median, upper quartile (one sample: that sample thrice)."""
    if len(samples) < 2:
        return samples * 3
    return statistics.quantiles(samples, n=4)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_start", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args(argv)
    from bench.__main__ import format_table

    rows = run(quick=args.quick)
    print(format_table(rows))
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
