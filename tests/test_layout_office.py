"""The office's layers: ingest → store → queries → pages/reports, with one data layer below."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.test_layout import _module_map, import_graph

DATA_LAYER = "central.db"
# What a module outside the data layer may take from SQLAlchemy: handles and errors to pass
# on, never the means to build a query.
HANDLES = {"Engine", "Connection"}


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def schema_importers(files: dict[str, Path]) -> list[str]:
    """Modules outside the data layer that import its schema."""
    graph = import_graph(files)
    return sorted(
        name
        for name, targets in graph.items()
        if "central.db.schema" in targets and not _inside(name, DATA_LAYER)
    )


def query_builders(files: dict[str, Path]) -> list[str]:
    """Imports of SQLAlchemy, outside the data layer, of more than handles and errors."""
    strays = []
    for name, path in files.items():
        if _inside(name, DATA_LAYER):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                strays += [
                    f"{name}: import {alias.name}"
                    for alias in node.names
                    if alias.name.split(".")[0] == "sqlalchemy"
                ]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
                taken = {alias.name for alias in node.names}
                if node.module == "sqlalchemy.exc" or (
                    node.module == "sqlalchemy" and taken <= HANDLES
                ):
                    continue
                strays.append(f"{name}: from {node.module} import {', '.join(sorted(taken))}")
    return strays


def test_only_the_data_layer_imports_the_schema():
    strays = schema_importers(_module_map().module_files())
    assert strays == [], f"call central.db functions instead of reading tables in {strays}"


def test_no_module_outside_the_data_layer_builds_a_query():
    assert query_builders(_module_map().module_files()) == []


def test_the_checks_find_a_page_that_reads_a_table(tmp_path):
    page = tmp_path / "page.py"
    page.write_text("from central.db.schema import screens\nfrom sqlalchemy import select\n")
    schema = tmp_path / "schema.py"
    schema.write_text("screens = None\n")
    inner = tmp_path / "queries.py"
    inner.write_text("from central.db.schema import screens\nfrom sqlalchemy import select\n")
    files = {"central.console.page": page, "central.db.schema": schema,
             "central.db.queries": inner}  # fmt: skip
    assert schema_importers(files) == ["central.console.page"]
    assert query_builders(files) == ["central.console.page: from sqlalchemy import select"]
