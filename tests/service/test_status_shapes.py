"""Status shapes: every key a reader names is declared, and every declared key is written."""

from __future__ import annotations

import ast
import typing
from pathlib import Path

import pytest

from player.service.board import StatusBoard
from player.wire import status as shapes
from player.wire.status import SECTIONS, StatusMessage, keys_of, status_message

ROOT = Path(__file__).resolve().parents[2]
SHAPES = {
    name: value
    for name, value in vars(shapes).items()
    if isinstance(value, type) and typing.is_typeddict(value)
}
# Where status is read: the printer, the status file, the MQTT message, the splash, the
# screenshot message, the demo's progress line, the collector.
READERS = [
    "player/service/statusview.py",
    "player/service/statusfile.py",
    "player/push/client.py",
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


def shape_of(annotation: ast.expr | None) -> str | None:
    """The status shape an annotation names (`RenderSection`, `RenderSection | None`)."""
    if isinstance(annotation, ast.Name) and annotation.id in SHAPES:
        return annotation.id
    if isinstance(annotation, ast.Constant) and annotation.value in SHAPES:
        return annotation.value
    if isinstance(annotation, ast.BinOp):
        return shape_of(annotation.left) or shape_of(annotation.right)
    return None


def key_reads(nodes) -> list[tuple[str, str, int]]:
    """(name, key, line) for every `name["key"]` and `name.get("key"…)` among `nodes`."""
    reads = []
    for node in nodes:
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            reads.append((node.value.id, node.slice.value, node.lineno))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and isinstance(node.func.value, ast.Name)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            reads.append((node.func.value.id, node.args[0].value, node.lineno))
    return reads


def scopes(tree: ast.Module) -> list[ast.AST]:
    return [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))]


def annotated_names(scope: ast.AST) -> dict[str, str]:
    """Names a scope (not its nested functions) annotates with a status shape."""
    names: dict[str, str] = {}
    if isinstance(scope, ast.FunctionDef):
        for arg in [*scope.args.args, *scope.args.kwonlyargs]:
            if shape := shape_of(arg.annotation):
                names[arg.arg] = shape
    for node in own_nodes(scope):
        is_ann = isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
        if is_ann and (shape := shape_of(node.annotation)):
            names[node.target.id] = shape
    return names


def own_nodes(scope: ast.AST):
    """The nodes of a scope, without descending into nested functions."""
    todo = list(ast.iter_child_nodes(scope))
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, ast.FunctionDef):
            todo.extend(ast.iter_child_nodes(node))


def problems_in(path: str, *, strict: bool) -> list[str]:
    tree = ast.parse((ROOT / path).read_text(), path)
    found = []
    for scope in scopes(tree):
        names = annotated_names(scope)
        for name, key, line in sorted(key_reads(own_nodes(scope)), key=lambda r: r[2]):
            shape = names.get(name)
            if shape is None:
                if strict:
                    found.append(f"{path}:{line}: {name}[{key!r}] reads status without a shape")
                continue
            if key not in keys_of(SHAPES[shape]):
                found.append(f"{path}:{line}: {name}[{key!r}]: {shape} declares no {key!r}")
    return found


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
