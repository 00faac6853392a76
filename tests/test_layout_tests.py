"""The tests hold themselves to account: a fuzz test asserts its refusal, never suppresses it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _is_given(decorator: ast.expr) -> bool:
    """`@given(...)` or `@hypothesis.given(...)`: the decorator that makes a fuzz test."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return (isinstance(target, ast.Name) and target.id == "given") or (
        isinstance(target, ast.Attribute) and target.attr == "given"
    )


def _is_suppress(expr: ast.expr) -> bool:
    """`suppress(...)` or `contextlib.suppress(...)` as a context manager."""
    if not isinstance(expr, ast.Call):
        return False
    func = expr.func
    return (isinstance(func, ast.Name) and func.id == "suppress") or (
        isinstance(func, ast.Attribute) and func.attr == "suppress"
    )


def suppressing_fuzz_tests(source: str, filename: str) -> list[str]:
    """`file:line test` for each `with suppress(...)` inside a function decorated `@given`.

    Inside a fuzz test such a block lets the call under test accept what it should refuse
    and still pass; outside one (fixture cleanup, say) a suppress is legitimate.
    """
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if not any(_is_given(d) for d in node.decorator_list):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.With | ast.AsyncWith) and any(
                _is_suppress(item.context_expr) for item in inner.items
            ):
                found.append(f"{filename}:{inner.lineno} {node.name}")
    return found


def test_no_fuzz_test_suppresses_the_error_it_should_assert():
    found = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        name = str(path.relative_to(ROOT))
        found += suppressing_fuzz_tests(path.read_text(encoding="utf-8"), name)
    assert not found, (
        "a fuzz test wraps its call in contextlib.suppress, so accepting a bad input passes; "
        "assert the refusal with pytest.raises(TheError) instead: " + ", ".join(found)
    )


def test_the_rule_finds_a_suppress_in_a_fuzz_test_and_only_there():
    source = """
import contextlib
from contextlib import suppress
import hypothesis
from hypothesis import given

@given(st.binary())
def test_a(data):
    with contextlib.suppress(ValueError):
        parse(data)

@hypothesis.given(st.binary())
def test_b(data):
    if data:
        with open("x") as f, suppress(ValueError):
            parse(data)

@given(st.binary())
def test_c(data):
    with pytest.raises(ValueError):
        parse(data)

def cleanup():
    with contextlib.suppress(FileNotFoundError):
        remove("x")
"""
    assert suppressing_fuzz_tests(source, "t.py") == ["t.py:9 test_a", "t.py:15 test_b"]
