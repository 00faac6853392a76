"""Proof of play for the console: totals per item, the chart's series, the CSV's file name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable


def item_totals(rows: Iterable[dict]) -> list[dict]:
    """Totals per item over `rows` of `proof_of_play`, most seconds first (then by item id).

    Returns `[{"item": str, "plays": int, "seconds": float, "screens": int, "days": int}]`;
    the sums are of the rows' own numbers, so a chart and the table never disagree.
    """
    totals: dict[str, dict] = {}
    for row in rows:
        entry = totals.setdefault(
            row["item"], {"item": row["item"], "plays": 0, "seconds": 0.0, "_s": set(), "_d": set()}
        )
        entry["plays"] += row["plays"]
        entry["seconds"] += row["seconds"]
        entry["_s"].add(row["player"])
        entry["_d"].add(row["day"])
    out = [
        {
            "item": e["item"],
            "plays": e["plays"],
            "seconds": round(e["seconds"], 1),
            "screens": len(e["_s"]),
            "days": len(e["_d"]),
        }
        for e in totals.values()
    ]
    return sorted(out, key=lambda e: (-e["seconds"], e["item"]))


def grand_total(rows: Iterable[dict]) -> dict:
    """`{"plays": int, "seconds": float, "screens": int, "items": int}` over all `rows`."""
    rows = list(rows)
    return {
        "plays": sum(r["plays"] for r in rows),
        "seconds": round(sum(r["seconds"] for r in rows), 1),
        "screens": len({r["player"] for r in rows}),
        "items": len({r["item"] for r in rows}),
    }


def chart_series(rows: Iterable[dict], first: dt.date, last: dt.date) -> dict:
    """What a chart draws: items' totals, and seconds per day per item over the whole range.

    Returns `{"items": [item ids, most seconds first], "plays": [int per item],
    "seconds": [float per item], "days": ["YYYY-MM-DD" for every day first..last],
    "daily": {item: [seconds per day, 0.0 on days without plays]}}`.
    """
    rows = list(rows)
    totals = item_totals(rows)
    days = [(first + dt.timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
    position = {day: n for n, day in enumerate(days)}
    daily = {t["item"]: [0.0] * len(days) for t in totals}
    for row in rows:
        n = position.get(row["day"])
        if n is not None:
            daily[row["item"]][n] = round(daily[row["item"]][n] + row["seconds"], 1)
    return {
        "items": [t["item"] for t in totals],
        "plays": [t["plays"] for t in totals],
        "seconds": [t["seconds"] for t in totals],
        "days": days,
        "daily": daily,
    }


def csv_filename(first: dt.date, last: dt.date, group: str | None = None) -> str:
    """A download name such as `proof-of-play_lobby_2024-05-01_2024-05-31.csv`."""
    # ASCII only: the name goes into a header, which Starlette encodes as Latin-1.
    safe = "".join(
        ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in group or "all"
    )
    return f"proof-of-play_{safe}_{first.isoformat()}_{last.isoformat()}.csv"


def onscreen_filename(day: dt.date, start: dt.time, end: dt.time, group: str | None) -> str:
    """A download name such as `on-screen_lobby_2024-05-01_1400-1600.csv`."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in group or "all")
    return f"on-screen_{safe}_{day.isoformat()}_{start:%H%M}-{end:%H%M}.csv"
