"""One CSV writer: every CSV the office hands out is written by central/db/csvfile.py."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What ships. Benchmarks' result files and tests' fixtures are no one's spreadsheet.
SHIPPED = ("player", "central", "videotron", "scripts")
THE_WRITER = Path("central/db/csvfile.py")
WRITERS = {"writer", "DictWriter"}


def csv_writers(source: str, filename: str) -> list[int]:
    """Lines that make a csv writer: `csv.writer(`, `csv.DictWriter(`, or either imported
    from csv by name (reading CSV is fine)."""
    lines = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.ImportFrom) and node.module == "csv":
            if any(alias.name in WRITERS for alias in node.names):
                lines.append(node.lineno)
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in WRITERS
            and isinstance(node.value, ast.Name)
            and node.value.id == "csv"
        ):
            lines.append(node.lineno)
    return lines


def test_no_csv_is_written_outside_the_one_csv_writer():
    strays = [
        f"{path.relative_to(ROOT)}:{line}"
        for top in SHIPPED
        for path in sorted((ROOT / top).rglob("*.py"))
        if path.relative_to(ROOT) != THE_WRITER
        for line in csv_writers(path.read_text(encoding="utf-8"), str(path))
    ]
    assert strays == [], (
        f"CSV written by hand at {strays}: write it with central.db.csvfile (csv_bytes, "
        "table_csv), which keeps formula cells as text in a spreadsheet"
    )


def test_the_check_finds_every_way_to_make_a_csv_writer():
    assert csv_writers("import csv\nw = csv.writer(out)\n", "a.py") == [2]
    assert csv_writers("import csv\nw = csv.DictWriter(out, ['a'])\n", "a.py") == [2]
    assert csv_writers("from csv import DictWriter as W\n", "a.py") == [1]
    assert csv_writers("import csv\nrows = csv.reader(data)\n", "a.py") == []
    assert csv_writers((ROOT / THE_WRITER).read_text(encoding="utf-8"), "csvfile.py") != []
