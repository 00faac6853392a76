"""The one CSV writer of the office: UTF-8 with a BOM, CRLF, formula cells kept as text.

`videotron report --csv` and the console's downloads both write through here, so the same
rows give the same bytes. A cell beginning with "=", "+", "-", "@", a tab or a carriage
return is a formula to Excel or LibreOffice: an item id such as "=HYPERLINK(…)" from a
player must stay text in a partner's spreadsheet, so such a cell gets a leading "'".

Two forms: the plain one ("," and a decimal dot) for scripts, and the one Excel with
Indonesian regional settings opens in columns (";" and a decimal comma): that Excel reads
"," as the decimal mark, so a plain file lands in one column and 22.5 is no number.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from player.wire.isotime import format_utc

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# The proof-of-play CSV's header, in this order; partners' spreadsheets rely on these names.
PLAYS_COLUMNS = ("day", "screen", "item", "plays", "seconds", "completed_share")
# What each screen showed in a window (`onscreen.on_screen`): start and end in the office's
# zone, started_at and ended_at in UTC; an alert's id is in `item`.
ONSCREEN_COLUMNS = (
    "screen", "start", "end", "seconds", "kind", "item", "playlist", "alert_version", "level",
    "headline", "pages", "pages_shown", "completed", "started_at", "ended_at",
)  # fmt: skip


@dataclass(frozen=True)
class CsvForm:
    """How a CSV spells its separators: `name` is what the console and the CLI call it."""

    name: str
    delimiter: str
    decimal: str


PLAIN = CsvForm("plain", ",", ".")
EXCEL_ID = CsvForm("excel-id", ";", ",")  # Excel with Indonesian regional settings
FORMS = {form.name: form for form in (PLAIN, EXCEL_ID)}


def cell(value: object, form: CsvForm = PLAIN) -> str:
    """A value as CSV text: "" for None, ISO 8601 UTC ("…Z") for a naive UTC datetime, a
    float with the form's decimal mark, str() otherwise; a text that a spreadsheet would
    run as a formula gets a leading "'"."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return format_utc(value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value)
    if isinstance(value, float):
        return str(value).replace(".", form.decimal)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def number(value: float, places: int, form: CsvForm = PLAIN) -> str:
    """A number with `places` decimals and the form's decimal mark."""
    return f"{value:.{places}f}".replace(".", form.decimal)


def csv_bytes(
    header: Sequence[str], rows: Iterable[Sequence[object]], form: CsvForm = PLAIN
) -> bytes:
    """The CSV of `rows` under `header` as bytes: UTF-8 with a byte-order mark (which Excel
    needs to read non-ASCII names), lines ending in CRLF, every cell through `cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=form.delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([cell(value, form) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def plays_csv(rows: Iterable[Mapping], form: CsvForm = PLAIN) -> bytes:
    """Rows of `queries.plays_per_item` as the proof-of-play CSV (`PLAYS_COLUMNS`).

    Numbers as the console's table shows them: seconds with one decimal, the completed
    share with three, the form's decimal mark.
    """
    return csv_bytes(
        PLAYS_COLUMNS,
        (
            (
                row["day"],
                row["player"],
                row["item"],
                row["plays"],
                number(row["seconds"], 1, form),
                number(row["completed_share"], 3, form),
            )
            for row in rows
        ),
        form,
    )


def onscreen_csv(rows: Iterable[Mapping], form: CsvForm = PLAIN) -> bytes:
    """Rows of `onscreen.on_screen` as CSV (`ONSCREEN_COLUMNS`), seconds to the millisecond."""
    return csv_bytes(
        ONSCREEN_COLUMNS,
        (
            [number(row[c], 3, form) if c == "seconds" else row.get(c)
             for c in ONSCREEN_COLUMNS]
            for row in rows
        ),
        form,
    )  # fmt: skip


def table_csv(columns: Sequence[str], rows: Iterable[Mapping], form: CsvForm = PLAIN) -> bytes:
    """Rows (dicts) as CSV with `columns` as header and keys."""
    return csv_bytes(columns, ([row.get(c) for c in columns] for row in rows), form)
