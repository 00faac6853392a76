"""Status shapes: every key a reader names is declared, and every declared key is written."""

from __future__ import annotations

import ast
import typing
from pathlib import Path

import pytest

from player.service.board import StatusBoard
from player.wire import status as shapes
from player.wire.status import SECTIONS, StatusMessage, keys_of, status_message
from tests.fixtures.shapes import typed_dicts, undeclared_keys

ROOT = Path(__file__).resolve().parents[2]
SHAPES = typed_dicts(shapes)
# Where status is read: the printer, the status file, the MQTT message, proof-of-play
# counts, the splash, the screenshot message, the demo's progress line, the collector.
READERS = [
    "player/service/statusview.py",
    "player/service/statusfile.py",
    "player/push/client.py",
    "player/push/upload.py",
    "player/wire/status.py",
    "player/render/splash.py",
    "player/render/__main__.py",
    "player/app.py",
    "videotron/demo.py",
    "central/db/fleet.py",
    "central/db/store.py",
]
STRICT_READERS = ["player/service/statusview.py"]  # reads status and nothing else
# What is not a writer of the board: the shapes themselves and their readers.
NOT_WRITERS = {"player/wire/status.py", "player/service/statusview.py"}
MESSAGE_WRITERS = ["player/wire/status.py", "player/push/client.py"]


def problems_in(path: str, *, strict: bool) -> list[str]:
    return undeclared_keys(ROOT, path, SHAPES, strict=strict)


@pytest.mark.parametrize("path", READERS)
def test_readers_name_only_declared_keys(path: str) -> None:
    assert problems_in(path, strict=path in STRICT_READERS) == []


def test_the_scan_finds_a_key_no_shape_declares(tmp_path: Path, monkeypatch) -> None:
    """The check above can fail: a printer reading `render["current"]` is caught."""
    monkeypatch.setattr("tests.service.test_status_shapes.ROOT", tmp_path)
    (tmp_path / "reader.py").write_text(
        "def show(doc: StatusDocument):\n"
        "    render: RenderSection = doc.get('render') or {}\n"
        "    return render['current'], render.get('since'), doc.get('written_at')\n"
        "def loose(doc):\n"
        "    return doc.get('title')\n"
    )
    found = problems_in("reader.py", strict=True)
    assert found == [
        "reader.py:3: render['current']: RenderSection declares no 'current'",
        "reader.py:5: doc['title'] reads status without a shape",
    ]


def written_keys(paths: list[str]) -> set[str]:
    """Keyword names and string dict keys in these modules: what they can write."""
    keys: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse((ROOT / path).read_text(), path)):
            if isinstance(node, ast.keyword) and node.arg:
                keys.add(node.arg)
            elif isinstance(node, ast.Dict):
                keys.update(k.value for k in node.keys if isinstance(k, ast.Constant))
            elif (
                isinstance(node, ast.Subscript)
                and isinstance(node.ctx, ast.Store)
                and isinstance(node.slice, ast.Constant)
            ):
                keys.add(node.slice.value)
    return keys


def writer_modules() -> list[str]:
    return [
        str(p.relative_to(ROOT))
        for p in sorted((ROOT / "player").rglob("*.py"))
        if str(p.relative_to(ROOT)) not in NOT_WRITERS
    ]


def test_every_declared_key_is_written_somewhere() -> None:
    """A key a shape declares but no part writes would let a reader read what never comes."""
    written = written_keys(writer_modules())
    shapes_of_board = {s for section in SECTIONS.values() for s in nested_shapes(section)}
    missing = {
        f"{shape.__name__}.{key}"
        for shape in shapes_of_board
        for key in keys_of(shape)
        if key not in written
    }
    assert missing == set()
    message = written_keys(MESSAGE_WRITERS)
    assert {k for k in keys_of(StatusMessage) if k not in message} == set()


def nested_shapes(shape: type) -> set[type]:
    """The shape and the shapes its values are made of (lists and dicts of them too)."""
    found = {shape}
    for hint in typing.get_type_hints(shape).values():
        todo = [hint]
        while todo:
            t = todo.pop()
            if typing.is_typeddict(t) and t not in found:
                found |= nested_shapes(t)
            todo.extend(typing.get_args(t))
    return found


def test_writers_name_only_declared_keys() -> None:
    """Literal writes (`status.update("render", kind=…)`) are checked before they run."""
    wrong = []
    for path in writer_modules():
        for node in ast.walk(ast.parse((ROOT / path).read_text(), path)):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("update", "replace")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value in SECTIONS
            ):
                continue
            section = node.args[0].value
            keys = [k.arg for k in node.keywords if k.arg]
            if len(node.args) > 1 and isinstance(node.args[1], ast.Dict):
                keys += [k.value for k in node.args[1].keys if isinstance(k, ast.Constant)]
            declared = keys_of(SECTIONS[section])
            wrong += [f"{path}:{node.lineno}: {section}.{k}" for k in keys if k not in declared]
    assert wrong == []


def test_the_board_drops_and_logs_a_key_its_section_does_not_declare(caplog) -> None:
    board = StatusBoard()
    board.update("render", item="a", since="2024-06-03T03:00:00+00:00")
    board.update("render", current="a", item="b")
    board.replace("nonsense", {"x": 1})
    assert board.get("render") == {"item": "b", "since": "2024-06-03T03:00:00+00:00"}
    assert board.get("nonsense") == {}
    messages = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert any("'render' declares no current" in m for m in messages)
    assert any("player/wire/status.py" in m for m in messages)


def test_the_status_message_carries_what_the_board_says() -> None:
    board = StatusBoard()
    board.update("render", kind="item", item="psa", type="video", since="2024-06-03T03:00:00Z")
    board.update("sync", manifest_sequence=7, state="idle", last_result="ok")
    board.replace("errors", {"recent": [{"message": "x", "where": "a", "count": 2}]})
    message = status_message(board.snapshot())
    assert message["current"]["item"] == "psa" and message["current"]["type"] == "video"
    assert message["manifest_sequence"] == 7 and message["sync"]["last_result"] == "ok"
    assert message["errors"] == [{"message": "x", "where": "a", "count": 2}]


def test_the_collectors_history_keys_are_in_the_status_message() -> None:
    from central.db.store import HISTORY_KEYS

    assert set(HISTORY_KEYS) <= keys_of(StatusMessage)
