"""The tree shows the architecture: no import circles, the two ends apart, a current module map."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _module_map():
    spec = importlib.util.spec_from_file_location("module_map", ROOT / "scripts/module_map.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _owner(dotted: str, known: set[str]) -> str | None:
    """The longest known module that `dotted` names or lies in."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return None


def import_graph(files: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the project modules it imports anywhere in its body (lazy imports too)."""
    known = set(files)
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(_owner(alias.name, known) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.add(sub if sub in known else _owner(base, known))
        graph[name] = {t for t in targets if t and t != name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(_module_map().module_files())


def test_no_module_imports_a_module_that_imports_it_back(graph):
    assert circles(graph) == []


def test_the_circle_check_finds_a_circle(tmp_path):
    for name, body in {
        "a": "from pkg import b\n",
        "b": "def f():\n    from pkg.a import x\n",
    }.items():
        (tmp_path / f"{name}.py").write_text(body)
    files = {"pkg.a": tmp_path / "a.py", "pkg.b": tmp_path / "b.py"}
    assert circles(import_graph(files)) == [["pkg.a", "pkg.b"]]


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for target in graph[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


# What the office side may use of the player: the wire format, the pure scheduler (the
# console previews a group's schedule with the very code the screens run) and the alert
# card with the two pure text modules it stands on (the console's alert preview must be
# the very layout the screens draw, like the scheduler, or it shows what no screen shows).
# The scheduler's command-line front end reads a player's config, so it is not shared.
SHARED = (
    "player.wire",
    "player.schedule",
    "player.render.alertcard",
    "player.render.fonts",
    "player.render.textfit",
)
NOT_SHARED = ("player.schedule.cli",)


def _shared(module: str) -> bool:
    def inside(prefix: str) -> bool:
        return module == prefix or module.startswith(prefix + ".")

    return any(inside(p) for p in SHARED) and not any(inside(p) for p in NOT_SHARED)


def test_the_office_side_reaches_only_the_wire_format_and_scheduler_of_the_player(graph):
    # `player` itself is the version string.
    for name in (m for m in graph if m.split(".")[0] == "central"):
        strays = sorted(
            m
            for m in _reachable(graph, name)
            if m.split(".")[0] == "player" and m != "player" and not _shared(m)
        )
        assert strays == [], f"{name} reaches {strays}"


def test_the_shared_scheduler_stands_on_the_wire_format_alone(graph):
    for name in (m for m in graph if _shared(m) and m.startswith("player.schedule")):
        strays = sorted(m for m in _reachable(graph, name) if m != "player" and not _shared(m))
        assert strays == [], f"{name} reaches {strays}"


def test_the_shared_alert_card_stands_on_the_wire_format_and_its_text_modules_alone(graph):
    card = ("player.render.alertcard", "player.render.fonts", "player.render.textfit")
    for name in card:
        strays = sorted(
            m
            for m in _reachable(graph, name)
            if m != "player" and not m.startswith("player.wire") and m not in card
        )
        assert strays == [], f"{name} reaches {strays}"


def test_the_player_imports_nothing_from_the_office_side_or_the_cli(graph):
    for name, targets in graph.items():
        if name.split(".")[0] == "player":
            strays = sorted(t for t in targets if t.split(".")[0] != "player")
            assert strays == [], f"{name} imports {strays}"


def test_the_wire_format_stands_alone(graph):
    for name, targets in graph.items():
        if name.startswith("player.wire"):
            strays = sorted(t for t in targets if t != "player" and not t.startswith("player.wire"))
            assert strays == [], f"{name} imports {strays}"


def test_no_prefix_families_at_the_top_of_the_player_package():
    names = [p.stem for p in (ROOT / "player").glob("*.py") if p.stem != "__init__"]
    prefixes = [n.split("_")[0] for n in names if "_" in n]
    assert sorted(n for n in names if n.endswith(("_cli", "_parse"))) == []
    assert sorted(p for p in prefixes if p in names) == []


def test_every_module_has_a_one_line_docstring():
    module_map = _module_map()
    missing = [n for n, p in module_map.module_files().items() if not module_map.summary(p)]
    assert missing == []


def test_the_module_map_in_the_docs_lists_every_module_of_the_tree():
    module_map = _module_map()
    text = module_map.DOC.read_text(encoding="utf-8")
    for path in module_map.module_files().values():
        assert f"`{path.relative_to(ROOT).as_posix()}`" in text, (
            f"{path} missing: run {module_map.__doc__.splitlines()[2]}"
        )
    assert module_map.updated(text, module_map.render_map()) == text, (
        "docs/ARCHITECTURE.md module map is out of date: run python scripts/module_map.py"
    )
