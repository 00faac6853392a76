"""Every CSV the office hands out keeps what a screen reported as text in a spreadsheet.

A screen chooses its own id, group, item ids and version; a value beginning with "=",
"+", "-", "@", a tab or a carriage return is a formula to Excel or LibreOffice. Screens
with such values report to the collector's database; then every CSV export (the console's
download and each `videotron report … --csv`) is read back cell by cell.
"""

from __future__ import annotations

import datetime as dt

from central.db.csvfile import FORMULA_START
from central.db.database import open_engine, upgrade
from tests.central.console.conftest import Fleet
from tests.central.console.test_one_answer import PASSWORD, logged_in, naive_now, rows_of, run
from tests.fixtures.console import ConsoleProcess


def hostile_office(database: str, now: dt.datetime) -> None:
    """One screen per formula start, each value it reports beginning with it."""
    engine = open_engine(database)
    upgrade(engine)
    fleet = Fleet(engine)
    for n, start in enumerate(FORMULA_START):
        player, group = f"{start}layar-{n}", f"{start}grup"
        fleet.status(player, now - dt.timedelta(minutes=10), group=group, item=f"{start}psa",
                     version=f"{start}1.0")  # fmt: skip
        fleet.plays(player, [(f"{start}psa", now - dt.timedelta(minutes=9), 5.0)], group=group)
        fleet.status(player, now - dt.timedelta(seconds=20), group=group, item=f"{start}psa",
                     version=f"{start}1.0")  # fmt: skip
    engine.dispose()


def formula_cells(data: bytes) -> tuple[list[str], set[str]]:
    """(cells a spreadsheet would run, every cell) of a CSV, its header included."""
    rows = rows_of(data)
    assert rows, data[:300]
    cells = {cell for row in rows for cell in [*row, *row.values()]}
    return sorted(c for c in cells if c.startswith(FORMULA_START)), cells


def test_every_csv_export_keeps_reported_values_as_text(tmp_path):
    database = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    now = naive_now()
    hostile_office(database, now)
    # Days in UTC on both sides: the command line's --tz UTC, the console's own zone.
    console = ConsoleProcess(
        tmp_path / "console",
        f"collector:\n  database: {database}\nconsole:\n  timezone: UTC\n",
    )
    console.add_user("wati", "viewer", PASSWORD)
    console.start()
    today, yesterday = now.date(), now.date() - dt.timedelta(days=1)
    span = ("--from", str(yesterday), "--to", str(today), "--tz", "UTC")
    try:
        http = logged_in(console, "wati")
        download = http.get(f"{console.url}/plays.csv?from={yesterday}&to={today}", timeout=30)
        assert download.status_code == 200, download.text
    finally:
        console.stop()
    config = str(console.config)
    exports = {"console /plays.csv": download.content}
    for kind, more in (("plays", span), ("uptime", span), ("fleet", ())):
        exports[f"report {kind} --csv"] = run(
            "--config", config, "report", kind, *more, "--csv"
        ).stdout
    for name, data in exports.items():
        formulas, cells = formula_cells(data)
        assert formulas == [], f"{name} has cells a spreadsheet runs: {formulas}"
        # The screens' values are there, each kept as text by a leading "'".
        expected = {f"'{start}layar-{n}" for n, start in enumerate(FORMULA_START)}
        assert expected <= cells, (name, sorted(cells))
    fleet_cells = formula_cells(exports["report fleet --csv"])[1]
    assert {f"'{s}grup" for s in FORMULA_START} | {f"'{s}1.0" for s in FORMULA_START} <= fleet_cells
    plays_cells = formula_cells(exports["report plays --csv"])[1]
    assert {f"'{start}psa" for start in FORMULA_START} <= plays_cells
