"""Scheduling cost on a 10,000-item manifest: `python -m bench.bench_schedule [--quick]`."""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import time
from dataclasses import replace
from zoneinfo import ZoneInfo

from player.config.model import OperatingHours, TimeWindow
from player.schedule.plan import Scheduler, plan
from player.wire.manifest import (
    Campaign,
    DailyWindow,
    Goal,
    Item,
    Manifest,
    Media,
    Playlist,
    Rules,
)

GOAL_MS = 10.0
GOAL_DAY_S = 2.0  # `videotron schedule --hours 24` should answer while the technician waits
ITEMS = 10_000
TZ = ZoneInfo("Europe/Berlin")
START = dt.datetime(2024, 3, 30, 12, 0, tzinfo=TZ)  # the week of a DST change


def _rules(rng: random.Random, k: int) -> Rules:
    start = rng.randrange(0, 24)
    length = rng.randrange(1, 8)
    days = frozenset(rng.sample(range(7), rng.randrange(1, 7))) if k % 2 else None
    valid = None
    if k % 3 == 0:
        valid = dt.datetime(2024, 3, 25) + dt.timedelta(days=rng.randrange(0, 10))
    return Rules(
        valid_from=valid,
        valid_until=valid + dt.timedelta(days=rng.randrange(1, 10)) if valid else None,
        days=days,
        windows=(DailyWindow(dt.time(start), dt.time((start + length) % 24)),),
    )


def build_manifest(items: int = ITEMS, distinct_rules: int = 40, seed: int = 5) -> Manifest:
    """50 playlists (a fifth of them scheduled), a tenth of the items with their own rules."""
    rng = random.Random(seed)
    media = {}
    for k in range(200):
        sha = f"{k:064x}"
        kind = "video" if k % 4 == 0 else "image"
        media[sha] = Media(
            sha, 1000, kind, f"media/{sha}", duration=30.0 if kind == "video" else None
        )
    shas = list(media)
    pool = [_rules(rng, k) for k in range(distinct_rules)]
    per = items // 50
    playlists = []
    for p in range(50):
        entries = []
        for k in range(p * per, (p + 1) * per):
            sha = shas[k % len(shas)]
            kind = media[sha].type
            entries.append(
                Item(
                    f"item-{k}",
                    kind,
                    None if kind == "video" else rng.choice([5.0, 8.0, 10.0, 15.0]),
                    media=sha,
                    rules=pool[rng.randrange(len(pool))] if rng.random() < 0.1 else None,
                )
            )
        playlists.append(
            Playlist(
                f"playlist-{p}",
                priority=p % 7,
                items=tuple(entries),
                rules=pool[p % len(pool)] if p % 5 == 0 else None,
                default=p == 49,
            )
        )
    return Manifest(1, "bench", dt.datetime(2024, 1, 1, tzinfo=dt.UTC), 1, media, tuple(playlists))


def build_crowded(seed: int = 1, per_playlist: int = 200) -> Manifest:
    """Worst case: 50 playlists above the one that plays, 200 items each, every item with its
    own night window, so at noon every one of the 10,000 rules has to be judged."""
    rng = random.Random(seed)
    playlists = []
    for p in range(50):
        items = []
        for i in range(per_playlist):
            minute = rng.randrange(0, 5 * 60)
            window = DailyWindow(dt.time(minute // 60, minute % 60), dt.time(5, 30))
            when = Rules(days=frozenset({rng.randrange(7)}), windows=(window,))
            items.append(Item(f"n{p}-{i}", "image", 10.0, rules=when))
        playlists.append(Playlist(f"night-{p}", 100 - p, tuple(items)))
    playlists.append(Playlist("fallback", 0, (Item("f", "image", 10.0),)))
    return Manifest(1, "bench", dt.datetime(2024, 1, 1, tzinfo=dt.UTC), 1, {}, tuple(playlists))


def with_campaigns(manifest: Manifest) -> Manifest:
    """The manifest with the issue's three campaigns: 480 plays/day, 10 % share, a daypart."""
    sha = next(iter(manifest.media))
    spot = Item("spot", "image", 15.0, media=sha)
    morning = Rules(days=frozenset(range(5)), windows=(DailyWindow(dt.time(7), dt.time(10)),))
    campaigns = (
        Campaign("spot", "a", (spot,), Goal(plays_per_day=480)),
        Campaign("share", "b", (replace(spot, id="share"),), Goal(share=0.1)),
        Campaign("morning", "c", (replace(spot, id="morning"),), Goal(plays_per_day=60), morning),
    )
    return replace(manifest, campaigns=campaigns)


HOURS = OperatingHours({d: (TimeWindow(dt.time(6), dt.time(23)),) for d in range(7)})


def _times_ms(func, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times)


def _median_ms(func, repeats: int) -> float:
    return statistics.median(_times_ms(func, repeats))


def _instants(count: int) -> list[dt.datetime]:
    rng = random.Random(7)
    return [START + dt.timedelta(seconds=rng.randrange(0, 7 * 86400)) for _ in range(count)]


def run(quick: bool = False, smoke: bool = False) -> list[dict]:
    repeats = 1 if smoke else 5 if quick else 30
    items = 100 if smoke else ITEMS
    rows = []
    for label, distinct in (("40 distinct rules", 40), ("~1,000 distinct rules", items)):
        m = build_manifest(items, distinct_rules=distinct)
        assert sum(1 for _ in m.items()) == items
        build = _median_ms(lambda m=m: Scheduler(m, TZ), repeats)
        sched = Scheduler(m, TZ)
        instants = iter(_instants(repeats * 10))
        when = instants.__next__
        warm_all = _times_ms(lambda s=sched, at=when: s.plan(at(), hours=HOURS), repeats * 4)
        warm = statistics.median(warm_all)
        worst = warm_all[-1]
        aligned = _median_ms(
            lambda s=sched, at=when: s.plan(at(), hours=HOURS, aligned=True), repeats
        )
        cold = _median_ms(lambda m=m, at=when: plan(m, at(), tz=TZ, hours=HOURS), repeats)
        rows += [
            _row(f"schedule plan() warm, {items} items, {label}", warm, GOAL_MS),
            _row(f"schedule plan() warm slowest of {len(warm_all)}, {label}", worst, GOAL_MS),
            _row(f"schedule plan() aligned warm, {label}", aligned, GOAL_MS),
            _row(f"schedule plan() cold (index + plan), {label}", cold, GOAL_MS),
            _row(f"schedule Scheduler() index build, {label}", build, None),
        ]
    per_playlist = 2 if smoke else 200
    crowded = build_crowded(per_playlist=per_playlist)
    noon = START.replace(hour=12)
    cold = _median_ms(lambda: Scheduler(crowded, TZ).plan(noon), max(3, repeats // 5))
    sched = Scheduler(crowded, TZ)
    sched.plan(noon)
    later = iter(noon + dt.timedelta(seconds=10 * k) for k in range(1, repeats * 2))
    warm = _median_ms(lambda: sched.plan(next(later)), repeats)
    started = time.perf_counter()
    slots = sum(1 for _ in sched.upcoming(START, START + dt.timedelta(hours=24)))
    day = time.perf_counter() - started
    rows += [
        _row(f"schedule worst case ({50 * per_playlist:,} item rules above): cold", cold, None),
        _row("schedule worst case: plan() moving forward", warm, GOAL_MS),
        _row(f"schedule worst case: upcoming() 24 h ({slots} slots)", day, GOAL_DAY_S, unit="s"),
    ]
    m = build_manifest(items)
    sched = Scheduler(m, TZ)
    started = time.perf_counter()
    slots = sum(1 for _ in sched.upcoming(START, START + dt.timedelta(hours=24), hours=HOURS))
    day = time.perf_counter() - started
    rows.append(_row(f"schedule upcoming() 24 h ({slots} slots)", day, GOAL_DAY_S, unit="s"))
    rows.append(_row("schedule upcoming() per slot", day / slots * 1e6, None, unit="µs"))
    sched = Scheduler(with_campaigns(m), TZ)
    started = time.perf_counter()
    slots = sum(1 for _ in sched.upcoming(START, START + dt.timedelta(hours=24), hours=HOURS))
    day = time.perf_counter() - started
    rows.append(
        _row(f"schedule upcoming() 24 h, 3 campaigns ({slots} slots)", day, GOAL_DAY_S, unit="s")
    )
    rows.append(
        _row("schedule upcoming() per slot, 3 campaigns", day / slots * 1e6, None, unit="µs")
    )
    rows.append(
        {
            "name": "schedule plan() warm / goal",
            "value": round(rows[0]["value"] / GOAL_MS, 3),
            "unit": "ratio",
            "goal": "< 1",
            "ok": rows[0]["value"] < GOAL_MS,
        }
    )
    return rows


def _row(name: str, value: float, goal: float | None, unit: str = "ms") -> dict:
    return {
        "name": name,
        "value": round(value, 3),
        "unit": unit,
        "goal": f"< {goal:g}" if goal is not None else "-",
        "ok": goal is None or value < goal,
    }


def main() -> int:
    rows = run(quick="--quick" in sys.argv)
    width = max(len(row["name"]) for row in rows)
    print(f"{'benchmark'.ljust(width)}  {'value':>9}  unit   goal   ok")
    for row in rows:
        ok = "yes" if row["ok"] else "NO"
        print(
            f"{row['name'].ljust(width)}  {row['value']:>9}  {row['unit']:<5}  "
            f"{row['goal']:<5}  {ok}"
        )
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
