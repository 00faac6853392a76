"""The collector keeps one health row per sample, not per status; prunes; the chart's lines."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from central.db import health
from central.db.fleet import fleet_summary
from central.db.schema import health_samples
from central.db.store import Recorder
from tests.central.console.conftest import Fleet

START = dt.datetime(2026, 12, 7, 8, 0)


def machine(at: dt.datetime, temp: float, **more) -> dict:
    return {"sampled_at": at.isoformat() + "Z", "temp_c": temp, "disk_free_bytes": 2_000,
            "disk_total_bytes": 100_000, "under_voltage": False, **more}  # fmt: skip


def test_each_sample_is_kept_once_across_repeats_and_a_collector_restart(engine):
    fleet = Fleet(engine)
    first = machine(START, 71.0)
    fleet.status("layar-1", START, machine=first)
    # A status on change repeats the sample it already carried.
    fleet.status("layar-1", START + dt.timedelta(seconds=20), machine=first, item="news")
    fleet.recorder = Recorder()  # the collector restarted: it remembers nothing
    fleet.status("layar-1", START + dt.timedelta(seconds=30), machine=first)
    later = START + dt.timedelta(minutes=1)
    fleet.status("layar-1", later, machine=machine(later, 82.5, under_voltage=True, io_errors=3))
    with engine.connect() as connection:
        rows = connection.execute(select(health_samples).order_by(health_samples.c.at)).all()
        assert [(r.at, r.temp_c, r.under_voltage, r.io_errors) for r in rows] == [
            (START, 71.0, False, None), (later, 82.5, True, 3),
        ]  # fmt: skip
        (screen,) = fleet_summary(connection, now=later)["screens"]
    assert [(w.code, w.level) for w in screen["health_warnings"]] == [
        ("hot", "critical"), ("under_voltage", "critical"), ("disk_low", "critical"),
        ("io_errors", "warning"),
    ]  # fmt: skip
    with engine.begin() as connection:
        assert health.prune(connection, before=later) == 1
        assert len(health.history(connection, "layar-1", since=START)) == 1


def test_the_chart_breaks_its_line_at_a_gap_and_marks_power_trouble():
    samples = [
        {"at": START + dt.timedelta(minutes=m), "temp_c": 60.0 + m / 10, "under_voltage": m == 2}
        for m in (0, 1, 2, 40, 41, 55)
    ]
    chart = health.chart(samples, start=START, end=START + dt.timedelta(hours=1))
    assert [len(line.split()) for line in chart["lines"]] == [3, 2]
    assert chart["dots"] == [["550.0", str(round(health.CHART_HEIGHT * (100 - 65.5) / 70, 1))]]
    assert chart["flags"] == [20.0]  # 2 minutes of 60, 600 wide
    assert (chart["low"], chart["high"]) == (30.0, 100.0)
    assert chart["hot_y"] == round(health.CHART_HEIGHT * (100 - 80) / 70, 1)
